/* http.c — builtin group "http": http.send, and providers.aws.sign_req
 * (http_aws.c).  The HTTP client itself is http_client.c; the inter-query
 * cache is http_cache.c.
 *
 * Behaviour and messages follow OPA's topdown/http.go.  One call:
 *   1. the request object is checked (raise_error, unknown and missing keys);
 *   2. the cache key is made (cache_ignored_headers removed from headers);
 *   3. within one evaluation an equal key gets the same answer, errors
 *      included (bi_ndcache, OPA's intra-query cache);
 *   4. with "cache"/"force_cache" the process-wide inter-query cache
 *      answers fresh entries, and stale ones are revalidated with
 *      If-None-Match / If-Modified-Since;
 *   5. otherwise the request is read as OPA's createHTTPRequest reads it,
 *      sent (with retries and redirects), and the response becomes
 *      {status, status_code, body, raw_body, headers}, its body decoded as
 *      JSON or YAML by content type (or when forced).
 *
 * Errors come in OPA's four shapes (http_err in http_internal.h).  With
 * raise_error false they become {"status_code": 0, "error": {"code",
 * "message"}} instead of builtin errors.
 *
 * Memory: everything made with malloc during a call (requests, responses,
 * the key's text) hangs off one send_state that is freed on every path,
 * including an arena out-of-memory jump. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../../include/verdict.h"
#include "../builtins.h"
#include "../json.h"
#include "../number.h"
#include "../strbuf.h"
#include "../value.h"
#include "../yaml.h"
#include "http_internal.h"
#include "strings_util.h"
#include "time_go.h"

#define DEFAULT_TIMEOUT_NS (5LL * 1000000000LL)
/* "expires at the zero time": always stale (Go's time.Time{}). */
#define EXPIRED_ALWAYS INT64_MIN

/* ------------------------------------------------------------------ */
/* small Go-isms                                                      */

/* OPA's Value.String() of v (strings quoted), malloc'd. */
static char *rego_text(const val *v)
{
    strbuf sb = STRBUF_INIT;
    val_write_rego(&sb, v);
    if (!sb.data)
        sb_puts(&sb, "");
    return sb_detach(&sb);
}

/* strconv.ParseBool over a value's text (so 1 and true pass, "true" does not). */
static bool go_parse_bool(const val *v, bool *out, http_err *e)
{
    char *t = rego_text(v);
    if (!t) {
        http_err_set(e, HE_WRAPPED, "out of memory");
        return false;
    }
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(t, yes[i]) == 0) {
            *out = true;
            free(t);
            return true;
        }
        if (strcmp(t, no[i]) == 0) {
            *out = false;
            free(t);
            return true;
        }
    }
    char *q = http_quote(t, strlen(t));
    http_err_set(e, HE_WRAPPED, "strconv.ParseBool: parsing %s: invalid syntax", q ? q : "");
    free(q);
    free(t);
    return false;
}

/* http.CanonicalHeaderKey, in place (names with invalid bytes stay as they are). */
static void canonical_header_key(char *s)
{
    if (!http_is_token(s))
        return;
    bool upper = true;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (upper && c >= 'a' && c <= 'z')
            *s = (char)(c - 'a' + 'A');
        else if (!upper && c >= 'A' && c <= 'Z')
            *s = (char)(c - 'A' + 'a');
        upper = c == '-';
    }
}

/* The evaluation's clock (OPA's bctx.Time), or the wall clock outside one. */
static int64_t eval_now_ns(const bi_ctx *c)
{
    return c->now_ns ? c->now_ns : http_wall_now_ns();
}

/* A whole file in malloc'd memory; Go's os.ReadFile error text otherwise. */
static char *read_file(const char *path, size_t *len, http_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", strerror(errno));
        if (msg[0] >= 'A' && msg[0] <= 'Z')
            msg[0] = (char)(msg[0] - 'A' + 'a');
        http_err_set(e, HE_WRAPPED, "open %s: %s", path, msg);
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_append(&sb, buf, n);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        sb_free(&sb);
        http_err_set(e, HE_WRAPPED, "read %s: input/output error", path);
        return NULL;
    }
    if (!sb.data)
        sb_puts(&sb, "");
    *len = sb.len;
    return sb_detach(&sb);
}

/* ------------------------------------------------------------------ */
/* the request, as OPA's createHTTPRequest reads it                   */


static int64_t default_timeout_ns;
static pthread_once_t timeout_once = PTHREAD_ONCE_INIT;

/* HTTP_SEND_TIMEOUT overrides the 5s default (OPA aborts on a bad value;
 * a library cannot, so a bad value is ignored). */
static void init_default_timeout(void)
{
    default_timeout_ns = DEFAULT_TIMEOUT_NS;
    const char *env = getenv("HTTP_SEND_TIMEOUT");
    if (env && *env) {
        int64_t d;
        strbuf err = STRBUF_INIT;
        if (tgo_parse_duration(env, strlen(env), &d, &err))
            default_timeout_ns = d;
        sb_free(&err);
    }
}

/* parseTimeout: a number of nanoseconds, or a string that is one, or a Go duration. */
static bool parse_timeout(const val *v, int64_t *out, http_err *e)
{
    if (val_kind_of(v) == VAL_NUMBER) {
        if (!txt_number_int(v, out)) {
            char *t = rego_text(v);
            http_err_set(e, HE_WRAPPED, "invalid timeout number value %s, must be int64", t ? t : "");
            free(t);
            return false;
        }
        return true;
    }
    if (val_kind_of(v) == VAL_STRING) {
        const char *s = val_str(v);
        size_t n = val_len(v);
        /* strconv.ParseInt(s, 10, 64) */
        if (n > 0 && n < 21) {
            size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
            bool digits = i < n;
            for (size_t k = i; k < n; k++)
                if (s[k] < '0' || s[k] > '9')
                    digits = false;
            if (digits) {
                errno = 0;
                char buf[24];
                memcpy(buf, s, n);
                buf[n] = 0;
                long long x = strtoll(buf, NULL, 10);
                if (errno == 0) {
                    *out = x;
                    return true;
                }
            }
        }
        strbuf err = STRBUF_INIT;
        if (tgo_parse_duration(s, n, out, &err)) {
            sb_free(&err);
            return true;
        }
        char *t = rego_text(v);
        http_err_set(e, HE_WRAPPED, "invalid timeout value %s: %s", t ? t : "", err.data ? err.data : "");
        free(t);
        sb_free(&err);
        return false;
    }
    http_err_set(e, HE_WRAPPED, "operand 1 'timeout' must be one of {string, number} but got %s",
             val_type_name(v));
    e->type_code = true;
    return false;
}

/* A string parameter with OPA's strings.Trim(s, "\""), malloc'd. */
static char *trimmed_string(const val *v, size_t *len)
{
    const char *s = val_str(v);
    size_t n = val_len(v);
    while (n > 0 && s[0] == '"') {
        s++;
        n--;
    }
    while (n > 0 && s[n - 1] == '"')
        n--;
    if (len)
        *len = n;
    return http_strdup(s, n);
}

/* Go's %q of a decoded JSON value, as `invalid type for headers value %q` shows it. */
static char *go_q_of_json(const val *v)
{
    strbuf sb = STRBUF_INIT;
    switch (val_kind_of(v)) {
    case VAL_NUMBER: {
        char *t = rego_text(v);
        txt_go_quote(&sb, t ? t : "", t ? strlen(t) : 0, false);
        free(t);
        break;
    }
    case VAL_BOOL:
        sb_puts(&sb, val_is_true(v) ? "%!q(bool=true)" : "%!q(bool=false)");
        break;
    case VAL_NULL:
        sb_puts(&sb, "%!q(<nil>)");
        break;
    default: {
        char *t = rego_text(v);
        sb_printf(&sb, "%%!q(%s)", t ? t : "");
        free(t);
        break;
    }
    }
    return sb_detach(&sb);
}

/* PEM checks with Go's tls.X509KeyPair wording. */
static const char *check_key_pair(const char *cert, size_t cn, const char *key, size_t kn)
{
    const char *err = NULL;
    BIO *b = BIO_new_mem_buf(cert, (int)cn);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!x) {
        ERR_clear_error();
        return "tls: failed to find any PEM data in certificate input";
    }
    b = BIO_new_mem_buf(key, (int)kn);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!k)
        err = "tls: failed to find any PEM data in key input";
    else if (X509_check_private_key(x, k) != 1)
        err = "tls: private key does not match public key";
    EVP_PKEY_free(k);
    X509_free(x);
    ERR_clear_error();
    return err;
}

/* Whether pem holds at least one certificate (x509.CertPool.AppendCertsFromPEM). */
static bool pem_has_cert(const char *pem, size_t n)
{
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    if (!x)
        return false;
    X509_free(x);
    return true;
}

static bool append_ca(http_req *r, const char *pem, size_t n)
{
    char *p = realloc(r->ca_pem, r->ca_len + n + 2);
    if (!p)
        return false;
    r->ca_pem = p;
    memcpy(p + r->ca_len, pem, n);
    r->ca_len += n;
    p[r->ca_len++] = '\n';
    p[r->ca_len] = 0;
    return true;
}

static bool set_client_pair(http_req *r, char *cert, size_t cn, char *key, size_t kn, http_err *e,
                            const char *env_cert, const char *env_key)
{
    const char *err = check_key_pair(cert, cn, key, kn);
    if (err) {
        if (env_cert) {
            char *qc = http_quote(env_cert, strlen(env_cert)), *qk = http_quote(env_key, strlen(env_key));
            http_err_set(e, HE_WRAPPED, "cannot extract public/private key pair from envvars %s, %s: %s",
                     qc ? qc : "", qk ? qk : "", err);
            free(qc);
            free(qk);
        } else {
            http_err_set(e, HE_WRAPPED, "%s", err);
        }
        free(cert);
        free(key);
        return false;
    }
    if (r->cert_pem) {     /* Go offers the first certificate configured */
        free(cert);
        free(key);
        return true;
    }
    r->cert_pem = cert;
    r->cert_len = cn;
    r->key_pem = key;
    r->key_len = kn;
    return true;
}

static bool is_string_param(const char *k)
{
    static const char *const names[] = {
        "method", "url", "raw_body", "tls_ca_cert", "tls_ca_cert_file", "tls_ca_cert_env_variable",
        "tls_client_cert", "tls_client_cert_file", "tls_client_cert_env_variable", "tls_client_key",
        "tls_client_key_file", "tls_client_key_env_variable", "tls_server_name",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(k, names[i]) == 0)
            return true;
    return false;
}

/* Go's url.Parse checks that matter before a request is made: control
 * characters and a scheme that starts the URL properly. */
static bool check_url_syntax(const char *url, http_err *e)
{
    for (const char *p = url; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            char *q = http_quote(url, strlen(url));
            http_err_set(e, HE_WRAPPED, "parse %s: net/url: invalid control character in URL", q ? q : "");
            free(q);
            return false;
        }
    }
    if (url[0] == ':') {
        char *q = http_quote(url, strlen(url));
        http_err_set(e, HE_WRAPPED, "parse %s: missing protocol scheme", q ? q : "");
        free(q);
        return false;
    }
    return true;
}

/* createHTTPRequest: the request object (OPA's `req`, or the cache key when
 * revalidating) read into r.  Keys are visited in OPA's key order, and the
 * first bad one is reported. */
static bool read_request(const val *obj, http_req *r, http_err *e)
{
    bool use_system = false;
    const char *ca_env = NULL, *cert_env = NULL, *key_env = NULL;
    char *ca_file = NULL, *cert_file = NULL, *key_file = NULL;
    char *cert = NULL, *key = NULL;
    size_t cert_n = 0, key_n = 0;
    const val *headers = NULL;
    bool have_raw = false;
    bool ok = false;
    char *raw = NULL, *inline_ca = NULL;
    size_t raw_n = 0, inline_ca_n = 0;
    strbuf body = STRBUF_INIT;
    bool have_body = false;

    pthread_once(&timeout_once, init_default_timeout);
    r->timeout_ns = default_timeout_ns;

    size_t n = val_len(obj);
    for (size_t i = 0; i < n; i++) {
        const val *kv = val_object_keys(obj)[i], *v = val_object_values(obj)[i];
        if (val_kind_of(kv) != VAL_STRING)
            continue;   /* rejected by validation already */
        const char *k = val_str(kv);
        bool is_str = val_kind_of(v) == VAL_STRING;
        if (!is_str && is_string_param(k)) {
            char *q = http_quote(k, strlen(k));
            http_err_set(e, HE_WRAPPED, "%s must be a string", q ? q : "");
            free(q);
            goto out;
        }
        if (strcmp(k, "method") == 0) {
            free(r->method);
            r->method = trimmed_string(v, NULL);
            if (!r->method)
                goto oom;
            for (char *p = r->method; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        } else if (strcmp(k, "url") == 0) {
            free(r->url);
            if (!(r->url = trimmed_string(v, NULL)))
                goto oom;
        } else if (strcmp(k, "enable_redirect") == 0) {
            if (!go_parse_bool(v, &r->enable_redirect, e))
                goto out;
        } else if (strcmp(k, "body") == 0) {
            sb_reset(&body);
            json_write(&body, v, JSON_ESCAPE_HTML);
            have_body = true;
        } else if (strcmp(k, "raw_body") == 0) {
            free(raw);
            if (!(raw = trimmed_string(v, &raw_n)))
                goto oom;
            have_raw = true;
        } else if (strcmp(k, "tls_use_system_certs") == 0) {
            if (!go_parse_bool(v, &use_system, e))
                goto out;
        } else if (strcmp(k, "tls_ca_cert") == 0) {
            size_t cn;
            char *ca = trimmed_string(v, &cn);
            if (!ca)
                goto oom;
            /* OPA turns written "\n" sequences into newlines */
            size_t w = 0;
            for (size_t j = 0; j < cn; j++) {
                if (ca[j] == '\\' && j + 1 < cn && ca[j + 1] == 'n') {
                    ca[w++] = '\n';
                    j++;
                } else {
                    ca[w++] = ca[j];
                }
            }
            ca[w] = 0;
            free(inline_ca);
            inline_ca = ca;
            inline_ca_n = w;
        } else if (strcmp(k, "tls_ca_cert_file") == 0) {
            free(ca_file);
            if (!(ca_file = trimmed_string(v, NULL)))
                goto oom;
        } else if (strcmp(k, "tls_ca_cert_env_variable") == 0) {
            ca_env = val_str(v);
        } else if (strcmp(k, "tls_client_cert") == 0) {
            free(cert);
            if (!(cert = trimmed_string(v, &cert_n)))
                goto oom;
        } else if (strcmp(k, "tls_client_cert_file") == 0) {
            free(cert_file);
            if (!(cert_file = trimmed_string(v, NULL)))
                goto oom;
        } else if (strcmp(k, "tls_client_cert_env_variable") == 0) {
            cert_env = val_str(v);
        } else if (strcmp(k, "tls_client_key") == 0) {
            free(key);
            if (!(key = trimmed_string(v, &key_n)))
                goto oom;
        } else if (strcmp(k, "tls_client_key_file") == 0) {
            free(key_file);
            if (!(key_file = trimmed_string(v, NULL)))
                goto oom;
        } else if (strcmp(k, "tls_client_key_env_variable") == 0) {
            key_env = val_str(v);
        } else if (strcmp(k, "tls_server_name") == 0) {
            free(r->server_name);
            if (!(r->server_name = trimmed_string(v, NULL)))
                goto oom;
        } else if (strcmp(k, "headers") == 0) {
            if (val_kind_of(v) != VAL_OBJECT) {
                http_err_set(e, HE_WRAPPED, "invalid type for headers key");
                goto out;
            }
            for (size_t j = 0; j < val_len(v); j++) {
                const val *hk = val_object_keys(v)[j];
                if (val_kind_of(hk) != VAL_STRING) {
                    http_err_set(e, HE_WRAPPED, "object key type %s",
                             val_kind_of(hk) == VAL_NUMBER ? "json.Number"
                             : val_kind_of(hk) == VAL_BOOL ? "bool"
                             : val_kind_of(hk) == VAL_NULL ? "<nil>"
                                                           : "map[string]interface {}");
                    goto out;
                }
            }
            headers = v;
        } else if (strcmp(k, "tls_insecure_skip_verify") == 0) {
            if (!go_parse_bool(v, &r->insecure, e))
                goto out;
        } else if (strcmp(k, "timeout") == 0) {
            if (!parse_timeout(v, &r->timeout_ns, e))
                goto out;
        }
        /* cache, caching_mode, force_cache, force_cache_duration_seconds,
         * force_json_decode, force_yaml_decode, raise_error,
         * max_retry_attempts, cache_ignored_headers: read elsewhere */
    }

    /* client certificates: the inline pair, the files, the variables */
    if (cert && key && cert_n > 0 && key_n > 0) {
        char *c2 = cert, *k2 = key;
        cert = key = NULL;
        if (!set_client_pair(r, c2, cert_n, k2, key_n, e, NULL, NULL))
            goto out;
    }
    if (cert_file && key_file && *cert_file && *key_file) {
        size_t cn, kn;
        char *c2 = read_file(cert_file, &cn, e);
        if (!c2)
            goto out;
        char *k2 = read_file(key_file, &kn, e);
        if (!k2) {
            free(c2);
            goto out;
        }
        if (!set_client_pair(r, c2, cn, k2, kn, e, NULL, NULL))
            goto out;
    }
    if (cert_env && key_env && *cert_env && *key_env) {
        const char *cv = getenv(cert_env), *kv = getenv(key_env);
        char *c2 = http_strdup(cv ? cv : "", cv ? strlen(cv) : 0);
        char *k2 = http_strdup(kv ? kv : "", kv ? strlen(kv) : 0);
        if (!c2 || !k2) {
            free(c2);
            free(k2);
            goto oom;
        }
        if (!set_client_pair(r, c2, strlen(c2), k2, strlen(k2), e, cert_env, key_env))
            goto out;
    }

    /* trusted roots: system (when asked), then the inline PEM, the file, the variable */
    {
        r->ca_with_system = use_system;
        if (inline_ca_n > 0) {
            if (!pem_has_cert(inline_ca, inline_ca_n) || !append_ca(r, inline_ca, inline_ca_n)) {
                http_err_set(e, HE_WRAPPED, "could not append certificates");
                goto out;
            }
        }
        if (ca_file && *ca_file) {
            size_t fn;
            char *pem = read_file(ca_file, &fn, e);
            if (!pem)
                goto out;
            bool good = pem_has_cert(pem, fn) && append_ca(r, pem, fn);
            free(pem);
            if (!good) {
                char *q = http_quote(ca_file, strlen(ca_file));
                http_err_set(e, HE_WRAPPED, "could not append CA certificates from %s", q ? q : "");
                free(q);
                goto out;
            }
        }
        if (ca_env && *ca_env) {
            const char *pem = getenv(ca_env);
            size_t pn = pem ? strlen(pem) : 0;
            if (!pem || !pem_has_cert(pem, pn) || !append_ca(r, pem, pn)) {
                char *q = http_quote(ca_env, strlen(ca_env));
                http_err_set(e, HE_WRAPPED, "could not add CA certificates from envvar %s: could not append certificates",
                         q ? q : "");
                free(q);
                goto out;
            }
        }
    }

    if (!r->method && !(r->method = http_strdup("", 0)))
        goto oom;
    if (!r->url && !(r->url = http_strdup("", 0)))
        goto oom;
    if (r->method[0] && !http_is_token(r->method)) {
        char *q = http_quote(r->method, strlen(r->method));
        http_err_set(e, HE_WRAPPED, "net/http: invalid method %s", q ? q : "");
        free(q);
        goto out;
    }
    if (!check_url_syntax(r->url, e))
        goto out;

    if (headers) {
        size_t hn = val_len(headers);
        r->headers = calloc(hn ? hn : 1, sizeof *r->headers);
        if (!r->headers)
            goto oom;
        for (size_t j = 0; j < hn; j++) {
            const val *hk = val_object_keys(headers)[j], *hv = val_object_values(headers)[j];
            if (val_kind_of(hv) != VAL_STRING) {
                char *q = go_q_of_json(hv);
                http_err_set(e, HE_WRAPPED, "invalid type for headers value %s", q ? q : "");
                free(q);
                goto out;
            }
            char *name = http_strdup(val_str(hk), val_len(hk));
            char *value = http_strdup(val_str(hv), val_len(hv));
            if (!name || !value) {
                free(name);
                free(value);
                goto oom;
            }
            canonical_header_key(name);
            /* keys that meet after canonicalisation: the later one wins */
            size_t slot = r->nheaders;
            for (size_t m = 0; m < r->nheaders; m++)
                if (strcmp(r->headers[m].name, name) == 0)
                    slot = m;
            if (slot < r->nheaders) {
                free(r->headers[slot].name);
                free(r->headers[slot].value);
            } else {
                r->nheaders++;
            }
            r->headers[slot].name = name;
            r->headers[slot].value = value;
        }
        /* the Host header also names the TLS server, unless tls_server_name does */
        const req_header *host = http_req_header(r, "Host");
        if (host && !r->server_name && !(r->server_name = http_strdup(host->value, strlen(host->value))))
            goto oom;
    }

    if (have_raw) {
        r->body = raw;
        r->body_len = raw_n;
        raw = NULL;
    } else if (have_body) {
        if (!body.data)
            sb_puts(&body, "");
        r->body_len = body.len;
        r->body = sb_detach(&body);
    } else if (!(r->body = http_strdup("", 0))) {
        goto oom;
    }
    ok = true;
    goto out;

oom:
    http_err_set(e, HE_WRAPPED, "out of memory");
out:
    free(raw);
    free(inline_ca);
    sb_free(&body);
    free(ca_file);
    free(cert_file);
    free(key_file);
    free(cert);
    free(key);
    return ok;
}

/* ------------------------------------------------------------------ */
/* responses as values                                                */

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && isspace((unsigned char)*s))
        s++;
    return s;
}

static const char *token_end(const char *s, const char *end)
{
    while (s < end && http_is_token_char((unsigned char)*s))
        s++;
    return s;
}

/* isJSONType: mime.ParseMediaType accepts the Content-Type, and it is
 * application/json or application/<something>+json. */
static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    const char *end = ct + strlen(ct);
    const char *semi = strchr(ct, ';');
    const char *b = skip_space(ct, semi ? semi : end), *be = semi ? semi : end;
    while (be > b && isspace((unsigned char)be[-1]))
        be--;
    const char *t = token_end(b, be);
    if (t == b || t == be || *t != '/')
        return false;   /* no media type, or no subtype (then it is not application/json anyway) */
    const char *sub = t + 1, *se = token_end(sub, be);
    if (se == sub || se != be)
        return false;
    /* parameters: ; token = (token | quoted-string) */
    const char *p = semi ? semi : end;
    while (p < end) {
        p = skip_space(p, end);
        if (p >= end)
            break;
        if (*p != ';')
            return false;
        const char *q = skip_space(p + 1, end);
        if (q >= end)
            break;      /* a trailing semicolon is ignored */
        const char *ke = token_end(q, end);
        if (ke == q)
            return skip_space(q, end) == end;
        q = skip_space(ke, end);
        if (q >= end || *q != '=')
            return false;
        q = skip_space(q + 1, end);
        if (q < end && *q == '"') {
            q++;
            while (q < end && *q != '"') {
                if (*q == '\\' && q + 1 < end)
                    q++;
                q++;
            }
            if (q >= end)
                return false;
            q++;
        } else {
            const char *ve = token_end(q, end);
            if (ve == q)
                return false;
            q = ve;
        }
        p = q;
    }
    size_t tn = (size_t)(t - b), sn = (size_t)(se - sub);
    if (tn != 11 || strncasecmp(b, "application", 11) != 0)
        return false;
    if (sn == 4 && strncasecmp(sub, "json", 4) == 0)
        return true;
    return sn > 5 && strncasecmp(se - 5, "+json", 5) == 0;
}

static bool is_yaml_type(const char *ct)
{
    return ct && (strstr(ct, "application/yaml") || strstr(ct, "application/x-yaml"));
}

/* prepareASTResult: {status, status_code, body, raw_body, headers}. */
static val *response_value(bi_ctx *c, const hc_response *r, bool force_json, bool force_yaml)
{
    arena *a = c->a;
    val *body = VAL_NULL_V;
    const char *ct = hc_response_header(r, "content-type");
    if (force_json || is_json_type(ct)) {
        json_error je;
        val *v = json_parse(a, r->body, r->body_len, 0, &je);
        if (v)
            body = v;
    } else if (force_yaml || is_yaml_type(ct)) {
        json_error je;
        val *v = yaml_parse(a, r->body, r->body_len, &je);
        if (v)
            body = v;
    }

    /* header names lower-cased, each with its values in order */
    val_objb hb;
    val_objb_init(&hb, a);
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *name = r->headers[i].name;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r->headers[j].name, name) == 0;
        if (seen)
            continue;
        val_arrb vb;
        val_arrb_init(&vb, a);
        for (size_t j = i; j < r->nheaders; j++)
            if (strcmp(r->headers[j].name, name) == 0)
                val_arrb_push(&vb, val_cstring(a, r->headers[j].value));
        val_objb_set(&hb, val_cstring(a, name), val_arrb_finish(&vb));
    }

    val *keys[5] = {val_cstring(a, "status"), val_cstring(a, "status_code"), val_cstring(a, "body"),
                    val_cstring(a, "raw_body"), val_cstring(a, "headers")};
    val *vals[5] = {val_cstring(a, r->status ? r->status : ""), val_int(a, r->status_code), body,
                    val_string(a, r->body ? r->body : "", r->body_len), val_objb_finish(&hb)};
    return val_object(a, keys, vals, 5);
}

/* ------------------------------------------------------------------ */
/* caching rules                                                      */

static bool cacheable_status(int code)
{
    static const int codes[] = {200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i] == code)
            return true;
    return false;
}

/* parseCacheControlHeader, looking for one directive: its value (malloc'd,
 * "" for a bare directive) or NULL.  The last occurrence wins. */
static char *cache_directive(const char *cc, const char *name)
{
    if (!cc)
        return NULL;
    char *found = NULL;
    const char *p = cc;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *e = comma ? comma : p + strlen(p);
        const char *s = p;
        while (s < e && *s == ' ')
            s++;
        const char *t = e;
        while (t > s && t[-1] == ' ')
            t--;
        if (t > s) {
            const char *eq = memchr(s, '=', (size_t)(t - s));
            if (eq) {
                if (!memchr(eq + 1, '=', (size_t)(t - eq - 1))) {
                    const char *ks = s, *ke = eq;
                    while (ke > ks && ke[-1] == ' ')
                        ke--;
                    while (ks < ke && *ks == ' ')
                        ks++;
                    if ((size_t)(ke - ks) == strlen(name) && strncmp(ks, name, (size_t)(ke - ks)) == 0) {
                        free(found);
                        found = http_strdup(eq + 1, (size_t)(t - eq - 1));
                    }
                }
            } else if ((size_t)(t - s) == strlen(name) && strncmp(s, name, (size_t)(t - s)) == 0) {
                free(found);
                found = http_strdup("", 0);
            }
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return found;
}

static bool can_store(const hc_response *r)
{
    char *d = cache_directive(hc_response_header(r, "cache-control"), "no-store");
    free(d);
    return d == NULL;
}

/* http.ParseTime: the three HTTP date formats, as Unix ns. */
static bool http_time(const char *s, int64_t *ns, http_err *e)
{
    static const char *const layouts[] = {"Mon, 02 Jan 2006 15:04:05 GMT",
                                          "Monday, 02-Jan-06 15:04:05 MST", "Mon Jan _2 15:04:05 2006"};
    strbuf err = STRBUF_INIT;
    for (size_t i = 0; i < 3; i++) {
        tgo_time t;
        sb_reset(&err);
        if (tgo_parse(layouts[i], strlen(layouts[i]), s, strlen(s), &t, &err)) {
            sb_free(&err);
            *ns = t.sec * NS_PER_SEC + t.nsec;
            return true;
        }
    }
    if (e)
        http_err_set(e, HE_RAW, "%s", err.data ? err.data : "invalid date");
    sb_free(&err);
    return false;
}

/* expiryFromHeaders: max-age from the Date header, else Expires. */
static bool expiry_from_headers(const hc_response *r, int64_t *exp, http_err *e)
{
    char *ma = cache_directive(hc_response_header(r, "cache-control"), "max-age");
    if (ma) {
        int64_t secs = 0;
        bool digits = *ma != 0;
        for (const char *p = ma; *p; p++)
            if (*p < '0' || *p > '9')
                digits = false;
        if (!digits) {
            char *q = http_quote(ma, strlen(ma));
            http_err_set(e, HE_RAW, "strconv.ParseUint: parsing %s: invalid syntax", q ? q : "");
            free(q);
            free(ma);
            return false;
        }
        for (const char *p = ma; *p && secs <= INT32_MAX; p++)
            secs = secs * 10 + (*p - '0');
        if (secs > INT32_MAX)
            secs = INT32_MAX;
        free(ma);
        const char *date = hc_response_header(r, "date");
        if (!date || !*date) {
            http_err_set(e, HE_RAW, "no date header");
            return false;
        }
        int64_t t;
        if (!http_time(date, &t, e))
            return false;
        *exp = t + secs * NS_PER_SEC;
        return true;
    }
    const char *x = hc_response_header(r, "expires");
    int64_t t;
    *exp = x && *x && http_time(x, &t, NULL) ? t : EXPIRED_ALWAYS;
    return true;
}

/* ------------------------------------------------------------------ */
/* request parameters read outside createHTTPRequest                  */

static char *quoted_key(const char *k)
{
    return http_quote(k, strlen(k));
}

/* getBoolValFromReqObj. */
static bool req_bool(const val *obj, const char *key, bool *out, http_err *e)
{
    *out = false;
    const val *v = val_object_get_str(obj, key, strlen(key));
    if (!v)
        return true;
    if (val_kind_of(v) != VAL_BOOL) {
        char *q = quoted_key(key);
        http_err_set(e, HE_WRAPPED, "invalid value for %s field", q ? q : "");
        free(q);
        return false;
    }
    *out = val_is_true(v);
    return true;
}

/* getNumberValFromReqObj for max_retry_attempts (a plain error in OPA). */
static bool max_retries(const val *obj, int *out, http_err *e)
{
    *out = 0;
    const val *v = val_object_get_str(obj, "max_retry_attempts", 18);
    if (!v)
        return true;
    int64_t n;
    if (val_kind_of(v) == VAL_NUMBER && txt_number_int(v, &n) && n >= 0) {
        *out = n > 1000000 ? 1000000 : (int)n;
        return true;
    }
    char *t = rego_text(v);
    http_err_set(e, HE_RAW, "invalid value %s for field \"max_retry_attempts\"", t ? t : "");
    free(t);
    return false;
}

/* getCachingMode. */
static bool caching_mode_ok(const val *obj, http_err *e)
{
    const val *v = val_object_get_str(obj, "caching_mode", 12);
    if (!v)
        return true;
    if (val_kind_of(v) != VAL_STRING) {
        http_err_set(e, HE_RAW, "invalid value for \"caching_mode\" field");
        return false;
    }
    if (strcmp(val_str(v), "serialized") == 0 || strcmp(val_str(v), "deserialized") == 0)
        return true;
    http_err_set(e, HE_RAW, "invalid value specified for \"caching_mode\" field: %s", val_str(v));
    return false;
}

/* useInterQueryCache and newForceCacheParams. */
static bool inter_query_params(const val *req, bool *inter, bool *forced, int64_t *secs, http_err *e)
{
    bool cache, force;
    *forced = false;
    *secs = 0;
    if (!req_bool(req, "cache", &cache, e) || !req_bool(req, "force_cache", &force, e))
        return false;
    *inter = cache || force;
    if (!force)
        return true;
    const val *d = val_object_get_str(req, "force_cache_duration_seconds", 28);
    if (!d) {
        http_err_set(e, HE_WRAPPED, "'force_cache' set but 'force_cache_duration_seconds' parameter is missing");
        return false;
    }
    /* strconv.ParseInt(term.String(), 10, 32) */
    char *t = rego_text(d);
    if (!t) {
        http_err_set(e, HE_WRAPPED, "out of memory");
        return false;
    }
    const char *p = t;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    bool digits = *p != 0;
    int64_t x = 0;
    bool range = false;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            digits = false;
            break;
        }
        if (x <= (int64_t)INT32_MAX + 1)
            x = x * 10 + (*p - '0');
    }
    if (digits && (neg ? x > (int64_t)INT32_MAX + 1 : x > INT32_MAX))
        range = true;
    if (!digits || range) {
        char *q = http_quote(t, strlen(t));
        http_err_set(e, HE_WRAPPED, "strconv.ParseInt: parsing %s: %s", q ? q : "",
                 range ? "value out of range" : "invalid syntax");
        free(q);
        free(t);
        return false;
    }
    free(t);
    *forced = true;
    *secs = neg ? -x : x;
    return true;
}

static const char *const allowed_keys[] = {
    "method", "url", "body", "enable_redirect", "force_json_decode", "force_yaml_decode", "headers",
    "raw_body", "tls_use_system_certs", "tls_ca_cert", "tls_ca_cert_file", "tls_ca_cert_env_variable",
    "tls_client_cert", "tls_client_cert_file", "tls_client_cert_env_variable", "tls_client_key",
    "tls_client_key_file", "tls_client_key_env_variable", "tls_insecure_skip_verify", "tls_server_name",
    "timeout", "cache", "force_cache", "force_cache_duration_seconds", "raise_error", "caching_mode",
    "max_retry_attempts", "cache_ignored_headers",
};

/* validateHTTPRequestOperand. */
static bool validate_request(bi_ctx *c, const val *req, http_err *e)
{
    size_t n = val_len(req);
    val **bad = arena_alloc(c->a, (n + 2) * sizeof *bad);
    size_t nbad = 0;
    bool has_method = false, has_url = false;
    for (size_t i = 0; i < n; i++) {
        val *k = val_object_keys(req)[i];
        bool ok = false;
        if (val_kind_of(k) == VAL_STRING) {
            for (size_t j = 0; j < sizeof allowed_keys / sizeof allowed_keys[0] && !ok; j++)
                ok = strcmp(val_str(k), allowed_keys[j]) == 0;
            has_method |= strcmp(val_str(k), "method") == 0;
            has_url |= strcmp(val_str(k), "url") == 0;
        }
        if (!ok)
            bad[nbad++] = k;
    }
    const char *what = NULL;
    if (nbad) {
        what = "invalid";
    } else if (!has_method || !has_url) {
        what = "missing required";
        if (!has_method)
            bad[nbad++] = val_cstring(c->a, "method");
        if (!has_url)
            bad[nbad++] = val_cstring(c->a, "url");
    }
    if (!what)
        return true;
    char *t = rego_text(val_set(c->a, bad, nbad));
    http_err_set(e, HE_TYPE, "operand 1 %s request parameters(s): %s", what, t ? t : "");
    free(t);
    return false;
}

/* Go's json type names for ast.As errors. */
static const char *go_json_type(const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_NULL: return "null";
    case VAL_BOOL: return "bool";
    case VAL_NUMBER: return "number";
    case VAL_STRING: return "string";
    case VAL_OBJECT: return "object";
    default: return "array";
    }
}

/* getKeyFromRequest: the request with cache_ignored_headers removed from
 * its headers and that key itself set to null. */
static val *make_key(bi_ctx *c, val *req, http_err *e)
{
    arena *a = c->a;
    val *ignored = val_object_get_str(req, "cache_ignored_headers", 21);
    val *headers = val_object_get_str(req, "headers", 7);
    val_objb kb;
    val_objb_init(&kb, a);
    for (size_t i = 0; i < val_len(req); i++)
        val_objb_set(&kb, val_object_keys(req)[i], val_object_values(req)[i]);
    if (ignored && headers) {
        if (val_kind_of(ignored) != VAL_NULL && val_kind_of(ignored) != VAL_ARRAY &&
            val_kind_of(ignored) != VAL_SET) {
            http_err_set(e, HE_RAW, "json: cannot unmarshal %s into Go value of type []string",
                     go_json_type(ignored));
            return NULL;
        }
        size_t ni = val_kind_of(ignored) == VAL_NULL ? 0 : val_len(ignored);
        val *const *items = ni == 0 ? NULL
                            : val_kind_of(ignored) == VAL_SET ? val_set_items(ignored)
                                                               : val_array_items(ignored);
        for (size_t i = 0; i < ni; i++) {
            if (val_kind_of(items[i]) != VAL_STRING) {
                http_err_set(e, HE_RAW, "json: cannot unmarshal %s into Go value of type string",
                         go_json_type(items[i]));
                return NULL;
            }
        }
        if (val_kind_of(headers) != VAL_NULL && val_kind_of(headers) != VAL_OBJECT) {
            http_err_set(e, HE_RAW, "json: cannot unmarshal %s into Go value of type map[string]interface {}",
                     go_json_type(headers));
            return NULL;
        }
        val_objb hb;
        val_objb_init(&hb, a);
        size_t nh = val_kind_of(headers) == VAL_OBJECT ? val_len(headers) : 0;
        for (size_t i = 0; i < nh; i++) {
            val *hk = val_object_keys(headers)[i];
            bool drop = false;
            for (size_t j = 0; j < ni && !drop; j++)
                drop = val_equal(hk, items[j]);
            if (!drop)
                val_objb_set(&hb, hk, val_object_values(headers)[i]);
        }
        val_objb_set(&kb, val_cstring(a, "headers"), val_objb_finish(&hb));
    }
    val_objb_set(&kb, val_cstring(a, "cache_ignored_headers"), VAL_NULL_V);
    return val_objb_finish(&kb);
}

/* ------------------------------------------------------------------ */
/* http.send                                                          */

typedef struct send_state {
    http_req *req;          /* the request being sent */
    http_req *reval;        /* the key, read as a request for revalidation */
    hc_response *resp;      /* the response received */
    hc_response *cached;    /* an inter-query cache entry */
    hc_response *fresh;     /* a revalidation's response */
    char *key_text;         /* the cache key's canonical text */
} send_state;

static void send_state_free(send_state *s)
{
    if (!s)
        return;
    http_req_free(s->req);
    http_req_free(s->reval);
    hc_response_free(s->resp);
    hc_response_free(s->cached);
    hc_response_free(s->fresh);
    free(s->key_text);
    free(s);
}

/* The most a response body may hold: the evaluation's memory budget, or 1 GiB. */
static size_t body_cap(const bi_ctx *c)
{
    return c->a->limit ? c->a->limit : ((size_t)1 << 30);
}

static void inter_insert(bi_ctx *c, send_state *st, const val *key, const hc_response *r, bool forced,
                         int64_t secs)
{
    bool force = forced && secs > 0;
    if ((!force && !can_store(r)) || !cacheable_status(r->status_code))
        return;
    http_err ignored = {0};
    if (!caching_mode_ok(key, &ignored))
        return;
    int64_t exp;
    if (force)
        exp = eval_now_ns(c) + secs * NS_PER_SEC;
    else if (!expiry_from_headers(r, &exp, &ignored))
        return;
    hc_put(st->key_text, strlen(st->key_text), r, exp);
}

/* checkHTTPSendInterQueryCache: 1 with *res set, 0 for a miss, -1 for an error. */
static int inter_check(bi_ctx *c, send_state *st, const val *key, bool fj, bool fy, bool forced,
                       int64_t secs, val **res, http_err *e)
{
    size_t kl = strlen(st->key_text);
    int64_t exp = 0;
    st->cached = hc_get(st->key_text, kl, &exp);
    if (!st->cached)
        return 0;
    int64_t now = eval_now_ns(c);
    if (exp != EXPIRED_ALWAYS && now < exp) {
        *res = response_value(c, st->cached, fj, fy);
        return 1;
    }
    /* stale: ask the server whether it still holds */
    st->reval = calloc(1, sizeof *st->reval);
    if (!st->reval) {
        http_err_set(e, HE_WRAPPED, "out of memory");
        return -1;
    }
    if (!read_request(key, st->reval, e))
        return -1;
    const char *etag = hc_response_header(st->cached, "etag");
    const char *lm = hc_response_header(st->cached, "last-modified");
    if ((!etag || !*etag) && (!lm || !*lm)) {
        hc_delete(st->key_text, kl);
        return 0;
    }
    const char *names[2] = {NULL, NULL}, *values[2] = {NULL, NULL};
    int k = 0;
    if (etag && *etag) {
        names[k] = "If-None-Match";
        values[k++] = etag;
    }
    if (lm && *lm) {
        names[k] = "If-Modified-Since";
        values[k++] = lm;
    }
    int retries;
    if (!max_retries(key, &retries, e)) {
        hc_delete(st->key_text, kl);
        return -1;
    }
    st->fresh = http_execute(st->reval, retries, names, values, body_cap(c), e);
    hc_delete(st->key_text, kl);
    if (!st->fresh)
        return -1;
    if (st->fresh->status_code == 200) {
        *res = response_value(c, st->fresh, fj, fy);
        inter_insert(c, st, key, st->fresh, forced, secs);
        return 1;
    }
    if (st->fresh->status_code != 304)
        return 0;
    /* not modified: the cached response takes the 304's headers */
    hc_response *fr = st->fresh, *cr = st->cached;
    for (size_t i = 0; i < fr->nheaders; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(fr->headers[j].name, fr->headers[i].name) == 0;
        if (seen)
            continue;
        hc_response_del_header(cr, fr->headers[i].name);
        for (size_t j = i; j < fr->nheaders; j++)
            if (strcmp(fr->headers[j].name, fr->headers[i].name) == 0 &&
                !hc_response_add_header(cr, fr->headers[j].name, strlen(fr->headers[j].name),
                                        fr->headers[j].value, strlen(fr->headers[j].value))) {
                http_err_set(e, HE_RAW, "out of memory");
                return -1;
            }
    }
    int64_t nexp;
    if (forced && secs > 0)
        nexp = now + secs * NS_PER_SEC;
    else if (!expiry_from_headers(fr, &nexp, e))
        return -1;
    if (!caching_mode_ok(key, e))
        return -1;
    hc_put(st->key_text, kl, cr, nexp);
    *res = response_value(c, cr, fj, fy);
    return 1;
}

/* An error as the builtin reports it (raise_error) or as a result object. */
static bi_status finish_error(bi_ctx *c, bool raise, const http_err *e, val **out)
{
    if (raise) {
        switch (e->kind) {
        case HE_TYPE:
            return bi_type_error(c, "%s", e->msg);
        case HE_WRAPPED:
            return e->type_code ? bi_type_error(c, "%s", e->msg) : bi_error(c, "%s", e->msg);
        case HE_NET:
            return bi_error(c, "%s", e->timeout ? e->alt : e->msg);
        default:
            return bi_error(c, "%s", e->msg);
        }
    }
    arena *a = c->a;
    strbuf sb = STRBUF_INIT;
    switch (e->kind) {
    case HE_TYPE:
        sb_printf(&sb, "eval_type_error: http.send: %s", e->msg);
        break;
    case HE_WRAPPED:
        sb_printf(&sb, "%s: http.send: %s", e->type_code ? "eval_type_error" : "eval_builtin_error", e->msg);
        break;
    default:
        sb_puts(&sb, e->msg);
        break;
    }
    val *msg = txt_string_from_sb(a, &sb);
    val *ek[2] = {val_cstring(a, "code"), val_cstring(a, "message")};
    val *ev[2] = {val_cstring(a, e->kind == HE_NET ? "eval_http_send_network_error"
                                                   : "eval_http_send_internal_error"),
                  msg};
    val *k[2] = {val_cstring(a, "status_code"), val_cstring(a, "error")};
    val *v[2] = {val_int(a, 0), val_object(a, ek, ev, 2)};
    *out = val_object(a, k, v, 2);
    return BI_OK;
}

/* Errors are remembered for the evaluation too, as [kind, type_code, timeout, msg, alt]. */
static void remember_error(bi_ctx *c, val *key, const http_err *e)
{
    arena *a = c->a;
    val *items[5] = {val_int(a, e->kind), val_bool(e->type_code), val_bool(e->timeout),
                     val_cstring(a, e->msg), val_cstring(a, e->alt)};
    bi_ndcache_put(c, &key, val_array(a, items, 5));
}

static bi_status replay(bi_ctx *c, bool raise, val *hit, val **out)
{
    if (val_kind_of(hit) != VAL_ARRAY) {
        *out = hit;
        return BI_OK;
    }
    http_err e;
    memset(&e, 0, sizeof e);
    val *const *it = val_array_items(hit);
    e.kind = (http_err_kind)val_int_value(it[0]);
    e.type_code = val_is_true(it[1]);
    e.timeout = val_is_true(it[2]);
    snprintf(e.msg, sizeof e.msg, "%s", val_str(it[3]));
    snprintf(e.alt, sizeof e.alt, "%s", val_str(it[4]));
    return finish_error(c, raise, &e, out);
}

static bi_status http_send(bi_ctx *c, val *req, val **out, send_state *st)
{
    if (val_kind_of(req) != VAL_OBJECT)
        return bi_operand_type(c, 1, req, "object");
    bool raise = true;
    val *re = val_object_get_str(req, "raise_error", 11);
    if (re) {
        if (val_kind_of(re) != VAL_BOOL)
            return bi_error(c, "invalid value for raise_error field");
        raise = val_is_true(re);
    }
    http_err e;
    memset(&e, 0, sizeof e);
    if (!validate_request(c, req, &e))
        return finish_error(c, raise, &e, out);
    val *key = make_key(c, req, &e);
    if (!key)
        return finish_error(c, raise, &e, out);

    /* one answer per request within an evaluation */
    val *hit = bi_ndcache_get(c, &key);
    if (hit)
        return replay(c, raise, hit, out);

    bool inter, forced;
    int64_t secs;
    if (!inter_query_params(req, &inter, &forced, &secs, &e))
        return finish_error(c, raise, &e, out);
    bool fj, fy;
    if (!req_bool(key, "force_json_decode", &fj, &e) || !req_bool(key, "force_yaml_decode", &fy, &e))
        return finish_error(c, raise, &e, out);
    if (!(st->key_text = rego_text(key)))
        return bi_error(c, "out of memory");

    if (inter) {
        val *res = NULL;
        int r = inter_check(c, st, key, fj, fy, forced, secs, &res, &e);
        if (r < 0) {
            remember_error(c, key, &e);
            return finish_error(c, raise, &e, out);
        }
        if (r > 0) {
            bi_ndcache_put(c, &key, res);
            *out = res;
            return BI_OK;
        }
    }

    int retries = 0;
    if (!(st->req = calloc(1, sizeof *st->req)))
        return bi_error(c, "out of memory");
    if (!read_request(req, st->req, &e) || !max_retries(req, &retries, &e)) {
        remember_error(c, key, &e);
        return finish_error(c, raise, &e, out);
    }
    st->resp = http_execute(st->req, retries, (const char *[2]){NULL, NULL}, (const char *[2]){NULL, NULL},
                       body_cap(c), &e);
    if (!st->resp) {
        if (!e.uncached)
            remember_error(c, key, &e);
        return finish_error(c, raise, &e, out);
    }
    val *res = response_value(c, st->resp, fj, fy);
    if (inter) {
        bi_ndcache_put(c, &key, res);
        inter_insert(c, st, key, st->resp, forced, secs);
    } else if (cacheable_status(st->resp->status_code)) {
        bi_ndcache_put(c, &key, res);
    }
    *out = res;
    return BI_OK;
}

static bi_status bi_http_send(bi_ctx *c, val *const *args, val **out)
{
    send_state *st = calloc(1, sizeof *st);
    if (!st)
        return bi_error(c, "out of memory");
    /* an arena out-of-memory jump must not leak what st holds */
    jmp_buf here;
    jmp_buf *volatile outer = c->a->oom;
    if (outer) {
        if (setjmp(here)) {
            c->a->oom = outer;
            send_state_free(st);
            longjmp(*outer, c->a->oom_code ? c->a->oom_code : ARENA_OOM);
        }
        c->a->oom = &here;
    }
    bi_status rc = http_send(c, args[0], out, st);
    c->a->oom = outer;
    send_state_free(st);
    return rc;
}

const builtin_def bi_group_http[] = {
    {"http.send", 1, bi_http_send, BI_F_NONDET, NULL},
    {"providers.aws.sign_req", 3, bi_aws_sign_req, 0, NULL},
    {0},
};
