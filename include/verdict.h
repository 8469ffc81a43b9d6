/* verdict.h — the public API of Verdict, an Open Policy Agent compatible
 * policy engine.  This is the only header a host includes.
 *
 * Model.  An engine holds an active snapshot: compiled policy modules plus
 * the base data document.  Modules and data are staged with verdict_add_*
 * and become active together with verdict_commit(); a commit that fails
 * (parse or compile errors) leaves the previous snapshot active.
 * Evaluations run against the snapshot that is active when they start.
 *
 * Errors.  Functions return a verdict_status.  Details come as a
 * verdict_errors list (OPA's error codes such as "rego_parse_error",
 * "rego_unsafe_var_error", "eval_conflict_error", with message and
 * file:row:col) that the caller frees with verdict_errors_free().  Pass NULL
 * for the errors out-parameter when details are not wanted.
 *
 * Memory.  Strings returned as `char *` are malloc'd and owned by the caller
 * (free()).  Objects returned by a *_new or query function are freed by their
 * *_free function.  The library never exits, aborts or prints on the caller's
 * behalf. */
#ifndef VERDICT_H
#define VERDICT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VERDICT_VERSION "0.1.0"

typedef enum verdict_status {
    VERDICT_OK = 0,         /* success (and, for evaluations, a defined result) */
    VERDICT_UNDEFINED = 1,  /* evaluation succeeded but the result is undefined */
    VERDICT_ERROR = 2,      /* see the errors list */
    VERDICT_MISUSE = 3,     /* invalid arguments */
    VERDICT_NOMEM = 4,      /* out of memory */
} verdict_status;

/* ---- errors ---- */
typedef struct verdict_errors verdict_errors;

size_t verdict_errors_count(const verdict_errors *errs);
const char *verdict_error_code(const verdict_errors *errs, size_t i);
const char *verdict_error_message(const verdict_errors *errs, size_t i);
const char *verdict_error_file(const verdict_errors *errs, size_t i);  /* "" when none */
int verdict_error_row(const verdict_errors *errs, size_t i);           /* 0 when none */
int verdict_error_col(const verdict_errors *errs, size_t i);
/* OPA's error text: "file:row: code: message" (location omitted when unknown). */
char *verdict_error_string(const verdict_errors *errs, size_t i);
/* {"errors": [{"code", "message", "location": {"file", "row", "col"}}]} as
 * `opa eval --format json` prints it (pretty: two-space indentation). */
char *verdict_errors_json(const verdict_errors *errs, int pretty);
void verdict_errors_free(verdict_errors *errs);

/* ---- engine ---- */
typedef struct verdict_options {
    int v0_compatible;              /* parse modules as Rego v0 */
    uint64_t instruction_limit;     /* per evaluation; 0 = unlimited */
    size_t memory_limit;            /* bytes per evaluation; 0 = unlimited */
    uint64_t timeout_ns;            /* per evaluation; 0 = none */
    size_t cache_bytes;             /* decision cache bound; 0 = default (64 MiB) */
    int coverage;                   /* record which source lines evaluations execute (verdict test --coverage) */
    int cache_disabled;             /* no decision cache */
    int test_cases;                 /* verdict test: a test rule with a reference tail
                                     * (test_x[tc.note] if ...) records each case it tries,
                                     * as OPA's test runner has it do; see
                                     * verdict_result_test_cases() */
    /* A capabilities document in OPA's format (JSON text, NUL-terminated), as
     * `opa capabilities` and verdict_capabilities_json() print it; NULL: all
     * that Verdict implements.  Policies and queries may then call only the
     * builtins it lists: any other call fails to compile with OPA's
     * rego_type_error "undefined function <name>".  A builtin it declares
     * that Verdict does not implement compiles, and an evaluation that calls
     * it fails with eval_internal_error "unsupported built-in", as in OPA.
     * Its "features" and "future_keywords" are honoured by the parser as
     * OPA's: Rego v1 modules need the "rego_v1" feature, and under Rego v0
     * `import rego.v1` needs "rego_v1_import" (or "rego_v1") and future
     * keywords must be listed.  The text is read by verdict_new and need not
     * outlive the call; verdict_new returns NULL when it does not read, and
     * verdict_new_checked says why. */
    const char *capabilities;
    int strict;                     /* OPA's strict mode (`opa check --strict`): unused imports,
                                       unused local assignments (x := ...) and function
                                       arguments are errors, and so are, in Rego v0 modules
                                       too, duplicate imports, input/data shadowed by a rule
                                       or variable, and calls of deprecated builtins (Rego v1
                                       modules always have those three) */
    int max_errors;                 /* compile errors reported before giving up, then OPA's
                                       "error limit reached" (`opa check --max-errors`):
                                       0 means OPA's default, 10; negative means no limit */
    int data_conflicts;             /* a compile checks rules against the base document as
                                       OPA does with a store (`opa check -b`): a rule defined
                                       where data has a value, or under a value that is not an
                                       object, is rego_compile_error "conflicting rule for data
                                       path a/b found" (off: rules win, as in OPA's own test
                                       cases, which compile without a store) */
} verdict_options;

typedef struct verdict_engine verdict_engine;

/* opts may be NULL for defaults.  NULL when memory runs out or the options
 * are refused (a capabilities document that does not read). */
verdict_engine *verdict_new(const verdict_options *opts);
/* verdict_new with the reason for a refusal: VERDICT_OK and *out, or
 * VERDICT_ERROR with errors (code "capabilities_error" and the message, e.g.
 * a JSON syntax error with its line and column). */
verdict_status verdict_new_checked(const verdict_options *opts, verdict_engine **out, verdict_errors **errs);
void verdict_free(verdict_engine *eng);

/* Stage a Rego module.  `filename` names it in error locations.  Parse
 * errors are reported here (and the module is not staged). */
verdict_status verdict_add_module(verdict_engine *eng, const char *filename, const char *text,
                                  size_t len, verdict_errors **errs);
/* Stage a data document (JSON or YAML text) at a slash-separated path under
 * data ("" or "/" for the root); objects merge with what is there, other
 * collisions are errors.  `source` names the document in errors. */
verdict_status verdict_add_data_json(verdict_engine *eng, const char *path, const char *json,
                                     size_t len, const char *source, verdict_errors **errs);
verdict_status verdict_add_data_yaml(verdict_engine *eng, const char *path, const char *yaml,
                                     size_t len, const char *source, verdict_errors **errs);
/* Compile everything staged so far (with what is active) into a new snapshot
 * and activate it.  On error nothing changes. */
verdict_status verdict_commit(verdict_engine *eng, verdict_errors **errs);
/* The same, but what is staged replaces every module and all data that did
 * not come from a bundle (OPA's reload of watched files, `opa run --watch`):
 * a module or data file that is gone is gone from the engine too, and data
 * written through verdict_put_data is replaced as well.  All or nothing. */
verdict_status verdict_commit_reload(verdict_engine *eng, verdict_errors **errs);
/* Drop what is staged without committing it (a load that failed half way). */
void verdict_discard(verdict_engine *eng);

/* ---- changes that take effect at once ----
 * Each is one atomic transaction: it compiles what it must, then swaps the
 * active snapshot; on failure nothing changes.  Paths inside the roots of an
 * active bundle belong to that bundle and are refused ("bundle_error"). */

/* OPA's PUT /v1/data/{path}: create or replace the document at path. */
verdict_status verdict_put_data(verdict_engine *eng, const char *path, const char *json, size_t len,
                                verdict_errors **errs);
/* OPA's PATCH /v1/data/{path}: a JSON Patch array of {"op": "add"|"remove"|
 * "replace", "path", "value"} applied below path. */
verdict_status verdict_patch_data(verdict_engine *eng, const char *path, const char *patch_json, size_t len,
                                  verdict_errors **errs);
/* OPA's DELETE /v1/data/{path}. */
verdict_status verdict_delete_data(verdict_engine *eng, const char *path, verdict_errors **errs);

/* OPA's PUT / DELETE /v1/policies/{id}: add or replace a module, remove one. */
verdict_status verdict_put_module(verdict_engine *eng, const char *id, const char *text, size_t len,
                                  verdict_errors **errs);
verdict_status verdict_delete_module(verdict_engine *eng, const char *id, verdict_errors **errs);
/* [{"id", "raw"}] of the active modules; the text of one (NULL if absent). */
char *verdict_modules_json(verdict_engine *eng);
char *verdict_module_text(verdict_engine *eng, const char *id);

/* ---- bundles ---- */

typedef struct verdict_bundle_options {
    const char *verification_key;       /* PEM public key/certificate or HMAC secret; NULL: no verification */
    const char *verification_key_id;
    const char *verification_alg;       /* RS256 ... HS512; NULL: the signature's */
    const char *scope;
    int skip_verification;
    uint64_t max_bytes;                 /* decompressed size limit; 0: default */
    const char *delta_target;           /* a delta bundle patches this bundle instead of `name` */
} verdict_bundle_options;

/* Load a bundle (.tar.gz file or directory; or a buffer holding a .tar.gz)
 * under a name and activate it at once.  A full bundle owns its manifest's
 * roots: the data and modules it replaces there are gone, other bundles'
 * roots must not overlap.  A delta bundle patches the data of the active
 * bundle of the same name.  All or nothing: on any error (unsafe or
 * malformed archive, signature, parse or compile error) the previous state
 * stays active and the errors say why (code "bundle_error" for the bundle
 * itself, OPA's codes for what is in it). */
verdict_status verdict_load_bundle_file(verdict_engine *eng, const char *name, const char *path,
                                        const verdict_bundle_options *opts, verdict_errors **errs);
verdict_status verdict_load_bundle_buffer(verdict_engine *eng, const char *name, const void *buf, size_t len,
                                          const verdict_bundle_options *opts, verdict_errors **errs);
/* {"<name>": {"name", "revision", "roots", "activated_ns", "metadata"?}} of the active bundles. */
char *verdict_bundles_json(verdict_engine *eng);
/* The active revision of a bundle (NULL when not loaded). */
char *verdict_bundle_revision(verdict_engine *eng, const char *name);

/* `opa build`: a .tar.gz bundle from directories and files, optionally
 * signed.  Readable by OPA and by verdict_load_bundle_file. */
typedef struct verdict_build_options {
    const char *revision;
    const char *signing_key;            /* PEM private key or HMAC secret (the text, not a path) */
    const char *signing_alg;            /* default RS256 */
    const char *key_id;
    const char *scope;
} verdict_build_options;

verdict_status verdict_build_bundle(char *const *inputs, int ninputs, const char *out_path,
                                    const verdict_build_options *opts, verdict_errors **errs);
/* A bundle's manifest, namespaces (package -> files), files with sizes, as
 * JSON; NULL with errors when it cannot be read. */
char *verdict_inspect_bundle(const char *path, verdict_errors **errs);

/* A number that changes whenever policies, data or bundles change. */
uint64_t verdict_generation(verdict_engine *eng);

/* ---- queries, as `opa eval` runs them ---- */

/* Time a query spent in each phase, in nanoseconds; a phase that did not
 * run (an earlier one failed) has its flag 0. */
typedef struct verdict_query_timings {
    uint64_t parse_ns, compile_ns, eval_ns;
    int parsed, compiled, evaluated;
} verdict_query_timings;

typedef struct verdict_query_options {
    const char *input;          /* input document text, or NULL for no input */
    size_t input_len;
    int input_is_yaml;          /* input text is YAML rather than JSON */
    int input_is_rego;          /* input text is a Rego term (e.g. with sets) */
    int strict_builtin_errors;  /* builtin errors are errors, not undefined */
    int results_with_errors;    /* return the solutions along with a strict builtin error */
    /* The query's context (`opa eval --package` / `--import`): the query is
     * compiled as a body in a module of this package ("a.b"; NULL: none)
     * with these imports ("data.a.b", "data.a.b as c", "input.x",
     * "future.keywords.in", "rego.v1"), so the package's rules and the
     * imported names resolve as they would there. */
    const char *package;
    const char *const *imports;
    size_t nimports;
    /* Collect every builtin error of the evaluation (each one still makes
     * its call undefined and the evaluation goes on), as `opa eval
     * --show-builtin-errors` does: they come back in *errs along with
     * VERDICT_OK and the result, and after the error when the evaluation
     * fails.  Ignored under strict_builtin_errors. */
    int show_builtin_errors;
    verdict_query_timings *timings;     /* when set, filled in */
} verdict_query_options;

typedef struct verdict_result verdict_result;

/* Evaluate a query (Rego body text, e.g. "data.authz.allow" or
 * "x := data.a[_]; x > 1") against the active snapshot.  Returns VERDICT_OK
 * with a result set (possibly empty: undefined), or VERDICT_ERROR with
 * errors (compile errors of the query, or evaluation errors).  With
 * strict_builtin_errors, a builtin error is reported after the evaluation
 * finished, as OPA does; when results_with_errors is also set, *out then
 * holds the solutions found (where the failing call was undefined) and the
 * caller frees it. */
verdict_status verdict_query(verdict_engine *eng, const char *query,
                             const verdict_query_options *opts, verdict_result **out,
                             verdict_errors **errs);

/* A query parsed and compiled once, to evaluate many times (with different
 * inputs) against the snapshot that was active when it was prepared. */
typedef struct verdict_prepared verdict_prepared;

verdict_status verdict_prepare(verdict_engine *eng, const char *query, verdict_prepared **out,
                               verdict_errors **errs);
verdict_status verdict_prepared_query(verdict_prepared *p, const verdict_query_options *opts,
                                      verdict_result **out, verdict_errors **errs);
void verdict_prepared_free(verdict_prepared *p);

/* The result set as `opa eval --format json` prints it:
 * {"result": [{"expressions": [{"value", "text", "location"}], "bindings": {...}}]}
 * or {} when undefined. */
char *verdict_result_json(const verdict_result *r, int pretty);
size_t verdict_result_count(const verdict_result *r);               /* rows */
size_t verdict_result_expr_count(const verdict_result *r, size_t row);
char *verdict_result_expr_value(const verdict_result *r, size_t row, size_t expr, int pretty);
const char *verdict_result_expr_text(const verdict_result *r, size_t row, size_t expr);
/* Bindings of the row as a JSON object (names of the query's variables). */
char *verdict_result_bindings(const verdict_result *r, size_t row, int pretty);
size_t verdict_result_binding_count(const verdict_result *r, size_t row);
/* Text printed by print() during the evaluation ("" when none). */
const char *verdict_result_prints(const verdict_result *r);
/* With the engine's test_cases option: the cases the evaluation tried, one
 * JSON array (the tail of the test rule's head) per line, in the order
 * tried; "" when none. */
const char *verdict_result_test_cases(const verdict_result *r);
/* Bytes the evaluation allocated (its arena), for benchmarks. */
size_t verdict_result_eval_bytes(const verdict_result *r);
void verdict_result_free(verdict_result *r);

/* ---- decisions: one value at a path ---- */

/* Evaluate the document at `path` ("authz/allow", "/authz/allow" or
 * "data.authz.allow") with the given JSON input (NULL: none).  On
 * VERDICT_OK *result_json is the value's JSON text; VERDICT_UNDEFINED when
 * there is no value. */
verdict_status verdict_eval(verdict_engine *eng, const char *path, const char *input_json,
                            size_t input_len, char **result_json, verdict_errors **errs);

/* 1 when the document at `path` is defined and exactly `true`; 0 otherwise
 * (undefined, any other value, or an error). */
int verdict_allow(verdict_engine *eng, const char *path, const char *input_json, size_t input_len);

/* ---- values: input built through the API, decisions read as values ----
 *
 * A verdict_doc owns values: everything made in it (or returned into it) is
 * freed by verdict_doc_free, at once.  A value is immutable once made, so
 * finished values may be read, and used as input, by many threads at once;
 * a doc itself must not be given new values by two threads at the same
 * time.  A composite holds its items by reference: they must live as long
 * as it does (make them in the same doc).  Constructors return NULL on
 * invalid arguments or when memory runs out. */
typedef struct verdict_doc verdict_doc;
typedef struct verdict_value verdict_value;

typedef enum verdict_kind {
    VERDICT_NULL = 0,
    VERDICT_BOOLEAN,
    VERDICT_NUMBER,
    VERDICT_STRING,
    VERDICT_ARRAY,
    VERDICT_OBJECT,
    VERDICT_SET,
} verdict_kind;

verdict_doc *verdict_doc_new(void);
void verdict_doc_free(verdict_doc *d);

const verdict_value *verdict_null(void);                    /* no doc needed */
const verdict_value *verdict_bool(int b);
const verdict_value *verdict_int(verdict_doc *d, int64_t i);
const verdict_value *verdict_double(verdict_doc *d, double x);     /* NULL for NaN and infinities */
/* A number from its JSON text, kept exactly ("0.1", "1e400", big integers). */
const verdict_value *verdict_number(verdict_doc *d, const char *text, size_t len);
const verdict_value *verdict_string(verdict_doc *d, const char *s, size_t len);  /* bytes copied */
const verdict_value *verdict_array(verdict_doc *d, const verdict_value *const *items, size_t n);
/* Keys may be any value (Rego objects allow that); a repeated key keeps its last value. */
const verdict_value *verdict_object(verdict_doc *d, const verdict_value *const *keys,
                                    const verdict_value *const *values, size_t n);
const verdict_value *verdict_set(verdict_doc *d, const verdict_value *const *items, size_t n);
/* A value from JSON text; NULL with errors (line and column) when it is not JSON. */
const verdict_value *verdict_parse_json(verdict_doc *d, const char *json, size_t len, verdict_errors **errs);

verdict_kind verdict_value_kind(const verdict_value *v);
int verdict_value_bool(const verdict_value *v);             /* 1 for true, 0 otherwise */
/* 1 and *out set when v is an integer that fits int64; 0 otherwise. */
int verdict_value_int64(const verdict_value *v, int64_t *out);
double verdict_value_double(const verdict_value *v);        /* nearest double; NaN when not a number */
/* A string's bytes (NUL-terminated; *len may be NULL); NULL when not a string. */
const char *verdict_value_string(const verdict_value *v, size_t *len);
/* Elements of an array or set, pairs of an object, bytes of a string; 0 otherwise. */
size_t verdict_value_len(const verdict_value *v);
/* Element i of an array, or of a set in OPA's order; NULL when out of range. */
const verdict_value *verdict_value_at(const verdict_value *v, size_t i);
/* Key and value of an object's pair i, in OPA's (sorted) order. */
const verdict_value *verdict_value_key_at(const verdict_value *v, size_t i);
const verdict_value *verdict_value_value_at(const verdict_value *v, size_t i);
/* The value under a string key of an object; NULL when absent. */
const verdict_value *verdict_value_get(const verdict_value *obj, const char *key);
int verdict_value_equal(const verdict_value *a, const verdict_value *b);   /* as Rego's == */
/* As verdict_eval prints it (sets as arrays, OPA's key order). */
char *verdict_value_json(const verdict_value *v, int pretty);

/* verdict_eval with the input as a value (NULL: none) and the decision as a
 * value made in `out`: its JSON form, as verdict_eval returns it and as OPA's
 * REST API and SDKs give decisions (a set comes back as an array).  Cached
 * like verdict_eval, keyed by the input's canonical value. */
verdict_status verdict_eval_value(verdict_engine *eng, const char *path, const verdict_value *input,
                                  verdict_doc *out, const verdict_value **result, verdict_errors **errs);
int verdict_allow_value(verdict_engine *eng, const char *path, const verdict_value *input);

/* verdict_eval and verdict_allow keep decisions in a cache: keyed by the
 * path and the input (its exact bytes, and its canonical value), valid for
 * the snapshot they were made on (any change of policy, data or bundle is a
 * miss), bounded in bytes.  Decisions that used a non-deterministic builtin
 * (time.now_ns, rand.intn, uuid.rfc4122, http.send, ...) are not kept. */
typedef struct verdict_metrics {
    uint64_t evaluations;       /* decisions evaluated (cache misses included) */
    uint64_t eval_ns;           /* time spent evaluating them */
    uint64_t cache_hits;
    uint64_t cache_misses;
    size_t cache_bytes;
} verdict_metrics;

void verdict_get_metrics(verdict_engine *eng, verdict_metrics *m);

/* ---- for test runners ---- */

/* [{"path": "data.pkg.rule", "file", "row", "col", "function": bool}] of
 * every rule of the active policy. */
char *verdict_rules_json(verdict_engine *eng);
/* With options.coverage: which lines the evaluations so far executed, as
 * OPA's coverage report ({"files": {file: {"covered": [{start, end}],
 * "not_covered": [...], "covered_lines", "not_covered_lines",
 * "coverage"}}, "covered_lines", "not_covered_lines", "coverage"}). */
char *verdict_coverage_json(verdict_engine *eng);

/* ---- process-wide settings ---- */

/* What opa.runtime() returns: the environment, the version and the given
 * configuration (JSON object, or NULL), as `opa run` / `opa eval` set it.
 * Without a call opa.runtime() is {} (as OPA embedded).  0 or -1. */
int verdict_set_runtime(const char *config_json);
/* Byte budget of http.send's inter-query cache (default 64 MiB; 0: unlimited). */
void verdict_set_http_cache_bytes(size_t max_bytes);

/* ---- capabilities ---- */

/* The capabilities document of this build, in OPA's format: every builtin
 * Verdict implements with OPA's declaration, future keywords, features.
 * Caller frees. */
char *verdict_capabilities_json(int pretty);

#ifdef __cplusplus
}
#endif

#endif
