/* graphql_parse.h — GraphQL query documents and schema definition language
 * to the AST of graphql_ast.h, as the Go library gqlparser parses them.
 *
 * Same grammar, same error messages and positions (line and column count
 * code points from 1), same quirks: comments ("# ...") are kept and attached
 * to the node that follows them where gqlparser attaches them; a lexical
 * error surfaces as the parser's "Unexpected <Invalid>" at the bad token.
 * One deliberate difference: nesting deeper than GQL_MAX_DEPTH is an error,
 * where gqlparser would recurse on. */
#ifndef VERDICT_BUILTINS_GRAPHQL_PARSE_H
#define VERDICT_BUILTINS_GRAPHQL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "graphql_ast.h"

typedef struct gql_error {
    char msg[400];
    int line, col;          /* 1-based; both 0 when the error has no location */
    bool has_loc;
} gql_error;

/* parser.ParseQuery: NULL and *err on a syntax error. */
gql_query_doc *gql_parse_query(arena *a, const char *src, size_t n, gql_error *err);

/* parser.ParseSchema: builtin marks every definition BuiltIn (the prelude). */
gql_schema_doc *gql_parse_schema(arena *a, const char *src, size_t n, bool builtin, gql_error *err);

#endif
