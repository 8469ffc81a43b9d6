/* bench.c — decision benchmarks on the scenarios of ../shared/bench (and
 * of benchmarks/scenarios: regex patterns that stall backtracking engines).
 *
 * For each scenario: load and compile policy + data (timed, with the memory
 * it takes), check every query's answer against expected.json once, then
 * time each query per decision:
 *   eval      compiled once, input parsed once (the VM alone)
 *   +input    input JSON parsed per decision, result written as JSON
 *             (what verdict_eval does for a caller)
 * and report bytes allocated per decision.  Each figure is the median of
 * repeated runs; the machine is shared, so medians, not minimums.
 *
 * usage: bench [--dir ../shared/bench] [--runs N] [--json] [scenario...] */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/json.h"
#include "engine/strbuf.h"
#include "engine/vm.h"
#include "include/verdict.h"
#include "rego/ast.h"
#include "rego/compile.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    *n = fread(buf, 1, (size_t)len, f);
    buf[*n] = 0;
    fclose(f);
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    long kb = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

typedef struct scenario {
    arena *a;
    ast_module *mod;
    program *prog;
    val *data;
    val *input;
    char *input_text;
    size_t input_len;
    double load_ms;
    long load_kb;
} scenario;

static int load(const char *dir, scenario *s)
{
    char path[2048];
    size_t n;
    memset(s, 0, sizeof *s);
    long rss0 = rss_kb();
    double t0 = now_s();
    s->a = arena_new(1 << 20);
    snprintf(path, sizeof path, "%s/policy.rego", dir);
    char *src = slurp(path, &n);
    if (!src)
        return -1;
    rego_errors errs = {0};
    parse_opts po = {.version = AST_REGO_V1};
    s->mod = rego_parse_module(s->a, path, src, n, &po, &errs);
    free(src);
    if (!s->mod) {
        fprintf(stderr, "%s: parse error: %s\n", path, errs.head ? errs.head->message : "?");
        return -1;
    }
    s->prog = rego_compile(&s->mod, 1, &errs);
    if (!s->prog) {
        fprintf(stderr, "%s: compile error: %s\n", path, errs.head ? errs.head->message : "?");
        return -1;
    }
    snprintf(path, sizeof path, "%s/data.json", dir);
    char *data = slurp(path, &n);
    json_error je;
    s->data = data ? json_parse(s->a, data, n, 0, &je) : NULL;
    free(data);
    if (!s->data)
        return -1;
    s->load_ms = (now_s() - t0) * 1e3;
    s->load_kb = rss_kb() - rss0;
    snprintf(path, sizeof path, "%s/input.json", dir);
    s->input_text = slurp(path, &s->input_len);
    s->input = s->input_text ? json_parse(s->a, s->input_text, s->input_len, 0, &je) : NULL;
    rego_errors_free(&errs);
    return 0;
}

/* "data.a.b" -> keys */
static int query_keys(arena *a, const char *q, val ***out)
{
    val **k = arena_alloc(a, sizeof *k * (strlen(q) + 1));
    int n = 0;
    const char *p = q + 4;
    while (*p == '.') {
        p++;
        const char *e = strpbrk(p, ".\n");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        k[n++] = val_string(a, p, len);
        p += len;
    }
    *out = k;
    return n;
}

int main(int argc, char **argv)
{
    const char *dir = "../shared/bench";
    int runs = 7;
    int as_json = 0;
    const char *only[16];
    int nonly = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else if (nonly < 16)
            only[nonly++] = argv[i];
    }
    /* every sub-folder with a policy.rego is a scenario, in name order */
    struct dirent **ents = NULL;
    int nents = scandir(dir, &ents, NULL, alphasort);
    if (nents < 0) {
        fprintf(stderr, "%s: cannot read\n", dir);
        return 1;
    }
    const char **all = calloc((size_t)nents + 1, sizeof *all);
    size_t nall = 0;
    for (int i = 0; i < nents; i++) {
        char probe[2048];
        struct stat st;
        snprintf(probe, sizeof probe, "%s/%s/policy.rego", dir, ents[i]->d_name);
        if (ents[i]->d_name[0] != '.' && stat(probe, &st) == 0)
            all[nall++] = ents[i]->d_name;
    }
    int failures = 0;
    if (!as_json)
        printf("%-14s %-28s %12s %12s %12s %10s %10s\n", "scenario", "query", "ns/eval", "ns/+input", "bytes/eval",
               "load ms", "load MB");
    for (size_t si = 0; si < nall; si++) {
        const char *name = all[si];
        if (nonly) {
            int want = 0;
            for (int k = 0; k < nonly; k++)
                want |= strcmp(only[k], name) == 0;
            if (!want)
                continue;
        }
        char sdir[1024], path[1200];
        snprintf(sdir, sizeof sdir, "%s/%s", dir, name);
        scenario s;
        if (load(sdir, &s) != 0) {
            fprintf(stderr, "%s: cannot load\n", name);
            failures++;
            continue;
        }
        size_t n;
        snprintf(path, sizeof path, "%s/query.txt", sdir);
        char *queries = slurp(path, &n);
        snprintf(path, sizeof path, "%s/expected.json", sdir);
        char *exp_text = slurp(path, &n);
        json_error je;
        val *expected = exp_text ? json_parse(s.a, exp_text, n, 0, &je) : NULL;
        free(exp_text);
        vm *V = vm_new();
        vm_eval_opts vo;
        memset(&vo, 0, sizeof vo);
        vo.prog = s.prog;
        vo.data = s.data;
        int qi = 0;
        for (char *q = strtok(queries, "\n"); q; q = strtok(NULL, "\n"), qi++) {
            val **keys;
            int nk = query_keys(s.a, q, &keys);
            /* check the answer once */
            vm_begin(V, &vo);
            vm_set_input(V, s.input);
            val *out = NULL;
            /* compared as JSON: expected.json holds sets as arrays */
            strbuf got = STRBUF_INIT, want = STRBUF_INIT;
            int ok = vm_eval_path(V, keys, nk, &out) == 0 && out && expected && qi < (int)val_len(expected);
            if (ok) {
                json_write(&got, out, 0);
                json_write(&want, val_array_items(expected)[qi], 0);
                ok = strcmp(got.data, want.data) == 0;
            }
            sb_free(&got);
            sb_free(&want);
            if (!ok) {
                fprintf(stderr, "%s %s: wrong answer\n", name, q);
                failures++;
                continue;
            }
            /* calibrate to ~0.1 s per run */
            long iters = 1;
            for (;;) {
                double t0 = now_s();
                for (long i = 0; i < iters; i++) {
                    vm_begin(V, &vo);
                    vm_set_input(V, s.input);
                    vm_eval_path(V, keys, nk, &out);
                }
                if (now_s() - t0 > 0.05 || iters > (1L << 26))
                    break;
                iters *= 2;
            }
            double *ns = malloc(sizeof *ns * (size_t)runs), *ns2 = malloc(sizeof *ns2 * (size_t)runs);
            size_t bytes = 0;
            for (int r = 0; r < runs; r++) {
                double t0 = now_s();
                for (long i = 0; i < iters; i++) {
                    vm_begin(V, &vo);
                    vm_set_input(V, s.input);
                    vm_eval_path(V, keys, nk, &out);
                }
                ns[r] = (now_s() - t0) * 1e9 / (double)iters;
                bytes = vm_arena(V)->used;
                t0 = now_s();
                strbuf sb = STRBUF_INIT;
                for (long i = 0; i < iters; i++) {
                    vm_begin(V, &vo);
                    val *in = json_parse(vm_arena(V), s.input_text, s.input_len, 0, &je);
                    vm_set_input(V, in);
                    vm_eval_path(V, keys, nk, &out);
                    sb_reset(&sb);
                    json_write(&sb, out, 0);
                }
                sb_free(&sb);
                ns2[r] = (now_s() - t0) * 1e9 / (double)iters;
            }
            double m1 = median(ns, runs), m2 = median(ns2, runs);
            if (as_json)
                printf("{\"scenario\": \"%s\", \"query\": \"%s\", \"ns_per_op\": %.1f, \"ns_per_op_with_input\": %.1f, "
                       "\"bytes_per_op\": %zu, \"load_ms\": %.2f, \"load_kb\": %ld}\n",
                       name, q, m1, m2, bytes, s.load_ms, s.load_kb);
            else
                printf("%-14s %-28s %12.1f %12.1f %12zu %10.2f %10.1f\n", name, q, m1, m2, bytes, s.load_ms,
                       (double)s.load_kb / 1024.0);
            free(ns);
            free(ns2);
        }
        vm_free(V);
        free(queries);
        free(s.input_text);
        program_free(s.prog);
        arena_free(s.a);
    }
    for (int i = 0; i < nents; i++)
        free(ents[i]);
    free(ents);
    free(all);
    return failures ? 1 : 0;
}
