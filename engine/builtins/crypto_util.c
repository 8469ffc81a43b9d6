/* crypto_util.c — see crypto_util.h. */
#include "crypto_util.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "../arena.h"
#include "../json.h"

/* ---- pool ---- */

typedef struct cx_item {
    cx_kind kind;
    void *obj;
    void (*fn)(void *);
} cx_item;

struct cx_pool {
    cx_item *items;
    size_t n, cap;
};

static void free_item(cx_item *it)
{
    void *o = it->obj;
    if (!o)
        return;
    switch (it->kind) {
    case CX_FREE: free(o); break;
    case CX_PKEY: EVP_PKEY_free(o); break;
    case CX_X509: X509_free(o); break;
    case CX_X509_STORE: X509_STORE_free(o); break;
    case CX_X509_STORE_CTX: X509_STORE_CTX_free(o); break;
    case CX_STACK_X509: sk_X509_free(o); break;
    case CX_STACK_X509_POP: sk_X509_pop_free(o, X509_free); break;
    case CX_BN: BN_free(o); break;
    case CX_MD_CTX: EVP_MD_CTX_free(o); break;
    case CX_PKEY_CTX: EVP_PKEY_CTX_free(o); break;
    case CX_STRBUF:
        sb_free(o);
        free(o);
        break;
    case CX_CUSTOM: it->fn(o); break;
    }
    it->obj = NULL;
}

static void pool_free(cx_pool *p)
{
    /* newest first: later objects may refer to earlier ones */
    for (size_t i = p->n; i > 0; i--)
        free_item(&p->items[i - 1]);
    free(p->items);
    free(p);
}

static void *own(cx_pool *p, cx_kind kind, void (*fn)(void *), void *obj)
{
    if (!obj)
        return NULL;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        cx_item *items = realloc(p->items, cap * sizeof *items);
        if (!items) {
            cx_item it = {kind, obj, fn};
            free_item(&it);
            return NULL;
        }
        p->items = items;
        p->cap = cap;
    }
    p->items[p->n++] = (cx_item){kind, obj, fn};
    return obj;
}

void *cx_own(cx_pool *p, cx_kind kind, void *obj) { return own(p, kind, NULL, obj); }

void *cx_own_fn(cx_pool *p, void (*fn)(void *), void *obj) { return own(p, CX_CUSTOM, fn, obj); }

void cx_drop(cx_pool *p, void *obj)
{
    for (size_t i = p->n; i > 0; i--) {
        if (p->items[i - 1].obj == obj) {
            free_item(&p->items[i - 1]);
            return;
        }
    }
}

void *cx_malloc(cx_pool *p, size_t n) { return cx_own(p, CX_FREE, malloc(n ? n : 1)); }

strbuf *cx_strbuf(cx_pool *p)
{
    strbuf *sb = calloc(1, sizeof *sb);
    return cx_own(p, CX_STRBUF, sb);
}

bi_status cx_run(bi_ctx *c, val *const *args, val **out, cx_fn fn)
{
    cx_pool *p = calloc(1, sizeof *p);
    if (!p)
        return bi_error(c, "out of memory");
    arena *a = c->a;
    jmp_buf here;
    jmp_buf *volatile outer = a->oom;
    if (outer) {
        if (setjmp(here)) {
            a->oom = outer;
            pool_free(p);
            ERR_clear_error();
            longjmp(*outer, a->oom_code ? a->oom_code : ARENA_OOM);
        }
        a->oom = &here;
    }
    bi_status st = fn(c, args, out, p);
    a->oom = outer;
    pool_free(p);
    ERR_clear_error();
    return st;
}

/* ---- base64 ---- */


bool cx_b64_decode_std(cx_pool *p, const char *s, size_t n, cx_bytes *out, char *err, size_t errn)
{
    unsigned char *dst = cx_malloc(p, n / 4 * 3 + 3);
    if (!dst) {
        snprintf(err, errn, "out of memory");
        return false;
    }
    size_t dn = 0;
    long bad = base64_decode(s, n, base64_std, true, dst, &dn);
    if (bad >= 0) {
        snprintf(err, errn, "illegal base64 data at input byte %ld", bad);
        return false;
    }
    out->p = dst;
    out->n = dn;
    return true;
}

bool cx_b64_decode_opa_url(cx_pool *p, const char *s, size_t n, cx_bytes *out, char *err, size_t errn)
{
    char *buf = cx_malloc(p, n + 3);
    if (!buf) {
        snprintf(err, errn, "out of memory");
        return false;
    }
    memcpy(buf, s, n);
    size_t m = n;
    if (n == 0 || s[n - 1] != '=') {
        switch (n % 4) {
        case 0: break;
        case 2: buf[m++] = '='; buf[m++] = '='; break;
        case 3: buf[m++] = '='; break;
        default:
            snprintf(err, errn, "illegal base64url string: %.*s", (int)(n > 400 ? 400 : n), s);
            return false;
        }
    }
    unsigned char *dst = cx_malloc(p, m / 4 * 3 + 3);
    if (!dst) {
        snprintf(err, errn, "out of memory");
        return false;
    }
    size_t dn = 0;
    long bad = base64_decode(buf, m, base64_url, true, dst, &dn);
    if (bad >= 0) {
        snprintf(err, errn, "illegal base64 data at input byte %ld", bad);
        return false;
    }
    out->p = dst;
    out->n = dn;
    return true;
}

void cx_hex_put(strbuf *sb, const unsigned char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    sb_reserve(sb, 2 * n);
    for (size_t i = 0; i < n; i++) {
        char h[2] = {digits[s[i] >> 4], digits[s[i] & 15]};
        sb_append(sb, h, 2);
    }
}

/* ---- PEM ---- */

bool cx_has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static const char *mem_find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k > n)
        return NULL;
    for (size_t i = 0; i + k <= n; i++)
        if (s[i] == needle[0] && memcmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* getLine: the line without its terminator and trailing spaces/tabs; *next
 * is where the following line starts. */
static size_t get_line(const char *s, size_t n, size_t *next)
{
    const char *nl = memchr(s, '\n', n);
    size_t i, j;
    if (!nl) {
        i = j = n;
    } else {
        i = (size_t)(nl - s);
        j = i + 1;
        if (i > 0 && s[i - 1] == '\r')
            i--;
    }
    while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
        i--;
    *next = j;
    return i;
}

bool cx_pem_decode(cx_pool *p, const char *data, size_t n, cx_pem *blk, size_t *rest_off)
{
    const char *rest = data;
    size_t rn = n;
    *rest_off = 0;
    for (;;) {
        if (cx_has_prefix(rest, rn, "-----BEGIN ")) {
            rest += 11;
            rn -= 11;
        } else {
            const char *at = mem_find(rest, rn, "\n-----BEGIN ");
            if (!at)
                return false;
            rn -= (size_t)(at + 12 - rest);
            rest = at + 12;
        }
        size_t next;
        size_t tl = get_line(rest, rn, &next);
        const char *type = rest;
        rest += next;
        rn -= next;
        if (tl < 5 || memcmp(type + tl - 5, "-----", 5) != 0)
            continue;
        tl -= 5;
        /* headers: lines with a colon */
        bool headers = false;
        bool truncated = false;
        for (;;) {
            if (rn == 0) {
                truncated = true;
                break;
            }
            size_t ln = get_line(rest, rn, &next);
            if (!memchr(rest, ':', ln))
                break;
            headers = true;
            rest += next;
            rn -= next;
        }
        if (truncated)
            return false;
        size_t end_index, trailer_index;
        if (!headers && cx_has_prefix(rest, rn, "-----END ")) {
            end_index = 0;
            trailer_index = 9;
        } else {
            const char *at = mem_find(rest, rn, "\n-----END ");
            if (!at)
                continue;
            end_index = (size_t)(at - rest);
            trailer_index = end_index + 10;
        }
        size_t trailer_len = tl + 5;
        if (rn - trailer_index < trailer_len)
            continue;
        const char *trailer = rest + trailer_index;
        if (memcmp(trailer, type, tl) != 0 || memcmp(trailer + tl, "-----", 5) != 0)
            continue;
        size_t after = trailer_index + trailer_len, nx;
        if (get_line(rest + after, rn - after, &nx) != 0)
            continue;
        /* base64 body without spaces and tabs */
        char *b64 = cx_malloc(p, end_index + 1);
        unsigned char *bytes = cx_malloc(p, end_index / 4 * 3 + 3);
        char *tcopy = cx_malloc(p, tl + 1);
        if (!b64 || !bytes || !tcopy)
            return false;
        size_t bn = 0;
        for (size_t i = 0; i < end_index; i++)
            if (rest[i] != ' ' && rest[i] != '\t')
                b64[bn++] = rest[i];
        size_t dn = 0;
        if (base64_decode(b64, bn, base64_std, true, bytes, &dn) >= 0)
            continue;
        memcpy(tcopy, type, tl);
        tcopy[tl] = 0;
        blk->type = tcopy;
        blk->bytes.p = bytes;
        blk->bytes.n = dn;
        /* rest: after the line holding the END marker */
        size_t endm = end_index + 10 - 1;
        get_line(rest + endm, rn - endm, &nx);
        *rest_off = (size_t)(rest + endm + nx - data);
        return true;
    }
}

/* ---- DER ---- */

bool cx_der_read(cx_der *in, unsigned *tag, cx_der *body, cx_der *full)
{
    const unsigned char *s = in->p;
    size_t n = in->n;
    if (n < 2)
        return false;
    unsigned t = s[0];
    if ((t & 0x1f) == 0x1f)
        return false;
    size_t len, hdr;
    if (s[1] < 0x80) {
        len = s[1];
        hdr = 2;
    } else {
        size_t k = s[1] & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k)
            return false;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | s[2 + i];
        hdr = 2 + k;
    }
    if (len > n - hdr)
        return false;
    if (tag)
        *tag = t;
    if (body) {
        body->p = s + hdr;
        body->n = len;
    }
    if (full) {
        full->p = s;
        full->n = hdr + len;
    }
    in->p = s + hdr + len;
    in->n = n - hdr - len;
    return true;
}

bool cx_der_expect(cx_der *in, unsigned tag, cx_der *body)
{
    cx_der save = *in;
    unsigned t;
    if (!cx_der_read(in, &t, body, NULL) || t != tag) {
        *in = save;
        return false;
    }
    return true;
}

bool cx_der_peek(const cx_der *in, unsigned tag) { return in->n > 0 && in->p[0] == tag; }

int cx_oid_arcs(cx_der oid, long *arcs, int max)
{
    int k = 0;
    unsigned long v = 0;
    bool first = true;
    if (oid.n == 0)
        return -1;
    for (size_t i = 0; i < oid.n; i++) {
        if (v > (0x7fffffffUL >> 7))
            return -1;
        v = v << 7 | (oid.p[i] & 0x7f);
        if (oid.p[i] & 0x80) {
            if (i + 1 == oid.n)
                return -1;
            continue;
        }
        if (first) {
            if (k + 2 > max)
                return -1;
            if (v < 80) {
                arcs[k++] = (long)(v / 40);
                arcs[k++] = (long)(v % 40);
            } else {
                arcs[k++] = 2;
                arcs[k++] = (long)(v - 80);
            }
            first = false;
        } else {
            if (k + 1 > max)
                return -1;
            arcs[k++] = (long)v;
        }
        v = 0;
    }
    return k;
}

bool cx_oid_is(cx_der oid, const char *dotted)
{
    long arcs[32];
    int k = cx_oid_arcs(oid, arcs, 32);
    if (k < 0)
        return false;
    const char *s = dotted;
    for (int i = 0; i < k; i++) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v != arcs[i])
            return false;
        s = end;
        if (i + 1 < k) {
            if (*s != '.')
                return false;
            s++;
        }
    }
    return *s == 0;
}

void cx_oid_put_dotted(strbuf *sb, cx_der oid)
{
    long arcs[64];
    int k = cx_oid_arcs(oid, arcs, 64);
    for (int i = 0; i < k; i++)
        sb_printf(sb, i ? ".%ld" : "%ld", arcs[i]);
}

void cx_oid_put_array(strbuf *sb, cx_der oid)
{
    long arcs[64];
    int k = cx_oid_arcs(oid, arcs, 64);
    sb_putc(sb, '[');
    for (int i = 0; i < k; i++)
        sb_printf(sb, i ? ",%ld" : "%ld", arcs[i]);
    sb_putc(sb, ']');
}

bool cx_der_int64(cx_der body, int64_t *v)
{
    if (body.n == 0 || body.n > 8)
        return false;
    uint64_t u = (body.p[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < body.n; i++)
        u = u << 8 | body.p[i];
    *v = (int64_t)u;
    return true;
}

void cx_der_int_put_decimal(strbuf *sb, cx_der body)
{
    BIGNUM *bn = BN_bin2bn(body.p, (int)body.n, NULL);
    if (bn && body.n && (body.p[0] & 0x80)) {
        /* two's complement: value - 2^(8n) */
        BIGNUM *m = BN_new();
        if (m && BN_set_bit(m, (int)(8 * body.n)))
            BN_sub(bn, bn, m);
        BN_free(m);
    }
    cx_json_bn(sb, bn);
    BN_free(bn);
}

/* ---- JSON text ---- */

void cx_json_str(strbuf *sb, const char *s, size_t n) { json_write_string(sb, s, n, JSON_ESCAPE_HTML); }

void cx_json_cstr(strbuf *sb, const char *s) { cx_json_str(sb, s, strlen(s)); }

void cx_json_key(strbuf *sb, bool *first, const char *key)
{
    if (!*first)
        sb_putc(sb, ',');
    *first = false;
    cx_json_cstr(sb, key);
    sb_putc(sb, ':');
}

void cx_json_b64(strbuf *sb, const unsigned char *s, size_t n)
{
    if (!s) {
        sb_puts(sb, "null");
        return;
    }
    sb_putc(sb, '"');
    base64_put(sb, s, n, base64_std, true);
    sb_putc(sb, '"');
}

void cx_json_bn(strbuf *sb, const BIGNUM *bn)
{
    char *dec = bn ? BN_bn2dec(bn) : NULL;
    if (!dec) {
        sb_puts(sb, bn ? "0" : "null");
        return;
    }
    sb_puts(sb, dec);
    OPENSSL_free(dec);
}

val *cx_json_val(bi_ctx *c, const strbuf *sb)
{
    json_error err;
    return json_parse(c->a, sb->data ? sb->data : "null", sb->data ? sb->len : 4, 0, &err);
}

void cx_go_strings(strbuf *sb, const char *const *items, size_t n)
{
    sb_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(sb, ' ');
        sb_puts(sb, items[i]);
    }
    sb_putc(sb, ']');
}
