/* The public value API: documents, constructors, readers, and decisions
 * with the input and the result as values (verdict_eval_value), including
 * their decision-cache keys. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "include/verdict.h"

#define STR(d, s) verdict_string(d, s, strlen(s))

static void check_json(const verdict_value *v, const char *want)
{
    ck_assert_ptr_nonnull(v);
    char *got = verdict_value_json(v, 0);
    ck_assert_msg(strcmp(got, want) == 0, "want %s, got %s", want, got);
    free(got);
}

START_TEST(constructors_and_readers)
{
    verdict_doc *d = verdict_doc_new();
    ck_assert_int_eq(verdict_value_kind(verdict_null()), VERDICT_NULL);
    ck_assert_int_eq(verdict_value_bool(verdict_bool(1)), 1);
    ck_assert_int_eq(verdict_value_bool(verdict_bool(0)), 0);

    int64_t i = 0;
    ck_assert_int_eq(verdict_value_int64(verdict_int(d, -42), &i), 1);
    ck_assert_int_eq(i, -42);
    const verdict_value *big = verdict_number(d, "123456789012345678901234567890", 30);
    check_json(big, "123456789012345678901234567890");
    ck_assert_int_eq(verdict_value_int64(big, &i), 0); /* does not fit */
    check_json(verdict_number(d, "0.1", 3), "0.1");
    ck_assert_ptr_null(verdict_number(d, "1x", 2));
    check_json(verdict_double(d, 2.5), "2.5");
    ck_assert(verdict_value_double(verdict_double(d, 2.5)) == 2.5);
    ck_assert_ptr_null(verdict_double(d, NAN));
    ck_assert_ptr_null(verdict_double(d, INFINITY));
    ck_assert(isnan(verdict_value_double(STR(d, "x"))));

    size_t n = 0;
    const verdict_value *s = verdict_string(d, "h\0i", 3);
    ck_assert_int_eq(memcmp(verdict_value_string(s, &n), "h\0i", 3), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_null(verdict_string(d, "\xff", 1)); /* not UTF-8 */
    ck_assert_ptr_null(verdict_value_string(verdict_int(d, 1), NULL));

    const verdict_value *items[] = {verdict_int(d, 3), verdict_int(d, 1), verdict_int(d, 3)};
    const verdict_value *arr = verdict_array(d, items, 3);
    check_json(arr, "[3,1,3]");
    ck_assert_uint_eq(verdict_value_len(arr), 3);
    ck_assert_ptr_eq(verdict_value_at(arr, 1), items[1]);
    ck_assert_ptr_null(verdict_value_at(arr, 3));
    const verdict_value *set = verdict_set(d, items, 3);
    check_json(set, "[1,3]"); /* sets print as sorted arrays, duplicates gone */
    ck_assert_uint_eq(verdict_value_len(set), 2);
    check_json(verdict_value_at(set, 0), "1");
    ck_assert_int_eq(verdict_value_equal(set, arr), 0);

    const verdict_value *keys[] = {STR(d, "b"), STR(d, "a"), verdict_int(d, 1)};
    const verdict_value *vals[] = {verdict_int(d, 2), arr, verdict_bool(1)};
    const verdict_value *obj = verdict_object(d, keys, vals, 3);
    ck_assert_int_eq(verdict_value_kind(obj), VERDICT_OBJECT);
    ck_assert_uint_eq(verdict_value_len(obj), 3);
    ck_assert_ptr_eq(verdict_value_get(obj, "a"), arr);
    ck_assert_ptr_null(verdict_value_get(obj, "zz"));
    /* OPA's order: numbers before strings */
    check_json(verdict_value_key_at(obj, 0), "1");
    check_json(verdict_value_key_at(obj, 1), "\"a\"");
    check_json(verdict_value_value_at(obj, 2), "2");
    ck_assert_ptr_null(verdict_value_key_at(arr, 0));

    const verdict_value *missing[] = {NULL};
    ck_assert_ptr_null(verdict_array(d, missing, 1));
    ck_assert_ptr_null(verdict_array(NULL, items, 1));

    verdict_errors *errs = NULL;
    const verdict_value *parsed = verdict_parse_json(d, "{\"a\":[3,1,3],\"b\":2,\"1\":true}", 28, &errs);
    ck_assert_ptr_null(errs);
    ck_assert_ptr_nonnull(parsed);
    ck_assert_int_eq(verdict_value_equal(parsed, obj), 0); /* key 1 is not key "1" */
    ck_assert_ptr_null(verdict_parse_json(d, "[1,", 3, &errs));
    ck_assert_ptr_nonnull(errs);
    ck_assert_int_eq(verdict_error_row(errs, 0), 1);
    verdict_errors_free(errs);
    verdict_doc_free(d);
}
END_TEST

static const char *POLICY = "package authz\n"
                            "allow if input.user == \"alice\"\n"
                            "roles := {r | some r in input.roles}\n"
                            "echo := input\n";

START_TEST(decisions_with_values)
{
    verdict_engine *e = verdict_new(NULL);
    ck_assert_int_eq(verdict_put_module(e, "authz.rego", POLICY, strlen(POLICY), NULL), VERDICT_OK);
    verdict_doc *d = verdict_doc_new();
    const verdict_value *k[] = {STR(d, "user"), STR(d, "roles")};
    const verdict_value *roles[] = {STR(d, "b"), STR(d, "a")};
    const verdict_value *v[] = {STR(d, "alice"), verdict_set(d, roles, 2)};
    const verdict_value *in = verdict_object(d, k, v, 2);

    ck_assert_int_eq(verdict_allow_value(e, "authz/allow", in), 1);
    const verdict_value *out = NULL;
    ck_assert_int_eq(verdict_eval_value(e, "authz/roles", in, d, &out, NULL), VERDICT_OK);
    check_json(out, "[\"a\",\"b\"]");
    ck_assert_int_eq(verdict_value_kind(out), VERDICT_ARRAY); /* decisions are JSON values */
    /* a set in the input stays a set for the policy */
    ck_assert_int_eq(verdict_eval_value(e, "data.authz.echo", in, d, &out, NULL), VERDICT_OK);
    check_json(out, "{\"roles\":[\"a\",\"b\"],\"user\":\"alice\"}");

    /* undefined, and no input at all */
    ck_assert_int_eq(verdict_eval_value(e, "authz/nothing", in, d, &out, NULL), VERDICT_UNDEFINED);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(verdict_allow_value(e, "authz/allow", NULL), 0);
    ck_assert_int_eq(verdict_eval_value(e, "authz/roles", in, NULL, &out, NULL), VERDICT_MISUSE);
    verdict_doc_free(d);
    verdict_free(e);
}
END_TEST

START_TEST(value_inputs_share_the_decision_cache)
{
    verdict_engine *e = verdict_new(NULL);
    ck_assert_int_eq(verdict_put_module(e, "authz.rego", POLICY, strlen(POLICY), NULL), VERDICT_OK);
    verdict_doc *d = verdict_doc_new();
    verdict_metrics m;

    /* JSON first: the value written as a value is the same decision */
    const char *json = "{\"user\": \"alice\", \"roles\": [\"x\"]}";
    ck_assert_int_eq(verdict_allow(e, "authz/allow", json, strlen(json)), 1);
    const verdict_value *k[] = {STR(d, "user"), STR(d, "roles")};
    const verdict_value *x[] = {STR(d, "x")};
    const verdict_value *as_array[] = {STR(d, "alice"), verdict_array(d, x, 1)};
    ck_assert_int_eq(verdict_allow_value(e, "authz/allow", verdict_object(d, k, as_array, 2)), 1);
    verdict_get_metrics(e, &m);
    ck_assert_uint_eq(m.cache_hits, 1);
    ck_assert_uint_eq(m.evaluations, 1);

    /* the same with a set where the array was is another input */
    const verdict_value *as_set[] = {STR(d, "alice"), verdict_set(d, x, 1)};
    const verdict_value *in_set = verdict_object(d, k, as_set, 2);
    const verdict_value *out = NULL;
    ck_assert_int_eq(verdict_eval_value(e, "authz/echo", in_set, d, &out, NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_eval_value(e, "authz/echo", in_set, d, &out, NULL), VERDICT_OK);
    check_json(out, "{\"roles\":[\"x\"],\"user\":\"alice\"}");
    verdict_get_metrics(e, &m);
    ck_assert_uint_eq(m.evaluations, 2);
    ck_assert_uint_eq(m.cache_hits, 2);

    /* a value-input decision never answers a request without input */
    ck_assert_int_eq(verdict_eval(e, "authz/echo", NULL, 0, NULL, NULL), VERDICT_UNDEFINED);

    /* a change of data is a miss */
    ck_assert_int_eq(verdict_put_data(e, "x", "1", 1, NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_eval_value(e, "authz/echo", in_set, d, &out, NULL), VERDICT_OK);
    verdict_get_metrics(e, &m);
    ck_assert_uint_eq(m.evaluations, 4);
    verdict_doc_free(d);
    verdict_free(e);
}
END_TEST

Suite *suite_values_api(void)
{
    Suite *s = suite_create("values_api");
    TCase *tc = tcase_create("values");
    tcase_add_test(tc, constructors_and_readers);
    tcase_add_test(tc, decisions_with_values);
    tcase_add_test(tc, value_inputs_share_the_decision_cache);
    suite_add_tcase(s, tc);
    return s;
}
