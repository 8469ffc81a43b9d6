/* crypto_x509.c — see crypto_x509.h.
 *
 * The certificate is read twice: by a small DER reader here, which yields
 * exactly the fields (and errors) Go's x509.ParseCertificate yields, and by
 * OpenSSL (d2i_X509) for chain verification and the public key.  Results
 * are built as JSON text in pool strbufs; no arena memory is touched here,
 * so the pool is enough to free everything on every path. */
#include "crypto_x509.h"
#include "../hexdigit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

enum {
    T_BOOLEAN = 0x01, T_INTEGER = 0x02, T_BITSTRING = 0x03, T_OCTETSTRING = 0x04, T_NULL = 0x05,
    T_OID = 0x06, T_UTF8 = 0x0c, T_NUMERIC = 0x12, T_PRINTABLE = 0x13, T_T61 = 0x14, T_IA5 = 0x16,
    T_UTCTIME = 0x17, T_GENTIME = 0x18, T_BMP = 0x1e, T_SEQUENCE = 0x30, T_SET = 0x31,
};

#define FAIL(...) (snprintf(err, errn, __VA_ARGS__), false)

/* ---- small JSON list builder ---- */

typedef struct jlist {
    strbuf sb;
    int n;
} jlist;

static void jl_sep(jlist *l)
{
    if (l->n++)
        sb_putc(&l->sb, ',');
}

static void jl_str(jlist *l, const char *s, size_t n)
{
    jl_sep(l);
    cx_json_str(&l->sb, s, n);
}

static void jl_put(strbuf *sb, jlist *l)
{
    if (!l->n) {
        sb_puts(sb, "null");
    } else {
        sb_putc(sb, '[');
        sb_append(sb, l->sb.data, l->sb.len);
        sb_putc(sb, ']');
    }
    sb_free(&l->sb);
    l->n = 0;
}

static void jl_free(jlist *l) { sb_free(&l->sb); }

/* ---- ASN.1 strings, as Go's parseASN1String ---- */

static bool printable_ok(unsigned char b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '\'' || b == '(' ||
           b == ')' || b == '+' || b == ',' || b == '-' || b == '.' || b == '/' || b == ':' || b == '=' ||
           b == '?' || b == ' ' || b == '*' || b == '&';
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = s[i];
        size_t k;
        uint32_t r, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xe0) == 0xc0) {
            k = 1;
            r = b & 0x1f;
            min = 0x80;
        } else if ((b & 0xf0) == 0xe0) {
            k = 2;
            r = b & 0x0f;
            min = 0x800;
        } else if ((b & 0xf8) == 0xf0) {
            k = 3;
            r = b & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            r = r << 6 | (s[i + j] & 0x3f);
        }
        if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static void put_utf8(strbuf *sb, uint32_t r)
{
    char b[4];
    if (r < 0x80) {
        b[0] = (char)r;
        sb_append(sb, b, 1);
    } else if (r < 0x800) {
        b[0] = (char)(0xc0 | r >> 6);
        b[1] = (char)(0x80 | (r & 0x3f));
        sb_append(sb, b, 2);
    } else if (r < 0x10000) {
        b[0] = (char)(0xe0 | r >> 12);
        b[1] = (char)(0x80 | (r >> 6 & 0x3f));
        b[2] = (char)(0x80 | (r & 0x3f));
        sb_append(sb, b, 3);
    } else {
        b[0] = (char)(0xf0 | r >> 18);
        b[1] = (char)(0x80 | (r >> 12 & 0x3f));
        b[2] = (char)(0x80 | (r >> 6 & 0x3f));
        b[3] = (char)(0x80 | (r & 0x3f));
        sb_append(sb, b, 4);
    }
}

/* Returns NULL on success (text appended to out), else the reason. */
static const char *asn1_string(unsigned tag, cx_der v, strbuf *out)
{
    switch (tag) {
    case T_T61:
        sb_append(out, (const char *)v.p, v.n);
        return NULL;
    case T_PRINTABLE:
        for (size_t i = 0; i < v.n; i++)
            if (!printable_ok(v.p[i]))
                return "invalid PrintableString";
        sb_append(out, (const char *)v.p, v.n);
        return NULL;
    case T_UTF8:
        if (!utf8_valid(v.p, v.n))
            return "invalid UTF-8 string";
        sb_append(out, (const char *)v.p, v.n);
        return NULL;
    case T_BMP: {
        size_t n = v.n;
        if (n % 2)
            return "invalid BMPString";
        if (n >= 2 && v.p[n - 1] == 0 && v.p[n - 2] == 0)
            n -= 2;
        for (size_t i = 0; i < n; i += 2) {
            uint32_t r = (uint32_t)v.p[i] << 8 | v.p[i + 1];
            if (r >= 0xd800 && r < 0xdc00 && i + 3 < n) {
                uint32_t lo = (uint32_t)v.p[i + 2] << 8 | v.p[i + 3];
                if (lo >= 0xdc00 && lo < 0xe000) {
                    r = 0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00);
                    i += 2;
                } else {
                    r = 0xfffd;
                }
            } else if (r >= 0xd800 && r < 0xe000) {
                r = 0xfffd;
            }
            put_utf8(out, r);
        }
        return NULL;
    }
    case T_IA5:
        for (size_t i = 0; i < v.n; i++)
            if (v.p[i] >= 0x80)
                return "invalid IA5String";
        sb_append(out, (const char *)v.p, v.n);
        return NULL;
    case T_NUMERIC:
        for (size_t i = 0; i < v.n; i++)
            if (!((v.p[i] >= '0' && v.p[i] <= '9') || v.p[i] == ' '))
                return "invalid NumericString";
        sb_append(out, (const char *)v.p, v.n);
        return NULL;
    }
    return "unsupported string type";
}

/* ---- names ---- */

/* Validate an RDNSequence (Go's parseName). */
static bool name_check(cx_der seq, char *err, size_t errn)
{
    cx_der rdns;
    if (!cx_der_expect(&seq, T_SEQUENCE, &rdns))
        return FAIL("x509: invalid RDNSequence");
    while (rdns.n) {
        cx_der set;
        if (!cx_der_expect(&rdns, T_SET, &set))
            return FAIL("x509: invalid RDNSequence");
        while (set.n) {
            cx_der atv, oid, value;
            unsigned vt;
            if (!cx_der_expect(&set, T_SEQUENCE, &atv))
                return FAIL("x509: invalid RDNSequence: invalid attribute");
            if (!cx_der_expect(&atv, T_OID, &oid))
                return FAIL("x509: invalid RDNSequence: invalid attribute type");
            if (!cx_der_read(&atv, &vt, &value, NULL))
                return FAIL("x509: invalid RDNSequence: invalid attribute value");
            strbuf tmp = STRBUF_INIT;
            const char *why = asn1_string(vt, value, &tmp);
            sb_free(&tmp);
            if (why) {
                if (strcmp(why, "unsupported string type") == 0)
                    return FAIL("x509: invalid RDNSequence: invalid attribute value: unsupported string type: %u",
                                vt & 0x1f);
                return FAIL("x509: invalid RDNSequence: invalid attribute value: %s", why);
            }
        }
    }
    return true;
}

/* Walk the attributes of a (checked) name; for each, fn(oid, value text). */
typedef void (*atv_fn)(void *ctx, cx_der oid, const char *s, size_t n);

static void name_walk(cx_der seq, atv_fn fn, void *ctx)
{
    cx_der rdns;
    cx_der_expect(&seq, T_SEQUENCE, &rdns);
    while (rdns.n) {
        cx_der set;
        if (!cx_der_expect(&rdns, T_SET, &set))
            return;
        while (set.n) {
            cx_der atv, oid, value;
            unsigned vt;
            if (!cx_der_expect(&set, T_SEQUENCE, &atv) || !cx_der_expect(&atv, T_OID, &oid) ||
                !cx_der_read(&atv, &vt, &value, NULL))
                return;
            strbuf tmp = STRBUF_INIT;
            asn1_string(vt, value, &tmp);
            fn(ctx, oid, tmp.data ? tmp.data : "", tmp.len);
            sb_free(&tmp);
        }
    }
}

typedef struct name_ctx {
    jlist lists[7];     /* C, O, OU, L, ST, street, postal */
    jlist names;
    strbuf cn, serial;
    bool has_cn, has_serial;
} name_ctx;

static void name_collect(void *vctx, cx_der oid, const char *s, size_t n)
{
    name_ctx *c = vctx;
    jl_sep(&c->names);
    sb_puts(&c->names.sb, "{\"Type\":");
    cx_oid_put_array(&c->names.sb, oid);
    sb_puts(&c->names.sb, ",\"Value\":");
    cx_json_str(&c->names.sb, s, n);
    sb_putc(&c->names.sb, '}');
    long arcs[8];
    int k = cx_oid_arcs(oid, arcs, 8);
    if (k != 4 || arcs[0] != 2 || arcs[1] != 5 || arcs[2] != 4)
        return;
    int slot = -1;
    switch (arcs[3]) {
    case 3:
        sb_reset(&c->cn);
        sb_append(&c->cn, s, n);
        c->has_cn = true;
        return;
    case 5:
        sb_reset(&c->serial);
        sb_append(&c->serial, s, n);
        c->has_serial = true;
        return;
    case 6: slot = 0; break;
    case 10: slot = 1; break;
    case 11: slot = 2; break;
    case 7: slot = 3; break;
    case 8: slot = 4; break;
    case 9: slot = 5; break;
    case 17: slot = 6; break;
    default: return;
    }
    jl_str(&c->lists[slot], s, n);
}

/* pkix.Name as JSON. */
static void name_put_json(strbuf *sb, cx_der seq)
{
    static const char *const keys[7] = {"Country", "Organization", "OrganizationalUnit", "Locality",
                                        "Province", "StreetAddress", "PostalCode"};
    name_ctx c;
    memset(&c, 0, sizeof c);
    name_walk(seq, name_collect, &c);
    bool first = true;
    for (int i = 0; i < 7; i++) {
        cx_json_key(sb, &first, keys[i]);
        jl_put(sb, &c.lists[i]);
    }
    cx_json_key(sb, &first, "SerialNumber");
    cx_json_str(sb, c.has_serial ? c.serial.data : "", c.serial.len);
    cx_json_key(sb, &first, "CommonName");
    cx_json_str(sb, c.has_cn ? c.cn.data : "", c.cn.len);
    cx_json_key(sb, &first, "Names");
    if (c.names.n) {
        jl_put(sb, &c.names);
    } else {
        sb_puts(sb, "[]");
        jl_free(&c.names);
    }
    cx_json_key(sb, &first, "ExtraNames");
    sb_puts(sb, "null");
    sb_free(&c.cn);
    sb_free(&c.serial);
}

static void name_put_object(strbuf *sb, cx_der seq)
{
    sb_putc(sb, '{');
    name_put_json(sb, seq);
    sb_putc(sb, '}');
}

/* ---- times ---- */

static int digits(const unsigned char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* UTCTime / GeneralizedTime -> RFC 3339 text as Go's time.Time marshals. */
static bool time_put(strbuf *sb, unsigned tag, cx_der v)
{
    const unsigned char *s = v.p;
    int n = (int)v.n;
    int y, i;
    if (tag == T_UTCTIME) {
        if (n < 11)
            return false;
        int yy = digits(s, 2);
        if (yy < 0)
            return false;
        y = yy < 50 ? 2000 + yy : 1900 + yy;
        i = 2;
    } else {
        if (n < 15)
            return false;
        y = digits(s, 4);
        if (y < 0)
            return false;
        i = 4;
    }
    int mo = digits(s + i, 2), d = digits(s + i + 2, 2), h = digits(s + i + 4, 2), mi = digits(s + i + 6, 2);
    i += 8;
    int sec = 0;
    bool has_sec = i + 2 <= n && s[i] >= '0' && s[i] <= '9';
    if (has_sec) {
        sec = digits(s + i, 2);
        i += 2;
    } else if (tag == T_GENTIME) {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
        sec > 59)
        return false;
    char frac[16] = "";
    if (tag == T_GENTIME && i < n && s[i] == '.') {
        int k = 0;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9' && k < 9)
            frac[k++] = (char)s[i++];
        if (k == 0 || frac[k - 1] == '0')
            return false; /* not canonical */
        frac[k] = 0;
    }
    char zone[8];
    if (i < n && s[i] == 'Z' && i + 1 == n) {
        strcpy(zone, "Z");
    } else if (i + 5 == n && (s[i] == '+' || s[i] == '-')) {
        int zh = digits(s + i + 1, 2), zm = digits(s + i + 3, 2);
        if (zh < 0 || zm < 0)
            return false;
        snprintf(zone, sizeof zone, "%c%02d:%02d", s[i], zh, zm);
    } else {
        return false;
    }
    sb_printf(sb, "\"%04d-%02d-%02dT%02d:%02d:%02d%s%s%s\"", y, mo, d, h, mi, sec, frac[0] ? "." : "", frac, zone);
    return true;
}

/* ---- algorithm identifiers ---- */

static int sig_alg_of(cx_der ai)
{
    cx_der oid, params = {0};
    if (!cx_der_expect(&ai, T_OID, &oid))
        return 0;
    static const struct {
        const char *oid;
        int alg;
    } table[] = {
        {"1.2.840.113549.1.1.2", 1},  {"1.2.840.113549.1.1.4", 2},  {"1.2.840.113549.1.1.5", 3},
        {"1.3.14.3.2.29", 3},         {"1.2.840.113549.1.1.11", 4}, {"1.2.840.113549.1.1.12", 5},
        {"1.2.840.113549.1.1.13", 6}, {"1.2.840.10040.4.3", 7},     {"2.16.840.1.101.3.4.3.2", 8},
        {"1.2.840.10045.4.1", 9},     {"1.2.840.10045.4.3.2", 10},  {"1.2.840.10045.4.3.3", 11},
        {"1.2.840.10045.4.3.4", 12},  {"1.3.101.112", 16},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (cx_oid_is(oid, table[i].oid))
            return table[i].alg;
    if (!cx_oid_is(oid, "1.2.840.113549.1.1.10"))
        return 0;
    /* RSASSA-PSS: the hash decides */
    cx_der seq;
    if (!cx_der_expect(&ai, T_SEQUENCE, &params))
        return 0;
    seq = params;
    cx_der hashwrap, hashai, hashoid;
    if (!cx_der_expect(&seq, 0xa0, &hashwrap) || !cx_der_expect(&hashwrap, T_SEQUENCE, &hashai) ||
        !cx_der_expect(&hashai, T_OID, &hashoid))
        return 0;
    if (cx_oid_is(hashoid, "2.16.840.1.101.3.4.2.1"))
        return 13;
    if (cx_oid_is(hashoid, "2.16.840.1.101.3.4.2.2"))
        return 14;
    if (cx_oid_is(hashoid, "2.16.840.1.101.3.4.2.3"))
        return 15;
    return 0;
}

static int pk_alg_of(cx_der oid)
{
    if (cx_oid_is(oid, "1.2.840.113549.1.1.1"))
        return 1;
    if (cx_oid_is(oid, "1.2.840.10040.4.1"))
        return 2;
    if (cx_oid_is(oid, "1.2.840.10045.2.1"))
        return 3;
    if (cx_oid_is(oid, "1.3.101.112"))
        return 4;
    return 0;
}

/* ---- public keys ---- */

bool cx_pkey_bn_bytes(cx_pool *p, EVP_PKEY *k, const char *param, size_t pad_to, cx_bytes *out)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(k, param, &bn))
        return false;
    size_t n = (size_t)BN_num_bytes(bn);
    if (pad_to > n)
        n = pad_to;
    unsigned char *buf = cx_malloc(p, n);
    if (!buf || BN_bn2binpad(bn, buf, (int)n) < 0) {
        BN_free(bn);
        return false;
    }
    BN_free(bn);
    out->p = buf;
    out->n = n;
    return true;
}

static const char *ec_group(EVP_PKEY *k, char *buf, size_t n)
{
    size_t len = 0;
    if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, buf, n, &len))
        return NULL;
    return buf;
}

const char *cx_ec_curve_jwk(EVP_PKEY *k)
{
    char g[64];
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC || !ec_group(k, g, sizeof g))
        return NULL;
    if (strcmp(g, "prime256v1") == 0 || strcmp(g, "P-256") == 0)
        return "P-256";
    if (strcmp(g, "secp384r1") == 0 || strcmp(g, "P-384") == 0)
        return "P-384";
    if (strcmp(g, "secp521r1") == 0 || strcmp(g, "P-521") == 0)
        return "P-521";
    if (strcmp(g, "secp224r1") == 0 || strcmp(g, "P-224") == 0)
        return "P-224";
    return NULL;
}

int cx_ec_field_bytes(EVP_PKEY *k) { return (EVP_PKEY_get_bits(k) + 7) / 8; }

static void bn_param_put(strbuf *sb, EVP_PKEY *k, const char *param)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(k, param, &bn)) {
        cx_json_bn(sb, bn);
        BN_free(bn);
    } else {
        sb_puts(sb, "null");
    }
}

void cx_public_key_put_json(strbuf *sb, EVP_PKEY *k)
{
    if (!k) {
        sb_puts(sb, "null");
        return;
    }
    bool first = true;
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        sb_putc(sb, '{');
        cx_json_key(sb, &first, "N");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_N);
        cx_json_key(sb, &first, "E");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_E);
        sb_putc(sb, '}');
        return;
    case EVP_PKEY_EC:
        sb_putc(sb, '{');
        cx_json_key(sb, &first, "Curve");
        sb_puts(sb, "{}");
        cx_json_key(sb, &first, "X");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_EC_PUB_X);
        cx_json_key(sb, &first, "Y");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_EC_PUB_Y);
        sb_putc(sb, '}');
        return;
    case EVP_PKEY_ED25519: {
        unsigned char raw[32];
        size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(k, raw, &len))
            cx_json_b64(sb, raw, len);
        else
            sb_puts(sb, "null");
        return;
    }
    case EVP_PKEY_DSA:
        sb_puts(sb, "{\"Parameters\":{\"P\":");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_FFC_P);
        sb_puts(sb, ",\"Q\":");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_FFC_Q);
        sb_puts(sb, ",\"G\":");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_FFC_G);
        sb_puts(sb, "},\"Y\":");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_PUB_KEY);
        sb_putc(sb, '}');
        return;
    }
    sb_puts(sb, "{}");
}

void cx_private_key_put_json(strbuf *sb, EVP_PKEY *k)
{
    bool first = true;
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        sb_putc(sb, '{');
        cx_json_key(sb, &first, "N");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_N);
        cx_json_key(sb, &first, "E");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_E);
        cx_json_key(sb, &first, "D");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_D);
        cx_json_key(sb, &first, "Primes");
        sb_putc(sb, '[');
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_FACTOR1);
        sb_putc(sb, ',');
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_FACTOR2);
        sb_putc(sb, ']');
        cx_json_key(sb, &first, "Precomputed");
        sb_puts(sb, "{\"Dp\":");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_EXPONENT1);
        sb_puts(sb, ",\"Dq\":");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_EXPONENT2);
        sb_puts(sb, ",\"Qinv\":");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
        sb_puts(sb, ",\"CRTValues\":[]}");
        sb_putc(sb, '}');
        return;
    case EVP_PKEY_EC:
        sb_putc(sb, '{');
        cx_json_key(sb, &first, "Curve");
        sb_puts(sb, "{}");
        cx_json_key(sb, &first, "X");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_EC_PUB_X);
        cx_json_key(sb, &first, "Y");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_EC_PUB_Y);
        cx_json_key(sb, &first, "D");
        bn_param_put(sb, k, OSSL_PKEY_PARAM_PRIV_KEY);
        sb_putc(sb, '}');
        return;
    case EVP_PKEY_ED25519: {
        unsigned char raw[64];
        size_t len = 32, plen = 32;
        if (EVP_PKEY_get_raw_private_key(k, raw, &len) && EVP_PKEY_get_raw_public_key(k, raw + 32, &plen))
            cx_json_b64(sb, raw, 64);
        else
            sb_puts(sb, "null");
        return;
    }
    }
    sb_puts(sb, "{}");
}

/* x509's parsePublicKey: the key, or NULL with Go's message. */
static EVP_PKEY *parse_spki(cx_pool *p, cx_der spki_full, int alg, cx_der ai_params, bool has_params,
                            char *err, size_t errn)
{
    const unsigned char *q = spki_full.p;
    EVP_PKEY *k = cx_own(p, CX_PKEY, d2i_PUBKEY(NULL, &q, (long)spki_full.n));
    switch (alg) {
    case 1:
        if (has_params && !(ai_params.n == 2 && ai_params.p[0] == T_NULL && ai_params.p[1] == 0)) {
            snprintf(err, errn, "x509: RSA key missing NULL parameters");
            return NULL;
        }
        if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
            snprintf(err, errn, "x509: invalid RSA public key");
            return NULL;
        }
        return k;
    case 3:
        if (!k) {
            snprintf(err, errn, "x509: failed to unmarshal elliptic curve point");
            return NULL;
        }
        if (!cx_ec_curve_jwk(k)) {
            snprintf(err, errn, "x509: unsupported elliptic curve");
            return NULL;
        }
        return k;
    case 4:
        if (has_params) {
            snprintf(err, errn, "x509: Ed25519 key encoded with illegal parameters");
            return NULL;
        }
        if (!k) {
            snprintf(err, errn, "x509: wrong Ed25519 public key size");
            return NULL;
        }
        return k;
    case 2:
        if (!k) {
            snprintf(err, errn, "x509: invalid DSA public key");
            return NULL;
        }
        return k;
    }
    return NULL;
}

/* ---- general names ---- */

static bool ia5_ok(cx_der v)
{
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] >= 0x80)
            return false;
    return true;
}

static void ip_put(strbuf *sb, const unsigned char *ip, size_t n)
{
    char buf[64];
    static const unsigned char v4prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (n == 16 && memcmp(ip, v4prefix, 12) == 0) {
        ip += 12;
        n = 4;
    }
    if (n == 4)
        inet_ntop(AF_INET, ip, buf, sizeof buf);
    else if (n == 16)
        inet_ntop(AF_INET6, ip, buf, sizeof buf);
    else {
        /* Go prints "?" followed by hex for odd lengths */
        strbuf t = STRBUF_INIT;
        sb_putc(&t, '?');
        cx_hex_put(&t, ip, n);
        cx_json_str(sb, t.data, t.len);
        sb_free(&t);
        return;
    }
    cx_json_cstr(sb, buf);
}

/* Go's url.PathUnescape-ish: %XX decoded; false on a bad escape. */
static bool unescape(strbuf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n || hex_digit((unsigned char)s[i + 1]) < 0 || hex_digit((unsigned char)s[i + 2]) < 0)
                return false;
            sb_putc(out, (char)(hex_digit((unsigned char)s[i + 1]) << 4 | hex_digit((unsigned char)s[i + 2])));
            i += 2;
        } else {
            sb_putc(out, s[i]);
        }
    }
    return true;
}

/* url.URL as Go marshals it, from url.Parse(s).  False if Go would fail. */
static bool url_put_json(strbuf *sb, const char *s, size_t n)
{
    const char *frag = memchr(s, '#', n);
    size_t main_n = frag ? (size_t)(frag - s) : n;
    strbuf fragment = STRBUF_INIT, path = STRBUF_INIT;
    if (frag && !unescape(&fragment, frag + 1, n - main_n - 1)) {
        sb_free(&fragment);
        return false;
    }
    const char *rest = s;
    size_t rn = main_n;
    /* scheme */
    size_t scheme_n = 0;
    for (size_t i = 0; i < rn; i++) {
        char ch = rest[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
            continue;
        if (i > 0 && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.'))
            continue;
        if (ch == ':' && i > 0)
            scheme_n = i;
        break;
    }
    if (rn > 0 && rest[0] == ':') {
        sb_free(&fragment);
        return false; /* missing protocol scheme */
    }
    char scheme[64] = "";
    if (scheme_n) {
        size_t k = scheme_n < sizeof scheme - 1 ? scheme_n : sizeof scheme - 1;
        for (size_t i = 0; i < k; i++)
            scheme[i] = (char)((rest[i] >= 'A' && rest[i] <= 'Z') ? rest[i] + 32 : rest[i]);
        rest += scheme_n + 1;
        rn -= scheme_n + 1;
    }
    const char *q = memchr(rest, '?', rn);
    const char *raw_query = q ? q + 1 : "";
    size_t raw_query_n = q ? rn - (size_t)(q + 1 - rest) : 0;
    if (q)
        rn = (size_t)(q - rest);
    const char *opaque = "";
    size_t opaque_n = 0;
    const char *host = "";
    size_t host_n = 0;
    bool user = false;
    if (scheme_n && (rn == 0 || rest[0] != '/')) {
        opaque = rest;
        opaque_n = rn;
        rn = 0;
    } else if (rn >= 2 && rest[0] == '/' && rest[1] == '/') {
        rest += 2;
        rn -= 2;
        const char *slash = memchr(rest, '/', rn);
        size_t auth_n = slash ? (size_t)(slash - rest) : rn;
        const char *at = NULL;
        for (size_t i = auth_n; i > 0; i--)
            if (rest[i - 1] == '@') {
                at = rest + i - 1;
                break;
            }
        host = at ? at + 1 : rest;
        host_n = at ? auth_n - (size_t)(at + 1 - rest) : auth_n;
        user = at != NULL;
        rest += auth_n;
        rn -= auth_n;
    }
    if (!unescape(&path, rest, rn)) {
        sb_free(&fragment);
        sb_free(&path);
        return false;
    }
    bool first = true;
    sb_putc(sb, '{');
    cx_json_key(sb, &first, "Scheme");
    cx_json_cstr(sb, scheme);
    cx_json_key(sb, &first, "Opaque");
    cx_json_str(sb, opaque, opaque_n);
    cx_json_key(sb, &first, "User");
    sb_puts(sb, user ? "{}" : "null");
    cx_json_key(sb, &first, "Host");
    cx_json_str(sb, host, host_n);
    cx_json_key(sb, &first, "Path");
    cx_json_str(sb, path.data ? path.data : "", path.len);
    cx_json_key(sb, &first, "RawPath");
    cx_json_cstr(sb, "");
    cx_json_key(sb, &first, "OmitHost");
    sb_puts(sb, "false");
    cx_json_key(sb, &first, "ForceQuery");
    sb_puts(sb, q && raw_query_n == 0 ? "true" : "false");
    cx_json_key(sb, &first, "RawQuery");
    cx_json_str(sb, raw_query, raw_query_n);
    cx_json_key(sb, &first, "Fragment");
    cx_json_str(sb, fragment.data ? fragment.data : "", fragment.len);
    cx_json_key(sb, &first, "RawFragment");
    cx_json_cstr(sb, "");
    sb_putc(sb, '}');
    sb_free(&fragment);
    sb_free(&path);
    return true;
}

typedef struct san_lists {
    jlist dns, email, ip, uri, uri_strings;
} san_lists;

static void san_free(san_lists *l)
{
    jl_free(&l->dns);
    jl_free(&l->email);
    jl_free(&l->ip);
    jl_free(&l->uri);
    jl_free(&l->uri_strings);
}

static bool parse_san(cx_der v, san_lists *out, char *err, size_t errn)
{
    cx_der seq;
    if (!cx_der_expect(&v, T_SEQUENCE, &seq))
        return FAIL("x509: invalid subject alternative names");
    while (seq.n) {
        unsigned tag;
        cx_der name;
        if (!cx_der_read(&seq, &tag, &name, NULL))
            return FAIL("x509: invalid subject alternative name");
        switch (tag ^ 0x80) {
        case 1:
            if (!ia5_ok(name))
                return FAIL("x509: SAN rfc822Name is malformed");
            jl_str(&out->email, (const char *)name.p, name.n);
            break;
        case 2:
            if (!ia5_ok(name))
                return FAIL("x509: SAN dNSName is malformed");
            jl_str(&out->dns, (const char *)name.p, name.n);
            break;
        case 6: {
            if (!ia5_ok(name))
                return FAIL("x509: SAN uniformResourceIdentifier is malformed");
            jl_sep(&out->uri);
            if (!url_put_json(&out->uri.sb, (const char *)name.p, name.n))
                return FAIL("x509: cannot parse URI %.*s", (int)(name.n > 200 ? 200 : name.n), name.p);
            jl_str(&out->uri_strings, (const char *)name.p, name.n);
            break;
        }
        case 7:
            if (name.n != 4 && name.n != 16)
                return FAIL("x509: cannot parse IP address of length %zu", name.n);
            jl_sep(&out->ip);
            ip_put(&out->ip.sb, name.p, name.n);
            break;
        }
    }
    return true;
}

/* ---- certificates ---- */

typedef struct ext_state {
    int key_usage;
    bool bc_valid, is_ca, max_path_zero;
    int64_t max_path;
    cx_der ski, aki;
    bool has_ski, has_aki;
    jlist ocsp, issuing, crl, policy_ids, policies, unhandled, eku, unknown_eku, mappings;
    san_lists san;
    bool nc_critical;
    jlist perm_dns, excl_dns, perm_ip, excl_ip, perm_email, excl_email, perm_uri, excl_uri;
    int64_t inhibit_any, inhibit_map, require_explicit;
    bool inhibit_any_zero, inhibit_map_zero, require_explicit_zero;
    int eku_vals[16];
    int n_eku, n_unknown;
} ext_state;

static void ext_free(ext_state *e)
{
    jlist *ls[] = {&e->ocsp,       &e->issuing,    &e->crl,      &e->policy_ids, &e->policies,
                   &e->unhandled,  &e->eku,        &e->unknown_eku, &e->mappings, &e->perm_dns,
                   &e->excl_dns,   &e->perm_ip,    &e->excl_ip,  &e->perm_email, &e->excl_email,
                   &e->perm_uri,   &e->excl_uri};
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++)
        jl_free(ls[i]);
    san_free(&e->san);
}

static const struct {
    const char *oid;
    int usage;
} eku_table[] = {
    {"2.5.29.37.0", 0},          {"1.3.6.1.5.5.7.3.1", 1},          {"1.3.6.1.5.5.7.3.2", 2},
    {"1.3.6.1.5.5.7.3.3", 3},    {"1.3.6.1.5.5.7.3.4", 4},          {"1.3.6.1.5.5.7.3.5", 5},
    {"1.3.6.1.5.5.7.3.6", 6},    {"1.3.6.1.5.5.7.3.7", 7},          {"1.3.6.1.5.5.7.3.8", 8},
    {"1.3.6.1.5.5.7.3.9", 9},    {"1.3.6.1.4.1.311.10.3.3", 10},    {"2.16.840.1.113730.4.1", 11},
    {"1.3.6.1.4.1.311.2.1.22", 12}, {"1.3.6.1.4.1.311.61.1.1", 13},
};

static bool read_bitstring(cx_der *in, cx_der *bits, int *unused)
{
    cx_der b;
    if (!cx_der_expect(in, T_BITSTRING, &b) || b.n == 0 || b.p[0] > 7 || (b.n == 1 && b.p[0] != 0))
        return false;
    if (b.n > 1 && (b.p[b.n - 1] & ((1 << b.p[0]) - 1)))
        return false;
    *unused = b.p[0];
    bits->p = b.p + 1;
    bits->n = b.n - 1;
    return true;
}

static bool parse_name_constraints(cx_der v, ext_state *e, bool *unhandled, char *err, size_t errn)
{
    cx_der top, permitted = {0}, excluded = {0};
    if (!cx_der_expect(&v, T_SEQUENCE, &top))
        return FAIL("x509: invalid NameConstraints extension");
    bool hp = cx_der_expect(&top, 0xa0, &permitted);
    bool he = cx_der_expect(&top, 0xa1, &excluded);
    if (top.n)
        return FAIL("x509: invalid NameConstraints extension");
    if ((!hp && !he) || (permitted.n == 0 && excluded.n == 0))
        return FAIL("x509: empty name constraints extension");
    for (int which = 0; which < 2; which++) {
        cx_der subtrees = which ? excluded : permitted;
        jlist *dns = which ? &e->excl_dns : &e->perm_dns, *ip = which ? &e->excl_ip : &e->perm_ip,
              *email = which ? &e->excl_email : &e->perm_email, *uri = which ? &e->excl_uri : &e->perm_uri;
        while (subtrees.n) {
            cx_der seq, value;
            unsigned tag;
            if (!cx_der_expect(&subtrees, T_SEQUENCE, &seq) || !cx_der_read(&seq, &tag, &value, NULL))
                return FAIL("x509: invalid NameConstraints extension");
            switch (tag) {
            case 0x82:
                if (!ia5_ok(value))
                    return FAIL("x509: invalid constraint value: invalid IA5String");
                jl_str(dns, (const char *)value.p, value.n);
                break;
            case 0x87: {
                size_t half;
                if (value.n == 8 || value.n == 32)
                    half = value.n / 2;
                else
                    return FAIL("x509: IP constraint contained value of length %zu", value.n);
                jl_sep(ip);
                sb_puts(&ip->sb, "{\"IP\":");
                ip_put(&ip->sb, value.p, half);
                sb_puts(&ip->sb, ",\"Mask\":");
                cx_json_b64(&ip->sb, value.p + half, half);
                sb_putc(&ip->sb, '}');
                break;
            }
            case 0x81:
                if (!ia5_ok(value))
                    return FAIL("x509: invalid constraint value: invalid IA5String");
                jl_str(email, (const char *)value.p, value.n);
                break;
            case 0x86:
                if (!ia5_ok(value))
                    return FAIL("x509: invalid constraint value: invalid IA5String");
                jl_str(uri, (const char *)value.p, value.n);
                break;
            default:
                *unhandled = true;
            }
        }
    }
    return true;
}

static bool process_extension(cx_der oid, bool critical, cx_der v, ext_state *e, char *err, size_t errn)
{
    long arcs[16];
    int k = cx_oid_arcs(oid, arcs, 16);
    bool unhandled = false;
    if (k == 4 && arcs[0] == 2 && arcs[1] == 5 && arcs[2] == 29) {
        switch (arcs[3]) {
        case 15: {
            cx_der bits;
            int unused;
            if (!read_bitstring(&v, &bits, &unused))
                return FAIL("x509: invalid key usage");
            int usage = 0;
            for (int i = 0; i < 9; i++) {
                size_t byte = (size_t)i / 8;
                if (byte < bits.n && (bits.p[byte] >> (7 - i % 8) & 1))
                    usage |= 1 << i;
            }
            e->key_usage = usage;
            break;
        }
        case 19: {
            cx_der seq;
            if (!cx_der_expect(&v, T_SEQUENCE, &seq))
                return FAIL("x509: invalid basic constraints");
            e->is_ca = false;
            if (cx_der_peek(&seq, T_BOOLEAN)) {
                cx_der b;
                if (!cx_der_expect(&seq, T_BOOLEAN, &b) || b.n != 1 || (b.p[0] != 0 && b.p[0] != 0xff))
                    return FAIL("x509: invalid basic constraints");
                e->is_ca = b.p[0] != 0;
            }
            e->max_path = -1;
            if (cx_der_peek(&seq, T_INTEGER)) {
                cx_der ib;
                if (!cx_der_expect(&seq, T_INTEGER, &ib) || !cx_der_int64(ib, &e->max_path) ||
                    e->max_path > INT32_MAX || e->max_path < INT32_MIN)
                    return FAIL("x509: invalid basic constraints");
            }
            e->bc_valid = true;
            e->max_path_zero = e->max_path == 0;
            break;
        }
        case 17:
            if (!parse_san(v, &e->san, err, errn))
                return false;
            if (!e->san.dns.n && !e->san.email.n && !e->san.ip.n && !e->san.uri.n)
                unhandled = true;
            break;
        case 30:
            if (!parse_name_constraints(v, e, &unhandled, err, errn))
                return false;
            e->nc_critical = critical;
            break;
        case 31: {
            cx_der seq;
            if (!cx_der_expect(&v, T_SEQUENCE, &seq))
                return FAIL("x509: invalid CRL distribution points");
            while (seq.n) {
                cx_der dp, dpname, names;
                if (!cx_der_expect(&seq, T_SEQUENCE, &dp))
                    return FAIL("x509: invalid CRL distribution point");
                if (!cx_der_peek(&dp, 0xa0))
                    continue;
                if (!cx_der_expect(&dp, 0xa0, &dpname) || !cx_der_expect(&dpname, 0xa0, &names))
                    return FAIL("x509: invalid CRL distribution point");
                while (names.n && cx_der_peek(&names, 0x86)) {
                    cx_der uri;
                    cx_der_expect(&names, 0x86, &uri);
                    jl_str(&e->crl, (const char *)uri.p, uri.n);
                }
            }
            break;
        }
        case 35: {
            cx_der seq;
            if (!cx_der_expect(&v, T_SEQUENCE, &seq))
                return FAIL("x509: invalid authority key identifier");
            if (cx_der_peek(&seq, 0x80)) {
                if (!cx_der_expect(&seq, 0x80, &e->aki))
                    return FAIL("x509: invalid authority key identifier");
                e->has_aki = true;
            }
            break;
        }
        case 36: {
            cx_der seq, ib;
            if (!cx_der_expect(&v, T_SEQUENCE, &seq))
                return FAIL("x509: invalid policy constraints extension");
            if (cx_der_peek(&seq, 0x80)) {
                if (!cx_der_expect(&seq, 0x80, &ib) || !cx_der_int64(ib, &e->require_explicit))
                    return FAIL("x509: invalid policy constraints extension");
                e->require_explicit_zero = e->require_explicit == 0;
            }
            if (cx_der_peek(&seq, 0x81)) {
                if (!cx_der_expect(&seq, 0x81, &ib) || !cx_der_int64(ib, &e->inhibit_map))
                    return FAIL("x509: invalid policy constraints extension");
                e->inhibit_map_zero = e->inhibit_map == 0;
            }
            break;
        }
        case 37: {
            cx_der seq;
            if (!cx_der_expect(&v, T_SEQUENCE, &seq))
                return FAIL("x509: invalid extended key usages");
            while (seq.n) {
                cx_der o, full;
                unsigned t;
                if (!cx_der_read(&seq, &t, &o, &full) || t != T_OID)
                    return FAIL("x509: invalid extended key usages");
                int usage = -1;
                for (size_t i = 0; i < sizeof eku_table / sizeof eku_table[0]; i++)
                    if (cx_oid_is(o, eku_table[i].oid))
                        usage = eku_table[i].usage;
                if (usage >= 0) {
                    jl_sep(&e->eku);
                    sb_printf(&e->eku.sb, "%d", usage);
                    if (e->n_eku < 16)
                        e->eku_vals[e->n_eku++] = usage;
                } else {
                    jl_sep(&e->unknown_eku);
                    cx_oid_put_array(&e->unknown_eku.sb, o);
                    e->n_unknown++;
                }
            }
            break;
        }
        case 14:
            if (!cx_der_expect(&v, T_OCTETSTRING, &e->ski))
                return FAIL("x509: invalid subject key identifier");
            e->has_ski = true;
            break;
        case 32: {
            cx_der seq;
            if (!cx_der_expect(&v, T_SEQUENCE, &seq))
                return FAIL("x509: invalid certificate policies");
            while (seq.n) {
                cx_der cp, o;
                if (!cx_der_expect(&seq, T_SEQUENCE, &cp) || !cx_der_expect(&cp, T_OID, &o))
                    return FAIL("x509: invalid certificate policies");
                long a[64];
                if (cx_oid_arcs(o, a, 64) < 0)
                    return FAIL("x509: invalid certificate policies");
                jl_sep(&e->policies);
                sb_putc(&e->policies.sb, '"');
                cx_oid_put_dotted(&e->policies.sb, o);
                sb_putc(&e->policies.sb, '"');
                jl_sep(&e->policy_ids);
                cx_oid_put_array(&e->policy_ids.sb, o);
            }
            break;
        }
        case 33: {
            cx_der seq;
            if (!cx_der_expect(&v, T_SEQUENCE, &seq))
                return FAIL("x509: invalid policy mappings extension");
            while (seq.n) {
                cx_der s, iss, sub;
                if (!cx_der_expect(&seq, T_SEQUENCE, &s) || !cx_der_expect(&s, T_OID, &iss) ||
                    !cx_der_expect(&s, T_OID, &sub))
                    return FAIL("x509: invalid policy mappings extension");
                jl_sep(&e->mappings);
                sb_puts(&e->mappings.sb, "{\"IssuerDomainPolicy\":\"");
                cx_oid_put_dotted(&e->mappings.sb, iss);
                sb_puts(&e->mappings.sb, "\",\"SubjectDomainPolicy\":\"");
                cx_oid_put_dotted(&e->mappings.sb, sub);
                sb_puts(&e->mappings.sb, "\"}");
            }
            break;
        }
        case 54: {
            cx_der ib;
            if (!cx_der_expect(&v, T_INTEGER, &ib) || !cx_der_int64(ib, &e->inhibit_any))
                return FAIL("x509: invalid inhibit any policy extension");
            e->inhibit_any_zero = e->inhibit_any == 0;
            break;
        }
        default:
            unhandled = true;
        }
    } else if (cx_oid_is(oid, "1.3.6.1.5.5.7.1.1")) {
        cx_der seq;
        if (!cx_der_expect(&v, T_SEQUENCE, &seq))
            return FAIL("x509: invalid authority info access");
        while (seq.n) {
            cx_der ad, method, loc;
            if (!cx_der_expect(&seq, T_SEQUENCE, &ad) || !cx_der_expect(&ad, T_OID, &method))
                return FAIL("x509: invalid authority info access");
            if (!cx_der_peek(&ad, 0x86))
                continue;
            if (!cx_der_expect(&ad, 0x86, &loc))
                return FAIL("x509: invalid authority info access");
            if (cx_oid_is(method, "1.3.6.1.5.5.7.48.1"))
                jl_str(&e->ocsp, (const char *)loc.p, loc.n);
            else if (cx_oid_is(method, "1.3.6.1.5.5.7.48.2"))
                jl_str(&e->issuing, (const char *)loc.p, loc.n);
        }
    } else {
        unhandled = true;
    }
    if (critical && unhandled) {
        jl_sep(&e->unhandled);
        cx_oid_put_array(&e->unhandled.sb, oid);
    }
    return true;
}

static void int_field(strbuf *sb, bool *first, const char *key, int64_t v)
{
    cx_json_key(sb, first, key);
    sb_printf(sb, "%lld", (long long)v);
}

static void bool_field(strbuf *sb, bool *first, const char *key, bool v)
{
    cx_json_key(sb, first, key);
    sb_puts(sb, v ? "true" : "false");
}

static void list_field(strbuf *sb, bool *first, const char *key, jlist *l)
{
    cx_json_key(sb, first, key);
    jl_put(sb, l);
}

static void bytes_field(strbuf *sb, bool *first, const char *key, cx_der v, bool present)
{
    cx_json_key(sb, first, key);
    if (present)
        cx_json_b64(sb, v.p ? v.p : (const unsigned char *)"", v.n);
    else
        sb_puts(sb, "null");
}

bool cx_cert_parse(cx_pool *p, cx_der *der, cx_cert *out, char *err, size_t errn)
{
    memset(out, 0, sizeof *out);
    cx_der input, raw;
    unsigned tag;
    cx_der save = *der;
    if (!cx_der_read(der, &tag, &input, &raw) || tag != T_SEQUENCE) {
        *der = save;
        return FAIL("x509: malformed certificate");
    }
    out->raw = raw;
    cx_der tbs, tbs_full;
    if (!cx_der_read(&input, &tag, &tbs, &tbs_full) || tag != T_SEQUENCE)
        return FAIL("x509: malformed tbs certificate");
    int64_t version = 0;
    if (cx_der_peek(&tbs, 0xa0)) {
        cx_der vw, vi;
        if (!cx_der_expect(&tbs, 0xa0, &vw) || !cx_der_expect(&vw, T_INTEGER, &vi) || !cx_der_int64(vi, &version))
            return FAIL("x509: malformed version");
    }
    if (version < 0)
        return FAIL("x509: malformed version");
    version++;
    if (version > 3)
        return FAIL("x509: invalid version");
    cx_der serial;
    if (!cx_der_expect(&tbs, T_INTEGER, &serial))
        return FAIL("x509: malformed serial number");
    cx_der sig_ai, sig_ai_full;
    if (!cx_der_read(&tbs, &tag, &sig_ai, &sig_ai_full) || tag != T_SEQUENCE)
        return FAIL("x509: malformed signature algorithm identifier");
    cx_der outer_ai, outer_full;
    if (!cx_der_read(&input, &tag, &outer_ai, &outer_full) || tag != T_SEQUENCE)
        return FAIL("x509: malformed algorithm identifier");
    if (outer_ai.n != sig_ai.n || memcmp(outer_ai.p, sig_ai.p, sig_ai.n) != 0)
        return FAIL("x509: inner and outer signature algorithm identifiers don't match");
    {
        cx_der t = sig_ai, o;
        if (!cx_der_expect(&t, T_OID, &o))
            return FAIL("x509: malformed algorithm identifier");
    }
    out->sig_alg = sig_alg_of(sig_ai);
    cx_der issuer, issuer_body;
    if (!cx_der_read(&tbs, &tag, &issuer_body, &issuer) || tag != T_SEQUENCE)
        return FAIL("x509: malformed issuer");
    if (!name_check(issuer, err, errn))
        return false;
    cx_der validity;
    if (!cx_der_expect(&tbs, T_SEQUENCE, &validity))
        return FAIL("x509: malformed validity");
    cx_der nb, na;
    unsigned nbt, nat;
    strbuf times = STRBUF_INIT;
    for (int i = 0; i < 2; i++) {
        unsigned *t = i ? &nat : &nbt;
        cx_der *d = i ? &na : &nb;
        if (!cx_der_read(&validity, t, d, NULL) || (*t != T_UTCTIME && *t != T_GENTIME)) {
            sb_free(&times);
            return FAIL("x509: unsupported time format");
        }
        if (!time_put(&times, *t, *d)) {
            sb_free(&times);
            return FAIL(*t == T_UTCTIME ? "x509: malformed UTCTime" : "x509: malformed GeneralizedTime");
        }
    }
    sb_free(&times);
    cx_der subject, subject_body;
    if (!cx_der_read(&tbs, &tag, &subject_body, &subject) || tag != T_SEQUENCE)
        return FAIL("x509: malformed subject");
    if (!name_check(subject, err, errn))
        return false;
    cx_der spki, spki_full;
    if (!cx_der_read(&tbs, &tag, &spki, &spki_full) || tag != T_SEQUENCE)
        return FAIL("x509: malformed spki");
    cx_der pk_ai, pk_oid, pk_params = {0};
    if (!cx_der_expect(&spki, T_SEQUENCE, &pk_ai))
        return FAIL("x509: malformed public key algorithm identifier");
    if (!cx_der_expect(&pk_ai, T_OID, &pk_oid))
        return FAIL("x509: malformed public key algorithm identifier");
    bool has_params = pk_ai.n > 0;
    pk_params = pk_ai;
    cx_der spk_bits;
    int unused;
    if (!read_bitstring(&spki, &spk_bits, &unused))
        return FAIL("x509: malformed subjectPublicKey");
    int pk_alg = pk_alg_of(pk_oid);
    if (pk_alg) {
        out->pkey = parse_spki(p, spki_full, pk_alg, pk_params, has_params, err, errn);
        if (!out->pkey)
            return false;
    }

    ext_state e;
    memset(&e, 0, sizeof e);
    strbuf exts = STRBUF_INIT;
    int n_exts = 0;
    bool ok = true;
    if (version > 1) {
        if (cx_der_peek(&tbs, 0x81) && !cx_der_expect(&tbs, 0x81, &(cx_der){0}))
            ok = FAIL("x509: malformed issuerUniqueID");
        if (ok && cx_der_peek(&tbs, 0xa1) && !cx_der_expect(&tbs, 0xa1, &(cx_der){0}))
            ok = FAIL("x509: malformed issuerUniqueID");
        if (ok && cx_der_peek(&tbs, 0x82) && !cx_der_expect(&tbs, 0x82, &(cx_der){0}))
            ok = FAIL("x509: malformed subjectUniqueID");
        if (ok && cx_der_peek(&tbs, 0xa2) && !cx_der_expect(&tbs, 0xa2, &(cx_der){0}))
            ok = FAIL("x509: malformed subjectUniqueID");
        if (ok && version == 3 && cx_der_peek(&tbs, 0xa3)) {
            cx_der wrap, list;
            if (!cx_der_expect(&tbs, 0xa3, &wrap) || !cx_der_expect(&wrap, T_SEQUENCE, &list))
                ok = FAIL("x509: malformed extensions");
            /* duplicates are detected on the DER of the OIDs */
            cx_der seen[64];
            int nseen = 0;
            while (ok && list.n) {
                cx_der ext, oid, crit, value;
                bool critical = false;
                if (!cx_der_expect(&list, T_SEQUENCE, &ext)) {
                    ok = FAIL("x509: malformed extension");
                    break;
                }
                if (!cx_der_expect(&ext, T_OID, &oid)) {
                    ok = FAIL("x509: malformed extension OID field");
                    break;
                }
                if (cx_der_peek(&ext, T_BOOLEAN)) {
                    if (!cx_der_expect(&ext, T_BOOLEAN, &crit) || crit.n != 1 ||
                        (crit.p[0] != 0 && crit.p[0] != 0xff)) {
                        ok = FAIL("x509: malformed extension critical field");
                        break;
                    }
                    critical = crit.p[0] != 0;
                }
                if (!cx_der_expect(&ext, T_OCTETSTRING, &value)) {
                    ok = FAIL("x509: malformed extension value field");
                    break;
                }
                for (int i = 0; i < nseen; i++)
                    if (seen[i].n == oid.n && memcmp(seen[i].p, oid.p, oid.n) == 0) {
                        strbuf d = STRBUF_INIT;
                        cx_oid_put_dotted(&d, oid);
                        ok = FAIL("x509: certificate contains duplicate extension with OID \"%s\"",
                                  d.data ? d.data : "");
                        sb_free(&d);
                        break;
                    }
                if (!ok)
                    break;
                if (nseen < 64)
                    seen[nseen++] = oid;
                if (n_exts++)
                    sb_putc(&exts, ',');
                sb_puts(&exts, "{\"Id\":");
                cx_oid_put_array(&exts, oid);
                sb_printf(&exts, ",\"Critical\":%s,\"Value\":", critical ? "true" : "false");
                cx_json_b64(&exts, value.p ? value.p : (const unsigned char *)"", value.n);
                sb_putc(&exts, '}');
            }
        }
    }
    if (ok && version == 3) {
        /* process the extensions (reread them: the loop above validated them) */
        cx_der t = tbs_full, body, wrap, list;
        cx_der_expect(&t, T_SEQUENCE, &body);
        while (body.n) {
            unsigned tg;
            cx_der b;
            if (!cx_der_read(&body, &tg, &b, NULL))
                break;
            if (tg == 0xa3) {
                wrap = b;
                if (cx_der_expect(&wrap, T_SEQUENCE, &list)) {
                    while (ok && list.n) {
                        cx_der ext, oid, crit, value;
                        bool critical = false;
                        cx_der_expect(&list, T_SEQUENCE, &ext);
                        cx_der_expect(&ext, T_OID, &oid);
                        if (cx_der_expect(&ext, T_BOOLEAN, &crit))
                            critical = crit.p[0] != 0;
                        cx_der_expect(&ext, T_OCTETSTRING, &value);
                        ok = process_extension(oid, critical, value, &e, err, errn);
                    }
                }
            }
        }
    }
    if (ok) {
        cx_der sigbits;
        if (!read_bitstring(&input, &sigbits, &unused))
            ok = FAIL("x509: malformed signature");
        else {
            /* RightAlign of the signature */
            strbuf *sb = cx_strbuf(p);
            if (!sb) {
                ok = FAIL("out of memory");
            } else {
                bool first = true;
                sb_putc(sb, '{');
                bytes_field(sb, &first, "Raw", raw, true);
                bytes_field(sb, &first, "RawTBSCertificate", tbs_full, true);
                bytes_field(sb, &first, "RawSubjectPublicKeyInfo", spki_full, true);
                bytes_field(sb, &first, "RawSubject", subject, true);
                bytes_field(sb, &first, "RawIssuer", issuer, true);
                cx_json_key(sb, &first, "Signature");
                if (unused == 0) {
                    cx_json_b64(sb, sigbits.p ? sigbits.p : (const unsigned char *)"", sigbits.n);
                } else {
                    unsigned char *ra = cx_malloc(p, sigbits.n + 1);
                    size_t rn = 0;
                    if (ra) {
                        /* shift right by unused bits */
                        unsigned prev = 0;
                        for (size_t i = 0; i < sigbits.n; i++) {
                            unsigned cur = sigbits.p[i];
                            if (i == 0) {
                                unsigned v = cur >> unused;
                                if (v || sigbits.n == 1)
                                    ra[rn++] = (unsigned char)v;
                            } else {
                                ra[rn++] = (unsigned char)((prev << (8 - unused)) | (cur >> unused));
                            }
                            prev = cur;
                        }
                    }
                    cx_json_b64(sb, ra, rn);
                }
                int_field(sb, &first, "SignatureAlgorithm", out->sig_alg);
                int_field(sb, &first, "PublicKeyAlgorithm", pk_alg);
                cx_json_key(sb, &first, "PublicKey");
                cx_public_key_put_json(sb, out->pkey);
                int_field(sb, &first, "Version", version);
                cx_json_key(sb, &first, "SerialNumber");
                cx_der_int_put_decimal(sb, serial);
                cx_json_key(sb, &first, "Issuer");
                name_put_object(sb, issuer);
                cx_json_key(sb, &first, "Subject");
                name_put_object(sb, subject);
                cx_json_key(sb, &first, "NotBefore");
                time_put(sb, nbt, nb);
                cx_json_key(sb, &first, "NotAfter");
                time_put(sb, nat, na);
                int_field(sb, &first, "KeyUsage", e.key_usage);
                cx_json_key(sb, &first, "Extensions");
                if (n_exts)
                    sb_printf(sb, "[%s]", exts.data);
                else
                    sb_puts(sb, "null");
                cx_json_key(sb, &first, "ExtraExtensions");
                sb_puts(sb, "null");
                list_field(sb, &first, "UnhandledCriticalExtensions", &e.unhandled);
                list_field(sb, &first, "ExtKeyUsage", &e.eku);
                list_field(sb, &first, "UnknownExtKeyUsage", &e.unknown_eku);
                bool_field(sb, &first, "BasicConstraintsValid", e.bc_valid);
                bool_field(sb, &first, "IsCA", e.is_ca);
                int_field(sb, &first, "MaxPathLen", e.bc_valid ? e.max_path : 0);
                bool_field(sb, &first, "MaxPathLenZero", e.max_path_zero);
                bytes_field(sb, &first, "SubjectKeyId", e.ski, e.has_ski);
                bytes_field(sb, &first, "AuthorityKeyId", e.aki, e.has_aki);
                list_field(sb, &first, "OCSPServer", &e.ocsp);
                list_field(sb, &first, "IssuingCertificateURL", &e.issuing);
                list_field(sb, &first, "DNSNames", &e.san.dns);
                list_field(sb, &first, "EmailAddresses", &e.san.email);
                list_field(sb, &first, "IPAddresses", &e.san.ip);
                list_field(sb, &first, "URIs", &e.san.uri);
                bool_field(sb, &first, "PermittedDNSDomainsCritical", e.nc_critical);
                list_field(sb, &first, "PermittedDNSDomains", &e.perm_dns);
                list_field(sb, &first, "ExcludedDNSDomains", &e.excl_dns);
                list_field(sb, &first, "PermittedIPRanges", &e.perm_ip);
                list_field(sb, &first, "ExcludedIPRanges", &e.excl_ip);
                list_field(sb, &first, "PermittedEmailAddresses", &e.perm_email);
                list_field(sb, &first, "ExcludedEmailAddresses", &e.excl_email);
                list_field(sb, &first, "PermittedURIDomains", &e.perm_uri);
                list_field(sb, &first, "ExcludedURIDomains", &e.excl_uri);
                list_field(sb, &first, "CRLDistributionPoints", &e.crl);
                list_field(sb, &first, "PolicyIdentifiers", &e.policy_ids);
                list_field(sb, &first, "Policies", &e.policies);
                int_field(sb, &first, "InhibitAnyPolicy", e.inhibit_any);
                bool_field(sb, &first, "InhibitAnyPolicyZero", e.inhibit_any_zero);
                int_field(sb, &first, "InhibitPolicyMapping", e.inhibit_map);
                bool_field(sb, &first, "InhibitPolicyMappingZero", e.inhibit_map_zero);
                int_field(sb, &first, "RequireExplicitPolicy", e.require_explicit);
                bool_field(sb, &first, "RequireExplicitPolicyZero", e.require_explicit_zero);
                list_field(sb, &first, "PolicyMappings", &e.mappings);
                sb_putc(sb, '}');
                out->json = sb;
                if (e.san.uri_strings.n) {
                    out->uri_strings = cx_strbuf(p);
                    if (out->uri_strings)
                        jl_put(out->uri_strings, &e.san.uri_strings);
                }
                out->n_eku = e.n_eku;
                memcpy(out->eku, e.eku_vals, sizeof out->eku);
                out->n_unknown_eku = e.n_unknown;
            }
        }
    }
    sb_free(&exts);
    ext_free(&e);
    if (!ok)
        return false;
    const unsigned char *q = raw.p;
    out->x509 = cx_own(p, CX_X509, d2i_X509(NULL, &q, (long)raw.n));
    if (!out->x509)
        return FAIL("x509: malformed certificate");
    return true;
}

void cx_cert_put_json(strbuf *sb, const cx_cert *c, bool extended)
{
    if (!extended || !c->json) {
        sb_append(sb, c->json->data, c->json->len);
        return;
    }
    /* splice URIStrings before the closing brace */
    sb_append(sb, c->json->data, c->json->len - 1);
    sb_puts(sb, ",\"URIStrings\":");
    if (c->uri_strings)
        sb_append(sb, c->uri_strings->data, c->uri_strings->len);
    else
        sb_puts(sb, "null");
    sb_putc(sb, '}');
}

bool cx_certs_parse_der(cx_pool *p, cx_der der, cx_cert **certs, size_t *n, char *err, size_t errn)
{
    size_t cap = 4, count = 0;
    cx_cert *list = cx_malloc(p, cap * sizeof *list);
    if (!list)
        return FAIL("out of memory");
    while (der.n) {
        if (count == cap) {
            cx_cert *bigger = cx_malloc(p, 2 * cap * sizeof *bigger);
            if (!bigger)
                return FAIL("out of memory");
            memcpy(bigger, list, count * sizeof *list);
            list = bigger;
            cap *= 2;
        }
        if (!cx_cert_parse(p, &der, &list[count], err, errn))
            return false;
        count++;
    }
    *certs = list;
    *n = count;
    return true;
}

static bool certs_from_pem(cx_pool *p, const char *s, size_t n, cx_cert **certs, size_t *count, char *err,
                           size_t errn)
{
    strbuf *all = cx_strbuf(p);
    if (!all)
        return FAIL("out of memory");
    while (n > 0) {
        cx_pem blk;
        size_t rest;
        if (!cx_pem_decode(p, s, n, &blk, &rest))
            break;
        if (strcmp(blk.type, "CERTIFICATE") != 0)
            return FAIL("PEM block type is '%s', expected CERTIFICATE", blk.type);
        sb_append(all, (const char *)blk.bytes.p, blk.bytes.n);
        s += rest;
        n -= rest;
    }
    cx_der der = {(const unsigned char *)(all->data ? all->data : ""), all->len};
    return cx_certs_parse_der(p, der, certs, count, err, errn);
}

bool cx_certs_from_string(cx_pool *p, const char *s, size_t n, cx_cert **certs, size_t *count, char *err,
                          size_t errn)
{
    if (cx_has_prefix(s, n, "-----BEGIN"))
        return certs_from_pem(p, s, n, certs, count, err, errn);
    cx_bytes b;
    if (!cx_b64_decode_std(p, s, n, &b, err, errn))
        return false;
    if (cx_has_prefix((const char *)b.p, b.n, "-----BEGIN"))
        return certs_from_pem(p, (const char *)b.p, b.n, certs, count, err, errn);
    return cx_certs_parse_der(p, (cx_der){b.p, b.n}, certs, count, err, errn);
}

/* ---- chain verification ---- */

static bool chain_key_usage_ok(cx_cert **chain, size_t n, const int *usages_in, int nu)
{
    int usages[16];
    memcpy(usages, usages_in, (size_t)nu * sizeof *usages);
    int remaining = nu;
    for (size_t i = n; i > 0; i--) {
        const cx_cert *c = chain[i - 1];
        if (c->n_eku == 0 && c->n_unknown_eku == 0)
            continue;
        bool any = false;
        for (int k = 0; k < c->n_eku; k++)
            if (c->eku[k] == 0)
                any = true;
        if (any)
            continue;
        for (int r = 0; r < nu; r++) {
            if (usages[r] < 0)
                continue;
            bool found = false;
            for (int k = 0; k < c->n_eku; k++)
                if (c->eku[k] == usages[r])
                    found = true;
            if (found)
                continue;
            usages[r] = -1;
            if (--remaining == 0)
                return false;
        }
    }
    return true;
}

bool cx_verify_chain(cx_pool *p, cx_cert *certs, size_t n, const cx_verify_opts *opts, cx_cert ***chain_out,
                     size_t *chain_n, char *err, size_t errn)
{
    if (n < 2)
        return FAIL("operand 1 must supply at least two certificates to be able to verify");
    X509_STORE *store = cx_own(p, CX_X509_STORE, X509_STORE_new());
    STACK_OF(X509) *untrusted = cx_own(p, CX_STACK_X509, sk_X509_new_null());
    X509_STORE_CTX *ctx = cx_own(p, CX_X509_STORE_CTX, X509_STORE_CTX_new());
    if (!store || !untrusted || !ctx)
        return FAIL("out of memory");
    if (!X509_STORE_add_cert(store, certs[0].x509))
        return FAIL("x509: could not add root certificate");
    for (size_t i = 1; i + 1 < n; i++)
        if (!sk_X509_push(untrusted, certs[i].x509))
            return FAIL("out of memory");
    cx_cert *leaf = &certs[n - 1];
    if (!X509_STORE_CTX_init(ctx, store, leaf->x509, untrusted))
        return FAIL("out of memory");
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
    if (opts->has_time) {
        int64_t secs = opts->time_ns / 1000000000;
        if (opts->time_ns < 0 && opts->time_ns % 1000000000)
            secs--;
        X509_VERIFY_PARAM_set_time(vp, (time_t)secs);
    }
    if (opts->dns_name && *opts->dns_name) {
        unsigned char ipbuf[16];
        const char *h = opts->dns_name;
        if (inet_pton(AF_INET, h, ipbuf) == 1 || inet_pton(AF_INET6, h, ipbuf) == 1) {
            X509_VERIFY_PARAM_set1_ip_asc(vp, h);
        } else {
            X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            X509_VERIFY_PARAM_set1_host(vp, h, 0);
        }
    }
    if (X509_verify_cert(ctx) != 1) {
        int code = X509_STORE_CTX_get_error(ctx);
        return FAIL("x509: %s", X509_verify_cert_error_string(code));
    }
    STACK_OF(X509) *ch = X509_STORE_CTX_get0_chain(ctx);
    int cn = sk_X509_num(ch);
    cx_cert **chain = cx_malloc(p, (size_t)(cn > 0 ? cn : 1) * sizeof *chain);
    if (!chain)
        return FAIL("out of memory");
    for (int i = 0; i < cn; i++) {
        X509 *x = sk_X509_value(ch, i);
        chain[i] = NULL;
        for (size_t k = 0; k < n; k++)
            if (certs[k].x509 == x || X509_cmp(certs[k].x509, x) == 0) {
                chain[i] = &certs[k];
                break;
            }
        if (!chain[i])
            return FAIL("x509: certificate signed by unknown authority");
    }
    /* Go refuses SHA-1 and MD5 signatures on every certificate it checks a
     * signature of (all but the trust anchor). */
    for (int i = 0; i + 1 < cn; i++) {
        int a = chain[i]->sig_alg;
        if (a == 1 || a == 2 || a == 3 || a == 7 || a == 9)
            return FAIL("x509: cannot verify signature: insecure algorithm");
    }
    int usages[16];
    int nu = opts->n_key_usages;
    if (nu == 0) {
        usages[0] = 1;
        nu = 1;
    } else {
        memcpy(usages, opts->key_usages, (size_t)nu * sizeof *usages);
    }
    bool any = false;
    for (int i = 0; i < nu; i++)
        if (usages[i] == 0)
            any = true;
    if (!any && !chain_key_usage_ok(chain, (size_t)cn, usages, nu))
        return FAIL("x509: certificate specifies an incompatible key usage");
    *chain_out = chain;
    *chain_n = (size_t)cn;
    return true;
}

/* ---- certificate requests ---- */

/* Go's asn1 "any" decoding of one value into JSON. */
static void asn1_any_put(strbuf *sb, unsigned tag, cx_der v)
{
    strbuf tmp = STRBUF_INIT;
    switch (tag) {
    case T_PRINTABLE:
    case T_NUMERIC:
    case T_IA5:
    case T_T61:
    case T_UTF8:
    case T_BMP:
        if (!asn1_string(tag, v, &tmp)) {
            cx_json_str(sb, tmp.data ? tmp.data : "", tmp.len);
            break;
        }
        sb_puts(sb, "null");
        break;
    case T_INTEGER: {
        int64_t i;
        if (cx_der_int64(v, &i))
            sb_printf(sb, "%lld", (long long)i);
        else
            cx_der_int_put_decimal(sb, v);
        break;
    }
    case T_OID:
        cx_oid_put_array(sb, v);
        break;
    case T_OCTETSTRING:
        cx_json_b64(sb, v.p ? v.p : (const unsigned char *)"", v.n);
        break;
    case T_BITSTRING:
        if (v.n >= 1) {
            sb_puts(sb, "{\"Bytes\":");
            cx_json_b64(sb, v.p + 1, v.n - 1);
            sb_printf(sb, ",\"BitLength\":%zu}", (v.n - 1) * 8 - v.p[0]);
        } else {
            sb_puts(sb, "null");
        }
        break;
    case T_UTCTIME:
    case T_GENTIME:
        if (!time_put(sb, tag, v))
            sb_puts(sb, "null");
        break;
    default:
        sb_puts(sb, "null");
    }
    sb_free(&tmp);
}

/* pkix.AttributeTypeAndValueSET, or false when Go's asn1 would not fit it. */
static bool csr_attribute_put(strbuf *sb, cx_der attr)
{
    cx_der seq, type, values;
    if (!cx_der_expect(&attr, T_SEQUENCE, &seq) || attr.n || !cx_der_expect(&seq, T_OID, &type) ||
        !cx_der_expect(&seq, T_SET, &values))
        return false;
    strbuf out = STRBUF_INIT;
    sb_puts(&out, "{\"Type\":");
    cx_oid_put_array(&out, type);
    sb_puts(&out, ",\"Value\":[");
    bool first_set = true;
    while (values.n) {
        cx_der inner;
        if (!cx_der_expect(&values, T_SEQUENCE, &inner)) {
            sb_free(&out);
            return false;
        }
        if (!first_set)
            sb_putc(&out, ',');
        first_set = false;
        sb_putc(&out, '[');
        bool first = true;
        while (inner.n) {
            cx_der atv, oid, value;
            unsigned vt;
            if (!cx_der_expect(&inner, T_SEQUENCE, &atv) || !cx_der_expect(&atv, T_OID, &oid) ||
                !cx_der_read(&atv, &vt, &value, NULL)) {
                sb_free(&out);
                return false;
            }
            if (!first)
                sb_putc(&out, ',');
            first = false;
            sb_puts(&out, "{\"Type\":");
            cx_oid_put_array(&out, oid);
            sb_puts(&out, ",\"Value\":");
            asn1_any_put(&out, vt, value);
            sb_putc(&out, '}');
        }
        sb_putc(&out, ']');
    }
    sb_puts(&out, "]}");
    sb_append(sb, out.data, out.len);
    sb_free(&out);
    return true;
}

bool cx_csr_json(cx_pool *p, cx_der der, strbuf *sb, char *err, size_t errn)
{
    cx_der in = der, outer, raw;
    unsigned tag;
    if (!cx_der_read(&in, &tag, &outer, &raw))
        return FAIL("asn1: syntax error: data truncated");
    if (tag != T_SEQUENCE)
        return FAIL("asn1: structure error: tags don't match (16 vs {class:%u tag:%u length:%zu isCompound:%s}) "
                    "{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> "
                    "stringType:0 timeType:0 set:false omitEmpty:false} certificateRequest @2",
                    tag >> 6, tag & 0x1f, outer.n, (tag & 0x20) ? "true" : "false");
    if (in.n)
        return FAIL("asn1: syntax error: trailing data");
    cx_der tbs, tbs_full, version_b, subject, subject_body, spki, spki_full, sig_ai, sigbits;
    if (!cx_der_read(&outer, &tag, &tbs, &tbs_full) || tag != T_SEQUENCE)
        return FAIL("asn1: structure error: tbsCertificateRequest");
    int64_t version = 0;
    if (!cx_der_expect(&tbs, T_INTEGER, &version_b) || !cx_der_int64(version_b, &version))
        return FAIL("asn1: structure error: version");
    if (!cx_der_read(&tbs, &tag, &subject_body, &subject) || tag != T_SEQUENCE)
        return FAIL("asn1: structure error: subject");
    if (!cx_der_read(&tbs, &tag, &spki, &spki_full) || tag != T_SEQUENCE)
        return FAIL("asn1: structure error: public key");
    cx_der attrs = {0};
    bool has_attrs = cx_der_expect(&tbs, 0xa0, &attrs);
    if (!has_attrs)
        return FAIL("asn1: structure error: attributes");
    if (!cx_der_expect(&outer, T_SEQUENCE, &sig_ai))
        return FAIL("asn1: structure error: signature algorithm");
    int unused;
    if (!read_bitstring(&outer, &sigbits, &unused))
        return FAIL("asn1: structure error: signature");
    cx_der pk_ai, pk_oid, spki_in = spki;
    if (!cx_der_expect(&spki_in, T_SEQUENCE, &pk_ai) || !cx_der_expect(&pk_ai, T_OID, &pk_oid))
        return FAIL("asn1: structure error: public key algorithm");
    int pk_alg = pk_alg_of(pk_oid);
    EVP_PKEY *pkey = NULL;
    if (pk_alg) {
        pkey = parse_spki(p, spki_full, pk_alg, pk_ai, pk_ai.n > 0, err, errn);
        if (!pkey)
            return false;
    }
    if (!name_check(subject, err, errn))
        return false;
    /* attributes and requested extensions */
    jlist attributes = {STRBUF_INIT, 0}, exts = {STRBUF_INIT, 0};
    san_lists san;
    memset(&san, 0, sizeof san);
    bool ok = true;
    cx_der a = attrs;
    cx_der seen[64];
    int nseen = 0;
    while (ok && a.n) {
        cx_der attr_full, attr_body;
        unsigned t;
        if (!cx_der_read(&a, &t, &attr_body, &attr_full))
            break;
        strbuf one = STRBUF_INIT;
        if (csr_attribute_put(&one, attr_full)) {
            jl_sep(&attributes);
            sb_append(&attributes.sb, one.data, one.len);
        }
        sb_free(&one);
        cx_der seq = attr_full, body, oid, values, first_value;
        if (!cx_der_expect(&seq, T_SEQUENCE, &body) || !cx_der_expect(&body, T_OID, &oid) ||
            !cx_der_expect(&body, T_SET, &values) || values.n == 0)
            continue;
        if (!cx_oid_is(oid, "1.2.840.113549.1.9.14"))
            continue;
        cx_der list;
        if (!cx_der_expect(&values, T_SEQUENCE, &first_value)) {
            ok = FAIL("asn1: structure error: extensions");
            break;
        }
        list = first_value;
        while (ok && list.n) {
            cx_der ext, eoid, crit, value;
            bool critical = false;
            if (!cx_der_expect(&list, T_SEQUENCE, &ext) || !cx_der_expect(&ext, T_OID, &eoid)) {
                ok = FAIL("asn1: structure error: extension");
                break;
            }
            if (cx_der_expect(&ext, T_BOOLEAN, &crit))
                critical = crit.n == 1 && crit.p[0] != 0;
            if (!cx_der_expect(&ext, T_OCTETSTRING, &value)) {
                ok = FAIL("asn1: structure error: extension value");
                break;
            }
            for (int i = 0; i < nseen; i++)
                if (seen[i].n == eoid.n && memcmp(seen[i].p, eoid.p, eoid.n) == 0)
                    ok = FAIL("x509: certificate request contains duplicate requested extensions");
            if (!ok)
                break;
            if (nseen < 64)
                seen[nseen++] = eoid;
            jl_sep(&exts);
            sb_puts(&exts.sb, "{\"Id\":");
            cx_oid_put_array(&exts.sb, eoid);
            sb_printf(&exts.sb, ",\"Critical\":%s,\"Value\":", critical ? "true" : "false");
            cx_json_b64(&exts.sb, value.p ? value.p : (const unsigned char *)"", value.n);
            sb_putc(&exts.sb, '}');
            if (cx_oid_is(eoid, "2.5.29.17"))
                ok = parse_san(value, &san, err, errn);
        }
    }
    if (ok) {
        bool first = true;
        sb_putc(sb, '{');
        bytes_field(sb, &first, "Raw", raw, true);
        bytes_field(sb, &first, "RawTBSCertificateRequest", tbs_full, true);
        bytes_field(sb, &first, "RawSubjectPublicKeyInfo", spki_full, true);
        bytes_field(sb, &first, "RawSubject", subject, true);
        int_field(sb, &first, "Version", version);
        cx_json_key(sb, &first, "Signature");
        cx_json_b64(sb, sigbits.p ? sigbits.p : (const unsigned char *)"", sigbits.n);
        int_field(sb, &first, "SignatureAlgorithm", sig_alg_of(sig_ai));
        int_field(sb, &first, "PublicKeyAlgorithm", pk_alg);
        cx_json_key(sb, &first, "PublicKey");
        cx_public_key_put_json(sb, pkey);
        cx_json_key(sb, &first, "Subject");
        name_put_object(sb, subject);
        list_field(sb, &first, "Attributes", &attributes);
        list_field(sb, &first, "Extensions", &exts);
        cx_json_key(sb, &first, "ExtraExtensions");
        sb_puts(sb, "null");
        list_field(sb, &first, "DNSNames", &san.dns);
        list_field(sb, &first, "EmailAddresses", &san.email);
        list_field(sb, &first, "IPAddresses", &san.ip);
        list_field(sb, &first, "URIs", &san.uri);
        sb_putc(sb, '}');
    }
    jl_free(&attributes);
    jl_free(&exts);
    san_free(&san);
    return ok;
}

/* ---- private keys ---- */

static const char *asn1_mismatch(cx_der der, char *buf, size_t n, const char *what)
{
    cx_der in = der, body;
    unsigned tag;
    if (!cx_der_read(&in, &tag, &body, NULL)) {
        snprintf(buf, n, "asn1: syntax error: data truncated");
        return buf;
    }
    snprintf(buf, n,
             "asn1: structure error: tags don't match (16 vs {class:%u tag:%u length:%zu isCompound:%s}) "
             "{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> "
             "stringType:0 timeType:0 set:false omitEmpty:false} %s @2",
             tag >> 6, tag & 0x1f, body.n, (tag & 0x20) ? "true" : "false", what);
    return buf;
}

static EVP_PKEY *d2i_type(int type, cx_der der)
{
    const unsigned char *q = der.p;
    EVP_PKEY *k = d2i_PrivateKey(type, NULL, &q, (long)der.n);
    if (k && q != der.p + der.n) {
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

static EVP_PKEY *d2i_pkcs8(cx_der der)
{
    const unsigned char *q = der.p;
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)der.n);
    if (!p8)
        return NULL;
    EVP_PKEY *k = EVP_PKCS82PKEY(p8);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return k;
}

/* Is der a PKCS #8 structure (SEQUENCE { INTEGER, SEQUENCE {OID...}, OCTET STRING })? */
static bool looks_pkcs8(cx_der der)
{
    cx_der seq, v, ai;
    return cx_der_expect(&der, T_SEQUENCE, &seq) && cx_der_expect(&seq, T_INTEGER, &v) &&
           cx_der_expect(&seq, T_SEQUENCE, &ai) && cx_der_peek(&seq, T_OCTETSTRING);
}

static bool looks_sec1(cx_der der)
{
    cx_der seq, v, priv;
    return cx_der_expect(&der, T_SEQUENCE, &seq) && cx_der_expect(&seq, T_INTEGER, &v) && v.n == 1 &&
           v.p[0] == 1 && cx_der_expect(&seq, T_OCTETSTRING, &priv);
}

static bool looks_pkcs1(cx_der der)
{
    cx_der seq, v, nn;
    return cx_der_expect(&der, T_SEQUENCE, &seq) && cx_der_expect(&seq, T_INTEGER, &v) &&
           cx_der_expect(&seq, T_INTEGER, &nn);
}

EVP_PKEY *cx_parse_pkcs1(cx_pool *p, cx_der der, char *err, size_t errn)
{
    EVP_PKEY *k = cx_own(p, CX_PKEY, d2i_type(EVP_PKEY_RSA, der));
    if (k)
        return k;
    if (looks_pkcs8(der))
        snprintf(err, errn, "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)");
    else if (looks_sec1(der))
        snprintf(err, errn, "x509: failed to parse private key (use ParseECPrivateKey instead for this key format)");
    else if (looks_pkcs1(der))
        snprintf(err, errn, "x509: invalid RSA private key");
    else
        asn1_mismatch(der, err, errn, "pkcs1PrivateKey");
    return NULL;
}

EVP_PKEY *cx_parse_pkcs8(cx_pool *p, cx_der der, char *err, size_t errn)
{
    EVP_PKEY *k = cx_own(p, CX_PKEY, d2i_pkcs8(der));
    if (k) {
        int id = EVP_PKEY_get_base_id(k);
        if (id == EVP_PKEY_RSA || id == EVP_PKEY_ED25519 || id == EVP_PKEY_X25519)
            return k;
        if (id == EVP_PKEY_EC) {
            if (cx_ec_curve_jwk(k))
                return k;
            snprintf(err, errn, "x509: failed to parse EC private key embedded in PKCS#8: x509: unknown elliptic curve");
            return NULL;
        }
        snprintf(err, errn, "x509: PKCS#8 wrapping contained private key with unknown algorithm");
        return NULL;
    }
    if (looks_sec1(der))
        snprintf(err, errn, "x509: failed to parse private key (use ParseECPrivateKey instead for this key format)");
    else if (looks_pkcs1(der) && !looks_pkcs8(der))
        snprintf(err, errn, "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)");
    else
        asn1_mismatch(der, err, errn, "pkcs8");
    return NULL;
}

EVP_PKEY *cx_parse_sec1(cx_pool *p, cx_der der, char *err, size_t errn)
{
    EVP_PKEY *k = cx_own(p, CX_PKEY, d2i_type(EVP_PKEY_EC, der));
    if (k) {
        if (cx_ec_curve_jwk(k))
            return k;
        snprintf(err, errn, "x509: unknown elliptic curve");
        return NULL;
    }
    if (looks_pkcs8(der))
        snprintf(err, errn, "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)");
    else if (looks_pkcs1(der))
        snprintf(err, errn, "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)");
    else {
        char inner[400];
        asn1_mismatch(der, inner, sizeof inner, "ecPrivateKey");
        snprintf(err, errn, "x509: failed to parse EC private key: %s", inner);
    }
    return NULL;
}

bool cx_private_keys_from_pem(cx_pool *p, const char *s, size_t n, EVP_PKEY ***keys_out, size_t *count,
                              char *err, size_t errn)
{
    cx_bytes dec;
    char ignore[128];
    if (cx_b64_decode_std(p, s, n, &dec, ignore, sizeof ignore)) {
        s = (const char *)dec.p;
        n = dec.n;
    }
    size_t cap = 4, k = 0;
    EVP_PKEY **keys = cx_malloc(p, cap * sizeof *keys);
    if (!keys)
        return FAIL("out of memory");
    while (n > 0) {
        cx_pem blk;
        size_t rest;
        if (!cx_pem_decode(p, s, n, &blk, &rest))
            break; /* (nil, data): no block, or the rest is not PEM */
        s += rest;
        n -= rest;
        EVP_PKEY *key = NULL;
        cx_der der = {blk.bytes.p, blk.bytes.n};
        if (strcmp(blk.type, "RSA PRIVATE KEY") == 0)
            key = cx_parse_pkcs1(p, der, err, errn);
        else if (strcmp(blk.type, "PRIVATE KEY") == 0)
            key = cx_parse_pkcs8(p, der, err, errn);
        else if (strcmp(blk.type, "EC PRIVATE KEY") == 0)
            key = cx_parse_sec1(p, der, err, errn);
        else
            continue;
        if (!key)
            return false;
        if (k == cap) {
            EVP_PKEY **bigger = cx_malloc(p, 2 * cap * sizeof *bigger);
            if (!bigger)
                return FAIL("out of memory");
            memcpy(bigger, keys, k * sizeof *keys);
            keys = bigger;
            cap *= 2;
        }
        keys[k++] = key;
    }
    *keys_out = keys;
    *count = k;
    return true;
}

/* ---- tls.X509KeyPair ---- */

static bool wrap_der_as_pem(cx_pool *p, const char *type, const char **s, size_t *n)
{
    strbuf *sb = cx_strbuf(p);
    if (!sb)
        return false;
    sb_printf(sb, "-----BEGIN %s-----\n", type);
    strbuf b64 = STRBUF_INIT;
    base64_put(&b64, (const unsigned char *)*s, *n, base64_std, true);
    for (size_t i = 0; i < b64.len; i += 64) {
        sb_append(sb, b64.data + i, b64.len - i < 64 ? b64.len - i : 64);
        sb_putc(sb, '\n');
    }
    sb_free(&b64);
    sb_printf(sb, "-----END %s-----\n", type);
    *s = sb->data;
    *n = sb->len;
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool cx_keypair_json(cx_pool *p, const char *cert, size_t cn, const char *key, size_t kn, strbuf *sb, char *err,
                     size_t errn)
{
    cx_bytes b;
    if (!cx_has_prefix(cert, cn, "-----BEGIN ")) {
        if (!cx_b64_decode_std(p, cert, cn, &b, err, errn))
            return false;
        cert = (const char *)b.p;
        cn = b.n;
    }
    if (!cx_has_prefix(key, kn, "-----BEGIN ")) {
        if (!cx_b64_decode_std(p, key, kn, &b, err, errn))
            return false;
        key = (const char *)b.p;
        kn = b.n;
    }
    if (!cx_has_prefix(cert, cn, "-----BEGIN ") && !wrap_der_as_pem(p, "CERTIFICATE", &cert, &cn))
        return FAIL("out of memory");
    if (!cx_has_prefix(key, kn, "-----BEGIN") && !wrap_der_as_pem(p, "PRIVATE KEY", &key, &kn))
        return FAIL("out of memory");

    /* certificates */
    strbuf *ders = cx_strbuf(p), *skipped = cx_strbuf(p);
    if (!ders || !skipped)
        return FAIL("out of memory");
    int ncerts = 0, nskipped = 0;
    cx_der first_der = {0};
    strbuf *certs_json = cx_strbuf(p);
    if (!certs_json)
        return FAIL("out of memory");
    const char *s = cert;
    size_t n = cn;
    for (;;) {
        cx_pem blk;
        size_t rest;
        if (!cx_pem_decode(p, s, n, &blk, &rest))
            break;
        if (strcmp(blk.type, "CERTIFICATE") == 0) {
            if (ncerts++)
                sb_putc(certs_json, ',');
            cx_json_b64(certs_json, blk.bytes.p, blk.bytes.n);
            if (!first_der.p) {
                first_der.p = blk.bytes.p;
                first_der.n = blk.bytes.n;
            }
        } else {
            if (nskipped++)
                sb_putc(skipped, ' ');
            sb_puts(skipped, blk.type);
        }
        s += rest;
        n -= rest;
    }
    if (ncerts == 0) {
        if (nskipped == 0)
            return FAIL("tls: failed to find any PEM data in certificate input");
        if (nskipped == 1 && ends_with(skipped->data, "PRIVATE KEY"))
            return FAIL("tls: failed to find certificate PEM data in certificate input, but did find a private key; "
                        "PEM inputs may have been switched");
        return FAIL("tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks "
                    "of the following types: [%s]",
                    skipped->data);
    }

    /* key */
    sb_reset(skipped);
    nskipped = 0;
    cx_pem keyblk;
    bool found = false;
    s = key;
    n = kn;
    for (;;) {
        size_t rest;
        if (!cx_pem_decode(p, s, n, &keyblk, &rest))
            break;
        if (strcmp(keyblk.type, "PRIVATE KEY") == 0 || ends_with(keyblk.type, " PRIVATE KEY")) {
            found = true;
            break;
        }
        if (nskipped++)
            sb_putc(skipped, ' ');
        sb_puts(skipped, keyblk.type);
        s += rest;
        n -= rest;
    }
    if (!found) {
        if (nskipped == 0)
            return FAIL("tls: failed to find any PEM data in key input");
        if (nskipped == 1 && strcmp(skipped->data, "CERTIFICATE") == 0)
            return FAIL("tls: found a certificate rather than a key in the PEM for the private key");
        return FAIL("tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping "
                    "PEM blocks of the following types: [%s]",
                    skipped->data);
    }
    char ignore[400];
    cx_der kder = {keyblk.bytes.p, keyblk.bytes.n};
    EVP_PKEY *pk = cx_parse_pkcs1(p, kder, ignore, sizeof ignore);
    if (!pk) {
        pk = cx_own(p, CX_PKEY, d2i_pkcs8(kder));
        if (pk) {
            int id = EVP_PKEY_get_base_id(pk);
            if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC && id != EVP_PKEY_ED25519)
                return FAIL("tls: found unknown private key type in PKCS#8 wrapping");
        }
    }
    if (!pk)
        pk = cx_parse_sec1(p, kder, ignore, sizeof ignore);
    if (!pk)
        return FAIL("tls: failed to parse private key");

    /* leaf */
    cx_cert leaf;
    cx_der d = first_der;
    if (!cx_cert_parse(p, &d, &leaf, err, errn))
        return false;
    if (!leaf.pkey)
        return FAIL("tls: unknown public key algorithm");
    int lt = EVP_PKEY_get_base_id(leaf.pkey), kt = EVP_PKEY_get_base_id(pk);
    if (lt != EVP_PKEY_RSA && lt != EVP_PKEY_EC && lt != EVP_PKEY_ED25519)
        return FAIL("tls: unknown public key algorithm");
    if (lt != kt)
        return FAIL("tls: private key type does not match public key type");
    if (EVP_PKEY_eq(leaf.pkey, pk) != 1)
        return FAIL("tls: private key does not match public key");

    bool first = true;
    sb_putc(sb, '{');
    cx_json_key(sb, &first, "Certificate");
    sb_printf(sb, "[%s]", certs_json->data);
    cx_json_key(sb, &first, "PrivateKey");
    cx_private_key_put_json(sb, pk);
    cx_json_key(sb, &first, "SupportedSignatureAlgorithms");
    sb_puts(sb, "null");
    cx_json_key(sb, &first, "OCSPStaple");
    sb_puts(sb, "null");
    cx_json_key(sb, &first, "SignedCertificateTimestamps");
    sb_puts(sb, "null");
    cx_json_key(sb, &first, "Leaf");
    cx_cert_put_json(sb, &leaf, false);
    sb_putc(sb, '}');
    return true;
}
