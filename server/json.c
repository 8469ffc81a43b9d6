/* json.c — JSON checking, member lookup, a small tree and re-indenting
 * (see json.h).  One recursive-descent parser serves both checking (no
 * tree) and building; recursion is bounded by max_depth. */
#include "json.h"
#include "../engine/hexdigit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the parser ---- */

typedef struct parser {
    const char *s;
    size_t len, pos;
    int max_depth;
    json_err *err;
    int failed;
} parser;

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

/* Go quotes the offending character as 'x', '\n' or '\x01'. */
static void quote_char(char *out, size_t n, unsigned char c)
{
    if (c == '\'')
        snprintf(out, n, "'\\''");
    else if (c == '"')
        snprintf(out, n, "'\"'");
    else if (c == '\n')
        snprintf(out, n, "'\\n'");
    else if (c == '\r')
        snprintf(out, n, "'\\r'");
    else if (c == '\t')
        snprintf(out, n, "'\\t'");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(out, n, "'%c'", c);
    else
        snprintf(out, n, "'\\x%02x'", c);
}

static void fail_at(parser *p, size_t at, const char *msg)
{
    if (p->failed)
        return;
    p->failed = 1;
    if (!p->err)
        return;
    snprintf(p->err->msg, sizeof p->err->msg, "%s", msg);
    p->err->offset = at;
    int line = 1, col = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->s[i] == '\n')
            line++, col = 1;
        else
            col++;
    }
    p->err->line = line;
    p->err->col = col;
}

/* "invalid character 'x' <context>", or "unexpected EOF" at the end. */
static void fail_char(parser *p, const char *context)
{
    if (p->pos >= p->len) {
        fail_at(p, p->pos, "unexpected EOF");
        return;
    }
    char q[16], msg[160];
    quote_char(q, sizeof q, (unsigned char)p->s[p->pos]);
    snprintf(msg, sizeof msg, "invalid character %s %s", q, context);
    fail_at(p, p->pos, msg);
}

/* A string literal at p->pos (its quote); advances past it. */
static int parse_string(parser *p)
{
    p->pos++;  /* the opening quote */
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            return 0;
        }
        if (c < 0x20) {
            fail_char(p, "in string literal");
            return -1;
        }
        if (c == '\\') {
            p->pos++;
            if (p->pos >= p->len)
                break;
            char e = p->s[p->pos];
            if (e == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (p->pos + (size_t)i >= p->len) {
                        p->pos = p->len;
                        fail_char(p, "");
                        return -1;
                    }
                    if (hex_digit(p->s[p->pos + (size_t)i]) < 0) {
                        p->pos += (size_t)i;
                        fail_char(p, "in \\u hexadecimal character escape");
                        return -1;
                    }
                }
                p->pos += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == 0) {
                fail_char(p, "in string escape code");
                return -1;
            }
        }
        p->pos++;
    }
    fail_at(p, p->len, "unexpected EOF");
    return -1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int parse_number(parser *p)
{
    if (p->s[p->pos] == '-') {
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            fail_char(p, "in numeric literal");
            return -1;
        }
    }
    if (p->s[p->pos] == '0') {
        p->pos++;
    } else {
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            fail_char(p, "after decimal point in numeric literal");
            return -1;
        }
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            fail_char(p, "in exponent of numeric literal");
            return -1;
        }
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    }
    return 0;
}

static int parse_literal(parser *p, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < n; i++, p->pos++) {
        if (p->pos >= p->len || p->s[p->pos] != word[i]) {
            char ctx[64];
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word, word[i]);
            fail_char(p, ctx);
            return -1;
        }
    }
    return 0;
}

static jnode *node_from(parser *p, jn_type t, size_t start);
static int add_member(jnode *obj, const char *lit, size_t litlen, jnode *v);

/* One value at p->pos; *out receives its tree when out is not NULL. */
static int parse_value(parser *p, int depth, jnode **out)
{
    skip_ws(p);
    if (p->pos >= p->len) {
        fail_at(p, p->pos, "unexpected EOF");
        return -1;
    }
    size_t start = p->pos;
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        if (depth >= p->max_depth) {
            char msg[64];
            snprintf(msg, sizeof msg, "exceeded max depth of %d", p->max_depth);
            fail_at(p, p->pos, msg);
            return -1;
        }
        jnode *n = out ? jn_new(c == '{' ? JN_OBJECT : JN_ARRAY) : NULL;
        if (out && !n) {
            fail_at(p, p->pos, "out of memory");
            return -1;
        }
        p->pos++;
        skip_ws(p);
        char close = c == '{' ? '}' : ']';
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            if (out)
                *out = n;
            return 0;
        }
        for (;;) {
            size_t kstart = 0, klen = 0;
            if (c == '{') {
                skip_ws(p);
                if (p->pos >= p->len || p->s[p->pos] != '"') {
                    fail_char(p, "looking for beginning of object key string");
                    goto fail;
                }
                kstart = p->pos;
                if (parse_string(p) != 0)
                    goto fail;
                klen = p->pos - kstart;
                skip_ws(p);
                if (p->pos >= p->len || p->s[p->pos] != ':') {
                    fail_char(p, "after object key");
                    goto fail;
                }
                p->pos++;
            }
            jnode *child = NULL;
            if (parse_value(p, depth + 1, out ? &child : NULL) != 0)
                goto fail;
            if (out) {
                int rc = c == '{' ? add_member(n, p->s + kstart, klen, child) : jn_push(n, child);
                if (rc != 0) {
                    fail_at(p, p->pos, "out of memory");
                    goto fail;
                }
            }
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == close) {
                p->pos++;
                break;
            }
            fail_char(p, c == '{' ? "after object key:value pair" : "after array element");
            goto fail;
        }
        if (out)
            *out = n;
        return 0;
    fail:
        jn_free(n);
        return -1;
    }
    int rc;
    jn_type t;
    if (c == '"')
        rc = parse_string(p), t = JN_STRING;
    else if (c == '-' || is_digit(c))
        rc = parse_number(p), t = JN_NUMBER;
    else if (c == 't')
        rc = parse_literal(p, "true"), t = JN_BOOL;
    else if (c == 'f')
        rc = parse_literal(p, "false"), t = JN_BOOL;
    else if (c == 'n')
        rc = parse_literal(p, "null"), t = JN_NULL;
    else {
        fail_char(p, "looking for beginning of value");
        return -1;
    }
    if (rc != 0)
        return -1;
    if (out) {
        *out = node_from(p, t, start);
        if (!*out) {
            fail_at(p, start, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int parse_document(parser *p, jnode **out)
{
    if (parse_value(p, 0, out) != 0)
        return -1;
    skip_ws(p);
    if (p->pos < p->len) {
        fail_char(p, "after top-level value");
        if (out) {
            jn_free(*out);
            *out = NULL;
        }
        return -1;
    }
    return 0;
}

int json_check(const char *text, size_t len, int max_depth, json_err *e)
{
    parser p = {text ? text : "", text ? len : 0, 0, max_depth > 0 ? max_depth : JSON_MAX_DEPTH, e, 0};
    return parse_document(&p, NULL);
}

int json_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return 0;
    return 1;
}

jnode *jn_parse(const char *text, size_t len, int max_depth, json_err *e)
{
    parser p = {text ? text : "", text ? len : 0, 0, max_depth > 0 ? max_depth : JSON_MAX_DEPTH, e, 0};
    jnode *out = NULL;
    if (parse_document(&p, &out) != 0)
        return NULL;
    return out;
}

/* ---- strings ---- */

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static uint32_t hex4(const char *s)
{
    return (uint32_t)(hex_digit(s[0]) << 12 | hex_digit(s[1]) << 8 | hex_digit(s[2]) << 4 | hex_digit(s[3]));
}

char *json_decode_string(const char *lit, size_t len, size_t *outlen)
{
    /* decoding never lengthens: \uXXXX (6 bytes) becomes at most 4 */
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t w = 0;
    size_t i = lit[0] == '"' ? 1 : 0;
    size_t end = len > 0 && lit[len - 1] == '"' ? len - 1 : len;
    while (i < end) {
        char c = lit[i];
        if (c != '\\') {
            out[w++] = c;
            i++;
            continue;
        }
        char e = i + 1 < end ? lit[i + 1] : 0;
        i += 2;
        switch (e) {
        case 'b': out[w++] = '\b'; break;
        case 'f': out[w++] = '\f'; break;
        case 'n': out[w++] = '\n'; break;
        case 'r': out[w++] = '\r'; break;
        case 't': out[w++] = '\t'; break;
        case 'u': {
            if (i + 4 > end) {
                i = end;
                break;
            }
            uint32_t cp = hex4(lit + i);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= end && lit[i] == '\\' && lit[i + 1] == 'u') {
                uint32_t lo = hex4(lit + i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD;  /* a lone surrogate, as Go decodes it */
            }
            w += put_utf8(out + w, cp);
            break;
        }
        default: out[w++] = e; break;  /* \" \\ \/ */
        }
    }
    out[w] = '\0';
    if (outlen)
        *outlen = w;
    return out;
}

/* ---- member lookup in checked text ---- */

/* Skip one checked value starting at s[i] (after whitespace). */
static size_t skip_value(const char *s, size_t len, size_t i)
{
    int depth = 0;
    while (i < len) {
        char c = s[i];
        if (depth == 0 && (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'))
            return i;  /* the end of a scalar */
        if (c == '"') {
            i++;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            i++;
            if (depth == 0)
                return i;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
            i++;
            continue;
        }
        if (c == '}' || c == ']') {
            depth--;
            i++;
            if (depth == 0)
                return i;
            continue;
        }
        i++;
    }
    return i;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Whether the literal s[a..b) (quotes included) decodes to key. */
static int key_equals(const char *s, size_t a, size_t b, const char *key)
{
    size_t klen = strlen(key);
    if (memchr(s + a, '\\', b - a) == NULL)
        return b - a == klen + 2 && memcmp(s + a + 1, key, klen) == 0;
    size_t n;
    char *d = json_decode_string(s + a, b - a, &n);
    int eq = d && n == klen && memcmp(d, key, klen) == 0;
    free(d);
    return eq;
}

int json_member(const char *text, size_t len, const char *key, const char **val, size_t *vlen)
{
    size_t i = skip_space(text, len, 0);
    if (i >= len || text[i] != '{')
        return -1;
    int found = 0;
    i = skip_space(text, len, i + 1);
    while (i < len && text[i] == '"') {
        size_t ka = i;
        i = skip_value(text, len, i);
        size_t kb = i;
        i = skip_space(text, len, i);
        i = skip_space(text, len, i + 1);  /* the colon */
        size_t va = i;
        i = skip_value(text, len, i);
        if (key_equals(text, ka, kb, key)) {
            *val = text + va;
            *vlen = i - va;
            found = 1;  /* keep going: the last one wins, as in Go */
        }
        i = skip_space(text, len, i);
        if (i < len && text[i] == ',')
            i = skip_space(text, len, i + 1);
    }
    return found;
}

/* ---- re-indenting ---- */

static void newline(buf *out, int depth)
{
    buf_putc(out, '\n');
    for (int i = 0; i < depth; i++)
        buf_puts(out, "  ");
}

void json_pretty(buf *out, const char *s, size_t len)
{
    int depth = 0;
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        switch (c) {
        case ' ': case '\t': case '\n': case '\r':
            i++;
            break;
        case '"': {
            size_t a = i++;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            i++;
            buf_append(out, s + a, (i > len ? len : i) - a);
            break;
        }
        case '{': case '[': {
            size_t j = skip_space(s, len, i + 1);
            if (j < len && (s[j] == '}' || s[j] == ']')) {
                buf_putc(out, c);
                buf_putc(out, s[j]);
                i = j + 1;
                break;
            }
            buf_putc(out, c);
            newline(out, ++depth);
            i++;
            break;
        }
        case '}': case ']':
            newline(out, --depth);
            buf_putc(out, c);
            i++;
            break;
        case ',':
            buf_putc(out, ',');
            newline(out, depth);
            i++;
            break;
        case ':':
            buf_puts(out, ": ");
            i++;
            break;
        default: {
            size_t a = i;
            while (i < len && !strchr(" \t\n\r,:{}[]\"", s[i]))
                i++;
            buf_append(out, s + a, i - a);
            break;
        }
        }
    }
}

/* ---- the tree ---- */

jnode *jn_new(jn_type t)
{
    jnode *n = calloc(1, sizeof *n);
    if (n)
        n->type = t;
    return n;
}

static jnode *with_text(jn_type t, const char *s, size_t len)
{
    jnode *n = jn_new(t);
    if (!n)
        return NULL;
    n->text = malloc(len + 1);
    if (!n->text) {
        free(n);
        return NULL;
    }
    memcpy(n->text, s, len);
    n->text[len] = '\0';
    n->len = len;
    return n;
}

static jnode *node_from(parser *p, jn_type t, size_t start)
{
    const char *s = p->s + start;
    size_t len = p->pos - start;
    if (t == JN_STRING) {
        jnode *n = jn_new(JN_STRING);
        if (!n)
            return NULL;
        n->text = json_decode_string(s, len, &n->len);
        if (!n->text) {
            free(n);
            return NULL;
        }
        return n;
    }
    if (t == JN_NULL)
        return jn_new(JN_NULL);
    return with_text(t, s, len);
}

jnode *jn_string(const char *s, size_t len) { return with_text(JN_STRING, s, len); }
jnode *jn_cstring(const char *s) { return with_text(JN_STRING, s ? s : "", s ? strlen(s) : 0); }
jnode *jn_number(const char *text) { return with_text(JN_NUMBER, text, strlen(text)); }
jnode *jn_bool(int v) { return with_text(JN_BOOL, v ? "true" : "false", v ? 4 : 5); }

jnode *jn_int(long long v)
{
    char t[32];
    snprintf(t, sizeof t, "%lld", v);
    return jn_number(t);
}

void jn_free(jnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        jn_free(n->items[i]);
        if (n->keys)
            free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->klens);
    free(n->text);
    free(n);
}

jnode *jn_copy(const jnode *n)
{
    if (!n)
        return NULL;
    jnode *c = n->text ? with_text(n->type, n->text, n->len) : jn_new(n->type);
    if (!c)
        return NULL;
    for (size_t i = 0; i < n->n; i++) {
        jnode *v = jn_copy(n->items[i]);
        int rc = !v ? -1 : n->type == JN_OBJECT ? jn_setn(c, n->keys[i], n->klens[i], v) : jn_push(c, v);
        if (rc != 0) {
            jn_free(c);
            return NULL;
        }
    }
    return c;
}

static int grow(jnode *n)
{
    if (n->n < n->cap)
        return 0;
    size_t cap = n->cap ? n->cap * 2 : 4;
    jnode **items = realloc(n->items, cap * sizeof *items);
    if (!items)
        return -1;
    n->items = items;
    if (n->type == JN_OBJECT) {
        char **keys = realloc(n->keys, cap * sizeof *keys);
        if (!keys)
            return -1;
        n->keys = keys;
        size_t *kl = realloc(n->klens, cap * sizeof *kl);
        if (!kl)
            return -1;
        n->klens = kl;
    }
    n->cap = cap;
    return 0;
}

static long find_key(const jnode *obj, const char *key, size_t klen)
{
    if (!obj || obj->type != JN_OBJECT)
        return -1;
    for (size_t i = 0; i < obj->n; i++)
        if (obj->klens[i] == klen && memcmp(obj->keys[i], key, klen) == 0)
            return (long)i;
    return -1;
}

jnode *jn_getn(const jnode *obj, const char *key, size_t klen)
{
    long i = find_key(obj, key, klen);
    return i < 0 ? NULL : obj->items[i];
}

jnode *jn_get(const jnode *obj, const char *key) { return jn_getn(obj, key, strlen(key)); }

const char *jn_str(const jnode *n) { return n && n->type == JN_STRING ? n->text : NULL; }

double jn_num(const jnode *n, double dflt)
{
    if (!n || (n->type != JN_NUMBER && n->type != JN_STRING) || !n->text)
        return dflt;
    char *end;
    double d = strtod(n->text, &end);
    return end == n->text || *end ? dflt : d;
}

int jn_true(const jnode *n)
{
    if (!n || !n->text)
        return 0;
    if (n->type == JN_BOOL)
        return n->text[0] == 't';
    return n->type == JN_STRING && (strcmp(n->text, "true") == 0 || strcmp(n->text, "1") == 0);
}

int jn_setn(jnode *obj, const char *key, size_t klen, jnode *v)
{
    if (!obj || obj->type != JN_OBJECT || !v) {
        jn_free(v);
        return -1;
    }
    long i = find_key(obj, key, klen);
    if (i >= 0) {
        jn_free(obj->items[i]);
        obj->items[i] = v;
        return 0;
    }
    char *k = malloc(klen + 1);
    if (!k || grow(obj) != 0) {
        free(k);
        jn_free(v);
        return -1;
    }
    memcpy(k, key, klen);
    k[klen] = '\0';
    obj->keys[obj->n] = k;
    obj->klens[obj->n] = klen;
    obj->items[obj->n++] = v;
    return 0;
}

int jn_set(jnode *obj, const char *key, jnode *v) { return jn_setn(obj, key, strlen(key), v); }

static int add_member(jnode *obj, const char *lit, size_t litlen, jnode *v)
{
    size_t klen;
    char *k = json_decode_string(lit, litlen, &klen);
    if (!k) {
        jn_free(v);
        return -1;
    }
    int rc = jn_setn(obj, k, klen, v);
    free(k);
    return rc;
}

int jn_push(jnode *arr, jnode *v)
{
    if (!arr || arr->type != JN_ARRAY || !v || grow(arr) != 0) {
        jn_free(v);
        return -1;
    }
    arr->items[arr->n++] = v;
    return 0;
}

int jn_remove(jnode *obj, const char *key, size_t klen)
{
    long i = find_key(obj, key, klen);
    if (i < 0)
        return 0;
    jn_free(obj->items[i]);
    free(obj->keys[i]);
    size_t rest = obj->n - (size_t)i - 1;
    memmove(obj->items + i, obj->items + i + 1, rest * sizeof *obj->items);
    memmove(obj->keys + i, obj->keys + i + 1, rest * sizeof *obj->keys);
    memmove(obj->klens + i, obj->klens + i + 1, rest * sizeof *obj->klens);
    obj->n--;
    return 1;
}

int jn_remove_at(jnode *arr, size_t i)
{
    if (!arr || arr->type != JN_ARRAY || i >= arr->n)
        return 0;
    jn_free(arr->items[i]);
    memmove(arr->items + i, arr->items + i + 1, (arr->n - i - 1) * sizeof *arr->items);
    arr->n--;
    return 1;
}

static void write_node(buf *b, const jnode *n, int pretty, int depth)
{
    switch (n->type) {
    case JN_NULL: buf_puts(b, "null"); return;
    case JN_BOOL:
    case JN_NUMBER: buf_append(b, n->text, n->len); return;
    case JN_STRING: buf_json_str(b, n->text, n->len); return;
    case JN_ARRAY:
    case JN_OBJECT: break;
    }
    char open = n->type == JN_OBJECT ? '{' : '[';
    buf_putc(b, open);
    for (size_t i = 0; i < n->n; i++) {
        if (i)
            buf_putc(b, ',');
        if (pretty)
            newline(b, depth + 1);
        if (n->type == JN_OBJECT) {
            buf_json_str(b, n->keys[i], n->klens[i]);
            buf_puts(b, pretty ? ": " : ":");
        }
        write_node(b, n->items[i], pretty, depth + 1);
    }
    if (pretty && n->n)
        newline(b, depth);
    buf_putc(b, open == '{' ? '}' : ']');
}

void jn_write(buf *b, const jnode *n, int pretty)
{
    if (n)
        write_node(b, n, pretty, 0);
    else
        buf_puts(b, "null");
}
