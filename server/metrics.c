/* metrics.c — GET /metrics in Prometheus' text format.
 *
 * Request latency is OPA's http_request_duration_seconds histogram by
 * code, handler and method, with OPA's default buckets.  Each series is a
 * slot in a fixed open-addressed table claimed with one compare-and-swap,
 * so recording a request is a few relaxed atomic adds and no lock.  The
 * engine's counters (evaluations, decision cache) and the bundle plugin's
 * (loads, failures) are read when the page is built. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBUCKETS 10
#define NSLOTS 512

static const uint64_t bucket_ns[NBUCKETS] = {
    1000, 5000, 10000, 50000, 100000, 500000, 1000000, 10000000, 100000000, 1000000000,
};
static const char *bucket_le[NBUCKETS] = {
    "1e-06", "5e-06", "1e-05", "5e-05", "0.0001", "0.0005", "0.001", "0.01", "0.1", "1",
};

typedef struct series {
    atomic_uint key;            /* 0: free; else 1 + label, method, status packed */
    atomic_ullong count;
    atomic_ullong sum_ns;
    atomic_ullong buckets[NBUCKETS];   /* not cumulative; summed when printed */
} series;

struct metrics {
    series slots[NSLOTS];
    atomic_ullong dropped;      /* series that found no free slot */
};

static const char *label_names[H_COUNT] = {
    "v0/data", "v1/data", "v1/query", "v1/policies", "v1/config", "v1/status",
    "index", "catchall", "health", "metrics",
};
static const char *method_names[M_COUNT] = {"get", "post", "put", "patch", "delete", "head", "options", "other"};

const char *route_label_name(route_label l)
{
    return l < H_COUNT ? label_names[l] : "catchall";
}

metrics *metrics_new(void)
{
    metrics *m = calloc(1, sizeof *m);
    return m;
}

void metrics_free(metrics *m)
{
    free(m);
}

static unsigned pack(route_label l, http_method meth, int status)
{
    return 1u + ((unsigned)l << 20 | (unsigned)meth << 12 | (unsigned)(status & 0xFFF));
}

void metrics_observe(metrics *m, route_label l, http_method meth, int status, uint64_t ns)
{
    if (!m)
        return;
    unsigned key = pack(l, meth, status);
    unsigned h = (key * 2654435761u) % NSLOTS;
    for (int probe = 0; probe < NSLOTS; probe++) {
        series *sr = &m->slots[(h + (unsigned)probe) % NSLOTS];
        unsigned cur = atomic_load_explicit(&sr->key, memory_order_acquire);
        if (cur == 0) {
            unsigned zero = 0;
            if (!atomic_compare_exchange_strong(&sr->key, &zero, key) && zero != key)
                continue;
            cur = key;
        }
        if (cur != key)
            continue;
        atomic_fetch_add_explicit(&sr->count, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&sr->sum_ns, ns, memory_order_relaxed);
        for (int b = 0; b < NBUCKETS; b++)
            if (ns <= bucket_ns[b]) {
                atomic_fetch_add_explicit(&sr->buckets[b], 1, memory_order_relaxed);
                break;
            }
        return;
    }
    atomic_fetch_add_explicit(&m->dropped, 1, memory_order_relaxed);
}

static int by_key(const void *a, const void *b)
{
    unsigned x = atomic_load(&(*(series *const *)a)->key), y = atomic_load(&(*(series *const *)b)->key);
    return x < y ? -1 : x > y;
}

static void series_labels(buf *out, unsigned key)
{
    key -= 1;
    unsigned l = key >> 20, meth = (key >> 12) & 0xFF, status = key & 0xFFF;
    buf_printf(out, "code=\"%u\",handler=\"%s\",method=\"%s\"", status,
               l < H_COUNT ? label_names[l] : "catchall", meth < M_COUNT ? method_names[meth] : "other");
}

static size_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, rss = 0;
    if (fscanf(f, "%lu %lu", &size, &rss) != 2)
        rss = 0;
    fclose(f);
    return (size_t)rss * (size_t)sysconf(_SC_PAGESIZE);
}

void metrics_write(server *s, buf *out)
{
    metrics *m = s->metrics;
    series *live[NSLOTS];
    int n = 0;
    for (int i = 0; i < NSLOTS; i++)
        if (atomic_load(&m->slots[i].key) != 0)
            live[n++] = &m->slots[i];
    qsort(live, (size_t)n, sizeof live[0], by_key);

    buf_puts(out, "# HELP http_request_duration_seconds A histogram of duration for requests.\n"
                  "# TYPE http_request_duration_seconds histogram\n");
    for (int i = 0; i < n; i++) {
        series *sr = live[i];
        unsigned key = atomic_load(&sr->key);
        unsigned long long cum = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            cum += atomic_load_explicit(&sr->buckets[b], memory_order_relaxed);
            buf_puts(out, "http_request_duration_seconds_bucket{");
            series_labels(out, key);
            buf_printf(out, ",le=\"%s\"} %llu\n", bucket_le[b], cum);
        }
        unsigned long long count = atomic_load_explicit(&sr->count, memory_order_relaxed);
        buf_puts(out, "http_request_duration_seconds_bucket{");
        series_labels(out, key);
        buf_printf(out, ",le=\"+Inf\"} %llu\n", count);
        buf_puts(out, "http_request_duration_seconds_sum{");
        series_labels(out, key);
        buf_printf(out, "} %.9f\n", atomic_load_explicit(&sr->sum_ns, memory_order_relaxed) / 1e9);
        buf_puts(out, "http_request_duration_seconds_count{");
        series_labels(out, key);
        buf_printf(out, "} %llu\n", count);
    }
    buf_puts(out, "# HELP http_requests_total Requests answered, by code, handler and method.\n"
                  "# TYPE http_requests_total counter\n");
    for (int i = 0; i < n; i++) {
        buf_puts(out, "http_requests_total{");
        series_labels(out, atomic_load(&live[i]->key));
        buf_printf(out, "} %llu\n", (unsigned long long)atomic_load_explicit(&live[i]->count, memory_order_relaxed));
    }

    verdict_metrics em;
    verdict_get_metrics(s->eng, &em);
    buf_printf(out,
               "# HELP verdict_evaluations_total Decisions evaluated (decision cache misses included).\n"
               "# TYPE verdict_evaluations_total counter\n"
               "verdict_evaluations_total %llu\n"
               "# HELP verdict_evaluation_seconds_total Time spent evaluating decisions.\n"
               "# TYPE verdict_evaluation_seconds_total counter\n"
               "verdict_evaluation_seconds_total %.9f\n"
               "# HELP verdict_decision_cache_hits_total Decisions answered from the decision cache.\n"
               "# TYPE verdict_decision_cache_hits_total counter\n"
               "verdict_decision_cache_hits_total %llu\n"
               "# HELP verdict_decision_cache_misses_total Decisions not found in the decision cache.\n"
               "# TYPE verdict_decision_cache_misses_total counter\n"
               "verdict_decision_cache_misses_total %llu\n"
               "# HELP verdict_decision_cache_bytes Bytes held by the decision cache.\n"
               "# TYPE verdict_decision_cache_bytes gauge\n"
               "verdict_decision_cache_bytes %zu\n",
               (unsigned long long)em.evaluations, em.eval_ns / 1e9, (unsigned long long)em.cache_hits,
               (unsigned long long)em.cache_misses, em.cache_bytes);
    if (s->bundles)
        bundle_plugin_metrics(s->bundles, out);
    buf_printf(out,
               "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
               "# TYPE process_resident_memory_bytes gauge\n"
               "process_resident_memory_bytes %zu\n"
               "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
               "# TYPE process_start_time_seconds gauge\n"
               "process_start_time_seconds %.3f\n",
               resident_bytes(), s->started_ns / 1e9);
}

void route_metrics(server *s, const http_request *req, http_response *res)
{
    (void)req;
    res->status = 200;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    buf_reset(&res->body);
    metrics_write(s, &res->body);
}
