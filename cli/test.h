/* test.h — `verdict test [PATH...]`, OPA's `opa test`: discover the test
 * rules of the policies loaded, evaluate each, report as OPA reports, and
 * optionally measure coverage or benchmark the tests. */
#ifndef VERDICT_CLI_TEST_H
#define VERDICT_CLI_TEST_H

#include <stdint.h>
#include <stdio.h>

/* argv[0] is "test".  Returns the process exit status as `opa test` sets
 * it: 0 when every test passed, 2 when one failed, errored or was skipped
 * (or coverage is below --threshold), 1 for usage, load and compile errors. */
int cli_test(int argc, char **argv);
void cli_test_usage(FILE *out);

/* ---- what the runner hands the reporters (test_report.h) ---- */

/* One test rule.  `package` and `name` are printed as OPA prints a ref
 * ("data.pkg", "a.b.test_x"); `query` evaluates the test. */
typedef struct test_case {
    char *package;
    char *name;
    char *query;
    char *file;
    int row, col;
    int skip;            /* todo_test_ */
    int partial_object;  /* test_x[case] if ...: one sub-result per case */
} test_case;

/* The outcome of one partial-object test case (nested for test_x[a][b]). */
typedef struct sub_result {
    char *name;
    int fail;
    struct sub_result *children;
    size_t nchildren;
} sub_result;

typedef struct test_result {
    const test_case *tc;
    int fail;
    int skip;
    char *error;        /* OPA's error text ("file:row: code: message"), NULL if none */
    char *error_json;   /* the error as OPA's JSON reporter writes it */
    uint64_t duration_ns;
    char *output;       /* print() output, NULL if none */
    sub_result *subs;   /* partial-object tests */
    size_t nsubs;
    /* --bench */
    int benchmarked;
    long bench_n;
    uint64_t bench_t_ns;     /* total time of the N runs */
    uint64_t bench_eval_ns;  /* of which evaluating */
    uint64_t bench_bytes;    /* bytes allocated by the N runs */
} test_result;

/* 1 when the test passed (not failed, skipped or errored). */
int test_result_pass(const test_result *r);

#endif
