/* http_client.c — the HTTP client under http.send: one request (with
 * Go's redirect rules and max_retry_attempts retries) through libcurl,
 * answered as an hc_response or as an error worded as Go's net/http client
 * words it (`Get "http://x": dial tcp 127.0.0.1:1: connect: connection
 * refused`).
 *
 * curl is made to behave like Go's client: no "Accept" header, no form
 * Content-Type, no "Expect: 100-continue"; gzip asked for and decoded
 * transparently (its Content-Encoding and Content-Length then dropped, as
 * Go drops them); Transfer-Encoding not reported; redirects followed here,
 * so that 301/302/303 turn into GET without a body, 307/308 repeat the
 * request, credentials are not sent to another host and Referer is set;
 * loopback addresses never go through a proxy.  The TLS settings map to
 * curl's: extra roots as a CA blob (with the system bundle when
 * tls_use_system_certs asks for it), client certificates as blobs, and a
 * server name other than the URL's host by connecting to the URL's host
 * while asking for that name. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "../../include/verdict.h"
#include "../curl_lib.h"
#include "../strbuf.h"
#include "http_internal.h"
#include "strings_util.h"
#include "../hexdigit.h"

#define MAX_REDIRECTS 10

#if defined(__x86_64__)
#define UA_ARCH "amd64"
#elif defined(__aarch64__)
#define UA_ARCH "arm64"
#elif defined(__i386__)
#define UA_ARCH "386"
#else
#define UA_ARCH "unknown"
#endif
#define USER_AGENT "Verdict/" VERDICT_VERSION " (linux, " UA_ARCH ")"

/* ------------------------------------------------------------------ */
/* shared helpers                                                     */

void http_err_set(http_err *e, http_err_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->kind = kind;
    e->type_code = false;
    e->timeout = false;
    e->uncached = false;
    e->alt[0] = 0;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

/* Go's %q of s[0..n) (strconv.Quote), NUL-terminated in a malloc'd buffer
 * the caller frees (NULL only when memory runs out). */
char *http_quote(const char *s, size_t n)
{
    strbuf sb = STRBUF_INIT;
    txt_go_quote(&sb, s, n, false);
    if (!sb.data)
        sb_puts(&sb, "");
    return sb_detach(&sb);
}

char *http_strdup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* RFC 7230 token characters (header names, methods). */
bool http_is_token_char(unsigned char c)
{
    if (c >= 0x80 || c <= 0x20 || c == 0x7f)
        return false;
    return !strchr("\"(),/:;<=>?@[\\]{}", c);
}

bool http_is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!http_is_token_char((unsigned char)*s))
            return false;
    return true;
}

int64_t http_wall_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

const req_header *http_req_header(const http_req *r, const char *canon)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcmp(r->headers[i].name, canon) == 0)
            return &r->headers[i];
    return NULL;
}

void http_req_free(http_req *r)
{
    if (!r)
        return;
    free(r->method);
    free(r->url);
    free(r->body);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->ca_pem);
    free(r->cert_pem);
    free(r->key_pem);
    free(r->server_name);
    free(r);
}

/* ------------------------------------------------------------------ */
/* Go-isms of the client                                              */

static void net_error(http_err *e, const char *method, const char *url, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* url.Error's Op: "Get", "Post", "Delete" ... */
static void url_op(const char *method, char out[32])
{
    if (!method[0]) {
        strcpy(out, "Get");
        return;
    }
    size_t n = strlen(method);
    if (n > 31)
        n = 31;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)method[i];
        out[i] = (char)(i == 0 ? ch : tolower(ch));
    }
    out[n] = 0;
}

/* A transport error as Go prints a *url.Error: `Get "http://x": <detail>`. */
static void net_error(http_err *e, const char *method, const char *url, const char *fmt, ...)
{
    char op[32], detail[768];
    url_op(method, op);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    char *q = http_quote(url, strlen(url));
    http_err_set(e, HE_NET, "%s %s: %s", op, q ? q : "", detail);
    free(q);
}

static const char *status_text(int code)
{
    switch (code) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return "";
    }
}

static int64_t mono_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* URLs                                                               */

typedef struct url_parts {
    char *url;              /* what curl is given */
    char *scheme;           /* lower-case */
    char *host;             /* as in the URL ("[::1]" for IPv6) */
    char *port;             /* NULL when the URL has none */
    char *unix_path;        /* unix://...?socket=... requests, or NULL */
} url_parts;

static void url_parts_free(url_parts *u)
{
    free(u->url);
    free(u->scheme);
    free(u->host);
    free(u->port);
    free(u->unix_path);
    memset(u, 0, sizeof *u);
}

/* url.QueryUnescape-like decoding of s[0..n) into sb ('+' is a space). */
static bool query_unescape(strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n)
                return false;
            int a = hex_digit((unsigned char)s[i + 1]), b = hex_digit((unsigned char)s[i + 2]);
            if (a < 0 || b < 0)
                return false;
            sb_putc(sb, (char)(a * 16 + b));
            i += 2;
        } else {
            sb_putc(sb, s[i] == '+' ? ' ' : s[i]);
        }
    }
    return true;
}

/* url.QueryEscape. */
static void query_escape(strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            sb_putc(sb, (char)c);
        } else if (c == ' ') {
            sb_putc(sb, '+');
        } else {
            sb_putc(sb, '%');
            sb_putc(sb, hex[c >> 4]);
            sb_putc(sb, hex[c & 15]);
        }
    }
}

typedef struct qpair {
    char *k, *v;
} qpair;

static int cmp_qpair(const void *a, const void *b)
{
    return strcmp(((const qpair *)a)->k, ((const qpair *)b)->k);
}

/* OPA's useSocket: "unix://host/path?socket=<path>&..." becomes an http URL
 * with the socket parameter removed (the rest re-encoded in key order, as
 * url.Values.Encode does) and a socket to dial.  false when the URL is not
 * of that form (it then fails later as an unsupported scheme). */
static bool unix_socket_url(const char *raw, char **url_out, char **socket_out)
{
    if (strncasecmp(raw, "unix:", 5) != 0)
        return false;
    const char *q = strchr(raw, '?');
    if (!q || !q[1])
        return false;
    const char *frag = strchr(q, '#');
    size_t qn = frag ? (size_t)(frag - q - 1) : strlen(q + 1);
    const char *qs = q + 1;
    if (memchr(qs, ';', qn))
        return false;   /* url.ParseQuery refuses semicolons */
    qpair *pairs = NULL;
    size_t np = 0;
    char *socket = NULL;
    bool ok = true;
    for (size_t i = 0; i <= qn && ok;) {
        size_t j = i;
        while (j < qn && qs[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(qs + i, '=', j - i);
            size_t kn = eq ? (size_t)(eq - (qs + i)) : j - i;
            strbuf k = STRBUF_INIT, v = STRBUF_INIT;
            ok = query_unescape(&k, qs + i, kn) &&
                 (!eq || query_unescape(&v, eq + 1, (size_t)(qs + j - eq - 1)));
            if (!k.data)
                sb_puts(&k, "");
            if (!v.data)
                sb_puts(&v, "");
            if (ok && strcmp(k.data, "socket") == 0) {
                if (!socket)
                    socket = sb_detach(&v);
                sb_free(&k);
                sb_free(&v);
            } else if (ok) {
                qpair *np2 = realloc(pairs, (np + 1) * sizeof *pairs);
                if (!np2) {
                    ok = false;
                } else {
                    pairs = np2;
                    pairs[np].k = sb_detach(&k);
                    pairs[np].v = sb_detach(&v);
                    np++;
                }
            }
            sb_free(&k);
            sb_free(&v);
        }
        i = j + 1;
    }
    if (ok) {
        /* stable sort by key */
        for (size_t i = 1; i < np; i++)
            for (size_t j = i; j > 0 && cmp_qpair(&pairs[j - 1], &pairs[j]) > 0; j--) {
                qpair t = pairs[j];
                pairs[j] = pairs[j - 1];
                pairs[j - 1] = t;
            }
        strbuf u = STRBUF_INIT;
        sb_puts(&u, "http");
        sb_append(&u, raw + 4, (size_t)(q - (raw + 4)));
        for (size_t i = 0; i < np; i++) {
            sb_putc(&u, i ? '&' : '?');
            query_escape(&u, pairs[i].k, strlen(pairs[i].k));
            sb_putc(&u, '=');
            query_escape(&u, pairs[i].v, strlen(pairs[i].v));
        }
        if (frag)
            sb_puts(&u, frag);
        *url_out = sb_detach(&u);
        *socket_out = socket ? socket : http_strdup("", 0);
        socket = NULL;
        ok = *url_out && *socket_out;
    }
    for (size_t i = 0; i < np; i++) {
        free(pairs[i].k);
        free(pairs[i].v);
    }
    free(pairs);
    free(socket);
    return ok;
}

/* The URL's scheme as Go's url.Parse finds it ("" when there is none).
 * false for a URL Go refuses to parse. */
static bool go_scheme(const char *url, char **scheme, http_err *e)
{
    size_t i = 0;
    for (; url[i]; i++) {
        unsigned char c = (unsigned char)url[i];
        if (isalpha(c))
            continue;
        if (isdigit(c) || c == '+' || c == '-' || c == '.') {
            if (i == 0)
                break;
            continue;
        }
        if (c == ':' && i > 0) {
            *scheme = http_strdup(url, i);
            for (char *p = *scheme; p && *p; p++)
                *p = (char)tolower((unsigned char)*p);
            return *scheme != NULL;
        }
        break;
    }
    /* no scheme: a path, whose first segment must not hold a colon */
    size_t seg = strcspn(url, "/?#");
    if (memchr(url, ':', seg)) {
        char *q = http_quote(url, strlen(url));
        http_err_set(e, HE_WRAPPED, "parse %s: first path segment in URL cannot contain colon", q ? q : "");
        free(q);
        return false;
    }
    *scheme = http_strdup("", 0);
    return *scheme != NULL;
}

/* Spaces and bytes beyond ASCII escaped as Go escapes them when it writes
 * the request line. */
static char *escape_url(const char *url)
{
    static const char hex[] = "0123456789ABCDEF";
    strbuf sb = STRBUF_INIT;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p == ' ' || *p >= 0x80 || *p == '"' || *p == '<' || *p == '>' || *p == '\\' ||
            *p == '^' || *p == '`' || *p == '{' || *p == '|' || *p == '}') {
            sb_putc(&sb, '%');
            sb_putc(&sb, hex[*p >> 4]);
            sb_putc(&sb, hex[*p & 15]);
        } else {
            sb_putc(&sb, (char)*p);
        }
    }
    if (!sb.data)
        sb_puts(&sb, "");
    return sb_detach(&sb);
}

/* Ready a URL for curl: unix sockets, scheme and host checks worded as Go's
 * client words them. */
static bool prepare_url(const char *raw, const char *method, bool allow_unix, url_parts *u, http_err *e)
{
    memset(u, 0, sizeof *u);
    char *rewritten = NULL;
    if (allow_unix && unix_socket_url(raw, &rewritten, &u->unix_path))
        raw = rewritten;
    char *scheme = NULL;
    if (!go_scheme(raw, &scheme, e)) {
        free(rewritten);
        return false;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        char *q = http_quote(scheme, strlen(scheme));
        net_error(e, method, raw, "unsupported protocol scheme %s", q ? q : "");
        free(q);
        free(scheme);
        free(rewritten);
        url_parts_free(u);
        return false;
    }
    free(scheme);
    char *esc = escape_url(raw);
    CURLU *cu = curl_url();
    if (!esc || !cu) {
        free(esc);
        curl_url_cleanup(cu);
        free(rewritten);
        url_parts_free(u);
        http_err_set(e, HE_WRAPPED, "out of memory");
        return false;
    }
    CURLUcode uc = curl_url_set(cu, CURLUPART_URL, esc, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        if (uc == CURLUE_NO_HOST) {
            net_error(e, method, raw, "http: no Host in request URL");
        } else {
            char *q = http_quote(raw, strlen(raw));
            http_err_set(e, HE_WRAPPED, "parse %s: %s", q ? q : "", curl_url_strerror(uc));
            free(q);
        }
        free(esc);
        curl_url_cleanup(cu);
        free(rewritten);
        url_parts_free(u);
        return false;
    }
    char *s = NULL, *h = NULL, *p = NULL;
    curl_url_get(cu, CURLUPART_SCHEME, &s, 0);
    curl_url_get(cu, CURLUPART_HOST, &h, 0);
    if (curl_url_get(cu, CURLUPART_PORT, &p, 0) != CURLUE_OK)
        p = NULL;
    u->scheme = s ? http_strdup(s, strlen(s)) : NULL;
    u->host = h ? http_strdup(h, strlen(h)) : http_strdup("", 0);
    u->port = p ? http_strdup(p, strlen(p)) : NULL;
    curl_free(s);
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(cu);
    u->url = esc;
    free(rewritten);
    if (!u->scheme || !u->host || (p && !u->port)) {
        url_parts_free(u);
        http_err_set(e, HE_WRAPPED, "out of memory");
        return false;
    }
    if (!u->host[0]) {
        net_error(e, method, raw, "http: no Host in request URL");
        url_parts_free(u);
        return false;
    }
    return true;
}

/* Same host as Go's redirect header copier sees it (case-insensitive). */
static bool same_host(const url_parts *a, const url_parts *b)
{
    return strcasecmp(a->host, b->host) == 0;
}

/* ------------------------------------------------------------------ */
/* one exchange with curl                                             */

typedef struct recv_state {
    hc_response *resp;
    strbuf body;
    size_t body_cap;
    bool too_large, oom;
    bool headers_done;      /* the final response's header block has ended */
    int code;               /* status of the header block being read */
    int major;              /* HTTP major version of that block */
} recv_state;

static void clear_headers(hc_response *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    r->nheaders = 0;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    recv_state *x = ud;
    hc_response *r = x->resp;
    size_t len = size * nitems, n = len;
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n'))
        n--;
    if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        /* a new response: an interim 1xx one, or the final one */
        clear_headers(r);
        x->headers_done = false;
        x->major = n > 5 && isdigit((unsigned char)buf[5]) ? buf[5] - '0' : 1;
        const char *sp = memchr(buf, ' ', n);
        const char *st = sp ? sp : buf + n;
        while (st < buf + n && *st == ' ')
            st++;
        free(r->status);
        r->status = http_strdup(st, (size_t)(buf + n - st));
        if (!r->status) {
            x->oom = true;
            return 0;
        }
        int code = 0;
        for (const char *p = st; p < buf + n && isdigit((unsigned char)*p); p++)
            code = code * 10 + (*p - '0');
        x->code = code;
        r->status_code = code;
        return len;
    }
    if (n == 0) {
        if (x->code >= 200 || x->code < 100)
            x->headers_done = true;
        return len;
    }
    if ((buf[0] == ' ' || buf[0] == '\t') && r->nheaders > 0) {
        /* an obsolete folded line continues the previous value */
        size_t i = 0;
        while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        hc_header *h = &r->headers[r->nheaders - 1];
        size_t old = strlen(h->value);
        char *v = realloc(h->value, old + 1 + (n - i) + 1);
        if (!v) {
            x->oom = true;
            return 0;
        }
        v[old] = ' ';
        memcpy(v + old + 1, buf + i, n - i);
        v[old + 1 + n - i] = 0;
        h->value = v;
        return len;
    }
    const char *colon = memchr(buf, ':', n);
    if (!colon)
        return len;
    const char *v = colon + 1, *end = buf + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (!hc_response_add_header(r, buf, (size_t)(colon - buf), v, (size_t)(end - v))) {
        x->oom = true;
        return 0;
    }
    return len;
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *ud)
{
    recv_state *x = ud;
    size_t len = size * nitems;
    if (x->body_cap && x->body.len + len > x->body_cap) {
        x->too_large = true;
        return 0;
    }
    sb_append(&x->body, buf, len);
    return len;
}

typedef struct hop {
    const char *method;
    const url_parts *url;
    bool send_body;
    const char *referer;        /* Referer to send, or NULL */
    bool left_origin;           /* a redirect left the first request's host */
    const char *extra_name[2];  /* revalidation headers (If-None-Match, ...) */
    const char *extra_value[2];
} hop;

static bool sensitive_header(const char *canon)
{
    return strcmp(canon, "Authorization") == 0 || strcmp(canon, "Www-Authenticate") == 0 ||
           strcmp(canon, "Cookie") == 0 || strcmp(canon, "Cookie2") == 0 || strcmp(canon, "Host") == 0;
}

static bool valid_header_value(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

static bool add_header_line(struct curl_slist **l, const char *name, const char *value)
{
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, name);
    if (value && *value) {
        sb_puts(&sb, ": ");
        sb_puts(&sb, value);
    } else if (value) {
        sb_putc(&sb, ';');     /* curl's way to send an empty value */
    } else {
        sb_putc(&sb, ':');     /* curl's way to suppress one of its own */
    }
    struct curl_slist *n = curl_slist_append(*l, sb.data);
    sb_free(&sb);
    if (!n)
        return false;
    *l = n;
    return true;
}

static bool user_has(const http_req *r, const hop *hp, const char *canon)
{
    const req_header *h = http_req_header(r, canon);
    return h && !(hp->left_origin && sensitive_header(canon));
}

/* Go's wording for what curl reports. */
static void map_curl_error(CURLcode rc, CURL *h, const recv_state *x, const hop *hp, const char *errbuf,
                           http_err *e)
{
    const char *method = hp->method, *url = hp->url->url;
    if (x->too_large) {
        http_err_set(e, HE_WRAPPED, "http: response body too large");
        e->uncached = true;
        return;
    }
    if (x->oom) {
        http_err_set(e, HE_WRAPPED, "out of memory");
        return;
    }
    const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        if (x->headers_done) {
            http_err_set(e, HE_WRAPPED,
                     "context deadline exceeded (Client.Timeout or context cancellation while reading body)");
            e->uncached = true;
        } else {
            char op[32];
            url_op(method, op);
            net_error(e, method, url, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
            e->timeout = true;
            snprintf(e->alt, sizeof e->alt, "%s %s: request timed out", op, url);
        }
        return;
    case CURLE_COULDNT_RESOLVE_HOST:
        net_error(e, method, url, "dial tcp: lookup %s: no such host", hp->url->host);
        return;
    case CURLE_COULDNT_CONNECT: {
        long oserr = 0;
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
        char why[128];
        snprintf(why, sizeof why, "%s", oserr ? strerror((int)oserr) : "connection refused");
        if (why[0] >= 'A' && why[0] <= 'Z')
            why[0] = (char)(why[0] - 'A' + 'a');
        if (hp->url->unix_path) {
            net_error(e, method, url, "dial unix %s: connect: %s", hp->url->unix_path, why);
            return;
        }
        char *ip = NULL;
        long port = 0;
        curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
        curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port);
        char addr[128];
        const char *host = ip && *ip ? ip : hp->url->host;
        if (!port)
            port = hp->url->port ? atol(hp->url->port) : strcmp(hp->url->scheme, "https") == 0 ? 443 : 80;
        if (strchr(host, ':') && host[0] != '[')
            snprintf(addr, sizeof addr, "[%s]:%ld", host, port);
        else
            snprintf(addr, sizeof addr, "%s:%ld", host, port);
        net_error(e, method, url, "dial tcp %s: connect: %s", addr, why);
        return;
    }
    case CURLE_PEER_FAILED_VERIFICATION: {
        long vr = 0;
        curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &vr);
        switch (vr) {
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            net_error(e, method, url, "tls: failed to verify certificate: x509: certificate signed by unknown authority");
            return;
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
            net_error(e, method, url, "tls: failed to verify certificate: x509: certificate has expired or is not yet valid");
            return;
        case X509_V_OK:
            net_error(e, method, url, "tls: failed to verify certificate: x509: certificate is not valid for %s",
                      hp->url->host);
            return;
        default:
            net_error(e, method, url, "tls: failed to verify certificate: %s", detail);
            return;
        }
    }
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        if (x->headers_done) {
            http_err_set(e, HE_WRAPPED, "unexpected EOF");
            e->uncached = true;
        } else {
            net_error(e, method, url, "EOF");
        }
        return;
    case CURLE_SSL_CONNECT_ERROR:
        if (strstr(detail, "wrong version number"))
            net_error(e, method, url, "http: server gave HTTP response to HTTPS client");
        else
            net_error(e, method, url, "tls: %s", detail);
        return;
    default:
        net_error(e, method, url, "%s", detail);
        return;
    }
}

/* The system's CA bundle, for tls_use_system_certs with extra roots. */
static void append_system_roots(CURL *h, strbuf *sb)
{
    char *path = NULL;
    curl_easy_getinfo(h, CURLINFO_CAINFO, &path);
    if (!path || !*path)
        path = "/etc/ssl/certs/ca-certificates.crt";
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_append(sb, buf, n);
    fclose(f);
    sb_putc(sb, '\n');
}

#define SETOPT(h, opt, v)                                                                          \
    do {                                                                                           \
        if (curl_easy_setopt((h), (opt), (v)) != CURLE_OK)                                        \
            ok = false;                                                                            \
    } while (0)

/* One request and its response (redirects are the caller's).  The response,
 * or NULL with e set; *redirect_url gets curl's resolution of a Location. */
static hc_response *perform_hop(const http_req *r, const hop *hp, int64_t deadline, size_t body_cap,
                                char **redirect_url, http_err *e)
{
    *redirect_url = NULL;
    const url_parts *u = hp->url;
    if (deadline && mono_now_ns() >= deadline) {
        recv_state none = {0};
        map_curl_error(CURLE_OPERATION_TIMEDOUT, NULL, &none, hp, NULL, e);
        return NULL;
    }
    CURL *h = curl_easy_init();
    recv_state x = {0};
    x.resp = hc_response_new();
    x.body_cap = body_cap;
    if (!h || !x.resp) {
        curl_easy_cleanup(h);
        hc_response_free(x.resp);
        http_err_set(e, HE_WRAPPED, "out of memory");
        return NULL;
    }
    struct curl_slist *headers = NULL, *connect_to = NULL;
    strbuf roots = STRBUF_INIT;
    char *url = NULL, *host_header = NULL;
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = 0;
    bool ok = true, gzip = false;
    hc_response *result = NULL;

    /* a TLS server name other than the URL's host: ask curl for that name
     * and connect to the URL's host, sending the URL's host as Host */
    const char *target = u->url;
    if (strcmp(u->scheme, "https") == 0 && r->server_name && *r->server_name) {
        char sni[256];
        snprintf(sni, sizeof sni, "%s", r->server_name);
        char *colon = strrchr(sni, ':');
        if (colon && sni[0] != '[' && !strchr(sni, ']'))
            *colon = 0;
        if (strcasecmp(sni, u->host) != 0) {
            CURLU *cu = curl_url();
            char *nu = NULL;
            if (cu && curl_url_set(cu, CURLUPART_URL, u->url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
                curl_url_set(cu, CURLUPART_HOST, sni, 0) == CURLUE_OK &&
                curl_url_get(cu, CURLUPART_URL, &nu, 0) == CURLUE_OK) {
                url = http_strdup(nu, strlen(nu));
                target = url ? url : u->url;
                const char *port = u->port ? u->port : "443";
                strbuf ct = STRBUF_INIT;
                sb_printf(&ct, "%s:%s:%s:%s", sni, port, u->host, port);
                struct curl_slist *n = curl_slist_append(NULL, ct.data);
                sb_free(&ct);
                if (n)
                    connect_to = n;
                strbuf hh = STRBUF_INIT;
                sb_puts(&hh, u->host);
                if (u->port) {
                    sb_putc(&hh, ':');
                    sb_puts(&hh, u->port);
                }
                host_header = sb_detach(&hh);
            }
            curl_free(nu);
            curl_url_cleanup(cu);
        }
    }

    SETOPT(h, CURLOPT_URL, target);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, &x);
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(h, CURLOPT_WRITEDATA, &x);
    if (deadline) {
        int64_t left_ms = (deadline - mono_now_ns()) / 1000000;
        SETOPT(h, CURLOPT_TIMEOUT_MS, (long)(left_ms > 0 ? left_ms : 1));
    }
    if (connect_to)
        SETOPT(h, CURLOPT_CONNECT_TO, connect_to);
    if (u->unix_path) {
        SETOPT(h, CURLOPT_UNIX_SOCKET_PATH, u->unix_path);
        SETOPT(h, CURLOPT_PROXY, "");
    } else {
        /* Go never proxies loopback requests */
        const char *np = getenv("NO_PROXY");
        if (!np || !*np)
            np = getenv("no_proxy");
        strbuf nps = STRBUF_INIT;
        if (np && *np) {
            sb_puts(&nps, np);
            sb_putc(&nps, ',');
        }
        sb_puts(&nps, "localhost,127.0.0.0/8,::1");
        SETOPT(h, CURLOPT_NOPROXY, nps.data);   /* curl copies it */
        sb_free(&nps);
    }

    /* method and body */
    const char *m = hp->method;
    bool body = hp->send_body && r->body_len > 0;
    if (strcmp(m, "HEAD") == 0) {
        SETOPT(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(m, "GET") == 0 && !body) {
        SETOPT(h, CURLOPT_HTTPGET, 1L);
    } else {
        SETOPT(h, CURLOPT_POST, 1L);
        SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(hp->send_body ? r->body_len : 0));
        SETOPT(h, CURLOPT_POSTFIELDS, hp->send_body ? r->body : "");
        if (strcmp(m, "POST") != 0)
            SETOPT(h, CURLOPT_CUSTOMREQUEST, m);
    }

    /* headers: the user's, then what Go would (not) send */
    for (size_t i = 0; ok && i < r->nheaders; i++) {
        const req_header *rh = &r->headers[i];
        if (hp->left_origin && sensitive_header(rh->name))
            continue;
        if (!http_is_token(rh->name)) {
            char *q = http_quote(rh->name, strlen(rh->name));
            net_error(e, m, u->url, "net/http: invalid header field name %s", q ? q : "");
            free(q);
            goto done;
        }
        if (!valid_header_value(rh->value)) {
            char *q = http_quote(rh->name, strlen(rh->name));
            net_error(e, m, u->url, "net/http: invalid header field value for %s", q ? q : "");
            free(q);
            goto done;
        }
        if (host_header && strcmp(rh->name, "Host") == 0)
            continue;
        ok = ok && add_header_line(&headers, rh->name, rh->value);
    }
    for (int i = 0; i < 2; i++)
        if (hp->extra_name[i])
            ok = ok && add_header_line(&headers, hp->extra_name[i], hp->extra_value[i]);
    if (host_header) {
        const req_header *hh = user_has(r, hp, "Host") ? http_req_header(r, "Host") : NULL;
        ok = ok && add_header_line(&headers, "Host", hh ? hh->value : host_header);
    }
    if (!user_has(r, hp, "User-Agent"))
        ok = ok && add_header_line(&headers, "User-Agent", USER_AGENT);
    if (!user_has(r, hp, "Accept"))
        ok = ok && add_header_line(&headers, "Accept", NULL);
    if (!user_has(r, hp, "Expect"))
        ok = ok && add_header_line(&headers, "Expect", NULL);
    if (!user_has(r, hp, "Content-Type"))
        ok = ok && add_header_line(&headers, "Content-Type", NULL);
    if (hp->referer && !user_has(r, hp, "Referer"))
        ok = ok && add_header_line(&headers, "Referer", hp->referer);
    SETOPT(h, CURLOPT_HTTPHEADER, headers);
    if (!user_has(r, hp, "Accept-Encoding") && !user_has(r, hp, "Range") && strcmp(m, "HEAD") != 0) {
        SETOPT(h, CURLOPT_ACCEPT_ENCODING, "gzip");
        gzip = true;
    }

    /* TLS */
    if (r->insecure) {
        SETOPT(h, CURLOPT_SSL_VERIFYPEER, 0L);
        SETOPT(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (r->ca_pem) {
        if (r->ca_with_system)
            append_system_roots(h, &roots);
        sb_append(&roots, r->ca_pem, r->ca_len);
        struct curl_blob blob = {roots.data, roots.len, CURL_BLOB_COPY};
        SETOPT(h, CURLOPT_CAINFO_BLOB, &blob);
        SETOPT(h, CURLOPT_CAPATH, (char *)NULL);
    }
    if (r->cert_pem) {
        struct curl_blob cert = {r->cert_pem, r->cert_len, CURL_BLOB_COPY};
        struct curl_blob key = {r->key_pem, r->key_len, CURL_BLOB_COPY};
        SETOPT(h, CURLOPT_SSLCERT_BLOB, &cert);
        SETOPT(h, CURLOPT_SSLCERTTYPE, "PEM");
        SETOPT(h, CURLOPT_SSLKEY_BLOB, &key);
        SETOPT(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (!ok) {
        http_err_set(e, HE_WRAPPED, "out of memory");
        goto done;
    }

    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        map_curl_error(rc, h, &x, hp, errbuf, e);
        goto done;
    }
    hc_response *resp = x.resp;
    if (x.major >= 2) {
        char st[64];
        snprintf(st, sizeof st, "%d %s", resp->status_code, status_text(resp->status_code));
        free(resp->status);
        resp->status = http_strdup(st, strlen(st));
    }
    if (!resp->status && !(resp->status = http_strdup("", 0))) {
        http_err_set(e, HE_WRAPPED, "out of memory");
        goto done;
    }
    hc_response_del_header(resp, "transfer-encoding");
    const char *ce = hc_response_header(resp, "content-encoding");
    if (gzip && ce && strcasecmp(ce, "gzip") == 0) {
        hc_response_del_header(resp, "content-encoding");
        hc_response_del_header(resp, "content-length");
    }
    if (!x.body.data)
        sb_puts(&x.body, "");
    resp->body_len = x.body.len;
    resp->body = sb_detach(&x.body);
    char *ru = NULL;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &ru) == CURLE_OK && ru)
        *redirect_url = http_strdup(ru, strlen(ru));
    result = resp;
    x.resp = NULL;

done:
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    hc_response_free(x.resp);
    sb_free(&x.body);
    sb_free(&roots);
    free(url);
    free(host_header);
    return result;
}

static bool is_redirect(int code)
{
    return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

/* client.Do: the request, and the redirects Go's client follows (OPA turns
 * following on with enable_redirect). */
static hc_response *do_request(const http_req *r, const char *extra_name[2], const char *extra_value[2],
                               size_t body_cap, http_err *e)
{
    const char *method = r->method[0] ? r->method : "GET";
    url_parts first, cur;
    if (!prepare_url(r->url, method, true, &first, e))
        return NULL;
    int64_t deadline = r->timeout_ns > 0 ? mono_now_ns() + r->timeout_ns : 0;
    hop hp = {method, &first, true, NULL, false, {extra_name[0], extra_name[1]},
              {extra_value[0], extra_value[1]}};
    char *method_buf = NULL, *referer = NULL;
    memset(&cur, 0, sizeof cur);
    hc_response *resp = NULL;
    for (int hops = 0;; hops++) {
        char *next = NULL;
        resp = perform_hop(r, &hp, deadline, body_cap, &next, e);
        if (!resp || !r->enable_redirect || !is_redirect(resp->status_code) ||
            !hc_response_header(resp, "location") || !next) {
            free(next);
            break;
        }
        /* Go's redirectBehavior: 301/302/303 turn into GET without a body
         * (HEAD stays HEAD); 307/308 repeat the request */
        const char *nm = hp.method;
        bool body = hp.send_body;
        if (resp->status_code != 307 && resp->status_code != 308) {
            if (strcmp(nm, "GET") != 0 && strcmp(nm, "HEAD") != 0)
                nm = "GET";
            body = false;
        }
        char *nmc = http_strdup(nm, strlen(nm));
        url_parts nu;
        bool good = nmc && prepare_url(next, nmc, false, &nu, e);
        if (!nmc)
            http_err_set(e, HE_WRAPPED, "out of memory");
        if (good && hops + 1 >= MAX_REDIRECTS) {
            net_error(e, nmc, nu.url, "stopped after %d redirects", MAX_REDIRECTS);
            url_parts_free(&nu);
            good = false;
        }
        if (!good) {
            free(nmc);
            free(next);
            hc_response_free(resp);
            resp = NULL;
            break;
        }
        /* Referer: the previous URL, unless that would downgrade https to http */
        free(referer);
        referer = NULL;
        const url_parts *prev = hp.url;
        if (!(strcmp(prev->scheme, "https") == 0 && strcmp(nu.scheme, "http") == 0))
            referer = http_strdup(prev->url, strlen(prev->url));
        /* a unix socket serves every request of the exchange, as Go's transport dials it */
        if (first.unix_path && !nu.unix_path && !(nu.unix_path = http_strdup(first.unix_path, strlen(first.unix_path)))) {
            http_err_set(e, HE_WRAPPED, "out of memory");
            url_parts_free(&nu);
            free(nmc);
            free(next);
            hc_response_free(resp);
            resp = NULL;
            break;
        }
        bool left = hp.left_origin || !same_host(&first, &nu);
        url_parts_free(&cur);
        cur = nu;
        free(method_buf);
        method_buf = nmc;
        free(next);
        hc_response_free(resp);
        resp = NULL;
        hp.method = method_buf;
        hp.url = &cur;
        hp.send_body = body;
        hp.referer = referer;
        hp.left_origin = left;
    }
    url_parts_free(&first);
    url_parts_free(&cur);
    free(method_buf);
    free(referer);
    return resp;
}

/* util.DefaultBackoff(100ms, 60s, retries): 1.6^n growth, 20% jitter. */
static int64_t retry_delay_ns(int retries)
{
    if (retries == 0)
        return 0;
    double backoff = 100e6, max = 60e9;
    while (backoff < max && retries > 0) {
        backoff *= 1.6;
        retries--;
    }
    if (backoff > max)
        backoff = max;
    static _Thread_local unsigned seed;
    if (!seed)
        seed = (unsigned)http_wall_now_ns() | 1u;
    double r = (double)rand_r(&seed) / RAND_MAX;
    backoff *= 1 + 0.2 * (r * 2 - 1);
    return backoff < 0 ? 0 : (int64_t)backoff;
}

/* executeHTTPRequest: client.Do with max_retry_attempts retries on
 * transport errors. */
hc_response *http_execute(const http_req *r, int retries, const char *extra_name[2],
                            const char *extra_value[2], size_t body_cap, http_err *e)
{
    char why[256];
    if (!curl_lib_load(why, sizeof why)) {
        http_err_set(e, HE_WRAPPED, "%s", why);
        return NULL;
    }
    for (int i = 0;; i++) {
        hc_response *resp = do_request(r, extra_name, extra_value, body_cap, e);
        if (resp || e->kind != HE_NET || i >= retries)
            return resp;
        int64_t d = retry_delay_ns(i);
        struct timespec ts = {(time_t)(d / NS_PER_SEC), (long)(d % NS_PER_SEC)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}
