/* ast.h — the syntax tree of Rego modules and queries.
 *
 * The parser (parse.c) produces it; the compiler (compile*.c) consumes and
 * rewrites it.  All nodes live in the module's arena.  Operators are already
 * calls here: `a + b` is AST_CALL of the builtin "plus", `x in xs` is
 * "internal.member_2", `k, v in xs` is "internal.member_3"; `=` and `:=` at the
 * top of an expression are AST_EXPR_UNIFY / AST_EXPR_ASSIGN (inside a term,
 * `a == b` is a call of "equal").
 *
 * Locations are 1-based row and column (column counted in characters of the
 * line, as OPA's scanner counts them; the same as bytes for ASCII), plus the
 * byte span of the node in the source (for expression text in `verdict eval`
 * output and for error messages). */
#ifndef VERDICT_AST_H
#define VERDICT_AST_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/arena.h"
#include "../engine/value.h"

/* Trees made by the parser are at most this deep (terms, expressions and
 * bodies nested in each other, operator chains included), and else chains at
 * most this long, so recursive walks over them are safe. */
#define AST_MAX_DEPTH 1000

typedef struct ast_loc {
    const char *file;       /* file name as given to the parser ("" for queries) */
    int row, col;           /* 1-based */
    unsigned off, len;      /* byte span in the source text */
} ast_loc;

typedef struct ast_term ast_term;
typedef struct ast_expr ast_expr;
typedef struct ast_body ast_body;
typedef struct ast_rule ast_rule;

struct ast_body {
    ast_expr **exprs;
    int n;
    ast_loc loc;
};

typedef enum ast_term_kind {
    AST_SCALAR,         /* null, true, false, number, string: t->value */
    AST_VAR,            /* t->var.name; "_" is a wildcard (the parser renames each "_"
                           to a unique "$N" name and sets var.wildcard) */
    AST_REF,            /* t->ref: items[0] is the head (a var such as data/input/x,
                           or a composite/call term), items[1..] the path operands;
                           `a.b` gives the string scalar "b" as operand */
    AST_ARRAY,          /* t->coll.items[0..n) */
    AST_SET,            /* t->coll.items[0..n) (set() is an empty set) */
    AST_OBJECT,         /* t->coll.items: k0, v0, k1, v1, ...; coll.n = 2 * pairs */
    AST_ARRAY_COMPR,    /* [head | body]: t->compr.head, t->compr.body */
    AST_SET_COMPR,      /* {head | body} */
    AST_OBJECT_COMPR,   /* {key: head | body}: t->compr.key, t->compr.head */
    AST_CALL,           /* t->call: fn is the function name as a ref or var
                           (e.g. "count", "strings.replace_n", "data.pkg.f"),
                           fn_name the dotted name text; args[0..nargs) */
    AST_TEMPLATE,       /* $"...{expr}..." template string: t->tmpl parts */
} ast_term_kind;

struct ast_term {
    ast_term_kind kind;
    ast_loc loc;
    union {
        val *value;
        struct {
            const char *name;
            bool wildcard;      /* written as `_` */
        } var;
        struct {
            ast_term **items;
            int n;              /* >= 1; n == 1 never produced by the parser */
        } ref;
        struct {
            ast_term **items;
            int n;
        } coll;
        struct {
            ast_term *key;      /* object comprehension only */
            ast_term *head;
            ast_body *body;
        } compr;
        struct {
            ast_term *fn;
            const char *fn_name;
            ast_term **args;
            int nargs;
        } call;
        struct {
            ast_term **parts;   /* string scalars and expression terms, in order */
            int n;
        } tmpl;
    };
};

typedef enum ast_expr_kind {
    AST_EXPR_TERM,      /* e->term: a call, or any term (true when defined and not false) */
    AST_EXPR_UNIFY,     /* e->lhs = e->rhs */
    AST_EXPR_ASSIGN,    /* e->lhs := e->rhs */
    AST_EXPR_SOME,      /* some x, y (e->some.vars, no collection) or
                           some v in xs / some k, v in xs (e->some.key may be NULL,
                           e->some.value, e->some.coll) */
    AST_EXPR_EVERY,     /* every [k,] v in domain { body }: e->every */
} ast_expr_kind;

typedef struct ast_with {
    ast_term *target;   /* ref or var: input..., data..., or a function/builtin name */
    ast_term *value;
    ast_loc loc;
} ast_with;

struct ast_expr {
    ast_expr_kind kind;
    bool negated;           /* `not` */
    bool generated;         /* made by the compiler, not written by the user */
    ast_loc loc;            /* whole expression, `not` and `with` included */
    ast_term *term;         /* AST_EXPR_TERM */
    ast_term *lhs, *rhs;    /* UNIFY / ASSIGN */
    struct {
        ast_term **vars;    /* `some x, y`: the declared vars */
        int nvars;
        ast_term *key;      /* `some k, v in c`: k (NULL for `some v in c`) */
        ast_term *value;
        ast_term *coll;     /* NULL for plain declarations */
    } some;
    struct {
        ast_term *key;      /* may be NULL */
        ast_term *value;
        ast_term *domain;
        ast_body *body;
    } every;
    ast_with *withs;
    int nwiths;
};

typedef enum ast_rule_kind {
    AST_RULE_COMPLETE,      /* p := v / p = v / p if {...} / a.b.c := v / p[x] := v (ref head
                               with variables: a "generic" rule building an object) */
    AST_RULE_PARTIAL_SET,   /* p contains x / a.b contains x / v0: p[x] { } */
    AST_RULE_FUNCTION,      /* f(x) := v / f(x) if {...} */
} ast_rule_kind;

struct ast_rule {
    ast_loc loc;            /* the rule's head start through its end */
    ast_rule_kind kind;
    bool is_default;        /* default p := v  /  default f(_) := v */
    bool assign;            /* written with := (else: = or implicit true) */
    bool value_implicit;    /* no value written: value is true */
    ast_term *head;         /* the head reference relative to the package: a var (p)
                               or a ref (a.b[c]); for functions the function name */
    ast_term **args;        /* functions: the parameter terms */
    int nargs;
    ast_term *key;          /* partial sets: the element term (`contains x`, v0 `p[x]`) */
    ast_term *value;        /* the value term; a `true` scalar when value_implicit */
    ast_body *body;         /* never NULL; empty body for `p := 1` */
    ast_rule *else_;        /* next link of an else chain (kind/head/args copied from
                               the first rule; value and body its own) */
    bool body_written;      /* a body was written (`if` or braces) */
    struct ast_module *module;
};

typedef struct ast_import {
    ast_term *path;         /* ref such as data.foo.bar, input.x, future.keywords.in, rego.v1 */
    const char *alias;      /* `as alias`, or NULL */
    ast_loc loc;
} ast_import;

/* V1 is the zero value: a zero-initialised parse_opts means Rego v1. */
typedef enum ast_rego_version { AST_REGO_V1 = 0, AST_REGO_V0 = 1 } ast_rego_version;

/* A METADATA comment block (annotations.h), attached to the statement
 * after it. */
typedef struct ast_annotation_block {
    ast_loc loc;            /* the `# METADATA` comment: its '#' */
    int end_row;            /* row of the block's last comment */
    const char *scope;      /* "rule", "document", "package", "subpackages" (defaulted
                               from the statement when the block gives none) */
    bool entrypoint;
    val *value;             /* OPA's object form: {"scope", "title"?, "description"?,
                               "entrypoint"?, "organizations"?, "related_resources"?,
                               "authors"?, "schemas"?, "custom"?, "labels"?} */
    struct ast_rule *rule;  /* the rule it is attached to (rule, document scope) */
    bool on_package;        /* attached to the package (package, subpackages scope) */
} ast_annotation_block;

typedef struct ast_module {
    const char *file;
    const char *source;         /* the text parsed (owned by the arena) */
    size_t source_len;
    ast_term *package;          /* ref data.a.b (items[0] is the var `data`) */
    ast_loc package_loc;
    ast_import *imports;
    int nimports;
    ast_rule **rules;
    int nrules;
    ast_rego_version version;   /* syntax it was parsed with */
    bool imports_rego_v1;       /* `import rego.v1` present */
    arena *arena;
    ast_annotation_block **annotations;     /* METADATA blocks in source order */
    int nannotations;
} ast_module;

/* ---- parse errors ---- */
typedef struct rego_error {
    const char *code;       /* "rego_parse_error", "rego_compile_error", ... */
    char *message;          /* malloc'd */
    char *file;             /* malloc'd, may be "" */
    int row, col;           /* 0 when unknown */
    int stage;              /* compiler errors: the compile_stage that found it (compiler.h);
                               0 for parse errors */
    struct rego_error *next;
} rego_error;

typedef struct rego_errors {
    rego_error *head, *tail;
    int n;
} rego_errors;

void rego_errors_add(rego_errors *errs, const char *code, const ast_loc *loc,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void rego_errors_free(rego_errors *errs);

/* ---- parser API (parse.c) ---- */
typedef struct parse_opts {
    ast_rego_version version;   /* AST_REGO_V1 by default; V0 for --v0-compatible */
    bool no_annotations;        /* skip METADATA blocks (rego.parse_module, as OPA) */
    unsigned keywords;          /* LEX_KW_* bits on from the start (a query whose context
                                 * imports future.keywords under Rego v0) */
    const struct rego_caps *caps;   /* capabilities (caps.h), or NULL: a module in Rego v1
                                 * needs the rego_v1 feature; under v0 `import rego.v1` needs
                                 * rego_v1_import (or rego_v1) and future keywords must be
                                 * listed (all are with rego_v1), as OPA's parser checks */
} parse_opts;

/* Parse a module.  Returns NULL on error (errors appended to errs, each a
 * rego_parse_error with file:row:col).  The module and everything in it is
 * allocated in `a`; `text` is copied. */
ast_module *rego_parse_module(arena *a, const char *file, const char *text, size_t len,
                              const parse_opts *opts, rego_errors *errs);

/* Parse a query: a body of expressions separated by ';' or newlines. */
ast_body *rego_parse_query(arena *a, const char *text, size_t len,
                           const parse_opts *opts, rego_errors *errs);

/* Parse a single term (e.g. an input given in Rego syntax). */
ast_term *rego_parse_term(arena *a, const char *text, size_t len,
                          const parse_opts *opts, rego_errors *errs);

/* A ground term (no vars, refs, calls or comprehensions) as a value; NULL if
 * the term is not ground. */
val *ast_term_to_value(arena *a, const ast_term *t);

/* Debug printing of AST in Rego-like syntax. */
struct strbuf;
void ast_write_term(struct strbuf *sb, const ast_term *t);
void ast_write_expr(struct strbuf *sb, const ast_expr *e);
void ast_write_module(struct strbuf *sb, const ast_module *m);

/* ---- walking ----
 * fn is called for every term, a term before its parts; when it returns
 * true the walk stops and returns true.  Comprehension and `every` bodies
 * and `with` targets and values are walked; the operator of a call
 * (call.fn) is not: a visitor that wants it walks it itself. */
typedef bool (*ast_visit)(const ast_term *t, void *ud);
bool ast_walk_term(const ast_term *t, ast_visit fn, void *ud);
bool ast_walk_expr(const ast_expr *e, ast_visit fn, void *ud);
bool ast_walk_body(const ast_body *b, ast_visit fn, void *ud);

#endif
