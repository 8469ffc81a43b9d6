/* fuzz_query.c — Rego query text against a small fixed policy and data.
 *
 * The query is evaluated with verdict_query, then prepared once and run
 * with two inputs through verdict_prepared_query; the same text is also
 * taken as a decision path (verdict_eval, verdict_allow).  The engine is
 * made once and shared by every input, as a server's is. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static const char policy[] =
    "package p\n"
    "\n"
    "default allow := false\n"
    "\n"
    "allow if {\n"
    "\tsome g in grants\n"
    "\tg.action == input.action\n"
    "}\n"
    "\n"
    "grants contains g if {\n"
    "\tsome r in data.roles[input.user]\n"
    "\tsome g in data.grants[r]\n"
    "}\n"
    "\n"
    "users[name] := count(roles) if some name, roles in data.roles\n"
    "\n"
    "f(x) := y if y := x * 2\n"
    "f(x) := \"s\" if is_string(x)\n"
    "\n"
    "g(x, y) := z if {\n"
    "\tz := concat(\"/\", [x, y])\n"
    "} else := \"none\"\n"
    "\n"
    "deny contains msg if {\n"
    "\tnot allow\n"
    "\tmsg := sprintf(\"%v may not %v\", [input.user, input.action])\n"
    "}\n"
    "\n"
    "all_even if every x in data.nums { x % 2 == 0 }\n"
    "\n"
    "a.b[c].d := 1 if some c in [\"x\", \"y\"]\n"
    "\n"
    "obj := {k: v | some k, v in data.grants}\n"
    "\n"
    "arr := [x | some x in data.nums; x > 1]\n"
    "\n"
    "set := {x | some x in data.nums}\n";

static const char policy_data[] =
    "{\"roles\": {\"alice\": [\"admin\"], \"bob\": [\"dev\", \"ops\"]},"
    " \"grants\": {\"admin\": [{\"action\": \"read\"}, {\"action\": \"write\"}],"
    "             \"dev\": [{\"action\": \"read\"}], \"ops\": []},"
    " \"nums\": [1, 2, 3, 4.5, 1e3, -7, 12345678901234567890],"
    " \"s\": \"h\\u00e9llo\", \"n\": null, \"t\": true}";

static const char input1[] = "{\"user\": \"bob\", \"action\": \"read\", \"n\": 3}";
static const char input2[] = "[1, {\"a\": [true, null]}, \"x\"]";

static verdict_engine *shared_engine(void)
{
    static verdict_engine *eng;
    if (eng)
        return eng;
    eng = fuzz_engine(0);
    verdict_errors *errs = NULL;
    if (verdict_put_data(eng, "", policy_data, sizeof policy_data - 1, &errs) != VERDICT_OK ||
        verdict_put_module(eng, "p.rego", policy, sizeof policy - 1, &errs) != VERDICT_OK)
        fuzz_fail("the query harness's policy does not load");
    return eng;
}

FUZZ_TARGET(query)
{
    if (fuzz_uses_network((const char *)data, size))
        return 0;
    verdict_engine *eng = shared_engine();
    char *q = fuzz_strndup(data, size);
    fuzz_run_query(eng, q, input1, sizeof input1 - 1);

    verdict_prepared *p = NULL;
    verdict_errors *errs = NULL;
    verdict_status st = verdict_prepare(eng, q, &p, &errs);
    fuzz_check_located_errors(st, errs, 0);
    if (st == VERDICT_OK) {
        const char *inputs[2] = {input2, NULL};
        for (int i = 0; i < 2; i++) {
            verdict_query_options qo;
            memset(&qo, 0, sizeof qo);
            qo.input = inputs[i];
            qo.input_len = inputs[i] ? strlen(inputs[i]) : 0;
            qo.strict_builtin_errors = i == 1;
            qo.results_with_errors = i == 1;
            verdict_result *r = NULL;
            st = verdict_prepared_query(p, &qo, &r, &errs);
            if (r) {
                free(verdict_result_json(r, 0));
                verdict_result_free(r);
            }
            fuzz_check_errors(st, errs);
        }
    }
    verdict_prepared_free(p);

    /* the same text as a decision path ("p/allow", "data.p.allow", "/p/1") */
    char *out = NULL;
    st = verdict_eval(eng, q, input1, sizeof input1 - 1, &out, &errs);
    free(out);
    fuzz_check_errors(st, errs);
    (void)verdict_allow(eng, q, NULL, 0);
    free(q);
    return 0;
}
