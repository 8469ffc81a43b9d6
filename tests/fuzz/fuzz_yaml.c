/* fuzz_yaml.c — YAML documents: staged as data (verdict_add_data_yaml and
 * verdict_commit) and as the YAML input of a query.
 *
 * Both paths read the same document, so what they make of it must agree,
 * and the JSON the engine prints for it must read back unchanged. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

FUZZ_TARGET(yaml)
{
    const char *text = (const char *)data;
    verdict_engine *eng = fuzz_engine(0);
    verdict_errors *errs = NULL;

    uint64_t gen = verdict_generation(eng);
    verdict_status st = verdict_add_data_yaml(eng, "y", size ? text : "", size, "fuzz.yaml", &errs);
    fuzz_check_errors(st, errs);
    char *as_data = NULL;
    if (st == VERDICT_OK) {
        st = verdict_commit(eng, &errs);
        fuzz_check_errors(st, errs);
        if (st != VERDICT_OK && verdict_generation(eng) != gen)
            fuzz_fail("a failed verdict_commit changed the engine");
        if (st == VERDICT_OK) {
            st = verdict_eval(eng, "y", NULL, 0, &as_data, &errs);
            fuzz_check_errors(st, errs);
        }
    }
    if (as_data) {
        st = verdict_put_data(eng, "j", as_data, strlen(as_data), &errs);
        fuzz_check_errors(st, errs);
        char *again = NULL;
        if (st != VERDICT_OK || verdict_eval(eng, "j", NULL, 0, &again, NULL) != VERDICT_OK)
            fuzz_fail("JSON of a YAML document does not read back: %s", as_data);
        if (strcmp(again, as_data) != 0)
            fuzz_fail("round trip changed the document: %s -> %s", as_data, again);
        free(again);
    }

    /* the same document as a YAML input, compared in the same rendering */
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = size ? text : "";
    qo.input_len = size;
    qo.input_is_yaml = 1;
    verdict_result *r = NULL, *d = NULL;
    st = verdict_query(eng, "input", &qo, &r, &errs);
    if (st == VERDICT_OK && as_data && verdict_result_count(r) == 1 &&
        verdict_query(eng, "data.y", NULL, &d, NULL) == VERDICT_OK && verdict_result_count(d) == 1) {
        char *v = verdict_result_expr_value(r, 0, 0, 0), *w = verdict_result_expr_value(d, 0, 0, 0);
        if (!v || !w || strcmp(v, w) != 0)
            fuzz_fail("YAML as data and as input differ: %s vs %s", w ? w : "(null)", v ? v : "(null)");
        free(v);
        free(w);
    }
    verdict_result_free(d);
    verdict_result_free(r);
    fuzz_check_errors(st, errs);
    free(as_data);
    verdict_free(eng);
    return 0;
}
