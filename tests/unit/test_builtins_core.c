/* Unit tests for the core builtin groups: compare, arith, aggregates, sets,
 * types, bits, core.  Each builtin is called through the registry as the VM
 * calls it; results are compared as compact JSON text (sets print as arrays,
 * so set results also check the kind), errors by code and message. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/builtins.h"
#include "engine/json.h"
#include "engine/number.h"
#include "engine/strbuf.h"
#include "engine/value.h"

#include "builtin_harness.h"

/* ---- value helpers ---- */

/* A set from a JSON array's elements. */
static val *S(const char *array_text)
{
    val *arr = J(array_text);
    ck_assert_int_eq(val_kind_of(arr), VAL_ARRAY);
    return val_set(&A, val_array_items(arr), val_len(arr));
}

/* A set of the given values (NULL-terminated). */
static val *SV(val *first, ...)
{
    val *items[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, first);
    for (val *v = first; v && n < 16; v = va_arg(ap, val *))
        items[n++] = v;
    va_end(ap);
    return val_set(&A, items, n);
}

/* A string value with arbitrary bytes. */
static val *STR(const char *s, size_t n) { return val_string(&A, s, n); }

static char json_buf[4096];

static const char *to_json(const val *v)
{
    strbuf sb = STRBUF_INIT;
    json_write(&sb, v, 0);
    snprintf(json_buf, sizeof json_buf, "%s", sb.data ? sb.data : "");
    sb_free(&sb);
    return json_buf;
}

/* ---- calling builtins ---- */

#define NARGS(...) ((int)(sizeof((val *[]){__VA_ARGS__}) / sizeof(val *)))
#define CALL(name, out, ...) call_builtin(name, (val *[]){__VA_ARGS__}, NARGS(__VA_ARGS__), out)

/* The call succeeds and its result prints as `want`. */
#define OK(want, name, ...)                                                                  \
    do {                                                                                     \
        val *out_;                                                                           \
        bi_status st_ = CALL(name, &out_, __VA_ARGS__);                                      \
        ck_assert_msg(st_ == BI_OK, "%s: status %d (%s)", name, st_, ctx.err_msg);           \
        ck_assert_ptr_nonnull(out_);                                                         \
        ck_assert_str_eq(to_json(out_), want);                                               \
    } while (0)

/* Same, and the result is of kind k. */
#define OKK(k, want, name, ...)                                                              \
    do {                                                                                     \
        val *out_;                                                                           \
        bi_status st_ = CALL(name, &out_, __VA_ARGS__);                                      \
        ck_assert_msg(st_ == BI_OK, "%s: status %d (%s)", name, st_, ctx.err_msg);           \
        ck_assert_int_eq(val_kind_of(out_), k);                                              \
        ck_assert_str_eq(to_json(out_), want);                                               \
    } while (0)

#define UNDEF(name, ...)                                                                     \
    do {                                                                                     \
        val *out_;                                                                           \
        ck_assert_int_eq(CALL(name, &out_, __VA_ARGS__), BI_UNDEF);                          \
    } while (0)

/* The call fails with the given code and exact message. */
#define ERR(code, msg, name, ...)                                                            \
    do {                                                                                     \
        val *out_;                                                                           \
        bi_status st_ = CALL(name, &out_, __VA_ARGS__);                                      \
        ck_assert_msg(st_ == BI_ERR, "%s: expected an error, got status %d", name, st_);     \
        ck_assert_str_eq(ctx.err_code, code);                                                \
        ck_assert_str_eq(ctx.err_msg, msg);                                                  \
    } while (0)

#define TYPE_ERR(msg, name, ...) ERR("eval_type_error", msg, name, __VA_ARGS__)
#define BUILTIN_ERR(msg, name, ...) ERR("eval_builtin_error", msg, name, __VA_ARGS__)

/* ---- registry ---- */

START_TEST(registry_names_arity_flags)
{
    static const struct {
        const char *name;
        int arity;
        const char *infix;
        unsigned flags;
    } want[] = {
        {"equal", 2, "==", BI_F_BOOL_TEST}, {"neq", 2, "!=", BI_F_BOOL_TEST},
        {"lt", 2, "<", BI_F_BOOL_TEST},     {"lte", 2, "<=", BI_F_BOOL_TEST},
        {"gt", 2, ">", BI_F_BOOL_TEST},     {"gte", 2, ">=", BI_F_BOOL_TEST},
        {"plus", 2, "+", 0},                {"minus", 2, "-", 0},
        {"mul", 2, "*", 0},                 {"div", 2, "/", 0},
        {"rem", 2, "%", 0},                 {"abs", 1, NULL, 0},
        {"round", 1, NULL, 0},              {"ceil", 1, NULL, 0},
        {"floor", 1, NULL, 0},              {"numbers.range", 2, NULL, 0},
        {"numbers.range_step", 3, NULL, 0}, {"count", 1, NULL, 0},
        {"sum", 1, NULL, 0},                {"product", 1, NULL, 0},
        {"max", 1, NULL, 0},                {"min", 1, NULL, 0},
        {"sort", 1, NULL, 0},               {"all", 1, NULL, BI_F_DEPRECATED},
        {"any", 1, NULL, BI_F_DEPRECATED},  {"and", 2, "&", 0},
        {"or", 2, "|", 0},                  {"intersection", 1, NULL, 0},
        {"union", 1, NULL, 0},              {"set_diff", 2, NULL, BI_F_DEPRECATED},
        {"is_number", 1, NULL, BI_F_BOOL_TEST}, {"is_string", 1, NULL, BI_F_BOOL_TEST},
        {"is_boolean", 1, NULL, BI_F_BOOL_TEST}, {"is_array", 1, NULL, BI_F_BOOL_TEST},
        {"is_set", 1, NULL, BI_F_BOOL_TEST},    {"is_object", 1, NULL, BI_F_BOOL_TEST},
        {"is_null", 1, NULL, BI_F_BOOL_TEST},   {"type_name", 1, NULL, 0},
        {"to_number", 1, NULL, 0},          {"cast_array", 1, NULL, BI_F_DEPRECATED},
        {"cast_set", 1, NULL, BI_F_DEPRECATED}, {"cast_string", 1, NULL, BI_F_DEPRECATED},
        {"cast_boolean", 1, NULL, BI_F_DEPRECATED}, {"cast_null", 1, NULL, BI_F_DEPRECATED},
        {"cast_object", 1, NULL, BI_F_DEPRECATED}, {"bits.or", 2, NULL, 0},
        {"bits.and", 2, NULL, 0},           {"bits.negate", 1, NULL, 0},
        {"bits.xor", 2, NULL, 0},           {"bits.lsh", 2, NULL, 0},
        {"bits.rsh", 2, NULL, 0},           {"internal.member_2", 2, "in", BI_F_BOOL_TEST},
        {"internal.member_3", 3, "in", BI_F_BOOL_TEST}, {"walk", 1, NULL, BI_F_RELATION},
        {"internal.print", 1, NULL, BI_F_VOID}, {"trace", 1, NULL, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const builtin_def *d = builtin_lookup(want[i].name);
        ck_assert_msg(d != NULL, "%s missing", want[i].name);
        ck_assert_str_eq(d->name, want[i].name);
        ck_assert_int_eq(d->arity, want[i].arity);
        ck_assert_uint_eq(d->flags, want[i].flags);
        if (want[i].infix)
            ck_assert_str_eq(d->infix, want[i].infix);
        else
            ck_assert_ptr_null(d->infix);
        ck_assert_ptr_nonnull(d->fn);
    }
}
END_TEST

/* ---- compare ---- */

START_TEST(compare_total_order)
{
    OK("true", "equal", J("1"), J("1.0"));
    OK("false", "equal", J("1"), J("\"1\""));
    OK("true", "equal", J("{\"a\":[1,2]}"), J("{\"a\":[1,2.0]}"));
    OK("true", "equal", S("[1,2]"), S("[2,1]"));
    OK("false", "equal", S("[1]"), J("[1]"));
    OK("true", "neq", J("28857836529306024611913"), J("28857836529306024611912"));
    OK("false", "neq", J("1e2"), J("100"));
    OK("true", "lt", J("\"a\""), J("\"b\""));
    OK("true", "lt", J("1"), J("\"a\""));      /* number < string */
    OK("true", "lt", J("null"), J("false"));   /* null < boolean */
    OK("true", "lt", J("false"), J("true"));
    OK("true", "lt", J("[1,2]"), J("[1,3]"));
    OK("true", "lt", J("[1,2]"), J("[1,2,0]"));
    OK("true", "gt", J("{}"), J("[]"));        /* object > array */
    OK("true", "gt", S("[]"), J("{}"));        /* set > object */
    OK("false", "gte", J("null"), J("false"));
    OK("true", "gte", J("2"), J("2.0"));
    OK("true", "lte", J("2"), J("2.0"));
    OK("false", "gt", J("-0.5"), J("0"));
    OK("true", "lt", J("0.1"), J("0.10000000000000001"));
}
END_TEST

/* ---- arith ---- */

START_TEST(arith_basic)
{
    OK("3", "plus", J("1"), J("2"));
    OK("49649733058", "plus", J("49649733057"), J("1"));
    OK("-2", "minus", J("3"), J("5"));
    OK("12", "mul", J("3"), J("4"));
    OK("3.5", "div", J("7"), J("2"));
    OK("2", "div", J("6"), J("3"));
    OK("3", "rem", J("7"), J("4"));
    OK("-3", "rem", J("-7"), J("4"));
    OK("10", "abs", J("-10"));
    OK("2.5", "abs", J("-2.5"));
    OK("2", "round", J("1.5"));
    OK("-2", "round", J("-1.5"));
    OK("1", "round", J("1.49"));
    OK("2", "ceil", J("1.01"));
    OK("2", "ceil", J("1.5"));
    OK("2223", "ceil", J("2222.2222222222"));
    OK("1", "ceil", J("1"));
    OK("-1", "ceil", J("-1.99999"));
    OK("1", "floor", J("1.5"));
    OK("99", "floor", J("99.99999"));
    OK("-2", "floor", J("-1.001"));
}
END_TEST

START_TEST(arith_errors)
{
    TYPE_ERR("operand 1 must be number but got string", "plus", J("\"a\""), J("1"));
    TYPE_ERR("operand 2 must be number but got null", "plus", J("1"), J("null"));
    TYPE_ERR("operand 2 must be number but got set", "mul", J("1"), S("[1]"));
    TYPE_ERR("operand 1 must be number but got array", "div", J("[]"), J("1"));
    TYPE_ERR("operand 1 must be number but got string", "abs", J("\"x\""));
    TYPE_ERR("operand 1 must be number but got boolean", "round", J("true"));
    TYPE_ERR("operand 1 must be number but got object", "ceil", J("{}"));
    TYPE_ERR("operand 1 must be number but got null", "floor", J("null"));
    BUILTIN_ERR("divide by zero", "div", J("1"), J("0"));
    BUILTIN_ERR("divide by zero", "div", J("1.5"), J("0.0"));
    BUILTIN_ERR("modulo by zero", "rem", J("7"), J("0"));
    BUILTIN_ERR("modulo on floating-point number", "rem", J("1.1"), J("1"));
}
END_TEST

START_TEST(arith_minus_sets)
{
    OKK(VAL_SET, "[2,4]", "minus", S("[1,2,3,4]"), S("[1,3]"));
    OKK(VAL_SET, "[]", "minus", S("[1]"), S("[1]"));
    OKK(VAL_SET, "[]", "minus", S("[]"), S("[1]"));
    OKK(VAL_SET, "[1,\"c\"]", "minus", S("[1,\"c\"]"), S("[2]"));
    OKK(VAL_SET, "[2]", "minus", S("[1,2,\"c\"]"), S("[\"c\",1]"));
    TYPE_ERR("operand 2 must be set but got number", "minus", S("[1]"), J("1"));
    TYPE_ERR("operand 2 must be number but got set", "minus", J("1"), S("[1]"));
    TYPE_ERR("operand 1 must be one of {number, set} but got string", "minus", J("\"a\""), J("1"));
    TYPE_ERR("operand 1 must be one of {number, set} but got array", "minus", J("[1]"), S("[1]"));
    TYPE_ERR("operand 2 must be number but got string", "minus", J("1"), J("\"a\""));
}
END_TEST

START_TEST(arith_numbers_range)
{
    OK("[2,1,0,-1,-2,-3]", "numbers.range", J("2"), J("-3"));
    OK("[1,2,3]", "numbers.range", J("1"), J("3"));
    OK("[5]", "numbers.range", J("5"), J("5"));
    OK("[1,2,3]", "numbers.range", J("1.0"), J("3")); /* integral numbers count, printed canonically */
    OK("[9223372036854775806,9223372036854775807,9223372036854775808]", "numbers.range",
       J("9223372036854775806"), J("9223372036854775808"));
    OK("[10000000000000000000,10000000000000000001]", "numbers.range", J("1e19"), J("10000000000000000001"));
    OK("[10000000000000000001,10000000000000000000]", "numbers.range", J("10000000000000000001"), J("1.0e19"));
    OK("[-9223372036854775808,-9223372036854775807]", "numbers.range",
       J("-9223372036854775808"), J("-9223372036854775807"));
    TYPE_ERR("operand 2 must be integer number but got floating-point number", "numbers.range",
             J("3"), J("3.14"));
    TYPE_ERR("operand 1 must be integer but got string", "numbers.range", J("\"a\""), J("1"));
    TYPE_ERR("operand 2 must be integer but got null", "numbers.range", J("1"), J("null"));

    OK("[0,2,4,6,8,10]", "numbers.range_step", J("0"), J("10"), J("2"));
    OK("[0,-2,-4,-6,-8,-10]", "numbers.range_step", J("0"), J("-10"), J("2"));
    OK("[1024,2048,3072,4096]", "numbers.range_step", J("1024"), J("4096"), J("1024"));
    OK("[2]", "numbers.range_step", J("2"), J("2"), J("2"));
    OK("[2,4]", "numbers.range_step", J("2"), J("5"), J("2"));
    OK("[-9223372036854775808,9223372036854775807]", "numbers.range_step",
       J("-9223372036854775808"), J("9223372036854775807"), J("18446744073709551615"));
    BUILTIN_ERR("numbers.range_step: step must be a positive number above zero", "numbers.range_step",
                J("0"), J("10"), J("-2"));
    BUILTIN_ERR("numbers.range_step: step must be a positive number above zero", "numbers.range_step",
                J("0"), J("10"), J("0"));
    TYPE_ERR("operand 3 must be integer number but got floating-point number", "numbers.range_step",
             J("0"), J("10"), J("0.5"));
    BUILTIN_ERR("range too large", "numbers.range", J("0"), J("9223372036854775807"));
}
END_TEST

/* ---- aggregates ---- */

START_TEST(aggregates_count)
{
    OK("4", "count", J("[1,2,3,4]"));
    OK("2", "count", J("{\"v1\":\"hello\",\"v2\":\"goodbye\"}"));
    OK("3", "count", S("[1,2,3,3]"));
    OK("0", "count", J("\"\""));
    OK("5", "count", J("\"abcde\""));
    OK("3", "count", J("\"\\u00e5\\u00e4\\u00f6\""));
    OK("1", "count", J("\"\\ud83d\\ude00\"")); /* one astral code point, 4 bytes */
    OK("2", "count", STR("\xff\xfe", 2));          /* invalid bytes count one each */
    OK("3", "count", STR("a\xe2\x82", 3));         /* truncated sequence */
    OK("2", "count", STR("\xc0\x80", 2));          /* overlong NUL */
    OK("3", "count", STR("\xed\xa0\x80", 3));      /* surrogate */
    OK("2", "count", STR("\xe2\x82\xac!", 4));     /* euro sign, then '!' */
    TYPE_ERR("operand 1 must be one of {array, object, set, string} but got null", "count", J("null"));
    TYPE_ERR("operand 1 must be one of {array, object, set, string} but got number", "count", J("5"));
}
END_TEST

START_TEST(aggregates_sum_product)
{
    OK("10", "sum", J("[1,2,3,4]"));
    OK("10", "sum", S("[1,2,3,4]"));
    OK("0", "sum", J("[]"));
    OK("49649733058", "sum", J("[49649733057,1]"));
    OK("4", "sum", J("[1.5,2.5]"));
    OK("2.5", "sum", J("[1,1.5]"));
    OK("18446744073709551616", "sum", J("[9223372036854775807,9223372036854775809]"));
    OK("24", "product", J("[1,2,3,4]"));
    OK("24", "product", S("[1,2,3,4]"));
    OK("1", "product", J("[]"));
    OK("85070591730234615847396907784232501249", "product",
       J("[9223372036854775807,9223372036854775807]"));
    OK("0.5", "product", J("[0.25,2]"));
    TYPE_ERR("operand 1 must be array of numbers but got array containing string", "sum", J("[1,\"a\"]"));
    TYPE_ERR("operand 1 must be set of numbers but got set containing string", "sum", S("[1,\"a\"]"));
    TYPE_ERR("operand 1 must be array of numbers but got array containing null", "product", J("[null]"));
    TYPE_ERR("operand 1 must be one of {set, array} but got string", "sum", J("\"x\""));
    TYPE_ERR("operand 1 must be one of {set, array} but got object", "product", J("{}"));
}
END_TEST

START_TEST(aggregates_max_min_sort)
{
    OK("4", "max", J("[1,2,3,4]"));
    OK("4", "max", S("[1,2,3,4]"));
    OK("\"a\"", "max", J("[\"a\",1,null]"));
    OK("1.0", "max", J("[1,1.0]")); /* equal extremes: the last one */
    OK("1", "min", J("[1,2,1,3,4]"));
    OK("-7", "min", J("[3,2,1,4,6,-7,10]"));
    OK("1", "min", S("[1,2,3,4]"));
    OK("null", "min", J("[\"a\",1,null]"));
    OK("1", "min", J("[1.0,1]"));
    UNDEF("max", J("[]"));
    UNDEF("min", S("[]"));
    TYPE_ERR("operand 1 must be one of {set, array} but got number", "max", J("1"));
    TYPE_ERR("operand 1 must be one of {set, array} but got object", "min", J("{}"));

    OKK(VAL_ARRAY, "[1,2,3,4]", "sort", J("[4,3,2,1]"));
    OKK(VAL_ARRAY, "[1,2,3,4]", "sort", S("[4,1,3,2]"));
    OKK(VAL_ARRAY, "[]", "sort", J("[]"));
    OKK(VAL_ARRAY, "[]", "sort", S("[]"));
    OK("[null,false,true,-1,2.5,\"a\",\"b\",[1],{}]", "sort",
       J("[\"b\",{},2.5,[1],true,null,\"a\",-1,false]"));
    OK("[1,1,2,2,3]", "sort", J("[2,1,3,2,1]"));
    TYPE_ERR("operand 1 must be one of {set, array} but got string", "sort", J("\"x\""));
}
END_TEST

START_TEST(aggregates_all_any)
{
    OK("true", "all", S("[]"));
    OK("true", "all", J("[]"));
    OK("true", "all", S("[true]"));
    OK("true", "all", J("[true,true,true]"));
    OK("false", "all", S("[false,true]"));
    OK("false", "all", J("[false,true,true]"));
    OK("false", "all", J("[{},\"\",true,true,123]"));
    OK("false", "any", S("[]"));
    OK("false", "any", J("[]"));
    OK("true", "any", S("[false,true]"));
    OK("true", "any", J("[true,true,true,false,false]"));
    OK("false", "any", S("[false]"));
    OK("false", "any", J("[false]"));
    OK("true", "any", J("[true,{},\"false\"]"));
    TYPE_ERR("operand 1 must be one of {array, set} but got object", "all", J("{}"));
    TYPE_ERR("operand 1 must be one of {array, set} but got string", "any", J("\"true\""));
}
END_TEST

/* ---- sets ---- */

START_TEST(sets_and_or)
{
    OKK(VAL_SET, "[3,4]", "and", S("[3,2,4]"), S("[3,4,5]"));
    OKK(VAL_SET, "[]", "and", S("[1]"), S("[2]"));
    OKK(VAL_SET, "[]", "and", S("[]"), S("[2]"));
    OKK(VAL_SET, "[2,3,4]", "or", S("[3,2]"), S("[3,4]"));
    OKK(VAL_SET, "[1]", "or", S("[1]"), S("[]"));
    OKK(VAL_SET, "[]", "or", S("[]"), S("[]"));
    OKK(VAL_SET, "[null,1,\"a\",[1]]", "or", S("[\"a\",null]"), S("[[1],1]"));
    TYPE_ERR("operand 1 must be set but got array", "and", J("[1]"), S("[1]"));
    TYPE_ERR("operand 2 must be set but got number", "and", S("[1]"), J("1"));
    TYPE_ERR("operand 2 must be set but got object", "or", S("[1]"), J("{}"));

    OKK(VAL_SET, "[2,4]", "set_diff", S("[1,2,3,4]"), S("[1,3]"));
    TYPE_ERR("operand 2 must be set but got array", "set_diff", S("[1]"), J("[]"));
}
END_TEST

START_TEST(sets_union_intersection)
{
    OKK(VAL_SET, "[]", "union", S("[]"));
    OKK(VAL_SET, "[1,2]", "union", SV(S("[]"), S("[1,2]"), NULL));
    OKK(VAL_SET, "[1,2,3]", "union", SV(S("[1,2,3]"), S("[2]"), NULL));
    OKK(VAL_SET, "[1,2,3,4,5,6]", "union", SV(S("[1,2,3]"), S("[2,3,4]"), S("[4,5,6]"), NULL));
    OKK(VAL_SET, "[\"a\",\"b\",\"c\",\"d\"]", "union",
        SV(S("[\"a\",\"b\",\"c\",\"d\"]"), S("[\"b\",\"c\",\"d\"]"), S("[\"c\",\"d\"]"), S("[\"d\"]"), NULL));
    OKK(VAL_SET, "[]", "intersection", S("[]"));
    OKK(VAL_SET, "[]", "intersection", SV(S("[]"), S("[1,2]"), NULL));
    OKK(VAL_SET, "[2]", "intersection", SV(S("[1,2,3]"), S("[2]"), NULL));
    OKK(VAL_SET, "[]", "intersection", SV(S("[1,2,3]"), S("[2,3,4]"), S("[4,5,6]"), NULL));
    OKK(VAL_SET, "[\"d\"]", "intersection",
        SV(S("[\"a\",\"b\",\"c\",\"d\"]"), S("[\"b\",\"c\",\"d\"]"), S("[\"c\",\"d\"]"), S("[\"d\"]"), NULL));
    OKK(VAL_SET, "[1,2]", "intersection", SV(S("[1,2]"), NULL));
    TYPE_ERR("operand 1 must be set but got array", "union", J("[]"));
    TYPE_ERR("operand 1 must be set but got number", "union", S("[1]"));
    TYPE_ERR("operand 1 must be set but got number", "intersection", SV(S("[]"), J("1"), NULL));
    TYPE_ERR("operand 1 must be set but got object", "intersection", J("{}"));
}
END_TEST

/* ---- types ---- */

START_TEST(types_tests_and_names)
{
    OK("true", "is_number", J("-42.0"));
    OK("true", "is_number", J("0"));
    OK("false", "is_number", J("null"));
    OK("false", "is_number", J("\"1\""));
    OK("true", "is_string", J("\"Hello\""));
    OK("false", "is_string", J("false"));
    OK("true", "is_boolean", J("false"));
    OK("false", "is_boolean", J("null"));
    OK("true", "is_array", J("[1,2,3]"));
    OK("false", "is_array", S("[1,2,3]"));
    OK("true", "is_set", S("[1,2,3]"));
    OK("true", "is_set", S("[]"));
    OK("false", "is_set", J("[1,2,3]"));
    OK("true", "is_object", J("{\"foo\":1}"));
    OK("false", "is_object", J("\"foo\""));
    OK("true", "is_null", J("null"));
    OK("false", "is_null", J("true"));

    OK("\"null\"", "type_name", J("null"));
    OK("\"boolean\"", "type_name", J("true"));
    OK("\"number\"", "type_name", J("100"));
    OK("\"string\"", "type_name", J("\"Hello\""));
    OK("\"array\"", "type_name", J("[1,2,3]"));
    OK("\"set\"", "type_name", S("[1,2,3]"));
    OK("\"object\"", "type_name", J("{\"foo\":1}"));
}
END_TEST

START_TEST(types_to_number)
{
    OK("-42.0", "to_number", J("\"-42.0\""));
    OK("0", "to_number", J("false"));
    OK("1", "to_number", J("true"));
    OK("0", "to_number", J("null"));
    OK("100.1", "to_number", J("100.1"));
    OK("3", "to_number", J("\"3\""));
    OK("-1", "to_number", J("\"-1\""));
    OK("123456789012345678901234567890", "to_number", J("\"123456789012345678901234567890\""));
    OK("1e-400", "to_number", J("\"1e-400\"")); /* underflow is not an error */
    OK("1e300", "to_number", J("\"1e300\""));
    /* Go spellings beyond JSON */
    OK("1", "to_number", J("\"+1\""));
    OK("0.5", "to_number", J("\".5\""));
    OK("-0.5", "to_number", J("\"-.5\""));
    OK("1", "to_number", J("\"1.\""));
    OK("7", "to_number", J("\"007\""));
    OK("1000", "to_number", J("\"1_000\""));
    OK("1E5", "to_number", J("\"1E5\""));
    OK("0.25", "to_number", J("\"0x1p-2\""));
    {
        val *out;
        ck_assert_int_eq(CALL("to_number", &out, J("\"3\"")), BI_OK);
        ck_assert(val_is_int(out));
    }

    BUILTIN_ERR("strconv.ParseFloat: parsing \"broken\": invalid syntax", "to_number", J("\"broken\""));
    BUILTIN_ERR("strconv.ParseFloat: parsing \"\": invalid syntax", "to_number", J("\"\""));
    BUILTIN_ERR("strconv.ParseFloat: parsing \" 1\": invalid syntax", "to_number", J("\" 1\""));
    BUILTIN_ERR("strconv.ParseFloat: parsing \"1e\": invalid syntax", "to_number", J("\"1e\""));
    BUILTIN_ERR("strconv.ParseFloat: parsing \"0x10\": invalid syntax", "to_number", J("\"0x10\""));
    BUILTIN_ERR("strconv.ParseFloat: parsing \"1__0\": invalid syntax", "to_number", J("\"1__0\""));
    BUILTIN_ERR("strconv.ParseFloat: parsing \"a\\nb\": invalid syntax", "to_number", J("\"a\\nb\""));
    BUILTIN_ERR("strconv.ParseFloat: parsing \"1e400\": value out of range", "to_number", J("\"1e400\""));
    TYPE_ERR("operand 1 must be valid number string but got string", "to_number", J("\"inf\""));
    TYPE_ERR("operand 1 must be valid number string but got string", "to_number", J("\"-Infinity\""));
    TYPE_ERR("operand 1 must be valid number string but got string", "to_number", J("\"NaN\""));
    TYPE_ERR("operand 1 must be one of {null, boolean, number, string} but got array", "to_number", J("[]"));
    TYPE_ERR("operand 1 must be one of {null, boolean, number, string} but got set", "to_number", S("[]"));
}
END_TEST

START_TEST(types_casts)
{
    OKK(VAL_ARRAY, "[1,2]", "cast_array", J("[1,2]"));
    OKK(VAL_ARRAY, "[1,2]", "cast_array", S("[2,1]"));
    OKK(VAL_ARRAY, "[]", "cast_array", S("[]"));
    OKK(VAL_SET, "[1,2]", "cast_set", J("[2,1,2]"));
    OKK(VAL_SET, "[]", "cast_set", J("[]"));
    OKK(VAL_SET, "[1]", "cast_set", S("[1]"));
    OK("\"a\"", "cast_string", J("\"a\""));
    OK("false", "cast_boolean", J("false"));
    OK("null", "cast_null", J("null"));
    OK("{}", "cast_object", J("{}"));
    TYPE_ERR("operand 1 must be one of {array, set} but got object", "cast_array", J("{}"));
    TYPE_ERR("operand 1 must be one of {array, set} but got string", "cast_set", J("\"a\""));
    TYPE_ERR("operand 1 must be string but got array", "cast_string", J("[\"1\",\"2\"]"));
    TYPE_ERR("operand 1 must be boolean but got number", "cast_boolean", J("1"));
    TYPE_ERR("operand 1 must be null but got object", "cast_null", J("{}"));
    TYPE_ERR("operand 1 must be object but got array", "cast_object", J("[1,2,3]"));
}
END_TEST

/* ---- bits ---- */

START_TEST(bits_small)
{
    OK("1", "bits.and", J("7"), J("9"));
    OK("0", "bits.and", J("50"), J("0"));
    OK("15", "bits.or", J("7"), J("9"));
    OK("50", "bits.or", J("50"), J("0"));
    OK("41", "bits.xor", J("42"), J("3"));
    OK("0", "bits.xor", J("42"), J("42"));
    OK("-43", "bits.negate", J("42"));
    OK("-1", "bits.negate", J("0"));
    OK("8", "bits.lsh", J("1"), J("3"));
    OK("4294967294", "bits.lsh", J("2147483647"), J("1"));
    OK("-8", "bits.lsh", J("-1"), J("3"));
    OK("0", "bits.lsh", J("0"), J("100000000000"));
    OK("1", "bits.rsh", J("8"), J("3"));
    OK("-4", "bits.rsh", J("-8"), J("1"));
    OK("-5", "bits.rsh", J("-9"), J("1"));   /* rounds toward -infinity */
    OK("-1", "bits.rsh", J("-1"), J("100"));
    OK("0", "bits.rsh", J("12345"), J("64"));
    OK("3", "bits.and", J("7.0"), J("3"));    /* integral numbers are integers */
    OK("1000", "bits.or", J("1e3"), J("0"));
}
END_TEST

START_TEST(bits_big)
{
    OK("18446744073709551614", "bits.lsh", J("9223372036854775807"), J("1"));
    OK("-9223372036854775808", "bits.lsh", J("-1"), J("63"));
    OK("-18446744073709551616", "bits.lsh", J("-1"), J("64"));
    OK("-3541774862152233910272", "bits.lsh", J("-3"), J("70"));
    OK("1180591620717411303424", "bits.and", J("-1"), J("1180591620717411303424"));
    OK("1180591620717411303429", "bits.or", J("1180591620717411303424"), J("5"));
    OK("18446744073709551617", "bits.xor", J("18446744073709551616"), J("1"));
    OK("-100000000000000000001", "bits.negate", J("1e20"));
    OK("-18446744073709551617", "bits.negate", J("18446744073709551616"));
    OK("158456325028528675187087900672", "bits.rsh", J("1267650600228229401496703205376"), J("3"));
    OK("9223372036854775807", "bits.rsh", J("18446744073709551615"), J("1"));
    OK("0", "bits.rsh", J("1267650600228229401496703205376"), J("1e30"));
    OK("-1", "bits.rsh", J("-1267650600228229401496703205376"), J("1000"));
    OK("0", "bits.and", J("18446744073709551616"), J("1")); /* fits int64 again */
    {
        val *out;
        ck_assert_int_eq(CALL("bits.and", &out, J("18446744073709551617"), J("3")), BI_OK);
        ck_assert(val_is_int(out));
    }
}
END_TEST

START_TEST(bits_errors)
{
    TYPE_ERR("operand 1 must be integer number but got floating-point number", "bits.and", J("7.2"), J("42"));
    TYPE_ERR("operand 1 must be integer number but got floating-point number", "bits.or", J("7.2"), J("42"));
    TYPE_ERR("operand 1 must be integer number but got floating-point number", "bits.xor", J("7.2"), J("42"));
    TYPE_ERR("operand 1 must be integer number but got floating-point number", "bits.negate", J("7.2"));
    TYPE_ERR("operand 1 must be integer number but got floating-point number", "bits.lsh", J("7.2"), J("42"));
    TYPE_ERR("operand 1 must be integer number but got floating-point number", "bits.rsh", J("7.2"), J("42"));
    TYPE_ERR("operand 2 must be integer number but got floating-point number", "bits.and", J("7"), J("1e-2"));
    TYPE_ERR("operand 1 must be integer but got string", "bits.and", J("\"a\""), J("1"));
    TYPE_ERR("operand 2 must be integer but got null", "bits.lsh", J("1"), J("null"));
    TYPE_ERR("operand 2 must be an unsigned integer number but got a negative integer", "bits.lsh", J("7"), J("-1"));
    TYPE_ERR("operand 2 must be an unsigned integer number but got a negative integer", "bits.rsh", J("7"), J("-1"));
    TYPE_ERR("operand 2 must be an unsigned integer number but got a negative integer", "bits.rsh", J("7"),
             J("-18446744073709551616"));
    BUILTIN_ERR("shift count too large", "bits.lsh", J("1"), J("1e30"));
    BUILTIN_ERR("shift count too large", "bits.lsh", J("1"), J("100000000"));
}
END_TEST

/* ---- core ---- */

START_TEST(core_member)
{
    OK("true", "internal.member_2", J("1"), S("[1]"));
    OK("true", "internal.member_2", J("1"), J("[1]"));
    OK("true", "internal.member_2", J("1"), J("{\"foo\":1}"));
    OK("true", "internal.member_2", J("1.0"), J("[1]"));
    OK("false", "internal.member_2", J("1"), S("[2]"));
    OK("false", "internal.member_2", J("1"), J("[2]"));
    OK("false", "internal.member_2", J("\"foo\""), J("{\"foo\":2}")); /* keys are not members */
    OK("false", "internal.member_2", J("1"), J("\"foo\""));
    OK("false", "internal.member_2", J("\"foo\""), J("1"));
    OK("false", "internal.member_2", J("null"), J("null"));
    OK("true", "internal.member_2", J("{\"foo\":{\"baz\":2000}}"), J("[{\"foo\":{\"baz\":2000}}]"));
    OK("true", "internal.member_2", S("[1,2]"), SV(S("[2,1]"), NULL));

    OK("true", "internal.member_3", J("\"foo\""), J("1"), J("{\"foo\":1}"));
    OK("false", "internal.member_3", J("\"foo\""), J("2"), J("{\"foo\":1}"));
    OK("false", "internal.member_3", J("\"bar\""), J("1"), J("{\"foo\":1}"));
    OK("true", "internal.member_3", J("1"), J("\"two\""), J("[\"one\",\"two\",\"three\"]"));
    OK("false", "internal.member_3", J("1.0"), J("\"two\""), J("[\"one\",\"two\",\"three\"]"));
    OK("false", "internal.member_3", J("3"), J("\"two\""), J("[\"one\",\"two\",\"three\"]"));
    OK("false", "internal.member_3", J("-1"), J("\"three\""), J("[\"one\",\"two\",\"three\"]"));
    OK("false", "internal.member_3", J("\"1\""), J("\"two\""), J("[\"one\",\"two\",\"three\"]"));
    OK("true", "internal.member_3", J("\"a\""), J("\"a\""), S("[\"a\"]"));
    OK("false", "internal.member_3", J("\"a\""), J("true"), S("[\"a\"]"));
    OK("false", "internal.member_3", J("1"), J("\"foo\""), J("1"));
    OK("false", "internal.member_3", J("0"), J("\"f\""), J("\"foo\""));
    {
        val *keys[] = {J("{\"foo\":100}")}, *vals[] = {J("\"ever\"")};
        val *obj = val_object(&A, keys, vals, 1);
        OK("true", "internal.member_3", J("{\"foo\":100}"), J("\"ever\""), obj);
    }
}
END_TEST

START_TEST(core_walk)
{
    OK("[[[],1]]", "walk", J("1"));
    OK("[[[],[]]]", "walk", J("[]"));
    OK("[[[],{\"a\":[1,{\"b\":2}],\"c\":null}],"
       "[[\"a\"],[1,{\"b\":2}]],"
       "[[\"a\",0],1],"
       "[[\"a\",1],{\"b\":2}],"
       "[[\"a\",1,\"b\"],2],"
       "[[\"c\"],null]]",
       "walk", J("{\"c\":null,\"a\":[1,{\"b\":2}]}"));
    /* a set element is its own key */
    OK("[[[],[1,\"x\"]],[[1],1],[[\"x\"],\"x\"]]", "walk", S("[\"x\",1]"));
    {
        val *out;
        ck_assert_int_eq(CALL("walk", &out, S("[[1]]")), BI_OK);
        /* [[], {[1]}], [[[1]], [1]], [[[1], 0], 1] */
        ck_assert_int_eq(val_len(out), 3);
        ck_assert_int_eq(val_kind_of(val_array_items(val_array_items(out)[0])[1]), VAL_SET);
        ck_assert_str_eq(to_json(val_array_items(out)[2]), "[[[1],0],1]");
    }
    {
        /* deep nesting */
        char deep[2100];
        size_t n = 0;
        for (int i = 0; i < 500; i++)
            deep[n++] = '[';
        for (int i = 0; i < 500; i++)
            deep[n++] = ']';
        deep[n] = 0;
        val *out;
        ck_assert_int_eq(CALL("walk", &out, J(deep)), BI_OK);
        ck_assert_int_eq(val_len(out), 500);
        val *last = val_array_items(out)[499];
        ck_assert_int_eq(val_len(val_array_items(last)[0]), 499);
    }
}
END_TEST

START_TEST(core_print)
{
    strbuf sb = STRBUF_INIT;
    val *out;

    /* without a sink nothing is checked or written */
    ck_assert_int_eq(CALL("internal.print", &out, J("1")), BI_OK);

    ctx.print_out = &sb;
    ck_assert_int_eq(CALL("internal.print", &out, val_array(&A, (val *[]){S("[\"hello\"]"), S("[1]"), S("[]")}, 3)), BI_OK);
    ck_assert_str_eq(sb.data, "hello 1 <undefined>\n");
    sb_reset(&sb);

    /* strings bare at the top level, Rego syntax inside composites */
    ck_assert_int_eq(CALL("internal.print", &out,
                          val_array(&A, (val *[]){SV(J("[\"a\",{\"k\":\"v\"}]"), NULL), SV(S("[1,\"s\"]"), NULL),
                                                  SV(J("null"), NULL), SV(J("1.50"), NULL), SV(J("false"), NULL)}, 5)),
                     BI_OK);
    ck_assert_str_eq(sb.data, "[\"a\", {\"k\": \"v\"}] {1, \"s\"} null 1.50 false\n");
    sb_reset(&sb);

    /* one line per combination */
    ck_assert_int_eq(CALL("internal.print", &out, val_array(&A, (val *[]){S("[\"x\"]"), S("[1,2]"), S("[\"a\",\"b\"]")}, 3)),
                     BI_OK);
    ck_assert_str_eq(sb.data, "x 1 a\nx 1 b\nx 2 a\nx 2 b\n");
    sb_reset(&sb);

    /* no operands: an empty line; plain scalars stand for themselves */
    ck_assert_int_eq(CALL("internal.print", &out, J("[]")), BI_OK);
    ck_assert_int_eq(CALL("internal.print", &out, J("[\"s\",2]")), BI_OK);
    ck_assert_str_eq(sb.data, "\ns 2\n");
    sb_reset(&sb);

    ck_assert_int_eq(CALL("internal.print", &out, val_array(&A, (val *[]){SV(S("[]"), NULL)}, 1)), BI_OK);
    ck_assert_str_eq(sb.data, "set()\n");

    TYPE_ERR("operand 1 must be array but got string", "internal.print", J("\"x\""));
    BUILTIN_ERR("illegal argument type: object", "internal.print", J("[{}]"));
    sb_free(&sb);
}
END_TEST

START_TEST(core_trace)
{
    OK("true", "trace", J("\"note\""));
    strbuf sb = STRBUF_INIT;
    ctx.trace_out = &sb;
    OK("true", "trace", J("\"first\""));
    OK("true", "trace", J("\"second\""));
    ck_assert_str_eq(sb.data, "first\nsecond\n");
    TYPE_ERR("operand 1 must be string but got number", "trace", J("1"));
    sb_free(&sb);
}
END_TEST

Suite *suite_builtins_core(void)
{
    Suite *s = suite_create("builtins_core");
    struct {
        const char *name;
        const TTest *tests[8];
    } cases[] = {
        {"registry", {registry_names_arity_flags}},
        {"compare", {compare_total_order}},
        {"arith", {arith_basic, arith_errors, arith_minus_sets, arith_numbers_range}},
        {"aggregates", {aggregates_count, aggregates_sum_product, aggregates_max_min_sort, aggregates_all_any}},
        {"sets", {sets_and_or, sets_union_intersection}},
        {"types", {types_tests_and_names, types_to_number, types_casts}},
        {"bits", {bits_small, bits_big, bits_errors}},
        {"core", {core_member, core_walk, core_print, core_trace}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, builtin_setup, builtin_teardown);
        for (size_t j = 0; j < 8 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}
