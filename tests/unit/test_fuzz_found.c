/* Unit tests for what the fuzz harnesses (tests/fuzz/) found: the
 * regression corpus replays each input to show it no longer crashes or
 * hangs; these tests pin down the answer or the error each one now gets. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/internal.h"
#include "include/verdict.h"

/* The result JSON of q on e with `module` (may be NULL) put in, or
 * "error: <code>: <message>" (caller frees).  Frees e. */
static char *answer(verdict_engine *e, const char *module, const char *q)
{
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

/* The answer to `q` over `module` (may be NULL). */
static char *query(const char *module, const char *q) { return answer(verdict_new(NULL), module, q); }

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

static char *yaml_error(const char *text)
{
    verdict_engine *e = verdict_new(NULL);
    verdict_errors *errs = NULL;
    char *out;
    if (verdict_add_data_yaml(e, "y", text, strlen(text), "y.yaml", &errs) == VERDICT_OK) {
        out = strdup("ok");
    } else {
        char *s = verdict_error_string(errs, 0);
        out = s;
    }
    verdict_errors_free(errs);
    verdict_free(e);
    return out;
}

static char *repeat(const char *a, int n, const char *mid, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), lm = strlen(mid);
    char *s = malloc((la + lb) * (size_t)n + lm + 1), *p = s;
    for (int i = 0; i < n; i++, p += la)
        memcpy(p, a, la);
    memcpy(p, mid, lm);
    p += lm;
    for (int i = 0; i < n; i++, p += lb)
        memcpy(p, b, lb);
    *p = '\0';
    return s;
}

/* YAML nesting is limited as JSON's is (the recursive code that copies and
 * prints values must not run out of stack), also through aliases. */
START_TEST(yaml_nesting_limit)
{
    char *ok = repeat("[", 1000, "", "]");
    char *deep = repeat("[", 1001, "", "]");
    char *got = yaml_error(ok);
    ck_assert_str_eq(got, "ok");
    free(got);
    got = yaml_error(deep);
    ck_assert_msg(strstr(got, "y.yaml:1: yaml_parse_error: yaml: line 1: exceeded max depth of 1000"), "%s", got);
    free(got);
    char *a = repeat("[", 600, "", "]"), *b = repeat("[", 500, "*a", "]");
    size_t n = strlen(a) + strlen(b) + 32;
    char *alias = malloc(n);
    snprintf(alias, n, "a: &a %s\nb: %s\n", a, b);
    got = yaml_error(alias);
    ck_assert_msg(strstr(got, "exceeded max depth of 1000"), "%s", got);
    free(got);
    free(ok);
    free(deep);
    free(a);
    free(b);
    free(alias);
}
END_TEST

/* Alias bombs are refused as go-yaml refuses them. */
START_TEST(yaml_alias_bomb)
{
    const char *bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n"
                       "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                       "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                       "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                       "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
    char *got = yaml_error(bomb);
    ck_assert_msg(strstr(got, "yaml_parse_error: yaml: document contains excessive aliasing"), "%s", got);
    free(got);
    /* a modest use of aliases stays fine */
    got = yaml_error("base: &b {x: 1, y: [1, 2, 3]}\nu: [*b, *b, *b]\nv: {<<: *b, z: 2}\n");
    ck_assert_str_eq(got, "ok");
    free(got);
}
END_TEST

/* Nested bodies (comprehensions, every) compile in time proportional to
 * their nesting: each level's dry run lowered its body twice, so 20 levels
 * took 0.7 s and 400 MB and 30 levels more memory than the machine had;
 * and an expression that could not run was tried again in every pass. */
START_TEST(nested_bodies_compile)
{
    /* p := [v0 | v0 := [v1 | v1 := ... 1]] */
    size_t n = 150 * 32 + 64;
    char *m = malloc(n), *q = m;
    q += sprintf(q, "package p\n\np := ");
    for (int i = 0; i < 150; i++)
        q += sprintf(q, "[v%d | v%d := ", i, i);
    q += sprintf(q, "1");
    for (int i = 0; i < 150; i++)
        *q++ = ']';
    strcpy(q, "\n");
    CHECK_CONTAINS(m, "x := data.p.p[0][0][0]", "\"x\":[[");
    free(m);
    /* each level uses its x: an unused one is "declared var x unused", as in OPA */
    char *ev = repeat("every x in [1] { x; ", 150, "true", " }");
    n = strlen(ev) + 32;
    m = malloc(n);
    snprintf(m, n, "package p\n\np if { %s }\n", ev);
    CHECK_CONTAINS(m, "data.p.p", "\"value\":true");
    free(ev);
    free(m);
    /* an unsafe variable deep inside, in bodies that take two passes each
     * (`w = 1`, not `w := 1`: a variable mentioned above is not declared):
     * every pass tried the failing expression again, and lowered its body */
    n = 150 * 64 + 64;
    m = malloc(n);
    q = m;
    q += sprintf(q, "package p\n\np := ");
    for (int i = 0; i < 150; i++)
        q += sprintf(q, "[v%d | z%d := w%d; w%d = 1; v%d := ", i, i, i, i, i);
    q += sprintf(q, "undefined_var");
    for (int i = 0; i < 150; i++)
        *q++ = ']';
    strcpy(q, "\n");
    CHECK_CONTAINS(m, "data.p.p", "error: rego_unsafe_var_error: var v");
    free(m);
}
END_TEST

/* The answer to `q` run under the given limits. */
static char *limited(uint64_t instructions, size_t memory, const char *q)
{
    verdict_options o = {0};
    o.instruction_limit = instructions;
    o.memory_limit = memory;
    return answer(verdict_new(&o), NULL, q);
}

/* Builtins that loop on their own count against the evaluation's limits:
 * a template's nested ranges and a branching schema ran for minutes under
 * an instruction limit, and a template's output grew past the memory limit
 * (without one, until malloc failed and the process aborted). */
START_TEST(builtin_work_under_limits)
{
    char *got = limited(100000, 0,
                        "x := strings.render_template(\"{{range $i := .x}}{{range $j := $.x}}{{$i}}{{end}}{{end}}\", "
                        "{\"x\": numbers.range(1, 3000)})");
    ck_assert_str_eq(got, "error: eval_cancel_error: strings.render_template: instruction limit exceeded (100000)");
    free(got);
    got = limited(0, 1 << 20, "x := strings.render_template(\"{{range 100000000}}xxxxxxxxxxxxxxxx{{end}}\", {})");
    ck_assert_str_eq(got, "error: eval_cancel_error: memory limit exceeded (1048576 bytes)");
    free(got);
    got = limited(100000, 0, "x := strings.render_template(\"{{range .x}}{{.}}{{end}}\", {\"x\": [1, 2]})");
    ck_assert_str_eq(got, "{\"result\":[{\"expressions\":[{\"value\":true,\"text\":\"x := strings.render_template("
                          "\\\"{{range .x}}{{.}}{{end}}\\\", {\\\"x\\\": [1, 2]})\",\"location\":{\"row\":1,\"col\":1}}],"
                          "\"bindings\":{\"x\":\"12\"}}]}");
    free(got);
    /* {"a": {"a": ... 1}} 24 deep against oneOf [{a: #}, {a: #}]: 2^24 validations */
    char *doc = repeat("{\"a\": ", 24, "1", "}");
    size_t n = strlen(doc) + 200;
    char *q = malloc(n);
    snprintf(q, n, "x := json.match_schema(%s, {\"oneOf\": [{\"properties\": {\"a\": {\"$ref\": \"#\"}}}, "
                   "{\"properties\": {\"a\": {\"$ref\": \"#\"}}}]})", doc);
    got = limited(100000, 0, q);
    ck_assert_str_eq(got, "error: eval_cancel_error: json.match_schema: instruction limit exceeded (100000)");
    free(got);
    free(q);
    free(doc);
}
END_TEST

/* file_rego_versions globs match in time |pattern| x |name|: the
 * backtracking matcher took exponential time in the number of '*' and
 * {..} groups (30 stars against a 200-byte name did not finish). */
START_TEST(bundle_globs_match_in_polynomial_time)
{
    char *pat = repeat("*a", 30, "", "");
    size_t n = strlen(pat);
    char *p2 = malloc(n + 3);
    snprintf(p2, n + 3, "%s*b", pat);
    char *name = repeat("a", 200, ".rego", "");
    ck_assert_int_eq(bglob_match(p2, name), 0);
    name[0] = 'b';
    ck_assert_int_eq(bglob_match("*b*", name), 1);
    char *alts = repeat("{a,a}", 40, "", "");
    char *s40 = repeat("a", 39, "b", "");
    ck_assert_int_eq(bglob_match(alts, s40), 0);
    s40[39] = 'a';
    ck_assert_int_eq(bglob_match(alts, s40), 1);
    char *deep = repeat("{", 70, "a", "}");
    ck_assert_int_eq(bglob_match(deep, "a"), -1); /* nesting beyond 64 groups */
    free(pat);
    free(p2);
    free(name);
    free(alts);
    free(s40);
    free(deep);
}
END_TEST

Suite *suite_fuzz_found(void)
{
    Suite *s = suite_create("fuzz_found");
    TCase *tc = tcase_create("regressions");
    tcase_add_test(tc, negated_query_expressions_are_true);
    tcase_add_test(tc, with_replacement_arity_mismatch);
    tcase_add_test(tc, huge_exponents);
    tcase_add_test(tc, yaml_nesting_limit);
    tcase_add_test(tc, yaml_alias_bomb);
    tcase_add_test(tc, nested_bodies_compile);
    tcase_add_test(tc, builtin_work_under_limits);
    tcase_add_test(tc, bundle_globs_match_in_polynomial_time);
    suite_add_tcase(s, tc);
    return s;
}
