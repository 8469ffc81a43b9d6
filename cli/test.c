/* test.c — `verdict test`: OPA's `opa test` on the public API.
 *
 * The flow follows OPA's cmd/test.go and tester package: load the paths
 * (files as `opa eval -d` loads them, or bundles with -b), compile, find the
 * test rules (a rule whose head reference has a `test_` or `todo_test_`
 * element before any variable; functions are not tests), keep those whose
 * full name matches --run, evaluate each as the query data.<pkg>.<name>
 * (passing when the value is `true`), and report as OPA does.  Coverage and
 * benchmarks come from the engine (verdict_coverage_json,
 * verdict_prepared_query); names, locations and packages from
 * verdict_rules_json and the modules' text. */
#include "test.h"
#include "usage.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <verdict.h>

#include "errlist.h"
#include "jsontext.h"
#include "load.h"
#include "test_load.h"
#include "test_report.h"

enum { EXIT_TESTS_OK = 0, EXIT_TESTS_ERROR = 1, EXIT_TESTS_FAILED = 2 };

typedef struct test_params {
    char **paths;
    size_t npaths;
    char **ignore;
    size_t nignore;
    const char *run;
    const char *format;  /* pretty, json, gobench */
    int verbose;
    int bundle;
    int coverage;
    double threshold;
    uint64_t timeout_ns;
    int bench;
    int benchmem;
    int skip_exit_zero;
    int fail_on_empty;
    int v0;
    int count;
} test_params;

void cli_test_usage(FILE *out)
{
    fputs("Execute Rego test cases.\n"
          "\n"
          "Test cases are rules whose names have the prefix \"test_\"; rules prefixed\n"
          "\"todo_test_\" are reported as skipped.  Without --bundle every .rego, .json and\n"
          ".yaml file under the paths is loaded (data files at the path of their directory).\n"
          "\n"
          "Usage:\n"
          "  verdict test <path> [path [...]] [flags]\n"
          "\n"
          "Flags:\n"
          "      --bench                   benchmark the unit tests\n"
          "      --benchmem                report memory with benchmark results (default true)\n"
          "  -b, --bundle                  load paths as bundle files or root directories\n"
          "      --count N                 number of times to repeat each test (default 1)\n"
          "  -c, --coverage                report coverage (as JSON)\n"
          "  -z, --exit-zero-on-skipped    skipped tests return status 0\n"
          "      --explain MODE            fails, full, notes, debug (turns on verbose reporting)\n"
          "      --fail-on-empty           fail when no test was run\n"
          "  -f, --format FORMAT           pretty (default), json, gobench (with --bench)\n"
          "  -h, --help                    help for test\n"
          "      --ignore PATTERN          file and directory names to ignore (repeatable, e.g. '.*')\n"
          "  -m, --max-errors N            accepted for compatibility\n"
          "  -p, --parallel N              accepted for compatibility (tests run one at a time)\n"
          "  -r, --run REGEX               run only test cases matching the regular expression\n"
          "      --threshold PCT           fail when coverage is below PCT percent\n"
          "      --timeout DURATION        per-test deadline (default 5s, 30s when benchmarking)\n"
          "      --v0-compatible           parse modules as Rego v0\n"
          "      --v1-compatible           parse modules as Rego v1 (the default)\n"
          "  -v, --verbose                 report every test, with durations and print() output\n",
          out);
}

#define usage_error(...) cli_usage_error("test", EXIT_TESTS_ERROR, __VA_ARGS__)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- flags ---- */

static int push(char ***v, size_t *n, char *s)
{
    char **grown = realloc(*v, (*n + 1) * sizeof **v);
    if (!grown) return -1;
    *v = grown;
    (*v)[(*n)++] = s;
    return 0;
}

/* Go's time.ParseDuration: "1h2m3.5s", "250ms", "10us", "0". */
static int parse_duration(const char *s, uint64_t *out)
{
    static const struct { const char *unit; double ns; } units[] = {
        {"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3}, {"ms", 1e6},
        {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    };
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (!*s) return -1;
    double total = 0;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || v < 0 || *s == '+' || *s == '-') return -1;
        s = end;
        size_t best = 0;
        double mult = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t n = strlen(units[i].unit);
            if (strncmp(s, units[i].unit, n) == 0 && n > best) best = n, mult = units[i].ns;
        }
        if (!best) return -1;
        s += best;
        total += v * mult;
    }
    *out = (uint64_t)total;
    return 0;
}

/* Split comma-separated values as pflag's string slices do. */
static int push_list(char ***v, size_t *n, const char *value)
{
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *item = strndup(p, len);
        if (!item || push(v, n, item) != 0) {
            free(item);
            return -1;
        }
        if (!comma) return 0;
        p = comma + 1;
    }
}

enum flag_id {
    F_VERBOSE, F_BUNDLE, F_COVERAGE, F_BENCH, F_BENCHMEM, F_SKIP_ZERO, F_FAIL_EMPTY, F_V0, F_V1,
    F_RUN, F_FORMAT, F_THRESHOLD, F_TIMEOUT, F_IGNORE, F_COUNT, F_PARALLEL, F_MAX_ERRORS, F_EXPLAIN,
};

static const struct flag {
    const char *name;
    char shorthand;
    int takes_value;
    enum flag_id id;
} flags[] = {
    {"verbose", 'v', 0, F_VERBOSE},         {"bundle", 'b', 0, F_BUNDLE},
    {"coverage", 'c', 0, F_COVERAGE},       {"bench", 0, 0, F_BENCH},
    {"benchmem", 0, 0, F_BENCHMEM},         {"exit-zero-on-skipped", 'z', 0, F_SKIP_ZERO},
    {"fail-on-empty", 0, 0, F_FAIL_EMPTY},  {"v0-compatible", 0, 0, F_V0},
    {"v1-compatible", 0, 0, F_V1},          {"run", 'r', 1, F_RUN},
    {"format", 'f', 1, F_FORMAT},           {"threshold", 0, 1, F_THRESHOLD},
    {"timeout", 0, 1, F_TIMEOUT},           {"ignore", 0, 1, F_IGNORE},
    {"count", 0, 1, F_COUNT},               {"parallel", 'p', 1, F_PARALLEL},
    {"max-errors", 'm', 1, F_MAX_ERRORS},   {"explain", 0, 1, F_EXPLAIN},
};

static int parse_bool(const char *v, int *out)
{
    if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "t") == 0 || strcmp(v, "TRUE") == 0 ||
        strcmp(v, "True") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "f") == 0 || strcmp(v, "FALSE") == 0 ||
        strcmp(v, "False") == 0) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int set_flag(test_params *p, const struct flag *f, const char *value)
{
    int b = 0;
    char *end;
    if (!f->takes_value && parse_bool(value, &b) != 0)
        return usage_error("invalid argument \"%s\" for \"--%s\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax",
                           value, f->name, value);
    switch (f->id) {
    case F_VERBOSE: p->verbose = b; break;
    case F_BUNDLE: p->bundle = b; break;
    case F_COVERAGE: p->coverage = b; break;
    case F_BENCH: p->bench = b; break;
    case F_BENCHMEM: p->benchmem = b; break;
    case F_SKIP_ZERO: p->skip_exit_zero = b; break;
    case F_FAIL_EMPTY: p->fail_on_empty = b; break;
    case F_V0: p->v0 = b; break;
    case F_V1: break;  /* v1 is the default; v0 takes precedence as in OPA */
    case F_RUN: p->run = value; break;
    case F_FORMAT:
        if (strcmp(value, "pretty") && strcmp(value, "json") && strcmp(value, "gobench"))
            return usage_error("invalid argument \"%s\" for \"-f, --format\" flag: invalid value, allowed "
                               "values are: pretty, json, gobench", value);
        p->format = value;
        break;
    case F_THRESHOLD:
        p->threshold = strtod(value, &end);
        if (end == value || *end)
            return usage_error("invalid argument \"%s\" for \"--threshold\" flag: strconv.ParseFloat: parsing "
                               "\"%s\": invalid syntax", value, value);
        break;
    case F_TIMEOUT:
        if (parse_duration(value, &p->timeout_ns) != 0)
            return usage_error("invalid argument \"%s\" for \"--timeout\" flag: time: invalid duration \"%s\"",
                               value, value);
        break;
    case F_IGNORE:
        if (push_list(&p->ignore, &p->nignore, value) != 0) return EXIT_TESTS_ERROR;
        break;
    case F_COUNT:
        p->count = (int)strtol(value, &end, 10);
        if (end == value || *end)
            return usage_error("invalid argument \"%s\" for \"--count\" flag: invalid syntax", value);
        break;
    case F_PARALLEL:
    case F_MAX_ERRORS:
        strtol(value, &end, 10);
        if (end == value || *end)
            return usage_error("invalid argument \"%s\" for \"--%s\" flag: invalid syntax", value, f->name);
        break;
    case F_EXPLAIN:
        if (strcmp(value, "fails") && strcmp(value, "full") && strcmp(value, "notes") && strcmp(value, "debug"))
            return usage_error("invalid argument \"%s\" for \"--explain\" flag: invalid value, allowed values "
                               "are: fails, full, notes, debug", value);
        p->verbose = 1;  /* as OPA: an explain mode implies verbose reporting */
        break;
    }
    return 0;
}

static const struct flag *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0) return &flags[i];
    return NULL;
}

static const struct flag *find_short(char c)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i].shorthand == c) return &flags[i];
    return NULL;
}

/* pflag's syntax: --name, --name=value, --name value, -x, -xvalue, -x value,
 * and runs of boolean shorthands (-vz).  Returns -1 after printing help. */
static int parse_args(int argc, char **argv, test_params *p)
{
    int only_paths = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_paths || a[0] != '-' || a[1] == '\0') {
            if (push(&p->paths, &p->npaths, a) != 0) return EXIT_TESTS_ERROR;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_paths = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_test_usage(stdout);
            return -1;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct flag *f = find_long(name, len);
            if (!f) return usage_error("unknown flag: --%.*s", (int)len, name);
            const char *value = eq ? eq + 1 : NULL;
            if (f->takes_value && !value) {
                if (i + 1 >= argc) return usage_error("flag needs an argument: --%s", f->name);
                value = argv[++i];
            }
            int rc = set_flag(p, f, value);
            if (rc) return rc;
            continue;
        }
        for (const char *s = a + 1; *s; s++) {
            const struct flag *f = find_short(*s);
            if (!f) return usage_error("unknown shorthand flag: '%c' in %s", *s, a);
            if (!f->takes_value) {
                int rc = set_flag(p, f, NULL);
                if (rc) return rc;
                continue;
            }
            const char *value = s[1] ? s + 1 + (s[1] == '=') : NULL;
            if (!value) {
                if (i + 1 >= argc) return usage_error("flag needs an argument: '%c' in -%c", *s, *s);
                value = argv[++i];
            }
            int rc = set_flag(p, f, value);
            if (rc) return rc;
            break;
        }
    }
    return 0;
}

/* ---- names: packages and rule heads from the modules' text ---- */

/* One element of a reference: a name or string key, a number, or a
 * variable (where the ground prefix ends). */
typedef struct ref_term {
    enum { TERM_STRING, TERM_NUMBER, TERM_VAR } kind;
    char *text;
} ref_term;

typedef struct ref {
    ref_term *terms;
    size_t n;
} ref;

static void ref_free(ref *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->terms[i].text);
    free(r->terms);
    memset(r, 0, sizeof *r);
}

static void ref_push(ref *r, int kind, char *text)
{
    ref_term *t = realloc(r->terms, sizeof *t * (r->n + 1));
    if (!t || !text) {
        free(text);
        return;
    }
    r->terms = t;
    r->terms[r->n].kind = kind;
    r->terms[r->n].text = text;
    r->n++;
}

static const char *skip_space(const char *p, int newlines)
{
    for (;;) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || (newlines && *p == '\n')) {
            p++;
        } else if (*p == '#' && newlines) {
            while (*p && *p != '\n') p++;
        } else {
            return p;
        }
    }
}

static size_t ident_len(const char *p)
{
    if (!(isalpha((unsigned char)*p) || *p == '_')) return 0;
    size_t n = 1;
    while (isalnum((unsigned char)p[n]) || p[n] == '_') n++;
    return n;
}

/* A string literal ("..." or `...`) decoded; *len receives its source length. */
static char *string_literal(const char *p, size_t *len)
{
    if (*p == '`') {
        const char *end = strchr(p + 1, '`');
        if (!end) return NULL;
        *len = (size_t)(end + 1 - p);
        return strndup(p + 1, (size_t)(end - p - 1));
    }
    if (*p != '"') return NULL;
    size_t n = 1;
    while (p[n] && p[n] != '"' && p[n] != '\n') n += p[n] == '\\' && p[n + 1] ? 2 : 1;
    if (p[n] != '"') return NULL;
    *len = n + 1;
    return jt_unquote(p, n + 1, NULL);
}

/* A reference as written in a package clause or a rule head:
 * name ( "." name | "[" string/number/var "]" )*.  Returns the end. */
static const char *parse_ref(const char *p, ref *out)
{
    size_t n = ident_len(p);
    if (!n) return p;
    ref_push(out, TERM_STRING, strndup(p, n));
    p += n;
    for (;;) {
        if (*p == '.' && (n = ident_len(p + 1)) > 0) {
            ref_push(out, TERM_STRING, strndup(p + 1, n));
            p += 1 + n;
        } else if (*p == '[') {
            const char *q = skip_space(p + 1, 1), *end;
            size_t len = 0;
            char *s;
            if ((s = string_literal(q, &len)) != NULL) {
                ref_push(out, TERM_STRING, s);
                end = q + len;
            } else if (isdigit((unsigned char)*q) || *q == '-') {
                len = 1;
                while (isalnum((unsigned char)q[len]) || q[len] == '.') len++;
                ref_push(out, TERM_NUMBER, strndup(q, len));
                end = q + len;
            } else if ((len = ident_len(q)) > 0) {
                ref_push(out, TERM_VAR, strndup(q, len));
                end = q + len;
            } else {
                return p;
            }
            end = skip_space(end, 1);
            if (*end != ']') return p;
            p = end + 1;
        } else {
            return p;
        }
    }
}

/* The package clause of a module: data.<terms>. */
static int module_package(const char *text, ref *pkg)
{
    const char *p = skip_space(text, 1);
    if (strncmp(p, "package", 7) != 0 || !isspace((unsigned char)p[7])) return -1;
    parse_ref(skip_space(p + 7, 1), pkg);
    return pkg->n ? 0 : -1;
}

static int is_keyword(const char *s)
{
    static const char *const kw[] = {"as", "contains", "default", "else", "every", "false", "if", "import",
                                     "in", "not", "null", "package", "some", "true", "with"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strcmp(s, kw[i]) == 0) return 1;
    return 0;
}

/* One reference element as OPA's Ref.String() prints it after the head. */
static void term_string(FILE *out, const ref_term *t)
{
    if (t->kind == TERM_NUMBER) {
        fprintf(out, "[%s]", t->text);
    } else if (t->kind == TERM_VAR) {
        fprintf(out, "[%s]", t->text);
    } else if (ident_len(t->text) == strlen(t->text) && !is_keyword(t->text)) {
        fprintf(out, ".%s", t->text);
    } else {
        fputc('[', out);
        jt_write_string(out, t->text);
        fputc(']', out);
    }
}

static int is_test_name(const char *s)
{
    return strncmp(s, "test_", 5) == 0 || strncmp(s, "todo_test_", 10) == 0;
}

typedef struct module_info {
    char *file;
    char *text;
    size_t *lines;  /* offset of each row's first byte */
    int nlines;
    ref pkg;
    int has_pkg;
} module_info;

typedef struct discovery {
    module_info *mods;
    size_t nmods;
    test_case *tests;
    size_t ntests;
    int v0;
    int partial_fail;  /* set by the callbacks on allocation failure */
} discovery;

static void module_field(void *ctx, const char *key, const char *value, size_t len)
{
    module_info *m = ctx;
    if (strcmp(key, "id") == 0)
        m->file = jt_unquote(value, len, NULL);
    else if (strcmp(key, "raw") == 0)
        m->text = jt_unquote(value, len, NULL);
}

static void index_lines(module_info *m)
{
    int n = 1;
    for (const char *p = m->text; *p; p++) n += *p == '\n';
    m->lines = malloc(sizeof *m->lines * (size_t)n);
    if (!m->lines) return;
    m->lines[0] = 0;
    m->nlines = 1;
    for (const char *p = m->text; *p; p++)
        if (*p == '\n') m->lines[m->nlines++] = (size_t)(p + 1 - m->text);
}

static void module_item(void *ctx, const char *value, size_t len)
{
    discovery *d = ctx;
    char *copy = strndup(value, len);
    if (!copy) return;
    module_info m;
    memset(&m, 0, sizeof m);
    jt_object_members(copy, module_field, &m);
    free(copy);
    module_info *mods = realloc(d->mods, sizeof *mods * (d->nmods + 1));
    if (!mods || !m.file || !m.text) {
        if (mods) d->mods = mods;
        free(m.file);
        free(m.text);
        return;
    }
    d->mods = mods;
    m.has_pkg = module_package(m.text, &m.pkg) == 0;
    index_lines(&m);
    d->mods[d->nmods++] = m;
}

static const module_info *find_module(const discovery *d, const char *file)
{
    for (size_t i = 0; i < d->nmods; i++)
        if (strcmp(d->mods[i].file, file) == 0) return &d->mods[i];
    return NULL;
}

/* The rule head that starts at row:col of the module's text. */
static const char *head_at(const module_info *m, int row, int col)
{
    if (!m->lines || row < 1 || row > m->nlines) return NULL;
    const char *p = m->text + m->lines[row - 1];
    for (int c = 1; c < col && *p && *p != '\n'; c++) p++;
    if (strncmp(p, "default", 7) == 0 && isspace((unsigned char)p[7])) p = skip_space(p + 7, 0);
    return p;
}

/* A rule of verdict_rules_json. */
typedef struct rule_entry {
    char *path, *file;
    int row, col, function;
} rule_entry;

static void rule_field(void *ctx, const char *key, const char *value, size_t len)
{
    rule_entry *r = ctx;
    if (strcmp(key, "path") == 0) r->path = jt_unquote(value, len, NULL);
    else if (strcmp(key, "file") == 0) r->file = jt_unquote(value, len, NULL);
    else if (strcmp(key, "row") == 0) r->row = atoi(value);
    else if (strcmp(key, "col") == 0) r->col = atoi(value);
    else if (strcmp(key, "function") == 0) r->function = strncmp(value, "true", 4) == 0;
}

static char *ref_text(const char *head, const ref *r, size_t from, size_t to)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    if (head) fputs(head, m);
    for (size_t i = from; i < to; i++) {
        if (!head && i == from)
            fputs(r->terms[i].text, m);  /* a head's first element is a variable */
        else
            term_string(m, &r->terms[i]);
    }
    fclose(m);
    return buf;
}

static void add_test(discovery *d, const rule_entry *re, const ref *pkg, const ref *head, size_t test_at,
                     int partial_object)
{
    test_case tc;
    memset(&tc, 0, sizeof tc);
    tc.package = ref_text("data", pkg, 0, pkg->n);
    tc.name = ref_text(NULL, head, 0, test_at + 1);
    if (tc.package && tc.name && asprintf(&tc.query, "%s.%s", tc.package, tc.name) < 0) tc.query = NULL;
    tc.file = strdup(re->file ? re->file : "");
    tc.row = re->row;
    tc.col = re->col;
    tc.skip = strncmp(head->terms[test_at].text, "todo_test_", 10) == 0;
    tc.partial_object = partial_object;
    test_case *tests = realloc(d->tests, sizeof *tests * (d->ntests + 1));
    if (!tc.package || !tc.name || !tc.query || !tc.file || !tests) {
        free(tc.package), free(tc.name), free(tc.query), free(tc.file);
        if (tests) d->tests = tests;
        d->partial_fail = 1;
        return;
    }
    d->tests = tests;
    /* test_x.a and test_x.b are one test, data.pkg.test_x (rules of one
     * path come once from the engine, so only cut paths can repeat) */
    for (size_t i = 0; test_at + 1 < head->n && i < d->ntests; i++)
        if (strcmp(tests[i].query, tc.query) == 0) {
            free(tc.package), free(tc.name), free(tc.query), free(tc.file);
            return;
        }
    d->tests[d->ntests++] = tc;
}

/* Without the module's text: split the dotted path at its first test_
 * element (the package is then taken as everything before it). */
static void add_test_from_path(discovery *d, const rule_entry *re)
{
    ref all;
    memset(&all, 0, sizeof all);
    char *copy = strdup(re->path);
    if (!copy) return;
    for (char *tok = strtok(copy, "."); tok; tok = strtok(NULL, ".")) ref_push(&all, TERM_STRING, strdup(tok));
    free(copy);
    for (size_t i = 1; i < all.n; i++) {
        if (!is_test_name(all.terms[i].text)) continue;
        ref pkg = {all.terms + 1, i - 1}, head = {all.terms + i, all.n - i};
        add_test(d, re, &pkg, &head, 0, 0);
        break;
    }
    ref_free(&all);
}

static void rule_item(void *ctx, const char *value, size_t len)
{
    discovery *d = ctx;
    char *copy = strndup(value, len);
    if (!copy) return;
    rule_entry re;
    memset(&re, 0, sizeof re);
    jt_object_members(copy, rule_field, &re);
    free(copy);
    if (!re.path || re.function) goto done;  /* functions are not tests */

    const module_info *m = re.file ? find_module(d, re.file) : NULL;
    const char *head_src = m && m->has_pkg ? head_at(m, re.row, re.col) : NULL;
    ref head;
    memset(&head, 0, sizeof head);
    const char *after = head_src ? parse_ref(head_src, &head) : NULL;
    if (!head.n) {
        add_test_from_path(d, &re);
        goto done;
    }
    /* the test_ element must come before any variable (OPA's ground prefix) */
    size_t at = head.n;
    for (size_t i = 0; i < head.n && head.terms[i].kind != TERM_VAR; i++)
        if (head.terms[i].kind == TERM_STRING && is_test_name(head.terms[i].text)) {
            at = i;
            break;
        }
    if (at < head.n) {
        /* test_x[case] if ... is a partial object: one result per case
         * (a partial set when it says `contains`, or in v0 without a value) */
        int has_var = 0;
        for (size_t i = at + 1; i < head.n; i++) has_var |= head.terms[i].kind == TERM_VAR;
        const char *rest = skip_space(after, 0);
        int set = strncmp(rest, "contains", 8) == 0 ||
                  (d->v0 && *rest != '=' && strncmp(rest, ":=", 2) != 0);
        add_test(d, &re, &m->pkg, &head, at, has_var && !set);
    }
    ref_free(&head);
done:
    free(re.path);
    free(re.file);
}

static int by_location(const void *a, const void *b)
{
    const test_case *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

static void discovery_free(discovery *d)
{
    for (size_t i = 0; i < d->nmods; i++) {
        free(d->mods[i].file);
        free(d->mods[i].text);
        free(d->mods[i].lines);
        ref_free(&d->mods[i].pkg);
    }
    free(d->mods);
    for (size_t i = 0; i < d->ntests; i++) {
        free(d->tests[i].package);
        free(d->tests[i].name);
        free(d->tests[i].query);
        free(d->tests[i].file);
    }
    free(d->tests);
    memset(d, 0, sizeof *d);
}

/* Every test rule of the active policy, in file order, then row order. */
static int discover(verdict_engine *eng, discovery *d)
{
    char *mods = verdict_modules_json(eng);
    char *rules = verdict_rules_json(eng);
    int rc = -1;
    if (mods && rules && jt_array_items(mods, module_item, d) >= 0 && jt_array_items(rules, rule_item, d) >= 0 &&
        !d->partial_fail)
        rc = 0;
    if (d->ntests) qsort(d->tests, d->ntests, sizeof *d->tests, by_location);
    free(mods);
    free(rules);
    return rc;
}

/* ---- --run: Go's regexp syntax, through the engine's regex.match ---- */

typedef struct match_ctx {
    char *keep;  /* per test: matched */
    size_t n;
} match_ctx;

static void match_item(void *ctx, const char *value, size_t len)
{
    match_ctx *m = ctx;
    (void)len;
    long i = strtol(value, NULL, 10);
    if (i >= 0 && (size_t)i < m->n) m->keep[i] = 1;
}

/* Keeps the tests whose full name (data.pkg.test_x) the pattern matches.
 * Returns -1 with a message on stderr when the pattern is not valid. */
static int filter_tests(discovery *d, const char *pattern)
{
    char *input = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&input, &len);
    if (!m) return -1;
    fputs("{\"re\":", m);
    jt_write_string(m, pattern);
    fputs(",\"names\":[", m);
    for (size_t i = 0; i < d->ntests; i++) {
        if (i) fputc(',', m);
        jt_write_string(m, d->tests[i].query);
    }
    fputs("]}", m);
    fclose(m);

    verdict_engine *scratch = verdict_new(NULL);
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = input;
    qo.input_len = len;
    qo.strict_builtin_errors = 1;
    verdict_result *r = NULL;
    verdict_errors *e = NULL;
    int rc = -1;
    /* regex.match on "" too, so that a bad pattern is an error even when
     * there is nothing to match */
    verdict_status st = scratch ? verdict_query(scratch,
                                                "regex.match(input.re, \"\") == regex.match(input.re, \"\"); "
                                                "[i | some i, n in input.names; regex.match(input.re, n)]",
                                                &qo, &r, &e)
                                : VERDICT_NOMEM;
    if (st == VERDICT_OK && verdict_result_count(r) > 0) {
        char *value = verdict_result_expr_value(r, 0, 1, 0);
        match_ctx mc = {calloc(d->ntests + 1, 1), d->ntests};
        if (value && mc.keep && jt_array_items(value, match_item, &mc) >= 0) {
            size_t kept = 0;
            for (size_t i = 0; i < d->ntests; i++) {
                if (mc.keep[i]) {
                    d->tests[kept++] = d->tests[i];
                } else {
                    free(d->tests[i].package), free(d->tests[i].name);
                    free(d->tests[i].query), free(d->tests[i].file);
                }
            }
            d->ntests = kept;
            rc = 0;
        }
        free(mc.keep);
        free(value);
    } else {
        const char *msg = e && verdict_errors_count(e) ? verdict_error_message(e, 0) : "invalid pattern";
        const char *go = strstr(msg, "error parsing regexp");
        fprintf(stderr, "%s\n", go ? go : msg);
    }
    verdict_result_free(r);
    verdict_errors_free(e);
    verdict_free(scratch);
    free(input);
    return rc;
}

/* ---- running ---- */

/* OPA's error text: one error as "file:row: code: message", several as
 * "N errors occurred:" and a line each. */
static char *errors_text(const verdict_errors *e)
{
    size_t n = verdict_errors_count(e);
    if (n == 1) return verdict_error_string(e, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    fprintf(m, "%zu errors occurred:", n);
    for (size_t i = 0; i < n; i++) {
        char *s = verdict_error_string(e, i);
        fprintf(m, "\n%s", s ? s : "");
        free(s);
    }
    fclose(m);
    return buf;
}

static void error_object(FILE *m, const verdict_errors *e, size_t i, int indent)
{
    fprintf(m, "{\n%*s\"code\": ", indent + 2, "");
    jt_write_string(m, verdict_error_code(e, i));
    fprintf(m, ",\n%*s\"message\": ", indent + 2, "");
    jt_write_string(m, verdict_error_message(e, i));
    const char *file = verdict_error_file(e, i);
    int row = verdict_error_row(e, i);
    if ((file && *file) || row) {
        fprintf(m, ",\n%*s\"location\": {\n%*s\"file\": ", indent + 2, "", indent + 4, "");
        jt_write_string(m, file ? file : "");
        fprintf(m, ",\n%*s\"row\": %d,\n%*s\"col\": %d\n%*s}", indent + 4, "", row, indent + 4, "",
                verdict_error_col(e, i), indent + 2, "");
    }
    fprintf(m, "\n%*s}", indent, "");
}

/* The error as OPA's JSON reporter marshals it inside a result: a
 * topdown.Error object, or an array for several compile errors. */
static char *errors_json(const verdict_errors *e)
{
    size_t n = verdict_errors_count(e);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    if (n == 1) {
        error_object(m, e, 0, 4);
    } else {
        fputs("[\n", m);
        for (size_t i = 0; i < n; i++) {
            fprintf(m, "      ");
            error_object(m, e, i, 6);
            fputs(i + 1 < n ? ",\n" : "\n", m);
        }
        fputs("    ]", m);
    }
    fclose(m);
    return buf;
}

static void set_error(test_result *r, verdict_errors *e)
{
    if (e && verdict_errors_count(e)) {
        r->error = errors_text(e);
        r->error_json = errors_json(e);
    }
    if (!r->error) r->error = strdup("evaluation failed");
}

static void subs_free(sub_result *subs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(subs[i].name);
        subs_free(subs[i].children, subs[i].nchildren);
    }
    free(subs);
}

typedef struct subs_ctx {
    sub_result *v;
    size_t n;
    int fail;
} subs_ctx;

static void sub_member(void *ctx, const char *key, const char *value, size_t len);

/* OPA's subResult: an object is a level of cases, true passes, anything
 * else fails. */
static void sub_member(void *ctx, const char *key, const char *value, size_t len)
{
    subs_ctx *sc = ctx;
    sub_result *v = realloc(sc->v, sizeof *v * (sc->n + 1));
    if (!v) return;
    sc->v = v;
    sub_result *s = &v[sc->n++];
    memset(s, 0, sizeof *s);
    s->name = strdup(key);
    if (*value == '{') {
        char *copy = strndup(value, len);
        subs_ctx inner = {NULL, 0, 0};
        if (copy) jt_object_members(copy, sub_member, &inner);
        free(copy);
        s->children = inner.v;
        s->nchildren = inner.n;
        s->fail = inner.fail;
    } else {
        s->fail = !(len == 4 && strncmp(value, "true", 4) == 0);
    }
    sc->fail |= s->fail;
}

/* ---- cases a parameterized test tried (internal.test_case) ---- */

typedef struct case_path {
    char *names[32];
    int n;
} case_path;

/* OPA names a case by its key: a string as it is, anything else as JSON. */
static void case_item(void *ctx, const char *value, size_t len)
{
    case_path *p = ctx;
    if (p->n == (int)(sizeof p->names / sizeof *p->names))
        return;
    char *name = *value == '"' ? jt_unquote(value, len, NULL) : strndup(value, len);
    if (name)
        p->names[p->n++] = name;
}

/* OPA's SubResultMap.update: a case missing from the rule's object failed
 * (its body did not get to the key); returns whether the case failed. */
static int record_case(sub_result **subs, size_t *n, char **names, int depth, int *oom)
{
    size_t at = 0;
    int c = 1;
    while (at < *n && (c = strcmp((*subs)[at].name, names[0])) < 0)
        at++;
    if (at == *n || c != 0) {
        sub_result *v = realloc(*subs, sizeof *v * (*n + 1));
        char *name = strdup(names[0]);
        if (!v || !name) {
            if (v)
                *subs = v;
            free(name);
            *oom = 1;
            return 1;
        }
        memmove(v + at + 1, v + at, sizeof *v * (*n - at));
        memset(&v[at], 0, sizeof v[at]);
        v[at].name = name;
        v[at].fail = 1;
        *subs = v;
        (*n)++;
    }
    sub_result *s = &(*subs)[at];
    if (depth == 1)
        return s->fail;
    int fail = record_case(&s->children, &s->nchildren, names + 1, depth - 1, oom);
    if (fail)
        s->fail = 1;
    return fail;
}

static void record_cases(test_result *r, const char *lines)
{
    int oom = 0;
    for (const char *line = lines; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *text = strndup(line, len);
        case_path p = {{0}, 0};
        if (text && jt_array_items(text, case_item, &p) > 0 && p.n > 0 &&
            record_case(&r->subs, &r->nsubs, p.names, p.n, &oom))
            r->fail = 1;
        for (int i = 0; i < p.n; i++)
            free(p.names[i]);
        free(text);
        line += len + (end != NULL);
    }
    if (oom)
        r->fail = 1;
}

/* value: the test's result (NULL: undefined); cases: the cases it tried,
 * one JSON array a line (verdict_result_test_cases) */
static void judge_value(test_result *r, const char *value, const char *cases)
{
    if (!value) {
        r->fail = 1;
        return;
    }
    if (r->tc->partial_object && value[0] == '{') {
        subs_ctx sc = {NULL, 0, 0};
        jt_object_members(value, sub_member, &sc);
        r->subs = sc.v;
        r->nsubs = sc.n;
        /* an object without keys is no failure by itself: the cases tried
         * say what failed (as OPA) */
        r->fail = sc.fail;
        record_cases(r, cases);
        return;
    }
    r->fail = strcmp(value, "true") != 0;
}

static void run_test(verdict_engine *eng, const test_case *tc, test_result *r)
{
    memset(r, 0, sizeof *r);
    r->tc = tc;
    if (tc->skip) {
        r->skip = 1;
        return;
    }
    verdict_result *res = NULL;
    verdict_errors *e = NULL;
    uint64_t t0 = now_ns();
    verdict_status st = verdict_query(eng, tc->query, NULL, &res, &e);
    r->duration_ns = now_ns() - t0;
    if (st == VERDICT_OK) {
        const char *prints = verdict_result_prints(res);
        if (prints && *prints) r->output = strdup(prints);
        char *value = verdict_result_count(res) ? verdict_result_expr_value(res, 0, 0, 0) : NULL;
        judge_value(r, value, verdict_result_test_cases(res));
        free(value);
    } else {
        set_error(r, e);
    }
    verdict_result_free(res);
    verdict_errors_free(e);
}

/* --bench: Go's testing.Benchmark — grow N until a run takes a second. */
static void bench_test(verdict_engine *eng, const test_case *tc, test_result *r)
{
    memset(r, 0, sizeof *r);
    r->tc = tc;
    if (tc->skip) {
        r->skip = 1;
        return;
    }
    uint64_t start = now_ns();
    verdict_prepared *q = NULL;
    verdict_errors *e = NULL;
    if (verdict_prepare(eng, tc->query, &q, &e) != VERDICT_OK) {
        set_error(r, e);
        verdict_errors_free(e);
        r->duration_ns = now_ns() - start;
        return;
    }
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    long n = 1, last = 0;
    uint64_t took = 0;
    for (;;) {
        uint64_t eval_ns = 0, bytes = 0, t0 = now_ns();
        for (long i = 0; i < n; i++) {
            verdict_result *res = NULL;
            uint64_t e0 = now_ns();
            verdict_status st = verdict_prepared_query(q, &qo, &res, &e);
            eval_ns += now_ns() - e0;
            if (st != VERDICT_OK) {
                set_error(r, e);
                verdict_errors_free(e);
                goto done;
            }
            bytes += verdict_result_eval_bytes(res);
            char *value = verdict_result_count(res) ? verdict_result_expr_value(res, 0, 0, 0) : NULL;
            judge_value(r, value, verdict_result_test_cases(res));
            free(value);
            verdict_result_free(res);
            if (r->fail) goto done;  /* b.Fatal: the benchmark stops */
            if (r->nsubs) {
                subs_free(r->subs, r->nsubs);
                r->subs = NULL, r->nsubs = 0;
            }
        }
        took = now_ns() - t0;
        r->benchmarked = 1;
        r->bench_n = n;
        r->bench_t_ns = took;
        r->bench_eval_ns = eval_ns;
        r->bench_bytes = bytes;
        if (took >= 1000000000u || n >= 1000000000L) break;
        /* predict the N of a one-second run, 1.2x that, at most 100x */
        last = n;
        double per = took ? (double)took / (double)n : 1;
        double next = 1e9 / per;
        next += next / 5;
        if (next > 100.0 * (double)last) next = 100.0 * (double)last;
        n = (long)next;
        if (n < last + 1) n = last + 1;
        if (n > 1000000000L) n = 1000000000L;
    }
done:
    verdict_prepared_free(q);
    r->duration_ns = now_ns() - start;
}

static void results_free(test_result *rs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rs[i].error);
        free(rs[i].error_json);
        free(rs[i].output);
        subs_free(rs[i].subs, rs[i].nsubs);
    }
    free(rs);
}

/* ---- loading ---- */

/* The errors OPA's loader reports: "1 error occurred during loading: ..."
 * or "N errors occurred during loading:" and a line each. */
static void print_load_errors(const errlist *errs, const char *what)
{
    size_t n = errlist_count(errs);
    if (n == 1)
        fprintf(stderr, "1 error occurred%s: ", what);
    else
        fprintf(stderr, "%zu errors occurred%s:\n", n, what);
    size_t printed = 0;
    for (size_t i = 0; i < errs->n; i++) {
        const errlist_entry *en = &errs->items[i];
        size_t m = en->errs ? verdict_errors_count(en->errs) : 1;
        for (size_t k = 0; k < m; k++) {
            char *s = en->errs ? verdict_error_string(en->errs, k) : NULL;
            fprintf(stderr, "%s%s", printed ? "\n" : "", s ? s : en->message ? en->message : "");
            free(s);
            printed++;
        }
    }
    fputc('\n', stderr);
}

static int load(verdict_engine *eng, const test_params *p)
{
    errlist errs;
    errlist_init(&errs);
    if (p->bundle)
        load_bundle_paths(eng, p->paths, p->npaths, &errs);
    else if (p->nignore)
        test_load_filtered(eng, p->paths, p->npaths, p->ignore, p->nignore, &errs);
    else
        load_data_paths(eng, p->paths, p->npaths, &errs);
    if (errlist_count(&errs)) {
        print_load_errors(&errs, " during loading");
        errlist_free(&errs);
        return -1;
    }
    if (!p->bundle) {
        verdict_errors *e = NULL;
        if (verdict_commit(eng, &e) != VERDICT_OK) {
            errlist_add_engine(&errs, e);
            if (!errlist_count(&errs)) errlist_addf(&errs, "compilation failed");
            print_load_errors(&errs, "");
            errlist_free(&errs);
            return -1;
        }
        verdict_errors_free(e);
    }
    errlist_free(&errs);
    return 0;
}

/* ---- reporting ---- */

static void sub_lines(FILE *out, const sub_result *subs, size_t n, int depth)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%*s%s: %s\n", 2 * depth, "", subs[i].name, subs[i].fail ? "FAIL" : "PASS");
        sub_lines(out, subs[i].children, subs[i].nchildren, depth + 1);
    }
}

/* OPA's Result.String(): the result line and its cases, which the
 * coverage reporter returns as its error (printed with a newline). */
static void print_failure_error(FILE *out, const test_result *r)
{
    char d[40];
    go_duration(r->duration_ns, d, sizeof d);
    fprintf(out, "%s.%s: FAIL (%s)\n", r->tc->package, r->tc->name, d);
    sub_lines(out, r->subs, r->nsubs, 0);
    fputc('\n', out);
}

/* OPA's JSONCoverageReporter: the first error, or the failures, end the
 * run; otherwise the report (or a threshold error).  Returns the exit
 * status it calls for, or 0. */
static int report_coverage(verdict_engine *eng, const test_params *p, const discovery *d, const test_result *rs,
                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rs[i].error) {
            fprintf(stderr, "%s\n", rs[i].error);
            return EXIT_TESTS_ERROR;
        }
    test_result *failures = calloc(n + 1, sizeof *failures);
    size_t nf = 0;
    for (size_t i = 0; failures && i < n; i++)
        if (rs[i].fail) failures[nf++] = rs[i];
    if (nf) {
        report_opts o = {p->verbose, 0, 0, 0};
        report_pretty(stdout, failures, nf, &o);
        print_failure_error(stderr, &failures[0]);
        free(failures);
        return EXIT_TESTS_ERROR;
    }
    free(failures);

    char **files = calloc(d->nmods + 1, sizeof *files);
    for (size_t i = 0; files && i < d->nmods; i++) files[i] = d->mods[i].file;
    char *json = verdict_coverage_json(eng);
    cov_report cov;
    int rc = cov_parse(json, files, files ? d->nmods : 0, p->bundle, &cov);
    free(json);
    free(files);
    if (rc != 0) {
        fputs("coverage report unavailable\n", stderr);
        return EXIT_TESTS_ERROR;
    }
    if (cov.coverage < p->threshold) {
        char *msg = cov_threshold_message(&cov, p->threshold, p->verbose);
        fprintf(stderr, "%s\n", msg ? msg : "Code coverage threshold not met");
        free(msg);
        cov_free(&cov);
        return EXIT_TESTS_FAILED;
    }
    cov_print_json(stdout, &cov);
    cov_free(&cov);
    return 0;
}

/* One run of every test (OPA's runTests). */
static int run_all(verdict_engine *eng, const test_params *p, const discovery *d)
{
    test_result *rs = calloc(d->ntests + 1, sizeof *rs);
    if (!rs) return EXIT_TESTS_ERROR;
    for (size_t i = 0; i < d->ntests; i++) {
        if (p->bench)
            bench_test(eng, &d->tests[i], &rs[i]);
        else
            run_test(eng, &d->tests[i], &rs[i]);
    }
    int exit_code = 0;
    for (size_t i = 0; i < d->ntests; i++)
        if (!test_result_pass(&rs[i]) && !(rs[i].skip && p->skip_exit_zero)) exit_code = EXIT_TESTS_FAILED;

    int rc = 0;
    if (p->coverage) {
        rc = report_coverage(eng, p, d, rs, d->ntests);
    } else if (strcmp(p->format, "json") == 0) {
        report_json(stdout, rs, d->ntests);
    } else {
        report_opts o = {p->verbose, p->bench, p->benchmem, strcmp(p->format, "gobench") == 0};
        report_pretty(stdout, rs, d->ntests, &o);
    }
    fflush(stdout);
    results_free(rs, d->ntests);
    if (rc) return rc;
    if (d->ntests == 0 && p->fail_on_empty) {
        fputs("no tests were run\n", stderr);
        return EXIT_TESTS_ERROR;
    }
    return exit_code;
}

int cli_test(int argc, char **argv)
{
    test_params p;
    memset(&p, 0, sizeof p);
    p.format = "pretty";
    p.benchmem = 1;
    p.count = 1;
    int rc = parse_args(argc, argv, &p);
    if (rc == 0 && p.npaths == 0) rc = usage_error("specify at least one file");
    verdict_engine *eng = NULL;
    discovery d;
    memset(&d, 0, sizeof d);
    if (rc) {
        rc = rc < 0 ? 0 : rc;
        goto done;
    }
    if (strcmp(p.format, "gobench") == 0 && !p.bench) {
        fputs("cannot use output format gobench without running benchmarks (--bench)\n", stderr);
        goto done;
    }
    if (!(p.threshold >= 0 && p.threshold <= 100)) {
        fputs("Code coverage threshold must be between 0 and 100\n", stderr);
        rc = EXIT_TESTS_ERROR;
        goto done;
    }
    if (p.threshold > 0) p.coverage = 1;

    verdict_options opts;
    memset(&opts, 0, sizeof opts);
    opts.v0_compatible = p.v0;
    opts.coverage = p.coverage;
    opts.cache_disabled = 1;
    opts.test_cases = 1;
    opts.timeout_ns = p.timeout_ns ? p.timeout_ns : p.bench ? 30000000000u : 5000000000u;
    eng = verdict_new(&opts);
    if (!eng) {
        fputs("out of memory\n", stderr);
        rc = EXIT_TESTS_ERROR;
        goto done;
    }
    if (load(eng, &p) != 0) {
        rc = EXIT_TESTS_ERROR;
        goto done;
    }
    if (p.coverage && p.bench) {
        /* OPA prints this twice: once where it is found, once on the way out */
        fputs("coverage reporting is not supported when benchmarking tests\n"
              "coverage reporting is not supported when benchmarking tests\n",
              stderr);
        rc = EXIT_TESTS_ERROR;
        goto done;
    }
    d.v0 = p.v0;
    if (discover(eng, &d) != 0) {
        fputs("cannot list the rules of the policy\n", stderr);
        rc = EXIT_TESTS_ERROR;
        goto done;
    }
    if (p.run && *p.run && filter_tests(&d, p.run) != 0) {
        rc = EXIT_TESTS_ERROR;
        goto done;
    }
    for (int i = 0; i < p.count && rc == 0; i++) rc = run_all(eng, &p, &d);
done:
    discovery_free(&d);
    verdict_free(eng);
    for (size_t i = 0; i < p.nignore; i++) free(p.ignore[i]);
    free(p.ignore);
    free(p.paths);
    return rc;
}
