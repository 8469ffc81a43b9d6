/* bits.c — bitwise operations on integers of any size: bits.or, bits.and,
 * bits.xor, bits.negate, bits.lsh, bits.rsh.
 *
 * Operands are integral numbers (1.0 and 1e3 count, as OPA's BigIntOperand
 * accepts them).  Results are exact, as Go's big.Int computes them: negative
 * numbers behave as infinite two's complement, rsh rounds toward -infinity.
 * Values that fit int64 take a plain C path; the rest go through GMP.
 *
 * GMP allocates with malloc, while arena allocation may longjmp out when the
 * evaluation runs out of memory.  So everything taken from the arena is
 * taken before the first mpz_init, with sizes bounded in advance, and the
 * result value is made after the last mpz_clear. */
#include <gmp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../builtins.h"
#include "../number.h"

/* Refuse integers longer than this many decimal digits, and left shifts that
 * would make results longer than this many bits: they cannot be useful and
 * would only exhaust memory. */
#define BITS_MAX_DIGITS 1000000
#define BITS_MAX_SHIFT (1u << 22)

typedef struct bint {
    bool small;         /* value in i */
    int64_t i;
    char *dec;          /* otherwise: decimal digits with optional '-', NUL-terminated */
    size_t bits;        /* upper bound of the magnitude's bit length */
} bint;

static bi_status float_operand(bi_ctx *c, int pos)
{
    return bi_type_error(c, "operand %d must be integer number but got floating-point number", pos);
}

/* Read an integral number operand into *r. */
static bi_status int_operand(bi_ctx *c, const val *v, int pos, bint *r)
{
    if (val_kind_of(v) != VAL_NUMBER)
        return bi_operand_type(c, pos, v, "integer");
    r->small = true;
    r->dec = NULL;
    r->bits = 64;
    if (val_is_int(v)) {
        r->i = val_int_value(v);
        return BI_OK;
    }
    if (!num_is_integer(v))
        return float_operand(c, pos);
    if (num_to_int64(v, &r->i))
        return BI_OK;

    /* A big integer spelled -?D+(.D+)?([eE][+-]?D+)?: collect the significant
     * digits, then append the zeros the exponent asks for. */
    const char *s = ((const vnum *)v)->text, *p = s;
    bool neg = *p == '-';
    if (neg)
        p++;
    size_t cap = strlen(p) + 1;
    char *mant = arena_alloc(c->a, cap);
    size_t m = 0;
    long frac = 0;
    bool in_frac = false;
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            in_frac = true;
            continue;
        }
        if (in_frac)
            frac++;
        if (m == 0 && *p == '0')
            continue; /* leading zero */
        mant[m++] = *p;
    }
    long exp = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = *p == '-';
        if (*p == '-' || *p == '+')
            p++;
        for (; *p >= '0' && *p <= '9'; p++)
            if (exp < 100000000)
                exp = exp * 10 + (*p - '0');
        if (eneg)
            exp = -exp;
    }
    exp -= frac;
    while (m > 0 && mant[m - 1] == '0') {
        m--;
        exp++;
    }
    if (m == 0) { /* zero: num_to_int64 would have taken it, but be safe */
        r->i = 0;
        return BI_OK;
    }
    if (exp < 0)
        return float_operand(c, pos);
    if ((long)m + exp > BITS_MAX_DIGITS)
        return bi_error(c, "operand %d is too large", pos);
    size_t nd = m + (size_t)exp;
    char *dec = arena_alloc(c->a, nd + 2), *d = dec;
    if (neg)
        *d++ = '-';
    memcpy(d, mant, m);
    memset(d + m, '0', (size_t)exp);
    d[nd] = 0;
    r->small = false;
    r->dec = dec;
    r->bits = nd * 3322 / 1000 + 2; /* log2(10) < 3.322 */
    return BI_OK;
}

static void bint_to_mpz(mpz_t z, const bint *b)
{
    if (!b->small) {
        mpz_init_set_str(z, b->dec, 10);
    } else if (b->i >= LONG_MIN && b->i <= LONG_MAX) {
        mpz_init_set_si(z, (long)b->i);
    } else { /* where long is 32 bits */
        char tmp[24];
        snprintf(tmp, sizeof tmp, "%" PRId64, b->i);
        mpz_init_set_str(z, tmp, 10);
    }
}

/* Space for the decimal text of an integer below 2^bits, sign and NUL. */
static size_t dec_space(size_t bits) { return bits * 30103 / 100000 + 4; }

/* The result value from z's decimal text written into buf; clears z. */
static val *mpz_result(arena *a, mpz_t z, char *buf)
{
    val *r;
    if (mpz_fits_slong_p(z)) {
        long i = mpz_get_si(z);
        mpz_clear(z);
        r = val_int(a, i);
    } else {
        mpz_get_str(buf, 10, z);
        mpz_clear(z);
        r = val_number_text(a, buf, strlen(buf));
    }
    return r;
}

typedef enum { OP_OR, OP_AND, OP_XOR } bitop;

static bi_status bits2(bi_ctx *c, val *const *args, val **out, bitop op)
{
    bint x, y;
    if (int_operand(c, args[0], 1, &x) != BI_OK || int_operand(c, args[1], 2, &y) != BI_OK)
        return BI_ERR;
    if (x.small && y.small) {
        int64_t r = op == OP_OR ? (x.i | y.i) : op == OP_AND ? (x.i & y.i) : (x.i ^ y.i);
        *out = val_int(c->a, r);
        return BI_OK;
    }
    char *buf = arena_alloc(c->a, dec_space((x.bits > y.bits ? x.bits : y.bits) + 1));
    mpz_t a, b;
    bint_to_mpz(a, &x);
    bint_to_mpz(b, &y);
    if (op == OP_OR)
        mpz_ior(a, a, b);
    else if (op == OP_AND)
        mpz_and(a, a, b);
    else
        mpz_xor(a, a, b);
    mpz_clear(b);
    *out = mpz_result(c->a, a, buf);
    return BI_OK;
}

static bi_status bi_bits_or(bi_ctx *c, val *const *args, val **out) { return bits2(c, args, out, OP_OR); }
static bi_status bi_bits_and(bi_ctx *c, val *const *args, val **out) { return bits2(c, args, out, OP_AND); }
static bi_status bi_bits_xor(bi_ctx *c, val *const *args, val **out) { return bits2(c, args, out, OP_XOR); }

static bi_status bi_bits_negate(bi_ctx *c, val *const *args, val **out)
{
    bint x;
    if (int_operand(c, args[0], 1, &x) != BI_OK)
        return BI_ERR;
    if (x.small) {
        *out = val_int(c->a, ~x.i); /* never overflows: ~x == -x - 1 */
        return BI_OK;
    }
    char *buf = arena_alloc(c->a, dec_space(x.bits + 1));
    mpz_t a;
    bint_to_mpz(a, &x);
    mpz_com(a, a);
    *out = mpz_result(c->a, a, buf);
    return BI_OK;
}

/* The shift count: a non-negative integer.  *huge when it does not fit 32
 * bits (only possible for big operands). */
static bi_status shift_operand(bi_ctx *c, const val *v, uint64_t *count, bool *huge)
{
    bint s;
    if (int_operand(c, v, 2, &s) != BI_OK)
        return BI_ERR;
    bool neg = s.small ? s.i < 0 : s.dec[0] == '-';
    if (neg)
        return bi_type_error(c, "operand 2 must be an unsigned integer number but got a negative integer");
    *huge = !s.small || s.i > (int64_t)UINT32_MAX;
    *count = *huge ? UINT64_MAX : (uint64_t)s.i;
    return BI_OK;
}

static bi_status bi_bits_lsh(bi_ctx *c, val *const *args, val **out)
{
    bint x;
    uint64_t sh;
    bool huge;
    if (int_operand(c, args[0], 1, &x) != BI_OK || shift_operand(c, args[1], &sh, &huge) != BI_OK)
        return BI_ERR;
    if (x.small && x.i == 0) {
        *out = val_int(c->a, 0);
        return BI_OK;
    }
    if (x.small && sh < 63) {
        int64_t lim = INT64_MAX >> sh; /* |x| * 2^sh must stay in int64 */
        if (x.i <= lim && x.i >= -lim - 1) {
            *out = val_int(c->a, x.i * ((int64_t)1 << sh));
            return BI_OK;
        }
    }
    if (huge || sh > BITS_MAX_SHIFT)
        return bi_error(c, "shift count too large");
    char *buf = arena_alloc(c->a, dec_space(x.bits + sh + 1));
    mpz_t a;
    bint_to_mpz(a, &x);
    mpz_mul_2exp(a, a, (mp_bitcnt_t)sh);
    *out = mpz_result(c->a, a, buf);
    return BI_OK;
}

static bi_status bi_bits_rsh(bi_ctx *c, val *const *args, val **out)
{
    bint x;
    uint64_t sh;
    bool huge;
    if (int_operand(c, args[0], 1, &x) != BI_OK || shift_operand(c, args[1], &sh, &huge) != BI_OK)
        return BI_ERR;
    if (x.small) {
        /* floor(x / 2^sh), written so that no negative value is shifted */
        int64_t r;
        if (sh >= 63)
            r = x.i < 0 ? -1 : 0;
        else
            r = x.i >= 0 ? x.i >> sh : ~(~x.i >> sh);
        *out = val_int(c->a, r);
        return BI_OK;
    }
    if (huge || sh >= x.bits) {
        *out = val_int(c->a, x.dec[0] == '-' ? -1 : 0);
        return BI_OK;
    }
    char *buf = arena_alloc(c->a, dec_space(x.bits));
    mpz_t a;
    bint_to_mpz(a, &x);
    mpz_fdiv_q_2exp(a, a, (mp_bitcnt_t)sh);
    *out = mpz_result(c->a, a, buf);
    return BI_OK;
}

const builtin_def bi_group_bits[] = {
    {"bits.or", 2, bi_bits_or, 0, NULL},
    {"bits.and", 2, bi_bits_and, 0, NULL},
    {"bits.negate", 1, bi_bits_negate, 0, NULL},
    {"bits.xor", 2, bi_bits_xor, 0, NULL},
    {"bits.lsh", 2, bi_bits_lsh, 0, NULL},
    {"bits.rsh", 2, bi_bits_rsh, 0, NULL},
    {0},
};
