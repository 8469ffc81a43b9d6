/* typecheck.c — compile-time checks of builtin calls against OPA's
 * declarations (engine/builtins/decls.c).
 *
 * Verdict does not infer the types of variables and references; it checks
 * what is known without inference: a constant argument must conform to the
 * declared type, and a literal collection, a comprehension or a call must at
 * least be of an accepted kind.  Everything unknown is accepted, so a call
 * OPA accepts is never rejected here. */
#include <string.h>

#include "../engine/builtins.h"
#include "../engine/json.h"
#include "typecheck.h"

static bool type_is(const val *t, const char *name)
{
    val *n = val_object_get_str(t, "type", 4);
    return n && n->kind == VAL_STRING && strcmp(val_str(n), name) == 0;
}

static val *field(const val *t, const char *name) { return val_object_get_str(t, name, strlen(name)); }

/* Does a value of kind k fit type t at all? */
static bool kind_fits(const val *t, val_kind k)
{
    if (!t || t->kind != VAL_OBJECT)
        return true;
    if (type_is(t, "any")) {
        val *of = field(t, "of");
        if (!of || of->kind != VAL_ARRAY || val_len(of) == 0)
            return true;
        for (uint32_t i = 0; i < val_len(of); i++)
            if (kind_fits(val_array_items(of)[i], k))
                return true;
        return false;
    }
    static const char *const names[] = {"null", "boolean", "number", "string", "array", "object", "set"};
    return type_is(t, names[k]);
}

static bool conforms(const val *v, const val *t);

static bool conforms_any_of(const val *v, const val *of)
{
    for (uint32_t i = 0; i < val_len(of); i++)
        if (conforms(v, val_array_items(of)[i]))
            return true;
    return false;
}

/* Does the value v conform to type t? */
static bool conforms(const val *v, const val *t)
{
    if (!t || t->kind != VAL_OBJECT)
        return true;
    if (type_is(t, "any")) {
        val *of = field(t, "of");
        return !of || of->kind != VAL_ARRAY || val_len(of) == 0 || conforms_any_of(v, of);
    }
    if (!kind_fits(t, (val_kind)v->kind))
        return false;
    switch (v->kind) {
    case VAL_ARRAY: {
        val *stat = field(t, "static"), *dyn = field(t, "dynamic");
        uint32_t ns = stat && stat->kind == VAL_ARRAY ? val_len(stat) : 0;
        for (uint32_t i = 0; i < val_len(v); i++) {
            const val *et = i < ns ? val_array_items(stat)[i] : dyn;
            if (!et && i >= ns)
                return false; /* more elements than a static array allows */
            if (!conforms(val_array_items(v)[i], et))
                return false;
        }
        return val_len(v) >= ns || dyn;
    }
    case VAL_SET: {
        val *of = field(t, "of");
        for (uint32_t i = 0; of && i < val_len(v); i++)
            if (!conforms(val_set_items(v)[i], of))
                return false;
        return true;
    }
    case VAL_OBJECT: {
        val *stat = field(t, "static"), *dyn = field(t, "dynamic");
        for (uint32_t i = 0; i < val_len(v); i++) {
            val *k = val_object_keys(v)[i];
            const val *vt = NULL;
            bool found = false;
            for (uint32_t s = 0; stat && stat->kind == VAL_ARRAY && s < val_len(stat); s++) {
                val *entry = val_array_items(stat)[s];
                val *sk = field(entry, "key");
                if (sk && val_equal(sk, k)) {
                    vt = field(entry, "value");
                    found = true;
                    break;
                }
            }
            if (!found) {
                if (!dyn)
                    return false;
                if (!conforms(k, field(dyn, "key")))
                    return false;
                vt = field(dyn, "value");
            }
            if (!conforms(val_object_values(v)[i], vt))
                return false;
        }
        return true;
    }
    default:
        return true;
    }
}

/* The kind of a term when it is known without inference (-1 otherwise). */
static int term_kind(const ast_term *t)
{
    switch (t->kind) {
    case AST_SCALAR:
        return t->value->kind;
    case AST_ARRAY:
    case AST_ARRAY_COMPR:
        return VAL_ARRAY;
    case AST_SET:
    case AST_SET_COMPR:
        return VAL_SET;
    case AST_OBJECT:
    case AST_OBJECT_COMPR:
        return VAL_OBJECT;
    case AST_TEMPLATE:
        return VAL_STRING;
    default:
        return -1;
    }
}

int typecheck_builtin_args(arena *a, const builtin_def *bi, ast_term *const *args, int nargs)
{
    const char *json = builtin_decl_json(bi->name);
    if (!json)
        return -1;
    json_error je;
    val *entry = json_parse(a, json, strlen(json), 0, &je);
    val *decl = entry ? field(entry, "decl") : NULL;
    val *params = decl ? field(decl, "args") : NULL;
    if (!params || params->kind != VAL_ARRAY)
        return -1;
    for (int i = 0; i < nargs && (uint32_t)i < val_len(params); i++) {
        const val *pt = val_array_items(params)[i];
        int k = term_kind(args[i]);
        if (k < 0)
            continue;
        if (!kind_fits(pt, (val_kind)k))
            return i;
        val *ground = ast_term_to_value(a, args[i]);
        if (ground && !conforms(ground, pt))
            return i;
    }
    return -1;
}
