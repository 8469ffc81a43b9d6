/* fuzz_module.c — Rego module source: parse, compile, evaluate.
 *
 * The input is one or more modules separated by a line "#--".  Comment
 * lines can carry what a conformance case has besides its modules, so that
 * seeds made from OPA's cases evaluate as those cases do:
 *     # data: {...}       JSON on one line, put at data
 *     # input: {...}      JSON on one line, the input of every query
 *     # query: data.x.p   a query to evaluate (up to four; "data" always runs)
 *     # v0                parse the modules as Rego v0
 * One module goes through verdict_put_module, several through
 * verdict_add_module and verdict_commit.  A change that fails must change
 * nothing (the generation stays). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_QUERIES 4
#define MAX_MODULES 8

typedef struct span {
    const char *p;
    size_t n;
} span;

static int directive(const char *line, size_t n, const char *name, span *out)
{
    size_t k = strlen(name);
    if (n < k || memcmp(line, name, k) != 0)
        return 0;
    out->p = line + k;
    out->n = n - k;
    return 1;
}

FUZZ_TARGET(module)
{
    const char *text = (const char *)data;
    if (fuzz_uses_network(text, size))
        return 0;
    span mods[MAX_MODULES], queries[MAX_QUERIES], json_data = {0}, input = {0};
    int nmods = 0, nqueries = 0, v0 = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size;) {
        size_t eol = i;
        while (eol < size && text[eol] != '\n')
            eol++;
        const char *line = text + i;
        size_t n = eol - i;
        span s;
        if (n == 3 && memcmp(line, "#--", 3) == 0) {
            if (nmods < MAX_MODULES)
                mods[nmods++] = (span){text + start, i - start};
            start = eol < size ? eol + 1 : size;
        } else if (directive(line, n, "# query: ", &s)) {
            if (nqueries < MAX_QUERIES)
                queries[nqueries++] = s;
        } else if (directive(line, n, "# data: ", &s)) {
            json_data = s;
        } else if (directive(line, n, "# input: ", &s)) {
            input = s;
        } else if (n == 4 && memcmp(line, "# v0", 4) == 0) {
            v0 = 1;
        }
        i = eol + 1;
    }
    if (nmods < MAX_MODULES && start < size)
        mods[nmods++] = (span){text + start, size - start};

    verdict_engine *eng = fuzz_engine(v0);
    verdict_errors *errs = NULL;
    verdict_status st;
    if (json_data.p) {
        st = verdict_put_data(eng, "", json_data.p, json_data.n, &errs);
        fuzz_check_errors(st, errs);
    }
    uint64_t gen = verdict_generation(eng);
    if (nmods == 1) {
        st = verdict_put_module(eng, "m0.rego", mods[0].p, mods[0].n, &errs);
        fuzz_check_located_errors(st, errs, 1);
        if (st != VERDICT_OK && verdict_generation(eng) != gen)
            fuzz_fail("a failed verdict_put_module changed the engine");
    } else if (nmods > 1) {
        int staged = 1;
        for (int i = 0; i < nmods; i++) {
            char id[32];
            snprintf(id, sizeof id, "m%d.rego", i);
            st = verdict_add_module(eng, id, mods[i].p, mods[i].n, &errs);
            staged &= st == VERDICT_OK;
            fuzz_check_located_errors(st, errs, 1);
        }
        if (staged) {
            st = verdict_commit(eng, &errs);
            fuzz_check_located_errors(st, errs, 1);
            if (st != VERDICT_OK && verdict_generation(eng) != gen)
                fuzz_fail("a failed verdict_commit changed the engine");
        }
    }

    char *in = input.p ? fuzz_strndup((const uint8_t *)input.p, input.n) : NULL;
    fuzz_run_query(eng, "data", in, input.n);
    for (int i = 0; i < nqueries; i++) {
        char *q = fuzz_strndup((const uint8_t *)queries[i].p, queries[i].n);
        fuzz_run_query(eng, q, in, input.n);
        free(q);
    }
    free(in);
    free(verdict_rules_json(eng));
    free(verdict_modules_json(eng));
    verdict_free(eng);
    return 0;
}
