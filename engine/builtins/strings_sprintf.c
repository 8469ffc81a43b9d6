/* strings_sprintf.c — sprintf(format, values): Go's fmt.Sprintf applied to
 * Rego values the way OPA's builtinSprintf prepares them:
 *
 *   integer that fits int64   -> Go int
 *   other integer             -> *big.Int (formats itself: b o O d x X s v)
 *   other number              -> float64, or its text as a string when it
 *                                overflows float64 (e.g. 2e308)
 *   string                    -> string
 *   anything else             -> its Rego text as a string ("[1, 2]", "true")
 *
 * The formatter below follows Go's fmt/print.go (doPrintf, printArg) and
 * fmt/format.go (padding, integers, floats, quoting), including its error
 * forms: %!d(string=x), %!d(MISSING), %!(EXTRA int=1), %!(NOVERB),
 * %!(BADWIDTH), %!(BADPREC), %!d(BADINDEX). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>

#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"

bi_status txt_sprintf(bi_ctx *c, val *const *args, val **out);

typedef txt_goarg farg;

typedef struct pp {
    strbuf *buf;
    /* flags (fmt.fmtFlags) */
    bool wid_present, prec_present, minus, plus, sharp, space, zero, plus_v, sharp_v;
    int wid, prec;
    bool reordered, good_argnum;
} pp;

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

static void clear_flags(pp *p)
{
    p->wid_present = p->prec_present = p->minus = p->plus = p->sharp = false;
    p->space = p->zero = p->plus_v = p->sharp_v = false;
    p->wid = p->prec = 0;
}

/* ---- padding (fmt.writePadding, pad, padString) ---- */

static void write_padding(pp *p, int n)
{
    if (n <= 0)
        return;
    char ch = p->zero && !p->minus ? '0' : ' ';
    sb_reserve(p->buf, (size_t)n);
    memset(p->buf->data + p->buf->len, ch, (size_t)n);
    p->buf->len += (size_t)n;
    p->buf->data[p->buf->len] = 0;
}

static void pad(pp *p, const char *s, size_t n)
{
    if (!p->wid_present || p->wid == 0) {
        sb_append(p->buf, s, n);
        return;
    }
    int width = p->wid - (int)txt_rune_count(s, n);
    if (!p->minus) {
        write_padding(p, width);
        sb_append(p->buf, s, n);
    } else {
        sb_append(p->buf, s, n);
        write_padding(p, width);
    }
}

/* ---- integers (fmt.fmtInteger, fmtUnicode, fmtC, fmtQc) ---- */

static void fmt_integer(pp *p, uint64_t u, int base, bool is_signed, char verb, const char *digits)
{
    bool negative = is_signed && (int64_t)u < 0;
    if (negative)
        u = 0 - u;
    int prec = 0;
    if (p->prec_present) {
        prec = p->prec;
        if (prec == 0 && u == 0) {       /* "%.0d" of 0 prints nothing but padding */
            bool z = p->zero;
            p->zero = false;
            write_padding(p, p->wid);
            p->zero = z;
            return;
        }
    } else if (p->zero && !p->minus && p->wid_present) {
        prec = p->wid;
        if (negative || p->plus || p->space)
            prec--;                      /* room for the sign */
    }
    size_t cap = 80 + (size_t)(prec > 0 ? prec : 0);
    char *buf = malloc(cap);
    if (!buf)
        return;
    size_t i = cap;
    do {
        buf[--i] = digits[u % (uint64_t)base];
        u /= (uint64_t)base;
    } while (u);
    while (i > 3 && prec > (int)(cap - i))
        buf[--i] = '0';
    if (p->sharp) {
        switch (base) {
        case 2:
            buf[--i] = 'b';
            buf[--i] = '0';
            break;
        case 8:
            if (buf[i] != '0')
                buf[--i] = '0';
            break;
        case 16:
            buf[--i] = digits[16];
            buf[--i] = '0';
            break;
        default:
            break;
        }
    }
    if (verb == 'O') {
        buf[--i] = 'o';
        buf[--i] = '0';
    }
    if (negative)
        buf[--i] = '-';
    else if (p->plus)
        buf[--i] = '+';
    else if (p->space)
        buf[--i] = ' ';
    bool z = p->zero;
    p->zero = false;                     /* zeros were already added as precision */
    pad(p, buf + i, cap - i);
    p->zero = z;
    free(buf);
}

static void fmt_unicode(pp *p, uint64_t u)
{
    int prec = 4;
    if (p->prec_present && p->prec > 4)
        prec = p->prec;
    size_t cap = (size_t)prec + 32;
    char *buf = malloc(cap);
    if (!buf)
        return;
    size_t i = cap;
    if (p->sharp && u <= 0x10FFFF && txt_go_isprint((uint32_t)u)) {
        char enc[4];
        size_t w = txt_utf8_encode((uint32_t)u, enc);
        buf[--i] = '\'';
        i -= w;
        memcpy(buf + i, enc, w);
        buf[--i] = '\'';
        buf[--i] = ' ';
    }
    do {
        buf[--i] = udigits[u & 0xF];
        prec--;
        u >>= 4;
    } while (u);
    while (prec-- > 0)
        buf[--i] = '0';
    buf[--i] = '+';
    buf[--i] = 'U';
    bool z = p->zero;
    p->zero = false;
    pad(p, buf + i, cap - i);
    p->zero = z;
    free(buf);
}

static void fmt_c(pp *p, uint64_t c)
{
    char buf[4];
    uint32_t r = c > 0x10FFFF ? TXT_RUNE_ERROR : (uint32_t)c;
    pad(p, buf, txt_utf8_encode(r, buf));
}

static void fmt_qc(pp *p, uint64_t c)
{
    strbuf q = STRBUF_INIT;
    txt_go_quote_rune(&q, c > 0x10FFFF ? TXT_RUNE_ERROR : (uint32_t)c, p->plus);
    pad(p, q.data, q.len);
    sb_free(&q);
}

/* ---- strings (fmt.fmtS, fmtSx, fmtQ) ---- */

static size_t truncate_len(pp *p, const char *s, size_t n)
{
    if (!p->prec_present)
        return n;
    int left = p->prec;
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        if (left-- <= 0)
            return i;
        txt_utf8_decode(s + i, n - i, &w);
    }
    return n;
}

static void fmt_s(pp *p, const char *s, size_t n) { pad(p, s, truncate_len(p, s, n)); }

static void fmt_sx(pp *p, const char *s, size_t n, const char *digits)
{
    size_t length = n;
    if (p->prec_present && (size_t)p->prec < length)
        length = (size_t)p->prec;
    int width = 2 * (int)length;
    if (width > 0) {
        if (p->space) {
            if (p->sharp)
                width *= 2;
            width += (int)length - 1;
        } else if (p->sharp) {
            width += 2;
        }
    } else {
        if (p->wid_present)
            write_padding(p, p->wid);
        return;
    }
    if (p->wid_present && p->wid > width && !p->minus)
        write_padding(p, p->wid - width);
    if (p->sharp) {
        sb_putc(p->buf, '0');
        sb_putc(p->buf, digits[16]);
    }
    for (size_t i = 0; i < length; i++) {
        if (p->space && i > 0) {
            sb_putc(p->buf, ' ');
            if (p->sharp) {
                sb_putc(p->buf, '0');
                sb_putc(p->buf, digits[16]);
            }
        }
        unsigned char ch = (unsigned char)s[i];
        sb_putc(p->buf, digits[ch >> 4]);
        sb_putc(p->buf, digits[ch & 0xF]);
    }
    if (p->wid_present && p->wid > width && p->minus)
        write_padding(p, p->wid - width);
}

/* strconv.CanBackquote */
static bool can_backquote(const char *s, size_t n)
{
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = txt_utf8_decode(s + i, n - i, &w);
        if (w > 1) {
            if (r == 0xFEFF)
                return false;
            continue;
        }
        if (r == TXT_RUNE_ERROR)
            return false;
        if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F)
            return false;
    }
    return true;
}

static void fmt_q(pp *p, const char *s, size_t n)
{
    n = truncate_len(p, s, n);
    strbuf q = STRBUF_INIT;
    if (p->sharp && can_backquote(s, n)) {
        sb_putc(&q, '`');
        sb_append(&q, s, n);
        sb_putc(&q, '`');
    } else {
        txt_go_quote(&q, s, n, p->plus);
    }
    pad(p, q.data, q.len);
    sb_free(&q);
}

/* ---- floats (strconv.AppendFloat, fmt.fmtFloat) ---- */

static void fmt_float(pp *p, double v, char verb, int prec)
{
    if (p->prec_present)
        prec = p->prec;
    strbuf num = STRBUF_INIT;
    sb_putc(&num, '+');                  /* room for a sign */
    txt_go_format_float(&num, v, verb, prec);
    char *s = num.data;
    size_t n = num.len;
    if (s[1] == '-' || s[1] == '+') {
        s++;
        n--;
    }
    if (p->space && s[0] == '+' && !p->plus)
        s[0] = ' ';
    if (s[1] == 'I' || s[1] == 'N') {    /* no zero padding for Inf and NaN */
        bool z = p->zero;
        p->zero = false;
        if (s[1] == 'N' && !p->space && !p->plus) {
            s++;
            n--;
        }
        pad(p, s, n);
        p->zero = z;
        sb_free(&num);
        return;
    }
    strbuf alt = STRBUF_INIT;
    if (p->sharp && verb != 'b') {
        /* '#' keeps a decimal point and (for %g) trailing zeros. */
        int digits = 0;
        if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x')
            digits = prec == -1 ? 6 : prec;
        size_t tail = n;
        bool has_point = false, nonzero = false;
        for (size_t i = 1; i < n; i++) {
            char ch = s[i];
            if (ch == '.') {
                has_point = true;
            } else if (ch == 'p' || ch == 'P' || ((ch == 'e' || ch == 'E') && verb != 'x' && verb != 'X')) {
                tail = i;
                break;
            } else {
                if (ch != '0')
                    nonzero = true;
                if (nonzero)
                    digits--;
            }
        }
        sb_append(&alt, s, tail);
        if (!has_point) {
            if (tail == 2 && s[1] == '0')
                digits--;
            sb_putc(&alt, '.');
        }
        while (digits-- > 0)
            sb_putc(&alt, '0');
        sb_append(&alt, s + tail, n - tail);
        s = alt.data;
        n = alt.len;
    }
    if (p->plus || s[0] != '+') {
        if (p->zero && !p->minus && p->wid_present && p->wid > (int)n) {
            sb_putc(p->buf, s[0]);
            write_padding(p, p->wid - (int)n);
            sb_append(p->buf, s + 1, n - 1);
        } else {
            pad(p, s, n);
        }
    } else {
        pad(p, s + 1, n - 1);
    }
    sb_free(&alt);
    sb_free(&num);
}

/* ---- *big.Int's Format method ---- */

static void fmt_bigint(pp *p, const char *dec, size_t decn, char verb)
{
    int base;
    switch (verb) {
    case 'b': base = 2; break;
    case 'o': case 'O': base = 8; break;
    case 'd': case 's': case 'v': base = 10; break;
    case 'x': case 'X': base = 16; break;
    default:
        sb_printf(p->buf, "%%!%c(big.Int=%.*s)", verb, (int)decn, dec);
        return;
    }
    mpz_t z;
    mpz_init(z);
    char *tmp = malloc(decn + 1);
    if (!tmp) {
        mpz_clear(z);
        return;
    }
    memcpy(tmp, dec, decn);
    tmp[decn] = 0;
    mpz_set_str(z, tmp, 10);
    free(tmp);
    bool neg = mpz_sgn(z) < 0;
    mpz_abs(z, z);
    char *digits = mpz_get_str(NULL, base, z);
    mpz_clear(z);
    if (!digits)
        return;
    size_t nd = strlen(digits);
    if (verb == 'X')
        for (size_t i = 0; i < nd; i++)
            if (digits[i] >= 'a' && digits[i] <= 'z')
                digits[i] = (char)(digits[i] - 'a' + 'A');
    const char *sign = neg ? "-" : p->plus ? "+" : p->space ? " " : "";
    const char *prefix = "";
    if (p->sharp) {
        switch (verb) {
        case 'b': prefix = "0b"; break;
        case 'o': prefix = "0"; break;
        case 'x': prefix = "0x"; break;
        case 'X': prefix = "0X"; break;
        default: break;
        }
    }
    if (verb == 'O')
        prefix = "0o";
    size_t left = 0, zeros = 0, right = 0;
    if (p->prec_present) {
        if (nd < (size_t)p->prec)
            zeros = (size_t)p->prec - nd;
        else if (nd == 1 && digits[0] == '0' && p->prec == 0) {
            free(digits);
            return;
        }
    }
    size_t length = strlen(sign) + strlen(prefix) + zeros + nd;
    if (p->wid_present && length < (size_t)p->wid) {
        size_t d = (size_t)p->wid - length;
        if (p->minus)
            right = d;
        else if (p->zero && !p->prec_present)
            zeros = d;
        else
            left = d;
    }
    for (size_t i = 0; i < left; i++)
        sb_putc(p->buf, ' ');
    sb_puts(p->buf, sign);
    sb_puts(p->buf, prefix);
    for (size_t i = 0; i < zeros; i++)
        sb_putc(p->buf, '0');
    sb_append(p->buf, digits, nd);
    for (size_t i = 0; i < right; i++)
        sb_putc(p->buf, ' ');
    free(digits);
}

/* ---- printArg ---- */

static const char *type_name(const farg *a)
{
    switch (a->kind) {
    case TXT_GO_INT: return "int";
    case TXT_GO_BIG: return "*big.Int";
    case TXT_GO_FLOAT: return "float64";
    case TXT_GO_BOOL: return "bool";
    case TXT_GO_NIL: return "<nil>";
    default: return a->tname ? a->tname : "string";
    }
}

static void print_arg(pp *p, const farg *a, uint32_t verb);

static void bad_verb(pp *p, const farg *a, uint32_t verb)
{
    char enc[4];
    sb_puts(p->buf, "%!");
    sb_append(p->buf, enc, txt_utf8_encode(verb, enc));
    sb_putc(p->buf, '(');
    if (a->kind == TXT_GO_NIL) {
        sb_puts(p->buf, "<nil>");
    } else {
        sb_puts(p->buf, type_name(a));
        sb_putc(p->buf, '=');
        print_arg(p, a, 'v');
    }
    sb_putc(p->buf, ')');
}

static void print_arg(pp *p, const farg *a, uint32_t verb)
{
    if (verb == 'T') {
        const char *t = type_name(a);
        fmt_s(p, t, strlen(t));
        return;
    }
    switch (a->kind) {
    case TXT_GO_NIL:
        if (verb == 'v')
            pad(p, "<nil>", 5);
        else
            bad_verb(p, a, verb);
        return;
    case TXT_GO_BOOL:
        if (verb == 't' || verb == 'v')
            pad(p, a->i ? "true" : "false", a->i ? 4 : 5);
        else
            bad_verb(p, a, verb);
        return;
    case TXT_GO_INT: {
        uint64_t u = (uint64_t)a->i;
        switch (verb) {
        case 'v': case 'd': fmt_integer(p, u, 10, true, (char)verb, ldigits); return;
        case 'b': fmt_integer(p, u, 2, true, 'b', ldigits); return;
        case 'o': case 'O': fmt_integer(p, u, 8, true, (char)verb, ldigits); return;
        case 'x': fmt_integer(p, u, 16, true, 'x', ldigits); return;
        case 'X': fmt_integer(p, u, 16, true, 'X', udigits); return;
        case 'c': fmt_c(p, u); return;
        case 'q': fmt_qc(p, u); return;
        case 'U': fmt_unicode(p, u); return;
        default: bad_verb(p, a, verb); return;
        }
    }
    case TXT_GO_FLOAT:
        switch (verb) {
        case 'v': fmt_float(p, a->f, 'g', -1); return;
        case 'b': case 'g': case 'G': case 'x': case 'X': fmt_float(p, a->f, (char)verb, -1); return;
        case 'f': case 'F': fmt_float(p, a->f, 'f', 6); return;
        case 'e': case 'E': fmt_float(p, a->f, (char)verb, 6); return;
        default: bad_verb(p, a, verb); return;
        }
    case TXT_GO_STRING:
        switch (verb) {
        case 'v':
            if (p->sharp_v)
                fmt_q(p, a->s, a->n);
            else
                fmt_s(p, a->s, a->n);
            return;
        case 's': fmt_s(p, a->s, a->n); return;
        case 'x': fmt_sx(p, a->s, a->n, ldigits); return;
        case 'X': fmt_sx(p, a->s, a->n, udigits); return;
        case 'q': fmt_q(p, a->s, a->n); return;
        default: bad_verb(p, a, verb); return;
        }
    case TXT_GO_BIG:
        fmt_bigint(p, a->s, a->n, verb < 0x80 ? (char)verb : '?');
        return;
    }
}

/* ---- doPrintf ---- */

static bool too_large(int x) { return x > 1000000 || x < -1000000; }

/* parsenum: digits at s[start..end) */
static int parsenum(const char *s, size_t start, size_t end, bool *isnum, size_t *newi)
{
    int num = 0;
    *isnum = false;
    if (start >= end) {
        *newi = end;
        return 0;
    }
    size_t i;
    for (i = start; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
        if (too_large(num)) {
            *isnum = false;
            *newi = end;
            return 0;
        }
        num = num * 10 + (s[i] - '0');
        *isnum = true;
    }
    *newi = i;
    return num;
}

/* argNumber: an explicit argument index "[n]" at f[*i].  Returns the
 * argument number to use and advances *i; *found tells whether an index was
 * read. */
static size_t arg_number(pp *p, size_t argnum, const char *f, size_t *i, size_t end, size_t nargs, bool *found)
{
    *found = false;
    if (*i >= end || f[*i] != '[')
        return argnum;
    p->reordered = true;
    /* parseArgNumber: at least "[n]" and a closing bracket */
    size_t wid = 1;
    bool ok = false;
    int index = 0;
    if (end - *i >= 3) {
        for (size_t j = *i + 1; j < end; j++) {
            if (f[j] == ']') {
                bool isnum;
                size_t newi;
                int n = parsenum(f, *i + 1, j, &isnum, &newi);
                wid = j - *i + 1;
                ok = isnum && newi == j;
                index = n - 1;
                break;
            }
        }
    }
    *i += wid;
    *found = ok;
    if (ok && index >= 0 && (size_t)index < nargs)
        return (size_t)index;
    p->good_argnum = false;
    return argnum;
}

/* intFromArg: a width or precision taken from the arguments ("*"). */
static int int_from_arg(const farg *args, size_t nargs, size_t *argnum, bool *is_int)
{
    int num = 0;
    *is_int = false;
    if (*argnum < nargs) {
        const farg *a = &args[*argnum];
        if (a->kind == TXT_GO_INT && a->i >= -1000000 && a->i <= 1000000) {
            num = (int)a->i;
            *is_int = true;
        }
        (*argnum)++;
    }
    return num;
}

static void do_printf(pp *p, const char *f, size_t end, const farg *args, size_t nargs);

void txt_go_sprintf(strbuf *out, const char *f, size_t end, const txt_goarg *args, size_t nargs)
{
    pp p;
    memset(&p, 0, sizeof p);
    p.buf = out;
    do_printf(&p, f, end, args, nargs);
}

static void do_printf(pp *p, const char *f, size_t end, const farg *args, size_t nargs)
{
    size_t argnum = 0;
    bool after_index = false;
    p->reordered = false;
    for (size_t i = 0; i < end;) {
        p->good_argnum = true;
        size_t lasti = i;
        while (i < end && f[i] != '%')
            i++;
        if (i > lasti)
            sb_append(p->buf, f + lasti, i - lasti);
        if (i >= end)
            break;
        i++;                                 /* skip '%' */
        clear_flags(p);
        for (; i < end; i++) {
            char ch = f[i];
            if (ch == '#')
                p->sharp = true;
            else if (ch == '0')
                p->zero = true;
            else if (ch == '+')
                p->plus = true;
            else if (ch == '-')
                p->minus = true;
            else if (ch == ' ')
                p->space = true;
            else
                break;
        }

        bool found;
        argnum = arg_number(p, argnum, f, &i, end, nargs, &after_index);

        /* width */
        if (i < end && f[i] == '*') {
            i++;
            p->wid = int_from_arg(args, nargs, &argnum, &p->wid_present);
            if (!p->wid_present)
                sb_puts(p->buf, "%!(BADWIDTH)");
            if (p->wid < 0) {
                p->wid = -p->wid;
                p->minus = true;
                p->zero = false;
            }
            after_index = false;
        } else {
            p->wid = parsenum(f, i, end, &p->wid_present, &i);
            if (after_index && p->wid_present)  /* "%[3]2d" */
                p->good_argnum = false;
        }

        /* precision */
        if (i + 1 < end && f[i] == '.') {
            i++;
            if (after_index)                     /* "%[3].2d" */
                p->good_argnum = false;
            argnum = arg_number(p, argnum, f, &i, end, nargs, &after_index);
            if (i < end && f[i] == '*') {
                i++;
                p->prec = int_from_arg(args, nargs, &argnum, &p->prec_present);
                if (p->prec < 0) {
                    p->prec = 0;
                    p->prec_present = false;
                }
                if (!p->prec_present)
                    sb_puts(p->buf, "%!(BADPREC)");
                after_index = false;
            } else {
                p->prec = parsenum(f, i, end, &p->prec_present, &i);
                if (!p->prec_present) {
                    p->prec = 0;
                    p->prec_present = true;
                }
            }
        }

        if (!after_index)
            argnum = arg_number(p, argnum, f, &i, end, nargs, &found), after_index = found;

        if (i >= end) {
            sb_puts(p->buf, "%!(NOVERB)");
            break;
        }
        size_t w = 1;
        uint32_t verb = (unsigned char)f[i];
        if (verb >= 0x80)
            verb = txt_utf8_decode(f + i, end - i, &w);
        i += w;

        char enc[4];
        if (verb == '%') {                   /* absorbs no argument, ignores width */
            sb_putc(p->buf, '%');
        } else if (!p->good_argnum) {
            sb_puts(p->buf, "%!");
            sb_append(p->buf, enc, txt_utf8_encode(verb, enc));
            sb_puts(p->buf, "(BADINDEX)");
        } else if (argnum >= nargs) {
            sb_puts(p->buf, "%!");
            sb_append(p->buf, enc, txt_utf8_encode(verb, enc));
            sb_puts(p->buf, "(MISSING)");
        } else {
            if (verb == 'v' || verb == 'w') {
                /* %#v and %+v are flagless formats of their own */
                p->sharp_v = p->sharp;
                p->sharp = false;
                p->plus_v = p->plus;
                p->plus = false;
            }
            print_arg(p, &args[argnum], verb);
            argnum++;
        }
    }

    if (!p->reordered && argnum < nargs) {
        clear_flags(p);
        sb_puts(p->buf, "%!(EXTRA ");
        for (size_t k = argnum; k < nargs; k++) {
            if (k > argnum)
                sb_puts(p->buf, ", ");
            if (args[k].kind == TXT_GO_NIL) {
                sb_puts(p->buf, "<nil>");
                continue;
            }
            sb_puts(p->buf, type_name(&args[k]));
            sb_putc(p->buf, '=');
            print_arg(p, &args[k], 'v');
        }
        sb_putc(p->buf, ')');
    }
}

/* ---- the builtin ---- */

static bool all_digits(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

bi_status txt_sprintf(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    if (val_kind_of(args[1]) != VAL_ARRAY)
        return bi_operand_type(c, 2, args[1], "array");
    size_t nargs = val_len(args[1]);
    val *const *items = val_array_items(args[1]);
    /* Converted arguments live in the arena; text made for them in a
     * scratch buffer that is freed before the result is made. */
    farg *fa = arena_alloc(c->a, (nargs ? nargs : 1) * sizeof *fa);
    strbuf scratch = STRBUF_INIT, result = STRBUF_INIT;
    for (size_t k = 0; k < nargs; k++) {
        val *v = items[k];
        farg *a = &fa[k];
        memset(a, 0, sizeof *a);
        if (val_kind_of(v) == VAL_NUMBER) {
            int64_t i;
            const char *text = ((const vnum *)v)->text;
            if (txt_number_int(v, &i)) {
                a->kind = TXT_GO_INT;
                a->i = i;
                continue;
            }
            if (text && all_digits(text)) {
                a->kind = TXT_GO_BIG;
                a->s = text;
                a->n = strlen(text);
                continue;
            }
            double d = text ? strtod(text, NULL) : 0;
            if (text && !isinf(d) && !isnan(d)) {
                a->kind = TXT_GO_FLOAT;
                a->f = d;
                continue;
            }
            a->kind = TXT_GO_STRING;
            a->s = text ? text : "";
            a->n = strlen(a->s);
        } else if (val_kind_of(v) == VAL_STRING) {
            a->kind = TXT_GO_STRING;
            a->s = val_str(v);
            a->n = val_len(v);
        } else {
            a->kind = TXT_GO_STRING;
            a->in_scratch = true;
            a->scratch_off = scratch.len;
            val_write_rego(&scratch, v);
            a->n = scratch.len - a->scratch_off;
        }
    }
    for (size_t k = 0; k < nargs; k++)
        if (fa[k].in_scratch)
            fa[k].s = scratch.data + fa[k].scratch_off;

    sb_reserve(&result, val_len(args[0]) + 16);
    txt_go_sprintf(&result, val_str(args[0]), val_len(args[0]), fa, nargs);
    sb_free(&scratch);
    *out = txt_string_from_sb(c->a, &result);
    return BI_OK;
}
