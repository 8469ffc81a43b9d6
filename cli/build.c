/* build.c — `verdict build` (as `opa build`: a bundle from directories and
 * files, optionally signed) and `verdict inspect` (what a bundle holds). */
#include "build.h"

#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
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
          "      --capabilities FILE    compile allowing only the builtins and features of this\n"
          "                             capabilities.json (OPA's capabilities versions, e.g.\n"
          "                             v0.60.0, are not shipped with verdict)\n"
          "      --v0-compatible        compile policies without a manifest rego_version as Rego v0\n"
          "\n"
          "As opa build, the bundle is compiled before it is kept: policy errors are\n"
          "reported and no bundle is left.\n",
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

/* The source file an error inside the built bundle ("OUT/rel") came from:
 * the first input that holds rel (a directory) or is rel (a file). */
static const char *source_of(const char *file, const char *out, char **inputs, int n, char *buf, size_t cap)
{
    size_t ol = strlen(out);
    if (strncmp(file, out, ol) != 0 || file[ol] != '/')
        return file;
    const char *rel = file + ol + 1;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(inputs[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            snprintf(buf, cap, "%s/%s", inputs[i], rel);
            if (stat(buf, &st) == 0)
                return buf;
        } else {
            const char *base = strrchr(inputs[i], '/');
            if (strcmp(base ? base + 1 : inputs[i], rel) == 0)
                return inputs[i];
        }
    }
    return rel;
}

/* opa build compiles what it packs (under --capabilities when given): a
 * bundle whose policies do not compile is an error and is not left behind.
 * The built bundle itself is loaded, so its manifest (roots, rego_version)
 * counts as it will when OPA or Verdict loads it.  0, or 1 after printing
 * the errors as `opa build` prints them. */
static int compile_built(const char *out, char **inputs, int n, const char *caps, const char *caps_arg, int v0)
{
    verdict_options o;
    memset(&o, 0, sizeof o);
    o.capabilities = caps;
    o.cache_disabled = 1;
    o.v0_compatible = v0;
    verdict_engine *eng = cli_new_engine("build", &o, caps_arg);
    if (!eng) {
        unlink(out);
        return 1;
    }
    verdict_bundle_options bo;
    memset(&bo, 0, sizeof bo);
    bo.skip_verification = 1;  /* signatures were just made; their keys are not ours to check */
    verdict_errors *e = NULL;
    int rc = 0;
    if (verdict_load_bundle_file(eng, out, out, &bo, &e) != VERDICT_OK) {
        size_t count = verdict_errors_count(e);
        /* the errors name the files inside the bundle: each is given its source path */
        errlist errs;
        errlist_init(&errs);
        for (size_t i = 0; i < count; i++) {
            char path[4096];
            const char *file = source_of(verdict_error_file(e, i), out, inputs, n, path, sizeof path);
            if (*file)
                errlist_addf(&errs, "%s:%d: %s: %s", file, verdict_error_row(e, i), verdict_error_code(e, i),
                             verdict_error_message(e, i));
            else
                errlist_addf(&errs, "%s: %s", verdict_error_code(e, i), verdict_error_message(e, i));
        }
        fputs("error: ", stderr);
        errlist_print_text(&errs, stderr);
        errlist_free(&errs);
        unlink(out);
        rc = 1;
    }
    verdict_errors_free(e);
    verdict_free(eng);
    return rc;
}

int cli_build(int argc, char **argv)
{
    const char *out = "bundle.tar.gz", *key_file = NULL, *caps = NULL;
    int v0 = 0;
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
        else if (strcmp(a, "--v0-compatible") == 0) {
            v0 = 1;
            continue;
        } else if (strcmp(a, "--v1-compatible") == 0) {
            v0 = 0;
            continue;
        }
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
    /* a capabilities document that does not read stops before anything is built */
    char *caps_text = caps ? cli_read_capabilities("build", caps) : NULL;
    if (caps && !caps_text) {
        free(inputs);
        return 1;
    }
    char *key = NULL;
    if (key_file) {
        key = read_file(key_file);
        if (!key) {
            fprintf(stderr, "error: cannot read signing key %s\n", key_file);
            free(caps_text);
            free(inputs);
            return 1;
        }
        o.signing_key = key;
    }
    verdict_errors *e = NULL;
    int rc = verdict_build_bundle(inputs, n, out, &o, &e) == VERDICT_OK
                 ? compile_built(out, inputs, n, caps_text, caps, v0)
                 : print_errors(e);
    free(caps_text);
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
