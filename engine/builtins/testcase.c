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
 * result value (the call is an expression that is true, like print), and,
 * when the evaluation keeps test cases (the engine's test_cases option,
 * which also makes the compiler add the calls: rego/testcases.c), writes
 * its argument as one JSON line for the test runner.  Policies that call it
 * directly, as OPA allows, evaluate as in OPA. */
#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"

static bi_status bi_test_case(bi_ctx *c, val *const *args, val **out)
{
    if (c->test_cases_out) {
        json_write(c->test_cases_out, args[0], 0);
        sb_putc(c->test_cases_out, '\n');
    }
    *out = VAL_TRUE_V;
    return BI_OK;
}

const builtin_def bi_group_testcase[] = {
    {"internal.test_case", 1, bi_test_case, BI_F_VOID, NULL},
    {NULL, 0, NULL, 0, NULL},
};
