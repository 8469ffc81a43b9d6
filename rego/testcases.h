/* testcases.h — per-case results for parameterized tests (`verdict test`).
 *
 * A test rule with a reference tail, `test_concat[tc.note] if { some tc in
 * cases; ... }`, is one test with a case per key.  A case whose body fails
 * leaves no key in the rule's object, so the object alone cannot say that
 * it failed.  As OPA's test runner does, the compiler then adds the call
 * internal.test_case([<the tail terms>]) to the body, as early as the tail's
 * variables are bound, so every case tried is recorded before its checks
 * run; the runner reports the recorded cases missing from the object as
 * failed. */
#ifndef VERDICT_REGO_TESTCASES_H
#define VERDICT_REGO_TESTCASES_H

#include "ast.h"

/* Adds the call to every such test rule of the modules that does not call
 * internal.test_case itself (so doing it twice adds nothing). */
void rego_inject_test_cases(ast_module **mods, int nmods);

#endif
