/* graphql_validate.c — schema building and query validation after gqlparser
 * (validator/schema.go, validator/core/walk.go and the files of validator/rules);
 * see graphql_validate.h.
 *
 * Layout: small maps and helpers; the prelude and ValidateSchemaDocument;
 * the rules, one function per rule and event; the walker that fires them. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../strbuf.h"
#include "../value.h"
#include "graphql_validate.h"
#include "strings_util.h"

/* Recursion allowed while walking (fragment spreads nest walks) and the
 * number of field comparisons OverlappingFieldsCanBeMerged may make. */
#define WALK_MAX_DEPTH 2000
#define OVERLAP_BUDGET 20000000L

/* ---- string-keyed map in the arena ---- */

typedef struct gmap {
    gql_str *keys;
    void **vals;
    uint32_t cap, n;
} gmap;

static uint64_t str_hash(gql_str s) { return val_string_hash(s.s, s.n); }

static void *gmap_get(const gmap *m, gql_str k)
{
    if (!m->cap)
        return NULL;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = (uint32_t)str_hash(k) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i].s)
            return NULL;
        if (gql_str_eq(m->keys[i], k))
            return m->vals[i];
    }
}

static void gmap_put(arena *a, gmap *m, gql_str k, void *v)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 16;
        gql_str *keys = arena_zalloc(a, cap * sizeof *keys);
        void **vals = arena_zalloc(a, cap * sizeof *vals);
        for (uint32_t i = 0; i < m->cap; i++) {
            if (!m->keys[i].s)
                continue;
            uint32_t j = (uint32_t)str_hash(m->keys[i]) & (cap - 1);
            while (keys[j].s)
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    uint32_t mask = m->cap - 1;
    for (uint32_t i = (uint32_t)str_hash(k) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i].s) {
            m->keys[i] = k;
            m->vals[i] = v;
            m->n++;
            return;
        }
        if (gql_str_eq(m->keys[i], k)) {
            m->vals[i] = v;
            return;
        }
    }
}

static void *const MARK = (void *)&MARK;

/* ---- schema ---- */

struct gql_schema {
    gmap types;             /* name -> gql_def* */
    gql_list type_names;    /* gql_str*, in the order types were added */
    gmap directives;        /* name -> gql_dirdef* */
    gql_list directive_names;
    gmap possible;          /* name -> gql_list* of gql_def* */
    gql_def *query, *mutation, *subscription;
};

static gql_def *type_of(const gql_schema *s, gql_str name) { return gmap_get(&s->types, name); }

static bool kind_is(const gql_def *d, const char *k) { return d && gql_str_eqc(d->kind, k); }
static bool is_leaf(const gql_def *d) { return kind_is(d, "ENUM") || kind_is(d, "SCALAR"); }
static bool is_abstract(const gql_def *d) { return kind_is(d, "INTERFACE") || kind_is(d, "UNION"); }
static bool is_composite(const gql_def *d)
{
    return kind_is(d, "OBJECT") || kind_is(d, "INTERFACE") || kind_is(d, "UNION");
}
static bool is_input(const gql_def *d)
{
    return kind_is(d, "SCALAR") || kind_is(d, "ENUM") || kind_is(d, "INPUT_OBJECT");
}

static gql_fielddef *field_named(const gql_list *fields, gql_str name)
{
    for (int i = 0; i < fields->n; i++) {
        gql_fielddef *f = fields->items[i];
        if (gql_str_eq(f->name, name))
            return f;
    }
    return NULL;
}

static bool str_in(const gql_list *l, gql_str s)
{
    for (int i = 0; i < l->n; i++)
        if (gql_str_eq(*(gql_str *)l->items[i], s))
            return true;
    return false;
}

static void add_type(arena *a, gql_schema *s, gql_def *d)
{
    if (!gmap_get(&s->types, d->name)) {
        gql_str *n = arena_alloc(a, sizeof *n);
        *n = d->name;
        gql_list_push(a, &s->type_names, n);
    }
    gmap_put(a, &s->types, d->name, d);
}

static void add_possible(arena *a, gql_schema *s, gql_str name, gql_def *d)
{
    gql_list *l = gmap_get(&s->possible, name);
    if (!l) {
        l = arena_zalloc(a, sizeof *l);
        gmap_put(a, &s->possible, name, l);
    }
    gql_list_push(a, l, d);
}

/* Schema.GetPossibleTypes: a union's members, else what implements it.
 * Items may be NULL (a union member that is not a type). */
static gql_list possible_types(arena *a, const gql_schema *s, const gql_def *d)
{
    gql_list out = {0};
    if (kind_is(d, "UNION")) {
        for (int i = 0; i < d->types.n; i++)
            gql_list_push(a, &out, type_of(s, *(gql_str *)d->types.items[i]));
        return out;
    }
    gql_list *l = gmap_get(&s->possible, d->name);
    return l ? *l : out;
}

/* Type.IsCompatible: can a value of type t be used where `other` is expected. */
static bool type_compatible(const gql_type *t, const gql_type *other)
{
    for (int guard = 0; t && other && guard < 10000; guard++) {
        if (!gql_str_eq(t->named, other->named))
            return false;
        if (t->elem && !other->elem)
            return false;
        if (other->nonnull && !t->nonnull)
            return false;
        if (!t->elem)
            return true;
        t = t->elem;
        other = other->elem;
    }
    return true;
}

static const char *type_string(arena *a, const gql_type *t)
{
    strbuf sb = STRBUF_INIT;
    gql_type_string(&sb, t);
    return gql_str_from_sb(a, &sb).s;
}

static const char *value_string(arena *a, const gql_value *v)
{
    strbuf sb = STRBUF_INIT;
    gql_value_string(&sb, v);
    return gql_str_from_sb(a, &sb).s;
}

/* printf into the arena (messages may hold long names and values). */
static const char *msgf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *msgf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = arena_alloc(a, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

/* Go's strconv.Quote of a name, into the arena. */
static const char *quote(arena *a, gql_str s)
{
    strbuf sb = STRBUF_INIT;
    txt_go_quote(&sb, s.s, s.n, false);
    return gql_str_from_sb(a, &sb).s;
}

/* ======================================================================
 * Schema: prelude + ValidateSchemaDocument
 * ====================================================================== */

/* gqlparser's prelude: what every schema has without declaring it. */
static const char prelude[] =
    "scalar Int\n"
    "scalar Float\n"
    "scalar String\n"
    "scalar Boolean\n"
    "scalar ID\n"
    "directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @deprecated(reason: String = \"No longer supported\") on FIELD_DEFINITION | ARGUMENT_DEFINITION "
    "| INPUT_FIELD_DEFINITION | ENUM_VALUE\n"
    "directive @specifiedBy(url: String!) on SCALAR\n"
    "directive @oneOf on INPUT_OBJECT\n"
    "directive @defer(if: Boolean = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "type __Schema {\n"
    "  description: String\n"
    "  types: [__Type!]!\n"
    "  queryType: __Type!\n"
    "  mutationType: __Type\n"
    "  subscriptionType: __Type\n"
    "  directives: [__Directive!]!\n"
    "}\n"
    "type __Type {\n"
    "  kind: __TypeKind!\n"
    "  name: String\n"
    "  description: String\n"
    "  specifiedByURL: String\n"
    "  fields(includeDeprecated: Boolean = false): [__Field!]\n"
    "  interfaces: [__Type!]\n"
    "  possibleTypes: [__Type!]\n"
    "  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]\n"
    "  inputFields(includeDeprecated: Boolean = false): [__InputValue!]\n"
    "  ofType: __Type\n"
    "  isOneOf: Boolean\n"
    "}\n"
    "type __Field {\n"
    "  name: String!\n"
    "  description: String\n"
    "  args(includeDeprecated: Boolean = false): [__InputValue!]!\n"
    "  type: __Type!\n"
    "  isDeprecated: Boolean!\n"
    "  deprecationReason: String\n"
    "}\n"
    "type __InputValue {\n"
    "  name: String!\n"
    "  description: String\n"
    "  type: __Type!\n"
    "  defaultValue: String\n"
    "  isDeprecated: Boolean!\n"
    "  deprecationReason: String\n"
    "}\n"
    "type __EnumValue {\n"
    "  name: String!\n"
    "  description: String\n"
    "  isDeprecated: Boolean!\n"
    "  deprecationReason: String\n"
    "}\n"
    "enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }\n"
    "type __Directive {\n"
    "  name: String!\n"
    "  description: String\n"
    "  locations: [__DirectiveLocation!]!\n"
    "  args(includeDeprecated: Boolean = false): [__InputValue!]!\n"
    "  isRepeatable: Boolean!\n"
    "}\n"
    "enum __DirectiveLocation {\n"
    "  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT\n"
    "  VARIABLE_DEFINITION SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE\n"
    "  UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION\n"
    "}\n";

typedef struct sctx {
    arena *a;
    gql_schema *s;
    gql_error *err;
} sctx;

/* gqlerror.ErrorPosf; returns false so callers can `return schema_error(...)`. */
static bool schema_error(sctx *c, gql_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool schema_error(sctx *c, gql_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
    va_end(ap);
    c->err->has_loc = pos.set;
    c->err->line = pos.set ? pos.line : 0;
    c->err->col = pos.set ? pos.col : 0;
    return false;
}

#define S(x) (int)(x).n, (x).s

static bool validate_name(sctx *c, gql_pos pos, gql_str name)
{
    if (name.n >= 2 && name.s[0] == '_' && name.s[1] == '_')
        return schema_error(c, pos, "Name \"%.*s\" must not begin with \"__\", which is reserved by GraphQL introspection.",
                            S(name));
    return true;
}

static bool validate_type_ref(sctx *c, const gql_type *t)
{
    gql_str name = gql_type_name(t);
    if (!type_of(c->s, name))
        return schema_error(c, t ? t->pos : (gql_pos){0, 0, false}, "Undefined type %.*s.", S(name));
    return true;
}

static gql_fielddef *arg_named(const gql_list *args, gql_str name) { return field_named(args, name); }

static gql_arg *given_arg(const gql_list *args, gql_str name)
{
    for (int i = 0; i < args->n; i++) {
        gql_arg *g = args->items[i];
        if (gql_str_eq(g->name, name))
            return g;
    }
    return NULL;
}

static bool validate_directives(sctx *c, const gql_list *dirs, const char *location, const gql_dirdef *current)
{
    for (int i = 0; i < dirs->n; i++) {
        gql_directive *d = dirs->items[i];
        if (!validate_name(c, d->pos, d->name))
            return false;
        if (current && gql_str_eq(d->name, current->name))
            return schema_error(c, d->pos, "Directive %.*s cannot refer to itself.", S(current->name));
        gql_dirdef *def = gmap_get(&c->s->directives, d->name);
        if (!def)
            return schema_error(c, d->pos, "Undefined directive %.*s.", S(d->name));
        if (!str_in(&def->locations, gql_cstr(location)))
            return schema_error(c, d->pos, "Directive %.*s is not applicable on %s.", S(d->name), location);
        for (int j = 0; j < d->args.n; j++) {
            gql_arg *g = d->args.items[j];
            if (!arg_named(&def->args, g->name))
                return schema_error(c, g->pos, "Undefined argument %.*s for directive %.*s.", S(g->name),
                                    S(d->name));
        }
        for (int j = 0; j < def->args.n; j++) {
            gql_fielddef *want = def->args.items[j];
            if (want->type && want->type->nonnull && !want->default_value) {
                gql_arg *g = given_arg(&d->args, want->name);
                if (!g || (g->value && g->value->kind == GQL_NULL))
                    return schema_error(c, d->pos, "Argument %.*s for directive %.*s cannot be null.",
                                        S(want->name), S(d->name));
            }
        }
        d->definition = def;
    }
    return true;
}

static bool validate_args(sctx *c, const gql_list *args, const gql_dirdef *current)
{
    for (int i = 0; i < args->n; i++) {
        gql_fielddef *arg = args->items[i];
        if (!validate_name(c, arg->pos, arg->name) || !validate_type_ref(c, arg->type))
            return false;
        gql_def *def = type_of(c->s, gql_type_name(arg->type));
        if (!is_input(def))
            return schema_error(c, arg->pos, "cannot use %s as argument %.*s because %.*s is not a valid input type",
                                type_string(c->a, arg->type), S(arg->name), S(def->kind));
        if (!validate_directives(c, &arg->directives, "ARGUMENT_DEFINITION", current))
            return false;
    }
    return true;
}

/* isCovariant: may `actual` stand where an interface field says `required`. */
static bool covariant(const gql_schema *s, const gql_type *required, const gql_type *actual, int depth)
{
    if (!required || !actual || depth > GQL_MAX_DEPTH)
        return false;
    if (required->nonnull && !actual->nonnull)
        return false;
    if (required->named.n) {
        if (gql_str_eq(required->named, actual->named))
            return true;
        gql_list *l = gmap_get(&s->possible, required->named);
        for (int i = 0; l && i < l->n; i++)
            if (gql_str_eq(((gql_def *)l->items[i])->name, actual->named))
                return true;
        return false;
    }
    if (required->elem && !actual->elem)
        return false;
    return covariant(s, required->elem, actual->elem, depth + 1);
}

static bool validate_implements(sctx *c, gql_def *def, gql_str iname)
{
    gql_def *intf = type_of(c->s, iname);
    if (!intf)
        return schema_error(c, def->pos, "Undefined type %s.", quote(c->a, iname));
    if (!kind_is(intf, "INTERFACE"))
        return schema_error(c, def->pos, "%s is a non interface type %.*s.", quote(c->a, iname), S(intf->kind));
    for (int i = 0; i < intf->fields.n; i++) {
        gql_fielddef *req = intf->fields.items[i];
        gql_fielddef *found = field_named(&def->fields, req->name);
        if (!found)
            return schema_error(c, def->pos, "For %.*s to implement %.*s it must have a field called %.*s.",
                                S(def->name), S(intf->name), S(req->name));
        if (!covariant(c->s, req->type, found->type, 0))
            return schema_error(c, found->pos, "For %.*s to implement %.*s the field %.*s must have type %s.",
                                S(def->name), S(intf->name), S(req->name), type_string(c->a, req->type));
        for (int j = 0; j < req->args.n; j++) {
            gql_fielddef *rarg = req->args.items[j];
            gql_fielddef *farg = arg_named(&found->args, rarg->name);
            if (!farg)
                return schema_error(c, found->pos,
                                    "For %.*s to implement %.*s the field %.*s must have the same arguments but it is "
                                    "missing %.*s.",
                                    S(def->name), S(intf->name), S(req->name), S(rarg->name));
            if (!type_compatible(rarg->type, farg->type))
                return schema_error(c, farg->pos,
                                    "For %.*s to implement %.*s the field %.*s must have the same arguments but %.*s "
                                    "has the wrong type.",
                                    S(def->name), S(intf->name), S(req->name), S(rarg->name));
        }
        for (int j = 0; j < found->args.n; j++) {
            gql_fielddef *farg = found->args.items[j];
            if (!arg_named(&req->args, farg->name) && farg->type && farg->type->nonnull && !farg->default_value)
                return schema_error(c, farg->pos,
                                    "For %.*s to implement %.*s any additional arguments on %.*s must be optional or "
                                    "have a default value but %.*s is required.",
                                    S(def->name), S(intf->name), S(found->name), S(farg->name));
        }
    }
    /* validateTypeImplementsAncestors */
    for (int i = 0; i < intf->interfaces.n; i++) {
        gql_str t = *(gql_str *)intf->interfaces.items[i];
        if (!str_in(&def->interfaces, t)) {
            if (gql_str_eq(t, def->name))
                return schema_error(c, def->pos,
                                    "Type %.*s cannot implement %.*s because it would create a circular reference.",
                                    S(def->name), S(iname));
            return schema_error(c, def->pos, "Type %.*s must implement %.*s because it is implemented by %.*s.",
                                S(def->name), S(t), S(iname));
        }
    }
    return true;
}

static bool validate_definition(sctx *c, gql_def *def)
{
    bool input = kind_is(def, "INPUT_OBJECT");
    for (int i = 0; i < def->fields.n; i++) {
        gql_fielddef *f = def->fields.items[i];
        if (!validate_name(c, f->pos, f->name) || !validate_type_ref(c, f->type) || !validate_args(c, &f->args, NULL) ||
            !validate_directives(c, &f->directives, input ? "INPUT_FIELD_DEFINITION" : "FIELD_DEFINITION", NULL))
            return false;
    }
    for (int i = 0; i < def->types.n; i++) {
        gql_str t = *(gql_str *)def->types.items[i];
        gql_def *td = type_of(c->s, t);
        if (!td)
            return schema_error(c, def->pos, "Undefined type %s.", quote(c->a, t));
        if (!kind_is(td, "OBJECT"))
            return schema_error(c, def->pos, "%.*s type %s must be OBJECT.", S(def->kind), quote(c->a, t));
    }
    for (int i = 0; i < def->interfaces.n; i++)
        if (!validate_implements(c, def, *(gql_str *)def->interfaces.items[i]))
            return false;
    if (kind_is(def, "OBJECT") || kind_is(def, "INTERFACE")) {
        if (!def->fields.n)
            return schema_error(c, def->pos, "%.*s %.*s: must define one or more fields.", S(def->kind), S(def->name));
        for (int i = 0; i < def->fields.n; i++) {
            gql_fielddef *f = def->fields.items[i];
            gql_def *t = type_of(c->s, gql_type_name(f->type));
            if (t && !kind_is(t, "SCALAR") && !kind_is(t, "OBJECT") && !kind_is(t, "INTERFACE") &&
                !kind_is(t, "UNION") && !kind_is(t, "ENUM"))
                return schema_error(c, f->pos, "%.*s %.*s: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.",
                                    S(def->kind), S(def->name));
        }
    } else if (kind_is(def, "ENUM")) {
        if (!def->enum_values.n)
            return schema_error(c, def->pos, "%.*s %.*s: must define one or more unique enum values.", S(def->kind),
                                S(def->name));
        for (int i = 0; i < def->enum_values.n; i++) {
            gql_enumval *v = def->enum_values.items[i];
            if (gql_str_eqc(v->name, "true") || gql_str_eqc(v->name, "false") || gql_str_eqc(v->name, "null"))
                return schema_error(c, def->pos, "%.*s %.*s: non-enum value %.*s.", S(def->kind), S(def->name),
                                    S(v->name));
            if (!validate_directives(c, &v->directives, "ENUM_VALUE", NULL))
                return false;
        }
    } else if (input) {
        if (!def->fields.n)
            return schema_error(c, def->pos, "%.*s %.*s: must define one or more input fields.", S(def->kind),
                                S(def->name));
        for (int i = 0; i < def->fields.n; i++) {
            gql_fielddef *f = def->fields.items[i];
            gql_def *t = type_of(c->s, gql_type_name(f->type));
            if (t && !is_input(t))
                return schema_error(c, f->pos, "%.*s %.*s: field must be one of SCALAR, ENUM, INPUT_OBJECT.",
                                    S(t->kind), S(f->name));
        }
    }
    for (int i = 0; i < def->fields.n; i++) {
        gql_fielddef *f1 = def->fields.items[i];
        for (int j = i + 1; j < def->fields.n; j++) {
            gql_fielddef *f2 = def->fields.items[j];
            if (gql_str_eq(f1->name, f2->name))
                return schema_error(c, f2->pos, "Field %.*s.%.*s can only be defined once.", S(def->name),
                                    S(f2->name));
        }
    }
    if (!def->builtin && !validate_name(c, def->pos, def->name))
        return false;
    char location[64];
    snprintf(location, sizeof location, "%.*s", S(def->kind));
    return validate_directives(c, &def->directives, location, NULL);
}

static int cmp_names(const void *x, const void *y)
{
    const gql_str *a = *(gql_str *const *)x, *b = *(gql_str *const *)y;
    size_t n = a->n < b->n ? a->n : b->n;
    int r = memcmp(a->s, b->s, n);
    return r ? r : (a->n > b->n) - (a->n < b->n);
}

/* Names sorted bytewise (gqlparser validates types and directives in sorted
 * order, so that the first error is always the same one). */
static gql_str **sorted_names(arena *a, const gql_list *names)
{
    gql_str **v = arena_alloc(a, (size_t)(names->n ? names->n : 1) * sizeof *v);
    for (int i = 0; i < names->n; i++)
        v[i] = names->items[i];
    qsort(v, (size_t)names->n, sizeof *v, cmp_names);
    return v;
}

static bool set_root(sctx *c, const gql_optype *t)
{
    gql_def *def = type_of(c->s, t->type);
    if (!def)
        return schema_error(c, t->pos, "Schema root %.*s refers to a type %.*s that does not exist.", S(t->operation),
                            S(t->type));
    if (gql_str_eqc(t->operation, "query"))
        c->s->query = def;
    else if (gql_str_eqc(t->operation, "mutation"))
        c->s->mutation = def;
    else if (gql_str_eqc(t->operation, "subscription"))
        c->s->subscription = def;
    return true;
}

static void list_append(arena *a, gql_list *to, const gql_list *from)
{
    for (int i = 0; i < from->n; i++)
        gql_list_push(a, to, from->items[i]);
}

static bool validate_schema_document(sctx *c, const gql_schema_doc *sd)
{
    arena *a = c->a;
    gql_schema *s = c->s;
    gql_list defs = {0};
    for (int i = 0; i < sd->definitions.n; i++) {
        gql_def *d = sd->definitions.items[i];
        if (type_of(s, d->name))
            return schema_error(c, d->pos, "Cannot redeclare type %.*s.", S(d->name));
        add_type(a, s, d);
        gql_list_push(a, &defs, d);
    }
    for (int i = 0; i < sd->extensions.n; i++) {
        gql_def *ext = sd->extensions.items[i];
        gql_def *d = type_of(s, ext->name);
        if (!d) {
            d = arena_zalloc(a, sizeof *d);
            d->kind = ext->kind;
            d->name = ext->name;
            d->description = gql_cstr("");
            d->pos = ext->pos;
            add_type(a, s, d);
            gql_list_push(a, &defs, d);
        }
        if (!gql_str_eq(d->kind, ext->kind))
            return schema_error(c, ext->pos, "Cannot extend type %.*s because the base type is a %.*s, not %.*s.",
                                S(ext->name), S(d->kind), S(ext->kind));
        list_append(a, &d->directives, &ext->directives);
        list_append(a, &d->interfaces, &ext->interfaces);
        list_append(a, &d->fields, &ext->fields);
        list_append(a, &d->types, &ext->types);
        list_append(a, &d->enum_values, &ext->enum_values);
    }
    for (int i = 0; i < defs.n; i++) {
        gql_def *d = defs.items[i];
        if (kind_is(d, "UNION")) {
            for (int j = 0; j < d->types.n; j++)
                add_possible(a, s, d->name, type_of(s, *(gql_str *)d->types.items[j]));
        } else if (kind_is(d, "INPUT_OBJECT") || kind_is(d, "OBJECT") || kind_is(d, "INTERFACE")) {
            for (int j = 0; j < d->interfaces.n; j++)
                add_possible(a, s, *(gql_str *)d->interfaces.items[j], d);
            if (!kind_is(d, "INTERFACE"))
                add_possible(a, s, d->name, d);
        }
    }
    for (int i = 0; i < sd->directives.n; i++) {
        gql_dirdef *d = sd->directives.items[i];
        if (gmap_get(&s->directives, d->name)) {
            static const char *const builtin[] = {"include", "skip", "deprecated", "specifiedBy", "defer", "oneOf"};
            bool is_builtin = false;
            for (int j = 0; j < 6; j++)
                is_builtin |= gql_str_eqc(d->name, builtin[j]);
            if (!is_builtin)
                return schema_error(c, d->pos, "Cannot redeclare directive %.*s.", S(d->name));
        } else {
            gql_str *n = arena_alloc(a, sizeof *n);
            *n = d->name;
            gql_list_push(a, &s->directive_names, n);
        }
        gmap_put(a, &s->directives, d->name, d);
    }
    if (sd->schema.n > 1)
        return schema_error(c, ((gql_schemadef *)sd->schema.items[1])->pos,
                            "Cannot have multiple schema entry points, consider schema extensions instead.");
    if (sd->schema.n == 1) {
        gql_schemadef *sch = sd->schema.items[0];
        for (int i = 0; i < sch->optypes.n; i++)
            if (!set_root(c, sch->optypes.items[i]))
                return false;
        if (!validate_directives(c, &sch->directives, "SCHEMA", NULL))
            return false;
    }
    for (int i = 0; i < sd->schema_ext.n; i++) {
        gql_schemadef *ext = sd->schema_ext.items[i];
        for (int j = 0; j < ext->optypes.n; j++)
            if (!set_root(c, ext->optypes.items[j]))
                return false;
        if (!validate_directives(c, &ext->directives, "SCHEMA", NULL))
            return false;
    }
    gql_str **names = sorted_names(a, &s->type_names);
    for (int i = 0; i < s->type_names.n; i++)
        if (!validate_definition(c, type_of(s, *names[i])))
            return false;
    names = sorted_names(a, &s->directive_names);
    for (int i = 0; i < s->directive_names.n; i++) {
        gql_dirdef *d = gmap_get(&s->directives, *names[i]);
        if (!validate_name(c, d->pos, d->name) || !validate_args(c, &d->args, d))
            return false;
    }
    if (sd->schema.n == 0) {
        if (!s->query)
            s->query = type_of(s, gql_cstr("Query"));
        if (!s->mutation)
            s->mutation = type_of(s, gql_cstr("Mutation"));
        if (!s->subscription)
            s->subscription = type_of(s, gql_cstr("Subscription"));
    }
    if (s->query) {
        /* __schema: __Schema! and __type(name: String!): __Type */
        gql_fielddef *f = arena_zalloc(a, sizeof *f);
        f->name = gql_cstr("__schema");
        f->description = gql_cstr("");
        f->type = arena_zalloc(a, sizeof *f->type);
        f->type->named = gql_cstr("__Schema");
        f->type->nonnull = true;
        gql_list_push(a, &s->query->fields, f);
        f = arena_zalloc(a, sizeof *f);
        f->name = gql_cstr("__type");
        f->description = gql_cstr("");
        f->type = arena_zalloc(a, sizeof *f->type);
        f->type->named = gql_cstr("__Type");
        gql_fielddef *arg = arena_zalloc(a, sizeof *arg);
        arg->name = gql_cstr("name");
        arg->description = gql_cstr("");
        arg->type = arena_zalloc(a, sizeof *arg->type);
        arg->type->named = gql_cstr("String");
        arg->type->nonnull = true;
        gql_list_push(a, &f->args, arg);
        gql_list_push(a, &s->query->fields, f);
    }
    return true;
}

gql_schema *gql_build_schema(arena *a, gql_schema_doc *doc, gql_error *err)
{
    memset(err, 0, sizeof *err);
    gql_schema_doc *pre = gql_parse_schema(a, prelude, sizeof prelude - 1, true, err);
    if (!pre)
        return NULL;
    gql_schema_doc merged = {0};
    const gql_schema_doc *parts[2] = {pre, doc};
    for (int i = 0; i < 2; i++) {
        list_append(a, &merged.schema, &parts[i]->schema);
        list_append(a, &merged.schema_ext, &parts[i]->schema_ext);
        list_append(a, &merged.directives, &parts[i]->directives);
        list_append(a, &merged.definitions, &parts[i]->definitions);
        list_append(a, &merged.extensions, &parts[i]->extensions);
    }
    gql_schema *s = arena_zalloc(a, sizeof *s);
    sctx c = {a, s, err};
    return validate_schema_document(&c, &merged) ? s : NULL;
}

/* ======================================================================
 * Query validation
 * ====================================================================== */

typedef struct vctx {
    arena *a;
    gql_schema *s;
    gql_query_doc *doc;
    gql_list *errors;
    gql_operation *op;              /* CurrentOperation */
    gmap walked_spreads;            /* validatedFragmentSpreads */
    gql_fielddef *typename_def;
    int depth;
    bool too_complex;
    long budget;
    /* rule state */
    gmap kd_seen;                   /* KnownDirectives */
    gmap nfc_visited;               /* NoFragmentCycles */
    bool nuf_in_fragment;           /* NoUnusedFragments */
    gmap nuf_used;
    gmap ofm_pairs;                 /* OverlappingFieldsCanBeMerged */
    gmap ofm_compared;
    gmap ufn_seen;                  /* UniqueFragmentNames */
    gmap uon_seen;                  /* UniqueOperationNames */
} vctx;

static void add_error(vctx *v, gql_pos pos, const char *msg)
{
    gql_verror *e = arena_alloc(v->a, sizeof *e);
    e->msg = msg;
    e->pos = pos;
    gql_list_push(v->a, v->errors, e);
}

/* Gives up on a document that would take too long, once. */
static void too_complex(vctx *v)
{
    if (v->too_complex)
        return;
    v->too_complex = true;
    gql_pos none = {0, 0, false};
    add_error(v, none, "GraphQL document too complex to validate");
}

/* ---- suggestions (validator/core/helpers.go) ---- */

static uint32_t *lower_runes(arena *a, gql_str s, size_t *n)
{
    uint32_t *r = arena_alloc(a, (s.n + 1) * sizeof *r);
    size_t k = 0, w;
    for (size_t i = 0; i < s.n; i += w) {
        uint32_t c = txt_utf8_decode(s.s + i, s.n - i, &w);
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        r[k++] = c;
    }
    *n = k;
    return r;
}

/* lexicalDistance: Levenshtein over code points, a change of case alone
 * counting as one edit; distances beyond `limit` need not be exact. */
static size_t lexical_distance(arena *a, gql_str x, gql_str y, size_t limit)
{
    if (gql_str_eq(x, y))
        return 0;
    size_t n, m;
    uint32_t *p = lower_runes(a, x, &n), *q = lower_runes(a, y, &m);
    if ((n > m ? n - m : m - n) > limit)
        return limit + 1;
    if (n == m && memcmp(p, q, n * sizeof *p) == 0)
        return 1;
    size_t *row = arena_alloc(a, (m + 1) * sizeof *row);
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cur = row[j];
            size_t best = prev + (p[i - 1] != q[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[m];
}

/* SuggestionList: options within reach of input, closest first. */
static gql_list suggestion_list(vctx *v, gql_str input, const gql_list *options)
{
    gql_list out = {0};
    size_t threshold = input.n * 2 / 5 + 1; /* floor(len * 0.4) + 1 */
    size_t *dist = arena_alloc(v->a, (size_t)(options->n + 1) * sizeof *dist);
    int k = 0;
    for (int i = 0; i < options->n; i++) {
        gql_str *o = options->items[i];
        size_t d = lexical_distance(v->a, input, *o, threshold);
        if (d <= threshold) {
            gql_list_push(v->a, &out, o);
            dist[k++] = d;
        }
    }
    /* stable insertion sort by distance */
    for (int i = 1; i < k; i++) {
        void *item = out.items[i];
        size_t d = dist[i];
        int j = i - 1;
        while (j >= 0 && dist[j] > d) {
            out.items[j + 1] = out.items[j];
            dist[j + 1] = dist[j];
            j--;
        }
        out.items[j + 1] = item;
        dist[j + 1] = d;
    }
    return out;
}

/* OrList / QuotedOrList: "A, B, or C" of at most five items. */
static const char *or_list(vctx *v, const gql_list *items, bool quoted)
{
    strbuf sb = STRBUF_INIT;
    int n = items->n > 5 ? 5 : items->n;
    for (int i = 0; i < n; i++) {
        gql_str *s = items->items[i];
        if (i)
            sb_puts(&sb, n == 2 ? " or " : i == n - 1 ? ", or " : ", ");
        if (quoted)
            sb_putc(&sb, '"');
        sb_append(&sb, s->s, s->n);
        if (quoted)
            sb_putc(&sb, '"');
    }
    return gql_str_from_sb(v->a, &sb).s;
}

/* msg, then " <prefix> <suggestions>?" when there are any. */
static const char *suggest(vctx *v, const char *msg, const char *prefix, gql_str typed, const gql_list *options,
                           bool quoted)
{
    gql_list s = suggestion_list(v, typed, options);
    if (!s.n)
        return msg;
    return msgf(v->a, "%s %s %s?", msg, prefix, or_list(v, &s, quoted));
}

static gql_list names_of(vctx *v, const gql_list *fielddefs)
{
    gql_list out = {0};
    for (int i = 0; i < fielddefs->n; i++)
        gql_list_push(v->a, &out, &((gql_fielddef *)fielddefs->items[i])->name);
    return out;
}

/* ---- lookups in the query ---- */

static gql_vardef *vardef_named(const gql_operation *op, gql_str name)
{
    for (int i = 0; i < op->vardefs.n; i++) {
        gql_vardef *d = op->vardefs.items[i];
        if (gql_str_eq(d->variable, name))
            return d;
    }
    return NULL;
}

static gql_fragment *fragment_named(const gql_query_doc *doc, gql_str name)
{
    for (int i = 0; i < doc->fragments.n; i++) {
        gql_fragment *f = doc->fragments.items[i];
        if (gql_str_eq(f->name, name))
            return f;
    }
    return NULL;
}

static gql_child *child_named(const gql_value *val, gql_str name)
{
    for (int i = 0; i < val->children.n; i++) {
        gql_child *c = val->children.items[i];
        if (gql_str_eq(c->name, name))
            return c;
    }
    return NULL;
}

/* The root type of an operation; NULL also for an unknown operation type. */
static gql_def *root_of(const gql_schema *s, gql_str operation)
{
    if (gql_str_eqc(operation, "query") || operation.n == 0)
        return s->query;
    if (gql_str_eqc(operation, "mutation"))
        return s->mutation;
    if (gql_str_eqc(operation, "subscription"))
        return s->subscription;
    return NULL;
}

/* ---- rules on operations ---- */

static void rule_known_root_type(vctx *v, gql_operation *op)
{
    if (!root_of(v->s, op->operation))
        add_error(v, op->pos, msgf(v->a, "Schema does not support operation type \"%.*s\"", S(op->operation)));
}

static void rule_lone_anonymous_operation(vctx *v, gql_operation *op)
{
    if (op->name.n == 0 && v->doc->operations.n > 1)
        add_error(v, op->pos, "This anonymous operation must be the only defined operation.");
}

static void rule_no_unused_variables(vctx *v, gql_operation *op)
{
    for (int i = 0; i < op->vardefs.n; i++) {
        gql_vardef *d = op->vardefs.items[i];
        if (d->used)
            continue;
        if (op->name.n)
            add_error(v, d->pos,
                      msgf(v->a, "Variable \"$%.*s\" is never used in operation \"%.*s\".", S(d->variable), S(op->name)));
        else
            add_error(v, d->pos, msgf(v->a, "Variable \"$%.*s\" is never used.", S(d->variable)));
    }
}

typedef struct top_field {
    gql_str name;
    gql_pos pos;
} top_field;

static void top_fields(vctx *v, const gql_list *selset, gmap *seen, gql_list *out, int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        too_complex(v);
        return;
    }
    for (int i = 0; i < selset->n; i++) {
        gql_selection *s = selset->items[i];
        if (s->kind == GQL_FIELD) {
            top_field *t = arena_alloc(v->a, sizeof *t);
            t->name = s->name;
            t->pos = s->pos;
            gql_list_push(v->a, out, t);
        } else if (s->kind == GQL_INLINE) {
            top_fields(v, &s->selset, seen, out, depth + 1);
        } else {
            if (!s->fragment)
                return;
            if (!gmap_get(seen, s->fragment->name)) {
                gmap_put(v->a, seen, s->fragment->name, MARK);
                top_fields(v, &s->fragment->selset, seen, out, depth + 1);
            }
        }
    }
}

static void rule_single_field_subscriptions(vctx *v, gql_operation *op)
{
    if (!v->s->subscription || !gql_str_eqc(op->operation, "subscription"))
        return;
    gql_list fields = {0};
    gmap seen = {0};
    top_fields(v, &op->selset, &seen, &fields, 0);
    const char *name = op->name.n ? msgf(v->a, "Subscription %s", quote(v->a, op->name)) : "Anonymous Subscription";
    if (fields.n > 1)
        add_error(v, ((top_field *)fields.items[1])->pos, msgf(v->a, "%s must select only one top level field.", name));
    for (int i = 0; i < fields.n; i++) {
        top_field *t = fields.items[i];
        if (t->name.n >= 2 && t->name.s[0] == '_' && t->name.s[1] == '_')
            add_error(v, t->pos, msgf(v->a, "%s must not select an introspection top level field.", name));
    }
}

static void rule_unique_operation_names(vctx *v, gql_operation *op)
{
    if (gmap_get(&v->uon_seen, op->name))
        add_error(v, op->pos, msgf(v->a, "There can be only one operation named \"%.*s\".", S(op->name)));
    gmap_put(v->a, &v->uon_seen, op->name, MARK);
}

static void rule_unique_variable_names(vctx *v, gql_operation *op)
{
    gmap seen = {0};
    for (int i = 0; i < op->vardefs.n; i++) {
        gql_vardef *d = op->vardefs.items[i];
        intptr_t count = (intptr_t)gmap_get(&seen, d->variable);
        if (count == 1)
            add_error(v, d->pos, msgf(v->a, "There can be only one variable named \"$%.*s\".", S(d->variable)));
        gmap_put(v->a, &seen, d->variable, (void *)(count + 1));
    }
}

static void rule_variables_are_input_types(vctx *v, gql_operation *op)
{
    for (int i = 0; i < op->vardefs.n; i++) {
        gql_vardef *d = op->vardefs.items[i];
        if (d->definition && !is_input(d->definition))
            add_error(v, d->pos, msgf(v->a, "Variable \"$%.*s\" cannot be non-input type \"%s\".", S(d->variable),
                                      type_string(v->a, d->type)));
    }
}

/* ---- OverlappingFieldsCanBeMerged ---- */

/* Fields of a selection set grouped by response name, in first-seen order. */
typedef struct fmap {
    gmap index;             /* response name -> position + 1 */
    gql_list names;         /* gql_str* */
    gql_list groups;        /* gql_list* of gql_selection* */
} fmap;

typedef struct conflict {
    const char *message;
    gql_str response_name;
    gql_list sub;           /* conflict* */
    gql_pos pos;
} conflict;

static void collect_fields(vctx *v, const gql_list *selset, fmap *fm, gql_list *spreads, int depth)
{
    if (depth > GQL_MAX_DEPTH * 2) {
        too_complex(v);
        return;
    }
    for (int i = 0; i < selset->n; i++) {
        gql_selection *s = selset->items[i];
        if (s->kind == GQL_FIELD) {
            gql_str rn = s->alias.n ? s->alias : s->name;
            intptr_t at = (intptr_t)gmap_get(&fm->index, rn);
            if (!at) {
                gql_str *n = arena_alloc(v->a, sizeof *n);
                *n = rn;
                gql_list_push(v->a, &fm->names, n);
                gql_list_push(v->a, &fm->groups, arena_zalloc(v->a, sizeof(gql_list)));
                at = fm->names.n;
                gmap_put(v->a, &fm->index, rn, (void *)at);
            }
            gql_list_push(v->a, fm->groups.items[at - 1], s);
        } else if (s->kind == GQL_INLINE) {
            collect_fields(v, &s->selset, fm, spreads, depth + 1);
        } else {
            gql_list_push(v->a, spreads, s);
        }
    }
}

static void fields_and_spreads(vctx *v, const gql_list *selset, fmap *fm, gql_list *spreads)
{
    memset(fm, 0, sizeof *fm);
    memset(spreads, 0, sizeof *spreads);
    collect_fields(v, selset, fm, spreads, 0);
}

/* reflect.DeepEqual of two collections, by node identity. */
static bool same_fields(const fmap *a, const fmap *b)
{
    if (a->names.n != b->names.n)
        return false;
    for (int i = 0; i < a->names.n; i++) {
        if (!gql_str_eq(*(gql_str *)a->names.items[i], *(gql_str *)b->names.items[i]))
            return false;
        gql_list *x = a->groups.items[i], *y = b->groups.items[i];
        if (x->n != y->n)
            return false;
        for (int j = 0; j < x->n; j++)
            if (x->items[j] != y->items[j])
                return false;
    }
    return true;
}

static gql_str pair_key(vctx *v, gql_str a, gql_str b)
{
    char *k = arena_alloc(v->a, a.n + b.n + 2);
    memcpy(k, a.s, a.n);
    k[a.n] = 0;
    memcpy(k + a.n + 1, b.s, b.n);
    k[a.n + b.n + 1] = 0;
    gql_str r = {k, a.n + b.n + 1};
    return r;
}

/* pairSet: 1 = compared as not mutually exclusive, 2 = as exclusive. */
static bool pairs_has(vctx *v, gql_str a, gql_str b, bool exclusive)
{
    intptr_t r = (intptr_t)gmap_get(&v->ofm_pairs, pair_key(v, a, b));
    if (!r)
        return false;
    return exclusive ? true : r == 1;
}

static void pairs_add(vctx *v, gql_str a, gql_str b, bool exclusive)
{
    void *val = (void *)(intptr_t)(exclusive ? 2 : 1);
    gmap_put(v->a, &v->ofm_pairs, pair_key(v, a, b), val);
    gmap_put(v->a, &v->ofm_pairs, pair_key(v, b, a), val);
}

static conflict *find_conflict(vctx *v, bool parent_exclusive, gql_selection *fa, gql_selection *fb, int depth);

static void conflicts_between(vctx *v, gql_list *out, bool exclusive, const fmap *a, const fmap *b, int depth)
{
    for (int i = 0; i < a->names.n; i++) {
        intptr_t at = (intptr_t)gmap_get(&b->index, *(gql_str *)a->names.items[i]);
        if (!at)
            continue;
        gql_list *xs = a->groups.items[i], *ys = b->groups.items[at - 1];
        for (int j = 0; j < xs->n; j++)
            for (int k = 0; k < ys->n; k++) {
                conflict *c = find_conflict(v, exclusive, xs->items[j], ys->items[k], depth);
                if (c)
                    gql_list_push(v->a, out, c);
            }
    }
}

static void conflicts_with_fragment(vctx *v, gql_list *out, bool exclusive, const fmap *fm, gql_selection *spread,
                                    int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        too_complex(v);
        return;
    }
    if (gmap_get(&v->ofm_compared, spread->name))
        return;
    gmap_put(v->a, &v->ofm_compared, spread->name, MARK);
    if (!spread->fragment)
        return;
    fmap fb;
    gql_list spreads;
    fields_and_spreads(v, &spread->fragment->selset, &fb, &spreads);
    if (same_fields(fm, &fb))
        return;
    conflicts_between(v, out, exclusive, fm, &fb, depth);
    for (int i = 0; i < spreads.n; i++) {
        gql_selection *s = spreads.items[i];
        if (gql_str_eq(s->name, spread->name))
            continue;
        conflicts_with_fragment(v, out, exclusive, fm, s, depth + 1);
    }
}

static void conflicts_between_fragments(vctx *v, gql_list *out, bool exclusive, gql_selection *a, gql_selection *b,
                                        int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        too_complex(v);
        return;
    }
    if (gql_str_eq(a->name, b->name) || pairs_has(v, a->name, b->name, exclusive))
        return;
    pairs_add(v, a->name, b->name, exclusive);
    if (!a->fragment || !b->fragment)
        return;
    fmap fa, fb;
    gql_list sa, sb;
    fields_and_spreads(v, &a->fragment->selset, &fa, &sa);
    fields_and_spreads(v, &b->fragment->selset, &fb, &sb);
    conflicts_between(v, out, exclusive, &fa, &fb, depth);
    for (int i = 0; i < sb.n; i++)
        conflicts_between_fragments(v, out, exclusive, a, sb.items[i], depth + 1);
    for (int i = 0; i < sa.n; i++)
        conflicts_between_fragments(v, out, exclusive, sa.items[i], b, depth + 1);
}

static gql_list conflicts_between_subselections(vctx *v, bool exclusive, const gql_list *a, const gql_list *b,
                                                int depth)
{
    gql_list out = {0};
    fmap fa, fb;
    gql_list sa, sb;
    fields_and_spreads(v, a, &fa, &sa);
    fields_and_spreads(v, b, &fb, &sb);
    conflicts_between(v, &out, exclusive, &fa, &fb, depth);
    for (int i = 0; i < sb.n; i++) {
        memset(&v->ofm_compared, 0, sizeof v->ofm_compared);
        conflicts_with_fragment(v, &out, exclusive, &fa, sb.items[i], depth);
    }
    for (int i = 0; i < sa.n; i++) {
        memset(&v->ofm_compared, 0, sizeof v->ofm_compared);
        conflicts_with_fragment(v, &out, exclusive, &fb, sa.items[i], depth);
    }
    for (int i = 0; i < sa.n; i++)
        for (int j = 0; j < sb.n; j++)
            conflicts_between_fragments(v, &out, exclusive, sa.items[i], sb.items[j], depth);
    return out;
}

static bool same_value(const gql_value *a, const gql_value *b)
{
    if (!a || !b)
        return a == b;
    return a->kind == b->kind && gql_str_eq(a->raw, b->raw);
}

static bool same_arguments(const gql_list *a, const gql_list *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++) {
        gql_arg *x = a->items[i];
        bool matched = false;
        for (int j = 0; j < b->n && !matched; j++) {
            gql_arg *y = b->items[j];
            matched = gql_str_eq(x->name, y->name) && same_value(x->value, y->value);
        }
        if (!matched)
            return false;
    }
    return true;
}

static bool types_conflict(vctx *v, const gql_type *t1, const gql_type *t2)
{
    for (int guard = 0; t1 && t2 && guard < 10000; guard++) {
        if (t1->elem) {
            if (!t2->elem)
                return true;
            t1 = t1->elem;
            t2 = t2->elem;
            continue;
        }
        if (t2->elem)
            return true;
        if (t1->nonnull != t2->nonnull)
            return true;
        gql_def *d1 = type_of(v->s, t1->named), *d2 = type_of(v->s, t2->named);
        if (d1 && d2 && is_leaf(d1) && is_leaf(d2))
            return !gql_str_eq(d1->name, d2->name);
        return false;
    }
    return false;
}

static conflict *find_conflict(vctx *v, bool parent_exclusive, gql_selection *fa, gql_selection *fb, int depth)
{
    if (!fa->definition || !fa->object_definition || !fb->definition || !fb->object_definition)
        return NULL;
    if (depth > WALK_MAX_DEPTH || --v->budget < 0) {
        too_complex(v);
        return NULL;
    }
    bool exclusive = parent_exclusive;
    if (!exclusive)
        exclusive = !gql_str_eq(fa->object_definition->name, fb->object_definition->name) &&
                    kind_is(fa->object_definition, "OBJECT") && kind_is(fb->object_definition, "OBJECT");
    gql_str name = fa->alias.n ? fa->alias : fa->name;
    const char *message = NULL;
    gql_list sub = {0};
    if (!exclusive && !gql_str_eq(fa->name, fb->name))
        message = msgf(v->a, "%.*s and %.*s are different fields", S(fa->name), S(fb->name));
    else if (!exclusive && !same_arguments(&fa->args, &fb->args))
        message = "they have differing arguments";
    else if (types_conflict(v, fa->definition->type, fb->definition->type))
        message = msgf(v->a, "they return conflicting types %s and %s", type_string(v->a, fa->definition->type),
                       type_string(v->a, fb->definition->type));
    else if (fa->selset.n || fb->selset.n)
        sub = conflicts_between_subselections(v, exclusive, &fa->selset, &fb->selset, depth + 1);
    if (!message && !sub.n)
        return NULL;
    conflict *c = arena_zalloc(v->a, sizeof *c);
    c->response_name = name;
    c->pos = fb->pos;
    c->message = message;
    c->sub = sub;
    return c;
}

static void conflict_text(strbuf *sb, const conflict *c, int depth)
{
    if (!c->sub.n || depth > WALK_MAX_DEPTH) {
        sb_puts(sb, c->message ? c->message : "");
        return;
    }
    for (int i = 0; i < c->sub.n; i++) {
        const conflict *s = c->sub.items[i];
        sb_puts(sb, "subfields \"");
        sb_append(sb, s->response_name.s, s->response_name.n);
        sb_puts(sb, "\" conflict because ");
        conflict_text(sb, s, depth + 1);
        if (i != c->sub.n - 1)
            sb_puts(sb, " and ");
    }
}

static void rule_overlapping_fields(vctx *v, const gql_list *selset)
{
    if (!selset->n)
        return;
    gql_list out = {0};
    fmap fm;
    gql_list spreads;
    fields_and_spreads(v, selset, &fm, &spreads);
    for (int g = 0; g < fm.groups.n; g++) {
        gql_list *fields = fm.groups.items[g];
        for (int i = 0; i < fields->n; i++)
            for (int j = i + 1; j < fields->n; j++) {
                conflict *c = find_conflict(v, false, fields->items[i], fields->items[j], 0);
                if (c)
                    gql_list_push(v->a, &out, c);
            }
    }
    memset(&v->ofm_compared, 0, sizeof v->ofm_compared);
    for (int i = 0; i < spreads.n; i++) {
        conflicts_with_fragment(v, &out, false, &fm, spreads.items[i], 0);
        for (int j = i + 1; j < spreads.n; j++)
            conflicts_between_fragments(v, &out, false, spreads.items[i], spreads.items[j], 0);
    }
    for (int i = 0; i < out.n; i++) {
        conflict *c = out.items[i];
        strbuf sb = STRBUF_INIT;
        conflict_text(&sb, c, 0);
        const char *why = gql_str_from_sb(v->a, &sb).s;
        add_error(v, c->pos,
                  msgf(v->a,
                       "Fields \"%.*s\" conflict because %s. Use different aliases on the fields to fetch both if "
                       "this was intentional.",
                       S(c->response_name), why));
    }
}

/* ---- rules on fields ---- */

static void rule_fields_on_correct_type(vctx *v, gql_selection *f)
{
    gql_def *parent = f->object_definition;
    if (!parent || f->definition)
        return;
    const char *msg = msgf(v->a, "Cannot query field \"%.*s\" on type \"%.*s\".", S(f->name), S(parent->name));
    /* getSuggestedTypeNames */
    gql_list types = {0};
    if (is_abstract(parent)) {
        gql_list objects = {0}, interfaces = {0};
        gmap usage = {0};
        gql_list possible = possible_types(v->a, v->s, parent);
        for (int i = 0; i < possible.n; i++) {
            gql_def *pt = possible.items[i];
            if (!pt || !field_named(&pt->fields, f->name))
                continue;
            gql_list_push(v->a, &objects, &pt->name);
            for (int j = 0; j < pt->interfaces.n; j++) {
                gql_str *iname = pt->interfaces.items[j];
                gql_def *intf = type_of(v->s, *iname);
                if (intf && field_named(&intf->fields, f->name)) {
                    intptr_t n = (intptr_t)gmap_get(&usage, *iname);
                    if (!n)
                        gql_list_push(v->a, &interfaces, iname);
                    gmap_put(v->a, &usage, *iname, (void *)(n + 1));
                }
            }
        }
        list_append(v->a, &types, &interfaces);
        list_append(v->a, &types, &objects);
        /* stable sort: more usages first, then by name */
        for (int i = 1; i < types.n; i++) {
            gql_str *item = types.items[i];
            intptr_t u = (intptr_t)gmap_get(&usage, *item);
            int j = i - 1;
            for (; j >= 0; j--) {
                gql_str *o = types.items[j];
                intptr_t uo = (intptr_t)gmap_get(&usage, *o);
                bool after = uo > u || (uo == u && cmp_names(&o, &item) <= 0);
                if (after)
                    break;
                types.items[j + 1] = types.items[j];
            }
            types.items[j + 1] = item;
        }
    }
    if (types.n) {
        msg = msgf(v->a, "%s Did you mean to use an inline fragment on %s?", msg, or_list(v, &types, true));
    } else if (kind_is(parent, "OBJECT") || kind_is(parent, "INTERFACE")) {
        gql_list names = names_of(v, &parent->fields);
        msg = suggest(v, msg, "Did you mean", f->name, &names, true);
    }
    add_error(v, f->pos, msg);
}

static void rule_known_argument_names_field(vctx *v, gql_selection *f)
{
    if (!f->definition || !f->object_definition)
        return;
    for (int i = 0; i < f->args.n; i++) {
        gql_arg *g = f->args.items[i];
        if (arg_named(&f->definition->args, g->name))
            continue;
        gql_list names = names_of(v, &f->definition->args);
        const char *msg = msgf(v->a, "Unknown argument \"%.*s\" on field \"%.*s.%.*s\".", S(g->name),
                               S(f->object_definition->name), S(f->name));
        add_error(v, f->pos, suggest(v, msg, "Did you mean", g->name, &names, true));
    }
}

static bool depth_selset(vctx *v, const gql_list *selset, gmap *visited, int depth, int nest);

static bool depth_field(vctx *v, const gql_selection *f, gmap *visited, int depth, int nest)
{
    if (gql_str_eqc(f->name, "fields") || gql_str_eqc(f->name, "interfaces") ||
        gql_str_eqc(f->name, "possibleTypes") || gql_str_eqc(f->name, "inputFields")) {
        if (++depth >= 3)
            return true;
    }
    return depth_selset(v, &f->selset, visited, depth, nest + 1);
}

static bool depth_selset(vctx *v, const gql_list *selset, gmap *visited, int depth, int nest)
{
    if (nest > WALK_MAX_DEPTH || --v->budget < 0) {
        too_complex(v);
        return false;
    }
    for (int i = 0; i < selset->n; i++) {
        gql_selection *s = selset->items[i];
        if (s->kind == GQL_FIELD) {
            if (depth_field(v, s, visited, depth, nest))
                return true;
        } else if (s->kind == GQL_SPREAD) {
            if (gmap_get(visited, s->name) == MARK || !s->fragment)
                continue;
            gmap_put(v->a, visited, s->name, MARK);
            bool hit = depth_selset(v, &s->fragment->selset, visited, depth, nest + 1);
            gmap_put(v->a, visited, s->name, NULL);
            if (hit)
                return true;
        } else if (depth_selset(v, &s->selset, visited, depth, nest + 1)) {
            return true;
        }
    }
    return false;
}

static void rule_max_introspection_depth(vctx *v, gql_selection *f)
{
    if (!gql_str_eqc(f->name, "__schema") && !gql_str_eqc(f->name, "__type"))
        return;
    gmap visited = {0};
    if (depth_field(v, f, &visited, 0, 0))
        add_error(v, f->pos, "Maximum introspection depth exceeded");
}

static void rule_provided_required_arguments_field(vctx *v, gql_selection *f)
{
    if (!f->definition)
        return;
    for (int i = 0; i < f->definition->args.n; i++) {
        gql_fielddef *def = f->definition->args.items[i];
        if (!def->type || !def->type->nonnull || def->default_value || given_arg(&f->args, def->name))
            continue;
        add_error(v, f->pos,
                  msgf(v->a, "Field \"%.*s\" argument \"%.*s\" of type \"%s\" is required, but it was not provided.",
                       S(f->name), S(def->name), type_string(v->a, def->type)));
    }
}

static void rule_scalar_leafs(vctx *v, gql_selection *f)
{
    if (!f->definition)
        return;
    gql_def *t = type_of(v->s, gql_type_name(f->definition->type));
    if (!t)
        return;
    if (is_leaf(t) && f->selset.n > 0)
        add_error(v, f->pos,
                  msgf(v->a, "Field \"%.*s\" must not have a selection since type \"%.*s\" has no subfields.",
                       S(f->name), S(t->name)));
    if (!is_leaf(t) && f->selset.n == 0)
        add_error(v, f->pos,
                  msgf(v->a, "Field \"%.*s\" of type \"%s\" must have a selection of subfields. Did you mean \"%.*s { ... }\"?",
                       S(f->name), type_string(v->a, f->definition->type), S(f->name)));
}

static void unique_args(vctx *v, const gql_list *args)
{
    gmap seen = {0};
    for (int i = 0; i < args->n; i++) {
        gql_arg *g = args->items[i];
        intptr_t n = (intptr_t)gmap_get(&seen, g->name);
        if (n == 1)
            add_error(v, g->pos, msgf(v->a, "There can be only one argument named \"%.*s\".", S(g->name)));
        gmap_put(v->a, &seen, g->name, (void *)(n + 1));
    }
}

/* ---- rules on fragments ---- */

static void rule_fragments_on_composite_types_inline(vctx *v, gql_selection *s)
{
    gql_def *t = type_of(v->s, s->type_condition);
    if (!t || is_composite(t))
        return;
    add_error(v, s->pos,
              msgf(v->a, "Fragment cannot condition on non composite type \"%.*s\".", S(s->type_condition)));
}

static void rule_fragments_on_composite_types(vctx *v, gql_fragment *f)
{
    if (!f->definition || !f->type_condition.n || is_composite(f->definition))
        return;
    add_error(v, f->pos, msgf(v->a, "Fragment \"%.*s\" cannot condition on non composite type \"%.*s\".", S(f->name),
                              S(f->type_condition)));
}

static void rule_known_type_names_fragment(vctx *v, gql_fragment *f)
{
    if (type_of(v->s, f->type_condition))
        return;
    const char *msg = msgf(v->a, "Unknown type \"%.*s\".", S(f->type_condition));
    add_error(v, f->pos, suggest(v, msg, "Did you mean", f->type_condition, &v->s->type_names, true));
}

static void spread_path(vctx *v, gql_fragment *f, gql_list *path, gmap *index, int depth);

/* NoFragmentCycles: spreads of a selection set, depth-first as gqlparser
 * collects them (a stack of sets). */
static gql_list spreads_of(vctx *v, const gql_list *selset)
{
    gql_list out = {0}, stack = {0};
    gql_list_push(v->a, &stack, (void *)selset);
    while (stack.n) {
        const gql_list *set = stack.items[--stack.n];
        for (int i = 0; i < set->n; i++) {
            gql_selection *s = set->items[i];
            if (s->kind == GQL_SPREAD)
                gql_list_push(v->a, &out, s);
            else
                gql_list_push(v->a, &stack, &s->selset);
        }
    }
    return out;
}

static void spread_path(vctx *v, gql_fragment *f, gql_list *path, gmap *index, int depth)
{
    if (gmap_get(&v->nfc_visited, f->name))
        return;
    gmap_put(v->a, &v->nfc_visited, f->name, MARK);
    if (depth > WALK_MAX_DEPTH) {
        too_complex(v);
        return;
    }
    gql_list spreads = spreads_of(v, &f->selset);
    if (!spreads.n)
        return;
    gmap_put(v->a, index, f->name, (void *)(intptr_t)(path->n + 1));
    for (int i = 0; i < spreads.n; i++) {
        gql_selection *s = spreads.items[i];
        intptr_t cycle = (intptr_t)gmap_get(index, s->name);
        gql_list_push(v->a, path, s);
        if (!cycle) {
            gql_fragment *next = fragment_named(v->doc, s->name);
            if (next)
                spread_path(v, next, path, index, depth + 1);
        } else {
            strbuf sb = STRBUF_INIT;
            for (int j = (int)cycle - 1; j < path->n - 1; j++) {
                gql_selection *p = path->items[j];
                sb_puts(&sb, j == (int)cycle - 1 ? " via " : ", ");
                sb_putc(&sb, '"');
                sb_append(&sb, p->name.s, p->name.n);
                sb_putc(&sb, '"');
            }
            const char *via = gql_str_from_sb(v->a, &sb).s;
            add_error(v, s->pos, msgf(v->a, "Cannot spread fragment \"%.*s\" within itself%s.", S(s->name), via));
        }
        path->n--;
    }
    gmap_put(v->a, index, f->name, NULL);
}

static void rule_no_fragment_cycles(vctx *v, gql_fragment *f)
{
    gql_list path = {0};
    gmap index = {0};
    spread_path(v, f, &path, &index, 0);
}

static void rule_no_unused_fragments(vctx *v, gql_fragment *f)
{
    v->nuf_in_fragment = true;
    if (!gmap_get(&v->nuf_used, f->name))
        add_error(v, f->pos, msgf(v->a, "Fragment \"%.*s\" is never used.", S(f->name)));
}

static void rule_unique_fragment_names(vctx *v, gql_fragment *f)
{
    if (gmap_get(&v->ufn_seen, f->name))
        add_error(v, f->pos, msgf(v->a, "There can be only one fragment named \"%.*s\".", S(f->name)));
    gmap_put(v->a, &v->ufn_seen, f->name, MARK);
}

/* PossibleFragmentSpreads: can an object be of both types at once. */
static bool spread_possible(vctx *v, gql_def *parent, gql_str type_name)
{
    if (!parent)
        return true;
    gql_list parents = {0};
    if (kind_is(parent, "OBJECT"))
        gql_list_push(v->a, &parents, parent);
    else if (kind_is(parent, "INTERFACE") || kind_is(parent, "UNION"))
        parents = possible_types(v->a, v->s, parent);
    else
        return true;
    gql_def *frag_type = type_of(v->s, type_name);
    if (!frag_type || !is_composite(frag_type))
        return true; /* FragmentsOnCompositeTypes' business */
    gql_list frags = possible_types(v->a, v->s, frag_type);
    for (int i = 0; i < frags.n; i++)
        for (int j = 0; j < parents.n; j++) {
            gql_def *x = frags.items[i], *y = parents.items[j];
            if (x && y && gql_str_eq(x->name, y->name))
                return true;
        }
    return false;
}

static void rule_possible_fragment_spreads_inline(vctx *v, gql_selection *s)
{
    if (!spread_possible(v, s->object_definition, s->type_condition))
        add_error(v, s->pos,
                  msgf(v->a, "Fragment cannot be spread here as objects of type \"%.*s\" can never be of type \"%.*s\".",
                       S(s->object_definition->name), S(s->type_condition)));
}

static void rule_possible_fragment_spreads(vctx *v, gql_selection *s)
{
    if (!s->fragment)
        return;
    if (!spread_possible(v, s->object_definition, s->fragment->type_condition))
        add_error(v, s->pos,
                  msgf(v->a,
                       "Fragment \"%.*s\" cannot be spread here as objects of type \"%.*s\" can never be of type "
                       "\"%.*s\".",
                       S(s->name), S(s->object_definition->name), S(s->fragment->type_condition)));
}

/* ---- rules on directives ---- */

static void rule_known_argument_names_directive(vctx *v, gql_directive *d)
{
    if (!d->definition)
        return;
    for (int i = 0; i < d->args.n; i++) {
        gql_arg *g = d->args.items[i];
        if (arg_named(&d->definition->args, g->name))
            continue;
        gql_list names = names_of(v, &d->definition->args);
        const char *msg = msgf(v->a, "Unknown argument \"%.*s\" on directive \"@%.*s\".", S(g->name), S(d->name));
        add_error(v, d->pos, suggest(v, msg, "Did you mean", g->name, &names, true));
    }
}

static void rule_known_directives(vctx *v, gql_directive *d)
{
    if (!d->definition) {
        add_error(v, d->pos, msgf(v->a, "Unknown directive \"@%.*s\".", S(d->name)));
        return;
    }
    if (str_in(&d->definition->locations, d->location))
        return;
    gql_str key = {msgf(v->a, "%.*s\n%d:%d", S(d->name), d->pos.line, d->pos.col), 0};
    key.n = strlen(key.s);
    if (gmap_get(&v->kd_seen, key))
        return;
    add_error(v, d->pos, msgf(v->a, "Directive \"@%.*s\" may not be used on %.*s.", S(d->name), S(d->location)));
    gmap_put(v->a, &v->kd_seen, key, MARK);
}

static void rule_provided_required_arguments_directive(vctx *v, gql_directive *d)
{
    if (!d->definition)
        return;
    for (int i = 0; i < d->definition->args.n; i++) {
        gql_fielddef *def = d->definition->args.items[i];
        if (!def->type || !def->type->nonnull || def->default_value || given_arg(&d->args, def->name))
            continue;
        add_error(v, d->pos,
                  msgf(v->a, "Directive \"@%.*s\" argument \"%.*s\" of type \"%s\" is required, but it was not provided.",
                       S(d->definition->name), S(def->name), type_string(v->a, def->type)));
    }
}

static void rule_unique_directives_per_location(vctx *v, const gql_list *dirs)
{
    gmap seen = {0};
    for (int i = 0; i < dirs->n; i++) {
        gql_directive *d = dirs->items[i];
        if (!gql_str_eqc(d->name, "repeatable") && gmap_get(&seen, d->name))
            add_error(v, d->pos,
                      msgf(v->a, "The directive \"@%.*s\" can only be used once at this location.", S(d->name)));
        gmap_put(v->a, &seen, d->name, MARK);
    }
}

/* ---- rules on values ---- */

static void rule_no_undefined_variables(vctx *v, gql_value *val)
{
    if (!v->op || val->kind != GQL_VARIABLE || val->vardef)
        return;
    if (v->op->name.n)
        add_error(v, val->pos, msgf(v->a, "Variable \"%s\" is not defined by operation \"%.*s\".",
                                    value_string(v->a, val), S(v->op->name)));
    else
        add_error(v, val->pos, msgf(v->a, "Variable \"%s\" is not defined.", value_string(v->a, val)));
}

static void rule_unique_input_field_names(vctx *v, gql_value *val)
{
    if (val->kind != GQL_OBJECT)
        return;
    gmap seen = {0};
    for (int i = 0; i < val->children.n; i++) {
        gql_child *c = val->children.items[i];
        if (gmap_get(&seen, c->name))
            add_error(v, c->pos, msgf(v->a, "There can be only one input field named \"%.*s\".", S(c->name)));
        gmap_put(v->a, &seen, c->name, MARK);
    }
}

/* Value.Value(nil) fails: a number out of range, a bad boolean. */
static bool value_fails(const gql_value *val, int depth)
{
    if (!val || depth > GQL_MAX_DEPTH)
        return false;
    switch (val->kind) {
    case GQL_VARIABLE:
        return val->vardef && val->vardef->default_value && val->vardef->default_value != val &&
               value_fails(val->vardef->default_value, depth + 1);
    case GQL_INT: {
        /* strconv.ParseInt(raw, 10, 64) */
        const char *s = val->raw.s;
        size_t i = 0, n = val->raw.n;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i == n)
            return true;
        for (; i < n; i++)
            if (s[i] < '0' || s[i] > '9')
                return true;
        errno = 0;
        (void)strtoll(s, NULL, 10);
        return errno == ERANGE;
    }
    case GQL_FLOAT: {
        /* strconv.ParseFloat(raw, 64): a syntax error or an overflow */
        char *end;
        errno = 0;
        double d = strtod(val->raw.s, &end);
        if (end == val->raw.s || (size_t)(end - val->raw.s) != val->raw.n)
            return true;
        return errno == ERANGE && isinf(d);
    }
    case GQL_BOOLEAN: {
        static const char *const ok[] = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"};
        for (int i = 0; i < 12; i++)
            if (gql_str_eqc(val->raw, ok[i]))
                return false;
        return true;
    }
    case GQL_LIST:
    case GQL_OBJECT:
        for (int i = 0; i < val->children.n; i++) {
            gql_child *c = val->children.items[i];
            if (c && value_fails(c->value, depth + 1))
                return true;
        }
        return false;
    default:
        return false;
    }
}

static bool def_one_of(const gql_def *d, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (gql_str_eqc(d->name, names[i]))
            return true;
    return false;
}

/* unexpectedTypeMessageOnly */
static const char *unexpected_type_message(vctx *v, const gql_value *val)
{
    const char *expected = type_string(v->a, val->expected);
    const char *shown = value_string(v->a, val);
    if (!strcmp(expected, "Int") || !strcmp(expected, "Int!")) {
        bool range = false;
        if (val->raw.n) {
            errno = 0;
            char *end;
            long long x = strtoll(val->raw.s, &end, 10);
            bool digits = !*end && end != val->raw.s;
            range = digits && (errno == ERANGE || x > 2147483647LL || x < -2147483648LL);
        }
        if (range)
            return msgf(v->a, "Int cannot represent non 32-bit signed integer value: %s", shown);
        return msgf(v->a, "Int cannot represent non-integer value: %s", shown);
    }
    if (!strcmp(expected, "String") || !strcmp(expected, "String!") || !strcmp(expected, "[String]"))
        return msgf(v->a, "String cannot represent a non string value: %s", shown);
    if (!strcmp(expected, "Boolean") || !strcmp(expected, "Boolean!"))
        return msgf(v->a, "Boolean cannot represent a non boolean value: %s", shown);
    if (!strcmp(expected, "Float") || !strcmp(expected, "Float!"))
        return msgf(v->a, "Float cannot represent non numeric value: %s", shown);
    if (!strcmp(expected, "ID") || !strcmp(expected, "ID!"))
        return msgf(v->a, "ID cannot represent a non-string and non-integer value: %s", shown);
    if (kind_is(val->definition, "ENUM"))
        return msgf(v->a, "Enum \"%s\" cannot represent non-enum value: %s.", expected, shown);
    return msgf(v->a, "Expected value of type \"%s\", found %s.", expected, shown);
}

static void rule_values_of_correct_type(vctx *v, gql_value *val)
{
    static const char *const builtin_scalars[] = {"Int", "Float", "String", "Boolean", "ID"};
    static const char *const int_ok[] = {"Int", "Float", "ID"};
    static const char *const float_ok[] = {"Float"};
    static const char *const string_ok[] = {"String", "ID"};
    static const char *const bool_ok[] = {"Boolean"};
    gql_def *def = val->definition;
    if (!def || !val->expected)
        return;
    if (val->kind == GQL_NULL && val->expected->nonnull)
        add_error(v, val->pos, msgf(v->a, "Expected value of type \"%s\", found %s.", type_string(v->a, val->expected),
                                    value_string(v->a, val)));
    if (kind_is(def, "SCALAR") && !def_one_of(def, builtin_scalars, 5))
        return;
    gql_list enums = {0};
    if (kind_is(def, "ENUM"))
        for (int i = 0; i < def->enum_values.n; i++)
            gql_list_push(v->a, &enums, &((gql_enumval *)def->enum_values.items[i])->name);
    if (value_fails(val, 0))
        add_error(v, val->pos, unexpected_type_message(v, val));
    switch (val->kind) {
    case GQL_NULL:
    case GQL_VARIABLE:
        return;
    case GQL_LIST:
        if (!val->expected->elem)
            add_error(v, val->pos, unexpected_type_message(v, val));
        return;
    case GQL_INT:
        if (!def_one_of(def, int_ok, 3))
            add_error(v, val->pos, unexpected_type_message(v, val));
        return;
    case GQL_FLOAT:
        if (!def_one_of(def, float_ok, 1))
            add_error(v, val->pos, unexpected_type_message(v, val));
        return;
    case GQL_STRING:
    case GQL_BLOCK:
        if (kind_is(def, "ENUM")) {
            const char *msg = msgf(v->a, "Enum \"%s\" cannot represent non-enum value: %s.",
                                   type_string(v->a, val->expected), value_string(v->a, val));
            add_error(v, val->pos, suggest(v, msg, "Did you mean the enum value", val->raw, &enums, true));
        } else if (!def_one_of(def, string_ok, 2)) {
            add_error(v, val->pos, unexpected_type_message(v, val));
        }
        return;
    case GQL_ENUM:
        if (!kind_is(def, "ENUM")) {
            add_error(v, val->pos,
                      suggest(v, unexpected_type_message(v, val), "Did you mean the enum value", val->raw, &enums,
                              false));
        } else {
            bool found = false;
            for (int i = 0; i < def->enum_values.n && !found; i++)
                found = gql_str_eq(((gql_enumval *)def->enum_values.items[i])->name, val->raw);
            if (!found) {
                const char *msg = msgf(v->a, "Value \"%s\" does not exist in \"%s\" enum.", value_string(v->a, val),
                                       type_string(v->a, val->expected));
                add_error(v, val->pos, suggest(v, msg, "Did you mean the enum value", val->raw, &enums, true));
            }
        }
        return;
    case GQL_BOOLEAN:
        if (!def_one_of(def, bool_ok, 1))
            add_error(v, val->pos, unexpected_type_message(v, val));
        return;
    case GQL_OBJECT:
        for (int i = 0; i < def->fields.n; i++) {
            gql_fielddef *f = def->fields.items[i];
            if (f->type && f->type->nonnull && !child_named(val, f->name) && !f->default_value)
                add_error(v, val->pos, msgf(v->a, "Field \"%.*s.%.*s\" of required type \"%s\" was not provided.",
                                            S(def->name), S(f->name), type_string(v->a, f->type)));
        }
        for (int i = 0; i < val->children.n; i++) {
            gql_child *c = val->children.items[i];
            if (field_named(&def->fields, c->name))
                continue;
            gql_list names = names_of(v, &def->fields);
            const char *msg =
                msgf(v->a, "Field \"%.*s\" is not defined by type \"%.*s\".", S(c->name), S(def->name));
            add_error(v, c->pos, suggest(v, msg, "Did you mean", c->name, &names, true));
        }
        return;
    default:
        return;
    }
}

static void rule_variables_in_allowed_position(vctx *v, gql_value *val)
{
    if (val->kind != GQL_VARIABLE || !val->expected || !val->vardef || !v->op)
        return;
    gql_type want = *val->expected;
    const gql_value *dflt = val->vardef->default_value;
    if (dflt && dflt->kind != GQL_NULL && want.nonnull)
        want.nonnull = false;
    if (val->expected_has_default)
        want.nonnull = false;
    if (!val->vardef->type || type_compatible(val->vardef->type, &want))
        return;
    add_error(v, val->pos,
              msgf(v->a, "Variable \"%s\" of type \"%s\" used in position expecting type \"%s\".",
                   value_string(v->a, val), type_string(v->a, val->vardef->type), type_string(v->a, val->expected)));
}

/* ======================================================================
 * The walker (validator/core/walk.go) and the events it fires
 * ====================================================================== */

static void on_operation(vctx *v, gql_operation *op)
{
    rule_known_root_type(v, op);
    rule_lone_anonymous_operation(v, op);
    rule_no_unused_variables(v, op);
    rule_overlapping_fields(v, &op->selset);
    rule_single_field_subscriptions(v, op);
    rule_unique_operation_names(v, op);
    rule_unique_variable_names(v, op);
    rule_variables_are_input_types(v, op);
}

static void on_field(vctx *v, gql_selection *f)
{
    rule_fields_on_correct_type(v, f);
    rule_known_argument_names_field(v, f);
    rule_max_introspection_depth(v, f);
    if (v->op) /* conflicts in fragments are found from their definitions */
        rule_overlapping_fields(v, &f->selset);
    rule_provided_required_arguments_field(v, f);
    rule_scalar_leafs(v, f);
    unique_args(v, &f->args);
}

static void on_fragment(vctx *v, gql_fragment *f)
{
    rule_fragments_on_composite_types(v, f);
    rule_known_type_names_fragment(v, f);
    rule_no_fragment_cycles(v, f);
    rule_no_unused_fragments(v, f);
    rule_overlapping_fields(v, &f->selset);
    rule_unique_fragment_names(v, f);
}

static void on_inline_fragment(vctx *v, gql_selection *s)
{
    rule_fragments_on_composite_types_inline(v, s);
    if (s->type_condition.n && !type_of(v->s, s->type_condition))
        add_error(v, s->pos, msgf(v->a, "Unknown type \"%.*s\".", S(s->type_condition)));
    rule_overlapping_fields(v, &s->selset);
    rule_possible_fragment_spreads_inline(v, s);
}

static void on_fragment_spread(vctx *v, gql_selection *s)
{
    if (!s->fragment)
        add_error(v, s->pos, msgf(v->a, "Unknown fragment \"%.*s\".", S(s->name)));
    if (!v->nuf_in_fragment)
        gmap_put(v->a, &v->nuf_used, s->name, MARK);
    rule_possible_fragment_spreads(v, s);
}

static void on_directive(vctx *v, gql_directive *d)
{
    rule_known_argument_names_directive(v, d);
    rule_known_directives(v, d);
    rule_provided_required_arguments_directive(v, d);
    unique_args(v, &d->args);
}

static void on_value(vctx *v, gql_value *val)
{
    rule_no_undefined_variables(v, val);
    rule_unique_input_field_names(v, val);
    rule_values_of_correct_type(v, val);
    rule_variables_in_allowed_position(v, val);
}

static void on_variable(vctx *v, gql_vardef *d)
{
    gql_str name = gql_type_name(d->type);
    if (!type_of(v->s, name))
        add_error(v, d->pos, msgf(v->a, "Unknown type \"%.*s\".", S(name)));
}

static bool w_enter(vctx *v)
{
    if (v->depth >= WALK_MAX_DEPTH) {
        too_complex(v);
        return false;
    }
    v->depth++;
    return true;
}

static void walk_value(vctx *v, gql_value *val)
{
    if (!val || !w_enter(v))
        return;
    if (val->kind == GQL_VARIABLE && v->op) {
        val->vardef = vardef_named(v->op, val->raw);
        if (val->vardef)
            val->vardef->used = true;
    }
    if (val->kind == GQL_OBJECT) {
        for (int i = 0; i < val->children.n; i++) {
            gql_child *c = val->children.items[i];
            if (!c->value)
                continue;
            if (val->definition) {
                gql_fielddef *f = field_named(&val->definition->fields, c->name);
                if (f) {
                    c->value->expected = f->type;
                    c->value->expected_has_default = f->default_value && f->default_value->kind != GQL_NULL;
                    c->value->definition = type_of(v->s, gql_type_name(f->type));
                }
            }
            walk_value(v, c->value);
        }
    }
    if (val->kind == GQL_LIST) {
        for (int i = 0; i < val->children.n; i++) {
            gql_child *c = val->children.items[i];
            if (!c->value)
                continue;
            if (val->expected && val->expected->elem) {
                c->value->expected = val->expected->elem;
                c->value->definition = val->definition;
            }
            walk_value(v, c->value);
        }
    }
    on_value(v, val);
    v->depth--;
}

static void walk_argument(vctx *v, gql_fielddef *def, gql_arg *g)
{
    if (!g->value)
        return;
    if (def) {
        g->value->expected = def->type;
        g->value->expected_has_default = def->default_value && def->default_value->kind != GQL_NULL;
        g->value->definition = type_of(v->s, gql_type_name(def->type));
    }
    walk_value(v, g->value);
}

static void walk_directives(vctx *v, gql_def *parent, gql_list *dirs, const char *location)
{
    for (int i = 0; i < dirs->n; i++) {
        gql_directive *d = dirs->items[i];
        gql_dirdef *def = gmap_get(&v->s->directives, d->name);
        d->definition = def;
        d->parent = parent;
        d->location = gql_cstr(location);
        for (int j = 0; j < d->args.n; j++) {
            gql_arg *g = d->args.items[j];
            walk_argument(v, def ? arg_named(&def->args, g->name) : NULL, g);
        }
        on_directive(v, d);
    }
    rule_unique_directives_per_location(v, dirs);
}

static void walk_selset(vctx *v, gql_def *parent, gql_list *selset);

static void walk_selection(vctx *v, gql_def *parent, gql_selection *s)
{
    if (s->kind == GQL_FIELD) {
        gql_fielddef *def = NULL;
        if (gql_str_eqc(s->name, "__typename"))
            def = v->typename_def;
        else if (parent)
            def = field_named(&parent->fields, s->name);
        s->definition = def;
        s->object_definition = parent;
        gql_def *next = def ? type_of(v->s, gql_type_name(def->type)) : NULL;
        for (int i = 0; i < s->args.n; i++) {
            gql_arg *g = s->args.items[i];
            walk_argument(v, def ? arg_named(&def->args, g->name) : NULL, g);
        }
        walk_directives(v, next, &s->directives, "FIELD");
        walk_selset(v, next, &s->selset);
        on_field(v, s);
    } else if (s->kind == GQL_INLINE) {
        s->object_definition = parent;
        gql_def *next = s->type_condition.n ? type_of(v->s, s->type_condition) : parent;
        walk_directives(v, next, &s->directives, "INLINE_FRAGMENT");
        walk_selset(v, next, &s->selset);
        on_inline_fragment(v, s);
    } else {
        gql_fragment *def = fragment_named(v->doc, s->name);
        s->fragment = def;
        s->object_definition = parent;
        gql_def *next = def ? type_of(v->s, def->type_condition) : NULL;
        walk_directives(v, next, &s->directives, "FRAGMENT_SPREAD");
        if (def && !gmap_get(&v->walked_spreads, def->name)) {
            gmap_put(v->a, &v->walked_spreads, def->name, MARK);
            walk_selset(v, next, &def->selset);
        }
        on_fragment_spread(v, s);
    }
}

static void walk_selset(vctx *v, gql_def *parent, gql_list *selset)
{
    if (!w_enter(v))
        return;
    for (int i = 0; i < selset->n; i++)
        walk_selection(v, parent, selset->items[i]);
    v->depth--;
}

static void walk_operation(vctx *v, gql_operation *op)
{
    v->op = op;
    for (int i = 0; i < op->vardefs.n; i++) {
        gql_vardef *d = op->vardefs.items[i];
        d->definition = type_of(v->s, gql_type_name(d->type));
        on_variable(v, d);
        if (d->default_value) {
            d->default_value->expected = d->type;
            d->default_value->definition = type_of(v->s, gql_type_name(d->type));
        }
    }
    gql_def *root = root_of(v->s, op->operation);
    const char *location = "";
    if (gql_str_eqc(op->operation, "query") || op->operation.n == 0)
        location = "QUERY";
    else if (gql_str_eqc(op->operation, "mutation"))
        location = "MUTATION";
    else if (gql_str_eqc(op->operation, "subscription"))
        location = "SUBSCRIPTION";
    for (int i = 0; i < op->vardefs.n; i++) {
        gql_vardef *d = op->vardefs.items[i];
        if (d->default_value)
            walk_value(v, d->default_value);
        walk_directives(v, d->definition, &d->directives, "VARIABLE_DEFINITION");
    }
    walk_directives(v, root, &op->directives, location);
    walk_selset(v, root, &op->selset);
    on_operation(v, op);
    v->op = NULL;
}

static void walk_fragment(vctx *v, gql_fragment *f)
{
    gql_def *def = type_of(v->s, f->type_condition);
    f->definition = def;
    walk_directives(v, def, &f->directives, "FRAGMENT_DEFINITION");
    walk_selset(v, def, &f->selset);
    on_fragment(v, f);
}

int gql_validate_query(arena *a, gql_schema *schema, gql_query_doc *doc, gql_list *errors)
{
    vctx v;
    memset(&v, 0, sizeof v);
    v.a = a;
    v.s = schema;
    v.doc = doc;
    v.errors = errors;
    v.budget = OVERLAP_BUDGET;
    gql_fielddef *tn = arena_zalloc(a, sizeof *tn);
    tn->name = gql_cstr("__typename");
    tn->description = gql_cstr("");
    tn->type = arena_zalloc(a, sizeof *tn->type);
    tn->type->named = gql_cstr("String");
    v.typename_def = tn;
    int before = errors->n;
    for (int i = 0; i < doc->operations.n; i++) {
        memset(&v.walked_spreads, 0, sizeof v.walked_spreads);
        walk_operation(&v, doc->operations.items[i]);
    }
    for (int i = 0; i < doc->fragments.n; i++) {
        memset(&v.walked_spreads, 0, sizeof v.walked_spreads);
        walk_fragment(&v, doc->fragments.items[i]);
    }
    return errors->n - before;
}
