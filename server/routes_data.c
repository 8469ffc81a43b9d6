/* routes_data.c — OPA's Data API: decisions (GET/POST /v1/data/{path},
 * POST /v0/data/{path}, POST /) and writes to base documents
 * (PUT/PATCH/DELETE /v1/data/{path}).
 *
 * The hot path is POST /v1/data/{path}: the body is checked in one pass
 * without building anything, the "input" member is located in place and
 * handed to verdict_eval (whose decision cache is keyed by those bytes),
 * and the response is assembled around the result text. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a decision produced. */
typedef struct decision {
    verdict_status st;
    char *result;               /* JSON text when defined */
    verdict_errors *errs;
    uint64_t t_parse_ns, t_eval_ns;
} decision;

/* verdict_eval does not take strict builtin errors: those decisions go
 * through the query API with the path as a reference. */
static verdict_status eval_as_query(server *s, const char *path, const char *input, size_t ilen, int strict,
                                    char **result, verdict_errors **errs)
{
    buf q = BUF_INIT;
    path_to_ref(&q, path);
    if (q.oom) {
        buf_free(&q);
        return VERDICT_NOMEM;
    }
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = input;
    qo.input_len = ilen;
    qo.strict_builtin_errors = strict;
    verdict_result *r = NULL;
    verdict_status st = verdict_query(s->eng, q.data, &qo, &r, errs);
    buf_free(&q);
    if (st == VERDICT_OK) {
        if (verdict_result_count(r) > 0) {
            *result = verdict_result_expr_value(r, 0, 0, 0);
            st = *result ? VERDICT_OK : VERDICT_NOMEM;
        } else {
            st = VERDICT_UNDEFINED;
        }
    }
    verdict_result_free(r);
    return st;
}

static void decide(server *s, const char *path, const char *input, size_t ilen, int strict, decision *d)
{
    uint64_t t0 = now_mono_ns();
    /* verdict_eval reads "data" and "data.x" as references; a top-level
     * key named "data" needs the slash form */
    char *slashed = NULL;
    if (strncmp(path, "data", 4) == 0 && (path[4] == '\0' || path[4] == '.' || path[4] == '/') &&
        asprintf(&slashed, "/%s", path) >= 0)
        path = slashed;
    d->st = strict ? eval_as_query(s, path, input, ilen, strict, &d->result, &d->errs)
                    : verdict_eval(s->eng, path, input, ilen, &d->result, &d->errs);
    free(slashed);
    d->t_eval_ns = now_mono_ns() - t0;
}

static void decision_free(decision *d)
{
    free(d->result);
    verdict_errors_free(d->errs);
}

static void write_metrics(buf *b, const decision *d, uint64_t handler_ns)
{
    buf_printf(b, "{\"timer_rego_input_parse_ns\":%llu,\"timer_rego_query_eval_ns\":%llu,"
                  "\"timer_server_handler_ns\":%llu}",
               (unsigned long long)d->t_parse_ns, (unsigned long long)d->t_eval_ns,
               (unsigned long long)handler_ns);
}

static void write_provenance(server *s, buf *b)
{
    char *revs = server_revisions(s);
    buf_putc(b, '{');
    if (revs && strcmp(revs, "{}") != 0) {
        buf_puts(b, "\"bundles\":");
        buf_puts(b, revs);
        buf_putc(b, ',');
    }
    buf_puts(b, "\"version\":\"" VERDICT_VERSION "\",\"build_commit\":\"\",\"build_timestamp\":\"\","
                "\"build_hostname\":\"\"}");
    free(revs);
}

static void log_decision(server *s, const http_request *req, const char *decision_id, const char *path,
                         const char *input, size_t ilen, const decision *d)
{
    if (!s->dlog)
        return;
    buf m = BUF_INIT;
    write_metrics(&m, d, now_mono_ns() - req->start_ns);
    dlog_event ev;
    memset(&ev, 0, sizeof ev);
    ev.decision_id = decision_id;
    ev.path = path;
    ev.input = input;
    ev.input_len = ilen;
    ev.result = d->st == VERDICT_OK ? d->result : NULL;
    ev.result_len = ev.result ? strlen(ev.result) : 0;
    ev.errors = d->st == VERDICT_OK || d->st == VERDICT_UNDEFINED ? NULL : d->errs;
    ev.requested_by = req->remote_addr;
    ev.request_id = req->request_id;
    ev.req_id = atomic_fetch_add(&s->next_req_id, 1) + 1;
    ev.metrics_json = m.data;
    dlog_log(s, &ev);
    buf_free(&m);
}

/* GET and POST /v1/data/{path}: {"result": ...} or {} when undefined. */
static void data_decision(server *s, const http_request *req, const char *path, http_response *res)
{
    int pretty = req_bool(req, "pretty");
    int metrics = req_bool(req, "metrics") || req_bool(req, "instrument");
    int provenance = req_bool(req, "provenance");
    int strict = req_bool(req, "strict-builtin-errors");
    decision d;
    memset(&d, 0, sizeof d);
    const char *input = NULL;
    size_t ilen = 0;
    char *owned = NULL;
    int warn_no_input = 0;

    uint64_t t0 = now_mono_ns();
    if (req->method == M_POST) {
        size_t dlen;
        const char *doc = body_json(s, req, res, "body contains malformed input document: ", &dlen, &owned);
        if (!doc)
            return;
        int found = dlen ? json_member(doc, dlen, "input", &input, &ilen) : 0;
        const char *first = doc + strspn(doc, " \t\r\n");
        if (found < 0 && strncmp(first, "null", 4) != 0) {
            reply_error(res, 400, "invalid_parameter",
                        "body contains malformed input document: json: cannot unmarshal %s into Go value of type "
                        "types.DataRequestV1",
                        *first == '[' ? "array" : *first == '"' ? "string" : *first == 't' || *first == 'f' ? "bool"
                                                                                                  : "number");
            free(owned);
            return;
        }
        if (found == 1 && ilen == 4 && memcmp(input, "null", 4) == 0)
            found = 0;  /* {"input": null} is no input, as in OPA */
        if (found != 1) {
            input = NULL;
            ilen = 0;
            warn_no_input = 1;
        }
    } else {
        const char *q = req_arg(req, "input");
        if (q) {
            json_err je;
            if (json_check(q, strlen(q), s->max_depth, &je) != 0) {
                reply_error(res, 400, "invalid_parameter", "parameter contains malformed input document: %s",
                            je.msg);
                return;
            }
            input = q;
            ilen = strlen(q);
        }
    }
    d.t_parse_ns = now_mono_ns() - t0;
    decide(s, path, input, ilen, strict, &d);

    char decision_id[37] = "";
    if (s->dlog)
        server_uuid(decision_id);
    log_decision(s, req, decision_id, path, input, ilen, &d);
    if (d.st != VERDICT_OK && d.st != VERDICT_UNDEFINED) {
        reply_engine_failure(res, d.st, d.errs);
        decision_free(&d);
        free(owned);
        return;
    }

    /* fields in the order OPA's DataResponseV1 declares them */
    reply_json_begin(res, 200);
    buf body = BUF_INIT;
    buf *b = pretty ? &body : &res->body;
    buf_putc(b, '{');
    int comma = 0;
    if (provenance) {
        buf_puts(b, "\"provenance\":");
        write_provenance(s, b);
        comma = 1;
    }
    if (metrics) {
        buf_puts(b, comma ? ",\"metrics\":" : "\"metrics\":");
        write_metrics(b, &d, now_mono_ns() - req->start_ns);
        comma = 1;
    }
    if (d.st == VERDICT_OK) {
        buf_puts(b, comma ? ",\"result\":" : "\"result\":");
        buf_puts(b, d.result);
        comma = 1;
    }
    if (warn_no_input) {
        buf_puts(b, comma ? ",\"warning\":" : "\"warning\":");
        buf_puts(b, "{\"code\":\"api_usage_warning\",\"message\":\"'input' key missing from the request\"}");
        comma = 1;
    }
    if (decision_id[0]) {
        buf_puts(b, comma ? ",\"decision_id\":\"" : "\"decision_id\":\"");
        buf_puts(b, decision_id);
        buf_putc(b, '"');
    }
    buf_putc(b, '}');
    if (pretty) {
        if (body.oom)
            res->body.oom = 1;
        else
            json_pretty(&res->body, body.data, body.len);
        buf_free(&body);
    }
    buf_putc(&res->body, '\n');
    decision_free(&d);
    free(owned);
}

/* PUT /v1/data/{path}: create or replace a base document. */
static void data_put(server *s, const http_request *req, const char *path, http_response *res)
{
    size_t len;
    char *owned = NULL;
    uint64_t t0 = now_mono_ns();
    const char *doc = body_json(s, req, res, "", &len, &owned);
    if (!doc)
        return;
    if (len == 0) {
        reply_error(res, 400, "invalid_parameter", "EOF");
        return;
    }
    if (refuse_bundle_path(s, path, res)) {
        free(owned);
        return;
    }
    if (strcmp(req->if_none_match, "*") == 0) {
        char *cur = NULL;
        verdict_status st = verdict_eval(s->eng, path, NULL, 0, &cur, NULL);
        free(cur);
        if (st == VERDICT_OK) {
            res->status = 304;
            res->content_type = NULL;
            free(owned);
            return;
        }
    }
    verdict_errors *errs = NULL;
    verdict_status st = verdict_put_data(s->eng, path, doc, len, &errs);
    free(owned);
    if (st != VERDICT_OK) {
        reply_engine_failure(res, st, errs);
        verdict_errors_free(errs);
        return;
    }
    verdict_errors_free(errs);
    if (req_bool(req, "metrics")) {
        reply_json_begin(res, 200);
        buf_printf(&res->body, "{\"metrics\":{\"timer_server_handler_ns\":%llu}}\n",
                   (unsigned long long)(now_mono_ns() - t0));
        return;
    }
    res->status = 204;
    res->content_type = NULL;
}

/* PATCH /v1/data/{path}: a JSON Patch array. */
static void data_patch(server *s, const http_request *req, const char *path, http_response *res)
{
    size_t len;
    char *owned = NULL;
    const char *doc = body_json(s, req, res, "", &len, &owned);
    if (!doc)
        return;
    size_t i = 0;
    while (i < len && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r'))
        i++;
    if (len == 0 || doc[i] != '[') {
        reply_error(res, 400, "invalid_parameter", len == 0 ? "EOF"
                    : "json: cannot unmarshal non-array into Go value of type []types.PatchV1");
        free(owned);
        return;
    }
    /* each operation's path must be outside the bundles' roots */
    jnode *ops = jn_parse(doc, len, s->max_depth, NULL);
    for (size_t k = 0; ops && ops->type == JN_ARRAY && k < ops->n; k++) {
        const char *op_path = jn_str(jn_get(ops->items[k], "path"));
        buf full = BUF_INIT;
        buf_printf(&full, "%s/%s", path, op_path ? op_path : "");
        int refused = full.data && refuse_bundle_path(s, full.data, res);
        buf_free(&full);
        if (refused) {
            jn_free(ops);
            free(owned);
            return;
        }
    }
    jn_free(ops);
    verdict_errors *errs = NULL;
    verdict_status st = verdict_patch_data(s->eng, path, doc, len, &errs);
    free(owned);
    if (st != VERDICT_OK)
        reply_engine_failure(res, st, errs);
    else {
        res->status = 204;
        res->content_type = NULL;
    }
    verdict_errors_free(errs);
}

static void data_delete(server *s, const char *path, http_response *res)
{
    if (refuse_bundle_path(s, path, res))
        return;
    verdict_errors *errs = NULL;
    verdict_status st = verdict_delete_data(s->eng, path, &errs);
    if (st != VERDICT_OK)
        reply_engine_failure(res, st, errs);
    else {
        res->status = 204;
        res->content_type = NULL;
    }
    verdict_errors_free(errs);
}

void route_v1_data(server *s, const http_request *req, const char *path, http_response *res)
{
    switch (req->method) {
    case M_GET:
    case M_POST: data_decision(s, req, path, res); break;
    case M_PUT: data_put(s, req, path, res); break;
    case M_PATCH: data_patch(s, req, path, res); break;
    case M_DELETE: data_delete(s, path, res); break;
    default: break;
    }
}

/* POST /v0/data/{path} and POST /: the body is the input; the answer is the
 * value itself, or 404 undefined_document. */
static void v0_decision(server *s, const http_request *req, const char *path, http_response *res)
{
    size_t ilen;
    char *owned = NULL;
    uint64_t t0 = now_mono_ns();
    const char *input = body_json(s, req, res, "unexpected parse error for input: body contains malformed input "
                                              "document: ", &ilen, &owned);
    if (!input)
        return;
    decision d;
    memset(&d, 0, sizeof d);
    d.t_parse_ns = now_mono_ns() - t0;
    decide(s, path, ilen ? input : NULL, ilen, 0, &d);
    char decision_id[37] = "";
    if (s->dlog)
        server_uuid(decision_id);
    log_decision(s, req, decision_id, path, ilen ? input : NULL, ilen, &d);
    if (d.st == VERDICT_UNDEFINED) {
        buf ref = BUF_INIT;
        path_to_ref(&ref, path);
        reply_error(res, 404, "undefined_document", "document missing or undefined: %s", ref.data ? ref.data : "");
        buf_free(&ref);
    } else if (d.st != VERDICT_OK) {
        reply_engine_failure(res, d.st, d.errs);
    } else {
        reply_json_begin(res, 200);
        if (req_bool(req, "pretty"))
            json_pretty(&res->body, d.result, strlen(d.result));
        else
            buf_puts(&res->body, d.result);
        buf_putc(&res->body, '\n');
    }
    decision_free(&d);
    free(owned);
}

void route_v0_data(server *s, const http_request *req, const char *path, http_response *res)
{
    v0_decision(s, req, path, res);
}

void route_index_post(server *s, const http_request *req, http_response *res)
{
    v0_decision(s, req, s->default_decision, res);
}
