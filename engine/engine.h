/* engine.h — the engine behind verdict.h: snapshots, the module set,
 * transactions that change them, and error lists.  Internal to engine/. */
#ifndef VERDICT_ENGINE_H
#define VERDICT_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "../include/verdict.h"
#include "../rego/ast.h"
#include "../rego/compile.h"
#include "arena.h"
#include "value.h"
#include "vm.h"

/* ---- error lists (errors.c) ---- */
verdict_errors *errs_new(void);
void errs_add(verdict_errors *e, const char *code, const char *msg, const char *file, int row, int col);

/* The arena of a public verdict_doc (value_api.c): decisions returned as
 * values are made there. */
arena *verdict_doc_arena(verdict_doc *d);
void errs_from_rego(verdict_errors *e, const rego_errors *re);
size_t errs_count(const verdict_errors *e);
/* Hand the list to the caller (or drop it); returns VERDICT_ERROR. */
verdict_status fail_with(verdict_errors *e, verdict_errors **out);

/* ---- snapshots ---- */

/* An arena holding part of a base document.  Documents share subtrees
 * across snapshots, so each snapshot references every part its document
 * points into. */
typedef struct data_part {
    atomic_int refs;
    arena *a;
} data_part;

typedef struct prog_ref {
    atomic_int refs;
    program *p;
} prog_ref;

typedef struct bundle_state {
    char *name;
    char *revision;
    char **roots;           /* "" is the whole of data */
    int nroots;
    char *metadata_json;    /* or NULL */
    int64_t activated_ns;   /* wall clock of the activation */
} bundle_state;

typedef struct snapshot {
    atomic_int refs;
    prog_ref *prog;
    val *data;
    data_part **parts;
    int nparts;
    bundle_state *bundles;
    int nbundles;
    uint64_t generation;    /* increases with every change: the decision cache's key */
} snapshot;

void snapshot_release(snapshot *s);

/* ---- the engine ---- */

typedef struct module_entry {
    char *id;               /* file name, or "<bundle>/<path>" for bundle modules */
    char *owner;            /* bundle name, or NULL */
    char *text;
    size_t len;
    arena *a;
    ast_module *m;
} module_entry;

typedef struct staged_doc {
    char *source;
    val **keys;
    int nkeys;
    val *doc;               /* in the engine's stage arena */
} staged_doc;

/* Counters bumped by every evaluation, striped across cache lines so that
 * threads do not fight over one. */
enum { STAT_EVALUATIONS, STAT_EVAL_NS, STAT_CACHE_HITS, STAT_CACHE_MISSES, STAT__COUNT };
#define STAT_STRIPES 8
typedef struct stat_stripe {
    _Alignas(64) atomic_uint_fast64_t v[STAT__COUNT];
} stat_stripe;

struct verdict_engine {
    verdict_options opts;   /* opts.capabilities is not kept: caps is */
    arena *caps_arena;      /* owns caps */
    struct rego_caps *caps; /* the capabilities document, or NULL */
    uint64_t id;            /* unique per engine (never reused, unlike its address) */
    pthread_mutex_t lock;   /* changes; evaluations read `active` without it */
    _Atomic(snapshot *) active;
    module_entry *mods;     /* the active module set */
    int nmods;
    module_entry *staged;   /* verdict_add_module */
    int nstaged;
    arena *stage_arena;
    staged_doc *sdata;      /* verdict_add_data_* */
    int nsdata, capsdata;
    struct dcache *cache;   /* decisions of verdict_eval / verdict_allow, or NULL */
    stat_stripe stats[STAT_STRIPES];
};

/* A reference to the active snapshot (release with snapshot_release). */
snapshot *engine_acquire(verdict_engine *eng);
/* The active snapshot, borrowed: valid until this thread's next call for
 * the same engine.  The thread keeps a reference, so in the steady state
 * an evaluation writes nothing shared to find its snapshot. */
snapshot *engine_use(verdict_engine *eng);
void engine_stat(verdict_engine *eng, int which, uint64_t delta);
uint64_t engine_stat_sum(verdict_engine *eng, int which);
/* One VM per thread, reused across evaluations. */
vm *engine_thread_vm(void);
/* This thread's front decision cache (cache.h), or NULL. */
struct dcache_l1 *engine_thread_l1(void);

/* Split "a/b", "/a/b" or "" into string keys in arena a. */
int engine_split_path(arena *a, const char *path, val ***keys);

#endif
