/* What the unit tests of the builtin groups (test_builtins_*.c) share: an
 * arena and a context to call builtins with, JSON test values, calling a
 * builtin through the registry as the VM does, table rows, and evaluating a
 * policy through the public API.
 *
 * A call's outcome is written as the tables write it:
 *   "=TEXT"        the result, as Rego text (sets as {1, 2}) or as compact JSON
 *   "!code: msg"   an error with that code and exact message (without the
 *                  "<name>: " prefix the VM adds)
 *   "?"            undefined */
#ifndef VERDICT_TESTS_BUILTIN_HARNESS_H
#define VERDICT_TESTS_BUILTIN_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/builtins.h"
#include "engine/value.h"

/* The arena test values live in, and the context builtins are called with
 * (its arena is A).  builtin_setup makes both fresh; use the two as a
 * checked fixture. */
extern arena A;
extern bi_ctx ctx;
void builtin_setup(void);
void builtin_teardown(void);

/* JSON text as a Rego value, with {"$set": [...]} for a set and
 * {"$obj": [[k, v], ...]} for an object with non-string keys (an object
 * with just that one key).  Asserts the JSON is well formed. */
val *J(const char *text);

/* A value as Rego text, allocated in A. */
const char *rego_text(const val *v);

/* Calls the builtin `name` (which must be registered with arity nargs) as
 * the VM does: ctx.def set, no error left from an earlier call. */
bi_status call_builtin(const char *name, val *const *args, int nargs, val **out);

typedef enum { AS_REGO, AS_JSON } result_format;

/* The outcome of call_builtin, its result written in the given format
 * (caller frees). */
char *call_text(const char *name, val *const *args, int nargs, result_format fmt);

/* A table row: the builtin, its arguments as JSON text for J (up to four,
 * the rest NULL), and the outcome wanted, with the result as Rego text. */
typedef struct tcase {
    const char *name;
    const char *args[4];
    const char *want;
} tcase;

void run_table(const tcase *cases, size_t n);
#define RUN(table) run_table(table, sizeof table / sizeof table[0])

/* Calls the builtin with a context whose arena is limited to 4 KiB and
 * asserts that it runs out (jumps to the arena's out-of-memory handler);
 * the arguments may live in A.  With ASan's leak check this shows that what
 * the builtin holds outside the arena is freed on the way out. */
void expect_arena_limit_hit(const char *name, val *const *args);

/* Evaluates `query` against `module` (may be NULL) through the public API,
 * with strict builtin errors when `strict`: the first expression's value as
 * JSON, "undefined", or "error: <code>: <message>" (caller frees). */
char *eval_value(const char *module, const char *query, int strict);

#define CHECK_EVAL(module, query, strict, want)                                                    \
    do {                                                                                           \
        char *got_ = eval_value(module, query, strict);                                            \
        ck_assert_msg(strcmp(got_, want) == 0, "%s:\n  got  %s\n  want %s", query, got_, want);    \
        free(got_);                                                                                \
    } while (0)

#endif
