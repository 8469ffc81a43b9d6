/* Unit tests for verdict_options.capabilities: an OPA capabilities document
 * restricts the builtins policies and queries may call, and its features
 * and future keywords what the parser accepts (rego/caps.h).  Messages are
 * OPA's (v1/ast/compile.go checkUndefinedFuncs, v1/ast/parser.go). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/verdict.h"

/* count and is_foo (declared here, implemented nowhere), equal for `==`,
 * eq for `=` and `:=`. */
static const char *const small_caps =
    "{\"builtins\": ["
    "{\"name\": \"eq\", \"decl\": {\"type\": \"function\", \"args\": [{\"type\": \"any\"}, {\"type\": \"any\"}], "
    "\"result\": {\"type\": \"boolean\"}}, \"infix\": \"=\"},"
    "{\"name\": \"count\", \"decl\": {\"type\": \"function\", \"args\": [{\"type\": \"any\"}], "
    "\"result\": {\"type\": \"number\"}}},"
    "{\"name\": \"equal\", \"decl\": {\"type\": \"function\", \"args\": [{\"type\": \"any\"}, {\"type\": \"any\"}], "
    "\"result\": {\"type\": \"boolean\"}}, \"infix\": \"==\"},"
    "{\"name\": \"is_foo\", \"decl\": {\"type\": \"function\", \"args\": [{\"type\": \"string\"}], "
    "\"result\": {\"type\": \"boolean\"}}}"
    "], \"features\": [\"rego_v1\"]}";

static verdict_engine *engine_with(const char *caps, int v0)
{
    verdict_options o = {0};
    o.capabilities = caps;
    o.v0_compatible = v0;
    verdict_engine *e = verdict_new(&o);
    ck_assert_ptr_nonnull(e);
    return e;
}

/* "ok" or the first error as "file:row: code: message" (caller frees). */
static char *put(verdict_engine *e, const char *module)
{
    verdict_errors *errs = NULL;
    if (verdict_put_module(e, "t.rego", module, strlen(module), &errs) == VERDICT_OK)
        return strdup("ok");
    char *s = verdict_error_string(errs, 0);
    verdict_errors_free(errs);
    return s;
}

/* The result JSON of a query, or "file:row: code: message" of its error. */
static char *query(verdict_engine *e, const char *q)
{
    verdict_errors *errs = NULL;
    verdict_result *r = NULL;
    char *out;
    if (verdict_query(e, q, NULL, &r, &errs) == VERDICT_OK)
        out = verdict_result_json(r, 0);
    else
        out = verdict_error_string(errs, 0);
    verdict_result_free(r);
    verdict_errors_free(errs);
    return out;
}

#define CHECK_STR(expr, want)                                                                      \
    do {                                                                                           \
        char *got_ = (expr);                                                                       \
        ck_assert_msg(got_ && strstr(got_, want) != NULL, "want ...%s..., got %s", want,          \
                      got_ ? got_ : "(null)");                                                    \
        free(got_);                                                                                \
    } while (0)

START_TEST(unlisted_builtins_are_undefined)
{
    verdict_engine *e = engine_with(small_caps, 0);
    CHECK_STR(put(e, "package p\n\nn := count([1, 2])\n"), "ok");
    CHECK_STR(put(e, "package p\n\nq if {\n\tupper(\"a\") == \"A\"\n}\n"),
              "t.rego:4: rego_type_error: undefined function upper");
    /* the module that failed is not active; the first one is */
    CHECK_STR(query(e, "data.p.n"), "\"value\":2");
    /* queries are compiled under the same capabilities */
    CHECK_STR(query(e, "x := sum([1])"), "1:6: rego_type_error: undefined function sum");
    CHECK_STR(query(e, "x := count([1])"), "\"x\":1");
    /* operators are builtins too: `+` is plus */
    CHECK_STR(query(e, "x := 1 + 2"), "rego_type_error: undefined function plus");
    verdict_free(e);
    /* without eq, `=` and `:=` are undefined too (OPA's compiler sees eq calls) */
    e = engine_with("{\"builtins\": [], \"features\": [\"rego_v1\"]}", 0);
    CHECK_STR(query(e, "x := 1"), "1:1: rego_type_error: undefined function eq");
    CHECK_STR(query(e, "true"), "\"value\":true");
    verdict_free(e);
    e = engine_with(small_caps, 0);
    /* print() becomes internal.print(), which the document does not list */
    CHECK_STR(put(e, "package p\n\nq if {\n\tprint(1)\n}\n"),
              "t.rego:4: rego_type_error: undefined function internal.print");
    verdict_free(e);
    /* without a document everything is there */
    e = verdict_new(NULL);
    CHECK_STR(query(e, "x := sum([1])"), "\"x\":1");
    verdict_free(e);
}
END_TEST

/* A builtin the document declares and Verdict does not implement compiles
 * (with the document's arity); evaluating it is OPA's "unsupported built-in". */
START_TEST(declared_but_not_implemented)
{
    verdict_engine *e = engine_with(small_caps, 0);
    CHECK_STR(put(e, "package p\n\nq if is_foo(\"bar\")\n\nr := 1\n"), "ok");
    CHECK_STR(query(e, "data.p.r"), "\"value\":1");
    CHECK_STR(query(e, "data.p.q"), "t.rego:3: eval_internal_error: unsupported built-in");
    /* one more argument is the output; two more are too many */
    CHECK_STR(put(e, "package p\n\nq if is_foo(\"bar\", true)\n"), "ok");
    CHECK_STR(put(e, "package p\n\nq if is_foo(\"bar\", 1, 2)\n"), "t.rego:3: rego_type_error: is_foo:");
    verdict_free(e);
}
END_TEST

/* Verdict's own document allows everything Verdict implements. */
START_TEST(own_document_round_trip)
{
    char *caps = verdict_capabilities_json(0);
    verdict_engine *e = engine_with(caps, 0);
    free(caps);
    CHECK_STR(put(e, "package p\n\nq := x if {\n\tx := upper(concat(\",\", [\"a\", \"b\"]))\n\tprint(x)\n}\n"), "ok");
    CHECK_STR(query(e, "data.p.q"), "\"value\":\"A,B\"");
    CHECK_STR(query(e, "x := {k | some k in [1, 2]}"), "\"x\":[1,2]");
    verdict_free(e);
}
END_TEST

/* Deprecated builtins are the document's: `"deprecated": true`. */
START_TEST(deprecated_from_document)
{
    const char *caps = "{\"builtins\": [{\"name\": \"any\", \"decl\": {\"type\": \"function\", \"args\": "
                       "[{\"type\": \"any\"}], \"result\": {\"type\": \"boolean\"}}, \"deprecated\": true}], "
                       "\"features\": [\"rego_v1\"]}";
    verdict_engine *e = engine_with(caps, 0);
    CHECK_STR(put(e, "package p\n\nq if any([true])\n"),
              "t.rego:3: rego_type_error: deprecated built-in function calls in expression: any");
    verdict_free(e);
    e = engine_with(caps, 1);
    CHECK_STR(put(e, "package p\n\nq { any([true]) }\n"), "ok");
    verdict_free(e);
}
END_TEST

/* Features and future keywords, as OPA's parser checks them. */
START_TEST(features_and_keywords)
{
    /* Rego v1 needs the rego_v1 feature */
    verdict_engine *e = engine_with("{\"builtins\": []}", 0);
    CHECK_STR(put(e, "package p\n\nq := 1\n"),
              "rego_parse_error: illegal capabilities: rego_v1 feature required for parsing v1 Rego");
    verdict_free(e);
    /* Rego v0: `import rego.v1` needs rego_v1_import or rego_v1 */
    e = engine_with("{\"builtins\": []}", 1);
    CHECK_STR(put(e, "package p\n\nq := 1\n"), "ok");
    CHECK_STR(put(e, "package p\n\nimport rego.v1\n"),
              "t.rego:3: rego_parse_error: invalid import, `rego.v1` is not supported by current capabilities");
    verdict_free(e);
    e = engine_with("{\"builtins\": [], \"features\": [\"rego_v1_import\"]}", 1);
    CHECK_STR(put(e, "package p\n\nimport rego.v1\n\nq := 1\n"), "ok");
    verdict_free(e);
    /* Rego v0: only the listed future keywords (all with rego_v1) */
    e = engine_with("{\"builtins\": [], \"future_keywords\": [\"in\"]}", 1);
    CHECK_STR(put(e, "package p\n\nimport future.keywords.if\n"),
              "t.rego:3: rego_parse_error: unexpected keyword, must be one of [in]");
    CHECK_STR(put(e, "package p\n\nimport future.keywords.in\n\nq { true }\n"), "ok");
    verdict_free(e);
    e = engine_with("{\"builtins\": [], \"future_keywords\": [\"in\"], \"features\": [\"rego_v1\"]}", 1);
    CHECK_STR(put(e, "package p\n\nimport future.keywords.if\n\nq if { true }\n"), "ok");
    verdict_free(e);
    e = engine_with("{\"builtins\": [], \"future_keywords\": [\"deadbeef\"], \"features\": [\"rego_v1\"]}", 0);
    CHECK_STR(put(e, "package p\n"), "rego_parse_error: illegal capabilities: unknown keyword: deadbeef");
    verdict_free(e);
}
END_TEST

/* A document that does not read: verdict_new refuses it, verdict_new_checked
 * says why; nothing leaks either way. */
START_TEST(bad_documents)
{
    static const struct {
        const char *doc, *why;
    } cases[] = {
        {"{\"builtins\": [", "capabilities: line 1, column 15"},
        {"[]", "the document must be an object, got array"},
        {"{\"builtins\": {}}", "\"builtins\" must be an array, got object"},
        {"{\"builtins\": [{\"decl\": {}}]}", "builtins[0] must be an object with a \"name\" string"},
        {"{\"features\": [1]}", "features[0] must be a string"},
        {"{\"future_keywords\": [null]}", "future_keywords[0] must be a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        verdict_options o = {0};
        o.capabilities = cases[i].doc;
        ck_assert_ptr_null(verdict_new(&o));
        verdict_engine *e = NULL;
        verdict_errors *errs = NULL;
        ck_assert_int_eq(verdict_new_checked(&o, &e, &errs), VERDICT_ERROR);
        ck_assert_ptr_null(e);
        ck_assert_str_eq(verdict_error_code(errs, 0), "capabilities_error");
        ck_assert_msg(strstr(verdict_error_message(errs, 0), cases[i].why) != NULL, "%s: %s", cases[i].doc,
                      verdict_error_message(errs, 0));
        verdict_errors_free(errs);
    }
    /* null lists are empty ones, as Go's decoder leaves them */
    verdict_options o = {0};
    o.capabilities = "{\"builtins\": null, \"features\": [\"rego_v1\", \"some_future_feature\"]}";
    verdict_engine *e = NULL;
    ck_assert_int_eq(verdict_new_checked(&o, &e, NULL), VERDICT_OK);
    CHECK_STR(put(e, "package p\n\nq := count([])\n"), "undefined function count");
    verdict_free(e);
    ck_assert_int_eq(verdict_new_checked(&o, NULL, NULL), VERDICT_MISUSE);
}
END_TEST

Suite *suite_capabilities(void);

Suite *suite_capabilities(void)
{
    Suite *s = suite_create("capabilities");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, unlisted_builtins_are_undefined);
    tcase_add_test(tc, declared_but_not_implemented);
    tcase_add_test(tc, own_document_round_trip);
    tcase_add_test(tc, deprecated_from_document);
    tcase_add_test(tc, features_and_keywords);
    tcase_add_test(tc, bad_documents);
    suite_add_tcase(s, tc);
    return s;
}
