/* ast.c — error lists, ground terms to values, and Rego-like printing of the
 * AST (for debugging, tests and messages that quote a term). */
#include "ast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/json.h"
#include "../engine/strbuf.h"

/* ---- errors ---- */

static char *dup_cstr(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

void rego_errors_add(rego_errors *errs, const char *code, const ast_loc *loc, const char *fmt, ...)
{
    if (!errs)
        return;
    rego_error *e = calloc(1, sizeof *e);
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    e->message = malloc((size_t)n + 1);
    e->file = dup_cstr(loc && loc->file ? loc->file : "");
    if (!e->message || !e->file) {
        free(e->message);
        free(e->file);
        free(e);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(e->message, (size_t)n + 1, fmt, ap);
    va_end(ap);
    e->code = code;
    e->row = loc ? loc->row : 0;
    e->col = loc ? loc->col : 0;
    if (errs->tail)
        errs->tail->next = e;
    else
        errs->head = e;
    errs->tail = e;
    errs->n++;
}

void rego_errors_free(rego_errors *errs)
{
    if (!errs)
        return;
    rego_error *e = errs->head;
    while (e) {
        rego_error *next = e->next;
        free(e->message);
        free(e->file);
        free(e);
        e = next;
    }
    errs->head = errs->tail = NULL;
    errs->n = 0;
}

/* ---- values ---- */

val *ast_term_to_value(arena *a, const ast_term *t)
{
    if (!t)
        return NULL;
    switch (t->kind) {
    case AST_SCALAR:
        return val_copy(a, t->value);
    case AST_ARRAY:
    case AST_SET: {
        int n = t->coll.n;
        val **items = n ? arena_alloc(a, (size_t)n * sizeof *items) : NULL;
        for (int i = 0; i < n; i++)
            if (!(items[i] = ast_term_to_value(a, t->coll.items[i])))
                return NULL;
        return t->kind == AST_ARRAY ? val_array(a, items, (size_t)n) : val_set(a, items, (size_t)n);
    }
    case AST_OBJECT: {
        int n = t->coll.n / 2;
        val **keys = n ? arena_alloc(a, (size_t)n * sizeof *keys) : NULL;
        val **vals = n ? arena_alloc(a, (size_t)n * sizeof *vals) : NULL;
        for (int i = 0; i < n; i++) {
            if (!(keys[i] = ast_term_to_value(a, t->coll.items[2 * i])))
                return NULL;
            if (!(vals[i] = ast_term_to_value(a, t->coll.items[2 * i + 1])))
                return NULL;
        }
        return val_object(a, keys, vals, (size_t)n);
    }
    default:
        return NULL;    /* vars, refs, calls, comprehensions, templates */
    }
}

/* ---- printing ---- */

static void write_body(strbuf *sb, const ast_body *b);

static bool is_ident(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;    /* keywords included: refs may name them (input.if) */
}

static void write_list(strbuf *sb, ast_term *const *items, int n, const char *sep)
{
    for (int i = 0; i < n; i++) {
        if (i)
            sb_puts(sb, sep);
        ast_write_term(sb, items[i]);
    }
}

/* The piece of a template string between expressions. */
static void write_template_text(strbuf *sb, const val *s)
{
    const char *p = val_str(s);
    for (uint32_t i = 0; i < val_len(s); i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '"': sb_puts(sb, "\\\""); break;
        case '\\': sb_puts(sb, "\\\\"); break;
        case '{': sb_puts(sb, "\\{"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        default:
            if (c < 0x20)
                sb_printf(sb, "\\u%04x", c);
            else
                sb_putc(sb, (char)c);
        }
    }
}

void ast_write_term(strbuf *sb, const ast_term *t)
{
    if (!t) {
        sb_puts(sb, "<nil>");
        return;
    }
    switch (t->kind) {
    case AST_SCALAR:
        val_write_rego(sb, t->value);
        break;
    case AST_VAR:
        sb_puts(sb, t->var.name);
        break;
    case AST_REF:
        ast_write_term(sb, t->ref.items[0]);
        for (int i = 1; i < t->ref.n; i++) {
            const ast_term *x = t->ref.items[i];
            if (x->kind == AST_SCALAR && val_kind_of(x->value) == VAL_STRING &&
                is_ident(val_str(x->value), val_len(x->value))) {
                sb_putc(sb, '.');
                sb_append(sb, val_str(x->value), val_len(x->value));
            } else {
                sb_putc(sb, '[');
                ast_write_term(sb, x);
                sb_putc(sb, ']');
            }
        }
        break;
    case AST_ARRAY:
        sb_putc(sb, '[');
        write_list(sb, t->coll.items, t->coll.n, ", ");
        sb_putc(sb, ']');
        break;
    case AST_SET:
        if (t->coll.n == 0) {
            sb_puts(sb, "set()");
            break;
        }
        sb_putc(sb, '{');
        write_list(sb, t->coll.items, t->coll.n, ", ");
        sb_putc(sb, '}');
        break;
    case AST_OBJECT:
        sb_putc(sb, '{');
        for (int i = 0; i + 1 < t->coll.n; i += 2) {
            if (i)
                sb_puts(sb, ", ");
            ast_write_term(sb, t->coll.items[i]);
            sb_puts(sb, ": ");
            ast_write_term(sb, t->coll.items[i + 1]);
        }
        sb_putc(sb, '}');
        break;
    case AST_ARRAY_COMPR:
        sb_putc(sb, '[');
        ast_write_term(sb, t->compr.head);
        sb_puts(sb, " | ");
        write_body(sb, t->compr.body);
        sb_putc(sb, ']');
        break;
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        sb_putc(sb, '{');
        if (t->kind == AST_OBJECT_COMPR) {
            ast_write_term(sb, t->compr.key);
            sb_puts(sb, ": ");
        }
        ast_write_term(sb, t->compr.head);
        sb_puts(sb, " | ");
        write_body(sb, t->compr.body);
        sb_putc(sb, '}');
        break;
    case AST_CALL:
        sb_puts(sb, t->call.fn_name);
        sb_putc(sb, '(');
        write_list(sb, t->call.args, t->call.nargs, ", ");
        sb_putc(sb, ')');
        break;
    case AST_TEMPLATE:
        sb_puts(sb, "$\"");
        for (int i = 0; i < t->tmpl.n; i++) {
            const ast_term *x = t->tmpl.parts[i];
            /* string pieces print as text; a string written as an
             * expression ({"x"}) cannot be told apart and prints as text */
            if (x->kind == AST_SCALAR && val_kind_of(x->value) == VAL_STRING) {
                write_template_text(sb, x->value);
            } else {
                sb_putc(sb, '{');
                ast_write_term(sb, x);
                sb_putc(sb, '}');
            }
        }
        sb_putc(sb, '"');
        break;
    }
}

static void write_body(strbuf *sb, const ast_body *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++) {
        if (i)
            sb_puts(sb, "; ");
        ast_write_expr(sb, b->exprs[i]);
    }
}

void ast_write_expr(strbuf *sb, const ast_expr *e)
{
    if (e->negated)
        sb_puts(sb, "not ");
    switch (e->kind) {
    case AST_EXPR_TERM:
        ast_write_term(sb, e->term);
        break;
    case AST_EXPR_UNIFY:
    case AST_EXPR_ASSIGN:
        ast_write_term(sb, e->lhs);
        sb_puts(sb, e->kind == AST_EXPR_UNIFY ? " = " : " := ");
        ast_write_term(sb, e->rhs);
        break;
    case AST_EXPR_SOME:
        sb_puts(sb, "some ");
        if (e->some.coll) {
            if (e->some.key) {
                ast_write_term(sb, e->some.key);
                sb_puts(sb, ", ");
            }
            ast_write_term(sb, e->some.value);
            sb_puts(sb, " in ");
            ast_write_term(sb, e->some.coll);
        } else {
            write_list(sb, e->some.vars, e->some.nvars, ", ");
        }
        break;
    case AST_EXPR_EVERY:
        sb_puts(sb, "every ");
        if (e->every.key) {
            ast_write_term(sb, e->every.key);
            sb_puts(sb, ", ");
        }
        ast_write_term(sb, e->every.value);
        sb_puts(sb, " in ");
        ast_write_term(sb, e->every.domain);
        sb_puts(sb, " { ");
        write_body(sb, e->every.body);
        sb_puts(sb, " }");
        break;
    }
    for (int i = 0; i < e->nwiths; i++) {
        sb_puts(sb, " with ");
        ast_write_term(sb, e->withs[i].target);
        sb_puts(sb, " as ");
        ast_write_term(sb, e->withs[i].value);
    }
}

/* The value and body of one link of a rule. */
static void write_rule_tail(strbuf *sb, const ast_rule *r)
{
    if (r->value && !r->value_implicit) {
        sb_puts(sb, r->assign ? " := " : " = ");
        ast_write_term(sb, r->value);
    }
    if (r->body_written) {
        sb_puts(sb, " if { ");
        write_body(sb, r->body);
        sb_puts(sb, " }");
    }
}

static void write_rule(strbuf *sb, const ast_rule *r)
{
    if (r->is_default)
        sb_puts(sb, "default ");
    ast_write_term(sb, r->head);
    if (r->kind == AST_RULE_FUNCTION) {
        sb_putc(sb, '(');
        write_list(sb, r->args, r->nargs, ", ");
        sb_putc(sb, ')');
    }
    if (r->kind == AST_RULE_PARTIAL_SET) {
        sb_puts(sb, " contains ");
        ast_write_term(sb, r->key);
    }
    write_rule_tail(sb, r);
    for (const ast_rule *e = r->else_; e; e = e->else_) {
        sb_puts(sb, " else");
        write_rule_tail(sb, e);
    }
}

void ast_write_module(strbuf *sb, const ast_module *m)
{
    if (m->package) {
        /* data.a.b prints as `package a.b` */
        const ast_term *p = m->package;
        sb_puts(sb, "package ");
        for (int i = 1; i < p->ref.n; i++) {
            const ast_term *x = p->ref.items[i];
            bool ident = x->kind == AST_SCALAR && val_kind_of(x->value) == VAL_STRING &&
                         is_ident(val_str(x->value), val_len(x->value));
            if (ident) {
                if (i > 1)
                    sb_putc(sb, '.');
                sb_append(sb, val_str(x->value), val_len(x->value));
            } else {
                if (i == 1)
                    sb_puts(sb, "data");
                sb_putc(sb, '[');
                ast_write_term(sb, x);
                sb_putc(sb, ']');
            }
        }
        sb_putc(sb, '\n');
    }
    for (int i = 0; i < m->nimports; i++) {
        sb_puts(sb, "import ");
        ast_write_term(sb, m->imports[i].path);
        if (m->imports[i].alias) {
            sb_puts(sb, " as ");
            sb_puts(sb, m->imports[i].alias);
        }
        sb_putc(sb, '\n');
    }
    for (int i = 0; i < m->nrules; i++) {
        write_rule(sb, m->rules[i]);
        sb_putc(sb, '\n');
    }
}

/* ---- walking a body's terms (ast.h) ---- */

bool ast_walk_expr(const ast_expr *e, ast_visit fn, void *ud)
{
    bool stop = false;
    switch (e->kind) {
    case AST_EXPR_TERM:
        stop = ast_walk_term(e->term, fn, ud);
        break;
    case AST_EXPR_UNIFY:
    case AST_EXPR_ASSIGN:
        stop = ast_walk_term(e->lhs, fn, ud) || ast_walk_term(e->rhs, fn, ud);
        break;
    case AST_EXPR_SOME:
        for (int i = 0; i < e->some.nvars && !stop; i++)
            stop = ast_walk_term(e->some.vars[i], fn, ud);
        stop = stop || (e->some.key && ast_walk_term(e->some.key, fn, ud)) ||
               (e->some.value && ast_walk_term(e->some.value, fn, ud)) ||
               (e->some.coll && ast_walk_term(e->some.coll, fn, ud));
        break;
    case AST_EXPR_EVERY:
        stop = (e->every.key && ast_walk_term(e->every.key, fn, ud)) || ast_walk_term(e->every.value, fn, ud) ||
               ast_walk_term(e->every.domain, fn, ud) || ast_walk_body(e->every.body, fn, ud);
        break;
    }
    for (int i = 0; i < e->nwiths && !stop; i++)
        stop = ast_walk_term(e->withs[i].target, fn, ud) || ast_walk_term(e->withs[i].value, fn, ud);
    return stop;
}

bool ast_walk_body(const ast_body *b, ast_visit fn, void *ud)
{
    for (int i = 0; b && i < b->n; i++)
        if (ast_walk_expr(b->exprs[i], fn, ud))
            return true;
    return false;
}

bool ast_walk_term(const ast_term *t, ast_visit fn, void *ud)
{
    if (!t)
        return false;
    if (fn(t, ud))
        return true;
    switch (t->kind) {
    case AST_SCALAR:
    case AST_VAR:
        return false;
    case AST_REF:
        for (int i = 0; i < t->ref.n; i++)
            if (ast_walk_term(t->ref.items[i], fn, ud))
                return true;
        return false;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            if (ast_walk_term(t->coll.items[i], fn, ud))
                return true;
        return false;
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR:
        return ast_walk_term(t->compr.key, fn, ud) || ast_walk_term(t->compr.head, fn, ud) ||
               ast_walk_body(t->compr.body, fn, ud);
    case AST_CALL:
        for (int i = 0; i < t->call.nargs; i++)
            if (ast_walk_term(t->call.args[i], fn, ud))
                return true;
        return false;
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            if (ast_walk_term(t->tmpl.parts[i], fn, ud))
                return true;
        return false;
    }
    return false;
}
