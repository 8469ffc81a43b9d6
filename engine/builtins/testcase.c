/* testcase.c — builtin group "testcase": internal.test_case(args).
 *
 * In OPA this builtin belongs to `opa test`.  The test runner adds a
 * compiler stage after RewriteLocalVars that, in every test rule whose head
 * has a reference tail after the test name (`test_concat[tc.note] if ...`),
 * inserts the call internal.test_case([<the tail terms>]) as early in the
 * body as those terms are bound; at evaluation the builtin emits a trace
 * event (op "TestCase") holding that array and succeeds.  The runner then
 * splits the trace at those events to report one sub-result per test case
 * (tester/runner.go: injectTestCaseFunc, subResults).
 *
 * Here the builtin is the evaluation half: it accepts any array, has no
 * result value (the call is an expression that is true, like print), and
 * records nothing, because Verdict's VM has no per-evaluation event sink for
 * it yet; the test runner that wants sub-results must provide one (see the
 * group's report).  Policies that call it directly, as OPA allows, evaluate
 * as in OPA. */
#include "../builtins.h"

static bi_status bi_test_case(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    (void)args;
    *out = VAL_TRUE_V;
    return BI_OK;
}

const builtin_def bi_group_testcase[] = {
    {"internal.test_case", 1, bi_test_case, BI_F_VOID, NULL},
    {NULL, 0, NULL, 0, NULL},
};
