/* http.c — sockets and libwebsockets.
 *
 * The Debian build of libwebsockets has one service thread per context
 * (LWS_MAX_SMP is 1), so each worker thread runs its own context with no
 * listener, and one acceptor thread hands accepted sockets to the workers
 * in turn (lws_adopt_socket, in the worker's own thread after
 * lws_cancel_service wakes it).  Connections are kept alive, so the
 * acceptor is far from the hot path.
 *
 * A request goes: LWS_CALLBACK_HTTP (headers: copy what routes need, check
 * the declared length) -> HTTP_BODY* (collect, bounded) -> BODY_COMPLETION
 * -> router_dispatch -> the whole response is built in memory ->
 * HTTP_WRITEABLE writes it, in pieces when it is large -> the transaction
 * completes and the connection waits for the next request.
 *
 * Timeouts: libwebsockets drops a connection that does not finish its
 * headers in time (timeout_secs_ah_idle), is that slow sending a body
 * (timeout_secs) or stays idle between requests (keepalive_timeout). */
#include "chunked.h"
#include "internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_LISTEN 8
#define WRITE_CHUNK (256u << 10)    /* bytes handed to lws_write at once */
#define HEADER_ROOM 512

typedef struct worker {
    server *s;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;       /* guards ctx (for other threads) and pending */
    struct lws_context *ctx;    /* NULL once the worker has stopped */
    int *pending;               /* accepted sockets to adopt (DIAG_FD marks diagnostic ones) */
    size_t npending, cap;
    int active;                 /* requests in flight (worker thread only) */
    atomic_int draining;
    uint64_t drain_deadline;
    pthread_mutex_t ready_lock;
    pthread_cond_t ready_cond;
    int ready;                  /* 1 running, -1 failed to start */
} worker;

/* A socket of a --diagnostic-addr listener travels to its worker with this
 * bit set, and its connection is marked with diag_mark. */
#define DIAG_FD (1 << 30)
static char diag_mark;

typedef struct http_state {
    int listen_fds[MAX_LISTEN];
    int listen_diag[MAX_LISTEN];    /* a --diagnostic-addr listener */
    int nlisten;
    int wake[2];                /* closing wake[1] stops the acceptor */
    pthread_t acceptor;
    int acceptor_started;
    worker *workers;
    int nworkers;
} http_state;

/* Per-transaction state: libwebsockets gives each request fresh zeroed
 * memory and takes it back when the transaction completes. */
typedef enum phase { P_NEW, P_BODY, P_REJECTED, P_RESPOND } phase;

typedef struct session {
    phase phase;
    int counted;                /* in worker->active */
    http_method method;
    char *path;
    http_arg *args;
    int nargs;
    char *content_type;
    char *content_encoding;
    char *if_none_match;
    char request_id[96];
    char remote[64];
    buf body;
    int chunked;                /* the body comes with Transfer-Encoding: chunked */
    dechunk dechunk;
    uint64_t start_ns;
    /* response: LWS_PRE bytes of room, then headers and body */
    buf out;
    size_t sent;
    int close_after;
} session;

static int worker_count(const server *s)
{
    int n = s->opts.threads;
    if (n <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? (int)cores : 1;
    }
    return n > 64 ? 64 : n;
}

/* ---- sessions ---- */

static void session_free(session *ss)
{
    free(ss->path);
    for (int i = 0; i < ss->nargs; i++) {
        free(ss->args[i].name);
        free(ss->args[i].value);
    }
    free(ss->args);
    free(ss->content_type);
    free(ss->content_encoding);
    free(ss->if_none_match);
    buf_free(&ss->body);
    buf_free(&ss->out);
    memset(ss, 0, sizeof *ss);
}

static worker *worker_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* The request is over (answered, or the client went away). */
static void session_done(struct lws *wsi, session *ss)
{
    if (ss->counted) {
        worker_of(wsi)->active--;
        ss->counted = 0;
    }
    session_free(ss);
}

static char *header_copy(struct lws *wsi, enum lws_token_indexes tok)
{
    int n = lws_hdr_total_length(wsi, tok);
    if (n <= 0)
        return strdup("");
    char *v = malloc((size_t)n + 1);
    if (v && lws_hdr_copy(wsi, v, n + 1, tok) < 0)
        v[0] = '\0';
    return v;
}

/* The request's headers as OPA's authorization input has them: Go's
 * canonical names ("Content-Type") to lists of values.  libwebsockets 4.1
 * keeps the headers it knows by token and cannot list the others, so
 * custom headers (other than X-Request-Id) are not there. */
static void headers_json(struct lws *wsi, buf *b)
{
    buf_putc(b, '{');
    int first = 1;
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        const char *name = (const char *)lws_token_to_string((enum lws_token_indexes)t);
        size_t n = name ? strlen(name) : 0;
        /* header tokens end in ':'; methods ("get ") and h2 pseudo-headers do not count */
        if (n < 2 || name[n - 1] != ':' || name[0] == ':')
            continue;
        int len = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
        if (len <= 0)
            continue;
        char *v = header_copy(wsi, (enum lws_token_indexes)t);
        if (!v)
            continue;
        char canon[64];
        size_t k = n - 1 < sizeof canon - 1 ? n - 1 : sizeof canon - 1;
        for (size_t i = 0; i < k; i++)
            canon[i] = (char)(i == 0 || name[i - 1] == '-' ? toupper((unsigned char)name[i])
                                                          : tolower((unsigned char)name[i]));
        canon[k] = '\0';
        if (!first)
            buf_putc(b, ',');
        first = 0;
        buf_json_cstr(b, canon);
        buf_puts(b, ":[");
        buf_json_cstr(b, v);
        buf_putc(b, ']');
        free(v);
    }
    char id[96];
    int idlen = lws_hdr_custom_length(wsi, "x-request-id:", 13);
    if (idlen > 0 && (size_t)idlen < sizeof id && lws_hdr_custom_copy(wsi, id, (int)sizeof id, "x-request-id:", 13) > 0) {
        if (!first)
            buf_putc(b, ',');
        buf_puts(b, "\"X-Request-Id\":[");
        buf_json_cstr(b, id);
        buf_putc(b, ']');
    }
    buf_putc(b, '}');
}

static int read_args(struct lws *wsi, session *ss)
{
    for (int i = 0;; i++) {
        int n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0)
            return 0;
        char *frag = malloc((size_t)n + 1);
        if (!frag)
            return -1;
        if (lws_hdr_copy_fragment(wsi, frag, n + 1, WSI_TOKEN_HTTP_URI_ARGS, i) < 0) {
            free(frag);
            return 0;
        }
        http_arg *grown = realloc(ss->args, sizeof *grown * (size_t)(ss->nargs + 1));
        if (!grown) {
            free(frag);
            return -1;
        }
        ss->args = grown;
        char *eq = strchr(frag, '=');
        http_arg *a = &ss->args[ss->nargs];
        if (eq)
            *eq = '\0';
        a->value = strdup(eq ? eq + 1 : "");
        a->name = frag;
        if (!a->value) {
            free(frag);
            return -1;
        }
        ss->nargs++;
    }
}

static http_method method_of(struct lws *wsi)
{
    static const struct { enum lws_token_indexes tok; http_method m; } methods[] = {
        {WSI_TOKEN_GET_URI, M_GET},       {WSI_TOKEN_POST_URI, M_POST},
        {WSI_TOKEN_PUT_URI, M_PUT},       {WSI_TOKEN_PATCH_URI, M_PATCH},
        {WSI_TOKEN_DELETE_URI, M_DELETE}, {WSI_TOKEN_HEAD_URI, M_HEAD},
        {WSI_TOKEN_OPTIONS_URI, M_OPTIONS},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].tok) > 0)
            return methods[i].m;
    return M_OTHER;
}

static void peer_address(struct lws *wsi, char *out, size_t n)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    out[0] = '\0';
    int fd = lws_get_socket_fd(wsi);
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&sa, &len) != 0)
        return;
    char host[INET6_ADDRSTRLEN] = "";
    int port = 0;
    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        snprintf(out, n, "%s:%d", host, port);
    } else if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        snprintf(out, n, "[%s]:%d", host, port);
    }
}

/* ---- responses ---- */

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

/* Lay out the status line, headers and body in ss->out after LWS_PRE
 * bytes of room, then ask for a writeable callback.  The header block is
 * written here rather than with lws_add_http_header_*(): the connection is
 * HTTP/1.1 only, and this way 204 and 304 carry no Content-Length, as RFC
 * 9110 asks. */
static int queue_response(struct lws *wsi, session *ss, http_response *res)
{
    const char *ctype = res->content_type;
    int bodyless = res->status == 204 || res->status == 304;
    size_t body_len = ctype && !bodyless ? res->body.len : 0;
    buf_reset(&ss->out);
    if (buf_reserve(&ss->out, LWS_PRE + HEADER_ROOM + body_len) != 0)
        return -1;
    memset(ss->out.data, 0, LWS_PRE);
    ss->out.len = LWS_PRE;
    buf *o = &ss->out;
    char num[24];
    buf_puts(o, "HTTP/1.1 ");
    snprintf(num, sizeof num, "%d ", res->status);
    buf_puts(o, num);
    buf_puts(o, reason(res->status));
    if (ctype && !bodyless) {
        buf_puts(o, "\r\nContent-Type: ");
        buf_puts(o, ctype);
    }
    if (!bodyless) {
        buf_puts(o, "\r\nContent-Length: ");
        char *p = num + sizeof num;
        *--p = '\0';
        size_t v = body_len;
        do
            *--p = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        buf_puts(o, p);
    }
    buf_puts(o, "\r\nX-Request-Id: ");
    buf_puts(o, ss->request_id);
    buf_puts(o, "\r\n");
    if (res->allow) {
        buf_puts(o, "Allow: ");
        buf_puts(o, res->allow);
        buf_puts(o, "\r\n");
    }
    if (ss->close_after)
        buf_puts(o, "Connection: close\r\n");
    buf_puts(o, "\r\n");
    if (ss->method != M_HEAD)
        buf_append(o, res->body.data, body_len);
    if (o->oom)
        return -1;
    ss->sent = 0;
    ss->phase = P_RESPOND;
    lws_callback_on_writable(wsi);
    return 0;
}

/* A response when the request cannot even be routed (too large, out of
 * memory): {"code", "message"}; the caller marks whether the connection
 * closes (an unread body cannot be skipped). */
static int queue_simple(struct lws *wsi, session *ss, int status, const char *code, const char *msg)
{
    http_response res = {0};
    res.label = H_CATCHALL;
    reply_error(&res, status, code, "%s", msg);
    metrics_observe(worker_of(wsi)->s->metrics, res.label, ss->method, status, now_mono_ns() - ss->start_ns);
    int rc = queue_response(wsi, ss, &res);
    buf_free(&res.body);
    return rc;
}

/* Gzip-compressed bodies (Content-Encoding: gzip), inflated within the body
 * limit as OPA does.  0 on success, 1 too large, -1 corrupt. */
static int inflate_body(buf *body, size_t limit)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return -1;
    buf out = BUF_INIT;
    z.next_in = (Bytef *)body->data;
    z.avail_in = (uInt)body->len;
    int rc = Z_OK, too_large = 0;
    while (rc != Z_STREAM_END) {
        if (buf_reserve(&out, 65536) != 0) {
            rc = Z_MEM_ERROR;
            break;
        }
        z.next_out = (Bytef *)out.data + out.len;
        z.avail_out = 65536;
        rc = inflate(&z, Z_NO_FLUSH);
        out.len += 65536 - z.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END)
            break;
        if (out.len > limit) {
            too_large = 1;
            break;
        }
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            rc = Z_DATA_ERROR;  /* truncated */
            break;
        }
    }
    inflateEnd(&z);
    if (too_large || rc != Z_STREAM_END) {
        buf_free(&out);
        return too_large ? 1 : -1;
    }
    if (out.data)
        out.data[out.len] = '\0';
    buf_free(body);
    *body = out;
    return 0;
}

static void dispatch(struct lws *wsi, session *ss)
{
    worker *w = worker_of(wsi);
    server *s = w->s;
    if (ss->content_encoding && strstr(ss->content_encoding, "gzip") && ss->body.len) {
        int rc = inflate_body(&ss->body, s->max_body);
        if (rc != 0) {
            if (rc > 0)
                ss->close_after = 1;
            if (queue_simple(wsi, ss, 400, "invalid_parameter",
                             rc > 0 ? "request body too large" : "could not decompress the body") != 0)
                lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
            return;
        }
    }
    http_request req;
    memset(&req, 0, sizeof req);
    req.diagnostic = lws_get_opaque_user_data(wsi) == &diag_mark;
    char *authorization = NULL;
    buf headers = BUF_INIT;
    if (s->opts.authz_basic && !req.diagnostic) {
        authorization = header_copy(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
        headers_json(wsi, &headers);
        req.authorization = authorization;
        req.headers_json = headers.oom ? "{}" : headers.data;
    }
    req.method = ss->method;
    req.path = ss->path;
    req.args = ss->args;
    req.nargs = ss->nargs;
    req.body = ss->body.data ? ss->body.data : "";
    req.body_len = ss->body.len;
    req.content_type = ss->content_type ? ss->content_type : "";
    req.if_none_match = ss->if_none_match ? ss->if_none_match : "";
    req.request_id = ss->request_id;
    req.remote_addr = ss->remote;
    req.start_ns = ss->start_ns;

    http_response res;
    memset(&res, 0, sizeof res);
    res.status = 200;
    res.label = H_CATCHALL;
    router_dispatch(s, &req, &res);
    if (res.body.oom) {
        buf_free(&res.body);
        memset(&res, 0, sizeof res);
        reply_error(&res, 500, "internal_error", "out of memory");
    }
    uint64_t took = now_mono_ns() - ss->start_ns;
    metrics_observe(s->metrics, res.label, ss->method, res.status, took);
    if (log_enabled(LOG_DEBUG)) {
        buf f = BUF_INIT;
        buf_puts(&f, "\"client_addr\":");
        buf_json_cstr(&f, ss->remote);
        buf_printf(&f, ",\"req_method\":\"%s\",\"req_path\":", http_method_name(ss->method));
        buf_json_cstr(&f, ss->path);
        buf_printf(&f, ",\"resp_status\":%d,\"resp_duration\":%.3f,\"req_id\":", res.status, took / 1e6);
        buf_json_cstr(&f, ss->request_id);
        log_line(LOG_DEBUG, f.data, "Sent response.");
        buf_free(&f);
    }
    if (atomic_load(&w->draining))
        ss->close_after = 1;
    if (queue_response(wsi, ss, &res) != 0)
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    buf_free(&res.body);
    free(authorization);
    buf_free(&headers);
}

/* ---- the protocol callback ---- */

static void adopt_pending(worker *w)
{
    pthread_mutex_lock(&w->lock);
    int *fds = w->pending;
    size_t n = w->npending;
    w->pending = NULL;
    w->npending = w->cap = 0;
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < n; i++) {
        int diag = (fds[i] & DIAG_FD) != 0, fd = fds[i] & ~DIAG_FD;
        if (atomic_load(&w->draining)) {
            close(fd);
            continue;
        }
        struct lws *wsi;
        if (diag) {
            /* plain HTTP even when the API listens with TLS, as OPA's
             * diagnostic listener */
            lws_sock_file_fd_type sock;
            sock.sockfd = fd;
            wsi = lws_adopt_descriptor_vhost(lws_get_vhost_by_name(w->ctx, "default"),
                                             LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP, sock, NULL, NULL);
            if (wsi)
                lws_set_opaque_user_data(wsi, &diag_mark);
        } else {
            wsi = lws_adopt_socket(w->ctx, fd);
        }
        if (!wsi)
            log_line(LOG_DEBUG, NULL, "cannot adopt a connection");  /* lws closed it */
    }
    free(fds);
}

static int on_headers(struct lws *wsi, session *ss, const char *uri)
{
    worker *w = worker_of(wsi);
    server *s = w->s;
    session_free(ss);
    ss->start_ns = now_mono_ns();
    w->active++;
    ss->counted = 1;
    ss->method = method_of(wsi);
    ss->path = strdup(uri ? uri : "/");
    ss->content_type = header_copy(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
    ss->content_encoding = header_copy(wsi, WSI_TOKEN_HTTP_CONTENT_ENCODING);
    ss->if_none_match = header_copy(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
    if (s->dlog || log_enabled(LOG_DEBUG))
        peer_address(wsi, ss->remote, sizeof ss->remote);  /* a syscall: only when logged */
    int idlen = lws_hdr_custom_length(wsi, "x-request-id:", 13);
    if (idlen > 0 && (size_t)idlen < sizeof ss->request_id &&
        lws_hdr_custom_copy(wsi, ss->request_id, (int)sizeof ss->request_id, "x-request-id:", 13) > 0) {
        /* keep the client's id */
    } else {
        server_uuid(ss->request_id);
    }
    if (!ss->path || !ss->content_type || !ss->content_encoding || !ss->if_none_match || read_args(wsi, ss) != 0)
        return queue_simple(wsi, ss, 500, "internal_error", "out of memory");

    /* a body comes when there is a length or chunked transfer */
    char cl[32] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    char *te = header_copy(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
    int chunked = te && strcasestr(te, "chunked") != NULL;
    free(te);
    unsigned long long length = cl[0] ? strtoull(cl, NULL, 10) : 0;
    if (length > s->max_body) {
        ss->close_after = 1;  /* the body is not read: the connection cannot be reused */
        ss->phase = P_REJECTED;
        return queue_simple(wsi, ss, 400, "invalid_parameter", "request body too large");
    }
    if (chunked && cl[0]) {
        /* both framings: which one a proxy in front used is unknowable */
        ss->close_after = 1;
        ss->phase = P_REJECTED;
        return queue_simple(wsi, ss, 400, "invalid_parameter",
                            "request has both Transfer-Encoding: chunked and Content-Length");
    }
    if (chunked) {
        /* libwebsockets passes the framing through and cannot tell where the
         * body ends, so neither can it find the next request: the connection
         * closes after the response */
        ss->chunked = 1;
        ss->close_after = 1;
        dechunk_init(&ss->dechunk);
    }
    if (length > 0 || chunked) {
        ss->phase = P_BODY;
        if (buf_reserve(&ss->body, chunked ? 1024 : (size_t)length) != 0)
            return queue_simple(wsi, ss, 500, "internal_error", "out of memory");
        char *expect = header_copy(wsi, WSI_TOKEN_HTTP_EXPECT);
        if (expect && strcasestr(expect, "100-continue")) {
            /* clients (curl for large bodies) wait for this before sending */
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            unsigned char msg[LWS_PRE + sizeof cont];
            memcpy(msg + LWS_PRE, cont, sizeof cont - 1);
            lws_write(wsi, msg + LWS_PRE, sizeof cont - 1, LWS_WRITE_HTTP);
        }
        free(expect);
        return 0;
    }
    dispatch(wsi, ss);
    return 0;
}

static int on_writeable(struct lws *wsi, session *ss)
{
    if (ss->phase != P_RESPOND)
        return 0;
    size_t total = ss->out.len - LWS_PRE;
    size_t left = total - ss->sent;
    size_t n = left > WRITE_CHUNK ? WRITE_CHUNK : left;
    int last = n == left;
    if (lws_write(wsi, (unsigned char *)ss->out.data + LWS_PRE + ss->sent, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
        return -1;
    ss->sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    int close_after = ss->close_after;
    session_done(wsi, ss);
    if (close_after)
        return -1;
    /* ss belongs to libwebsockets again after this */
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    session *ss = user;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        adopt_pending(lws_context_user(lws_get_context(wsi)));
        return 0;
    case LWS_CALLBACK_HTTP:
        if (!ss)
            return -1;
        return on_headers(wsi, ss, in);
    case LWS_CALLBACK_HTTP_BODY: {
        if (!ss || ss->phase != P_BODY)
            return 0;
        size_t limit = worker_of(wsi)->s->max_body;
        if (ss->chunked) {
            int rc = dechunk_feed(&ss->dechunk, in, len, &ss->body, limit);
            if (rc == DECHUNK_MORE && !ss->body.oom)
                return 0;
            ss->phase = rc == DECHUNK_DONE && !ss->body.oom ? P_BODY : P_REJECTED;
            if (ss->body.oom)
                return queue_simple(wsi, ss, 500, "internal_error", "out of memory");
            if (rc == DECHUNK_TOO_LARGE)
                return queue_simple(wsi, ss, 400, "invalid_parameter", "request body too large");
            if (rc == DECHUNK_BAD)
                return queue_simple(wsi, ss, 400, "invalid_parameter", "malformed chunked request body");
            lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
            dispatch(wsi, ss);
            return 0;
        }
        if (ss->body.len + len > limit) {
            ss->close_after = 1;
            ss->phase = P_REJECTED;
            return queue_simple(wsi, ss, 400, "invalid_parameter", "request body too large");
        }
        buf_append(&ss->body, in, len);
        if (ss->body.oom) {
            ss->phase = P_REJECTED;
            ss->close_after = 1;
            return queue_simple(wsi, ss, 500, "internal_error", "out of memory");
        }
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!ss || ss->phase != P_BODY)
            return 0;
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
        dispatch(wsi, ss);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!ss)
            return 0;
        return on_writeable(wsi, ss);
    case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
        /* len carries OpenSSL's verdict on the chain; lws takes 0 as accept */
        return len ? 0 : 1;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (ss)
            session_done(wsi, ss);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static struct lws_protocols protocols[] = {
    {"http", callback, sizeof(session), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- workers ---- */

static void *worker_main(void *arg)
{
    worker *w = arg;
    server *s = w->s;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    info.protocols = protocols;
    info.user = w;
    info.gid = -1;
    info.uid = -1;
    info.server_string = "verdict";
    info.keepalive_timeout = s->keepalive_s;
    info.timeout_secs = (unsigned)s->header_timeout_s;
    info.timeout_secs_ah_idle = (unsigned)s->header_timeout_s;
    /* Header space is taken per connection while its headers arrive: 32 KiB
     * holds long ?q= and ?input= URLs, and at most 512 connections per
     * thread hold it at once (the others wait, bounded by the header
     * timeout), so slow clients cannot take more than 16 MiB a thread. */
    info.max_http_header_data2 = 32768;
    info.max_http_header_pool2 = 512;
    info.pt_serv_buf_size = 32768;
    if (s->opts.tls_cert_file) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = s->opts.tls_cert_file;
        info.ssl_private_key_filepath = s->opts.tls_private_key_file;
        info.alpn = "http/1.1";  /* responses are written as HTTP/1.1; no h2 */
        /* --min-tls-version (OPA's default 1.2): the older versions are off */
        info.ssl_options_set = SSL_OP_NO_SSLv3;
        if (s->opts.tls_min_minor > 0)
            info.ssl_options_set |= SSL_OP_NO_TLSv1;
        if (s->opts.tls_min_minor > 1)
            info.ssl_options_set |= SSL_OP_NO_TLSv1_1;
        if (s->opts.tls_min_minor > 2)
            info.ssl_options_set |= SSL_OP_NO_TLSv1_2;
        if (s->opts.tls_ca_cert_file) {
            info.ssl_ca_filepath = s->opts.tls_ca_cert_file;
            info.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
        }
    }
    struct lws_context *ctx = lws_create_context(&info);

    pthread_mutex_lock(&w->lock);
    w->ctx = ctx;
    pthread_mutex_unlock(&w->lock);
    pthread_mutex_lock(&w->ready_lock);
    w->ready = ctx ? 1 : -1;
    pthread_cond_signal(&w->ready_cond);
    pthread_mutex_unlock(&w->ready_lock);
    if (!ctx)
        return NULL;

    for (;;) {
        if (lws_service(ctx, 0) < 0)
            break;
        if (atomic_load(&w->draining) && (w->active == 0 || now_mono_ns() > w->drain_deadline))
            break;
    }
    pthread_mutex_lock(&w->lock);
    w->ctx = NULL;
    pthread_mutex_unlock(&w->lock);
    lws_context_destroy(ctx);
    /* sockets handed over after the context went away */
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->npending; i++)
        close(w->pending[i]);
    w->npending = 0;
    pthread_mutex_unlock(&w->lock);
    dlog_thread_done();
    return NULL;
}

/* Give an accepted socket to a worker; 0 on success. */
static int hand_over(worker *w, int fd)
{
    int rc = -1;
    pthread_mutex_lock(&w->lock);
    if (w->ctx) {
        if (w->npending == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 16;
            int *p = realloc(w->pending, cap * sizeof *p);
            if (p) {
                w->pending = p;
                w->cap = cap;
            }
        }
        if (w->npending < w->cap) {
            w->pending[w->npending++] = fd;
            lws_cancel_service(w->ctx);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

static void *acceptor_main(void *arg)
{
    server *s = arg;
    http_state *h = s->http;
    struct pollfd pfd[MAX_LISTEN + 1];
    unsigned next = 0;
    for (;;) {
        for (int i = 0; i < h->nlisten; i++)
            pfd[i] = (struct pollfd){h->listen_fds[i], POLLIN, 0};
        pfd[h->nlisten] = (struct pollfd){h->wake[0], POLLIN, 0};
        int n = poll(pfd, (nfds_t)h->nlisten + 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || pfd[h->nlisten].revents)
            break;
        for (int i = 0; i < h->nlisten; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            int fd = accept4(h->listen_fds[i], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE)
                    usleep(10000);  /* out of descriptors: let some close */
                continue;
            }
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (hand_over(&h->workers[next++ % (unsigned)h->nworkers], h->listen_diag[i] ? fd | DIAG_FD : fd) != 0)
                close(fd);
        }
    }
    return NULL;
}

/* ---- listening ---- */

/* "host:port", ":port", "[v6]:port", optionally with "http://". */
static int split_addr(const char *addr, char *host, size_t hn, char *port, size_t pn)
{
    if (strncmp(addr, "http://", 7) == 0)
        addr += 7;
    const char *colon;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':')
            return -1;
        snprintf(host, hn, "%.*s", (int)(close - addr - 1), addr + 1);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon)
            return -1;
        snprintf(host, hn, "%.*s", (int)(colon - addr), addr);
    }
    snprintf(port, pn, "%s", colon + 1);
    return port[0] ? 0 : -1;
}

static int try_bind(const struct addrinfo *ai, int dual_stack, int *err)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (dual_stack && ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

static int listen_on(const char *addr, char **error)
{
    char host[256], port[32];
    if (strncmp(addr, "unix://", 7) == 0 || strncmp(addr, "https://", 8) == 0 ||
        split_addr(addr, host, sizeof host, port, sizeof port) != 0) {
        if (asprintf(error, "invalid or unsupported listen address \"%s\" (want host:port)", addr) < 0)
            *error = NULL;
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        if (asprintf(error, "listen %s: %s", addr, gai_strerror(rc)) < 0)
            *error = NULL;
        return -1;
    }
    /* ":port" listens on every address (one dual-stack socket when there is
     * IPv6); a host listens on its first address, IPv4 first, as Go does */
    int any = !host[0];
    int order[2] = {any ? AF_INET6 : AF_INET, any ? AF_INET : AF_INET6};
    int fd = -1, err = 0;
    for (int pass = 0; pass < 2 && fd < 0; pass++)
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
            if (ai->ai_family == order[pass])
                fd = try_bind(ai, any, &err);
    freeaddrinfo(res);
    if (fd < 0) {
        if (asprintf(error, "listen tcp %s: %s", addr, strerror(err ? err : EADDRNOTAVAIL)) < 0)
            *error = NULL;
        return -1;
    }
    return fd;
}

static void bound_name(int fd, char *out, size_t n)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    out[0] = '\0';
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return;
    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        snprintf(out, n, "%s:%d", host, port);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        snprintf(out, n, "[%s]:%d", host, port);
    }
}

static void lws_log_to_ours(int level, const char *line)
{
    /* libwebsockets reports client misbehaviour as errors: debug noise */
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    log_line(LOG_DEBUG, NULL, "libwebsockets: %.*s", (int)n, line);
    (void)level;
}

static void http_free(http_state *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->nlisten; i++)
        close(h->listen_fds[i]);
    if (h->wake[0] >= 0)
        close(h->wake[0]);
    if (h->wake[1] >= 0)
        close(h->wake[1]);
    for (int i = 0; i < h->nworkers; i++) {
        worker *w = &h->workers[i];
        free(w->pending);
        pthread_mutex_destroy(&w->lock);
        pthread_mutex_destroy(&w->ready_lock);
        pthread_cond_destroy(&w->ready_cond);
    }
    free(h->workers);
    free(h);
}

int http_start(server *s, char **error)
{
    *error = NULL;
    http_state *h = calloc(1, sizeof *h);
    if (!h) {
        *error = strdup("out of memory");
        return -1;
    }
    h->wake[0] = h->wake[1] = -1;
    s->http = h;
    lws_set_log_level(log_enabled(LOG_DEBUG) ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO : LLL_ERR | LLL_WARN,
                      lws_log_to_ours);

    buf addrs = BUF_INIT, diag = BUF_INIT;
    buf_putc(&addrs, '[');
    buf_putc(&diag, '[');
    for (int i = 0; i < s->naddrs + s->opts.ndiag_addrs; i++) {
        if (h->nlisten == MAX_LISTEN) {
            *error = strdup("too many listen addresses");
            goto fail;
        }
        int is_diag = i >= s->naddrs;
        int fd = listen_on(is_diag ? s->opts.diag_addrs[i - s->naddrs] : s->addrs[i], error);
        if (fd < 0)
            goto fail;
        h->listen_diag[h->nlisten] = is_diag;
        h->listen_fds[h->nlisten++] = fd;
        char name[96];
        bound_name(fd, name, sizeof name);
        buf *list = is_diag ? &diag : &addrs;
        if (list->len > 1)
            buf_putc(list, ',');
        buf_json_cstr(list, name);
    }
    buf_putc(&addrs, ']');
    buf_putc(&diag, ']');
    if (pipe2(h->wake, O_CLOEXEC) != 0) {
        *error = strdup("pipe failed");
        goto fail;
    }

    h->nworkers = worker_count(s);
    h->workers = calloc((size_t)h->nworkers, sizeof *h->workers);
    if (!h->workers) {
        *error = strdup("out of memory");
        goto fail;
    }
    for (int i = 0; i < h->nworkers; i++) {
        worker *w = &h->workers[i];
        w->s = s;
        pthread_mutex_init(&w->lock, NULL);
        pthread_mutex_init(&w->ready_lock, NULL);
        pthread_cond_init(&w->ready_cond, NULL);
        atomic_init(&w->draining, 0);
    }
    for (int i = 0; i < h->nworkers; i++) {
        worker *w = &h->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            *error = strdup("cannot start a service thread");
            goto fail_threads;
        }
        w->started = 1;
        pthread_mutex_lock(&w->ready_lock);
        while (w->ready == 0)
            pthread_cond_wait(&w->ready_cond, &w->ready_lock);
        int ok = w->ready > 0;
        pthread_mutex_unlock(&w->ready_lock);
        if (!ok) {
            *error = strdup("cannot create a libwebsockets context");
            goto fail_threads;
        }
    }
    if (pthread_create(&h->acceptor, NULL, acceptor_main, s) != 0) {
        *error = strdup("cannot start the acceptor thread");
        goto fail_threads;
    }
    h->acceptor_started = 1;
    {
        buf f = BUF_INIT;
        buf_puts(&f, "\"addrs\":");
        buf_append(&f, addrs.data, addrs.len);
        buf_printf(&f, ",\"threads\":%d", h->nworkers);
        if (s->opts.ndiag_addrs) {
            buf_puts(&f, ",\"diagnostic-addrs\":");
            buf_append(&f, diag.data, diag.len);
        }
        log_line(LOG_INFO, f.data, "Server listening on %s.", addrs.data);
        buf_free(&f);
    }
    buf_free(&addrs);
    buf_free(&diag);
    return 0;

fail_threads:
    for (int i = 0; i < h->nworkers; i++) {
        worker *w = &h->workers[i];
        if (!w->started)
            continue;
        w->drain_deadline = 0;
        atomic_store(&w->draining, 1);
        pthread_mutex_lock(&w->lock);
        if (w->ctx)
            lws_cancel_service(w->ctx);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
    }
fail:
    buf_free(&addrs);
    buf_free(&diag);
    http_free(h);
    s->http = NULL;
    return -1;
}

void http_stop(server *s)
{
    http_state *h = s->http;
    if (!h)
        return;
    /* no new connections */
    if (h->acceptor_started) {
        close(h->wake[1]);
        h->wake[1] = -1;
        pthread_join(h->acceptor, NULL);
    }
    for (int i = 0; i < h->nlisten; i++)
        close(h->listen_fds[i]);
    h->nlisten = 0;
    /* in-flight requests finish; idle connections close */
    int grace = s->opts.shutdown_grace_seconds > 0 ? s->opts.shutdown_grace_seconds : 10;
    uint64_t deadline = now_mono_ns() + (uint64_t)grace * 1000000000u;
    for (int i = 0; i < h->nworkers; i++) {
        h->workers[i].drain_deadline = deadline;
        atomic_store(&h->workers[i].draining, 1);
    }
    for (;;) {
        int running = 0;
        for (int i = 0; i < h->nworkers; i++) {
            worker *w = &h->workers[i];
            pthread_mutex_lock(&w->lock);
            if (w->ctx) {
                running++;
                lws_cancel_service(w->ctx);  /* wake it to look at draining */
            }
            pthread_mutex_unlock(&w->lock);
        }
        if (!running)
            break;
        usleep(20000);
    }
    for (int i = 0; i < h->nworkers; i++)
        pthread_join(h->workers[i].thread, NULL);
    http_free(h);
    s->http = NULL;
}
