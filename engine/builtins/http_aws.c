/* http_aws.c — providers.aws.sign_req(request, aws_config, time_ns): AWS
 * Signature Version 4 for an http.send request object, as OPA's
 * topdown/providers.go and internal/providers/aws/signing_v4.go do it
 * (HMAC-SHA256 from libcrypto).
 *
 * The result is the request with its "headers" replaced by the signed set:
 * the request's own headers, Authorization, host, x-amz-date, and for s3
 * and glacier x-amz-content-sha256 (plus x-amz-security-token with a
 * session token). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"
#include "../value.h"
#include "http_internal.h"
#include "strings_util.h"
#include "../hexdigit.h"

static const char *str_or_empty(const val *v)
{
    return v && val_kind_of(v) == VAL_STRING ? val_str(v) : "";
}

static void hex(strbuf *sb, const unsigned char *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        sb_putc(sb, digits[d[i] >> 4]);
        sb_putc(sb, digits[d[i] & 15]);
    }
}

static void sha256_hex(strbuf *sb, const char *s, size_t n)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    EVP_Digest(s, n, d, &dn, EVP_sha256(), NULL);
    hex(sb, d, dn);
}

static void hmac(const unsigned char *key, size_t kn, const char *msg, unsigned char out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)kn, (const unsigned char *)msg, strlen(msg), out, &n);
}

/* ---- URLs, as Go's url.Parse splits them ---- */

typedef struct aws_url {
    strbuf host;
    strbuf path;    /* EscapedPath() */
    strbuf query;   /* RawQuery */
} aws_url;

static bool path_char_ok(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return strchr("-_.~$&+,/:;=@!'()*[]%", c) != NULL && c != 0;
}

/* url.Parse's pieces of raw; false (with Go's message) on a bad escape. */
static bool split_url(const char *raw, aws_url *u, char *err, size_t errn)
{
    const char *p = raw;
    /* scheme */
    const char *s = raw;
    while (*s && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                  (s > raw && ((*s >= '0' && *s <= '9') || *s == '+' || *s == '-' || *s == '.'))))
        s++;
    if (*s == ':' && s > raw)
        p = s + 1;
    const char *frag = strchr(p, '#');
    const char *end = frag ? frag : p + strlen(p);
    if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
        const char *a = p + 2, *ae = a;
        while (ae < end && *ae != '/' && *ae != '?')
            ae++;
        const char *at = NULL;
        for (const char *q = a; q < ae; q++)
            if (*q == '@')
                at = q;
        const char *hs = at ? at + 1 : a;
        sb_append(&u->host, hs, (size_t)(ae - hs));
        p = ae;
    }
    const char *qm = memchr(p, '?', (size_t)(end - p));
    const char *pe = qm ? qm : end;
    if (qm)
        sb_append(&u->query, qm + 1, (size_t)(end - qm - 1));
    /* EscapedPath: the path as written when it is validly encoded, else
     * re-escaped from its decoded form */
    bool valid = true;
    for (const char *q = p; q < pe; q++) {
        if (*q == '%') {
            if (pe - q < 3 || hex_digit((unsigned char)q[1]) < 0 || hex_digit((unsigned char)q[2]) < 0) {
                size_t n = (size_t)(pe - q) < 3 ? (size_t)(pe - q) : 3;
                snprintf(err, errn, "parse \"%s\": invalid URL escape \"%.*s\"", raw, (int)n, q);
                return false;
            }
        } else if (!path_char_ok((unsigned char)*q)) {
            valid = false;
        }
    }
    if (valid) {
        sb_append(&u->path, p, (size_t)(pe - p));
        return true;
    }
    static const char digits[] = "0123456789ABCDEF";
    for (const char *q = p; q < pe; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '%') {
            c = (unsigned char)(hex_digit((unsigned char)q[1]) * 16 + hex_digit((unsigned char)q[2]));
            q += 2;
        }
        if (c != '%' && c != '[' && c != ']' && path_char_ok(c) && !strchr("!'()*", c)) {
            sb_putc(&u->path, (char)c);
        } else {
            sb_putc(&u->path, '%');
            sb_putc(&u->path, digits[c >> 4]);
            sb_putc(&u->path, digits[c & 15]);
        }
    }
    return true;
}

/* ---- the signature ---- */

typedef struct kv {
    const char *k;
    const char *v;
} kv;

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const kv *)a)->k, ((const kv *)b)->k);
}

static bool ignored_header(const char *lower)
{
    return strcmp(lower, "authorization") == 0 || strcmp(lower, "user-agent") == 0 ||
           strcmp(lower, "x-amzn-trace-id") == 0;
}

static const char *required_config[] = {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"};

/* Everything held in malloc'd memory while signing, freed on every path. */
typedef struct sign_bufs {
    aws_url u;
    strbuf body, payload, canon, sts, list, key, auth;
} sign_bufs;

static void sign_bufs_free(sign_bufs *b)
{
    if (!b)
        return;
    sb_free(&b->u.host);
    sb_free(&b->u.path);
    sb_free(&b->u.query);
    sb_free(&b->body);
    sb_free(&b->payload);
    sb_free(&b->canon);
    sb_free(&b->sts);
    sb_free(&b->list);
    sb_free(&b->key);
    sb_free(&b->auth);
    free(b);
}

static bi_status sign_req(bi_ctx *c, val *const *args, val **out, sign_bufs *b)
{
    arena *a = c->a;
    val *req = args[0], *cfg = args[1], *ts = args[2];
    if (val_kind_of(req) != VAL_OBJECT)
        return bi_operand_type(c, 1, req, "object");
    if (val_kind_of(cfg) != VAL_OBJECT)
        return bi_operand_type(c, 1, cfg, "object");   /* OPA names operand 1 here too */

    /* validateAWSAuthParameters */
    val *bad[4];
    size_t nbad = 0;
    for (size_t i = 0; i < 4; i++)
        if (!val_object_get_str(cfg, required_config[i], strlen(required_config[i])))
            bad[nbad++] = val_cstring(a, required_config[i]);
    if (nbad) {
        strbuf sb = STRBUF_INIT;
        val_write_rego(&sb, val_set(a, bad, nbad));
        bi_type_error(c, "operand 2 missing required AWS config parameters(s): %s", sb.data ? sb.data : "");
        sb_free(&sb);
        return BI_ERR;
    }
    for (size_t i = 0; i < 4; i++)
        if (val_kind_of(val_object_get_str(cfg, required_config[i], strlen(required_config[i]))) != VAL_STRING)
            bad[nbad++] = val_cstring(a, required_config[i]);
    if (nbad) {
        strbuf sb = STRBUF_INIT;
        val_write_rego(&sb, val_set(a, bad, nbad));
        bi_type_error(c, "operand 2 invalid values for required AWS config parameters(s): %s",
                      sb.data ? sb.data : "");
        sb_free(&sb);
        return BI_ERR;
    }
    const char *service = val_str(val_object_get_str(cfg, "aws_service", 11));
    const char *access = val_str(val_object_get_str(cfg, "aws_access_key", 14));
    const char *secret = val_str(val_object_get_str(cfg, "aws_secret_access_key", 21));
    const char *region = val_str(val_object_get_str(cfg, "aws_region", 10));
    const val *tok = val_object_get_str(cfg, "aws_session_token", 17);
    const char *session = tok ? str_or_empty(tok) : "";

    if (val_kind_of(ts) != VAL_NUMBER)
        return bi_operand_type(c, 1, ts, "number");
    int64_t ns;
    if (!txt_number_int(ts, &ns))
        return bi_type_error(c, "operand 3 could not convert time_ns value into a unix timestamp");

    /* the request must be one http.send accepts */
    static const char *const allowed[] = {
        "method", "url", "body", "enable_redirect", "force_json_decode", "force_yaml_decode", "headers",
        "raw_body", "tls_use_system_certs", "tls_ca_cert", "tls_ca_cert_file", "tls_ca_cert_env_variable",
        "tls_client_cert", "tls_client_cert_file", "tls_client_cert_env_variable", "tls_client_key",
        "tls_client_key_file", "tls_client_key_env_variable", "tls_insecure_skip_verify",
        "tls_server_name", "timeout", "cache", "force_cache", "force_cache_duration_seconds",
        "raise_error", "caching_mode", "max_retry_attempts", "cache_ignored_headers",
    };
    size_t nk = val_len(req);
    val **inv = arena_alloc(a, (nk + 2) * sizeof *inv);
    size_t ninv = 0;
    for (size_t i = 0; i < nk; i++) {
        val *k = val_object_keys(req)[i];
        bool ok = false;
        for (size_t j = 0; j < sizeof allowed / sizeof allowed[0] && !ok && val_kind_of(k) == VAL_STRING; j++)
            ok = strcmp(val_str(k), allowed[j]) == 0;
        if (!ok)
            inv[ninv++] = k;
    }
    const char *what = ninv ? "invalid" : NULL;
    if (!ninv) {
        if (!val_object_get_str(req, "method", 6))
            inv[ninv++] = val_cstring(a, "method");
        if (!val_object_get_str(req, "url", 3))
            inv[ninv++] = val_cstring(a, "url");
        what = ninv ? "missing required" : NULL;
    }
    if (what) {
        strbuf sb = STRBUF_INIT;
        val_write_rego(&sb, val_set(a, inv, ninv));
        bi_type_error(c, "operand 1 %s request parameters(s): %s", what, sb.data ? sb.data : "");
        sb_free(&sb);
        return BI_ERR;
    }

    val *url = val_object_get_str(req, "url", 3), *method = val_object_get_str(req, "method", 6);
    val *headers = val_object_get_str(req, "headers", 7);
    if (headers && val_kind_of(headers) != VAL_OBJECT)
        return bi_operand_type(c, 0, headers, "object");
    ninv = 0;
    if (val_kind_of(url) != VAL_STRING)
        inv[ninv++] = val_cstring(a, "url");
    if (val_kind_of(method) != VAL_STRING)
        inv[ninv++] = val_cstring(a, "method");
    if (ninv) {
        strbuf sb = STRBUF_INIT;
        val_write_rego(&sb, val_set(a, inv, ninv));
        bi_type_error(c, "operand 1 invalid values for required request parameters(s): %s", sb.data ? sb.data : "");
        sb_free(&sb);
        return BI_ERR;
    }

    aws_url *u = &b->u;
    char err[600];
    if (!split_url(val_str(url), u, err, sizeof err))
        return bi_error(c, "%s", err);

    bool unsigned_payload = false;
    val *dps = val_object_get_str(cfg, "disable_payload_signing", 23);
    if (dps) {
        if (val_kind_of(dps) != VAL_BOOL)
            return bi_type_error(c, "operand 2 invalid value for 'disable_payload_signing' in AWS config");
        unsigned_payload = val_is_true(dps);
    }

    /* the payload: raw_body, else the JSON of body, else nothing */
    val *raw = val_object_get_str(req, "raw_body", 8), *jb = val_object_get_str(req, "body", 4);
    if (raw)
        sb_puts(&b->body, str_or_empty(raw));
    else if (jb)
        json_write(&b->body, jb, JSON_ESCAPE_HTML);
    if (unsigned_payload)
        sb_puts(&b->payload, "UNSIGNED-PAYLOAD");
    else
        sha256_hex(&b->payload, b->body.data ? b->body.data : "", b->body.len);

    /* the time, in UTC */
    int64_t sec = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0)
        sec--;
    time_t tt = (time_t)sec;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char date[32], stamp[48];
    snprintf(date, sizeof date, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    snprintf(stamp, sizeof stamp, "%sT%02d%02d%02dZ", date, tm.tm_hour, tm.tm_min, tm.tm_sec);

    /* headers to sign: AWS's, then the request's (lower-cased, some ignored) */
    bool content_hash = strcmp(service, "s3") == 0 || strcmp(service, "glacier") == 0;
    size_t nh = headers ? val_len(headers) : 0;
    kv *sign = arena_alloc(a, (nh + 4) * sizeof *sign);
    size_t nsign = 0;
    const char *host = arena_strndup(a, u->host.data ? u->host.data : "", u->host.len);
    const char *payload = arena_strndup(a, b->payload.data, b->payload.len);
    sign[nsign++] = (kv){"host", host};
    sign[nsign++] = (kv){"x-amz-date", stamp};
    if (content_hash)
        sign[nsign++] = (kv){"x-amz-content-sha256", payload};
    if (*session)
        sign[nsign++] = (kv){"x-amz-security-token", session};
    for (size_t i = 0; i < nh; i++) {
        const char *k = str_or_empty(val_object_keys(headers)[i]);
        char *lk = arena_strndup(a, k, strlen(k));
        for (char *p = lk; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (ignored_header(lk))
            continue;
        const char *v = str_or_empty(val_object_values(headers)[i]);
        size_t j = 0;
        while (j < nsign && strcmp(sign[j].k, lk) != 0)
            j++;
        sign[j] = (kv){lk, v};
        if (j == nsign)
            nsign++;
    }
    qsort(sign, nsign, sizeof *sign, cmp_kv);

    /* the canonical request */
    sb_puts(&b->canon, val_str(method));
    sb_putc(&b->canon, '\n');
    if (u->path.data)
        sb_puts(&b->canon, u->path.data);
    sb_putc(&b->canon, '\n');
    if (u->query.data)
        sb_puts(&b->canon, u->query.data);
    sb_putc(&b->canon, '\n');
    for (size_t i = 0; i < nsign; i++)
        sb_printf(&b->canon, "%s:%s\n", sign[i].k, sign[i].v);
    sb_putc(&b->canon, '\n');
    sb_puts(&b->list, "");
    for (size_t i = 0; i < nsign; i++) {
        if (i)
            sb_putc(&b->list, ';');
        sb_puts(&b->list, sign[i].k);
    }
    sb_printf(&b->canon, "%s\n%s", b->list.data, payload);

    /* the string to sign, and the signing key */
    sb_printf(&b->sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n", stamp, date, region, service);
    sha256_hex(&b->sts, b->canon.data, b->canon.len);
    sb_printf(&b->key, "AWS4%s", secret);
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    hmac((const unsigned char *)b->key.data, b->key.len, date, k1);
    hmac(k1, 32, region, k2);
    hmac(k2, 32, service, k3);
    hmac(k3, 32, "aws4_request", k4);
    hmac(k4, 32, b->sts.data, sig);
    sb_printf(&b->auth, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request,SignedHeaders=%s,Signature=",
              access, date, region, service, b->list.data);
    hex(&b->auth, sig, 32);

    /* the request's headers, Authorization, and the AWS headers */
    val_objb hb;
    val_objb_init(&hb, a);
    for (size_t i = 0; i < nh; i++)
        val_objb_set(&hb, val_cstring(a, str_or_empty(val_object_keys(headers)[i])),
                     val_cstring(a, str_or_empty(val_object_values(headers)[i])));
    val_objb_set(&hb, val_cstring(a, "Authorization"), val_string(a, b->auth.data, b->auth.len));
    val_objb_set(&hb, val_cstring(a, "host"), val_cstring(a, host));
    val_objb_set(&hb, val_cstring(a, "x-amz-date"), val_cstring(a, stamp));
    if (content_hash)
        val_objb_set(&hb, val_cstring(a, "x-amz-content-sha256"), val_cstring(a, payload));
    if (*session)
        val_objb_set(&hb, val_cstring(a, "x-amz-security-token"), val_cstring(a, session));

    val_objb rb;
    val_objb_init(&rb, a);
    for (size_t i = 0; i < nk; i++)
        val_objb_set(&rb, val_object_keys(req)[i], val_object_values(req)[i]);
    val_objb_set(&rb, val_cstring(a, "headers"), val_objb_finish(&hb));
    *out = val_objb_finish(&rb);
    return BI_OK;
}

bi_status bi_aws_sign_req(bi_ctx *c, val *const *args, val **out)
{
    sign_bufs *b = calloc(1, sizeof *b);
    if (!b)
        return bi_error(c, "out of memory");
    jmp_buf here;
    jmp_buf *volatile outer = c->a->oom;
    if (outer) {
        if (setjmp(here)) {
            c->a->oom = outer;
            sign_bufs_free(b);
            longjmp(*outer, c->a->oom_code ? c->a->oom_code : ARENA_OOM);
        }
        c->a->oom = &here;
    }
    bi_status rc = sign_req(c, args, out, b);
    c->a->oom = outer;
    sign_bufs_free(b);
    return rc;
}
