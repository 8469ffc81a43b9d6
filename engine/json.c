/* json.c — JSON text <-> values; see json.h.
 *
 * The reader is a hand-written, non-recursive parser: open containers live on
 * an explicit frame stack, finished values on a value stack, so hostile
 * nesting costs heap, not C stack, and is cut off at max_depth.  Strings are
 * scanned with a byte-class table; the common case (ASCII, no escapes)
 * becomes a value straight from the input bytes.  In large documents short
 * strings are interned for the duration of the parse, so the thousands of
 * repeated keys ("id", "name") share one value.
 *
 * The writer prints canonical JSON with Go's encoding/json escaping, and
 * val_write_rego prints OPA's Value.String() form with strconv.Quote's
 * string quoting. */
#include "json.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "hexdigit.h"

/* ======================================================================
 * Reader
 * ====================================================================== */

#define INLINE_STACK 64
#define INTERN_MIN_INPUT 4096     /* below this, interning costs more than it saves */
#define INTERN_SLOTS 8192
#define INTERN_MAX_LEN 32

typedef struct jframe {
    uint32_t vbase, kbase;      /* where this container's entries start */
    bool obj;
} jframe;

typedef struct jparser {
    const char *start, *end;
    arena *a;
    json_error *err;
    int max_depth;
    int oom_code;               /* arena failure caught during the parse */
    val **vals, **keys;
    size_t nv, cv, nk, ck;
    jframe *frames;
    size_t nf, cf;
    char *buf;                  /* unescaped string bytes */
    size_t cbuf;
    val **intern;               /* INTERN_SLOTS entries, or NULL */
    size_t ninterned;
    val *ivals[INLINE_STACK], *ikeys[INLINE_STACK];
    jframe iframes[INLINE_STACK];
} jparser;

/* Byte classes inside strings: 0 plain ASCII, 1 '"', 2 '\\', 3 control, 4 non-ASCII. */
static const uint8_t str_class[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static void describe_char(char *out, size_t n, unsigned char c)
{
    switch (c) {
    case '\'': snprintf(out, n, "'\\''"); break;
    case '\n': snprintf(out, n, "'\\n'"); break;
    case '\r': snprintf(out, n, "'\\r'"); break;
    case '\t': snprintf(out, n, "'\\t'"); break;
    default:
        if (c >= 0x20 && c < 0x7f)
            snprintf(out, n, "'%c'", c);
        else
            snprintf(out, n, "'\\x%02x'", c);
    }
}

static void fill_error(json_error *err, const char *start, size_t off, const char *msg)
{
    if (!err)
        return;
    int line = 1;
    size_t col0 = 0;
    for (size_t i = 0; i < off; i++)
        if (start[i] == '\n') {
            line++;
            col0 = i + 1;
        }
    err->line = line;
    err->col = (int)(off - col0) + 1;
    err->offset = off;
    snprintf(err->msg, sizeof err->msg, "%s", msg);
}

static void fail_at(jparser *p, const char *at, const char *msg)
{
    fill_error(p->err, p->start, (size_t)(at - p->start), msg);
}

/* "invalid character 'x' <context>", or end of input when at is the end. */
static void fail_char(jparser *p, const char *at, const char *context)
{
    if (at >= p->end) {
        fail_at(p, p->end, "unexpected end of JSON input");
        return;
    }
    char c[16], msg[128];
    describe_char(c, sizeof c, (unsigned char)*at);
    snprintf(msg, sizeof msg, "invalid character %s %s", c, context);
    fail_at(p, at, msg);
}

/* Grows one of the parser's stacks; the first growth leaves the inline array. */
static bool stack_grow(void **items, size_t *cap, size_t elem, void *inline_items)
{
    size_t ncap = *cap * 2;
    void *n;
    if (*items == inline_items) {
        n = malloc(ncap * elem);
        if (n)
            memcpy(n, *items, *cap * elem);
    } else {
        n = realloc(*items, ncap * elem);
    }
    if (!n)
        return false;
    *items = n;
    *cap = ncap;
    return true;
}

static bool push_val(jparser *p, val *v)
{
    if (p->nv == p->cv && !stack_grow((void **)&p->vals, &p->cv, sizeof(val *), p->ivals))
        return false;
    p->vals[p->nv++] = v;
    return true;
}

static bool push_key(jparser *p, val *k)
{
    if (p->nk == p->ck && !stack_grow((void **)&p->keys, &p->ck, sizeof(val *), p->ikeys))
        return false;
    p->keys[p->nk++] = k;
    return true;
}

static bool push_frame(jparser *p, bool obj)
{
    if (p->nf == p->cf && !stack_grow((void **)&p->frames, &p->cf, sizeof(jframe), p->iframes))
        return false;
    jframe *f = &p->frames[p->nf++];
    f->vbase = (uint32_t)p->nv;
    f->kbase = (uint32_t)p->nk;
    f->obj = obj;
    return true;
}

static bool buf_reserve(jparser *p, size_t need)
{
    if (need <= p->cbuf)
        return true;
    size_t cap = p->cbuf ? p->cbuf : 256;
    while (cap < need)
        cap *= 2;
    char *b = realloc(p->buf, cap);
    if (!b)
        return false;
    p->buf = b;
    p->cbuf = cap;
    return true;
}

/* Length of the valid UTF-8 sequence at s (first byte >= 0x80), or 0. */
static int utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t left = (size_t)(end - s);
    unsigned lo = 0x80, hi = 0xBF;
    int n;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;                          /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;                          /* <= U+10FFFF */
    } else
        return 0;
    if (left < (size_t)n || s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

bool json_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int k = utf8_seq(p, end);
        if (!k)
            return false;
        p += k;
    }
    return true;
}

static int utf8_put(char *out, uint32_t r)
{
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

/* Four hex digits at s (s[-2..-1] being "\u"), or -1 with *bad at the culprit. */
static long read_u4(const char *s, const char *end, const char **bad)
{
    long r = 0;
    for (int i = 0; i < 4; i++) {
        int h = s + i < end ? hex_digit((unsigned char)s[i]) : -1;
        if (h < 0) {
            *bad = s + i;
            return -1;
        }
        r = r * 16 + h;
    }
    return r;
}

static val *make_string(jparser *p, const char *s, size_t n)
{
    uint64_t h = val_string_hash(s, n);
    if (!p->intern || n > INTERN_MAX_LEN || n == 0)
        return val_string_prehashed(p->a, s, n, h);
    size_t mask = INTERN_SLOTS - 1, i = (size_t)h & mask;
    for (val *k; (k = p->intern[i]) != NULL; i = (i + 1) & mask)
        if (k->hash == h && k->len == n && memcmp(val_str(k), s, n) == 0)
            return k;
    val *v = val_string_prehashed(p->a, s, n, h);
    if (p->ninterned < INTERN_SLOTS / 2) {
        p->intern[i] = v;
        p->ninterned++;
    }
    return v;
}

/* String starting at the '"' at *sp; on success *sp is past the closing quote. */
static val *parse_string(jparser *p, const char **sp)
{
    const char *s = *sp + 1, *q = s, *end = p->end;
    for (;;) {
        while (q < end && str_class[(unsigned char)*q] == 0)
            q++;
        if (q >= end) {
            fail_at(p, end, "unexpected end of JSON input");
            return NULL;
        }
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            *sp = q + 1;
            return make_string(p, s, (size_t)(q - s));
        }
        if (c == '\\')
            break;
        if (c < 0x20) {
            fail_char(p, q, "in string literal");
            return NULL;
        }
        int n = utf8_seq((const unsigned char *)q, (const unsigned char *)end);
        if (!n) {
            fail_at(p, q, "invalid UTF-8 in string");
            return NULL;
        }
        q += n;
    }

    /* Escapes: decode into the scratch buffer.  Output never outgrows input
     * (an escape of 6 bytes yields at most 4, a pair of 12 yields 4). */
    size_t w = (size_t)(q - s);
    if (!buf_reserve(p, (size_t)(end - s) + 4)) {
        fail_at(p, q, "out of memory");
        return NULL;
    }
    char *b = p->buf;
    memcpy(b, s, w);
    for (;;) {
        const char *run = q;
        while (q < end && str_class[(unsigned char)*q] == 0)
            q++;
        memcpy(b + w, run, (size_t)(q - run));
        w += (size_t)(q - run);
        if (q >= end) {
            fail_at(p, end, "unexpected end of JSON input");
            return NULL;
        }
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            *sp = q + 1;
            return make_string(p, b, w);
        }
        if (c < 0x20) {
            fail_char(p, q, "in string literal");
            return NULL;
        }
        if (c >= 0x80) {
            int n = utf8_seq((const unsigned char *)q, (const unsigned char *)end);
            if (!n) {
                fail_at(p, q, "invalid UTF-8 in string");
                return NULL;
            }
            memcpy(b + w, q, (size_t)n);
            w += (size_t)n;
            q += n;
            continue;
        }
        /* backslash */
        if (q + 1 >= end) {
            fail_at(p, end, "unexpected end of JSON input");
            return NULL;
        }
        char e = q[1];
        q += 2;
        switch (e) {
        case '"': b[w++] = '"'; break;
        case '\\': b[w++] = '\\'; break;
        case '/': b[w++] = '/'; break;
        case 'b': b[w++] = '\b'; break;
        case 'f': b[w++] = '\f'; break;
        case 'n': b[w++] = '\n'; break;
        case 'r': b[w++] = '\r'; break;
        case 't': b[w++] = '\t'; break;
        case 'u': {
            const char *bad;
            long r = read_u4(q, end, &bad);
            if (r < 0) {
                fail_char(p, bad, "in \\u hexadecimal character escape");
                return NULL;
            }
            q += 4;
            if (r >= 0xD800 && r < 0xE000) {
                /* A high surrogate followed by an escaped low one is a pair;
                 * anything else is U+FFFD and the next escape stands alone. */
                long r2 = -1;
                if (r < 0xDC00 && q + 6 <= end && q[0] == '\\' && q[1] == 'u')
                    r2 = read_u4(q + 2, end, &bad);
                if (r2 >= 0xDC00 && r2 < 0xE000) {
                    r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                    q += 6;
                } else {
                    r = 0xFFFD;
                }
            }
            w += (size_t)utf8_put(b + w, (uint32_t)r);
            break;
        }
        default:
            fail_char(p, q - 1, "in string escape code");
            return NULL;
        }
    }
}

static val *parse_number(jparser *p, const char **sp)
{
    const char *s = *sp, *q = s, *end = p->end;
    bool neg = false;
    if (*q == '-') {
        neg = true;
        q++;
    }
    const char *digits = q;
    if (q < end && *q == '0') {
        q++;
    } else if (q < end && *q >= '1' && *q <= '9') {
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    } else {
        fail_char(p, q, "in numeric literal");
        return NULL;
    }
    size_t nd = (size_t)(q - digits);
    bool simple = true;
    if (q < end && *q == '.') {
        simple = false;
        q++;
        if (q >= end || *q < '0' || *q > '9') {
            fail_char(p, q, "after decimal point in numeric literal");
            return NULL;
        }
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        simple = false;
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end || *q < '0' || *q > '9') {
            fail_char(p, q, "in exponent of numeric literal");
            return NULL;
        }
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    *sp = q;
    if (simple && nd <= 18 && !(neg && nd == 1 && digits[0] == '0')) {
        int64_t v = 0;
        for (size_t i = 0; i < nd; i++)
            v = v * 10 + (digits[i] - '0');
        return val_int(p->a, neg ? -v : v);
    }
    return val_number_text(p->a, s, (size_t)(q - s));
}

static const char *skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
        s++;
    return s;
}

static bool parse_literal(jparser *p, const char **sp, const char *word)
{
    const char *s = *sp;
    size_t n = strlen(word);
    for (size_t i = 1; i < n; i++) {
        if (s + i >= p->end || s[i] != word[i]) {
            char ctx[64];
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word, word[i]);
            fail_char(p, s + i, ctx);
            return false;
        }
    }
    *sp = s + n;
    return true;
}

static val *fail_oom(jparser *p, const char *at)
{
    fail_at(p, at, "out of memory");
    return NULL;
}

/* The parse proper: a loop over "expect a value" and "after a value". */
static val *parse(jparser *p)
{
    const char *s = p->start, *end = p->end;
    val *v;

value:
    s = skip_ws(s, end);
    if (s >= end) {
        fail_at(p, end, "unexpected end of JSON input");
        return NULL;
    }
    switch (*s) {
    case '{':
    case '[': {
        bool obj = *s == '{';
        if ((int)p->nf >= p->max_depth) {
            char msg[64];
            snprintf(msg, sizeof msg, "exceeded max depth of %d", p->max_depth);
            fail_at(p, s, msg);
            return NULL;
        }
        s = skip_ws(s + 1, end);
        if (s < end && *s == (obj ? '}' : ']')) {
            s++;
            v = obj ? VAL_EMPTY_OBJECT_V : VAL_EMPTY_ARRAY_V;
            goto have_value;
        }
        if (!push_frame(p, obj))
            return fail_oom(p, s);
        if (obj)
            goto key;
        goto value;
    }
    case '"':
        v = parse_string(p, &s);
        break;
    case 't':
        v = parse_literal(p, &s, "true") ? VAL_TRUE_V : NULL;
        break;
    case 'f':
        v = parse_literal(p, &s, "false") ? VAL_FALSE_V : NULL;
        break;
    case 'n':
        v = parse_literal(p, &s, "null") ? VAL_NULL_V : NULL;
        break;
    default:
        if (*s == '-' || (*s >= '0' && *s <= '9')) {
            v = parse_number(p, &s);
            break;
        }
        fail_char(p, s, "looking for beginning of value");
        return NULL;
    }
    if (!v)
        return NULL;

have_value:
    if (p->nf == 0) {
        s = skip_ws(s, end);
        if (s < end) {
            fail_char(p, s, "after top-level value");
            return NULL;
        }
        return v;
    }
    if (!push_val(p, v))
        return fail_oom(p, s);
    s = skip_ws(s, end);
    {
        jframe *f = &p->frames[p->nf - 1];
        if (s < end && *s == ',') {
            s = skip_ws(s + 1, end);
            if (f->obj)
                goto key;
            goto value;
        }
        if (s < end && *s == (f->obj ? '}' : ']')) {
            s++;
            size_t n = p->nv - f->vbase;
            if (f->obj)
                v = val_object(p->a, p->keys + f->kbase, p->vals + f->vbase, n);
            else
                v = val_array(p->a, p->vals + f->vbase, n);
            p->nv = f->vbase;
            p->nk = f->kbase;
            p->nf--;
            goto have_value;
        }
        fail_char(p, s, f->obj ? "after object key:value pair" : "after array element");
        return NULL;
    }

key:
    if (s >= end || *s != '"') {
        fail_char(p, s, "looking for beginning of object key string");
        return NULL;
    }
    v = parse_string(p, &s);
    if (!v)
        return NULL;
    if (!push_key(p, v))
        return fail_oom(p, s);
    s = skip_ws(s, end);
    if (s >= end || *s != ':') {
        fail_char(p, s, "after object key");
        return NULL;
    }
    s++;
    goto value;
}

/* Runs the parse with the arena's out-of-memory jump caught here, so the
 * parser's own buffers are released; the caller re-raises it. */
static val *parse_guarded(jparser *p)
{
    jmp_buf jb;
    jmp_buf *saved = p->a->oom;
    p->a->oom = &jb;
    if (setjmp(jb)) {
        p->a->oom = saved;
        p->oom_code = p->a->oom_code;
        return NULL;
    }
    val *v = parse(p);
    p->a->oom = saved;
    return v;
}

val *json_parse(arena *a, const char *text, size_t len, int max_depth, json_error *err)
{
    jparser p;
    memset(&p, 0, offsetof(jparser, ivals));
    p.start = text;
    p.end = text + len;
    p.a = a;
    p.err = err;
    p.max_depth = max_depth > 0 ? max_depth : JSON_DEFAULT_MAX_DEPTH;
    p.vals = p.ivals;
    p.keys = p.ikeys;
    p.frames = p.iframes;
    p.cv = p.ck = p.cf = INLINE_STACK;
    if (len >= INTERN_MIN_INPUT)
        p.intern = calloc(INTERN_SLOTS, sizeof *p.intern);   /* optional: NULL just means no interning */

    val *v = parse_guarded(&p);

    if (p.vals != p.ivals)
        free(p.vals);
    if (p.keys != p.ikeys)
        free(p.keys);
    if (p.frames != p.iframes)
        free(p.frames);
    free(p.buf);
    free(p.intern);
    if (p.oom_code) {
        if (a->oom)
            longjmp(*a->oom, p.oom_code);
        fill_error(err, text, 0, p.oom_code == ARENA_LIMIT ? "memory limit exceeded" : "out of memory");
        return NULL;
    }
    return v;
}

/* ======================================================================
 * Writer
 * ====================================================================== */

static const char hexdig[] = "0123456789abcdef";

/* Go's encoding/json string escaping: '"' '\\' \b \f \n \r \t by name, other
 * control bytes as \u00XX, U+2028/U+2029 escaped, each invalid UTF-8 byte as
 * \ufffd, and with JSON_ESCAPE_HTML '<' '>' '&' as \u003c \u003e \u0026. */
void json_write_string(strbuf *sb, const char *str, size_t n, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)str;
    bool html = (flags & JSON_ESCAPE_HTML) != 0;
    size_t start = 0, i = 0;
    sb_reserve(sb, n + 2);
    sb_putc(sb, '"');
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (str_class[c] == 0 && !(html && (c == '<' || c == '>' || c == '&'))) {
                i++;
                continue;
            }
            sb_append(sb, str + start, i - start);
            switch (c) {
            case '"': sb_append(sb, "\\\"", 2); break;
            case '\\': sb_append(sb, "\\\\", 2); break;
            case '\b': sb_append(sb, "\\b", 2); break;
            case '\f': sb_append(sb, "\\f", 2); break;
            case '\n': sb_append(sb, "\\n", 2); break;
            case '\r': sb_append(sb, "\\r", 2); break;
            case '\t': sb_append(sb, "\\t", 2); break;
            default: {
                char e[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
                sb_append(sb, e, 6);
            }
            }
            start = ++i;
            continue;
        }
        int len = utf8_seq(s + i, s + n);
        if (len == 0) {
            sb_append(sb, str + start, i - start);
            sb_append(sb, "\\ufffd", 6);
            start = ++i;
            continue;
        }
        if (len == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
            sb_append(sb, str + start, i - start);
            sb_append(sb, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            start = i += 3;
            continue;
        }
        i += (size_t)len;
    }
    sb_append(sb, str + start, n - start);
    sb_putc(sb, '"');
}

static void newline_indent(strbuf *sb, int depth)
{
    sb_reserve(sb, 1 + 2 * (size_t)depth);
    sb_putc(sb, '\n');
    for (int i = 0; i < depth; i++)
        sb_append(sb, "  ", 2);
}

static void write_value(strbuf *sb, const val *v, unsigned flags, int depth);

static void write_items(strbuf *sb, val *const *items, uint32_t n, unsigned flags, int depth)
{
    bool pretty = (flags & JSON_PRETTY) != 0;
    if (n == 0) {
        sb_append(sb, "[]", 2);
        return;
    }
    sb_putc(sb, '[');
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_putc(sb, ',');
        if (pretty)
            newline_indent(sb, depth + 1);
        write_value(sb, items[i], flags, depth + 1);
    }
    if (pretty)
        newline_indent(sb, depth);
    sb_putc(sb, ']');
}

/* One member: the key as a JSON string (key bytes given), then the value. */
static void write_member(strbuf *sb, bool first, const char *k, size_t kn, const val *value,
                         unsigned flags, int depth)
{
    if (!first)
        sb_putc(sb, ',');
    if (flags & JSON_PRETTY)
        newline_indent(sb, depth + 1);
    json_write_string(sb, k, kn, flags);
    if (flags & JSON_PRETTY)
        sb_append(sb, ": ", 2);
    else
        sb_putc(sb, ':');
    write_value(sb, value, flags, depth + 1);
}

typedef struct keytext {
    const char *s;              /* set once all key texts are written */
    size_t off, len, idx;
} keytext;

static int keytext_cmp(const void *x, const void *y)
{
    const keytext *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->s, b->s, n) : 0;
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Objects with non-string keys: OPA's ast.JSON turns each key into the
 * compact JSON text of its value (as json.NewEncoder writes it, so with HTML
 * escaping), then Go orders the map's keys bytewise; when two keys collide
 * the later one in canonical order wins. */
static bool write_object_converted(strbuf *sb, const val *v, unsigned flags, int depth)
{
    uint32_t n = v->len;
    keytext *kt = malloc(n * sizeof *kt);
    if (!kt)
        return false;
    strbuf ks = STRBUF_INIT;
    for (uint32_t i = 0; i < n; i++) {
        const val *k = val_object_keys(v)[i];
        kt[i].off = ks.len;
        kt[i].idx = i;
        if (k->kind == VAL_STRING)
            sb_append(&ks, val_str(k), k->len);
        else
            json_write(&ks, k, JSON_ESCAPE_HTML);
        kt[i].len = ks.len - kt[i].off;
    }
    for (uint32_t i = 0; i < n; i++)
        kt[i].s = ks.data ? ks.data + kt[i].off : "";
    qsort(kt, n, sizeof *kt, keytext_cmp);
    sb_putc(sb, '{');
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
        if (i + 1 < n && kt[i].len == kt[i + 1].len && memcmp(kt[i].s, kt[i + 1].s, kt[i].len) == 0)
            continue;                               /* a later key with the same text wins */
        write_member(sb, first, kt[i].s, kt[i].len, val_object_values(v)[kt[i].idx], flags, depth);
        first = false;
    }
    if (flags & JSON_PRETTY)
        newline_indent(sb, depth);
    sb_putc(sb, '}');
    sb_free(&ks);
    free(kt);
    return true;
}

static void write_object(strbuf *sb, const val *v, unsigned flags, int depth)
{
    uint32_t n = v->len;
    if (n == 0) {
        sb_append(sb, "{}", 2);
        return;
    }
    val *const *keys = val_object_keys(v);
    for (uint32_t i = 0; i < n; i++)
        if (keys[i]->kind != VAL_STRING) {
            if (write_object_converted(sb, v, flags, depth))
                return;
            break;      /* no memory for the conversion: fall through, best effort */
        }
    sb_putc(sb, '{');
    for (uint32_t i = 0; i < n; i++) {
        const val *k = keys[i];
        if (k->kind == VAL_STRING) {
            write_member(sb, i == 0, val_str(k), k->len, val_object_values(v)[i], flags, depth);
        } else {
            strbuf ks = STRBUF_INIT;
            json_write(&ks, k, JSON_ESCAPE_HTML);
            write_member(sb, i == 0, ks.data, ks.len, val_object_values(v)[i], flags, depth);
            sb_free(&ks);
        }
    }
    if (flags & JSON_PRETTY)
        newline_indent(sb, depth);
    sb_putc(sb, '}');
}

static void write_value(strbuf *sb, const val *v, unsigned flags, int depth)
{
    switch ((val_kind)v->kind) {
    case VAL_NULL:
        sb_append(sb, "null", 4);
        break;
    case VAL_BOOL:
        if (val_is_true(v))
            sb_append(sb, "true", 4);
        else
            sb_append(sb, "false", 5);
        break;
    case VAL_NUMBER:
        num_write(sb, v);
        break;
    case VAL_STRING:
        json_write_string(sb, val_str(v), v->len, flags);
        break;
    case VAL_ARRAY:
        write_items(sb, val_array_items(v), v->len, flags, depth);
        break;
    case VAL_SET:
        write_items(sb, val_set_items(v), v->len, flags, depth);
        break;
    case VAL_OBJECT:
        write_object(sb, v, flags, depth);
        break;
    }
}

void json_write(strbuf *sb, const val *v, unsigned flags) { write_value(sb, v, flags, 0); }

void json_write_indent(strbuf *sb, const val *v, unsigned flags, int depth)
{
    write_value(sb, v, flags, depth);
}

/* ======================================================================
 * Rego text (OPA's Value.String)
 * ====================================================================== */

/* Code points >= 0xA0 that Go's unicode.IsPrint accepts (categories L, M, N,
 * P, S), as inclusive ranges; generated from the Unicode character database.
 * Below 0xA0 only 0x20..0x7E are printable. */
static const uint32_t print_ranges[][2] = {
    {0xa1, 0xac}, {0xae, 0x377}, {0x37a, 0x37f}, {0x384, 0x38a}, {0x38c, 0x38c}, {0x38e, 0x3a1},
    {0x3a3, 0x52f}, {0x531, 0x556}, {0x559, 0x58a}, {0x58d, 0x58f}, {0x591, 0x5c7}, {0x5d0, 0x5ea},
    {0x5ef, 0x5f4}, {0x606, 0x61b}, {0x61d, 0x6dc}, {0x6de, 0x70d}, {0x710, 0x74a}, {0x74d, 0x7b1},
    {0x7c0, 0x7fa}, {0x7fd, 0x82d}, {0x830, 0x83e}, {0x840, 0x85b}, {0x85e, 0x85e}, {0x860, 0x86a},
    {0x870, 0x88e}, {0x898, 0x8e1}, {0x8e3, 0x983}, {0x985, 0x98c}, {0x98f, 0x990}, {0x993, 0x9a8},
    {0x9aa, 0x9b0}, {0x9b2, 0x9b2}, {0x9b6, 0x9b9}, {0x9bc, 0x9c4}, {0x9c7, 0x9c8}, {0x9cb, 0x9ce},
    {0x9d7, 0x9d7}, {0x9dc, 0x9dd}, {0x9df, 0x9e3}, {0x9e6, 0x9fe}, {0xa01, 0xa03}, {0xa05, 0xa0a},
    {0xa0f, 0xa10}, {0xa13, 0xa28}, {0xa2a, 0xa30}, {0xa32, 0xa33}, {0xa35, 0xa36}, {0xa38, 0xa39},
    {0xa3c, 0xa3c}, {0xa3e, 0xa42}, {0xa47, 0xa48}, {0xa4b, 0xa4d}, {0xa51, 0xa51}, {0xa59, 0xa5c},
    {0xa5e, 0xa5e}, {0xa66, 0xa76}, {0xa81, 0xa83}, {0xa85, 0xa8d}, {0xa8f, 0xa91}, {0xa93, 0xaa8},
    {0xaaa, 0xab0}, {0xab2, 0xab3}, {0xab5, 0xab9}, {0xabc, 0xac5}, {0xac7, 0xac9}, {0xacb, 0xacd},
    {0xad0, 0xad0}, {0xae0, 0xae3}, {0xae6, 0xaf1}, {0xaf9, 0xaff}, {0xb01, 0xb03}, {0xb05, 0xb0c},
    {0xb0f, 0xb10}, {0xb13, 0xb28}, {0xb2a, 0xb30}, {0xb32, 0xb33}, {0xb35, 0xb39}, {0xb3c, 0xb44},
    {0xb47, 0xb48}, {0xb4b, 0xb4d}, {0xb55, 0xb57}, {0xb5c, 0xb5d}, {0xb5f, 0xb63}, {0xb66, 0xb77},
    {0xb82, 0xb83}, {0xb85, 0xb8a}, {0xb8e, 0xb90}, {0xb92, 0xb95}, {0xb99, 0xb9a}, {0xb9c, 0xb9c},
    {0xb9e, 0xb9f}, {0xba3, 0xba4}, {0xba8, 0xbaa}, {0xbae, 0xbb9}, {0xbbe, 0xbc2}, {0xbc6, 0xbc8},
    {0xbca, 0xbcd}, {0xbd0, 0xbd0}, {0xbd7, 0xbd7}, {0xbe6, 0xbfa}, {0xc00, 0xc0c}, {0xc0e, 0xc10},
    {0xc12, 0xc28}, {0xc2a, 0xc39}, {0xc3c, 0xc44}, {0xc46, 0xc48}, {0xc4a, 0xc4d}, {0xc55, 0xc56},
    {0xc58, 0xc5a}, {0xc5d, 0xc5d}, {0xc60, 0xc63}, {0xc66, 0xc6f}, {0xc77, 0xc8c}, {0xc8e, 0xc90},
    {0xc92, 0xca8}, {0xcaa, 0xcb3}, {0xcb5, 0xcb9}, {0xcbc, 0xcc4}, {0xcc6, 0xcc8}, {0xcca, 0xccd},
    {0xcd5, 0xcd6}, {0xcdd, 0xcde}, {0xce0, 0xce3}, {0xce6, 0xcef}, {0xcf1, 0xcf2}, {0xd00, 0xd0c},
    {0xd0e, 0xd10}, {0xd12, 0xd44}, {0xd46, 0xd48}, {0xd4a, 0xd4f}, {0xd54, 0xd63}, {0xd66, 0xd7f},
    {0xd81, 0xd83}, {0xd85, 0xd96}, {0xd9a, 0xdb1}, {0xdb3, 0xdbb}, {0xdbd, 0xdbd}, {0xdc0, 0xdc6},
    {0xdca, 0xdca}, {0xdcf, 0xdd4}, {0xdd6, 0xdd6}, {0xdd8, 0xddf}, {0xde6, 0xdef}, {0xdf2, 0xdf4},
    {0xe01, 0xe3a}, {0xe3f, 0xe5b}, {0xe81, 0xe82}, {0xe84, 0xe84}, {0xe86, 0xe8a}, {0xe8c, 0xea3},
    {0xea5, 0xea5}, {0xea7, 0xebd}, {0xec0, 0xec4}, {0xec6, 0xec6}, {0xec8, 0xecd}, {0xed0, 0xed9},
    {0xedc, 0xedf}, {0xf00, 0xf47}, {0xf49, 0xf6c}, {0xf71, 0xf97}, {0xf99, 0xfbc}, {0xfbe, 0xfcc},
    {0xfce, 0xfda}, {0x1000, 0x10c5}, {0x10c7, 0x10c7}, {0x10cd, 0x10cd}, {0x10d0, 0x1248}, {0x124a, 0x124d},
    {0x1250, 0x1256}, {0x1258, 0x1258}, {0x125a, 0x125d}, {0x1260, 0x1288}, {0x128a, 0x128d}, {0x1290, 0x12b0},
    {0x12b2, 0x12b5}, {0x12b8, 0x12be}, {0x12c0, 0x12c0}, {0x12c2, 0x12c5}, {0x12c8, 0x12d6}, {0x12d8, 0x1310},
    {0x1312, 0x1315}, {0x1318, 0x135a}, {0x135d, 0x137c}, {0x1380, 0x1399}, {0x13a0, 0x13f5}, {0x13f8, 0x13fd},
    {0x1400, 0x167f}, {0x1681, 0x169c}, {0x16a0, 0x16f8}, {0x1700, 0x1715}, {0x171f, 0x1736}, {0x1740, 0x1753},
    {0x1760, 0x176c}, {0x176e, 0x1770}, {0x1772, 0x1773}, {0x1780, 0x17dd}, {0x17e0, 0x17e9}, {0x17f0, 0x17f9},
    {0x1800, 0x180d}, {0x180f, 0x1819}, {0x1820, 0x1878}, {0x1880, 0x18aa}, {0x18b0, 0x18f5}, {0x1900, 0x191e},
    {0x1920, 0x192b}, {0x1930, 0x193b}, {0x1940, 0x1940}, {0x1944, 0x196d}, {0x1970, 0x1974}, {0x1980, 0x19ab},
    {0x19b0, 0x19c9}, {0x19d0, 0x19da}, {0x19de, 0x1a1b}, {0x1a1e, 0x1a5e}, {0x1a60, 0x1a7c}, {0x1a7f, 0x1a89},
    {0x1a90, 0x1a99}, {0x1aa0, 0x1aad}, {0x1ab0, 0x1ace}, {0x1b00, 0x1b4c}, {0x1b50, 0x1b7e}, {0x1b80, 0x1bf3},
    {0x1bfc, 0x1c37}, {0x1c3b, 0x1c49}, {0x1c4d, 0x1c88}, {0x1c90, 0x1cba}, {0x1cbd, 0x1cc7}, {0x1cd0, 0x1cfa},
    {0x1d00, 0x1f15}, {0x1f18, 0x1f1d}, {0x1f20, 0x1f45}, {0x1f48, 0x1f4d}, {0x1f50, 0x1f57}, {0x1f59, 0x1f59},
    {0x1f5b, 0x1f5b}, {0x1f5d, 0x1f5d}, {0x1f5f, 0x1f7d}, {0x1f80, 0x1fb4}, {0x1fb6, 0x1fc4}, {0x1fc6, 0x1fd3},
    {0x1fd6, 0x1fdb}, {0x1fdd, 0x1fef}, {0x1ff2, 0x1ff4}, {0x1ff6, 0x1ffe}, {0x2010, 0x2027}, {0x2030, 0x205e},
    {0x2070, 0x2071}, {0x2074, 0x208e}, {0x2090, 0x209c}, {0x20a0, 0x20c0}, {0x20d0, 0x20f0}, {0x2100, 0x218b},
    {0x2190, 0x2426}, {0x2440, 0x244a}, {0x2460, 0x2b73}, {0x2b76, 0x2b95}, {0x2b97, 0x2cf3}, {0x2cf9, 0x2d25},
    {0x2d27, 0x2d27}, {0x2d2d, 0x2d2d}, {0x2d30, 0x2d67}, {0x2d6f, 0x2d70}, {0x2d7f, 0x2d96}, {0x2da0, 0x2da6},
    {0x2da8, 0x2dae}, {0x2db0, 0x2db6}, {0x2db8, 0x2dbe}, {0x2dc0, 0x2dc6}, {0x2dc8, 0x2dce}, {0x2dd0, 0x2dd6},
    {0x2dd8, 0x2dde}, {0x2de0, 0x2e5d}, {0x2e80, 0x2e99}, {0x2e9b, 0x2ef3}, {0x2f00, 0x2fd5}, {0x2ff0, 0x2ffb},
    {0x3001, 0x303f}, {0x3041, 0x3096}, {0x3099, 0x30ff}, {0x3105, 0x312f}, {0x3131, 0x318e}, {0x3190, 0x31e3},
    {0x31f0, 0x321e}, {0x3220, 0xa48c}, {0xa490, 0xa4c6}, {0xa4d0, 0xa62b}, {0xa640, 0xa6f7}, {0xa700, 0xa7ca},
    {0xa7d0, 0xa7d1}, {0xa7d3, 0xa7d3}, {0xa7d5, 0xa7d9}, {0xa7f2, 0xa82c}, {0xa830, 0xa839}, {0xa840, 0xa877},
    {0xa880, 0xa8c5}, {0xa8ce, 0xa8d9}, {0xa8e0, 0xa953}, {0xa95f, 0xa97c}, {0xa980, 0xa9cd}, {0xa9cf, 0xa9d9},
    {0xa9de, 0xa9fe}, {0xaa00, 0xaa36}, {0xaa40, 0xaa4d}, {0xaa50, 0xaa59}, {0xaa5c, 0xaac2}, {0xaadb, 0xaaf6},
    {0xab01, 0xab06}, {0xab09, 0xab0e}, {0xab11, 0xab16}, {0xab20, 0xab26}, {0xab28, 0xab2e}, {0xab30, 0xab6b},
    {0xab70, 0xabed}, {0xabf0, 0xabf9}, {0xac00, 0xd7a3}, {0xd7b0, 0xd7c6}, {0xd7cb, 0xd7fb}, {0xf900, 0xfa6d},
    {0xfa70, 0xfad9}, {0xfb00, 0xfb06}, {0xfb13, 0xfb17}, {0xfb1d, 0xfb36}, {0xfb38, 0xfb3c}, {0xfb3e, 0xfb3e},
    {0xfb40, 0xfb41}, {0xfb43, 0xfb44}, {0xfb46, 0xfbc2}, {0xfbd3, 0xfd8f}, {0xfd92, 0xfdc7}, {0xfdcf, 0xfdcf},
    {0xfdf0, 0xfe19}, {0xfe20, 0xfe52}, {0xfe54, 0xfe66}, {0xfe68, 0xfe6b}, {0xfe70, 0xfe74}, {0xfe76, 0xfefc},
    {0xff01, 0xffbe}, {0xffc2, 0xffc7}, {0xffca, 0xffcf}, {0xffd2, 0xffd7}, {0xffda, 0xffdc}, {0xffe0, 0xffe6},
    {0xffe8, 0xffee}, {0xfffc, 0xfffd}, {0x10000, 0x1000b}, {0x1000d, 0x10026}, {0x10028, 0x1003a}, {0x1003c, 0x1003d},
    {0x1003f, 0x1004d}, {0x10050, 0x1005d}, {0x10080, 0x100fa}, {0x10100, 0x10102}, {0x10107, 0x10133}, {0x10137, 0x1018e},
    {0x10190, 0x1019c}, {0x101a0, 0x101a0}, {0x101d0, 0x101fd}, {0x10280, 0x1029c}, {0x102a0, 0x102d0}, {0x102e0, 0x102fb},
    {0x10300, 0x10323}, {0x1032d, 0x1034a}, {0x10350, 0x1037a}, {0x10380, 0x1039d}, {0x1039f, 0x103c3}, {0x103c8, 0x103d5},
    {0x10400, 0x1049d}, {0x104a0, 0x104a9}, {0x104b0, 0x104d3}, {0x104d8, 0x104fb}, {0x10500, 0x10527}, {0x10530, 0x10563},
    {0x1056f, 0x1057a}, {0x1057c, 0x1058a}, {0x1058c, 0x10592}, {0x10594, 0x10595}, {0x10597, 0x105a1}, {0x105a3, 0x105b1},
    {0x105b3, 0x105b9}, {0x105bb, 0x105bc}, {0x10600, 0x10736}, {0x10740, 0x10755}, {0x10760, 0x10767}, {0x10780, 0x10785},
    {0x10787, 0x107b0}, {0x107b2, 0x107ba}, {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080a, 0x10835}, {0x10837, 0x10838},
    {0x1083c, 0x1083c}, {0x1083f, 0x10855}, {0x10857, 0x1089e}, {0x108a7, 0x108af}, {0x108e0, 0x108f2}, {0x108f4, 0x108f5},
    {0x108fb, 0x1091b}, {0x1091f, 0x10939}, {0x1093f, 0x1093f}, {0x10980, 0x109b7}, {0x109bc, 0x109cf}, {0x109d2, 0x10a03},
    {0x10a05, 0x10a06}, {0x10a0c, 0x10a13}, {0x10a15, 0x10a17}, {0x10a19, 0x10a35}, {0x10a38, 0x10a3a}, {0x10a3f, 0x10a48},
    {0x10a50, 0x10a58}, {0x10a60, 0x10a9f}, {0x10ac0, 0x10ae6}, {0x10aeb, 0x10af6}, {0x10b00, 0x10b35}, {0x10b39, 0x10b55},
    {0x10b58, 0x10b72}, {0x10b78, 0x10b91}, {0x10b99, 0x10b9c}, {0x10ba9, 0x10baf}, {0x10c00, 0x10c48}, {0x10c80, 0x10cb2},
    {0x10cc0, 0x10cf2}, {0x10cfa, 0x10d27}, {0x10d30, 0x10d39}, {0x10e60, 0x10e7e}, {0x10e80, 0x10ea9}, {0x10eab, 0x10ead},
    {0x10eb0, 0x10eb1}, {0x10f00, 0x10f27}, {0x10f30, 0x10f59}, {0x10f70, 0x10f89}, {0x10fb0, 0x10fcb}, {0x10fe0, 0x10ff6},
    {0x11000, 0x1104d}, {0x11052, 0x11075}, {0x1107f, 0x110bc}, {0x110be, 0x110c2}, {0x110d0, 0x110e8}, {0x110f0, 0x110f9},
    {0x11100, 0x11134}, {0x11136, 0x11147}, {0x11150, 0x11176}, {0x11180, 0x111df}, {0x111e1, 0x111f4}, {0x11200, 0x11211},
    {0x11213, 0x1123e}, {0x11280, 0x11286}, {0x11288, 0x11288}, {0x1128a, 0x1128d}, {0x1128f, 0x1129d}, {0x1129f, 0x112a9},
    {0x112b0, 0x112ea}, {0x112f0, 0x112f9}, {0x11300, 0x11303}, {0x11305, 0x1130c}, {0x1130f, 0x11310}, {0x11313, 0x11328},
    {0x1132a, 0x11330}, {0x11332, 0x11333}, {0x11335, 0x11339}, {0x1133b, 0x11344}, {0x11347, 0x11348}, {0x1134b, 0x1134d},
    {0x11350, 0x11350}, {0x11357, 0x11357}, {0x1135d, 0x11363}, {0x11366, 0x1136c}, {0x11370, 0x11374}, {0x11400, 0x1145b},
    {0x1145d, 0x11461}, {0x11480, 0x114c7}, {0x114d0, 0x114d9}, {0x11580, 0x115b5}, {0x115b8, 0x115dd}, {0x11600, 0x11644},
    {0x11650, 0x11659}, {0x11660, 0x1166c}, {0x11680, 0x116b9}, {0x116c0, 0x116c9}, {0x11700, 0x1171a}, {0x1171d, 0x1172b},
    {0x11730, 0x11746}, {0x11800, 0x1183b}, {0x118a0, 0x118f2}, {0x118ff, 0x11906}, {0x11909, 0x11909}, {0x1190c, 0x11913},
    {0x11915, 0x11916}, {0x11918, 0x11935}, {0x11937, 0x11938}, {0x1193b, 0x11946}, {0x11950, 0x11959}, {0x119a0, 0x119a7},
    {0x119aa, 0x119d7}, {0x119da, 0x119e4}, {0x11a00, 0x11a47}, {0x11a50, 0x11aa2}, {0x11ab0, 0x11af8}, {0x11c00, 0x11c08},
    {0x11c0a, 0x11c36}, {0x11c38, 0x11c45}, {0x11c50, 0x11c6c}, {0x11c70, 0x11c8f}, {0x11c92, 0x11ca7}, {0x11ca9, 0x11cb6},
    {0x11d00, 0x11d06}, {0x11d08, 0x11d09}, {0x11d0b, 0x11d36}, {0x11d3a, 0x11d3a}, {0x11d3c, 0x11d3d}, {0x11d3f, 0x11d47},
    {0x11d50, 0x11d59}, {0x11d60, 0x11d65}, {0x11d67, 0x11d68}, {0x11d6a, 0x11d8e}, {0x11d90, 0x11d91}, {0x11d93, 0x11d98},
    {0x11da0, 0x11da9}, {0x11ee0, 0x11ef8}, {0x11fb0, 0x11fb0}, {0x11fc0, 0x11ff1}, {0x11fff, 0x12399}, {0x12400, 0x1246e},
    {0x12470, 0x12474}, {0x12480, 0x12543}, {0x12f90, 0x12ff2}, {0x13000, 0x1342e}, {0x14400, 0x14646}, {0x16800, 0x16a38},
    {0x16a40, 0x16a5e}, {0x16a60, 0x16a69}, {0x16a6e, 0x16abe}, {0x16ac0, 0x16ac9}, {0x16ad0, 0x16aed}, {0x16af0, 0x16af5},
    {0x16b00, 0x16b45}, {0x16b50, 0x16b59}, {0x16b5b, 0x16b61}, {0x16b63, 0x16b77}, {0x16b7d, 0x16b8f}, {0x16e40, 0x16e9a},
    {0x16f00, 0x16f4a}, {0x16f4f, 0x16f87}, {0x16f8f, 0x16f9f}, {0x16fe0, 0x16fe4}, {0x16ff0, 0x16ff1}, {0x17000, 0x187f7},
    {0x18800, 0x18cd5}, {0x18d00, 0x18d08}, {0x1aff0, 0x1aff3}, {0x1aff5, 0x1affb}, {0x1affd, 0x1affe}, {0x1b000, 0x1b122},
    {0x1b150, 0x1b152}, {0x1b164, 0x1b167}, {0x1b170, 0x1b2fb}, {0x1bc00, 0x1bc6a}, {0x1bc70, 0x1bc7c}, {0x1bc80, 0x1bc88},
    {0x1bc90, 0x1bc99}, {0x1bc9c, 0x1bc9f}, {0x1cf00, 0x1cf2d}, {0x1cf30, 0x1cf46}, {0x1cf50, 0x1cfc3}, {0x1d000, 0x1d0f5},
    {0x1d100, 0x1d126}, {0x1d129, 0x1d172}, {0x1d17b, 0x1d1ea}, {0x1d200, 0x1d245}, {0x1d2e0, 0x1d2f3}, {0x1d300, 0x1d356},
    {0x1d360, 0x1d378}, {0x1d400, 0x1d454}, {0x1d456, 0x1d49c}, {0x1d49e, 0x1d49f}, {0x1d4a2, 0x1d4a2}, {0x1d4a5, 0x1d4a6},
    {0x1d4a9, 0x1d4ac}, {0x1d4ae, 0x1d4b9}, {0x1d4bb, 0x1d4bb}, {0x1d4bd, 0x1d4c3}, {0x1d4c5, 0x1d505}, {0x1d507, 0x1d50a},
    {0x1d50d, 0x1d514}, {0x1d516, 0x1d51c}, {0x1d51e, 0x1d539}, {0x1d53b, 0x1d53e}, {0x1d540, 0x1d544}, {0x1d546, 0x1d546},
    {0x1d54a, 0x1d550}, {0x1d552, 0x1d6a5}, {0x1d6a8, 0x1d7cb}, {0x1d7ce, 0x1da8b}, {0x1da9b, 0x1da9f}, {0x1daa1, 0x1daaf},
    {0x1df00, 0x1df1e}, {0x1e000, 0x1e006}, {0x1e008, 0x1e018}, {0x1e01b, 0x1e021}, {0x1e023, 0x1e024}, {0x1e026, 0x1e02a},
    {0x1e100, 0x1e12c}, {0x1e130, 0x1e13d}, {0x1e140, 0x1e149}, {0x1e14e, 0x1e14f}, {0x1e290, 0x1e2ae}, {0x1e2c0, 0x1e2f9},
    {0x1e2ff, 0x1e2ff}, {0x1e7e0, 0x1e7e6}, {0x1e7e8, 0x1e7eb}, {0x1e7ed, 0x1e7ee}, {0x1e7f0, 0x1e7fe}, {0x1e800, 0x1e8c4},
    {0x1e8c7, 0x1e8d6}, {0x1e900, 0x1e94b}, {0x1e950, 0x1e959}, {0x1e95e, 0x1e95f}, {0x1ec71, 0x1ecb4}, {0x1ed01, 0x1ed3d},
    {0x1ee00, 0x1ee03}, {0x1ee05, 0x1ee1f}, {0x1ee21, 0x1ee22}, {0x1ee24, 0x1ee24}, {0x1ee27, 0x1ee27}, {0x1ee29, 0x1ee32},
    {0x1ee34, 0x1ee37}, {0x1ee39, 0x1ee39}, {0x1ee3b, 0x1ee3b}, {0x1ee42, 0x1ee42}, {0x1ee47, 0x1ee47}, {0x1ee49, 0x1ee49},
    {0x1ee4b, 0x1ee4b}, {0x1ee4d, 0x1ee4f}, {0x1ee51, 0x1ee52}, {0x1ee54, 0x1ee54}, {0x1ee57, 0x1ee57}, {0x1ee59, 0x1ee59},
    {0x1ee5b, 0x1ee5b}, {0x1ee5d, 0x1ee5d}, {0x1ee5f, 0x1ee5f}, {0x1ee61, 0x1ee62}, {0x1ee64, 0x1ee64}, {0x1ee67, 0x1ee6a},
    {0x1ee6c, 0x1ee72}, {0x1ee74, 0x1ee77}, {0x1ee79, 0x1ee7c}, {0x1ee7e, 0x1ee7e}, {0x1ee80, 0x1ee89}, {0x1ee8b, 0x1ee9b},
    {0x1eea1, 0x1eea3}, {0x1eea5, 0x1eea9}, {0x1eeab, 0x1eebb}, {0x1eef0, 0x1eef1}, {0x1f000, 0x1f02b}, {0x1f030, 0x1f093},
    {0x1f0a0, 0x1f0ae}, {0x1f0b1, 0x1f0bf}, {0x1f0c1, 0x1f0cf}, {0x1f0d1, 0x1f0f5}, {0x1f100, 0x1f1ad}, {0x1f1e6, 0x1f202},
    {0x1f210, 0x1f23b}, {0x1f240, 0x1f248}, {0x1f250, 0x1f251}, {0x1f260, 0x1f265}, {0x1f300, 0x1f6d7}, {0x1f6dd, 0x1f6ec},
    {0x1f6f0, 0x1f6fc}, {0x1f700, 0x1f773}, {0x1f780, 0x1f7d8}, {0x1f7e0, 0x1f7eb}, {0x1f7f0, 0x1f7f0}, {0x1f800, 0x1f80b},
    {0x1f810, 0x1f847}, {0x1f850, 0x1f859}, {0x1f860, 0x1f887}, {0x1f890, 0x1f8ad}, {0x1f8b0, 0x1f8b1}, {0x1f900, 0x1fa53},
    {0x1fa60, 0x1fa6d}, {0x1fa70, 0x1fa74}, {0x1fa78, 0x1fa7c}, {0x1fa80, 0x1fa86}, {0x1fa90, 0x1faac}, {0x1fab0, 0x1faba},
    {0x1fac0, 0x1fac5}, {0x1fad0, 0x1fad9}, {0x1fae0, 0x1fae7}, {0x1faf0, 0x1faf6}, {0x1fb00, 0x1fb92}, {0x1fb94, 0x1fbca},
    {0x1fbf0, 0x1fbf9}, {0x20000, 0x2a6df}, {0x2a700, 0x2b738}, {0x2b740, 0x2b81d}, {0x2b820, 0x2cea1}, {0x2ceb0, 0x2ebe0},
    {0x2f800, 0x2fa1d}, {0x30000, 0x3134a}, {0xe0100, 0xe01ef},
};

static bool rune_is_print(uint32_t r)
{
    if (r < 0xA0)
        return r >= 0x20 && r < 0x7F;
    size_t lo = 0, hi = sizeof print_ranges / sizeof print_ranges[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r < print_ranges[mid][0])
            hi = mid;
        else if (r > print_ranges[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static uint32_t utf8_decode(const unsigned char *s, int n)
{
    if (n == 2)
        return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    if (n == 3)
        return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
           ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* Go's strconv.Quote. */
static void write_quoted(strbuf *sb, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    char e[12];
    sb_putc(sb, '"');
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            if (c == '"' || c == '\\') {
                e[0] = '\\';
                e[1] = (char)c;
                sb_append(sb, e, 2);
            } else if (c >= 0x20 && c < 0x7F) {
                sb_putc(sb, (char)c);
            } else {
                const char *named = NULL;
                switch (c) {
                case '\a': named = "\\a"; break;
                case '\b': named = "\\b"; break;
                case '\f': named = "\\f"; break;
                case '\n': named = "\\n"; break;
                case '\r': named = "\\r"; break;
                case '\t': named = "\\t"; break;
                case '\v': named = "\\v"; break;
                }
                if (named)
                    sb_append(sb, named, 2);
                else
                    sb_printf(sb, "\\x%02x", c);
            }
            continue;
        }
        int len = utf8_seq(s + i, s + n);
        if (len == 0) {
            sb_printf(sb, "\\x%02x", c);
            i++;
            continue;
        }
        uint32_t r = utf8_decode(s + i, len);
        if (rune_is_print(r))
            sb_append(sb, str + i, (size_t)len);
        else if (r < 0x10000)
            sb_printf(sb, "\\u%04x", (unsigned)r);
        else
            sb_printf(sb, "\\U%08x", (unsigned)r);
        i += (size_t)len;
    }
    sb_putc(sb, '"');
}

void val_write_rego(strbuf *sb, const val *v)
{
    switch ((val_kind)v->kind) {
    case VAL_NULL:
    case VAL_BOOL:
    case VAL_NUMBER:
        json_write(sb, v, 0);
        break;
    case VAL_STRING:
        write_quoted(sb, val_str(v), v->len);
        break;
    case VAL_ARRAY:
    case VAL_SET: {
        val *const *items = v->kind == VAL_ARRAY ? val_array_items(v) : val_set_items(v);
        if (v->kind == VAL_SET && v->len == 0) {
            sb_append(sb, "set()", 5);
            break;
        }
        sb_putc(sb, v->kind == VAL_ARRAY ? '[' : '{');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                sb_append(sb, ", ", 2);
            val_write_rego(sb, items[i]);
        }
        sb_putc(sb, v->kind == VAL_ARRAY ? ']' : '}');
        break;
    }
    case VAL_OBJECT:
        sb_putc(sb, '{');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                sb_append(sb, ", ", 2);
            val_write_rego(sb, val_object_keys(v)[i]);
            sb_append(sb, ": ", 2);
            val_write_rego(sb, val_object_values(v)[i]);
        }
        sb_putc(sb, '}');
        break;
    }
}
