/* Unit tests for bundle/: reading bundles (directories, .tar.gz files made by
 * GNU tar and by bundle_build, buffers), data placement, manifests, delta
 * bundles, unsafe entries, limits, signatures and building.
 *
 * Fixture directories live in tests/bundle/; archives, keys and bombs are
 * made at test time in a temporary directory (GNU tar + gzip, libarchive's
 * writer, the openssl command). */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "bundle/internal.h"
#include "engine/json.h"

#include "archive_writer.h"

#define FIXTURES "tests/bundle"

/* ---- helpers ---- */

static char tmp_root[64];

static const char *tmp(const char *name)
{
    static char bufs[8][512];
    static int next;
    if (!tmp_root[0]) {
        strcpy(tmp_root, "/tmp/verdict-bundle-test-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmp_root));
    }
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", tmp_root, name);
    return b;
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "command failed: %s", cmd);
}

static void mkdirs(const char *path)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
}

static void write_file(const char *path, const char *content)
{
    mkdirs(path);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;
    sb_puts(&sb, "");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_append(&sb, buf, n);
    fclose(f);
    if (len)
        *len = sb.len;
    return sb_detach(&sb);
}

/* A fresh copy of a fixture directory. */
static const char *copy_fixture(const char *name, const char *as)
{
    const char *dst = tmp(as);
    run("rm -rf '%s' && cp -r " FIXTURES "/%s '%s'", dst, name, dst);
    return dst;
}

/* GNU tar + gzip, as a user would make a bundle: entries "./a/b". */
static void gnu_targz(const char *dir, const char *out)
{
    run("tar -C '%s' -cf - . | gzip -c > '%s'", dir, out);
}

static bundle *read_ok(const char *path, const bundle_limits *lim, const bundle_verify *v)
{
    bundle_error err = {{0}};
    bundle *b = bundle_read_file(path, lim, v, &err);
    ck_assert_msg(b != NULL, "reading %s failed: %s", path, err.message);
    return b;
}

static void read_fails(const char *path, const bundle_limits *lim, const bundle_verify *v, const char *expected)
{
    bundle_error err = {{0}};
    bundle *b = bundle_read_file(path, lim, v, &err);
    ck_assert_msg(b == NULL, "reading %s succeeded, expected: %s", path, expected);
    ck_assert_str_eq(err.message, expected);
}

static const bundle_module *module_at(const bundle *b, const char *path)
{
    for (int i = 0; i < b->nmodules; i++)
        if (strcmp(b->modules[i].path, path) == 0)
            return &b->modules[i];
    return NULL;
}

static const bundle_data *data_at(const bundle *b, const char *path)
{
    for (int i = 0; i < b->ndata; i++)
        if (strcmp(b->data[i].path, path) == 0)
            return &b->data[i];
    return NULL;
}

static bool has_file(const bundle *b, const char *path)
{
    for (int i = 0; i < b->nfiles; i++)
        if (strcmp(b->files[i].path, path) == 0)
            return true;
    return false;
}

/* The keys of a data file joined by '/'. */
static const char *keys_of(const bundle_data *d)
{
    static char buf[256];
    buf[0] = 0;
    for (int i = 0; i < d->nkeys; i++) {
        if (i)
            strcat(buf, "/");
        strcat(buf, d->keys[i]);
    }
    return buf;
}

/* The basic fixture, as read from a directory, an archive or a buffer. */
static void check_basic(const bundle *b)
{
    ck_assert_str_eq(b->revision, "r1");
    ck_assert_int_eq(b->nroots, 2);
    ck_assert_str_eq(b->roots[0], "authz");
    ck_assert_str_eq(b->roots[1], "users");
    ck_assert_int_eq(b->rego_v0, 0);
    ck_assert_str_eq(b->metadata_json, "{\"owner\":\"team-a\"}");
    ck_assert_str_eq(b->manifest_json,
                     "{\"revision\":\"r1\",\"roots\":[\"authz\",\"users\"],\"metadata\":{\"owner\":\"team-a\"}}");
    ck_assert_int_eq(b->nmodules, 1);
    const bundle_module *m = module_at(b, "/authz/policy.rego");
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->rego_v0, 0);
    ck_assert_uint_eq(m->len, strlen(m->text));
    ck_assert_ptr_nonnull(strstr(m->text, "package authz"));
    ck_assert_int_eq(b->ndata, 2);
    const bundle_data *d = data_at(b, "/users/data.json");
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(keys_of(d), "users");
    ck_assert_int_eq(d->is_yaml, 0);
    ck_assert_ptr_nonnull(strstr(d->text, "\"alice\""));
    d = data_at(b, "/users/eu/data.yaml");
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(keys_of(d), "users/eu");
    ck_assert_int_eq(d->is_yaml, 1);
    ck_assert(!b->is_delta);
    ck_assert(!b->signed_);
    ck_assert_int_eq(b->nfiles, 5);
    ck_assert(has_file(b, "/.manifest"));
    ck_assert(has_file(b, "/README.md"));   /* kept in the list, ignored otherwise */
}

/* ---- keys, made with the openssl command ---- */

static bool keys_made;

static void make_keys(void)
{
    if (keys_made)
        return;
    const char *d = tmp("keys");
    run("mkdir -p '%s' && cd '%s' && "
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null && "
        "openssl pkey -in rsa.pem -pubout -out rsa.pub && "
        "openssl rsa -in rsa.pem -RSAPublicKey_out -out rsa_pkcs1.pub 2>/dev/null && "
        "openssl req -x509 -new -key rsa.pem -subj /CN=verdict-test -days 2 -out rsa.crt 2>/dev/null && "
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem 2>/dev/null && "
        "openssl pkey -in other.pem -pubout -out other.pub && "
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.pem && "
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384.pem && "
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out ec521.pem && "
        "for c in ec256 ec384 ec521; do openssl pkey -in $c.pem -pubout -out $c.pub; done",
        d, d);
    keys_made = true;
}

static char *key(const char *name)
{
    make_keys();
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tmp("keys"), name);
    return slurp(path, NULL);
}

/* Build the basic fixture signed, into out. */
static void build_signed(const char *out, const char *alg, const char *signing_key)
{
    bundle_build_opts o = {0};
    o.signing_key = signing_key;
    o.signing_alg = alg;
    char *in[] = {FIXTURES "/basic"};
    bundle_error err = {{0}};
    int rc = bundle_build(in, 1, out, &o, &err);
    ck_assert_msg(rc == 0, "build failed: %s", err.message);
}

static void b64url(strbuf *sb, const unsigned char *in, size_t n)
{
    static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        sb_putc(sb, T[v >> 18]);
        sb_putc(sb, T[(v >> 12) & 63]);
        if (i + 1 < n)
            sb_putc(sb, T[(v >> 6) & 63]);
        if (i + 2 < n)
            sb_putc(sb, T[v & 63]);
    }
}

/* ---- reading ---- */

START_TEST(read_directory)
{
    bundle *b = read_ok(FIXTURES "/basic", NULL, NULL);
    check_basic(b);
    bundle_free(b);
}
END_TEST

START_TEST(read_gnu_targz)
{
    const char *out = tmp("basic-gnu.tar.gz");
    gnu_targz(FIXTURES "/basic", out);
    bundle *b = read_ok(out, NULL, NULL);
    check_basic(b);
    bundle_free(b);
}
END_TEST

START_TEST(read_buffer)
{
    const char *out = tmp("basic-buf.tar.gz");
    gnu_targz(FIXTURES "/basic", out);
    size_t len;
    char *buf = slurp(out, &len);
    bundle_error err = {{0}};
    bundle *b = bundle_read_buffer(buf, len, NULL, NULL, &err);
    ck_assert_msg(b != NULL, "%s", err.message);
    check_basic(b);
    bundle_free(b);
    b = bundle_read_buffer(buf, len / 2, NULL, NULL, &err);
    ck_assert_ptr_null(b);
    ck_assert_str_eq(err.message, "bundle: archive read failed: truncated archive");
    free(buf);
}
END_TEST

START_TEST(read_bundle_made_by_build)
{
    const char *out = tmp("basic-built.tar.gz");
    bundle_build_opts o = {0};
    o.revision = "r2";
    char *in[] = {FIXTURES "/basic"};
    bundle_error err = {{0}};
    ck_assert_msg(bundle_build(in, 1, out, &o, &err) == 0, "%s", err.message);
    bundle *b = read_ok(out, NULL, NULL);
    ck_assert_str_eq(b->revision, "r2");
    ck_assert_int_eq(b->nroots, 2);
    ck_assert_str_eq(b->manifest_json, "{\"revision\":\"r2\",\"roots\":[\"authz\",\"users\"],\"rego_version\":1,"
                                       "\"metadata\":{\"owner\":\"team-a\"}}");
    ck_assert_ptr_nonnull(module_at(b, "/authz/policy.rego"));
    /* all data in one document at the root, as opa build writes it */
    ck_assert_int_eq(b->ndata, 1);
    ck_assert_str_eq(b->data[0].path, "/data.json");
    ck_assert_int_eq(b->data[0].nkeys, 0);
    ck_assert_str_eq(b->data[0].text, "{\"users\":{\"alice\":{\"role\":\"admin\"},\"carol\":{\"role\":\"viewer\"},"
                                      "\"eu\":{\"bob\":{\"role\":\"viewer\"}}}}\n");
    ck_assert(!has_file(b, "/README.md"));
    bundle_free(b);
}
END_TEST

START_TEST(build_archive_layout)
{
    /* entries, order and headers as OPA's bundle writer makes them */
    const char *out = tmp("layout.tar.gz");
    char *pem = key("rsa.pem");
    build_signed(out, NULL, pem);
    free(pem);
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    ck_assert_int_eq(archive_read_open_filename(a, out, 10240), ARCHIVE_OK);
    const char *want[] = {"/data.json", "/authz/policy.rego", "/.signatures.json", "/.manifest"};
    struct archive_entry *e;
    int i = 0;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        ck_assert_int_lt(i, 4);
        ck_assert_str_eq(archive_entry_pathname(e), want[i]);
        ck_assert_int_eq(archive_entry_filetype(e), AE_IFREG);
        ck_assert_int_eq(archive_entry_perm(e), 0600);
        i++;
    }
    ck_assert_int_eq(i, 4);
    archive_read_free(a);
    run("mkdir -p '%s' && tar -C '%s' -xzf '%s' 2>/dev/null", tmp("layout"), tmp("layout"), out);
    char *sigs = slurp(tmp("layout/.signatures.json"), NULL);
    ck_assert(strncmp(sigs, "{\n \"signatures\": [\n  \"eyJhbGciOiJSUzI1NiIsImtpZCI6ImRlZmF1bHQifQ.", 64) == 0);
    ck_assert_str_eq(sigs + strlen(sigs) - 6, "\"\n ]\n}");
    free(sigs);
}
END_TEST

START_TEST(data_placement_nested)
{
    const char *d = tmp("nested");
    run("rm -rf '%s'", d);
    char p[600];
    snprintf(p, sizeof p, "%s/data.json", d);
    write_file(p, "{\"top\": true}");
    snprintf(p, sizeof p, "%s/a/b/c/data.json", d);
    write_file(p, "{\"deep\": [1, 2.50, \"x\"]}");
    snprintf(p, sizeof p, "%s/a/data.yml", d);
    write_file(p, "list:\n  - 1\n");
    snprintf(p, sizeof p, "%s/a/b/other.json", d);    /* not a data file: ignored */
    write_file(p, "not even json");
    bundle *b = read_ok(d, NULL, NULL);
    ck_assert_int_eq(b->ndata, 3);
    ck_assert_str_eq(keys_of(data_at(b, "/data.json")), "");
    ck_assert_str_eq(keys_of(data_at(b, "/a/b/c/data.json")), "a/b/c");
    ck_assert_str_eq(keys_of(data_at(b, "/a/data.yml")), "a");
    ck_assert_int_eq(data_at(b, "/a/data.yml")->is_yaml, 1);
    ck_assert(has_file(b, "/a/b/other.json"));
    bundle_free(b);

    /* the same placed from an archive whose names start with '/' and './' */
    const char *out = tmp("nested.tar.gz");
    tentry es[] = {
        {"/x/data.json", 'f', "{\"a\": 1}"},
        {"./y/z/data.json", 'f', "{\"b\": 2}"},
        {"./", 'd', NULL},
    };
    write_tgz(out, es, 3);
    b = read_ok(out, NULL, NULL);
    ck_assert_str_eq(keys_of(data_at(b, "/x/data.json")), "x");
    ck_assert_str_eq(keys_of(data_at(b, "/y/z/data.json")), "y/z");
    bundle_free(b);
}
END_TEST

START_TEST(data_conflicts)
{
    const char *out = tmp("conflict.tar.gz");
    tentry es[] = {
        {"/a/data.json", 'f', "{\"b\": {\"c\": 1}}"},
        {"/a/b/data.json", 'f', "{\"c\": 2}"},
    };
    write_tgz(out, es, 2);
    read_fails(out, NULL, NULL, "bundle load failed on /a/b/data.json: failed to insert data file from path a/b");

    tentry ok[] = {
        {"/a/data.json", 'f', "{\"b\": {\"c\": 1}}"},
        {"/a/b/data.json", 'f', "{\"d\": 2}"},     /* objects merge */
    };
    write_tgz(out, ok, 2);
    bundle_free(read_ok(out, NULL, NULL));

    tentry root[] = {{"/data.json", 'f', "[1, 2]"}};
    write_tgz(out, root, 1);
    read_fails(out, NULL, NULL, "bundle load failed on /data.json: root value must be object");
}
END_TEST

START_TEST(yaml_data)
{
    bundle *b = read_ok(FIXTURES "/basic", NULL, NULL);
    const bundle_data *d = data_at(b, "/users/eu/data.yaml");
    ck_assert_str_eq(d->text, "bob:\n  role: viewer\n");
    bundle_free(b);

    const char *out = tmp("badyaml.tar.gz");
    tentry es[] = {{"/cfg/data.yaml", 'f', "a: [1\nb: 2\n"}};
    write_tgz(out, es, 1);
    read_fails(out, NULL, NULL,
               "bundle load failed on /cfg/data.yaml:2:2: yaml: line 2: did not find expected ',' or ']' while parsing a "
               "flow sequence");
}
END_TEST

START_TEST(rego_version_v0)
{
    bundle *b = read_ok(FIXTURES "/v0", NULL, NULL);
    ck_assert_int_eq(b->rego_v0, 1);
    ck_assert_str_eq(b->revision, "v0-rev");
    ck_assert_int_eq(b->nroots, 1);
    ck_assert_str_eq(b->roots[0], "");
    ck_assert_int_eq(module_at(b, "/legacy/policy.rego")->rego_v0, 1);
    ck_assert_str_eq(b->manifest_json, "{\"revision\":\"v0-rev\",\"roots\":[\"\"],\"rego_version\":0}");
    bundle_free(b);

    /* per-file versions override the manifest's */
    const char *out = tmp("filever.tar.gz");
    tentry es[] = {
        {"/.manifest", 'f', "{\"rego_version\": 0, \"file_rego_versions\": {\"/new/*.rego\": 1}}"},
        {"/old/p.rego", 'f', "package old\n"},
        {"/new/q.rego", 'f', "package new\n"},
    };
    write_tgz(out, es, 3);
    b = read_ok(out, NULL, NULL);
    ck_assert_int_eq(module_at(b, "/old/p.rego")->rego_v0, 1);
    ck_assert_int_eq(module_at(b, "/new/q.rego")->rego_v0, 0);
    bundle_free(b);

    tentry bad[] = {
        {"/.manifest", 'f', "{\"rego_version\": 2}"},
        {"/p.rego", 'f', "package p\n"},
    };
    write_tgz(out, bad, 2);
    read_fails(out, NULL, NULL, "unknown bundle rego-version 2 for file '/p.rego'");

    /* a v0 bundle built keeps its version */
    const char *built = tmp("v0-built.tar.gz");
    char *in[] = {FIXTURES "/v0"};
    bundle_error err = {{0}};
    ck_assert_msg(bundle_build(in, 1, built, NULL, &err) == 0, "%s", err.message);
    b = read_ok(built, NULL, NULL);
    ck_assert_int_eq(b->rego_v0, 1);
    ck_assert_int_eq(module_at(b, "/legacy/policy.rego")->rego_v0, 1);
    bundle_free(b);
}
END_TEST

START_TEST(delta_bundle)
{
    const char *out = tmp("delta.tar.gz");
    tentry es[] = {
        {"/.manifest", 'f', "{\"revision\": \"d2\", \"roots\": [\"role_grants\", \"users\"]}"},
        {"/patch.json", 'f',
         "{\"data\": [\n"
         "  {\"op\": \"upsert\", \"path\": \"/role_grants/admin/-\", \"value\": {\"action\": \"read\", \"type\": \"x\"}},\n"
         "  {\"op\": \"remove\", \"path\": \"users/bob\"},\n"
         "  {\"op\": \"replace\", \"path\": \"/users/a~1b/c~0d/%41\", \"value\": [1, 2.0]}\n"
         "]}"},
    };
    write_tgz(out, es, 2);
    bundle *b = read_ok(out, NULL, NULL);
    ck_assert(b->is_delta);
    ck_assert_str_eq(b->revision, "d2");
    ck_assert_int_eq(b->npatches, 3);
    ck_assert_int_eq(b->patches[0].op, BUNDLE_PATCH_UPSERT);
    ck_assert_int_eq(b->patches[0].nkeys, 3);
    ck_assert_str_eq(b->patches[0].keys[2], "-");
    ck_assert_str_eq(b->patches[0].value, "{\"action\":\"read\",\"type\":\"x\"}");
    ck_assert_int_eq(b->patches[1].op, BUNDLE_PATCH_REMOVE);
    ck_assert_ptr_null(b->patches[1].value);
    ck_assert_str_eq(b->patches[1].keys[1], "bob");
    ck_assert_int_eq(b->patches[2].op, BUNDLE_PATCH_REPLACE);
    ck_assert_int_eq(b->patches[2].nkeys, 4);
    ck_assert_str_eq(b->patches[2].keys[1], "a/b");
    ck_assert_str_eq(b->patches[2].keys[2], "c~d");
    ck_assert_str_eq(b->patches[2].keys[3], "A");
    ck_assert_str_eq(b->patches[2].value, "[1,2.0]");
    ck_assert_int_eq(b->ndata, 0);
    bundle_free(b);

    tentry outside[] = {
        {"/.manifest", 'f', "{\"roots\": [\"users\"]}"},
        {"/patch.json", 'f', "{\"data\": [{\"op\": \"upsert\", \"path\": \"/roles/x\", \"value\": 1}]}"},
    };
    write_tgz(out, outside, 2);
    read_fails(out, NULL, NULL, "manifest roots [users] do not permit data patch at path 'roles/x'");

    tentry badop[] = {{"/patch.json", 'f', "{\"data\": [{\"op\": \"add\", \"path\": \"/x\", \"value\": 1}]}"}};
    write_tgz(out, badop, 1);
    read_fails(out, NULL, NULL, "/patch.json: bad patch operation: add");

    tentry withdata[] = {
        {"/patch.json", 'f', "{\"data\": [{\"op\": \"remove\", \"path\": \"/x\"}]}"},
        {"/y/data.json", 'f', "{}"},
    };
    write_tgz(out, withdata, 2);
    read_fails(out, NULL, NULL, "delta bundle expected to contain only patch file but data files found");

    tentry malformed[] = {{"/patch.json", 'f', "{\"data\": [\n  {\"op\": \"remove\" \"path\": \"/x\"}]}"}};
    write_tgz(out, malformed, 1);
    read_fails(out, NULL, NULL,
               "bundle load failed on patch decode: /patch.json:2:19: invalid character '\"' after object key:value pair");
}
END_TEST

/* ---- unsafe entries ---- */

START_TEST(entry_path_traversal)
{
    const char *out = tmp("traversal.tar.gz");
    tentry es[] = {
        {"ok/data.json", 'f', "{}"},
        {"x/../../evil.rego", 'f', "package evil\n"},
    };
    write_tgz(out, es, 2);
    char want[700];
    snprintf(want, sizeof want, "%s: entry \"x/../../evil.rego\": path escapes the bundle", out);
    read_fails(out, NULL, NULL, want);
}
END_TEST

START_TEST(entry_absolute_path)
{
    const char *out = tmp("absolute.tar.gz");
    tentry es[] = {{"/../../etc/passwd", 'f', "root:x:0:0"}};
    write_tgz(out, es, 1);
    char want[700];
    snprintf(want, sizeof want, "%s: entry \"/../../etc/passwd\": absolute path escapes the bundle", out);
    read_fails(out, NULL, NULL, want);

    /* a leading '/' alone is how OPA writes every entry: inside the bundle */
    tentry fine[] = {{"/etc/data.json", 'f', "{\"x\": 1}"}};
    write_tgz(out, fine, 1);
    bundle *b = read_ok(out, NULL, NULL);
    ck_assert_str_eq(keys_of(data_at(b, "/etc/data.json")), "etc");
    bundle_free(b);
}
END_TEST

START_TEST(entry_links_and_devices)
{
    const char *out = tmp("links.tar.gz");
    char want[700];
    tentry sym[] = {{"policy.rego", 'l', "/etc/passwd"}};
    write_tgz(out, sym, 1);
    snprintf(want, sizeof want, "%s: entry \"policy.rego\": symbolic links are not allowed", out);
    read_fails(out, NULL, NULL, want);

    tentry hard[] = {{"a.rego", 'f', "package a\n"}, {"b.rego", 'h', "a.rego"}};
    write_tgz(out, hard, 2);
    snprintf(want, sizeof want, "%s: entry \"b.rego\": hard links are not allowed", out);
    read_fails(out, NULL, NULL, want);

    tentry dev[] = {{"dev/tty", 'c', NULL}};
    write_tgz(out, dev, 1);
    snprintf(want, sizeof want, "%s: entry \"dev/tty\": device files are not allowed", out);
    read_fails(out, NULL, NULL, want);

    tentry fifo[] = {{"pipe", 'p', NULL}};
    write_tgz(out, fifo, 1);
    snprintf(want, sizeof want, "%s: entry \"pipe\": FIFOs are not allowed", out);
    read_fails(out, NULL, NULL, want);

    tentry dup[] = {{"a/data.json", 'f', "{}"}, {"./a//data.json", 'f', "{}"}};
    write_tgz(out, dup, 2);
    snprintf(want, sizeof want, "%s: duplicate entry /a/data.json", out);
    read_fails(out, NULL, NULL, want);

    /* a directory bundle with a symbolic link */
    const char *d = copy_fixture("basic", "symdir");
    char link[700];
    snprintf(link, sizeof link, "%s/authz/link.rego", d);
    ck_assert_int_eq(symlink("policy.rego", link), 0);
    snprintf(want, sizeof want, "%s: entry \"authz/link.rego\": symbolic links are not allowed", d);
    read_fails(d, NULL, NULL, want);
}
END_TEST

/* ---- roots ---- */

START_TEST(data_outside_roots)
{
    const char *d = copy_fixture("basic", "outside-data");
    char p[600];
    snprintf(p, sizeof p, "%s/.manifest", d);
    write_file(p, "{\"roots\": [\"authz\"]}");
    read_fails(d, NULL, NULL,
               "manifest roots [authz] do not permit data at path '/users' (hint: check bundle directory structure)");

    /* roots deeper than the data file: the file's objects lead to them */
    snprintf(p, sizeof p, "%s/.manifest", d);
    write_file(p, "{\"roots\": [\"authz\", \"users/alice\", \"users/carol\", \"users/eu\"]}");
    bundle_free(read_ok(d, NULL, NULL));
    write_file(p, "{\"roots\": [\"authz\", \"users/alice\", \"users/eu\"]}");
    read_fails(d, NULL, NULL,
               "manifest roots [authz users/alice users/eu] do not permit data at path '/users/carol/role' (hint: "
               "check bundle directory structure)");
}
END_TEST

START_TEST(module_outside_roots)
{
    const char *d = copy_fixture("basic", "outside-module");
    char p[600];
    snprintf(p, sizeof p, "%s/other/x.rego", d);
    write_file(p, "# leading comment\n\n  # another\npackage other.x  # trailing\n\nallow := true\n");
    read_fails(d, NULL, NULL, "manifest roots [authz users] do not permit 'package other.x' in module '/other/x.rego'");

    write_file(p, "package users[\"a-b\"].c\n");   /* under a root: fine */
    bundle_free(read_ok(d, NULL, NULL));
    write_file(p, "package other[\"a-b\"]\n");
    read_fails(d, NULL, NULL,
               "manifest roots [authz users] do not permit 'package other[\"a-b\"]' in module '/other/x.rego'");
    write_file(p, "package authzx\n");           /* a prefix of a root's name is not under it */
    read_fails(d, NULL, NULL, "manifest roots [authz users] do not permit 'package authzx' in module '/other/x.rego'");
}
END_TEST

START_TEST(roots_helpers_and_overlap)
{
    ck_assert(bundle_root_contains("", "anything"));
    ck_assert(bundle_root_contains("a", "a"));
    ck_assert(bundle_root_contains("a", "a/b"));
    ck_assert(!bundle_root_contains("a", "ab"));
    ck_assert(!bundle_root_contains("a/b", "a"));
    ck_assert(!bundle_root_contains("a", ""));
    ck_assert(bundle_roots_overlap("a/b", "a"));
    ck_assert(bundle_roots_overlap("", "x"));
    ck_assert(!bundle_roots_overlap("a/b", "a/c"));

    const char *out = tmp("overlap.tar.gz");
    tentry es[] = {{"/.manifest", 'f', "{\"roots\": [\"a/b\", \"/a/\"]}"}};
    write_tgz(out, es, 1);
    read_fails(out, NULL, NULL, "manifest has overlapped roots: 'a/b' and 'a'");

    /* no roots at all permit nothing, not even empty data (as in OPA) */
    tentry none[] = {{"/.manifest", 'f', "{\"roots\": []}"}};
    write_tgz(out, none, 1);
    read_fails(out, NULL, NULL, "manifest roots [] do not permit data at path '/' (hint: check bundle directory structure)");
}
END_TEST

/* ---- broken archives and limits ---- */

START_TEST(truncated_archive)
{
    /* big enough that the cut falls inside the deflate stream of a file */
    const char *d = tmp("big");
    run("rm -rf '%s' && mkdir -p '%s' && head -c 300000 /dev/urandom | base64 > '%s/notes.txt'", d, d, d);
    const char *out = tmp("big.tar.gz");
    gnu_targz(d, out);
    const char *cut = tmp("truncated.tar.gz");
    run("head -c 100000 '%s' > '%s'", out, cut);
    char want[700];
    snprintf(want, sizeof want, "%s: archive read failed: truncated archive", cut);
    read_fails(cut, NULL, NULL, want);

    /* a complete gzip stream holding half a tar */
    run("gzip -dc '%s' | head -c 50000 | gzip -c > '%s'", out, cut);
    read_fails(cut, NULL, NULL, want);

    /* not gzip at all, and corrupt gzip */
    write_file(cut, "this is not an archive\n");
    snprintf(want, sizeof want, "%s: archive read failed: Unrecognized archive format", cut);
    read_fails(cut, NULL, NULL, want);
    run("printf '\\037\\213\\010\\000garbagegarbagegarbage' > '%s'", cut);
    snprintf(want, sizeof want, "%s: archive read failed: gzip decompression failed", cut);
    read_fails(cut, NULL, NULL, want);
}
END_TEST

static const char *bomb_path(void)
{
    static bool made;
    const char *out = tmp("bomb.tar.gz");
    if (made)
        return out;
    /* one entry of 1 GiB of zeros streamed through libarchive's gzip writer */
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_filter_option(a, "gzip", "compression-level", "1");
    archive_write_set_format_pax_restricted(a);
    ck_assert_int_eq(archive_write_open_filename(a, out), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "data.json");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)1 << 30);
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    archive_entry_free(e);
    char *zeros = calloc(1, 1 << 20);
    for (int i = 0; i < 1024; i++)
        archive_write_data(a, zeros, 1 << 20);
    free(zeros);
    archive_write_close(a);
    archive_write_free(a);
    made = true;
    return out;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(gzip_bomb)
{
    const char *out = bomb_path();
    struct stat st;
    ck_assert_int_eq(stat(out, &st), 0);
    ck_assert_int_lt(st.st_size, 8 << 20);     /* ~4.5 MB that inflate to 1 GiB */
    double t0 = now();
    char want[700];
    snprintf(want, sizeof want,
             "%s: bundle file data.json size (1073741824 bytes) exceeds configured size_limit_bytes (268435456 bytes)",
             out);
    read_fails(out, NULL, NULL, want);
    ck_assert_double_lt(now() - t0, 2.0);

    /* with a larger file limit, the total limit stops it */
    bundle_limits lim = {.max_total_bytes = 64 << 20, .max_file_bytes = 2ull << 30};
    snprintf(want, sizeof want, "%s: decompressed size exceeds the limit of 67108864 bytes", out);
    t0 = now();
    read_fails(out, &lim, NULL, want);
    ck_assert_double_lt(now() - t0, 2.0);
}
END_TEST

START_TEST(bomb_in_skipped_entry)
{
    /* A tar header followed by 256 MiB of garbage: the tar reader scans the
     * garbage for the next valid header, inflating all of it, inside
     * libarchive where no per-entry check can reach; the limit on the
     * inflated stream stops it while inflating. */
    const char *out = tmp("dirbomb.tar.gz");
    char hdr[512];
    memset(hdr, 0, sizeof hdr);
    strcpy(hdr, "d/");
    memcpy(hdr + 100, "0000755", 7);
    memcpy(hdr + 108, "0000000", 7);
    memcpy(hdr + 116, "0000000", 7);
    snprintf(hdr + 124, 12, "%011llo", 1ull << 30);
    memcpy(hdr + 136, "00000000000", 11);
    hdr[156] = '5';
    memcpy(hdr + 257, "ustar", 6);
    memcpy(hdr + 263, "00", 2);
    memset(hdr + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (unsigned char)hdr[i];
    snprintf(hdr + 148, 8, "%06o", sum);
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_filter_option(a, "gzip", "compression-level", "1");
    archive_write_set_format_raw(a);
    ck_assert_int_eq(archive_write_open_filename(a, out), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "raw");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_write_header(a, e);
    archive_entry_free(e);
    archive_write_data(a, hdr, 512);
    char *block = malloc(1 << 20);
    memset(block, 'a', 1 << 20);
    for (int i = 0; i < 256; i++)
        archive_write_data(a, block, 1 << 20);
    free(block);
    archive_write_close(a);
    archive_write_free(a);

    bundle_limits lim = {.max_total_bytes = 16 << 20, .max_entries = 10};
    char want[700];
    snprintf(want, sizeof want, "%s: decompressed size exceeds the limit of 16777216 bytes", out);
    double t0 = now();
    read_fails(out, &lim, NULL, want);
    ck_assert_double_lt(now() - t0, 2.0);
}
END_TEST

START_TEST(entry_count_limit)
{
    const char *out = tmp("many.tar.gz");
    tentry es[6];
    char names[6][32];
    for (int i = 0; i < 6; i++) {
        snprintf(names[i], sizeof names[i], "f%d.txt", i);
        es[i] = (tentry){names[i], 'f', "x"};
    }
    write_tgz(out, es, 6);
    bundle_limits lim = {.max_entries = 5};
    char want[700];
    snprintf(want, sizeof want, "%s: too many entries (the limit is 5)", out);
    read_fails(out, &lim, NULL, want);
    lim.max_entries = 6;
    bundle_free(read_ok(out, &lim, NULL));

    lim = (bundle_limits){.max_file_bytes = 4};
    tentry big[] = {{"/a/data.json", 'f', "{\"k\": 1}"}};
    write_tgz(out, big, 1);
    snprintf(want, sizeof want, "%s: bundle file a/data.json size (8 bytes) exceeds configured size_limit_bytes (4 bytes)",
             out);
    read_fails(out, &lim, NULL, want);
}
END_TEST

/* ---- malformed files ---- */

START_TEST(malformed_manifest)
{
    const char *out = tmp("badmanifest.tar.gz");
    tentry es[] = {{"/.manifest", 'f', "{\n  \"revision\": \"x\",\n}"}};
    write_tgz(out, es, 1);
    read_fails(out, NULL, NULL,
               "bundle load failed on manifest decode: /.manifest:3:1: invalid character '}' looking for beginning of "
               "object key string");

    tentry type[] = {{"/.manifest", 'f', "{\"roots\": \"authz\"}"}};
    write_tgz(out, type, 1);
    read_fails(out, NULL, NULL,
               "bundle load failed on manifest decode: /.manifest: json: cannot unmarshal string into Go struct field "
               "Manifest.roots of type []string");

    tentry num[] = {{"/.manifest", 'f', "{\"rego_version\": 1.5}"}};
    write_tgz(out, num, 1);
    read_fails(out, NULL, NULL,
               "bundle load failed on manifest decode: /.manifest: json: cannot unmarshal number 1.5 into Go struct "
               "field Manifest.rego_version of type int");

    /* Go's decoder matches field names ignoring case and skips unknown ones */
    tentry odd[] = {{"/.manifest", 'f', "{\"Revision\": \"R\", \"ROOTS\": [\"/a/\"], \"extra\": 1}"}};
    write_tgz(out, odd, 1);
    bundle *b = read_ok(out, NULL, NULL);
    ck_assert_str_eq(b->revision, "R");
    ck_assert_str_eq(b->roots[0], "a");
    bundle_free(b);
}
END_TEST

START_TEST(malformed_data_json)
{
    const char *d = copy_fixture("basic", "baddata");
    char p[600];
    snprintf(p, sizeof p, "%s/users/data.json", d);
    write_file(p, "{\n  \"alice\": {\"role\": \"admin\"},\n  \"bob\": {\"role\" \"viewer\"}\n}\n");
    read_fails(d, NULL, NULL,
               "bundle load failed on /users/data.json:3:18: invalid character '\"' after object key");
}
END_TEST

/* ---- signatures ---- */

/* A signed copy of the basic bundle, extracted into a directory to tamper with. */
static const char *signed_dir(const char *name, const char *alg, const char *pem_name)
{
    char *pem = key(pem_name);
    char archive[600];
    snprintf(archive, sizeof archive, "%s.tar.gz", tmp(name));
    build_signed(archive, alg, pem);
    free(pem);
    const char *d = tmp(name);
    run("rm -rf '%s' && mkdir -p '%s' && tar -C '%s' -xzf '%s' 2>/dev/null", d, d, d, archive);
    return d;
}

START_TEST(signature_bad)
{
    const char *d = signed_dir("badsig", NULL, "rsa.pem");
    char p[600];
    snprintf(p, sizeof p, "%s/.signatures.json", d);
    char *s = slurp(p, NULL);
    char *sig = strrchr(s, '.') + 1;
    *sig = *sig == 'A' ? 'B' : 'A';
    write_file(p, s);
    free(s);
    char *pub = key("rsa.pub");
    bundle_verify v = {.key = pub};
    read_fails(d, NULL, &v, "could not verify message using any of the signatures or keys");
    /* the wrong key: the same */
    const char *good = signed_dir("goodsig", NULL, "rsa.pem");
    char *other = key("other.pub");
    v.key = other;
    read_fails(good, NULL, &v, "could not verify message using any of the signatures or keys");
    /* an algorithm other than the token's */
    v.key = pub;
    v.alg = "RS512";
    read_fails(good, NULL, &v, "could not verify message using any of the signatures or keys");
    v.alg = "XX256";
    read_fails(good, NULL, &v, "unknown signature algorithm: XX256");
    v.alg = NULL;
    v.scope = "write";
    read_fails(good, NULL, &v, "scope mismatch");
    v.scope = NULL;
    bundle *b = read_ok(good, NULL, &v);
    ck_assert(b->signed_);
    bundle_free(b);

    /* "alg confusion": a token MACed with the public key's PEM text as the
     * HMAC secret does not verify against that public key */
    const char *forged = tmp("forged.tar.gz");
    build_signed(forged, "HS256", pub);
    v = (bundle_verify){.key = pub};
    read_fails(forged, NULL, &v, "could not verify message using any of the signatures or keys");
    free(pub);
    free(other);
}
END_TEST

START_TEST(signature_missing_file)
{
    const char *d = signed_dir("missing", NULL, "rsa.pem");
    run("rm '%s/authz/policy.rego'", d);
    char *pub = key("rsa.pub");
    bundle_verify v = {.key = pub};
    read_fails(d, NULL, &v, "file(s) [authz/policy.rego] specified in bundle signatures but not found in the target bundle");
    /* re-packed by GNU tar: names "./x" are the same files */
    const char *out = tmp("missing-repacked.tar.gz");
    gnu_targz(d, out);
    read_fails(out, NULL, &v, "file(s) [authz/policy.rego] specified in bundle signatures but not found in the target bundle");
    free(pub);
}
END_TEST

START_TEST(signature_extra_file)
{
    const char *d = signed_dir("extra", NULL, "rsa.pem");
    char p[600];
    snprintf(p, sizeof p, "%s/extra/notes.txt", d);
    write_file(p, "not signed\n");
    char *pub = key("rsa.pub");
    bundle_verify v = {.key = pub};
    read_fails(d, NULL, &v, "file extra/notes.txt not included in bundle signature");
    free(pub);
}
END_TEST

START_TEST(signature_altered_file)
{
    const char *d = signed_dir("altered", NULL, "rsa.pem");
    char p[600];
    snprintf(p, sizeof p, "%s/authz/policy.rego", d);
    write_file(p, "package authz\n\nallow := true\n");
    char *pub = key("rsa.pub");
    bundle_verify v = {.key = pub};
    bundle_error err = {{0}};
    ck_assert_ptr_null(bundle_read_file(d, NULL, &v, &err));
    ck_assert_msg(strncmp(err.message, "authz/policy.rego: digest mismatch (want: ", 42) == 0, "%s", err.message);

    /* reformatting a JSON file changes no digest: structured files hash canonically */
    d = signed_dir("reformatted", NULL, "rsa.pem");
    snprintf(p, sizeof p, "%s/data.json", d);
    char *data = slurp(p, NULL);
    json_error je;
    arena a;
    arena_init(&a, 4096);
    val *dv = json_parse(&a, data, strlen(data), 0, &je);
    ck_assert_ptr_nonnull(dv);
    strbuf sb = STRBUF_INIT;
    json_write(&sb, dv, JSON_PRETTY);
    write_file(p, sb.data);
    sb_free(&sb);
    arena_release(&a);
    free(data);
    bundle *b = read_ok(d, NULL, &v);
    ck_assert(b->signed_);
    bundle_free(b);
    free(pub);
}
END_TEST

START_TEST(signature_hmac)
{
    const char *out = tmp("hs.tar.gz");
    build_signed(out, "HS256", "correct horse battery staple");
    bundle_verify v = {.key = "wrong secret"};
    read_fails(out, NULL, &v, "could not verify message using any of the signatures or keys");
    v.key = "correct horse battery staple";
    bundle *b = read_ok(out, NULL, &v);
    ck_assert(b->signed_);
    bundle_free(b);

    /* a scope claim */
    bundle_build_opts o = {.signing_key = "k", .signing_alg = "HS512", .scope = "write", .key_id = "ci"};
    char *in[] = {FIXTURES "/basic"};
    bundle_error err = {{0}};
    ck_assert_int_eq(bundle_build(in, 1, out, &o, &err), 0);
    v = (bundle_verify){.key = "k", .scope = "write"};
    b = read_ok(out, NULL, &v);
    ck_assert(b->signed_);
    bundle_free(b);
    v.scope = "read";
    read_fails(out, NULL, &v, "scope mismatch");
}
END_TEST

START_TEST(signature_roundtrip_all_algorithms)
{
    static const struct {
        const char *alg, *priv, *pub;
    } cases[] = {
        {"RS256", "rsa.pem", "rsa.pub"},  {"RS384", "rsa.pem", "rsa_pkcs1.pub"}, {"RS512", "rsa.pem", "rsa.crt"},
        {"PS256", "rsa.pem", "rsa.pub"},  {"PS384", "rsa.pem", "rsa.crt"},       {"PS512", "rsa.pem", "rsa_pkcs1.pub"},
        {"ES256", "ec256.pem", "ec256.pub"}, {"ES384", "ec384.pem", "ec384.pub"}, {"ES512", "ec521.pem", "ec521.pub"},
        {"HS256", NULL, NULL},            {"HS384", NULL, NULL},                 {"HS512", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "rt-%s.tar.gz", cases[i].alg);
        const char *out = tmp(name);
        char *priv = cases[i].priv ? key(cases[i].priv) : strdup("s3cret");
        char *pub = cases[i].pub ? key(cases[i].pub) : strdup("s3cret");
        build_signed(out, cases[i].alg, priv);
        bundle_verify v = {.key = pub, .alg = cases[i].alg, .key_id = "default"};
        bundle_error err = {{0}};
        bundle *b = bundle_read_file(out, NULL, &v, &err);
        ck_assert_msg(b != NULL, "%s: %s", cases[i].alg, err.message);
        ck_assert(b->signed_);
        bundle_free(b);
        /* the private key verifies too (its public half) */
        if (cases[i].priv) {
            v.key = priv;
            b = bundle_read_file(out, NULL, &v, &err);
            ck_assert_msg(b != NULL, "%s with the private key: %s", cases[i].alg, err.message);
            bundle_free(b);
        }
        free(priv);
        free(pub);
    }
    /* a key of the wrong kind */
    char *ec = key("ec256.pem");
    bundle_build_opts o = {.signing_key = ec, .signing_alg = "RS256"};
    char *in[] = {FIXTURES "/basic"};
    bundle_error err = {{0}};
    ck_assert_int_eq(bundle_build(in, 1, tmp("wrongkey.tar.gz"), &o, &err), -1);
    ck_assert_str_eq(err.message, "the signing key does not suit algorithm RS256");
    free(ec);
}
END_TEST

/* A bundle signed outside Verdict: the token made with the openssl command. */
START_TEST(signature_made_with_openssl)
{
    make_keys();
    static const struct {
        const char *alg, *sign_opts, *pub;
    } cases[] = {
        {"RS256", "-sha256 -sign rsa.pem", "rsa.pub"},
        {"PS256", "-sha256 -sign rsa.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest", "rsa.pub"},
        {"HS256", "-sha256 -hmac topsecret", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "cli-%s", cases[i].alg);
        const char *d = tmp(name);
        run("rm -rf '%s' && mkdir -p '%s/p'", d, d);
        char p[700];
        snprintf(p, sizeof p, "%s/p/x.rego", d);
        write_file(p, "package p\n\nx := 1\n");
        run("cd '%s' && sha256sum p/x.rego | cut -c1-64 | tr -d '\\n' > ../%s.hash", d, name);
        snprintf(p, sizeof p, "%s/../%s.hash", d, name);
        char *hash = slurp(p, NULL);
        char header[64], payload[512];
        snprintf(header, sizeof header, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", cases[i].alg);
        snprintf(payload, sizeof payload,
                 "{\"files\":[{\"name\":\"p/x.rego\",\"hash\":\"%s\",\"algorithm\":\"SHA-256\"}],\"iss\":\"cli\"}", hash);
        free(hash);
        strbuf input = STRBUF_INIT;
        b64url(&input, (const unsigned char *)header, strlen(header));
        sb_putc(&input, '.');
        b64url(&input, (const unsigned char *)payload, strlen(payload));
        snprintf(p, sizeof p, "%s/../%s.input", d, name);
        write_file(p, input.data);
        run("cd '%s' && openssl dgst %s -binary -out '%s/../%s.sig' '%s/../%s.input'", tmp("keys"), cases[i].sign_opts,
            d, name, d, name);
        snprintf(p, sizeof p, "%s/../%s.sig", d, name);
        size_t slen;
        char *sig = slurp(p, &slen);
        sb_putc(&input, '.');
        b64url(&input, (const unsigned char *)sig, slen);
        free(sig);
        strbuf sj = STRBUF_INIT;
        sb_printf(&sj, "{\"signatures\": [\"%s\"]}", input.data);
        snprintf(p, sizeof p, "%s/.signatures.json", d);
        write_file(p, sj.data);
        sb_free(&sj);
        sb_free(&input);
        char *pub = cases[i].pub ? key(cases[i].pub) : strdup("topsecret");
        bundle_verify v = {.key = pub};
        bundle *b = read_ok(d, NULL, &v);
        ck_assert(b->signed_);
        bundle_free(b);
        free(pub);
    }
}
END_TEST

/* Tokens from OPA's own tests (v1/bundle/verify_test.go): signed by OPA's
 * code, listing two files this bundle does not have. */
START_TEST(signature_tokens_from_opa)
{
    static const char *hs256 =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyJ9.eyJmaWxlcyI6W3sibmFtZSI6ImRiL3VhbTIvZW50aXRsZW1lbnRzL2"
        "RhdGEuanNvbiIsImhhc2giOiJjMjEzMTU0NGM3MTZhMjVhNWUzMWY1MDQzMDBmNTI0MGU4MjM1Y2FkYjlhNTdmMGJkMWI2ZjRiZDc0YjI2NjEy"
        "IiwiYWxnb3JpdGhtIjoic2hhMjU2In0seyJuYW1lIjoiZGIvdWFtMi9wb2xpY3kvb3BhLXBvbGljeS5yZWdvIiwiaGFzaCI6IjQyY2ZlNjc2"
        "OGI1N2JiNWY3NTAzYzE2NWMyOGRkMDdhYzViODEzNTU0ZWJjODUwZjJjYzM1ODQzZTcxMzdiMWQifV0sImlhdCI6MTU5MjI0ODAyNywiaXNz"
        "IjoiSldUU2VydmljZSIsInNjb3BlIjoid3JpdGUifQ.u7b_h88osJpU6VQLhIUmZjblsPNCO_kTqsVtpEAHavs";
    static const char *rs256 =
        "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyJ9.eyJmaWxlcyI6W3sibmFtZSI6ImRiL3VhbTIvZW50aXRsZW1lbnRzL2"
        "RhdGEuanNvbiIsImhhc2giOiJjMjEzMTU0NGM3MTZhMjVhNWUzMWY1MDQzMDBmNTI0MGU4MjM1Y2FkYjlhNTdmMGJkMWI2ZjRiZDc0YjI2NjEy"
        "IiwiYWxnb3JpdGhtIjoic2hhMjU2In0seyJuYW1lIjoiZGIvdWFtMi9wb2xpY3kvb3BhLXBvbGljeS5yZWdvIiwiaGFzaCI6IjQyY2ZlNjc2"
        "OGI1N2JiNWY3NTAzYzE2NWMyOGRkMDdhYzViODEzNTU0ZWJjODUwZjJjYzM1ODQzZTcxMzdiMWQifV0sImlhdCI6MTU5MjI1MTQwNiwiaXNz"
        "IjoiSldUU2VydmljZSIsInNjb3BlIjoid3JpdGUifQ.UZcX_Qj29o213nwZ5mysiyNcgAp1AOqCkDLkj1KGZ7Cw3l17TbkF8t3FJd654sf762N"
        "GcABA0WQ2zxq-labXl_d5TKQmq23lurO3qLHI1cKQPyoxPbddGo78sJpMwWsiMyEYcyyKC9FpNUpa8cT81GPo4q9Zui8TAD0wtHh2YxBL7E8QY"
        "LJxcLMJTJxVBgrQGLXFT7vYRc6hJz9Vu-i0SWuLBGxOCmYoHr4DWFfy0IhAbhiUFyLRpukfBPjCJNYY5LgaZdN6LaYivtIEUms5jUuXubBimLJ"
        "m7KOT5-bgJMXTcUsbrbl2Ma7PwG5IOKjjgyEvH8KVfGFZSzNrpuxKmA";
    static const char *rs256_pub = "-----BEGIN PUBLIC KEY-----\n"
                                   "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA9KaakMv1XKKDaSch3PFR\n"
                                   "3a27oaHp1GNTTNqvb1ZaHZXp+wuhYDwc/MTE67x9GCifvQBWzEGorgTq7aisiOyl\n"
                                   "vKifwz6/wQ+62WHKG/sqKn2Xikp3P63aBIPlZcHbkyyRmL62yeyuzYoGvLEYel+m\n"
                                   "z5SiKGBwviSY0Th2L4e5sGJuk2HOut6emxDi+E2Fuuj5zokFJvIT6Urlq8f3h6+l\n"
                                   "GeR6HUOXqoYVf7ff126GP7dticTVBgibxkkuJFmpvQSW6xmxruT4k6iwjzbZHY7P\n"
                                   "ypZ/TdlnuGC1cOpAVyU7k32IJ9CRbt3nwEf5U54LRXLLQjFixWZHwKdDiMTF4ws0\n"
                                   "+wIDAQAB\n"
                                   "-----END PUBLIC KEY-----\n";
    const char *expected = "file(s) [db/uam2/entitlements/data.json db/uam2/policy/opa-policy.rego] specified in "
                           "bundle signatures but not found in the target bundle";
    const char *out = tmp("opa-token.tar.gz");
    char sigs[2048];
    snprintf(sigs, sizeof sigs, "{\"signatures\": [\"%s\"]}", hs256);
    tentry es[] = {{"/.signatures.json", 'f', sigs}};
    write_tgz(out, es, 1);
    bundle_verify v = {.key = "secret", .scope = "write"};
    read_fails(out, NULL, &v, expected);     /* the signature verified; the files are missing */
    v.key = "bad_secret";
    read_fails(out, NULL, &v, "could not verify message using any of the signatures or keys");

    snprintf(sigs, sizeof sigs, "{\"signatures\": [\"%s\"]}", rs256);
    write_tgz(out, es, 1);
    v.key = rs256_pub;
    read_fails(out, NULL, &v, expected);
    v.scope = NULL;
    read_fails(out, NULL, &v, "scope mismatch");

    /* OPA's own messages for malformed signature files */
    tentry none[] = {{"/.signatures.json", 'f', "{\"signatures\": []}"}};
    write_tgz(out, none, 1);
    read_fails(out, NULL, &v, ".signatures.json: missing JWT (expected exactly one)");
    snprintf(sigs, sizeof sigs, "{\"signatures\": [\"%s\", \"%s\"]}", hs256, hs256);
    write_tgz(out, es, 1);
    read_fails(out, NULL, &v, ".signatures.json: multiple JWTs not supported (expected exactly one)");
}
END_TEST

START_TEST(signature_verification_modes)
{
    const char *out = tmp("modes.tar.gz");
    char *pem = key("rsa.pem");
    build_signed(out, NULL, pem);
    free(pem);
    /* no key: a signed bundle is read without verification */
    bundle *b = read_ok(out, NULL, NULL);
    ck_assert(!b->signed_);
    ck_assert(has_file(b, "/.signatures.json"));
    bundle_free(b);
    /* skip: likewise, even with a key */
    bundle_verify v = {.key = "irrelevant", .skip = true};
    b = read_ok(out, NULL, &v);
    ck_assert(!b->signed_);
    bundle_free(b);
    /* a key for an unsigned bundle: fine, unless a key id is required */
    v = (bundle_verify){.key = "secret"};
    b = read_ok(FIXTURES "/basic", NULL, &v);
    ck_assert(!b->signed_);
    bundle_free(b);
    v.key_id = "default";
    read_fails(FIXTURES "/basic", NULL, &v, "bundle missing .signatures.json file");
}
END_TEST

START_TEST(canonical_digests)
{
    /* OPA's test vector: the MD5 of {"revision": "quickbrownfaux"} hashed canonically */
    bsig_files fs = {0};
    fs.v = calloc(1, sizeof *fs.v);
    fs.v[0] = (bsig_file){strdup(".manifest"), strdup("874984d68515ba2439c04dddf5b21574"), strdup("MD5"), false};
    fs.n = 1;
    bundle_error err = {{0}};
    const char *m = "{\"revision\": \"quickbrownfaux\"}";
    ck_assert_int_eq(bsig_verify_file(&fs, "/.manifest", m, strlen(m), &err), -1);
    ck_assert_str_eq(err.message,
                     ".manifest: digest mismatch (want: 874984d68515ba2439c04dddf5b21574, got: a005c38a509dc2d5a7407b9494efb2ad)");
    free(fs.v[0].hash);
    fs.v[0].hash = strdup("a005c38a509dc2d5a7407b9494efb2ad");
    ck_assert_int_eq(bsig_verify_file(&fs, "/.manifest", m, strlen(m), &err), 0);
    free(fs.v[0].algorithm);
    fs.v[0].algorithm = strdup("MD6");
    ck_assert_int_eq(bsig_verify_file(&fs, "/.manifest", m, strlen(m), &err), -1);
    ck_assert_str_eq(err.message, "unsupported hashing algorithm: MD6");
    bsig_files_free(&fs);

    /* canonical = compact, keys sorted, no HTML escaping, numbers verbatim */
    const char *doc = "{\"z\": [1.0, \"<&>\", null, true], \"a\": {\"\\u00e9\": 1e3, \"b\": \"\\u2028\"}}";
    const char *canon = "{\"a\":{\"b\":\"\\u2028\",\"\xc3\xa9\":1e3},\"z\":[1.0,\"<&>\",null,true]}";
    arena a;
    arena_init(&a, 4096);
    json_error je;
    val *v = json_parse(&a, doc, strlen(doc), 0, &je);
    ck_assert_ptr_nonnull(v);
    char h1[65], h2[65];
    bsig_hex_digest_value(v, h1);
    bsig_hex_digest_bytes(canon, strlen(canon), h2);
    ck_assert_str_eq(h1, h2);
    arena_release(&a);
}
END_TEST

/* ---- building ---- */

START_TEST(build_merges_inputs)
{
    const char *d1 = tmp("in1"), *d2 = tmp("in2");
    run("rm -rf '%s' '%s'", d1, d2);
    char p[700];
    snprintf(p, sizeof p, "%s/.manifest", d1);
    write_file(p, "{\"roots\": [\"a\"], \"metadata\": {\"x\": 1}}");
    snprintf(p, sizeof p, "%s/a/data.json", d1);
    write_file(p, "{\"k\": 1}");
    snprintf(p, sizeof p, "%s/a/p.rego", d1);
    write_file(p, "package a\n");
    snprintf(p, sizeof p, "%s/.manifest", d2);
    write_file(p, "{\"roots\": [\"b\"], \"rego_version\": 0}");
    snprintf(p, sizeof p, "%s/b/q.rego", d2);
    write_file(p, "package b\n\nq { true }\n");
    const char *out = tmp("merged.tar.gz");
    char *in[] = {(char *)d1, (char *)d2};
    bundle_build_opts o = {.revision = "m1"};
    bundle_error err = {{0}};
    ck_assert_msg(bundle_build(in, 2, out, &o, &err) == 0, "%s", err.message);
    bundle *b = read_ok(out, NULL, NULL);
    ck_assert_str_eq(b->manifest_json, "{\"revision\":\"m1\",\"roots\":[\"a\",\"b\"],\"rego_version\":1,"
                                       "\"file_rego_versions\":{\"/b/q.rego\":0}}");
    ck_assert_int_eq(module_at(b, "/a/p.rego")->rego_v0, 0);
    ck_assert_int_eq(module_at(b, "/b/q.rego")->rego_v0, 1);
    ck_assert_str_eq(b->data[0].text, "{\"a\":{\"k\":1}}\n");
    bundle_free(b);

    /* roots that overlap */
    snprintf(p, sizeof p, "%s/.manifest", d2);
    write_file(p, "{\"roots\": [\"a/b\", \"b\"]}");
    ck_assert_int_eq(bundle_build(in, 2, out, &o, &err), -1);
    ck_assert_str_eq(err.message, "bundle merge failed: manifest has overlapped roots: 'a' and 'a/b'");

    /* inputs without roots merge side by side */
    snprintf(p, sizeof p, "%s/.manifest", d1);
    unlink(p);
    snprintf(p, sizeof p, "%s/.manifest", d2);
    unlink(p);
    ck_assert_msg(bundle_build(in, 2, out, &o, &err) == 0, "%s", err.message);
    b = read_ok(out, NULL, NULL);
    ck_assert_str_eq(b->manifest_json, "{\"revision\":\"m1\",\"roots\":[\"\"],\"rego_version\":1}");
    bundle_free(b);
    /* ... but their modules may not collide */
    snprintf(p, sizeof p, "%s/a/p.rego", d2);
    write_file(p, "package a\n");
    ck_assert_int_eq(bundle_build(in, 2, out, &o, &err), -1);
    ck_assert_str_eq(err.message, "bundle merge failed: module /a/p.rego is in more than one input");

    /* single files: a module and a data document */
    snprintf(p, sizeof p, "%s/extra.rego", tmp("files"));
    write_file(p, "package extra\n");
    char p2[700];
    snprintf(p2, sizeof p2, "%s/users.json", tmp("files"));
    write_file(p2, "{\"users\": [\"u1\"]}");
    char *files[] = {p, p2};
    ck_assert_msg(bundle_build(files, 2, out, NULL, &err) == 0, "%s", err.message);
    b = read_ok(out, NULL, NULL);
    ck_assert_ptr_nonnull(module_at(b, "/extra.rego"));
    ck_assert_str_eq(b->data[0].text, "{\"users\":[\"u1\"]}\n");
    ck_assert_str_eq(b->manifest_json, "{\"revision\":\"\",\"roots\":[\"\"],\"rego_version\":1}");
    bundle_free(b);

    write_file(p2, "{\"users\": [\"u1\"],}");
    char want[800];
    snprintf(want, sizeof want, "bundle load failed on %s:1:18: invalid character '}' looking for beginning of object key string",
             p2);
    ck_assert_int_eq(bundle_build(files, 2, out, NULL, &err), -1);
    ck_assert_str_eq(err.message, want);
}
END_TEST

START_TEST(glob_patterns)
{
    ck_assert_int_eq(bglob_match("/a/*.rego", "/a/b.rego"), 1);
    ck_assert_int_eq(bglob_match("/a/*.rego", "/a/b/c.rego"), 1);    /* no separators: '*' crosses '/' */
    ck_assert_int_eq(bglob_match("/a/?.rego", "/a/bc.rego"), 0);
    ck_assert_int_eq(bglob_match("/{x,y}/[a-c]*", "/y/cat"), 1);
    ck_assert_int_eq(bglob_match("/{x,y}/[!a-c]*", "/y/cat"), 0);
    ck_assert_int_eq(bglob_match("/exact.rego", "/exact.rego"), 1);
    ck_assert_int_eq(bglob_match("/[a", "/a"), -1);
}
END_TEST

START_TEST(package_scan)
{
    bstrs s = {0};
    const char *src = "# c\n\t\npackage a.b[\"c.d\"][`e`].f # x\n";
    ck_assert_int_eq(bpackage_scan(src, strlen(src), &s), 0);
    ck_assert_int_eq(s.n, 5);
    ck_assert_str_eq(s.v[2], "c.d");
    ck_assert_str_eq(s.v[3], "e");
    strbuf sb = STRBUF_INIT;
    bpackage_ptr(&sb, &s);
    ck_assert_str_eq(sb.data, "a/b/c.d/e/f");
    sb_reset(&sb);
    bpackage_format(&sb, &s);
    ck_assert_str_eq(sb.data, "package a.b[\"c.d\"].e.f");
    sb_free(&sb);
    bstrs_free(&s);
    src = "import future.keywords\npackage x\n";
    ck_assert_int_eq(bpackage_scan(src, strlen(src), &s), -1);
    bstrs_free(&s);
}
END_TEST

static void remove_tmp(void)
{
    if (tmp_root[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp_root);
        tmp_root[0] = 0;
        keys_made = false;
    }
}

Suite *suite_bundle(void)
{
    Suite *s = suite_create("bundle");
    TCase *tc = tcase_create("read");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, NULL, remove_tmp);
    tcase_add_test(tc, read_directory);
    tcase_add_test(tc, read_gnu_targz);
    tcase_add_test(tc, read_buffer);
    tcase_add_test(tc, read_bundle_made_by_build);
    tcase_add_test(tc, build_archive_layout);
    tcase_add_test(tc, data_placement_nested);
    tcase_add_test(tc, data_conflicts);
    tcase_add_test(tc, yaml_data);
    tcase_add_test(tc, rego_version_v0);
    tcase_add_test(tc, delta_bundle);
    tcase_add_test(tc, entry_path_traversal);
    tcase_add_test(tc, entry_absolute_path);
    tcase_add_test(tc, entry_links_and_devices);
    tcase_add_test(tc, data_outside_roots);
    tcase_add_test(tc, module_outside_roots);
    tcase_add_test(tc, roots_helpers_and_overlap);
    tcase_add_test(tc, truncated_archive);
    tcase_add_test(tc, gzip_bomb);
    tcase_add_test(tc, bomb_in_skipped_entry);
    tcase_add_test(tc, entry_count_limit);
    tcase_add_test(tc, malformed_manifest);
    tcase_add_test(tc, malformed_data_json);
    tcase_add_test(tc, signature_bad);
    tcase_add_test(tc, signature_missing_file);
    tcase_add_test(tc, signature_extra_file);
    tcase_add_test(tc, signature_altered_file);
    tcase_add_test(tc, signature_hmac);
    tcase_add_test(tc, signature_roundtrip_all_algorithms);
    tcase_add_test(tc, signature_made_with_openssl);
    tcase_add_test(tc, signature_tokens_from_opa);
    tcase_add_test(tc, signature_verification_modes);
    tcase_add_test(tc, canonical_digests);
    tcase_add_test(tc, build_merges_inputs);
    tcase_add_test(tc, glob_patterns);
    tcase_add_test(tc, package_scan);
    suite_add_tcase(s, tc);
    return s;
}
