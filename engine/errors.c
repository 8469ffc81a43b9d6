/* errors.c — verdict_errors: lists of errors with OPA's codes, messages and
 * locations, and their text and JSON forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "json.h"
#include "strbuf.h"


typedef struct err_item {
    char *code, *message, *file;
    int row, col;
} err_item;

struct verdict_errors {
    err_item *items;
    size_t n, cap;
};

verdict_errors *errs_new(void) { return calloc(1, sizeof(verdict_errors)); }

void errs_add(verdict_errors *e, const char *code, const char *msg, const char *file, int row,
                     int col)
{
    if (!e)
        return;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        err_item *it = realloc(e->items, sizeof *it * cap);
        if (!it)
            return;
        e->items = it;
        e->cap = cap;
    }
    err_item *x = &e->items[e->n++];
    x->code = strdup(code ? code : "");
    x->message = strdup(msg ? msg : "");
    x->file = strdup(file ? file : "");
    x->row = row;
    x->col = col;
}

void errs_from_rego(verdict_errors *e, const rego_errors *re)
{
    for (const rego_error *x = re->head; x; x = x->next)
        errs_add(e, x->code, x->message, x->file, x->row, x->col);
}

/* Hand the list to the caller (or drop it). */
verdict_status fail_with(verdict_errors *e, verdict_errors **out)
{
    if (out)
        *out = e;
    else
        verdict_errors_free(e);
    return VERDICT_ERROR;
}

size_t verdict_errors_count(const verdict_errors *e) { return e ? e->n : 0; }
const char *verdict_error_code(const verdict_errors *e, size_t i) { return e && i < e->n ? e->items[i].code : NULL; }
const char *verdict_error_message(const verdict_errors *e, size_t i) { return e && i < e->n ? e->items[i].message : NULL; }
const char *verdict_error_file(const verdict_errors *e, size_t i) { return e && i < e->n ? e->items[i].file : NULL; }
int verdict_error_row(const verdict_errors *e, size_t i) { return e && i < e->n ? e->items[i].row : 0; }
int verdict_error_col(const verdict_errors *e, size_t i) { return e && i < e->n ? e->items[i].col : 0; }

char *verdict_error_string(const verdict_errors *e, size_t i)
{
    if (!e || i >= e->n)
        return NULL;
    const err_item *x = &e->items[i];
    strbuf sb = STRBUF_INIT;
    if (x->row > 0) {
        if (x->file[0])
            sb_printf(&sb, "%s:%d: ", x->file, x->row);
        else
            sb_printf(&sb, "%d:%d: ", x->row, x->col);
    }
    sb_printf(&sb, "%s: %s", x->code, x->message);
    return sb_detach(&sb);
}

char *verdict_errors_json(const verdict_errors *e, int pretty)
{
    /* OPA's presentation.OutputError field order: location, message, code */
    strbuf sb = STRBUF_INIT;
    const char *nl = pretty ? "\n" : "";
    const char *i1 = pretty ? "  " : "", *i2 = pretty ? "    " : "", *i3 = pretty ? "      " : "",
               *i4 = pretty ? "        " : "";
    const char *sep = pretty ? ": " : ":";
    unsigned jf = JSON_ESCAPE_HTML;
    sb_printf(&sb, "{%s%s\"errors\"%s[%s", nl, i1, sep, nl);
    for (size_t k = 0; e && k < e->n; k++) {
        const err_item *x = &e->items[k];
        sb_printf(&sb, "%s{%s", i2, nl);
        if (x->row > 0) {
            sb_printf(&sb, "%s\"location\"%s{%s%s\"file\"%s", i3, sep, nl, i4, sep);
            json_write_string(&sb, x->file, strlen(x->file), jf);
            sb_printf(&sb, ",%s%s\"row\"%s%d,%s%s\"col\"%s%d%s%s},%s", nl, i4, sep, x->row, nl, i4, sep, x->col,
                      nl, i3, nl);
        }
        sb_printf(&sb, "%s\"message\"%s", i3, sep);
        json_write_string(&sb, x->message, strlen(x->message), jf);
        if (x->code[0]) {
            sb_printf(&sb, ",%s%s\"code\"%s", nl, i3, sep);
            json_write_string(&sb, x->code, strlen(x->code), jf);
        }
        sb_printf(&sb, "%s%s}%s%s", nl, i2, k + 1 < e->n ? "," : "", nl);
    }
    sb_printf(&sb, "%s]%s}", i1, nl);
    return sb_detach(&sb);
}

void verdict_errors_free(verdict_errors *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].code);
        free(e->items[i].message);
        free(e->items[i].file);
    }
    free(e->items);
    free(e);
}

size_t errs_count(const verdict_errors *e) { return e ? e->n : 0; }
