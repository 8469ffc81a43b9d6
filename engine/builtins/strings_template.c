/* strings_template.c — strings.render_template(template, vars): a subset of
 * Go's text/template, run over the variables as OPA hands them to Go (after
 * a JSON round trip: objects are maps, sets are lists, every number is a
 * float64).
 *
 * Supported: text with {{- -}} trimming and comments; pipelines with
 * fields (.a.b), variables ($, $x := ..., $x = ...), literals (strings, raw
 * strings, characters, numbers, true, false, nil), parentheses and "|";
 * if / else if / else, range (lists, maps in key order, integers, with
 * $i, $v := and else, break, continue), with / else with / else; and the
 * functions and, or, not, len, index, eq, ne, lt, le, gt, ge, print,
 * printf, println, html, js, urlquery.  Not supported: define, template,
 * block, call, slice.  A key missing from a map renders as "<undefined>"
 * (and is false in tests), as current OPA does; values print as Go's fmt
 * prints them ("map[a:1]", "[1 2]", "<no value>" for null).
 *
 * The template is parsed into the arena first; execution allocates no arena
 * memory (runtime strings live in a malloc'd pool freed at the end), so an
 * arena jump cannot leak the output buffer.  Execution runs under the
 * evaluation's limits (within_limits). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"
#include "../value.h"
#include "../vm.h"
#include "strings_util.h"

bi_status txt_render_template(bi_ctx *c, val *const *args, val **out);

/* ---- the tree ---- */

typedef struct tpipe tpipe;
typedef struct tnode tnode;

typedef enum { T_FIELD, T_VAR, T_DOT, T_FUNC, T_STRING, T_INT, T_FLOAT, T_BOOL, T_NIL, T_PIPE } targ_kind;

typedef struct targ {
    targ_kind kind;
    const char *name;       /* variable (with '$') or function name */
    size_t namen;
    const char **fields;    /* chained .a.b */
    size_t *fieldn;
    int nfields;
    const char *s;          /* string literal */
    size_t n;
    int64_t i;
    double f;
    tpipe *pipe;
    const char *src;        /* source text, for messages */
    size_t srcn;
} targ;

typedef struct tcmd {
    targ *args;
    int nargs;
} tcmd;

struct tpipe {
    int ndecl;
    const char *decl[2];
    size_t decln[2];
    bool assign;
    tcmd *cmds;
    int ncmds;
};

typedef enum { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_BREAK, N_CONTINUE } tnode_kind;

struct tnode {
    tnode_kind kind;
    tnode *next;
    const char *text;       /* N_TEXT */
    size_t n;
    tpipe *pipe;
    tnode *list, *else_list;
    int line;
};

/* ---- parsing ---- */

typedef struct tparser {
    arena *a;
    const char *s;
    size_t n, pos;
    bool trim_next;         /* a "-}}" asked to trim the next text's leading space */
    int range_depth;
    int line;               /* line of the current action */
    strbuf *err;
} tparser;

enum { KW_NONE, KW_END, KW_ELSE, KW_EOF };

static bool perr(tparser *p, const char *msg, const char *detail)
{
    if (!p->err->len)
        sb_printf(p->err, "template: template:%d: %s%s", p->line, msg, detail ? detail : "");
    return false;
}

static int line_at(const tparser *p, size_t pos)
{
    int line = 1;
    for (size_t i = 0; i < pos && i < p->n; i++)
        line += p->s[i] == '\n';
    return line;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }
static bool is_alnum(char ch) { return ch == '_' || isalnum((unsigned char)ch) || (unsigned char)ch >= 0x80; }

static void skip_spaces(tparser *p)
{
    while (p->pos < p->n && is_space(p->s[p->pos]))
        p->pos++;
}

/* At the end of an action: "}}" or " -}}" (trim). */
static bool at_close(tparser *p, bool *trim)
{
    const char *s = p->s;
    size_t i = p->pos;
    if (i + 2 < p->n + 0 && s[i] == '-' && i + 2 < p->n && s[i + 1] == '}' && s[i + 2] == '}' && i > 0 &&
        is_space(s[i - 1])) {
        *trim = true;
        return true;
    }
    if (i + 1 < p->n && s[i] == '}' && s[i + 1] == '}') {
        *trim = false;
        return true;
    }
    return false;
}

static bool expect_close(tparser *p)
{
    skip_spaces(p);
    bool trim;
    if (!at_close(p, &trim))
        return perr(p, "unexpected input in action", NULL);
    p->pos += trim ? 3 : 2;
    p->trim_next = trim;
    return true;
}

static bool is_func(const char *s, size_t n)
{
    static const char *const names[] = {"and", "or", "not", "len", "index", "eq", "ne", "lt", "le", "gt",
                                        "ge", "print", "printf", "println", "html", "js", "urlquery"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !memcmp(names[i], s, n))
            return true;
    return false;
}

static bool word_is(const char *s, size_t n, const char *w) { return strlen(w) == n && !memcmp(s, w, n); }

static tpipe *parse_pipeline(tparser *p, bool in_range, bool in_parens);

/* Go string literal body s[0..n) (quotes excluded) into the arena. */
static bool unquote(tparser *p, const char *s, size_t n, const char **out, size_t *outn)
{
    char *buf = arena_alloc(p->a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            buf[k++] = s[i];
            continue;
        }
        if (++i >= n)
            return perr(p, "unterminated quoted string", NULL);
        char e = s[i];
        uint32_t r = 0;
        int digits = 0, base = 16;
        switch (e) {
        case 'a': buf[k++] = '\a'; continue;
        case 'b': buf[k++] = '\b'; continue;
        case 'f': buf[k++] = '\f'; continue;
        case 'n': buf[k++] = '\n'; continue;
        case 'r': buf[k++] = '\r'; continue;
        case 't': buf[k++] = '\t'; continue;
        case 'v': buf[k++] = '\v'; continue;
        case '\\': case '"': case '\'': buf[k++] = e; continue;
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        case 'U': digits = 8; break;
        default:
            if (e >= '0' && e <= '7') {
                digits = 3, base = 8;
                i--;
                break;
            }
            return perr(p, "invalid syntax in quoted string", NULL);
        }
        for (int d = 0; d < digits; d++) {
            if (++i >= n)
                return perr(p, "invalid syntax in quoted string", NULL);
            int v = isdigit((unsigned char)s[i]) ? s[i] - '0' : isxdigit((unsigned char)s[i]) ? (s[i] | 0x20) - 'a' + 10 : 99;
            if (v >= base)
                return perr(p, "invalid syntax in quoted string", NULL);
            r = r * (uint32_t)base + (uint32_t)v;
        }
        if (e == 'x' || base == 8)
            buf[k++] = (char)r;
        else
            k += txt_utf8_encode(r, buf + k);
    }
    *out = buf;
    *outn = k;
    return true;
}

/* ".a.b.c" chained at p->pos (the '.' included) */
static bool parse_fields(tparser *p, targ *a)
{
    int count = 0;
    size_t save = p->pos;
    while (p->pos + 1 < p->n && p->s[p->pos] == '.' && is_alnum(p->s[p->pos + 1])) {
        p->pos++;
        while (p->pos < p->n && is_alnum(p->s[p->pos]))
            p->pos++;
        count++;
    }
    if (!count)
        return true;
    const char **f = arena_alloc(p->a, (size_t)(a->nfields + count) * sizeof *f);
    size_t *fn = arena_alloc(p->a, (size_t)(a->nfields + count) * sizeof *fn);
    for (int i = 0; i < a->nfields; i++)
        f[i] = a->fields[i], fn[i] = a->fieldn[i];
    int k = a->nfields;
    for (size_t i = save; i < p->pos;) {
        size_t j = ++i;
        while (j < p->pos && p->s[j] != '.')
            j++;
        f[k] = p->s + i;
        fn[k++] = j - i;
        i = j;
    }
    a->fields = f;
    a->fieldn = fn;
    a->nfields = k;
    return true;
}

static bool parse_number(tparser *p, targ *a)
{
    size_t start = p->pos;
    const char *s = p->s;
    size_t i = p->pos;
    if (i < p->n && (s[i] == '+' || s[i] == '-'))
        i++;
    bool is_float = false;
    while (i < p->n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' ||
                        ((s[i] == '+' || s[i] == '-') && (s[i - 1] | 0x20) == 'e'))) {
        if (s[i] == '.' || ((s[i] | 0x20) == 'e' && !(i > start + 1 && (s[start + 1] | 0x20) == 'x')))
            is_float = true;
        i++;
    }
    char buf[64];
    size_t len = i - start, k = 0;
    if (len >= sizeof buf)
        return perr(p, "bad number syntax", NULL);
    for (size_t j = start; j < i; j++)
        if (s[j] != '_')
            buf[k++] = s[j];
    buf[k] = 0;
    char *end;
    if (!is_float) {
        errno = 0;
        long long v = strtoll(buf, &end, 0);
        if (*end || errno)
            return perr(p, "bad number syntax: ", buf);
        a->kind = T_INT;
        a->i = v;
    } else {
        double d = strtod(buf, &end);
        if (*end)
            return perr(p, "bad number syntax: ", buf);
        a->kind = T_FLOAT;
        a->f = d;
    }
    p->pos = i;
    return true;
}

static bool parse_operand(tparser *p, targ *a)
{
    memset(a, 0, sizeof *a);
    const char *s = p->s;
    size_t start = p->pos;
    char ch = s[p->pos];
    bool ok = true;
    if (ch == '.' && p->pos + 1 < p->n && is_alnum(s[p->pos + 1]) && !isdigit((unsigned char)s[p->pos + 1])) {
        a->kind = T_FIELD;
        ok = parse_fields(p, a);
    } else if (ch == '.' && !(p->pos + 1 < p->n && isdigit((unsigned char)s[p->pos + 1]))) {
        a->kind = T_DOT;
        p->pos++;
    } else if (ch == '$') {
        size_t i = p->pos + 1;
        while (i < p->n && is_alnum(s[i]))
            i++;
        a->kind = T_VAR;
        a->name = s + p->pos;
        a->namen = i - p->pos;
        p->pos = i;
        ok = parse_fields(p, a);
    } else if (ch == '"' || ch == '`') {
        size_t i = p->pos + 1;
        while (i < p->n && s[i] != ch) {
            if (ch == '"' && s[i] == '\\')
                i++;
            if (ch == '"' && i < p->n && s[i] == '\n')
                return perr(p, "unterminated quoted string", NULL);
            i++;
        }
        if (i >= p->n)
            return perr(p, ch == '"' ? "unterminated quoted string" : "unterminated raw quoted string", NULL);
        a->kind = T_STRING;
        if (ch == '`') {
            a->s = s + p->pos + 1;
            a->n = i - p->pos - 1;
        } else if (!unquote(p, s + p->pos + 1, i - p->pos - 1, &a->s, &a->n)) {
            return false;
        }
        p->pos = i + 1;
    } else if (ch == '\'') {
        size_t i = p->pos + 1;
        while (i < p->n && s[i] != '\'') {
            if (s[i] == '\\')
                i++;
            i++;
        }
        if (i >= p->n)
            return perr(p, "unterminated character constant", NULL);
        const char *body;
        size_t bn, w;
        if (!unquote(p, s + p->pos + 1, i - p->pos - 1, &body, &bn) || bn == 0)
            return perr(p, "malformed character constant", NULL);
        a->kind = T_INT;
        a->i = txt_utf8_decode(body, bn, &w);
        p->pos = i + 1;
    } else if (isdigit((unsigned char)ch) || ((ch == '+' || ch == '-' || ch == '.') && p->pos + 1 < p->n &&
                                              (isdigit((unsigned char)s[p->pos + 1]) || s[p->pos + 1] == '.'))) {
        ok = parse_number(p, a);
    } else if (ch == '(') {
        p->pos++;
        a->kind = T_PIPE;
        a->pipe = parse_pipeline(p, false, true);
        if (!a->pipe)
            return false;
        skip_spaces(p);
        if (p->pos >= p->n || s[p->pos] != ')')
            return perr(p, "unclosed left paren", NULL);
        p->pos++;
        ok = parse_fields(p, a);
    } else if (is_alnum(ch)) {
        size_t i = p->pos;
        while (i < p->n && is_alnum(s[i]))
            i++;
        const char *w = s + p->pos;
        size_t wn = i - p->pos;
        p->pos = i;
        if (word_is(w, wn, "true") || word_is(w, wn, "false")) {
            a->kind = T_BOOL;
            a->i = w[0] == 't';
        } else if (word_is(w, wn, "nil")) {
            a->kind = T_NIL;
        } else if (is_func(w, wn)) {
            a->kind = T_FUNC;
            a->name = w;
            a->namen = wn;
        } else {
            char name[64];
            snprintf(name, sizeof name, "\"%.*s\" not defined", (int)(wn < 40 ? wn : 40), w);
            return perr(p, "function ", name);
        }
    } else {
        char bad[8];
        snprintf(bad, sizeof bad, "%c", ch);
        return perr(p, "unexpected bad character in command: ", bad);
    }
    a->src = s + start;
    a->srcn = p->pos - start;
    return ok;
}

/* Ends a command: "|", ")", or the end of the action. */
static bool command_end(tparser *p, bool in_parens)
{
    bool trim;
    if (p->pos >= p->n)
        return true;
    char ch = p->s[p->pos];
    return ch == '|' || (in_parens && ch == ')') || (!in_parens && at_close(p, &trim));
}

static tpipe *parse_pipeline(tparser *p, bool in_range, bool in_parens)
{
    tpipe *pipe = arena_zalloc(p->a, sizeof *pipe);
    skip_spaces(p);
    /* declarations: $x := / $x = / $i, $v := (range) */
    size_t save = p->pos;
    if (p->pos < p->n && p->s[p->pos] == '$') {
        for (int k = 0; k < 2; k++) {
            size_t i = p->pos + 1;
            while (i < p->n && is_alnum(p->s[i]))
                i++;
            pipe->decl[k] = p->s + p->pos;
            pipe->decln[k] = i - p->pos;
            p->pos = i;
            skip_spaces(p);
            if (p->pos + 1 < p->n && p->s[p->pos] == ':' && p->s[p->pos + 1] == '=') {
                pipe->ndecl = k + 1;
                p->pos += 2;
                break;
            }
            if (p->pos < p->n && p->s[p->pos] == '=' && k == 0) {
                pipe->ndecl = 1;
                pipe->assign = true;
                p->pos++;
                break;
            }
            if (k == 0 && in_range && p->pos < p->n && p->s[p->pos] == ',') {
                p->pos++;
                skip_spaces(p);
                if (p->pos < p->n && p->s[p->pos] == '$')
                    continue;
            }
            break;
        }
        if (!pipe->ndecl)
            p->pos = save;
    }
    tcmd cmds[32];
    int ncmds = 0;
    for (;;) {
        skip_spaces(p);
        targ args[32];
        int nargs = 0;
        while (!command_end(p, in_parens)) {
            if (nargs == 32) {
                perr(p, "too many arguments", NULL);
                return NULL;
            }
            if (!parse_operand(p, &args[nargs++]))
                return NULL;
            skip_spaces(p);
        }
        if (nargs == 0) {
            perr(p, "missing value for command", NULL);
            return NULL;
        }
        if (ncmds == 32) {
            perr(p, "pipeline too long", NULL);
            return NULL;
        }
        cmds[ncmds].args = arena_memdup(p->a, args, (size_t)nargs * sizeof *args);
        cmds[ncmds++].nargs = nargs;
        if (p->pos < p->n && p->s[p->pos] == '|') {
            p->pos++;
            continue;
        }
        break;
    }
    pipe->cmds = arena_memdup(p->a, cmds, (size_t)ncmds * sizeof *cmds);
    pipe->ncmds = ncmds;
    return pipe;
}

static tnode *parse_list(tparser *p, int *term);

static tnode *new_node(tparser *p, tnode_kind kind)
{
    tnode *nd = arena_zalloc(p->a, sizeof *nd);
    nd->kind = kind;
    nd->line = p->line;
    return nd;
}

/* if / range / with after the keyword: pipeline, list, [else ...], end. */
static tnode *parse_control(tparser *p, tnode_kind kind)
{
    tnode *nd = new_node(p, kind);
    nd->pipe = parse_pipeline(p, kind == N_RANGE, false);
    if (!nd->pipe || !expect_close(p))
        return NULL;
    if (kind == N_RANGE)
        p->range_depth++;
    int term;
    nd->list = parse_list(p, &term);
    if (kind == N_RANGE)
        p->range_depth--;
    if (p->err->len)
        return NULL;
    if (term == KW_ELSE) {
        /* "else if" / "else with" chain into a nested node */
        skip_spaces(p);
        size_t i = p->pos;
        while (i < p->n && is_alnum(p->s[i]))
            i++;
        if ((kind == N_IF && word_is(p->s + p->pos, i - p->pos, "if")) ||
            (kind == N_WITH && word_is(p->s + p->pos, i - p->pos, "with"))) {
            p->pos = i;
            nd->else_list = parse_control(p, kind);
            return nd->else_list ? nd : NULL;
        }
        if (!expect_close(p))
            return NULL;
        nd->else_list = parse_list(p, &term);
        if (p->err->len)
            return NULL;
    }
    if (term != KW_END) {
        perr(p, "unexpected EOF", NULL);
        return NULL;
    }
    return nd;
}

static const char *find_open(const tparser *p)
{
    for (size_t i = p->pos; i + 1 < p->n; i++)
        if (p->s[i] == '{' && p->s[i + 1] == '{')
            return p->s + i;
    return NULL;
}

/* Text and actions up to "end", "else" or the end of input (*term says
 * which). */
static tnode *parse_list(tparser *p, int *term)
{
    tnode *head = NULL, **tail = &head;
    *term = KW_EOF;
    for (;;) {
        const char *open = find_open(p);
        size_t tstart = p->pos, tend = open ? (size_t)(open - p->s) : p->n;
        bool ltrim = open && tend + 3 < p->n && p->s[tend + 2] == '-' && is_space(p->s[tend + 3]);
        if (p->trim_next)
            while (tstart < tend && is_space(p->s[tstart]))
                tstart++;
        p->trim_next = false;
        size_t tlen = tend - tstart;
        if (ltrim)
            while (tlen && is_space(p->s[tstart + tlen - 1]))
                tlen--;
        if (tlen) {
            tnode *t = new_node(p, N_TEXT);
            t->text = p->s + tstart;
            t->n = tlen;
            *tail = t;
            tail = &t->next;
        }
        if (!open) {
            p->pos = p->n;
            return head;
        }
        p->pos = tend + (ltrim ? 4 : 2);
        p->line = line_at(p, p->pos);
        skip_spaces(p);
        /* comment */
        if (p->pos + 1 < p->n && p->s[p->pos] == '/' && p->s[p->pos + 1] == '*') {
            const char *endc = NULL;
            for (size_t i = p->pos + 2; i + 1 < p->n; i++)
                if (p->s[i] == '*' && p->s[i + 1] == '/') {
                    endc = p->s + i;
                    break;
                }
            if (!endc) {
                perr(p, "unclosed comment", NULL);
                return NULL;
            }
            p->pos = (size_t)(endc - p->s) + 2;
            if (!expect_close(p))
                return NULL;
            continue;
        }
        size_t i = p->pos;
        while (i < p->n && is_alnum(p->s[i]))
            i++;
        const char *w = p->s + p->pos;
        size_t wn = i - p->pos;
        if (word_is(w, wn, "end") || word_is(w, wn, "else")) {
            p->pos = i;
            if (w[1] == 'n') {
                if (!expect_close(p))
                    return NULL;
                *term = KW_END;
            } else {
                *term = KW_ELSE;
            }
            return head;
        }
        tnode *nd = NULL;
        if (word_is(w, wn, "if") || word_is(w, wn, "range") || word_is(w, wn, "with")) {
            p->pos = i;
            nd = parse_control(p, w[0] == 'i' ? N_IF : w[0] == 'r' ? N_RANGE : N_WITH);
        } else if (word_is(w, wn, "break") || word_is(w, wn, "continue")) {
            p->pos = i;
            if (!p->range_depth) {
                perr(p, w[0] == 'b' ? "{{break}} outside {{range}}" : "{{continue}} outside {{range}}", NULL);
                return NULL;
            }
            nd = new_node(p, w[0] == 'b' ? N_BREAK : N_CONTINUE);
            if (!expect_close(p))
                return NULL;
        } else if (word_is(w, wn, "define") || word_is(w, wn, "template") || word_is(w, wn, "block")) {
            char kw[16];
            snprintf(kw, sizeof kw, "%.*s", (int)wn, w);
            perr(p, "unsupported action: ", kw);
            return NULL;
        } else {
            nd = new_node(p, N_ACTION);
            nd->pipe = parse_pipeline(p, false, false);
            if (nd->pipe && !expect_close(p))
                return NULL;
            if (!nd->pipe)
                nd = NULL;
        }
        if (!nd)
            return NULL;
        *tail = nd;
        tail = &nd->next;
    }
}

/* ---- values during execution ---- */

typedef enum { TV_NIL, TV_MISSING, TV_BOOL, TV_INT, TV_FLOAT, TV_STRING, TV_LIST, TV_MAP } tv_kind;

typedef struct tv {
    tv_kind kind;
    int64_t i;          /* TV_BOOL, TV_INT */
    double f;
    const char *s;      /* TV_STRING */
    size_t n;
    const val *v;       /* TV_LIST (array or set), TV_MAP */
} tv;

static tv tv_of(const val *v)
{
    tv t;
    memset(&t, 0, sizeof t);
    switch (val_kind_of(v)) {
    case VAL_NULL: t.kind = TV_NIL; break;
    case VAL_BOOL: t.kind = TV_BOOL; t.i = val_is_true(v); break;
    case VAL_NUMBER:
        t.kind = TV_FLOAT;   /* JSON numbers decode to float64 */
        t.f = val_is_int(v) ? (double)val_int_value(v) : strtod(((const vnum *)v)->text, NULL);
        break;
    case VAL_STRING: t.kind = TV_STRING; t.s = val_str(v); t.n = val_len(v); break;
    case VAL_ARRAY: case VAL_SET: t.kind = TV_LIST; t.v = v; break;
    case VAL_OBJECT: t.kind = TV_MAP; t.v = v; break;
    }
    return t;
}

static val *const *list_items(const val *v)
{
    return val_kind_of(v) == VAL_ARRAY ? val_array_items(v) : val_set_items(v);
}

static bool truth(const tv *t)
{
    switch (t->kind) {
    case TV_BOOL: case TV_INT: return t->i != 0;
    case TV_FLOAT: return t->f != 0;
    case TV_STRING: return t->n > 0;
    case TV_LIST: case TV_MAP: return val_len(t->v) > 0;
    default: return false;
    }
}

static const char *go_type(const tv *t)
{
    switch (t->kind) {
    case TV_BOOL: return "bool";
    case TV_INT: return "int";
    case TV_FLOAT: return "float64";
    case TV_STRING: return "string";
    case TV_LIST: return "[]interface {}";
    case TV_MAP: return "map[string]interface {}";
    default: return "interface {}";
    }
}

/* A map key as Go sees it: the string, or the JSON text of another key. */
static void key_text(strbuf *sb, const val *k)
{
    if (val_kind_of(k) == VAL_STRING)
        sb_append(sb, val_str(k), val_len(k));
    else
        json_write(sb, k, JSON_ESCAPE_HTML);
}

typedef struct mkey {
    const char *s;
    size_t n;
    const val *value;
} mkey;

static int cmp_mkey(const void *x, const void *y)
{
    const mkey *a = x, *b = y;
    size_t m = a->n < b->n ? a->n : b->n;
    int r = memcmp(a->s, b->s, m);
    return r ? r : (a->n > b->n) - (a->n < b->n);
}

/* A map's keys as Go strings, sorted; the texts live in *texts. */
static mkey *sorted_keys(const val *obj, strbuf *texts)
{
    size_t n = val_len(obj);
    mkey *k = calloc(n ? n : 1, sizeof *k);
    size_t *off = calloc(n ? n : 1, sizeof *off);
    if (!k || !off) {
        free(k);
        free(off);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        off[i] = texts->len;
        key_text(texts, val_object_keys(obj)[i]);
        k[i].n = texts->len - off[i];
        k[i].value = val_object_values(obj)[i];
    }
    for (size_t i = 0; i < n; i++)
        k[i].s = texts->data ? texts->data + off[i] : "";
    free(off);
    qsort(k, n, sizeof *k, cmp_mkey);
    return k;
}

/* fmt's %v of a value (nested nil prints "<nil>"). */
static void print_v(strbuf *sb, const tv *t)
{
    switch (t->kind) {
    case TV_NIL: sb_puts(sb, "<nil>"); return;
    case TV_MISSING: sb_puts(sb, "<undefined>"); return;
    case TV_BOOL: sb_puts(sb, t->i ? "true" : "false"); return;
    case TV_INT: sb_printf(sb, "%lld", (long long)t->i); return;
    case TV_FLOAT: txt_go_format_float(sb, t->f, 'g', -1); return;
    case TV_STRING: sb_append(sb, t->s, t->n); return;
    case TV_LIST: {
        sb_putc(sb, '[');
        for (size_t i = 0; i < val_len(t->v); i++) {
            if (i)
                sb_putc(sb, ' ');
            tv e = tv_of(list_items(t->v)[i]);
            print_v(sb, &e);
        }
        sb_putc(sb, ']');
        return;
    }
    case TV_MAP: {
        strbuf texts = STRBUF_INIT;
        mkey *k = sorted_keys(t->v, &texts);
        sb_puts(sb, "map[");
        for (size_t i = 0; k && i < val_len(t->v); i++) {
            if (i)
                sb_putc(sb, ' ');
            sb_append(sb, k[i].s, k[i].n);
            sb_putc(sb, ':');
            tv e = tv_of(k[i].value);
            print_v(sb, &e);
        }
        sb_putc(sb, ']');
        free(k);
        sb_free(&texts);
        return;
    }
    }
}

/* ---- execution ---- */

typedef struct tvar {
    const char *name;
    size_t n;
    tv value;
} tvar;

typedef struct pool {
    struct pool *next;
    char data[];
} pool;

typedef struct tstate {
    strbuf *out;
    strbuf *err;
    tvar *vars;
    size_t nvars, cap;
    pool *strings;
    int line;
    bi_ctx *c;
    unsigned steps;         /* nodes run since the last charge */
    size_t max_out;         /* output bytes allowed */
    bool over_arena;        /* the output outgrew the arena's budget */
    const char *cancel;     /* NULL, or the evaluation limit that stopped execution */
    char cancel_msg[96];
} tstate;

#define CHARGE_STEPS 1024   /* nodes run between charges to the evaluation's budget */

enum { FLOW_NEXT, FLOW_BREAK, FLOW_CONTINUE, FLOW_ERR };

static bool xerr(tstate *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool xerr(tstate *st, const char *fmt, ...)
{
    if (!st->err->len) {
        sb_printf(st->err, "template: template:%d: ", st->line);
        va_list ap;
        va_start(ap, fmt);
        sb_vprintf(st->err, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* A copy of s[0..n) that lives until the end of execution. */
static const char *keep(tstate *st, const char *s, size_t n)
{
    pool *b = malloc(sizeof *b + n + 1);
    if (!b)
        return "";
    memcpy(b->data, s, n);
    b->data[n] = 0;
    b->next = st->strings;
    st->strings = b;
    return b->data;
}

static tv string_tv(tstate *st, strbuf *sb)
{
    tv t = {TV_STRING, 0, 0, keep(st, sb->data ? sb->data : "", sb->len), sb->len, NULL};
    sb_free(sb);
    return t;
}

static bool push_var(tstate *st, const char *name, size_t n, tv value)
{
    if (st->nvars == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        tvar *v = realloc(st->vars, cap * sizeof *v);
        if (!v)
            return xerr(st, "out of memory");
        st->vars = v;
        st->cap = cap;
    }
    st->vars[st->nvars++] = (tvar){name, n, value};
    return true;
}

static tvar *find_var(tstate *st, const char *name, size_t n)
{
    for (size_t i = st->nvars; i-- > 0;)
        if (st->vars[i].n == n && !memcmp(st->vars[i].name, name, n))
            return &st->vars[i];
    return NULL;
}

static bool eval_pipeline(tstate *st, const tv *dot, const tpipe *pipe, tv *result);

static bool eval_fields(tstate *st, tv *v, const targ *a)
{
    for (int i = 0; i < a->nfields; i++) {
        const char *f = a->fields[i];
        size_t fn = a->fieldn[i];
        if (v->kind == TV_MISSING)
            continue;
        if (v->kind == TV_NIL)
            return xerr(st, "executing \"template\" at <%.*s>: nil pointer evaluating interface {}.%.*s",
                        (int)a->srcn, a->src, (int)fn, f);
        if (v->kind != TV_MAP)
            return xerr(st, "executing \"template\" at <%.*s>: can't evaluate field %.*s in type %s", (int)a->srcn,
                        a->src, (int)fn, f, go_type(v));
        val *hit = val_object_get_str(v->v, f, fn);
        if (hit) {
            *v = tv_of(hit);
        } else {
            memset(v, 0, sizeof *v);
            v->kind = TV_MISSING;
        }
    }
    return true;
}

static bool call_func(tstate *st, const tv *dot, const targ *fn, const targ *args, int nargs, const tv *final,
                      tv *out);

static bool eval_arg(tstate *st, const tv *dot, const targ *a, tv *out)
{
    memset(out, 0, sizeof *out);
    switch (a->kind) {
    case T_DOT:
        *out = *dot;
        return true;
    case T_FIELD:
        *out = *dot;
        return eval_fields(st, out, a);
    case T_VAR: {
        tvar *v = find_var(st, a->name, a->namen);
        if (!v)
            return xerr(st, "undefined variable: %.*s", (int)a->namen, a->name);
        *out = v->value;
        return eval_fields(st, out, a);
    }
    case T_PIPE:
        return eval_pipeline(st, dot, a->pipe, out) && eval_fields(st, out, a);
    case T_FUNC:
        return call_func(st, dot, a, NULL, 0, NULL, out);
    case T_STRING:
        out->kind = TV_STRING;
        out->s = a->s;
        out->n = a->n;
        return true;
    case T_INT:
        out->kind = TV_INT;
        out->i = a->i;
        return true;
    case T_FLOAT:
        out->kind = TV_FLOAT;
        out->f = a->f;
        return true;
    case T_BOOL:
        out->kind = TV_BOOL;
        out->i = a->i;
        return true;
    case T_NIL:
        out->kind = TV_NIL;
        return true;
    }
    return false;
}

/* The arguments of a call: the literal ones, then the piped-in value. */
static bool eval_args(tstate *st, const tv *dot, const targ *args, int nargs, const tv *final, tv *vals, int *n)
{
    *n = 0;
    for (int i = 0; i < nargs; i++)
        if (!eval_arg(st, dot, &args[i], &vals[(*n)++]))
            return false;
    if (final)
        vals[(*n)++] = *final;
    return true;
}

/* Kinds that eq/lt compare: int, float, string, bool; others are not basic. */
static int basic_kind(const tv *t)
{
    switch (t->kind) {
    case TV_BOOL: return 1;
    case TV_INT: return 2;
    case TV_FLOAT: return 3;
    case TV_STRING: return 4;
    default: return 0;
    }
}

static bool tv_eq(tstate *st, const tv *a, const tv *b, bool *res)
{
    int ka = basic_kind(a), kb = basic_kind(b);
    bool valid_a = a->kind != TV_NIL && a->kind != TV_MISSING, valid_b = b->kind != TV_NIL && b->kind != TV_MISSING;
    if (ka != kb) {
        if (valid_a && valid_b)
            return xerr(st, "error calling eq: incompatible types for comparison");
        *res = false;
        return true;
    }
    switch (ka) {
    case 1: case 2: *res = a->i == b->i; return true;
    case 3: *res = a->f == b->f; return true;
    case 4: *res = a->n == b->n && !memcmp(a->s, b->s, a->n); return true;
    default:
        if (!valid_a || !valid_b) {
            *res = valid_a == valid_b;
            return true;
        }
        return xerr(st, "error calling eq: non-comparable types");
    }
}

static bool tv_less(tstate *st, const char *name, const tv *a, const tv *b, bool *res)
{
    int ka = basic_kind(a), kb = basic_kind(b);
    if (ka == 0 || kb == 0 || ka == 1 || kb == 1)
        return xerr(st, "error calling %s: invalid type for comparison", name);
    if (ka != kb)
        return xerr(st, "error calling %s: incompatible types for comparison", name);
    if (ka == 2)
        *res = a->i < b->i;
    else if (ka == 3)
        *res = a->f < b->f;
    else {
        size_t m = a->n < b->n ? a->n : b->n;
        int r = memcmp(a->s, b->s, m);
        *res = r < 0 || (r == 0 && a->n < b->n);
    }
    return true;
}

/* fmt.Sprint / Sprintln */
static void sprint(strbuf *sb, const tv *v, int n, bool ln)
{
    for (int i = 0; i < n; i++) {
        bool is_str = v[i].kind == TV_STRING;
        if (i > 0 && (ln || (!is_str && v[i - 1].kind != TV_STRING)))
            sb_putc(sb, ' ');
        print_v(sb, &v[i]);
    }
    if (ln)
        sb_putc(sb, '\n');
}

static void to_goarg(tstate *st, const tv *t, txt_goarg *g)
{
    memset(g, 0, sizeof *g);
    switch (t->kind) {
    case TV_NIL: case TV_MISSING: g->kind = TXT_GO_NIL; break;
    case TV_BOOL: g->kind = TXT_GO_BOOL; g->i = t->i; break;
    case TV_INT: g->kind = TXT_GO_INT; g->i = t->i; break;
    case TV_FLOAT: g->kind = TXT_GO_FLOAT; g->f = t->f; break;
    case TV_STRING: g->kind = TXT_GO_STRING; g->s = t->s; g->n = t->n; break;
    default: {
        strbuf sb = STRBUF_INIT;
        print_v(&sb, t);
        tv s = string_tv(st, &sb);
        g->kind = TXT_GO_STRING;
        g->s = s.s;
        g->n = s.n;
        g->tname = go_type(t);
    }
    }
}

static void html_escape(strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': sb_puts(sb, "&amp;"); break;
        case '\'': sb_puts(sb, "&#39;"); break;
        case '<': sb_puts(sb, "&lt;"); break;
        case '>': sb_puts(sb, "&gt;"); break;
        case '"': sb_puts(sb, "&#34;"); break;
        case 0: sb_puts(sb, "\xEF\xBF\xBD"); break;
        default: sb_putc(sb, s[i]);
        }
    }
}

static void js_escape(strbuf *sb, const char *s, size_t n)
{
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = txt_utf8_decode(s + i, n - i, &w);
        switch (r) {
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\'': sb_puts(sb, "\\'"); break;
        case '"': sb_puts(sb, "\\\""); break;
        case '<': sb_puts(sb, "\\u003C"); break;
        case '>': sb_puts(sb, "\\u003E"); break;
        case '&': sb_puts(sb, "\\u0026"); break;
        case '=': sb_puts(sb, "\\u003D"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        default:
            if (r < ' ')
                sb_printf(sb, "\\u%04X", r);
            else
                sb_append(sb, s + i, w);
        }
    }
}

static void url_escape(strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~')
            sb_putc(sb, (char)ch);
        else if (ch == ' ')
            sb_putc(sb, '+');
        else
            sb_printf(sb, "%%%02X", ch);
    }
}

static bool call_func(tstate *st, const tv *dot, const targ *fn, const targ *args, int nargs, const tv *final,
                      tv *out)
{
    const char *name = fn->name;
    size_t nn = fn->namen;
    tv vals[34];
    int n;
    memset(out, 0, sizeof *out);
    if (word_is(name, nn, "and") || word_is(name, nn, "or")) {
        /* evaluated lazily: the first false (and) / true (or) argument, else the last */
        bool is_and = name[0] == 'a';
        int total = nargs + (final != NULL);
        if (total < 1)
            return xerr(st, "wrong number of args for %s: want at least 1 got 0", is_and ? "and" : "or");
        for (int i = 0; i < total; i++) {
            if (i < nargs) {
                if (!eval_arg(st, dot, &args[i], out))
                    return false;
            } else {
                *out = *final;
            }
            if (truth(out) != is_and)
                return true;
        }
        return true;
    }
    if (!eval_args(st, dot, args, nargs, final, vals, &n))
        return false;
    strbuf sb = STRBUF_INIT;
    if (word_is(name, nn, "not")) {
        if (n != 1)
            return xerr(st, "wrong number of args for not: want 1 got %d", n);
        out->kind = TV_BOOL;
        out->i = !truth(&vals[0]);
        return true;
    }
    if (word_is(name, nn, "len")) {
        if (n != 1)
            return xerr(st, "wrong number of args for len: want 1 got %d", n);
        out->kind = TV_INT;
        if (vals[0].kind == TV_STRING)
            out->i = (int64_t)vals[0].n;
        else if (vals[0].kind == TV_LIST || vals[0].kind == TV_MAP)
            out->i = val_len(vals[0].v);
        else
            return xerr(st, "error calling len: len of type %s", go_type(&vals[0]));
        return true;
    }
    if (word_is(name, nn, "index")) {
        if (n < 1)
            return xerr(st, "wrong number of args for index: want at least 1 got 0");
        *out = vals[0];
        for (int i = 1; i < n; i++) {
            const tv *k = &vals[i];
            if (out->kind == TV_LIST) {
                if (k->kind != TV_INT)
                    return xerr(st, "error calling index: cannot index slice/array with type %s", go_type(k));
                if (k->i < 0 || (uint64_t)k->i >= val_len(out->v))
                    return xerr(st, "error calling index: index out of range: %lld", (long long)k->i);
                *out = tv_of(list_items(out->v)[k->i]);
            } else if (out->kind == TV_MAP) {
                if (k->kind != TV_STRING)
                    return xerr(st, "error calling index: value has type %s; should be string", go_type(k));
                val *hit = val_object_get_str(out->v, k->s, k->n);
                if (hit) {
                    *out = tv_of(hit);
                } else {
                    memset(out, 0, sizeof *out);
                    out->kind = TV_NIL;
                }
            } else if (out->kind == TV_STRING) {
                if (k->kind != TV_INT || k->i < 0 || (uint64_t)k->i >= out->n)
                    return xerr(st, "error calling index: index out of range");
                tv b = {TV_INT, (unsigned char)out->s[k->i], 0, NULL, 0, NULL};
                *out = b;
            } else {
                return xerr(st, "error calling index: can't index item of type %s", go_type(out));
            }
        }
        return true;
    }
    if (word_is(name, nn, "eq") || word_is(name, nn, "ne")) {
        bool is_eq = name[0] == 'e';
        if (is_eq ? n < 2 : n != 2)
            return xerr(st, "wrong number of args for %s: want 2 got %d", is_eq ? "eq" : "ne", n);
        bool r = false;
        for (int i = 1; i < n && !r; i++)
            if (!tv_eq(st, &vals[0], &vals[i], &r))
                return false;
        out->kind = TV_BOOL;
        out->i = is_eq ? r : !r;
        return true;
    }
    if (word_is(name, nn, "lt") || word_is(name, nn, "le") || word_is(name, nn, "gt") || word_is(name, nn, "ge")) {
        char nm[3] = {name[0], name[1], 0};
        if (n != 2)
            return xerr(st, "wrong number of args for %s: want 2 got %d", nm, n);
        bool r = false, eqr = false;
        const tv *x = name[0] == 'l' ? &vals[0] : &vals[1], *y = name[0] == 'l' ? &vals[1] : &vals[0];
        if (!tv_less(st, nm, x, y, &r))
            return false;
        if (name[1] == 'e' && !r && !tv_eq(st, x, y, &eqr))
            return false;
        out->kind = TV_BOOL;
        out->i = r || eqr;
        return true;
    }
    if (word_is(name, nn, "print") || word_is(name, nn, "println")) {
        sprint(&sb, vals, n, name[5] == 'l');
        *out = string_tv(st, &sb);
        return true;
    }
    if (word_is(name, nn, "printf")) {
        if (n < 1 || vals[0].kind != TV_STRING)
            return xerr(st, "wrong type for value; expected string; got %s", n ? go_type(&vals[0]) : "nothing");
        txt_goarg ga[33];
        for (int i = 1; i < n; i++)
            to_goarg(st, &vals[i], &ga[i - 1]);
        txt_go_sprintf(&sb, vals[0].s, vals[0].n, ga, (size_t)(n - 1));
        *out = string_tv(st, &sb);
        return true;
    }
    /* html, js, urlquery: escape fmt.Sprint of the arguments */
    strbuf raw = STRBUF_INIT;
    if (n == 1 && vals[0].kind == TV_STRING)
        sb_append(&raw, vals[0].s, vals[0].n);
    else
        sprint(&raw, vals, n, false);
    const char *rs = raw.data ? raw.data : "";
    if (name[0] == 'h')
        html_escape(&sb, rs, raw.len);
    else if (name[0] == 'j')
        js_escape(&sb, rs, raw.len);
    else
        url_escape(&sb, rs, raw.len);
    sb_free(&raw);
    *out = string_tv(st, &sb);
    return true;
}

static bool eval_command(tstate *st, const tv *dot, const tcmd *cmd, const tv *final, tv *out)
{
    const targ *first = &cmd->args[0];
    if (first->kind == T_FUNC)
        return call_func(st, dot, first, cmd->args + 1, cmd->nargs - 1, final, out);
    if (cmd->nargs > 1 || final)
        return xerr(st, "executing \"template\" at <%.*s>: can't give argument to non-function %.*s",
                    (int)first->srcn, first->src, (int)first->srcn, first->src);
    return eval_arg(st, dot, first, out);
}

static bool eval_pipeline(tstate *st, const tv *dot, const tpipe *pipe, tv *result)
{
    tv v;
    memset(&v, 0, sizeof v);
    for (int i = 0; i < pipe->ncmds; i++) {
        tv next;
        if (!eval_command(st, dot, &pipe->cmds[i], i ? &v : NULL, &next))
            return false;
        v = next;
    }
    if (pipe->ndecl && !(pipe->ndecl == 1 && pipe->decln[0] == 0)) {
        if (pipe->assign) {
            tvar *var = find_var(st, pipe->decl[0], pipe->decln[0]);
            if (!var)
                return xerr(st, "undefined variable: %.*s", (int)pipe->decln[0], pipe->decl[0]);
            var->value = v;
        } else if (!push_var(st, pipe->decl[0], pipe->decln[0], v)) {
            return false;
        }
    }
    *result = v;
    return true;
}

static int exec_list(tstate *st, const tv *dot, const tnode *nd);

/* Runs one range body with $vars set; the variable scope ends with it. */
static int range_step(tstate *st, const tnode *nd, tv key, tv elem)
{
    size_t mark = st->nvars;
    const tpipe *p = nd->pipe;
    if (p->ndecl == 1 && !push_var(st, p->decl[0], p->decln[0], elem))
        return FLOW_ERR;
    if (p->ndecl == 2 && (!push_var(st, p->decl[0], p->decln[0], key) || !push_var(st, p->decl[1], p->decln[1], elem)))
        return FLOW_ERR;
    int flow = exec_list(st, &elem, nd->list);
    st->nvars = mark;
    return flow;
}

static int exec_range(tstate *st, const tv *dot, const tnode *nd)
{
    size_t mark = st->nvars;
    tv v;
    /* the pipeline's own declarations are the loop variables, not plain ones */
    tpipe plain = *nd->pipe;
    plain.ndecl = 0;
    if (!eval_pipeline(st, dot, &plain, &v))
        return FLOW_ERR;
    st->nvars = mark;
    size_t count = 0;
    int flow = FLOW_NEXT;
    switch (v.kind) {
    case TV_LIST:
        count = val_len(v.v);
        for (size_t i = 0; i < count && flow != FLOW_BREAK && flow != FLOW_ERR; i++) {
            tv key = {TV_INT, (int64_t)i, 0, NULL, 0, NULL};
            flow = range_step(st, nd, key, tv_of(list_items(v.v)[i]));
        }
        break;
    case TV_MAP: {
        strbuf texts = STRBUF_INIT;
        mkey *k = sorted_keys(v.v, &texts);
        count = k ? val_len(v.v) : 0;
        for (size_t i = 0; i < count && flow != FLOW_BREAK && flow != FLOW_ERR; i++) {
            tv key = {TV_STRING, 0, 0, keep(st, k[i].s, k[i].n), k[i].n, NULL};
            flow = range_step(st, nd, key, tv_of(k[i].value));
        }
        free(k);
        sb_free(&texts);
        break;
    }
    case TV_INT:
        count = v.i > 0 ? (size_t)v.i : 0;
        for (size_t i = 0; i < count && flow != FLOW_BREAK && flow != FLOW_ERR; i++) {
            tv x = {TV_INT, (int64_t)i, 0, NULL, 0, NULL};
            flow = range_step(st, nd, x, x);
        }
        break;
    case TV_NIL:
    case TV_MISSING:
        break;
    default:
        xerr(st, "range can't iterate over %s", go_type(&v));
        return FLOW_ERR;
    }
    if (flow == FLOW_ERR)
        return FLOW_ERR;
    if (count == 0 && nd->else_list)
        return exec_list(st, dot, nd->else_list);
    return FLOW_NEXT;
}

/* Nested ranges can run and print out of all proportion to their input,
 * so execution counts against the evaluation's limits: nodes run as loop
 * steps (instruction budget, deadline), output against what is left of the
 * arena's budget (the result must fit there anyway), or 1 GiB without one. */
static bool within_limits(tstate *st)
{
    if (++st->steps >= CHARGE_STEPS) {
        st->steps = 0;
        if (st->c->vm && vm_charge(st->c->vm, CHARGE_STEPS, st->cancel_msg, sizeof st->cancel_msg) != 0) {
            st->cancel = "eval_cancel_error";
            return false;
        }
    }
    if (st->out->len > st->max_out) {
        if (st->c->a->limit) {
            st->over_arena = true;
            return false;
        }
        return xerr(st, "output larger than %zu bytes", st->max_out);
    }
    return true;
}

static int exec_node(tstate *st, const tv *dot, const tnode *nd)
{
    st->line = nd->line;
    if (!within_limits(st))
        return FLOW_ERR;
    switch (nd->kind) {
    case N_TEXT:
        sb_append(st->out, nd->text, nd->n);
        return FLOW_NEXT;
    case N_ACTION: {
        tv v;
        if (!eval_pipeline(st, dot, nd->pipe, &v))
            return FLOW_ERR;
        if (!nd->pipe->ndecl) {
            if (v.kind == TV_NIL)
                sb_puts(st->out, "<no value>");
            else
                print_v(st->out, &v);
        }
        return FLOW_NEXT;
    }
    case N_IF:
    case N_WITH: {
        size_t mark = st->nvars;
        tv v;
        if (!eval_pipeline(st, dot, nd->pipe, &v))
            return FLOW_ERR;
        int flow = FLOW_NEXT;
        if (truth(&v))
            flow = exec_list(st, nd->kind == N_WITH ? &v : dot, nd->list);
        else if (nd->else_list)
            flow = exec_list(st, dot, nd->else_list);
        st->nvars = mark;
        return flow;
    }
    case N_RANGE:
        return exec_range(st, dot, nd);
    case N_BREAK:
        return FLOW_BREAK;
    case N_CONTINUE:
        return FLOW_CONTINUE;
    }
    return FLOW_ERR;
}

static int exec_list(tstate *st, const tv *dot, const tnode *nd)
{
    for (; nd; nd = nd->next) {
        int flow = exec_node(st, dot, nd);
        if (flow != FLOW_NEXT)
            return flow;
    }
    return FLOW_NEXT;
}

bi_status txt_render_template(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    if (val_kind_of(args[1]) != VAL_OBJECT)
        return bi_operand_type(c, 2, args[1], "object");

    strbuf err = STRBUF_INIT;
    tparser p = {c->a, val_str(args[0]), val_len(args[0]), 0, false, 0, 1, &err};
    int term;
    tnode *root = parse_list(&p, &term);
    if (!err.len && term != KW_EOF)
        perr(&p, term == KW_END ? "unexpected {{end}}" : "unexpected {{else}}", NULL);
    if (err.len) {
        bi_error(c, "%s", err.data);
        sb_free(&err);
        return BI_ERR;
    }

    /* From here on no arena allocation until the result is made. */
    strbuf result = STRBUF_INIT;
    size_t max_out = (size_t)1 << 30;
    if (c->a->limit)
        max_out = c->a->used < c->a->limit ? c->a->limit - c->a->used : 0;
    tstate st = {&result, &err, NULL, 0, 0, NULL, 1, c, 0, max_out, false, NULL, ""};
    tv data = tv_of(args[1]);
    int flow = push_var(&st, "$", 1, data) ? exec_list(&st, &data, root) : FLOW_ERR;
    free(st.vars);
    while (st.strings) {
        pool *next = st.strings->next;
        free(st.strings);
        st.strings = next;
    }
    if (flow == FLOW_ERR) {
        size_t need = result.len;
        sb_free(&result);
        if (st.over_arena) {
            /* everything is freed: the arena reports its limit as for any result too big for it */
            sb_free(&err);
            arena_alloc(c->a, need);
            return bi_error(c, "memory limit exceeded");
        }
        if (st.cancel) {
            bi_error(c, "%s", st.cancel_msg);
            c->err_code = st.cancel; /* not a builtin error: the evaluation stops */
        } else {
            bi_error(c, "%s", err.data ? err.data : "template: execution failed");
        }
        sb_free(&err);
        return BI_ERR;
    }
    sb_free(&err);
    *out = txt_string_from_sb(c->a, &result);
    return BI_OK;
}
