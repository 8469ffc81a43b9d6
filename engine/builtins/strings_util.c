/* strings_util.c — helpers shared by the text builtins; see strings_util.h. */
#include "strings_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "../value.h"

/* ---- UTF-8, as Go's unicode/utf8 ---- */

uint32_t txt_utf8_decode(const char *str, size_t n, size_t *width)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[0];
    if (c < 0x80) {
        *width = 1;
        return c;
    }
    size_t need;
    uint32_t r, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, r = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, r = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, r = c & 0x07, min = 0x10000;
    } else {
        goto bad;
    }
    if (n < need + 1)
        goto bad;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
        r = r << 6 | (s[i] & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        goto bad;
    *width = need + 1;
    return r;
bad:
    *width = 1;
    return TXT_RUNE_ERROR;
}

size_t txt_utf8_encode(uint32_t r, char out[4])
{
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = TXT_RUNE_ERROR;
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | r >> 6);
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | r >> 12);
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | r >> 18);
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

size_t txt_rune_count(const char *s, size_t n)
{
    size_t count = 0, w;
    for (size_t i = 0; i < n; i += w, count++) {
        if ((unsigned char)s[i] < 0x80)
            w = 1;
        else
            txt_utf8_decode(s + i, n - i, &w);
    }
    return count;
}

bool txt_is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* ---- Go's quoting ---- */

bool txt_go_isprint(uint32_t r)
{
    if (r < 0x80)
        return r >= 0x20 && r < 0x7F;
    if (r <= 0xFF)
        return r >= 0xA1 && r != 0xAD;
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        return false;
    if ((r & 0xFFFE) == 0xFFFE || (r >= 0xFDD0 && r <= 0xFDEF))
        return false;                                   /* noncharacters */
    if ((r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000)
        return false;                                   /* private use */
    if (r >= 0x40000 && r <= 0xDFFFF)
        return false;                                   /* unassigned planes */
    static const uint32_t ranges[][2] = {
        /* spaces other than U+0020 */
        {0x1680, 0x1680}, {0x2000, 0x200A}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
        /* line and paragraph separators, format characters */
        {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F},
        {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x180E, 0x180E}, {0x200B, 0x200F},
        {0x2028, 0x202E}, {0x2060, 0x206F}, {0xFEFF, 0xFEFF}, {0xFFF0, 0xFFFB},
        {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
        {0x1D173, 0x1D17A}, {0xE0000, 0xE00FF},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (r >= ranges[i][0] && r <= ranges[i][1])
            return false;
    return true;
}

static void put_hex(strbuf *sb, const char *prefix, uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char buf[8];
    sb_puts(sb, prefix);
    for (int i = digits - 1; i >= 0; i--) {
        buf[i] = hex[v & 0xF];
        v >>= 4;
    }
    sb_append(sb, buf, (size_t)digits);
}

static void escaped_rune(strbuf *sb, uint32_t r, char quote, bool ascii_only)
{
    if (r == (uint32_t)quote || r == '\\') {
        sb_putc(sb, '\\');
        sb_putc(sb, (char)r);
        return;
    }
    if (ascii_only ? (r < 0x80 && txt_go_isprint(r)) : txt_go_isprint(r)) {
        char buf[4];
        sb_append(sb, buf, txt_utf8_encode(r, buf));
        return;
    }
    switch (r) {
    case '\a': sb_puts(sb, "\\a"); return;
    case '\b': sb_puts(sb, "\\b"); return;
    case '\f': sb_puts(sb, "\\f"); return;
    case '\n': sb_puts(sb, "\\n"); return;
    case '\r': sb_puts(sb, "\\r"); return;
    case '\t': sb_puts(sb, "\\t"); return;
    case '\v': sb_puts(sb, "\\v"); return;
    default: break;
    }
    if (r < ' ' || r == 0x7F)
        put_hex(sb, "\\x", r, 2);
    else if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        put_hex(sb, "\\u", TXT_RUNE_ERROR, 4);
    else if (r < 0x10000)
        put_hex(sb, "\\u", r, 4);
    else
        put_hex(sb, "\\U", r, 8);
}

void txt_go_quote(strbuf *sb, const char *s, size_t n, bool ascii_only)
{
    sb_putc(sb, '"');
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = txt_utf8_decode(s + i, n - i, &w);
        if (w == 1 && r == TXT_RUNE_ERROR)
            put_hex(sb, "\\x", (unsigned char)s[i], 2);   /* a stray byte */
        else
            escaped_rune(sb, r, '"', ascii_only);
    }
    sb_putc(sb, '"');
}

void txt_go_quote_rune(strbuf *sb, uint32_t r, bool ascii_only)
{
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = TXT_RUNE_ERROR;
    sb_putc(sb, '\'');
    escaped_rune(sb, r, '\'', ascii_only);
    sb_putc(sb, '\'');
}

/* ---- floats, as Go's strconv.AppendFloat ---- */

/* Shortest decimal digits that read back as v (v finite, non-zero):
 * digits d[0..nd) and decimal point position dp (value = 0.d * 10^dp). */
static void shortest_digits(double v, char *d, int *nd, int *dp)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, fabs(v));
        if (strtod(buf, NULL) == fabs(v) || prec == 17)
            break;
    }
    int k = 0;
    char *e = strchr(buf, 'e');
    for (char *q = buf; q < e; q++)
        if (*q >= '0' && *q <= '9')
            d[k++] = *q;
    while (k > 1 && d[k - 1] == '0')
        k--;
    *nd = k;
    *dp = atoi(e + 1) + 1;
}

/* %x / %X of a float64 (strconv's fmtX). */
static void format_hex_float(strbuf *sb, double v, char fmt, int prec)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bool neg = bits >> 63;
    int exp = (int)(bits >> 52) & 0x7FF;
    uint64_t mant = bits & ((UINT64_C(1) << 52) - 1);
    if (exp == 0)
        exp++;
    else
        mant |= UINT64_C(1) << 52;
    exp += -1023;
    if (mant == 0)
        exp = 0;
    mant <<= 60 - 52;
    while (mant != 0 && (mant & (UINT64_C(1) << 60)) == 0) {
        mant <<= 1;
        exp--;
    }
    if (prec >= 0 && prec < 15) {
        unsigned shift = (unsigned)prec * 4;
        uint64_t extra = (mant << shift) & ((UINT64_C(1) << 60) - 1);
        mant >>= 60 - shift;
        if ((extra | (mant & 1)) > (UINT64_C(1) << 59))
            mant++;
        mant <<= 60 - shift;
        if (mant & (UINT64_C(1) << 61)) {
            mant >>= 1;
            exp++;
        }
    }
    const char *hex = fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    if (neg)
        sb_putc(sb, '-');
    sb_putc(sb, '0');
    sb_putc(sb, fmt);
    sb_putc(sb, (char)('0' + ((mant >> 60) & 1)));
    mant <<= 4;
    if (prec < 0 && mant != 0) {
        sb_putc(sb, '.');
        while (mant != 0) {
            sb_putc(sb, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    } else if (prec > 0) {
        sb_putc(sb, '.');
        for (int i = 0; i < prec; i++) {
            sb_putc(sb, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    }
    sb_putc(sb, fmt == 'X' ? 'P' : 'p');
    sb_putc(sb, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    if (exp < 100)
        sb_printf(sb, "%02d", exp);
    else
        sb_printf(sb, "%d", exp);
}

/* strconv.AppendFloat(v, fmt, prec, 64), appended to sb. */
void txt_go_format_float(strbuf *sb, double v, char fmt, int prec)
{
    if (isnan(v)) {
        sb_puts(sb, "NaN");
        return;
    }
    if (isinf(v)) {
        sb_puts(sb, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (fmt == 'b') {
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        int exp = (int)(bits >> 52) & 0x7FF;
        uint64_t mant = bits & ((UINT64_C(1) << 52) - 1);
        if (exp == 0)
            exp++;
        else
            mant |= UINT64_C(1) << 52;
        exp += -1023 - 52;
        sb_printf(sb, "%s%llup%c%d", (bits >> 63) ? "-" : "", (unsigned long long)mant, exp >= 0 ? '+' : '-',
                  exp >= 0 ? exp : -exp);
        return;
    }
    if (fmt == 'x' || fmt == 'X') {
        format_hex_float(sb, v, fmt, prec);
        return;
    }
    if (prec >= 0) {
        /* The C library rounds correctly, as Go does, and prints %e/%f/%g
         * the same way when a precision is given. */
        char f[8] = {'%', '.', '*', fmt, 0};
        int len = snprintf(NULL, 0, f, prec, v);
        sb_reserve(sb, (size_t)len + 1);
        snprintf(sb->data + sb->len, (size_t)len + 1, f, prec, v);
        sb->len += (size_t)len;
        return;
    }
    /* Shortest representation. */
    if (v == 0) {
        sb_puts(sb, signbit(v) ? "-0" : "0");
        if (fmt == 'e' || fmt == 'E')
            sb_puts(sb, fmt == 'E' ? "E+00" : "e+00");
        return;
    }
    char d[20];
    int nd, dp;
    shortest_digits(v, d, &nd, &dp);
    bool use_e;
    char efmt = fmt;
    if (fmt == 'g' || fmt == 'G') {
        int exp = dp - 1;
        use_e = exp < -4 || exp >= 6;      /* shortest %g decides with precision 6 */
        efmt = fmt == 'g' ? 'e' : 'E';
    } else {
        use_e = fmt == 'e' || fmt == 'E';
    }
    if (signbit(v))
        sb_putc(sb, '-');
    if (use_e) {
        sb_putc(sb, d[0]);
        if (nd > 1) {
            sb_putc(sb, '.');
            sb_append(sb, d + 1, (size_t)nd - 1);
        }
        int exp = dp - 1;
        sb_printf(sb, "%c%c%02d", efmt, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        return;
    }
    /* %f with max(nd - dp, 0) decimals */
    if (dp <= 0) {
        sb_putc(sb, '0');
    } else {
        for (int i = 0; i < dp; i++)
            sb_putc(sb, i < nd ? d[i] : '0');
    }
    if (nd > dp) {
        sb_putc(sb, '.');
        for (int i = dp; i < nd; i++)
            sb_putc(sb, i < 0 ? '0' : d[i]);
    }
}

/* ---- operands ---- */

bool txt_number_int(const val *v, int64_t *out)
{
    if (val_kind_of(v) != VAL_NUMBER)
        return false;
    if (val_is_int(v)) {
        *out = val_int_value(v);
        return true;
    }
    /* Texts that Go's strconv.ParseInt accepts but are not canonical ("-0"). */
    const char *t = ((const vnum *)v)->text;
    if (!t || !*t)
        return false;
    for (const char *p = t + (*t == '-'); *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    char *end;
    long long x = strtoll(t, &end, 10);
    if (errno || *end)
        return false;
    *out = (int64_t)x;
    return true;
}

bi_status txt_int_operand(bi_ctx *c, const val *v, int pos, int64_t *out)
{
    if (val_kind_of(v) != VAL_NUMBER)
        return bi_operand_type(c, pos, v, "number");
    if (!txt_number_int(v, out))
        return bi_type_error(c, "operand %d must be integer number but got floating-point number", pos);
    return BI_OK;
}

bi_status txt_element_error(bi_ctx *c, int pos, const val *composite, const val *got,
                            const char *expected)
{
    const char *t = val_type_name(composite);
    return bi_type_error(c, "operand %d must be %s of %ss but got %s containing %s", pos, t, expected, t,
                         val_type_name(got));
}

/* ---- strbuf to arena ---- */

val *txt_string_from_sb(arena *a, strbuf *sb)
{
    jmp_buf here;
    jmp_buf *volatile outer = a->oom;
    if (outer) {
        if (setjmp(here)) {
            a->oom = outer;
            sb_free(sb);
            longjmp(*outer, a->oom_code ? a->oom_code : ARENA_OOM);
        }
        a->oom = &here;
    }
    val *v = val_string(a, sb->data ? sb->data : "", sb->len);
    a->oom = outer;
    sb_free(sb);
    return v;
}
