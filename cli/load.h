/* load.h — loading `-d` paths and `-b` bundle directories into an engine,
 * as `opa eval` loads them.
 *
 * -d PATH (OPA's loader): a file is loaded by its extension (.rego module,
 * .json/.yaml/.yml data document; any other extension is tried as Rego,
 * then JSON, then YAML); a directory is walked recursively in name order,
 * where files of other extensions are skipped and data files are placed
 * under data at the path of their directory relative to PATH (dir/a/b/x.json
 * lands at data.a.b).  PATH may carry a prefix, "a.b:PATH", to place the
 * whole tree under data.a.b, and may be a file:// URL.  Modules are named by
 * their path as given joined with the names walked.
 *
 * -b DIR (OPA's bundle reader, for a plain directory): only *.rego modules
 * and data files named data.json, data.yaml or data.yml are loaded, data at
 * the path of their directory.  Bundle archives and directories with a
 * .manifest are not supported yet. */
#ifndef VERDICT_CLI_LOAD_H
#define VERDICT_CLI_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <verdict.h>

#include "errlist.h"

/* How -d paths are loaded: --ignore patterns, and the time spent parsing. */
typedef struct load_opts {
    char *const *ignore;    /* glob.h patterns: a file or directory below a given
                             * path whose name matches one is skipped (OPA's
                             * loader.GlobExcludeName(pattern, 1)) */
    size_t nignore;
    int only_rego;              /* load .rego files only, named ones too (`opa check`'s
                                 * loader filter) */
    uint64_t module_parse_ns;   /* out: staging modules (parsing them) */
    uint64_t data_parse_ns;     /* out: staging data documents (parsing them) */
    size_t nmodules_tried;      /* out: files read as a module */
    size_t ndata_tried;         /* out: files read as a data document */
    size_t nmodules;            /* out: modules staged */
} load_opts;

/* Stage every file under the paths into eng (nothing is committed).  Errors
 * (unreadable paths, parse errors, data conflicts) are added to errs, and
 * loading goes on with the next file as OPA's loader does. */
void load_data_paths(verdict_engine *eng, char *const *paths, size_t n, errlist *errs);
void load_data_paths_with(verdict_engine *eng, char *const *paths, size_t n, load_opts *o,
                          errlist *errs);
/* Returns the number of bundles activated. */
size_t load_bundle_paths(verdict_engine *eng, char *const *paths, size_t n, errlist *errs);

/* Read the input document from path (a file name or file:// URL) or, when
 * path is NULL, from standard input, and tell whether it is JSON or YAML as
 * OPA's util.Unmarshal does: JSON when it parses as JSON, else YAML (files
 * named .json are passed on as JSON, .yaml/.yml as YAML, unchecked).  On
 * failure returns NULL and sets *error to a malloc'd message naming the
 * file and position. */
char *load_input(const char *path, size_t *len, int *is_yaml, char **error);

/* After a failed query: the message that explains why the input text does
 * not parse (naming source and position), or NULL when it parses. */
char *load_input_error(const char *text, size_t len, int is_yaml, const char *source);

/* Read a whole file or stream (NUL-terminated; *len its size).  NULL with
 * errno set on failure. */
char *load_read_file(const char *path, size_t *len);
char *load_read_stream(FILE *f, size_t *len);

#endif
