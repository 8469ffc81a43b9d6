/* routes_query.c — OPA's Query API: GET /v1/query?q= and POST /v1/query
 * ({"query", "input"}).  The answer is the list of variable bindings per
 * solution, {"result": [{...}, ...]}, or {} when there is none. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void query_failure(http_response *res, verdict_status st, const verdict_errors *errs)
{
    const char *first = errs && verdict_errors_count(errs) ? verdict_error_code(errs, 0) : "";
    if (strcmp(first, "rego_parse_error") == 0)
        reply_errors(res, 400, "invalid_parameter", "error(s) occurred while parsing query", errs);
    else if (strncmp(first, "rego_", 5) == 0)
        reply_errors(res, 400, "invalid_parameter", "error(s) occurred while compiling query", errs);
    else
        reply_engine_failure(res, st, errs);
}

void route_query(server *s, const http_request *req, http_response *res)
{
    char *query = NULL, *owned = NULL;
    const char *input = NULL;
    size_t ilen = 0;
    uint64_t t0 = now_mono_ns();
    if (req->method == M_GET) {
        const char *q = req_arg(req, "q");
        if (!q) {
            reply_error(res, 400, "invalid_parameter", "missing parameter 'q'");
            return;
        }
        query = strdup(q);
    } else {
        size_t len;
        const char *doc = body_json(s, req, res, "error(s) occurred while decoding request: ", &len, &owned);
        if (!doc)
            return;
        const char *qv = NULL;
        size_t qlen = 0;
        int found = len ? json_member(doc, len, "query", &qv, &qlen) : 0;
        if (found < 0) {
            reply_error(res, 400, "invalid_parameter", "error(s) occurred while decoding request: json: cannot "
                                                       "unmarshal non-object into Go value of type "
                                                       "types.QueryRequestV1");
            free(owned);
            return;
        }
        if (found == 1 && qv[0] != '"') {
            reply_error(res, 400, "invalid_parameter", "error(s) occurred while decoding request: json: cannot "
                                                       "unmarshal non-string into Go struct field "
                                                       "QueryRequestV1.query of type string");
            free(owned);
            return;
        }
        query = found == 1 ? json_decode_string(qv, qlen, NULL) : strdup("");
        if (len && json_member(doc, len, "input", &input, &ilen) != 1)
            input = NULL, ilen = 0;
        if (input && ilen == 4 && memcmp(input, "null", 4) == 0)
            input = NULL, ilen = 0;
    }
    if (!query) {
        reply_error(res, 500, "internal_error", "out of memory");
        free(owned);
        return;
    }
    uint64_t t1 = now_mono_ns();
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = input;
    qo.input_len = ilen;
    verdict_result *r = NULL;
    verdict_errors *errs = NULL;
    verdict_status st = verdict_query(s->eng, query, &qo, &r, &errs);
    uint64_t t2 = now_mono_ns();

    buf rows = BUF_INIT;
    size_t n = st == VERDICT_OK ? verdict_result_count(r) : 0;
    buf_putc(&rows, '[');
    for (size_t i = 0; i < n; i++) {
        char *b = verdict_result_bindings(r, i, 0);
        if (i)
            buf_putc(&rows, ',');
        buf_puts(&rows, b ? b : "{}");
        if (!b)
            rows.oom = 1;
        free(b);
    }
    buf_putc(&rows, ']');

    if (s->dlog) {
        char did[37];
        server_uuid(did);
        buf m = BUF_INIT;
        buf_printf(&m, "{\"timer_rego_query_eval_ns\":%llu,\"timer_server_handler_ns\":%llu}",
                   (unsigned long long)(t2 - t1), (unsigned long long)(now_mono_ns() - req->start_ns));
        dlog_event ev;
        memset(&ev, 0, sizeof ev);
        ev.decision_id = did;
        ev.query = query;
        ev.input = input;
        ev.input_len = ilen;
        ev.result = st == VERDICT_OK && n ? rows.data : NULL;
        ev.result_len = ev.result ? rows.len : 0;
        ev.errors = st == VERDICT_OK ? NULL : errs;
        ev.requested_by = req->remote_addr;
        ev.request_id = req->request_id;
        ev.req_id = atomic_fetch_add(&s->next_req_id, 1) + 1;
        ev.metrics_json = m.data;
        dlog_log(s, &ev);
        buf_free(&m);
    }

    if (st != VERDICT_OK) {
        query_failure(res, st, errs);
    } else {
        buf b = BUF_INIT;
        buf_putc(&b, '{');
        int comma = 0;
        if (req_bool(req, "metrics") || req_bool(req, "instrument")) {
            buf_printf(&b, "\"metrics\":{\"timer_rego_query_parse_ns\":%llu,\"timer_rego_query_eval_ns\":%llu,"
                           "\"timer_server_handler_ns\":%llu}",
                       (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
                       (unsigned long long)(now_mono_ns() - req->start_ns));
            comma = 1;
        }
        if (n) {
            buf_puts(&b, comma ? ",\"result\":" : "\"result\":");
            buf_append(&b, rows.data, rows.len);
        }
        buf_putc(&b, '}');
        reply_json_begin(res, 200);
        if (b.oom || rows.oom)
            res->body.oom = 1;
        else if (req_bool(req, "pretty"))
            json_pretty(&res->body, b.data, b.len);
        else
            buf_append(&res->body, b.data, b.len);
        buf_putc(&res->body, '\n');
        buf_free(&b);
    }
    buf_free(&rows);
    verdict_result_free(r);
    verdict_errors_free(errs);
    free(query);
    free(owned);
}
