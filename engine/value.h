/* value.h — Rego values: JSON plus sets, and objects whose keys are any value.
 *
 * A value is immutable once made.  Values live in an arena (see arena.h) or
 * are static singletons (null, true, false, small integers, empty
 * collections); a value never points into a shorter-lived arena than its own.
 *
 * Order and equality follow OPA (ast.Compare): values of different kinds order
 * by kind in the enum order below; numbers compare by numeric value (1 == 1.0);
 * strings bytewise; arrays element by element then by length; objects by their
 * key-sorted (key, value) pairs then by size; sets by their sorted elements
 * then by size.  The 64-bit hash (XXH3) agrees with equality: equal values
 * have equal hashes.  Composites compute their hash once, when made.
 *
 * Objects and sets keep their entries sorted in that order (the canonical
 * order OPA prints), with a hash index for lookups when they are large. */
#ifndef VERDICT_VALUE_H
#define VERDICT_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef enum val_kind {
    VAL_NULL = 0,
    VAL_BOOL,
    VAL_NUMBER,
    VAL_STRING,
    VAL_ARRAY,
    VAL_OBJECT,
    VAL_SET,
} val_kind;

/* Flags in val.flags */
enum {
    VAL_F_INT = 1,      /* number held exactly as int64 in vnum.i (and text==NULL) */
    VAL_F_STATIC = 2,   /* statically allocated singleton */
    VAL_F_UNSORTED = 4, /* set whose items are still in insertion order (see val_setb_finish_unsorted) */
};

/* Common header.  len: string byte length; element count of array/set;
 * pair count of object; for numbers unused (0). */
typedef struct val {
    uint8_t kind;
    uint8_t flags;
    uint16_t aux;       /* per-kind spare bits */
    uint32_t len;
    uint64_t hash;
} val;

typedef struct vnum {
    val h;
    int64_t i;          /* the value when VAL_F_INT */
    const char *text;   /* otherwise: the number's text as OPA keeps it (json.Number),
                           e.g. "1.0", "1e400", "-0", "123456789012345678901234567890";
                           NUL-terminated, h.len = strlen(text) */
} vnum;

typedef struct vstr {
    val h;
    char s[];           /* h.len bytes, then a NUL (strings may also contain NULs) */
} vstr;

typedef struct varr {
    val h;
    val *items[];       /* h.len elements */
} varr;

/* Objects and sets: entries sorted ascending by val_compare of the key/element,
 * no duplicates.  index: open-addressing table of (position+1) with
 * index_mask+1 slots (a power of two), or NULL for small collections
 * (looked up by binary search). */
typedef struct vobj {
    val h;
    val **keys;
    val **values;
    uint32_t *index;
    uint32_t index_mask;
} vobj;

typedef struct vset {
    val h;
    val **items;
    uint32_t *index;
    uint32_t index_mask;
} vset;

/* ---- singletons ---- */
extern val *const VAL_NULL_V;
extern val *const VAL_TRUE_V;
extern val *const VAL_FALSE_V;
extern val *const VAL_EMPTY_STRING_V;
extern val *const VAL_EMPTY_ARRAY_V;
extern val *const VAL_EMPTY_OBJECT_V;
extern val *const VAL_EMPTY_SET_V;

/* ---- construction (copying the given arrays; values themselves are shared) ---- */
val *val_bool(bool b);
val *val_int(arena *a, int64_t i);                   /* static for small values */
/* Number from its text (JSON/Rego number syntax, optional leading '-').  The
 * text is validated; NULL if it is not a number.  A canonical integer that
 * fits int64 ("-12", not "-0", "012", "1.0" or "1e2") becomes VAL_F_INT;
 * anything else keeps its text verbatim. */
val *val_number_text(arena *a, const char *s, size_t n);
val *val_string(arena *a, const char *s, size_t n);  /* copies the bytes */
val *val_cstring(arena *a, const char *s);
/* The hash a string value of bytes s[0..n) has, so that callers that hash
 * anyway (parsers interning keys, lookups by name) can build the value
 * without hashing twice: val_string_prehashed(a, s, n, val_string_hash(s, n))
 * is val_string(a, s, n). */
uint64_t val_string_hash(const char *s, size_t n);
val *val_string_prehashed(arena *a, const char *s, size_t n, uint64_t hash);
val *val_array(arena *a, val *const *items, size_t n);
/* Object from n pairs in any order.  On duplicate keys the later pair wins. */
val *val_object(arena *a, val *const *keys, val *const *values, size_t n);
/* Copies of an object with one key set or removed; unchanged parts are
 * shared with the original. */
val *val_object_with(arena *a, const val *obj, val *key, val *value);
val *val_object_without(arena *a, const val *obj, const val *key);
/* Set from n elements in any order; duplicates are dropped. */
val *val_set(arena *a, val *const *items, size_t n);

/* Uninitialised array of n slots: fill items[0..n-1] then call val_array_seal. */
varr *val_array_alloc(arena *a, size_t n);
val *val_array_seal(varr *arr);

/* ---- access ---- */
static inline val_kind val_kind_of(const val *v) { return (val_kind)v->kind; }
static inline uint32_t val_len(const val *v) { return v->len; }
static inline bool val_is_int(const val *v) { return v->kind == VAL_NUMBER && (v->flags & VAL_F_INT); }
static inline int64_t val_int_value(const val *v) { return ((const vnum *)v)->i; }
static inline const char *val_str(const val *v) { return ((const vstr *)v)->s; }
static inline val *const *val_array_items(const val *v) { return ((const varr *)v)->items; }
static inline val *const *val_object_keys(const val *v) { return ((const vobj *)v)->keys; }
static inline val *const *val_object_values(const val *v) { return ((const vobj *)v)->values; }
void val_set_sort_now(val *set);
/* A set's items in OPA's order (a set built unsorted is sorted on first use). */
static inline val *const *val_set_items(const val *v)
{
    if (v->flags & VAL_F_UNSORTED)
        val_set_sort_now((val *)v);
    return ((const vset *)v)->items;
}
/* A set's items in whatever order it holds them: for callers to whom the
 * order does not matter (the VM's unordered loops). */
static inline val *const *val_set_items_any(const val *v) { return ((const vset *)v)->items; }
static inline bool val_is_true(const val *v) { return v == VAL_TRUE_V; }
static inline bool val_is_false(const val *v) { return v == VAL_FALSE_V; }

val *val_object_get(const val *obj, const val *key);               /* NULL if absent */
val *val_object_get_str(const val *obj, const char *key, size_t n);  /* string key */
long val_object_find(const val *obj, const val *key);              /* position or -1 */
bool val_set_contains(const val *set, const val *x);
long val_set_find(const val *set, const val *x);                   /* position or -1 */

/* ---- order, equality, hash ---- */
int val_compare(const val *a, const val *b);   /* <0, 0, >0 */
bool val_equal(const val *a, const val *b);
static inline uint64_t val_hash(const val *v) { return v->hash; }
const char *val_kind_name(val_kind k);         /* "null","boolean","number","string","array","object","set" */
static inline const char *val_type_name(const val *v) { return val_kind_name((val_kind)v->kind); }

/* ---- builders: mutable collections, then one sealing call ----
 * Builders allocate from their arena; finishing yields an immutable value. */
typedef struct val_objb {
    arena *a;
    val **keys, **values;
    uint32_t n, cap;
    uint32_t *index;        /* open addressing over positions+1 */
    uint32_t index_mask;
} val_objb;

void val_objb_init(val_objb *b, arena *a);
/* Insert key->value.  If the key is present already, nothing changes and the
 * existing value is returned (callers use that for conflict checks);
 * otherwise NULL. */
val *val_objb_put(val_objb *b, val *key, val *value);
/* Insert or replace. */
void val_objb_set(val_objb *b, val *key, val *value);
val *val_objb_get(const val_objb *b, const val *key);
val *val_objb_finish(val_objb *b);     /* builder must not be used afterwards */

typedef struct val_setb {
    arena *a;
    val **items;
    uint32_t n, cap;
    uint32_t *index;
    uint32_t index_mask;
} val_setb;

void val_setb_init(val_setb *b, arena *a);
bool val_setb_add(val_setb *b, val *x);       /* true when newly added */
bool val_setb_contains(const val_setb *b, const val *x);
val *val_setb_finish(val_setb *b);
/* Finish without sorting: the set keeps insertion order until something
 * needs OPA's order (val_set_items, comparison, output), which sorts it in
 * place.  Only for sets private to one thread (an evaluation's values). */
val *val_setb_finish_unsorted(val_setb *b);

typedef struct val_arrb {
    arena *a;
    val **items;
    uint32_t n, cap;
} val_arrb;

void val_arrb_init(val_arrb *b, arena *a);
void val_arrb_push(val_arrb *b, val *x);
val *val_arrb_finish(val_arrb *b);

/* ---- deep copy into another arena (e.g. results leaving an evaluation) ---- */
val *val_copy(arena *a, const val *v);

#endif
