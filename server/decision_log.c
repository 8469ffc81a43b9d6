/* decision_log.c — OPA's decision logs: one JSON event per decision,
 * printed with the server's log lines (decision_logs.console) or appended
 * to a file (decision_logs.file, a Verdict addition), after OPA's drop and
 * mask policies (data.system.log.drop / data.system.log.mask by default)
 * have seen the event as their input.
 *
 * Mask rules are OPA's: a string "/input/password" removes that field; an
 * object {"op": "upsert", "path": "/input/x", "value": v} sets it (creating
 * objects on the way); {"op": "remove", "path": ...} removes.  Paths start
 * at "input", "result" or "nd_builtin_cache", and each part is URL-escaped.
 * What was removed is listed in the event's "erased", what was set in
 * "masked". */
#include "internal.h"
#include "../engine/hexdigit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dlog {
    int console;
    FILE *file;
    pthread_mutex_t lock;
    char *mask_query;   /* "data.system.log.mask" */
    char *drop_query;
};

/* Prepared mask and drop queries, per thread, for the snapshot generation
 * they were compiled against. */
static __thread struct {
    verdict_engine *eng;
    uint64_t generation;
    int valid;
    verdict_prepared *mask, *drop;
} tl;

void dlog_thread_done(void)
{
    verdict_prepared_free(tl.mask);
    verdict_prepared_free(tl.drop);
    memset(&tl, 0, sizeof tl);
}

static char *decision_query(const jnode *cfg, const char *key, const char *dflt)
{
    const char *p = jn_str(jn_get(cfg, key));
    if (!p)
        p = dflt;
    while (*p == '/')
        p++;
    buf b = BUF_INIT;
    path_to_ref(&b, p);
    /* "system.log.mask" written with dots means the same as with slashes */
    if (strchr(p, '.') && !strchr(p, '/')) {
        buf_reset(&b);
        buf_puts(&b, "data.");
        buf_puts(&b, p);
    }
    return buf_detach(&b);
}

dlog *dlog_new(server *s, char **error)
{
    *error = NULL;
    const jnode *cfg = jn_get(s->config, "decision_logs");
    if (!cfg || cfg->type != JN_OBJECT)
        return NULL;
    int console = jn_true(jn_get(cfg, "console"));
    const char *path = jn_str(jn_get(cfg, "file"));
    if (jn_get(cfg, "service") || jn_get(cfg, "plugin"))
        log_line(LOG_WARN, NULL, "decision_logs: uploading to a service or plugin is not supported; "
                                 "use decision_logs.console or decision_logs.file");
    if (!console && !path)
        return NULL;
    dlog *d = calloc(1, sizeof *d);
    if (!d) {
        *error = strdup("out of memory");
        return NULL;
    }
    pthread_mutex_init(&d->lock, NULL);
    d->console = console;
    if (path) {
        d->file = fopen(path, "a");
        if (!d->file) {
            if (asprintf(error, "decision_logs.file %s: %s", path, strerror(errno)) < 0)
                *error = NULL;
            dlog_free(d);
            return NULL;
        }
    }
    d->mask_query = decision_query(cfg, "mask_decision", "/system/log/mask");
    d->drop_query = decision_query(cfg, "drop_decision", "/system/log/drop");
    if (!d->mask_query || !d->drop_query) {
        *error = strdup("out of memory");
        dlog_free(d);
        return NULL;
    }
    return d;
}

void dlog_free(dlog *d)
{
    if (!d)
        return;
    if (d->file)
        fclose(d->file);
    free(d->mask_query);
    free(d->drop_query);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* ---- the event ---- */

static void build_event(server *s, const dlog_event *ev, buf *b, uint64_t when)
{
    buf_puts(b, "{\"labels\":");
    jn_write(b, s->labels, 0);
    buf_puts(b, ",\"decision_id\":");
    buf_json_cstr(b, ev->decision_id);
    char *revs = server_revisions(s);
    if (revs && strcmp(revs, "{}") != 0) {
        buf_puts(b, ",\"bundles\":");
        buf_puts(b, revs);
    }
    free(revs);
    if (ev->path) {
        buf_puts(b, ",\"path\":");
        buf_json_cstr(b, ev->path);
    }
    if (ev->query) {
        buf_puts(b, ",\"query\":");
        buf_json_cstr(b, ev->query);
    }
    if (ev->input) {
        buf_puts(b, ",\"input\":");
        buf_append(b, ev->input, ev->input_len);
    }
    if (ev->result) {
        buf_puts(b, ",\"result\":");
        buf_append(b, ev->result, ev->result_len);
    }
    if (ev->errors && verdict_errors_count(ev->errors)) {
        buf_puts(b, ",\"error\":{\"code\":");
        buf_json_cstr(b, verdict_error_code(ev->errors, 0));
        buf_puts(b, ",\"message\":");
        buf_json_cstr(b, verdict_error_message(ev->errors, 0));
        buf_putc(b, '}');
    }
    if (ev->requested_by && *ev->requested_by) {
        buf_puts(b, ",\"requested_by\":");
        buf_json_cstr(b, ev->requested_by);
    }
    char ts[48];
    format_rfc3339(ts, sizeof ts, when);
    buf_puts(b, ",\"timestamp\":");
    buf_json_cstr(b, ts);
    if (ev->metrics_json) {
        buf_puts(b, ",\"metrics\":");
        buf_puts(b, ev->metrics_json);
    }
    if (ev->req_id)
        buf_printf(b, ",\"req_id\":%llu", (unsigned long long)ev->req_id);
    if (ev->request_id) {
        buf_puts(b, ",\"request_context\":{\"http\":{\"headers\":{\"x-request-id\":[");
        buf_json_cstr(b, ev->request_id);
        buf_puts(b, "]}}}");
    }
    buf_putc(b, '}');
}

/* The value of a prepared policy query for this event; NULL when undefined
 * or failing. */
static char *policy_value(verdict_prepared *p, const char *event, size_t len)
{
    if (!p)
        return NULL;
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = event;
    qo.input_len = len;
    verdict_result *r = NULL;
    char *value = NULL;
    if (verdict_prepared_query(p, &qo, &r, NULL) == VERDICT_OK && verdict_result_count(r) > 0)
        value = verdict_result_expr_value(r, 0, 0, 0);
    verdict_result_free(r);
    return value;
}

static void prepare_policies(server *s, dlog *d)
{
    uint64_t gen = verdict_generation(s->eng);
    if (tl.valid && tl.eng == s->eng && tl.generation == gen)
        return;
    dlog_thread_done();
    tl.eng = s->eng;
    tl.generation = gen;
    tl.valid = 1;
    if (verdict_prepare(s->eng, d->mask_query, &tl.mask, NULL) != VERDICT_OK)
        tl.mask = NULL;
    if (verdict_prepare(s->eng, d->drop_query, &tl.drop, NULL) != VERDICT_OK)
        tl.drop = NULL;
}

/* ---- masking ---- */

/* "/input/a%2Fb/0" -> parts {"input", "a/b", "0"}; NULL when malformed. */
static char **split_pointer(const char *path, int *count)
{
    *count = 0;
    if (!path || path[0] != '/' || !path[1])
        return NULL;
    int n = 1;
    for (const char *p = path + 1; *p; p++)
        n += *p == '/';
    char **parts = calloc((size_t)n, sizeof *parts);
    if (!parts)
        return NULL;
    const char *p = path + 1;
    for (int i = 0; i < n; i++) {
        size_t len = strcspn(p, "/");
        char *part = malloc(len + 1);
        if (!part)
            goto fail;
        size_t w = 0;
        for (size_t r = 0; r < len; r++) {
            if (p[r] == '%' && r + 2 < len && hex_digit(p[r + 1]) >= 0 && hex_digit(p[r + 2]) >= 0) {
                part[w++] = (char)(hex_digit(p[r + 1]) * 16 + hex_digit(p[r + 2]));
                r += 2;
            } else if (p[r] == '%') {
                free(part);
                goto fail;
            } else {
                part[w++] = p[r];
            }
        }
        part[w] = '\0';
        parts[i] = part;
        p += len + (p[len] == '/');
    }
    *count = n;
    return parts;
fail:
    for (int i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
    return NULL;
}

static void free_parts(char **parts, int n)
{
    for (int i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

static int index_of(const char *s, size_t limit, size_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 0 || (size_t)v >= limit)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* The node reached by parts[0..n) from root (NULL when absent). */
static jnode *walk(jnode *root, char **parts, int n)
{
    jnode *at = root;
    for (int i = 0; at && i < n; i++) {
        if (at->type == JN_OBJECT) {
            at = jn_get(at, parts[i]);
        } else if (at->type == JN_ARRAY) {
            size_t idx;
            at = index_of(parts[i], at->n, &idx) == 0 ? at->items[idx] : NULL;
        } else {
            at = NULL;
        }
    }
    return at;
}

static int mask_remove(jnode *event, char **parts, int n)
{
    if (!jn_get(event, parts[0]))
        return 0;
    if (n == 1)
        return jn_remove(event, parts[0], strlen(parts[0]));
    jnode *parent = walk(jn_get(event, parts[0]), parts + 1, n - 2);
    if (!parent)
        return 0;
    if (parent->type == JN_OBJECT)
        return jn_remove(parent, parts[n - 1], strlen(parts[n - 1]));
    size_t idx;
    if (parent->type == JN_ARRAY && index_of(parts[n - 1], parent->n, &idx) == 0)
        return jn_remove_at(parent, idx);
    return 0;
}

static int mask_upsert(jnode *event, char **parts, int n, const jnode *value)
{
    if (n == 1)
        return jn_set(event, parts[0], jn_copy(value ? value : &(jnode){.type = JN_NULL})) == 0;
    jnode *at = jn_get(event, parts[0]);
    if (!at || at->type != JN_OBJECT)
        return 0;  /* OPA upserts only into objects */
    for (int i = 1; i < n - 1; i++) {
        if (at->type == JN_OBJECT) {
            jnode *next = jn_get(at, parts[i]);
            if (!next) {
                if (jn_set(at, parts[i], jn_new(JN_OBJECT)) != 0)
                    return 0;
                next = jn_get(at, parts[i]);
            }
            at = next;
        } else if (at->type == JN_ARRAY) {
            size_t idx;
            if (index_of(parts[i], at->n, &idx) != 0)
                return 0;
            at = at->items[idx];
        } else {
            return 0;
        }
    }
    jnode *v = jn_copy(value ? value : &(jnode){.type = JN_NULL});
    if (!v)
        return 0;
    if (at->type == JN_OBJECT)
        return jn_set(at, parts[n - 1], v) == 0;
    size_t idx;
    if (at->type == JN_ARRAY && index_of(parts[n - 1], at->n, &idx) == 0) {
        jn_free(at->items[idx]);
        at->items[idx] = v;
        return 1;
    }
    jn_free(v);
    return 0;
}

static void note(jnode *event, const char *field, const char *path)
{
    jnode *list = jn_get(event, field);
    if (!list) {
        jn_set(event, field, jn_new(JN_ARRAY));
        list = jn_get(event, field);
    }
    jn_push(list, jn_cstring(path));
}

/* Apply the mask policy's answer (an array of rules) to the event. */
static int apply_masks(jnode *event, const jnode *rules)
{
    if (!rules || rules->type != JN_ARRAY) {
        log_line(LOG_ERROR, NULL, "decision log mask: unexpected rule format (want a set or array)");
        return -1;
    }
    for (size_t i = 0; i < rules->n; i++) {
        const jnode *r = rules->items[i];
        const char *path = NULL, *op = "remove";
        const jnode *value = NULL;
        if (r->type == JN_STRING) {
            path = r->text;
        } else if (r->type == JN_OBJECT) {
            path = jn_str(jn_get(r, "path"));
            if (jn_get(r, "op"))
                op = jn_str(jn_get(r, "op")) ? jn_str(jn_get(r, "op")) : "";
            value = jn_get(r, "value");
        }
        int n = 0;
        char **parts = split_pointer(path, &n);
        int ok_op = strcmp(op, "remove") == 0 || strcmp(op, "upsert") == 0;
        if (!parts || !ok_op ||
            (strcmp(parts[0], "input") != 0 && strcmp(parts[0], "result") != 0 &&
             strcmp(parts[0], "nd_builtin_cache") != 0)) {
            log_line(LOG_ERROR, NULL, "decision log mask: invalid rule (path %s, op %s)", path ? path : "(none)",
                     op);
            free_parts(parts, n);
            continue;
        }
        if (op[0] == 'r') {
            if (mask_remove(event, parts, n))
                note(event, "erased", path);
        } else if (mask_upsert(event, parts, n, value)) {
            note(event, "masked", path);
        }
        free_parts(parts, n);
    }
    return 0;
}

/* ---- logging ---- */

void dlog_log(server *s, const dlog_event *ev)
{
    dlog *d = s->dlog;
    if (!d)
        return;
    uint64_t when = now_real_ns();
    buf b = BUF_INIT;
    build_event(s, ev, &b, when);
    if (b.oom) {
        log_line(LOG_ERROR, NULL, "decision log: out of memory");
        buf_free(&b);
        return;
    }
    prepare_policies(s, d);
    char *drop = policy_value(tl.drop, b.data, b.len);
    int dropped = drop && strcmp(drop, "true") == 0;
    free(drop);
    if (dropped) {
        buf_free(&b);
        return;
    }
    char *mask = policy_value(tl.mask, b.data, b.len);
    if (mask) {
        jnode *rules = jn_parse(mask, strlen(mask), 0, NULL);
        jnode *event = jn_parse(b.data, b.len, 0, NULL);
        if (event && apply_masks(event, rules) == 0) {
            buf_reset(&b);
            jn_write(&b, event, 0);
        }
        jn_free(rules);
        jn_free(event);
        free(mask);
    }
    if (d->file) {
        pthread_mutex_lock(&d->lock);
        fwrite(b.data, 1, b.len, d->file);
        fputc('\n', d->file);
        fflush(d->file);
        pthread_mutex_unlock(&d->lock);
    }
    if (d->console && b.len > 1) {
        /* OPA's console logger adds its log line fields to the event */
        char ts[48];
        format_rfc3339(ts, sizeof ts, when);
        b.len--;  /* the closing brace */
        buf_printf(&b, ",\"level\":\"info\",\"msg\":\"Decision Log\",\"time\":\"%s\","
                       "\"type\":\"openpolicyagent.org/decision_logs\"}", ts);
        if (!b.oom)
            log_raw_line(b.data, b.len);
    }
    buf_free(&b);
}
