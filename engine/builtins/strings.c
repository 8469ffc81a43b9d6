/* strings.c — builtin group "strings": concat, contains, startswith,
 * endswith, format_int, indexof, indexof_n, lower, upper, replace, split,
 * sprintf, substring, trim*, and strings.*.
 *
 * Behaviour follows OPA's topdown/strings.go, which leans on Go's strings
 * package: positions and lengths count code points (runes), invalid UTF-8
 * decodes as U+FFFD one byte at a time, and a result equal to the input is
 * the input value itself.  sprintf lives in strings_sprintf.c. */
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <gmp.h>
#include <mpfr.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"

/* Defined in strings_sprintf.c and strings_template.c. */
bi_status txt_sprintf(bi_ctx *c, val *const *args, val **out);
bi_status txt_render_template(bi_ctx *c, val *const *args, val **out);

#define STR(v) val_str(v)
#define LEN(v) ((size_t)val_len(v))

static bi_status check_strings(bi_ctx *c, val *const *args, int n)
{
    for (int i = 0; i < n; i++)
        if (val_kind_of(args[i]) != VAL_STRING)
            return bi_operand_type(c, i + 1, args[i], "string");
    return BI_OK;
}

/* The string s[0..n), or `orig` itself when that is what it would equal. */
static val *string_or_same(bi_ctx *c, val *orig, const char *s, size_t n)
{
    if (n == LEN(orig) && memcmp(s, STR(orig), n) == 0)
        return orig;
    return val_string(c->a, s, n);
}

static val *sb_result(bi_ctx *c, val *orig, strbuf *sb)
{
    if (orig && sb->len == LEN(orig) && memcmp(sb->data ? sb->data : "", STR(orig), sb->len) == 0) {
        sb_free(sb);
        return orig;
    }
    return txt_string_from_sb(c->a, sb);
}

/* Runes of s[0..n) in the arena (invalid bytes as U+FFFD). */
static uint32_t *runes_of(arena *a, const char *s, size_t n, size_t *count)
{
    uint32_t *r = arena_alloc(a, (n ? n : 1) * sizeof *r);
    size_t k = 0, w;
    for (size_t i = 0; i < n; i += w)
        r[k++] = txt_utf8_decode(s + i, n - i, &w);
    *count = k;
    return r;
}

/* utf8.DecodeLastRuneInString. */
static uint32_t decode_last(const char *s, size_t n, size_t *width)
{
    unsigned char last = (unsigned char)s[n - 1];
    if (last < 0x80) {
        *width = 1;
        return last;
    }
    size_t lim = n >= 4 ? n - 4 : 0;
    size_t start = n - 1;
    while (start > lim && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    size_t w;
    uint32_t r = txt_utf8_decode(s + start, n - start, &w);
    if (start + w != n) {
        *width = 1;
        return TXT_RUNE_ERROR;
    }
    *width = w;
    return r;
}

/* ---- concat ---- */

static bi_status bi_concat(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    val *coll = args[1];
    val *const *items;
    if (val_kind_of(coll) == VAL_ARRAY)
        items = val_array_items(coll);
    else if (val_kind_of(coll) == VAL_SET)
        items = val_set_items(coll);
    else
        return bi_operand_types(c, 2, coll, "set, array");
    size_t n = val_len(coll), total = 0;
    for (size_t i = 0; i < n; i++) {
        if (val_kind_of(items[i]) != VAL_STRING)
            return txt_element_error(c, 2, coll, items[i], "string");
        total += LEN(items[i]);
    }
    if (n == 0) {
        *out = VAL_EMPTY_STRING_V;
        return BI_OK;
    }
    if (n == 1) {
        *out = items[0];
        return BI_OK;
    }
    strbuf sb = STRBUF_INIT;
    sb_reserve(&sb, total + LEN(args[0]) * (n - 1));
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_append(&sb, STR(args[0]), LEN(args[0]));
        sb_append(&sb, STR(items[i]), LEN(items[i]));
    }
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

/* ---- tests: contains, startswith, endswith ---- */

static bool has_prefix(const val *s, const char *p, size_t n)
{
    return LEN(s) >= n && memcmp(STR(s), p, n) == 0;
}

static bool has_suffix(const val *s, const char *p, size_t n)
{
    return LEN(s) >= n && memcmp(STR(s) + LEN(s) - n, p, n) == 0;
}

static bi_status bi_contains(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    bool found = LEN(args[1]) == 0 || memmem(STR(args[0]), LEN(args[0]), STR(args[1]), LEN(args[1])) != NULL;
    *out = val_bool(found);
    return BI_OK;
}

static bi_status bi_startswith(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    *out = val_bool(has_prefix(args[0], STR(args[1]), LEN(args[1])));
    return BI_OK;
}

static bi_status bi_endswith(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    *out = val_bool(has_suffix(args[0], STR(args[1]), LEN(args[1])));
    return BI_OK;
}

/* strings.any_prefix_match / any_suffix_match: each operand is a string or
 * an array or set of strings. */
static bi_status string_list(bi_ctx *c, val *v, int pos, val **slot, val *const **items, size_t *n)
{
    switch (val_kind_of(v)) {
    case VAL_STRING:
        *slot = v;
        *items = slot;
        *n = 1;
        return BI_OK;
    case VAL_ARRAY:
        *items = val_array_items(v);
        break;
    case VAL_SET:
        *items = val_set_items(v);
        break;
    default:
        return bi_operand_types(c, pos, v, "string, set, array");
    }
    *n = val_len(v);
    for (size_t i = 0; i < *n; i++)
        if (val_kind_of((*items)[i]) != VAL_STRING)
            return txt_element_error(c, pos, v, (*items)[i], "string");
    return BI_OK;
}

static bi_status any_match(bi_ctx *c, val *const *args, val **out, bool suffix)
{
    val *slot1, *slot2;
    val *const *strs, *const *fixes;
    size_t ns, nf;
    if (string_list(c, args[0], 1, &slot1, &strs, &ns) || string_list(c, args[1], 2, &slot2, &fixes, &nf))
        return BI_ERR;
    bool found = false;
    for (size_t i = 0; i < ns && !found; i++)
        for (size_t j = 0; j < nf && !found; j++)
            found = suffix ? has_suffix(strs[i], STR(fixes[j]), LEN(fixes[j]))
                           : has_prefix(strs[i], STR(fixes[j]), LEN(fixes[j]));
    *out = val_bool(found);
    return BI_OK;
}

static bi_status bi_any_prefix_match(bi_ctx *c, val *const *args, val **out) { return any_match(c, args, out, false); }
static bi_status bi_any_suffix_match(bi_ctx *c, val *const *args, val **out) { return any_match(c, args, out, true); }

/* ---- format_int ----
 * The input is truncated toward zero after being read as Go's big.Float
 * reads it (64-bit mantissa, nearest even), so huge inputs lose digits as
 * they do in OPA. */
static bi_status bi_format_int(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_NUMBER)
        return bi_operand_type(c, 1, args[0], "number");
    if (val_kind_of(args[1]) != VAL_NUMBER)
        return bi_operand_type(c, 2, args[1], "number");
    int64_t base = val_is_int(args[1]) ? val_int_value(args[1]) : 0;
    if (base != 2 && base != 8 && base != 10 && base != 16)
        return bi_type_error(c, "operand 2 must be one of {2, 8, 10, 16}");

    strbuf sb = STRBUF_INIT;
    if (val_is_int(args[0])) {
        int64_t x = val_int_value(args[0]);
        uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
        char buf[72];
        size_t i = sizeof buf;
        do {
            buf[--i] = "0123456789abcdef"[u % (uint64_t)base];
            u /= (uint64_t)base;
        } while (u);
        if (x < 0)
            buf[--i] = '-';
        sb_append(&sb, buf + i, sizeof buf - i);
    } else {
        mpfr_t f;
        mpz_t z;
        mpfr_init2(f, 64);
        mpz_init(z);
        mpfr_set_str(f, ((const vnum *)args[0])->text, 10, MPFR_RNDN);
        if (mpfr_number_p(f))
            mpfr_get_z(z, f, MPFR_RNDZ);
        size_t need = mpz_sizeinbase(z, (int)base) + 2;
        sb_reserve(&sb, need);
        mpz_get_str(sb.data, (int)base, z);
        sb.len = strlen(sb.data);
        mpz_clear(z);
        mpfr_clear(f);
    }
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

/* ---- indexof, indexof_n: positions in code points ---- */

static bi_status bi_indexof(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    if (LEN(args[1]) == 0)
        return bi_error(c, "empty search character");
    const char *s = STR(args[0]), *t = STR(args[1]);
    size_t n = LEN(args[0]), m = LEN(args[1]);
    if (txt_is_ascii(s, n) && txt_is_ascii(t, m)) {
        const char *p = memmem(s, n, t, m);
        *out = val_int(c->a, p ? (int64_t)(p - s) : -1);
        return BI_OK;
    }
    size_t nr, mr;
    uint32_t *hr = runes_of(c->a, s, n, &nr), *tr = runes_of(c->a, t, m, &mr);
    for (size_t i = 0; i + mr <= nr; i++) {
        if (memcmp(hr + i, tr, mr * sizeof *tr) == 0) {
            *out = val_int(c->a, (int64_t)i);
            return BI_OK;
        }
    }
    *out = val_int(c->a, -1);
    return BI_OK;
}

static bi_status bi_indexof_n(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    if (LEN(args[1]) == 0)
        return bi_error(c, "empty search character");
    size_t nr, mr;
    uint32_t *hr = runes_of(c->a, STR(args[0]), LEN(args[0]), &nr);
    uint32_t *tr = runes_of(c->a, STR(args[1]), LEN(args[1]), &mr);
    val_arrb b;
    val_arrb_init(&b, c->a);
    for (size_t i = 0; i + mr <= nr; i++)     /* overlapping matches count */
        if (memcmp(hr + i, tr, mr * sizeof *tr) == 0)
            val_arrb_push(&b, val_int(c->a, (int64_t)i));
    *out = val_arrb_finish(&b);
    return BI_OK;
}

/* ---- lower, upper ----
 * Go maps each rune with unicode.ToLower/ToUpper (simple case mappings).
 * The C library has the same tables under a UTF-8 locale; without one only
 * ASCII letters change. */
static locale_t case_loc;
static pthread_once_t case_once = PTHREAD_ONCE_INIT;

static void case_init(void)
{
    case_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!case_loc)
        case_loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
}

static uint32_t map_case(uint32_t r, bool upper)
{
    if (r < 0x80) {
        if (upper && r >= 'a' && r <= 'z')
            return r - 32;
        if (!upper && r >= 'A' && r <= 'Z')
            return r + 32;
        return r;
    }
    pthread_once(&case_once, case_init);
    if (!case_loc)
        return r;
    wint_t m = upper ? towupper_l((wint_t)r, case_loc) : towlower_l((wint_t)r, case_loc);
    return (uint32_t)m;
}

static bi_status change_case(bi_ctx *c, val *const *args, val **out, bool upper)
{
    if (check_strings(c, args, 1))
        return BI_ERR;
    const char *s = STR(args[0]);
    size_t n = LEN(args[0]);
    strbuf sb = STRBUF_INIT;
    sb_reserve(&sb, n);
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = txt_utf8_decode(s + i, n - i, &w);
        char buf[4];
        sb_append(&sb, buf, txt_utf8_encode(map_case(r, upper), buf));
    }
    *out = sb_result(c, args[0], &sb);
    return BI_OK;
}

static bi_status bi_lower(bi_ctx *c, val *const *args, val **out) { return change_case(c, args, out, false); }
static bi_status bi_upper(bi_ctx *c, val *const *args, val **out) { return change_case(c, args, out, true); }

/* ---- replace, strings.replace_n ----
 * Go's strings.Replacer: scanning left to right, at each position the first
 * pair (in argument order) whose old string starts there is replaced, and
 * matches do not overlap.  An empty old string matches at every byte
 * position, but not twice in a row. */
typedef struct pair {
    const char *old, *new_;
    size_t oldn, newn;
} pair;

static void replace_pairs(strbuf *sb, const char *s, size_t n, const pair *p, size_t np)
{
    size_t last = 0;
    bool prev_empty = false;
    for (size_t i = 0; i <= n;) {
        const pair *hit = NULL;
        for (size_t k = 0; k < np && !hit; k++) {
            if (p[k].oldn == 0) {
                if (!prev_empty)
                    hit = &p[k];
            } else if (p[k].oldn <= n - i && memcmp(s + i, p[k].old, p[k].oldn) == 0) {
                hit = &p[k];
            }
        }
        if (!hit) {
            prev_empty = false;
            i++;
            continue;
        }
        prev_empty = hit->oldn == 0;
        sb_append(sb, s + last, i - last);
        sb_append(sb, hit->new_, hit->newn);
        i += hit->oldn;
        last = i;
    }
    if (last < n)
        sb_append(sb, s + last, n - last);
}

static bi_status bi_replace(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 3))
        return BI_ERR;
    if (LEN(args[1]) && !memmem(STR(args[0]), LEN(args[0]), STR(args[1]), LEN(args[1]))) {
        *out = args[0];
        return BI_OK;
    }
    pair p = {STR(args[1]), STR(args[2]), LEN(args[1]), LEN(args[2])};
    strbuf sb = STRBUF_INIT;
    replace_pairs(&sb, STR(args[0]), LEN(args[0]), &p, 1);
    *out = sb_result(c, args[0], &sb);
    return BI_OK;
}

static bi_status bi_replace_n(bi_ctx *c, val *const *args, val **out)
{
    val *pats = args[0];
    if (val_kind_of(pats) != VAL_OBJECT)
        return bi_operand_type(c, 1, pats, "object");
    if (val_kind_of(args[1]) != VAL_STRING)
        return bi_operand_type(c, 2, args[1], "string");
    size_t np = val_len(pats);
    val *const *keys = val_object_keys(pats), *const *vals = val_object_values(pats);
    /* Keys are already in OPA's order, which is what OPA sorts them into. */
    pair *p = arena_alloc(c->a, (np ? np : 1) * sizeof *p);
    for (size_t i = 0; i < np; i++) {
        if (val_kind_of(keys[i]) != VAL_STRING)
            return bi_type_error(c, "operand 1 non-string key found in pattern object");
        if (val_kind_of(vals[i]) != VAL_STRING)
            return bi_type_error(c, "operand 1 non-string value found in pattern object");
        p[i] = (pair){STR(keys[i]), STR(vals[i]), LEN(keys[i]), LEN(vals[i])};
    }
    strbuf sb = STRBUF_INIT;
    replace_pairs(&sb, STR(args[1]), LEN(args[1]), p, np);
    *out = sb_result(c, args[1], &sb);
    return BI_OK;
}

/* ---- split, strings.split_n ---- */

/* Go's strings.Split: an empty separator splits after each UTF-8 sequence. */
static val *split_all(bi_ctx *c, val *s, const char *sep, size_t sepn)
{
    const char *p = STR(s);
    size_t n = LEN(s);
    val_arrb b;
    val_arrb_init(&b, c->a);
    if (sepn == 0) {
        size_t w;
        for (size_t i = 0; i < n; i += w) {
            txt_utf8_decode(p + i, n - i, &w);
            val_arrb_push(&b, val_string(c->a, p + i, w));
        }
        return val_arrb_finish(&b);
    }
    const char *q;
    if (!memmem(p, n, sep, sepn)) {
        val_arrb_push(&b, s);
        return val_arrb_finish(&b);
    }
    while ((q = memmem(p, n, sep, sepn)) != NULL) {
        val_arrb_push(&b, val_string(c->a, p, (size_t)(q - p)));
        n -= (size_t)(q - p) + sepn;
        p = q + sepn;
    }
    val_arrb_push(&b, val_string(c->a, p, n));
    return val_arrb_finish(&b);
}

static bi_status bi_split(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    *out = split_all(c, args[0], STR(args[1]), LEN(args[1]));
    return BI_OK;
}

/* strings.split_n(s, delim, n): the first n parts for n > 0, the last -n
 * parts for n < 0, none for 0; all parts when there are fewer. */
static bi_status bi_split_n(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    int64_t n;
    if (txt_int_operand(c, args[2], 3, &n))
        return BI_ERR;
    val *all = split_all(c, args[0], STR(args[1]), LEN(args[1]));
    uint64_t len = val_len(all);
    uint64_t want = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    if (want >= len) {
        *out = all;
        return BI_OK;
    }
    val *const *items = val_array_items(all);
    *out = val_array(c->a, n > 0 ? items : items + (len - want), (size_t)want);
    return BI_OK;
}

/* ---- substring: start and length in code points ---- */

static bi_status bi_substring(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 1))
        return BI_ERR;
    int64_t start, length;
    if (txt_int_operand(c, args[1], 2, &start) || txt_int_operand(c, args[2], 3, &length))
        return BI_ERR;
    if (start < 0)
        return bi_error(c, "negative offset");
    const char *s = STR(args[0]);
    size_t n = LEN(args[0]);
    if (n == 0) {
        *out = VAL_EMPTY_STRING_V;
        return BI_OK;
    }
    if (txt_is_ascii(s, n)) {
        if ((uint64_t)start >= n) {
            *out = VAL_EMPTY_STRING_V;
            return BI_OK;
        }
        size_t end = length < 0 || (uint64_t)length >= n - (size_t)start ? n : (size_t)start + (size_t)length;
        *out = string_or_same(c, args[0], s + start, end - (size_t)start);
        return BI_OK;
    }
    size_t runes = txt_rune_count(s, n);
    if (start == 0 && length >= 0 && (uint64_t)length >= runes) {
        *out = args[0];
        return BI_OK;
    }
    if ((uint64_t)start >= runes) {
        *out = VAL_EMPTY_STRING_V;
        return BI_OK;
    }
    uint64_t stop = length < 0 || (uint64_t)length >= runes - (uint64_t)start ? runes : (uint64_t)start + (uint64_t)length;
    /* Go slices a []rune and converts back, so stray bytes come out as U+FFFD. */
    strbuf sb = STRBUF_INIT;
    size_t w, k = 0;
    for (size_t i = 0; i < n && k < stop; i += w, k++) {
        uint32_t r = txt_utf8_decode(s + i, n - i, &w);
        if (k >= (uint64_t)start) {
            char buf[4];
            sb_append(&sb, buf, txt_utf8_encode(r, buf));
        }
    }
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

/* ---- trim family ---- */

static bool cutset_has(const uint32_t *set, size_t n, uint32_t r)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == r)
            return true;
    return false;
}

/* Bytes [*lo, *hi) of s after removing runes of the cutset from the left
 * and/or right (Go's strings.Trim, TrimLeft, TrimRight). */
static void trim_span(bi_ctx *c, val *s, val *cut, bool left, bool right, size_t *lo, size_t *hi)
{
    const char *p = STR(s);
    size_t a = 0, b = LEN(s), nset;
    *lo = a, *hi = b;
    if (b == 0 || LEN(cut) == 0)
        return;
    uint32_t *set = runes_of(c->a, STR(cut), LEN(cut), &nset);
    size_t w;
    if (left)
        while (a < b && cutset_has(set, nset, txt_utf8_decode(p + a, b - a, &w)))
            a += w;
    if (right)
        while (b > a && cutset_has(set, nset, decode_last(p + a, b - a, &w)))
            b -= w;
    *lo = a, *hi = b;
}

static bi_status trim_runes(bi_ctx *c, val *const *args, val **out, bool left, bool right)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    size_t lo, hi;
    trim_span(c, args[0], args[1], left, right, &lo, &hi);
    *out = string_or_same(c, args[0], STR(args[0]) + lo, hi - lo);
    return BI_OK;
}

static bi_status bi_trim(bi_ctx *c, val *const *args, val **out) { return trim_runes(c, args, out, true, true); }
static bi_status bi_trim_left(bi_ctx *c, val *const *args, val **out) { return trim_runes(c, args, out, true, false); }
static bi_status bi_trim_right(bi_ctx *c, val *const *args, val **out) { return trim_runes(c, args, out, false, true); }

static bi_status bi_trim_prefix(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    size_t k = LEN(args[1]);
    *out = k && has_prefix(args[0], STR(args[1]), k) ? val_string(c->a, STR(args[0]) + k, LEN(args[0]) - k)
                                                      : args[0];
    return BI_OK;
}

static bi_status bi_trim_suffix(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    size_t k = LEN(args[1]);
    *out = k && has_suffix(args[0], STR(args[1]), k) ? val_string(c->a, STR(args[0]), LEN(args[0]) - k) : args[0];
    return BI_OK;
}

/* unicode.IsSpace */
static bool go_isspace(uint32_t r)
{
    switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return r >= 0x2000 && r <= 0x200A;
    }
}

static bi_status bi_trim_space(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 1))
        return BI_ERR;
    const char *p = STR(args[0]);
    size_t a = 0, b = LEN(args[0]), w;
    while (a < b && go_isspace(txt_utf8_decode(p + a, b - a, &w)))
        a += w;
    while (b > a && go_isspace(decode_last(p + a, b - a, &w)))
        b -= w;
    *out = string_or_same(c, args[0], p + a, b - a);
    return BI_OK;
}

/* ---- strings.count, strings.reverse ---- */

static bi_status bi_count(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    const char *p = STR(args[0]), *t = STR(args[1]);
    size_t n = LEN(args[0]), m = LEN(args[1]);
    int64_t count = 0;
    if (m == 0) {
        count = (int64_t)txt_rune_count(p, n) + 1;
    } else {
        const char *q;
        while ((q = memmem(p, n, t, m)) != NULL) {
            count++;
            n -= (size_t)(q - p) + m;
            p = q + m;
        }
    }
    *out = val_int(c->a, count);
    return BI_OK;
}

static bi_status bi_reverse(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 1))
        return BI_ERR;
    const char *s = STR(args[0]);
    size_t n = LEN(args[0]), w;
    char *buf = arena_alloc(c->a, n ? n : 1);
    /* Whole UTF-8 sequences move; stray bytes move as themselves. */
    for (size_t i = 0; i < n; i += w) {
        txt_utf8_decode(s + i, n - i, &w);
        memcpy(buf + n - i - w, s + i, w);
    }
    *out = val_string(c->a, buf, n);
    return BI_OK;
}

const builtin_def bi_group_strings[] = {
    {"concat", 2, bi_concat, 0, NULL},
    {"contains", 2, bi_contains, BI_F_BOOL_TEST, NULL},
    {"endswith", 2, bi_endswith, BI_F_BOOL_TEST, NULL},
    {"format_int", 2, bi_format_int, 0, NULL},
    {"indexof", 2, bi_indexof, 0, NULL},
    {"indexof_n", 2, bi_indexof_n, 0, NULL},
    {"lower", 1, bi_lower, 0, NULL},
    {"replace", 3, bi_replace, 0, NULL},
    {"split", 2, bi_split, 0, NULL},
    {"sprintf", 2, txt_sprintf, 0, NULL},
    {"startswith", 2, bi_startswith, BI_F_BOOL_TEST, NULL},
    {"strings.any_prefix_match", 2, bi_any_prefix_match, BI_F_BOOL_TEST, NULL},
    {"strings.any_suffix_match", 2, bi_any_suffix_match, BI_F_BOOL_TEST, NULL},
    {"strings.count", 2, bi_count, 0, NULL},
    {"strings.render_template", 2, txt_render_template, 0, NULL},
    {"strings.replace_n", 2, bi_replace_n, 0, NULL},
    {"strings.reverse", 1, bi_reverse, 0, NULL},
    {"strings.split_n", 3, bi_split_n, 0, NULL},
    {"substring", 3, bi_substring, 0, NULL},
    {"trim", 2, bi_trim, 0, NULL},
    {"trim_left", 2, bi_trim_left, 0, NULL},
    {"trim_prefix", 2, bi_trim_prefix, 0, NULL},
    {"trim_right", 2, bi_trim_right, 0, NULL},
    {"trim_space", 1, bi_trim_space, 0, NULL},
    {"trim_suffix", 2, bi_trim_suffix, 0, NULL},
    {"upper", 1, bi_upper, 0, NULL},
    {0},
};
