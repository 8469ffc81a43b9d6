/* sets.c — set operators & (and) and | (or), intersection and union of a set
 * of sets, and the deprecated set_diff.
 *
 * Sets keep their elements sorted (value.h), so two sets combine by one
 * merge pass over both. */
#include "../builtins.h"

/* Elements in both a and b (both == true) or in either (both == false). */
static val *merge_sets(arena *a, const val *x, const val *y, bool both)
{
    uint32_t nx = val_len(x), ny = val_len(y);
    if (both ? (nx == 0 || ny == 0) : (nx + ny == 0))
        return VAL_EMPTY_SET_V;
    if (!both && ny == 0)
        return (val *)x;
    if (!both && nx == 0)
        return (val *)y;
    val *const *xs = val_set_items(x), *const *ys = val_set_items(y);
    val **res = arena_alloc(a, sizeof *res * (both ? (nx < ny ? nx : ny) : (size_t)nx + ny));
    size_t i = 0, j = 0, k = 0;
    while (i < nx && j < ny) {
        int cmp = val_compare(xs[i], ys[j]);
        if (cmp == 0) {
            res[k++] = xs[i];
            i++, j++;
        } else if (cmp < 0) {
            if (!both)
                res[k++] = xs[i];
            i++;
        } else {
            if (!both)
                res[k++] = ys[j];
            j++;
        }
    }
    if (!both) {
        while (i < nx)
            res[k++] = xs[i++];
        while (j < ny)
            res[k++] = ys[j++];
    }
    return k ? val_set(a, res, k) : VAL_EMPTY_SET_V;
}

static bi_status two_sets(bi_ctx *c, val *const *args)
{
    if (val_kind_of(args[0]) != VAL_SET)
        return bi_operand_type(c, 1, args[0], "set");
    if (val_kind_of(args[1]) != VAL_SET)
        return bi_operand_type(c, 2, args[1], "set");
    return BI_OK;
}

static bi_status bi_and(bi_ctx *c, val *const *args, val **out)
{
    if (two_sets(c, args) != BI_OK)
        return BI_ERR;
    *out = merge_sets(c->a, args[0], args[1], true);
    return BI_OK;
}

static bi_status bi_or(bi_ctx *c, val *const *args, val **out)
{
    if (two_sets(c, args) != BI_OK)
        return BI_ERR;
    *out = merge_sets(c->a, args[0], args[1], false);
    return BI_OK;
}

static bi_status bi_set_diff(bi_ctx *c, val *const *args, val **out)
{
    if (two_sets(c, args) != BI_OK)
        return BI_ERR;
    const val *x = args[0], *y = args[1];
    uint32_t n = val_len(x);
    val **keep = arena_alloc(c->a, sizeof *keep * (n ? n : 1));
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!val_set_contains(y, val_set_items(x)[i]))
            keep[k++] = val_set_items(x)[i];
    *out = k ? val_set(c->a, keep, k) : VAL_EMPTY_SET_V;
    return BI_OK;
}

/* The argument is a set whose elements are all sets; OPA reports a
 * non-set element against operand 1 as well. */
static bi_status set_of_sets(bi_ctx *c, const val *x)
{
    if (val_kind_of(x) != VAL_SET)
        return bi_operand_type(c, 1, x, "set");
    for (uint32_t i = 0; i < val_len(x); i++)
        if (val_kind_of(val_set_items(x)[i]) != VAL_SET)
            return bi_operand_type(c, 1, val_set_items(x)[i], "set");
    return BI_OK;
}

static bi_status bi_intersection(bi_ctx *c, val *const *args, val **out)
{
    if (set_of_sets(c, args[0]) != BI_OK)
        return BI_ERR;
    uint32_t n = val_len(args[0]);
    if (n == 0) {
        *out = VAL_EMPTY_SET_V;
        return BI_OK;
    }
    val *const *sets = val_set_items(args[0]);
    val *acc = sets[0];
    for (uint32_t i = 1; i < n && val_len(acc) > 0; i++)
        acc = merge_sets(c->a, acc, sets[i], true);
    *out = acc;
    return BI_OK;
}

static bi_status bi_union(bi_ctx *c, val *const *args, val **out)
{
    if (set_of_sets(c, args[0]) != BI_OK)
        return BI_ERR;
    /* One builder for all members instead of pairwise merges. */
    val_setb b;
    val_setb_init(&b, c->a);
    val *const *sets = val_set_items(args[0]);
    for (uint32_t i = 0; i < val_len(args[0]); i++)
        for (uint32_t j = 0; j < val_len(sets[i]); j++)
            val_setb_add(&b, val_set_items(sets[i])[j]);
    *out = b.n ? val_setb_finish(&b) : VAL_EMPTY_SET_V;
    return BI_OK;
}

const builtin_def bi_group_sets[] = {
    {"and", 2, bi_and, 0, "&"},
    {"or", 2, bi_or, 0, "|"},
    {"intersection", 1, bi_intersection, 0, NULL},
    {"union", 1, bi_union, 0, NULL},
    {"set_diff", 2, bi_set_diff, BI_F_DEPRECATED, NULL},
    {0},
};
