/* rand.c — builtin group "rand": rand.intn.
 *
 * rand.intn(str, n) is a uniformly random integer in [0, |n|), drawn from
 * the kernel's CSPRNG.  As in OPA, it is non-deterministic but stable within
 * one evaluation: the same str and |n| give the same number (bi_ndcache,
 * keyed on the normalised arguments), and n == 0 gives 0. */
#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "../builtins.h"
#include "../value.h"
#include "strings_util.h"

static bool random_u64(uint64_t *out)
{
    unsigned char *p = (unsigned char *)out;
    size_t n = sizeof *out;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* Uniform in [0, n), n > 0, by rejection of the biased tail. */
static bool random_below(uint64_t n, uint64_t *out)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t x;
        if (!random_u64(&x))
            return false;
        if (x < limit) {
            *out = x % n;
            return true;
        }
    }
}

static bi_status bi_rand_intn(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    int64_t n;
    if (txt_int_operand(c, args[1], 2, &n))
        return BI_ERR;
    if (n == 0) {
        *out = val_int(c->a, 0);
        return BI_OK;
    }
    uint64_t bound = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    val *key[2] = {args[0], bound <= (uint64_t)INT64_MAX ? val_int(c->a, (int64_t)bound) : args[1]};
    val *cached = bi_ndcache_get(c, key);
    if (cached) {
        *out = cached;
        return BI_OK;
    }
    uint64_t r;
    if (!random_below(bound, &r))
        return bi_error(c, "unexpected EOF");
    *out = val_int(c->a, (int64_t)r);
    bi_ndcache_put(c, key, *out);
    return BI_OK;
}

const builtin_def bi_group_rand[] = {
    {"rand.intn", 2, bi_rand_intn, BI_F_NONDET, NULL},
    {0},
};
