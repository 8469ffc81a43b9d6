/* graphql_parse.c — lexer and recursive-descent parser for GraphQL queries
 * and SDL, following gqlparser (lexer/lexer.go, parser/{parser,query,schema}.go).
 *
 * Notes on fidelity:
 *  - Tokens carry their line and column (code points); a string token's
 *    position is that of its first character after the opening quote(s).
 *  - The parser looks one token ahead.  Comments are tokens; when the
 *    lookahead meets comments they are gathered into p->comment, which nodes
 *    take as their Comment; consuming the lookahead clears it.  Where
 *    gqlparser builds a node in one Go composite literal that also calls the
 *    parser, the Go compiler reads p.comment after those calls, so the node
 *    ends up without a comment (shorthand "{...}" operations, scalar and
 *    variable values); that is reproduced here.
 *  - A lexical error produces an <Invalid> token; the parser then reports
 *    "Unexpected <Invalid>" or "Expected X, found <Invalid>" at it, and the
 *    lexer's own message only when such a token is consumed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../strbuf.h"
#include "graphql_parse.h"
#include "strings_util.h"
#include "../hexdigit.h"

/* ---- tokens ---- */

enum {
    T_INVALID,
    T_EOF,
    T_BANG,
    T_DOLLAR,
    T_AMP,
    T_PAREN_L,
    T_PAREN_R,
    T_SPREAD,
    T_COLON,
    T_EQUALS,
    T_AT,
    T_BRACKET_L,
    T_BRACKET_R,
    T_BRACE_L,
    T_BRACE_R,
    T_PIPE,
    T_NAME,
    T_INT,
    T_FLOAT,
    T_STRING,
    T_BLOCK_STRING,
    T_COMMENT,
};

static const char *const kind_text[] = {"<Invalid>", "<EOF>", "!", "$", "&", "(", ")", "...", ":", "=", "@", "[",
                                        "]",         "{",     "}", "|", "Name", "Int", "Float", "String",
                                        "BlockString", "Comment"};

typedef struct token {
    int kind;
    gql_str value;
    int line, col;
    const char *lexerr;     /* the lexer's message for an <Invalid> token */
} token;

/* ---- lexer ---- */

typedef struct lexer {
    arena *a;
    const char *in;
    size_t len;
    size_t start, end;      /* bytes */
    int start_runes, end_runes;
    int line, line_start_runes;
} lexer;

static token lx_token(lexer *l, int kind, const char *v, size_t n)
{
    token t = {kind, {v, n}, l->line, l->start_runes - l->line_start_runes + 1, NULL};
    return t;
}

static token lx_source_token(lexer *l, int kind)
{
    return lx_token(l, kind, l->in + l->start, l->end - l->start);
}

static token lx_error(lexer *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static token lx_error(lexer *l, const char *fmt, ...)
{
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    token t = {T_INVALID, {"", 0}, l->line, l->end_runes - l->line_start_runes + 1, arena_strndup(l->a, buf, strlen(buf))};
    return t;
}

static uint32_t lx_peek_rune(lexer *l, size_t *w) { return txt_utf8_decode(l->in + l->end, l->len - l->end, w); }

static void lx_ws(lexer *l)
{
    while (l->end < l->len) {
        unsigned char c = (unsigned char)l->in[l->end];
        if (c == '\t' || c == ' ' || c == ',') {
            l->end++;
            l->end_runes++;
        } else if (c == '\n') {
            l->end++;
            l->end_runes++;
            l->line++;
            l->line_start_runes = l->end_runes;
        } else if (c == '\r') {
            l->end++;
            l->end_runes++;
            l->line++;
            l->line_start_runes = l->end_runes;
            if (l->end < l->len && l->in[l->end] == '\n') {
                l->end++;
                l->end_runes++;
            }
        } else if (c == 0xEF && l->end + 2 < l->len && (unsigned char)l->in[l->end + 1] == 0xBB &&
                   (unsigned char)l->in[l->end + 2] == 0xBF) {
            l->end += 3;
            l->end_runes++;
        } else {
            return;
        }
    }
}

static token lx_comment(lexer *l)
{
    while (l->end < l->len) {
        size_t w;
        uint32_t r = lx_peek_rune(l, &w);
        if (r > 0x1f || r == '\t') {
            l->end += w;
            l->end_runes++;
        } else {
            break;
        }
    }
    return lx_source_token(l, T_COMMENT);
}

static bool lx_accept(lexer *l, char a, char b)
{
    if (l->end < l->len && (l->in[l->end] == a || (b && l->in[l->end] == b))) {
        l->end++;
        l->end_runes++;
        return true;
    }
    return false;
}

static int lx_digits(lexer *l)
{
    int n = 0;
    while (l->end < l->len && l->in[l->end] >= '0' && l->in[l->end] <= '9') {
        l->end++;
        l->end_runes++;
        n++;
    }
    return n;
}

/* describeNext: the next byte as Go's string(byte) would show it. */
static void lx_describe_next(lexer *l, char *out, size_t n)
{
    if (l->end >= l->len) {
        snprintf(out, n, "<EOF>");
        return;
    }
    char enc[4];
    size_t w = txt_utf8_encode((unsigned char)l->in[l->end], enc);
    snprintf(out, n, "\"%.*s\"", (int)w, enc);
}

static token lx_number(lexer *l)
{
    bool is_float = false;
    char next[16];
    l->end--;
    l->end_runes--;
    lx_accept(l, '-', 0);
    if (lx_accept(l, '0', 0)) {
        int consumed = lx_digits(l);
        if (consumed) {
            l->end -= (size_t)consumed;
            l->end_runes -= consumed;
            lx_describe_next(l, next, sizeof next);
            return lx_error(l, "Invalid number, unexpected digit after 0: %s.", next);
        }
    } else if (!lx_digits(l)) {
        lx_describe_next(l, next, sizeof next);
        return lx_error(l, "Invalid number, expected digit but got: %s.", next);
    }
    if (lx_accept(l, '.', 0)) {
        is_float = true;
        if (!lx_digits(l)) {
            lx_describe_next(l, next, sizeof next);
            return lx_error(l, "Invalid number, expected digit but got: %s.", next);
        }
    }
    if (lx_accept(l, 'e', 'E')) {
        is_float = true;
        lx_accept(l, '-', '+');
        if (!lx_digits(l)) {
            lx_describe_next(l, next, sizeof next);
            return lx_error(l, "Invalid number, expected digit but got: %s.", next);
        }
    }
    return lx_source_token(l, is_float ? T_FLOAT : T_INT);
}

static void put_rune(strbuf *sb, uint32_t r)
{
    char enc[4];
    sb_append(sb, enc, txt_utf8_encode(r, enc));
}

/* Builds the token value in the arena from sb and frees sb. */
static token lx_buf_token(lexer *l, int kind, strbuf *sb)
{
    token t = lx_token(l, kind, "", 0);
    t.value = gql_str_from_sb(l->a, sb);
    return t;
}

/* Frees sb, then makes the error token (whose message lives in the arena). */
#define LX_FAIL(l, sb, ...)                                                                        \
    do {                                                                                           \
        sb_free(sb);                                                                               \
        return lx_error((l), __VA_ARGS__);                                                         \
    } while (0)

static token lx_string(lexer *l)
{
    strbuf sb = STRBUF_INIT;
    bool escaped = false;
    l->start++;
    l->start_runes++;
    while (l->end < l->len) {
        unsigned char r = (unsigned char)l->in[l->end];
        if (r == '\n' || r == '\r')
            break;
        if (r < 0x20 && r != '\t')
            LX_FAIL(l, &sb, "Invalid character within String: \"\\u%04d\".", r);
        if (r == '"') {
            token t = escaped ? lx_buf_token(l, T_STRING, &sb) : lx_source_token(l, T_STRING);
            l->end++;
            l->end_runes++;
            return t;
        }
        if (r != '\\') {
            size_t w = 1;
            uint32_t ch = r;
            if (r >= 127)
                ch = lx_peek_rune(l, &w);
            l->end += w;
            l->end_runes++;
            if (escaped)
                put_rune(&sb, ch);
            continue;
        }
        if (l->end + 1 >= l->len) {
            l->end++;
            l->end_runes++;
            LX_FAIL(l, &sb, "Invalid character escape sequence.");
        }
        if (!escaped) {
            sb_append(&sb, l->in + l->start, l->end - l->start);
            escaped = true;
        }
        char esc = l->in[l->end + 1];
        if (esc == 'u') {
            if (l->end + 6 >= l->len) {
                l->end++;
                l->end_runes++;
                LX_FAIL(l, &sb, "Invalid character escape sequence: \\%.*s.", (int)(l->len - l->end),
                        l->in + l->end);
            }
            uint32_t cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = hex_digit(l->in[l->end + 2 + (size_t)i]);
                if (h < 0) {
                    l->end++;
                    l->end_runes++;
                    LX_FAIL(l, &sb, "Invalid character escape sequence: \\%.5s.", l->in + l->end);
                }
                cp = cp << 4 | (uint32_t)h;
            }
            put_rune(&sb, cp);
            l->end += 6;
            l->end_runes += 6;
            continue;
        }
        switch (esc) {
        case '"':
        case '/':
        case '\\':
            sb_putc(&sb, esc);
            break;
        case 'b':
            sb_putc(&sb, '\b');
            break;
        case 'f':
            sb_putc(&sb, '\f');
            break;
        case 'n':
            sb_putc(&sb, '\n');
            break;
        case 'r':
            sb_putc(&sb, '\r');
            break;
        case 't':
            sb_putc(&sb, '\t');
            break;
        default:
            l->end++;
            l->end_runes++;
            LX_FAIL(l, &sb, "Invalid character escape sequence: \\%c.", esc);
        }
        l->end += 2;
        l->end_runes += 2;
    }
    LX_FAIL(l, &sb, "Unterminated string.");
}

/* blockStringValue as gqlparser computes it: the common indentation of the
 * non-blank lines (the first line included) comes off every line but the
 * first, then blank lines at either end go. */
static gql_str block_string_value(arena *a, const char *raw, size_t n)
{
    size_t nlines = 1;
    for (size_t i = 0; i < n; i++)
        nlines += raw[i] == '\n';
    size_t *starts = arena_alloc(a, nlines * sizeof *starts), *lens = arena_alloc(a, nlines * sizeof *lens);
    size_t k = 0, s = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || raw[i] == '\n') {
            starts[k] = s;
            lens[k] = i - s;
            k++;
            s = i + 1;
        }
    }
    /* leading whitespace of a line, or SIZE_MAX when the line is all whitespace */
#define LEADING(i, out)                                                                            \
    do {                                                                                           \
        size_t j_ = 0;                                                                             \
        while (j_ < lens[i] && (raw[starts[i] + j_] == ' ' || raw[starts[i] + j_] == '\t'))        \
            j_++;                                                                                  \
        (out) = j_ < lens[i] ? j_ : (size_t)-1;                                                    \
    } while (0)
    size_t common = (size_t)-1;
    for (size_t i = 0; i < nlines; i++) {
        size_t ind;
        LEADING(i, ind);
        if (ind < lens[i] && ind < common) {
            common = ind;
            if (common == 0)
                break;
        }
    }
    if (common != (size_t)-1) {
        for (size_t i = 1; i < nlines; i++) {
            if (lens[i] < common) {
                lens[i] = 0;
            } else {
                starts[i] += common;
                lens[i] -= common;
            }
        }
    }
    size_t first = 0, last = nlines;
    for (;;) {
        size_t ind;
        if (first >= last)
            break;
        LEADING(first, ind);
        if (ind != (size_t)-1)
            break;
        first++;
    }
    for (;;) {
        size_t ind;
        if (first >= last)
            break;
        LEADING(last - 1, ind);
        if (ind != (size_t)-1)
            break;
        last--;
    }
#undef LEADING
    size_t total = 0;
    for (size_t i = first; i < last; i++)
        total += lens[i] + 1;
    char *out = arena_alloc(a, total + 1);
    size_t o = 0;
    for (size_t i = first; i < last; i++) {
        if (i > first)
            out[o++] = '\n';
        memcpy(out + o, raw + starts[i], lens[i]);
        o += lens[i];
    }
    out[o] = 0;
    gql_str r = {out, o};
    return r;
}

static token lx_block_string(lexer *l)
{
    strbuf sb = STRBUF_INIT;
    l->start += 3;
    l->start_runes += 3;
    l->end += 2;
    l->end_runes += 2;
    while (l->end < l->len) {
        unsigned char r = (unsigned char)l->in[l->end];
        if (r == '"' && l->end + 3 <= l->len && memcmp(l->in + l->end, "\"\"\"", 3) == 0) {
            token t = lx_token(l, T_BLOCK_STRING, "", 0);
            gql_str raw = gql_str_from_sb(l->a, &sb);
            t.value = block_string_value(l->a, raw.s, raw.n);
            l->end += 3;
            l->end_runes += 3;
            return t;
        }
        if (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
            LX_FAIL(l, &sb, "Invalid character within String: \"\\u%04d\".", r);
        if (r == '\\' && l->end + 4 <= l->len && memcmp(l->in + l->end, "\\\"\"\"", 4) == 0) {
            sb_puts(&sb, "\"\"\"");
            l->end += 4;
            l->end_runes += 4;
        } else if (r == '\r') {
            if (l->end + 1 < l->len && l->in[l->end + 1] == '\n') {
                l->end++;
                l->end_runes++;
            }
            sb_putc(&sb, '\n');
            l->end++;
            l->end_runes++;
            l->line++;
            l->line_start_runes = l->end_runes;
        } else {
            size_t w = 1;
            uint32_t ch = r;
            if (r >= 127)
                ch = lx_peek_rune(l, &w);
            l->end += w;
            l->end_runes++;
            if (r >= 127)
                put_rune(&sb, ch);
            else
                sb_putc(&sb, (char)r);
            if (r == '\n') {
                l->line++;
                l->line_start_runes = l->end_runes;
            }
        }
    }
    LX_FAIL(l, &sb, "Unterminated string.");
}

static token lx_name(lexer *l)
{
    while (l->end < l->len) {
        char c = l->in[l->end];
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_') {
            l->end++;
            l->end_runes++;
        } else {
            break;
        }
    }
    return lx_source_token(l, T_NAME);
}

static token lx_read(lexer *l)
{
    lx_ws(l);
    l->start = l->end;
    l->start_runes = l->end_runes;
    if (l->end >= l->len)
        return lx_source_token(l, T_EOF);
    unsigned char r = (unsigned char)l->in[l->start];
    l->end++;
    l->end_runes++;
    switch (r) {
    case '!':
        return lx_token(l, T_BANG, "", 0);
    case '$':
        return lx_token(l, T_DOLLAR, "", 0);
    case '&':
        return lx_token(l, T_AMP, "", 0);
    case '(':
        return lx_token(l, T_PAREN_L, "", 0);
    case ')':
        return lx_token(l, T_PAREN_R, "", 0);
    case '.':
        if (l->len > l->start + 2 && memcmp(l->in + l->start, "...", 3) == 0) {
            l->end += 2;
            l->end_runes += 2;
            return lx_token(l, T_SPREAD, "", 0);
        }
        break;
    case ':':
        return lx_token(l, T_COLON, "", 0);
    case '=':
        return lx_token(l, T_EQUALS, "", 0);
    case '@':
        return lx_token(l, T_AT, "", 0);
    case '[':
        return lx_token(l, T_BRACKET_L, "", 0);
    case ']':
        return lx_token(l, T_BRACKET_R, "", 0);
    case '{':
        return lx_token(l, T_BRACE_L, "", 0);
    case '}':
        return lx_token(l, T_BRACE_R, "", 0);
    case '|':
        return lx_token(l, T_PIPE, "", 0);
    case '#':
        return lx_comment(l);
    case '"':
        if (l->len > l->start + 2 && memcmp(l->in + l->start, "\"\"\"", 3) == 0)
            return lx_block_string(l);
        return lx_string(l);
    default:
        if (r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
            return lx_name(l);
        if (r == '-' || (r >= '0' && r <= '9'))
            return lx_number(l);
        break;
    }
    l->end--;
    l->end_runes--;
    if (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
        return lx_error(l, "Cannot contain the invalid character \"\\u%04d\"", r);
    if (r == '\'')
        return lx_error(l, "Unexpected single quote character ('), did you mean to use a double quote (\")?");
    char enc[4];
    size_t w = txt_utf8_encode(r, enc);
    return lx_error(l, "Cannot parse the unexpected character \"%.*s\".", (int)w, enc);
}

/* ---- parser core (parser.go) ---- */

typedef struct parser {
    arena *a;
    lexer lx;
    gql_error *e;
    bool err;
    bool peeked;
    token peek_tok;
    token prev;
    gql_comments *comment;
    bool comment_consuming;
    int depth;
} parser;

static void p_error_at(parser *p, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void p_error_at(parser *p, int line, int col, const char *fmt, ...)
{
    if (p->err)
        return;
    p->err = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->e->msg, sizeof p->e->msg, fmt, ap);
    va_end(ap);
    p->e->line = line;
    p->e->col = col;
    p->e->has_loc = true;
}

/* Token.String(): kind, then the quoted value if there is one. */
static void token_string(const token *t, char *out, size_t n)
{
    if (!t->value.n) {
        snprintf(out, n, "%s", kind_text[t->kind]);
        return;
    }
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, kind_text[t->kind]);
    sb_putc(&sb, ' ');
    txt_go_quote(&sb, t->value.s, t->value.n, false);
    snprintf(out, n, "%s", sb.data);
    sb_free(&sb);
}

static token p_peek(parser *p);
static token p_next(parser *p);

static gql_str *p_consume_comment(parser *p)
{
    if (p->err)
        return NULL;
    token t = p_peek(p);
    if (t.kind != T_COMMENT)
        return NULL;
    p_next(p);
    gql_str *s = arena_alloc(p->a, sizeof *s);
    *s = t.value;
    return s;
}

static void p_consume_comment_group(parser *p)
{
    if (p->err || p->comment_consuming)
        return;
    p->comment_consuming = true;
    gql_comments *g = arena_zalloc(p->a, sizeof *g);
    gql_str *c;
    while ((c = p_consume_comment(p)) != NULL)
        gql_list_push(p->a, &g->list, c);
    p->comment = g;
    p->comment_consuming = false;
}

static token p_peek(parser *p)
{
    if (p->err)
        return p->prev;
    if (!p->peeked) {
        p->peek_tok = lx_read(&p->lx);
        p->peeked = true;
        if (p->peek_tok.kind == T_COMMENT)
            p_consume_comment_group(p);
    }
    return p->peek_tok;
}

static void p_take_lexer_error(parser *p, const token *t)
{
    if (t->lexerr)
        p_error_at(p, t->line, t->col, "%s", t->lexerr);
}

static token p_next(parser *p)
{
    if (p->err)
        return p->prev;
    if (p->peeked) {
        p->peeked = false;
        p->comment = NULL;
        p->prev = p->peek_tok;
        p_take_lexer_error(p, &p->prev);
    } else {
        p->prev = lx_read(&p->lx);
        p_take_lexer_error(p, &p->prev);
        if (p->prev.kind == T_COMMENT)
            p_consume_comment_group(p);
    }
    return p->prev;
}

static gql_pos p_peek_pos(parser *p)
{
    gql_pos pos = {0, 0, false};
    if (p->err)
        return pos;
    token t = p_peek(p);
    pos.line = t.line;
    pos.col = t.col;
    pos.set = true;
    return pos;
}

static void p_unexpected_token(parser *p, token t)
{
    char desc[200];
    token_string(&t, desc, sizeof desc);
    p_error_at(p, t.line, t.col, "Unexpected %s", desc);
}

static void p_unexpected(parser *p) { p_unexpected_token(p, p_peek(p)); }

static token p_expect(parser *p, int kind, gql_comments **comment)
{
    token t = p_peek(p);
    if (comment)
        *comment = p->comment;
    if (t.kind == kind)
        return p_next(p);
    p_error_at(p, t.line, t.col, "Expected %s, found %s", kind_text[kind], kind_text[t.kind]);
    return t;
}

static token p_expect_keyword(parser *p, const char *word, gql_comments **comment)
{
    token t = p_peek(p);
    if (comment)
        *comment = p->comment;
    if (t.kind == T_NAME && gql_str_eqc(t.value, word))
        return p_next(p);
    char desc[200];
    token_string(&t, desc, sizeof desc);
    p_error_at(p, t.line, t.col, "Expected \"%s\", found %s", word, desc);
    return t;
}

static bool p_skip(parser *p, int kind)
{
    if (p->err)
        return false;
    if (p_peek(p).kind != kind)
        return false;
    p_next(p);
    return true;
}

/* Loops of many()/some(): open with p_skip(start), iterate while p_more,
 * close with p_next (many) or p_some_close (some). */
static bool p_more(parser *p, int end) { return p_peek(p).kind != end && !p->err; }

static gql_comments *p_some_close(parser *p, bool called)
{
    if (!called) {
        token t = p_peek(p);
        p_error_at(p, t.line, t.col, "expected at least one definition, found %s", kind_text[t.kind]);
        return NULL;
    }
    gql_comments *c = p->comment;
    p_next(p);
    return c;
}

static bool p_enter(parser *p)
{
    if (p->depth >= GQL_MAX_DEPTH) {
        token t = p_peek(p);
        p_error_at(p, t.line, t.col, "Document nested too deeply (more than %d levels)", GQL_MAX_DEPTH);
        return false;
    }
    p->depth++;
    return true;
}

static gql_str p_name(parser *p)
{
    token t = p_expect(p, T_NAME, NULL);
    return t.value;
}

/* ---- executable documents (query.go) ---- */

static gql_value *p_value(parser *p, bool is_const);
static gql_list p_required_selset(parser *p);
static void p_selset_items(parser *p, gql_list *out);

static gql_str p_operation_type(parser *p)
{
    token t = p_next(p);
    if (gql_str_eqc(t.value, "query") || gql_str_eqc(t.value, "mutation") || gql_str_eqc(t.value, "subscription"))
        return t.value;
    p_unexpected_token(p, t);
    return gql_cstr("");
}

static gql_str p_variable(parser *p)
{
    p_expect(p, T_DOLLAR, NULL);
    return p_name(p);
}

static gql_type *p_type_ref(parser *p)
{
    gql_type *t = arena_zalloc(p->a, sizeof *t);
    t->named = gql_cstr("");
    if (!p_enter(p))
        return t;
    if (p_skip(p, T_BRACKET_L)) {
        t->pos = p_peek_pos(p);
        t->elem = p_type_ref(p);
        p_expect(p, T_BRACKET_R, NULL);
    } else {
        t->pos = p_peek_pos(p);
        t->named = p_name(p);
    }
    if (p_skip(p, T_BANG))
        t->nonnull = true;
    p->depth--;
    return t;
}

static gql_arg *p_argument(parser *p, bool is_const)
{
    gql_arg *g = arena_zalloc(p->a, sizeof *g);
    g->pos = p_peek_pos(p);
    g->comment = p->comment;
    g->name = p_name(p);
    p_expect(p, T_COLON, NULL);
    g->value = p_value(p, is_const);
    return g;
}

static gql_list p_arguments(parser *p, bool is_const)
{
    gql_list l = {0};
    if (p_skip(p, T_PAREN_L)) {
        while (p_more(p, T_PAREN_R))
            gql_list_push(p->a, &l, p_argument(p, is_const));
        p_next(p);
    }
    return l;
}

static gql_directive *p_directive(parser *p, bool is_const)
{
    p_expect(p, T_AT, NULL);
    gql_directive *d = arena_zalloc(p->a, sizeof *d);
    d->pos = p_peek_pos(p);
    d->name = p_name(p);
    d->args = p_arguments(p, is_const);
    d->location = gql_cstr("");
    return d;
}

static gql_list p_directives(parser *p, bool is_const)
{
    gql_list l = {0};
    while (p_peek(p).kind == T_AT) {
        if (p->err)
            break;
        gql_list_push(p->a, &l, p_directive(p, is_const));
    }
    return l;
}

static gql_value *new_value(parser *p, int kind)
{
    gql_value *v = arena_zalloc(p->a, sizeof *v);
    v->kind = kind;
    v->raw = gql_cstr("");
    return v;
}

static gql_value *p_list_or_object(parser *p, bool is_const, bool object)
{
    gql_value *v = new_value(p, object ? GQL_OBJECT : GQL_LIST);
    v->pos = p_peek_pos(p);
    v->comment = p->comment;
    int close = object ? T_BRACE_R : T_BRACKET_R;
    if (p_skip(p, object ? T_BRACE_L : T_BRACKET_L)) {
        while (p_more(p, close)) {
            gql_child *c = arena_zalloc(p->a, sizeof *c);
            c->name = gql_cstr("");
            if (object) {
                c->pos = p_peek_pos(p);
                c->comment = p->comment;
                c->name = p_name(p);
                p_expect(p, T_COLON, NULL);
            }
            c->value = p_value(p, is_const);
            gql_list_push(p->a, &v->children, c);
        }
        p_next(p);
    }
    return v;
}

static gql_value *p_value(parser *p, bool is_const)
{
    token t = p_peek(p);
    int kind;
    switch (t.kind) {
    case T_BRACKET_L:
    case T_BRACE_L: {
        if (!p_enter(p))
            return NULL;
        gql_value *v = p_list_or_object(p, is_const, t.kind == T_BRACE_L);
        p->depth--;
        return v;
    }
    case T_DOLLAR: {
        if (is_const) {
            p_unexpected(p);
            return NULL;
        }
        gql_value *v = new_value(p, GQL_VARIABLE);
        v->pos.line = t.line;
        v->pos.col = t.col;
        v->pos.set = true;
        v->raw = p_variable(p);
        v->comment = p->comment; /* read after the call, as Go's compiler does: nil */
        return v;
    }
    case T_INT:
        kind = GQL_INT;
        break;
    case T_FLOAT:
        kind = GQL_FLOAT;
        break;
    case T_STRING:
        kind = GQL_STRING;
        break;
    case T_BLOCK_STRING:
        kind = GQL_BLOCK;
        break;
    case T_NAME:
        if (gql_str_eqc(t.value, "true") || gql_str_eqc(t.value, "false"))
            kind = GQL_BOOLEAN;
        else if (gql_str_eqc(t.value, "null"))
            kind = GQL_NULL;
        else
            kind = GQL_ENUM;
        break;
    default:
        p_unexpected(p);
        return NULL;
    }
    p_next(p);
    gql_value *v = new_value(p, kind);
    v->pos.line = t.line;
    v->pos.col = t.col;
    v->pos.set = true;
    v->raw = t.value;
    v->comment = p->comment; /* nil after p_next */
    return v;
}

static gql_vardef *p_variable_definition(parser *p)
{
    gql_vardef *d = arena_zalloc(p->a, sizeof *d);
    d->pos = p_peek_pos(p);
    d->comment = p->comment;
    d->variable = p_variable(p);
    p_expect(p, T_COLON, NULL);
    d->type = p_type_ref(p);
    if (p_skip(p, T_EQUALS))
        d->default_value = p_value(p, true);
    d->directives = p_directives(p, false);
    return d;
}

static gql_list p_variable_definitions(parser *p)
{
    gql_list l = {0};
    if (p_skip(p, T_PAREN_L)) {
        while (p_more(p, T_PAREN_R))
            gql_list_push(p->a, &l, p_variable_definition(p));
        p_next(p);
    }
    return l;
}

static gql_selection *new_selection(parser *p, int kind)
{
    gql_selection *s = arena_zalloc(p->a, sizeof *s);
    s->kind = kind;
    s->alias = s->name = s->type_condition = gql_cstr("");
    return s;
}

static gql_str p_fragment_name(parser *p)
{
    if (gql_str_eqc(p_peek(p).value, "on")) {
        p_unexpected(p);
        return gql_cstr("");
    }
    return p_name(p);
}

static gql_selection *p_fragment(parser *p)
{
    gql_comments *comment = NULL;
    p_expect(p, T_SPREAD, &comment);
    token t = p_peek(p);
    if (t.kind == T_NAME && !gql_str_eqc(t.value, "on")) {
        gql_selection *s = new_selection(p, GQL_SPREAD);
        s->pos = p_peek_pos(p);
        s->comment = comment;
        s->name = p_fragment_name(p);
        s->directives = p_directives(p, false);
        return s;
    }
    gql_selection *s = new_selection(p, GQL_INLINE);
    s->pos = p_peek_pos(p);
    s->comment = comment;
    if (gql_str_eqc(p_peek(p).value, "on")) {
        p_next(p);
        s->type_condition = p_name(p);
    }
    s->directives = p_directives(p, false);
    s->selset = p_required_selset(p);
    return s;
}

static gql_selection *p_field(parser *p)
{
    gql_selection *s = new_selection(p, GQL_FIELD);
    s->pos = p_peek_pos(p);
    s->comment = p->comment;
    s->alias = p_name(p);
    if (p_skip(p, T_COLON))
        s->name = p_name(p);
    else
        s->name = s->alias;
    s->args = p_arguments(p, false);
    s->directives = p_directives(p, false);
    if (p_peek(p).kind == T_BRACE_L)
        p_selset_items(p, &s->selset);
    return s;
}

/* A non-empty braced selection set (some()). */
static void p_selset_items(parser *p, gql_list *out)
{
    if (!p_enter(p))
        return;
    if (p_skip(p, T_BRACE_L)) {
        bool called = false;
        while (p_more(p, T_BRACE_R)) {
            called = true;
            gql_selection *s = p_peek(p).kind == T_SPREAD ? p_fragment(p) : p_field(p);
            gql_list_push(p->a, out, s);
        }
        p_some_close(p, called);
    }
    p->depth--;
}

static gql_list p_required_selset(parser *p)
{
    gql_list l = {0};
    token t = p_peek(p);
    if (t.kind != T_BRACE_L) {
        p_error_at(p, t.line, t.col, "Expected {, found %s", kind_text[t.kind]);
        return l;
    }
    p_selset_items(p, &l);
    return l;
}

static gql_operation *p_operation(parser *p)
{
    gql_operation *op = arena_zalloc(p->a, sizeof *op);
    op->operation = op->name = gql_cstr("");
    if (p_peek(p).kind == T_BRACE_L) {
        op->pos = p_peek_pos(p);
        op->operation = gql_cstr("query");
        op->selset = p_required_selset(p);
        op->comment = p->comment; /* read after the call, as Go's compiler does */
        return op;
    }
    op->pos = p_peek_pos(p);
    op->comment = p->comment;
    op->operation = p_operation_type(p);
    if (p_peek(p).kind == T_NAME)
        op->name = p_next(p).value;
    op->vardefs = p_variable_definitions(p);
    op->directives = p_directives(p, false);
    op->selset = p_required_selset(p);
    return op;
}

static gql_fragment *p_fragment_definition(parser *p)
{
    gql_fragment *f = arena_zalloc(p->a, sizeof *f);
    f->pos = p_peek_pos(p);
    f->comment = p->comment;
    p_expect_keyword(p, "fragment", NULL);
    f->name = p_fragment_name(p);
    f->vardefs = p_variable_definitions(p);
    p_expect_keyword(p, "on", NULL);
    f->type_condition = p_name(p);
    f->directives = p_directives(p, false);
    f->selset = p_required_selset(p);
    return f;
}

static void p_init(parser *p, arena *a, const char *src, size_t n, gql_error *err)
{
    memset(p, 0, sizeof *p);
    memset(err, 0, sizeof *err);
    p->a = a;
    p->e = err;
    p->lx.a = a;
    p->lx.in = src;
    p->lx.len = n;
    p->lx.line = 1;
}

gql_query_doc *gql_parse_query(arena *a, const char *src, size_t n, gql_error *err)
{
    parser p;
    p_init(&p, a, src, n, err);
    gql_query_doc *doc = arena_zalloc(a, sizeof *doc);
    while (p_peek(&p).kind != T_EOF) {
        if (p.err)
            break;
        token t = p_peek(&p);
        if (t.kind == T_NAME && (gql_str_eqc(t.value, "query") || gql_str_eqc(t.value, "mutation") ||
                                 gql_str_eqc(t.value, "subscription")))
            gql_list_push(a, &doc->operations, p_operation(&p));
        else if (t.kind == T_NAME && gql_str_eqc(t.value, "fragment"))
            gql_list_push(a, &doc->fragments, p_fragment_definition(&p));
        else if (t.kind == T_BRACE_L)
            gql_list_push(a, &doc->operations, p_operation(&p));
        else
            p_unexpected(&p);
    }
    return p.err ? NULL : doc;
}

/* ---- schema documents (schema.go) ---- */

typedef struct descr {
    gql_str text;
    gql_comments *comment;
} descr;

static descr p_description(parser *p)
{
    descr d = {{"", 0}, NULL};
    token t = p_peek(p);
    if (t.kind != T_BLOCK_STRING && t.kind != T_STRING)
        return d;
    d.comment = p->comment;
    d.text = p_next(p).value;
    return d;
}

static gql_fielddef *new_fielddef(parser *p)
{
    gql_fielddef *f = arena_zalloc(p->a, sizeof *f);
    f->description = f->name = gql_cstr("");
    return f;
}

/* Description and comments of a field, argument or enum value definition. */
static void p_member_descr(parser *p, gql_str *description, gql_comments **before, gql_comments **after)
{
    descr d = p_description(p);
    if (d.text.n) {
        *before = d.comment;
        *description = d.text;
    }
    p_peek(p);
    *after = p->comment;
}

static gql_fielddef *p_argument_def(parser *p)
{
    gql_fielddef *f = new_fielddef(p);
    f->pos = p_peek_pos(p);
    p_member_descr(p, &f->description, &f->before, &f->after);
    f->name = p_name(p);
    p_expect(p, T_COLON, NULL);
    f->type = p_type_ref(p);
    if (p_skip(p, T_EQUALS))
        f->default_value = p_value(p, true);
    f->directives = p_directives(p, true);
    return f;
}

static gql_list p_argument_defs(parser *p)
{
    gql_list l = {0};
    if (p_skip(p, T_PAREN_L)) {
        bool called = false;
        while (p_more(p, T_PAREN_R)) {
            called = true;
            gql_list_push(p->a, &l, p_argument_def(p));
        }
        p_some_close(p, called);
    }
    return l;
}

static gql_fielddef *p_field_def(parser *p)
{
    gql_fielddef *f = new_fielddef(p);
    f->pos = p_peek_pos(p);
    p_member_descr(p, &f->description, &f->before, &f->after);
    f->name = p_name(p);
    f->args = p_argument_defs(p);
    p_expect(p, T_COLON, NULL);
    f->type = p_type_ref(p);
    f->directives = p_directives(p, true);
    return f;
}

/* The braced field list of a type or input; the comment before '}'. */
static gql_comments *p_fields_def(parser *p, gql_list *out, bool input)
{
    if (!p_skip(p, T_BRACE_L))
        return NULL;
    bool called = false;
    while (p_more(p, T_BRACE_R)) {
        called = true;
        gql_list_push(p->a, out, input ? p_argument_def(p) : p_field_def(p));
    }
    return p_some_close(p, called);
}

static gql_enumval *p_enum_value_def(parser *p)
{
    gql_enumval *e = arena_zalloc(p->a, sizeof *e);
    e->description = e->name = gql_cstr("");
    e->pos = p_peek_pos(p);
    p_member_descr(p, &e->description, &e->before, &e->after);
    e->name = p_name(p);
    e->directives = p_directives(p, true);
    return e;
}

static gql_comments *p_enum_values_def(parser *p, gql_list *out)
{
    if (!p_skip(p, T_BRACE_L))
        return NULL;
    bool called = false;
    while (p_more(p, T_BRACE_R)) {
        called = true;
        gql_list_push(p->a, out, p_enum_value_def(p));
    }
    return p_some_close(p, called);
}

static gql_list p_implements(parser *p)
{
    gql_list l = {0};
    if (gql_str_eqc(p_peek(p).value, "implements")) {
        p_next(p);
        p_skip(p, T_AMP);
        gql_str *s = arena_alloc(p->a, sizeof *s);
        *s = p_name(p);
        gql_list_push(p->a, &l, s);
        while (p_skip(p, T_AMP) && !p->err) {
            s = arena_alloc(p->a, sizeof *s);
            *s = p_name(p);
            gql_list_push(p->a, &l, s);
        }
    }
    return l;
}

static gql_list p_union_members(parser *p)
{
    gql_list l = {0};
    if (p_skip(p, T_EQUALS)) {
        p_skip(p, T_PIPE);
        gql_str *s = arena_alloc(p->a, sizeof *s);
        *s = p_name(p);
        gql_list_push(p->a, &l, s);
        while (p_skip(p, T_PIPE) && !p->err) {
            s = arena_alloc(p->a, sizeof *s);
            *s = p_name(p);
            gql_list_push(p->a, &l, s);
        }
    }
    return l;
}

static gql_def *new_def(parser *p, const char *kind)
{
    gql_def *d = arena_zalloc(p->a, sizeof *d);
    d->kind = gql_cstr(kind);
    d->description = d->name = gql_cstr("");
    return d;
}

/* The keyword, position and descriptions every type definition starts with. */
static gql_def *p_def_head(parser *p, const char *keyword, const char *kind, const descr *desc)
{
    gql_comments *comment = NULL;
    p_expect_keyword(p, keyword, &comment);
    gql_def *d = new_def(p, kind);
    d->pos = p_peek_pos(p);
    if (desc) {
        d->before = desc->comment;
        d->description = desc->text;
    }
    d->after = comment;
    d->name = p_name(p);
    return d;
}

static gql_def *p_type_system_definition(parser *p, const descr *desc)
{
    token t = p_peek(p);
    gql_def *d;
    if (t.kind != T_NAME) {
        p_unexpected(p);
        return NULL;
    }
    if (gql_str_eqc(t.value, "scalar")) {
        d = p_def_head(p, "scalar", "SCALAR", desc);
        d->directives = p_directives(p, true);
    } else if (gql_str_eqc(t.value, "type") || gql_str_eqc(t.value, "interface")) {
        bool obj = gql_str_eqc(t.value, "type");
        d = p_def_head(p, obj ? "type" : "interface", obj ? "OBJECT" : "INTERFACE", desc);
        d->interfaces = p_implements(p);
        d->directives = p_directives(p, true);
        d->end = p_fields_def(p, &d->fields, false);
    } else if (gql_str_eqc(t.value, "union")) {
        d = p_def_head(p, "union", "UNION", desc);
        d->directives = p_directives(p, true);
        d->types = p_union_members(p);
    } else if (gql_str_eqc(t.value, "enum")) {
        d = p_def_head(p, "enum", "ENUM", desc);
        d->directives = p_directives(p, true);
        d->end = p_enum_values_def(p, &d->enum_values);
    } else if (gql_str_eqc(t.value, "input")) {
        d = p_def_head(p, "input", "INPUT_OBJECT", desc);
        d->directives = p_directives(p, true);
        d->end = p_fields_def(p, &d->fields, true);
    } else {
        p_unexpected(p);
        return NULL;
    }
    return d;
}

static gql_optype *p_operation_type_def(parser *p)
{
    gql_optype *t = arena_zalloc(p->a, sizeof *t);
    t->pos = p_peek_pos(p);
    t->comment = p->comment;
    t->operation = p_operation_type(p);
    p_expect(p, T_COLON, NULL);
    t->type = p_name(p);
    return t;
}

/* "{ query: Query ... }" of a schema definition or extension. */
static gql_comments *p_operation_types(parser *p, gql_list *out)
{
    if (!p_skip(p, T_BRACE_L))
        return NULL;
    bool called = false;
    while (p_more(p, T_BRACE_R)) {
        called = true;
        gql_list_push(p->a, out, p_operation_type_def(p));
    }
    return p_some_close(p, called);
}

static gql_schemadef *p_schema_definition(parser *p, const descr *desc)
{
    gql_comments *comment = NULL;
    p_expect_keyword(p, "schema", &comment);
    gql_schemadef *s = arena_zalloc(p->a, sizeof *s);
    s->pos = p_peek_pos(p);
    s->before = desc->comment;
    s->description = desc->text;
    s->after = comment;
    s->directives = p_directives(p, true);
    s->end = p_operation_types(p, &s->optypes);
    return s;
}

static gql_str p_directive_location(parser *p)
{
    static const char *const locations[] = {
        "QUERY",          "MUTATION",   "SUBSCRIPTION",     "FIELD",
        "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD", "INLINE_FRAGMENT", "VARIABLE_DEFINITION",
        "SCHEMA",         "SCALAR",     "OBJECT",           "FIELD_DEFINITION",
        "ARGUMENT_DEFINITION", "INTERFACE", "UNION",         "ENUM",
        "ENUM_VALUE",     "INPUT_OBJECT", "INPUT_FIELD_DEFINITION"};
    token t = p_expect(p, T_NAME, NULL);
    for (size_t i = 0; i < sizeof locations / sizeof locations[0]; i++)
        if (gql_str_eqc(t.value, locations[i]))
            return gql_cstr(locations[i]);
    p_unexpected_token(p, t);
    return gql_cstr("");
}

static gql_dirdef *p_directive_definition(parser *p, const descr *desc)
{
    gql_comments *comment = NULL;
    p_expect_keyword(p, "directive", &comment);
    p_expect(p, T_AT, NULL);
    gql_dirdef *d = arena_zalloc(p->a, sizeof *d);
    d->pos = p_peek_pos(p);
    d->before = desc->comment;
    d->description = desc->text;
    d->after = comment;
    d->name = p_name(p);
    d->args = p_argument_defs(p);
    token t = p_peek(p);
    if (t.kind == T_NAME && gql_str_eqc(t.value, "repeatable")) {
        d->repeatable = true;
        p_skip(p, T_NAME);
    }
    p_expect_keyword(p, "on", NULL);
    p_skip(p, T_PIPE);
    gql_str *loc = arena_alloc(p->a, sizeof *loc);
    *loc = p_directive_location(p);
    gql_list_push(p->a, &d->locations, loc);
    while (p_skip(p, T_PIPE) && !p->err) {
        loc = arena_alloc(p->a, sizeof *loc);
        *loc = p_directive_location(p);
        gql_list_push(p->a, &d->locations, loc);
    }
    return d;
}

/* "extend ...": definitions that must add something. */
static void p_type_system_extension(parser *p, gql_schema_doc *doc)
{
    gql_comments *comment = NULL;
    p_expect_keyword(p, "extend", &comment);
    gql_str what = p_peek(p).value;
    if (gql_str_eqc(what, "schema")) {
        p_expect_keyword(p, "schema", NULL);
        gql_schemadef *s = arena_zalloc(p->a, sizeof *s);
        s->description = gql_cstr("");
        s->pos = p_peek_pos(p);
        s->after = comment;
        s->directives = p_directives(p, true);
        s->end = p_operation_types(p, &s->optypes);
        if (s->directives.n == 0 && s->optypes.n == 0)
            p_unexpected(p);
        gql_list_push(p->a, &doc->schema_ext, s);
        return;
    }
    static const char *const words[] = {"scalar", "type", "interface", "union", "enum", "input"};
    static const char *const kinds[] = {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT"};
    int w = -1;
    for (int i = 0; i < 6; i++)
        if (gql_str_eqc(what, words[i]))
            w = i;
    if (w < 0) {
        p_unexpected(p);
        return;
    }
    p_expect_keyword(p, words[w], NULL);
    gql_def *d = new_def(p, kinds[w]);
    d->pos = p_peek_pos(p);
    d->after = comment;
    d->name = p_name(p);
    bool empty;
    switch (w) {
    case 0:
        d->directives = p_directives(p, true);
        empty = d->directives.n == 0;
        break;
    case 1:
        d->interfaces = p_implements(p);
        d->directives = p_directives(p, true);
        d->end = p_fields_def(p, &d->fields, false);
        empty = d->interfaces.n == 0 && d->directives.n == 0 && d->fields.n == 0;
        break;
    case 2:
        d->directives = p_directives(p, true);
        d->end = p_fields_def(p, &d->fields, false);
        empty = d->directives.n == 0 && d->fields.n == 0;
        break;
    case 3:
        d->directives = p_directives(p, true);
        d->types = p_union_members(p);
        empty = d->directives.n == 0 && d->types.n == 0;
        break;
    case 4:
        d->directives = p_directives(p, true);
        d->end = p_enum_values_def(p, &d->enum_values);
        empty = d->directives.n == 0 && d->enum_values.n == 0;
        break;
    default:
        d->directives = p_directives(p, false);
        d->end = p_fields_def(p, &d->fields, true);
        empty = d->directives.n == 0 && d->fields.n == 0;
        break;
    }
    if (empty)
        p_unexpected(p);
    gql_list_push(p->a, &doc->extensions, d);
}

gql_schema_doc *gql_parse_schema(arena *a, const char *src, size_t n, bool builtin, gql_error *err)
{
    parser p;
    p_init(&p, a, src, n, err);
    gql_schema_doc *doc = arena_zalloc(a, sizeof *doc);
    p_peek_pos(&p);
    while (p_peek(&p).kind != T_EOF) {
        if (p.err)
            return NULL;
        descr desc = {{"", 0}, NULL};
        token t = p_peek(&p);
        if (t.kind == T_BLOCK_STRING || t.kind == T_STRING)
            desc = p_description(&p);
        t = p_peek(&p);
        if (t.kind != T_NAME) {
            p_unexpected(&p);
            break;
        }
        if (gql_str_eqc(t.value, "scalar") || gql_str_eqc(t.value, "type") || gql_str_eqc(t.value, "interface") ||
            gql_str_eqc(t.value, "union") || gql_str_eqc(t.value, "enum") || gql_str_eqc(t.value, "input")) {
            gql_def *d = p_type_system_definition(&p, &desc);
            if (d)
                gql_list_push(a, &doc->definitions, d);
        } else if (gql_str_eqc(t.value, "schema")) {
            gql_list_push(a, &doc->schema, p_schema_definition(&p, &desc));
        } else if (gql_str_eqc(t.value, "directive")) {
            gql_list_push(a, &doc->directives, p_directive_definition(&p, &desc));
        } else if (gql_str_eqc(t.value, "extend")) {
            if (desc.text.n)
                p_unexpected_token(&p, p.prev);
            p_type_system_extension(&p, doc);
        } else {
            p_unexpected(&p);
            return NULL;
        }
    }
    if (p.err)
        return NULL;
    doc->comment = p.comment;
    for (int i = 0; i < doc->definitions.n; i++)
        ((gql_def *)GQL_AT(doc->definitions, i))->builtin = builtin;
    for (int i = 0; i < doc->extensions.n; i++)
        ((gql_def *)GQL_AT(doc->extensions, i))->builtin = builtin;
    return doc;
}
