/* Unit tests for what the fuzz harnesses (tests/fuzz/) found: the
 * regression corpus replays each input to show it no longer crashes or
 * hangs; these tests pin down the answer or the error each one now gets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/verdict.h"

/* The result JSON of `query` over `module` (may be NULL), or
 * "error: <code>: <message>" (caller frees). */
static char *query(const char *module, const char *q)
{
    verdict_engine *e = verdict_new(NULL);
    verdict_errors *errs = NULL;
    verdict_result *r = NULL;
    char *out = NULL;
    if ((!module || verdict_put_module(e, "t.rego", module, strlen(module), &errs) == VERDICT_OK) &&
        verdict_query(e, q, NULL, &r, &errs) == VERDICT_OK) {
        out = verdict_result_json(r, 0);
    } else {
        const char *code = verdict_error_code(errs, 0), *msg = verdict_error_message(errs, 0);
        size_t n = strlen(code) + strlen(msg) + 16;
        out = malloc(n);
        snprintf(out, n, "error: %s: %s", code, msg);
    }
    verdict_result_free(r);
    verdict_errors_free(errs);
    verdict_free(e);
    return out;
}

#define CHECK_CONTAINS(module, q, want)                                                            \
    do {                                                                                           \
        char *got_ = query(module, q);                                                             \
        ck_assert_msg(strstr(got_, want) != NULL, "%s: want ...%s..., got %s", q, want, got_);     \
        free(got_);                                                                                \
    } while (0)

/* A negated query expression's value is true; it was the value of what it
 * negates (false, or a read of an unset register when undefined). */
START_TEST(negated_query_expressions_are_true)
{
    CHECK_CONTAINS(NULL, "not false", "\"value\":true,\"text\":\"not false\"");
    CHECK_CONTAINS(NULL, "not data.nothere", "\"value\":true,\"text\":\"not data.nothere\"");
    CHECK_CONTAINS(NULL, "x := 1; not x == 2", "\"value\":true,\"text\":\"not x == 2\"");
    CHECK_CONTAINS(NULL, "not 1 == 2 with input as 1", "\"value\":true");
    char *got = query(NULL, "not true");
    ck_assert_str_eq(got, "{}");
    free(got);
}
END_TEST

/* `with f as g` where g takes another number of arguments: OPA's type error,
 * where the VM used to call g with f's arguments. */
START_TEST(with_replacement_arity_mismatch)
{
    const char *m = "package p\n\nf(x) := x\n\ng(x, y) := x\n\nh(_) := 7\n";
    CHECK_CONTAINS(m, "data.p.f(1) with data.p.f as data.p.g", "error: rego_type_error: data.p.f: arity mismatch");
    CHECK_CONTAINS(m, "count([1]) with count as data.p.g", "error: rego_type_error: count: arity mismatch");
    CHECK_CONTAINS(m, "x := data.p.f(1) with data.p.f as data.p.h", "\"x\":7");
    CHECK_CONTAINS(m, "x := count([1]) with count as data.p.h", "\"x\":7");
}
END_TEST

/* Exponents with more digits than an int64 holds saturate (they used to
 * overflow while being read). */
START_TEST(huge_exponents)
{
    verdict_engine *e = verdict_new(NULL);
    const char *doc = "[1e9912345678901234567, 1e-9912345678901234567, 2e99]";
    ck_assert_int_eq(verdict_put_data(e, "n", doc, strlen(doc), NULL), VERDICT_OK);
    char *out = NULL;
    ck_assert_int_eq(verdict_eval(e, "n/2", NULL, 0, &out, NULL), VERDICT_OK);
    ck_assert_str_eq(out, "2e99");
    free(out);
    verdict_free(e);
}
END_TEST

Suite *suite_fuzz_found(void)
{
    Suite *s = suite_create("fuzz_found");
    TCase *tc = tcase_create("regressions");
    tcase_add_test(tc, negated_query_expressions_are_true);
    tcase_add_test(tc, with_replacement_arity_mismatch);
    tcase_add_test(tc, huge_exponents);
    suite_add_tcase(s, tc);
    return s;
}
