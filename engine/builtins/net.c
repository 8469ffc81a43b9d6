/* net.c — builtin group "net": net.cidr_contains, net.cidr_contains_matches,
 * net.cidr_expand, net.cidr_intersects, net.cidr_is_valid, net.cidr_merge,
 * net.cidr_overlap (deprecated alias of cidr_contains) and
 * net.lookup_ip_addr.
 *
 * Behaviour follows OPA's topdown/cidr.go and net.go, which lean on Go's
 * net package: addresses parse as netip.ParseAddr does (no leading zeros in
 * IPv4 fields, no zones in CIDRs), an IPv4 network keeps 4-byte address and
 * mask while IPv4-mapped IPv6 addresses compare as IPv4, and addresses
 * print as Go prints them (RFC 5952 for IPv6).  cidr_merge is OPA's port of
 * Cilium's range merging, with addresses as 128-bit integers (IPv4 as
 * ::ffff:a.b.c.d).
 *
 * Where OPA's Go code misbehaves we do the sensible thing instead: merging
 * IPv6 ranges whose first byte is zero (OPA panics on the short address
 * big.Int.Bytes gives) and IPv4-mapped IPv6 networks (OPA builds 28-byte
 * addresses) treat the addresses as the 128-bit values they are; and
 * cidr_expand refuses networks of more than 2^20 addresses, which OPA
 * would enumerate until its evaluation is cancelled. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"
#include "../hexdigit.h"

/* A Go net.IP or net.IPMask: 4 or 16 bytes (len 0 is nil). */
typedef struct gip {
    unsigned char b[16];
    int len;
} gip;

static const unsigned char v4_in_v6[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Networks wider than this many host bits are not expanded. */
#define EXPAND_MAX_HOST_BITS 20

/* ---- parsing, as netip.ParseAddr ---- */

static bool parse_ipv4_fields(const char *s, size_t n, unsigned char out[4])
{
    int val = 0, pos = 0, diglen = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (diglen == 1 && val == 0)
                return false;   /* leading zero */
            val = val * 10 + (c - '0');
            diglen++;
            if (val > 255)
                return false;
        } else if (c == '.') {
            if (i == 0 || i == n - 1 || s[i - 1] == '.')
                return false;
            if (pos == 3)
                return false;
            out[pos++] = (unsigned char)val;
            val = 0;
            diglen = 0;
        } else {
            return false;
        }
    }
    if (pos < 3)
        return false;
    out[3] = (unsigned char)val;
    return true;
}

/* IPv6 text (a zone after '%' is reported through *zoned). */
static bool parse_ipv6(const char *in, size_t inn, unsigned char ip[16], bool *zoned)
{
    const char *s = in;
    size_t n = inn;
    const char *pct = memchr(in, '%', inn);
    *zoned = false;
    if (pct) {
        if (pct + 1 == in + inn)
            return false;
        *zoned = true;
        n = (size_t)(pct - in);
    }
    memset(ip, 0, 16);
    int ellipsis = -1;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        ellipsis = 0;
        s += 2;
        n -= 2;
        if (n == 0)
            return true;
    }
    int i = 0;
    while (i < 16) {
        size_t off = 0;
        unsigned acc = 0;
        for (; off < n; off++) {
            int d = hex_digit(s[off]);
            if (d < 0)
                break;
            acc = (acc << 4) + (unsigned)d;
            if (off > 3)
                return false;
            if (acc > 0xffff)
                return false;
        }
        if (off == 0)
            return false;
        if (off < n && s[off] == '.') {
            if (ellipsis < 0 && i != 12)
                return false;
            if (i + 4 > 16)
                return false;
            if (!parse_ipv4_fields(s, n, ip + i))
                return false;
            n = 0;
            i += 4;
            break;
        }
        ip[i] = (unsigned char)(acc >> 8);
        ip[i + 1] = (unsigned char)acc;
        i += 2;
        s += off;
        n -= off;
        if (n == 0)
            break;
        if (s[0] != ':' || n == 1)
            return false;
        s++;
        n--;
        if (s[0] == ':') {
            if (ellipsis >= 0)
                return false;
            ellipsis = i;
            s++;
            n--;
            if (n == 0)
                break;
        }
    }
    if (n != 0)
        return false;
    if (i < 16) {
        if (ellipsis < 0)
            return false;
        int k = 16 - i;
        for (int j = i - 1; j >= ellipsis; j--)
            ip[j + k] = ip[j];
        memset(ip + ellipsis, 0, (size_t)k);
    } else if (ellipsis >= 0) {
        return false;
    }
    return true;
}

/* netip.ParseAddr without zones: the 16-byte form, and whether it is IPv4
 * (not IPv4-mapped IPv6). */
static bool parse_addr(const char *s, size_t n, unsigned char ip16[16], bool *is4)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            unsigned char f[4];
            if (!parse_ipv4_fields(s, n, f))
                return false;
            memcpy(ip16, v4_in_v6, 12);
            memcpy(ip16 + 12, f, 4);
            *is4 = true;
            return true;
        }
        if (s[i] == ':') {
            bool zoned;
            if (!parse_ipv6(s, n, ip16, &zoned) || zoned)
                return false;
            *is4 = false;
            return true;
        }
        if (s[i] == '%')
            return false;
    }
    return false;
}

/* net.ParseIP: 16 bytes, or false. */
static bool parse_ip(const char *s, size_t n, gip *ip)
{
    bool is4;
    if (!parse_addr(s, n, ip->b, &is4))
        return false;
    ip->len = 16;
    return true;
}

static gip cidr_mask(int ones, int bits)
{
    gip m;
    memset(&m, 0, sizeof m);
    m.len = bits / 8;
    for (int i = 0; i < m.len; i++) {
        int k = ones - i * 8;
        m.b[i] = (unsigned char)(k >= 8 ? 0xff : k <= 0 ? 0 : (0xff << (8 - k)) & 0xff);
    }
    return m;
}

static bool all_ff(const unsigned char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] != 0xff)
            return false;
    return true;
}

/* IP.Mask */
static gip ip_mask(gip ip, gip mask)
{
    gip out;
    memset(&out, 0, sizeof out);
    const unsigned char *mp = mask.b;
    int ml = mask.len;
    if (ml == 16 && ip.len == 4 && all_ff(mask.b, 12)) {
        mp += 12;
        ml = 4;
    }
    const unsigned char *ipp = ip.b;
    int il = ip.len;
    if (ml == 4 && il == 16 && memcmp(ip.b, v4_in_v6, 12) == 0) {
        ipp += 12;
        il = 4;
    }
    if (il != ml)
        return out;
    out.len = il;
    for (int i = 0; i < il; i++)
        out.b[i] = ipp[i] & mp[i];
    return out;
}

/* IP.To4: len 0 when not IPv4. */
static gip ip_to4(gip ip)
{
    gip out;
    memset(&out, 0, sizeof out);
    if (ip.len == 4) {
        out = ip;
    } else if (ip.len == 16 && memcmp(ip.b, v4_in_v6, 12) == 0) {
        out.len = 4;
        memcpy(out.b, ip.b + 12, 4);
    }
    return out;
}

/* net.ParseCIDR: the address (16 bytes) and the network (masked address
 * and mask, 4 bytes each for IPv4). */
static bool parse_cidr(const char *s, size_t n, gip *addr, gip *netip, gip *netmask)
{
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return false;
    bool is4;
    unsigned char a16[16];
    if (!parse_addr(s, (size_t)(slash - s), a16, &is4))
        return false;
    const char *m = slash + 1;
    size_t mn = n - (size_t)(m - s);
    int ones = 0;
    size_t i = 0;
    for (; i < mn && m[i] >= '0' && m[i] <= '9'; i++) {
        ones = ones * 10 + (m[i] - '0');
        if (ones >= 0xFFFFFF)
            return false;
    }
    int iplen = is4 ? 4 : 16;
    if (i == 0 || i != mn || ones > 8 * iplen)
        return false;
    gip mask = cidr_mask(ones, 8 * iplen);
    gip full;
    full.len = 16;
    memcpy(full.b, a16, 16);
    if (addr)
        *addr = full;
    *netip = ip_mask(full, mask);
    *netmask = mask;
    return true;
}

/* networkNumberAndMask; false when the network is malformed. */
static bool network_and_mask(gip nip, gip mask, gip *nn, gip *m)
{
    *nn = ip_to4(nip);
    if (nn->len == 0) {
        *nn = nip;
        if (nn->len != 16)
            return false;
    }
    *m = mask;
    if (mask.len == 4) {
        if (nn->len != 4)
            return false;
    } else if (mask.len == 16) {
        if (nn->len == 4) {
            m->len = 4;
            memmove(m->b, mask.b + 12, 4);
        }
    } else {
        return false;
    }
    return true;
}

/* IPNet.Contains */
static bool net_contains(gip nip, gip mask, gip ip)
{
    gip nn, m;
    if (!network_and_mask(nip, mask, &nn, &m))
        return false;
    gip x = ip_to4(ip);
    if (x.len)
        ip = x;
    if (ip.len != nn.len)
        return false;
    for (int i = 0; i < ip.len; i++)
        if ((nn.b[i] & m.b[i]) != (ip.b[i] & m.b[i]))
            return false;
    return true;
}

/* IPMask.Size-like: leading ones, or -1 when not canonical. */
static int mask_ones(gip m)
{
    int ones = 0, i = 0;
    for (; i < m.len && m.b[i] == 0xff; i++)
        ones += 8;
    if (i < m.len) {
        unsigned char v = m.b[i];
        while (v & 0x80) {
            ones++;
            v = (unsigned char)(v << 1);
        }
        if (v)
            return -1;
        for (i++; i < m.len; i++)
            if (m.b[i])
                return -1;
    }
    return ones;
}

/* ---- printing ---- */

static void ip_string(strbuf *sb, gip ip)
{
    if (ip.len == 0) {
        sb_puts(sb, "<nil>");
        return;
    }
    gip v4 = ip_to4(ip);
    if (v4.len == 4) {
        sb_printf(sb, "%u.%u.%u.%u", v4.b[0], v4.b[1], v4.b[2], v4.b[3]);
        return;
    }
    if (ip.len != 16) {
        sb_putc(sb, '?');
        for (int i = 0; i < ip.len; i++)
            sb_printf(sb, "%02x", ip.b[i]);
        return;
    }
    /* RFC 5952: the first longest run of two or more zero groups is "::". */
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip.b[2 * i] << 8 | ip.b[2 * i + 1];
    int zs = -1, ze = -1, best = 0;
    for (int i = 0; i < 8; i++) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i >= 2 && j - i > best) {
            best = j - i;
            zs = i;
            ze = j;
        }
    }
    for (int i = 0; i < 8; i++) {
        if (i == zs) {
            sb_puts(sb, "::");
            i = ze - 1;
            continue;
        }
        if (i > 0 && i != ze)
            sb_putc(sb, ':');
        sb_printf(sb, "%x", g[i]);
    }
}

/* IPNet.String */
static void net_string(strbuf *sb, gip nip, gip mask)
{
    gip nn, m;
    if (!network_and_mask(nip, mask, &nn, &m)) {
        sb_puts(sb, "<nil>");
        return;
    }
    ip_string(sb, nn);
    int l = mask_ones(m);
    if (l < 0) {
        sb_putc(sb, '/');
        for (int i = 0; i < m.len; i++)
            sb_printf(sb, "%02x", m.b[i]);
        return;
    }
    sb_printf(sb, "/%d", l);
}

static val *sb_value(bi_ctx *c, strbuf *sb) { return txt_string_from_sb(c->a, sb); }

/* ---- operands ---- */

/* getNetFromOperand: type errors name operand 1, whichever it is (as OPA). */
static bi_status net_operand(bi_ctx *c, const val *v, gip *nip, gip *mask)
{
    if (val_kind_of(v) != VAL_STRING)
        return bi_operand_type(c, 1, v, "string");
    if (!parse_cidr(val_str(v), val_len(v), NULL, nip, mask))
        return bi_error(c, "invalid CIDR address: %s", val_str(v));
    return BI_OK;
}

/* ---- net.cidr_contains / net.cidr_overlap ---- */

static bi_status cidr_contains(bi_ctx *c, const val *a, const val *b, bool *result)
{
    gip anet, amask;
    if (net_operand(c, a, &anet, &amask))
        return BI_ERR;
    if (val_kind_of(b) != VAL_STRING)
        return bi_operand_type(c, 1, b, "string");
    gip ip;
    if (parse_ip(val_str(b), val_len(b), &ip)) {
        *result = net_contains(anet, amask, ip);
        return BI_OK;
    }
    gip bnet, bmask;
    if (!parse_cidr(val_str(b), val_len(b), NULL, &bnet, &bmask))
        return bi_error(c, "not a valid textual representation of an IP address or CIDR: %s", val_str(b));
    *result = false;
    if (net_contains(anet, amask, bnet)) {
        /* the last address of b */
        int bits = bmask.len * 8;
        int ones = mask_ones(bmask);
        gip last = bnet;
        if (ones != bits) {
            last.len = bits / 8;
            memset(last.b, 0, sizeof last.b);
            int off = bnet.len - last.len;
            for (int i = 0; i < last.len; i++)
                last.b[i] = (unsigned char)((off + i >= 0 ? bnet.b[off + i] : 0) | (unsigned char)~bmask.b[i]);
        }
        *result = net_contains(anet, amask, last);
    }
    return BI_OK;
}

static bi_status bi_cidr_contains(bi_ctx *c, val *const *args, val **out)
{
    bool r;
    if (cidr_contains(c, args[0], args[1], &r))
        return BI_ERR;
    *out = val_bool(r);
    return BI_OK;
}

/* ---- net.cidr_intersects ---- */

static bi_status bi_cidr_intersects(bi_ctx *c, val *const *args, val **out)
{
    gip an, am, bn, bm;
    if (net_operand(c, args[0], &an, &am) || net_operand(c, args[1], &bn, &bm))
        return BI_ERR;
    *out = val_bool(net_contains(an, am, bn) || net_contains(bn, bm, an));
    return BI_OK;
}

/* ---- net.cidr_is_valid ---- */

static bi_status bi_cidr_is_valid(bi_ctx *c, val *const *args, val **out)
{
    gip n, m;
    *out = val_bool(val_kind_of(args[0]) == VAL_STRING && parse_cidr(val_str(args[0]), val_len(args[0]), NULL, &n, &m));
    return BI_OK;
}

/* ---- net.cidr_expand ---- */

static bi_status bi_cidr_expand(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    gip addr, nip, mask;
    if (!parse_cidr(val_str(args[0]), val_len(args[0]), &addr, &nip, &mask))
        return bi_error(c, "invalid CIDR address: %s", val_str(args[0]));
    int host_bits = mask.len * 8 - mask_ones(mask);
    if (host_bits > EXPAND_MAX_HOST_BITS)
        return bi_error(c, "CIDR %s has more than %d addresses to expand", val_str(args[0]),
                        1 << EXPAND_MAX_HOST_BITS);
    val_setb b;
    val_setb_init(&b, c->a);
    gip ip = ip_mask(addr, mask);
    while (net_contains(nip, mask, ip)) {
        strbuf sb = STRBUF_INIT;
        ip_string(&sb, ip);
        val_setb_add(&b, sb_value(c, &sb));
        int j = ip.len - 1;
        for (; j >= 0; j--)
            if (++ip.b[j] != 0)
                break;
        if (j < 0)
            break;  /* wrapped around the whole address space */
    }
    *out = val_setb_finish(&b);
    return BI_OK;
}

/* ---- net.cidr_contains_matches ---- */

/* The operands are walked as OPA walks them: a string is itself; an array
 * gives (element or its first element, index); a set (element...,
 * element); an object (value..., key); anything else nothing.  An element
 * is checked when it is reached, so errors come in OPA's order. */
static size_t match_count(const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_STRING:
        return 1;
    case VAL_ARRAY:
    case VAL_SET:
    case VAL_OBJECT:
        return val_len(v);
    default:
        return 0;
    }
}

static bi_status match_at(bi_ctx *c, int pos, val *v, size_t i, val **cidr, val **key)
{
    val *elem;
    switch (val_kind_of(v)) {
    case VAL_STRING:
        *cidr = *key = v;
        return BI_OK;
    case VAL_ARRAY:
        elem = val_array_items(v)[i];
        *key = val_int(c->a, (int64_t)i);
        break;
    case VAL_SET:
        elem = *key = val_set_items(v)[i];
        break;
    default:
        elem = val_object_values(v)[i];
        *key = val_object_keys(v)[i];
        break;
    }
    if (val_kind_of(elem) == VAL_STRING)
        *cidr = elem;
    else if (val_kind_of(elem) == VAL_ARRAY && val_len(elem) > 0)
        *cidr = val_array_items(elem)[0];
    else
        return bi_error(c, "operand %d: element must be string or non-empty array", pos);
    return BI_OK;
}

static bi_status bi_cidr_contains_matches(bi_ctx *c, val *const *args, val **out)
{
    val_setb set;
    val_setb_init(&set, c->a);
    size_t na = match_count(args[0]), nb = match_count(args[1]);
    for (size_t i = 0; i < na; i++) {
        val *ca, *ka;
        if (match_at(c, 1, args[0], i, &ca, &ka))
            return BI_ERR;
        for (size_t j = 0; j < nb; j++) {
            val *cb, *kb;
            bool r;
            if (match_at(c, 2, args[1], j, &cb, &kb) || cidr_contains(c, ca, cb, &r))
                return BI_ERR;
            if (r) {
                val *pair[2] = {ka, kb};
                val_setb_add(&set, val_array(c->a, pair, 2));
            }
        }
    }
    *out = val_setb_finish(&set);
    return BI_OK;
}

/* ---- net.cidr_merge ---- */

typedef unsigned __int128 u128;
/* The same for storage in arena memory, which is only 8-byte aligned. */
typedef unsigned __int128 u128_stored __attribute__((aligned(8)));

static u128 to_u128(const unsigned char b[16])
{
    u128 x = 0;
    for (int i = 0; i < 16; i++)
        x = x << 8 | b[i];
    return x;
}

static gip from_u128(u128 x)
{
    gip ip;
    ip.len = 16;
    for (int i = 15; i >= 0; i--) {
        ip.b[i] = (unsigned char)x;
        x >>= 8;
    }
    return ip;
}

static const u128 V4_BASE = (u128)0xffff << 32;   /* ::ffff:0.0.0.0 */

static bool u128_is_v4(u128 x) { return (x >> 32) == 0xffff; }

/* The host part of a network with `prefix` bits of `bitlen`: all ones. */
static u128 host_bits(int prefix, int bitlen)
{
    int k = bitlen - prefix;
    if (k <= 0)
        return 0;
    return k >= 128 ? ~(u128)0 : ((u128)1 << k) - 1;
}

typedef struct range {
    u128_stored first, last;
    bool has_net;       /* not merged: print the original network */
    gip nip, mask;
} range;

/* GetAddressRange: first and last as 16-byte values (IPv4 mapped). */
static void address_range(gip nip, gip mask, u128_stored *first, u128_stored *last)
{
    gip f = ip_mask(nip, mask);
    unsigned char b[16];
    gip f4 = ip_to4(f);
    if (f4.len == 4 && f.len == 4) {
        memcpy(b, v4_in_v6, 12);
        memcpy(b + 12, f.b, 4);
    } else if (f.len == 16) {
        memcpy(b, f.b, 16);
    } else {
        memset(b, 0, 16);
        if (f.len == 4)
            memcpy(b + 12, f.b, 4);
    }
    unsigned char l[16];
    memcpy(l, b, 16);
    for (int i = 0; i < mask.len; i++)
        l[15 - i] |= (unsigned char)~mask.b[mask.len - 1 - i];
    *first = to_u128(b);
    *last = to_u128(l);
}

/* GetPreviousIP: one less, but never below ::ffff:0.0.0.0 or ::, and IPv4
 * addresses borrow only within their last four bytes. */
static u128 previous_ip(u128 x)
{
    if (x == V4_BASE || x == 0)
        return x;
    if (u128_is_v4(x)) {
        uint32_t lo = (uint32_t)x;
        return (x & ~(u128)0xffffffffu) | (uint32_t)(lo - 1);
    }
    return x - 1;
}

/* getNextIP: one more, but never past ::ffff:255.255.255.255 or the top. */
static u128 next_ip(u128 x)
{
    if (x == (V4_BASE | 0xffffffffu) || x == ~(u128)0)
        return x;
    return x + 1;
}

typedef struct netlist {
    gip *ip, *mask;
    size_t n, cap;
    arena *a;
} netlist;

static void netlist_push(netlist *l, u128 ip, int prefix, int bitlen)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        gip *ni = arena_alloc(l->a, cap * sizeof *ni), *nm = arena_alloc(l->a, cap * sizeof *nm);
        if (l->n) {
            memcpy(ni, l->ip, l->n * sizeof *ni);
            memcpy(nm, l->mask, l->n * sizeof *nm);
        }
        l->ip = ni;
        l->mask = nm;
        l->cap = cap;
    }
    l->ip[l->n] = from_u128(ip);
    l->mask[l->n] = cidr_mask(prefix, bitlen);
    l->n++;
}

/* partitionCIDR of target (address t, prefix tp) around the single address
 * x: the networks left and right of it. */
static void partition(u128 t, int tp, bool v4, u128 x, netlist *left, netlist *right)
{
    int bitlen = v4 ? 32 : 128;
    u128 tfirst = t, tlast = t | host_bits(tp, bitlen);
    if (x < tfirst || tlast < x || tp >= bitlen)
        return;   /* callers only split networks that hold x */
    int np = tp + 1;
    u128 lower = tfirst;
    u128 upper = tfirst + ((u128)1 << (bitlen - np));
    u128 matched;
    while (bitlen >= np) {
        if (x >= upper) {
            netlist_push(left, lower, np, bitlen);
            matched = upper;
        } else {
            netlist_push(right, upper, np, bitlen);
            matched = lower;
        }
        np++;
        if (np > bitlen)
            break;
        lower = matched;
        upper = matched + ((u128)1 << (bitlen - np));
    }
}

/* RangeToCIDRs */
static void range_to_cidrs(u128 first, u128 last, netlist *out, arena *a)
{
    bool v4 = u128_is_v4(first);
    int bitlen = v4 ? 32 : 128;
    int size = bitlen;
    u128 hi = last;
    while (size > 0 && first < hi) {
        size--;
        hi &= ~host_bits(size, bitlen);
    }
    if (v4)
        hi |= V4_BASE;
    u128 span = hi;
    int span_p = size;
    u128 sfirst = span, slast = span | host_bits(span_p, bitlen);
    netlist right = {0}, left = {0};
    right.a = left.a = a;
    if (sfirst < first) {
        netlist dummy = {0};
        dummy.a = a;
        partition(span, span_p, v4, previous_ip(first), &dummy, &right);
        if (right.n == 0)
            return;
        for (size_t i = 1; i < right.n; i++)
            netlist_push(out, to_u128(right.ip[i].b), mask_ones(right.mask[i]), bitlen);
        span = to_u128(right.ip[0].b);
        span_p = mask_ones(right.mask[0]);
        slast = span | host_bits(span_p, bitlen);
    }
    if (slast > last) {
        netlist dummy = {0};
        dummy.a = a;
        partition(span, span_p, v4, next_ip(last), &left, &dummy);
        for (size_t i = 0; i < left.n; i++)
            netlist_push(out, to_u128(left.ip[i].b), mask_ones(left.mask[i]), bitlen);
    } else {
        netlist_push(out, span, span_p, bitlen);
    }
}

static int range_cmp(const void *x, const void *y)
{
    const range *a = x, *b = y;
    if (a->last != b->last)
        return a->last < b->last ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return 0;
}

/* generateIPNet */
static bi_status merge_element(bi_ctx *c, const val *e, gip *nip, gip *mask)
{
    if (val_kind_of(e) != VAL_STRING)
        return bi_error(c, "element must be string");
    gip ip;
    if (parse_ip(val_str(e), val_len(e), &ip)) {
        gip v4 = ip_to4(ip);
        if (v4.len == 0)
            return bi_error(c, "IPv6 invalid: needs prefix length");
        /* IP.DefaultMask: the classful mask of the address */
        *nip = ip;
        *mask = cidr_mask(v4.b[0] < 0x80 ? 8 : v4.b[0] < 0xC0 ? 16 : 24, 32);
        return BI_OK;
    }
    if (!parse_cidr(val_str(e), val_len(e), NULL, nip, mask))
        return bi_error(c, "invalid CIDR address: %s", val_str(e));
    return BI_OK;
}

static bi_status bi_cidr_merge(bi_ctx *c, val *const *args, val **out)
{
    val *v = args[0];
    val *const *elems;
    if (val_kind_of(v) == VAL_ARRAY)
        elems = val_array_items(v);
    else if (val_kind_of(v) == VAL_SET)
        elems = val_set_items(v);
    else
        return bi_error(c, "operand must be an array");
    size_t n = val_len(v);
    range *r = arena_alloc(c->a, (n ? n : 1) * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        if (merge_element(c, elems[i], &r[i].nip, &r[i].mask))
            return BI_ERR;
        address_range(r[i].nip, r[i].mask, &r[i].first, &r[i].last);
        r[i].has_net = true;
    }
    qsort(r, n, sizeof *r, range_cmp);
    /* Merge from the end: a range that starts at or before the one below
     * it ends (plus one) joins it. */
    size_t m = n;
    for (size_t i = n; i-- > 1;) {
        u128 prev = previous_ip(r[i].first);
        if (prev <= r[i - 1].last) {
            u128 first = r[i - 1].first < r[i].first ? r[i - 1].first : r[i].first;
            r[i - 1].first = first;
            r[i - 1].last = r[i].last;
            r[i - 1].has_net = false;
            memmove(&r[i], &r[i + 1], (m - i - 1) * sizeof *r);
            m--;
        }
    }
    val_setb set;
    val_setb_init(&set, c->a);
    for (size_t i = 0; i < m; i++) {
        if (r[i].has_net) {
            strbuf sb = STRBUF_INIT;
            net_string(&sb, r[i].nip, r[i].mask);
            val_setb_add(&set, sb_value(c, &sb));
            continue;
        }
        netlist nets = {0};
        nets.a = c->a;
        range_to_cidrs(r[i].first, r[i].last, &nets, c->a);
        for (size_t k = 0; k < nets.n; k++) {
            strbuf sb = STRBUF_INIT;
            gip ip = nets.ip[k], mask = nets.mask[k];
            if (mask.len == 4) {
                /* IPv4 networks carry the mapped address and a 4-byte mask */
                gip v4 = ip_to4(ip);
                if (v4.len)
                    ip = v4;
            }
            net_string(&sb, ip, mask);
            val_setb_add(&set, sb_value(c, &sb));
        }
    }
    *out = val_setb_finish(&set);
    return BI_OK;
}

/* ---- net.lookup_ip_addr ---- */

static bi_status bi_lookup_ip_addr(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    val *cached = bi_ndcache_get(c, args);
    if (cached) {
        *out = cached;
        return BI_OK;
    }
    const char *name = val_str(args[0]);
    size_t n = val_len(args[0]);
    if (n == 0 || memchr(name, 0, n))
        return bi_error(c, "lookup %s: no such host", name);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        if (rc == EAI_NONAME
#ifdef EAI_NODATA
            || rc == EAI_NODATA
#endif
        )
            return bi_error(c, "lookup %s: no such host", name);
        return bi_error(c, "lookup %s: %s", name, gai_strerror(rc));
    }
    /* Copy the addresses out before touching the arena, so that running
     * out of evaluation memory cannot leak the list. */
    enum { MAX_ADDRS = 64 };
    gip addrs[MAX_ADDRS];
    unsigned scope[MAX_ADDRS];
    int na = 0;
    for (struct addrinfo *ai = res; ai && na < MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *sin = (const void *)ai->ai_addr;
            addrs[na].len = 4;
            memcpy(addrs[na].b, &sin->sin_addr, 4);
            scope[na++] = 0;
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;
            addrs[na].len = 16;
            memcpy(addrs[na].b, &sin6->sin6_addr, 16);
            scope[na++] = sin6->sin6_scope_id;
        }
    }
    freeaddrinfo(res);
    val_setb set;
    val_setb_init(&set, c->a);
    for (int i = 0; i < na; i++) {
        strbuf sb = STRBUF_INIT;
        ip_string(&sb, addrs[i]);
        char ifname[IF_NAMESIZE + 1];
        if (scope[i]) {
            if (if_indextoname(scope[i], ifname))
                sb_printf(&sb, "%%%s", ifname);
            else
                sb_printf(&sb, "%%%u", scope[i]);
        }
        val_setb_add(&set, sb_value(c, &sb));
    }
    *out = val_setb_finish(&set);
    bi_ndcache_put(c, args, *out);
    return BI_OK;
}

const builtin_def bi_group_net[] = {
    {"net.cidr_contains", 2, bi_cidr_contains, 0, NULL},
    {"net.cidr_contains_matches", 2, bi_cidr_contains_matches, 0, NULL},
    {"net.cidr_expand", 1, bi_cidr_expand, 0, NULL},
    {"net.cidr_intersects", 2, bi_cidr_intersects, 0, NULL},
    {"net.cidr_is_valid", 1, bi_cidr_is_valid, 0, NULL},
    {"net.cidr_merge", 1, bi_cidr_merge, 0, NULL},
    {"net.cidr_overlap", 2, bi_cidr_contains, BI_F_DEPRECATED, NULL},
    {"net.lookup_ip_addr", 1, bi_lookup_ip_addr, BI_F_NONDET, NULL},
    {0},
};
