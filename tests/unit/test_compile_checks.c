/* Unit tests for the checks of OPA's early compiler stages (rego/strict.c)
 * and for what a failed compile reports: only the earliest stage's errors,
 * in order, cut at the error limit (verdict_options.strict, .max_errors).
 * Messages and locations are OPA's (v1/ast/compile.go, rego_v1.go). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/verdict.h"

/* Stage the modules (name, text, name, text, ..., NULL) in an engine made
 * with o and commit: "ok", or every error as "file:row: code: message"
 * lines (caller frees). */
static char *compile_with(const verdict_options *o, const char *const *mods)
{
    verdict_engine *e = verdict_new(o);
    ck_assert_ptr_nonnull(e);
    verdict_errors *errs = NULL;
    verdict_status st = VERDICT_OK;
    for (int i = 0; mods[i] && st == VERDICT_OK; i += 2)
        st = verdict_add_module(e, mods[i], mods[i + 1], strlen(mods[i + 1]), &errs);
    if (st == VERDICT_OK)
        st = verdict_commit(e, &errs);
    char *out;
    if (st == VERDICT_OK) {
        out = strdup("ok");
    } else {
        size_t cap = 64;
        for (size_t i = 0; i < verdict_errors_count(errs); i++)
            cap += strlen(verdict_error_message(errs, i)) + strlen(verdict_error_file(errs, i)) + 64;
        out = calloc(1, cap);
        for (size_t i = 0; i < verdict_errors_count(errs); i++) {
            char *s = verdict_error_string(errs, i);
            if (i)
                strcat(out, "\n");
            strcat(out, s);
            free(s);
        }
    }
    verdict_errors_free(errs);
    verdict_free(e);
    return out;
}

static char *compile1(const verdict_options *o, const char *module)
{
    const char *mods[] = {"t.rego", module, NULL};
    return compile_with(o, mods);
}

#define CHECK_COMPILE(opts, module, want)                                                          \
    do {                                                                                           \
        char *got_ = compile1(opts, module);                                                       \
        ck_assert_msg(strcmp(got_, want) == 0, "want:\n%s\ngot:\n%s", want, got_);               \
        free(got_);                                                                                \
    } while (0)

static const verdict_options strict = {.strict = 1};
static const verdict_options v0 = {.v0_compatible = 1};
static const verdict_options v0_strict = {.v0_compatible = 1, .strict = 1};

/* Rego v1 modules always have OPA's duplicate-import, input/data and
 * deprecated-builtin checks; v0 modules only in strict mode. */
START_TEST(v1_checks_always_on)
{
    const char *dup = "package p\n\nimport data.foo\nimport data.bar as foo\n\nx := foo\n";
    CHECK_COMPILE(NULL, dup, "t.rego:4: rego_compile_error: import must not shadow import data.foo");
    CHECK_COMPILE(&v0, dup, "ok");
    CHECK_COMPILE(&v0_strict, dup, "t.rego:4: rego_compile_error: import must not shadow import data.foo");

    CHECK_COMPILE(NULL, "package p\n\ninput := 1 if {\n\t1 == 2\n}\n",
                  "t.rego:3: rego_compile_error: rules must not shadow input (use a different rule name)");
    CHECK_COMPILE(NULL, "package p\n\nq := 1 if {\n\tdata := 2\n}\n",
                  "t.rego:4: rego_compile_error: variables must not shadow data (use a different variable name)");
    CHECK_COMPILE(&v0, "package p\n\nq := 1 { input := 2 }\n", "ok");

    CHECK_COMPILE(NULL, "package p\n\nq if any([true])\n",
                  "t.rego:3: rego_type_error: deprecated built-in function calls in expression: any");
    CHECK_COMPILE(NULL, "package p\n\nq := x if {\n\tx := cast_string(1)\n}\n",
                  "t.rego:4: rego_type_error: deprecated built-in function calls in expression: cast_string");
    CHECK_COMPILE(&v0, "package p\n\nq { any([true]) }\n", "ok");
    CHECK_COMPILE(&v0_strict, "package p\n\nq { any([true]) }\n",
                  "t.rego:3: rego_type_error: deprecated built-in function calls in expression: any");
    /* a v0 module importing rego.v1 is checked as v1 */
    CHECK_COMPILE(&v0, "package p\n\nimport rego.v1\n\nq if any([true])\n",
                  "t.rego:5: rego_type_error: deprecated built-in function calls in expression: any");
}
END_TEST

/* Local variables (OPA's rewriteLocalVars): redeclarations, and `some`
 * variables never used, in every mode. */
START_TEST(local_declarations)
{
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tsome x\n\ttrue\n}\n",
                  "t.rego:4: rego_compile_error: declared var x unused");
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tsome x\n\tx = 1\n}\n", "ok");
    /* in the head counts as used (OPA then finds it unsafe) */
    char *got = compile1(NULL, "package p\n\nq contains x if {\n\tsome x\n\tx == 1\n}\n");
    ck_assert_msg(strstr(got, "t.rego:5: rego_unsafe_var_error: var x is unsafe") && !strstr(got, "unused"), "%s", got);
    free(got);
    /* every's variables: reported at the body's first expression */
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tevery x in [] {\n\t\tfalse\n\t}\n}\n",
                  "t.rego:5: rego_compile_error: declared var x unused");
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tevery x in [1] {\n\t\tx > 0\n\t}\n}\n", "ok");
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tdata.q[x]\n\tsome x\n}\n",
                  "t.rego:5: rego_compile_error: var x referenced above");
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tsome x\n\tsome x\n\tx = 1\n}\n",
                  "t.rego:5: rego_compile_error: var x declared above");
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tx := 1\n\tsome x\n\tx = 1\n}\n",
                  "t.rego:5: rego_compile_error: var x assigned above");
    CHECK_COMPILE(NULL, "package p\n\nf([a]) if {\n\tsome a\n\ta = 1\n}\n",
                  "t.rego:4: rego_compile_error: arg a redeclared");
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tx := 1\n\tx := 2\n}\n",
                  "t.rego:5: rego_compile_error: var x assigned above");
    /* a comprehension has a scope of its own */
    CHECK_COMPILE(NULL, "package p\n\nq := y if {\n\tx := 1\n\ty := [x | x := 2]\n\tx == 1\n}\n", "ok");
    CHECK_COMPILE(NULL, "package p\n\nq := [1 | some x; true]\n",
                  "t.rego:3: rego_compile_error: declared var x unused");
    /* function arguments named input or data, in any mode */
    CHECK_COMPILE(&v0, "package p\n\nf(input) = 1\n",
                  "t.rego:3: rego_compile_error: args must not shadow input (use a different variable name)");
}
END_TEST

/* Strict mode: unused imports, assignments and function arguments. */
START_TEST(strict_unused)
{
    const char *imports = "package p\n\nimport data.used\nimport data.unused\nimport input.x as y\n"
                          "import rego.v1\n\nq if used.a\n";
    CHECK_COMPILE(NULL, imports, "ok");
    CHECK_COMPILE(&strict, imports,
                  "t.rego:4: rego_compile_error: import data.unused unused\n"
                  "t.rego:5: rego_compile_error: import input.x as y unused");
    /* a local of the same name is not the import; heads, with and calls are uses */
    CHECK_COMPILE(&strict, "package p\n\nimport data.a\n\nq if {\n\ta := 1\n\ta == 1\n}\n",
                  "t.rego:3: rego_compile_error: import data.a unused");
    CHECK_COMPILE(&strict, "package p\n\nimport data.a\nimport data.b\nimport data.p as lib\n\n"
                           "q := a\n\nf(x) := x\n\nr if lib.f(1) with input as b\n",
                  "ok");

    const char *assigned = "package p\n\nq if {\n\tx := 1\n\ty := 2\n\ty > 1\n}\n";
    CHECK_COMPILE(NULL, assigned, "ok");
    CHECK_COMPILE(&strict, assigned, "t.rego:4: rego_compile_error: assigned var x unused");
    /* used by the head, by a nested comprehension, or not at all in a comprehension */
    CHECK_COMPILE(&strict, "package p\n\nq := x if {\n\tx := 1\n}\n", "ok");
    CHECK_COMPILE(&strict, "package p\n\nq if {\n\tx := 1\n\tcount([y | y := x]) == 1\n}\n", "ok");
    CHECK_COMPILE(&strict, "package p\n\nq := [1 | x := 2]\n",
                  "t.rego:3: rego_compile_error: assigned var x unused");
    CHECK_COMPILE(&strict, "package p\n\nq := {k: 1 | some k in [1]; v := 2}\n",
                  "t.rego:3: rego_compile_error: assigned var v unused");

    const char *args = "package p\n\nf(x, y) := 1 if {\n\ty > 0\n}\n\ng(a, _) := a\n";
    CHECK_COMPILE(NULL, args, "ok");
    CHECK_COMPILE(&strict, args,
                  "t.rego:3: rego_compile_error: unused argument x. (hint: use _ (wildcard variable) instead)");
    /* used in any branch of an else chain */
    CHECK_COMPILE(&strict, "package p\n\nf(x) := 1 if {\n\tfalse\n} else := 2 if {\n\tx > 0\n}\n", "ok");
}
END_TEST

/* A compile reports the errors of OPA's earliest failing stage only, in
 * order of file and position. */
START_TEST(earliest_stage_only)
{
    /* undefined functions come before unsafe variables */
    CHECK_COMPILE(NULL, "package p\n\nq if {\n\tx == 1\n}\n\nr if nope(1)\n",
                  "t.rego:7: rego_type_error: undefined function nope");
    /* and all of them are reported, across rules */
    CHECK_COMPILE(NULL, "package p\n\nr if nope(1)\n\ns if nada(2)\n",
                  "t.rego:3: rego_type_error: undefined function nope\n"
                  "t.rego:5: rego_type_error: undefined function nada");
    /* strict: an unused import is found first (ResolveRefs) */
    CHECK_COMPILE(&strict, "package p\n\nimport data.x\n\nr if nope(1)\n",
                  "t.rego:3: rego_compile_error: import data.x unused");
    const char *mods[] = {"b.rego", "package b\n\nr if nope(1)\n", "a.rego", "package a\n\nr if nada(1)\n", NULL};
    char *got = compile_with(NULL, mods);
    ck_assert_str_eq(got, "a.rego:3: rego_type_error: undefined function nada\n"
                          "b.rego:3: rego_type_error: undefined function nope");
    free(got);
}
END_TEST

/* A module calling n undefined functions. */
static char *undefined_calls(int n)
{
    char *m = malloc((size_t)n * 32 + 32), *q = m;
    q += sprintf(q, "package p\n");
    for (int i = 1; i <= n; i++)
        q += sprintf(q, "p%d if foo%d(1)\n", i, i);
    return m;
}

static int count_lines(const char *s)
{
    int n = 1;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* OPA's error limit: the default is 10; reaching it adds "error limit
 * reached" (also when there are exactly that many). */
START_TEST(error_limit)
{
    char *m12 = undefined_calls(12), *m10 = undefined_calls(10), *m9 = undefined_calls(9);
    char *got = compile1(NULL, m12);
    ck_assert_int_eq(count_lines(got), 11);
    ck_assert_msg(strstr(got, "t.rego:11: rego_type_error: undefined function foo10\n"
                              "rego_compile_error: error limit reached") != NULL, "%s", got);
    ck_assert_ptr_null(strstr(got, "foo11"));
    free(got);
    got = compile1(NULL, m10);
    ck_assert_int_eq(count_lines(got), 11);
    ck_assert_ptr_nonnull(strstr(got, "error limit reached"));
    free(got);
    got = compile1(NULL, m9);
    ck_assert_int_eq(count_lines(got), 9);
    ck_assert_ptr_null(strstr(got, "error limit reached"));
    free(got);
    verdict_options unlimited = {.max_errors = -1}, three = {.max_errors = 3};
    got = compile1(&unlimited, m12);
    ck_assert_int_eq(count_lines(got), 12);
    free(got);
    got = compile1(&three, m12);
    ck_assert_int_eq(count_lines(got), 4);
    ck_assert_msg(strstr(got, "undefined function foo3\nrego_compile_error: error limit reached") != NULL, "%s", got);
    free(got);
    free(m12);
    free(m10);
    free(m9);
}
END_TEST

/* verdict_options.data_conflicts: OPA's path conflict check against the
 * base document (cmd/check_test.go TestCheckBundleReportsPolicyVsDataConflict). */
static char *with_data(int check, const char *data, const char *module)
{
    verdict_options o = {0};
    o.data_conflicts = check;
    verdict_engine *e = verdict_new(&o);
    ck_assert_int_eq(verdict_put_data(e, "", data, strlen(data), NULL), VERDICT_OK);
    verdict_errors *errs = NULL;
    char *out = verdict_put_module(e, "policy.rego", module, strlen(module), &errs) == VERDICT_OK
                    ? strdup("ok")
                    : verdict_error_string(errs, 0);
    verdict_errors_free(errs);
    verdict_free(e);
    return out;
}

START_TEST(data_conflicts)
{
    const char *m = "package p\nallow := false\n";
    char *got = with_data(1, "{\"p\": {\"allow\": false}}", m);
    ck_assert_str_eq(got, "policy.rego:2: rego_compile_error: conflicting rule for data path p/allow found");
    free(got);
    got = with_data(0, "{\"p\": {\"allow\": false}}", m);
    ck_assert_str_eq(got, "ok");
    free(got);
    /* under a value that is not an object */
    got = with_data(1, "{\"p\": [1]}", m);
    ck_assert_str_eq(got, "policy.rego:2: rego_compile_error: conflicting rule for data path p/allow found");
    free(got);
    /* beside data in the same object */
    got = with_data(1, "{\"p\": {\"deny\": true}}", m);
    ck_assert_str_eq(got, "ok");
    free(got);
}
END_TEST

Suite *suite_compile_checks(void);

Suite *suite_compile_checks(void)
{
    Suite *s = suite_create("compile_checks");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, v1_checks_always_on);
    tcase_add_test(tc, local_declarations);
    tcase_add_test(tc, strict_unused);
    tcase_add_test(tc, earliest_stage_only);
    tcase_add_test(tc, error_limit);
    tcase_add_test(tc, data_conflicts);
    suite_add_tcase(s, tc);
    return s;
}
