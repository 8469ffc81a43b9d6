/* graphql.c — builtin group "graphql": graphql.is_valid, graphql.parse,
 * graphql.parse_and_verify, graphql.parse_query, graphql.parse_schema,
 * graphql.schema_is_valid.
 *
 * Behaviour follows OPA's topdown/graphql.go over the Go library gqlparser
 * (graphql_parse.c, graphql_validate.c, graphql_ast.c):
 *  - queries and schemas are strings, or (except for parse_query and
 *    parse_schema) the AST objects these builtins return;
 *  - ASTs come back as gqlparser's structs in JSON form, pruned of
 *    positions, nulls and empty arrays and objects;
 *  - errors read as OPA words them: a gqlparser error "input:L:C: msg"
 *    becomes "msg in GraphQL string at location L:C" (a trailing ".\n" of
 *    validation errors dropped, later errors kept in the text as OPA keeps
 *    them), anything else "GraphQL parse error: ..."; an invalid schema is
 *    "Error in gqlparser SchemaDocument to Schema conversion: input:L:C: msg".
 *
 * Everything is built in the evaluation's arena. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "graphql_ast.h"
#include "graphql_parse.h"
#include "graphql_validate.h"

/* gqlerror.Error.Error(): "input:L:C: msg" or "input: msg". */
static void gqlerror_text(strbuf *sb, const char *msg, bool has_loc, int line, int col)
{
    sb_puts(sb, "input");
    if (has_loc)
        sb_printf(sb, ":%d:%d", line, col);
    sb_puts(sb, ": ");
    sb_puts(sb, msg);
}

static bool parse_uint(const char *s, size_t n, unsigned long long *out)
{
    if (!n)
        return false;
    unsigned long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (~0ULL - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

/* OPA's formatGqlParserError, into the builtin's error message.  Should the
 * message not fit, its text is shortened so that the location survives. */
static bi_status format_error(bi_ctx *c, const char *text)
{
    const char *p[3];
    size_t len[3];
    int parts = 0;
    const char *s = text;
    while (parts < 3) {
        const char *colon = strchr(s, ':');
        if (!colon)
            break;
        p[parts] = s;
        len[parts] = (size_t)(colon - s);
        parts++;
        s = colon + 1;
    }
    unsigned long long row, col;
    if (parts == 3 && parse_uint(p[1], len[1], &row) && parse_uint(p[2], len[2], &col)) {
        while (*s == ' ')
            s++;
        size_t n = strlen(s);
        if (n >= 2 && s[n - 2] == '.' && s[n - 1] == '\n')
            n -= 2;
        char suffix[80];
        snprintf(suffix, sizeof suffix, " in GraphQL string at location %llu:%llu", row, col);
        size_t room = sizeof c->err_msg - 1 - strlen(suffix);
        if (n > room) {
            n = room;
            while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--; /* not in the middle of a UTF-8 sequence */
        }
        return bi_error(c, "%.*s%s", (int)n, s, suffix);
    }
    return bi_error(c, "GraphQL parse error: %s", text);
}

static bi_status parse_error(bi_ctx *c, const gql_error *e)
{
    strbuf sb = STRBUF_INIT;
    gqlerror_text(&sb, e->msg, e->has_loc, e->line, e->col);
    bi_status st = format_error(c, sb.data);
    sb_free(&sb);
    return st;
}

/* The query argument: a string to parse or an AST object to decode.
 * BI_UNDEF when it is neither (the caller decides what that means). */
static bi_status get_query(bi_ctx *c, const val *arg, gql_query_doc **out)
{
    gql_error e;
    if (val_kind_of(arg) == VAL_STRING) {
        *out = gql_parse_query(c->a, val_str(arg), val_len(arg), &e);
        return *out ? BI_OK : parse_error(c, &e);
    }
    if (val_kind_of(arg) == VAL_OBJECT) {
        char msg[400];
        *out = gql_query_from_val(c->a, arg, msg, sizeof msg);
        return *out ? BI_OK : bi_error(c, "%s", msg);
    }
    return BI_UNDEF;
}

static bi_status get_schema_doc(bi_ctx *c, const val *arg, gql_schema_doc **out)
{
    gql_error e;
    if (val_kind_of(arg) == VAL_STRING) {
        *out = gql_parse_schema(c->a, val_str(arg), val_len(arg), false, &e);
        return *out ? BI_OK : parse_error(c, &e);
    }
    if (val_kind_of(arg) == VAL_OBJECT) {
        char msg[400];
        *out = gql_schema_from_val(c->a, arg, msg, sizeof msg);
        return *out ? BI_OK : bi_error(c, "%s", msg);
    }
    return BI_UNDEF;
}

/* convertSchema */
static bi_status build_schema(bi_ctx *c, gql_schema_doc *doc, gql_schema **out)
{
    gql_error e;
    *out = gql_build_schema(c->a, doc, &e);
    if (*out)
        return BI_OK;
    strbuf sb = STRBUF_INIT;
    gqlerror_text(&sb, e.msg, e.has_loc, e.line, e.col);
    bi_status st = bi_error(c, "Error in gqlparser SchemaDocument to Schema conversion: %s", sb.data);
    sb_free(&sb);
    return st;
}

/* validateQuery: every error as gqlerror.List prints them, then formatted
 * (the builtin's message holds the first few hundred bytes of it). */
static bi_status validate(bi_ctx *c, gql_schema *schema, gql_query_doc *doc)
{
    gql_list errors = {0};
    if (!gql_validate_query(c->a, schema, doc, &errors))
        return BI_OK;
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < errors.n && sb.len < 4 * sizeof c->err_msg; i++) {
        gql_verror *e = errors.items[i];
        gqlerror_text(&sb, e->msg, e->pos.set, e->pos.line, e->pos.col);
        sb_putc(&sb, '\n');
    }
    bi_status st = format_error(c, sb.data);
    sb_free(&sb);
    return st;
}

/* Runs fn with an out-of-memory handler when the arena has none (a caller
 * outside the VM), so that a failed allocation is an error, not a crash. */
typedef bi_status (*impl_fn)(bi_ctx *c, val *const *args, val **out);

static bi_status guarded(bi_ctx *c, val *const *args, val **out, impl_fn fn)
{
    arena *a = c->a;
    if (a->oom)
        return fn(c, args, out);
    jmp_buf here;
    a->oom = &here;
    if (setjmp(here)) {
        a->oom = NULL;
        return bi_error(c, "out of memory");
    }
    bi_status st = fn(c, args, out);
    a->oom = NULL;
    return st;
}

/* For the builtins that answer false instead of failing: forget the errors
 * met on the way. */
static bi_status quiet(bi_ctx *c, bi_status st)
{
    if (st == BI_OK) {
        c->err_code = NULL;
        c->err_msg[0] = 0;
    }
    return st;
}

/* ---- graphql.parse ---- */

static bi_status parse_impl(bi_ctx *c, val *const *args, val **out)
{
    gql_query_doc *query;
    gql_schema_doc *sdoc;
    gql_schema *schema;
    bi_status st = get_query(c, args[0], &query);
    if (st == BI_UNDEF)
        return bi_operand_types(c, 0, args[0], "string, object");
    if (st != BI_OK)
        return st;
    st = get_schema_doc(c, args[1], &sdoc);
    if (st == BI_UNDEF)
        return bi_operand_types(c, 1, args[1], "string, object");
    if (st != BI_OK)
        return st;
    val *schema_ast = gql_schema_to_val(c->a, sdoc);
    if ((st = build_schema(c, sdoc, &schema)) != BI_OK)
        return st;
    val *query_ast = gql_query_to_val(c->a, query);
    if ((st = validate(c, schema, query)) != BI_OK)
        return st;
    val *items[2] = {query_ast, schema_ast};
    *out = val_array(c->a, items, 2);
    return BI_OK;
}

static bi_status bi_parse(bi_ctx *c, val *const *args, val **out) { return guarded(c, args, out, parse_impl); }

/* ---- graphql.parse_and_verify ---- */

static bi_status parse_and_verify_impl(bi_ctx *c, val *const *args, val **out)
{
    gql_query_doc *query;
    gql_schema_doc *sdoc;
    gql_schema *schema;
    val *items[3] = {VAL_FALSE_V, VAL_EMPTY_OBJECT_V, VAL_EMPTY_OBJECT_V};
    if (get_query(c, args[0], &query) == BI_OK && get_schema_doc(c, args[1], &sdoc) == BI_OK) {
        val *query_ast = gql_query_to_val(c->a, query);
        val *schema_ast = gql_schema_to_val(c->a, sdoc);
        if (build_schema(c, sdoc, &schema) == BI_OK && validate(c, schema, query) == BI_OK) {
            items[0] = VAL_TRUE_V;
            items[1] = query_ast;
            items[2] = schema_ast;
        }
    }
    *out = val_array(c->a, items, 3);
    return BI_OK;
}

static bi_status bi_parse_and_verify(bi_ctx *c, val *const *args, val **out)
{
    return quiet(c, guarded(c, args, out, parse_and_verify_impl));
}

/* ---- graphql.parse_query, graphql.parse_schema ---- */

static bi_status parse_query_impl(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    gql_query_doc *query;
    bi_status st = get_query(c, args[0], &query);
    if (st != BI_OK)
        return st;
    *out = gql_query_to_val(c->a, query);
    return BI_OK;
}

static bi_status bi_parse_query(bi_ctx *c, val *const *args, val **out)
{
    return guarded(c, args, out, parse_query_impl);
}

static bi_status parse_schema_impl(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    gql_schema_doc *sdoc;
    bi_status st = get_schema_doc(c, args[0], &sdoc);
    if (st != BI_OK)
        return st;
    *out = gql_schema_to_val(c->a, sdoc);
    return BI_OK;
}

static bi_status bi_parse_schema(bi_ctx *c, val *const *args, val **out)
{
    return guarded(c, args, out, parse_schema_impl);
}

/* ---- graphql.is_valid, graphql.schema_is_valid ---- */

static bi_status is_valid_impl(bi_ctx *c, val *const *args, val **out)
{
    gql_query_doc *query;
    gql_schema_doc *sdoc;
    gql_schema *schema;
    bool ok = get_query(c, args[0], &query) == BI_OK && get_schema_doc(c, args[1], &sdoc) == BI_OK &&
              build_schema(c, sdoc, &schema) == BI_OK && validate(c, schema, query) == BI_OK;
    *out = val_bool(ok);
    return BI_OK;
}

static bi_status bi_is_valid(bi_ctx *c, val *const *args, val **out)
{
    return quiet(c, guarded(c, args, out, is_valid_impl));
}

static bi_status schema_is_valid_impl(bi_ctx *c, val *const *args, val **out)
{
    gql_schema_doc *sdoc;
    gql_schema *schema;
    bool ok = get_schema_doc(c, args[0], &sdoc) == BI_OK && build_schema(c, sdoc, &schema) == BI_OK;
    *out = val_bool(ok);
    return BI_OK;
}

static bi_status bi_schema_is_valid(bi_ctx *c, val *const *args, val **out)
{
    return quiet(c, guarded(c, args, out, schema_is_valid_impl));
}

const builtin_def bi_group_graphql[] = {
    {"graphql.is_valid", 2, bi_is_valid, 0, NULL},
    {"graphql.parse", 2, bi_parse, 0, NULL},
    {"graphql.parse_and_verify", 2, bi_parse_and_verify, 0, NULL},
    {"graphql.parse_query", 1, bi_parse_query, 0, NULL},
    {"graphql.parse_schema", 1, bi_parse_schema, 0, NULL},
    {"graphql.schema_is_valid", 1, bi_schema_is_valid, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
