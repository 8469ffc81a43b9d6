/* json.h — JSON text <-> values.
 *
 * The reader builds values directly in an arena: exact numbers (value.h),
 * strict UTF-8 (invalid sequences are errors), a nesting limit so hostile
 * input cannot exhaust the stack, duplicate object keys resolved as Go's
 * encoding/json does (the last wins), errors with line:column.
 *
 * The writer prints canonical JSON: object keys and set elements in OPA's
 * order, sets as arrays, non-string object keys as their Rego text (as OPA's
 * ast.JSON does; such objects are then ordered by that text, as Go's
 * encoding/json orders map keys).  Pretty output indents by two spaces as
 * Go's json.MarshalIndent(v, "", "  ") does. */
#ifndef VERDICT_JSON_H
#define VERDICT_JSON_H

#include <stddef.h>

#include "arena.h"
#include "strbuf.h"
#include "value.h"

#define JSON_DEFAULT_MAX_DEPTH 1000

typedef struct json_error {
    int line;           /* 1-based */
    int col;            /* 1-based, in bytes */
    size_t offset;      /* byte offset of the error */
    char msg[200];
} json_error;

/* Parse one JSON value (surrounding whitespace allowed, nothing else).
 * Returns NULL and fills err on failure.  max_depth <= 0 means the default. */
val *json_parse(arena *a, const char *text, size_t len, int max_depth, json_error *err);

enum {
    JSON_PRETTY = 1,        /* two-space indentation, ": " after keys */
    JSON_ESCAPE_HTML = 2,   /* escape <, >, & as \u003c... (Go's default) */
};

void json_write(strbuf *sb, const val *v, unsigned flags);
/* Pretty output starting at a given indentation depth (for embedding). */
void json_write_indent(strbuf *sb, const val *v, unsigned flags, int depth);
/* Whether s[0..n) is valid UTF-8 (no surrogates, at most U+10FFFF). */
bool json_utf8_valid(const char *s, size_t n);

/* A JSON string literal for bytes s[0..n). */
void json_write_string(strbuf *sb, const char *s, size_t n, unsigned flags);

/* Rego syntax for a value, as OPA's Value.String() prints it: sets as {1, 2}
 * (the empty set as set()), strings quoted, objects {"a": 1}. */
void val_write_rego(strbuf *sb, const val *v);

#endif
