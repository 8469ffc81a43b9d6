/* routes_policies.c — OPA's Policy API: list, get, put and delete modules.
 * Responses carry "id" and "raw"; OPA's "ast" is left out because the
 * engine's public API has no AST in OPA's JSON form. */
#include "internal.h"

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
        int same = cur && strlen(cur) == req->body_len && memcmp(cur, req->body, req->body_len) == 0;
        free(cur);
        st = same ? VERDICT_OK : verdict_put_module(s->eng, id, req->body, req->body_len, &errs);
        if (st != VERDICT_OK) {
            policy_failure(res, st, errs, "invalid_parameter");
            verdict_errors_free(errs);
            return;
        }
    } else {
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
