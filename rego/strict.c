/* strict.c — the checks OPA's compiler makes in its early stages, before it
 * has a rule tree, on each module's syntax:
 *
 *   ResolveRefs          `import data.x unused` (strict); args named input/data
 *   CheckKeywordOverrides  rules and `:=` variables named input/data (strict, v1)
 *   CheckDuplicateImports  `import must not shadow import data.x` (strict, v1)
 *   RewriteLocalVars     redeclared variables; `declared var x unused` (always);
 *                        `assigned var x unused` and unused function arguments (strict)
 *   CheckDeprecatedBuiltins  calls of deprecated builtins (strict, v1; OPA's last stage)
 *
 * "v1" means a module in Rego v1, or a v0 module importing rego.v1, as in
 * OPA.  The local-variable checks follow OPA's rewriteLocalVars: scopes of
 * declared variables (a rule body with the function's arguments, each
 * comprehension and `every` body), where every later mention of a variable
 * counts as a use.  Errors carry their stage (compiler.h) and location as
 * OPA reports them. */
#include <stdlib.h>
#include <string.h>

#include "../engine/strbuf.h"
#include "compiler.h"

/* ---- name lists ---- */

typedef struct names {
    const char **v;
    int n, cap;
} names;

static void names_add(names *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return;
    s->v = compile_grow(s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = name;
}

static bool names_has(const names *s, const char *name)
{
    for (int i = 0; s && i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return true;
    return false;
}

static bool is_root_doc(const char *name) { return strcmp(name, "input") == 0 || strcmp(name, "data") == 0; }

static bool is_wildcard(const char *name) { return name[0] == '$'; }

/* Every variable of a term (OPA's Term.Vars(): comprehension bodies and
 * call operators included). */
static bool add_var(const ast_term *t, void *ud)
{
    if (t->kind == AST_VAR)
        names_add(ud, t->var.name);
    else if (t->kind == AST_CALL)
        ast_walk_term(t->call.fn, add_var, ud);
    return false;
}

static void term_vars(const ast_term *t, names *out) { ast_walk_term(t, add_var, out); }

static bool is_scalar(const ast_term *t) { return !t || t->kind == AST_SCALAR; }

/* ---- calls in a rule, for the deprecated builtins ---- */

typedef void (*call_fn)(compiler *c, const ast_term *call, const ast_loc *loc);

static void calls_in_body(compiler *c, const ast_body *b, call_fn fn);

static void calls_in_term(compiler *c, const ast_term *t, const ast_loc *loc, call_fn fn)
{
    if (!t)
        return;
    switch (t->kind) {
    case AST_CALL:
        fn(c, t, loc ? loc : &t->loc);
        calls_in_term(c, t->call.fn, NULL, fn);
        for (int i = 0; i < t->call.nargs; i++)
            calls_in_term(c, t->call.args[i], NULL, fn);
        break;
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++)
            calls_in_term(c, t->ref.items[i], NULL, fn);
        break;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            calls_in_term(c, t->coll.items[i], NULL, fn);
        break;
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        calls_in_term(c, t->compr.key, NULL, fn);
        calls_in_term(c, t->compr.head, NULL, fn);
        calls_in_body(c, t->compr.body, fn);
        break;
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            calls_in_term(c, t->tmpl.parts[i], NULL, fn);
        break;
    default:
        break;
    }
}

static void calls_in_body(compiler *c, const ast_body *b, call_fn fn)
{
    for (int i = 0; b && i < b->n; i++) {
        const ast_expr *e = b->exprs[i];
        /* a call written as the expression is located at the expression, a
         * call inside a term at its name (OPA: expr.Loc() / operator loc) */
        if (e->kind == AST_EXPR_TERM && e->term && e->term->kind == AST_CALL)
            calls_in_term(c, e->term, &e->loc, fn);
        else
            calls_in_term(c, e->term, NULL, fn);
        calls_in_term(c, e->lhs, NULL, fn);
        calls_in_term(c, e->rhs, NULL, fn);
        calls_in_term(c, e->some.key, NULL, fn);
        calls_in_term(c, e->some.value, NULL, fn);
        calls_in_term(c, e->some.coll, NULL, fn);
        calls_in_term(c, e->every.domain, NULL, fn);
        if (e->every.body)
            calls_in_body(c, e->every.body, fn);
        for (int w = 0; w < e->nwiths; w++)
            calls_in_term(c, e->withs[w].value, NULL, fn);
    }
}

static void check_deprecated_call(compiler *c, const ast_term *call, const ast_loc *loc)
{
    const char *name = call->call.fn_name;
    bool deprecated;
    if (c->caps) {
        const rego_caps_builtin *cb = rego_caps_builtin_find(c->caps, name);
        deprecated = cb && cb->deprecated;
    } else {
        const builtin_def *bi = builtin_lookup(name);
        deprecated = bi && (bi->flags & BI_F_DEPRECATED);
    }
    if (deprecated)
        compile_error(c, STAGE_DEPRECATED, "rego_type_error", loc,
                      "deprecated built-in function calls in expression: %s", name);
}

/* ---- imports ---- */

static const char *import_name(const ast_import *imp)
{
    if (imp->alias)
        return imp->alias;
    const ast_term *p = imp->path;
    if (p->kind == AST_VAR)
        return p->var.name;
    const ast_term *last = p->ref.items[p->ref.n - 1];
    return last->kind == AST_SCALAR && val_kind_of(last->value) == VAL_STRING ? val_str(last->value) : "";
}

/* OPA's Import.String(): "import data.a.b" or "import data.a.b as c". */
static char *import_string(const ast_import *imp)
{
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "import ");
    ast_write_term(&sb, imp->path);
    if (imp->alias)
        sb_printf(&sb, " as %s", imp->alias);
    return sb_detach(&sb);
}

static bool import_is_keywordish(const ast_import *imp)
{
    const ast_term *p = imp->path;
    const char *root = p->kind == AST_VAR ? p->var.name
                       : p->ref.items[0]->kind == AST_VAR ? p->ref.items[0]->var.name : "";
    return strcmp(root, "future") == 0 || strcmp(root, "rego") == 0;
}

static void check_duplicate_imports(compiler *c, const ast_module *m)
{
    for (int i = 0; i < m->nimports; i++) {
        const char *name = import_name(&m->imports[i]);
        for (int j = 0; j < i; j++) {
            if (strcmp(import_name(&m->imports[j]), name) != 0)
                continue;
            char *prev = import_string(&m->imports[j]);
            compile_error(c, STAGE_IMPORTS, "rego_compile_error", &m->imports[i].loc, "import must not shadow %s",
                          prev ? prev : "");
            free(prev);
            break;
        }
    }
}

/* -- which imports the rules mention (OPA's resolveRefsInRule): a variable
 * resolves to an import of its name unless it is a function argument, or is
 * declared (`:=`, `some`) in its body or an enclosing one. */

typedef struct resolver {
    const ast_module *m;
    bool *used;             /* per import */
    names *stack;           /* ignored names, innermost last */
    int nstack, capstack;
} resolver;

static void declared_in_body(const ast_body *b, names *out);

static void declared_in_expr(const ast_expr *e, names *out)
{
    switch (e->kind) {
    case AST_EXPR_ASSIGN: {
        names v = {0};
        term_vars(e->lhs, &v);
        for (int i = 0; i < v.n; i++)
            names_add(out, v.v[i]);
        free(v.v);
        break;
    }
    case AST_EXPR_SOME:
        for (int i = 0; i < e->some.nvars; i++)
            term_vars(e->some.vars[i], out);
        if (e->some.coll) {
            term_vars(e->some.key, out);
            term_vars(e->some.value, out);
        }
        break;
    case AST_EXPR_EVERY:
        /* OPA's declaredVars visitor walks into every bodies (not comprehensions) */
        declared_in_body(e->every.body, out);
        break;
    default:
        break;
    }
}

static void declared_in_body(const ast_body *b, names *out)
{
    for (int i = 0; b && i < b->n; i++)
        declared_in_expr(b->exprs[i], out);
}

static void rs_push(resolver *R)
{
    R->stack = compile_grow(R->stack, &R->capstack, R->nstack + 1, sizeof *R->stack);
    memset(&R->stack[R->nstack++], 0, sizeof *R->stack);
}

static void rs_pop(resolver *R)
{
    free(R->stack[--R->nstack].v);
}

static void rs_var(resolver *R, const char *name)
{
    for (int i = R->nstack - 1; i >= 0; i--)
        if (names_has(&R->stack[i], name))
            return;
    for (int i = 0; i < R->m->nimports; i++)
        if (!import_is_keywordish(&R->m->imports[i]) && strcmp(import_name(&R->m->imports[i]), name) == 0)
            R->used[i] = true;
}

static void rs_body(resolver *R, const ast_body *b);

static void rs_term(resolver *R, const ast_term *t)
{
    if (!t)
        return;
    switch (t->kind) {
    case AST_VAR:
        rs_var(R, t->var.name);
        break;
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++)
            rs_term(R, t->ref.items[i]);
        break;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            rs_term(R, t->coll.items[i]);
        break;
    case AST_CALL:
        rs_term(R, t->call.fn);
        for (int i = 0; i < t->call.nargs; i++)
            rs_term(R, t->call.args[i]);
        break;
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        rs_push(R);
        declared_in_body(t->compr.body, &R->stack[R->nstack - 1]);
        rs_term(R, t->compr.key);
        rs_term(R, t->compr.head);
        rs_body(R, t->compr.body);
        rs_pop(R);
        break;
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            rs_term(R, t->tmpl.parts[i]);
        break;
    case AST_SCALAR:
        break;
    }
}

static void rs_body(resolver *R, const ast_body *b)
{
    for (int i = 0; b && i < b->n; i++) {
        const ast_expr *e = b->exprs[i];
        switch (e->kind) {
        case AST_EXPR_SOME:
            if (e->some.coll) {
                rs_term(R, e->some.key);
                rs_term(R, e->some.value);
                rs_term(R, e->some.coll);
            }
            break;
        case AST_EXPR_EVERY: {
            rs_push(R);
            names *top = &R->stack[R->nstack - 1];
            term_vars(e->every.key, top);
            term_vars(e->every.value, top);
            rs_term(R, e->every.domain);
            rs_body(R, e->every.body);
            rs_pop(R);
            break;
        }
        default:
            rs_term(R, e->term);
            rs_term(R, e->lhs);
            rs_term(R, e->rhs);
            break;
        }
        for (int w = 0; w < e->nwiths; w++) {
            rs_term(R, e->withs[w].target);
            rs_term(R, e->withs[w].value);
        }
    }
}

/* Variables of function arguments (object keys are not patterns). */
static void arg_vars(const ast_term *t, names *out)
{
    switch (t->kind) {
    case AST_VAR:
        names_add(out, t->var.name);
        break;
    case AST_REF:
    case AST_ARRAY:
        for (int i = 0; t->kind == AST_REF ? i < t->ref.n : i < t->coll.n; i++)
            arg_vars(t->kind == AST_REF ? t->ref.items[i] : t->coll.items[i], out);
        break;
    case AST_OBJECT:
        for (int i = 1; i < t->coll.n; i += 2)
            arg_vars(t->coll.items[i], out);
        break;
    default:
        break;
    }
}

static void check_unused_imports(compiler *c, const ast_module *m)
{
    if (m->nimports == 0)
        return;
    resolver R = {m, calloc((size_t)m->nimports, sizeof(bool)), NULL, 0, 0};
    if (!R.used)
        abort();
    for (int i = 0; i < m->nrules; i++) {
        for (const ast_rule *r = m->rules[i]; r; r = r->else_) {
            rs_push(&R);
            for (int a = 0; a < r->nargs; a++)
                arg_vars(r->args[a], &R.stack[0]);
            rs_push(&R);
            declared_in_body(r->body, &R.stack[1]);
            if (r->kind != AST_RULE_FUNCTION && r->head->kind == AST_REF)
                for (int k = 1; k < r->head->ref.n; k++)
                    rs_term(&R, r->head->ref.items[k]);
            rs_term(&R, r->key);
            rs_term(&R, r->value);
            rs_body(&R, r->body);
            rs_pop(&R);
            rs_pop(&R);
        }
    }
    for (int i = 0; i < m->nimports; i++) {
        if (R.used[i] || import_is_keywordish(&m->imports[i]))
            continue;
        char *s = import_string(&m->imports[i]);
        compile_error(c, STAGE_RESOLVE_REFS, "rego_compile_error", &m->imports[i].loc, "%s unused", s ? s : "");
        free(s);
    }
    free(R.stack);
    free(R.used);
}

/* Function arguments named input or data (any OPA mode): found while OPA
 * resolves references, reported at the rule. */
static const char *arg_shadowing(const ast_term *t)
{
    names v = {0};
    arg_vars(t, &v);
    const char *found = NULL;
    for (int i = 0; i < v.n && !found; i++)
        if (is_root_doc(v.v[i]))
            found = v.v[i];
    free(v.v);
    return found;
}

/* ---- input and data shadowed ---- */

static void assign_overrides_in_body(compiler *c, const ast_body *b);

static void assign_overrides_in_term(compiler *c, const ast_term *t)
{
    if (!t)
        return;
    switch (t->kind) {
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        assign_overrides_in_term(c, t->compr.key);
        assign_overrides_in_term(c, t->compr.head);
        assign_overrides_in_body(c, t->compr.body);
        break;
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++)
            assign_overrides_in_term(c, t->ref.items[i]);
        break;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            assign_overrides_in_term(c, t->coll.items[i]);
        break;
    case AST_CALL:
        for (int i = 0; i < t->call.nargs; i++)
            assign_overrides_in_term(c, t->call.args[i]);
        break;
    default:
        break;
    }
}

static void assign_overrides_in_body(compiler *c, const ast_body *b)
{
    for (int i = 0; b && i < b->n; i++) {
        const ast_expr *e = b->exprs[i];
        if (e->kind == AST_EXPR_ASSIGN && e->lhs->kind == AST_VAR && is_root_doc(e->lhs->var.name))
            compile_error(c, STAGE_KEYWORD_OVERRIDES, "rego_compile_error", &e->loc,
                          "variables must not shadow %s (use a different variable name)", e->lhs->var.name);
        assign_overrides_in_term(c, e->term);
        assign_overrides_in_term(c, e->lhs);
        assign_overrides_in_term(c, e->rhs);
        assign_overrides_in_term(c, e->some.coll);
        assign_overrides_in_term(c, e->every.domain);
        if (e->every.body)
            assign_overrides_in_body(c, e->every.body);
        for (int w = 0; w < e->nwiths; w++)
            assign_overrides_in_term(c, e->withs[w].value);
    }
}

static const char *rule_name(const ast_rule *r)
{
    const ast_term *h = r->head;
    if (h->kind == AST_VAR)
        return h->var.name;
    if (h->kind == AST_REF && h->ref.items[0]->kind == AST_VAR)
        return h->ref.items[0]->var.name;
    return "";
}

static void check_root_overrides(compiler *c, const ast_module *m)
{
    for (int i = 0; i < m->nrules; i++) {
        const ast_rule *r = m->rules[i];
        const char *name = rule_name(r);
        if (is_root_doc(name))
            compile_error(c, STAGE_KEYWORD_OVERRIDES, "rego_compile_error", &r->loc,
                          "rules must not shadow %s (use a different rule name)", name);
        for (const ast_rule *x = r; x; x = x->else_) {
            assign_overrides_in_term(c, x->value);
            assign_overrides_in_term(c, x->key);
            assign_overrides_in_body(c, x->body);
        }
    }
}

/* ---- local variables (OPA's rewriteLocalVars) ---- */

enum { OCC_SEEN = 1, OCC_ARG, OCC_ASSIGNED, OCC_DECLARED };

typedef struct lentry {
    const char *name;
    int occ;
    int count;              /* mentions, the declaration included */
    const ast_loc *loc;     /* where an unused one is reported; NULL: the body's first expression */
} lentry;

typedef struct lscope {
    lentry *v;
    int n, cap;
} lscope;

typedef struct locals {
    compiler *c;
    lscope *s;
    int ns, caps;
    int errs;               /* errors in the rule (branch) so far: later unused-checks are skipped */
    const ast_loc *expr_loc;    /* the expression being walked */
} locals;

static void lpush(locals *L)
{
    L->s = compile_grow(L->s, &L->caps, L->ns + 1, sizeof *L->s);
    memset(&L->s[L->ns++], 0, sizeof *L->s);
}

static void lpop(locals *L)
{
    free(L->s[--L->ns].v);
}

static lentry *lfind_in(lscope *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, name) == 0)
            return &s->v[i];
    return NULL;
}

static lentry *lfind(locals *L, const char *name)
{
    for (int i = L->ns - 1; i >= 0; i--) {
        lentry *e = lfind_in(&L->s[i], name);
        if (e)
            return e;
    }
    return NULL;
}

static lentry *linsert(locals *L, const char *name, int occ, const ast_loc *loc)
{
    lscope *s = &L->s[L->ns - 1];
    s->v = compile_grow(s->v, &s->cap, s->n + 1, sizeof *s->v);
    lentry *e = &s->v[s->n++];
    e->name = name;
    e->occ = occ;
    e->count = 1;
    e->loc = loc;
    return e;
}

/* A mention of a variable: a use of the innermost declaration. */
static void lvar(locals *L, const char *name)
{
    lentry *e = lfind(L, name);
    if (e)
        e->count++;
    else
        linsert(L, name, OCC_SEEN, NULL);
}

/* A declaration (`:=`, `some`, every's key and value) in the current scope. */
static void ldeclare(locals *L, const ast_term *t, int occ, const ast_loc *loc)
{
    const char *name = t->var.name;
    lentry *e = lfind_in(&L->s[L->ns - 1], name);
    if (!e) {
        linsert(L, name, occ, loc);
        return;
    }
    static const char *const fmt[] = {
        [OCC_SEEN] = "var %s referenced above",
        [OCC_ARG] = "arg %s redeclared",
        [OCC_ASSIGNED] = "var %s assigned above",
        [OCC_DECLARED] = "var %s declared above",
    };
    compile_error(L->c, STAGE_LOCAL_VARS, "rego_compile_error", &t->loc, fmt[e->occ], name);
    L->errs++;
}

static void lbody(locals *L, const ast_body *b, const names *used);

static void lterm(locals *L, const ast_term *t)
{
    if (!t)
        return;
    switch (t->kind) {
    case AST_VAR:
        /* a bare input/data is the root document, not a mention (OPA) */
        if (!is_root_doc(t->var.name))
            lvar(L, t->var.name);
        break;
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++) {
            const ast_term *x = t->ref.items[i];
            if (i == 0 && x->kind == AST_VAR)
                lvar(L, x->var.name);
            else
                lterm(L, x);
        }
        break;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            lterm(L, t->coll.items[i]);
        break;
    case AST_CALL:
        lterm(L, t->call.fn);
        for (int i = 0; i < t->call.nargs; i++)
            lterm(L, t->call.args[i]);
        break;
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR: {
        names used = {0};
        term_vars(t->compr.key, &used);
        term_vars(t->compr.head, &used);
        const ast_loc *saved = L->expr_loc;
        lpush(L);
        lbody(L, t->compr.body, &used);
        lterm(L, t->compr.key);
        lterm(L, t->compr.head);
        lpop(L);
        L->expr_loc = saved;
        free(used.v);
        break;
    }
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            lterm(L, t->tmpl.parts[i]);
        break;
    case AST_SCALAR:
        break;
    }
}

/* The left side of `:=`: its variables are declared (arrays, object values). */
static void lassign_lhs(locals *L, const ast_term *t, const ast_loc *loc)
{
    switch (t->kind) {
    case AST_VAR:
        ldeclare(L, t, OCC_ASSIGNED, loc);
        break;
    case AST_ARRAY:
        for (int i = 0; i < t->coll.n; i++)
            lassign_lhs(L, t->coll.items[i], loc);
        break;
    case AST_OBJECT:
        for (int i = 1; i < t->coll.n; i += 2)
            lassign_lhs(L, t->coll.items[i], loc);
        break;
    default:
        L->errs++; /* "cannot assign to ...": reported by the parser or the lowering */
        break;
    }
}

static void lexpr(locals *L, const ast_expr *e)
{
    L->expr_loc = &e->loc;
    switch (e->kind) {
    case AST_EXPR_ASSIGN:
        if (e->negated) {
            L->errs++;
            return;
        }
        lterm(L, e->rhs);
        for (int w = 0; w < e->nwiths; w++)
            lterm(L, e->withs[w].value);
        lassign_lhs(L, e->lhs, &e->loc);
        return;
    case AST_EXPR_SOME:
        if (!e->some.coll) {
            for (int i = 0; i < e->some.nvars; i++)
                if (e->some.vars[i]->kind == AST_VAR)
                    ldeclare(L, e->some.vars[i], OCC_DECLARED, &e->loc);
            return;
        }
        /* `some k, v in c` is `v = c[k]`: the variables of k and v that are not
         * the collection's are declared, then the whole is walked */
        {
            names coll = {0}, out = {0};
            term_vars(e->some.coll, &coll);
            term_vars(e->some.key, &out);
            term_vars(e->some.value, &out);
            for (int i = 0; i < out.n; i++) {
                if (names_has(&coll, out.v[i]) || is_wildcard(out.v[i]))
                    continue;
                ast_term v = {.kind = AST_VAR, .loc = e->loc};
                v.var.name = out.v[i];
                ldeclare(L, &v, OCC_DECLARED, &e->loc);
            }
            free(coll.v);
            free(out.v);
            lterm(L, e->some.value);
            lterm(L, e->some.coll);
            lterm(L, e->some.key);
        }
        break;
    case AST_EXPR_EVERY: {
        lterm(L, e->every.domain);
        lpush(L);
        if (e->every.key && e->every.key->kind == AST_VAR && !is_wildcard(e->every.key->var.name))
            ldeclare(L, e->every.key, OCC_DECLARED, NULL);
        if (e->every.value && e->every.value->kind == AST_VAR && !is_wildcard(e->every.value->var.name))
            ldeclare(L, e->every.value, OCC_DECLARED, NULL);
        names none = {0};
        lbody(L, e->every.body, &none);
        lpop(L);
        L->expr_loc = &e->loc;
        break;
    }
    case AST_EXPR_TERM:
        lterm(L, e->term);
        break;
    case AST_EXPR_UNIFY:
        lterm(L, e->lhs);
        lterm(L, e->rhs);
        break;
    }
    for (int w = 0; w < e->nwiths; w++) {
        lterm(L, e->withs[w].target);
        lterm(L, e->withs[w].value);
    }
}

static int cmp_entry_loc(const void *a, const void *b)
{
    const lentry *x = *(const lentry *const *)a, *y = *(const lentry *const *)b;
    int rx = x->loc ? x->loc->row : 0, ry = y->loc ? y->loc->row : 0;
    if (rx != ry)
        return rx < ry ? -1 : 1;
    int cx = x->loc ? x->loc->col : 0, cy = y->loc ? y->loc->col : 0;
    return cx < cy ? -1 : cx > cy;
}

/* The unused variables of the scope on top, when the body is done. */
static void lcheck_unused(locals *L, const ast_body *b, const names *used, int occ, const char *fmt)
{
    lscope *s = &L->s[L->ns - 1];
    lentry **bad = NULL;
    int nbad = 0, capbad = 0;
    for (int i = 0; i < s->n; i++) {
        lentry *e = &s->v[i];
        if (e->occ != occ || e->count > 1 || is_wildcard(e->name) || names_has(used, e->name))
            continue;
        bad = compile_grow(bad, &capbad, nbad + 1, sizeof *bad);
        bad[nbad++] = e;
    }
    if (nbad > 1)
        qsort(bad, (size_t)nbad, sizeof *bad, cmp_entry_loc);
    for (int i = 0; i < nbad; i++) {
        const ast_loc *loc = bad[i]->loc ? bad[i]->loc : b && b->n ? &b->exprs[0]->loc : &b->loc;
        compile_error(L->c, STAGE_LOCAL_VARS, "rego_compile_error", loc, fmt, bad[i]->name);
    }
    L->errs += nbad;
    free(bad);
}

static void lbody(locals *L, const ast_body *b, const names *used)
{
    for (int i = 0; b && i < b->n; i++)
        lexpr(L, b->exprs[i]);
    if (L->c->strict && L->errs == 0)
        lcheck_unused(L, b, used, OCC_ASSIGNED, "assigned var %s unused");
    if (L->errs == 0)
        lcheck_unused(L, b, used, OCC_DECLARED, "declared var %s unused");
}

/* Comprehensions in a rule's head have scopes of their own (OPA rewrites
 * them apart from the body). */
static void lhead_closures(compiler *c, const ast_term *t)
{
    if (!t)
        return;
    switch (t->kind) {
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR: {
        locals L = {.c = c};
        lpush(&L);
        lterm(&L, t);
        lpop(&L);
        free(L.s);
        break;
    }
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++)
            lhead_closures(c, t->ref.items[i]);
        break;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            lhead_closures(c, t->coll.items[i]);
        break;
    case AST_CALL:
        for (int i = 0; i < t->call.nargs; i++)
            lhead_closures(c, t->call.args[i]);
        break;
    default:
        break;
    }
}

/* Function arguments: declared in the rule's scope (a repeated one is a use). */
static void largs(locals *L, const ast_term *t)
{
    switch (t->kind) {
    case AST_VAR: {
        lentry *e = lfind(L, t->var.name);
        if (e)
            e->count++;
        else
            linsert(L, t->var.name, OCC_ARG, NULL);
        break;
    }
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++)
            largs(L, t->ref.items[i]);
        break;
    case AST_ARRAY:
        for (int i = 0; i < t->coll.n; i++)
            largs(L, t->coll.items[i]);
        break;
    case AST_OBJECT:
        for (int i = 1; i < t->coll.n; i += 2)
            largs(L, t->coll.items[i]);
        break;
    default:
        break;
    }
}

static bool head_may_have_vars(const ast_rule *r)
{
    for (int i = 0; i < r->nargs; i++)
        if (!is_scalar(r->args[i]))
            return true;
    if (!is_scalar(r->key) || !is_scalar(r->value))
        return true;
    if (r->kind != AST_RULE_FUNCTION && r->head->kind == AST_REF)
        for (int i = 1; i < r->head->ref.n; i++)
            if (!is_scalar(r->head->ref.items[i]))
                return true;
    return false;
}

static void check_rule_locals(compiler *c, const ast_rule *rule)
{
    locals args = {.c = c};
    lpush(&args);
    for (int i = 0; i < rule->nargs; i++)
        largs(&args, rule->args[i]);
    names unused = {0};
    if (c->strict)
        for (int i = 0; i < args.s[0].n; i++)
            if (!is_wildcard(args.s[0].v[i].name))
                names_add(&unused, args.s[0].v[i].name);

    for (const ast_rule *r = rule; r; r = r->else_) {
        names used = {0};
        if (head_may_have_vars(r)) {
            for (int i = 0; i < r->nargs; i++)
                lhead_closures(c, r->args[i]);
            if (r->kind != AST_RULE_FUNCTION && r->head->kind == AST_REF)
                for (int i = 1; i < r->head->ref.n; i++) {
                    lhead_closures(c, r->head->ref.items[i]);
                    if (!is_scalar(r->head->ref.items[i]))
                        term_vars(r->head->ref.items[i], &used);
                }
            lhead_closures(c, r->key);
            lhead_closures(c, r->value);
            if (!is_scalar(r->key))
                term_vars(r->key, &used);
            if (!is_scalar(r->value)) {
                names vv = {0};
                term_vars(r->value, &vv);
                for (int i = 0; i < vv.n; i++) {
                    names_add(&used, vv.v[i]);
                    for (int k = 0; k < unused.n; k++)
                        if (strcmp(unused.v[k], vv.v[i]) == 0)
                            unused.v[k--] = unused.v[--unused.n];
                }
                free(vv.v);
            }
        }
        /* the body shares one scope with the arguments */
        locals L = {.c = c};
        lpush(&L);
        for (int i = 0; i < args.s[0].n; i++)
            linsert(&L, args.s[0].v[i].name, OCC_ARG, NULL)->count = args.s[0].v[i].count;
        lbody(&L, r->body, &used);
        for (int k = 0; k < unused.n; k++) {
            lentry *e = lfind(&L, unused.v[k]);
            if (e && e->count > 1)
                unused.v[k--] = unused.v[--unused.n];
        }
        lpop(&L);
        free(L.s);
        free(used.v);
    }
    for (int k = 0; k < unused.n; k++)
        compile_error(c, STAGE_LOCAL_VARS, "rego_compile_error", &rule->loc,
                      "unused argument %s. (hint: use _ (wildcard variable) instead)", unused.v[k]);
    free(unused.v);
    lpop(&args);
    free(args.s);
}

/* ---- the module ---- */

void compile_check_module(compiler *c, ast_module *m)
{
    bool v1 = m->version == AST_REGO_V1 || m->imports_rego_v1;
    bool strict_or_v1 = c->strict || v1;

    /* ResolveRefs */
    for (int i = 0; i < m->nrules; i++)
        for (const ast_rule *r = m->rules[i]; r; r = r->else_)
            for (int a = 0; a < r->nargs; a++) {
                const char *name = arg_shadowing(r->args[a]);
                if (name) {
                    compile_error(c, STAGE_RESOLVE_REFS, "rego_compile_error", &r->loc,
                                  "args must not shadow %s (use a different variable name)", name);
                    break;
                }
            }
    if (c->strict)
        check_unused_imports(c, m);
    /* CheckKeywordOverrides, CheckDuplicateImports */
    if (strict_or_v1) {
        check_root_overrides(c, m);
        check_duplicate_imports(c, m);
    }
    /* RewriteLocalVars */
    for (int i = 0; i < m->nrules; i++)
        check_rule_locals(c, m->rules[i]);
    /* CheckDeprecatedBuiltins */
    if (strict_or_v1)
        for (int i = 0; i < m->nrules; i++)
            for (const ast_rule *r = m->rules[i]; r; r = r->else_) {
                calls_in_term(c, r->key, NULL, check_deprecated_call);
                calls_in_term(c, r->value, NULL, check_deprecated_call);
                calls_in_body(c, r->body, check_deprecated_call);
            }
}
