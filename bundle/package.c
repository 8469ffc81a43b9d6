/* package.c — the package of a module without parsing Rego.
 *
 * OPA checks every module's package against the manifest's roots.  The
 * engine parses modules later; here a small scan finds the `package` clause
 * (the first thing in a module after comments and whitespace) and reads its
 * reference: an identifier, then `.name` or `["string"]` / `[`raw`]` parts. */
#include "bundle/internal.h"

#include <stdio.h>
#include <string.h>

#include "engine/json.h"
#include "../engine/hexdigit.h"

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static void put_utf8(strbuf *sb, unsigned c)
{
    char b[4];
    int n;
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xc0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 63));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xe0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 63));
        b[2] = (char)(0x80 | (c & 63));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 63));
        b[2] = (char)(0x80 | ((c >> 6) & 63));
        b[3] = (char)(0x80 | (c & 63));
        n = 4;
    }
    sb_append(sb, b, (size_t)n);
}

static int read_u4(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_digit(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A string literal at p into sb; the position after it, or NULL. */
static const char *read_string(const char *p, const char *end, strbuf *sb)
{
    if (*p == '`') {
        const char *q = memchr(p + 1, '`', (size_t)(end - p - 1));
        if (!q)
            return NULL;
        sb_append(sb, p + 1, (size_t)(q - p - 1));
        return q + 1;
    }
    for (p++; p < end; p++) {
        char c = *p;
        if (c == '"')
            return p + 1;
        if (c == '\n')
            return NULL;
        if (c != '\\') {
            sb_putc(sb, c);
            continue;
        }
        if (++p >= end)
            return NULL;
        switch (*p) {
        case '"': sb_putc(sb, '"'); break;
        case '\\': sb_putc(sb, '\\'); break;
        case '/': sb_putc(sb, '/'); break;
        case 'b': sb_putc(sb, '\b'); break;
        case 'f': sb_putc(sb, '\f'); break;
        case 'n': sb_putc(sb, '\n'); break;
        case 'r': sb_putc(sb, '\r'); break;
        case 't': sb_putc(sb, '\t'); break;
        case 'u': {
            int u = read_u4(p + 1, end);
            if (u < 0)
                return NULL;
            p += 4;
            unsigned c32 = (unsigned)u;
            if (u >= 0xd800 && u < 0xdc00 && end - p > 6 && p[1] == '\\' && p[2] == 'u') {
                int lo = read_u4(p + 3, end);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    c32 = 0x10000 + (((unsigned)u - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
                    p += 6;
                }
            }
            put_utf8(sb, c32);
            break;
        }
        default:
            return NULL;
        }
    }
    return NULL;
}

int bpackage_scan(const char *text, size_t len, bstrs *segs)
{
    const char *p = text, *end = text + len;
    /* comments and whitespace */
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (p < end && *p == '#') {
            while (p < end && *p != '\n')
                p++;
            continue;
        }
        break;
    }
    if (end - p < 8 || memcmp(p, "package", 7) != 0 || is_ident(p[7]))
        return -1;
    p = skip_blank(p + 7, end);
    if (p >= end || !is_ident_start(*p))
        return -1;
    const char *s = p;
    while (p < end && is_ident(*p))
        p++;
    if (bstrs_push(segs, s, (size_t)(p - s)) != 0)
        return -1;
    strbuf sb = STRBUF_INIT;
    int rc = -1;
    while (p < end) {
        if (*p == '.') {
            p++;
            s = p;
            if (p >= end || !is_ident_start(*p))
                goto done;
            while (p < end && is_ident(*p))
                p++;
            if (bstrs_push(segs, s, (size_t)(p - s)) != 0)
                goto done;
        } else if (*p == '[') {
            p = skip_blank(p + 1, end);
            if (p >= end || (*p != '"' && *p != '`'))
                goto done;
            sb_reset(&sb);
            sb_puts(&sb, "");
            p = read_string(p, end, &sb);
            if (!p)
                goto done;
            p = skip_blank(p, end);
            if (p >= end || *p != ']')
                goto done;
            p++;
            if (bstrs_push(segs, sb.data, sb.len) != 0)
                goto done;
        } else {
            break;
        }
    }
    /* the clause ends at whitespace, a comment, ';' or the end */
    if (p == end || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '#' || *p == ';')
        rc = 0;
done:
    sb_free(&sb);
    return rc;
}

static bool var_compatible(const char *s)
{
    if (!is_ident_start(s[0]))
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!is_ident(*p))
            return false;
    return true;
}

void bpackage_format(strbuf *sb, const bstrs *segs)
{
    sb_puts(sb, "package ");
    for (int i = 0; i < segs->n; i++) {
        const char *s = segs->v[i];
        if (i == 0) {
            sb_puts(sb, s);
        } else if (var_compatible(s)) {
            sb_putc(sb, '.');
            sb_puts(sb, s);
        } else {
            arena a;
            arena_init(&a, 256);
            val *v = val_string(&a, s, strlen(s));
            sb_putc(sb, '[');
            if (v)
                val_write_rego(sb, v);
            sb_putc(sb, ']');
            arena_release(&a);
        }
    }
}

void bpackage_ptr(strbuf *sb, const bstrs *segs)
{
    static const char keep[] = "-_.~$&+,;=:@";
    for (int i = 0; i < segs->n; i++) {
        if (i)
            sb_putc(sb, '/');
        for (const unsigned char *p = (const unsigned char *)segs->v[i]; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr(keep, *p))
                sb_putc(sb, (char)*p);
            else
                sb_printf(sb, "%%%02X", *p);
        }
    }
}
