/* lower.c — rule bodies and queries to loop-structured IR (ir.h).
 *
 * Each expression is lowered in an order that makes it safe: every
 * variable it reads is bound by an earlier expression.  Expressions are
 * taken in source order when possible; one that is not yet safe waits until
 * a later one binds what it needs (OPA's reordering).  Whether an
 * expression is safe is decided by lowering it "dry" (into a scratch block,
 * undoing its bindings), so the check and the code can never disagree.
 *
 * Variables live in registers.  Binding a variable just records which
 * register holds it; a reference with an unbound variable as a key becomes a
 * SCAN whose key register is that variable.  Everything after the SCAN in
 * the body is lowered inside the loop (L->cur moves into the loop's body),
 * so a later failing check moves on to the next element.
 *
 * docs/lowering.md shows each construct's lowering with an example. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/number.h"
#include "../engine/strbuf.h"
#include "annotations.h"
#include "compiler.h"
#include "typecheck.h"

typedef struct lvar {
    const char *name;
    uint32_t reg;
    bool bound;
} lvar;

typedef struct trail_ent {
    int var;
    bool bound;
    uint32_t reg;
} trail_ent;

typedef struct nameset {
    const char **names;
    int n, cap;
    /* for a body's outer set: where each name is first declared with `:=`
     * (-1: never), and the expression being lowered.  A closure before the
     * declaration does not see that variable (OPA renames declared locals). */
    int *decl;
    int capdecl;
    int cur;
} nameset;

typedef struct lower {
    compiler *c;
    pbuild *pb;
    ast_module *mod;            /* the rule's module (globals, imports); NULL for queries */
    const ast_rule *link;       /* the rule (or else link) being lowered: rego.metadata.* */
    int group;                  /* group being compiled (dependencies); -1 for queries */
    arena *a;                   /* scratch (the compiler's tmp arena) */
    ir_block *cur;              /* where statements go */
    lvar *vars;
    int nvars, capvars;
    trail_ent *trail;
    int ntrail, captrail;
    int dry;                    /* > 0 while checking an expression */
    const char *unsafe;         /* first unsafe variable found while dry */
    ast_loc unsafe_loc;
    nameset *outer;             /* per enclosing body: variables used outside closures */
    int nouter, capouter;
    query_shape *query;         /* set when lowering a query */
    ast_body *query_body;
    bool query_capture_check;   /* OPA checks captured values when the query has >1 expr or iterates */
    int ordered;                /* > 0: loops must visit elements in OPA's order (array
                                   comprehensions, queries, bodies that print) */
} lower;

/* ---- errors ---- */

static void lerror(lower *L, int stage, const char *code, const ast_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void lerror(lower *L, int stage, const char *code, const ast_loc *loc, const char *fmt, ...)
{
    if (L->dry)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    compile_error(L->c, stage, code, loc, "%s", msg);
}

static const char *user_name(const char *name)
{
    return name[0] == '$' ? "_" : name;
}

static void unsafe_var(lower *L, const char *name, const ast_loc *loc)
{
    if (L->dry) {
        if (!L->unsafe) {
            L->unsafe = name;
            L->unsafe_loc = *loc;
        }
        return;
    }
    lerror(L, STAGE_SAFETY, "rego_unsafe_var_error", loc, "var %s is unsafe", user_name(name));
}

/* ---- variables ---- */

static int var_find(lower *L, const char *name)
{
    for (int i = L->nvars - 1; i >= 0; i--)
        if (strcmp(L->vars[i].name, name) == 0)
            return i;
    return -1;
}

static int var_add(lower *L, const char *name)
{
    L->vars = compile_grow(L->vars, &L->capvars, L->nvars + 1, sizeof *L->vars);
    L->vars[L->nvars].name = name;
    L->vars[L->nvars].reg = NOREG;
    L->vars[L->nvars].bound = false;
    return L->nvars++;
}

static void var_bind(lower *L, int i, uint32_t reg)
{
    L->trail = compile_grow(L->trail, &L->captrail, L->ntrail + 1, sizeof *L->trail);
    L->trail[L->ntrail].var = i;
    L->trail[L->ntrail].bound = L->vars[i].bound;
    L->trail[L->ntrail].reg = L->vars[i].reg;
    L->ntrail++;
    L->vars[i].bound = true;
    L->vars[i].reg = reg;
}

typedef struct mark {
    int nvars, ntrail;
} mark;

static mark mark_vars(lower *L) { return (mark){L->nvars, L->ntrail}; }

static void undo_vars(lower *L, mark m)
{
    while (L->ntrail > m.ntrail) {
        trail_ent *t = &L->trail[--L->ntrail];
        if (t->var < L->nvars) {
            L->vars[t->var].bound = t->bound;
            L->vars[t->var].reg = t->reg;
        }
    }
    L->nvars = m.nvars;
}

static bool is_wildcard(const ast_term *t) { return t->kind == AST_VAR && t->var.name[0] == '$'; }

/* ---- globals: rules of the package, imports, input and data ---- */

static int package_node(lower *L)
{
    if (!L->mod || !L->mod->package)
        return -1;
    ast_term *pkg = L->mod->package;
    int node = 0;
    for (int i = 1; i < pkg->ref.n && node >= 0; i++) {
        val *k = pkg->ref.items[i]->value;
        if (k->kind != VAL_STRING)
            return -1;
        node = tree_child(L->c, node, val_str(k), val_len(k));
    }
    return node;
}

static ast_term *mk_var(lower *L, const char *name, const ast_loc *loc)
{
    ast_term *t = arena_zalloc(L->a, sizeof *t);
    t->kind = AST_VAR;
    t->var.name = name;
    t->loc = *loc;
    return t;
}

static ast_term *mk_string(lower *L, val *s, const ast_loc *loc)
{
    ast_term *t = arena_zalloc(L->a, sizeof *t);
    t->kind = AST_SCALAR;
    t->value = s;
    t->loc = *loc;
    return t;
}

/* If `name` (not a local) names a global, give its expansion as reference
 * items: data.pkg.name for a rule of the package, the import's path for an
 * import, [input] / [data] for the roots. */
static bool global_items(lower *L, const char *name, const ast_loc *loc, ast_term ***items, int *n)
{
    if (strcmp(name, "input") == 0 || strcmp(name, "data") == 0) {
        ast_term **it = arena_alloc(L->a, sizeof *it);
        it[0] = mk_var(L, name, loc);
        *items = it;
        *n = 1;
        return true;
    }
    if (!L->mod)
        return false;
    int pn = package_node(L);
    if (pn >= 0 && tree_child(L->c, pn, name, strlen(name)) >= 0) {
        ast_term *pkg = L->mod->package;
        int np = pkg->ref.n;
        ast_term **it = arena_alloc(L->a, sizeof *it * (size_t)(np + 1));
        it[0] = mk_var(L, "data", loc);
        for (int i = 1; i < np; i++)
            it[i] = mk_string(L, pkg->ref.items[i]->value, loc);
        it[np] = mk_string(L, val_cstring(L->a, name), loc);
        *items = it;
        *n = np + 1;
        return true;
    }
    for (int i = 0; i < L->mod->nimports; i++) {
        ast_import *im = &L->mod->imports[i];
        ast_term *p = im->path;
        const char *alias = im->alias;
        const char *last;
        if (p->kind == AST_VAR)
            last = p->var.name;
        else {
            ast_term *lt = p->ref.items[p->ref.n - 1];
            last = lt->kind == AST_SCALAR && lt->value->kind == VAL_STRING ? val_str(lt->value)
                   : lt->kind == AST_VAR                                   ? lt->var.name
                                                                           : NULL;
        }
        const char *bind = alias ? alias : last;
        if (!bind || strcmp(bind, name) != 0)
            continue;
        const char *root = p->kind == AST_VAR ? p->var.name : p->ref.items[0]->var.name;
        if (strcmp(root, "data") != 0 && strcmp(root, "input") != 0)
            continue; /* future.keywords, rego.v1 */
        if (p->kind == AST_VAR) {
            ast_term **it = arena_alloc(L->a, sizeof *it);
            it[0] = mk_var(L, root, loc);
            *items = it;
            *n = 1;
        } else {
            ast_term **it = arena_alloc(L->a, sizeof *it * (size_t)p->ref.n);
            it[0] = mk_var(L, root, loc);
            for (int k = 1; k < p->ref.n; k++)
                it[k] = p->ref.items[k];
            *items = it;
            *n = p->ref.n;
        }
        return true;
    }
    return false;
}

static bool is_global(lower *L, const char *name)
{
    ast_term **it;
    int n;
    ast_loc loc = {0};
    return name[0] != '$' && global_items(L, name, &loc, &it, &n);
}

/* A variable term that no expression has bound yet (and that is no global). */
static bool is_unbound_var(lower *L, const ast_term *t)
{
    if (t->kind != AST_VAR)
        return false;
    int i = var_find(L, t->var.name);
    if (i >= 0)
        return !L->vars[i].bound;
    return !is_global(L, t->var.name);
}

static int var_local(lower *L, const char *name)
{
    int i = var_find(L, name);
    return i >= 0 ? i : var_add(L, name);
}

/* ---- emission helpers ---- */

static ir_stmt *emit(lower *L, int op, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    return ir_op(L->a, L->cur, op, a, b, c, d, e);
}

static uint32_t new_reg(lower *L) { return pb_reg(L->pb); }

static uint32_t load_const(lower *L, val *v)
{
    uint32_t r = new_reg(L);
    emit(L, OP_LOADK, r, pb_const(L->pb, v), 0, 0, 0);
    return r;
}

/* Open a loop over R[src]: statements after it go in its body. */
static void open_scan(lower *L, uint32_t src, uint32_t key, uint32_t value)
{
    ir_stmt *s = ir_add(L->a, L->cur, IR_SCAN);
    s->w[0] = pb_iter(L->pb);
    s->w[1] = src;
    s->w[2] = key;
    s->w[3] = value;
    s->w[4] = L->ordered > 0;
    s->body = ir_block_new(L->a);
    L->cur = s->body;
}

static ir_block *open_nested(lower *L, ir_kind kind)
{
    ir_stmt *s = ir_add(L->a, L->cur, kind);
    s->body = ir_block_new(L->a);
    return s->body;
}

/* ---- forward declarations ---- */
static uint32_t lt_term(lower *L, ast_term *t);
static void lt_term_to(lower *L, ast_term *t, uint32_t dst);
static void lower_unify(lower *L, ast_term *a, ast_term *b);
static void unify_reg(lower *L, ast_term *p, uint32_t r);
static void lower_body(lower *L, ast_body *body);
/* `=` and `:=` (and `some x in xs`) are calls of eq in OPA's compiler, which
 * looks them up among the builtins like any call: a capabilities document
 * without eq makes them undefined. */
static void check_eq_allowed(lower *L, const ast_expr *e)
{
    if (L->c->caps && !rego_caps_allows(L->c->caps, "eq"))
        lerror(L, STAGE_UNDEFINED_FUNCS, "rego_type_error", &e->loc, "undefined function eq");
}

static void lower_expr(lower *L, ast_expr *e);
static bool evaluable(lower *L, const ast_term *t);
static uint32_t lt_call(lower *L, ast_term *t, int nargs);

/* ---- variable sets (for closures) ---- */

static void ns_add(lower *L, nameset *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return;
    s->names = compile_grow(s->names, &s->cap, s->n + 1, sizeof *s->names);
    s->names[s->n++] = name;
}

/* Variables of a term; closures included only when `closures` is set. */
static void term_vars(lower *L, const ast_term *t, nameset *out, bool closures);

static void body_vars(lower *L, const ast_body *b, nameset *out, bool closures);

static void expr_vars(lower *L, const ast_expr *e, nameset *out, bool closures)
{
    switch (e->kind) {
    case AST_EXPR_TERM:
        term_vars(L, e->term, out, closures);
        break;
    case AST_EXPR_UNIFY:
    case AST_EXPR_ASSIGN:
        term_vars(L, e->lhs, out, closures);
        term_vars(L, e->rhs, out, closures);
        break;
    case AST_EXPR_SOME:
        for (int i = 0; i < e->some.nvars; i++)
            term_vars(L, e->some.vars[i], out, closures);
        if (e->some.key)
            term_vars(L, e->some.key, out, closures);
        if (e->some.value)
            term_vars(L, e->some.value, out, closures);
        if (e->some.coll)
            term_vars(L, e->some.coll, out, closures);
        break;
    case AST_EXPR_EVERY:
        term_vars(L, e->every.domain, out, closures);
        if (closures) {
            if (e->every.key)
                term_vars(L, e->every.key, out, closures);
            term_vars(L, e->every.value, out, closures);
            body_vars(L, e->every.body, out, closures);
        }
        break;
    }
    for (int i = 0; i < e->nwiths; i++)
        term_vars(L, e->withs[i].value, out, closures);
}

static void body_vars(lower *L, const ast_body *b, nameset *out, bool closures)
{
    for (int i = 0; i < b->n; i++)
        expr_vars(L, b->exprs[i], out, closures);
}

static void term_vars(lower *L, const ast_term *t, nameset *out, bool closures)
{
    switch (t->kind) {
    case AST_SCALAR:
        break;
    case AST_VAR:
        if (t->var.name[0] != '$')
            ns_add(L, out, t->var.name);
        break;
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++)
            term_vars(L, t->ref.items[i], out, closures);
        break;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            term_vars(L, t->coll.items[i], out, closures);
        break;
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        if (closures) {
            if (t->compr.key)
                term_vars(L, t->compr.key, out, closures);
            term_vars(L, t->compr.head, out, closures);
            body_vars(L, t->compr.body, out, closures);
        }
        break;
    case AST_CALL:
        for (int i = 0; i < t->call.nargs; i++)
            term_vars(L, t->call.args[i], out, closures);
        break;
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            term_vars(L, t->tmpl.parts[i], out, closures);
        break;
    }
}

/* A closure (comprehension, every) may read variables of the enclosing body
 * only once they are bound there. */
static bool closure_ready(lower *L, const nameset *inner, const ast_loc *loc)
{
    if (L->nouter == 0)
        return true;
    const nameset *outer = &L->outer[L->nouter - 1];
    for (int i = 0; i < inner->n; i++) {
        const char *name = inner->names[i];
        int at = -1;
        for (int k = 0; k < outer->n; k++)
            if (strcmp(outer->names[k], name) == 0) {
                at = k;
                break;
            }
        if (at < 0)
            continue;
        if (outer->decl && outer->decl[at] > outer->cur)
            continue;
        int v = var_find(L, name);
        if (v >= 0 && L->vars[v].bound)
            continue;
        if (v < 0 && is_global(L, name))
            continue;
        unsafe_var(L, name, loc);
        return false;
    }
    return true;
}

/* ---- evaluability (static: can this term be computed now?) ---- */

static bool ref_head_ok(lower *L, const ast_term *h)
{
    if (h->kind == AST_VAR) {
        int i = var_find(L, h->var.name);
        if (i >= 0)
            return L->vars[i].bound;
        return is_global(L, h->var.name);
    }
    return evaluable(L, h);
}

static bool evaluable(lower *L, const ast_term *t)
{
    switch (t->kind) {
    case AST_SCALAR:
        return true;
    case AST_VAR:
        return !is_unbound_var(L, t);
    case AST_REF:
        if (!ref_head_ok(L, t->ref.items[0]))
            return false;
        for (int i = 1; i < t->ref.n; i++) {
            const ast_term *op = t->ref.items[i];
            if (op->kind == AST_VAR || op->kind == AST_SCALAR)
                continue; /* an unbound variable key iterates */
            if (!evaluable(L, op))
                return false;
        }
        return true;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            if (!evaluable(L, t->coll.items[i]))
                return false;
        return true;
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        return true; /* closure readiness is checked when it is lowered */
    case AST_CALL:
        for (int i = 0; i < t->call.nargs; i++)
            if (!evaluable(L, t->call.args[i]))
                return false;
        return true;
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            if (!evaluable(L, t->tmpl.parts[i]))
                return false;
        return true;
    }
    return false;
}

static const ast_term *first_unbound(lower *L, const ast_term *t)
{
    switch (t->kind) {
    case AST_VAR:
        return is_unbound_var(L, t) ? t : NULL;
    case AST_REF:
        return first_unbound(L, t->ref.items[0]);
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++) {
            const ast_term *u = first_unbound(L, t->coll.items[i]);
            if (u)
                return u;
        }
        return NULL;
    case AST_CALL:
        for (int i = 0; i < t->call.nargs; i++) {
            const ast_term *u = first_unbound(L, t->call.args[i]);
            if (u)
                return u;
        }
        return NULL;
    default:
        return NULL;
    }
}

/* ---- references ---- */

static bool is_string_scalar(const ast_term *t)
{
    return t->kind == AST_SCALAR && t->value->kind == VAL_STRING;
}

/* Index R[base] by the operands ops[0..n): constants and bound terms look
 * up, unbound variables iterate. */
static uint32_t apply_ops(lower *L, uint32_t base, ast_term **ops, int n)
{
    for (int i = 0; i < n; i++) {
        ast_term *op = ops[i];
        if (op->kind == AST_SCALAR) {
            uint32_t r = new_reg(L);
            emit(L, OP_DOTK, r, base, pb_const(L->pb, op->value), 0, 0);
            base = r;
        } else if (is_unbound_var(L, op)) {
            uint32_t v = new_reg(L);
            if (is_wildcard(op)) {
                open_scan(L, base, NOREG, v);
            } else {
                uint32_t k = new_reg(L);
                open_scan(L, base, k, v);
                var_bind(L, var_local(L, op->var.name), k);
            }
            base = v;
        } else if (evaluable(L, op)) {
            uint32_t k = lt_term(L, op);
            uint32_t r = new_reg(L);
            emit(L, OP_DOT, r, base, k, 0, 0);
            base = r;
        } else {
            /* a composite key with unbound variables: iterate and match */
            uint32_t k = new_reg(L), v = new_reg(L);
            open_scan(L, base, k, v);
            unify_reg(L, op, k);
            base = v;
        }
    }
    return base;
}

static bool node_has_rule_children(lower *L, int node)
{
    const cnode *n = &L->c->nodes[node];
    for (int i = 0; i < n->nchildren; i++)
        if (L->c->nodes[n->children[i]].has_rules)
            return true;
    return false;
}

/* A constant key of a reference into data, as the store sees it: strings,
 * and numbers as their text (data[2] reads the key "2", as OPA's storage
 * paths do). */
static val *data_key(lower *L, const ast_term *op)
{
    if (op->kind != AST_SCALAR)
        return NULL;
    val *v = op->value;
    if (v->kind == VAL_STRING)
        return v;
    if (v->kind != VAL_NUMBER)
        return NULL;
    strbuf sb = STRBUF_INIT;
    num_write(&sb, v);
    val *k = val_string(L->a, sb.data, sb.len);
    sb_free(&sb);
    return k;
}

/* data.<ops>: walk the rule tree as far as the constant keys go, then read a
 * rule's value, a virtual document, or base data, and index the rest. */
static uint32_t lt_data_ref(lower *L, ast_term **ops, int n, const ast_loc *loc)
{
    compiler *c = L->c;
    int node = 0, i = 0;
    val *key;
    while (i < n && c->nodes[node].has_rules && (key = data_key(L, ops[i]))) {
        int ch = tree_child(c, node, val_str(key), val_len(key));
        if (ch < 0)
            break;
        node = ch;
        i++;
        if (c->nodes[node].group >= 0)
            break;
    }
    const cnode *cn = &c->nodes[node];
    uint32_t r = new_reg(L);
    if (cn->group >= 0) {
        const cgroup *g = &c->groups[cn->group];
        if (g->kind == GROUP_FUNCTION) {
            lerror(L, STAGE_TYPES, "rego_type_error", loc, "function %s called without arguments", g->name);
            return r;
        }
        if (node_has_rule_children(L, node)) {
            compile_note_node_dep(c, L->group, node);
            emit(L, OP_VDOC, r, (uint32_t)node, 0, 0, 0);
        } else {
            compile_note_dep(c, L->group, cn->group);
            emit(L, OP_CALLR, r, (uint32_t)cn->group, 0, 0, 0);
        }
    } else if (cn->has_rules && !(i < n && data_key(L, ops[i]))) {
        compile_note_node_dep(c, L->group, node);
        emit(L, OP_VDOC, r, (uint32_t)node, 0, 0, 0);
    } else {
        /* base data: the node's path plus the following constant keys */
        int j = i;
        while (j < n && data_key(L, ops[j]))
            j++;
        uint32_t plen = val_len(cn->path) + (uint32_t)(j - i);
        varr *path = val_array_alloc(L->a, plen);
        uint32_t k = 0;
        for (; k < val_len(cn->path); k++)
            path->items[k] = val_array_items(cn->path)[k];
        for (int x = i; x < j; x++)
            path->items[k++] = data_key(L, ops[x]);
        emit(L, OP_DATA, r, pb_const(L->pb, val_array_seal(path)), 0, 0, 0);
        i = j;
    }
    return apply_ops(L, r, ops + i, n - i);
}

/* A reference given as items (head first). */
static uint32_t lt_ref_items(lower *L, ast_term **items, int n, const ast_loc *loc)
{
    ast_term *h = items[0];
    if (h->kind == AST_VAR) {
        int v = var_find(L, h->var.name);
        if (v >= 0) {
            if (!L->vars[v].bound) {
                unsafe_var(L, h->var.name, &h->loc);
                return new_reg(L);
            }
            return apply_ops(L, L->vars[v].reg, items + 1, n - 1);
        }
        if (strcmp(h->var.name, "input") == 0) {
            uint32_t r = new_reg(L);
            emit(L, OP_INPUT, r, 0, 0, 0, 0);
            return apply_ops(L, r, items + 1, n - 1);
        }
        if (strcmp(h->var.name, "data") == 0)
            return lt_data_ref(L, items + 1, n - 1, loc);
        ast_term **g;
        int ng;
        if (h->var.name[0] != '$' && global_items(L, h->var.name, &h->loc, &g, &ng)) {
            ast_term **all = arena_alloc(L->a, sizeof *all * (size_t)(ng + n - 1));
            memcpy(all, g, sizeof *all * (size_t)ng);
            memcpy(all + ng, items + 1, sizeof *all * (size_t)(n - 1));
            return lt_ref_items(L, all, ng + n - 1, loc);
        }
        unsafe_var(L, h->var.name, &h->loc);
        return new_reg(L);
    }
    uint32_t base = lt_term(L, h);
    return apply_ops(L, base, items + 1, n - 1);
}

/* ---- composite terms ---- */

static uint32_t lt_collection(lower *L, ast_term *t)
{
    val *ground = ast_term_to_value(L->a, t);
    if (ground)
        return load_const(L, ground);
    uint32_t n = (uint32_t)t->coll.n;
    uint32_t base = pb_regs(L->pb, n ? n : 1);
    for (uint32_t i = 0; i < n; i++)
        lt_term_to(L, t->coll.items[i], base + i);
    uint32_t r = new_reg(L);
    int op = t->kind == AST_ARRAY ? OP_MKARR : t->kind == AST_SET ? OP_MKSET : OP_MKOBJ;
    emit(L, op, r, base, t->kind == AST_OBJECT ? n / 2 : n, 0, 0);
    return r;
}

static void push_outer(lower *L, ast_body *b, ast_term *head, ast_term *key)
{
    L->outer = compile_grow(L->outer, &L->capouter, L->nouter + 1, sizeof *L->outer);
    nameset *s = &L->outer[L->nouter++];
    memset(s, 0, sizeof *s);
    body_vars(L, b, s, false);
    if (head)
        term_vars(L, head, s, false);
    if (key)
        term_vars(L, key, s, false);
    s->decl = malloc(sizeof *s->decl * (size_t)(s->n + 1));
    if (!s->decl)
        abort();
    for (int i = 0; i < s->n; i++)
        s->decl[i] = -1;
    for (int e = 0; e < b->n; e++) {
        if (b->exprs[e]->kind != AST_EXPR_ASSIGN)
            continue;
        nameset lv = {0};
        term_vars(L, b->exprs[e]->lhs, &lv, false);
        for (int k = 0; k < lv.n; k++)
            for (int i = 0; i < s->n; i++)
                if (s->decl[i] < 0 && strcmp(s->names[i], lv.names[k]) == 0)
                    s->decl[i] = e;
        free(lv.names);
    }
}

static void pop_outer(lower *L)
{
    nameset *s = &L->outer[--L->nouter];
    free(s->names);
    free(s->decl);
}

static void set_outer_cur(lower *L, int i)
{
    if (L->nouter)
        L->outer[L->nouter - 1].cur = i;
}

static uint32_t lt_compr(lower *L, ast_term *t)
{
    nameset inner = {0};
    term_vars(L, t, &inner, true);
    bool ready = closure_ready(L, &inner, &t->loc);
    free(inner.names);
    uint32_t b = new_reg(L);
    if (!ready)
        return b;
    int newop = t->kind == AST_ARRAY_COMPR ? OP_NEWARR : t->kind == AST_SET_COMPR ? OP_NEWSET : OP_NEWOBJ;
    emit(L, newop, b, 0, 0, 0, 0);
    ir_block *saved = L->cur;
    L->cur = open_nested(L, IR_ALL);
    mark m = mark_vars(L);
    int ordered = t->kind == AST_ARRAY_COMPR;
    L->ordered += ordered;
    push_outer(L, t->compr.body, t->compr.head, t->compr.key);
    lower_body(L, t->compr.body);
    if (t->kind == AST_OBJECT_COMPR) {
        uint32_t k = lt_term(L, t->compr.key);
        uint32_t v = lt_term(L, t->compr.head);
        emit(L, OP_PUT, b, k, v, pb_loc(L->pb, &t->loc), 0);
    } else {
        uint32_t v = lt_term(L, t->compr.head);
        emit(L, OP_PUSH, b, v, 0, 0, 0);
    }
    L->ordered -= ordered;
    pop_outer(L);
    undo_vars(L, m);
    L->cur = saved;
    emit(L, OP_FINISH, b, 0, 0, 0, 0);
    return b;
}

static uint32_t lt_template(lower *L, ast_term *t)
{
    /* $"a{x}b" is internal.template_string([parts]) */
    const builtin_def *bi = builtin_lookup("internal.template_string");
    uint32_t n = (uint32_t)t->tmpl.n;
    uint32_t base = pb_regs(L->pb, n ? n : 1);
    for (uint32_t i = 0; i < n; i++) {
        ast_term *p = t->tmpl.parts[i];
        if (p->kind == AST_SCALAR) {
            lt_term_to(L, p, base + i);
            continue;
        }
        /* each expression part is a set of its values (empty when undefined) */
        uint32_t s = base + i;
        emit(L, OP_NEWSET, s, 0, 0, 0, 0);
        ir_block *saved = L->cur;
        L->cur = open_nested(L, IR_ALL);
        mark m = mark_vars(L);
        uint32_t v = lt_term(L, p);
        emit(L, OP_PUSH, s, v, 0, 0, 0);
        undo_vars(L, m);
        L->cur = saved;
        emit(L, OP_FINISH, s, 0, 0, 0, 0);
    }
    uint32_t arr = new_reg(L);
    emit(L, OP_MKARR, arr, base, n, 0, 0);
    uint32_t r = new_reg(L);
    if (!bi) {
        lerror(L, STAGE_TEMPLATE, "rego_type_error", &t->loc, "template strings are not supported");
        return r;
    }
    uint32_t args = pb_regs(L->pb, 1);
    emit(L, OP_MOVE, args, arr, 0, 0, 0);
    emit(L, OP_CALLB, r, pb_builtin(L->pb, bi), args, 1, pb_loc(L->pb, &t->loc));
    return r;
}

static uint32_t lt_term(lower *L, ast_term *t)
{
    switch (t->kind) {
    case AST_SCALAR:
        return load_const(L, t->value);
    case AST_VAR: {
        int v = var_find(L, t->var.name);
        if (v >= 0) {
            if (L->vars[v].bound)
                return L->vars[v].reg;
            unsafe_var(L, t->var.name, &t->loc);
            return new_reg(L);
        }
        ast_term *items[1] = {t};
        return lt_ref_items(L, items, 1, &t->loc);
    }
    case AST_REF:
        return lt_ref_items(L, t->ref.items, t->ref.n, &t->loc);
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        return lt_collection(L, t);
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        return lt_compr(L, t);
    case AST_CALL:
        return lt_call(L, t, t->call.nargs);
    case AST_TEMPLATE:
        return lt_template(L, t);
    }
    return new_reg(L);
}

static void lt_term_to(lower *L, ast_term *t, uint32_t dst)
{
    uint32_t r = lt_term(L, t);
    if (r != dst)
        emit(L, OP_MOVE, dst, r, 0, 0, 0);
}

/* ---- calls ---- */

typedef struct callee {
    const builtin_def *bi;  /* builtin, or */
    int group;              /* user function group */
    int arity;
    const char *name;
    val *constant;          /* rego.metadata.*() in a rule: its value, known at compile time */
} callee;

/* Path keys of a function reference (data.pkg.f, f, a.b.f, imported). */
static bool function_path(lower *L, ast_term *fn, val ***keys, int *nkeys)
{
    ast_term **items;
    int n;
    ast_term *single[1];
    if (fn->kind == AST_VAR) {
        single[0] = fn;
        items = single;
        n = 1;
    } else if (fn->kind == AST_REF) {
        items = fn->ref.items;
        n = fn->ref.n;
    } else {
        return false;
    }
    if (items[0]->kind != AST_VAR)
        return false;
    const char *hn = items[0]->var.name;
    if (var_find(L, hn) >= 0)
        return false;
    ast_term **g;
    int ng;
    if (strcmp(hn, "data") == 0) {
        g = items;
        ng = 1;
    } else if (!global_items(L, hn, &items[0]->loc, &g, &ng) || strcmp(g[0]->var.name, "data") != 0) {
        return false;
    }
    int total = ng - 1 + n - 1;
    val **k = arena_alloc(L->a, sizeof *k * (size_t)(total ? total : 1));
    int m = 0;
    for (int i = 1; i < ng; i++) {
        if (!is_string_scalar(g[i]))
            return false;
        k[m++] = g[i]->value;
    }
    for (int i = 1; i < n; i++) {
        if (!is_string_scalar(items[i]))
            return false;
        k[m++] = items[i]->value;
    }
    *keys = k;
    *nkeys = m;
    return true;
}

/* rego.metadata.rule() and rego.metadata.chain() inside a rule are the
 * rule's annotations, which the compiler knows (OPA rewrites them the same
 * way); in a query they are builtins that report an error. */
static val *metadata_call(lower *L, const char *name)
{
    if (!L->link || !L->mod || strncmp(name, "rego.metadata.", 14) != 0 || !rego_caps_allows(L->c->caps, name))
        return NULL;
    ast_module *const *mods = L->c->mods_by_file;
    if (strcmp(name + 14, "rule") == 0)
        return annotations_rule(L->a, mods, L->c->nmods, L->mod, L->link);
    if (strcmp(name + 14, "chain") == 0)
        return annotations_chain(L->a, mods, L->c->nmods, L->mod, L->link);
    return NULL;
}

static bool resolve_callee(lower *L, ast_term *t, callee *out)
{
    memset(out, 0, sizeof *out);
    out->group = -1;
    out->name = t->call.fn_name;
    if ((out->constant = metadata_call(L, t->call.fn_name)) != NULL)
        return true; /* arity 0 */
    val **keys;
    int nkeys;
    if (function_path(L, t->call.fn, &keys, &nkeys)) {
        int g = group_by_path(L->c, keys, nkeys);
        if (g >= 0 && L->c->groups[g].kind == GROUP_FUNCTION) {
            out->group = g;
            out->arity = L->c->groups[g].nparams;
            out->name = L->c->groups[g].name;
            return true;
        }
    }
    const builtin_def *bi = compile_builtin(L->c, t->call.fn_name);
    if (bi) {
        out->bi = bi;
        out->arity = bi->arity;
        return true;
    }
    lerror(L, STAGE_UNDEFINED_FUNCS, "rego_type_error", &t->loc, "undefined function %s", t->call.fn_name);
    return false;
}

/* Call t with its first `nargs` arguments; the result register. */
static uint32_t lt_call_with(lower *L, ast_term *t, const callee *ce, int nargs)
{
    if (ce->constant)
        return load_const(L, ce->constant);
    uint32_t n = (uint32_t)nargs;
    uint32_t base = pb_regs(L->pb, n ? n : 1);
    for (uint32_t i = 0; i < n; i++)
        lt_term_to(L, t->call.args[i], base + i);
    uint32_t r = new_reg(L);
    uint32_t loc = pb_loc(L->pb, &t->loc);
    if (ce->bi && !L->dry && typecheck_builtin_args(L->a, ce->bi, t->call.args, nargs) >= 0)
        lerror(L, STAGE_TYPES, "rego_type_error", &t->loc, "%s: invalid argument(s)", t->call.fn_name);
    if (ce->bi) {
        emit(L, OP_CALLB, r, pb_builtin(L->pb, ce->bi), base, n, loc);
    } else {
        compile_note_dep(L->c, L->group, ce->group);
        emit(L, OP_CALLF, r, (uint32_t)ce->group, base, n, loc);
    }
    return r;
}

/* Calls nested in the arguments of a call to an undefined function are
 * looked up too: OPA pulls nested calls out before it looks for undefined
 * functions, so each undefined one is reported. */
static void lower_orphan_args(lower *L, ast_term *t)
{
    for (int i = 0; i < t->call.nargs; i++) {
        ast_term *a = t->call.args[i];
        switch (a->kind) {
        case AST_CALL: {
            callee ce;
            resolve_callee(L, a, &ce);
            lower_orphan_args(L, a);
            break;
        }
        case AST_ARRAY:
        case AST_SET:
        case AST_OBJECT:
            for (int k = 0; k < a->coll.n; k++) {
                ast_term *x = a->coll.items[k];
                ast_term one = {.kind = AST_CALL, .loc = x->loc};
                one.call.args = &x;
                one.call.nargs = 1;
                lower_orphan_args(L, &one);
            }
            break;
        default:
            break;
        }
    }
}

static uint32_t lt_call(lower *L, ast_term *t, int nargs)
{
    callee ce;
    if (!resolve_callee(L, t, &ce)) {
        lower_orphan_args(L, t);
        return new_reg(L);
    }
    if (nargs != ce.arity) {
        lerror(L, STAGE_UNDEFINED_FUNCS, "rego_type_error", &t->loc, "%s: %s arguments", t->call.fn_name,
               nargs > ce.arity ? "too many" : "too few");
        return new_reg(L);
    }
    if (ce.bi && (ce.bi->flags & BI_F_RELATION)) {
        lerror(L, STAGE_TYPES, "rego_type_error", &t->loc, "%s: relation used as a value", t->call.fn_name);
        return new_reg(L);
    }
    for (int i = 0; i < nargs; i++) {
        const ast_term *u = NULL;
        if (!evaluable(L, t->call.args[i]) && (u = first_unbound(L, t->call.args[i]))) {
            unsafe_var(L, u->var.name, &u->loc);
            return new_reg(L);
        }
    }
    return lt_call_with(L, t, &ce, nargs);
}

static int compare_op(const char *name)
{
    if (strcmp(name, "equal") == 0)
        return OP_EQ;
    if (strcmp(name, "neq") == 0)
        return OP_NEQ;
    if (strcmp(name, "lt") == 0)
        return OP_LT;
    if (strcmp(name, "lte") == 0)
        return OP_LE;
    if (strcmp(name, "gt") == 0)
        return OP_GT;
    if (strcmp(name, "gte") == 0)
        return OP_GE;
    return -1;
}

/* print(a, b) becomes internal.print([{values of a}, {values of b}]):
 * an operand that is undefined prints as <undefined> instead of failing. */
static void lower_print(lower *L, ast_term *t)
{
    const builtin_def *bi = compile_builtin(L->c, "internal.print");
    uint32_t n = (uint32_t)t->call.nargs;
    uint32_t base = pb_regs(L->pb, n ? n : 1);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = base + i;
        emit(L, OP_NEWSET, s, 0, 0, 0, 0);
        ir_block *saved = L->cur;
        L->cur = open_nested(L, IR_ALL);
        mark m = mark_vars(L);
        const ast_term *u = NULL;
        if (!evaluable(L, t->call.args[i]) && (u = first_unbound(L, t->call.args[i])))
            unsafe_var(L, u->var.name, &u->loc);
        else {
            uint32_t v = lt_term(L, t->call.args[i]);
            emit(L, OP_PUSH, s, v, 0, 0, 0);
        }
        undo_vars(L, m);
        L->cur = saved;
        emit(L, OP_FINISH, s, 0, 0, 0, 0);
    }
    uint32_t arg = pb_regs(L->pb, 1);
    emit(L, OP_MKARR, arg, base, n, 0, 0);
    uint32_t r = new_reg(L);
    if (!bi) {
        /* OPA rewrites print() to internal.print() before it looks for undefined functions */
        lerror(L, STAGE_UNDEFINED_FUNCS, "rego_type_error", &t->loc, "undefined function %s",
               L->c->caps ? "internal.print" : "print");
        return;
    }
    emit(L, OP_CALLB, r, pb_builtin(L->pb, bi), arg, 1, pb_loc(L->pb, &t->loc));
}

/* A call written as an expression: a test, or with an output argument. */
static uint32_t lower_call_expr(lower *L, ast_term *t)
{
    const char *name = t->call.fn_name;
    if (strcmp(name, "print") == 0 && !(L->mod && is_global(L, "print"))) {
        lower_print(L, t);
        return NOREG;
    }
    callee ce;
    if (!resolve_callee(L, t, &ce)) {
        lower_orphan_args(L, t);
        return NOREG;
    }
    int nargs = t->call.nargs;
    if (ce.bi && nargs == 2 && ce.arity == 2 && compare_op(ce.bi->name) >= 0 && !L->query) {
        ast_term *a = t->call.args[0], *b = t->call.args[1];
        const ast_term *u = NULL;
        if ((!evaluable(L, a) && (u = first_unbound(L, a))) || (!evaluable(L, b) && (u = first_unbound(L, b)))) {
            unsafe_var(L, u->var.name, &u->loc);
            return NOREG;
        }
        int op = compare_op(ce.bi->name);
        if (op == OP_EQ && b->kind == AST_SCALAR) {
            uint32_t ra = lt_term(L, a);
            emit(L, OP_EQK, ra, pb_const(L->pb, b->value), 0, 0, 0);
        } else if (op == OP_EQ && a->kind == AST_SCALAR) {
            uint32_t rb = lt_term(L, b);
            emit(L, OP_EQK, rb, pb_const(L->pb, a->value), 0, 0, 0);
        } else {
            uint32_t ra = lt_term(L, a);
            uint32_t rb = lt_term(L, b);
            emit(L, op, ra, rb, 0, 0, 0);
        }
        return NOREG;
    }
    if (nargs == ce.arity + 1) {
        for (int i = 0; i < ce.arity; i++) {
            const ast_term *u = NULL;
            if (!evaluable(L, t->call.args[i]) && (u = first_unbound(L, t->call.args[i]))) {
                unsafe_var(L, u->var.name, &u->loc);
                return NOREG;
            }
        }
        uint32_t r = lt_call_with(L, t, &ce, ce.arity);
        ast_term *out = t->call.args[ce.arity];
        if (ce.bi && (ce.bi->flags & BI_F_RELATION)) {
            uint32_t v = new_reg(L);
            open_scan(L, r, NOREG, v);
            unify_reg(L, out, v);
        } else {
            unify_reg(L, out, r);
        }
        return NOREG;
    }
    if (nargs != ce.arity) {
        lerror(L, STAGE_UNDEFINED_FUNCS, "rego_type_error", &t->loc, "%s: %s arguments", name, nargs > ce.arity ? "too many" : "too few");
        return NOREG;
    }
    uint32_t r = lt_call(L, t, nargs);
    if (ce.bi && (ce.bi->flags & BI_F_VOID))
        return NOREG;
    return r;
}

/* ---- unification ---- */

static void bind_pattern_var(lower *L, const ast_term *v, uint32_t r)
{
    if (is_wildcard(v))
        return;
    var_bind(L, var_local(L, v->var.name), r);
}

static void emit_fail(lower *L)
{
    /* compare two different constants: always false */
    uint32_t r = load_const(L, VAL_TRUE_V);
    emit(L, OP_EQK, r, pb_const(L->pb, VAL_FALSE_V), 0, 0, 0);
}

/* Match pattern p against the value in R[r]. */
static void unify_reg(lower *L, ast_term *p, uint32_t r)
{
    if (p->kind == AST_VAR && is_unbound_var(L, p)) {
        bind_pattern_var(L, p, r);
        return;
    }
    if (p->kind == AST_SCALAR) {
        emit(L, OP_EQK, r, pb_const(L->pb, p->value), 0, 0, 0);
        return;
    }
    if (evaluable(L, p)) {
        uint32_t rp = lt_term(L, p);
        emit(L, OP_EQ, rp, r, 0, 0, 0);
        return;
    }
    if (p->kind == AST_ARRAY) {
        emit(L, OP_ISARR, r, (uint32_t)p->coll.n, 0, 0, 0);
        for (int i = 0; i < p->coll.n; i++) {
            uint32_t e = new_reg(L);
            emit(L, OP_DOTK, e, r, pb_const(L->pb, val_int(L->a, i)), 0, 0);
            unify_reg(L, p->coll.items[i], e);
        }
        return;
    }
    if (p->kind == AST_OBJECT) {
        int n = p->coll.n / 2;
        for (int i = 0; i < n; i++) {
            if (!evaluable(L, p->coll.items[2 * i])) {
                const ast_term *u = first_unbound(L, p->coll.items[2 * i]);
                unsafe_var(L, u ? u->var.name : "?", &p->coll.items[2 * i]->loc);
                return;
            }
        }
        emit(L, OP_ISOBJ, r, (uint32_t)n, 0, 0, 0);
        for (int i = 0; i < n; i++) {
            ast_term *k = p->coll.items[2 * i];
            uint32_t v = new_reg(L);
            if (k->kind == AST_SCALAR)
                emit(L, OP_DOTK, v, r, pb_const(L->pb, k->value), 0, 0);
            else
                emit(L, OP_DOT, v, r, lt_term(L, k), 0, 0);
            unify_reg(L, p->coll.items[2 * i + 1], v);
        }
        return;
    }
    const ast_term *u = first_unbound(L, p);
    unsafe_var(L, u ? u->var.name : "?", &p->loc);
}

static bool pair_ready(lower *L, ast_term *a, ast_term *b)
{
    return evaluable(L, a) || evaluable(L, b) ||
           (a->kind == AST_ARRAY && b->kind == AST_ARRAY) ||
           (a->kind == AST_OBJECT && b->kind == AST_OBJECT);
}

static void unify_pairs(lower *L, ast_term **as, ast_term **bs, int n, const ast_loc *loc)
{
    bool *done = calloc((size_t)n + 1, sizeof *done);
    if (!done)
        abort();
    int left = n;
    while (left > 0) {
        bool progress = false;
        for (int i = 0; i < n; i++) {
            if (done[i] || !pair_ready(L, as[i], bs[i]))
                continue;
            lower_unify(L, as[i], bs[i]);
            done[i] = true;
            left--;
            progress = true;
        }
        if (!progress)
            break;
    }
    for (int i = 0; i < n && left > 0; i++) {
        if (!done[i]) {
            const ast_term *u = first_unbound(L, as[i]);
            if (!u)
                u = first_unbound(L, bs[i]);
            unsafe_var(L, u ? u->var.name : "?", u ? &u->loc : loc);
            break;
        }
    }
    free(done);
}

static void lower_unify(lower *L, ast_term *a, ast_term *b)
{
    bool ua = is_unbound_var(L, a), ub = is_unbound_var(L, b);
    if (ua && ub) {
        unsafe_var(L, is_wildcard(a) ? b->var.name : a->var.name, &a->loc);
        return;
    }
    if (ua || ub) {
        ast_term *v = ua ? a : b, *x = ua ? b : a;
        if (!evaluable(L, x)) {
            if (x->kind == AST_ARRAY || x->kind == AST_OBJECT) {
                const ast_term *u = first_unbound(L, x);
                unsafe_var(L, u ? u->var.name : v->var.name, u ? &u->loc : &v->loc);
                return;
            }
            const ast_term *u = first_unbound(L, x);
            unsafe_var(L, u ? u->var.name : v->var.name, u ? &u->loc : &v->loc);
            return;
        }
        uint32_t r = lt_term(L, x);
        bind_pattern_var(L, v, r);
        return;
    }
    bool ea = evaluable(L, a), eb = evaluable(L, b);
    if (ea && eb) {
        if (b->kind == AST_SCALAR) {
            emit(L, OP_EQK, lt_term(L, a), pb_const(L->pb, b->value), 0, 0, 0);
        } else if (a->kind == AST_SCALAR) {
            emit(L, OP_EQK, lt_term(L, b), pb_const(L->pb, a->value), 0, 0, 0);
        } else {
            uint32_t ra = lt_term(L, a);
            uint32_t rb = lt_term(L, b);
            emit(L, OP_EQ, ra, rb, 0, 0, 0);
        }
        return;
    }
    if (eb) {
        unify_reg(L, a, lt_term(L, b));
        return;
    }
    if (ea) {
        unify_reg(L, b, lt_term(L, a));
        return;
    }
    if (a->kind == AST_ARRAY && b->kind == AST_ARRAY) {
        if (a->coll.n != b->coll.n) {
            emit_fail(L);
            return;
        }
        unify_pairs(L, a->coll.items, b->coll.items, a->coll.n, &a->loc);
        return;
    }
    if (a->kind == AST_OBJECT && b->kind == AST_OBJECT) {
        int n = a->coll.n / 2;
        if (n != b->coll.n / 2) {
            emit_fail(L);
            return;
        }
        ast_term **as = arena_alloc(L->a, sizeof *as * (size_t)(n ? n : 1));
        ast_term **bs = arena_alloc(L->a, sizeof *bs * (size_t)(n ? n : 1));
        for (int i = 0; i < n; i++) {
            val *ka = ast_term_to_value(L->a, a->coll.items[2 * i]);
            int j;
            for (j = 0; j < n; j++) {
                val *kb = ast_term_to_value(L->a, b->coll.items[2 * j]);
                if (ka && kb && val_equal(ka, kb))
                    break;
            }
            if (!ka || j == n) {
                emit_fail(L);
                return;
            }
            as[i] = a->coll.items[2 * i + 1];
            bs[i] = b->coll.items[2 * j + 1];
        }
        unify_pairs(L, as, bs, n, &a->loc);
        return;
    }
    const ast_term *u = first_unbound(L, a);
    if (!u)
        u = first_unbound(L, b);
    unsafe_var(L, u ? u->var.name : "?", u ? &u->loc : &a->loc);
}

/* ---- expressions ---- */

static void check_negated_vars(lower *L, ast_expr *e)
{
    nameset vs = {0};
    expr_vars(L, e, &vs, false);
    for (int i = 0; i < vs.n; i++) {
        int v = var_find(L, vs.names[i]);
        if ((v >= 0 && !L->vars[v].bound) || (v < 0 && !is_global(L, vs.names[i]))) {
            /* find the occurrence for the location */
            unsafe_var(L, vs.names[i], &e->loc);
            break;
        }
    }
    free(vs.names);
}

static void lower_some_in(lower *L, ast_expr *e)
{
    ast_term *k = e->some.key, *v = e->some.value;
    const ast_term *u = NULL;
    if (!evaluable(L, e->some.coll) && (u = first_unbound(L, e->some.coll))) {
        unsafe_var(L, u->var.name, &u->loc);
        return;
    }
    uint32_t coll = lt_term(L, e->some.coll);
    /* `some x in xs` declares x: a new local even if a rule of that name exists */
    if (k && k->kind == AST_VAR && !is_wildcard(k) && var_find(L, k->var.name) < 0)
        var_add(L, k->var.name);
    if (v->kind == AST_VAR && !is_wildcard(v) && var_find(L, v->var.name) < 0)
        var_add(L, v->var.name);
    uint32_t kr = NOREG, vr;
    bool k_direct = k && is_unbound_var(L, k);
    bool v_direct = is_unbound_var(L, v);
    if (k && !(k_direct && is_wildcard(k)))
        kr = new_reg(L);
    vr = (v_direct && is_wildcard(v)) ? NOREG : new_reg(L);
    if (vr == NOREG && kr == NOREG)
        vr = new_reg(L);
    open_scan(L, coll, kr, vr);
    if (k && kr != NOREG)
        unify_reg(L, k, kr);
    if (vr != NOREG)
        unify_reg(L, v, vr);
}

static void lower_every(lower *L, ast_expr *e)
{
    const ast_term *u = NULL;
    if (!evaluable(L, e->every.domain) && (u = first_unbound(L, e->every.domain))) {
        unsafe_var(L, u->var.name, &u->loc);
        return;
    }
    nameset inner = {0};
    body_vars(L, e->every.body, &inner, true);
    bool ready = closure_ready(L, &inner, &e->loc);
    free(inner.names);
    if (!ready)
        return;
    uint32_t dom = lt_term(L, e->every.domain);
    emit(L, OP_ISCOLL, dom, 0, 0, 0, 0); /* every over a non-collection is undefined */
    /* every x in xs { b }  ==  not (some x in xs; not b) */
    ir_block *saved = L->cur;
    L->cur = open_nested(L, IR_NOT);
    mark m = mark_vars(L);
    ast_term *k = e->every.key, *v = e->every.value;
    if (k && !is_wildcard(k))
        var_add(L, k->var.name);
    if (!is_wildcard(v) && v->kind == AST_VAR)
        var_add(L, v->var.name);
    uint32_t kr = k && !is_wildcard(k) ? new_reg(L) : NOREG;
    uint32_t vr = new_reg(L);
    open_scan(L, dom, kr, vr);
    if (kr != NOREG)
        unify_reg(L, k, kr);
    unify_reg(L, v, vr);
    L->cur = open_nested(L, IR_NOT);
    push_outer(L, e->every.body, NULL, NULL);
    lower_body(L, e->every.body);
    pop_outer(L);
    undo_vars(L, m);
    L->cur = saved;
}

/* The query expression whose value the result reports, or -1.  A negated
 * expression's value is true (NOREG), not the value of what it negates,
 * which is undefined or false whenever the expression succeeds. */
static int query_expr_index(lower *L, const ast_expr *e)
{
    if (!L->query || e->negated)
        return -1;
    for (int i = 0; i < L->query_body->n; i++)
        if (L->query_body->exprs[i] == e)
            return i;
    return -1;
}

static void lower_expr_plain(lower *L, ast_expr *e)
{
    switch (e->kind) {
    case AST_EXPR_TERM: {
        ast_term *t = e->term;
        int qi = query_expr_index(L, e);
        uint32_t r;
        if (t->kind == AST_CALL) {
            if (qi >= 0) {
                /* the query reports the call's value (OPA captures it) */
                callee ce;
                if (!resolve_callee(L, t, &ce))
                    return;
                if (t->call.nargs == ce.arity && !(ce.bi && (ce.bi->flags & (BI_F_VOID | BI_F_RELATION))) &&
                    strcmp(t->call.fn_name, "print") != 0) {
                    r = lt_call(L, t, t->call.nargs);
                    if (!L->dry)
                        L->query->expr_regs[qi] = r;
                    if (L->query_capture_check)
                        emit(L, OP_TRUTHY, r, 0, 0, 0, 0);
                    return;
                }
            }
            r = lower_call_expr(L, t);
            if (r != NOREG)
                emit(L, OP_TRUTHY, r, 0, 0, 0, 0);
            return;
        }
        const ast_term *u = NULL;
        if (!evaluable(L, t) && (u = first_unbound(L, t))) {
            unsafe_var(L, u->var.name, &u->loc);
            return;
        }
        r = lt_term(L, t);
        if (qi >= 0) {
            if (!L->dry)
                L->query->expr_regs[qi] = r;
            if (L->query_capture_check)
                emit(L, OP_TRUTHY, r, 0, 0, 0, 0);
        } else {
            emit(L, OP_TRUTHY, r, 0, 0, 0, 0);
        }
        return;
    }
    case AST_EXPR_UNIFY:
        check_eq_allowed(L, e);
        lower_unify(L, e->lhs, e->rhs);
        return;
    case AST_EXPR_ASSIGN: {
        check_eq_allowed(L, e);
        /* the left side's variables were declared by lower_body */
        nameset lv = {0};
        term_vars(L, e->lhs, &lv, false);
        for (int i = 0; i < lv.n; i++) {
            int v = var_find(L, lv.names[i]);
            if (v >= 0 && L->vars[v].bound) {
                lerror(L, STAGE_LOCAL_VARS, "rego_compile_error", &e->loc, "var %s assigned above", lv.names[i]);
                free(lv.names);
                return;
            }
        }
        free(lv.names);
        lower_unify(L, e->lhs, e->rhs);
        return;
    }
    case AST_EXPR_SOME:
        if (e->some.coll) {
            check_eq_allowed(L, e);
            lower_some_in(L, e);
        }
        return;
    case AST_EXPR_EVERY:
        lower_every(L, e);
        return;
    }
}

static void lower_not(lower *L, ast_expr *e)
{
    check_negated_vars(L, e);
    ir_block *saved = L->cur;
    L->cur = open_nested(L, IR_NOT);
    mark m = mark_vars(L);
    lower_expr_plain(L, e);
    undo_vars(L, m);
    L->cur = saved;
}

/* ---- with ---- */

static bool with_target(lower *L, ast_with *w, with_entry *en)
{
    ast_term *t = w->target;
    ast_term **items;
    int n;
    ast_term *single[1];
    if (t->kind == AST_VAR) {
        single[0] = t;
        items = single;
        n = 1;
    } else if (t->kind == AST_REF) {
        items = t->ref.items;
        n = t->ref.n;
    } else {
        lerror(L, STAGE_WITH, "rego_compile_error", &w->loc, "with keyword target must reference existing input, data, or a function");
        return false;
    }
    if (items[0]->kind != AST_VAR) {
        lerror(L, STAGE_WITH, "rego_compile_error", &w->loc, "with keyword target must reference existing input, data, or a function");
        return false;
    }
    const char *root = items[0]->var.name;
    if (strcmp(root, "input") == 0 || strcmp(root, "data") == 0) {
        bool is_input = root[0] == 'i';
        val **keys = arena_alloc(L->c->a, sizeof *keys * (size_t)n);
        for (int i = 1; i < n; i++) {
            if (!is_string_scalar(items[i]) && items[i]->kind != AST_SCALAR) {
                lerror(L, STAGE_WITH, "rego_compile_error", &w->loc, "with keyword target must be a ground reference");
                return false;
            }
            keys[i - 1] = val_copy(L->c->a, items[i]->value);
        }
        if (!is_input) {
            int g = group_by_path(L->c, keys, n - 1);
            if (g >= 0 && L->c->groups[g].kind == GROUP_FUNCTION) {
                en->target = WITH_FUNCTION;
                en->group = g;
                return true;
            }
        }
        en->target = is_input ? WITH_INPUT : WITH_DATA;
        en->path = val_array(L->c->a, keys, (size_t)(n - 1));
        return true;
    }
    /* a function or builtin name */
    val **keys;
    int nk;
    if (function_path(L, t, &keys, &nk)) {
        int g = group_by_path(L->c, keys, nk);
        if (g >= 0 && L->c->groups[g].kind == GROUP_FUNCTION) {
            en->target = WITH_FUNCTION;
            en->group = g;
            return true;
        }
        if (g >= 0 || t->kind == AST_VAR) {
            /* a rule of the package: replace it like data.pkg.rule */
            if (g >= 0) {
                en->target = WITH_DATA;
                en->path = val_copy(L->c->a, L->c->groups[g].path);
                return true;
            }
        }
    }
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < n; i++) {
        if (i)
            sb_putc(&sb, '.');
        if (items[i]->kind == AST_VAR)
            sb_puts(&sb, items[i]->var.name);
        else if (is_string_scalar(items[i]))
            sb_puts(&sb, val_str(items[i]->value));
    }
    const builtin_def *bi = compile_builtin(L->c, sb.data ? sb.data : "");
    sb_free(&sb);
    if (bi) {
        en->target = WITH_BUILTIN;
        en->bi = bi;
        return true;
    }
    lerror(L, STAGE_WITH, "rego_compile_error", &w->loc, "with keyword target must reference existing input, data, or a function");
    return false;
}

/* A function replaced by one of another arity would be called with the
 * wrong number of arguments: refused at compile time, as OPA's type
 * checker does ("arity mismatch"). */
static void with_check_arity(lower *L, ast_with *w, const with_entry *en, int repl_arity)
{
    int arity = en->target == WITH_FUNCTION ? L->c->groups[en->group].nparams : en->bi->arity;
    if (arity == repl_arity)
        return;
    strbuf sb = STRBUF_INIT;
    ast_write_term(&sb, w->target);
    lerror(L, STAGE_TYPES, "rego_type_error", &w->loc, "%s: arity mismatch", sb.data ? sb.data : "");
    sb_free(&sb);
}

/* The replacement: a function/builtin name (en->repl set, false returned),
 * or a value to compute (true returned). */
static bool with_replacement(lower *L, ast_with *w, with_entry *en)
{
    ast_term *v = w->value;
    if (en->target == WITH_FUNCTION || en->target == WITH_BUILTIN) {
        val **keys;
        int nk;
        if ((v->kind == AST_VAR || v->kind == AST_REF) && !(v->kind == AST_VAR && var_find(L, v->var.name) >= 0)) {
            if (function_path(L, v, &keys, &nk)) {
                int g = group_by_path(L->c, keys, nk);
                if (g >= 0 && L->c->groups[g].kind == GROUP_FUNCTION) {
                    en->repl = WITH_BY_FUNCTION;
                    en->repl_group = g;
                    compile_note_dep(L->c, L->group, g);
                    with_check_arity(L, w, en, L->c->groups[g].nparams);
                    return false;
                }
            }
            strbuf sb = STRBUF_INIT;
            ast_term **items = v->kind == AST_REF ? v->ref.items : &v;
            int n = v->kind == AST_REF ? v->ref.n : 1;
            bool dotted = true;
            for (int i = 0; i < n; i++) {
                if (i)
                    sb_putc(&sb, '.');
                if (items[i]->kind == AST_VAR)
                    sb_puts(&sb, items[i]->var.name);
                else if (is_string_scalar(items[i]))
                    sb_puts(&sb, val_str(items[i]->value));
                else
                    dotted = false;
            }
            const builtin_def *bi = dotted && sb.data ? compile_builtin(L->c, sb.data) : NULL;
            sb_free(&sb);
            if (bi) {
                en->repl = WITH_BY_BUILTIN;
                en->repl_bi = bi;
                with_check_arity(L, w, en, bi->arity);
                return false;
            }
        }
    }
    en->repl = WITH_VALUE;
    return true;
}

static void lower_with(lower *L, ast_expr *e)
{
    int n = e->nwiths;
    with_desc d;
    d.n = n;
    d.entries = arena_zalloc(L->c->a, sizeof *d.entries * (size_t)n);
    bool *is_value = arena_zalloc(L->a, sizeof *is_value * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (!with_target(L, &e->withs[i], &d.entries[i]))
            return;
        is_value[i] = with_replacement(L, &e->withs[i], &d.entries[i]);
        const ast_term *u = NULL;
        if (is_value[i] && !evaluable(L, e->withs[i].value) && (u = first_unbound(L, e->withs[i].value))) {
            unsafe_var(L, u->var.name, &u->loc);
            return;
        }
    }
    uint32_t base = pb_regs(L->pb, (uint32_t)n);
    for (int i = 0; i < n; i++)
        if (is_value[i])
            lt_term_to(L, e->withs[i].value, base + (uint32_t)i);
    uint32_t wd = L->dry ? 0 : pb_with(L->pb, d);
    /* Evaluate the expression under the overrides, collecting the values of
     * the variables it binds; then continue outside with each solution. */
    uint32_t sols = new_reg(L);
    emit(L, OP_WITHPUSH, wd, base, 0, 0, 0);
    emit(L, OP_NEWARR, sols, 0, 0, 0, 0);
    ir_block *saved = L->cur;
    L->cur = open_nested(L, IR_ALL);
    mark m = mark_vars(L);
    if (e->negated)
        lower_not(L, e);
    else
        lower_expr_plain(L, e);
    /* variables newly bound by the expression */
    int nb = 0;
    int *bound = malloc(sizeof *bound * (size_t)(L->nvars + 1));
    if (!bound)
        abort();
    for (int i = 0; i < L->nvars; i++) {
        if (!L->vars[i].bound || L->vars[i].name[0] == '$')
            continue;
        bool was_bound = false, changed = false;
        for (int t = m.ntrail; t < L->ntrail; t++)
            if (L->trail[t].var == i) {
                if (!changed)
                    was_bound = L->trail[t].bound;
                changed = true;
            }
        if (changed && !was_bound)
            bound[nb++] = i;
    }
    uint32_t tup = pb_regs(L->pb, (uint32_t)(nb ? nb : 1));
    for (int i = 0; i < nb; i++)
        emit(L, OP_MOVE, tup + (uint32_t)i, L->vars[bound[i]].reg, 0, 0, 0);
    uint32_t row = new_reg(L);
    emit(L, OP_MKARR, row, tup, (uint32_t)nb, 0, 0);
    emit(L, OP_PUSH, sols, row, 0, 0, 0);
    const char **names = malloc(sizeof *names * (size_t)(nb + 1));
    if (!names)
        abort();
    for (int i = 0; i < nb; i++)
        names[i] = L->vars[bound[i]].name;
    undo_vars(L, m);
    L->cur = saved;
    emit(L, OP_WITHPOP, 0, 0, 0, 0, 0);
    emit(L, OP_FINISH, sols, 0, 0, 0, 0);
    uint32_t one = new_reg(L);
    if (nb == 0) {
        /* only whether it succeeded matters: continue once */
        L->cur = open_nested(L, IR_EXISTS);
        open_scan(L, sols, NOREG, one);
    } else {
        open_scan(L, sols, NOREG, one);
        for (int i = 0; i < nb; i++) {
            uint32_t r = new_reg(L);
            emit(L, OP_DOTK, r, one, pb_const(L->pb, val_int(L->a, i)), 0, 0);
            var_bind(L, var_local(L, names[i]), r);
        }
    }
    free(names);
    free(bound);
}

static void lower_expr(lower *L, ast_expr *e)
{
    if (e->nwiths)
        lower_with(L, e);
    else if (e->negated)
        lower_not(L, e);
    else
        lower_expr_plain(L, e);
}

/* ---- bodies: safe ordering ---- */

/* Lower e dry; false (with the first unsafe variable) when it cannot run
 * yet.  Its bindings and code are undone, unless keep is set and it could
 * run: a dry run inside a dry run keeps them, since lowering the same
 * expression again would only redo them, and doing so at each level of
 * nested bodies (every, comprehensions) doubled the work per level. */
static bool try_expr(lower *L, ast_expr *e, bool keep, const char **unsafe, ast_loc *loc)
{
    mark m = mark_vars(L);
    ir_block *saved = L->cur;
    L->cur = ir_block_new(L->a);
    pbuild snap = *L->pb;
    uint32_t nk = L->pb->nk, nlocs = L->pb->nlocs, nbi = L->pb->nbi, nw = L->pb->nwiths;
    const char *prev_unsafe = L->unsafe;
    L->unsafe = NULL;
    L->dry++;
    int errs_before = L->c->errs->n;
    lower_expr(L, e);
    L->dry--;
    bool ok = L->unsafe == NULL;
    if (!ok) {
        *unsafe = L->unsafe;
        *loc = L->unsafe_loc;
    }
    L->unsafe = prev_unsafe;
    (void)errs_before;
    if (ok && keep)
        return true;
    undo_vars(L, m);
    L->cur = saved;
    L->pb->nregs = snap.nregs;
    L->pb->niters = snap.niters;
    L->pb->nk = nk;
    L->pb->nlocs = nlocs;
    L->pb->nbi = nbi;
    L->pb->nwiths = nw;
    return ok;
}

/* Declare the variables introduced by `:=` and `some` so that they are
 * locals (shadowing rules of the same name) everywhere in the body. */
static void declare_locals(lower *L, ast_body *b)
{
    for (int i = 0; i < b->n; i++) {
        ast_expr *e = b->exprs[i];
        nameset vs = {0};
        if (e->kind == AST_EXPR_ASSIGN)
            term_vars(L, e->lhs, &vs, false);
        else if (e->kind == AST_EXPR_SOME && !e->some.coll)
            for (int k = 0; k < e->some.nvars; k++)
                term_vars(L, e->some.vars[k], &vs, false);
        for (int k = 0; k < vs.n; k++) {
            int v = var_find(L, vs.names[k]);
            if (v < 0 || L->vars[v].bound)
                var_add(L, vs.names[k]);
        }
        free(vs.names);
    }
}

/* What an expression that could not run saw of its variables: lowering
 * reads nothing else that changes while a body is lowered, so while this
 * stays the same, trying again gives the same answer.  Without this, an
 * expression that fails in every pass was lowered once per pass, and its
 * nested bodies once per pass of theirs: exponential in the nesting. */
typedef struct failed_try {
    nameset vars;           /* its variables, closures included (once computed) */
    int *state;             /* per variable: -1 undeclared, else 2 * var index + bound */
} failed_try;

static void try_state(lower *L, const ast_expr *e, failed_try *f, int *state)
{
    for (int k = 0; k < f->vars.n; k++) {
        int v = var_find(L, f->vars.names[k]);
        state[k] = v < 0 ? -1 : 2 * v + (L->vars[v].bound ? 1 : 0);
    }
}

static void remember_failure(lower *L, const ast_expr *e, failed_try *f)
{
    if (!f->state) {
        expr_vars(L, e, &f->vars, true);
        for (int w = 0; w < e->nwiths; w++) {
            term_vars(L, e->withs[w].target, &f->vars, true);
            term_vars(L, e->withs[w].value, &f->vars, true);
        }
        f->state = malloc(sizeof *f->state * (size_t)(f->vars.n + 1));
        if (!f->state)
            abort();
    }
    try_state(L, e, f, f->state);
}

static bool same_as_failure(lower *L, const ast_expr *e, const failed_try *f, int *scratch)
{
    if (!f->state)
        return false;
    try_state(L, e, (failed_try *)f, scratch);
    return memcmp(scratch, f->state, sizeof *scratch * (size_t)f->vars.n) == 0;
}

static void lower_body(lower *L, ast_body *b)
{
    declare_locals(L, b);
    int n = b->n;
    bool *done = calloc((size_t)n + 1, sizeof *done);
    /* why each expression could not run when last tried, and what it saw */
    const char **why = calloc((size_t)n + 1, sizeof *why);
    ast_loc *where = calloc((size_t)n + 1, sizeof *where);
    failed_try *failed = calloc((size_t)n + 1, sizeof *failed);
    if (!done || !why || !where || !failed)
        abort();
    int *scratch = NULL;
    int capscratch = 0;
    int left = n;
    while (left > 0) {
        bool progress = false;
        for (int i = 0; i < n; i++) {
            if (done[i])
                continue;
            if (failed[i].state) {
                scratch = compile_grow(scratch, &capscratch, failed[i].vars.n + 1, sizeof *scratch);
                if (same_as_failure(L, b->exprs[i], &failed[i], scratch))
                    continue;
            }
            set_outer_cur(L, i);
            if (!try_expr(L, b->exprs[i], L->dry > 0, &why[i], &where[i])) {
                remember_failure(L, b->exprs[i], &failed[i]);
                continue;
            }
            if (!L->dry) {
                set_outer_cur(L, i);
                if (L->c->coverage && !L->query && !b->exprs[i]->generated)
                    emit(L, OP_LINE, compile_probe(L->c, &b->exprs[i]->loc), 0, 0, 0, 0);
                lower_expr(L, b->exprs[i]);
            }
            done[i] = true;
            left--;
            progress = true;
        }
        if (!progress)
            break;
    }
    /* The last pass made no progress, so it tried what is left in the final
     * state: its answers stand (trying again would double the work at each
     * level of nested bodies). */
    for (int i = 0; i < n && left > 0; i++)
        if (!done[i])
            unsafe_var(L, why[i], &where[i]);
    for (int i = 0; i < n; i++) {
        free(failed[i].vars.names);
        free(failed[i].state);
    }
    free(failed);
    free(scratch);
    free(done);
    free(why);
    free(where);
}

/* ---- definitions ---- */

static void lower_init(lower *L, compiler *c, pbuild *pb, ast_module *mod, int group)
{
    memset(L, 0, sizeof *L);
    L->c = c;
    L->pb = pb;
    L->mod = mod;
    L->group = group;
    L->a = &c->tmp;
}

static void lower_release(lower *L)
{
    free(L->vars);
    free(L->trail);
    for (int i = 0; i < L->nouter; i++) {
        free(L->outer[i].names);
        free(L->outer[i].decl);
    }
    free(L->outer);
}

/* The head's action for one solution of a body. */
static void lower_head(lower *L, const cgroup *g, const cdef *d, const ast_rule *r)
{
    uint32_t loc = pb_loc(L->pb, &r->loc);
    if (L->c->coverage)
        emit(L, OP_LINE, compile_probe(L->c, &r->loc), 0, 0, 0, 0); /* the head counts when the rule yields */
    switch (g->kind) {
    case GROUP_COMPLETE:
    case GROUP_FUNCTION:
        emit(L, OP_RESULT, lt_term(L, r->value), loc, 0, 0, 0);
        break;
    case GROUP_SET:
        emit(L, OP_SETADD, lt_term(L, r->key), 0, 0, 0, 0);
        break;
    case GROUP_OBJECT: {
        uint32_t n = (uint32_t)d->nrest;
        uint32_t base = pb_regs(L->pb, n);
        for (uint32_t i = 0; i < n; i++)
            lt_term_to(L, d->rest[i], base + i);
        if (d->set_leaf)
            emit(L, OP_OBJADD, base, lt_term(L, r->key), n, loc, 0);
        else
            emit(L, OP_OBJINS, base, lt_term(L, r->value), n, loc, 0);
        break;
    }
    }
}

static void lower_chain_link(lower *L, const cgroup *g, const cdef *d, ast_rule *r)
{
    mark m = mark_vars(L);
    push_outer(L, r->body, r->value, r->key);
    lower_body(L, r->body);
    lower_head(L, g, d, r); /* an unbound head variable is reported there, at its location */
    pop_outer(L);
    undo_vars(L, m);
}

static bool value_constant(lower *L, const cgroup *g, const ast_rule *r)
{
    return (g->kind == GROUP_COMPLETE || g->kind == GROUP_FUNCTION) && r->value &&
           ast_term_to_value(L->a, r->value) != NULL;
}

int lower_definition(compiler *c, int group, const cdef *d)
{
    const cgroup *g = &c->groups[group];
    ast_rule *r = d->rule;
    pbuild pb;
    memset(&pb, 0, sizeof pb);
    pb.c = c;
    lower L;
    lower_init(&L, c, &pb, r->module, group);
    L.link = r;
    ir_block *top = ir_block_new(L.a);
    L.cur = top;
    for (ast_rule *x = r; x; x = x->else_)
        if (x->body_written && x->module && memmem(x->module->source + x->loc.off, x->loc.len, "print", 5))
            L.ordered = 1; /* printed lines come out in OPA's order */

    if (g->kind == GROUP_FUNCTION) {
        pb.nparams = (uint32_t)r->nargs;
        pb.nregs = pb.nparams;
        for (int i = 0; i < r->nargs; i++) {
            ast_term *p = r->args[i];
            if (p->kind == AST_VAR && !is_wildcard(p)) {
                int v = var_find(&L, p->var.name);
                if (v >= 0 && L.vars[v].bound) {
                    emit(&L, OP_EQ, L.vars[v].reg, (uint32_t)i, 0, 0, 0);
                    continue;
                }
                var_bind(&L, var_add(&L, p->var.name), (uint32_t)i);
            } else {
                unify_reg(&L, p, (uint32_t)i);
            }
        }
    }

    if (r->else_) {
        /* Each link enumerates its solutions (two different values are a
         * conflict); the first link that has one decides. */
        ir_stmt *s = ir_add(L.a, L.cur, IR_FIRSTOF);
        int n = 0;
        for (ast_rule *x = r; x; x = x->else_)
            n++;
        s->alts = arena_alloc(L.a, sizeof *s->alts * (size_t)n);
        s->nalts = n;
        int i = 0;
        for (ast_rule *x = r; x; x = x->else_) {
            s->alts[i] = ir_block_new(L.a);
            L.cur = s->alts[i++];
            uint32_t flag = new_reg(&L);
            emit(&L, OP_LOADK, flag, pb_const(&pb, VAL_FALSE_V), 0, 0, 0);
            ir_block *alt = L.cur;
            L.cur = open_nested(&L, value_constant(&L, g, x) ? IR_EXISTS : IR_ALL);
            if (value_constant(&L, g, x)) {
                /* EXISTS fails the alternative when there is no solution */
                L.link = x;
                lower_chain_link(&L, g, d, x);
                L.cur = alt;
                continue;
            }
            L.link = x;
            lower_chain_link(&L, g, d, x);
            emit(&L, OP_LOADK, flag, pb_const(&pb, VAL_TRUE_V), 0, 0, 0);
            L.cur = alt;
            emit(&L, OP_TRUTHY, flag, 0, 0, 0, 0);
        }
    } else {
        L.cur = open_nested(&L, value_constant(&L, g, r) ? IR_EXISTS : IR_ALL);
        L.link = r;
        lower_chain_link(&L, g, d, r);
    }

    char name[512];
    snprintf(name, sizeof name, "%s#%d", g->name, d->rule->is_default ? -1 : (int)(d - g->defs));
    int id = pb_finish(&pb, top, name);
    lower_release(&L);
    return id;
}

/* ---- queries ---- */

static bool ref_iterates(const ast_term *t);

static bool term_iterates(const ast_term *t)
{
    switch (t->kind) {
    case AST_REF:
        return ref_iterates(t);
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            if (term_iterates(t->coll.items[i]))
                return true;
        return false;
    case AST_CALL: {
        const builtin_def *bi = builtin_lookup(t->call.fn_name);
        if (bi && (bi->flags & BI_F_RELATION))
            return true;
        for (int i = 0; i < t->call.nargs; i++)
            if (term_iterates(t->call.args[i]))
                return true;
        return false;
    }
    default:
        return false;
    }
}

static bool ref_iterates(const ast_term *t)
{
    for (int i = 1; i < t->ref.n; i++)
        if (t->ref.items[i]->kind == AST_VAR || term_iterates(t->ref.items[i]))
            return true;
    return term_iterates(t->ref.items[0]);
}

static bool expr_iterates(const ast_expr *e)
{
    switch (e->kind) {
    case AST_EXPR_TERM:
        return term_iterates(e->term);
    case AST_EXPR_UNIFY:
    case AST_EXPR_ASSIGN:
        return term_iterates(e->lhs) || term_iterates(e->rhs);
    case AST_EXPR_SOME:
        return e->some.coll != NULL;
    case AST_EXPR_EVERY:
        return term_iterates(e->every.domain);
    }
    return false;
}

int lower_query(compiler *c, ast_body *body, ast_module *ctx_mod, query_shape *shape)
{
    pbuild pb;
    memset(&pb, 0, sizeof pb);
    pb.c = c;
    lower L;
    lower_init(&L, c, &pb, ctx_mod, -1);
    memset(shape, 0, sizeof *shape);
    shape->nexprs = body->n;
    shape->exprs = arena_alloc(c->a, sizeof *shape->exprs * (size_t)(body->n + 1));
    shape->expr_regs = arena_alloc(c->a, sizeof *shape->expr_regs * (size_t)(body->n + 1));
    for (int i = 0; i < body->n; i++) {
        shape->exprs[i] = body->exprs[i];
        shape->expr_regs[i] = NOREG;
    }
    L.query = shape;
    L.query_body = body;
    L.ordered = 1;
    bool iterates = false;
    for (int i = 0; i < body->n; i++)
        iterates |= expr_iterates(body->exprs[i]);
    L.query_capture_check = body->n > 1 || iterates;

    ir_block *top = ir_block_new(L.a);
    L.cur = top;
    L.cur = open_nested(&L, IR_ALL);
    /* the query's variables, in order of appearance, become the bindings */
    nameset qv = {0};
    body_vars(&L, body, &qv, false);
    push_outer(&L, body, NULL, NULL);
    lower_body(&L, body);
    pop_outer(&L);
    shape->var_names = arena_alloc(c->a, sizeof *shape->var_names * (size_t)(qv.n + 1));
    shape->var_regs = arena_alloc(c->a, sizeof *shape->var_regs * (size_t)(qv.n + 1));
    for (int i = 0; i < qv.n; i++) {
        const char *name = qv.names[i];
        if (name[0] == '$' || strncmp(name, "__", 2) == 0)
            continue;
        int v = var_find(&L, name);
        if (v < 0 || !L.vars[v].bound)
            continue; /* a global (rule or import) rather than a variable */
        shape->var_names[shape->nvars] = arena_strndup(c->a, name, strlen(name));
        shape->var_regs[shape->nvars] = L.vars[v].reg;
        shape->nvars++;
    }
    free(qv.names);
    emit(&L, OP_YIELD, 0, 0, 0, 0, 0);
    int id = pb_finish(&pb, top, "query");
    lower_release(&L);
    return id;
}
