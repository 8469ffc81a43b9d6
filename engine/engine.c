/* engine.c — the engine's state and every change to it.
 *
 * The active snapshot (program + base document + bundle states) is
 * immutable.  A change — a commit of staged modules and data, a data write,
 * a policy upload, a bundle or delta bundle — is a transaction: under the
 * engine's lock it builds a new document (copying only the paths it writes,
 * store.c), recompiles only if modules changed, and swaps the active pointer.
 * A transaction that fails changes nothing.  Evaluations take a reference to
 * the snapshot that is active when they start and never wait for a change. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../rego/caps.h"
#include "cache.h"
#include "json.h"
#include "store.h"
#include "strbuf.h"
#include "yaml.h"

#define MAX_PARTS 24 /* beyond this many arenas, a document is copied into one */

/* ---- parts, programs, snapshots ---- */

static data_part *part_new(void)
{
    data_part *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->a = arena_new(64 * 1024);
    if (!p->a) {
        free(p);
        return NULL;
    }
    atomic_init(&p->refs, 1);
    return p;
}

static void part_release(data_part *p)
{
    if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
        arena_free(p->a);
        free(p);
    }
}

static void prog_release(prog_ref *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        program_free(r->p);
        free(r);
    }
}

static void bundle_state_free(bundle_state *b)
{
    free(b->name);
    free(b->revision);
    for (int i = 0; i < b->nroots; i++)
        free(b->roots[i]);
    free(b->roots);
    free(b->metadata_json);
}

static void bundle_state_copy(bundle_state *dst, const bundle_state *src)
{
    dst->name = strdup(src->name);
    dst->revision = strdup(src->revision ? src->revision : "");
    dst->nroots = src->nroots;
    dst->roots = calloc((size_t)src->nroots + 1, sizeof *dst->roots);
    for (int i = 0; i < src->nroots; i++)
        dst->roots[i] = strdup(src->roots[i]);
    dst->metadata_json = src->metadata_json ? strdup(src->metadata_json) : NULL;
    dst->activated_ns = src->activated_ns;
}

void snapshot_release(snapshot *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    prog_release(s->prog);
    for (int i = 0; i < s->nparts; i++)
        part_release(s->parts[i]);
    free(s->parts);
    for (int i = 0; i < s->nbundles; i++)
        bundle_state_free(&s->bundles[i]);
    free(s->bundles);
    free(s);
}

snapshot *engine_acquire(verdict_engine *eng)
{
    /* the lock keeps a commit from releasing the snapshot between the load and the increment */
    pthread_mutex_lock(&eng->lock);
    snapshot *s = atomic_load(&eng->active);
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&eng->lock);
    return s;
}

/* What each thread keeps: its VM, and references to the snapshots of the
 * engines it evaluated on last. */
#define THREAD_SNAPS 4
typedef struct thread_state {
    vm *V;
    dcache_l1 *l1;              /* decisions this thread made or fetched lately */
    struct {
        uint64_t engine_id;
        snapshot *s;
    } snaps[THREAD_SNAPS];
    unsigned next;
    unsigned stripe;
} thread_state;

static pthread_key_t ts_key;
static pthread_once_t ts_once = PTHREAD_ONCE_INIT;
static atomic_uint thread_counter;

static void ts_destroy(void *p)
{
    thread_state *ts = p;
    vm_free(ts->V);
    dcache_l1_free(ts->l1);
    for (int i = 0; i < THREAD_SNAPS; i++)
        snapshot_release(ts->snaps[i].s);
    free(ts);
}

static void ts_key_init(void) { pthread_key_create(&ts_key, ts_destroy); }

static thread_state *thread_state_get(void)
{
    pthread_once(&ts_once, ts_key_init);
    thread_state *ts = pthread_getspecific(ts_key);
    if (!ts) {
        ts = calloc(1, sizeof *ts);
        if (!ts)
            return NULL;
        ts->stripe = atomic_fetch_add(&thread_counter, 1) % STAT_STRIPES;
        pthread_setspecific(ts_key, ts);
    }
    return ts;
}

vm *engine_thread_vm(void)
{
    thread_state *ts = thread_state_get();
    if (!ts)
        return NULL;
    if (!ts->V)
        ts->V = vm_new();
    return ts->V;
}

dcache_l1 *engine_thread_l1(void)
{
    thread_state *ts = thread_state_get();
    if (!ts)
        return NULL;
    if (!ts->l1)
        ts->l1 = dcache_l1_new();
    return ts->l1;
}

snapshot *engine_use(verdict_engine *eng)
{
    thread_state *ts = thread_state_get();
    if (!ts)
        return NULL;
    snapshot *active = atomic_load(&eng->active);
    for (int i = 0; i < THREAD_SNAPS; i++)
        if (ts->snaps[i].engine_id == eng->id) {
            /* we hold a reference to snaps[i].s, so if it is still the active
             * snapshot the pointers are equal and nothing needs to change */
            if (ts->snaps[i].s == active)
                return active;
            snapshot_release(ts->snaps[i].s);
            ts->snaps[i].s = engine_acquire(eng);
            return ts->snaps[i].s;
        }
    unsigned slot = ts->next++ % THREAD_SNAPS;
    snapshot_release(ts->snaps[slot].s);
    ts->snaps[slot].engine_id = eng->id;
    ts->snaps[slot].s = engine_acquire(eng);
    return ts->snaps[slot].s;
}

void engine_stat(verdict_engine *eng, int which, uint64_t delta)
{
    thread_state *ts = thread_state_get();
    unsigned stripe = ts ? ts->stripe : 0;
    atomic_fetch_add_explicit(&eng->stats[stripe].v[which], delta, memory_order_relaxed);
}

uint64_t engine_stat_sum(verdict_engine *eng, int which)
{
    uint64_t n = 0;
    for (int i = 0; i < STAT_STRIPES; i++)
        n += atomic_load(&eng->stats[i].v[which]);
    return n;
}

int engine_split_path(arena *a, const char *path, val ***keys)
{
    int n = 0;
    val **k = arena_alloc(a, sizeof *k * (strlen(path) + 1));
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        k[n++] = val_string(a, p, len);
        p += len;
    }
    *keys = k;
    return n;
}

/* ---- the engine ---- */

/* The options' capabilities document, read into the engine. */
static bool read_capabilities(verdict_engine *eng, const char *text, verdict_errors *e)
{
    if (!text)
        return true;
    eng->caps_arena = arena_new(64 * 1024);
    if (!eng->caps_arena) {
        errs_add(e, "internal_error", "out of memory", "", 0, 0);
        return false;
    }
    char why[512];
    eng->caps = rego_caps_parse(eng->caps_arena, text, strlen(text), why, sizeof why);
    if (!eng->caps) {
        errs_add(e, "capabilities_error", why, "", 0, 0);
        return false;
    }
    return true;
}

static compile_opts engine_compile_opts(const verdict_engine *eng)
{
    compile_opts co = {
        .coverage = eng->opts.coverage != 0,
        .test_cases = eng->opts.test_cases != 0,
        .strict = eng->opts.strict != 0,
        .caps = eng->caps,
        .max_errors = eng->opts.max_errors,
    };
    return co;
}

verdict_status verdict_new_checked(const verdict_options *opts, verdict_engine **out, verdict_errors **errs)
{
    if (!out)
        return VERDICT_MISUSE;
    *out = NULL;
    verdict_errors *e = errs_new();
    if (!e)
        return VERDICT_NOMEM;
    verdict_engine *eng = calloc(1, sizeof *eng);
    if (!eng) {
        verdict_errors_free(e);
        return VERDICT_NOMEM;
    }
    if (opts)
        eng->opts = *opts;
    eng->opts.capabilities = NULL;
    pthread_mutex_init(&eng->lock, NULL);
    if (!read_capabilities(eng, opts ? opts->capabilities : NULL, e)) {
        arena_free(eng->caps_arena);
        pthread_mutex_destroy(&eng->lock);
        free(eng);
        return fail_with(e, errs);
    }
    eng->stage_arena = arena_new(64 * 1024);
    snapshot *s = calloc(1, sizeof *s);
    prog_ref *pr = calloc(1, sizeof *pr);
    rego_errors re = {0};
    compile_opts co = engine_compile_opts(eng);
    if (pr)
        pr->p = rego_compile_opts(NULL, 0, &co, &re);
    rego_errors_free(&re);
    if (!eng->stage_arena || !s || !pr || !pr->p) {
        if (pr)
            program_free(pr->p);
        free(pr);
        free(s);
        arena_free(eng->stage_arena);
        arena_free(eng->caps_arena);
        pthread_mutex_destroy(&eng->lock);
        free(eng);
        verdict_errors_free(e);
        return VERDICT_NOMEM;
    }
    verdict_errors_free(e);
    atomic_init(&pr->refs, 1);
    atomic_init(&s->refs, 1);
    s->prog = pr;
    s->data = VAL_EMPTY_OBJECT_V;
    atomic_init(&eng->active, s);
    static atomic_uint_fast64_t next_id = 1;
    eng->id = atomic_fetch_add(&next_id, 1);
    if (!eng->opts.cache_disabled)
        eng->cache = dcache_new(eng->opts.cache_bytes ? eng->opts.cache_bytes : (size_t)64 << 20);
    *out = eng;
    return VERDICT_OK;
}

verdict_engine *verdict_new(const verdict_options *opts)
{
    verdict_engine *eng = NULL;
    verdict_new_checked(opts, &eng, NULL);
    return eng;
}

static void module_entry_free(module_entry *m)
{
    free(m->id);
    free(m->owner);
    free(m->text);
    arena_free(m->a);
}

static void drop_staged(verdict_engine *eng)
{
    for (int j = 0; j < eng->nstaged; j++)
        module_entry_free(&eng->staged[j]);
    eng->nstaged = 0;
    for (int i = 0; i < eng->nsdata; i++)
        free(eng->sdata[i].source);
    eng->nsdata = 0;
    arena_reset(eng->stage_arena);
}

void verdict_free(verdict_engine *eng)
{
    if (!eng)
        return;
    snapshot_release(atomic_load(&eng->active));
    dcache_free(eng->cache);
    for (int i = 0; i < eng->nmods; i++)
        module_entry_free(&eng->mods[i]);
    free(eng->mods);
    drop_staged(eng);
    free(eng->staged);
    free(eng->sdata);
    arena_free(eng->stage_arena);
    arena_free(eng->caps_arena);
    pthread_mutex_destroy(&eng->lock);
    free(eng);
}

/* Parse a module into an entry of its own (arena, text kept for
 * GET /v1/policies).  NULL with errors added on a parse error. */
static module_entry *parse_module(verdict_engine *eng, module_entry *out, const char *id, const char *owner,
                                  const char *text, size_t len, int v0, verdict_errors *e)
{
    memset(out, 0, sizeof *out);
    arena *a = arena_new(64 * 1024);
    if (!a) {
        errs_add(e, "internal_error", "out of memory", id, 0, 0);
        return NULL;
    }
    rego_errors re = {0};
    parse_opts po = {.version = v0 || eng->opts.v0_compatible ? AST_REGO_V0 : AST_REGO_V1, .caps = eng->caps};
    ast_module *m = rego_parse_module(a, id, text ? text : "", len, &po, &re);
    if (!m) {
        errs_from_rego(e, &re);
        if (re.n == 0)
            errs_add(e, "rego_parse_error", "module could not be parsed", id, 0, 0);
        rego_errors_free(&re);
        arena_free(a);
        return NULL;
    }
    rego_errors_free(&re);
    out->id = strdup(id);
    out->owner = owner ? strdup(owner) : NULL;
    out->text = malloc(len + 1);
    if (out->text) {
        memcpy(out->text, text ? text : "", len);
        out->text[len] = 0;
    }
    out->len = len;
    out->a = a;
    out->m = m;
    return out;
}

/* ---- transactions ---- */

typedef struct txn {
    verdict_engine *eng;
    verdict_errors *errs;
    /* modules: the new set, built from the active one */
    module_entry *mods;
    int nmods, capmods;
    bool *keep;             /* per active module: still in the set */
    bool modules_changed;
    /* data */
    data_part *part;        /* new nodes of this transaction */
    val *data;
    bool data_changed;
    /* bundles: the new list */
    bundle_state *bundles;
    int nbundles;
    bool bundles_changed;
} txn;

static void txn_begin(txn *t, verdict_engine *eng)
{
    memset(t, 0, sizeof *t);
    t->eng = eng;
    t->errs = errs_new();
    t->keep = calloc((size_t)eng->nmods + 1, sizeof *t->keep);
    for (int i = 0; i < eng->nmods; i++)
        t->keep[i] = true;
    t->data = atomic_load(&eng->active)->data;
    snapshot *cur = atomic_load(&eng->active);
    t->nbundles = cur->nbundles;
    t->bundles = calloc((size_t)t->nbundles + 1, sizeof *t->bundles);
    for (int i = 0; i < t->nbundles; i++)
        bundle_state_copy(&t->bundles[i], &cur->bundles[i]);
}

static arena *txn_arena(txn *t)
{
    if (!t->part)
        t->part = part_new();
    return t->part ? t->part->a : NULL;
}

static void txn_add_module(txn *t, module_entry *m)
{
    /* a module with the same id replaces the active one (or an earlier one of this transaction) */
    for (int i = 0; i < t->eng->nmods; i++)
        if (t->keep[i] && strcmp(t->eng->mods[i].id, m->id) == 0)
            t->keep[i] = false;
    for (int i = 0; i < t->nmods; i++)
        if (strcmp(t->mods[i].id, m->id) == 0) {
            module_entry_free(&t->mods[i]);
            t->mods[i] = *m;
            t->modules_changed = true;
            return;
        }
    if (t->nmods == t->capmods) {
        int cap = t->capmods ? t->capmods * 2 : 8;
        module_entry *nm = realloc(t->mods, sizeof *nm * (size_t)cap);
        if (!nm) {
            errs_add(t->errs, "internal_error", "out of memory", "", 0, 0);
            module_entry_free(m);
            return;
        }
        t->mods = nm;
        t->capmods = cap;
    }
    t->mods[t->nmods++] = *m;
    t->modules_changed = true;
}

static bool txn_remove_module(txn *t, const char *id)
{
    bool found = false;
    for (int i = 0; i < t->eng->nmods; i++)
        if (t->keep[i] && strcmp(t->eng->mods[i].id, id) == 0)
            t->keep[i] = false, found = true;
    t->modules_changed |= found;
    return found;
}

static void txn_remove_owned(txn *t, const char *owner)
{
    for (int i = 0; i < t->eng->nmods; i++)
        if (t->keep[i] && t->eng->mods[i].owner && strcmp(t->eng->mods[i].owner, owner) == 0)
            t->keep[i] = false, t->modules_changed = true;
}

static bool txn_ok(const txn *t) { return errs_count(t->errs) == 0; }

static void txn_error(txn *t, const char *code, const char *msg, const char *file)
{
    errs_add(t->errs, code, msg, file ? file : "", 0, 0);
}

/* The storage error text "code: message" split for the error list. */
static void txn_storage_error(txn *t, const char *text, const char *file)
{
    const char *colon = strstr(text, ": ");
    if (colon) {
        char code[64];
        size_t n = (size_t)(colon - text) < sizeof code - 1 ? (size_t)(colon - text) : sizeof code - 1;
        memcpy(code, text, n);
        code[n] = 0;
        errs_add(t->errs, code, colon + 2, file ? file : "", 0, 0);
    } else {
        errs_add(t->errs, "storage_error", text, file ? file : "", 0, 0);
    }
}

static void txn_set_data(txn *t, val *const *keys, int n, val *doc, store_mode mode, const char *file)
{
    arena *a = txn_arena(t);
    if (!a)
        return txn_error(t, "internal_error", "out of memory", file);
    char err[600];
    val *root = store_set(a, t->data, keys, n, val_copy(a, doc), mode, err, sizeof err);
    if (!root)
        return txn_storage_error(t, err, file);
    t->data = root;
    t->data_changed = true;
}

static void txn_merge_data(txn *t, val *const *keys, int n, val *doc, const char *file)
{
    arena *a = txn_arena(t);
    if (!a)
        return txn_error(t, "internal_error", "out of memory", file);
    char err[600];
    val *root = store_merge(a, t->data, keys, n, val_copy(a, doc), err, sizeof err);
    if (!root) {
        errs_add(t->errs, "storage_write_conflict_error", err, file ? file : "", 0, 0);
        return;
    }
    if (root->kind != VAL_OBJECT)
        return txn_error(t, "storage_invalid_patch_error", "the root of data must be an object", file);
    t->data = root;
    t->data_changed = true;
}

static bool txn_remove_data(txn *t, val *const *keys, int n)
{
    arena *a = txn_arena(t);
    if (!a)
        return false;
    bool found;
    val *root = store_remove(a, t->data, keys, n, &found);
    if (found) {
        t->data = root;
        t->data_changed = true;
    }
    return found;
}

static void txn_abort(txn *t)
{
    for (int i = 0; i < t->nmods; i++)
        module_entry_free(&t->mods[i]);
    free(t->mods);
    free(t->keep);
    part_release(t->part);
    for (int i = 0; i < t->nbundles; i++)
        bundle_state_free(&t->bundles[i]);
    free(t->bundles);
}

/* Compile if needed and activate.  The engine's lock is held by the caller.
 * On failure nothing changes and the errors are in t->errs. */
static verdict_status txn_commit(txn *t, verdict_errors **errs)
{
    verdict_engine *eng = t->eng;
    snapshot *old = atomic_load(&eng->active);
    prog_ref *prog = NULL;
    if (txn_ok(t) && t->modules_changed) {
        int total = eng->nmods + t->nmods;
        ast_module **ms = malloc(sizeof *ms * (size_t)(total + 1));
        int n = 0;
        for (int i = 0; i < eng->nmods; i++)
            if (t->keep[i])
                ms[n++] = eng->mods[i].m;
        for (int i = 0; i < t->nmods; i++)
            ms[n++] = t->mods[i].m;
        rego_errors re = {0};
        compile_opts co = engine_compile_opts(eng);
        co.data = eng->opts.data_conflicts ? t->data : NULL;
        program *p = rego_compile_opts(ms, n, &co, &re);
        errs_from_rego(t->errs, &re);
        rego_errors_free(&re);
        free(ms);
        if (p && txn_ok(t)) {
            prog = calloc(1, sizeof *prog);
            if (prog) {
                atomic_init(&prog->refs, 1);
                prog->p = p;
            } else {
                program_free(p);
                txn_error(t, "internal_error", "out of memory", "");
            }
        } else {
            program_free(p);
            if (txn_ok(t))
                txn_error(t, "rego_compile_error", "compilation failed", "");
        }
    }
    if (!txn_ok(t)) {
        txn_abort(t);
        return fail_with(t->errs, errs);
    }
    if (!t->modules_changed && !t->data_changed && !t->bundles_changed) {
        txn_abort(t);
        verdict_errors_free(t->errs);
        return VERDICT_OK;
    }
    snapshot *s = calloc(1, sizeof *s);
    if (!s) {
        if (prog)
            prog_release(prog);
        txn_abort(t);
        txn_error(t, "internal_error", "out of memory", "");
        return fail_with(t->errs, errs);
    }
    atomic_init(&s->refs, 1);
    s->generation = old->generation + 1;
    if (prog) {
        s->prog = prog;
    } else {
        s->prog = old->prog;
        atomic_fetch_add(&s->prog->refs, 1);
    }
    /* the document: the old parts plus this transaction's, or one fresh copy
     * when too many small parts have piled up */
    s->data = t->data;
    if (t->data_changed && old->nparts + 1 > MAX_PARTS) {
        data_part *fresh = part_new();
        if (fresh) {
            s->data = val_copy(fresh->a, t->data);
            s->parts = malloc(sizeof *s->parts);
            s->parts[0] = fresh;
            s->nparts = 1;
        }
    }
    if (!s->parts) {
        s->parts = malloc(sizeof *s->parts * (size_t)(old->nparts + 1));
        for (int i = 0; i < old->nparts; i++) {
            s->parts[i] = old->parts[i];
            atomic_fetch_add(&s->parts[i]->refs, 1);
        }
        s->nparts = old->nparts;
        if (t->part && t->data_changed) {
            s->parts[s->nparts++] = t->part;
            t->part = NULL;
        }
    }
    s->bundles = t->bundles;
    s->nbundles = t->nbundles;
    t->bundles = NULL;
    t->nbundles = 0;
    /* the new module set */
    if (t->modules_changed) {
        module_entry *nm = malloc(sizeof *nm * (size_t)(eng->nmods + t->nmods + 1));
        int n = 0;
        for (int i = 0; i < eng->nmods; i++) {
            if (t->keep[i])
                nm[n++] = eng->mods[i];
            else
                module_entry_free(&eng->mods[i]);
        }
        for (int i = 0; i < t->nmods; i++)
            nm[n++] = t->mods[i];
        free(eng->mods);
        eng->mods = nm;
        eng->nmods = n;
        t->nmods = 0;
    }
    atomic_store(&eng->active, s);
    txn_abort(t); /* frees what the transaction still owns */
    verdict_errors_free(t->errs);
    snapshot_release(old);
    return VERDICT_OK;
}

/* ---- staged modules and data, then commit ---- */

verdict_status verdict_add_module(verdict_engine *eng, const char *filename, const char *text, size_t len,
                                  verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || !filename || (!text && len))
        return VERDICT_MISUSE;
    verdict_errors *e = errs_new();
    module_entry m;
    if (!parse_module(eng, &m, filename, NULL, text, len, 0, e))
        return fail_with(e, errs);
    verdict_errors_free(e);
    pthread_mutex_lock(&eng->lock);
    module_entry *st = realloc(eng->staged, sizeof *st * (size_t)(eng->nstaged + 1));
    if (!st) {
        pthread_mutex_unlock(&eng->lock);
        module_entry_free(&m);
        return VERDICT_NOMEM;
    }
    eng->staged = st;
    st[eng->nstaged++] = m;
    pthread_mutex_unlock(&eng->lock);
    return VERDICT_OK;
}

static verdict_status add_data(verdict_engine *eng, const char *path, const char *text, size_t len,
                               const char *source, int yaml, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || (!text && len))
        return VERDICT_MISUSE;
    pthread_mutex_lock(&eng->lock);
    json_error je;
    val *doc = yaml ? yaml_parse(eng->stage_arena, text ? text : "", len, &je)
                    : json_parse(eng->stage_arena, text ? text : "", len, 0, &je);
    if (!doc) {
        pthread_mutex_unlock(&eng->lock);
        verdict_errors *e = errs_new();
        errs_add(e, yaml ? "yaml_parse_error" : "json_parse_error", je.msg, source ? source : "", je.line, je.col);
        return fail_with(e, errs);
    }
    if (eng->nsdata == eng->capsdata) {
        int cap = eng->capsdata ? eng->capsdata * 2 : 8;
        staged_doc *sd = realloc(eng->sdata, sizeof *sd * (size_t)cap);
        if (!sd) {
            pthread_mutex_unlock(&eng->lock);
            return VERDICT_NOMEM;
        }
        eng->sdata = sd;
        eng->capsdata = cap;
    }
    staged_doc *sd = &eng->sdata[eng->nsdata++];
    sd->source = strdup(source ? source : "");
    sd->nkeys = engine_split_path(eng->stage_arena, path ? path : "", &sd->keys);
    sd->doc = doc;
    pthread_mutex_unlock(&eng->lock);
    return VERDICT_OK;
}

verdict_status verdict_add_data_json(verdict_engine *eng, const char *path, const char *json, size_t len,
                                     const char *source, verdict_errors **errs)
{
    return add_data(eng, path, json, len, source, 0, errs);
}

verdict_status verdict_add_data_yaml(verdict_engine *eng, const char *path, const char *yaml, size_t len,
                                     const char *source, verdict_errors **errs)
{
    return add_data(eng, path, yaml, len, source, 1, errs);
}

/* The data a reload starts from: only what the active bundles own. */
static void keep_bundle_data(txn *t)
{
    val *old = t->data;
    arena *a = txn_arena(t);
    if (!a)
        return txn_error(t, "internal_error", "out of memory", "");
    val *root = VAL_EMPTY_OBJECT_V;
    for (int b = 0; b < t->nbundles; b++)
        for (int r = 0; r < t->bundles[b].nroots; r++) {
            val **keys;
            int n = engine_split_path(a, t->bundles[b].roots[r], &keys);
            if (n == 0) {
                root = old;  /* a bundle owns all of data */
                continue;
            }
            val *v = store_get(old, keys, n);
            char err[600];
            val *next = v ? store_set(a, root, keys, n, v, STORE_UPSERT, err, sizeof err) : root;
            if (!next)
                return txn_storage_error(t, err, "");
            root = next;
        }
    t->data = root;
    t->data_changed = true;
}

static verdict_status commit_staged(verdict_engine *eng, bool replace, verdict_errors **errs);

void verdict_discard(verdict_engine *eng)
{
    if (!eng)
        return;
    pthread_mutex_lock(&eng->lock);
    drop_staged(eng);
    pthread_mutex_unlock(&eng->lock);
}

verdict_status verdict_commit(verdict_engine *eng, verdict_errors **errs)
{
    return commit_staged(eng, false, errs);
}

verdict_status verdict_commit_reload(verdict_engine *eng, verdict_errors **errs)
{
    return commit_staged(eng, true, errs);
}

static verdict_status commit_staged(verdict_engine *eng, bool replace, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng)
        return VERDICT_MISUSE;
    pthread_mutex_lock(&eng->lock);
    txn t;
    txn_begin(&t, eng);
    if (replace) {
        /* what did not come from a bundle goes; the staged set takes its place */
        for (int i = 0; i < eng->nmods; i++)
            if (!eng->mods[i].owner && t.keep[i])
                t.keep[i] = false, t.modules_changed = true;
        keep_bundle_data(&t);
    }
    for (int i = 0; i < eng->nstaged; i++)
        txn_add_module(&t, &eng->staged[i]);
    eng->nstaged = 0; /* the transaction owns the staged modules now */
    for (int i = 0; i < eng->nsdata && txn_ok(&t); i++) {
        staged_doc *sd = &eng->sdata[i];
        if (sd->nkeys == 0 && sd->doc->kind != VAL_OBJECT) {
            txn_error(&t, "storage_invalid_patch_error", "the root of data must be an object", sd->source);
            break;
        }
        txn_merge_data(&t, sd->keys, sd->nkeys, sd->doc, sd->source);
    }
    verdict_status st = txn_commit(&t, errs);
    drop_staged(eng);
    pthread_mutex_unlock(&eng->lock);
    return st;
}

/* ---- writes that take effect at once (OPA's /v1/data and /v1/policies) ---- */

/* A path inside an active bundle's roots belongs to that bundle. */
static const bundle_state *owner_of(const snapshot *s, val *const *keys, int n)
{
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < n; i++)
        sb_printf(&sb, "%s%s", i ? "/" : "", keys[i]->kind == VAL_STRING ? val_str(keys[i]) : "");
    const char *p = sb.data ? sb.data : "";
    const bundle_state *found = NULL;
    for (int b = 0; b < s->nbundles && !found; b++)
        for (int r = 0; r < s->bundles[b].nroots && !found; r++) {
            const char *root = s->bundles[b].roots[r];
            size_t rl = strlen(root), pl = strlen(p);
            /* the path is under the root, or the root is under the path */
            bool under = rl == 0 || (pl >= rl && memcmp(p, root, rl) == 0 && (p[rl] == 0 || p[rl] == '/'));
            bool over = pl == 0 || (rl > pl && memcmp(root, p, pl) == 0 && root[pl] == '/');
            if (under || over)
                found = &s->bundles[b];
        }
    sb_free(&sb);
    return found;
}

static verdict_status write_data(verdict_engine *eng, const char *path, const char *json, size_t len, int op,
                                 verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || !path)
        return VERDICT_MISUSE;
    pthread_mutex_lock(&eng->lock);
    txn t;
    txn_begin(&t, eng);
    arena *a = txn_arena(&t);
    val **keys;
    int n = a ? engine_split_path(a, path, &keys) : 0;
    const bundle_state *owner = a ? owner_of(atomic_load(&eng->active), keys, n) : NULL;
    if (!a) {
        txn_error(&t, "internal_error", "out of memory", "");
    } else if (owner) {
        char msg[512];
        snprintf(msg, sizeof msg, "path \"/%s\" is owned by bundle \"%s\"", path[0] == '/' ? path + 1 : path,
                 owner->name);
        txn_error(&t, "bundle_error", msg, "");
    } else if (op == 2) {
        if (!txn_remove_data(&t, keys, n)) {
            char msg[512];
            snprintf(msg, sizeof msg, "storage_not_found_error: /%s: document does not exist",
                     path[0] == '/' ? path + 1 : path);
            txn_storage_error(&t, msg, "");
        }
    } else {
        json_error je;
        val *doc = json_parse(a, json ? json : "", len, 0, &je);
        if (!doc) {
            errs_add(t.errs, "invalid_parameter", je.msg, "", je.line, je.col);
        } else if (op == 0) {
            txn_set_data(&t, keys, n, doc, STORE_UPSERT, "");
        } else {
            /* JSON Patch: [{"op", "path", "value"}], paths relative to `path` */
            if (doc->kind != VAL_ARRAY)
                txn_error(&t, "invalid_parameter", "patch must be an array of operations", "");
            for (uint32_t i = 0; txn_ok(&t) && i < val_len(doc); i++) {
                val *o = val_array_items(doc)[i];
                val *opv = o->kind == VAL_OBJECT ? val_object_get_str(o, "op", 2) : NULL;
                val *pv = o->kind == VAL_OBJECT ? val_object_get_str(o, "path", 4) : NULL;
                val *vv = o->kind == VAL_OBJECT ? val_object_get_str(o, "value", 5) : NULL;
                if (!opv || opv->kind != VAL_STRING || !pv || pv->kind != VAL_STRING) {
                    txn_error(&t, "invalid_parameter", "patch operation must have string \"op\" and \"path\"", "");
                    break;
                }
                val **sub;
                int ns = engine_split_path(a, val_str(pv), &sub);
                val **full = arena_alloc(a, sizeof *full * (size_t)(n + ns + 1));
                memcpy(full, keys, sizeof *full * (size_t)n);
                memcpy(full + n, sub, sizeof *full * (size_t)ns);
                const char *opn = val_str(opv);
                if (strcmp(opn, "remove") == 0) {
                    if (!txn_remove_data(&t, full, n + ns))
                        txn_error(&t, "storage_not_found_error", "document does not exist", "");
                } else if ((strcmp(opn, "add") == 0 || strcmp(opn, "replace") == 0) && vv) {
                    txn_set_data(&t, full, n + ns, vv, opn[0] == 'a' ? STORE_ADD : STORE_REPLACE, "");
                } else {
                    char msg[256];
                    snprintf(msg, sizeof msg, "invalid patch operation \"%s\"", opn);
                    txn_error(&t, "invalid_parameter", msg, "");
                }
            }
        }
        if (txn_ok(&t) && t.data->kind != VAL_OBJECT)
            txn_error(&t, "storage_invalid_patch_error", "the root of data must be an object", "");
    }
    verdict_status st = txn_commit(&t, errs);
    pthread_mutex_unlock(&eng->lock);
    return st;
}

verdict_status verdict_put_data(verdict_engine *eng, const char *path, const char *json, size_t len,
                                verdict_errors **errs)
{
    return write_data(eng, path, json, len, 0, errs);
}

verdict_status verdict_patch_data(verdict_engine *eng, const char *path, const char *patch_json, size_t len,
                                  verdict_errors **errs)
{
    return write_data(eng, path, patch_json, len, 1, errs);
}

verdict_status verdict_delete_data(verdict_engine *eng, const char *path, verdict_errors **errs)
{
    return write_data(eng, path, NULL, 0, 2, errs);
}

verdict_status verdict_put_module(verdict_engine *eng, const char *id, const char *text, size_t len,
                                  verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || !id || (!text && len))
        return VERDICT_MISUSE;
    verdict_errors *pe = errs_new();
    module_entry m;
    if (!parse_module(eng, &m, id, NULL, text, len, 0, pe))
        return fail_with(pe, errs);
    verdict_errors_free(pe);
    pthread_mutex_lock(&eng->lock);
    txn t;
    txn_begin(&t, eng);
    for (int i = 0; i < eng->nmods; i++)
        if (strcmp(eng->mods[i].id, id) == 0 && eng->mods[i].owner) {
            char msg[512];
            snprintf(msg, sizeof msg, "module \"%s\" is owned by bundle \"%s\"", id, eng->mods[i].owner);
            txn_error(&t, "bundle_error", msg, "");
        }
    if (txn_ok(&t))
        txn_add_module(&t, &m);
    else
        module_entry_free(&m);
    verdict_status st = txn_commit(&t, errs);
    pthread_mutex_unlock(&eng->lock);
    return st;
}

verdict_status verdict_delete_module(verdict_engine *eng, const char *id, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || !id)
        return VERDICT_MISUSE;
    pthread_mutex_lock(&eng->lock);
    txn t;
    txn_begin(&t, eng);
    if (!txn_remove_module(&t, id)) {
        char msg[512];
        snprintf(msg, sizeof msg, "policy id \"%s\" not found", id);
        txn_error(&t, "resource_not_found", msg, "");
    }
    verdict_status st = txn_commit(&t, errs);
    pthread_mutex_unlock(&eng->lock);
    return st;
}

char *verdict_modules_json(verdict_engine *eng)
{
    if (!eng)
        return NULL;
    strbuf sb = STRBUF_INIT;
    pthread_mutex_lock(&eng->lock);
    sb_putc(&sb, '[');
    for (int i = 0; i < eng->nmods; i++) {
        const module_entry *m = &eng->mods[i];
        sb_puts(&sb, i ? ",{\"id\":" : "{\"id\":");
        json_write_string(&sb, m->id, strlen(m->id), 0);
        sb_puts(&sb, ",\"raw\":");
        json_write_string(&sb, m->text ? m->text : "", m->len, 0);
        sb_putc(&sb, '}');
    }
    sb_putc(&sb, ']');
    pthread_mutex_unlock(&eng->lock);
    return sb_detach(&sb);
}

char *verdict_module_text(verdict_engine *eng, const char *id)
{
    if (!eng || !id)
        return NULL;
    char *out = NULL;
    pthread_mutex_lock(&eng->lock);
    for (int i = 0; i < eng->nmods && !out; i++)
        if (strcmp(eng->mods[i].id, id) == 0)
            out = strdup(eng->mods[i].text ? eng->mods[i].text : "");
    pthread_mutex_unlock(&eng->lock);
    return out;
}

uint64_t verdict_generation(verdict_engine *eng)
{
    snapshot *s = engine_acquire(eng);
    uint64_t g = s->generation;
    snapshot_release(s);
    return g;
}

/* ---- bundles ---- */

#include "../bundle/bundle.h"

static bundle_state *find_bundle(bundle_state *bs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(bs[i].name, name) == 0)
            return &bs[i];
    return NULL;
}

/* "a/b" as keys in arena a ("" is no keys: the whole document). */
static int root_keys(arena *a, const char *root, val ***keys) { return engine_split_path(a, root, keys); }

static void join_keys(strbuf *sb, char *const *keys, int n)
{
    for (int i = 0; i < n; i++)
        sb_printf(sb, "%s%s", i ? "/" : "", keys[i]);
}

/* A full bundle: it owns its roots; whatever was there (its previous
 * revision's data and modules) is replaced. */
static void txn_bundle(txn *t, const char *name, const bundle *b)
{
    arena *a = txn_arena(t);
    if (!a)
        return txn_error(t, "internal_error", "out of memory", name);
    /* roots must not overlap those of other active bundles */
    for (int i = 0; i < t->nbundles; i++) {
        if (strcmp(t->bundles[i].name, name) == 0)
            continue;
        for (int r = 0; r < b->nroots; r++)
            for (int q = 0; q < t->bundles[i].nroots; q++) {
                const char *x = t->bundles[i].roots[q], *y = b->roots[r];
                if (!bundle_roots_overlap(y, x))
                    continue;
                /* OPA's wording, bundle names in sorted order */
                const char *n1 = strcmp(t->bundles[i].name, name) < 0 ? t->bundles[i].name : name;
                const char *n2 = n1 == name ? t->bundles[i].name : name;
                char msg[1024];
                if (!x[0] || !y[0])
                    snprintf(msg, sizeof msg,
                             "bundles [%s, %s] have overlapping roots and cannot be activated simultaneously because "
                             "bundle(s) [%s] specify empty root paths ('') which overlap with any other bundle root",
                             n1, n2, !x[0] ? t->bundles[i].name : name);
                else if (strcmp(x, y) == 0)
                    snprintf(msg, sizeof msg,
                             "detected overlapping roots in manifests for these bundles: [%s, %s] (root %s is in "
                             "multiple bundles)", n1, n2, x);
                else
                    snprintf(msg, sizeof msg,
                             "detected overlapping roots in manifests for these bundles: [%s, %s] (%s overlaps %s)",
                             n1, n2, strlen(x) < strlen(y) ? x : y, strlen(x) < strlen(y) ? y : x);
                return txn_error(t, "bundle_error", msg, name);
            }
    }
    /* clear the previous revision's data and modules, and the new roots */
    bundle_state *prev = find_bundle(t->bundles, t->nbundles, name);
    for (int pass = 0; pass < 2; pass++) {
        int nr = pass == 0 ? (prev ? prev->nroots : 0) : b->nroots;
        for (int r = 0; r < nr; r++) {
            val **keys;
            int n = root_keys(a, pass == 0 ? prev->roots[r] : b->roots[r], &keys);
            if (n == 0) {
                t->data = VAL_EMPTY_OBJECT_V;
                t->data_changed = true;
            } else {
                txn_remove_data(t, keys, n);
            }
        }
    }
    txn_remove_owned(t, name);
    /* modules */
    for (int i = 0; i < b->nmodules && txn_ok(t); i++) {
        const bundle_module *bm = &b->modules[i];
        char id[2048];
        snprintf(id, sizeof id, "%s%s%s", name, bm->path[0] == '/' ? "" : "/", bm->path);
        module_entry m;
        if (parse_module(t->eng, &m, id, name, bm->text, bm->len, bm->rego_v0, t->errs))
            txn_add_module(t, &m);
    }
    /* data documents at the paths of their folders */
    for (int i = 0; i < b->ndata && txn_ok(t); i++) {
        const bundle_data *bd = &b->data[i];
        json_error je;
        val *doc = bd->is_yaml ? yaml_parse(a, bd->text, bd->len, &je) : json_parse(a, bd->text, bd->len, 0, &je);
        if (!doc) {
            errs_add(t->errs, bd->is_yaml ? "yaml_parse_error" : "json_parse_error", je.msg, bd->path, je.line, je.col);
            break;
        }
        val **keys = arena_alloc(a, sizeof *keys * (size_t)(bd->nkeys + 1));
        for (int k = 0; k < bd->nkeys; k++)
            keys[k] = val_cstring(a, bd->keys[k]);
        if (bd->nkeys == 0 && doc->kind != VAL_OBJECT) {
            txn_error(t, "bundle_error", "the data document at the root must be an object", bd->path);
            break;
        }
        txn_merge_data(t, keys, bd->nkeys, doc, bd->path);
    }
    /* the bundle's new state */
    if (!prev) {
        bundle_state *nb = realloc(t->bundles, sizeof *nb * (size_t)(t->nbundles + 1));
        if (!nb)
            return txn_error(t, "internal_error", "out of memory", name);
        t->bundles = nb;
        prev = &t->bundles[t->nbundles++];
        memset(prev, 0, sizeof *prev);
        prev->name = strdup(name);
    } else {
        free(prev->revision);
        for (int r = 0; r < prev->nroots; r++)
            free(prev->roots[r]);
        free(prev->roots);
        free(prev->metadata_json);
    }
    prev->revision = strdup(b->revision ? b->revision : "");
    prev->nroots = b->nroots;
    prev->roots = calloc((size_t)b->nroots + 1, sizeof *prev->roots);
    for (int r = 0; r < b->nroots; r++)
        prev->roots[r] = strdup(b->roots[r]);
    prev->metadata_json = b->metadata_json ? strdup(b->metadata_json) : NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    prev->activated_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    t->bundles_changed = true;
}

/* A delta bundle: patch operations on the data of the active bundle of the
 * same name; only the paths it touches are copied. */
static void txn_delta(txn *t, const char *name, const bundle *b)
{
    arena *a = txn_arena(t);
    bundle_state *base = find_bundle(t->bundles, t->nbundles, name);
    if (!a)
        return txn_error(t, "internal_error", "out of memory", name);
    if (!base) {
        char msg[512];
        snprintf(msg, sizeof msg, "delta bundle \"%s\" has no snapshot bundle to apply to", name);
        return txn_error(t, "bundle_error", msg, name);
    }
    /* a delta patches its base: it must have the same roots (OPA's rule) */
    bool same = b->nroots == base->nroots;
    for (int r = 0; same && r < b->nroots; r++) {
        bool found = false;
        for (int q = 0; q < base->nroots && !found; q++)
            found = strcmp(b->roots[r], base->roots[q]) == 0;
        same = found;
    }
    if (!same) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "delta bundle '%s' has wasm resolvers or manifest roots that are different from those in the store", name);
        return txn_error(t, "bundle_error", msg, name);
    }
    for (int i = 0; i < b->npatches && txn_ok(t); i++) {
        const bundle_patch *p = &b->patches[i];
        strbuf path = STRBUF_INIT;
        join_keys(&path, p->keys, p->nkeys);
        bool inside = false;
        for (int r = 0; r < base->nroots && !inside; r++)
            inside = bundle_root_contains(base->roots[r], path.data ? path.data : "");
        if (!inside) {
            char msg[1024];
            snprintf(msg, sizeof msg, "delta bundle \"%s\": path \"/%s\" is outside the bundle's roots", name,
                     path.data ? path.data : "");
            sb_free(&path);
            return txn_error(t, "bundle_error", msg, "patch.json");
        }
        sb_free(&path);
        val **keys = arena_alloc(a, sizeof *keys * (size_t)(p->nkeys + 1));
        for (int k = 0; k < p->nkeys; k++)
            keys[k] = val_cstring(a, p->keys[k]);
        if (p->op == BUNDLE_PATCH_REMOVE) {
            txn_remove_data(t, keys, p->nkeys);
            continue;
        }
        json_error je;
        val *v = json_parse(a, p->value ? p->value : "null", p->value ? p->value_len : 4, 0, &je);
        if (!v) {
            errs_add(t->errs, "bundle_error", je.msg, "patch.json", je.line, je.col);
            return;
        }
        txn_set_data(t, keys, p->nkeys, v, p->op == BUNDLE_PATCH_UPSERT ? STORE_UPSERT : STORE_REPLACE,
                     "patch.json");
    }
    if (txn_ok(t) && t->data->kind != VAL_OBJECT)
        txn_error(t, "bundle_error", "a delta may not replace the root of data with a non-object", "patch.json");
    free(base->revision);
    base->revision = strdup(b->revision ? b->revision : "");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    base->activated_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    t->bundles_changed = true;
}

static verdict_status activate(verdict_engine *eng, const char *name, const char *delta_target, bundle *b,
                               const char *source, verdict_errors **errs)
{
    pthread_mutex_lock(&eng->lock);
    txn t;
    txn_begin(&t, eng);
    if (b->is_delta)
        txn_delta(&t, delta_target ? delta_target : name, b);
    else
        txn_bundle(&t, name, b);
    verdict_status st = txn_commit(&t, errs);
    pthread_mutex_unlock(&eng->lock);
    bundle_free(b);
    (void)source;
    return st;
}

static void to_limits(const verdict_bundle_options *o, bundle_limits *lim, bundle_verify *v)
{
    memset(lim, 0, sizeof *lim);
    memset(v, 0, sizeof *v);
    if (!o)
        return;
    lim->max_total_bytes = o->max_bytes;
    v->key = o->verification_key;
    v->key_id = o->verification_key_id;
    v->alg = o->verification_alg;
    v->scope = o->scope;
    v->skip = o->skip_verification != 0;
}

static verdict_status read_failed(const char *source, const bundle_error *be, verdict_errors **errs)
{
    verdict_errors *e = errs_new();
    errs_add(e, "bundle_error", be->message, source ? source : "", 0, 0);
    return fail_with(e, errs);
}

verdict_status verdict_load_bundle_file(verdict_engine *eng, const char *name, const char *path,
                                        const verdict_bundle_options *opts, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || !name || !path)
        return VERDICT_MISUSE;
    bundle_limits lim;
    bundle_verify v;
    to_limits(opts, &lim, &v);
    bundle_error be;
    /* a directory is read as files; anything else as a .tar.gz */
    struct stat st;
    bool dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    bundle *b = dir ? bundle_read_dir(path, &lim, &v, &be) : bundle_read_file(path, &lim, &v, &be);
    if (!b)
        return read_failed(path, &be, errs);
    return activate(eng, name, opts ? opts->delta_target : NULL, b, path, errs);
}

verdict_status verdict_load_bundle_buffer(verdict_engine *eng, const char *name, const void *buf, size_t len,
                                          const verdict_bundle_options *opts, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || !name || (!buf && len))
        return VERDICT_MISUSE;
    bundle_limits lim;
    bundle_verify v;
    to_limits(opts, &lim, &v);
    bundle_error be;
    bundle *b = bundle_read_buffer(buf, len, &lim, &v, &be);
    if (!b)
        return read_failed(name, &be, errs);
    return activate(eng, name, opts ? opts->delta_target : NULL, b, name, errs);
}

char *verdict_bundles_json(verdict_engine *eng)
{
    if (!eng)
        return NULL;
    snapshot *s = engine_acquire(eng);
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, '{');
    for (int i = 0; i < s->nbundles; i++) {
        const bundle_state *b = &s->bundles[i];
        if (i)
            sb_putc(&sb, ',');
        json_write_string(&sb, b->name, strlen(b->name), 0);
        sb_puts(&sb, ":{\"name\":");
        json_write_string(&sb, b->name, strlen(b->name), 0);
        sb_puts(&sb, ",\"revision\":");
        json_write_string(&sb, b->revision, strlen(b->revision), 0);
        sb_puts(&sb, ",\"roots\":[");
        for (int r = 0; r < b->nroots; r++) {
            if (r)
                sb_putc(&sb, ',');
            json_write_string(&sb, b->roots[r], strlen(b->roots[r]), 0);
        }
        sb_printf(&sb, "],\"activated_ns\":%lld", (long long)b->activated_ns);
        if (b->metadata_json)
            sb_printf(&sb, ",\"metadata\":%s", b->metadata_json);
        sb_putc(&sb, '}');
    }
    sb_putc(&sb, '}');
    snapshot_release(s);
    return sb_detach(&sb);
}

char *verdict_bundle_revision(verdict_engine *eng, const char *name)
{
    if (!eng || !name)
        return NULL;
    snapshot *s = engine_acquire(eng);
    bundle_state *b = find_bundle(s->bundles, s->nbundles, name);
    char *rev = b ? strdup(b->revision) : NULL;
    snapshot_release(s);
    return rev;
}

/* ---- rules and coverage (verdict test) ---- */

char *verdict_rules_json(verdict_engine *eng)
{
    if (!eng)
        return NULL;
    snapshot *s = engine_acquire(eng);
    const program *p = s->prog->p;
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, '[');
    for (uint32_t g = 0; g < p->ngroups; g++) {
        const prog_group *grp = &p->groups[g];
        if (g)
            sb_putc(&sb, ',');
        sb_puts(&sb, "{\"path\":");
        json_write_string(&sb, grp->name, strlen(grp->name), 0);
        sb_puts(&sb, ",\"file\":");
        const char *file = grp->loc.file ? grp->loc.file : "";
        json_write_string(&sb, file, strlen(file), 0);
        sb_printf(&sb, ",\"row\":%d,\"col\":%d,\"function\":%s}", grp->loc.row, grp->loc.col,
                  grp->kind == GROUP_FUNCTION ? "true" : "false");
    }
    sb_putc(&sb, ']');
    snapshot_release(s);
    return sb_detach(&sb);
}

static void write_ranges(strbuf *sb, const int *rows, int n)
{
    sb_putc(sb, '[');
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && rows[j + 1] == rows[j] + 1)
            j++;
        sb_printf(sb, "%s{\"start\":{\"row\":%d},\"end\":{\"row\":%d}}", i ? "," : "", rows[i], rows[j]);
        i = j + 1;
    }
    sb_putc(sb, ']');
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* As Go prints a float64: the shortest text that reads back the same. */
static void write_pct(strbuf *sb, int covered, int total)
{
    double pct = total ? 100.0 * covered / total : 0;
    char buf[64];
    /* 0..100: fixed notation with the fewest decimals that read back exactly */
    for (int decimals = 0; decimals <= 17; decimals++) {
        snprintf(buf, sizeof buf, "%.*f", decimals, pct);
        if (strtod(buf, NULL) == pct)
            break;
    }
    sb_puts(sb, buf);
}

char *verdict_coverage_json(verdict_engine *eng)
{
    if (!eng)
        return NULL;
    snapshot *s = engine_acquire(eng);
    const program *p = s->prog->p;
    strbuf sb = STRBUF_INIT;
    int all_cov = 0, all_not = 0;
    /* files in order of name */
    const char **files = calloc((size_t)p->nprobes + 1, sizeof *files);
    int nfiles = 0;
    for (uint32_t i = 0; i < p->nprobes; i++) {
        int k;
        for (k = 0; k < nfiles; k++)
            if (strcmp(files[k], p->probes[i].file) == 0)
                break;
        if (k == nfiles)
            files[nfiles++] = p->probes[i].file;
    }
    for (int i = 1; i < nfiles; i++)
        for (int j = i; j > 0 && strcmp(files[j - 1], files[j]) > 0; j--) {
            const char *t = files[j];
            files[j] = files[j - 1];
            files[j - 1] = t;
        }
    sb_puts(&sb, "{\"files\":{");
    int *cov = malloc(sizeof *cov * ((size_t)p->nprobes + 1)), *notc = malloc(sizeof *notc * ((size_t)p->nprobes + 1));
    for (int f = 0; f < nfiles; f++) {
        int nc = 0, nn = 0;
        for (uint32_t i = 0; i < p->nprobes; i++) {
            if (strcmp(p->probes[i].file, files[f]) != 0)
                continue;
            if (__atomic_load_n(&p->hits[i], __ATOMIC_RELAXED))
                cov[nc++] = p->probes[i].row;
            else
                notc[nn++] = p->probes[i].row;
        }
        qsort(cov, (size_t)nc, sizeof *cov, cmp_int);
        qsort(notc, (size_t)nn, sizeof *notc, cmp_int);
        /* a line with any executed probe is covered */
        int m = 0;
        for (int i = 0; i < nn; i++) {
            bool also = false;
            for (int k = 0; k < nc && !also; k++)
                also = cov[k] == notc[i];
            if (!also && (m == 0 || notc[m - 1] != notc[i]))
                notc[m++] = notc[i];
        }
        nn = m;
        if (f)
            sb_putc(&sb, ',');
        json_write_string(&sb, files[f], strlen(files[f]), 0);
        sb_puts(&sb, ":{");
        if (nc) {
            sb_puts(&sb, "\"covered\":");
            write_ranges(&sb, cov, nc);
            sb_putc(&sb, ',');
        }
        if (nn) {
            sb_puts(&sb, "\"not_covered\":");
            write_ranges(&sb, notc, nn);
            sb_putc(&sb, ',');
        }
        sb_printf(&sb, "\"covered_lines\":%d,\"not_covered_lines\":%d,\"coverage\":", nc, nn);
        write_pct(&sb, nc, nc + nn);
        sb_putc(&sb, '}');
        all_cov += nc;
        all_not += nn;
    }
    sb_printf(&sb, "},\"covered_lines\":%d,\"not_covered_lines\":%d,\"coverage\":", all_cov, all_not);
    write_pct(&sb, all_cov, all_cov + all_not);
    sb_putc(&sb, '}');
    free(cov);
    free(notc);
    free(files);
    snapshot_release(s);
    return sb_detach(&sb);
}
