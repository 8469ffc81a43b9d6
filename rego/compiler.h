/* compiler.h — state shared by the compiler's passes (compile.c builds the
 * rule tree and groups, lower.c turns bodies into IR, emit.c into bytecode).
 * Not part of any public interface. */
#ifndef VERDICT_COMPILER_H
#define VERDICT_COMPILER_H

#include <stdbool.h>

#include "ast.h"
#include "caps.h"
#include "compile.h"
#include "ir.h"
#include "program.h"

/* OPA's compiler runs in stages and stops after the first stage that
 * reports an error; Verdict finds errors in other passes (the lowering finds
 * most of them), so each error is tagged with the OPA stage that would have
 * found it, and a compile reports only the errors of the earliest stage
 * (compile.c: finish_errors).  In OPA's order: */
enum compile_stage {
    STAGE_RESOLVE_REFS = 1,     /* unused imports (strict); args shadowing input/data */
    STAGE_RULE_HEAD_REFS,       /* ref heads the capabilities do not allow */
    STAGE_KEYWORD_OVERRIDES,    /* rules and variables shadowing input/data (strict, v1) */
    STAGE_IMPORTS,              /* duplicate imports (strict, v1) */
    STAGE_LOCAL_VARS,           /* var assigned above; unused declared/assigned vars and args */
    STAGE_TEMPLATE,
    STAGE_ANNOTATIONS,
    STAGE_WITH,
    STAGE_CONFLICTS,
    STAGE_UNDEFINED_FUNCS,      /* undefined functions, wrong number of arguments */
    STAGE_SAFETY,
    STAGE_RECURSION,
    STAGE_TYPES,
    STAGE_DEPRECATED,           /* deprecated builtins (strict, v1) */
};

/* One rule definition (a rule and its else chain) in a group. */
typedef struct cdef {
    ast_rule *rule;
    ast_term **rest;        /* GROUP_OBJECT: head ref operands after the group's path */
    int nrest;
    bool set_leaf;          /* GROUP_OBJECT: `contains` rule (the leaf is a set) */
} cdef;

typedef struct cgroup {
    group_kind kind;
    val *path;              /* array of string keys */
    char *name;
    cdef *defs;
    int ndefs, capdefs;
    ast_rule *default_rule;
    int node;
    int nparams;
    ast_module *mod;        /* module of the first definition */
} cgroup;

typedef struct cnode {
    val *key;
    int parent;
    int group;
    int *children;
    int nchildren, capchildren;
    bool has_rules;
    val *path;
} cnode;

typedef struct compiler {
    arena *a;               /* the program's arena */
    arena tmp;              /* scratch for the compile */
    rego_errors *errs;
    ast_module **mods;
    int nmods;
    ast_module **mods_by_file;  /* the modules sorted by file name, as OPA orders them
                                   for annotations (rego.metadata.*) */
    cnode *nodes;
    int nnodes, capnodes;
    cgroup *groups;
    int ngroups, capgroups;
    prog_proc *procs;
    int nprocs, capprocs;
    program *prog;
    bool coverage;          /* emit LINE probes */
    bool strict;            /* OPA's strict mode */
    const rego_caps *caps;  /* the program's capabilities (NULL: every builtin) */
    struct stub_def *stubs; /* builtins declared by caps but not implemented */
    prog_loc *probes;       /* coverage probes: one per (file, row) */
    int nprobes, capprobes;
    int **deps;             /* group -> groups it uses (recursion check) */
    int *ndeps, *capdeps;
} compiler;

/* Procedure under construction. */
typedef struct pbuild {
    compiler *c;
    uint32_t nregs, niters, nparams;
    val **k;
    uint32_t nk, capk;
    prog_loc *locs;
    uint32_t nlocs, caplocs;
    const builtin_def **bi;
    uint32_t nbi, capbi;
    with_desc *withs;
    uint32_t nwiths, capwiths;
} pbuild;

uint32_t pb_reg(pbuild *pb);                   /* a fresh register */
uint32_t pb_regs(pbuild *pb, uint32_t n);      /* n consecutive fresh registers */
uint32_t pb_iter(pbuild *pb);
uint32_t pb_const(pbuild *pb, val *v);
uint32_t pb_loc(pbuild *pb, const ast_loc *loc);
uint32_t pb_builtin(pbuild *pb, const builtin_def *bi);
uint32_t pb_with(pbuild *pb, with_desc d);
/* Finish: emit the block as bytecode and add the procedure to the program. */
int pb_finish(pbuild *pb, ir_block *body, const char *name);

/* Tree lookups used by lower.c. */
int tree_child(const compiler *c, int node, const char *key, size_t len);
int group_by_path(const compiler *c, val *const *keys, int n);   /* -1 if none */

/* The coverage probe of a source line (one per file and row). */
/* realloc to hold `need` elements, doubling *cap; aborts when memory runs
 * out (compiling runs outside the evaluation limits) */
void *compile_grow(void *p, int *cap, int need, size_t elem);
uint32_t compile_probe(compiler *c, const ast_loc *loc);
void compile_note_dep(compiler *c, int from_group, int to_group);
void compile_note_node_dep(compiler *c, int from_group, int node);

/* Global error helpers: an error found by `stage` (enum compile_stage). */
void compile_error(compiler *c, int stage, const char *code, const ast_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The builtin a call may use under the capabilities: Verdict's own, a stub
 * for one the capabilities declare but Verdict does not implement (its
 * evaluation fails), or NULL when the capabilities do not list it. */
const builtin_def *compile_builtin(compiler *c, const char *name);

/* strict.c: the checks of one module that OPA's early stages make (unused
 * imports, duplicate imports, input/data shadowing, unused local
 * variables and arguments, deprecated builtins). */
void compile_check_module(compiler *c, ast_module *m);

/* lower.c: build the procedure for one definition of a group (returns proc id). */
int lower_definition(compiler *c, int group, const cdef *def);
/* lower.c: the procedure of a query (YIELD at each solution). */
int lower_query(compiler *c, ast_body *body, ast_module *ctx_mod, query_shape *shape);

#endif
