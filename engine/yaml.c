/* yaml.c — YAML text -> values, as OPA reads YAML (sigs.k8s.io/yaml, which
 * decodes with go-yaml v2 and re-encodes as JSON).
 *
 * libyaml's event stream is folded into values with an explicit stack of
 * open collections (no recursion).  Plain scalars resolve as go-yaml v2 does:
 *   - "", ~, null, Null, NULL                          -> null
 *   - y Y yes Yes YES on On ON true True TRUE          -> true (n/no/off/false likewise)
 *   - decimal, 0x, 0o, 0b and leading-0 octal integers (underscores ignored),
 *     values past int64 as unsigned                    -> numbers
 *   - YAML-style floats (1.5, .5, 1e3, +1.)            -> numbers
 *   - everything else, and every quoted or block scalar, -> strings
 * Numbers keep exact values: a float written in JSON syntax keeps its text
 * ("3.0", "1e3", 123456789012345678901234567890) where go-yaml would round
 * it through float64.  Floats too large for a float64 stay strings (as in
 * go-yaml), and .inf/.nan, which JSON cannot hold, are kept as strings.
 * Mapping keys become strings (ints in decimal, floats as Go formats a
 * float32, booleans as true/false); null or collection keys are errors.
 * Anchors, aliases and merge keys (<<) are supported; later keys win.
 * Nesting is limited as in the JSON reader.  Only the first document is
 * read. */
#include "yaml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "number.h"
#include "strbuf.h"

typedef struct yframe {
    bool map;
    val_objb ob;
    val_arrb ab;
    char *anchor;           /* anchor of this collection (malloc'd), or NULL */
    val *key;               /* map: pending key, NULL while a key is expected */
    bool merge;             /* map: the pending key is the merge key "<<" */
    int depth;              /* nesting depth of the deepest item so far */
    uint64_t nodes;         /* nodes in the collection so far, aliases expanded */
} yframe;

typedef struct yanchor {
    char *name;
    val *v;
    int depth;              /* nesting depth of v (0 for a scalar) */
    uint64_t nodes;         /* nodes in v, aliases expanded */
} yanchor;

typedef struct yparser {
    arena *a;
    json_error *err;
    yaml_parser_t parser;
    yaml_event_t ev;
    bool have_event;
    yframe *frames;
    size_t nf, cf;
    yanchor *anchors;
    size_t na, ca;
    int oom_code;
    bool failed;
    uint64_t decoded, aliased;  /* nodes as go-yaml decodes them; those reached through aliases */
} yparser;

static void set_error(yparser *y, size_t line0, size_t col0, size_t offset, const char *msg)
{
    y->failed = true;
    if (!y->err)
        return;
    y->err->line = (int)line0 + 1;
    y->err->col = (int)col0 + 1;
    y->err->offset = offset;
    snprintf(y->err->msg, sizeof y->err->msg, "yaml: line %d: %s", (int)line0 + 1, msg);
}

static void error_at_event(yparser *y, const char *msg)
{
    set_error(y, y->ev.start_mark.line, y->ev.start_mark.column, y->ev.start_mark.index, msg);
}

/* ---- scalar resolution ---- */

static bool word_in(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0)
            return true;
    return false;
}

static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL};
static const char *const false_words[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL};

/* Go's strconv.ParseInt/ParseUint(s, 0, 64) on underscore-free text. */
static bool go_parse_int(const char *s, size_t n, bool allow_sign, bool *neg, uint64_t *mag)
{
    size_t i = 0;
    *neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        if (!allow_sign)
            return false;
        *neg = s[i] == '-';
        i++;
    }
    unsigned base = 10;
    if (i + 1 < n && s[i] == '0') {
        char p = (char)(s[i + 1] | 0x20);
        if (p == 'x' || p == 'o' || p == 'b') {
            base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
            i += 2;
        } else {
            base = 8;
            i += 1;
        }
    }
    if (i >= n)
        return false;                       /* "", "+", "0x" */
    uint64_t acc = 0;
    for (; i < n; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (unsigned)((c | 0x20) - 'a' + 10);
        else
            return false;
        if (d >= base || acc > (UINT64_MAX - d) / base)
            return false;
        acc = acc * base + d;
    }
    *mag = acc;
    return true;
}

/* go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s, size_t n)
{
    size_t i = 0, d;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i < n && s[i] == '.') {
        d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    } else {
        d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
        if (i < n && s[i] == '.')
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                ;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

/* A YAML-style float rewritten in JSON number syntax: no '+', no leading
 * zeros, digits on both sides of the point.  out has room for n + 2. */
static size_t float_to_json(const char *s, size_t n, char *out)
{
    size_t i = 0, w = 0;
    if (s[i] == '+' || s[i] == '-') {
        if (s[i] == '-')
            out[w++] = '-';
        i++;
    }
    size_t ip = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t il = i - ip;
    while (il > 1 && s[ip] == '0')
        ip++, il--;
    if (il == 0)
        out[w++] = '0';
    memcpy(out + w, s + ip, il);
    w += il;
    if (i < n && s[i] == '.') {
        i++;
        size_t fp = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i > fp) {
            out[w++] = '.';
            memcpy(out + w, s + fp, i - fp);
            w += i - fp;
        }
    }
    memcpy(out + w, s + i, n - i);     /* exponent, already JSON-shaped */
    return w + (n - i);
}

typedef enum { YS_STRING, YS_NULL, YS_BOOL, YS_INT, YS_FLOAT } yscalar_kind;

typedef struct yscalar {
    yscalar_kind kind;
    val *v;
    double f;               /* YS_FLOAT: the float64 go-yaml would hold */
} yscalar;

static void resolve_number(yparser *y, const char *in, size_t n, yscalar *out)
{
    char stack[64];
    char *plain = n + 3 <= sizeof stack ? stack : malloc(n + 3);
    if (!plain)
        return;
    size_t pn = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i] != '_')
            plain[pn++] = in[i];
    bool neg;
    uint64_t mag;
    if (go_parse_int(plain, pn, true, &neg, &mag) &&
        (neg ? mag <= (uint64_t)INT64_MAX + 1 : mag <= (uint64_t)INT64_MAX)) {
        out->kind = YS_INT;
        out->v = val_int(y->a, neg ? (int64_t)(0 - mag) : (int64_t)mag);
    } else if (go_parse_int(plain, pn, false, &neg, &mag)) {
        char digits[24];
        int dn = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
        out->kind = YS_INT;
        out->v = val_number_text(y->a, digits, (size_t)dn);
    } else if (yaml_style_float(plain, pn)) {
        /* The text itself when it is JSON already, else its JSON spelling. */
        val *v = val_number_text(y->a, plain, pn);
        if (!v) {
            char *json = malloc(pn + 3);
            if (json) {
                v = val_number_text(y->a, json, float_to_json(plain, pn, json));
                free(json);
            }
        }
        double f = v ? num_to_double(v) : HUGE_VAL;
        if (v && isfinite(f)) {         /* past float64: go-yaml keeps a string */
            out->kind = YS_FLOAT;
            out->v = v;
            out->f = f;
        }
    }
    if (plain != stack)
        free(plain);
}

static void resolve_plain(yparser *y, const char *s, size_t n, yscalar *out)
{
    out->kind = YS_STRING;
    out->v = NULL;
    if (n == 0 || word_in(s, n, null_words)) {
        out->kind = YS_NULL;
        out->v = VAL_NULL_V;
        return;
    }
    if (word_in(s, n, true_words) || word_in(s, n, false_words)) {
        out->kind = YS_BOOL;
        out->v = val_bool(word_in(s, n, true_words));
        return;
    }
    char c = s[0];
    if (c == '.') {
        /* ParseFloat on the raw text: .5, .5e3 ('.inf' and '.nan' stay strings) */
        if (yaml_style_float(s, n)) {
            char *json = malloc(n + 3);
            if (json) {
                size_t jn = float_to_json(s, n, json);
                out->v = val_number_text(y->a, json, jn);
                if (out->v) {
                    out->kind = YS_FLOAT;
                    out->f = num_to_double(out->v);
                }
                free(json);
            }
        }
    } else if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        resolve_number(y, s, n, out);
    }
    if (!out->v) {
        out->kind = YS_STRING;
        out->v = val_string(y->a, s, n);
    }
}

static bool tag_is(const char *tag, const char *name)
{
    static const char prefix[] = "tag:yaml.org,2002:";
    return strncmp(tag, prefix, sizeof prefix - 1) == 0 && strcmp(tag + sizeof prefix - 1, name) == 0;
}

static void resolve_scalar(yparser *y, const yaml_event_t *ev, yscalar *out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool resolve;
    if (tag)
        resolve = tag_is(tag, "null") || tag_is(tag, "bool") || tag_is(tag, "int") || tag_is(tag, "float");
    else
        resolve = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (resolve) {
        resolve_plain(y, s, n, out);
        return;
    }
    out->kind = YS_STRING;
    out->v = val_string(y->a, s, n);
}

/* strconv.FormatFloat(f, 'g', -1, 32), which sigs.k8s.io/yaml uses for float
 * keys: the shortest digits that read back as the same float32, in %e form
 * when the exponent is < -4 or >= 6 (Go's rule for shortest 'g'). */
static void format_float32_key(strbuf *sb, double d)
{
    float f = (float)d;
    if (isnan(f)) {
        sb_puts(sb, ".nan");
        return;
    }
    if (isinf(f)) {
        sb_puts(sb, f > 0 ? ".inf" : "-.inf");
        return;
    }
    char buf[48], digits[16];
    int nd = 0, exp10 = 0;
    bool neg = signbit(f) != 0;
    if (f == 0) {
        sb_puts(sb, neg ? "-0" : "0");
        return;
    }
    for (int prec = 0; prec < 9; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec, fabs((double)f));
        if ((float)strtod(buf, NULL) == fabsf(f))
            break;
    }
    /* buf is d[.ddd]e±XX (any locale decimal mark is skipped) */
    char *e = strchr(buf, 'e');
    for (char *p = buf; p < e; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    exp10 = atoi(e + 1);
    if (neg)
        sb_putc(sb, '-');
    if (exp10 < -4 || exp10 >= 6) {
        sb_putc(sb, digits[0]);
        if (nd > 1) {
            sb_putc(sb, '.');
            sb_append(sb, digits + 1, (size_t)nd - 1);
        }
        sb_printf(sb, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        return;
    }
    if (exp10 < 0) {
        sb_puts(sb, "0.");
        for (int i = -1; i > exp10; i--)
            sb_putc(sb, '0');
        sb_append(sb, digits, (size_t)nd);
        return;
    }
    for (int i = 0; i <= exp10; i++)
        sb_putc(sb, i < nd ? digits[i] : '0');
    if (nd > exp10 + 1) {
        sb_putc(sb, '.');
        sb_append(sb, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
    }
}

/* The string a mapping key becomes; NULL (error set) for keys JSON cannot take. */
static val *key_string(yparser *y, const yscalar *k)
{
    switch (k->kind) {
    case YS_STRING:
        return k->v;
    case YS_BOOL:
        return val_cstring(y->a, val_is_true(k->v) ? "true" : "false");
    case YS_INT: {
        strbuf sb = STRBUF_INIT;
        num_write(&sb, k->v);
        val *s = val_string(y->a, sb.data, sb.len);
        sb_free(&sb);
        return s;
    }
    case YS_FLOAT: {
        strbuf sb = STRBUF_INIT;
        format_float32_key(&sb, k->f);
        val *s = val_string(y->a, sb.data, sb.len);
        sb_free(&sb);
        return s;
    }
    case YS_NULL:
        break;
    }
    error_at_event(y, "unsupported map key: null");
    return NULL;
}

/* Keys that arrive through an alias: only strings and numbers make sense. */
static val *key_from_value(yparser *y, val *v)
{
    if (v->kind == VAL_STRING)
        return v;
    if (v->kind == VAL_NUMBER || v->kind == VAL_BOOL) {
        strbuf sb = STRBUF_INIT;
        json_write(&sb, v, 0);
        val *s = val_string(y->a, sb.data, sb.len);
        sb_free(&sb);
        return s;
    }
    error_at_event(y, "unsupported map key");
    return NULL;
}

/* ---- the event loop ---- */

static bool add_anchor(yparser *y, char *name, val *v, int depth, uint64_t nodes)
{
    if (y->na == y->ca) {
        size_t cap = y->ca ? 2 * y->ca : 8;
        yanchor *n = realloc(y->anchors, cap * sizeof *n);
        if (!n) {
            free(name);
            return false;
        }
        y->anchors = n;
        y->ca = cap;
    }
    y->anchors[y->na].name = name;
    y->anchors[y->na].v = v;
    y->anchors[y->na].depth = depth;
    y->anchors[y->na].nodes = nodes;
    y->na++;
    return true;
}

static const yanchor *find_anchor(yparser *y, const char *name)
{
    for (size_t i = y->na; i-- > 0;)     /* the latest definition wins */
        if (strcmp(y->anchors[i].name, name) == 0)
            return &y->anchors[i];
    return NULL;
}

static char *dup_anchor(const yaml_char_t *anchor)
{
    return anchor ? strdup((const char *)anchor) : NULL;
}

/* Merge a mapping (or a list of mappings, earlier ones winning) into b. */
static bool merge_into(yparser *y, val_objb *b, val *v)
{
    if (v->kind == VAL_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++)
            val_objb_set(b, val_object_keys(v)[i], val_object_values(v)[i]);
        return true;
    }
    if (v->kind == VAL_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++)
            if (val_array_items(v)[i]->kind != VAL_OBJECT)
                goto bad;
        for (uint32_t i = v->len; i-- > 0;)
            merge_into(y, b, val_array_items(v)[i]);
        return true;
    }
bad:
    error_at_event(y, "map merge requires map or sequence of maps as the value");
    return false;
}

/* go-yaml's defence against alias bombs ("billion laughs"): values are
 * shared here, but whatever prints, copies or walks the document expands
 * every alias, so a few hundred bytes could stand for gigabytes.  The
 * share of nodes reached through aliases may be 99% of a small document,
 * falling to 10% over 400,000..4,000,000 nodes. */
static double allowed_alias_ratio(uint64_t decoded)
{
    if (decoded <= 400000)
        return 0.99;
    if (decoded >= 4000000)
        return 0.10;
    return 0.99 - 0.89 * ((double)(decoded - 400000) / (double)(4000000 - 400000));
}

static bool count_nodes(yparser *y, uint64_t decoded, uint64_t aliased)
{
    y->decoded += decoded;
    y->aliased += aliased;
    if (y->aliased > 100 && y->decoded > 1000 &&
        (double)y->aliased / (double)y->decoded > allowed_alias_ratio(y->decoded)) {
        y->failed = true;
        if (y->err) {
            /* located at the event, worded as go-yaml words it (without a line) */
            set_error(y, y->ev.start_mark.line, y->ev.start_mark.column, y->ev.start_mark.index, "");
            snprintf(y->err->msg, sizeof y->err->msg, "yaml: document contains excessive aliasing");
        }
        return false;
    }
    return true;
}

/* A finished value of nesting depth `depth` and `nodes` nodes: becomes the
 * root, an item, a key or a value.  sc is the scalar's resolution when v
 * came from a scalar event (for keys). */
static bool deliver(yparser *y, val *v, int depth, uint64_t nodes, const yscalar *sc, bool merge_key, val **root)
{
    if (y->nf + (size_t)depth > JSON_DEFAULT_MAX_DEPTH) {
        /* an alias can nest a deep collection in another one */
        char msg[64];
        snprintf(msg, sizeof msg, "exceeded max depth of %d", JSON_DEFAULT_MAX_DEPTH);
        error_at_event(y, msg);
        return false;
    }
    if (y->nf == 0) {
        *root = v;
        return true;
    }
    yframe *f = &y->frames[y->nf - 1];
    if (depth > f->depth)
        f->depth = depth;
    f->nodes += nodes;
    if (!f->map) {
        val_arrb_push(&f->ab, v);
        return true;
    }
    if (!f->key) {
        f->merge = merge_key;
        f->key = merge_key ? v : sc ? key_string(y, sc) : key_from_value(y, v);
        return f->key != NULL;
    }
    bool ok = true;
    if (f->merge)
        ok = merge_into(y, &f->ob, v);
    else
        val_objb_set(&f->ob, f->key, v);
    f->key = NULL;
    f->merge = false;
    return ok;
}

static bool push_frame(yparser *y, bool map, const yaml_char_t *anchor)
{
    /* The JSON reader's nesting limit: deeper values would overflow the
     * stack of the recursive code that copies, compares and prints them,
     * and could not be read back as JSON. */
    if (y->nf >= JSON_DEFAULT_MAX_DEPTH) {
        char msg[64];
        snprintf(msg, sizeof msg, "exceeded max depth of %d", JSON_DEFAULT_MAX_DEPTH);
        error_at_event(y, msg);
        return false;
    }
    if (y->nf == y->cf) {
        size_t cap = y->cf ? 2 * y->cf : 16;
        yframe *n = realloc(y->frames, cap * sizeof *n);
        if (!n)
            return false;
        y->frames = n;
        y->cf = cap;
    }
    yframe *f = &y->frames[y->nf];
    memset(f, 0, sizeof *f);
    f->map = map;
    f->nodes = 1;
    if (map)
        val_objb_init(&f->ob, y->a);
    else
        val_arrb_init(&f->ab, y->a);
    if (anchor && !(f->anchor = dup_anchor(anchor)))
        return false;
    y->nf++;
    return true;
}

static val *run(yparser *y)
{
    val *root = NULL;
    bool in_doc = false;
    for (;;) {
        if (!yaml_parser_parse(&y->parser, &y->ev)) {
            const yaml_mark_t *m = &y->parser.problem_mark;
            char msg[160];
            if (y->parser.context)
                snprintf(msg, sizeof msg, "%s %s", y->parser.problem ? y->parser.problem : "error",
                         y->parser.context);
            else
                snprintf(msg, sizeof msg, "%s", y->parser.problem ? y->parser.problem : "error");
            set_error(y, m->line, m->column, m->index, msg);
            return NULL;
        }
        y->have_event = true;
        bool ok = true, done = false;
        switch (y->ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            in_doc = true;
            break;
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_ALIAS_EVENT: {
            const yanchor *an = find_anchor(y, (const char *)y->ev.data.alias.anchor);
            if (!an) {
                char msg[160];
                snprintf(msg, sizeof msg, "unknown anchor '%s' referenced", (const char *)y->ev.data.alias.anchor);
                error_at_event(y, msg);
                ok = false;
            } else {
                ok = count_nodes(y, 1 + an->nodes, an->nodes) &&
                     deliver(y, an->v, an->depth, an->nodes, NULL, false, &root);
            }
            break;
        }
        case YAML_SCALAR_EVENT: {
            yscalar sc;
            resolve_scalar(y, &y->ev, &sc);
            bool merge = y->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !y->ev.data.scalar.tag &&
                         y->ev.data.scalar.length == 2 && memcmp(y->ev.data.scalar.value, "<<", 2) == 0 &&
                         y->nf > 0 && y->frames[y->nf - 1].map && !y->frames[y->nf - 1].key;
            if (y->ev.data.scalar.anchor) {
                char *name = dup_anchor(y->ev.data.scalar.anchor);
                ok = name && add_anchor(y, name, sc.v, 0, 1);
            }
            ok = ok && count_nodes(y, 1, 0) && deliver(y, sc.v, 0, 1, &sc, merge, &root);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
            ok = count_nodes(y, 1, 0) && push_frame(y, false, y->ev.data.sequence_start.anchor);
            break;
        case YAML_MAPPING_START_EVENT:
            ok = count_nodes(y, 1, 0) && push_frame(y, true, y->ev.data.mapping_start.anchor);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            yframe *f = &y->frames[y->nf - 1];
            val *v = f->map ? val_objb_finish(&f->ob) : val_arrb_finish(&f->ab);
            char *anchor = f->anchor;
            int depth = f->depth + 1;
            uint64_t nodes = f->nodes;
            f->anchor = NULL;
            y->nf--;
            if (anchor)
                ok = add_anchor(y, anchor, v, depth, nodes);
            ok = ok && deliver(y, v, depth, nodes, NULL, false, &root);
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&y->ev);
        y->have_event = false;
        if (!ok) {
            if (!y->failed)
                set_error(y, 0, 0, 0, "out of memory");
            return NULL;
        }
        if (done)
            return in_doc && root ? root : VAL_NULL_V;
    }
}

static val *run_guarded(yparser *y)
{
    jmp_buf jb;
    jmp_buf *saved = y->a->oom;
    y->a->oom = &jb;
    if (setjmp(jb)) {
        y->a->oom = saved;
        y->oom_code = y->a->oom_code;
        return NULL;
    }
    val *v = run(y);
    y->a->oom = saved;
    return v;
}

val *yaml_parse(arena *a, const char *text, size_t len, json_error *err)
{
    yparser y;
    memset(&y, 0, sizeof y);
    y.a = a;
    y.err = err;
    if (!yaml_parser_initialize(&y.parser)) {
        if (err)
            set_error(&y, 0, 0, 0, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);

    val *v = run_guarded(&y);

    if (y.have_event)
        yaml_event_delete(&y.ev);
    yaml_parser_delete(&y.parser);
    for (size_t i = 0; i < y.nf; i++)
        free(y.frames[i].anchor);
    free(y.frames);
    for (size_t i = 0; i < y.na; i++)
        free(y.anchors[i].name);
    free(y.anchors);
    if (y.oom_code) {
        if (a->oom)
            longjmp(*a->oom, y.oom_code);
        set_error(&y, 0, 0, 0, y.oom_code == ARENA_LIMIT ? "memory limit exceeded" : "out of memory");
        return NULL;
    }
    return v;
}
