/* encoding.c — builtin group "encoding": base64.*, base64url.*, hex.*,
 * urlquery.*, json.marshal, json.marshal_with_options, json.unmarshal,
 * json.is_valid, yaml.* (the YAML ones live in encoding_yaml.c).
 *
 * Behaviour and error messages follow OPA's topdown/encoding.go and the Go
 * packages it calls (encoding/base64, encoding/hex, net/url,
 * encoding/json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base64.h"
#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"
#include "../hexdigit.h"

/* Defined in encoding_yaml.c. */
bi_status txt_yaml_marshal(bi_ctx *c, val *const *args, val **out);
bi_status txt_yaml_unmarshal(bi_ctx *c, val *const *args, val **out);
bi_status txt_yaml_is_valid(bi_ctx *c, val *const *args, val **out);

static bi_status want_string(bi_ctx *c, val *v, int pos)
{
    return val_kind_of(v) == VAL_STRING ? BI_OK : bi_operand_type(c, pos, v, "string");
}

/* ---- base64 ---- */

static val *b64_encode(bi_ctx *c, const char *s, size_t n, const char *alpha, bool pad)
{
    char *out = arena_alloc(c->a, base64_encoded_len(n) + 1);
    return val_string(c->a, out, base64_encode(out, (const unsigned char *)s, n, alpha, pad));
}

static bi_status b64_decode_val(bi_ctx *c, const char *s, size_t n, const char *alpha, val **out)
{
    char *dst = arena_alloc(c->a, n / 4 * 3 + 3);
    size_t dn = 0;
    long bad = base64_decode(s, n, alpha, true, (unsigned char *)dst, &dn);
    if (bad >= 0)
        return bi_error(c, "illegal base64 data at input byte %ld", bad);
    *out = val_string(c->a, dst, dn);
    return BI_OK;
}

static bi_status bi_base64_encode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    *out = b64_encode(c, val_str(args[0]), val_len(args[0]), base64_std, true);
    return BI_OK;
}

static bi_status bi_base64_decode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    return b64_decode_val(c, val_str(args[0]), val_len(args[0]), base64_std, out);
}

static bi_status bi_base64_is_valid(bi_ctx *c, val *const *args, val **out)
{
    bool ok = false;
    if (val_kind_of(args[0]) == VAL_STRING) {
        size_t n = val_len(args[0]), dn;
        char *dst = malloc(n / 4 * 3 + 3);
        ok = dst && base64_decode(val_str(args[0]), n, base64_std, true, (unsigned char *)dst, &dn) < 0;
        free(dst);
    }
    *out = val_bool(ok);
    return BI_OK;
}

static bi_status bi_base64url_encode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    *out = b64_encode(c, val_str(args[0]), val_len(args[0]), base64_url, true);
    return BI_OK;
}

static bi_status bi_base64url_encode_no_pad(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    *out = b64_encode(c, val_str(args[0]), val_len(args[0]), base64_url, false);
    return BI_OK;
}

/* base64url.decode accepts input without padding (RFC 7515 appendix C). */
static bi_status bi_base64url_decode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    const char *s = val_str(args[0]);
    size_t n = val_len(args[0]);
    if (n == 0 || s[n - 1] != '=') {
        size_t add = 0;
        switch (n % 4) {
        case 0: break;
        case 2: add = 2; break;
        case 3: add = 1; break;
        default: return bi_error(c, "illegal base64url string: %.*s", (int)n, s);
        }
        if (add) {
            char *padded = arena_alloc(c->a, n + add);
            memcpy(padded, s, n);
            memset(padded + n, '=', add);
            s = padded;
            n += add;
        }
    }
    return b64_decode_val(c, s, n, base64_url, out);
}

/* ---- hex ---- */

static bi_status bi_hex_encode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    const unsigned char *s = (const unsigned char *)val_str(args[0]);
    size_t n = val_len(args[0]);
    char *buf = arena_alloc(c->a, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = "0123456789abcdef"[s[i] >> 4];
        buf[2 * i + 1] = "0123456789abcdef"[s[i] & 15];
    }
    *out = val_string(c->a, buf, 2 * n);
    return BI_OK;
}

/* hex.InvalidByteError: "invalid byte: %#U" of the byte as a rune. */
static bi_status hex_bad_byte(bi_ctx *c, unsigned char b)
{
    if (txt_go_isprint(b)) {
        char enc[4];
        size_t w = txt_utf8_encode(b, enc);
        return bi_error(c, "encoding/hex: invalid byte: U+%04X '%.*s'", b, (int)w, enc);
    }
    return bi_error(c, "encoding/hex: invalid byte: U+%04X", b);
}

static bi_status bi_hex_decode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    const unsigned char *s = (const unsigned char *)val_str(args[0]);
    size_t n = val_len(args[0]);
    char *buf = arena_alloc(c->a, n / 2 + 1);
    size_t j;
    for (j = 1; j < n; j += 2) {
        int a = hex_digit(s[j - 1]), b = hex_digit(s[j]);
        if (a < 0)
            return hex_bad_byte(c, s[j - 1]);
        if (b < 0)
            return hex_bad_byte(c, s[j]);
        buf[j / 2] = (char)(a << 4 | b);
    }
    if (n % 2 == 1) {
        if (hex_digit(s[j - 1]) < 0)
            return hex_bad_byte(c, s[j - 1]);
        return bi_error(c, "encoding/hex: odd length hex string");
    }
    *out = val_string(c->a, buf, n / 2);
    return BI_OK;
}

/* ---- urlquery ---- */

/* url.QueryEscape */
static void query_escape(strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
            ch == '_' || ch == '.' || ch == '~')
            sb_putc(sb, (char)ch);
        else if (ch == ' ')
            sb_putc(sb, '+');
        else
            sb_printf(sb, "%%%02X", ch);
    }
}

/* url.QueryUnescape into sb; on a malformed escape returns false and puts
 * Go's message in err. */
static bool query_unescape(strbuf *sb, const char *s, size_t n, strbuf *err)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n || hex_digit((unsigned char)s[i + 1]) < 0 || hex_digit((unsigned char)s[i + 2]) < 0) {
                size_t len = n - i > 3 ? 3 : n - i;
                sb_puts(err, "invalid URL escape ");
                txt_go_quote(err, s + i, len, false);
                return false;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            sb_putc(sb, (char)(hex_digit((unsigned char)s[i + 1]) << 4 | hex_digit((unsigned char)s[i + 2])));
            i += 2;
        } else if (s[i] == '+') {
            sb_putc(sb, ' ');
        } else {
            sb_putc(sb, s[i]);
        }
    }
    return true;
}

static bi_status bi_urlquery_encode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    strbuf sb = STRBUF_INIT;
    query_escape(&sb, val_str(args[0]), val_len(args[0]));
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

static bi_status bi_urlquery_decode(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
    if (!query_unescape(&sb, val_str(args[0]), val_len(args[0]), &err)) {
        bi_error(c, "%s", err.data);
        sb_free(&sb);
        sb_free(&err);
        return BI_ERR;
    }
    sb_free(&err);
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

typedef struct qkey {
    const char *s;  /* the key as Go sees it (a string, or the JSON text of another key) */
    size_t n;
    val *value;
} qkey;

static int cmp_qkey(const void *x, const void *y)
{
    const qkey *a = x, *b = y;
    size_t m = a->n < b->n ? a->n : b->n;
    int r = memcmp(a->s, b->s, m);
    return r ? r : (a->n > b->n) - (a->n < b->n);
}

/* urlquery.encode_object: keys sorted, each value a string or an array or
 * set of strings (url.Values.Encode). */
static bi_status bi_urlquery_encode_object(bi_ctx *c, val *const *args, val **out)
{
    val *obj = args[0];
    if (val_kind_of(obj) != VAL_OBJECT)
        return bi_operand_type(c, 1, obj, "object");
    size_t n = val_len(obj);
    val *const *keys = val_object_keys(obj), *const *vals = val_object_values(obj);
    qkey *qk = arena_alloc(c->a, (n ? n : 1) * sizeof *qk);
    for (size_t i = 0; i < n; i++) {
        val *v = vals[i];
        bool ok = val_kind_of(v) == VAL_STRING;
        if (val_kind_of(v) == VAL_ARRAY || val_kind_of(v) == VAL_SET) {
            val *const *items = val_kind_of(v) == VAL_ARRAY ? val_array_items(v) : val_set_items(v);
            ok = true;
            for (size_t j = 0; j < val_len(v); j++)
                ok = ok && val_kind_of(items[j]) == VAL_STRING;
        }
        if (!ok)
            return bi_type_error(c, "operand 1 values must be string, array[string], or set[string]");
        qk[i].value = v;
        if (val_kind_of(keys[i]) == VAL_STRING) {
            qk[i].s = val_str(keys[i]);
            qk[i].n = val_len(keys[i]);
        } else {
            strbuf kb = STRBUF_INIT;     /* ast.JSON: the key's JSON text */
            json_write(&kb, keys[i], JSON_ESCAPE_HTML);
            val *ks = txt_string_from_sb(c->a, &kb);
            qk[i].s = val_str(ks);
            qk[i].n = val_len(ks);
        }
    }
    qsort(qk, n, sizeof *qk, cmp_qkey);
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        val *v = qk[i].value;
        size_t nv = val_kind_of(v) == VAL_STRING ? 1 : val_len(v);
        val *const *items = val_kind_of(v) == VAL_STRING ? &qk[i].value
                            : val_kind_of(v) == VAL_ARRAY ? val_array_items(v) : val_set_items(v);
        for (size_t j = 0; j < nv; j++) {
            if (sb.len)
                sb_putc(&sb, '&');
            query_escape(&sb, qk[i].s, qk[i].n);
            sb_putc(&sb, '=');
            query_escape(&sb, val_str(items[j]), val_len(items[j]));
        }
    }
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

/* urlquery.decode_object: url.ParseQuery, values in order per key. */
static bi_status bi_urlquery_decode_object(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    const char *q = val_str(args[0]);
    size_t n = val_len(args[0]);
    /* First pass: find the error Go would report (a semicolon anywhere
     * wins over an earlier bad escape). */
    strbuf err = STRBUF_INIT, tmp = STRBUF_INIT;
    bool semicolon = false;
    for (size_t start = 0; start <= n;) {
        const char *amp = memchr(q + start, '&', n - start);
        size_t end = amp ? (size_t)(amp - q) : n;
        const char *seg = q + start;
        size_t len = end - start;
        if (memchr(seg, ';', len)) {
            semicolon = true;
        } else if (len && !err.len) {
            const char *eq = memchr(seg, '=', len);
            size_t kl = eq ? (size_t)(eq - seg) : len;
            sb_reset(&tmp);
            if (query_unescape(&tmp, seg, kl, &err) && eq)
                query_unescape(&tmp, eq + 1, len - kl - 1, &err);
        }
        if (!amp)
            break;
        start = end + 1;
    }
    sb_free(&tmp);
    if (semicolon || err.len) {
        bi_error(c, "%s", semicolon ? "invalid semicolon separator in query" : err.data);
        sb_free(&err);
        return BI_ERR;
    }
    sb_free(&err);

    /* Second pass: build key -> [values]; all escapes are valid now. */
    val_objb b;
    val_objb_init(&b, c->a);
    for (size_t start = 0; start <= n;) {
        const char *amp = memchr(q + start, '&', n - start);
        size_t end = amp ? (size_t)(amp - q) : n;
        const char *seg = q + start;
        size_t len = end - start;
        if (len) {
            const char *eq = memchr(seg, '=', len);
            size_t kl = eq ? (size_t)(eq - seg) : len;
            /* unescape into the arena: at most as long as the input */
            char *kbuf = arena_alloc(c->a, len + 1), *vbuf = kbuf + kl;
            size_t kn = 0, vn = 0;
            for (size_t i = 0; i < len; i++) {
                bool in_key = i < kl;
                if (eq && i == kl)
                    continue;
                char ch = seg[i];
                if (ch == '%') {
                    ch = (char)(hex_digit((unsigned char)seg[i + 1]) << 4 | hex_digit((unsigned char)seg[i + 2]));
                    i += 2;
                } else if (ch == '+') {
                    ch = ' ';
                }
                if (in_key)
                    kbuf[kn++] = ch;
                else
                    vbuf[vn++] = ch;
            }
            val *key = val_string(c->a, kbuf, kn), *value = val_string(c->a, vbuf, vn);
            val *prev = val_objb_get(&b, key);
            size_t pn = prev ? val_len(prev) : 0;
            varr *arr = val_array_alloc(c->a, pn + 1);
            for (size_t i = 0; i < pn; i++)
                arr->items[i] = val_array_items(prev)[i];
            arr->items[pn] = value;
            val_objb_set(&b, key, val_array_seal(arr));
        }
        if (!amp)
            break;
        start = end + 1;
    }
    *out = val_objb_finish(&b);
    return BI_OK;
}

/* ---- json ---- */

static bi_status bi_json_marshal(bi_ctx *c, val *const *args, val **out)
{
    strbuf sb = STRBUF_INIT;
    json_write(&sb, args[0], JSON_ESCAPE_HTML);
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

/* Go's json.Indent over compact JSON text, with the prefix also before the
 * first line (as OPA adds it). */
static void indent_line(strbuf *out, const val *prefix, const val *indent, int depth)
{
    sb_putc(out, '\n');
    sb_append(out, val_str(prefix), val_len(prefix));
    for (int d = 0; d < depth; d++)
        sb_append(out, val_str(indent), val_len(indent));
}

static void json_reindent(strbuf *out, const char *src, size_t n, const val *prefix, const val *indent)
{
    bool need_indent = false, in_str = false, esc = false;
    int depth = 0;
    sb_append(out, val_str(prefix), val_len(prefix));
    for (size_t i = 0; i < n; i++) {
        char ch = src[i];
        if (in_str) {
            sb_putc(out, ch);
            if (esc)
                esc = false;
            else if (ch == '\\')
                esc = true;
            else if (ch == '"')
                in_str = false;
            continue;
        }
        if (need_indent && ch != '}' && ch != ']') {
            need_indent = false;
            indent_line(out, prefix, indent, ++depth);
        }
        switch (ch) {
        case '"':
            in_str = true;
            sb_putc(out, ch);
            break;
        case '{':
        case '[':
            need_indent = true;               /* delayed, so {} and [] stay empty */
            sb_putc(out, ch);
            break;
        case ',':
            sb_putc(out, ch);
            indent_line(out, prefix, indent, depth);
            break;
        case ':':
            sb_puts(out, ": ");
            break;
        case '}':
        case ']':
            if (need_indent)
                need_indent = false;
            else
                indent_line(out, prefix, indent, --depth);
            sb_putc(out, ch);
            break;
        default:
            sb_putc(out, ch);
        }
    }
}

static bi_status bi_json_marshal_with_options(bi_ctx *c, val *const *args, val **out)
{
    val *opts = args[1];
    if (val_kind_of(opts) != VAL_OBJECT)
        return bi_operand_type(c, 2, opts, "object");
    val *indent = NULL, *prefix = NULL;
    bool implicit_pretty = false, explicit_set = false, pretty = false;
    size_t n = val_len(opts);
    val *const *keys = val_object_keys(opts), *const *vals = val_object_values(opts);
    for (size_t i = 0; i < n; i++) {
        val *k = keys[i], *v = vals[i];
        if (val_kind_of(k) != VAL_STRING) {
            strbuf kt = STRBUF_INIT;
            val_write_rego(&kt, k);
            bi_type_error(c, "operand 2 failed to stringify key %s at index %zu: operand %zu must be string but got %s",
                          kt.data, i, i, val_type_name(k));
            sb_free(&kt);
            return BI_ERR;
        }
        const char *name = val_str(k);
        bool is_prefix = !strcmp(name, "prefix"), is_indent = !strcmp(name, "indent");
        if (strlen(name) == val_len(k) && (is_prefix || is_indent)) {
            if (val_kind_of(v) != VAL_STRING)
                return bi_type_error(c, "operand 2 key \"%s\" failed cast to string: operand %zu must be string but got %s",
                                     name, i, val_type_name(v));
            if (is_prefix)
                prefix = v;
            else
                indent = v;
            implicit_pretty = true;
        } else if (strlen(name) == val_len(k) && !strcmp(name, "pretty")) {
            explicit_set = true;
            if (val_kind_of(v) != VAL_BOOL)
                return bi_type_error(c, "operand 2 key \"pretty\" failed cast to bool");
            pretty = val_is_true(v);
        } else {
            strbuf q = STRBUF_INIT;
            txt_go_quote(&q, name, val_len(k), false);
            bi_type_error(c, "operand 2 object contained unknown key %s", q.data);
            sb_free(&q);
            return BI_ERR;
        }
    }
    if (!explicit_set)
        pretty = implicit_pretty;
    if (!indent)
        indent = val_string(c->a, "\t", 1);
    if (!prefix)
        prefix = VAL_EMPTY_STRING_V;
    strbuf sb = STRBUF_INIT;
    json_write(&sb, args[0], JSON_ESCAPE_HTML);
    if (pretty) {
        strbuf pr = STRBUF_INIT;
        json_reindent(&pr, sb.data, sb.len, prefix, indent);
        sb_free(&sb);
        sb = pr;
    }
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

static bi_status bi_json_unmarshal(bi_ctx *c, val *const *args, val **out)
{
    if (want_string(c, args[0], 1))
        return BI_ERR;
    json_error err;
    val *v = json_parse(c->a, val_str(args[0]), val_len(args[0]), 0, &err);
    if (!v)
        return bi_error(c, "%s", err.msg);
    *out = v;
    return BI_OK;
}

static bi_status bi_json_is_valid(bi_ctx *c, val *const *args, val **out)
{
    bool ok = false;
    if (val_kind_of(args[0]) == VAL_STRING) {
        json_error err;
        ok = json_parse(c->a, val_str(args[0]), val_len(args[0]), 10000, &err) != NULL;
    }
    *out = val_bool(ok);
    return BI_OK;
}

const builtin_def bi_group_encoding[] = {
    {"base64.decode", 1, bi_base64_decode, 0, NULL},
    {"base64.encode", 1, bi_base64_encode, 0, NULL},
    {"base64.is_valid", 1, bi_base64_is_valid, 0, NULL},
    {"base64url.decode", 1, bi_base64url_decode, 0, NULL},
    {"base64url.encode", 1, bi_base64url_encode, 0, NULL},
    {"base64url.encode_no_pad", 1, bi_base64url_encode_no_pad, 0, NULL},
    {"hex.decode", 1, bi_hex_decode, 0, NULL},
    {"hex.encode", 1, bi_hex_encode, 0, NULL},
    {"json.is_valid", 1, bi_json_is_valid, 0, NULL},
    {"json.marshal", 1, bi_json_marshal, 0, NULL},
    {"json.marshal_with_options", 2, bi_json_marshal_with_options, 0, NULL},
    {"json.unmarshal", 1, bi_json_unmarshal, 0, NULL},
    {"urlquery.decode", 1, bi_urlquery_decode, 0, NULL},
    {"urlquery.decode_object", 1, bi_urlquery_decode_object, 0, NULL},
    {"urlquery.encode", 1, bi_urlquery_encode, 0, NULL},
    {"urlquery.encode_object", 1, bi_urlquery_encode_object, 0, NULL},
    {"yaml.is_valid", 1, txt_yaml_is_valid, 0, NULL},
    {"yaml.marshal", 1, txt_yaml_marshal, 0, NULL},
    {"yaml.unmarshal", 1, txt_yaml_unmarshal, 0, NULL},
    {0},
};
