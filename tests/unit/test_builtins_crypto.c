/* Unit tests for the crypto, jwt and jsonschema builtin groups, called
 * through the registry as the VM calls them.
 *
 * Many cases port OPA's own: the testdata folders cryptohmac*, cryptox509*,
 * jwtverify*, jwtencodesign*, and the Go tests in topdown/crypto_test.go,
 * tokens_test.go and jsonschema_test.go, with their exact results and error
 * texts.  Keys, certificates and requests that OPA's tests do not provide
 * are generated here with OpenSSL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "engine/builtins.h"
#include "engine/json.h"
#include "engine/strbuf.h"
#include "engine/value.h"

#include "builtin_harness.h"

/* Fixed "now" for the validity periods of certificates and tokens. */
static void setup(void)
{
    builtin_setup();
    ctx.now_ns = 1700000000000000000LL; /* 2023-11-14 */
}

/* ---- harness ---- */

static val *S(const char *s) { return val_cstring(&A, s); }

/* Calls name with one to three arguments (the rest NULL). */
static bi_status call(const char *name, val *a0, val *a1, val *a2, val **out)
{
    val *args[3] = {a0, a1, a2};
    return call_builtin(name, args, a2 ? 3 : a1 ? 2 : 1, out);
}

/* The result, which must be a success. */
static val *ok(const char *name, val *a0, val *a1, val *a2)
{
    val *out;
    bi_status st = call(name, a0, a1, a2, &out);
    ck_assert_msg(st == BI_OK, "%s failed: %s: %s", name, ctx.err_code ? ctx.err_code : "", ctx.err_msg);
    return out;
}

static void expect(const char *name, val *a0, val *a1, val *a2, const char *want)
{
    val *out = ok(name, a0, a1, a2);
    const char *got = rego_text(out);
    ck_assert_msg(strcmp(got, want) == 0, "%s:\n  got  %s\n  want %s", name, got, want);
}

/* An error with this code whose message is want (exact) or starts with it
 * (when prefix). */
static void expect_err(const char *name, val *a0, val *a1, val *a2, const char *code, const char *want, bool prefix)
{
    val *out;
    bi_status st = call(name, a0, a1, a2, &out);
    ck_assert_msg(st == BI_ERR, "%s: expected an error, got %s", name, st == BI_OK ? rego_text(out) : "undefined");
    ck_assert_msg(strcmp(ctx.err_code, code) == 0, "%s: code %s, want %s (%s)", name, ctx.err_code, code, ctx.err_msg);
    bool match = prefix ? strncmp(ctx.err_msg, want, strlen(want)) == 0 : strcmp(ctx.err_msg, want) == 0;
    ck_assert_msg(match, "%s:\n  got  %s\n  want %s%s", name, ctx.err_msg, want, prefix ? "..." : "");
}

static val *obj2(const char *k1, val *v1, const char *k2, val *v2)
{
    val *keys[2] = {S(k1), k2 ? S(k2) : NULL}, *vals[2] = {v1, v2};
    return val_object(&A, keys, vals, k2 ? 2 : 1);
}

#define BUILTIN_ERR "eval_builtin_error"
#define TYPE_ERR "eval_type_error"

/* A member of an object by a dotted path ("0.Subject.CommonName"). */
static val *at(val *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
        ck_assert_msg(v != NULL, "no value at %s", path);
        if (val_kind_of(v) == VAL_ARRAY) {
            long i = strtol(tok, NULL, 10);
            ck_assert_msg(i >= 0 && (uint32_t)i < val_len(v), "index %s out of range in %s", tok, path);
            v = val_array_items(v)[i];
        } else {
            ck_assert_msg(val_kind_of(v) == VAL_OBJECT, "not an object at %s in %s", tok, path);
            v = val_object_get_str(v, tok, strlen(tok));
        }
    }
    ck_assert_msg(v != NULL, "no value at %s", path);
    return v;
}

static void expect_at(val *v, const char *path, const char *want)
{
    const char *got = rego_text(at(v, path));
    ck_assert_msg(strcmp(got, want) == 0, "%s:\n  got  %s\n  want %s", path, got, want);
}

/* ---- keys and certificates made here ---- */

static char *bio_string(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = arena_strndup(&A, data, (size_t)n);
    BIO_free(b);
    return s;
}

static EVP_PKEY *gen_rsa(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    ck_assert_ptr_nonnull(k);
    return k;
}

static EVP_PKEY *gen_ec(const char *curve)
{
    EVP_PKEY *k = EVP_EC_gen(curve);
    ck_assert_ptr_nonnull(k);
    return k;
}

static char *private_pem(EVP_PKEY *k, bool traditional)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (traditional)
        ck_assert(PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL) == 1);
    else
        ck_assert(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1);
    return bio_string(b);
}

static char *public_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PUBKEY(b, k) == 1);
    return bio_string(b);
}

static X509 *make_cert(EVP_PKEY *k, const char *cn, const char *san)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Verdict Test", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, k);
    if (san) {
        X509V3_CTX v3;
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
        ck_assert_ptr_nonnull(ext);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    ck_assert(X509_sign(x, k, EVP_sha256()) > 0);
    return x;
}

static char *cert_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_X509(b, x) == 1);
    return bio_string(b);
}

static char *csr_pem(EVP_PKEY *k, const char *cn, const char *san)
{
    X509_REQ *r = X509_REQ_new();
    X509_REQ_set_version(r, 0);
    X509_NAME *name = X509_REQ_get_subject_name(r);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_REQ_set_pubkey(r, k);
    if (san) {
        STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
        ck_assert_ptr_nonnull(ext);
        sk_X509_EXTENSION_push(exts, ext);
        X509_REQ_add_extensions(r, exts);
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    }
    ck_assert(X509_REQ_sign(r, k, EVP_sha256()) > 0);
    BIO *b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_X509_REQ(b, r) == 1);
    X509_REQ_free(r);
    return bio_string(b);
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    unsigned char *out = arena_alloc(&A, 4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock(out, (const unsigned char *)s, (int)n);
    return (char *)out;
}

/* ---- hashes and HMAC ---- */

START_TEST(hashes)
{
    expect("crypto.md5", S("hello"), NULL, NULL, "\"5d41402abc4b2a76b9719d911017c592\"");
    expect("crypto.sha1", S("hello"), NULL, NULL, "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\"");
    expect("crypto.sha256", S("hello"), NULL, NULL,
           "\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"");
    expect("crypto.md5", S(""), NULL, NULL, "\"d41d8cd98f00b204e9800998ecf8427e\"");
    expect_err("crypto.sha256", J("1"), NULL, NULL, TYPE_ERR, "operand 1 must be string but got number", false);

    /* cryptohmac* testdata */
    expect("crypto.hmac.md5", S("foo"), S("bar"), NULL, "\"31b6db9e5eb4addb42f1a6ca07367adc\"");
    expect("crypto.hmac.sha1", S("foo"), S("bar"), NULL, "\"85d155c55ed286a300bd1cf124de08d87e914f3a\"");
    expect("crypto.hmac.sha256", S("foo"), S("bar"), NULL,
           "\"147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851\"");
    expect("crypto.hmac.sha512", S("foo"), S("bar"), NULL,
           "\"24257d7210582a65c731ec55159c8184cc24c02489453e58587f71f44c23a2d61b4b72154a89d17b2d49448a8452ea066f4f"
           "c56a2bcead45c088572ffccdb3d8\"");
    expect("crypto.hmac.sha256", S("åäöçß\U0001F972♙Ω"), S("秘密の"), NULL,
           "\"eb90daeb76d4b2571fbdaf94bbb240809faa8fed93ec0c260dd38c3fdf8d963a\"");
    expect("crypto.hmac.sha512", S("åäöçß\U0001F972♙Ω"), S("秘密の"), NULL,
           "\"192f5afded233d6e21427aa26ed267ac118cfa2971013d91cbed530c0b208d78138b83dfe1d6cc3553d7bd518f22a481402c"
           "723028e1279d1ffbe8f11ea6b125\"");
    expect("crypto.hmac.sha256", S("message"), S(""), NULL,
           "\"eb08c1f56d5ddee07f7bdf80468083da06b64cf4fac64fe3a90883df5feacae4\"");
    expect_err("crypto.hmac.sha256", S("foo"), J("1"), NULL, TYPE_ERR, "operand 2 must be string but got number",
               false);

    expect("crypto.hmac.equal", S("31b6db9e5eb4addb42f1a6ca07367adc"), S("31b6db9e5eb4addb42f1a6ca07367adc"), NULL,
           "true");
    expect("crypto.hmac.equal", S("31b6db9e5eb4addb42f1a6ca07367adc"), S("31b6db9e5eb4addb"), NULL, "false");
    expect("crypto.hmac.equal", S("abc"), S("abd"), NULL, "false");
    expect("crypto.hmac.equal", S(""), S(""), NULL, "true");
    expect_err("crypto.hmac.equal", S("a"), J("[]"), NULL, TYPE_ERR, "operand 2 must be string but got array", false);
}
END_TEST

/* ---- X.509 ---- */

/* cryptox509parsecertificates testdata */
static const char le_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIFdzCCBF+gAwIBAgISA3NriAEus/+cvflvhVQOW5zTMA0GCSqGSIb3DQEBCwUA\n"
    "MEoxCzAJBgNVBAYTAlVTMRYwFAYDVQQKEw1MZXQncyBFbmNyeXB0MSMwIQYDVQQD\n"
    "ExpMZXQncyBFbmNyeXB0IEF1dGhvcml0eSBYMzAeFw0yMDA3MTAxNjAwMzBaFw0y\n"
    "MDEwMDgxNjAwMzBaMB4xHDAaBgNVBAMTE29wZW5wb2xpY3lhZ2VudC5vcmcwggEi\n"
    "MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCyy8HZXVTJ2TSHXYnoL+CKYpo4\n"
    "wz1wowUcdt/XBgN08f37NxaNk+VAj8GD2s6zhoHLShyYS2PVosf7xumvyG914PLp\n"
    "IHO9WmCaZMqwEyvMM/VE9dBkKfaTo78BT6aXyJmnkjpeFmBOGs3uP5bUARj3Onnr\n"
    "7Aos9j45rgrytpelYTMlLi6jVtBv5RIZuMoJ15W252t8eIgsOq57ad0Bobeyy4Tu\n"
    "GhveP0V3vUJvI3ibqH5E9cWzI2f8UtoirUNf0J3tcng8JqSOuuzWDYWrRDAzQbJY\n"
    "qKzvVDcN+ptqV7GZ6JuqHhdwgDeqBOsveDbzAAyYSVPJjRWYea8MxlM7OXbtAgMB\n"
    "AAGjggKBMIICfTAOBgNVHQ8BAf8EBAMCBaAwHQYDVR0lBBYwFAYIKwYBBQUHAwEG\n"
    "CCsGAQUFBwMCMAwGA1UdEwEB/wQCMAAwHQYDVR0OBBYEFHDweb6KprSvWrw/vR6k\n"
    "wTVpudPtMB8GA1UdIwQYMBaAFKhKamMEfd265tE5t6ZFZe/zqOyhMG8GCCsGAQUF\n"
    "BwEBBGMwYTAuBggrBgEFBQcwAYYiaHR0cDovL29jc3AuaW50LXgzLmxldHNlbmNy\n"
    "eXB0Lm9yZzAvBggrBgEFBQcwAoYjaHR0cDovL2NlcnQuaW50LXgzLmxldHNlbmNy\n"
    "eXB0Lm9yZy8wNwYDVR0RBDAwLoITb3BlbnBvbGljeWFnZW50Lm9yZ4IXd3d3Lm9w\n"
    "ZW5wb2xpY3lhZ2VudC5vcmcwTAYDVR0gBEUwQzAIBgZngQwBAgEwNwYLKwYBBAGC\n"
    "3xMBAQEwKDAmBggrBgEFBQcCARYaaHR0cDovL2Nwcy5sZXRzZW5jcnlwdC5vcmcw\n"
    "ggEEBgorBgEEAdZ5AgQCBIH1BIHyAPAAdgBep3P531bA57U2SH3QSeAyepGaDISh\n"
    "EhKEGHWWgXFFWAAAAXM5q9vDAAAEAwBHMEUCIQCRHqgrtl07Y6TryfMmQN6TNKRV\n"
    "m1LTy9vI3Mh/krbSQQIgYgVAKwXRoPR+BN1pcJbJv3Aivbh6E7L987rMSEQk5VoA\n"
    "dgCyHgXMi6LNiiBOh2b5K7mKJSBna9r6cOeySVMt74uQXgAAAXM5q9uuAAAEAwBH\n"
    "MEUCIQDdruTutQ/UchckqYQ+2p9mutnrSnnQXa8xLA41YGzZHgIgXXETFbGfns2C\n"
    "7YJ8cDoYYAjmdzMg8k7hKXQGu/KsAb4wDQYJKoZIhvcNAQELBQADggEBAGk9p5yt\n"
    "OaDIPRPk5ImpH1f6f010mULWPV5Pjn6kzMHP9z5ndMz++1NOvHV4GVBCoeuKq1bp\n"
    "FCD+IgA9pcJAEXQ/u4GpmbAKUZzmfMIb89aRgnJp0mx9Y4BBd45ExUWs8w4cfgFZ\n"
    "yZUeHvWs1anpAcR2FIZpAVMQCaIgjOt2ddR1xv4acCw+mD/B9oKfGZEUgyIANvpB\n"
    "IDabggLSwFa9OKKXRBVRAafo7Oac21HQU7E3sXphaHZGfn2F27dD/qoqUcLqr4lC\n"
    "c7lNE0YGp6r+aPo9VLcH2V0lN4t+1VbVArwKznsNdcQnwKBetgqvZrgLg4+qjo4y\n"
    "uixJY38XU/b7baU=\n"
    "-----END CERTIFICATE-----";

/* cryptox509parsecertificates-raw-uris testdata (base64 of PEM) */
static const char spiffe_cert_b64[] =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIxekNDQVh5Z0F3SUJBZ0lJZGxpT1dVY1NXM3N3Q2dZSUtvWkl6ajBFQXdJd1BURU"
    "xNQWtHQTFVRUJoTUMKUjBJeEVEQU9CZ05WQkFvVEIwVjRZVzF3YkdVeEhEQWFCZ05WQkFVVEV6RTFPREV4TnpnNU56UTJPRFkxTmpneQpO"
    "alF3SUJjTk1qTXhNVEl3TVRZMU5USTRXaGdQTWpFeU1qRXdNamN4TmpVMU1qaGFNRDB4Q3pBSkJnTlZCQVlUCkFrZENNUkF3RGdZRFZRUU"
    "tFd2RGZUdGdGNHeGxNUnd3R2dZRFZRUUZFeE00TlRJM056SXlOREE0TlRJeE5qVXoKTVRFMU1Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpq"
    "MERBUWNEUWdBRXp0UDNrQnNpQXY4UUF5eWxUalJZSFlWegpjWTB5YmpBdC9VbWpZb3Fxb0o4SEtIdXF1ckRaUmVwa05qUXdwV3pmZndZZ0"
    "xaNk42SisyVUlPdlZ0TDZEcU5rCk1HSXdEZ1lEVlIwUEFRSC9CQVFEQWdlQU1CMEdBMVVkSlFRV01CUUdDQ3NHQVFVRkJ3TUNCZ2dyQmdF"
    "RkJRY0QKQVRBTUJnTlZIUk1CQWY4RUFqQUFNQ01HQTFVZEVRUWNNQnFHR0hOd2FXWm1aVG92TDJWNFlXMXdiR1V1WTI5dApMMjl3WVRBS0"
    "JnZ3Foa2pPUFFRREFnTkpBREJHQWlFQXlRNDhPd25lTHkzMjZqYitEUjd5RjJhcS94Wnl1cW9qCitUU3ZLVVB5NEU0Q0lRQ0VMUlp3K0dW"
    "TjhJR0drVGV4MGxxTDNxY21mWldJbm15VitrbnQ0d3p3L3c9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";

static const char plain_cert_b64[] =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUNTakNDQWJPZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRMEZBREJDTVFzd0NRWURW"
    "UVFHRXdKMWN6RUwKTUFrR0ExVUVDQXdDUTBFeEVEQU9CZ05WQkFvTUIwVjRZVzF3YkdVeEZEQVNCZ05WQkFNTUMyVjRZVzF3YkdVdQpZMjl0"
    "TUI0WERUSXpNVEV5T1RFMk5ESXdPRm9YRFRJME1URXlPREUyTkRJd09Gb3dRakVMTUFrR0ExVUVCaE1DCmRYTXhDekFKQmdOVkJBZ01Ba05C"
    "TVJBd0RnWURWUVFLREFkRmVHRnRjR3hsTVJRd0VnWURWUVFEREF0bGVHRnQKY0d4bExtTnZiVENCbnpBTkJna3Foa2lHOXcwQkFRRUZBQU9C"
    "alFBd2dZa0NnWUVBempOT1puY05DL25MdEZQYwpUNnNlSzZ0ditTbU9GaGk3NVBKRm9sQ0dFZUFiTHJHTzhaUmR2cXY2OStTTk41MUhrNFBJ"
    "UDUrejk4aHZIdWJQClVtcGdOMVdVM3FKK2tOVTJXL3poR3pLMTdIL2c3YjVJTjRHZmx3bXJlRWZscnRicnZKSGRlRkVhVGtmYnVld0YKVmZv"
    "LzRiaG0yYUthczNHcUo3RnlBNDVxeVUwQ0F3RUFBYU5RTUU0d0hRWURWUjBPQkJZRUZOUStDMUVOK0dSYwpGS1dyTll6ZWdnbFc3TE9lTUI4"
    "R0ExVWRJd1FZTUJhQUZOUStDMUVOK0dSY0ZLV3JOWXplZ2dsVzdMT2VNQXdHCkExVWRFd1FGTUFNQkFmOHdEUVlKS29aSWh2Y05BUUVOQlFB"
    "RGdZRUF1cXdVVWVXbTFJaURRbmphK1hqd1VCaXUKQXBYWEx5NlFZRG9jUkhoRHlJS3BKSWRJOXltNi9RcVhkOFQ2WGlYUTJDbFNJbGxBSTBy"
    "QWJYNUZvYzNxaWRkUAp0d2huT1pxd3NZdFhUNy9XOHFLSm5FVnhZckJuRmZSdk9SU3ZlOEtwSDErVHQ2elZEYlJ5bENacTR1TTNrZXN2CmJa"
    "bXlVdlM1bldBVm44ZmhFdUU9Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0=";

/* topdown/crypto_test.go */
static const char root_ca[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBoDCCAUagAwIBAgIRAJXcMYZALXooNq/VV/grXhMwCgYIKoZIzj0EAwIwLjER\n"
    "MA8GA1UEChMIT1BBIFRlc3QxGTAXBgNVBAMTEE9QQSBUZXN0IFJvb3QgQ0EwHhcN\n"
    "MjEwNzAxMTc0MTUzWhcNMzEwNjI5MTc0MTUzWjAuMREwDwYDVQQKEwhPUEEgVGVz\n"
    "dDEZMBcGA1UEAxMQT1BBIFRlc3QgUm9vdCBDQTBZMBMGByqGSM49AgEGCCqGSM49\n"
    "AwEHA0IABFqhdZA5LjsJgzsBvhgzfayZFOk+C7PmGCi7xz6zOC3xWORJZSNOyZeJ\n"
    "YzSKFmoMZkcFMfslTW1jp9fwe1xl3HWjRTBDMA4GA1UdDwEB/wQEAwIBBjASBgNV\n"
    "HRMBAf8ECDAGAQH/AgEBMB0GA1UdDgQWBBTch60qxQvLl+AfDfcaXmjvT8GvpzAK\n"
    "BggqhkjOPQQDAgNIADBFAiBqraIP0l2U0oNuH0+rf36hDks94wSB5EGlGH3lYNMR\n"
    "ugIhANkbukX5hOP8pJDRWP/pYuv6MBnRY4BS8gpp9Vu31qOb\n"
    "-----END CERTIFICATE-----";

static const char intermediate_ca[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIByDCCAW6gAwIBAgIQC0k4DPGrh9me73EJX5zntTAKBggqhkjOPQQDAjAuMREw\n"
    "DwYDVQQKEwhPUEEgVGVzdDEZMBcGA1UEAxMQT1BBIFRlc3QgUm9vdCBDQTAeFw0y\n"
    "MTA3MDExNzQxNTNaFw0zMTA2MjkxNzQxNTNaMDYxETAPBgNVBAoTCE9QQSBUZXN0\n"
    "MSEwHwYDVQQDExhPUEEgVGVzdCBJbnRlcm1lZGlhdGUgQ0EwWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAARvXQa7fy476gDI81nqLYb2SnD459WxBmU0hk2bA3ZuNtI+\n"
    "H20KXz6ISmxH3MZ2WBm6rOy7y4Gn+WMCJuxzcl5jo2YwZDAOBgNVHQ8BAf8EBAMC\n"
    "AQYwEgYDVR0TAQH/BAgwBgEB/wIBADAdBgNVHQ4EFgQUuslZNjJl0V8I1Gj17IID\n"
    "ALy/9WEwHwYDVR0jBBgwFoAU3IetKsULy5fgHw33Gl5o70/Br6cwCgYIKoZIzj0E\n"
    "AwIDSAAwRQIgUwsYApW9Tsm6AstWswaKGie0srB4FUkUbfKwWmUI2JgCIQCBTySN\n"
    "MF+EiQAMKyz/N9KUuXEckC356WvKcyJaYYcV0w==\n"
    "-----END CERTIFICATE-----";

static const char leaf_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB8zCCAZqgAwIBAgIRAID4gPKg7DDiuOfzUYFSXLAwCgYIKoZIzj0EAwIwNjER\n"
    "MA8GA1UEChMIT1BBIFRlc3QxITAfBgNVBAMTGE9QQSBUZXN0IEludGVybWVkaWF0\n"
    "ZSBDQTAeFw0yMTA3MDUxNzQ5NTBaFw0zNjA3MDExNzQ5NDdaMCUxIzAhBgNVBAMT\n"
    "Gm5vdGFyZWFsc2l0ZS5vcGEubG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
    "AQcDQgAE1YSXZXeaGGL+XeYyoPi/QdA39Ds4fgxSHJTMh+js393kByPm2PNtFkem\n"
    "tUii3KCRJw3SEh3z0JWr/9y4+ua2L6OBmTCBljAOBgNVHQ8BAf8EBAMCB4AwHQYD\n"
    "VR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCMB0GA1UdDgQWBBRL0P0g17viZHo9\n"
    "CnXe3ZQJm48LXTAfBgNVHSMEGDAWgBS6yVk2MmXRXwjUaPXsggMAvL/1YTAlBgNV\n"
    "HREEHjAcghpub3RhcmVhbHNpdGUub3BhLmxvY2FsaG9zdDAKBggqhkjOPQQDAgNH\n"
    "ADBEAiAtmZewL94ijN0YwUGaJM9BXCaoTQPwkzugqjCj+K912QIgKKFvbPu4asrE\n"
    "nwy7dzejHmQUcZ/aUNbc4VTbiv15ESk=\n"
    "-----END CERTIFICATE-----";

static char *join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
    char *s = arena_alloc(&A, n);
    snprintf(s, n, "%s\n%s%s%s", a, b, c ? "\n" : "", c ? c : "");
    return s;
}

START_TEST(x509_parse)
{
    val *certs = ok("crypto.x509.parse_certificates", S(le_cert), NULL, NULL);
    ck_assert_uint_eq(val_len(certs), 1);
    expect_at(certs, "0.Subject.CommonName", "\"openpolicyagent.org\"");
    expect_at(certs, "0.Subject.Country", "null");
    expect_at(certs, "0.Subject.Names", "[{\"Type\": [2, 5, 4, 3], \"Value\": \"openpolicyagent.org\"}]");
    expect_at(certs, "0.Issuer.CommonName", "\"Let's Encrypt Authority X3\"");
    expect_at(certs, "0.Issuer.Organization", "[\"Let's Encrypt\"]");
    expect_at(certs, "0.Issuer.Country", "[\"US\"]");
    expect_at(certs, "0.Version", "3");
    expect_at(certs, "0.SerialNumber", "300612263563093021885461398005023342566611");
    expect_at(certs, "0.NotBefore", "\"2020-07-10T16:00:30Z\"");
    expect_at(certs, "0.NotAfter", "\"2020-10-08T16:00:30Z\"");
    expect_at(certs, "0.SignatureAlgorithm", "4");
    expect_at(certs, "0.PublicKeyAlgorithm", "1");
    expect_at(certs, "0.PublicKey.E", "65537");
    expect_at(certs, "0.KeyUsage", "5");
    expect_at(certs, "0.ExtKeyUsage", "[1, 2]");
    expect_at(certs, "0.UnknownExtKeyUsage", "null");
    expect_at(certs, "0.BasicConstraintsValid", "true");
    expect_at(certs, "0.IsCA", "false");
    expect_at(certs, "0.MaxPathLen", "-1");
    expect_at(certs, "0.MaxPathLenZero", "false");
    expect_at(certs, "0.SubjectKeyId", "\"cPB5voqmtK9avD+9HqTBNWm50+0=\"");
    expect_at(certs, "0.AuthorityKeyId", "\"qEpqYwR93brm0Tm3pkVl7/Oo7KE=\"");
    expect_at(certs, "0.DNSNames", "[\"openpolicyagent.org\", \"www.openpolicyagent.org\"]");
    expect_at(certs, "0.OCSPServer", "[\"http://ocsp.int-x3.letsencrypt.org\"]");
    expect_at(certs, "0.IssuingCertificateURL", "[\"http://cert.int-x3.letsencrypt.org/\"]");
    expect_at(certs, "0.PolicyIdentifiers", "[[2, 23, 140, 1, 2, 1], [1, 3, 6, 1, 4, 1, 44947, 1, 1, 1]]");
    expect_at(certs, "0.Policies", "[\"2.23.140.1.2.1\", \"1.3.6.1.4.1.44947.1.1.1\"]");
    expect_at(certs, "0.UnhandledCriticalExtensions", "null");
    expect_at(certs, "0.Extensions.0", "{\"Critical\": true, \"Id\": [2, 5, 29, 15], \"Value\": \"AwIFoA==\"}");
    expect_at(certs, "0.RawSubject", "\"MB4xHDAaBgNVBAMTE29wZW5wb2xpY3lhZ2VudC5vcmc=\"");
    expect_at(certs, "0.URIs", "null");
    expect_at(certs, "0.URIStrings", "null");
    expect_at(certs, "0.IPAddresses", "null");
    expect_at(certs, "0.ExtraExtensions", "null");

    /* base64 of a PEM chain: the certificates in order */
    val *chain = ok("crypto.x509.parse_certificates", S(b64(join3(root_ca, intermediate_ca, leaf_cert))), NULL, NULL);
    ck_assert_uint_eq(val_len(chain), 3);
    expect_at(chain, "0.Subject.CommonName", "\"OPA Test Root CA\"");
    expect_at(chain, "1.Subject.CommonName", "\"OPA Test Intermediate CA\"");
    expect_at(chain, "2.Subject.CommonName", "\"notarealsite.opa.localhost\"");
    expect_at(chain, "0.PublicKeyAlgorithm", "3");
    expect_at(chain, "0.SignatureAlgorithm", "10");
    expect_at(chain, "0.IsCA", "true");
    expect_at(chain, "0.MaxPathLen", "1");
    expect_at(chain, "1.MaxPathLen", "0");
    expect_at(chain, "1.MaxPathLenZero", "true");
    expect_at(chain, "0.PublicKey.Curve", "{}");
    expect_at(chain, "2.KeyUsage", "1");

    /* raw-uris testdata */
    val *spiffe = ok("crypto.x509.parse_certificates", S(spiffe_cert_b64), NULL, NULL);
    expect_at(spiffe, "0.URIStrings", "[\"spiffe://example.com/opa\"]");
    expect_at(spiffe, "0.URIs.0.Scheme", "\"spiffe\"");
    expect_at(spiffe, "0.URIs.0.Host", "\"example.com\"");
    expect_at(spiffe, "0.URIs.0.Path", "\"/opa\"");
    expect_at(spiffe, "0.URIs.0.User", "null");
    val *plain = ok("crypto.x509.parse_certificates", S(plain_cert_b64), NULL, NULL);
    expect_at(plain, "0.URIStrings", "null");

    /* DER in base64 */
    BIO *bio = BIO_new_mem_buf(leaf_cert, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    unsigned char *der = NULL;
    int dn = i2d_X509(x, &der);
    unsigned char *enc = arena_alloc(&A, 4 * ((size_t)dn + 2) / 3 + 4);
    EVP_EncodeBlock(enc, der, dn);
    OPENSSL_free(der);
    X509_free(x);
    val *fromder = ok("crypto.x509.parse_certificates", S((char *)enc), NULL, NULL);
    expect_at(fromder, "0.DNSNames", "[\"notarealsite.opa.localhost\"]");

    expect("crypto.x509.parse_certificates", S(""), NULL, NULL, "[]");
    expect_err("crypto.x509.parse_certificates", S("YmFkc3RyaW5n"), NULL, NULL, BUILTIN_ERR,
               "x509: malformed certificate", false);
    expect_err("crypto.x509.parse_certificates", S("not base64!"), NULL, NULL, BUILTIN_ERR,
               "illegal base64 data at input byte 3", false);
    expect_err("crypto.x509.parse_certificates",
               S("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAwmK6SSAu2E9V7uynkCKEaj5nZJyTvNG4x0KohsRzLpg=\n"
                 "-----END PUBLIC KEY-----"),
               NULL, NULL, BUILTIN_ERR, "PEM block type is 'PUBLIC KEY', expected CERTIFICATE", false);
    expect_err("crypto.x509.parse_certificates", J("{}"), NULL, NULL, TYPE_ERR,
               "operand 1 must be string but got object", false);
}
END_TEST

START_TEST(x509_verify)
{
    const char *chain = join3(root_ca, intermediate_ca, leaf_cert);
    val *r = ok("crypto.x509.parse_and_verify_certificates", S(chain), NULL, NULL);
    expect_at(r, "0", "true");
    ck_assert_uint_eq(val_len(at(r, "1")), 3);
    /* the verified chain, leaf first, with URIStrings */
    expect_at(r, "1.0.Subject.CommonName", "\"notarealsite.opa.localhost\"");
    expect_at(r, "1.1.Subject.CommonName", "\"OPA Test Intermediate CA\"");
    expect_at(r, "1.2.Subject.CommonName", "\"OPA Test Root CA\"");
    expect_at(r, "1.0.URIStrings", "null");

    expect("crypto.x509.parse_and_verify_certificates", S(b64(chain)), NULL, NULL, rego_text(r));
    expect("crypto.x509.parse_and_verify_certificates", S(join3(leaf_cert, intermediate_ca, root_ca)), NULL, NULL,
           "[false, []]");
    expect("crypto.x509.parse_and_verify_certificates", S(join3(root_ca, leaf_cert, NULL)), NULL, NULL,
           "[false, []]");
    expect("crypto.x509.parse_and_verify_certificates", S(leaf_cert), NULL, NULL, "[false, []]");
    expect("crypto.x509.parse_and_verify_certificates", S("YmFkc3RyaW5n"), NULL, NULL, "[false, []]");

    /* TestParseAndVerifyX509CertsWithOptions: the leaf is valid from
     * 2021-07-05T17:49:50Z (1625507390 s) to 2036-07-01T17:49:47Z. */
    const char *name = "crypto.x509.parse_and_verify_certificates_with_options";
    expect(name, S(chain), J("{\"DNSName\": \"bad.dns.com\"}"), NULL, "[false, []]");
    expect(name, S(chain), J("{\"CurrentTime\": 1625507330000000000}"), NULL, "[false, []]");
    expect(name, S(chain), J("{\"CurrentTime\": 2098459847000000000}"), NULL, "[false, []]");
    val *v = ok(name, S(chain), J("{\"CurrentTime\": 1625507390000000000}"), NULL);
    expect_at(v, "0", "true");
    /* without OPA's extension fields */
    ck_assert_ptr_null(val_object_get_str(at(v, "1.0"), "URIStrings", 10));
    expect_at(v, "1.0.Subject.CommonName", "\"notarealsite.opa.localhost\"");
    expect_at(ok(name, S(chain), J("{\"DNSName\": \"notarealsite.opa.localhost\"}"), NULL), "0", "true");
    expect_at(ok(name, S(chain),
                 J("{\"KeyUsages\": [\"KeyUsageServerAuth\", \"KeyUsageClientAuth\", \"KeyUsageCodeSigning\"]}"), NULL),
              "0", "true");
    expect(name, S(chain), J("{\"KeyUsages\": [\"KeyUsageCodeSigning\"]}"), NULL, "[false, []]");
    expect_at(ok(name, S(chain),
                 J("{\"DNSName\": \"notarealsite.opa.localhost\", \"CurrentTime\": 1625507390000000000, "
                   "\"KeyUsages\": [\"KeyUsageServerAuth\", \"KeyUsageCodeSigning\"]}"),
                 NULL),
              "0", "true");
    expect_at(ok(name, S(chain), J("{\"KeyUsages\": [\"KeyUsageAny\"], \"MaxConstraintComparisons\": 5}"), NULL),
              "0", "true");

    /* TestExtractX509VerifyOptions */
    expect_err(name, S(chain), J("{\"DNSName\": 1}"), NULL, BUILTIN_ERR, "'DNSName' should be a string", false);
    expect_err(name, S(chain), J("{\"CurrentTime\": \"string\"}"), NULL, BUILTIN_ERR,
               "'CurrentTime' should be a number", false);
    expect_err(name, S(chain), J("{\"CurrentTime\": 1.5}"), NULL, BUILTIN_ERR,
               "'CurrentTime' should be a valid int64 number", false);
    expect_err(name, S(chain), J("{\"MaxConstraintComparisons\": \"string\"}"), NULL, BUILTIN_ERR,
               "'MaxConstraintComparisons' should be a number", false);
    expect_err(name, S(chain), J("{\"KeyUsages\": \"true\"}"), NULL, BUILTIN_ERR,
               "'KeyUsages' should be an Array or Set", false);
    expect_err(name, S(chain), J("{\"InvalidKey\": \"test.com\"}"), NULL, BUILTIN_ERR, "invalid key option", false);
    expect_err(name, S(chain),
               J("{\"KeyUsages\": [\"1\", \"KeyUsageAny\", \"InvalidKeyUsage\", \"KeyUsageServerAuth\", \"2\"]}"),
               NULL, BUILTIN_ERR, "invalid entries for 'KeyUsages' found: [1 InvalidKeyUsage 2]", false);
    expect(name, S("YmFkc3RyaW5n"), J("{\"InvalidKey\": 1}"), NULL, "[false, []]");
    expect_err(name, S(chain), S("x"), NULL, TYPE_ERR, "operand 2 must be object but got string", false);
}
END_TEST

/* cryptox509parsersaprivatekey testdata */
static const char rsa_pkcs1_key[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA9D/bK4171aiTNUkrUCHKGMLSQooV+o3wdz2889h9iv0HhhBJ\n"
    "CAGU54K3duB8ofHpmYL50QodcR4RLw1vSkaI+FPdPDMyKxKj/YcmofJjz4kW+Iqw\n"
    "FbBcbMnKnEVzye+CyW9YYOTu0xWtcgen80zGp2opG0GZX86hBjjXJnjOdrJTk6x2\n"
    "NAiJIbjsQevysmj+2MyqVm8widxw0x+rGhTaCD+ZXWitN0a0WO1aaA8c/7i99I9z\n"
    "he2peKvXzEtMaqYO9ptHcYmq2z0QWvZuJVMv5Yn0mScLWyh91R099IOtn6sNaMMs\n"
    "OyTpi7E/2IlVgI2uKGPEopKkMFV8Fl2YaAbo7wIDAQABAoIBAAyMZ08ygqU0dvOq\n"
    "4a3JPp/NCo5el8h6mFsX8eg5PCHy4/sQRSBDLIpEXfaei+iqDA1V/E2wDlksaUeY\n"
    "khony4uui1Q3cSFjYMd6tRJm6JfV/DcisO88U1NHfsBOlSdPxdFhhhHcUSTJHVMZ\n"
    "b5iBXkdlnd0HnsCcVguCyhLw6/KPFyiA+NYRz68flxze7admyVp5C6i/HbMPq8Pr\n"
    "MilBUvOFtxuaGeJBAiavuzUe9I70dRwpe424tMvisSA8h7Xbm8BeN/PJHDV/2JrI\n"
    "URgQ563yQ5So/Qg8AgxXRkpgWM9zAh7r31PBO86vq/B4ZbON/TtWdcZVsAcVB4Pk\n"
    "tqc8JNkCgYEA+g8V+y92SETdcwUkbd5O9Fg5CkfdsALsBXVH6FunrCUV5HS9l5o6\n"
    "MMBbJ/08odW/bP5BmOa4A/Hbk9uG/UfQn2KQ3HCgPlxUEwQO07R1/FcQOe4xmyG6\n"
    "JpDgQ30viE1RtlCkceQWUeitCIqZsYu0i8sLZLWJH+V/07OB4G17ELMCgYEA+g1v\n"
    "hrlAFNhZvrIX/zcP3xF2pZ+AqkFXdL/tWQZkWAVToONn/LlXTH71C/TO2x+OaQRm\n"
    "qX1bA9Zhyjf1gYQN9RenjUswvggk0aY2Tk28wUqowMGSsjQHmZ20EphHNMWNJpdS\n"
    "fKFfrQIFKCnLlpQVNz+j3bLWZUnq+jPaYnJP7NUCgYEA48qcVo7c7Ga3aNEVZ3St\n"
    "bg90HrZq760pvqshDz13V+0MrWnfUFxxh/mi0KHy+uYRlMNllFkQ5p8LTP0dUlt6\n"
    "Y8dReU6r20MWX6BBtX9eP7o8ENm4nL4zqnAtq609gKgWuMNrmkiSQJl6Dx7bdY5z\n"
    "sSkNPvfUa5cQRBTxSjXRdtsCgYBHrzpdwRXh4/Q2ew/uFnbyWCtPZ96W8IyF58+/\n"
    "SdnSchR7dzYEeY3RXEQb3V6/6tgEu0JDLLC+9OKr+kbjjlwB+3oJQ5kBoYwMnj3L\n"
    "TPXj4+dk+xl3BPt4yoEpI4amVkwU2CTJnemzy3R3AyReUq2SXSg5El/sQbifaeYd\n"
    "eu/20QKBgH/5IZHGBKiRAe1ww2FzOpDtL8VXXTe3EAXKutfajrHTqPz9+lXknX/D\n"
    "UMosh264nYXYS29WqxhJVutbE9u8e0VpuY1qIN9/3R0WKfTLTMUFlZtbqTepvsy1\n"
    "W2UbK732I4Nfp0/mtUvOSdMZO8dxbSdEeMnw/Ec8QgxK9a1rRu9+\n"
    "-----END RSA PRIVATE KEY-----";

static const char rsa_pkcs1_jwk[] =
    "{\"d\": "
    "\"DIxnTzKCpTR286rhrck-n80Kjl6XyHqYWxfx6Dk8IfLj-xBFIEMsikRd9p6L6KoMDVX8TbAOWSxpR5iSGifLi66LVDdxIWNgx3q1Embol9X8"
    "NyKw7zxTU0d-wE6VJ0_F0WGGEdxRJMkdUxlvmIFeR2Wd3QeewJxWC4LKEvDr8o8XKID41hHPrx-XHN7tp2bJWnkLqL8dsw-rw-syKUFS84W3G5"
    "oZ4kECJq-7NR70jvR1HCl7jbi0y-KxIDyHtdubwF4388kcNX_YmshRGBDnrfJDlKj9CDwCDFdGSmBYz3MCHuvfU8E7zq-r8Hhls439O1Z1xlWw"
    "BxUHg-S2pzwk2Q\", \"dp\": "
    "\"48qcVo7c7Ga3aNEVZ3Stbg90HrZq760pvqshDz13V-0MrWnfUFxxh_mi0KHy-uYRlMNllFkQ5p8LTP0dUlt6Y8dReU6r20MWX6BBtX9eP7o8"
    "ENm4nL4zqnAtq609gKgWuMNrmkiSQJl6Dx7bdY5zsSkNPvfUa5cQRBTxSjXRdts\", \"dq\": "
    "\"R686XcEV4eP0NnsP7hZ28lgrT2felvCMhefPv0nZ0nIUe3c2BHmN0VxEG91ev-rYBLtCQyywvvTiq_pG445cAft6CUOZAaGMDJ49y0z14-Pn"
    "ZPsZdwT7eMqBKSOGplZMFNgkyZ3ps8t0dwMkXlKtkl0oORJf7EG4n2nmHXrv9tE\", \"e\": \"AQAB\", \"kty\": \"RSA\", \"n\": "
    "\"9D_bK4171aiTNUkrUCHKGMLSQooV-o3wdz2889h9iv0HhhBJCAGU54K3duB8ofHpmYL50QodcR4RLw1vSkaI-FPdPDMyKxKj_YcmofJjz4kW"
    "-IqwFbBcbMnKnEVzye-CyW9YYOTu0xWtcgen80zGp2opG0GZX86hBjjXJnjOdrJTk6x2NAiJIbjsQevysmj-2MyqVm8widxw0x-rGhTaCD-ZXW"
    "itN0a0WO1aaA8c_7i99I9zhe2peKvXzEtMaqYO9ptHcYmq2z0QWvZuJVMv5Yn0mScLWyh91R099IOtn6sNaMMsOyTpi7E_2IlVgI2uKGPEopKk"
    "MFV8Fl2YaAbo7w\", \"p\": "
    "\"-g8V-y92SETdcwUkbd5O9Fg5CkfdsALsBXVH6FunrCUV5HS9l5o6MMBbJ_08odW_bP5BmOa4A_Hbk9uG_UfQn2KQ3HCgPlxUEwQO07R1_FcQ"
    "Oe4xmyG6JpDgQ30viE1RtlCkceQWUeitCIqZsYu0i8sLZLWJH-V_07OB4G17ELM\", \"q\": "
    "\"-g1vhrlAFNhZvrIX_zcP3xF2pZ-AqkFXdL_tWQZkWAVToONn_LlXTH71C_TO2x-OaQRmqX1bA9Zhyjf1gYQN9RenjUswvggk0aY2Tk28wUqo"
    "wMGSsjQHmZ20EphHNMWNJpdSfKFfrQIFKCnLlpQVNz-j3bLWZUnq-jPaYnJP7NU\", \"qi\": "
    "\"f_khkcYEqJEB7XDDYXM6kO0vxVddN7cQBcq619qOsdOo_P36VeSdf8NQyiyHbridhdhLb1arGElW61sT27x7RWm5jWog33_dHRYp9MtMxQWV"
    "m1upN6m-zLVbZRsrvfYjg1-nT-a1S85J0xk7x3FtJ0R4yfD8RzxCDEr1rWtG734\"}";

/* topdown/crypto_test.go */
static const char key_pem_ec[] = "-----BEGIN EC PRIVATE KEY-----\n"
                                 "MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n"
                                 "AwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kETA6SFs38GecTyudlHz6xvCdz8q\n"
                                 "EKTcWGekdmdDPsHloRNtsiCa697B2O9IFA==\n"
                                 "-----END EC PRIVATE KEY-----";

static const char cert_pem_ec[] = "-----BEGIN CERTIFICATE-----\n"
                                  "MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw\n"
                                  "DgYDVQQKEwdBY21lIENvMB4XDTE3MTAyMDE5NDMwNloXDTE4MTAyMDE5NDMwNlow\n"
                                  "EjEQMA4GA1UEChMHQWNtZSBDbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABD0d\n"
                                  "7VNhbWvZLWPuj/RtHFjvtJBEwOkhbN/BnnE8rnZR8+sbwnc/KhCk3FhnpHZnQz7B\n"
                                  "5aETbbIgmuvewdjvSBSjYzBhMA4GA1UdDwEB/wQEAwICpDATBgNVHSUEDDAKBggr\n"
                                  "BgEFBQcDATAPBgNVHRMBAf8EBTADAQH/MCkGA1UdEQQiMCCCDmxvY2FsaG9zdDo1\n"
                                  "NDUzgg4xMjcuMC4wLjE6NTQ1MzAKBggqhkjOPQQDAgNIADBFAiEA2zpJEPQyz6/l\n"
                                  "Wf86aX6PepsntZv2GYlA5UpabfT2EZICICpJ5h/iI+i341gBmLiAFQOyTDT+/wQc\n"
                                  "6MF9+Yw1Yy0t\n"
                                  "-----END CERTIFICATE-----";

static const char key_ed25519[] = "-----BEGIN PRIVATE KEY-----\n"
                                  "MC4CAQAwBQYDK2VwBCIEIJHG93jlLLLTF6Stky5+8Q7mMpgCkYYTO12NDAzlJn3w\n"
                                  "-----END PRIVATE KEY-----\n";

static const char partially_valid_pem[] =
    "\nsomething else\n"
    "-----BEGIN PRIVATE KEY-----\n"
    " MC4CAQAwBQYDK2VwBCIEIJHG93jlLLLTF6Stky5+8Q7mMpgCkYYTO12NDAzlJn3w\n"
    "-----END PRIVATE KEY-----\n"
    "something else\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBcDCCARagAwIBAgIJAMZmuGSIfvgzMAoGCCqGSM49BAMCMBMxETAPBgNVBAMM\n"
    "CHdoYXRldmVyMB4XDTE4MDgxMDE0Mjg1NFoXDTE4MDkwOTE0Mjg1NFowEzERMA8G\n"
    "A1UEAwwId2hhdGV2ZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATPwn3WCEXL\n"
    "mjp/bFniDwuwsfu7bASlPae2PyWhqGeWwe23Xlyx+tSqxlkXYe4pZ23BkAAscpGj\n"
    "yn5gXHExyDlKo1MwUTAdBgNVHQ4EFgQUElRjSoVgKjUqY5AXz2o74cLzzS8wHwYD\n"
    "VR0jBBgwFoAUElRjSoVgKjUqY5AXz2o74cLzzS8wDwYDVR0TAQH/BAUwAwEB/zAK\n"
    "BggqhkjOPQQDAgNIADBFAiEA4yQ/88ZrUX68c6kOe9G11u8NUaUzd8pLOtkKhniN\n"
    "OHoCIHmNX37JOqTcTzGn2u9+c8NlnvZ0uDvsd1BmKPaUmjmm\n"
    "-----END CERTIFICATE-----\n"
    "something else\n"
    "-----BEGIN PRIVATE KEY-----\n"
    " MC4CAQAwBQYDK2VwBCIEIJHG93jlLLLTF6Stky5+8Q7mMpgCkYYTO12NDAzlJn3w\n"
    "-----END PRIVATE KEY-----\n"
    "something else\n";

/* The kinds of keys parse_private_keys returned, as "rsa,ec,ed". */
static const char *key_kinds(val *keys)
{
    strbuf sb = STRBUF_INIT;
    for (uint32_t i = 0; i < val_len(keys); i++) {
        val *k = val_array_items(keys)[i];
        const char *kind = val_kind_of(k) == VAL_STRING           ? "ed"
                           : val_object_get_str(k, "Primes", 6)  ? "rsa"
                           : val_object_get_str(k, "Curve", 5)   ? "ec"
                                                                  : "?";
        sb_printf(&sb, i ? ",%s" : "%s", kind);
    }
    char *s = arena_strndup(&A, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return s;
}

START_TEST(private_keys)
{
    expect("crypto.x509.parse_rsa_private_key", S(rsa_pkcs1_key), NULL, NULL, rego_text(J(rsa_pkcs1_jwk)));
    expect("crypto.x509.parse_rsa_private_key", S(b64(rsa_pkcs1_key)), NULL, NULL, rego_text(J(rsa_pkcs1_jwk)));
    expect_err("crypto.x509.parse_rsa_private_key", S("invalid"), NULL, NULL, BUILTIN_ERR,
               "illegal base64 data at input byte 4", false);
    expect_err("crypto.x509.parse_rsa_private_key", S(""), NULL, NULL, BUILTIN_ERR, "input PEM data was empty", false);
    expect("crypto.x509.parse_rsa_private_key", S(root_ca), NULL, NULL, "null");
    val *ec = ok("crypto.x509.parse_rsa_private_key", S(key_pem_ec), NULL, NULL);
    expect_at(ec, "kty", "\"EC\"");
    expect_at(ec, "crv", "\"P-256\"");
    expect_err("crypto.x509.parse_rsa_private_key", S(key_ed25519), NULL, NULL, BUILTIN_ERR,
               "invalid key type ed25519.PrivateKey", false);

    /* Test_getPrivateKeyFromPEMData */
    const char *f = "crypto.parse_private_keys";
    expect(f, S(""), NULL, NULL, "null");
    expect(f, S("nothingtoseehere"), NULL, NULL, "[]");
    ck_assert_str_eq(key_kinds(ok(f, S(rsa_pkcs1_key), NULL, NULL)), "rsa");
    ck_assert_str_eq(key_kinds(ok(f, S(b64(rsa_pkcs1_key)), NULL, NULL)), "rsa");
    ck_assert_str_eq(key_kinds(ok(f, S(key_pem_ec), NULL, NULL)), "ec");
    ck_assert_str_eq(key_kinds(ok(f, S(b64(key_pem_ec)), NULL, NULL)), "ec");
    ck_assert_str_eq(key_kinds(ok(f, S(key_ed25519), NULL, NULL)), "ed");
    ck_assert_str_eq(key_kinds(ok(f, S(b64(key_ed25519)), NULL, NULL)), "ed");
    ck_assert_str_eq(key_kinds(ok(f, S(join3(root_ca, intermediate_ca, leaf_cert)), NULL, NULL)), "");
    ck_assert_str_eq(key_kinds(ok(f, S(partially_valid_pem), NULL, NULL)), "ed,ed");
    char mixed[8192];
    snprintf(mixed, sizeof mixed, "%s\n%s\n%s\n%s", root_ca, intermediate_ca, leaf_cert, key_pem_ec);
    ck_assert_str_eq(key_kinds(ok(f, S(mixed), NULL, NULL)), "ec");
    snprintf(mixed, sizeof mixed, "%s\n%s\n%s\n%s\n%s", root_ca, intermediate_ca, leaf_cert, key_pem_ec,
             rsa_pkcs1_key);
    ck_assert_str_eq(key_kinds(ok(f, S(mixed), NULL, NULL)), "ec,rsa");
    expect_err(f,
               S("-----BEGIN PRIVATE KEY-----\n"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
                 "-----END PRIVATE KEY-----\n"),
               NULL, NULL, BUILTIN_ERR, "asn1: structure error", true);

    /* a PKCS #8 RSA key made here, and Go's JSON of *rsa.PrivateKey */
    EVP_PKEY *rsa = gen_rsa();
    val *keys = ok(f, S(private_pem(rsa, false)), NULL, NULL);
    ck_assert_str_eq(key_kinds(keys), "rsa");
    expect_at(keys, "0.E", "65537");
    expect_at(keys, "0.Precomputed.CRTValues", "[]");
    ck_assert_uint_eq(val_len(at(keys, "0.Primes")), 2);
    /* the same key as a JWK */
    val *jwk = ok("crypto.x509.parse_rsa_private_key", S(private_pem(rsa, true)), NULL, NULL);
    expect_at(jwk, "e", "\"AQAB\"");
    ck_assert_uint_eq(val_len(jwk), 9);
    EVP_PKEY_free(rsa);
    val *ed = ok(f, S(key_ed25519), NULL, NULL);
    ck_assert_uint_eq(val_len(at(ed, "0")), 88); /* base64 of 64 bytes */
}
END_TEST

START_TEST(keypair_and_csr)
{
    /* Test_parsex509KeyPair */
    val *kp = ok("crypto.x509.parse_keypair", S(cert_pem_ec), S(key_pem_ec), NULL);
    ck_assert_uint_eq(val_len(at(kp, "Certificate")), 1);
    expect_at(kp, "Leaf.Subject.Organization", "[\"Acme Co\"]");
    expect_at(kp, "Leaf.DNSNames", "[\"localhost:5453\", \"127.0.0.1:5453\"]");
    expect_at(kp, "SupportedSignatureAlgorithms", "null");
    expect_at(kp, "PrivateKey.Curve", "{}");
    /* base64 of the PEM texts */
    val *kp64 = ok("crypto.x509.parse_keypair", S(b64(cert_pem_ec)), S(b64(key_pem_ec)), NULL);
    ck_assert_str_eq(rego_text(kp64), rego_text(kp));

    EVP_PKEY *rsa = gen_rsa();
    X509 *x = make_cert(rsa, "example.com", "DNS:example.com,IP:10.0.0.1,URI:https://example.com/a?b=c#d");
    const char *pem = cert_pem(x);
    val *rkp = ok("crypto.x509.parse_keypair", S(pem), S(private_pem(rsa, false)), NULL);
    expect_at(rkp, "Leaf.Subject.CommonName", "\"example.com\"");
    expect_at(rkp, "Leaf.IPAddresses", "[\"10.0.0.1\"]");
    expect_at(rkp, "Leaf.URIs.0.Host", "\"example.com\"");
    expect_at(rkp, "Leaf.URIs.0.RawQuery", "\"b=c\"");
    expect_at(rkp, "Leaf.URIs.0.Fragment", "\"d\"");
    expect_at(rkp, "Leaf.SerialNumber", "4242");
    expect_at(rkp, "PrivateKey.E", "65537");
    /* the leaf is a cert, not extended: no URIStrings */
    ck_assert_ptr_null(val_object_get_str(at(rkp, "Leaf"), "URIStrings", 10));
    /* an RSA key in PKCS #1 form works as well */
    expect_at(ok("crypto.x509.parse_keypair", S(pem), S(private_pem(rsa, true)), NULL), "Leaf.Version", "3");

    expect_err("crypto.x509.parse_keypair", S(cert_pem_ec), S(private_pem(rsa, false)), NULL, BUILTIN_ERR,
               "tls: private key type does not match public key type", false);
    EVP_PKEY *other = gen_ec("P-256");
    expect_err("crypto.x509.parse_keypair", S(cert_pem_ec), S(private_pem(other, false)), NULL, BUILTIN_ERR,
               "tls: private key does not match public key", false);
    expect_err("crypto.x509.parse_keypair", S(key_pem_ec), S(key_pem_ec), NULL, BUILTIN_ERR,
               "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM "
               "inputs may have been switched",
               false);
    expect_err("crypto.x509.parse_keypair", S(cert_pem_ec), S(cert_pem_ec), NULL, BUILTIN_ERR,
               "tls: found a certificate rather than a key in the PEM for the private key", false);
    expect_err("crypto.x509.parse_keypair", S("not base64!"), S(key_pem_ec), NULL, BUILTIN_ERR,
               "illegal base64 data at input byte 3", false);

    /* certificate requests */
    const char *csr = csr_pem(rsa, "req.example.com", "DNS:req.example.com,email:a@example.com");
    val *r = ok("crypto.x509.parse_certificate_request", S(csr), NULL, NULL);
    expect_at(r, "Subject.CommonName", "\"req.example.com\"");
    expect_at(r, "DNSNames", "[\"req.example.com\"]");
    expect_at(r, "EmailAddresses", "[\"a@example.com\"]");
    expect_at(r, "Version", "0");
    expect_at(r, "SignatureAlgorithm", "4");
    expect_at(r, "PublicKeyAlgorithm", "1");
    expect_at(r, "Extensions.0.Id", "[2, 5, 29, 17]");
    expect_at(r, "Attributes.0.Type", "[1, 2, 840, 113549, 1, 9, 14]");
    expect("crypto.x509.parse_certificate_request", S(b64(csr)), NULL, NULL, rego_text(r));
    expect_err("crypto.x509.parse_certificate_request", S("foobar"), NULL, NULL, BUILTIN_ERR,
               "illegal base64 data at input byte 4", false);
    expect_err("crypto.x509.parse_certificate_request", S(b64(cert_pem_ec)), NULL, NULL, BUILTIN_ERR,
               "invalid PEM-encoded certificate signing request", false);
    X509_free(x);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(other);
}
END_TEST

/* ---- JWT ---- */

static const char hs_token[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_"
    "tdRXY";

START_TEST(jwt_decode)
{
    expect("io.jwt.decode", S(hs_token), NULL, NULL,
           "[{\"alg\": \"HS256\", \"typ\": \"JWT\"}, {\"iss\": \"opa\", \"sub\": \"0\"}, "
           "\"5e65682e81c8de9c4cb4c3bf59138d3122731940cff690e3cbc269d3fb5d4576\"]");
    expect_err("io.jwt.decode",
               S("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8"
                 "Jp0_tdRXY"),
               NULL, NULL, BUILTIN_ERR, "encoded JWT had no period separators", false);
    expect_err("io.jwt.decode", S("a.b"), NULL, NULL, BUILTIN_ERR, "encoded JWT must have 3 sections, found 2",
               false);
    expect_err("io.jwt.decode",
               S("eyJhbGciOiJIU^%zI1NiI+sInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDj"
                 "y8Jp0_tdRXY"),
               NULL, NULL, BUILTIN_ERR, "JWT header had invalid encoding: illegal base64 data at input byte 13", false);
    expect_err("io.jwt.decode",
               S("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwia/XNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDj"
                 "y8Jp0_tdRXY"),
               NULL, NULL, BUILTIN_ERR, "JWT payload had invalid encoding: illegal base64 data at input byte 17",
               false);
    expect_err("io.jwt.decode",
               S("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImVuYyI6ImJsYWgifQ.eyJuZXciOiJJIGFtIGEgdXNlciBjcmVhdGVkIGZpZWxkIiwi"
                 "aXNzIjoib3BhIn0.McGUb1e-UviZKy6UyQErNNQzEUgeV25Buwk7OHOa8U8"),
               NULL, NULL, BUILTIN_ERR, "JWT is a JWE object, which is not supported", false);
    /* base64url of "[]" and of "x" */
    expect_err("io.jwt.decode", S("W10.e30.e30"), NULL, NULL, BUILTIN_ERR,
               "bad JWT header: decoded JSON type was not an Object", false);
    expect_err("io.jwt.decode", S("eyJhbGciOiJIUzI1NiJ9.W10.e30"), NULL, NULL, BUILTIN_ERR,
               "decoded JSON type was not an Object", false);
    expect_err("io.jwt.decode", S("eyJhbGciOiJIUzI1NiJ9.eA.e30"), NULL, NULL, BUILTIN_ERR, "invalid JSON: ", true);
    expect_err("io.jwt.decode", J("1"), NULL, NULL, TYPE_ERR, "operand 1 must be string but got number", false);
}
END_TEST

/* jwtencodesign / jwtencodesignraw testdata */
static const char rfc7515_rsa_jwk[] =
    "{\"d\": \"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui"
    "395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0"
    "ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWj"
    "nczT0QU91p1DhOVRuOopznQ\", \"dp\": \"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9Ykxvuxd"
    "BfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0\", \"dq\": "
    "\"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cj"
    "z3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU\", \"e\": \"AQAB\", \"kty\": \"RSA\", \"n\": "
    "\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS"
    "-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2C"
    "apHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb5"
    "4h4FRWyuXpoQ\", \"p\": \"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0H"
    "w_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc\", \"q\": \"uQPEfgmVtjL0Uy"
    "yx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglf"
    "IsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc\", \"qi\": \"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQL"
    "dgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0J"
    "KSHuLFkuQ3U\"}";

static const char rfc7515_payload[] = "{\"aud\": [\"bob\", \"saul\"], \"exp\": 1300819380, "
                                      "\"http://example.com/is_root\": true, \"iss\": \"joe\", \"privateParams\": "
                                      "{\"private_one\": \"one\", \"private_two\": \"two\"}}";

static const char oct_jwk_text[] =
    "{\n\"kty\":\"oct\",\n\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9"
    "CAow\"\n}";

static const char ed_jwk_text[] = "{\"kty\":\"OKP\",\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"x\":\"wEZFfoAj1rFKTLOOmjJj"
                                  "VZlCHwksuvMb2I5y_hg70E8\",\"d\":\"9XI34uQzYUJfWhDZf_0nYsLMBRVu8a6dFsy60P8uugk\"}";

static const char raw_payload[] = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

START_TEST(jwt_encode)
{
    expect("io.jwt.encode_sign", J("{\"alg\": \"HS256\", \"typ\": \"JWT\"}"), J(rfc7515_payload), J(oct_jwk_text),
           "\"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOlsiYm9iIiwic2F1bCJdLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGF"
           "tcGxlLmNvbS9pc19yb290Ijp0cnVlLCJpc3MiOiJqb2UiLCJwcml2YXRlUGFyYW1zIjp7InByaXZhdGVfb25lIjoib25lIiwicHJpdmF0ZV"
           "90d28iOiJ0d28ifX0.-Or2eol8bzly-Ztb0v7_7UkcKBkN_aNNpK33HK0MeOY\"");
    expect("io.jwt.encode_sign", J("{\"alg\": \"RS256\"}"), J(rfc7515_payload), J(rfc7515_rsa_jwk),
           "\"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsiYm9iIiwic2F1bCJdLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvbS9pc1"
           "9yb290Ijp0cnVlLCJpc3MiOiJqb2UiLCJwcml2YXRlUGFyYW1zIjp7InByaXZhdGVfb25lIjoib25lIiwicHJpdmF0ZV90d28iOiJ0d28i"
           "fX0.kvCjo2z80h4YO3umCn3iayUXEnBGgw-Nk4-cYNPWagW4SAg34nZSonUt9Kpnc5h0s6LpJAnam1xuEezk-2VRPnu05foQdWTDKJAze-9"
           "vZ0wr0L_KyXLZaW0vVfehdGpPgJj_FqVfgnc-hXdL0RADfrKjApsrO7oHpv-Ii3u7oKwauzq5oQ2AXt4cp6ahu8VhOBGQiPXtV98Yw3U3NB"
           "etMX-I_qR6-UGsN6Z0pRO0bsdk1ANvMiHT6Y04x8nh4kzk5pfv71ACgnxrs1zxwg7YfYzm2tQXGceu7fwI9sqO_jz2c8RvMsg4u8q0js58"
           "F-gR1SVjmTyipnXv0tAGzpZnhg\"");
    expect("io.jwt.encode_sign", J("{\"alg\": \"EdDSA\", \"typ\": \"JWT\"}"), J(rfc7515_payload), J(ed_jwk_text),
           "\"eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJhdWQiOlsiYm9iIiwic2F1bCJdLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9le"
           "GFtcGxlLmNvbS9pc19yb290Ijp0cnVlLCJpc3MiOiJqb2UiLCJwcml2YXRlUGFyYW1zIjp7InByaXZhdGVfb25lIjoib25lIiwicHJpdm"
           "F0ZV90d28iOiJ0d28ifX0.T_X7SzKEehTnRdgYrDobpKO-EqZ0LW3Y-idx16wNHXCL5aiR24h2Ei0pWRHG2X2BYomwbvNwyxPcasgHqs_e"
           "BA\"");

    expect("io.jwt.encode_sign_raw", S("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"), S(raw_payload), S(oct_jwk_text),
           "\"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9le"
           "GFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\"");
    expect("io.jwt.encode_sign_raw", S("{\"typ\":\"text/plain\",\r\n \"alg\":\"HS256\"}"), S(""), S(oct_jwk_text),
           "\"eyJ0eXAiOiJ0ZXh0L3BsYWluIiwNCiAiYWxnIjoiSFMyNTYifQ..sXoGQMWwM-SmX495-htA7kndgbkwz1PnqsDeY275gnI\"");
    expect("io.jwt.encode_sign_raw", S("{\"typ\":\"text/plain\",\r\n \"alg\":\"HS256\"}"), S("e"), S(oct_jwk_text),
           "\"eyJ0eXAiOiJ0ZXh0L3BsYWluIiwNCiAiYWxnIjoiSFMyNTYifQ.ZQ.oO8Vnc4Jv7-J231a1bEcQrgXfKbNW-kEvVY7BP1v5rM\"");
    expect("io.jwt.encode_sign_raw", S("{\"alg\":\"RS256\"}"), S(raw_payload), S(rfc7515_rsa_jwk),
           "\"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb2"
           "90Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5j"
           "ujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZR"
           "mB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5A"
           "XLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw\"");
    expect("io.jwt.encode_sign_raw", S("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}"),
           S("{\"iss\":\"joe\",\"exp\":1300819380,\"http://example.com/is_root\":true}"), S(ed_jwk_text),
           "\"eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqb2UiLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvb"
           "S9pc19yb290Ijp0cnVlfQ.jS1so-rsTaC8DdA8_ZnFXYbi9xOrMVXOviMFrahQ7ez0UKKzjU-2vxrM0ON-Vu3GXKhtBkkO3SUtNMoeYw3"
           "zDQ\"");

    /* jwtencodesignheadererrors, jwtencodesignpayloaderrors */
    const char *raw = "io.jwt.encode_sign_raw";
    expect_err(raw, S("{\"typ:\"JWT\",\r\n \"alg\":\"HS256\"}"), S(raw_payload), S(oct_jwk_text), BUILTIN_ERR,
               "missing or invalid 'alg' header: cannot parse JSON", true);
    expect_err(raw, S("{\"alg\":\"dummy\"}"), S(raw_payload), S(oct_jwk_text), BUILTIN_ERR,
               "unknown JWS algorithm: dummy", false);
    expect_err(raw, S("{}"), S(raw_payload), S(oct_jwk_text), BUILTIN_ERR,
               "missing or invalid 'alg' header: jwsbb: header \"alg\" not found", false);
    expect_err(raw, S(""), S(raw_payload), S(oct_jwk_text), BUILTIN_ERR,
               "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string", true);
    expect_err(raw, S("e"), S(raw_payload), S(oct_jwk_text), BUILTIN_ERR,
               "missing or invalid 'alg' header: jwsbb: header \"alg\" not found", false);
    expect_err(raw, S("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"),
               S("{\"iss:\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"), S(oct_jwk_text),
               BUILTIN_ERR, "type is JWT but payload is not JSON", false);
    expect_err(raw, S("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"), S("e"), S(oct_jwk_text), BUILTIN_ERR,
               "type is JWT but payload is not JSON", false);
    expect_err(raw, S("{\"alg\":\"HS256\"}"), S("e"), S(oct_jwk_text), BUILTIN_ERR,
               "type is JWT but payload is not JSON", false);
    expect_err(raw, S("{\"alg\":\"HS256\"}"), S("{}"), S("{\"keys\": []}"), BUILTIN_ERR, "no keys found in JWK set",
               false);
    expect_err(raw, S("{\"alg\":\"RS256\"}"), S("{}"), S(oct_jwk_text), BUILTIN_ERR,
               "jwsbb.Sign: invalid key type jwk.symmetricKey. *rsa.PrivateKey is required", false);
    expect_err(raw, J("1"), S("{}"), S(oct_jwk_text), TYPE_ERR, "operand 1 must be string but got number", false);
    expect_err(raw, S("{}"), S("{}"), J("{}"), TYPE_ERR, "operand 3 must be string but got object", false);
}
END_TEST

/* Sign with a key made here (as a JWK, through parse_rsa_private_key), then
 * verify with its public PEM and with a certificate of it. */
static void sign_and_verify(EVP_PKEY *k, const char *alg, const char *verify_fn, const char *wrong_fn)
{
    val *jwk = ok("crypto.x509.parse_rsa_private_key", S(private_pem(k, false)), NULL, NULL);
    char hdr[64];
    snprintf(hdr, sizeof hdr, "{\"alg\": \"%s\", \"typ\": \"JWT\"}", alg);
    val *token = ok("io.jwt.encode_sign", J(hdr), J("{\"iss\": \"verdict\", \"n\": 1}"), jwk);
    const char *pub = public_pem(k);
    expect(verify_fn, token, S(pub), NULL, "true");
    X509 *x = make_cert(k, "signer", NULL);
    expect(verify_fn, token, S(cert_pem(x)), NULL, "true");
    X509_free(x);
    if (wrong_fn)
        expect(wrong_fn, token, S(pub), NULL, "false");
    /* a private JWK does not verify: OPA wants a public key */
    strbuf sb = STRBUF_INIT;
    json_write(&sb, jwk, 0);
    val *priv_jwk = S(sb.data);
    sb_free(&sb);
    expect(verify_fn, token, priv_jwk, NULL, "false");
    /* the token with another signature does not verify */
    char *bad = arena_strndup(&A, val_str(token), val_len(token));
    size_t n = strlen(bad);
    bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
    expect(verify_fn, S(bad), S(pub), NULL, "false");
    /* decode_verify with the public key */
    val *keys[2] = {S("cert"), S("iss")}, *vals[2] = {S(pub), S("verdict")};
    val *cobj = val_object(&A, keys, vals, 2);
    val *dv = ok("io.jwt.decode_verify", token, cobj, NULL);
    expect_at(dv, "0", "true");
    expect_at(dv, "2", "{\"iss\": \"verdict\", \"n\": 1}");
    char ahdr[64];
    snprintf(ahdr, sizeof ahdr, "\"%s\"", alg);
    expect_at(dv, "1.alg", ahdr);
}

START_TEST(jwt_verify)
{
    /* jwtverifyhs* testdata */
    expect("io.jwt.verify_hs256",
           S("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJhenAiOiJhbGljZSIsInN1Ym9yZGluYXRlcyI6W10sImhy"
             "IjpmYWxzZX0.rz3jTY033z-NrKfwrK89_dcLF7TN4gwCMj-fVBDyLoM"),
           S("secret"), NULL, "true");
    expect("io.jwt.verify_hs256",
           S("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJhenAiOiJhbGljZSIsInN1Ym9yZGluYXRlcyI6W10sImhy"
             "IjpmYWxzZX0.rz3jTY033z-NrKfwrK89_dcLF7TN4gwCMj-fVBDyLoM"),
           S("wrong"), NULL, "false");
    expect("io.jwt.verify_hs512",
           S("eyJhbGciOiJIUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.F6-xviRhK2OLcJJHFivhQqMN_d"
             "gX5boDrwbVKkdo9flQQNk-AaKpH3uYycFvBEd_erVefcsri_PkL4fjLSZ7ZA"),
           S("secret"), NULL, "true");
    expect_err("io.jwt.verify_hs384", S("eyJhbGciOiJIUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0"),
               S("secret"), NULL, BUILTIN_ERR, "encoded JWT must have 3 sections, found 2", false);
    expect_err("io.jwt.verify_hs256", S(hs_token), J("1"), NULL, TYPE_ERR, "operand 2 must be string but got number",
               false);

    /* tokens_test.go: TestBuiltinJWTVerify_TokenCache */
    const char *hs384 = "eyJhbGciOiJIUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.g98lHYzuqINVppLMoEZT7jlp"
                        "X0IBSo9zKGoN9DhQg7Ua3YjLXbJMjzESjIHXOGLB";
    expect("io.jwt.verify_hs384", S(hs384), S("secret"), NULL, "true");
    expect("io.jwt.verify_hs384", S(hs384), S("bad_secret"), NULL, "false");
    expect("io.jwt.verify_hs256", S(hs384), S("secret"), NULL, "false");
    const char *ps256 =
        "eyJ0eXAiOiAiSldUIiwgImFsZyI6ICJQUzI1NiJ9.eyJuYmYiOiAxNDQ0NDc4NDAwLCAiZm9vIjogImJhciJ9.i0F3MHWzOsBNLqjQzK1UVeQid9"
        "xPMowCoUsoM-C2BDxUY-FMKmCeJ1NJ4TGnS9HzFK1ftEvRnPT7EOxOkHPoCk1rz3feTFgtHtNzQqLM1IBTnz6aHHOrda_bKPHH9ZIYCRQUPXhp"
        "C90ivW_IJR-f7Z1WLrMXaJ71i1XteruENHrJJJDn0HedHG6N0VHugBHrak5k57cbE31utAdx83TEd8v2Y8wAkCJXKrdmTa-8419LNxW_yjkvoD"
        "D53n3X5CHhYkSymU77p0v6yWO38qDWeKJ-Fm_PrMAo72_rizDBj_yPa5LA3bT_EnsgZtC-sp8_SCDIH41bjiCGpRHhqgZmyw";
    const char *ps256_jwk =
        "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"kid\":\"bf688c97-bf51-49ba-b9d3-115195bb0eb8\",\"n\":\"uJApsyzFv-Y85M5Jje"
        "zHvMDw_spgVCI7BqpYhnzK3xXw1dnkz1bWXGA9yF6AeADlE-1yc1ozrAURTnFSihIgj414i3MC2_0FkNcdAbnX7d9q9_jdCkHda4HER0zzXCaHlg"
        "nzoAz6edUU800-h0LleLnfgg4UST-0DFTCIGpfTbs7OPSy2WgT1vP6xbB45CUOJA7o0q6XE-hdhWWN0plrDiYD-0Y1SpOQYXmHhSmr-WVeKeoh5_"
        "0zeEVab6TQYec_16ByEyepaZB0g6WyGkFE6aG1NrpvDd24s_h7BAJg_S2mtu1lKWEqYjOgwzEl5XQQyXbpnq1USb12ArX16rZdew\"}";
    expect("io.jwt.verify_ps256", S(ps256), S(ps256_jwk), NULL, "true");
    expect("io.jwt.verify_rs256", S(ps256), S(ps256_jwk), NULL, "false");
    /* decode_verify: the same token and key, and OPA's time checks */
    val *c1 = obj2("cert", S(ps256_jwk), "time", J("1444478400000000000"));
    expect("io.jwt.decode_verify", S(ps256), c1, NULL,
           "[true, {\"alg\": \"PS256\", \"typ\": \"JWT\"}, {\"foo\": \"bar\", \"nbf\": 1444478400}]");
    expect("io.jwt.decode_verify", S(ps256), obj2("cert", S(ps256_jwk), "time", J("1444478399000000000")), NULL,
           "[false, {}, {}]");
    /* as in OPA the time is a float64: a nanosecond before nbf rounds to nbf */
    expect_at(ok("io.jwt.decode_verify", S(ps256), obj2("cert", S(ps256_jwk), "time", J("1444478399999999999")), NULL),
              "0", "true");

    /* jwtverifyeddsa testdata */
    expect("io.jwt.verify_eddsa",
           S("eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUs"
             "ImlhdCI6MTUxNjIzOTAyMn0.JkKWCY39IdWEQttmdqR7VdsvT-_QxheW_eb0S5wr_j83ltux_JDUIXs7a3Dtn3xuqzuhetiuJrWIvy5Tz"
             "imeCg"),
           S("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAwmK6SSAu2E9V7uynkCKEaj5nZJyTvNG4x0KohsRzLpg=\n-----END PUBLIC "
             "KEY-----"),
           NULL, "true");

    /* jwtverifyrsa testdata: ES256 against a certificate and a JWK */
    const char *es_token = "eyJ0eXAiOiAiSldUIiwgImFsZyI6ICJFUzI1NiJ9.eyJuYmYiOiAxNDQ0NDc4NDAwLCAiaXNzIjogInh4eCJ9.lArc"
                           "zfN-pIL8oUU-7PU83u-zfXougXBZj6drFeKFsPEoVhy9WAyiZlRshYqjTSXdaw8yw2L-ovt4zTUZb2PWMg";
    const char *es_cert =
        "-----BEGIN CERTIFICATE-----\nMIIBcDCCARagAwIBAgIJAMZmuGSIfvgzMAoGCCqGSM49BAMCMBMxETAPBgNVBAMM\nCHdoYXRldm"
             "VyMB4XDTE4MDgxMDE0Mjg1NFoXDTE4MDkwOTE0Mjg1NFowEzERMA8G\nA1UEAwwId2hhdGV2ZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBw"
             "NCAATPwn3WCEXL\nmjp/bFniDwuwsfu7bASlPae2PyWhqGeWwe23Xlyx+tSqxlkXYe4pZ23BkAAscpGj\nyn5gXHExyDlKo1MwUTAdBgN"
             "VHQ4EFgQUElRjSoVgKjUqY5AXz2o74cLzzS8wHwYD\nVR0jBBgwFoAUElRjSoVgKjUqY5AXz2o74cLzzS8wDwYDVR0TAQH/BAUwAwEB/z"
             "AK\nBggqhkjOPQQDAgNIADBFAiEA4yQ/88ZrUX68c6kOe9G11u8NUaUzd8pLOtkKhniN\nOHoCIHmNX37JOqTcTzGn2u9+c8NlnvZ0uDv"
             "sd1BmKPaUmjmm\n-----END CERTIFICATE-----\n";
    expect("io.jwt.verify_es256", S(es_token), S(es_cert), NULL, "true");
    expect("io.jwt.verify_es256", S(es_token),
           S("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"z8J91ghFy5o6f2xZ4g8LsLH7u2wEpT2ntj8loahnlsE\",\"y\":\"7bdeXLH61K"
             "rGWRdh7ilnbcGQACxykaPKfmBccTHIOUo\"}"),
           NULL, "true");
    /* the wrong algorithm family, and a bad certificate (jwtverifyrsa testdata) */
    expect("io.jwt.verify_rs256", S(es_token),
           S("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"z8J91ghFy5o6f2xZ4g8LsLH7u2wEpT2ntj8loahnlsE\",\"y\":\"7bdeXLH61K"
             "rGWRdh7ilnbcGQACxykaPKfmBccTHIOUo\"}"),
           NULL, "false");
    expect_err("io.jwt.verify_rs256", S(es_token),
               S("-----BEGIN CERTIFICATE-----\ndeadiDCCA3ACCQCGV6XsfG/oRTANBgkqhkiG9w0BAQUFADCBhTELMAkGA1UEBhMC\n"
                 "-----END CERTIFICATE-----"),
               NULL, BUILTIN_ERR, "failed to parse a PEM certificate", true);
    expect_err("io.jwt.verify_rs256", S(es_token), S("-----BEGIN FOO-----\nAAAA\n-----END FOO-----"), NULL,
               BUILTIN_ERR, "failed to extract a Key from the PEM certificate", false);
    expect_err("io.jwt.verify_rs256", S(es_token), S("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\nextra"), NULL,
               BUILTIN_ERR, "extra data after a PEM certificate block", false);
    expect_err("io.jwt.verify_rs256", S(es_token), S("the wrong key"), NULL, BUILTIN_ERR,
               "failed to parse a JWK key (set): ", true);

    /* jwtverifyrsa testdata: tokens and keys from OPA */
    const char *ps384_tok =
        "eyJhbGciOiJQUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.EHPUvPr6uJOYqdza95WbM1SYD8atZHJE"
        "VRggpwOWnHGsjQBoEarJb8QgW7TY22OXwGw2HWluTiyT_MAz02NaHRzZv6AgrmxCLChMWkCHLwPxqjs0xSvVAMLzHHq2X2Bcujo9KORGudR7"
        "zKz8pOX5Mfnm7Z6OGtqPCPLaIdVJlddNsG6a571NOuVuDWbcg0omeRDANZpCZMJeAQN2M-4Q61ef6zcQHK1R-QqzBhw6HzMgqR1LRJ0xbrmD"
        "-L5o53JM3pV1e1juKNXVK3vWkDQRCQORFn1lyH5isfSsiiHW-x90sUC7TrU_cOji4MMmOCME6kkwxe57ZgpeXtdVTvldpw";
    expect("io.jwt.verify_ps384", S(ps384_tok),
           S("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7clVh9hRPHFPC0XAKx+E\n8A4QThXJiRdv"
             "C670Tm3Gw2LGnuqxMG8tGkYEsY0xDIMhgY66AUpdtsDkgPd5MMeK\nbqX1xKm8MsJ/RYcigW/zl0EoJT5sK6Zs0LTyRswR53C/jz40YT36"
             "opsH+2SDygAI\nCM/TuqaRoRP8eAreOOI7YVCAWbhuXFF4YIjwUHSENyvPEIYFcHLn02ZDR4+Ikg34\nZVRQx1Y143dgf8hjg48r9E8goVd"
             "GATRozL+2BS1piBVBcyvuqjUsbuHMz7UZMn8G\nldhlvzwU+X/H3OnyoEGepOgSyuvqYtIj4eU1Is8h7arbnlg26yfsH3SYpUEvA/hB\nqwI"
             "DAQAB\n-----END PUBLIC KEY-----"),
           NULL, "true");
    expect("io.jwt.verify_ps384", S(ps384_tok),
           S("{\"kty\":\"RSA\",\"n\":\"7clVh9hRPHFPC0XAKx-E8A4QThXJiRdvC670Tm3Gw2LGnuqxMG8tGkYEsY0xDIMhgY66AUpdtsDkgP"
             "d5MMeKbqX1xKm8MsJ_RYcigW_zl0EoJT5sK6Zs0LTyRswR53C_jz40YT36opsH-2SDygAICM_TuqaRoRP8eAreOOI7YVCAWbhuXFF4YIjwU"
             "HSENyvPEIYFcHLn02ZDR4-Ikg34ZVRQx1Y143dgf8hjg48r9E8goVdGATRozL-2BS1piBVBcyvuqjUsbuHMz7UZMn8GldhlvzwU-X_H3Ony"
             "oEGepOgSyuvqYtIj4eU1Is8h7arbnlg26yfsH3SYpUEvA_hBqw\",\"e\":\"AQAB\"}"),
           NULL, "true");
    expect("io.jwt.verify_ps256", S(ps384_tok),
           S("{\"kty\":\"RSA\",\"n\":\"7clVh9hRPHFPC0XAKx-E8A4QThXJiRdvC670Tm3Gw2LGnuqxMG8tGkYEsY0xDIMhgY66AUpdtsDkgP"
             "d5MMeKbqX1xKm8MsJ_RYcigW_zl0EoJT5sK6Zs0LTyRswR53C_jz40YT36opsH-2SDygAICM_TuqaRoRP8eAreOOI7YVCAWbhuXFF4YIjwU"
             "HSENyvPEIYFcHLn02ZDR4-Ikg34ZVRQx1Y143dgf8hjg48r9E8goVdGATRozL-2BS1piBVBcyvuqjUsbuHMz7UZMn8GldhlvzwU-X_H3Ony"
             "oEGepOgSyuvqYtIj4eU1Is8h7arbnlg26yfsH3SYpUEvA_hBqw\",\"e\":\"AQAB\"}"),
           NULL, "false");
    const char *rs512_tok =
        "eyJhbGciOiJSUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.VSe3qK5Gp0Q0_5nRgMFu25yw74FIgX-k"
        "XPOemSi62l-AxeVdUw8rOpEFrSTCaVjd3mPfKb-B056a-gtrbpXK9sUQnFdqdsyt8gHK-umz5lVyWfoAgj51Ontv-9K_pRORD9wqKqdTLZjC"
        "xJ5tyKoO0gY3SwwqSqGrp85vUjvEcK3jbMKINGRUNnOokeSm7byUEJsfKVUbPboSX1TGyvjDOZxxSITj8-bzZZ3F21DJ23N2IiJN7FW8Xj-S"
        "YyphXo-ML50o5bjW9YlQ5BDk-RW1I4eE-KpsxhApPv_xIgE8d89PVtXFuoJtv0yLRaZ1q04Fl9KNoMyZrmr349yppn0JlQ";
    const char *rs_jwk =
        "{\"kty\":\"RSA\",\"n\":\"3kZsoF_3zjlLuVpvdTxTaLBwxtQsxvWtYigY1HjIIvW110nFH2rT5rDZcW-erkotEV1LLyZmP8sZCCIUcmqc"
        "VuPY9onQDN0hhi9ZzmX_13aQx2LABRWdt-xxm_AzhJP6d8Qhb9LR_4kPpCz9-hDNfrZ-gX1F3SZ1cr5EitojDXkWOwOAzF-7Bl9_S17FSYgqJCA"
        "vBNEFBa0o76wJvXoyhLT6I8naOHN1VMS35hbsjF6A9235NSb-YtieUY7aJo4CuszQr4GM6bKYqHRwoZM5VF_MpNmKpQB1913SQPeC2gxNpDV4jk"
        "JxZFG_BrD-4ZhG8BrTFBEInvo34CqZcSePQQ\",\"e\":\"AQAB\"}";
    expect("io.jwt.verify_rs512", S(rs512_tok), S(rs_jwk), NULL, "true");
    expect("io.jwt.verify_rs384", S(rs512_tok), S(rs_jwk), NULL, "false");
    expect("io.jwt.verify_rs384",
           S("eyJhbGciOiJSUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.b__y2zjqMoD7iWbHeQ0lNpnche3ph5-A"
             "wrIQICLMQQGtEz9WMBteHydkC5g01bm3TBX1d04Z5IEOsuK6btAtWma04c5NYqaUyNEUJKYCFoY02uH0jGdGfL6R5Kkv0lkNvN0s3Nex9jMa"
             "VVgqx8bcrOU0uRBFT67sXcm11LHaB9BwKFslolzHClxgXy5RIZb4OFk_7Yk7xTC6PcvEWkkGR9uXBhfDEig5WqdwOWPeulimvARDw14U35rz"
             "eh9xpGAPjBKeE-y20fXAk0cSF1H69C-Qa1jDQheYIrAJ6XMYGNZWuay5-smmeefe67eweEt1q-AD1NFepqkmZX382DGuYQ"),
           S(rs_jwk), NULL, "true");
    const char *es512_tok =
        "eyJhbGciOiJFUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.AYpssEoEqq9We9aKsnRykpECAVEOBRJJ"
        "u8UgDzoL-F8fmB2LPxpS4Gl7D-9wAO5AJt4-9YSsgOb5FLc20MrZN30AAFYopZf75T1pEJQFrdDmOKT45abbrorcR7G_AHDbhBdDNM_R6GojY"
        "Fg_HPxHndof745Yq5Tfw9PpJc-9kSyk6kqO";
    const char *es512_cert =
        "-----BEGIN CERTIFICATE-----\nMIICWDCCAbmgAwIBAgIBAjAKBggqhkjOPQQDBDBWMQswCQYDVQQGEwJVUzEVMBMG\nA1UEBxMMUmVkd29v"
        "ZCBDaXR5MQ4wDAYDVQQKEwVTdHlyYTEMMAoGA1UECxMDRGV2\nMRIwEAYDVQQDEwlsb2NhbGhvc3QwHhcNMjAwNTA3MTA1NDM3WhcNMjAwNTA3M"
        "TI1\nNDM3WjBWMQswCQYDVQQGEwJVUzEVMBMGA1UEBxMMUmVkd29vZCBDaXR5MQ4wDAYD\nVQQKEwVTdHlyYTEMMAoGA1UECxMDRGV2MRIwEAY"
        "DVQQDEwlsb2NhbGhvc3QwgZsw\nEAYHKoZIzj0CAQYFK4EEACMDgYYABAHLm3IMD/88vC/S1cCTyjrCjwHIGsjibFBw\nPBXt36YKCjUdS7jiJ"
        "JR5YQVPypSv7gPaKKn1E8CqkfVdd3rrp1TocAEms4XvigtW\nZBZzffw9xyZCgmtQ2dTHsufi/5W/Yx8N3Uw+D2wl1LKcJraouo+qgamGfuou6"
        "WbA\noPEtdOg0+B4jF6M1MDMwDgYDVR0PAQH/BAQDAgWgMBMGA1UdJQQMMAoGCCsGAQUF\nBwMBMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwQ"
        "DgYwAMIGIAkIAzAAYDqMghX3S\n8UbS8s5TPAztJy9oNXFra5V8pPlUdNFc2ov2LN++scW46wCb/cJUyEc58sY7xFuK\nI5sCOkv95N8CQgFXm"
        "u354LZJ31zIovuUA8druOPe3TDnxMGwEEm2Lt43JNuhzNyP\nhJYh9/QKfe2AiwrLXEG4VVOIXdjq7vexl87evg==\n-----END CERTIFICATE"
        "-----";
    expect("io.jwt.verify_es512", S(es512_tok), S(es512_cert), NULL, "true");
    expect("io.jwt.verify_es384", S(es512_tok), S(es512_cert), NULL, "false");

    /* TestParseTokenConstraints "Cert": the key of the ES256 certificate */
    val *escert = ok("crypto.x509.parse_certificates", S(es_cert), NULL, NULL);
    expect_at(escert, "0.PublicKey.X",
              "93972396475896295007420866984362817466437468849683641949772509307414969292481");
    expect_at(escert, "0.PublicKey.Y",
              "107522129390303731470649803857323234528277922483871370419241231060712645212490");

    /* TestTopDownJWTEncodeSignES256 / ES512: RFC 7515 A.3 and A.4 keys; the
     * signatures are random, so verify them with the public halves */
    val *es256 = ok("io.jwt.encode_sign_raw", S("{\"alg\":\"ES256\"}"), S(raw_payload),
                    S("{\n    \"kty\":\"EC\",\n    \"crv\":\"P-256\",\n    \"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                      "\n    \"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\n    \"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1f"
                      "CE9-E9LI\"\n  }"));
    expect("io.jwt.verify_es256", es256,
           S("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN"
             "_tue659LNpXW6pCyStikYjKIWI5a0\"}"),
           NULL, "true");
    ck_assert_uint_eq(strlen(strrchr(val_str(es256), '.') + 1), 86); /* r||s, 64 bytes */
    val *es512 = ok("io.jwt.encode_sign_raw", S("{\"alg\":\"ES512\"}"), S(raw_payload),
                    S("{\n\"kty\":\"EC\",\n\"crv\":\"P-521\",\n\"x\":\"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_N"
                      "jFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk\",\n\"y\":\"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd"
                      "0AZMaZmh9ubmf63e3kyMj2\",\n\"d\":\"AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPAxerEzgdRhajnu0ferB0d5"
                      "3vM9mE15j2C\"\n}"));
    expect("io.jwt.verify_es512", es512,
           S("{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLF"
             "V1jSfS9tsz4qUxcWceqwQGk\",\"y\":\"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9u"
             "bmf63e3kyMj2\"}"),
           NULL, "true");
    ck_assert_uint_eq(strlen(strrchr(val_str(es512), '.') + 1), 176); /* r||s, 132 bytes */

    /* keys made here, every algorithm */
    EVP_PKEY *rsa = gen_rsa();
    sign_and_verify(rsa, "RS256", "io.jwt.verify_rs256", "io.jwt.verify_rs384");
    sign_and_verify(rsa, "RS384", "io.jwt.verify_rs384", "io.jwt.verify_rs512");
    sign_and_verify(rsa, "RS512", "io.jwt.verify_rs512", "io.jwt.verify_ps512");
    sign_and_verify(rsa, "PS256", "io.jwt.verify_ps256", "io.jwt.verify_rs256");
    sign_and_verify(rsa, "PS384", "io.jwt.verify_ps384", "io.jwt.verify_ps256");
    sign_and_verify(rsa, "PS512", "io.jwt.verify_ps512", NULL);
    EVP_PKEY *p256 = gen_ec("P-256"), *p384 = gen_ec("P-384"), *p521 = gen_ec("P-521");
    sign_and_verify(p256, "ES256", "io.jwt.verify_es256", "io.jwt.verify_rs256");
    sign_and_verify(p384, "ES384", "io.jwt.verify_es384", "io.jwt.verify_es256");
    sign_and_verify(p521, "ES512", "io.jwt.verify_es512", NULL);

    /* a key set: the key with the token's kid is the one used */
    val *jwk = ok("crypto.x509.parse_rsa_private_key", S(private_pem(rsa, false)), NULL, NULL);
    val *token = ok("io.jwt.encode_sign", J("{\"alg\": \"RS256\", \"kid\": \"k2\"}"), J("{\"a\": 1}"), jwk);
    char set[4096];
    snprintf(set, sizeof set, "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"k1\", \"n\": \"%s\", \"e\": \"AQAB\"}, "
                              "{\"kty\": \"RSA\", \"kid\": \"k2\", \"n\": \"%s\", \"e\": \"AQAB\"}]}",
             "sGu-fYVE2nq2dPxJlqAMI0Z8G3FD0XcWDnD8mkfO1ddKRGuUQZmfj4gWeZGyIk3cnuoy7KJCEqa3daXc08QHuFZyfn0rH33t8_AF",
             val_str(at(jwk, "n")));
    expect("io.jwt.verify_rs256", token, S(set), NULL, "true");
    snprintf(set, sizeof set, "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"k2\", \"n\": \"%s\", \"e\": \"AQAB\"}, "
                              "{\"kty\": \"RSA\", \"kid\": \"k1\", \"n\": \"%s\", \"e\": \"AQAB\"}]}",
             "sGu-fYVE2nq2dPxJlqAMI0Z8G3FD0XcWDnD8mkfO1ddKRGuUQZmfj4gWeZGyIk3cnuoy7KJCEqa3daXc08QHuFZyfn0rH33t8_AF",
             val_str(at(jwk, "n")));
    expect("io.jwt.verify_rs256", token, S(set), NULL, "false");
    /* keys whose alg differs from the token's are skipped */
    snprintf(set, sizeof set, "{\"keys\": [{\"kty\": \"RSA\", \"alg\": \"PS256\", \"n\": \"%s\", \"e\": \"AQAB\"}]}",
             val_str(at(jwk, "n")));
    val *token2 = ok("io.jwt.encode_sign", J("{\"alg\": \"RS256\"}"), J("{\"a\": 1}"), jwk);
    expect("io.jwt.verify_rs256", token2, S(set), NULL, "false");
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(p521);
}
END_TEST

START_TEST(jwt_decode_verify)
{
    const char *f = "io.jwt.decode_verify";
    /* jwtdecodeverify hs256 float cases */
    const char *nbf_tok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4eHgiLCJuYmYiOjEuNTg5Mzg1NzcwMTIzNGUrMDl9.lv"
                          "rsV1nam-BZr0SomWwsr4dBfu6BDrR2FzQ1iS_Xnrw";
    expect(f, S(nbf_tok), obj2("secret", S("secret"), "time", J("1589385770023400000")), NULL, "[false, {}, {}]");
    expect(f, S(nbf_tok), obj2("secret", S("secret"), "time", J("1589385770123400000")), NULL,
           "[true, {\"alg\": \"HS256\", \"typ\": \"JWT\"}, {\"iss\": \"xxx\", \"nbf\": 1.5893857701234e+09}]");
    expect_at(ok(f, S(nbf_tok), obj2("secret", S("secret"), "time", J("1589385771123400000")), NULL), "0", "true");
    const char *exp_tok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjMwMDAuMiwiaXNzIjoieHh4In0.XUen7GtDmICV3O1ngso"
                          "O-tQrjrXtOgJI06oGW0nQSIM";
    expect_at(ok(f, S(exp_tok), obj2("secret", S("secret"), "time", J("2000000000000.1")), NULL), "0", "true");
    expect(f, S(exp_tok), obj2("secret", S("secret"), "time", J("4000000000000.1")), NULL, "[false, {}, {}]");
    expect(f, S(exp_tok), obj2("secret", S("the wrong key"), NULL, NULL), NULL, "[false, {}, {}]");
    /* no time constraint: the evaluation's time (2023), long after 3000.2 s */
    expect(f, S(exp_tok), obj2("secret", S("secret"), NULL, NULL), NULL, "[false, {}, {}]");

    /* tokens signed here: iss, aud, exp, nbf against the evaluation time */
    val *oct = J("{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}"); /* "secret" */
    val *t1 = ok("io.jwt.encode_sign", J("{\"alg\": \"HS384\"}"),
                 J("{\"iss\": \"a\", \"aud\": [\"x\", \"y\"], \"exp\": 1800000000, \"nbf\": 1600000000}"), oct);
    expect(f, t1, obj2("secret", S("secret"), "aud", S("y")), NULL,
           "[true, {\"alg\": \"HS384\"}, {\"aud\": [\"x\", \"y\"], \"exp\": 1800000000, \"iss\": \"a\", \"nbf\": "
           "1600000000}]");
    expect(f, t1, obj2("secret", S("secret"), NULL, NULL), NULL, "[false, {}, {}]"); /* aud present, no constraint */
    expect(f, t1, obj2("secret", S("secret"), "aud", S("z")), NULL, "[false, {}, {}]");
    val *cons3k[3] = {S("secret"), S("aud"), S("iss")}, *cons3v[3] = {S("secret"), S("x"), S("b")};
    expect(f, t1, val_object(&A, cons3k, cons3v, 3), NULL, "[false, {}, {}]");
    cons3v[2] = S("a");
    expect_at(ok(f, t1, val_object(&A, cons3k, cons3v, 3), NULL), "0", "true");
    expect(f, t1, obj2("secret", S("secret"), "alg", S("HS256")), NULL, "[false, {}, {}]");
    val *t2 = ok("io.jwt.encode_sign", J("{\"alg\": \"HS256\"}"), J("{\"exp\": \"soon\"}"), oct);
    expect_err(f, t2, obj2("secret", S("secret"), NULL, NULL), NULL, BUILTIN_ERR, "exp value must be a number", false);
    val *t3 = ok("io.jwt.encode_sign", J("{\"alg\": \"HS256\"}"), J("{\"nbf\": null}"), oct);
    expect_err(f, t3, obj2("secret", S("secret"), NULL, NULL), NULL, BUILTIN_ERR, "nbf value must be a number", false);
    /* a critical header parameter that is not understood */
    val *t4 = ok("io.jwt.encode_sign", J("{\"alg\": \"HS256\", \"crit\": [\"junk\"], \"junk\": 1}"), J("{}"), oct);
    expect(f, t4, obj2("secret", S("secret"), NULL, NULL), NULL, "[false, {}, {}]");
    val *t5 = ok("io.jwt.encode_sign", J("{\"alg\": \"HS256\", \"crit\": []}"), J("{}"), oct);
    expect_err(f, t5, obj2("secret", S("secret"), NULL, NULL), NULL, BUILTIN_ERR, "crit: must be a nonempty list",
               false);
    val *t6 = ok("io.jwt.encode_sign", J("{\"alg\": \"HS256\", \"kid\": 7}"), J("{}"), oct);
    expect_err(f, t6, obj2("secret", S("secret"), NULL, NULL), NULL, BUILTIN_ERR, "kid: must be a string", false);
    /* nested: the outer token's payload is the inner token */
    val *inner = ok("io.jwt.encode_sign", J("{\"alg\": \"HS256\"}"), J("{\"iss\": \"inner\"}"), oct);
    val *outer = ok("io.jwt.encode_sign_raw", S("{\"alg\": \"HS256\", \"cty\": \"JWT\", \"typ\": \"JOSE\"}"), inner,
                    S("{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}"));
    expect(f, outer, obj2("secret", S("secret"), NULL, NULL), NULL,
           "[true, {\"alg\": \"HS256\"}, {\"iss\": \"inner\"}]");

    /* tokens_test.go: constraint errors */
    expect_err(f, S(hs_token), obj2("foo", S("bar"), "secret", S("s")), NULL, BUILTIN_ERR,
               "unknown token validation constraint: foo", false);
    expect_err(f, S(hs_token), J("{}"), NULL, BUILTIN_ERR, "no key constraint", false);
    expect_err(f, S(hs_token), obj2("secret", S(""), NULL, NULL), NULL, BUILTIN_ERR, "no key constraint", false);
    expect_err(f, S(hs_token), obj2("cert", S("{\"kty\": \"oct\", \"k\": \"YQ\"}"), "secret", S("s")), NULL,
               BUILTIN_ERR, "duplicate key constraints", false);
    expect_err(f, S(hs_token), obj2("cert", J("1"), NULL, NULL), NULL, BUILTIN_ERR,
               "cert constraint: must be a string", false);
    expect_err(f, S(hs_token), obj2("secret", J("1"), NULL, NULL), NULL, BUILTIN_ERR,
               "secret constraint: must be a string", false);
    expect_err(f, S(hs_token), obj2("iss", J("[]"), "secret", S("s")), NULL, BUILTIN_ERR,
               "iss constraint: must be a string", false);
    expect_err(f, S(hs_token), obj2("secret", S("s"), "time", S("now")), NULL, BUILTIN_ERR,
               "token time constraint: must be a number", false);
    expect_err(f, S(hs_token), obj2("secret", S("s"), "time", J("-1")), NULL, BUILTIN_ERR,
               "token time constraint: must not be negative", false);
    expect_err(f, S(hs_token), J("[]"), NULL, TYPE_ERR, "operand 2 must be object but got array", false);
    expect_err(f, J("1"), obj2("secret", S("s"), NULL, NULL), NULL, TYPE_ERR, "operand 1 must be string but got number",
               false);
    /* a JWK set with an oct key verifies HMAC tokens */
    val *t7 = ok("io.jwt.encode_sign", J("{\"alg\": \"HS256\"}"), J("{\"x\": true}"), oct);
    expect_at(ok(f, t7, obj2("cert", S("{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}"), NULL, NULL), NULL),
              "0", "true");
}
END_TEST

/* ---- JSON Schema ---- */

/* Document and schema as JSON texts (strings), as policies often pass them. */
static val *match(const char *doc, const char *schema)
{
    return ok("json.match_schema", S(doc), S(schema), NULL);
}

START_TEST(json_schema)
{
    /* jsonschema_test.go */
    expect("json.verify_schema", S("{}"), NULL, NULL, "[true, null]");
    expect("json.verify_schema", S("{ \"a\": \""), NULL, NULL, "[false, \"jsonschema: invalid JSON string\"]");
    expect("json.verify_schema",
           S("{\"properties\": {\"id\": {\"type\": \"integer\"}}, \"required\": [\"id\"]}"), NULL, NULL,
           "[true, null]");
    expect("json.verify_schema", S("{\"properties\": {\"id\": {\"type\": \"UNKNOWN\"}}, \"required\": [\"id\"]}"), NULL,
           NULL,
           "[false, \"jsonschema: has a primitive type that is NOT VALID -- given: /UNKNOWN/ Expected valid values "
           "are:[array boolean integer number null object string]\"]");
    expect("json.verify_schema", J("{\"type\": \"boolean\"}"), NULL, NULL, "[true, null]");
    expect("json.verify_schema", J("1"), NULL, NULL,
           "[false, \"jsonschema: wrong type, expected string or object\"]");
    expect("json.match_schema", S("{}"), S("{}"), NULL, "[true, []]");
    expect("json.match_schema", S("{ \"id\": 5 }"), S("{\"properties\": {\"id\": {\"type\": \"integer\"}}}"), NULL,
           "[true, []]");
    expect("json.match_schema", S("{ \"id\": \"test\" }"),
           S("{\"properties\": {\"id\": {\"type\": \"integer\"}}, \"required\": [\"id\"]}"), NULL,
           "[false, [{\"desc\": \"Invalid type. Expected: integer, given: string\", \"error\": \"id: Invalid type. "
           "Expected: integer, given: string\", \"field\": \"id\", \"type\": \"invalid_type\"}]]");
    expect_err("json.match_schema", S("{}"), S("{ \"a\": \""), NULL, BUILTIN_ERR, "invalid JSON string", false);
    expect_err("json.match_schema", S("{ \"a\": \""), S("{}"), NULL, BUILTIN_ERR, "invalid JSON string", false);
    expect_err("json.match_schema", S("{ \"id\": 5 }"), S("{\"properties\": {\"id\": {\"type\": \"UNKNOWN\"}}}"), NULL,
               BUILTIN_ERR,
               "has a primitive type that is NOT VALID -- given: /UNKNOWN/ Expected valid values are:[array boolean "
               "integer number null object string]",
               false);
    expect_err("json.match_schema", J("1"), S("{}"), NULL, BUILTIN_ERR, "wrong type, expected string or object", false);

    /* schema errors, as gojsonschema words them */
    const char *v = "json.verify_schema";
    expect(v, J("{\"type\": [\"string\", \"string\"]}"), NULL, NULL,
           "[false, \"jsonschema: string type is duplicated\"]");
    expect(v, J("{\"type\": 1}"), NULL, NULL,
           "[false, \"jsonschema: Invalid type. Expected: type, given: string/array of strings\"]");
    expect(v, J("{\"minLength\": -1}"), NULL, NULL,
           "[false, \"jsonschema: minLength must be greater than or equal to 0\"]");
    expect(v, J("{\"minLength\": 1.5}"), NULL, NULL, "[false, \"jsonschema: minLength must be of an integer\"]");
    expect(v, J("{\"minLength\": 3, \"maxLength\": 2}"), NULL, NULL,
           "[false, \"jsonschema: minLength cannot be greater than maxLength\"]");
    expect(v, J("{\"multipleOf\": 0}"), NULL, NULL,
           "[false, \"jsonschema: multipleOf must be strictly greater than 0\"]");
    expect(v, J("{\"minimum\": \"1\"}"), NULL, NULL, "[false, \"jsonschema: minimum must be of a number\"]");
    expect(v, J("{\"required\": [\"a\", \"a\"]}"), NULL, NULL, "[false, \"jsonschema: required items must be unique\"]");
    expect(v, J("{\"required\": \"a\"}"), NULL, NULL, "[false, \"jsonschema: required must be of an array\"]");
    expect(v, J("{\"enum\": [1, 1.0]}"), NULL, NULL, "[false, \"jsonschema: enum items must be unique\"]");
    expect(v, J("{\"pattern\": \"(\"}"), NULL, NULL, "[false, \"jsonschema: pattern must be a valid regex\"]");
    expect(v, J("{\"patternProperties\": {\"(\": {}}}"), NULL, NULL,
           "[false, \"jsonschema: Invalid regex pattern '('\"]");
    expect(v, J("{\"properties\": {\"a\": 1}}"), NULL, NULL,
           "[false, \"jsonschema: Expected: valid schema, given: Invalid JSON\"]");
    expect(v, J("{\"$schema\": \"http://json-schema.org/draft-04/schema#\", \"not\": true}"), NULL, NULL,
           "[false, \"jsonschema: Expected: valid schema, given: Invalid JSON\"]");
    expect(v, J("{\"$schema\": \"http://json-schema.org/draft-04/schema#\", \"exclusiveMinimum\": true}"), NULL, NULL,
           "[false, \"jsonschema: exclusiveMinimum cannot be used without minimum\"]");
    expect(v, J("{\"$ref\": \"#/definitions/missing\"}"), NULL, NULL,
           "[false, \"jsonschema: Object has no key 'definitions'\"]");
    expect(v, J("{\"definitions\": {}, \"$ref\": \"#/definitions/missing\"}"), NULL, NULL,
           "[false, \"jsonschema: Object has no key 'missing'\"]");
    expect(v, J("{\"$ref\": \"other.json\"}"), NULL, NULL,
           "[false, \"jsonschema: Reference other.json must be canonical\"]");
    expect(v, J("{\"definitions\": {\"a\": 1}}"), NULL, NULL,
           "[false, \"jsonschema: Invalid type. Expected: array of schemas, given: definitions\"]");
    expect(v, J("[]"), NULL, NULL, "[false, \"jsonschema: schema is invalid\"]");
    expect(v, S("true"), NULL, NULL, "[true, null]");

    /* validation errors */
    expect_at(match("{\"a\": 1}", "{\"required\": [\"b\"]}"), "1.0.error", "\"(root): b is required\"");
    expect_at(match("{\"a\": 1}", "{\"required\": [\"b\"]}"), "1.0.field", "\"(root)\"");
    expect_at(match("{\"a\": 1}", "{\"additionalProperties\": false}"), "1.0.desc",
              "\"Additional property a is not allowed\"");
    expect_at(match("[1, 2, 1]", "{\"uniqueItems\": true}"), "1.0.desc", "\"array items[0,2] must be unique\"");
    expect_at(match("[1, 2]", "{\"maxItems\": 1}"), "1.0.desc", "\"Array must have at most 1 items\"");
    expect_at(match("\"abc\"", "{\"maxLength\": 2}"), "1.0.desc", "\"String length must be less than or equal to 2\"");
    expect_at(match("\"åäö\"", "{\"maxLength\": 3}"), "0", "true");
    expect_at(match("\"abc\"", "{\"pattern\": \"^a\\\\d\"}"), "1.0.desc", "\"Does not match pattern '^a\\\\d'\"");
    expect_at(match("\"a1\"", "{\"pattern\": \"^a\\\\d\"}"), "0", "true");
    expect_at(match("7", "{\"multipleOf\": 0.5}"), "0", "true");
    expect_at(match("7.25", "{\"multipleOf\": 0.5}"), "1.0.desc", "\"Must be a multiple of 0.5\"");
    expect_at(match("10", "{\"maximum\": 5}"), "1.0.desc", "\"Must be less than or equal to 5\"");
    expect_at(match("5", "{\"exclusiveMaximum\": 5}"), "1.0.desc", "\"Must be less than 5\"");
    expect_at(match("1", "{\"minimum\": 1.5}"), "1.0.desc", "\"Must be greater than or equal to 1.5\"");
    expect_at(match("1", "{\"minimum\": 2000000}"), "1.0.desc", "\"Must be greater than or equal to 2e+06\"");
    expect_at(match("1", "{\"minimum\": 1, \"exclusiveMinimum\": true}"), "1.0.desc", "\"Must be greater than 1\"");
    expect_at(match("1.5", "{\"type\": \"integer\"}"), "1.0.desc",
              "\"Invalid type. Expected: integer, given: number\"");
    expect_at(match("1.0", "{\"type\": \"integer\"}"), "0", "true");
    expect_at(match("null", "{\"type\": [\"string\", \"object\"]}"), "1.0.desc",
              "\"Invalid type. Expected: [string,object], given: null\"");
    expect_at(match("\"x\"", "{\"enum\": [\"a\", 1]}"), "1.0.desc",
              "\"(root) must be one of the following: \\\"a\\\", 1\"");
    expect_at(match("{\"k\": 2}", "{\"properties\": {\"k\": {\"const\": 1.0}}}"), "1.0.error",
              "\"k: k does not match: 1\"");
    expect_at(match("\"x\"", "{\"enum\": []}"), "1.0.desc", "\"(root) must be one of the following: (none)\"");
    expect_at(match("{\"a\": [1, {\"b\": \"x\"}]}",
                    "{\"properties\": {\"a\": {\"items\": {\"properties\": {\"b\": {\"type\": \"number\"}}}}}}"),
              "1.0.field", "\"a.1.b\"");
    expect_at(match("\"x\"", "{\"anyOf\": [{\"type\": \"number\"}, {\"minLength\": 2}]}"), "1",
              "[{\"desc\": \"Must validate at least one schema (anyOf)\", \"error\": \"(root): Must validate at least "
              "one schema (anyOf)\", \"field\": \"(root)\", \"type\": \"number_any_of\"}, {\"desc\": \"String length "
              "must be greater than or equal to 2\", \"error\": \"(root): String length must be greater than or equal "
              "to 2\", \"field\": \"(root)\", \"type\": \"string_gte\"}]");
    expect_at(match("1", "{\"oneOf\": [{\"type\": \"number\"}, {\"minimum\": 0}]}"), "1.0.type", "\"number_one_of\"");
    expect_at(match("1", "{\"allOf\": [{\"type\": \"number\"}, {\"minimum\": 2}]}"), "1",
              "[{\"desc\": \"Must be greater than or equal to 2\", \"error\": \"(root): Must be greater than or equal "
              "to 2\", \"field\": \"(root)\", \"type\": \"number_gte\"}, {\"desc\": \"Must validate all the schemas "
              "(allOf)\", \"error\": \"(root): Must validate all the schemas (allOf)\", \"field\": \"(root)\", "
              "\"type\": \"number_all_of\"}]");
    expect_at(match("1", "{\"not\": {\"type\": \"number\"}}"), "1.0.desc", "\"Must not validate the schema (not)\"");
    expect_at(match("{\"a\": 1}", "{\"dependencies\": {\"a\": [\"b\"]}}"), "1.0.desc", "\"Has a dependency on b\"");
    expect_at(match("3", "{\"if\": {\"minimum\": 2}, \"then\": {\"multipleOf\": 2}}"), "1.0.type",
              "\"condition_then\"");
    expect_at(match("1", "{\"if\": {\"minimum\": 2}, \"else\": {\"const\": 0}}"), "1.0.type", "\"condition_else\"");
    expect_at(match("[\"a\"]", "{\"contains\": {\"type\": \"number\"}}"), "1.0.desc",
              "\"At least one of the items must match\"");
    expect_at(match("{\"Ab\": 1}", "{\"propertyNames\": {\"pattern\": \"^[a-z]+$\"}}"), "1.0.desc",
              "\"Property name of \\\"Ab\\\" does not match\"");
    expect_at(match("{\"x1\": \"s\"}", "{\"patternProperties\": {\"^x\\\\d$\": {\"type\": \"number\"}}, "
                                       "\"additionalProperties\": false}"),
              "1.0.field", "\"x1\"");
    expect_at(match("[1, \"a\", true]", "{\"items\": [{\"type\": \"number\"}], \"additionalItems\": false}"), "1.0.desc",
              "\"No additional items allowed on array\"");
    expect_at(match("1", "false"), "1.0.desc", "\"False always fails validation\"");
    expect_at(match("\"2020-02-30\"", "{\"format\": \"date\"}"), "1.0.desc", "\"Does not match format 'date'\"");
    expect_at(match("\"2020-02-29T10:00:00.5+01:00\"", "{\"format\": \"date-time\"}"), "0", "true");
    expect_at(match("\"someone@example.com\"", "{\"format\": \"email\"}"), "0", "true");
    expect_at(match("\"not an email\"", "{\"format\": \"email\"}"), "0", "false");
    expect_at(match("\"10.0.0.256\"", "{\"format\": \"ipv4\"}"), "0", "false");
    expect_at(match("\"::1\"", "{\"format\": \"ipv6\"}"), "0", "true");
    expect_at(match("\"https://example.com/x\"", "{\"format\": \"uri\"}"), "0", "true");
    expect_at(match("\"/relative\"", "{\"format\": \"uri\"}"), "0", "false");
    expect_at(match("\"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"", "{\"format\": \"uuid\"}"), "0", "true");
    expect_at(match("\"a-b.example\"", "{\"format\": \"hostname\"}"), "0", "true");
    expect_at(match("\"-a\"", "{\"format\": \"hostname\"}"), "0", "false");
    expect_at(match("\"/a~1b\"", "{\"format\": \"json-pointer\"}"), "0", "true");
    expect_at(match("\"anything\"", "{\"format\": \"no-such-format\"}"), "0", "true");
    /* $ref within the document, recursion, and $id */
    const char *tree = "{\"definitions\": {\"node\": {\"type\": \"object\", \"properties\": {\"kids\": {\"type\": "
                       "\"array\", \"items\": {\"$ref\": \"#/definitions/node\"}}, \"v\": {\"type\": \"number\"}}}}, "
                       "\"$ref\": \"#/definitions/node\"}";
    expect_at(match("{\"v\": 1, \"kids\": [{\"v\": 2, \"kids\": []}]}", tree), "0", "true");
    expect_at(match("{\"v\": 1, \"kids\": [{\"v\": \"x\"}]}", tree), "1.0.field", "\"kids.0.v\"");
    expect_at(match("{\"a\": \"x\"}", "{\"$id\": \"http://example.com/root.json\", \"properties\": {\"a\": {\"$ref\": "
                                       "\"#/definitions/n\"}}, \"definitions\": {\"n\": {\"type\": \"number\"}}}"),
              "1.0.field", "\"a\"");
    expect_at(match("{\"a\": \"x\"}", "{\"properties\": {\"a\": {\"$ref\": \"item.json\"}}, \"definitions\": {\"i\": "
                                       "{\"$id\": \"item.json\", \"type\": \"string\"}}}"),
              "0", "true");
    /* a $ref cycle that never consumes the document stops with an error */
    expect_at(match("1", "{\"definitions\": {\"a\": {\"$ref\": \"#/definitions/b\"}, \"b\": {\"$ref\": "
                         "\"#/definitions/a\"}}, \"$ref\": \"#/definitions/a\"}"),
              "1.0.type", "\"internal\"");
    /* Rego collections as documents */
    val *set = val_set(&A, (val *[]){J("1"), J("2")}, 2);
    expect("json.match_schema", set, J("{\"type\": \"array\", \"items\": {\"type\": \"number\"}}"), NULL, "[true, []]");
}
END_TEST

Suite *suite_builtins_crypto(void);

Suite *suite_builtins_crypto(void)
{
    Suite *s = suite_create("builtins_crypto");
    TCase *tc = tcase_create("crypto");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, builtin_teardown);
    tcase_add_test(tc, hashes);
    tcase_add_test(tc, x509_parse);
    tcase_add_test(tc, x509_verify);
    tcase_add_test(tc, private_keys);
    tcase_add_test(tc, keypair_and_csr);
    tcase_add_test(tc, jwt_decode);
    tcase_add_test(tc, jwt_encode);
    tcase_add_test(tc, jwt_verify);
    tcase_add_test(tc, jwt_decode_verify);
    tcase_add_test(tc, json_schema);
    suite_add_tcase(s, tc);
    return s;
}
