/* compile.h — the compiler's entry points: modules to a program, and a
 * query to a procedure that runs against a program. */
#ifndef VERDICT_COMPILE_H
#define VERDICT_COMPILE_H

#include <stdbool.h>

#include "ast.h"
#include "program.h"

/* Compile parsed modules.  NULL on error (errors appended to errs).  The
 * program does not keep references to the modules' arenas except for
 * values it copied... (constants are shared: keep the modules alive as long
 * as the program; the engine's snapshot owns both). */
program *rego_compile(ast_module **mods, int nmods, rego_errors *errs);

typedef struct compile_opts {
    bool coverage;          /* emit LINE probes for expressions and rule heads */
    bool test_cases;        /* parameterized tests record their cases (testcases.h) */
    bool strict;            /* OPA's strict mode: unused imports, unused local assignments and
                               function arguments; duplicate imports, input/data shadowing and
                               deprecated builtins in Rego v0 modules too (v1 modules always) */
    const struct rego_caps *caps;   /* builtins and features allowed (caps.h); NULL: all */
    const val *data;        /* the base document: a rule whose path holds data there, or under
                               a value that is not an object, is OPA's "conflicting rule for
                               data path p/q found" (NULL: not checked) */
    int max_errors;         /* errors reported before giving up (OPA's error limit, after which
                               "error limit reached" is added): 0 means OPA's default, 10;
                               negative means no limit */
} compile_opts;
program *rego_compile_opts(ast_module **mods, int nmods, const compile_opts *o, rego_errors *errs);

typedef struct query_shape {
    int nexprs;
    uint32_t *expr_regs;     /* register holding each expression's value; NOREG: the value is true */
    ast_expr **exprs;        /* the user's expressions, for text and location */
    int nvars;
    const char **var_names;  /* bindings reported, in order of first appearance */
    uint32_t *var_regs;
} query_shape;

typedef struct compiled_query {
    arena *a;
    prog_proc proc;
    query_shape shape;
} compiled_query;

compiled_query *rego_compile_query(const program *p, ast_body *body, rego_errors *errs);
/* The same, with names resolved as in a body of module `ctx` (its package's
 * rules and its imports; ctx->package may be NULL: imports only). */
compiled_query *rego_compile_query_in(const program *p, ast_body *body, ast_module *ctx,
                                      rego_errors *errs);
void compiled_query_free(compiled_query *q);

#endif
