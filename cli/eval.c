/* eval.c — `verdict eval`: parse OPA's flags, load -d/-b paths into an
 * engine, read the input, run the query and print the result in the chosen
 * format (present.c), with OPA's exit statuses. */
#include "eval.h"
#include "usage.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <verdict.h>

#include "errlist.h"
#include "load.h"
#include "present.h"

typedef struct eval_params {
    char **data;
    size_t ndata;
    char **bundles;
    size_t nbundles;
    const char *input_path;
    const char *query;
    present_format format;
    int stdin_query;
    int stdin_input;
    int fail;
    int fail_defined;
    int strict_builtin_errors;
    int v0_compatible;
    int pretty_limit;
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
          "  -d, --data PATH               load .rego, .json and .yaml files or directories\n"
          "                                (repeatable; \"a.b:PATH\" loads under data.a.b)\n"
          "      --fail                    exit 1 when the result is undefined\n"
          "      --fail-defined            exit 1 when the result is defined\n"
          "  -f, --format FORMAT           json (default), values, bindings, pretty, raw, discard\n"
          "  -h, --help                    help for eval\n"
          "  -i, --input FILE              input document (JSON or YAML)\n"
          "      --pretty-limit N          truncate pretty table cells after N bytes\n"
          "      --stdin                   read the query from stdin\n"
          "  -I, --stdin-input             read the input document from stdin\n"
          "      --strict-builtin-errors   treat the first built-in function error as fatal\n"
          "      --timeout DURATION        evaluation deadline, e.g. 500ms, 5s (default none)\n"
          "      --v0-compatible           parse modules and the query as Rego v0\n"
          "      --v1-compatible           parse as Rego v1 (the default)\n",
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
    F_STRICT_BUILTIN, F_V0, F_V1, F_PRETTY_LIMIT, F_TIMEOUT, F_HELP, F_IGNORED_BOOL,
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
    {"v0-compatible", 0, 0, F_V0},
    {"v1-compatible", 0, 0, F_V1},
    {"pretty-limit", 0, 1, F_PRETTY_LIMIT},
    {"timeout", 0, 1, F_TIMEOUT},
    {"help", 'h', 0, F_HELP},
    /* Optimisation switches with no meaning here: accepted and ignored. */
    {"disable-indexing", 0, 0, F_IGNORED_BOOL},
    {"disable-early-exit", 0, 0, F_IGNORED_BOOL},
};

/* OPA flags that exist but are not implemented: named in the error. */
static const char *const unsupported[] = {
    "partial", "p", "unknowns", "u", "explain", "profile", "profile-sort", "profile-limit",
    "metrics", "coverage", "import", "package", "schema", "s", "capabilities", "target", "t",
    "ignore", "optimize", "O", "entrypoint", "e", "count", "strict", "instrument",
    "show-builtin-errors", "var-values", "shallow-inlining", "disable-inlining",
    "nondeterminstic-builtins", "read-ast-values-from-store",
};

static int apply_flag(eval_params *p, const flag *f, const char *value, int *help)
{
    switch (f->id) {
    case F_DATA: return push_path(&p->data, &p->ndata, (char *)value);
    case F_BUNDLE: return push_path(&p->bundles, &p->nbundles, (char *)value);
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

static int is_unsupported(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (strlen(unsupported[i]) == n && strncmp(unsupported[i], name, n) == 0) return 1;
    return 0;
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
        const char *value = NULL;
        char shown[64];
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            f = find_long(name, n);
            snprintf(shown, sizeof shown, "--%.*s", (int)(n < 50 ? n : 50), name);
            if (!f) {
                int rc = is_unsupported(name, n)
                             ? usage_error("flag %s is not supported by verdict yet", shown)
                             : usage_error("unknown flag: %s", shown);
                free(positional);
                return rc;
            }
            if (eq) value = eq + 1;
        } else {
            f = find_short(arg[1]);
            snprintf(shown, sizeof shown, "-%c", arg[1]);
            if (!f) {
                char name[2] = {arg[1], 0};
                int rc = is_unsupported(name, 1)
                             ? usage_error("flag %s is not supported by verdict yet", shown)
                             : usage_error("unknown shorthand flag: '%c' in %s", arg[1], arg);
                free(positional);
                return rc;
            }
            if (arg[2]) value = arg[2] == '=' ? arg + 3 : arg + 2;
        }
        if (f->takes_value && !value) {
            if (i + 1 >= argc) {
                free(positional);
                return usage_error("flag needs an argument: %s", shown);
            }
            value = argv[++i];
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
    if (rc == 0 && npos == 1) p->query = positional[0];
    free(positional);
    return rc;
}

int cli_eval(int argc, char **argv)
{
    eval_params p;
    memset(&p, 0, sizeof p);
    p.format = FORMAT_JSON;
    int rc = parse_args(argc, argv, &p);
    if (rc != 0) {
        free(p.data);
        free(p.bundles);
        return rc < 0 ? EXIT_OK : rc;
    }

    char *query_buf = NULL, *input = NULL;
    size_t input_len = 0;
    int input_yaml = 0;
    int status = EXIT_ERROR;
    verdict_engine *eng = NULL;
    verdict_result *res = NULL;
    errlist errs;
    errlist_init(&errs);

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
    if (p.input_path || p.stdin_input) {
        char *why = NULL;
        input = load_input(p.stdin_input ? NULL : p.input_path, &input_len, &input_yaml, &why);
        if (!input) {
            fprintf(stderr, "%s\n", why ? why : "cannot read input");
            free(why);
            goto done;
        }
    }

    verdict_options opts;
    memset(&opts, 0, sizeof opts);
    opts.v0_compatible = p.v0_compatible;
    opts.timeout_ns = p.timeout_ns;
    verdict_set_runtime(NULL); /* opa.runtime() answers as under `opa eval` */
    eng = verdict_new(&opts);
    if (!eng) {
        fputs("verdict: cannot create engine\n", stderr);
        goto done;
    }

    /* bundles activate at once; -d files are staged and committed after them */
    load_bundle_paths(eng, p.bundles, p.nbundles, &errs);
    load_data_paths(eng, p.data, p.ndata, &errs);
    if (errlist_count(&errs) == 0) {
        verdict_errors *e = NULL;
        if (verdict_commit(eng, &e) != VERDICT_OK) {
            if (e && verdict_errors_count(e))
                errlist_add_engine(&errs, e);
            else {
                verdict_errors_free(e);
                errlist_addf(&errs, "cannot compile the loaded modules");
            }
        } else {
            verdict_errors_free(e);
        }
    }
    if (errlist_count(&errs) > 0) {
        present_errors(&errs, p.format, stdout, stderr);
        goto done;
    }

    verdict_query_options qopts;
    memset(&qopts, 0, sizeof qopts);
    qopts.input = input;
    qopts.input_len = input_len;
    qopts.input_is_yaml = input_yaml;
    qopts.strict_builtin_errors = p.strict_builtin_errors;
    qopts.results_with_errors = 1; /* opa eval prints both */
    verdict_errors *qe = NULL;
    verdict_status st = verdict_query(eng, p.query, &qopts, &res, &qe);
    if (res && verdict_result_prints(res)) fputs(verdict_result_prints(res), stderr);
    if (st != VERDICT_OK && st != VERDICT_UNDEFINED) {
        /* A .json input is handed over unchecked; if it is what failed,
         * say so with its name and position. */
        char *why = input ? load_input_error(input, input_len, input_yaml,
                                             p.stdin_input ? "stdin" : p.input_path)
                          : NULL;
        if (why) {
            fprintf(stderr, "%s\n", why);
            free(why);
            verdict_errors_free(qe);
            goto done;
        }
        if (qe && verdict_errors_count(qe))
            errlist_add_engine(&errs, qe);
        else {
            verdict_errors_free(qe);
            errlist_addf(&errs, st == VERDICT_NOMEM ? "out of memory" : "evaluation failed");
        }
        present_errors_and_result(&errs, res, p.format, stdout, stderr);
        goto done;
    }
    verdict_errors_free(qe);

    present_result(res, p.format, p.pretty_limit, stdout);
    int defined = res && verdict_result_count(res) > 0;
    status = (p.fail && !defined) || (p.fail_defined && defined) ? EXIT_FAIL : EXIT_OK;

done:
    fflush(stdout);
    verdict_result_free(res);
    verdict_free(eng);
    errlist_free(&errs);
    free(input);
    free(query_buf);
    free(p.data);
    free(p.bundles);
    return status;
}
