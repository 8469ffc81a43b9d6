/* strings_util.h — helpers shared by the text builtins (strings*.c, objects.c,
 * arrays.c, encoding*.c): UTF-8 as Go's unicode/utf8 sees it, Go's quoting,
 * OPA's operand checks that errors.c does not cover, and a safe way to turn a
 * malloc'd strbuf into an arena string.  Private to engine/builtins. */
#ifndef VERDICT_BUILTINS_STRINGS_UTIL_H
#define VERDICT_BUILTINS_STRINGS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../builtins.h"
#include "../strbuf.h"

#define TXT_RUNE_ERROR 0xFFFDu

/* utf8.DecodeRune: the rune at s[0..n) (n > 0) and its width; an invalid or
 * truncated sequence decodes as U+FFFD of width 1. */
uint32_t txt_utf8_decode(const char *s, size_t n, size_t *width);
/* utf8.EncodeRune: invalid runes (surrogates, > U+10FFFF) encode as U+FFFD. */
size_t txt_utf8_encode(uint32_t r, char out[4]);
/* utf8.RuneCountInString. */
size_t txt_rune_count(const char *s, size_t n);
bool txt_is_ascii(const char *s, size_t n);

/* strconv.IsPrint, approximated without Go's full tables: ASCII graphic and
 * space, and non-ASCII except controls, spaces, format characters,
 * surrogates, private use and noncharacters. */
bool txt_go_isprint(uint32_t r);
/* strconv.Quote (ascii_only: QuoteToASCII) of bytes s[0..n). */
void txt_go_quote(strbuf *sb, const char *s, size_t n, bool ascii_only);
/* strconv.QuoteRune / QuoteRuneToASCII. */
void txt_go_quote_rune(strbuf *sb, uint32_t r, bool ascii_only);

/* strconv.AppendFloat(v, fmt, prec, 64) for fmt in b e E f g G x X; prec -1
 * asks for the shortest text that reads back as v. */
void txt_go_format_float(strbuf *sb, double v, char fmt, int prec);

/* Go's fmt.Sprintf over these argument kinds (strings_sprintf.c). */
typedef enum txt_gokind {
    TXT_GO_INT,         /* int: i */
    TXT_GO_BIG,         /* *big.Int: s[0..n) decimal digits, optional '-' */
    TXT_GO_FLOAT,       /* float64: f */
    TXT_GO_STRING,      /* string s[0..n); tname overrides the type name for %T and errors */
    TXT_GO_BOOL,        /* bool: i != 0 */
    TXT_GO_NIL,         /* untyped nil */
} txt_gokind;

typedef struct txt_goarg {
    txt_gokind kind;
    int64_t i;
    double f;
    const char *s;
    size_t n;
    const char *tname;
    size_t scratch_off; /* private to sprintf */
    bool in_scratch;
} txt_goarg;

void txt_go_sprintf(strbuf *out, const char *fmt, size_t n, const txt_goarg *args, size_t nargs);

/* ast.Number.Int(): the number as an int64 when it is written as a plain
 * integer that fits ("1.0", "1e2" and huge integers are not). */
bool txt_number_int(const val *v, int64_t *out);
/* builtins.IntOperand: a number that Int() accepts, else OPA's type error. */
bi_status txt_int_operand(bi_ctx *c, const val *v, int pos, int64_t *out);
/* "operand N must be array of strings but got array containing number". */
bi_status txt_element_error(bi_ctx *c, int pos, const val *composite, const val *got,
                            const char *expected);

/* A string value with sb's bytes; sb is freed, also when the arena runs out
 * (its jump is caught, sb freed, and the jump passed on). */
val *txt_string_from_sb(arena *a, strbuf *sb);

#endif
