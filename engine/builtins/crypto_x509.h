/* crypto_x509.h — X.509 certificates, certificate requests and private keys
 * parsed as Go's crypto/x509 parses them, and printed as encoding/json prints
 * the Go structs (x509.Certificate, x509.CertificateRequest, rsa/ecdsa/ed25519
 * private keys, tls.Certificate), which is the shape OPA's crypto.x509.*
 * builtins return.  Private to engine/builtins (crypto.c, jwt.c). */
#ifndef VERDICT_BUILTINS_CRYPTO_X509_H
#define VERDICT_BUILTINS_CRYPTO_X509_H

#include <openssl/x509.h>

#include "crypto_util.h"

typedef struct cx_cert {
    cx_der raw;             /* the whole certificate */
    X509 *x509;             /* OpenSSL's parse of raw (pool-owned) */
    EVP_PKEY *pkey;         /* the subject public key, NULL if unknown (pool-owned) */
    int sig_alg;            /* Go's x509.SignatureAlgorithm */
    /* Go's view needed for chain verification */
    int n_eku;              /* extended key usages, Go's x509.ExtKeyUsage values */
    int eku[16];
    int n_unknown_eku;
    strbuf *json;           /* the Go JSON of the certificate, without URIStrings */
    strbuf *uri_strings;    /* JSON array of the URIs' strings, or NULL */
} cx_cert;

/* x509.ParseCertificate of one DER certificate at the start of *der
 * (advanced past it).  On failure returns false with Go's message in err. */
bool cx_cert_parse(cx_pool *p, cx_der *der, cx_cert *out, char *err, size_t errn);
/* Certificate JSON into sb: Go's x509.Certificate, plus URIStrings when
 * extended (OPA's extendedCert). */
void cx_cert_put_json(strbuf *sb, const cx_cert *c, bool extended);

/* x509.ParseCertificates of concatenated DER, and OPA's
 * getX509CertsFromString (PEM, base64 of PEM, base64 of DER). */
bool cx_certs_parse_der(cx_pool *p, cx_der der, cx_cert **certs, size_t *n, char *err, size_t errn);
bool cx_certs_from_string(cx_pool *p, const char *s, size_t n, cx_cert **certs, size_t *count, char *err,
                          size_t errn);

/* Verify as OPA's verifyX509CertificateChain: certs[0] is the root, the last
 * the leaf, those between intermediates.  On success *chain (pool memory)
 * holds the verified chain leaf first. */
typedef struct cx_verify_opts {
    const char *dns_name;       /* NULL: none */
    bool has_time;
    int64_t time_ns;
    int key_usages[16];         /* Go ExtKeyUsage values; none means ServerAuth */
    int n_key_usages;
} cx_verify_opts;
bool cx_verify_chain(cx_pool *p, cx_cert *certs, size_t n, const cx_verify_opts *opts, cx_cert ***chain,
                     size_t *chain_n, char *err, size_t errn);

/* x509.ParseCertificateRequest into JSON. */
bool cx_csr_json(cx_pool *p, cx_der der, strbuf *sb, char *err, size_t errn);

/* Private keys, as Go's x509.ParsePKCS1PrivateKey / ParsePKCS8PrivateKey /
 * ParseECPrivateKey (by PEM block type "RSA PRIVATE KEY", "PRIVATE KEY",
 * "EC PRIVATE KEY").  Returns the key (pool-owned) or NULL with err set. */
EVP_PKEY *cx_parse_pkcs1(cx_pool *p, cx_der der, char *err, size_t errn);
EVP_PKEY *cx_parse_pkcs8(cx_pool *p, cx_der der, char *err, size_t errn);
EVP_PKEY *cx_parse_sec1(cx_pool *p, cx_der der, char *err, size_t errn);
/* Go's JSON of a parsed private key (*rsa.PrivateKey, *ecdsa.PrivateKey,
 * ed25519.PrivateKey). */
void cx_private_key_put_json(strbuf *sb, EVP_PKEY *k);
/* Go's JSON of a public key (*rsa.PublicKey, *ecdsa.PublicKey, ...). */
void cx_public_key_put_json(strbuf *sb, EVP_PKEY *k);

/* OPA's getPrivateKeysFromPEMData: the keys found, in order. */
bool cx_private_keys_from_pem(cx_pool *p, const char *s, size_t n, EVP_PKEY ***keys, size_t *count, char *err,
                              size_t errn);

/* tls.X509KeyPair; sb receives the tls.Certificate JSON. */
bool cx_keypair_json(cx_pool *p, const char *cert, size_t cn, const char *key, size_t kn, strbuf *sb, char *err,
                     size_t errn);

/* Big-endian unsigned bytes of a BIGNUM parameter of a key (pool memory). */
bool cx_pkey_bn_bytes(cx_pool *p, EVP_PKEY *k, const char *param, size_t pad_to, cx_bytes *out);
/* Curve of an EC key as JWK names it ("P-256"), NULL if none of P-256/384/521/224. */
const char *cx_ec_curve_jwk(EVP_PKEY *k);
int cx_ec_field_bytes(EVP_PKEY *k);

#endif
