/* runtime.c — builtin group "runtime": opa.runtime() and
 * rego.parse_module(filename, text).
 *
 * opa.runtime() answers the object a host installed with opa_runtime_set
 * (http_host.h), or {} when there is none, as OPA does without runtime
 * information; service credentials and private keys in its "config" are
 * removed on the way out, as OPA's topdown/runtime.go removes them.
 *
 * rego.parse_module parses the text as a Rego v1 module and answers OPA's
 * JSON form of the AST (what encoding/json makes of an *ast.Module, with
 * OPA's default of no locations), as a value:
 *
 *   {"package": {"path": [terms]}, "imports": [{"path": term, "alias"?}],
 *    "rules": [{"head": {"name"?, "ref", "args"?, "key"?, "value"?,
 *               "assign"?}, "body": [exprs], "default"?, "else"?}],
 *    "comments": [{"Text": base64, "Location": {"file", "row", "col"}}]}
 *
 * terms are {"type", "value"} with OPA's type names (null's value is {},
 * refs, arrays and calls are arrays of terms, sets sorted, objects as
 * sorted [key, value] pairs, comprehensions as {"term"|"key","value",
 * "body"}); expressions are {"index", "terms", "negated"?, "with"?} where
 * terms is one term, an array [operator, operands...] for calls, =, :=,
 * {"symbols"} for `some`, or {"key", "value", "domain", "body"} for
 * `every`.  Rule heads are rebuilt from the parsed rule as OPA's parser
 * builds them (name only for one-part references, key for `contains` and
 * for `p[x] if`, a generated true value, ...).
 *
 * Known gaps: METADATA annotations are not produced (OPA's
 * rego.parse_module does not process them either); template strings are
 * rendered as {"parts": [...], "multi_line": false} with expression parts
 * as expressions, an approximation of OPA's form; where Verdict's parser
 * differs from OPA's (error texts, rare syntax), so does this output.
 *
 * rego.metadata.chain() and rego.metadata.rule() are answered at compile
 * time from the calling rule's annotations (rego/lower.c, rego/annotations.c);
 * their entries here only report a call from a query. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/verdict.h"
#include "../../rego/ast.h"
#include "../arena.h"
#include "../base64.h"
#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"
#include "../value.h"
#include "http_host.h"
#include "strings_util.h"

extern char **environ;

/* ------------------------------------------------------------------ */
/* opa.runtime                                                        */

static pthread_rwlock_t runtime_lock = PTHREAD_RWLOCK_INITIALIZER;
static arena *runtime_arena;
static val *runtime_info;

/* A copy of v in a new arena of its own, or NULL when memory runs out. */
static arena *copy_to_own_arena(const val *v, val **copy)
{
    arena *na = arena_new(1 << 14);
    if (!na)
        return NULL;
    jmp_buf oom;
    na->oom = &oom;
    if (setjmp(oom)) {
        arena_free(na);
        return NULL;
    }
    *copy = val_copy(na, v);
    na->oom = NULL;
    return na;
}

int opa_runtime_set(const val *info)
{
    arena *na = NULL;
    val *copy = NULL;
    if (info) {
        if (val_kind_of(info) != VAL_OBJECT)
            return -1;
        if (!(na = copy_to_own_arena(info, &copy)))
            return -1;
    }
    pthread_rwlock_wrlock(&runtime_lock);
    arena *old = runtime_arena;
    runtime_arena = na;
    runtime_info = copy;
    pthread_rwlock_unlock(&runtime_lock);
    if (old)
        arena_free(old);
    return 0;
}

val *opa_runtime_default(arena *a, const val *config)
{
    val_objb env;
    val_objb_init(&env, a);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (eq)
            val_objb_set(&env, val_string(a, *e, (size_t)(eq - *e)), val_cstring(a, eq + 1));
        else
            val_objb_set(&env, val_cstring(a, *e), VAL_NULL_V);
    }
    val_objb o;
    val_objb_init(&o, a);
    if (config)
        val_objb_set(&o, val_cstring(a, "config"), (val *)config);
    val_objb_set(&o, val_cstring(a, "env"), val_objb_finish(&env));
    val_objb_set(&o, val_cstring(a, "version"), val_cstring(a, VERDICT_VERSION));
    val_objb_set(&o, val_cstring(a, "commit"), val_cstring(a, ""));
    return val_objb_finish(&o);
}

/* Go's %T of a value decoded from JSON (ast.ValueToInterface). */
static const char *go_type(const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_NULL: return "<nil>";
    case VAL_BOOL: return "bool";
    case VAL_NUMBER: return "json.Number";
    case VAL_STRING: return "string";
    case VAL_OBJECT: return "map[string]interface {}";
    default: return "[]interface {}";
    }
}

/* obj without the given keys. */
static val *without(arena *a, const val *obj, const char *const *drop, int ndrop)
{
    val_objb b;
    val_objb_init(&b, a);
    for (uint32_t i = 0; i < val_len(obj); i++) {
        val *k = val_object_keys(obj)[i];
        bool skip = false;
        for (int j = 0; j < ndrop && !skip; j++)
            skip = val_kind_of(k) == VAL_STRING && strcmp(val_str(k), drop[j]) == 0;
        if (!skip)
            val_objb_set(&b, k, val_object_values(obj)[i]);
    }
    return val_objb_finish(&b);
}

/* removeKey over each element of a collection; false on "type assertion error". */
static bool strip_each(bi_ctx *c, val *coll, const char *const *drop, int ndrop, val **out)
{
    arena *a = c->a;
    uint32_t n = val_len(coll);
    if (val_kind_of(coll) == VAL_ARRAY) {
        varr *r = val_array_alloc(a, n);
        for (uint32_t i = 0; i < n; i++) {
            val *x = val_array_items(coll)[i];
            if (val_kind_of(x) != VAL_OBJECT)
                return false;
            r->items[i] = without(a, x, drop, ndrop);
        }
        *out = val_array_seal(r);
        return true;
    }
    val_objb b;
    val_objb_init(&b, a);
    for (uint32_t i = 0; i < n; i++) {
        val *x = val_object_values(coll)[i];
        if (val_kind_of(x) != VAL_OBJECT)
            return false;
        val_objb_set(&b, val_object_keys(coll)[i], without(a, x, drop, ndrop));
    }
    *out = val_objb_finish(&b);
    return true;
}

/* activeConfig: no service credentials, no private keys. */
static bi_status purge_config(bi_ctx *c, val *info, val **out)
{
    arena *a = c->a;
    *out = info;
    val *config = val_object_get_str(info, "config", 6);
    if (!config || val_kind_of(config) != VAL_OBJECT)
        return BI_OK;
    val *services = val_object_get_str(config, "services", 8);
    val *keys = val_object_get_str(config, "keys", 4);
    val_objb cb;
    val_objb_init(&cb, a);
    for (uint32_t i = 0; i < val_len(config); i++)
        val_objb_set(&cb, val_object_keys(config)[i], val_object_values(config)[i]);
    if (services && val_kind_of(services) != VAL_NULL) {
        static const char *const creds[] = {"credentials"};
        val *s2;
        if (val_kind_of(services) != VAL_ARRAY && val_kind_of(services) != VAL_OBJECT)
            return bi_error(c, "illegal service config type: %s", go_type(services));
        if (!strip_each(c, services, creds, 1, &s2))
            return bi_error(c, "type assertion error");
        val_objb_set(&cb, val_cstring(a, "services"), s2);
    }
    if (keys && val_kind_of(keys) != VAL_NULL) {
        static const char *const secret[] = {"key", "private_key"};
        val *k2;
        if (val_kind_of(keys) != VAL_OBJECT)
            return bi_error(c, "illegal keys config type: %s", go_type(keys));
        if (!strip_each(c, keys, secret, 2, &k2))
            return bi_error(c, "type assertion error");
        val_objb_set(&cb, val_cstring(a, "keys"), k2);
    }
    val_objb ob;
    val_objb_init(&ob, a);
    for (uint32_t i = 0; i < val_len(info); i++)
        val_objb_set(&ob, val_object_keys(info)[i], val_object_values(info)[i]);
    val_objb_set(&ob, val_cstring(a, "config"), val_objb_finish(&cb));
    *out = val_objb_finish(&ob);
    return BI_OK;
}

/* The installed object copied into the evaluation's arena (NULL: none). */
static val *runtime_copy(arena *a)
{
    val *volatile copy = NULL;
    /* copy under the read lock; an arena jump must not leave it held */
    jmp_buf here;
    jmp_buf *volatile outer = a->oom;
    pthread_rwlock_rdlock(&runtime_lock);
    if (outer) {
        if (setjmp(here)) {
            a->oom = outer;
            pthread_rwlock_unlock(&runtime_lock);
            longjmp(*outer, a->oom_code ? a->oom_code : ARENA_OOM);
        }
        a->oom = &here;
    }
    if (runtime_info)
        copy = val_copy(a, runtime_info);
    a->oom = outer;
    pthread_rwlock_unlock(&runtime_lock);
    return copy;
}

static bi_status bi_opa_runtime(bi_ctx *c, val *const *args, val **out)
{
    (void)args;
    val *copy = runtime_copy(c->a);
    if (!copy) {
        *out = VAL_EMPTY_OBJECT_V;
        return BI_OK;
    }
    return purge_config(c, copy, out);
}

/* ------------------------------------------------------------------ */
/* rego.parse_module: the AST as OPA's JSON                           */

typedef struct pm {
    arena *a;               /* where the result goes */
    val *k_type, *k_value;  /* interned keys */
} pm;

static val *str(pm *p, const char *s) { return val_cstring(p->a, s); }

/* An object from NULL-terminated key/value pairs; NULL values are left out. */
static val *mkobj(pm *p, ...)
{
    val_objb b;
    val_objb_init(&b, p->a);
    va_list ap;
    va_start(ap, p);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        val *v = va_arg(ap, val *);
        if (v)
            val_objb_set(&b, str(p, k), v);
    }
    va_end(ap);
    return val_objb_finish(&b);
}

static val *term_json(pm *p, const ast_term *t);
static val *body_json(pm *p, const ast_body *b);

static val *typed(pm *p, const char *type, val *value)
{
    val *k[2] = {p->k_type, p->k_value};
    val *v[2] = {str(p, type), value};
    return val_object(p->a, k, v, 2);
}

/* OPA's sortOrder of term kinds. */
static int sort_order(const ast_term *t)
{
    switch (t->kind) {
    case AST_SCALAR:
        switch (val_kind_of(t->value)) {
        case VAL_NULL: return 0;
        case VAL_BOOL: return 1;
        case VAL_NUMBER: return 2;
        default: return 3;
        }
    case AST_VAR: return 4;
    case AST_REF: return 5;
    case AST_ARRAY: return 6;
    case AST_OBJECT: return 7;
    case AST_SET: return 8;
    case AST_ARRAY_COMPR: return 9;
    case AST_OBJECT_COMPR: return 10;
    case AST_SET_COMPR: return 11;
    case AST_CALL: return 12;
    default: return 14;
    }
}

static int term_cmp(const ast_term *a, const ast_term *b);

static int slice_cmp(ast_term *const *a, int na, ast_term *const *b, int nb)
{
    for (int i = 0; i < na && i < nb; i++) {
        int c = term_cmp(a[i], b[i]);
        if (c)
            return c;
    }
    return na < nb ? -1 : na > nb;
}

/* Stable insertion sort of n items (pairs when stride is 2) by term_cmp. */
static void sort_terms(ast_term **items, int n, int stride)
{
    for (int i = stride; i < n * stride; i += stride) {
        for (int j = i; j > 0 && term_cmp(items[j - stride], items[j]) > 0; j -= stride) {
            for (int s = 0; s < stride; s++) {
                ast_term *t = items[j - stride + s];
                items[j - stride + s] = items[j + s];
                items[j + s] = t;
            }
        }
    }
}

static ast_term **sorted_copy(const ast_term *t, int stride)
{
    int n = t->coll.n;
    ast_term **c = malloc(sizeof *c * (size_t)(n ? n : 1));
    if (!c)
        return NULL;
    if (n > 0)
        memcpy(c, t->coll.items, sizeof *c * (size_t)n);
    sort_terms(c, n / stride, stride);
    return c;
}

/* OPA's Compare over terms (comprehensions: by their head terms, then by
 * where their bodies are written, an approximation). */
static int term_cmp(const ast_term *a, const ast_term *b)
{
    int oa = sort_order(a), ob = sort_order(b);
    if (oa != ob)
        return oa < ob ? -1 : 1;
    switch (a->kind) {
    case AST_SCALAR:
        return val_compare(a->value, b->value);
    case AST_VAR:
        return strcmp(a->var.name, b->var.name);
    case AST_REF:
        return slice_cmp(a->ref.items, a->ref.n, b->ref.items, b->ref.n);
    case AST_ARRAY:
        return slice_cmp(a->coll.items, a->coll.n, b->coll.items, b->coll.n);
    case AST_CALL: {
        int c = term_cmp(a->call.fn, b->call.fn);
        return c ? c : slice_cmp(a->call.args, a->call.nargs, b->call.args, b->call.nargs);
    }
    case AST_SET:
    case AST_OBJECT: {
        int stride = a->kind == AST_OBJECT ? 2 : 1;
        ast_term **x = sorted_copy(a, stride), **y = sorted_copy(b, stride);
        int c = 0;
        if (x && y)
            c = slice_cmp(x, a->coll.n, y, b->coll.n);
        free(x);
        free(y);
        return c;
    }
    case AST_ARRAY_COMPR:
    case AST_SET_COMPR:
    case AST_OBJECT_COMPR: {
        int c = 0;
        if (a->compr.key && b->compr.key)
            c = term_cmp(a->compr.key, b->compr.key);
        if (!c)
            c = term_cmp(a->compr.head, b->compr.head);
        if (!c)
            c = a->compr.body->loc.off < b->compr.body->loc.off ? -1 : a->compr.body->loc.off > b->compr.body->loc.off;
        return c;
    }
    default:
        return a->loc.off < b->loc.off ? -1 : a->loc.off > b->loc.off;
    }
}

static val *terms_json(pm *p, ast_term *const *items, int n)
{
    varr *r = val_array_alloc(p->a, (size_t)n);
    for (int i = 0; i < n; i++)
        r->items[i] = term_json(p, items[i]);
    return val_array_seal(r);
}

/* A call's operator: always a ref term ({"type": "ref", ...}). */
static val *operator_json(pm *p, const ast_term *fn, const char *name)
{
    if (fn && fn->kind == AST_REF)
        return term_json(p, fn);
    if (fn && fn->kind == AST_VAR)
        return typed(p, "ref", terms_json(p, (ast_term *const *)&fn, 1));
    /* from the dotted name: a var, then strings */
    val_arrb b;
    val_arrb_init(&b, p->a);
    const char *s = name;
    bool first = true;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        val_arrb_push(&b, typed(p, first ? "var" : "string", val_string(p->a, s, n)));
        first = false;
        s += n;
        if (*s == '.')
            s++;
    }
    return typed(p, "ref", val_arrb_finish(&b));
}

static val *named_operator(pm *p, const char *name)
{
    return operator_json(p, NULL, name);
}

static val *expr_json(pm *p, const ast_expr *e, int index);

static val *term_json(pm *p, const ast_term *t)
{
    arena *a = p->a;
    switch (t->kind) {
    case AST_SCALAR:
        switch (val_kind_of(t->value)) {
        case VAL_NULL: return typed(p, "null", VAL_EMPTY_OBJECT_V);
        /* the AST's values live in the parse arena, which goes away */
        case VAL_BOOL: return typed(p, "boolean", t->value);
        case VAL_NUMBER: return typed(p, "number", val_copy(a, t->value));
        default: return typed(p, "string", val_copy(a, t->value));
        }
    case AST_VAR:
        return typed(p, "var", val_cstring(a, t->var.name));
    case AST_REF:
        return typed(p, "ref", terms_json(p, t->ref.items, t->ref.n));
    case AST_ARRAY:
        return typed(p, "array", terms_json(p, t->coll.items, t->coll.n));
    case AST_SET: {
        int n = t->coll.n;
        ast_term **s = arena_alloc(a, sizeof *s * (size_t)(n ? n : 1));
        if (n > 0)
            memcpy(s, t->coll.items, sizeof *s * (size_t)n);
        sort_terms(s, n, 1);
        int k = 0;
        for (int i = 0; i < n; i++)
            if (k == 0 || term_cmp(s[k - 1], s[i]) != 0)
                s[k++] = s[i];
        return typed(p, "set", terms_json(p, s, k));
    }
    case AST_OBJECT: {
        int n = t->coll.n / 2;
        ast_term **s = arena_alloc(a, sizeof *s * (size_t)(2 * n + 1));
        if (n > 0)
            memcpy(s, t->coll.items, sizeof *s * (size_t)(2 * n));
        sort_terms(s, n, 2);
        /* equal keys: the later pair wins (the sort is stable) */
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (k > 0 && term_cmp(s[2 * (k - 1)], s[2 * i]) == 0)
                k--;
            s[2 * k] = s[2 * i];
            s[2 * k + 1] = s[2 * i + 1];
            k++;
        }
        varr *r = val_array_alloc(a, (size_t)k);
        for (int i = 0; i < k; i++) {
            val *pair[2] = {term_json(p, s[2 * i]), term_json(p, s[2 * i + 1])};
            r->items[i] = val_array(a, pair, 2);
        }
        return typed(p, "object", val_array_seal(r));
    }
    case AST_ARRAY_COMPR:
        return typed(p, "arraycomprehension",
                     mkobj(p, "term", term_json(p, t->compr.head), "body", body_json(p, t->compr.body), NULL));
    case AST_SET_COMPR:
        return typed(p, "setcomprehension",
                     mkobj(p, "term", term_json(p, t->compr.head), "body", body_json(p, t->compr.body), NULL));
    case AST_OBJECT_COMPR:
        return typed(p, "objectcomprehension",
                     mkobj(p, "key", term_json(p, t->compr.key), "value", term_json(p, t->compr.head), "body",
                           body_json(p, t->compr.body), NULL));
    case AST_CALL: {
        varr *r = val_array_alloc(a, (size_t)t->call.nargs + 1);
        r->items[0] = operator_json(p, t->call.fn, t->call.fn_name);
        for (int i = 0; i < t->call.nargs; i++)
            r->items[i + 1] = term_json(p, t->call.args[i]);
        return typed(p, "call", val_array_seal(r));
    }
    case AST_TEMPLATE: {
        varr *r = val_array_alloc(a, (size_t)t->tmpl.n);
        for (int i = 0; i < t->tmpl.n; i++) {
            const ast_term *part = t->tmpl.parts[i];
            if (part->kind == AST_SCALAR && val_kind_of(part->value) == VAL_STRING)
                r->items[i] = term_json(p, part);
            else
                r->items[i] = mkobj(p, "index", val_int(a, 0), "terms", term_json(p, part), NULL);
        }
        return typed(p, "templatestring",
                     mkobj(p, "parts", val_array_seal(r), "multi_line", VAL_FALSE_V, NULL));
    }
    }
    return typed(p, "null", VAL_EMPTY_OBJECT_V);
}

static val *true_expr(pm *p)
{
    return mkobj(p, "index", val_int(p->a, 0), "terms", typed(p, "boolean", VAL_TRUE_V), NULL);
}

static val *member_call(pm *p, const ast_expr *e)
{
    const char *name = e->some.key ? "internal.member_3" : "internal.member_2";
    val_arrb b;
    val_arrb_init(&b, p->a);
    val_arrb_push(&b, named_operator(p, name));
    if (e->some.key)
        val_arrb_push(&b, term_json(p, e->some.key));
    val_arrb_push(&b, term_json(p, e->some.value));
    val_arrb_push(&b, term_json(p, e->some.coll));
    return typed(p, "call", val_arrb_finish(&b));
}

static val *expr_json(pm *p, const ast_expr *e, int index)
{
    arena *a = p->a;
    val *terms = NULL;
    switch (e->kind) {
    case AST_EXPR_TERM:
        if (e->term->kind == AST_CALL) {
            /* a call written as an expression: [operator, operands...] */
            const ast_term *t = e->term;
            varr *r = val_array_alloc(a, (size_t)t->call.nargs + 1);
            r->items[0] = operator_json(p, t->call.fn, t->call.fn_name);
            for (int i = 0; i < t->call.nargs; i++)
                r->items[i + 1] = term_json(p, t->call.args[i]);
            terms = val_array_seal(r);
        } else {
            terms = term_json(p, e->term);
        }
        break;
    case AST_EXPR_UNIFY:
    case AST_EXPR_ASSIGN: {
        val *items[3] = {named_operator(p, e->kind == AST_EXPR_UNIFY ? "eq" : "assign"), term_json(p, e->lhs),
                         term_json(p, e->rhs)};
        terms = val_array(a, items, 3);
        break;
    }
    case AST_EXPR_SOME: {
        val *symbols;
        if (e->some.coll) {
            val *call = member_call(p, e);
            symbols = val_array(a, &call, 1);
        } else {
            symbols = terms_json(p, e->some.vars, e->some.nvars);
        }
        terms = mkobj(p, "symbols", symbols, NULL);
        break;
    }
    case AST_EXPR_EVERY:
        terms = mkobj(p, "key", e->every.key ? term_json(p, e->every.key) : VAL_NULL_V, "value",
                      term_json(p, e->every.value), "domain", term_json(p, e->every.domain), "body",
                      body_json(p, e->every.body), NULL);
        break;
    }
    val *with = NULL;
    if (e->nwiths > 0) {
        varr *r = val_array_alloc(a, (size_t)e->nwiths);
        for (int i = 0; i < e->nwiths; i++)
            r->items[i] = mkobj(p, "target", term_json(p, e->withs[i].target), "value",
                                term_json(p, e->withs[i].value), NULL);
        with = val_array_seal(r);
    }
    return mkobj(p, "index", val_int(a, index), "terms", terms, "negated", e->negated ? VAL_TRUE_V : NULL,
                 "generated", e->generated ? VAL_TRUE_V : NULL, "with", with, NULL);
}

static val *body_json(pm *p, const ast_body *b)
{
    if (!b || b->n == 0)
        return VAL_EMPTY_ARRAY_V;
    varr *r = val_array_alloc(p->a, (size_t)b->n);
    for (int i = 0; i < b->n; i++)
        r->items[i] = expr_json(p, b->exprs[i], i);
    return val_array_seal(r);
}

/* ---- rule heads, rebuilt as OPA's parser builds them ---- */

typedef struct head_info {
    ast_term **ref;         /* the head reference's terms */
    int nref;
    const char *name;       /* NULL: no name */
    const ast_term *key;
} head_info;

static bool ground(const ast_term *t)
{
    switch (t->kind) {
    case AST_SCALAR:
        return true;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            if (!ground(t->coll.items[i]))
                return false;
        return true;
    default:
        return false;
    }
}

static head_info head_of(const ast_rule *r)
{
    head_info h = {0};
    ast_term *const *items = (ast_term *const *)&r->head;
    int n = 1;
    if (r->head->kind == AST_REF) {
        items = r->head->ref.items;
        n = r->head->ref.n;
    }
    h.ref = (ast_term **)items;
    h.nref = n;
    if (n == 1 && items[0]->kind == AST_VAR)
        h.name = items[0]->var.name;
    if (r->kind == AST_RULE_PARTIAL_SET) {     /* `contains` */
        h.key = r->key;
        return h;
    }
    if (r->is_default || n != 2)
        return h;
    /* `p[x] if ...` (a written body means `if` in Rego v1) */
    bool has_if = r->body_written;
    const ast_term *last = items[1];
    if (has_if) {
        if ((!ground(last) || last->kind == AST_REF) && r->nargs == 0)
            h.key = last;
        if ((!r->value_implicit || r->nargs > 0) && items[0]->kind == AST_VAR)
            h.name = items[0]->var.name;
    } else if (r->nargs == 0 && items[0]->kind == AST_VAR) {
        /* `p.q := 1`: OPA's back-compat reading names p with key "q" */
        h.name = items[0]->var.name;
        h.key = last;
    }
    return h;
}

static val *head_json(pm *p, const ast_rule *r, const head_info *h)
{
    val *args = NULL;
    if (r->nargs > 0)
        args = terms_json(p, r->args, r->nargs);
    val *value = NULL;
    if (r->kind != AST_RULE_PARTIAL_SET && r->value)
        value = term_json(p, r->value);
    return mkobj(p, "name", h->name ? str(p, h->name) : NULL, "ref", terms_json(p, h->ref, h->nref), "args",
                 args, "key", h->key ? term_json(p, h->key) : NULL, "value", value, "assign",
                 r->assign ? VAL_TRUE_V : NULL, NULL);
}

static val *rule_json(pm *p, const ast_rule *r, const head_info *h, int depth)
{
    val *body;
    if (r->body && r->body->n > 0) {
        body = body_json(p, r->body);
    } else {
        val *t = true_expr(p);
        body = val_array(p->a, &t, 1);
    }
    val *els = NULL;
    if (r->else_ && depth < AST_MAX_DEPTH)
        els = rule_json(p, r->else_, h, depth + 1);
    return mkobj(p, "head", head_json(p, r, h), "body", body, "default", r->is_default ? VAL_TRUE_V : NULL,
                 "else", els, NULL);
}

/* ---- comments, found in the text (the parser drops them) ---- */

static val *comments_json(pm *p, const char *file, const char *src, size_t n)
{
    val_arrb b;
    val_arrb_init(&b, p->a);
    int row = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = src[i];
        if (ch == '\n') {
            row++;
            line_start = i + 1;
        } else if (ch == '"') {
            /* a string: skip to its closing quote (strings do not span lines) */
            for (i++; i < n && src[i] != '"' && src[i] != '\n'; i++)
                if (src[i] == '\\' && i + 1 < n && src[i + 1] != '\n')
                    i++;
            if (i < n && src[i] == '\n')
                i--;
        } else if (ch == '`') {
            for (i++; i < n && src[i] != '`'; i++) {
                if (src[i] == '\n') {
                    row++;
                    line_start = i + 1;
                }
            }
        } else if (ch == '#') {
            size_t e = i + 1;
            while (e < n && src[e] != '\n')
                e++;
            int col = 1 + (int)txt_rune_count(src + line_start, i - line_start);
            strbuf sb = STRBUF_INIT;
            base64_put(&sb, (const unsigned char *)src + i + 1, e - i - 1, base64_std, true);
            val *text = txt_string_from_sb(p->a, &sb);
            val *loc = mkobj(p, "file", str(p, file), "row", val_int(p->a, row), "col", val_int(p->a, col), NULL);
            val_arrb_push(&b, mkobj(p, "Text", text, "Location", loc, NULL));
            i = e - 1;
        }
    }
    return b.n ? val_arrb_finish(&b) : NULL;
}

static val *module_json(pm *p, const ast_module *m, const char *file)
{
    arena *a = p->a;
    val *pkg = mkobj(p, "path",
                     m->package->kind == AST_REF ? terms_json(p, m->package->ref.items, m->package->ref.n)
                                                 : terms_json(p, (ast_term *const *)&m->package, 1),
                     NULL);
    val *imports = NULL;
    if (m->nimports > 0) {
        varr *r = val_array_alloc(a, (size_t)m->nimports);
        for (int i = 0; i < m->nimports; i++) {
            const ast_term *path = m->imports[i].path;
            val *pj = path->kind == AST_REF ? term_json(p, path)
                                            : typed(p, "ref", terms_json(p, (ast_term *const *)&path, 1));
            r->items[i] = mkobj(p, "path", pj, "alias", m->imports[i].alias ? str(p, m->imports[i].alias) : NULL,
                                NULL);
        }
        imports = val_array_seal(r);
    }
    val *rules = NULL;
    if (m->nrules > 0) {
        varr *r = val_array_alloc(a, (size_t)m->nrules);
        for (int i = 0; i < m->nrules; i++) {
            head_info h = head_of(m->rules[i]);
            r->items[i] = rule_json(p, m->rules[i], &h, 0);
        }
        rules = val_array_seal(r);
    }
    val *comments = comments_json(p, file, m->source, m->source_len);
    return mkobj(p, "package", pkg, "imports", imports, "rules", rules, "comments", comments, NULL);
}

/* ast.Errors.Error(): "1 error occurred: x.rego:3: rego_parse_error: ..." */
static void errors_text(strbuf *sb, const rego_errors *errs)
{
    if (errs->n == 1)
        sb_puts(sb, "1 error occurred: ");
    else
        sb_printf(sb, "%d errors occurred:\n", errs->n);
    int i = 0;
    for (const rego_error *e = errs->head; e; e = e->next, i++) {
        if (i)
            sb_putc(sb, '\n');
        if (e->file && *e->file)
            sb_printf(sb, "%s:%d: ", e->file, e->row);
        else if (e->row)
            sb_printf(sb, "%d:%d: ", e->row, e->col);
        sb_printf(sb, "%s: %s", e->code, e->message ? e->message : "");
    }
}

typedef struct parse_state {
    arena *ast;
    rego_errors errs;
    strbuf msg;
} parse_state;

static bi_status parse_module(bi_ctx *c, val *const *args, val **out, parse_state *ps)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    if (val_kind_of(args[1]) != VAL_STRING)
        return bi_operand_type(c, 1, args[1], "string");   /* OPA names operand 1 here too */
    ps->ast = arena_new(1 << 16);
    if (!ps->ast)
        return bi_error(c, "out of memory");
    jmp_buf parse_oom;
    ps->ast->oom = &parse_oom;
    if (setjmp(parse_oom)) {
        ps->ast->oom = NULL;
        return bi_error(c, "out of memory");
    }
    parse_opts opts = {.version = AST_REGO_V1, .no_annotations = true};
    const char *file = val_str(args[0]);
    ast_module *m = rego_parse_module(ps->ast, file, val_str(args[1]), val_len(args[1]), &opts, &ps->errs);
    ps->ast->oom = NULL;
    if (!m) {
        errors_text(&ps->msg, &ps->errs);
        if (!ps->errs.n)
            sb_puts(&ps->msg, "no error(s)");
        return bi_error(c, "%s", ps->msg.data ? ps->msg.data : "");
    }
    pm p = {c->a, val_cstring(c->a, "type"), val_cstring(c->a, "value")};
    *out = module_json(&p, m, file);
    return BI_OK;
}

static bi_status bi_parse_module(bi_ctx *c, val *const *args, val **out)
{
    parse_state *ps = calloc(1, sizeof *ps);
    if (!ps)
        return bi_error(c, "out of memory");
    jmp_buf here;
    jmp_buf *volatile outer = c->a->oom;
    if (outer) {
        if (setjmp(here)) {
            c->a->oom = outer;
            if (ps->ast)
                arena_free(ps->ast);
            rego_errors_free(&ps->errs);
            sb_free(&ps->msg);
            free(ps);
            longjmp(*outer, c->a->oom_code ? c->a->oom_code : ARENA_OOM);
        }
        c->a->oom = &here;
    }
    bi_status rc = parse_module(c, args, out, ps);
    c->a->oom = outer;
    if (ps->ast)
        arena_free(ps->ast);
    rego_errors_free(&ps->errs);
    sb_free(&ps->msg);
    free(ps);
    return rc;
}

/* The compiler replaces rego.metadata.chain() and rego.metadata.rule() in
 * rules with their values (rego/lower.c); a call left for run time comes
 * from a query, which has no rule to describe. */
static bi_status bi_metadata_outside_rule(bi_ctx *c, val *const *args, val **out)
{
    return bi_error(c, "the %s function must only be called within the scope of a rule", c->def->name);
}

const builtin_def bi_group_runtime[] = {
    {"opa.runtime", 0, bi_opa_runtime, BI_F_NONDET, NULL},
    {"rego.parse_module", 2, bi_parse_module, 0, NULL},
    {"rego.metadata.chain", 0, bi_metadata_outside_rule, 0, NULL},
    {"rego.metadata.rule", 0, bi_metadata_outside_rule, 0, NULL},
    {0},
};
