/* types.c — type tests (is_*), type_name, to_number and the deprecated
 * (v0-only) cast_* functions. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../builtins.h"
#include "../number.h"
#include "../strbuf.h"

static bi_status kind_test(val *const *args, val **out, val_kind k)
{
    *out = val_bool(val_kind_of(args[0]) == k);
    return BI_OK;
}

static bi_status bi_is_number(bi_ctx *c, val *const *args, val **out) { (void)c; return kind_test(args, out, VAL_NUMBER); }
static bi_status bi_is_string(bi_ctx *c, val *const *args, val **out) { (void)c; return kind_test(args, out, VAL_STRING); }
static bi_status bi_is_boolean(bi_ctx *c, val *const *args, val **out) { (void)c; return kind_test(args, out, VAL_BOOL); }
static bi_status bi_is_array(bi_ctx *c, val *const *args, val **out) { (void)c; return kind_test(args, out, VAL_ARRAY); }
static bi_status bi_is_set(bi_ctx *c, val *const *args, val **out) { (void)c; return kind_test(args, out, VAL_SET); }
static bi_status bi_is_object(bi_ctx *c, val *const *args, val **out) { (void)c; return kind_test(args, out, VAL_OBJECT); }
static bi_status bi_is_null(bi_ctx *c, val *const *args, val **out) { (void)c; return kind_test(args, out, VAL_NULL); }

static bi_status bi_type_name(bi_ctx *c, val *const *args, val **out)
{
    *out = val_cstring(c->a, val_type_name(args[0]));
    return BI_OK;
}

/* ---- to_number ----
 * OPA accepts whatever Go's strconv.ParseFloat(s, 64) accepts except
 * infinities and NaN, and keeps the string as the number's text.  Go's syntax
 * is wider than JSON's ("+1", ".5", "1.", "007", "1_000", hex "0x1p-2"), so
 * such spellings are rewritten into the number they denote. */

/* Go's strconv.Quote for the error message: printable ASCII and valid
 * UTF-8 as is, the rest escaped. */
static void go_quote(strbuf *sb, const char *s, size_t n)
{
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': sb_puts(sb, "\\\""); break;
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\a': sb_puts(sb, "\\a"); break;
        case '\b': sb_puts(sb, "\\b"); break;
        case '\f': sb_puts(sb, "\\f"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        case '\v': sb_puts(sb, "\\v"); break;
        default:
            if (ch < 0x20 || ch == 0x7F)
                sb_printf(sb, "\\x%02x", ch);
            else if (ch < 0x80)
                sb_putc(sb, (char)ch);
            else {
                /* keep a well-formed multi-byte sequence, escape stray bytes */
                size_t len = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC2 ? 2 : 0;
                bool ok = len > 0 && len <= n - i && ch <= 0xF4;
                for (size_t k = 1; ok && k < len; k++)
                    ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
                if (ok) {
                    sb_append(sb, s + i, len);
                    i += len - 1;
                } else {
                    sb_printf(sb, "\\x%02x", ch);
                }
            }
        }
    }
    sb_putc(sb, '"');
}

static bi_status parse_float_error(bi_ctx *c, const char *s, size_t n, const char *why)
{
    strbuf q = STRBUF_INIT;
    go_quote(&q, s, n > 200 ? 200 : n); /* the message buffer is bounded anyway */
    bi_status st = bi_error(c, "strconv.ParseFloat: parsing %s: %s", q.data, why);
    sb_free(&q);
    return st;
}

/* Underscores are allowed only between digits (or after a base prefix), as
 * Go's underscoreOK checks. */
static bool underscores_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    char saw = '^';
    bool hex = false;
    if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X' || s[i + 1] == 'b' ||
                                      s[i + 1] == 'B' || s[i + 1] == 'o' || s[i + 1] == 'O')) {
        hex = s[i + 1] == 'x' || s[i + 1] == 'X';
        i += 2;
        saw = '0';
    }
    for (; i < n; i++) {
        if (isdigit((unsigned char)s[i]) || (hex && isxdigit((unsigned char)s[i]))) {
            saw = '0';
            continue;
        }
        if (s[i] == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

/* Whether s[0..n) is a finite number in Go's ParseFloat syntax (decimal or
 * hexadecimal mantissa, optional exponent; hex requires a 'p' exponent). */
static bool go_float_syntax(const char *s, size_t n, bool *is_hex)
{
    size_t i = 0;
    bool underscores = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    *is_hex = n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
    if (*is_hex)
        i += 2;
    bool digits = false, dot = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '_') {
            underscores = true;
        } else if (ch == '.') {
            if (dot)
                return false;
            dot = true;
        } else if (isdigit((unsigned char)ch) || (*is_hex && isxdigit((unsigned char)ch))) {
            digits = true;
        } else {
            break;
        }
    }
    if (!digits)
        return false;
    char e = *is_hex ? 'p' : 'e';
    if (i < n && tolower((unsigned char)s[i]) == e) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        bool exp_digits = false;
        for (; i < n && (isdigit((unsigned char)s[i]) || s[i] == '_'); i++) {
            if (s[i] == '_')
                underscores = true;
            else
                exp_digits = true;
        }
        if (!exp_digits)
            return false;
    } else if (*is_hex) {
        return false;
    }
    if (i != n)
        return false;
    return !underscores || underscores_ok(s, n);
}

/* Rewrite a decimal Go float spelling into JSON number syntax: no '+' or
 * underscores, no leading zeros, digits on both sides of '.'. */
static char *json_spelling(arena *a, const char *s, size_t n, size_t *len)
{
    char *out = arena_alloc(a, n + 3), *p = out;
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-') {
        if (s[i] == '-')
            *p++ = '-';
        i++;
    }
    /* integer part without leading zeros ("0" if empty) */
    char *int_start = p;
    for (; i < n && s[i] != '.' && s[i] != 'e' && s[i] != 'E'; i++)
        if (s[i] != '_' && !(s[i] == '0' && p == int_start))
            *p++ = s[i];
    if (p == int_start)
        *p++ = '0';
    if (i < n && s[i] == '.') {
        i++;
        char *frac = p;
        *p++ = '.';
        for (; i < n && s[i] != 'e' && s[i] != 'E'; i++)
            if (s[i] != '_')
                *p++ = s[i];
        if (p == frac + 1)
            p = frac; /* "1." -> "1" */
    }
    for (; i < n; i++)
        if (s[i] != '_')
            *p++ = s[i];
    *p = 0;
    *len = (size_t)(p - out);
    return out;
}

static bi_status string_to_number(bi_ctx *c, const val *str, val **out)
{
    const char *s = val_str(str);
    size_t n = val_len(str);

    /* Go also parses "inf", "infinity" and "nan" in any case; OPA refuses them. */
    size_t i = 0;
    while (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if ((n - i == 3 && (strncasecmp(s + i, "inf", 3) == 0 || strncasecmp(s + i, "nan", 3) == 0)) ||
        (n - i == 8 && strncasecmp(s + i, "infinity", 8) == 0))
        return bi_operand_type(c, 1, str, "valid number string");

    bool hex;
    if (memchr(s, 0, n) || !go_float_syntax(s, n, &hex))
        return parse_float_error(c, s, n, "invalid syntax");

    /* Out of float64's range is an error; underflow to zero is not. */
    if (hex) {
        /* strtod reads hex floats; only underscores need removing */
        char *h = arena_alloc(c->a, n + 1), *p = h;
        for (size_t k = 0; k < n; k++)
            if (s[k] != '_')
                *p++ = s[k];
        *p = 0;
        double d = strtod(h, NULL);
        if (isinf(d))
            return parse_float_error(c, s, n, "value out of range");
        *out = num_from_double(c->a, d);
        return BI_OK;
    }
    size_t jl;
    char *clean = json_spelling(c->a, s, n, &jl);
    if (isinf(strtod(clean, NULL)))
        return parse_float_error(c, s, n, "value out of range");

    /* Keep OPA's text when it is already a valid number ("-42.0"). */
    val *v = val_number_text(c->a, s, n);
    if (!v)
        v = val_number_text(c->a, clean, jl);
    if (!v)
        v = num_from_double(c->a, strtod(clean, NULL));
    *out = v;
    return BI_OK;
}

static bi_status bi_to_number(bi_ctx *c, val *const *args, val **out)
{
    const val *x = args[0];
    switch (val_kind_of(x)) {
    case VAL_NULL:
        *out = val_int(c->a, 0);
        return BI_OK;
    case VAL_BOOL:
        *out = val_int(c->a, val_is_true(x) ? 1 : 0);
        return BI_OK;
    case VAL_NUMBER:
        *out = (val *)x;
        return BI_OK;
    case VAL_STRING:
        return string_to_number(c, x, out);
    default:
        return bi_operand_types(c, 1, x, "null, boolean, number, string");
    }
}

/* ---- deprecated casts ---- */

static bi_status bi_cast_array(bi_ctx *c, val *const *args, val **out)
{
    const val *x = args[0];
    if (val_kind_of(x) == VAL_ARRAY) {
        *out = (val *)x;
        return BI_OK;
    }
    if (val_kind_of(x) == VAL_SET) {
        *out = val_len(x) ? val_array(c->a, val_set_items(x), val_len(x)) : VAL_EMPTY_ARRAY_V;
        return BI_OK;
    }
    return bi_operand_types(c, 1, x, "array, set");
}

static bi_status bi_cast_set(bi_ctx *c, val *const *args, val **out)
{
    const val *x = args[0];
    if (val_kind_of(x) == VAL_SET) {
        *out = (val *)x;
        return BI_OK;
    }
    if (val_kind_of(x) == VAL_ARRAY) {
        *out = val_len(x) ? val_set(c->a, val_array_items(x), val_len(x)) : VAL_EMPTY_SET_V;
        return BI_OK;
    }
    return bi_operand_types(c, 1, x, "array, set");
}

static bi_status cast_same(bi_ctx *c, const val *x, val_kind k, val **out)
{
    if (val_kind_of(x) != k)
        return bi_operand_type(c, 1, x, val_kind_name(k));
    *out = (val *)x;
    return BI_OK;
}

static bi_status bi_cast_string(bi_ctx *c, val *const *args, val **out) { return cast_same(c, args[0], VAL_STRING, out); }
static bi_status bi_cast_boolean(bi_ctx *c, val *const *args, val **out) { return cast_same(c, args[0], VAL_BOOL, out); }
static bi_status bi_cast_null(bi_ctx *c, val *const *args, val **out) { return cast_same(c, args[0], VAL_NULL, out); }
static bi_status bi_cast_object(bi_ctx *c, val *const *args, val **out) { return cast_same(c, args[0], VAL_OBJECT, out); }

const builtin_def bi_group_types[] = {
    {"is_number", 1, bi_is_number, BI_F_BOOL_TEST, NULL},
    {"is_string", 1, bi_is_string, BI_F_BOOL_TEST, NULL},
    {"is_boolean", 1, bi_is_boolean, BI_F_BOOL_TEST, NULL},
    {"is_array", 1, bi_is_array, BI_F_BOOL_TEST, NULL},
    {"is_set", 1, bi_is_set, BI_F_BOOL_TEST, NULL},
    {"is_object", 1, bi_is_object, BI_F_BOOL_TEST, NULL},
    {"is_null", 1, bi_is_null, BI_F_BOOL_TEST, NULL},
    {"type_name", 1, bi_type_name, 0, NULL},
    {"to_number", 1, bi_to_number, 0, NULL},
    {"cast_array", 1, bi_cast_array, BI_F_DEPRECATED, NULL},
    {"cast_set", 1, bi_cast_set, BI_F_DEPRECATED, NULL},
    {"cast_string", 1, bi_cast_string, BI_F_DEPRECATED, NULL},
    {"cast_boolean", 1, bi_cast_boolean, BI_F_DEPRECATED, NULL},
    {"cast_null", 1, bi_cast_null, BI_F_DEPRECATED, NULL},
    {"cast_object", 1, bi_cast_object, BI_F_DEPRECATED, NULL},
    {0},
};
