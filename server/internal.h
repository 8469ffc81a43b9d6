/* internal.h — what the server's files share: the server object, the
 * request and response every route handles, and each file's entry points.
 *
 *   http.c            sockets, libwebsockets service threads, request assembly
 *   router.c          paths and methods to routes; OPA's error bodies
 *   routes_data.c     /v1/data, /v0/data, POST /
 *   routes_policies.c /v1/policies
 *   routes_query.c    /v1/query
 *   health.c          /health, /v1/status, /v1/config
 *   metrics.c         /metrics (Prometheus text)
 *   config.c          the configuration file and --set
 *   bundle_plugin.c   bundles polled from bundle services
 *   decision_log.c    decision logs and masking
 *   log.c             the server's own log lines
 *   json.c, buf.c     JSON and byte buffers */
#ifndef VERDICT_SERVER_INTERNAL_H
#define VERDICT_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <verdict.h>

#include "buf.h"
#include "json.h"
#include "server.h"

/* ---- requests and responses ---- */

typedef enum http_method {
    M_GET, M_POST, M_PUT, M_PATCH, M_DELETE, M_HEAD, M_OPTIONS, M_OTHER, M_COUNT
} http_method;

/* "GET", "POST", ... ("OTHER" for the rest), as requests and logs spell them */
const char *http_method_name(http_method m);
/* When path is prefix or prefix/... (whole segments), the rest without
 * leading slashes; NULL otherwise. */
const char *path_under(const char *path, const char *prefix);

typedef struct http_arg {
    char *name;
    char *value;    /* "" when the argument has no '=' */
} http_arg;

typedef struct http_request {
    http_method method;
    const char *path;           /* decoded, without the query string */
    const http_arg *args;
    int nargs;
    const char *body;           /* NUL-terminated; "" when none */
    size_t body_len;
    const char *content_type;   /* "" when absent */
    const char *if_none_match;  /* "" when absent */
    const char *request_id;     /* x-request-id, generated when absent */
    const char *remote_addr;    /* "ip:port" */
    uint64_t start_ns;          /* monotonic, when the headers were complete */
    int diagnostic;             /* came to a --diagnostic-addr listener */
    /* with --authorization=basic only (NULL otherwise) */
    const char *authorization;  /* the Authorization header */
    const char *headers_json;   /* {"Canonical-Name": ["value"]} of the request's headers */
} http_request;

/* Route labels for metrics (OPA's "handler" label). */
typedef enum route_label {
    H_V0_DATA, H_V1_DATA, H_V1_QUERY, H_V1_POLICIES, H_V1_CONFIG, H_V1_STATUS,
    H_INDEX, H_CATCHALL, H_HEALTH, H_METRICS, H_COUNT
} route_label;

typedef struct http_response {
    int status;
    const char *content_type;   /* static string; NULL for no body (204, 304) */
    buf body;
    const char *allow;          /* Allow header for 405 */
    route_label label;
} http_response;

/* ---- the server ---- */

typedef struct metrics metrics;
typedef struct bundle_plugin bundle_plugin;
typedef struct dlog dlog;

struct server {
    server_options opts;
    char **addrs;               /* copies of the listen addresses */
    int naddrs;
    jnode *config;              /* the whole configuration document */
    verdict_options engine_opts;
    verdict_engine *eng;

    size_t max_body;            /* bytes; larger bodies get 413 */
    int max_depth;              /* JSON nesting */
    int header_timeout_s;
    int keepalive_s;
    char *default_decision;     /* "system/main" */
    char *instance_id;          /* labels.id */
    jnode *labels;              /* {"id", "version", ...configured} */

    metrics *metrics;
    bundle_plugin *bundles;
    dlog *dlog;
    uint64_t started_ns;        /* realtime */

    /* bundle revisions for provenance and decision logs, kept per generation */
    pthread_mutex_t rev_lock;
    uint64_t rev_generation;
    int rev_valid;
    char *rev_json;             /* {"name": {"revision": "..."}} */

    atomic_int stopping;
    atomic_ullong next_req_id;
    void *http;                 /* http.c's state */
};

/* The configuration without secrets, as /v1/config and opa.runtime() show it. */
jnode *server_active_config(server *s);
/* The bundle revisions as {"name": {"revision": "r"}} (malloc'd). */
char *server_revisions(server *s);
/* A fresh random UUID (version 4) into out[37]. */
void server_uuid(char out[37]);
uint64_t now_mono_ns(void);
uint64_t now_real_ns(void);
/* RFC 3339 UTC time with nanoseconds, as Go's time.Time marshals. */
void format_rfc3339(char *out, size_t n, uint64_t realtime_ns);

/* ---- http.c ---- */

int http_start(server *s, char **error);
/* Stop accepting, finish in-flight requests (up to the grace period), then
 * close everything. */
void http_stop(server *s);

/* ---- router.c ---- */

void router_dispatch(server *s, const http_request *req, http_response *res);

const char *req_arg(const http_request *req, const char *name);
/* OPA's getBoolParam: present without a value, or "true" in any case. */
int req_bool(const http_request *req, const char *name);

/* {"code", "message"} bodies, indented as OPA writes them. */
void reply_error(http_response *res, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* {"code", "message", "errors": [...]} with the engine's errors. */
void reply_errors(http_response *res, int status, const char *code, const char *message,
                  const verdict_errors *errs);
/* The status and body OPA gives for an engine failure (st != OK). */
void reply_engine_failure(http_response *res, verdict_status st, const verdict_errors *errs);
/* Start a JSON body (status 200). */
void reply_json_begin(http_response *res, int status);
/* Whether a request body's Content-Type is acceptable for a JSON document;
 * *yaml tells YAML bodies apart.  Replies 415 itself when not. */
int body_content_ok(const http_request *req, http_response *res, int *yaml);
/* The request body as JSON text (YAML converted); NULL with a reply set
 * when it does not parse.  *owned is set when the caller must free it.
 * Empty bodies give "" with *len 0. */
const char *body_json(server *s, const http_request *req, http_response *res, const char *what,
                      size_t *len, char **owned);
/* OPA's refusal of writes inside an active bundle's roots: replies 400
 * and returns 1 when path ("a/b") is owned by a bundle. */
int refuse_bundle_path(server *s, const char *path, http_response *res);
/* "data.a.b" / data.a["x-y"][0] for a slash path, as OPA prints refs. */
void path_to_ref(buf *out, const char *path);

/* ---- routes ---- */

void route_v1_data(server *s, const http_request *req, const char *path, http_response *res);
void route_v0_data(server *s, const http_request *req, const char *path, http_response *res);
void route_index_post(server *s, const http_request *req, http_response *res);
void route_policies(server *s, const http_request *req, const char *id, http_response *res);
void route_query(server *s, const http_request *req, http_response *res);
void route_health(server *s, const http_request *req, const char *sub, http_response *res);
void route_status(server *s, const http_request *req, http_response *res);
void route_config(server *s, const http_request *req, http_response *res);
void route_metrics(server *s, const http_request *req, http_response *res);

/* ---- metrics.c ---- */

metrics *metrics_new(void);
void metrics_free(metrics *m);
void metrics_observe(metrics *m, route_label label, http_method method, int status, uint64_t ns);
void metrics_write(server *s, buf *out);
const char *route_label_name(route_label l);

/* ---- config.c ---- */

/* The configuration file (YAML or JSON; ${VAR} replaced from the
 * environment) as a tree; an empty object when path is NULL. */
jnode *config_load(const char *path, char **error);
/* --set a.b.c=value (value typed as YAML would: true, 1, "x"). */
int config_set(jnode *cfg, const char *assignment, char **error);
/* The node at a dotted path (NULL when absent). */
jnode *config_at(const jnode *cfg, const char *dotted);
/* YAML (or JSON) text to a tree, via the engine's YAML reader. */
jnode *yaml_to_tree(const char *text, size_t len, const char *source, char **error);

/* ---- bundle_plugin.c ---- */

bundle_plugin *bundle_plugin_new(server *s, char **error);  /* NULL, no error: none configured */
void bundle_plugin_start(bundle_plugin *bp);                /* loads persisted copies, then polls */
void bundle_plugin_stop(bundle_plugin *bp);
void bundle_plugin_free(bundle_plugin *bp);
int bundle_plugin_ready(bundle_plugin *bp);                 /* each bundle activated once */
/* OPA's status of each bundle: {"name": {"name", "active_revision", ...}}. */
void bundle_plugin_status(bundle_plugin *bp, buf *out);
void bundle_plugin_metrics(bundle_plugin *bp, buf *out);

/* ---- decision_log.c ---- */

typedef struct dlog_event {
    const char *decision_id;
    const char *path;           /* "a/b" for data API decisions */
    const char *query;          /* for /v1/query */
    const char *input;          /* JSON text, or NULL */
    size_t input_len;
    const char *result;         /* JSON text, or NULL when undefined */
    size_t result_len;
    const verdict_errors *errors;
    const char *requested_by;
    const char *request_id;
    uint64_t req_id;
    const char *metrics_json;   /* {"timer_...": n} or NULL */
} dlog_event;

dlog *dlog_new(server *s, char **error);   /* NULL, no error: logging is off */
void dlog_free(dlog *d);
void dlog_log(server *s, const dlog_event *ev);
/* Release what the calling thread keeps (prepared mask queries). */
void dlog_thread_done(void);

/* ---- log.c ---- */

enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

int log_setup(const char *level, const char *format, char **error);
int log_enabled(int level);
/* One log line; fields is JSON object members ("\"k\":v,...") or NULL. */
void log_line(int level, const char *fields, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Decision log events printed with the server's log lines (console). */
void log_raw_line(const char *text, size_t len);

#endif
