/* number.h — numbers with OPA's exactness.
 *
 * A number value (value.h) is either an int64 (VAL_F_INT) or the text OPA
 * would keep for it (json.Number): "1.0", "1e400", "-0", big integers.
 * Comparison is exact on the decimal value.  Arithmetic follows OPA's
 * topdown/arithmetic.go: integers (of any size, GMP) are exact; anything with
 * a fraction is computed as a binary float with a 64-bit mantissa rounded to
 * nearest-even (Go's big.Float default, here MPFR), and printed as Go's
 * big.Float Text('g', -1) prints it ('f' when the result is integral). */
#ifndef VERDICT_NUMBER_H
#define VERDICT_NUMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "value.h"

typedef enum num_status {
    NUM_OK = 0,
    NUM_DIV_ZERO,        /* "divide by zero" */
    NUM_MOD_ZERO,        /* "modulo by zero" */
    NUM_MOD_FLOAT,       /* "modulo on floating-point number" */
    NUM_OVERFLOW,        /* result too large to represent */
} num_status;

const char *num_status_message(num_status s);

int num_compare(const val *a, const val *b);     /* both numbers */
uint64_t num_hash(const val *n);                 /* used by value.c */

/* Exact conversions. */
bool num_is_integer(const val *n);               /* integral value (1.0 and 1e3 are) */
bool num_to_int64(const val *n, int64_t *out);   /* integral and fits */
double num_to_double(const val *n);              /* nearest double (inf when huge) */
val *num_from_double(arena *a, double d);        /* shortest round-trip text, as Go's strconv 'g' -1;
                                                    integral values print without exponent/fraction */
val *num_from_int64(arena *a, int64_t i);

num_status num_add(arena *a, const val *x, const val *y, val **out);
num_status num_sub(arena *a, const val *x, const val *y, val **out);
num_status num_mul(arena *a, const val *x, const val *y, val **out);
num_status num_div(arena *a, const val *x, const val *y, val **out);
num_status num_rem(arena *a, const val *x, const val *y, val **out);
val *num_neg(arena *a, const val *x);
val *num_abs(arena *a, const val *x);
val *num_round(arena *a, const val *x);          /* half away from zero */
val *num_ceil(arena *a, const val *x);
val *num_floor(arena *a, const val *x);

/* Write the number as OPA prints it in JSON (its text, or the int). */
struct strbuf;
void num_write(struct strbuf *sb, const val *n);

#endif
