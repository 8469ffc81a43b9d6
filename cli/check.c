/* check.c — `verdict check`, OPA's `opa check`: parse and compile every
 * .rego file under the paths (or the bundles, with -b), print nothing and
 * exit 0 when all is well; otherwise print the errors as OPA does, on
 * stderr, and exit 1:
 *
 *   pretty  the loader's errors (files that do not read or parse) as
 *           "1 error occurred during loading: <e>" / "N errors occurred
 *           during loading:\n<e>...", else the compiler's as "1 error
 *           occurred: <e>" / "N errors occurred:\n<e>...", each
 *           "file:row: code: message" (cmd/check.go prints the error value;
 *           loader.Errors and ast.Errors word it so);
 *   json    {"errors": [{"message", "code", "location"}]} as opa eval prints errors.
 *
 * Loading is cli/load.c's (.rego files only, as OPA's check filter), or the
 * bundle loader for -b; compiling is the engine's, with the capabilities,
 * strict mode and error limit of the flags. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <verdict.h>

#include "capsarg.h"
#include "errlist.h"
#include "eval.h"
#include "load.h"
#include "usage.h"

typedef struct check_params {
    char **paths;
    size_t npaths;
    char **ignore;          /* owned */
    size_t nignore;
    const char *capabilities;
    long max_errors;
    int bundle, strict, v0_compatible, json;
} check_params;

void cli_check_usage(FILE *out)
{
    fputs("Check Rego source files for parse and compilation errors.\n"
          "\n"
          "If the 'check' command succeeds in parsing and compiling the source file(s), no output\n"
          "is produced. If the parsing or compiling fails, 'check' will output the errors\n"
          "and exit with a non-zero exit code.\n"
          "\n"
          "Usage:\n"
          "  verdict check <path> [path [...]] [flags]\n"
          "\n"
          "Flags:\n"
          "  -b, --bundle                 load paths as bundle files or root directories\n"
          "      --capabilities FILE      set capabilities.json file path (OPA's capabilities\n"
          "                               versions, e.g. v0.60.0, are not shipped with verdict)\n"
          "  -f, --format {pretty,json}   set output format (default pretty)\n"
          "  -h, --help                   help for check\n"
          "      --ignore strings         set file and directory names to ignore during loading\n"
          "                               (e.g., '.*' excludes hidden files; not with --bundle yet)\n"
          "  -m, --max-errors int         set the number of errors to allow before compilation\n"
          "                               fails early (default 10; 0 or less: no limit)\n"
          "  -S, --strict                 enable compiler strict mode\n"
          "      --v0-compatible          opt-in to OPA features and behaviors prior to the OPA v1.0\n"
          "                               release\n"
          "      --v1-compatible          opt-in to OPA features and behaviors that are enabled by\n"
          "                               default in OPA v1.0\n"
          "\n"
          "Not supported yet (an error names them): --rego-v1, -s/--schema.\n",
          out);
}

#define usage_error(...) cli_usage_error("check", EXIT_ERROR, __VA_ARGS__)

static int push(char ***v, size_t *n, char *s)
{
    char **grown = realloc(*v, (*n + 1) * sizeof **v);
    if (!grown)
        return -1;
    *v = grown;
    (*v)[(*n)++] = s;
    return 0;
}

/* pflag's string slice: each value is a line of CSV ("a,b" is two names). */
static int push_csv(char ***v, size_t *n, const char *value)
{
    const char *p = value;
    do {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *field = strndup(p, len);
        if (!field || push(v, n, field) != 0) {
            free(field);
            return -1;
        }
        p = comma ? comma + 1 : NULL;
    } while (p);
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = 0;
        return 0;
    }
    return -1;
}

enum { F_BUNDLE, F_CAPS, F_FORMAT, F_HELP, F_IGNORE, F_MAX_ERRORS, F_STRICT, F_V0, F_V1, F_REGO_V1, F_SCHEMA };

static const struct {
    const char *name;
    char short_name;
    int takes_value;
    int id;
} flags[] = {
    {"bundle", 'b', 0, F_BUNDLE},   {"capabilities", 0, 1, F_CAPS},  {"format", 'f', 1, F_FORMAT},
    {"help", 'h', 0, F_HELP},       {"ignore", 0, 1, F_IGNORE},      {"max-errors", 'm', 1, F_MAX_ERRORS},
    {"strict", 'S', 0, F_STRICT},   {"v0-compatible", 0, 0, F_V0},   {"v1-compatible", 0, 0, F_V1},
    {"rego-v1", 0, 0, F_REGO_V1},   {"schema", 's', 1, F_SCHEMA},
};

/* Returns 0 to go on, -1 after the help, or an exit status. */
static int apply(check_params *p, int id, const char *shown, const char *value, int *help)
{
    int on = 0;
    switch (id) {
    case F_BUNDLE:
        return parse_bool(value, &p->bundle) == 0 ? 0 : usage_error("invalid argument \"%s\" for \"%s\" flag", value, shown);
    case F_STRICT:
        return parse_bool(value, &p->strict) == 0 ? 0 : usage_error("invalid argument \"%s\" for \"%s\" flag", value, shown);
    case F_V0:
        return parse_bool(value, &p->v0_compatible) == 0 ? 0
                                                          : usage_error("invalid argument \"%s\" for \"%s\" flag", value, shown);
    case F_V1:
        return parse_bool(value, &on) == 0 ? 0 : usage_error("invalid argument \"%s\" for \"%s\" flag", value, shown);
    case F_HELP:
        *help = 1;
        return 0;
    case F_CAPS:
        p->capabilities = value;
        return 0;
    case F_IGNORE:
        return push_csv(&p->ignore, &p->nignore, value) == 0 ? 0 : EXIT_ERROR;
    case F_FORMAT:
        if (strcmp(value, "pretty") == 0)
            p->json = 0;
        else if (strcmp(value, "json") == 0)
            p->json = 1;
        else
            return usage_error("invalid argument \"%s\" for \"-f, --format\" flag: must be one of {pretty,json}", value);
        return 0;
    case F_MAX_ERRORS: {
        char *end;
        long n = strtol(value, &end, 10);
        if (!*value || *end)
            return usage_error("invalid argument \"%s\" for \"-m, --max-errors\" flag: strconv.ParseInt: parsing "
                               "\"%s\": invalid syntax", value, value);
        p->max_errors = n;
        return 0;
    }
    case F_REGO_V1:
        if (parse_bool(value, &on) != 0)
            return usage_error("invalid argument \"%s\" for \"%s\" flag", value, shown);
        return on ? usage_error("flag --rego-v1 is not supported by verdict yet") : 0;
    case F_SCHEMA:
        /* OPA type-checks input and data against JSON schemas; Verdict's
         * compiler has no schema types */
        return usage_error("flag %s is not supported by verdict yet", shown);
    }
    return EXIT_ERROR;
}

static int parse_args(int argc, char **argv, check_params *p)
{
    int help = 0, only_positional = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            if (push(&p->paths, &p->npaths, arg) != 0)
                return EXIT_ERROR;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        int f = -1;
        const char *value = NULL;
        char shown[64];
        if (arg[1] == '-') {
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t k = 0; k < sizeof flags / sizeof flags[0] && f < 0; k++)
                if (strlen(flags[k].name) == n && strncmp(flags[k].name, name, n) == 0)
                    f = (int)k;
            snprintf(shown, sizeof shown, "--%.*s", (int)(n < 50 ? n : 50), name);
            if (f < 0)
                return usage_error("unknown flag: %s", shown);
            if (eq)
                value = eq + 1;
        } else {
            for (size_t k = 0; k < sizeof flags / sizeof flags[0] && f < 0; k++)
                if (flags[k].short_name == arg[1])
                    f = (int)k;
            snprintf(shown, sizeof shown, "-%c", arg[1]);
            if (f < 0)
                return usage_error("unknown shorthand flag: '%c' in %s", arg[1], arg);
            if (arg[2])
                value = arg[2] == '=' ? arg + 3 : arg + 2;
        }
        if (flags[f].takes_value && !value) {
            if (i + 1 >= argc)
                return usage_error("flag needs an argument: %s", shown);
            value = argv[++i];
        }
        int rc = apply(p, flags[f].id, shown, value, &help);
        if (rc != 0)
            return rc;
    }
    if (help) {
        cli_check_usage(stdout);
        return -1;
    }
    if (p->npaths == 0)
        return usage_error("specify at least one file");
    if (p->bundle && p->nignore)
        return usage_error("flag --ignore with --bundle is not supported by verdict yet (the bundle reader "
                           "has no file filter)");
    return 0;
}

static void print_errors(const check_params *p, const errlist *errs, int loading)
{
    if (p->json)
        errlist_print_json(errs, stderr);
    else
        errlist_print_text_as(errs, stderr, loading ? " during loading" : "");
}

/* Compile what was loaded; engine errors go to errs. */
static void commit(verdict_engine *eng, errlist *errs)
{
    verdict_errors *e = NULL;
    if (verdict_commit(eng, &e) == VERDICT_OK) {
        verdict_errors_free(e);
        return;
    }
    if (e && verdict_errors_count(e))
        errlist_add_engine(errs, e);
    else {
        verdict_errors_free(e);
        errlist_addf(errs, "cannot compile the loaded modules");
    }
}

int cli_check(int argc, char **argv)
{
    check_params p;
    memset(&p, 0, sizeof p);
    p.max_errors = 10;
    char *caps = NULL;
    verdict_engine *eng = NULL;
    errlist errs;
    errlist_init(&errs);
    int status = EXIT_ERROR;

    int rc = parse_args(argc, argv, &p);
    if (rc != 0) {
        status = rc < 0 ? EXIT_OK : rc;
        goto done;
    }
    if (p.capabilities && !(caps = cli_read_capabilities("check", p.capabilities)))
        goto done;
    verdict_options o;
    memset(&o, 0, sizeof o);
    o.v0_compatible = p.v0_compatible;
    o.strict = p.strict;
    o.capabilities = caps;
    o.max_errors = p.max_errors > 0 ? (p.max_errors > 1000000 ? 1000000 : (int)p.max_errors) : -1;
    o.cache_disabled = 1;
    o.data_conflicts = p.bundle; /* OPA checks a bundle's data against its rules */
    if (!(eng = cli_new_engine("check", &o, p.capabilities)))
        goto done;

    int loading = 0;
    if (p.bundle) {
        /* each bundle is read, parsed and compiled as it is activated */
        load_bundle_paths(eng, p.paths, p.npaths, &errs);
    } else {
        load_opts lo;
        memset(&lo, 0, sizeof lo);
        lo.ignore = p.ignore;
        lo.nignore = p.nignore;
        lo.only_rego = 1;
        load_data_paths_with(eng, p.paths, p.npaths, &lo, &errs);
        loading = errlist_count(&errs) > 0;
        if (!loading)
            commit(eng, &errs);
    }
    if (errlist_count(&errs) > 0) {
        print_errors(&p, &errs, loading);
        status = EXIT_ERROR;
    } else {
        status = EXIT_OK;
    }

done:
    verdict_free(eng);
    errlist_free(&errs);
    free(caps);
    free(p.paths);
    for (size_t i = 0; i < p.nignore; i++)
        free(p.ignore[i]);
    free(p.ignore);
    return status;
}
