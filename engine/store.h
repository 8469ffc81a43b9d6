/* store.h — writes to the immutable base document by copying the path to
 * the written place and sharing the rest (store.c). */
#ifndef VERDICT_STORE_H
#define VERDICT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "value.h"

typedef enum store_mode {
    STORE_UPSERT,   /* create missing objects along the path; set or replace the value */
    STORE_ADD,      /* JSON Patch "add": parents must exist; arrays insert ("-" appends) */
    STORE_REPLACE,  /* the value must exist */
} store_mode;

/* The value at keys, or NULL.  String keys index arrays ("2"). */
val *store_get(val *root, val *const *keys, int n);
/* A new root with value at keys; NULL and err filled ("storage_...: ...") on failure. */
val *store_set(arena *a, val *root, val *const *keys, int n, val *value, store_mode mode, char *err, size_t errcap);
/* A new root without the value at keys (*found false, root unchanged, when absent). */
val *store_remove(arena *a, val *root, val *const *keys, int n, bool *found);
/* A new root with doc deep-merged at keys (objects merge; other collisions are errors). */
val *store_merge(arena *a, val *root, val *const *keys, int n, val *doc, char *err, size_t errcap);

#endif
