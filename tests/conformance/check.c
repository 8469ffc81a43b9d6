/* check.c — one conformance case: evaluate, then compare (see check.h). */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <verdict.h>

#include "engine/json.h"
#include "engine/strbuf.h"

/* Messages stay on one line and short enough to read in a list. */
enum { SHOW_MAX = 240 };

static void one_line(strbuf *sb, const char *s, size_t max)
{
    size_t n = 0;
    for (; *s && n < max; s++, n++) {
        if (*s == '\n') sb_puts(sb, "\\n");
        else if (*s == '\t') sb_puts(sb, " ");
        else sb_putc(sb, *s);
    }
    if (*s) sb_puts(sb, "...");
}

static void show_value(strbuf *sb, const val *v)
{
    strbuf tmp = STRBUF_INIT;
    val_write_rego(&tmp, v);
    one_line(sb, tmp.data ? tmp.data : "", SHOW_MAX);
    sb_free(&tmp);
}

static void set_reason(char *reason, size_t cap, strbuf *sb)
{
    snprintf(reason, cap, "%s", sb->data ? sb->data : "");
    sb_free(sb);
}

/* All error texts of errs, one per line, as OPA's ast.Errors prints them. */
static char *error_text(const verdict_errors *errs)
{
    strbuf sb = STRBUF_INIT;
    size_t n = verdict_errors_count(errs);
    for (size_t i = 0; i < n; i++) {
        char *s = verdict_error_string(errs, i);
        if (i) sb_putc(&sb, '\n');
        sb_puts(&sb, s ? s : verdict_error_message(errs, i));
        free(s);
    }
    if (!sb.data) sb_puts(&sb, "");
    return sb_detach(&sb);
}

static int has_code(const verdict_errors *errs, const char *code)
{
    for (size_t i = 0; i < verdict_errors_count(errs); i++)
        if (strcmp(verdict_error_code(errs, i), code) == 0) return 1;
    return 0;
}

static void show_codes(strbuf *sb, const verdict_errors *errs)
{
    for (size_t i = 0; i < verdict_errors_count(errs); i++)
        sb_printf(sb, "%s%s", i ? "," : "", verdict_error_code(errs, i));
}

static int cmp_vals(const void *a, const void *b)
{
    return val_compare(*(val *const *)a, *(val *const *)b);
}

/* OPA sorts array bindings (util.Compare order) when sort_bindings is set. */
static val *sorted_bindings(arena *a, const val *obj)
{
    size_t n = val_len(obj);
    val **keys = arena_alloc(a, (n + 1) * sizeof *keys);
    val **vals = arena_alloc(a, (n + 1) * sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        keys[i] = val_object_keys(obj)[i];
        val *v = val_object_values(obj)[i];
        if (val_kind_of(v) == VAL_ARRAY) {
            val **items = arena_alloc(a, (val_len(v) + 1) * sizeof *items);
            memcpy(items, val_array_items(v), val_len(v) * sizeof *items);
            qsort(items, val_len(v), sizeof *items, cmp_vals);
            v = val_array(a, items, val_len(v));
        }
        vals[i] = v;
    }
    return val_object(a, keys, vals, n);
}

/* The result rows as a set of binding objects, read back from the JSON the
 * API prints (so sets become arrays, as OPA's ast.JSON makes them). */
static val *got_set(arena *a, const conf_case *c, const verdict_result *res, strbuf *why)
{
    size_t rows = res ? verdict_result_count(res) : 0;
    val **items = arena_alloc(a, (rows + 1) * sizeof *items);
    for (size_t r = 0; r < rows; r++) {
        char *js = verdict_result_bindings(res, r, 0);
        json_error err;
        val *obj = js ? json_parse(a, js, strlen(js), 0, &err) : NULL;
        if (!obj || val_kind_of(obj) != VAL_OBJECT) {
            sb_printf(why, "bindings of row %zu are not a JSON object: ", r);
            one_line(why, js ? js : "(null)", SHOW_MAX);
            free(js);
            return NULL;
        }
        free(js);
        items[r] = c->sort_bindings ? sorted_bindings(a, obj) : obj;
    }
    return val_set(a, items, rows);
}

static val *want_set(arena *a, const val *want)
{
    size_t n = val_len(want);
    val **items = arena_alloc(a, (n + 1) * sizeof *items);
    memcpy(items, val_array_items(want), n * sizeof *items);
    return val_set(a, items, n);
}

static char *json_text(const val *v)
{
    strbuf sb = STRBUF_INIT;
    json_write(&sb, v, 0);
    return sb_detach(&sb);
}

int conf_check_case(const conf_case *c, uint64_t timeout_ns, char *reason, size_t cap)
{
    strbuf why = STRBUF_INIT;
    int pass = 0;
    verdict_errors *errs = NULL;
    verdict_result *res = NULL;
    char *input = NULL;
    arena *a = arena_new(1 << 14);

    if (!c->query) {
        sb_puts(&why, "case has no query");
        goto out;
    }
    verdict_options opts;
    memset(&opts, 0, sizeof opts);
    opts.v0_compatible = c->v0;
    opts.timeout_ns = timeout_ns;
    verdict_engine *eng = verdict_new(&opts);
    if (!eng) {
        sb_puts(&why, "verdict_new failed");
        goto out;
    }

    /* Stage and compile; any error stops here and is judged below. */
    const char *stage = "parse";
    for (size_t i = 0; i < c->nmodules && !errs; i++) {
        char name[32];
        snprintf(name, sizeof name, "test-%zu.rego", i);
        if (verdict_add_module(eng, name, c->modules[i], strlen(c->modules[i]), &errs) != VERDICT_OK &&
            !errs)
            sb_puts(&why, "module rejected without errors; ");
    }
    if (!errs && c->data) {
        stage = "data";
        char *js = json_text(c->data);
        verdict_add_data_json(eng, "", js, strlen(js), "data", &errs);
        free(js);
    }
    if (!errs) {
        stage = "compile";
        verdict_commit(eng, &errs);
    }
    if (!errs || verdict_errors_count(errs) == 0) {
        verdict_errors_free(errs);
        errs = NULL;
        stage = "eval";
        verdict_query_options q;
        memset(&q, 0, sizeof q);
        if (c->input_term) {
            q.input = c->input_term;
            q.input_len = strlen(c->input_term);
            q.input_is_rego = 1;
        } else if (c->input) {
            input = json_text(c->input);
            q.input = input;
            q.input_len = strlen(input);
        }
        q.strict_builtin_errors = c->strict_error;
        q.results_with_errors = 1; /* OPA's runner sees both */
        verdict_status st = verdict_query(eng, c->query, &q, &res, &errs);
        if (st != VERDICT_OK && st != VERDICT_UNDEFINED && (!errs || !verdict_errors_count(errs))) {
            sb_printf(&why, "verdict_query returned status %d without errors", (int)st);
            verdict_free(eng);
            goto out;
        }
        if (errs && verdict_errors_count(errs) == 0) {
            verdict_errors_free(errs);
            errs = NULL;
        }
    }
    verdict_free(eng);

    if (errs) {
        char *text = error_text(errs);
        if (!c->want_error && !c->want_error_code) {
            sb_printf(&why, "unexpected %s error: ", stage);
            one_line(&why, text, SHOW_MAX);
        } else if (c->want_error && !strstr(text, c->want_error)) {
            sb_puts(&why, "want error containing \"");
            one_line(&why, c->want_error, SHOW_MAX / 2);
            sb_puts(&why, "\", got: ");
            one_line(&why, text, SHOW_MAX);
        } else if (c->want_error_code && !has_code(errs, c->want_error_code)) {
            sb_printf(&why, "want error code %s, got ", c->want_error_code);
            show_codes(&why, errs);
            sb_puts(&why, ": ");
            one_line(&why, text, SHOW_MAX);
        } else if (c->want_result) {
            /* OPA's Query.Run returns the results found before the error
             * along with it, and a case may expect both. */
            val *got = got_set(a, c, res, &why);
            val *want = want_set(a, c->want_result);
            if (got && val_compare(want, got) != 0) {
                sb_puts(&why, "want result ");
                show_value(&why, want);
                sb_puts(&why, " with the error, got ");
                show_value(&why, got);
                sb_puts(&why, " and error: ");
                one_line(&why, text, SHOW_MAX);
            } else if (got) {
                pass = 1;
            }
        } else {
            pass = 1;
        }
        free(text);
        goto out;
    }

    if (c->want_error || c->want_error_code) {
        sb_printf(&why, "want error %s%s%s%s, got ", c->want_error_code ? c->want_error_code : "",
                  c->want_error ? " \"" : "", c->want_error ? c->want_error : "",
                  c->want_error ? "\"" : "");
    }
    val *got = got_set(a, c, res, &why);
    if (!got) goto out;
    if (c->want_error || c->want_error_code) {
        sb_puts(&why, "result ");
        show_value(&why, got);
        goto out;
    }
    if (!c->want_result && c->want_defined < 0) {
        sb_puts(&why, "case has none of want_result, want_error_code, want_error");
        goto out;
    }
    if (c->want_result) {
        val *want = want_set(a, c->want_result);
        if (val_compare(want, got) != 0) {
            sb_puts(&why, "want ");
            show_value(&why, want);
            sb_puts(&why, " got ");
            show_value(&why, got);
            goto out;
        }
    }
    if (c->want_defined >= 0 && (val_len(got) > 0) != c->want_defined) {
        sb_printf(&why, "want %s, got %s", c->want_defined ? "defined" : "undefined",
                  val_len(got) ? "defined" : "undefined");
        goto out;
    }
    pass = 1;

out:
    if (!pass) set_reason(reason, cap, &why);
    sb_free(&why);
    verdict_errors_free(errs);
    verdict_result_free(res);
    free(input);
    if (a) arena_free(a);
    return pass;
}
