/* present.h — printing a query's result in the output formats of
 * `opa eval --format ...` (OPA's internal/presentation), using only the
 * public result accessors. */
#ifndef VERDICT_CLI_PRESENT_H
#define VERDICT_CLI_PRESENT_H

#include <stdio.h>

#include <verdict.h>

#include "errlist.h"

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

/* Print r (NULL means undefined) to out.  pretty_limit > 0 truncates table
 * cells to that many bytes followed by "...". */
void present_result(const verdict_result *r, present_format f, int pretty_limit, FILE *out);

/* Errors go to stdout as {"errors": [...]} in the JSON formats, otherwise
 * as text to stderr, where OPA prints them. */
void present_errors(const errlist *errs, present_format f, FILE *out, FILE *err);
/* Errors together with the solutions an evaluation returned with them. */
void present_errors_and_result(const errlist *errs, const verdict_result *r, present_format f, FILE *out,
                               FILE *err);

#endif
