/* graphql_ast.c — gqlparser's AST to Rego values and back (see graphql_ast.h).
 *
 * To values: each struct becomes an object keyed by the Go field names, with
 * OPA's pruning applied on the way (no Position, no nulls, no empty arrays or
 * objects; empty strings, false and 0 stay).
 *
 * From values: Go's encoding/json rules for the structs — keys matched
 * exactly, else case-insensitively; unknown keys ignored; null leaves a
 * field as it is (or nil for pointers and slices); a value of the wrong JSON
 * type is an error, but decoding goes on and the first error is reported.
 * Field, InlineFragment, OperationDefinition and FragmentDefinition have
 * gqlparser's own decoders, which match keys exactly and stop at the first
 * error; a selection is decoded as a Field, else a FragmentSpread, else an
 * InlineFragment, else dropped — so in practice every selection given as an
 * object is a Field, as in OPA. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../strbuf.h"
#include "graphql_ast.h"
#include "strings_util.h"

/* ---- small helpers ---- */

void gql_list_push(arena *a, gql_list *l, void *item)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        void **items = arena_alloc(a, (size_t)cap * sizeof *items);
        if (l->n)
            memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = item;
}

gql_str gql_strn(arena *a, const char *s, size_t n)
{
    gql_str r = {arena_strndup(a, s, n), n};
    return r;
}

gql_str gql_str_from_sb(arena *a, strbuf *sb)
{
    jmp_buf here;
    jmp_buf *volatile outer = a->oom;
    if (outer) {
        if (setjmp(here)) {
            a->oom = outer;
            sb_free(sb);
            longjmp(*outer, a->oom_code ? a->oom_code : ARENA_OOM);
        }
        a->oom = &here;
    }
    gql_str r = gql_strn(a, sb->data ? sb->data : "", sb->len);
    a->oom = outer;
    sb_free(sb);
    return r;
}

gql_str gql_cstr(const char *s)
{
    gql_str r = {s, strlen(s)};
    return r;
}

bool gql_str_eq(gql_str a, gql_str b) { return a.n == b.n && memcmp(a.s, b.s, a.n) == 0; }

bool gql_str_eqc(gql_str a, const char *c) { return gql_str_eq(a, gql_cstr(c)); }

gql_str gql_type_name(const gql_type *t)
{
    for (int guard = 0; t && guard < 10000; guard++) {
        if (t->named.n)
            return t->named;
        t = t->elem;
    }
    return gql_cstr("");
}

void gql_type_string(strbuf *sb, const gql_type *t)
{
    if (!t) {
        sb_puts(sb, "<nil>");
        return;
    }
    if (t->named.n || !t->elem) {
        sb_append(sb, t->named.s, t->named.n);
    } else {
        sb_putc(sb, '[');
        gql_type_string(sb, t->elem);
        sb_putc(sb, ']');
    }
    if (t->nonnull)
        sb_putc(sb, '!');
}

void gql_value_string(strbuf *sb, const gql_value *v)
{
    if (!v) {
        sb_puts(sb, "<nil>");
        return;
    }
    switch (v->kind) {
    case GQL_VARIABLE:
        sb_putc(sb, '$');
        sb_append(sb, v->raw.s, v->raw.n);
        break;
    case GQL_STRING:
    case GQL_BLOCK:
        txt_go_quote(sb, v->raw.s, v->raw.n, false);
        break;
    case GQL_LIST:
    case GQL_OBJECT:
        sb_putc(sb, v->kind == GQL_LIST ? '[' : '{');
        for (int i = 0; i < v->children.n; i++) {
            const gql_child *c = GQL_AT(v->children, i);
            if (i)
                sb_putc(sb, ',');
            if (v->kind == GQL_OBJECT) {
                sb_append(sb, c->name.s, c->name.n);
                sb_putc(sb, ':');
            }
            gql_value_string(sb, c->value);
        }
        sb_putc(sb, v->kind == GQL_LIST ? ']' : '}');
        break;
    default:
        sb_append(sb, v->raw.s, v->raw.n);
        break;
    }
}

/* ======================================================================
 * AST -> values
 * ====================================================================== */

typedef struct enc {
    arena *a;
    int depth;
} enc;

typedef struct obj {
    enc *e;
    val_objb b;
} obj;

static void obj_init(obj *o, enc *e)
{
    o->e = e;
    val_objb_init(&o->b, e->a);
}

/* Adds key: v unless v is nil or (after pruning) an empty array or object. */
static void obj_put(obj *o, const char *key, val *v)
{
    if (!v)
        return;
    if ((val_kind_of(v) == VAL_ARRAY || val_kind_of(v) == VAL_OBJECT) && val_len(v) == 0)
        return;
    val_objb_put(&o->b, val_cstring(o->e->a, key), v);
}

static val *obj_done(obj *o) { return val_objb_finish(&o->b); }

static val *enc_str(enc *e, gql_str s) { return val_string(e->a, s.s ? s.s : "", s.n); }

static void put_str(obj *o, const char *key, gql_str s) { obj_put(o, key, enc_str(o->e, s)); }

typedef val *(*enc_fn)(enc *e, const void *node);

static val *enc_list(enc *e, const gql_list *l, enc_fn fn)
{
    if (!l->n)
        return NULL;
    val_arrb b;
    val_arrb_init(&b, e->a);
    for (int i = 0; i < l->n; i++) {
        val *v = l->items[i] ? fn(e, l->items[i]) : NULL;
        if (!v)
            continue;
        if ((val_kind_of(v) == VAL_ARRAY || val_kind_of(v) == VAL_OBJECT) && val_len(v) == 0)
            continue;
        val_arrb_push(&b, v);
    }
    return val_arrb_finish(&b);
}

static val *enc_strval(enc *e, const void *p) { return enc_str(e, *(const gql_str *)p); }

static val *enc_comment(enc *e, const void *p)
{
    obj o;
    obj_init(&o, e);
    put_str(&o, "Value", *(const gql_str *)p);
    return obj_done(&o);
}

static val *enc_comments(enc *e, const gql_comments *c)
{
    if (!c)
        return NULL;
    obj o;
    obj_init(&o, e);
    obj_put(&o, "List", enc_list(e, &c->list, enc_comment));
    return obj_done(&o);
}

/* Guards recursion through nested nodes. */
#define ENTER(e)                                                                                   \
    do {                                                                                           \
        if ((e)->depth >= 4 * GQL_MAX_DEPTH)                                                       \
            return NULL;                                                                           \
        (e)->depth++;                                                                              \
    } while (0)
#define LEAVE(e) ((e)->depth--)

static val *enc_type(enc *e, const gql_type *t);
static val *enc_value(enc *e, const void *p);
static val *enc_def(enc *e, const void *p);
static val *enc_fielddef(enc *e, const void *p);
static val *enc_vardef(enc *e, const void *p);
static val *enc_fragment(enc *e, const void *p);
static val *enc_dirdef(enc *e, const void *p);

static val *enc_type(enc *e, const gql_type *t)
{
    if (!t)
        return NULL;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_str(&o, "NamedType", t->named);
    obj_put(&o, "Elem", enc_type(e, t->elem));
    obj_put(&o, "NonNull", val_bool(t->nonnull));
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_child(enc *e, const void *p)
{
    const gql_child *c = p;
    obj o;
    obj_init(&o, e);
    put_str(&o, "Name", c->name);
    obj_put(&o, "Value", c->value ? enc_value(e, c->value) : NULL);
    obj_put(&o, "Comment", enc_comments(e, c->comment));
    return obj_done(&o);
}

static val *enc_value(enc *e, const void *p)
{
    const gql_value *v = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_str(&o, "Raw", v->raw);
    obj_put(&o, "Children", enc_list(e, &v->children, enc_child));
    obj_put(&o, "Kind", val_int(e->a, v->kind));
    obj_put(&o, "Comment", enc_comments(e, v->comment));
    obj_put(&o, "Definition", v->definition ? enc_def(e, v->definition) : NULL);
    obj_put(&o, "VariableDefinition", v->vardef ? enc_vardef(e, v->vardef) : NULL);
    obj_put(&o, "ExpectedType", enc_type(e, v->expected));
    obj_put(&o, "ExpectedTypeHasDefault", val_bool(v->expected_has_default));
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_arg(enc *e, const void *p)
{
    const gql_arg *g = p;
    obj o;
    obj_init(&o, e);
    put_str(&o, "Name", g->name);
    obj_put(&o, "Value", g->value ? enc_value(e, g->value) : NULL);
    obj_put(&o, "Comment", enc_comments(e, g->comment));
    return obj_done(&o);
}

static val *enc_directive(enc *e, const void *p)
{
    const gql_directive *d = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_str(&o, "Name", d->name);
    obj_put(&o, "Arguments", enc_list(e, &d->args, enc_arg));
    obj_put(&o, "ParentDefinition", d->parent ? enc_def(e, d->parent) : NULL);
    obj_put(&o, "Definition", d->definition ? enc_dirdef(e, d->definition) : NULL);
    put_str(&o, "Location", d->location);
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_selection(enc *e, const void *p)
{
    const gql_selection *s = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    switch (s->kind) {
    case GQL_FIELD:
        put_str(&o, "Alias", s->alias);
        put_str(&o, "Name", s->name);
        obj_put(&o, "Arguments", enc_list(e, &s->args, enc_arg));
        obj_put(&o, "Directives", enc_list(e, &s->directives, enc_directive));
        obj_put(&o, "SelectionSet", enc_list(e, &s->selset, enc_selection));
        obj_put(&o, "Comment", enc_comments(e, s->comment));
        obj_put(&o, "Definition", s->definition ? enc_fielddef(e, s->definition) : NULL);
        obj_put(&o, "ObjectDefinition", s->object_definition ? enc_def(e, s->object_definition) : NULL);
        break;
    case GQL_SPREAD:
        put_str(&o, "Name", s->name);
        obj_put(&o, "Directives", enc_list(e, &s->directives, enc_directive));
        obj_put(&o, "ObjectDefinition", s->object_definition ? enc_def(e, s->object_definition) : NULL);
        obj_put(&o, "Definition", s->fragment ? enc_fragment(e, s->fragment) : NULL);
        obj_put(&o, "Comment", enc_comments(e, s->comment));
        break;
    default:
        put_str(&o, "TypeCondition", s->type_condition);
        obj_put(&o, "Directives", enc_list(e, &s->directives, enc_directive));
        obj_put(&o, "SelectionSet", enc_list(e, &s->selset, enc_selection));
        obj_put(&o, "ObjectDefinition", s->object_definition ? enc_def(e, s->object_definition) : NULL);
        obj_put(&o, "Comment", enc_comments(e, s->comment));
        break;
    }
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_vardef(enc *e, const void *p)
{
    const gql_vardef *v = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_str(&o, "Variable", v->variable);
    obj_put(&o, "Type", enc_type(e, v->type));
    obj_put(&o, "DefaultValue", v->default_value ? enc_value(e, v->default_value) : NULL);
    obj_put(&o, "Directives", enc_list(e, &v->directives, enc_directive));
    obj_put(&o, "Comment", enc_comments(e, v->comment));
    obj_put(&o, "Definition", v->definition ? enc_def(e, v->definition) : NULL);
    obj_put(&o, "Used", val_bool(v->used));
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_operation(enc *e, const void *p)
{
    const gql_operation *op = p;
    obj o;
    obj_init(&o, e);
    put_str(&o, "Operation", op->operation);
    put_str(&o, "Name", op->name);
    obj_put(&o, "VariableDefinitions", enc_list(e, &op->vardefs, enc_vardef));
    obj_put(&o, "Directives", enc_list(e, &op->directives, enc_directive));
    obj_put(&o, "SelectionSet", enc_list(e, &op->selset, enc_selection));
    obj_put(&o, "Comment", enc_comments(e, op->comment));
    return obj_done(&o);
}

static val *enc_fragment(enc *e, const void *p)
{
    const gql_fragment *f = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_str(&o, "Name", f->name);
    obj_put(&o, "VariableDefinition", enc_list(e, &f->vardefs, enc_vardef));
    put_str(&o, "TypeCondition", f->type_condition);
    obj_put(&o, "Directives", enc_list(e, &f->directives, enc_directive));
    obj_put(&o, "SelectionSet", enc_list(e, &f->selset, enc_selection));
    obj_put(&o, "Definition", f->definition ? enc_def(e, f->definition) : NULL);
    obj_put(&o, "Comment", enc_comments(e, f->comment));
    LEAVE(e);
    return obj_done(&o);
}

val *gql_query_to_val(arena *a, const gql_query_doc *doc)
{
    enc e = {a, 0};
    obj o;
    obj_init(&o, &e);
    obj_put(&o, "Operations", enc_list(&e, &doc->operations, enc_operation));
    obj_put(&o, "Fragments", enc_list(&e, &doc->fragments, enc_fragment));
    obj_put(&o, "Comment", enc_comments(&e, doc->comment));
    return obj_done(&o);
}

/* -- schema side -- */

static void put_descr(obj *o, gql_str description, const gql_comments *before, const gql_comments *after)
{
    put_str(o, "Description", description);
    obj_put(o, "BeforeDescriptionComment", enc_comments(o->e, before));
    obj_put(o, "AfterDescriptionComment", enc_comments(o->e, after));
}

static val *enc_argdef(enc *e, const void *p)
{
    const gql_fielddef *f = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_descr(&o, f->description, f->before, f->after);
    put_str(&o, "Name", f->name);
    obj_put(&o, "DefaultValue", f->default_value ? enc_value(e, f->default_value) : NULL);
    obj_put(&o, "Type", enc_type(e, f->type));
    obj_put(&o, "Directives", enc_list(e, &f->directives, enc_directive));
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_fielddef(enc *e, const void *p)
{
    const gql_fielddef *f = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_descr(&o, f->description, f->before, f->after);
    put_str(&o, "Name", f->name);
    obj_put(&o, "Arguments", enc_list(e, &f->args, enc_argdef));
    obj_put(&o, "DefaultValue", f->default_value ? enc_value(e, f->default_value) : NULL);
    obj_put(&o, "Type", enc_type(e, f->type));
    obj_put(&o, "Directives", enc_list(e, &f->directives, enc_directive));
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_enumval(enc *e, const void *p)
{
    const gql_enumval *v = p;
    obj o;
    obj_init(&o, e);
    put_descr(&o, v->description, v->before, v->after);
    put_str(&o, "Name", v->name);
    obj_put(&o, "Directives", enc_list(e, &v->directives, enc_directive));
    return obj_done(&o);
}

static val *enc_def(enc *e, const void *p)
{
    const gql_def *d = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_str(&o, "Kind", d->kind);
    put_descr(&o, d->description, d->before, d->after);
    put_str(&o, "Name", d->name);
    obj_put(&o, "Directives", enc_list(e, &d->directives, enc_directive));
    obj_put(&o, "Interfaces", enc_list(e, &d->interfaces, enc_strval));
    obj_put(&o, "Fields", enc_list(e, &d->fields, enc_fielddef));
    obj_put(&o, "Types", enc_list(e, &d->types, enc_strval));
    obj_put(&o, "EnumValues", enc_list(e, &d->enum_values, enc_enumval));
    obj_put(&o, "BuiltIn", val_bool(d->builtin));
    obj_put(&o, "EndOfDefinitionComment", enc_comments(e, d->end));
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_dirdef(enc *e, const void *p)
{
    const gql_dirdef *d = p;
    ENTER(e);
    obj o;
    obj_init(&o, e);
    put_descr(&o, d->description, d->before, d->after);
    put_str(&o, "Name", d->name);
    obj_put(&o, "Arguments", enc_list(e, &d->args, enc_argdef));
    obj_put(&o, "Locations", enc_list(e, &d->locations, enc_strval));
    obj_put(&o, "IsRepeatable", val_bool(d->repeatable));
    LEAVE(e);
    return obj_done(&o);
}

static val *enc_optype(enc *e, const void *p)
{
    const gql_optype *t = p;
    obj o;
    obj_init(&o, e);
    put_str(&o, "Operation", t->operation);
    put_str(&o, "Type", t->type);
    obj_put(&o, "Comment", enc_comments(e, t->comment));
    return obj_done(&o);
}

static val *enc_schemadef(enc *e, const void *p)
{
    const gql_schemadef *s = p;
    obj o;
    obj_init(&o, e);
    put_descr(&o, s->description, s->before, s->after);
    obj_put(&o, "Directives", enc_list(e, &s->directives, enc_directive));
    obj_put(&o, "OperationTypes", enc_list(e, &s->optypes, enc_optype));
    obj_put(&o, "EndOfDefinitionComment", enc_comments(e, s->end));
    return obj_done(&o);
}

val *gql_schema_to_val(arena *a, const gql_schema_doc *doc)
{
    enc e = {a, 0};
    obj o;
    obj_init(&o, &e);
    obj_put(&o, "Schema", enc_list(&e, &doc->schema, enc_schemadef));
    obj_put(&o, "SchemaExtension", enc_list(&e, &doc->schema_ext, enc_schemadef));
    obj_put(&o, "Directives", enc_list(&e, &doc->directives, enc_dirdef));
    obj_put(&o, "Definitions", enc_list(&e, &doc->definitions, enc_def));
    obj_put(&o, "Extensions", enc_list(&e, &doc->extensions, enc_def));
    obj_put(&o, "Comment", enc_comments(&e, doc->comment));
    return obj_done(&o);
}

/* ======================================================================
 * values -> AST
 * ====================================================================== */

typedef struct dec {
    arena *a;
    char *err;              /* first error, "" while none */
    size_t errlen;
    int depth;
    bool too_deep;          /* the nesting limit was hit: fatal, never retried */
} dec;

static const char *json_kind(const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_NULL:
        return "null";
    case VAL_BOOL:
        return "bool";
    case VAL_NUMBER:
        return "number";
    case VAL_STRING:
        return "string";
    case VAL_ARRAY:
    case VAL_SET:
        return "array";
    default:
        return "object";
    }
}

/* Records Go's UnmarshalTypeError for the first failure; returns false. */
static bool type_error(dec *d, const val *got, const char *gostruct, const char *field, const char *gotype)
{
    if (!d->err[0]) {
        const char *kind = json_kind(got);
        if (field)
            snprintf(d->err, d->errlen, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", kind,
                     gostruct, field, gotype);
        else
            snprintf(d->err, d->errlen, "json: cannot unmarshal %s into Go value of type %s", kind, gotype);
    }
    return false;
}

static bool fail(dec *d, const char *msg)
{
    if (!d->err[0])
        snprintf(d->err, d->errlen, "%s", msg);
    return false;
}

/* Nesting beyond GQL_MAX_DEPTH (Go's decoder has no such limit). */
static bool too_deep(dec *d)
{
    if (!d->too_deep)
        snprintf(d->err, d->errlen, "json: exceeded max depth");
    d->too_deep = true;
    return false;
}

/* Elements of an array or set (a set encodes as a JSON array). */
static bool seq_items(const val *v, val *const **items, size_t *n)
{
    if (val_kind_of(v) == VAL_ARRAY) {
        *items = val_array_items(v);
    } else if (val_kind_of(v) == VAL_SET) {
        *items = val_set_items(v);
    } else {
        return false;
    }
    *n = val_len(v);
    return true;
}

/* encoding/json's key matching: exact first, then ASCII case-insensitive
 * (Go also folds the Kelvin sign and long s; names here have neither). */
static int field_index(const char *const *names, int n, const val *key, bool exact_only)
{
    if (val_kind_of(key) != VAL_STRING)
        return -1;
    const char *k = val_str(key);
    size_t kl = val_len(key);
    if (kl == 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == kl && memcmp(names[i], k, kl) == 0)
            return i;
    if (exact_only)
        return -1;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == kl && strncasecmp(names[i], k, kl) == 0)
            return i;
    return -1;
}

/* Objects with a non-string key cannot be marshalled to JSON by OPA. */
static bool check_keys(dec *d, const val *v)
{
    for (uint32_t i = 0; i < val_len(v); i++)
        if (val_kind_of(val_object_keys(v)[i]) != VAL_STRING)
            return fail(d, "json: unsupported type: object with non-string key");
    return true;
}

/* Iterates an object's fields for a struct decoder: calls fn(ctx, index,
 * value) for every key that names a field; returns false if v is not an
 * object (null is fine) or fn failed.  Standard structs go on after a
 * failure; exact (gqlparser-written) decoders stop at once. */
typedef bool (*field_fn)(dec *d, void *node, int idx, const val *v);

static bool dec_fields(dec *d, const val *v, void *node, const char *const *names, int n, bool exact, field_fn fn)
{
    if (!check_keys(d, v))
        return false;
    bool ok = true;
    for (uint32_t i = 0; i < val_len(v); i++) {
        int idx = field_index(names, n, val_object_keys(v)[i], exact);
        if (idx < 0)
            continue;
        if (!fn(d, node, idx, val_object_values(v)[i])) {
            ok = false;
            if (exact)
                return false;
        }
    }
    return ok;
}

static bool dec_string(dec *d, const val *v, gql_str *out, const char *st, const char *f)
{
    if (val_kind_of(v) == VAL_NULL)
        return true;
    if (val_kind_of(v) != VAL_STRING)
        return type_error(d, v, st, f, "string");
    out->s = val_str(v);
    out->n = val_len(v);
    return true;
}

static bool dec_bool(dec *d, const val *v, bool *out, const char *st, const char *f)
{
    if (val_kind_of(v) == VAL_NULL)
        return true;
    if (val_kind_of(v) != VAL_BOOL)
        return type_error(d, v, st, f, "bool");
    *out = val_is_true(v);
    return true;
}

static bool dec_int(dec *d, const val *v, int64_t *out, const char *st, const char *f, const char *gotype)
{
    if (val_kind_of(v) == VAL_NULL)
        return true;
    if (val_kind_of(v) != VAL_NUMBER || !txt_number_int(v, out))
        return type_error(d, v, st, f, gotype);
    return true;
}

/* A list of nodes: fn decodes one element (an object) into a new node. */
typedef void *(*node_fn)(dec *d, const val *v, bool *ok);

static bool dec_list(dec *d, const val *v, gql_list *out, node_fn fn, const char *st, const char *f,
                     const char *gotype)
{
    if (val_kind_of(v) == VAL_NULL) {
        memset(out, 0, sizeof *out);
        return true;
    }
    val *const *items;
    size_t n;
    if (!seq_items(v, &items, &n))
        return type_error(d, v, st, f, gotype);
    memset(out, 0, sizeof *out);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        bool one = true;
        void *node = fn(d, items[i], &one);
        if (!one)
            ok = false;
        if (node)
            gql_list_push(d->a, out, node);
    }
    return ok;
}

static bool dec_strlist(dec *d, const val *v, gql_list *out, const char *st, const char *f)
{
    if (val_kind_of(v) == VAL_NULL) {
        memset(out, 0, sizeof *out);
        return true;
    }
    val *const *items;
    size_t n;
    if (!seq_items(v, &items, &n))
        return type_error(d, v, st, f, "[]string");
    memset(out, 0, sizeof *out);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        gql_str *s = arena_zalloc(d->a, sizeof *s);
        s->s = "";
        if (!dec_string(d, items[i], s, st, f))
            ok = false;
        gql_list_push(d->a, out, s);
    }
    return ok;
}

/* Start of a struct decoder for a pointer slot: null -> nil; object ->
 * allocate (or reuse) the node.  Returns the node or NULL. */
static void *dec_begin(dec *d, const val *v, void **slot, size_t size, bool *ok, const char *st, const char *f,
                       const char *gotype)
{
    if (val_kind_of(v) == VAL_NULL) {
        *slot = NULL;
        return NULL;
    }
    if (val_kind_of(v) != VAL_OBJECT) {
        *ok = type_error(d, v, st, f, gotype);
        return NULL;
    }
    if (d->depth >= GQL_MAX_DEPTH) {
        *ok = too_deep(d);
        return NULL;
    }
    if (!*slot) {
        *slot = arena_zalloc(d->a, size);
    }
    return *slot;
}

static const char *const pos_names[] = {"Line", "Column", "Start", "End", "Src"};

static bool pos_field(dec *d, void *node, int idx, const val *v)
{
    gql_pos *p = node;
    int64_t x = 0;
    switch (idx) {
    case 0:
        if (!dec_int(d, v, &x, "Position", "Line", "int"))
            return false;
        if (val_kind_of(v) != VAL_NULL)
            p->line = (int)x;
        return true;
    case 1:
        if (!dec_int(d, v, &x, "Position", "Column", "int"))
            return false;
        if (val_kind_of(v) != VAL_NULL)
            p->col = (int)x;
        return true;
    case 2:
    case 3:
        return dec_int(d, v, &x, "Position", pos_names[idx], "int");
    default:
        if (val_kind_of(v) != VAL_NULL && val_kind_of(v) != VAL_OBJECT)
            return type_error(d, v, "Position", "Src", "ast.Source");
        return true;
    }
}

static bool dec_pos(dec *d, const val *v, gql_pos *out, const char *st)
{
    if (val_kind_of(v) == VAL_NULL) {
        memset(out, 0, sizeof *out);
        return true;
    }
    if (val_kind_of(v) != VAL_OBJECT)
        return type_error(d, v, st, "Position", "ast.Position");
    out->set = true;
    return dec_fields(d, v, out, pos_names, 5, false, pos_field);
}

/* -- comments -- */

static void *dec_comment(dec *d, const val *v, bool *ok);

static const char *const comment_names[] = {"Value", "Position"};

static bool comment_field(dec *d, void *node, int idx, const val *v)
{
    gql_pos ignored;
    if (idx == 0)
        return dec_string(d, v, node, "Comment", "Value");
    return dec_pos(d, v, &ignored, "Comment");
}

static void *dec_comment(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_str *s = dec_begin(d, v, &slot, sizeof(gql_str), ok, "CommentGroup", "List", "ast.Comment");
    if (!s)
        return NULL;
    s->s = "";
    if (!dec_fields(d, v, s, comment_names, 2, false, comment_field))
        *ok = false;
    return s;
}

static const char *const group_names[] = {"List"};

static bool group_field(dec *d, void *node, int idx, const val *v)
{
    gql_comments *c = node;
    return dec_list(d, v, &c->list, dec_comment, "CommentGroup", "List", "[]*ast.Comment");
}

static bool dec_comments(dec *d, const val *v, gql_comments **slot, const char *st, const char *f)
{
    bool ok = true;
    gql_comments *c = dec_begin(d, v, (void **)slot, sizeof *c, &ok, st, f, "ast.CommentGroup");
    if (c && !dec_fields(d, v, c, group_names, 1, false, group_field))
        ok = false;
    return ok;
}

/* -- types and values -- */

static bool dec_type(dec *d, const val *v, gql_type **slot, const char *st, const char *f);

static const char *const type_names[] = {"NamedType", "Elem", "NonNull", "Position"};

static bool type_field(dec *d, void *node, int idx, const val *v)
{
    gql_type *t = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &t->named, "Type", "NamedType");
    case 1:
        return dec_type(d, v, &t->elem, "Type", "Elem");
    case 2:
        return dec_bool(d, v, &t->nonnull, "Type", "NonNull");
    default:
        return dec_pos(d, v, &t->pos, "Type");
    }
}

static bool dec_type(dec *d, const val *v, gql_type **slot, const char *st, const char *f)
{
    bool ok = true;
    gql_type *t = dec_begin(d, v, (void **)slot, sizeof *t, &ok, st, f, "ast.Type");
    if (!t)
        return ok;
    if (!t->named.s)
        t->named = gql_cstr("");
    d->depth++;
    ok = dec_fields(d, v, t, type_names, 4, false, type_field);
    d->depth--;
    return ok;
}

static bool dec_value(dec *d, const val *v, gql_value **slot, const char *st, const char *f);
static bool dec_def(dec *d, const val *v, gql_def **slot, const char *st, const char *f);
static bool dec_vardef(dec *d, const val *v, gql_vardef **slot, const char *st, const char *f);

static const char *const child_names[] = {"Name", "Value", "Position", "Comment"};

static bool child_field(dec *d, void *node, int idx, const val *v)
{
    gql_child *c = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &c->name, "ChildValue", "Name");
    case 1:
        return dec_value(d, v, &c->value, "ChildValue", "Value");
    case 2:
        return dec_pos(d, v, &c->pos, "ChildValue");
    default:
        return dec_comments(d, v, &c->comment, "ChildValue", "Comment");
    }
}

static void *dec_child(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_child *c = dec_begin(d, v, &slot, sizeof *c, ok, "Value", "Children", "ast.ChildValue");
    if (!c)
        return NULL;
    c->name = gql_cstr("");
    if (!dec_fields(d, v, c, child_names, 4, false, child_field))
        *ok = false;
    return c;
}

static const char *const value_names[] = {"Raw",        "Children",           "Kind",         "Position",
                                          "Comment",    "Definition",         "VariableDefinition",
                                          "ExpectedType", "ExpectedTypeHasDefault"};

static bool value_field(dec *d, void *node, int idx, const val *v)
{
    gql_value *x = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &x->raw, "Value", "Raw");
    case 1:
        return dec_list(d, v, &x->children, dec_child, "Value", "Children", "ast.ChildValueList");
    case 2:
        return dec_int(d, v, &x->kind, "Value", "Kind", "ast.ValueKind");
    case 3:
        return dec_pos(d, v, &x->pos, "Value");
    case 4:
        return dec_comments(d, v, &x->comment, "Value", "Comment");
    case 5:
        return dec_def(d, v, &x->definition, "Value", "Definition");
    case 6:
        return dec_vardef(d, v, &x->vardef, "Value", "VariableDefinition");
    case 7:
        return dec_type(d, v, &x->expected, "Value", "ExpectedType");
    default:
        return dec_bool(d, v, &x->expected_has_default, "Value", "ExpectedTypeHasDefault");
    }
}

static bool dec_value(dec *d, const val *v, gql_value **slot, const char *st, const char *f)
{
    bool ok = true;
    gql_value *x = dec_begin(d, v, (void **)slot, sizeof *x, &ok, st, f, "ast.Value");
    if (!x)
        return ok;
    if (!x->raw.s)
        x->raw = gql_cstr("");
    d->depth++;
    ok = dec_fields(d, v, x, value_names, 9, false, value_field);
    d->depth--;
    return ok;
}

static const char *const arg_names[] = {"Name", "Value", "Position", "Comment"};

static bool arg_field(dec *d, void *node, int idx, const val *v)
{
    gql_arg *g = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &g->name, "Argument", "Name");
    case 1:
        return dec_value(d, v, &g->value, "Argument", "Value");
    case 2:
        return dec_pos(d, v, &g->pos, "Argument");
    default:
        return dec_comments(d, v, &g->comment, "Argument", "Comment");
    }
}

static void *dec_arg(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_arg *g = dec_begin(d, v, &slot, sizeof *g, ok, "Field", "Arguments", "ast.Argument");
    if (!g)
        return NULL;
    g->name = gql_cstr("");
    if (!dec_fields(d, v, g, arg_names, 4, false, arg_field))
        *ok = false;
    return g;
}

static bool dec_dirdef(dec *d, const val *v, gql_dirdef **slot, const char *st, const char *f);

static const char *const directive_names[] = {"Name", "Arguments", "Position", "ParentDefinition", "Definition",
                                              "Location"};

static bool directive_field(dec *d, void *node, int idx, const val *v)
{
    gql_directive *x = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &x->name, "Directive", "Name");
    case 1:
        return dec_list(d, v, &x->args, dec_arg, "Directive", "Arguments", "ast.ArgumentList");
    case 2:
        return dec_pos(d, v, &x->pos, "Directive");
    case 3:
        return dec_def(d, v, &x->parent, "Directive", "ParentDefinition");
    case 4:
        return dec_dirdef(d, v, &x->definition, "Directive", "Definition");
    default:
        return dec_string(d, v, &x->location, "Directive", "Location");
    }
}

static void *dec_directive(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_directive *x = dec_begin(d, v, &slot, sizeof *x, ok, "Field", "Directives", "ast.Directive");
    if (!x)
        return NULL;
    x->name = x->location = gql_cstr("");
    d->depth++;
    if (!dec_fields(d, v, x, directive_names, 6, false, directive_field))
        *ok = false;
    d->depth--;
    return x;
}

/* -- selections (gqlparser's own decoders) -- */

static bool dec_fielddef(dec *d, const val *v, gql_fielddef **slot, const char *st, const char *f);
static bool dec_fragment_into(dec *d, const val *v, gql_fragment **slot);

static bool dec_selset(dec *d, const val *v, gql_list *out);

static const char *const field_names[] = {"Alias",    "Name",     "Arguments",  "Directives",
                                          "SelectionSet", "Position", "Definition", "ObjectDefinition"};

static bool field_field(dec *d, void *node, int idx, const val *v)
{
    gql_selection *s = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &s->alias, "Field", "Alias");
    case 1:
        return dec_string(d, v, &s->name, "Field", "Name");
    case 2:
        return dec_list(d, v, &s->args, dec_arg, "Field", "Arguments", "ast.ArgumentList");
    case 3:
        return dec_list(d, v, &s->directives, dec_directive, "Field", "Directives", "ast.DirectiveList");
    case 4:
        return dec_selset(d, v, &s->selset);
    case 5:
        return dec_pos(d, v, &s->pos, "Field");
    case 6:
        return dec_fielddef(d, v, &s->definition, "Field", "Definition");
    default:
        return dec_def(d, v, &s->object_definition, "Field", "ObjectDefinition");
    }
}

static const char *const spread_names[] = {"Name", "Directives", "ObjectDefinition", "Definition", "Position",
                                           "Comment"};

static bool spread_field(dec *d, void *node, int idx, const val *v)
{
    gql_selection *s = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &s->name, "FragmentSpread", "Name");
    case 1:
        return dec_list(d, v, &s->directives, dec_directive, "FragmentSpread", "Directives", "ast.DirectiveList");
    case 2:
        return dec_def(d, v, &s->object_definition, "FragmentSpread", "ObjectDefinition");
    case 3:
        return dec_fragment_into(d, v, &s->fragment);
    case 4:
        return dec_pos(d, v, &s->pos, "FragmentSpread");
    default:
        return dec_comments(d, v, &s->comment, "FragmentSpread", "Comment");
    }
}

static const char *const inline_names[] = {"TypeCondition", "Directives", "SelectionSet", "ObjectDefinition",
                                           "Position"};

static bool inline_field(dec *d, void *node, int idx, const val *v)
{
    gql_selection *s = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &s->type_condition, "InlineFragment", "TypeCondition");
    case 1:
        return dec_list(d, v, &s->directives, dec_directive, "InlineFragment", "Directives", "ast.DirectiveList");
    case 2:
        return dec_selset(d, v, &s->selset);
    case 3:
        return dec_def(d, v, &s->object_definition, "InlineFragment", "ObjectDefinition");
    default:
        return dec_pos(d, v, &s->pos, "InlineFragment");
    }
}

static gql_selection *new_selection(dec *d, int kind)
{
    gql_selection *s = arena_zalloc(d->a, sizeof *s);
    s->kind = kind;
    s->alias = s->name = s->type_condition = gql_cstr("");
    return s;
}

/* One selection: a Field if it decodes as one, else a FragmentSpread, else
 * an InlineFragment, else nothing (gqlparser's UnmarshalSelectionSet).
 * Errors of the attempts are not reported. */
static gql_selection *dec_selection(dec *d, const val *v)
{
    if (val_kind_of(v) == VAL_NULL)
        return new_selection(d, GQL_FIELD);
    if (val_kind_of(v) != VAL_OBJECT)
        return NULL;
    char saved[512];
    snprintf(saved, sizeof saved, "%s", d->err);
    gql_selection *s = new_selection(d, GQL_FIELD);
    bool ok = dec_fields(d, v, s, field_names, 8, true, field_field);
    if (!ok && !d->too_deep) {
        s = new_selection(d, GQL_SPREAD);
        ok = dec_fields(d, v, s, spread_names, 6, false, spread_field);
    }
    if (!ok && !d->too_deep) {
        s = new_selection(d, GQL_INLINE);
        ok = dec_fields(d, v, s, inline_names, 5, true, inline_field);
    }
    if (d->too_deep)
        return NULL;
    snprintf(d->err, d->errlen, "%s", saved);
    return ok ? s : NULL;
}

static bool dec_selset(dec *d, const val *v, gql_list *out)
{
    memset(out, 0, sizeof *out);
    if (val_kind_of(v) == VAL_NULL)
        return true;
    val *const *items;
    size_t n;
    if (!seq_items(v, &items, &n))
        return type_error(d, v, NULL, NULL, "[]json.RawMessage");
    if (d->depth >= GQL_MAX_DEPTH)
        return too_deep(d);
    d->depth++;
    for (size_t i = 0; i < n && !d->too_deep; i++) {
        gql_selection *s = dec_selection(d, items[i]);
        if (s)
            gql_list_push(d->a, out, s);
    }
    d->depth--;
    return !d->too_deep;
}

/* -- variable definitions, operations, fragments -- */

static const char *const vardef_names[] = {"Variable", "Type",    "DefaultValue", "Directives",
                                           "Position", "Comment", "Definition",   "Used"};

static bool vardef_field(dec *d, void *node, int idx, const val *v)
{
    gql_vardef *x = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &x->variable, "VariableDefinition", "Variable");
    case 1:
        return dec_type(d, v, &x->type, "VariableDefinition", "Type");
    case 2:
        return dec_value(d, v, &x->default_value, "VariableDefinition", "DefaultValue");
    case 3:
        return dec_list(d, v, &x->directives, dec_directive, "VariableDefinition", "Directives",
                        "ast.DirectiveList");
    case 4:
        return dec_pos(d, v, &x->pos, "VariableDefinition");
    case 5:
        return dec_comments(d, v, &x->comment, "VariableDefinition", "Comment");
    case 6:
        return dec_def(d, v, &x->definition, "VariableDefinition", "Definition");
    default:
        return dec_bool(d, v, &x->used, "VariableDefinition", "Used");
    }
}

static bool dec_vardef(dec *d, const val *v, gql_vardef **slot, const char *st, const char *f)
{
    bool ok = true;
    gql_vardef *x = dec_begin(d, v, (void **)slot, sizeof *x, &ok, st, f, "ast.VariableDefinition");
    if (!x)
        return ok;
    if (!x->variable.s)
        x->variable = gql_cstr("");
    d->depth++;
    ok = dec_fields(d, v, x, vardef_names, 8, false, vardef_field);
    d->depth--;
    return ok;
}

static void *dec_vardef_node(dec *d, const val *v, bool *ok)
{
    gql_vardef *x = NULL;
    if (!dec_vardef(d, v, &x, "OperationDefinition", "VariableDefinitions"))
        *ok = false;
    return x;
}

static const char *const operation_names[] = {"Operation", "Name", "VariableDefinitions", "Directives",
                                              "SelectionSet", "Position"};

static bool operation_field(dec *d, void *node, int idx, const val *v)
{
    gql_operation *op = node;
    gql_pos ignored;
    switch (idx) {
    case 0:
        return dec_string(d, v, &op->operation, "OperationDefinition", "Operation");
    case 1:
        return dec_string(d, v, &op->name, "OperationDefinition", "Name");
    case 2:
        return dec_list(d, v, &op->vardefs, dec_vardef_node, "OperationDefinition", "VariableDefinitions",
                        "ast.VariableDefinitionList");
    case 3:
        return dec_list(d, v, &op->directives, dec_directive, "OperationDefinition", "Directives",
                        "ast.DirectiveList");
    case 4:
        return dec_selset(d, v, &op->selset);
    default:
        if (!dec_pos(d, v, &ignored, "OperationDefinition"))
            return false;
        op->pos = ignored;
        return true;
    }
}

static void *dec_operation(dec *d, const val *v, bool *ok)
{
    if (val_kind_of(v) != VAL_OBJECT && val_kind_of(v) != VAL_NULL) {
        *ok = type_error(d, v, NULL, NULL, "map[string]json.RawMessage");
        return NULL;
    }
    gql_operation *op = arena_zalloc(d->a, sizeof *op);
    op->operation = op->name = gql_cstr("");
    if (val_kind_of(v) == VAL_OBJECT && !dec_fields(d, v, op, operation_names, 6, true, operation_field))
        *ok = false;
    return op;
}

static const char *const fragment_names[] = {"Name",         "VariableDefinition", "TypeCondition", "Directives",
                                             "SelectionSet", "Definition",         "Position"};

static bool fragment_field(dec *d, void *node, int idx, const val *v)
{
    gql_fragment *fr = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &fr->name, "FragmentDefinition", "Name");
    case 1:
        return dec_list(d, v, &fr->vardefs, dec_vardef_node, "FragmentDefinition", "VariableDefinition",
                        "ast.VariableDefinitionList");
    case 2:
        return dec_string(d, v, &fr->type_condition, "FragmentDefinition", "TypeCondition");
    case 3:
        return dec_list(d, v, &fr->directives, dec_directive, "FragmentDefinition", "Directives",
                        "ast.DirectiveList");
    case 4:
        return dec_selset(d, v, &fr->selset);
    case 5:
        return dec_def(d, v, &fr->definition, "FragmentDefinition", "Definition");
    default:
        return dec_pos(d, v, &fr->pos, "FragmentDefinition");
    }
}

static bool dec_fragment_into(dec *d, const val *v, gql_fragment **slot)
{
    if (val_kind_of(v) == VAL_NULL) {
        *slot = NULL;
        return true;
    }
    if (val_kind_of(v) != VAL_OBJECT)
        return type_error(d, v, NULL, NULL, "map[string]json.RawMessage");
    if (d->depth >= GQL_MAX_DEPTH)
        return too_deep(d);
    if (!*slot) {
        *slot = arena_zalloc(d->a, sizeof **slot);
        (*slot)->name = (*slot)->type_condition = gql_cstr("");
    }
    d->depth++;
    bool ok = dec_fields(d, v, *slot, fragment_names, 7, true, fragment_field);
    d->depth--;
    return ok;
}

static void *dec_fragment(dec *d, const val *v, bool *ok)
{
    gql_fragment *fr = NULL;
    if (val_kind_of(v) == VAL_NULL) {
        fr = arena_zalloc(d->a, sizeof *fr);
        fr->name = fr->type_condition = gql_cstr("");
        return fr;
    }
    if (!dec_fragment_into(d, v, &fr))
        *ok = false;
    return fr;
}

static const char *const qdoc_names[] = {"Operations", "Fragments", "Position", "Comment"};

static bool qdoc_field(dec *d, void *node, int idx, const val *v)
{
    gql_query_doc *doc = node;
    gql_pos ignored;
    switch (idx) {
    case 0:
        return dec_list(d, v, &doc->operations, dec_operation, "QueryDocument", "Operations", "ast.OperationList");
    case 1:
        return dec_list(d, v, &doc->fragments, dec_fragment, "QueryDocument", "Fragments",
                        "ast.FragmentDefinitionList");
    case 2:
        return dec_pos(d, v, &ignored, "QueryDocument");
    default:
        return dec_comments(d, v, &doc->comment, "QueryDocument", "Comment");
    }
}

gql_query_doc *gql_query_from_val(arena *a, const val *v, char *err, size_t errlen)
{
    dec d = {a, err, errlen, 0, false};
    err[0] = 0;
    gql_query_doc *doc = arena_zalloc(a, sizeof *doc);
    if (val_kind_of(v) != VAL_OBJECT) {
        type_error(&d, v, NULL, NULL, "ast.QueryDocument");
        return NULL;
    }
    if (!dec_fields(&d, v, doc, qdoc_names, 4, false, qdoc_field) || d.too_deep) {
        if (!err[0])
            fail(&d, "json: invalid GraphQL query document");
        return NULL;
    }
    return doc;
}

/* -- schema documents -- */

static const char *const descr_names[] = {"Description", "BeforeDescriptionComment", "AfterDescriptionComment"};

/* Fields shared by definitions with descriptions: idx 0..2 of their tables. */
static bool descr_field(dec *d, int idx, const val *v, gql_str *description, gql_comments **before,
                        gql_comments **after, const char *st)
{
    switch (idx) {
    case 0:
        return dec_string(d, v, description, st, descr_names[0]);
    case 1:
        return dec_comments(d, v, before, st, descr_names[1]);
    default:
        return dec_comments(d, v, after, st, descr_names[2]);
    }
}

static const char *const fielddef_names[] = {"Description", "BeforeDescriptionComment", "AfterDescriptionComment",
                                             "Name",        "Arguments",                "DefaultValue",
                                             "Type",        "Directives",               "Position"};

static void *dec_argdef_node(dec *d, const val *v, bool *ok);

static bool fielddef_common(dec *d, gql_fielddef *f, int idx, const val *v, const char *st)
{
    if (idx < 3)
        return descr_field(d, idx, v, &f->description, &f->before, &f->after, st);
    switch (idx) {
    case 3:
        return dec_string(d, v, &f->name, st, "Name");
    case 4:
        return dec_list(d, v, &f->args, dec_argdef_node, st, "Arguments", "ast.ArgumentDefinitionList");
    case 5:
        return dec_value(d, v, &f->default_value, st, "DefaultValue");
    case 6:
        return dec_type(d, v, &f->type, st, "Type");
    case 7:
        return dec_list(d, v, &f->directives, dec_directive, st, "Directives", "ast.DirectiveList");
    default:
        return dec_pos(d, v, &f->pos, st);
    }
}

static bool fielddef_field(dec *d, void *node, int idx, const val *v)
{
    return fielddef_common(d, node, idx, v, "FieldDefinition");
}

/* An ArgumentDefinition has every FieldDefinition key but "Arguments". */
static const char *const argdef_names[] = {"Description", "BeforeDescriptionComment", "AfterDescriptionComment",
                                           "Name",        "",                         "DefaultValue",
                                           "Type",        "Directives",               "Position"};

static bool argdef_field(dec *d, void *node, int idx, const val *v)
{
    return fielddef_common(d, node, idx, v, "ArgumentDefinition");
}

static bool dec_fielddef(dec *d, const val *v, gql_fielddef **slot, const char *st, const char *f)
{
    bool ok = true;
    gql_fielddef *x = dec_begin(d, v, (void **)slot, sizeof *x, &ok, st, f, "ast.FieldDefinition");
    if (!x)
        return ok;
    if (!x->name.s)
        x->name = x->description = gql_cstr("");
    d->depth++;
    ok = dec_fields(d, v, x, fielddef_names, 9, false, fielddef_field);
    d->depth--;
    return ok;
}

static void *dec_fielddef_node(dec *d, const val *v, bool *ok)
{
    gql_fielddef *x = NULL;
    if (!dec_fielddef(d, v, &x, "Definition", "Fields"))
        *ok = false;
    return x;
}

static void *dec_argdef_node(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_fielddef *x = dec_begin(d, v, &slot, sizeof *x, ok, "FieldDefinition", "Arguments",
                                "ast.ArgumentDefinition");
    if (!x)
        return NULL;
    x->name = x->description = gql_cstr("");
    d->depth++;
    if (!dec_fields(d, v, x, argdef_names, 9, false, argdef_field))
        *ok = false;
    d->depth--;
    return x;
}

static const char *const enumval_names[] = {"Description", "BeforeDescriptionComment", "AfterDescriptionComment",
                                            "Name", "Directives", "Position"};

static bool enumval_field(dec *d, void *node, int idx, const val *v)
{
    gql_enumval *e = node;
    if (idx < 3)
        return descr_field(d, idx, v, &e->description, &e->before, &e->after, "EnumValueDefinition");
    if (idx == 3)
        return dec_string(d, v, &e->name, "EnumValueDefinition", "Name");
    if (idx == 4)
        return dec_list(d, v, &e->directives, dec_directive, "EnumValueDefinition", "Directives",
                        "ast.DirectiveList");
    return dec_pos(d, v, &e->pos, "EnumValueDefinition");
}

static void *dec_enumval(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_enumval *e = dec_begin(d, v, &slot, sizeof *e, ok, "Definition", "EnumValues", "ast.EnumValueDefinition");
    if (!e)
        return NULL;
    e->name = e->description = gql_cstr("");
    if (!dec_fields(d, v, e, enumval_names, 6, false, enumval_field))
        *ok = false;
    return e;
}

static const char *const def_names[] = {
    "Description", "BeforeDescriptionComment", "AfterDescriptionComment", "Kind",     "Name",
    "Directives",  "Interfaces",               "Fields",                  "Types",    "EnumValues",
    "Position",    "BuiltIn",                  "EndOfDefinitionComment"};

static bool def_field(dec *d, void *node, int idx, const val *v)
{
    gql_def *x = node;
    if (idx < 3)
        return descr_field(d, idx, v, &x->description, &x->before, &x->after, "Definition");
    switch (idx) {
    case 3:
        return dec_string(d, v, &x->kind, "Definition", "Kind");
    case 4:
        return dec_string(d, v, &x->name, "Definition", "Name");
    case 5:
        return dec_list(d, v, &x->directives, dec_directive, "Definition", "Directives", "ast.DirectiveList");
    case 6:
        return dec_strlist(d, v, &x->interfaces, "Definition", "Interfaces");
    case 7:
        return dec_list(d, v, &x->fields, dec_fielddef_node, "Definition", "Fields", "ast.FieldList");
    case 8:
        return dec_strlist(d, v, &x->types, "Definition", "Types");
    case 9:
        return dec_list(d, v, &x->enum_values, dec_enumval, "Definition", "EnumValues", "ast.EnumValueList");
    case 10:
        return dec_pos(d, v, &x->pos, "Definition");
    case 11:
        return dec_bool(d, v, &x->builtin, "Definition", "BuiltIn");
    default:
        return dec_comments(d, v, &x->end, "Definition", "EndOfDefinitionComment");
    }
}

static bool dec_def(dec *d, const val *v, gql_def **slot, const char *st, const char *f)
{
    bool ok = true;
    gql_def *x = dec_begin(d, v, (void **)slot, sizeof *x, &ok, st, f, "ast.Definition");
    if (!x)
        return ok;
    if (!x->name.s)
        x->kind = x->name = x->description = gql_cstr("");
    d->depth++;
    ok = dec_fields(d, v, x, def_names, 13, false, def_field);
    d->depth--;
    return ok;
}

static void *dec_def_node(dec *d, const val *v, bool *ok)
{
    gql_def *x = NULL;
    if (!dec_def(d, v, &x, "SchemaDocument", "Definitions"))
        *ok = false;
    return x;
}

static const char *const dirdef_names[] = {"Description", "BeforeDescriptionComment", "AfterDescriptionComment",
                                           "Name",        "Arguments",                "Locations",
                                           "IsRepeatable", "Position"};

static bool dirdef_field(dec *d, void *node, int idx, const val *v)
{
    gql_dirdef *x = node;
    if (idx < 3)
        return descr_field(d, idx, v, &x->description, &x->before, &x->after, "DirectiveDefinition");
    switch (idx) {
    case 3:
        return dec_string(d, v, &x->name, "DirectiveDefinition", "Name");
    case 4:
        return dec_list(d, v, &x->args, dec_argdef_node, "DirectiveDefinition", "Arguments",
                        "ast.ArgumentDefinitionList");
    case 5:
        return dec_strlist(d, v, &x->locations, "DirectiveDefinition", "Locations");
    case 6:
        return dec_bool(d, v, &x->repeatable, "DirectiveDefinition", "IsRepeatable");
    default:
        return dec_pos(d, v, &x->pos, "DirectiveDefinition");
    }
}

static bool dec_dirdef(dec *d, const val *v, gql_dirdef **slot, const char *st, const char *f)
{
    bool ok = true;
    gql_dirdef *x = dec_begin(d, v, (void **)slot, sizeof *x, &ok, st, f, "ast.DirectiveDefinition");
    if (!x)
        return ok;
    if (!x->name.s)
        x->name = x->description = gql_cstr("");
    d->depth++;
    ok = dec_fields(d, v, x, dirdef_names, 8, false, dirdef_field);
    d->depth--;
    return ok;
}

static void *dec_dirdef_node(dec *d, const val *v, bool *ok)
{
    gql_dirdef *x = NULL;
    if (!dec_dirdef(d, v, &x, "SchemaDocument", "Directives"))
        *ok = false;
    return x;
}

static const char *const optype_names[] = {"Operation", "Type", "Position", "Comment"};

static bool optype_field(dec *d, void *node, int idx, const val *v)
{
    gql_optype *t = node;
    switch (idx) {
    case 0:
        return dec_string(d, v, &t->operation, "OperationTypeDefinition", "Operation");
    case 1:
        return dec_string(d, v, &t->type, "OperationTypeDefinition", "Type");
    case 2:
        return dec_pos(d, v, &t->pos, "OperationTypeDefinition");
    default:
        return dec_comments(d, v, &t->comment, "OperationTypeDefinition", "Comment");
    }
}

static void *dec_optype(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_optype *t = dec_begin(d, v, &slot, sizeof *t, ok, "SchemaDefinition", "OperationTypes",
                              "ast.OperationTypeDefinition");
    if (!t)
        return NULL;
    t->operation = t->type = gql_cstr("");
    if (!dec_fields(d, v, t, optype_names, 4, false, optype_field))
        *ok = false;
    return t;
}

static const char *const schemadef_names[] = {"Description", "BeforeDescriptionComment",
                                              "AfterDescriptionComment", "Directives",
                                              "OperationTypes", "Position",
                                              "EndOfDefinitionComment"};

static bool schemadef_field(dec *d, void *node, int idx, const val *v)
{
    gql_schemadef *s = node;
    if (idx < 3)
        return descr_field(d, idx, v, &s->description, &s->before, &s->after, "SchemaDefinition");
    switch (idx) {
    case 3:
        return dec_list(d, v, &s->directives, dec_directive, "SchemaDefinition", "Directives", "ast.DirectiveList");
    case 4:
        return dec_list(d, v, &s->optypes, dec_optype, "SchemaDefinition", "OperationTypes",
                        "ast.OperationTypeDefinitionList");
    case 5:
        return dec_pos(d, v, &s->pos, "SchemaDefinition");
    default:
        return dec_comments(d, v, &s->end, "SchemaDefinition", "EndOfDefinitionComment");
    }
}

static void *dec_schemadef(dec *d, const val *v, bool *ok)
{
    void *slot = NULL;
    gql_schemadef *s = dec_begin(d, v, &slot, sizeof *s, ok, "SchemaDocument", "Schema", "ast.SchemaDefinition");
    if (!s)
        return NULL;
    s->description = gql_cstr("");
    if (!dec_fields(d, v, s, schemadef_names, 7, false, schemadef_field))
        *ok = false;
    return s;
}

static const char *const sdoc_names[] = {"Schema",     "SchemaExtension", "Directives", "Definitions",
                                         "Extensions", "Position",        "Comment"};

static bool sdoc_field(dec *d, void *node, int idx, const val *v)
{
    gql_schema_doc *doc = node;
    gql_pos ignored;
    switch (idx) {
    case 0:
        return dec_list(d, v, &doc->schema, dec_schemadef, "SchemaDocument", "Schema", "ast.SchemaDefinitionList");
    case 1:
        return dec_list(d, v, &doc->schema_ext, dec_schemadef, "SchemaDocument", "SchemaExtension",
                        "ast.SchemaDefinitionList");
    case 2:
        return dec_list(d, v, &doc->directives, dec_dirdef_node, "SchemaDocument", "Directives",
                        "ast.DirectiveDefinitionList");
    case 3:
        return dec_list(d, v, &doc->definitions, dec_def_node, "SchemaDocument", "Definitions",
                        "ast.DefinitionList");
    case 4:
        return dec_list(d, v, &doc->extensions, dec_def_node, "SchemaDocument", "Extensions",
                        "ast.DefinitionList");
    case 5:
        return dec_pos(d, v, &ignored, "SchemaDocument");
    default:
        return dec_comments(d, v, &doc->comment, "SchemaDocument", "Comment");
    }
}

gql_schema_doc *gql_schema_from_val(arena *a, const val *v, char *err, size_t errlen)
{
    dec d = {a, err, errlen, 0, false};
    err[0] = 0;
    gql_schema_doc *doc = arena_zalloc(a, sizeof *doc);
    if (val_kind_of(v) != VAL_OBJECT) {
        type_error(&d, v, NULL, NULL, "ast.SchemaDocument");
        return NULL;
    }
    if (!dec_fields(&d, v, doc, sdoc_names, 7, false, sdoc_field) || d.too_deep) {
        if (!err[0])
            fail(&d, "json: invalid GraphQL schema document");
        return NULL;
    }
    return doc;
}
