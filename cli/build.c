/* build.c — `verdict build` (as `opa build`: a bundle from directories and
 * files, optionally signed) and `verdict inspect` (what a bundle holds). */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include <verdict.h>

#include "capsarg.h"
#include "errlist.h"
#include "load.h"

void cli_build_usage(FILE *out)
{
    fputs("Build an OPA bundle (.tar.gz) from directories and files.\n"
          "\n"
          "Usage:\n"
          "  verdict build <path> [<path>...] [flags]\n"
          "\n"
          "Flags:\n"
          "  -o, --output FILE          the bundle to write (default bundle.tar.gz)\n"
          "  -t, --target TARGET        rego (default); wasm and plan are not supported yet\n"
          "  -e, --entrypoint PATH      for the wasm and plan targets (not supported yet)\n"
          "  -r, --revision REV         the bundle's revision\n"
          "      --signing-key FILE     sign with this PEM private key (or HMAC secret file)\n"
          "      --signing-alg ALG      RS256 (default), RS384, RS512, PS256..512, ES256..512, HS256..512\n"
          "      --claims-file FILE     not supported\n"
          "      --scope SCOPE          the scope claim of the signature\n"
          "      --capabilities FILE    compile the policies first, allowing only the builtins and\n"
          "                             features of this capabilities.json (OPA's capabilities\n"
          "                             versions, e.g. v0.60.0, are not shipped with verdict)\n",
          out);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    size_t got = b ? fread(b, 1, (size_t)n, f) : 0;
    if (b)
        b[got] = 0;
    fclose(f);
    return b;
}

static const char *value_of(int argc, char **argv, int *i, const char *a, size_t namelen)
{
    if (a[namelen] == '=')
        return a + namelen + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

static int print_errors(verdict_errors *e)
{
    for (size_t i = 0; i < verdict_errors_count(e); i++) {
        char *s = verdict_error_string(e, i);
        fprintf(stderr, "error: %s\n", s ? s : "?");
        free(s);
    }
    verdict_errors_free(e);
    return 1;
}

/* --capabilities: the .rego files under the inputs must compile under the
 * document, as `opa build` compiles them with its capabilities.  0, or 1
 * after printing why not. */
static int check_capabilities(const char *arg, char **inputs, int n)
{
    char *caps = cli_read_capabilities("build", arg);
    if (!caps)
        return 1;
    verdict_options o;
    memset(&o, 0, sizeof o);
    o.capabilities = caps;
    o.cache_disabled = 1;
    verdict_engine *eng = cli_new_engine("build", &o, arg);
    free(caps);
    if (!eng)
        return 1;
    errlist errs;
    errlist_init(&errs);
    load_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.only_rego = 1;
    load_data_paths_with(eng, inputs, (size_t)n, &lo, &errs);
    verdict_errors *e = NULL;
    if (errlist_count(&errs) == 0 && verdict_commit(eng, &e) != VERDICT_OK)
        errlist_add_engine(&errs, e);
    else
        verdict_errors_free(e);
    int rc = 0;
    if (errlist_count(&errs) > 0) {
        /* opa build prints "error: " and the compiler's errors */
        fputs("error: ", stderr);
        errlist_print_text(&errs, stderr);
        rc = 1;
    }
    errlist_free(&errs);
    verdict_free(eng);
    return rc;
}

int cli_build(int argc, char **argv)
{
    const char *out = "bundle.tar.gz", *key_file = NULL, *caps = NULL;
    verdict_build_options o;
    memset(&o, 0, sizeof o);
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int n = 0;
    if (!inputs)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
#define FLAG(name) (strncmp(a, name, strlen(name)) == 0 && (a[strlen(name)] == 0 || a[strlen(name)] == '='))
        if (FLAG("-o") || FLAG("--output"))
            v = out = value_of(argc, argv, &i, a, a[1] == '-' ? 8 : 2);
        else if (FLAG("-r") || FLAG("--revision"))
            v = o.revision = value_of(argc, argv, &i, a, a[1] == '-' ? 10 : 2);
        else if (FLAG("--signing-key"))
            v = key_file = value_of(argc, argv, &i, a, 13);
        else if (FLAG("--signing-alg"))
            v = o.signing_alg = value_of(argc, argv, &i, a, 13);
        else if (FLAG("--scope"))
            v = o.scope = value_of(argc, argv, &i, a, 7);
        else if (FLAG("--capabilities"))
            v = caps = value_of(argc, argv, &i, a, 14);
        else if (FLAG("-t") || FLAG("--target")) {
            v = value_of(argc, argv, &i, a, a[1] == '-' ? 8 : 2);
            if (v && strcmp(v, "rego") != 0) {
                /* OPA's wasm and plan targets compile to other forms; Verdict
                 * does not produce them yet (wasm/README.md) */
                fprintf(stderr, "Error: build target %s is not supported yet: only rego bundles are built\n", v);
                free(inputs);
                return 1;
            }
        } else if (FLAG("-e") || FLAG("--entrypoint")) {
            v = value_of(argc, argv, &i, a, a[1] == '-' ? 12 : 2);
            if (v) {
                fprintf(stderr, "Error: --entrypoint is for the wasm and plan targets, which are not supported yet\n");
                free(inputs);
                return 1;
            }
        }
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_build_usage(stdout);
            free(inputs);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "Error: unknown flag: %s\n", a);
            free(inputs);
            return 1;
        } else {
            inputs[n++] = argv[i];
            continue;
        }
        if (!v) {
            fprintf(stderr, "Error: flag needs an argument: %s\n", a);
            free(inputs);
            return 1;
        }
#undef FLAG
    }
    if (n == 0) {
        fputs("Error: expected at least one path\n", stderr);
        free(inputs);
        return 1;
    }
    if (caps && check_capabilities(caps, inputs, n) != 0) {
        free(inputs);
        return 1;
    }
    char *key = NULL;
    if (key_file) {
        key = read_file(key_file);
        if (!key) {
            fprintf(stderr, "error: cannot read signing key %s\n", key_file);
            free(inputs);
            return 1;
        }
        o.signing_key = key;
    }
    verdict_errors *e = NULL;
    int rc = verdict_build_bundle(inputs, n, out, &o, &e) == VERDICT_OK ? 0 : print_errors(e);
    free(key);
    free(inputs);
    return rc;
}

int cli_inspect(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format=json") == 0 || (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
                                                      strcmp(argv[++i], "json") == 0))
            json = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown flag: %s\n", argv[i]);
            return 1;
        } else
            path = argv[i];
    }
    if (!path) {
        fputs("Usage: verdict inspect <bundle> [--format json]\n", stderr);
        return 1;
    }
    verdict_errors *e = NULL;
    char *doc = verdict_inspect_bundle(path, &e);
    if (!doc)
        return print_errors(e);
    if (json) {
        puts(doc);
        free(doc);
        return 0;
    }
    /* the pretty form: the same document, indented, through a query on it */
    verdict_engine *eng = verdict_new(NULL);
    verdict_result *r = NULL;
    int rc = 1;
    if (eng && verdict_put_data(eng, "inspect", doc, strlen(doc), NULL) == VERDICT_OK) {
        verdict_query_options qo;
        memset(&qo, 0, sizeof qo);
        if (verdict_query(eng, "data.inspect", &qo, &r, NULL) == VERDICT_OK && verdict_result_count(r)) {
            char *v = verdict_result_expr_value(r, 0, 0, 1);
            puts(v ? v : doc);
            free(v);
            rc = 0;
        }
    }
    verdict_result_free(r);
    verdict_free(eng);
    free(doc);
    return rc;
}
