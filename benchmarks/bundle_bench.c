/* bundle_bench.c — bundles of the large-data scenario (50,000 users):
 *   load        activating the full bundle (.tar.gz: read, parse, compile, swap)
 *   delta       activating a one-operation delta bundle on top of it
 * Medians of repeated runs.  usage: bundle_bench [../shared/bench/large-data] */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "include/verdict.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    b[*n] = 0;
    fclose(f);
    return b;
}

/* A .tar.gz in memory with the given files. */
static void *tgz(const char *const *names, const char *const *contents, const size_t *lens, int n, size_t *out_len)
{
    size_t cap = 64 << 20;
    char *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, out_len);
    for (int i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)lens[i]);
        archive_write_header(a, e);
        archive_write_data(a, contents[i], lens[i]);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/bench/large-data";
    char path[2048];
    size_t plen, dlen;
    snprintf(path, sizeof path, "%s/policy.rego", dir);
    char *policy = slurp(path, &plen);
    snprintf(path, sizeof path, "%s/data.json", dir);
    char *data = slurp(path, &dlen);
    if (!policy || !data) {
        fprintf(stderr, "cannot read %s\n", dir);
        return 1;
    }
    const char *manifest = "{\"revision\": \"base\", \"roots\": [\"people\", \"users\"]}";
    const char *names[] = {"/.manifest", "/people/policy.rego", "/data.json"};
    const char *contents[] = {manifest, policy, data};
    size_t lens[] = {strlen(manifest), plen, dlen};
    size_t blen;
    void *full = tgz(names, contents, lens, 3, &blen);

    double load[7];
    verdict_engine *e = NULL;
    for (int r = 0; r < 7; r++) {
        verdict_free(e);
        e = verdict_new(NULL);
        double t0 = now_s();
        verdict_errors *errs = NULL;
        if (verdict_load_bundle_buffer(e, "people", full, blen, NULL, &errs) != VERDICT_OK) {
            char *s = verdict_error_string(errs, 0);
            fprintf(stderr, "load failed: %s\n", s);
            return 1;
        }
        load[r] = (now_s() - t0) * 1e3;
    }
    qsort(load, 7, sizeof *load, cmp);

    double delta[21];
    const char *in = "{\"dept\":\"dept-99\",\"user_id\":\"u31415\"}";
    for (int r = 0; r < 21; r++) {
        char patch[256], man[128];
        snprintf(patch, sizeof patch,
                 "{\"data\": [{\"op\": \"upsert\", \"path\": \"/users/u31415/dept\", \"value\": \"dept-%02d\"}]}", 90 + r % 10);
        snprintf(man, sizeof man, "{\"revision\": \"d%d\", \"roots\": [\"people\", \"users\"]}", r);
        const char *dn[] = {"/.manifest", "/patch.json"};
        const char *dc[] = {man, patch};
        size_t dl[] = {strlen(man), strlen(patch)};
        size_t len;
        void *d = tgz(dn, dc, dl, 2, &len);
        double t0 = now_s();
        if (verdict_load_bundle_buffer(e, "people", d, len, NULL, NULL) != VERDICT_OK) {
            fprintf(stderr, "delta failed\n");
            return 1;
        }
        delta[r] = (now_s() - t0) * 1e3;
        free(d);
        int want = 90 + r % 10 == 99;
        if (verdict_allow(e, "people/same_dept", in, strlen(in)) != want) {
            fprintf(stderr, "wrong answer after delta %d\n", r);
            return 1;
        }
    }
    qsort(delta, 21, sizeof *delta, cmp);
    printf("large-data bundle (%.1f MB .tar.gz): load + activate %.1f ms (median of 7)\n", (double)blen / 1e6, load[3]);
    printf("one-operation delta bundle:                 %.3f ms (median of 21)\n", delta[10]);
    verdict_free(e);
    free(full);
    free(policy);
    free(data);
    return 0;
}
