/* fuzz_json.c — JSON documents: as data (verdict_put_data, and staged with
 * verdict_add_data_json), as the input of a decision (verdict_eval), as a
 * JSON Patch (verdict_patch_data), and as a Rego term input.
 *
 * What the engine accepts must not be lost or changed: the document read
 * back as JSON is the same whether it went in as data or as input, and
 * writing that output again reads back to the same text. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static const char echo[] = "package fz\n\necho := input\n";

FUZZ_TARGET(json)
{
    const char *text = (const char *)data;
    verdict_engine *eng = fuzz_engine(0);
    verdict_errors *errs = NULL;
    if (verdict_put_module(eng, "fz.rego", echo, sizeof echo - 1, &errs) != VERDICT_OK)
        fuzz_fail("the echo policy does not load");

    /* as data */
    uint64_t gen = verdict_generation(eng);
    verdict_status st = verdict_put_data(eng, "d", text, size, &errs);
    fuzz_check_errors(st, errs);
    if (st != VERDICT_OK && verdict_generation(eng) != gen)
        fuzz_fail("a failed verdict_put_data changed the engine");
    char *as_data = NULL;
    if (st == VERDICT_OK) {
        st = verdict_eval(eng, "d", NULL, 0, &as_data, &errs);
        fuzz_check_errors(st, errs);
        if (st != VERDICT_OK)
            fuzz_fail("data put at /d is not there");
        /* the canonical text reads back to itself */
        st = verdict_put_data(eng, "d2", as_data, strlen(as_data), &errs);
        fuzz_check_errors(st, errs);
        char *again = NULL;
        if (st != VERDICT_OK || verdict_eval(eng, "d2", NULL, 0, &again, NULL) != VERDICT_OK)
            fuzz_fail("canonical output does not read back: %s", as_data);
        if (strcmp(again, as_data) != 0)
            fuzz_fail("round trip changed the document: %s -> %s", as_data, again);
        free(again);
    }

    /* as input (a NULL input is "no input", so an empty one becomes "") */
    char *as_input = NULL;
    st = verdict_eval(eng, "fz/echo", size ? text : "", size, &as_input, &errs);
    fuzz_check_errors(st, errs);
    if ((st == VERDICT_OK) != (as_data != NULL))
        fuzz_fail("accepted as %s but not as %s", as_data ? "data" : "input", as_data ? "input" : "data");
    if (as_data && strcmp(as_data, as_input) != 0)
        fuzz_fail("data and input differ: %s vs %s", as_data, as_input);
    free(as_data);
    free(as_input);

    /* as a JSON Patch below /d, and staged data */
    st = verdict_patch_data(eng, "d", text, size, &errs);
    fuzz_check_errors(st, errs);
    st = verdict_add_data_json(eng, "s/t", text, size, "fuzz.json", &errs);
    fuzz_check_errors(st, errs);
    st = verdict_commit(eng, &errs);
    fuzz_check_errors(st, errs);
    fuzz_run_query(eng, "data", NULL, 0);

    /* as a Rego term input */
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = size ? text : "";
    qo.input_len = size;
    qo.input_is_rego = 1;
    verdict_result *r = NULL;
    st = verdict_query(eng, "x := input", &qo, &r, &errs);
    if (r) {
        free(verdict_result_json(r, 1));
        verdict_result_free(r);
    }
    fuzz_check_errors(st, errs);
    verdict_free(eng);
    return 0;
}
