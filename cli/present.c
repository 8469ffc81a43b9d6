/* present.c — OPA's output formats for `verdict eval` (see present.h). */
#include "present.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"

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

/* Columns a terminal gives the UTF-8 text (wide East Asian characters take
 * two), so table borders line up as tablewriter's do. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = *p;
        size_t n = 1;
        if (cp >= 0xF0) cp &= 0x07, n = 4;
        else if (cp >= 0xE0) cp &= 0x0F, n = 3;
        else if (cp >= 0xC0) cp &= 0x1F, n = 2;
        for (size_t i = 1; i < n && (p[i] & 0xC0) == 0x80; i++) cp = (cp << 6) | (p[i] & 0x3F);
        for (size_t i = 0; i < n && *p; i++) p++;
        int wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                   (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
        w += wide ? 2 : 1;
    }
    return w;
}

typedef struct column {
    char *name;   /* binding name, or NULL for an expression column */
    size_t expr;  /* expression index when name is NULL */
    size_t width;
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

static void rule(FILE *out, const column *cols, size_t n, const char *left, const char *mid,
                 const char *right)
{
    fputs(left, out);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < cols[i].width + 2; k++) fputs("─", out);
        fputs(i + 1 < n ? mid : right, out);
    }
    fputc('\n', out);
}

static void cells(FILE *out, const column *cols, size_t n, char **text, int center)
{
    fputs("│", out);
    for (size_t i = 0; i < n; i++) {
        size_t gap = cols[i].width - display_width(text[i]);
        size_t left = center ? gap / 2 : 0;
        fprintf(out, " %*s%s%*s │", (int)left, "", text[i], (int)(gap - left), "");
    }
    fputc('\n', out);
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
        cols[c].width = display_width(header[c]);
    }
    for (size_t row = 0; row < rows; row++) {
        char *b = verdict_result_bindings(r, row, 0);
        body[row] = calloc(ncols + 1, sizeof **body);
        for (size_t c = 0; c < ncols; c++) {
            body[row][c] = cell_text(r, row, &cols[c], b, limit);
            size_t w = display_width(body[row][c]);
            if (w > cols[c].width) cols[c].width = w;
        }
        free(b);
    }

    rule(out, cols, ncols, "┌", "┬", "┐");
    cells(out, cols, ncols, header, 1);
    rule(out, cols, ncols, "├", "┼", "┤");
    for (size_t row = 0; row < rows; row++) cells(out, cols, ncols, body[row], 0);
    rule(out, cols, ncols, "└", "┴", "┘");

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

void present_result(const verdict_result *r, present_format f, int pretty_limit, FILE *out)
{
    switch (f) {
    case FORMAT_JSON:
        if (r)
            put_doc(out, verdict_result_json(r, 1));
        else
            fputs("{}\n", out);
        break;
    case FORMAT_VALUES: print_values(r, out); break;
    case FORMAT_BINDINGS: print_bindings(r, out); break;
    case FORMAT_PRETTY: print_pretty(r, pretty_limit, out); break;
    case FORMAT_RAW: print_raw(r, out); break;
    case FORMAT_DISCARD:
        fputs(row_count(r) ? "{\n  \"result\": \"discarded\"\n}\n" : "{}\n", out);
        break;
    }
}

void present_errors(const errlist *errs, present_format f, FILE *out, FILE *err)
{
    if (f == FORMAT_JSON || f == FORMAT_DISCARD)
        errlist_print_json(errs, out);
    else
        errlist_print_text(errs, err);
}

/* OPA's Output has both fields when an evaluation returns solutions and an
 * error (strict builtin errors): {"errors": [...], "result": [...]}. */
void present_errors_and_result(const errlist *errs, const verdict_result *r, present_format f, FILE *out,
                               FILE *err)
{
    if (f != FORMAT_JSON || row_count(r) == 0) {
        present_errors(errs, f, out, err);
        return;
    }
    char *etext = NULL;
    size_t elen = 0;
    FILE *m = open_memstream(&etext, &elen);
    if (!m) {
        present_errors(errs, f, out, err);
        return;
    }
    errlist_print_json(errs, m);
    fclose(m);
    char *rtext = verdict_result_json(r, 1);
    /* errors document without its closing brace, then the result's field */
    char *end = etext ? strrchr(etext, '}') : NULL;
    const char *field = rtext ? strchr(rtext, '\n') : NULL;
    if (end && field) {
        while (end > etext && (end[-1] == '\n' || end[-1] == ' '))
            end--;
        fwrite(etext, 1, (size_t)(end - etext), out);
        fputs(",", out);
        fputs(field, out);
        fputc('\n', out);
    } else {
        present_errors(errs, f, out, err);
    }
    free(etext);
    free(rtext);
}
