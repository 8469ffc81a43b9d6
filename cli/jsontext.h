/* jsontext.h — the little JSON text handling the CLI needs on top of the
 * public API: quoting strings for messages it writes itself, unquoting a
 * string value for `--format raw`, and walking the members of a JSON object
 * text (bindings) for the pretty table.  The CLI only sees JSON as text
 * produced by libverdict, so these helpers assume well-formed input. */
#ifndef VERDICT_CLI_JSONTEXT_H
#define VERDICT_CLI_JSONTEXT_H

#include <stddef.h>
#include <stdio.h>

/* Write s as a JSON string literal, escaping as Go's encoding/json does
 * (including <, >, & as \u003c, \u003e, \u0026). */
void jt_write_string(FILE *out, const char *s);

/* Decode the JSON string literal at text[0..len) (quotes included) into a
 * malloc'd buffer; *out_len receives its byte length.  NULL if it is not a
 * string literal. */
char *jt_unquote(const char *text, size_t len, size_t *out_len);

/* Length of the JSON value starting at text (after leading whitespace is
 * skipped by the caller); 0 if text does not start a value. */
size_t jt_value_len(const char *text);

/* Call fn for every member of the JSON object text: key decoded (NUL
 * terminated), value as a slice of the text.  Returns the number of members,
 * or -1 if text is not an object. */
typedef void (*jt_member_fn)(void *ctx, const char *key, const char *value, size_t value_len);
int jt_object_members(const char *text, jt_member_fn fn, void *ctx);

/* Call fn for every element of the JSON array text (as slices of the text).
 * Returns the number of elements, or -1 if text is not an array. */
typedef void (*jt_item_fn)(void *ctx, const char *value, size_t value_len);
int jt_array_items(const char *text, jt_item_fn fn, void *ctx);

/* Write the JSON value text[0..len) again with the members of every object
 * in key order and two-space indentation, nested `level` levels deep (what
 * Go prints after a round trip through map[string]any). */
void jt_write_sorted(FILE *out, const char *text, size_t len, int level);

#endif
