/* Unit tests for the "http" and "runtime" builtin groups: http.send against
 * a real HTTP server started inside the test (plain sockets on 127.0.0.1
 * and on a unix socket, one thread per connection), the inter-query cache,
 * providers.aws.sign_req (OPA's providers-aws conformance cases),
 * opa.runtime and rego.parse_module.  Builtins are called through the
 * registry as the VM calls them; a few cases go through the public API to
 * see the per-evaluation memory of http.send.
 *
 * The server answers:
 *   /json                 {"x": 1} as application/json, with a test-header
 *   /echo                 {"method", "path", "headers", "body"} of the request
 *   /status/N             status N
 *   /stall/MS             answers after MS ms (or when the client leaves)
 *   /slowbody             headers at once, the body never
 *   /close                closes the connection without answering
 *   /counter/ID           {"n": hits of ID so far}
 *   /cache/ID?maxage=N    {"n": ...} with Cache-Control max-age=N, Date, ETag;
 *                         304 when If-None-Match matches (counted apart)
 *   /hits/ID              {"n": hits of ID so far}, not counting itself
 *   /revalidations/ID     {"n": 304s sent for ID}
 *   /nostore/ID           {"n": ...} with Cache-Control: no-store
 *   /redirect/CODE?to=P   CODE with Location P (default /echo)
 *   /loop                 302 to itself
 *   /yaml, /text, /multi, /gzip
 * Counters live in the server, so the tests also work when check forks. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "engine/builtins.h"
#include "engine/builtins/http_host.h"
#include "engine/json.h"
#include "engine/strbuf.h"
#include "engine/value.h"
#include "include/verdict.h"

#include "builtin_harness.h"

/* ------------------------------------------------------------------ */
/* the test server                                                    */

#define MAX_CONNS 2048
#define NCOUNTERS 64

static struct {
    int fd, ufd;
    int port;
    char upath[108];
    pthread_t thread;
    atomic_int stop;
    pthread_mutex_t mu;
    pthread_t conns[MAX_CONNS];
    int nconns;
    int hits[NCOUNTERS];
    int revalidations[NCOUNTERS];
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

typedef struct treq {
    char method[32];
    char path[2048];
    char *names[64], *values[64];
    int nh;
    char *body;
    size_t blen;
} treq;

static const char *treq_header(const treq *r, const char *lname)
{
    for (int i = 0; i < r->nh; i++)
        if (strcasecmp(r->names[i], lname) == 0)
            return r->values[i];
    return NULL;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void respond(int fd, int code, const char *reason, const char *headers, const char *body, size_t blen)
{
    char head[4096];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
                     code, reason, blen, headers ? headers : "");
    send_all(fd, head, (size_t)n);
    send_all(fd, body, blen);
}

static void respond_json(int fd, const char *extra, const char *body)
{
    char h[2048];
    snprintf(h, sizeof h, "Content-Type: application/json\r\n%s", extra ? extra : "");
    respond(fd, 200, "OK", h, body, strlen(body));
}

static void http_date(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int counter_id(const char *p)
{
    int id = atoi(p);
    return id >= 0 && id < NCOUNTERS ? id : 0;
}

static int bump(int *arr, int id)
{
    pthread_mutex_lock(&srv.mu);
    int n = ++arr[id];
    pthread_mutex_unlock(&srv.mu);
    return n;
}

static void echo(int fd, const treq *r)
{
    arena a;
    arena_init(&a, 1 << 14);
    val_objb hb;
    val_objb_init(&hb, &a);
    for (int i = 0; i < r->nh; i++) {
        char lower[256];
        snprintf(lower, sizeof lower, "%s", r->names[i]);
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        val_objb_set(&hb, val_cstring(&a, lower), val_cstring(&a, r->values[i]));
    }
    val *k[4] = {val_cstring(&a, "method"), val_cstring(&a, "path"), val_cstring(&a, "headers"),
                 val_cstring(&a, "body")};
    val *v[4] = {val_cstring(&a, r->method), val_cstring(&a, r->path), val_objb_finish(&hb),
                 val_string(&a, r->body ? r->body : "", r->blen)};
    strbuf sb = STRBUF_INIT;
    json_write(&sb, val_object(&a, k, v, 4), 0);
    respond_json(fd, NULL, sb.data);
    sb_free(&sb);
    arena_release(&a);
}

static const unsigned char gzipped[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56,
                                        0xaa, 0xca, 0x2c, 0x28, 0x48, 0x4d, 0x51, 0xb2, 0x52, 0x28, 0x29, 0x2a,
                                        0x4d, 0xad, 0x05, 0x00, 0xcc, 0xa5, 0xde, 0x0d, 0x10, 0x00, 0x00, 0x00};

static void route(int fd, const treq *r)
{
    const char *p = r->path;
    char body[512], hdrs[1024], date[64];
    if (strcmp(p, "/json") == 0) {
        respond_json(fd, "Test-Header: test-value\r\n", "{\"x\": 1}");
    } else if (strncmp(p, "/echo", 5) == 0) {
        echo(fd, r);
    } else if (strncmp(p, "/status/", 8) == 0) {
        int code = atoi(p + 8);
        snprintf(body, sizeof body, "status %d", code);
        respond(fd, code, code == 404 ? "Not Found" : code == 500 ? "Internal Server Error" : "Whatever",
                "Content-Type: text/plain\r\n", body, strlen(body));
    } else if (strncmp(p, "/stall/", 7) == 0) {
        struct pollfd pf = {fd, POLLIN, 0};
        poll(&pf, 1, atoi(p + 7));
        respond(fd, 200, "OK", NULL, "late", 4);
    } else if (strcmp(p, "/slowbody") == 0) {
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc";
        send_all(fd, h, strlen(h));
        struct pollfd pf = {fd, POLLIN, 0};
        poll(&pf, 1, 3000);
    } else if (strcmp(p, "/close") == 0) {
        /* nothing */
    } else if (strncmp(p, "/counter/", 9) == 0) {
        snprintf(body, sizeof body, "{\"n\": %d}", bump(srv.hits, counter_id(p + 9)));
        respond_json(fd, NULL, body);
    } else if (strncmp(p, "/cache/", 7) == 0) {
        int id = counter_id(p + 7);
        const char *q = strstr(p, "maxage=");
        int maxage = q ? atoi(q + 7) : 60;
        http_date(date, sizeof date);
        const char *inm = treq_header(r, "If-None-Match");
        if (inm && strcmp(inm, "\"v1\"") == 0) {
            bump(srv.revalidations, id);
            snprintf(hdrs, sizeof hdrs, "Cache-Control: max-age=%d\r\nDate: %s\r\nETag: \"v1\"\r\n", maxage, date);
            respond(fd, 304, "Not Modified", hdrs, "", 0);
            return;
        }
        snprintf(hdrs, sizeof hdrs, "Cache-Control: max-age=%d\r\nDate: %s\r\nETag: \"v1\"\r\n", maxage, date);
        snprintf(body, sizeof body, "{\"n\": %d}", bump(srv.hits, id));
        respond_json(fd, hdrs, body);
    } else if (strncmp(p, "/hits/", 6) == 0) {
        pthread_mutex_lock(&srv.mu);
        snprintf(body, sizeof body, "{\"n\": %d}", srv.hits[counter_id(p + 6)]);
        pthread_mutex_unlock(&srv.mu);
        respond_json(fd, NULL, body);
    } else if (strncmp(p, "/revalidations/", 15) == 0) {
        pthread_mutex_lock(&srv.mu);
        snprintf(body, sizeof body, "{\"n\": %d}", srv.revalidations[counter_id(p + 15)]);
        pthread_mutex_unlock(&srv.mu);
        respond_json(fd, NULL, body);
    } else if (strncmp(p, "/nostore/", 9) == 0) {
        snprintf(body, sizeof body, "{\"n\": %d}", bump(srv.hits, counter_id(p + 9)));
        respond_json(fd, "Cache-Control: no-store\r\n", body);
    } else if (strncmp(p, "/redirect/", 10) == 0) {
        int code = atoi(p + 10);
        const char *to = strstr(p, "to=");
        snprintf(hdrs, sizeof hdrs, "Location: %s\r\nContent-Type: text/html; charset=utf-8\r\n", to ? to + 3 : "/echo");
        respond(fd, code, code == 301 ? "Moved Permanently" : code == 303 ? "See Other" : "Temporary Redirect", hdrs,
                "moved", 5);
    } else if (strcmp(p, "/loop") == 0) {
        respond(fd, 302, "Found", "Location: /loop\r\n", "", 0);
    } else if (strcmp(p, "/yaml") == 0) {
        respond(fd, 200, "OK", "Content-Type: application/yaml\r\n", "foo: bar", 8);
    } else if (strcmp(p, "/text") == 0) {
        respond(fd, 200, "OK", "Content-Type: text/plain; charset=utf-8\r\n", "{\"foo\":\"bar\"}", 13);
    } else if (strcmp(p, "/multi") == 0) {
        respond(fd, 200, "OK", "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n", "", 0);
    } else if (strcmp(p, "/gzip") == 0) {
        const char *ae = treq_header(r, "Accept-Encoding");
        if (ae && strstr(ae, "gzip"))
            respond(fd, 200, "OK", "Content-Type: application/json\r\nContent-Encoding: gzip\r\n",
                    (const char *)gzipped, sizeof gzipped);
        else
            respond(fd, 406, "Not Acceptable", NULL, "", 0);
    } else {
        respond(fd, 404, "Not Found", NULL, "nope", 4);
    }
}

static void *serve_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    char *end = NULL;
    while (!end && len < cap) {
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = 0;
        if (buf[0] < 'A' || buf[0] > 'Z') {
            /* not HTTP (a TLS handshake, say): answer as an HTTP server would */
            respond(fd, 400, "Bad Request", NULL, "", 0);
            break;
        }
        end = strstr(buf, "\r\n\r\n");
    }
    if (end) {
        treq r;
        memset(&r, 0, sizeof r);
        *end = 0;
        char *line = buf, *nl = strstr(line, "\r\n");
        if (nl)
            *nl = 0;
        sscanf(line, "%31s %2047s", r.method, r.path);
        size_t clen = 0;
        for (char *h = nl ? nl + 2 : NULL; h && *h && r.nh < 64;) {
            char *e = strstr(h, "\r\n");
            if (e)
                *e = 0;
            char *colon = strchr(h, ':');
            if (colon) {
                *colon = 0;
                char *v = colon + 1;
                while (*v == ' ')
                    v++;
                r.names[r.nh] = h;
                r.values[r.nh++] = v;
                if (strcasecmp(h, "Content-Length") == 0)
                    clen = (size_t)atol(v);
            }
            h = e ? e + 2 : NULL;
        }
        char *body = end + 4;
        size_t have = len - (size_t)(body - buf);
        while (have < clen && (size_t)(body - buf) + clen <= cap) {
            ssize_t n = recv(fd, body + have, clen - have, 0);
            if (n <= 0)
                break;
            have += (size_t)n;
        }
        r.body = body;
        r.blen = have < clen ? have : clen;
        route(fd, &r);
    }
    free(buf);
    close(fd);
    return NULL;
}

static void *serve(void *arg)
{
    (void)arg;
    while (!atomic_load(&srv.stop)) {
        struct pollfd pf[2] = {{srv.fd, POLLIN, 0}, {srv.ufd, POLLIN, 0}};
        if (poll(pf, 2, 50) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!(pf[i].revents & POLLIN))
                continue;
            int c = accept(pf[i].fd, NULL, NULL);
            if (c < 0)
                continue;
            pthread_mutex_lock(&srv.mu);
            if (srv.nconns < MAX_CONNS &&
                pthread_create(&srv.conns[srv.nconns], NULL, serve_conn, (void *)(intptr_t)c) == 0)
                srv.nconns++;
            else
                close(c);
            pthread_mutex_unlock(&srv.mu);
        }
    }
    return NULL;
}

static void server_start(void)
{
    memset(srv.hits, 0, sizeof srv.hits);
    memset(srv.revalidations, 0, sizeof srv.revalidations);
    srv.nconns = 0;
    atomic_store(&srv.stop, 0);
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(srv.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(srv.fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(srv.fd, 128), 0);
    socklen_t sl = sizeof sa;
    getsockname(srv.fd, (struct sockaddr *)&sa, &sl);
    srv.port = ntohs(sa.sin_port);

    snprintf(srv.upath, sizeof srv.upath, "/tmp/verdict-http-test-%d.sock", (int)getpid());
    unlink(srv.upath);
    srv.ufd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un su = {0};
    su.sun_family = AF_UNIX;
    snprintf(su.sun_path, sizeof su.sun_path, "%s", srv.upath);
    ck_assert_int_eq(bind(srv.ufd, (struct sockaddr *)&su, sizeof su), 0);
    ck_assert_int_eq(listen(srv.ufd, 16), 0);
    ck_assert_int_eq(pthread_create(&srv.thread, NULL, serve, NULL), 0);
}

static void server_stop(void)
{
    atomic_store(&srv.stop, 1);
    pthread_join(srv.thread, NULL);
    for (int i = 0; i < srv.nconns; i++)
        pthread_join(srv.conns[i], NULL);
    close(srv.fd);
    close(srv.ufd);
    unlink(srv.upath);
    http_cache_clear();
    opa_runtime_set(NULL);
}

/* ------------------------------------------------------------------ */
/* calling builtins                                                   */

/* Test text with %URL% (http://127.0.0.1:port), %PORT% and %SOCK% (the
 * unix socket's path, escaped for a URL) filled in, allocated in A. */
static const char *filled(const char *tmpl)
{
    strbuf sb = STRBUF_INIT;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "%URL%", 5) == 0) {
            sb_printf(&sb, "http://127.0.0.1:%d", srv.port);
            p += 5;
        } else if (strncmp(p, "%PORT%", 6) == 0) {
            sb_printf(&sb, "%d", srv.port);
            p += 6;
        } else if (strncmp(p, "%SOCK%", 6) == 0) {
            for (const char *s = srv.upath; *s; s++)
                sb_printf(&sb, *s == '/' ? "%%2F" : "%c", *s);
            p += 6;
        } else {
            sb_putc(&sb, *p++);
        }
    }
    char *s = arena_strndup(&A, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return s;
}

/* http.send(request): the response (asserting success). */
static val *send_ok(const char *req)
{
    val *arg = J(filled(req)), *out;
    bi_status st = call_builtin("http.send", &arg, 1, &out);
    ck_assert_msg(st == BI_OK, "http.send(%s) failed: %s: %s", req, ctx.err_code, ctx.err_msg);
    return out;
}

/* http.send(request) that must fail with code: message. */
static void send_err(const char *req, const char *code, const char *msg)
{
    val *arg = J(filled(req)), *out;
    bi_status st = call_builtin("http.send", &arg, 1, &out);
    ck_assert_msg(st == BI_ERR, "http.send(%s) did not fail: %s", req, out ? rego_text(out) : "undefined");
    ck_assert_str_eq(ctx.err_code, code);
    ck_assert_str_eq(ctx.err_msg, filled(msg));
}

static val *get(const val *obj, const char *key)
{
    ck_assert_msg(val_kind_of(obj) == VAL_OBJECT, "not an object: %s", rego_text(obj));
    val *v = val_object_get_str(obj, key, strlen(key));
    ck_assert_msg(v != NULL, "no %s in %s", key, rego_text(obj));
    return v;
}

static void expect(const val *got, const char *want_json)
{
    val *want = J(filled(want_json));
    ck_assert_msg(val_equal(got, want), "got  %s\nwant %s", rego_text(got), rego_text(want));
}

static int64_t hits_of(const char *path)
{
    char req[256];
    snprintf(req, sizeof req, "{\"method\": \"get\", \"url\": \"%%URL%%%s\"}", path);
    val *r = send_ok(req);
    val *n = get(get(r, "body"), "n");
    ck_assert(val_is_int(n));
    return val_int_value(n);
}

/* ------------------------------------------------------------------ */
/* http.send: requests and responses                                  */

START_TEST(get_json)
{
    val *r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/json\"}");
    expect(get(r, "status"), "\"200 OK\"");
    expect(get(r, "status_code"), "200");
    expect(get(r, "body"), "{\"x\": 1}");
    expect(get(r, "raw_body"), "\"{\\\"x\\\": 1}\"");
    expect(get(r, "headers"), "{\"content-length\": [\"8\"], \"content-type\": [\"application/json\"], "
                              "\"connection\": [\"close\"], \"test-header\": [\"test-value\"]}");
}
END_TEST

START_TEST(methods_and_bodies)
{
    /* the method is upper-cased; body is sent as JSON (Go's encoding: sorted keys, HTML escaped) */
    val *r = send_ok("{\"method\": \"post\", \"url\": \"%URL%/echo\", \"body\": {\"b\": \"<&>\", \"a\": [1, 2]}}");
    val *b = get(r, "body");
    expect(get(b, "method"), "\"POST\"");
    expect(get(b, "body"), "\"{\\\"a\\\":[1,2],\\\"b\\\":\\\"\\\\u003c\\\\u0026\\\\u003e\\\"}\"");
    val *h = get(b, "headers");
    expect(get(h, "content-length"), "\"36\"");
    /* nothing Go would not send */
    ck_assert_ptr_null(val_object_get_str(h, "content-type", 12));
    ck_assert_ptr_null(val_object_get_str(h, "accept", 6));
    ck_assert_ptr_null(val_object_get_str(h, "expect", 6));
    ck_assert_msg(strncmp(val_str(get(h, "user-agent")), "Verdict/", 8) == 0, "%s", rego_text(h));

    /* raw_body is sent as it is, and wins over body */
    r = send_ok("{\"method\": \"PUT\", \"url\": \"%URL%/echo\", \"raw_body\": \"a=b&c=d\", \"body\": {\"x\": 1},"
                " \"headers\": {\"content-type\": \"application/x-www-form-urlencoded\"}}");
    b = get(r, "body");
    expect(get(b, "method"), "\"PUT\"");
    expect(get(b, "body"), "\"a=b&c=d\"");
    expect(get(get(b, "headers"), "content-type"), "\"application/x-www-form-urlencoded\"");

    /* DELETE and PATCH carry bodies too; GET may */
    r = send_ok("{\"method\": \"delete\", \"url\": \"%URL%/echo\", \"body\": {\"id\": \"2\"}}");
    expect(get(get(r, "body"), "method"), "\"DELETE\"");
    expect(get(get(r, "body"), "body"), "\"{\\\"id\\\":\\\"2\\\"}\"");
    r = send_ok("{\"method\": \"patch\", \"url\": \"%URL%/echo\"}");
    expect(get(get(r, "body"), "method"), "\"PATCH\"");
    expect(get(get(get(r, "body"), "headers"), "content-length"), "\"0\"");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/echo?q=1\", \"body\": {\"name\": \"alice\"}}");
    expect(get(get(r, "body"), "method"), "\"GET\"");
    expect(get(get(r, "body"), "path"), "\"/echo?q=1\"");
    expect(get(get(r, "body"), "body"), "\"{\\\"name\\\":\\\"alice\\\"}\"");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/echo\"}");
    ck_assert_ptr_null(val_object_get_str(get(get(r, "body"), "headers"), "content-length", 14));

    /* HEAD: headers only */
    r = send_ok("{\"method\": \"head\", \"url\": \"%URL%/json\"}");
    expect(get(r, "status_code"), "200");
    expect(get(r, "raw_body"), "\"\"");
    expect(get(r, "body"), "null");
}
END_TEST

START_TEST(request_headers)
{
    val *r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/echo\", \"headers\": {\"x-foo\": "
                     "\"ISO-8859-1,utf-8;q=0.7,*;q=0.7\", \"X-Opa\": \"server\", \"user-agent\": \"AuthZPolicy/0.0.1\","
                     " \"Host\": \"example.test\", \"X-Empty\": \"\"}}");
    val *h = get(get(r, "body"), "headers");
    expect(get(h, "x-foo"), "\"ISO-8859-1,utf-8;q=0.7,*;q=0.7\"");
    expect(get(h, "x-opa"), "\"server\"");
    expect(get(h, "user-agent"), "\"AuthZPolicy/0.0.1\"");
    expect(get(h, "host"), "\"example.test\"");
    expect(get(h, "x-empty"), "\"\"");

    /* values Go refuses to send */
    send_err("{\"method\": \"get\", \"url\": \"%URL%/echo\", \"headers\": {\"X-Bad\": \"a\\nb\"}}",
             "eval_builtin_error", "Get \"%URL%/echo\": net/http: invalid header field value for \"X-Bad\"");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/echo\", \"headers\": {\"X-Num\": 1}}", "eval_builtin_error",
             "invalid type for headers value \"1\"");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/echo\", \"headers\": [\"a\"]}", "eval_builtin_error",
             "invalid type for headers key");
}
END_TEST

START_TEST(response_shapes)
{
    val *r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/status/404\"}");
    expect(get(r, "status"), "\"404 Not Found\"");
    expect(get(r, "status_code"), "404");
    expect(get(r, "body"), "null");
    expect(get(r, "raw_body"), "\"status 404\"");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/status/500\"}");
    expect(get(r, "status_code"), "500");

    /* YAML by content type; text left alone unless forced */
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/yaml\"}");
    expect(get(r, "body"), "{\"foo\": \"bar\"}");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/text\"}");
    expect(get(r, "body"), "null");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/text\", \"force_json_decode\": true}");
    expect(get(r, "body"), "{\"foo\": \"bar\"}");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/text\", \"force_yaml_decode\": true}");
    expect(get(r, "body"), "{\"foo\": \"bar\"}");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/status/404\", \"force_json_decode\": true}");
    expect(get(r, "body"), "null");

    /* repeated headers keep every value, in order */
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/multi\"}");
    expect(get(get(r, "headers"), "set-cookie"), "[\"a=1\", \"b=2\"]");

    /* gzip is asked for and undone, as Go's client does */
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/gzip\"}");
    expect(get(r, "body"), "{\"zipped\": true}");
    ck_assert_ptr_null(val_object_get_str(get(r, "headers"), "content-encoding", 16));
    ck_assert_ptr_null(val_object_get_str(get(r, "headers"), "content-length", 14));

    /* a unix socket (OPA's unix://...?socket=) */
    r = send_ok("{\"method\": \"get\", \"url\": \"unix://localhost/echo?b=2&socket=%SOCK%&a=1\"}");
    expect(get(get(r, "body"), "path"), "\"/echo?a=1&b=2\"");
    r = send_ok("{\"method\": \"get\", \"url\": \"unix://localhost/redirect/307?socket=%SOCK%\", \"enable_redirect\": true}");
    expect(get(get(r, "body"), "path"), "\"/echo\"");
}
END_TEST

START_TEST(redirects)
{
    /* not followed unless asked */
    val *r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/redirect/301?to=/json\"}");
    expect(get(r, "status"), "\"301 Moved Permanently\"");
    expect(get(get(r, "headers"), "location"), "[\"/json\"]");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/redirect/301?to=/json\", \"enable_redirect\": true}");
    expect(get(r, "body"), "{\"x\": 1}");

    /* 303 turns POST into GET without a body; 307 repeats it */
    r = send_ok("{\"method\": \"post\", \"url\": \"%URL%/redirect/303\", \"body\": {\"a\": 1}, \"enable_redirect\": true}");
    expect(get(get(r, "body"), "method"), "\"GET\"");
    expect(get(get(r, "body"), "body"), "\"\"");
    expect(get(get(get(r, "body"), "headers"), "referer"), "\"%URL%/redirect/303\"");
    r = send_ok("{\"method\": \"post\", \"url\": \"%URL%/redirect/307\", \"body\": {\"a\": 1}, \"enable_redirect\": true}");
    expect(get(get(r, "body"), "method"), "\"POST\"");
    expect(get(get(r, "body"), "body"), "\"{\\\"a\\\":1}\"");

    /* enable_redirect is read as strconv.ParseBool reads its text */
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/redirect/301?to=/json\", \"enable_redirect\": 1}");
    expect(get(r, "body"), "{\"x\": 1}");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"enable_redirect\": \"true\"}", "eval_builtin_error",
             "strconv.ParseBool: parsing \"\\\"true\\\"\": invalid syntax");

    send_err("{\"method\": \"get\", \"url\": \"%URL%/loop\", \"enable_redirect\": true}", "eval_builtin_error",
             "Get \"%URL%/loop\": stopped after 10 redirects");
}
END_TEST

/* ------------------------------------------------------------------ */
/* http.send: errors                                                  */

START_TEST(request_validation)
{
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"bad_key\": \"bad_value\"}", "eval_type_error",
             "operand 1 invalid request parameters(s): {\"bad_key\"}");
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"b\": 1, \"a\": 2}", "eval_type_error",
             "operand 1 invalid request parameters(s): {\"a\", \"b\"}");
    send_err("{\"method\": \"get\"}", "eval_type_error", "operand 1 missing required request parameters(s): {\"url\"}");
    send_err("{}", "eval_type_error", "operand 1 missing required request parameters(s): {\"method\", \"url\"}");
    val *arg = J("\"x\""), *out;
    ck_assert_int_eq(call_builtin("http.send", &arg, 1, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_msg, "operand 1 must be object but got string");
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"raise_error\": \"no\"}", "eval_builtin_error",
             "invalid value for raise_error field");

    /* max_retry_attempts */
    send_err("{\"method\": \"get\", \"url\": \"http://127.0.0.1:51113\", \"max_retry_attempts\": \"bad_value\"}",
             "eval_builtin_error", "invalid value \"bad_value\" for field \"max_retry_attempts\"");
    send_err("{\"method\": \"get\", \"url\": \"http://127.0.0.1:51113\", \"max_retry_attempts\": 1.2}",
             "eval_builtin_error", "invalid value 1.2 for field \"max_retry_attempts\"");
    send_err("{\"method\": \"get\", \"url\": \"http://127.0.0.1:51113\", \"max_retry_attempts\": -1000}",
             "eval_builtin_error", "invalid value -1000 for field \"max_retry_attempts\"");

    /* timeouts that are not durations */
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"timeout\": \"1xyz 2\"}", "eval_builtin_error",
             "invalid timeout value \"1xyz 2\": time: unknown unit \"xyz \" in duration \"1xyz 2\"");
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"timeout\": \"1.234\"}", "eval_builtin_error",
             "invalid timeout value \"1.234\": time: missing unit in duration \"1.234\"");
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"timeout\": 1.5}", "eval_builtin_error",
             "invalid timeout number value 1.5, must be int64");
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"timeout\": {}}", "eval_type_error",
             "operand 1 'timeout' must be one of {string, number} but got object");
    send_err("{\"method\": \"get\", \"url\": \"%URL%\", \"timeout\": null}", "eval_type_error",
             "operand 1 'timeout' must be one of {string, number} but got null");

    /* string parameters */
    send_err("{\"method\": \"post\", \"url\": \"%URL%/echo\", \"raw_body\": {\"bar\": \"bar\"}}", "eval_builtin_error",
             "\"raw_body\" must be a string");
    send_err("{\"method\": 1, \"url\": \"%URL%/echo\"}", "eval_builtin_error", "\"method\" must be a string");
    send_err("{\"method\": \"GE T\", \"url\": \"%URL%/echo\"}", "eval_builtin_error",
             "net/http: invalid method \"GE T\"");

    /* cache parameters */
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"force_cache\": true}", "eval_builtin_error",
             "'force_cache' set but 'force_cache_duration_seconds' parameter is missing");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"force_cache\": true, \"force_cache_duration_seconds\": \"10\"}",
             "eval_builtin_error", "strconv.ParseInt: parsing \"\\\"10\\\"\": invalid syntax");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"cache\": \"yes\"}", "eval_builtin_error",
             "invalid value for \"cache\" field");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"force_json_decode\": 1}", "eval_builtin_error",
             "invalid value for \"force_json_decode\" field");

    /* TLS material is checked before anything is sent */
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"tls_ca_cert\": \"not a cert\"}", "eval_builtin_error",
             "could not append certificates");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"tls_ca_cert_file\": \"/nonexistent/ca.pem\"}",
             "eval_builtin_error", "open /nonexistent/ca.pem: no such file or directory");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/json\", \"tls_client_cert\": \"x\", \"tls_client_key\": \"y\"}",
             "eval_builtin_error", "tls: failed to find any PEM data in certificate input");
}
END_TEST

START_TEST(transport_errors)
{
    /* nothing listens on a port we just closed */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&sa, sizeof sa);
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    int dead = ntohs(sa.sin_port);
    close(fd);
    char req[256], msg[256];
    snprintf(req, sizeof req, "{\"method\": \"get\", \"url\": \"http://127.0.0.1:%d/x\", \"max_retry_attempts\": 2}", dead);
    snprintf(msg, sizeof msg, "Get \"http://127.0.0.1:%d/x\": dial tcp 127.0.0.1:%d: connect: connection refused",
             dead, dead);
    send_err(req, "eval_builtin_error", msg);

    send_err("{\"method\": \"get\", \"url\": \"foo://foo.com\"}", "eval_builtin_error",
             "Get \"foo://foo.com\": unsupported protocol scheme \"foo\"");
    send_err("{\"method\": \"get\", \"url\": \"\"}", "eval_builtin_error", "Get \"\": unsupported protocol scheme \"\"");
    send_err("{\"method\": \"post\", \"url\": \"%URL%/close\"}", "eval_builtin_error", "Post \"%URL%/close\": EOF");
    send_err("{\"method\": \"get\", \"url\": \"https://127.0.0.1:%PORT%/json\"}", "eval_builtin_error",
             "Get \"https://127.0.0.1:%PORT%/json\": http: server gave HTTP response to HTTPS client");
    /* the TLS options reach curl (the handshake still fails against plain HTTP) */
    send_err("{\"method\": \"get\", \"url\": \"https://127.0.0.1:%PORT%/json\", \"tls_server_name\": \"verdict.test\","
             " \"tls_insecure_skip_verify\": true}",
             "eval_builtin_error", "Get \"https://127.0.0.1:%PORT%/json\": http: server gave HTTP response to HTTPS client");
}
END_TEST

START_TEST(timeouts)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    send_err("{\"method\": \"get\", \"url\": \"%URL%/stall/3000\", \"timeout\": \"200ms\"}", "eval_builtin_error",
             "Get %URL%/stall/3000: request timed out");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/stall/3001\", \"timeout\": 200000000}", "eval_builtin_error",
             "Get %URL%/stall/3001: request timed out");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/stall/3002\", \"timeout\": \"200000000\"}", "eval_builtin_error",
             "Get %URL%/stall/3002: request timed out");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(secs < 2.5, "timeouts took %.2fs", secs);

    /* a body that never comes */
    send_err("{\"method\": \"get\", \"url\": \"%URL%/slowbody\", \"timeout\": \"300ms\"}", "eval_builtin_error",
             "context deadline exceeded (Client.Timeout or context cancellation while reading body)");

    /* without raise_error: an error object */
    val *r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/stall/3003\", \"timeout\": \"200ms\", \"raise_error\": false}");
    expect(r, "{\"status_code\": 0, \"error\": {\"code\": \"eval_http_send_network_error\", \"message\": "
              "\"Get \\\"%URL%/stall/3003\\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\"}}");
}
END_TEST

START_TEST(raise_error_false)
{
    val *r = send_ok("{\"method\": \"get\", \"url\": \"foo://foo.com\", \"force_json_decode\": true, \"raise_error\": false}");
    expect(r, "{\"status_code\": 0, \"error\": {\"code\": \"eval_http_send_network_error\", "
              "\"message\": \"Get \\\"foo://foo.com\\\": unsupported protocol scheme \\\"foo\\\"\"}}");
    r = send_ok("{\"url\": \"%URL%\", \"raise_error\": false}");
    expect(r, "{\"status_code\": 0, \"error\": {\"code\": \"eval_http_send_internal_error\", \"message\": "
              "\"eval_type_error: http.send: operand 1 missing required request parameters(s): {\\\"method\\\"}\"}}");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%\", \"force_json_decode\": true, \"raise_error\": false, "
                "\"force_cache\": true}");
    expect(r, "{\"status_code\": 0, \"error\": {\"code\": \"eval_http_send_internal_error\", \"message\": "
              "\"eval_builtin_error: http.send: 'force_cache' set but 'force_cache_duration_seconds' parameter is missing\"}}");
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%\", \"max_retry_attempts\": \"x\", \"raise_error\": false}");
    expect(r, "{\"status_code\": 0, \"error\": {\"code\": \"eval_http_send_internal_error\", \"message\": "
              "\"invalid value \\\"x\\\" for field \\\"max_retry_attempts\\\"\"}}");
    /* HTTP error statuses are responses, not errors */
    r = send_ok("{\"method\": \"get\", \"url\": \"%URL%/status/500\", \"raise_error\": false}");
    expect(get(r, "status_code"), "500");
}
END_TEST

/* ------------------------------------------------------------------ */
/* http.send: caching                                                 */

START_TEST(force_cache)
{
    http_cache_clear();
    const char *req = "{\"method\": \"get\", \"url\": \"%URL%/counter/1\", \"force_cache\": true, "
                      "\"force_cache_duration_seconds\": 60}";
    val *r1 = send_ok(req), *r2 = send_ok(req);
    expect(get(r1, "body"), "{\"n\": 1}");
    ck_assert(val_equal(r1, r2));
    ck_assert_int_eq(hits_of("/hits/1"), 1);
    size_t entries;
    http_cache_stats(&entries, NULL);
    ck_assert_uint_eq(entries, 1);
    /* another request (no cache) goes to the server */
    val *r3 = send_ok("{\"method\": \"get\", \"url\": \"%URL%/counter/1\"}");
    expect(get(r3, "body"), "{\"n\": 2}");
    /* force_json_decode is part of the key, and applies to cached entries */
    val *r4 = send_ok("{\"method\": \"get\", \"url\": \"%URL%/counter/1\", \"force_cache\": true, "
                      "\"force_cache_duration_seconds\": 60, \"force_json_decode\": true}");
    expect(get(r4, "body"), "{\"n\": 3}");

    /* cache_ignored_headers: requests differing only there share an entry */
    const char *a = "{\"method\": \"get\", \"url\": \"%URL%/counter/2\", \"force_cache\": true, "
                    "\"force_cache_duration_seconds\": 60, \"headers\": {\"X-Trace\": \"1\", \"X-Keep\": \"k\"}, "
                    "\"cache_ignored_headers\": [\"X-Trace\"]}";
    const char *b = "{\"method\": \"get\", \"url\": \"%URL%/counter/2\", \"force_cache\": true, "
                    "\"force_cache_duration_seconds\": 60, \"headers\": {\"X-Trace\": \"2\", \"X-Keep\": \"k\"}, "
                    "\"cache_ignored_headers\": [\"X-Trace\"]}";
    expect(get(send_ok(a), "body"), "{\"n\": 1}");
    expect(get(send_ok(b), "body"), "{\"n\": 1}");
    send_err("{\"method\": \"get\", \"url\": \"%URL%/counter/2\", \"headers\": {}, \"cache_ignored_headers\": [1]}",
             "eval_builtin_error", "json: cannot unmarshal number into Go value of type string");

    /* the byte budget evicts the oldest entries */
    http_cache_configure(1);
    http_cache_stats(&entries, NULL);
    ck_assert_uint_eq(entries, 0);
    send_ok(req);
    http_cache_stats(&entries, NULL);
    ck_assert_uint_eq(entries, 0);
    http_cache_configure(HTTP_CACHE_DEFAULT_MAX_BYTES);
}
END_TEST

START_TEST(header_cache)
{
    http_cache_clear();
    /* max-age from the response: the second call is answered by the cache */
    const char *req = "{\"method\": \"get\", \"url\": \"%URL%/cache/5?maxage=60\", \"cache\": true}";
    expect(get(send_ok(req), "body"), "{\"n\": 1}");
    expect(get(send_ok(req), "body"), "{\"n\": 1}");
    ck_assert_int_eq(hits_of("/hits/5"), 1);

    /* max-age=0: stale at once, revalidated with If-None-Match (304) */
    const char *stale = "{\"method\": \"get\", \"url\": \"%URL%/cache/6?maxage=0\", \"cache\": true}";
    expect(get(send_ok(stale), "body"), "{\"n\": 1}");
    val *again = send_ok(stale);
    expect(get(again, "body"), "{\"n\": 1}");
    expect(get(again, "status_code"), "200");
    ck_assert_int_eq(hits_of("/hits/6"), 1);
    ck_assert_int_eq(hits_of("/revalidations/6"), 1);

    /* no-store responses are not kept */
    const char *ns = "{\"method\": \"get\", \"url\": \"%URL%/nostore/7\", \"cache\": true}";
    expect(get(send_ok(ns), "body"), "{\"n\": 1}");
    expect(get(send_ok(ns), "body"), "{\"n\": 2}");

    /* without Cache-Control/Expires an entry is stale at once and has no validators */
    const char *plain = "{\"method\": \"get\", \"url\": \"%URL%/counter/8\", \"cache\": true}";
    expect(get(send_ok(plain), "body"), "{\"n\": 1}");
    expect(get(send_ok(plain), "body"), "{\"n\": 2}");
}
END_TEST

/* Through the engine: one answer per request within an evaluation. */
START_TEST(per_evaluation_memory)
{
    char policy[1024];
    snprintf(policy, sizeof policy,
             "package t\n"
             "r := [a, b] if {\n"
             "  a := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:%d/counter/9\"}).body.n\n"
             "  b := http.send({\"url\": \"http://127.0.0.1:%d/counter/9\", \"method\": \"get\"}).body.n\n"
             "}\n"
             "e := http.send({\"method\": \"get\", \"url\": \"foo://x\"})\n",
             srv.port, srv.port);
    CHECK_EVAL(policy, "data.t.r", 1, "[1,1]");
    CHECK_EVAL(policy, "data.t.r", 1, "[2,2]");
    CHECK_EVAL(policy, "data.t.e", 1,
               "error: eval_builtin_error: http.send: Get \"foo://x\": unsupported protocol scheme \"foo\"");
}
END_TEST

/* ------------------------------------------------------------------ */
/* TLS material                                                       */

static char *pem_of(int (*w)(BIO *, void *), void *obj)
{
    BIO *b = BIO_new(BIO_s_mem());
    w(b, obj);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = arena_strndup(&A, data, (size_t)n);
    BIO_free(b);
    return s;
}

static int write_cert(BIO *b, void *x) { return PEM_write_bio_X509(b, x); }
static int write_key(BIO *b, void *k) { return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL); }

static X509 *self_signed(EVP_PKEY *k)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"verdict.test", -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_sign(x, k, EVP_sha256());
    return x;
}

static void json_escape_into(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            sb_puts(sb, "\\n");
        else
            sb_putc(sb, *s);
    }
}

START_TEST(tls_material)
{
    EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = self_signed(k1);
    char *cert = pem_of(write_cert, x), *key1 = pem_of(write_key, k1), *key2 = pem_of(write_key, k2);

    strbuf req = STRBUF_INIT;
    sb_puts(&req, "{\"method\": \"get\", \"url\": \"%URL%/json\", \"tls_client_cert\": \"");
    json_escape_into(&req, cert);
    sb_puts(&req, "\", \"tls_client_key\": \"");
    json_escape_into(&req, key2);
    sb_puts(&req, "\"}");
    send_err(req.data, "eval_builtin_error", "tls: private key does not match public key");

    /* a matching pair and extra roots are accepted (and unused over plain http) */
    sb_reset(&req);
    sb_puts(&req, "{\"method\": \"get\", \"url\": \"%URL%/json\", \"tls_client_cert\": \"");
    json_escape_into(&req, cert);
    sb_puts(&req, "\", \"tls_client_key\": \"");
    json_escape_into(&req, key1);
    sb_puts(&req, "\", \"tls_ca_cert\": \"");
    json_escape_into(&req, cert);
    sb_puts(&req, "\", \"tls_use_system_certs\": true, \"tls_insecure_skip_verify\": true}");
    val *r = send_ok(req.data);
    expect(get(r, "body"), "{\"x\": 1}");

    /* a written "\n" in tls_ca_cert counts as a newline, as in OPA */
    sb_reset(&req);
    sb_puts(&req, "{\"method\": \"get\", \"url\": \"%URL%/json\", \"tls_ca_cert\": \"");
    for (const char *p = cert; *p; p++)
        sb_puts(&req, *p == '\n' ? "\\\\n" : (char[2]){*p, 0});
    sb_puts(&req, "\"}");
    send_ok(req.data);
    sb_free(&req);

    X509_free(x);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* providers.aws.sign_req: OPA's providers-aws conformance cases       */

typedef struct aws_case {
    const char *req;
    const char *cfg;
    const char *want_headers;
} aws_case;

#define AWS_CFG "\"aws_access_key\": \"MYAWSACCESSKEYGOESHERE\", \"aws_secret_access_key\": \"MYAWSSECRETACCESSKEYGOESHERE\", \"aws_service\": \"s3\", \"aws_region\": \"us-east-1\""
#define AWS_CRED "AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request,"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define BODY_SHA "bacff6243c850423883052ac3c336fd645994442933408dfd3f9e858e69bda07"

static const aws_case aws_cases[] = {
    {"{\"method\": \"get\", \"url\": \"http://example.com\"}", "{" AWS_CFG "}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3\","
     " \"host\": \"example.com\", \"x-amz-content-sha256\": \"" EMPTY_SHA "\", \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"http://example.com\", \"headers\": {\"foo\": \"bar\"}}", "{" AWS_CFG "}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=8f1dc7c9b9978356a0d0989fd26a95307f4f8a4aa264d8220647b7097d839952\","
     " \"host\": \"example.com\", \"x-amz-content-sha256\": \"" EMPTY_SHA "\", \"x-amz-date\": \"20151228T140825Z\", \"foo\": \"bar\"}"},
    {"{\"method\": \"get\", \"url\": \"http://example.com\"}",
     "{" AWS_CFG ", \"aws_session_token\": \"MYAWSSECURITYTOKENGOESHERE\"}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,Signature=23c31bda8a74630c0a94f6b82a3511e7e74728df98e6f54ed0840488dbbdc8d1\","
     " \"host\": \"example.com\", \"x-amz-content-sha256\": \"" EMPTY_SHA "\", \"x-amz-date\": \"20151228T140825Z\","
     " \"x-amz-security-token\": \"MYAWSSECURITYTOKENGOESHERE\"}"},
    {"{\"method\": \"get\", \"url\": \"http://example.com\", \"body\": {\"example\": [1, 2, 3, 4]}}", "{" AWS_CFG "}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=5fb06ab1cfd74c8fcb3af95b8cce696708cf6155d971dac10f254d79799c6e88\","
     " \"host\": \"example.com\", \"x-amz-content-sha256\": \"" BODY_SHA "\", \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"http://example.com\", \"raw_body\": \"{\\\"example\\\": {1, 2, 3, 4}}\"}", "{" AWS_CFG "}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=5bf26e169cb8b02330dba39d53932532438fc856c2f10537689a09ed807c7195\","
     " \"host\": \"example.com\", \"x-amz-content-sha256\": \"22906461e2a98a3e780d0fd260e341bed5e544661e97c5936fc7f3af11aaad8b\","
     " \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"http://example.com\", \"body\": {\"example\": [1, 2, 3, 4]}, \"raw_body\": \"{\\\"example\\\": {1, 2, 3, 4}}\"}",
     "{" AWS_CFG "}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=5bf26e169cb8b02330dba39d53932532438fc856c2f10537689a09ed807c7195\","
     " \"host\": \"example.com\", \"x-amz-content-sha256\": \"22906461e2a98a3e780d0fd260e341bed5e544661e97c5936fc7f3af11aaad8b\","
     " \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"https://example.com\", \"headers\": {\"foo\": \"bar\"}}",
     "{" AWS_CFG ", \"disable_payload_signing\": false}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=8f1dc7c9b9978356a0d0989fd26a95307f4f8a4aa264d8220647b7097d839952\","
     " \"foo\": \"bar\", \"host\": \"example.com\", \"x-amz-content-sha256\": \"" EMPTY_SHA "\", \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"https://example.com\", \"headers\": {\"foo\": \"bar\"}}",
     "{" AWS_CFG ", \"disable_payload_signing\": true}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028\","
     " \"foo\": \"bar\", \"host\": \"example.com\", \"x-amz-content-sha256\": \"UNSIGNED-PAYLOAD\", \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"https://example.com\", \"headers\": {\"foo\": \"bar\"}, \"body\": {\"example\": [1, 2, 3, 4]}}",
     "{" AWS_CFG ", \"disable_payload_signing\": false}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=f6703a8727ec0a32f81b225a002f622e511e8a7d2ca8914894fcbb7a71d8d9d8\","
     " \"foo\": \"bar\", \"host\": \"example.com\", \"x-amz-content-sha256\": \"" BODY_SHA "\", \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"https://example.com\", \"headers\": {\"foo\": \"bar\"}, \"body\": {\"example\": [1, 2, 3, 4]}}",
     "{" AWS_CFG ", \"disable_payload_signing\": true}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028\","
     " \"foo\": \"bar\", \"host\": \"example.com\", \"x-amz-content-sha256\": \"UNSIGNED-PAYLOAD\", \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"https://example.com\", \"headers\": {\"foo\": \"bar\", \"x-amz-content-sha256\": \"existing-value\"}, \"body\": {\"example\": [1, 2, 3, 4]}}",
     "{" AWS_CFG ", \"disable_payload_signing\": false}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=42bcac7fc6d170e09be72fdf38b62e59361265bc59d5f9156f0d6faf889e98ba\","
     " \"foo\": \"bar\", \"host\": \"example.com\", \"x-amz-content-sha256\": \"" BODY_SHA "\", \"x-amz-date\": \"20151228T140825Z\"}"},
    {"{\"method\": \"get\", \"url\": \"https://example.com\", \"headers\": {\"foo\": \"bar\", \"x-amz-content-sha256\": \"existing-value\"}, \"body\": {\"example\": [1, 2, 3, 4]}}",
     "{" AWS_CFG ", \"disable_payload_signing\": true}",
     "{\"Authorization\": \"" AWS_CRED "SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=edcd3ca3fd3acdfbcecad1a1d8062dbc6562d90352e294c336f9727397f9c383\","
     " \"foo\": \"bar\", \"host\": \"example.com\", \"x-amz-content-sha256\": \"UNSIGNED-PAYLOAD\", \"x-amz-date\": \"20151228T140825Z\"}"},
};

START_TEST(aws_sign_req)
{
    for (size_t i = 0; i < sizeof aws_cases / sizeof aws_cases[0]; i++) {
        val *args[3] = {J(aws_cases[i].req), J(aws_cases[i].cfg), J("1451311705000000000")}, *out;
        bi_status st = call_builtin("providers.aws.sign_req", args, 3, &out);
        ck_assert_msg(st == BI_OK, "case %zu: %s", i, ctx.err_msg);
        expect(get(out, "headers"), aws_cases[i].want_headers);
        /* the rest of the request is unchanged */
        ck_assert(val_equal(get(out, "url"), get(args[0], "url")));
    }
    val *args[3] = {J("{\"method\": \"get\", \"url\": \"http://example.com\"}"),
                    J("{\"aws_access_key\": \"a\", \"aws_service\": \"s3\"}"), J("0")}, *out;
    ck_assert_int_eq(call_builtin("providers.aws.sign_req", args, 3, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_code, "eval_type_error");
    ck_assert_str_eq(ctx.err_msg,
                     "operand 2 missing required AWS config parameters(s): {\"aws_region\", \"aws_secret_access_key\"}");
    args[1] = J("{" AWS_CFG ", \"disable_payload_signing\": \"yes\"}");
    ck_assert_int_eq(call_builtin("providers.aws.sign_req", args, 3, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_msg, "operand 2 invalid value for 'disable_payload_signing' in AWS config");
    args[1] = J("{" AWS_CFG "}");
    args[2] = J("1.5");
    ck_assert_int_eq(call_builtin("providers.aws.sign_req", args, 3, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_msg, "operand 3 could not convert time_ns value into a unix timestamp");
    args[0] = J("{\"method\": \"get\"}");
    args[2] = J("0");
    ck_assert_int_eq(call_builtin("providers.aws.sign_req", args, 3, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_msg, "operand 1 missing required request parameters(s): {\"url\"}");
}
END_TEST

/* ------------------------------------------------------------------ */
/* opa.runtime                                                        */

START_TEST(opa_runtime)
{
    val *out;
    opa_runtime_set(NULL);
    ck_assert_int_eq(call_builtin("opa.runtime", NULL, 0, &out), BI_OK);
    expect(out, "{}");

    setenv("VERDICT_TEST_ENV", "yes", 1);
    val *info = opa_runtime_default(&A, NULL);
    expect(get(get(info, "env"), "VERDICT_TEST_ENV"), "\"yes\"");
    expect(get(info, "version"), "\"" VERDICT_VERSION "\"");
    ck_assert_int_eq(opa_runtime_set(info), 0);
    ck_assert_int_eq(call_builtin("opa.runtime", NULL, 0, &out), BI_OK);
    ck_assert(val_equal(out, info));

    /* credentials and private keys are not shown */
    val *cfg = J("{\"services\": {\"acme\": {\"url\": \"https://x\", \"credentials\": {\"bearer\": {\"token\": \"s\"}}}},"
                 " \"keys\": {\"k\": {\"algorithm\": \"RS256\", \"key\": \"secret\", \"private_key\": \"p\"}},"
                 " \"labels\": {\"a\": \"b\"}}");
    ck_assert_int_eq(opa_runtime_set(opa_runtime_default(&A, cfg)), 0);
    ck_assert_int_eq(call_builtin("opa.runtime", NULL, 0, &out), BI_OK);
    expect(get(out, "config"), "{\"services\": {\"acme\": {\"url\": \"https://x\"}}, \"keys\": {\"k\": "
                               "{\"algorithm\": \"RS256\"}}, \"labels\": {\"a\": \"b\"}}");
    ck_assert_int_eq(opa_runtime_set(opa_runtime_default(&A, J("{\"services\": [{\"credentials\": 1, \"u\": 2}]}"))), 0);
    ck_assert_int_eq(call_builtin("opa.runtime", NULL, 0, &out), BI_OK);
    expect(get(out, "config"), "{\"services\": [{\"u\": 2}]}");
    ck_assert_int_eq(opa_runtime_set(opa_runtime_default(&A, J("{\"services\": \"x\"}"))), 0);
    ck_assert_int_eq(call_builtin("opa.runtime", NULL, 0, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_msg, "illegal service config type: string");
    ck_assert_int_eq(opa_runtime_set(J("[1]")), -1);
    opa_runtime_set(NULL);
    ck_assert_int_eq(call_builtin("opa.runtime", NULL, 0, &out), BI_OK);
    expect(out, "{}");
}
END_TEST

/* ------------------------------------------------------------------ */
/* rego.parse_module                                                  */

static val *parse_module(const char *file, const char *text)
{
    val *args[2] = {val_cstring(&A, file), val_cstring(&A, text)}, *out;
    bi_status st = call_builtin("rego.parse_module", args, 2, &out);
    ck_assert_msg(st == BI_OK, "%s", ctx.err_msg);
    return out;
}

#define T(type, v) "{\"type\": \"" type "\", \"value\": " v "}"
#define VAR(n) T("var", "\"" n "\"")
#define STR(s) T("string", "\"" s "\"")
#define NUM(n) T("number", #n)
#define TRUE_EXPR "{\"index\": 0, \"terms\": " T("boolean", "true") "}"
#define OP(n) T("ref", "[" VAR(n) "]")

START_TEST(parse_module_json)
{
    /* OPA's own test: the package path */
    val *m = parse_module("x.rego", "package foo.bar\n\nimport data.a\n\np if { a = true }");
    expect(get(m, "package"), "{\"path\": [" VAR("data") ", " STR("foo") ", " STR("bar") "]}");
    expect(get(m, "imports"), "[{\"path\": " T("ref", "[" VAR("data") ", " STR("a") "]") "}]");
    expect(get(m, "rules"),
           "[{\"head\": {\"name\": \"p\", \"ref\": [" VAR("p") "], \"value\": " T("boolean", "true") "},"
           " \"body\": [{\"index\": 0, \"terms\": [" OP("eq") ", " VAR("a") ", " T("boolean", "true") "]}]}]");

    /* whole modules */
    m = parse_module("m.rego", "package test\n\np := 1\n");
    expect(m, "{\"package\": {\"path\": [" VAR("data") ", " STR("test") "]}, \"rules\": [{\"body\": [" TRUE_EXPR "],"
              " \"head\": {\"assign\": true, \"name\": \"p\", \"ref\": [" VAR("p") "], \"value\": " NUM(1) "}}]}");

    m = parse_module("m.rego", "package test\n\n# comment\nallow if { input.x == 1 }\n");
    expect(m, "{\"package\": {\"path\": [" VAR("data") ", " STR("test") "]},"
              " \"rules\": [{\"body\": [{\"index\": 0, \"terms\": [" OP("equal") ", " T("ref", "[" VAR("input") ", " STR("x") "]")
              ", " NUM(1) "]}], \"head\": {\"name\": \"allow\", \"ref\": [" VAR("allow") "], \"value\": " T("boolean", "true") "}}],"
              " \"comments\": [{\"Text\": \"IGNvbW1lbnQ=\", \"Location\": {\"file\": \"m.rego\", \"row\": 3, \"col\": 1}}]}");

    /* heads: contains, functions, defaults, ref heads, else */
    m = parse_module("m.rego",
                     "package test\n"
                     "import input.x as y\n"
                     "q contains x if { some x in input.xs }\n"
                     "f(x, _) := x + 1\n"
                     "default r := false\n"
                     "a.b[c] := 1 if { c := \"k\" }\n"
                     "g := 1 if { false } else := 2\n"
                     "s[x] if { x := 1 }\n");
    expect(get(m, "imports"), "[{\"path\": " T("ref", "[" VAR("input") ", " STR("x") "]") ", \"alias\": \"y\"}]");
    val *rules = get(m, "rules");
    ck_assert_uint_eq(val_len(rules), 6);
    expect(val_array_items(rules)[0],
           "{\"head\": {\"name\": \"q\", \"ref\": [" VAR("q") "], \"key\": " VAR("x") "}, \"body\": [{\"index\": 0, \"terms\": "
           "{\"symbols\": [" T("call", "[" T("ref", "[" VAR("internal") ", " STR("member_2") "]") ", " VAR("x") ", "
           T("ref", "[" VAR("input") ", " STR("xs") "]") "]") "]}}]}");
    expect(val_array_items(rules)[1],
           "{\"head\": {\"name\": \"f\", \"ref\": [" VAR("f") "], \"args\": [" VAR("x") ", " VAR("$0") "], \"value\": "
           T("call", "[" OP("plus") ", " VAR("x") ", " NUM(1) "]") ", \"assign\": true}, \"body\": [" TRUE_EXPR "]}");
    expect(val_array_items(rules)[2],
           "{\"head\": {\"name\": \"r\", \"ref\": [" VAR("r") "], \"value\": " T("boolean", "false") ", \"assign\": true},"
           " \"body\": [" TRUE_EXPR "], \"default\": true}");
    expect(val_array_items(rules)[3],
           "{\"head\": {\"ref\": [" VAR("a") ", " STR("b") ", " VAR("c") "], \"value\": " NUM(1) ", \"assign\": true},"
           " \"body\": [{\"index\": 0, \"terms\": [" OP("assign") ", " VAR("c") ", " STR("k") "]}]}");
    expect(val_array_items(rules)[4],
           "{\"head\": {\"name\": \"g\", \"ref\": [" VAR("g") "], \"value\": " NUM(1) ", \"assign\": true},"
           " \"body\": [{\"index\": 0, \"terms\": " T("boolean", "false") "}],"
           " \"else\": {\"head\": {\"name\": \"g\", \"ref\": [" VAR("g") "], \"value\": " NUM(2) ", \"assign\": true},"
           " \"body\": [" TRUE_EXPR "]}}");
    expect(val_array_items(rules)[5],
           "{\"head\": {\"ref\": [" VAR("s") ", " VAR("x") "], \"key\": " VAR("x") ", \"value\": " T("boolean", "true") "},"
           " \"body\": [{\"index\": 0, \"terms\": [" OP("assign") ", " VAR("x") ", " NUM(1) "]}]}");

    /* expressions and terms */
    m = parse_module("m.rego",
                     "package test\n"
                     "p if {\n"
                     "  not input.a\n"
                     "  some k, v in {\"b\": 1, \"a\": null}\n"
                     "  every z in {3, 1} { z > 0 }\n"
                     "  x := [y | y := input.ys[_]]\n"
                     "  count(x) > 0 with input as {}\n"
                     "}\n");
    val *body = get(val_array_items(get(m, "rules"))[0], "body");
    ck_assert_uint_eq(val_len(body), 5);
    expect(val_array_items(body)[0], "{\"index\": 0, \"negated\": true, \"terms\": " T("ref", "[" VAR("input") ", " STR("a") "]") "}");
    expect(val_array_items(body)[1],
           "{\"index\": 1, \"terms\": {\"symbols\": [" T("call", "[" T("ref", "[" VAR("internal") ", " STR("member_3") "]") ", "
           VAR("k") ", " VAR("v") ", " T("object", "[[" STR("a") ", " T("null", "{}") "], [" STR("b") ", " NUM(1) "]]") "]") "]}}");
    expect(val_array_items(body)[2],
           "{\"index\": 2, \"terms\": {\"key\": null, \"value\": " VAR("z") ", \"domain\": " T("set", "[" NUM(1) ", " NUM(3) "]")
           ", \"body\": [{\"index\": 0, \"terms\": [" OP("gt") ", " VAR("z") ", " NUM(0) "]}]}}");
    expect(val_array_items(body)[3],
           "{\"index\": 3, \"terms\": [" OP("assign") ", " VAR("x") ", " T("arraycomprehension", "{\"term\": " VAR("y")
           ", \"body\": [{\"index\": 0, \"terms\": [" OP("assign") ", " VAR("y") ", " T("ref", "[" VAR("input") ", " STR("ys")
           ", " VAR("$0") "]") "]}]}") "]}");
    expect(val_array_items(body)[4],
           "{\"index\": 4, \"terms\": [" OP("gt") ", " T("call", "[" OP("count") ", " VAR("x") "]") ", " NUM(0) "],"
           " \"with\": [{\"target\": " VAR("input") ", \"value\": " T("object", "[]") "}]}");

    /* errors are OPA's text of the parse errors */
    val *args[2] = {val_cstring(&A, "x.rego"), val_cstring(&A, "package foo.")}, *out;
    ck_assert_int_eq(call_builtin("rego.parse_module", args, 2, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_code, "eval_builtin_error");
    ck_assert_msg(strncmp(ctx.err_msg, "1 error occurred: x.rego:1: rego_parse_error: ", 46) == 0, "%s", ctx.err_msg);
    args[1] = val_int(&A, 1);
    ck_assert_int_eq(call_builtin("rego.parse_module", args, 2, &out), BI_ERR);
    ck_assert_str_eq(ctx.err_msg, "operand 1 must be string but got number");
}
END_TEST

START_TEST(registered)
{
    ck_assert_ptr_nonnull(builtin_lookup("http.send"));
    ck_assert(builtin_lookup("http.send")->flags & BI_F_NONDET);
    ck_assert_int_eq(builtin_lookup("http.send")->arity, 1);
    ck_assert_ptr_nonnull(builtin_lookup("providers.aws.sign_req"));
    ck_assert_ptr_nonnull(builtin_lookup("opa.runtime"));
    ck_assert_ptr_nonnull(builtin_lookup("rego.parse_module"));
}
END_TEST

Suite *suite_builtins_http(void);

Suite *suite_builtins_http(void)
{
    Suite *s = suite_create("builtins_http");
    TCase *tc = tcase_create("http");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, server_start, server_stop);
    tcase_add_checked_fixture(tc, builtin_setup, builtin_teardown);
    tcase_add_test(tc, registered);
    tcase_add_test(tc, get_json);
    tcase_add_test(tc, methods_and_bodies);
    tcase_add_test(tc, request_headers);
    tcase_add_test(tc, response_shapes);
    tcase_add_test(tc, redirects);
    tcase_add_test(tc, request_validation);
    tcase_add_test(tc, transport_errors);
    tcase_add_test(tc, timeouts);
    tcase_add_test(tc, raise_error_false);
    tcase_add_test(tc, force_cache);
    tcase_add_test(tc, header_cache);
    tcase_add_test(tc, per_evaluation_memory);
    tcase_add_test(tc, tls_material);
    tcase_add_test(tc, aws_sign_req);
    tcase_add_test(tc, opa_runtime);
    tcase_add_test(tc, parse_module_json);
    suite_add_tcase(s, tc);
    return s;
}
