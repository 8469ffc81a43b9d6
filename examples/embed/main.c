/* A gateway's use of Verdict: load the rbac policy and data once, then
 * decide requests in-process.  Built against the installed library:
 *   cc main.c $(pkg-config --cflags --libs verdict) -o embed
 *   ./embed ../../../shared/bench/rbac */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <verdict.h>

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = buf ? fread(buf, 1, (size_t)n, f) : 0;
    if (buf)
        buf[*len] = 0;
    fclose(f);
    return buf;
}

static int fail(const char *what, verdict_errors *errs)
{
    char *msg = verdict_error_string(errs, 0);
    fprintf(stderr, "%s: %s\n", what, msg ? msg : "failed");
    free(msg);
    verdict_errors_free(errs);
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../../../shared/bench/rbac";
    size_t plen, dlen, ilen;
    char *policy = slurp(dir, "policy.rego", &plen);
    char *data = slurp(dir, "data.json", &dlen);
    char *input = slurp(dir, "input.json", &ilen);
    if (!policy || !data || !input) {
        fprintf(stderr, "cannot read the rbac scenario in %s\n", dir);
        return 1;
    }
    verdict_engine *eng = verdict_new(NULL);
    verdict_errors *errs = NULL;
    if (verdict_add_module(eng, "policy.rego", policy, plen, &errs) != VERDICT_OK)
        return fail("policy", errs);
    if (verdict_add_data_json(eng, "", data, dlen, "data.json", &errs) != VERDICT_OK)
        return fail("data", errs);
    if (verdict_commit(eng, &errs) != VERDICT_OK)
        return fail("compile", errs);

    char *decision = NULL;
    verdict_status st = verdict_eval(eng, "rbac/allow", input, ilen, &decision, &errs);
    if (st == VERDICT_ERROR)
        return fail("evaluate", errs);
    printf("input:    %s", input);
    printf("decision: %s\n", st == VERDICT_OK ? decision : "undefined");
    printf("allowed:  %s\n", verdict_allow(eng, "rbac/allow", input, ilen) ? "yes" : "no");
    free(decision);
    verdict_free(eng);
    free(policy);
    free(data);
    free(input);
    return 0;
}
