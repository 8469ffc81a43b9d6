/* test_report.h — `verdict test` output, as OPA's tester reporters and its
 * cover package print it: the pretty report (per-test lines for failures,
 * or every test with -v, print() output, the PASS/FAIL/SKIPPED/ERROR
 * summary), the JSON report (OPA's Result objects), benchmark lines (Go's
 * testing.BenchmarkResult format), and the coverage report. */
#ifndef VERDICT_CLI_TEST_REPORT_H
#define VERDICT_CLI_TEST_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "test.h"

typedef struct report_opts {
    int verbose;
    int bench;      /* passing tests print benchmark figures */
    int benchmem;   /* ... with B/op and allocs/op */
    int gobench;    /* ... named as Go benchmarks (BenchmarkDataPkgTestX) */
} report_opts;

/* OPA's PrettyReporter. */
void report_pretty(FILE *out, const test_result *rs, size_t n, const report_opts *o);
/* OPA's JSONReporter: an indented JSON array of results. */
void report_json(FILE *out, const test_result *rs, size_t n);

/* A coverage report read from verdict_coverage_json(), normalised as OPA's
 * cover.Report computes it (covered rows merged into ranges, a row that is
 * covered anywhere is not "not covered"). */
typedef struct cov_file {
    char *name;
    int *covered, ncovered;          /* sorted, unique rows */
    int *not_covered, nnot_covered;  /* sorted, unique, none of them covered */
} cov_file;

typedef struct cov_report {
    cov_file *files;
    size_t nfiles;
    int covered_lines, not_covered_lines;
    double coverage;
} cov_report;

/* Parse the engine's report.  `modules` (may be NULL) are the files OPA
 * would list even when nothing in them was probed; with `covered_only`
 * (bundle mode, where OPA has no module list) not-covered rows are dropped,
 * as OPA's report then only knows what was hit. */
int cov_parse(const char *json, char *const *modules, size_t nmodules, int covered_only, cov_report *r);
void cov_free(cov_report *r);
/* The report as OPA's JSONCoverageReporter encodes it. */
void cov_print_json(FILE *out, const cov_report *r);
/* cover.CoverageThresholdError's text (with the lines not covered when
 * verbose), without a final newline; malloc'd. */
char *cov_threshold_message(const cov_report *r, double threshold, int verbose);

/* Go's time.Duration.String() ("1.417µs", "2.5ms", "1m3s"). */
void go_duration(uint64_t ns, char *buf, size_t size);
/* A float64 as Go's encoding/json writes it (shortest text that reads back). */
void go_float(double x, char *buf, size_t size);

#endif
