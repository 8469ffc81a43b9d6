/* Unit tests for engine/yaml: go-yaml v2 scalar resolution, keys, anchors,
 * merges, errors, and every OPA conformance file loading. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/json.h"
#include "engine/yaml.h"

static arena A;

static void setup(void) { arena_init(&A, 4096); }
static void teardown(void) { arena_release(&A); }

static val *Y(const char *text)
{
    json_error err;
    val *v = yaml_parse(&A, text, strlen(text), &err);
    ck_assert_msg(v != NULL, "%s: %d:%d %s", text, err.line, err.col, err.msg);
    return v;
}

static json_error Y_err(const char *text)
{
    json_error err;
    memset(&err, 0, sizeof err);
    ck_assert_msg(yaml_parse(&A, text, strlen(text), &err) == NULL, "expected an error for %s", text);
    return err;
}

/* The document as compact canonical JSON. */
static char *J(const char *text)
{
    strbuf sb = STRBUF_INIT;
    json_write(&sb, Y(text), 0);
    char *s = arena_strndup(&A, sb.data, sb.len);
    sb_free(&sb);
    return s;
}

START_TEST(structure)
{
    const char *doc =
        "cases:\n"
        "    - note: arithmetic/big_int\n"
        "      query: data.test.p = x\n"
        "      modules:\n"
        "        - |\n"
        "          package test\n"
        "\n"
        "          p if {\n"
        "          \t28857836529306024611913 != 28857836529306024611912\n"
        "          }\n"
        "      data:\n"
        "        a: [1, 2, {b: 'q'}]\n"
        "      want_result:\n"
        "        - x: true\n"
        "      strict_error: true\n";
    val *v = Y(doc);
    val *c = val_array_items(val_object_get_str(v, "cases", 5))[0];
    ck_assert_str_eq(val_str(val_object_get_str(c, "note", 4)), "arithmetic/big_int");
    ck_assert_str_eq(val_str(val_array_items(val_object_get_str(c, "modules", 7))[0]),
                     "package test\n\np if {\n\t28857836529306024611913 != 28857836529306024611912\n}\n");
    ck_assert_str_eq(J("a: [1, 2, {b: 'q'}]\nw:\n  - x: true\n"), "{\"a\":[1,2,{\"b\":\"q\"}],\"w\":[{\"x\":true}]}");
    ck_assert_str_eq(J("- |-\n  no newline\n- >\n  folded\n  text\n"), "[\"no newline\",\"folded text\\n\"]");
    ck_assert_str_eq(J("---\n  a: 1\n  b:\n    - c\n"), "{\"a\":1,\"b\":[\"c\"]}");
    ck_assert_str_eq(J("plain text"), "\"plain text\"");
    ck_assert_str_eq(J("a: \"x\\ty\"\nb: 'it''s'\n"), "{\"a\":\"x\\ty\",\"b\":\"it's\"}");
}
END_TEST

START_TEST(scalars)
{
    ck_assert_str_eq(J("[~, null, Null, NULL, '', \"null\"]"), "[null,null,null,null,\"\",\"null\"]");
    ck_assert_str_eq(J("a:\nb: !!null ''\n"), "{\"a\":null,\"b\":null}");
    ck_assert_str_eq(J("[true, True, TRUE, yes, Yes, YES, on, On, ON, y, Y]"),
                     "[true,true,true,true,true,true,true,true,true,true,true]");
    ck_assert_str_eq(J("[false, False, FALSE, no, No, NO, off, Off, OFF, n, N]"),
                     "[false,false,false,false,false,false,false,false,false,false,false]");
    ck_assert_str_eq(J("[tRUE, yES, 'true', \"no\"]"), "[\"tRUE\",\"yES\",\"true\",\"no\"]");
    /* integers: decimal, hex, octal (0o and leading 0), binary, underscores, sign */
    ck_assert_str_eq(J("[0, -0, 42, -17, +5, 0x1F, 0o17, 017, 0b101, -0b11, 1_000, 0xFF_FF]"),
                     "[0,0,42,-17,5,31,15,15,5,-3,1000,65535]");
    ck_assert_str_eq(J("[9223372036854775807, -9223372036854775808, 18446744073709551614, 0xFFFFFFFFFFFFFFFF]"),
                     "[9223372036854775807,-9223372036854775808,18446744073709551614,18446744073709551615]");
    /* big integers stay exact */
    ck_assert_str_eq(J("[28857836529306024611913, -123456789012345678901234567890]"),
                     "[28857836529306024611913,-123456789012345678901234567890]");
    /* floats keep JSON text; other YAML spellings become their JSON form */
    ck_assert_str_eq(J("[1.5, 3.0, 1e3, -2.5E-3, 0.1, .5, -.5e1, +1.5, 1., 08, 007.50, 1_0.5]"),
                     "[1.5,3.0,1e3,-2.5E-3,0.1,0.5,-0.5e1,1.5,1,8,7.50,10.5]");
    /* beyond float64, and .inf/.nan: strings */
    ck_assert_str_eq(J("[1e400, .inf, -.Inf, +.INF, .nan, .NaN]"),
                     "[\"1e400\",\".inf\",\"-.Inf\",\"+.INF\",\".nan\",\".NaN\"]");
    /* not numbers */
    ck_assert_str_eq(J("[-0-0-, 1.2.3, 0x, 12abc, 2001-12-14, 1:20, '12', \"3.5\", !!str 7, ! 8, 0b2, 1e, +, -]"),
                     "[\"-0-0-\",\"1.2.3\",\"0x\",\"12abc\",\"2001-12-14\",\"1:20\",\"12\",\"3.5\",\"7\",\"8\","
                     "\"0b2\",\"1e\",\"+\",\"-\"]");
    ck_assert_str_eq(J("[!!int 12, !!float 1.5, !!bool yes]"), "[12,1.5,true]");
    ck_assert_str_eq(J("\"\\u00e9\\U0001F600\""), "\"\xc3\xa9\xf0\x9f\x98\x80\"");
}
END_TEST

START_TEST(keys)
{
    ck_assert_str_eq(J("1: a\n0x10: b\ntrue: c\nno: d\n1.5: e\n1000000.0: f\n0.1: g\n\"x\": h\n-3: i\n"),
                     "{\"-3\":\"i\",\"0.1\":\"g\",\"1\":\"a\",\"1.5\":\"e\",\"16\":\"b\",\"1e+06\":\"f\",\"false\":\"d\","
                     "\"true\":\"c\",\"x\":\"h\"}");
    ck_assert_str_eq(J("123456.7: a\n1e-7: b\n3.0: c\n"), "{\"123456.7\":\"a\",\"1e-07\":\"b\",\"3\":\"c\"}");
    /* YAML 1.1 booleans bite keys too, as in go-yaml v2 */
    ck_assert_str_eq(J("y: 1\nn: 2\non: 3\n"), "{\"false\":2,\"true\":3}");
    /* later keys win */
    ck_assert_str_eq(J("a: 1\nb: 2\na: 3\n"), "{\"a\":3,\"b\":2}");
    json_error e = Y_err("~: 1\n");
    ck_assert(strstr(e.msg, "unsupported map key") != NULL);
    e = Y_err("? [a, b]\n: 1\n");
    ck_assert(strstr(e.msg, "unsupported map key") != NULL);
    ck_assert_int_eq(e.line, 1);
}
END_TEST

START_TEST(anchors_and_merges)
{
    ck_assert_str_eq(J("a: &x {k: 1}\nb: *x\nc: &s str\nd: *s\n"),
                     "{\"a\":{\"k\":1},\"b\":{\"k\":1},\"c\":\"str\",\"d\":\"str\"}");
    ck_assert_str_eq(J("base: &b {x: 1, w: 2}\nderived:\n  <<: *b\n  w: 3\n  z: 4\n"),
                     "{\"base\":{\"w\":2,\"x\":1},\"derived\":{\"w\":3,\"x\":1,\"z\":4}}");
    ck_assert_str_eq(J("p: &p {a: 1, b: 1}\nq: &q {b: 2, c: 2}\nr:\n  <<: [*p, *q]\n  c: 3\n"),
                     "{\"p\":{\"a\":1,\"b\":1},\"q\":{\"b\":2,\"c\":2},\"r\":{\"a\":1,\"b\":1,\"c\":3}}");
    ck_assert_str_eq(J("a: &n 5\n*n : six\n"), "{\"5\":\"six\",\"a\":5}");
    ck_assert_str_eq(J("x: &a 1\nw: &a 2\nz: *a\n"), "{\"w\":2,\"x\":1,\"z\":2}");
    ck_assert_str_eq(J("'<<': not a merge\n"), "{\"<<\":\"not a merge\"}");
    ck_assert_str_eq(J("l: &l [1, 2]\nm: [*l, *l]\n"), "{\"l\":[1,2],\"m\":[[1,2],[1,2]]}");
    json_error e = Y_err("a: *nope\n");
    ck_assert(strstr(e.msg, "unknown anchor 'nope' referenced") != NULL);
    e = Y_err("a: &s str\nb:\n  <<: *s\n");
    ck_assert(strstr(e.msg, "map merge requires") != NULL);
}
END_TEST

START_TEST(documents_and_errors)
{
    ck_assert_ptr_eq(Y(""), VAL_NULL_V);
    ck_assert_ptr_eq(Y("# only a comment\n"), VAL_NULL_V);
    ck_assert_ptr_eq(Y("---\n...\n"), VAL_NULL_V);
    ck_assert_str_eq(J("a: 1\n---\nb: 2\n"), "{\"a\":1}");
    json_error e = Y_err("a: b: c\n");
    ck_assert_int_eq(e.line, 1);
    ck_assert_int_eq(e.col, 5);
    ck_assert(strstr(e.msg, "mapping values are not allowed") != NULL);
    e = Y_err("a:\n  - 1\n  - [2\n");
    ck_assert_int_ge(e.line, 3);
    e = Y_err("key: \"unterminated\n");
    ck_assert(strstr(e.msg, "yaml: line") == e.msg);
    e = Y_err("a: 1\n\tb: 2\n");
    ck_assert_int_eq(e.line, 2);
}
END_TEST

START_TEST(deep_nesting)
{
    enum { N = 20000 };
    char *doc = malloc(2 * N + 1);
    memset(doc, '[', N);
    memset(doc + N, ']', N);
    doc[2 * N] = 0;
    json_error err;
    val *v = yaml_parse(&A, doc, 2 * N, &err);
    if (v)
        ck_assert_int_eq(val_len(v), 1);
    else
        ck_assert(err.msg[0] != 0);         /* libyaml may refuse; it must not crash */
    free(doc);
}
END_TEST

/* Every YAML file of OPA's conformance suite loads (when the suite is present). */
static int load_tree(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int failures = 0;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            failures += load_tree(path, files);
            continue;
        }
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 5, ".yaml") != 0)
            continue;
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        strbuf sb = STRBUF_INIT;
        char chunk[8192];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            sb_append(&sb, chunk, got);
        fclose(f);
        arena a;
        arena_init(&a, 1 << 16);
        json_error err;
        val *v = yaml_parse(&a, sb.data ? sb.data : "", sb.len, &err);
        if (!v || val_kind_of(v) != VAL_OBJECT || !val_object_get_str(v, "cases", 5)) {
            fprintf(stderr, "conformance file %s: %s\n", path, v ? "no cases" : err.msg);
            failures++;
        }
        (*files)++;
        arena_release(&a);
        sb_free(&sb);
    }
    closedir(d);
    return failures;
}

START_TEST(conformance_files_load)
{
    int files = 0;
    int failures = load_tree("../shared/opa-conformance", &files);
    ck_assert_int_eq(failures, 0);
    if (files == 0)
        fprintf(stderr, "note: ../shared/opa-conformance not found; conformance load test skipped\n");
}
END_TEST

Suite *suite_yaml(void)
{
    Suite *s = suite_create("yaml");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, structure);
    tcase_add_test(tc, scalars);
    tcase_add_test(tc, keys);
    tcase_add_test(tc, anchors_and_merges);
    tcase_add_test(tc, documents_and_errors);
    tcase_add_test(tc, deep_nesting);
    tcase_add_test(tc, conformance_files_load);
    suite_add_tcase(s, tc);
    return s;
}
