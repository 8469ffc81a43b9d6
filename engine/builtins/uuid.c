/* uuid.c — builtin group "uuid": uuid.rfc4122, uuid.parse.
 *
 * uuid.rfc4122(k) is a random version 4 UUID from the system's CSPRNG; it is
 * non-deterministic, and within one evaluation the same k gives the same
 * UUID (bi_ndcache), as in OPA.  uuid.parse follows OPA's internal/uuid over
 * github.com/google/uuid: the four textual forms that package accepts, and
 * for versions 1 and 2 the time, clock sequence and node fields decoded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "../builtins.h"
#include "../value.h"
#include "../hexdigit.h"

/* n bytes from the kernel's CSPRNG. */
static bool random_bytes(unsigned char *p, size_t n)
{
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

/* ---- uuid.rfc4122 ---- */

static bi_status bi_uuid_rfc4122(bi_ctx *c, val *const *args, val **out)
{
    val *cached = bi_ndcache_get(c, args);
    if (cached) {
        *out = cached;
        return BI_OK;
    }
    unsigned char b[16];
    if (!random_bytes(b, sizeof b))
        return bi_error(c, "unexpected EOF");
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* variant RFC 4122 */
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    char s[37];
    snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    *out = val_string(c->a, s, 36);
    bi_ndcache_put(c, args, *out);
    return BI_OK;
}

/* ---- uuid.parse ---- */

static bool hex_byte(const char *s, unsigned char *out)
{
    int hi = hex_digit(s[0]), lo = hex_digit(s[1]);
    if (hi < 0 || lo < 0)
        return false;
    *out = (unsigned char)(hi << 4 | lo);
    return true;
}

/* uuid.Parse: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, with "urn:uuid:"
 * (any case) or braces around it, or 32 hex digits. */
static bool uuid_parse(const char *s, size_t n, unsigned char u[16])
{
    switch (n) {
    case 36:
        break;
    case 45:
        if (strncasecmp(s, "urn:uuid:", 9) != 0)
            return false;
        s += 9;
        break;
    case 38:
        if (s[0] != '{' || s[37] != '}')
            return false;
        s++;
        break;
    case 32:
        for (int i = 0; i < 16; i++)
            if (!hex_byte(s + 2 * i, &u[i]))
                return false;
        return true;
    default:
        return false;
    }
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return false;
    static const int pos[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    for (int i = 0; i < 16; i++)
        if (!hex_byte(s + pos[i], &u[i]))
            return false;
    return true;
}

static const char *variant_name(unsigned char b8)
{
    if ((b8 & 0xc0) == 0x80)
        return "RFC4122";
    if ((b8 & 0xe0) == 0xe0)
        return "Future";
    if ((b8 & 0xe0) == 0xc0)
        return "Microsoft";
    return "Reserved";
}

static const char *mac_vars(unsigned char b)
{
    if ((b & 3) == 3)
        return "local:multicast";
    if (b & 1)
        return "global:multicast";
    if (b & 2)
        return "local:unicast";
    return "global:unicast";
}

static bi_status bi_uuid_parse(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    unsigned char u[16];
    if (!uuid_parse(val_str(args[0]), val_len(args[0]), u))
        return BI_UNDEF;
    int version = u[6] >> 4;
    val_objb b;
    val_objb_init(&b, c->a);
    val_objb_set(&b, val_cstring(c->a, "version"), val_int(c->a, version));
    val_objb_set(&b, val_cstring(c->a, "variant"), val_cstring(c->a, variant_name(u[8])));
    if (version == 1 || version == 2) {
        /* 100 ns intervals since 1582-10-15, in Go's int64 arithmetic */
        int64_t t = (int64_t)((uint64_t)u[0] << 24 | (uint64_t)u[1] << 16 | (uint64_t)u[2] << 8 | u[3]);
        t |= (int64_t)((uint64_t)u[4] << 8 | u[5]) << 32;
        t |= (int64_t)(((uint64_t)u[6] << 8 | u[7]) & 0xfff) << 48;
        int64_t since = t - 122192928000000000LL;
        int64_t ns = (int64_t)((uint64_t)(since / 10000000) * 1000000000ULL + (uint64_t)((since % 10000000) * 100));
        char node[18];
        snprintf(node, sizeof node, "%02x-%02x-%02x-%02x-%02x-%02x", u[10], u[11], u[12], u[13], u[14], u[15]);
        val_objb_set(&b, val_cstring(c->a, "time"), val_int(c->a, ns));
        val_objb_set(&b, val_cstring(c->a, "nodeid"), val_cstring(c->a, node));
        val_objb_set(&b, val_cstring(c->a, "macvariables"), val_cstring(c->a, mac_vars(u[10])));
        val_objb_set(&b, val_cstring(c->a, "clocksequence"), val_int(c->a, ((u[8] << 8) | u[9]) & 0x3fff));
        if (version == 2) {
            uint32_t id = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
            val_objb_set(&b, val_cstring(c->a, "id"), val_int(c->a, id));
            const char *dom;
            char dbuf[24];
            switch (u[9]) {
            case 0: dom = "Person"; break;
            case 1: dom = "Group"; break;
            case 2: dom = "Org"; break;
            default:
                snprintf(dbuf, sizeof dbuf, "Domain%d", u[9]);
                dom = dbuf;
            }
            val_objb_set(&b, val_cstring(c->a, "domain"), val_cstring(c->a, dom));
        }
    }
    *out = val_objb_finish(&b);
    return BI_OK;
}

const builtin_def bi_group_uuid[] = {
    {"uuid.parse", 1, bi_uuid_parse, 0, NULL},
    {"uuid.rfc4122", 1, bi_uuid_rfc4122, BI_F_NONDET, NULL},
    {0},
};
