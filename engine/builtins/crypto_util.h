/* crypto_util.h — helpers shared by the crypto, jwt and jsonschema builtin
 * groups: a pool that frees OpenSSL objects on every path (also when the
 * arena's out-of-memory jump passes through a builtin), Go's base64 and PEM
 * decoders, a small DER reader, and JSON text building for results shaped as
 * Go's encoding/json prints Go structs.  Private to engine/builtins. */
#ifndef VERDICT_BUILTINS_CRYPTO_UTIL_H
#define VERDICT_BUILTINS_CRYPTO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../base64.h"

/* ---- resources freed on every path ---- */

typedef enum cx_kind {
    CX_FREE,        /* malloc'd memory */
    CX_PKEY,        /* EVP_PKEY */
    CX_X509,        /* X509 */
    CX_X509_STORE,
    CX_X509_STORE_CTX,
    CX_STACK_X509,  /* STACK_OF(X509), shallow (elements owned elsewhere) */
    CX_STACK_X509_POP, /* STACK_OF(X509), elements freed too */
    CX_BN,
    CX_MD_CTX,
    CX_PKEY_CTX,
    CX_STRBUF,      /* strbuf (its data freed, the struct malloc'd) */
    CX_CUSTOM,      /* a function of the caller's */
} cx_kind;

typedef struct cx_pool cx_pool;

/* Register obj to be freed with the pool; returns obj.  NULL obj is ignored
 * (returns NULL).  If the pool cannot grow, obj is freed at once and NULL is
 * returned, so callers treat it as the failure it is. */
void *cx_own(cx_pool *p, cx_kind kind, void *obj);
void *cx_own_fn(cx_pool *p, void (*fn)(void *), void *obj);
/* Free obj now if the pool owns it (and forget it). */
void cx_drop(cx_pool *p, void *obj);
/* malloc owned by the pool; NULL on failure. */
void *cx_malloc(cx_pool *p, size_t n);
/* A fresh strbuf owned by the pool. */
strbuf *cx_strbuf(cx_pool *p);

typedef bi_status (*cx_fn)(bi_ctx *c, val *const *args, val **out, cx_pool *p);
/* Call fn with a fresh pool, freeing the pool afterwards on every path: a
 * return, or the arena's out-of-memory jump (which is passed on). */
bi_status cx_run(bi_ctx *c, val *const *args, val **out, cx_fn fn);

/* ---- bytes ---- */

typedef struct cx_bytes {
    unsigned char *p;
    size_t n;
} cx_bytes;

/* Decode into pool memory; on failure sets err (the Go message) and returns false. */
bool cx_b64_decode_std(cx_pool *p, const char *s, size_t n, cx_bytes *out, char *err, size_t errn);
/* OPA's base64url.decode: accepts missing padding. */
bool cx_b64_decode_opa_url(cx_pool *p, const char *s, size_t n, cx_bytes *out, char *err, size_t errn);
/* Hex into a strbuf (base64: base64_put). */
void cx_hex_put(strbuf *sb, const unsigned char *s, size_t n);

/* ---- PEM, as Go's encoding/pem.Decode ---- */

typedef struct cx_pem {
    char *type;         /* NUL-terminated, pool memory */
    cx_bytes bytes;     /* pool memory */
} cx_pem;

/* Decode the first PEM block of data[0..n).  Returns true and sets *blk and
 * *rest (offset into data) when one is found; false (and *rest = 0) when
 * there is none, as Go returns (nil, data). */
bool cx_pem_decode(cx_pool *p, const char *data, size_t n, cx_pem *blk, size_t *rest);
bool cx_has_prefix(const char *s, size_t n, const char *prefix);

/* ---- DER ---- */

typedef struct cx_der {
    const unsigned char *p;
    size_t n;
} cx_der;

/* Read one TLV (single-byte tags, definite lengths).  tag is the identifier
 * byte; body its contents; full the whole TLV.  Advances in. */
bool cx_der_read(cx_der *in, unsigned *tag, cx_der *body, cx_der *full);
/* Read one TLV that must have the given tag. */
bool cx_der_expect(cx_der *in, unsigned tag, cx_der *body);
bool cx_der_peek(const cx_der *in, unsigned tag);
/* OID body -> arcs; returns count or -1 (arcs beyond int are rejected). */
int cx_oid_arcs(cx_der oid, long *arcs, int max);
bool cx_oid_is(cx_der oid, const char *dotted);
void cx_oid_put_dotted(strbuf *sb, cx_der oid);
void cx_oid_put_array(strbuf *sb, cx_der oid);  /* JSON array of ints */
/* INTEGER body -> int64 (false if too large). */
bool cx_der_int64(cx_der body, int64_t *v);
/* INTEGER body (two's complement) -> decimal text into sb. */
void cx_der_int_put_decimal(strbuf *sb, cx_der body);

/* ---- JSON text ---- */

void cx_json_str(strbuf *sb, const char *s, size_t n);
void cx_json_cstr(strbuf *sb, const char *s);
void cx_json_key(strbuf *sb, bool *first, const char *key);   /* ,"key": */
void cx_json_b64(strbuf *sb, const unsigned char *s, size_t n); /* Go []byte */
void cx_json_bn(strbuf *sb, const BIGNUM *bn);                  /* big.Int */
/* Parse JSON text into the arena (the strbuf is left to its owner). */
val *cx_json_val(bi_ctx *c, const strbuf *sb);

/* A value's string, NUL-terminated (arena copy when it holds NULs). */
static inline bool cx_is_str(const val *v) { return val_kind_of(v) == VAL_STRING; }

/* Go's %v of a []string: "[a b]". */
void cx_go_strings(strbuf *sb, const char *const *items, size_t n);

#endif
