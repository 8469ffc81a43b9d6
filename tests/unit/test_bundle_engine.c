/* Bundles through the engine (issue 4): a bundle activates, a delta bundle
 * changes the answer, and every kind of bad bundle is refused with an exact
 * error while the previously loaded bundle keeps answering. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/verdict.h"

#include "archive_writer.h"

static char dir[64];

static const char *path_of(const char *name)
{
    static char buf[8][256];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static const char *POLICY = "package authz\n"
                            "default allow := false\n"
                            "allow if input.user in data.authz_users.admins\n";
static const char *MANIFEST = "{\"revision\": \"r1\", \"roots\": [\"authz\", \"authz_users\"]}";

static verdict_engine *loaded(void)
{
    const tentry good[] = {
        {"/.manifest", 'f', MANIFEST},
        {"/authz/policy.rego", 'f', POLICY},
        {"/authz_users/data.json", 'f', "{\"admins\": [\"alice\"]}"},
    };
    write_tgz(path_of("good.tar.gz"), good, 3);
    verdict_engine *e = verdict_new(NULL);
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_load_bundle_file(e, "main", path_of("good.tar.gz"), NULL, &errs), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "authz/allow", "{\"user\":\"alice\"}", 16), 1);
    return e;
}

/* The bundle in `file` is refused with `want` in its message, and the
 * loaded one still answers. */
static void refused(verdict_engine *e, const char *name, const char *file, const verdict_bundle_options *o,
                    const char *want)
{
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_load_bundle_file(e, name, file, o, &errs), VERDICT_ERROR);
    char *msg = verdict_error_string(errs, 0);
    ck_assert_msg(msg && strstr(msg, want), "want \"%s\" in \"%s\"", want, msg ? msg : "(none)");
    free(msg);
    verdict_errors_free(errs);
    ck_assert_int_eq(verdict_allow(e, "authz/allow", "{\"user\":\"alice\"}", 16), 1);
    char *rev = verdict_bundle_revision(e, "main");
    ck_assert_str_eq(rev, "r1");
    free(rev);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/verdict-bundle-engine-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(delta_changes_the_answer)
{
    verdict_engine *e = loaded();
    ck_assert_int_eq(verdict_allow(e, "authz/allow", "{\"user\":\"bob\"}", 14), 0);
    const tentry delta[] = {
        {"/.manifest", 'f', "{\"revision\": \"r2\", \"roots\": [\"authz\", \"authz_users\"]}"},
        {"/patch.json", 'f', "{\"data\": [{\"op\": \"upsert\", \"path\": \"/authz_users/admins/-\", \"value\": \"bob\"}]}"},
    };
    write_tgz(path_of("delta.tar.gz"), delta, 2);
    ck_assert_int_eq(verdict_load_bundle_file(e, "main", path_of("delta.tar.gz"), NULL, NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "authz/allow", "{\"user\":\"bob\"}", 14), 1);
    char *rev = verdict_bundle_revision(e, "main");
    ck_assert_str_eq(rev, "r2");
    free(rev);
    verdict_free(e);
}
END_TEST

START_TEST(bad_bundles_keep_the_previous_one)
{
    verdict_engine *e = loaded();
    const tentry traversal[] = {{"/.manifest", 'f', MANIFEST}, {"x/../../evil.rego", 'f', "package authz\n"}};
    write_tgz(path_of("traversal.tar.gz"), traversal, 2);
    refused(e, "main", path_of("traversal.tar.gz"), NULL, "entry \"x/../../evil.rego\": path escapes the bundle");

    const tentry link[] = {{"/.manifest", 'f', MANIFEST}, {"/authz/policy.rego", 'l', "/etc/passwd"}};
    write_tgz(path_of("link.tar.gz"), link, 2);
    refused(e, "main", path_of("link.tar.gz"), NULL, "entry \"/authz/policy.rego\": symbolic links are not allowed");

    const tentry outside[] = {{"/.manifest", 'f', MANIFEST}, {"/users/data.json", 'f', "{}"}};
    write_tgz(path_of("outside.tar.gz"), outside, 2);
    refused(e, "main", path_of("outside.tar.gz"), NULL,
            "manifest roots [authz authz_users] do not permit data at path '/users'");

    const tentry overlap[] = {{"/.manifest", 'f', "{\"revision\": \"o1\", \"roots\": [\"authz/extra\"]}"},
                              {"/authz/extra/data.json", 'f', "{\"x\": 1}"}};
    write_tgz(path_of("overlap.tar.gz"), overlap, 2);
    refused(e, "other", path_of("overlap.tar.gz"), NULL,
            "detected overlapping roots in manifests for these bundles: [main, other] (authz overlaps authz/extra)");

    /* a truncated archive: the good one cut in half */
    FILE *in = fopen(path_of("good.tar.gz"), "rb");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    FILE *out = fopen(path_of("truncated.tar.gz"), "wb");
    fwrite(buf, 1, n / 2, out);
    fclose(out);
    refused(e, "main", path_of("truncated.tar.gz"), NULL, "archive read failed");

    /* a compile error inside an otherwise fine bundle */
    const tentry unsafe[] = {{"/.manifest", 'f', MANIFEST}, {"/authz/policy.rego", 'f', "package authz\nallow if x\n"}};
    write_tgz(path_of("unsafe.tar.gz"), unsafe, 2);
    refused(e, "main", path_of("unsafe.tar.gz"), NULL, "rego_unsafe_var_error: var x is unsafe");
    verdict_free(e);
}
END_TEST

START_TEST(gzip_bomb_is_rejected_quickly)
{
    verdict_engine *e = loaded();
    /* 1 GiB of zeros in one entry compresses to about 1 MB */
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_filter_option(a, "gzip", "compression-level", "1");
    archive_write_set_format_pax_restricted(a);
    ck_assert_int_eq(archive_write_open_filename(a, path_of("bomb.tar.gz")), ARCHIVE_OK);
    struct archive_entry *en = archive_entry_new();
    archive_entry_set_pathname(en, "/authz_users/data.json");
    archive_entry_set_filetype(en, AE_IFREG);
    archive_entry_set_perm(en, 0644);
    archive_entry_set_size(en, (la_int64_t)1 << 30);
    ck_assert_int_eq(archive_write_header(a, en), ARCHIVE_OK);
    char *zeros = calloc(1, 1 << 20);
    for (int i = 0; i < 1024; i++)
        archive_write_data(a, zeros, 1 << 20);
    free(zeros);
    archive_entry_free(en);
    archive_write_close(a);
    archive_write_free(a);
    verdict_bundle_options o;
    memset(&o, 0, sizeof o);
    o.max_bytes = 64 << 20;
    refused(e, "main", path_of("bomb.tar.gz"), &o, "exceeds");
    verdict_free(e);
}
END_TEST

START_TEST(signatures_are_checked)
{
    verdict_engine *e = loaded();
    /* sign the good bundle with an HMAC secret through verdict build */
    FILE *f;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/src/authz %s/src/authz_users", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    f = fopen(path_of("src/.manifest"), "w");
    fputs(MANIFEST, f);
    fclose(f);
    f = fopen(path_of("src/authz/policy.rego"), "w");
    fputs(POLICY, f);
    fclose(f);
    f = fopen(path_of("src/authz_users/data.json"), "w");
    fputs("{\"admins\": [\"alice\", \"carol\"]}", f);
    fclose(f);
    char *inputs[] = {(char *)path_of("src")};
    verdict_build_options bo;
    memset(&bo, 0, sizeof bo);
    bo.signing_key = "s3cret";
    bo.signing_alg = "HS256";
    bo.revision = "signed-1";
    verdict_errors *errs = NULL;
    ck_assert_int_eq(verdict_build_bundle(inputs, 1, path_of("signed.tar.gz"), &bo, &errs), VERDICT_OK);

    verdict_bundle_options o;
    memset(&o, 0, sizeof o);
    o.verification_key = "wrong";
    refused(e, "main", path_of("signed.tar.gz"), &o, "could not verify message using any of the signatures or keys");

    /* an extra file the signature does not list */
    snprintf(cmd, sizeof cmd,
             "cd %s && rm -rf x && mkdir x && tar xzf signed.tar.gz -C x 2>/dev/null && echo hi > x/notes.txt && "
             "(cd x && tar czf ../extra.tar.gz .) 2>/dev/null", dir);
    ck_assert_int_eq(system(cmd), 0);
    o.verification_key = "s3cret";
    refused(e, "main", path_of("extra.tar.gz"), &o, "not included in bundle signature");

    /* a signed file missing */
    snprintf(cmd, sizeof cmd,
             "cd %s && rm -rf y && mkdir y && tar xzf signed.tar.gz -C y 2>/dev/null && rm y/authz/policy.rego && "
             "(cd y && tar czf ../missing.tar.gz .) 2>/dev/null", dir);
    ck_assert_int_eq(system(cmd), 0);
    refused(e, "main", path_of("missing.tar.gz"), &o, "specified in bundle signatures but not found in the target bundle");

    /* the right secret: activates */
    ck_assert_int_eq(verdict_load_bundle_file(e, "main", path_of("signed.tar.gz"), &o, NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "authz/allow", "{\"user\":\"carol\"}", 16), 1);
    verdict_free(e);
}
END_TEST

Suite *suite_bundle_engine(void)
{
    Suite *s = suite_create("bundle_engine");
    TCase *tc = tcase_create("activation");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, delta_changes_the_answer);
    tcase_add_test(tc, bad_bundles_keep_the_previous_one);
    tcase_add_test(tc, gzip_bomb_is_rejected_quickly);
    tcase_add_test(tc, signatures_are_checked);
    suite_add_tcase(s, tc);
    return s;
}
