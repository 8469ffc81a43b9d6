/* known.c — reading the known-failures list (see known.h). */
#include "known.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int known_load(known_list *k, const char *path)
{
    memset(k, 0, sizeof *k);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    while (getline(&line, &cap, f) >= 0) {
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0' || *p == '#') continue;
        char *end = p;
        while (*end && !isspace((unsigned char)*end)) end++;
        if (k->n == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            char **ids = realloc(k->ids, alloc * sizeof *ids);
            if (!ids) break;
            k->ids = ids;
        }
        k->ids[k->n++] = strndup(p, (size_t)(end - p));
    }
    free(line);
    fclose(f);
    qsort(k->ids, k->n, sizeof *k->ids, cmp_ids);
    k->seen = calloc(k->n + 1, 1);
    return 0;
}

long known_find(const known_list *k, const char *id)
{
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(k->ids[mid], id);
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

void known_free(known_list *k)
{
    for (size_t i = 0; i < k->n; i++) free(k->ids[i]);
    free(k->ids);
    free(k->seen);
    memset(k, 0, sizeof *k);
}
