/* builtins.h — the builtin function interface and registry.
 *
 * Each group of builtins lives in engine/builtins/<group>.c and exports a
 * table (bi_group_<group>) that registry.c concatenates.  A builtin receives
 * its evaluated arguments and either produces one value, is undefined, or
 * fails.  How a failure surfaces is the VM's business: by default it makes
 * the expression undefined; with strict builtin errors it is an error
 * (eval_type_error for operand type errors, eval_builtin_error otherwise),
 * reported as "<name>: <message>" at the call's location. */
#ifndef VERDICT_BUILTINS_H
#define VERDICT_BUILTINS_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "value.h"

typedef enum bi_status {
    BI_OK = 0,          /* *out is set */
    BI_UNDEF,           /* no value (e.g. a failed lookup); never an error */
    BI_ERR,             /* ctx->err_code / ctx->err_msg are set */
} bi_status;

typedef struct bi_ctx bi_ctx;
struct bi_ctx {
    arena *a;                   /* where results are allocated */
    const struct builtin_def *def;  /* the builtin being called */
    const char *err_code;       /* "eval_type_error" or "eval_builtin_error" */
    char err_msg[512];          /* message without the "<name>: " prefix */
    bool strict;                /* strict builtin errors requested */
    int64_t now_ns;             /* time.now_ns for this evaluation */
    void *vm;                   /* the evaluation (engine/vm.h), for builtins that need it */
    struct strbuf *print_out;   /* where print() writes; NULL: discard */
    struct strbuf *trace_out;   /* where trace() notes go, one line each; NULL: tracing off */
    struct strbuf *test_cases_out;  /* internal.test_case arrays, one JSON line each; NULL: not kept */
};

typedef bi_status (*bi_fn)(bi_ctx *ctx, val *const *args, val **out);

enum {
    BI_F_NONDET = 1,        /* non-deterministic (time.now_ns, rand.intn, http.send, ...) */
    BI_F_RELATION = 2,      /* produces many values (walk): fn returns an array of them */
    BI_F_VOID = 4,          /* no result value (print): the call's expression is true */
    BI_F_BOOL_TEST = 8,     /* returns a boolean used as a test (comparisons, startswith...) */
    BI_F_DEPRECATED = 16,   /* only available with v0 compatibility */
};

typedef struct builtin_def {
    const char *name;       /* "count", "strings.replace_n", "internal.member_2" */
    int arity;              /* number of arguments (the result is not counted) */
    bi_fn fn;
    unsigned flags;
    const char *infix;      /* operator spelling for infix builtins ("+", "==") or NULL */
} builtin_def;

/* OPA's declaration of each builtin (decls.c, generated from OPA's
 * capabilities document): the entry's JSON text, or NULL. */
typedef struct builtin_decl {
    const char *name;
    const char *json;       /* {"name", "decl", "infix"?, "relation"?, ...} */
} builtin_decl;
extern const builtin_decl builtin_decls[];
extern const char *const builtin_capabilities_rest;
const char *builtin_decl_json(const char *name);

/* Registry (registry.c). */
const builtin_def *builtin_lookup(const char *name);
const builtin_def *builtin_lookup_n(const char *name, size_t n);
int builtin_count(void);
const builtin_def *builtin_at(int i);

/* Error helpers: format the message, set the code, return BI_ERR. */
bi_status bi_type_error(bi_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bi_status bi_error(bi_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "operand N must be T but got U" as OPA words it. */
bi_status bi_operand_type(bi_ctx *c, int pos /* 1-based */, const val *got, const char *expected);
/* "operand N must be one of {a, b} but got U". expected is "a, b". */
bi_status bi_operand_types(bi_ctx *c, int pos, const val *got, const char *expected_list);

/* Per-evaluation memory for non-deterministic builtins (rand.intn,
 * uuid.rfc4122, http.send, ...): within one evaluation the same builtin
 * called with equal arguments must return the same value, as in OPA.
 * Keyed by ctx->def and the def's arity arguments.  NULL when absent. */
val *bi_ndcache_get(bi_ctx *c, val *const *args);
void bi_ndcache_put(bi_ctx *c, val *const *args, val *value);

/* Group tables, each terminated by an entry with name == NULL. */
extern const builtin_def bi_group_compare[];
extern const builtin_def bi_group_arith[];
extern const builtin_def bi_group_aggregates[];
extern const builtin_def bi_group_sets[];
extern const builtin_def bi_group_types[];
extern const builtin_def bi_group_bits[];
extern const builtin_def bi_group_core[];      /* internal.member_*, internal.print, walk, ... */
extern const builtin_def bi_group_strings[];   /* concat, sprintf, startswith, strings.*, trim*, ... */
extern const builtin_def bi_group_objects[];   /* object.*, json.filter/remove/patch */
extern const builtin_def bi_group_arrays[];    /* array.* */
extern const builtin_def bi_group_encoding[];  /* base64*, hex.*, urlquery.*, json.marshal..., yaml.* */
extern const builtin_def bi_group_regex[];     /* regex.*, re_match (RE2 through a C shim) */
extern const builtin_def bi_group_glob[];      /* glob.match, glob.quote_meta */
extern const builtin_def bi_group_time[];      /* time.* */
extern const builtin_def bi_group_units[];     /* units.* */
extern const builtin_def bi_group_semver[];    /* semver.* */
extern const builtin_def bi_group_uuid[];      /* uuid.* */
extern const builtin_def bi_group_net[];       /* net.cidr_*, net.lookup_ip_addr */
extern const builtin_def bi_group_rand[];      /* rand.intn */
extern const builtin_def bi_group_graph[];     /* graph.reachable, graph.reachable_paths */
extern const builtin_def bi_group_crypto[];    /* crypto.* (OpenSSL libcrypto) */
extern const builtin_def bi_group_jwt[];       /* io.jwt.* */
extern const builtin_def bi_group_jsonschema[]; /* json.match_schema, json.verify_schema */
extern const builtin_def bi_group_http[];      /* http.send (libcurl), providers.aws.sign_req */
extern const builtin_def bi_group_runtime[];   /* opa.runtime, rego.parse_module, rego.metadata.* */
extern const builtin_def bi_group_uri[];       /* uri.parse, uri.is_valid (Go's net/url) */
extern const builtin_def bi_group_testcase[];  /* internal.test_case */
extern const builtin_def bi_group_graphql[];   /* graphql.* (parser and validator in graphql_*.c) */

#endif
