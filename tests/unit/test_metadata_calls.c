/* rego.metadata.rule() and rego.metadata.chain() through the engine: the
 * compiler replaces the calls in a rule with the rule's annotations (heads,
 * bodies, comprehensions, else links, the one-argument form), a call from a
 * query is a builtin error, annotations declared twice fail the compile, and
 * rego.parse_module ignores METADATA blocks as OPA does. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/verdict.h"

/* The value of `query` (first expression of the first row), "undefined", or
 * "error: <first message>". */
static char *eval_query(verdict_engine *e, const char *query, int strict)
{
    verdict_query_options o;
    memset(&o, 0, sizeof o);
    o.strict_builtin_errors = strict;
    verdict_result *r = NULL;
    verdict_errors *errs = NULL;
    char *out;
    if (verdict_query(e, query, &o, &r, &errs) != VERDICT_OK) {
        char buf[1024];
        snprintf(buf, sizeof buf, "error: %s", verdict_error_message(errs, 0));
        out = strdup(buf);
    } else if (verdict_result_count(r) == 0) {
        out = strdup("undefined");
    } else {
        out = verdict_result_expr_value(r, 0, 0, 0);
    }
    verdict_result_free(r);
    verdict_errors_free(errs);
    return out;
}

static verdict_engine *engine_with(const char *file, const char *src)
{
    verdict_engine *e = verdict_new(NULL);
    verdict_errors *errs = NULL;
    verdict_status st = verdict_put_module(e, file, src, strlen(src), &errs);
    ck_assert_msg(st == VERDICT_OK, "%s", errs ? verdict_error_message(errs, 0) : "?");
    return e;
}

#define CHECK_QUERY(e, q, strict, want)                                                            \
    do {                                                                                           \
        char *got_ = eval_query(e, q, strict);                                                     \
        ck_assert_msg(strcmp(got_, want) == 0, "%s: want %s, got %s", q, want, got_);              \
        free(got_);                                                                                \
    } while (0)

START_TEST(calls_in_rules_are_their_annotations)
{
    /* the one-argument form unifies the chain with its argument */
    const char *src = "# METADATA\n"
                      "# description: The test suite\n"
                      "package t\n"
                      "\n"
                      "# METADATA\n"
                      "# title: Allow\n"
                      "# custom:\n"
                      "#   severity: high\n"
                      "allow if rego.metadata.rule().custom.severity == \"high\"\n"
                      "\n"
                      "titles := [d | some c in rego.metadata.chain(); d := object.get(c, [\"annotations\", \"description\"], \"-\")]\n"
                      "\n"
                      "# METADATA\n"
                      "# title: Chained\n"
                      "chained if {\n"
                      "    rego.metadata.chain(c)\n"
                      "    c[0].annotations.title == \"Chained\"\n"
                      "}\n"
                      "\n"
                      "plain := rego.metadata.rule()\n";
    verdict_engine *e = engine_with("t.rego", src);
    CHECK_QUERY(e, "data.t.allow", 0, "true");
    CHECK_QUERY(e, "data.t.titles", 0, "[\"-\",\"The test suite\"]");
    CHECK_QUERY(e, "data.t.chained", 0, "true");
    CHECK_QUERY(e, "data.t.plain", 0, "{}");
    CHECK_QUERY(e, "data.t.allow == data.t.chained", 0, "true");
    verdict_free(e);
}
END_TEST

START_TEST(else_links_have_no_rule_annotations)
{
    const char *src = "package t\n"
                      "\n"
                      "# METADATA\n"
                      "# title: First\n"
                      "v := rego.metadata.rule() if {\n"
                      "    input.x\n"
                      "} else := rego.metadata.chain()\n";
    verdict_engine *e = engine_with("t.rego", src);
    CHECK_QUERY(e, "data.t.v", 0, "[{\"path\":[\"t\",\"v\"]}]");
    CHECK_QUERY(e, "data.t.v with input.x as true", 0, "{\"scope\":\"rule\",\"title\":\"First\"}");
    verdict_free(e);
}
END_TEST

START_TEST(calls_from_queries_are_builtin_errors)
{
    verdict_engine *e = verdict_new(NULL);
    CHECK_QUERY(e, "rego.metadata.chain()", 0, "undefined");
    CHECK_QUERY(e, "rego.metadata.chain()", 1,
                "error: rego.metadata.chain: the rego.metadata.chain function must only be called within the "
                "scope of a rule");
    CHECK_QUERY(e, "rego.metadata.rule()", 1,
                "error: rego.metadata.rule: the rego.metadata.rule function must only be called within the "
                "scope of a rule");
    verdict_free(e);
}
END_TEST

START_TEST(redeclared_annotations_fail_the_compile)
{
    verdict_engine *e = verdict_new(NULL);
    const char *a = "# METADATA\n# title: one\npackage t\n";
    const char *b = "# METADATA\n# title: two\npackage t\n";
    ck_assert_int_eq(verdict_put_module(e, "a.rego", a, strlen(a), NULL), VERDICT_OK);
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_put_module(e, "b.rego", b, strlen(b), &errs), VERDICT_ERROR);
    ck_assert_ptr_nonnull(strstr(verdict_error_message(errs, 0), "package annotation redeclared"));
    verdict_errors_free(errs);
    /* the failed change left the first module active */
    CHECK_QUERY(e, "data.t", 0, "{}");
    verdict_free(e);
}
END_TEST

START_TEST(parse_module_ignores_metadata)
{
    verdict_engine *e = verdict_new(NULL);
    /* a scope that fits no statement would fail a compile; here it is a comment */
    CHECK_QUERY(e, "rego.parse_module(\"a.rego\", \"package a\\n# METADATA\\n# scope: bogus\\np := 1\\n\").rules[0].head.name",
                1, "\"p\"");
    verdict_free(e);
}
END_TEST

Suite *suite_metadata_calls(void)
{
    Suite *s = suite_create("metadata_calls");
    TCase *tc = tcase_create("rego.metadata");
    tcase_add_test(tc, calls_in_rules_are_their_annotations);
    tcase_add_test(tc, else_links_have_no_rule_annotations);
    tcase_add_test(tc, calls_from_queries_are_builtin_errors);
    tcase_add_test(tc, redeclared_annotations_fail_the_compile);
    tcase_add_test(tc, parse_module_ignores_metadata);
    suite_add_tcase(s, tc);
    return s;
}
