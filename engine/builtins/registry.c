/* registry.c — the one table of builtins: every group's entries, looked up by
 * name at compile time.  Adding a group means adding one line to `groups`. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../builtins.h"

static const builtin_def *const groups[] = {
    bi_group_compare, bi_group_arith,  bi_group_aggregates, bi_group_sets,
    bi_group_types,   bi_group_bits,   bi_group_core,       bi_group_strings,
    bi_group_objects, bi_group_arrays, bi_group_encoding, bi_group_regex,
    bi_group_glob,    bi_group_time,   bi_group_units,      bi_group_semver,
    bi_group_uuid,    bi_group_net,    bi_group_rand,       bi_group_graph,
    bi_group_crypto,  bi_group_jwt,    bi_group_jsonschema, bi_group_http,
    bi_group_runtime, bi_group_uri,    bi_group_testcase,   bi_group_graphql,
};

static const builtin_def **sorted;  /* all entries, sorted by name */
static int nsorted;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int cmp_def(const void *a, const void *b)
{
    const builtin_def *x = *(const builtin_def *const *)a, *y = *(const builtin_def *const *)b;
    return strcmp(x->name, y->name);
}

static void build_index(void)
{
    int n = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (const builtin_def *d = groups[g]; d->name; d++)
            n++;
    sorted = malloc(sizeof *sorted * (size_t)(n ? n : 1));
    if (!sorted)
        return;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (const builtin_def *d = groups[g]; d->name; d++)
            sorted[nsorted++] = d;
    qsort(sorted, (size_t)nsorted, sizeof *sorted, cmp_def);
}

const builtin_def *builtin_lookup_n(const char *name, size_t n)
{
    pthread_once(&once, build_index);
    int lo = 0, hi = nsorted - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *s = sorted[mid]->name;
        int c = strncmp(s, name, n);
        if (c == 0 && s[n] != 0)
            c = 1;
        if (c == 0)
            return sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

const builtin_def *builtin_lookup(const char *name) { return builtin_lookup_n(name, strlen(name)); }

int builtin_count(void)
{
    pthread_once(&once, build_index);
    return nsorted;
}

const builtin_def *builtin_at(int i)
{
    pthread_once(&once, build_index);
    return i >= 0 && i < nsorted ? sorted[i] : NULL;
}

const char *builtin_decl_json(const char *name)
{
    int lo = 0, hi = -1;
    while (builtin_decls[hi + 1].name)
        hi++;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(builtin_decls[mid].name, name);
        if (c == 0)
            return builtin_decls[mid].json;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}
