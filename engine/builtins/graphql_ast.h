/* graphql_ast.h — GraphQL documents as the Go library gqlparser models them,
 * and their conversion to and from Rego values (graphql_ast.c).
 *
 * OPA's graphql.* builtins hand out gqlparser's AST as JSON: every exported
 * Go struct field under its Go name, Position fields dropped, then pruned of
 * nulls and empty arrays/objects.  They also accept such objects back as
 * arguments, decoded the way Go's encoding/json decodes them into the structs
 * (keys matched case-insensitively, except for the few types for which
 * gqlparser writes its own decoder, which match keys exactly).  The structs
 * below carry exactly the fields that take part in that round trip, plus the
 * ones validation fills in (Definition, ObjectDefinition, ...).
 *
 * Everything lives in one arena; lists are arrays of pointers.  Strings are
 * NUL-terminated copies with an explicit length (a GraphQL string may hold
 * "\u0000"). */
#ifndef VERDICT_BUILTINS_GRAPHQL_AST_H
#define VERDICT_BUILTINS_GRAPHQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../arena.h"
#include "../value.h"

/* Deepest nesting of selection sets, values, list types or JSON objects
 * accepted, so that hostile documents cannot exhaust the C stack. */
#define GQL_MAX_DEPTH 400

typedef struct gql_str {
    const char *s;      /* NUL-terminated */
    size_t n;
} gql_str;

/* A source position; `set` is false where gqlparser has a nil *Position. */
typedef struct gql_pos {
    int line, col;
    bool set;
} gql_pos;

typedef struct gql_list {
    void **items;
    int n, cap;
} gql_list;

void gql_list_push(arena *a, gql_list *l, void *item);
#define GQL_AT(list, i) ((list).items[i])

gql_str gql_strn(arena *a, const char *s, size_t n);
/* sb's bytes copied into the arena; sb is freed, also when the arena's
 * out-of-memory jump is taken (the jump is then passed on). */
gql_str gql_str_from_sb(arena *a, struct strbuf *sb);
gql_str gql_cstr(const char *s);           /* a static string, not copied */
bool gql_str_eq(gql_str a, gql_str b);
bool gql_str_eqc(gql_str a, const char *c);

/* A group of comments ("# ..." lines, the '#' included): gql_str* items. */
typedef struct gql_comments {
    gql_list list;
} gql_comments;

/* ---- executable documents (queries) ---- */

enum gql_value_kind {
    GQL_VARIABLE = 0,
    GQL_INT = 1,
    GQL_FLOAT = 2,
    GQL_STRING = 3,
    GQL_BLOCK = 4,
    GQL_BOOLEAN = 5,
    GQL_NULL = 6,
    GQL_ENUM = 7,
    GQL_LIST = 8,
    GQL_OBJECT = 9,
};

typedef struct gql_type gql_type;
typedef struct gql_value gql_value;
typedef struct gql_def gql_def;
typedef struct gql_dirdef gql_dirdef;
typedef struct gql_fielddef gql_fielddef;
typedef struct gql_vardef gql_vardef;
typedef struct gql_fragment gql_fragment;

struct gql_type {
    gql_str named;          /* NamedType; "" for a list type */
    gql_type *elem;         /* Elem */
    bool nonnull;           /* NonNull */
    gql_pos pos;
};

typedef struct gql_child {
    gql_str name;
    gql_value *value;
    gql_pos pos;
    gql_comments *comment;
} gql_child;

struct gql_value {
    gql_str raw;
    gql_list children;      /* gql_child* (list items have empty names) */
    int64_t kind;           /* enum gql_value_kind (any int when decoded) */
    gql_pos pos;
    gql_comments *comment;
    /* filled by validation */
    gql_def *definition;
    gql_vardef *vardef;
    gql_type *expected;
    bool expected_has_default;
};

typedef struct gql_arg {
    gql_str name;
    gql_value *value;
    gql_pos pos;
    gql_comments *comment;
} gql_arg;

typedef struct gql_directive {
    gql_str name;
    gql_list args;          /* gql_arg* */
    gql_pos pos;
    gql_def *parent;        /* ParentDefinition */
    gql_dirdef *definition;
    gql_str location;       /* DirectiveLocation, "" until validated */
} gql_directive;

enum gql_selection_kind { GQL_FIELD, GQL_SPREAD, GQL_INLINE };

/* Field, FragmentSpread or InlineFragment. */
typedef struct gql_selection {
    int kind;
    gql_str alias;          /* field */
    gql_str name;           /* field, spread */
    gql_str type_condition; /* inline fragment */
    gql_list args;          /* field: gql_arg* */
    gql_list directives;    /* gql_directive* */
    gql_list selset;        /* field, inline fragment: gql_selection* */
    gql_pos pos;
    gql_comments *comment;
    gql_fielddef *definition;   /* field: Definition */
    gql_def *object_definition; /* ObjectDefinition */
    gql_fragment *fragment;     /* spread: Definition */
} gql_selection;

struct gql_vardef {
    gql_str variable;
    gql_type *type;
    gql_value *default_value;
    gql_list directives;
    gql_pos pos;
    gql_comments *comment;
    gql_def *definition;
    bool used;
};

typedef struct gql_operation {
    gql_str operation;      /* "query", "mutation", "subscription" */
    gql_str name;
    gql_list vardefs;       /* gql_vardef* */
    gql_list directives;
    gql_list selset;
    gql_pos pos;
    gql_comments *comment;
} gql_operation;

struct gql_fragment {
    gql_str name;
    gql_list vardefs;       /* "VariableDefinition" */
    gql_str type_condition;
    gql_list directives;
    gql_list selset;
    gql_def *definition;
    gql_pos pos;
    gql_comments *comment;
};

typedef struct gql_query_doc {
    gql_list operations;    /* gql_operation* */
    gql_list fragments;     /* gql_fragment* */
    gql_comments *comment;
} gql_query_doc;

/* ---- schema documents ---- */

/* FieldDefinition and ArgumentDefinition (an argument has no arguments,
 * and is written without the "Arguments" key). */
struct gql_fielddef {
    gql_str description, name;
    gql_list args;          /* gql_fielddef* */
    gql_value *default_value;
    gql_type *type;
    gql_list directives;
    gql_pos pos;
    gql_comments *before, *after;
};

typedef struct gql_enumval {
    gql_str description, name;
    gql_list directives;
    gql_pos pos;
    gql_comments *before, *after;
} gql_enumval;

struct gql_dirdef {
    gql_str description, name;
    gql_list args;          /* gql_fielddef* (argument definitions) */
    gql_list locations;     /* gql_str* */
    bool repeatable;
    gql_pos pos;
    gql_comments *before, *after;
};

struct gql_def {
    gql_str kind;           /* "SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT" */
    gql_str description, name;
    gql_list directives;
    gql_list interfaces;    /* gql_str* */
    gql_list fields;        /* gql_fielddef* */
    gql_list types;         /* gql_str* (union members) */
    gql_list enum_values;   /* gql_enumval* */
    gql_pos pos;
    bool builtin;
    gql_comments *before, *after, *end;
};

typedef struct gql_optype {
    gql_str operation, type;
    gql_pos pos;
    gql_comments *comment;
} gql_optype;

typedef struct gql_schemadef {
    gql_str description;
    gql_list directives;
    gql_list optypes;       /* gql_optype* */
    gql_pos pos;
    gql_comments *before, *after, *end;
} gql_schemadef;

typedef struct gql_schema_doc {
    gql_list schema;        /* gql_schemadef* */
    gql_list schema_ext;    /* gql_schemadef* */
    gql_list directives;    /* gql_dirdef* */
    gql_list definitions;   /* gql_def* */
    gql_list extensions;    /* gql_def* */
    gql_comments *comment;
} gql_schema_doc;

/* ---- helpers shared by the parser and the validator ---- */

/* Type.Name(): the innermost named type ("" if malformed). */
gql_str gql_type_name(const gql_type *t);
/* Type.String(): "[Int!]!" */
void gql_type_string(struct strbuf *sb, const gql_type *t);
/* Value.String(): "$v", "1", "\"s\"", "[1,2]", "{a:1}" */
void gql_value_string(struct strbuf *sb, const gql_value *v);

/* ---- conversion to Rego values (pruned as OPA prunes them) ---- */

val *gql_query_to_val(arena *a, const gql_query_doc *doc);
val *gql_schema_to_val(arena *a, const gql_schema_doc *doc);

/* ---- conversion from Rego values (as encoding/json decodes them) ----
 * NULL on failure, with a message in err (Go's json error wording). */
gql_query_doc *gql_query_from_val(arena *a, const val *v, char *err, size_t errlen);
gql_schema_doc *gql_schema_from_val(arena *a, const val *v, char *err, size_t errlen);

#endif
