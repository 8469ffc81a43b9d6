/* program.h — what the compiler produces and the VM runs.
 *
 * A program is the compiled form of a set of modules: procedures of
 * bytecode (opcodes.h), the rule groups they make up, and the tree of
 * packages and rules under `data` used to build virtual documents.
 * Everything lives in the program's arena and is immutable once built, so
 * any number of evaluations may share one program.
 *
 * Rule groups.  All definitions of one rule path (e.g. every `allow if ...`
 * of package authz) form a group.  Each definition (with its else chain) is
 * one procedure; the VM evaluates a group by running the definitions that
 * the group's index lets through, collecting their results (conflicts are
 * errors), then applying the default. */
#ifndef VERDICT_PROGRAM_H
#define VERDICT_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine/arena.h"
#include "../engine/builtins.h"
#include "../engine/value.h"
#include "opcodes.h"

typedef struct prog_loc {
    const char *file;
    int row, col;
} prog_loc;

/* One `with` modifier list (`expr with a as x with b as y`). */
typedef enum with_target_kind {
    WITH_INPUT,         /* with input[.path] as v */
    WITH_DATA,          /* with data.path as v */
    WITH_BUILTIN,       /* with count as v / with count as f */
    WITH_FUNCTION,      /* with data.pkg.f as v / ... as g */
} with_target_kind;

typedef enum with_repl_kind {
    WITH_VALUE,         /* replaced by a value (register B + index) */
    WITH_BY_BUILTIN,    /* replaced by another builtin */
    WITH_BY_FUNCTION,   /* replaced by a user function group */
} with_repl_kind;

typedef struct with_entry {
    with_target_kind target;
    val *path;                      /* INPUT/DATA: array of keys below input/data */
    const builtin_def *bi;          /* BUILTIN target */
    int group;                      /* FUNCTION target */
    with_repl_kind repl;
    const builtin_def *repl_bi;
    int repl_group;
} with_entry;

typedef struct with_desc {
    with_entry *entries;
    int n;
} with_desc;

typedef struct prog_proc {
    const uint32_t *code;
    uint32_t ncode;
    uint32_t nregs;             /* registers R[0 .. nregs) */
    uint32_t niters;            /* iterator slots */
    uint32_t nparams;           /* arguments arrive in R[0 .. nparams) */
    val **k;                    /* constants */
    uint32_t nk;
    prog_loc *locs;
    uint32_t nlocs;
    const builtin_def **bi;
    uint32_t nbi;
    with_desc *withs;
    uint32_t nwiths;
    const char *name;           /* for listings and errors */
} prog_proc;

typedef enum group_kind {
    GROUP_COMPLETE,             /* single value */
    GROUP_SET,                  /* partial set: `p contains x` */
    GROUP_OBJECT,               /* generic ref head (`p[k] := v`, `a.b[x].c contains y`) */
    GROUP_FUNCTION,
} group_kind;

/* Rule indexing: the group's definitions keyed by the value of one
 * reference that each indexed definition compares with a constant. */
typedef struct prog_index {
    bool on_input;              /* the reference starts at input (else data) */
    val *path;                  /* keys below input / data */
    val *keys;                  /* object: constant -> array of definition positions */
    uint32_t *always;           /* definitions without such a comparison */
    uint32_t nalways;
} prog_index;

typedef struct prog_group {
    group_kind kind;
    const char *name;           /* "data.pkg.p" */
    val *path;                  /* array of string keys below data */
    int node;                   /* tree node of the group */
    uint32_t *defs;             /* procedure ids, in source order */
    uint32_t ndefs;
    val *default_value;         /* or NULL */
    int default_proc;           /* a default that must be computed (e.g. a comprehension); -1 if none */
    uint32_t nparams;           /* functions */
    bool stop_early;            /* every definition yields the same constant: the first success decides */
    prog_index *index;          /* or NULL */
    int memo;                   /* memo slot; -1 for functions */
    prog_loc loc;
} prog_group;

typedef struct prog_node {
    val *key;                   /* string key under the parent (NULL for the root) */
    int parent;
    int group;                  /* -1 when no rule is defined at exactly this path */
    int *children;              /* child nodes, sorted by key */
    int nchildren;
    bool has_rules;             /* a group here or anywhere below */
    val *path;                  /* array of keys from data */
    int memo;                   /* memo slot for its virtual document */
} prog_node;

typedef struct program {
    arena *a;                   /* owns everything below */
    prog_proc *procs;
    uint32_t nprocs;
    prog_group *groups;
    uint32_t ngroups;
    prog_node *nodes;           /* nodes[0] is data */
    uint32_t nnodes;
    uint32_t nmemo;             /* memo slots for groups and nodes */
    prog_loc *probes;           /* coverage: the source line of each LINE probe */
    uint32_t nprobes;
    unsigned char *hits;        /* coverage: probe i executed (written by evaluations) */
    const struct rego_caps *caps;   /* the capabilities it was compiled with (a copy in the
                                       program's arena; queries are compiled with them), or NULL */
} program;

void program_free(program *p);
/* A readable listing of every procedure (verdict eval --dump-bytecode). */
struct strbuf;
void program_dump(struct strbuf *sb, const program *p);
void program_dump_proc(struct strbuf *sb, const program *p, const prog_proc *proc);

#endif
