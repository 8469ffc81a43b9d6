/* base64.h — Go's encoding/base64, as OPA's builtins (base64.*, base64url.*),
 * the crypto/JWT code (PEM, JWK, JWS) and bundle signatures use it. */
#ifndef VERDICT_BASE64_H
#define VERDICT_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

extern const char base64_std[];     /* StdEncoding's alphabet */
extern const char base64_url[];     /* URLEncoding's alphabet */

/* Encodes s[0..n) into out, which needs base64_encoded_len(n) bytes (no
 * NUL is written); '=' padding when pad.  Returns the length written. */
size_t base64_encode(char *out, const unsigned char *s, size_t n, const char *alpha, bool pad);
static inline size_t base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }
/* The same, appended to a strbuf. */
void base64_put(strbuf *sb, const unsigned char *s, size_t n, const char *alpha, bool pad);

/* Go's non-strict Decode: '\r' and '\n' are skipped anywhere, trailing bits
 * are ignored, padding is required when padded.  dst needs n/4*3+3 bytes.
 * Returns -1 on success (*dn bytes written), else the offset Go reports in
 * "illegal base64 data at input byte N". */
long base64_decode(const char *src, size_t n, const char *alpha, bool padded, unsigned char *dst, size_t *dn);

#endif
