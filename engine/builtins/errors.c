/* errors.c — how builtins report failures, worded as OPA words them. */
#include <stdarg.h>
#include <stdio.h>

#include "../builtins.h"

static bi_status set_error(bi_ctx *c, const char *code, const char *fmt, va_list ap)
{
    c->err_code = code;
    vsnprintf(c->err_msg, sizeof c->err_msg, fmt, ap);
    return BI_ERR;
}

bi_status bi_type_error(bi_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(c, "eval_type_error", fmt, ap);
    va_end(ap);
    return BI_ERR;
}

bi_status bi_error(bi_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(c, "eval_builtin_error", fmt, ap);
    va_end(ap);
    return BI_ERR;
}

bi_status bi_operand_type(bi_ctx *c, int pos, const val *got, const char *expected)
{
    return bi_type_error(c, "operand %d must be %s but got %s", pos, expected, val_type_name(got));
}

bi_status bi_operand_types(bi_ctx *c, int pos, const val *got, const char *expected_list)
{
    return bi_type_error(c, "operand %d must be one of {%s} but got %s", pos, expected_list,
                         val_type_name(got));
}
