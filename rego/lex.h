/* lex.h — the Rego scanner.
 *
 * Turns source bytes into tokens the way OPA's scanner does, so that token
 * positions and scanner errors match OPA: rows and columns are 1-based,
 * columns count characters (runes) within the line; whitespace and comments
 * are skipped, but each token records whether whitespace (or a comment) came
 * directly before it and whether a newline was skipped since the previous
 * token, because Rego's grammar depends on both (`a.b` vs `a .b`, newlines
 * separating the expressions of a body).
 *
 * The keywords `in`, `every`, `contains` and `if` are only keywords when
 * enabled in lex_state.kw (always in Rego v1; in v0 after `import
 * future.keywords...` or `import rego.v1`); otherwise they scan as
 * identifiers.
 *
 * The scanner never allocates; a token is a span of the source. */
#ifndef VERDICT_LEX_H
#define VERDICT_LEX_H

#include <stdbool.h>
#include <stddef.h>

typedef enum lex_tok {
    TK_ILLEGAL = 0,
    TK_EOF,
    TK_IDENT,
    TK_NUMBER,
    TK_STRING,          /* "..." or `...` (raw flag) */
    TK_TMPL_PART,       /* $"...{  or  }...{  : a template string piece ending at `{` */
    TK_TMPL_END,        /* $"..."  or  }..."  : the last piece */
    /* keywords */
    TK_PACKAGE, TK_IMPORT, TK_AS, TK_DEFAULT, TK_ELSE, TK_NOT, TK_SOME, TK_WITH,
    TK_NULL, TK_TRUE, TK_FALSE,
    /* future keywords (see lex_state.kw) */
    TK_IN, TK_EVERY, TK_CONTAINS, TK_IF,
    /* punctuation and operators */
    TK_LBRACK, TK_RBRACK, TK_LBRACE, TK_RBRACE, TK_LPAREN, TK_RPAREN,
    TK_COMMA, TK_COLON, TK_SEMICOLON, TK_DOT,
    TK_ADD, TK_SUB, TK_MUL, TK_QUO, TK_REM, TK_AND, TK_OR,
    TK_UNIFY, TK_ASSIGN, TK_EQUAL, TK_NEQ, TK_LT, TK_LTE, TK_GT, TK_GTE,
    TK_COUNT_
} lex_tok;

/* Bits of lex_state.kw: the future keywords in effect. */
enum {
    LEX_KW_IN = 1,
    LEX_KW_EVERY = 2,
    LEX_KW_CONTAINS = 4,
    LEX_KW_IF = 8,
    LEX_KW_ALL = 15,
};

typedef struct lex_token {
    lex_tok tok;
    unsigned off, end;      /* byte span [off, end) of the token */
    int row, col;           /* position of the first character */
    bool ws_before;         /* whitespace or a comment directly before the token */
    bool nl_before;         /* a newline since the end of the previous token */
    bool raw;               /* TK_STRING / TK_TMPL_*: backtick (raw) form */
    const char *err;        /* scanner error (tok is TK_ILLEGAL), or NULL */
} lex_token;

/* Where the scanner reports each comment it skips (the parser collects them
 * for METADATA blocks).  The token spans the comment from its '#' to the end
 * of the line, at the row and col of the '#'.  After backtracking the same
 * comment is reported again: receivers drop what they have seen. */
typedef struct lex_comment_sink {
    void (*fn)(void *ctx, const lex_token *comment);
    void *ctx;
} lex_comment_sink;

/* Scanner position.  A plain value: copying it saves the scanner, assigning
 * it back restores it (the parser backtracks that way). */
typedef struct lex_state {
    const char *src;
    size_t len;
    size_t off;             /* offset of the current character */
    int cur;                /* current character (a code point), -1 at the end */
    int width;              /* its width in bytes (0 at the end) */
    int row, col;           /* its position */
    unsigned kw;            /* LEX_KW_* bits */
    const char *err;        /* first error seen while reading the current token */
    const lex_comment_sink *comments;   /* NULL: comments are dropped */
} lex_state;

void lex_init(lex_state *ls, const char *src, size_t len, unsigned kw);

/* The next token, skipping whitespace and comments. */
lex_token lex_next(lex_state *ls);

/* Continue a template string after the `}` that closed an embedded
 * expression: scans the next piece (TK_TMPL_PART or TK_TMPL_END) whose span
 * starts at that `}`.  The scanner must be positioned right after the `}`. */
lex_token lex_template_continue(lex_state *ls, bool raw);

/* OPA's name for a token in messages: "identifier", "eof", "string",
 * "plus", "assign", "[", ... */
const char *lex_tok_name(lex_tok t);

/* Keywords, future keywords included (they read "keyword" in messages). */
bool lex_tok_is_keyword(lex_tok t);

/* Keyword token for an identifier text given the enabled future keywords, or
 * TK_IDENT. */
lex_tok lex_keyword(const char *s, size_t n, unsigned kw);

#endif
