/* jsontext.c — JSON string quoting/unquoting and object member walking for
 * the CLI (see jsontext.h). */
#include "jsontext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void jt_write_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc((int)c, out);
            s++;
        } else if (c == '\n') {
            fputs("\\n", out), s++;
        } else if (c == '\r') {
            fputs("\\r", out), s++;
        } else if (c == '\t') {
            fputs("\\t", out), s++;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            fprintf(out, "\\u%04x", c);
            s++;
        } else if (c < 0x80) {
            fputc((int)c, out);
            s++;
        } else {
            size_t n = utf8_seq_len(s);
            if (n == 0) {
                fputs("\\ufffd", out);  /* as Go replaces invalid bytes */
                s++;
            } else if (n == 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9)) {
                fprintf(out, "\\u202%c", s[2] == 0xA8 ? '8' : '9');
                s += 3;
            } else {
                fwrite(s, 1, n, out);
                s += n;
            }
        }
    }
    fputc('"', out);
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *jt_unquote(const char *text, size_t len, size_t *out_len)
{
    if (len < 2 || text[0] != '"' || text[len - 1] != '"') return NULL;
    char *buf = malloc(len + 1);  /* decoding never grows the text */
    if (!buf) return NULL;
    size_t o = 0;
    for (size_t i = 1; i + 1 < len; i++) {
        char c = text[i];
        if (c != '\\') {
            buf[o++] = c;
            continue;
        }
        if (i + 2 >= len) break;
        c = text[++i];
        switch (c) {
        case 'n': buf[o++] = '\n'; break;
        case 'r': buf[o++] = '\r'; break;
        case 't': buf[o++] = '\t'; break;
        case 'b': buf[o++] = '\b'; break;
        case 'f': buf[o++] = '\f'; break;
        case 'u': {
            uint32_t cp;
            if (i + 4 >= len || hex4(text + i + 1, &cp) != 0) { free(buf); return NULL; }
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < len && text[i + 1] == '\\' &&
                text[i + 2] == 'u') {
                uint32_t lo;
                if (hex4(text + i + 3, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
            o += put_utf8(buf + o, cp);
            break;
        }
        default: buf[o++] = c; break;  /* \" \\ \/ */
        }
    }
    buf[o] = '\0';
    if (out_len) *out_len = o;
    return buf;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    return p;
}

size_t jt_value_len(const char *text)
{
    const char *p = text;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1]) p++;
        return *p == '"' ? (size_t)(p + 1 - text) : 0;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; *p; p++) {
            if (*p == '"') {
                size_t n = jt_value_len(p);
                if (n == 0) return 0;
                p += n - 1;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0) return (size_t)(p + 1 - text);
            }
        }
        return 0;
    }
    /* number, true, false, null */
    while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\t' &&
           *p != '\r')
        p++;
    return (size_t)(p - text);
}

int jt_object_members(const char *text, jt_member_fn fn, void *ctx)
{
    const char *p = skip_ws(text);
    if (*p != '{') return -1;
    p = skip_ws(p + 1);
    int count = 0;
    while (*p == '"') {
        size_t klen = jt_value_len(p);
        if (klen == 0) return -1;
        char *key = jt_unquote(p, klen, NULL);
        if (!key) return -1;
        p = skip_ws(p + klen);
        if (*p != ':') { free(key); return -1; }
        p = skip_ws(p + 1);
        size_t vlen = jt_value_len(p);
        if (vlen == 0) { free(key); return -1; }
        fn(ctx, key, p, vlen);
        free(key);
        count++;
        p = skip_ws(p + vlen);
        if (*p == ',') p = skip_ws(p + 1);
    }
    return *p == '}' ? count : -1;
}

int jt_array_items(const char *text, jt_item_fn fn, void *ctx)
{
    const char *p = skip_ws(text);
    if (*p != '[') return -1;
    p = skip_ws(p + 1);
    int count = 0;
    while (*p && *p != ']') {
        size_t vlen = jt_value_len(p);
        if (vlen == 0) return -1;
        fn(ctx, p, vlen);
        count++;
        p = skip_ws(p + vlen);
        if (*p == ',') p = skip_ws(p + 1);
    }
    return *p == ']' ? count : -1;
}

/* ---- re-encoding with sorted keys ---- */

typedef struct sorted_member {
    char *key;
    const char *value;
    size_t len;
} sorted_member;

typedef struct member_list {
    sorted_member *v;
    size_t n, cap;
} member_list;

static void collect_member(void *ctx, const char *key, const char *value, size_t len)
{
    member_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        sorted_member *v = realloc(l->v, cap * sizeof *v);
        if (!v) return;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (sorted_member){strdup(key), value, len};
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const sorted_member *)a)->key, ((const sorted_member *)b)->key);
}

typedef struct item_list {
    const char **v;
    size_t *len;
    size_t n, cap;
} item_list;

static void collect_item(void *ctx, const char *value, size_t len)
{
    item_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **v = realloc(l->v, cap * sizeof *v);
        size_t *n = v ? realloc(l->len, cap * sizeof *n) : NULL;
        if (v) l->v = v;
        if (!v || !n) return;
        l->len = n;
        l->cap = cap;
    }
    l->v[l->n] = value;
    l->len[l->n++] = len;
}

static void indent_to(FILE *out, int level)
{
    for (int i = 0; i < level; i++) fputs("  ", out);
}

void jt_write_sorted(FILE *out, const char *text, size_t len, int level)
{
    const char *p = skip_ws(text);
    if (*p == '{') {
        member_list l = {NULL, 0, 0};
        jt_object_members(p, collect_member, &l);
        if (l.n == 0) {
            fputs("{}", out);
        } else {
            qsort(l.v, l.n, sizeof *l.v, cmp_member);
            fputs("{\n", out);
            for (size_t i = 0; i < l.n; i++) {
                indent_to(out, level + 1);
                jt_write_string(out, l.v[i].key);
                fputs(": ", out);
                jt_write_sorted(out, l.v[i].value, l.v[i].len, level + 1);
                fputs(i + 1 < l.n ? ",\n" : "\n", out);
            }
            indent_to(out, level);
            fputc('}', out);
        }
        for (size_t i = 0; i < l.n; i++) free(l.v[i].key);
        free(l.v);
    } else if (*p == '[') {
        item_list l = {NULL, NULL, 0, 0};
        jt_array_items(p, collect_item, &l);
        if (l.n == 0) {
            fputs("[]", out);
        } else {
            fputs("[\n", out);
            for (size_t i = 0; i < l.n; i++) {
                indent_to(out, level + 1);
                jt_write_sorted(out, l.v[i], l.len[i], level + 1);
                fputs(i + 1 < l.n ? ",\n" : "\n", out);
            }
            indent_to(out, level);
            fputc(']', out);
        }
        free(l.v);
        free(l.len);
    } else {
        size_t n = len - (size_t)(p - text);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\t' || p[n - 1] == '\r')) n--;
        fwrite(p, 1, n, out);
    }
}
