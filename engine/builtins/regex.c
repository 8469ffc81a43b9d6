/* regex.c — builtin group "regex": regex.match (and its deprecated alias
 * re_match), regex.is_valid, regex.find_n, regex.find_all_string_submatch_n,
 * regex.replace, regex.split, regex.template_match and regex.globs_match.
 *
 * Behaviour follows OPA's topdown/regex.go and regex_template.go.  Patterns
 * are Go regular expressions, compiled and matched by RE2 through
 * re2_shim.h, which caches compiled patterns, words compile errors as Go
 * does ("error parsing regexp: missing closing ]: `[`") and applies Go's
 * rules for repeated and empty matches.  A compile error is the builtin's
 * error (eval_builtin_error); a wrong operand type is eval_type_error.
 *
 * regex.globs_match is not a regular expression matter: OPA answers it with
 * the glob-intersection library (github.com/yashtewari/glob-intersection,
 * v0.2.0), whose tokens, error texts and intersection rules are reproduced
 * in the last section of this file. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "re2_shim.h"
#include "strings_util.h"

#define STR(v) val_str(v)
#define LEN(v) ((size_t)val_len(v))

static bi_status check_strings(bi_ctx *c, val *const *args, int n)
{
    for (int i = 0; i < n; i++)
        if (val_kind_of(args[i]) != VAL_STRING)
            return bi_operand_type(c, i + 1, args[i], "string");
    return BI_OK;
}

/* ---- results the shim allocated with malloc ----
 *
 * Building values can run the arena out of memory, which unwinds with
 * longjmp; the shim's buffers are freed on the way. */

typedef val *(*matches_builder)(bi_ctx *c, const char *s, size_t n, const re2s_matches *m);

static val *from_matches(bi_ctx *c, const char *s, size_t n, re2s_matches *m, matches_builder build)
{
    arena *a = c->a;
    jmp_buf here;
    jmp_buf *volatile outer = a->oom;
    if (outer) {
        if (setjmp(here)) {
            a->oom = outer;
            re2s_matches_free(m);
            longjmp(*outer, a->oom_code ? a->oom_code : ARENA_OOM);
        }
        a->oom = &here;
    }
    val *v = build(c, s, n, m);
    a->oom = outer;
    re2s_matches_free(m);
    return v;
}

/* FindAllString: the text of each match. */
static val *build_strings(bi_ctx *c, const char *s, size_t n, const re2s_matches *m)
{
    (void)n;
    if (m->count == 0)
        return VAL_EMPTY_ARRAY_V;
    varr *arr = val_array_alloc(c->a, m->count);
    for (size_t k = 0; k < m->count; k++) {
        const long *p = m->pos + 2 * k * (size_t)m->ngroups;
        arr->items[k] = val_string(c->a, s + p[0], (size_t)(p[1] - p[0]));
    }
    return val_array_seal(arr);
}

/* FindAllStringSubmatch: per match, the text of each group ("" for a group
 * that took no part). */
static val *build_submatches(bi_ctx *c, const char *s, size_t n, const re2s_matches *m)
{
    (void)n;
    if (m->count == 0)
        return VAL_EMPTY_ARRAY_V;
    varr *outer = val_array_alloc(c->a, m->count);
    for (size_t k = 0; k < m->count; k++) {
        varr *inner = val_array_alloc(c->a, (size_t)m->ngroups);
        for (int g = 0; g < m->ngroups; g++) {
            const long *p = m->pos + 2 * (k * (size_t)m->ngroups + (size_t)g);
            inner->items[g] = p[0] < 0 ? VAL_EMPTY_STRING_V : val_string(c->a, s + p[0], (size_t)(p[1] - p[0]));
        }
        outer->items[k] = val_array_seal(inner);
    }
    return val_array_seal(outer);
}

/* Regexp.Split(s, -1), given the pattern's matches: the pieces between
 * them, without the empty piece a match at the very start would leave, nor
 * the one after a match at the very end. */
static val *build_split(bi_ctx *c, const char *s, size_t n, const re2s_matches *m)
{
    val_arrb b;
    val_arrb_init(&b, c->a);
    size_t beg = 0, end = 0;
    for (size_t k = 0; k < m->count; k++) {
        const long *p = m->pos + 2 * k;
        end = (size_t)p[0];
        if (p[1] != 0)
            val_arrb_push(&b, val_string(c->a, s + beg, end - beg));
        beg = (size_t)p[1];
    }
    if (end != n)
        val_arrb_push(&b, val_string(c->a, s + beg, n - beg));
    return val_arrb_finish(&b);
}

/* ---- regex.match, re_match, regex.is_valid ---- */

static bi_status bi_regex_match(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    char err[sizeof c->err_msg];
    bool matched = false;
    if (re2s_match(STR(args[0]), LEN(args[0]), STR(args[1]), LEN(args[1]), &matched, err, sizeof err))
        return bi_error(c, "%s", err);
    *out = val_bool(matched);
    return BI_OK;
}

/* Any operand that is not a valid pattern, strings or not, is false. */
static bi_status bi_regex_is_valid(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    bool ok = val_kind_of(args[0]) == VAL_STRING && re2s_check(STR(args[0]), LEN(args[0]), NULL, 0) == RE2S_OK;
    *out = val_bool(ok);
    return BI_OK;
}

/* ---- regex.find_n, regex.find_all_string_submatch_n, regex.split ---- */

static bi_status find_all(bi_ctx *c, val *const *args, val **out, bool groups)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    int64_t n;
    if (txt_int_operand(c, args[2], 3, &n))
        return BI_ERR;
    long limit = n < 0 ? -1 : (n > (int64_t)LEN(args[1]) + 1 ? (long)LEN(args[1]) + 1 : (long)n);
    char err[sizeof c->err_msg];
    re2s_matches m;
    if (re2s_find_all(STR(args[0]), LEN(args[0]), STR(args[1]), LEN(args[1]), limit, groups, &m, err, sizeof err))
        return bi_error(c, "%s", err);
    *out = from_matches(c, STR(args[1]), LEN(args[1]), &m, groups ? build_submatches : build_strings);
    return BI_OK;
}

static bi_status bi_regex_find_n(bi_ctx *c, val *const *args, val **out) { return find_all(c, args, out, false); }

static bi_status bi_regex_find_all_submatch(bi_ctx *c, val *const *args, val **out)
{
    return find_all(c, args, out, true);
}

static bi_status bi_regex_split(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    char err[sizeof c->err_msg];
    re2s_matches m;
    if (re2s_find_all(STR(args[0]), LEN(args[0]), STR(args[1]), LEN(args[1]), -1, false, &m, err, sizeof err))
        return bi_error(c, "%s", err);
    if (LEN(args[0]) > 0 && LEN(args[1]) == 0) {
        re2s_matches_free(&m);
        val *empty = VAL_EMPTY_STRING_V;
        *out = val_array(c->a, &empty, 1);
        return BI_OK;
    }
    *out = from_matches(c, STR(args[1]), LEN(args[1]), &m, build_split);
    return BI_OK;
}

/* ---- regex.replace ---- */

static bi_status bi_regex_replace(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 3))
        return BI_ERR;
    char err[sizeof c->err_msg];
    char *res;
    size_t len;
    if (re2s_replace_all(STR(args[1]), LEN(args[1]), STR(args[0]), LEN(args[0]), STR(args[2]), LEN(args[2]), &res,
                         &len, err, sizeof err))
        return bi_error(c, "%s", err);
    if (len == LEN(args[0]) && memcmp(res, STR(args[0]), len) == 0) {
        free(res);
        *out = args[0];
        return BI_OK;
    }
    strbuf sb = {res, len, len + 1};
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

/* ---- regex.template_match ----
 *
 * A template is literal text with regular expressions between a start and
 * an end delimiter ("urn:foo:{.*}"); it matches a string that the whole
 * template matches, the literal parts literally (gorilla/mux's scheme, which
 * OPA copied). */

/* regexp.QuoteMeta. */
static void quote_meta(strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr("\\.+*?()|[]{}^$", s[i]) && s[i] != '\0')
            sb_putc(sb, '\\');
        sb_putc(sb, s[i]);
    }
}

/* OPA's delimiterIndices: start and end+1 of each outermost delimited
 * part, or false when the delimiters do not balance. */
static bool delimiter_spans(const char *s, size_t n, char open, char close, size_t **spans, size_t *count)
{
    size_t *out = malloc((n + 1) * sizeof *out);
    if (!out)
        return false;
    size_t k = 0, start = 0;
    long level = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == open) {
            if (++level == 1)
                start = i;
        } else if (s[i] == close) {
            if (--level == 0) {
                out[k++] = start;
                out[k++] = i + 1;
            } else if (level < 0) {
                free(out);
                return false;
            }
        }
    }
    if (level != 0) {
        free(out);
        return false;
    }
    *spans = out;
    *count = k;
    return true;
}

static bi_status bi_regex_template_match(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 4))
        return BI_ERR;
    if (LEN(args[2]) != 1)
        return bi_error(c, "start delimiter has to be exactly one character long but is %zu long", LEN(args[2]));
    if (LEN(args[3]) != 1)
        /* OPA reports the start delimiter's length here. */
        return bi_error(c, "end delimiter has to be exactly one character long but is %zu long", LEN(args[2]));
    const char *tpl = STR(args[0]);
    size_t n = LEN(args[0]);
    size_t *spans = NULL, count = 0;
    if (!delimiter_spans(tpl, n, STR(args[2])[0], STR(args[3])[0], &spans, &count)) {
        strbuf q = STRBUF_INIT;
        txt_go_quote(&q, tpl, n, false);
        bi_error(c, "unbalanced braces in %s", q.data);
        sb_free(&q);
        return BI_ERR;
    }
    char err[sizeof c->err_msg];
    strbuf pat = STRBUF_INIT, part = STRBUF_INIT;
    sb_putc(&pat, '^');
    size_t end = 0;
    for (size_t i = 0; i < count; i += 2) {
        size_t open = spans[i];
        quote_meta(&pat, tpl + end, open - end);
        end = spans[i + 1];
        const char *inner = tpl + open + 1;
        size_t inner_len = end - 1 - (open + 1);
        sb_putc(&pat, '(');
        sb_append(&pat, inner, inner_len);
        sb_putc(&pat, ')');
        /* Each part must be a valid expression on its own. */
        sb_reset(&part);
        sb_putc(&part, '^');
        sb_append(&part, inner, inner_len);
        sb_putc(&part, '$');
        if (re2s_check(part.data, part.len, err, sizeof err)) {
            free(spans);
            sb_free(&pat);
            sb_free(&part);
            return bi_error(c, "%s", err);
        }
    }
    quote_meta(&pat, tpl + end, n - end);
    sb_putc(&pat, '$');
    free(spans);
    sb_free(&part);
    bool matched = false;
    re2s_status st = re2s_match(pat.data, pat.len, STR(args[1]), LEN(args[1]), &matched, err, sizeof err);
    sb_free(&pat);
    if (st)
        return bi_error(c, "%s", err);
    *out = val_bool(matched);
    return BI_OK;
}

/* ---- regex.globs_match: glob-intersection ----
 *
 * Its globs are not glob.match's: `.` is any character, `[...]` a set of
 * characters (ranges `a-z`, no negation), `+` and `*` after a token repeat
 * it at least once or any number of times, `\` escapes; anything else is
 * itself.  NonEmpty(a, b) tokenizes both (Tokenize, then Simplify), trims a
 * common prefix and suffix (trimGlobs), then walks them with four mutually
 * recursive functions (intersectNormal, intersectSpecial, intersectPlus,
 * intersectStar).  That walk is a heuristic, not an exact test of language
 * intersection, and its answers are OPA's, so it is reproduced as written,
 * with one change: results are memoised and the recursion runs on an
 * explicit stack, so hostile globs take time polynomial in their length and
 * no C stack. */

enum { GI_CHAR, GI_DOT, GI_SET };
enum { GI_NONE, GI_PLUS, GI_STAR };

typedef struct gi_tok {
    uint8_t type;
    uint8_t flag;
    uint32_t r;             /* GI_CHAR */
    uint32_t *ranges;       /* GI_SET: sorted, disjoint, non-adjacent [lo, hi] pairs */
    size_t nranges;
} gi_tok;

typedef struct gi_glob {
    gi_tok *t;
    size_t n;
} gi_glob;

typedef struct gi_lexer {
    bi_ctx *c;
    const val *input;       /* for error messages */
    uint32_t *in;           /* the input's runes ([]rune(input)) */
    size_t len;
} gi_lexer;

typedef enum { GI_OK, GI_EOI, GI_ERR } gi_res;

/* errors.Wrap(ErrInvalidInput, "input:<input>, pos:<i>, <message>"). */
static gi_res gi_error(gi_lexer *lx, size_t pos, const char *msg)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < lx->len; i++) {
        char buf[4];
        sb_append(&sb, buf, txt_utf8_encode(lx->in[i], buf));
    }
    bi_error(lx->c, "input:%s, pos:%zu, %s: the input provided is invalid", sb.data ? sb.data : "", pos, msg);
    sb_free(&sb);
    return GI_ERR;
}

static const char *gi_rune_text(uint32_t r, char buf[5])
{
    size_t n = txt_utf8_encode(r, buf);
    buf[n] = '\0';
    return buf;
}

/* nextRune. */
static gi_res gi_next_rune(gi_lexer *lx, size_t index, size_t *next, uint32_t *r, bool *escaped)
{
    if (index >= lx->len) {
        *next = index;
        return GI_EOI;
    }
    if (lx->in[index] == '\\') {
        if (index < lx->len - 1) {
            *next = index + 2;
            *r = lx->in[index + 1];
            *escaped = true;
            return GI_OK;
        }
        return gi_error(lx, index, "input ends with a \\ (escape) character");
    }
    *next = index + 1;
    *r = lx->in[index];
    *escaped = false;
    return GI_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* nextTokenSet, after the `[`.  Ranges are kept as ranges (Go's library
 * enumerates their runes into a map). */
static gi_res gi_next_set(gi_lexer *lx, size_t index, size_t *next, gi_tok *tok)
{
    size_t cap = 8, n = 0;
    uint32_t *pairs = arena_alloc(lx->c->a, cap * 2 * sizeof *pairs);
    uint32_t r = 0, prev = 0;
    bool escaped = false, complete = false, prev_exists = false;
    size_t at = index;
    gi_res res = gi_next_rune(lx, index, &at, &r, &escaped);
    if (res == GI_ERR)
        return res;
    for (; res != GI_EOI; res = gi_next_rune(lx, at, &at, &r, &escaped)) {
        if (res == GI_ERR)
            return res;
        uint32_t lo = r, hi = r;
        if (!escaped && r == '-') {
            if (!prev_exists)
                return gi_error(lx, at, "range character '-' must be preceded by a Unicode character");
            if (at + 1 >= lx->len)
                return gi_error(lx, at, "range character '-' must be followed by a Unicode character");
            gi_next_rune(lx, at, &at, &r, &escaped);
            if (!escaped && (r == ']' || r == '-'))
                return gi_error(lx, at, "range character '-' cannot be followed by a special symbol");
            if (r < prev) {
                char a[5], b[5], msg[64];
                snprintf(msg, sizeof msg, "range is out of order: '%s' comes before '%s' in Unicode",
                         gi_rune_text(r, a), gi_rune_text(prev, b));
                return gi_error(lx, at, msg);
            }
            lo = prev;
            hi = r;
            prev_exists = false;
        } else if (!escaped && r == ']') {
            complete = true;
            break;
        } else {
            prev = r;
            prev_exists = true;
        }
        if (n == cap) {
            uint32_t *bigger = arena_alloc(lx->c->a, cap * 4 * sizeof *bigger);
            memcpy(bigger, pairs, cap * 2 * sizeof *pairs);
            pairs = bigger;
            cap *= 2;
        }
        pairs[2 * n] = lo;
        pairs[2 * n + 1] = hi;
        n++;
    }
    if (!complete)
        return gi_error(lx, at, "found [ without matching ]");
    /* Sort by start and merge overlapping or adjacent ranges. */
    qsort(pairs, n, 2 * sizeof *pairs, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && pairs[2 * i] <= pairs[2 * k - 1] + 1) {
            if (pairs[2 * i + 1] > pairs[2 * k - 1])
                pairs[2 * k - 1] = pairs[2 * i + 1];
        } else {
            pairs[2 * k] = pairs[2 * i];
            pairs[2 * k + 1] = pairs[2 * i + 1];
            k++;
        }
    }
    tok->type = GI_SET;
    tok->ranges = pairs;
    tok->nranges = k;
    *next = at;
    return GI_OK;
}

/* nextToken: a token and the flag after it. */
static gi_res gi_next_token(gi_lexer *lx, size_t index, size_t *next, gi_tok *tok)
{
    uint32_t r = 0;
    bool escaped = false;
    size_t at;
    memset(tok, 0, sizeof *tok);
    gi_res res = gi_next_rune(lx, index, &at, &r, &escaped);
    if (res != GI_OK)
        return res;
    if (!escaped && r == '.') {
        tok->type = GI_DOT;
    } else if (!escaped && r == '[') {
        res = gi_next_set(lx, at, &at, tok);
        if (res != GI_OK)
            return res;
    } else if (!escaped && r == ']') {
        return gi_error(lx, at, "set-close ']' with no preceding '['");
    } else if (!escaped && (r == '+' || r == '*')) {
        char msg[64];
        snprintf(msg, sizeof msg, "flag '%c' must be preceded by a non-flag", (char)r);
        return gi_error(lx, at, msg);
    } else {
        tok->type = GI_CHAR;
        tok->r = r;
    }
    /* nextFlag */
    size_t after;
    res = gi_next_rune(lx, at, &after, &r, &escaped);
    if (res == GI_ERR)
        return res;
    if (res == GI_OK && !escaped && (r == '+' || r == '*')) {
        tok->flag = r == '+' ? GI_PLUS : GI_STAR;
        at = after;
    }
    *next = at;
    return GI_OK;
}

static bool gi_same(const gi_tok *a, const gi_tok *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == GI_CHAR)
        return a->r == b->r;
    if (a->type == GI_SET)
        return a->nranges == b->nranges && memcmp(a->ranges, b->ranges, 2 * a->nranges * sizeof *a->ranges) == 0;
    return true;
}

static bool gi_set_has(const gi_tok *s, uint32_t r)
{
    size_t lo = 0, hi = s->nranges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r < s->ranges[2 * mid])
            hi = mid;
        else if (r > s->ranges[2 * mid + 1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Match: whether two tokens (flags aside) have a character in common; a
 * dot has one with anything, even an empty set. */
static bool gi_match(const gi_tok *a, const gi_tok *b)
{
    if (a->type > b->type) {
        const gi_tok *t = a;
        a = b;
        b = t;
    }
    if (a->type == GI_CHAR) {
        if (b->type == GI_CHAR)
            return a->r == b->r;
        if (b->type == GI_DOT)
            return true;
        return gi_set_has(b, a->r);
    }
    if (a->type == GI_DOT)
        return true;
    size_t i = 0, j = 0;
    while (i < a->nranges && j < b->nranges) {
        if (a->ranges[2 * i + 1] < b->ranges[2 * j])
            i++;
        else if (b->ranges[2 * j + 1] < a->ranges[2 * i])
            j++;
        else
            return true;
    }
    return false;
}

/* NewGlob: Tokenize, then Simplify (a flagged token right after an equal
 * flagged token merges into it; + wins over *). */
static gi_res gi_parse(bi_ctx *c, const val *input, gi_glob *g)
{
    gi_lexer lx = {c, input, NULL, 0};
    const char *s = STR(input);
    size_t n = LEN(input), w;
    lx.in = arena_alloc(c->a, (n ? n : 1) * sizeof *lx.in);
    for (size_t i = 0; i < n; i += w)
        lx.in[lx.len++] = txt_utf8_decode(s + i, n - i, &w);
    g->t = arena_alloc(c->a, (lx.len ? lx.len : 1) * sizeof *g->t);
    g->n = 0;
    size_t at = 0;
    for (;;) {
        gi_tok tok;
        gi_res res = gi_next_token(&lx, at, &at, &tok);
        if (res == GI_EOI)
            return GI_OK;
        if (res == GI_ERR)
            return res;
        if (g->n > 0 && tok.flag != GI_NONE && g->t[g->n - 1].flag != GI_NONE && gi_same(&tok, &g->t[g->n - 1])) {
            if (tok.flag == GI_PLUS)
                g->t[g->n - 1].flag = GI_PLUS;
            continue;
        }
        g->t[g->n++] = tok;
    }
}

/* The walk.  A state is a function, an orientation (0: X is the first glob,
 * Y the second; 1: the other way round) and positions i in X, j in Y.
 * intersectSpecial needs no state of its own: it hands over to Plus or Star
 * at the same positions. */
enum { GI_FN_NORMAL, GI_FN_PLUS, GI_FN_STAR };
enum { GI_UNKNOWN = 0, GI_FALSE = 1, GI_TRUE = 2, GI_PENDING = 3 };

typedef struct gi_state {
    uint8_t fn, o;
    uint32_t i, j;
} gi_state;

typedef struct gi_walk {
    const gi_glob *g[2];
    /* memo: open addressing over keys+1 (0 = empty) */
    uint64_t *keys;
    uint8_t *vals;
    size_t mask, used;
    gi_state *stack;
    size_t depth, cap;
    bool oom;
} gi_walk;

static uint64_t gi_key(const gi_state *s)
{
    return ((uint64_t)s->i << 34 | (uint64_t)s->j << 3 | (uint64_t)s->fn << 1 | s->o) + 1;
}

static size_t gi_slot(const gi_walk *w, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 17) & w->mask;
    while (w->keys[i] && w->keys[i] != key)
        i = (i + 1) & w->mask;
    return i;
}

static bool gi_memo_grow(gi_walk *w)
{
    size_t size = (w->mask + 1) * 2;
    uint64_t *keys = calloc(size, sizeof *keys);
    uint8_t *vals = malloc(size);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return false;
    }
    uint64_t *old_keys = w->keys;
    uint8_t *old_vals = w->vals;
    size_t old_size = w->mask + 1;
    w->keys = keys;
    w->vals = vals;
    w->mask = size - 1;
    for (size_t i = 0; i < old_size; i++) {
        if (old_keys[i]) {
            size_t k = gi_slot(w, old_keys[i]);
            w->keys[k] = old_keys[i];
            w->vals[k] = old_vals[i];
        }
    }
    free(old_keys);
    free(old_vals);
    return true;
}

static uint8_t gi_memo_get(const gi_walk *w, const gi_state *s)
{
    size_t k = gi_slot(w, gi_key(s));
    return w->keys[k] ? w->vals[k] : GI_UNKNOWN;
}

static void gi_memo_put(gi_walk *w, const gi_state *s, uint8_t v)
{
    if ((w->used + 1) * 2 > w->mask + 1 && !gi_memo_grow(w)) {
        w->oom = true;
        return;
    }
    uint64_t key = gi_key(s);
    size_t k = gi_slot(w, key);
    if (!w->keys[k]) {
        w->keys[k] = key;
        w->used++;
    }
    w->vals[k] = v;
}

static bool gi_push(gi_walk *w, gi_state s)
{
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        gi_state *st = realloc(w->stack, cap * sizeof *st);
        if (!st) {
            w->oom = true;
            return false;
        }
        w->stack = st;
        w->cap = cap;
    }
    w->stack[w->depth++] = s;
    return true;
}

/* The value of a call the current one depends on: known, or pushed to be
 * worked out first (GI_PENDING). */
static uint8_t gi_call(gi_walk *w, uint8_t fn, uint8_t o, size_t i, size_t j)
{
    gi_state s = {fn, o, (uint32_t)i, (uint32_t)j};
    uint8_t v = gi_memo_get(w, &s);
    if (v == GI_TRUE || v == GI_FALSE)
        return v;
    if (v == GI_PENDING)    /* cannot happen: every call goes to later positions */
        return GI_FALSE;
    gi_memo_put(w, &s, GI_PENDING);
    gi_push(w, s);
    return GI_PENDING;
}

/* One attempt at a state, given what is known so far. */
static uint8_t gi_step(gi_walk *w, const gi_state *s)
{
    const gi_glob *X = w->g[s->o], *Y = w->g[!s->o];
    size_t i = s->i, j = s->j;
    switch (s->fn) {
    case GI_FN_NORMAL:
        /* intersectNormal */
        if (i == X->n || j == Y->n)
            return i == X->n && j == Y->n ? GI_TRUE : GI_FALSE;
        if (X->t[i].flag == GI_NONE && Y->t[j].flag == GI_NONE) {
            if (!gi_match(&X->t[i], &Y->t[j]))
                return GI_FALSE;
            return gi_call(w, GI_FN_NORMAL, s->o, i + 1, j + 1);
        }
        /* intersectSpecial */
        if (X->t[i].flag != GI_NONE)
            return gi_call(w, X->t[i].flag == GI_PLUS ? GI_FN_PLUS : GI_FN_STAR, s->o, i, j);
        return gi_call(w, Y->t[j].flag == GI_PLUS ? GI_FN_PLUS : GI_FN_STAR, !s->o, j, i);
    case GI_FN_PLUS: {
        /* intersectPlus: X[i] is plussed, j < len(Y) */
        if (!gi_match(&X->t[i], &Y->t[j]))
            return GI_FALSE;
        uint8_t v = gi_call(w, GI_FN_STAR, s->o, i, j + 1);
        if (v != GI_FALSE)
            return v;
        if (Y->t[j].flag == GI_NONE)
            return GI_FALSE;
        return gi_call(w, GI_FN_NORMAL, s->o, i + 1, j);
    }
    default: {
        /* intersectStar: X[i] is starred; one turn of its loop over Y[j:] */
        bool has_next = i + 1 < X->n;
        if (j == Y->n)
            return has_next ? GI_FALSE : GI_TRUE;
        const gi_tok *t = &Y->t[j];
        if (has_next && gi_match(t, &X->t[i + 1])) {
            uint8_t v = gi_call(w, GI_FN_NORMAL, s->o, i + 1, j);
            if (v != GI_FALSE)
                return v;
        }
        if (!gi_match(t, &X->t[i]))
            return GI_FALSE;
        return gi_call(w, GI_FN_STAR, s->o, i, j + 1);
    }
    }
}

/* intersectNormal(g1, g2), or -1 when memory ran out. */
static int gi_intersect(const gi_glob *g1, const gi_glob *g2)
{
    gi_walk w;
    memset(&w, 0, sizeof w);
    w.g[0] = g1;
    w.g[1] = g2;
    w.mask = 255;
    w.keys = calloc(w.mask + 1, sizeof *w.keys);
    w.vals = malloc(w.mask + 1);
    int result = -1;
    if (w.keys && w.vals) {
        gi_state root = {GI_FN_NORMAL, 0, 0, 0};
        gi_memo_put(&w, &root, GI_PENDING);
        gi_push(&w, root);
        while (w.depth > 0 && !w.oom) {
            gi_state s = w.stack[w.depth - 1];
            uint8_t v = gi_step(&w, &s);
            if (v == GI_PENDING)
                continue;   /* it pushed what it waits for */
            w.depth--;
            gi_memo_put(&w, &s, v);
        }
        if (!w.oom)
            result = gi_memo_get(&w, &root) == GI_TRUE;
    }
    free(w.keys);
    free(w.vals);
    free(w.stack);
    return result;
}

/* trimGlobs: drop the common unflagged prefix and suffix (keeping one
 * token of each), or false when they do not match. */
static bool gi_trim(gi_glob *g1, gi_glob *g2)
{
    size_t n1 = g1->n, n2 = g2->n, l = 0;
    for (; l < n1 && l < n2 && g1->t[l].flag == GI_NONE && g2->t[l].flag == GI_NONE; l++)
        if (!gi_match(&g1->t[l], &g2->t[l]))
            return false;
    if (l > 0)
        l--;
    long r1 = (long)n1 - 1, r2 = (long)n2 - 1;
    for (; r1 >= 0 && r1 >= (long)l && r2 >= 0 && r2 >= (long)l && g1->t[r1].flag == GI_NONE &&
           g2->t[r2].flag == GI_NONE;
         r1--, r2--)
        if (!gi_match(&g1->t[r1], &g2->t[r2]))
            return false;
    if (r1 < (long)n1 - 1) {
        r1++;
        r2++;
    }
    g1->t += l;
    g1->n = r1 + 1 > (long)l ? (size_t)(r1 + 1) - l : 0;
    g2->t += l;
    g2->n = r2 + 1 > (long)l ? (size_t)(r2 + 1) - l : 0;
    return true;
}

static bi_status bi_regex_globs_match(bi_ctx *c, val *const *args, val **out)
{
    if (check_strings(c, args, 2))
        return BI_ERR;
    gi_glob g1, g2;
    if (gi_parse(c, args[0], &g1) != GI_OK || gi_parse(c, args[1], &g2) != GI_OK)
        return BI_ERR;
    if (!gi_trim(&g1, &g2)) {
        *out = VAL_FALSE_V;
        return BI_OK;
    }
    int r = gi_intersect(&g1, &g2);
    if (r < 0)
        return bi_error(c, "out of memory");
    *out = val_bool(r == 1);
    return BI_OK;
}

const builtin_def bi_group_regex[] = {
    {"re_match", 2, bi_regex_match, BI_F_BOOL_TEST | BI_F_DEPRECATED, NULL},
    {"regex.find_all_string_submatch_n", 3, bi_regex_find_all_submatch, 0, NULL},
    {"regex.find_n", 3, bi_regex_find_n, 0, NULL},
    {"regex.globs_match", 2, bi_regex_globs_match, BI_F_BOOL_TEST, NULL},
    {"regex.is_valid", 1, bi_regex_is_valid, BI_F_BOOL_TEST, NULL},
    {"regex.match", 2, bi_regex_match, BI_F_BOOL_TEST, NULL},
    {"regex.replace", 3, bi_regex_replace, 0, NULL},
    {"regex.split", 2, bi_regex_split, 0, NULL},
    {"regex.template_match", 4, bi_regex_template_match, BI_F_BOOL_TEST, NULL},
    {0},
};
