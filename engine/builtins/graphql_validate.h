/* graphql_validate.h — a schema from schema documents, and the validation of
 * a query against it, as gqlparser's validator does them for OPA.
 *
 * gql_build_schema is OPA's convertSchema: gqlparser's prelude (the built-in
 * scalars, directives and introspection types) merged with the given
 * document, then validator.ValidateSchemaDocument — which stops at the first
 * problem.  gql_validate_query is validator.Validate with gqlparser's
 * default rules, which report every problem they find, in the order the
 * walker meets them (rules in alphabetical order at each node):
 *
 *   FieldsOnCorrectType, FragmentsOnCompositeTypes, KnownArgumentNames,
 *   KnownDirectives, KnownFragmentNames, KnownRootType, KnownTypeNames,
 *   LoneAnonymousOperation, MaxIntrospectionDepth, NoFragmentCycles,
 *   NoUndefinedVariables, NoUnusedFragments, NoUnusedVariables,
 *   OverlappingFieldsCanBeMerged, PossibleFragmentSpreads,
 *   ProvidedRequiredArguments, ScalarLeafs, SingleFieldSubscriptions,
 *   UniqueArgumentNames, UniqueDirectivesPerLocation, UniqueFragmentNames,
 *   UniqueInputFieldNames, UniqueOperationNames, UniqueVariableNames,
 *   ValuesOfCorrectType, VariablesAreInputTypes, VariablesInAllowedPosition.
 *
 * Validation annotates the documents (Definition fields, Used, ...), so
 * convert them to values first if their unannotated form is wanted.  Work is
 * bounded: documents that would make the validator recurse or compare
 * without end get an error instead. */
#ifndef VERDICT_BUILTINS_GRAPHQL_VALIDATE_H
#define VERDICT_BUILTINS_GRAPHQL_VALIDATE_H

#include "graphql_ast.h"
#include "graphql_parse.h"

typedef struct gql_schema gql_schema;

/* NULL and *err (with a location when the offending node has one) when the
 * merged document is not a valid schema, or the prelude cannot be parsed. */
gql_schema *gql_build_schema(arena *a, gql_schema_doc *doc, gql_error *err);

/* One validation error: message and, when known, where. */
typedef struct gql_verror {
    const char *msg;
    gql_pos pos;
} gql_verror;

/* Appends gql_verror* items to errors; returns their number. */
int gql_validate_query(arena *a, gql_schema *schema, gql_query_doc *doc, gql_list *errors);

#endif
