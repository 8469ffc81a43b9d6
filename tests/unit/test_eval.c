/* Unit tests for the compiler and the VM, through the public API:
 * language constructs, errors with their codes and locations, limits. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/verdict.h"

/* Compile `module` (may be NULL) with `data` (JSON, may be NULL), run
 * `query` with `input` (JSON, may be NULL); return the compact result JSON,
 * or "error: <code>: <message>" (caller frees). */
static char *run_opts(const char *module, const char *data, const char *input, const char *query,
                      const verdict_options *opts, int strict)
{
    verdict_engine *e = verdict_new(opts);
    verdict_errors *errs = NULL;
    char *out = NULL;
    if (module && verdict_add_module(e, "test.rego", module, strlen(module), &errs) != VERDICT_OK)
        goto fail;
    if (data && verdict_add_data_json(e, "", data, strlen(data), "data.json", &errs) != VERDICT_OK)
        goto fail;
    if (verdict_commit(e, &errs) != VERDICT_OK)
        goto fail;
    verdict_query_options qo = {0};
    qo.input = input;
    qo.input_len = input ? strlen(input) : 0;
    qo.strict_builtin_errors = strict;
    verdict_result *r = NULL;
    if (verdict_query(e, query, &qo, &r, &errs) != VERDICT_OK)
        goto fail;
    out = verdict_result_json(r, 0);
    verdict_result_free(r);
    verdict_free(e);
    return out;
fail: {
    char *s = verdict_error_string(errs, 0);
    size_t n = strlen(s) + 16;
    out = malloc(n);
    snprintf(out, n, "error: %s", s);
    free(s);
    verdict_errors_free(errs);
    verdict_free(e);
    return out;
}
}

static char *run(const char *module, const char *data, const char *input, const char *query)
{
    return run_opts(module, data, input, query, NULL, 0);
}

/* The value of the single expression of the first result row, or
 * "undefined", or the error. */
static char *value_of(const char *module, const char *data, const char *input, const char *query)
{
    char *json = run(module, data, input, query);
    if (strncmp(json, "error:", 6) == 0)
        return json;
    if (strcmp(json, "{}") == 0) {
        free(json);
        return strdup("undefined");
    }
    const char *v = strstr(json, "\"value\":");
    const char *t = strstr(json, ",\"text\":");
    char *out = strndup(v + 8, (size_t)(t - v - 8));
    free(json);
    return out;
}

#define CHECK_VALUE(mod, data, input, query, want)                                                 \
    do {                                                                                           \
        char *got_ = value_of(mod, data, input, query);                                            \
        ck_assert_msg(strcmp(got_, want) == 0, "%s: want %s, got %s", query, want, got_);          \
        free(got_);                                                                                \
    } while (0)

#define CHECK_ERROR(mod, data, input, query, want_prefix)                                          \
    do {                                                                                           \
        char *got_ = run(mod, data, input, query);                                                 \
        ck_assert_msg(strncmp(got_, want_prefix, strlen(want_prefix)) == 0, "%s: want %s..., got %s", \
                      query, want_prefix, got_);                                                   \
        free(got_);                                                                                \
    } while (0)

START_TEST(complete_rules_and_defaults)
{
    const char *m = "package t\n"
                    "default allow := false\n"
                    "allow if input.user == \"alice\"\n"
                    "x := 1 + 2\n"
                    "y := [a | some a in [3, 1, 2]; a > 1]\n";
    CHECK_VALUE(m, NULL, "{\"user\":\"alice\"}", "data.t.allow", "true");
    CHECK_VALUE(m, NULL, "{\"user\":\"bob\"}", "data.t.allow", "false");
    CHECK_VALUE(m, NULL, NULL, "data.t.allow", "false");
    CHECK_VALUE(m, NULL, NULL, "data.t.x", "3");
    CHECK_VALUE(m, NULL, NULL, "data.t.y", "[3,2]");
}
END_TEST

START_TEST(partial_sets_and_objects)
{
    const char *m = "package t\n"
                    "s contains x if { some x in input.xs; x > 1 }\n"
                    "o[k] := v if { some k, v in input.obj; v != 0 }\n"
                    "a.b[c].d := c if some c in [\"x\", \"y\"]\n";
    const char *in = "{\"xs\":[3,1,2,3],\"obj\":{\"a\":1,\"b\":0}}";
    CHECK_VALUE(m, NULL, in, "data.t.s", "[2,3]");
    CHECK_VALUE(m, NULL, in, "data.t.o", "{\"a\":1}");
    CHECK_VALUE(m, NULL, in, "data.t.a", "{\"b\":{\"x\":{\"d\":\"x\"},\"y\":{\"d\":\"y\"}}}");
    CHECK_VALUE(m, NULL, in, "data.t.s[3]", "3");
    CHECK_VALUE(m, NULL, in, "data.t.s[1]", "undefined");
}
END_TEST

START_TEST(functions_else_negation_every)
{
    const char *m = "package t\n"
                    "f(x) := x * 2\n"
                    "g(1) := \"one\"\n"
                    "g(x) := \"other\" if x != 1\n"
                    "h(x) := \"big\" if x > 10 else := \"small\"\n"
                    "none_neg if not any_neg\n"
                    "any_neg if { some x in input.xs; x < 0 }\n"
                    "all_pos if every x in input.xs { x > 0 }\n";
    const char *in = "{\"xs\":[1,2,3]}";
    CHECK_VALUE(m, NULL, in, "data.t.f(4)", "8");
    CHECK_VALUE(m, NULL, in, "data.t.g(1)", "\"one\"");
    CHECK_VALUE(m, NULL, in, "data.t.g(5)", "\"other\"");
    CHECK_VALUE(m, NULL, in, "data.t.h(50)", "\"big\"");
    CHECK_VALUE(m, NULL, in, "data.t.h(5)", "\"small\"");
    CHECK_VALUE(m, NULL, in, "data.t.none_neg", "true");
    CHECK_VALUE(m, NULL, in, "data.t.all_pos", "true");
    CHECK_VALUE(m, NULL, "{\"xs\":[1,-2]}", "data.t.all_pos", "undefined");
}
END_TEST

START_TEST(with_overrides)
{
    const char *m = "package t\n"
                    "p if input.x == 1\n"
                    "q := data.d.v\n"
                    "c := count([1, 2, 3])\n"
                    "r if { p with input.x as 1 }\n"
                    "s := y if { y := q with data.d.v as 42 }\n"
                    "m := y if { y := c with count as 7 }\n";
    CHECK_VALUE(m, "{\"d\":{\"v\":1}}", NULL, "data.t.r", "true");
    CHECK_VALUE(m, "{\"d\":{\"v\":1}}", NULL, "data.t.s", "42");
    CHECK_VALUE(m, "{\"d\":{\"v\":1}}", NULL, "data.t.q", "1");
    CHECK_VALUE(m, "{\"d\":{\"v\":1}}", NULL, "data.t.m", "7");
}
END_TEST

START_TEST(virtual_documents)
{
    const char *m = "package a.b\n"
                    "p := 1\n"
                    "q contains 2\n";
    CHECK_VALUE(m, "{\"a\":{\"c\":3}}", NULL, "data.a", "{\"b\":{\"p\":1,\"q\":[2]},\"c\":3}");
    CHECK_VALUE(m, "{\"a\":{\"c\":3}}", NULL, "data.a[k]", "{\"p\":1,\"q\":[2]}");
}
END_TEST

START_TEST(bindings_and_query_values)
{
    char *got = run(NULL, NULL, NULL, "x := [1, 2][_]");
    ck_assert_str_eq(got, "{\"result\":[{\"expressions\":[{\"value\":true,\"text\":\"x := [1, 2][_]\","
                          "\"location\":{\"row\":1,\"col\":1}}],\"bindings\":{\"x\":1}},"
                          "{\"expressions\":[{\"value\":true,\"text\":\"x := [1, 2][_]\","
                          "\"location\":{\"row\":1,\"col\":1}}],\"bindings\":{\"x\":2}}]}");
    free(got);
    CHECK_VALUE(NULL, NULL, NULL, "1 > 2", "false"); /* a single expression reports false */
    got = run(NULL, NULL, NULL, "x := 1; x > 2");
    ck_assert_str_eq(got, "{}");
    free(got);
}
END_TEST

START_TEST(errors_with_codes_and_locations)
{
    CHECK_ERROR("package t\np := x if { y := 1 }\n", NULL, NULL, "data.t.p",
                "error: test.rego:2: rego_unsafe_var_error: var x is unsafe");
    CHECK_ERROR("package t\np if q\nq if p\n", NULL, NULL, "data.t.p",
                "error: test.rego:2: rego_recursion_error: rule data.t.p is recursive");
    CHECK_ERROR("package t\np := x if some x in [1, 2]\n", NULL, NULL, "data.t.p",
                "error: test.rego:2: eval_conflict_error: complete rules must not produce multiple outputs");
    CHECK_ERROR("package t\no[k] := v if { some v in [1, 2]; k := \"a\" }\n", NULL, NULL, "data.t.o",
                "error: test.rego:2: eval_conflict_error: object keys must be unique");
    CHECK_ERROR("package t\np := count(1, 2, 3)\n", NULL, NULL, "data.t.p", "error: test.rego:2: rego_type_error");
    CHECK_ERROR("package t\np := 1 +\n", NULL, NULL, "data.t.p", "error: test.rego:");
    CHECK_VALUE("package t\np := 1 / 0\n", NULL, NULL, "data.t.p", "undefined");
    char *got = run_opts("package t\np := 1 / 0\n", NULL, NULL, "data.t.p", NULL, 1);
    ck_assert_str_eq(got, "error: test.rego:2: eval_builtin_error: div: divide by zero");
    free(got);
}
END_TEST

START_TEST(limits_stop_runaway_policies)
{
    const char *m = "package t\n"
                    "p if { some i in numbers.range(1, 2000); some j in numbers.range(1, 2000); i + j < 0 }\n";
    verdict_options o = {0};
    o.instruction_limit = 100000;
    char *got = run_opts(m, NULL, NULL, "data.t.p", &o, 0);
    ck_assert_msg(strstr(got, "eval_cancel_error") && strstr(got, "instruction limit"), "%s", got);
    free(got);
    memset(&o, 0, sizeof o);
    o.memory_limit = 1 << 20;
    got = run_opts("package t\np := count([x | some x in numbers.range(1, 1000000)])\n", NULL, NULL, "data.t.p", &o,
                   0);
    ck_assert_msg(strstr(got, "eval_cancel_error") && strstr(got, "memory limit"), "%s", got);
    free(got);
    memset(&o, 0, sizeof o);
    o.timeout_ns = 20 * 1000 * 1000;
    got = run_opts(m, NULL, NULL, "data.t.p", &o, 0);
    ck_assert_msg(strstr(got, "eval_cancel_error") && strstr(got, "timed out"), "%s", got);
    free(got);
    /* the same engine still answers after a limit stopped an evaluation */
    verdict_engine *e = verdict_new(&o);
    const char *small = "package t\nq := 1\n";
    ck_assert_int_eq(verdict_add_module(e, "a.rego", m, strlen(m), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_add_module(e, "b.rego", small, strlen(small), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_commit(e, NULL), VERDICT_OK);
    char *res = NULL;
    ck_assert_int_eq(verdict_eval(e, "t/p", NULL, 0, &res, NULL), VERDICT_ERROR);
    ck_assert_int_eq(verdict_eval(e, "t/q", NULL, 0, &res, NULL), VERDICT_OK);
    ck_assert_str_eq(res, "1");
    free(res);
    verdict_free(e);
}
END_TEST

START_TEST(failed_commit_keeps_previous_policy)
{
    verdict_engine *e = verdict_new(NULL);
    const char *good = "package t\nallow := true\n", *bad = "package t\nallow := x\n";
    ck_assert_int_eq(verdict_add_module(e, "p.rego", good, strlen(good), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_commit(e, NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "t/allow", NULL, 0), 1);
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_add_module(e, "p.rego", bad, strlen(bad), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_commit(e, &errs), VERDICT_ERROR);
    ck_assert_str_eq(verdict_error_code(errs, 0), "rego_unsafe_var_error");
    verdict_errors_free(errs);
    ck_assert_int_eq(verdict_allow(e, "t/allow", NULL, 0), 1);
    verdict_free(e);
}
END_TEST

typedef struct race {
    verdict_engine *e;
    int stop;
    int bad;
} race;

static void *evaluate_loop(void *p)
{
    race *r = p;
    while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
        char *res = NULL;
        if (verdict_eval(r->e, "t/v", NULL, 0, &res, NULL) != VERDICT_OK ||
            (strcmp(res, "1") != 0 && strcmp(res, "2") != 0))
            __atomic_add_fetch(&r->bad, 1, __ATOMIC_SEQ_CST);
        free(res);
    }
    return NULL;
}

START_TEST(evaluations_race_with_commits)
{
    race r = {verdict_new(NULL), 0, 0};
    const char *v1 = "package t\nv := 1\n", *v2 = "package t\nv := 2\n";
    verdict_add_module(r.e, "v.rego", v1, strlen(v1), NULL);
    verdict_commit(r.e, NULL);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, evaluate_loop, &r);
    for (int i = 0; i < 200; i++) {
        const char *v = i % 2 ? v1 : v2;
        verdict_add_module(r.e, "v.rego", v, strlen(v), NULL);
        verdict_commit(r.e, NULL);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(r.bad, 0);
    verdict_free(r.e);
}
END_TEST

Suite *suite_eval(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("language");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, complete_rules_and_defaults);
    tcase_add_test(tc, partial_sets_and_objects);
    tcase_add_test(tc, functions_else_negation_every);
    tcase_add_test(tc, with_overrides);
    tcase_add_test(tc, virtual_documents);
    tcase_add_test(tc, bindings_and_query_values);
    tcase_add_test(tc, errors_with_codes_and_locations);
    tcase_add_test(tc, limits_stop_runaway_policies);
    tcase_add_test(tc, failed_commit_keeps_previous_policy);
    tcase_add_test(tc, evaluations_race_with_commits);
    suite_add_tcase(s, tc);
    return s;
}
