/* aggregates.c — count, sum, product, max, min, sort, and the deprecated
 * (v0-only) all and any. */
#include <string.h>

#include "../builtins.h"
#include "../number.h"

/* Code points in s as Go's []rune(s) counts them: a byte that does not start
 * a valid UTF-8 sequence (bad lead, bad continuation, overlong form,
 * surrogate, beyond U+10FFFF, truncated) counts as one. */
static size_t utf8_count(const unsigned char *s, size_t n)
{
    size_t count = 0, i = 0;
    while (i < n) {
        unsigned char b = s[i];
        size_t len = 1;
        if (b >= 0xC2 && b <= 0xDF) {
            if (i + 1 < n && (s[i + 1] & 0xC0) == 0x80)
                len = 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            /* second byte range excludes overlongs (E0) and surrogates (ED) */
            unsigned char lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
            if (i + 2 < n && s[i + 1] >= lo && s[i + 1] <= hi && (s[i + 2] & 0xC0) == 0x80)
                len = 3;
        } else if (b >= 0xF0 && b <= 0xF4) {
            unsigned char lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
            if (i + 3 < n && s[i + 1] >= lo && s[i + 1] <= hi && (s[i + 2] & 0xC0) == 0x80 &&
                (s[i + 3] & 0xC0) == 0x80)
                len = 4;
        }
        i += len;
        count++;
    }
    return count;
}

static bi_status bi_count(bi_ctx *c, val *const *args, val **out)
{
    const val *x = args[0];
    switch (val_kind_of(x)) {
    case VAL_ARRAY:
    case VAL_OBJECT:
    case VAL_SET:
        *out = val_int(c->a, val_len(x));
        return BI_OK;
    case VAL_STRING:
        *out = val_int(c->a, (int64_t)utf8_count((const unsigned char *)val_str(x), val_len(x)));
        return BI_OK;
    default:
        return bi_operand_types(c, 1, x, "array, object, set, string");
    }
}

/* The elements of an array or a set; false for anything else. */
static bool collection_items(const val *x, val *const **items, uint32_t *n)
{
    if (val_kind_of(x) == VAL_ARRAY)
        *items = val_array_items(x);
    else if (val_kind_of(x) == VAL_SET)
        *items = val_set_items(x);
    else
        return false;
    *n = val_len(x);
    return true;
}

typedef num_status (*num_binop)(arena *a, const val *x, const val *y, val **out);

/* sum and product: fold the elements with op from init.  Integers stay exact;
 * once a fraction appears the fold continues in floating point, as OPA's. */
static bi_status fold_numbers(bi_ctx *c, const val *coll, int64_t init, num_binop op, val **out)
{
    val *const *items;
    uint32_t n;
    if (!collection_items(coll, &items, &n))
        return bi_operand_types(c, 1, coll, "set, array");
    /* OPA checks every element before reporting any result. */
    for (uint32_t i = 0; i < n; i++)
        if (val_kind_of(items[i]) != VAL_NUMBER)
            return bi_type_error(c, "operand 1 must be %s of numbers but got %s containing %s",
                                 val_type_name(coll), val_type_name(coll), val_type_name(items[i]));
    val *acc = val_int(c->a, init);
    for (uint32_t i = 0; i < n; i++) {
        num_status s = op(c->a, acc, items[i], &acc);
        if (s != NUM_OK)
            return bi_error(c, "%s", num_status_message(s));
    }
    *out = acc;
    return BI_OK;
}

static bi_status bi_sum(bi_ctx *c, val *const *args, val **out)
{
    return fold_numbers(c, args[0], 0, num_add, out);
}

static bi_status bi_product(bi_ctx *c, val *const *args, val **out)
{
    return fold_numbers(c, args[0], 1, num_mul, out);
}

/* max and min.  Sets are sorted, so their ends are the answer.  For arrays,
 * among equal extremes (1 and 1.0) OPA keeps the last one. */
static bi_status bi_max(bi_ctx *c, val *const *args, val **out)
{
    val *const *items;
    uint32_t n;
    if (!collection_items(args[0], &items, &n))
        return bi_operand_types(c, 1, args[0], "set, array");
    if (n == 0)
        return BI_UNDEF;
    val *best = items[0];
    if (val_kind_of(args[0]) == VAL_SET) {
        best = items[n - 1];
    } else {
        for (uint32_t i = 1; i < n; i++)
            if (val_compare(best, items[i]) <= 0)
                best = items[i];
    }
    *out = best;
    return BI_OK;
}

static bi_status bi_min(bi_ctx *c, val *const *args, val **out)
{
    val *const *items;
    uint32_t n;
    if (!collection_items(args[0], &items, &n))
        return bi_operand_types(c, 1, args[0], "set, array");
    if (n == 0)
        return BI_UNDEF;
    val *best = items[0];
    if (val_kind_of(args[0]) == VAL_ARRAY)
        for (uint32_t i = 1; i < n; i++)
            if (val_compare(best, items[i]) >= 0)
                best = items[i];
    *out = best;
    return BI_OK;
}

/* Stable merge sort of v[0..n) by val_compare, using tmp[0..n). */
static void merge_sort(val **v, val **tmp, size_t n)
{
    if (n < 2)
        return;
    size_t mid = n / 2;
    merge_sort(v, tmp, mid);
    merge_sort(v + mid, tmp, n - mid);
    if (val_compare(v[mid - 1], v[mid]) <= 0)
        return; /* already in order */
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n)
        tmp[k++] = val_compare(v[j], v[i]) < 0 ? v[j++] : v[i++];
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, sizeof *v * n);
}

static bi_status bi_sort(bi_ctx *c, val *const *args, val **out)
{
    val *const *items;
    uint32_t n;
    if (!collection_items(args[0], &items, &n))
        return bi_operand_types(c, 1, args[0], "set, array");
    if (n == 0) {
        *out = VAL_EMPTY_ARRAY_V;
        return BI_OK;
    }
    varr *arr = val_array_alloc(c->a, n);
    memcpy(arr->items, items, sizeof *items * n);
    if (val_kind_of(args[0]) == VAL_ARRAY) /* a set's elements are sorted already */
        merge_sort(arr->items, arena_alloc(c->a, sizeof *items * n), n);
    *out = val_array_seal(arr);
    return BI_OK;
}

/* all / any: whether every / some element is the boolean true. */
static bi_status bi_all(bi_ctx *c, val *const *args, val **out)
{
    val *const *items;
    uint32_t n;
    if (!collection_items(args[0], &items, &n))
        return bi_operand_types(c, 1, args[0], "array, set");
    bool res = true;
    for (uint32_t i = 0; i < n && res; i++)
        res = val_is_true(items[i]);
    *out = val_bool(res);
    return BI_OK;
}

static bi_status bi_any(bi_ctx *c, val *const *args, val **out)
{
    val *const *items;
    uint32_t n;
    if (!collection_items(args[0], &items, &n))
        return bi_operand_types(c, 1, args[0], "array, set");
    bool res = false;
    for (uint32_t i = 0; i < n && !res; i++)
        res = val_is_true(items[i]);
    *out = val_bool(res);
    return BI_OK;
}

const builtin_def bi_group_aggregates[] = {
    {"count", 1, bi_count, 0, NULL},
    {"sum", 1, bi_sum, 0, NULL},
    {"product", 1, bi_product, 0, NULL},
    {"max", 1, bi_max, 0, NULL},
    {"min", 1, bi_min, 0, NULL},
    {"sort", 1, bi_sort, 0, NULL},
    {"all", 1, bi_all, BI_F_DEPRECATED, NULL},
    {"any", 1, bi_any, BI_F_DEPRECATED, NULL},
    {0},
};
