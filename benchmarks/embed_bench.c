/* embed_bench.c — the embedded library as a gateway uses it: verdict_allow
 * on the rbac scenario through the public API only.
 *   uncached   decision cache off: parse the JSON input and evaluate
 *   cached     the same request again: answered by the decision cache
 *   value      uncached, the input built once as a value (verdict_allow_value)
 *   threads    uncached and cached decisions on 1 and 2 threads: throughput scaling
 * Medians of repeated runs.  usage: embed_bench [../shared/bench/rbac] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "include/verdict.h"

static char *slurp(const char *dir, const char *name, size_t *n)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
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

static verdict_engine *load(const char *dir, int cache)
{
    verdict_options o;
    memset(&o, 0, sizeof o);
    o.cache_disabled = !cache;
    verdict_engine *e = verdict_new(&o);
    size_t n;
    char *pol = slurp(dir, "policy.rego", &n);
    if (!pol || verdict_add_module(e, "policy.rego", pol, n, NULL) != VERDICT_OK)
        return NULL;
    free(pol);
    char *data = slurp(dir, "data.json", &n);
    if (!data || verdict_add_data_json(e, "", data, n, "data.json", NULL) != VERDICT_OK)
        return NULL;
    free(data);
    return verdict_commit(e, NULL) == VERDICT_OK ? e : NULL;
}

typedef struct job {
    verdict_engine *e;
    const char *input;
    size_t len;
    const verdict_value *value;     /* when set: verdict_allow_value */
    long iters;
    int ok;
} job;

static const verdict_value *input_value; /* the input as a value, for the "value" runs */

static void *worker(void *p)
{
    job *j = p;
    int ok = 1;
    if (j->value)
        for (long i = 0; i < j->iters; i++)
            ok &= verdict_allow_value(j->e, "rbac/allow", j->value);
    else
        for (long i = 0; i < j->iters; i++)
            ok &= verdict_allow(j->e, "rbac/allow", j->input, j->len);
    j->ok = ok;
    return NULL;
}

/* ns per decision with `threads` threads each doing iters decisions. */
static double run(verdict_engine *e, const char *input, size_t len, long iters, int threads)
{
    pthread_t th[8];
    job jobs[8];
    double t0 = now_s();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job){e, input, len, input ? NULL : input_value, iters, 0};
        pthread_create(&th[t], NULL, worker, &jobs[t]);
    }
    for (int t = 0; t < threads; t++)
        pthread_join(th[t], NULL);
    double dt = now_s() - t0;
    for (int t = 0; t < threads; t++)
        if (!jobs[t].ok) {
            fprintf(stderr, "wrong decision\n");
            exit(1);
        }
    return dt * 1e9 / (double)(iters * threads);
}

static double median_of(verdict_engine *e, const char *input, size_t len, long iters, int threads, int runs)
{
    double v[16];
    for (int r = 0; r < runs; r++)
        v[r] = run(e, input, len, iters, threads);
    qsort(v, (size_t)runs, sizeof *v, cmp);
    return v[runs / 2];
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/bench/rbac";
    size_t len;
    char *input = slurp(dir, "input.json", &len);
    verdict_engine *uncached = load(dir, 0), *cached = load(dir, 1);
    if (!input || !uncached || !cached) {
        fprintf(stderr, "cannot load %s\n", dir);
        return 1;
    }
    verdict_doc *doc = verdict_doc_new();
    input_value = verdict_parse_json(doc, input, len, NULL);
    if (!input_value) {
        fprintf(stderr, "cannot read the input\n");
        return 1;
    }
    int runs = 7;
    double u = median_of(uncached, input, len, 200000, 1, runs);
    double uv = median_of(uncached, NULL, 0, 200000, 1, runs);
    double c = median_of(cached, input, len, 2000000, 1, runs);
    double u2 = median_of(uncached, input, len, 200000, 2, runs);
    double c2 = median_of(cached, input, len, 2000000, 2, runs);
    printf("rbac verdict_allow, uncached (parse input + evaluate): %8.1f ns/decision\n", u);
    printf("rbac verdict_allow_value, uncached (input a value):    %8.1f ns/decision\n", uv);
    printf("rbac verdict_allow, cached:                            %8.1f ns/decision\n", c);
    printf("rbac verdict_allow, uncached on 2 threads:             %8.1f ns/decision (%.2fx the throughput of 1)\n", u2,
           u / u2);
    printf("rbac verdict_allow, cached on 2 threads:               %8.1f ns/decision (%.2fx the throughput of 1)\n", c2,
           c / c2);
    verdict_metrics m;
    verdict_get_metrics(cached, &m);
    printf("cache: %llu hits, %llu misses, %zu bytes\n", (unsigned long long)m.cache_hits,
           (unsigned long long)m.cache_misses, m.cache_bytes);
    verdict_free(uncached);
    verdict_free(cached);
    verdict_doc_free(doc);
    free(input);
    return 0;
}
