/* present.c — OPA's output formats for `verdict eval` (see present.h). */
#include "present.h"

#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "table.h"

int present_parse_format(const char *name, present_format *f)
{
    static const struct { const char *name; present_format f; } formats[] = {
        {"json", FORMAT_JSON}, {"values", FORMAT_VALUES}, {"bindings", FORMAT_BINDINGS},
        {"pretty", FORMAT_PRETTY}, {"raw", FORMAT_RAW}, {"discard", FORMAT_DISCARD},
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(name, formats[i].name) == 0) {
            *f = formats[i].f;
            return 0;
        }
    }
    return -1;
}

static size_t row_count(const verdict_result *r)
{
    return r ? verdict_result_count(r) : 0;
}

/* Go's json.Encoder ends every document with a newline. */
static void put_doc(FILE *out, char *text)
{
    if (!text) return;
    fputs(text, out);
    if (!text[0] || text[strlen(text) - 1] != '\n') fputc('\n', out);
    free(text);
}

/* Pretty JSON nested one level deeper: every line after the first moves
 * right by two spaces (JSON strings never hold raw newlines). */
static void put_indented(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n') fputs("  ", out);
    }
}

static void print_values(const verdict_result *r, FILE *out)
{
    for (size_t row = 0; row < row_count(r); row++) {
        size_t n = verdict_result_expr_count(r, row);
        if (n == 0) {
            fputs("[]\n", out);
            continue;
        }
        fputs("[\n", out);
        for (size_t i = 0; i < n; i++) {
            char *v = verdict_result_expr_value(r, row, i, 1);
            fputs("  ", out);
            put_indented(out, v ? v : "null");
            fputs(i + 1 < n ? ",\n" : "\n", out);
            free(v);
        }
        fputs("]\n", out);
    }
}

static void print_bindings(const verdict_result *r, FILE *out)
{
    for (size_t row = 0; row < row_count(r); row++)
        put_doc(out, verdict_result_bindings(r, row, 1));
}

static void print_raw(const verdict_result *r, FILE *out)
{
    for (size_t row = 0; row < row_count(r); row++) {
        size_t n = verdict_result_expr_count(r, row);
        for (size_t i = 0; i < n; i++) {
            char *v = verdict_result_expr_value(r, row, i, 0);
            size_t len = 0;
            char *s = v && v[0] == '"' ? jt_unquote(v, strlen(v), &len) : NULL;
            if (s)
                fwrite(s, 1, len, out);
            else if (v)
                fputs(v, out);
            free(s);
            free(v);
            fputc(i + 1 < n ? ' ' : '\n', out);
        }
    }
}

/* ---- pretty: one value, or a table of bindings and expressions ---- */

typedef struct column {
    char *name;   /* binding name, or NULL for an expression column */
    size_t expr;  /* expression index when name is NULL */
} column;

typedef struct names {
    char **v;
    size_t n;
} names;

static void collect_name(void *ctx, const char *key, const char *value, size_t len)
{
    (void)value;
    (void)len;
    names *ns = ctx;
    char **v = realloc(ns->v, (ns->n + 1) * sizeof *v);
    if (!v) return;
    ns->v = v;
    ns->v[ns->n++] = strdup(key);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct lookup {
    const char *key;
    char *value;
} lookup;

static void find_member(void *ctx, const char *key, const char *value, size_t len)
{
    lookup *l = ctx;
    if (!l->value && strcmp(key, l->key) == 0) l->value = strndup(value, len);
}

static int is_bool_text(const char *v)
{
    return v && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0);
}

static char *cell_text(const verdict_result *r, size_t row, const column *c, const char *bindings,
                       int limit)
{
    char *v;
    if (c->name) {
        lookup l = {c->name, NULL};
        if (bindings) jt_object_members(bindings, find_member, &l);
        v = l.value ? l.value : strdup("null");
    } else {
        v = verdict_result_expr_value(r, row, c->expr, 0);
        if (!v) v = strdup("null");
    }
    if (v && limit > 0 && strlen(v) > (size_t)limit) {
        v[limit] = '\0';
        char *t = NULL;
        if (asprintf(&t, "%s...", v) >= 0) {
            free(v);
            v = t;
        }
    }
    return v;
}

static void print_table(const verdict_result *r, int limit, FILE *out)
{
    size_t rows = row_count(r);
    char *b0 = verdict_result_bindings(r, 0, 0);
    names ns = {NULL, 0};
    if (b0) jt_object_members(b0, collect_name, &ns);
    qsort(ns.v, ns.n, sizeof *ns.v, cmp_str);

    /* Columns: bindings by name, then the expressions of the first result
     * (boolean ones only when there are no bindings), as OPA picks them. */
    size_t nexpr = verdict_result_expr_count(r, 0);
    column *cols = calloc(ns.n + nexpr + 1, sizeof *cols);
    size_t ncols = 0;
    for (size_t i = 0; i < ns.n; i++) cols[ncols++].name = ns.v[i];
    for (size_t i = 0; i < nexpr; i++) {
        char *v = verdict_result_expr_value(r, 0, i, 0);
        if (!is_bool_text(v) || ns.n == 0) cols[ncols++].expr = i;
        free(v);
    }
    free(b0);

    char **header = calloc(ncols + 1, sizeof *header);
    char ***body = calloc(rows + 1, sizeof *body);
    for (size_t c = 0; c < ncols; c++) {
        const char *h = cols[c].name ? cols[c].name : verdict_result_expr_text(r, 0, cols[c].expr);
        header[c] = strdup(h ? h : "");
    }
    for (size_t row = 0; row < rows; row++) {
        char *b = verdict_result_bindings(r, row, 0);
        body[row] = calloc(ncols + 1, sizeof **body);
        for (size_t c = 0; c < ncols; c++) body[row][c] = cell_text(r, row, &cols[c], b, limit);
        free(b);
    }

    table_print(out, ncols, header, body, rows);

    for (size_t row = 0; row < rows; row++) {
        for (size_t c = 0; c < ncols; c++) free(body[row][c]);
        free(body[row]);
    }
    for (size_t c = 0; c < ncols; c++) free(header[c]);
    for (size_t i = 0; i < ns.n; i++) free(ns.v[i]);
    free(body);
    free(header);
    free(ns.v);
    free(cols);
}

static void print_pretty(const verdict_result *r, int limit, FILE *out)
{
    size_t rows = row_count(r);
    if (rows == 0) {
        fputs("undefined\n", out);
        return;
    }
    if (rows == 1 && verdict_result_binding_count(r, 0) == 0) {
        size_t n = verdict_result_expr_count(r, 0);
        int all_bool = n > 0;
        for (size_t i = 0; i < n && all_bool; i++) {
            char *v = verdict_result_expr_value(r, 0, i, 0);
            all_bool = is_bool_text(v);
            free(v);
        }
        if (n == 1 || all_bool) {
            put_doc(out, verdict_result_expr_value(r, 0, 0, 1));
            return;
        }
    }
    print_table(r, limit, out);
}

/* ---- the whole output ---- */

/* The value of one member of a JSON document text (a slice of it, already
 * indented for a member of the top-level object). */
typedef struct member_slice {
    const char *key;
    const char *value;
    size_t len;
} member_slice;

static void find_slice(void *ctx, const char *key, const char *value, size_t len)
{
    member_slice *m = ctx;
    if (!m->value && strcmp(key, m->key) == 0) {
        m->value = value;
        m->len = len;
    }
}

typedef struct doc {
    FILE *out;
    int n;
} doc;

static void member(doc *d, const char *key)
{
    fputs(d->n++ ? ",\n  \"" : "{\n  \"", d->out);
    fputs(key, d->out);
    fputs("\": ", d->out);
}

/* OPA's Output as encoding/json writes it: metrics, aggregated_metrics,
 * errors, result, each only when present; {} when none is. */
static void write_document(const present_output *o, int discarded, FILE *out)
{
    doc d = {out, 0};
    if (o->metrics) {
        member(&d, "metrics");
        metrics_write_json(out, o->metrics, 1);
    }
    if (o->nruns > 1) {
        member(&d, "aggregated_metrics");
        metrics_write_aggregated_json(out, o->runs, o->nruns, 1);
    }
    if (o->errs && errlist_count(o->errs) > 0) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m) {
            errlist_print_json(o->errs, m);
            fclose(m);
            member_slice ms = {"errors", NULL, 0};
            if (text) jt_object_members(text, find_slice, &ms);
            if (ms.value) {
                member(&d, "errors");
                fwrite(ms.value, 1, ms.len, out);
            }
            free(text);
        }
    }
    if (row_count(o->result) > 0) {
        member(&d, "result");
        if (discarded) {
            fputs("\"discarded\"", out);
        } else {
            char *text = verdict_result_json(o->result, 1);
            member_slice ms = {"result", NULL, 0};
            if (text) jt_object_members(text, find_slice, &ms);
            if (ms.value)
                fwrite(ms.value, 1, ms.len, out);
            else
                fputs("[]", out);
            free(text);
        }
    }
    fputs(d.n ? "\n}\n" : "{}\n", out);
}

void present(const present_output *o, present_format f, FILE *out, FILE *err)
{
    int has_errors = o->errs && errlist_count(o->errs) > 0;
    const verdict_result *r = o->result;
    switch (f) {
    case FORMAT_JSON:
        write_document(o, 0, out);
        return;
    case FORMAT_DISCARD: {
        /* OPA decodes its output into a map and encodes that again: every
         * object's keys come out sorted. */
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (!m) return;
        write_document(o, 1, m);
        fclose(m);
        if (text) {
            jt_write_sorted(out, text, len, 0);
            fputc('\n', out);
        }
        free(text);
        return;
    }
    case FORMAT_PRETTY:
        if (has_errors)
            errlist_print_text(o->errs, err);
        else
            print_pretty(r, o->pretty_limit, out);
        if (o->metrics) metrics_print_table(out, o->metrics, o->pretty_limit);
        if (o->nruns > 1) metrics_print_aggregated_table(out, o->runs, o->nruns, o->pretty_limit);
        return;
    case FORMAT_VALUES:
    case FORMAT_BINDINGS:
    case FORMAT_RAW:
        if (has_errors) {
            errlist_print_text(o->errs, err);
            return;
        }
        if (f == FORMAT_VALUES) print_values(r, out);
        else if (f == FORMAT_BINDINGS) print_bindings(r, out);
        else print_raw(r, out);
        return;
    }
}
