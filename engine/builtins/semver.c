/* semver.c — builtin group "semver": semver.is_valid, semver.compare.
 *
 * Behaviour follows OPA's internal/semver and its conformance cases, which
 * hold to SemVer 2.0.0: an optional leading "v", then MAJOR.MINOR.PATCH
 * (decimal, no leading zeros, within int64), then "-prerelease" and
 * "+build" sections that are not empty and whose dot-separated identifiers
 * match [0-9A-Za-z-]+ (numeric pre-release identifiers without leading
 * zeros).  Precedence is SemVer 2.0.0's: numeric fields, then a version
 * without a pre-release above one with it, then pre-release identifiers left
 * to right (numeric below alphanumeric, numbers by value, strings bytewise,
 * more fields above fewer).  Build metadata does not count.
 *
 * OPA compares numeric identifiers as Go ints, which saturate past int64
 * (and then loop forever on equal values); here they compare by value at
 * any length. */
#include <stdint.h>
#include <string.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"

typedef struct semver {
    int64_t major, minor, patch;
    const char *pre;        /* pre-release, without the '-' (may be empty) */
    size_t pren;
} semver;

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; with `numeric`,
 * identifiers made only of digits may not have leading zeros (pre-release
 * rules). */
static bool valid_idents(const char *s, size_t n, bool numeric)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            size_t len = i - start;
            if (len == 0)
                return false;
            if (numeric && len > 1 && s[start] == '0' && all_digits(s + start, len))
                return false;
            start = i + 1;
            continue;
        }
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
            return false;
    }
    return true;
}

/* A numeric version field: 0 or digits without a leading zero, within
 * int64. */
static bool parse_field(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || !all_digits(s, n) || (n > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = (int64_t)v;
    return true;
}

static bool semver_parse(const char *s, size_t n, semver *v)
{
    if (n > 0 && s[0] == 'v') {
        s++;
        n--;
    }
    const char *plus = memchr(s, '+', n);
    if (plus) {
        size_t mn = n - (size_t)(plus - s) - 1;
        n = (size_t)(plus - s);
        if (!valid_idents(plus + 1, mn, false))
            return false;
    }
    const char *dash = memchr(s, '-', n);
    v->pre = "";
    v->pren = 0;
    if (dash) {
        v->pre = dash + 1;
        v->pren = n - (size_t)(dash - s) - 1;
        n = (size_t)(dash - s);
        if (!valid_idents(v->pre, v->pren, true))
            return false;
    }
    const char *d1 = memchr(s, '.', n);
    if (!d1)
        return false;
    const char *d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s));
    if (!d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - s)))
        return false;
    return parse_field(s, (size_t)(d1 - s), &v->major) && parse_field(d1 + 1, (size_t)(d2 - d1 - 1), &v->minor) &&
           parse_field(d2 + 1, n - (size_t)(d2 + 1 - s), &v->patch);
}

/* Numeric identifiers (digits, no leading zeros) by value, however long. */
static int cmp_numeric(const char *a, size_t na, const char *b, size_t nb)
{
    if (na != nb)
        return na < nb ? -1 : 1;
    int c = memcmp(a, b, na);
    return c < 0 ? -1 : c > 0;
}

static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

static int semver_compare(const semver *a, const semver *b)
{
    int c = cmp_i64(a->major, b->major);
    if (!c)
        c = cmp_i64(a->minor, b->minor);
    if (!c)
        c = cmp_i64(a->patch, b->patch);
    if (c)
        return c;
    if (a->pren == b->pren && memcmp(a->pre, b->pre, a->pren) == 0)
        return 0;
    if (a->pren == 0)
        return 1;
    if (b->pren == 0)
        return -1;
    const char *pa = a->pre, *ea = a->pre + a->pren;
    const char *pb = b->pre, *eb = b->pre + b->pren;
    for (;;) {
        bool enda = pa >= ea, endb = pb >= eb;
        if (enda && endb)
            return 0;
        if (enda)
            return -1;
        if (endb)
            return 1;
        const char *qa = memchr(pa, '.', (size_t)(ea - pa));
        const char *qb = memchr(pb, '.', (size_t)(eb - pb));
        size_t na = qa ? (size_t)(qa - pa) : (size_t)(ea - pa);
        size_t nb = qb ? (size_t)(qb - pb) : (size_t)(eb - pb);
        bool ia = all_digits(pa, na), ib = all_digits(pb, nb);
        if (ia && !ib)
            return -1;
        if (!ia && ib)
            return 1;
        if (ia) {
            c = cmp_numeric(pa, na, pb, nb);
        } else {
            size_t m = na < nb ? na : nb;
            c = memcmp(pa, pb, m);
            c = c < 0 ? -1 : c > 0 ? 1 : (na < nb ? -1 : na > nb);
        }
        if (c)
            return c;
        /* more identifiers rank higher when all before are equal */
        bool more_a = qa && qa + 1 <= ea, more_b = qb && qb + 1 <= eb;
        if (more_a && !more_b)
            return 1;
        if (!more_a && more_b)
            return -1;
        pa = qa ? qa + 1 : ea;
        pb = qb ? qb + 1 : eb;
    }
}

static bi_status bi_semver_is_valid(bi_ctx *c, val *const *args, val **out)
{
    semver v;
    bool ok = val_kind_of(args[0]) == VAL_STRING && semver_parse(val_str(args[0]), val_len(args[0]), &v);
    *out = val_bool(ok);
    return BI_OK;
}

static bi_status bi_semver_compare(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    if (val_kind_of(args[1]) != VAL_STRING)
        return bi_operand_type(c, 2, args[1], "string");
    semver a, b;
    for (int i = 0; i < 2; i++) {
        if (!semver_parse(val_str(args[i]), val_len(args[i]), i ? &b : &a)) {
            /* the string as Go's %s prints an ast.String: quoted */
            strbuf q = STRBUF_INIT;
            txt_go_quote(&q, val_str(args[i]), val_len(args[i]), false);
            bi_error(c, "operand %d: string %s is not a valid SemVer", i + 1, q.data);
            sb_free(&q);
            return BI_ERR;
        }
    }
    *out = val_int(c->a, semver_compare(&a, &b));
    return BI_OK;
}

const builtin_def bi_group_semver[] = {
    {"semver.compare", 2, bi_semver_compare, 0, NULL},
    {"semver.is_valid", 1, bi_semver_is_valid, 0, NULL},
    {0},
};
