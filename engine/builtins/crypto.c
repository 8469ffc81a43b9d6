/* crypto.c — builtin group "crypto": crypto.md5/sha1/sha256, crypto.hmac.*,
 * crypto.x509.* and crypto.parse_private_keys, on OpenSSL's libcrypto.
 *
 * Behaviour and messages follow OPA's topdown/crypto.go and the Go packages
 * it calls (crypto/x509, crypto/tls, encoding/pem, encoding/base64); the
 * parsing and JSON shaping live in crypto_x509.c and crypto_jwk.c. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../builtins.h"
#include "../value.h"
#include "crypto_jwk.h"
#include "crypto_util.h"
#include "crypto_x509.h"
#include "strings_util.h"

static bi_status want_string(bi_ctx *c, val *v, int pos)
{
    return val_kind_of(v) == VAL_STRING ? BI_OK : bi_operand_type(c, pos, v, "string");
}

static val *hex_val(bi_ctx *c, const unsigned char *d, size_t n)
{
    char buf[2 * EVP_MAX_MD_SIZE + 1];
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = digits[d[i] >> 4];
        buf[2 * i + 1] = digits[d[i] & 15];
    }
    return val_string(c->a, buf, 2 * n);
}

/* ---- digests ---- */

static bi_status digest(bi_ctx *c, val *const *args, val **out, const EVP_MD *md)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!md || !EVP_Digest(val_str(args[0]), val_len(args[0]), d, &n, md, NULL))
        return bi_error(c, "digest failed");
    *out = hex_val(c, d, n);
    return BI_OK;
}

static bi_status bi_md5(bi_ctx *c, val *const *args, val **out) { return digest(c, args, out, EVP_md5()); }
static bi_status bi_sha1(bi_ctx *c, val *const *args, val **out) { return digest(c, args, out, EVP_sha1()); }
static bi_status bi_sha256(bi_ctx *c, val *const *args, val **out) { return digest(c, args, out, EVP_sha256()); }

/* ---- HMAC ---- */

static bi_status hmac(bi_ctx *c, val *const *args, val **out, const EVP_MD *md)
{
    if (want_string(c, args[0], 1) || want_string(c, args[1], 2))
        return BI_ERR;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const unsigned char empty[1] = {0};
    const unsigned char *key = val_len(args[1]) ? (const unsigned char *)val_str(args[1]) : empty;
    if (!HMAC(md, key, (int)val_len(args[1]), (const unsigned char *)val_str(args[0]), val_len(args[0]), d, &n))
        return bi_error(c, "hmac failed");
    *out = hex_val(c, d, n);
    return BI_OK;
}

static bi_status bi_hmac_md5(bi_ctx *c, val *const *args, val **out) { return hmac(c, args, out, EVP_md5()); }
static bi_status bi_hmac_sha1(bi_ctx *c, val *const *args, val **out) { return hmac(c, args, out, EVP_sha1()); }
static bi_status bi_hmac_sha256(bi_ctx *c, val *const *args, val **out) { return hmac(c, args, out, EVP_sha256()); }
static bi_status bi_hmac_sha512(bi_ctx *c, val *const *args, val **out) { return hmac(c, args, out, EVP_sha512()); }

/* hmac.Equal: constant time in the contents (lengths are public). */
static bi_status bi_hmac_equal(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1) || want_string(c, args[1], 2))
        return BI_ERR;
    size_t n = val_len(args[0]);
    bool eq = n == val_len(args[1]) && CRYPTO_memcmp(val_str(args[0]), val_str(args[1]), n) == 0;
    *out = val_bool(eq);
    return BI_OK;
}

/* ---- X.509 ---- */

static bi_status certs_value(bi_ctx *c, cx_pool *p, cx_cert **list, size_t n, bool extended, val **out)
{
    strbuf *sb = cx_strbuf(p);
    if (!sb)
        return bi_error(c, "out of memory");
    sb_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(sb, ',');
        cx_cert_put_json(sb, list[i], extended);
    }
    sb_putc(sb, ']');
    *out = cx_json_val(c, sb);
    return *out ? BI_OK : bi_error(c, "internal error: certificate JSON");
}

static bi_status parse_certificates(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    cx_cert *certs;
    size_t n;
    char err[512];
    if (!cx_certs_from_string(p, val_str(args[0]), val_len(args[0]), &certs, &n, err, sizeof err))
        return bi_error(c, "%s", err);
    cx_cert **list = cx_malloc(p, (n ? n : 1) * sizeof *list);
    if (!list)
        return bi_error(c, "out of memory");
    for (size_t i = 0; i < n; i++)
        list[i] = &certs[i];
    return certs_value(c, p, list, n, true, out);
}

static bi_status bi_x509_parse_certificates(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, parse_certificates);
}

static val *unverified(bi_ctx *c)
{
    val *items[2] = {VAL_FALSE_V, VAL_EMPTY_ARRAY_V};
    return val_array(c->a, items, 2);
}

static bi_status verified(bi_ctx *c, cx_pool *p, cx_cert **chain, size_t n, bool extended, val **out)
{
    val *certs;
    if (certs_value(c, p, chain, n, extended, &certs) != BI_OK)
        return BI_ERR;
    val *items[2] = {VAL_TRUE_V, certs};
    *out = val_array(c->a, items, 2);
    return BI_OK;
}

static bi_status parse_and_verify(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    cx_cert *certs;
    size_t n;
    char err[512];
    if (!cx_certs_from_string(p, val_str(args[0]), val_len(args[0]), &certs, &n, err, sizeof err)) {
        *out = unverified(c);
        return BI_OK;
    }
    cx_verify_opts opts;
    memset(&opts, 0, sizeof opts);
    cx_cert **chain;
    size_t cn;
    if (!cx_verify_chain(p, certs, n, &opts, &chain, &cn, err, sizeof err)) {
        *out = unverified(c);
        return BI_OK;
    }
    return verified(c, p, chain, cn, true, out);
}

static bi_status bi_x509_parse_and_verify(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, parse_and_verify);
}

static const char *const key_usage_names[] = {
    "KeyUsageAny",
    "KeyUsageServerAuth",
    "KeyUsageClientAuth",
    "KeyUsageCodeSigning",
    "KeyUsageEmailProtection",
    "KeyUsageIPSECEndSystem",
    "KeyUsageIPSECTunnel",
    "KeyUsageIPSECUser",
    "KeyUsageTimeStamping",
    "KeyUsageOCSPSigning",
    "KeyUsageMicrosoftServerGatedCrypto",
    "KeyUsageNetscapeServerGatedCrypto",
    "KeyUsageMicrosoftCommercialCodeSigning",
    "KeyUsageMicrosoftKernelCodeSigning",
};

/* OPA's extractVerifyOpts. */
static bool verify_opts(cx_pool *p, const val *options, cx_verify_opts *o, char *err, size_t errn)
{
    memset(o, 0, sizeof *o);
    for (uint32_t i = 0; i < val_len(options); i++) {
        val *k = val_object_keys(options)[i], *v = val_object_values(options)[i];
        if (val_kind_of(k) != VAL_STRING)
            continue;
        const char *name = val_str(k);
        if (strcmp(name, "DNSName") == 0) {
            if (val_kind_of(v) != VAL_STRING) {
                snprintf(err, errn, "'DNSName' should be a string");
                return false;
            }
            char *s = cx_malloc(p, val_len(v) + 1);
            if (!s)
                return false;
            /* strings.Trim(s, "\"") */
            const char *b = val_str(v);
            size_t n = val_len(v);
            while (n && *b == '"') {
                b++;
                n--;
            }
            while (n && b[n - 1] == '"')
                n--;
            memcpy(s, b, n);
            s[n] = 0;
            o->dns_name = s;
        } else if (strcmp(name, "CurrentTime") == 0) {
            if (val_kind_of(v) != VAL_NUMBER) {
                snprintf(err, errn, "'CurrentTime' should be a number");
                return false;
            }
            int64_t t;
            if (!txt_number_int(v, &t)) {
                snprintf(err, errn, "'CurrentTime' should be a valid int64 number");
                return false;
            }
            o->has_time = true;
            o->time_ns = t;
        } else if (strcmp(name, "MaxConstraintComparisons") == 0) {
            int64_t m;
            if (val_kind_of(v) != VAL_NUMBER) {
                snprintf(err, errn, "'MaxConstraintComparisons' should be a number");
                return false;
            }
            if (!txt_number_int(v, &m)) {
                snprintf(err, errn, "'MaxConstraintComparisons' should be a valid number");
                return false;
            }
        } else if (strcmp(name, "KeyUsages") == 0) {
            if (val_kind_of(v) != VAL_ARRAY && val_kind_of(v) != VAL_SET) {
                snprintf(err, errn, "'KeyUsages' should be an Array or Set");
                return false;
            }
            val *const *items = val_kind_of(v) == VAL_ARRAY ? val_array_items(v) : val_set_items(v);
            strbuf bad = STRBUF_INIT;
            int nbad = 0;
            for (uint32_t j = 0; j < val_len(v); j++) {
                val *u = items[j];
                if (val_kind_of(u) != VAL_STRING)
                    continue;
                const char *us = val_str(u);
                size_t un = val_len(u);
                while (un && *us == '"') {
                    us++;
                    un--;
                }
                while (un && us[un - 1] == '"')
                    un--;
                int found = -1;
                for (int q = 0; q < (int)(sizeof key_usage_names / sizeof key_usage_names[0]); q++)
                    if (strlen(key_usage_names[q]) == un && memcmp(key_usage_names[q], us, un) == 0)
                        found = q;
                if (found >= 0) {
                    if (o->n_key_usages < 16)
                        o->key_usages[o->n_key_usages++] = found;
                } else {
                    if (nbad++)
                        sb_putc(&bad, ' ');
                    sb_append(&bad, us, un);
                }
            }
            if (nbad) {
                snprintf(err, errn, "invalid entries for 'KeyUsages' found: [%s]", bad.data ? bad.data : "");
                sb_free(&bad);
                return false;
            }
            sb_free(&bad);
        } else {
            snprintf(err, errn, "invalid key option");
            return false;
        }
    }
    return true;
}

static bi_status parse_and_verify_opts(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    if (val_kind_of(args[1]) != VAL_OBJECT)
        return bi_operand_type(c, 2, args[1], "object");
    cx_cert *certs;
    size_t n;
    char err[512];
    if (!cx_certs_from_string(p, val_str(args[0]), val_len(args[0]), &certs, &n, err, sizeof err)) {
        *out = unverified(c);
        return BI_OK;
    }
    cx_verify_opts opts;
    if (!verify_opts(p, args[1], &opts, err, sizeof err))
        return bi_error(c, "%s", err);
    cx_cert **chain;
    size_t cn;
    if (!cx_verify_chain(p, certs, n, &opts, &chain, &cn, err, sizeof err)) {
        *out = unverified(c);
        return BI_OK;
    }
    return verified(c, p, chain, cn, false, out);
}

static bi_status bi_x509_parse_and_verify_opts(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, parse_and_verify_opts);
}

static bi_status parse_csr(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    const char *s = val_str(args[0]);
    size_t n = val_len(args[0]);
    char err[512];
    cx_bytes b = {(unsigned char *)s, n};
    if (!cx_has_prefix(s, n, "-----BEGIN CERTIFICATE REQUEST-----")) {
        if (!cx_b64_decode_std(p, s, n, &b, err, sizeof err))
            return bi_error(c, "%s", err);
    }
    cx_der der = {b.p, b.n};
    cx_pem blk;
    size_t rest;
    if (cx_pem_decode(p, (const char *)b.p, b.n, &blk, &rest)) {
        if (strcmp(blk.type, "CERTIFICATE REQUEST") != 0)
            return bi_error(c, "invalid PEM-encoded certificate signing request");
        der.p = blk.bytes.p;
        der.n = blk.bytes.n;
    }
    strbuf *sb = cx_strbuf(p);
    if (!sb)
        return bi_error(c, "out of memory");
    if (!cx_csr_json(p, der, sb, err, sizeof err))
        return bi_error(c, "%s", err);
    *out = cx_json_val(c, sb);
    return *out ? BI_OK : bi_error(c, "internal error: request JSON");
}

static bi_status bi_x509_parse_csr(bi_ctx *c, val *const *args, val **out) { return cx_run(c, args, out, parse_csr); }

static bi_status parse_keypair(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    /* OPA checks both operands as operand 1 */
    if (want_string(c, args[0], 1) || want_string(c, args[1], 1))
        return BI_ERR;
    strbuf *sb = cx_strbuf(p);
    if (!sb)
        return bi_error(c, "out of memory");
    char err[512];
    if (!cx_keypair_json(p, val_str(args[0]), val_len(args[0]), val_str(args[1]), val_len(args[1]), sb, err,
                         sizeof err))
        return bi_error(c, "%s", err);
    *out = cx_json_val(c, sb);
    return *out ? BI_OK : bi_error(c, "internal error: key pair JSON");
}

static bi_status bi_x509_parse_keypair(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, parse_keypair);
}

/* ---- private keys ---- */

static bi_status parse_rsa_private_key(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    const char *s = val_str(args[0]);
    size_t n = val_len(args[0]);
    char err[512];
    if (n == 0)
        return bi_error(c, "input PEM data was empty");
    if (!cx_has_prefix(s, n, "-----BEGIN")) {
        cx_bytes b;
        if (!cx_b64_decode_std(p, s, n, &b, err, sizeof err))
            return bi_error(c, "%s", err);
        s = (const char *)b.p;
        n = b.n;
    }
    EVP_PKEY **keys;
    size_t count;
    if (!cx_private_keys_from_pem(p, s, n, &keys, &count, err, sizeof err))
        return bi_error(c, "%s", err);
    if (count == 0) {
        *out = VAL_NULL_V;
        return BI_OK;
    }
    strbuf *sb = cx_strbuf(p);
    if (!sb)
        return bi_error(c, "out of memory");
    if (!cx_jwk_put_private(sb, keys[0], err, sizeof err))
        return bi_error(c, "%s", err);
    *out = cx_json_val(c, sb);
    return *out ? BI_OK : bi_error(c, "internal error: JWK JSON");
}

static bi_status bi_x509_parse_rsa_private_key(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, parse_rsa_private_key);
}

static bi_status parse_private_keys(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    if (val_len(args[0]) == 0) {
        *out = VAL_NULL_V;
        return BI_OK;
    }
    EVP_PKEY **keys;
    size_t count;
    char err[512];
    if (!cx_private_keys_from_pem(p, val_str(args[0]), val_len(args[0]), &keys, &count, err, sizeof err))
        return bi_error(c, "%s", err);
    if (count == 0) {
        *out = VAL_EMPTY_ARRAY_V;
        return BI_OK;
    }
    strbuf *sb = cx_strbuf(p);
    if (!sb)
        return bi_error(c, "out of memory");
    sb_putc(sb, '[');
    for (size_t i = 0; i < count; i++) {
        if (i)
            sb_putc(sb, ',');
        cx_private_key_put_json(sb, keys[i]);
    }
    sb_putc(sb, ']');
    *out = cx_json_val(c, sb);
    return *out ? BI_OK : bi_error(c, "internal error: key JSON");
}

static bi_status bi_parse_private_keys(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, parse_private_keys);
}

const builtin_def bi_group_crypto[] = {
    {"crypto.md5", 1, bi_md5, 0, NULL},
    {"crypto.sha1", 1, bi_sha1, 0, NULL},
    {"crypto.sha256", 1, bi_sha256, 0, NULL},
    {"crypto.hmac.md5", 2, bi_hmac_md5, 0, NULL},
    {"crypto.hmac.sha1", 2, bi_hmac_sha1, 0, NULL},
    {"crypto.hmac.sha256", 2, bi_hmac_sha256, 0, NULL},
    {"crypto.hmac.sha512", 2, bi_hmac_sha512, 0, NULL},
    {"crypto.hmac.equal", 2, bi_hmac_equal, 0, NULL},
    {"crypto.x509.parse_certificates", 1, bi_x509_parse_certificates, 0, NULL},
    {"crypto.x509.parse_and_verify_certificates", 1, bi_x509_parse_and_verify, 0, NULL},
    {"crypto.x509.parse_and_verify_certificates_with_options", 2, bi_x509_parse_and_verify_opts, 0, NULL},
    {"crypto.x509.parse_certificate_request", 1, bi_x509_parse_csr, 0, NULL},
    {"crypto.x509.parse_keypair", 2, bi_x509_parse_keypair, 0, NULL},
    {"crypto.x509.parse_rsa_private_key", 1, bi_x509_parse_rsa_private_key, 0, NULL},
    {"crypto.parse_private_keys", 1, bi_parse_private_keys, 0, NULL},
    {0},
};
