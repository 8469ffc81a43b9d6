/* Unit tests for the builtin group "uri" (engine/builtins/uri.c): uri.parse
 * and uri.is_valid, called through the registry as the VM calls them, and
 * uri_go_reformat (url.Parse then URL.String()).
 *
 * Rows port OPA's conformance cases (v1/test/cases/testdata/v1/uribuiltins)
 * and pin down the Go net/url behaviour OPA inherits: escapes, userinfo,
 * ports, bracketed IPv6 hosts, opaque URLs and the raw_path rule.  Each row
 * is the argument as JSON and what is expected: "=JSON" for a result
 * (canonical JSON, keys sorted) or "!code: message" for an error. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/builtins.h"
#include "engine/value.h"

#include "builtin_harness.h"

bool uri_go_reformat(arena *a, const char *s, size_t n, const char **out, size_t *outn);

typedef struct ucase {
    const char *name;
    const char *arg;    /* JSON */
    const char *want;
} ucase;

static void run_case(const ucase *t)
{
    val *arg = J(t->arg);
    char *got = call_text(t->name, &arg, 1, AS_JSON);
    ck_assert_msg(strcmp(got, t->want) == 0, "%s(%s):\n  got  %s\n  want %s", t->name, t->arg, got, t->want);
    free(got);
}

#define RUN_UCASES(table)                                           \
    for (size_t i_ = 0; i_ < sizeof table / sizeof table[0]; i_++) \
    run_case(&table[i_])

/* uribuiltins/test-uribuiltins-0001 and -0003 (uri.parse) */
static const ucase opa_parse[] = {
    {"uri.parse", "\"https://example.com:8080/api?q=1#top\"",
     "={\"fragment\":\"top\",\"hostname\":\"example.com\",\"path\":\"/api\",\"port\":\"8080\","
     "\"raw_path\":\"/api\",\"raw_query\":\"q=1\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"https://example.com/path\"",
     "={\"hostname\":\"example.com\",\"path\":\"/path\",\"raw_path\":\"/path\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"https://example.com:443/path\"",
     "={\"hostname\":\"example.com\",\"path\":\"/path\",\"port\":\"443\",\"raw_path\":\"/path\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"https://example.com?q=1#frag\"",
     "={\"fragment\":\"frag\",\"hostname\":\"example.com\",\"raw_query\":\"q=1\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"http://[::1]:8080/path\"",
     "={\"hostname\":\"::1\",\"path\":\"/path\",\"port\":\"8080\",\"raw_path\":\"/path\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"https://example.com/path%2Fwith%2Fslashes\"",
     "={\"hostname\":\"example.com\",\"path\":\"/path/with/slashes\",\"raw_path\":\"/path%2Fwith%2Fslashes\","
     "\"scheme\":\"https\"}"},
    {"uri.parse", "\"https://example.com/plain/path\"",
     "={\"hostname\":\"example.com\",\"path\":\"/plain/path\",\"raw_path\":\"/plain/path\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"\"", "={}"},
    {"uri.parse", "\"mailto:user@example.com\"", "={\"scheme\":\"mailto\"}"},
    {"uri.parse", "\"http://exa%6dple.com/\"",
     "!eval_builtin_error: parse \"http://exa%6dple.com/\": invalid URL escape \"%6d\""},
    {"uri.parse", "\"http://a<b@example.com/\"",
     "!eval_builtin_error: parse \"http://a<b@example.com/\": net/url: invalid userinfo"},
    {"uri.parse", "\"http://example.com:\u0663\u0664/\"",
     "!eval_builtin_error: parse \"http://example.com:\u0663\u0664/\": invalid port \":\u0663\u0664\" after host"},
    {"uri.parse", "\"http://foo]bar/\"",
     "={\"hostname\":\"foo]bar\",\"path\":\"/\",\"raw_path\":\"/\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"https://example.com/a%21b\"",
     "={\"hostname\":\"example.com\",\"path\":\"/a!b\",\"raw_path\":\"/a!b\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"https://example.com/a%27b\"",
     "={\"hostname\":\"example.com\",\"path\":\"/a'b\",\"raw_path\":\"/a'b\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"https://example.com/a%2Ab\"",
     "={\"hostname\":\"example.com\",\"path\":\"/a*b\",\"raw_path\":\"/a*b\",\"scheme\":\"https\"}"},
    {"uri.parse", "\"https://example.com/a%28b%29\"",
     "={\"hostname\":\"example.com\",\"path\":\"/a(b)\",\"raw_path\":\"/a(b)\",\"scheme\":\"https\"}"},
};

/* uribuiltins/test-uribuiltins-0002 and -0003 (uri.is_valid) */
static const ucase opa_is_valid[] = {
    {"uri.is_valid", "\"https://example.com/path?q=1\"", "=true"},
    {"uri.is_valid", "\"\"", "=false"},
    {"uri.is_valid", "\"http://[invalid\"", "=false"},
    {"uri.is_valid", "\"http://exa%6dple.com/\"", "=false"},
    {"uri.is_valid", "\"http://a<b@example.com/\"", "=false"},
    {"uri.is_valid", "\"http://user name@example.com/\"", "=false"},
    {"uri.is_valid", "\"http://example.com:\u0663\u0664/\"", "=false"},
    {"uri.is_valid", "\"http://foo]bar/\"", "=true"},
};

/* Go's net/url behaviour behind the builtins. */
static const ucase go_parse[] = {
    /* OPA's topdown test: a port that is not numeric */
    {"uri.parse", "\"https://www.openpolicyagent.org:3a9\"",
     "!eval_builtin_error: parse \"https://www.openpolicyagent.org:3a9\": invalid port \":3a9\" after host"},
    {"uri.parse", "1", "!eval_type_error: operand 1 must be string but got number"},
    {"uri.parse", "\"HTTP://Example.com/\"",
     "={\"hostname\":\"Example.com\",\"path\":\"/\",\"raw_path\":\"/\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://user:pass@host:80/p?x=1&y#f\"",
     "={\"fragment\":\"f\",\"hostname\":\"host\",\"path\":\"/p\",\"port\":\"80\",\"raw_path\":\"/p\","
     "\"raw_query\":\"x=1&y\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"/just/a/path\"", "={\"path\":\"/just/a/path\",\"raw_path\":\"/just/a/path\"}"},
    {"uri.parse", "\"//host/p\"", "={\"hostname\":\"host\",\"path\":\"/p\",\"raw_path\":\"/p\"}"},
    {"uri.parse", "\"http://x/a b\"", "={\"hostname\":\"x\",\"path\":\"/a b\",\"raw_path\":\"/a b\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://x/a%20b\"",
     "={\"hostname\":\"x\",\"path\":\"/a b\",\"raw_path\":\"/a b\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://x/%7e\"", "={\"hostname\":\"x\",\"path\":\"/~\",\"raw_path\":\"/%7e\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://x?\"", "={\"hostname\":\"x\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://x/#a%20b\"",
     "={\"fragment\":\"a b\",\"hostname\":\"x\",\"path\":\"/\",\"raw_path\":\"/\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://[fe80::1%25en0]:8080/\"",
     "={\"hostname\":\"fe80::1%en0\",\"path\":\"/\",\"port\":\"8080\",\"raw_path\":\"/\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://[::ffff:1.2.3.4]/\"",
     "={\"hostname\":\"::ffff:1.2.3.4\",\"path\":\"/\",\"raw_path\":\"/\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"postgres://h1:5432,h2:5433/db\"",
     "={\"hostname\":\"h1:5432,h2\",\"path\":\"/db\",\"port\":\"5433\",\"raw_path\":\"/db\",\"scheme\":\"postgres\"}"},
    {"uri.parse", "\"urn:isbn:0451450523\"", "={\"scheme\":\"urn\"}"},
    {"uri.parse", "\"*\"", "={\"path\":\"*\",\"raw_path\":\"*\"}"},
    {"uri.parse", "\"http://x:\"", "={\"hostname\":\"x\",\"scheme\":\"http\"}"},
    {"uri.parse", "\"http://a:b:80/\"", "!eval_builtin_error: parse \"http://a:b:80/\": invalid port \":b:80\" after host"},
    {"uri.parse", "\"http://[1.2.3.4]/\"", "!eval_builtin_error: parse \"http://[1.2.3.4]/\": invalid IP-literal"},
    {"uri.parse", "\"http://a[::1]/\"", "!eval_builtin_error: parse \"http://a[::1]/\": invalid IP-literal"},
    {"uri.parse", "\"https://[v1.x]/\"",
     "!eval_builtin_error: parse \"https://[v1.x]/\": invalid host: ParseAddr(\"v1.x\"): unexpected character "
     "(at \"v1.x\")"},
    {"uri.parse", "\"http://[::1:]/\"",
     "!eval_builtin_error: parse \"http://[::1:]/\": invalid host: ParseAddr(\"::1:\"): colon must be followed "
     "by more characters (at \":\")"},
    {"uri.parse", "\"http://[::1\"", "!eval_builtin_error: parse \"http://[::1\": missing ']' in host"},
    {"uri.parse", "\"http://[::1]x/\"", "!eval_builtin_error: parse \"http://[::1]x/\": invalid port \"x\" after host"},
    {"uri.parse", "\"://x\"", "!eval_builtin_error: parse \"://x\": missing protocol scheme"},
    {"uri.parse", "\"1a:b/x\"", "!eval_builtin_error: parse \"1a:b/x\": first path segment in URL cannot contain colon"},
    {"uri.parse", "\"http://x/\\u0001\"", "!eval_builtin_error: parse \"http://x/\\x01\": net/url: invalid control character in URL"},
    {"uri.parse", "\"https://example.com/%zz\"", "!eval_builtin_error: parse \"https://example.com/%zz\": invalid URL escape \"%zz\""},
    {"uri.parse", "\"https://example.com/%4\"", "!eval_builtin_error: parse \"https://example.com/%4\": invalid URL escape \"%4\""},
    {"uri.parse", "\"http://a{b}/\"", "!eval_builtin_error: parse \"http://a{b}/\": invalid character \"{\" in host name"},
    {"uri.parse", "\"http://x/#%zz\"", "!eval_builtin_error: parse \"http://x/#%zz\": invalid URL escape \"%zz\""},
    {"uri.parse", "\"http://us%zzer@x/\"", "!eval_builtin_error: parse \"http://us%zzer@x/\": invalid URL escape \"%zz\""},
    {"uri.is_valid", "1", "=false"},
    {"uri.is_valid", "\"relative/path\"", "=true"},
    {"uri.is_valid", "\"http://user:p@ss@host/\"", "=true"},
};

START_TEST(parse_opa_cases) { RUN_UCASES(opa_parse); }
END_TEST

START_TEST(is_valid_opa_cases) { RUN_UCASES(opa_is_valid); }
END_TEST

START_TEST(go_url_semantics) { RUN_UCASES(go_parse); }
END_TEST

/* url.Parse(s).String(), as annotations use it for related_resources. */
START_TEST(reformat)
{
    static const char *const rows[][2] = {
        {"https://example.com", "https://example.com"},
        {"http://www.google.com/?q=go+language#foo%26bar", "http://www.google.com/?q=go+language#foo%26bar"},
        {"http://user:password@google.com", "http://user:password@google.com"},
        {"mailto:user@example.com", "mailto:user@example.com"},
        {"file:///home/x", "file:///home/x"},
        {"file:/x", "file:/x"},
        {"http://example.com/a b", "http://example.com/a%20b"},
        {"HTTPS://Example.com", "https://Example.com"},
        {"http://[fe80::1%25en0]/", "http://[fe80::1%25en0]/"},
        {"http://x/%7e?a#b c", "http://x/%7e?a#b%20c"},
        {"./this:that", "./this:that"},
        {"//host", "//host"},
        {"http://x?", "http://x?"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *out;
        size_t n;
        bool ok = uri_go_reformat(&A, rows[i][0], strlen(rows[i][0]), &out, &n);
        ck_assert_msg(ok, "%s: %s", rows[i][0], out);
        ck_assert_msg(n == strlen(rows[i][1]) && strcmp(out, rows[i][1]) == 0, "%s: got %s want %s", rows[i][0], out,
                      rows[i][1]);
    }
    const char *out;
    size_t n;
    ck_assert(!uri_go_reformat(&A, "http://[x", 9, &out, &n));
    ck_assert_str_eq(out, "parse \"http://[x\": missing ']' in host");
}
END_TEST

/* A long input goes through the arena without leaks or truncation. */
START_TEST(long_input)
{
    size_t n = 100000;
    char *s = malloc(n + 1);
    memcpy(s, "http://h/", 9);
    memset(s + 9, 'a', n - 9);
    s[n] = '\0';
    const char *out;
    size_t outn;
    ck_assert(uri_go_reformat(&A, s, n, &out, &outn));
    ck_assert_uint_eq(outn, n);
    s[20] = '%';    /* bad escape: the error quotes the whole text */
    s[21] = 'z';
    ck_assert(!uri_go_reformat(&A, s, n, &out, &outn));
    ck_assert_uint_gt(outn, n);
    free(s);
}
END_TEST

Suite *suite_builtins_uri(void);

Suite *suite_builtins_uri(void)
{
    Suite *s = suite_create("builtins_uri");
    TCase *tc = tcase_create("uri");
    tcase_add_checked_fixture(tc, builtin_setup, builtin_teardown);
    tcase_add_test(tc, parse_opa_cases);
    tcase_add_test(tc, is_valid_opa_cases);
    tcase_add_test(tc, go_url_semantics);
    tcase_add_test(tc, reformat);
    tcase_add_test(tc, long_input);
    suite_add_tcase(s, tc);
    return s;
}
