/* arith.c — arithmetic: + - * / % (infix), abs, round, ceil, floor,
 * numbers.range and numbers.range_step.
 *
 * The numeric work is number.h's (exact integers of any size, binary floats
 * with a 64-bit mantissa otherwise, as OPA's topdown/arithmetic.go); this file
 * checks operands and words errors as OPA does.  "-" is also set difference. */
#include <stdint.h>

#include "../builtins.h"
#include "../number.h"

/* Map a failed numeric operation to OPA's builtin error ("divide by zero", ...). */
static bi_status num_fail(bi_ctx *c, num_status s)
{
    return bi_error(c, "%s", num_status_message(s));
}

typedef num_status (*num_binop)(arena *a, const val *x, const val *y, val **out);

static bi_status arith2(bi_ctx *c, val *const *args, val **out, num_binop op)
{
    if (val_kind_of(args[0]) != VAL_NUMBER)
        return bi_operand_type(c, 1, args[0], "number");
    if (val_kind_of(args[1]) != VAL_NUMBER)
        return bi_operand_type(c, 2, args[1], "number");
    num_status s = op(c->a, args[0], args[1], out);
    return s == NUM_OK ? BI_OK : num_fail(c, s);
}

static bi_status bi_plus(bi_ctx *c, val *const *args, val **out) { return arith2(c, args, out, num_add); }
static bi_status bi_mul(bi_ctx *c, val *const *args, val **out) { return arith2(c, args, out, num_mul); }
static bi_status bi_div(bi_ctx *c, val *const *args, val **out) { return arith2(c, args, out, num_div); }
static bi_status bi_rem(bi_ctx *c, val *const *args, val **out) { return arith2(c, args, out, num_rem); }

/* Elements of s1 that are not in s2. */
static val *set_diff(arena *a, const val *s1, const val *s2)
{
    uint32_t n = val_len(s1);
    if (n == 0)
        return VAL_EMPTY_SET_V;
    val **keep = arena_alloc(a, sizeof *keep * n);
    size_t k = 0;
    val *const *items = val_set_items(s1);
    for (uint32_t i = 0; i < n; i++)
        if (!val_set_contains(s2, items[i]))
            keep[k++] = items[i];
    return k ? val_set(a, keep, k) : VAL_EMPTY_SET_V;
}

/* "-": numbers, or set difference.  With mismatched operands OPA blames
 * operand 1 unless it is a number or a set, and otherwise asks operand 2 to
 * match operand 1's kind. */
static bi_status bi_minus(bi_ctx *c, val *const *args, val **out)
{
    val_kind k1 = val_kind_of(args[0]), k2 = val_kind_of(args[1]);
    if (k1 == VAL_NUMBER && k2 == VAL_NUMBER) {
        num_status s = num_sub(c->a, args[0], args[1], out);
        return s == NUM_OK ? BI_OK : num_fail(c, s);
    }
    if (k1 == VAL_SET && k2 == VAL_SET) {
        *out = set_diff(c->a, args[0], args[1]);
        return BI_OK;
    }
    if (k1 != VAL_NUMBER && k1 != VAL_SET)
        return bi_operand_types(c, 1, args[0], "number, set");
    return bi_operand_type(c, 2, args[1], k1 == VAL_SET ? "set" : "number");
}

typedef val *(*num_unop)(arena *a, const val *x);

static bi_status arith1(bi_ctx *c, val *const *args, val **out, num_unop op)
{
    if (val_kind_of(args[0]) != VAL_NUMBER)
        return bi_operand_type(c, 1, args[0], "number");
    *out = op(c->a, args[0]);
    return BI_OK;
}

static bi_status bi_abs(bi_ctx *c, val *const *args, val **out) { return arith1(c, args, out, num_abs); }
static bi_status bi_round(bi_ctx *c, val *const *args, val **out) { return arith1(c, args, out, num_round); }
static bi_status bi_ceil(bi_ctx *c, val *const *args, val **out) { return arith1(c, args, out, num_ceil); }
static bi_status bi_floor(bi_ctx *c, val *const *args, val **out) { return arith1(c, args, out, num_floor); }

/* ---- numbers.range, numbers.range_step ---- */

/* OPA's BigIntOperand: any integral number (1.0 and 1e3 count). */
static bi_status integer_operand(bi_ctx *c, const val *v, int pos)
{
    if (val_kind_of(v) != VAL_NUMBER)
        return bi_operand_type(c, pos, v, "integer");
    if (!num_is_integer(v))
        return bi_type_error(c, "operand %d must be integer number but got floating-point number", pos);
    return BI_OK;
}

/* Results are arrays; their length must fit a value's 32-bit count. */
#define RANGE_MAX_LEN UINT32_MAX

static bi_status range_too_large(bi_ctx *c)
{
    return bi_error(c, "range too large");
}

/* x, x±step, ... up to and including y when reached, counting down when x > y.
 * step is a positive integer. */
static bi_status make_range(bi_ctx *c, const val *x, const val *y, const val *step, val **out)
{
    int64_t ix, iy, istep;
    if (num_to_int64(x, &ix) && num_to_int64(y, &iy) && num_to_int64(step, &istep)) {
        /* Common case: the distance and the count are computed in uint64 so
         * that ranges spanning most of int64 do not overflow. */
        uint64_t dist = ix <= iy ? (uint64_t)iy - (uint64_t)ix : (uint64_t)ix - (uint64_t)iy;
        uint64_t count = dist / (uint64_t)istep + 1;
        if (count > RANGE_MAX_LEN)
            return range_too_large(c);
        varr *arr = val_array_alloc(c->a, (size_t)count);
        uint64_t cur = (uint64_t)ix;
        for (uint64_t i = 0; i < count; i++) {
            arr->items[i] = val_int(c->a, (int64_t)cur);
            cur = ix <= iy ? cur + (uint64_t)istep : cur - (uint64_t)istep;
        }
        *out = val_array_seal(arr);
        return BI_OK;
    }

    /* Big integers: step with exact arithmetic.  x + 0 gives x's canonical
     * integer spelling (1e30 -> 1000...), as OPA prints each element. */
    bool up = num_compare(x, y) <= 0;
    val *cur;
    num_status s = num_add(c->a, x, val_int(c->a, 0), &cur);
    if (s != NUM_OK)
        return num_fail(c, s);
    val_arrb b;
    val_arrb_init(&b, c->a);
    while (up ? num_compare(cur, y) <= 0 : num_compare(cur, y) >= 0) {
        if (b.n == RANGE_MAX_LEN)
            return range_too_large(c);
        val_arrb_push(&b, cur);
        s = (up ? num_add : num_sub)(c->a, cur, step, &cur);
        if (s != NUM_OK)
            return num_fail(c, s);
    }
    *out = val_arrb_finish(&b);
    return BI_OK;
}

static bi_status bi_numbers_range(bi_ctx *c, val *const *args, val **out)
{
    if (integer_operand(c, args[0], 1) != BI_OK || integer_operand(c, args[1], 2) != BI_OK)
        return BI_ERR;
    return make_range(c, args[0], args[1], val_int(c->a, 1), out);
}

static bi_status bi_numbers_range_step(bi_ctx *c, val *const *args, val **out)
{
    if (integer_operand(c, args[0], 1) != BI_OK || integer_operand(c, args[1], 2) != BI_OK ||
        integer_operand(c, args[2], 3) != BI_OK)
        return BI_ERR;
    if (num_compare(args[2], val_int(c->a, 0)) <= 0)
        /* OPA's message repeats the builtin's name after the usual prefix. */
        return bi_error(c, "numbers.range_step: step must be a positive number above zero");
    return make_range(c, args[0], args[1], args[2], out);
}

const builtin_def bi_group_arith[] = {
    {"plus", 2, bi_plus, 0, "+"},
    {"minus", 2, bi_minus, 0, "-"},
    {"mul", 2, bi_mul, 0, "*"},
    {"div", 2, bi_div, 0, "/"},
    {"rem", 2, bi_rem, 0, "%"},
    {"abs", 1, bi_abs, 0, NULL},
    {"round", 1, bi_round, 0, NULL},
    {"ceil", 1, bi_ceil, 0, NULL},
    {"floor", 1, bi_floor, 0, NULL},
    {"numbers.range", 2, bi_numbers_range, 0, NULL},
    {"numbers.range_step", 3, bi_numbers_range_step, 0, NULL},
    {0},
};
