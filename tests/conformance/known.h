/* known.h — the list of known failing case ids (known_failures.txt): one id
 * per line, optionally followed by " # reason"; blank lines and lines
 * starting with '#' are ignored. */
#ifndef VERDICT_CONF_KNOWN_H
#define VERDICT_CONF_KNOWN_H

#include <stddef.h>

typedef struct known_list {
    char **ids;      /* sorted */
    size_t n;
    unsigned char *seen;  /* per id: the case ran (to spot stale entries) */
} known_list;

/* 0 on success (a missing file is an error). */
int known_load(known_list *k, const char *path);
/* Index of id in the list, or -1. */
long known_find(const known_list *k, const char *id);
void known_free(known_list *k);

#endif
