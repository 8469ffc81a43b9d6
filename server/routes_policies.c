/* routes_policies.c — OPA's Policy API: list, get, put and delete modules.
 * Responses carry "id" and "raw"; OPA's "ast" is left out because the
 * engine's public API has no AST in OPA's JSON form. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void finish(http_response *res, buf *b, int pretty)
{
    reply_json_begin(res, 200);
    if (b->oom)
        res->body.oom = 1;
    else if (pretty)
        json_pretty(&res->body, b->data, b->len);
    else
        buf_append(&res->body, b->data, b->len);
    buf_putc(&res->body, '\n');
    buf_free(b);
}

static void not_found(http_response *res, const char *id)
{
    buf q = BUF_INIT;
    buf_json_cstr(&q, id);
    reply_error(res, 404, "resource_not_found", "storage_not_found_error: policy id %s", q.data ? q.data : "");
    buf_free(&q);
}

static void route_policy(server *s, const http_request *req, const char *id, http_response *res, int pretty);

/* ---- a module's package, for bundle ownership ---- */

static int ident_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* The package of a module as a slash path ("a/b"); NULL when the text does
 * not begin with a package clause this small scan understands. */
static char *package_path(const char *t, size_t len)
{
    size_t i = 0;
    for (;;) {
        while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
            i++;
        if (i < len && t[i] == '#') {
            while (i < len && t[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    if (len - i < 8 || memcmp(t + i, "package", 7) != 0 || (t[i + 7] != ' ' && t[i + 7] != '\t'))
        return NULL;
    i += 7;
    while (i < len && (t[i] == ' ' || t[i] == '\t'))
        i++;
    buf out = BUF_INIT;
    int first = 1;
    while (i < len) {
        if (first || t[i] == '.') {
            if (!first)
                i++;
            size_t a = i;
            while (i < len && ident_char(t[i], i == a))
                i++;
            if (i == a)
                break;
            if (!first)
                buf_putc(&out, '/');
            buf_append(&out, t + a, i - a);
            first = 0;
        } else if (t[i] == '[' && i + 1 < len && t[i + 1] == '"') {
            size_t a = i + 2, b = a;
            while (b < len && t[b] != '"' && t[b] != '\n')
                b++;
            if (b + 1 >= len || t[b] != '"' || t[b + 1] != ']')
                break;
            buf_putc(&out, '/');
            buf_append(&out, t + a, b - a);
            i = b + 2;
        } else {
            break;
        }
    }
    if (first) {
        buf_free(&out);
        return NULL;
    }
    return buf_detach(&out);
}

/* OPA refuses a module whose package lies inside an active bundle's roots. */
static int refuse_owned(server *s, const char *text, size_t len, http_response *res)
{
    char *pkg = text ? package_path(text, len) : NULL;
    int refused = pkg && refuse_bundle_path(s, pkg, res);
    free(pkg);
    return refused;
}

static void policy_failure(http_response *res, verdict_status st, const verdict_errors *errs, const char *code)
{
    const char *first = errs && verdict_errors_count(errs) ? verdict_error_code(errs, 0) : "";
    if (strncmp(first, "rego_", 5) == 0)
        reply_errors(res, 400, code, "error(s) occurred while compiling module(s)", errs);
    else
        reply_engine_failure(res, st, errs);
}

void route_policies(server *s, const http_request *req, const char *id, http_response *res)
{
    int pretty = req_bool(req, "pretty");
    /* Modules loaded from absolute paths have ids starting with '/', which
     * the URL cannot keep ("//" collapses): try the id with it. */
    char *slashed = NULL;
    if (id && req->method != M_PUT) {
        char *text = verdict_module_text(s->eng, id);
        if (!text && asprintf(&slashed, "/%s", id) >= 0) {
            char *alt = verdict_module_text(s->eng, slashed);
            if (alt)
                id = slashed;
            free(alt);
        }
        free(text);
    }
    route_policy(s, req, id, res, pretty);
    free(slashed);
}

static void route_policy(server *s, const http_request *req, const char *id, http_response *res, int pretty)
{
    if (!id) {
        char *list = verdict_modules_json(s->eng);
        if (!list) {
            reply_error(res, 500, "internal_error", "out of memory");
            return;
        }
        buf b = BUF_INIT;
        buf_puts(&b, "{\"result\":");
        buf_puts(&b, list);
        buf_putc(&b, '}');
        free(list);
        finish(res, &b, pretty);
        return;
    }
    if (req->method == M_GET) {
        char *text = verdict_module_text(s->eng, id);
        if (!text) {
            not_found(res, id);
            return;
        }
        buf b = BUF_INIT;
        buf_puts(&b, "{\"result\":{\"id\":");
        buf_json_cstr(&b, id);
        buf_puts(&b, ",\"raw\":");
        buf_json_cstr(&b, text);
        buf_puts(&b, "}}");
        free(text);
        finish(res, &b, pretty);
        return;
    }
    uint64_t t0 = now_mono_ns();
    verdict_errors *errs = NULL;
    verdict_status st;
    if (req->method == M_PUT) {
        if (json_blank(req->body, req->body_len)) {
            reply_error(res, 400, "invalid_parameter", "empty module");
            return;
        }
        char *cur = verdict_module_text(s->eng, id);
        if ((cur && refuse_owned(s, cur, strlen(cur), res)) || refuse_owned(s, req->body, req->body_len, res)) {
            free(cur);
            return;
        }
        int same = cur && strlen(cur) == req->body_len && memcmp(cur, req->body, req->body_len) == 0;
        free(cur);
        st = same ? VERDICT_OK : verdict_put_module(s->eng, id, req->body, req->body_len, &errs);
        if (st != VERDICT_OK) {
            policy_failure(res, st, errs, "invalid_parameter");
            verdict_errors_free(errs);
            return;
        }
    } else {
        char *cur = verdict_module_text(s->eng, id);
        int owned = cur && refuse_owned(s, cur, strlen(cur), res);
        free(cur);
        if (owned)
            return;
        st = verdict_delete_module(s->eng, id, &errs);
        if (st != VERDICT_OK) {
            const char *first = errs && verdict_errors_count(errs) ? verdict_error_code(errs, 0) : "";
            if (strcmp(first, "resource_not_found") == 0)
                not_found(res, id);
            else
                policy_failure(res, st, errs, "invalid_operation");
            verdict_errors_free(errs);
            return;
        }
    }
    verdict_errors_free(errs);
    buf b = BUF_INIT;
    if (req_bool(req, "metrics"))
        buf_printf(&b, "{\"metrics\":{\"timer_rego_module_compile_ns\":%llu}}",
                   (unsigned long long)(now_mono_ns() - t0));
    else
        buf_puts(&b, "{}");
    finish(res, &b, pretty);
}
