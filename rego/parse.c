/* parse.c — the Rego parser: module, query and term text to the AST of ast.h.
 *
 * A recursive-descent parser that follows OPA's grammar and its choices
 * (v1/ast/parser.go), so that the same texts are accepted, the same trees
 * come out and errors read alike:
 *
 *   - A module is a sequence of statements: package, import, rule, or a
 *     plain body; a body statement is then read as a rule (`p = 1`, `p[x]`,
 *     `f(x) = y`), as OPA does for rules without a body.
 *   - Where the grammar is ambiguous OPA tries one reading and backtracks to
 *     another (`{a | b}` is a set comprehension before it is a set holding
 *     `a | b`; `p if {...}` is a one-expression body before it is a braced
 *     body).  The parser state is a small value (pstate), so backtracking is
 *     a struct copy; errors recorded on an abandoned path are dropped with it.
 *   - Successful parses of a term are memoised by position, as OPA does, so
 *     backtracking stays linear on nested input.
 *
 * Binary operators are parsed by precedence climbing over an explicit stack
 * instead of one recursive function per level, and left-associative chains
 * iterate instead of recursing, so the only recursion is nesting of brackets
 * and bodies; that is bounded by PARSE_MAX_DEPTH, and hostile input gets
 * "max parsing recursion depth exceeded" rather than a stack overflow.  A
 * work budget proportional to the input bounds the time spent backtracking.
 *
 * Everything is allocated in the caller's arena.  During a parse the arena's
 * out-of-memory handler is ours: running out turns into a parse error. */
#include "ast.h"
#include "caps.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/strbuf.h"
#include "annotations.h"
#include "lex.h"
#include "../engine/hexdigit.h"

/* Nesting limit, counted in entries of the recursive parse functions (two
 * to four per level of brackets).  At the limit a parse uses at most about
 * 400 KiB of stack in an optimised build (several times that under
 * sanitizers); tests/unit/test_parse.c checks it on a small thread stack. */
#define PARSE_MAX_DEPTH 1000

/* Leaf parsers with sizeable locals stay out of the recursive frames. */
#if defined(__GNUC__) || defined(__clang__)
#define PARSE_NOINLINE __attribute__((noinline))
#else
#define PARSE_NOINLINE
#endif

typedef struct ppos {
    int row, col;
    unsigned off;
} ppos;

typedef struct perr {
    int row, col;
    unsigned off;
    const char *msg;
} perr;

/* Everything that backtracking restores. */
typedef struct pstate {
    lex_state lx;           /* positioned after cur */
    lex_token cur;          /* current token */
    unsigned last_end;      /* end of the token before cur */
    int wildcard;           /* next `_` becomes "$<wildcard>" */
    int nerr;               /* errors recorded so far */
    const char *hint;       /* appended to the next error, as OPA's hints */
    bool too_deep;          /* the tree height error was reported */
} pstate;

typedef struct cache_entry {
    unsigned gen;           /* valid when equal to parser.cache_gen */
    unsigned off;
    int tok;
    int wildcard;
    unsigned kw;
    ast_term *term;
    pstate post;
} cache_entry;

/* What the v1 syntax checks need to know about a rule. */
typedef struct rule_check {
    ast_rule *r;
    bool has_if, uses_contains, gen_body;
} rule_check;

typedef struct parser {
    arena *a;
    const char *file;
    const char *src;
    size_t len;
    ast_rego_version version;
    const struct rego_caps *caps;
    pstate s;
    perr *errs;             /* errs[0 .. s.nerr) are live */
    int errcap;
    int depth;
    long budget;            /* parse_term calls left */
    cache_entry *cache;     /* malloc'd, freed by the caller of the parse */
    unsigned cache_cap, cache_n, cache_gen;
    /* module level */
    perr *merrs;            /* errors found after parsing (OPA's parseModule) */
    int nmerr, merrcap;
    rule_check *checks;
    int nchecks, checkcap;
    /* comments seen by the scanner (modules only), for METADATA blocks */
    lex_comment_sink comment_sink;
    annot_comment *comments;
    int ncomments, commentcap;
} parser;

/* ---- small vectors in the arena ---- */

typedef struct tvec {
    ast_term **v;
    int n, cap;
} tvec;

static void *grow(parser *p, void *old, int n, int *cap, size_t elem)
{
    int nc = *cap ? *cap * 2 : 4;
    void *nv = arena_alloc(p->a, (size_t)nc * elem);
    if (n)
        memcpy(nv, old, (size_t)n * elem);
    *cap = nc;
    return nv;
}

static void tpush(parser *p, tvec *v, ast_term *t)
{
    if (v->n == v->cap)
        v->v = grow(p, v->v, v->n, &v->cap, sizeof *v->v);
    v->v[v->n++] = t;
}

typedef struct evec {
    ast_expr **v;
    int n, cap;
} evec;

static void epush(parser *p, evec *v, ast_expr *e)
{
    if (v->n == v->cap)
        v->v = grow(p, v->v, v->n, &v->cap, sizeof *v->v);
    v->v[v->n++] = e;
}

typedef struct rvec {
    ast_rule **v;
    int n, cap;
} rvec;

static void rpush(parser *p, rvec *v, ast_rule *r)
{
    if (v->n == v->cap)
        v->v = grow(p, v->v, v->n, &v->cap, sizeof *v->v);
    v->v[v->n++] = r;
}

/* ---- errors ---- */

static const char *vfmt(parser *p, const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    return arena_strndup(p->a, buf, (size_t)n);
}

static void add_error(parser *p, ppos at, const char *msg)
{
    if (p->s.hint) {
        size_t n = strlen(msg) + strlen(p->s.hint) + 16;
        char *m = arena_alloc(p->a, n);
        snprintf(m, n, "%s (hint: %s)", msg, p->s.hint);
        msg = m;
        p->s.hint = NULL;
    }
    if (p->s.nerr == p->errcap)
        p->errs = grow(p, p->errs, p->s.nerr, &p->errcap, sizeof *p->errs);
    p->errs[p->s.nerr++] = (perr){at.row, at.col, at.off, msg};
}

static void errorf(parser *p, ppos at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
PARSE_NOINLINE static void errorf(parser *p, ppos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = vfmt(p, fmt, ap);
    va_end(ap);
    add_error(p, at, msg);
}

/* Errors of the module as a whole; reported only when parsing succeeded. */
static void merrorf(parser *p, ppos at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void merrorf(parser *p, ppos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = vfmt(p, fmt, ap);
    va_end(ap);
    if (p->nmerr == p->merrcap)
        p->merrs = grow(p, p->merrs, p->nmerr, &p->merrcap, sizeof *p->merrs);
    p->merrs[p->nmerr++] = (perr){at.row, at.col, at.off, msg};
}

static ppos here(const parser *p)
{
    return (ppos){p->s.cur.row, p->s.cur.col, p->s.cur.off};
}

static ppos pos_of(const ast_loc *l)
{
    return (ppos){l->row, l->col, l->off};
}

/* "unexpected <token> token[: note]", OPA's wording for a token the grammar
 * does not allow here. */
static void illegal(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
PARSE_NOINLINE static void illegal(parser *p, const char *fmt, ...)
{
    lex_tok t = p->s.cur.tok;
    if (t == TK_ILLEGAL) {
        errorf(p, here(p), "illegal token");
        return;
    }
    const char *kind = lex_tok_is_keyword(t) ? "keyword" : "token";
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        const char *note = vfmt(p, fmt, ap);
        va_end(ap);
        errorf(p, here(p), "unexpected %s %s: %s", lex_tok_name(t), kind, note);
    } else {
        errorf(p, here(p), "unexpected %s %s", lex_tok_name(t), kind);
    }
}

static void illegal_token(parser *p) { illegal(p, NULL); }

/* ---- tokens ---- */

static void scan(parser *p)
{
    p->s.last_end = p->s.cur.end;
    p->s.cur = lex_next(&p->s.lx);
    if (p->s.cur.err)
        errorf(p, here(p), "%s", p->s.cur.err);
}

static lex_token peek(parser *p)
{
    lex_state save = p->s.lx;
    lex_token t = lex_next(&p->s.lx);
    p->s.lx = save;
    return t;
}

/* Backtracking points are kept in the arena, not in the frames of the
 * recursive functions, to keep deep nesting cheap on the stack. */
static pstate *save(parser *p)
{
    pstate *s = arena_alloc(p->a, sizeof *s);
    *s = p->s;
    return s;
}

static bool at(const parser *p, lex_tok t) { return p->s.cur.tok == t; }

/* A token that continues a term only when written right after it. */
static bool at_glued(const parser *p, lex_tok t)
{
    return p->s.cur.tok == t && !p->s.cur.ws_before;
}

/* Keywords may name refs (`input.if`, `not.x`): a keyword directly followed
 * by `.` or `[` is read as an identifier. */
static bool keyword_starts_ref(parser *p)
{
    if (!lex_tok_is_keyword(p->s.cur.tok))
        return false;
    lex_token t = peek(p);
    if (!t.ws_before && (t.tok == TK_DOT || t.tok == TK_LBRACK)) {
        p->s.cur.tok = TK_IDENT;
        return true;
    }
    return false;
}

static const char *cur_text(parser *p)
{
    return arena_strndup(p->a, p->src + p->s.cur.off, p->s.cur.end - p->s.cur.off);
}

static bool cur_is(const parser *p, const char *s)
{
    size_t n = strlen(s);
    return p->s.cur.end - p->s.cur.off == n && memcmp(p->src + p->s.cur.off, s, n) == 0;
}

static bool enter(parser *p)
{
    if (++p->depth > PARSE_MAX_DEPTH) {
        p->depth--;
        errorf(p, here(p), "max parsing recursion depth exceeded");
        return false;
    }
    return true;
}

static void leave(parser *p) { p->depth--; }

/* ---- terms ---- */

static ast_loc mkloc(const parser *p, ppos start, unsigned end)
{
    ast_loc l;
    l.file = p->file;
    l.row = start.row;
    l.col = start.col;
    l.off = start.off;
    l.len = end >= start.off ? end - start.off : 0;
    return l;
}

/* Every node the parser makes carries its height in a hidden header, so
 * that trees deeper than AST_MAX_DEPTH (long operator chains, not only
 * nesting) are refused here rather than overflowing a recursive walk later. */
typedef struct tnode {
    unsigned height;
    ast_term t;
} tnode;

typedef struct enode {
    unsigned height;
    ast_expr e;
} enode;

typedef struct bnode {
    unsigned height;
    ast_body b;
} bnode;

static unsigned term_height(const ast_term *t)
{
    return t ? ((const tnode *)(const void *)((const char *)t - offsetof(tnode, t)))->height : 0;
}

static unsigned expr_height(const ast_expr *e)
{
    return e ? ((const enode *)(const void *)((const char *)e - offsetof(enode, e)))->height : 0;
}

static unsigned body_height(const ast_body *b)
{
    return b ? ((const bnode *)(const void *)((const char *)b - offsetof(bnode, b)))->height : 0;
}

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

/* Records the height of a node; false (and one error) when too tall. */
static bool set_height(parser *p, unsigned *slot, unsigned h, const ast_loc *at)
{
    *slot = h;
    if (h <= AST_MAX_DEPTH)
        return true;
    if (!p->s.too_deep) {
        p->s.too_deep = true;
        errorf(p, pos_of(at), "max parsing recursion depth exceeded");
    }
    return false;
}

static bool term_set_height(parser *p, ast_term *t, unsigned h)
{
    tnode *n = (tnode *)(void *)((char *)t - offsetof(tnode, t));
    return set_height(p, &n->height, h, &t->loc);
}

static ast_term *new_term(parser *p, ast_term_kind k, ppos start, unsigned end)
{
    tnode *n = arena_zalloc(p->a, sizeof *n);
    n->height = 1;
    ast_term *t = &n->t;
    t->kind = k;
    t->loc = mkloc(p, start, end);
    return t;
}

static unsigned terms_height(ast_term *const *v, int n)
{
    unsigned h = 0;
    for (int i = 0; i < n; i++)
        h = umax(h, term_height(v[i]));
    return h;
}

static ast_term *scalar(parser *p, val *v, ppos start, unsigned end)
{
    ast_term *t = new_term(p, AST_SCALAR, start, end);
    t->value = v;
    return t;
}

static ast_term *string_term(parser *p, const char *s, size_t n, ppos start, unsigned end)
{
    return scalar(p, val_string(p->a, s, n), start, end);
}

static ast_term *var_term(parser *p, const char *name, ppos start, unsigned end)
{
    ast_term *t = new_term(p, AST_VAR, start, end);
    t->var.name = name;
    return t;
}

static ast_term *coll_term(parser *p, ast_term_kind k, tvec *items, ppos start, unsigned end)
{
    ast_term *t = new_term(p, k, start, end);
    t->coll.items = items ? items->v : NULL;
    t->coll.n = items ? items->n : 0;
    term_set_height(p, t, 1 + terms_height(t->coll.items, t->coll.n));
    return t;
}

static ast_term *ref_term(parser *p, tvec *items, ppos start, unsigned end)
{
    ast_term *t = new_term(p, AST_REF, start, end);
    t->ref.items = items->v;
    t->ref.n = items->n;
    term_set_height(p, t, 1 + terms_height(t->ref.items, t->ref.n));
    return t;
}

static ast_term *wildcard(parser *p, ppos start, unsigned end)
{
    char buf[24];
    snprintf(buf, sizeof buf, "$%d", p->s.wildcard++);
    ast_term *t = var_term(p, arena_strndup(p->a, buf, strlen(buf)), start, end);
    t->var.wildcard = true;
    return t;
}

static ast_term *parse_var(parser *p)
{
    if (cur_is(p, "_"))
        return wildcard(p, here(p), p->s.cur.end);
    return var_term(p, cur_text(p), here(p), p->s.cur.end);
}

static bool is_scalar_kind(const ast_term *t, val_kind k)
{
    return t->kind == AST_SCALAR && val_kind_of(t->value) == k;
}

/* OPA's ValueName, used in messages. */
static const char *value_name(const ast_term *t)
{
    switch (t->kind) {
    case AST_SCALAR:
        switch (val_kind_of(t->value)) {
        case VAL_NULL: return "null";
        case VAL_BOOL: return "boolean";
        case VAL_NUMBER: return "number";
        case VAL_STRING: return "string";
        default: return "value";
        }
    case AST_VAR: return "var";
    case AST_REF: return "ref";
    case AST_ARRAY: return "array";
    case AST_SET: return "set";
    case AST_OBJECT: return "object";
    case AST_ARRAY_COMPR: return "arraycomprehension";
    case AST_SET_COMPR: return "setcomprehension";
    case AST_OBJECT_COMPR: return "objectcomprehension";
    case AST_CALL: return "call";
    case AST_TEMPLATE: return "templatestring";
    }
    return "term";
}

static const char *term_text(parser *p, const ast_term *t)
{
    strbuf sb = STRBUF_INIT;
    ast_write_term(&sb, t);
    const char *s = arena_strndup(p->a, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return s;
}

static bool is_ground(const ast_term *t)
{
    switch (t->kind) {
    case AST_SCALAR:
        return true;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            if (!is_ground(t->coll.items[i]))
                return false;
        return true;
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            if (!is_ground(t->tmpl.parts[i]))
                return false;
        return true;
    default:
        return false;
    }
}

/* A ref's operands (not its head) are ground. */
static bool ref_operands_ground(const ast_term *t)
{
    if (t->kind != AST_REF)
        return true;
    for (int i = 1; i < t->ref.n; i++)
        if (!is_ground(t->ref.items[i]))
            return false;
    return true;
}

static ast_term *parse_term(parser *p);
static ast_term *parse_infix(parser *p, bool keyval);
static ast_body *parse_body(parser *p, lex_tok end);
static ast_expr *parse_literal(parser *p);

/* ---- numbers and strings ---- */

/* Decimal exponent of the leading significant digit of a valid number text
 * (0 for zero), saturating; for OPA's "number too big" limit. */
static long decimal_magnitude(const char *s, size_t n)
{
    size_t i = 0;
    long lead = 0;          /* position of the leading digit relative to the point */
    bool seen = false, point = false;
    long intdigits = 0;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        char c = s[i];
        if (c == '-')
            continue;
        if (c == '.') {
            point = true;
            continue;
        }
        if (!point)
            intdigits++;
        if (!seen && c != '0') {
            seen = true;
            lead = point ? -(long)(i - (size_t)(strchr(s, '.') - s)) + 1 : 0;
        }
    }
    if (!seen)
        return 0;
    long mag = lead;
    if (lead == 0) {
        /* leading digit in the integer part: count digits after it */
        long skip = 0;
        for (size_t j = 0; j < n && s[j] != '.' && s[j] != 'e' && s[j] != 'E'; j++) {
            if (s[j] == '-')
                continue;
            if (s[j] == '0')
                skip++;
            else
                break;
        }
        mag = intdigits - skip - 1;
    } else {
        mag = lead - 1;
    }
    long e = 0;
    if (i < n) {
        i++;
        bool neg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            neg = s[i++] == '-';
        for (; i < n; i++) {
            if (e < 100000000)
                e = e * 10 + (s[i] - '0');
        }
        if (neg)
            e = -e;
    }
    return mag + e;
}

static bool exponent_fits(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] != 'e' && s[i] != 'E')
        i++;
    if (i == n)
        return true;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && s[i] == '0')
        i++;
    long long e = 0;
    for (; i < n; i++) {
        e = e * 10 + (s[i] - '0');
        if (e > 2147483647LL)
            return false;
    }
    return true;
}

/* Number syntax after the optional sign: digits [. digits] or . digits,
 * then an optional exponent. */
static bool valid_number(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && s[i] == '-')
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, d++;
    if (i < n && s[i] == '.') {
        i++;
        size_t f = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, f++;
        if (f == 0)
            return false;
        d += f;
    }
    if (d == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, e++;
        if (e == 0)
            return false;
    }
    return i == n;
}

PARSE_NOINLINE static ast_term *parse_number(parser *p)
{
    ppos start = here(p);
    char prefix[2];
    int np = 0;
    if (at(p, TK_SUB)) {
        prefix[np++] = '-';
        scan(p);
        if (!at(p, TK_NUMBER) && !at(p, TK_DOT)) {
            illegal(p, "expected number");
            return NULL;
        }
    }
    if (at(p, TK_DOT)) {
        prefix[np++] = '.';
        scan(p);
        if (!at(p, TK_NUMBER)) {
            illegal(p, "expected number");
            return NULL;
        }
    }
    const char *lit = p->src + p->s.cur.off;
    size_t n = p->s.cur.end - p->s.cur.off;
    bool decimal_prefix = np > 0 && prefix[np - 1] == '.';
    if (!decimal_prefix && n > 1 && lit[0] == '0') {
        bool frac = lit[1] == '.';
        bool expo = n > 2 && (lit[1] == 'e' || lit[1] == 'E');
        if (!frac && !expo) {
            illegal(p, "expected number without leading zero");
            return NULL;
        }
    }
    /* The text as written, with a 0 before a leading point (".5" is not
     * JSON; the value is the same). */
    char *text = arena_alloc(p->a, n + 4);
    size_t k = 0;
    for (int i = 0; i < np; i++) {
        if (prefix[i] == '.')
            text[k++] = '0';
        text[k++] = prefix[i];
    }
    memcpy(text + k, lit, n);
    k += n;
    text[k] = 0;
    if (!valid_number(text, k)) {
        illegal(p, "invalid float");
        return NULL;
    }
    /* Go's big.Float does not read exponents beyond 32 bits; OPA refuses
     * binary exponents beyond 1e5 (about 30103 decimal digits) */
    if (!exponent_fits(text, k)) {
        illegal(p, "invalid float");
        return NULL;
    }
    long mag = decimal_magnitude(text, k);
    if (mag > 30102 || mag < -30103) {
        errorf(p, here(p), "number too big");
        return NULL;
    }
    val *v = val_number_text(p->a, text, k);
    if (!v) {
        illegal(p, "invalid float");
        return NULL;
    }
    return scalar(p, v, start, p->s.cur.end);
}

static int read_u4(const char *s, size_t n, size_t i)
{
    if (i + 4 > n)
        return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hex_digit((unsigned char)s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* JSON string unescaping as Go's encoding/json does it (a lone surrogate
 * becomes U+FFFD); in template strings `\{` is `{`.  Returns false on a bad
 * escape or a raw control character. */
static bool unescape(parser *p, const char *s, size_t n, bool tmpl, char **out, size_t *outlen)
{
    char *o = arena_alloc(p->a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20)
            return false;
        if (c != '\\') {
            o[k++] = (char)c;
            i++;
            continue;
        }
        if (i + 1 >= n)
            return false;
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case '{':
            if (!tmpl)
                return false;
            o[k++] = '{';
            break;
        case 'u': {
            int u = read_u4(s, n, i);
            if (u < 0)
                return false;
            i += 4;
            unsigned cp = (unsigned)u;
            if (cp >= 0xD800 && cp < 0xE000) {
                int lo = -1;
                if (cp < 0xDC00 && i + 1 < n && s[i] == '\\' && s[i + 1] == 'u')
                    lo = read_u4(s, n, i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;
                }
            }
            k += put_utf8(o + k, cp);
            break;
        }
        default:
            return false;
        }
    }
    o[k] = 0;
    *out = o;
    *outlen = k;
    return true;
}

PARSE_NOINLINE static ast_term *parse_string(parser *p)
{
    const char *lit = p->src + p->s.cur.off;
    size_t n = p->s.cur.end - p->s.cur.off;
    if (n < 2)
        return NULL;
    const char *inner = lit + 1;
    size_t m = n - 2;
    if (!p->s.cur.raw && memchr(inner, '\\', m)) {
        char *s;
        size_t k;
        if (!unescape(p, inner, m, false, &s, &k)) {
            errorf(p, here(p), "illegal string literal: %.*s", (int)n, lit);
            return NULL;
        }
        return string_term(p, s, k, here(p), p->s.cur.end);
    }
    return string_term(p, inner, m, here(p), p->s.cur.end);
}

/* Only plain expressions may appear in a template string. */
static bool template_expr_ok(parser *p, const ast_expr *e)
{
    ppos at = pos_of(&e->loc);
    if (e->negated) {
        errorf(p, at, "unexpected negation ('not') in template-string expression");
        return false;
    }
    switch (e->kind) {
    case AST_EXPR_UNIFY:
        errorf(p, at, "unexpected unification ('=') in template-string expression");
        return false;
    case AST_EXPR_ASSIGN:
        errorf(p, at, "unexpected assignment (':=') in template-string expression");
        return false;
    case AST_EXPR_EVERY:
        errorf(p, at, "unexpected 'every' in template-string expression");
        return false;
    case AST_EXPR_SOME:
        errorf(p, at, "unexpected 'some' in template-string expression");
        return false;
    case AST_EXPR_TERM:
        break;
    }
    if (e->nwiths) {
        errorf(p, at, "unexpected 'with' in template-string expression");
        return false;
    }
    return true;
}

/* The text of the template piece at cur (empty pieces are left out). */
PARSE_NOINLINE static bool template_piece(parser *p, bool first, tvec *parts)
{
    size_t skip = first ? 2 : 1;         /* `$"` or the `}` */
    const char *lit = p->src + p->s.cur.off;
    size_t n = p->s.cur.end - p->s.cur.off;
    const char *inner = lit + skip;
    size_t m = n > skip ? n - skip - 1 : 0;
    char *s;
    size_t k;
    if (p->s.cur.raw) {
        s = arena_alloc(p->a, m + 1);
        k = 0;
        for (size_t i = 0; i < m; i++) {
            if (inner[i] == '\\' && i + 1 < m && inner[i + 1] == '{')
                continue;
            s[k++] = inner[i];
        }
        s[k] = 0;
    } else if (memchr(inner, '\\', m)) {
        if (!unescape(p, inner, m, true, &s, &k)) {
            errorf(p, here(p), "illegal template-string part: %.*s", (int)n, lit);
            return false;
        }
    } else {
        s = (char *)inner;
        k = m;
    }
    if (k > 0)
        tpush(p, parts, string_term(p, s, k, here(p), p->s.cur.end));
    return true;
}

/* $"...{expr}..." and $`...{expr}...`: string pieces and expressions. */
PARSE_NOINLINE static ast_term *parse_template(parser *p)
{
    if (!enter(p))
        return NULL;
    ast_term *res = NULL;
    ppos start = here(p);
    bool raw = p->s.cur.raw;
    tvec parts = {0};
    for (bool first = true;; first = false) {
        if (!template_piece(p, first, &parts))
            goto done;
        if (at(p, TK_TMPL_END))
            break;

        scan(p);
        ast_expr *e = parse_literal(p);
        if (!e) {
            errorf(p, here(p), "invalid template-string expression");
            goto done;
        }
        if (!template_expr_ok(p, e))
            goto done;
        tpush(p, &parts, e->term);
        if (!at(p, TK_RBRACE)) {
            errorf(p, here(p), "expected } to end template string expression");
            goto done;
        }
        /* read the next piece from right after the `}` */
        p->s.last_end = p->s.cur.end;
        p->s.cur = lex_template_continue(&p->s.lx, raw);
        if (p->s.cur.err) {
            errorf(p, here(p), "%s", p->s.cur.err);
            goto done;
        }
    }
    res = new_term(p, AST_TEMPLATE, start, p->s.cur.end);
    res->tmpl.parts = parts.v;
    res->tmpl.n = parts.n;
    term_set_height(p, res, 1 + terms_height(parts.v, parts.n));
done:
    leave(p);
    return res;
}

/* ---- operators ---- */

static int binary_prec(lex_tok t)
{
    switch (t) {
    case TK_EQUAL: case TK_NEQ: case TK_LT: case TK_LTE: case TK_GT: case TK_GTE:
        return 1;
    case TK_OR:
        return 2;
    case TK_AND:
        return 3;
    case TK_ADD: case TK_SUB:
        return 4;
    case TK_MUL: case TK_QUO: case TK_REM:
        return 5;
    default:
        return 0;
    }
}

static const char *builtin_of(lex_tok t)
{
    switch (t) {
    case TK_EQUAL: return "equal";
    case TK_NEQ: return "neq";
    case TK_LT: return "lt";
    case TK_LTE: return "lte";
    case TK_GT: return "gt";
    case TK_GTE: return "gte";
    case TK_OR: return "or";
    case TK_AND: return "and";
    case TK_ADD: return "plus";
    case TK_SUB: return "minus";
    case TK_MUL: return "mul";
    case TK_QUO: return "div";
    case TK_REM: return "rem";
    default: return "?";
    }
}

static ast_term *call_term(parser *p, ast_term *fn, const char *fn_name, ast_term **args,
                           int nargs, ppos start, unsigned end)
{
    ast_term *t = new_term(p, AST_CALL, start, end);
    t->call.fn = fn;
    t->call.fn_name = fn_name;
    t->call.args = args;
    t->call.nargs = nargs;
    if (!term_set_height(p, t, 1 + umax(term_height(fn), terms_height(args, nargs))))
        return NULL;
    return t;
}

/* An operator token as the operator stack keeps it. */
typedef struct optok {
    lex_tok tok;
    int row, col;
    unsigned off, end;
} optok;

static optok optok_cur(const parser *p)
{
    const lex_token *t = &p->s.cur;
    return (optok){t->tok, t->row, t->col, t->off, t->end};
}

static ast_term *op_call(parser *p, const optok *op, ast_term *lhs, ast_term *rhs, ppos start)
{
    const char *name = builtin_of(op->tok);
    ast_term *fn = var_term(p, name, (ppos){op->row, op->col, op->off}, op->end);
    ast_term **args = arena_alloc(p->a, 2 * sizeof *args);
    args[0] = lhs;
    args[1] = rhs;
    return call_term(p, fn, name, args, 2, start, p->s.last_end);
}

/* internal.member_2(x, xs) / internal.member_3(k, v, xs) for `in`. */
static ast_term *member_call(parser *p, const optok *op, ast_term **args, int nargs, ppos start)
{
    ppos at = {op->row, op->col, op->off};
    tvec items = {0};
    tpush(p, &items, var_term(p, "internal", at, op->end));
    const char *leaf = nargs == 2 ? "member_2" : "member_3";
    tpush(p, &items, string_term(p, leaf, 8, at, op->end));
    ast_term *fn = ref_term(p, &items, at, op->end);
    ast_term **a = arena_alloc(p->a, (size_t)nargs * sizeof *a);
    memcpy(a, args, (size_t)nargs * sizeof *a);
    return call_term(p, fn, nargs == 2 ? "internal.member_2" : "internal.member_3", a, nargs,
                     start, p->s.last_end);
}

static bool is_member(const ast_term *t, int nargs)
{
    if (t->kind != AST_CALL || t->call.nargs != nargs)
        return false;
    return strcmp(t->call.fn_name, nargs == 2 ? "internal.member_2" : "internal.member_3") == 0;
}

/* internal.member_2/3 written as a call with the wrong number of arguments */
static bool is_bad_member(const ast_term *t)
{
    if (t->kind != AST_CALL)
        return false;
    if (strcmp(t->call.fn_name, "internal.member_2") == 0)
        return t->call.nargs != 2;
    if (strcmp(t->call.fn_name, "internal.member_3") == 0)
        return t->call.nargs != 3;
    return false;
}

/* Relational and arithmetic operators: precedence climbing with explicit
 * stacks.  Operators on the stack have strictly increasing precedence, so
 * the five levels need at most five operators and six operands. */
PARSE_NOINLINE static ast_term *parse_binary_chain(parser *p, ast_term *first, ppos start)
{
    ast_term *vals[6];
    ppos starts[6];
    optok ops[5];
    int nv = 0, no = 0;

    if (!enter(p))
        return NULL;
    starts[0] = start;
    vals[nv++] = first;
    for (;;) {
        int prec = binary_prec(p->s.cur.tok);
        while (no > 0 && (prec == 0 || binary_prec(ops[no - 1].tok) >= prec)) {
            ast_term *rhs = vals[--nv];
            ast_term *lhs = vals[nv - 1];
            if (!(vals[nv - 1] = op_call(p, &ops[--no], lhs, rhs, starts[nv - 1]))) {
                leave(p);
                return NULL;    /* too deep */
            }
        }
        if (prec == 0)
            break;
        ops[no++] = optok_cur(p);
        scan(p);
        starts[nv] = here(p);
        if (!(vals[nv] = parse_term(p))) {
            /* as OPA: the error stays, the operands so far are the result */
            no--;
            while (no > 0) {
                ast_term *rhs = vals[--nv];
                ast_term *lhs = vals[nv - 1];
                if (!(vals[nv - 1] = op_call(p, &ops[--no], lhs, rhs, starts[nv - 1]))) {
                    leave(p);
                    return NULL;
                }
            }
            break;
        }
        nv++;
    }
    leave(p);
    return vals[0];
}

/* Most terms have no operator after them: the stacks are only set up when
 * one follows. */
static ast_term *parse_binary(parser *p)
{
    ppos start = here(p);
    ast_term *t = parse_term(p);
    if (!t || binary_prec(p->s.cur.tok) == 0)
        return t;
    return parse_binary_chain(p, t, start);
}

/* A term with operators: `in` binds loosest, and at expression level
 * `k, v in xs` is accepted (keyval). */
static ast_term *parse_infix(parser *p, bool keyval)
{
    if (!enter(p))
        return NULL;
    ppos start = here(p);
    ast_term *lhs = parse_binary(p);
    if (!lhs)
        goto fail;
    if (keyval && at(p, TK_COMMA)) {
        pstate *s = save(p);
        scan(p);
        ast_term *mhs = parse_binary(p);
        if (mhs && at(p, TK_IN)) {
            optok op = optok_cur(p);
            scan(p);
            ast_term *rhs = parse_binary(p);
            if (rhs) {
                ast_term *args[3] = {lhs, mhs, rhs};
                if (!(lhs = member_call(p, &op, args, 3, start)))
                    goto fail;
                goto in_chain;
            }
        }
        p->s = *s;
    }
in_chain:
    while (at(p, TK_IN)) {
        optok op = optok_cur(p);
        scan(p);
        ast_term *rhs = parse_binary(p);
        if (!rhs)
            break;      /* as OPA: the error stays, lhs is the result */
        ast_term *args[2] = {lhs, rhs};
        if (!(lhs = member_call(p, &op, args, 2, start)))
            goto fail;
    }
    leave(p);
    return lhs;
fail:
    leave(p);
    return NULL;
}

/* ---- composites ---- */

/* Terms separated by commas up to `end` (a trailing comma is allowed); cur is
 * left on `end`. */
static bool parse_term_list(parser *p, lex_tok end, tvec *out)
{
    if (at(p, end))
        return true;
    for (;;) {
        ast_term *t = parse_infix(p, false);
        if (!t)
            return false;
        tpush(p, out, t);
        if (at(p, end))
            return true;
        if (at(p, TK_COMMA)) {
            scan(p);
            if (at(p, end))
                return true;
            continue;
        }
        illegal(p, "expected \",\" or \"%s\"", lex_tok_name(end));
        return false;
    }
}

static bool parse_term_pair_list(parser *p, lex_tok end, tvec *out)
{
    if (at(p, end))
        return true;
    for (;;) {
        ast_term *k = parse_infix(p, false);
        if (!k)
            return false;
        if (!at(p, TK_COLON)) {
            illegal(p, "expected \":\"");
            return false;
        }
        scan(p);
        ast_term *v = parse_infix(p, false);
        if (!v)
            return false;
        tpush(p, out, k);
        tpush(p, out, v);
        if (at(p, end))
            return true;
        if (at(p, TK_COMMA)) {
            scan(p);
            if (at(p, end))
                return true;
            continue;
        }
        illegal(p, "expected \",\" or \"%s\"", lex_tok_name(end));
        return false;
    }
}

static ast_term *compr_term(parser *p, ast_term_kind k, ast_term *key, ast_term *head,
                            ast_body *body, ppos start)
{
    ast_term *t = new_term(p, k, start, p->s.cur.end);
    t->compr.key = key;
    t->compr.head = head;
    t->compr.body = body;
    term_set_height(p, t, 1 + umax(umax(term_height(key), term_height(head)), body_height(body)));
    return t;
}

/* `[` ...: an array or an array comprehension; cur is left on `]`. */
static ast_term *parse_array(parser *p)
{
    if (!enter(p))
        return NULL;
    ppos start = here(p);
    ast_term *res = NULL;
    tvec items = {0};
    scan(p);
    if (at(p, TK_RBRACK)) {
        res = coll_term(p, AST_ARRAY, NULL, start, p->s.cur.end);
        goto done;
    }
    /* a leading comma ([, x]) is accepted for compatibility; then it is no
     * comprehension */
    bool compr = true;
    if (at(p, TK_COMMA)) {
        compr = false;
        scan(p);
    }
    pstate *s = save(p);
    /* A single term first: `[a | b]` is a comprehension, not `a | b`. */
    ast_term *head = parse_term(p);
    if (!head)
        goto done;
    switch (p->s.cur.tok) {
    case TK_RBRACK:
        tpush(p, &items, head);
        res = coll_term(p, AST_ARRAY, &items, start, p->s.cur.end);
        goto done;
    case TK_COMMA:
        scan(p);
        tpush(p, &items, head);
        if (parse_term_list(p, TK_RBRACK, &items))
            res = coll_term(p, AST_ARRAY, &items, start, p->s.cur.end);
        goto done;
    case TK_OR:
        if (compr) {
            scan(p);
            ast_body *body = parse_body(p, TK_RBRACK);
            if (body) {
                res = compr_term(p, AST_ARRAY_COMPR, NULL, head, body, start);
                goto done;
            }
            if (!at(p, TK_COMMA))
                goto done;
        }
        break;
    default:
        break;
    }
    p->s = *s;
    if (parse_term_list(p, TK_RBRACK, &items))
        res = coll_term(p, AST_ARRAY, &items, start, p->s.cur.end);
done:
    leave(p);
    return res;
}

static ast_term *parse_set(parser *p, const pstate *s, ast_term *head, bool compr, ppos start)
{
    tvec items = {0};
    switch (p->s.cur.tok) {
    case TK_RBRACE:
        tpush(p, &items, head);
        return coll_term(p, AST_SET, &items, start, p->s.cur.end);
    case TK_COMMA:
        scan(p);
        tpush(p, &items, head);
        if (parse_term_list(p, TK_RBRACE, &items))
            return coll_term(p, AST_SET, &items, start, p->s.cur.end);
        return NULL;
    case TK_OR:
        if (compr) {
            scan(p);
            ast_body *body = parse_body(p, TK_RBRACE);
            if (body)
                return compr_term(p, AST_SET_COMPR, NULL, head, body, start);
            if (!at(p, TK_COMMA))
                return NULL;
        }
        p->s = *s;
        if (parse_term_list(p, TK_RBRACE, &items))
            return coll_term(p, AST_SET, &items, start, p->s.cur.end);
        return NULL;
    default:
        return NULL;
    }
}

static ast_term *parse_object_finish(parser *p, ast_term *key, ast_term *value, bool compr,
                                     ppos start)
{
    tvec items = {0};
    switch (p->s.cur.tok) {
    case TK_RBRACE:
        tpush(p, &items, key);
        tpush(p, &items, value);
        return coll_term(p, AST_OBJECT, &items, start, p->s.cur.end);
    case TK_OR:
        if (compr) {
            scan(p);
            ast_body *body = parse_body(p, TK_RBRACE);
            if (body)
                return compr_term(p, AST_OBJECT_COMPR, key, value, body, start);
        } else {
            illegal(p, "non-terminated object");
        }
        return NULL;
    case TK_COMMA:
        scan(p);
        tpush(p, &items, key);
        tpush(p, &items, value);
        if (parse_term_pair_list(p, TK_RBRACE, &items))
            return coll_term(p, AST_OBJECT, &items, start, p->s.cur.end);
        return NULL;
    default:
        return NULL;
    }
}

/* After `{ key` with cur on `:`. */
static ast_term *parse_object(parser *p, ast_term *key, bool compr, ppos start)
{
    if (!enter(p))
        return NULL;
    ast_term *res = NULL;
    scan(p);
    pstate *s = save(p);
    /* the value as a single term first, for `{k: v | body}` */
    ast_term *v = parse_term(p);
    if (!v)
        goto done;
    bool relation = true;
    if (compr) {
        switch (p->s.cur.tok) {
        case TK_RBRACE:
        case TK_COMMA:
            relation = false;
            /* fallthrough */
        case TK_OR:
            if ((res = parse_object_finish(p, key, v, true, start)))
                goto done;
            break;
        default:
            break;
        }
    }
    p->s = *s;
    if (relation) {
        v = parse_infix(p, false);
        if (!v)
            goto done;
        if (at(p, TK_RBRACE) || at(p, TK_COMMA)) {
            res = parse_object_finish(p, key, v, false, start);
            goto done;
        }
    }
    illegal(p, "non-terminated object");
done:
    leave(p);
    return res;
}

/* `{` ...: object, set, or a comprehension of either; cur is left on `}`. */
static ast_term *parse_set_or_object(parser *p)
{
    if (!enter(p))
        return NULL;
    ppos start = here(p);
    ast_term *res = NULL;
    scan(p);
    if (at(p, TK_RBRACE)) {
        res = coll_term(p, AST_OBJECT, NULL, start, p->s.cur.end);
        goto done;
    }
    bool compr = true;
    if (at(p, TK_COMMA)) {
        compr = false;
        scan(p);
    }
    pstate *s = save(p);
    /* a single term first: `{a | b}` is a set comprehension */
    ast_term *head = parse_term(p);
    if (!head)
        goto done;
    switch (p->s.cur.tok) {
    case TK_OR:
        if (compr) {
            res = parse_set(p, s, head, compr, start);
            goto done;
        }
        break;
    case TK_RBRACE:
    case TK_COMMA:
        res = parse_set(p, s, head, compr, start);
        goto done;
    case TK_COLON:
        res = parse_object(p, head, compr, start);
        goto done;
    default:
        break;
    }
    p->s = *s;
    head = parse_infix(p, false);
    if (!head)
        goto done;
    switch (p->s.cur.tok) {
    case TK_RBRACE:
    case TK_COMMA:
        res = parse_set(p, s, head, false, start);
        goto done;
    case TK_COLON:
        res = parse_object(p, head, compr, start);
        goto done;
    default:
        break;
    }
    illegal(p, "non-terminated set");
done:
    leave(p);
    return res;
}

/* ---- refs and calls ---- */

static const char *call_name(parser *p, const ast_term *fn)
{
    if (fn->kind == AST_VAR)
        return fn->var.name;
    return term_text(p, fn);
}

/* `(` after an operator term; cur is left after `)`. */
static ast_term *parse_call(parser *p, ast_term *fn, ppos start)
{
    if (!enter(p))
        return NULL;
    ast_term *res = NULL;
    if (fn->kind != AST_VAR && fn->kind != AST_REF) {
        errorf(p, pos_of(&fn->loc), "illegal call (operator cannot be %s)", value_name(fn));
        goto done;
    }
    scan(p);
    tvec args = {0};
    if (!at(p, TK_RPAREN) && !parse_term_list(p, TK_RPAREN, &args))
        goto done;
    unsigned end = p->s.cur.end;
    scan(p);
    if (args.n == 0 && fn->kind == AST_VAR && strcmp(fn->var.name, "set") == 0)
        res = coll_term(p, AST_SET, NULL, start, end);
    else
        res = call_term(p, fn, call_name(p, fn), args.v, args.n, start, end);
done:
    leave(p);
    return res;
}

/* The rest of a ref (or call) after its head; cur is on a glued `.`, `[` or
 * `(`, and is left after the ref. */
static ast_term *parse_ref(parser *p, ast_term *head, ppos start)
{
    if (!enter(p))
        return NULL;
    ast_term *res = NULL;
    switch (head->kind) {
    case AST_VAR: case AST_ARRAY: case AST_OBJECT: case AST_SET: case AST_ARRAY_COMPR:
    case AST_SET_COMPR: case AST_OBJECT_COMPR: case AST_CALL:
        break;
    default:
        errorf(p, pos_of(&head->loc), "illegal ref (head cannot be %s)", value_name(head));
    }
    tvec items = {0};
    tpush(p, &items, head);
    for (;;) {
        if (p->s.cur.ws_before)
            break;
        if (at(p, TK_DOT)) {
            ppos after_dot = {p->s.cur.row, p->s.cur.col + 1, p->s.cur.end};
            scan(p);
            if (p->s.cur.ws_before) {
                errorf(p, after_dot, "unexpected whitespace token: expected identifier");
                goto done;
            }
            if (!at(p, TK_IDENT) && !lex_tok_is_keyword(p->s.cur.tok)) {
                illegal(p, "expected identifier");
                goto done;
            }
            tpush(p, &items, string_term(p, p->src + p->s.cur.off, p->s.cur.end - p->s.cur.off,
                                         here(p), p->s.cur.end));
            scan(p);
        } else if (at(p, TK_LBRACK)) {
            scan(p);
            ast_term *t = parse_infix(p, true);
            if (!t)
                goto done;
            if (!at(p, TK_RBRACK)) {
                illegal(p, "expected ]");
                goto done;
            }
            tpush(p, &items, t);
            scan(p);
        } else if (at(p, TK_LPAREN)) {
            ast_term *fn = items.n == 1 ? head : ref_term(p, &items, start, p->s.last_end);
            ast_term *call = parse_call(p, fn, start);
            if (call && (at_glued(p, TK_DOT) || at_glued(p, TK_LBRACK)))
                call = parse_ref(p, call, start);
            res = call;
            goto done;
        } else {
            break;
        }
    }
    res = ref_term(p, &items, start, p->s.last_end);
done:
    leave(p);
    return res;
}

/* After a term's last token: step over it and continue into a ref or call
 * when `.`, `[` or `(` follows without space. */
static ast_term *parse_term_finish(parser *p, ast_term *head, ppos start)
{
    if (!head)
        return NULL;
    scan(p);
    if (at_glued(p, TK_LPAREN) || at_glued(p, TK_DOT) || at_glued(p, TK_LBRACK))
        return parse_ref(p, head, start);
    return head;
}

/* ---- the term cache ---- */

static uint64_t cache_hash(unsigned off, int tok, int wc, unsigned kw)
{
    uint64_t h = off * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)(unsigned)tok * 0xC2B2AE3D27D4EB4Full;
    h ^= (uint64_t)(unsigned)wc * 0x165667B19E3779F9ull;
    h ^= (uint64_t)kw << 7;
    return h ^ (h >> 29);
}

static cache_entry *cache_find(parser *p, unsigned off, int tok, int wc, unsigned kw)
{
    if (!p->cache)
        return NULL;
    unsigned mask = p->cache_cap - 1;
    for (unsigned i = (unsigned)cache_hash(off, tok, wc, kw) & mask;; i = (i + 1) & mask) {
        cache_entry *e = &p->cache[i];
        if (e->gen != p->cache_gen)
            return NULL;
        if (e->off == off && e->tok == tok && e->wildcard == wc && e->kw == kw)
            return e;
    }
}

/* What a term's parse started from: the cache key. */
typedef struct tkey {
    unsigned off;
    int tok, wildcard;
    unsigned kw;
} tkey;

PARSE_NOINLINE static void cache_put(parser *p, const tkey *pre, ast_term *t)
{
    if ((p->cache_n + 1) * 2 > p->cache_cap) {
        unsigned ncap = p->cache_cap ? p->cache_cap * 2 : 256;
        cache_entry *nc = calloc(ncap, sizeof *nc);
        if (!nc)
            return;     /* the cache is only an optimisation */
        cache_entry *old = p->cache;
        unsigned ocap = p->cache_cap;
        p->cache = nc;
        p->cache_cap = ncap;
        p->cache_n = 0;
        for (unsigned i = 0; i < ocap; i++) {
            cache_entry *e = &old[i];
            if (e->gen != p->cache_gen)
                continue;
            unsigned mask = ncap - 1;
            unsigned j = (unsigned)cache_hash(e->off, e->tok, e->wildcard, e->kw) & mask;
            while (nc[j].gen == p->cache_gen)
                j = (j + 1) & mask;
            nc[j] = *e;
            p->cache_n++;
        }
        free(old);
    }
    unsigned mask = p->cache_cap - 1;
    unsigned i = (unsigned)cache_hash(pre->off, pre->tok, pre->wildcard, pre->kw) & mask;
    while (p->cache[i].gen == p->cache_gen)
        i = (i + 1) & mask;
    cache_entry *e = &p->cache[i];
    e->gen = p->cache_gen;
    e->off = pre->off;
    e->tok = pre->tok;
    e->wildcard = pre->wildcard;
    e->kw = pre->kw;
    e->term = t;
    e->post = p->s;
    p->cache_n++;
}

/* Forget cached terms: called at each top-level statement, since parsing
 * never goes back before one. */
static void cache_reset(parser *p)
{
    p->cache_gen++;
    if (p->cache_gen == 0) {    /* wrapped: clear for real */
        if (p->cache)
            memset(p->cache, 0, p->cache_cap * sizeof *p->cache);
        p->cache_gen = 1;
    }
    p->cache_n = 0;
}

/* One term: a scalar, var, composite, comprehension, parenthesised
 * expression or template string, followed by any ref or call suffix.  cur
 * is left after the term. */
static ast_term *parse_term(parser *p)
{
    if (!enter(p))
        return NULL;
    cache_entry *ce = cache_find(p, p->s.cur.off, p->s.cur.tok, p->s.wildcard, p->s.lx.kw);
    if (ce) {
        p->s = ce->post;
        leave(p);
        return ce->term;
    }
    if (--p->budget < 0) {
        p->budget = 0;
        errorf(p, here(p), "max parsing recursion depth exceeded");
        leave(p);
        return NULL;
    }
    tkey pre = {p->s.cur.off, p->s.cur.tok, p->s.wildcard, p->s.lx.kw};
    int nerr0 = p->s.nerr;
    ppos start = here(p);
    ast_term *t = NULL;
    switch (p->s.cur.tok) {
    case TK_NULL:
        t = scalar(p, VAL_NULL_V, start, p->s.cur.end);
        break;
    case TK_TRUE:
        t = scalar(p, VAL_TRUE_V, start, p->s.cur.end);
        break;
    case TK_FALSE:
        t = scalar(p, VAL_FALSE_V, start, p->s.cur.end);
        break;
    case TK_SUB:
    case TK_DOT:
    case TK_NUMBER:
        t = parse_number(p);
        break;
    case TK_STRING:
        t = parse_string(p);
        break;
    case TK_TMPL_PART:
    case TK_TMPL_END:
        t = parse_template(p);
        break;
    case TK_IDENT:
    case TK_CONTAINS:   /* `contains` is a keyword only in rule heads */
        t = parse_var(p);
        break;
    case TK_LBRACK:
        t = parse_array(p);
        break;
    case TK_LBRACE:
        t = parse_set_or_object(p);
        break;
    case TK_LPAREN:
        scan(p);
        t = parse_infix(p, true);
        if (t && !at(p, TK_RPAREN)) {
            errorf(p, here(p), "non-terminated expression");
            t = NULL;
        }
        break;
    default:
        illegal_token(p);
        break;
    }
    t = parse_term_finish(p, t, start);
    if (t && p->s.nerr == nerr0)
        cache_put(p, &pre, t);
    leave(p);
    return t;
}

/* ---- expressions ---- */

static ast_expr *new_expr(parser *p, ast_expr_kind k, ppos start)
{
    enode *n = arena_zalloc(p->a, sizeof *n);
    ast_expr *e = &n->e;
    e->kind = k;
    e->loc = mkloc(p, start, start.off);
    return e;
}

static bool parse_with(parser *p, ast_expr *e)
{
    int n = 0, cap = 0;
    ast_with *w = NULL;
    do {
        ppos start = here(p);
        scan(p);
        if (!at(p, TK_IDENT)) {
            illegal(p, "expected ident");
            return false;
        }
        ast_term *target = parse_term(p);
        if (!target)
            return false;
        if (target->kind != AST_REF && target->kind != AST_VAR)
            illegal(p, "expected with target path");
        if (!at(p, TK_AS)) {
            illegal(p, "expected as keyword");
            return false;
        }
        scan(p);
        ast_term *value = parse_infix(p, true);
        if (!value)
            return false;
        if (n == cap)
            w = grow(p, w, n, &cap, sizeof *w);
        w[n].target = target;
        w[n].value = value;
        w[n].loc = mkloc(p, start, p->s.last_end);
        n++;
    } while (at(p, TK_WITH));
    e->withs = w;
    e->nwiths = n;
    return true;
}

static ast_expr *parse_expr(parser *p, ppos start)
{
    ast_term *lhs = parse_infix(p, true);
    if (!lhs)
        return NULL;
    if (at(p, TK_ASSIGN) || at(p, TK_UNIFY)) {
        ast_expr_kind k = at(p, TK_ASSIGN) ? AST_EXPR_ASSIGN : AST_EXPR_UNIFY;
        scan(p);
        ast_term *rhs = parse_infix(p, true);
        if (!rhs)
            return NULL;
        ast_expr *e = new_expr(p, k, start);
        e->lhs = lhs;
        e->rhs = rhs;
        return e;
    }
    ast_expr *e = new_expr(p, AST_EXPR_TERM, start);
    e->term = lhs;
    return e;
}

static ast_expr *parse_every(parser *p);

static ast_expr *parse_literal_expr(parser *p, bool negated, ppos start)
{
    /* v0 without the keyword: `every x in xs {...}` reads as a var `every`;
     * if it would parse as `every`, say how to enable it */
    pstate *s = NULL;
    if (p->version == AST_REGO_V0 && !(p->s.lx.kw & LEX_KW_EVERY) && at(p, TK_IDENT) &&
        cur_is(p, "every"))
        s = save(p);
    ast_expr *e = parse_expr(p, start);
    if (!e)
        return NULL;
    e->negated = negated;
    if (at(p, TK_WITH) && !parse_with(p, e))
        return NULL;
    if (s && e->kind == AST_EXPR_TERM && e->term->kind == AST_VAR &&
        strcmp(e->term->var.name, "every") == 0) {
        pstate *after = save(p);
        p->s = *s;
        p->s.lx.kw |= LEX_KW_ALL;
        ast_expr *ev = parse_every(p);
        p->s = *after;
        if (ev)
            p->s.hint = "`import future.keywords.every` for `every x in xs { ... }` expressions";
    }
    return e;
}

/* `some x, y`, `some x in xs`, `some k, v in xs`. */
static ast_expr *parse_some(parser *p)
{
    ppos start = here(p);
    pstate *s = save(p);
    scan(p);
    ast_term *t = parse_infix(p, true);
    if (t && t->kind == AST_CALL) {
        ast_expr *e = new_expr(p, AST_EXPR_SOME, start);
        if (is_bad_member(t)) {
            illegal(p, "illegal domain");
            return NULL;
        }
        if (is_member(t, 2)) {
            e->some.value = t->call.args[0];
            e->some.coll = t->call.args[1];
        } else if (is_member(t, 3)) {
            e->some.key = t->call.args[0];
            e->some.value = t->call.args[1];
            e->some.coll = t->call.args[2];
        } else {
            illegal(p, "expected `x in xs` or `x, y in xs` expression");
            return NULL;
        }
        if (at(p, TK_WITH) && !parse_with(p, e))
            return NULL;
        return e;
    }
    p->s = *s;
    /* v0 without the keyword: hint when `some x in xs` was meant */
    if (p->version == AST_REGO_V0 && !(p->s.lx.kw & LEX_KW_IN)) {
        p->s.lx.kw |= LEX_KW_ALL;
        scan(p);
        ast_term *f = parse_infix(p, true);
        bool hint = f && f->kind == AST_CALL &&
                    (strcmp(f->call.fn_name, "internal.member_2") == 0 ||
                     strcmp(f->call.fn_name, "internal.member_3") == 0);
        p->s = *s;
        if (hint)
            p->s.hint = "`import future.keywords.in` for `some x in xs` expressions";
    }
    tvec vars = {0};
    for (;;) {
        scan(p);
        if (!at(p, TK_IDENT)) {
            illegal(p, "expected var");
            return NULL;
        }
        tpush(p, &vars, parse_var(p));
        scan(p);
        if (!at(p, TK_COMMA))
            break;
    }
    ast_expr *e = new_expr(p, AST_EXPR_SOME, start);
    e->some.vars = vars.v;
    e->some.nvars = vars.n;
    return e;
}

/* `every [k,] v in domain { body }`. */
static ast_expr *parse_every(parser *p)
{
    ppos start = here(p);
    scan(p);
    ast_term *t = parse_infix(p, true);
    if (!t)
        return NULL;
    ast_expr *e = new_expr(p, AST_EXPR_EVERY, start);
    if (is_bad_member(t)) {
        illegal(p, "illegal domain");
        return NULL;
    }
    if (is_member(t, 2)) {
        e->every.value = t->call.args[0];
        e->every.domain = t->call.args[1];
    } else if (is_member(t, 3)) {
        e->every.key = t->call.args[0];
        e->every.value = t->call.args[1];
        e->every.domain = t->call.args[2];
        if (e->every.key->kind != AST_VAR) {
            illegal(p, "expected key to be a variable");
            return NULL;
        }
    } else {
        illegal(p, "expected `x[, y] in xs { ... }` expression");
        return NULL;
    }
    if (e->every.value->kind != AST_VAR) {
        illegal(p, "expected value to be a variable");
        return NULL;
    }
    if (!at(p, TK_LBRACE)) {
        illegal(p, "missing body");
        return NULL;
    }
    ppos bstart = here(p);
    scan(p);
    ast_body *body = parse_body(p, TK_RBRACE);
    if (!body)
        return NULL;
    body->loc = mkloc(p, bstart, p->s.cur.end);
    scan(p);
    e->every.body = body;
    if (at(p, TK_WITH) && !parse_with(p, e))
        return NULL;
    return e;
}

/* One expression of a body, with `not` and `with` modifiers. */
static ast_expr *parse_literal(parser *p)
{
    if (!enter(p))
        return NULL;
    ppos start = here(p);
    ast_expr *e;
    if (keyword_starts_ref(p)) {
        e = parse_literal_expr(p, false, start);
    } else {
        bool negated = false;
        if (at(p, TK_NOT)) {
            scan(p);
            negated = true;
        }
        if (at(p, TK_SOME) && negated) {
            illegal(p, "illegal negation of 'some'");
            e = NULL;
        } else if (at(p, TK_SOME)) {
            e = parse_some(p);
        } else if (at(p, TK_EVERY) && negated) {
            illegal(p, "illegal negation of 'every'");
            e = NULL;
        } else if (at(p, TK_EVERY)) {
            e = parse_every(p);
        } else {
            e = parse_literal_expr(p, negated, start);
        }
    }
    if (e) {
        e->loc = mkloc(p, start, p->s.last_end);
        unsigned h = umax(term_height(e->term), umax(term_height(e->lhs), term_height(e->rhs)));
        h = umax(h, terms_height(e->some.vars, e->some.nvars));
        h = umax(h, umax(term_height(e->some.key), term_height(e->some.value)));
        h = umax(h, term_height(e->some.coll));
        h = umax(h, umax(term_height(e->every.key), term_height(e->every.value)));
        h = umax(h, umax(term_height(e->every.domain), body_height(e->every.body)));
        for (int i = 0; i < e->nwiths; i++)
            h = umax(h, umax(term_height(e->withs[i].target), term_height(e->withs[i].value)));
        enode *n = (enode *)(void *)((char *)e - offsetof(enode, e));
        set_height(p, &n->height, 1 + h, &e->loc);
    }
    leave(p);
    return e;
}

static ast_body *new_body(parser *p, evec *v, ppos start, unsigned end)
{
    bnode *n = arena_zalloc(p->a, sizeof *n);
    ast_body *b = &n->b;
    b->exprs = v ? v->v : NULL;
    b->n = v ? v->n : 0;
    b->loc = mkloc(p, start, end);
    unsigned h = 0;
    for (int i = 0; i < b->n; i++)
        h = umax(h, expr_height(b->exprs[i]));
    set_height(p, &n->height, 1 + h, &b->loc);
    return b;
}

/* Expressions separated by `;` or newlines up to `end`.  At top level
 * (require_semi) one statement ends after its expression unless `;`
 * follows. */
static ast_body *parse_query(parser *p, bool require_semi, lex_tok end)
{
    ppos start = here(p);
    if (at(p, end)) {
        errorf(p, here(p), "found empty body");
        return NULL;
    }
    evec v = {0};
    for (;;) {
        ast_expr *e = parse_literal(p);
        if (!e)
            return NULL;
        epush(p, &v, e);
        if (at(p, TK_SEMICOLON)) {
            scan(p);
            continue;
        }
        if (at(p, end) || require_semi)
            break;
        if (!p->s.cur.nl_before) {
            if (p->s.nerr == 0)
                illegal(p, "expected \\n or ; or %s", lex_tok_name(end));
            return NULL;
        }
    }
    return new_body(p, &v, start, p->s.last_end);
}

static ast_body *parse_body(parser *p, lex_tok end)
{
    if (!enter(p))
        return NULL;
    ast_body *b = parse_query(p, false, end);
    leave(p);
    return b;
}

/* ---- rules ---- */

/* A rule head as OPA's parser builds it, before it becomes an ast_rule. */
typedef struct rhead {
    ppos start;
    unsigned end;
    ast_term *ref;          /* var or ref; the function name for functions */
    ast_term **args;
    int nargs;
    ast_term *key;          /* `contains x`, v0 `p[x]` */
    ast_term *value;
    bool assign, gen_value, uses_contains, has_if, is_default;
} rhead;

static int ref_len(const ast_term *t) { return t->kind == AST_REF ? t->ref.n : 1; }

static ast_term *ref_item(ast_term *t, int i) { return t->kind == AST_REF ? t->ref.items[i] : t; }

static ast_term *true_term(parser *p, ppos at, unsigned end)
{
    return scalar(p, VAL_TRUE_V, at, end);
}

static bool v1_keyword(const char *s)
{
    static const char *const kws[] = {"package", "import", "as", "default", "else", "not", "some",
                                      "with", "null", "true", "false", "in", "every", "contains",
                                      "if"};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (strcmp(s, kws[i]) == 0)
            return true;
    return false;
}

static bool keyword_in_version(parser *p, const char *s)
{
    if (p->version == AST_REGO_V1)
        return v1_keyword(s);
    return lex_keyword(s, strlen(s), 0) != TK_IDENT;
}

static ast_rule *make_rule(parser *p, const rhead *h, ast_body *body, bool written, ppos start,
                           unsigned end)
{
    ast_rule *r = arena_zalloc(p->a, sizeof *r);
    r->loc = mkloc(p, start, end);
    r->is_default = h->is_default;
    r->assign = h->assign;
    r->value_implicit = h->gen_value;
    r->head = h->ref;
    r->args = h->args;
    r->nargs = h->nargs;
    if (h->nargs > 0) {
        r->kind = AST_RULE_FUNCTION;
    } else if (h->key && !h->value) {
        r->kind = AST_RULE_PARTIAL_SET;
        r->key = h->key;
    } else {
        r->kind = AST_RULE_COMPLETE;
    }
    r->value = h->value;
    r->body = body ? body : new_body(p, NULL, start, start.off);
    r->body_written = written;
    return r;
}

static void note_rule(parser *p, ast_rule *r, bool has_if, bool uses_contains, bool gen_body)
{
    if (p->nchecks == p->checkcap)
        p->checks = grow(p, p->checks, p->nchecks, &p->checkcap, sizeof *p->checks);
    p->checks[p->nchecks++] = (rule_check){r, has_if, uses_contains, gen_body};
}

/* Arguments of a copied head: each `_` becomes a new wildcard. */
static ast_term **copy_args(parser *p, const rhead *h)
{
    if (h->nargs == 0)
        return h->args;
    ast_term **a = arena_alloc(p->a, (size_t)h->nargs * sizeof *a);
    for (int i = 0; i < h->nargs; i++) {
        ast_term *t = h->args[i];
        if (t->kind == AST_VAR && t->var.wildcard)
            t = wildcard(p, pos_of(&t->loc), t->loc.off + t->loc.len);
        a[i] = t;
    }
    return a;
}

static bool parse_head(parser *p, rhead *h)
{
    h->start = here(p);
    ast_term *var = parse_var(p);
    ast_term *ref = var;
    scan(p);
    switch (p->s.cur.tok) {
    case TK_ADD: case TK_SUB: case TK_MUL: case TK_QUO: case TK_REM: case TK_AND: case TK_OR:
    case TK_EQUAL: case TK_NEQ: case TK_GT: case TK_GTE: case TK_LT: case TK_LTE:
        if (!p->s.cur.ws_before)
            illegal_token(p);
        break;
    default:
        break;
    }
    if (at_glued(p, TK_LPAREN) || at_glued(p, TK_DOT) || at_glued(p, TK_LBRACK)) {
        ref = parse_ref(p, var, h->start);
        if (!ref) {
            illegal(p, "expected rule head name");
            return false;
        }
    }
    switch (ref->kind) {
    case AST_VAR:
        h->ref = ref;
        break;
    case AST_REF:
        if (ref->ref.items[0]->kind != AST_VAR) {
            errorf(p, h->start, "invalid rule head: %s", term_text(p, ref));
            return false;
        }
        h->ref = ref;
        break;
    case AST_CALL:
        h->ref = ref->call.fn;
        h->args = ref->call.args;
        h->nargs = ref->call.nargs;
        break;
    default:
        return false;
    }
    const char *name = term_text(p, h->ref);
    switch (p->s.cur.tok) {
    case TK_CONTAINS:
        if (h->nargs > 0)
            illegal(p, "the contains keyword can only be used with multi-value rule definitions "
                       "(e.g., %s contains <VALUE> { ... })", name);
        scan(p);
        h->key = parse_infix(p, true);
        if (!h->key) {
            illegal(p, "expected rule key term (e.g., %s contains <VALUE> { ... })", name);
            return false;
        }
        h->uses_contains = true;
        h->end = p->s.last_end;
        return true;
    case TK_UNIFY:
        scan(p);
        h->value = parse_infix(p, true);
        if (!h->value) {
            illegal(p, "expected rule value term (e.g., %s = <VALUE> { ... })", name);
            return false;
        }
        break;
    case TK_ASSIGN:
        scan(p);
        h->assign = true;
        h->value = parse_infix(p, true);
        if (!h->value) {
            if (h->nargs > 0)
                illegal(p, "expected function value term (e.g., %s(...) := <VALUE> { ... })", name);
            else if (h->is_default)
                illegal(p, "expected default rule value term (e.g., default %s := <VALUE>)", name);
            else
                illegal(p, "expected rule value term (e.g., %s := <VALUE> { ... })", name);
            return false;
        }
        break;
    default:
        break;
    }
    h->end = p->s.last_end;
    if (!h->value && !h->key && (ref_len(h->ref) != 2 || h->nargs > 0)) {
        h->gen_value = true;
        h->value = true_term(p, h->start, h->end);
    }
    return true;
}

/* OPA's checks on default rules: a constant value, plain distinct vars as
 * arguments. */
static void check_default_value(parser *p, ppos at, const ast_term *t)
{
    switch (t->kind) {
    case AST_VAR: case AST_REF: case AST_CALL:
        errorf(p, at, "illegal default rule (value cannot contain %s)", value_name(t));
        return;
    case AST_ARRAY: case AST_SET: case AST_OBJECT:
        for (int i = 0; i < t->coll.n; i++)
            check_default_value(p, at, t->coll.items[i]);
        return;
    case AST_TEMPLATE:
        for (int i = 0; i < t->tmpl.n; i++)
            check_default_value(p, at, t->tmpl.parts[i]);
        return;
    default:
        return;     /* scalars; comprehensions are closures, not checked */
    }
}

static bool check_default(parser *p, const rhead *h)
{
    int n0 = p->s.nerr;
    if (!h->value) {
        errorf(p, h->start, "illegal default rule (must have a value)");
        return false;
    }
    check_default_value(p, h->start, h->value);
    for (int i = 0; i < h->nargs; i++) {
        const ast_term *a = h->args[i];
        if (a->kind != AST_VAR) {
            errorf(p, h->start, "illegal default rule (arguments cannot contain %s)", value_name(a));
            continue;
        }
        for (int j = 0; j < i; j++) {
            if (h->args[j]->kind == AST_VAR && strcmp(h->args[j]->var.name, a->var.name) == 0) {
                errorf(p, h->start, "illegal default rule (arguments cannot be repeated %s)",
                       a->var.name);
                break;
            }
        }
    }
    return p->s.nerr == n0;
}

/* `{ body }` with cur on `{`; cur is left after `}`. */
static ast_body *parse_braced_body(parser *p)
{
    ppos start = here(p);
    scan(p);
    ast_body *b = parse_body(p, TK_RBRACE);
    if (!b)
        return NULL;
    b->loc = mkloc(p, start, p->s.cur.end);
    scan(p);
    return b;
}

static ast_body *single_body(parser *p, ast_expr *e)
{
    evec v = {0};
    epush(p, &v, e);
    return new_body(p, &v, pos_of(&e->loc), e->loc.off + e->loc.len);
}

/* `else [= value | := value] [if] [{ body } | expr]`, repeated. */
static ast_rule *parse_else(parser *p, const rhead *main)
{
    ast_rule *first = NULL, *prev = NULL;
    for (int links = 1;; links++) {
        if (links > AST_MAX_DEPTH) {
            errorf(p, here(p), "max parsing recursion depth exceeded");
            return NULL;
        }
        rhead h = *main;
        h.start = here(p);
        h.args = copy_args(p, main);
        h.gen_value = false;    /* `assign` stays the main rule's unless written */
        scan(p);
        switch (p->s.cur.tok) {
        case TK_LBRACE:
        case TK_IF:
            h.gen_value = true;
            h.value = true_term(p, h.start, p->s.cur.off);
            break;
        case TK_ASSIGN:
        case TK_UNIFY:
            h.assign = at(p, TK_ASSIGN);
            scan(p);
            h.value = parse_infix(p, true);
            if (!h.value)
                return NULL;
            break;
        default:
            illegal(p, "expected else value term or rule body");
            return NULL;
        }
        bool has_if = at(p, TK_IF);
        ast_body *body = NULL;
        bool gen_body = false;
        if (!has_if && !at(p, TK_LBRACE)) {
            gen_body = true;
        } else {
            if (has_if)
                scan(p);
            if (at(p, TK_LBRACE)) {
                if (!(body = parse_braced_body(p)))
                    return NULL;
            } else if (!at(p, TK_EOF)) {
                ast_expr *e = parse_literal(p);
                if (!e)
                    return NULL;
                body = single_body(p, e);
            } else {
                illegal(p, "rule body expected");
                return NULL;
            }
        }
        ast_rule *r = make_rule(p, &h, body, !gen_body, h.start, p->s.last_end);
        note_rule(p, r, main->has_if || has_if, false, gen_body);
        if (prev)
            prev->else_ = r;
        else
            first = r;
        prev = r;
        if (gen_body || !at(p, TK_ELSE))
            break;
    }
    /* each link's text runs to the end of the chain, as in OPA */
    for (ast_rule *r = first; r; r = r->else_)
        r->loc.len = p->s.last_end - r->loc.off;
    return first;
}

/* A rule statement (possibly several rules: `p { a } { b }`).  Returns
 * false without errors when the statement is not a rule. */
static bool parse_rules(parser *p, rvec *out)
{
    ppos start = here(p);
    rhead h;
    memset(&h, 0, sizeof h);
    keyword_starts_ref(p);
    if (at(p, TK_DEFAULT)) {
        scan(p);
        h.is_default = true;
        keyword_starts_ref(p);
    }
    if (!at(p, TK_IDENT))
        return false;
    if (!parse_head(p, &h))
        return false;
    h.start = start;

    if (h.is_default) {
        if (!check_default(p, &h))
            return false;
        ast_rule *r = make_rule(p, &h, NULL, false, start, p->s.last_end);
        note_rule(p, r, false, false, false);
        rpush(p, out, r);
        return true;
    }

    h.has_if = at(p, TK_IF);
    /* v1: `p[x] if ...` is a single-value rule p[x] (value true unless given) */
    if (h.has_if && !h.uses_contains && ref_len(h.ref) == 2) {
        ast_term *v = ref_item(h.ref, 1);
        if ((!is_ground(v) || v->kind == AST_REF) && h.nargs == 0)
            h.key = v;
        if (!h.value) {
            h.gen_value = true;
            h.value = true_term(p, start, h.end);
        }
    }
    /* v0: `p[x] { ... }` is a multi-value rule p with element x */
    if (!h.has_if && !h.uses_contains && h.nargs == 0 && ref_len(h.ref) == 2) {
        h.key = ref_item(h.ref, 1);
        if (!h.value)
            h.ref = ref_item(h.ref, 0);
    }

    ast_body *body = NULL;
    bool gen_body = false;
    if (h.has_if) {
        scan(p);
        pstate s = p->s;
        ast_expr *e = parse_literal(p);
        /* `p if { ... }` is a braced body, not a set literal */
        bool set_literal = e && e->kind == AST_EXPR_TERM && e->term->kind == AST_SET;
        if (e && !set_literal) {
            body = single_body(p, e);
        } else if (s.cur.tok == TK_LBRACE) {
            p->s = s;
            if (!(body = parse_braced_body(p)))
                return false;
        } else {
            return false;
        }
    } else if (at(p, TK_LBRACE)) {
        if (!(body = parse_braced_body(p)))
            return false;
    } else if (h.uses_contains) {
        gen_body = true;
    } else {
        return false;
    }

    ast_rule *r = make_rule(p, &h, body, !gen_body, start, p->s.last_end);
    note_rule(p, r, h.has_if, h.uses_contains, gen_body);
    if (gen_body) {
        rpush(p, out, r);
        return true;
    }

    if (at(p, TK_ELSE) && !keyword_starts_ref(p)) {
        if (ref_len(h.ref) > 1 && !ref_operands_ground(h.ref)) {
            errorf(p, here(p), "else keyword cannot be used on rules with variables in head");
            return false;
        }
        if (h.key) {
            errorf(p, here(p), "else keyword cannot be used on multi-value rules");
            return false;
        }
        if (!(r->else_ = parse_else(p, &h)))
            return false;
    }
    r->loc = mkloc(p, start, p->s.last_end);
    rpush(p, out, r);

    /* v0 style: more bodies for the same head, `p { a } { b }` */
    while (at(p, TK_LBRACE)) {
        if (r->else_) {
            errorf(p, here(p), "expected else keyword");
            return false;
        }
        ppos bstart = here(p);
        ast_body *b = parse_braced_body(p);
        if (!b)
            return false;
        rhead h2 = h;
        h2.args = copy_args(p, &h);
        ast_rule *next = make_rule(p, &h2, b, true, bstart, p->s.last_end);
        note_rule(p, next, h.has_if, h.uses_contains, false);
        rpush(p, out, next);
    }
    return true;
}

/* ---- rules written as plain bodies (`p = 1`, `p[x]`, `f(x) = y`) ---- */

/* The builtin registry (engine/builtins), referenced weakly: the parser
 * links without it (tests, tools), and uses it when the program has it. */
struct builtin_def;
extern const struct builtin_def *builtin_lookup(const char *name) __attribute__((weak));

/* A call written as a statement names a builtin: OPA refuses it as a rule. */
static bool is_builtin_name(const char *name)
{
    static const char *const ops[] = {"eq", "assign", "equal", "neq", "lt", "lte", "gt", "gte",
                                      "or", "and", "plus", "minus", "mul", "div", "rem",
                                      "internal.member_2", "internal.member_3"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(name, ops[i]) == 0)
            return true;
    return builtin_lookup && builtin_lookup(name) != NULL;
}

static ast_rule *rule_from_body(parser *p, ast_body *b)
{
    ast_expr *e = b->exprs[0];
    ppos at = pos_of(&e->loc);
    unsigned end = e->loc.off + e->loc.len;
    if (b->n != 1) {
        merrorf(p, at, "multiple expressions cannot be used for rule head");
        return NULL;
    }
    if (e->nwiths) {
        merrorf(p, at, "expressions using with keyword cannot be used for rule head");
        return NULL;
    }
    if (e->negated) {
        merrorf(p, at, "negated expressions cannot be used for rule head");
        return NULL;
    }
    if (e->kind == AST_EXPR_SOME) {
        merrorf(p, at, "'some' declarations cannot be used for rule head");
        return NULL;
    }
    if (e->kind == AST_EXPR_EVERY) {
        merrorf(p, at, "expression cannot be used for rule head");
        return NULL;
    }
    rhead h;
    memset(&h, 0, sizeof h);
    h.start = at;
    h.end = end;
    ast_rule *r;
    if (e->kind == AST_EXPR_TERM && e->term->kind != AST_CALL) {
        ast_term *t = e->term;
        if (t->kind == AST_VAR && (strcmp(t->var.name, "data") == 0 ||
                                   strcmp(t->var.name, "input") == 0)) {
            merrorf(p, at, "refs cannot be used for rule head");
            return NULL;
        }
        if (t->kind != AST_REF) {
            merrorf(p, at, "%s cannot be used for rule name", value_name(t));
            return NULL;
        }
        if (t->ref.items[0]->kind != AST_VAR) {
            merrorf(p, at, "invalid rule head: %s", term_text(p, t));
            return NULL;
        }
        if (t->ref.n > 2) {
            /* a.b.c: a.b.c := true, with neither value nor body written */
            h.ref = t;
            h.gen_value = true;
            h.value = true_term(p, at, end);
        } else {
            /* p[x] / p.q: a multi-value rule */
            h.ref = t->ref.items[0];
            h.key = t->ref.items[1];
        }
        r = make_rule(p, &h, NULL, false, at, end);
        note_rule(p, r, false, false, true);
        return r;
    }
    if (e->kind == AST_EXPR_TERM) {
        /* f(x): a function returning true */
        ast_term *c = e->term;
        if (is_builtin_name(c->call.fn_name)) {
            merrorf(p, at, "rule name conflicts with built-in function");
            return NULL;
        }
        if (c->call.nargs == 0) {
            merrorf(p, at, "rule argument list must take at least one argument");
            return NULL;
        }
        h.ref = c->call.fn;
        h.args = c->call.args;
        h.nargs = c->call.nargs;
        h.value = true_term(p, at, end);
        r = make_rule(p, &h, NULL, false, at, end);
        note_rule(p, r, false, false, true);
        return r;
    }
    /* p = v, p := v, p[k] = v, a.b.c := v, f(x) = v */
    ast_term *lhs = e->lhs;
    h.assign = e->kind == AST_EXPR_ASSIGN;
    h.value = e->rhs;
    switch (lhs->kind) {
    case AST_CALL:
        h.ref = lhs->call.fn;
        h.args = lhs->call.args;
        h.nargs = lhs->call.nargs;
        break;
    case AST_REF:
        if (lhs->ref.items[0]->kind != AST_VAR) {
            merrorf(p, at, "invalid rule head: %s", term_text(p, lhs));
            return NULL;
        }
        h.ref = lhs;
        break;
    case AST_VAR:
        h.ref = lhs;
        break;
    default:
        merrorf(p, at, "%s cannot be used for rule name", value_name(lhs));
        return NULL;
    }
    r = make_rule(p, &h, NULL, false, at, end);
    note_rule(p, r, false, false, true);
    return r;
}

/* The checks OPA applies to every rule of a v1 module (and of a v0 module
 * importing rego.v1). */
static void check_v1_rules(parser *p)
{
    for (int i = 0; i < p->nchecks; i++) {
        const rule_check *c = &p->checks[i];
        const ast_rule *r = c->r;
        ppos at = pos_of(&r->loc);
        const char *what = r->kind == AST_RULE_FUNCTION ? "function" : "rule";
        if (r->head->kind == AST_VAR && v1_keyword(r->head->var.name))
            merrorf(p, at, "%s keyword cannot be used for rule name", r->head->var.name);
        if (c->gen_body && r->value_implicit)
            merrorf(p, at, "%s must have value assignment and/or body declaration", what);
        if (!c->gen_body && !c->has_if && !r->is_default)
            merrorf(p, at, "`if` keyword is required before %s body", what);
        if (r->kind == AST_RULE_PARTIAL_SET && !c->uses_contains)
            merrorf(p, at, "`contains` keyword is required for partial set rules");
    }
}

/* ---- package and imports ---- */

static bool parse_package(parser *p, ast_module *m, bool first)
{
    if (!at(p, TK_PACKAGE))
        return false;
    ppos start = here(p);
    lex_token nx = peek(p);
    if (!nx.ws_before && (nx.tok == TK_DOT || nx.tok == TK_LBRACK))
        return false;       /* a ref named `package`, not a declaration */
    scan(p);
    if (!at(p, TK_IDENT) && !lex_tok_is_keyword(p->s.cur.tok)) {
        illegal_token(p);
        return false;
    }
    p->s.cur.tok = TK_IDENT;
    ast_term *t = parse_term(p);
    if (!t) {
        if (p->s.nerr == 0)
            errorf(p, here(p), "expected path");
        return false;
    }
    tvec items = {0};
    if (t->kind == AST_VAR) {
        tpush(p, &items, var_term(p, "data", pos_of(&t->loc), t->loc.off + t->loc.len));
        tpush(p, &items, string_term(p, t->var.name, strlen(t->var.name), pos_of(&t->loc),
                                     t->loc.off + t->loc.len));
    } else if (t->kind == AST_REF) {
        ast_term *h0 = t->ref.items[0];
        if (h0->kind != AST_VAR) {
            errorf(p, pos_of(&h0->loc), "unexpected %s token: expecting var", value_name(h0));
            return false;
        }
        tpush(p, &items, var_term(p, "data", pos_of(&h0->loc), h0->loc.off + h0->loc.len));
        tpush(p, &items, string_term(p, h0->var.name, strlen(h0->var.name), pos_of(&h0->loc),
                                     h0->loc.off + h0->loc.len));
        for (int i = 1; i < t->ref.n; i++) {
            ast_term *x = t->ref.items[i];
            if (!is_scalar_kind(x, VAL_STRING)) {
                errorf(p, pos_of(&x->loc), "unexpected %s token: expecting string", value_name(x));
                return false;
            }
            tpush(p, &items, x);
        }
    } else {
        illegal_token(p);
        return false;
    }
    if (first) {
        m->package = ref_term(p, &items, pos_of(&t->loc), t->loc.off + t->loc.len);
        m->package_loc = mkloc(p, start, p->s.last_end);
    } else {
        merrorf(p, start, "unexpected package");
    }
    return true;
}

static const char *ref_head_name(const ast_term *t)
{
    const ast_term *h = t->kind == AST_REF ? t->ref.items[0] : t;
    return h->kind == AST_VAR ? h->var.name : NULL;
}

static bool parse_import(parser *p, ast_import *imp)
{
    if (!at(p, TK_IMPORT))
        return false;
    ppos start = here(p);
    lex_token nx = peek(p);
    if (!nx.ws_before && (nx.tok == TK_DOT || nx.tok == TK_LBRACK))
        return false;       /* a ref named `import` */
    scan(p);
    if (!at(p, TK_IDENT) && !lex_tok_is_keyword(p->s.cur.tok)) {
        illegal_token(p);
        return false;
    }
    p->s.cur.tok = TK_IDENT;
    /* future keywords are plain names in import paths (import future.keywords.in) */
    unsigned kw = p->s.lx.kw;
    p->s.lx.kw = 0;
    ast_term *t = parse_term(p);
    p->s.lx.kw = kw;
    ast_term *path = NULL;
    if (t && t->kind == AST_VAR) {
        path = t;
    } else if (t && t->kind == AST_REF) {
        for (int i = 1; i < t->ref.n; i++) {
            ast_term *x = t->ref.items[i];
            if (!is_scalar_kind(x, VAL_STRING)) {
                errorf(p, pos_of(&x->loc), "unexpected %s token: expecting string", value_name(x));
                return false;
            }
        }
        path = t;
    }
    if (!path) {
        errorf(p, here(p), "expected path");
        return false;
    }
    const char *root = ref_head_name(path);
    if (!root || (strcmp(root, "data") != 0 && strcmp(root, "input") != 0 &&
                  strcmp(root, "future") != 0 && strcmp(root, "rego") != 0)) {
        const ast_term *h0 = path->kind == AST_REF ? path->ref.items[0] : path;
        errorf(p, pos_of(&path->loc),
               "unexpected import path, must begin with one of: {data, future, input, rego}, "
               "got: %s (hint: if this is unexpected, try updating OPA)", term_text(p, h0));
        return false;
    }
    imp->path = path;
    imp->alias = NULL;
    if (at(p, TK_AS)) {
        scan(p);
        if (!at(p, TK_IDENT)) {
            illegal(p, "expected var");
            return false;
        }
        ast_term *alias = parse_term(p);
        if (!alias || alias->kind != AST_VAR) {
            illegal(p, "expected var");
            return false;
        }
        imp->alias = alias->var.name;
        imp->loc = mkloc(p, start, p->s.last_end);
        return true;
    }
    /* the last name of the path names the import: it must not be a keyword */
    if (path->kind == AST_VAR) {
        if (keyword_in_version(p, path->var.name))
            errorf(p, pos_of(&path->loc),
                   "unexpected import path, must not end with a keyword, got: %s", path->var.name);
    } else if (strcmp(root, "future") != 0) {
        ast_term *last = path->ref.items[path->ref.n - 1];
        const char *name = val_str(last->value);
        if (keyword_in_version(p, name))
            errorf(p, pos_of(&last->loc),
                   "unexpected import path, must not end with a keyword, got: %s", name);
    }
    imp->loc = mkloc(p, start, p->s.last_end);
    return true;
}

static bool path_is(const ast_term *path, const char *a, const char *b)
{
    if (path->kind != AST_REF || path->ref.n != 2 || path->ref.items[0]->kind != AST_VAR)
        return false;
    const ast_term *x = path->ref.items[1];
    return strcmp(path->ref.items[0]->var.name, a) == 0 && is_scalar_kind(x, VAL_STRING) &&
           strcmp(val_str(x->value), b) == 0;
}

/* The future keywords a v0 module may import (LEX_KW_* bits) and their
 * list as OPA prints it ("[contains every if in]"): all of them without
 * capabilities; else those the capabilities list, and all with the
 * rego_v1 feature (OPA's allowedFutureKeywords). */
static unsigned allowed_future_keywords(parser *p, char *list, size_t cap)
{
    static const struct {
        const char *name;
        unsigned bit;
    } kws[] = {{"contains", LEX_KW_CONTAINS}, {"every", LEX_KW_EVERY}, {"if", LEX_KW_IF}, {"in", LEX_KW_IN}};
    const rego_caps *c = p->caps;
    unsigned bits = 0;
    size_t w = 0;
    list[w++] = '[';
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
        bool on = !c || rego_caps_has_feature(c, REGO_FEAT_REGO_V1);
        for (int k = 0; c && !on && k < c->nfuture_keywords; k++)
            on = strcmp(c->future_keywords[k], kws[i].name) == 0;
        if (!on)
            continue;
        bits |= kws[i].bit;
        w += (size_t)snprintf(list + w, cap - w, "%s%s", w > 1 ? " " : "", kws[i].name);
    }
    snprintf(list + w, cap - w, "]");
    return bits;
}

/* `import future.keywords[.kw]` and `import rego.v1` switch keywords on. */
static void apply_import(parser *p, ast_module *m, const ast_import *imp)
{
    const ast_term *path = imp->path;
    const char *root = ref_head_name(path);
    ppos at = pos_of(&path->loc);
    if (strcmp(root, "rego") == 0) {
        if (!path_is(path, "rego", "v1")) {
            errorf(p, at, "invalid import `%s`, must be `rego.v1`", term_text(p, path));
            return;
        }
        m->imports_rego_v1 = true;
        if (p->version == AST_REGO_V1)
            return;     /* a no-op in v1 */
        if (!rego_caps_has_feature(p->caps, REGO_FEAT_REGO_V1_IMPORT) &&
            !rego_caps_has_feature(p->caps, REGO_FEAT_REGO_V1)) {
            errorf(p, at, "invalid import, `rego.v1` is not supported by current capabilities");
            return;
        }
        if (imp->alias) {
            errorf(p, at, "`rego` imports cannot be aliased");
            return;
        }
        p->s.lx.kw = LEX_KW_ALL;
    } else if (strcmp(root, "future") == 0) {
        if (path->kind != AST_REF || !is_scalar_kind(path->ref.items[1], VAL_STRING) ||
            strcmp(val_str(path->ref.items[1]->value), "keywords") != 0) {
            errorf(p, at, "invalid import, must be `future.keywords`");
            return;
        }
        if (imp->alias) {
            errorf(p, at, "`future` imports cannot be aliased");
            return;
        }
        char allowed_list[128];
        unsigned allowed = allowed_future_keywords(p, allowed_list, sizeof allowed_list);
        unsigned bits = allowed;
        if (path->ref.n == 3) {
            const char *kw = val_str(path->ref.items[2]->value);
            unsigned kbit = 0;
            if (strcmp(kw, "in") == 0)
                kbit = LEX_KW_IN;
            else if (strcmp(kw, "every") == 0)
                kbit = LEX_KW_EVERY;
            else if (strcmp(kw, "contains") == 0)
                kbit = LEX_KW_CONTAINS;
            else if (strcmp(kw, "if") == 0)
                kbit = LEX_KW_IF;
            if (!(kbit & allowed)) {
                errorf(p, at, "unexpected keyword, must be one of %s", allowed_list);
                return;
            }
            bits = kbit == LEX_KW_EVERY ? LEX_KW_EVERY | LEX_KW_IN : kbit; /* every needs in */
        }
        p->s.lx.kw |= bits;
    }
}

/* ---- METADATA blocks ---- */

/* The scanner reports comments again after backtracking: only those past
 * the last one kept are new. */
static void record_comment(void *ctx, const lex_token *t)
{
    parser *p = ctx;
    if (p->ncomments > 0 && t->off <= p->comments[p->ncomments - 1].off)
        return;
    if (p->ncomments == p->commentcap)
        p->comments = grow(p, p->comments, p->ncomments, &p->commentcap, sizeof *p->comments);
    p->comments[p->ncomments++] = (annot_comment){t->row, t->col, t->off, t->end};
}

/* A block that does not read is a parse error, reported after any syntax
 * error as OPA reports it. */
static void annotation_error(void *ctx, int row, int col, unsigned off, const char *msg)
{
    parser *p = ctx;
    p->s.hint = NULL;
    add_error(p, (ppos){row, col, off}, msg);
}

/* A block that does not fit its statement is an error of the module. */
static void attachment_error(void *ctx, int row, int col, unsigned off, const char *msg)
{
    merrorf(ctx, (ppos){row, col, off}, "%s", msg);
}

/* ---- entry points ---- */

static void parser_init(parser *p, arena *a, const char *file, const char *src, size_t len,
                        const parse_opts *opts, bool module)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->file = file;
    p->src = src;
    p->len = len;
    p->version = opts ? opts->version : AST_REGO_V1;
    p->caps = opts ? opts->caps : NULL;
    p->budget = 64L * (long)len + 100000;
    p->cache_gen = 1;
    lex_init(&p->s.lx, src, len, (p->version == AST_REGO_V1 ? LEX_KW_ALL : 0) | (opts ? opts->keywords : 0));
    if (module && !(opts && opts->no_annotations)) {
        p->comment_sink = (lex_comment_sink){record_comment, p};
        p->s.lx.comments = &p->comment_sink;
    }
    scan(p);
}

/* Copies errors out of the arena into errs. */
static void report(parser *p, const perr *e, int n, rego_errors *errs)
{
    if (!errs)
        return;
    for (int i = 0; i < n; i++) {
        ast_loc l = {p->file, e[i].row, e[i].col, e[i].off, 0};
        rego_errors_add(errs, "rego_parse_error", &l, "%s", e[i].msg);
    }
}

typedef struct parse_job {
    parser *p;
    ast_module *module;
    ast_body *body;
    ast_term *term;
    int what;           /* 0 module, 1 query, 2 term */
} parse_job;

static void parse_module_body(parser *p, parse_job *job)
{
    ast_module *m = arena_zalloc(p->a, sizeof *m);
    m->file = p->file;
    m->source = p->src;
    m->source_len = p->len;
    m->version = p->version;
    m->arena = p->a;
    int nimp = 0, impcap = 0;
    ast_import *imps = NULL;
    rvec rules = {0};
    int nstmts = 0;
    bool first_is_package = false;
    ppos first_at = {0, 0, 0};

    while (!at(p, TK_EOF)) {
        cache_reset(p);
        pstate s = p->s;
        ppos st = here(p);
        if (parse_package(p, m, nstmts == 0)) {
            if (nstmts++ == 0)
                first_is_package = true;
            continue;
        }
        if (p->s.nerr > 0)
            break;
        p->s = s;
        ast_import imp;
        if (parse_import(p, &imp)) {
            if (nimp == impcap)
                imps = grow(p, imps, nimp, &impcap, sizeof *imps);
            imps[nimp++] = imp;
            apply_import(p, m, &imp);
            if (nstmts++ == 0)
                first_at = st;
            continue;
        }
        if (p->s.nerr > 0)
            break;
        p->s = s;
        if (parse_rules(p, &rules)) {
            if (nstmts++ == 0)
                first_at = st;
            continue;
        }
        if (p->s.nerr > 0)
            break;
        p->s = s;
        ast_body *b = parse_query(p, true, TK_EOF);
        if (!b)
            break;
        if (nstmts++ == 0)
            first_at = st;
        ast_rule *r = rule_from_body(p, b);
        if (r)
            rpush(p, &rules, r);
    }
    if (p->s.nerr == 0 && !at(p, TK_EOF))
        illegal_token(p);
    int nblocks = 0;
    ast_annotation_block **blocks = annotations_parse_blocks(p->a, p->file, p->src, p->comments, p->ncomments,
                                                             &nblocks, annotation_error, p);
    if (p->s.nerr > 0)
        return;
    if (nstmts == 0) {
        /* OPA counts METADATA blocks as statements: then the package is missing */
        if (nblocks > 0)
            add_error(p, (ppos){blocks[0]->loc.row, blocks[0]->loc.col, blocks[0]->loc.off}, "package expected");
        else
            add_error(p, (ppos){0, 0, 0}, "empty module");
        return;
    }
    if (p->version == AST_REGO_V1 || m->imports_rego_v1)
        check_v1_rules(p);
    if (!first_is_package) {
        /* reported first, as OPA does */
        merrorf(p, first_at, "package expected");
        perr last = p->merrs[p->nmerr - 1];
        memmove(p->merrs + 1, p->merrs, (size_t)(p->nmerr - 1) * sizeof *p->merrs);
        p->merrs[0] = last;
    }
    if (p->nmerr > 0)
        return;
    m->imports = imps;
    m->nimports = nimp;
    m->rules = rules.v;
    m->nrules = rules.n;
    for (int i = 0; i < rules.n; i++)
        for (ast_rule *r = rules.v[i]; r; r = r->else_)
            r->module = m;
    if (nblocks > 0 && !annotations_attach(p->a, m, blocks, nblocks, attachment_error, p))
        return;
    job->module = m;
}

static void parse_query_body(parser *p, parse_job *job)
{
    ppos start = here(p);
    evec all = {0};
    while (!at(p, TK_EOF)) {
        cache_reset(p);
        ast_body *b = parse_query(p, true, TK_EOF);
        if (!b)
            break;
        for (int i = 0; i < b->n; i++)
            epush(p, &all, b->exprs[i]);
    }
    if (p->s.nerr == 0 && !at(p, TK_EOF))
        illegal_token(p);
    if (p->s.nerr > 0)
        return;
    job->body = new_body(p, &all, start, p->s.last_end);
}

static void parse_term_body(parser *p, parse_job *job)
{
    parse_query_body(p, job);
    ast_body *b = job->body;
    job->body = NULL;
    if (!b)
        return;
    if (b->n != 1) {
        add_error(p, (ppos){1, 1, 0}, b->n == 0 ? "expected exactly one term but got: (empty)"
                                                : "expected exactly one term");
        return;
    }
    ast_expr *e = b->exprs[0];
    if (e->kind != AST_EXPR_TERM || e->negated || e->nwiths || e->term->kind == AST_CALL) {
        add_error(p, pos_of(&e->loc), "expected term");
        return;
    }
    job->term = e->term;
}

/* Runs a parse with the arena's out-of-memory handler pointing here.  The
 * parser lives in the caller's frame, so nothing this function changes after
 * setjmp is needed after a longjmp. */
static bool run_protected(parse_job *job)
{
    parser *p = job->p;
    jmp_buf jb;
    jmp_buf *old = p->a->oom;
    p->a->oom = &jb;
    if (setjmp(jb) != 0) {
        p->a->oom = old;
        return false;
    }
    if (job->what == 0)
        parse_module_body(p, job);
    else if (job->what == 1)
        parse_query_body(p, job);
    else
        parse_term_body(p, job);
    p->a->oom = old;
    return true;
}

static bool run(parse_job *job, rego_errors *errs)
{
    parser *p = job->p;
    bool ok = run_protected(job);
    free(p->cache);
    p->cache = NULL;
    if (!ok) {
        if (errs) {
            ast_loc l = {p->file, 0, 0, 0, 0};
            rego_errors_add(errs, "rego_parse_error", &l,
                            p->a->oom_code == ARENA_LIMIT ? "memory limit exceeded while parsing"
                                                          : "out of memory while parsing");
        }
        return false;
    }
    if (p->s.nerr > 0) {
        report(p, p->errs, p->s.nerr, errs);
        return false;
    }
    if (p->nmerr > 0) {
        report(p, p->merrs, p->nmerr, errs);
        return false;
    }
    return true;
}

/* The source is copied into the arena first (the AST points into it), under
 * the same protection. */
static char *copy_source(arena *a, const char *text, size_t len)
{
    jmp_buf jb;
    jmp_buf *old = a->oom;
    a->oom = &jb;
    if (setjmp(jb) != 0) {
        a->oom = old;
        return NULL;
    }
    char *s = arena_strndup(a, text ? text : "", text ? len : 0);
    a->oom = old;
    return s;
}

static bool prepare(parser *p, arena *a, const char *file, const char *text, size_t len,
                    const parse_opts *opts, bool module, rego_errors *errs)
{
    char *src = copy_source(a, text, len);
    char *fname = src ? copy_source(a, file ? file : "", file ? strlen(file) : 0) : NULL;
    if (!src || !fname) {
        if (errs) {
            ast_loc l = {file ? file : "", 0, 0, 0, 0};
            rego_errors_add(errs, "rego_parse_error", &l, "out of memory while parsing");
        }
        return false;
    }
    /* the first scan may allocate (an error message) */
    jmp_buf jb;
    jmp_buf *old = a->oom;
    a->oom = &jb;
    if (setjmp(jb) != 0) {
        a->oom = old;
        if (errs) {
            ast_loc l = {fname, 0, 0, 0, 0};
            rego_errors_add(errs, "rego_parse_error", &l, "out of memory while parsing");
        }
        return false;
    }
    parser_init(p, a, fname, src, text ? len : 0, opts, module);
    a->oom = old;
    return true;
}

/* Capabilities that cannot parse anything (OPA's Parser.Parse checks them
 * first and reports the error without a location). */
static bool caps_usable(const parse_opts *opts, const char *file, rego_errors *errs)
{
    const rego_caps *c = opts ? opts->caps : NULL;
    if (!c)
        return true;
    static const char *const known[] = {"in", "every", "contains", "if", "and", "or", "not"};
    for (int i = 0; i < c->nfuture_keywords; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            ok = ok || strcmp(c->future_keywords[i], known[k]) == 0;
        if (!ok) {
            ast_loc l = {file ? file : "", 0, 0, 0, 0};
            rego_errors_add(errs, "rego_parse_error", &l, "illegal capabilities: unknown keyword: %s",
                            c->future_keywords[i]);
            return false;
        }
    }
    if (opts->version == AST_REGO_V1 && !rego_caps_has_feature(c, REGO_FEAT_REGO_V1)) {
        ast_loc l = {file ? file : "", 0, 0, 0, 0};
        rego_errors_add(errs, "rego_parse_error", &l,
                        "illegal capabilities: rego_v1 feature required for parsing v1 Rego");
        return false;
    }
    return true;
}

ast_module *rego_parse_module(arena *a, const char *file, const char *text, size_t len,
                              const parse_opts *opts, rego_errors *errs)
{
    if (!caps_usable(opts, file, errs))
        return NULL;
    parser p;
    if (!prepare(&p, a, file, text, len, opts, true, errs))
        return NULL;
    parse_job job = {&p, NULL, NULL, NULL, 0};
    return run(&job, errs) ? job.module : NULL;
}

ast_body *rego_parse_query(arena *a, const char *text, size_t len, const parse_opts *opts,
                           rego_errors *errs)
{
    parser p;
    if (!prepare(&p, a, "", text, len, opts, false, errs))
        return NULL;
    parse_job job = {&p, NULL, NULL, NULL, 1};
    return run(&job, errs) ? job.body : NULL;
}

ast_term *rego_parse_term(arena *a, const char *text, size_t len, const parse_opts *opts,
                          rego_errors *errs)
{
    parser p;
    if (!prepare(&p, a, "", text, len, opts, false, errs))
        return NULL;
    parse_job job = {&p, NULL, NULL, NULL, 2};
    return run(&job, errs) ? job.term : NULL;
}
