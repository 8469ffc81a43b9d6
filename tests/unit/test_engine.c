/* Unit tests for the engine's changes: data writes (PUT/PATCH/DELETE
 * /v1/data semantics), policy uploads, and that a failed change keeps the
 * previous state. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "include/verdict.h"

static char *get(verdict_engine *e, const char *path)
{
    char *out = NULL;
    verdict_status st = verdict_eval(e, path, NULL, 0, &out, NULL);
    return st == VERDICT_OK ? out : strdup(st == VERDICT_UNDEFINED ? "undefined" : "error");
}

#define CHECK_DOC(e, path, want)                                                                   \
    do {                                                                                           \
        char *got_ = get(e, path);                                                                 \
        ck_assert_msg(strcmp(got_, want) == 0, "%s: want %s, got %s", path, want, got_);           \
        free(got_);                                                                                \
    } while (0)

START_TEST(put_patch_delete_data)
{
    verdict_engine *e = verdict_new(NULL);
    const char *doc = "{\"users\":{\"alice\":{\"role\":\"admin\"}},\"list\":[1,2,3]}";
    ck_assert_int_eq(verdict_put_data(e, "app", doc, strlen(doc), NULL), VERDICT_OK);
    CHECK_DOC(e, "app/users/alice/role", "\"admin\"");
    /* a digit segment indexes an array, as in OPA's /v1/data paths */
    CHECK_DOC(e, "app/list/1", "2");
    CHECK_DOC(e, "app/list/0", "1");
    CHECK_DOC(e, "app/list/3", "undefined");
    CHECK_DOC(e, "app/list/01", "undefined");
    CHECK_DOC(e, "app/list/x", "undefined");
    uint64_t g = verdict_generation(e);
    const char *patch = "[{\"op\":\"add\",\"path\":\"/users/bob\",\"value\":{\"role\":\"dev\"}},"
                        "{\"op\":\"replace\",\"path\":\"/users/alice/role\",\"value\":\"owner\"},"
                        "{\"op\":\"remove\",\"path\":\"/list/0\"},"
                        "{\"op\":\"add\",\"path\":\"/list/-\",\"value\":4}]";
    ck_assert_int_eq(verdict_patch_data(e, "app", patch, strlen(patch), NULL), VERDICT_OK);
    ck_assert_uint_gt(verdict_generation(e), g);
    CHECK_DOC(e, "app/users", "{\"alice\":{\"role\":\"owner\"},\"bob\":{\"role\":\"dev\"}}");
    CHECK_DOC(e, "app/list", "[2,3,4]");
    /* a failing patch changes nothing, even its successful first operations */
    const char *bad = "[{\"op\":\"add\",\"path\":\"/x\",\"value\":1},{\"op\":\"replace\",\"path\":\"/nope/y\",\"value\":2}]";
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_patch_data(e, "app", bad, strlen(bad), &errs), VERDICT_ERROR);
    ck_assert_str_eq(verdict_error_code(errs, 0), "storage_not_found_error");
    verdict_errors_free(errs);
    CHECK_DOC(e, "app/x", "undefined");
    ck_assert_int_eq(verdict_delete_data(e, "app/users/bob", NULL), VERDICT_OK);
    CHECK_DOC(e, "app/users", "{\"alice\":{\"role\":\"owner\"}}");
    ck_assert_int_eq(verdict_delete_data(e, "app/users/bob", &errs), VERDICT_ERROR);
    ck_assert_str_eq(verdict_error_code(errs, 0), "storage_not_found_error");
    verdict_errors_free(errs);
    ck_assert_int_eq(verdict_put_data(e, "", "[1]", 3, &errs), VERDICT_ERROR);
    verdict_errors_free(errs);
    verdict_free(e);
}
END_TEST

START_TEST(policies_and_data_together)
{
    verdict_engine *e = verdict_new(NULL);
    const char *m = "package app\nallow if data.app.users[input.user].role == \"admin\"\n";
    ck_assert_int_eq(verdict_put_module(e, "app.rego", m, strlen(m), NULL), VERDICT_OK);
    const char *doc = "{\"users\":{\"alice\":{\"role\":\"admin\"}}}";
    ck_assert_int_eq(verdict_put_data(e, "app", doc, strlen(doc), NULL), VERDICT_OK);
    const char *in = "{\"user\":\"alice\"}";
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 1);
    /* a module that does not compile is refused; the old one keeps answering */
    const char *bad = "package app\nallow if x\n";
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_put_module(e, "app.rego", bad, strlen(bad), &errs), VERDICT_ERROR);
    ck_assert_str_eq(verdict_error_code(errs, 0), "rego_unsafe_var_error");
    verdict_errors_free(errs);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 1);
    char *list = verdict_modules_json(e);
    ck_assert_ptr_nonnull(strstr(list, "\"id\":\"app.rego\""));
    free(list);
    char *text = verdict_module_text(e, "app.rego");
    ck_assert_str_eq(text, m);
    free(text);
    ck_assert_int_eq(verdict_delete_module(e, "app.rego", NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 0);
    ck_assert_int_eq(verdict_delete_module(e, "app.rego", &errs), VERDICT_ERROR);
    ck_assert_str_eq(verdict_error_code(errs, 0), "resource_not_found");
    verdict_errors_free(errs);
    verdict_free(e);
}
END_TEST

START_TEST(many_small_writes_share_the_document)
{
    verdict_engine *e = verdict_new(NULL);
    for (int i = 0; i < 200; i++) {
        char path[64], v[32];
        snprintf(path, sizeof path, "counters/c%d", i % 17);
        snprintf(v, sizeof v, "%d", i);
        ck_assert_int_eq(verdict_put_data(e, path, v, strlen(v), NULL), VERDICT_OK);
    }
    CHECK_DOC(e, "counters/c16", "186");
    CHECK_DOC(e, "counters/c0", "187");
    verdict_free(e);
}
END_TEST

/* The test_cases option: a test rule with a reference tail records every
 * case it tries, also the ones whose body then fails (rego/testcases.c). */
static char *tried_cases(int option, const char *query, char **value)
{
    verdict_options o = {.test_cases = option};
    verdict_engine *e = verdict_new(&o);
    const char *mod = "package t\n\n"
                      "test_concat[tc.note] if {\n\tsome tc in [{\"note\": \"ok\", \"n\": 1}, {\"note\": \"bad\", \"n\": 2}]\n"
                      "\ttc.n == 1\n}\n\n"
                      "test_grid[x][y] if {\n\tsome x in [\"a\"]\n\tsome y in [1, 2]\n\ty < 2\n}\n\n"
                      "test_own[n] if {\n\tsome n in [1, 2]\n\tinternal.test_case([n * 10])\n}\n";
    ck_assert_int_eq(verdict_put_module(e, "t.rego", mod, strlen(mod), NULL), VERDICT_OK);
    verdict_result *r = NULL;
    ck_assert_int_eq(verdict_query(e, query, NULL, &r, NULL), VERDICT_OK);
    *value = verdict_result_expr_value(r, 0, 0, 0);
    char *tried = strdup(verdict_result_test_cases(r));
    verdict_result_free(r);
    verdict_free(e);
    return tried;
}

START_TEST(test_cases_are_recorded)
{
    char *value, *tried = tried_cases(1, "data.t.test_concat", &value);
    ck_assert_str_eq(value, "{\"ok\":true}");
    ck_assert_str_eq(tried, "[\"ok\"]\n[\"bad\"]\n");
    free(value), free(tried);
    tried = tried_cases(1, "data.t.test_grid", &value);
    ck_assert_str_eq(value, "{\"a\":{\"1\":true}}");
    ck_assert_str_eq(tried, "[\"a\",1]\n[\"a\",2]\n");
    free(value), free(tried);
    /* a rule that calls it itself is left as written */
    tried = tried_cases(1, "data.t.test_own", &value);
    ck_assert_str_eq(tried, "[10]\n[20]\n");
    free(value), free(tried);
    /* without the option nothing is added or kept, and the results are the same */
    tried = tried_cases(0, "data.t.test_concat", &value);
    ck_assert_str_eq(value, "{\"ok\":true}");
    ck_assert_str_eq(tried, "");
    free(value), free(tried);
}
END_TEST

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* verdict_commit_reload: what is staged replaces every module and the data
 * not loaded from a bundle; the bundle's roots stay as they are. */
START_TEST(reload_replaces_what_no_bundle_owns)
{
    char dir[] = "/tmp/verdict-reload-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, ".manifest", "{\"roots\": [\"owned\"]}");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/owned", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_file(sub, "data.json", "{\"v\": 7}");
    write_file(dir, "owned.rego", "package owned\n\ndouble := data.owned.v * 2\n");

    verdict_engine *e = verdict_new(NULL);
    const char *a = "package a\n\nx := data.files.x\n";
    ck_assert_int_eq(verdict_add_module(e, "a.rego", a, strlen(a), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_add_data_json(e, "files", "{\"x\": 1}", 8, "data.json", NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_commit(e, NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_load_bundle_file(e, "b", dir, NULL, NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_put_data(e, "api", "1", 1, NULL), VERDICT_OK);
    CHECK_DOC(e, "a/x", "1");
    CHECK_DOC(e, "owned/double", "14");

    const char *b = "package b\n\ny := data.files.y\n";
    ck_assert_int_eq(verdict_add_module(e, "b.rego", b, strlen(b), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_add_data_json(e, "files", "{\"y\": 2}", 8, "data.json", NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_commit_reload(e, NULL), VERDICT_OK);
    CHECK_DOC(e, "a/x", "undefined");       /* a.rego is gone */
    CHECK_DOC(e, "b/y", "2");
    CHECK_DOC(e, "files", "{\"y\":2}");    /* the old file data is gone, not merged */
    CHECK_DOC(e, "api", "undefined");
    CHECK_DOC(e, "owned/double", "14");     /* the bundle keeps its module and data */
    CHECK_DOC(e, "owned/v", "7");

    /* a reload that fails changes nothing */
    const char *bad = "package c\n\nz := data.b.y + q\n";
    ck_assert_int_eq(verdict_add_module(e, "c.rego", bad, strlen(bad), NULL), VERDICT_OK);
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_commit_reload(e, &errs), VERDICT_ERROR);
    ck_assert_str_eq(verdict_error_code(errs, 0), "rego_unsafe_var_error");
    verdict_errors_free(errs);
    CHECK_DOC(e, "b/y", "2");
    verdict_free(e);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *suite_engine(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("changes");
    tcase_add_test(tc, put_patch_delete_data);
    tcase_add_test(tc, policies_and_data_together);
    tcase_add_test(tc, many_small_writes_share_the_document);
    tcase_add_test(tc, test_cases_are_recorded);
    tcase_add_test(tc, reload_replaces_what_no_bundle_owns);
    suite_add_tcase(s, tc);
    return s;
}
