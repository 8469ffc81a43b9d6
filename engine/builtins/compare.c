/* compare.c — the comparison operators ==, !=, <, <=, >, >=.
 *
 * All six use OPA's total order over values (val_compare), so they are
 * defined for any two values: numbers compare numerically (1 == 1.0), and
 * values of different kinds order by kind (null < boolean < number < string
 * < array < object < set). */
#include "../builtins.h"

static bi_status bi_equal(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    *out = val_bool(val_equal(args[0], args[1]));
    return BI_OK;
}

static bi_status bi_neq(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    *out = val_bool(!val_equal(args[0], args[1]));
    return BI_OK;
}

static bi_status bi_lt(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    *out = val_bool(val_compare(args[0], args[1]) < 0);
    return BI_OK;
}

static bi_status bi_lte(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    *out = val_bool(val_compare(args[0], args[1]) <= 0);
    return BI_OK;
}

static bi_status bi_gt(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    *out = val_bool(val_compare(args[0], args[1]) > 0);
    return BI_OK;
}

static bi_status bi_gte(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    *out = val_bool(val_compare(args[0], args[1]) >= 0);
    return BI_OK;
}

const builtin_def bi_group_compare[] = {
    {"equal", 2, bi_equal, BI_F_BOOL_TEST, "=="},
    {"neq", 2, bi_neq, BI_F_BOOL_TEST, "!="},
    {"lt", 2, bi_lt, BI_F_BOOL_TEST, "<"},
    {"lte", 2, bi_lte, BI_F_BOOL_TEST, "<="},
    {"gt", 2, bi_gt, BI_F_BOOL_TEST, ">"},
    {"gte", 2, bi_gte, BI_F_BOOL_TEST, ">="},
    {0},
};
