/* uri.c — builtin group "uri": uri.parse(s) and uri.is_valid(s).
 *
 * Both sit on a port of Go's net/url.Parse (the current Go release, with
 * its checks on bracketed IPv6 hosts, on colons in http(s) hosts, on
 * userinfo and on percent-escapes in hosts), because OPA answers with what
 * that function accepts and returns:
 *
 *   uri.parse(s)     {"scheme", "hostname", "port", "path", "raw_path",
 *                     "raw_query", "fragment"}, each present only when not
 *                     empty; raw_path is Go's RawPath, or the path when
 *                     RawPath is empty (the default escaping round-trips).
 *                     A string that url.Parse rejects is an error worded as
 *                     Go's url.Error: `parse "s": invalid port ":x" after host`.
 *   uri.is_valid(s)  true when url.Parse accepts s; false for "" and for
 *                     operands that are not strings.
 *
 * uri_go_reformat exposes url.Parse followed by URL.String(), which the
 * METADATA annotations (rego/annotations.c) apply to related_resources
 * references as OPA does.
 *
 * Everything is allocated in the arena; the only malloc'd memory is an
 * error message, built when parsing fails and released before returning. */
#include <stdio.h>
#include <string.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"

/* A byte string in the arena (or in the input). */
typedef struct span {
    const char *s;
    size_t n;
} span;

static span sp(const char *s, size_t n) { return (span){s, n}; }
static span sp_sub(span x, size_t from, size_t to) { return sp(x.s + from, to - from); }
static bool sp_same(span x, span y) { return x.n == y.n && (x.n == 0 || memcmp(x.s, y.s, x.n) == 0); }
static bool sp_eq(span x, const char *lit) { return sp_same(x, sp(lit, strlen(lit))); }

static long sp_index(span x, char ch)
{
    const char *p = x.n ? memchr(x.s, ch, x.n) : NULL;
    return p ? (long)(p - x.s) : -1;
}

static long sp_last_index(span x, char ch)
{
    for (size_t i = x.n; i > 0; i--)
        if (x.s[i - 1] == ch)
            return (long)(i - 1);
    return -1;
}

static long sp_find(span x, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; i + m <= x.n; i++)
        if (memcmp(x.s + i, lit, m) == 0)
            return (long)i;
    return -1;
}

static span sp_concat(arena *a, span x, span y, span z)
{
    char *p = arena_alloc(a, x.n + y.n + z.n + 1);
    if (x.n)
        memcpy(p, x.s, x.n);
    if (y.n)
        memcpy(p + x.n, y.s, y.n);
    if (z.n)
        memcpy(p + x.n + y.n, z.s, z.n);
    p[x.n + y.n + z.n] = '\0';
    return sp(p, x.n + y.n + z.n);
}

/* ---- escaping (net/url's shouldEscape, escape, unescape) ---- */

typedef enum enc {
    ENC_PATH = 1,
    ENC_PATH_SEGMENT,
    ENC_HOST,
    ENC_ZONE,
    ENC_USER_PASSWORD,
    ENC_QUERY_COMPONENT,
    ENC_FRAGMENT,
} enc;

static bool should_escape(unsigned char c, enc mode)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return false;
    if (mode == ENC_HOST || mode == ENC_ZONE) {
        /* sub-delims, ':' and brackets for host:port and [ipv6], and the
         * few bytes Parse accepts in hosts anyway */
        if (c && strchr("!$&'()*+,;=:[]<>\"", c))
            return false;
    }
    switch (c) {
    case '-': case '_': case '.': case '~':
        return false;
    case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=': case '?': case '@':
        switch (mode) {
        case ENC_PATH: return c == '?';
        case ENC_PATH_SEGMENT: return c == '/' || c == ';' || c == ',' || c == '?';
        case ENC_USER_PASSWORD: return c == '@' || c == '/' || c == '?' || c == ':';
        case ENC_QUERY_COMPONENT: return true;
        case ENC_FRAGMENT: return false;
        default: break;
        }
        break;
    default:
        break;
    }
    if (mode == ENC_FRAGMENT && (c == '!' || c == '(' || c == ')' || c == '*'))
        return false;
    return true;
}

static span escape(arena *a, span s, enc mode)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t extra = 0;
    for (size_t i = 0; i < s.n; i++)
        if (should_escape((unsigned char)s.s[i], mode) && !(s.s[i] == ' ' && mode == ENC_QUERY_COMPONENT))
            extra += 2;
    bool spaces = mode == ENC_QUERY_COMPONENT && sp_index(s, ' ') >= 0;
    if (extra == 0 && !spaces)
        return s;
    char *out = arena_alloc(a, s.n + extra + 1);
    size_t j = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.s[i];
        if (c == ' ' && mode == ENC_QUERY_COMPONENT) {
            out[j++] = '+';
        } else if (should_escape(c, mode)) {
            out[j++] = '%';
            out[j++] = hex[c >> 4];
            out[j++] = hex[c & 15];
        } else {
            out[j++] = (char)c;
        }
    }
    out[j] = '\0';
    return sp(out, j);
}

static bool ishex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned unhex(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    return (unsigned)(c - 'A' + 10);
}

/* url.unescape: *out is the decoded text; on a bad escape or a byte not
 * allowed in a host, err gets Go's message and false is returned. */
static bool unescape(arena *a, span s, enc mode, span *out, strbuf *err)
{
    size_t pct = 0;
    bool plus = false;
    for (size_t i = 0; i < s.n;) {
        char c = s.s[i];
        if (c == '%') {
            pct++;
            if (i + 2 >= s.n || !ishex(s.s[i + 1]) || !ishex(s.s[i + 2])) {
                size_t k = s.n - i < 3 ? s.n - i : 3;
                sb_puts(err, "invalid URL escape ");
                txt_go_quote(err, s.s + i, k, false);
                return false;
            }
            /* hosts may %-encode only non-ASCII bytes (and %25 before a zone) */
            if (mode == ENC_HOST && unhex(s.s[i + 1]) < 8 && memcmp(s.s + i, "%25", 3) != 0) {
                sb_puts(err, "invalid URL escape ");
                txt_go_quote(err, s.s + i, 3, false);
                return false;
            }
            if (mode == ENC_ZONE) {
                unsigned char v = (unsigned char)(unhex(s.s[i + 1]) << 4 | unhex(s.s[i + 2]));
                if (memcmp(s.s + i, "%25", 3) != 0 && v != ' ' && should_escape(v, ENC_HOST)) {
                    sb_puts(err, "invalid URL escape ");
                    txt_go_quote(err, s.s + i, 3, false);
                    return false;
                }
            }
            i += 3;
        } else if (c == '+') {
            plus = mode == ENC_QUERY_COMPONENT;
            i++;
        } else {
            if ((mode == ENC_HOST || mode == ENC_ZONE) && (unsigned char)c < 0x80 &&
                should_escape((unsigned char)c, mode)) {
                sb_puts(err, "invalid character ");
                txt_go_quote(err, s.s + i, 1, false);
                sb_puts(err, " in host name");
                return false;
            }
            i++;
        }
    }
    if (pct == 0 && !plus) {
        *out = s;
        return true;
    }
    char *o = arena_alloc(a, s.n + 1);
    size_t j = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.s[i] == '%') {
            o[j++] = (char)(unhex(s.s[i + 1]) << 4 | unhex(s.s[i + 2]));
            i += 2;
        } else if (s.s[i] == '+' && mode == ENC_QUERY_COMPONENT) {
            o[j++] = ' ';
        } else {
            o[j++] = s.s[i];
        }
    }
    o[j] = '\0';
    *out = sp(o, j);
    return true;
}

/* ---- netip.ParseAddr, for the address inside [brackets] ---- */

typedef enum addr_kind { ADDR_BAD, ADDR_V4, ADDR_V6 } addr_kind;

static addr_kind addr_error(strbuf *err, span in, const char *msg, const char *at, size_t atn)
{
    sb_puts(err, "ParseAddr(");
    txt_go_quote(err, in.s, in.n, false);
    sb_printf(err, "): %s", msg);
    if (at) {
        sb_puts(err, " (at ");
        txt_go_quote(err, at, atn, false);
        sb_putc(err, ')');
    }
    return ADDR_BAD;
}

/* parseIPv4Fields over in[off, end). */
static bool parse_v4_fields(span in, size_t off, size_t end, strbuf *err)
{
    span s = sp_sub(in, off, end);
    int val = 0, pos = 0, digits = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.s[i];
        if (c >= '0' && c <= '9') {
            if (digits == 1 && val == 0) {
                addr_error(err, in, "IPv4 field has octet with leading zero", NULL, 0);
                return false;
            }
            val = val * 10 + (c - '0');
            digits++;
            if (val > 255) {
                addr_error(err, in, "IPv4 field has value >255", NULL, 0);
                return false;
            }
        } else if (c == '.') {
            if (i == 0 || i == s.n - 1 || s.s[i - 1] == '.') {
                addr_error(err, in, "IPv4 field must have at least one digit", s.s + i, s.n - i);
                return false;
            }
            if (pos == 3) {
                addr_error(err, in, "IPv4 address too long", NULL, 0);
                return false;
            }
            pos++;
            val = 0;
            digits = 0;
        } else {
            addr_error(err, in, "unexpected character", s.s + i, s.n - i);
            return false;
        }
    }
    if (pos < 3) {
        addr_error(err, in, "IPv4 address too short", NULL, 0);
        return false;
    }
    return true;
}

static addr_kind parse_v6(span in, strbuf *err)
{
    span s = in;
    size_t zone_len = 0;
    long pct = sp_index(s, '%');
    if (pct >= 0) {
        zone_len = s.n - (size_t)pct - 1;
        s.n = (size_t)pct;
        if (zone_len == 0)
            return addr_error(err, in, "zone must be a non-empty string", NULL, 0);
    }
    int ellipsis = -1;
    if (s.n >= 2 && s.s[0] == ':' && s.s[1] == ':') {
        ellipsis = 0;
        s = sp_sub(s, 2, s.n);
        if (s.n == 0)
            return ADDR_V6;
    }
    int i = 0;
    while (i < 16) {
        size_t off = 0;
        unsigned acc = 0;
        for (; off < s.n && ishex(s.s[off]); off++) {
            acc = (acc << 4) + unhex(s.s[off]);
            if (off > 3)
                return addr_error(err, in, "each group must have 4 or less digits", s.s, s.n);
            if (acc > 0xFFFF)
                return addr_error(err, in, "IPv6 field has value >=2^16", s.s, s.n);
        }
        if (off == 0)
            return addr_error(err, in, "each colon-separated field must have at least one digit", s.s, s.n);
        if (off < s.n && s.s[off] == '.') {
            if (ellipsis < 0 && i != 12)
                return addr_error(err, in, "embedded IPv4 address must replace the final 2 fields of the address",
                                  s.s, s.n);
            if (i + 4 > 16)
                return addr_error(err, in,
                                  "too many hex fields to fit an embedded IPv4 at the end of the address", s.s,
                                  s.n);
            size_t end = in.n - (zone_len ? zone_len + 1 : 0);
            if (!parse_v4_fields(in, end - s.n, end, err))
                return ADDR_BAD;
            s.n = 0;
            i += 4;
            break;
        }
        i += 2;
        s = sp_sub(s, off, s.n);
        if (s.n == 0)
            break;
        if (s.s[0] != ':')
            return addr_error(err, in, "unexpected character, want colon", s.s, s.n);
        if (s.n == 1)
            return addr_error(err, in, "colon must be followed by more characters", s.s, s.n);
        s = sp_sub(s, 1, s.n);
        if (s.s[0] == ':') {
            if (ellipsis >= 0)
                return addr_error(err, in, "multiple :: in address", s.s, s.n);
            ellipsis = i;
            s = sp_sub(s, 1, s.n);
            if (s.n == 0)
                break;
        }
    }
    if (s.n != 0)
        return addr_error(err, in, "trailing garbage after address", s.s, s.n);
    if (i < 16 && ellipsis < 0)
        return addr_error(err, in, "address string too short", NULL, 0);
    if (i >= 16 && ellipsis >= 0)
        return addr_error(err, in, "the :: must expand to at least one field of zeros", s.s, s.n);
    return ADDR_V6;
}

static addr_kind parse_addr(span in, strbuf *err)
{
    for (size_t i = 0; i < in.n; i++) {
        if (in.s[i] == '.')
            return parse_v4_fields(in, 0, in.n, err) ? ADDR_V4 : ADDR_BAD;
        if (in.s[i] == ':')
            return parse_v6(in, err);
        if (in.s[i] == '%')
            return addr_error(err, in, "missing IPv6 address", NULL, 0);
    }
    return addr_error(err, in, "unable to parse IP", NULL, 0);
}

/* ---- url.Parse ---- */

typedef struct gurl {
    span scheme, opaque, user, password, host, path, raw_path, raw_query, fragment, raw_fragment;
    bool has_user, has_password, force_query, omit_host;
} gurl;

static bool valid_optional_port(span p)
{
    if (p.n == 0)
        return true;
    if (p.s[0] != ':')
        return false;
    for (size_t i = 1; i < p.n; i++)
        if (p.s[i] < '0' || p.s[i] > '9')
            return false;
    return true;
}

static bool invalid_port(strbuf *err, span colon_port)
{
    sb_puts(err, "invalid port ");
    txt_go_quote(err, colon_port.s, colon_port.n, false);
    sb_puts(err, " after host");
    return false;
}

/* RFC 3986 userinfo characters, with '@' and '%' tolerated as Go does;
 * any non-ASCII byte makes it invalid. */
static bool valid_userinfo(span s)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            continue;
        if (c && strchr("-._:~!$&'()*+,;=%@", c))
            continue;
        return false;
    }
    return true;
}

static bool parse_host(arena *a, span scheme, span host, span *out, strbuf *err)
{
    long open = sp_last_index(host, '[');
    if (open > 0) {
        sb_puts(err, "invalid IP-literal");
        return false;
    }
    if (open == 0) {
        long close = sp_last_index(host, ']');
        if (close < 0) {
            sb_puts(err, "missing ']' in host");
            return false;
        }
        span colon_port = sp_sub(host, (size_t)close + 1, host.n);
        if (!valid_optional_port(colon_port))
            return invalid_port(err, colon_port);
        span name = sp_sub(host, 1, (size_t)close), unescaped;
        long zone = sp_find(name, "%25");
        if (zone >= 0) {
            span h, z;
            if (!unescape(a, sp_sub(name, 0, (size_t)zone), ENC_HOST, &h, err) ||
                !unescape(a, sp_sub(name, (size_t)zone, name.n), ENC_ZONE, &z, err))
                return false;
            unescaped = sp_concat(a, h, z, sp("", 0));
        } else if (!unescape(a, name, ENC_HOST, &unescaped, err)) {
            return false;
        }
        /* only an IPv6 address may stand in brackets */
        strbuf aerr = STRBUF_INIT;
        addr_kind k = parse_addr(unescaped, &aerr);
        if (k == ADDR_BAD) {
            sb_puts(err, "invalid host: ");
            sb_append(err, aerr.data, aerr.len);
            sb_free(&aerr);
            return false;
        }
        sb_free(&aerr);
        if (k == ADDR_V4) {
            sb_puts(err, "invalid IP-literal");
            return false;
        }
        span inner = sp_concat(a, sp("[", 1), unescaped, sp("]", 1));
        *out = sp_concat(a, inner, colon_port, sp("", 0));
        return true;
    }
    long colon = sp_index(host, ':');
    if (colon >= 0) {
        /* http and https hosts may hold one colon, before the port; other
         * schemes keep Go's old reading (a list of hosts) */
        long last = sp_last_index(host, ':');
        if (last != colon && !sp_eq(scheme, "http") && !sp_eq(scheme, "https"))
            colon = last;
        span colon_port = sp_sub(host, (size_t)colon, host.n);
        if (!valid_optional_port(colon_port))
            return invalid_port(err, colon_port);
    }
    return unescape(a, host, ENC_HOST, out, err);
}

static bool parse_authority(arena *a, gurl *u, span auth, strbuf *err)
{
    long at = sp_last_index(auth, '@');
    span hostpart = at < 0 ? auth : sp_sub(auth, (size_t)at + 1, auth.n);
    if (!parse_host(a, u->scheme, hostpart, &u->host, err))
        return false;
    if (at < 0)
        return true;
    span info = sp_sub(auth, 0, (size_t)at);
    if (!valid_userinfo(info)) {
        sb_puts(err, "net/url: invalid userinfo");
        return false;
    }
    u->has_user = true;
    long colon = sp_index(info, ':');
    if (colon < 0)
        return unescape(a, info, ENC_USER_PASSWORD, &u->user, err);
    u->has_password = true;
    return unescape(a, sp_sub(info, 0, (size_t)colon), ENC_USER_PASSWORD, &u->user, err) &&
           unescape(a, sp_sub(info, (size_t)colon + 1, info.n), ENC_USER_PASSWORD, &u->password, err);
}

/* setPath / setFragment: the decoded text, and the raw form only when the
 * default escaping would not reproduce it. */
static bool set_decoded(arena *a, span raw, enc mode, span *dec, span *rawout, strbuf *err)
{
    if (!unescape(a, raw, mode, dec, err))
        return false;
    span again = escape(a, *dec, mode);
    *rawout = sp_same(again, raw) ? sp("", 0) : raw;
    return true;
}

/* url.parse (the part before '#'). */
static bool parse_ref(arena *a, gurl *u, span raw, strbuf *err)
{
    for (size_t i = 0; i < raw.n; i++) {
        unsigned char c = (unsigned char)raw.s[i];
        if (c < 0x20 || c == 0x7f) {
            sb_puts(err, "net/url: invalid control character in URL");
            return false;
        }
    }
    if (sp_eq(raw, "*")) {
        u->path = raw;
        return true;
    }
    /* scheme: letters first, then letters, digits, + - . up to ':' */
    span rest = raw;
    for (size_t i = 0; i < raw.n; i++) {
        char c = raw.s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0)
                break;
            continue;
        }
        if (c == ':') {
            if (i == 0) {
                sb_puts(err, "missing protocol scheme");
                return false;
            }
            char *lower = arena_alloc(a, i + 1);
            for (size_t k = 0; k < i; k++)
                lower[k] = (char)(raw.s[k] >= 'A' && raw.s[k] <= 'Z' ? raw.s[k] + 32 : raw.s[k]);
            lower[i] = '\0';
            u->scheme = sp(lower, i);
            rest = sp_sub(raw, i + 1, raw.n);
        }
        break;
    }
    long q = sp_index(rest, '?');
    if (q >= 0 && (size_t)q == rest.n - 1) {
        u->force_query = true;
        rest.n--;
    } else if (q >= 0) {
        u->raw_query = sp_sub(rest, (size_t)q + 1, rest.n);
        rest.n = (size_t)q;
    }
    bool slash = rest.n > 0 && rest.s[0] == '/';
    if (!slash) {
        if (u->scheme.n) {
            u->opaque = rest;       /* rootless paths are opaque */
            return true;
        }
        long sl = sp_index(rest, '/');
        span seg = sl < 0 ? rest : sp_sub(rest, 0, (size_t)sl);
        if (sp_index(seg, ':') >= 0) {
            sb_puts(err, "first path segment in URL cannot contain colon");
            return false;
        }
    }
    bool twoslash = rest.n >= 2 && rest.s[0] == '/' && rest.s[1] == '/';
    bool threeslash = twoslash && rest.n >= 3 && rest.s[2] == '/';
    if ((u->scheme.n || !threeslash) && twoslash) {
        span auth = sp_sub(rest, 2, rest.n);
        long sl = sp_index(auth, '/');
        rest = sl < 0 ? sp("", 0) : sp_sub(auth, (size_t)sl, auth.n);
        if (sl >= 0)
            auth.n = (size_t)sl;
        if (!parse_authority(a, u, auth, err))
            return false;
    } else if (u->scheme.n && slash) {
        u->omit_host = true;
    }
    return set_decoded(a, rest, ENC_PATH, &u->path, &u->raw_path, err);
}

/* url.Parse(s).  On failure err holds the whole url.Error text. */
static bool go_url_parse(arena *a, span s, gurl *u, strbuf *err)
{
    memset(u, 0, sizeof *u);
    long hash = sp_index(s, '#');
    span ref = hash < 0 ? s : sp_sub(s, 0, (size_t)hash);
    strbuf why = STRBUF_INIT;
    bool ok = parse_ref(a, u, ref, &why);
    if (ok && hash >= 0 && (size_t)hash + 1 < s.n) {
        ok = set_decoded(a, sp_sub(s, (size_t)hash + 1, s.n), ENC_FRAGMENT, &u->fragment, &u->raw_fragment, &why);
        ref = s;    /* a fragment error names the whole text */
    }
    if (!ok) {
        sb_puts(err, "parse ");
        txt_go_quote(err, ref.s, ref.n, false);
        sb_puts(err, ": ");
        sb_append(err, why.data ? why.data : "", why.len);
    }
    sb_free(&why);
    return ok;
}

/* validEncoded: may the raw form be used as it is? */
static bool valid_encoded(span s, enc mode)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.s[i];
        if (c && strchr("!$&'()*+,;=:@[]%", c))
            continue;
        if (should_escape(c, mode))
            return false;
    }
    return true;
}

static span escaped_form(arena *a, span decoded, span raw, enc mode)
{
    if (raw.n && valid_encoded(raw, mode)) {
        span back;
        strbuf err = STRBUF_INIT;
        bool ok = unescape(a, raw, mode, &back, &err);
        sb_free(&err);
        if (ok && sp_same(back, decoded))
            return raw;
    }
    if (mode == ENC_PATH && sp_eq(decoded, "*"))
        return decoded;
    return escape(a, decoded, mode);
}

/* A growable byte buffer in the arena (outgrown space is left behind). */
typedef struct abuf {
    arena *a;
    char *p;
    size_t n, cap;
} abuf;

static void ab_put(abuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 64) + n;
        char *p = arena_alloc(b->a, cap);
        if (b->n)
            memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void ab_span(abuf *b, span x) { ab_put(b, x.s, x.n); }
static void ab_str(abuf *b, const char *s) { ab_put(b, s, strlen(s)); }

/* URL.String(). */
static span go_url_string(arena *a, const gurl *u)
{
    abuf b = {a, NULL, 0, 0};
    ab_put(&b, "", 0);
    if (u->scheme.n) {
        ab_span(&b, u->scheme);
        ab_str(&b, ":");
    }
    if (u->opaque.n) {
        ab_span(&b, u->opaque);
    } else {
        if ((u->scheme.n || u->host.n || u->has_user) && !(u->omit_host && !u->host.n && !u->has_user)) {
            if (u->host.n || u->path.n || u->has_user)
                ab_str(&b, "//");
            if (u->has_user) {
                ab_span(&b, escape(a, u->user, ENC_USER_PASSWORD));
                if (u->has_password) {
                    ab_str(&b, ":");
                    ab_span(&b, escape(a, u->password, ENC_USER_PASSWORD));
                }
                ab_str(&b, "@");
            }
            if (u->host.n)
                ab_span(&b, escape(a, u->host, ENC_HOST));
        }
        span path = escaped_form(a, u->path, u->raw_path, ENC_PATH);
        if (path.n && path.s[0] != '/' && u->host.n)
            ab_str(&b, "/");
        if (b.n == 0) {
            /* a first segment with a colon would read as a scheme */
            long sl = sp_index(path, '/');
            span seg = sl < 0 ? path : sp_sub(path, 0, (size_t)sl);
            if (sp_index(seg, ':') >= 0)
                ab_str(&b, "./");
        }
        ab_span(&b, path);
    }
    if (u->force_query || u->raw_query.n) {
        ab_str(&b, "?");
        ab_span(&b, u->raw_query);
    }
    if (u->fragment.n) {
        ab_str(&b, "#");
        ab_span(&b, escaped_form(a, u->fragment, u->raw_fragment, ENC_FRAGMENT));
    }
    return sp(b.p, b.n);
}

/* URL.Hostname() and URL.Port(): splitHostPort. */
static void split_host_port(span hostport, span *host, span *port)
{
    *host = hostport;
    *port = sp("", 0);
    long colon = sp_last_index(hostport, ':');
    if (colon >= 0 && valid_optional_port(sp_sub(hostport, (size_t)colon, hostport.n))) {
        *host = sp_sub(hostport, 0, (size_t)colon);
        *port = sp_sub(hostport, (size_t)colon + 1, hostport.n);
    }
    if (host->n >= 2 && host->s[0] == '[' && host->s[host->n - 1] == ']')
        *host = sp_sub(*host, 1, host->n - 1);
}

/* Declared for rego/annotations.c: url.Parse(s) then URL.String().  True with
 * the text in *out (arena, NUL-terminated); false with url.Parse's error
 * text in *out. */
bool uri_go_reformat(arena *a, const char *s, size_t n, const char **out, size_t *outn);

bool uri_go_reformat(arena *a, const char *s, size_t n, const char **out, size_t *outn)
{
    gurl u;
    strbuf err = STRBUF_INIT;
    if (go_url_parse(a, sp(s, n), &u, &err)) {
        sb_free(&err);
        span text = go_url_string(a, &u);
        *out = text.s;
        *outn = text.n;
        return true;
    }
    val *msg = txt_string_from_sb(a, &err);     /* frees err, also on a jump */
    *out = val_str(msg);
    *outn = val_len(msg);
    return false;
}

/* ---- builtins ---- */

static void put_str(val_objb *b, arena *a, const char *key, span v)
{
    if (v.n)
        val_objb_set(b, val_cstring(a, key), val_string(a, v.s, v.n));
}

static bi_status bi_uri_parse(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    gurl u;
    strbuf err = STRBUF_INIT;
    if (!go_url_parse(c->a, sp(val_str(args[0]), val_len(args[0])), &u, &err)) {
        bi_error(c, "%s", err.data ? err.data : "");
        sb_free(&err);
        return BI_ERR;
    }
    sb_free(&err);
    span host, port;
    split_host_port(u.host, &host, &port);
    val_objb b;
    val_objb_init(&b, c->a);
    put_str(&b, c->a, "scheme", u.scheme);
    put_str(&b, c->a, "hostname", host);
    put_str(&b, c->a, "port", port);
    put_str(&b, c->a, "path", u.path);
    if (u.path.n)
        put_str(&b, c->a, "raw_path", u.raw_path.n ? u.raw_path : u.path);
    put_str(&b, c->a, "raw_query", u.raw_query);
    put_str(&b, c->a, "fragment", u.fragment);
    *out = val_objb_finish(&b);
    return BI_OK;
}

static bi_status bi_uri_is_valid(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING || val_len(args[0]) == 0) {
        *out = VAL_FALSE_V;
        return BI_OK;
    }
    gurl u;
    strbuf err = STRBUF_INIT;
    bool ok = go_url_parse(c->a, sp(val_str(args[0]), val_len(args[0])), &u, &err);
    sb_free(&err);
    *out = val_bool(ok);
    return BI_OK;
}

const builtin_def bi_group_uri[] = {
    {"uri.is_valid", 1, bi_uri_is_valid, 0, NULL},
    {"uri.parse", 1, bi_uri_parse, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
