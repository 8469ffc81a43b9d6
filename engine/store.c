/* store.c — writes to the base document without changing it.
 *
 * The base document of a snapshot is immutable and shared by every
 * evaluation.  A write makes a new root: the objects (and arrays) on the path
 * to the written place are copied into the writer's arena, everything else
 * is shared with the old document.  The arenas a document uses are kept
 * alive by the snapshots that reference them (engine/api.c), so the cost of
 * a write is proportional to the depth and width of its path, not to the
 * size of the document. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Array index from a path segment: digits without a leading zero. */
static long array_index(const val *key, uint32_t len)
{
    if (key->kind == VAL_NUMBER) {
        int64_t i;
        return val_is_int(key) && (i = val_int_value(key)) >= 0 && (uint64_t)i < len ? (long)i : -1;
    }
    if (key->kind != VAL_STRING)
        return -1;
    const char *s = val_str(key);
    uint32_t n = val_len(key);
    if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
        return -1;
    long i = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        i = i * 10 + (s[k] - '0');
    }
    return (uint64_t)i < len ? i : -1;
}

val *store_get(val *root, val *const *keys, int n)
{
    val *v = root;
    for (int i = 0; v && i < n; i++) {
        if (v->kind == VAL_OBJECT)
            v = val_object_get(v, keys[i]);
        else if (v->kind == VAL_ARRAY) {
            long k = array_index(keys[i], val_len(v));
            v = k < 0 ? NULL : val_array_items(v)[k];
        } else
            v = NULL;
    }
    return v;
}

static void path_text(char *buf, size_t cap, val *const *keys, int n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < n && len + 2 < cap; i++) {
        const char *s = keys[i]->kind == VAL_STRING ? val_str(keys[i]) : "?";
        int w = snprintf(buf + len, cap - len, "/%s", s);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (n == 0)
        snprintf(buf, cap, "/");
}

static val *array_with(arena *a, const val *arr, long at, val *value)
{
    uint32_t n = val_len(arr);
    varr *c = val_array_alloc(a, n);
    memcpy(c->items, val_array_items(arr), sizeof *c->items * n);
    c->items[at] = value;
    return val_array_seal(c);
}

static val *set_rec(arena *a, val *node, val *const *keys, int n, int i, val *value, store_mode mode,
                    char *err, size_t errcap)
{
    if (i == n)
        return value;
    val *key = keys[i];
    if (!node) {
        if (mode != STORE_UPSERT) {
            char p[512];
            path_text(p, sizeof p, keys, i + 1);
            snprintf(err, errcap, "storage_not_found_error: %s: document does not exist", p);
            return NULL;
        }
        node = VAL_EMPTY_OBJECT_V;
    }
    if (node->kind == VAL_OBJECT) {
        val *child = val_object_get(node, key);
        if (!child && mode == STORE_REPLACE && i == n - 1) {
            char p[512];
            path_text(p, sizeof p, keys, i + 1);
            snprintf(err, errcap, "storage_not_found_error: %s: document does not exist", p);
            return NULL;
        }
        if (!child && i < n - 1 && mode != STORE_UPSERT) {
            char p[512];
            path_text(p, sizeof p, keys, i + 1);
            snprintf(err, errcap, "storage_not_found_error: %s: document does not exist", p);
            return NULL;
        }
        val *nc = set_rec(a, child, keys, n, i + 1, value, mode, err, errcap);
        return nc ? val_object_with(a, node, key, nc) : NULL;
    }
    if (node->kind == VAL_ARRAY) {
        uint32_t len = val_len(node);
        if (i == n - 1 && mode != STORE_REPLACE && key->kind == VAL_STRING && strcmp(val_str(key), "-") == 0) {
            varr *c = val_array_alloc(a, len + 1);
            memcpy(c->items, val_array_items(node), sizeof *c->items * len);
            c->items[len] = value;
            return val_array_seal(c);
        }
        long at = array_index(key, i == n - 1 && mode == STORE_ADD ? len + 1 : len);
        if (at < 0) {
            char p[512];
            path_text(p, sizeof p, keys, i + 1);
            snprintf(err, errcap, "storage_not_found_error: %s: document does not exist", p);
            return NULL;
        }
        if (i == n - 1 && mode == STORE_ADD) {
            /* JSON Patch add on an array inserts */
            varr *c = val_array_alloc(a, len + 1);
            memcpy(c->items, val_array_items(node), sizeof *c->items * (size_t)at);
            c->items[at] = value;
            memcpy(c->items + at + 1, val_array_items(node) + at, sizeof *c->items * (len - (size_t)at));
            return val_array_seal(c);
        }
        val *nc = set_rec(a, val_array_items(node)[at], keys, n, i + 1, value, mode, err, errcap);
        return nc ? array_with(a, node, at, nc) : NULL;
    }
    char p[512];
    path_text(p, sizeof p, keys, i);
    snprintf(err, errcap, "storage_write_conflict_error: %s: cannot write under a %s", p, val_type_name(node));
    return NULL;
}

val *store_set(arena *a, val *root, val *const *keys, int n, val *value, store_mode mode, char *err, size_t errcap)
{
    err[0] = 0;
    if (n == 0) {
        if (value->kind != VAL_OBJECT) {
            snprintf(err, errcap, "storage_invalid_patch_error: root must be object");
            return NULL;
        }
        return value;
    }
    return set_rec(a, root, keys, n, 0, value, mode, err, errcap);
}

static val *remove_rec(arena *a, val *node, val *const *keys, int n, int i, bool *found)
{
    if (!node)
        return NULL;
    val *key = keys[i];
    if (node->kind == VAL_OBJECT) {
        val *child = val_object_get(node, key);
        if (!child)
            return node;
        if (i == n - 1) {
            *found = true;
            return val_object_without(a, node, key);
        }
        val *nc = remove_rec(a, child, keys, n, i + 1, found);
        return *found ? val_object_with(a, node, key, nc) : node;
    }
    if (node->kind == VAL_ARRAY) {
        uint32_t len = val_len(node);
        long at = array_index(key, len);
        if (at < 0)
            return node;
        if (i == n - 1) {
            *found = true;
            varr *c = val_array_alloc(a, len - 1);
            memcpy(c->items, val_array_items(node), sizeof *c->items * (size_t)at);
            memcpy(c->items + at, val_array_items(node) + at + 1, sizeof *c->items * (len - 1 - (size_t)at));
            return val_array_seal(c);
        }
        val *nc = remove_rec(a, val_array_items(node)[at], keys, n, i + 1, found);
        return *found ? array_with(a, node, at, nc) : node;
    }
    return node;
}

val *store_remove(arena *a, val *root, val *const *keys, int n, bool *found)
{
    *found = false;
    if (n == 0) {
        *found = true;
        return VAL_EMPTY_OBJECT_V;
    }
    return remove_rec(a, root, keys, n, 0, found);
}

/* Deep merge of doc into the document at keys: objects merge, anything else
 * in both places conflicts. */
static val *merge_rec(arena *a, val *old, val *doc, char *conflict, size_t cap, val *const *keys, int n)
{
    if (!old)
        return doc;
    if (old->kind != VAL_OBJECT || doc->kind != VAL_OBJECT) {
        if (val_equal(old, doc))
            return old;
        path_text(conflict, cap, keys, n);
        return NULL;
    }
    val *out = old;
    for (uint32_t i = 0; i < val_len(doc); i++) {
        val *k = val_object_keys(doc)[i];
        val *prev = val_object_get(old, k);
        val *v = val_object_values(doc)[i];
        if (prev) {
            val **sub = arena_alloc(a, sizeof *sub * (size_t)(n + 1));
            memcpy(sub, keys, sizeof *sub * (size_t)n);
            sub[n] = k;
            v = merge_rec(a, prev, v, conflict, cap, sub, n + 1);
            if (!v)
                return NULL;
        }
        out = val_object_with(a, out, k, v);
    }
    return out;
}

val *store_merge(arena *a, val *root, val *const *keys, int n, val *doc, char *err, size_t errcap)
{
    err[0] = 0;
    val *old = store_get(root, keys, n);
    char conflict[512];
    val *merged = merge_rec(a, old, doc, conflict, sizeof conflict, keys, n);
    if (!merged) {
        snprintf(err, errcap, "merge error: conflicting values for data%s", conflict);
        for (char *p = err; *p; p++)
            if (*p == '/' && p > err && p[-1] != ' ')
                *p = '.';
        return NULL;
    }
    return store_set(a, root, keys, n, merged, STORE_UPSERT, err, errcap);
}
