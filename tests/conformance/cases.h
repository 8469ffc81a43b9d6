/* cases.h — OPA's YAML test cases (v1/test/cases/cases.go), read with the
 * engine's own YAML reader so values mean what OPA's loader makes of them. */
#ifndef VERDICT_CONF_CASES_H
#define VERDICT_CONF_CASES_H

#include <stddef.h>

#include "engine/arena.h"
#include "engine/value.h"

typedef struct conf_case {
    char *id;                    /* "<v1|v0>/<folder>/<file>#<index>" */
    const char *file;            /* path of the YAML file */
    const char *folder;          /* topic folder, e.g. "aggregates" */
    int v0;                      /* evaluate with Rego v0 compatibility */
    const char *note;
    const char *query;
    const char **modules;
    size_t nmodules;
    const val *data;             /* NULL when absent */
    const val *input;            /* NULL when absent or null */
    const char *input_term;      /* Rego term text, or NULL */
    const val *want_result;      /* array of binding objects, or NULL */
    const char *want_error_code; /* or NULL */
    const char *want_error;      /* or NULL */
    int sort_bindings;
    int strict_error;
    int want_defined;            /* -1 unset, else 0/1 */
} conf_case;

typedef struct conf_file {
    arena *a;                    /* owns the cases and their values */
    conf_case *cases;
    size_t ncases;
    char error[300];             /* set when the file could not be read */
} conf_file;

/* Read one YAML file.  rel is its path relative to the root ("v1/x/y.yaml");
 * v0 says the cases are Rego v0.  Returns 0, or -1 with f->error set. */
int conf_file_load(conf_file *f, const char *path, const char *rel, int v0);
void conf_file_free(conf_file *f);

#endif
