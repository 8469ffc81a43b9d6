/* test_report.c — `verdict test` output in OPA's formats (test_report.h). */
#include "test_report.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"

/* ---- Go's number and duration texts ---- */

/* Go's fmtFrac: `digits` decimals of v, trailing zeros dropped, no point
 * when nothing is left. */
static void frac_text(uint64_t v, int digits, char *buf, size_t size)
{
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%0*llu", digits, (unsigned long long)v);
    int n = digits;
    while (n > 0 && tmp[n - 1] == '0') n--;
    if (n == 0)
        buf[0] = '\0';
    else
        snprintf(buf, size, ".%.*s", n, tmp);
}

void go_duration(uint64_t ns, char *buf, size_t size)
{
    char frac[16];
    if (ns == 0) {
        snprintf(buf, size, "0s");
    } else if (ns < 1000) {
        snprintf(buf, size, "%lluns", (unsigned long long)ns);
    } else if (ns < 1000000) {
        frac_text(ns % 1000, 3, frac, sizeof frac);
        snprintf(buf, size, "%llu%s\xc2\xb5s", (unsigned long long)(ns / 1000), frac);
    } else if (ns < 1000000000) {
        frac_text(ns % 1000000, 6, frac, sizeof frac);
        snprintf(buf, size, "%llu%sms", (unsigned long long)(ns / 1000000), frac);
    } else {
        unsigned long long secs = ns / 1000000000, h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
        frac_text(ns % 1000000000, 9, frac, sizeof frac);
        if (h)
            snprintf(buf, size, "%lluh%llum%llu%ss", h, m, s, frac);
        else if (m)
            snprintf(buf, size, "%llum%llu%ss", m, s, frac);
        else
            snprintf(buf, size, "%llu%ss", s, frac);
    }
}

void go_float(double x, char *buf, size_t size)
{
    if (x == 0 || !isfinite(x)) {
        snprintf(buf, size, "0");
        return;
    }
    /* the fewest significant digits that read back as x */
    char e[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, x);
        if (strtod(e, NULL) == x) break;
    }
    char digits[24];
    size_t nd = 0;
    const char *p = e;
    int neg = *p == '-';
    if (neg) p++;
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p)) digits[nd++] = *p;
    digits[nd] = '\0';
    int exp = atoi(p + 1);
    double ax = fabs(x);
    if (ax < 1e-6 || ax >= 1e21) {
        /* Go writes 1e-07 as 1e-7 */
        snprintf(buf, size, "%s%c%s%s" "e%c%d", neg ? "-" : "", digits[0], nd > 1 ? "." : "", digits + 1,
                 exp < 0 ? '-' : '+', abs(exp));
        return;
    }
    char out[64];
    size_t w = 0;
    if (neg) out[w++] = '-';
    if (exp < 0) {
        out[w++] = '0';
        out[w++] = '.';
        for (int i = 0; i < -exp - 1; i++) out[w++] = '0';
        for (size_t i = 0; i < nd; i++) out[w++] = digits[i];
    } else {
        for (int i = 0; i <= exp; i++) out[w++] = (size_t)i < nd ? digits[i] : '0';
        if (nd > (size_t)exp + 1) {
            out[w++] = '.';
            for (size_t i = (size_t)exp + 1; i < nd; i++) out[w++] = digits[i];
        }
    }
    out[w] = '\0';
    snprintf(buf, size, "%s", out);
}

/* ---- the pretty report ---- */

int test_result_pass(const test_result *r)
{
    return !r->fail && !r->skip && !r->error;
}

static const char *outcome(const test_result *r)
{
    if (test_result_pass(r)) return "PASS";
    if (r->fail) return "FAIL";
    if (r->skip) return "SKIPPED";
    return "ERROR";
}

/* Result.string(false): "data.pkg.test_x: FAIL (1.2ms)" */
static void print_result_line(FILE *out, const test_result *r)
{
    if (r->skip) {
        fprintf(out, "%s.%s: %s", r->tc->package, r->tc->name, outcome(r));
        return;
    }
    char d[40];
    go_duration(r->duration_ns, d, sizeof d);
    fprintf(out, "%s.%s: %s (%s)", r->tc->package, r->tc->name, outcome(r), d);
}

/* Text written through OPA's indentingWriter: every line starts with
 * `indent` spaces, blank ones included. */
static void print_indented(FILE *out, const char *text, size_t len, int indent)
{
    int at_start = 1;
    for (size_t i = 0; i < len; i++) {
        if (at_start) fprintf(out, "%*s", indent, "");
        fputc(text[i], out);
        at_start = text[i] == '\n';
    }
}

/* print() output, as the reporter shows it under a test: a blank line, the
 * output without surrounding white space indented by two, a blank line. */
static void print_output(FILE *out, const char *output)
{
    const char *s = output, *e = output + strlen(output);
    while (s < e && isspace((unsigned char)*s)) s++;
    while (e > s && isspace((unsigned char)e[-1])) e--;
    fputc('\n', out);
    print_indented(out, s, (size_t)(e - s), 2);
    fputs("\n\n", out);
}

/* Sub-results depth first, in key order (the engine's objects are sorted). */
static void print_subs(FILE *out, const sub_result *subs, size_t n, int depth, int verbose)
{
    for (size_t i = 0; i < n; i++) {
        const sub_result *s = &subs[i];
        if (s->fail || verbose) fprintf(out, "  %*s%s: %s\n", 2 * depth, "", s->name, s->fail ? "FAIL" : "PASS");
        print_subs(out, s->children, s->nchildren, depth + 1, verbose);
    }
}

/* Only leaf cases count in the summary. */
static void count_subs(const sub_result *subs, size_t n, int *pass, int *fail)
{
    for (size_t i = 0; i < n; i++) {
        if (subs[i].nchildren)
            count_subs(subs[i].children, subs[i].nchildren, pass, fail);
        else if (subs[i].fail)
            (*fail)++;
        else
            (*pass)++;
    }
}

/* The FAILURES section names each failed leaf case with its lineage. */
static void print_failed_leaves(FILE *out, const sub_result *subs, size_t n, const char **lineage, int depth)
{
    for (size_t i = 0; i < n; i++) {
        lineage[depth] = subs[i].name;
        if (subs[i].nchildren) {
            print_failed_leaves(out, subs[i].children, subs[i].nchildren, lineage, depth + 1);
        } else if (subs[i].fail) {
            for (int k = 0; k <= depth; k++) fprintf(out, "%*s%s: FAIL\n", 2 * (k + 1), "", lineage[k]);
        }
    }
}

static int sub_depth(const sub_result *subs, size_t n)
{
    int d = 0;
    for (size_t i = 0; i < n; i++) {
        int c = 1 + sub_depth(subs[i].children, subs[i].nchildren);
        if (c > d) d = c;
    }
    return d;
}

/* Go's testing.prettyPrint: ten places before the point, four significant
 * digits for small numbers. */
static void bench_metric(FILE *out, double x, const char *unit)
{
    double y = fabs(x);
    int width, prec;
    if (y == 0 || y >= 999.95) width = 10, prec = 0;
    else if (y >= 99.995) width = 12, prec = 1;
    else if (y >= 9.9995) width = 13, prec = 2;
    else if (y >= 0.99995) width = 14, prec = 3;
    else if (y >= 0.099995) width = 15, prec = 4;
    else if (y >= 0.0099995) width = 16, prec = 5;
    else if (y >= 0.00099995) width = 17, prec = 6;
    else width = 18, prec = 7;
    fprintf(out, "%*.*f %s", width, prec, x, unit);
}

/* "data.pkg.test_x" as a Go benchmark name: BenchmarkDataPkgTestX. */
static void print_gobench_name(FILE *out, const test_result *r)
{
    char *full = NULL;
    if (asprintf(&full, "%s.%s", r->tc->package, r->tc->name) < 0) return;
    fputs("Benchmark", out);
    int start = 1;  /* strings.Title: upper-case after a separator */
    for (char *p = full; *p; p++) {
        char c = *p == '_' ? '.' : *p;
        if (c == '.') {
            start = 1;
            continue;
        }
        fputc(start && islower((unsigned char)c) ? toupper((unsigned char)c) : c, out);
        start = !(isalnum((unsigned char)c) || (unsigned char)c >= 0x80);
    }
    free(full);
}

static void print_benchmark(FILE *out, const test_result *r, const report_opts *o)
{
    if (o->gobench)
        print_gobench_name(out, r);
    else
        fprintf(out, "%s.%s", r->tc->package, r->tc->name);
    long n = r->bench_n > 0 ? r->bench_n : 1;
    fprintf(out, "\t%8ld", n);
    double ns = (double)r->bench_t_ns / (double)n;
    if (ns != 0) {
        fputc('\t', out);
        bench_metric(out, ns, "ns/op");
    }
    fputc('\t', out);
    bench_metric(out, (double)r->bench_eval_ns / (double)n, "timer_rego_query_eval_ns/op");
    if (o->benchmem) {
        /* Evaluations allocate from one arena; the engine does not count
         * individual allocations (see the report of issue 7). */
        fprintf(out, "\t%8llu B/op\t%8d allocs/op", (unsigned long long)(r->bench_bytes / (uint64_t)n), 0);
    }
    fputc('\n', out);
}

static void hl(FILE *out)
{
    fputs("--------------------------------------------------------------------------------\n", out);
}

void report_pretty(FILE *out, const test_result *rs, size_t n, const report_opts *o)
{
    int pass = 0, fail = 0, skip = 0, errs = 0, dirty = 0;
    const char *last_file = NULL;
    for (size_t i = 0; i < n; i++) {
        const test_result *r = &rs[i];
        if (r->skip)
            skip++;
        else if (r->error)
            errs++;
        else if (r->nsubs)
            count_subs(r->subs, r->nsubs, &pass, &fail);
        else if (r->fail)
            fail++;
        else
            pass++;

        if (test_result_pass(r) && o->bench) {
            dirty = 1;
            print_benchmark(out, r, o);
        } else if (o->verbose || !test_result_pass(r)) {
            if (last_file && strcmp(last_file, r->tc->file) != 0) fputc('\n', out);
            fprintf(out, "%s:%d:\n", r->tc->file, r->tc->row);
            last_file = r->tc->file;
            dirty = 1;
            print_result_line(out, r);
            fputc('\n', out);
            print_subs(out, r->subs, r->nsubs, 0, o->verbose);
            if (r->output && r->output[0]) print_output(out, r->output);
        }
        if (r->error) fprintf(out, "  %s\n", r->error);
    }

    /* With -v, OPA repeats the failures with their trace; Verdict has no
     * evaluation trace to show, so each failure is listed on its own. */
    if (fail > 0 && o->verbose) {
        hl(out);
        fputs("FAILURES\n", out);
        hl(out);
        for (size_t i = 0; i < n; i++) {
            const test_result *r = &rs[i];
            if (!r->fail || r->skip || r->error) continue;
            print_result_line(out, r);
            fputs("\n\n", out);
            if (r->nsubs) {
                fputc('\n', out);
                const char **lineage = calloc((size_t)sub_depth(r->subs, r->nsubs) + 1, sizeof *lineage);
                if (lineage) print_failed_leaves(out, r->subs, r->nsubs, lineage, 0);
                free(lineage);
            }
            fputc('\n', out);
        }
    }

    if (dirty) hl(out);
    int total = pass + fail + skip + errs;
    if (pass) fprintf(out, "PASS: %d/%d\n", pass, total);
    if (fail) fprintf(out, "FAIL: %d/%d\n", fail, total);
    if (skip) fprintf(out, "SKIPPED: %d/%d\n", skip, total);
    if (errs) fprintf(out, "ERROR: %d/%d\n", errs, total);
}

/* ---- the JSON report ---- */

static void write_base64(FILE *out, const unsigned char *s, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    fputc('"', out);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n) v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        fputc(tbl[v >> 18 & 63], out);
        fputc(tbl[v >> 12 & 63], out);
        fputc(i + 1 < n ? tbl[v >> 6 & 63] : '=', out);
        fputc(i + 2 < n ? tbl[v & 63] : '=', out);
    }
    fputc('"', out);
}

static void json_subs(FILE *out, const sub_result *subs, size_t n, int indent)
{
    fputs("{\n", out);
    for (size_t i = 0; i < n; i++) {
        const sub_result *s = &subs[i];
        fprintf(out, "%*s", indent + 2, "");
        jt_write_string(out, s->name);
        fprintf(out, ": {\n%*s\"name\": ", indent + 4, "");
        jt_write_string(out, s->name);
        if (s->fail) fprintf(out, ",\n%*s\"fail\": true", indent + 4, "");
        if (s->nchildren) {
            fprintf(out, ",\n%*s\"sub_results\": ", indent + 4, "");
            json_subs(out, s->children, s->nchildren, indent + 4);
        }
        fprintf(out, "\n%*s}%s\n", indent + 2, "", i + 1 < n ? "," : "");
    }
    fprintf(out, "%*s}", indent, "");
}

/* Fields in the order of OPA's Result struct; empty ones are omitted as
 * its omitempty tags say. */
static void json_result(FILE *out, const test_result *r)
{
    const test_case *tc = r->tc;
    fputs("  {\n    \"location\": {\n      \"file\": ", out);
    jt_write_string(out, tc->file);
    fprintf(out, ",\n      \"row\": %d,\n      \"col\": %d\n    },\n    \"package\": ", tc->row, tc->col);
    jt_write_string(out, tc->package);
    fputs(",\n    \"name\": ", out);
    jt_write_string(out, tc->name);
    if (r->fail) fputs(",\n    \"fail\": true", out);
    if (r->error) fprintf(out, ",\n    \"error\": %s", r->error_json ? r->error_json : "{}");
    if (r->skip) fputs(",\n    \"skip\": true", out);
    fprintf(out, ",\n    \"duration\": %llu", (unsigned long long)r->duration_ns);
    if (r->output && r->output[0]) {
        fputs(",\n    \"output\": ", out);
        write_base64(out, (const unsigned char *)r->output, strlen(r->output));
    }
    if (r->benchmarked) {
        long n = r->bench_n > 0 ? r->bench_n : 1;
        char extra[48];
        go_float((double)r->bench_eval_ns / (double)n, extra, sizeof extra);
        fprintf(out,
                ",\n    \"benchmark_result\": {\n      \"N\": %ld,\n      \"T\": %llu,\n      \"Bytes\": 0,\n"
                "      \"MemAllocs\": 0,\n      \"MemBytes\": %llu,\n      \"Extra\": {\n"
                "        \"timer_rego_query_eval_ns/op\": %s\n      }\n    }",
                r->bench_n, (unsigned long long)r->bench_t_ns, (unsigned long long)r->bench_bytes, extra);
    }
    if (r->nsubs) {
        fputs(",\n    \"sub_results\": ", out);
        json_subs(out, r->subs, r->nsubs, 4);
    }
    fputs("\n  }", out);
}

void report_json(FILE *out, const test_result *rs, size_t n)
{
    if (n == 0) {
        fputs("[]\n", out);
        return;
    }
    fputs("[\n", out);
    for (size_t i = 0; i < n; i++) {
        json_result(out, &rs[i]);
        fputs(i + 1 < n ? ",\n" : "\n", out);
    }
    fputs("]\n", out);
}

/* ---- coverage ---- */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

static int sort_unique(int *v, int n)
{
    if (n == 0) return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_int);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (m == 0 || v[m - 1] != v[i]) v[m++] = v[i];
    return m;
}

typedef struct rows {
    int *v;
    int n, cap;
} rows;

static void rows_push(rows *r, int row)
{
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 16;
        int *v = realloc(r->v, sizeof *v * (size_t)cap);
        if (!v) return;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = row;
}

/* [{"start": {"row": a}, "end": {"row": b}}, ...] -> the rows a..b */
static void ranges_rows(void *ctx, const char *value, size_t len)
{
    rows *r = ctx;
    const char *end = value + len;
    const char *s = strstr(value, "\"start\""), *e = strstr(value, "\"end\"");
    if (!s || !e || s > end || e > end) return;
    const char *sr = strstr(s, "\"row\""), *er = strstr(e, "\"row\"");
    if (!sr || !er) return;
    int a = atoi(strchr(sr + 5, ':') + 1), b = atoi(strchr(er + 5, ':') + 1);
    for (int row = a; row <= b; row++) rows_push(r, row);
}

typedef struct file_ctx {
    rows covered, not_covered;
} file_ctx;

static void file_member(void *ctx, const char *key, const char *value, size_t len)
{
    file_ctx *f = ctx;
    char *copy = strndup(value, len);
    if (!copy) return;
    if (strcmp(key, "covered") == 0)
        jt_array_items(copy, ranges_rows, &f->covered);
    else if (strcmp(key, "not_covered") == 0)
        jt_array_items(copy, ranges_rows, &f->not_covered);
    free(copy);
}

static cov_file *cov_add(cov_report *r, const char *name)
{
    for (size_t i = 0; i < r->nfiles; i++)
        if (strcmp(r->files[i].name, name) == 0) return &r->files[i];
    cov_file *files = realloc(r->files, sizeof *files * (r->nfiles + 1));
    if (!files) return NULL;
    r->files = files;
    cov_file *f = &files[r->nfiles++];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    return f;
}

typedef struct parse_ctx {
    cov_report *r;
    int covered_only;
} parse_ctx;

static void files_member(void *ctx, const char *key, const char *value, size_t len)
{
    parse_ctx *pc = ctx;
    file_ctx fc;
    memset(&fc, 0, sizeof fc);
    char *copy = strndup(value, len);
    if (copy) jt_object_members(copy, file_member, &fc);
    free(copy);
    fc.covered.n = sort_unique(fc.covered.v, fc.covered.n);
    fc.not_covered.n = sort_unique(fc.not_covered.v, fc.not_covered.n);
    /* a row with any executed expression is covered */
    int m = 0;
    for (int i = 0; i < fc.not_covered.n; i++) {
        int *row = &fc.not_covered.v[i];
        if (!fc.covered.n || !bsearch(row, fc.covered.v, (size_t)fc.covered.n, sizeof(int), cmp_int))
            fc.not_covered.v[m++] = *row;
    }
    fc.not_covered.n = pc->covered_only ? 0 : m;
    if (pc->covered_only && fc.covered.n == 0) {
        free(fc.covered.v);
        free(fc.not_covered.v);
        return;
    }
    cov_file *f = cov_add(pc->r, key);
    if (!f) {
        free(fc.covered.v);
        free(fc.not_covered.v);
        return;
    }
    f->covered = fc.covered.v, f->ncovered = fc.covered.n;
    f->not_covered = fc.not_covered.v, f->nnot_covered = fc.not_covered.n;
}

static void top_member(void *ctx, const char *key, const char *value, size_t len)
{
    if (strcmp(key, "files") != 0) return;
    char *copy = strndup(value, len);
    if (copy) jt_object_members(copy, files_member, ctx);
    free(copy);
}

static int by_file_name(const void *a, const void *b)
{
    return strcmp(((const cov_file *)a)->name, ((const cov_file *)b)->name);
}

int cov_parse(const char *json, char *const *modules, size_t nmodules, int covered_only, cov_report *r)
{
    memset(r, 0, sizeof *r);
    parse_ctx pc = {r, covered_only};
    if (!json || jt_object_members(json, top_member, &pc) < 0) return -1;
    /* OPA lists every module, even one without rules */
    if (!covered_only)
        for (size_t i = 0; i < nmodules; i++) cov_add(r, modules[i]);
    if (r->nfiles) qsort(r->files, r->nfiles, sizeof *r->files, by_file_name);
    for (size_t i = 0; i < r->nfiles; i++) {
        r->covered_lines += r->files[i].ncovered;
        r->not_covered_lines += r->files[i].nnot_covered;
    }
    int total = r->covered_lines + r->not_covered_lines;
    r->coverage = total ? 100.0 * r->covered_lines / total : 0;
    return 0;
}

void cov_free(cov_report *r)
{
    for (size_t i = 0; i < r->nfiles; i++) {
        free(r->files[i].name);
        free(r->files[i].covered);
        free(r->files[i].not_covered);
    }
    free(r->files);
    memset(r, 0, sizeof *r);
}

/* Sorted rows as OPA's ranges of consecutive rows. */
static void json_ranges(FILE *out, const int *v, int n)
{
    fputs("[\n", out);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && v[j + 1] == v[j] + 1) j++;
        fprintf(out,
                "        {\n          \"start\": {\n            \"row\": %d\n          },\n"
                "          \"end\": {\n            \"row\": %d\n          }\n        }",
                v[i], v[j]);
        i = j + 1;
        fputs(i < n ? ",\n" : "\n", out);
    }
    fputs("      ]", out);
}

static double pct(int covered, int not_covered)
{
    int total = covered + not_covered;
    return total ? 100.0 * covered / total : 0;
}

void cov_print_json(FILE *out, const cov_report *r)
{
    char num[48];
    fputs("{\n  \"files\": {", out);
    for (size_t i = 0; i < r->nfiles; i++) {
        const cov_file *f = &r->files[i];
        fputs(i ? ",\n    " : "\n    ", out);
        jt_write_string(out, f->name);
        if (!f->ncovered && !f->nnot_covered) {
            fputs(": {}", out);  /* every field of the file report is omitempty */
            continue;
        }
        /* the fields OPA's omitempty tags keep, in its order */
        fputs(": {", out);
        const char *sep = "\n      ";
        if (f->ncovered) {
            fprintf(out, "%s\"covered\": ", sep);
            json_ranges(out, f->covered, f->ncovered);
            sep = ",\n      ";
        }
        if (f->nnot_covered) {
            fprintf(out, "%s\"not_covered\": ", sep);
            json_ranges(out, f->not_covered, f->nnot_covered);
            sep = ",\n      ";
        }
        if (f->ncovered) {
            fprintf(out, "%s\"covered_lines\": %d", sep, f->ncovered);
            sep = ",\n      ";
        }
        if (f->nnot_covered) {
            fprintf(out, "%s\"not_covered_lines\": %d", sep, f->nnot_covered);
            sep = ",\n      ";
        }
        double c = pct(f->ncovered, f->nnot_covered);
        if (c != 0) {
            go_float(c, num, sizeof num);
            fprintf(out, "%s\"coverage\": %s", sep, num);
        }
        fputs("\n    }", out);
    }
    fputs(r->nfiles ? "\n  },\n" : "},\n", out);
    go_float(r->coverage, num, sizeof num);
    fprintf(out, "  \"covered_lines\": %d,\n  \"not_covered_lines\": %d,\n  \"coverage\": %s\n}\n",
            r->covered_lines, r->not_covered_lines, num);
}

char *cov_threshold_message(const cov_report *r, double threshold, int verbose)
{
    char *msg = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&msg, &len);
    if (!m) return NULL;
    fprintf(m, "Code coverage threshold not met: got %.2f instead of %.2f", r->coverage, threshold);
    if (verbose && r->nfiles) {
        fputs("\nLines not covered:", m);
        for (size_t i = 0; i < r->nfiles; i++) {
            const cov_file *f = &r->files[i];
            for (int k = 0; k < f->nnot_covered;) {
                int j = k;
                while (j + 1 < f->nnot_covered && f->not_covered[j + 1] == f->not_covered[j] + 1) j++;
                if (j == k)
                    fprintf(m, "\n\t%s:%d", f->name, f->not_covered[k]);
                else
                    fprintf(m, "\n\t%s:%d-%d", f->name, f->not_covered[k], f->not_covered[j]);
                k = j + 1;
            }
        }
    }
    fclose(m);
    return msg;
}
