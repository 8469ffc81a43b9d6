/* bench.c — `verdict bench`: evaluate a query repeatedly and report the
 * time and memory per evaluation, as `opa bench` does.  The query is
 * prepared once; each operation parses the input and evaluates. */
#include "bench.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <verdict.h>

#include "errlist.h"
#include "load.h"

typedef struct bench_params {
    char **data;
    size_t ndata;
    char **bundles;
    size_t nbundles;
    const char *input_path;
    const char *query;
    const char *format;     /* pretty, json, gobench */
    int count;
    int strict;
    int v0;
    int fail;
} bench_params;

void cli_bench_usage(FILE *out)
{
    fputs("Benchmark a Rego query: evaluate it repeatedly and report ns/op and bytes/op.\n"
          "\n"
          "Usage:\n"
          "  verdict bench <query> [flags]\n"
          "\n"
          "Flags:\n"
          "  -b, --bundle PATH             load a bundle directory (repeatable)\n"
          "      --benchmem                report memory per operation (always on)\n"
          "      --count N                 number of benchmark runs (default 1)\n"
          "  -d, --data PATH               load .rego, .json and .yaml files or directories\n"
          "      --fail                    exit 1 when the result is undefined (default true)\n"
          "  -f, --format FORMAT           pretty (default), json, gobench\n"
          "  -i, --input FILE              input document (JSON or YAML)\n"
          "      --strict-builtin-errors   treat the first built-in function error as fatal\n"
          "      --v0-compatible           parse modules and the query as Rego v0\n",
          out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int push(char ***v, size_t *n, char *s)
{
    char **p = realloc(*v, sizeof *p * (*n + 1));
    if (!p)
        return -1;
    p[(*n)++] = s;
    *v = p;
    return 0;
}

/* --flag=value or --flag value */
static const char *flag_value(int argc, char **argv, int *i, const char *arg, size_t namelen)
{
    if (arg[namelen] == '=')
        return arg + namelen + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int parse_args(int argc, char **argv, bench_params *p)
{
    p->count = 1;
    p->format = "pretty";
    p->fail = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
#define IS(name) (strncmp(a, name, strlen(name)) == 0 && (a[strlen(name)] == 0 || a[strlen(name)] == '='))
        if (IS("-d") || IS("--data")) {
            if (!(v = flag_value(argc, argv, &i, a, a[1] == '-' ? 6 : 2)) || push(&p->data, &p->ndata, (char *)v))
                return 1;
        } else if (IS("-b") || IS("--bundle")) {
            if (!(v = flag_value(argc, argv, &i, a, a[1] == '-' ? 8 : 2)) || push(&p->bundles, &p->nbundles, (char *)v))
                return 1;
        } else if (IS("-i") || IS("--input")) {
            if (!(p->input_path = flag_value(argc, argv, &i, a, a[1] == '-' ? 7 : 2)))
                return 1;
        } else if (IS("-f") || IS("--format")) {
            if (!(p->format = flag_value(argc, argv, &i, a, a[1] == '-' ? 8 : 2)))
                return 1;
        } else if (IS("--count")) {
            if (!(v = flag_value(argc, argv, &i, a, 7)) || (p->count = atoi(v)) < 1)
                return 1;
        } else if (IS("--benchmem")) {
            /* always reported */
        } else if (strcmp(a, "--fail=false") == 0) {
            p->fail = 0;
        } else if (IS("--fail")) {
            p->fail = 1;
        } else if (IS("--strict-builtin-errors")) {
            p->strict = 1;
        } else if (IS("--v0-compatible")) {
            p->v0 = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_bench_usage(stdout);
            return -1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "Error: unknown flag: %s\n", a);
            return 1;
        } else if (!p->query) {
            p->query = a;
        } else {
            fputs("Error: specify exactly one query argument\n", stderr);
            return 1;
        }
#undef IS
    }
    if (!p->query) {
        fputs("Error: specify exactly one query argument\n", stderr);
        return 1;
    }
    if (strcmp(p->format, "pretty") && strcmp(p->format, "json") && strcmp(p->format, "gobench")) {
        fprintf(stderr, "Error: invalid format %s (pretty, json, gobench)\n", p->format);
        return 1;
    }
    return 0;
}

/* One benchmark run: evaluate until about a second has passed, doubling N as
 * Go's testing package does; returns ns/op and bytes/op of the last round. */
static int run_once(verdict_prepared *q, const verdict_query_options *qo, long *n_out, double *ns_out,
                    size_t *bytes_out, int *defined)
{
    long n = 1;
    for (;;) {
        double t0 = now_s();
        size_t bytes = 0;
        for (long i = 0; i < n; i++) {
            verdict_result *r = NULL;
            verdict_errors *e = NULL;
            if (verdict_prepared_query(q, qo, &r, &e) != VERDICT_OK) {
                char *s = verdict_error_string(e, 0);
                fprintf(stderr, "%s\n", s ? s : "evaluation failed");
                free(s);
                verdict_errors_free(e);
                return -1;
            }
            *defined = verdict_result_count(r) > 0;
            bytes = verdict_result_eval_bytes(r);
            verdict_result_free(r);
        }
        double dt = now_s() - t0;
        if (dt >= 1.0 || n >= 1000000000L) {
            *n_out = n;
            *ns_out = dt * 1e9 / (double)n;
            *bytes_out = bytes;
            return 0;
        }
        /* aim at one second, growing at most 100x a round */
        double per = dt / (double)n;
        long next = per > 0 ? (long)(1.2 / per) : n * 100;
        if (next > n * 100)
            next = n * 100;
        n = next > n ? next : n + 1;
    }
}

int cli_bench(int argc, char **argv)
{
    bench_params p;
    memset(&p, 0, sizeof p);
    int rc = parse_args(argc, argv, &p);
    if (rc) {
        free(p.data);
        free(p.bundles);
        return rc < 0 ? 0 : 1;
    }
    int status = 1;
    char *input = NULL;
    size_t input_len = 0;
    int input_yaml = 0;
    verdict_engine *eng = NULL;
    verdict_prepared *q = NULL;
    errlist errs;
    errlist_init(&errs);
    if (p.input_path) {
        char *why = NULL;
        input = load_input(p.input_path, &input_len, &input_yaml, &why);
        if (!input) {
            fprintf(stderr, "%s\n", why ? why : "cannot read input");
            free(why);
            goto done;
        }
    }
    verdict_options opts;
    memset(&opts, 0, sizeof opts);
    opts.v0_compatible = p.v0;
    eng = verdict_new(&opts);
    if (!eng)
        goto done;
    load_bundle_paths(eng, p.bundles, p.nbundles, &errs);
    load_data_paths(eng, p.data, p.ndata, &errs);
    verdict_errors *e = NULL;
    if (errlist_count(&errs) == 0 && verdict_commit(eng, &e) != VERDICT_OK)
        errlist_add_engine(&errs, e);
    else
        verdict_errors_free(e);
    e = NULL;
    if (errlist_count(&errs) == 0 && verdict_prepare(eng, p.query, &q, &e) != VERDICT_OK)
        errlist_add_engine(&errs, e);
    else
        verdict_errors_free(e);
    if (errlist_count(&errs)) {
        errlist_print_text(&errs, stderr);
        goto done;
    }
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = input;
    qo.input_len = input_len;
    qo.input_is_yaml = input_yaml;
    qo.strict_builtin_errors = p.strict;
    for (int run = 0; run < p.count; run++) {
        long n;
        double ns;
        size_t bytes;
        int defined = 0;
        if (run_once(q, &qo, &n, &ns, &bytes, &defined) != 0)
            goto done;
        if (p.fail && !defined) {
            fputs("undefined result\n", stderr);
            goto done;
        }
        if (strcmp(p.format, "json") == 0) {
            printf("{\n  \"N\": %ld,\n  \"T\": %.0f,\n  \"ns_per_op\": %.1f,\n  \"MemAllocs\": 0,\n"
                   "  \"MemBytes\": %zu,\n  \"bytes_per_op\": %zu\n}\n",
                   n, ns * (double)n, ns, bytes * (size_t)n, bytes);
        } else if (strcmp(p.format, "gobench") == 0) {
            printf("BenchmarkVerdictEval\t%ld\t%.1f ns/op\t%zu B/op\n", n, ns, bytes);
        } else {
            printf("+-----------+--------------+\n");
            printf("| samples   | %12ld |\n", n);
            printf("| ns/op     | %12.1f |\n", ns);
            printf("| B/op      | %12zu |\n", bytes);
            printf("+-----------+--------------+\n");
        }
    }
    status = 0;
done:
    verdict_prepared_free(q);
    verdict_free(eng);
    errlist_free(&errs);
    free(input);
    free(p.data);
    free(p.bundles);
    return status;
}
