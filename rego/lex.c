/* lex.c — the Rego scanner; see lex.h.
 *
 * Modelled on OPA's scanner so that positions and errors agree with it: the
 * scanner holds one current character; reading a character may raise an
 * error (NUL, invalid UTF-8, a byte-order mark after the start), and such an
 * error belongs to the token being scanned when it was read. */
#include "lex.h"

#include <string.h>

/* Internal token kinds that lex_next never returns. */
enum { TK_WS_ = TK_COUNT_ + 1, TK_COMMENT_ };

static const char *const tok_names[TK_COUNT_] = {
    [TK_ILLEGAL] = "illegal", [TK_EOF] = "eof", [TK_IDENT] = "identifier",
    [TK_NUMBER] = "number", [TK_STRING] = "string",
    [TK_TMPL_PART] = "template-string-part", [TK_TMPL_END] = "template-string-end",
    [TK_PACKAGE] = "package", [TK_IMPORT] = "import", [TK_AS] = "as",
    [TK_DEFAULT] = "default", [TK_ELSE] = "else", [TK_NOT] = "not", [TK_SOME] = "some",
    [TK_WITH] = "with", [TK_NULL] = "null", [TK_TRUE] = "true", [TK_FALSE] = "false",
    [TK_IN] = "in", [TK_EVERY] = "every", [TK_CONTAINS] = "contains", [TK_IF] = "if",
    [TK_LBRACK] = "[", [TK_RBRACK] = "]", [TK_LBRACE] = "{", [TK_RBRACE] = "}",
    [TK_LPAREN] = "(", [TK_RPAREN] = ")", [TK_COMMA] = ",", [TK_COLON] = ":",
    [TK_SEMICOLON] = ";", [TK_DOT] = ".",
    [TK_ADD] = "plus", [TK_SUB] = "minus", [TK_MUL] = "mul", [TK_QUO] = "div",
    [TK_REM] = "rem", [TK_AND] = "and", [TK_OR] = "or",
    [TK_UNIFY] = "eq", [TK_ASSIGN] = "assign", [TK_EQUAL] = "equal", [TK_NEQ] = "neq",
    [TK_LT] = "lt", [TK_LTE] = "lte", [TK_GT] = "gt", [TK_GTE] = "gte",
};

const char *lex_tok_name(lex_tok t)
{
    if ((int)t == TK_WS_)
        return "whitespace";
    if ((int)t < 0 || t >= TK_COUNT_ || !tok_names[t])
        return "unknown";
    return tok_names[t];
}

bool lex_tok_is_keyword(lex_tok t)
{
    return t >= TK_PACKAGE && t <= TK_IF;
}

static const struct {
    const char *s;
    lex_tok tok;
    unsigned bit;           /* 0: always a keyword */
} keywords[] = {
    {"package", TK_PACKAGE, 0}, {"import", TK_IMPORT, 0}, {"as", TK_AS, 0},
    {"default", TK_DEFAULT, 0}, {"else", TK_ELSE, 0}, {"not", TK_NOT, 0},
    {"some", TK_SOME, 0}, {"with", TK_WITH, 0}, {"null", TK_NULL, 0},
    {"true", TK_TRUE, 0}, {"false", TK_FALSE, 0},
    {"in", TK_IN, LEX_KW_IN}, {"every", TK_EVERY, LEX_KW_EVERY},
    {"contains", TK_CONTAINS, LEX_KW_CONTAINS}, {"if", TK_IF, LEX_KW_IF},
};

lex_tok lex_keyword(const char *s, size_t n, unsigned kw)
{
    if (n < 2 || n > 8)
        return TK_IDENT;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        if (strlen(keywords[i].s) == n && memcmp(keywords[i].s, s, n) == 0) {
            if (keywords[i].bit && !(kw & keywords[i].bit))
                return TK_IDENT;
            return keywords[i].tok;
        }
    }
    return TK_IDENT;
}

/* ---- characters ---- */

static void lex_error(lex_state *ls, const char *msg)
{
    if (!ls->err)
        ls->err = msg;
}

/* Decode one UTF-8 sequence strictly (no overlongs, no surrogates); returns
 * its width, or 0 when invalid. */
static int utf8_decode(const unsigned char *s, size_t n, int *out)
{
    unsigned c = s[0];
    int w;
    unsigned cp, min;
    if (c < 0x80) {
        *out = (int)c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        w = 2; cp = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        w = 3; cp = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        w = 4; cp = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)w > n)
        return 0;
    for (int i = 1; i < w; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    *out = (int)cp;
    return w;
}

/* Move to the next character (OPA's scanner next()). */
static void advance(lex_state *ls)
{
    ls->off += (size_t)ls->width;
    if (ls->off >= ls->len) {
        ls->off = ls->len;
        ls->cur = -1;
        ls->width = 0;
        return;
    }
    const unsigned char *s = (const unsigned char *)ls->src + ls->off;
    ls->width = 1;
    ls->cur = s[0];
    if (s[0] == 0) {
        lex_error(ls, "illegal null character");
    } else if (s[0] >= 0x80) {
        int cp;
        int w = utf8_decode(s, ls->len - ls->off, &cp);
        if (w == 0) {
            ls->cur = 0xFFFD;
            lex_error(ls, "illegal utf-8 character");
        } else {
            ls->cur = cp;
            ls->width = w;
            if (cp == 0xFEFF && ls->off > 0)
                lex_error(ls, "illegal byte-order mark");
        }
    }
    if (ls->cur == '\n') {
        ls->row++;
        ls->col = 0;
    } else {
        ls->col++;
    }
}

void lex_init(lex_state *ls, const char *src, size_t len, unsigned kw)
{
    memset(ls, 0, sizeof *ls);
    ls->src = src;
    ls->len = len;
    ls->row = 1;
    ls->kw = kw;
    advance(ls);
    if (ls->cur == 0xFEFF)
        advance(ls);
}

static int lower(int c) { return ('a' - 'A') | c; }
static bool is_letter(int c) { return (lower(c) >= 'a' && lower(c) <= 'z') || c == '_'; }
static bool is_decimal(int c) { return c >= '0' && c <= '9'; }
static bool is_ws(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* ---- literals ---- */

static void scan_number(lex_state *ls)
{
    while (is_decimal(ls->cur))
        advance(ls);
    if (ls->cur == '.') {
        advance(ls);
        bool found = false;
        while (is_decimal(ls->cur)) {
            advance(ls);
            found = true;
        }
        if (!found)
            lex_error(ls, "expected fraction");
    }
    if (lower(ls->cur) == 'e') {
        advance(ls);
        if (ls->cur == '+' || ls->cur == '-')
            advance(ls);
        bool found = false;
        while (is_decimal(ls->cur)) {
            advance(ls);
            found = true;
        }
        if (!found)
            lex_error(ls, "expected exponent");
    }
    /* "0a2b" is one bad number, not a number followed by a name */
    if (is_letter(ls->cur)) {
        lex_error(ls, "illegal number format");
        while (is_letter(ls->cur) || is_decimal(ls->cur))
            advance(ls);
    }
}

/* After the opening quote.  In template strings `{` ends a piece and `\{`
 * is an escape; returns true when the closing quote was reached. */
static bool scan_quoted(lex_state *ls, bool tmpl)
{
    for (;;) {
        int ch = ls->cur;
        if (ch == '\n' || ch < 0) {
            lex_error(ls, "non-terminated string");
            return true;
        }
        advance(ls);
        if (ch == '"')
            return true;
        if (tmpl && ch == '{')
            return false;
        if (ch == '\\') {
            switch (ls->cur) {
            case '\\': case '"': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                advance(ls);
                break;
            case '{':
                if (tmpl) {
                    advance(ls);
                    break;
                }
                lex_error(ls, "illegal escape sequence");
                break;
            case 'u':       /* `u` and three digits; the fourth is read as usual */
                for (int i = 0; i < 4; i++)
                    advance(ls);
                break;
            default:
                lex_error(ls, "illegal escape sequence");
            }
        }
    }
}

/* After the opening backtick; returns true when the closing one was reached. */
static bool scan_raw(lex_state *ls, bool tmpl)
{
    for (;;) {
        int ch = ls->cur;
        if (ch < 0) {
            lex_error(ls, "non-terminated string");
            return true;
        }
        advance(ls);
        if (ch == '`')
            return true;
        if (tmpl && ch == '{')
            return false;
        if (tmpl && ch == '\\' && ls->cur == '{')
            advance(ls);
    }
}

/* ---- tokens ---- */

static lex_token scan_one(lex_state *ls)
{
    lex_token t;
    memset(&t, 0, sizeof t);
    t.off = (unsigned)ls->off;
    t.row = ls->row;
    t.col = ls->col;
    int kind = TK_ILLEGAL;

    if (is_ws(ls->cur)) {
        kind = TK_WS_;
        t.raw = ls->cur == '\n';     /* reused: "this whitespace is a newline" */
        advance(ls);
    } else if (is_letter(ls->cur)) {
        while (is_letter(ls->cur) || is_decimal(ls->cur))
            advance(ls);
        kind = lex_keyword(ls->src + t.off, ls->off - t.off, ls->kw);
    } else if (is_decimal(ls->cur)) {
        scan_number(ls);
        kind = TK_NUMBER;
    } else {
        int ch = ls->cur;
        advance(ls);
        switch (ch) {
        case -1: kind = TK_EOF; break;
        case '#':
            while (ls->cur != '\n' && ls->cur != -1)
                advance(ls);
            kind = TK_COMMENT_;
            break;
        case '"': scan_quoted(ls, false); kind = TK_STRING; break;
        case '`': scan_raw(ls, false); kind = TK_STRING; t.raw = true; break;
        case '[': kind = TK_LBRACK; break;
        case ']': kind = TK_RBRACK; break;
        case '{': kind = TK_LBRACE; break;
        case '}': kind = TK_RBRACE; break;
        case '(': kind = TK_LPAREN; break;
        case ')': kind = TK_RPAREN; break;
        case ',': kind = TK_COMMA; break;
        case ';': kind = TK_SEMICOLON; break;
        case '.': kind = TK_DOT; break;
        case '+': kind = TK_ADD; break;
        case '-': kind = TK_SUB; break;
        case '*': kind = TK_MUL; break;
        case '/': kind = TK_QUO; break;
        case '%': kind = TK_REM; break;
        case '&': kind = TK_AND; break;
        case '|': kind = TK_OR; break;
        case ':':
            kind = TK_COLON;
            if (ls->cur == '=') {
                advance(ls);
                kind = TK_ASSIGN;
            }
            break;
        case '=':
            kind = TK_UNIFY;
            if (ls->cur == '=') {
                advance(ls);
                kind = TK_EQUAL;
            }
            break;
        case '<':
            kind = TK_LT;
            if (ls->cur == '=') {
                advance(ls);
                kind = TK_LTE;
            }
            break;
        case '>':
            kind = TK_GT;
            if (ls->cur == '=') {
                advance(ls);
                kind = TK_GTE;
            }
            break;
        case '!':
            if (ls->cur == '=') {
                advance(ls);
                kind = TK_NEQ;
            } else {
                lex_error(ls, "illegal ! character");
            }
            break;
        case '$':
            if (ls->cur == '"') {
                advance(ls);
                kind = scan_quoted(ls, true) ? TK_TMPL_END : TK_TMPL_PART;
            } else if (ls->cur == '`') {
                advance(ls);
                kind = scan_raw(ls, true) ? TK_TMPL_END : TK_TMPL_PART;
                t.raw = true;
            } else {
                lex_error(ls, "illegal $ character");
            }
            break;
        default:
            kind = TK_ILLEGAL;      /* any other character; the parser reports it */
        }
    }
    t.end = (unsigned)ls->off;
    t.tok = (lex_tok)kind;
    t.err = ls->err;
    ls->err = NULL;
    if (t.err)
        t.tok = TK_ILLEGAL;
    return t;
}

lex_token lex_next(lex_state *ls)
{
    bool ws = false, nl = false;
    lex_token t;
    for (;;) {
        t = scan_one(ls);
        if (t.tok == TK_ILLEGAL)
            break;
        if ((int)t.tok == TK_WS_) {
            ws = true;
            if (t.raw)
                nl = true;
            continue;
        }
        if ((int)t.tok == TK_COMMENT_) {
            if (ls->comments)
                ls->comments->fn(ls->comments->ctx, &t);
            ws = true;
            continue;
        }
        break;
    }
    if (t.tok != TK_STRING && t.tok != TK_TMPL_PART && t.tok != TK_TMPL_END)
        t.raw = false;
    t.ws_before = ws;
    t.nl_before = nl;
    return t;
}

lex_token lex_template_continue(lex_state *ls, bool raw)
{
    lex_token t;
    memset(&t, 0, sizeof t);
    t.off = ls->off > 0 ? (unsigned)ls->off - 1 : 0;   /* the `}` */
    t.row = ls->row;            /* positioned after it, as OPA does */
    t.col = ls->col;
    bool done = raw ? scan_raw(ls, true) : scan_quoted(ls, true);
    t.tok = done ? TK_TMPL_END : TK_TMPL_PART;
    t.raw = raw;
    t.end = (unsigned)ls->off;
    t.err = ls->err;
    ls->err = NULL;
    if (t.err)
        t.tok = TK_ILLEGAL;
    return t;
}
