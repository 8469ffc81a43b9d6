/* sign.c — bundle signatures: the JWS in .signatures.json, the digests of
 * the files it lists, and signing for `verdict build`.
 *
 * The token is a compact JWS over {"files": [{"name", "hash", "algorithm"}],
 * "keyid", "scope", ...}, signed with HS256/384/512 (a secret), RS256/384/512
 * (RSA PKCS#1 v1.5), PS256/384/512 (RSA-PSS, salt as long as the digest;
 * any salt length verifies) or ES256/384/512 (ECDSA on P-256/P-384/P-521,
 * the signature as r||s).  Keys are PEM: a public key (SPKI or PKCS#1), a
 * certificate, or a private key, whose public half then verifies.
 *
 * Digests are computed as OPA's hasher does: of the bytes, except for
 * structured files (data.json, data.yaml, .manifest) whose parsed value is
 * hashed in a canonical form — object keys sorted, no whitespace, strings and
 * numbers as Go's encoding/json writes them (no HTML escaping), so that the
 * signature does not depend on formatting.
 *
 * Which key verifies (OPA's verifyJWTSignature with a single key): the
 * caller's key_id, when given, names the key and the token's "kid" is not
 * consulted; without one the key stands for whatever id the token names.
 * The algorithm is the caller's, or else the token header's (but never an
 * HMAC one with a PEM key); a header that says otherwise fails.  The "scope"
 * claim must equal the caller's scope ("" when none). */
#include "bundle/internal.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base64.h"
#include "engine/json.h"
#include "engine/yaml.h"
#include "../engine/hexdigit.h"

#define VERIFY_FAILED "could not verify message using any of the signatures or keys"

/* ---- algorithms ---- */

typedef enum fam { FAM_HS, FAM_RS, FAM_PS, FAM_ES } fam;

typedef struct jws_alg {
    const char *name;
    fam family;
    const EVP_MD *(*md)(void);
    int ec_bits;                /* ES: curve size */
} jws_alg;

static const jws_alg ALGS[] = {
    {"HS256", FAM_HS, EVP_sha256, 0}, {"HS384", FAM_HS, EVP_sha384, 0}, {"HS512", FAM_HS, EVP_sha512, 0},
    {"RS256", FAM_RS, EVP_sha256, 0}, {"RS384", FAM_RS, EVP_sha384, 0}, {"RS512", FAM_RS, EVP_sha512, 0},
    {"PS256", FAM_PS, EVP_sha256, 0}, {"PS384", FAM_PS, EVP_sha384, 0}, {"PS512", FAM_PS, EVP_sha512, 0},
    {"ES256", FAM_ES, EVP_sha256, 256}, {"ES384", FAM_ES, EVP_sha384, 384}, {"ES512", FAM_ES, EVP_sha512, 521},
};

static const jws_alg *find_alg(const char *name)
{
    for (size_t i = 0; i < sizeof ALGS / sizeof ALGS[0]; i++)
        if (strcmp(ALGS[i].name, name) == 0)
            return &ALGS[i];
    return NULL;
}

static const EVP_MD *file_hash_md(const char *name)
{
    static const struct {
        const char *name;
        const EVP_MD *(*md)(void);
    } T[] = {
        {"MD5", EVP_md5},           {"SHA-1", EVP_sha1},     {"SHA-224", EVP_sha224},
        {"SHA-256", EVP_sha256},    {"SHA-384", EVP_sha384}, {"SHA-512", EVP_sha512},
        {"SHA-512-224", EVP_sha512_224}, {"SHA-512-256", EVP_sha512_256},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strcmp(T[i].name, name) == 0)
            return T[i].md();
    return NULL;
}

/* ---- base64url without padding (JWS) ---- */

static void b64url_put(strbuf *sb, const unsigned char *in, size_t n)
{
    base64_put(sb, in, n, base64_url, false);
}

/* Decoded bytes (NUL-terminated, malloc'd), or NULL for bad input. */
static unsigned char *b64url_decode(const char *in, size_t n, size_t *out_len)
{
    unsigned char *out = malloc(n / 4 * 3 + 4);
    if (!out)
        return NULL;
    if (base64_decode(in, n, base64_url, false, out, out_len) >= 0) {
        free(out);
        return NULL;
    }
    out[*out_len] = 0;
    return out;
}

/* ---- keys ---- */

/* Encrypted keys fail rather than prompt on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

static EVP_PKEY *load_public_key(const char *pem)
{
    EVP_PKEY *pk = NULL;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return NULL;
    if (strstr(pem, "-----BEGIN CERTIFICATE-----")) {
        X509 *x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
        if (x) {
            pk = X509_get_pubkey(x);
            X509_free(x);
        }
    } else {
        OSSL_DECODER_CTX *dc = OSSL_DECODER_CTX_new_for_pkey(&pk, "PEM", NULL, NULL, 0, NULL, NULL);
        if (dc) {
            OSSL_DECODER_CTX_set_pem_password_cb(dc, no_passphrase, NULL);
            if (!OSSL_DECODER_from_bio(dc, bio)) {
                EVP_PKEY_free(pk);
                pk = NULL;
            }
            OSSL_DECODER_CTX_free(dc);
        }
    }
    BIO_free(bio);
    ERR_clear_error();
    return pk;
}

static EVP_PKEY *load_private_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return NULL;
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return pk;
}

/* Whether a key can serve an algorithm of this family. */
static bool key_fits(EVP_PKEY *pk, const jws_alg *alg)
{
    int id = EVP_PKEY_get_base_id(pk);
    if (alg->family == FAM_RS || alg->family == FAM_PS)
        return id == EVP_PKEY_RSA || (alg->family == FAM_PS && id == EVP_PKEY_RSA_PSS);
    if (alg->family == FAM_ES)
        return id == EVP_PKEY_EC && EVP_PKEY_get_bits(pk) == alg->ec_bits;
    return false;
}

static int ec_bytes(const jws_alg *alg)
{
    return (alg->ec_bits + 7) / 8;
}

/* Prepare a digest-sign/verify context for RSA padding. */
static int set_rsa_padding(EVP_PKEY_CTX *pctx, const jws_alg *alg, bool verifying)
{
    if (alg->family == FAM_RS)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 ? 0 : -1;
    if (alg->family == FAM_PS) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, verifying ? RSA_PSS_SALTLEN_AUTO : RSA_PSS_SALTLEN_DIGEST) <= 0 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, alg->md()) <= 0)
            return -1;
    }
    return 0;
}

static bool verify_asym(EVP_PKEY *pk, const jws_alg *alg, const char *input, size_t input_len,
                        const unsigned char *sig, size_t sig_len)
{
    if (!key_fits(pk, alg))
        return false;
    unsigned char *der = NULL;
    int der_len = 0;
    if (alg->family == FAM_ES) {
        int n = ec_bytes(alg);
        if (sig_len != (size_t)(2 * n))
            return false;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, n, NULL), *s = BN_bin2bn(sig + n, n, NULL);
        if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
            BN_free(r);
            BN_free(s);
            ECDSA_SIG_free(es);
            return false;
        }
        der_len = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        if (der_len <= 0)
            return false;
        sig = der;
        sig_len = (size_t)der_len;
    }
    bool ok = false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (ctx && EVP_DigestVerifyInit(ctx, &pctx, alg->md(), NULL, pk) == 1 &&
        set_rsa_padding(pctx, alg, true) == 0)
        ok = EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)input, input_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

static bool hmac(const jws_alg *alg, const char *key, const char *input, size_t input_len, unsigned char *out,
                 unsigned *out_len)
{
    static const unsigned char empty[1] = {0};
    size_t klen = strlen(key);
    return HMAC(alg->md(), klen ? (const void *)key : empty, (int)klen, (const unsigned char *)input, input_len, out,
                out_len) != NULL;
}

/* ---- reading JSON claims ---- */

static const val *get(const val *obj, const char *name)
{
    if (!obj || val_kind_of(obj) != VAL_OBJECT)
        return NULL;
    return val_object_get_str(obj, name, strlen(name));
}

static const char *get_str(const val *obj, const char *name)
{
    const val *v = get(obj, name);
    return v && val_kind_of(v) == VAL_STRING ? val_str(v) : NULL;
}

void bsig_files_free(bsig_files *files)
{
    for (int i = 0; i < files->n; i++) {
        free(files->v[i].name);
        free(files->v[i].hash);
        free(files->v[i].algorithm);
    }
    free(files->v);
    files->v = NULL;
    files->n = 0;
}

static int collect_files(const val *list, bsig_files *out, bundle_error *err)
{
    if (!list || val_kind_of(list) == VAL_NULL)
        return 0;
    if (val_kind_of(list) != VAL_ARRAY) {
        berr(err, "json: cannot unmarshal %s into Go struct field DecodedSignature.files of type []bundle.FileInfo",
             val_type_name(list));
        return -1;
    }
    uint32_t n = val_len(list);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v) {
        berr(err, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const val *f = val_array_items(list)[i];
        const char *name = get_str(f, "name"), *hash = get_str(f, "hash"), *alg = get_str(f, "algorithm");
        bsig_file *bf = &out->v[out->n++];
        bf->name = strdup(name ? name : "");
        bf->hash = strdup(hash ? hash : "");
        bf->algorithm = strdup(alg ? alg : "");
        if (!bf->name || !bf->hash || !bf->algorithm) {
            berr(err, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* Verify one compact JWS; fills out with the files it lists. */
static int verify_token(const char *token, size_t token_len, const bundle_verify *v, bsig_files *out,
                        bundle_error *err)
{
    const char *dot1 = memchr(token, '.', token_len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(token + token_len - dot1 - 1)) : NULL;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', (size_t)(token + token_len - dot2 - 1))) {
        berr(err, "failed to parse JWT: invalid number of segments");
        return -1;
    }
    int rc = -1;
    arena a;
    arena_init(&a, 4096);
    size_t hlen = 0, plen = 0, slen = 0;
    unsigned char *hdr = b64url_decode(token, (size_t)(dot1 - token), &hlen);
    unsigned char *payload = NULL, *sig = NULL;
    EVP_PKEY *pk = NULL;
    if (!hdr) {
        berr(err, "failed to base64 decode JWT headers: illegal base64 data");
        goto done;
    }
    json_error je;
    val *h = json_parse(&a, (const char *)hdr, hlen, 0, &je);
    if (!h || val_kind_of(h) != VAL_OBJECT) {
        berr(err, "failed to parse JWT headers: %s", h ? "not an object" : je.msg);
        goto done;
    }
    payload = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &plen);
    if (!payload) {
        berr(err, "failed to base64 decode JWT payload: illegal base64 data");
        goto done;
    }
    val *claims = json_parse(&a, (const char *)payload, plen, 0, &je);
    if (!claims || val_kind_of(claims) != VAL_OBJECT) {
        berr(err, "failed to parse JWT payload: %s", claims ? "not an object" : je.msg);
        goto done;
    }
    const char *hdr_alg = get_str(h, "alg");
    const char *alg_name = v->alg ? v->alg : hdr_alg ? hdr_alg : "";
    const jws_alg *alg = find_alg(alg_name);
    if (!alg) {
        berr(err, "unknown signature algorithm: %s", alg_name);
        goto done;
    }
    sig = b64url_decode(dot2 + 1, (size_t)(token + token_len - dot2 - 1), &slen);
    /* Taking the algorithm from the header must not turn a public key into
     * an HMAC secret (the "alg confusion" forgery): a PEM key takes no HS*. */
    bool confused = !v->alg && alg->family == FAM_HS && strstr(v->key, "-----BEGIN");
    if (!sig || !hdr_alg || strcmp(hdr_alg, alg->name) != 0 || confused) {
        berr(err, VERIFY_FAILED);
        goto done;
    }
    const char *input = token;
    size_t input_len = (size_t)(dot2 - token);
    bool ok;
    if (alg->family == FAM_HS) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        ok = hmac(alg, v->key, input, input_len, mac, &mac_len) && mac_len == slen &&
             CRYPTO_memcmp(mac, sig, slen) == 0;
    } else {
        if (!strstr(v->key, "-----BEGIN") || !(pk = load_public_key(v->key))) {
            berr(err, "failed to parse PEM block containing the key");
            goto done;
        }
        ok = verify_asym(pk, alg, input, input_len, sig, slen);
    }
    if (!ok) {
        berr(err, VERIFY_FAILED);
        goto done;
    }
    const char *scope = get_str(claims, "scope");
    if (strcmp(scope ? scope : "", v->scope ? v->scope : "") != 0) {
        berr(err, "scope mismatch");
        goto done;
    }
    rc = collect_files(get(claims, "files"), out, err);
done:
    EVP_PKEY_free(pk);
    free(hdr);
    free(payload);
    free(sig);
    arena_release(&a);
    return rc;
}

int bsig_verify_signatures(const char *text, size_t len, const bundle_verify *v, bsig_files *out, bundle_error *err)
{
    arena a;
    arena_init(&a, 4096);
    json_error je;
    int rc = -1;
    val *doc = json_parse(&a, text, len, 0, &je);
    if (!doc) {
        berr(err, "bundle load failed on signatures decode: /.signatures.json:%d:%d: %s", je.line, je.col, je.msg);
        goto done;
    }
    if (val_kind_of(doc) != VAL_OBJECT && val_kind_of(doc) != VAL_NULL) {
        berr(err, "bundle load failed on signatures decode: json: cannot unmarshal %s into Go value of type bundle.SignaturesConfig",
             val_type_name(doc));
        goto done;
    }
    const val *sigs = get(doc, "signatures");
    const char *plugin = get_str(doc, "plugin");
    if ((!sigs || val_kind_of(sigs) == VAL_NULL) && (!plugin || !plugin[0])) {
        rc = 1;
        goto done;
    }
    if (plugin && plugin[0] && strcmp(plugin, "_default") != 0) {
        berr(err, "no verifier exists under id %s", plugin);
        goto done;
    }
    if (sigs && val_kind_of(sigs) != VAL_ARRAY && val_kind_of(sigs) != VAL_NULL) {
        berr(err, "bundle load failed on signatures decode: json: cannot unmarshal %s into Go struct field SignaturesConfig.signatures of type []string",
             val_type_name(sigs));
        goto done;
    }
    uint32_t n = sigs && val_kind_of(sigs) == VAL_ARRAY ? val_len(sigs) : 0;
    if (n == 0) {
        berr(err, ".signatures.json: missing JWT (expected exactly one)");
        goto done;
    }
    if (n > 1) {
        berr(err, ".signatures.json: multiple JWTs not supported (expected exactly one)");
        goto done;
    }
    const val *tok = val_array_items(sigs)[0];
    if (val_kind_of(tok) != VAL_STRING) {
        berr(err, "bundle load failed on signatures decode: json: cannot unmarshal %s into Go struct field SignaturesConfig.signatures of type string",
             val_type_name(tok));
        goto done;
    }
    rc = verify_token(val_str(tok), val_len(tok), v, out, err);
done:
    arena_release(&a);
    return rc;
}

/* ---- digests ---- */

static void hash_string(EVP_MD_CTX *ctx, strbuf *tmp, const char *s, size_t n)
{
    sb_reset(tmp);
    json_write_string(tmp, s, n, 0);
    EVP_DigestUpdate(ctx, tmp->data, tmp->len);
}

/* OPA's walk(): the canonical form of a JSON value, into the digest. */
static void hash_value(EVP_MD_CTX *ctx, strbuf *tmp, const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_NULL:
        EVP_DigestUpdate(ctx, "null", 4);
        break;
    case VAL_BOOL:
        if (val_is_true(v))
            EVP_DigestUpdate(ctx, "true", 4);
        else
            EVP_DigestUpdate(ctx, "false", 5);
        break;
    case VAL_NUMBER:
        sb_reset(tmp);
        json_write(tmp, v, 0);
        EVP_DigestUpdate(ctx, tmp->data, tmp->len);
        break;
    case VAL_STRING:
        hash_string(ctx, tmp, val_str(v), val_len(v));
        break;
    case VAL_ARRAY:
        EVP_DigestUpdate(ctx, "[", 1);
        for (uint32_t i = 0; i < val_len(v); i++) {
            if (i)
                EVP_DigestUpdate(ctx, ",", 1);
            hash_value(ctx, tmp, val_array_items(v)[i]);
        }
        EVP_DigestUpdate(ctx, "]", 1);
        break;
    case VAL_OBJECT:
        EVP_DigestUpdate(ctx, "{", 1);
        for (uint32_t i = 0; i < val_len(v); i++) {
            const val *k = val_object_keys(v)[i];
            if (i)
                EVP_DigestUpdate(ctx, ",", 1);
            if (val_kind_of(k) == VAL_STRING) {
                hash_string(ctx, tmp, val_str(k), val_len(k));
            } else {
                sb_reset(tmp);
                json_write(tmp, k, 0);
                hash_string(ctx, tmp, tmp->data, tmp->len);
            }
            EVP_DigestUpdate(ctx, ":", 1);
            hash_value(ctx, tmp, val_object_values(v)[i]);
        }
        EVP_DigestUpdate(ctx, "}", 1);
        break;
    case VAL_SET:
        EVP_DigestUpdate(ctx, "[", 1);
        for (uint32_t i = 0; i < val_len(v); i++) {
            if (i)
                EVP_DigestUpdate(ctx, ",", 1);
            hash_value(ctx, tmp, val_set_items(v)[i]);
        }
        EVP_DigestUpdate(ctx, "]", 1);
        break;
    }
}

/* Digest of bytes or of a value; 0 or -1. */
static int digest(const EVP_MD *md, const char *data, size_t len, const val *v, unsigned char *out, unsigned *out_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return -1;
    }
    if (v) {
        strbuf tmp = STRBUF_INIT;
        hash_value(ctx, &tmp, v);
        sb_free(&tmp);
    } else {
        EVP_DigestUpdate(ctx, data, len);
    }
    int rc = EVP_DigestFinal_ex(ctx, out, out_len) == 1 ? 0 : -1;
    EVP_MD_CTX_free(ctx);
    return rc;
}

static void to_hex(const unsigned char *b, unsigned n, char *out)
{
    static const char H[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = H[b[i] >> 4];
        out[2 * i + 1] = H[b[i] & 15];
    }
    out[2 * n] = 0;
}

void bsig_hex_digest_bytes(const char *data, size_t len, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (digest(EVP_sha256(), data, len, NULL, d, &n) != 0)
        n = 0;
    to_hex(d, n, out);
}

void bsig_hex_digest_value(const val *v, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (digest(EVP_sha256(), NULL, 0, v, d, &n) != 0)
        n = 0;
    to_hex(d, n, out);
}

/* The digest of a bundle file as OPA computes it: structured files
 * (data.json, data.yaml, .manifest) by their parsed value, others by bytes. */
static int file_digest(const EVP_MD *md, const char *path, const char *data, size_t len, unsigned char *out,
                       unsigned *out_len, bundle_error *err)
{
    const char *base = bpath_base(path);
    bool structured = strcmp(base, "data.json") == 0 || strcmp(base, "data.yaml") == 0 ||
                      strcmp(base, ".manifest") == 0 || strcmp(base, "signatures.json") == 0;
    if (!structured) {
        if (digest(md, data, len, NULL, out, out_len) == 0)
            return 0;
        berr(err, "%s: digest failed", path);
        return -1;
    }
    arena a;
    arena_init(&a, 16384);
    jmp_buf jb;
    a.oom = &jb;
    int rc = -1;
    if (setjmp(jb) != 0) {
        berr(err, "%s: out of memory", path);
    } else {
        const val *v = bdata_parse(&a, path, data, len, strcmp(base, "data.yaml") == 0, err);
        if (v && digest(md, NULL, 0, v, out, out_len) == 0)
            rc = 0;
        else if (v)
            berr(err, "%s: digest failed", path);
    }
    a.oom = NULL;
    arena_release(&a);
    return rc;
}

int bsig_verify_file(bsig_files *files, const char *path, const char *data, size_t len, bundle_error *err)
{
    const char *name = path[0] == '/' ? path + 1 : path;
    bsig_file *f = NULL;
    for (int i = files->n - 1; i >= 0 && !f; i--)
        if (strcmp(files->v[i].name, name) == 0)
            f = &files->v[i];
    if (!f) {
        berr(err, "file %s not included in bundle signature", name);
        return -1;
    }
    if (!f->algorithm[0]) {
        berr(err, "no hashing algorithm provided for file %s", name);
        return -1;
    }
    const EVP_MD *md = file_hash_md(f->algorithm);
    if (!md) {
        berr(err, "unsupported hashing algorithm: %s", f->algorithm);
        return -1;
    }
    unsigned char got[EVP_MAX_MD_SIZE];
    unsigned got_len = 0;
    if (file_digest(md, path, data, len, got, &got_len, err) != 0)
        return -1;
    size_t hl = strlen(f->hash);
    if (hl % 2) {
        berr(err, "encoding/hex: odd length hex string");
        return -1;
    }
    unsigned char want[EVP_MAX_MD_SIZE];
    size_t want_len = hl / 2;
    bool fits = want_len <= sizeof want;
    for (size_t i = 0; i < hl; i += 2) {
        int hi = hex_digit(f->hash[i]), lo = hex_digit(f->hash[i + 1]);
        if (hi < 0 || lo < 0) {
            char bad = hi < 0 ? f->hash[i] : f->hash[i + 1];
            berr(err, "encoding/hex: invalid byte: U+%04X '%c'", (unsigned char)bad, bad);
            return -1;
        }
        if (fits)
            want[i / 2] = (unsigned char)(hi * 16 + lo);
    }
    if (!fits || want_len != got_len || memcmp(want, got, got_len) != 0) {
        char got_hex[EVP_MAX_MD_SIZE * 2 + 1], want_hex[EVP_MAX_MD_SIZE * 2 + 1];
        to_hex(got, got_len, got_hex);
        if (fits)
            to_hex(want, (unsigned)want_len, want_hex);
        berr(err, "%s: digest mismatch (want: %s, got: %s)", name, fits ? want_hex : f->hash, got_hex);
        return -1;
    }
    for (int i = 0; i < files->n; i++)
        if (strcmp(files->v[i].name, name) == 0)
            files->v[i].seen = true;
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int bsig_check_all_seen(const bsig_files *files, bundle_error *err)
{
    bstrs missing = {0};
    for (int i = 0; i < files->n; i++) {
        if (files->v[i].seen)
            continue;
        bool dup = false;
        for (int k = 0; k < missing.n && !dup; k++)
            dup = strcmp(missing.v[k], files->v[i].name) == 0;
        if (!dup)
            bstrs_push(&missing, files->v[i].name, strlen(files->v[i].name));
    }
    if (missing.n == 0) {
        bstrs_free(&missing);
        return 0;
    }
    qsort(missing.v, (size_t)missing.n, sizeof *missing.v, cmp_str);
    strbuf sb = STRBUF_INIT;
    bstrs_format(&sb, missing.v, missing.n);
    berr(err, "file(s) %s specified in bundle signatures but not found in the target bundle", sb.data);
    sb_free(&sb);
    bstrs_free(&missing);
    return -1;
}

/* ---- signing ---- */

static int sign_input(const jws_alg *alg, const char *key, const char *input, size_t input_len, strbuf *out,
                      bundle_error *err)
{
    if (alg->family == FAM_HS) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        if (!hmac(alg, key, input, input_len, mac, &mac_len)) {
            berr(err, "failed to sign the bundle with %s", alg->name);
            return -1;
        }
        b64url_put(out, mac, mac_len);
        return 0;
    }
    EVP_PKEY *pk = strstr(key, "-----BEGIN") ? load_private_key(key) : NULL;
    if (!pk) {
        berr(err, "failed to parse PEM block containing the key");
        return -1;
    }
    if (!key_fits(pk, alg)) {
        berr(err, "the signing key does not suit algorithm %s", alg->name);
        EVP_PKEY_free(pk);
        return -1;
    }
    int rc = -1;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (ctx && EVP_DigestSignInit(ctx, &pctx, alg->md(), NULL, pk) == 1 && set_rsa_padding(pctx, alg, false) == 0 &&
        EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)input, input_len) == 1 &&
        (sig = OPENSSL_malloc(sig_len)) &&
        EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input, input_len) == 1) {
        if (alg->family == FAM_ES) {
            const unsigned char *p = sig;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
            int n = ec_bytes(alg);
            unsigned char raw[2 * 66];
            if (es && BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, n) == n &&
                BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + n, n) == n) {
                b64url_put(out, raw, (size_t)(2 * n));
                rc = 0;
            }
            ECDSA_SIG_free(es);
        } else {
            b64url_put(out, sig, sig_len);
            rc = 0;
        }
    }
    if (rc != 0)
        berr(err, "failed to sign the bundle with %s", alg->name);
    OPENSSL_free(sig);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    ERR_clear_error();
    return rc;
}

static void put_json_string(strbuf *sb, const char *s)
{
    json_write_string(sb, s, strlen(s), JSON_ESCAPE_HTML);
}

char *bsig_sign(const bsig_files *files, const bundle_build_opts *o, bundle_error *err)
{
    const char *alg_name = o->signing_alg ? o->signing_alg : "RS256";
    const jws_alg *alg = find_alg(alg_name);
    if (!alg) {
        berr(err, "unknown signature algorithm: %s", alg_name);
        return NULL;
    }
    const char *kid = o->key_id ? o->key_id : "default";
    strbuf hdr = STRBUF_INIT, payload = STRBUF_INIT, tok = STRBUF_INIT;
    sb_printf(&hdr, "{\"alg\":\"%s\"", alg->name);
    if (kid[0]) {
        sb_puts(&hdr, ",\"kid\":");
        put_json_string(&hdr, kid);
    }
    sb_putc(&hdr, '}');

    /* encoding/json of map[string]any: keys sorted */
    sb_puts(&payload, "{\"files\":[");
    for (int i = 0; i < files->n; i++) {
        sb_puts(&payload, i ? ",{\"name\":" : "{\"name\":");
        put_json_string(&payload, files->v[i].name);
        sb_puts(&payload, ",\"hash\":");
        put_json_string(&payload, files->v[i].hash);
        sb_puts(&payload, ",\"algorithm\":\"SHA-256\"}");
    }
    sb_putc(&payload, ']');
    if (o->scope) {
        /* a claim, as from OPA's --claims-file, which then leaves out keyid */
        sb_puts(&payload, ",\"scope\":");
        put_json_string(&payload, o->scope);
    } else if (kid[0]) {
        sb_puts(&payload, ",\"keyid\":");
        put_json_string(&payload, kid);
    }
    sb_putc(&payload, '}');

    b64url_put(&tok, (const unsigned char *)hdr.data, hdr.len);
    sb_putc(&tok, '.');
    b64url_put(&tok, (const unsigned char *)payload.data, payload.len);
    strbuf sig = STRBUF_INIT;
    char *token = NULL;
    if (sign_input(alg, o->signing_key, tok.data, tok.len, &sig, err) == 0) {
        sb_putc(&tok, '.');
        sb_append(&tok, sig.data, sig.len);
        token = sb_detach(&tok);
    }
    sb_free(&sig);
    sb_free(&hdr);
    sb_free(&payload);
    sb_free(&tok);
    return token;
}
