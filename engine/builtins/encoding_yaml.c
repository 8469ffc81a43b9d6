/* encoding_yaml.c — yaml.marshal, yaml.unmarshal, yaml.is_valid.
 *
 * OPA marshals with sigs.k8s.io/yaml: the value goes to JSON, the JSON is
 * read back by go-yaml v2 (numbers become int, uint64 or float64, every key
 * a string) and printed by go-yaml's emitter.  That emitter is a port of
 * libyaml's, so libyaml prints here, fed the same events: block styles,
 * keys in go-yaml's "natural" order, and each string plain, literal (when
 * it has a newline) or double-quoted (when plain text would read back as
 * something else: true, 1, null, 2001-01-01, 1:20 ...).  Reading uses
 * engine/yaml.h; errors are worded as go-yaml words them. */
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <yaml.h>

#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"
#include "../value.h"
#include "../yaml.h"
#include "strings_util.h"

bi_status txt_yaml_marshal(bi_ctx *c, val *const *args, val **out);
bi_status txt_yaml_unmarshal(bi_ctx *c, val *const *args, val **out);
bi_status txt_yaml_is_valid(bi_ctx *c, val *const *args, val **out);

/* ---- go-yaml v2's resolver: would this plain text read back as a string? ---- */

static bool all_in(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(set, s[i]))
            return false;
    return n > 0;
}

/* strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64) succeed (s has no '_'). */
static bool go_parse_int0(const char *s, size_t n)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    int base = 10;
    if (s[i] == '0' && i + 1 < n) {
        char p = (char)(s[i + 1] | 0x20);
        if (p == 'x')
            base = 16, i += 2;
        else if (p == 'o')
            base = 8, i += 2;
        else if (p == 'b')
            base = 2, i += 2;
        else
            base = 8, i += 1;
        if (i == n && base != 8)
            return false;
    }
    uint64_t v = 0;
    for (; i < n; i++) {
        int d;
        char ch = s[i];
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
            d = (ch | 0x20) - 'a' + 10;
        else
            return false;
        if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    /* int64 range, or (unsigned, no sign) uint64 range */
    return !neg || v <= UINT64_C(1) << 63;
}

/* `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` and finite. */
static bool yaml_style_float(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t intd = i - d0, fracd = 0;
    if (i < n && s[i] == '.') {
        i++;
        size_t f0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        fracd = i - f0;
    }
    if (intd == 0 && fracd == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e0)
            return false;
    }
    if (i != n)
        return false;
    char buf[64];
    if (n >= sizeof buf)
        return true;
    memcpy(buf, s, n);
    buf[n] = 0;
    double d = strtod(buf, NULL);
    return d <= 1.7976931348623157e308 && d >= -1.7976931348623157e308;
}

static bool digits_at(const char *s, size_t n, size_t *i, size_t min, size_t max, int *val)
{
    size_t k = 0;
    *val = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
        *val = *val * 10 + (s[*i] - '0');
        (*i)++, k++;
    }
    return k >= min;
}

/* go-yaml's parseTimestamp: 2006-1-2, optionally with a time
 * ("T15:4:5.999Z07:00", "t..." or " 15:4:5.999" without zone). */
static bool is_timestamp(const char *s, size_t n)
{
    if (n < 5 || !all_in(s, 4, "0123456789") || s[4] != '-')
        return false;
    size_t i = 5;
    int year = atoi(s), mon, day, h, m, sec;
    if (!digits_at(s, n, &i, 1, 2, &mon) || i >= n || s[i++] != '-' || !digits_at(s, n, &i, 1, 2, &day))
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mon < 1 || mon > 12 || day < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[mon - 1] + (mon == 2 && leap))
        return false;
    if (i == n)
        return true;
    char sep = s[i++];
    if (sep != 'T' && sep != 't' && sep != ' ')
        return false;
    if (!digits_at(s, n, &i, 1, 2, &h) || h > 23 || i >= n || s[i++] != ':' || !digits_at(s, n, &i, 1, 2, &m) ||
        m > 59 || i >= n || s[i++] != ':' || !digits_at(s, n, &i, 1, 2, &sec) || sec > 59)
        return false;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
        size_t f0 = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f0)
            return false;
    }
    if (sep == ' ')
        return i == n;
    if (i < n && s[i] == 'Z')
        return i + 1 == n;
    int zh, zm;
    return i < n && (s[i] == '+' || s[i] == '-') && (++i, digits_at(s, n, &i, 2, 2, &zh)) && i < n &&
           s[i++] == ':' && digits_at(s, n, &i, 2, 2, &zm) && i == n;
}

/* `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$` */
static bool is_base60_float(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return false;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
        i++;
    int groups = 0;
    while (i < n && s[i] == ':') {
        i++;
        size_t d0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - d0 < 2)
            i++;
        size_t nd = i - d0;
        if (nd == 0 || (nd == 2 && s[d0] > '5'))
            return false;
        groups++;
    }
    if (!groups)
        return false;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            i++;
    }
    return i == n;
}

static const char *const special_words[] = {
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
    "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
};

/* go-yaml v2 resolve("", s) == !!str, and s is not a base-60 float. */
static bool plain_is_string(const char *s, size_t n)
{
    char hint = 'N';
    if (n) {
        char ch = s[0];
        if (ch == '+' || ch == '-')
            hint = 'S';
        else if (ch >= '0' && ch <= '9')
            hint = 'D';
        else if (strchr("yYnNtTfFoO~", ch))
            hint = 'M';
        else if (ch == '.')
            hint = '.';
        else
            hint = 0;
    }
    if (hint) {
        for (size_t i = 0; i < sizeof special_words / sizeof special_words[0]; i++)
            if (strlen(special_words[i]) == n && memcmp(special_words[i], s, n) == 0)
                return false;
        if (hint == '.' && yaml_style_float(s, n))
            return false;
        if (hint == 'D' || hint == 'S') {
            if (is_timestamp(s, n))
                return false;
            char buf[128];
            size_t k = 0;
            for (size_t i = 0; i < n && k < sizeof buf - 1; i++)
                if (s[i] != '_')
                    buf[k++] = s[i];
            if (n < sizeof buf && (go_parse_int0(buf, k) || yaml_style_float(buf, k)))
                return false;
        }
    }
    return !is_base60_float(s, n);
}

/* ---- go-yaml v2's key order ---- */

static locale_t alpha_loc;
static pthread_once_t alpha_once = PTHREAD_ONCE_INIT;

static void alpha_init(void) { alpha_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

static bool is_letter(uint32_t r)
{
    if (r < 0x80)
        return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
    pthread_once(&alpha_once, alpha_init);
    return alpha_loc && iswalpha_l((wint_t)r, alpha_loc);
}

static bool is_digit(uint32_t r) { return r >= '0' && r <= '9'; }

typedef struct ykey {
    uint32_t *runes;
    size_t n;
    const char *s;
    size_t len;
    val *value;
} ykey;

/* keyList.Less for two strings: runs of digits compare as numbers, letters
 * sort after other characters. */
static bool key_less(const ykey *a, const ykey *b)
{
    const uint32_t *ar = a->runes, *br = b->runes;
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        if (ar[i] == br[i])
            continue;
        bool al = is_letter(ar[i]), bl = is_letter(br[i]);
        if (al && bl)
            return ar[i] < br[i];
        if (al || bl)
            return bl;
        uint64_t an = 0, bn = 0;
        size_t ai, bi;
        if (ar[i] == '0' || br[i] == '0') {
            for (size_t j = i; j-- > 0 && is_digit(ar[j]);) {
                if (ar[j] != '0') {
                    an = bn = 1;
                    break;
                }
            }
        }
        for (ai = i; ai < a->n && is_digit(ar[ai]); ai++)
            an = an * 10 + (ar[ai] - '0');
        for (bi = i; bi < b->n && is_digit(br[bi]); bi++)
            bn = bn * 10 + (br[bi] - '0');
        if (an != bn)
            return (int64_t)an < (int64_t)bn;
        if (ai != bi)
            return ai < bi;
        return ar[i] < br[i];
    }
    return a->n < b->n;
}

static int cmp_key(const void *x, const void *y)
{
    const ykey *a = x, *b = y;
    return key_less(a, b) ? -1 : key_less(b, a) ? 1 : 0;
}

/* ---- emitting ---- */

typedef struct yemit {
    yaml_emitter_t em;
    strbuf out;
    const char *problem;
} yemit;

static int write_out(void *data, unsigned char *buf, size_t n)
{
    sb_append(&((yemit *)data)->out, (const char *)buf, n);
    return 1;
}

static bool emit(yemit *y, yaml_event_t *ev)
{
    if (y->problem)
        return false;
    if (!yaml_emitter_emit(&y->em, ev)) {
        y->problem = y->em.problem ? y->em.problem : "cannot emit YAML";
        return false;
    }
    return true;
}

static bool emit_scalar(yemit *y, const char *s, size_t n, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1, style)) {
        y->problem = "out of memory";
        return false;
    }
    return emit(y, &ev);
}

/* A string as go-yaml's stringv prints it.  Invalid UTF-8 was replaced by
 * U+FFFD on the way through JSON. */
static bool emit_string(yemit *y, const char *s, size_t n)
{
    char *fixed = NULL;
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = txt_utf8_decode(s + i, n - i, &w);
        if (r == TXT_RUNE_ERROR && w == 1) {
            strbuf sb = STRBUF_INIT;
            for (size_t j = 0; j < n; j += w) {
                char enc[4];
                uint32_t rr = txt_utf8_decode(s + j, n - j, &w);
                sb_append(&sb, enc, txt_utf8_encode(rr, enc));
            }
            fixed = sb.data;
            s = fixed;
            n = sb.len;
            break;
        }
    }
    yaml_scalar_style_t style;
    if (memchr(s, '\n', n))
        style = YAML_LITERAL_SCALAR_STYLE;
    else if (plain_is_string(s, n))
        style = YAML_PLAIN_SCALAR_STYLE;
    else
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    bool ok = emit_scalar(y, s, n, style);
    free(fixed);
    return ok;
}

/* A number as go-yaml reads its JSON text back (int64, uint64 or float64)
 * and prints it. */
static bool emit_number(yemit *y, const val *v)
{
    char buf[32];
    if (val_is_int(v)) {
        int len = snprintf(buf, sizeof buf, "%lld", (long long)val_int_value(v));
        return emit_scalar(y, buf, (size_t)len, YAML_PLAIN_SCALAR_STYLE);
    }
    const char *t = ((const vnum *)v)->text;
    size_t n = strlen(t);
    bool neg = t[0] == '-';
    if (all_in(t + neg, n - neg, "0123456789")) {
        if (all_in(t + neg, n - neg, "0"))
            return emit_scalar(y, "0", 1, YAML_PLAIN_SCALAR_STYLE);  /* "-0" */
        if (!neg && go_parse_int0(t, n))
            return emit_scalar(y, t, n, YAML_PLAIN_SCALAR_STYLE);    /* fits uint64 */
    }
    double d = strtod(t, NULL);
    if (d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
        return emit_string(y, t, n);      /* out of float64 range: stays text */
    strbuf f = STRBUF_INIT;
    txt_go_format_float(&f, d, 'g', -1);
    bool ok = emit_scalar(y, f.data, f.len, YAML_PLAIN_SCALAR_STYLE);
    sb_free(&f);
    return ok;
}

static bool emit_value(yemit *y, const val *v);

static bool emit_sequence(yemit *y, val *const *items, size_t n)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    if (!emit(y, &ev))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!emit_value(y, items[i]))
            return false;
    yaml_sequence_end_event_initialize(&ev);
    return emit(y, &ev);
}

static bool emit_mapping(yemit *y, const val *obj)
{
    size_t n = val_len(obj);
    val *const *keys = val_object_keys(obj), *const *vals = val_object_values(obj);
    ykey *k = calloc(n ? n : 1, sizeof *k);
    strbuf names = STRBUF_INIT;           /* JSON text of non-string keys (ast.JSON) */
    size_t *offs = calloc(n ? n : 1, sizeof *offs);
    bool ok = k && offs;
    for (size_t i = 0; ok && i < n; i++) {
        if (val_kind_of(keys[i]) != VAL_STRING) {
            offs[i] = names.len;
            json_write(&names, keys[i], JSON_ESCAPE_HTML);
            k[i].len = names.len - offs[i];
        } else {
            k[i].s = val_str(keys[i]);
            k[i].len = val_len(keys[i]);
        }
        k[i].value = vals[i];
    }
    for (size_t i = 0; ok && i < n; i++) {
        if (!k[i].s)
            k[i].s = names.data + offs[i];
        k[i].runes = malloc((k[i].len ? k[i].len : 1) * sizeof *k[i].runes);
        ok = k[i].runes != NULL;
        size_t w;
        for (size_t j = 0; ok && j < k[i].len; j += w)
            k[i].runes[k[i].n++] = txt_utf8_decode(k[i].s + j, k[i].len - j, &w);
    }
    if (ok) {
        qsort(k, n, sizeof *k, cmp_key);
        yaml_event_t ev;
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        ok = emit(y, &ev);
        for (size_t i = 0; ok && i < n; i++)
            ok = emit_string(y, k[i].s, k[i].len) && emit_value(y, k[i].value);
        if (ok) {
            yaml_mapping_end_event_initialize(&ev);
            ok = emit(y, &ev);
        }
    } else if (!y->problem) {
        y->problem = "out of memory";
    }
    for (size_t i = 0; k && i < n; i++)
        free(k[i].runes);
    free(k);
    free(offs);
    sb_free(&names);
    return ok;
}

static bool emit_value(yemit *y, const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_NULL:
        return emit_scalar(y, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    case VAL_BOOL:
        return val_is_true(v) ? emit_scalar(y, "true", 4, YAML_PLAIN_SCALAR_STYLE)
                              : emit_scalar(y, "false", 5, YAML_PLAIN_SCALAR_STYLE);
    case VAL_NUMBER:
        return emit_number(y, v);
    case VAL_STRING:
        return emit_string(y, val_str(v), val_len(v));
    case VAL_ARRAY:
        return emit_sequence(y, val_array_items(v), val_len(v));
    case VAL_SET:
        return emit_sequence(y, val_set_items(v), val_len(v));
    case VAL_OBJECT:
        return emit_mapping(y, v);
    }
    return false;
}

bi_status txt_yaml_marshal(bi_ctx *c, val *const *args, val **out)
{
    yemit y;
    memset(&y, 0, sizeof y);
    if (!yaml_emitter_initialize(&y.em))
        return bi_error(c, "yaml: cannot create emitter");
    yaml_emitter_set_output(&y.em, write_out, &y);
    yaml_emitter_set_unicode(&y.em, 1);
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    emit(&y, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    emit(&y, &ev);
    emit_value(&y, args[0]);
    yaml_document_end_event_initialize(&ev, 1);
    emit(&y, &ev);
    yaml_stream_end_event_initialize(&ev);
    emit(&y, &ev);
    yaml_emitter_delete(&y.em);
    if (y.problem) {
        sb_free(&y.out);
        return bi_error(c, "yaml: %s", y.problem);
    }
    /* libyaml ends a stream that had a "|+" scalar with "..."; go-yaml v2
     * does not. */
    if (y.out.len >= 4 && memcmp(y.out.data + y.out.len - 4, "...\n", 4) == 0 &&
        (y.out.len == 4 || y.out.data[y.out.len - 5] == '\n')) {
        y.out.len -= 4;
        y.out.data[y.out.len] = 0;
    }
    *out = txt_string_from_sb(c->a, &y.out);
    return BI_OK;
}

/* ---- reading ---- */

/* go-yaml's message for a document libyaml cannot parse ("yaml: line 1:
 * did not find expected ',' or ']'"); false when the first document
 * parses. */
static bool yaml_syntax_error(const char *s, size_t n, strbuf *msg)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return false;
    yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
    bool failed = false;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            failed = true;
            break;
        }
        yaml_event_type_t t = ev.type;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT)
            break;
    }
    if (failed) {
        size_t line = 0;
        if (p.problem_mark.line) {
            line = p.problem_mark.line;
            if (p.error == YAML_SCANNER_ERROR)  /* the scanner has not counted this line yet */
                line++;
        } else if (p.context_mark.line) {
            line = p.context_mark.line;
        }
        sb_puts(msg, "yaml: ");
        if (line)
            sb_printf(msg, "line %zu: ", line);
        sb_puts(msg, p.problem ? p.problem : "unknown problem parsing YAML content");
    }
    yaml_parser_delete(&p);
    return failed;
}

bi_status txt_yaml_unmarshal(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    json_error err;
    memset(&err, 0, sizeof err);
    val *v = yaml_parse(c->a, val_str(args[0]), val_len(args[0]), &err);
    if (v) {
        *out = v;
        return BI_OK;
    }
    strbuf msg = STRBUF_INIT;
    if (yaml_syntax_error(val_str(args[0]), val_len(args[0]), &msg))
        bi_error(c, "%s", msg.data);
    else
        bi_error(c, "%s", err.msg);
    sb_free(&msg);
    return BI_ERR;
}

bi_status txt_yaml_is_valid(bi_ctx *c, val *const *args, val **out)
{
    bool ok = false;
    if (val_kind_of(args[0]) == VAL_STRING) {
        json_error err;
        ok = yaml_parse(c->a, val_str(args[0]), val_len(args[0]), &err) != NULL;
    }
    *out = val_bool(ok);
    return BI_OK;
}
