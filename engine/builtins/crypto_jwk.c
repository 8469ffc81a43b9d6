/* crypto_jwk.c — see crypto_jwk.h. */
#include "crypto_jwk.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "../json.h"
#include "crypto_x509.h"

#define FAIL(...) (snprintf(err, errn, __VA_ARGS__), false)

cx_kty cx_kty_of(EVP_PKEY *k)
{
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA: return CX_KTY_RSA;
    case EVP_PKEY_EC: return CX_KTY_EC;
    case EVP_PKEY_ED25519: return CX_KTY_OKP;
    }
    return CX_KTY_OTHER;
}

/* jwx decodes key material leniently: standard or URL alphabet, with or
 * without padding. */
static bool b64_lenient(cx_pool *p, const char *s, size_t n, cx_bytes *out)
{
    char *buf = cx_malloc(p, n + 1);
    unsigned char *dst = cx_malloc(p, n / 4 * 3 + 3);
    if (!buf || !dst)
        return false;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '+')
            ch = '-';
        else if (ch == '/')
            ch = '_';
        else if (ch == '=')
            continue;
        buf[m++] = ch;
    }
    size_t dn;
    if (base64_decode(buf, m, base64_url, false, dst, &dn) >= 0)
        return false;
    out->p = dst;
    out->n = dn;
    return true;
}

static bool member_bytes(cx_pool *p, const val *obj, const char *name, bool required, cx_bytes *out, bool *present,
                         char *err, size_t errn)
{
    val *v = val_object_get_str(obj, name, strlen(name));
    *present = v != NULL;
    if (!v) {
        if (required)
            return FAIL("required field %s is missing", name);
        return true;
    }
    if (val_kind_of(v) != VAL_STRING)
        return FAIL("failed to decode field %s: expected string", name);
    if (!b64_lenient(p, val_str(v), val_len(v), out))
        return FAIL("failed to decode field %s: failed to decode base64", name);
    return true;
}

static const char *member_str(cx_pool *p, const val *obj, const char *name, bool *bad)
{
    val *v = val_object_get_str(obj, name, strlen(name));
    if (!v)
        return NULL;
    if (val_kind_of(v) != VAL_STRING) {
        *bad = true;
        return NULL;
    }
    char *s = cx_malloc(p, val_len(v) + 1);
    if (!s)
        return NULL;
    memcpy(s, val_str(v), val_len(v));
    s[val_len(v)] = 0;
    return s;
}

static bool bld_bn(OSSL_PARAM_BLD *b, BIGNUM **keep, int *nkeep, const char *param, cx_bytes v)
{
    BIGNUM *bn = BN_bin2bn(v.p, (int)v.n, NULL);
    if (!bn)
        return false;
    keep[(*nkeep)++] = bn;
    return OSSL_PARAM_BLD_push_BN(b, param, bn) == 1;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *b, bool priv)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
    if (!params)
        return NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *k = NULL;
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &k, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return k;
}

static bool rsa_key(cx_pool *p, const val *obj, cx_key *out, char *err, size_t errn)
{
    cx_bytes n, e, d, pp, q, dp, dq, qi;
    bool hn, he, hd, hp, hq, hdp, hdq, hqi;
    if (!member_bytes(p, obj, "n", true, &n, &hn, err, errn) || !member_bytes(p, obj, "e", true, &e, &he, err, errn) ||
        !member_bytes(p, obj, "d", false, &d, &hd, err, errn) || !member_bytes(p, obj, "p", false, &pp, &hp, err, errn) ||
        !member_bytes(p, obj, "q", false, &q, &hq, err, errn) ||
        !member_bytes(p, obj, "dp", false, &dp, &hdp, err, errn) ||
        !member_bytes(p, obj, "dq", false, &dq, &hdq, err, errn) ||
        !member_bytes(p, obj, "qi", false, &qi, &hqi, err, errn))
        return false;
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    BIGNUM *keep[8];
    int nkeep = 0;
    bool ok = b && bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_N, n) &&
              bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_E, e);
    if (ok && hd) {
        ok = bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_D, d);
        if (ok && hp && hq) {
            ok = bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_FACTOR1, pp) &&
                 bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
            if (ok && hdp && hdq && hqi)
                ok = bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) &&
                     bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) &&
                     bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi);
        }
    }
    EVP_PKEY *k = ok ? from_params("RSA", b, hd) : NULL;
    OSSL_PARAM_BLD_free(b);
    for (int i = 0; i < nkeep; i++)
        BN_clear_free(keep[i]);
    out->pkey = cx_own(p, CX_PKEY, k);
    if (!out->pkey)
        return FAIL("failed to create RSA key");
    out->is_private = hd;
    return true;
}

static bool ec_key(cx_pool *p, const val *obj, cx_key *out, char *err, size_t errn)
{
    bool bad = false;
    const char *crv = member_str(p, obj, "crv", &bad);
    if (!crv)
        return FAIL("required field crv is missing");
    const char *group;
    size_t size;
    if (strcmp(crv, "P-256") == 0) {
        group = "prime256v1";
        size = 32;
    } else if (strcmp(crv, "P-384") == 0) {
        group = "secp384r1";
        size = 48;
    } else if (strcmp(crv, "P-521") == 0) {
        group = "secp521r1";
        size = 66;
    } else {
        return FAIL("invalid curve algorithm %s", crv);
    }
    cx_bytes x, y, d;
    bool hx, hy, hd;
    if (!member_bytes(p, obj, "x", true, &x, &hx, err, errn) || !member_bytes(p, obj, "y", true, &y, &hy, err, errn) ||
        !member_bytes(p, obj, "d", false, &d, &hd, err, errn))
        return false;
    if (x.n > size || y.n > size)
        return FAIL("invalid elliptic curve point");
    unsigned char point[1 + 2 * 66];
    memset(point, 0, sizeof point);
    point[0] = 4;
    memcpy(point + 1 + size - x.n, x.p, x.n);
    memcpy(point + 1 + 2 * size - y.n, y.p, y.n);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    BIGNUM *keep[2];
    int nkeep = 0;
    bool ok = b && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
              OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size) == 1;
    if (ok && hd)
        ok = bld_bn(b, keep, &nkeep, OSSL_PKEY_PARAM_PRIV_KEY, d);
    EVP_PKEY *k = ok ? from_params("EC", b, hd) : NULL;
    OSSL_PARAM_BLD_free(b);
    for (int i = 0; i < nkeep; i++)
        BN_clear_free(keep[i]);
    out->pkey = cx_own(p, CX_PKEY, k);
    if (!out->pkey)
        return FAIL("failed to create EC key: invalid elliptic curve point");
    out->is_private = hd;
    return true;
}

static bool okp_key(cx_pool *p, const val *obj, cx_key *out, char *err, size_t errn)
{
    bool bad = false;
    const char *crv = member_str(p, obj, "crv", &bad);
    if (!crv)
        return FAIL("required field crv is missing");
    int type;
    if (strcmp(crv, "Ed25519") == 0)
        type = EVP_PKEY_ED25519;
    else if (strcmp(crv, "X25519") == 0)
        type = EVP_PKEY_X25519;
    else
        return FAIL("invalid curve algorithm %s", crv);
    cx_bytes x, d;
    bool hx, hd;
    if (!member_bytes(p, obj, "x", true, &x, &hx, err, errn) || !member_bytes(p, obj, "d", false, &d, &hd, err, errn))
        return false;
    EVP_PKEY *k = hd ? EVP_PKEY_new_raw_private_key(type, NULL, d.p, d.n)
                     : EVP_PKEY_new_raw_public_key(type, NULL, x.p, x.n);
    out->pkey = cx_own(p, CX_PKEY, k);
    if (!out->pkey)
        return FAIL("failed to create %s key: invalid key size", crv);
    out->is_private = hd;
    out->kty = type == EVP_PKEY_ED25519 ? CX_KTY_OKP : CX_KTY_OTHER;
    return true;
}

static bool one_key(cx_pool *p, const val *obj, cx_key *out, char *err, size_t errn)
{
    memset(out, 0, sizeof *out);
    if (val_kind_of(obj) != VAL_OBJECT)
        return FAIL("invalid key: expected a JSON object");
    bool bad = false;
    const char *kty = member_str(p, obj, "kty", &bad);
    if (!kty)
        return FAIL("invalid key type from JSON (%s)", bad ? "non-string" : "");
    out->alg = member_str(p, obj, "alg", &bad);
    out->kid = member_str(p, obj, "kid", &bad);
    if (bad)
        return FAIL("failed to decode key: alg and kid must be strings");
    if (strcmp(kty, "RSA") == 0) {
        out->kty = CX_KTY_RSA;
        return rsa_key(p, obj, out, err, errn);
    }
    if (strcmp(kty, "EC") == 0) {
        out->kty = CX_KTY_EC;
        return ec_key(p, obj, out, err, errn);
    }
    if (strcmp(kty, "OKP") == 0) {
        out->kty = CX_KTY_OKP;
        return okp_key(p, obj, out, err, errn);
    }
    if (strcmp(kty, "oct") == 0) {
        bool hk;
        out->kty = CX_KTY_OCT;
        out->is_private = true;
        return member_bytes(p, obj, "k", true, &out->secret, &hk, err, errn);
    }
    return FAIL("invalid key type from JSON (%s)", kty);
}

bool cx_jwk_parse(bi_ctx *c, cx_pool *p, const char *s, size_t n, cx_key **keys_out, size_t *count, char *err,
                  size_t errn)
{
    json_error je;
    val *v = json_parse(c->a, s, n, 0, &je);
    if (!v)
        return FAIL("%s", je.msg);
    if (val_kind_of(v) != VAL_OBJECT)
        return FAIL("invalid JWK: expected a JSON object");
    val *set = val_object_get_str(v, "keys", 4);
    if (set) {
        if (val_kind_of(set) != VAL_ARRAY)
            return FAIL("failed to parse JWK set: \"keys\" must be an array");
        size_t k = val_len(set);
        cx_key *keys = cx_malloc(p, (k ? k : 1) * sizeof *keys);
        if (!keys)
            return FAIL("out of memory");
        for (size_t i = 0; i < k; i++) {
            char inner[300];
            if (!one_key(p, val_array_items(set)[i], &keys[i], inner, sizeof inner))
                return FAIL("failed to parse key #%zu: %s", i + 1, inner);
        }
        *keys_out = keys;
        *count = k;
        return true;
    }
    cx_key *key = cx_malloc(p, sizeof *key);
    if (!key)
        return FAIL("out of memory");
    if (!one_key(p, v, key, err, errn))
        return false;
    *keys_out = key;
    *count = 1;
    return true;
}

static void b64url_field(strbuf *sb, bool *first, const char *name, EVP_PKEY *k, const char *param)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(k, param, &bn))
        return;
    size_t n = (size_t)BN_num_bytes(bn);
    unsigned char buf[1024];
    if (n <= sizeof buf) {
        BN_bn2bin(bn, buf);
        cx_json_key(sb, first, name);
        sb_putc(sb, '"');
        base64_put(sb, buf, n, base64_url, false);
        sb_putc(sb, '"');
    }
    BN_clear_free(bn);
}

bool cx_jwk_put_private(strbuf *sb, EVP_PKEY *k, char *err, size_t errn)
{
    bool first = true;
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        sb_putc(sb, '{');
        cx_json_key(sb, &first, "kty");
        cx_json_cstr(sb, "RSA");
        b64url_field(sb, &first, "n", k, OSSL_PKEY_PARAM_RSA_N);
        b64url_field(sb, &first, "e", k, OSSL_PKEY_PARAM_RSA_E);
        b64url_field(sb, &first, "d", k, OSSL_PKEY_PARAM_RSA_D);
        b64url_field(sb, &first, "p", k, OSSL_PKEY_PARAM_RSA_FACTOR1);
        b64url_field(sb, &first, "q", k, OSSL_PKEY_PARAM_RSA_FACTOR2);
        b64url_field(sb, &first, "dp", k, OSSL_PKEY_PARAM_RSA_EXPONENT1);
        b64url_field(sb, &first, "dq", k, OSSL_PKEY_PARAM_RSA_EXPONENT2);
        b64url_field(sb, &first, "qi", k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
        sb_putc(sb, '}');
        return true;
    case EVP_PKEY_EC:
        sb_putc(sb, '{');
        cx_json_key(sb, &first, "kty");
        cx_json_cstr(sb, "EC");
        cx_json_key(sb, &first, "crv");
        cx_json_cstr(sb, cx_ec_curve_jwk(k) ? cx_ec_curve_jwk(k) : "");
        b64url_field(sb, &first, "x", k, OSSL_PKEY_PARAM_EC_PUB_X);
        b64url_field(sb, &first, "y", k, OSSL_PKEY_PARAM_EC_PUB_Y);
        b64url_field(sb, &first, "d", k, OSSL_PKEY_PARAM_PRIV_KEY);
        sb_putc(sb, '}');
        return true;
    case EVP_PKEY_ED25519:
        return FAIL("invalid key type ed25519.PrivateKey");
    }
    return FAIL("invalid key type *ecdh.PrivateKey");
}
