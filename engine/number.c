/* number.c — exact numbers as OPA keeps them; see number.h.
 *
 * A number is an int64 or its verbatim text.  Three views of the text:
 *
 *  - a decimal view (ndec) pointing into the text: sign, significant digits
 *    and a decimal exponent.  Comparison, hashing and integer tests use it,
 *    so they are exact and never allocate, even for 1e1000000000.
 *  - a binary float with a 64-bit mantissa, made the way Go's big.Float
 *    SetString makes it (OPA's builtins.NumberToFloat).  Arithmetic on
 *    non-integers runs on these (MPFR, round to nearest even), and results
 *    print as big.Float Text('g'/'f', -1) does.
 *  - an exact integer (GMP) for the integer arithmetic OPA does exactly.
 *
 * The control flow of each operation mirrors OPA's topdown/arithmetic.go:
 * operands in the int32 window take a machine-integer path; +, -, *, % then
 * try exact integers (operands whose 64-bit float is integral, so 1e3 and
 * 2.0 count); everything else is a big.Float operation. */
#include "number.h"

#include <gmp.h>
#include <mpfr.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "strbuf.h"

#define SEED_NUMBER 0x6e756d6265720001ULL
#define SEED_DECIMAL 0x6e756d6265720002ULL

#define EXP_CAP ((int64_t)1 << 60)     /* decimal exponents saturate here */
#define FLOAT_PREC 64                  /* big.Float's default precision */
#define GO_MAX_EXP 2147483647L         /* big.Float's binary exponent range */
#define BIG_BITS_LIMIT (1L << 20)      /* refuse to expand numbers beyond ~315k digits */

const char *num_status_message(num_status s)
{
    switch (s) {
    case NUM_OK: return "ok";
    case NUM_DIV_ZERO: return "divide by zero";
    case NUM_MOD_ZERO: return "modulo by zero";
    case NUM_MOD_FLOAT: return "modulo on floating-point number";
    case NUM_OVERFLOW: return "number too large";
    }
    return "unknown";
}

static const char *num_text(const val *n) { return ((const vnum *)n)->text; }

/* ---- decimal view ---- */

/* value = (neg ? -1 : 1) * 0.D * 10^exp, where D = d1[0..n1) d2[0..n2) has no
 * leading or trailing zeros.  zero: D is empty. */
typedef struct ndec {
    bool neg, zero;
    const char *d1, *d2;
    size_t n1, n2;
    int64_t exp;
} ndec;

static inline char ndec_digit(const ndec *d, size_t i) { return i < d->n1 ? d->d1[i] : d->d2[i - d->n1]; }
static inline size_t ndec_len(const ndec *d) { return d->n1 + d->n2; }

static void ndec_parse(ndec *d, const char *s, size_t n)
{
    size_t i = 0;
    memset(d, 0, sizeof *d);
    d->neg = n > 0 && s[0] == '-';
    i = d->neg;
    const char *ip = s + i;
    size_t il = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, il++;
    const char *fp = "";
    size_t fl = 0;
    if (i < n && s[i] == '.') {
        fp = s + ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, fl++;
    }
    int64_t x = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool xneg = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            xneg = s[i++] == '-';
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            /* saturate before x * 10 could overflow */
            x = x < EXP_CAP / 10 ? x * 10 + (s[i] - '0') : EXP_CAP;
            i++;
        }
        if (xneg)
            x = -x;
    }
    size_t total = il + fl, k = 0, m;
#define ALL(j) ((j) < il ? ip[j] : fp[(j) - il])
    while (k < total && ALL(k) == '0')
        k++;
    if (k == total) {
        d->zero = true;
        return;
    }
    m = total - 1;
    while (ALL(m) == '0')
        m--;
#undef ALL
    d->exp = (int64_t)il - (int64_t)k + x;
    if (k < il) {
        d->d1 = ip + k;
        d->n1 = (m < il ? m + 1 : il) - k;
        d->d2 = fp;
        d->n2 = m >= il ? m - il + 1 : 0;
    } else {
        d->d1 = fp + (k - il);
        d->n1 = m - k + 1;
        d->d2 = "";
        d->n2 = 0;
    }
}

/* Writes |i| in decimal backwards ending at end; returns the start. */
static char *u64_digits(uint64_t u, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return p;
}

static uint64_t i64_magnitude(int64_t i) { return i < 0 ? 0 - (uint64_t)i : (uint64_t)i; }

/* Decimal view of any number; buf holds the digits of an int. */
static void ndec_of(const val *v, ndec *d, char buf[24])
{
    if (v->flags & VAL_F_INT) {
        int64_t i = val_int_value(v);
        char *p = u64_digits(i64_magnitude(i), buf + 24);
        if (i < 0)
            *--p = '-';
        ndec_parse(d, p, (size_t)(buf + 24 - p));
    } else {
        ndec_parse(d, num_text(v), v->len);
    }
}

/* Magnitude comparison of two non-zero views. */
static int ndec_cmp_abs(const ndec *a, const ndec *b)
{
    if (a->exp != b->exp)
        return a->exp < b->exp ? -1 : 1;
    size_t na = ndec_len(a), nb = ndec_len(b), n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++) {
        char x = ndec_digit(a, i), y = ndec_digit(b, i);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return na < nb ? -1 : na > nb;
}

static int ndec_sign(const ndec *d) { return d->zero ? 0 : d->neg ? -1 : 1; }

static int ndec_cmp(const ndec *a, const ndec *b)
{
    int sa = ndec_sign(a), sb = ndec_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    return sa * ndec_cmp_abs(a, b);
}

static bool ndec_is_integer(const ndec *d) { return d->zero || d->exp >= (int64_t)ndec_len(d); }

/* Integral and within int64. */
static bool ndec_to_int64(const ndec *d, int64_t *out)
{
    if (d->zero) {
        *out = 0;
        return true;
    }
    size_t n = ndec_len(d);
    if (d->exp < (int64_t)n || d->exp > 19)
        return false;
    uint64_t limit = d->neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, acc = 0;
    for (int64_t i = 0; i < d->exp; i++) {
        unsigned dig = (size_t)i < n ? (unsigned)(ndec_digit(d, (size_t)i) - '0') : 0;
        if (acc > (limit - dig) / 10)
            return false;
        acc = acc * 10 + dig;
    }
    *out = d->neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

int num_compare(const val *a, const val *b)
{
    if (a->flags & b->flags & VAL_F_INT) {
        int64_t x = val_int_value(a), y = val_int_value(b);
        return x < y ? -1 : x > y;
    }
    char ba[24], bb[24];
    ndec x, y;
    ndec_of(a, &x, ba);
    ndec_of(b, &y, bb);
    return ndec_cmp(&x, &y);
}

static uint64_t hash_i64(int64_t i) { return XXH3_64bits_withSeed(&i, sizeof i, SEED_NUMBER); }

/* Integral values that fit int64 hash as that int; any other value hashes its
 * normalized decimal (digits, exponent, sign), which all spellings share. */
uint64_t num_hash(const val *n)
{
    if (n->flags & VAL_F_INT)
        return hash_i64(val_int_value(n));
    ndec d;
    int64_t i;
    ndec_parse(&d, num_text(n), n->len);
    if (ndec_to_int64(&d, &i))
        return hash_i64(i);
    uint64_t acc = 0;
    size_t len = ndec_len(&d);
    for (size_t k = 0; k < len; k++)
        acc = (acc ^ (uint64_t)(ndec_digit(&d, k) - '0')) * 0x100000001b3ULL + k;
    uint64_t key[4] = {acc, (uint64_t)d.exp, (uint64_t)len, (uint64_t)d.neg};
    return XXH3_64bits_withSeed(key, sizeof key, SEED_DECIMAL);
}

bool num_is_integer(const val *n)
{
    if (n->flags & VAL_F_INT)
        return true;
    ndec d;
    ndec_parse(&d, num_text(n), n->len);
    return ndec_is_integer(&d);
}

bool num_to_int64(const val *n, int64_t *out)
{
    if (n->flags & VAL_F_INT) {
        *out = val_int_value(n);
        return true;
    }
    ndec d;
    ndec_parse(&d, num_text(n), n->len);
    return ndec_to_int64(&d, out);
}

val *num_from_int64(arena *a, int64_t i) { return val_int(a, i); }

/* ---- GMP/MPFR helpers ---- */

static void mpz_set_i64(mpz_t z, int64_t i)
{
    uint64_t u = i64_magnitude(i);
    mpz_import(z, 1, 1, sizeof u, 0, 0, &u);
    if (i < 0)
        mpz_neg(z, z);
}

static bool mpz_get_i64(const mpz_t z, int64_t *out)
{
    if (mpz_sizeinbase(z, 2) > 63) {
        /* only -2^63 has 64 bits and fits */
        mpz_t m;
        mpz_init_set_si(m, -1);
        mpz_mul_2exp(m, m, 63);
        bool is_min = mpz_cmp(z, m) == 0;
        mpz_clear(m);
        if (is_min)
            *out = INT64_MIN;
        return is_min;
    }
    uint64_t u = 0;
    size_t cnt = 0;
    mpz_export(&u, &cnt, 1, sizeof u, 0, 0, z);
    *out = mpz_sgn(z) < 0 ? -(int64_t)u : (int64_t)u;
    return true;
}

/* Decimal digits of z into a malloc'd buffer (with '-' when negative). */
static char *mpz_text(const mpz_t z)
{
    char *s = malloc(mpz_sizeinbase(z, 10) + 2);
    if (s)
        mpz_get_str(s, 10, z);
    return s;
}

static val *val_from_mpz(arena *a, const mpz_t z)
{
    int64_t i;
    if (mpz_get_i64(z, &i))
        return val_int(a, i);
    char *s = mpz_text(z);
    if (!s)
        return NULL;
    val *v = val_number_text(a, s, strlen(s));
    free(s);
    return v;
}

/* MPFR's exponent range is (thread-local) global state: widen it to cover
 * big.Float's for one operation, and put the caller's back afterwards. */
typedef struct mpfr_range {
    mpfr_exp_t emin, emax;
} mpfr_range;

static mpfr_range mpfr_wide_range(void)
{
    mpfr_range r = {mpfr_get_emin(), mpfr_get_emax()};
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    return r;
}

static void mpfr_restore_range(mpfr_range r)
{
    mpfr_set_emin(r.emin);
    mpfr_set_emax(r.emax);
}

/* big.Float keeps binary exponents within int32; beyond that Go overflows. */
static bool float_in_go_range(const mpfr_t x)
{
    if (!mpfr_number_p(x))
        return false;
    if (mpfr_zero_p(x))
        return true;
    mpfr_exp_t e = mpfr_get_exp(x);
    return e <= GO_MAX_EXP && e >= -GO_MAX_EXP;
}

/* 5^n as big.Float's pow5 computes it for a 128-bit result: exact up to 5^27,
 * beyond by repeated squaring with rounding at 128 and 192 bits. */
static void go_pow5(mpfr_t z, uint64_t n)
{
    mpz_t t;
    mpz_init(t);
    uint64_t k = n <= 27 ? n : 27;
    mpz_ui_pow_ui(t, 5, (unsigned long)k);
    mpfr_set_z(z, t, MPFR_RNDN);
    mpz_clear(t);
    n -= k;
    if (n == 0)
        return;
    mpfr_t f;
    mpfr_init2(f, mpfr_get_prec(z) + 64);
    mpfr_set_ui(f, 5, MPFR_RNDN);
    while (n > 0) {
        if (n & 1)
            mpfr_mul(z, z, f, MPFR_RNDN);
        mpfr_mul(f, f, f, MPFR_RNDN);
        n >>= 1;
    }
    mpfr_clear(f);
}

/* The number as Go's new(big.Float).SetString(text) makes it: the whole digit
 * string as an exact integer, scaled by 2^e and then by a 128-bit 5^e with
 * one rounding to 64 bits.  z must be initialised (any precision; it is
 * set to 64).  False when Go would report an exponent overflow. */
static bool go_float(mpfr_t z, const val *v)
{
    mpfr_set_prec(z, FLOAT_PREC);
    if (v->flags & VAL_F_INT) {
        mpz_t m;
        mpz_init(m);
        mpz_set_i64(m, val_int_value(v));
        mpfr_set_z(z, m, MPFR_RNDN);      /* exact: an int64 has <= 64 bits */
        mpz_clear(m);
        return true;
    }
    const char *s = num_text(v);
    size_t n = v->len, i = 0;
    bool neg = s[0] == '-';
    i = neg;
    char *digits = malloc(n + 1);
    if (!digits)
        return false;
    size_t nd = 0;
    int64_t frac = 0, x = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits[nd++] = s[i];
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac++)
            digits[nd++] = s[i];
    digits[nd] = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool xneg = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            xneg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            x = x < EXP_CAP / 10 ? x * 10 + (s[i] - '0') : EXP_CAP; /* saturated, without overflow */
        if (xneg)
            x = -x;
    }
    mpz_t m;
    mpz_init_set_str(m, digits, 10);
    free(digits);
    bool ok = true;
    if (mpz_sgn(m) == 0) {
        mpfr_set_zero(z, neg ? -1 : 1);
    } else {
        int64_t exp5 = x - frac;
        int64_t exp2 = (int64_t)mpz_sizeinbase(m, 2) + exp5;
        if (exp2 > GO_MAX_EXP || exp2 < -GO_MAX_EXP - 1) {
            ok = false;
        } else if (exp5 == 0) {
            mpfr_set_z(z, m, MPFR_RNDN);
        } else {
            mpfr_t mant, p;
            size_t bits = mpz_sizeinbase(m, 2);
            mpfr_init2(mant, bits < 2 ? 2 : (mpfr_prec_t)bits);
            mpfr_set_z(mant, m, MPFR_RNDN);                     /* exact */
            mpfr_mul_2si(mant, mant, (long)exp5, MPFR_RNDN);    /* exact */
            mpfr_init2(p, FLOAT_PREC + 64);
            go_pow5(p, (uint64_t)(exp5 < 0 ? -exp5 : exp5));
            if (exp5 < 0)
                mpfr_div(z, mant, p, MPFR_RNDN);
            else
                mpfr_mul(z, mant, p, MPFR_RNDN);
            mpfr_clear(mant);
            mpfr_clear(p);
        }
        if (neg)
            mpfr_neg(z, z, MPFR_RNDN);
    }
    mpz_clear(m);
    return ok && float_in_go_range(z);
}

/* ---- exact decimal digits of binary values (Go's math/big decimal) ---- */

/* value = 0.d[0..nd) * 10^dp, no trailing zeros; nd == 0 is zero. */
typedef struct dec {
    char *d;
    long nd, dp;
} dec;

/* d = m * 2^shift exactly (m > 0). */
static bool dec_init(dec *d, const mpz_t m, long shift)
{
    mpz_t t;
    mpz_init_set(t, m);
    if (shift < 0) {
        unsigned long tz = mpz_scan1(t, 0);
        unsigned long s = (unsigned long)-shift < tz ? (unsigned long)-shift : tz;
        mpz_tdiv_q_2exp(t, t, s);
        shift += (long)s;
    }
    long k = 0;
    if (shift > 0) {
        mpz_mul_2exp(t, t, (unsigned long)shift);
    } else if (shift < 0) {
        mpz_t p;
        mpz_init(p);
        k = -shift;
        mpz_ui_pow_ui(p, 5, (unsigned long)k);   /* m / 2^k == m * 5^k / 10^k */
        mpz_mul(t, t, p);
        mpz_clear(p);
    }
    d->d = mpz_text(t);
    mpz_clear(t);
    if (!d->d)
        return false;
    long n = (long)strlen(d->d);
    d->dp = n - k;
    while (n > 0 && d->d[n - 1] == '0')
        n--;
    d->nd = n;
    if (n == 0)
        d->dp = 0;
    return true;
}

static void dec_free(dec *d)
{
    free(d->d);
    d->d = NULL;
}

static char dec_at(const dec *d, long i) { return i >= 0 && i < d->nd ? d->d[i] : '0'; }

static void dec_trim(dec *d)
{
    while (d->nd > 0 && d->d[d->nd - 1] == '0')
        d->nd--;
    if (d->nd == 0)
        d->dp = 0;
}

static void dec_round_up(dec *d, long n)
{
    if (n < 0 || n >= d->nd)
        return;
    while (n > 0 && d->d[n - 1] >= '9')
        n--;
    if (n == 0) {
        d->d[0] = '1';
        d->nd = 1;
        d->dp++;
        return;
    }
    d->d[n - 1]++;
    d->nd = n;
}

static void dec_round_down(dec *d, long n)
{
    if (n < 0 || n >= d->nd)
        return;
    d->nd = n;
    dec_trim(d);
}

/* Round to n digits, ties to even (exact decimals only). */
static void dec_round(dec *d, long n)
{
    if (n < 0 || n >= d->nd)
        return;
    bool up;
    if (d->d[n] == '5' && n + 1 == d->nd)
        up = n > 0 && ((d->d[n - 1] - '0') & 1);
    else
        up = d->d[n] >= '5';
    if (up)
        dec_round_up(d, n);
    else
        dec_round_down(d, n);
}

/* big.Float's roundShortest: the fewest digits that still identify x among
 * floats of its precision, walking the digits of x and of its half-ulp
 * neighbours position by position (as math/big does). m has exactly prec
 * bits, x = m * 2^e. */
static bool big_round_shortest(dec *d, const mpz_t m, long e)
{
    mpz_t lo, hi;
    dec lower = {0}, upper = {0};
    mpz_init(lo);
    mpz_init(hi);
    mpz_mul_2exp(lo, m, 1);
    mpz_add_ui(hi, lo, 1);
    mpz_sub_ui(lo, lo, 1);
    bool ok = dec_init(&lower, lo, e - 1) && dec_init(&upper, hi, e - 1);
    bool inclusive = mpz_even_p(m);
    mpz_clear(lo);
    mpz_clear(hi);
    if (ok) {
        for (long i = 0; i < d->nd; i++) {
            char l = dec_at(&lower, i), u = dec_at(&upper, i), c = d->d[i];
            bool okdown = l != c || (inclusive && i + 1 == lower.nd);
            bool okup = c != u && (inclusive || c + 1 < u || i + 1 < upper.nd);
            if (okdown && okup) {
                dec_round(d, i + 1);
                break;
            } else if (okdown) {
                dec_round_down(d, i + 1);
                break;
            } else if (okup) {
                dec_round_up(d, i + 1);
                break;
            }
        }
    }
    dec_free(&lower);
    dec_free(&upper);
    return ok;
}

/* strconv's roundShortest for a float64 m * 2^e (m and e as the IEEE fields
 * give them): exact bounds, including the closer lower neighbour just above a
 * power of two, with decimal points aligned. */
static bool f64_round_shortest(dec *d, uint64_t mant, long e, bool denormal_or_min)
{
    mpz_t hi, lo, t;
    dec lower = {0}, upper = {0};
    mpz_init(hi);
    mpz_init(lo);
    mpz_init(t);
    mpz_import(t, 1, 1, sizeof mant, 0, 0, &mant);
    mpz_mul_2exp(hi, t, 1);
    mpz_add_ui(hi, hi, 1);                       /* (2m+1) * 2^(e-1) */
    bool ok;
    if (mant > ((uint64_t)1 << 52) || denormal_or_min) {
        mpz_mul_2exp(lo, t, 1);
        mpz_sub_ui(lo, lo, 1);                   /* (2m-1) * 2^(e-1) */
        ok = dec_init(&upper, hi, e - 1) && dec_init(&lower, lo, e - 1);
    } else {
        mpz_mul_2exp(lo, t, 2);
        mpz_sub_ui(lo, lo, 1);                   /* (4m-1) * 2^(e-2) */
        ok = dec_init(&upper, hi, e - 1) && dec_init(&lower, lo, e - 2);
    }
    bool inclusive = (mant & 1) == 0;
    mpz_clear(hi);
    mpz_clear(lo);
    mpz_clear(t);
    if (ok) {
        int upperdelta = 0;
        for (long ui = 0;; ui++) {
            long mi = ui - upper.dp + d->dp;
            if (mi >= d->nd)
                break;
            long li = ui - upper.dp + lower.dp;
            char l = li >= 0 && li < lower.nd ? lower.d[li] : '0';
            char c = mi >= 0 ? d->d[mi] : '0';
            char u = ui < upper.nd ? upper.d[ui] : '0';
            bool okdown = l != c || (inclusive && li + 1 == lower.nd);
            if (upperdelta == 0 && c + 1 < u)
                upperdelta = 2;
            else if (upperdelta == 0 && c != u)
                upperdelta = 1;
            else if (upperdelta == 1 && (c != '9' || u != '0'))
                upperdelta = 2;
            bool okup = upperdelta > 0 && (inclusive || upperdelta > 1 || ui + 1 < upper.nd);
            if (okdown && okup) {
                dec_round(d, mi + 1);
                break;
            } else if (okdown) {
                dec_round_down(d, mi + 1);
                break;
            } else if (okup) {
                dec_round_up(d, mi + 1);
                break;
            }
        }
    }
    dec_free(&lower);
    dec_free(&upper);
    return ok;
}

/* Go's %e with prec digits after the point: d.ddde±dd. */
static void fmt_e(strbuf *sb, const dec *d, long prec)
{
    sb_putc(sb, d->nd > 0 ? d->d[0] : '0');
    if (prec > 0) {
        sb_putc(sb, '.');
        long i = 1, m = d->nd < prec + 1 ? d->nd : prec + 1;
        if (i < m) {
            sb_append(sb, d->d + i, (size_t)(m - i));
            i = m;
        }
        for (; i <= prec; i++)
            sb_putc(sb, '0');
    }
    long exp = d->nd > 0 ? d->dp - 1 : 0;
    sb_putc(sb, 'e');
    sb_putc(sb, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    sb_printf(sb, exp < 10 ? "0%ld" : "%ld", exp);
}

/* Go's %f with prec digits after the point. */
static void fmt_f(strbuf *sb, const dec *d, long prec)
{
    if (d->dp > 0) {
        long m = d->nd < d->dp ? d->nd : d->dp;
        sb_append(sb, d->d, (size_t)m);
        for (; m < d->dp; m++)
            sb_putc(sb, '0');
    } else {
        sb_putc(sb, '0');
    }
    if (prec > 0) {
        sb_putc(sb, '.');
        for (long i = 0; i < prec; i++)
            sb_putc(sb, dec_at(d, d->dp + i));
    }
}

/* Shortest 'g' (eprec 6, as both strconv and math/big use for shortest) or
 * shortest 'f'. */
static void fmt_shortest(strbuf *sb, bool neg, const dec *d, bool f_format)
{
    if (neg)
        sb_putc(sb, '-');
    if (f_format) {
        long prec = d->nd - d->dp;
        fmt_f(sb, d, prec > 0 ? prec : 0);
        return;
    }
    long exp = d->dp - 1;
    if (d->nd > 0 && (exp < -4 || exp >= 6)) {
        fmt_e(sb, d, d->nd - 1);
        return;
    }
    fmt_f(sb, d, d->nd > d->dp ? d->nd - d->dp : 0);
}

/* The text OPA's builtins.FloatToNumber gives: Text('f', -1) for integral
 * values, else Text('g', -1), at the float's own precision. */
static bool float_text(strbuf *sb, const mpfr_t x)
{
    bool neg = mpfr_signbit(x) != 0;
    if (mpfr_zero_p(x)) {
        sb_puts(sb, neg ? "-0" : "0");
        return true;
    }
    mpfr_prec_t prec = mpfr_get_prec(x);
    mpz_t m;
    mpz_init(m);
    long e = (long)mpfr_get_z_2exp(m, x);
    mpz_abs(m, m);
    size_t bits = mpz_sizeinbase(m, 2);
    if (bits < (size_t)prec) {                  /* normalise to exactly prec bits */
        mpz_mul_2exp(m, m, (unsigned long)prec - bits);
        e -= (long)prec - (long)bits;
    }
    dec d = {0};
    bool ok = dec_init(&d, m, e) && big_round_shortest(&d, m, e);
    if (ok)
        fmt_shortest(sb, neg, &d, mpfr_integer_p(x) != 0);
    dec_free(&d);
    mpz_clear(m);
    return ok;
}

static val *val_from_float(arena *a, const mpfr_t x)
{
    strbuf sb = STRBUF_INIT;
    val *v = NULL;
    if (float_text(&sb, x))
        v = val_number_text(a, sb.data, sb.len);
    sb_free(&sb);
    return v;
}

/* ---- conversions with doubles ---- */

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

double num_to_double(const val *n)
{
    if (n->flags & VAL_F_INT)
        return (double)val_int_value(n);
    ndec d;
    ndec_parse(&d, num_text(n), n->len);
    if (d.zero)
        return d.neg ? -0.0 : 0.0;
    size_t nd = ndec_len(&d);
    int64_t e10 = d.exp - (int64_t)nd;
    if (nd <= 15 && e10 >= -22 && e10 <= 22) {
        /* Both operands exact: one IEEE operation rounds correctly. */
        double m = 0;
        for (size_t i = 0; i < nd; i++)
            m = m * 10 + (ndec_digit(&d, i) - '0');
        double r = e10 >= 0 ? m * pow10_exact[e10] : m / pow10_exact[-e10];
        return d.neg ? -r : r;
    }
    if (d.exp > 310)
        return d.neg ? -HUGE_VAL : HUGE_VAL;
    if (d.exp < -330)
        return d.neg ? -0.0 : 0.0;
    char *digits = malloc(nd + 1);
    if (!digits)
        return 0;
    for (size_t i = 0; i < nd; i++)
        digits[i] = ndec_digit(&d, i);
    digits[nd] = 0;
    mpq_t q;
    mpz_t p;
    mpq_init(q);
    mpz_init(p);
    mpz_set_str(mpq_numref(q), digits, 10);
    free(digits);
    mpz_ui_pow_ui(p, 10, (unsigned long)(e10 >= 0 ? e10 : -e10));
    if (e10 >= 0)
        mpz_mul(mpq_numref(q), mpq_numref(q), p);
    else
        mpz_set(mpq_denref(q), p);
    mpz_clear(p);
    mpq_canonicalize(q);
    /* Round once into double's format, subnormals included. */
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    mpfr_t x;
    mpfr_init2(x, 53);
    int t = mpfr_set_q(x, q, MPFR_RNDN);
    mpfr_subnormalize(x, t, MPFR_RNDN);
    double r = mpfr_get_d(x, MPFR_RNDN);
    mpfr_clear(x);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpq_clear(q);
    return d.neg ? -r : r;
}

/* Go's strconv.FormatFloat(d, 'g', -1, 64), except that integral values are
 * written in full ('f'), and those within int64 become ints. */
val *num_from_double(arena *a, double d)
{
    if (d != d || d - d != 0)
        return NULL;                            /* NaN, Inf: not numbers in Rego */
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == (double)(int64_t)d)
        return val_int(a, (int64_t)d);
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    bool neg = bits >> 63;
    long biased = (long)((bits >> 52) & 0x7ff);
    uint64_t mant = bits & (((uint64_t)1 << 52) - 1);
    long e;
    if (biased == 0) {
        e = -1074;                               /* subnormal */
    } else {
        mant |= (uint64_t)1 << 52;
        e = biased - 1075;
    }
    mpz_t m;
    mpz_init(m);
    mpz_import(m, 1, 1, sizeof mant, 0, 0, &mant);
    dec dd = {0};
    strbuf sb = STRBUF_INIT;
    val *v = NULL;
    if (dec_init(&dd, m, e) && f64_round_shortest(&dd, mant, e, biased <= 1)) {
        double ip;
        fmt_shortest(&sb, neg, &dd, modf(d, &ip) == 0);
        v = val_number_text(a, sb.data, sb.len);
    }
    dec_free(&dd);
    sb_free(&sb);
    mpz_clear(m);
    return v;
}

/* ---- arithmetic ---- */

/* OPA's smallInt: ParseInt succeeds (an int64, or the text "-0") and the
 * value lies in the int32 window, so products fit int64. */
static bool small_int(const val *v, int64_t *out)
{
    if (v->flags & VAL_F_INT) {
        int64_t i = val_int_value(v);
        *out = i;
        return i >= INT32_MIN && i <= INT32_MAX;
    }
    if (v->len == 2 && num_text(v)[0] == '-' && num_text(v)[1] == '0') {
        *out = 0;
        return true;
    }
    return false;
}

/* OPA's NumberToInt: the 64-bit float of the number, when it is integral.
 * Returns NUM_MOD_FLOAT when not an integer (the caller decides what that
 * means), NUM_OVERFLOW when the integer is absurdly large. */
static num_status to_mpz(const val *v, mpz_t out)
{
    if (v->flags & VAL_F_INT) {
        mpz_set_i64(out, val_int_value(v));
        return NUM_OK;
    }
    mpfr_t f;
    mpfr_init2(f, FLOAT_PREC);
    num_status st = NUM_OK;
    if (!go_float(f, v))
        st = NUM_OVERFLOW;
    else if (!mpfr_integer_p(f))
        st = NUM_MOD_FLOAT;
    else if (!mpfr_zero_p(f) && mpfr_get_exp(f) > BIG_BITS_LIMIT)
        st = NUM_OVERFLOW;
    else
        mpfr_get_z(out, f, MPFR_RNDZ);
    mpfr_clear(f);
    return st;
}

typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_REM } arith_op;

static num_status float_op(arena *a, arith_op op, const val *x, const val *y, val **out)
{
    mpfr_t fx, fy, z;
    mpfr_init2(fx, FLOAT_PREC);
    mpfr_init2(fy, FLOAT_PREC);
    mpfr_init2(z, FLOAT_PREC);
    num_status st = NUM_OK;
    if (!go_float(fx, x) || !go_float(fy, y)) {
        st = NUM_OVERFLOW;
        goto done;
    }
    switch (op) {
    case OP_ADD: mpfr_add(z, fx, fy, MPFR_RNDN); break;
    case OP_SUB: mpfr_sub(z, fx, fy, MPFR_RNDN); break;
    case OP_MUL: mpfr_mul(z, fx, fy, MPFR_RNDN); break;
    case OP_DIV:
        if (mpfr_zero_p(fy)) {
            st = NUM_DIV_ZERO;
            goto done;
        }
        mpfr_div(z, fx, fy, MPFR_RNDN);
        break;
    case OP_REM:
        st = NUM_MOD_FLOAT;
        goto done;
    }
    if (!float_in_go_range(z) ||
        (!mpfr_zero_p(z) && labs((long)mpfr_get_exp(z)) > BIG_BITS_LIMIT)) {
        st = NUM_OVERFLOW;
        goto done;
    }
    *out = val_from_float(a, z);
    if (!*out)
        st = NUM_OVERFLOW;
done:
    mpfr_clear(fx);
    mpfr_clear(fy);
    mpfr_clear(z);
    return st;
}

static num_status arith(arena *a, arith_op op, const val *x, const val *y, val **out)
{
    int64_t i, j, r = 0;
    *out = NULL;
    if (small_int(x, &i) && small_int(y, &j)) {
        switch (op) {
        case OP_ADD: *out = val_int(a, i + j); return NUM_OK;
        case OP_SUB: *out = val_int(a, i - j); return NUM_OK;
        case OP_MUL: *out = val_int(a, i * j); return NUM_OK;
        case OP_DIV:
            if (j == 0)
                return NUM_DIV_ZERO;
            if (i != 0 && i % j == 0) {
                *out = val_int(a, i / j);
                return NUM_OK;
            }
            break;                              /* a float quotient (0/y may be -0) */
        case OP_REM:
            if (j == 0)
                return NUM_MOD_ZERO;
            *out = val_int(a, i % j);
            return NUM_OK;
        }
    }
    if (op == OP_DIV) {
        mpfr_range range = mpfr_wide_range();
        num_status st = float_op(a, op, x, y, out);
        mpfr_restore_range(range);
        return st;
    }

    /* Exact integers.  int64 operands are exact in any case; the machine
     * path is the same result without GMP. */
    if ((x->flags & y->flags & VAL_F_INT)) {
        i = val_int_value(x);
        j = val_int_value(y);
        bool of = false;
        switch (op) {
        case OP_ADD: of = __builtin_add_overflow(i, j, &r); break;
        case OP_SUB: of = __builtin_sub_overflow(i, j, &r); break;
        case OP_MUL: of = __builtin_mul_overflow(i, j, &r); break;
        case OP_REM:
            if (j == 0)
                return NUM_MOD_ZERO;
            r = j == -1 ? 0 : i % j;
            break;
        default: break;
        }
        if (!of) {
            *out = val_int(a, r);
            return NUM_OK;
        }
    }
    mpfr_range range = mpfr_wide_range();
    mpz_t zx, zy, zr;
    mpz_init(zx);
    mpz_init(zy);
    mpz_init(zr);
    num_status sx = to_mpz(x, zx), sy = sx == NUM_OK ? to_mpz(y, zy) : NUM_OK;
    num_status st = NUM_OK;
    if (sx == NUM_OVERFLOW || sy == NUM_OVERFLOW) {
        st = NUM_OVERFLOW;
    } else if (sx == NUM_OK && sy == NUM_OK) {
        switch (op) {
        case OP_ADD: mpz_add(zr, zx, zy); break;
        case OP_SUB: mpz_sub(zr, zx, zy); break;
        case OP_MUL: mpz_mul(zr, zx, zy); break;
        case OP_REM:
            if (mpz_sgn(zy) == 0)
                st = NUM_MOD_ZERO;
            else
                mpz_tdiv_r(zr, zx, zy);
            break;
        default: break;
        }
        if (st == NUM_OK) {
            *out = val_from_mpz(a, zr);
            if (!*out)
                st = NUM_OVERFLOW;
        }
    } else {
        st = op == OP_REM ? NUM_MOD_FLOAT : float_op(a, op, x, y, out);
    }
    mpz_clear(zx);
    mpz_clear(zy);
    mpz_clear(zr);
    mpfr_restore_range(range);
    return st;
}

num_status num_add(arena *a, const val *x, const val *y, val **out) { return arith(a, OP_ADD, x, y, out); }
num_status num_sub(arena *a, const val *x, const val *y, val **out) { return arith(a, OP_SUB, x, y, out); }
num_status num_mul(arena *a, const val *x, const val *y, val **out) { return arith(a, OP_MUL, x, y, out); }
num_status num_div(arena *a, const val *x, const val *y, val **out) { return arith(a, OP_DIV, x, y, out); }
num_status num_rem(arena *a, const val *x, const val *y, val **out) { return arith(a, OP_REM, x, y, out); }

/* Negation is exact: flip the sign of the text. */
val *num_neg(arena *a, const val *x)
{
    if (x->flags & VAL_F_INT) {
        int64_t i = val_int_value(x);
        if (i != INT64_MIN)
            return val_int(a, -i);
        return val_number_text(a, "9223372036854775808", 19);
    }
    const char *s = num_text(x);
    if (s[0] == '-')
        return val_number_text(a, s + 1, x->len - 1);
    char *t = arena_alloc(a, (size_t)x->len + 2);
    t[0] = '-';
    memcpy(t + 1, s, (size_t)x->len + 1);
    return val_number_text(a, t, (size_t)x->len + 1);
}

typedef enum { UN_ABS, UN_ROUND, UN_CEIL, UN_FLOOR } unary_op;

/* OPA's arithUnary: int32-window operands stay ints (abs by max(x, -x));
 * others go through the 64-bit float.  round/ceil/floor then produce an
 * exact integer, copying OPA's quirks for (-1, 0): ceil gives 1, floor 0. */
static val *unary(arena *a, unary_op op, const val *x)
{
    int64_t i;
    if (small_int(x, &i))
        return val_int(a, op == UN_ABS && i < 0 ? -i : i);
    if (x->flags & VAL_F_INT) {
        /* An int64 survives the 64-bit float exactly, so the float path
         * would give the exact answer too. */
        if (op == UN_ABS && val_int_value(x) < 0)
            return num_neg(a, x);
        return (val *)x;
    }
    mpfr_range range = mpfr_wide_range();
    mpfr_t f, t;
    mpfr_init2(f, FLOAT_PREC);
    mpfr_init2(t, FLOAT_PREC);
    val *r = NULL;
    mpz_t z;
    mpz_init(z);
    bool ok = go_float(f, x);
    long ex = ok && !mpfr_zero_p(f) ? (long)mpfr_get_exp(f) : 0;
    if (!ok || ex > BIG_BITS_LIMIT || (op == UN_ABS && ex < -BIG_BITS_LIMIT)) {
        /* Beyond what is sensible to expand: the value is integral when huge
         * (so it is its own result), and rounds to 0 or 1 when tiny. */
        ndec d;
        ndec_parse(&d, num_text(x), x->len);
        if (op == UN_ABS)
            r = d.neg ? num_neg(a, x) : (val *)x;
        else if (d.exp > 0)
            r = (val *)x;
        else
            r = val_int(a, op == UN_CEIL && !d.zero ? 1 : 0);
        goto done;
    }
    if (op == UN_ABS) {
        mpfr_abs(f, f, MPFR_RNDN);
        r = val_from_float(a, f);
        goto done;
    }
    if (op == UN_ROUND) {
        if (mpfr_signbit(f))
            mpfr_sub_d(t, f, 0.5, MPFR_RNDN);
        else
            mpfr_add_d(t, f, 0.5, MPFR_RNDN);
        mpfr_get_z(z, t, MPFR_RNDZ);
    } else {
        mpfr_get_z(z, f, MPFR_RNDZ);
        bool integral = mpfr_cmp_z(f, z) == 0;
        if (op == UN_CEIL && mpz_sgn(z) >= 0 && !integral)
            mpz_add_ui(z, z, 1);
        if (op == UN_FLOOR && mpz_sgn(z) < 0 && !integral)
            mpz_sub_ui(z, z, 1);
    }
    r = val_from_mpz(a, z);
done:
    mpz_clear(z);
    mpfr_clear(f);
    mpfr_clear(t);
    mpfr_restore_range(range);
    return r;
}

val *num_abs(arena *a, const val *x) { return unary(a, UN_ABS, x); }
val *num_round(arena *a, const val *x) { return unary(a, UN_ROUND, x); }
val *num_ceil(arena *a, const val *x) { return unary(a, UN_CEIL, x); }
val *num_floor(arena *a, const val *x) { return unary(a, UN_FLOOR, x); }

void num_write(strbuf *sb, const val *n)
{
    if (n->flags & VAL_F_INT) {
        char buf[24];
        int64_t i = val_int_value(n);
        char *p = u64_digits(i64_magnitude(i), buf + sizeof buf);
        if (i < 0)
            *--p = '-';
        sb_append(sb, p, (size_t)(buf + sizeof buf - p));
    } else {
        sb_append(sb, num_text(n), n->len);
    }
}
