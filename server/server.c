/* server.c — the server's life: configuration, start, wait for a signal,
 * graceful stop.  Also the small shared helpers (time, ids, revisions). */
#include "internal.h"
#include "tls.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define DEFAULT_ADDR "127.0.0.1:8181"
#define DEFAULT_MAX_BODY (64u << 20)    /* OPA allows 256 MiB; see server/README.md */
#define DEFAULT_EVAL_TIMEOUT_S 30

/* ---- small helpers ---- */

uint64_t now_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t now_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void format_rfc3339(char *out, size_t n, uint64_t ns)
{
    time_t secs = (time_t)(ns / 1000000000u);
    unsigned frac = (unsigned)(ns % 1000000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac == 0) {
        snprintf(out, n, "%sZ", date);
        return;
    }
    /* Go trims trailing zeros of the fraction (RFC3339Nano) */
    char f[16];
    snprintf(f, sizeof f, "%09u", frac);
    for (int i = 8; i > 0 && f[i] == '0'; i--)
        f[i] = '\0';
    snprintf(out, n, "%s.%sZ", date, f);
}

/* xorshift128+ per thread, seeded from the kernel: ids are not secrets,
 * but a syscall per request would be a waste. */
static __thread uint64_t rng[2];

static uint64_t rng_next(void)
{
    if (rng[0] == 0 && rng[1] == 0) {
        if (getrandom(rng, sizeof rng, 0) != sizeof rng) {
            rng[0] = now_real_ns() ^ (uint64_t)(uintptr_t)&rng;
            rng[1] = now_mono_ns() * 0x9E3779B97F4A7C15ull;
        }
        if (rng[0] == 0 && rng[1] == 0)
            rng[0] = 1;
    }
    uint64_t x = rng[0], y = rng[1];
    rng[0] = y;
    x ^= x << 23;
    rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
    return rng[1] + y;
}

void server_uuid(char out[37])
{
    uint8_t b[16];
    uint64_t a = rng_next(), c = rng_next();
    memcpy(b, &a, 8);
    memcpy(b + 8, &c, 8);
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);  /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);  /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    int w = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[w++] = '-';
        out[w++] = hex[b[i] >> 4];
        out[w++] = hex[b[i] & 15];
    }
    out[w] = '\0';
}

char *server_revisions(server *s)
{
    uint64_t gen = verdict_generation(s->eng);
    pthread_mutex_lock(&s->rev_lock);
    if (!s->rev_valid || gen != s->rev_generation) {
        buf out = BUF_INIT;
        buf_putc(&out, '{');
        char *json = verdict_bundles_json(s->eng);
        jnode *all = json ? jn_parse(json, strlen(json), 0, NULL) : NULL;
        for (size_t i = 0; all && all->type == JN_OBJECT && i < all->n; i++) {
            const char *rev = jn_str(jn_get(all->items[i], "revision"));
            if (i)
                buf_putc(&out, ',');
            buf_json_str(&out, all->keys[i], all->klens[i]);
            buf_puts(&out, ":{\"revision\":");
            buf_json_cstr(&out, rev ? rev : "");
            buf_putc(&out, '}');
        }
        buf_putc(&out, '}');
        jn_free(all);
        free(json);
        char *fresh = buf_detach(&out);
        if (fresh) {
            free(s->rev_json);
            s->rev_json = fresh;
            s->rev_generation = gen;
            s->rev_valid = 1;
        }
    }
    char *copy = strdup(s->rev_json ? s->rev_json : "{}");
    pthread_mutex_unlock(&s->rev_lock);
    return copy;
}

/* ---- configuration ---- */

static int config_int(const jnode *cfg, const char *key, int dflt)
{
    double d = jn_num(config_at(cfg, key), (double)dflt);
    return d < 0 ? dflt : (int)d;
}

static int fail(char **error, const char *fmt, const char *arg)
{
    if (asprintf(error, fmt, arg) < 0)
        *error = NULL;
    return -1;
}

static int read_settings(server *s, char **error)
{
    const jnode *cfg = s->config;
    double max_body = jn_num(config_at(cfg, "server.decoding.max_length"), (double)DEFAULT_MAX_BODY);
    if (max_body <= 0)
        return fail(error, "server.decoding.max_length must be positive%s", "");
    s->max_body = (size_t)max_body;
    s->max_depth = config_int(cfg, "server.decoding.max_depth", JSON_MAX_DEPTH);
    if (s->max_depth <= 0 || s->max_depth > JSON_MAX_DEPTH)
        s->max_depth = JSON_MAX_DEPTH;
    s->header_timeout_s = config_int(cfg, "server.header_timeout_seconds", 5);
    s->keepalive_s = config_int(cfg, "server.keepalive_timeout_seconds", 30);
    double timeout = jn_num(config_at(cfg, "server.eval_timeout_seconds"), DEFAULT_EVAL_TIMEOUT_S);
    s->engine_opts.timeout_ns = timeout > 0 ? (uint64_t)(timeout * 1e9) : 0;
    s->engine_opts.v0_compatible = s->opts.v0_compatible;
    double cache = jn_num(config_at(cfg, "server.decision_cache_bytes"), 0);
    if (cache < 0)
        s->engine_opts.cache_disabled = 1;
    else
        s->engine_opts.cache_bytes = (size_t)cache;

    const jnode *dd = jn_get(cfg, "default_decision");
    const char *d = jn_str(dd) ? jn_str(dd) : "/system/main";
    while (*d == '/')
        d++;
    s->default_decision = strdup(d);
    for (char *p = s->default_decision; p && *p; p++)
        if (*p == '.')
            *p = '/';  /* "system.main" and "/system/main" mean the same */

    char id[37];
    server_uuid(id);
    s->instance_id = strdup(id);
    s->labels = jn_new(JN_OBJECT);
    const jnode *labels = jn_get(cfg, "labels");
    for (size_t i = 0; labels && labels->type == JN_OBJECT && i < labels->n; i++)
        if (labels->items[i]->type == JN_STRING)
            jn_setn(s->labels, labels->keys[i], labels->klens[i], jn_copy(labels->items[i]));
    jn_set(s->labels, "id", jn_cstring(id));
    jn_set(s->labels, "version", jn_cstring(VERDICT_VERSION));
    if (!s->default_decision || !s->instance_id || !s->labels)
        return fail(error, "out of memory%s", "");
    return 0;
}

server *server_new(const server_options *opts, char **error)
{
    *error = NULL;
    server *s = calloc(1, sizeof *s);
    if (!s) {
        *error = strdup("out of memory");
        return NULL;
    }
    s->opts = *opts;
    pthread_mutex_init(&s->rev_lock, NULL);
    atomic_init(&s->stopping, 0);
    atomic_init(&s->next_req_id, 0);
    s->started_ns = now_real_ns();
    if (log_setup(opts->log_level, opts->log_format, error) != 0)
        goto fail;
    if (tls_check_files(opts, error) != 0)
        goto fail;
    int n = opts->naddrs > 0 ? opts->naddrs : 1;
    s->addrs = calloc((size_t)n, sizeof *s->addrs);
    if (!s->addrs)
        goto oom;
    for (int i = 0; i < n; i++) {
        s->addrs[i] = strdup(opts->naddrs > 0 ? opts->addrs[i] : DEFAULT_ADDR);
        if (!s->addrs[i])
            goto oom;
        s->naddrs++;
    }
    s->config = config_load(opts->config_file, error);
    if (!s->config)
        goto fail;
    for (int i = 0; i < opts->nsets; i++)
        if (config_set(s->config, opts->sets[i], error) != 0)
            goto fail;
    if (read_settings(s, error) != 0)
        goto fail;
    s->metrics = metrics_new();
    if (!s->metrics)
        goto oom;
    s->bundles = bundle_plugin_new(s, error);
    if (!s->bundles && *error)
        goto fail;
    s->dlog = dlog_new(s, error);
    if (!s->dlog && *error)
        goto fail;
    return s;
oom:
    *error = strdup("out of memory");
fail:
    server_free(s);
    return NULL;
}

const verdict_options *server_engine_options(const server *s)
{
    return &s->engine_opts;
}

void server_free(server *s)
{
    if (!s)
        return;
    bundle_plugin_free(s->bundles);
    dlog_free(s->dlog);
    metrics_free(s->metrics);
    for (int i = 0; i < s->naddrs; i++)
        free(s->addrs[i]);
    free(s->addrs);
    jn_free(s->config);
    jn_free(s->labels);
    free(s->default_decision);
    free(s->instance_id);
    free(s->rev_json);
    pthread_mutex_destroy(&s->rev_lock);
    free(s);
}

/* ---- running ---- */

int server_run(server *s, verdict_engine *eng)
{
    s->eng = eng;
    /* Signals are taken by sigwait below: block them before any thread
     * starts so that every thread inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* opa.runtime() shows the configuration, as under `opa run` */
    jnode *active = server_active_config(s);
    buf rt = BUF_INIT;
    jn_write(&rt, active, 0);
    jn_free(active);
    if (!rt.oom && verdict_set_runtime(rt.data) != 0)
        log_line(LOG_WARN, NULL, "cannot set the runtime document for opa.runtime()");
    buf_free(&rt);
    double http_cache = jn_num(config_at(s->config, "caching.inter_query_builtin_cache.max_size_bytes"), -1);
    if (http_cache >= 0)
        verdict_set_http_cache_bytes((size_t)http_cache);

    if (s->bundles)
        bundle_plugin_start(s->bundles);
    char *error = NULL;
    if (http_start(s, &error) != 0) {
        log_line(LOG_ERROR, NULL, "%s", error ? error : "cannot start the server");
        free(error);
        if (s->bundles)
            bundle_plugin_stop(s->bundles);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    log_line(LOG_INFO, NULL, "Shutting down (%s)...", sig == SIGINT ? "interrupt" : "terminated");
    atomic_store(&s->stopping, 1);
    http_stop(s);
    if (s->bundles)
        bundle_plugin_stop(s->bundles);
    log_line(LOG_INFO, NULL, "Server shutdown.");
    return 0;
}

void server_log(int error, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_line(error ? LOG_ERROR : LOG_INFO, NULL, "%s", msg);
}
