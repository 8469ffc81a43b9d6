/* jwt.c — builtin group "jwt": io.jwt.decode, io.jwt.decode_verify,
 * io.jwt.verify_{rs,ps,es,hs}{256,384,512}, io.jwt.verify_eddsa,
 * io.jwt.encode_sign and io.jwt.encode_sign_raw, on OpenSSL's libcrypto.
 *
 * Behaviour and messages follow OPA's topdown/tokens.go and the libraries it
 * calls (lestrrat-go/jwx's jwk and jwsbb, crypto/x509, encoding/pem).  Keys
 * come as PEM certificates, PEM public keys, a JWK or a JWK set
 * (crypto_jwk.c); signatures are computed and checked with EVP.
 *
 * decode_verify, encode_sign and encode_sign_raw are non-deterministic as in
 * OPA: the first reads the evaluation time when no "time" constraint is
 * given, the others sign with randomness (PS*, ES*); within one evaluation
 * equal calls to the encoders return the same token. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../builtins.h"
#include "../json.h"
#include "../number.h"
#include "../value.h"
#include "crypto_jwk.h"
#include "crypto_util.h"
#include "crypto_x509.h"

/* ---- algorithms ---- */

typedef enum sig_kind {
    SIG_NONE,
    SIG_HMAC,
    SIG_RSA,        /* PKCS #1 v1.5 */
    SIG_PSS,
    SIG_ECDSA,
    SIG_EDDSA,
} sig_kind;

typedef struct jws_alg {
    const char *name;
    sig_kind kind;
    const char *md;     /* digest name, NULL for EdDSA */
} jws_alg;

static const jws_alg algs[] = {
    {"RS256", SIG_RSA, "SHA256"},   {"RS384", SIG_RSA, "SHA384"},   {"RS512", SIG_RSA, "SHA512"},
    {"PS256", SIG_PSS, "SHA256"},   {"PS384", SIG_PSS, "SHA384"},   {"PS512", SIG_PSS, "SHA512"},
    {"ES256", SIG_ECDSA, "SHA256"}, {"ES384", SIG_ECDSA, "SHA384"}, {"ES512", SIG_ECDSA, "SHA512"},
    {"HS256", SIG_HMAC, "SHA256"},  {"HS384", SIG_HMAC, "SHA384"},  {"HS512", SIG_HMAC, "SHA512"},
    {"EdDSA", SIG_EDDSA, NULL},
};

static const jws_alg *alg_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (strcmp(algs[i].name, name) == 0)
            return &algs[i];
    return NULL;
}

static const EVP_MD *md_of(const jws_alg *a) { return a->md ? EVP_get_digestbyname(a->md) : NULL; }

/* ---- tokens ---- */

typedef struct jwt_parts {
    const char *header, *payload, *signature;
    size_t hn, pn, sn;
    val *decoded_header;    /* object, after decode_header */
} jwt_parts;

static bi_status split_jwt(bi_ctx *c, val *v, jwt_parts *t)
{
    if (val_kind_of(v) != VAL_STRING)
        return bi_operand_type(c, 1, v, "string");
    const char *s = val_str(v);
    size_t n = val_len(v);
    if (!memchr(s, '.', n))
        return bi_error(c, "encoded JWT had no period separators");
    size_t parts = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.')
            parts++;
    if (parts != 3)
        return bi_error(c, "encoded JWT must have 3 sections, found %zu", parts);
    const char *d1 = memchr(s, '.', n);
    const char *d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s));
    memset(t, 0, sizeof *t);
    t->header = s;
    t->hn = (size_t)(d1 - s);
    t->payload = d1 + 1;
    t->pn = (size_t)(d2 - d1 - 1);
    t->signature = d2 + 1;
    t->sn = n - (size_t)(d2 + 1 - s);
    return BI_OK;
}

/* extractJSONObject */
static bi_status json_object(bi_ctx *c, const char *s, size_t n, const char *prefix, val **out)
{
    json_error je;
    val *v = json_parse(c->a, s, n, 0, &je);
    if (!v)
        return bi_error(c, "%sinvalid JSON: %s", prefix, je.msg);
    if (val_kind_of(v) != VAL_OBJECT)
        return bi_error(c, "%sdecoded JSON type was not an Object", prefix);
    *out = v;
    return BI_OK;
}

static bi_status decode_header(bi_ctx *c, cx_pool *p, jwt_parts *t)
{
    cx_bytes b;
    char err[300];
    if (!cx_b64_decode_opa_url(p, t->header, t->hn, &b, err, sizeof err))
        return bi_error(c, "JWT header had invalid encoding: %s", err);
    val *h;
    if (json_object(c, (const char *)b.p, b.n, "bad JWT header: ", &h))
        return BI_ERR;
    if (val_object_get_str(h, "enc", 3))
        return bi_error(c, "JWT is a JWE object, which is not supported");
    t->decoded_header = h;
    return BI_OK;
}

static bi_status decode_payload(bi_ctx *c, cx_pool *p, const jwt_parts *t, cx_bytes *out)
{
    char err[300];
    if (!cx_b64_decode_opa_url(p, t->payload, t->pn, out, err, sizeof err))
        return bi_error(c, "JWT payload had invalid encoding: %s", err);
    return BI_OK;
}

static bi_status decode_signature(bi_ctx *c, cx_pool *p, const jwt_parts *t, cx_bytes *out)
{
    char err[300];
    if (!cx_b64_decode_opa_url(p, t->signature, t->sn, out, err, sizeof err))
        return bi_error(c, "%s", err);
    return BI_OK;
}

/* ---- io.jwt.decode ---- */

static bi_status decode(bi_ctx *c, cx_pool *p, val *token, val **out)
{
    jwt_parts t;
    if (split_jwt(c, token, &t) || decode_header(c, p, &t))
        return BI_ERR;
    cx_bytes pl;
    if (decode_payload(c, p, &t, &pl))
        return BI_ERR;
    val *cty = val_object_get_str(t.decoded_header, "cty", 3);
    if (cty && val_kind_of(cty) == VAL_STRING && strcmp(val_str(cty), "JWT") == 0) {
        /* a nested token, quoted as jwt.io quotes it: trim `"'` */
        const char *s = (const char *)pl.p;
        size_t n = pl.n;
        while (n && (*s == '"' || *s == '\'')) {
            s++;
            n--;
        }
        while (n && (s[n - 1] == '"' || s[n - 1] == '\''))
            n--;
        return decode(c, p, val_string(c->a, s, n), out);
    }
    val *payload;
    if (json_object(c, (const char *)pl.p, pl.n, "", &payload))
        return BI_ERR;
    cx_bytes sig;
    char err[300];
    if (!cx_b64_decode_opa_url(p, t.signature, t.sn, &sig, err, sizeof err))
        return bi_error(c, "JWT signature had invalid encoding: %s", err);
    strbuf *hex = cx_strbuf(p);
    if (!hex)
        return bi_error(c, "out of memory");
    cx_hex_put(hex, sig.p, sig.n);
    val *items[3] = {t.decoded_header, payload, val_string(c->a, hex->data ? hex->data : "", hex->len)};
    *out = val_array(c->a, items, 3);
    return BI_OK;
}

static bi_status jwt_decode(bi_ctx *c, val *const *args, val **out, cx_pool *p) { return decode(c, p, args[0], out); }

static bi_status bi_jwt_decode(bi_ctx *c, val *const *args, val **out) { return cx_run(c, args, out, jwt_decode); }

/* ---- token headers (parseTokenHeader) ---- */

typedef struct tok_header {
    const char *alg, *kid, *typ, *cty;
    val *crit;          /* set of names, or NULL */
    bool unknown_crit;  /* an unknown parameter is listed as critical */
} tok_header;

static bi_status header_string(bi_ctx *c, val *v, const char *name, const char **where)
{
    if (val_kind_of(v) != VAL_STRING)
        return bi_error(c, "%s: must be a string", name);
    *where = val_str(v);
    return BI_OK;
}

static bool known_header(const char *k)
{
    return strcmp(k, "alg") == 0 || strcmp(k, "kid") == 0 || strcmp(k, "typ") == 0 || strcmp(k, "cty") == 0 ||
           strcmp(k, "crit") == 0;
}

static bi_status parse_header(bi_ctx *c, val *h, tok_header *out)
{
    memset(out, 0, sizeof *out);
    out->alg = out->kid = out->typ = out->cty = "";
    for (uint32_t i = 0; i < val_len(h); i++) {
        val *k = val_object_keys(h)[i], *v = val_object_values(h)[i];
        if (val_kind_of(k) != VAL_STRING)
            continue;
        const char *name = val_str(k);
        bi_status st = BI_OK;
        if (strcmp(name, "alg") == 0)
            st = header_string(c, v, "alg", &out->alg);
        else if (strcmp(name, "kid") == 0)
            st = header_string(c, v, "kid", &out->kid);
        else if (strcmp(name, "typ") == 0)
            st = header_string(c, v, "typ", &out->typ);
        else if (strcmp(name, "cty") == 0)
            st = header_string(c, v, "cty", &out->cty);
        else if (strcmp(name, "crit") == 0) {
            if (val_kind_of(v) != VAL_ARRAY)
                return bi_error(c, "crit: must be a list");
            val_setb b;
            val_setb_init(&b, c->a);
            for (uint32_t j = 0; j < val_len(v); j++) {
                val *e = val_array_items(v)[j];
                if (val_kind_of(e) != VAL_STRING)
                    break; /* OPA stops at the first non-string */
                val_setb_add(&b, e);
            }
            out->crit = val_setb_finish(&b);
            if (val_len(out->crit) == 0)
                return bi_error(c, "crit: must be a nonempty list");
        }
        if (st)
            return st;
    }
    if (out->crit) {
        for (uint32_t i = 0; i < val_len(h); i++) {
            val *k = val_object_keys(h)[i];
            if (val_kind_of(k) == VAL_STRING && !known_header(val_str(k)) && val_set_contains(out->crit, k))
                out->unknown_crit = true;
        }
    }
    return BI_OK;
}

static bool header_valid(const tok_header *h) { return h->alg[0] != 0 && !h->unknown_crit; }

/* ---- keys ---- */

static bool alg_known(const char *a) { return alg_lookup(a) != NULL; }

/* getKeysFromCertOrJWK */
static bi_status keys_from_string(bi_ctx *c, cx_pool *p, const char *s, size_t n, cx_key **keys_out, size_t *count)
{
    cx_pem blk;
    size_t rest;
    char err[512];
    if (cx_pem_decode(p, s, n, &blk, &rest)) {
        if (rest < n)
            return bi_error(c, "extra data after a PEM certificate block");
        cx_key *k = cx_malloc(p, sizeof *k);
        if (!k)
            return bi_error(c, "out of memory");
        memset(k, 0, sizeof *k);
        if (strcmp(blk.type, "CERTIFICATE") == 0) {
            cx_cert cert;
            cx_der der = {blk.bytes.p, blk.bytes.n};
            if (!cx_cert_parse(p, &der, &cert, err, sizeof err))
                return bi_error(c, "failed to parse a PEM certificate: %s", err);
            k->pkey = cert.pkey;
        } else if (strcmp(blk.type, "PUBLIC KEY") == 0) {
            const unsigned char *q = blk.bytes.p;
            k->pkey = cx_own(p, CX_PKEY, d2i_PUBKEY(NULL, &q, (long)blk.bytes.n));
            if (!k->pkey)
                return bi_error(c, "failed to parse a PEM public key: x509: malformed public key");
        } else {
            return bi_error(c, "failed to extract a Key from the PEM certificate");
        }
        k->kty = k->pkey ? cx_kty_of(k->pkey) : CX_KTY_OTHER;
        *keys_out = k;
        *count = 1;
        return BI_OK;
    }
    cx_key *keys;
    size_t kn;
    if (!cx_jwk_parse(c, p, s, n, &keys, &kn, err, sizeof err))
        return bi_error(c, "failed to parse a JWK key (set): %s", err);
    /* keys with an algorithm no JWT builtin supports are skipped */
    size_t w = 0;
    for (size_t i = 0; i < kn; i++)
        if (!keys[i].alg || !*keys[i].alg || alg_known(keys[i].alg))
            keys[w++] = keys[i];
    *keys_out = keys;
    *count = w;
    return BI_OK;
}

/* ---- signatures ---- */

static bool digest_verify(EVP_PKEY *k, const EVP_MD *md, int pad, const unsigned char *msg, size_t n,
                          const unsigned char *sig, size_t sn)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = false;
    if (ctx && EVP_DigestVerifyInit(ctx, &pctx, md, NULL, k) == 1) {
        bool setup = true;
        if (pad == RSA_PKCS1_PSS_PADDING)
            setup = EVP_PKEY_CTX_set_rsa_padding(pctx, pad) > 0 &&
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) > 0;
        else if (pad)
            setup = EVP_PKEY_CTX_set_rsa_padding(pctx, pad) > 0;
        ok = setup && EVP_DigestVerify(ctx, sig, sn, msg, n) == 1;
    }
    EVP_MD_CTX_free(ctx);
    return ok;
}

static unsigned char *ecdsa_der(const unsigned char *r, size_t rn, const unsigned char *s, size_t sn, int *len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *br = BN_bin2bn(r, (int)rn, NULL), *bs = BN_bin2bn(s, (int)sn, NULL);
    unsigned char *der = NULL;
    *len = 0;
    if (es && br && bs && ECDSA_SIG_set0(es, br, bs) == 1) {
        br = bs = NULL;
        *len = i2d_ECDSA_SIG(es, &der);
        if (*len <= 0) {
            OPENSSL_free(der);
            der = NULL;
        }
    }
    BN_free(br);
    BN_free(bs);
    ECDSA_SIG_free(es);
    return der;
}

/* ECDSA over r||s: split in halves (as OPA's verifyES does when strict is
 * false), or requiring the curve's exact size (jwsbb). */
static bool ecdsa_verify(EVP_PKEY *k, const EVP_MD *md, const unsigned char *msg, size_t n, const unsigned char *sig,
                         size_t sn, bool strict)
{
    if (strict && sn != 2 * (size_t)cx_ec_field_bytes(k))
        return false;
    size_t half = sn / 2;
    int dl;
    unsigned char *der = ecdsa_der(sig, half, sig + half, sn - half, &dl);
    if (!der)
        return false;
    bool ok = digest_verify(k, md, 0, msg, n, der, (size_t)dl);
    OPENSSL_free(der);
    return ok;
}

static bool eddsa_verify(EVP_PKEY *k, const unsigned char *msg, size_t n, const unsigned char *sig, size_t sn)
{
    if (sn != 64)
        return false;
    return digest_verify(k, NULL, 0, msg, n, sig, sn);
}

static bool hmac_equal(const EVP_MD *md, const unsigned char *key, size_t kn, const unsigned char *msg, size_t n,
                       const unsigned char *sig, size_t sn)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    static const unsigned char empty[1] = {0};
    if (!HMAC(md, kn ? key : empty, (int)kn, msg, n, mac, &ml))
        return false;
    return sn == ml && CRYPTO_memcmp(mac, sig, ml) == 0;
}

/* jwsbb.Verify: verify with key under the JWS algorithm alg. */
static bool jws_verify(const cx_key *key, const char *alg, const unsigned char *msg, size_t n, const unsigned char *sig,
                       size_t sn)
{
    const jws_alg *a = alg_lookup(alg);
    if (!a)
        return false;
    const EVP_MD *md = md_of(a);
    switch (a->kind) {
    case SIG_HMAC:
        return key->kty == CX_KTY_OCT && hmac_equal(md, key->secret.p, key->secret.n, msg, n, sig, sn);
    case SIG_RSA:
        return key->kty == CX_KTY_RSA && digest_verify(key->pkey, md, RSA_PKCS1_PADDING, msg, n, sig, sn);
    case SIG_PSS:
        return key->kty == CX_KTY_RSA && digest_verify(key->pkey, md, RSA_PKCS1_PSS_PADDING, msg, n, sig, sn);
    case SIG_ECDSA:
        return key->kty == CX_KTY_EC && ecdsa_verify(key->pkey, md, msg, n, sig, sn, true);
    case SIG_EDDSA:
        return key->kty == CX_KTY_OKP && eddsa_verify(key->pkey, msg, n, sig, sn);
    case SIG_NONE:
        break;
    }
    return false;
}

/* ---- io.jwt.verify_* ---- */

typedef struct verify_spec {
    sig_kind kind;
    const char *md;
} verify_spec;

/* The verification OPA's verify_<alg> builtins do: the key must be a public
 * key of the builtin's type. */
static bool builtin_verify(const verify_spec *v, const cx_key *key, const unsigned char *msg, size_t n,
                           const unsigned char *sig, size_t sn)
{
    if (!key->pkey || key->is_private)
        return false;
    const EVP_MD *md = v->md ? EVP_get_digestbyname(v->md) : NULL;
    switch (v->kind) {
    case SIG_RSA:
        return key->kty == CX_KTY_RSA && digest_verify(key->pkey, md, RSA_PKCS1_PADDING, msg, n, sig, sn);
    case SIG_PSS:
        return key->kty == CX_KTY_RSA && digest_verify(key->pkey, md, RSA_PKCS1_PSS_PADDING, msg, n, sig, sn);
    case SIG_ECDSA:
        return key->kty == CX_KTY_EC && ecdsa_verify(key->pkey, md, msg, n, sig, sn, false);
    case SIG_EDDSA:
        return key->kty == CX_KTY_OKP && eddsa_verify(key->pkey, msg, n, sig, sn);
    default:
        return false;
    }
}

static bi_status verify_with_keys(bi_ctx *c, val *const *args, val **out, cx_pool *p, const verify_spec *v)
{
    jwt_parts t;
    if (split_jwt(c, args[0], &t))
        return BI_ERR;
    if (val_kind_of(args[1]) != VAL_STRING)
        return bi_operand_type(c, 2, args[1], "string");
    cx_key *keys;
    size_t nkeys;
    if (keys_from_string(c, p, val_str(args[1]), val_len(args[1]), &keys, &nkeys))
        return BI_ERR;
    cx_bytes sig;
    if (decode_signature(c, p, &t, &sig) || decode_header(c, p, &t))
        return BI_ERR;
    tok_header h;
    if (parse_header(c, t.decoded_header, &h))
        return BI_ERR;
    const unsigned char *msg = (const unsigned char *)t.header;
    size_t mn = t.hn + 1 + t.pn;
    bool valid = false;
    bool done = false;
    if (h.kid[0]) {
        for (size_t i = 0; i < nkeys; i++)
            if (keys[i].kid && strcmp(keys[i].kid, h.kid) == 0) {
                valid = builtin_verify(v, &keys[i], msg, mn, sig.p, sig.n);
                done = true;
                break;
            }
    }
    for (size_t i = 0; !done && i < nkeys; i++) {
        if (keys[i].alg && keys[i].alg[0] && strcmp(h.alg, keys[i].alg) != 0)
            continue;
        if (builtin_verify(v, &keys[i], msg, mn, sig.p, sig.n)) {
            valid = true;
            done = true;
        }
    }
    *out = val_bool(valid);
    return BI_OK;
}

#define VERIFY_FN(fname, kind, md)                                                                                 \
    static bi_status fname##_impl(bi_ctx *c, val *const *args, val **out, cx_pool *p)                              \
    {                                                                                                              \
        static const verify_spec spec = {kind, md};                                                                \
        return verify_with_keys(c, args, out, p, &spec);                                                           \
    }                                                                                                              \
    static bi_status fname(bi_ctx *c, val *const *args, val **out) { return cx_run(c, args, out, fname##_impl); }

VERIFY_FN(bi_verify_rs256, SIG_RSA, "SHA256")
VERIFY_FN(bi_verify_rs384, SIG_RSA, "SHA384")
VERIFY_FN(bi_verify_rs512, SIG_RSA, "SHA512")
VERIFY_FN(bi_verify_ps256, SIG_PSS, "SHA256")
VERIFY_FN(bi_verify_ps384, SIG_PSS, "SHA384")
VERIFY_FN(bi_verify_ps512, SIG_PSS, "SHA512")
VERIFY_FN(bi_verify_es256, SIG_ECDSA, "SHA256")
VERIFY_FN(bi_verify_es384, SIG_ECDSA, "SHA384")
VERIFY_FN(bi_verify_es512, SIG_ECDSA, "SHA512")
VERIFY_FN(bi_verify_eddsa, SIG_EDDSA, NULL)

static bi_status verify_hs(bi_ctx *c, val *const *args, val **out, cx_pool *p, const char *mdname)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    if (val_kind_of(args[1]) != VAL_STRING)
        return bi_operand_type(c, 2, args[1], "string");
    jwt_parts t;
    if (split_jwt(c, args[0], &t))
        return BI_ERR;
    cx_bytes sig;
    if (decode_signature(c, p, &t, &sig))
        return BI_ERR;
    bool ok = hmac_equal(EVP_get_digestbyname(mdname), (const unsigned char *)val_str(args[1]), val_len(args[1]),
                         (const unsigned char *)t.header, t.hn + 1 + t.pn, sig.p, sig.n);
    *out = val_bool(ok);
    return BI_OK;
}

static bi_status verify_hs256(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    return verify_hs(c, args, out, p, "SHA256");
}
static bi_status verify_hs384(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    return verify_hs(c, args, out, p, "SHA384");
}
static bi_status verify_hs512(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    return verify_hs(c, args, out, p, "SHA512");
}
static bi_status bi_verify_hs256(bi_ctx *c, val *const *args, val **out) { return cx_run(c, args, out, verify_hs256); }
static bi_status bi_verify_hs384(bi_ctx *c, val *const *args, val **out) { return cx_run(c, args, out, verify_hs384); }
static bi_status bi_verify_hs512(bi_ctx *c, val *const *args, val **out) { return cx_run(c, args, out, verify_hs512); }

/* ---- io.jwt.decode_verify ---- */

typedef struct constraints {
    const char *secret, *alg, *iss, *aud;
    size_t secret_n;
    bool has_keys;
    cx_key *keys;
    size_t nkeys;
    double time;        /* nanoseconds; < 0: not given */
} constraints;

static bi_status time_from(bi_ctx *c, val *v, double *out)
{
    if (val_kind_of(v) != VAL_NUMBER)
        return bi_error(c, "token time constraint: must be a number");
    double t = num_to_double(v);
    if (isinf(t) || isnan(t))
        return bi_error(c, "token time constraint: unvalid float64");
    if (t < 0)
        return bi_error(c, "token time constraint: must not be negative");
    *out = t;
    return BI_OK;
}

static bi_status string_constraint(bi_ctx *c, val *v, const char *name, const char **where, size_t *n)
{
    if (val_kind_of(v) != VAL_STRING)
        return bi_error(c, "%s constraint: must be a string", name);
    *where = val_str(v);
    if (n)
        *n = val_len(v);
    return BI_OK;
}

static bi_status parse_constraints(bi_ctx *c, cx_pool *p, val *o, constraints *k)
{
    memset(k, 0, sizeof *k);
    k->secret = k->alg = k->iss = k->aud = "";
    k->time = -1;
    for (uint32_t i = 0; i < val_len(o); i++) {
        val *key = val_object_keys(o)[i], *v = val_object_values(o)[i];
        const char *name = val_kind_of(key) == VAL_STRING ? val_str(key) : "";
        bi_status st;
        if (strcmp(name, "cert") == 0) {
            if (val_kind_of(v) != VAL_STRING)
                return bi_error(c, "cert constraint: must be a string");
            st = keys_from_string(c, p, val_str(v), val_len(v), &k->keys, &k->nkeys);
            k->has_keys = true;
        } else if (strcmp(name, "secret") == 0) {
            st = string_constraint(c, v, "secret", &k->secret, &k->secret_n);
        } else if (strcmp(name, "alg") == 0) {
            st = string_constraint(c, v, "alg", &k->alg, NULL);
        } else if (strcmp(name, "iss") == 0) {
            st = string_constraint(c, v, "iss", &k->iss, NULL);
        } else if (strcmp(name, "aud") == 0) {
            st = string_constraint(c, v, "aud", &k->aud, NULL);
        } else if (strcmp(name, "time") == 0) {
            st = time_from(c, v, &k->time);
        } else {
            strbuf sb = STRBUF_INIT;
            if (val_kind_of(key) == VAL_STRING)
                sb_append(&sb, val_str(key), val_len(key));
            else
                val_write_rego(&sb, key);
            bi_error(c, "unknown token validation constraint: %s", sb.data ? sb.data : "");
            sb_free(&sb);
            return BI_ERR;
        }
        if (st)
            return st;
    }
    if (k->time < 0)
        k->time = (double)c->now_ns;
    int nkey = (k->has_keys ? 1 : 0) + (k->secret[0] ? 1 : 0);
    if (nkey > 1)
        return bi_error(c, "duplicate key constraints");
    if (nkey < 1)
        return bi_error(c, "no key constraint");
    return BI_OK;
}

static bool constraints_verify(const constraints *k, const tok_header *h, const jwt_parts *t, const cx_bytes *sig)
{
    const unsigned char *msg = (const unsigned char *)t->header;
    size_t n = t->hn + 1 + t->pn;
    if (k->has_keys) {
        if (h->kid[0]) {
            for (size_t i = 0; i < k->nkeys; i++)
                if (k->keys[i].kid && strcmp(k->keys[i].kid, h->kid) == 0)
                    return jws_verify(&k->keys[i], h->alg, msg, n, sig->p, sig->n);
        }
        for (size_t i = 0; i < k->nkeys; i++) {
            if (k->keys[i].alg && k->keys[i].alg[0] && strcmp(h->alg, k->keys[i].alg) != 0)
                continue;
            if (jws_verify(&k->keys[i], h->alg, msg, n, sig->p, sig->n))
                return true;
        }
        return false;
    }
    cx_key secret;
    memset(&secret, 0, sizeof secret);
    secret.kty = CX_KTY_OCT;
    secret.secret.p = (unsigned char *)k->secret;
    secret.secret.n = k->secret_n;
    return jws_verify(&secret, h->alg, msg, n, sig->p, sig->n);
}

static bool valid_audience(const constraints *k, val *aud)
{
    if (val_kind_of(aud) == VAL_STRING)
        return strcmp(val_str(aud), k->aud) == 0 && val_len(aud) == strlen(k->aud);
    if (val_kind_of(aud) != VAL_ARRAY)
        return false;
    for (uint32_t i = 0; i < val_len(aud); i++) {
        val *e = val_array_items(aud)[i];
        if (val_kind_of(e) == VAL_STRING && val_len(e) == strlen(k->aud) && strcmp(val_str(e), k->aud) == 0)
            return true;
    }
    return false;
}

static val *unverified(bi_ctx *c)
{
    val *items[3] = {VAL_FALSE_V, VAL_EMPTY_OBJECT_V, VAL_EMPTY_OBJECT_V};
    return val_array(c->a, items, 3);
}

static bi_status decode_verify(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (val_kind_of(args[1]) != VAL_OBJECT)
        return bi_operand_type(c, 2, args[1], "object");
    constraints k;
    if (parse_constraints(c, p, args[1], &k))
        return BI_ERR;
    val *token = args[0];
    jwt_parts t;
    cx_bytes pl;
    for (;;) {
        if (split_jwt(c, token, &t) || decode_header(c, p, &t))
            return BI_ERR;
        tok_header h;
        if (parse_header(c, t.decoded_header, &h))
            return BI_ERR;
        if (!header_valid(&h) || (k.alg[0] && strcmp(k.alg, h.alg) != 0)) {
            *out = unverified(c);
            return BI_OK;
        }
        cx_bytes sig;
        if (decode_signature(c, p, &t, &sig))
            return BI_ERR;
        if (!constraints_verify(&k, &h, &t, &sig)) {
            *out = unverified(c);
            return BI_OK;
        }
        if (decode_payload(c, p, &t, &pl))
            return BI_ERR;
        if (strcasecmp(h.cty, "JWT") == 0) {
            token = val_string(c->a, (const char *)pl.p, pl.n);
            continue;
        }
        break;
    }
    val *payload;
    if (json_object(c, (const char *)pl.p, pl.n, "", &payload))
        return BI_ERR;
    if (k.iss[0]) {
        val *iss = val_object_get_str(payload, "iss", 3);
        if (!iss || val_kind_of(iss) != VAL_STRING || strcmp(val_str(iss), k.iss) != 0 ||
            val_len(iss) != strlen(k.iss)) {
            *out = unverified(c);
            return BI_OK;
        }
    }
    val *aud = val_object_get_str(payload, "aud", 3);
    if (aud ? !valid_audience(&k, aud) : k.aud[0] != 0) {
        *out = unverified(c);
        return BI_OK;
    }
    val *now = num_from_double(c->a, k.time / 1000000000.0);
    val *exp = val_object_get_str(payload, "exp", 3);
    if (exp) {
        if (val_kind_of(exp) != VAL_NUMBER)
            return bi_error(c, "exp value must be a number");
        if (num_compare(now, exp) >= 0) {
            *out = unverified(c);
            return BI_OK;
        }
    }
    val *nbf = val_object_get_str(payload, "nbf", 3);
    if (nbf) {
        if (val_kind_of(nbf) != VAL_NUMBER)
            return bi_error(c, "nbf value must be a number");
        if (num_compare(now, nbf) < 0) {
            *out = unverified(c);
            return BI_OK;
        }
    }
    val *items[3] = {VAL_TRUE_V, t.decoded_header, payload};
    *out = val_array(c->a, items, 3);
    return BI_OK;
}

static bi_status bi_decode_verify(bi_ctx *c, val *const *args, val **out)
{
    return cx_run(c, args, out, decode_verify);
}

/* ---- io.jwt.encode_sign / encode_sign_raw ---- */

/* The "alg" (or "typ") string of a header as jwsbb's lenient JSON reader
 * finds it; *found false when absent or not a string.  Returns false with a
 * message when the text is not JSON. */
static bool header_member(bi_ctx *c, const char *s, size_t n, const char *name, const char **value, bool *found,
                          char *err, size_t errn)
{
    *found = false;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i == n) {
        snprintf(err, errn, "cannot parse JSON: cannot parse empty string; unparsed tail: \"\"");
        return false;
    }
    json_error je;
    val *v = json_parse(c->a, s, n, 0, &je);
    if (!v) {
        char ch = s[i];
        /* fastjson reads a bare run of number characters as a number */
        if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E')
            return true;
        snprintf(err, errn, "cannot parse JSON: %s", je.msg);
        return false;
    }
    if (val_kind_of(v) != VAL_OBJECT)
        return true;
    val *m = val_object_get_str(v, name, strlen(name));
    if (m && val_kind_of(m) == VAL_STRING) {
        *value = val_str(m);
        *found = true;
    }
    return true;
}

static const char *key_type_name(const cx_key *k)
{
    switch (k->kty) {
    case CX_KTY_RSA: return k->is_private ? "jwk.rsaPrivateKey" : "jwk.rsaPublicKey";
    case CX_KTY_EC: return k->is_private ? "jwk.ecdsaPrivateKey" : "jwk.ecdsaPublicKey";
    case CX_KTY_OCT: return "jwk.symmetricKey";
    case CX_KTY_OKP: return k->is_private ? "jwk.okpPrivateKey" : "jwk.okpPublicKey";
    default: return "jwk.Key";
    }
}

static bool pkey_sign(EVP_PKEY *k, const EVP_MD *md, int pad, const unsigned char *msg, size_t n, strbuf *sig)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = false;
    size_t len = 0;
    if (ctx && EVP_DigestSignInit(ctx, &pctx, md, NULL, k) == 1) {
        bool setup = true;
        if (pad == RSA_PKCS1_PSS_PADDING)
            setup = EVP_PKEY_CTX_set_rsa_padding(pctx, pad) > 0 &&
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
        else if (pad)
            setup = EVP_PKEY_CTX_set_rsa_padding(pctx, pad) > 0;
        if (setup && EVP_DigestSign(ctx, NULL, &len, msg, n) == 1) {
            sb_reserve(sig, len);
            if (EVP_DigestSign(ctx, (unsigned char *)sig->data + sig->len, &len, msg, n) == 1) {
                sig->len += len;
                sig->data[sig->len] = 0;
                ok = true;
            }
        }
    }
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* jwsbb.Sign; the raw signature goes into sig. */
static bool jws_sign(const cx_key *key, const jws_alg *a, const unsigned char *msg, size_t n, strbuf *sig, char *err,
                     size_t errn)
{
    const EVP_MD *md = md_of(a);
    switch (a->kind) {
    case SIG_HMAC: {
        if (key->kty != CX_KTY_OCT) {
            snprintf(err, errn, "jwsbb.Sign: invalid key type %s. []byte is required", key_type_name(key));
            return false;
        }
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int ml = 0;
        static const unsigned char empty[1] = {0};
        if (!HMAC(md, key->secret.n ? key->secret.p : empty, (int)key->secret.n, msg, n, mac, &ml)) {
            snprintf(err, errn, "jwsbb.Sign: failed to sign payload");
            return false;
        }
        sb_append(sig, (const char *)mac, ml);
        return true;
    }
    case SIG_RSA:
    case SIG_PSS:
        if (key->kty != CX_KTY_RSA || !key->is_private) {
            snprintf(err, errn, "jwsbb.Sign: invalid key type %s. *rsa.PrivateKey is required", key_type_name(key));
            return false;
        }
        if (!pkey_sign(key->pkey, md, a->kind == SIG_PSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING, msg, n, sig)) {
            snprintf(err, errn, "jwsbb.Sign: failed to sign payload");
            return false;
        }
        return true;
    case SIG_ECDSA: {
        if (key->kty != CX_KTY_EC || !key->is_private) {
            snprintf(err, errn, "jwsbb.Sign: invalid key type %s. *ecdsa.PrivateKey is required", key_type_name(key));
            return false;
        }
        strbuf der = STRBUF_INIT;
        bool ok = pkey_sign(key->pkey, md, 0, msg, n, &der);
        const unsigned char *q = (const unsigned char *)der.data;
        ECDSA_SIG *es = ok ? d2i_ECDSA_SIG(NULL, &q, (long)der.len) : NULL;
        sb_free(&der);
        if (!es) {
            snprintf(err, errn, "jwsbb.Sign: failed to sign payload");
            return false;
        }
        int size = cx_ec_field_bytes(key->pkey);
        unsigned char buf[2 * 66];
        const BIGNUM *r, *s;
        ECDSA_SIG_get0(es, &r, &s);
        ok = size <= 66 && BN_bn2binpad(r, buf, size) == size && BN_bn2binpad(s, buf + size, size) == size;
        ECDSA_SIG_free(es);
        if (!ok) {
            snprintf(err, errn, "jwsbb.Sign: failed to sign payload");
            return false;
        }
        sb_append(sig, (const char *)buf, 2 * (size_t)size);
        return true;
    }
    case SIG_EDDSA:
        if (key->kty != CX_KTY_OKP || !key->is_private) {
            snprintf(err, errn, "jwsbb.Sign: invalid key type %s. ed25519.PrivateKey is required",
                     key_type_name(key));
            return false;
        }
        if (!pkey_sign(key->pkey, NULL, 0, msg, n, sig)) {
            snprintf(err, errn, "jwsbb.Sign: failed to sign payload");
            return false;
        }
        return true;
    case SIG_NONE:
        break;
    }
    snprintf(err, errn, "jwsbb.Sign: unsupported signature algorithm \"%s\"", a->name);
    return false;
}

/* commonBuiltinJWTEncodeSign */
static bi_status encode_sign_common(bi_ctx *c, cx_pool *p, const char *hdr, size_t hn, const char *pl, size_t pn,
                                    const char *jwk, size_t jn, val **out)
{
    char err[512];
    cx_key *keys;
    size_t nkeys;
    if (!cx_jwk_parse(c, p, jwk, jn, &keys, &nkeys, err, sizeof err))
        return bi_error(c, "%s", err);
    if (nkeys == 0)
        return bi_error(c, "no keys found in JWK set");
    const char *alg = "";
    bool found;
    if (!header_member(c, hdr, hn, "alg", &alg, &found, err, sizeof err))
        return bi_error(c, "missing or invalid 'alg' header: %s", err);
    if (!found)
        return bi_error(c, "missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
    const jws_alg *a = alg_lookup(alg);
    if (!a)
        return bi_error(c, "unknown JWS algorithm: %s", alg);
    const char *typ = "";
    bool typ_found;
    bool typ_ok = header_member(c, hdr, hn, "typ", &typ, &typ_found, err, sizeof err);
    if (!typ_ok || !typ_found || strcmp(typ, "JWT") == 0) {
        json_error je;
        if (!json_parse(c->a, pl, pn, 0, &je))
            return bi_error(c, "type is JWT but payload is not JSON");
    }
    strbuf *msg = cx_strbuf(p), *sig = cx_strbuf(p);
    if (!msg || !sig)
        return bi_error(c, "out of memory");
    base64_put(msg, (const unsigned char *)hdr, hn, base64_url, false);
    sb_putc(msg, '.');
    base64_put(msg, (const unsigned char *)pl, pn, base64_url, false);
    if (!jws_sign(&keys[0], a, (const unsigned char *)msg->data, msg->len, sig, err, sizeof err))
        return bi_error(c, "%s", err);
    sb_putc(msg, '.');
    base64_put(msg, (const unsigned char *)(sig->data ? sig->data : ""), sig->len, base64_url, false);
    *out = val_string(c->a, msg->data, msg->len);
    return BI_OK;
}

static bi_status encode_sign_raw(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    if (val_kind_of(args[2]) != VAL_STRING)
        return bi_operand_type(c, 3, args[2], "string");
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    if (val_kind_of(args[1]) != VAL_STRING)
        return bi_operand_type(c, 2, args[1], "string");
    return encode_sign_common(c, p, val_str(args[0]), val_len(args[0]), val_str(args[1]), val_len(args[1]),
                              val_str(args[2]), val_len(args[2]), out);
}

static bi_status encode_sign(bi_ctx *c, val *const *args, val **out, cx_pool *p)
{
    strbuf *parts[3];
    for (int i = 0; i < 3; i++) {
        parts[i] = cx_strbuf(p);
        if (!parts[i])
            return bi_error(c, "out of memory");
        json_write(parts[i], args[i], JSON_ESCAPE_HTML);
    }
    return encode_sign_common(c, p, parts[0]->data, parts[0]->len, parts[1]->data, parts[1]->len, parts[2]->data,
                              parts[2]->len, out);
}

static bi_status cached(bi_ctx *c, val *const *args, val **out, cx_fn fn)
{
    val *v = bi_ndcache_get(c, args);
    if (v) {
        *out = v;
        return BI_OK;
    }
    bi_status st = cx_run(c, args, out, fn);
    if (st == BI_OK)
        bi_ndcache_put(c, args, *out);
    return st;
}

static bi_status bi_encode_sign(bi_ctx *c, val *const *args, val **out) { return cached(c, args, out, encode_sign); }

static bi_status bi_encode_sign_raw(bi_ctx *c, val *const *args, val **out)
{
    return cached(c, args, out, encode_sign_raw);
}

const builtin_def bi_group_jwt[] = {
    {"io.jwt.decode", 1, bi_jwt_decode, 0, NULL},
    {"io.jwt.decode_verify", 2, bi_decode_verify, BI_F_NONDET, NULL},
    {"io.jwt.verify_rs256", 2, bi_verify_rs256, 0, NULL},
    {"io.jwt.verify_rs384", 2, bi_verify_rs384, 0, NULL},
    {"io.jwt.verify_rs512", 2, bi_verify_rs512, 0, NULL},
    {"io.jwt.verify_ps256", 2, bi_verify_ps256, 0, NULL},
    {"io.jwt.verify_ps384", 2, bi_verify_ps384, 0, NULL},
    {"io.jwt.verify_ps512", 2, bi_verify_ps512, 0, NULL},
    {"io.jwt.verify_es256", 2, bi_verify_es256, 0, NULL},
    {"io.jwt.verify_es384", 2, bi_verify_es384, 0, NULL},
    {"io.jwt.verify_es512", 2, bi_verify_es512, 0, NULL},
    {"io.jwt.verify_eddsa", 2, bi_verify_eddsa, 0, NULL},
    {"io.jwt.verify_hs256", 2, bi_verify_hs256, 0, NULL},
    {"io.jwt.verify_hs384", 2, bi_verify_hs384, 0, NULL},
    {"io.jwt.verify_hs512", 2, bi_verify_hs512, 0, NULL},
    {"io.jwt.encode_sign", 3, bi_encode_sign, BI_F_NONDET, NULL},
    {"io.jwt.encode_sign_raw", 3, bi_encode_sign_raw, BI_F_NONDET, NULL},
    {0},
};
