/* eval.c — `verdict eval`: parse OPA's flags, load -d/-b paths into an
 * engine, read the input, run the query (--count times) and print the
 * result, errors and metrics in the chosen format (present.c), with OPA's
 * exit statuses. */
#include "eval.h"
#include "usage.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <verdict.h>

#include "capsarg.h"
#include "errlist.h"
#include "load.h"
#include "metrics.h"
#include "present.h"

typedef struct eval_params {
    char **data;
    size_t ndata;
    char **bundles;
    size_t nbundles;
    char **imports;
    size_t nimports;
    char **ignore;          /* owned strings (split from --ignore's CSV) */
    size_t nignore;
    const char *package;
    const char *capabilities;   /* --capabilities: the file named */
    char *capabilities_json;    /* its text (owned) */
    const char *input_path;
    const char *query;
    present_format format;
    int stdin_query;
    int stdin_input;
    int fail;
    int fail_defined;
    int strict_builtin_errors;
    int show_builtin_errors;
    int metrics;
    int instrument;
    int v0_compatible;
    int pretty_limit;
    long count;
    uint64_t timeout_ns;
} eval_params;

void cli_eval_usage(FILE *out)
{
    fputs("Evaluate a Rego query and print the result.\n"
          "\n"
          "Usage:\n"
          "  verdict eval <query> [flags]\n"
          "\n"
          "Flags:\n"
          "  -b, --bundle PATH             load a bundle (.tar.gz or directory; repeatable; a delta\n"
          "                                bundle applies to the bundle before it)\n"
          "      --capabilities FILE       set capabilities.json file path: only its builtins may be\n"
          "                                called (OPA's capabilities versions are not shipped)\n"
          "      --count N                 number of times to repeat the evaluation (default 1);\n"
          "                                with --metrics, report statistics over the runs\n"
          "  -d, --data PATH               load .rego, .json and .yaml files or directories\n"
          "                                (repeatable; \"a.b:PATH\" loads under data.a.b)\n"
          "      --fail                    exit 1 when the result is undefined\n"
          "      --fail-defined            exit 1 when the result is defined\n"
          "  -f, --format FORMAT           json (default), values, bindings, pretty, raw, discard\n"
          "  -h, --help                    help for eval\n"
          "      --ignore PATTERN          skip files and directories below -d paths whose name\n"
          "                                matches the glob (repeatable, comma separated;\n"
          "                                e.g. '.*' skips hidden files)\n"
          "      --import IMPORT           import for the query, e.g. data.authz (repeatable)\n"
          "  -i, --input FILE              input document (JSON or YAML)\n"
          "      --instrument              as --metrics: verdict has no finer instrumentation than\n"
          "                                the phase timers, so it reports the same ones\n"
          "      --metrics                 report timers of loading, compiling and evaluating\n"
          "      --package PACKAGE         package of the query: its rules are in scope\n"
          "      --pretty-limit N          truncate pretty table cells after N bytes\n"
          "      --show-builtin-errors     report every built-in function error (they stay\n"
          "                                non-fatal) along with the result\n"
          "      --stdin                   read the query from stdin\n"
          "  -I, --stdin-input             read the input document from stdin\n"
          "      --strict-builtin-errors   treat the first built-in function error as fatal\n"
          "      --timeout DURATION        evaluation deadline, e.g. 500ms, 5s (default none)\n"
          "      --v0-compatible           parse modules and the query as Rego v0\n"
          "      --v1-compatible           parse as Rego v1 (the default)\n"
          "\n"
          "Not supported yet (an error names them): --coverage, --disable-inlining,\n"
          "--entrypoint, --explain (but --explain=off), --optimize (but -O0), --partial, --profile,\n"
          "--schema, --strict, --target (but --target=rego), --unknowns, --var-values.\n",
          out);
}

#define usage_error(...) cli_usage_error("eval", EXIT_ERROR, __VA_ARGS__)

static int push_path(char ***v, size_t *n, char *s)
{
    char **grown = realloc(*v, (*n + 1) * sizeof **v);
    if (!grown) return -1;
    *v = grown;
    (*v)[(*n)++] = s;
    return 0;
}

/* pflag's string slices read each value as a line of CSV: "a,b" is two
 * patterns, and a field may be quoted ("a,b" in quotes is one). */
static int push_csv(char ***v, size_t *n, const char *value)
{
    const char *p = value;
    while (*p) {
        size_t cap = strlen(p) + 1, len = 0;
        char *field = malloc(cap);
        if (!field) return -1;
        if (*p == '"') {
            p++;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    field[len++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    field[len++] = *p++;
                }
            }
        }
        while (*p && *p != ',') field[len++] = *p++;
        field[len] = '\0';
        if (push_path(v, n, field) != 0) {
            free(field);
            return -1;
        }
        if (*p == ',') {
            p++;
            if (!*p && push_path(v, n, strdup("")) != 0) return -1;
        }
    }
    return 0;
}

/* Go durations: a sequence of number+unit, e.g. "1m30s", "250ms". */
static int parse_duration(const char *s, uint64_t *ns)
{
    static const struct { const char *unit; double ns; } units[] = {
        {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    };
    double total = 0;
    if (strcmp(s, "0") == 0) { *ns = 0; return 0; }
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || v < 0) return -1;
        s = end;
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t l = strlen(units[i].unit);
            if (strncmp(s, units[i].unit, l) == 0 && l > best_len) best = i, best_len = l;
        }
        if (best_len == 0) return -1;
        total += v * units[best].ns;
        s += best_len;
    }
    *ns = (uint64_t)total;
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0) { *out = 1; return 0; }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) { *out = 0; return 0; }
    return -1;
}

enum flag_id {
    F_DATA, F_BUNDLE, F_INPUT, F_FORMAT, F_STDIN, F_STDIN_INPUT, F_FAIL, F_FAIL_DEFINED,
    F_STRICT_BUILTIN, F_SHOW_BUILTIN, F_V0, F_V1, F_PRETTY_LIMIT, F_TIMEOUT, F_HELP,
    F_IMPORT, F_PACKAGE, F_METRICS, F_INSTRUMENT, F_IGNORE, F_COUNT, F_IGNORED_BOOL, F_CAPABILITIES,
};

typedef struct flag {
    const char *name;
    char short_name;
    int takes_value;
    enum flag_id id;
} flag;

static const flag flags[] = {
    {"data", 'd', 1, F_DATA},
    {"bundle", 'b', 1, F_BUNDLE},
    {"input", 'i', 1, F_INPUT},
    {"format", 'f', 1, F_FORMAT},
    {"stdin", 0, 0, F_STDIN},
    {"stdin-input", 'I', 0, F_STDIN_INPUT},
    {"fail", 0, 0, F_FAIL},
    {"fail-defined", 0, 0, F_FAIL_DEFINED},
    {"strict-builtin-errors", 0, 0, F_STRICT_BUILTIN},
    {"show-builtin-errors", 0, 0, F_SHOW_BUILTIN},
    {"v0-compatible", 0, 0, F_V0},
    {"v1-compatible", 0, 0, F_V1},
    {"pretty-limit", 0, 1, F_PRETTY_LIMIT},
    {"timeout", 0, 1, F_TIMEOUT},
    {"help", 'h', 0, F_HELP},
    {"import", 0, 1, F_IMPORT},
    {"package", 0, 1, F_PACKAGE},
    {"metrics", 0, 0, F_METRICS},
    {"instrument", 0, 0, F_INSTRUMENT},
    {"ignore", 0, 1, F_IGNORE},
    {"count", 0, 1, F_COUNT},
    {"capabilities", 0, 1, F_CAPABILITIES},
    /* Optimisation switches with no meaning here: accepted and ignored. */
    {"disable-indexing", 0, 0, F_IGNORED_BOOL},
    {"disable-early-exit", 0, 0, F_IGNORED_BOOL},
};

/* OPA flags that exist but are not implemented: named in the error.  The
 * value that leaves OPA's behaviour as verdict's is accepted (a boolean
 * set to false, --target=rego, --explain=off, -O0). */
typedef struct unsupported_flag {
    const char *name;
    char short_name;
    int takes_value;
    const char *accepted;   /* for value flags: the one value accepted, or NULL */
} unsupported_flag;

static const unsupported_flag unsupported[] = {
    {"partial", 'p', 0, NULL}, {"unknowns", 'u', 1, NULL}, {"explain", 0, 1, "off"},
    {"profile", 0, 0, NULL}, {"profile-sort", 0, 1, NULL}, {"profile-limit", 0, 1, NULL},
    {"coverage", 0, 0, NULL}, {"schema", 's', 1, NULL},
    {"target", 't', 1, "rego"}, {"optimize", 'O', 1, "0"}, {"entrypoint", 'e', 1, NULL},
    {"strict", 'S', 0, NULL}, {"var-values", 0, 0, NULL}, {"shallow-inlining", 0, 0, NULL},
    {"disable-inlining", 0, 1, NULL}, {"nondeterminstic-builtins", 0, 0, NULL},
    {"read-ast-values-from-store", 0, 0, NULL},
};

static int apply_flag(eval_params *p, const flag *f, const char *value, int *help)
{
    switch (f->id) {
    case F_DATA: return push_path(&p->data, &p->ndata, (char *)value);
    case F_BUNDLE: return push_path(&p->bundles, &p->nbundles, (char *)value);
    case F_IMPORT: return push_path(&p->imports, &p->nimports, (char *)value);
    case F_IGNORE: return push_csv(&p->ignore, &p->nignore, value);
    case F_PACKAGE: p->package = value; return 0;
    case F_CAPABILITIES: p->capabilities = value; return 0;
    case F_INPUT: p->input_path = value; return 0;
    case F_FORMAT:
        if (present_parse_format(value, &p->format) != 0) {
            if (strcmp(value, "source") == 0)
                usage_error("invalid output format for evaluation");
            else
                usage_error("invalid argument \"%s\" for \"-f, --format\" flag: must be one of "
                            "{json,values,bindings,pretty,source,raw,discard}", value);
            return -2;
        }
        return 0;
    case F_STDIN: return parse_bool(value, &p->stdin_query);
    case F_STDIN_INPUT: return parse_bool(value, &p->stdin_input);
    case F_FAIL: return parse_bool(value, &p->fail);
    case F_FAIL_DEFINED: return parse_bool(value, &p->fail_defined);
    case F_STRICT_BUILTIN: return parse_bool(value, &p->strict_builtin_errors);
    case F_SHOW_BUILTIN: return parse_bool(value, &p->show_builtin_errors);
    case F_METRICS: return parse_bool(value, &p->metrics);
    case F_INSTRUMENT: return parse_bool(value, &p->instrument);
    case F_V0: return parse_bool(value, &p->v0_compatible);
    case F_V1: {
        int v1 = 0;
        return parse_bool(value, &v1);
    }
    case F_PRETTY_LIMIT: {
        char *end;
        long n = strtol(value, &end, 0);
        if (*end || n < 0 || n > 1 << 30) return -1;
        p->pretty_limit = (int)n;
        return 0;
    }
    case F_COUNT: {
        char *end;
        long n = strtol(value, &end, 0);
        if (!*value || *end || n > 1000000000L) return -1;
        if (n < 1) {
            usage_error("invalid argument \"%s\" for \"--count\" flag: must be at least 1", value);
            return -2;
        }
        p->count = n;
        return 0;
    }
    case F_TIMEOUT: return parse_duration(value, &p->timeout_ns);
    case F_HELP: *help = 1; return 0;
    case F_IGNORED_BOOL: {
        int ignored = 0;
        return parse_bool(value, &ignored);
    }
    }
    return -1;
}

static const flag *find_long(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (strlen(flags[i].name) == n && strncmp(flags[i].name, name, n) == 0) return &flags[i];
    return NULL;
}

static const flag *find_short(char c)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i].short_name == c) return &flags[i];
    return NULL;
}

static const unsupported_flag *find_unsupported(const char *name, size_t n, char short_name)
{
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        const unsupported_flag *u = &unsupported[i];
        if (short_name ? u->short_name == short_name
                       : strlen(u->name) == n && strncmp(u->name, name, n) == 0)
            return u;
    }
    return NULL;
}

/* An unsupported flag: accepted when its value is the one that changes
 * nothing (0), else an error naming it. */
static int check_unsupported(const unsupported_flag *u, const char *shown, const char *value)
{
    int off = 0;
    if (u->takes_value ? value && u->accepted && strcmp(value, u->accepted) == 0
                       : value && parse_bool(value, &off) == 0 && !off)
        return 0;
    if (u->accepted)
        return usage_error("flag %s is not supported by verdict yet (only %s=%s is accepted)", shown,
                           shown, u->accepted);
    return usage_error("flag %s is not supported by verdict yet", shown);
}

/* pflag's syntax: --name value, --name=value, -n value, -nvalue, -n=value;
 * boolean flags take no separate value (--name=false is allowed).
 * Returns 0, or an exit status to stop with (-1 for help). */
static int parse_args(int argc, char **argv, eval_params *p)
{
    int help = 0, only_positional = 0;
    const char **positional = calloc((size_t)argc + 1, sizeof *positional);
    size_t npos = 0;
    if (!positional) return EXIT_ERROR;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            positional[npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        const flag *f;
        const unsupported_flag *u = NULL;
        const char *value = NULL;
        char shown[64];
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            f = find_long(name, n);
            snprintf(shown, sizeof shown, "--%.*s", (int)(n < 50 ? n : 50), name);
            if (!f && !(u = find_unsupported(name, n, 0))) {
                free(positional);
                return usage_error("unknown flag: %s", shown);
            }
            if (eq) value = eq + 1;
        } else {
            f = find_short(arg[1]);
            snprintf(shown, sizeof shown, "-%c", arg[1]);
            if (!f && !(u = find_unsupported(NULL, 0, arg[1]))) {
                free(positional);
                return usage_error("unknown shorthand flag: '%c' in %s", arg[1], arg);
            }
            if (arg[2]) value = arg[2] == '=' ? arg + 3 : arg + 2;
        }
        if ((f ? f->takes_value : u->takes_value) && !value) {
            if (i + 1 >= argc) {
                free(positional);
                return usage_error("flag needs an argument: %s", shown);
            }
            value = argv[++i];
        }
        if (u) {
            int rc = check_unsupported(u, shown, value);
            if (rc != 0) {
                free(positional);
                return rc;
            }
            continue;
        }
        int rc = apply_flag(p, f, value, &help);
        if (rc == -2) {
            free(positional);
            return EXIT_ERROR;
        }
        if (rc != 0) {
            free(positional);
            return usage_error("invalid argument \"%.60s\" for \"%s\" flag", value ? value : "", shown);
        }
    }
    if (help) {
        free(positional);
        cli_eval_usage(stdout);
        return -1;
    }
    /* OPA's validateEvalParams */
    int rc = 0;
    if (npos > 0 && p->stdin_query)
        rc = usage_error("specify query argument or --stdin but not both");
    else if (npos == 0 && !p->stdin_query)
        rc = usage_error("specify query argument or --stdin");
    else if (npos > 1)
        rc = usage_error("specify at most one query argument");
    else if (p->stdin_query && p->stdin_input)
        rc = usage_error("specify --stdin or --stdin-input but not both");
    else if (p->stdin_input && p->input_path)
        rc = usage_error("specify --stdin-input or --input but not both");
    else if (p->fail && p->fail_defined)
        rc = usage_error("specify --fail or --fail-defined but not both");
    else if (p->nignore && p->nbundles)
        rc = usage_error("flag --ignore with --bundle paths is not supported by verdict yet "
                         "(it applies to --data paths)");
    if (rc == 0 && npos == 1) p->query = positional[0];
    if (p->instrument) p->metrics = 1;  /* --instrument implies --metrics */
    free(positional);
    return rc;
}

/* ---- one evaluation, as OPA's evalOnce: load, compile, query ---- */

typedef struct run {
    verdict_result *res;
    errlist errs;
    int failed;             /* errors other than collected builtin errors */
    eval_metrics m;
} run;

typedef struct input_doc {
    const char *text;
    size_t len;
    int yaml;
    const char *name;       /* for messages */
} input_doc;

/* Returns 0, or -1 after printing a message that ends the command (the
 * input did not parse; OPA reports that before evaluating). */
static int run_once(const eval_params *p, const input_doc *in, run *out)
{
    memset(out, 0, sizeof *out);
    errlist_init(&out->errs);
    verdict_options opts;
    memset(&opts, 0, sizeof opts);
    opts.v0_compatible = p->v0_compatible;
    opts.timeout_ns = p->timeout_ns;
    opts.capabilities = p->capabilities_json;
    verdict_engine *eng = verdict_new(&opts);
    if (!eng) {
        fputs("verdict: cannot create engine\n", stderr);
        return -1;
    }

    /* bundles activate at once; -d files are staged and committed after them */
    size_t nbundles = 0;
    if (p->nbundles) {
        uint64_t t0 = metrics_clock();
        nbundles = load_bundle_paths(eng, p->bundles, p->nbundles, &out->errs);
        metrics_add(&out->m, "timer_rego_load_bundles_ns", metrics_clock() - t0);
    }
    load_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.ignore = p->ignore;
    lo.nignore = p->nignore;
    if (p->ndata) {
        uint64_t t0 = metrics_clock();
        load_data_paths_with(eng, p->data, p->ndata, &lo, &out->errs);
        metrics_add(&out->m, "timer_rego_load_files_ns", metrics_clock() - t0);
        if (lo.nmodules_tried) metrics_add(&out->m, "timer_rego_module_parse_ns", lo.module_parse_ns);
        if (lo.ndata_tried) metrics_add(&out->m, "timer_rego_data_parse_ns", lo.data_parse_ns);
    }
    if (errlist_count(&out->errs) == 0) {
        verdict_errors *e = NULL;
        uint64_t t0 = metrics_clock();
        verdict_status st = verdict_commit(eng, &e);
        /* OPA compiles (and times it) when there are modules or bundles */
        if (lo.nmodules || nbundles)
            metrics_add(&out->m, "timer_rego_module_compile_ns", metrics_clock() - t0);
        if (st != VERDICT_OK) {
            if (e && verdict_errors_count(e))
                errlist_add_engine(&out->errs, e);
            else {
                verdict_errors_free(e);
                errlist_addf(&out->errs, "cannot compile the loaded modules");
            }
        } else {
            verdict_errors_free(e);
        }
    }
    if (errlist_count(&out->errs) > 0) {
        out->failed = 1;
        verdict_free(eng);
        return 0;
    }

    verdict_query_timings tm;
    verdict_query_options qopts;
    memset(&qopts, 0, sizeof qopts);
    qopts.input = in->text;
    qopts.input_len = in->len;
    qopts.input_is_yaml = in->yaml;
    qopts.strict_builtin_errors = p->strict_builtin_errors;
    qopts.show_builtin_errors = p->show_builtin_errors;
    qopts.results_with_errors = 1; /* opa eval prints both */
    qopts.package = p->package;
    qopts.imports = (const char *const *)p->imports;
    qopts.nimports = p->nimports;
    qopts.timings = &tm;
    verdict_errors *qe = NULL;
    verdict_status st = verdict_query(eng, p->query, &qopts, &out->res, &qe);
    if (tm.parsed) metrics_add(&out->m, "timer_rego_query_parse_ns", tm.parse_ns);
    if (tm.compiled) metrics_add(&out->m, "timer_rego_query_compile_ns", tm.compile_ns);
    if (tm.evaluated) metrics_add(&out->m, "timer_rego_query_eval_ns", tm.eval_ns);
    if (out->res && verdict_result_prints(out->res)) fputs(verdict_result_prints(out->res), stderr);
    verdict_free(eng);
    if (st == VERDICT_OK || st == VERDICT_UNDEFINED) {
        errlist_add_engine(&out->errs, qe);  /* --show-builtin-errors */
        return 0;
    }
    /* A .json input is handed over unchecked; if it is what failed, say so
     * with its name and position. */
    char *why = in->text ? load_input_error(in->text, in->len, in->yaml, in->name) : NULL;
    if (why) {
        fprintf(stderr, "%s\n", why);
        free(why);
        verdict_errors_free(qe);
        return -1;
    }
    if (qe && verdict_errors_count(qe))
        errlist_add_engine(&out->errs, qe);
    else {
        verdict_errors_free(qe);
        errlist_addf(&out->errs, st == VERDICT_NOMEM ? "out of memory" : "evaluation failed");
    }
    out->failed = 1;
    return 0;
}

static void run_free(run *r)
{
    verdict_result_free(r->res);
    errlist_free(&r->errs);
}

int cli_eval(int argc, char **argv)
{
    eval_params p;
    memset(&p, 0, sizeof p);
    p.format = FORMAT_JSON;
    p.count = 1;
    int status = EXIT_ERROR;
    char *query_buf = NULL, *input = NULL;
    run *runs = NULL;
    size_t nruns = 0;

    int rc = parse_args(argc, argv, &p);
    if (rc != 0) {
        status = rc < 0 ? EXIT_OK : rc;
        goto done;
    }

    /* a capabilities document that does not read is an invalid flag value */
    if (p.capabilities) {
        if (!(p.capabilities_json = cli_read_capabilities("eval", p.capabilities)))
            goto done;
        verdict_options co;
        memset(&co, 0, sizeof co);
        co.capabilities = p.capabilities_json;
        verdict_engine *probe = cli_new_engine("eval", &co, p.capabilities);
        if (!probe)
            goto done;
        verdict_free(probe);
    }

    if (p.stdin_query) {
        size_t qlen = 0;
        query_buf = load_read_stream(stdin, &qlen);
        if (!query_buf) {
            fputs("cannot read the query from standard input\n", stderr);
            goto done;
        }
        p.query = query_buf;
    }

    /* The input is read before anything is loaded, and its errors are
     * printed as plain text, as `opa eval` does. */
    input_doc in = {NULL, 0, 0, p.stdin_input ? "stdin" : p.input_path};
    if (p.input_path || p.stdin_input) {
        char *why = NULL;
        input = load_input(p.stdin_input ? NULL : p.input_path, &in.len, &in.yaml, &why);
        if (!input) {
            fprintf(stderr, "%s\n", why ? why : "cannot read input");
            free(why);
            goto done;
        }
        in.text = input;
    }
    if (p.strict_builtin_errors && p.show_builtin_errors) {
        fputs("cannot use --show-builtin-errors with --strict-builtin-errors, --strict-builtin-errors "
              "will return the first built-in error encountered immediately\n", stderr);
        goto done;
    }

    verdict_set_runtime(NULL); /* opa.runtime() answers as under `opa eval` */
    runs = calloc((size_t)p.count, sizeof *runs);
    if (!runs) {
        fputs("verdict: out of memory\n", stderr);
        goto done;
    }
    /* As OPA, every run loads, compiles and evaluates anew; the output is
     * the first run's, with statistics of every run's timers. */
    for (nruns = 0; nruns < (size_t)p.count; nruns++) {
        if (run_once(&p, &in, &runs[nruns]) != 0) {
            nruns++;
            goto done;
        }
        if (nruns > 0) {
            verdict_result_free(runs[nruns].res);
            runs[nruns].res = NULL;
        }
    }
    eval_metrics *timers = NULL;
    if (p.metrics && nruns > 1) {
        timers = calloc(nruns, sizeof *timers);
        if (!timers) goto done;
        for (size_t i = 0; i < nruns; i++) timers[i] = runs[i].m;
        const char *missing = metrics_missing(timers, nruns);
        if (missing) {
            fprintf(stderr, "missing timer for %s\n", missing);
            free(timers);
            goto done;
        }
    }

    present_output o;
    memset(&o, 0, sizeof o);
    o.errs = &runs[0].errs;
    o.result = runs[0].res;
    o.metrics = p.metrics && nruns == 1 ? &runs[0].m : NULL;
    o.runs = timers;
    o.nruns = timers ? nruns : 0;
    o.pretty_limit = p.pretty_limit;
    present(&o, p.format, stdout, stderr);
    free(timers);

    if (runs[0].failed) {
        status = EXIT_ERROR;
    } else {
        int defined = runs[0].res && verdict_result_count(runs[0].res) > 0;
        status = (p.fail && !defined) || (p.fail_defined && defined) ? EXIT_FAIL : EXIT_OK;
    }

done:
    fflush(stdout);
    for (size_t i = 0; i < nruns; i++) run_free(&runs[i]);
    free(runs);
    free(input);
    free(query_buf);
    free(p.capabilities_json);
    free(p.data);
    free(p.bundles);
    free(p.imports);
    for (size_t i = 0; i < p.nignore; i++) free(p.ignore[i]);
    free(p.ignore);
    return status;
}
