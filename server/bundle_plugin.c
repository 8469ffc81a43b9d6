/* bundle_plugin.c — bundles from bundle services, as OPA's configuration
 * describes them:
 *
 *   services:
 *     acme: {url: https://example.com/api, credentials: {bearer: {token: T}}}
 *   bundles:
 *     authz:
 *       service: acme
 *       resource: bundles/authz.tar.gz        # default bundles/<name>
 *       persist: true
 *       polling: {min_delay_seconds: 60, max_delay_seconds: 120}
 *   persistence_directory: /var/verdict      # default ./.opa
 *
 * One thread per bundle downloads it with libcurl (If-None-Match with the
 * last ETag; 304 keeps what is active), activates it with
 * verdict_load_bundle_buffer (a snapshot or a delta bundle, all or
 * nothing), optionally writes a snapshot to
 * <persistence_directory>/bundles/<name>/bundle.tar.gz (with its ETag)
 * and waits a random time between the polling delays.  A failed download
 * or activation keeps the active bundle; the failure is logged, counted in
 * /metrics and shown in /v1/status until the next success.  Persisted
 * copies are activated before the server starts listening. */
#include "internal.h"
#include "../engine/curl_lib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_MIN_DELAY 60.0
#define DEFAULT_MAX_DELAY 120.0
#define DEFAULT_SIZE_LIMIT (1024ull << 20)
#define MAX_FAILURE_KINDS 16

typedef struct failure_kind {
    char *code, *message;
    unsigned long long count;
} failure_kind;

typedef struct bundle_src {
    struct bundle_plugin *bp;
    char *name;
    char *url;
    struct curl_slist *headers;     /* Authorization and configured headers */
    int insecure_tls;
    char *ca_cert;
    double min_delay, max_delay;
    int persist;
    char *persist_dir;              /* <dir>/bundles/<name> */
    uint64_t size_limit;
    verdict_bundle_options vopts;
    pthread_t thread;
    int started;

    /* status, under bp->lock */
    char *etag;
    char *active_revision;
    int activated;
    int is_delta;
    size_t size;
    uint64_t last_request, last_successful_request, last_successful_download, last_successful_activation;
    int http_code;
    char *code, *message, *errors_json;
    unsigned long long loaded;
    failure_kind failures[MAX_FAILURE_KINDS];
    int nfailures;
} bundle_src;

struct bundle_plugin {
    server *s;
    bundle_src *bundles;
    int n;
    pthread_mutex_t lock;
    pthread_mutex_t wait_lock;
    pthread_cond_t wait_cond;
    int stop;
};

/* ---- configuration ---- */

static int config_error(char **error, const char *fmt, const char *a, const char *b)
{
    if (asprintf(error, fmt, a, b ? b : "") < 0)
        *error = NULL;
    return -1;
}

/* services as a map {name: {...}} or a list [{name, ...}] */
static const jnode *find_service(const jnode *services, const char *name)
{
    if (!services)
        return NULL;
    if (services->type == JN_OBJECT)
        return name ? jn_get(services, name) : services->n == 1 ? services->items[0] : NULL;
    if (services->type == JN_ARRAY) {
        if (!name)
            return services->n == 1 ? services->items[0] : NULL;
        for (size_t i = 0; i < services->n; i++)
            if (jn_str(jn_get(services->items[i], "name")) && strcmp(jn_str(jn_get(services->items[i], "name")), name) == 0)
                return services->items[i];
    }
    return NULL;
}

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int setup_bundle(bundle_plugin *bp, bundle_src *b, const char *name, const jnode *bc, char **error)
{
    const jnode *cfg = bp->s->config;
    b->bp = bp;
    b->name = strdup(name);
    const char *svc_name = jn_str(jn_get(bc, "service"));
    const jnode *svc = find_service(jn_get(cfg, "services"), svc_name);
    if (!svc)
        return config_error(error, "invalid configuration for bundle \"%s\": service name \"%s\" not found", name,
                            svc_name ? svc_name : "(none)");
    const char *base = jn_str(jn_get(svc, "url"));
    if (!base)
        return config_error(error, "invalid configuration for bundle \"%s\": the service has no url%s", name, "");
    const char *resource = jn_str(jn_get(bc, "resource"));
    buf url = BUF_INIT;
    if (resource && (strncmp(resource, "http://", 7) == 0 || strncmp(resource, "https://", 8) == 0)) {
        buf_puts(&url, resource);
    } else {
        size_t bl = strlen(base);
        while (bl && base[bl - 1] == '/')
            bl--;
        buf_append(&url, base, bl);
        buf_putc(&url, '/');
        if (resource) {
            while (*resource == '/')
                resource++;
            buf_puts(&url, resource);
        } else {
            buf_puts(&url, "bundles/");
            buf_puts(&url, name);
        }
    }
    b->url = buf_detach(&url);

    const jnode *bearer = config_at(svc, "credentials.bearer");
    if (bearer) {
        const char *token = jn_str(jn_get(bearer, "token"));
        const char *token_path = jn_str(jn_get(bearer, "token_path"));
        char tokbuf[8192] = "";
        if (!token && token_path) {
            FILE *f = fopen(token_path, "r");
            if (!f)
                return config_error(error, "bundle \"%s\": cannot read token_path %s", name, token_path);
            size_t n = fread(tokbuf, 1, sizeof tokbuf - 1, f);
            fclose(f);
            tokbuf[n] = '\0';
            while (n && (tokbuf[n - 1] == '\n' || tokbuf[n - 1] == '\r' || tokbuf[n - 1] == ' '))
                tokbuf[--n] = '\0';
            token = tokbuf;
        }
        const char *scheme = jn_str(jn_get(bearer, "scheme"));
        if (token) {
            buf h = BUF_INIT;
            buf_printf(&h, "Authorization: %s %s", scheme ? scheme : "Bearer", token);
            if (h.data)
                b->headers = curl_slist_append(b->headers, h.data);
            buf_free(&h);
        }
    }
    const jnode *headers = jn_get(svc, "headers");
    for (size_t i = 0; headers && headers->type == JN_OBJECT && i < headers->n; i++) {
        const char *v = jn_str(headers->items[i]);
        buf h = BUF_INIT;
        buf_printf(&h, "%s: %s", headers->keys[i], v ? v : "");
        if (h.data)
            b->headers = curl_slist_append(b->headers, h.data);
        buf_free(&h);
    }
    b->headers = curl_slist_append(b->headers, "User-Agent: Verdict/" VERDICT_VERSION);
    b->insecure_tls = jn_true(jn_get(svc, "allow_insecure_tls"));
    b->ca_cert = xstrdup(jn_str(config_at(svc, "tls.ca_cert")));

    b->min_delay = jn_num(config_at(bc, "polling.min_delay_seconds"), DEFAULT_MIN_DELAY);
    b->max_delay = jn_num(config_at(bc, "polling.max_delay_seconds"), DEFAULT_MAX_DELAY);
    if (b->min_delay <= 0)
        b->min_delay = 0.1;
    if (b->max_delay < b->min_delay)
        return config_error(error, "invalid configuration for bundle \"%s\": max_delay_seconds must be >= "
                                   "min_delay_seconds%s", name, "");
    b->persist = jn_true(jn_get(bc, "persist"));
    double limit = jn_num(jn_get(bc, "size_limit_bytes"), (double)DEFAULT_SIZE_LIMIT);
    b->size_limit = limit > 0 ? (uint64_t)limit : DEFAULT_SIZE_LIMIT;
    b->vopts.max_bytes = b->size_limit;

    const jnode *signing = jn_get(bc, "signing");
    if (signing) {
        const char *keyid = jn_str(jn_get(signing, "keyid"));
        const jnode *key = keyid ? config_at(jn_get(cfg, "keys"), keyid) : NULL;
        if (keyid && !key)
            return config_error(error, "bundle \"%s\": signing key \"%s\" not found in keys", name, keyid);
        b->vopts.verification_key_id = xstrdup(keyid);
        b->vopts.verification_key = xstrdup(jn_str(jn_get(key, "key")));
        b->vopts.verification_alg = xstrdup(jn_str(jn_get(key, "algorithm")));
        const char *scope = jn_str(jn_get(signing, "scope"));
        b->vopts.scope = xstrdup(scope ? scope : jn_str(jn_get(key, "scope")));
    }

    const char *pdir = jn_str(jn_get(cfg, "persistence_directory"));
    buf pd = BUF_INIT;
    buf_printf(&pd, "%s/bundles/%s", pdir ? pdir : ".opa", name);
    b->persist_dir = buf_detach(&pd);
    if (!b->name || !b->url || !b->persist_dir || !b->headers)
        return config_error(error, "out of memory%s%s", "", "");
    return 0;
}

bundle_plugin *bundle_plugin_new(server *s, char **error)
{
    *error = NULL;
    const jnode *bundles = jn_get(s->config, "bundles");
    const jnode *legacy = jn_get(s->config, "bundle");  /* OPA's old single-bundle form */
    int n = bundles && bundles->type == JN_OBJECT ? (int)bundles->n : 0;
    if (legacy && legacy->type == JN_OBJECT)
        n++;
    if (n == 0)
        return NULL;
    char why[256];
    if (!curl_lib_load(why, sizeof why)) {
        size_t len = strlen(why) + 64;
        if ((*error = malloc(len)))
            snprintf(*error, len, "bundles are configured but %s", why);
        return NULL;
    }
    bundle_plugin *bp = calloc(1, sizeof *bp);
    if (!bp || !(bp->bundles = calloc((size_t)n, sizeof *bp->bundles))) {
        free(bp);
        *error = strdup("out of memory");
        return NULL;
    }
    bp->s = s;
    pthread_mutex_init(&bp->lock, NULL);
    pthread_mutex_init(&bp->wait_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&bp->wait_cond, &ca);
    pthread_condattr_destroy(&ca);
    for (size_t i = 0; bundles && bundles->type == JN_OBJECT && i < bundles->n; i++) {
        bp->n++;
        if (setup_bundle(bp, &bp->bundles[bp->n - 1], bundles->keys[i], bundles->items[i], error) != 0) {
            bundle_plugin_free(bp);
            return NULL;
        }
    }
    if (legacy && legacy->type == JN_OBJECT) {
        const char *name = jn_str(jn_get(legacy, "name"));
        bp->n++;
        if (setup_bundle(bp, &bp->bundles[bp->n - 1], name ? name : "bundle", legacy, error) != 0) {
            bundle_plugin_free(bp);
            return NULL;
        }
    }
    return bp;
}

void bundle_plugin_free(bundle_plugin *bp)
{
    if (!bp)
        return;
    for (int i = 0; i < bp->n; i++) {
        bundle_src *b = &bp->bundles[i];
        free(b->name);
        free(b->url);
        curl_slist_free_all(b->headers);
        free(b->ca_cert);
        free(b->persist_dir);
        free((char *)b->vopts.verification_key);
        free((char *)b->vopts.verification_key_id);
        free((char *)b->vopts.verification_alg);
        free((char *)b->vopts.scope);
        free(b->etag);
        free(b->active_revision);
        free(b->code);
        free(b->message);
        free(b->errors_json);
        for (int k = 0; k < b->nfailures; k++) {
            free(b->failures[k].code);
            free(b->failures[k].message);
        }
    }
    free(bp->bundles);
    pthread_mutex_destroy(&bp->lock);
    pthread_mutex_destroy(&bp->wait_lock);
    pthread_cond_destroy(&bp->wait_cond);
    free(bp);
}

/* ---- status ---- */

static void set_str(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? strdup(v) : NULL;
}

static char *errors_to_json(const verdict_errors *errs)
{
    buf b = BUF_INIT;
    buf_putc(&b, '[');
    size_t n = errs ? verdict_errors_count(errs) : 0;
    for (size_t i = 0; i < n; i++) {
        char *text = verdict_error_string(errs, i);
        if (i)
            buf_putc(&b, ',');
        buf_json_cstr(&b, text ? text : verdict_error_message(errs, i));
        free(text);
    }
    buf_putc(&b, ']');
    return buf_detach(&b);
}

/* Record a failure (under bp->lock) and log it. */
static void failed(bundle_src *b, const char *code, const char *message, const verdict_errors *errs, int http_code)
{
    bundle_plugin *bp = b->bp;
    pthread_mutex_lock(&bp->lock);
    set_str(&b->code, code);
    set_str(&b->message, message);
    free(b->errors_json);
    b->errors_json = errs && verdict_errors_count(errs) ? errors_to_json(errs) : NULL;
    b->http_code = http_code;
    int k;
    for (k = 0; k < b->nfailures; k++)
        if (strcmp(b->failures[k].code, code) == 0 && strcmp(b->failures[k].message, message) == 0)
            break;
    if (k == b->nfailures && k < MAX_FAILURE_KINDS) {
        b->failures[k].code = strdup(code);
        b->failures[k].message = strdup(message);
        if (b->failures[k].code && b->failures[k].message)
            b->nfailures++;
        else {
            free(b->failures[k].code);
            free(b->failures[k].message);
        }
    }
    if (k < b->nfailures)
        b->failures[k].count++;
    pthread_mutex_unlock(&bp->lock);

    buf f = BUF_INIT;
    buf_puts(&f, "\"name\":");
    buf_json_cstr(&f, b->name);
    buf_puts(&f, ",\"code\":");
    buf_json_cstr(&f, code);
    if (errs && verdict_errors_count(errs)) {
        buf_puts(&f, ",\"errors\":");
        char *ej = errors_to_json(errs);
        buf_puts(&f, ej ? ej : "[]");
        free(ej);
    }
    log_line(LOG_ERROR, f.data, "Bundle load failed: %s", message);
    buf_free(&f);
}

int bundle_plugin_ready(bundle_plugin *bp)
{
    if (!bp)
        return 1;
    int ready = 1;
    pthread_mutex_lock(&bp->lock);
    for (int i = 0; i < bp->n; i++)
        if (!bp->bundles[i].activated)
            ready = 0;
    pthread_mutex_unlock(&bp->lock);
    return ready;
}

static void put_time(buf *b, const char *key, uint64_t ns)
{
    char ts[48];
    if (ns)
        format_rfc3339(ts, sizeof ts, ns);
    else
        snprintf(ts, sizeof ts, "0001-01-01T00:00:00Z");  /* Go's zero time */
    buf_printf(b, ",\"%s\":\"%s\"", key, ts);
}

void bundle_plugin_status(bundle_plugin *bp, buf *out)
{
    buf_putc(out, '{');
    pthread_mutex_lock(&bp->lock);
    for (int i = 0; i < bp->n; i++) {
        bundle_src *b = &bp->bundles[i];
        if (i)
            buf_putc(out, ',');
        buf_json_cstr(out, b->name);
        buf_puts(out, ":{\"name\":");
        buf_json_cstr(out, b->name);
        buf_puts(out, ",\"active_revision\":");
        buf_json_cstr(out, b->active_revision ? b->active_revision : "");
        put_time(out, "last_successful_activation", b->last_successful_activation);
        buf_printf(out, ",\"type\":\"%s\",\"size\":%zu", b->is_delta ? "delta" : "snapshot", b->size);
        put_time(out, "last_successful_download", b->last_successful_download);
        put_time(out, "last_request", b->last_request);
        put_time(out, "last_successful_request", b->last_successful_request);
        if (b->code) {
            buf_puts(out, ",\"code\":");
            buf_json_cstr(out, b->code);
            buf_puts(out, ",\"message\":");
            buf_json_cstr(out, b->message ? b->message : "");
            if (b->errors_json) {
                buf_puts(out, ",\"errors\":");
                buf_puts(out, b->errors_json);
            }
        }
        if (b->http_code)
            buf_printf(out, ",\"http_code\":%d", b->http_code);
        buf_putc(out, '}');
    }
    pthread_mutex_unlock(&bp->lock);
    buf_putc(out, '}');
}

static void label_value(buf *out, const char *v)
{
    buf_putc(out, '"');
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\' || *p == '"')
            buf_putc(out, '\\');
        if (*p == '\n') {
            buf_puts(out, "\\n");
            continue;
        }
        buf_putc(out, *p);
    }
    buf_putc(out, '"');
}

void bundle_plugin_metrics(bundle_plugin *bp, buf *out)
{
    pthread_mutex_lock(&bp->lock);
    buf_puts(out, "# HELP bundle_loaded_counter Counter for the bundle loaded.\n# TYPE bundle_loaded_counter counter\n");
    for (int i = 0; i < bp->n; i++) {
        buf_puts(out, "bundle_loaded_counter{name=");
        label_value(out, bp->bundles[i].name);
        buf_printf(out, "} %llu\n", bp->bundles[i].loaded);
    }
    buf_puts(out, "# HELP bundle_failed_load_counter Counter for the failed bundle load.\n"
                  "# TYPE bundle_failed_load_counter counter\n");
    for (int i = 0; i < bp->n; i++)
        for (int k = 0; k < bp->bundles[i].nfailures; k++) {
            buf_puts(out, "bundle_failed_load_counter{code=");
            label_value(out, bp->bundles[i].failures[k].code);
            buf_puts(out, ",message=");
            label_value(out, bp->bundles[i].failures[k].message);
            buf_puts(out, ",name=");
            label_value(out, bp->bundles[i].name);
            buf_printf(out, "} %llu\n", bp->bundles[i].failures[k].count);
        }
    static const char *gauges[] = {"last_bundle_request", "last_success_bundle_activation",
                                   "last_success_bundle_download", "last_success_bundle_request"};
    for (int g = 0; g < 4; g++) {
        buf_printf(out, "# HELP %s Gauge for the %s (Unix time in nanoseconds).\n# TYPE %s gauge\n", gauges[g],
                   gauges[g], gauges[g]);
        for (int i = 0; i < bp->n; i++) {
            bundle_src *b = &bp->bundles[i];
            uint64_t v = g == 0 ? b->last_request : g == 1 ? b->last_successful_activation
                       : g == 2 ? b->last_successful_download : b->last_successful_request;
            buf_printf(out, "%s{", gauges[g]);
            if (g == 1) {
                buf_puts(out, "active_revision=");
                label_value(out, b->active_revision);
                buf_putc(out, ',');
            }
            buf_puts(out, "name=");
            label_value(out, b->name);
            buf_printf(out, "} %llu\n", (unsigned long long)v);
        }
    }
    pthread_mutex_unlock(&bp->lock);
}

/* ---- persistence ---- */

static int mkdir_p(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return -1;
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *q = '/';
    }
    int rc = mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

static int write_file(const char *path, const void *data, size_t len)
{
    buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.tmp", path);
    if (!tmp.data)
        return -1;
    FILE *f = fopen(tmp.data, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp.data, path) != 0)
        ok = 0;
    if (!ok)
        unlink(tmp.data);
    buf_free(&tmp);
    return ok ? 0 : -1;
}

static void persist(bundle_src *b, const void *data, size_t len, const char *etag)
{
    buf path = BUF_INIT, epath = BUF_INIT;
    buf_printf(&path, "%s/bundle.tar.gz", b->persist_dir);
    buf_printf(&epath, "%s/etag", b->persist_dir);
    if (!path.data || !epath.data || mkdir_p(b->persist_dir) != 0 || write_file(path.data, data, len) != 0)
        log_line(LOG_ERROR, NULL, "Bundle %s: cannot persist to %s: %s", b->name, b->persist_dir, strerror(errno));
    else
        write_file(epath.data, etag ? etag : "", etag ? strlen(etag) : 0);
    buf_free(&path);
    buf_free(&epath);
}

static void load_persisted(bundle_src *b)
{
    server *s = b->bp->s;
    buf path = BUF_INIT, epath = BUF_INIT;
    buf_printf(&path, "%s/bundle.tar.gz", b->persist_dir);
    buf_printf(&epath, "%s/etag", b->persist_dir);
    struct stat st;
    if (path.data && epath.data && stat(path.data, &st) == 0) {
        verdict_errors *errs = NULL;
        if (verdict_load_bundle_file(s->eng, b->name, path.data, &b->vopts, &errs) == VERDICT_OK) {
            char etag[1024] = "";
            FILE *f = fopen(epath.data, "r");
            if (f) {
                size_t n = fread(etag, 1, sizeof etag - 1, f);
                etag[n] = '\0';
                fclose(f);
            }
            char *rev = verdict_bundle_revision(s->eng, b->name);
            pthread_mutex_lock(&b->bp->lock);
            b->activated = 1;
            b->loaded++;
            b->size = (size_t)st.st_size;
            b->last_successful_activation = now_real_ns();
            set_str(&b->active_revision, rev ? rev : "");
            set_str(&b->etag, etag[0] ? etag : NULL);
            pthread_mutex_unlock(&b->bp->lock);
            buf f2 = BUF_INIT;
            buf_puts(&f2, "\"name\":");
            buf_json_cstr(&f2, b->name);
            buf_puts(&f2, ",\"revision\":");
            buf_json_cstr(&f2, rev ? rev : "");
            log_line(LOG_INFO, f2.data, "Bundle loaded from disk and activated successfully.");
            buf_free(&f2);
            free(rev);
        } else {
            char *why = errs && verdict_errors_count(errs) ? verdict_error_string(errs, 0) : NULL;
            log_line(LOG_ERROR, NULL, "Bundle %s: the persisted copy %s cannot be activated: %s", b->name,
                     path.data, why ? why : "unknown error");
            free(why);
        }
        verdict_errors_free(errs);
    }
    buf_free(&path);
    buf_free(&epath);
}

/* ---- downloading ---- */

typedef struct download {
    bundle_src *b;
    buf body;
    char *etag;
    int too_large;
} download;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    download *d = arg;
    size_t len = size * n;
    if (d->body.len + len > d->b->size_limit) {
        d->too_large = 1;
        return 0;
    }
    buf_append(&d->body, data, len);
    return d->body.oom ? 0 : len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    download *d = arg;
    size_t len = size * n;
    if (len > 5 && strncasecmp(data, "etag:", 5) == 0) {
        const char *v = data + 5;
        size_t vl = len - 5;
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        free(d->etag);
        d->etag = strndup(v, vl);
    }
    return len;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t e)
{
    download *d = arg;
    (void)a, (void)b, (void)c, (void)e;
    pthread_mutex_lock(&d->b->bp->wait_lock);
    int stop = d->b->bp->stop;
    pthread_mutex_unlock(&d->b->bp->wait_lock);
    return stop;  /* nonzero aborts the transfer at shutdown */
}

/* Whether a .tar.gz holds a top-level patch.json: OPA's delta bundles. */
static int is_delta(const void *gz, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return 0;
    z.next_in = (Bytef *)gz;
    z.avail_in = (uInt)len;
    unsigned char block[512];
    unsigned long long skip = 0;  /* bytes of file content before the next header */
    int found = 0, rc = Z_OK;
    while (!found && rc == Z_OK) {
        z.next_out = block;
        z.avail_out = sizeof block;
        while (z.avail_out && rc == Z_OK)
            rc = inflate(&z, Z_NO_FLUSH);
        if (z.avail_out)
            break;
        if (skip) {
            skip -= 512;
            continue;
        }
        if (block[0] == 0)
            break;  /* end of archive */
        char name[101];
        memcpy(name, block, 100);
        name[100] = '\0';
        const char *base = name;
        while (base[0] == '.' && base[1] == '/')
            base += 2;
        while (*base == '/')
            base++;
        if (strcmp(base, "patch.json") == 0 && block[345] == 0)
            found = 1;
        char sz[13];
        memcpy(sz, block + 124, 12);
        sz[12] = '\0';
        unsigned long long size = strtoull(sz, NULL, 8);
        skip = (size + 511) / 512 * 512;
    }
    inflateEnd(&z);
    return found;
}

static int fetch(bundle_src *b)
{
    server *s = b->bp->s;
    download d;
    memset(&d, 0, sizeof d);
    d.b = b;
    CURL *c = curl_easy_init();
    if (!c) {
        failed(b, "bundle_error", "cannot create an HTTP client", NULL, 0);
        return -1;
    }
    struct curl_slist *headers = NULL;
    for (struct curl_slist *h = b->headers; h; h = h->next)
        headers = curl_slist_append(headers, h->data);
    pthread_mutex_lock(&b->bp->lock);
    if (b->etag) {
        buf h = BUF_INIT;
        buf_printf(&h, "If-None-Match: %s", b->etag);
        if (h.data)
            headers = curl_slist_append(headers, h.data);
        buf_free(&h);
    }
    b->last_request = now_real_ns();
    pthread_mutex_unlock(&b->bp->lock);

    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, b->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &d);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &d);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    if (b->insecure_tls) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (b->ca_cert)
        curl_easy_setopt(c, CURLOPT_CAINFO, b->ca_cert);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);

    int result = -1;
    char msg[CURL_ERROR_SIZE + 128];
    if (rc != CURLE_OK) {
        snprintf(msg, sizeof msg, "%s", d.too_large ? "bundle exceeds the size limit"
                                        : curl_err[0] ? curl_err : curl_easy_strerror(rc));
        if (!(rc == CURLE_ABORTED_BY_CALLBACK && !d.too_large))
            failed(b, "bundle_error", msg, NULL, 0);
    } else if (status == 304) {
        pthread_mutex_lock(&b->bp->lock);
        b->last_successful_request = now_real_ns();
        b->http_code = 304;
        set_str(&b->code, NULL);
        set_str(&b->message, NULL);
        pthread_mutex_unlock(&b->bp->lock);
        log_line(LOG_DEBUG, NULL, "Bundle %s: not modified.", b->name);
        result = 0;
    } else if (status != 200) {
        snprintf(msg, sizeof msg, "server replied with HTTP %ld", status);
        failed(b, "bundle_error", msg, NULL, (int)status);
    } else if (d.body.oom) {
        failed(b, "bundle_error", "out of memory", NULL, 200);
    } else {
        uint64_t downloaded = now_real_ns();
        verdict_errors *errs = NULL;
        int delta = is_delta(d.body.data, d.body.len);
        verdict_status st = verdict_load_bundle_buffer(s->eng, b->name, d.body.data, d.body.len, &b->vopts, &errs);
        if (st == VERDICT_OK) {
            char *rev = verdict_bundle_revision(s->eng, b->name);
            pthread_mutex_lock(&b->bp->lock);
            b->activated = 1;
            b->loaded++;
            b->is_delta = delta;
            b->size = d.body.len;
            b->http_code = 200;
            b->last_successful_request = b->last_successful_download = downloaded;
            b->last_successful_activation = now_real_ns();
            set_str(&b->active_revision, rev ? rev : "");
            set_str(&b->etag, d.etag);
            set_str(&b->code, NULL);
            set_str(&b->message, NULL);
            free(b->errors_json);
            b->errors_json = NULL;
            pthread_mutex_unlock(&b->bp->lock);
            if (b->persist && !delta)
                persist(b, d.body.data, d.body.len, d.etag);
            buf f = BUF_INIT;
            buf_puts(&f, "\"name\":");
            buf_json_cstr(&f, b->name);
            buf_puts(&f, ",\"revision\":");
            buf_json_cstr(&f, rev ? rev : "");
            buf_printf(&f, ",\"type\":\"%s\"", delta ? "delta" : "snapshot");
            log_line(LOG_INFO, f.data, "Bundle loaded and activated successfully.");
            buf_free(&f);
            free(rev);
            result = 0;
        } else {
            pthread_mutex_lock(&b->bp->lock);
            b->last_successful_request = b->last_successful_download = downloaded;
            pthread_mutex_unlock(&b->bp->lock);
            const char *why = errs && verdict_errors_count(errs) ? verdict_error_message(errs, 0) : "activation failed";
            snprintf(msg, sizeof msg, "%s", why);
            failed(b, "bundle_error", msg, errs, 200);
        }
        verdict_errors_free(errs);
    }
    buf_free(&d.body);
    free(d.etag);
    return result;
}

/* Sleep up to seconds; 1 when stopping. */
static int pause_for(bundle_plugin *bp, double seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long long ns = (long long)(seconds * 1e9);
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec += (long)(ns % 1000000000);
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&bp->wait_lock);
    while (!bp->stop && pthread_cond_timedwait(&bp->wait_cond, &bp->wait_lock, &until) != ETIMEDOUT)
        ;
    int stop = bp->stop;
    pthread_mutex_unlock(&bp->wait_lock);
    return stop;
}

static void *poll_main(void *arg)
{
    bundle_src *b = arg;
    unsigned seed = (unsigned)(now_real_ns() ^ (uintptr_t)b);
    int retries = 0;
    for (;;) {
        int ok = fetch(b) == 0;
        double delay;
        if (ok) {
            retries = 0;
            double r = (double)rand_r(&seed) / RAND_MAX;
            delay = b->min_delay + r * (b->max_delay - b->min_delay);
        } else {
            /* back off exponentially on failures, up to max_delay */
            delay = 0.1 * (double)(1u << (retries < 10 ? retries : 10));
            if (delay > b->max_delay)
                delay = b->max_delay;
            retries++;
        }
        if (pause_for(b->bp, delay))
            break;
    }
    return NULL;
}

void bundle_plugin_start(bundle_plugin *bp)
{
    for (int i = 0; i < bp->n; i++)
        if (bp->bundles[i].persist)
            load_persisted(&bp->bundles[i]);
    for (int i = 0; i < bp->n; i++) {
        bundle_src *b = &bp->bundles[i];
        if (pthread_create(&b->thread, NULL, poll_main, b) == 0)
            b->started = 1;
        else
            log_line(LOG_ERROR, NULL, "Bundle %s: cannot start the polling thread", b->name);
    }
}

void bundle_plugin_stop(bundle_plugin *bp)
{
    pthread_mutex_lock(&bp->wait_lock);
    bp->stop = 1;
    pthread_cond_broadcast(&bp->wait_cond);
    pthread_mutex_unlock(&bp->wait_lock);
    for (int i = 0; i < bp->n; i++)
        if (bp->bundles[i].started) {
            pthread_join(bp->bundles[i].thread, NULL);
            bp->bundles[i].started = 0;
        }
}
