/* errlist.c — gathering and printing the errors of one CLI run (errlist.h). */
#include "errlist.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"

void errlist_init(errlist *l)
{
    memset(l, 0, sizeof *l);
}

void errlist_free(errlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        verdict_errors_free(l->items[i].errs);
        free(l->items[i].message);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static errlist_entry *push(errlist *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        errlist_entry *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            fputs("verdict: out of memory\n", stderr);
            exit(2);
        }
        l->items = items;
        l->cap = cap;
    }
    errlist_entry *e = &l->items[l->n++];
    memset(e, 0, sizeof *e);
    return e;
}

void errlist_add_engine(errlist *l, verdict_errors *errs)
{
    if (!errs) return;
    if (verdict_errors_count(errs) == 0) {
        verdict_errors_free(errs);
        return;
    }
    push(l)->errs = errs;
}

void errlist_addf(errlist *l, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    push(l)->message = msg ? msg : strdup("out of memory");
}

size_t errlist_count(const errlist *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->items[i].errs ? verdict_errors_count(l->items[i].errs) : 1;
    return n;
}

/* Splicing: each engine error is printed by libverdict itself (so the CLI
 * never disagrees with verdict_errors_json about field order or escaping);
 * its elements already carry the indentation of the "errors" array. */
typedef struct splice {
    FILE *out;
    int first;
} splice;

static void emit_item(void *ctx, const char *value, size_t len)
{
    splice *s = ctx;
    fputs(s->first ? "    " : ",\n    ", s->out);
    fwrite(value, 1, len, s->out);
    s->first = 0;
}

static void emit_errors_member(void *ctx, const char *key, const char *value, size_t len)
{
    (void)len;
    if (strcmp(key, "errors") == 0) jt_array_items(value, emit_item, ctx);
}

void errlist_print_json(const errlist *l, FILE *out)
{
    /* One engine list alone: print libverdict's text unchanged. */
    if (l->n == 1 && l->items[0].errs) {
        char *js = verdict_errors_json(l->items[0].errs, 1);
        if (js) {
            fputs(js, out);
            if (js[0] && js[strlen(js) - 1] != '\n') fputc('\n', out);
            free(js);
            return;
        }
    }
    splice s = {out, 1};
    fputs("{\n  \"errors\": [\n", out);
    for (size_t i = 0; i < l->n; i++) {
        const errlist_entry *e = &l->items[i];
        if (e->errs) {
            char *js = verdict_errors_json(e->errs, 1);
            if (js) jt_object_members(js, emit_errors_member, &s);
            free(js);
        } else {
            fputs(s.first ? "    {\n      \"message\": " : ",\n    {\n      \"message\": ", out);
            jt_write_string(out, e->message);
            fputs("\n    }", out);
            s.first = 0;
        }
    }
    fputs("\n  ]\n}\n", out);
}

void errlist_print_text(const errlist *l, FILE *out)
{
    errlist_print_text_as(l, out, "");
}

void errlist_print_text_as(const errlist *l, FILE *out, const char *when)
{
    size_t total = errlist_count(l);
    if (total == 1)
        fprintf(out, "1 error occurred%s: ", when);
    else
        fprintf(out, "%zu errors occurred%s:\n", total, when);
    int first = 1;
    for (size_t i = 0; i < l->n; i++) {
        const errlist_entry *e = &l->items[i];
        size_t n = e->errs ? verdict_errors_count(e->errs) : 1;
        for (size_t j = 0; j < n; j++) {
            if (!first) fputc('\n', out);
            first = 0;
            if (e->errs) {
                char *s = verdict_error_string(e->errs, j);
                fputs(s ? s : verdict_error_message(e->errs, j), out);
                free(s);
            } else {
                fputs(e->message, out);
            }
        }
    }
    fputc('\n', out);
}
