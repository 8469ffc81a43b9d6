/* http_internal.h — what the files of the "http" builtin group share:
 * a received HTTP response held in malloc'd memory (so it can outlive an
 * evaluation in the inter-query cache), the cache itself (http_cache.c),
 * the request and error shapes and the client that sends a request
 * (http_client.c), and the AWS request signer (http_aws.c).  Private to
 * engine/builtins. */
#ifndef VERDICT_BUILTINS_HTTP_INTERNAL_H
#define VERDICT_BUILTINS_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../builtins.h"

/* ---- a response, as received ---- */

typedef struct hc_header {
    char *name;             /* lower-cased, as OPA reports response header names */
    char *value;            /* surrounding blanks trimmed */
} hc_header;

typedef struct hc_response {
    int status_code;
    char *status;           /* "200 OK", Go's Response.Status */
    hc_header *headers;     /* in the order received */
    size_t nheaders, capheaders;
    char *body;             /* body_len bytes, NUL-terminated */
    size_t body_len;
} hc_response;

/* All return NULL / false when memory runs out. */
hc_response *hc_response_new(void);
void hc_response_free(hc_response *r);
hc_response *hc_response_copy(const hc_response *r);
bool hc_response_add_header(hc_response *r, const char *name, size_t nn, const char *value, size_t vn);
/* The first value of a header (name lower-case), as Go's Header.Get; NULL if absent. */
const char *hc_response_header(const hc_response *r, const char *lname);
void hc_response_del_header(hc_response *r, const char *lname);
/* Bytes the response accounts for in the cache. */
size_t hc_response_size(const hc_response *r);

/* ---- the inter-query cache (process-wide, thread-safe, size-bounded) ----
 * Keys are the canonical text of http.send's request key object.  Entries
 * are evicted first-in first-out when the byte budget is exceeded, as OPA's
 * inter-query cache does; an entry larger than the budget is not stored. */

/* A copy of the entry for key (caller frees) and its expiry (Unix ns;
 * INT64_MIN for "stale from the start", Go's zero time), or NULL when there
 * is none. */
hc_response *hc_get(const char *key, size_t klen, int64_t *expires_at);
/* Store a copy of r under key, replacing what was there. */
void hc_put(const char *key, size_t klen, const hc_response *r, int64_t expires_at);
void hc_delete(const char *key, size_t klen);

/* ---- errors, in OPA's four shapes ----
 * http.send reports an error differently depending on where OPA's Go code
 * made it: an operand error (eval_type_error), an *Error built by
 * handleHTTPSendErr (already "http.send: ..."), a plain Go error, or a
 * *url.Error from the client.  With raise_error false the first two show
 * their code in the message and the last gets the network error code. */
typedef enum http_err_kind {
    HE_NONE = 0,
    HE_TYPE,        /* builtins.ErrOperand: eval_type_error "operand 1 ..." */
    HE_WRAPPED,     /* an *Error made by handleHTTPSendErr (code in type_code) */
    HE_RAW,         /* a plain Go error returned as is */
    HE_NET,         /* a *url.Error from the HTTP client */
} http_err_kind;

typedef struct http_err {
    http_err_kind kind;
    bool type_code;         /* HE_WRAPPED: eval_type_error rather than eval_builtin_error */
    bool timeout;           /* HE_NET: the client timed out; `alt` is OPA's raised wording */
    bool uncached;          /* raised while reading a body: OPA does not remember it */
    char msg[1024];
    char alt[1024];
} http_err;

void http_err_set(http_err *e, http_err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- a request, as OPA's createHTTPRequest reads it (http.c) ---- */

typedef struct req_header {
    char *name;             /* canonical ("X-Foo") */
    char *value;
} req_header;

typedef struct http_req {
    char *method;           /* upper-cased; "" means GET */
    char *url;
    char *body;             /* body_len bytes (JSON of "body", or "raw_body") */
    size_t body_len;
    req_header *headers;
    size_t nheaders;
    bool enable_redirect;
    bool insecure;
    char *ca_pem;           /* extra trusted roots (PEM), or NULL for the system's */
    size_t ca_len;
    bool ca_with_system;    /* ca_pem adds to the system roots (tls_use_system_certs) */
    char *cert_pem, *key_pem;   /* client certificate, or NULL */
    size_t cert_len, key_len;
    char *server_name;      /* TLS server name, or NULL */
    int64_t timeout_ns;     /* <= 0: none */
} http_req;

void http_req_free(http_req *r);
const req_header *http_req_header(const http_req *r, const char *canon);

/* ---- the client (http_client.c) ---- */

/* executeHTTPRequest: send r (following redirects when it asks for that),
 * retrying transport errors `retries` times with OPA's backoff.  extra
 * names up to two more headers (revalidation), NULL when unused.  The
 * response, or NULL with e set.  Bodies larger than body_cap are errors. */
hc_response *http_execute(const http_req *r, int retries, const char *extra_name[2],
                          const char *extra_value[2], size_t body_cap, http_err *e);

/* Shared helpers: Go's %q (strconv.Quote) and a copy of s[0..n), both
 * malloc'd (NULL when memory runs out); RFC 7230 tokens; the wall clock. */
char *http_quote(const char *s, size_t n);
char *http_strdup(const char *s, size_t n);
bool http_is_token_char(unsigned char c);
bool http_is_token(const char *s);
int64_t http_wall_now_ns(void);

#define NS_PER_SEC 1000000000LL

/* ---- providers.aws.sign_req (http_aws.c) ---- */
bi_status bi_aws_sign_req(bi_ctx *c, val *const *args, val **out);

#endif
