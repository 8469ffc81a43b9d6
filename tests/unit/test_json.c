/* Unit tests for engine/json: reading (strict, exact, bounded), error
 * positions, writing with Go's escaping and layout, and Rego text. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json.h"
#include "engine/number.h"

static arena A;

static void setup(void) { arena_init(&A, 4096); }
static void teardown(void) { arena_release(&A); }

static val *parse_n(const char *text, size_t n)
{
    json_error err;
    val *v = json_parse(&A, text, n, 0, &err);
    ck_assert_msg(v != NULL, "%s: %d:%d %s", text, err.line, err.col, err.msg);
    return v;
}

static val *parse(const char *text) { return parse_n(text, strlen(text)); }

/* Expects a parse error; returns it for position checks. */
static json_error parse_err_n(const char *text, size_t n, int max_depth)
{
    json_error err;
    memset(&err, 0, sizeof err);
    val *v = json_parse(&A, text, n, max_depth, &err);
    ck_assert_msg(v == NULL, "expected an error for %s", text);
    return err;
}

static json_error parse_err(const char *text) { return parse_err_n(text, strlen(text), 0); }

static char *write(const val *v, unsigned flags)
{
    strbuf sb = STRBUF_INIT;
    json_write(&sb, v, flags);
    char *s = arena_strndup(&A, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return s;
}

static char *rego(const val *v)
{
    strbuf sb = STRBUF_INIT;
    val_write_rego(&sb, v);
    char *s = arena_strndup(&A, sb.data, sb.len);
    sb_free(&sb);
    return s;
}

static char *quote(const char *s, size_t n, unsigned flags)
{
    strbuf sb = STRBUF_INIT;
    json_write_string(&sb, s, n, flags);
    char *r = arena_strndup(&A, sb.data, sb.len);
    sb_free(&sb);
    return r;
}

/* ---- reading ---- */

START_TEST(parse_scalars)
{
    ck_assert_ptr_eq(parse("null"), VAL_NULL_V);
    ck_assert_ptr_eq(parse(" true "), VAL_TRUE_V);
    ck_assert_ptr_eq(parse("\n\tfalse\r\n"), VAL_FALSE_V);
    ck_assert_int_eq(val_int_value(parse("-42")), -42);
    ck_assert_int_eq(val_int_value(parse("123456789012345678")), 123456789012345678);
    ck_assert_int_eq(val_int_value(parse("9223372036854775807")), INT64_MAX);
    ck_assert_int_eq(val_int_value(parse("-9223372036854775808")), INT64_MIN);
    ck_assert_str_eq(write(parse("9223372036854775808"), 0), "9223372036854775808");
    ck_assert_str_eq(write(parse("123456789012345678901234567890"), 0), "123456789012345678901234567890");
    ck_assert_str_eq(write(parse("1.0"), 0), "1.0");
    ck_assert_str_eq(write(parse("-0"), 0), "-0");
    ck_assert_str_eq(write(parse("1E+2"), 0), "1E+2");
    ck_assert_str_eq(write(parse("1e400"), 0), "1e400");
    ck_assert(!val_is_int(parse("-0")));
    ck_assert_str_eq(val_str(parse("\"hello\"")), "hello");
    ck_assert_ptr_eq(parse("\"\""), VAL_EMPTY_STRING_V);
    ck_assert_ptr_eq(parse("[]"), VAL_EMPTY_ARRAY_V);
    ck_assert_ptr_eq(parse("{ }"), VAL_EMPTY_OBJECT_V);
}
END_TEST

START_TEST(parse_composites)
{
    val *v = parse("{\"b\": [1, 2.5, \"x\", null, {\"c\": {}}], \"a\": true, \"e\": []}");
    ck_assert_int_eq(val_kind_of(v), VAL_OBJECT);
    ck_assert_int_eq(val_len(v), 3);
    ck_assert_str_eq(val_str(val_object_keys(v)[0]), "a");
    val *b = val_object_get_str(v, "b", 1);
    ck_assert_int_eq(val_len(b), 5);
    ck_assert_str_eq(write(v, 0), "{\"a\":true,\"b\":[1,2.5,\"x\",null,{\"c\":{}}],\"e\":[]}");
    /* duplicate keys: the last wins */
    val *d = parse("{\"a\": 1, \"b\": 2, \"a\": 3}");
    ck_assert_int_eq(val_len(d), 2);
    ck_assert_int_eq(val_int_value(val_object_get_str(d, "a", 1)), 3);
    ck_assert_str_eq(write(parse("{\"z\":1,\"y\":2,\"z\":{\"q\":[]},\"y\":null}"), 0), "{\"y\":null,\"z\":{\"q\":[]}}");
}
END_TEST

START_TEST(parse_strings)
{
    ck_assert_str_eq(val_str(parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"")), "a\"b\\c/d\b\f\n\r\t");
    ck_assert_str_eq(val_str(parse("\"\\u0041\\u00e9\\u20ac\"")), "A\xc3\xa9\xe2\x82\xac");
    ck_assert_str_eq(val_str(parse("\"\\ud83d\\ude00\"")), "\xf0\x9f\x98\x80");      /* surrogate pair */
    ck_assert_str_eq(val_str(parse("\"\\ud83d\"")), "\xef\xbf\xbd");                 /* lone high */
    ck_assert_str_eq(val_str(parse("\"\\ude00x\"")), "\xef\xbf\xbdx");               /* lone low */
    ck_assert_str_eq(val_str(parse("\"\\ud83d\\u0041\"")), "\xef\xbf\xbd" "A");      /* high + non-low */
    ck_assert_str_eq(val_str(parse("\"\\ud83dA\"")), "\xef\xbf\xbd" "A");
    val *nul = parse("\"a\\u0000b\"");
    ck_assert_int_eq(val_len(nul), 3);
    ck_assert_int_eq(memcmp(val_str(nul), "a\0b", 3), 0);
    /* valid UTF-8 of every length passes through */
    const char *utf = "\"\x7f \xc2\xa2 \xe0\xa4\xb9 \xed\x9f\xbf \xf0\x90\x8d\x88 \xf4\x8f\xbf\xbf\"";
    ck_assert_int_eq(val_len(parse(utf)), strlen(utf) - 2);
    /* an escaped string in a large document (interning on) */
    char *big = malloc(20000);
    strcpy(big, "[");
    for (int i = 0; i < 1000; i++)
        strcat(big, "\"k\\u0065y\",");
    strcat(big, "\"key\"]");
    val *arr = parse(big);
    ck_assert_int_eq(val_len(arr), 1001);
    ck_assert(val_equal(val_array_items(arr)[0], val_array_items(arr)[1000]));
    free(big);
}
END_TEST

START_TEST(reject_invalid_utf8)
{
    const char *bad[] = {
        "\"\xff\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xed\xa0\x80\"", "\"\xe2\x82\"", "\"\xe2\x82x\"",
        "\"\xf4\x90\x80\x80\"", "\"\xf8\x88\x80\x80\x80\"", "\"\x80\"", "\"ok\xe0\x80\xaf\"", "\"\xf0\x8f\xbf\xbf\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_error e = parse_err(bad[i]);
        ck_assert_msg(strstr(e.msg, "UTF-8") != NULL || strstr(e.msg, "end of JSON") != NULL, "%zu: %s", i, e.msg);
    }
    json_error e = parse_err("{\"k\": \"abc\xff\"}");
    ck_assert_str_eq(e.msg, "invalid UTF-8 in string");
    ck_assert_int_eq(e.col, 11);
    e = parse_err("\"a\\n\xc3\"");          /* after an escape, too */
    ck_assert_str_eq(e.msg, "invalid UTF-8 in string");
}
END_TEST

START_TEST(error_positions)
{
    struct { const char *text; int line, col; const char *msg; } cases[] = {
        {"{\"a\":}", 1, 6, "invalid character '}' looking for beginning of value"},
        {"[1,2", 1, 5, "unexpected end of JSON input"},
        {"", 1, 1, "unexpected end of JSON input"},
        {"   ", 1, 4, "unexpected end of JSON input"},
        {"\n\n  x", 3, 3, "invalid character 'x' looking for beginning of value"},
        {"[1,]", 1, 4, "invalid character ']' looking for beginning of value"},
        {"{\"a\" 1}", 1, 6, "invalid character '1' after object key"},
        {"{\"a\":1 \"b\":2}", 1, 8, "invalid character '\"' after object key:value pair"},
        {"[1 2]", 1, 4, "invalid character '2' after array element"},
        {"{1:2}", 1, 2, "invalid character '1' looking for beginning of object key string"},
        {"{\"a\":1,}", 1, 8, "invalid character '}' looking for beginning of object key string"},
        {"tru", 1, 4, "unexpected end of JSON input"},
        {"trux", 1, 4, "invalid character 'x' in literal true (expecting 'e')"},
        {"nul", 1, 4, "unexpected end of JSON input"},
        {"fals e", 1, 5, "invalid character ' ' in literal false (expecting 'e')"},
        {"01", 1, 2, "invalid character '1' after top-level value"},
        {"1 2", 1, 3, "invalid character '2' after top-level value"},
        {"-", 1, 2, "unexpected end of JSON input"},
        {"-a", 1, 2, "invalid character 'a' in numeric literal"},
        {"1.", 1, 3, "unexpected end of JSON input"},
        {"1.e5", 1, 3, "invalid character 'e' after decimal point in numeric literal"},
        {"1e+", 1, 4, "unexpected end of JSON input"},
        {"[1e]", 1, 4, "invalid character ']' in exponent of numeric literal"},
        {"\"abc", 1, 5, "unexpected end of JSON input"},
        {"\"a\tb\"", 1, 3, "invalid character '\\t' in string literal"},
        {"[\"a\nb\"]", 1, 4, "invalid character '\\n' in string literal"},
        {"\"\\q\"", 1, 3, "invalid character 'q' in string escape code"},
        {"\"\\u12g4\"", 1, 6, "invalid character 'g' in \\u hexadecimal character escape"},
        {"\"\\u12", 1, 6, "unexpected end of JSON input"},
        {"{\n  \"a\": [1,\n  2,\n  ?]}", 4, 3, "invalid character '?' looking for beginning of value"},
        {"'a'", 1, 1, "invalid character '\\'' looking for beginning of value"},
        {"\x01", 1, 1, "invalid character '\\x01' looking for beginning of value"},
        {"[1]]", 1, 4, "invalid character ']' after top-level value"},
        {"NaN", 1, 1, "invalid character 'N' looking for beginning of value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_error e = parse_err(cases[i].text);
        ck_assert_msg(e.line == cases[i].line && e.col == cases[i].col, "%zu (%s): at %d:%d, want %d:%d", i,
                      cases[i].text, e.line, e.col, cases[i].line, cases[i].col);
        ck_assert_msg(strcmp(e.msg, cases[i].msg) == 0, "%zu: got \"%s\"", i, e.msg);
    }
    json_error e = parse_err("\n\n\"x");
    ck_assert_int_eq(e.offset, 4);
}
END_TEST

START_TEST(depth_limit)
{
    enum { N = 1000000 };
    char *deep = malloc(2 * N);
    memset(deep, '[', N);
    memset(deep + N, ']', N);
    json_error e = parse_err_n(deep, N, 0);
    ck_assert_str_eq(e.msg, "exceeded max depth of 1000");
    ck_assert_int_eq(e.col, 1001);
    e = parse_err_n(deep, 2 * N, 0);
    ck_assert_str_eq(e.msg, "exceeded max depth of 1000");
    /* exactly at the limit is fine, one more is not */
    json_error err;
    ck_assert_ptr_nonnull(json_parse(&A, deep + N - 1000, 2000, 0, &err));
    parse_err_n(deep + N - 1001, 2002, 0);
    ck_assert_ptr_nonnull(json_parse(&A, deep + N - 10, 20, 10, &err));
    e = parse_err_n(deep + N - 11, 22, 10);
    ck_assert_str_eq(e.msg, "exceeded max depth of 10");
    /* objects count too */
    e = parse_err_n("{\"a\":{\"b\":{}}}", 14, 2);
    ck_assert_str_eq(e.msg, "exceeded max depth of 2");
    /* a generous limit: deep nesting costs heap, not stack */
    val *v = json_parse(&A, deep, 2 * N, N, &err);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(val_len(v), 1);
    free(deep);
}
END_TEST

START_TEST(large_inputs)
{
    /* 100k keys in one object and 300k numbers in one array: linear work */
    enum { K = 100000 };
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, '{');
    for (int i = K - 1; i >= 0; i--)
        sb_printf(&sb, "%s\"k%d\":[%d,%d.5,\"v%d\"]", i == K - 1 ? "" : ",", i, i, i, i % 100);
    sb_putc(&sb, '}');
    val *v = parse_n(sb.data, sb.len);
    ck_assert_int_eq(val_len(v), K);
    ck_assert_int_eq(val_int_value(val_array_items(val_object_get_str(v, "k777", 4))[0]), 777);
    /* canonical output re-parses to an equal value */
    strbuf out = STRBUF_INIT;
    json_write(&out, v, 0);
    val *again = parse_n(out.data, out.len);
    ck_assert(val_equal(v, again));
    ck_assert_uint_eq(val_hash(v), val_hash(again));
    sb_reset(&sb);
    sb_putc(&sb, '[');
    for (int i = 0; i < 300000; i++)
        sb_printf(&sb, "%s%d", i ? "," : "", i);
    sb_putc(&sb, ']');
    ck_assert_int_eq(val_len(parse_n(sb.data, sb.len)), 300000);
    sb_free(&sb);
    sb_free(&out);
}
END_TEST

START_TEST(arena_failure)
{
    const char *text = "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10000]]";
    arena small;
    arena_init(&small, 256);
    small.limit = 64;
    json_error err;
    ck_assert_ptr_null(json_parse(&small, text, strlen(text), 0, &err));
    ck_assert_str_eq(err.msg, "memory limit exceeded");
    /* with the owner's handler installed, the failure reaches it */
    jmp_buf jb;
    small.oom = &jb;
    volatile int caught = 0;
    if (setjmp(jb) == 0)
        json_parse(&small, text, strlen(text), 0, &err);
    else
        caught = 1;
    ck_assert_int_eq(caught, 1);
    ck_assert_int_eq(small.oom_code, ARENA_LIMIT);
    ck_assert_ptr_eq(small.oom, &jb);
    arena_release(&small);
}
END_TEST

/* ---- writing ---- */

START_TEST(write_escaping)
{
    ck_assert_str_eq(quote("a\"b\\c", 5, 0), "\"a\\\"b\\\\c\"");
    ck_assert_str_eq(quote("\n\r\t\b\f", 5, 0), "\"\\n\\r\\t\\b\\f\"");
    ck_assert_str_eq(quote("\x01\x1f\x7f", 3, 0), "\"\\u0001\\u001f\x7f\"");
    ck_assert_str_eq(quote("a\0b", 3, 0), "\"a\\u0000b\"");
    ck_assert_str_eq(quote("<a&b>", 5, 0), "\"<a&b>\"");
    ck_assert_str_eq(quote("<a&b>", 5, JSON_ESCAPE_HTML), "\"\\u003ca\\u0026b\\u003e\"");
    ck_assert_str_eq(quote("\xe2\x80\xa8 \xe2\x80\xa9", 7, 0), "\"\\u2028 \\u2029\"");
    ck_assert_str_eq(quote("\xc3\xa9\xf0\x9f\x98\x80", 6, 0), "\"\xc3\xa9\xf0\x9f\x98\x80\"");
    ck_assert_str_eq(quote("a\xff" "b\xe2\x82z", 6, 0), "\"a\\ufffdb\\ufffd\\ufffdz\"");
    ck_assert_str_eq(quote("/", 1, 0), "\"/\"");
    ck_assert_str_eq(quote("", 0, 0), "\"\"");
}
END_TEST

START_TEST(write_canonical)
{
    val *s = val_set(&A, (val *[]){val_cstring(&A, "b"), val_int(&A, 2), val_cstring(&A, "a"), val_int(&A, 1)}, 4);
    ck_assert_str_eq(write(s, 0), "[1,2,\"a\",\"b\"]");
    ck_assert_str_eq(write(VAL_EMPTY_SET_V, 0), "[]");
    ck_assert_str_eq(write(parse("{\"b\":1,\"a\":{\"d\":[],\"c\":{}}}"), 0), "{\"a\":{\"c\":{},\"d\":[]},\"b\":1}");
    ck_assert_str_eq(write(parse("[1.50, 2e3, -0, 1E2]"), 0), "[1.50,2e3,-0,1E2]");
    /* round trip of canonical text */
    const char *canon = "{\"a\":[1,2.5,\"x\\n\",null,true,false],\"b\":{\"c\":{}},\"d\":123456789012345678901234567890}";
    ck_assert_str_eq(write(parse(canon), 0), canon);
}
END_TEST

START_TEST(write_pretty)
{
    val *v = parse("{\"b\": [1, {}, []], \"a\": \"x<y\", \"c\": {\"d\": null, \"e\": true}}");
    ck_assert_str_eq(write(v, JSON_PRETTY | JSON_ESCAPE_HTML),
                     "{\n"
                     "  \"a\": \"x\\u003cy\",\n"
                     "  \"b\": [\n"
                     "    1,\n"
                     "    {},\n"
                     "    []\n"
                     "  ],\n"
                     "  \"c\": {\n"
                     "    \"d\": null,\n"
                     "    \"e\": true\n"
                     "  }\n"
                     "}");
    ck_assert_str_eq(write(VAL_EMPTY_OBJECT_V, JSON_PRETTY), "{}");
    ck_assert_str_eq(write(parse("[[]]"), JSON_PRETTY), "[\n  []\n]");
    ck_assert_str_eq(write(parse("7"), JSON_PRETTY), "7");
    strbuf sb = STRBUF_INIT;
    json_write_indent(&sb, parse("{\"a\":[1]}"), JSON_PRETTY, 1);
    ck_assert_str_eq(sb.data, "{\n    \"a\": [\n      1\n    ]\n  }");
    sb_free(&sb);
}
END_TEST

START_TEST(write_non_string_keys)
{
    val *k[] = {val_int(&A, 1), val_cstring(&A, "b"), parse("[1,\"x<\"]"), VAL_TRUE_V, VAL_NULL_V,
                parse("{\"k\":2}"), val_set(&A, (val *[]){val_int(&A, 3), val_int(&A, 2)}, 2), parse("1.50")};
    val *v[] = {val_int(&A, 10), val_int(&A, 11), val_int(&A, 12), val_int(&A, 13), val_int(&A, 14),
                val_int(&A, 15), val_int(&A, 16), val_int(&A, 17)};
    val *o = val_object(&A, k, v, 8);
    /* keys become compact JSON text (HTML-escaped), ordered bytewise */
    ck_assert_str_eq(write(o, 0),
                     "{\"1\":10,\"1.50\":17,\"[1,\\\"x\\\\u003c\\\"]\":12,\"[2,3]\":16,\"b\":11,\"null\":14,\"true\":13,"
                     "\"{\\\"k\\\":2}\":15}");
    /* a number key and a string key with the same text: the later (the string) wins */
    val *k2[] = {val_int(&A, 1), val_cstring(&A, "1")};
    val *v2[] = {val_cstring(&A, "num"), val_cstring(&A, "str")};
    ck_assert_str_eq(write(val_object(&A, k2, v2, 2), 0), "{\"1\":\"str\"}");
    ck_assert_str_eq(write(val_object(&A, k2, v2, 1), JSON_PRETTY), "{\n  \"1\": \"num\"\n}");
}
END_TEST

/* ---- Rego text ---- */

START_TEST(rego_text)
{
    ck_assert_str_eq(rego(VAL_NULL_V), "null");
    ck_assert_str_eq(rego(VAL_TRUE_V), "true");
    ck_assert_str_eq(rego(parse("1.50")), "1.50");
    ck_assert_str_eq(rego(parse("[1, \"a\"]")), "[1, \"a\"]");
    ck_assert_str_eq(rego(parse("{\"b\": [2], \"a\": 1}")), "{\"a\": 1, \"b\": [2]}");
    ck_assert_str_eq(rego(VAL_EMPTY_SET_V), "set()");
    ck_assert_str_eq(rego(VAL_EMPTY_OBJECT_V), "{}");
    ck_assert_str_eq(rego(VAL_EMPTY_ARRAY_V), "[]");
    val *s = val_set(&A, (val *[]){val_int(&A, 2), val_int(&A, 1)}, 2);
    ck_assert_str_eq(rego(s), "{1, 2}");
    val *k[] = {s};
    val *v[] = {VAL_EMPTY_SET_V};
    ck_assert_str_eq(rego(val_object(&A, k, v, 1)), "{{1, 2}: set()}");
}
END_TEST

START_TEST(rego_quoting)
{
    struct { const char *in; size_t n; const char *want; } cases[] = {
        {"a\"b\n", 4, "\"a\\\"b\\n\""},
        {"back\\slash", 10, "\"back\\\\slash\""},
        {"\xc3\xa9", 2, "\"\xc3\xa9\""},
        {"\xc2\xa0", 2, "\"\\u00a0\""},                 /* no-break space: not printable to Go */
        {"\x01", 1, "\"\\x01\""},
        {"\x7f", 1, "\"\\x7f\""},
        {"\xff", 1, "\"\\xff\""},
        {"\xe2\x80\x8b", 3, "\"\\u200b\""},             /* zero width space (Cf) */
        {"\xee\x80\x80", 3, "\"\\ue000\""},             /* private use */
        {"\xf0\x9d\x84\x9e", 4, "\"\xf0\x9d\x84\x9e\""}, /* musical symbol: printable */
        {"\xf3\xa0\x80\x81", 4, "\"\\U000e0001\""},     /* language tag (Cf) */
        {"\a\v\b\f\r\t", 6, "\"\\a\\v\\b\\f\\r\\t\""},
        {"\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""},
        {"\xef\xbf\xbd", 3, "\"\xef\xbf\xbd\""},
        {"\xed\xa0\x80", 3, "\"\\xed\\xa0\\x80\""},
        {"a\0b", 3, "\"a\\x00b\""},
        {"\xe2\x80\xa8", 3, "\"\\u2028\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(strcmp(rego(val_string(&A, cases[i].in, cases[i].n)), cases[i].want) == 0, "case %zu: %s", i,
                      rego(val_string(&A, cases[i].in, cases[i].n)));
    }
}
END_TEST

Suite *suite_json(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, parse_scalars);
    tcase_add_test(tc, parse_composites);
    tcase_add_test(tc, parse_strings);
    tcase_add_test(tc, reject_invalid_utf8);
    tcase_add_test(tc, error_positions);
    tcase_add_test(tc, depth_limit);
    tcase_add_test(tc, large_inputs);
    tcase_add_test(tc, arena_failure);
    tcase_add_test(tc, write_escaping);
    tcase_add_test(tc, write_canonical);
    tcase_add_test(tc, write_pretty);
    tcase_add_test(tc, write_non_string_keys);
    tcase_add_test(tc, rego_text);
    tcase_add_test(tc, rego_quoting);
    suite_add_tcase(s, tc);
    return s;
}
