/* jsonschema.c — builtin group "jsonschema": json.verify_schema and
 * json.match_schema.
 *
 * A JSON Schema validator written for Verdict, following the library OPA
 * uses (its fork of xeipuuv/gojsonschema): the same drafts (4, 6, 7, and the
 * "hybrid" default that accepts the keywords of all three when no $schema
 * names one), the same order of checks, the same error types and wording,
 * and the same "best match" scoring for anyOf/oneOf/contains, so the errors
 * json.match_schema returns are the ones OPA returns.
 *
 * Supported: type, enum, const, properties, patternProperties,
 * additionalProperties, propertyNames, required, dependencies,
 * min/maxProperties, items (schema or tuple), additionalItems, contains,
 * min/maxItems, uniqueItems, min/maxLength, pattern, format (date, time,
 * date-time, email, idn-email, hostname, ipv4, ipv6, uri, uri-reference,
 * iri, iri-reference, uri-template, uuid, regex, json-pointer,
 * relative-json-pointer; others pass as in OPA), multipleOf, minimum,
 * maximum, exclusiveMinimum/Maximum (draft 4 booleans and draft 6+
 * numbers), allOf, anyOf, oneOf, not, if/then/else, definitions, $ref and
 * $id/id within the schema document (JSON pointers and location-independent
 * identifiers).  Not supported: $ref to other documents (no schema is
 * fetched over the network or from files; such a reference is an error),
 * and metaschema validation (gojsonschema does not do it by default either).
 *
 * Regular expressions ("pattern", "patternProperties", format "regex") use
 * Go's RE2 syntax in OPA; here they are translated to POSIX extended regular
 * expressions (regcomp), which covers the common syntax (classes, \d \w \s,
 * non-capturing groups, lazy quantifiers read as greedy, (?i)); Unicode
 * classes (\p{..}) are not supported and make the pattern invalid. */
#include <gmp.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "../builtins.h"
#include "../json.h"
#include "../number.h"
#include "../value.h"
#include "../vm.h"
#include "crypto_util.h"
#include "strings_util.h"
#include "../hexdigit.h"

#define JS_HYBRID 1000

/* ---- regular expressions ---- */

typedef struct js_re {
    regex_t re;
    const char *src;
} js_re;

static void js_re_free(void *p)
{
    js_re *r = p;
    regfree(&r->re);
    free(r);
}

static bool ere_special(char c) { return strchr(".[]{}()\\*+?^$|", c) != NULL; }

static void put_lit(strbuf *out, char c)
{
    if (ere_special(c)) {
        sb_putc(out, '[');
        if (c == '^')
            sb_puts(out, "\\^");
        else
            sb_putc(out, c);
        sb_putc(out, ']');
        if (c == '^') {
            /* "[\^]" would include the backslash; use the escaped form */
            out->len -= 4;
            sb_puts(out, "\\^");
        }
    } else {
        sb_putc(out, c);
    }
}

/* \x41 or \x{41}: the code point, advancing *i past it; -1 if malformed. */
static long hex_escape(const char *p, size_t n, size_t *i)
{
    size_t k = *i;
    long v = 0;
    if (k < n && p[k] == '{') {
        k++;
        size_t start = k;
        while (k < n && p[k] != '}') {
            if (hex_digit(p[k]) < 0)
                return -1;
            v = v * 16 + hex_digit(p[k]);
            if (v > 0x10ffff)
                return -1;
            k++;
        }
        if (k == n || k == start)
            return -1;
        *i = k + 1;
        return v;
    }
    if (k + 2 > n || hex_digit(p[k]) < 0 || hex_digit(p[k + 1]) < 0)
        return -1;
    *i = k + 2;
    return hex_digit(p[k]) * 16 + hex_digit(p[k + 1]);
}

static void put_codepoint(strbuf *out, long cp, bool in_bracket)
{
    char buf[4];
    size_t w = txt_utf8_encode((uint32_t)cp, buf);
    if (w == 1 && !in_bracket)
        put_lit(out, buf[0]);
    else
        sb_append(out, buf, w);
}

/* A bracket expression starting after '['; appends its POSIX form. */
static bool translate_bracket(const char *p, size_t n, size_t *ip, strbuf *out)
{
    size_t i = *ip;
    bool negate = false, has_rbracket = false, has_dash = false, first = true;
    strbuf body = STRBUF_INIT;
    if (i < n && p[i] == '^') {
        negate = true;
        i++;
    }
    for (;;) {
        if (i >= n) {
            sb_free(&body);
            return false;
        }
        char c = p[i];
        if (c == ']' && !first)
            break;
        first = false;
        if (c == '[' && i + 1 < n && p[i + 1] == ':') {
            const char *end = strstr(p + i, ":]");
            if (!end || (size_t)(end - p) >= n) {
                sb_free(&body);
                return false;
            }
            sb_append(&body, p + i, (size_t)(end + 2 - (p + i)));
            i = (size_t)(end + 2 - p);
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= n) {
                sb_free(&body);
                return false;
            }
            char e = p[i + 1];
            i += 2;
            switch (e) {
            case 'd': sb_puts(&body, "0-9"); continue;
            case 'w': sb_puts(&body, "0-9A-Za-z_"); continue;
            case 's': sb_puts(&body, "\t\n\f\r "); continue;
            case 'n': sb_putc(&body, '\n'); continue;
            case 't': sb_putc(&body, '\t'); continue;
            case 'r': sb_putc(&body, '\r'); continue;
            case 'f': sb_putc(&body, '\f'); continue;
            case 'v': sb_putc(&body, '\v'); continue;
            case 'x': {
                long cp = hex_escape(p, n, &i);
                if (cp < 0) {
                    sb_free(&body);
                    return false;
                }
                if (cp == ']')
                    has_rbracket = true;
                else if (cp == '-')
                    has_dash = true;
                else
                    put_codepoint(&body, cp, true);
                continue;
            }
            default:
                if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                    sb_free(&body);
                    return false; /* \D, \W, \S, \p... inside a class */
                }
                if (e == ']')
                    has_rbracket = true;
                else if (e == '-')
                    has_dash = true;
                else if (e == '^' && body.len == 0)
                    sb_puts(&body, "^"); /* placed later, not first */
                else
                    sb_putc(&body, e);
                continue;
            }
        }
        if (c == '-' && (i + 1 < n && p[i + 1] == ']')) {
            has_dash = true;
            i++;
            continue;
        }
        if (c == '-' && body.len == 0) {
            has_dash = true;
            i++;
            continue;
        }
        sb_putc(&body, c);
        i++;
    }
    *ip = i + 1;
    sb_putc(out, '[');
    if (negate)
        sb_putc(out, '^');
    if (has_rbracket)
        sb_putc(out, ']');
    /* a leading '^' in the body must not come first */
    if (body.len && body.data[0] == '^' && !has_rbracket) {
        sb_append(out, body.data + 1, body.len - 1);
        sb_putc(out, '^');
    } else if (body.len) {
        sb_append(out, body.data, body.len);
    }
    if (has_dash)
        sb_putc(out, '-');
    sb_putc(out, ']');
    if (!negate && !has_rbracket && !has_dash && body.len == 0) {
        sb_free(&body);
        return false;
    }
    sb_free(&body);
    return true;
}

static bool is_repeat(const char *p, size_t n, size_t i, size_t *end)
{
    /* p[i] == '{': {n}, {n,}, {n,m} */
    size_t k = i + 1;
    size_t d = k;
    while (k < n && p[k] >= '0' && p[k] <= '9')
        k++;
    if (k == d)
        return false;
    if (k < n && p[k] == ',') {
        k++;
        while (k < n && p[k] >= '0' && p[k] <= '9')
            k++;
    }
    if (k < n && p[k] == '}') {
        *end = k;
        return true;
    }
    return false;
}

/* RE2 syntax -> POSIX ERE.  False if the pattern is invalid (or uses what
 * POSIX cannot express). */
static bool translate_re(const char *p, size_t n, strbuf *out, bool *icase)
{
    *icase = false;
    int depth = 0;
    for (size_t i = 0; i < n;) {
        char c = p[i];
        if (c == '\\') {
            if (i + 1 >= n)
                return false;
            char e = p[i + 1];
            i += 2;
            switch (e) {
            case 'd': sb_puts(out, "[0-9]"); break;
            case 'D': sb_puts(out, "[^0-9]"); break;
            case 'w': sb_puts(out, "[0-9A-Za-z_]"); break;
            case 'W': sb_puts(out, "[^0-9A-Za-z_]"); break;
            case 's': sb_puts(out, "[\t\n\f\r ]"); break;
            case 'S': sb_puts(out, "[^\t\n\f\r ]"); break;
            case 'b': sb_puts(out, "\\b"); break;
            case 'B': sb_puts(out, "\\B"); break;
            case 'A': sb_putc(out, '^'); break;
            case 'z': sb_putc(out, '$'); break;
            case 'n': sb_putc(out, '\n'); break;
            case 't': sb_putc(out, '\t'); break;
            case 'r': sb_putc(out, '\r'); break;
            case 'f': sb_putc(out, '\f'); break;
            case 'v': sb_putc(out, '\v'); break;
            case 'a': sb_putc(out, '\a'); break;
            case 'x': {
                long cp = hex_escape(p, n, &i);
                if (cp < 0)
                    return false;
                put_codepoint(out, cp, false);
                break;
            }
            case 'Q': {
                const char *end = NULL;
                for (size_t k = i; k + 1 < n; k++)
                    if (p[k] == '\\' && p[k + 1] == 'E') {
                        end = p + k;
                        break;
                    }
                size_t stop = end ? (size_t)(end - p) : n;
                for (; i < stop; i++)
                    put_lit(out, p[i]);
                if (end)
                    i += 2;
                break;
            }
            default:
                if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
                    return false;
                put_lit(out, e);
            }
            continue;
        }
        if (c == '[') {
            i++;
            if (!translate_bracket(p, n, &i, out))
                return false;
            continue;
        }
        if (c == '(') {
            if (i + 1 < n && p[i + 1] == '?') {
                size_t k = i + 2;
                if (k < n && p[k] == ':') {
                    sb_putc(out, '(');
                    depth++;
                    i = k + 1;
                    continue;
                }
                if (k + 1 < n && p[k] == 'P' && p[k + 1] == '<') {
                    const char *gt = memchr(p + k, '>', n - k);
                    if (!gt)
                        return false;
                    sb_putc(out, '(');
                    depth++;
                    i = (size_t)(gt - p) + 1;
                    continue;
                }
                bool neg = false;
                while (k < n && p[k] != ')' && p[k] != ':') {
                    if (p[k] == 'i' && !neg)
                        *icase = true;
                    else if (p[k] == '-')
                        neg = true;
                    else if (p[k] != 'm' && p[k] != 's' && p[k] != 'U' && p[k] != 'i')
                        return false;
                    k++;
                }
                if (k >= n)
                    return false;
                if (p[k] == ':') {
                    sb_putc(out, '(');
                    depth++;
                }
                i = k + 1;
                continue;
            }
            sb_putc(out, '(');
            depth++;
            i++;
            continue;
        }
        if (c == ')') {
            if (depth == 0)
                return false;
            depth--;
            sb_putc(out, ')');
            i++;
            continue;
        }
        if (c == '*' || c == '+' || c == '?') {
            if (out->len == 0)
                return false;
            sb_putc(out, c);
            i++;
            if (i < n && p[i] == '?')
                i++;
            continue;
        }
        if (c == '{') {
            size_t end;
            if (is_repeat(p, n, i, &end)) {
                sb_append(out, p + i, end - i + 1);
                i = end + 1;
                if (i < n && p[i] == '?')
                    i++;
            } else {
                put_lit(out, '{');
                i++;
            }
            continue;
        }
        if (c == '}') {
            put_lit(out, '}');
            i++;
            continue;
        }
        sb_putc(out, c);
        i++;
    }
    return depth == 0;
}

/* Compile; NULL when invalid.  The regex is owned by the pool. */
static js_re *js_re_compile(cx_pool *pool, const char *p, size_t n)
{
    strbuf ere = STRBUF_INIT;
    bool icase;
    if (!translate_re(p, n, &ere, &icase)) {
        sb_free(&ere);
        return NULL;
    }
    js_re *r = malloc(sizeof *r);
    if (!r) {
        sb_free(&ere);
        return NULL;
    }
    int rc = regcomp(&r->re, ere.data ? ere.data : "", REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
    sb_free(&ere);
    if (rc != 0) {
        free(r);
        return NULL;
    }
    r->src = NULL;
    return cx_own_fn(pool, js_re_free, r);
}

static bool js_re_match(const js_re *r, const char *s, size_t n)
{
    regmatch_t m[1];
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)n;
    return regexec(&r->re, s, 1, m, REG_STARTEND) == 0;
}

/* ---- schemas ---- */

typedef struct js_schema js_schema;

typedef struct js_dep {
    val *key;
    val *strings;       /* array of strings, or NULL */
    js_schema *schema;
} js_dep;

typedef struct js_pprop {
    val *pattern;       /* the string */
    js_re *re;
    js_schema *schema;
} js_pprop;

enum { ADD_ABSENT = 0, ADD_BOOL, ADD_SCHEMA };

struct js_schema {
    int draft;          /* 0: inherit */
    js_schema *parent;
    const char *property;
    int pass;           /* -1: not a boolean schema */
    const char *types[8];
    int ntypes;
    js_schema *ref_schema;
    js_schema **items;
    int nitems;
    bool items_single;
    js_schema **props;
    int nprops;
    val *multiple_of, *maximum, *exclusive_maximum, *minimum, *exclusive_minimum;
    int64_t min_length, max_length, min_props, max_props, min_items, max_items; /* -1: absent */
    js_re *pattern;
    const char *pattern_src;
    const char *format;
    val **required;
    int nrequired;
    js_dep *deps;
    int ndeps;
    int addl_props;
    bool addl_props_bool;
    js_schema *addl_props_schema;
    js_pprop *pprops;
    int npprops;
    js_schema *property_names;
    bool unique_items;
    js_schema *contains;
    int addl_items;
    bool addl_items_bool;
    js_schema *addl_items_schema;
    const char *const_json;
    bool enum_present;
    const char **enums;
    int nenums;
    js_schema **one_of, **any_of, **all_of;
    int n_one_of, n_any_of, n_all_of;
    js_schema *not_, *if_, *then_, *else_;
};

typedef struct js_docent {
    const char *uri;
    val *doc;
    int draft;
} js_docent;

typedef struct js_refent {
    const char *uri;
    js_schema *schema;
} js_refent;

typedef struct js_absref {
    const val *node;
    const char *abs;
} js_absref;

typedef struct js_ctx {
    bi_ctx *c;
    arena *a;
    cx_pool *pool;
    char err[512];
    js_docent *docs;
    size_t ndocs, capdocs;
    js_refent *refs;
    size_t nrefs, caprefs;
    js_absref *abs;
    size_t nabs, capabs;
    int depth;          /* nested validations: a guard against $ref cycles */
    unsigned steps;     /* validations since the last charge to the evaluation */
    bool cancelled;     /* an evaluation limit stopped validation (cancel_msg) */
    char cancel_msg[96];
} js_ctx;

/* Validations between charges to the evaluation's budget: schemas that
 * branch (oneOf, anyOf over $ref) validate a nested document once per
 * path, 2^depth times, so validation counts as loop steps (vm_charge). */
#define JS_CHARGE_STEPS 256

/* Nested validations allowed before giving up (a schema whose $ref chain
 * loops back on itself without consuming the document would recurse
 * forever; gojsonschema overflows its stack there). */
#define JS_MAX_DEPTH 2000

static const char *const json_types[] = {"array", "boolean", "integer", "number", "null", "object", "string"};

static void *grow(js_ctx *x, void *items, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return items;
    size_t nc = *cap ? *cap * 2 : 16;
    void *bigger = arena_alloc(x->a, nc * elem);
    if (!bigger)
        return NULL;
    if (n)
        memcpy(bigger, items, n * elem);
    *cap = nc;
    return bigger;
}

static char *astr(js_ctx *x, const char *s, size_t n) { return arena_strndup(x->a, s, n); }

/* The bytes of a malloc'd strbuf as an arena string; the strbuf is freed on
 * every path, the arena's out-of-memory jump included. */
static const char *sb_arena(js_ctx *x, strbuf *sb)
{
    arena *a = x->a;
    jmp_buf here;
    jmp_buf *volatile outer = a->oom;
    if (outer) {
        if (setjmp(here)) {
            a->oom = outer;
            sb_free(sb);
            longjmp(*outer, a->oom_code ? a->oom_code : ARENA_OOM);
        }
        a->oom = &here;
    }
    const char *r = arena_strndup(a, sb->data ? sb->data : "", sb->len);
    a->oom = outer;
    sb_free(sb);
    return r ? r : "";
}

static const char *afmt(js_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *afmt(js_ctx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *buf = n >= 0 ? arena_alloc(x->a, (size_t)n + 1) : NULL;
    if (!buf)
        return "";
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return buf;
}

static bool fail(js_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(js_ctx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
    return false;
}

static bool invalid_type(js_ctx *x, const char *expected, const char *given)
{
    return fail(x, "Invalid type. Expected: %s, given: %s", expected, given);
}

/* ---- URIs (gojsonreference, net/url ResolveReference) ---- */

typedef struct uri {
    const char *scheme; size_t scheme_n;
    bool has_auth; const char *auth; size_t auth_n;
    const char *path; size_t path_n;
    bool has_query; const char *query; size_t query_n;
    bool has_frag; const char *frag; size_t frag_n;
} uri;

static void uri_parse(const char *s, size_t n, uri *u)
{
    memset(u, 0, sizeof *u);
    const char *hash = memchr(s, '#', n);
    if (hash) {
        u->has_frag = true;
        u->frag = hash + 1;
        u->frag_n = n - (size_t)(hash + 1 - s);
        n = (size_t)(hash - s);
    }
    const char *q = memchr(s, '?', n);
    if (q) {
        u->has_query = true;
        u->query = q + 1;
        u->query_n = n - (size_t)(q + 1 - s);
        n = (size_t)(q - s);
    }
    size_t i = 0;
    for (; i < n; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
                                                                          c == '-' || c == '.')))
            continue;
        break;
    }
    if (i > 0 && i < n && s[i] == ':') {
        u->scheme = s;
        u->scheme_n = i;
        s += i + 1;
        n -= i + 1;
    }
    if (n >= 2 && s[0] == '/' && s[1] == '/') {
        u->has_auth = true;
        s += 2;
        n -= 2;
        const char *slash = memchr(s, '/', n);
        size_t an = slash ? (size_t)(slash - s) : n;
        u->auth = s;
        u->auth_n = an;
        s += an;
        n -= an;
    }
    u->path = s;
    u->path_n = n;
}

/* RFC 3986 remove_dot_segments, into out. */
static void remove_dots(strbuf *out, const char *p, size_t n)
{
    strbuf in = STRBUF_INIT;
    sb_append(&in, p, n);
    size_t start = out->len;
    const char *s = in.data ? in.data : "";
    size_t i = 0, len = in.len;
    while (i < len) {
        if (len - i >= 3 && memcmp(s + i, "../", 3) == 0)
            i += 3;
        else if (len - i >= 2 && memcmp(s + i, "./", 2) == 0)
            i += 2;
        else if (len - i >= 3 && memcmp(s + i, "/./", 3) == 0)
            i += 2;
        else if (len - i == 2 && memcmp(s + i, "/.", 2) == 0) {
            i += 1;
            ((char *)s)[i] = '/';
        } else if (len - i >= 4 && memcmp(s + i, "/../", 4) == 0) {
            i += 3;
            while (out->len > start && out->data[out->len - 1] != '/')
                out->len--;
            if (out->len > start)
                out->len--;
        } else if (len - i == 3 && memcmp(s + i, "/..", 3) == 0) {
            i += 2;
            ((char *)s)[i] = '/';
            while (out->len > start && out->data[out->len - 1] != '/')
                out->len--;
            if (out->len > start)
                out->len--;
        } else if ((len - i == 1 && s[i] == '.') || (len - i == 2 && memcmp(s + i, "..", 2) == 0)) {
            i = len;
        } else {
            size_t k = i + 1;
            while (k < len && s[k] != '/')
                k++;
            if (s[i] != '/' && i == 0) {
                /* first segment without leading slash */
            }
            sb_append(out, s + i, k - i);
            i = k;
        }
    }
    if (out->data)
        out->data[out->len] = 0;
    sb_free(&in);
}

/* base.Inherits(ref) as a normalized string (an empty fragment dropped). */
static const char *uri_resolve(js_ctx *x, const char *base, const char *ref)
{
    uri b, r;
    uri_parse(base, strlen(base), &b);
    uri_parse(ref, strlen(ref), &r);
    strbuf sb = STRBUF_INIT;
    const char *scheme = r.scheme_n ? r.scheme : b.scheme;
    size_t scheme_n = r.scheme_n ? r.scheme_n : b.scheme_n;
    if (scheme_n) {
        sb_append(&sb, scheme, scheme_n);
        sb_putc(&sb, ':');
    }
    if (r.scheme_n || r.has_auth) {
        if (r.has_auth) {
            sb_puts(&sb, "//");
            sb_append(&sb, r.auth, r.auth_n);
        }
        remove_dots(&sb, r.path, r.path_n);
        if (r.has_query) {
            sb_putc(&sb, '?');
            sb_append(&sb, r.query, r.query_n);
        }
    } else {
        if (b.has_auth) {
            sb_puts(&sb, "//");
            sb_append(&sb, b.auth, b.auth_n);
        }
        if (r.path_n == 0) {
            sb_append(&sb, b.path, b.path_n);
            if (r.has_query) {
                sb_putc(&sb, '?');
                sb_append(&sb, r.query, r.query_n);
            } else if (b.has_query) {
                sb_putc(&sb, '?');
                sb_append(&sb, b.query, b.query_n);
            }
        } else {
            strbuf merged = STRBUF_INIT;
            if (r.path[0] == '/') {
                sb_append(&merged, r.path, r.path_n);
            } else {
                const char *slash = NULL;
                for (size_t i = b.path_n; i > 0; i--)
                    if (b.path[i - 1] == '/') {
                        slash = b.path + i - 1;
                        break;
                    }
                if (b.has_auth && b.path_n == 0)
                    sb_putc(&merged, '/');
                else if (slash)
                    sb_append(&merged, b.path, (size_t)(slash - b.path) + 1);
                sb_append(&merged, r.path, r.path_n);
            }
            remove_dots(&sb, merged.data ? merged.data : "", merged.len);
            sb_free(&merged);
            if (r.has_query) {
                sb_putc(&sb, '?');
                sb_append(&sb, r.query, r.query_n);
            }
        }
    }
    if (r.has_frag && r.frag_n) {
        sb_putc(&sb, '#');
        sb_append(&sb, r.frag, r.frag_n);
    }
    return sb_arena(x, &sb);
}

static bool uri_canonical(const char *s)
{
    uri u;
    uri_parse(s, strlen(s), &u);
    if (u.scheme_n == 4 && strncmp(u.scheme, "file", 4) == 0)
        return u.path_n > 0;
    return u.scheme_n > 0 && u.has_auth && u.auth_n > 0;
}

/* ---- the schema pool ---- */

static bool pool_add(js_ctx *x, const char *uri_s, val *doc, int draft)
{
    x->docs = grow(x, x->docs, &x->capdocs, x->ndocs, sizeof *x->docs);
    if (!x->docs)
        return false;
    x->docs[x->ndocs++] = (js_docent){uri_s, doc, draft};
    return true;
}

static js_docent *pool_get(js_ctx *x, const char *uri_s)
{
    for (size_t i = 0; i < x->ndocs; i++)
        if (strcmp(x->docs[i].uri, uri_s) == 0)
            return &x->docs[i];
    return NULL;
}

static const char *abs_ref_of(js_ctx *x, const val *node)
{
    for (size_t i = 0; i < x->nabs; i++)
        if (x->abs[i].node == node)
            return x->abs[i].abs;
    return NULL;
}

/* Draft named by "$schema" (parseSchemaURL): 0 when none; -1 on error. */
static int schema_draft(js_ctx *x, val *doc)
{
    if (val_kind_of(doc) == VAL_BOOL)
        return 0;
    if (val_kind_of(doc) != VAL_OBJECT) {
        fail(x, "schema is invalid");
        return -1;
    }
    val *s = val_object_get_str(doc, "$schema", 7);
    if (!s)
        return 0;
    if (val_kind_of(s) != VAL_STRING) {
        fail(x, "$schema must be of type string");
        return -1;
    }
    const char *u = uri_resolve(x, "", val_str(s));
    if (strcmp(u, "http://json-schema.org/draft-04/schema") == 0)
        return 4;
    if (strcmp(u, "http://json-schema.org/draft-06/schema") == 0)
        return 6;
    if (strcmp(u, "http://json-schema.org/draft-07/schema") == 0)
        return 7;
    return 0;
}

/* parseReferencesRecursive: register $id/id scopes, make $ref absolute. */
static void prepass(js_ctx *x, val *node, const char *base, int draft)
{
    if (val_kind_of(node) == VAL_ARRAY) {
        for (uint32_t i = 0; i < val_len(node); i++)
            prepass(x, val_array_items(node)[i], base, draft);
        return;
    }
    if (val_kind_of(node) != VAL_OBJECT)
        return;
    const char *local = base;
    val *id = val_object_get_str(node, "id", 2);
    if (!id)
        id = val_object_get_str(node, "$id", 3);
    if (id && val_kind_of(id) == VAL_STRING) {
        local = uri_resolve(x, base, val_str(id));
        if (!pool_get(x, local))
            pool_add(x, local, node, draft);
    }
    val *ref = val_object_get_str(node, "$ref", 4);
    if (ref && val_kind_of(ref) == VAL_STRING) {
        x->abs = grow(x, x->abs, &x->capabs, x->nabs, sizeof *x->abs);
        if (x->abs)
            x->abs[x->nabs++] = (js_absref){node, uri_resolve(x, local, val_str(ref))};
    }
    for (uint32_t i = 0; i < val_len(node); i++) {
        val *k = val_object_keys(node)[i], *v = val_object_values(node)[i];
        const char *ks = val_kind_of(k) == VAL_STRING ? val_str(k) : "";
        if (strcmp(ks, "const") == 0 || strcmp(ks, "enum") == 0)
            continue;
        if (strcmp(ks, "properties") == 0 || strcmp(ks, "dependencies") == 0 || strcmp(ks, "patternProperties") == 0) {
            if (val_kind_of(v) == VAL_OBJECT)
                for (uint32_t j = 0; j < val_len(v); j++)
                    prepass(x, val_object_values(v)[j], local, draft);
        } else {
            prepass(x, v, local, draft);
        }
    }
}

/* gojsonpointer Get */
static val *json_pointer(js_ctx *x, val *doc, const char *ptr)
{
    if (!*ptr)
        return doc;
    if (*ptr != '/') {
        fail(x, "JSON pointer must be empty or start with a \"/\"");
        return NULL;
    }
    val *node = doc;
    const char *s = ptr + 1;
    for (;;) {
        const char *end = strchr(s, '/');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        strbuf tok = STRBUF_INIT;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '~' && i + 1 < n && s[i + 1] == '1') {
                sb_putc(&tok, '/');
                i++;
            } else if (s[i] == '~' && i + 1 < n && s[i + 1] == '0') {
                sb_putc(&tok, '~');
                i++;
            } else {
                sb_putc(&tok, s[i]);
            }
        }
        const char *t = tok.data ? tok.data : "";
        if (val_kind_of(node) == VAL_OBJECT) {
            val *next = val_object_get_str(node, t, tok.len);
            if (!next) {
                fail(x, "Object has no key '%s'", t);
                sb_free(&tok);
                return NULL;
            }
            node = next;
        } else if (val_kind_of(node) == VAL_ARRAY) {
            char *e;
            long idx = strtol(t, &e, 10);
            if (tok.len == 0 || *e) {
                fail(x, "Invalid array index '%s'", t);
                sb_free(&tok);
                return NULL;
            }
            if (idx < 0 || (uint32_t)idx >= val_len(node)) {
                fail(x, "Out of bound array[0,%u] index '%s'", val_len(node), t);
                sb_free(&tok);
                return NULL;
            }
            node = val_array_items(node)[idx];
        } else {
            fail(x, "Invalid token reference '%s'", t);
            sb_free(&tok);
            return NULL;
        }
        sb_free(&tok);
        if (!end)
            return node;
        s = end + 1;
    }
}

static bool pct_decode(strbuf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n || hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0)
                return false;
            sb_putc(out, (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2])));
            i += 2;
        } else {
            sb_putc(out, s[i]);
        }
    }
    return true;
}

/* schemaPool.GetDocument */
static js_docent *get_document(js_ctx *x, const char *ref)
{
    js_docent *d = pool_get(x, ref);
    if (d)
        return d;
    const char *hash = strchr(ref, '#');
    const char *base = hash ? astr(x, ref, (size_t)(hash - ref)) : ref;
    d = pool_get(x, base);
    if (d) {
        strbuf frag = STRBUF_INIT;
        if (hash && !pct_decode(&frag, hash + 1, strlen(hash + 1))) {
            sb_free(&frag);
            fail(x, "invalid URL escape in reference %s", ref);
            return NULL;
        }
        val *doc = json_pointer(x, d->doc, frag.data ? frag.data : "");
        sb_free(&frag);
        if (!doc)
            return NULL;
        int draft = d->draft;
        if (!pool_add(x, ref, doc, draft))
            return NULL;
        return &x->docs[x->ndocs - 1];
    }
    if (!uri_canonical(ref)) {
        fail(x, "Reference %s must be canonical", ref);
        return NULL;
    }
    fail(x, "Get \"%s\": remote schema references are not supported", base);
    return NULL;
}

/* ---- parsing (Schema.parseSchema) ---- */

static int draft_of(const js_schema *s)
{
    while (s && !s->draft)
        s = s->parent;
    return s ? s->draft : JS_HYBRID;
}

static js_schema *new_schema(js_ctx *x, js_schema *parent, const char *property)
{
    js_schema *s = arena_zalloc(x->a, sizeof *s);
    if (!s)
        return NULL;
    s->parent = parent;
    s->property = property;
    s->pass = -1;
    s->min_length = s->max_length = s->min_props = s->max_props = s->min_items = s->max_items = -1;
    return s;
}

static bool parse_schema(js_ctx *x, val *node, js_schema *s);

static bool is_schema_node(const val *v) { return val_kind_of(v) == VAL_OBJECT || val_kind_of(v) == VAL_BOOL; }

static bool get_string(js_ctx *x, val *m, const char *key, const char **out)
{
    val *v = val_object_get_str(m, key, strlen(key));
    *out = NULL;
    if (!v)
        return true;
    if (val_kind_of(v) != VAL_STRING)
        return invalid_type(x, "string", key);
    *out = val_str(v);
    return true;
}

static bool get_slice(js_ctx *x, val *m, const char *key, val **out)
{
    val *v = val_object_get_str(m, key, strlen(key));
    *out = NULL;
    if (!v)
        return true;
    if (val_kind_of(v) != VAL_ARRAY)
        return fail(x, "%s must be of an array", key);
    *out = v;
    return true;
}

/* mustBeInteger: an integer written as one that fits int64. */
static bool must_be_integer(val *v, int64_t *out)
{
    if (val_kind_of(v) != VAL_NUMBER)
        return false;
    return txt_number_int(v, out);
}

static bool add_type(js_ctx *x, js_schema *s, const char *t)
{
    bool known = false;
    for (int i = 0; i < 7; i++)
        if (strcmp(json_types[i], t) == 0)
            known = true;
    if (!known)
        return fail(x, "has a primitive type that is NOT VALID -- given: /%s/ Expected valid values "
                       "are:[array boolean integer number null object string]",
                    t);
    for (int i = 0; i < s->ntypes; i++)
        if (strcmp(s->types[i], t) == 0)
            return fail(x, "%s type is duplicated", t);
    if (s->ntypes < 8)
        s->types[s->ntypes++] = t;
    return true;
}

static void canon_json(strbuf *sb, const val *v);

static bool sub_schema(js_ctx *x, js_schema *parent, const char *prop, val *node, js_schema **out)
{
    js_schema *s = new_schema(x, parent, prop);
    if (!s)
        return fail(x, "out of memory");
    *out = s;
    return parse_schema(x, node, s);
}

static bool parse_schema_list(js_ctx *x, js_schema *s, val *list, const char *key, js_schema ***out, int *n)
{
    if (!list)
        return true;
    *n = (int)val_len(list);
    *out = arena_alloc(x->a, ((size_t)*n + 1) * sizeof **out);
    if (!*out)
        return fail(x, "out of memory");
    for (int i = 0; i < *n; i++)
        if (!sub_schema(x, s, key, val_array_items(list)[i], &(*out)[i]))
            return false;
    return true;
}

static bool parse_reference(js_ctx *x, js_schema *s, const char *ref)
{
    js_schema *ns = new_schema(x, s, "$ref");
    if (!ns)
        return fail(x, "out of memory");
    x->refs = grow(x, x->refs, &x->caprefs, x->nrefs, sizeof *x->refs);
    if (!x->refs)
        return fail(x, "out of memory");
    x->refs[x->nrefs++] = (js_refent){ref, ns};
    js_docent *d = get_document(x, ref);
    if (!d)
        return false;
    ns->draft = d->draft;
    if (!is_schema_node(d->doc))
        return fail(x, "valid schema must be of type object");
    if (!parse_schema(x, d->doc, ns))
        return false;
    s->ref_schema = ns;
    return true;
}

static bool number_keyword(js_ctx *x, val *m, const char *key, val **out)
{
    val *v = val_object_get_str(m, key, strlen(key));
    *out = NULL;
    if (!v)
        return true;
    if (val_kind_of(v) != VAL_NUMBER)
        return fail(x, "%s must be of a number", key);
    *out = v;
    return true;
}

static bool exclusive_keyword(js_ctx *x, js_schema *s, val *m, const char *key, const char *base, val **bound,
                              val **exclusive)
{
    val *v = val_object_get_str(m, key, strlen(key));
    if (!v)
        return true;
    int draft = draft_of(s);
    if (draft == 4 || (draft == JS_HYBRID && val_kind_of(v) == VAL_BOOL)) {
        if (val_kind_of(v) != VAL_BOOL)
            return invalid_type(x, "boolean", key);
        if (!*bound)
            return fail(x, "%s cannot be used without %s", key, base);
        if (val_is_true(v)) {
            *exclusive = *bound;
            *bound = NULL;
        }
        return true;
    }
    if (val_kind_of(v) != VAL_NUMBER)
        return invalid_type(x, draft == JS_HYBRID ? "boolean/number" : "number", key);
    *exclusive = v;
    return true;
}

static bool int_keyword(js_ctx *x, val *m, const char *key, int64_t *out)
{
    val *v = val_object_get_str(m, key, strlen(key));
    if (!v)
        return true;
    if (!must_be_integer(v, out))
        return fail(x, "%s must be of an integer", key);
    if (*out < 0)
        return fail(x, "%s must be greater than or equal to 0", key);
    return true;
}

static bool if_then_else(js_ctx *x, js_schema *s, val *m, const char *key, js_schema **out)
{
    val *v = val_object_get_str(m, key, strlen(key));
    if (!v)
        return true;
    if (!is_schema_node(v))
        return fail(x, "%s must be of an object", key);
    return sub_schema(x, s, key, v, out);
}

static bool parse_schema(js_ctx *x, val *node, js_schema *s)
{
    int draft = draft_of(s);
    if (draft >= 6 && val_kind_of(node) == VAL_BOOL) {
        s->pass = val_is_true(node) ? 1 : 0;
        return true;
    }
    if (val_kind_of(node) != VAL_OBJECT)
        return fail(x, "Expected: valid schema, given: Invalid JSON");
    val *m = node;
    const char *idkey = draft == 4 ? "id" : (draft == JS_HYBRID && val_object_get_str(m, "id", 2) ? "id" : "$id");
    const char *id;
    if (!get_string(x, m, idkey, &id))
        return false;

    /* definitions */
    val *defs = val_object_get_str(m, "definitions", 11);
    if (defs) {
        if (val_kind_of(defs) != VAL_OBJECT)
            return invalid_type(x, "array of schemas", "definitions");
        for (uint32_t i = 0; i < val_len(defs); i++) {
            val *dv = val_object_values(defs)[i];
            if (!is_schema_node(dv))
                return invalid_type(x, "array of schemas", "definitions");
            js_schema *ds;
            if (!sub_schema(x, s, "definitions", dv, &ds))
                return false;
        }
    }
    const char *title, *desc;
    if (!get_string(x, m, "title", &title) || !get_string(x, m, "description", &desc))
        return false;

    /* $ref: siblings are ignored */
    const char *ref;
    if (!get_string(x, m, "$ref", &ref))
        return false;
    if (ref) {
        const char *abs = abs_ref_of(x, node);
        if (!abs)
            abs = uri_resolve(x, "", ref);
        for (size_t i = 0; i < x->nrefs; i++)
            if (strcmp(x->refs[i].uri, abs) == 0) {
                s->ref_schema = x->refs[i].schema;
                break;
            }
        if (!s->ref_schema)
            return parse_reference(x, s, abs);
    }

    /* type */
    val *type = val_object_get_str(m, "type", 4);
    if (type) {
        if (val_kind_of(type) == VAL_STRING) {
            if (!add_type(x, s, val_str(type)))
                return false;
        } else if (val_kind_of(type) == VAL_ARRAY) {
            for (uint32_t i = 0; i < val_len(type); i++) {
                val *t = val_array_items(type)[i];
                if (val_kind_of(t) != VAL_STRING)
                    return invalid_type(x, "type", "string/array of strings");
                if (!add_type(x, s, val_str(t)))
                    return false;
            }
        } else {
            return invalid_type(x, "type", "string/array of strings");
        }
    }

    /* properties */
    val *props = val_object_get_str(m, "properties", 10);
    if (props) {
        if (val_kind_of(props) != VAL_OBJECT)
            return fail(x, "properties must be of type object");
        s->nprops = (int)val_len(props);
        s->props = arena_alloc(x->a, ((size_t)s->nprops + 1) * sizeof *s->props);
        if (!s->props)
            return fail(x, "out of memory");
        for (int i = 0; i < s->nprops; i++) {
            val *k = val_object_keys(props)[i];
            const char *name = val_kind_of(k) == VAL_STRING ? val_str(k) : "";
            if (!sub_schema(x, s, name, val_object_values(props)[i], &s->props[i]))
                return false;
        }
    }

    /* additionalProperties */
    val *ap = val_object_get_str(m, "additionalProperties", 20);
    if (ap) {
        if (val_kind_of(ap) == VAL_BOOL) {
            s->addl_props = ADD_BOOL;
            s->addl_props_bool = val_is_true(ap);
        } else if (val_kind_of(ap) == VAL_OBJECT) {
            s->addl_props = ADD_SCHEMA;
            if (!sub_schema(x, s, "additionalProperties", ap, &s->addl_props_schema))
                return false;
        } else {
            return invalid_type(x, "boolean/valid schema", "additionalProperties");
        }
    }

    /* patternProperties */
    val *pp = val_object_get_str(m, "patternProperties", 17);
    if (pp) {
        if (val_kind_of(pp) != VAL_OBJECT)
            return invalid_type(x, "valid schema", "patternProperties");
        s->npprops = (int)val_len(pp);
        s->pprops = arena_alloc(x->a, ((size_t)s->npprops + 1) * sizeof *s->pprops);
        if (!s->pprops)
            return fail(x, "out of memory");
        for (int i = 0; i < s->npprops; i++) {
            val *k = val_object_keys(pp)[i];
            const char *pat = val_kind_of(k) == VAL_STRING ? val_str(k) : "";
            size_t pn = val_kind_of(k) == VAL_STRING ? val_len(k) : 0;
            js_re *re = js_re_compile(x->pool, pat, pn);
            if (!re)
                return fail(x, "Invalid regex pattern '%s'", pat);
            s->pprops[i].pattern = k;
            s->pprops[i].re = re;
            if (!sub_schema(x, s, pat, val_object_values(pp)[i], &s->pprops[i].schema))
                return false;
        }
    }

    /* propertyNames */
    val *pnames = val_object_get_str(m, "propertyNames", 13);
    if (pnames && draft >= 6) {
        if (!is_schema_node(pnames))
            return invalid_type(x, "valid schema", "patternProperties");
        if (!sub_schema(x, s, "propertyNames", pnames, &s->property_names))
            return false;
    }

    /* dependencies */
    val *deps = val_object_get_str(m, "dependencies", 12);
    if (deps) {
        if (val_kind_of(deps) != VAL_OBJECT)
            return fail(x, "dependencies must be of type object");
        s->deps = arena_alloc(x->a, ((size_t)val_len(deps) + 1) * sizeof *s->deps);
        if (!s->deps)
            return fail(x, "out of memory");
        for (uint32_t i = 0; i < val_len(deps); i++) {
            val *k = val_object_keys(deps)[i], *v = val_object_values(deps)[i];
            if (val_kind_of(v) == VAL_ARRAY) {
                for (uint32_t j = 0; j < val_len(v); j++)
                    if (val_kind_of(val_array_items(v)[j]) != VAL_STRING)
                        return fail(x, "dependency must be of type schema or array of strings");
                if (val_len(v) == 0)
                    continue;
                s->deps[s->ndeps++] = (js_dep){k, v, NULL};
            } else if (is_schema_node(v)) {
                js_schema *ds;
                if (!sub_schema(x, s, val_kind_of(k) == VAL_STRING ? val_str(k) : "", v, &ds))
                    return false;
                s->deps[s->ndeps++] = (js_dep){k, NULL, ds};
            } else {
                return fail(x, "dependency must be of type schema or array of strings");
            }
        }
    }

    /* items */
    val *items = val_object_get_str(m, "items", 5);
    if (items) {
        if (val_kind_of(items) == VAL_ARRAY) {
            s->nitems = (int)val_len(items);
            s->items = arena_alloc(x->a, ((size_t)s->nitems + 1) * sizeof *s->items);
            if (!s->items)
                return fail(x, "out of memory");
            for (int i = 0; i < s->nitems; i++) {
                val *it = val_array_items(items)[i];
                if (!is_schema_node(it))
                    return invalid_type(x, "valid schema/array of schemas", "items");
                if (!sub_schema(x, s, "items", it, &s->items[i]))
                    return false;
            }
            s->items_single = false;
        } else if (is_schema_node(items)) {
            s->nitems = 1;
            s->items = arena_alloc(x->a, sizeof *s->items);
            if (!s->items)
                return fail(x, "out of memory");
            if (!sub_schema(x, s, "items", items, &s->items[0]))
                return false;
            s->items_single = true;
        } else {
            return invalid_type(x, "valid schema/array of schemas", "items");
        }
    }

    /* additionalItems */
    val *ai = val_object_get_str(m, "additionalItems", 15);
    if (ai) {
        if (val_kind_of(ai) == VAL_BOOL) {
            s->addl_items = ADD_BOOL;
            s->addl_items_bool = val_is_true(ai);
        } else if (val_kind_of(ai) == VAL_OBJECT) {
            s->addl_items = ADD_SCHEMA;
            if (!sub_schema(x, s, "additionalItems", ai, &s->addl_items_schema))
                return false;
        } else {
            return invalid_type(x, "boolean/valid schema", "additionalItems");
        }
    }

    /* numbers */
    val *mo = val_object_get_str(m, "multipleOf", 10);
    if (mo) {
        if (val_kind_of(mo) != VAL_NUMBER)
            return invalid_type(x, "number", "multipleOf");
        if (num_compare(mo, val_int(x->a, 0)) <= 0)
            return fail(x, "multipleOf must be strictly greater than 0");
        s->multiple_of = mo;
    }
    if (!number_keyword(x, m, "minimum", &s->minimum) ||
        !exclusive_keyword(x, s, m, "exclusiveMinimum", "minimum", &s->minimum, &s->exclusive_minimum) ||
        !number_keyword(x, m, "maximum", &s->maximum) ||
        !exclusive_keyword(x, s, m, "exclusiveMaximum", "maximum", &s->maximum, &s->exclusive_maximum))
        return false;

    /* strings */
    if (!int_keyword(x, m, "minLength", &s->min_length) || !int_keyword(x, m, "maxLength", &s->max_length))
        return false;
    if (s->min_length >= 0 && s->max_length >= 0 && s->min_length > s->max_length)
        return fail(x, "minLength cannot be greater than maxLength");
    const char *pattern;
    if (!get_string(x, m, "pattern", &pattern))
        return false;
    if (pattern) {
        val *pv = val_object_get_str(m, "pattern", 7);
        s->pattern = js_re_compile(x->pool, pattern, val_len(pv));
        if (!s->pattern)
            return fail(x, "pattern must be a valid regex");
        s->pattern_src = pattern;
    }
    if (!get_string(x, m, "format", &s->format))
        return false;

    /* objects */
    if (!int_keyword(x, m, "minProperties", &s->min_props) || !int_keyword(x, m, "maxProperties", &s->max_props))
        return false;
    if (s->min_props >= 0 && s->max_props >= 0 && s->min_props > s->max_props)
        return fail(x, "minProperties cannot be greater than maxProperties");
    val *req;
    if (!get_slice(x, m, "required", &req))
        return false;
    if (req) {
        s->required = arena_alloc(x->a, ((size_t)val_len(req) + 1) * sizeof *s->required);
        if (!s->required)
            return fail(x, "out of memory");
        for (uint32_t i = 0; i < val_len(req); i++) {
            val *r = val_array_items(req)[i];
            if (val_kind_of(r) != VAL_STRING)
                return invalid_type(x, "string", "required");
            for (int j = 0; j < s->nrequired; j++)
                if (val_equal(s->required[j], r))
                    return fail(x, "required items must be unique");
            s->required[s->nrequired++] = r;
        }
    }

    /* arrays */
    if (!int_keyword(x, m, "minItems", &s->min_items) || !int_keyword(x, m, "maxItems", &s->max_items))
        return false;
    val *ui = val_object_get_str(m, "uniqueItems", 11);
    if (ui) {
        if (val_kind_of(ui) != VAL_BOOL)
            return fail(x, "uniqueItems must be of a boolean");
        s->unique_items = val_is_true(ui);
    }
    val *contains = val_object_get_str(m, "contains", 8);
    if (contains && draft >= 6 && !sub_schema(x, s, "contains", contains, &s->contains))
        return false;

    /* const, enum */
    val *cv = val_object_get_str(m, "const", 5);
    if (cv && draft >= 6) {
        strbuf sb = STRBUF_INIT;
        canon_json(&sb, cv);
        s->const_json = sb_arena(x, &sb);
    }
    val *en;
    if (!get_slice(x, m, "enum", &en))
        return false;
    if (en) {
        s->enum_present = true;
        s->enums = arena_alloc(x->a, ((size_t)val_len(en) + 1) * sizeof *s->enums);
        if (!s->enums)
            return fail(x, "out of memory");
        for (uint32_t i = 0; i < val_len(en); i++) {
            strbuf sb = STRBUF_INIT;
            canon_json(&sb, val_array_items(en)[i]);
            const char *e = sb_arena(x, &sb);
            for (int j = 0; j < s->nenums; j++)
                if (strcmp(s->enums[j], e) == 0)
                    return fail(x, "enum items must be unique");
            s->enums[s->nenums++] = e;
        }
    }

    /* combinations */
    val *list;
    if (!get_slice(x, m, "oneOf", &list) || !parse_schema_list(x, s, list, "oneOf", &s->one_of, &s->n_one_of))
        return false;
    if (!get_slice(x, m, "anyOf", &list) || !parse_schema_list(x, s, list, "anyOf", &s->any_of, &s->n_any_of))
        return false;
    if (!get_slice(x, m, "allOf", &list) || !parse_schema_list(x, s, list, "allOf", &s->all_of, &s->n_all_of))
        return false;
    val *nv = val_object_get_str(m, "not", 3);
    if (nv) {
        if (!is_schema_node(nv))
            return fail(x, "not must be of an object");
        if (!sub_schema(x, s, "not", nv, &s->not_))
            return false;
    }
    if (draft >= 7) {
        if (!if_then_else(x, s, m, "if", &s->if_) || !if_then_else(x, s, m, "then", &s->then_) ||
            !if_then_else(x, s, m, "else", &s->else_))
            return false;
    }
    return true;
}

/* SchemaLoader.Compile */
static js_schema *compile(js_ctx *x, val *doc)
{
    int draft = schema_draft(x, doc);
    if (draft < 0)
        return NULL;
    pool_add(x, "", doc, draft);
    prepass(x, doc, "", draft);
    js_schema *root = new_schema(x, NULL, "(root)");
    if (!root) {
        fail(x, "out of memory");
        return NULL;
    }
    root->draft = draft ? draft : JS_HYBRID;
    return parse_schema(x, doc, root) ? root : NULL;
}

/* ---- canonical JSON (marshalWithoutNumber) ---- */

static void canon_number(strbuf *sb, const val *v)
{
    if (val_is_int(v) && val_int_value(v) > -(1LL << 53) && val_int_value(v) < (1LL << 53)) {
        sb_printf(sb, "%lld", (long long)val_int_value(v));
        return;
    }
    double d = num_to_double(v);
    double a = d < 0 ? -d : d;
    if (a != 0 && (a < 1e-6 || a >= 1e21)) {
        size_t start = sb->len;
        txt_go_format_float(sb, d, 'e', -1);
        /* e-07 -> e-7 */
        size_t n = sb->len - start;
        char *b = sb->data + start;
        if (n >= 4 && b[n - 4] == 'e' && b[n - 3] == '-' && b[n - 2] == '0') {
            b[n - 2] = b[n - 1];
            sb->len--;
            sb->data[sb->len] = 0;
        }
    } else {
        txt_go_format_float(sb, d, 'f', -1);
    }
}

static void canon_json(strbuf *sb, const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_NULL: sb_puts(sb, "null"); return;
    case VAL_BOOL: sb_puts(sb, val_is_true(v) ? "true" : "false"); return;
    case VAL_NUMBER: canon_number(sb, v); return;
    case VAL_STRING: json_write_string(sb, val_str(v), val_len(v), JSON_ESCAPE_HTML); return;
    case VAL_ARRAY:
    case VAL_SET: {
        val *const *items = val_kind_of(v) == VAL_ARRAY ? val_array_items(v) : val_set_items(v);
        sb_putc(sb, '[');
        for (uint32_t i = 0; i < val_len(v); i++) {
            if (i)
                sb_putc(sb, ',');
            canon_json(sb, items[i]);
        }
        sb_putc(sb, ']');
        return;
    }
    case VAL_OBJECT:
        sb_putc(sb, '{');
        for (uint32_t i = 0; i < val_len(v); i++) {
            if (i)
                sb_putc(sb, ',');
            val *k = val_object_keys(v)[i];
            if (val_kind_of(k) == VAL_STRING)
                json_write_string(sb, val_str(k), val_len(k), JSON_ESCAPE_HTML);
            else
                json_write(sb, k, JSON_ESCAPE_HTML);
            sb_putc(sb, ':');
            canon_json(sb, val_object_values(v)[i]);
        }
        sb_putc(sb, '}');
        return;
    }
}

/* ---- numbers in messages: big.Float's %v ---- */

/* digits and decimal exponent of a number: value = 0.DIGITS x 10^exp. */
static void decimal_of(const val *v, strbuf *digits, long *exp, bool *neg)
{
    strbuf text = STRBUF_INIT;
    num_write(&text, v);
    const char *s = text.data ? text.data : "0";
    *neg = *s == '-';
    if (*neg)
        s++;
    long e = 0;
    bool seen_dot = false;
    long intdigits = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s == '.') {
            seen_dot = true;
            continue;
        }
        sb_putc(digits, *s);
        if (!seen_dot)
            intdigits++;
    }
    if (*s == 'e' || *s == 'E')
        e = strtol(s + 1, NULL, 10);
    sb_free(&text);
    /* strip leading zeros */
    size_t lead = 0;
    while (lead < digits->len && digits->data[lead] == '0')
        lead++;
    if (lead == digits->len) {
        sb_reset(digits);
        *exp = 0;
        return;
    }
    memmove(digits->data, digits->data + lead, digits->len - lead);
    digits->len -= lead;
    while (digits->len > 1 && digits->data[digits->len - 1] == '0')
        digits->len--;
    digits->data[digits->len] = 0;
    *exp = intdigits - (long)lead + e;
}

static void put_bigfloat(strbuf *sb, const val *v)
{
    strbuf d = STRBUF_INIT;
    long exp;
    bool neg;
    decimal_of(v, &d, &exp, &neg);
    if (d.len == 0) {
        sb_putc(sb, '0');
        sb_free(&d);
        return;
    }
    if (neg)
        sb_putc(sb, '-');
    long x = exp - 1;
    if (x < -4 || x >= 6) {
        sb_putc(sb, d.data[0]);
        if (d.len > 1) {
            sb_putc(sb, '.');
            sb_append(sb, d.data + 1, d.len - 1);
        }
        sb_printf(sb, "e%c%02ld", x < 0 ? '-' : '+', x < 0 ? -x : x);
    } else if (exp <= 0) {
        sb_puts(sb, "0.");
        for (long i = 0; i < -exp; i++)
            sb_putc(sb, '0');
        sb_append(sb, d.data, d.len);
    } else if ((size_t)exp >= d.len) {
        sb_append(sb, d.data, d.len);
        for (size_t i = d.len; i < (size_t)exp; i++)
            sb_putc(sb, '0');
    } else {
        sb_append(sb, d.data, (size_t)exp);
        sb_putc(sb, '.');
        sb_append(sb, d.data + exp, d.len - (size_t)exp);
    }
    sb_free(&d);
}

/* ---- exact rationals for multipleOf ---- */

static bool to_mpq(const val *v, mpq_t q)
{
    strbuf d = STRBUF_INIT;
    long exp;
    bool neg;
    decimal_of(v, &d, &exp, &neg);
    if (d.len == 0) {
        mpq_set_ui(q, 0, 1);
        sb_free(&d);
        return true;
    }
    long scale = exp - (long)d.len; /* value = DIGITS x 10^scale */
    if (scale > 4096 || scale < -4096) {
        sb_free(&d);
        return false;
    }
    mpz_t num, pow;
    mpz_init_set_str(num, d.data, 10);
    mpz_init(pow);
    mpz_ui_pow_ui(pow, 10, (unsigned long)(scale < 0 ? -scale : scale));
    if (scale >= 0) {
        mpz_mul(num, num, pow);
        mpq_set_num(q, num);
        mpq_set_den(q, pow);
        mpz_set_ui(mpq_denref(q), 1);
    } else {
        mpq_set_num(q, num);
        mpq_set_den(q, pow);
    }
    mpq_canonicalize(q);
    if (neg)
        mpq_neg(q, q);
    mpz_clear(num);
    mpz_clear(pow);
    sb_free(&d);
    return true;
}

static bool is_multiple(const val *v, const val *m)
{
    mpq_t a, b;
    mpq_init(a);
    mpq_init(b);
    bool ok = true;
    if (to_mpq(v, a) && to_mpq(m, b) && mpq_sgn(b) != 0) {
        mpq_div(a, a, b);
        ok = mpz_cmp_ui(mpq_denref(a), 1) == 0;
    }
    mpq_clear(a);
    mpq_clear(b);
    return ok;
}

/* ---- validation results ---- */

typedef struct js_path {
    const char *head;
    size_t head_n;
    const struct js_path *tail;
} js_path;

typedef struct js_error {
    const char *type;
    const char *field;
    const char *desc;
    struct js_error *next;
} js_error;

typedef struct js_result {
    js_error *first, *last;
    long score;
    int nerrs;
} js_result;

static void path_put(strbuf *sb, const js_path *p)
{
    if (p->tail) {
        path_put(sb, p->tail);
        sb_putc(sb, '.');
    }
    sb_append(sb, p->head, p->head_n);
}

/* Field(): the context without the "(root)." prefix. */
static const char *field_of(js_ctx *x, const js_path *p)
{
    strbuf sb = STRBUF_INIT;
    path_put(&sb, p);
    const char *s = sb_arena(x, &sb);
    return strncmp(s, "(root).", 7) == 0 ? s + 7 : s;
}

static void add_error(js_ctx *x, js_result *r, const char *type, const js_path *ctx, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add_error(js_ctx *x, js_result *r, const char *type, const js_path *ctx, const char *fmt, ...)
{
    js_error *e = arena_alloc(x->a, sizeof *e);
    if (!e)
        return;
    e->type = type;
    e->field = field_of(x, ctx);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *desc = n >= 0 ? arena_alloc(x->a, (size_t)n + 1) : NULL;
    if (desc) {
        va_start(ap, fmt);
        vsnprintf(desc, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    e->desc = desc ? desc : "";
    e->next = NULL;
    if (r->last)
        r->last->next = e;
    else
        r->first = e;
    r->last = e;
    r->nerrs++;
    r->score -= 2;
}

static void merge(js_result *r, js_result *o)
{
    if (o->first) {
        if (r->last)
            r->last->next = o->first;
        else
            r->first = o->first;
        r->last = o->last;
        r->nerrs += o->nerrs;
    }
    r->score += o->score;
    o->first = o->last = NULL;
    o->nerrs = 0;
}

static bool valid(const js_result *r) { return r->nerrs == 0; }

static const char *num_text(js_ctx *x, const val *v)
{
    strbuf sb = STRBUF_INIT;
    put_bigfloat(&sb, v);
    return sb_arena(x, &sb);
}

static const char *types_string(js_ctx *x, const js_schema *s)
{
    if (s->ntypes == 1)
        return s->types[0];
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, '[');
    for (int i = 0; i < s->ntypes; i++) {
        if (i)
            sb_putc(&sb, ',');
        sb_puts(&sb, s->types[i]);
    }
    sb_putc(&sb, ']');
    return sb_arena(x, &sb);
}

static bool has_type(const js_schema *s, const char *t)
{
    for (int i = 0; i < s->ntypes; i++)
        if (strcmp(s->types[i], t) == 0)
            return true;
    return false;
}

/* ---- formats ---- */

static int num2(const char *s, size_t n, size_t i, size_t width)
{
    if (i + width > n)
        return -1;
    int v = 0;
    for (size_t k = 0; k < width; k++) {
        if (s[i + k] < '0' || s[i + k] > '9')
            return -1;
        v = v * 10 + (s[i + k] - '0');
    }
    return v;
}

static int mdays(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* "2006-01-02" at s[*i]. */
static bool go_date(const char *s, size_t n, size_t *i)
{
    int y = num2(s, n, *i, 4);
    if (y < 0 || *i + 4 >= n || s[*i + 4] != '-')
        return false;
    int mo = num2(s, n, *i + 5, 2);
    if (mo < 1 || mo > 12 || *i + 7 >= n || s[*i + 7] != '-')
        return false;
    int d = num2(s, n, *i + 8, 2);
    if (d < 1 || d > mdays(y, mo))
        return false;
    *i += 10;
    return true;
}

/* "15:04:05" (with Go's optional fraction) at s[*i]. */
static bool go_clock(const char *s, size_t n, size_t *i)
{
    size_t k = *i;
    int h;
    if (k + 1 < n && s[k + 1] >= '0' && s[k + 1] <= '9')
        h = num2(s, n, k, 2), k += 2;
    else
        h = num2(s, n, k, 1), k += 1;
    if (h < 0 || h > 23 || k >= n || s[k] != ':')
        return false;
    int mi = num2(s, n, k + 1, 2);
    if (mi < 0 || mi > 59 || k + 3 >= n || s[k + 3] != ':')
        return false;
    int se = num2(s, n, k + 4, 2);
    if (se < 0 || se > 59)
        return false;
    k += 6;
    if (k + 1 < n && (s[k] == '.' || s[k] == ',') && s[k + 1] >= '0' && s[k + 1] <= '9') {
        k++;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
    }
    *i = k;
    return true;
}

/* "Z07:00" at s[*i]. */
static bool go_zone(const char *s, size_t n, size_t *i)
{
    size_t k = *i;
    if (k < n && s[k] == 'Z') {
        *i = k + 1;
        return true;
    }
    if (k + 6 > n || (s[k] != '+' && s[k] != '-') || s[k + 3] != ':')
        return false;
    int hh = num2(s, n, k + 1, 2), mm = num2(s, n, k + 4, 2);
    if (hh < 0 || mm < 0 || hh > 24 || mm > 60)
        return false;
    *i = k + 6;
    return true;
}

static bool fmt_time(const char *s, size_t n)
{
    size_t i = 0;
    if (!go_clock(s, n, &i))
        return false;
    if (i == n)
        return true;
    return go_zone(s, n, &i) && i == n;
}

static bool fmt_date(const char *s, size_t n)
{
    size_t i = 0;
    return go_date(s, n, &i) && i == n;
}

static bool fmt_date_time(const char *s, size_t n)
{
    if (fmt_time(s, n) || fmt_date(s, n))
        return true;
    size_t i = 0;
    if (!go_date(s, n, &i) || i >= n || s[i] != 'T')
        return false;
    i++;
    return go_clock(s, n, &i) && go_zone(s, n, &i) && i == n;
}

static bool label_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && i > 0 && i + 1 < n))
            return false;
    }
    return true;
}

static bool fmt_hostname(const char *s, size_t n)
{
    if (n >= 256 || n == 0)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!label_ok(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

static bool atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
           strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool dot_atom(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
            continue;
        }
        if (!atext((unsigned char)s[i]))
            return false;
    }
    return true;
}

static bool addr_spec(const char *s, size_t n)
{
    const char *at = NULL;
    if (n && s[0] == '"') {
        size_t i = 1;
        while (i < n && s[i] != '"') {
            if (s[i] == '\\')
                i++;
            i++;
        }
        if (i >= n || i + 1 >= n || s[i + 1] != '@')
            return false;
        at = s + i + 1;
    } else {
        for (size_t i = n; i > 0; i--)
            if (s[i - 1] == '@') {
                at = s + i - 1;
                break;
            }
        if (!at || !dot_atom(s, (size_t)(at - s)))
            return false;
    }
    const char *dom = at + 1;
    size_t dn = n - (size_t)(dom - s);
    if (dn >= 2 && dom[0] == '[' && dom[dn - 1] == ']')
        return true;
    return dot_atom(dom, dn);
}

/* net/mail.ParseAddress, simplified: addr-spec, or display name <addr-spec>. */
static bool fmt_email(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n && s[n - 1] == '>') {
        const char *lt = memchr(s, '<', n);
        if (!lt)
            return false;
        return addr_spec(lt + 1, n - (size_t)(lt + 1 - s) - 1);
    }
    return addr_spec(s, n);
}

static bool fmt_ip(const char *s, size_t n, bool v6)
{
    char buf[64];
    unsigned char out[16];
    if (n >= sizeof buf || memchr(s, 0, n))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (v6)
        return memchr(s, ':', n) && inet_pton(AF_INET6, buf, out) == 1;
    return memchr(s, '.', n) && inet_pton(AF_INET, buf, out) == 1;
}

/* net/url.Parse success, approximated; *has_scheme reports a scheme. */
static bool url_parses(const char *s, size_t n, bool *has_scheme, const char **path, size_t *path_n)
{
    *has_scheme = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c == '%' && (i + 2 >= n || hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0)) {
            /* net/url validates escapes outside the query */
            const char *q = memchr(s, '?', n);
            if (!q || (size_t)(q - s) > i)
                return false;
        }
    }
    const char *hash = memchr(s, '#', n);
    size_t m = hash ? (size_t)(hash - s) : n;
    size_t i = 0;
    for (; i < m; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))
            continue;
        break;
    }
    const char *rest = s;
    size_t rn = m;
    if (i < m && s[i] == ':') {
        if (i == 0)
            return false; /* missing protocol scheme */
        *has_scheme = true;
        rest = s + i + 1;
        rn = m - i - 1;
    }
    const char *q = memchr(rest, '?', rn);
    if (q)
        rn = (size_t)(q - rest);
    if (!*has_scheme) {
        const char *slash = memchr(rest, '/', rn);
        size_t seg = slash ? (size_t)(slash - rest) : rn;
        if (memchr(rest, ':', seg))
            return false; /* first path segment in URL cannot contain colon */
    }
    if (rn >= 2 && rest[0] == '/' && rest[1] == '/') {
        const char *auth = rest + 2;
        const char *slash = memchr(auth, '/', rn - 2);
        size_t an = slash ? (size_t)(slash - auth) : rn - 2;
        const char *at = NULL;
        for (size_t k = an; k > 0; k--)
            if (auth[k - 1] == '@') {
                at = auth + k - 1;
                break;
            }
        const char *host = at ? at + 1 : auth;
        size_t hn = an - (size_t)(host - auth);
        if (hn && host[0] == '[') {
            const char *rb = memchr(host, ']', hn);
            if (!rb)
                return false;
            size_t after = hn - (size_t)(rb + 1 - host);
            if (after && rb[1] != ':')
                return false;
        } else {
            const char *colon = memchr(host, ':', hn);
            if (colon) {
                for (const char *c = colon + 1; c < host + hn; c++)
                    if (*c < '0' || *c > '9')
                        return false; /* invalid port */
            }
        }
        rest = auth + an;
        rn -= an + 2;
    }
    if (path) {
        *path = rest;
        *path_n = rn;
    }
    return true;
}

static bool fmt_uri(const char *s, size_t n)
{
    bool scheme;
    return url_parses(s, n, &scheme, NULL, NULL) && scheme && !memchr(s, '\\', n);
}

static bool fmt_uri_ref(const char *s, size_t n)
{
    bool scheme;
    return url_parses(s, n, &scheme, NULL, NULL) && !memchr(s, '\\', n);
}

static bool fmt_uri_template(const char *s, size_t n)
{
    bool scheme;
    const char *path;
    size_t pn;
    if (!url_parses(s, n, &scheme, &path, &pn) || memchr(s, '\\', n))
        return false;
    bool open = false;
    for (size_t i = 0; i < pn; i++) {
        if (path[i] == '{') {
            if (open)
                return false;
            open = true;
        } else if (path[i] == '}') {
            if (!open)
                continue;
            open = false;
        }
    }
    return !open;
}

static bool fmt_uuid(const char *s, size_t n)
{
    static const int groups[5] = {8, 4, 4, 4, 12};
    size_t i = 0;
    for (int g = 0; g < 5; g++) {
        for (int k = 0; k < groups[g]; k++, i++)
            if (i >= n || hex_digit(s[i]) < 0)
                return false;
        if (g < 4) {
            if (i >= n || s[i] != '-')
                return false;
            i++;
        }
    }
    return i == n;
}

static bool pointer_tail(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '~' && (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1')))
            return false;
    return true;
}

static bool fmt_json_pointer(const char *s, size_t n) { return (n == 0 || s[0] == '/') && pointer_tail(s, n); }

static bool fmt_rel_json_pointer(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '#')
        return i + 1 == n;
    return fmt_json_pointer(s + i, n - i);
}

static bool is_format(js_ctx *x, const char *format, const val *v)
{
    if (val_kind_of(v) != VAL_STRING)
        return true;
    const char *s = val_str(v);
    size_t n = val_len(v);
    if (strcmp(format, "date") == 0)
        return fmt_date(s, n);
    if (strcmp(format, "time") == 0)
        return fmt_time(s, n);
    if (strcmp(format, "date-time") == 0)
        return fmt_date_time(s, n);
    if (strcmp(format, "hostname") == 0)
        return fmt_hostname(s, n);
    if (strcmp(format, "email") == 0 || strcmp(format, "idn-email") == 0)
        return fmt_email(s, n);
    if (strcmp(format, "ipv4") == 0)
        return fmt_ip(s, n, false);
    if (strcmp(format, "ipv6") == 0)
        return fmt_ip(s, n, true);
    if (strcmp(format, "uri") == 0 || strcmp(format, "iri") == 0)
        return fmt_uri(s, n);
    if (strcmp(format, "uri-reference") == 0 || strcmp(format, "iri-reference") == 0)
        return fmt_uri_ref(s, n);
    if (strcmp(format, "uri-template") == 0)
        return fmt_uri_template(s, n);
    if (strcmp(format, "uuid") == 0)
        return fmt_uuid(s, n);
    if (strcmp(format, "regex") == 0)
        return n == 0 || js_re_compile(x->pool, s, n) != NULL;
    if (strcmp(format, "json-pointer") == 0)
        return fmt_json_pointer(s, n);
    if (strcmp(format, "relative-json-pointer") == 0)
        return fmt_rel_json_pointer(s, n);
    return true;
}

/* ---- validation (SubSchema.validateRecursive and friends) ---- */

static void validate(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx);

static js_result sub_validate(js_ctx *x, const js_schema *s, val *node, const js_path *ctx)
{
    js_result r = {NULL, NULL, 0, 0};
    validate(x, s, node, &r, ctx);
    return r;
}

static void validate_schema(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    if (s->n_any_of > 0) {
        bool ok = false;
        js_result best = {NULL, NULL, 0, 0};
        bool have_best = false;
        for (int i = 0; i < s->n_any_of && !ok; i++) {
            js_result sub = sub_validate(x, s->any_of[i], node, ctx);
            ok = valid(&sub);
            if (!ok && (!have_best || sub.score > best.score)) {
                best = sub;
                have_best = true;
            }
        }
        if (!ok) {
            add_error(x, r, "number_any_of", ctx, "Must validate at least one schema (anyOf)");
            if (have_best)
                merge(r, &best);
        }
    }
    if (s->n_one_of > 0) {
        int nvalid = 0;
        js_result best = {NULL, NULL, 0, 0};
        bool have_best = false;
        for (int i = 0; i < s->n_one_of; i++) {
            js_result sub = sub_validate(x, s->one_of[i], node, ctx);
            if (valid(&sub))
                nvalid++;
            else if (nvalid == 0 && (!have_best || sub.score > best.score)) {
                best = sub;
                have_best = true;
            }
        }
        if (nvalid != 1) {
            add_error(x, r, "number_one_of", ctx, "Must validate one and only one schema (oneOf)");
            if (nvalid == 0 && have_best)
                merge(r, &best);
        }
    }
    if (s->n_all_of > 0) {
        int nvalid = 0;
        for (int i = 0; i < s->n_all_of; i++) {
            js_result sub = sub_validate(x, s->all_of[i], node, ctx);
            if (valid(&sub))
                nvalid++;
            merge(r, &sub);
        }
        if (nvalid != s->n_all_of)
            add_error(x, r, "number_all_of", ctx, "Must validate all the schemas (allOf)");
    }
    if (s->not_) {
        js_result sub = sub_validate(x, s->not_, node, ctx);
        if (valid(&sub))
            add_error(x, r, "number_not", ctx, "Must not validate the schema (not)");
    }
    if (s->ndeps > 0 && val_kind_of(node) == VAL_OBJECT) {
        for (uint32_t i = 0; i < val_len(node); i++) {
            val *key = val_object_keys(node)[i];
            for (int d = 0; d < s->ndeps; d++) {
                if (!val_equal(s->deps[d].key, key))
                    continue;
                if (s->deps[d].strings) {
                    val *list = s->deps[d].strings;
                    for (uint32_t j = 0; j < val_len(list); j++) {
                        val *need = val_array_items(list)[j];
                        if (!val_object_get(node, need))
                            add_error(x, r, "missing_dependency", ctx, "Has a dependency on %s", val_str(need));
                    }
                } else {
                    validate(x, s->deps[d].schema, node, r, ctx);
                }
            }
        }
    }
    if (s->if_) {
        js_result sub_if = sub_validate(x, s->if_, node, ctx);
        if (s->then_ && valid(&sub_if)) {
            js_result sub = sub_validate(x, s->then_, node, ctx);
            if (!valid(&sub)) {
                add_error(x, r, "condition_then", ctx, "Must validate \"then\" as \"if\" was valid");
                merge(r, &sub);
            }
        }
        if (s->else_ && !valid(&sub_if)) {
            js_result sub = sub_validate(x, s->else_, node, ctx);
            if (!valid(&sub)) {
                add_error(x, r, "condition_else", ctx, "Must validate \"else\" as \"if\" was not valid");
                merge(r, &sub);
            }
        }
    }
    r->score++;
}

static void validate_common(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    if (s->const_json || s->enum_present) {
        strbuf sb = STRBUF_INIT;
        canon_json(&sb, node);
        const char *v = sb_arena(x, &sb);
        if (s->const_json && strcmp(v, s->const_json) != 0)
            add_error(x, r, "const", ctx, "%s does not match: %s", field_of(x, ctx), s->const_json);
        if (s->enum_present) {
            bool found = false;
            for (int i = 0; i < s->nenums; i++)
                if (strcmp(s->enums[i], v) == 0)
                    found = true;
            if (!found) {
                strbuf allowed = STRBUF_INIT;
                for (int i = 0; i < s->nenums; i++) {
                    if (i)
                        sb_puts(&allowed, ", ");
                    sb_puts(&allowed, s->enums[i]);
                }
                const char *list = s->nenums ? sb_arena(x, &allowed) : "(none)";
                sb_free(&allowed);
                add_error(x, r, "enum", ctx, "%s must be one of the following: %s", field_of(x, ctx), list);
            }
        }
    }
    if (s->format && !is_format(x, s->format, node))
        add_error(x, r, "format", ctx, "Does not match format '%s'", s->format);
    r->score++;
}

static void index_path(js_ctx *x, js_path *p, const js_path *tail, uint32_t i)
{
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%u", i);
    p->head = astr(x, buf, (size_t)n);
    p->head_n = (size_t)n;
    p->tail = tail;
}

static void validate_array(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    uint32_t n = val_len(node);
    val *const *items = val_array_items(node);
    if (s->items_single) {
        for (uint32_t i = 0; i < n; i++) {
            js_path p;
            index_path(x, &p, ctx, i);
            js_result sub = sub_validate(x, s->items[0], items[i], &p);
            merge(r, &sub);
        }
    } else if (s->nitems > 0) {
        uint32_t ni = (uint32_t)s->nitems;
        for (uint32_t i = 0; i < ni && i < n; i++) {
            js_path p;
            index_path(x, &p, ctx, i);
            js_result sub = sub_validate(x, s->items[i], items[i], &p);
            merge(r, &sub);
        }
        if (ni < n) {
            if (s->addl_items == ADD_BOOL && !s->addl_items_bool) {
                add_error(x, r, "array_no_additional_items", ctx, "No additional items allowed on array");
            } else if (s->addl_items == ADD_SCHEMA) {
                for (uint32_t i = ni; i < n; i++) {
                    js_path p;
                    index_path(x, &p, ctx, i);
                    js_result sub = sub_validate(x, s->addl_items_schema, items[i], &p);
                    merge(r, &sub);
                }
            }
        }
    }
    if (s->min_items >= 0 && (int64_t)n < s->min_items)
        add_error(x, r, "array_min_items", ctx, "Array must have at least %lld items", (long long)s->min_items);
    if (s->max_items >= 0 && (int64_t)n > s->max_items)
        add_error(x, r, "array_max_items", ctx, "Array must have at most %lld items", (long long)s->max_items);
    if (s->unique_items) {
        const char **seen = arena_alloc(x->a, ((size_t)n + 1) * sizeof *seen);
        if (seen) {
            for (uint32_t j = 0; j < n; j++) {
                strbuf sb = STRBUF_INIT;
                canon_json(&sb, items[j]);
                seen[j] = sb_arena(x, &sb);
                for (uint32_t i = j; i > 0; i--)
                    if (strcmp(seen[i - 1], seen[j]) == 0) {
                        add_error(x, r, "unique", ctx, "array items[%u,%u] must be unique", i - 1, j);
                        break;
                    }
            }
        }
    }
    if (s->contains) {
        bool ok = false;
        js_result best = {NULL, NULL, 0, 0};
        bool have_best = false;
        for (uint32_t i = 0; i < n; i++) {
            js_path p;
            index_path(x, &p, ctx, i);
            js_result sub = sub_validate(x, s->contains, items[i], &p);
            if (valid(&sub)) {
                ok = true;
                break;
            }
            if (!have_best || sub.score > best.score) {
                best = sub;
                have_best = true;
            }
        }
        if (!ok) {
            add_error(x, r, "contains", ctx, "At least one of the items must match");
            if (have_best)
                merge(r, &best);
        }
    }
    r->score++;
}

static bool pattern_property(js_ctx *x, const js_schema *s, val *key, val *value, js_result *r, const js_path *ctx)
{
    bool matched = false;
    for (int i = 0; i < s->npprops; i++) {
        if (!js_re_match(s->pprops[i].re, val_str(key), val_len(key)))
            continue;
        matched = true;
        js_path p = {val_str(key), val_len(key), ctx};
        js_result sub = sub_validate(x, s->pprops[i].schema, value, &p);
        merge(r, &sub);
    }
    if (!matched)
        return false;
    r->score++;
    return true;
}

static void validate_object(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    uint32_t n = val_len(node);
    if (s->min_props >= 0 && (int64_t)n < s->min_props)
        add_error(x, r, "array_min_properties", ctx, "Must have at least %lld properties", (long long)s->min_props);
    if (s->max_props >= 0 && (int64_t)n > s->max_props)
        add_error(x, r, "array_max_properties", ctx, "Must have at most %lld properties", (long long)s->max_props);
    for (int i = 0; i < s->nrequired; i++) {
        if (val_object_get(node, s->required[i]))
            r->score++;
        else
            add_error(x, r, "required", ctx, "%s is required", val_str(s->required[i]));
    }
    for (uint32_t i = 0; i < n; i++) {
        val *key = val_object_keys(node)[i], *value = val_object_values(node)[i];
        if (val_kind_of(key) != VAL_STRING)
            continue;
        bool found = false;
        for (int k = 0; k < s->nprops; k++)
            if (strcmp(s->props[k]->property, val_str(key)) == 0)
                found = true;
        bool pp = pattern_property(x, s, key, value, r, ctx);
        if (!found && !pp) {
            if (s->addl_props == ADD_BOOL && !s->addl_props_bool) {
                add_error(x, r, "additional_property_not_allowed", ctx, "Additional property %s is not allowed",
                          val_str(key));
            } else if (s->addl_props == ADD_SCHEMA) {
                js_path p = {val_str(key), val_len(key), ctx};
                js_result sub = sub_validate(x, s->addl_props_schema, value, &p);
                merge(r, &sub);
            }
        }
    }
    if (s->property_names) {
        for (uint32_t i = 0; i < n; i++) {
            val *key = val_object_keys(node)[i];
            js_result sub = sub_validate(x, s->property_names, key, ctx);
            if (!valid(&sub)) {
                add_error(x, r, "invalid_property_name", ctx, "Property name of \"%s\" does not match",
                          val_kind_of(key) == VAL_STRING ? val_str(key) : "");
                merge(r, &sub);
            }
        }
    }
    r->score++;
}

static void validate_string(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    size_t runes = txt_rune_count(val_str(node), val_len(node));
    if (s->min_length >= 0 && (int64_t)runes < s->min_length)
        add_error(x, r, "string_gte", ctx, "String length must be greater than or equal to %lld",
                  (long long)s->min_length);
    if (s->max_length >= 0 && (int64_t)runes > s->max_length)
        add_error(x, r, "string_lte", ctx, "String length must be less than or equal to %lld",
                  (long long)s->max_length);
    if (s->pattern && !js_re_match(s->pattern, val_str(node), val_len(node)))
        add_error(x, r, "pattern", ctx, "Does not match pattern '%s'", s->pattern_src);
    r->score++;
}

static void validate_number(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    if (s->multiple_of && !is_multiple(node, s->multiple_of))
        add_error(x, r, "multiple_of", ctx, "Must be a multiple of %s", num_text(x, s->multiple_of));
    if (s->maximum && num_compare(node, s->maximum) > 0)
        add_error(x, r, "number_lte", ctx, "Must be less than or equal to %s", num_text(x, s->maximum));
    if (s->exclusive_maximum && num_compare(node, s->exclusive_maximum) >= 0)
        add_error(x, r, "number_lt", ctx, "Must be less than %s", num_text(x, s->exclusive_maximum));
    if (s->minimum && num_compare(node, s->minimum) < 0)
        add_error(x, r, "number_gte", ctx, "Must be greater than or equal to %s", num_text(x, s->minimum));
    if (s->exclusive_minimum && num_compare(node, s->exclusive_minimum) <= 0)
        add_error(x, r, "number_gt", ctx, "Must be greater than %s", num_text(x, s->exclusive_minimum));
    r->score++;
}

static bool type_check(js_ctx *x, const js_schema *s, js_result *r, const js_path *ctx, const char *given)
{
    if (s->ntypes > 0 && !has_type(s, given)) {
        add_error(x, r, "invalid_type", ctx, "Invalid type. Expected: %s, given: %s", types_string(x, s), given);
        return false;
    }
    return true;
}

static void validate_node(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx);

static void validate(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    if (x->cancelled)
        return;
    if (++x->steps >= JS_CHARGE_STEPS) {
        x->steps = 0;
        if (x->c->vm && vm_charge(x->c->vm, JS_CHARGE_STEPS, x->cancel_msg, sizeof x->cancel_msg) != 0) {
            x->cancelled = true;
            return;
        }
    }
    if (x->depth >= JS_MAX_DEPTH) {
        add_error(x, r, "internal", ctx, "Internal Error maximum schema recursion depth exceeded");
        return;
    }
    x->depth++;
    validate_node(x, s, node, r, ctx);
    x->depth--;
}

static void validate_node(js_ctx *x, const js_schema *s, val *node, js_result *r, const js_path *ctx)
{
    if (s->pass >= 0) {
        if (!s->pass)
            add_error(x, r, "false", ctx, "False always fails validation");
        return;
    }
    if (s->ref_schema) {
        validate(x, s->ref_schema, node, r, ctx);
        return;
    }
    switch (val_kind_of(node)) {
    case VAL_NULL:
        if (!type_check(x, s, r, ctx, "null"))
            return;
        validate_schema(x, s, node, r, ctx);
        validate_common(x, s, node, r, ctx);
        break;
    case VAL_NUMBER: {
        bool is_int = num_is_integer(node);
        bool ok = has_type(s, "number") || (is_int && has_type(s, "integer"));
        if (s->ntypes > 0 && !ok) {
            add_error(x, r, "invalid_type", ctx, "Invalid type. Expected: %s, given: %s", types_string(x, s),
                      is_int ? "integer" : "number");
            return;
        }
        validate_schema(x, s, node, r, ctx);
        validate_number(x, s, node, r, ctx);
        validate_common(x, s, node, r, ctx);
        break;
    }
    case VAL_ARRAY:
    case VAL_SET:
        if (!type_check(x, s, r, ctx, "array"))
            return;
        validate_schema(x, s, node, r, ctx);
        validate_array(x, s, node, r, ctx);
        validate_common(x, s, node, r, ctx);
        break;
    case VAL_OBJECT:
        if (!type_check(x, s, r, ctx, "object"))
            return;
        validate_schema(x, s, node, r, ctx);
        validate_object(x, s, node, r, ctx);
        validate_common(x, s, node, r, ctx);
        for (int i = 0; i < s->nprops; i++) {
            const js_schema *ps = s->props[i];
            val *next = val_object_get_str(node, ps->property, strlen(ps->property));
            if (next) {
                js_path p = {ps->property, strlen(ps->property), ctx};
                validate(x, ps, next, r, &p);
            }
        }
        break;
    case VAL_BOOL:
        if (!type_check(x, s, r, ctx, "boolean"))
            return;
        validate_schema(x, s, node, r, ctx);
        validate_common(x, s, node, r, ctx);
        break;
    case VAL_STRING:
        if (!type_check(x, s, r, ctx, "string"))
            return;
        validate_schema(x, s, node, r, ctx);
        validate_common(x, s, node, r, ctx);
        validate_string(x, s, node, r, ctx);
        break;
    }
    r->score++;
}

/* ---- the builtins ---- */

/* astValueToJSONSchemaLoader: the JSON document a string or a collection
 * stands for; NULL with x->err set otherwise. */
static val *load(js_ctx *x, val *v)
{
    json_error je;
    if (val_kind_of(v) == VAL_STRING) {
        val *doc = json_parse(x->a, val_str(v), val_len(v), 0, &je);
        if (!doc)
            fail(x, "invalid JSON string");
        return doc;
    }
    if (val_kind_of(v) == VAL_OBJECT || val_kind_of(v) == VAL_ARRAY || val_kind_of(v) == VAL_SET) {
        strbuf *sb = cx_strbuf(x->pool);
        if (!sb) {
            fail(x, "out of memory");
            return NULL;
        }
        json_write(sb, v, 0);
        val *doc = json_parse(x->a, sb->data, sb->len, 0, &je);
        if (!doc)
            fail(x, "%s", je.msg);
        return doc;
    }
    fail(x, "wrong type, expected string or object");
    return NULL;
}

static void ctx_init(js_ctx *x, bi_ctx *c, cx_pool *p)
{
    memset(x, 0, sizeof *x);
    x->c = c;
    x->a = c->a;
    x->pool = p;
}

static bi_status verify_schema(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    js_ctx x;
    ctx_init(&x, c, p);
    val *doc = load(&x, args[0]);
    if (doc && compile(&x, doc)) {
        val *items[2] = {VAL_TRUE_V, VAL_NULL_V};
        *out = val_array(c->a, items, 2);
        return BI_OK;
    }
    val *items[2] = {VAL_FALSE_V, val_cstring(c->a, afmt(&x, "jsonschema: %s", x.err))};
    *out = val_array(c->a, items, 2);
    return BI_OK;
}

static bi_status bi_verify_schema(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, verify_schema);
}

static bi_status match_schema(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    js_ctx x;
    ctx_init(&x, c, p);
    val *doc = load(&x, args[0]);
    if (!doc)
        return bi_error(c, "%s", x.err);
    val *schema_doc = load(&x, args[1]);
    if (!schema_doc)
        return bi_error(c, "%s", x.err);
    js_schema *root = compile(&x, schema_doc);
    if (!root)
        return bi_error(c, "%s", x.err);
    js_path rootp = {"(root)", 6, NULL};
    js_result r = {NULL, NULL, 0, 0};
    validate(&x, root, doc, &r, &rootp);
    if (x.cancelled) {
        bi_error(c, "%s", x.cancel_msg);
        c->err_code = "eval_cancel_error"; /* not a builtin error: the evaluation stops */
        return BI_ERR;
    }
    val_arrb errs;
    val_arrb_init(&errs, c->a);
    for (js_error *e = r.first; e; e = e->next) {
        val *keys[4] = {val_cstring(c->a, "error"), val_cstring(c->a, "type"), val_cstring(c->a, "field"),
                        val_cstring(c->a, "desc")};
        val *vals[4] = {val_cstring(c->a, afmt(&x, "%s: %s", e->field, e->desc)), val_cstring(c->a, e->type),
                        val_cstring(c->a, e->field), val_cstring(c->a, e->desc)};
        val_arrb_push(&errs, val_object(c->a, keys, vals, 4));
    }
    val *items[2] = {val_bool(r.nerrs == 0), val_arrb_finish(&errs)};
    *out = val_array(c->a, items, 2);
    return BI_OK;
}

static bi_status bi_match_schema(bi_ctx *c, val *const *args, val **out) { return cx_run(c, args, out, match_schema); }

const builtin_def bi_group_jsonschema[] = {
    {"json.verify_schema", 1, bi_verify_schema, 0, NULL},
    {"json.match_schema", 2, bi_match_schema, 0, NULL},
    {0},
};
