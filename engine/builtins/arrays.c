/* arrays.c — builtin group "arrays": array.concat, array.slice,
 * array.reverse, array.flatten (OPA's topdown/array.go). */
#include "../builtins.h"
#include "../value.h"
#include "strings_util.h"

static bi_status want_array(bi_ctx *c, val *v, int pos)
{
    return val_kind_of(v) == VAL_ARRAY ? BI_OK : bi_operand_type(c, pos, v, "array");
}

static bi_status bi_array_concat(bi_ctx *c, val *const *args, val **out)
{
    if (want_array(c, args[0], 1) || want_array(c, args[1], 2))
        return BI_ERR;
    size_t na = val_len(args[0]), nb = val_len(args[1]);
    if (na == 0) {
        *out = args[1];
        return BI_OK;
    }
    if (nb == 0) {
        *out = args[0];
        return BI_OK;
    }
    varr *r = val_array_alloc(c->a, na + nb);
    val *const *a = val_array_items(args[0]), *const *b = val_array_items(args[1]);
    for (size_t i = 0; i < na; i++)
        r->items[i] = a[i];
    for (size_t i = 0; i < nb; i++)
        r->items[na + i] = b[i];
    *out = val_array_seal(r);
    return BI_OK;
}

/* array.slice(arr, start, stop): indices are clamped to [0, len] and start
 * to at most stop, so out-of-range slices are empty rather than errors. */
static bi_status bi_array_slice(bi_ctx *c, val *const *args, val **out)
{
    int64_t start, stop;
    if (want_array(c, args[0], 1) || txt_int_operand(c, args[1], 2, &start) ||
        txt_int_operand(c, args[2], 3, &stop))
        return BI_ERR;
    int64_t len = (int64_t)val_len(args[0]);
    if (stop < 0)
        stop = 0;
    else if (stop > len)
        stop = len;
    if (start < 0)
        start = 0;
    else if (start > stop)
        start = stop;
    if (start == 0 && stop == len) {
        *out = args[0];
        return BI_OK;
    }
    *out = val_array(c->a, val_array_items(args[0]) + start, (size_t)(stop - start));
    return BI_OK;
}

static bi_status bi_array_reverse(bi_ctx *c, val *const *args, val **out)
{
    if (want_array(c, args[0], 1))
        return BI_ERR;
    size_t n = val_len(args[0]);
    val *const *items = val_array_items(args[0]);
    varr *r = val_array_alloc(c->a, n);
    for (size_t i = 0; i < n; i++)
        r->items[i] = items[n - 1 - i];
    *out = val_array_seal(r);
    return BI_OK;
}

/* array.flatten(arr): elements that are arrays are replaced by their
 * elements (one level); other elements stay as they are. */
static bi_status bi_array_flatten(bi_ctx *c, val *const *args, val **out)
{
    if (want_array(c, args[0], 1))
        return BI_ERR;
    size_t n = val_len(args[0]), total = 0;
    val *const *items = val_array_items(args[0]);
    bool nested = false;
    for (size_t i = 0; i < n; i++) {
        if (val_kind_of(items[i]) == VAL_ARRAY) {
            total += val_len(items[i]);
            nested = true;
        } else {
            total++;
        }
    }
    if (!nested) {
        *out = args[0];
        return BI_OK;
    }
    varr *r = val_array_alloc(c->a, total);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (val_kind_of(items[i]) == VAL_ARRAY) {
            val *const *sub = val_array_items(items[i]);
            for (size_t j = 0; j < val_len(items[i]); j++)
                r->items[k++] = sub[j];
        } else {
            r->items[k++] = items[i];
        }
    }
    *out = val_array_seal(r);
    return BI_OK;
}

const builtin_def bi_group_arrays[] = {
    {"array.concat", 2, bi_array_concat, 0, NULL},
    {"array.flatten", 1, bi_array_flatten, 0, NULL},
    {"array.reverse", 1, bi_array_reverse, 0, NULL},
    {"array.slice", 3, bi_array_slice, 0, NULL},
    {0},
};
