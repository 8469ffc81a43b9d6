/* errlist.h — the errors one `verdict eval` run reports, gathered from
 * several places (each file loaded, the commit, the query) plus messages the
 * CLI makes itself (a missing file), printed together as OPA prints them:
 * {"errors": [...]} for JSON output, "N error(s) occurred: ..." otherwise. */
#ifndef VERDICT_CLI_ERRLIST_H
#define VERDICT_CLI_ERRLIST_H

#include <stdio.h>

#include <verdict.h>

typedef struct errlist_entry {
    verdict_errors *errs;  /* engine errors (owned), or NULL for... */
    char *message;         /* ...a message made by the CLI (owned) */
} errlist_entry;

typedef struct errlist {
    errlist_entry *items;
    size_t n, cap;
} errlist;

void errlist_init(errlist *l);
void errlist_free(errlist *l);
/* Take ownership of errs (ignored when NULL or empty). */
void errlist_add_engine(errlist *l, verdict_errors *errs);
void errlist_addf(errlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Number of individual errors. */
size_t errlist_count(const errlist *l);

/* {"errors": [...]} with two-space indentation and a final newline, as
 * `opa eval --format json` prints it. */
void errlist_print_json(const errlist *l, FILE *out);
/* "1 error occurred: file:row: code: message" or "N errors occurred:\n..."
 * followed by a newline, as OPA prints errors in its other formats. */
void errlist_print_text(const errlist *l, FILE *out);
/* The same with words after "occurred": OPA's loader says " during loading". */
void errlist_print_text_as(const errlist *l, FILE *out, const char *when);

#endif
