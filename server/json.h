/* json.h — JSON at the server's edges: checking request bodies, finding a
 * member without building anything, a small document tree for
 * configuration, decision log events and masks, and re-indenting.
 *
 * Numbers are kept as their text, so a document passes through the server
 * with every digit it had (the engine decides what a number means).
 * Error messages are worded as Go's encoding/json words them, because OPA
 * clients see those in OPA's "malformed input document" errors. */
#ifndef VERDICT_SERVER_JSON_H
#define VERDICT_SERVER_JSON_H

#include <stddef.h>

#include "buf.h"

#define JSON_MAX_DEPTH 1000  /* the engine's default nesting limit */

typedef struct json_err {
    char msg[200];
    size_t offset;
    int line, col;
} json_err;

/* Whether text is exactly one JSON value (whitespace around it allowed),
 * nested at most max_depth deep.  0 when it is; -1 with *e filled. */
int json_check(const char *text, size_t len, int max_depth, json_err *e);
/* Whether text holds nothing but whitespace. */
int json_blank(const char *text, size_t len);

/* In checked JSON text: when it is an object holding `key`, point *val at
 * the member's value text (the last one when the key repeats) and return 1;
 * 0 when the object has no such member; -1 when the text is not an object. */
int json_member(const char *text, size_t len, const char *key, const char **val, size_t *vlen);

/* A checked JSON string literal (starting at its quote) decoded to UTF-8;
 * malloc'd, NUL-terminated, *outlen its length (may hold NULs). */
char *json_decode_string(const char *lit, size_t len, size_t *outlen);

/* Checked JSON text re-indented as Go's json.MarshalIndent("", "  ") does. */
void json_pretty(buf *out, const char *text, size_t len);

/* ---- a small document tree ---- */

typedef enum jn_type { JN_NULL, JN_BOOL, JN_NUMBER, JN_STRING, JN_ARRAY, JN_OBJECT } jn_type;

typedef struct jnode {
    jn_type type;
    char *text;             /* string: decoded; number: as written; bool: "true"/"false" */
    size_t len;
    size_t n, cap;          /* arrays and objects: members */
    char **keys;            /* objects: decoded keys, in document order */
    size_t *klens;
    struct jnode **items;   /* array items, object values */
} jnode;

jnode *jn_parse(const char *text, size_t len, int max_depth, json_err *e);
void jn_free(jnode *n);

jnode *jn_new(jn_type t);
jnode *jn_string(const char *s, size_t n);
jnode *jn_cstring(const char *s);
jnode *jn_number(const char *text);   /* text must be a JSON number */
jnode *jn_int(long long v);
jnode *jn_bool(int v);
jnode *jn_copy(const jnode *n);

/* Lookups (NULL when absent or of another type). */
jnode *jn_get(const jnode *obj, const char *key);
jnode *jn_getn(const jnode *obj, const char *key, size_t klen);
const char *jn_str(const jnode *n);
/* A number or numeric string as a double (dflt when neither). */
double jn_num(const jnode *n, double dflt);
/* true, or the strings "true"/"1" (config values set with --set). */
int jn_true(const jnode *n);

/* Changes; each takes ownership of v (freed on failure).  0 on success. */
int jn_set(jnode *obj, const char *key, jnode *v);
int jn_setn(jnode *obj, const char *key, size_t klen, jnode *v);
int jn_push(jnode *arr, jnode *v);
int jn_remove(jnode *obj, const char *key, size_t klen);  /* 1 when removed */
int jn_remove_at(jnode *arr, size_t i);                    /* 1 when removed */

/* Compact JSON (pretty: two-space indentation). */
void jn_write(buf *b, const jnode *n, int pretty);

#endif
