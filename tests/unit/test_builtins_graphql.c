/* Unit tests for the builtin group graphql (engine/builtins/graphql*.c).
 *
 * Three parts:
 *  - OPA's conformance cases for graphql.* (test/cases/testdata/v1/graphql,
 *    all seven files), each module evaluated through the public API with
 *    the query data.test.p and compared exactly: a JSON value, "undefined",
 *    or "error: <code>: <message>" (strict builtin errors).  Two of those
 *    files (parse-query, parse) are older revisions than the rest: their
 *    expected ASTs are brought up to date with Value.ExpectedTypeHasDefault
 *    and their error text with OPA's current "in GraphQL string" wording,
 *    as the newer files in the same folder show; graphql_parse's "rules
 *    are independent case 2" takes the query and schema of the newer
 *    parse-and-verify file (the old query began with a comment, which
 *    current gqlparser attaches to the operation; see test_comments).
 *  - OPA's Go unit tests (topdown/graphql_test.go), the builtins called
 *    directly with the same arguments; where Go only checks that an error
 *    happens, the exact message is checked here.  (TestFormatGqlParserError
 *    tests a private helper; both of its branches are covered end to end.)
 *  - Cases for the parser and each validation rule, with the messages and
 *    positions gqlparser gives, and for hostile input (depth, size). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/builtins.h"
#include "engine/strbuf.h"
#include "engine/value.h"

#include "builtin_harness.h"

static val *S(const char *text) { return val_cstring(&A, text); }

/* Calls a graphql builtin with one argument (a1 NULL) or two: "=JSON",
 * "!code: msg" or "?" (caller frees). */
static char *call(const char *name, val *a0, val *a1)
{
    val *args[2] = {a0, a1};
    return call_text(name, args, a1 ? 2 : 1, AS_JSON);
}

/* want: "=JSON" (compared as values), "!code: msg", "!" (any error) or "?". */
static void expect(const char *what, const char *name, val *a0, val *a1, const char *want)
{
    char *got = call(name, a0, a1);
    bool ok;
    if (want[0] == '=' && got[0] == '=')
        ok = val_equal(J(want + 1), J(got + 1));
    else if (!strcmp(want, "!"))
        ok = got[0] == '!';
    else
        ok = !strcmp(got, want);
    ck_assert_msg(ok, "%s: %s\n  got  %s\n  want %s", what, name, got, want);
    free(got);
}

/* ---- through the engine ---- */

typedef struct yaml_case {
    const char *note;
    const char *module;
    const char *want;
    int strict;
} yaml_case;

/* The cases of OPA's test/cases/testdata/v1/graphql, each queried as data.test.p. */
static const yaml_case opa_cases[] = {
    {"graphql_parse_query/success-basic-ast simple query",
     "package test\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"hero\", \"Name\": \"hero\", \"SelectionSet\": [{\"Alias\": \"name\", \"Name\": \"name\"}]}]}]}\n"
     "p if { graphql.parse_query(\"{hero {name}}\") == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-basic-ast with arguments",
     "package test\n"
     "gql := `query hero ($episode: Episode!) {\n"
     "    hero (episode: $episode) {\n"
     "        id\n"
     "        name\n"
     "        friends {\n"
     "            id\n"
     "            name\n"
     "            friends {\n"
     "                id\n"
     "                name\n"
     "                appearsIn\n"
     "            }\n"
     "            appearsIn\n"
     "        }\n"
     "        appearsIn\n"
     "    }\n"
     "}`\n"
     "ast := {\"Operations\": [{\"Name\": \"hero\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"hero\", \"Arguments\": [{\"Name\": \"episode\", \"Value\": {\"ExpectedTypeHasDefault\": false, \"Kind\": 0, \"Raw\": \"episode\"}}], \"Name\": \"hero\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}, {\"Alias\": \"name\", \"Name\": \"name\"}, {\"Alias\": \"friends\", \"Name\": \"friends\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}, {\"Alias\": \"name\", \"Name\": \"name\"}, {\"Alias\": \"friends\", \"Name\": \"friends\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}, {\"Alias\": \"name\", \"Name\": \"name\"}, {\"Alias\": \"appearsIn\", \"Name\": \"appearsIn\"}]}, {\"Alias\": \"appearsIn\", \"Name\": \"appearsIn\"}]}, {\"Alias\": \"appearsIn\", \"Name\": \"appearsIn\"}]}], \"VariableDefinitions\": [{\"Type\": {\"NamedType\": \"Episode\", \"NonNull\": true}, \"Used\": false, \"Variable\": \"episode\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-basic-ast inline fragments and type conditions",
     "package test\n"
     "gql := `query HeroForEpisode($ep: Episode!) {\n"
     "  hero(episode: $ep) {\n"
     "    name\n"
     "    ... on Droid {\n"
     "      primaryFunction\n"
     "    }\n"
     "    ... on Human {\n"
     "      height\n"
     "    }\n"
     "  }\n"
     "}`\n"
     "ast := {\"Operations\": [{\"Name\": \"HeroForEpisode\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"hero\", \"Arguments\": [{\"Name\": \"episode\", \"Value\": {\"ExpectedTypeHasDefault\": false, \"Kind\": 0, \"Raw\": \"ep\"}}], \"Name\": \"hero\", \"SelectionSet\": [{\"Alias\": \"name\", \"Name\": \"name\"}, {\"SelectionSet\": [{\"Alias\": \"primaryFunction\", \"Name\": \"primaryFunction\"}], \"TypeCondition\": \"Droid\"}, {\"SelectionSet\": [{\"Alias\": \"height\", \"Name\": \"height\"}], \"TypeCondition\": \"Human\"}]}], \"VariableDefinitions\": [{\"Type\": {\"NamedType\": \"Episode\", \"NonNull\": true}, \"Used\": false, \"Variable\": \"ep\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-basic-ast meta fields and introspection",
     "package test\n"
     "gql := `{\n"
     "  search(text: \"an\") {\n"
     "    __typename\n"
     "    ... on Human {\n"
     "      name\n"
     "    }\n"
     "    ... on Droid {\n"
     "      name\n"
     "    }\n"
     "    ... on Starship {\n"
     "      name\n"
     "    }\n"
     "  }\n"
     "}`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"search\", \"Arguments\": [{\"Name\": \"text\", \"Value\": {\"ExpectedTypeHasDefault\": false, \"Kind\": 3, \"Raw\": \"an\"}}], \"Name\": \"search\", \"SelectionSet\": [{\"Alias\": \"__typename\", \"Name\": \"__typename\"}, {\"SelectionSet\": [{\"Alias\": \"name\", \"Name\": \"name\"}], \"TypeCondition\": \"Human\"}, {\"SelectionSet\": [{\"Alias\": \"name\", \"Name\": \"name\"}], \"TypeCondition\": \"Droid\"}, {\"SelectionSet\": [{\"Alias\": \"name\", \"Name\": \"name\"}], \"TypeCondition\": \"Starship\"}]}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_is_valid/success extending non-existent types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type User {\n"
     "      id: ID!\n"
     "  }\n"
     "  extend type Product {\n"
     "      upc: String!\n"
     "  }\n"
     "  union _Entity = Product | User\n"
     "  extend type Query {\n"
     "    entity: _Entity\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  {\n"
     "    entity {\n"
     "      ... on User {\n"
     "      id\n"
     "      }\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "\n"
     "p if { graphql.is_valid(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_is_valid/success validation rules are independent case 1",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type Query {\n"
     "      myAction(myEnum: Locale!): SomeResult!\n"
     "  }\n"
     "  type SomeResult {\n"
     "      id: String\n"
     "  }\n"
     "  enum Locale {\n"
     "      EN\n"
     "      LT\n"
     "      DE\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query SomeOperation {\n"
     "    # Note: Not providing mandatory parameter: (myEnum: Locale!)\n"
     "    myAction {\n"
     "      id\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "\n"
     "p := x if { x = graphql.is_valid(query, schema) }\n"
     "",
     "false", 0},
    {"graphql_is_valid/success validation rules are independent case 2",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type Query {\n"
     "      myAction(myEnum: Locale!): SomeResult!\n"
     "  }\n"
     "  type SomeResult {\n"
     "      id: String\n"
     "  }\n"
     "  enum Locale {\n"
     "      EN\n"
     "      LT\n"
     "      DE\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  # Note: there is default enum value in variables\n"
     "  query SomeOperation ($locale: Locale! = DE) {\n"
     "    myAction(myEnum: $locale) {\n"
     "      id\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "\n"
     "p if { graphql.is_valid(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_is_valid/success deprecating types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type DeprecatedType {\n"
     "    deprecatedField: String @deprecated\n"
     "    newField(deprecatedArg: Int): Boolean\n"
     "  }\n"
     "  enum DeprecatedEnum {\n"
     "    ALPHA @deprecated\n"
     "  }\n"
     "`\n"
     "\n"
     "\n"
     "query := ``\n"
     "p if { graphql.is_valid(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_is_valid/success no unused variables",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type Query {\n"
     "    bar: String!\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query Foo($flag: Boolean!) {\n"
     "    ...Bar\n"
     "  }\n"
     "  fragment Bar on Query {\n"
     "    bar @include(if: $flag)\n"
     "  }\n"
     "`\n"
     "\n"
     "\n"
     "p if { graphql.is_valid(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_is_valid/success - AST objects - Employee example",
     "package test\n"
     "\n"
     "schema_ast := graphql.parse_schema(`\n"
     "  type Employee {\n"
     "    id: String!\n"
     "    salary: Int!\n"
     "  }\n"
     "\n"
     "  schema {\n"
     "    query: Query\n"
     "  }\n"
     "\n"
     "  type Query {\n"
     "    employeeByID(id: String): Employee\n"
     "  }\n"
     "`)\n"
     "\n"
     "query_ast := graphql.parse_query(`\n"
     "  query { employeeByID(id: \"alice\") { salary }}\n"
     "`)\n"
     "\n"
     "\n"
     "p if { graphql.is_valid(query_ast, schema_ast) }\n"
     "",
     "true", 0},
    {"graphql_is_valid/undefined argument",
     "package test\n"
     "schema := `\n"
     "  type Query {\n"
     "    bar: String!\n"
     "  }\n"
     "  type Mutation {\n"
     "    x: String!\n"
     "  }\n"
     "`\n"
     "query := `mutation{x(a:b)}`\n"
     "p if { not graphql.is_valid(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_is_valid/undefined argument schema ast",
     "package test\n"
     "schema_ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"bar\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": true}}], \"Kind\": \"OBJECT\", \"Name\": \"Query\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"x\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": true}}], \"Kind\": \"OBJECT\", \"Name\": \"Mutation\"}]}\n"
     "query_ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"mutation\", \"SelectionSet\": [{\"Alias\": \"x\", \"Arguments\": [{\"Name\": \"a\", \"Value\": {\"Kind\": 7, \"Raw\": \"b\"}}], \"Name\": \"x\"}]}]}\n"
     "p if { not graphql.is_valid(query_ast, schema_ast) }\n"
     "",
     "true", 0},
    {"graphql_parse_query/failure-unclosed paren",
     "package test\n"
     "gql := `{`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location 1:2", 1},
    {"graphql_parse_query/failure-missing on in fragment",
     "package test\n"
     "gql := `\n"
     "  { ...MissingOn }\n"
     "  fragment MissingOn Type\n"
     "`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Expected \"on\", found Name \"Type\" in GraphQL string at location 3:22", 1},
    {"graphql_parse_query/failure-missing name after alias",
     "package test\n"
     "gql := `{ field: {} }`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Expected Name, found { in GraphQL string at location 1:10", 1},
    {"graphql_parse_query/failure-not an operation",
     "package test\n"
     "gql := `notanoperation Foo { field }`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Unexpected Name \"notanoperation\" in GraphQL string at location 1:1", 1},
    {"graphql_parse_query/failure-a wild splat appears",
     "package test\n"
     "gql := `...`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Unexpected ... in GraphQL string at location 1:1", 1},
    {"graphql_parse_query/success-variables are allowed in args",
     "package test\n"
     "gql := `{ field(complex: { a: { b: [ $var ] } }) }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"field\", \"Arguments\": [{\"Name\": \"complex\", \"Value\": {\"Children\": [{\"Name\": \"a\", \"Value\": {\"Children\": [{\"Name\": \"b\", \"Value\": {\"Children\": [{\"Name\": \"\", \"Value\": {\"Kind\": 0, \"Raw\": \"var\", \"ExpectedTypeHasDefault\": false}}], \"Kind\": 8, \"Raw\": \"\", \"ExpectedTypeHasDefault\": false}}], \"Kind\": 9, \"Raw\": \"\", \"ExpectedTypeHasDefault\": false}}], \"Kind\": 9, \"Raw\": \"\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"field\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/failure-variables are not allowed in default args",
     "package test\n"
     "gql := `query Foo($x: Complex = { a: { b: [ $var ] } }) { field }`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Unexpected $ in GraphQL string at location 1:37", 1},
    {"graphql_parse_query/success-variables can have directives",
     "package test\n"
     "gql := `query ($withDirective: String @first @second, $withoutDirective: String) { f }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"f\", \"Name\": \"f\"}], \"VariableDefinitions\": [{\"Directives\": [{\"Location\": \"\", \"Name\": \"first\"}, {\"Location\": \"\", \"Name\": \"second\"}], \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"withDirective\"}, {\"Type\": {\"NamedType\": \"String\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"withoutDirective\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/failure-fragment can not be named 'on'",
     "package test\n"
     "gql := `fragment on on on { on }`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Unexpected Name \"on\" in GraphQL string at location 1:10", 1},
    {"graphql_parse_query/failure-fragment can not spread fragments called 'on'",
     "package test\n"
     "gql := `{ ...on }`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Expected Name, found } in GraphQL string at location 1:9", 1},
    {"graphql_parse_query/success-encoding multibyte characters are supported",
     "package test\n"
     "gql := `\n"
     "  # This comment has a \340\250\212 multi-byte character.\n"
     "  { field(arg: \"Has a \340\250\212 multi-byte character.\") }\n"
     "`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"field\", \"Arguments\": [{\"Name\": \"arg\", \"Value\": {\"Kind\": 3, \"Raw\": \"Has a \\u0a0a multi-byte character.\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"field\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-keywords-allowed-where-names-are on",
     "package test\n"
     "gql := `\n"
     "  query on {\n"
     "    ... a\n"
     "    ... on on { field }\n"
     "  }\n"
     "  fragment a on Type {\n"
     "    on(on: $on)\n"
     "      @on(on: on)\n"
     "  }\n"
     "`\n"
     "ast := {\"Fragments\": [{\"Name\": \"a\", \"SelectionSet\": [{\"Alias\": \"on\", \"Arguments\": [{\"Name\": \"on\", \"Value\": {\"Kind\": 0, \"Raw\": \"on\", \"ExpectedTypeHasDefault\": false}}], \"Directives\": [{\"Arguments\": [{\"Name\": \"on\", \"Value\": {\"Kind\": 7, \"Raw\": \"on\", \"ExpectedTypeHasDefault\": false}}], \"Location\": \"\", \"Name\": \"on\"}], \"Name\": \"on\"}], \"TypeCondition\": \"Type\"}], \"Operations\": [{\"Name\": \"on\", \"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"a\"}, {\"SelectionSet\": [{\"Alias\": \"field\", \"Name\": \"field\"}], \"TypeCondition\": \"on\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-keywords-allowed-where-names-are subscription",
     "package test\n"
     "gql := `\n"
     "  query subscription {\n"
     "    ... subscription\n"
     "    ... on subscription { field }\n"
     "  }\n"
     "  fragment subscription on Type {\n"
     "    subscription(subscription: $subscription)\n"
     "      @subscription(subscription: subscription)\n"
     "  }\n"
     "`\n"
     "ast := {\"Fragments\": [{\"Name\": \"subscription\", \"SelectionSet\": [{\"Alias\": \"subscription\", \"Arguments\": [{\"Name\": \"subscription\", \"Value\": {\"Kind\": 0, \"Raw\": \"subscription\", \"ExpectedTypeHasDefault\": false}}], \"Directives\": [{\"Arguments\": [{\"Name\": \"subscription\", \"Value\": {\"Kind\": 7, \"Raw\": \"subscription\", \"ExpectedTypeHasDefault\": false}}], \"Location\": \"\", \"Name\": \"subscription\"}], \"Name\": \"subscription\"}], \"TypeCondition\": \"Type\"}], \"Operations\": [{\"Name\": \"subscription\", \"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"subscription\"}, {\"SelectionSet\": [{\"Alias\": \"field\", \"Name\": \"field\"}], \"TypeCondition\": \"subscription\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-keywords-allowed-where-names-are true",
     "package test\n"
     "gql := `\n"
     "  query true {\n"
     "    ... true\n"
     "    ... on true { field }\n"
     "  }\n"
     "  fragment true on Type {\n"
     "    true(true: $true)\n"
     "      @true(true: true)\n"
     "  }\n"
     "`\n"
     "ast := {\"Fragments\": [{\"Name\": \"true\", \"SelectionSet\": [{\"Alias\": \"true\", \"Arguments\": [{\"Name\": \"true\", \"Value\": {\"Kind\": 0, \"Raw\": \"true\", \"ExpectedTypeHasDefault\": false}}], \"Directives\": [{\"Arguments\": [{\"Name\": \"true\", \"Value\": {\"Kind\": 5, \"Raw\": \"true\", \"ExpectedTypeHasDefault\": false}}], \"Location\": \"\", \"Name\": \"true\"}], \"Name\": \"true\"}], \"TypeCondition\": \"Type\"}], \"Operations\": [{\"Name\": \"true\", \"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"true\"}, {\"SelectionSet\": [{\"Alias\": \"field\", \"Name\": \"field\"}], \"TypeCondition\": \"true\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-operations anonymous mutation",
     "package test\n"
     "gql := `mutation { mutationField }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"mutation\", \"SelectionSet\": [{\"Alias\": \"mutationField\", \"Name\": \"mutationField\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-operations named mutation",
     "package test\n"
     "gql := `mutation Foo { mutationField }`\n"
     "ast := {\"Operations\": [{\"Name\": \"Foo\", \"Operation\": \"mutation\", \"SelectionSet\": [{\"Alias\": \"mutationField\", \"Name\": \"mutationField\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-operations anonymous subscription",
     "package test\n"
     "gql := `subscription { subscriptionField }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"subscription\", \"SelectionSet\": [{\"Alias\": \"subscriptionField\", \"Name\": \"subscriptionField\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-operations named subscription",
     "package test\n"
     "gql := `subscription Foo { subscriptionField }`\n"
     "ast := {\"Operations\": [{\"Name\": \"Foo\", \"Operation\": \"subscription\", \"SelectionSet\": [{\"Alias\": \"subscriptionField\", \"Name\": \"subscriptionField\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-ast simple query",
     "package test\n"
     "gql := `\n"
     "  {\n"
     "    node(id: 4) {\n"
     "      id,\n"
     "      name\n"
     "    }\n"
     "  }\n"
     "`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"node\", \"Arguments\": [{\"Name\": \"id\", \"Value\": {\"Kind\": 1, \"Raw\": \"4\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"node\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}, {\"Alias\": \"name\", \"Name\": \"name\"}]}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-ast nameless query with no variables",
     "package test\n"
     "gql := `\n"
     "  query {\n"
     "    node {\n"
     "      id\n"
     "    }\n"
     "  }\n"
     "`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"node\", \"Name\": \"node\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}]}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-ast fragment defined variables",
     "package test\n"
     "gql := `fragment a($v: Boolean = false) on t { f(v: $v) }`\n"
     "ast := {\"Fragments\": [{\"Name\": \"a\", \"SelectionSet\": [{\"Alias\": \"f\", \"Arguments\": [{\"Name\": \"v\", \"Value\": {\"Kind\": 0, \"Raw\": \"v\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"f\"}], \"TypeCondition\": \"t\", \"VariableDefinition\": [{\"DefaultValue\": {\"Kind\": 5, \"Raw\": \"false\", \"ExpectedTypeHasDefault\": false}, \"Type\": {\"NamedType\": \"Boolean\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"v\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-values null",
     "package test\n"
     "gql := `{ f(id: null) }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"f\", \"Arguments\": [{\"Name\": \"id\", \"Value\": {\"Kind\": 6, \"Raw\": \"null\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"f\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-values strings",
     "package test\n"
     "gql := `{ f(long: \"\"\"long\"\"\", short: \"short\") }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"f\", \"Arguments\": [{\"Name\": \"long\", \"Value\": {\"Kind\": 4, \"Raw\": \"long\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"short\", \"Value\": {\"Kind\": 3, \"Raw\": \"short\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"f\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-values list",
     "package test\n"
     "gql := `{ f(id: [1,2]) }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"f\", \"Arguments\": [{\"Name\": \"id\", \"Value\": {\"Children\": [{\"Name\": \"\", \"Value\": {\"Kind\": 1, \"Raw\": \"1\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"\", \"Value\": {\"Kind\": 1, \"Raw\": \"2\", \"ExpectedTypeHasDefault\": false}}], \"Kind\": 8, \"Raw\": \"\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"f\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-types common types",
     "package test\n"
     "gql := `query ($string: String, $int: Int, $arr: [Arr], $notnull: [Arr!]!) { f }`\n"
     "ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"f\", \"Name\": \"f\"}], \"VariableDefinitions\": [{\"Type\": {\"NamedType\": \"String\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"string\"}, {\"Type\": {\"NamedType\": \"Int\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"int\"}, {\"Type\": {\"Elem\": {\"NamedType\": \"Arr\", \"NonNull\": false}, \"NamedType\": \"\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"arr\"}, {\"Type\": {\"Elem\": {\"NamedType\": \"Arr\", \"NonNull\": true}, \"NamedType\": \"\", \"NonNull\": true}, \"Used\": false, \"Variable\": \"notnull\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/success-large-queries kitchen sink",
     "package test\n"
     "gql := `\n"
     "  query queryName($foo: ComplexType, $site: Site = MOBILE) {\n"
     "    whoever123is: node(id: [123, 456]) {\n"
     "      id ,\n"
     "      ... on User @defer {\n"
     "        field2 {\n"
     "          id ,\n"
     "          alias: field1(first:10, after:$foo,) @include(if: $foo) {\n"
     "            id,\n"
     "            ...frag\n"
     "          }\n"
     "        }\n"
     "      }\n"
     "      ... @skip(unless: $foo) {\n"
     "        id\n"
     "      }\n"
     "      ... {\n"
     "        id\n"
     "      }\n"
     "    }\n"
     "  }\n"
     "  mutation likeStory {\n"
     "    like(story: 123) @defer {\n"
     "      story {\n"
     "        id\n"
     "      }\n"
     "    }\n"
     "  }\n"
     "  subscription StoryLikeSubscription($input: StoryLikeSubscribeInput) {\n"
     "    storyLikeSubscribe(input: $input) {\n"
     "      story {\n"
     "        likers {\n"
     "          count\n"
     "        }\n"
     "        likeSentence {\n"
     "          text\n"
     "        }\n"
     "      }\n"
     "    }\n"
     "  }\n"
     "  fragment frag on Friend {\n"
     "    foo(size: $size, bar: $b, obj: {key: \"value\", block: \"\"\"\n"
     "        block string uses \\\"\"\"\n"
     "    \"\"\"})\n"
     "  }\n"
     "  {\n"
     "    unnamed(truthy: true, falsey: false, nullish: null),\n"
     "    query\n"
     "  }\n"
     "`\n"
     "ast := {\"Fragments\": [{\"Name\": \"frag\", \"SelectionSet\": [{\"Alias\": \"foo\", \"Arguments\": [{\"Name\": \"size\", \"Value\": {\"Kind\": 0, \"Raw\": \"size\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"bar\", \"Value\": {\"Kind\": 0, \"Raw\": \"b\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"obj\", \"Value\": {\"Children\": [{\"Name\": \"key\", \"Value\": {\"Kind\": 3, \"Raw\": \"value\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"block\", \"Value\": {\"Kind\": 4, \"Raw\": \"block string uses \\\"\\\"\\\"\", \"ExpectedTypeHasDefault\": false}}], \"Kind\": 9, \"Raw\": \"\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"foo\"}], \"TypeCondition\": \"Friend\"}], \"Operations\": [{\"Name\": \"queryName\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"whoever123is\", \"Arguments\": [{\"Name\": \"id\", \"Value\": {\"Children\": [{\"Name\": \"\", \"Value\": {\"Kind\": 1, \"Raw\": \"123\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"\", \"Value\": {\"Kind\": 1, \"Raw\": \"456\", \"ExpectedTypeHasDefault\": false}}], \"Kind\": 8, \"Raw\": \"\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"node\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}, {\"Directives\": [{\"Location\": \"\", \"Name\": \"defer\"}], \"SelectionSet\": [{\"Alias\": \"field2\", \"Name\": \"field2\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}, {\"Alias\": \"alias\", \"Arguments\": [{\"Name\": \"first\", \"Value\": {\"Kind\": 1, \"Raw\": \"10\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"after\", \"Value\": {\"Kind\": 0, \"Raw\": \"foo\", \"ExpectedTypeHasDefault\": false}}], \"Directives\": [{\"Arguments\": [{\"Name\": \"if\", \"Value\": {\"Kind\": 0, \"Raw\": \"foo\", \"ExpectedTypeHasDefault\": false}}], \"Location\": \"\", \"Name\": \"include\"}], \"Name\": \"field1\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}, {\"Name\": \"frag\"}]}]}], \"TypeCondition\": \"User\"}, {\"Directives\": [{\"Arguments\": [{\"Name\": \"unless\", \"Value\": {\"Kind\": 0, \"Raw\": \"foo\", \"ExpectedTypeHasDefault\": false}}], \"Location\": \"\", \"Name\": \"skip\"}], \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}], \"TypeCondition\": \"\"}, {\"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}], \"TypeCondition\": \"\"}]}], \"VariableDefinitions\": [{\"Type\": {\"NamedType\": \"ComplexType\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"foo\"}, {\"DefaultValue\": {\"Kind\": 7, \"Raw\": \"MOBILE\", \"ExpectedTypeHasDefault\": false}, \"Type\": {\"NamedType\": \"Site\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"site\"}]}, {\"Name\": \"likeStory\", \"Operation\": \"mutation\", \"SelectionSet\": [{\"Alias\": \"like\", \"Arguments\": [{\"Name\": \"story\", \"Value\": {\"Kind\": 1, \"Raw\": \"123\", \"ExpectedTypeHasDefault\": false}}], \"Directives\": [{\"Location\": \"\", \"Name\": \"defer\"}], \"Name\": \"like\", \"SelectionSet\": [{\"Alias\": \"story\", \"Name\": \"story\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}]}]}]}, {\"Name\": \"StoryLikeSubscription\", \"Operation\": \"subscription\", \"SelectionSet\": [{\"Alias\": \"storyLikeSubscribe\", \"Arguments\": [{\"Name\": \"input\", \"Value\": {\"Kind\": 0, \"Raw\": \"input\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"storyLikeSubscribe\", \"SelectionSet\": [{\"Alias\": \"story\", \"Name\": \"story\", \"SelectionSet\": [{\"Alias\": \"likers\", \"Name\": \"likers\", \"SelectionSet\": [{\"Alias\": \"count\", \"Name\": \"count\"}]}, {\"Alias\": \"likeSentence\", \"Name\": \"likeSentence\", \"SelectionSet\": [{\"Alias\": \"text\", \"Name\": \"text\"}]}]}]}], \"VariableDefinitions\": [{\"Type\": {\"NamedType\": \"StoryLikeSubscribeInput\", \"NonNull\": false}, \"Used\": false, \"Variable\": \"input\"}]}, {\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"unnamed\", \"Arguments\": [{\"Name\": \"truthy\", \"Value\": {\"Kind\": 5, \"Raw\": \"true\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"falsey\", \"Value\": {\"Kind\": 5, \"Raw\": \"false\", \"ExpectedTypeHasDefault\": false}}, {\"Name\": \"nullish\", \"Value\": {\"Kind\": 6, \"Raw\": \"null\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"unnamed\"}, {\"Alias\": \"query\", \"Name\": \"query\"}]}]}\n"
     "p if { graphql.parse_query(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_query/failure-fuzzer 01",
     "package test\n"
     "gql := `{__typename{...}}`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: Expected {, found } in GraphQL string at location 1:16", 1},
    {"graphql_parse_query/failure-fuzzer 02",
     "package test\n"
     "gql := `{...{__typename{...{}}}}`\n"
     "p if { graphql.parse_query(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_query: expected at least one definition, found } in GraphQL string at location 1:21", 1},
    {"graphql_parse_schema/success-object-types simple",
     "package test\n"
     "gql := `\n"
     "  type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-object-types with description",
     "package test\n"
     "gql := `\n"
     "  \"Description\"\n"
     "  type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"Description\", \"Fields\": [{\"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-object-types with block description",
     "package test\n"
     "gql := `\n"
     "  \"\"\"\n"
     "  Description\n"
     "  \"\"\"\n"
     "  type Hello {\n"
     "    world: String\n"
     "  }\n"
     "  type Query {\n"
     "    hello: Hello\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\":[{\"BuiltIn\":false,\"Description\":\"Description\",\"Fields\":[{\"Description\":\"\",\"Name\":\"world\",\"Type\":{\"NamedType\":\"String\",\"NonNull\":false}}],\"Kind\":\"OBJECT\",\"Name\":\"Hello\"},{\"BuiltIn\":false,\"Description\":\"\",\"Fields\":[{\"Description\":\"\",\"Name\":\"hello\",\"Type\":{\"NamedType\":\"Hello\",\"NonNull\":false}}],\"Kind\":\"OBJECT\",\"Name\":\"Query\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-object-types with field arg",
     "package test\n"
     "gql := `\n"
     "  type Hello {\n"
     "    world(flag: Boolean): String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Arguments\": [{\"Description\": \"\", \"Name\": \"flag\", \"Type\": {\"NamedType\": \"Boolean\", \"NonNull\": false}}], \"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-object-types with field arg and default value",
     "package test\n"
     "gql := `\n"
     "  type Hello {\n"
     "    world(flag: Boolean = true): String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Arguments\": [{\"DefaultValue\": {\"ExpectedTypeHasDefault\": false, \"Kind\": 5, \"Raw\": \"true\"}, \"Description\": \"\", \"Name\": \"flag\", \"Type\": {\"NamedType\": \"Boolean\", \"NonNull\": false}}], \"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-object-types with field list arg",
     "package test\n"
     "gql := `\n"
     "  type Hello {\n"
     "    world(things: [String]): String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Arguments\": [{\"Description\": \"\", \"Name\": \"things\", \"Type\": {\"Elem\": {\"NamedType\": \"String\", \"NonNull\": false}, \"NamedType\": \"\", \"NonNull\": false}}], \"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-object-types with two args",
     "package test\n"
     "gql := `\n"
     "  type Hello {\n"
     "    world(argOne: Boolean, argTwo: Int): String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Arguments\": [{\"Description\": \"\", \"Name\": \"argOne\", \"Type\": {\"NamedType\": \"Boolean\", \"NonNull\": false}}, {\"Description\": \"\", \"Name\": \"argTwo\", \"Type\": {\"NamedType\": \"Int\", \"NonNull\": false}}], \"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-object-types must define one or more fields",
     "package test\n"
     "gql := `type Hello {}`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:13", 1},
    {"graphql_parse_schema/success-type-extensions Object extension",
     "package test\n"
     "gql := `\n"
     "  extend type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "ast := {\"Extensions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-type-extensions without any fields",
     "package test\n"
     "gql := `extend type Hello implements Greeting`\n"
     "ast := {\"Extensions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Interfaces\": [\"Greeting\"], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-type-extensions without fields twice",
     "package test\n"
     "gql := `\n"
     "  extend type Hello implements Greeting\n"
     "  extend type Hello implements SecondGreeting\n"
     "`\n"
     "ast := {\"Extensions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Interfaces\": [\"Greeting\"], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Interfaces\": [\"SecondGreeting\"], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-type-extensions without anything errors",
     "package test\n"
     "gql := `extend type Hello`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Unexpected <EOF> in GraphQL string at location 1:18", 1},
    {"graphql_parse_schema/failure-type-extensions can have descriptions",
     "package test\n"
     "gql := `\n"
     "  \"Description\"\n"
     "  extend type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Unexpected String \"Description\" in GraphQL string at location 2:4", 1},
    {"graphql_parse_schema/failure-type-extensions can not have descriptions on types",
     "package test\n"
     "gql := `\n"
     "  extend \"Description\" type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Unexpected String \"Description\" in GraphQL string at location 2:11", 1},
    {"graphql_parse_schema/success-type-extensions all can have directives",
     "package test\n"
     "gql := `\n"
     "  extend scalar Foo @deprecated\n"
     "  extend type Foo @deprecated\n"
     "  extend interface Foo @deprecated\n"
     "  extend union Foo @deprecated\n"
     "  extend enum Foo @deprecated\n"
     "  extend input Foo @deprecated\n"
     "`\n"
     "ast := {\"Extensions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Directives\": [{\"Location\": \"\", \"Name\": \"deprecated\"}], \"Kind\": \"SCALAR\", \"Name\": \"Foo\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Directives\": [{\"Location\": \"\", \"Name\": \"deprecated\"}], \"Kind\": \"OBJECT\", \"Name\": \"Foo\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Directives\": [{\"Location\": \"\", \"Name\": \"deprecated\"}], \"Kind\": \"INTERFACE\", \"Name\": \"Foo\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Directives\": [{\"Location\": \"\", \"Name\": \"deprecated\"}], \"Kind\": \"UNION\", \"Name\": \"Foo\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Directives\": [{\"Location\": \"\", \"Name\": \"deprecated\"}], \"Kind\": \"ENUM\", \"Name\": \"Foo\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Directives\": [{\"Location\": \"\", \"Name\": \"deprecated\"}], \"Kind\": \"INPUT_OBJECT\", \"Name\": \"Foo\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-schema-definition simple",
     "package test\n"
     "gql := `\n"
     "  schema {\n"
     "    query: Query\n"
     "  }\n"
     "`\n"
     "ast := {\"Schema\": [{\"Description\": \"\", \"OperationTypes\": [{\"Operation\": \"query\", \"Type\": \"Query\"}]}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-schema-extensions simple",
     "package test\n"
     "gql := `\n"
     "  extend schema {\n"
     "    mutation: Mutation\n"
     "  }\n"
     "`\n"
     "ast := {\"SchemaExtension\": [{\"Description\": \"\", \"OperationTypes\": [{\"Operation\": \"mutation\", \"Type\": \"Mutation\"}]}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-schema-extensions directive only",
     "package test\n"
     "gql := `extend schema @directive`\n"
     "ast := {\"SchemaExtension\": [{\"Description\": \"\", \"Directives\": [{\"Location\": \"\", \"Name\": \"directive\"}]}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-schema-extensions without anything errors",
     "package test\n"
     "gql := `extend schema`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Unexpected <EOF> in GraphQL string at location 1:14", 1},
    {"graphql_parse_schema/success-inheritance single",
     "package test\n"
     "gql := `type Hello implements World { field: String }`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"field\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Interfaces\": [\"World\"], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-inheritance multi",
     "package test\n"
     "gql := `type Hello implements Wo & rld { field: String }`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"field\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Interfaces\": [\"Wo\", \"rld\"], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-inheritance multi with leading amp",
     "package test\n"
     "gql := `type Hello implements & Wo & rld { field: String }`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"field\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Interfaces\": [\"Wo\", \"rld\"], \"Kind\": \"OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-enums single value",
     "package test\n"
     "gql := `enum Hello { WORLD }`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"EnumValues\": [{\"Description\": \"\", \"Name\": \"WORLD\"}], \"Kind\": \"ENUM\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-enums double value",
     "package test\n"
     "gql := `enum Hello { WO, RLD }`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"EnumValues\": [{\"Description\": \"\", \"Name\": \"WO\"}, {\"Description\": \"\", \"Name\": \"RLD\"}], \"Kind\": \"ENUM\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-enums must define one or more unique enum values",
     "package test\n"
     "gql := `enum Hello {}`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:13", 1},
    {"graphql_parse_schema/success-interface simple",
     "package test\n"
     "gql := `\n"
     "  interface Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"INTERFACE\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-interface must define one or more fields",
     "package test\n"
     "gql := `interface Hello {}`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:18", 1},
    {"graphql_parse_schema/success-interface may define intermediate interfaces",
     "package test\n"
     "gql := `\n"
     "  interface IA {\n"
     "      id: ID!\n"
     "  }\n"
     "  interface IIA implements IA {\n"
     "      id: ID!\n"
     "  }\n"
     "  type A implements IIA {\n"
     "      id: ID!\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"id\", \"Type\": {\"NamedType\": \"ID\", \"NonNull\": true}}], \"Kind\": \"INTERFACE\", \"Name\": \"IA\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"id\", \"Type\": {\"NamedType\": \"ID\", \"NonNull\": true}}], \"Interfaces\": [\"IA\"], \"Kind\": \"INTERFACE\", \"Name\": \"IIA\"}, {\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"id\", \"Type\": {\"NamedType\": \"ID\", \"NonNull\": true}}], \"Interfaces\": [\"IIA\"], \"Kind\": \"OBJECT\", \"Name\": \"A\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-unions simple",
     "package test\n"
     "gql := `union Hello = World`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Kind\": \"UNION\", \"Name\": \"Hello\", \"Types\": [\"World\"]}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-unions with two types",
     "package test\n"
     "gql := `union Hello = Wo | Rld`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Kind\": \"UNION\", \"Name\": \"Hello\", \"Types\": [\"Wo\", \"Rld\"]}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-unions with leading pipe",
     "package test\n"
     "gql := `union Hello = | Wo | Rld`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Kind\": \"UNION\", \"Name\": \"Hello\", \"Types\": [\"Wo\", \"Rld\"]}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-unions cant be empty",
     "package test\n"
     "gql := `union Hello = || Wo | Rld`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Expected Name, found | in GraphQL string at location 1:16", 1},
    {"graphql_parse_schema/failure-unions cant double pipe",
     "package test\n"
     "gql := `union Hello = Wo || Rld`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Expected Name, found | in GraphQL string at location 1:19", 1},
    {"graphql_parse_schema/failure-unions cant have trailing pipe",
     "package test\n"
     "gql := `union Hello = | Wo | Rld |`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Expected Name, found <EOF> in GraphQL string at location 1:27", 1},
    {"graphql_parse_schema/success-scalar simple",
     "package test\n"
     "gql := `scalar Hello`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Kind\": \"SCALAR\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-input-object simple",
     "package test\n"
     "gql := `\n"
     "  input Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "ast := {\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"\", \"Fields\": [{\"Description\": \"\", \"Name\": \"world\", \"Type\": {\"NamedType\": \"String\", \"NonNull\": false}}], \"Kind\": \"INPUT_OBJECT\", \"Name\": \"Hello\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-input-object can not have args",
     "package test\n"
     "gql := `\n"
     "  input Hello {\n"
     "    world(foo: Int): String\n"
     "  }\n"
     "`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Expected :, found ( in GraphQL string at location 3:10", 1},
    {"graphql_parse_schema/failure-input-object must define one or more input fields",
     "package test\n"
     "gql := `input Hello {}`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:14", 1},
    {"graphql_parse_schema/success-directives simple",
     "package test\n"
     "gql := `directive @foo on FIELD`\n"
     "ast := {\"Directives\": [{\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"FIELD\"], \"Name\": \"foo\"}]}\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-directives executable",
     "package test\n"
     "gql := `\n"
     "  directive @onQuery on QUERY\n"
     "  directive @onMutation on MUTATION\n"
     "  directive @onSubscription on SUBSCRIPTION\n"
     "  directive @onField on FIELD\n"
     "  directive @onFragmentDefinition on FRAGMENT_DEFINITION\n"
     "  directive @onFragmentSpread on FRAGMENT_SPREAD\n"
     "  directive @onInlineFragment on INLINE_FRAGMENT\n"
     "  directive @onVariableDefinition on VARIABLE_DEFINITION\n"
     "`\n"
     "ast := {\"Directives\": [{\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"QUERY\"], \"Name\": \"onQuery\"}, {\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"MUTATION\"], \"Name\": \"onMutation\"}, {\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"SUBSCRIPTION\"], \"Name\": \"onSubscription\"}, {\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"FIELD\"], \"Name\": \"onField\"}, {\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"FRAGMENT_DEFINITION\"], \"Name\": \"onFragmentDefinition\"}, {\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"FRAGMENT_SPREAD\"], \"Name\": \"onFragmentSpread\"}, {\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"INLINE_FRAGMENT\"], \"Name\": \"onInlineFragment\"}, {\"Description\": \"\", \"IsRepeatable\": false, \"Locations\": [\"VARIABLE_DEFINITION\"], \"Name\": \"onVariableDefinition\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/success-directives repeatable",
     "package test\n"
     "gql := `directive @foo repeatable on FIELD`\n"
     "ast := {\"Directives\": [{\"Description\": \"\", \"IsRepeatable\": true, \"Locations\": [\"FIELD\"], \"Name\": \"foo\"}]}\n"
     "p if { graphql.parse_schema(gql) == ast }\n"
     "",
     "true", 0},
    {"graphql_parse_schema/failure-directives invalid location",
     "package test\n"
     "gql := `directive @foo on FIELD | INCORRECT_LOCATION`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Unexpected Name \"INCORRECT_LOCATION\" in GraphQL string at location 1:27", 1},
    {"graphql_parse_schema/failure-fuzzer 1",
     "package test\n"
     "gql := `type o{d(g:[`\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Expected Name, found <EOF> in GraphQL string at location 1:13", 1},
    {"graphql_parse_schema/failure-fuzzer 2",
     "package test\n"
     "gql := \"\\\"\\\"\\\"\\r\"\n"
     "p if { graphql.parse_schema(gql) }\n"
     "",
     "error: eval_builtin_error: graphql.parse_schema: Unexpected <Invalid> in GraphQL string at location 2:1", 1},
    {"graphql_parse/success extending non-existent types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type User {\n"
     "      id: ID!\n"
     "  }\n"
     "  extend type Product {\n"
     "      upc: String!\n"
     "  }\n"
     "  union _Entity = Product | User\n"
     "  extend type Query {\n"
     "    entity: _Entity\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  {\n"
     "    entity {\n"
     "      ... on User {\n"
     "      id\n"
     "      }\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "q_ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"entity\", \"Name\": \"entity\", \"SelectionSet\": [{\"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}], \"TypeCondition\": \"User\"}]}]}]}\n"
     "p if { [q_ast, _] = graphql.parse(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_parse/failure validation rules are independent case 1",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type Query {\n"
     "      myAction(myEnum: Locale!): SomeResult!\n"
     "  }\n"
     "  type SomeResult {\n"
     "      id: String\n"
     "  }\n"
     "  enum Locale {\n"
     "      EN\n"
     "      LT\n"
     "      DE\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query SomeOperation {\n"
     "    # Note: Not providing mandatory parameter: (myEnum: Locale!)\n"
     "    myAction {\n"
     "      id\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "p if { graphql.parse(query, schema) }\n"
     "",
     "error: eval_builtin_error: graphql.parse: Field \"myAction\" argument \"myEnum\" of type \"Locale!\" is required, but it was not provided in GraphQL string at location 4:5", 1},
    {"graphql_parse/success validation rules are independent case 2",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type Query {\n"
     "      x: Int\n"
     "  }\n"
     "  extend type Query {\n"
     "      myAction(myEnum: Locale!): SomeResult!\n"
     "  }\n"
     "  type SomeResult {\n"
     "      id: String\n"
     "  }\n"
     "  enum Locale {\n"
     "      EN\n"
     "      LT\n"
     "      DE\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query SomeOperation ($locale: Locale! = DE) {\n"
     "    myAction(myEnum: $locale) {\n"
     "      id\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "q_ast := {\"Operations\": [{\"Name\": \"SomeOperation\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"myAction\", \"Arguments\": [{\"Name\": \"myEnum\", \"Value\": {\"Kind\": 0, \"Raw\": \"locale\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"myAction\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}]}], \"VariableDefinitions\": [{\"DefaultValue\": {\"Kind\": 7, \"Raw\": \"DE\", \"ExpectedTypeHasDefault\": false}, \"Type\": {\"NamedType\": \"Locale\", \"NonNull\": true}, \"Used\": false, \"Variable\": \"locale\"}]}]}\n"
     "p if { [q_ast, _] = graphql.parse(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_parse/success deprecating types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type DeprecatedType {\n"
     "    deprecatedField: String @deprecated\n"
     "    newField(deprecatedArg: Int): Boolean\n"
     "  }\n"
     "  enum DeprecatedEnum {\n"
     "    ALPHA @deprecated\n"
     "  }\n"
     "`\n"
     "\n"
     "query := ``\n"
     "p if { [{}, _] = graphql.parse(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_parse/success no unused variables",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type Query {\n"
     "    bar: String!\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query Foo($flag: Boolean!) {\n"
     "    ...Bar\n"
     "  }\n"
     "  fragment Bar on Query {\n"
     "    bar @include(if: $flag)\n"
     "  }\n"
     "`\n"
     "\n"
     "q_ast := {\"Fragments\": [{\"Name\": \"Bar\", \"SelectionSet\": [{\"Alias\": \"bar\", \"Directives\": [{\"Arguments\": [{\"Name\": \"if\", \"Value\": {\"Kind\": 0, \"Raw\": \"flag\", \"ExpectedTypeHasDefault\": false}}], \"Location\": \"\", \"Name\": \"include\"}], \"Name\": \"bar\"}], \"TypeCondition\": \"Query\"}], \"Operations\": [{\"Name\": \"Foo\", \"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"Bar\"}], \"VariableDefinitions\": [{\"Type\": {\"NamedType\": \"Boolean\", \"NonNull\": true}, \"Used\": false, \"Variable\": \"flag\"}]}]}\n"
     "p if { [q_ast, _] = graphql.parse(query, schema) }\n"
     "",
     "true", 0},
    {"graphql_parse/success - AST objects - Employee example",
     "package test\n"
     "\n"
     "schema_ast := graphql.parse_schema(`\n"
     "  type Employee {\n"
     "    id: String!\n"
     "    salary: Int!\n"
     "  }\n"
     "\n"
     "  schema {\n"
     "    query: Query\n"
     "  }\n"
     "\n"
     "  type Query {\n"
     "    employeeByID(id: String): Employee\n"
     "  }\n"
     "`)\n"
     "\n"
     "query_ast := graphql.parse_query(`\n"
     "  query { employeeByID(id: \"alice\") { salary }}\n"
     "`)\n"
     "\n"
     "p if { [query_ast, schema_ast] = graphql.parse(query_ast, schema_ast) }\n"
     "",
     "true", 0},
    {"graphql_parse_and_verify/success extending non-existent types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type User {\n"
     "      id: ID!\n"
     "  }\n"
     "  extend type Product {\n"
     "      upc: String!\n"
     "  }\n"
     "  union _Entity = Product | User\n"
     "  extend type Query {\n"
     "    entity: _Entity\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  {\n"
     "    entity {\n"
     "      ... on User {\n"
     "      id\n"
     "      }\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "q_ast := {\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"entity\", \"Name\": \"entity\", \"SelectionSet\": [{\"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}], \"TypeCondition\": \"User\"}]}]}]}\n"
     "p if {\n"
     "  [valid, q_ast, _] = graphql.parse_and_verify(query, schema)\n"
     "  valid\n"
     "}\n"
     "",
     "true", 0},
    {"graphql_parse_and_verify/success validation rules are independent case 1",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type Query {\n"
     "      myAction(myEnum: Locale!): SomeResult!\n"
     "  }\n"
     "  type SomeResult {\n"
     "      id: String\n"
     "  }\n"
     "  enum Locale {\n"
     "      EN\n"
     "      LT\n"
     "      DE\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query SomeOperation {\n"
     "    # Note: Not providing mandatory parameter: (myEnum: Locale!)\n"
     "    myAction {\n"
     "      id\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "p if {\n"
     "  [valid, q_ast, _] = graphql.parse_and_verify(query, schema)\n"
     "  not valid\n"
     "}\n"
     "",
     "true", 0},
    {"graphql_parse_and_verify/success validation rules are independent case 2",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type Query {\n"
     "      x: Int\n"
     "  }\n"
     "  extend type Query {\n"
     "      myAction(myEnum: Locale!): SomeResult!\n"
     "  }\n"
     "  type SomeResult {\n"
     "      id: String\n"
     "  }\n"
     "  enum Locale {\n"
     "      EN\n"
     "      LT\n"
     "      DE\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query SomeOperation ($locale: Locale! = DE) {\n"
     "    myAction(myEnum: $locale) {\n"
     "      id\n"
     "    }\n"
     "  }\n"
     "`\n"
     "\n"
     "q_ast := {\"Operations\": [{\"Name\": \"SomeOperation\", \"Operation\": \"query\", \"SelectionSet\": [{\"Alias\": \"myAction\", \"Arguments\": [{\"Name\": \"myEnum\", \"Value\": {\"Kind\": 0, \"Raw\": \"locale\", \"ExpectedTypeHasDefault\": false}}], \"Name\": \"myAction\", \"SelectionSet\": [{\"Alias\": \"id\", \"Name\": \"id\"}]}], \"VariableDefinitions\": [{\"DefaultValue\": {\"Kind\": 7, \"Raw\": \"DE\", \"ExpectedTypeHasDefault\": false}, \"Type\": {\"NamedType\": \"Locale\", \"NonNull\": true}, \"Used\": false, \"Variable\": \"locale\"}]}]}\n"
     "p if {\n"
     "  [valid, q_ast, _] = graphql.parse_and_verify(query, schema)\n"
     "  valid\n"
     "}\n"
     "",
     "true", 0},
    {"graphql_parse_and_verify/success deprecating types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type DeprecatedType {\n"
     "    deprecatedField: String @deprecated\n"
     "    newField(deprecatedArg: Int): Boolean\n"
     "  }\n"
     "  enum DeprecatedEnum {\n"
     "    ALPHA @deprecated\n"
     "  }\n"
     "`\n"
     "\n"
     "query := ``\n"
     "p if {\n"
     "  [valid, {}, _] = graphql.parse_and_verify(query, schema)\n"
     "  valid\n"
     "}\n"
     "",
     "true", 0},
    {"graphql_parse_and_verify/success no unused variables",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type Query {\n"
     "    bar: String!\n"
     "  }\n"
     "`\n"
     "\n"
     "query := `\n"
     "  query Foo($flag: Boolean!) {\n"
     "    ...Bar\n"
     "  }\n"
     "  fragment Bar on Query {\n"
     "    bar @include(if: $flag)\n"
     "  }\n"
     "`\n"
     "\n"
     "q_ast := {\"Fragments\": [{\"Name\": \"Bar\", \"SelectionSet\": [{\"Alias\": \"bar\", \"Directives\": [{\"Arguments\": [{\"Name\": \"if\", \"Value\": {\"Kind\": 0, \"Raw\": \"flag\", \"ExpectedTypeHasDefault\": false}}], \"Location\": \"\", \"Name\": \"include\"}], \"Name\": \"bar\"}], \"TypeCondition\": \"Query\"}], \"Operations\": [{\"Name\": \"Foo\", \"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"Bar\"}], \"VariableDefinitions\": [{\"Type\": {\"NamedType\": \"Boolean\", \"NonNull\": true}, \"Used\": false, \"Variable\": \"flag\"}]}]}\n"
     "p if {\n"
     "  [valid, q_ast, _] = graphql.parse_and_verify(query, schema)\n"
     "  valid\n"
     "}\n"
     "",
     "true", 0},
    {"graphql_parse_and_verify/success - AST objects - Employee example",
     "package test\n"
     "\n"
     "schema_ast := graphql.parse_schema(`\n"
     "  type Employee {\n"
     "    id: String!\n"
     "    salary: Int!\n"
     "  }\n"
     "\n"
     "  schema {\n"
     "    query: Query\n"
     "  }\n"
     "\n"
     "  type Query {\n"
     "    employeeByID(id: String): Employee\n"
     "  }\n"
     "`)\n"
     "\n"
     "query_ast := graphql.parse_query(`\n"
     "  query { employeeByID(id: \"alice\") { salary }}\n"
     "`)\n"
     "\n"
     "p if {\n"
     "  [valid, query_ast, schema_ast] = graphql.parse_and_verify(query_ast, schema_ast)\n"
     "  valid\n"
     "}\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success extending non-existent types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type User {\n"
     "      id: ID!\n"
     "  }\n"
     "  extend type Product {\n"
     "      upc: String!\n"
     "  }\n"
     "  union _Entity = Product | User\n"
     "  extend type Query {\n"
     "    entity: _Entity\n"
     "  }\n"
     "`\n"
     "\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success validation rules are independent case 1 and 2",
     "package test\n"
     "\n"
     "schema := `\n"
     "  extend type Query {\n"
     "      myAction(myEnum: Locale!): SomeResult!\n"
     "  }\n"
     "  type SomeResult {\n"
     "      id: String\n"
     "  }\n"
     "  enum Locale {\n"
     "      EN\n"
     "      LT\n"
     "      DE\n"
     "  }\n"
     "`\n"
     "\n"
     "p := x if { x = graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success deprecating types",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type DeprecatedType {\n"
     "    deprecatedField: String @deprecated\n"
     "    newField(deprecatedArg: Int): Boolean\n"
     "  }\n"
     "  enum DeprecatedEnum {\n"
     "    ALPHA @deprecated\n"
     "  }\n"
     "`\n"
     "\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success no unused variables",
     "package test\n"
     "\n"
     "schema := `\n"
     "  type Query {\n"
     "    bar: String!\n"
     "  }\n"
     "`\n"
     "\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success - AST objects - Employee example",
     "package test\n"
     "\n"
     "schema_ast := graphql.parse_schema(`\n"
     "  type Employee {\n"
     "    id: String!\n"
     "    salary: Int!\n"
     "  }\n"
     "\n"
     "  schema {\n"
     "    query: Query\n"
     "  }\n"
     "\n"
     "  type Query {\n"
     "    employeeByID(id: String): Employee\n"
     "  }\n"
     "`)\n"
     "\n"
     "query_ast := graphql.parse_query(`\n"
     "  query { employeeByID(id: \"alice\") { salary }}\n"
     "`)\n"
     "\n"
     "p if { graphql.schema_is_valid(schema_ast) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-object-extensions simple",
     "package test\n"
     "schema := `\n"
     "  type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-object-extensions with description",
     "package test\n"
     "schema := `\n"
     "  \"Description\"\n"
     "  type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-object-extensions with block description",
     "package test\n"
     "schema := `\n"
     "  \"\"\"\n"
     "  Description\n"
     "  \"\"\"\n"
     "  # Even with comments between them\n"
     "  type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-object-extensions with field arg",
     "package test\n"
     "schema := `\n"
     "  type Hello {\n"
     "    world(flag: Boolean): String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-object-extensions with field arg and default value",
     "package test\n"
     "schema := `\n"
     "  type Hello {\n"
     "    world(flag: Boolean = true): String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-object-extensions with field list arg",
     "package test\n"
     "schema := `\n"
     "  type Hello {\n"
     "    world(things: [String]): String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-object-extensions with two args",
     "package test\n"
     "schema := `\n"
     "  type Hello {\n"
     "    world(argOne: Boolean, argTwo: Int): String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/failure-object-extensions must define one or more fields",
     "package test\n"
     "schema := `\n"
     "  type Hello {}\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-type-extensions object extension",
     "package test\n"
     "schema := `\n"
     "  extend type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-type-extensions without any fields",
     "package test\n"
     "schema := `\n"
     "  extend type Hello implements Greeting\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-type-extensions without fields twice",
     "package test\n"
     "schema := `\n"
     "  extend type Hello implements Greeting\n"
     "  extend type Hello implements SecondGreeting\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-type-extensions without anything errors",
     "package test\n"
     "schema := `\n"
     "  extend type Hello\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-type-extensions can have descriptions",
     "package test\n"
     "schema := `\n"
     "  \"Description\"\n"
     "  extend type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-type-extensions can not have descriptions on types",
     "package test\n"
     "schema := `\n"
     "  extend \"Description\" type Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-type-extensions all can have directives",
     "package test\n"
     "schema := `\n"
     "  extend scalar Foo @deprecated\n"
     "  extend type Foo @deprecated\n"
     "  extend interface Foo @deprecated\n"
     "  extend union Foo @deprecated\n"
     "  extend enum Foo @deprecated\n"
     "  extend input Foo @deprecated\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-schema-definition simple",
     "package test\n"
     "schema := `\n"
     "  schema {\n"
     "    query: Query\n"
     "  }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-schema-extensions simple",
     "package test\n"
     "schema := `\n"
     "  extend schema {\n"
     "    mutation: Mutation\n"
     "  }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-schema-extensions directive only",
     "package test\n"
     "schema := `\n"
     "  type Query {\n"
     "      x: Int\n"
     "  }\n"
     "  directive @directive(a: String = \"b\") on SCHEMA\n"
     "  extend schema @directive\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/failure-schema-extensions without anything errors",
     "package test\n"
     "schema := `\n"
     "  extend schema\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-inheritance single",
     "package test\n"
     "schema := `\n"
     "  type Hello implements World { field: String }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-inheritance multi",
     "package test\n"
     "schema := `\n"
     "  type Hello implements Wo & rld { field: String }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-inheritance multi with leading amp",
     "package test\n"
     "schema := `\n"
     "  type Hello implements & Wo & rld { field: String }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-enums single value",
     "package test\n"
     "schema := `\n"
     "  enum Hello { WORLD }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-enums double value",
     "package test\n"
     "schema := `\n"
     "  enum Hello { WO, RLD }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/failure-enums must define one or more unique enum values",
     "package test\n"
     "schema := `\n"
     "  enum Hello {}\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-interface simple",
     "package test\n"
     "schema := `\n"
     "  interface Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/failure-interface must define one or more fields",
     "package test\n"
     "schema := `\n"
     "  interface Hello {}\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-interface may define intermediate interfaces",
     "package test\n"
     "schema := `\n"
     "  interface IA {\n"
     "    id: ID!\n"
     "  }\n"
     "  interface IIA implements IA {\n"
     "    id: ID!\n"
     "  }\n"
     "  type A implements IIA {\n"
     "    id: ID!\n"
     "  }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-unions simple",
     "package test\n"
     "schema := `\n"
     "  union Hello = World\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-unions with two types",
     "package test\n"
     "schema := `\n"
     "  union Hello = Wo | Rld\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-unions with leading pipe",
     "package test\n"
     "schema := `\n"
     "  union Hello = | Wo | Rld\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-unions cant be empty",
     "package test\n"
     "schema := `\n"
     "  union Hello = || Wo | Rld\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-unions cant double pipe",
     "package test\n"
     "schema := `\n"
     "  union Hello = Wo || Rld\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-unions cant have trailing pipe",
     "package test\n"
     "schema := `\n"
     "  union Hello = | Wo | Rld |\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-scalar simple",
     "package test\n"
     "schema := `\n"
     "  scalar Hello\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-input-objects simple",
     "package test\n"
     "schema := `\n"
     "  input Hello {\n"
     "    world: String\n"
     "  }\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/failure-input-objects can not have args",
     "package test\n"
     "schema := `\n"
     "  input Hello {\n"
     "    world(foo: Int): String\n"
     "  }\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/failure-input-objects must define one or more input fields",
     "package test\n"
     "schema := `\n"
     "  input Hello {}\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/success-directives simple",
     "package test\n"
     "schema := `\n"
     "  directive @foo on FIELD\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-directives executable",
     "package test\n"
     "schema := `\n"
     "  directive @onQuery on QUERY\n"
     "  directive @onMutation on MUTATION\n"
     "  directive @onSubscription on SUBSCRIPTION\n"
     "  directive @onField on FIELD\n"
     "  directive @onFragmentDefinition on FRAGMENT_DEFINITION\n"
     "  directive @onFragmentSpread on FRAGMENT_SPREAD\n"
     "  directive @onInlineFragment on INLINE_FRAGMENT\n"
     "  directive @onVariableDefinition on VARIABLE_DEFINITION\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/success-directives repeatable",
     "package test\n"
     "schema := `\n"
     "  directive @foo repeatable on FIELD\n"
     "`\n"
     "p if { graphql.schema_is_valid(schema) }\n"
     "",
     "true", 0},
    {"graphql_schema_is_valid/failure-directives invalid location",
     "package test\n"
     "schema := `\n"
     "  directive @foo on FIELD | INCORRECT_LOCATION\n"
     "`\n"
     "p := x if { x := graphql.schema_is_valid(schema) }\n"
     "",
     "false", 0},
    {"graphql_schema_is_valid/schema failure with object in input object",
     "package test\n"
     "schema := `\n"
     "  type Mutation {\n"
     "    createPupil(pupil: PupilInput!): Pupil\n"
     "  }\n"
     "  type Query {\n"
     "    pupil(firstname: String): Pupil\n"
     "  }\n"
     "  type Pupil {\n"
     "    friends: [Pupil!]!\n"
     "  }\n"
     "  input PupilInput {\n"
     "    friends: [Pupil]\n"
     "  }\n"
     "  schema {\n"
     "    query: Query\n"
     "    mutation: Mutation\n"
     "  }`\n"
     "p := x if { x := graphql.schema_is_valid(graphql.parse_schema(schema)) }\n"
     "",
     "false", 0},
};

START_TEST(test_opa_conformance_cases)
{
    size_t n = sizeof opa_cases / sizeof opa_cases[0];
    int failed = 0;
    strbuf report = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const yaml_case *c = &opa_cases[i];
        char *got = eval_value(c->module, "data.test.p", c->strict);
        if (strcmp(got, c->want) != 0) {
            failed++;
            sb_printf(&report, "\n%s:\n  got  %s\n  want %s", c->note, got, c->want);
        }
        free(got);
    }
    ck_assert_msg(failed == 0, "%d of %zu OPA graphql cases failed:%s", failed, n, report.data ? report.data : "");
    sb_free(&report);
}
END_TEST

/* ---- OPA's topdown/graphql_test.go ---- */

static const char employee_schema[] = "\n"
                                      "       type Employee {\n"
                                      "               id: String!\n"
                                      "               salary: Int!\n"
                                      "       }\n"
                                      "\n"
                                      "       schema {\n"
                                      "               query: Query\n"
                                      "       }\n"
                                      "\n"
                                      "       type Query {\n"
                                      "               employeeByID(id: String!): Employee\n"
                                      "       }";

static const char invalid_employee_schema[] = "\n"
                                              "\ttype Employee {\n"
                                              "\t\tid: String!\n"
                                              "\t\tsalary: Int!\n"
                                              "\t}\n"
                                              "\n"
                                              "\tschema {\n"
                                              "\t\tquery: Query\n"
                                              "\t}\n"
                                              "\n"
                                              "\ttype Broken {\n"
                                              "\t\tfixme\n"
                                              "\n"
                                              "\ttype Query {\n"
                                              "\t\temployeeByID(id: String!): Employee\n"
                                              "\t}";

static const char employee_query_ast[] =
    "{\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":\"employeeByID\",\"Arguments\":"
    "[{\"Name\":\"id\",\"Value\":{\"ExpectedTypeHasDefault\": false, \"Kind\":3,\"Raw\":\"alice\"}}],\"Name\":"
    "\"employeeByID\",\"SelectionSet\":[{\"Alias\":\"salary\",\"Name\":\"salary\"}]}]}]}";

static const char employee_schema_ast[] =
    "{\"Definitions\":[{\"BuiltIn\":false,\"Description\":\"\",\"Fields\":[{\"Description\":\"\",\"Name\":\"id\","
    "\"Type\":{\"NamedType\":\"String\",\"NonNull\":true}},{\"Description\":\"\",\"Name\":\"salary\",\"Type\":{"
    "\"NamedType\":\"Int\",\"NonNull\":true}}],\"Kind\":\"OBJECT\",\"Name\":\"Employee\"},{\"BuiltIn\":false,"
    "\"Description\":\"\",\"Fields\":[{\"Arguments\":[{\"Description\":\"\",\"Name\":\"id\",\"Type\":{\"NamedType\":"
    "\"String\",\"NonNull\":true}}],\"Description\":\"\",\"Name\":\"employeeByID\",\"Type\":{\"NamedType\":"
    "\"Employee\",\"NonNull\":false}}],\"Kind\":\"OBJECT\",\"Name\":\"Query\"}],\"Schema\":[{\"Description\":\"\","
    "\"OperationTypes\":[{\"Operation\":\"query\",\"Type\":\"Query\"}]}]}";

static const char *both_asts(void)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "=[%s,%s]", employee_query_ast, employee_schema_ast);
    return buf;
}

START_TEST(test_go_parse_string)
{
    expect("valid employee query and GQL schema", "graphql.parse", S("{ employeeByID(id: \"alice\") { salary } }"),
           S(employee_schema), both_asts());
    expect("valid employee schema, invalid query", "graphql.parse", S("{employeeByID(\"alice\""), S(employee_schema),
           "!eval_builtin_error: Expected Name, found String in GraphQL string at location 1:16");
    expect("invalid", "graphql.parse", S("{ employeeByID(id:\"bob\") } "), S(invalid_employee_schema),
           "!eval_builtin_error: Expected :, found Name in GraphQL string at location 14:2");
    expect("empty", "graphql.parse", S("{ employeeByID(id: \"charlie\") { id salary } }"), S(""),
           /* no final period to trim: the list's newline stays, as in OPA */
           "!eval_builtin_error: Schema does not support operation type \"query\"\n in GraphQL string at location 1:1");
}
END_TEST

START_TEST(test_go_parse_object)
{
    expect("valid employee schema, valid query", "graphql.parse", S("{ employeeByID(id: \"alice\") { salary } }"),
           J(employee_schema_ast), both_asts());
    expect("valid employee schema, invalid query", "graphql.parse", S("{employeeByID(\"alice\""),
           J(employee_schema_ast), "!");
}
END_TEST

START_TEST(test_go_schema_is_valid)
{
    expect("valid employee", "graphql.schema_is_valid", S(employee_schema), NULL, "=true");
    expect("invalid", "graphql.schema_is_valid", S(invalid_employee_schema), NULL, "=false");
    expect("empty", "graphql.schema_is_valid", S(""), NULL, "=true");
    expect("valid employee schema as object", "graphql.schema_is_valid", J(employee_schema_ast), NULL, "=true");
}
END_TEST

START_TEST(test_go_parse_and_verify)
{
    static const char failure[] = "=[false,{},{}]";
    char want[4096];
    snprintf(want, sizeof want, "=[true,%s,%s]", employee_query_ast, employee_schema_ast);
    expect("valid employee query and GQL schema", "graphql.parse_and_verify",
           S("{ employeeByID(id: \"alice\") { salary } }"), S(employee_schema), want);
    expect("valid employee schema, invalid query", "graphql.parse_and_verify", S("{employeeByID(\"alice\""),
           S(employee_schema), failure);
    expect("invalid schema", "graphql.parse_and_verify", S("{ employeeByID(id: \"alice\") { salary } }"),
           S(invalid_employee_schema), failure);
    expect("invalid query", "graphql.parse_and_verify", S("{ employeeByID(id:\"bob\") } "), S(employee_schema),
           failure);
    expect("empty schema is not ok", "graphql.parse_and_verify", S("{ employeeByID(id: \"charlie\") { id salary } }"),
           S(""), failure);
    snprintf(want, sizeof want, "=[true,{},%s]", employee_schema_ast);
    expect("empty query is ok", "graphql.parse_and_verify", S(""), S(employee_schema), want);
}
END_TEST

START_TEST(test_go_is_valid)
{
    expect("valid employee - query as string", "graphql.is_valid", S("{ employeeByID(id: \"alice\") { salary } }"),
           S(employee_schema), "=true");
    expect("valid employee - query as object", "graphql.is_valid", J(employee_query_ast), S(employee_schema),
           "=true");
    expect("invalid schema", "graphql.is_valid", S("{ employeeByID(id: \"alice\") { salary } }"),
           S(invalid_employee_schema), "=false");
    expect("invalid query", "graphql.is_valid", S("{ employeeByID(id: \"bob\") }"), S(employee_schema), "=false");
}
END_TEST

START_TEST(test_go_parse_query)
{
    char want[4096];
    snprintf(want, sizeof want, "=%s", employee_query_ast);
    expect("valid employee - query as string", "graphql.parse_query", S("{ employeeByID(id: \"alice\") { salary } }"),
           NULL, want);
    expect("invalid query", "graphql.parse_query", S("{ employeeByID(\"id: bob\") }"), NULL,
           "!eval_builtin_error: Expected Name, found String in GraphQL string at location 1:17");
    expect("empty query is valid", "graphql.parse_query", S(""), NULL, "={}");
}
END_TEST

START_TEST(test_go_parse_schema)
{
    char want[4096];
    snprintf(want, sizeof want, "=%s", employee_schema_ast);
    expect("valid schema as string", "graphql.parse_schema", S(employee_schema), NULL, want);
    expect("invalid schema as string", "graphql.parse_schema", S(invalid_employee_schema), NULL, "!");
    expect("empty schema is valid", "graphql.parse_schema", S(""), NULL, "={}");
}
END_TEST


/* ---- validation rules (gqlparser's messages, positions and order) ---- */

typedef struct rule_case {
    const char *query;
    const char *want;       /* "=ok" (valid) or "!code: message" */
} rule_case;

/* A schema in the style of graphql-js's validation tests.  Expected errors
 * read as OPA reports them: every error of the list, the first one's
 * location at the end; a message not ending in '.' keeps the newline that
 * OPA's formatting leaves. */
static const char rules_schema[] =
    "interface Pet { name(surname: Boolean): String }\n"
    "enum DogCommand { SIT HEEL DOWN }\n"
    "type Dog implements Pet {\n"
    "  name(surname: Boolean): String\n"
    "  nickname: String\n"
    "  barkVolume: Int\n"
    "  barks: Boolean\n"
    "  doesKnowCommand(dogCommand: DogCommand): Boolean\n"
    "  isHouseTrained(atOtherHomes: Boolean = true): Boolean\n"
    "  isAtLocation(x: Int, y: Int): Boolean\n"
    "}\n"
    "type Cat implements Pet {\n"
    "  name(surname: Boolean): String\n"
    "  nickname: String\n"
    "  meows: Boolean\n"
    "  meowVolume: Int\n"
    "  furColor: FurColor\n"
    "}\n"
    "union CatOrDog = Cat | Dog\n"
    "type Human {\n"
    "  name(surname: Boolean): String\n"
    "  pets: [Pet]\n"
    "  relatives: [Human]\n"
    "}\n"
    "enum FurColor { BROWN BLACK TAN SPOTTED NO_FUR UNKNOWN }\n"
    "input ComplexInput {\n"
    "  requiredField: Boolean!\n"
    "  nonNullField: Boolean! = false\n"
    "  intField: Int\n"
    "  stringField: String\n"
    "  booleanField: Boolean\n"
    "  stringListField: [String]\n"
    "}\n"
    "type ComplicatedArgs {\n"
    "  intArgField(intArg: Int): String\n"
    "  nonNullIntArgField(nonNullIntArg: Int!): String\n"
    "  stringArgField(stringArg: String): String\n"
    "  booleanArgField(booleanArg: Boolean): String\n"
    "  enumArgField(enumArg: FurColor): String\n"
    "  floatArgField(floatArg: Float): String\n"
    "  idArgField(idArg: ID): String\n"
    "  stringListArgField(stringListArg: [String]): String\n"
    "  complexArgField(complexArg: ComplexInput): String\n"
    "  multipleReqs(req1: Int!, req2: Int!): String\n"
    "}\n"
    "type QueryRoot {\n"
    "  human(id: ID): Human\n"
    "  dog: Dog\n"
    "  cat: Cat\n"
    "  pet: Pet\n"
    "  catOrDog: CatOrDog\n"
    "  complicatedArgs: ComplicatedArgs\n"
    "}\n"
    "type SubscriptionRoot { newDog: Dog  newCat: Cat }\n"
    "schema { query: QueryRoot subscription: SubscriptionRoot }\n"
    "directive @onField on FIELD\n";

static const rule_case rule_cases[] = {
    {"{ dog { meowVolume } }",
     "!eval_builtin_error: Cannot query field \"meowVolume\" on type \"Dog\". Did you mean \"barkVolume\"?\n in GraphQL string at location 1:9"},
    {"{ pet { meows } }",
     "!eval_builtin_error: Cannot query field \"meows\" on type \"Pet\". Did you mean to use an inline fragment on \"Cat\"?\n in GraphQL string at location 1:9"},
    {"{ dog }",
     "!eval_builtin_error: Field \"dog\" of type \"Dog\" must have a selection of subfields. Did you mean \"dog { ... }\"?\n in GraphQL string at location 1:3"},
    {"{ dog { barks { x } } }",
     "!eval_builtin_error: Cannot query field \"x\" on type \"Boolean\".\ninput:1:9: Field \"barks\" must not have a selection since type \"Boolean\" has no subfields in GraphQL string at location 1:17"},
    {"{ dog { doesKnowCommand(dogCommand: SIT, command: SIT) } }",
     "!eval_builtin_error: Unknown argument \"command\" on field \"Dog.doesKnowCommand\". Did you mean \"dogCommand\"?\n in GraphQL string at location 1:9"},
    {"{ complicatedArgs { multipleReqs(req1: 1) } }",
     "!eval_builtin_error: Field \"multipleReqs\" argument \"req2\" of type \"Int!\" is required, but it was not provided in GraphQL string at location 1:21"},
    {"{ dog @unknown { name } }",
     "!eval_builtin_error: Unknown directive \"@unknown\" in GraphQL string at location 1:8"},
    {"query @onField { dog { name } }",
     "!eval_builtin_error: Directive \"@onField\" may not be used on QUERY in GraphQL string at location 1:8"},
    {"{ dog { ...Missing } }",
     "!eval_builtin_error: Unknown fragment \"Missing\" in GraphQL string at location 1:12"},
    {"{ dog { ...F } } fragment F on Dgo { name }",
     "!eval_builtin_error: Unknown type \"Dgo\". Did you mean \"Dog\"?\n in GraphQL string at location 1:18"},
    {"{ dog { name } } { cat { name } }",
     "!eval_builtin_error: This anonymous operation must be the only defined operation.\ninput:1:18: This anonymous operation must be the only defined operation.\ninput:1:18: There can be only one operation named \"\" in GraphQL string at location 1:1"},
    {"{ dog { ...A } } fragment A on Dog { ...B } fragment B on Dog { ...A }",
     "!eval_builtin_error: Cannot spread fragment \"A\" within itself via \"B\" in GraphQL string at location 1:68"},
    {"{ dog { name } } fragment Unused on Dog { name }",
     "!eval_builtin_error: Fragment \"Unused\" is never used in GraphQL string at location 1:18"},
    {"query Q($a: Int) { dog { name } }",
     "!eval_builtin_error: Variable \"$a\" is never used in operation \"Q\" in GraphQL string at location 1:9"},
    {"query Q { dog { isHouseTrained(atOtherHomes: $x) } }",
     "!eval_builtin_error: Variable \"$x\" is not defined by operation \"Q\" in GraphQL string at location 1:46"},
    {"{ dog { a: name b: name a: nickname } }",
     "!eval_builtin_error: Fields \"a\" conflict because name and nickname are different fields. Use different aliases on the fields to fetch both if this was intentional in GraphQL string at location 1:25"},
    {"{ dog { isAtLocation(x: 1, y: 1) isAtLocation(x: 1, y: 2) } }",
     "!eval_builtin_error: Fields \"isAtLocation\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional in GraphQL string at location 1:34"},
    {"{ dog { ... on Cat { meows } } }",
     "!eval_builtin_error: Fragment cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\" in GraphQL string at location 1:13"},
    {"{ dog { ...CatF } } fragment CatF on Cat { meows }",
     "!eval_builtin_error: Fragment \"CatF\" cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\" in GraphQL string at location 1:12"},
    {"{ dog { ... on Boolean { x } } }",
     "!eval_builtin_error: Cannot query field \"x\" on type \"Boolean\".\ninput:1:13: Fragment cannot condition on non composite type \"Boolean\" in GraphQL string at location 1:26"},
    {"subscription S { newDog { name } newCat { name } }",
     "!eval_builtin_error: Subscription \"S\" must select only one top level field in GraphQL string at location 1:34"},
    {"subscription { __typename }",
     "!eval_builtin_error: Anonymous Subscription must not select an introspection top level field in GraphQL string at location 1:16"},
    {"{ dog { isAtLocation(x: 1, x: 2) } }",
     "!eval_builtin_error: There can be only one argument named \"x\" in GraphQL string at location 1:28"},
    {"{ dog @onField @onField { name } }",
     "!eval_builtin_error: The directive \"@onField\" can only be used once at this location in GraphQL string at location 1:17"},
    {"{ dog { name } } fragment F on Dog { name } fragment F on Dog { name }",
     "!eval_builtin_error: Fragment \"F\" is never used.\ninput:1:45: Fragment \"F\" is never used.\ninput:1:45: There can be only one fragment named \"F\" in GraphQL string at location 1:18"},
    {"{ complicatedArgs { complexArgField(complexArg: { requiredField: true, intField: 1, intField: 2 }) } }",
     "!eval_builtin_error: There can be only one input field named \"intField\" in GraphQL string at location 1:85"},
    {"query Q { dog { name } } query Q { cat { name } }",
     "!eval_builtin_error: There can be only one operation named \"Q\" in GraphQL string at location 1:26"},
    {"query Q($a: Int, $a: Int) { complicatedArgs { intArgField(intArg: $a) } }",
     "!eval_builtin_error: Variable \"$a\" is never used in operation \"Q\".\ninput:1:18: There can be only one variable named \"$a\" in GraphQL string at location 1:18"},
    {"query Q($a: Dog) { dog { name } }",
     "!eval_builtin_error: Variable \"$a\" is never used in operation \"Q\".\ninput:1:9: Variable \"$a\" cannot be non-input type \"Dog\" in GraphQL string at location 1:9"},
    {"query Q($a: Int) { complicatedArgs { nonNullIntArgField(nonNullIntArg: $a) } }",
     "!eval_builtin_error: Variable \"$a\" of type \"Int\" used in position expecting type \"Int!\" in GraphQL string at location 1:72"},
    {"{ complicatedArgs { intArgField(intArg: \"3\") } }",
     "!eval_builtin_error: Int cannot represent non-integer value: \"3\"\n in GraphQL string at location 1:42"},
    {"{ complicatedArgs { intArgField(intArg: 3000000000) } }",
     "=ok"},
    {"{ complicatedArgs { stringArgField(stringArg: 1) } }",
     "!eval_builtin_error: String cannot represent a non string value: 1\n in GraphQL string at location 1:47"},
    {"{ complicatedArgs { booleanArgField(booleanArg: 2) } }",
     "!eval_builtin_error: Boolean cannot represent a non boolean value: 2\n in GraphQL string at location 1:49"},
    {"{ complicatedArgs { floatArgField(floatArg: true) } }",
     "!eval_builtin_error: Float cannot represent non numeric value: true\n in GraphQL string at location 1:45"},
    {"{ complicatedArgs { idArgField(idArg: 1.5) } }",
     "!eval_builtin_error: ID cannot represent a non-string and non-integer value: 1.5\n in GraphQL string at location 1:39"},
    {"{ complicatedArgs { enumArgField(enumArg: \"BROWN\") } }",
     "!eval_builtin_error: Enum \"FurColor\" cannot represent non-enum value: \"BROWN\". Did you mean the enum value \"BROWN\"?\n in GraphQL string at location 1:44"},
    {"{ complicatedArgs { enumArgField(enumArg: BRWN) } }",
     "!eval_builtin_error: Value \"BRWN\" does not exist in \"FurColor\" enum. Did you mean the enum value \"BROWN\"?\n in GraphQL string at location 1:43"},
    {"{ complicatedArgs { intArgField(intArg: BROWN) } }",
     "!eval_builtin_error: Int cannot represent non-integer value: BROWN\n in GraphQL string at location 1:41"},
    {"{ complicatedArgs { complexArgField(complexArg: { intField: 4 }) } }",
     "!eval_builtin_error: Field \"ComplexInput.requiredField\" of required type \"Boolean!\" was not provided in GraphQL string at location 1:49"},
    {"{ complicatedArgs { complexArgField(complexArg: { requiredField: true, nonExistent: 1 }) } }",
     "!eval_builtin_error: Field \"nonExistent\" is not defined by type \"ComplexInput\" in GraphQL string at location 1:72"},
    {"{ complicatedArgs { nonNullIntArgField(nonNullIntArg: null) } }",
     "!eval_builtin_error: Expected value of type \"Int!\", found null in GraphQL string at location 1:55"},
    {"{ complicatedArgs { stringListArgField(stringListArg: [\"a\", 2]) } }",
     "!eval_builtin_error: String cannot represent a non string value: 2\n in GraphQL string at location 1:61"},
    {"{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
     "!eval_builtin_error: Maximum introspection depth exceeded\n in GraphQL string at location 1:3"},
    {"{ dog { name @include(if: true, unless: false) } }",
     "!eval_builtin_error: Unknown argument \"unless\" on directive \"@include\" in GraphQL string at location 1:15"},
    {"{ dog { name @include } }",
     "!eval_builtin_error: Directive \"@include\" argument \"if\" of type \"Boolean!\" is required, but it was not provided in GraphQL string at location 1:15"},
    {"{ dog { name(surname: true) name } }",
     "!eval_builtin_error: Fields \"name\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional in GraphQL string at location 1:29"},
    {"{ human { pets { name } relatives { name } } }",
     "=ok"},
};

START_TEST(test_validation_rules)
{
    size_t n = sizeof rule_cases / sizeof rule_cases[0];
    for (size_t i = 0; i < n; i++) {
        const rule_case *c = &rule_cases[i];
        char *got = call("graphql.parse", S(c->query), S(rules_schema));
        bool ok = !strcmp(c->want, "=ok") ? !strncmp(got, "=[", 2) : !strcmp(got, c->want);
        ck_assert_msg(ok, "%s\n  got  %s\n  want %s", c->query, got, c->want);
        free(got);
        /* is_valid and parse_and_verify agree */
        got = call("graphql.is_valid", S(c->query), S(rules_schema));
        ck_assert_str_eq(got, !strcmp(c->want, "=ok") ? "=true" : "=false");
        free(got);
    }
}
END_TEST

typedef struct schema_case {
    const char *schema;
    const char *want;
} schema_case;

/* ValidateSchemaDocument stops at its first error; types are checked in
 * name order. */
static const schema_case schema_cases[] = {
    {"type Query { a: Int } type Query { b: Int }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:28: Cannot redeclare type Query."},
    {"type Query { a: Int } schema { query: Nope }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:32: Schema root query refers to "
     "a type Nope that does not exist."},
    {"type Query { a: Nope }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:17: Undefined type Nope."},
    {"type Query { __a: Int }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:14: Name \"__a\" must not "
     "begin with \"__\", which is reserved by GraphQL introspection."},
    {"type Query { a(x: Query): Int }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:16: cannot use Query as "
     "argument x because OBJECT is not a valid input type"},
    {"type Query { a: Int @skip(if: true) }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:22: Directive skip is not "
     "applicable on FIELD_DEFINITION."},
    {"type Query { a: Int } enum E { true }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:28: ENUM E: non-enum value "
     "true."},
    {"type Query { a: Int } interface I { b: Int } type T implements I { c: Int }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:51: For T to implement I it "
     "must have a field called b."},
    {"type Query { a: Int a: String }",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:21: Field Query.a can only "
     "be defined once."},
    {"type Query { a: Int } directive @x on FIELD directive @x on FIELD",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:56: Cannot redeclare "
     "directive x."},
    {"type Query { a: Int } union U = Query | Int",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:29: UNION type \"Int\" must "
     "be OBJECT."},
    {"type Query { a: Int } extend scalar Query @deprecated",
     "!eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: input:1:37: Cannot extend type Query "
     "because the base type is a OBJECT, not SCALAR."},
    /* the built-in directives may be declared again */
    {"type Query { a: Int } directive @include(if: Boolean!) on FIELD", "=ok"},
    {"extend type Query { a: Int }", "=ok"},
};

START_TEST(test_schema_validation)
{
    for (size_t i = 0; i < sizeof schema_cases / sizeof schema_cases[0]; i++) {
        const schema_case *c = &schema_cases[i];
        char *got = call("graphql.parse", S("{ a }"), S(c->schema));
        bool ok = !strcmp(c->want, "=ok") ? !strncmp(got, "=[", 2) : !strcmp(got, c->want);
        ck_assert_msg(ok, "%s\n  got  %s\n  want %s", c->schema, got, c->want);
        free(got);
        got = call("graphql.schema_is_valid", S(c->schema), NULL);
        ck_assert_str_eq(got, !strcmp(c->want, "=ok") ? "=true" : "=false");
        free(got);
    }
}
END_TEST

/* ---- lexer and parser ---- */

START_TEST(test_lexer_and_values)
{
    /* a lexical error shows as the parser's <Invalid> token */
    expect("unterminated string", "graphql.parse_query", S("{ f(a: \"abc) }"), NULL,
           "!eval_builtin_error: Unexpected <Invalid> in GraphQL string at location 1:15");
    expect("leading zero", "graphql.parse_query", S("query { a(x: 0123) }"), NULL,
           "!eval_builtin_error: Unexpected <Invalid> in GraphQL string at location 1:15");
    expect("single quote", "graphql.parse_query", S("{ f(a: 'x') }"), NULL,
           "!eval_builtin_error: Unexpected <Invalid> in GraphQL string at location 1:8");
    expect("trailing dot", "graphql.parse_query", S("{ f(a: 1.) }"), NULL,
           "!eval_builtin_error: Unexpected <Invalid> in GraphQL string at location 1:10");
    /* block strings lose their common indentation and blank edges */
    expect("block string", "graphql.parse_query", S("{ f(a: \"\"\"\n    hello\n      world\n  \"\"\") }"), NULL,
           "={\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":\"f\",\"Arguments\":[{"
           "\"Name\":\"a\",\"Value\":{\"ExpectedTypeHasDefault\":false,\"Kind\":4,\"Raw\":\"hello\\n  world\"}}],"
           "\"Name\":\"f\"}]}]}");
    expect("escapes", "graphql.parse_query", S("{ f(a: \"a\\\"b\\u0041\\n\303\251\") }"), NULL,
           "={\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":\"f\",\"Arguments\":[{"
           "\"Name\":\"a\",\"Value\":{\"ExpectedTypeHasDefault\":false,\"Kind\":3,\"Raw\":\"a\\\"bA\\n\303\251\"}}],"
           "\"Name\":\"f\"}]}]}");
    expect("numbers and empty collections", "graphql.parse_query", S("{ f(a: 1.5e3, b: -0, c: [], d: {}) }"), NULL,
           "={\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":\"f\",\"Arguments\":[{"
           "\"Name\":\"a\",\"Value\":{\"ExpectedTypeHasDefault\":false,\"Kind\":2,\"Raw\":\"1.5e3\"}},{\"Name\":\"b\","
           "\"Value\":{\"ExpectedTypeHasDefault\":false,\"Kind\":1,\"Raw\":\"-0\"}},{\"Name\":\"c\",\"Value\":{"
           "\"ExpectedTypeHasDefault\":false,\"Kind\":8,\"Raw\":\"\"}},{\"Name\":\"d\",\"Value\":{"
           "\"ExpectedTypeHasDefault\":false,\"Kind\":9,\"Raw\":\"\"}}],\"Name\":\"f\"}]}]}");
    expect("schema descriptions and directives", "graphql.parse_schema",
           S("\"\"\"\n  Multi\n  line\n\"\"\"\nscalar S @specifiedBy(url: \"x\")"), NULL,
           "={\"Definitions\":[{\"BuiltIn\":false,\"Description\":\"Multi\\nline\",\"Directives\":[{\"Arguments\":[{"
           "\"Name\":\"url\",\"Value\":{\"ExpectedTypeHasDefault\":false,\"Kind\":3,\"Raw\":\"x\"}}],\"Location\":\"\","
           "\"Name\":\"specifiedBy\"}],\"Kind\":\"SCALAR\",\"Name\":\"S\"}]}");
    expect("directive definitions", "graphql.parse_schema",
           S("type Q { f(a: Int = 1 @deprecated): Int @deprecated(reason: \"r\") } "
             "directive @d(x: [Int!] = [1]) repeatable on FIELD | QUERY"),
           NULL,
           "={\"Definitions\":[{\"BuiltIn\":false,\"Description\":\"\",\"Fields\":[{\"Arguments\":[{\"DefaultValue\":{"
           "\"ExpectedTypeHasDefault\":false,\"Kind\":1,\"Raw\":\"1\"},\"Description\":\"\",\"Directives\":[{"
           "\"Location\":\"\",\"Name\":\"deprecated\"}],\"Name\":\"a\",\"Type\":{\"NamedType\":\"Int\",\"NonNull\":"
           "false}}],\"Description\":\"\",\"Directives\":[{\"Arguments\":[{\"Name\":\"reason\",\"Value\":{"
           "\"ExpectedTypeHasDefault\":false,\"Kind\":3,\"Raw\":\"r\"}}],\"Location\":\"\",\"Name\":\"deprecated\"}],"
           "\"Name\":\"f\",\"Type\":{\"NamedType\":\"Int\",\"NonNull\":false}}],\"Kind\":\"OBJECT\",\"Name\":\"Q\"}],"
           "\"Directives\":[{\"Arguments\":[{\"DefaultValue\":{\"Children\":[{\"Name\":\"\",\"Value\":{"
           "\"ExpectedTypeHasDefault\":false,\"Kind\":1,\"Raw\":\"1\"}}],\"ExpectedTypeHasDefault\":false,\"Kind\":8,"
           "\"Raw\":\"\"},\"Description\":\"\",\"Name\":\"x\",\"Type\":{\"Elem\":{\"NamedType\":\"Int\",\"NonNull\":"
           "true},\"NamedType\":\"\",\"NonNull\":false}}],\"Description\":\"\",\"IsRepeatable\":true,\"Locations\":["
           "\"FIELD\",\"QUERY\"],\"Name\":\"d\"}]}");
}
END_TEST

START_TEST(test_comments)
{
    /* comments attach to the node that follows them */
    expect("operation", "graphql.parse_query", S("# c\nquery Q { a }"), NULL,
           "={\"Operations\":[{\"Comment\":{\"List\":[{\"Value\":\"# c\"}]},\"Name\":\"Q\",\"Operation\":\"query\","
           "\"SelectionSet\":[{\"Alias\":\"a\",\"Name\":\"a\"}]}]}");
    /* ... except where gqlparser builds the node in one Go literal (as the
     * shorthand query): the comment is read after the parse and is gone */
    expect("shorthand operation", "graphql.parse_query", S("# c\n{ a }"), NULL,
           "={\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":\"a\",\"Name\":\"a\"}]}]}");
    expect("fields", "graphql.parse_query", S("{\n  # f1\n  # f2\n  a\n  # g\n  b(x: 1)\n}"), NULL,
           "={\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":\"a\",\"Comment\":{"
           "\"List\":[{\"Value\":\"# f1\"},{\"Value\":\"# f2\"}]},\"Name\":\"a\"},{\"Alias\":\"b\",\"Arguments\":[{"
           "\"Name\":\"x\",\"Value\":{\"ExpectedTypeHasDefault\":false,\"Kind\":1,\"Raw\":\"1\"}}],\"Comment\":{"
           "\"List\":[{\"Value\":\"# g\"}]},\"Name\":\"b\"}]}]}");
    expect("schema", "graphql.parse_schema",
           S("# before\n\"desc\"\n# after\ntype T {\n  # field\n  a: Int\n  # end\n}\n# trailing"), NULL,
           "={\"Comment\":{\"List\":[{\"Value\":\"# trailing\"}]},\"Definitions\":[{\"AfterDescriptionComment\":{"
           "\"List\":[{\"Value\":\"# after\"}]},\"BeforeDescriptionComment\":{\"List\":[{\"Value\":\"# before\"}]},"
           "\"BuiltIn\":false,\"Description\":\"desc\",\"EndOfDefinitionComment\":{\"List\":[{\"Value\":\"# end\"}]},"
           "\"Fields\":[{\"AfterDescriptionComment\":{\"List\":[{\"Value\":\"# field\"}]},\"Description\":\"\","
           "\"Name\":\"a\",\"Type\":{\"NamedType\":\"Int\",\"NonNull\":false}}],\"Kind\":\"OBJECT\",\"Name\":\"T\"}]}");
}
END_TEST

/* ---- AST objects as arguments ---- */

START_TEST(test_ast_objects)
{
    /* decoding errors read as Go's encoding/json words them */
    expect("wrong JSON type", "graphql.parse", J("{\"Operations\": \"x\"}"), S("type Query { a: Int }"),
           "!eval_builtin_error: json: cannot unmarshal string into Go struct field QueryDocument.Operations of type "
           "ast.OperationList");
    /* a selection given as an object is always a Field (gqlparser's
     * decoder); nodes without a Position give errors without a location */
    expect("inline fragment object", "graphql.parse",
           J("{\"Operations\": [{\"Operation\": \"query\", \"SelectionSet\": [{\"TypeCondition\": \"Query\", "
             "\"SelectionSet\": [{\"Name\": \"a\"}]}]}]}"),
           S("type Query { a: Int }"),
           "!eval_builtin_error: GraphQL parse error: input: Cannot query field \"\" on type \"Query\". Did you mean "
           "\"a\"?\n");
    /* keys of the standard structs match case-insensitively; the ASTs come
     * back in canonical form */
    expect("case-insensitive keys", "graphql.parse",
           J("{\"operations\": [{\"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"a\"}]}]}"),
           J("{\"definitions\": [{\"kind\": \"OBJECT\", \"name\": \"Query\", \"fields\": [{\"name\": \"a\", \"type\": "
             "{\"namedType\": \"Int\"}}]}]}"),
           "=[{\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":\"\",\"Name\":\"a\"}]}]},"
           "{\"Definitions\":[{\"BuiltIn\":false,\"Description\":\"\",\"Fields\":[{\"Description\":\"\",\"Name\":\"a\","
           "\"Type\":{\"NamedType\":\"Int\",\"NonNull\":false}}],\"Kind\":\"OBJECT\",\"Name\":\"Query\"}]}]");
    expect("positions given", "graphql.parse",
           J("{\"Operations\": [{\"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"b\", \"Position\": "
             "{\"Line\": 3, \"Column\": 4}}]}]}"),
           S("type Query { a: Int }"),
           "!eval_builtin_error: Cannot query field \"b\" on type \"Query\". Did you mean \"a\"?\n in GraphQL string "
           "at location 3:4");
    /* the round trip of parse_query's and parse_schema's output */
    val *q, *s;
    char *got = call("graphql.parse_query", S("query Q($v: Int = 1) { ... on Query { a(x: $v) @skip(if: false) } }"), NULL);
    ck_assert(got[0] == '=');
    q = J(got + 1);
    free(got);
    got = call("graphql.parse_schema", S("type Query { a(x: Int): Int }"), NULL);
    ck_assert(got[0] == '=');
    s = J(got + 1);
    free(got);
    expect("round trip", "graphql.is_valid", q, s, "=false"); /* the inline fragment comes back as a Field */
    expect("schema round trip", "graphql.schema_is_valid", s, NULL, "=true");
}
END_TEST

START_TEST(test_operands)
{
    expect("query operand", "graphql.parse", J("1"), S(""),
           "!eval_type_error: operand 0 must be one of {string, object} but got number");
    expect("schema operand", "graphql.parse", S("{ a }"), J("[]"),
           "!eval_type_error: operand 1 must be one of {string, object} but got array");
    expect("parse_query operand", "graphql.parse_query", J("{}"), NULL,
           "!eval_type_error: operand 1 must be string but got object");
    expect("parse_schema operand", "graphql.parse_schema", J("true"), NULL,
           "!eval_type_error: operand 1 must be string but got boolean");
    expect("is_valid operand", "graphql.is_valid", J("1"), S(""), "=false");
    expect("parse_and_verify operand", "graphql.parse_and_verify", S(""), J("null"), "=[false,{},{}]");
    expect("schema_is_valid operand", "graphql.schema_is_valid", J("1"), NULL, "=false");
}
END_TEST

START_TEST(test_through_engine)
{
    CHECK_EVAL(NULL, "graphql.is_valid(\"{ a }\", \"type Query { a: Int }\")", 0, "true");
    CHECK_EVAL(NULL, "graphql.parse_query(\"{\")", 0, "undefined");
    CHECK_EVAL(NULL, "graphql.parse_query(\"{\")", 1,
               "error: eval_builtin_error: graphql.parse_query: Expected Name, found <EOF> in GraphQL string at "
               "location 1:2");
    CHECK_EVAL(NULL, "graphql.parse(\"{ b }\", \"type Query { a: Int }\")", 1,
               "error: eval_builtin_error: graphql.parse: Cannot query field \"b\" on type \"Query\". Did you mean "
               "\"a\"?\n in GraphQL string at location 1:3");
}
END_TEST

/* ---- hostile input ---- */

static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * (size_t)n + tl + 1);
    memcpy(s, head, hl);
    for (int i = 0; i < n; i++)
        memcpy(s + hl + ul * (size_t)i, unit, ul);
    memcpy(s + hl + ul * (size_t)n, tail, tl + 1);
    return s;
}

START_TEST(test_hostile)
{
    /* nesting is bounded: an error, not a crash */
    char *deep = repeat("{", "a{", 100000, "b");
    char *got = call("graphql.parse_query", S(deep), NULL);
    ck_assert_msg(strstr(got, "!eval_builtin_error: Document nested too deeply") == got, "%.200s", got);
    free(got);
    free(deep);
    deep = repeat("{ f(a: ", "[", 100000, "");
    got = call("graphql.parse_query", S(deep), NULL);
    ck_assert_msg(strstr(got, "!eval_builtin_error: Document nested too deeply") == got, "%.200s", got);
    free(got);
    free(deep);
    deep = repeat("query ($v: ", "[", 100000, "");
    got = call("graphql.is_valid", S(deep), S("type Query { a: Int }"));
    ck_assert_str_eq(got, "=false");
    free(got);
    free(deep);

    /* a deep AST object */
    val *sel = J("{\"Name\": \"a\"}");
    for (int i = 0; i < 2000; i++) {
        val *k = S("SelectionSet"), *arr = val_array(&A, &sel, 1), *name = S("Name"), *a = S("a");
        val *keys[2] = {k, name}, *vals[2] = {arr, a};
        sel = val_object(&A, keys, vals, 2);
    }
    val *ops_item;
    {
        val *keys[2] = {S("Operation"), S("SelectionSet")};
        val *arr = val_array(&A, &sel, 1);
        val *vals[2] = {S("query"), arr};
        ops_item = val_object(&A, keys, vals, 2);
    }
    val *doc_keys[1] = {S("Operations")}, *doc_vals[1] = {val_array(&A, &ops_item, 1)};
    got = call("graphql.parse", val_object(&A, doc_keys, doc_vals, 1), S("type Query { a: Query }"));
    ck_assert_msg(!strncmp(got, "!eval_builtin_error: json: exceeded max depth", 45), "%.200s", got);
    free(got);

    /* many fields with one response name: quadratic comparisons, bounded */
    char *wide = repeat("{ ", "a ", 3000, "}");
    expect("wide", "graphql.is_valid", S(wide), S("type Query { a: Int }"), "=true");
    free(wide);

    /* many errors: the message is cut to fit, the location kept */
    char *many = repeat("{ ", "xyz ", 200, "}");
    got = call("graphql.parse", S(many), S("type Query { a: Int }"));
    const char *tail = " in GraphQL string at location 1:3";
    const char *head = "!eval_builtin_error: Cannot query field \"xyz\" on type \"Query\".\ninput:1:7: ";
    ck_assert_msg(!strncmp(got, head, strlen(head)), "%s", got);
    ck_assert_msg(strlen(got) > strlen(tail) && !strcmp(got + strlen(got) - strlen(tail), tail), "%s", got);
    free(got);
    free(many);

    /* fragments that spread the next one twice: exponential paths */
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "{ __schema { types { ...F0 } } }\n");
    for (int i = 0; i < 40; i++)
        sb_printf(&sb, "fragment F%d on __Type { name ofType { ...F%d ...F%d } }\n", i, i + 1, i + 1);
    sb_puts(&sb, "fragment F40 on __Type { name }\n");
    got = call("graphql.parse", S(sb.data), S("type Query { a: Int }"));
    ck_assert_msg(strstr(got, "GraphQL document too complex to validate") != NULL, "%.300s", got);
    free(got);
    sb_free(&sb);
}
END_TEST

Suite *suite_builtins_graphql(void)
{
    Suite *s = suite_create("builtins_graphql");
    TCase *tc = tcase_create("graphql");
    tcase_add_checked_fixture(tc, builtin_setup, builtin_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_opa_conformance_cases);
    tcase_add_test(tc, test_go_parse_string);
    tcase_add_test(tc, test_go_parse_object);
    tcase_add_test(tc, test_go_schema_is_valid);
    tcase_add_test(tc, test_go_parse_and_verify);
    tcase_add_test(tc, test_go_is_valid);
    tcase_add_test(tc, test_go_parse_query);
    tcase_add_test(tc, test_go_parse_schema);
    tcase_add_test(tc, test_validation_rules);
    tcase_add_test(tc, test_schema_validation);
    tcase_add_test(tc, test_lexer_and_values);
    tcase_add_test(tc, test_comments);
    tcase_add_test(tc, test_ast_objects);
    tcase_add_test(tc, test_operands);
    tcase_add_test(tc, test_through_engine);
    tcase_add_test(tc, test_hostile);
    suite_add_tcase(s, tc);
    return s;
}
