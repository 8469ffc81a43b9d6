/* compile.c — modules to a program: the tree of packages and rules under
 * `data`, rule groups, their procedures, rule indexes and the recursion
 * check.  Bodies are lowered by lower.c and emitted by emit.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/json.h"
#include "../engine/strbuf.h"
#include "annotations.h"
#include "compile.h"
#include "compiler.h"
#include "optimize.h"
#include "testcases.h"

/* ---- small helpers ---- */

void *compile_grow(void *p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return p;
    int c = *cap ? *cap * 2 : 8;
    while (c < need)
        c *= 2;
    void *q = realloc(p, (size_t)c * elem);
    if (!q)
        abort(); /* compile-time allocation failure */
    *cap = c;
    return q;
}

void compile_error(compiler *c, int stage, const char *code, const ast_loc *loc, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* the same error at the same place is reported once */
    for (const rego_error *e = c->errs->head; e; e = e->next)
        if (strcmp(e->code, code) == 0 && strcmp(e->message, msg) == 0 && loc && e->row == loc->row &&
            e->col == loc->col && strcmp(e->file, loc->file ? loc->file : "") == 0)
            return;
    rego_error *before = c->errs->tail;
    rego_errors_add(c->errs, code, loc, "%s", msg);
    if (c->errs->tail != before)
        c->errs->tail->stage = stage;
}

/* ---- builtins under capabilities ---- */

typedef struct stub_def {
    builtin_def def;
    struct stub_def *next;
} stub_def;

const builtin_def *compile_builtin(compiler *c, const char *name)
{
    const builtin_def *bi = builtin_lookup(name);
    if (!c->caps)
        return bi;
    const rego_caps_builtin *cb = rego_caps_builtin_find(c->caps, name);
    if (!cb)
        return NULL;
    if (bi || cb->arity < 0)
        return bi;
    /* declared by the capabilities, not implemented here: it compiles, and
     * the VM fails the evaluation that calls it (a NULL fn), as OPA does
     * for a builtin it has a declaration but no implementation for */
    for (stub_def *s = c->stubs; s; s = s->next)
        if (strcmp(s->def.name, name) == 0)
            return &s->def;
    stub_def *s = arena_zalloc(c->a, sizeof *s);
    size_t n = strlen(name) + 1;
    char *nm = arena_alloc(c->a, n);
    memcpy(nm, name, n);
    s->def.name = nm;
    s->def.arity = cb->arity;
    s->def.fn = NULL;
    s->def.flags = (cb->relation ? BI_F_RELATION : 0u) | (cb->is_void ? BI_F_VOID : 0u);
    s->next = c->stubs;
    c->stubs = s;
    return &s->def;
}

/* ---- the errors a compile reports ---- */

static int cmp_err_pos(const rego_error *a, const rego_error *b)
{
    int f = strcmp(a->file, b->file);
    if (f)
        return f;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return 0;
}

/* The errors added after `mark` (NULL: all) become what OPA reports: only
 * those of the earliest stage that found any (OPA stops there), in order
 * of file and position (OPA walks modules sorted by name, rules and
 * expressions in order), at most max_errors of them followed by OPA's
 * "error limit reached" when the limit is reached (`at_limit`: a limit of
 * exactly max_errors errors counts, as in OPA's compiler; the query
 * compiler only cuts when there are more). */
static void finish_errors(rego_errors *errs, rego_error *mark, int max_errors, bool at_limit)
{
    rego_error **link = mark ? &mark->next : &errs->head;
    int n = 0, min = 0;
    for (rego_error *e = *link; e; e = e->next, n++)
        if (e->stage && (!min || e->stage < min))
            min = e->stage;
    if (n == 0)
        return;
    rego_error **v = malloc(sizeof *v * (size_t)n);
    if (!v)
        abort();
    int k = 0;
    for (rego_error *e = *link, *next; e; e = next) {
        next = e->next;
        if (e->stage && e->stage != min) {
            free(e->message);
            free(e->file);
            free(e);
            errs->n--;
        } else {
            v[k++] = e;
        }
    }
    /* insertion sort: stable, and lists are short */
    for (int i = 1; i < k; i++) {
        rego_error *x = v[i];
        int j = i;
        while (j > 0 && cmp_err_pos(v[j - 1], x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    if (max_errors == 0)
        max_errors = 10;
    bool limited = max_errors > 0 && (at_limit ? k >= max_errors : k > max_errors);
    int keep = limited ? max_errors : k;
    for (int i = keep; i < k; i++) {
        free(v[i]->message);
        free(v[i]->file);
        free(v[i]);
        errs->n--;
    }
    *link = NULL;
    errs->tail = mark;
    for (int i = 0; i < keep; i++) {
        v[i]->next = NULL;
        *link = v[i];
        link = &v[i]->next;
        errs->tail = v[i];
    }
    free(v);
    if (limited) {
        rego_errors_add(errs, "rego_compile_error", NULL, "error limit reached");
        if (errs->tail)
            errs->tail->stage = min;
    }
}

/* ---- procedure builder ---- */

uint32_t pb_reg(pbuild *pb) { return pb->nregs++; }

uint32_t pb_regs(pbuild *pb, uint32_t n)
{
    uint32_t r = pb->nregs;
    pb->nregs += n;
    return r;
}

uint32_t pb_iter(pbuild *pb) { return pb->niters++; }

uint32_t pb_const(pbuild *pb, val *v)
{
    for (uint32_t i = 0; i < pb->nk; i++)
        if (pb->k[i] == v || (pb->k[i]->kind == v->kind && val_equal(pb->k[i], v) &&
                              /* keep 1 and 1.0 apart: they print differently */
                              (v->kind != VAL_NUMBER || pb->k[i]->flags == v->flags)))
            return i;
    int cap = (int)pb->capk;
    pb->k = compile_grow(pb->k, &cap, (int)pb->nk + 1, sizeof *pb->k);
    pb->capk = (uint32_t)cap;
    pb->k[pb->nk] = v;
    return pb->nk++;
}

uint32_t pb_loc(pbuild *pb, const ast_loc *loc)
{
    int cap = (int)pb->caplocs;
    pb->locs = compile_grow(pb->locs, &cap, (int)pb->nlocs + 1, sizeof *pb->locs);
    pb->caplocs = (uint32_t)cap;
    prog_loc *l = &pb->locs[pb->nlocs];
    l->file = loc && loc->file ? arena_strndup(pb->c->a, loc->file, strlen(loc->file)) : "";
    l->row = loc ? loc->row : 0;
    l->col = loc ? loc->col : 0;
    return pb->nlocs++;
}

uint32_t pb_builtin(pbuild *pb, const builtin_def *bi)
{
    for (uint32_t i = 0; i < pb->nbi; i++)
        if (pb->bi[i] == bi)
            return i;
    int cap = (int)pb->capbi;
    pb->bi = compile_grow(pb->bi, &cap, (int)pb->nbi + 1, sizeof *pb->bi);
    pb->capbi = (uint32_t)cap;
    pb->bi[pb->nbi] = bi;
    return pb->nbi++;
}

uint32_t pb_with(pbuild *pb, with_desc d)
{
    int cap = (int)pb->capwiths;
    pb->withs = compile_grow(pb->withs, &cap, (int)pb->nwiths + 1, sizeof *pb->withs);
    pb->capwiths = (uint32_t)cap;
    pb->withs[pb->nwiths] = d;
    return pb->nwiths++;
}

static void pb_release(pbuild *pb)
{
    free(pb->k);
    free(pb->locs);
    free(pb->bi);
    free(pb->withs);
    memset(pb, 0, sizeof *pb);
}

int pb_finish(pbuild *pb, ir_block *body, const char *name)
{
    compiler *c = pb->c;
    ir_code code = {0};
    ir_optimize(&c->tmp, body, pb->nregs);
    ir_emit_proc(&code, body);
    c->procs = compile_grow(c->procs, &c->capprocs, c->nprocs + 1, sizeof *c->procs);
    prog_proc *p = &c->procs[c->nprocs];
    memset(p, 0, sizeof *p);
    arena *a = c->a;
    p->code = arena_memdup(a, code.code, sizeof *code.code * code.n);
    p->ncode = code.n;
    free(code.code);
    p->nregs = pb->nregs;
    p->niters = pb->niters;
    p->nparams = pb->nparams;
    p->k = arena_alloc(a, sizeof *pb->k * (pb->nk ? pb->nk : 1));
    for (uint32_t i = 0; i < pb->nk; i++)
        p->k[i] = val_copy(a, pb->k[i]); /* constants outlive the modules' arenas */
    p->nk = pb->nk;
    p->locs = arena_memdup(a, pb->locs, sizeof *pb->locs * pb->nlocs);
    p->nlocs = pb->nlocs;
    p->bi = arena_memdup(a, pb->bi, sizeof *pb->bi * pb->nbi);
    p->nbi = pb->nbi;
    p->withs = arena_memdup(a, pb->withs, sizeof *pb->withs * pb->nwiths);
    p->nwiths = pb->nwiths;
    p->name = arena_strndup(a, name, strlen(name));
    pb_release(pb);
    return c->nprocs++;
}

/* ---- the tree ---- */

static int node_new(compiler *c, int parent, val *key)
{
    c->nodes = compile_grow(c->nodes, &c->capnodes, c->nnodes + 1, sizeof *c->nodes);
    cnode *n = &c->nodes[c->nnodes];
    memset(n, 0, sizeof *n);
    n->key = key;
    n->parent = parent;
    n->group = -1;
    if (parent < 0) {
        n->path = VAL_EMPTY_ARRAY_V;
    } else {
        val *pp = c->nodes[parent].path;
        varr *arr = val_array_alloc(c->a, val_len(pp) + 1);
        for (uint32_t i = 0; i < val_len(pp); i++)
            arr->items[i] = val_array_items(pp)[i];
        arr->items[val_len(pp)] = key;
        n->path = val_array_seal(arr);
        cnode *p = &c->nodes[parent];
        p->children = compile_grow(p->children, &p->capchildren, p->nchildren + 1, sizeof *p->children);
        p->children[p->nchildren++] = c->nnodes;
    }
    return c->nnodes++;
}

int tree_child(const compiler *c, int node, const char *key, size_t len)
{
    const cnode *n = &c->nodes[node];
    for (int i = 0; i < n->nchildren; i++) {
        const cnode *ch = &c->nodes[n->children[i]];
        if (val_len(ch->key) == len && memcmp(val_str(ch->key), key, len) == 0)
            return n->children[i];
    }
    return -1;
}

static int ensure_child(compiler *c, int node, val *key)
{
    int ch = tree_child(c, node, val_str(key), val_len(key));
    return ch >= 0 ? ch : node_new(c, node, key);
}

int group_by_path(const compiler *c, val *const *keys, int n)
{
    int node = 0;
    for (int i = 0; i < n && node >= 0; i++) {
        if (keys[i]->kind != VAL_STRING)
            return -1;
        node = tree_child(c, node, val_str(keys[i]), val_len(keys[i]));
    }
    return node >= 0 ? c->nodes[node].group : -1;
}

/* ---- collecting rules into groups ---- */

/* The static part of a rule head: package path plus the head's leading
 * string keys.  Returns the number of head operands consumed. */
static int head_path(compiler *c, ast_module *m, ast_rule *r, val ***keys_out, int *nkeys_out)
{
    ast_term *pkg = m->package;
    int npkg = pkg->ref.n - 1;
    ast_term *h = r->head;
    int nh = h->kind == AST_REF ? h->ref.n : 1;
    val **keys = arena_alloc(&c->tmp, sizeof *keys * (size_t)(npkg + nh));
    int n = 0;
    for (int i = 1; i < pkg->ref.n; i++)
        keys[n++] = val_copy(c->a, pkg->ref.items[i]->value);
    ast_term *first = h->kind == AST_REF ? h->ref.items[0] : h;
    keys[n++] = val_cstring(c->a, first->var.name);
    int used = 1;
    if (h->kind == AST_REF) {
        for (int i = 1; i < h->ref.n; i++) {
            ast_term *op = h->ref.items[i];
            if (op->kind != AST_SCALAR || op->value->kind != VAL_STRING)
                break;
            /* A `contains` rule or a generic rule keeps its last key as the
             * element / the part built by the rule when it is a variable;
             * string keys belong to the path. */
            keys[n++] = val_copy(c->a, op->value);
            used++;
        }
    }
    *keys_out = keys;
    *nkeys_out = n;
    return used;
}

static char *path_name(arena *a, val *const *keys, int n)
{
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "data");
    for (int i = 0; i < n; i++) {
        if (keys[i]->kind == VAL_STRING)
            sb_printf(&sb, ".%s", val_str(keys[i]));
        else {
            sb_putc(&sb, '[');
            val_write_rego(&sb, keys[i]);
            sb_putc(&sb, ']');
        }
    }
    char *s = arena_strndup(a, sb.data, sb.len);
    sb_free(&sb);
    return s;
}

static const char *kind_word(group_kind k)
{
    switch (k) {
    case GROUP_COMPLETE: return "complete";
    case GROUP_SET: return "multi-value";
    case GROUP_OBJECT: return "single-value";
    case GROUP_FUNCTION: return "function";
    }
    return "?";
}

static void add_rule(compiler *c, ast_module *m, ast_rule *r)
{
    val **keys;
    int nkeys;
    int used = head_path(c, m, r, &keys, &nkeys);
    ast_term *h = r->head;
    int nh = h->kind == AST_REF ? h->ref.n : 1;
    int nrest = nh - used;
    group_kind kind;
    bool set_leaf = false;
    if (r->kind == AST_RULE_FUNCTION)
        kind = GROUP_FUNCTION;
    else if (r->kind == AST_RULE_PARTIAL_SET)
        kind = nrest == 0 ? GROUP_SET : GROUP_OBJECT, set_leaf = nrest > 0;
    else
        kind = nrest == 0 ? GROUP_COMPLETE : GROUP_OBJECT;

    int node = 0;
    for (int i = 0; i < nkeys; i++)
        node = ensure_child(c, node, keys[i]);
    cnode *nd = &c->nodes[node];
    int g = nd->group;
    if (g < 0) {
        c->groups = compile_grow(c->groups, &c->capgroups, c->ngroups + 1, sizeof *c->groups);
        g = c->ngroups++;
        cgroup *grp = &c->groups[g];
        memset(grp, 0, sizeof *grp);
        grp->kind = kind;
        grp->path = c->nodes[node].path;
        grp->name = path_name(c->a, keys, nkeys);
        grp->node = node;
        grp->nparams = r->nargs;
        grp->mod = m;
        c->nodes[node].group = g;
        for (int n = node; n >= 0; n = c->nodes[n].parent)
            c->nodes[n].has_rules = true;
    }
    cgroup *grp = &c->groups[g];
    if (grp->kind != kind || (kind == GROUP_FUNCTION && grp->nparams != r->nargs)) {
        if (kind == GROUP_FUNCTION && grp->kind == GROUP_FUNCTION)
            compile_error(c, STAGE_CONFLICTS, "rego_type_error", &r->loc, "conflicting rules %s found", grp->name);
        else
            compile_error(c, STAGE_CONFLICTS, "rego_type_error", &r->loc,
                          "conflicting rules %s found (%s and %s rules)", grp->name,
                          kind_word(grp->kind), kind_word(kind));
        return;
    }
    if (r->is_default) {
        if (grp->default_rule) {
            compile_error(c, STAGE_CONFLICTS, "rego_type_error", &r->loc, "multiple default rules %s found",
                          grp->name);
            return;
        }
        grp->default_rule = r;
        return;
    }
    grp->defs = compile_grow(grp->defs, &grp->capdefs, grp->ndefs + 1, sizeof *grp->defs);
    cdef *d = &grp->defs[grp->ndefs++];
    memset(d, 0, sizeof *d);
    d->rule = r;
    d->set_leaf = set_leaf;
    d->nrest = nrest;
    d->rest = nrest ? &h->ref.items[used] : NULL;
}

/* OPA's CheckPathConflicts with the store's NonEmpty: a rule may not be
 * defined where the base document has a value, nor below a value that is
 * not an object. */
static void check_data_conflict(compiler *c, const cgroup *grp, const val *data)
{
    const val *node = data;
    uint32_t n = val_len(grp->path);
    for (uint32_t i = 0; i < n; i++) {
        if (node->kind != VAL_OBJECT)
            break; /* a scalar, array or set on the way */
        node = val_object_get(node, val_array_items(grp->path)[i]);
        if (!node)
            return;
    }
    strbuf sb = STRBUF_INIT;
    for (uint32_t i = 0; i < n; i++) {
        const val *k = val_array_items(grp->path)[i];
        if (i)
            sb_putc(&sb, '/');
        if (k->kind == VAL_STRING)
            sb_append(&sb, val_str(k), val_len(k));
    }
    const ast_rule *r = grp->ndefs ? grp->defs[0].rule : grp->default_rule;
    compile_error(c, STAGE_CONFLICTS, "rego_compile_error", r ? &r->loc : NULL,
                  "conflicting rule for data path %s found", sb.data ? sb.data : "");
    sb_free(&sb);
}

/* ---- rule indexing ---- */

/* `ref == constant` where ref is input.a.b or data.a.b (strings only).
 * Returns the constant and fills the path (keys after input/data). */
static val *indexable_expr(compiler *c, const ast_expr *e, bool *on_input, val **path)
{
    if (e->negated || e->nwiths)
        return NULL;
    ast_term *a, *b;
    if (e->kind == AST_EXPR_UNIFY) {
        a = e->lhs;
        b = e->rhs;
    } else if (e->kind == AST_EXPR_TERM && e->term->kind == AST_CALL && e->term->call.nargs == 2 &&
               strcmp(e->term->call.fn_name, "equal") == 0) {
        a = e->term->call.args[0];
        b = e->term->call.args[1];
    } else {
        return NULL;
    }
    if (a->kind == AST_SCALAR) {
        ast_term *t = a;
        a = b;
        b = t;
    }
    if (a->kind != AST_REF || b->kind != AST_SCALAR)
        return NULL;
    ast_term *head = a->ref.items[0];
    if (head->kind != AST_VAR)
        return NULL;
    bool inp = strcmp(head->var.name, "input") == 0;
    if (!inp && strcmp(head->var.name, "data") != 0)
        return NULL;
    int n = a->ref.n - 1;
    val **keys = arena_alloc(&c->tmp, sizeof *keys * (size_t)(n ? n : 1));
    int node = 0;
    for (int i = 0; i < n; i++) {
        ast_term *op = a->ref.items[i + 1];
        if (op->kind != AST_SCALAR || op->value->kind != VAL_STRING)
            return NULL;
        keys[i] = op->value;
        if (!inp && node >= 0) {
            node = tree_child(c, node, val_str(keys[i]), val_len(keys[i]));
            if (node >= 0 && c->nodes[node].has_rules && i == n - 1)
                return NULL;
        }
    }
    if (!inp && n == 0)
        return NULL;
    if (!inp && node >= 0 && c->nodes[node].has_rules)
        return NULL; /* virtual documents are not indexed */
    *on_input = inp;
    *path = val_array(c->a, keys, (size_t)n);
    return b->value;
}

/* Candidate references for an index: every `ref == constant` of every
 * definition.  The best one splits the definitions into the most buckets
 * (e.g. input.path over input.method), among those most definitions test. */
static prog_index *build_index(compiler *c, const cgroup *g)
{
    if (g->kind != GROUP_COMPLETE || g->ndefs < 4)
        return NULL;
    typedef struct cand {
        val *path;
        bool inp;
        int count;
        val_setb values;
    } cand;
    cand *cands = NULL;
    int ncands = 0, capcands = 0;
    for (int d = 0; d < g->ndefs; d++) {
        const ast_rule *r = g->defs[d].rule;
        if (r->else_)
            continue;
        for (int i = 0; i < r->body->n; i++) {
            bool inp;
            val *path;
            val *k = indexable_expr(c, r->body->exprs[i], &inp, &path);
            if (!k)
                continue;
            int ci;
            for (ci = 0; ci < ncands; ci++)
                if (cands[ci].inp == inp && val_equal(cands[ci].path, path))
                    break;
            if (ci == ncands) {
                cands = compile_grow(cands, &capcands, ncands + 1, sizeof *cands);
                cands[ci].path = path;
                cands[ci].inp = inp;
                cands[ci].count = 0;
                val_setb_init(&cands[ci].values, &c->tmp);
                ncands++;
            }
            if (val_setb_add(&cands[ci].values, k) || true)
                cands[ci].count++;
        }
    }
    int best = -1;
    for (int ci = 0; ci < ncands; ci++) {
        if (cands[ci].count < g->ndefs / 2 || cands[ci].count < 4)
            continue;
        if (best < 0 || cands[ci].values.n > cands[best].values.n)
            best = ci;
    }
    val *best_path = best >= 0 ? cands[best].path : NULL;
    bool best_input = best >= 0 && cands[best].inp;
    bool useful = best >= 0 && cands[best].values.n > 1;
    free(cands);
    if (!useful)
        return NULL;

    /* constant -> definition positions */
    val_objb buckets;
    val_objb_init(&buckets, &c->tmp);
    uint32_t *always = arena_alloc(c->a, sizeof *always * (size_t)g->ndefs);
    uint32_t nalways = 0;
    for (int d = 0; d < g->ndefs; d++) {
        const ast_rule *r = g->defs[d].rule;
        val *key = NULL;
        if (!r->else_) {
            for (int i = 0; i < r->body->n && !key; i++) {
                bool inp;
                val *path;
                val *k = indexable_expr(c, r->body->exprs[i], &inp, &path);
                if (k && inp == best_input && val_equal(path, best_path))
                    key = k;
            }
        }
        if (!key) {
            always[nalways++] = (uint32_t)d;
            continue;
        }
        val *pos = val_int(&c->tmp, d);
        val *prev = val_objb_get(&buckets, key);
        if (prev) {
            /* positions kept as an array in the builder's arena; rebuilt on append */
            uint32_t n = val_len(prev);
            varr *arr = val_array_alloc(&c->tmp, n + 1);
            for (uint32_t i = 0; i < n; i++)
                arr->items[i] = val_array_items(prev)[i];
            arr->items[n] = pos;
            val_objb_set(&buckets, key, val_array_seal(arr));
        } else {
            val_objb_set(&buckets, key, val_array(&c->tmp, &pos, 1));
        }
    }
    prog_index *ix = arena_zalloc(c->a, sizeof *ix);
    ix->on_input = best_input;
    ix->path = val_copy(c->a, best_path);
    ix->keys = val_copy(c->a, val_objb_finish(&buckets));
    ix->always = always;
    ix->nalways = nalways;
    return ix;
}

/* ---- coverage probes ---- */

uint32_t compile_probe(compiler *c, const ast_loc *loc)
{
    const char *file = loc->file ? loc->file : "";
    for (int i = c->nprobes - 1; i >= 0; i--)
        if (c->probes[i].row == loc->row && strcmp(c->probes[i].file, file) == 0)
            return (uint32_t)i;
    c->probes = compile_grow(c->probes, &c->capprobes, c->nprobes + 1, sizeof *c->probes);
    c->probes[c->nprobes].file = arena_strndup(c->a, file, strlen(file));
    c->probes[c->nprobes].row = loc->row;
    c->probes[c->nprobes].col = loc->col;
    return (uint32_t)c->nprobes++;
}

/* ---- recursion check ---- */

void compile_note_dep(compiler *c, int from, int to)
{
    if (from < 0 || to < 0)
        return;
    for (int i = 0; i < c->ndeps[from]; i++)
        if (c->deps[from][i] == to)
            return;
    c->deps[from] = compile_grow(c->deps[from], &c->capdeps[from], c->ndeps[from] + 1, sizeof **c->deps);
    c->deps[from][c->ndeps[from]++] = to;
}

void compile_note_node_dep(compiler *c, int from, int node)
{
    if (from < 0 || node < 0)
        return;
    const cnode *n = &c->nodes[node];
    if (!n->has_rules)
        return;
    if (n->group >= 0)
        compile_note_dep(c, from, n->group);
    for (int i = 0; i < n->nchildren; i++)
        compile_note_node_dep(c, from, n->children[i]);
}

static bool visit(compiler *c, int g, char *state, int *stack, int depth)
{
    if (state[g] == 2)
        return true;
    if (state[g] == 1) {
        /* a cycle: name it from the rule where it closes, as OPA does */
        strbuf sb = STRBUF_INIT;
        int start = depth - 1;
        while (start > 0 && stack[start] != g)
            start--;
        for (int i = start; i < depth; i++)
            sb_printf(&sb, "%s -> ", c->groups[stack[i]].name);
        sb_puts(&sb, c->groups[g].name);
        const cgroup *grp = &c->groups[g];
        const ast_rule *r = grp->ndefs ? grp->defs[0].rule : grp->default_rule;
        compile_error(c, STAGE_RECURSION, "rego_recursion_error", r ? &r->loc : NULL, "rule %s is recursive: %s",
                      grp->name, sb.data);
        sb_free(&sb);
        return false;
    }
    state[g] = 1;
    stack[depth] = g;
    for (int i = 0; i < c->ndeps[g]; i++)
        if (!visit(c, c->deps[g][i], state, stack, depth + 1))
            return false;
    state[g] = 2;
    return true;
}

static void check_recursion(compiler *c)
{
    char *state = calloc((size_t)c->ngroups + 1, 1);
    int *stack = calloc((size_t)c->ngroups + 1, sizeof *stack);
    if (!state || !stack)
        abort();
    for (int g = 0; g < c->ngroups; g++)
        if (!visit(c, g, state, stack, 0))
            break;
    free(state);
    free(stack);
}

/* ---- program assembly ---- */

static void copy_tree(compiler *c, program *p)
{
    p->nnodes = (uint32_t)c->nnodes;
    p->nodes = arena_zalloc(c->a, sizeof *p->nodes * (size_t)(c->nnodes ? c->nnodes : 1));
    uint32_t memo = 0;
    for (int i = 0; i < c->nnodes; i++) {
        cnode *n = &c->nodes[i];
        prog_node *pn = &p->nodes[i];
        pn->key = n->key;
        pn->parent = n->parent;
        pn->group = n->group;
        pn->has_rules = n->has_rules;
        pn->path = n->path;
        pn->nchildren = n->nchildren;
        pn->children = arena_memdup(c->a, n->children, sizeof *n->children * (size_t)n->nchildren);
        pn->memo = n->has_rules ? (int)memo++ : -1;
    }
    p->ngroups = (uint32_t)c->ngroups;
    p->groups = arena_zalloc(c->a, sizeof *p->groups * (size_t)(c->ngroups ? c->ngroups : 1));
    for (int i = 0; i < c->ngroups; i++) {
        prog_group *pg = &p->groups[i];
        cgroup *g = &c->groups[i];
        pg->kind = g->kind;
        pg->name = g->name;
        pg->path = g->path;
        pg->node = g->node;
        pg->nparams = (uint32_t)g->nparams;
        pg->memo = g->kind == GROUP_FUNCTION ? -1 : (int)memo++;
        const ast_rule *any = g->ndefs ? g->defs[0].rule : g->default_rule;
        if (any) {
            pg->loc.file = any->loc.file ? arena_strndup(c->a, any->loc.file, strlen(any->loc.file)) : "";
            pg->loc.row = any->loc.row;
            pg->loc.col = any->loc.col;
        }
    }
    p->nmemo = memo;
}

/* Every definition gives the same constant (e.g. many `allow if ...`):
 * once one succeeds the group's value is known. */
static bool constant_value(compiler *c, const cgroup *g, val **out)
{
    if (g->kind != GROUP_COMPLETE && g->kind != GROUP_FUNCTION)
        return false;
    val *v = NULL;
    for (int d = 0; d < g->ndefs; d++) {
        const ast_rule *r = g->defs[d].rule;
        if (r->else_)
            return false;
        val *x = ast_term_to_value(&c->tmp, r->value);
        if (!x || (v && !val_equal(v, x)))
            return false;
        v = x;
    }
    *out = v;
    return v != NULL;
}

static void compiler_init(compiler *c, arena *a, rego_errors *errs)
{
    memset(c, 0, sizeof *c);
    c->a = a;
    arena_init(&c->tmp, 64 * 1024);
    c->errs = errs;
}

static void compiler_release(compiler *c)
{
    for (int i = 0; i < c->nnodes; i++)
        free(c->nodes[i].children);
    free(c->nodes);
    for (int i = 0; i < c->ngroups; i++) {
        free(c->groups[i].defs);
        if (c->deps)
            free(c->deps[i]);
    }
    free(c->groups);
    free(c->mods_by_file);
    free(c->deps);
    free(c->ndeps);
    free(c->capdeps);
    free(c->procs);
    free(c->probes);
    arena_release(&c->tmp);
}

static int cmp_mod_file(const void *a, const void *b)
{
    const ast_module *x = *(ast_module *const *)a, *y = *(ast_module *const *)b;
    return strcmp(x->file ? x->file : "", y->file ? y->file : "");
}

program *rego_compile(ast_module **mods, int nmods, rego_errors *errs)
{
    return rego_compile_opts(mods, nmods, NULL, errs);
}

program *rego_compile_opts(ast_module **mods, int nmods, const compile_opts *o, rego_errors *errs)
{
    program *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->a = arena_new(256 * 1024);
    if (!p->a) {
        free(p);
        return NULL;
    }
    compiler c;
    compiler_init(&c, p->a, errs);
    c.mods = mods;
    c.nmods = nmods;
    c.coverage = o && o->coverage;
    c.strict = o && o->strict;
    c.caps = p->caps = o && o->caps ? rego_caps_copy(p->a, o->caps) : NULL;
    rego_error *mark = errs->tail;
    if (o && o->test_cases)
        rego_inject_test_cases(mods, nmods);
    int errs_before = errs->n;
    c.mods_by_file = malloc(sizeof *c.mods_by_file * (size_t)(nmods ? nmods : 1));
    if (!c.mods_by_file)
        abort(); /* compile-time allocation failure, as elsewhere in the compiler */
    if (nmods)
        memcpy(c.mods_by_file, mods, sizeof *mods * (size_t)nmods);
    qsort(c.mods_by_file, (size_t)nmods, sizeof *c.mods_by_file, cmp_mod_file);
    /* OPA builds the annotation set on every compile: a block declared twice
     * for one package or document is an error even when nothing reads it */
    annotations_check(c.mods_by_file, nmods, errs);
    for (rego_error *e = mark ? mark->next : errs->head; e; e = e->next)
        if (!e->stage)
            e->stage = STAGE_ANNOTATIONS;
    /* checks of OPA's early stages that need no rule tree (strict.c) */
    for (int m = 0; m < nmods; m++)
        compile_check_module(&c, c.mods_by_file[m]);

    node_new(&c, -1, NULL); /* data */
    for (int m = 0; m < nmods; m++) {
        /* a package is a document even without rules (an empty object) */
        ast_term *pkg = mods[m]->package;
        int node = 0;
        for (int i = 1; i < pkg->ref.n; i++) {
            val *k = pkg->ref.items[i]->value;
            if (!k || k->kind != VAL_STRING)
                break;
            node = ensure_child(&c, node, val_copy(c.a, k));
        }
        for (int n = node; n >= 0; n = c.nodes[n].parent)
            c.nodes[n].has_rules = true;
        for (int r = 0; r < mods[m]->nrules; r++)
            add_rule(&c, mods[m], mods[m]->rules[r]);
    }

    if (o && o->data && o->data->kind == VAL_OBJECT)
        for (int g = 0; g < c.ngroups; g++)
            check_data_conflict(&c, &c.groups[g], o->data);

    c.deps = calloc((size_t)c.ngroups + 1, sizeof *c.deps);
    c.ndeps = calloc((size_t)c.ngroups + 1, sizeof *c.ndeps);
    c.capdeps = calloc((size_t)c.ngroups + 1, sizeof *c.capdeps);
    if (!c.deps || !c.ndeps || !c.capdeps)
        abort();

    /* group metadata first: lowering of calls needs kinds and arities */
    copy_tree(&c, p);
    c.prog = p;
    /* every group, so that a compile reports all the errors of a stage */
    for (int g = 0; g < c.ngroups; g++) {
        cgroup *grp = &c.groups[g];
        prog_group *pg = &p->groups[g];
        uint32_t *defs = arena_alloc(p->a, sizeof *defs * (size_t)(grp->ndefs ? grp->ndefs : 1));
        for (int d = 0; d < grp->ndefs; d++)
            defs[d] = (uint32_t)lower_definition(&c, g, &grp->defs[d]);
        pg->defs = defs;
        pg->ndefs = (uint32_t)grp->ndefs;
        pg->default_proc = -1;
        if (grp->default_rule) {
            val *dv = ast_term_to_value(p->a, grp->default_rule->value);
            if (dv) {
                pg->default_value = dv;
            } else {
                /* e.g. a comprehension: computed by its own procedure when needed */
                cdef dd;
                memset(&dd, 0, sizeof dd);
                dd.rule = grp->default_rule;
                pg->default_proc = lower_definition(&c, g, &dd);
            }
        }
        val *cv;
        pg->stop_early = constant_value(&c, grp, &cv);
        pg->index = build_index(&c, grp);
    }
    check_recursion(&c);

    p->nprocs = (uint32_t)c.nprocs;
    p->procs = c.nprocs ? arena_memdup(p->a, c.procs, sizeof *c.procs * (size_t)c.nprocs) : NULL;
    if (c.nprobes) {
        p->nprobes = (uint32_t)c.nprobes;
        p->probes = arena_memdup(p->a, c.probes, sizeof *c.probes * (size_t)c.nprobes);
        p->hits = arena_zalloc(p->a, (size_t)c.nprobes);
    }
    compiler_release(&c);
    if (errs->n != errs_before) {
        finish_errors(errs, mark, o ? o->max_errors : 0, true);
        program_free(p);
        return NULL;
    }
    return p;
}

/* A query is compiled against a program's tree and groups. */
compiled_query *rego_compile_query(const program *p, ast_body *body, rego_errors *errs)
{
    return rego_compile_query_in(p, body, NULL, errs);
}

compiled_query *rego_compile_query_in(const program *p, ast_body *body, ast_module *ctx, rego_errors *errs)
{
    compiled_query *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->a = arena_new(16 * 1024);
    if (!q->a) {
        free(q);
        return NULL;
    }
    compiler c;
    compiler_init(&c, q->a, errs);
    c.prog = (program *)p;
    c.caps = p->caps;
    rego_error *mark = errs->tail;
    /* mirror the program's tree for lookups */
    c.nnodes = c.capnodes = (int)p->nnodes;
    c.nodes = calloc((size_t)p->nnodes + 1, sizeof *c.nodes);
    for (uint32_t i = 0; i < p->nnodes; i++) {
        const prog_node *pn = &p->nodes[i];
        cnode *n = &c.nodes[i];
        n->key = pn->key;
        n->parent = pn->parent;
        n->group = pn->group;
        n->has_rules = pn->has_rules;
        n->path = pn->path;
        n->nchildren = n->capchildren = pn->nchildren;
        n->children = malloc(sizeof *n->children * (size_t)(pn->nchildren + 1));
        memcpy(n->children, pn->children, sizeof *n->children * (size_t)pn->nchildren);
    }
    c.ngroups = c.capgroups = (int)p->ngroups;
    c.groups = calloc((size_t)p->ngroups + 1, sizeof *c.groups);
    for (uint32_t i = 0; i < p->ngroups; i++) {
        c.groups[i].kind = p->groups[i].kind;
        c.groups[i].path = p->groups[i].path;
        c.groups[i].name = (char *)p->groups[i].name;
        c.groups[i].node = p->groups[i].node;
        c.groups[i].nparams = (int)p->groups[i].nparams;
    }
    int before = errs->n;
    int id = lower_query(&c, body, ctx, &q->shape);
    if (errs->n == before && id >= 0)
        q->proc = c.procs[id];
    compiler_release(&c);
    if (errs->n != before) {
        finish_errors(errs, mark, 0, false);
        compiled_query_free(q);
        return NULL;
    }
    return q;
}

void compiled_query_free(compiled_query *q)
{
    if (!q)
        return;
    arena_free(q->a);
    free(q);
}
