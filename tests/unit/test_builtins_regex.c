/* Unit tests for the regex and glob builtin groups (regex.c, glob.c and the
 * RE2 shim), called through the registry as the VM calls them.
 *
 * Table rows (tcase in builtin_harness.h): the builtin, its arguments as
 * JSON text, and the outcome expected ("=TEXT", "!code: msg" or "?").
 * Expected values follow Go's regexp package and OPA's topdown/regex.go,
 * glob.go, regex_template.go, gobwas/glob v0.2.3 and glob-intersection
 * v0.2.0; rows marked "conformance" port OPA's own cases. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/builtins.h"
#include "engine/builtins/re2_shim.h"
#include "engine/strbuf.h"
#include "engine/value.h"

#include "builtin_harness.h"

/* Defined in engine/builtins/glob.c for tests. */
void glob_cache_stats(size_t *entries, unsigned long *compiles);
void glob_cache_clear(void);

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define PE "!eval_builtin_error: error parsing regexp: "
#define TE "!eval_type_error: "

/* ---- regex.match, re_match, regex.is_valid ---- */

START_TEST(regex_match)
{
    static const tcase cases[] = {
        /* conformance regexmatch */
        {"regex.match", {"\"^[a-z]+\\\\[[0-9]+\\\\]$\"", "\"foo[1]\""}, "=true"},
        {"re_match", {"\"^[a-z]+\\\\[[0-9]+\\\\]$\"", "\"foo[1]\""}, "=true"},
        {"re_match", {"\"^[a-z]+\\\\[[0-9]+\\\\]$\"", "\"foo[\\\"bar\\\"]\""}, "=false"},
        {"re_match", {"\"][\"", "\"foo\""}, PE "missing closing ]: `[`"},
        {"regex.match", {"\"^b.*$\"", "\"bar\""}, "=true"},
        /* partial match, as MatchString */
        {"regex.match", {"\"b\"", "\"abc\""}, "=true"},
        {"regex.match", {"\"\"", "\"\""}, "=true"},
        {"regex.match", {"\"^$\"", "\"\\n\""}, "=false"},
        {"regex.match", {"\"(?m)^$\"", "\"a\\n\""}, "=true"},
        {"regex.match", {"\"a$\"", "\"a\\n\""}, "=false"},
        {"regex.match", {"\"a\\\\z\"", "\"a\""}, "=true"},
        {"regex.match", {"\"\\\\Aa\"", "\"ba\""}, "=false"},
        {"regex.match", {"\"(?i)straße\"", "\"STRASSE\""}, "=false"},
        {"regex.match", {"\"(?i)k\"", "\"K\""}, "=true"},
        {"regex.match", {"\"(?s)a.b\"", "\"a\\nb\""}, "=true"},
        {"regex.match", {"\"a.b\"", "\"a\\nb\""}, "=false"},
        {"regex.match", {"\"\\\\bfoo\\\\b\"", "\"a foo b\""}, "=true"},
        {"regex.match", {"\"^\\\\p{Greek}+$\"", "\"αβγ\""}, "=true"},
        {"regex.match", {"\"^[[:alpha:]]+$\"", "\"abc\""}, "=true"},
        {"regex.match", {"\"^\\\\Q.*\\\\E$\"", "\".*\""}, "=true"},
        {"regex.match", {"\"^\\\\Q.*\\\\E$\"", "\"ab\""}, "=false"},
        {"regex.match", {"\"^.$\"", "\"é\""}, "=true"},
        {"regex.match", {"\"^\\\\x{1F600}$\"", "\"😀\""}, "=true"},
        /* Go's named groups, both spellings */
        {"regex.match", {"\"(?P<word>a+)b\"", "\"aab\""}, "=true"},
        {"regex.match", {"\"(?<word>a+)b\"", "\"aab\""}, "=true"},
        {"regex.match", {"\"(?P<a>x)(?P<a>y)\"", "\"xy\""}, "=true"},
        /* a repeat with a leading zero is literal text for Go */
        {"regex.match", {"\"^a{01}$\"", "\"a{01}\""}, "=true"},
        {"regex.match", {"\"^a{01}$\"", "\"a\""}, "=false"},
        {"regex.match", {"\"^a{1}$\"", "\"a\""}, "=true"},
        {"regex.match", {"\"^a{,2}$\"", "\"a{,2}\""}, "=true"},
        /* RE2 (2022-06) drops the folded branch of these; Go does not */
        {"regex.match", {"\"a|(?i:A)\"", "\"A\""}, "=true"},
        {"regex.match", {"\"[a]|(?i)a\"", "\"A\""}, "=true"},
        {"regex.match", {"\"^(?:x|a|(?i:A))$\"", "\"A\""}, "=true"},
        {"regex.match", {"\"^(?:x|a|(?i:A))$\"", "\"b\""}, "=false"},
        /* errors, worded as Go words them */
        {"regex.match", {"\"[\"", "\"\""}, PE "missing closing ]: `[`"},
        {"regex.match", {"\"a[bc\"", "\"\""}, PE "missing closing ]: `[bc`"},
        {"regex.match", {"\"[]\"", "\"\""}, PE "missing closing ]: `[]`"},
        {"regex.match", {"\"(\"", "\"\""}, PE "missing closing ): `(`"},
        {"regex.match", {"\"a(b\"", "\"\""}, PE "missing closing ): `a(b`"},
        {"regex.match", {"\"(?P<n>a)(b\"", "\"\""}, PE "missing closing ): `(?P<n>a)(b`"},
        {"regex.match", {"\")\"", "\"\""}, PE "unexpected ): `)`"},
        {"regex.match", {"\"a)b\"", "\"\""}, PE "unexpected ): `a)b`"},
        {"regex.match", {"\"a**\"", "\"\""}, PE "invalid nested repetition operator: `**`"},
        {"regex.match", {"\"a*?*\"", "\"\""}, PE "invalid nested repetition operator: `*?*`"},
        {"regex.match", {"\"x{2}{3}\"", "\"\""}, PE "invalid nested repetition operator: `{2}{3}`"},
        {"regex.match", {"\"*\"", "\"\""}, PE "missing argument to repetition operator: `*`"},
        {"regex.match", {"\"++\"", "\"\""}, PE "missing argument to repetition operator: `+`"},
        {"regex.match", {"\"a|*\"", "\"\""}, PE "missing argument to repetition operator: `*`"},
        {"regex.match", {"\"\\\\\"", "\"\""}, PE "trailing backslash at end of expression: ``"},
        {"regex.match", {"\"a{1001}\"", "\"\""}, PE "invalid repeat count: `{1001}`"},
        {"regex.match", {"\"a{2,1}\"", "\"\""}, PE "invalid repeat count: `{2,1}`"},
        {"regex.match", {"\"(a{999}){2}\"", "\"\""}, PE "invalid repeat count: `{2}`"},
        {"regex.match", {"\"x{1}{2,1}\"", "\"\""}, PE "invalid repeat count: `{2,1}`"},
        {"regex.match", {"\"x{2,1}?\"", "\"\""}, PE "invalid repeat count: `{2,1}`"},
        {"regex.match", {"\"x*{1001}\"", "\"\""}, PE "invalid repeat count: `{1001}`"},
        {"regex.match", {"\"{2,1}\"", "\"\""}, PE "invalid repeat count: `{2,1}`"},
        {"regex.match", {"\"(?i)*\"", "\"\""}, PE "missing argument to repetition operator: `*`"},
        {"regex.match", {"\"a|(?i)*\"", "\"\""}, PE "missing argument to repetition operator: `*`"},
        {"regex.match", {"\"(?i{01}\"", "\"\""}, PE "invalid or unsupported Perl syntax: `(?i{`"},
        {"regex.match", {"\"(?i\\\\C\"", "\"\""}, PE "invalid or unsupported Perl syntax: `(?i\\`"},
        {"regex.match", {"\"[z-a]\"", "\"\""}, PE "invalid character class range: `z-a`"},
        {"regex.match", {"\"[[:foo:]]\"", "\"\""}, PE "invalid character class range: `[:foo:]`"},
        {"regex.match", {"\"\\\\p{Foo}\"", "\"\""}, PE "invalid character class range: `\\p{Foo}`"},
        {"regex.match", {"\"\\\\8\"", "\"\""}, PE "invalid escape sequence: `\\8`"},
        {"regex.match", {"\"\\\\Z\"", "\"\""}, PE "invalid escape sequence: `\\Z`"},
        {"regex.match", {"\"a\\\\C\"", "\"\""}, PE "invalid escape sequence: `\\C`"},
        {"regex.match", {"\"[\\\\C]\"", "\"\""}, PE "invalid escape sequence: `\\C`"},
        {"regex.match", {"\"\\\\Q\\\\C\\\\E\"", "\"\\\\C\""}, "=true"},
        {"regex.match", {"\"a**\\\\C\"", "\"\""}, PE "invalid nested repetition operator: `**`"},
        {"regex.match", {"\"(\\\\C\"", "\"\""}, PE "invalid escape sequence: `\\C`"},
        {"regex.match", {"\"\\\\x{110000}\"", "\"\""}, PE "invalid escape sequence: `\\x{110000`"},
        {"regex.match", {"\"a\\\\x{\"", "\"\""}, PE "invalid escape sequence: `\\x{`"},
        {"regex.match", {"\"[a\\\\p\"", "\"\""}, PE "invalid character class range: `\\p`"},
        {"regex.match", {"\"a\\\\P\"", "\"\""}, PE "invalid character class range: `\\P`"},
        {"regex.match", {"\"(?P<>a)\"", "\"\""}, PE "invalid named capture: `(?P<>`"},
        {"regex.match", {"\"(?<a-b>x)\"", "\"\""}, PE "invalid named capture: `(?<a-b>`"},
        {"regex.match", {"\"(?P<é>x)\"", "\"\""}, PE "invalid named capture: `(?P<é>`"},
        {"regex.match", {"\"(?P<n\"", "\"\""}, PE "invalid named capture: `(?P<n`"},
        {"regex.match", {"\"(?<n\"", "\"\""}, PE "invalid named capture: `(?<n`"},
        {"regex.match", {"\"(?=a)\"", "\"\""}, PE "invalid or unsupported Perl syntax: `(?=`"},
        {"regex.match", {"\"(?i\"", "\"\""}, PE "invalid or unsupported Perl syntax: `(?i`"},
        {"regex.match", {"\"(?P=n)\"", "\"\""}, PE "invalid or unsupported Perl syntax: `(?P`"},
        /* operand types */
        {"regex.match", {"1", "\"a\""}, TE "operand 1 must be string but got number"},
        {"regex.match", {"\"a\"", "[\"a\"]"}, TE "operand 2 must be string but got array"},
        {"re_match", {"null", "\"a\""}, TE "operand 1 must be string but got null"},
        /* conformance regexisvalid */
        {"regex.is_valid", {"\".+\""}, "=true"},
        {"regex.is_valid", {"\"++\""}, "=false"},
        {"regex.is_valid", {"10"}, "=false"},
        {"regex.is_valid", {"\"\\\\C\""}, "=false"},
        {"regex.is_valid", {"\"(?<n>x)\""}, "=true"},
        {"regex.is_valid", {"\"[\\\\pL\\\\pN]{1000}\""}, "=true"},
    };
    RUN(cases);
}
END_TEST

/* Deep nesting is Go's "expression nests too deeply". */
START_TEST(regex_nesting)
{
    strbuf p = STRBUF_INIT;
    for (int i = 0; i < 1001; i++)
        sb_putc(&p, '(');
    sb_putc(&p, 'a');
    for (int i = 0; i < 1001; i++)
        sb_putc(&p, ')');
    val *args[2] = {val_string(&A, p.data, p.len), val_cstring(&A, "a")};
    char *got = call_text("regex.match", args, 2, AS_REGO);
    const char *want = PE "expression nests too deeply: `(((";
    ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "got %s", got);
    free(got);
    sb_free(&p);
}
END_TEST

/* ---- regex.find_n, regex.find_all_string_submatch_n, regex.split ---- */

START_TEST(regex_find)
{
    static const tcase cases[] = {
        /* conformance regexfind */
        {"regex.find_n", {"\"a.\"", "\"paranormal\"", "-1"}, "=[\"ar\", \"an\", \"al\"]"},
        {"regex.find_n", {"\"a.\"", "\"paranormal\"", "2"}, "=[\"ar\", \"an\"]"},
        {"regex.find_n", {"\"bork\"", "\"paranormal\"", "-1"}, "=[]"},
        {"regex.find_n", {"\"a.\"", "\"paranormal\"", "0"}, "=[]"},
        {"regex.find_n", {"\"a.\"", "\"paranormal\"", "100"}, "=[\"ar\", \"an\", \"al\"]"},
        /* Go's empty-match rules */
        {"regex.find_n", {"\"\"", "\"abc\"", "-1"}, "=[\"\", \"\", \"\", \"\"]"},
        {"regex.find_n", {"\"a*\"", "\"baaab\"", "-1"}, "=[\"\", \"aaa\", \"\"]"},
        {"regex.find_n", {"\"x*\"", "\"\"", "-1"}, "=[\"\"]"},
        {"regex.find_n", {"\"\"", "\"héé\"", "-1"}, "=[\"\", \"\", \"\", \"\"]"},
        {"regex.find_n", {"\"\\\\b\"", "\"ab cd\"", "-1"}, "=[\"\", \"\", \"\", \"\"]"},
        {"regex.find_n", {"\"^a\"", "\"aaa\"", "-1"}, "=[\"a\"]"},
        /* \\B only between characters, never inside one */
        {"regex.find_n", {"\"\\\\B\"", "\"éa b\"", "-1"}, "=[\"\"]"},
        {"regex.split", {"\"\\\\B\"", "\"xéy\""}, "=[\"xéy\"]"},
        {"regex.replace", {"\"éa b\"", "\"\\\\B\"", "\"-\""}, "=\"-éa b\""},
        {"regex.find_n", {"\"[\"", "\"a\"", "1"}, PE "missing closing ]: `[`"},
        {"regex.find_n", {"\"a\"", "\"a\"", "1.5"}, TE "operand 3 must be integer number but got floating-point number"},
        {"regex.find_n", {"\"a\"", "\"a\"", "\"1\""}, TE "operand 3 must be number but got string"},
        {"regex.find_n", {"\"a\"", "1", "1"}, TE "operand 2 must be string but got number"},
        /* conformance regexfindallstringsubmatch */
        {"regex.find_all_string_submatch_n", {"\"a(x*)b\"", "\"-\"", "-1"}, "=[]"},
        {"regex.find_all_string_submatch_n", {"\"a(x*)b\"", "\"-ab-\"", "-1"}, "=[[\"ab\", \"\"]]"},
        {"regex.find_all_string_submatch_n", {"\"a(x*)b\"", "\"-axxb-\"", "-1"}, "=[[\"axxb\", \"xx\"]]"},
        {"regex.find_all_string_submatch_n", {"\"a(x*)b\"", "\"-ab-axb-\"", "-1"},
         "=[[\"ab\", \"\"], [\"axb\", \"x\"]]"},
        {"regex.find_all_string_submatch_n", {"\"[^aouiye]([aouiye])([^aouiye])?\"", "\"somestri\"", "-1"},
         "=[[\"som\", \"o\", \"m\"], [\"ri\", \"i\", \"\"]]"},
        {"regex.find_all_string_submatch_n", {"\"[^aouiye]([aouiye])([^aouiye])?\"", "\"somestri\"", "1"},
         "=[[\"som\", \"o\", \"m\"]]"},
        {"regex.find_all_string_submatch_n", {"\"^.*$\"", "\"aaaaaaaaaaabc\"", "-1"}, "=[[\"aaaaaaaaaaabc\"]]"},
        {"regex.find_all_string_submatch_n", {"\"(a)|(b)\"", "\"ab\"", "-1"},
         "=[[\"a\", \"a\", \"\"], [\"b\", \"\", \"b\"]]"},
        {"regex.find_all_string_submatch_n", {"\"(?P<x>a)(?<y>b)?\"", "\"aab\"", "-1"},
         "=[[\"a\", \"a\", \"\"], [\"ab\", \"a\", \"b\"]]"},
        {"regex.find_all_string_submatch_n", {"\"(\"", "\"a\"", "-1"}, PE "missing closing ): `(`"},
        /* conformance regexsplit */
        {"regex.split", {"\"^[a-z]+\\\\[[0-9]+\\\\]$\"", "\"\""}, "=[\"\"]"},
        {"regex.split", {"\"a\"", "\"banana\""}, "=[\"b\", \"n\", \"n\", \"\"]"},
        {"regex.split", {"\"z+\"", "\"pizza\""}, "=[\"pi\", \"a\"]"},
        {"regex.split", {"\"\"", "\"abc\""}, "=[\"a\", \"b\", \"c\"]"},
        {"regex.split", {"\"\"", "\"\""}, "=[]"},
        {"regex.split", {"\"x*\"", "\"axbxxc\""}, "=[\"a\", \"b\", \"c\"]"},
        {"regex.split", {"\",\"", "\"a,b,,c,\""}, "=[\"a\", \"b\", \"\", \"c\", \"\"]"},
        {"regex.split", {"\"a\"", "\"xyz\""}, "=[\"xyz\"]"},
        {"regex.split", {"\"(\"", "\"a\""}, PE "missing closing ): `(`"},
        {"regex.split", {"1", "\"a\""}, TE "operand 1 must be string but got number"},
    };
    RUN(cases);
}
END_TEST

/* ---- regex.replace ---- */

START_TEST(regex_replace)
{
    static const tcase cases[] = {
        /* conformance regexreplace */
        {"regex.replace", {"\"-wy-wxxy-\"", "\"w(x*)y\"", "\"0\""}, "=\"-0-0-\""},
        {"regex.replace", {"\"foo\"", "\"(foo)\"", "\"$1$1\""}, "=\"foofoo\""},
        {"regex.replace", {"\"foo\"", "\"[\"", "\"$1\""}, PE "missing closing ]: `[`"},
        /* Go's ReplaceAllString */
        {"regex.replace", {"\"baaab\"", "\"a*\"", "\"X\""}, "=\"XbXbX\""},
        {"regex.replace", {"\"aaa\"", "\"a*\"", "\"X\""}, "=\"X\""},
        {"regex.replace", {"\"abc\"", "\"\"", "\"-\""}, "=\"-a-b-c-\""},
        {"regex.replace", {"\"héllo\"", "\"\"", "\"-\""}, "=\"-h-é-l-l-o-\""},
        {"regex.replace", {"\"\"", "\"\"", "\"x\""}, "=\"x\""},
        {"regex.replace", {"\"abc\"", "\"x\"", "\"y\""}, "=\"abc\""},
        /* Regexp.Expand */
        {"regex.replace", {"\"abc\"", "\"(?P<x>b)\"", "\"[${x}]\""}, "=\"a[b]c\""},
        {"regex.replace", {"\"abc\"", "\"(?<x>b)\"", "\"$x$x\""}, "=\"abbc\""},
        {"regex.replace", {"\"abc\"", "\"(b)\"", "\"$1x\""}, "=\"ac\""},
        {"regex.replace", {"\"abc\"", "\"(b)\"", "\"${1}x\""}, "=\"abxc\""},
        {"regex.replace", {"\"abc\"", "\"b\"", "\"$$\""}, "=\"a$c\""},
        {"regex.replace", {"\"abc\"", "\"b\"", "\"$\""}, "=\"a$c\""},
        {"regex.replace", {"\"abc\"", "\"b\"", "\"${\""}, "=\"a${c\""},
        {"regex.replace", {"\"abc\"", "\"b\"", "\"${1\""}, "=\"a${1c\""},
        {"regex.replace", {"\"abc\"", "\"(b)\"", "\"$2\""}, "=\"ac\""},
        {"regex.replace", {"\"abc\"", "\"(b)\"", "\"$01\""}, "=\"ac\""},
        {"regex.replace", {"\"abc\"", "\"(b)\"", "\"$0\""}, "=\"abc\""},
        {"regex.replace", {"\"abc\"", "\"(b)\"", "\"$é\""}, "=\"ac\""},
        {"regex.replace", {"\"abc\"", "\"(?P<é>b)\"", "\"x\""}, PE "invalid named capture: `(?P<é>`"},
        {"regex.replace", {"\"ab\"", "\"(?P<a>x)|(?P<a>b)\"", "\"[$a]\""}, "=\"a[b]\""},
        {"regex.replace", {"1", "\"a\"", "\"b\""}, TE "operand 1 must be string but got number"},
        {"regex.replace", {"\"a\"", "\"a\"", "2"}, TE "operand 3 must be string but got number"},
    };
    RUN(cases);
}
END_TEST

/* ---- regex.template_match ---- */

START_TEST(regex_template)
{
    static const tcase cases[] = {
        /* conformance regexmatchtemplate */
        {"regex.template_match", {"\"urn:foo:{.*}\"", "\"urn:foo:bar:baz\"", "\"{\"", "\"}\""}, "=true"},
        {"regex.template_match", {"\"urn:foo:<.*>\"", "\"urn:foo:bar:baz\"", "\"<\"", "\">\""}, "=true"},
        /* the literal parts are literal, the whole string must match */
        {"regex.template_match", {"\"a.b{[0-9]+}\"", "\"a.b12\"", "\"{\"", "\"}\""}, "=true"},
        {"regex.template_match", {"\"a.b{[0-9]+}\"", "\"axb12\"", "\"{\"", "\"}\""}, "=false"},
        {"regex.template_match", {"\"a.b{[0-9]+}\"", "\"a.b12x\"", "\"{\"", "\"}\""}, "=false"},
        {"regex.template_match", {"\"{a{2}}x\"", "\"aax\"", "\"{\"", "\"}\""}, "=true"},
        {"regex.template_match", {"\"(x)\"", "\"(x)\"", "\"{\"", "\"}\""}, "=true"},
        {"regex.template_match", {"\"urn:{[}\"", "\"urn:x\"", "\"{\"", "\"}\""}, PE "missing closing ]: `[$`"},
        {"regex.template_match", {"\"urn:foo:{.*\"", "\"x\"", "\"{\"", "\"}\""},
         "!eval_builtin_error: unbalanced braces in \"urn:foo:{.*\""},
        {"regex.template_match", {"\"a}\"", "\"x\"", "\"{\"", "\"}\""}, "!eval_builtin_error: unbalanced braces in \"a}\""},
        {"regex.template_match", {"\"a\"", "\"a\"", "\"{{\"", "\"}\""},
         "!eval_builtin_error: start delimiter has to be exactly one character long but is 2 long"},
        {"regex.template_match", {"\"a\"", "\"a\"", "\"{\"", "\"}}\""},
         "!eval_builtin_error: end delimiter has to be exactly one character long but is 1 long"},
        {"regex.template_match", {"\"a\"", "\"a\"", "1", "\"}\""}, TE "operand 3 must be string but got number"},
    };
    RUN(cases);
}
END_TEST

/* ---- regex.globs_match ---- */

#define GI_ERR(in, pos, msg) \
    "!eval_builtin_error: input:" in ", pos:" #pos ", " msg ": the input provided is invalid"

START_TEST(regex_globs_match)
{
    static const tcase cases[] = {
        /* OPA's globsmatch cases */
        {"regex.globs_match", {"\"a.a.[0-9]+z\"", "\".b.b2359825792*594823z\""}, "=true"},
        {"regex.globs_match", {"\"[a-z]+\"", "\"[0-9]*\""}, "=false"},
        {"regex.globs_match", {"\"b.*\"", "\"bar\""}, "=true"},
        {"regex.globs_match", {"\"b.*\"", "\"baz\""}, "=true"},
        {"regex.globs_match", {"\"[a-z]+\\\\[[0-9]+\\\\]\"", "\"foo\\\\[1\\\\]\""}, "=true"},
        {"regex.globs_match", {"\"[a-z]+\\\\[[0-9]+\\\\]\"", "\"foo[\\\"bar\\\"]\""}, "=false"},
        /* glob-intersection's own tests */
        {"regex.globs_match", {"\"\"", "\"\""}, "=true"},
        {"regex.globs_match", {"\"a\"", "\"\""}, "=false"},
        {"regex.globs_match", {"\"a*\"", "\"\""}, "=false"},
        {"regex.globs_match", {"\"abc\"", "\"abc\""}, "=true"},
        {"regex.globs_match", {"\"abc\"", "\"abd\""}, "=false"},
        {"regex.globs_match", {"\"a.c\"", "\"abc\""}, "=true"},
        {"regex.globs_match", {"\"ab*c\"", "\"ac\""}, "=true"},
        {"regex.globs_match", {"\"ab+c\"", "\"ac\""}, "=false"},
        {"regex.globs_match", {"\"ab+c\"", "\"abbbc\""}, "=true"},
        {"regex.globs_match", {"\"a+\"", "\"b+\""}, "=false"},
        {"regex.globs_match", {"\".*\"", "\"anything\""}, "=true"},
        {"regex.globs_match", {"\"[abc]+\"", "\"[cde]+\""}, "=true"},
        {"regex.globs_match", {"\"[ab]\"", "\"[cd]\""}, "=false"},
        {"regex.globs_match", {"\"[]\"", "\".\""}, "=true"},
        /* glob-intersection's walk is a heuristic: "c" is in both, yet */
        {"regex.globs_match", {"\"a*b*c*\"", "\"c\""}, "=false"},
        {"regex.globs_match", {"\"a*a*\"", "\"a+\""}, "=true"},
        {"regex.globs_match", {"\"\\\\.\"", "\"a\""}, "=false"},
        {"regex.globs_match", {"\"\\\\.\"", "\".\""}, "=true"},
        {"regex.globs_match", {"\"[\\\\]]\"", "\"\\\\]\""}, "=true"},
        /* tokenizer errors */
        {"regex.globs_match", {"\"[\"", "\"a\""}, GI_ERR("[", 1, "found [ without matching ]")},
        {"regex.globs_match", {"\"a\"", "\"]\""}, GI_ERR("]", 1, "set-close ']' with no preceding '['")},
        {"regex.globs_match", {"\"*a\"", "\"a\""}, GI_ERR("*a", 1, "flag '*' must be preceded by a non-flag")},
        {"regex.globs_match", {"\"a**\"", "\"a\""}, GI_ERR("a**", 3, "flag '*' must be preceded by a non-flag")},
        {"regex.globs_match", {"\"a\\\\\"", "\"a\""},
         GI_ERR("a\\", 1, "input ends with a \\ (escape) character")},
        {"regex.globs_match", {"\"[z-a]\"", "\"a\""},
         GI_ERR("[z-a]", 4, "range is out of order: 'a' comes before 'z' in Unicode")},
        {"regex.globs_match", {"\"[-a]\"", "\"a\""},
         GI_ERR("[-a]", 2, "range character '-' must be preceded by a Unicode character")},
        {"regex.globs_match", {"\"[a-]\"", "\"a\""},
         GI_ERR("[a-]", 3, "range character '-' must be followed by a Unicode character")},
        {"regex.globs_match", {"\"[a-]x\"", "\"a\""},
         GI_ERR("[a-]x", 4, "range character '-' cannot be followed by a special symbol")},
        {"regex.globs_match", {"1", "\"a\""}, TE "operand 1 must be string but got number"},
    };
    RUN(cases);
}
END_TEST

/* ---- glob.match, glob.quote_meta ---- */

START_TEST(glob_match)
{
    static const tcase cases[] = {
        /* conformance globmatch */
        {"glob.match", {"\"*.github.com\"", "[\".\"]", "\"api.github.com\""}, "=true"},
        {"glob.match", {"\"api.**.com\"", "[\".\"]", "\"api.github.com\""}, "=true"},
        {"glob.match", {"\"api.**.com\"", "[\".\"]", "\"api.cdn.github.com\""}, "=true"},
        {"glob.match", {"\"*:github:com\"", "[\":\"]", "\"api:github:com\""}, "=true"},
        {"glob.match", {"\"*.github.com\"", "[\".\"]", "\"api.not-github.com\""}, "=false"},
        {"glob.match", {"\"*.github.com\"", "[\".\"]", "\"api.example.com\""}, "=false"},
        {"glob.match", {"\"[abc]at\"", "[]", "\"cat\""}, "=true"},
        {"glob.match", {"\"[abc]at\"", "[]", "\"fat\""}, "=false"},
        {"glob.match", {"\"[!abc]at\"", "[]", "\"fat\""}, "=true"},
        {"glob.match", {"\"[!abc]at\"", "[]", "\"cat\""}, "=false"},
        {"glob.match", {"\"[a-c]at\"", "[]", "\"bat\""}, "=true"},
        {"glob.match", {"\"[a-c]at\"", "[]", "\"fat\""}, "=false"},
        {"glob.match", {"\"[!a-c]at\"", "[]", "\"bat\""}, "=false"},
        {"glob.match", {"\"[!a-c]at\"", "[]", "\"fat\""}, "=true"},
        {"glob.match", {"\"?at\"", "[]", "\"fat\""}, "=true"},
        {"glob.match", {"\"?at\"", "[]", "\"at\""}, "=false"},
        {"glob.match", {"\"?at\"", "[\"f\"]", "\"bat\""}, "=true"},
        {"glob.match", {"\"?at\"", "[\"f\"]", "\"fat\""}, "=false"},
        {"glob.match", {"\"{cat,bat,[fr]at}\"", "[]", "\"cat\""}, "=true"},
        {"glob.match", {"\"{cat,bat,[fr]at}\"", "[]", "\"bat\""}, "=true"},
        {"glob.match", {"\"{cat,bat,[fr]at}\"", "[]", "\"fat\""}, "=true"},
        {"glob.match", {"\"{cat,bat,[fr]at}\"", "[]", "\"rat\""}, "=true"},
        {"glob.match", {"\"{cat,bat,[fr]at}\"", "[]", "\"at\""}, "=false"},
        {"glob.match", {"\"*\"", "[\".\"]", "\"foo\""}, "=true"},
        {"glob.match", {"\"*\"", "[]", "\"foo\""}, "=true"},
        {"glob.match", {"\"*\"", "[\".\"]", "\"foo.bar\""}, "=false"},
        {"glob.match", {"\"*\"", "[]", "\"foo.bar\""}, "=false"},
        {"glob.match", {"\"*\"", "null", "\"foo.bar\""}, "=true"},
        {"glob.match", {"\"foo*\"", "null", "\"foo.bar\""}, "=true"},
        /* more of gobwas's semantics */
        {"glob.match", {"\"**\"", "[\".\"]", "\"\""}, "=true"},
        {"glob.match", {"\"\"", "[]", "\"\""}, "=true"},
        {"glob.match", {"\"\"", "[]", "\"a\""}, "=false"},
        {"glob.match", {"\"*\"", "[\".\", \":\"]", "\"a:b\""}, "=false"},
        {"glob.match", {"\"*\"", "[\".\", \":\"]", "\"ab\""}, "=true"},
        {"glob.match", {"\"a?c\"", "[\"/\"]", "\"a/c\""}, "=false"},
        {"glob.match", {"\"a[!x]c\"", "[\"/\"]", "\"a/c\""}, "=true"},
        {"glob.match", {"\"a[/]c\"", "[\"/\"]", "\"a/c\""}, "=true"},
        {"glob.match", {"\"{a,b}*\"", "[\".\"]", "\"b.c\""}, "=false"},
        {"glob.match", {"\"{a,b}**\"", "[\".\"]", "\"b.c\""}, "=true"},
        {"glob.match", {"\"{a,{b,c}d}x\"", "[]", "\"cdx\""}, "=true"},
        {"glob.match", {"\"{a,{b,c}d}x\"", "[]", "\"cx\""}, "=false"},
        {"glob.match", {"\"a{}b\"", "[]", "\"ab\""}, "=true"},
        {"glob.match", {"\"a{,x}b\"", "[]", "\"ab\""}, "=true"},
        {"glob.match", {"\"a{,x}b\"", "[]", "\"axb\""}, "=true"},
        {"glob.match", {"\"{a,b\"", "[]", "\"b\""}, "=true"},
        {"glob.match", {"\"a,b}\"", "[]", "\"a,b}\""}, "=true"},
        {"glob.match", {"\"a]\"", "[]", "\"a]\""}, "=true"},
        {"glob.match", {"\"\\\\*\"", "[]", "\"*\""}, "=true"},
        {"glob.match", {"\"\\\\*\"", "[]", "\"a\""}, "=false"},
        {"glob.match", {"\"a\\\\\"", "[]", "\"a\""}, "=true"},
        {"glob.match", {"\"[\\\\]]\"", "[]", "\"]\""}, "=true"},
        {"glob.match", {"\"[!!]\"", "[]", "\"a\""}, "=true"},
        {"glob.match", {"\"[!!]\"", "[]", "\"!\""}, "=false"},
        {"glob.match", {"\"[ab-c]\"", "[]", "\"-\""}, "=true"},
        {"glob.match", {"\"[a-a]\"", "[]", "\"a\""}, "=true"},
        {"glob.match", {"\"*a*a*a*b\"", "[]", "\"xaaayab\""}, "=true"},
        {"glob.match", {"\"?\"", "[]", "\"é\""}, "=true"},
        {"glob.match", {"\"a?\"", "[]", "\"aé\""}, "=true"},
        {"glob.match", {"\"*.é\"", "[\"é\"]", "\"x.é\""}, "=true"},
        {"glob.match", {"\"*\"", "[\"é\"]", "\"xéy\""}, "=false"},
        /* a NUL in the pattern: gobwas reads it as the end of a token */
        {"glob.match", {"\"a\\u0000*\"", "[]", "\"ab\""}, "=true"},
        {"glob.match", {"\"*\\u0000b\"", "[]", "\"x\""}, "=true"},
        /* pattern errors */
        {"glob.match", {"\"[\"", "[]", "\"x\""}, "!eval_builtin_error: unexpected end of input"},
        {"glob.match", {"\"[a\"", "[]", "\"x\""}, "!eval_builtin_error: unexpected end of input"},
        {"glob.match", {"\"[a-]\"", "[]", "\"x\""}, "!eval_builtin_error: unexpected end of input"},
        {"glob.match", {"\"[z-a]\"", "[]", "\"x\""}, "!eval_builtin_error: hi character 'a' should be greater than lo 'z'"},
        {"glob.match", {"\"[]\"", "[]", "\"x\""}, "!eval_builtin_error: could not parse range"},
        {"glob.match", {"\"[!]\"", "[]", "\"x\""}, "!eval_builtin_error: could not parse range"},
        {"glob.match", {"\"[a-z!]\"", "[]", "\"x\""}, "!eval_builtin_error: expected close range character"},
        {"glob.match", {"\"a\\ufffd\"", "[]", "\"x\""}, "!eval_builtin_error: could not read rune"},
        /* operands */
        {"glob.match", {"1", "[]", "\"x\""}, TE "operand 1 must be string but got number"},
        {"glob.match", {"\"*\"", "\"x\"", "\"x\""}, TE "operand 2 must be one of {array, null} but got string"},
        {"glob.match", {"\"*\"", "[1]", "\"x\""}, TE "operand 2 must be array of strings but got array containing number"},
        {"glob.match", {"\"*\"", "[\"ab\"]", "\"x\""}, TE "operand 2 must be array of runes but got array containing string"},
        {"glob.match", {"\"*\"", "[\"\"]", "\"x\""}, TE "operand 2 must be array of runes but got array containing string"},
        {"glob.match", {"\"*\"", "[]", "1"}, TE "operand 3 must be string but got number"},
        /* conformance globquotemeta */
        {"glob.quote_meta", {"\"*.github.com\""}, "=\"\\\\*.github.com\""},
        {"glob.quote_meta", {"\"[a]{b}?\\\\\""}, "=\"\\\\[a\\\\]\\\\{b\\\\}\\\\?\\\\\\\\\""},
        {"glob.quote_meta", {"\"plain.text,-!\""}, "=\"plain.text,-!\""},
        {"glob.quote_meta", {"1"}, TE "operand 1 must be string but got number"},
    };
    RUN(cases);
}
END_TEST

/* A quoted pattern matches itself literally. */
START_TEST(glob_quote_meta_round_trip)
{
    const char *texts[] = {"*.github.com", "a[b]c{d,e}?f\\g", "**", "plain"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        val *arg = val_cstring(&A, texts[i]);
        val *quoted = NULL;
        ck_assert_int_eq(builtin_lookup("glob.quote_meta")->fn(&ctx, &arg, &quoted), BI_OK);
        val *args[3] = {quoted, VAL_NULL_V, arg};
        val *out = NULL;
        ck_assert_int_eq(builtin_lookup("glob.match")->fn(&ctx, args, &out), BI_OK);
        ck_assert_msg(out == VAL_TRUE_V, "quote_meta(%s) does not match itself", texts[i]);
    }
}
END_TEST

/* ---- invalid UTF-8: each bad byte is one U+FFFD for Go ---- */

static val *S(const char *s) { return val_string(&A, s, strlen(s)); }

static void expect_call(const char *name, val **args, int n, const char *want)
{
    char *got = call_text(name, args, n, AS_REGO);
    ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", name, got, want);
    free(got);
}

START_TEST(invalid_utf8)
{
    val *a1[2] = {S("^.$"), S("\xff")};
    expect_call("regex.match", a1, 2, "=true");
    val *a2[2] = {S("^\\x{FFFD}$"), S("\xff")};
    expect_call("regex.match", a2, 2, "=true");
    val *a3[2] = {S("^a.c$"), S("a\xed\xa0\x80" "c")};   /* a surrogate is three bad bytes */
    expect_call("regex.match", a3, 2, "=false");
    val *a4[2] = {S("^a...c$"), S("a\xed\xa0\x80" "c")};
    expect_call("regex.match", a4, 2, "=true");

    /* positions map back to the caller's bytes */
    val *a5[3] = {S("."), S("a\xff" "b"), val_int(&A, -1)};
    val *out = NULL;
    ck_assert_int_eq(builtin_lookup("regex.find_n")->fn(&ctx, a5, &out), BI_OK);
    ck_assert_int_eq(val_len(out), 3);
    ck_assert_int_eq(val_len(val_array_items(out)[1]), 1);
    ck_assert_int_eq((unsigned char)val_str(val_array_items(out)[1])[0], 0xff);

    val *a6[3] = {S("x\xfe" "y\xff"), S("\\x{FFFD}"), S("-")};
    ck_assert_int_eq(builtin_lookup("regex.replace")->fn(&ctx, a6, &out), BI_OK);
    ck_assert_int_eq(val_len(out), 4);
    ck_assert(memcmp(val_str(out), "x-y-", 4) == 0);

    val *a7[3] = {S("x\xfe" "y"), S(""), S("-")};
    ck_assert_int_eq(builtin_lookup("regex.replace")->fn(&ctx, a7, &out), BI_OK);
    ck_assert_int_eq(val_len(out), 7);
    ck_assert(memcmp(val_str(out), "-x-\xfe-y-", 7) == 0);

    val *a8[2] = {S("\xff"), S("x\xff" "y")};
    ck_assert_int_eq(builtin_lookup("regex.split")->fn(&ctx, a8, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_msg, "error parsing regexp: invalid UTF-8: `\xff`");
    val *a9[2] = {S("a(\xff"), S("x")};
    expect_call("regex.match", a9, 2, PE "invalid UTF-8: `\xff`");
    val *a10[2] = {S("a**\xff"), S("x")};
    expect_call("regex.match", a10, 2, PE "invalid nested repetition operator: `**`");
    val *a11[2] = {S("(?i\xff)"), S("x")};
    expect_call("regex.match", a11, 2, PE "invalid UTF-8: `\xff)`");
    val *a12[2] = {S("(?P<a\xff>x)"), S("x")};
    expect_call("regex.match", a12, 2, PE "invalid UTF-8: `\xff`");
    val *a13[2] = {S("\xed\xa0\x80"), S("x")};
    expect_call("regex.match", a13, 2, PE "invalid UTF-8: `\xed\xa0\x80`");
    val *a14[1] = {S("a\xff")};
    expect_call("regex.is_valid", a14, 1, "=false");

    /* glob: the pattern may not hold bad bytes, the string may */
    val *g1[3] = {S("a?c"), VAL_NULL_V, S("a\xff" "c")};
    expect_call("glob.match", g1, 3, "=true");
    val *g2[3] = {S("a\xff"), VAL_NULL_V, S("x")};
    expect_call("glob.match", g2, 3, "!eval_builtin_error: could not read rune");
    val *g3[3] = {S("[!a]"), VAL_NULL_V, S("\xff")};
    expect_call("glob.match", g3, 3, "=true");
    val *g4[3] = {S("*"), VAL_NULL_V, S("a\xff\xfe")};
    expect_call("glob.match", g4, 3, "=true");
    val *g5[3] = {S("???"), VAL_NULL_V, S("a\xff\xfe")};
    expect_call("glob.match", g5, 3, "=true");

    val *gi[2] = {S("a.b"), S("a\xff" "b")};
    expect_call("regex.globs_match", gi, 2, "=true");
}
END_TEST

/* ---- the caches ---- */

START_TEST(regex_cache_reuse)
{
    unsigned long before = re2s_cache_compiles();
    val *args[2] = {S("^cache-reuse-[0-9]+$"), S("cache-reuse-42")};
    for (int i = 0; i < 50; i++)
        expect_call("regex.match", args, 2, "=true");
    ck_assert_uint_eq(re2s_cache_compiles() - before, 1);

    /* errors are remembered too */
    before = re2s_cache_compiles();
    val *bad[2] = {S("cache-reuse-["), S("x")};
    for (int i = 0; i < 5; i++)
        expect_call("regex.match", bad, 2, PE "missing closing ]: `[`");
    ck_assert_uint_eq(re2s_cache_compiles() - before, 1);

    /* the cache is bounded; evicted patterns compile again */
    for (int i = 0; i < 400; i++) {
        char p[32];
        snprintf(p, sizeof p, "^evict-%d$", i);
        val *a[2] = {S(p), S("evict-1")};
        expect_call("regex.match", a, 2, i == 1 ? "=true" : "=false");
    }
    ck_assert_uint_le(re2s_cache_size(), 256);
    before = re2s_cache_compiles();
    val *first[2] = {S("^evict-0$"), S("evict-0")};
    expect_call("regex.match", first, 2, "=true");
    ck_assert_uint_eq(re2s_cache_compiles() - before, 1);

    re2s_cache_clear();
    ck_assert_uint_eq(re2s_cache_size(), 0);
    expect_call("regex.match", args, 2, "=true");
    ck_assert_uint_eq(re2s_cache_size(), 1);
}
END_TEST

START_TEST(glob_cache_reuse)
{
    size_t entries;
    unsigned long before, after;
    glob_cache_stats(&entries, &before);
    val *args[3] = {S("cache.*.reuse"), J("[\".\"]"), S("cache.x.reuse")};
    for (int i = 0; i < 50; i++)
        expect_call("glob.match", args, 3, "=true");
    glob_cache_stats(&entries, &after);
    ck_assert_uint_eq(after - before, 1);

    /* the same pattern with other delimiters is another entry */
    val *other[3] = {S("cache.*.reuse"), VAL_NULL_V, S("cache.x.y.reuse")};
    expect_call("glob.match", other, 3, "=true");
    expect_call("glob.match", args, 3, "=true");
    glob_cache_stats(&entries, &after);
    ck_assert_uint_eq(after - before, 2);

    for (int i = 0; i < 400; i++) {
        char p[32];
        snprintf(p, sizeof p, "evict-%d-*", i);
        val *a[3] = {S(p), VAL_NULL_V, S("evict-7-x")};
        expect_call("glob.match", a, 3, i == 7 ? "=true" : "=false");
    }
    glob_cache_stats(&entries, &after);
    ck_assert_uint_le(entries, 256);
    glob_cache_clear();
    glob_cache_stats(&entries, &after);
    ck_assert_uint_eq(entries, 0);
    expect_call("glob.match", args, 3, "=true");
}
END_TEST

/* ---- hostile inputs finish quickly (RE2 and the glob automaton are
 * linear in the input; globs_match is memoised) ---- */

START_TEST(hostile_inputs)
{
    strbuf s = STRBUF_INIT;
    for (int i = 0; i < 200000; i++)
        sb_putc(&s, 'a');
    val *long_a = val_string(&A, s.data, s.len);
    sb_free(&s);
    double t0 = now_seconds();

    val *m1[2] = {S("(a*)*b"), long_a};
    expect_call("regex.match", m1, 2, "=false");
    val *m2[2] = {S("^(a|aa)+$"), long_a};
    expect_call("regex.match", m2, 2, "=true");
    val *m3[2] = {S("(x+x+)+y"), long_a};
    expect_call("regex.match", m3, 2, "=false");
    val *m4[3] = {S("(a*)*b"), long_a, val_int(&A, -1)};
    expect_call("regex.find_all_string_submatch_n", m4, 3, "=[]");
    val *m5[3] = {long_a, S("(a|b)*c"), S("x")};
    val *out = NULL;
    ck_assert_int_eq(builtin_lookup("regex.replace")->fn(&ctx, m5, &out), BI_OK);
    ck_assert_ptr_eq(out, long_a);

    val *g1[3] = {S("*a*a*a*a*a*a*a*a*a*a*a*a*b"), VAL_NULL_V, long_a};
    expect_call("glob.match", g1, 3, "=false");
    val *g2[3] = {S("{a,aa}{a,aa}{a,aa}**b"), J("[\".\"]"), long_a};
    expect_call("glob.match", g2, 3, "=false");

    strbuf x = STRBUF_INIT, y = STRBUF_INIT;
    for (int i = 0; i < 300; i++) {
        sb_puts(&x, "a*b*");
        sb_puts(&y, "b*a*");
    }
    sb_putc(&x, 'c');
    sb_putc(&y, 'c');
    val *gm[2] = {val_string(&A, x.data, x.len), val_string(&A, y.data, y.len)};
    ck_assert_int_eq(builtin_lookup("regex.globs_match")->fn(&ctx, gm, &out), BI_OK);
    sb_free(&x);
    sb_free(&y);

    double elapsed = now_seconds() - t0;
    ck_assert_msg(elapsed < 5.0, "hostile inputs took %.2fs", elapsed);
}
END_TEST

/* ---- results that do not fit the arena: the shim's buffers are freed
 * (ASan's leak check would see them otherwise) ---- */

START_TEST(arena_limit_does_not_leak)
{
    const char *names[] = {"regex.find_n", "regex.find_all_string_submatch_n", "regex.split", "regex.replace"};
    strbuf big = STRBUF_INIT;
    for (int i = 0; i < 20000; i++)
        sb_puts(&big, "ab,");
    val *s = val_string(&A, big.data, big.len);
    sb_free(&big);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        val *args[3];
        if (!strcmp(names[k], "regex.replace")) {
            args[0] = s;
            args[1] = val_cstring(&A, "(a)");
            args[2] = val_cstring(&A, "[$1$1]");
        } else {
            args[0] = val_cstring(&A, "(a)|,");
            args[1] = s;
            args[2] = val_int(&A, -1);
        }
        expect_arena_limit_hit(names[k], args);
    }
}
END_TEST

/* ---- many threads, shared caches, constant eviction ---- */

typedef struct worker {
    int id;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    arena a;
    arena_init(&a, 1 << 14);
    bi_ctx c;
    memset(&c, 0, sizeof c);
    c.a = &a;
    const builtin_def *rm = builtin_lookup("regex.match"), *gm = builtin_lookup("glob.match");
    for (int i = 0; i < 2000; i++) {
        char p[64], t[64];
        int k = (i * 7 + w->id * 13) % 600;   /* more patterns than the caches hold */
        snprintf(p, sizeof p, "^t%d-[0-9]+$", k);
        snprintf(t, sizeof t, "t%d-%d", k, i);
        val *args[3] = {val_cstring(&a, p), val_cstring(&a, t), NULL};
        val *out = NULL;
        if (rm->fn(&c, args, &out) != BI_OK || out != VAL_TRUE_V)
            w->failures++;
        snprintf(p, sizeof p, "t%d-*", k);
        args[0] = val_cstring(&a, p);
        args[1] = VAL_NULL_V;
        args[2] = val_cstring(&a, t);
        if (gm->fn(&c, args, &out) != BI_OK || out != VAL_TRUE_V)
            w->failures++;
        if (i % 100 == 0)
            arena_reset(&a);
    }
    arena_release(&a);
    return NULL;
}

START_TEST(concurrent_use)
{
    enum { N = 8 };
    pthread_t th[N];
    worker ws[N];
    for (int i = 0; i < N; i++) {
        ws[i] = (worker){i, 0};
        ck_assert_int_eq(pthread_create(&th[i], NULL, work, &ws[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(ws[i].failures, 0);
    }
}
END_TEST

START_TEST(registered_with_arity)
{
    static const struct {
        const char *name;
        int arity;
        unsigned flags;
    } want[] = {
        {"regex.match", 2, 0},
        {"re_match", 2, BI_F_DEPRECATED},
        {"regex.is_valid", 1, 0},
        {"regex.find_n", 3, 0},
        {"regex.find_all_string_submatch_n", 3, 0},
        {"regex.replace", 3, 0},
        {"regex.split", 2, 0},
        {"regex.template_match", 4, 0},
        {"regex.globs_match", 2, 0},
        {"glob.match", 3, 0},
        {"glob.quote_meta", 1, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const builtin_def *d = builtin_lookup(want[i].name);
        ck_assert_msg(d != NULL, "%s missing", want[i].name);
        ck_assert_int_eq(d->arity, want[i].arity);
        ck_assert_uint_eq(d->flags & BI_F_DEPRECATED, want[i].flags);
    }
}
END_TEST

Suite *suite_builtins_regex(void);

Suite *suite_builtins_regex(void)
{
    Suite *s = suite_create("builtins_regex");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, builtin_setup, builtin_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, regex_match);
    tcase_add_test(tc, regex_nesting);
    tcase_add_test(tc, regex_find);
    tcase_add_test(tc, regex_replace);
    tcase_add_test(tc, regex_template);
    tcase_add_test(tc, regex_globs_match);
    tcase_add_test(tc, glob_match);
    tcase_add_test(tc, glob_quote_meta_round_trip);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, regex_cache_reuse);
    tcase_add_test(tc, glob_cache_reuse);
    tcase_add_test(tc, hostile_inputs);
    tcase_add_test(tc, arena_limit_does_not_leak);
    tcase_add_test(tc, concurrent_use);
    tcase_add_test(tc, registered_with_arity);
    suite_add_tcase(s, tc);
    return s;
}
