/* present.h — printing a query's result in the output formats of
 * `opa eval --format ...` (OPA's internal/presentation), using only the
 * public result accessors. */
#ifndef VERDICT_CLI_PRESENT_H
#define VERDICT_CLI_PRESENT_H

#include <stdio.h>

#include <verdict.h>

#include "errlist.h"
#include "metrics.h"

typedef enum present_format {
    FORMAT_JSON,      /* the result set as JSON (default) */
    FORMAT_VALUES,    /* per result: JSON array of expression values */
    FORMAT_BINDINGS,  /* per result: JSON object of bindings */
    FORMAT_PRETTY,    /* single value as JSON, else a table; "undefined" */
    FORMAT_RAW,       /* expression values, strings unquoted, one result a line */
    FORMAT_DISCARD,   /* {"result": "discarded"} */
} present_format;

/* 0 and *f set when name is a known format. */
int present_parse_format(const char *name, present_format *f);

/* What one `verdict eval` run reports, as OPA's presentation.Output holds
 * it: errors, the result set, and metrics. */
typedef struct present_output {
    const errlist *errs;            /* NULL or empty: none */
    const verdict_result *result;   /* NULL or no rows: undefined (or failed) */
    const eval_metrics *metrics;    /* --metrics of a single run, or NULL */
    const eval_metrics *runs;       /* --metrics with --count: every run's timers... */
    size_t nruns;                   /* ...aggregated when there are more than one */
    int pretty_limit;               /* > 0: table cells cut after that many bytes, then "..." */
} present_output;

/* Print o in format f as `opa eval` does: the JSON formats write one
 * document to out (errors included); pretty writes errors (as text, to
 * err) or the result, then the metrics tables; values, bindings and raw
 * write errors to err, or else the result to out. */
void present(const present_output *o, present_format f, FILE *out, FILE *err);

#endif
