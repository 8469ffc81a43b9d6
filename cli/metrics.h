/* metrics.h — the timers `verdict eval --metrics` reports, under the names
 * `opa eval --metrics` gives them (timer_rego_load_files_ns,
 * timer_rego_query_eval_ns, ...), and their forms in the output: a JSON
 * object with sorted keys, OPA's "Metric | Value" table, and for --count
 * the statistics OPA aggregates over the runs (its metrics.Statistics:
 * count, min, max, mean, stddev, median and percentiles). */
#ifndef VERDICT_CLI_METRICS_H
#define VERDICT_CLI_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define METRICS_MAX 16

typedef struct eval_metrics {
    struct {
        const char *name;   /* full key, e.g. "timer_rego_query_eval_ns" (static) */
        uint64_t ns;
    } timer[METRICS_MAX];
    size_t n;
} eval_metrics;

/* A monotonic clock in nanoseconds. */
uint64_t metrics_clock(void);
/* Add ns to the timer `name` (static string), which then counts as started
 * (OPA reports a timer once it was started, whatever its value). */
void metrics_add(eval_metrics *m, const char *name, uint64_t ns);

/* {"name": ns, ...} in key order, nested `level` levels deep in a document
 * indented by two spaces (its lines after the first are indented). */
void metrics_write_json(FILE *out, const eval_metrics *m, int level);
/* The "Metric | Value" table (nothing when there are no timers). */
void metrics_print_table(FILE *out, const eval_metrics *m, int pretty_limit);

/* For runs[0..n): NULL, or the name of a timer of runs[0] that a later run
 * lacks (OPA fails with "missing timer for <name>"). */
const char *metrics_missing(const eval_metrics *runs, size_t n);
/* {"timer_...": {"75%": ..., "count": ..., ...}, ...} over runs[0..n). */
void metrics_write_aggregated_json(FILE *out, const eval_metrics *runs, size_t n, int level);
/* The "Metric | Min | Max | Mean | 90% | 99%" table. */
void metrics_print_aggregated_table(FILE *out, const eval_metrics *runs, size_t n,
                                    int pretty_limit);

#endif
