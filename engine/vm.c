/* vm.c — the bytecode interpreter.
 *
 * A procedure runs in a frame: nregs registers (val pointers, NULL meaning
 * undefined) and niters iterators, carved from the vm's stacks.  Rule and
 * function calls recurse in C (vm_group / vm_function run their definitions'
 * procedures); the compiler has rejected recursive rules, and a depth limit
 * guards the rest.  Results of rules are memoised per evaluation.
 *
 * Errors unwind with longjmp to the evaluation's entry; everything the
 * evaluation made is in its arena, so nothing leaks. */
#include "vm.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtins.h"
#include "json.h"

#define STACK_SLOTS (1u << 18)      /* registers of all live frames */
#define ITER_SLOTS (1u << 15)
#define MAX_DEPTH 400               /* nested rule/function calls */
#define TICK_SPAN 4096              /* instructions between limit checks */

typedef struct vm_iter {
    const val *coll;
    val *const *keys;       /* NULL for arrays (keys are the indexes) */
    val *const *vals;
    uint32_t pos, n;
} vm_iter;

/* Mutable collections live behind a register while being built. */
enum { B_ARR, B_SET, B_OBJ };
typedef struct vm_builder {
    int kind;
    union {
        val_arrb arr;
        val_setb set;
        val_objb obj;
    } u;
} vm_builder;

/* A generic rule's object, built path by path: entries are either final
 * values or nested trees (or sets being built). */
typedef struct tree_obj tree_obj;
enum { T_LEAF, T_TREE, T_SET };
typedef struct tree_ent {
    int kind;
    val *leaf;
    tree_obj *tree;
    val_setb *set;
} tree_ent;
struct tree_obj {
    val_objb keys;          /* key -> boxed index into ents */
    tree_ent *ents;
    uint32_t n, cap;
};

/* The value being collected for the group under evaluation. */
typedef struct vm_acc {
    const prog_group *g;
    val *value;             /* complete rules and functions */
    val_setb set;           /* partial sets */
    tree_obj *obj;          /* generic rules */
} vm_acc;

typedef struct overlay {
    val *path;              /* keys below data */
    val *value;
} overlay;

typedef struct mock {
    const with_entry *e;
    val *value;             /* WITH_VALUE replacement */
} mock;

typedef struct with_frame {
    val *input;
    val **memo;
    int noverlays, nmocks;
} with_frame;

#define MEMO_UNDEF ((val *)&memo_markers[0])
#define MEMO_BUSY ((val *)&memo_markers[1])
static const val memo_markers[2];

typedef struct bi_error_node {
    vm_error e;
    struct bi_error_node *next;
} bi_error_node;

struct vm {
    arena a;
    jmp_buf *jb;
    bool collect;           /* keep every builtin error (show_builtin_errors) */
    struct bi_error_node *collected, **collected_tail;  /* in the arena, in order */
    size_t ncollected;
    const program *prog;
    val *data;
    val *input;
    bool strict;
    strbuf *prints;
    strbuf *test_cases;
    val **memo;
    val **stack;
    uint32_t sp;
    vm_iter *iters;
    uint32_t ip;
    vm_acc *accs;
    int nacc, capacc;
    overlay *overlays;
    int noverlays, capoverlays;
    mock *mocks;
    int nmocks, capmocks;
    int mock_floor;         /* mocks below this index are hidden (inside a replacement) */
    with_frame *withs;
    int nwiths, capwiths;
    int depth;
    int64_t ticks;
    uint64_t instructions;
    uint64_t max_instructions;
    uint64_t deadline;      /* monotonic ns; 0 = none */
    int64_t now_ns;
    bool nondet;
    vm_row_fn on_row;
    void *row_ud;
    val_objb ndcache;       /* [builtin, args...] -> value, for non-deterministic builtins */
    /* last: the messages are large and rarely touched, and before the
     * fields above they moved those across cache lines at every change */
    vm_error err;
    vm_error deferred;      /* first builtin error under strict builtin errors */
};

/* ---- errors ---- */

static void vm_throw(vm *V, const char *code, const prog_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

static void vm_throw(vm *V, const char *code, const prog_loc *loc, const char *fmt, ...)
{
    V->err.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(V->err.message, sizeof V->err.message, fmt, ap);
    va_end(ap);
    if (loc)
        V->err.loc = *loc;
    else
        memset(&V->err.loc, 0, sizeof V->err.loc);
    if (!V->err.loc.file)
        V->err.loc.file = "";
    longjmp(*V->jb, 1);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int vm_charge(vm *V, uint64_t steps, char *msg, size_t n)
{
    V->instructions += steps;
    if (V->max_instructions && V->instructions > V->max_instructions) {
        snprintf(msg, n, "instruction limit exceeded (%llu)", (unsigned long long)V->max_instructions);
        return -1;
    }
    if (V->deadline && mono_ns() > V->deadline) {
        snprintf(msg, n, "timed out");
        return -1;
    }
    return 0;
}

/* Called every TICK_SPAN loop steps or calls. */
static void vm_check_limits(vm *V)
{
    uint64_t steps = TICK_SPAN - (uint64_t)(V->ticks > 0 ? V->ticks : 0);
    V->ticks = TICK_SPAN;
    char msg[64];
    if (vm_charge(V, steps, msg, sizeof msg) != 0)
        vm_throw(V, "eval_cancel_error", NULL, "%s", msg);
}

#define TICK(V)                                                                                    \
    do {                                                                                           \
        if (--(V)->ticks <= 0)                                                                     \
            vm_check_limits(V);                                                                    \
    } while (0)

/* ---- life cycle ---- */

vm *vm_new(void)
{
    vm *V = calloc(1, sizeof *V);
    if (!V)
        return NULL;
    arena_init(&V->a, 64 * 1024);
    V->stack = malloc(sizeof *V->stack * STACK_SLOTS);
    V->iters = malloc(sizeof *V->iters * ITER_SLOTS);
    if (!V->stack || !V->iters) {
        vm_free(V);
        return NULL;
    }
    return V;
}

void vm_free(vm *V)
{
    if (!V)
        return;
    arena_release(&V->a);
    free(V->stack);
    free(V->iters);
    free(V->accs);
    free(V->overlays);
    free(V->mocks);
    free(V->withs);
    free(V);
}

arena *vm_arena(vm *V) { return &V->a; }
void vm_set_input(vm *V, val *input) { V->input = input; }
const vm_error *vm_last_error(const vm *V) { return &V->err; }
bool vm_used_nondeterminism(const vm *V) { return V->nondet; }
uint64_t vm_instructions(const vm *V) { return V->instructions; }

void vm_begin(vm *V, const vm_eval_opts *o)
{
    arena_reset(&V->a);
    V->a.limit = o->limits.max_memory;
    V->prog = o->prog;
    V->data = o->data ? o->data : VAL_EMPTY_OBJECT_V;
    V->input = o->input;
    V->strict = o->strict_builtin_errors;
    V->collect = o->collect_builtin_errors && !V->strict;
    V->collected = NULL;
    V->collected_tail = &V->collected;
    V->ncollected = 0;
    V->prints = o->prints;
    V->test_cases = o->test_cases;
    V->memo = V->prog && V->prog->nmemo ? arena_zalloc(&V->a, sizeof *V->memo * V->prog->nmemo) : NULL;
    V->sp = V->ip = 0;
    V->nacc = V->noverlays = V->nmocks = V->nwiths = V->mock_floor = 0;
    V->depth = 0;
    V->ticks = TICK_SPAN;
    V->instructions = 0;
    V->max_instructions = o->limits.max_instructions;
    V->deadline = o->limits.timeout_ns ? mono_ns() + o->limits.timeout_ns : 0;
    V->now_ns = 0; /* read from the clock when a builtin first needs it */
    val_objb_init(&V->ndcache, &V->a);
    V->nondet = false;
    memset(&V->err, 0, sizeof V->err);
    memset(&V->deferred, 0, sizeof V->deferred);
}

static void *vgrow(void *p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return p;
    int c = *cap ? *cap * 2 : 8;
    while (c < need)
        c *= 2;
    void *q = realloc(p, (size_t)c * elem);
    if (!q)
        return NULL;
    *cap = c;
    return q;
}

/* ---- lookups ---- */

/* x[key] for a collection x; NULL when undefined. */
static val *index_value(const val *x, const val *key)
{
    switch (x->kind) {
    case VAL_OBJECT:
        return val_object_get(x, key);
    case VAL_ARRAY: {
        if (key->kind != VAL_NUMBER)
            return NULL;
        int64_t i;
        if (val_is_int(key))
            i = val_int_value(key);
        else
            return NULL; /* 1.0 is not an array index in OPA */
        if (i < 0 || (uint64_t)i >= val_len(x))
            return NULL;
        return val_array_items(x)[i];
    }
    case VAL_SET: {
        long pos = val_set_find(x, key);
        return pos < 0 ? NULL : val_set_items(x)[pos];
    }
    default:
        return NULL;
    }
}

static val *path_get(val *v, val *path, uint32_t from)
{
    for (uint32_t i = from; v && i < val_len(path); i++)
        v = index_value(v, val_array_items(path)[i]);
    return v;
}

/* A copy of v with the value at path[from..] replaced by x (objects are
 * created along the way as OPA's `with` does). */
static val *path_set(vm *V, val *v, val *path, uint32_t from, val *x)
{
    if (from == val_len(path))
        return x;
    val *key = val_array_items(path)[from];
    val *child = v && v->kind == VAL_OBJECT ? val_object_get(v, key) : NULL;
    val *nc = path_set(V, child, path, from + 1, x);
    val_objb b;
    val_objb_init(&b, &V->a);
    if (v && v->kind == VAL_OBJECT)
        for (uint32_t i = 0; i < val_len(v); i++)
            val_objb_set(&b, val_object_keys(v)[i], val_object_values(v)[i]);
    val_objb_set(&b, key, nc);
    return val_objb_finish(&b);
}

/* Is a a prefix of b (both key arrays)? */
static bool path_prefix(val *a, val *b)
{
    if (val_len(a) > val_len(b))
        return false;
    for (uint32_t i = 0; i < val_len(a); i++)
        if (!val_equal(val_array_items(a)[i], val_array_items(b)[i]))
            return false;
    return true;
}

/* Apply `with data...` overrides to the document v found at path. */
static val *apply_overlays(vm *V, val *path, val *v, bool *replaced)
{
    if (replaced)
        *replaced = false;
    for (int i = 0; i < V->noverlays; i++) {
        overlay *o = &V->overlays[i];
        if (path_prefix(o->path, path)) {
            v = path_get(o->value, path, val_len(o->path));
            if (replaced)
                *replaced = true;
        } else if (path_prefix(path, o->path)) {
            v = path_set(V, v, o->path, val_len(path), o->value);
        }
    }
    return v;
}

/* Base data by a path of keys: string keys index arrays too ("2" is index 2),
 * as OPA's storage paths do. */
static val *store_get(val *v, val *path)
{
    for (uint32_t i = 0; v && i < val_len(path); i++) {
        val *k = val_array_items(path)[i];
        if (v->kind == VAL_ARRAY && k->kind == VAL_STRING) {
            const char *s = val_str(k);
            uint32_t n = val_len(k);
            uint64_t idx = 0;
            bool ok = n > 0 && n < 10 && (n == 1 || s[0] != '0');
            for (uint32_t j = 0; ok && j < n; j++) {
                ok = s[j] >= '0' && s[j] <= '9';
                idx = idx * 10 + (uint64_t)(s[j] - '0');
            }
            v = ok && idx < val_len(v) ? val_array_items(v)[idx] : NULL;
        } else {
            v = index_value(v, k);
        }
    }
    return v;
}

static val *data_lookup(vm *V, val *path)
{
    val *v = store_get(V->data, path);
    if (V->noverlays)
        v = apply_overlays(V, path, v, NULL);
    return v;
}

/* ---- builders and accumulators ---- */

static vm_builder *builder_new(vm *V, int kind)
{
    vm_builder *b = arena_alloc(&V->a, sizeof *b);
    b->kind = kind;
    if (kind == B_ARR)
        val_arrb_init(&b->u.arr, &V->a);
    else if (kind == B_SET)
        val_setb_init(&b->u.set, &V->a);
    else
        val_objb_init(&b->u.obj, &V->a);
    return b;
}

static tree_obj *tree_new(vm *V)
{
    tree_obj *t = arena_zalloc(&V->a, sizeof *t);
    val_objb_init(&t->keys, &V->a);
    return t;
}

static tree_ent *tree_slot(vm *V, tree_obj *t, val *key, bool *fresh)
{
    val *idx = val_objb_get(&t->keys, key);
    if (idx) {
        *fresh = false;
        return &t->ents[val_int_value(idx)];
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        tree_ent *e = arena_alloc(&V->a, sizeof *e * cap);
        if (t->n)
            memcpy(e, t->ents, sizeof *e * t->n);
        t->ents = e;
        t->cap = cap;
    }
    val_objb_set(&t->keys, key, val_int(&V->a, t->n));
    tree_ent *e = &t->ents[t->n++];
    memset(e, 0, sizeof *e);
    *fresh = true;
    return e;
}

static val *tree_finish(vm *V, tree_obj *t)
{
    val_objb out;
    val_objb_init(&out, &V->a);
    val_objb *k = &t->keys;
    for (uint32_t i = 0; i < k->n; i++) {
        tree_ent *e = &t->ents[val_int_value(k->values[i])];
        val *v = e->kind == T_LEAF ? e->leaf : e->kind == T_TREE ? tree_finish(V, e->tree) : val_setb_finish(e->set);
        val_objb_set(&out, k->keys[i], v);
    }
    return val_objb_finish(&out);
}

static void tree_insert(vm *V, tree_obj *t, val *const *path, uint32_t n, val *x, bool set_leaf,
                        const prog_loc *loc)
{
    for (uint32_t i = 0; i < n; i++) {
        bool fresh;
        tree_ent *e = tree_slot(V, t, path[i], &fresh);
        bool last = i == n - 1;
        if (last && !set_leaf) {
            if (fresh) {
                e->kind = T_LEAF;
                e->leaf = x;
            } else if (e->kind != T_LEAF || !val_equal(e->leaf, x)) {
                vm_throw(V, "eval_conflict_error", loc, "object keys must be unique");
            }
            return;
        }
        if (last && set_leaf) {
            if (fresh) {
                e->kind = T_SET;
                e->set = arena_alloc(&V->a, sizeof *e->set);
                val_setb_init(e->set, &V->a);
            } else if (e->kind != T_SET) {
                vm_throw(V, "eval_conflict_error", loc, "object keys must be unique");
            }
            val_setb_add(e->set, x);
            return;
        }
        if (fresh) {
            e->kind = T_TREE;
            e->tree = tree_new(V);
        } else if (e->kind != T_TREE) {
            vm_throw(V, "eval_conflict_error", loc, "object keys must be unique");
        }
        t = e->tree;
    }
    /* n == 0: a set leaf at the group itself is handled by SETADD */
}

static vm_acc *acc_push(vm *V, const prog_group *g)
{
    vm_acc *a = vgrow(V->accs, &V->capacc, V->nacc + 1, sizeof *V->accs);
    if (!a)
        vm_throw(V, "eval_internal_error", NULL, "out of memory");
    V->accs = a;
    vm_acc *acc = &V->accs[V->nacc++];
    memset(acc, 0, sizeof *acc);
    acc->g = g;
    if (g->kind == GROUP_SET)
        val_setb_init(&acc->set, &V->a);
    else if (g->kind == GROUP_OBJECT)
        acc->obj = tree_new(V);
    return acc;
}

/* ---- non-deterministic builtins: one answer per evaluation ---- */

static val *ndcache_key(vm *V, const builtin_def *bi, val *const *args)
{
    varr *k = val_array_alloc(&V->a, (size_t)bi->arity + 1);
    k->items[0] = val_cstring(&V->a, bi->name);
    for (int i = 0; i < bi->arity; i++)
        k->items[i + 1] = args[i];
    return val_array_seal(k);
}

val *bi_ndcache_get(bi_ctx *c, val *const *args)
{
    vm *V = c->vm;
    return V ? val_objb_get(&V->ndcache, ndcache_key(V, c->def, args)) : NULL;
}

void bi_ndcache_put(bi_ctx *c, val *const *args, val *value)
{
    vm *V = c->vm;
    if (V)
        val_objb_set(&V->ndcache, ndcache_key(V, c->def, args), value);
}

/* ---- calls ---- */

static void run(vm *V, const prog_proc *p, val **args, uint32_t nargs);

static val *acc_value(vm *V, vm_acc *acc)
{
    switch (acc->g->kind) {
    case GROUP_COMPLETE:
    case GROUP_FUNCTION:
        return acc->value ? acc->value : acc->g->default_value;
    case GROUP_SET:
        return val_setb_finish_unsorted(&acc->set);
    case GROUP_OBJECT:
        return tree_finish(V, acc->obj);
    }
    return NULL;
}

static bool acc_decided(const vm_acc *acc)
{
    return acc->g->stop_early && acc->value != NULL;
}

/* Definitions the index lets through (all of them without an index). */
static void run_definitions(vm *V, const prog_group *g, vm_acc *acc, val **args, uint32_t nargs)
{
    const prog_index *ix = g->index;
    if (ix) {
        val *root = ix->on_input ? V->input : data_lookup(V, VAL_EMPTY_ARRAY_V);
        val *key = root ? path_get(root, ix->path, 0) : NULL;
        val *hits = key ? val_object_get(ix->keys, key) : NULL;
        /* definitions in source order: merge the bucket with the unindexed ones */
        uint32_t i = 0, j = 0, nh = hits ? val_len(hits) : 0;
        while (i < nh || j < ix->nalways) {
            uint32_t d;
            uint32_t hd = i < nh ? (uint32_t)val_int_value(val_array_items(hits)[i]) : UINT32_MAX;
            uint32_t ad = j < ix->nalways ? ix->always[j] : UINT32_MAX;
            if (hd < ad) {
                d = hd;
                i++;
            } else {
                d = ad;
                j++;
            }
            run(V, &V->prog->procs[g->defs[d]], args, nargs);
            if (acc_decided(acc))
                return;
        }
        return;
    }
    for (uint32_t d = 0; d < g->ndefs; d++) {
        run(V, &V->prog->procs[g->defs[d]], args, nargs);
        if (acc_decided(acc))
            return;
    }
}

static void enter(vm *V)
{
    if (++V->depth > MAX_DEPTH)
        vm_throw(V, "eval_internal_error", NULL, "evaluation nested too deeply (more than %d calls)", MAX_DEPTH);
    TICK(V);
}

/* After the definitions: a default that needs computing (a comprehension). */
static void run_default(vm *V, const prog_group *g, vm_acc *acc, val **args, uint32_t nargs)
{
    if (!acc->value && g->default_proc >= 0 && (g->kind == GROUP_COMPLETE || g->kind == GROUP_FUNCTION))
        run(V, &V->prog->procs[g->default_proc], args, nargs);
}

static val *vm_group(vm *V, int gi)
{
    const prog_group *g = &V->prog->groups[gi];
    val *m = V->memo[g->memo];
    if (m == MEMO_UNDEF)
        return NULL;
    if (m == MEMO_BUSY)
        vm_throw(V, "eval_internal_error", &g->loc, "rule %s depends on itself", g->name);
    if (m)
        return m;
    if (V->noverlays) {
        bool replaced;
        val *ov = apply_overlays(V, g->path, NULL, &replaced);
        if (replaced) {
            V->memo[g->memo] = ov ? ov : MEMO_UNDEF;
            return ov;
        }
    }
    V->memo[g->memo] = MEMO_BUSY;
    enter(V);
    int slot = V->nacc;
    acc_push(V, g);
    run_definitions(V, g, &V->accs[slot], NULL, 0);
    run_default(V, g, &V->accs[slot], NULL, 0);
    val *v = acc_value(V, &V->accs[slot]);
    V->nacc = slot;
    V->depth--;
    if (V->noverlays && v)
        v = apply_overlays(V, g->path, v, NULL);
    V->memo[g->memo] = v ? v : MEMO_UNDEF;
    return v;
}

static const mock *find_mock(vm *V, const builtin_def *bi, int group)
{
    for (int i = V->nmocks - 1; i >= V->mock_floor; i--) {
        const with_entry *e = V->mocks[i].e;
        if (bi && e->target == WITH_BUILTIN && e->bi == bi)
            return &V->mocks[i];
        if (group >= 0 && e->target == WITH_FUNCTION && e->group == group)
            return &V->mocks[i];
    }
    return NULL;
}

static val *call_builtin(vm *V, const builtin_def *bi, val **args, const prog_loc *loc, bool *failed);
static val *vm_function(vm *V, int gi, val **args, uint32_t nargs, const prog_loc *loc);

/* A replacement runs with every mock hidden (so it may call the original,
 * and mocks do not chain), and with its own memo table. */
static val *call_replacement(vm *V, const with_entry *e, val **args, uint32_t nargs, const prog_loc *loc)
{
    int floor = V->mock_floor;
    val **memo = V->memo;
    V->mock_floor = V->nmocks;
    if (V->prog->nmemo)
        V->memo = arena_zalloc(&V->a, sizeof *V->memo * V->prog->nmemo);
    val *v;
    if (e->repl == WITH_BY_FUNCTION) {
        v = vm_function(V, e->repl_group, args, nargs, loc);
    } else {
        bool failed;
        v = call_builtin(V, e->repl_bi, args, loc, &failed);
    }
    V->mock_floor = floor;
    V->memo = memo;
    return v;
}

static val *vm_function(vm *V, int gi, val **args, uint32_t nargs, const prog_loc *loc)
{
    if (V->nmocks > V->mock_floor) {
        const mock *mk = find_mock(V, NULL, gi);
        if (mk) {
            if (mk->e->repl == WITH_VALUE)
                return mk->value;
            return call_replacement(V, mk->e, args, nargs, loc);
        }
    }
    const prog_group *g = &V->prog->groups[gi];
    enter(V);
    int slot = V->nacc;
    acc_push(V, g);
    run_definitions(V, g, &V->accs[slot], args, nargs);
    run_default(V, g, &V->accs[slot], args, nargs);
    val *v = acc_value(V, &V->accs[slot]);
    V->nacc = slot;
    V->depth--;
    return v;
}

static val *call_builtin(vm *V, const builtin_def *bi, val **args, const prog_loc *loc, bool *failed)
{
    *failed = false;
    if (V->nmocks > V->mock_floor) {
        const mock *mk = find_mock(V, bi, -1);
        if (mk) {
            if (mk->e->repl == WITH_VALUE)
                return mk->value;
            return call_replacement(V, mk->e, args, (uint32_t)bi->arity, loc);
        }
    }
    if (!bi->fn) /* declared by the capabilities, not implemented (rego/caps.h) */
        vm_throw(V, "eval_internal_error", loc, "unsupported built-in");
    if (bi->flags & BI_F_NONDET) {
        V->nondet = true;
        if (!V->now_ns) {
            /* one time for the whole evaluation, as OPA's time.now_ns */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            V->now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
    }
    bi_ctx ctx;
    memset(&ctx, 0, offsetof(bi_ctx, err_msg));
    ctx.trace_out = NULL;
    ctx.a = &V->a;
    ctx.def = bi;
    ctx.err_code = NULL;
    ctx.err_msg[0] = 0;
    ctx.strict = V->strict;
    ctx.now_ns = V->now_ns;
    ctx.vm = V;
    ctx.print_out = V->prints;
    ctx.test_cases_out = V->test_cases;
    val *out = NULL;
    bi_status st = bi->fn(&ctx, args, &out);
    if (st == BI_OK)
        return out;
    if (st == BI_ERR) {
        *failed = true;
        const char *code = ctx.err_code ? ctx.err_code : "eval_builtin_error";
        bool builtin_err = strcmp(code, "eval_builtin_error") == 0 || strcmp(code, "eval_type_error") == 0;
        if (!builtin_err)
            vm_throw(V, code, loc, "%s: %s", bi->name, ctx.err_msg);
        /* As OPA does, a builtin error makes the call undefined and the
         * evaluation goes on; with strict builtin errors the first one is the
         * evaluation's error, reported when it ends. */
        if (V->strict && !V->deferred.code) {
            V->deferred.code = code;
            snprintf(V->deferred.message, sizeof V->deferred.message, "%s: %s", bi->name, ctx.err_msg);
            V->deferred.loc = *loc;
            if (!V->deferred.loc.file)
                V->deferred.loc.file = "";
        }
        if (V->collect) {
            bi_error_node *n = arena_alloc(&V->a, sizeof *n);
            n->e.code = code;
            snprintf(n->e.message, sizeof n->e.message, "%s: %s", bi->name, ctx.err_msg);
            n->e.loc = *loc;
            if (!n->e.loc.file)
                n->e.loc.file = "";
            n->next = NULL;
            *V->collected_tail = n;
            V->collected_tail = &n->next;
            V->ncollected++;
        }
    }
    return NULL;
}

size_t vm_builtin_errors(const vm *V, void (*fn)(void *ud, const vm_error *e), void *ud)
{
    for (const bi_error_node *n = V->collected; n; n = n->next)
        fn(ud, &n->e);
    return V->ncollected;
}

/* ---- virtual documents ----
 *
 * The document at a tree node is built as one tree: a generic rule at the
 * node inserts its paths, each rule below adds its value at its key, and
 * packages below add their own trees.  Two rules that define the same leaf
 * conflict, unless both are sets (multi-value rules merge); base data is
 * merged last and wins where it overlaps a rule, as in OPA. */

static bool leaf_node(const program *p, const prog_node *n)
{
    if (n->group < 0)
        return false;
    for (int k = 0; k < n->nchildren; k++)
        if (p->nodes[n->children[k]].has_rules)
            return false;
    return p->groups[n->group].kind != GROUP_OBJECT;
}

static void tree_put_value(vm *V, tree_obj *t, val *key, val *v, bool is_set, const prog_loc *loc)
{
    bool fresh;
    tree_ent *e = tree_slot(V, t, key, &fresh);
    if (fresh && !is_set) {
        e->kind = T_LEAF;
        e->leaf = v;
        return;
    }
    if (fresh) {
        e->kind = T_SET;
        e->set = arena_alloc(&V->a, sizeof *e->set);
        val_setb_init(e->set, &V->a);
    } else if (!(is_set && e->kind == T_SET) && !(e->kind == T_LEAF && val_equal(e->leaf, v))) {
        vm_throw(V, "eval_conflict_error", loc, "object keys must be unique");
    }
    if (is_set)
        for (uint32_t i = 0; i < val_len(v); i++)
            val_setb_add(e->set, val_set_items(v)[i]);
}

static void vdoc_into(vm *V, int ni, tree_obj *t)
{
    const program *p = V->prog;
    const prog_node *n = &p->nodes[ni];
    if (n->group >= 0 && p->groups[n->group].kind == GROUP_OBJECT) {
        const prog_group *g = &p->groups[n->group];
        if (V->noverlays) {
            bool replaced;
            val *ov = apply_overlays(V, g->path, NULL, &replaced);
            if (replaced) {
                for (uint32_t i = 0; ov && ov->kind == VAL_OBJECT && i < val_len(ov); i++)
                    tree_put_value(V, t, val_object_keys(ov)[i], val_object_values(ov)[i], false, &g->loc);
                goto children;
            }
        }
        enter(V);
        int slot = V->nacc;
        acc_push(V, g)->obj = t;
        run_definitions(V, g, &V->accs[slot], NULL, 0);
        V->nacc = slot;
        V->depth--;
    }
children:
    for (int i = 0; i < n->nchildren; i++) {
        const prog_node *c = &p->nodes[n->children[i]];
        if (!c->has_rules || (c->group >= 0 && p->groups[c->group].kind == GROUP_FUNCTION))
            continue;
        if (leaf_node(p, c)) {
            val *v = vm_group(V, c->group);
            if (v)
                tree_put_value(V, t, c->key, v, p->groups[c->group].kind == GROUP_SET, &p->groups[c->group].loc);
            continue;
        }
        bool fresh;
        tree_ent *e = tree_slot(V, t, c->key, &fresh);
        if (fresh) {
            e->kind = T_TREE;
            e->tree = tree_new(V);
        } else if (e->kind != T_TREE) {
            vm_throw(V, "eval_conflict_error", c->group >= 0 ? &p->groups[c->group].loc : NULL,
                     "object keys must be unique");
        }
        vdoc_into(V, n->children[i], e->tree);
    }
}

/* Base data wins over rules where both define a leaf. */
static val *merge_base(vm *V, val *virt, val *base)
{
    if (!base)
        return virt;
    if (!virt || virt->kind != VAL_OBJECT || base->kind != VAL_OBJECT)
        return base;
    val_objb b;
    val_objb_init(&b, &V->a);
    for (uint32_t i = 0; i < val_len(virt); i++)
        val_objb_set(&b, val_object_keys(virt)[i], val_object_values(virt)[i]);
    for (uint32_t i = 0; i < val_len(base); i++) {
        val *k = val_object_keys(base)[i];
        val_objb_set(&b, k, merge_base(V, val_objb_get(&b, k), val_object_values(base)[i]));
    }
    return val_objb_finish(&b);
}

static val *vm_vdoc(vm *V, int ni)
{
    const prog_node *n = &V->prog->nodes[ni];
    val *m = V->memo[n->memo];
    if (m == MEMO_UNDEF)
        return NULL;
    if (m)
        return m;
    if (V->noverlays) {
        bool replaced;
        val *ov = apply_overlays(V, n->path, NULL, &replaced);
        if (replaced) {
            V->memo[n->memo] = ov ? ov : MEMO_UNDEF;
            return ov;
        }
    }
    val *v;
    if (leaf_node(V->prog, n)) {
        v = vm_group(V, n->group);
    } else {
        tree_obj *t = tree_new(V);
        vdoc_into(V, ni, t);
        v = tree_finish(V, t);
    }
    v = merge_base(V, v, data_lookup(V, n->path));
    V->memo[n->memo] = v ? v : MEMO_UNDEF;
    return v;
}

/* ---- with ---- */

static void with_push(vm *V, const with_desc *d, val **vals)
{
    with_frame *wf = vgrow(V->withs, &V->capwiths, V->nwiths + 1, sizeof *V->withs);
    if (!wf)
        vm_throw(V, "eval_internal_error", NULL, "out of memory");
    V->withs = wf;
    with_frame *f = &V->withs[V->nwiths++];
    f->input = V->input;
    f->memo = V->memo;
    f->noverlays = V->noverlays;
    f->nmocks = V->nmocks;
    for (int i = 0; i < d->n; i++) {
        const with_entry *e = &d->entries[i];
        val *x = vals[i];
        switch (e->target) {
        case WITH_INPUT:
            V->input = val_len(e->path) == 0 ? x : path_set(V, V->input, e->path, 0, x);
            break;
        case WITH_DATA: {
            overlay *o = vgrow(V->overlays, &V->capoverlays, V->noverlays + 1, sizeof *V->overlays);
            if (!o)
                vm_throw(V, "eval_internal_error", NULL, "out of memory");
            V->overlays = o;
            V->overlays[V->noverlays].path = e->path;
            V->overlays[V->noverlays].value = x;
            V->noverlays++;
            break;
        }
        case WITH_BUILTIN:
        case WITH_FUNCTION: {
            mock *mk = vgrow(V->mocks, &V->capmocks, V->nmocks + 1, sizeof *V->mocks);
            if (!mk)
                vm_throw(V, "eval_internal_error", NULL, "out of memory");
            V->mocks = mk;
            V->mocks[V->nmocks].e = e;
            V->mocks[V->nmocks].value = x;
            V->nmocks++;
            break;
        }
        }
    }
    if (V->prog->nmemo)
        V->memo = arena_zalloc(&V->a, sizeof *V->memo * V->prog->nmemo);
}

static void with_pop(vm *V)
{
    with_frame *f = &V->withs[--V->nwiths];
    V->input = f->input;
    V->memo = f->memo;
    V->noverlays = f->noverlays;
    V->nmocks = f->nmocks;
}

/* ---- the interpreter ---- */

static void iter_start(vm_iter *it, const val *c, bool ordered)
{
    it->coll = c;
    it->pos = 0;
    it->n = val_len(c);
    switch (c->kind) {
    case VAL_ARRAY:
        it->keys = NULL;
        it->vals = val_array_items(c);
        break;
    case VAL_OBJECT:
        it->keys = val_object_keys(c);
        it->vals = val_object_values(c);
        break;
    default:
        it->keys = it->vals = ordered ? val_set_items(c) : val_set_items_any(c);
        break;
    }
}

static bool is_collection(const val *v)
{
    return v->kind == VAL_ARRAY || v->kind == VAL_OBJECT || v->kind == VAL_SET;
}

static void run(vm *V, const prog_proc *p, val **args, uint32_t nargs)
{
    if (V->sp + p->nregs > STACK_SLOTS || V->ip + p->niters > ITER_SLOTS)
        vm_throw(V, "eval_internal_error", NULL, "evaluation stack exhausted");
    val **R = V->stack + V->sp;
    vm_iter *I = V->iters + V->ip;
    uint32_t saved_sp = V->sp, saved_ip = V->ip;
    V->sp += p->nregs;
    V->ip += p->niters;
    memset(R, 0, sizeof *R * p->nregs);
    for (uint32_t i = 0; i < nargs; i++)
        R[i] = args[i];
    const uint32_t *code = p->code;
    val **K = p->k;
    uint32_t pc = 0;
#define ACC (&V->accs[V->nacc - 1])
#define W(i) code[pc + (i)]
    for (;;) {
        switch (code[pc]) {
        case OP_NOP:
            pc += 1;
            break;
        case OP_JMP:
            pc = W(1);
            break;
        case OP_LOADK:
            R[W(1)] = K[W(2)];
            pc += 3;
            break;
        case OP_MOVE:
            R[W(1)] = R[W(2)];
            pc += 3;
            break;
        case OP_INPUT:
            if (V->input) {
                R[W(1)] = V->input;
                pc += 3;
            } else {
                pc = W(2);
            }
            break;
        case OP_DATA: {
            val *v = data_lookup(V, K[W(2)]);
            if (v) {
                R[W(1)] = v;
                pc += 4;
            } else {
                pc = W(3);
            }
            break;
        }
        case OP_DOT: {
            val *v = index_value(R[W(2)], R[W(3)]);
            if (v) {
                R[W(1)] = v;
                pc += 5;
            } else {
                pc = W(4);
            }
            break;
        }
        case OP_DOTK: {
            const val *x = R[W(2)], *k = K[W(3)];
            val *v = x->kind == VAL_OBJECT && k->kind == VAL_STRING
                         ? val_object_get_str(x, val_str(k), val_len(k))
                         : index_value(x, k);
            if (v) {
                R[W(1)] = v;
                pc += 5;
            } else {
                pc = W(4);
            }
            break;
        }
        case OP_SCAN:
        case OP_SCANU: {
            const val *c = R[W(2)];
            if (is_collection(c)) {
                iter_start(&I[W(1)], c, code[pc] == OP_SCAN);
                pc += 4;
            } else {
                pc = W(3);
            }
            break;
        }
        case OP_NEXT: {
            vm_iter *it = &I[W(1)];
            TICK(V);
            if (it->pos >= it->n) {
                pc = W(4);
                break;
            }
            if (W(2) != NOREG)
                R[W(2)] = it->keys ? it->keys[it->pos] : val_int(&V->a, it->pos);
            if (W(3) != NOREG)
                R[W(3)] = it->vals[it->pos];
            it->pos++;
            pc += 5;
            break;
        }
        case OP_EQ:
            pc = val_equal(R[W(1)], R[W(2)]) ? pc + 4 : W(3);
            break;
        case OP_NEQ:
            pc = !val_equal(R[W(1)], R[W(2)]) ? pc + 4 : W(3);
            break;
        case OP_EQK:
            pc = val_equal(R[W(1)], K[W(2)]) ? pc + 4 : W(3);
            break;
        case OP_LT:
            pc = val_compare(R[W(1)], R[W(2)]) < 0 ? pc + 4 : W(3);
            break;
        case OP_LE:
            pc = val_compare(R[W(1)], R[W(2)]) <= 0 ? pc + 4 : W(3);
            break;
        case OP_GT:
            pc = val_compare(R[W(1)], R[W(2)]) > 0 ? pc + 4 : W(3);
            break;
        case OP_GE:
            pc = val_compare(R[W(1)], R[W(2)]) >= 0 ? pc + 4 : W(3);
            break;
        case OP_TRUTHY:
            pc = R[W(1)] != VAL_FALSE_V ? pc + 3 : W(2);
            break;
        case OP_ISARR: {
            const val *x = R[W(1)];
            pc = x->kind == VAL_ARRAY && val_len(x) == W(2) ? pc + 4 : W(3);
            break;
        }
        case OP_ISOBJ: {
            const val *x = R[W(1)];
            pc = x->kind == VAL_OBJECT && val_len(x) == W(2) ? pc + 4 : W(3);
            break;
        }
        case OP_ISCOLL:
            pc = is_collection(R[W(1)]) ? pc + 3 : W(2);
            break;
        case OP_CALLB: {
            bool failed;
            val *v = call_builtin(V, p->bi[W(2)], R + W(3), &p->locs[W(5)], &failed);
            if (v) {
                R[W(1)] = v;
                pc += 7;
            } else {
                pc = W(6);
            }
            break;
        }
        case OP_CALLF: {
            val *v = vm_function(V, (int)W(2), R + W(3), W(4), &p->locs[W(5)]);
            if (v) {
                R[W(1)] = v;
                pc += 7;
            } else {
                pc = W(6);
            }
            break;
        }
        case OP_CALLR: {
            val *v = vm_group(V, (int)W(2));
            if (v) {
                R[W(1)] = v;
                pc += 4;
            } else {
                pc = W(3);
            }
            break;
        }
        case OP_VDOC: {
            val *v = vm_vdoc(V, (int)W(2));
            if (v) {
                R[W(1)] = v;
                pc += 4;
            } else {
                pc = W(3);
            }
            break;
        }
        case OP_MKARR:
            R[W(1)] = val_array(&V->a, R + W(2), W(3));
            pc += 4;
            break;
        case OP_MKSET:
            R[W(1)] = val_set(&V->a, R + W(2), W(3));
            pc += 4;
            break;
        case OP_MKOBJ: {
            uint32_t n = W(3);
            val **base = R + W(2);
            val_objb b;
            val_objb_init(&b, &V->a);
            for (uint32_t i = 0; i < n; i++)
                val_objb_set(&b, base[2 * i], base[2 * i + 1]);
            R[W(1)] = val_objb_finish(&b);
            pc += 4;
            break;
        }
        case OP_NEWARR:
            R[W(1)] = (val *)builder_new(V, B_ARR);
            pc += 2;
            break;
        case OP_NEWSET:
            R[W(1)] = (val *)builder_new(V, B_SET);
            pc += 2;
            break;
        case OP_NEWOBJ:
            R[W(1)] = (val *)builder_new(V, B_OBJ);
            pc += 2;
            break;
        case OP_PUSH: {
            vm_builder *b = (vm_builder *)R[W(1)];
            if (b->kind == B_ARR)
                val_arrb_push(&b->u.arr, R[W(2)]);
            else
                val_setb_add(&b->u.set, R[W(2)]);
            pc += 3;
            break;
        }
        case OP_PUT: {
            vm_builder *b = (vm_builder *)R[W(1)];
            val *prev = val_objb_put(&b->u.obj, R[W(2)], R[W(3)]);
            if (prev && !val_equal(prev, R[W(3)]))
                vm_throw(V, "eval_conflict_error", &p->locs[W(4)], "object keys must be unique");
            pc += 5;
            break;
        }
        case OP_FINISH: {
            vm_builder *b = (vm_builder *)R[W(1)];
            R[W(1)] = b->kind == B_ARR   ? val_arrb_finish(&b->u.arr)
                      : b->kind == B_SET ? val_setb_finish_unsorted(&b->u.set)
                                         : val_objb_finish(&b->u.obj);
            pc += 2;
            break;
        }
        case OP_RESULT: {
            val *x = R[W(1)];
            vm_acc *acc = ACC;
            if (!acc->value) {
                acc->value = x;
            } else if (!val_equal(acc->value, x)) {
                vm_throw(V, "eval_conflict_error", &p->locs[W(2)],
                         acc->g->kind == GROUP_FUNCTION
                             ? "functions must not produce multiple outputs for same inputs"
                             : "complete rules must not produce multiple outputs");
            }
            pc += 3;
            break;
        }
        case OP_SETADD:
            val_setb_add(&ACC->set, R[W(1)]);
            pc += 2;
            break;
        case OP_OBJINS:
        case OP_OBJADD:
            tree_insert(V, ACC->obj, R + W(1), W(3), R[W(2)], code[pc] == OP_OBJADD, &p->locs[W(4)]);
            pc += 5;
            break;
        case OP_YIELD:
            if (V->on_row)
                V->on_row(V->row_ud, R);
            pc += 1;
            break;
        case OP_WITHPUSH:
            with_push(V, &p->withs[W(1)], R + W(2));
            pc += 3;
            break;
        case OP_WITHPOP:
            with_pop(V);
            pc += 1;
            break;
        case OP_LINE:
            __atomic_store_n(&V->prog->hits[W(1)], 1, __ATOMIC_RELAXED);
            pc += 2;
            break;
        case OP_RET:
            V->sp = saved_sp;
            V->ip = saved_ip;
            return;
        default:
            vm_throw(V, "eval_internal_error", NULL, "bad opcode %u at %u in %s", code[pc], pc,
                     p->name ? p->name : "?");
        }
    }
#undef W
#undef ACC
}

/* ---- entry points ---- */

static int guarded(vm *V, void (*fn)(vm *, void *), void *ud)
{
    jmp_buf jb;
    jmp_buf *saved = V->jb;
    V->jb = &jb;
    V->a.oom = &jb;
    if (setjmp(jb)) {
        if (V->a.oom_code == ARENA_LIMIT && !V->err.code) {
            V->err.code = "eval_cancel_error";
            snprintf(V->err.message, sizeof V->err.message, "memory limit exceeded (%zu bytes)", V->a.limit);
            V->err.loc.file = "";
        } else if (!V->err.code) {
            V->err.code = "eval_internal_error";
            snprintf(V->err.message, sizeof V->err.message, "out of memory");
            V->err.loc.file = "";
        }
        V->a.oom_code = 0;
        V->jb = saved;
        V->a.oom = NULL;
        return -1;
    }
    fn(V, ud);
    V->jb = saved;
    V->a.oom = NULL;
    if (V->deferred.code) {
        V->err = V->deferred;
        return -1;
    }
    return 0;
}

bool vm_last_error_deferred(const vm *V) { return V->deferred.code && V->err.code == V->deferred.code; }

static void run_query_fn(vm *V, void *ud)
{
    const compiled_query *q = ud;
    run(V, &q->proc, NULL, 0);
}

int vm_run_query(vm *V, const compiled_query *q, vm_row_fn on_row, void *ud)
{
    V->on_row = on_row;
    V->row_ud = ud;
    return guarded(V, run_query_fn, (void *)q);
}

typedef struct path_req {
    val *const *keys;
    int nkeys;
    val *out;
} path_req;

/* A path segment is text ("users/1"); into an array it is an index, as in
 * OPA's storage paths: "1" selects the second element, "01" or "-1" none. */
static const val *path_segment_key(vm *V, const val *container, const val *key)
{
    if (container->kind != VAL_ARRAY || key->kind != VAL_STRING)
        return key;
    const char *s = val_str(key);
    size_t n = val_len(key);
    if (n == 0 || n > 18 || (n > 1 && s[0] == '0'))
        return key;
    int64_t i = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return key;
        i = i * 10 + (s[k] - '0');
    }
    return val_int(&V->a, i);
}

static void eval_path_fn(vm *V, void *ud)
{
    path_req *r = ud;
    const program *p = V->prog;
    int node = 0, i = 0;
    while (p && i < r->nkeys && p->nodes[node].has_rules && r->keys[i]->kind == VAL_STRING) {
        int found = -1;
        const prog_node *n = &p->nodes[node];
        for (int c = 0; c < n->nchildren; c++) {
            const prog_node *ch = &p->nodes[n->children[c]];
            if (val_equal(ch->key, r->keys[i])) {
                found = n->children[c];
                break;
            }
        }
        if (found < 0)
            break;
        node = found;
        i++;
        if (p->nodes[node].group >= 0)
            break;
    }
    val *v;
    if (p && p->nodes[node].has_rules) {
        const prog_node *n = &p->nodes[node];
        bool rule_children = false;
        for (int k = 0; k < n->nchildren; k++)
            rule_children |= p->nodes[n->children[k]].has_rules;
        if (n->group >= 0 && p->groups[n->group].kind == GROUP_FUNCTION)
            v = NULL;
        else if (n->group >= 0 && !rule_children)
            v = vm_group(V, n->group);
        else
            v = vm_vdoc(V, node);
    } else {
        varr *path = val_array_alloc(&V->a, (size_t)i);
        for (int k = 0; k < i; k++)
            path->items[k] = r->keys[k];
        v = data_lookup(V, val_array_seal(path));
    }
    for (; v && i < r->nkeys; i++)
        v = index_value(v, path_segment_key(V, v, r->keys[i]));
    r->out = v;
}

int vm_eval_path(vm *V, val *const *keys, int nkeys, val **out)
{
    path_req r = {keys, nkeys, NULL};
    int rc = guarded(V, eval_path_fn, &r);
    *out = rc == 0 ? r.out : NULL;
    return rc;
}
