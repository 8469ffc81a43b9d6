/* Unit tests for rego/lex and rego/parse: tokens, terms, operators,
 * expressions, rules in Rego v1 and v0, locations, errors with positions,
 * robustness against hostile input, and every module, query and input term
 * of OPA's conformance cases (read from ../shared/opa-conformance, or
 * $VERDICT_CONFORMANCE_DIR, when present). */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "engine/arena.h"
#include "engine/json.h"
#include "engine/strbuf.h"
#include "engine/value.h"
#include "rego/ast.h"
#include "rego/lex.h"

/* ---- helpers ---- */

static arena *A;
static rego_errors E;

static void setup(void)
{
    A = arena_new(0);
    memset(&E, 0, sizeof E);
}

static void teardown(void)
{
    rego_errors_free(&E);
    arena_free(A);
    A = NULL;
}

static const parse_opts V1 = {.version = AST_REGO_V1};
static const parse_opts V0 = {.version = AST_REGO_V0};

static ast_module *mod_opts(const char *src, const parse_opts *o)
{
    rego_errors_free(&E);
    return rego_parse_module(A, "t.rego", src, strlen(src), o, &E);
}

static ast_module *mod(const char *src) { return mod_opts(src, &V1); }

static const char *arena_copy(strbuf *sb)
{
    const char *s = arena_strndup(A, sb->data ? sb->data : "", sb->len);
    sb_free(sb);
    return s;
}

/* The module printed, or "ERROR row:col: message" for the first error. */
static const char *first_error(void)
{
    strbuf sb = STRBUF_INIT;
    if (E.head)
        sb_printf(&sb, "ERROR %d:%d: %s", E.head->row, E.head->col, E.head->message);
    else
        sb_puts(&sb, "ERROR (none)");
    return arena_copy(&sb);
}

static const char *mod_text_opts(const char *src, const parse_opts *o)
{
    ast_module *m = mod_opts(src, o);
    if (!m)
        return first_error();
    strbuf sb = STRBUF_INIT;
    ast_write_module(&sb, m);
    return arena_copy(&sb);
}

static const char *mod_text(const char *src) { return mod_text_opts(src, &V1); }

/* Rules only (the package line dropped), for compact expectations. */
static const char *rules_text_opts(const char *body, const parse_opts *o)
{
    strbuf src = STRBUF_INIT;
    sb_printf(&src, "package t\n%s", body);
    const char *s = mod_text_opts(src.data, o);
    sb_free(&src);
    if (strncmp(s, "package t\n", 10) == 0)
        return s + 10;
    return s;
}

static const char *rules_text(const char *body) { return rules_text_opts(body, &V1); }
static const char *rules_text0(const char *body) { return rules_text_opts(body, &V0); }

static ast_body *query_opts(const char *src, const parse_opts *o)
{
    rego_errors_free(&E);
    return rego_parse_query(A, src, strlen(src), o, &E);
}

static const char *query_text_opts(const char *src, const parse_opts *o)
{
    ast_body *b = query_opts(src, o);
    if (!b)
        return first_error();
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < b->n; i++) {
        if (i)
            sb_puts(&sb, "; ");
        ast_write_expr(&sb, b->exprs[i]);
    }
    return arena_copy(&sb);
}

static const char *query_text(const char *src) { return query_text_opts(src, &V1); }

static ast_term *term(const char *src)
{
    rego_errors_free(&E);
    return rego_parse_term(A, src, strlen(src), &V1, &E);
}

static const char *term_text(const char *src)
{
    ast_term *t = term(src);
    if (!t)
        return first_error();
    strbuf sb = STRBUF_INIT;
    ast_write_term(&sb, t);
    return arena_copy(&sb);
}

static ast_rule *rule1(const char *body, const parse_opts *o)
{
    strbuf src = STRBUF_INIT;
    sb_printf(&src, "package t\n%s", body);
    ast_module *m = mod_opts(src.data, o);
    sb_free(&src);
    if (!m) {
        ck_abort_msg("parse failed: %s", first_error());
        return NULL;
    }
    ck_assert_int_ge(m->nrules, 1);
    return m->rules[0];
}

static const char *str_of(const ast_term *t)
{
    strbuf sb = STRBUF_INIT;
    ast_write_term(&sb, t);
    return arena_copy(&sb);
}

/* ---- lexer ---- */

static int lex_all(const char *src, unsigned kw, lex_token *out, int max)
{
    lex_state ls;
    lex_init(&ls, src, strlen(src), kw);
    int n = 0;
    for (;;) {
        lex_token t = lex_next(&ls);
        if (n < max)
            out[n] = t;
        n++;
        if (t.tok == TK_EOF || t.tok == TK_ILLEGAL || n > 1000)
            return n;
    }
}

START_TEST(lex_tokens_and_positions)
{
    lex_token t[32];
    const char *src = "p := {\"a\": 1.5e3} # c\n  x != y";
    int n = lex_all(src, LEX_KW_ALL, t, 32);
    lex_tok want[] = {TK_IDENT, TK_ASSIGN, TK_LBRACE, TK_STRING, TK_COLON, TK_NUMBER, TK_RBRACE,
                      TK_IDENT, TK_NEQ, TK_IDENT, TK_EOF};
    ck_assert_int_eq(n, 11);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(t[i].tok, want[i]);
    ck_assert_int_eq(t[5].off, 11);
    ck_assert_int_eq(t[5].end, 16);
    ck_assert_int_eq(t[7].row, 2);
    ck_assert_int_eq(t[7].col, 3);
    ck_assert(t[7].nl_before && t[7].ws_before);
    ck_assert(!t[2].nl_before && t[2].ws_before);
    ck_assert(!t[3].ws_before);
    ck_assert_str_eq(lex_tok_name(t[8].tok), "neq");
}
END_TEST

START_TEST(lex_keywords_follow_flags)
{
    lex_token t[8];
    lex_all("if in every contains", 0, t, 8);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(t[i].tok, TK_IDENT);
    lex_all("if in every contains", LEX_KW_ALL, t, 8);
    ck_assert_int_eq(t[0].tok, TK_IF);
    ck_assert_int_eq(t[1].tok, TK_IN);
    ck_assert_int_eq(t[2].tok, TK_EVERY);
    ck_assert_int_eq(t[3].tok, TK_CONTAINS);
    lex_all("if in", LEX_KW_IN, t, 8);
    ck_assert_int_eq(t[0].tok, TK_IDENT);
    ck_assert_int_eq(t[1].tok, TK_IN);
    lex_all("not package default null true false with as some else import", 0, t, 8);
    ck_assert_int_eq(t[0].tok, TK_NOT);
    ck_assert(lex_tok_is_keyword(t[0].tok));
    ck_assert_int_eq(t[3].tok, TK_NULL);
    ck_assert_int_eq(lex_keyword("nots", 4, 0), TK_IDENT);
}
END_TEST

START_TEST(lex_errors)
{
    lex_token t[8];
    int n = lex_all("x := \"abc\n", LEX_KW_ALL, t, 8);
    ck_assert_int_eq(t[n - 1].tok, TK_ILLEGAL);
    ck_assert_str_eq(t[n - 1].err, "non-terminated string");
    ck_assert_int_eq(t[n - 1].col, 6);
    n = lex_all("a ! b", 0, t, 8);
    ck_assert_str_eq(t[n - 1].err, "illegal ! character");
    n = lex_all("12abc", 0, t, 8);
    ck_assert_str_eq(t[0].err, "illegal number format");
    n = lex_all("1.", 0, t, 8);
    ck_assert_str_eq(t[0].err, "expected fraction");
    n = lex_all("1e+", 0, t, 8);
    ck_assert_str_eq(t[0].err, "expected exponent");
    n = lex_all("\"\\q\"", 0, t, 8);
    ck_assert_str_eq(t[0].err, "illegal escape sequence");
    n = lex_all("`abc", 0, t, 8);
    ck_assert_str_eq(t[0].err, "non-terminated string");
    n = lex_all("$x", 0, t, 8);
    ck_assert_str_eq(t[0].err, "illegal $ character");
    /* an illegal byte belongs to the token being read when it is reached */
    lex_state ls;
    lex_init(&ls, "ab\xff", 3, 0);
    lex_token x = lex_next(&ls);
    ck_assert_int_eq(x.tok, TK_ILLEGAL);
    ck_assert_str_eq(x.err, "illegal utf-8 character");
    lex_init(&ls, "a\0b", 3, 0);
    x = lex_next(&ls);
    ck_assert_str_eq(x.err, "illegal null character");
    /* characters outside the grammar are illegal tokens without a message */
    n = lex_all("@", 0, t, 8);
    ck_assert_int_eq(t[0].tok, TK_ILLEGAL);
    ck_assert_ptr_null(t[0].err);
}
END_TEST

START_TEST(lex_columns_count_characters)
{
    lex_token t[8];
    /* a BOM at the start is skipped (but counted, as in OPA); é is one column */
    lex_all("\xEF\xBB\xBF\"\xC3\xA9\" x", 0, t, 8);
    ck_assert_int_eq(t[0].tok, TK_STRING);
    ck_assert_int_eq(t[0].col, 2);
    ck_assert_int_eq(t[1].col, 6);
    ck_assert_int_eq(t[1].off, 8);
    /* a BOM later is an error */
    int n = lex_all("x \xEF\xBB\xBF", 0, t, 8);
    ck_assert_int_eq(t[n - 1].tok, TK_ILLEGAL);
    ck_assert_str_eq(t[n - 1].err, "illegal byte-order mark");
    /* eof sits on the last character, as in OPA */
    n = lex_all("ab", 0, t, 8);
    ck_assert_int_eq(t[n - 1].tok, TK_EOF);
    ck_assert_int_eq(t[n - 1].col, 2);
    n = lex_all("ab\n", 0, t, 8);
    ck_assert_int_eq(t[n - 1].row, 2);
    ck_assert_int_eq(t[n - 1].col, 0);
}
END_TEST

START_TEST(lex_templates)
{
    lex_token t[8];
    lex_all("$\"a{", 0, t, 8);
    ck_assert_int_eq(t[0].tok, TK_TMPL_PART);
    lex_all("$\"a\\{b\"", 0, t, 8);
    ck_assert_int_eq(t[0].tok, TK_TMPL_END);
    lex_all("$`a\nb`", 0, t, 8);
    ck_assert_int_eq(t[0].tok, TK_TMPL_END);
    ck_assert(t[0].raw);
    lex_state ls;
    lex_init(&ls, "} rest{ x", 9, 0);
    lex_next(&ls);      /* the } */
    lex_token c = lex_template_continue(&ls, false);
    ck_assert_int_eq(c.tok, TK_TMPL_PART);
    ck_assert_int_eq(c.off, 0);
    ck_assert_int_eq(c.end, 7);
}
END_TEST

/* ---- terms ---- */

START_TEST(terms_scalars)
{
    ck_assert_str_eq(term_text("null"), "null");
    ck_assert_str_eq(term_text("true"), "true");
    ck_assert_str_eq(term_text("false"), "false");
    ck_assert_str_eq(term_text("0"), "0");
    ck_assert_str_eq(term_text("-1"), "-1");
    ck_assert_str_eq(term_text("- 1"), "-1");
    ck_assert_str_eq(term_text("1.0"), "1.0");
    ck_assert_str_eq(term_text("1.50e10"), "1.50e10");
    ck_assert_str_eq(term_text("1E6"), "1E6");
    ck_assert_str_eq(term_text("-1e-6"), "-1e-6");
    ck_assert_str_eq(term_text("1e400"), "1e400");
    ck_assert_str_eq(term_text("123456789012345678901234567890"), "123456789012345678901234567890");
    ck_assert_str_eq(term_text(".5"), "0.5");
    ck_assert_str_eq(term_text("-.1"), "-0.1");
    ck_assert_str_eq(term_text("0e1"), "0e1");
    ast_term *t = term("42");
    ck_assert(val_is_int(t->value));
    ck_assert_int_eq(val_int_value(t->value), 42);
    t = term("1.0");
    ck_assert(!val_is_int(t->value));
    ck_assert_str_eq(((const vnum *)t->value)->text, "1.0");
}
END_TEST

START_TEST(terms_strings)
{
    ast_term *t = term("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
    ck_assert_int_eq(t->kind, AST_SCALAR);
    ck_assert_int_eq(val_len(t->value), 12);
    ck_assert(memcmp(val_str(t->value), "a\"b\\c/d\b\f\n\r\t", 12) == 0);
    t = term("\"\\u00e9\\u00E9\"");
    ck_assert_str_eq(val_str(t->value), "\xC3\xA9\xC3\xA9");
    t = term("\"\\uD834\\uDD1E\"");                     /* G clef, a surrogate pair */
    ck_assert_str_eq(val_str(t->value), "\xF0\x9D\x84\x9E");
    t = term("\"\\ud800x\"");                           /* lone surrogate */
    ck_assert_str_eq(val_str(t->value), "\xEF\xBF\xBDx");
    t = term("\"\\u0000\"");
    ck_assert_int_eq(val_len(t->value), 1);
    t = term("`raw\\n\n\"x\"`");
    ck_assert_str_eq(val_str(t->value), "raw\\n\n\"x\"");
    t = term("\"\"");
    ck_assert_int_eq(val_len(t->value), 0);
    ck_assert_str_eq(term_text("\"\\u12G4\""), "ERROR 1:1: illegal string literal: \"\\u12G4\"");
}
END_TEST

START_TEST(terms_composites)
{
    ck_assert_str_eq(term_text("[1, \"a\", [true]]"), "[1, \"a\", [true]]");
    ck_assert_str_eq(term_text("[]"), "[]");
    ck_assert_str_eq(term_text("[1, 2, ]"), "[1, 2]");
    ck_assert_str_eq(term_text("[, 1, 2]"), "[1, 2]");
    ck_assert_str_eq(term_text("{}"), "{}");
    ck_assert_str_eq(term_text("set()"), "set()");
    ck_assert_str_eq(term_text("{1, 2}"), "{1, 2}");
    ck_assert_str_eq(term_text("{1}"), "{1}");
    ck_assert_str_eq(term_text("{\"a\": 1, 2: [3], {1}: null, }"), "{\"a\": 1, 2: [3], {1}: null}");
    ck_assert_str_eq(term_text("{x: \"a\", y.z: 1 + 1}"), "{x: \"a\", y.z: plus(1, 1)}");
    ck_assert_str_eq(term_text("{[x, y], {null, bar}, set()}"), "{[x, y], {null, bar}, set()}");
    ast_term *t = term("{\"a\": 1, \"b\": 2}");
    ck_assert_int_eq(t->kind, AST_OBJECT);
    ck_assert_int_eq(t->coll.n, 4);
    t = term("set()");
    ck_assert_int_eq(t->kind, AST_SET);
    ck_assert_int_eq(t->coll.n, 0);
}
END_TEST

START_TEST(terms_comprehensions)
{
    ck_assert_str_eq(term_text("[x | x := [1, 2][_]]"), "[x | x := [1, 2][$0]]");
    ck_assert_str_eq(term_text("{x | x := 1; y = 2}"), "{x | x := 1; y = 2}");
    ck_assert_str_eq(term_text("{k: v | k := \"a\"\n v := 1}"), "{k: v | k := \"a\"; v := 1}");
    ck_assert_str_eq(term_text("{ 1+2: 3 | 4}"), "{plus(1, 2): 3 | 4}");
    /* a single term before | is a comprehension head, otherwise it is `or` */
    ck_assert_str_eq(term_text("[a | b]"), "[a | b]");
    ck_assert_str_eq(term_text("{a | b}"), "{a | b}");
    ck_assert_str_eq(term_text("[ 1 + 2 | 3 ]"), "[or(plus(1, 2), 3)]");
    ck_assert_str_eq(term_text("{ 1 + 2 | 3}"), "{or(plus(1, 2), 3)}");
    ck_assert_str_eq(term_text("[, 1 | 1]"), "[or(1, 1)]");
    ck_assert_str_eq(term_text("{, 1 | 1: \"bar\"}"), "{or(1, 1): \"bar\"}");
    ck_assert_str_eq(term_text("{ a: b+c | d }"), "{a: or(plus(b, c), d)}");
    ck_assert_str_eq(term_text("[x|y,z]"), "[or(x, y), z]");
    ck_assert_str_eq(term_text("{z,x|y,a}"), "{z, or(x, y), a}");
    ck_assert_str_eq(term_text("{x:y|z,a:b}"), "{x: or(y, z), a: b}");
    ast_term *t = term("{k: v | true}");
    ck_assert_int_eq(t->kind, AST_OBJECT_COMPR);
    ck_assert_str_eq(str_of(t->compr.key), "k");
    ck_assert_str_eq(str_of(t->compr.head), "v");
    ck_assert_int_eq(t->compr.body->n, 1);
}
END_TEST

START_TEST(terms_refs_and_calls)
{
    ast_term *t = term("a.b[c][\"d\"][1].e");
    ck_assert_int_eq(t->kind, AST_REF);
    ck_assert_int_eq(t->ref.n, 6);
    ck_assert_int_eq(t->ref.items[0]->kind, AST_VAR);
    ck_assert_int_eq(t->ref.items[1]->kind, AST_SCALAR);
    ck_assert_str_eq(val_str(t->ref.items[1]->value), "b");
    ck_assert_int_eq(t->ref.items[2]->kind, AST_VAR);
    ck_assert_str_eq(str_of(t), "a.b[c].d[1].e");
    ck_assert_str_eq(term_text("[1,2][0]"), "[1, 2][0]");
    ck_assert_str_eq(term_text("{\"a\": 1}.a"), "{\"a\": 1}.a");
    ck_assert_str_eq(term_text("foo[baz[1][borge[i]]].bar"), "foo[baz[1][borge[i]]].bar");
    ck_assert_str_eq(term_text("input.if.contains.not"), "input.if.contains.not");
    ck_assert_str_eq(term_text("f(x).y[0]"), "f(x).y[0]");
    ck_assert_str_eq(term_text("f(x)[0]"), "f(x)[0]");
    ck_assert_str_eq(term_text("foo.bar(1)[0](1).baz"), "foo.bar(1)[0](1).baz");
    /* `data` and `input` alone are vars (refs of one element are not made) */
    t = term("input");
    ck_assert_int_eq(t->kind, AST_VAR);
    /* a space ends a ref */
    ck_assert_str_eq(rules_text("p if { x := a [1] }"), "ERROR 2:15: unexpected [ token: expected \\n or ; or }");
    ck_assert_str_eq(query_text("x := a [1]"), "x := a; [1]");
    t = term("[strings.replace_n({\"a\": \"b\"}, \"x\"), data.pkg.f(1), count(x), print()]");
    ast_term *c = t->coll.items[0];
    ck_assert_int_eq(c->kind, AST_CALL);
    ck_assert_str_eq(c->call.fn_name, "strings.replace_n");
    ck_assert_int_eq(c->call.fn->kind, AST_REF);
    ck_assert_int_eq(c->call.nargs, 2);
    c = t->coll.items[1];
    ck_assert_str_eq(c->call.fn_name, "data.pkg.f");
    c = t->coll.items[2];
    ck_assert_int_eq(c->call.fn->kind, AST_VAR);
    ck_assert_str_eq(c->call.fn_name, "count");
    c = t->coll.items[3];
    ck_assert_str_eq(c->call.fn_name, "print");
    ck_assert_int_eq(c->call.nargs, 0);
}
END_TEST

START_TEST(terms_templates)
{
    ck_assert_str_eq(query_text("x := $\"hello {input.name}, {1 + 2} \\{lit} {\"s\"}\""),
                     "x := $\"hello {input.name}, {plus(1, 2)} \\{lit} s\"");
    ck_assert_str_eq(query_text("x := $`raw {x}\nline2 \\{y}`"), "x := $\"raw {x}\\nline2 \\{y}\"");
    ck_assert_str_eq(query_text("x := $\"{ {\"a\": 1}[\"a\"] }\""), "x := $\"{{\"a\": 1}.a}\"");
    ast_term *t = term("$\"a{x}b{1}\"");
    ck_assert_int_eq(t->kind, AST_TEMPLATE);
    ck_assert_int_eq(t->tmpl.n, 4);
    ck_assert_str_eq(val_str(t->tmpl.parts[0]->value), "a");
    ck_assert_int_eq(t->tmpl.parts[1]->kind, AST_VAR);
    ck_assert_int_eq(t->tmpl.parts[3]->kind, AST_SCALAR);
    t = term("$\"\"");
    ck_assert_int_eq(t->tmpl.n, 0);
    ck_assert_str_eq(query_text("x := $\"{x := 1}\""),
                     "ERROR 1:9: unexpected assignment (':=') in template-string expression");
    ck_assert_str_eq(query_text("x := $\"{not x}\""),
                     "ERROR 1:9: unexpected negation ('not') in template-string expression");
    ck_assert_str_eq(query_text("x := $\"{some y}\""),
                     "ERROR 1:9: unexpected 'some' in template-string expression");
    ck_assert_str_eq(query_text("x := $\"{x y}\""),
                     "ERROR 1:11: expected } to end template string expression");
    ck_assert_str_eq(query_text("x := $\"{}\""), "ERROR 1:9: unexpected } token");
    ck_assert_str_eq(query_text("x := $\"abc"), "ERROR 1:6: non-terminated string");
}
END_TEST

START_TEST(terms_to_value)
{
    const char *src = "{\"a\": [1, 2.5, \"x\", null, true], \"s\": {1, 2}, 3: {}, \"e\": set()}";
    ast_term *t = term(src);
    ck_assert_ptr_nonnull(t);
    val *v = ast_term_to_value(A, t);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(val_kind_of(v), VAL_OBJECT);
    ck_assert_int_eq(val_len(v), 4);
    val *s = val_object_get_str(v, "s", 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(val_kind_of(s), VAL_SET);
    ck_assert_int_eq(val_len(s), 2);
    val *e = val_object_get_str(v, "e", 1);
    ck_assert_int_eq(val_kind_of(e), VAL_SET);
    ck_assert_int_eq(val_len(e), 0);
    json_error je;
    val *j = json_parse(A, "[1, 2.5, \"x\", null, true]", 25, 0, &je);
    ck_assert(val_equal(val_object_get_str(v, "a", 1), j));
    ck_assert_ptr_null(ast_term_to_value(A, term("[1, x]")));
    ck_assert_ptr_null(ast_term_to_value(A, term("{\"a\": input.x}")));
    ck_assert_ptr_null(ast_term_to_value(A, term("[x | x = 1]")));
    ck_assert_ptr_null(ast_term_to_value(A, term("{f(1)}")));
    /* rego_parse_term takes exactly one term */
    ck_assert_str_eq(term_text("1; 2"), "ERROR 1:1: expected exactly one term");
    ck_assert_str_eq(term_text("x = 1"), "ERROR 1:1: expected term");
    ck_assert_str_eq(term_text("count(x)"), "ERROR 1:1: expected term");
    ck_assert_str_eq(term_text("{\"foo\": {{1}}}"), "{\"foo\": {{1}}}");
}
END_TEST

/* ---- operators ---- */

START_TEST(operators_precedence)
{
    static const char *const cases[][2] = {
        {"x := 1 + 2 * 3 - 4 / 5 % 6", "x := minus(plus(1, mul(2, 3)), rem(div(4, 5), 6))"},
        {"1 + 2 * 6 / 3", "plus(1, div(mul(2, 6), 3))"},
        {"x * y / z % w", "rem(div(mul(x, y), z), w)"},
        {"w % z / x * y", "mul(div(rem(w, z), x), y)"},
        {"x + y - z", "minus(plus(x, y), z)"},
        {"z - x + y", "plus(minus(z, x), y)"},
        {"z & x & y", "and(and(z, x), y)"},
        {"z | x | y", "or(or(z, x), y)"},
        {"x == y != z", "neq(equal(x, y), z)"},
        {"a < b <= c > d >= e", "gte(gt(lte(lt(a, b), c), d), e)"},
        {"x + 1 | 2 & 3", "or(plus(x, 1), and(2, 3))"},
        {"x | y & z == w", "equal(or(x, and(y, z)), w)"},
        {"(1 + 2 * 6 / 3) > 4", "gt(plus(1, div(mul(2, 6), 3)), 4)"},
        {"(((1 + 2) * (6 / (3))) > 4) != false", "neq(gt(mul(plus(1, 2), div(6, 3)), 4), false)"},
        {"x in xs", "internal.member_2(x, xs)"},
        {"x in xs == true", "internal.member_2(x, equal(xs, true))"},
        {"x == y in xs", "internal.member_2(equal(x, y), xs)"},
        {"a in b in c", "internal.member_2(internal.member_2(a, b), c)"},
        {"k, v in xs", "internal.member_3(k, v, xs)"},
        {"f(k, v in xs)", "f(k, internal.member_2(v, xs))"},
        {"[x, y in z]", "[x, internal.member_2(y, z)]"},
        {"1 + x = 2 - y", "plus(1, x) = minus(2, y)"},
        {"x := -1", "x := -1"},
        {"x := 1 - -1", "x := minus(1, -1)"},
        {"x := a -1", "x := minus(a, 1)"},
        {"x := a-1", "x := minus(a, 1)"},
        {"x := [-1, - 2.5]", "x := [-1, -2.5]"},
        {"x[1][y + z[w + 1]].b", "x[1][plus(y, z[plus(w, 1)])].b"},
        {"f([g(x), y+1])", "f([g(x), plus(y, 1)])"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(query_text(cases[i][0]), cases[i][1]);
    /* unary minus applies to numbers only, as in OPA */
    ck_assert_str_eq(query_text("x := -y"), "ERROR 1:7: unexpected identifier token: expected number");
    /* operator calls carry OPA's builtin names */
    ast_body *b = query_opts("a + b", &V1);
    ast_term *c = b->exprs[0]->term;
    ck_assert_int_eq(c->kind, AST_CALL);
    ck_assert_int_eq(c->call.fn->kind, AST_VAR);
    ck_assert_str_eq(c->call.fn->var.name, "plus");
    ck_assert_int_eq(c->call.fn->loc.col, 3);
    b = query_opts("a in b", &V1);
    c = b->exprs[0]->term;
    ck_assert_int_eq(c->call.fn->kind, AST_REF);
    ck_assert_str_eq(str_of(c->call.fn), "internal.member_2");
}
END_TEST

/* ---- expressions ---- */

START_TEST(expressions_kinds)
{
    ast_body *b = query_opts("x = 1; y := 2; z; count(a); not q with input as 1", &V1);
    ck_assert_int_eq(b->n, 5);
    ck_assert_int_eq(b->exprs[0]->kind, AST_EXPR_UNIFY);
    ck_assert_int_eq(b->exprs[1]->kind, AST_EXPR_ASSIGN);
    ck_assert_int_eq(b->exprs[2]->kind, AST_EXPR_TERM);
    ck_assert_int_eq(b->exprs[3]->kind, AST_EXPR_TERM);
    ck_assert_int_eq(b->exprs[3]->term->kind, AST_CALL);
    ck_assert(b->exprs[4]->negated);
    ck_assert_int_eq(b->exprs[4]->nwiths, 1);
    /* `==` is a call, `=`/`:=` only at the top of an expression */
    b = query_opts("x == 1", &V1);
    ck_assert_int_eq(b->exprs[0]->kind, AST_EXPR_TERM);
    ck_assert_str_eq(query_text("x = y = z"), "ERROR 1:7: unexpected eq token");
    ck_assert_str_eq(rules_text("p if { x = y = z }"), "ERROR 2:14: unexpected eq token: expected \\n or ; or }");
}
END_TEST

START_TEST(expressions_some_every)
{
    ast_body *b = query_opts("some x, y; some v in xs; some k, v in xs", &V1);
    ast_expr *e = b->exprs[0];
    ck_assert_int_eq(e->kind, AST_EXPR_SOME);
    ck_assert_int_eq(e->some.nvars, 2);
    ck_assert_ptr_null(e->some.coll);
    e = b->exprs[1];
    ck_assert_ptr_null(e->some.key);
    ck_assert_str_eq(str_of(e->some.value), "v");
    ck_assert_str_eq(str_of(e->some.coll), "xs");
    e = b->exprs[2];
    ck_assert_str_eq(str_of(e->some.key), "k");
    ck_assert_str_eq(str_of(e->some.value), "v");
    ck_assert_str_eq(query_text("some x, y,\n z"), "some x, y, z");
    ck_assert_str_eq(query_text("some x\nx"), "some x; x");
    ck_assert_str_eq(query_text("some x in [1] with input as 2"), "some x in [1] with input as 2");
    b = query_opts("every k, v in xs { k == v; true } with input as 1", &V1);
    e = b->exprs[0];
    ck_assert_int_eq(e->kind, AST_EXPR_EVERY);
    ck_assert_str_eq(str_of(e->every.key), "k");
    ck_assert_str_eq(str_of(e->every.value), "v");
    ck_assert_str_eq(str_of(e->every.domain), "xs");
    ck_assert_int_eq(e->every.body->n, 2);
    ck_assert_int_eq(e->nwiths, 1);
    ck_assert_str_eq(query_text("every x in [1] { x }"), "every x in [1] { x }");
    ck_assert_str_eq(query_text("some f(x)"),
                     "ERROR 1:9: unexpected eof token: expected `x in xs` or `x, y in xs` expression");
    ck_assert_str_eq(query_text("not some x"), "ERROR 1:5: unexpected some keyword: illegal negation of 'some'");
    ck_assert_str_eq(query_text("not every x in y { true }"),
                     "ERROR 1:5: unexpected every keyword: illegal negation of 'every'");
    ck_assert_str_eq(query_text("every 10"),
                     "ERROR 1:8: unexpected eof token: expected `x[, y] in xs { ... }` expression");
    ck_assert_str_eq(query_text("every 10 in xs { true }"),
                     "ERROR 1:16: unexpected { token: expected value to be a variable");
    ck_assert_str_eq(query_text("every 10, x in xs { true }"),
                     "ERROR 1:19: unexpected { token: expected key to be a variable");
    ck_assert_str_eq(query_text("every x in xs"), "ERROR 1:13: unexpected eof token: missing body");
    ck_assert_str_eq(query_text("every x in xs { + }"), "ERROR 1:17: unexpected plus token");
    ck_assert_str_eq(query_text("some internal.member_2()"), "ERROR 1:24: unexpected eof token: illegal domain");
    ck_assert_str_eq(query_text("some 1"), "ERROR 1:6: unexpected number token: expected var");
}
END_TEST

START_TEST(expressions_with)
{
    ast_body *b = query_opts("data.foo with input.obj as baz with input.a.b as {\"c\": [{1,2,3}]}", &V1);
    ast_expr *e = b->exprs[0];
    ck_assert_int_eq(e->nwiths, 2);
    ck_assert_str_eq(str_of(e->withs[0].target), "input.obj");
    ck_assert_str_eq(str_of(e->withs[1].value), "{\"c\": [{1, 2, 3}]}");
    ck_assert_int_eq(e->withs[1].loc.col, 32);
    ck_assert_int_eq(e->withs[1].loc.len, 34);
    b = query_opts("a with b\nas c", &V1);
    ck_assert_int_eq(b->n, 1);
    ck_assert_int_eq(b->exprs[0]->withs[0].loc.len, 11);
    ck_assert_str_eq(query_text("true with x as 1"), "true with x as 1");
    ck_assert_str_eq(query_text("x with count as f with data.p as [1]"), "x with count as f with data.p as [1]");
    ck_assert_str_eq(query_text("x with 1 as 2"), "ERROR 1:8: unexpected number token: expected ident");
    ck_assert_str_eq(query_text("x with y 2"), "ERROR 1:10: unexpected number token: expected as keyword");
}
END_TEST

START_TEST(expressions_newlines)
{
    static const char *const cases[][2] = {
        {"x = 1\ny = 2\nz = [ i | [x,y] = arr\n\tarr[_] = i]", "x = 1; y = 2; z = [i | [x, y] = arr; arr[$0] = i]"},
        {"x = 1 ; # c\ny = 2 # c\nz = [ i | [x,y] = arr # c\n\tarr[_] = i]",
         "x = 1; y = 2; z = [i | [x, y] = arr; arr[$0] = i]"},
        {"f(x)\n [1]", "f(x); [1]"},
        {"f(x);{1}", "f(x); {1}"},
        {"[1]\n [2]", "[1]; [2]"},
        {"data.p.q\n {1}", "data.p.q; {1}"},
        {"input = 2 \n {1}", "input = 2; {1}"},
        /* inside brackets newlines do not end the expression */
        {"x := [1,\n2]", "x := [1, 2]"},
        {"x := f(1,\n 2)", "x := f(1, 2)"},
        {"x := {\n\"a\":\n1\n}", "x := {\"a\": 1}"},
        /* a trailing operator continues on the next line, and so does a
         * leading one (OPA's scanner skips the newline before an operator) */
        {"x := 1 +\n2", "x := plus(1, 2)"},
        {"x := 1\n+ 2", "x := plus(1, 2)"},
        {"x :=\n 1", "x := 1"},
        /* a query's statements need no separator at all, as in OPA */
        {"x := 1 y := 2", "x := 1; y := 2"},
        {"x = 1\r\ny = 2\r\n", "x = 1; y = 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(query_text(cases[i][0]), cases[i][1]);
    /* but within a rule body expressions need a newline or ; */
    ck_assert_str_eq(rules_text("p if { x := 1 y := 2 }"), "ERROR 2:15: unexpected identifier token: expected \\n or ; or }");
}
END_TEST

START_TEST(wildcards_are_renamed)
{
    ast_term *t = term("a.b[_].c[_]");
    ck_assert_str_eq(str_of(t), "a.b[$0].c[$1]");
    ck_assert(t->ref.items[2]->var.wildcard);
    ck_assert_str_eq(t->ref.items[2]->var.name, "$0");
    ck_assert(!t->ref.items[0]->var.wildcard);
    ck_assert_str_eq(term_text("[{\"a\": a[_]}, _, {\"b\": _}]"), "[{\"a\": a[$0]}, $1, {\"b\": $2}]");
    ck_assert_str_eq(query_text("_ = [x | a = a[_]]"), "$0 = [x | a = a[$1]]");
    /* numbering runs through the module */
    ck_assert_str_eq(rules_text("default f(_) := 1\np if { x := [1][_]; y := _ }\nf(_, _) := 2"),
                     "default f($0) := 1\np if { x := [1][$1]; y := $2 }\nf($3, $4) := 2\n");
    /* wildcard arguments get fresh names in else links */
    ast_rule *r = rule1("f(_) := 1 if false else := 2", &V1);
    ck_assert_str_eq(r->args[0]->var.name, "$0");
    ck_assert_str_eq(r->else_->args[0]->var.name, "$1");
    ck_assert(r->else_->args[0]->var.wildcard);
}
END_TEST

/* ---- rules, Rego v1 ---- */

START_TEST(rules_v1_complete)
{
    ast_rule *r = rule1("p := 1", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert(r->assign && !r->value_implicit && !r->body_written && !r->is_default);
    ck_assert_int_eq(r->head->kind, AST_VAR);
    ck_assert_str_eq(str_of(r->value), "1");
    ck_assert_int_eq(r->body->n, 0);

    r = rule1("p = 2", &V1);
    ck_assert(!r->assign);

    r = rule1("p if { true }", &V1);
    ck_assert(r->value_implicit && r->body_written);
    ck_assert(val_is_true(r->value->value));
    ck_assert_int_eq(r->body->n, 1);

    r = rule1("p := 3 if {\n x := 1\n x > 0\n}", &V1);
    ck_assert_int_eq(r->body->n, 2);
    ck_assert(r->assign);

    r = rule1("p if input.x > 1", &V1);
    ck_assert(r->body_written);
    ck_assert_int_eq(r->body->n, 1);
    r = rule1("p := 5 if not q", &V1);
    ck_assert(r->body->exprs[0]->negated);
    r = rule1("f(xs) if every x in xs { x != 0 }", &V1);
    ck_assert_int_eq(r->body->exprs[0]->kind, AST_EXPR_EVERY);

    ck_assert_str_eq(rules_text("p := 1\nq = 2 if { true }\nr if true\ns := 5 if input.x\nt if {}\n"),
                     "p := 1\nq = 2 if { true }\nr if { true }\ns := 5 if { input.x }\nt if { {} }\n");
    /* `if { x }` is a body, not a one-element set */
    ck_assert_str_eq(rules_text("p if { x }"), "p if { x }\n");
    ck_assert_str_eq(rules_text("p if { x == 1 }"), "p if { equal(x, 1) }\n");
    ck_assert_str_eq(rules_text("p if {\n a\n b\n}"), "p if { a; b }\n");
}
END_TEST

START_TEST(rules_v1_ref_heads)
{
    ast_rule *r = rule1("a.b.c := 5 if input.x", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert_int_eq(r->head->kind, AST_REF);
    ck_assert_str_eq(str_of(r->head), "a.b.c");
    r = rule1("a.b[x] := y if { x := \"k\"; y := 1 }", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert_str_eq(str_of(r->head), "a.b[x]");
    r = rule1("a[\"k\"].c := 1", &V1);
    ck_assert_str_eq(str_of(r->head), "a.k.c");
    /* v1: p[x] if ... is a single-value rule p[x] with value true */
    r = rule1("p[x] if { x := 1 }", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert(r->value_implicit);
    ck_assert(val_is_true(r->value->value));
    ck_assert_str_eq(str_of(r->head), "p[x]");
    ck_assert_ptr_null(r->key);
    r = rule1("p[\"a\"] if true", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert_str_eq(str_of(r->head), "p.a");
    r = rule1("p[x] = y if { x := 1; y := 2 }", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert_str_eq(str_of(r->value), "y");
    r = rule1("p.q if true", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert_str_eq(str_of(r->head), "p.q");
    /* else is refused when the head has variables */
    ck_assert_str_eq(rules_text("p[x] if { x := 1 } else := 2"),
                     "ERROR 2:20: else keyword cannot be used on rules with variables in head");
    ck_assert_str_eq(rules_text("p.q := 1 if false else := 2"), "p.q := 1 if { false } else := 2\n");
}
END_TEST

START_TEST(rules_v1_partial_sets)
{
    ast_rule *r = rule1("s contains x if { x := 1 }", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_PARTIAL_SET);
    ck_assert_str_eq(str_of(r->head), "s");
    ck_assert_str_eq(str_of(r->key), "x");
    ck_assert_ptr_null(r->value);
    ck_assert(r->body_written);
    r = rule1("s contains \"lit\"", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_PARTIAL_SET);
    ck_assert(!r->body_written);
    ck_assert_int_eq(r->body->n, 0);
    r = rule1("a.b contains x if some x in [1]", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_PARTIAL_SET);
    ck_assert_str_eq(str_of(r->head), "a.b");
    r = rule1("deny contains {\"msg\": m} if m := \"no\"", &V1);
    ck_assert_str_eq(str_of(r->key), "{\"msg\": m}");
    ck_assert_str_eq(rules_text("f(x) contains 1"),
                     "ERROR 2:6: unexpected contains keyword: the contains keyword can only be used with "
                     "multi-value rule definitions (e.g., f contains <VALUE> { ... })");
}
END_TEST

START_TEST(rules_v1_functions)
{
    ast_rule *r = rule1("f(x) := y if { y := x }", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_FUNCTION);
    ck_assert_int_eq(r->nargs, 1);
    ck_assert_str_eq(str_of(r->head), "f");
    r = rule1("f(x, y) if { x > y }", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_FUNCTION);
    ck_assert(r->value_implicit);
    ck_assert_int_eq(r->nargs, 2);
    r = rule1("f(1, [a, b]) := a + b", &V1);
    ck_assert_str_eq(str_of(r->args[0]), "1");
    ck_assert_str_eq(str_of(r->args[1]), "[a, b]");
    ck_assert(!r->body_written);
    r = rule1("a.b.f(x) := 1", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_FUNCTION);
    ck_assert_str_eq(str_of(r->head), "a.b.f");
    r = rule1("f(x) = y if y := x + 1", &V1);
    ck_assert(!r->assign);
    /* a call statement is a function returning true */
    r = rule1("f(x)", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_FUNCTION);
    ck_assert(val_is_true(r->value->value));
    ck_assert_str_eq(rules_text("plus(x, 1)"), "ERROR 2:1: rule name conflicts with built-in function");
    ck_assert_str_eq(rules_text("f()"), "ERROR 2:1: rule argument list must take at least one argument");
    /* f() with a body is OPA's complete rule f */
    r = rule1("f() := 1 if true", &V1);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
}
END_TEST

START_TEST(rules_v1_default_else)
{
    ast_rule *r = rule1("default allow := false", &V1);
    ck_assert(r->is_default && r->assign);
    ck_assert_int_eq(r->body->n, 0);
    ck_assert(!r->body_written);
    r = rule1("default f(_, y) := 1", &V1);
    ck_assert(r->is_default);
    ck_assert_int_eq(r->kind, AST_RULE_FUNCTION);
    r = rule1("default widgets = [x | x = data.fooz[_]]", &V1);
    ck_assert(r->is_default);
    r = rule1("default a", &V1);      /* OPA: value true */
    ck_assert(r->value_implicit);
    ck_assert_str_eq(rules_text("default p := x"), "ERROR 2:1: illegal default rule (value cannot contain var)");
    ck_assert_str_eq(rules_text("default a = b.c.d"), "ERROR 2:1: illegal default rule (value cannot contain ref)");
    ck_assert_str_eq(rules_text("default a = upper(\"foo\")"),
                     "ERROR 2:1: illegal default rule (value cannot contain call)");
    ck_assert_str_eq(rules_text("default f(1) := 1"), "ERROR 2:1: illegal default rule (arguments cannot contain number)");
    ck_assert_str_eq(rules_text("default f(x, x) := 1"),
                     "ERROR 2:1: illegal default rule (arguments cannot be repeated x)");
    ck_assert_str_eq(rules_text("default a[0]"), "ERROR 2:1: illegal default rule (must have a value)");
    ck_assert_str_eq(rules_text("default :="), "ERROR 2:1: unexpected default keyword");
    ck_assert_str_eq(rules_text("default f :="), "ERROR 2:12: unexpected eof token");

    r = rule1("u := 1 if false else := 2 if true else := 3", &V1);
    ck_assert_ptr_nonnull(r->else_);
    ck_assert_ptr_nonnull(r->else_->else_);
    ck_assert_ptr_null(r->else_->else_->else_);
    ck_assert_str_eq(str_of(r->else_->value), "2");
    ck_assert(r->else_->body_written);
    ck_assert(!r->else_->else_->body_written);
    ck_assert_int_eq(r->else_->kind, AST_RULE_COMPLETE);
    ck_assert(r->else_->head == r->head);
    r = rule1("p if { false } else if { true }", &V1);
    ck_assert(r->else_->value_implicit);
    r = rule1("f(x) := 1 if x > 1 else := 2 if { x > 0 } else = 3", &V1);
    ck_assert_int_eq(r->else_->kind, AST_RULE_FUNCTION);
    ck_assert_int_eq(r->else_->nargs, 1);
    ck_assert(!r->else_->else_->assign);
    ck_assert_str_eq(rules_text("p if true else if true"), "p if { true } else if { true }\n");
    ck_assert_str_eq(rules_text("p if true else := 3 if 2 < 1"), "p if { true } else := 3 if { lt(2, 1) }\n");
    ck_assert_str_eq(rules_text("p if true else 1"),
                     "ERROR 2:16: unexpected number token: expected else value term or rule body");
    /* the rule's span covers the else chain */
    ast_module *m = mod("package t\np := 1 if false else := 2");
    ck_assert_int_eq(m->rules[0]->loc.len, 25);
}
END_TEST

START_TEST(rules_v1_errors)
{
    static const char *const cases[][2] = {
        {"p { true }", "ERROR 2:1: `if` keyword is required before rule body"},
        {"f(x) { true }", "ERROR 2:1: `if` keyword is required before function body"},
        {"p[x] { x := 1 }", "ERROR 2:1: `if` keyword is required before rule body"},
        {"p contains x { x := 1 }", "ERROR 2:1: `if` keyword is required before rule body"},
        {"p.q", "ERROR 2:1: `contains` keyword is required for partial set rules"},
        {"p[1]", "ERROR 2:1: `contains` keyword is required for partial set rules"},
        {"a.b.c", "ERROR 2:1: rule must have value assignment and/or body declaration"},
        {"x", "ERROR 2:1: var cannot be used for rule name"},
        {"\"pi\" = 3", "ERROR 2:1: string cannot be used for rule name"},
        {"input", "ERROR 2:1: refs cannot be used for rule head"},
        {"p = 1; q = 2", "ERROR 2:1: multiple expressions cannot be used for rule head"},
        {"not p = 1", "ERROR 2:1: negated expressions cannot be used for rule head"},
        {"some x", "ERROR 2:1: 'some' declarations cannot be used for rule head"},
        {"foo = input with input as 1", "ERROR 2:1: expressions using with keyword cannot be used for rule head"},
        {"[][0]", "ERROR 2:1: invalid rule head: [][0]"},
        {"contains := 1", "ERROR 2:1: contains keyword cannot be used for rule name"},
        {"f(x)[x] { true }", "ERROR 2:1: invalid rule head: f(x)[x]"},
        {"p := 1 +", "ERROR 2:8: unexpected eof token"},
        {"p := 1 +\n", "ERROR 3:0: unexpected eof token"},
        {"p := \"abc", "ERROR 2:6: non-terminated string"},
        {"p := [1, 2", "ERROR 2:10: unexpected eof token: expected \",\" or \"]\""},
        {"p := {1: 2, 3}", "ERROR 2:10: unexpected number token: non-terminated object"},
        {"p := 01", "ERROR 2:6: unexpected number token: expected number without leading zero"},
        {"p := 1e999999", "ERROR 2:6: number too big"},
        {"p := 7e3000000000", "ERROR 2:6: unexpected number token: invalid float"},
        {"p := a. b", "ERROR 2:8: unexpected whitespace token: expected identifier"},
        {"p := a.1", "ERROR 2:8: unexpected number token: expected identifier"},
        {"p := x!", "ERROR 2:7: illegal ! character"},
        {"p := 1 @", "ERROR 2:8: illegal token"},
        {"p { }", "ERROR 2:5: found empty body"},
        {"p if { x | }", "ERROR 2:12: unexpected } token"},
        {"p := [x | ]", "ERROR 2:11: found empty body"},
        {"p if { true; }", "ERROR 2:14: unexpected } token"},
        {"p = [true | true}", "ERROR 2:17: unexpected } token: expected \\n or ; or ]"},
        {"f(x) = y { trim(x, \".\", y) ", "ERROR 2:27: unexpected eof token: expected \\n or ; or }"},
        {"f(_) := { \"foo\" = \"bar\" }", "ERROR 2:17: unexpected eq token: non-terminated set"},
        {"p if { x := 5\n\ty := contains(\"a\"), \"b\")\n}", "ERROR 3:20: unexpected , token: expected \\n or ; or }"},
        {"p if { x := 5\n\ty := {\"a\", \"b\", \"c\"}, \"a\"}\n}", "ERROR 3:22: unexpected , token: expected \\n or ; or }"},
        {"p if { x := 5\n\ty := contains(\"a\", \"b\"\n}", "ERROR 4:1: unexpected } token: expected \",\" or \")\""},
        {"p if { x := 5\n\ty := {{\"a\", \"b\", \"c\"}, \"a\"\n}", "ERROR 4:1: unexpected eof token: expected \\n or ; or }"},
        {"p if { x := 5\n\ty := [[\"a\", \"b\", \"c\"], \"a\"\n}", "ERROR 4:1: unexpected } token: expected \",\" or \"]\""},
        {".", "ERROR 2:1: unexpected eof token: expected number"},
        {"p if { false } else { false } { true }", "ERROR 2:31: expected else keyword"},
        {"p if { false } { false } else { true }", "ERROR 2:26: unexpected else keyword"},
        {"p := 1 if false else := 2 else := 3", "ERROR 2:27: unexpected else keyword"},
        {"p if { x := [1][_\n}", "ERROR 3:1: unexpected } token: expected ]"},
        {"import foo.bar", "ERROR 2:8: unexpected import path, must begin with one of: {data, future, input, rego}, "
                           "got: foo (hint: if this is unexpected, try updating OPA)"},
        {"import data.foo[x]", "ERROR 2:17: unexpected var token: expecting string"},
        {"import input.foo[0]", "ERROR 2:18: unexpected number token: expecting string"},
        {"import data.x.if", "ERROR 2:15: unexpected import path, must not end with a keyword, got: if"},
        {"import input as A(", "ERROR 2:18: unexpected eof token"},
        {"import input as 1", "ERROR 2:17: unexpected number token: expected var"},
        {"import future", "ERROR 2:8: invalid import, must be `future.keywords`"},
        {"import future.a", "ERROR 2:8: invalid import, must be `future.keywords`"},
        {"import future.keywords.xyz", "ERROR 2:8: unexpected keyword, must be one of [contains every if in]"},
        {"import future.keywords as xyz", "ERROR 2:8: `future` imports cannot be aliased"},
        {"import rego.v2", "ERROR 2:8: invalid import `rego.v2`, must be `rego.v1`"},
        {"package b", "ERROR 2:1: unexpected package"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = rules_text(cases[i][0]);
        if (strcmp(got, cases[i][1]) != 0)
            ck_abort_msg("case %zu: %s\n  got:  %s\n  want: %s", i, cases[i][0], got, cases[i][1]);
    }
    /* every error is a rego_parse_error with the file name */
    mod("package t\np { true }");
    ck_assert_str_eq(E.head->code, "rego_parse_error");
    ck_assert_str_eq(E.head->file, "t.rego");
    /* v1 checks are reported together */
    mod("package t\np[x] { x := 1 }");
    ck_assert_int_eq(E.n, 2);
    ck_assert_str_eq(E.head->next->message, "`contains` keyword is required for partial set rules");
}
END_TEST

START_TEST(module_structure)
{
    ast_module *m = mod("package a.b[\"c\"].d\n\nimport data.x.y\nimport input.z as zz\nimport rego.v1\n"
                        "import future.keywords.in\nimport data\n\np := 1\nq := 2\n");
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(str_of(m->package), "data.a.b.c.d");
    ck_assert_int_eq(m->package->ref.items[0]->kind, AST_VAR);
    ck_assert_int_eq(m->package_loc.row, 1);
    ck_assert_int_eq(m->package_loc.len, 18);
    ck_assert_int_eq(m->nimports, 5);
    ck_assert_str_eq(str_of(m->imports[0].path), "data.x.y");
    ck_assert_ptr_null(m->imports[0].alias);
    ck_assert_str_eq(m->imports[1].alias, "zz");
    ck_assert_int_eq(m->imports[4].path->kind, AST_VAR);
    ck_assert(m->imports_rego_v1);
    ck_assert_int_eq(m->version, AST_REGO_V1);
    ck_assert_int_eq(m->nrules, 2);
    ck_assert_ptr_eq(m->rules[0]->module, m);
    ck_assert_str_eq(m->file, "t.rego");
    ck_assert_int_eq(m->source_len, strlen(m->source));
    ck_assert_ptr_eq(m->arena, A);
    /* package keyword-named parts and quoted parts */
    ck_assert_str_eq(mod_text("package not.x"), "package not.x\n");
    ck_assert_str_eq(mod_text("package x[\"a b\"]"), "package x[\"a b\"]\n");
    ck_assert_str_eq(mod_text("package foo[x]"), "ERROR 1:13: unexpected var token: expecting string");
    ck_assert_str_eq(mod_text("package 42"), "ERROR 1:9: unexpected number token");
    ck_assert_str_eq(mod_text("package e().s"), "ERROR 1:9: unexpected call token: expecting var");
    /* empty modules and modules without a package */
    ck_assert_str_eq(mod_text(""), "ERROR 0:0: empty module");
    ck_assert_str_eq(mod_text("   # only a comment\n"), "ERROR 0:0: empty module");
    ck_assert_str_eq(mod_text("p := 1"), "ERROR 1:1: package expected");
    /* statements may share a line */
    ck_assert_str_eq(mod_text("package a import data.b p := 1 q := 2"), "package a\nimport data.b\np := 1\nq := 2\n");
    /* imports may come after rules */
    m = mod("package a\np := 1\nimport data.x");
    ck_assert_int_eq(m->nimports, 1);
}
END_TEST

/* ---- Rego v0 ---- */

START_TEST(rules_v0)
{
    ck_assert_str_eq(rules_text0("p { true }\n"), "p if { true }\n");
    ast_rule *r = rule1("p[x] { x := 1 }", &V0);
    ck_assert_int_eq(r->kind, AST_RULE_PARTIAL_SET);
    ck_assert_str_eq(str_of(r->head), "p");
    ck_assert_str_eq(str_of(r->key), "x");
    r = rule1("o[k] = v { k := \"a\"; v := 2 }", &V0);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert_str_eq(str_of(r->head), "o[k]");
    ck_assert_str_eq(str_of(r->value), "v");
    r = rule1("f(x) = y { y := x }", &V0);
    ck_assert_int_eq(r->kind, AST_RULE_FUNCTION);
    r = rule1("q = 1 { false } else = 2 { true }", &V0);
    ck_assert_str_eq(str_of(r->else_->value), "2");
    r = rule1("p.q { true }", &V0);        /* a multi-value rule p with element "q" */
    ck_assert_int_eq(r->kind, AST_RULE_PARTIAL_SET);
    ck_assert_str_eq(str_of(r->key), "\"q\"");
    r = rule1("p.q.r { true }", &V0);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert(r->value_implicit);
    r = rule1("z[1]", &V0);
    ck_assert_int_eq(r->kind, AST_RULE_PARTIAL_SET);
    r = rule1("a.b.c", &V0);
    ck_assert_int_eq(r->kind, AST_RULE_COMPLETE);
    ck_assert(r->value_implicit && !r->body_written);
    /* bodies chained on one head */
    ck_assert_str_eq(rules_text0("r { x := 1 } { x := 2 }"), "r if { x := 1 }\nr if { x := 2 }\n");
    ck_assert_str_eq(rules_text0("p[x] = y {\n\tx = \"a\"\n\ty = 1\n} {\n\tx = \"b\"\n\ty = 2\n}\nq = 1\n"),
                     "p[x] = y if { x = \"a\"; y = 1 }\np[x] = y if { x = \"b\"; y = 2 }\nq = 1\n");
    ck_assert_str_eq(rules_text0("p[1] { false } else { true }"),
                     "ERROR 2:16: else keyword cannot be used on multi-value rules");
    ck_assert_str_eq(rules_text0("_ { x > 0 } else { x == -1 }"), "$0 if { gt(x, 0) } else if { equal(x, -1) }\n");
    ck_assert_str_eq(rules_text0("f(x) { x < 100 } else = false { x > 200 } else { x != 150 }"),
                     "f(x) if { lt(x, 100) } else = false if { gt(x, 200) } else if { neq(x, 150) }\n");
    ck_assert_str_eq(rules_text0("nobody = 1 { false } else = 7"), "nobody = 1 if { false } else = 7\n");
    ck_assert_str_eq(rules_text0("p[x] = y { true }\ninput = 1\ndata = 2\nd1 := 1234\nbar.qux\nfoo[\"9\"] = \"10\""),
                     "p[x] = y if { true }\ninput = 1\ndata = 2\nd1 := 1234\nbar contains \"qux\"\nfoo[\"9\"] = \"10\"\n");
    ast_module *m = mod_opts("package t\np { true }", &V0);
    ck_assert_int_eq(m->version, AST_REGO_V0);
    ck_assert(!m->imports_rego_v1);
}
END_TEST

START_TEST(keywords_v0)
{
    /* without imports in/every/contains/if are identifiers */
    ck_assert_str_eq(rules_text0("in := 1\nif := 2\nevery := 3\ncontains(a, b) = true { true }"),
                     "in := 1\nif := 2\nevery := 3\ncontains(a, b) = true if { true }\n");
    ck_assert_str_eq(rules_text0("p { some x\n in[x] }"), "p if { some x; in[x] }\n");
    ck_assert_str_eq(rules_text0("p { x in xs }"), "ERROR 2:7: unexpected identifier token: expected \\n or ; or }");
    ck_assert_str_eq(query_text_opts("x in xs", &V0), "x; in; xs");
    /* the helpful hints OPA gives */
    ck_assert_str_eq(rules_text0("p {\n some x in [1]\n}"),
                     "ERROR 3:9: unexpected identifier token: expected \\n or ; or } (hint: `import "
                     "future.keywords.in` for `some x in xs` expressions)");
    ck_assert_str_eq(rules_text0("p {\n every x, y in {\"foo\": \"bar\"} { is_string(x) }\n}"),
                     "ERROR 3:8: unexpected identifier token: expected \\n or ; or } (hint: `import "
                     "future.keywords.every` for `every x in xs { ... }` expressions)");
    ck_assert_str_eq(rules_text0("p {\n every x\n}"), "ERROR 3:8: unexpected identifier token: expected \\n or ; or }");
    /* imports switch them on from there */
    ck_assert_str_eq(rules_text0("import future.keywords.in\np { 1 in [1] }"),
                     "import future.keywords.in\np if { internal.member_2(1, [1]) }\n");
    ck_assert_str_eq(rules_text0("import future.keywords.every\np { every x in [1] { x } }"),
                     "import future.keywords.every\np if { every x in [1] { x } }\n");
    ck_assert_str_eq(rules_text0("import future.keywords.contains\nimport future.keywords.if\np contains 1 if true"),
                     "import future.keywords.contains\nimport future.keywords.if\np contains 1 if { true }\n");
    ck_assert_str_eq(rules_text0("import future.keywords\np contains x if { some x in [1] }"),
                     "import future.keywords\np contains x if { some x in [1] }\n");
    /* rego.v1 turns on the keywords and the v1 checks */
    ck_assert_str_eq(rules_text0("import rego.v1\np contains x if { some x in [1] }"),
                     "import rego.v1\np contains x if { some x in [1] }\n");
    ck_assert_str_eq(rules_text0("import rego.v1\np { true }"), "ERROR 3:1: `if` keyword is required before rule body");
    ck_assert_str_eq(rules_text0("import rego.v1 as x"), "ERROR 2:8: `rego` imports cannot be aliased");
    ast_module *m = mod_opts("package t\nimport rego.v1\np if true", &V0);
    ck_assert(m->imports_rego_v1);
    /* in v1 they are always keywords, but `contains` names the builtin */
    ck_assert_str_eq(query_text("contains(x, \"a\")"), "contains(x, \"a\")");
    ck_assert_str_eq(rules_text("in := 1"), "ERROR 2:1: unexpected in keyword");
    /* keywords name ref parts, and refs that start with one */
    ck_assert_str_eq(query_text("x := input.import.as.else"), "x := input.import.as.else");
    ck_assert_str_eq(query_text("not.x"), "not.x");
}
END_TEST

/* ---- locations ---- */

START_TEST(locations)
{
    const char *src = "package t\n\np := 1 if {\n  not x with input as 2\n  y := [1, 2]\n}\n";
    ast_module *m = mod(src);
    ck_assert_ptr_nonnull(m);
    ast_rule *r = m->rules[0];
    ck_assert_int_eq(r->loc.row, 3);
    ck_assert_int_eq(r->loc.col, 1);
    ck_assert_int_eq(r->loc.off, 11);
    ck_assert_str_eq(r->loc.file, "t.rego");
    ck_assert_int_eq(r->loc.len, strlen(src) - 1 - 11);
    ast_expr *e = r->body->exprs[0];
    ck_assert_int_eq(e->loc.row, 4);
    ck_assert_int_eq(e->loc.col, 3);
    ck_assert(memcmp(m->source + e->loc.off, "not x with input as 2", e->loc.len) == 0);
    ck_assert_int_eq(e->loc.len, 21);
    ck_assert_int_eq(e->term->loc.col, 7);
    e = r->body->exprs[1];
    ck_assert_int_eq(e->rhs->loc.col, 8);
    ck_assert_int_eq(e->rhs->loc.len, 6);
    ck_assert_int_eq(e->rhs->coll.items[1]->loc.col, 12);
    ck_assert_int_eq(r->body->loc.row, 3);
    ck_assert_int_eq(r->body->loc.col, 11);
    ck_assert_int_eq(r->value->loc.col, 6);
    ck_assert_int_eq(r->head->loc.col, 1);
    /* query locations have an empty file name */
    ast_body *b = query_opts("x = 1\n  y = [a.b[c], f(x)]", &V1);
    ck_assert_str_eq(b->exprs[0]->loc.file, "");
    ast_term *arr = b->exprs[1]->rhs;
    ck_assert_int_eq(arr->loc.row, 2);
    ck_assert_int_eq(arr->coll.items[0]->loc.col, 8);
    ck_assert_int_eq(arr->coll.items[0]->loc.len, 6);
    ck_assert_int_eq(arr->coll.items[1]->loc.len, 4);
    ck_assert_int_eq(arr->coll.items[0]->ref.items[1]->loc.col, 10);
    /* an operator call spans its operands (from a leading parenthesis on) */
    b = query_opts("(1 + 2) * 3", &V1);
    ck_assert_int_eq(b->exprs[0]->term->loc.off, 0);
    ck_assert_int_eq(b->exprs[0]->term->loc.len, 11);
    ck_assert_int_eq(b->exprs[0]->term->call.args[0]->loc.off, 1);
    /* columns count characters */
    b = query_opts("\"\xC3\xA9\" = x", &V1);
    ck_assert_int_eq(b->exprs[0]->rhs->loc.col, 7);
    ck_assert_int_eq(b->exprs[0]->rhs->loc.off, 7);
    /* with modifiers have their own locations (as OPA) */
    b = query_opts("a with b as c\n\t\twith d as e", &V1);
    ck_assert_int_eq(b->exprs[0]->withs[1].loc.row, 2);
    ck_assert_int_eq(b->exprs[0]->withs[1].loc.col, 3);
    ck_assert_int_eq(b->exprs[0]->withs[1].loc.off, 16);
    /* rules written as statements span the statement */
    m = mod("package t\npi = 3.14159\np[x] { x = 1 }\ngreeting = \"hello\"");
    ck_assert_ptr_null(m);
    m = mod_opts("package t\npi = 3.14159\np[x] { x = 1 }\ngreeting = \"hello\"", &V0);
    for (int i = 0; i < m->nrules; i++) {
        ck_assert_int_eq(m->rules[i]->loc.row, 2 + i);
        ck_assert_int_eq(m->rules[i]->loc.col, 1);
    }
}
END_TEST

/* ---- robustness ---- */

static char *repeat(const char *prefix, const char *s, int n, const char *mid, const char *s2, int n2,
                    const char *suffix)
{
    size_t len = strlen(prefix) + strlen(s) * n + strlen(mid) + strlen(s2) * n2 + strlen(suffix) + 1;
    char *b = malloc(len);
    char *q = b;
    q += sprintf(q, "%s", prefix);
    for (int i = 0; i < n; i++)
        q += sprintf(q, "%s", s);
    q += sprintf(q, "%s", mid);
    for (int i = 0; i < n2; i++)
        q += sprintf(q, "%s", s2);
    sprintf(q, "%s", suffix);
    return b;
}

static const char *deep_inputs[][3] = {
    {"[", "]", ""}, {"{", "}", ""}, {"(", ")", ""}, {"[x | x := ", "]", ""}, {"f(", ")", ""},
    {"{\"a\": ", "}", ""}, {"a[", "]", ""}, {"$\"{", "}\"", ""}, {"[1, ", "]", ""},
    {"1 + (", ")", ""}, {"{x | some x in ", "}", ""}, {"every x in [1] { ", " }", "e"},
};

typedef struct deep_job {
    int failures;
    char msg[256];
} deep_job;

static void *run_deep(void *arg)
{
    deep_job *job = arg;
    arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof deep_inputs / sizeof deep_inputs[0]; i++) {
        for (int open_only = 0; open_only < 2; open_only++) {
            const char *pre = deep_inputs[i][2][0] == 'e' ? "package x\np if { " : "package x\np := ";
            const char *post = deep_inputs[i][2][0] == 'e' ? " }\n" : "\n";
            char *src = repeat(pre, deep_inputs[i][0], 100000, "1", deep_inputs[i][1],
                               open_only ? 0 : 100000, post);
            rego_errors errs = {0};
            ast_module *m = rego_parse_module(a, "deep.rego", src, strlen(src), &V1, &errs);
            if (m || errs.n == 0) {
                job->failures++;
                snprintf(job->msg, sizeof job->msg, "deep input %zu parsed", i);
            } else if (!open_only && i < 10 &&
                       !strstr(errs.head->message, "max parsing recursion depth exceeded")) {
                job->failures++;
                snprintf(job->msg, sizeof job->msg, "deep input %zu: %s", i, errs.head->message);
            }
            rego_errors_free(&errs);
            free(src);
            arena_reset(a);
        }
    }
    /* long operator chains nest as deeply */
    char *src = repeat("package x\np := ", "1 + ", 100000, "1", "", 0, "\n");
    rego_errors errs = {0};
    if (rego_parse_module(a, "deep.rego", src, strlen(src), &V1, &errs) ||
        !strstr(errs.head->message, "max parsing recursion depth exceeded")) {
        job->failures++;
        snprintf(job->msg, sizeof job->msg, "long chain");
    }
    rego_errors_free(&errs);
    free(src);
    /* ... and a chain within the limit parses */
    src = repeat("package x\np := ", "1 + ", 500, "1", "", 0, "\n");
    if (!rego_parse_module(a, "ok.rego", src, strlen(src), &V1, &errs)) {
        job->failures++;
        snprintf(job->msg, sizeof job->msg, "chain of 500: %s", errs.head->message);
    }
    rego_errors_free(&errs);
    free(src);
    /* long else chains are bounded too */
    src = repeat("package x\np := 1 if false ", "else := 1 if false ", 5000, "", "", 0, "\n");
    if (rego_parse_module(a, "else.rego", src, strlen(src), &V1, &errs)) {
        job->failures++;
        snprintf(job->msg, sizeof job->msg, "else chain");
    }
    rego_errors_free(&errs);
    free(src);
    arena_free(a);
    return NULL;
}

START_TEST(robust_deep_nesting)
{
    /* On a thread with a small stack: nesting must end in an error, not in
     * a stack overflow.  Sanitizers make frames several times larger. */
#if defined(__SANITIZE_ADDRESS__)
    size_t stack = 4 << 20;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    size_t stack = 4 << 20;
#else
    size_t stack = 1 << 20;
#endif
#else
    size_t stack = 1 << 20;
#endif
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack);
    pthread_t th;
    deep_job job = {0, ""};
    ck_assert_int_eq(pthread_create(&th, &attr, run_deep, &job), 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    ck_assert_msg(job.failures == 0, "%s", job.msg);
}
END_TEST

START_TEST(robust_backtracking_is_linear)
{
    /* Each level invites re-parsing the level below ([[..]+1]+1): without
     * the term cache this is exponential. */
    char *src = repeat("package x\np := ", "[", 200, "1", "]+1", 200, "\n");
    ast_module *m = mod(src);
    ck_assert_ptr_nonnull(m);
    free(src);
    src = repeat("package x\np := ", "{", 150, "a", "}|1", 150, "\n");
    m = mod(src);
    ck_assert_ptr_nonnull(m);
    free(src);
    src = repeat("package x\np := ", "{a: ", 200, "1", "} | 1", 200, "\n");
    mod(src);       /* an error, quickly */
    free(src);
}
END_TEST

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) & 0xFFFFFF;
}

START_TEST(robust_garbage)
{
    static const char *const pieces[] = {
        "[", "]", "{", "}", "(", ")", ",", ":", "|", "&", "x", "1", "-", ".", "\"s\"", " ", "\n",
        "if", "else", "some", "in", "every", "not", ":=", "=", "==", "with", "as", "import",
        "package", "default", "contains", "$\"a{", "$`b{", "`raw`", "#c\n", "+", ";", "_", "data.",
        "input", "1.5e3", "\"\\u00e9\"", "\"unterminated", "f(", "set()", "0", "01", "!=", "\t",
        "\xC3\xA9", "\xff", "@", "\\", "\"\\x\"", "p := ", "p if ", "package a\n",
    };
    const int npieces = sizeof pieces / sizeof pieces[0];
    strbuf sb = STRBUF_INIT;
    for (int iter = 0; iter < 4000; iter++) {
        sb_reset(&sb);
        if (iter % 2)
            sb_puts(&sb, "package p\n");
        int n = 1 + (int)(rnd() % 40);
        for (int i = 0; i < n; i++) {
            if (iter % 7 == 0)
                sb_putc(&sb, (char)(rnd() & 0xFF));
            else
                sb_puts(&sb, pieces[rnd() % npieces]);
        }
        const char *s = sb.data ? sb.data : "";
        size_t len = sb.len;
        rego_errors errs = {0};
        const parse_opts *o = iter % 3 == 0 ? &V0 : &V1;
        ast_module *m = rego_parse_module(A, "g.rego", s, len, o, &errs);
        ck_assert(m || errs.n > 0);
        if (m) {
            strbuf out = STRBUF_INIT;
            ast_write_module(&out, m);
            sb_free(&out);
        }
        rego_errors_free(&errs);
        ast_body *b = rego_parse_query(A, s, len, o, &errs);
        ck_assert(b || errs.n > 0);
        rego_errors_free(&errs);
        ast_term *t = rego_parse_term(A, s, len, o, &errs);
        if (t)
            ast_term_to_value(A, t);
        rego_errors_free(&errs);
        for (rego_error *e = errs.head; e; e = e->next)
            ck_assert_int_ge(e->row, 0);
        if (iter % 100 == 99)
            arena_reset(A);
    }
    sb_free(&sb);
}
END_TEST

START_TEST(robust_memory_limit)
{
    const char *src = "package t\np := [1, 2, 3, {\"a\": [4, 5, 6]}] if { x := [y | y := [1, 2][_]]; count(x) > 0 }\n";
    int failed = 0, passed = 0;
    for (size_t limit = 256; limit < 65536; limit += 512) {
        arena *a = arena_new(1024);
        a->limit = limit;
        rego_errors errs = {0};
        ast_module *m = rego_parse_module(a, "t.rego", src, strlen(src), &V1, &errs);
        if (m) {
            passed++;
        } else {
            failed++;
            ck_assert_int_ge(errs.n, 1);
        }
        ck_assert_ptr_null(a->oom);     /* the handler is put back */
        rego_errors_free(&errs);
        arena_free(a);
    }
    ck_assert_int_gt(failed, 0);
    ck_assert_int_gt(passed, 0);
    /* a caller's handler is left in place */
    arena *a = arena_new(1024);
    jmp_buf jb;
    a->oom = &jb;
    rego_errors errs = {0};
    ck_assert_ptr_nonnull(rego_parse_module(a, "t.rego", src, strlen(src), &V1, &errs));
    ck_assert_ptr_eq(a->oom, &jb);
    arena_free(a);
}
END_TEST

START_TEST(errors_api)
{
    rego_errors errs = {0};
    ast_loc loc = {"f.rego", 3, 7, 0, 0};
    rego_errors_add(&errs, "rego_compile_error", &loc, "bad %s %d", "thing", 42);
    rego_errors_add(&errs, "rego_parse_error", NULL, "no location");
    ck_assert_int_eq(errs.n, 2);
    ck_assert_str_eq(errs.head->message, "bad thing 42");
    ck_assert_str_eq(errs.head->file, "f.rego");
    ck_assert_int_eq(errs.head->row, 3);
    ck_assert_str_eq(errs.tail->file, "");
    ck_assert_int_eq(errs.tail->row, 0);
    rego_errors_free(&errs);
    ck_assert_int_eq(errs.n, 0);
    ck_assert_ptr_null(errs.head);
    rego_errors_add(NULL, "x", NULL, "ignored");
}
END_TEST

/* ---- OPA's conformance modules ---- */

typedef struct conf {
    int modules, queries, terms, failures;
    ast_rego_version version;
    const char *file;
    strbuf report;
    arena *a;
} conf;

static void conf_fail(conf *c, const char *what, const char *text, rego_errors *errs)
{
    c->failures++;
    if (c->failures <= 10)
        sb_printf(&c->report, "%s: %s %d:%d: %s\n---\n%s\n---\n", c->file, what,
                  errs->head ? errs->head->row : 0, errs->head ? errs->head->col : 0,
                  errs->head ? errs->head->message : "?", text);
}

static void conf_item(conf *c, const char *key, const char *text, size_t len)
{
    parse_opts o = {.version = c->version};
    rego_errors errs = {0};
    if (strcmp(key, "modules") == 0) {
        c->modules++;
        if (!rego_parse_module(c->a, "module.rego", text, len, &o, &errs))
            conf_fail(c, "module", text, &errs);
    } else if (strcmp(key, "query") == 0) {
        c->queries++;
        if (!rego_parse_query(c->a, text, len, &o, &errs))
            conf_fail(c, "query", text, &errs);
    } else if (strcmp(key, "input_term") == 0) {
        c->terms++;
        if (!rego_parse_term(c->a, text, len, &o, &errs))
            conf_fail(c, "input_term", text, &errs);
    }
    rego_errors_free(&errs);
    arena_reset(c->a);
}

/* Walks a YAML file's events: the scalars under `modules:` sequences and
 * the `query:` and `input_term:` values. */
static void conf_file(conf *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    yaml_parser_t yp;
    yaml_parser_initialize(&yp);
    yaml_parser_set_input_file(&yp, f);
    struct frame {
        bool mapping, want_key, modules;
        char key[32];
    } st[64];
    int n = 0;
    c->file = path;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&yp, &ev)) {
            c->failures++;
            sb_printf(&c->report, "%s: YAML error\n", path);
            break;
        }
        yaml_event_type_t t = ev.type;
        struct frame *top = n > 0 ? &st[n - 1] : NULL;
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
            bool modules = t == YAML_SEQUENCE_START_EVENT && top && top->mapping && !top->want_key &&
                           strcmp(top->key, "modules") == 0;
            if (n < 64)
                st[n] = (struct frame){t == YAML_MAPPING_START_EVENT, true, modules, ""};
            n++;
        } else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) {
            n--;
            if (n > 0 && n <= 64 && st[n - 1].mapping)
                st[n - 1].want_key = true;
        } else if ((t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) && top && n <= 64) {
            const char *v = t == YAML_SCALAR_EVENT ? (const char *)ev.data.scalar.value : "";
            size_t len = t == YAML_SCALAR_EVENT ? ev.data.scalar.length : 0;
            if (top->mapping && top->want_key) {
                snprintf(top->key, sizeof top->key, "%s", v);
                top->want_key = false;
            } else if (top->mapping) {
                if (t == YAML_SCALAR_EVENT)
                    conf_item(c, top->key, v, len);
                top->want_key = true;
            } else if (top->modules && t == YAML_SCALAR_EVENT) {
                conf_item(c, "modules", v, len);
            }
        }
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&yp);
    fclose(f);
}

static void conf_dir(conf *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat sbuf;
        if (stat(path, &sbuf) != 0)
            continue;
        if (S_ISDIR(sbuf.st_mode))
            conf_dir(c, path);
        else if (strstr(de->d_name, ".yaml"))
            conf_file(c, path);
    }
    closedir(d);
}

START_TEST(conformance_sources_parse)
{
    const char *root = getenv("VERDICT_CONFORMANCE_DIR");
    if (!root)
        root = "../shared/opa-conformance";
    char v1[4096], v0[4096];
    snprintf(v1, sizeof v1, "%s/v1", root);
    snprintf(v0, sizeof v0, "%s/v0", root);
    struct stat sbuf;
    if (stat(v1, &sbuf) != 0) {
        fprintf(stderr, "test_parse: %s not found, conformance sources not checked\n", v1);
        return;
    }
    conf c;
    memset(&c, 0, sizeof c);
    c.a = arena_new(0);
    c.version = AST_REGO_V1;
    conf_dir(&c, v1);
    int v1_modules = c.modules;
    c.version = AST_REGO_V0;
    conf_dir(&c, v0);
    fprintf(stderr, "test_parse: conformance sources: %d modules (%d v1, %d v0), %d queries, "
                    "%d input terms, %d failures\n",
            c.modules, v1_modules, c.modules - v1_modules, c.queries, c.terms, c.failures);
    arena_free(c.a);
    ck_assert_msg(c.failures == 0, "%s", c.report.data ? c.report.data : "");
    sb_free(&c.report);
    ck_assert_int_gt(c.modules, 1000);
    ck_assert_int_gt(c.queries, 1000);
}
END_TEST

Suite *suite_parse(void)
{
    Suite *s = suite_create("parse");
    TCase *tc = tcase_create("lex");
    tcase_add_test(tc, lex_tokens_and_positions);
    tcase_add_test(tc, lex_keywords_follow_flags);
    tcase_add_test(tc, lex_errors);
    tcase_add_test(tc, lex_columns_count_characters);
    tcase_add_test(tc, lex_templates);
    suite_add_tcase(s, tc);

    tc = tcase_create("terms");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, terms_scalars);
    tcase_add_test(tc, terms_strings);
    tcase_add_test(tc, terms_composites);
    tcase_add_test(tc, terms_comprehensions);
    tcase_add_test(tc, terms_refs_and_calls);
    tcase_add_test(tc, terms_templates);
    tcase_add_test(tc, terms_to_value);
    tcase_add_test(tc, operators_precedence);
    suite_add_tcase(s, tc);

    tc = tcase_create("expressions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, expressions_kinds);
    tcase_add_test(tc, expressions_some_every);
    tcase_add_test(tc, expressions_with);
    tcase_add_test(tc, expressions_newlines);
    tcase_add_test(tc, wildcards_are_renamed);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rules_v1_complete);
    tcase_add_test(tc, rules_v1_ref_heads);
    tcase_add_test(tc, rules_v1_partial_sets);
    tcase_add_test(tc, rules_v1_functions);
    tcase_add_test(tc, rules_v1_default_else);
    tcase_add_test(tc, rules_v1_errors);
    tcase_add_test(tc, module_structure);
    tcase_add_test(tc, rules_v0);
    tcase_add_test(tc, keywords_v0);
    tcase_add_test(tc, locations);
    suite_add_tcase(s, tc);

    tc = tcase_create("robustness");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, robust_deep_nesting);
    tcase_add_test(tc, robust_backtracking_is_linear);
    tcase_add_test(tc, robust_garbage);
    tcase_add_test(tc, robust_memory_limit);
    tcase_add_test(tc, errors_api);
    suite_add_tcase(s, tc);

    tc = tcase_create("conformance");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, conformance_sources_parse);
    suite_add_tcase(s, tc);
    return s;
}
