/* caps.h — a capabilities document in OPA's format (`opa capabilities`):
 * the builtins a policy may call, the future keywords and the language
 * features, read once and consulted by the parser and the compiler.
 *
 * A call to a builtin the document does not list fails to compile with
 * OPA's "undefined function <name>" (rego_type_error).  A builtin the
 * document declares but Verdict does not implement compiles (with the
 * document's arity) and fails when it is evaluated, with OPA's
 * eval_internal_error "unsupported built-in".  With no document (NULL)
 * everything Verdict implements is allowed. */
#ifndef VERDICT_CAPS_H
#define VERDICT_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/arena.h"
#include "../engine/value.h"

/* Language features of the document ("features"). */
enum {
    REGO_FEAT_REGO_V1 = 1,              /* "rego_v1": Rego v1 syntax */
    REGO_FEAT_REGO_V1_IMPORT = 2,       /* "rego_v1_import": `import rego.v1` in v0 modules */
    REGO_FEAT_REF_HEADS = 4,            /* "rule_head_refs": rule heads with variables in refs */
    REGO_FEAT_REF_HEAD_STRINGS = 8,     /* "rule_head_ref_string_prefixes": a.b.c := ... */
    REGO_FEAT_KEYWORDS_IN_REFS = 16,    /* "keywords_in_refs" */
    REGO_FEAT_TEMPLATE_STRINGS = 32,    /* "template_strings" */
};

typedef struct rego_caps_builtin {
    const char *name;
    int arity;              /* entries of decl.args; -1 when the entry has no decl */
    bool relation;          /* "relation": true */
    bool deprecated;        /* "deprecated": true */
    bool is_void;           /* a decl without "result" (print) */
} rego_caps_builtin;

typedef struct rego_caps {
    rego_caps_builtin *builtins;    /* sorted by name */
    int nbuiltins;
    const char **future_keywords;   /* as listed */
    int nfuture_keywords;
    unsigned features;              /* REGO_FEAT_* */
} rego_caps;

/* Read a capabilities document (JSON text).  Everything is allocated in a.
 * NULL on error, with a message in err (a JSON syntax error with its line
 * and column, or which member has the wrong shape). */
rego_caps *rego_caps_parse(arena *a, const char *json, size_t len, char *err, size_t errlen);

/* A deep copy in another arena (a program keeps one for its queries). */
rego_caps *rego_caps_copy(arena *a, const rego_caps *c);

/* The document's entry for a builtin, or NULL when it is not listed. */
const rego_caps_builtin *rego_caps_builtin_find(const rego_caps *c, const char *name);

/* Whether a builtin may be called: always with no document. */
bool rego_caps_allows(const rego_caps *c, const char *name);

/* Whether a feature is listed (always with no document). */
bool rego_caps_has_feature(const rego_caps *c, unsigned feature);

#endif
