/* annotations.c — METADATA comment blocks: reading, attaching, and the
 * values of rego.metadata.rule() and rego.metadata.chain(); see
 * annotations.h.
 *
 * OPA reads a block with gopkg.in/yaml.v3 into a struct (its rawAnnotation)
 * and then checks and converts the fields.  The same steps here:
 *
 *   1. libyaml's events become a small node tree (ynode), and a syntax error
 *      is worded as yaml.v3 words it ("yaml: line 3: mapping values are not
 *      allowed in this context", with yaml.v3's line arithmetic).
 *   2. The tree is decoded as yaml.v3 decodes into rawAnnotation: string
 *      fields take any scalar's text, entrypoint accepts YAML 1.1 booleans,
 *      everything else decodes into Go values (gval) with YAML 1.2 scalar
 *      resolution; mismatches collect as "line N: cannot unmarshal !!map
 *      into string" and duplicate keys as "line N: mapping key "k" already
 *      defined at line M", reported together as "yaml: unmarshal errors:".
 *   3. OPA's checks (authors, related resources, schemas) turn the fields
 *      into the object that toObject() builds, with OPA's error texts; Go's
 *      %s formatting of the offending value is reproduced for them.
 *
 * A yaml error is reported at the comment yaml.v3's line number points to
 * (OPA indexes its comment list with the 1-based line number, so it names
 * the line after the culprit), with OPA's hint about ':' not followed by a
 * space; other errors at the METADATA comment.
 *
 * Values are allocated in the module's arena.  libyaml's parser holds
 * malloc'd memory while it runs, so that part runs under its own
 * out-of-memory handler that frees the parser before passing the jump on. */
#include "annotations.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "../engine/builtins/strings_util.h"   /* Go's quoting and float formatting */
#include "../engine/json.h"
#include "../engine/strbuf.h"

/* Go's url.Parse(s) then URL.String() (engine/builtins/uri.c). */
bool uri_go_reformat(arena *a, const char *s, size_t n, const char **out, size_t *outn);

/* Limits: nesting depth (also through aliases; decoding recurses, and
 * parsers run on small thread stacks too), and decoded nodes per block (an
 * alias-heavy document must not expand without bound).  yaml.v3 has limits
 * of the same kind, with a larger depth. */
#define YAML_MAX_DEPTH 1000
#define YAML_MAX_DECODED 200000

/* ------------------------------------------------------------------ */
/* 1. YAML text to a node tree                                         */

typedef enum ykind { Y_SCALAR, Y_SEQ, Y_MAP } ykind;

typedef struct ynode ynode;
struct ynode {
    ykind kind;
    int line;               /* 1-based, as yaml.v3's Node.Line */
    bool plain;             /* scalar written without quotes or block style */
    const char *tag;        /* explicit tag in short form ("!!str"), or NULL */
    const char *s;          /* scalar text */
    size_t n;
    ynode **kids;           /* sequence items; mapping keys and values in turn */
    int nkids, capkids;
};

typedef struct yanchor {
    const char *name;
    ynode *node;
} yanchor;

typedef struct yload {
    arena *a;
    yaml_parser_t parser;
    yaml_event_t event;
    bool have_event;
    ynode **stack;          /* open collections */
    int depth, capstack;
    yanchor *anchors;
    int nanchors, capanchors;
    ynode *root;
    strbuf *err;
} yload;

static void *grow_array(arena *a, void *old, int n, int *cap, size_t elem)
{
    int nc = *cap ? *cap * 2 : 8;
    void *p = arena_alloc(a, (size_t)nc * elem);
    if (n)
        memcpy(p, old, (size_t)n * elem);
    *cap = nc;
    return p;
}

static const char *short_tag(arena *a, const yaml_char_t *tag)
{
    if (!tag)
        return NULL;
    const char *t = (const char *)tag;
    if (strcmp(t, "!") == 0)
        return NULL;
    static const char prefix[] = "tag:yaml.org,2002:";
    if (strncmp(t, prefix, sizeof prefix - 1) == 0) {
        size_t n = strlen(t + sizeof prefix - 1);
        char *s = arena_alloc(a, n + 3);
        memcpy(s, "!!", 2);
        memcpy(s + 2, t + sizeof prefix - 1, n + 1);
        return s;
    }
    return arena_strndup(a, t, strlen(t));
}

static void add_kid(yload *y, ynode *parent, ynode *kid)
{
    if (parent->nkids == parent->capkids)
        parent->kids = grow_array(y->a, parent->kids, parent->nkids, &parent->capkids, sizeof *parent->kids);
    parent->kids[parent->nkids++] = kid;
}

/* A finished node goes into the open collection, or becomes the root. */
static void place(yload *y, ynode *node)
{
    if (y->depth > 0)
        add_kid(y, y->stack[y->depth - 1], node);
    else if (!y->root)
        y->root = node;
}

static void add_anchor(yload *y, const yaml_char_t *name, ynode *node)
{
    if (!name)
        return;
    if (y->nanchors == y->capanchors)
        y->anchors = grow_array(y->a, y->anchors, y->nanchors, &y->capanchors, sizeof *y->anchors);
    y->anchors[y->nanchors++] = (yanchor){arena_strndup(y->a, (const char *)name, strlen((const char *)name)), node};
}

static ynode *find_anchor(yload *y, const char *name)
{
    for (int i = y->nanchors - 1; i >= 0; i--)   /* a redefined anchor: the latest wins */
        if (strcmp(y->anchors[i].name, name) == 0)
            return y->anchors[i].node;
    return NULL;
}

/* yaml.v3's parser failure text. */
static void syntax_error(yload *y)
{
    const yaml_parser_t *p = &y->parser;
    size_t line = 0;
    if (p->context_mark.line != 0)
        line = p->context_mark.line + (p->error == YAML_SCANNER_ERROR);
    else if (p->problem_mark.line != 0)
        line = p->problem_mark.line + (p->error == YAML_SCANNER_ERROR);
    sb_puts(y->err, "yaml: ");
    if (line)
        sb_printf(y->err, "line %zu: ", line);
    sb_puts(y->err, p->problem ? p->problem : "unknown problem parsing YAML content");
}

/* Reads the first document; false with y->err set on a syntax error. */
static bool yload_run(yload *y)
{
    for (;;) {
        if (!yaml_parser_parse(&y->parser, &y->event)) {
            syntax_error(y);
            return false;
        }
        y->have_event = true;
        yaml_event_t *ev = &y->event;
        int line = (int)ev->start_mark.line + 1;
        bool done = false;
        switch (ev->type) {
        case YAML_SCALAR_EVENT: {
            ynode *n = arena_zalloc(y->a, sizeof *n);
            n->kind = Y_SCALAR;
            n->line = line;
            n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            n->tag = short_tag(y->a, ev->data.scalar.tag);
            n->n = ev->data.scalar.length;
            n->s = arena_strndup(y->a, (const char *)ev->data.scalar.value, n->n);
            add_anchor(y, ev->data.scalar.anchor, n);
            place(y, n);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            if (y->depth >= YAML_MAX_DEPTH) {
                sb_printf(y->err, "yaml: exceeded max depth of %d", YAML_MAX_DEPTH);
                return false;
            }
            ynode *n = arena_zalloc(y->a, sizeof *n);
            bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
            n->kind = seq ? Y_SEQ : Y_MAP;
            n->line = line;
            n->tag = short_tag(y->a, seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag);
            /* the anchor is usable once the collection is complete, so that
             * an alias cannot make the tree contain itself */
            n->s = seq ? (ev->data.sequence_start.anchor
                              ? arena_strndup(y->a, (const char *)ev->data.sequence_start.anchor,
                                              strlen((const char *)ev->data.sequence_start.anchor))
                              : NULL)
                       : (ev->data.mapping_start.anchor
                              ? arena_strndup(y->a, (const char *)ev->data.mapping_start.anchor,
                                              strlen((const char *)ev->data.mapping_start.anchor))
                              : NULL);
            if (y->depth == y->capstack)
                y->stack = grow_array(y->a, y->stack, y->depth, &y->capstack, sizeof *y->stack);
            y->stack[y->depth++] = n;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            ynode *n = y->stack[--y->depth];
            if (n->s) {
                add_anchor(y, (const yaml_char_t *)n->s, n);
                n->s = NULL;
            }
            place(y, n);
            break;
        }
        case YAML_ALIAS_EVENT: {
            ynode *target = find_anchor(y, (const char *)ev->data.alias.anchor);
            if (!target) {
                sb_printf(y->err, "yaml: unknown anchor '%s' referenced", (const char *)ev->data.alias.anchor);
                return false;
            }
            place(y, target);
            break;
        }
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&y->event);
        y->have_event = false;
        if (done)
            return true;
    }
}

/* Parses text into *root (NULL for an empty document).  libyaml's memory
 * is released on every path, including an arena jump. */
static bool yaml_load(arena *a, const char *text, size_t n, ynode **root, strbuf *err)
{
    yload *y = arena_zalloc(a, sizeof *y);
    y->a = a;
    y->err = err;
    if (!yaml_parser_initialize(&y->parser)) {
        sb_puts(err, "yaml: out of memory");
        return false;
    }
    yaml_parser_set_input_string(&y->parser, (const unsigned char *)text, n);
    jmp_buf here;
    jmp_buf *volatile outer = a->oom;
    if (outer) {
        if (setjmp(here)) {
            a->oom = outer;
            if (y->have_event)
                yaml_event_delete(&y->event);
            yaml_parser_delete(&y->parser);
            longjmp(*outer, a->oom_code ? a->oom_code : ARENA_OOM);
        }
        a->oom = &here;
    }
    bool ok = yload_run(y);
    a->oom = outer;
    if (y->have_event)
        yaml_event_delete(&y->event);
    yaml_parser_delete(&y->parser);
    *root = ok ? y->root : NULL;
    return ok;
}

/* ------------------------------------------------------------------ */
/* 2. yaml.v3 decoding                                                 */

/* A Go value as yaml.v3 produces it for an interface{} target. */
typedef enum gkind { G_NIL, G_BOOL, G_INT, G_UINT, G_FLOAT, G_STR, G_SEQ, G_MAP } gkind;

typedef struct gval gval;
struct gval {
    gkind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double f;
    const char *s;          /* G_STR */
    size_t n;
    gval **items;           /* G_SEQ: items; G_MAP: keys and values in turn */
    int len;                /* G_SEQ: items; G_MAP: 2 * pairs */
    bool any_keys;          /* G_MAP: map[interface{}]interface{} (a key is not a string) */
};

typedef struct decoder {
    arena *a;
    const char **terrs;     /* "line N: ..." per type error, in the arena */
    int nterrs, capterrs;
    long budget;            /* nodes left to decode */
    bool over_budget;
    int depth;              /* nesting of the node being decoded */
    bool too_deep;
} decoder;

/* Type errors are kept in the arena: decoding goes on after one, and an
 * arena jump then must not leave malloc'd text behind. */
static void terror_text(decoder *d, strbuf *line)
{
    val *text = txt_string_from_sb(d->a, line);     /* frees line, also on a jump */
    if (d->nterrs == d->capterrs)
        d->terrs = grow_array(d->a, d->terrs, d->nterrs, &d->capterrs, sizeof *d->terrs);
    d->terrs[d->nterrs++] = val_str(text);
}

static void terrorf(decoder *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void terrorf(decoder *d, const char *fmt, ...)
{
    strbuf line = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&line, fmt, ap);
    va_end(ap);
    terror_text(d, &line);
}

static bool word_in(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0)
            return true;
    return false;
}

/* strconv.ParseInt / ParseUint with base 0 (0x, 0o, 0b and leading-0
 * octal), the text already without underscores. */
static bool go_parse_uint(const char *s, size_t n, uint64_t *out)
{
    unsigned base = 10;
    size_t i = 0;
    if (n >= 2 && s[0] == '0') {
        char c = (char)(s[1] | 0x20);
        if (c == 'x' || c == 'o' || c == 'b') {
            base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
            i = 2;
        } else {
            base = 8;
            i = 1;
        }
    }
    if (i >= n && !(base == 8 && i == 1))
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (unsigned)((c | 0x20) - 'a' + 10);
        else
            return false;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return n > 0;
}

static bool go_parse_int(const char *s, size_t n, int64_t *out)
{
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    uint64_t mag;
    if (!go_parse_uint(s, n, &mag))
        return false;
    if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d0) {
        if (i >= n || s[i] != '.')
            return false;
        i++;
        size_t f0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f0)
            return false;
    } else if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e0)
            return false;
    }
    return i == n;
}

static bool parse_double(arena *a, const char *s, size_t n, double *out)
{
    char *t = arena_strndup(a, s, n);
    char *end;
    *out = strtod(t, &end);
    return n > 0 && *end == '\0';
}

/* yaml.v3's resolve() for a plain scalar (or a tagged one), into *g. */
static void resolve_scalar(decoder *d, const ynode *n, gval *g)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    static const char *const infs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF", NULL};
    static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
    memset(g, 0, sizeof *g);
    g->kind = G_STR;
    g->s = n->s;
    g->n = n->n;
    bool is_str_tag = n->tag && (strcmp(n->tag, "!!str") == 0 || strcmp(n->tag, "!!binary") == 0);
    if ((!n->plain && !n->tag) || is_str_tag)
        return;
    const char *s = n->s;
    size_t len = n->n;
    if (word_in(s, len, nulls)) {
        g->kind = G_NIL;
    } else if (word_in(s, len, trues) || word_in(s, len, falses)) {
        g->kind = G_BOOL;
        g->b = s[0] == 't' || s[0] == 'T';
    } else if (word_in(s, len, infs) || word_in(s, len, ninfs) || word_in(s, len, nans)) {
        g->kind = G_FLOAT;
        g->f = word_in(s, len, nans) ? NAN : word_in(s, len, ninfs) ? -INFINITY : INFINITY;
    } else if (s[0] == '.') {
        double f;
        if (parse_double(d->a, s, len, &f)) {
            g->kind = G_FLOAT;
            g->f = f;
        }
    } else if ((s[0] >= '0' && s[0] <= '9') || s[0] == '+' || s[0] == '-') {
        char *plain = arena_alloc(d->a, len + 1);
        size_t m = 0;
        for (size_t i = 0; i < len; i++)
            if (s[i] != '_')
                plain[m++] = s[i];
        plain[m] = '\0';
        int64_t i64;
        uint64_t u64;
        double f;
        bool neg = m && plain[0] == '-';
        if (go_parse_int(plain, m, &i64)) {
            g->kind = G_INT;
            g->i = i64;
        } else if (m && plain[0] != '+' && !neg && go_parse_uint(plain, m, &u64)) {
            g->kind = G_UINT;
            g->u = u64;
        } else if (yaml_style_float(plain, m) && parse_double(d->a, plain, m, &f)) {
            g->kind = G_FLOAT;
            g->f = f;
        }
    }
}

/* yaml.v3's tag for a node in error messages. */
static const char *node_tag(decoder *d, const ynode *n)
{
    if (n->tag)
        return n->tag;
    if (n->kind == Y_SEQ)
        return "!!seq";
    if (n->kind == Y_MAP)
        return "!!map";
    if (!n->plain)
        return "!!str";
    gval g;
    resolve_scalar(d, n, &g);
    switch (g.kind) {
    case G_NIL: return "!!null";
    case G_BOOL: return "!!bool";
    case G_INT: case G_UINT: return "!!int";
    case G_FLOAT: return "!!float";
    default: return "!!str";
    }
}

/* "line N: cannot unmarshal !!str `value` into T" */
static void cannot_unmarshal(decoder *d, const ynode *n, const char *type)
{
    const char *tag = node_tag(d, n);
    if (n->kind == Y_SCALAR && strcmp(tag, "!!seq") != 0 && strcmp(tag, "!!map") != 0) {
        if (n->n > 10)
            terrorf(d, "line %d: cannot unmarshal %s `%.7s...` into %s", n->line, tag, n->s, type);
        else
            terrorf(d, "line %d: cannot unmarshal %s `%.*s` into %s", n->line, tag, (int)n->n, n->s, type);
    } else {
        terrorf(d, "line %d: cannot unmarshal %s into %s", n->line, tag, type);
    }
}

static bool is_null(decoder *d, const ynode *n)
{
    if (n->kind != Y_SCALAR)
        return false;
    gval g;
    resolve_scalar(d, n, &g);
    return g.kind == G_NIL;
}

/* yaml.v3 rejects a mapping with two equal keys. */
static bool unique_keys(decoder *d, const ynode *m)
{
    bool ok = true;
    for (int i = 0; i < m->nkids; i += 2)
        for (int j = i + 2; j < m->nkids; j += 2) {
            const ynode *ki = m->kids[i], *kj = m->kids[j];
            if (ki->kind == kj->kind && ki->n == kj->n && memcmp(ki->s ? ki->s : "", kj->s ? kj->s : "", ki->n) == 0) {
                strbuf line = STRBUF_INIT;
                sb_printf(&line, "line %d: mapping key ", kj->line);
                txt_go_quote(&line, ki->s ? ki->s : "", ki->n, false);
                sb_printf(&line, " already defined at line %d", ki->line);
                terror_text(d, &line);
                ok = false;
            }
        }
    return ok;
}

static bool spend(decoder *d)
{
    if (d->budget-- > 0)
        return true;
    d->over_budget = true;
    return false;
}

/* Decoding into a string: any scalar's text; false for null (the field
 * keeps its zero value, and a slice skips the element). */
static bool dec_string(decoder *d, const ynode *n, const char **s, size_t *len)
{
    if (n->kind != Y_SCALAR) {
        cannot_unmarshal(d, n, "string");
        return false;
    }
    if (is_null(d, n))
        return false;
    *s = n->s;
    *len = n->n;
    return true;
}

static gval *dec_any(decoder *d, const ynode *n);

/* map[string]interface{}: keys decode as strings (null keys are skipped),
 * values as any value.  NULL with an error for a scalar or a sequence; a
 * null node gives an empty map with *is_nil set. */
static gval *dec_string_map(decoder *d, const ynode *n, const char *type, bool *is_nil)
{
    *is_nil = false;
    if (n->kind != Y_MAP) {
        if (is_null(d, n)) {
            *is_nil = true;
            return NULL;
        }
        cannot_unmarshal(d, n, type);
        return NULL;
    }
    if (!unique_keys(d, n) || !spend(d))
        return NULL;
    gval *g = arena_zalloc(d->a, sizeof *g);
    g->kind = G_MAP;
    g->items = arena_alloc(d->a, (size_t)(n->nkids ? n->nkids : 1) * sizeof *g->items);
    for (int i = 0; i + 1 < n->nkids; i += 2) {
        const char *ks;
        size_t kn;
        if (!dec_string(d, n->kids[i], &ks, &kn))
            continue;
        gval *key = arena_zalloc(d->a, sizeof *key);
        key->kind = G_STR;
        key->s = ks;
        key->n = kn;
        gval *v = dec_any(d, n->kids[i + 1]);
        if (!v)
            continue;
        g->items[g->len++] = key;
        g->items[g->len++] = v;
    }
    return g;
}

static gval *dec_any_node(decoder *d, const ynode *n);

/* interface{}: yaml.v3's generic decoding.  NULL only after an error. */
static gval *dec_any(decoder *d, const ynode *n)
{
    if (!spend(d))
        return NULL;
    if (d->depth >= YAML_MAX_DEPTH) {
        d->too_deep = true;
        return NULL;
    }
    d->depth++;
    gval *g = dec_any_node(d, n);
    d->depth--;
    return g;
}

static gval *dec_any_node(decoder *d, const ynode *n)
{
    gval *g = arena_zalloc(d->a, sizeof *g);
    if (n->kind == Y_SCALAR) {
        resolve_scalar(d, n, g);
        return g;
    }
    if (n->kind == Y_SEQ) {
        g->kind = G_SEQ;
        g->items = arena_alloc(d->a, (size_t)(n->nkids ? n->nkids : 1) * sizeof *g->items);
        for (int i = 0; i < n->nkids; i++) {
            gval *x = dec_any(d, n->kids[i]);
            if (x)
                g->items[g->len++] = x;
        }
        return g;
    }
    if (!unique_keys(d, n))
        return NULL;
    g->kind = G_MAP;
    g->items = arena_alloc(d->a, (size_t)(n->nkids ? n->nkids : 1) * sizeof *g->items);
    /* a map whose keys are all strings is a map[string]interface{} */
    for (int i = 0; i < n->nkids; i += 2)
        if (strcmp(node_tag(d, n->kids[i]), "!!str") != 0)
            g->any_keys = true;
    for (int i = 0; i + 1 < n->nkids; i += 2) {
        gval *k, *v;
        if (g->any_keys) {
            k = dec_any(d, n->kids[i]);
        } else {
            k = arena_zalloc(d->a, sizeof *k);
            k->kind = G_STR;
            k->s = n->kids[i]->s;
            k->n = n->kids[i]->n;
        }
        v = dec_any(d, n->kids[i + 1]);
        if (!k || !v)
            continue;
        g->items[g->len++] = k;
        g->items[g->len++] = v;
    }
    return g;
}

/* What yaml.v3 makes of the block: OPA's rawAnnotation. */
typedef struct raw_annot {
    const char *scope, *title, *description;
    size_t scope_n, title_n, description_n;
    bool entrypoint;
    gval **orgs;            /* strings */
    int norgs;
    gval **related, **authors;
    int nrelated, nauthors;
    gval **schemas;         /* maps, or G_NIL for a null element */
    int nschemas;
    gval *compile, *custom, *labels;    /* maps or NULL */
} raw_annot;

/* A slice field: each element decoded by kind ('s' string, 'a' any, 'm'
 * map[string]interface{}). */
static void dec_slice(decoder *d, const ynode *n, char elem, const char *type, gval ***out, int *count)
{
    if (n->kind != Y_SEQ) {
        if (!is_null(d, n))
            cannot_unmarshal(d, n, type);
        return;
    }
    gval **items = arena_alloc(d->a, (size_t)(n->nkids ? n->nkids : 1) * sizeof *items);
    int k = 0;
    for (int i = 0; i < n->nkids; i++) {
        const ynode *x = n->kids[i];
        gval *g = NULL;
        if (elem == 's') {
            const char *s;
            size_t len;
            if (dec_string(d, x, &s, &len)) {
                g = arena_zalloc(d->a, sizeof *g);
                g->kind = G_STR;
                g->s = s;
                g->n = len;
            }
        } else if (elem == 'a') {
            g = dec_any(d, x);
        } else {
            bool is_nil;
            g = dec_string_map(d, x, "map[string]interface {}", &is_nil);
            if (is_nil) {
                g = arena_zalloc(d->a, sizeof *g);
                g->kind = G_NIL;
            }
        }
        if (g)
            items[k++] = g;
    }
    *out = items;
    *count = k;
}

static void dec_bool(decoder *d, const ynode *n, bool *out)
{
    static const char *const yes[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", NULL};
    static const char *const no[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF", NULL};
    if (n->kind == Y_SCALAR) {
        gval g;
        resolve_scalar(d, n, &g);
        if (g.kind == G_NIL)
            return;
        if (g.kind == G_BOOL) {
            *out = g.b;
            return;
        }
        if (g.kind == G_STR && (word_in(g.s, g.n, yes) || word_in(g.s, g.n, no))) {
            *out = word_in(g.s, g.n, yes);  /* YAML 1.1 spellings, for typed bools only */
            return;
        }
    }
    cannot_unmarshal(d, n, "bool");
}

static void dec_field_string(decoder *d, const ynode *n, const char **s, size_t *len)
{
    const char *v;
    size_t vn;
    if (dec_string(d, n, &v, &vn)) {
        *s = v;
        *len = vn;
    }
}

static void dec_field_map(decoder *d, const ynode *n, gval **out)
{
    bool is_nil;
    gval *g = dec_string_map(d, n, "map[string]interface {}", &is_nil);
    if (g || is_nil)
        *out = g;
}

static void dec_raw(decoder *d, const ynode *root, raw_annot *r)
{
    memset(r, 0, sizeof *r);
    if (!root)
        return;
    if (root->kind != Y_MAP) {
        if (!is_null(d, root))
            cannot_unmarshal(d, root, "ast.rawAnnotation");
        return;
    }
    if (!unique_keys(d, root))
        return;
    for (int i = 0; i + 1 < root->nkids; i += 2) {
        const char *key;
        size_t kn;
        if (!dec_string(d, root->kids[i], &key, &kn))
            continue;
        const ynode *v = root->kids[i + 1];
        char name[24];
        if (kn >= sizeof name)
            continue;
        memcpy(name, key, kn);
        name[kn] = '\0';
        if (strcmp(name, "scope") == 0)
            dec_field_string(d, v, &r->scope, &r->scope_n);
        else if (strcmp(name, "title") == 0)
            dec_field_string(d, v, &r->title, &r->title_n);
        else if (strcmp(name, "description") == 0)
            dec_field_string(d, v, &r->description, &r->description_n);
        else if (strcmp(name, "entrypoint") == 0)
            dec_bool(d, v, &r->entrypoint);
        else if (strcmp(name, "organizations") == 0)
            dec_slice(d, v, 's', "[]string", &r->orgs, &r->norgs);
        else if (strcmp(name, "related_resources") == 0)
            dec_slice(d, v, 'a', "[]interface {}", &r->related, &r->nrelated);
        else if (strcmp(name, "authors") == 0)
            dec_slice(d, v, 'a', "[]interface {}", &r->authors, &r->nauthors);
        else if (strcmp(name, "schemas") == 0)
            dec_slice(d, v, 'm', "[]map[string]interface {}", &r->schemas, &r->nschemas);
        else if (strcmp(name, "compile") == 0)
            dec_field_map(d, v, &r->compile);
        else if (strcmp(name, "custom") == 0)
            dec_field_map(d, v, &r->custom);
        else if (strcmp(name, "labels") == 0)
            dec_field_map(d, v, &r->labels);
    }
}

/* ------------------------------------------------------------------ */
/* 3. OPA's checks and the object form                                 */

/* fmt's %s of a Go value (error messages quote the offending value). */
static void go_fmt_s(strbuf *sb, const gval *g, int depth)
{
    if (depth > 100) {
        sb_puts(sb, "...");
        return;
    }
    switch (g->kind) {
    case G_NIL: sb_puts(sb, "%!s(<nil>)"); break;
    case G_BOOL: sb_printf(sb, "%%!s(bool=%s)", g->b ? "true" : "false"); break;
    case G_INT: sb_printf(sb, "%%!s(int=%lld)", (long long)g->i); break;
    case G_UINT: sb_printf(sb, "%%!s(uint64=%llu)", (unsigned long long)g->u); break;
    case G_FLOAT:
        sb_puts(sb, "%!s(float64=");
        txt_go_format_float(sb, g->f, 'g', -1);
        sb_putc(sb, ')');
        break;
    case G_STR: sb_append(sb, g->s, g->n); break;
    case G_SEQ:
        sb_putc(sb, '[');
        for (int i = 0; i < g->len; i++) {
            if (i)
                sb_putc(sb, ' ');
            go_fmt_s(sb, g->items[i], depth + 1);
        }
        sb_putc(sb, ']');
        break;
    case G_MAP: {
        /* fmt prints maps with their keys sorted */
        int pairs = g->len / 2;
        int *order = malloc(sizeof *order * (size_t)(pairs ? pairs : 1));
        if (!order)
            break;
        for (int i = 0; i < pairs; i++)
            order[i] = i;
        for (int i = 1; i < pairs; i++)
            for (int j = i; j > 0; j--) {
                const gval *a = g->items[2 * order[j - 1]], *b = g->items[2 * order[j]];
                strbuf x = STRBUF_INIT, y = STRBUF_INIT;
                go_fmt_s(&x, a, depth + 1);
                go_fmt_s(&y, b, depth + 1);
                bool swap = strcmp(x.data ? x.data : "", y.data ? y.data : "") > 0;
                sb_free(&x);
                sb_free(&y);
                if (!swap)
                    break;
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        sb_puts(sb, "map[");
        for (int i = 0; i < pairs; i++) {
            if (i)
                sb_putc(sb, ' ');
            go_fmt_s(sb, g->items[2 * order[i]], depth + 1);
            sb_putc(sb, ':');
            go_fmt_s(sb, g->items[2 * order[i] + 1], depth + 1);
        }
        sb_putc(sb, ']');
        free(order);
        break;
    }
    }
}

/* The block's error, kept until it is reported. */
typedef struct block_err {
    strbuf msg;
    bool at_comment_line;   /* a yaml error: placed by its line number */
} block_err;

static void fail_with(block_err *e, const char *prefix, const gval *v, const char *what)
{
    sb_puts(&e->msg, prefix);
    if (v) {
        go_fmt_s(&e->msg, v, 0);
        sb_puts(&e->msg, ": ");
    }
    sb_puts(&e->msg, what);
}

static bool is_go_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

static void trim_space(const char **s, size_t *n)
{
    while (*n && is_go_space(**s))
        (*s)++, (*n)--;
    while (*n && is_go_space((*s)[*n - 1]))
        (*n)--;
}

static val *str_val(arena *a, const char *s, size_t n) { return val_string(a, s, n); }

/* getSafeString: the string under key k of a string-keyed map, or "". */
static void safe_string(const gval *m, const char *k, const char **s, size_t *n)
{
    *s = "";
    *n = 0;
    for (int i = 0; i + 1 < m->len; i += 2) {
        const gval *key = m->items[i], *v = m->items[i + 1];
        if (key->kind == G_STR && key->n == strlen(k) && memcmp(key->s, k, key->n) == 0 && v->kind == G_STR) {
            *s = v->s;
            *n = v->n;
        }
    }
}

/* convertYAMLMapKeyTypes: maps with non-string keys are errors, naming the
 * path of keys (and indexes) that leads to them. */
static bool check_key_types(const gval *g, strbuf *path, block_err *e)
{
    if (g->kind == G_MAP && g->any_keys) {
        for (int i = 0; i + 1 < g->len; i += 2) {
            if (g->items[i]->kind != G_STR) {
                sb_puts(&e->msg, "invalid map key type(s): ");
                sb_append(&e->msg, path->data ? path->data : "", path->len);
                return false;
            }
            size_t keep = path->len;
            if (keep)
                sb_putc(path, '/');
            sb_append(path, g->items[i]->s, g->items[i]->n);
            bool ok = check_key_types(g->items[i + 1], path, e);
            path->len = keep;
            if (path->data)
                path->data[keep] = '\0';
            if (!ok)
                return false;
        }
    } else if (g->kind == G_SEQ) {
        for (int i = 0; i < g->len; i++) {
            size_t keep = path->len;
            if (keep)
                sb_putc(path, '/');
            sb_printf(path, "%d", i);
            bool ok = check_key_types(g->items[i], path, e);
            path->len = keep;
            if (path->data)
                path->data[keep] = '\0';
            if (!ok)
                return false;
        }
    }
    return true;
}

static bool key_types_ok(const gval *g, block_err *e)
{
    strbuf path = STRBUF_INIT;
    bool ok = check_key_types(g, &path, e);
    sb_free(&path);
    return ok;
}

/* The key check for one authors or related_resources element, whose error
 * OPA words with the element. */
static bool keys_ok_or_fail(const gval *g, block_err *e, const char *prefix)
{
    block_err inner = {STRBUF_INIT, false};
    if (key_types_ok(g, &inner))
        return true;
    fail_with(e, prefix, g, inner.msg.data ? inner.msg.data : "");
    sb_free(&inner.msg);
    return false;
}

/* InterfaceToValue: the Rego value of a Go value. */
static val *gval_to_val(arena *a, const gval *g)
{
    switch (g->kind) {
    case G_NIL: return VAL_NULL_V;
    case G_BOOL: return val_bool(g->b);
    case G_INT: return val_int(a, g->i);
    case G_UINT: {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)g->u);
        return val_number_text(a, buf, (size_t)n);
    }
    case G_FLOAT: {
        strbuf sb = STRBUF_INIT;
        txt_go_format_float(&sb, g->f, 'g', -1);
        /* NaN and infinities are no JSON numbers: keep Go's text */
        val *num = isfinite(g->f) ? val_number_text(a, sb.data, sb.len) : NULL;
        val *v = num ? num : str_val(a, sb.data, sb.len);
        sb_free(&sb);
        return v;
    }
    case G_STR: return str_val(a, g->s, g->n);
    case G_SEQ: {
        varr *arr = val_array_alloc(a, (size_t)g->len);
        for (int i = 0; i < g->len; i++)
            arr->items[i] = gval_to_val(a, g->items[i]);
        return val_array_seal(arr);
    }
    case G_MAP: {
        val_objb b;
        val_objb_init(&b, a);
        for (int i = 0; i + 1 < g->len; i += 2)
            val_objb_set(&b, gval_to_val(a, g->items[i]), gval_to_val(a, g->items[i + 1]));
        return val_objb_finish(&b);
    }
    }
    return VAL_NULL_V;
}

static void put(val_objb *b, arena *a, const char *key, val *v)
{
    if (v)
        val_objb_set(b, val_cstring(a, key), v);
}

/* parseRelatedResource: {"ref": url.Parse(ref).String(), "description"?} */
static val *related_resource(arena *a, const gval *g, block_err *e)
{
    const char *ref = NULL, *desc = "";
    size_t refn = 0, descn = 0;
    if (!keys_ok_or_fail(g, e, "invalid related-resource definition "))
        return NULL;
    if (g->kind == G_STR) {
        if (g->n == 0) {
            fail_with(e, "invalid related-resource definition ", g, "ref URL may not be empty string");
            return NULL;
        }
        ref = g->s;
        refn = g->n;
    } else if (g->kind == G_MAP && !g->any_keys) {
        safe_string(g, "description", &desc, &descn);
        safe_string(g, "ref", &ref, &refn);
        trim_space(&desc, &descn);
        trim_space(&ref, &refn);
        if (refn == 0) {
            fail_with(e, "invalid related-resource definition ", g, "'ref' value required in object");
            return NULL;
        }
    } else {
        fail_with(e, "invalid related-resource definition ", g, "invalid value type, must be string or map");
        return NULL;
    }
    const char *text;
    size_t textn;
    if (!uri_go_reformat(a, ref, refn, &text, &textn)) {
        fail_with(e, "invalid related-resource definition ", g, text);
        return NULL;
    }
    val_objb b;
    val_objb_init(&b, a);
    put(&b, a, "ref", str_val(a, text, textn));
    if (descn)
        put(&b, a, "description", str_val(a, desc, descn));
    return val_objb_finish(&b);
}

/* parseAuthor: "Name Words <email>" or {"name", "email"}. */
static val *author(arena *a, const gval *g, block_err *e)
{
    const char *name = "", *email = "";
    size_t namen = 0, emailn = 0;
    if (!keys_ok_or_fail(g, e, "invalid author definition "))
        return NULL;
    if (g->kind == G_STR) {
        /* strings.Fields, then a last word in <...> is the email */
        const char *s = g->s;
        size_t n = g->n;
        trim_space(&s, &n);
        if (n == 0) {
            fail_with(e, "invalid author definition ", g, "author is an empty string");
            return NULL;
        }
        size_t last = n;
        while (last > 0 && !is_go_space(s[last - 1]))
            last--;
        size_t wn = n - last;
        size_t name_end = n;
        if (wn >= 2 && s[last] == '<' && s[n - 1] == '>') {
            email = s + last + 1;
            emailn = wn - 2;
            name_end = last;
        }
        /* the remaining words joined by single spaces */
        char *joined = arena_alloc(a, name_end + 1);
        size_t j = 0;
        for (size_t i = 0; i < name_end;) {
            while (i < name_end && is_go_space(s[i]))
                i++;
            size_t w0 = i;
            while (i < name_end && !is_go_space(s[i]))
                i++;
            if (i > w0) {
                if (j)
                    joined[j++] = ' ';
                memcpy(joined + j, s + w0, i - w0);
                j += i - w0;
            }
        }
        joined[j] = '\0';
        name = joined;
        namen = j;
    } else if (g->kind == G_MAP && !g->any_keys) {
        safe_string(g, "name", &name, &namen);
        safe_string(g, "email", &email, &emailn);
        trim_space(&name, &namen);
        trim_space(&email, &emailn);
        if (namen == 0 && emailn == 0) {
            fail_with(e, "invalid author definition ", g, "'name' and/or 'email' values required in object");
            return NULL;
        }
    } else {
        fail_with(e, "invalid author definition ", g, "invalid value type, must be string or map");
        return NULL;
    }
    val_objb b;
    val_objb_init(&b, a);
    if (namen)
        put(&b, a, "name", str_val(a, name, namen));
    if (emailn)
        put(&b, a, "email", str_val(a, email, emailn));
    return val_objb_finish(&b);
}

/* Ref.toArray(): strings stay, any other term becomes its text. */
static val *ref_to_array(arena *a, const ast_term *t)
{
    int n = t->kind == AST_REF ? t->ref.n : 1;
    ast_term *const *items = t->kind == AST_REF ? t->ref.items : (ast_term *const *)&t;
    varr *arr = val_array_alloc(a, (size_t)n);
    for (int i = 0; i < n; i++) {
        const ast_term *x = items[i];
        if (x->kind == AST_SCALAR && val_kind_of(x->value) == VAL_STRING) {
            arr->items[i] = x->value;
        } else if (x->kind == AST_VAR) {
            arr->items[i] = val_cstring(a, x->var.name);
        } else {
            strbuf sb = STRBUF_INIT;
            ast_write_term(&sb, x);
            arr->items[i] = txt_string_from_sb(a, &sb);
        }
    }
    return val_array_seal(arr);
}

/* ParseRef(s) (root is NULL) or ParseSchemaRef(s) (root "schema"): the ref
 * as an array, or NULL. */
static val *parse_ref_text(arena *a, const char *s, size_t n, const char *root)
{
    rego_errors errs = {0};
    ast_term *t = rego_parse_term(a, s, n, NULL, &errs);
    rego_errors_free(&errs);
    if (!t)
        return NULL;
    if (root) {
        const ast_term *head = t->kind == AST_REF ? t->ref.items[0] : t;
        if ((t->kind != AST_REF && t->kind != AST_VAR) || head->kind != AST_VAR || strcmp(head->var.name, root) != 0)
            return NULL;
    } else if (t->kind == AST_VAR) {
        /* a bare `input` or `data` is a reference; any other var is not */
        if (strcmp(t->var.name, "input") != 0 && strcmp(t->var.name, "data") != 0)
            return NULL;
    } else if (t->kind != AST_REF) {
        return NULL;
    }
    return ref_to_array(a, t);
}

/* A schemas element: {"path": [...], "schema": [...]} or
 * {"path": [...], "definition": {...}}. */
static val *schema(arena *a, const gval *g, block_err *e)
{
    if (g->kind != G_MAP || g->len == 0) {
        sb_puts(&e->msg, "invalid document reference");
        return NULL;
    }
    const gval *k = g->items[0], *v = g->items[1];     /* yaml order, where Go picks at random */
    val *path = parse_ref_text(a, k->s, k->n, NULL);
    if (!path) {
        sb_puts(&e->msg, "invalid document reference");
        return NULL;
    }
    val_objb b;
    val_objb_init(&b, a);
    put(&b, a, "path", path);
    if (v->kind == G_STR) {
        val *ref = parse_ref_text(a, v->s, v->n, "schema");
        if (!ref) {
            sb_puts(&e->msg, "invalid schema reference");
            return NULL;
        }
        put(&b, a, "schema", ref);
    } else if (v->kind == G_MAP && !v->any_keys) {
        strbuf path_keys = STRBUF_INIT;
        block_err inner = {STRBUF_INIT, false};
        bool ok = check_key_types(v, &path_keys, &inner);
        sb_free(&path_keys);
        if (!ok) {
            sb_puts(&e->msg, "invalid schema definition: ");
            sb_append(&e->msg, inner.msg.data, inner.msg.len);
            sb_free(&inner.msg);
            return NULL;
        }
        put(&b, a, "definition", gval_to_val(a, v));
    } else {
        sb_puts(&e->msg, "invalid schema declaration for path ");
        txt_go_quote(&e->msg, k->s, k->n, false);
        return NULL;
    }
    return val_objb_finish(&b);
}

/* custom / labels: each value checked for non-string keys. */
static val *string_map(arena *a, const gval *g, block_err *e)
{
    for (int i = 0; i + 1 < g->len; i += 2)
        if (!key_types_ok(g->items[i + 1], e))
            return NULL;
    return gval_to_val(a, g);
}

static val *array_of(arena *a, val **items, int n)
{
    return val_array(a, items, (size_t)n);
}

/* The object toObject() builds, without "scope" (set on attaching). */
static val *build_object(arena *a, const raw_annot *r, block_err *e)
{
    val_objb b;
    val_objb_init(&b, a);
    if (r->title_n)
        put(&b, a, "title", str_val(a, r->title, r->title_n));
    if (r->description_n)
        put(&b, a, "description", str_val(a, r->description, r->description_n));
    if (r->entrypoint)
        put(&b, a, "entrypoint", VAL_TRUE_V);
    if (r->norgs) {
        val **xs = arena_alloc(a, sizeof *xs * (size_t)r->norgs);
        for (int i = 0; i < r->norgs; i++)
            xs[i] = str_val(a, r->orgs[i]->s, r->orgs[i]->n);
        put(&b, a, "organizations", array_of(a, xs, r->norgs));
    }
    if (r->nrelated) {
        val **xs = arena_alloc(a, sizeof *xs * (size_t)r->nrelated);
        for (int i = 0; i < r->nrelated; i++)
            if (!(xs[i] = related_resource(a, r->related[i], e)))
                return NULL;
        put(&b, a, "related_resources", array_of(a, xs, r->nrelated));
    }
    if (r->nschemas) {
        val **xs = arena_alloc(a, sizeof *xs * (size_t)r->nschemas);
        for (int i = 0; i < r->nschemas; i++)
            if (!(xs[i] = schema(a, r->schemas[i], e)))
                return NULL;
        put(&b, a, "schemas", array_of(a, xs, r->nschemas));
    }
    if (r->nauthors) {
        val **xs = arena_alloc(a, sizeof *xs * (size_t)r->nauthors);
        for (int i = 0; i < r->nauthors; i++)
            if (!(xs[i] = author(a, r->authors[i], e)))
                return NULL;
        put(&b, a, "authors", array_of(a, xs, r->nauthors));
    }
    if (r->custom && r->custom->len) {
        val *c = string_map(a, r->custom, e);
        if (!c)
            return NULL;
        put(&b, a, "custom", c);
    }
    if (r->labels && r->labels->len) {
        val *l = string_map(a, r->labels, e);
        if (!l)
            return NULL;
        put(&b, a, "labels", l);
    }
    return val_objb_finish(&b);
}

/* ------------------------------------------------------------------ */
/* 4. Blocks from comments                                             */

typedef struct comment_text {
    const char *s;
    size_t n;
} comment_text;

/* A comment's text after '#', without trailing CRs (a lone CR is empty). */
static comment_text text_of(const char *src, const annot_comment *c)
{
    comment_text t = {src + c->off + 1, c->end > c->off ? c->end - c->off - 1 : 0};
    if (t.n == 1 && t.s[0] == '\r')
        t.n = 0;
    while (t.n > 1 && t.s[t.n - 1] == '\r')
        t.n--;
    return t;
}

static bool starts_metadata(comment_text t)
{
    while (t.n && is_go_space(t.s[0]))
        t.s++, t.n--;
    return t.n >= 8 && memcmp(t.s, "METADATA", 8) == 0;
}

/* The line number a yaml error names ("yaml: line N:" or "yaml: unmarshal
 * errors:\n  line N:"), or -1. */
static long yaml_error_line(const char *msg)
{
    const char *p = NULL;
    if (strncmp(msg, "yaml: line ", 11) == 0) {
        p = msg + 11;
    } else if (strncmp(msg, "yaml: unmarshal errors:", 23) == 0) {
        p = msg + 23;
        while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
            p++;
        if (strncmp(p, "line ", 5) != 0)
            return -1;
        p += 5;
    } else {
        return -1;
    }
    long v = 0;
    const char *d = p;
    while (*p >= '0' && *p <= '9' && v < 100000000)
        v = v * 10 + (*p++ - '0');
    return p > d && *p == ':' ? v : -1;
}

/* OPA's hint for "key:value" lines: the characters right after ':' that
 * are not spaces, up to the first one that is. */
static void add_hints(strbuf *msg, const char *src, const annot_comment *cs, int n)
{
    for (int i = 0; i < n; i++) {
        comment_text t = text_of(src, &cs[i]);
        if (!memchr(t.s, ':', t.n))
            continue;
        strbuf found = STRBUF_INIT;
        int count = 0;
        const char *p = memchr(t.s, ':', t.n) + 1;
        const char *end = t.s + t.n;
        for (;;) {
            const char *next = memchr(p, ':', (size_t)(end - p));
            size_t plen = (size_t)((next ? next : end) - p);
            if (plen == 0 && !next)
                break;
            size_t w;
            uint32_t r = plen ? txt_utf8_decode(p, plen, &w) : TXT_RUNE_ERROR;
            if (r == ' ' || r == '\t')
                break;
            if (count++)
                sb_putc(&found, ' ');
            txt_go_quote_rune(&found, r, true);
            if (!next)
                break;
            p = next + 1;
        }
        if (count)
            sb_printf(msg,
                      "\n  Hint: on line %d, symbol(s) [%s] immediately following a key/value separator ':' is "
                      "not a legal yaml space character",
                      cs[i].row, found.data);
        sb_free(&found);
    }
}

typedef struct blocks_job {
    arena *a;
    const char *file;
    const char *src;
    annot_error_fn err;
    void *ctx;
} blocks_job;

static void report(blocks_job *j, const annot_comment *at, strbuf *msg)
{
    val *m = txt_string_from_sb(j->a, msg);     /* frees msg */
    j->err(j->ctx, at->row, at->col, at->off, val_str(m));
}

/* Reads one block: marker is the METADATA comment, body[0..n) the lines. */
static ast_annotation_block *read_block(blocks_job *j, const annot_comment *marker, const annot_comment *body,
                                        int n)
{
    arena *a = j->a;
    /* the YAML text: each line without one leading space */
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += text_of(j->src, &body[i]).n + 1;
    char *text = arena_alloc(a, total + 1);
    size_t len = 0;
    bool blank = true;
    for (int i = 0; i < n; i++) {
        comment_text t = text_of(j->src, &body[i]);
        if (t.n && t.s[0] == ' ')
            t.s++, t.n--;
        memcpy(text + len, t.s, t.n);
        for (size_t k = 0; k < t.n; k++)
            if (!is_go_space(t.s[k]))
                blank = false;
        len += t.n;
        text[len++] = '\n';
    }
    text[len] = '\0';
    strbuf msg = STRBUF_INIT;
    if (blank) {
        sb_puts(&msg, "expected METADATA block, found whitespace");
        report(j, marker, &msg);
        return NULL;
    }
    ynode *root;
    raw_annot raw;
    decoder d = {a, NULL, 0, 0, YAML_MAX_DECODED, false, 0, false};
    bool yaml_ok = yaml_load(a, text, len, &root, &msg);
    if (yaml_ok) {
        dec_raw(&d, root, &raw);
        if (d.over_budget) {
            sb_puts(&msg, "yaml: document contains excessive aliasing");
            yaml_ok = false;
        } else if (d.too_deep) {
            sb_printf(&msg, "yaml: exceeded max depth of %d", YAML_MAX_DEPTH);
            yaml_ok = false;
        } else if (d.nterrs) {
            sb_puts(&msg, "yaml: unmarshal errors:");
            for (int i = 0; i < d.nterrs; i++) {
                sb_puts(&msg, "\n  ");
                sb_puts(&msg, d.terrs[i]);
            }
            yaml_ok = false;
        }
    }
    if (!yaml_ok) {
        /* placed at comments[line] (OPA's indexing), or the first line */
        long line = yaml_error_line(msg.data ? msg.data : "");
        const annot_comment *at = n > 0 ? &body[0] : marker;
        if (line >= 0 && n > 0)
            at = line >= n ? &body[n - 1] : &body[line];
        add_hints(&msg, j->src, body, n);
        report(j, at, &msg);
        return NULL;
    }
    block_err e = {STRBUF_INIT, false};
    val *obj = build_object(a, &raw, &e);
    if (!obj) {
        report(j, marker, &e.msg);
        return NULL;
    }
    ast_annotation_block *b = arena_zalloc(a, sizeof *b);
    b->loc = (ast_loc){j->file, marker->row, marker->col, marker->off, marker->end - marker->off};
    b->end_row = n > 0 ? body[n - 1].row : marker->row;
    b->scope = raw.scope_n ? arena_strndup(a, raw.scope, raw.scope_n) : "";
    b->entrypoint = raw.entrypoint;
    b->value = obj;
    return b;
}

ast_annotation_block **annotations_parse_blocks(arena *a, const char *file, const char *src,
                                                const annot_comment *comments, int n, int *nblocks,
                                                annot_error_fn err, void *ctx)
{
    blocks_job j = {a, file ? file : "", src, err, ctx};
    ast_annotation_block **out = NULL;
    int count = 0, cap = 0;
    for (int i = 0; i < n;) {
        if (!starts_metadata(text_of(src, &comments[i]))) {
            i++;
            continue;
        }
        /* the block: following comments on consecutive rows, in column 1 */
        int k = i + 1;
        while (k < n && comments[k].row == comments[k - 1].row + 1 && comments[k].col == 1)
            k++;
        ast_annotation_block *b = read_block(&j, &comments[i], &comments[i + 1], k - i - 1);
        if (b) {
            if (count == cap)
                out = grow_array(a, out, count, &cap, sizeof *out);
            out[count++] = b;
        }
        i = k;
    }
    *nblocks = count;
    return out;
}

/* ------------------------------------------------------------------ */
/* 5. Attaching blocks to statements                                   */

static void attach_error(arena *a, const ast_annotation_block *b, annot_error_fn err, void *ctx, const char *fmt,
                         ...) __attribute__((format(printf, 5, 6)));
static void attach_error(arena *a, const ast_annotation_block *b, annot_error_fn err, void *ctx, const char *fmt,
                         ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    err(ctx, b->loc.row, b->loc.col, b->loc.off, arena_strndup(a, buf, strlen(buf)));
}

bool annotations_attach(arena *a, ast_module *m, ast_annotation_block **blocks, int n, annot_error_fn err,
                        void *ctx)
{
    bool ok = true;
    for (int i = 0; i < n; i++) {
        ast_annotation_block *b = blocks[i];
        /* the first statement on a later row: package, import or rule */
        enum { NONE, PACKAGE, IMPORT, RULE } kind = NONE;
        unsigned best = 0;
        ast_rule *rule = NULL;
        if (m->package && m->package_loc.row > b->loc.row) {
            kind = PACKAGE;
            best = m->package_loc.off;
        }
        for (int k = 0; k < m->nimports; k++)
            if (m->imports[k].loc.row > b->loc.row && (kind == NONE || m->imports[k].loc.off < best)) {
                kind = IMPORT;
                best = m->imports[k].loc.off;
                break;
            }
        for (int k = 0; k < m->nrules; k++)
            if (m->rules[k]->loc.row > b->loc.row && (kind == NONE || m->rules[k]->loc.off < best)) {
                kind = RULE;
                rule = m->rules[k];
                break;
            }
        if (b->scope[0] == '\0')
            b->scope = kind == RULE ? (b->entrypoint ? "document" : "rule")
                       : kind == PACKAGE ? "package"
                       : kind == IMPORT ? "import"     /* not a scope: named in the error below */
                                        : "";
        const char *have = kind == RULE ? " (have rule)" : kind == PACKAGE ? " (have package)"
                           : kind == IMPORT ? " (have import)" : "";
        bool rule_scope = strcmp(b->scope, "rule") == 0 || strcmp(b->scope, "document") == 0;
        bool pkg_scope = strcmp(b->scope, "package") == 0 || strcmp(b->scope, "subpackages") == 0;
        if (rule_scope && kind != RULE) {
            attach_error(a, b, err, ctx, "annotation scope '%s' must be applied to rule%s", b->scope, have);
            ok = false;
        } else if (pkg_scope && kind != PACKAGE) {
            attach_error(a, b, err, ctx, "annotation scope '%s' must be applied to package%s", b->scope, have);
            ok = false;
        } else if (!rule_scope && !pkg_scope) {
            attach_error(a, b, err, ctx,
                         "invalid annotation scope '%s'. Use one of 'rule', 'document', 'package', or 'subpackages'",
                         b->scope);
            ok = false;
        }
        if (b->entrypoint && strcmp(b->scope, "document") != 0 && strcmp(b->scope, "package") != 0) {
            attach_error(a, b, err, ctx, "annotation entrypoint applied to non-document or package scope '%s'",
                         b->scope);
            ok = false;
        }
        if (kind == RULE)
            b->rule = rule;
        b->on_package = kind == PACKAGE;
        b->value = val_object_with(a, b->value, val_cstring(a, "scope"), val_cstring(a, b->scope));
    }
    m->annotations = blocks;
    m->nannotations = n;
    return ok;
}

/* ------------------------------------------------------------------ */
/* 6. The annotation set: rule, chain, redeclarations                  */

/* The package path without "data", as values. */
static val *package_path(arena *a, const ast_module *m)
{
    const ast_term *p = m->package;
    int n = p && p->kind == AST_REF ? p->ref.n - 1 : 0;
    varr *arr = val_array_alloc(a, (size_t)(n > 0 ? n : 0));
    for (int i = 0; i < n; i++)
        arr->items[i] = p->ref.items[i + 1]->value;
    return val_array_seal(arr);
}

/* The rule's path (Rule.Ref().GroundPrefix() without "data"): the package
 * path, the head's name, and the head's terms up to the first that is not
 * ground. */
static val *rule_path(arena *a, const ast_module *m, const ast_rule *r)
{
    val *pkg = package_path(a, m);
    const ast_term *h = r->head;
    int hn = h->kind == AST_REF ? h->ref.n : 1;
    val_arrb b;
    val_arrb_init(&b, a);
    for (uint32_t i = 0; i < val_len(pkg); i++)
        val_arrb_push(&b, val_array_items(pkg)[i]);
    for (int i = 0; i < hn; i++) {
        const ast_term *t = h->kind == AST_REF ? h->ref.items[i] : h;
        if (i == 0) {
            if (t->kind != AST_VAR)
                break;
            val_arrb_push(&b, val_cstring(a, t->var.name));
            continue;
        }
        val *v = t->kind == AST_VAR ? NULL : ast_term_to_value(a, t);
        if (!v)
            break;
        val_arrb_push(&b, v);
    }
    return val_arrb_finish(&b);
}

/* toArray() of a path: strings stay, other values become their text. */
static val *path_json(arena *a, const val *path)
{
    varr *arr = val_array_alloc(a, val_len(path));
    for (uint32_t i = 0; i < val_len(path); i++) {
        val *x = val_array_items(path)[i];
        if (val_kind_of(x) == VAL_STRING) {
            arr->items[i] = x;
        } else {
            strbuf sb = STRBUF_INIT;
            val_write_rego(&sb, x);
            arr->items[i] = txt_string_from_sb(a, &sb);
        }
    }
    return val_array_seal(arr);
}

/* The path a block is indexed under: its package's path for package and
 * subpackages scope, its rule's path for rule and document scope. */
static val *target_path(arena *a, const ast_module *m, const ast_annotation_block *b)
{
    if (b->on_package)
        return package_path(a, m);
    if (b->rule)
        return rule_path(a, m, b->rule);
    return NULL;
}

static bool scope_is(const ast_annotation_block *b, const char *s) { return strcmp(b->scope, s) == 0; }

/* OPA's byPath tree holds document blocks (by rule path) and subpackages
 * blocks (by package path); the first one stored for a path is kept. */
static const ast_annotation_block *by_path(arena *a, ast_module *const *mods, int nmods, const val *path,
                                           const ast_module **owner)
{
    for (int i = 0; i < nmods; i++)
        for (int k = 0; k < mods[i]->nannotations; k++) {
            const ast_annotation_block *b = mods[i]->annotations[k];
            bool doc = scope_is(b, "document") && b->rule;
            bool sub = scope_is(b, "subpackages") && b->on_package;
            if (!doc && !sub)
                continue;
            val *p = target_path(a, mods[i], b);
            if (p && val_equal(p, path)) {
                *owner = mods[i];
                return b;
            }
        }
    return NULL;
}

static const ast_annotation_block *by_package(arena *a, ast_module *const *mods, int nmods, const val *pkg)
{
    for (int i = 0; i < nmods; i++)
        for (int k = 0; k < mods[i]->nannotations; k++) {
            const ast_annotation_block *b = mods[i]->annotations[k];
            if (scope_is(b, "package") && b->on_package && val_equal(package_path(a, mods[i]), pkg))
                return b;
        }
    return NULL;
}

/* r's rule-scope blocks, closest to the rule first. */
static int rule_blocks(const ast_module *m, const ast_rule *r, const ast_annotation_block **out, int cap)
{
    int n = 0;
    for (int k = 0; k < m->nannotations; k++) {
        const ast_annotation_block *b = m->annotations[k];
        if (b->rule == r && scope_is(b, "rule") && n < cap)
            out[n++] = b;
    }
    /* descending location: later blocks are closer */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            const ast_annotation_block *x = out[j - 1], *y = out[j];
            bool before = x->loc.row < y->loc.row || (x->loc.row == y->loc.row && x->loc.col < y->loc.col);
            if (!before)
                break;
            out[j - 1] = y;
            out[j] = x;
        }
    return n;
}

val *annotations_rule(arena *a, ast_module *const *mods, int nmods, const ast_module *m, const ast_rule *r)
{
    (void)mods;
    (void)nmods;
    const ast_annotation_block *closest = NULL;
    for (int k = 0; k < m->nannotations; k++) {
        const ast_annotation_block *b = m->annotations[k];
        if (b->rule == r && scope_is(b, "rule") &&
            (!closest || b->loc.row > closest->loc.row ||
             (b->loc.row == closest->loc.row && b->loc.col > closest->loc.col)))
            closest = b;
    }
    return closest ? val_copy(a, closest->value) : VAL_EMPTY_OBJECT_V;
}

static val *chain_link(arena *a, const val *path, const ast_annotation_block *b)
{
    val *keys[2] = {val_cstring(a, "path"), val_cstring(a, "annotations")};
    val *vals[2] = {path_json(a, path), b ? val_copy(a, b->value) : NULL};
    return val_object(a, keys, vals, b ? 2 : 1);
}

val *annotations_chain(arena *a, ast_module *const *mods, int nmods, const ast_module *m, const ast_rule *r)
{
    val_arrb out;
    val_arrb_init(&out, a);
    val *path = rule_path(a, m, r);

    int nrb = 0;
    for (int k = 0; k < m->nannotations; k++)
        nrb += m->annotations[k]->rule == r;
    const ast_annotation_block **rb = arena_alloc(a, sizeof *rb * (size_t)(nrb ? nrb : 1));
    nrb = rule_blocks(m, r, rb, nrb);
    if (nrb == 0)
        val_arrb_push(&out, chain_link(a, path, NULL));
    for (int i = 0; i < nrb; i++)
        val_arrb_push(&out, chain_link(a, path, rb[i]));

    const ast_module *owner;
    const ast_annotation_block *doc = by_path(a, mods, nmods, path, &owner);
    if (doc)
        val_arrb_push(&out, chain_link(a, target_path(a, owner, doc), doc));

    val *pkg = package_path(a, m);
    const ast_annotation_block *pb = by_package(a, mods, nmods, pkg);
    if (pb)
        val_arrb_push(&out, chain_link(a, pkg, pb));

    /* the package and its ancestors, closest first */
    for (uint32_t len = val_len(pkg); len > 0; len--) {
        val *prefix = val_array(a, val_array_items(pkg), len);
        const ast_annotation_block *sb = by_path(a, mods, nmods, prefix, &owner);
        if (sb)
            val_arrb_push(&out, chain_link(a, prefix, sb));
    }
    return val_arrb_finish(&out);
}

/* Location.String(): "file:row", or "row:col" without a file. */
static void loc_text(char *buf, size_t n, const ast_loc *l)
{
    if (l->file && l->file[0])
        snprintf(buf, n, "%s:%d", l->file, l->row);
    else
        snprintf(buf, n, "%d:%d", l->row, l->col);
}

int annotations_check(ast_module *const *mods, int nmods, rego_errors *errs)
{
    arena scratch;
    arena_init(&scratch, 1 << 12);
    int added = 0;
    for (int i = 0; i < nmods; i++)
        for (int k = 0; k < mods[i]->nannotations; k++) {
            const ast_annotation_block *b = mods[i]->annotations[k];
            const ast_annotation_block *first = NULL;
            const ast_module *owner;
            if (scope_is(b, "package") && b->on_package) {
                first = by_package(&scratch, mods, nmods, package_path(&scratch, mods[i]));
            } else if ((scope_is(b, "document") && b->rule) || (scope_is(b, "subpackages") && b->on_package)) {
                val *p = target_path(&scratch, mods[i], b);
                first = p ? by_path(&scratch, mods, nmods, p, &owner) : NULL;
            }
            if (first && first != b) {
                char where[512];
                loc_text(where, sizeof where, &first->loc);
                rego_errors_add(errs, "rego_type_error", &b->loc, "%s annotation redeclared: %s", b->scope, where);
                added++;
            }
        }
    arena_release(&scratch);
    return added;
}
