/* Unit tests for rego/annotations: METADATA blocks read by the parser,
 * attached to statements, and the values of rego.metadata.rule() and
 * rego.metadata.chain() for a rule.
 *
 * Cases port OPA's: the conformance cases regometadatachain and
 * regometadatarule, the annotation tests of v1/ast (TestAnnotationSet_Chain,
 * TestAnnotations_toObject, TestAnnotations, TestAnnotationsAugmentedError,
 * TestAuthorAnnotation, TestRelatedResourceAnnotation,
 * TestEntrypointAnnotationScopeRequirements, TestCompilerRewriteRegoMetadataCalls),
 * written in Rego v1.  Expected values are JSON, compared as values. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"
#include "engine/json.h"
#include "engine/strbuf.h"
#include "engine/value.h"
#include "rego/annotations.h"
#include "rego/ast.h"

static arena *A;
static rego_errors E;

static void setup(void)
{
    A = arena_new(0);
    memset(&E, 0, sizeof E);
}

static void teardown(void)
{
    rego_errors_free(&E);
    arena_free(A);
    A = NULL;
}

static ast_module *parse(const char *file, const char *src)
{
    rego_errors_free(&E);
    return rego_parse_module(A, file, src, strlen(src), NULL, &E);
}

static ast_module *must_parse(const char *file, const char *src)
{
    ast_module *m = parse(file, src);
    ck_assert_msg(m != NULL, "%s: %s (%d:%d)", file, E.head ? E.head->message : "?", E.head ? E.head->row : 0,
                  E.head ? E.head->col : 0);
    return m;
}

static ast_rule *rule_at(const ast_module *m, int row)
{
    for (int i = 0; i < m->nrules; i++)
        if (m->rules[i]->loc.row == row)
            return m->rules[i];
    ck_abort_msg("no rule on row %d", row);
    return NULL;
}

static void expect_value(const val *got, const char *want_json, const char *what)
{
    json_error jerr;
    val *want = json_parse(A, want_json, strlen(want_json), 0, &jerr);
    ck_assert_msg(want != NULL, "bad JSON in test: %s", want_json);
    strbuf g = STRBUF_INIT, w = STRBUF_INIT;
    json_write(&g, got, 0);
    json_write(&w, want, 0);
    ck_assert_msg(val_equal(got, want), "%s:\n  got  %s\n  want %s", what, g.data, w.data);
    sb_free(&g);
    sb_free(&w);
}

static void expect_chain(ast_module **mods, int n, int which, int row, const char *want)
{
    ast_module *m = mods[which];
    expect_value(annotations_chain(A, mods, n, m, rule_at(m, row)), want, "chain");
}

static void expect_rule(ast_module **mods, int n, int which, int row, const char *want)
{
    ast_module *m = mods[which];
    expect_value(annotations_rule(A, mods, n, m, rule_at(m, row)), want, "rule");
}

/* The module fails to parse with an error containing msg at row. */
static void expect_error(const char *src, const char *msg, int row)
{
    ast_module *m = parse("test.rego", src);
    ck_assert_msg(m == NULL, "expected error \"%s\", parsed fine:\n%s", msg, src);
    for (const rego_error *e = E.head; e; e = e->next)
        if (strstr(e->message, msg)) {
            ck_assert_str_eq(e->code, "rego_parse_error");
            ck_assert_msg(row == 0 || e->row == row, "\"%s\" at row %d, want %d", e->message, e->row, row);
            return;
        }
    ck_abort_msg("no error containing \"%s\"; first: %s", msg, E.head ? E.head->message : "(none)");
}

/* ---- regometadatachain / regometadatarule (OPA's conformance cases) ---- */

START_TEST(conformance_chain_simple)
{
    ast_module *m = must_parse("test.rego",
                               "# METADATA\n"
                               "# description: The Rego test suite\n"
                               "package testing\n"
                               "\n"
                               "# METADATA\n"
                               "# title: Testing annotations\n"
                               "# authors:\n"
                               "# - The OPA contributors\n"
                               "p := x if {\n"
                               "\tx := rego.metadata.chain()\n"
                               "}\n");
    expect_chain(&m, 1, 0, 9,
                 "[{\"annotations\": {\"authors\": [{\"name\": \"The OPA contributors\"}], \"scope\": \"rule\","
                 " \"title\": \"Testing annotations\"}, \"path\": [\"testing\", \"p\"]},"
                 " {\"annotations\": {\"description\": \"The Rego test suite\", \"scope\": \"package\"},"
                 " \"path\": [\"testing\"]}]");
    expect_rule(&m, 1, 0, 9,
                "{\"title\": \"Testing annotations\", \"authors\": [{\"name\": \"The OPA contributors\"}],"
                " \"scope\": \"rule\"}");
}
END_TEST

static const char mixed_scope[] = "# METADATA\n"
                                  "# description: The Rego test suite\n"
                                  "package testing\n"
                                  "\n"
                                  "# METADATA\n"
                                  "# scope: document\n"
                                  "# title: Testing annotations\n"
                                  "# authors:\n"
                                  "# - The OPA contributors\n"
                                  "p := \"foo\" if {\n"
                                  "\tfalse\n"
                                  "}\n"
                                  "\n"
                                  "# METADATA\n"
                                  "# title: Another annotation\n"
                                  "p := x if {\n"
                                  "\tx := rego.metadata.chain()\n"
                                  "}\n";

START_TEST(conformance_chain_mixed_scope)
{
    ast_module *m = must_parse("test.rego", mixed_scope);
    expect_chain(&m, 1, 0, 16,
                 "[{\"annotations\": {\"scope\": \"rule\", \"title\": \"Another annotation\"},"
                 "  \"path\": [\"testing\", \"p\"]},"
                 " {\"annotations\": {\"authors\": [{\"name\": \"The OPA contributors\"}], \"scope\": \"document\","
                 "  \"title\": \"Testing annotations\"}, \"path\": [\"testing\", \"p\"]},"
                 " {\"annotations\": {\"description\": \"The Rego test suite\", \"scope\": \"package\"},"
                 "  \"path\": [\"testing\"]}]");
    /* regometadatarule/rule scope only */
    expect_rule(&m, 1, 0, 16, "{\"title\": \"Another annotation\", \"scope\": \"rule\"}");
    expect_rule(&m, 1, 0, 10, "{}");
}
END_TEST

START_TEST(conformance_chain_package_spanning_modules)
{
    ast_module *mods[2];
    mods[0] = must_parse("a.rego", "# METADATA\n"
                                   "# description: A set of package annotations seen across multiple modules\n"
                                   "package testing\n");
    mods[1] = must_parse("b.rego", "package testing\n"
                                   "\n"
                                   "p := rego.metadata.chain()\n");
    expect_chain(mods, 2, 1, 3,
                 "[{\"path\": [\"testing\", \"p\"]},"
                 " {\"annotations\": {\"description\": \"A set of package annotations seen across multiple modules\","
                 "  \"scope\": \"package\"}, \"path\": [\"testing\"]}]");
    expect_rule(mods, 2, 1, 3, "{}");
    ck_assert_int_eq(annotations_check(mods, 2, &E), 0);
}
END_TEST

/* ---- TestCompilerRewriteRegoMetadataCalls ---- */

START_TEST(compiler_rewrite_cases)
{
    ast_module *m = must_parse("test.rego", "package test\n"
                                            "\n"
                                            "p if {\n"
                                            "\trego.metadata.chain()[0].path == [\"test\", \"p\"]\n"
                                            "\trego.metadata.rule() == {}\n"
                                            "}\n");
    expect_chain(&m, 1, 0, 3, "[{\"path\": [\"test\", \"p\"]}]");
    expect_rule(&m, 1, 0, 3, "{}");

    m = must_parse("test.rego", "# METADATA\n"
                                "# description: A test package\n"
                                "package test\n"
                                "\n"
                                "# METADATA\n"
                                "# title: My P Rule\n"
                                "p if {\n"
                                "\trego.metadata.chain()[0].title == \"My P Rule\"\n"
                                "\trego.metadata.chain()[1].description == \"A test package\"\n"
                                "}\n"
                                "\n"
                                "# METADATA\n"
                                "# title: My Other P Rule\n"
                                "p if {\n"
                                "\trego.metadata.rule().title == \"My Other P Rule\"\n"
                                "}\n");
    expect_chain(&m, 1, 0, 7,
                 "[{\"annotations\": {\"scope\": \"rule\", \"title\": \"My P Rule\"}, \"path\": [\"test\", \"p\"]},"
                 " {\"annotations\": {\"description\": \"A test package\", \"scope\": \"package\"},"
                 "  \"path\": [\"test\"]}]");
    expect_rule(&m, 1, 0, 14, "{\"scope\": \"rule\", \"title\": \"My Other P Rule\"}");
}
END_TEST

/* ---- TestAnnotationSet_Chain ---- */

START_TEST(chain_all_annotation_types)
{
    ast_module *m = must_parse("module", "# METADATA\n"
                                         "# title: pkg\n"
                                         "# description: pkg\n"
                                         "# organizations:\n"
                                         "# - pkg\n"
                                         "# related_resources:\n"
                                         "# - https://pkg\n"
                                         "# authors:\n"
                                         "# - pkg\n"
                                         "# schemas:\n"
                                         "# - input.foo: {\"type\": \"boolean\"}\n"
                                         "# custom:\n"
                                         "#  pkg: pkg\n"
                                         "package test\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# scope: document\n"
                                         "# title: doc\n"
                                         "# description: doc\n"
                                         "# organizations:\n"
                                         "# - doc\n"
                                         "# related_resources:\n"
                                         "# - https://doc\n"
                                         "# authors:\n"
                                         "# - doc\n"
                                         "# schemas:\n"
                                         "# - input.bar: {\"type\": \"integer\"}\n"
                                         "# custom:\n"
                                         "#  doc: doc\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: rule\n"
                                         "# description: rule\n"
                                         "# organizations:\n"
                                         "# - rule\n"
                                         "# related_resources:\n"
                                         "# - https://rule\n"
                                         "# authors:\n"
                                         "# - rule\n"
                                         "# schemas:\n"
                                         "# - input.baz: {\"type\": \"string\"}\n"
                                         "# custom:\n"
                                         "#  rule: rule\n"
                                         "p = 1\n");
#define ANNOT(S, SCOPE, TYPE, FIELD)                                                                          \
    "{\"scope\": \"" SCOPE "\", \"title\": \"" S "\", \"description\": \"" S "\", \"organizations\": [\"" S   \
    "\"], \"related_resources\": [{\"ref\": \"https://" S "\"}], \"authors\": [{\"name\": \"" S "\"}],"        \
    " \"schemas\": [{\"path\": [\"input\", \"" FIELD "\"], \"definition\": {\"type\": \"" TYPE "\"}}],"       \
    " \"custom\": {\"" S "\": \"" S "\"}}"
    expect_chain(&m, 1, 0, 44,
                 "[{\"path\": [\"test\", \"p\"], \"annotations\": " ANNOT("rule", "rule", "string", "baz") "},"
                 " {\"path\": [\"test\", \"p\"], \"annotations\": " ANNOT("doc", "document", "integer", "bar") "},"
                 " {\"path\": [\"test\"], \"annotations\": " ANNOT("pkg", "package", "boolean", "foo") "}]");
#undef ANNOT
}
END_TEST

START_TEST(chain_no_annotations_on_rule)
{
    ast_module *m = must_parse("module", "# METADATA\n"
                                         "# title: pkg\n"
                                         "# description: pkg\n"
                                         "package test\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# scope: document\n"
                                         "# title: doc\n"
                                         "# description: doc\n"
                                         "\n"
                                         "p = 1\n");
    expect_chain(&m, 1, 0, 11,
                 "[{\"path\": [\"test\", \"p\"]},"
                 " {\"path\": [\"test\", \"p\"], \"annotations\": {\"scope\": \"document\", \"title\": \"doc\","
                 "  \"description\": \"doc\"}},"
                 " {\"path\": [\"test\"], \"annotations\": {\"scope\": \"package\", \"title\": \"pkg\","
                 "  \"description\": \"pkg\"}}]");
}
END_TEST

static const char root_mod[] = "# METADATA\n# scope: subpackages\n# title: ROOT\npackage root";
static const char root_foo_mod[] = "# METADATA\n# title: FOO\n# scope: subpackages\npackage root.foo";
static const char root_foo_bar_mod[] =
    "# METADATA\n"
    "# scope: subpackages\n"
    "# description: subpackages scope applied to rule in other module\n"
    "# title: BAR-sub\n"
    "\n"
    "# METADATA\n"
    "# title: BAR-other\n"
    "# description: This metadata is on the path of the queried rule.\n"
    "package root.foo.bar\n"
    "\n"
    "# METADATA\n"
    "# scope: document\n"
    "# description: document scope applied to rule in other module\n"
    "# title: P-doc\n"
    "p = 1";

START_TEST(chain_multiple_subpackages)
{
    ast_module *mods[4];
    mods[0] = must_parse("root", root_mod);
    mods[1] = must_parse("root.foo", root_foo_mod);
    mods[2] = must_parse("root.foo.bar", root_foo_bar_mod);
    mods[3] = must_parse("rule", "package root.foo.bar\n\n# METADATA\n# title: P\np = 1");
    expect_chain(mods, 4, 3, 5,
                 "[{\"path\": [\"root\", \"foo\", \"bar\", \"p\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"P\"}},"
                 " {\"path\": [\"root\", \"foo\", \"bar\", \"p\"], \"annotations\": {\"scope\": \"document\","
                 "  \"title\": \"P-doc\", \"description\": \"document scope applied to rule in other module\"}},"
                 " {\"path\": [\"root\", \"foo\", \"bar\"], \"annotations\": {\"scope\": \"package\","
                 "  \"title\": \"BAR-other\", \"description\": \"This metadata is on the path of the queried rule.\"}},"
                 " {\"path\": [\"root\", \"foo\", \"bar\"], \"annotations\": {\"scope\": \"subpackages\","
                 "  \"title\": \"BAR-sub\", \"description\": \"subpackages scope applied to rule in other module\"}},"
                 " {\"path\": [\"root\", \"foo\"], \"annotations\": {\"scope\": \"subpackages\", \"title\": \"FOO\"}},"
                 " {\"path\": [\"root\"], \"annotations\": {\"scope\": \"subpackages\", \"title\": \"ROOT\"}}]");
    /* two document blocks for data.root.foo.bar.p would be redeclared; this is one */
    ck_assert_int_eq(annotations_check(mods, 4, &E), 0);
}
END_TEST

START_TEST(chain_refs_in_rule_heads)
{
    ast_module *mods[4];
    mods[0] = must_parse("root", root_mod);
    mods[1] = must_parse("root.foo", root_foo_mod);
    mods[2] = must_parse("root.foo.bar", root_foo_bar_mod);
    mods[3] = must_parse("rule", "# METADATA\n# title: BAR\npackage root\n\n# METADATA\n# title: P\nfoo.bar.p = 1");
    expect_chain(mods, 4, 3, 7,
                 "[{\"path\": [\"root\", \"foo\", \"bar\", \"p\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"P\"}},"
                 " {\"path\": [\"root\", \"foo\", \"bar\", \"p\"], \"annotations\": {\"scope\": \"document\","
                 "  \"title\": \"P-doc\", \"description\": \"document scope applied to rule in other module\"}},"
                 " {\"path\": [\"root\"], \"annotations\": {\"scope\": \"package\", \"title\": \"BAR\"}},"
                 " {\"path\": [\"root\"], \"annotations\": {\"scope\": \"subpackages\", \"title\": \"ROOT\"}}]");
}
END_TEST

START_TEST(chain_multiple_blocks_order)
{
    ast_module *m = must_parse("module", "package test\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: One\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: Two\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: Three\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: Four\n"
                                         "p = true");
    expect_chain(&m, 1, 0, 14,
                 "[{\"path\": [\"test\", \"p\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"Four\"}},"
                 " {\"path\": [\"test\", \"p\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"Three\"}},"
                 " {\"path\": [\"test\", \"p\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"Two\"}},"
                 " {\"path\": [\"test\", \"p\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"One\"}}]");
    expect_rule(&m, 1, 0, 14, "{\"scope\": \"rule\", \"title\": \"Four\"}");
}
END_TEST

/* Rules with refs in their heads, partial sets, functions and else links. */
START_TEST(rule_kinds_and_paths)
{
    ast_module *m = must_parse("module", "package test\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: foo\n"
                                         "rule[x] := true if x := 1\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: set\n"
                                         "s contains 1\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: fn\n"
                                         "f(x) := x\n"
                                         "\n"
                                         "a.b[\"c\"].d[y] := 1 if y := 2\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: with else\n"
                                         "g := 1 if {\n"
                                         "\tfalse\n"
                                         "} else := 2\n");
    expect_chain(&m, 1, 0, 5, "[{\"path\": [\"test\", \"rule\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"foo\"}}]");
    expect_chain(&m, 1, 0, 9, "[{\"path\": [\"test\", \"s\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"set\"}}]");
    expect_chain(&m, 1, 0, 13, "[{\"path\": [\"test\", \"f\"], \"annotations\": {\"scope\": \"rule\", \"title\": \"fn\"}}]");
    expect_chain(&m, 1, 0, 15, "[{\"path\": [\"test\", \"a\", \"b\", \"c\", \"d\"]}]");
    ast_rule *g = rule_at(m, 19);
    ck_assert_ptr_nonnull(g->else_);
    expect_value(annotations_rule(A, &m, 1, m, g), "{\"scope\": \"rule\", \"title\": \"with else\"}", "g");
    /* an else link has no annotations of its own */
    expect_value(annotations_rule(A, &m, 1, m, g->else_), "{}", "else");
    expect_value(annotations_chain(A, &m, 1, m, g->else_), "[{\"path\": [\"test\", \"g\"]}]", "else chain");
}
END_TEST

/* ---- TestAnnotations_toObject and the YAML value rules ---- */

START_TEST(to_object_all_fields)
{
    ast_module *m = must_parse("module", "package test\n"
                                         "\n"
                                         "# METADATA\n"
                                         "# title: A title\n"
                                         "# description: A description\n"
                                         "# organizations:\n"
                                         "# - Acme Corp.\n"
                                         "# - Tyrell Corp.\n"
                                         "# related_resources:\n"
                                         "# - ref: https://example.com\n"
                                         "#   description: An example\n"
                                         "# - ref: https://another.example.com\n"
                                         "# authors:\n"
                                         "# - John Doe <john@example.com>\n"
                                         "# - name: Jane Doe\n"
                                         "# - email: jeff@example.com\n"
                                         "# schemas:\n"
                                         "# - input.foo: schema.a\n"
                                         "# - input.bar: {\"type\": \"boolean\"}\n"
                                         "# custom:\n"
                                         "#   number: 42\n"
                                         "#   float: 2.2\n"
                                         "#   string: foo bar baz\n"
                                         "#   bool: true\n"
                                         "#   list: [a, b]\n"
                                         "#   list_of_lists: [[a, b], [b, c]]\n"
                                         "#   list_of_maps: [{one: 1, two: 2}, {two: 2, three: 3}]\n"
                                         "#   map: {nested_number: 1, nested_map: {do: re, mi: fa}, nested_list: [1, 2, 3]}\n"
                                         "p := 1\n");
    expect_rule(&m, 1, 0, 29,
                "{\"scope\": \"rule\", \"title\": \"A title\", \"description\": \"A description\","
                " \"organizations\": [\"Acme Corp.\", \"Tyrell Corp.\"],"
                " \"related_resources\": [{\"ref\": \"https://example.com\", \"description\": \"An example\"},"
                "  {\"ref\": \"https://another.example.com\"}],"
                " \"authors\": [{\"name\": \"John Doe\", \"email\": \"john@example.com\"}, {\"name\": \"Jane Doe\"},"
                "  {\"email\": \"jeff@example.com\"}],"
                " \"schemas\": [{\"path\": [\"input\", \"foo\"], \"schema\": [\"schema\", \"a\"]},"
                "  {\"path\": [\"input\", \"bar\"], \"definition\": {\"type\": \"boolean\"}}],"
                " \"custom\": {\"number\": 42, \"float\": 2.2, \"string\": \"foo bar baz\", \"bool\": true,"
                "  \"list\": [\"a\", \"b\"], \"list_of_lists\": [[\"a\", \"b\"], [\"b\", \"c\"]],"
                "  \"list_of_maps\": [{\"one\": 1, \"two\": 2}, {\"two\": 2, \"three\": 3}],"
                "  \"map\": {\"nested_number\": 1, \"nested_map\": {\"do\": \"re\", \"mi\": \"fa\"},"
                "   \"nested_list\": [1, 2, 3]}}}");
}
END_TEST

/* TestAnnotations "Rich meta": block scalars, URLs with userinfo, null values. */
START_TEST(rich_meta)
{
    ast_module *m = must_parse("test.rego", "package test\n"
                                            "\n"
                                            "# METADATA\n"
                                            "# title: My rule\n"
                                            "# description: |\n"
                                            "#  My rule has a\n"
                                            "#  multiline description.\n"
                                            "# organizations:\n"
                                            "# - Acme Corp.\n"
                                            "# - Soylent Corp.\n"
                                            "# - Tyrell Corp.\n"
                                            "# related_resources:\n"
                                            "# - https://example.com\n"
                                            "# -\n"
                                            "#  ref: http://john:123@do.re/mi?foo=bar#baz\n"
                                            "#  description: foo bar\n"
                                            "# authors:\n"
                                            "# - John Doe <john@example.com>\n"
                                            "# - name: Jane Doe\n"
                                            "#   email: jane@example.com\n"
                                            "# custom:\n"
                                            "#  list:\n"
                                            "#   - a\n"
                                            "#   - b\n"
                                            "#  map:\n"
                                            "#   a: 1\n"
                                            "#   b: 2.2\n"
                                            "#   c:\n"
                                            "#    \"3\": d\n"
                                            "#    \"4\": e\n"
                                            "#  number: 42\n"
                                            "#  string: foo bar baz\n"
                                            "#  flag:\n"
                                            "p if { input = \"str\" }\n");
    ck_assert_int_eq(m->nannotations, 1);
    expect_rule(&m, 1, 0, 34,
                "{\"scope\": \"rule\", \"title\": \"My rule\", \"description\": \"My rule has a\\nmultiline description.\\n\","
                " \"organizations\": [\"Acme Corp.\", \"Soylent Corp.\", \"Tyrell Corp.\"],"
                " \"related_resources\": [{\"ref\": \"https://example.com\"},"
                "  {\"ref\": \"http://john:123@do.re/mi?foo=bar#baz\", \"description\": \"foo bar\"}],"
                " \"authors\": [{\"name\": \"John Doe\", \"email\": \"john@example.com\"},"
                "  {\"name\": \"Jane Doe\", \"email\": \"jane@example.com\"}],"
                " \"custom\": {\"list\": [\"a\", \"b\"], \"map\": {\"a\": 1, \"b\": 2.2, \"c\": {\"3\": \"d\", \"4\": \"e\"}},"
                "  \"number\": 42, \"string\": \"foo bar baz\", \"flag\": null}}");
}
END_TEST

/* yaml.v3 reads YAML 1.2 scalars (yes is a string), numbers as Go prints
 * them, and typed fields take any scalar's text. */
START_TEST(yaml_scalar_rules)
{
    ast_module *m = must_parse("test.rego", "package p\n"
                                            "\n"
                                            "# METADATA\n"
                                            "# title: 12.50\n"
                                            "# description: true\n"
                                            "# entrypoint: yes\n"
                                            "# scope: document\n"
                                            "# organizations: [1, ~, x]\n"
                                            "# custom:\n"
                                            "#   string: yes\n"
                                            "#   hex: 0x1F\n"
                                            "#   octal: 0o17\n"
                                            "#   old_octal: 017\n"
                                            "#   under: 1_000\n"
                                            "#   big: 18446744073709551615\n"
                                            "#   float: 1.50\n"
                                            "#   exp: 1e6\n"
                                            "#   dot: .5\n"
                                            "#   nul: ~\n"
                                            "#   quoted: \"42\"\n"
                                            "#   date: 2001-12-14\n"
                                            "#   inf: .inf\n"
                                            "#   anchor: &a [1, 2]\n"
                                            "#   alias: *a\n"
                                            "is_string := true\n");
    ck_assert_str_eq(m->annotations[0]->scope, "document");
    ck_assert(m->annotations[0]->entrypoint);
    expect_value(m->annotations[0]->value,
                 "{\"scope\": \"document\", \"title\": \"12.50\", \"description\": \"true\", \"entrypoint\": true,"
                 " \"organizations\": [\"1\", \"x\"],"
                 " \"custom\": {\"string\": \"yes\", \"hex\": 31, \"octal\": 15, \"old_octal\": 15, \"under\": 1000,"
                 "  \"big\": 18446744073709551615, \"float\": 1.5, \"exp\": 1e+06, \"dot\": 0.5, \"nul\": null,"
                 "  \"quoted\": \"42\", \"date\": \"2001-12-14\", \"inf\": \"+Inf\", \"anchor\": [1, 2],"
                 "  \"alias\": [1, 2]}}",
                 "scalars");
}
END_TEST

/* ---- TestEntrypointAnnotationScopeRequirements ---- */

START_TEST(entrypoint_scopes)
{
    static const struct {
        const char *src;
        const char *scope;  /* NULL: an error */
    } cases[] = {
        {"# METADATA\n# entrypoint: true\n# scope: package\npackage foo", "package"},
        {"# METADATA\n# entrypoint: true\npackage foo", "package"},
        {"# METADATA\n# entrypoint: true\n# scope: subpackages\npackage foo", NULL},
        {"package foo\n# METADATA\n# entrypoint: true\n# scope: document\nfoo := true", "document"},
        {"package foo\n# METADATA\n# entrypoint: true\nfoo := true", "document"},
        {"package foo\n# METADATA\n# entrypoint: true\n# scope: rule\nfoo := true", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ast_module *m = parse("test.rego", cases[i].src);
        if (!cases[i].scope) {
            ck_assert_msg(m == NULL, "case %zu: expected an error", i);
            ck_assert_msg(strstr(E.head->message, "annotation entrypoint applied to non-document or package scope"),
                          "case %zu: %s", i, E.head->message);
            continue;
        }
        ck_assert_msg(m != NULL, "case %zu: %s", i, E.head ? E.head->message : "");
        ck_assert_str_eq(m->annotations[0]->scope, cases[i].scope);
    }
}
END_TEST

/* ---- errors (TestAnnotations, TestAnnotationsAugmentedError, ...) ---- */

START_TEST(yaml_errors)
{
    expect_error("package opa.examples\n"
                 "\n"
                 "# METADATA\n"
                 "# scope: rule\n"
                 "# schemas:\n"
                 "#   - data.servers: schema.servers\n"
                 "#   - data.networks: schema.networks\n"
                 "#   - data.ports: schema.ports\n"
                 "# METADATA\n"
                 "public_servers contains server if {\n"
                 "\tserver = data.servers[_]\n"
                 "}\n",
                 "yaml: line 6: could not find expected ':'", 9);
    expect_error("package opa.examples\n"
                 "\n"
                 "# METADATA\n"
                 "# scope: rule\n"
                 "# schemas:\n"
                 "#   - data.servers= schema\n"
                 "p := 1\n",
                 "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `data.se...` into map[string]interface {}",
                 6);
    expect_error("# METADATA\n# title: foo\vbar\npackage opa.examples\n", "yaml: control characters are not allowed", 0);
    expect_error("package opa.examples\n"
                 "\n"
                 "# METADATA\n"
                 "# scope: rule\n"
                 "# schemas:\n"
                 "# - data.servers: schema.servers\n"
                 "#   - data.networks: schema.networks\n"
                 "p := 1\n",
                 "yaml: line 2: did not find expected key", 0);
    expect_error("package test\n\n# METADATA\n\n# scope: rule\np if { input.x > 7 }",
                 "expected METADATA block, found whitespace", 3);
    /* TestAnnotationsParseErrorOnFirstRowGetsCorrectLocation */
    expect_error("# METADATA\n# description: `foo` bars\n# title: foo\npackage foo",
                 "yaml: found character that cannot start any token", 2);
    expect_error("package test\n# METADATA\n# title: a\n# title: b\np := 1",
                 "yaml: unmarshal errors:\n  line 2: mapping key \"title\" already defined at line 1", 4);
    expect_error("package test\n# METADATA\n# entrypoint: maybe\np := 1",
                 "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `maybe` into bool", 3);
    expect_error("package test\n# METADATA\n# title: [a]\np := 1",
                 "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string", 3);
    expect_error("package test\n# METADATA\n# custom: [a]\n# authors: a long scalar here\np := 1",
                 "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]interface {}\n"
                 "  line 2: cannot unmarshal !!str `a long ...` into []interface {}",
                 4);
    expect_error("package test\n# METADATA\n# custom: *nope\np := 1", "yaml: unknown anchor 'nope' referenced", 3);
}
END_TEST

START_TEST(yaml_error_hints)
{
    static const struct {
        const char *src;
        const char *hint;
        int row;
    } cases[] = {
        {"package opa.examples\n\n# METADATA\n# description:p is true\np := true\n",
         "Hint: on line 4, symbol(s) ['p'] immediately following a key/value separator ':' is not a legal yaml "
         "space character",
         4},
        {"package opa.examples\n\n# METADATA\n# description:\u00a0p is true\np := true\n",
         "Hint: on line 4, symbol(s) ['\\u00a0'] immediately following", 4},
        {"package opa.examples\n\n# METADATA\n# title: P\n# description:\u00a0p is true\np := true\n",
         "Hint: on line 5, symbol(s) ['\\u00a0'] immediately following", 5},
        {"package opa.examples\n\n# METADATA\n# title:\n#   P\n# description:\u00a0p is true\np := true\n",
         "Hint: on line 6, symbol(s) ['\\u00a0'] immediately following", 6},
        {"package opa.examples\n\n# METADATA\n# title:\u00a0P\n# description: p is true\n# scope: rule\np := true\n",
         "Hint: on line 4, symbol(s) ['\\u00a0'] immediately following", 6},
        {"package opa.examples\n\n# METADATA\n# description:\u2009p is true\np := true\n",
         "Hint: on line 4, symbol(s) ['\\u2009'] immediately following", 4},
        {"package opa.examples\n\n# METADATA\n# descr:iption:\u3000p is true\np := true\n",
         "Hint: on line 4, symbol(s) ['i' '\\u3000'] immediately following", 4},
        {"package opa.examples\n\n# METADATA\n# title:\u3000p\n# scope: rule\n# description:\u2009p is true\n"
         "p := true\n",
         "Hint: on line 4, symbol(s) ['\\u3000'] immediately following a key/value separator ':' is not a legal "
         "yaml space character\n  Hint: on line 6, symbol(s) ['\\u2009'] immediately following",
         6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(parse("test.rego", cases[i].src) == NULL, "case %zu parsed", i);
        ck_assert_int_eq(E.n, 1);
        ck_assert_msg(strstr(E.head->message, cases[i].hint), "case %zu: %s", i, E.head->message);
        ck_assert_msg(E.head->row == cases[i].row, "case %zu: row %d, want %d (%s)", i, E.head->row, cases[i].row,
                      E.head->message);
    }
}
END_TEST

START_TEST(field_errors)
{
    /* TestAnnotations: references in schemas */
    expect_error("package opa.examples\n\n# METADATA\n# scope: rule\n# schemas:\n#   - data/servers: schema.servers\n"
                 "p := 1\n",
                 "invalid document reference", 3);
    expect_error("package opa.examples\n\n# METADATA\n# scope: rule\n# schemas:\n#   - data.servers: schema/servers\n"
                 "p := 1\n",
                 "invalid schema reference", 3);
    expect_error("package t\n# METADATA\n# schemas:\n#   - foo: schema.x\np := 1\n", "invalid document reference", 2);
    expect_error("package t\n# METADATA\n# schemas:\n#   - input.x: 5\np := 1\n",
                 "invalid schema declaration for path \"input.x\"", 2);
    /* TestAuthorAnnotation */
    expect_error("package t\n# METADATA\n# authors:\n# - \" \\t\"\np := 1\n",
                 "invalid author definition  \t: author is an empty string", 2);
    expect_error("package t\n# METADATA\n# authors:\n# - {name: \"\"}\np := 1\n",
                 "invalid author definition map[name:]: 'name' and/or 'email' values required in object", 2);
    expect_error("package t\n# METADATA\n# authors:\n# - 5\np := 1\n",
                 "invalid author definition %!s(int=5): invalid value type, must be string or map", 2);
    /* TestRelatedResourceAnnotation */
    expect_error("package t\n# METADATA\n# related_resources:\n# - \"\"\np := 1\n",
                 "invalid related-resource definition : ref URL may not be empty string", 2);
    expect_error("package t\n# METADATA\n# related_resources:\n# - \" \\t\"\np := 1\n",
                 "invalid related-resource definition  \t: parse \" \\t\": net/url: invalid control character in URL", 2);
    expect_error("package t\n# METADATA\n# related_resources:\n# - https://foo:bar\np := 1\n",
                 "invalid related-resource definition https://foo:bar: parse \"https://foo:bar\": invalid port "
                 "\":bar\" after host",
                 2);
    expect_error("package t\n# METADATA\n# related_resources:\n# - description: foo bar\np := 1\n",
                 "invalid related-resource definition map[description:foo bar]: 'ref' value required in object", 2);
    expect_error("package t\n# METADATA\n# related_resources:\n# - {ref: \" \\t\", n: 1.5, b: true}\np := 1\n",
                 "invalid related-resource definition map[b:%!s(bool=true) n:%!s(float64=1.5) ref: \t]: 'ref' value "
                 "required in object",
                 2);
    expect_error("package t\n# METADATA\n# related_resources:\n# - [a, ~]\np := 1\n",
                 "invalid related-resource definition [a %!s(<nil>)]: invalid value type, must be string or map", 2);
    expect_error("package t\n# METADATA\n# custom:\n#   x: {1: a}\np := 1\n", "invalid map key type(s): ", 2);
    expect_error("package t\n# METADATA\n# custom:\n#   x: [b, {1: a}]\np := 1\n", "invalid map key type(s): 1", 2);
    expect_error("package t\n# METADATA\n# custom:\n#   x: {1: {2: a}, b: c}\np := 1\n", "invalid map key type(s): ", 2);
}
END_TEST

START_TEST(attachment_errors)
{
    expect_error("package test\n\n# METADATA\n# title: My import\nimport input.foo\n\np if { input = \"str\" }",
                 "invalid annotation scope 'import'. Use one of 'rule', 'document', 'package', or 'subpackages'", 3);
    expect_error("\npackage test\n\n# METADATA\n# scope: deadbeef\np := 7", "invalid annotation scope 'deadbeef'", 4);
    expect_error("\n# METADATA\n# scope: rule\npackage test\n\np := 7",
                 "annotation scope 'rule' must be applied to rule (have package)", 2);
    expect_error("package test\n# METADATA\n# scope: document\nimport data.foo.bar",
                 "annotation scope 'document' must be applied to rule (have import)", 2);
    expect_error("package test\n\n# METADATA\n# scope: package", "annotation scope 'package' must be applied to package",
                 3);
    ck_assert_str_eq(E.head->message, "annotation scope 'package' must be applied to package");
    expect_error("package test\n# METADATA\n# scope: package\nimport data.foo",
                 "annotation scope 'package' must be applied to package (have import)", 2);
    expect_error("# METADATA\n# title: only a block\n", "package expected", 1);
}
END_TEST

/* A block is the METADATA comment and the comments right below it in
 * column 1; other comments end it, and text in strings is no comment. */
START_TEST(block_boundaries)
{
    ast_module *m = must_parse("test.rego", "package test\n"
                                            "\n"
                                            "x := \"# METADATA\"\n"
                                            "\n"
                                            "  # METADATA\n"
                                            "# title: indented marker\n"
                                            "  # title: not in the block\n"
                                            "p := 1 # METADATA\n"
                                            "# title: after a trailing marker\n"
                                            "q := 1\n"
                                            "\n"
                                            "# METADATA\n"
                                            "# {}\n"
                                            "\n"
                                            "# a plain comment\n"
                                            "r := 1\n"
                                            "#METADATA\r\n"
                                            "# title: crlf\r\n"
                                            "s := 1\n");
    ck_assert_int_eq(m->nannotations, 4);
    expect_rule(&m, 1, 0, 8, "{\"scope\": \"rule\", \"title\": \"indented marker\"}");
    expect_rule(&m, 1, 0, 10, "{\"scope\": \"rule\", \"title\": \"after a trailing marker\"}");
    expect_rule(&m, 1, 0, 16, "{\"scope\": \"rule\"}");
    expect_rule(&m, 1, 0, 19, "{\"scope\": \"rule\", \"title\": \"crlf\"}");
    expect_rule(&m, 1, 0, 3, "{}");
}
END_TEST

/* Syntax errors come first; blocks read before the error still report theirs. */
START_TEST(syntax_and_yaml_errors)
{
    ck_assert_ptr_null(parse("test.rego", "package test\n# METADATA\n# title: [\np := \n"));
    ck_assert_int_eq(E.n, 3);   /* two for the syntax error, as OPA's, then the block's */
    ck_assert_int_eq(E.tail->row, 3);
    ck_assert_msg(strstr(E.tail->message, "yaml:"), "%s", E.tail->message);
    ck_assert_msg(!strstr(E.head->message, "yaml:"), "%s", E.head->message);
}
END_TEST

/* ---- BuildAnnotationSet: redeclarations ---- */

START_TEST(redeclared)
{
    ast_module *mods[3];
    mods[0] = must_parse("a.rego", "# METADATA\n# title: A\npackage x\n\n# METADATA\n# scope: document\np := 1");
    mods[1] = must_parse("b.rego", "# METADATA\n# title: B\npackage x\n\n# METADATA\n# scope: document\np := 2");
    mods[2] = must_parse("c.rego", "# METADATA\n# scope: subpackages\npackage x");
    rego_errors errs = {0};
    ck_assert_int_eq(annotations_check(mods, 3, &errs), 2);
    ck_assert_str_eq(errs.head->code, "rego_type_error");
    ck_assert_str_eq(errs.head->message, "package annotation redeclared: a.rego:1");
    ck_assert_str_eq(errs.head->file, "b.rego");
    ck_assert_int_eq(errs.head->row, 1);
    ck_assert_str_eq(errs.head->next->message, "document annotation redeclared: a.rego:5");
    ck_assert_int_eq(errs.head->next->row, 5);
    /* c's subpackages block is indexed by the package path, the document
     * blocks by the rule path: no clash */
    rego_errors_free(&errs);
}
END_TEST

/* An alias-heavy block is refused rather than expanded. */
START_TEST(excessive_aliasing)
{
    expect_error("package t\n"
                 "# METADATA\n"
                 "# custom:\n"
                 "#   a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                 "#   b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                 "#   c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                 "#   d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                 "#   e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                 "#   f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                 "#   g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                 "p := 1\n",
                 "yaml: document contains excessive aliasing", 3);
}
END_TEST

/* Nesting is bounded, directly and through chains of aliases. */
START_TEST(deep_nesting)
{
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "package t\n# METADATA\n# custom:\n#   x: ");
    for (int i = 0; i < 1100; i++)
        sb_putc(&sb, '[');
    for (int i = 0; i < 1100; i++)
        sb_putc(&sb, ']');
    sb_puts(&sb, "\np := 1\n");
    expect_error(sb.data, "yaml: exceeded max depth of 1000", 0);
    sb_reset(&sb);
    sb_puts(&sb, "package t\n# METADATA\n# custom:\n#   a0: &a0 [x]\n");
    for (int i = 1; i < 1100; i++)
        sb_printf(&sb, "#   a%d: &a%d [*a%d]\n", i, i, i - 1);
    sb_puts(&sb, "p := 1\n");
    expect_error(sb.data, "yaml: ", 0);     /* too deep, or too many nodes: either limit holds */
    sb_free(&sb);
}
END_TEST

Suite *suite_annotations(void);

Suite *suite_annotations(void)
{
    Suite *s = suite_create("annotations");
    TCase *tc = tcase_create("annotations");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, conformance_chain_simple);
    tcase_add_test(tc, conformance_chain_mixed_scope);
    tcase_add_test(tc, conformance_chain_package_spanning_modules);
    tcase_add_test(tc, compiler_rewrite_cases);
    tcase_add_test(tc, chain_all_annotation_types);
    tcase_add_test(tc, chain_no_annotations_on_rule);
    tcase_add_test(tc, chain_multiple_subpackages);
    tcase_add_test(tc, chain_refs_in_rule_heads);
    tcase_add_test(tc, chain_multiple_blocks_order);
    tcase_add_test(tc, rule_kinds_and_paths);
    tcase_add_test(tc, to_object_all_fields);
    tcase_add_test(tc, rich_meta);
    tcase_add_test(tc, yaml_scalar_rules);
    tcase_add_test(tc, entrypoint_scopes);
    tcase_add_test(tc, yaml_errors);
    tcase_add_test(tc, yaml_error_hints);
    tcase_add_test(tc, field_errors);
    tcase_add_test(tc, attachment_errors);
    tcase_add_test(tc, block_boundaries);
    tcase_add_test(tc, syntax_and_yaml_errors);
    tcase_add_test(tc, redeclared);
    tcase_add_test(tc, excessive_aliasing);
    tcase_add_test(tc, deep_nesting);
    suite_add_tcase(s, tc);
    return s;
}
