/* units.c — builtin group "units": units.parse and units.parse_bytes.
 *
 * Behaviour follows OPA's topdown/parse_units.go and parse_bytes.go: quotes
 * are removed, spaces are refused, the string splits into an amount
 * (digits, '.', and an exponent) and a unit suffix.  units.parse works on
 * exact rationals (Go's big.Rat; "m" is the binary double nearest 0.001, as
 * in OPA) and prints a fraction with 10 decimals; units.parse_bytes works
 * on 64-bit-mantissa binary floats (Go's big.Float) and truncates to an
 * integer.  OPA's error messages repeat the builtin's name, so ours do too
 * (the VM adds the first "<name>: "). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <mpfr.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"

#define MAX_EXPONENT_DIGITS 6

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* extractNumAndUnit: num = s[0..*numlen), unit = the rest.  false when an
 * exponent has too many digits. */
static bool split_num_unit(const char *s, size_t n, size_t *numlen)
{
    for (size_t i = 0; i < n; i++) {
        char r = s[i];
        if (!is_digit(r) && r != '.' && r != 'e' && r != 'E' && r != '+' && r != '-') {
            *numlen = i;
            return true;
        }
        if (r == 'e' || r == 'E') {
            if (i == n - 1 || (!is_digit(s[i + 1]) && s[i + 1] != '+' && s[i + 1] != '-')) {
                *numlen = i;
                return true;
            }
            if (s[i + 1] == '+' || s[i + 1] == '-')
                i++;
            size_t start = i + 1, end = start;
            while (end < n && is_digit(s[end]))
                end++;
            if (end - start > MAX_EXPONENT_DIGITS)
                return false;
        }
    }
    *numlen = n;
    return true;
}

/* A decimal number as Go's big.Rat / big.Float SetString accept it here:
 * [+-] digits [. digits] [(e|E) [+-] digits], with at least one mantissa
 * digit.  Gives the mantissa digits (leading zeros kept), the sign, and the
 * power of ten to apply. */
typedef struct decimal {
    bool neg;
    char *digits;       /* NUL-terminated, at least "0" */
    long exp10;
} decimal;

static bool parse_decimal(arena *a, const char *s, size_t n, decimal *d)
{
    size_t i = 0;
    d->neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        d->neg = s[i] == '-';
        i++;
    }
    char *digits = arena_alloc(a, n + 2);
    size_t nd = 0;
    long frac = 0;
    bool seen_dot = false;
    for (; i < n; i++) {
        if (is_digit(s[i])) {
            digits[nd++] = s[i];
            if (seen_dot)
                frac++;
        } else if (s[i] == '.' && !seen_dot) {
            seen_dot = true;
        } else {
            break;
        }
    }
    if (nd == 0)
        return false;
    long e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        size_t start = i;
        while (i < n && is_digit(s[i])) {
            if (e < 100000000)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        if (i == start)
            return false;
        if (eneg)
            e = -e;
    }
    if (i != n)
        return false;
    digits[nd] = 0;
    d->digits = digits;
    d->exp10 = e - frac;
    return true;
}

/* Removes every '"'. */
static char *strip_quotes(arena *a, const char *s, size_t n, size_t *outn)
{
    char *r = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '"')
            r[k++] = s[i];
    r[k] = 0;
    *outn = k;
    return r;
}

/* strings.ToLower, through the "lower" builtin (Go's Unicode mapping). */
static val *go_lower(bi_ctx *c, val *s)
{
    const builtin_def *lower = builtin_lookup("lower");
    val *out = NULL;
    if (lower && lower->fn(c, &s, &out) == BI_OK)
        return out;
    return s;
}

/* ---- units.parse ---- */

static const struct {
    const char *unit;
    unsigned shift;     /* binary: 1 << shift */
    unsigned pow10;     /* decimal: 10^pow10 */
} unit_table[] = {
    {"", 0, 0},
    {"k", 0, 3},  {"K", 0, 3},   {"ki", 10, 0}, {"Ki", 10, 0},
    {"M", 0, 6},  {"mi", 20, 0}, {"Mi", 20, 0},
    {"g", 0, 9},  {"G", 0, 9},   {"gi", 30, 0}, {"Gi", 30, 0},
    {"t", 0, 12}, {"T", 0, 12},  {"ti", 40, 0}, {"Ti", 40, 0},
    {"p", 0, 15}, {"P", 0, 15},  {"pi", 50, 0}, {"Pi", 50, 0},
    {"e", 0, 18}, {"E", 0, 18},  {"ei", 60, 0}, {"Ei", 60, 0},
};

/* big.Rat.FloatString(10): rounded half away from zero. */
static void rat_float_string(strbuf *sb, mpq_t q, int prec)
{
    mpz_t num, qt, r, p10, r2, r3;
    mpz_inits(num, qt, r, p10, r2, r3, NULL);
    mpz_abs(num, mpq_numref(q));
    mpz_tdiv_qr(qt, r, num, mpq_denref(q));
    mpz_ui_pow_ui(p10, 10, (unsigned long)prec);
    mpz_mul(r, r, p10);
    mpz_tdiv_qr(r2, r3, r, mpq_denref(q));
    mpz_mul_2exp(r3, r3, 1);
    if (mpz_cmp(r3, mpq_denref(q)) >= 0) {
        mpz_add_ui(r2, r2, 1);
        if (mpz_cmp(r2, p10) >= 0) {
            mpz_sub(r2, r2, p10);
            mpz_add_ui(qt, qt, 1);
        }
    }
    if (mpz_sgn(mpq_numref(q)) < 0)
        sb_putc(sb, '-');
    char *s = mpz_get_str(NULL, 10, qt);
    sb_puts(sb, s);
    free(s);
    s = mpz_get_str(NULL, 10, r2);
    sb_putc(sb, '.');
    for (int pad = prec - (int)strlen(s); pad > 0; pad--)
        sb_putc(sb, '0');
    sb_puts(sb, s);
    free(s);
    mpz_clears(num, qt, r, p10, r2, r3, NULL);
}

/* A number value from a strbuf of number text (freed). */
static val *number_from_sb(bi_ctx *c, strbuf *sb)
{
    val *s = txt_string_from_sb(c->a, sb);
    val *n = val_number_text(c->a, val_str(s), val_len(s));
    return n ? n : VAL_NULL_V;
}

static bi_status bi_units_parse(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    size_t n;
    char *s = strip_quotes(c->a, val_str(args[0]), val_len(args[0]), &n);
    if (memchr(s, ' ', n))
        return bi_error(c, "units.parse: spaces not allowed in resource strings");
    size_t numlen;
    if (!split_num_unit(s, n, &numlen))
        return bi_error(c, "units.parse: exponent too large");
    if (numlen == 0)
        return bi_error(c, "units.parse: no amount provided");
    /* Only the letters after the first are lowered, so "m" and "M" differ. */
    const char *unit = s + numlen;
    size_t unitn = n - numlen;
    if (unitn > 1) {
        val *rest = go_lower(c, val_string(c->a, unit + 1, unitn - 1));
        char *u = arena_alloc(c->a, 1 + val_len(rest) + 1);
        u[0] = unit[0];
        memcpy(u + 1, val_str(rest), val_len(rest));
        unitn = 1 + val_len(rest);
        u[unitn] = 0;
        unit = u;
    }
    int which = -1;
    bool milli = unitn == 1 && unit[0] == 'm';
    for (size_t i = 0; !milli && i < sizeof unit_table / sizeof unit_table[0]; i++)
        if (strlen(unit_table[i].unit) == unitn && memcmp(unit_table[i].unit, unit, unitn) == 0)
            which = (int)i;
    if (!milli && which < 0)
        return bi_error(c, "units.parse: unit %.*s not recognized", (int)(unitn > 400 ? 400 : unitn), unit);
    decimal d;
    if (!parse_decimal(c->a, s, numlen, &d))
        return bi_error(c, "units.parse: could not parse amount to a number");

    mpq_t q, m;
    mpz_t p;
    mpq_inits(q, m, NULL);
    mpz_init(p);
    mpz_set_str(mpq_numref(q), d.digits, 10);
    if (d.exp10 >= 0) {
        mpz_ui_pow_ui(p, 10, (unsigned long)d.exp10);
        mpz_mul(mpq_numref(q), mpq_numref(q), p);
    } else {
        mpz_ui_pow_ui(mpq_denref(q), 10, (unsigned long)-d.exp10);
    }
    mpq_canonicalize(q);
    if (d.neg)
        mpq_neg(q, q);
    if (milli) {
        mpq_set_d(m, 0.001);
    } else if (unit_table[which].shift) {
        mpz_set_ui(mpq_numref(m), 1);
        mpz_mul_2exp(mpq_numref(m), mpq_numref(m), unit_table[which].shift);
    } else {
        mpz_ui_pow_ui(mpq_numref(m), 10, unit_table[which].pow10);
    }
    mpq_mul(q, q, m);
    strbuf sb = STRBUF_INIT;
    if (mpz_cmp_ui(mpq_denref(q), 1) == 0) {
        char *t = mpz_get_str(NULL, 10, mpq_numref(q));
        sb_puts(&sb, t);
        free(t);
    } else {
        rat_float_string(&sb, q, 10);
    }
    mpq_clears(q, m, NULL);
    mpz_clear(p);
    *out = number_from_sb(c, &sb);
    return BI_OK;
}

/* ---- units.parse_bytes ---- */

static const struct {
    const char *unit;
    unsigned shift;
    unsigned pow10;
} byte_units[] = {
    {"", 0, 0},
    {"kb", 0, 3},  {"k", 0, 3},  {"kib", 10, 0}, {"ki", 10, 0},
    {"mb", 0, 6},  {"m", 0, 6},  {"mib", 20, 0}, {"mi", 20, 0},
    {"gb", 0, 9},  {"g", 0, 9},  {"gib", 30, 0}, {"gi", 30, 0},
    {"tb", 0, 12}, {"t", 0, 12}, {"tib", 40, 0}, {"ti", 40, 0},
    {"pb", 0, 15}, {"p", 0, 15}, {"pib", 50, 0}, {"pi", 50, 0},
    {"eb", 0, 18}, {"e", 0, 18}, {"eib", 60, 0}, {"ei", 60, 0},
};

static bi_status bi_units_parse_bytes(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    val *low = go_lower(c, args[0]);
    size_t n;
    char *s = strip_quotes(c->a, val_str(low), val_len(low), &n);
    if (memchr(s, ' ', n))
        return bi_error(c, "units.parse_bytes: spaces not allowed in resource strings");
    size_t numlen;
    if (!split_num_unit(s, n, &numlen))
        return bi_error(c, "units.parse_bytes: exponent too large");
    if (numlen == 0)
        return bi_error(c, "units.parse_bytes: no byte amount provided");
    const char *unit = s + numlen;
    size_t unitn = n - numlen;
    int which = -1;
    for (size_t i = 0; i < sizeof byte_units / sizeof byte_units[0]; i++)
        if (strlen(byte_units[i].unit) == unitn && memcmp(byte_units[i].unit, unit, unitn) == 0)
            which = (int)i;
    if (which < 0)
        return bi_error(c, "units.parse_bytes: byte unit %.*s not recognized", (int)(unitn > 400 ? 400 : unitn),
                        unit);
    decimal d;
    if (!parse_decimal(c->a, s, numlen, &d))
        return bi_error(c, "units.parse_bytes: could not parse byte amount to a number");

    /* big.Float: the amount rounded to 64 bits, times the unit rounded to
     * 64 bits, truncated toward zero. */
    size_t tn = strlen(d.digits) + 32;
    char *text = arena_alloc(c->a, tn);
    snprintf(text, tn, "%s%se%ld", d.neg ? "-" : "", d.digits, d.exp10);
    mpfr_t x, m;
    mpfr_inits2(64, x, m, (mpfr_ptr)0);
    mpfr_set_str(x, text, 10, MPFR_RNDN);
    if (byte_units[which].shift) {
        mpfr_set_ui_2exp(m, 1, byte_units[which].shift, MPFR_RNDN);
    } else {
        mpfr_set_ui(m, 1, MPFR_RNDN);
        for (unsigned k = 0; k < byte_units[which].pow10; k++)
            mpfr_mul_ui(m, m, 10, MPFR_RNDN);
    }
    mpfr_mul(x, x, m, MPFR_RNDN);
    mpz_t z;
    mpz_init(z);
    mpfr_get_z(z, x, MPFR_RNDZ);
    mpfr_clears(x, m, (mpfr_ptr)0);
    char *t = mpz_get_str(NULL, 10, z);
    mpz_clear(z);
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, t);
    free(t);
    *out = number_from_sb(c, &sb);
    return BI_OK;
}

const builtin_def bi_group_units[] = {
    {"units.parse", 1, bi_units_parse, 0, NULL},
    {"units.parse_bytes", 1, bi_units_parse_bytes, 0, NULL},
    {0},
};
