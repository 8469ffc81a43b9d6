/* authz.c — API authorization by policy (authz.h), as OPA's
 * server/authorizer: the input is {method, path, params, headers, body?,
 * identity?}; true, or {"allowed": true}, lets the request through. */
#include "authz.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUTHZ_DECISION "system/authz/allow"

const char *authz_bearer_token(const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "bearer ", 7) != 0)
        return NULL;
    return authorization + 7;
}

/* "/v1/data/a" -> ["v1", "data", "a"] (OPA splits the path after its
 * leading slash, so "/" is [""]) */
static void put_path(buf *b, const char *path)
{
    buf_putc(b, '[');
    const char *p = path[0] == '/' ? path + 1 : path;
    for (;;) {
        size_t n = strcspn(p, "/");
        buf_json_str(b, p, n);
        if (!p[n])
            break;
        buf_putc(b, ',');
        p += n + 1;
    }
    buf_putc(b, ']');
}

/* {"name": ["value", ...]} in order of first appearance */
static void put_params(buf *b, const http_request *req)
{
    buf_putc(b, '{');
    int first = 1;
    for (int i = 0; i < req->nargs; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(req->args[j].name, req->args[i].name) == 0;
        if (seen)
            continue;
        if (!first)
            buf_putc(b, ',');
        first = 0;
        buf_json_cstr(b, req->args[i].name);
        buf_puts(b, ":[");
        for (int j = i, k = 0; j < req->nargs; j++)
            if (strcmp(req->args[j].name, req->args[i].name) == 0) {
                if (k++)
                    buf_putc(b, ',');
                buf_json_cstr(b, req->args[j].value);
            }
        buf_putc(b, ']');
    }
    buf_putc(b, '}');
}

/* OPA reads the body for POST to "/" and to the data APIs (whole path
 * segments: "/v1/database" is none of them) */
static int body_expected(const http_request *req)
{
    if (req->method != M_POST)
        return 0;
    const char *p = req->path;
    return strcmp(p, "/") == 0 || strcmp(p, "") == 0 || path_under(p, "/v1/data") || path_under(p, "/v0/data");
}

int authz_allow(server *s, const http_request *req, http_response *res)
{
    buf in = BUF_INIT;
    buf_puts(&in, "{\"method\":");
    /* a method the server does not know is "" here, as before (it is refused with 405 after) */
    buf_json_cstr(&in, req->method == M_OTHER ? "" : http_method_name(req->method));
    buf_puts(&in, ",\"path\":");
    put_path(&in, req->path);
    buf_puts(&in, ",\"params\":");
    put_params(&in, req);
    buf_puts(&in, ",\"headers\":");
    buf_puts(&in, req->headers_json ? req->headers_json : "{}");
    if (body_expected(req)) {
        size_t len;
        char *owned;
        const char *body = body_json(s, req, res, "", &len, &owned);
        if (!body) {
            buf_free(&in);
            return 0;  /* res says why: OPA answers 400 for a body it cannot read */
        }
        if (len) {
            buf_puts(&in, ",\"body\":");
            buf_append(&in, body, len);
        }
        free(owned);
    }
    const char *token = s->opts.auth_token ? authz_bearer_token(req->authorization) : NULL;
    if (token) {
        buf_puts(&in, ",\"identity\":");
        buf_json_cstr(&in, token);
    }
    buf_putc(&in, '}');
    if (in.oom) {
        buf_free(&in);
        reply_error(res, 500, "internal_error", "out of memory");
        return 0;
    }

    char *out = NULL;
    verdict_errors *errs = NULL;
    verdict_status st = verdict_eval(s->eng, AUTHZ_DECISION, in.data, in.len, &out, &errs);
    buf_free(&in);
    int allowed = 0;
    if (st == VERDICT_UNDEFINED) {
        reply_error(res, 500, "internal_error", "authorization policy missing or undefined");
    } else if (st != VERDICT_OK) {
        reply_engine_failure(res, st, errs);
    } else if (strcmp(out, "true") == 0) {
        allowed = 1;
    } else if (out[0] == '{') {
        json_err je;
        jnode *d = jn_parse(out, strlen(out), JSON_MAX_DEPTH, &je);
        jnode *a = d ? jn_get(d, "allowed") : NULL;
        const char *reason = d ? jn_str(jn_get(d, "reason")) : NULL;
        if (!a)
            reply_error(res, 500, "internal_error", "document missing or undefined");
        else if (a->type == JN_BOOL && jn_true(a))
            allowed = 1;
        else
            reply_error(res, 401, "unauthorized", "%s", reason ? reason : "request rejected by administrative policy");
        jn_free(d);
    } else {
        reply_error(res, 401, "unauthorized", "request rejected by administrative policy");
    }
    free(out);
    verdict_errors_free(errs);
    return allowed;
}
