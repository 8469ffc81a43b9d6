/* Unit tests for engine/number: syntax, exact comparison, conversions and
 * arithmetic with OPA's results (checked against Go's math/big). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "engine/number.h"
#include "engine/strbuf.h"

static arena A;

static void setup(void) { arena_init(&A, 4096); }
static void teardown(void) { arena_release(&A); }

static val *num(const char *s)
{
    val *v = val_number_text(&A, s, strlen(s));
    ck_assert_msg(v != NULL, "not a number: %s", s);
    return v;
}

/* Text of a number as OPA prints it; kept in the arena so tests can compare. */
static const char *text(const val *v)
{
    ck_assert_ptr_nonnull(v);
    strbuf sb = STRBUF_INIT;
    num_write(&sb, v);
    char *s = arena_strndup(&A, sb.data, sb.len);
    sb_free(&sb);
    return s;
}

typedef num_status (*binop)(arena *, const val *, const val *, val **);

static val *opv(binop f, const char *x, const char *y)
{
    val *r = NULL;
    ck_assert_int_eq(f(&A, num(x), num(y), &r), NUM_OK);
    return r;
}

static const char *op(binop f, const char *x, const char *y)
{
    val *r = NULL;
    num_status st = f(&A, num(x), num(y), &r);
    if (st != NUM_OK)
        return num_status_message(st);
    return text(r);
}

/* ---- syntax and representation ---- */

START_TEST(syntax)
{
    const char *good[] = {"0", "-0", "1", "-1", "10", "1.5", "0.0", "-0.25", "1e5", "1E5", "1e+5", "1e-5",
                          "1.5e10", "123456789012345678901234567890", "0e0", "-0.0e-0", NULL};
    const char *bad[] = {"", "-", "01", "-01", "1.", ".5", "+1", "1e", "1e+", "--1", "0x10", " 1", "1 ",
                         "1.e5", "1..2", "e5", "NaN", "Infinity", "1_000", "١", NULL};
    for (int i = 0; good[i]; i++)
        ck_assert_msg(val_number_text(&A, good[i], strlen(good[i])) != NULL, "%s", good[i]);
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(val_number_text(&A, bad[i], strlen(bad[i])) == NULL, "%s", bad[i]);
    /* length is honoured (no NUL needed) */
    ck_assert_ptr_nonnull(val_number_text(&A, "12x", 2));
}
END_TEST

START_TEST(representation)
{
    ck_assert(val_is_int(num("42")));
    ck_assert(val_is_int(num("-9223372036854775808")));
    ck_assert(val_is_int(num("9223372036854775807")));
    ck_assert_int_eq(val_int_value(num("-9223372036854775808")), INT64_MIN);
    const char *kept[] = {"-0", "1.0", "1e2", "9223372036854775808", "-9223372036854775809", "1e400",
                          "123456789012345678901234567890", "0.1", NULL};
    for (int i = 0; kept[i]; i++) {
        val *v = num(kept[i]);
        ck_assert_msg(!val_is_int(v), "%s", kept[i]);
        ck_assert_str_eq(text(v), kept[i]);       /* printed verbatim */
        ck_assert_int_eq(val_len(v), strlen(kept[i]));
    }
    ck_assert_str_eq(text(num("-12")), "-12");
    ck_assert_str_eq(text(val_int(&A, INT64_MIN)), "-9223372036854775808");
    ck_assert_str_eq(text(num_from_int64(&A, 77)), "77");
}
END_TEST

/* ---- comparison ---- */

START_TEST(compare_exact)
{
    struct { const char *a, *b; int want; } cases[] = {
        {"1", "1.0", 0}, {"-0", "0", 0}, {"0.0", "-0.0", 0}, {"123e-2", "1.23", 0},
        {"1e400", "1e399", 1}, {"-1e400", "-1e399", -1}, {"1e400", "1e400", 0},
        {"28857836529306024611913", "28857836529306024611912", 1},
        {"0.1", "0.10000000000000000001", -1}, {"0.30000000000000000001", "0.3", 1},
        {"1e-400", "0", 1}, {"-1e-400", "0", -1}, {"-1e-400", "-1e-401", -1},
        {"9223372036854775807", "9223372036854775808", -1}, {"-9223372036854775808", "-9223372036854775809", 1},
        {"2", "10", -1}, {"-2", "-10", 1}, {"0.5", "1", -1}, {"99.999", "100", -1},
        {"1e1000000000", "1e999999999", 1}, {"1e1000000000", "1e1000000000", 0},
        {"123456789012345678901234567890", "123456789012345678901234567891", -1},
        {"5", "4.99999999999999999999999", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int c = num_compare(num(cases[i].a), num(cases[i].b));
        int s = c < 0 ? -1 : c > 0;
        ck_assert_msg(s == cases[i].want, "%s vs %s: %d", cases[i].a, cases[i].b, c);
        c = num_compare(num(cases[i].b), num(cases[i].a));
        ck_assert_int_eq(c < 0 ? -1 : c > 0, -cases[i].want);
        if (cases[i].want == 0)
            ck_assert_uint_eq(num_hash(num(cases[i].a)), num_hash(num(cases[i].b)));
    }
}
END_TEST

START_TEST(integers)
{
    int64_t i;
    ck_assert(num_is_integer(num("1e3")) && num_to_int64(num("1e3"), &i) && i == 1000);
    ck_assert(num_is_integer(num("2.0")) && num_to_int64(num("2.0"), &i) && i == 2);
    ck_assert(num_is_integer(num("-0")) && num_to_int64(num("-0"), &i) && i == 0);
    ck_assert(num_is_integer(num("1250e-2")) == false);
    ck_assert(num_is_integer(num("1.5")) == false && !num_to_int64(num("1.5"), &i));
    ck_assert(num_is_integer(num("1e400")) && !num_to_int64(num("1e400"), &i));
    ck_assert(!num_to_int64(num("9223372036854775808"), &i));
    ck_assert(num_to_int64(num("-9223372036854775808.0"), &i) && i == INT64_MIN);
    ck_assert(num_to_int64(num("9.223372036854775807e18"), &i) && i == INT64_MAX);
    ck_assert(!num_to_int64(num("1e19"), &i));
    ck_assert(!num_is_integer(num("1e-400")));
    ck_assert(num_to_int64(val_int(&A, -5), &i) && i == -5);
}
END_TEST

START_TEST(doubles)
{
    ck_assert(num_to_double(num("0.1")) == 0.1);
    ck_assert(num_to_double(num("2.5")) == 2.5);
    ck_assert(num_to_double(num("-3")) == -3.0);
    ck_assert(num_to_double(num("1e22")) == 1e22);
    ck_assert(num_to_double(num("1e23")) == 1e23);
    ck_assert(num_to_double(num("123456789012345678901234567890")) == 123456789012345678901234567890.0);
    ck_assert(num_to_double(num("2.2250738585072011e-308")) == 2.2250738585072011e-308);
    ck_assert(num_to_double(num("4.9406564584124654e-324")) == 4.9406564584124654e-324);
    ck_assert(num_to_double(num("1.7976931348623157e308")) == 1.7976931348623157e308);
    ck_assert(isinf(num_to_double(num("1e400"))) && num_to_double(num("1e400")) > 0);
    ck_assert(isinf(num_to_double(num("-1e400"))) && num_to_double(num("-1e400")) < 0);
    ck_assert(num_to_double(num("1e-400")) == 0);
    ck_assert(signbit(num_to_double(num("-0"))));
    ck_assert(num_to_double(num("0.30000000000000004")) == 0.1 + 0.2);

    /* strconv.FormatFloat(d, 'g', -1, 64); integral values in full */
    struct { double d; const char *want; } cases[] = {
        {0.1, "0.1"}, {0.1 + 0.2, "0.30000000000000004"}, {1.5, "1.5"}, {-2.75, "-2.75"},
        {1e-7, "1e-07"}, {123456.7, "123456.7"}, {1234567.5, "1.2345675e+06"}, {0.0001, "0.0001"},
        {0.00001234, "1.234e-05"}, {5e-324, "5e-324"}, {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {3.0, "3"}, {-0.0, "0"}, {1e15, "1000000000000000"}, {1e21, "1000000000000000000000"},
        {9007199254740993.0, "9007199254740992"}, {1.7976931348623157e308, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        val *v = num_from_double(&A, cases[i].d);
        ck_assert_ptr_nonnull(v);
        if (cases[i].want)
            ck_assert_str_eq(text(v), cases[i].want);
        ck_assert(num_to_double(v) == cases[i].d);
    }
    ck_assert(val_is_int(num_from_double(&A, 3.0)));
    ck_assert(!val_is_int(num_from_double(&A, 1e19)));
    ck_assert_ptr_null(num_from_double(&A, NAN));
    ck_assert_ptr_null(num_from_double(&A, INFINITY));
    ck_assert_ptr_null(num_from_double(&A, -INFINITY));
}
END_TEST

/* ---- arithmetic ---- */

START_TEST(arith_basic)
{
    ck_assert_str_eq(op(num_add, "1", "2"), "3");
    ck_assert_str_eq(op(num_add, "0.1", "0.2"), "0.3");
    ck_assert_str_eq(op(num_sub, "0.3", "0.1"), "0.20000000000000000002");
    ck_assert_str_eq(op(num_div, "1", "3"), "0.33333333333333333334");
    ck_assert_str_eq(op(num_div, "2", "3"), "0.6666666666666666667");
    ck_assert_str_eq(op(num_mul, "2.5", "4"), "10");
    ck_assert(val_is_int(opv(num_mul, "2.5", "4")));
    ck_assert_str_eq(op(num_rem, "7", "4"), "3");
    ck_assert_str_eq(op(num_rem, "-7", "4"), "-3");
    ck_assert_str_eq(op(num_rem, "7", "-4"), "3");
    ck_assert_str_eq(op(num_div, "6", "3"), "2");
    ck_assert_str_eq(op(num_div, "7", "2"), "3.5");
    ck_assert_str_eq(op(num_div, "-7", "2"), "-3.5");
    ck_assert_str_eq(op(num_div, "0", "5"), "0");
    ck_assert_str_eq(op(num_div, "0", "-5"), "-0");           /* OPA: a float zero quotient */
    ck_assert_str_eq(op(num_mul, "1.5", "1.5"), "2.25");
    ck_assert_str_eq(op(num_sub, "1", "1.5"), "-0.5");
    ck_assert_str_eq(op(num_add, "49649733057", "1"), "49649733058");
    ck_assert_str_eq(op(num_mul, "-1", "3"), "-3");
    ck_assert_str_eq(op(num_add, "-0", "0"), "0");
}
END_TEST

START_TEST(arith_errors)
{
    ck_assert_str_eq(op(num_div, "1", "0"), "divide by zero");
    ck_assert_str_eq(op(num_div, "1", "0.0"), "divide by zero");
    ck_assert_str_eq(op(num_div, "1.5", "0e5"), "divide by zero");
    ck_assert_str_eq(op(num_div, "5000000000", "0"), "divide by zero");
    ck_assert_str_eq(op(num_rem, "7", "0"), "modulo by zero");
    ck_assert_str_eq(op(num_rem, "7.0", "0"), "modulo by zero");
    ck_assert_str_eq(op(num_rem, "1e30", "0"), "modulo by zero");
    ck_assert_str_eq(op(num_rem, "1.1", "1"), "modulo on floating-point number");
    ck_assert_str_eq(op(num_rem, "1.5", "0"), "modulo on floating-point number");
    ck_assert_str_eq(op(num_rem, "10", "18446744073709551616"), "10");
    ck_assert_str_eq(num_status_message(NUM_OVERFLOW), "number too large");
    ck_assert_str_eq(num_status_message(NUM_OK), "ok");
}
END_TEST

START_TEST(arith_integers)
{
    /* int64 overflow moves to exact big integers */
    ck_assert_str_eq(op(num_add, "9223372036854775807", "1"), "9223372036854775808");
    ck_assert_str_eq(op(num_sub, "-9223372036854775808", "1"), "-9223372036854775809");
    ck_assert_str_eq(op(num_mul, "4294967296", "4294967296"), "18446744073709551616");
    ck_assert_str_eq(op(num_mul, "3037000500", "3037000500"), "9223372037000250000");
    ck_assert_str_eq(op(num_sub, "9223372036854775808", "1"), "9223372036854775807");
    ck_assert(val_is_int(opv(num_sub, "9223372036854775808", "1")));
    ck_assert_str_eq(op(num_rem, "-9223372036854775808", "-1"), "0");
    /* integral spellings count as integers */
    ck_assert_str_eq(op(num_add, "2.0", "1"), "3");
    ck_assert_str_eq(op(num_mul, "1e3", "2"), "2000");
    ck_assert_str_eq(op(num_rem, "1e3", "7"), "6");
    ck_assert_str_eq(op(num_rem, "10.0", "4"), "2");
    /* big integers go through a 64-bit mantissa first, as OPA's NumberToInt does */
    ck_assert_str_eq(op(num_add, "28857836529306024611913", "0"), "28857836529306024611840");
    ck_assert_str_eq(op(num_add, "18446744073709551616", "1"), "18446744073709551617");
    ck_assert_str_eq(op(num_mul, "1e20", "1e20"), "10000000000000000000000000000000000000000");
    /* division of big integers is a float quotient */
    ck_assert_str_eq(op(num_div, "10000000000", "2"), "5000000000");
    ck_assert_str_eq(op(num_div, "10000000000", "3"), "3.3333333333333333333e+09");
}
END_TEST

START_TEST(arith_floats)
{
    ck_assert_str_eq(op(num_add, "1234567.5", "0"), "1.2345675e+06");
    ck_assert_str_eq(op(num_add, "0.00001", "0.000001"), "1.1e-05");
    ck_assert_str_eq(op(num_add, "0.0001", "0.0001"), "0.0002");
    /* an integral result is written out in full ('f'), as Go prints it */
    const char *big = op(num_mul, "1e400", "1.5");
    ck_assert_int_eq(strlen(big), 401);
    ck_assert(strncmp(big, "15000", 5) == 0 && strspn(big + 2, "0") == 399);
    ck_assert_str_eq(op(num_div, "1", "1e400"), "1e-400");
    ck_assert_str_eq(op(num_mul, "0.1", "3"), "0.3");
    ck_assert_str_eq(op(num_sub, "1.1", "1.1"), "0");
    ck_assert_str_eq(op(num_mul, "-1.5", "0"), "-0");
    ck_assert_str_eq(op(num_div, "22", "7"), "3.1428571428571428572");
    ck_assert_str_eq(op(num_add, "123456.125", "0.5"), "123456.625");
}
END_TEST

START_TEST(unary)
{
    struct { val *(*f)(arena *, const val *); const char *x, *want; } cases[] = {
        {num_abs, "-10", "10"}, {num_abs, "10", "10"}, {num_abs, "-1.5", "1.5"}, {num_abs, "-0", "0"},
        {num_abs, "-5000000000", "5000000000"}, {num_abs, "-9223372036854775808", "9223372036854775808"},
        {num_abs, "-1e2", "100"}, {num_abs, "-0.1", "0.1"},
        {num_round, "2.5", "3"}, {num_round, "-2.5", "-3"}, {num_round, "1.4999", "1"}, {num_round, "-0.2", "0"},
        {num_round, "7", "7"}, {num_round, "-0.0", "0"}, {num_round, "1e2", "100"},
        {num_ceil, "1.01", "2"}, {num_ceil, "1.5", "2"}, {num_ceil, "2222.2222222222", "2223"},
        {num_ceil, "-1.99999", "-1"}, {num_ceil, "1", "1"}, {num_ceil, "-0.5", "1"},   /* OPA's quirk */
        {num_floor, "1.01", "1"}, {num_floor, "99.99999", "99"}, {num_floor, "-1.001", "-2"},
        {num_floor, "-0.5", "0"}, {num_floor, "3.0", "3"},                            /* OPA's quirk */
        {num_floor, "9223372036854775807", "9223372036854775807"},
        {num_neg, "5", "-5"}, {num_neg, "-5", "5"}, {num_neg, "-0", "0"}, {num_neg, "0", "0"},
        {num_neg, "1.5", "-1.5"}, {num_neg, "-1e400", "1e400"},
        {num_neg, "-9223372036854775808", "9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        val *r = cases[i].f(&A, num(cases[i].x));
        ck_assert_msg(r != NULL, "case %zu", i);
        ck_assert_msg(strcmp(text(r), cases[i].want) == 0, "case %zu (%s): got %s want %s", i, cases[i].x,
                      text(r), cases[i].want);
    }
    ck_assert(val_is_int(num_neg(&A, num("-0"))));
    ck_assert(val_is_int(num_round(&A, num("2.5"))));
    ck_assert(val_is_int(num_neg(&A, num("9223372036854775808"))));
    /* ceil of a big float: the exact integer of its 64-bit mantissa */
    const char *c = text(num_ceil(&A, num("1e400")));
    ck_assert_int_eq(strlen(c), 401);
    ck_assert(strncmp(c, "10000000000000000000281880683947586514586", 41) == 0);
}
END_TEST

START_TEST(huge_exponents)
{
    /* exact comparison of 1e1000000000 must not expand it */
    val *a = num("1e1000000000"), *b = num("2e1000000000");
    ck_assert_int_lt(num_compare(a, b), 0);
    ck_assert(num_is_integer(a));
    ck_assert(isinf(num_to_double(a)));
    val *r = NULL;
    ck_assert_int_eq(num_add(&A, a, num("1"), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_mul(&A, a, num("1.5"), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_div(&A, num("1"), num("1e-1000000000"), &r), NUM_OVERFLOW);
    ck_assert_str_eq(text(num_abs(&A, num("-1e1000000000"))), "1e1000000000");
    ck_assert_str_eq(text(num_floor(&A, a)), "1e1000000000");
    ck_assert_str_eq(text(num_round(&A, num("1e-1000000000"))), "0");
}
END_TEST

Suite *suite_number(void)
{
    Suite *s = suite_create("number");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, syntax);
    tcase_add_test(tc, representation);
    tcase_add_test(tc, compare_exact);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, doubles);
    tcase_add_test(tc, arith_basic);
    tcase_add_test(tc, arith_errors);
    tcase_add_test(tc, arith_integers);
    tcase_add_test(tc, arith_floats);
    tcase_add_test(tc, unary);
    tcase_add_test(tc, huge_exponents);
    suite_add_tcase(s, tc);
    return s;
}
