/* crypto_jwk.h — JSON Web Keys (RFC 7517) as OPA's JWT builtins read them
 * (lestrrat-go/jwx: jwk.Parse / jwk.Export) and as crypto.x509.
 * parse_rsa_private_key writes them.  Private to engine/builtins. */
#ifndef VERDICT_BUILTINS_CRYPTO_JWK_H
#define VERDICT_BUILTINS_CRYPTO_JWK_H

#include "crypto_util.h"

typedef enum cx_kty {
    CX_KTY_RSA = 1,
    CX_KTY_EC,
    CX_KTY_OCT,
    CX_KTY_OKP,         /* Ed25519 */
    CX_KTY_OTHER,       /* X25519 and other keys no JWS algorithm can use */
} cx_kty;

typedef struct cx_key {
    cx_kty kty;
    bool is_private;
    EVP_PKEY *pkey;     /* RSA, EC, OKP (pool-owned) */
    cx_bytes secret;    /* oct */
    const char *alg;    /* "alg" member, NULL when absent (pool memory) */
    const char *kid;    /* "kid" member, NULL when absent */
} cx_key;

/* jwk.ParseString: one key, or a set {"keys": [...]}.  Keys in pool memory. */
bool cx_jwk_parse(bi_ctx *c, cx_pool *p, const char *s, size_t n, cx_key **keys, size_t *count, char *err,
                  size_t errn);
/* A key from a PEM key / certificate (no alg, no kid). */
cx_kty cx_kty_of(EVP_PKEY *k);

/* The JWK JSON OPA's internal jwk package writes for a private key
 * (crypto.x509.parse_rsa_private_key). False with err when unsupported. */
bool cx_jwk_put_private(strbuf *sb, EVP_PKEY *k, char *err, size_t errn);

#endif
