/* metrics.c — timers of `verdict eval --metrics` and their output forms
 * (metrics.h). */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "table.h"

uint64_t metrics_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void metrics_add(eval_metrics *m, const char *name, uint64_t ns)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->timer[i].name, name) == 0) {
            m->timer[i].ns += ns;
            return;
        }
    }
    if (m->n == METRICS_MAX) return;
    m->timer[m->n].name = name;
    m->timer[m->n].ns = ns;
    m->n++;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The timers' names in key order (Go sorts map keys bytewise). */
static size_t sorted_names(const eval_metrics *m, const char **names)
{
    for (size_t i = 0; i < m->n; i++) names[i] = m->timer[i].name;
    qsort(names, m->n, sizeof *names, cmp_name);
    return m->n;
}

static uint64_t value_of(const eval_metrics *m, const char *name, int *found)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->timer[i].name, name) == 0) {
            if (found) *found = 1;
            return m->timer[i].ns;
        }
    }
    if (found) *found = 0;
    return 0;
}

static void indent(FILE *out, int level)
{
    for (int i = 0; i < level; i++) fputs("  ", out);
}

void metrics_write_json(FILE *out, const eval_metrics *m, int level)
{
    const char *names[METRICS_MAX];
    size_t n = sorted_names(m, names);
    if (n == 0) {
        fputs("{}", out);
        return;
    }
    fputs("{\n", out);
    for (size_t i = 0; i < n; i++) {
        indent(out, level + 1);
        fprintf(out, "\"%s\": %llu%s\n", names[i], (unsigned long long)value_of(m, names[i], NULL),
                i + 1 < n ? "," : "");
    }
    indent(out, level);
    fputc('}', out);
}

/* OPA's checkStrLimit: cut after limit bytes and mark it with "...". */
static char *limited(const char *s, int limit)
{
    size_t n = strlen(s);
    char *out = NULL;
    if (limit > 0 && n > (size_t)limit) {
        if (asprintf(&out, "%.*s...", limit, s) < 0) out = NULL;
    } else {
        out = strdup(s);
    }
    return out ? out : strdup("");
}

void metrics_print_table(FILE *out, const eval_metrics *m, int pretty_limit)
{
    const char *names[METRICS_MAX];
    size_t n = sorted_names(m, names);
    if (n == 0) return;
    char *header[2] = {"Metric", "Value"};
    char **rows[METRICS_MAX];
    for (size_t i = 0; i < n; i++) {
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)value_of(m, names[i], NULL));
        rows[i] = malloc(2 * sizeof **rows);
        rows[i][0] = strdup(names[i]);
        rows[i][1] = limited(num, pretty_limit);
    }
    table_print(out, 2, header, rows, n);
    for (size_t i = 0; i < n; i++) {
        free(rows[i][0]);
        free(rows[i][1]);
        free(rows[i]);
    }
}

const char *metrics_missing(const eval_metrics *runs, size_t n)
{
    for (size_t i = 0; i < runs[0].n; i++) {
        for (size_t r = 1; r < n; r++) {
            int found;
            value_of(&runs[r], runs[0].timer[i].name, &found);
            if (!found) return runs[0].timer[i].name;
        }
    }
    return NULL;
}

/* ---- statistics, as go-metrics' histogram snapshot computes them ---- */

typedef struct stats {
    long long count, min, max;
    double mean, stddev, pct[7];  /* median, 75%, 90%, 95%, 99%, 99.9%, 99.99% */
} stats;

static const double pct_of[7] = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999};

static int cmp_i64(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static stats compute(const long long *v, size_t n)
{
    stats s;
    memset(&s, 0, sizeof s);
    if (n == 0) return s;
    long long *sorted = malloc(n * sizeof *sorted);
    if (!sorted) return s;
    memcpy(sorted, v, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_i64);
    long long sum = 0;
    for (size_t i = 0; i < n; i++) sum += sorted[i];
    s.count = (long long)n;
    s.min = sorted[0];
    s.max = sorted[n - 1];
    s.mean = (double)sum / (double)n;
    double var = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)sorted[i] - s.mean;
        var += d * d;
    }
    s.stddev = sqrt(var / (double)n);
    for (int k = 0; k < 7; k++) {
        double pos = pct_of[k] * (double)(n + 1);
        if (pos < 1.0)
            s.pct[k] = (double)sorted[0];
        else if (pos >= (double)n)
            s.pct[k] = (double)sorted[n - 1];
        else {
            double lower = (double)sorted[(size_t)pos - 1], upper = (double)sorted[(size_t)pos];
            s.pct[k] = lower + (pos - floor(pos)) * (upper - lower);
        }
    }
    free(sorted);
    return s;
}

static stats stats_of(const eval_metrics *runs, size_t n, const char *name)
{
    long long *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        stats z;
        memset(&z, 0, sizeof z);
        return z;
    }
    for (size_t r = 0; r < n; r++) v[r] = (long long)value_of(&runs[r], name, NULL);
    stats s = compute(v, n);
    free(v);
    return s;
}

/* ---- Go's float formatting ---- */

/* The shortest decimal digits that read back as x (x finite, >= 0): digits
 * in d (NUL terminated), and the exponent of the first digit. */
static void shortest(double x, char *d, int *exp10)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (strtod(buf, NULL) == x || prec == 17) break;
    }
    char *e = strchr(buf, 'e');
    *exp10 = e ? atoi(e + 1) : 0;
    size_t k = 0;
    for (char *p = buf; p < e; p++)
        if (*p >= '0' && *p <= '9') d[k++] = *p;
    while (k > 1 && d[k - 1] == '0') k--;
    d[k] = '\0';
}

/* strconv.FormatFloat(x, 'f', -1, 64): what encoding/json writes for
 * floats between 1e-6 and 1e21 (all these statistics). */
static void go_float_f(char *out, size_t size, double x)
{
    char d[24], buf[400];
    int e;
    size_t k = 0;
    if (x < 0) {
        buf[k++] = '-';
        x = -x;
    }
    if (x == 0) {
        snprintf(out, size, "0");
        return;
    }
    shortest(x, d, &e);
    int nd = (int)strlen(d);
    if (e < 0) {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int i = 0; i < -e - 1 && k < 300; i++) buf[k++] = '0';
        for (int i = 0; i < nd; i++) buf[k++] = d[i];
    } else {
        for (int i = 0; i <= e && k < 350; i++) buf[k++] = i < nd ? d[i] : '0';
        if (e + 1 < nd) {
            buf[k++] = '.';
            for (int i = e + 1; i < nd; i++) buf[k++] = d[i];
        }
    }
    buf[k] = '\0';
    snprintf(out, size, "%s", buf);
}

/* fmt's %v of a float64: shortest digits, in e-notation when the exponent
 * is below -4 or at least 6 ("1.28912e+06"). */
static void go_float_v(char *out, size_t size, double x)
{
    char d[24];
    int e;
    if (x == 0) {
        snprintf(out, size, "0");
        return;
    }
    shortest(x < 0 ? -x : x, d, &e);
    if (e < -4 || e >= 6) {
        snprintf(out, size, "%s%c%s%se%c%02d", x < 0 ? "-" : "", d[0], d[1] ? "." : "", d + 1,
                 e < 0 ? '-' : '+', e < 0 ? -e : e);
        return;
    }
    go_float_f(out, size, x);
}

/* Members of one statistics object, in key order. */
static void write_stats(FILE *out, const stats *s, int level)
{
    char v[7][48], mean[48], sd[48];
    for (int k = 0; k < 7; k++) go_float_f(v[k], sizeof v[k], s->pct[k]);
    go_float_f(mean, sizeof mean, s->mean);
    go_float_f(sd, sizeof sd, s->stddev);
    struct { const char *key; const char *text; long long i; } m[] = {
        {"75%", v[1], 0}, {"90%", v[2], 0}, {"95%", v[3], 0}, {"99%", v[4], 0},
        {"99.9%", v[5], 0}, {"99.99%", v[6], 0}, {"count", NULL, s->count},
        {"max", NULL, s->max}, {"mean", mean, 0}, {"median", v[0], 0},
        {"min", NULL, s->min}, {"stddev", sd, 0},
    };
    size_t n = sizeof m / sizeof m[0];
    fputs("{\n", out);
    for (size_t i = 0; i < n; i++) {
        indent(out, level + 1);
        if (m[i].text)
            fprintf(out, "\"%s\": %s", m[i].key, m[i].text);
        else
            fprintf(out, "\"%s\": %lld", m[i].key, m[i].i);
        fputs(i + 1 < n ? ",\n" : "\n", out);
    }
    indent(out, level);
    fputc('}', out);
}

void metrics_write_aggregated_json(FILE *out, const eval_metrics *runs, size_t n, int level)
{
    const char *names[METRICS_MAX];
    size_t k = sorted_names(&runs[0], names);
    if (k == 0) {
        fputs("{}", out);
        return;
    }
    fputs("{\n", out);
    for (size_t i = 0; i < k; i++) {
        stats s = stats_of(runs, n, names[i]);
        indent(out, level + 1);
        fprintf(out, "\"%s\": ", names[i]);
        write_stats(out, &s, level + 1);
        fputs(i + 1 < k ? ",\n" : "\n", out);
    }
    indent(out, level);
    fputc('}', out);
}

void metrics_print_aggregated_table(FILE *out, const eval_metrics *runs, size_t n, int pretty_limit)
{
    const char *names[METRICS_MAX];
    size_t k = sorted_names(&runs[0], names);
    if (k == 0) return;
    char *header[6] = {"Metric", "Min", "Max", "Mean", "90%", "99%"};
    char **rows[METRICS_MAX];
    for (size_t i = 0; i < k; i++) {
        stats s = stats_of(runs, n, names[i]);
        char cell[5][48];
        snprintf(cell[0], sizeof cell[0], "%lld", s.min);
        snprintf(cell[1], sizeof cell[1], "%lld", s.max);
        go_float_v(cell[2], sizeof cell[2], s.mean);
        go_float_v(cell[3], sizeof cell[3], s.pct[2]);
        go_float_v(cell[4], sizeof cell[4], s.pct[4]);
        rows[i] = malloc(6 * sizeof **rows);
        rows[i][0] = strdup(names[i]);
        for (int c = 0; c < 5; c++) rows[i][c + 1] = limited(cell[c], pretty_limit);
    }
    table_print(out, 6, header, rows, k);
    for (size_t i = 0; i < k; i++) {
        for (int c = 0; c < 6; c++) free(rows[i][c]);
        free(rows[i]);
    }
}
