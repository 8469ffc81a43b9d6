/* router.c — OPA's paths and methods to routes, and the reply helpers
 * every route uses (OPA's error bodies, content types, request bodies). */
#include "internal.h"
#include "authz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- request helpers ---- */

const char *req_arg(const http_request *req, const char *name)
{
    const char *found = NULL;
    for (int i = 0; i < req->nargs; i++)
        if (strcmp(req->args[i].name, name) == 0)
            found = req->args[i].value;  /* the last one wins, as in OPA */
    return found;
}

int req_bool(const http_request *req, const char *name)
{
    int present = 0, yes = 0, n = 0;
    for (int i = 0; i < req->nargs; i++) {
        if (strcmp(req->args[i].name, name) != 0)
            continue;
        present = 1;
        n++;
        if (strcasecmp(req->args[i].value, "true") == 0)
            yes = 1;
        if (req->args[i].value[0] == '\0' && n == 1)
            yes = 1;
    }
    return present && yes;
}

/* ---- replies ---- */

void reply_json_begin(http_response *res, int status)
{
    res->status = status;
    res->content_type = "application/json";
    buf_reset(&res->body);
}

/* OPA writes error bodies with json.MarshalIndent and a newline. */
static void finish_pretty(http_response *res, buf *compact)
{
    buf_reset(&res->body);
    if (compact->oom)
        res->body.oom = 1;
    else
        json_pretty(&res->body, compact->data, compact->len);
    buf_putc(&res->body, '\n');
    buf_free(compact);
}

void reply_error(http_response *res, int status, const char *code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    res->status = status;
    res->content_type = "application/json";
    buf b = BUF_INIT;
    buf_puts(&b, "{\"code\":");
    buf_json_cstr(&b, code);
    buf_puts(&b, ",\"message\":");
    buf_json_cstr(&b, msg);
    buf_putc(&b, '}');
    finish_pretty(res, &b);
}

static void write_errors_array(buf *b, const verdict_errors *errs)
{
    buf_putc(b, '[');
    size_t n = errs ? verdict_errors_count(errs) : 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        buf_puts(b, "{\"code\":");
        buf_json_cstr(b, verdict_error_code(errs, i));
        buf_puts(b, ",\"message\":");
        buf_json_cstr(b, verdict_error_message(errs, i));
        const char *file = verdict_error_file(errs, i);
        int row = verdict_error_row(errs, i);
        if ((file && *file) || row > 0) {
            buf_puts(b, ",\"location\":{\"file\":");
            buf_json_cstr(b, file ? file : "");
            buf_printf(b, ",\"row\":%d,\"col\":%d}", row, verdict_error_col(errs, i));
        }
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

void reply_errors(http_response *res, int status, const char *code, const char *message,
                  const verdict_errors *errs)
{
    res->status = status;
    res->content_type = "application/json";
    buf b = BUF_INIT;
    buf_puts(&b, "{\"code\":");
    buf_json_cstr(&b, code);
    buf_puts(&b, ",\"message\":");
    buf_json_cstr(&b, message);
    if (errs && verdict_errors_count(errs)) {
        buf_puts(&b, ",\"errors\":");
        write_errors_array(&b, errs);
    }
    buf_putc(&b, '}');
    finish_pretty(res, &b);
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void reply_engine_failure(http_response *res, verdict_status st, const verdict_errors *errs)
{
    if (st == VERDICT_NOMEM) {
        reply_error(res, 500, "internal_error", "out of memory");
        return;
    }
    const char *code = errs && verdict_errors_count(errs) ? verdict_error_code(errs, 0) : "";
    const char *msg = errs && verdict_errors_count(errs) ? verdict_error_message(errs, 0) : "";
    if (st == VERDICT_MISUSE)
        reply_error(res, 400, "invalid_parameter", "invalid request");
    else if (strcmp(code, "bundle_error") == 0 || strcmp(code, "invalid_parameter") == 0 ||
             strcmp(code, "invalid_input") == 0)
        reply_error(res, 400, "invalid_parameter", "%s", msg);
    else if (strcmp(code, "storage_not_found_error") == 0)
        reply_error(res, 404, "resource_not_found", "%s: %s", code, msg);
    else if (strcmp(code, "resource_not_found") == 0)
        reply_error(res, 404, "resource_not_found", "%s", msg);
    else if (strcmp(code, "storage_write_conflict_error") == 0)
        reply_error(res, 404, "resource_conflict", "%s: %s", code, msg);
    else if (starts(code, "storage_"))
        reply_error(res, 400, "invalid_parameter", "%s: %s", code, msg);
    else if (starts(code, "rego_"))
        reply_errors(res, 400, "invalid_parameter", "error(s) occurred while compiling module(s)", errs);
    else if (starts(code, "eval_"))
        reply_errors(res, 500, "internal_error", "error(s) occurred while evaluating query", errs);
    else
        reply_error(res, 500, "internal_error", "%s", *msg ? msg : "internal error");
}

int body_content_ok(const http_request *req, http_response *res, int *yaml)
{
    char ct[128];
    size_t n = strcspn(req->content_type, ";");
    if (n >= sizeof ct)
        n = sizeof ct - 1;
    memcpy(ct, req->content_type, n);
    ct[n] = '\0';
    while (n && isspace((unsigned char)ct[n - 1]))
        ct[--n] = '\0';
    for (char *p = ct; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    *yaml = strstr(ct, "yaml") != NULL;
    /* OPA reads anything as JSON; curl -d sends form-urlencoded, fetch()
     * sends text/plain, so those stay accepted. */
    if (*yaml || !ct[0] || strcmp(ct, "application/json") == 0 || strcmp(ct, "text/json") == 0 ||
        strcmp(ct, "application/x-www-form-urlencoded") == 0 || strcmp(ct, "text/plain") == 0 ||
        (strncmp(ct, "application/", 12) == 0 && n > 5 && strcmp(ct + n - 5, "+json") == 0))
        return 1;
    reply_error(res, 415, "invalid_parameter", "unsupported Content-Type \"%s\": send application/json (or YAML)",
                req->content_type);
    return 0;
}

const char *body_json(server *s, const http_request *req, http_response *res, const char *what, size_t *len,
                      char **owned)
{
    *owned = NULL;
    *len = 0;
    if (json_blank(req->body, req->body_len))
        return "";
    int yaml = 0;
    if (!body_content_ok(req, res, &yaml))
        return NULL;
    if (yaml) {
        char *err = NULL;
        jnode *t = yaml_to_tree(req->body, req->body_len, "body", &err);
        if (!t) {
            reply_error(res, 400, "invalid_parameter", "%s%s", what, err ? err : "cannot parse YAML");
            free(err);
            return NULL;
        }
        buf b = BUF_INIT;
        jn_write(&b, t, 0);
        jn_free(t);
        *len = b.len;
        *owned = buf_detach(&b);
        if (!*owned)
            reply_error(res, 500, "internal_error", "out of memory");
        return *owned;
    }
    json_err je;
    if (json_check(req->body, req->body_len, s->max_depth, &je) != 0) {
        reply_error(res, 400, "invalid_parameter", "%s%s", what, je.msg);
        return NULL;
    }
    *len = req->body_len;
    return req->body;
}

/* Whether the slash paths a and b agree on their leading segments up to
 * the shorter one (OPA's isPathOwned). */
static int paths_overlap(const char *a, const char *b)
{
    if (!*a || !*b)
        return 1;
    for (;;) {
        size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
        if (na != nb || memcmp(a, b, na) != 0)
            return 0;
        a += na, b += nb;
        if (!*a || !*b)
            return 1;
        a++, b++;
    }
}

int refuse_bundle_path(server *s, const char *path, http_response *res)
{
    while (*path == '/')
        path++;
    size_t n = strlen(path);
    while (n && path[n - 1] == '/')
        n--;
    char *p = strndup(path, n);
    char *json = verdict_bundles_json(s->eng);
    jnode *all = json && p ? jn_parse(json, strlen(json), 0, NULL) : NULL;
    free(json);
    int refused = 0;
    if (all && all->type == JN_OBJECT && all->n && !*p) {
        reply_error(res, 400, "invalid_parameter", "can't write to document root with bundle roots configured");
        refused = 1;
    }
    for (size_t i = 0; all && all->type == JN_OBJECT && i < all->n && !refused; i++) {
        jnode *roots = jn_get(all->items[i], "roots");
        for (size_t r = 0; roots && roots->type == JN_ARRAY && r < roots->n && !refused; r++) {
            const char *root = jn_str(roots->items[r]);
            if (root && !*root) {
                reply_error(res, 400, "invalid_parameter", "all paths owned by bundle \"%s\"", all->keys[i]);
                refused = 1;
            } else if (root && paths_overlap(p, root)) {
                reply_error(res, 400, "invalid_parameter", "path %s is owned by bundle \"%s\"", p, all->keys[i]);
                refused = 1;
            }
        }
    }
    jn_free(all);
    free(p);
    return refused;
}

/* OPA prints a ref's terms with dots when they look like identifiers. */
void path_to_ref(buf *out, const char *path)
{
    buf_puts(out, "data");
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        int ident = isalpha((unsigned char)p[0]) || p[0] == '_';
        int number = 1;
        for (size_t i = 0; i < n; i++) {
            if (!isalnum((unsigned char)p[i]) && p[i] != '_')
                ident = 0;
            if (!isdigit((unsigned char)p[i]))
                number = 0;
        }
        if (number && n < 18) {
            buf_printf(out, "[%.*s]", (int)n, p);
        } else if (ident) {
            buf_putc(out, '.');
            buf_append(out, p, n);
        } else {
            buf_putc(out, '[');
            buf_json_str(out, p, n);
            buf_putc(out, ']');
        }
        p += n;
    }
}

/* ---- routing ---- */

const char *http_method_name(http_method m)
{
    static const char *names[M_COUNT] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER"};
    return m < M_COUNT ? names[m] : "OTHER";
}

/* When path is prefix or prefix/..., the rest (without leading slashes). */
const char *path_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return NULL;
    if (path[n] == '\0')
        return path + n;
    if (path[n] != '/')
        return NULL;
    const char *rest = path + n;
    while (*rest == '/')
        rest++;
    return rest;
}

static void not_allowed(http_response *res, const char *allow)
{
    res->label = H_CATCHALL;
    res->allow = allow;
    reply_error(res, 405, "invalid_operation", "method not allowed (allowed: %s)", allow);
}

void router_dispatch(server *s, const http_request *in, http_response *res)
{
    http_request reqv = *in;
    const http_request *req = &reqv;
    http_method m = req->method == M_HEAD ? M_GET : req->method;  /* HEAD answers as GET */
    const char *path = req->path;
    const char *rest;

    if (req->diagnostic && !path_under(path, "/health") && strcmp(path, "/metrics") != 0) {
        /* the diagnostic listener serves /health and /metrics only */
        res->label = H_CATCHALL;
        reply_error(res, 404, "resource_not_found", "unknown path: %s", path);
    } else if (!req->diagnostic && s->opts.authz_basic && !authz_allow(s, req, res)) {
        res->label = H_CATCHALL;  /* refused before it reached an endpoint */
    } else if ((rest = path_under(path, "/v1/data"))) {
        res->label = H_V1_DATA;
        if (m == M_GET || m == M_POST || m == M_PUT || m == M_PATCH || m == M_DELETE) {
            reqv.method = m;
            route_v1_data(s, req, rest, res);
        } else {
            not_allowed(res, "GET, POST, PUT, PATCH, DELETE");
        }
    } else if ((rest = path_under(path, "/v0/data"))) {
        res->label = H_V0_DATA;
        if (m == M_POST)
            route_v0_data(s, req, rest, res);
        else
            not_allowed(res, "POST");
    } else if ((rest = path_under(path, "/v1/policies"))) {
        res->label = H_V1_POLICIES;
        if (!*rest && m == M_GET)
            route_policies(s, req, NULL, res);
        else if (*rest && (m == M_GET || m == M_PUT || m == M_DELETE)) {
            reqv.method = m;
            route_policies(s, req, rest, res);
        } else
            not_allowed(res, *rest ? "GET, PUT, DELETE" : "GET");
    } else if ((rest = path_under(path, "/v1/query"))) {
        res->label = H_V1_QUERY;
        if (!*rest && (m == M_GET || m == M_POST)) {
            reqv.method = m;
            route_query(s, req, res);
        } else
            not_allowed(res, "GET, POST");
    } else if ((rest = path_under(path, "/health"))) {
        res->label = H_HEALTH;
        if (m == M_GET)
            route_health(s, req, rest, res);
        else
            not_allowed(res, "GET");
    } else if (strcmp(path, "/metrics") == 0) {
        res->label = H_METRICS;
        if (m == M_GET)
            route_metrics(s, req, res);
        else
            not_allowed(res, "GET");
    } else if (strcmp(path, "/v1/status") == 0) {
        res->label = H_V1_STATUS;
        if (m == M_GET)
            route_status(s, req, res);
        else
            not_allowed(res, "GET");
    } else if (strcmp(path, "/v1/config") == 0) {
        res->label = H_V1_CONFIG;
        if (m == M_GET)
            route_config(s, req, res);
        else
            not_allowed(res, "GET");
    } else if (strcmp(path, "/") == 0) {
        res->label = H_INDEX;
        if (m == M_POST) {
            route_index_post(s, req, res);
        } else if (m == M_GET) {
            res->status = 200;
            res->content_type = "text/plain; charset=utf-8";
            buf_printf(&res->body, "Verdict %s, an Open Policy Agent compatible policy engine.\n"
                                   "API: /v1/data, /v0/data, /v1/policies, /v1/query, /health, /metrics\n",
                       VERDICT_VERSION);
        } else {
            not_allowed(res, "GET, POST");
        }
    } else {
        res->label = H_CATCHALL;
        reply_error(res, 404, "resource_not_found", "unknown path: %s", path);
    }
}
