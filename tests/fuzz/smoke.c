/* smoke.c — the deterministic fuzz driver of `make fuzz-smoke`.
 *
 *   fuzz_smoke [--shared DIR] [--corpus DIR] [--harness NAME] [--iterations N]
 *              [--hang-seconds S] [--failures DIR]
 *   fuzz_smoke --harness NAME --replay FILE...    run the given inputs
 *   fuzz_smoke --harness NAME --input INDEX --out FILE   write input INDEX
 *   fuzz_smoke --write-seeds DIR                  seed corpora for libFuzzer
 *
 * For each harness (fuzz.h) the inputs are: the committed regression corpus
 * (tests/fuzz/corpus/<harness>/), seeds made from real files (OPA's
 * conformance cases, ../shared/bench, examples/, tests/bundle/), then a
 * number of mutations of those seeds.  Input i is a pure function of the
 * harness, the seeds and i (the mutation generator is seeded with i), so a
 * failure is reproduced by its index alone.
 *
 * Each harness runs in a child process; the parent watches it.  A child
 * that dies (a sanitizer report, a signal, fuzz_fail) fails the input it
 * was running, and a child that spends more than --hang-seconds on one
 * input is killed and the input reported as a hang; either way the input
 * is written to --failures and a new child goes on with the next one.  A
 * child that finishes every input but exits non-zero has leaked
 * (LeakSanitizer reports at exit).  The last line is "N passed, N failed". */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/json.h"
#include "engine/strbuf.h"
#include "tests/conformance/cases.h"

#define MAX_SEED_BYTES (64 * 1024)   /* bigger real files are not worth mutating here */

typedef struct input {
    char *p;
    size_t n;
} input;

typedef struct corpus {
    input *v;
    size_t n, cap;
} corpus;

typedef struct harness {
    const char *name;
    int (*fn)(const uint8_t *, size_t);
    long iterations;        /* mutations after the seeds */
    const char *const *tokens;
    corpus seeds;
} harness;

static const char *const rego_tokens[] = {
    "{", "}", "[", "]", "(", ")", "\"", "`", ":=", "=", "==", "!=", ":", ",", ";", ".", "|", "&",
    "some ", "every ", " in ", " with ", " as ", " else ", " not ", " if ", " contains ", "default ",
    "import ", "package ", "import rego.v1\n", "future.keywords", "input", "data", "_", "x", "\n",
    "# METADATA\n# title: t\n", "1e400", "-0", "0.1", "12345678901234567890", "\"\\u0000\"", "\"\\ud800\"",
    "\xff", "f(x) := y if { y := x }\n", "p[x] := 1 if x := 2\n", "q contains 1\n", "print(1)",
    "count(", "sprintf(\"%v\", [", "regex.match(\"(a*)*b\", ", "numbers.range(1, 100000)",
    "walk(data, [p, v])", "[x | x := 1]", "{x: y | x := 1; y := 2}", "{x | x := 1}", "set()",
    "with input as {}", "with data.x as 1", "else := 1 if false", "every x in [1] { x }", "\"\\\"\"",
    NULL,
};

static const char *const json_tokens[] = {
    "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "\\ud800", "\\udc00", "\\u00e9", "\xc3\xa9",
    "\xff", "\xed\xa0\x80", "true", "false", "null", "0", "-0", "1e999999", "1E-999999", "0.0000001",
    "123456789012345678901234567890", "-", ".", "e", "{\"a\": ", "[[[[[[[[", " ", "\n", "set()", "{1, 2}",
    "[{\"op\": \"add\", \"path\": \"/a\", \"value\": 1}]", "{\"op\": \"remove\", \"path\": \"/-\"}",
    "{\"op\": \"replace\", \"path\": \"/0\", \"value\": {}}", NULL,
};

static const char *const yaml_tokens[] = {
    "- ", ": ", "\n", "  ", "&a ", "*a", "!!binary ", "!!str ", "!!int ", "!!float ", "!!map ", "!!set ",
    "<<: *a", "? ", "|\n", ">\n", "---\n", "...\n", "{", "}", "[", "]", "\"", "'", "#", "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n", "~", "yes", "no", "on", "0x1F", "0o17", "1e999", ".inf", "-.nan",
    "2001-12-14t21:59:43.10-05:00", "\t", "\xff", "\\x00", "a: &a [*a]\n", NULL,
};

static const char *const bundle_tokens[] = {
    "==> /.manifest\n", "==> /patch.json\n", "==> /data.json\n", "==> /x/data.yaml\n", "==> /p.rego\n",
    "==> /.signatures.json\n", "==> /d/\n", "==>@ /l\n/etc/passwd", "==> /../x\n", "==> /a//b/./data.json\n",
    "{\"roots\": [\"\"]}", "{\"roots\": [\"a\", \"a/b\"]}", "\"rego_version\": 0", "\"revision\": \"r\"",
    "\"file_rego_versions\": {\"*.rego\": 0}",
    "{\"data\": [{\"op\": \"upsert\", \"path\": \"/users/x\", \"value\": 1}]}",
    "{\"op\": \"remove\", \"path\": \"/users\"}", "{\"op\": \"replace\", \"path\": \"/users/-\", \"value\": []}",
    "package authz\n", "allow if true\n", "{", "}", "[", "]", "\"", "/", "..", "\n", ": ", NULL,
};

static harness harnesses[] = {
    /* mutation counts: about a minute in all under ASan on a 2-core machine */
    {"module", fuzz_module, 35000, rego_tokens, {0}},
    {"query", fuzz_query, 40000, rego_tokens, {0}},
    {"json", fuzz_json, 30000, json_tokens, {0}},
    {"yaml", fuzz_yaml, 30000, yaml_tokens, {0}},
    {"bundle", fuzz_bundle, 25000, bundle_tokens, {0}},
    {"request", fuzz_request, 30000, json_tokens, {0}},
};
#define NHARNESSES (sizeof harnesses / sizeof harnesses[0])

/* ---- seeds ---- */

static void add_input(corpus *c, const char *p, size_t n)
{
    if (n > MAX_SEED_BYTES)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->v = realloc(c->v, sizeof *c->v * c->cap);
        if (!c->v)
            abort();
    }
    char *copy = malloc(n + 1);
    if (!copy)
        abort();
    memcpy(copy, p, n);
    copy[n] = '\0';
    c->v[c->n++] = (input){copy, n};
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        sb_append(&sb, buf, n);
    fclose(fp);
    *len = sb.len;
    return sb.data ? sb_detach(&sb) : calloc(1, 1);
}

static void add_file(corpus *c, const char *path)
{
    size_t n;
    char *t = read_file(path, &n);
    if (t)
        add_input(c, t, n);
    free(t);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Files under dir (recursively) whose names end with suffix ("" for all),
 * sorted so that input numbers do not depend on the file system. */
static void list_files(const char *dir, const char *suffix, char ***out, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            list_files(path, suffix, out, n, cap);
            continue;
        }
        size_t pl = strlen(path), sl = strlen(suffix);
        if (!S_ISREG(st.st_mode) || pl < sl || strcmp(path + pl - sl, suffix) != 0)
            continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *out = realloc(*out, sizeof **out * *cap);
            if (!*out)
                abort();
        }
        (*out)[(*n)++] = strdup(path);
    }
    closedir(d);
}

static char **sorted_files(const char *dir, const char *suffix, size_t *n)
{
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    list_files(dir, suffix, &v, n, &cap);
    if (*n)
        qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static void free_files(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void add_files(corpus *c, const char *dir, const char *suffix)
{
    size_t n;
    char **v = sorted_files(dir, suffix, &n);
    for (size_t i = 0; i < n; i++)
        add_file(c, v[i]);
    free_files(v, n);
}

/* A JSON document on one line (newlines are only whitespace in JSON). */
static void put_one_line(strbuf *sb, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_putc(sb, text[i] == '\n' || text[i] == '\r' ? ' ' : text[i]);
}

static void put_value_line(strbuf *sb, const char *directive, const val *v)
{
    strbuf j = STRBUF_INIT;
    json_write(&j, v, 0);
    if (j.len <= MAX_SEED_BYTES / 2) {
        sb_puts(sb, directive);
        sb_append(sb, j.data, j.len);
        sb_putc(sb, '\n');
    }
    sb_free(&j);
}

/* Modules, queries, data and inputs of OPA's conformance cases. */
static void seeds_from_conformance(const char *shared)
{
    static const char *const versions[] = {"v1", "v0"};
    for (int ver = 0; ver < 2; ver++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/opa-conformance/%s", shared, versions[ver]);
        size_t nfiles;
        char **files = sorted_files(dir, ".yaml", &nfiles);
        for (size_t f = 0; f < nfiles; f++) {
            add_file(&harnesses[3].seeds, files[f]);
            conf_file cf;
            if (conf_file_load(&cf, files[f], files[f], ver == 1) != 0) {
                conf_file_free(&cf);
                continue;
            }
            for (size_t i = 0; i < cf.ncases; i++) {
                const conf_case *c = &cf.cases[i];
                strbuf sb = STRBUF_INIT;
                for (size_t m = 0; m < c->nmodules; m++) {
                    if (m)
                        sb_puts(&sb, "\n#--\n");
                    sb_puts(&sb, c->modules[m]);
                }
                sb_putc(&sb, '\n');
                if (c->v0)
                    sb_puts(&sb, "# v0\n");
                if (c->data)
                    put_value_line(&sb, "# data: ", c->data);
                if (c->input)
                    put_value_line(&sb, "# input: ", c->input);
                if (c->query) {
                    sb_puts(&sb, "# query: ");
                    put_one_line(&sb, c->query, strlen(c->query));
                    sb_putc(&sb, '\n');
                    add_input(&harnesses[1].seeds, c->query, strlen(c->query));
                }
                add_input(&harnesses[0].seeds, sb.data, sb.len);
                sb_free(&sb);
                const val *docs[2] = {c->data, c->input};
                for (int k = 0; k < 2; k++) {
                    if (!docs[k])
                        continue;
                    strbuf j = STRBUF_INIT;
                    json_write(&j, docs[k], (k ? JSON_PRETTY : 0));
                    add_input(&harnesses[2].seeds, j.data, j.len);
                    sb_free(&j);
                }
                if (c->input_term)
                    add_input(&harnesses[2].seeds, c->input_term, strlen(c->input_term));
            }
            conf_file_free(&cf);
        }
        free_files(files, nfiles);
    }
}

/* A directory as a bundle in text form ("==> /path" then the content). */
static void add_dir_bundle(const char *dir)
{
    size_t n;
    char **v = NULL;
    size_t cap = 0;
    n = 0;
    list_files(dir, "", &v, &n, &cap);
    if (n)
        qsort(v, n, sizeof *v, cmp_str);
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const char *rel = v[i] + strlen(dir);
        if (strstr(rel, "README") || strstr(rel, "_test.rego") || strstr(rel, "testdata"))
            continue;
        size_t len;
        char *t = read_file(v[i], &len);
        if (!t)
            continue;
        sb_printf(&sb, "==> %s\n", rel);
        sb_append(&sb, t, len);
        sb_putc(&sb, '\n'); /* the newline before the next header is not content */
        free(t);
    }
    free_files(v, n);
    if (sb.len)
        add_input(&harnesses[4].seeds, sb.data, sb.len);
    sb_free(&sb);
}

static void seeds_from_files(const char *shared)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/bench", shared);
    size_t n;
    char **scen = NULL;
    size_t cap = 0;
    n = 0;
    /* one module seed per scenario: policy, input and query */
    list_files(dir, "policy.rego", &scen, &n, &cap);
    if (n)
        qsort(scen, n, sizeof *scen, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char base[4096], path[4200];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(scen[i]) - strlen("/policy.rego")), scen[i]);
        size_t plen, ilen = 0, qlen = 0;
        char *pol = read_file(scen[i], &plen);
        snprintf(path, sizeof path, "%s/input.json", base);
        char *in = read_file(path, &ilen);
        snprintf(path, sizeof path, "%s/query.txt", base);
        char *q = read_file(path, &qlen);
        strbuf sb = STRBUF_INIT;
        if (pol)
            sb_append(&sb, pol, plen);
        if (in && ilen < MAX_SEED_BYTES / 2) {
            sb_puts(&sb, "\n# input: ");
            put_one_line(&sb, in, ilen);
            add_input(&harnesses[2].seeds, in, ilen);
        }
        if (q) {
            while (qlen && (q[qlen - 1] == '\n' || q[qlen - 1] == ' '))
                qlen--;
            sb_puts(&sb, "\n# query: ");
            put_one_line(&sb, q, qlen);
            add_input(&harnesses[1].seeds, q, qlen);
        }
        sb_putc(&sb, '\n');
        add_input(&harnesses[0].seeds, sb.data, sb.len);
        sb_free(&sb);
        snprintf(path, sizeof path, "%s/data.json", base);
        add_file(&harnesses[2].seeds, path);
        free(pol);
        free(in);
        free(q);
    }
    free_files(scen, n);

    add_files(&harnesses[0].seeds, "examples", ".rego");
    add_files(&harnesses[0].seeds, "tests/bundle", ".rego");
    add_files(&harnesses[2].seeds, "examples", ".json");
    add_files(&harnesses[2].seeds, "tests/bundle", ".json");
    add_files(&harnesses[3].seeds, "tests/bundle", ".yaml");
    add_dir_bundle("tests/bundle/basic");
    add_dir_bundle("tests/bundle/v0");
    add_dir_bundle("examples/rbac");
    add_dir_bundle("examples/k8s-admission");
}

/* The queries the query harness's policy answers (and decision paths). */
static const char *const fixed_queries[] = {
    "data.p.allow", "data.p.grants[g]", "data.p.users[name] = n", "x := data.p.f(2)", "data.p.g(\"a\", \"b\")",
    "data.p.deny", "data.p.all_even", "data.p.a.b[c].d", "data.p.obj", "data.p.arr", "data.p.set",
    "some x in data.nums; x > 2", "every x in data.nums { x > -10 }", "data.p.allow with input.action as \"write\"",
    "data.p.f(1) with data.p.f as data.p.g", "not data.p.allow", "x = [y | some y in data.nums]",
    "input.user = u; data.roles[u][_] = r", "sum(data.nums) > 0", "{x | x := data.grants[_][_].action}",
    "p/allow", "/p/arr/0", "data.p.users.alice", "nums/6", "/", "",
    NULL,
};

/* Packed forms of the text bundles (loaded as raw archives). */
static void add_packed_bundles(void)
{
    corpus *c = &harnesses[4].seeds;
    size_t n = c->n;
    for (size_t i = 0; i < n; i++) {
        if (c->v[i].n >= 2 && (unsigned char)c->v[i].p[0] == 0x1f && (unsigned char)c->v[i].p[1] == 0x8b)
            continue;
        size_t len;
        unsigned char *gz = fuzz_pack_bundle(c->v[i].p, c->v[i].n, &len);
        if (gz)
            add_input(c, (const char *)gz, len);
        free(gz);
    }
}

static void load_seeds(const char *shared, const char *corpus_dir)
{
    /* the regression corpus first, so its inputs keep small numbers */
    for (size_t h = 0; h < NHARNESSES; h++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", corpus_dir, harnesses[h].name);
        add_files(&harnesses[h].seeds, dir, "");
    }
    for (const char *const *q = fixed_queries; *q; q++)
        add_input(&harnesses[1].seeds, *q, strlen(*q));
    seeds_from_conformance(shared);
    seeds_from_files(shared);
    add_packed_bundles();
    /* request bodies: the JSON seeds as they are and as {"input": ...} */
    corpus *json = &harnesses[2].seeds, *req = &harnesses[5].seeds;
    size_t n = json->n;
    for (size_t i = 0; i < n; i++) {
        add_input(req, json->v[i].p, json->v[i].n);
        strbuf sb = STRBUF_INIT;
        sb_puts(&sb, "{\"input\": ");
        sb_append(&sb, json->v[i].p, json->v[i].n);
        sb_puts(&sb, ", \"pretty\": true}");
        add_input(req, sb.data, sb.len);
        sb_free(&sb);
    }
}

/* ---- mutations ---- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static size_t rnd(uint64_t *s, size_t n) { return n ? (size_t)(splitmix(s) % n) : 0; }

static void insert(strbuf *b, size_t at, const char *p, size_t n)
{
    sb_reserve(b, n);
    memmove(b->data + at + n, b->data + at, b->len - at);
    memcpy(b->data + at, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void erase(strbuf *b, size_t at, size_t n)
{
    if (at + n > b->len)
        n = b->len - at;
    memmove(b->data + at, b->data + at + n, b->len - at - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

static void mutate_once(const harness *h, strbuf *b, uint64_t *s)
{
    static const char interesting[] = {0, '\n', '\r', '\t', ' ', '"', '\\', '{', '}', '[', ']', ',', ':', '#',
                                       '0', '9', '-', '.', (char)0x7f, (char)0x80, (char)0xc0, (char)0xff};
    static const char *const nests[] = {"[", "{\"a\":", "(", "{", "[[", "- ", "a:\n  ", "not ", "-", "!"};
    size_t ntokens = 0;
    while (h->tokens[ntokens])
        ntokens++;
    size_t at = rnd(s, b->len + 1);
    switch (rnd(s, 10)) {
    case 0: /* flip a bit */
        if (b->len)
            b->data[rnd(s, b->len)] ^= (char)(1u << rnd(s, 8));
        break;
    case 1: /* an interesting byte */
        if (b->len)
            b->data[rnd(s, b->len)] = interesting[rnd(s, sizeof interesting)];
        break;
    case 2: /* delete a range */
        if (at < b->len)
            erase(b, at, 1 + rnd(s, 16));
        break;
    case 3: { /* random bytes */
        char r[8];
        size_t n = 1 + rnd(s, sizeof r);
        for (size_t i = 0; i < n; i++)
            r[i] = (char)splitmix(s);
        insert(b, at, r, n);
        break;
    }
    case 4:
    case 5: { /* a token of the input's language */
        const char *t = h->tokens[rnd(s, ntokens)];
        insert(b, at, t, strlen(t));
        break;
    }
    case 6: { /* deep nesting */
        const char *t = nests[rnd(s, sizeof nests / sizeof nests[0])];
        size_t reps = 1 + rnd(s, rnd(s, 2) ? 64 : 3000), tl = strlen(t);
        strbuf r = STRBUF_INIT;
        for (size_t i = 0; i < reps; i++)
            sb_append(&r, t, tl);
        insert(b, at, r.data, r.len);
        sb_free(&r);
        break;
    }
    case 7: /* duplicate a chunk */
        if (b->len) {
            size_t from = rnd(s, b->len), n = 1 + rnd(s, b->len - from < 64 ? b->len - from : 64);
            char *chunk = malloc(n);
            memcpy(chunk, b->data + from, n);
            insert(b, at, chunk, n);
            free(chunk);
        }
        break;
    case 8: { /* splice in a piece of another seed */
        const input *o = &h->seeds.v[rnd(s, h->seeds.n)];
        if (o->n) {
            size_t from = rnd(s, o->n), n = 1 + rnd(s, o->n - from);
            if (n > 256)
                n = 256;
            insert(b, at, o->p + from, n);
        }
        break;
    }
    default: /* truncate */
        if (at < b->len)
            erase(b, at, b->len - at);
        break;
    }
}

/* Input number i of a harness: a seed, or a mutation of one. */
static input make_input(const harness *h, long i)
{
    strbuf b = STRBUF_INIT;
    if ((size_t)i < h->seeds.n) {
        sb_append(&b, h->seeds.v[i].p, h->seeds.v[i].n);
    } else if (h->seeds.n) {
        uint64_t s = 0x5eed0000u ^ (uint64_t)i;
        for (const char *c = h->name; *c; c++)
            s = s * 131 + (unsigned char)*c;
        const input *seed = &h->seeds.v[rnd(&s, h->seeds.n)];
        sb_append(&b, seed->p, seed->n);
        int rounds = 1 + (int)rnd(&s, 4);
        for (int r = 0; r < rounds; r++)
            mutate_once(h, &b, &s);
    }
    if (!b.data)
        sb_reserve(&b, 1);
    return (input){b.data, b.len};
}

static long total_inputs(const harness *h) { return (long)h->seeds.n + h->iterations; }

/* ---- running ---- */

typedef struct progress {
    volatile long current;      /* input being run */
    volatile long finished;     /* every input ran */
    volatile uint64_t started;  /* when the current input started (ns) */
} progress;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void run_child(const harness *h, long from, progress *pr)
{
    long total = total_inputs(h);
    for (long i = from; i < total; i++) {
        input in = make_input(h, i);
        pr->started = now_ns();
        pr->current = i;
        h->fn((const uint8_t *)in.p, in.n);
        free(in.p);
    }
    pr->finished = 1;
    exit(0);    /* LeakSanitizer checks at exit */
}

static const char *failures_dir = "build/fuzz/failures";

static void save_failure(const harness *h, long i, const char *why)
{
    input in = make_input(h, i);
    char path[4096];
    mkdir("build", 0755);
    mkdir("build/fuzz", 0755);
    mkdir(failures_dir, 0755);
    snprintf(path, sizeof path, "%s/%s-%ld", failures_dir, h->name, i);
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(in.p, 1, in.n, fp);
        fclose(fp);
    }
    fprintf(stderr, "fuzz-smoke: %s: input %ld (%s): %s; reproduce with --harness %s --replay %s\n", h->name, i,
            (size_t)i < h->seeds.n ? "seed" : "mutation", why, h->name, path);
    free(in.p);
}

/* Run every input of a harness; counts go to *passed and *failed. */
static void run_harness(const harness *h, progress *pr, double hang_s, long *passed, long *failed)
{
    long total = total_inputs(h), next = 0;
    uint64_t t0 = now_ns();
    while (next < total) {
        pr->current = next;
        pr->finished = 0;
        pr->started = now_ns();
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            exit(2);
        }
        if (pid == 0)
            run_child(h, next, pr);
        int status = 0;
        const char *hang = NULL;
        for (;;) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid)
                break;
            if (w < 0 && errno != EINTR) {
                perror("waitpid");
                exit(2);
            }
            uint64_t started = pr->started, now = now_ns(); /* in this order: the child moves started on */
            if (now > started && (double)(now - started) / 1e9 > hang_s) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                hang = "hang";
                break;
            }
            usleep(5000);
        }
        long cur = pr->current;
        if (!hang && WIFEXITED(status) && WEXITSTATUS(status) == 0 && pr->finished) {
            *passed += total - next;
            break;
        }
        if (!hang && pr->finished) {
            /* every input ran: a non-zero exit is LeakSanitizer's report */
            fprintf(stderr, "fuzz-smoke: %s: leaks reported at exit (inputs %ld..%ld)\n", h->name, next, total - 1);
            *passed += total - next;
            (*failed)++;
            break;
        }
        char why[64];
        if (hang)
            snprintf(why, sizeof why, "hang (over %.0f s)", hang_s);
        else if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
        else
            snprintf(why, sizeof why, "crashed (exit %d)", WEXITSTATUS(status));
        save_failure(h, cur, why);
        *passed += cur - next;
        (*failed)++;
        next = cur + 1;
    }
    printf("fuzz-smoke: %-6s %5zu seeds + %5ld mutations in %.1f s\n", h->name, h->seeds.n, h->iterations,
           (double)(now_ns() - t0) / 1e9);
    fflush(stdout);
}

static harness *find_harness(const char *name)
{
    for (size_t h = 0; h < NHARNESSES; h++)
        if (strcmp(harnesses[h].name, name) == 0)
            return &harnesses[h];
    fprintf(stderr, "fuzz-smoke: no harness '%s'\n", name);
    exit(2);
}

static int write_seeds(const char *dir)
{
    mkdir(dir, 0755);
    for (size_t h = 0; h < NHARNESSES; h++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, harnesses[h].name);
        mkdir(sub, 0755);
        for (size_t i = 0; i < harnesses[h].seeds.n; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/seed-%05zu", sub, i);
            FILE *fp = fopen(path, "wb");
            if (!fp) {
                perror(path);
                return 1;
            }
            fwrite(harnesses[h].seeds.v[i].p, 1, harnesses[h].seeds.v[i].n, fp);
            fclose(fp);
        }
        printf("%s: %zu seeds\n", sub, harnesses[h].seeds.n);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *shared = "../shared", *corpus_dir = "tests/fuzz/corpus", *only = NULL, *seeds_out = NULL;
    const char *out = NULL;
    long iterations = -1, one = -1;
    double hang_s = 60;
    int replay = 0;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--shared") == 0 && i + 1 < argc)
            shared = argv[++i];
        else if (strcmp(a, "--corpus") == 0 && i + 1 < argc)
            corpus_dir = argv[++i];
        else if (strcmp(a, "--harness") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(a, "--iterations") == 0 && i + 1 < argc)
            iterations = atol(argv[++i]);
        else if (strcmp(a, "--hang-seconds") == 0 && i + 1 < argc)
            hang_s = atof(argv[++i]);
        else if (strcmp(a, "--failures") == 0 && i + 1 < argc)
            failures_dir = argv[++i];
        else if (strcmp(a, "--write-seeds") == 0 && i + 1 < argc)
            seeds_out = argv[++i];
        else if (strcmp(a, "--input") == 0 && i + 1 < argc)
            one = atol(argv[++i]);
        else if (strcmp(a, "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(a, "--replay") == 0) {
            replay = 1;
            i++;
            break;
        } else {
            fprintf(stderr, "usage: fuzz_smoke [--shared DIR] [--corpus DIR] [--harness NAME] [--iterations N]\n"
                            "                  [--hang-seconds S] [--failures DIR] [--write-seeds DIR]\n"
                            "                  [--input INDEX --out FILE] [--replay FILE...]\n");
            return 2;
        }
    }
    if (replay) {
        harness *h = find_harness(only ? only : "");
        for (; i < argc; i++) {
            size_t n;
            char *t = read_file(argv[i], &n);
            if (!t) {
                perror(argv[i]);
                return 2;
            }
            fprintf(stderr, "fuzz-smoke: %s: %s (%zu bytes)\n", h->name, argv[i], n);
            h->fn((const uint8_t *)t, n);
            free(t);
        }
        return 0;
    }

    load_seeds(shared, corpus_dir);
    if (seeds_out)
        return write_seeds(seeds_out);
    if (one >= 0) {
        harness *h = find_harness(only ? only : "");
        if (iterations >= 0)
            h->iterations = iterations;
        if (one >= total_inputs(h) || !out) {
            fprintf(stderr, "fuzz-smoke: --input needs an index below %ld and --out\n", total_inputs(h));
            return 2;
        }
        input in = make_input(h, one);
        FILE *fp = fopen(out, "wb");
        if (!fp || fwrite(in.p, 1, in.n, fp) != in.n) {
            perror(out);
            return 2;
        }
        fclose(fp);
        free(in.p);
        return 0;
    }

    progress *pr = mmap(NULL, sizeof *pr, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (pr == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    long passed = 0, failed = 0;
    uint64_t t0 = now_ns();
    for (size_t h = 0; h < NHARNESSES; h++) {
        if (only && strcmp(only, harnesses[h].name) != 0)
            continue;
        if (iterations >= 0)
            harnesses[h].iterations = iterations;
        if (harnesses[h].seeds.n == 0) {
            fprintf(stderr, "fuzz-smoke: %s: no seeds (is %s there?)\n", harnesses[h].name, shared);
            failed++;
            continue;
        }
        run_harness(&harnesses[h], pr, hang_s, &passed, &failed);
    }
    printf("fuzz-smoke: %.1f s\n", (double)(now_ns() - t0) / 1e9);
    printf("%ld passed, %ld failed\n", passed, failed);
    return failed ? 1 : 0;
}
