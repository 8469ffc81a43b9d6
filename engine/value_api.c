/* value_api.c — the public value API (verdict.h "values"): documents that
 * own values, constructors, readers.
 *
 * A verdict_value is the engine's own immutable `val`, so an input built
 * here reaches the VM without conversion, and a doc is an arena.  Every
 * constructor catches the arena's out-of-memory jump and returns NULL, so a
 * caller never sees a longjmp. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../include/verdict.h"
#include "engine.h"
#include "json.h"
#include "number.h"
#include "strbuf.h"
#include "value.h"

struct verdict_doc {
    arena a;
};

#define AS_VAL(v) ((val *)(v))
#define AS_PUB(v) ((const verdict_value *)(v))

verdict_doc *verdict_doc_new(void)
{
    verdict_doc *d = malloc(sizeof *d);
    if (d)
        arena_init(&d->a, 4096);
    return d;
}

void verdict_doc_free(verdict_doc *d)
{
    if (!d)
        return;
    arena_release(&d->a);
    free(d);
}

/* Runs make(arena, args) with an out-of-memory handler on the doc's arena:
 * the value, or NULL when the arena ran out. */
typedef struct build_args {
    const void *p, *q;          /* bytes, or items / keys and values */
    size_t n;
    int64_t i;
    double x;
} build_args;

static const verdict_value *build(verdict_doc *d, val *(*make)(arena *, const build_args *), const build_args *args)
{
    jmp_buf here;
    jmp_buf *outer = d->a.oom;
    if (setjmp(here)) {
        d->a.oom = outer;
        return NULL;
    }
    d->a.oom = &here;
    val *r = make(&d->a, args);
    d->a.oom = outer;
    return AS_PUB(r);
}

static val *make_int(arena *a, const build_args *g) { return val_int(a, g->i); }
static val *make_double(arena *a, const build_args *g) { return num_from_double(a, g->x); }
static val *make_number(arena *a, const build_args *g) { return val_number_text(a, g->p, g->n); }
static val *make_string(arena *a, const build_args *g) { return val_string(a, g->p, g->n); }
static val *make_array(arena *a, const build_args *g) { return val_array(a, g->p, g->n); }
static val *make_object(arena *a, const build_args *g) { return val_object(a, g->p, g->q, g->n); }
/* val_set sorts now: a finished value is never changed, even lazily, so
 * threads may share it */
static val *make_set(arena *a, const build_args *g) { return val_set(a, g->p, g->n); }

const verdict_value *verdict_null(void)
{
    return AS_PUB(VAL_NULL_V);
}

const verdict_value *verdict_bool(int b)
{
    return AS_PUB(val_bool(b != 0));
}

const verdict_value *verdict_int(verdict_doc *d, int64_t i)
{
    return d ? build(d, make_int, &(build_args){.i = i}) : NULL;
}

const verdict_value *verdict_double(verdict_doc *d, double x)
{
    if (!d || !isfinite(x))
        return NULL; /* JSON has no NaN or infinities */
    return build(d, make_double, &(build_args){.x = x});
}

const verdict_value *verdict_number(verdict_doc *d, const char *text, size_t len)
{
    return d && text ? build(d, make_number, &(build_args){.p = text, .n = len}) : NULL;
}

const verdict_value *verdict_string(verdict_doc *d, const char *s, size_t len)
{
    if (!d || (!s && len))
        return NULL;
    if (!s)
        s = "";
    if (!json_utf8_valid(s, len))
        return NULL; /* policies see strings as UTF-8 text, as JSON gives them */
    return build(d, make_string, &(build_args){.p = s, .n = len});
}

static bool all_present(const verdict_value *const *v, size_t n)
{
    if (n && !v)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!v[i])
            return false;
    return true;
}

const verdict_value *verdict_array(verdict_doc *d, const verdict_value *const *items, size_t n)
{
    if (!d || !all_present(items, n) || n > UINT32_MAX)
        return NULL;
    return build(d, make_array, &(build_args){.p = items, .n = n});
}

const verdict_value *verdict_object(verdict_doc *d, const verdict_value *const *keys,
                                    const verdict_value *const *values, size_t n)
{
    if (!d || !all_present(keys, n) || !all_present(values, n) || n > UINT32_MAX)
        return NULL;
    return build(d, make_object, &(build_args){.p = keys, .q = values, .n = n});
}

const verdict_value *verdict_set(verdict_doc *d, const verdict_value *const *items, size_t n)
{
    if (!d || !all_present(items, n) || n > UINT32_MAX)
        return NULL;
    return build(d, make_set, &(build_args){.p = items, .n = n});
}

const verdict_value *verdict_parse_json(verdict_doc *d, const char *json, size_t len, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!d || !json)
        return NULL;
    json_error je;
    val *v = json_parse(&d->a, json, len, 0, &je);
    if (!v && errs) {
        *errs = errs_new();
        if (*errs)
            errs_add(*errs, "invalid_input", je.msg, "", je.line, je.col);
    }
    return AS_PUB(v);
}

verdict_kind verdict_value_kind(const verdict_value *v)
{
    return v ? (verdict_kind)val_kind_of(AS_VAL(v)) : VERDICT_NULL;
}

int verdict_value_bool(const verdict_value *v)
{
    return v && val_is_true(AS_VAL(v));
}

int verdict_value_int64(const verdict_value *v, int64_t *out)
{
    if (!v || !val_is_int(AS_VAL(v)))
        return 0; /* a number kept as text ("1.0", big integers) is not an int64 */
    if (out)
        *out = val_int_value(AS_VAL(v));
    return 1;
}

double verdict_value_double(const verdict_value *v)
{
    if (!v || val_kind_of(AS_VAL(v)) != VAL_NUMBER)
        return NAN;
    return num_to_double(AS_VAL(v));
}

const char *verdict_value_string(const verdict_value *v, size_t *len)
{
    if (!v || val_kind_of(AS_VAL(v)) != VAL_STRING)
        return NULL;
    if (len)
        *len = val_len(AS_VAL(v));
    return val_str(AS_VAL(v));
}

size_t verdict_value_len(const verdict_value *v)
{
    if (!v)
        return 0;
    switch (val_kind_of(AS_VAL(v))) {
    case VAL_STRING:
    case VAL_ARRAY:
    case VAL_OBJECT:
    case VAL_SET:
        return val_len(AS_VAL(v));
    default:
        return 0;
    }
}

const verdict_value *verdict_value_at(const verdict_value *v, size_t i)
{
    if (!v || i >= val_len(AS_VAL(v)))
        return NULL;
    if (val_kind_of(AS_VAL(v)) == VAL_ARRAY)
        return AS_PUB(val_array_items(AS_VAL(v))[i]);
    if (val_kind_of(AS_VAL(v)) == VAL_SET)
        return AS_PUB(val_set_items(AS_VAL(v))[i]);
    return NULL;
}

const verdict_value *verdict_value_key_at(const verdict_value *v, size_t i)
{
    if (!v || val_kind_of(AS_VAL(v)) != VAL_OBJECT || i >= val_len(AS_VAL(v)))
        return NULL;
    return AS_PUB(val_object_keys(AS_VAL(v))[i]);
}

const verdict_value *verdict_value_value_at(const verdict_value *v, size_t i)
{
    if (!v || val_kind_of(AS_VAL(v)) != VAL_OBJECT || i >= val_len(AS_VAL(v)))
        return NULL;
    return AS_PUB(val_object_values(AS_VAL(v))[i]);
}

const verdict_value *verdict_value_get(const verdict_value *obj, const char *key)
{
    if (!obj || !key || val_kind_of(AS_VAL(obj)) != VAL_OBJECT)
        return NULL;
    return AS_PUB(val_object_get_str(AS_VAL(obj), key, strlen(key)));
}

int verdict_value_equal(const verdict_value *a, const verdict_value *b)
{
    if (!a || !b)
        return a == b;
    return val_equal(AS_VAL(a), AS_VAL(b));
}

char *verdict_value_json(const verdict_value *v, int pretty)
{
    if (!v)
        return NULL;
    strbuf sb = STRBUF_INIT;
    json_write(&sb, AS_VAL(v), pretty ? JSON_PRETTY : 0);
    return sb_detach(&sb);
}

/* For api.c: the arena of a doc, where decisions are returned. */
arena *verdict_doc_arena(verdict_doc *d)
{
    return &d->a;
}
