/* value.c — construction, order, equality and hashing of Rego values; see value.h.
 *
 * Every value carries its 64-bit hash from birth.  Scalars hash their bytes
 * (XXH3, one seed per kind); composites fold their elements' hashes in
 * canonical order, so equal values hash alike however they were built.
 * Numbers hash through num_hash (number.c), which maps every spelling of one
 * numeric value (1, 1.0, 1e0, 10e-1) to the same hash.
 *
 * Objects and sets keep their entries sorted by val_compare.  Beyond
 * SMALL_COLL entries they also get an open-addressing index of positions+1
 * (0 = empty slot) with at least twice as many slots as entries. */
#include "value.h"

#include <stddef.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "number.h"

#define SMALL_COLL 8            /* collections up to this size have no index */
#define SMALL_INT_MIN (-128)
#define SMALL_INT_MAX 1023

/* Per-kind seeds keep e.g. the string "a" and the array ["a"] apart. */
#define SEED_STRING 0x5a17c0de5a17c0deULL
#define SEED_ARRAY  0xa77a7a77a77a7a77ULL
#define SEED_OBJECT 0x0b1ec70b1ec70b1eULL
#define SEED_SET    0x5e75e75e75e75e75ULL
#define HASH_NULL   0x6e756c6c6e756c6cULL
#define HASH_FALSE  0x66616c7365000001ULL
#define HASH_TRUE   0x7472756500000002ULL

/* ---- singletons ---- */

static val s_null = {VAL_NULL, VAL_F_STATIC, 0, 0, HASH_NULL};
static val s_true = {VAL_BOOL, VAL_F_STATIC, 1, 0, HASH_TRUE};
static val s_false = {VAL_BOOL, VAL_F_STATIC, 0, 0, HASH_FALSE};
static struct { val h; char s[8]; } s_empty_str = {{VAL_STRING, VAL_F_STATIC, 0, 0, 0}, {0}};
static val s_empty_arr = {VAL_ARRAY, VAL_F_STATIC, 0, 0, 0};
static vobj s_empty_obj = {{VAL_OBJECT, VAL_F_STATIC, 0, 0, 0}, NULL, NULL, NULL, 0};
static vset s_empty_set = {{VAL_SET, VAL_F_STATIC, 0, 0, 0}, NULL, NULL, 0};
static vnum s_small_ints[SMALL_INT_MAX - SMALL_INT_MIN + 1];

val *const VAL_NULL_V = &s_null;
val *const VAL_TRUE_V = &s_true;
val *const VAL_FALSE_V = &s_false;
val *const VAL_EMPTY_STRING_V = &s_empty_str.h;
val *const VAL_EMPTY_ARRAY_V = &s_empty_arr;
val *const VAL_EMPTY_OBJECT_V = &s_empty_obj.h;
val *const VAL_EMPTY_SET_V = &s_empty_set.h;

/* ---- hashing helpers ---- */

/* Folds one element hash into a running hash: a 64x64->128 multiply whose
 * halves are xored (wyhash's mixer).  Element hashes are XXH3 outputs
 * already, so this only has to combine them order-sensitively. */
static inline uint64_t hash_mix(uint64_t h, uint64_t x)
{
#ifdef __SIZEOF_INT128__
    __extension__ unsigned __int128 r =
        (unsigned __int128)(h ^ 0xa0761d6478bd642fULL) * (x ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    uint64_t z = (h ^ 0xa0761d6478bd642fULL) + x * 0xe7037ed1a0b428dbULL;
    z = (z ^ (z >> 32)) * 0x8ebc6af09c88c6e3ULL;
    return z ^ (z >> 29);
#endif
}

static uint64_t hash_items(uint64_t seed, val *const *items, size_t n)
{
    uint64_t h = seed ^ (uint64_t)n;
    for (size_t i = 0; i < n; i++)
        h = hash_mix(h, items[i]->hash);
    return hash_mix(h, (uint64_t)n);
}

/* Sets hash their elements in any order (a commutative sum), so a set that
 * is not sorted yet has the hash it will have once sorted. */
static uint64_t hash_set_items(val *const *items, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += hash_mix(SEED_SET, items[i]->hash);
    return hash_mix(SEED_SET ^ (uint64_t)n, sum);
}

static uint64_t hash_pairs(val *const *keys, val *const *values, size_t n)
{
    uint64_t h = SEED_OBJECT ^ (uint64_t)n;
    for (size_t i = 0; i < n; i++) {
        h = hash_mix(h, keys[i]->hash);
        h = hash_mix(h, values[i]->hash);
    }
    return hash_mix(h, (uint64_t)n);
}

uint64_t val_string_hash(const char *s, size_t n)
{
    return XXH3_64bits_withSeed(s, n, SEED_STRING);
}

/* Statics whose hashes come from the same functions as their arena twins.
 * Runs before main, so concurrent readers never see them half-made. */
__attribute__((constructor)) static void val_init_statics(void)
{
    s_empty_str.h.hash = val_string_hash("", 0);
    s_empty_arr.hash = hash_items(SEED_ARRAY, NULL, 0);
    s_empty_obj.h.hash = hash_pairs(NULL, NULL, 0);
    s_empty_set.h.hash = hash_set_items(NULL, 0);
    for (int64_t i = SMALL_INT_MIN; i <= SMALL_INT_MAX; i++) {
        vnum *n = &s_small_ints[i - SMALL_INT_MIN];
        n->h.kind = VAL_NUMBER;
        n->h.flags = VAL_F_INT | VAL_F_STATIC;
        n->i = i;
        n->text = NULL;
        n->h.hash = num_hash(&n->h);
    }
}

const char *val_kind_name(val_kind k)
{
    switch (k) {
    case VAL_NULL: return "null";
    case VAL_BOOL: return "boolean";
    case VAL_NUMBER: return "number";
    case VAL_STRING: return "string";
    case VAL_ARRAY: return "array";
    case VAL_OBJECT: return "object";
    case VAL_SET: return "set";
    }
    return "unknown";
}

/* ---- scalars ---- */

val *val_bool(bool b) { return b ? VAL_TRUE_V : VAL_FALSE_V; }

val *val_int(arena *a, int64_t i)
{
    if (i >= SMALL_INT_MIN && i <= SMALL_INT_MAX)
        return &s_small_ints[i - SMALL_INT_MIN].h;
    vnum *n = arena_alloc(a, sizeof *n);
    n->h.kind = VAL_NUMBER;
    n->h.flags = VAL_F_INT;
    n->h.aux = 0;
    n->h.len = 0;
    n->i = i;
    n->text = NULL;
    n->h.hash = num_hash(&n->h);
    return &n->h;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? */
static bool number_syntax(const char *s, size_t n, bool *plain_int)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    *plain_int = (i == n);
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

/* Canonical decimal integer text (already syntax-checked) that fits int64. */
static bool canonical_int64(const char *s, size_t n, int64_t *out)
{
    bool neg = s[0] == '-';
    size_t i = neg;
    if (neg && n == 2 && s[1] == '0')
        return false;                       /* "-0" keeps its text */
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t acc = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (acc > (limit - d) / 10)
            return false;
        acc = acc * 10 + d;
    }
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

val *val_number_text(arena *a, const char *s, size_t n)
{
    bool plain = false;
    if (!number_syntax(s, n, &plain))
        return NULL;
    int64_t i;
    if (plain && canonical_int64(s, n, &i))
        return val_int(a, i);
    vnum *v = arena_alloc(a, sizeof *v + n + 1);
    char *text = (char *)(v + 1);
    memcpy(text, s, n);
    text[n] = 0;
    v->h.kind = VAL_NUMBER;
    v->h.flags = 0;
    v->h.aux = 0;
    v->h.len = (uint32_t)n;
    v->i = 0;
    v->text = text;
    v->h.hash = num_hash(&v->h);
    return &v->h;
}

val *val_string_prehashed(arena *a, const char *s, size_t n, uint64_t hash)
{
    if (n == 0)
        return VAL_EMPTY_STRING_V;
    vstr *v = arena_alloc(a, sizeof *v + n + 1);
    v->h.kind = VAL_STRING;
    v->h.flags = 0;
    v->h.aux = 0;
    v->h.len = (uint32_t)n;
    v->h.hash = hash;
    memcpy(v->s, s, n);
    v->s[n] = 0;
    return &v->h;
}

val *val_string(arena *a, const char *s, size_t n)
{
    return val_string_prehashed(a, s, n, val_string_hash(s, n));
}

val *val_cstring(arena *a, const char *s) { return val_string(a, s, strlen(s)); }

/* ---- order and equality ---- */

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    size_t n = na < nb ? na : nb;
    /* most strings differ early: look at the first byte before calling memcmp */
    if (n && a[0] != b[0])
        return (unsigned char)a[0] < (unsigned char)b[0] ? -1 : 1;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return na < nb ? -1 : na > nb;
}

static int cmp_len(uint32_t a, uint32_t b) { return a < b ? -1 : a > b; }

int val_compare(const val *a, const val *b)
{
    if (a == b)
        return 0;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    switch ((val_kind)a->kind) {
    case VAL_NULL:
        return 0;
    case VAL_BOOL:
        return (int)a->aux - (int)b->aux;
    case VAL_NUMBER:
        if ((a->flags & b->flags & VAL_F_INT)) {
            int64_t x = ((const vnum *)a)->i, y = ((const vnum *)b)->i;
            return x < y ? -1 : x > y;
        }
        return num_compare(a, b);
    case VAL_STRING:
        return cmp_bytes(val_str(a), a->len, val_str(b), b->len);
    case VAL_ARRAY:
    case VAL_SET: {
        val *const *x = a->kind == VAL_ARRAY ? ((const varr *)a)->items : val_set_items(a);
        val *const *y = b->kind == VAL_ARRAY ? ((const varr *)b)->items : val_set_items(b);
        uint32_t n = a->len < b->len ? a->len : b->len;
        for (uint32_t i = 0; i < n; i++) {
            int c = val_compare(x[i], y[i]);
            if (c)
                return c;
        }
        return cmp_len(a->len, b->len);
    }
    case VAL_OBJECT: {
        const vobj *x = (const vobj *)a, *y = (const vobj *)b;
        uint32_t n = a->len < b->len ? a->len : b->len;
        for (uint32_t i = 0; i < n; i++) {
            /* keys are often the same (interned) value: skip comparing them */
            int c = x->keys[i] == y->keys[i] ? 0 : val_compare(x->keys[i], y->keys[i]);
            if (c)
                return c;
            c = val_compare(x->values[i], y->values[i]);
            if (c)
                return c;
        }
        return cmp_len(a->len, b->len);
    }
    }
    return 0;
}

bool val_equal(const val *a, const val *b)
{
    if (a == b)
        return true;
    if (a->kind != b->kind || a->hash != b->hash)
        return false;
    switch ((val_kind)a->kind) {
    case VAL_NULL:
        return true;
    case VAL_BOOL:
        return a->aux == b->aux;
    case VAL_NUMBER:
        return val_compare(a, b) == 0;
    case VAL_STRING:
        return a->len == b->len && memcmp(val_str(a), val_str(b), a->len) == 0;
    case VAL_ARRAY:
    case VAL_SET: {
        if (a->len != b->len)
            return false;
        val *const *x = a->kind == VAL_ARRAY ? ((const varr *)a)->items : val_set_items(a);
        val *const *y = b->kind == VAL_ARRAY ? ((const varr *)b)->items : val_set_items(b);
        for (uint32_t i = 0; i < a->len; i++)
            if (!val_equal(x[i], y[i]))
                return false;
        return true;
    }
    case VAL_OBJECT: {
        if (a->len != b->len)
            return false;
        const vobj *x = (const vobj *)a, *y = (const vobj *)b;
        for (uint32_t i = 0; i < a->len; i++)
            if (!val_equal(x->keys[i], y->keys[i]) || !val_equal(x->values[i], y->values[i]))
                return false;
        return true;
    }
    }
    return false;
}

/* ---- sorting (stable merge sort; arena scratch) ---- */

typedef struct vpair {
    val *k, *v;
} vpair;

static void pair_insertion_sort(vpair *p, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        vpair x = p[i];
        size_t j = i;
        while (j > 0 && val_compare(p[j - 1].k, x.k) > 0) {
            p[j] = p[j - 1];
            j--;
        }
        p[j] = x;
    }
}

/* Sorts p[0..n) by key, keeping the input order of equal keys. */
static void pair_sort(arena *a, vpair *p, size_t n)
{
    const size_t run = 16;
    if (n <= run) {
        pair_insertion_sort(p, n);
        return;
    }
    for (size_t i = 0; i < n; i += run)
        pair_insertion_sort(p + i, n - i < run ? n - i : run);
    vpair *src = p, *dst = arena_alloc(a, n * sizeof *dst);
    for (size_t w = run; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            if (mid < hi && val_compare(src[mid - 1].k, src[mid].k) <= 0) {
                memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);   /* already in order */
                continue;
            }
            while (i < mid && j < hi)
                dst[k++] = val_compare(src[j].k, src[i].k) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        vpair *t = src;
        src = dst;
        dst = t;
    }
    if (src != p)
        memcpy(p, src, n * sizeof *p);
}

/* Sorts keys[0..n) (and values alongside, if given) and folds runs of equal
 * keys: the first key stays, with the last value (OPA's object insert keeps
 * the original key term and replaces the value).  Returns the new count. */
static size_t sort_unique(arena *a, val **keys, val **values, size_t n)
{
    size_t i;
    for (i = 1; i < n; i++)
        if (val_compare(keys[i - 1], keys[i]) >= 0)
            break;
    if (i >= n)
        return n;               /* strictly ascending already: the usual case */
    vpair *p = arena_alloc(a, n * sizeof *p);
    for (i = 0; i < n; i++) {
        p[i].k = keys[i];
        p[i].v = values ? values[i] : NULL;
    }
    pair_sort(a, p, n);
    size_t m = 0;
    for (i = 0; i < n; i++) {
        if (m > 0 && val_compare(keys[m - 1], p[i].k) == 0) {
            if (values)
                values[m - 1] = p[i].v;
            continue;
        }
        keys[m] = p[i].k;
        if (values)
            values[m] = p[i].v;
        m++;
    }
    return m;
}

/* ---- hash index ---- */

static uint32_t index_slots(size_t n)
{
    uint32_t s = 16;
    while (s < 2 * n)
        s *= 2;
    return s;
}

static void index_fill(uint32_t *index, uint32_t mask, val *const *keys, size_t n)
{
    memset(index, 0, ((size_t)mask + 1) * sizeof *index);
    for (size_t i = 0; i < n; i++) {
        uint32_t s = (uint32_t)keys[i]->hash & mask;
        while (index[s])
            s = (s + 1) & mask;
        index[s] = (uint32_t)i + 1;
    }
}

static uint32_t *index_build(arena *a, val *const *keys, size_t n, uint32_t *mask)
{
    if (n <= SMALL_COLL) {
        *mask = 0;
        return NULL;
    }
    uint32_t slots = index_slots(n);
    uint32_t *index = arena_alloc(a, (size_t)slots * sizeof *index);
    *mask = slots - 1;
    index_fill(index, *mask, keys, n);
    return index;
}

static long index_find(const uint32_t *index, uint32_t mask, val *const *keys, const val *key)
{
    uint32_t s = (uint32_t)key->hash & mask;
    for (uint32_t p; (p = index[s]) != 0; s = (s + 1) & mask) {
        const val *k = keys[p - 1];
        if (k->hash == key->hash && val_equal(k, key))
            return (long)p - 1;
    }
    return -1;
}

static long sorted_find(val *const *keys, uint32_t n, const val *key)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = val_compare(keys[mid], key);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- composites ---- */

val *val_array(arena *a, val *const *items, size_t n)
{
    if (n == 0)
        return VAL_EMPTY_ARRAY_V;
    varr *arr = val_array_alloc(a, n);
    memcpy(arr->items, items, n * sizeof *items);
    return val_array_seal(arr);
}

varr *val_array_alloc(arena *a, size_t n)
{
    varr *arr = arena_alloc(a, sizeof *arr + n * sizeof(val *));
    arr->h.kind = VAL_ARRAY;
    arr->h.flags = 0;
    arr->h.aux = 0;
    arr->h.len = (uint32_t)n;
    arr->h.hash = 0;
    return arr;
}

val *val_array_seal(varr *arr)
{
    if (arr->h.len == 0)
        return VAL_EMPTY_ARRAY_V;
    arr->h.hash = hash_items(SEED_ARRAY, arr->items, arr->h.len);
    return &arr->h;
}

static val *make_object(arena *a, val **keys, val **values, size_t n, uint32_t *index, uint32_t mask)
{
    if (n == 0)
        return VAL_EMPTY_OBJECT_V;
    vobj *o = arena_alloc(a, sizeof *o);
    o->h.kind = VAL_OBJECT;
    o->h.flags = 0;
    o->h.aux = 0;
    o->h.len = (uint32_t)n;
    o->keys = keys;
    o->values = values;
    if (n > SMALL_COLL && index) {
        o->index = index;
        o->index_mask = mask;
        index_fill(index, mask, keys, n);
    } else {
        o->index = index_build(a, keys, n, &o->index_mask);
    }
    o->h.hash = hash_pairs(keys, values, n);
    return &o->h;
}

static val *make_set(arena *a, val **items, size_t n, uint32_t *index, uint32_t mask)
{
    if (n == 0)
        return VAL_EMPTY_SET_V;
    vset *s = arena_alloc(a, sizeof *s);
    s->h.kind = VAL_SET;
    s->h.flags = 0;
    s->h.aux = 0;
    s->h.len = (uint32_t)n;
    s->items = items;
    if (n > SMALL_COLL && index) {
        s->index = index;
        s->index_mask = mask;
        index_fill(index, mask, items, n);
    } else {
        s->index = index_build(a, items, n, &s->index_mask);
    }
    s->h.hash = hash_set_items(items, n);
    return &s->h;
}

/* A copy of obj with key set to value.  Replacing an existing key shares
 * the keys and the index with obj (only the values are copied), so changing
 * one entry of a large object costs a copy of its value pointers, not a
 * rebuild: that is what keeps a delta bundle's cost proportional to the
 * patch. */
val *val_object_with(arena *a, const val *obj, val *key, val *value)
{
    const vobj *o = (const vobj *)obj;
    uint32_t n = obj->len;
    long pos = n ? val_object_find(obj, key) : -1;
    if (pos >= 0) {
        vobj *c = arena_alloc(a, sizeof *c);
        *c = *o;
        c->h.flags &= (uint8_t)~VAL_F_STATIC;
        c->values = arena_alloc(a, sizeof *c->values * n);
        memcpy(c->values, o->values, sizeof *c->values * n);
        c->values[pos] = value;
        c->h.hash = hash_pairs(c->keys, c->values, n);
        return &c->h;
    }
    /* a new key: insert it in order */
    val **k = arena_alloc(a, sizeof *k * (n + 1));
    val **v = arena_alloc(a, sizeof *v * (n + 1));
    uint32_t at = 0;
    while (at < n && val_compare(o->keys[at], key) < 0)
        at++;
    if (at)
        memcpy(k, o->keys, sizeof *k * at), memcpy(v, o->values, sizeof *v * at);
    k[at] = key;
    v[at] = value;
    if (n > at)
        memcpy(k + at + 1, o->keys + at, sizeof *k * (n - at)), memcpy(v + at + 1, o->values + at, sizeof *v * (n - at));
    return make_object(a, k, v, n + 1, NULL, 0);
}

/* A copy of obj without key (obj itself when the key is absent). */
val *val_object_without(arena *a, const val *obj, const val *key)
{
    const vobj *o = (const vobj *)obj;
    uint32_t n = obj->len;
    long pos = n ? val_object_find(obj, key) : -1;
    if (pos < 0)
        return (val *)obj;
    if (n == 1)
        return VAL_EMPTY_OBJECT_V;
    val **k = arena_alloc(a, sizeof *k * (n - 1));
    val **v = arena_alloc(a, sizeof *v * (n - 1));
    memcpy(k, o->keys, sizeof *k * (size_t)pos);
    memcpy(v, o->values, sizeof *v * (size_t)pos);
    memcpy(k + pos, o->keys + pos + 1, sizeof *k * (n - 1 - (size_t)pos));
    memcpy(v + pos, o->values + pos + 1, sizeof *v * (n - 1 - (size_t)pos));
    return make_object(a, k, v, n - 1, NULL, 0);
}

val *val_object(arena *a, val *const *keys, val *const *values, size_t n)
{
    if (n == 0)
        return VAL_EMPTY_OBJECT_V;
    val **k = arena_alloc(a, 2 * n * sizeof *k);
    val **v = k + n;
    memcpy(k, keys, n * sizeof *k);
    memcpy(v, values, n * sizeof *v);
    n = sort_unique(a, k, v, n);
    return make_object(a, k, v, n, NULL, 0);
}

val *val_set(arena *a, val *const *items, size_t n)
{
    if (n == 0)
        return VAL_EMPTY_SET_V;
    val **k = arena_alloc(a, n * sizeof *k);
    memcpy(k, items, n * sizeof *k);
    n = sort_unique(a, k, NULL, n);
    return make_set(a, k, n, NULL, 0);
}

/* ---- access ---- */

long val_object_find(const val *obj, const val *key)
{
    const vobj *o = (const vobj *)obj;
    if (obj->len == 0)
        return -1;
    if (o->index)
        return index_find(o->index, o->index_mask, o->keys, key);
    return sorted_find(o->keys, obj->len, key);
}

val *val_object_get(const val *obj, const val *key)
{
    long i = val_object_find(obj, key);
    return i < 0 ? NULL : ((const vobj *)obj)->values[i];
}

/* The hot path for input.user-style lookups: no value is made and nothing
 * is allocated. */
val *val_object_get_str(const val *obj, const char *key, size_t n)
{
    const vobj *o = (const vobj *)obj;
    if (obj->len == 0)
        return NULL;
    if (o->index) {
        uint64_t h = val_string_hash(key, n);
        uint32_t mask = o->index_mask, s = (uint32_t)h & mask;
        for (uint32_t p; (p = o->index[s]) != 0; s = (s + 1) & mask) {
            const val *k = o->keys[p - 1];
            if (k->hash == h && k->kind == VAL_STRING && k->len == n && memcmp(val_str(k), key, n) == 0)
                return o->values[p - 1];
        }
        return NULL;
    }
    /* At most SMALL_COLL keys: a scan on length first beats a binary
     * search's byte comparisons. */
    for (uint32_t i = 0; i < obj->len; i++) {
        const val *k = o->keys[i];
        if (k->len == n && k->kind == VAL_STRING && memcmp(val_str(k), key, n) == 0)
            return o->values[i];
    }
    return NULL;
}

long val_set_find(const val *set, const val *x)
{
    const vset *s = (const vset *)set;
    if (set->len == 0)
        return -1;
    if (set->flags & VAL_F_UNSORTED)
        val_set_sort_now((val *)set); /* positions are into the sorted items */
    if (s->index)
        return index_find(s->index, s->index_mask, s->items, x);
    return sorted_find(s->items, set->len, x);
}

bool val_set_contains(const val *set, const val *x)
{
    const vset *s = (const vset *)set;
    if ((set->flags & VAL_F_UNSORTED) && set->len) {
        if (s->index)
            return index_find(s->index, s->index_mask, s->items, x) >= 0;
        for (uint32_t i = 0; i < set->len; i++)
            if (val_equal(s->items[i], x))
                return true;
        return false;
    }
    return val_set_find(set, x) >= 0;
}

void val_set_sort_now(val *set)
{
    vset *s = (vset *)set;
    if (!(set->flags & VAL_F_UNSORTED))
        return;
    /* a scratch arena is not at hand: an insertion/merge sort needs one only
     * for large sets, so use a small local one */
    arena tmp;
    arena_init(&tmp, 4096);
    sort_unique(&tmp, s->items, NULL, set->len);
    arena_release(&tmp);
    if (s->index)
        index_fill(s->index, s->index_mask, s->items, set->len);
    set->flags &= (uint8_t)~VAL_F_UNSORTED;
}

/* ---- builders ----
 * Entries are appended unsorted; a hash index over positions+1 appears once
 * the builder outgrows SMALL_COLL, and always has at least 2n slots. */

static long builder_find(val *const *keys, uint32_t n, const uint32_t *index, uint32_t mask, const val *key)
{
    if (index)
        return index_find(index, mask, keys, key);
    for (uint32_t i = 0; i < n; i++)
        if (keys[i]->hash == key->hash && val_equal(keys[i], key))
            return i;
    return -1;
}

/* Make room for one more entry in the index (called after n was bumped). */
static void builder_index_add(arena *a, uint32_t **index, uint32_t *mask, val *const *keys, uint32_t n)
{
    if (n <= SMALL_COLL)
        return;
    if (!*index || 2 * (size_t)n > (size_t)*mask + 1) {
        uint32_t slots = index_slots(2 * (size_t)n);
        *index = arena_alloc(a, (size_t)slots * sizeof **index);
        *mask = slots - 1;
        index_fill(*index, *mask, keys, n);
        return;
    }
    uint32_t s = (uint32_t)keys[n - 1]->hash & *mask;
    while ((*index)[s])
        s = (s + 1) & *mask;
    (*index)[s] = n;
}

static void *grow(arena *a, void *old, size_t used_bytes, size_t new_bytes)
{
    void *p = arena_alloc(a, new_bytes);
    if (used_bytes)
        memcpy(p, old, used_bytes);
    return p;
}

void val_objb_init(val_objb *b, arena *a)
{
    memset(b, 0, sizeof *b);
    b->a = a;
}

static void objb_append(val_objb *b, val *key, val *value)
{
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 8;
        b->keys = grow(b->a, b->keys, b->n * sizeof(val *), cap * sizeof(val *));
        b->values = grow(b->a, b->values, b->n * sizeof(val *), cap * sizeof(val *));
        b->cap = cap;
    }
    b->keys[b->n] = key;
    b->values[b->n] = value;
    b->n++;
    builder_index_add(b->a, &b->index, &b->index_mask, b->keys, b->n);
}

val *val_objb_put(val_objb *b, val *key, val *value)
{
    long i = builder_find(b->keys, b->n, b->index, b->index_mask, key);
    if (i >= 0)
        return b->values[i];
    objb_append(b, key, value);
    return NULL;
}

void val_objb_set(val_objb *b, val *key, val *value)
{
    long i = builder_find(b->keys, b->n, b->index, b->index_mask, key);
    if (i >= 0)
        b->values[i] = value;
    else
        objb_append(b, key, value);
}

val *val_objb_get(const val_objb *b, const val *key)
{
    long i = builder_find(b->keys, b->n, b->index, b->index_mask, key);
    return i < 0 ? NULL : b->values[i];
}

val *val_objb_finish(val_objb *b)
{
    if (b->n == 0)
        return VAL_EMPTY_OBJECT_V;
    size_t n = sort_unique(b->a, b->keys, b->values, b->n);
    return make_object(b->a, b->keys, b->values, n, b->index, b->index_mask);
}

void val_setb_init(val_setb *b, arena *a)
{
    memset(b, 0, sizeof *b);
    b->a = a;
}

bool val_setb_add(val_setb *b, val *x)
{
    if (builder_find(b->items, b->n, b->index, b->index_mask, x) >= 0)
        return false;
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 8;
        b->items = grow(b->a, b->items, b->n * sizeof(val *), cap * sizeof(val *));
        b->cap = cap;
    }
    b->items[b->n++] = x;
    builder_index_add(b->a, &b->index, &b->index_mask, b->items, b->n);
    return true;
}

bool val_setb_contains(const val_setb *b, const val *x)
{
    return builder_find(b->items, b->n, b->index, b->index_mask, x) >= 0;
}

val *val_setb_finish_unsorted(val_setb *b)
{
    if (b->n == 0)
        return VAL_EMPTY_SET_V;
    vset *s = arena_alloc(b->a, sizeof *s);
    s->h.kind = VAL_SET;
    s->h.flags = b->n > 1 ? VAL_F_UNSORTED : 0;
    s->h.aux = 0;
    s->h.len = b->n;
    s->items = b->items;
    /* the builder's index already maps hashes to these positions */
    s->index = b->n > SMALL_COLL ? b->index : NULL;
    s->index_mask = b->n > SMALL_COLL ? b->index_mask : 0;
    if (b->n > SMALL_COLL && !s->index)
        s->index = index_build(b->a, s->items, b->n, &s->index_mask);
    s->h.hash = hash_set_items(s->items, b->n);
    return &s->h;
}

val *val_setb_finish(val_setb *b)
{
    if (b->n == 0)
        return VAL_EMPTY_SET_V;
    size_t n = sort_unique(b->a, b->items, NULL, b->n);
    return make_set(b->a, b->items, n, b->index, b->index_mask);
}

/* The array builder grows a varr in place (items follow the header), so
 * finishing only stamps length and hash. */
static varr *arrb_header(val_arrb *b) { return (varr *)((char *)b->items - offsetof(varr, items)); }

void val_arrb_init(val_arrb *b, arena *a)
{
    memset(b, 0, sizeof *b);
    b->a = a;
}

void val_arrb_push(val_arrb *b, val *x)
{
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 8;
        varr *arr = val_array_alloc(b->a, cap);
        if (b->n)
            memcpy(arr->items, b->items, b->n * sizeof(val *));
        b->items = arr->items;
        b->cap = cap;
    }
    b->items[b->n++] = x;
}

val *val_arrb_finish(val_arrb *b)
{
    if (b->n == 0)
        return VAL_EMPTY_ARRAY_V;
    varr *arr = arrb_header(b);
    arr->h.len = b->n;
    return val_array_seal(arr);
}

/* ---- deep copy ---- */

val *val_copy(arena *a, const val *v)
{
    if (v->flags & VAL_F_STATIC)
        return (val *)v;
    switch ((val_kind)v->kind) {
    case VAL_NULL:
    case VAL_BOOL:
        return (val *)v;        /* always singletons */
    case VAL_NUMBER: {
        if (v->flags & VAL_F_INT)
            return val_int(a, val_int_value(v));
        const vnum *n = (const vnum *)v;
        vnum *c = arena_alloc(a, sizeof *c + v->len + 1);
        *c = *n;
        c->text = memcpy(c + 1, n->text, (size_t)v->len + 1);
        return &c->h;
    }
    case VAL_STRING:
        return val_string_prehashed(a, val_str(v), v->len, v->hash);
    case VAL_ARRAY: {
        varr *c = val_array_alloc(a, v->len);
        for (uint32_t i = 0; i < v->len; i++)
            c->items[i] = val_copy(a, val_array_items(v)[i]);
        c->h.hash = v->hash;
        return &c->h;
    }
    case VAL_OBJECT: {
        const vobj *o = (const vobj *)v;
        vobj *c = arena_alloc(a, sizeof *c);
        *c = *o;
        c->keys = arena_alloc(a, 2 * (size_t)v->len * sizeof(val *));
        c->values = c->keys + v->len;
        for (uint32_t i = 0; i < v->len; i++) {
            c->keys[i] = val_copy(a, o->keys[i]);
            c->values[i] = val_copy(a, o->values[i]);
        }
        if (o->index)
            c->index = arena_memdup(a, o->index, ((size_t)o->index_mask + 1) * sizeof(uint32_t));
        return &c->h;
    }
    case VAL_SET: {
        if (v->flags & VAL_F_UNSORTED)
            val_set_sort_now((val *)v); /* copies leave the evaluation: give them OPA's order */
        const vset *s = (const vset *)v;
        vset *c = arena_alloc(a, sizeof *c);
        *c = *s;
        c->items = arena_alloc(a, (size_t)v->len * sizeof(val *));
        for (uint32_t i = 0; i < v->len; i++)
            c->items[i] = val_copy(a, s->items[i]);
        if (s->index)
            c->index = arena_memdup(a, s->index, ((size_t)s->index_mask + 1) * sizeof(uint32_t));
        return &c->h;
    }
    }
    return (val *)v;
}
