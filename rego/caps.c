/* caps.c — reading a capabilities document (caps.h). */
#include "caps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/json.h"

static const struct {
    const char *name;
    unsigned bit;
} feature_names[] = {
    {"rego_v1", REGO_FEAT_REGO_V1},
    {"rego_v1_import", REGO_FEAT_REGO_V1_IMPORT},
    {"rule_head_refs", REGO_FEAT_REF_HEADS},
    {"rule_head_ref_string_prefixes", REGO_FEAT_REF_HEAD_STRINGS},
    {"keywords_in_refs", REGO_FEAT_KEYWORDS_IN_REFS},
    {"template_strings", REGO_FEAT_TEMPLATE_STRINGS},
};

static int cmp_builtin(const void *a, const void *b)
{
    return strcmp(((const rego_caps_builtin *)a)->name, ((const rego_caps_builtin *)b)->name);
}

static val *member(const val *obj, const char *name)
{
    return val_object_get_str(obj, name, strlen(name));
}

/* A list member: absent or null is an empty list (Go's decoder leaves the
 * field nil); anything else must be an array. */
static bool list_member(const val *doc, const char *name, val **out, char *err, size_t errlen)
{
    val *v = member(doc, name);
    *out = NULL;
    if (!v || v->kind == VAL_NULL)
        return true;
    if (v->kind != VAL_ARRAY) {
        snprintf(err, errlen, "capabilities: \"%s\" must be an array, got %s", name, val_type_name(v));
        return false;
    }
    *out = v;
    return true;
}

rego_caps *rego_caps_parse(arena *a, const char *json, size_t len, char *err, size_t errlen)
{
    json_error je;
    val *doc = json_parse(a, json, len, 0, &je);
    if (!doc) {
        snprintf(err, errlen, "capabilities: line %d, column %d: %s", je.line, je.col, je.msg);
        return NULL;
    }
    if (doc->kind != VAL_OBJECT) {
        snprintf(err, errlen, "capabilities: the document must be an object, got %s", val_type_name(doc));
        return NULL;
    }
    rego_caps *c = arena_zalloc(a, sizeof *c);
    val *bis, *kws, *feats;
    if (!list_member(doc, "builtins", &bis, err, errlen) ||
        !list_member(doc, "future_keywords", &kws, err, errlen) ||
        !list_member(doc, "features", &feats, err, errlen))
        return NULL;

    uint32_t n = bis ? val_len(bis) : 0;
    c->builtins = arena_zalloc(a, sizeof *c->builtins * (n ? n : 1));
    for (uint32_t i = 0; i < n; i++) {
        val *e = val_array_items(bis)[i];
        val *name = e->kind == VAL_OBJECT ? member(e, "name") : NULL;
        if (!name || name->kind != VAL_STRING) {
            snprintf(err, errlen, "capabilities: builtins[%u] must be an object with a \"name\" string", i);
            return NULL;
        }
        rego_caps_builtin *b = &c->builtins[c->nbuiltins++];
        b->name = val_str(name);
        b->arity = -1;
        val *decl = member(e, "decl");
        if (decl && decl->kind == VAL_OBJECT) {
            val *args = member(decl, "args");
            b->arity = args && args->kind == VAL_ARRAY ? (int)val_len(args) : 0;
            val *result = member(decl, "result");
            b->is_void = !result || result->kind == VAL_NULL;
        }
        val *rel = member(e, "relation"), *dep = member(e, "deprecated");
        b->relation = rel && val_is_true(rel);
        b->deprecated = dep && val_is_true(dep);
    }
    qsort(c->builtins, (size_t)c->nbuiltins, sizeof *c->builtins, cmp_builtin);

    uint32_t nk = kws ? val_len(kws) : 0;
    c->future_keywords = arena_zalloc(a, sizeof *c->future_keywords * (nk ? nk : 1));
    for (uint32_t i = 0; i < nk; i++) {
        val *k = val_array_items(kws)[i];
        if (k->kind != VAL_STRING) {
            snprintf(err, errlen, "capabilities: future_keywords[%u] must be a string", i);
            return NULL;
        }
        c->future_keywords[c->nfuture_keywords++] = val_str(k);
    }

    uint32_t nf = feats ? val_len(feats) : 0;
    for (uint32_t i = 0; i < nf; i++) {
        val *f = val_array_items(feats)[i];
        if (f->kind != VAL_STRING) {
            snprintf(err, errlen, "capabilities: features[%u] must be a string", i);
            return NULL;
        }
        /* features this build does not know are kept out, as OPA ignores them */
        for (size_t k = 0; k < sizeof feature_names / sizeof feature_names[0]; k++)
            if (strcmp(val_str(f), feature_names[k].name) == 0)
                c->features |= feature_names[k].bit;
    }
    return c;
}

static const char *copy_str(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = arena_alloc(a, n);
    memcpy(d, s, n);
    return d;
}

rego_caps *rego_caps_copy(arena *a, const rego_caps *c)
{
    if (!c)
        return NULL;
    rego_caps *d = arena_zalloc(a, sizeof *d);
    *d = *c;
    d->builtins = arena_zalloc(a, sizeof *d->builtins * (size_t)(c->nbuiltins ? c->nbuiltins : 1));
    for (int i = 0; i < c->nbuiltins; i++) {
        d->builtins[i] = c->builtins[i];
        d->builtins[i].name = copy_str(a, c->builtins[i].name);
    }
    d->future_keywords = arena_zalloc(a, sizeof *d->future_keywords * (size_t)(c->nfuture_keywords ? c->nfuture_keywords : 1));
    for (int i = 0; i < c->nfuture_keywords; i++)
        d->future_keywords[i] = copy_str(a, c->future_keywords[i]);
    return d;
}

const rego_caps_builtin *rego_caps_builtin_find(const rego_caps *c, const char *name)
{
    if (!c)
        return NULL;
    rego_caps_builtin key = {.name = name};
    return bsearch(&key, c->builtins, (size_t)c->nbuiltins, sizeof *c->builtins, cmp_builtin);
}

bool rego_caps_allows(const rego_caps *c, const char *name)
{
    return !c || rego_caps_builtin_find(c, name) != NULL;
}

bool rego_caps_has_feature(const rego_caps *c, unsigned feature)
{
    return !c || (c->features & feature) != 0;
}
