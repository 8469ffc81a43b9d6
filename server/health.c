/* health.c — GET /health (and /health/{path} with a system.health policy),
 * GET /v1/status and GET /v1/config, as OPA answers them. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void healthy(http_response *res)
{
    reply_json_begin(res, 200);
    buf_puts(&res->body, "{}\n");
}

static void unhealthy(http_response *res, const char *why)
{
    reply_json_begin(res, 500);
    buf_puts(&res->body, "{\"error\":");
    buf_json_cstr(&res->body, why);
    buf_puts(&res->body, "}\n");
}

static int excluded(const http_request *req, const char *plugin)
{
    for (int i = 0; i < req->nargs; i++)
        if (strcmp(req->args[i].name, "exclude-plugin") == 0 && strcmp(req->args[i].value, plugin) == 0)
            return 1;
    return 0;
}

/* {"bundle": "OK", "decision_logs": "OK"}: the plugins this server runs. */
static void plugin_states(server *s, buf *b)
{
    buf_putc(b, '{');
    int comma = 0;
    if (s->bundles) {
        buf_printf(b, "\"bundle\":\"%s\"", bundle_plugin_ready(s->bundles) ? "OK" : "NOT_READY");
        comma = 1;
    }
    if (s->dlog)
        buf_printf(b, "%s\"decision_logs\":\"OK\"", comma ? "," : "");
    buf_putc(b, '}');
}

static void health_policy(server *s, const char *sub, http_response *res)
{
    buf input = BUF_INIT, path = BUF_INIT;
    int ready = !s->bundles || bundle_plugin_ready(s->bundles);
    buf_puts(&input, "{\"plugin_state\":");
    plugin_states(s, &input);
    buf_printf(&input, ",\"plugins_ready\":%s}", ready ? "true" : "false");
    buf_printf(&path, "system/health/%s", sub);
    char *result = NULL;
    verdict_errors *errs = NULL;
    verdict_status st = input.oom || path.oom ? VERDICT_NOMEM
                                              : verdict_eval(s->eng, path.data, input.data, input.len, &result, &errs);
    buf ref = BUF_INIT;
    path_to_ref(&ref, path.data ? path.data : "");
    char why[1024];
    if (st == VERDICT_OK && strcmp(result, "true") == 0) {
        healthy(res);
    } else {
        if (st == VERDICT_UNDEFINED)
            snprintf(why, sizeof why, "health check (%s) was undefined", ref.data ? ref.data : "");
        else if (st == VERDICT_OK)
            snprintf(why, sizeof why, "health check (%s) returned unexpected value", ref.data ? ref.data : "");
        else
            snprintf(why, sizeof why, "%s",
                     errs && verdict_errors_count(errs) ? verdict_error_message(errs, 0) : "evaluation failed");
        unhealthy(res, why);
    }
    buf_free(&ref);
    buf_free(&input);
    buf_free(&path);
    free(result);
    verdict_errors_free(errs);
}

void route_health(server *s, const http_request *req, const char *sub, http_response *res)
{
    if (*sub) {
        health_policy(s, sub, res);
        return;
    }
    int bundles = req_bool(req, "bundles") || req_bool(req, "bundle");
    int plugins = req_bool(req, "plugins");
    /* a bundle that never activated makes the server not ready, and the
     * bundle plugin is the plugin that can be "not up" */
    int bundles_ok = !s->bundles || bundle_plugin_ready(s->bundles);
    if (bundles && !bundles_ok) {
        unhealthy(res, "one or more bundles are not activated");
        return;
    }
    if (plugins && !bundles_ok && !excluded(req, "bundle")) {
        unhealthy(res, "one or more plugins are not up");
        return;
    }
    healthy(res);
}

void route_status(server *s, const http_request *req, http_response *res)
{
    buf b = BUF_INIT;
    buf_puts(&b, "{\"result\":{\"labels\":");
    jn_write(&b, s->labels, 0);
    buf_puts(&b, ",\"bundles\":");
    if (s->bundles)
        bundle_plugin_status(s->bundles, &b);
    else
        buf_puts(&b, "{}");
    buf_puts(&b, ",\"plugins\":{");
    int comma = 0;
    if (s->bundles) {
        buf_printf(&b, "\"bundle\":{\"state\":\"%s\"}", bundle_plugin_ready(s->bundles) ? "OK" : "NOT_READY");
        comma = 1;
    }
    if (s->dlog)
        buf_printf(&b, "%s\"decision_logs\":{\"state\":\"OK\"}", comma ? "," : "");
    buf_puts(&b, "}}}");
    reply_json_begin(res, 200);
    if (b.oom)
        res->body.oom = 1;
    else if (req_bool(req, "pretty"))
        json_pretty(&res->body, b.data, b.len);
    else
        buf_append(&res->body, b.data, b.len);
    buf_putc(&res->body, '\n');
    buf_free(&b);
}

/* The configuration in effect, without secrets (OPA's ActiveConfig). */
jnode *server_active_config(server *s)
{
    jnode *cfg = jn_copy(s->config);
    if (!cfg)
        return NULL;
    jn_set(cfg, "labels", jn_copy(s->labels));
    jnode *services = jn_get(cfg, "services");
    for (size_t i = 0; services && (services->type == JN_OBJECT || services->type == JN_ARRAY) && i < services->n;
         i++)
        jn_remove(services->items[i], "credentials", 11);
    jnode *keys = jn_get(cfg, "keys");
    for (size_t i = 0; keys && keys->type == JN_OBJECT && i < keys->n; i++) {
        jn_remove(keys->items[i], "key", 3);
        jn_remove(keys->items[i], "private_key", 11);
    }
    return cfg;
}

void route_config(server *s, const http_request *req, http_response *res)
{
    jnode *cfg = server_active_config(s);
    if (!cfg) {
        reply_error(res, 500, "internal_error", "out of memory");
        return;
    }
    buf b = BUF_INIT;
    buf_puts(&b, "{\"result\":");
    jn_write(&b, cfg, 0);
    buf_putc(&b, '}');
    jn_free(cfg);
    reply_json_begin(res, 200);
    if (b.oom)
        res->body.oom = 1;
    else if (req_bool(req, "pretty"))
        json_pretty(&res->body, b.data, b.len);
    else
        buf_append(&res->body, b.data, b.len);
    buf_putc(&res->body, '\n');
    buf_free(&b);
}
