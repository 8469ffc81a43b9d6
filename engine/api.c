/* api.c — queries and decisions of include/verdict.h: parse and compile a
 * query against the active snapshot, run it on this thread's VM, and hand
 * the results back as values or OPA's JSON. */
#include "../include/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rego/ast.h"
#include "../rego/compile.h"
#include "../rego/lex.h"
#include "engine.h"
#include "json.h"
#include "strbuf.h"
#include "value.h"
#include "vm.h"
#include "yaml.h"
#include "cache.h"
#include <time.h>

/* ---- queries ---- */

typedef struct result_row {
    val **exprs;        /* NULL entry: the expression's value is true */
    val *bindings;      /* object */
} result_row;

struct verdict_result {
    arena *a;
    int nexprs;
    char **texts;
    int *rows_, *cols_;
    result_row *rows;
    size_t nrows, caprows;
    strbuf prints;
    strbuf test_cases;      /* internal.test_case arrays (engine option test_cases) */
    const query_shape *shape;
    size_t eval_bytes;      /* bytes the evaluation allocated */
};

static void on_row(void *ud, val *const *R)
{
    verdict_result *r = ud;
    const query_shape *sh = r->shape;
    if (r->nrows == r->caprows) {
        size_t cap = r->caprows ? r->caprows * 2 : 8;
        result_row *rows = arena_alloc(r->a, sizeof *rows * cap);
        if (r->nrows)
            memcpy(rows, r->rows, sizeof *rows * r->nrows);
        r->rows = rows;
        r->caprows = cap;
    }
    result_row *row = &r->rows[r->nrows++];
    row->exprs = arena_alloc(r->a, sizeof *row->exprs * (size_t)(sh->nexprs + 1));
    for (int i = 0; i < sh->nexprs; i++)
        row->exprs[i] = sh->expr_regs[i] == NOREG ? VAL_TRUE_V : val_copy(r->a, R[sh->expr_regs[i]]);
    val_objb b;
    val_objb_init(&b, r->a);
    for (int i = 0; i < sh->nvars; i++)
        if (R[sh->var_regs[i]])
            val_objb_set(&b, val_cstring(r->a, sh->var_names[i]), val_copy(r->a, R[sh->var_regs[i]]));
    row->bindings = val_objb_finish(&b);
}

static val *parse_input(arena *a, const verdict_query_options *o, verdict_errors *e)
{
    if (!o || !o->input)
        return NULL;
    json_error je;
    val *v;
    if (o->input_is_rego) {
        rego_errors re = {0};
        parse_opts po = {.version = AST_REGO_V1};
        ast_term *t = rego_parse_term(a, o->input, o->input_len, &po, &re);
        v = t ? ast_term_to_value(a, t) : NULL;
        if (!v) {
            if (re.n)
                errs_from_rego(e, &re);
            else
                errs_add(e, "invalid_input", "input is not a ground Rego term", "", 0, 0);
        }
        rego_errors_free(&re);
        return v;
    }
    v = o->input_is_yaml ? yaml_parse(a, o->input, o->input_len, &je) : json_parse(a, o->input, o->input_len, 0, &je);
    if (!v)
        errs_add(e, "invalid_input", je.msg, "input", je.line, je.col);
    return v;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One statement of a query's context parsed as a module: "package <pkg>"
 * alone, or a placeholder package line followed by the imports (whose
 * errors are then moved up a line, to the row of the import as given, as
 * OPA parses the imports on their own). */
static ast_module *parse_context(arena *a, const char *text, bool imports, const parse_opts *po, rego_errors *re)
{
    for (const char *c = text; *c; c++) {
        if (*c == '\n' && !imports) {
            ast_loc l = {"", 1, 1, 0, 0};
            rego_errors_add(re, "rego_parse_error", &l, "expected exactly one statement");
            return NULL;
        }
    }
    rego_errors pe = {0};
    ast_module *m = rego_parse_module(a, "", text, strlen(text), po, &pe);
    for (rego_error *x = pe.head; x; x = x->next) {
        ast_loc l = {x->file, imports && x->row > 1 ? x->row - 1 : x->row, x->col, 0, 0};
        rego_errors_add(re, x->code, &l, "%s", x->message);
    }
    rego_errors_free(&pe);
    return m;
}

/* The keywords a query may use under Rego v0 given its context's imports. */
static void context_keywords(const ast_module *m, parse_opts *po)
{
    for (int i = 0; m && i < m->nimports; i++) {
        const ast_term *p = m->imports[i].path;
        if (p->kind != AST_REF || p->ref.items[0]->kind != AST_VAR)
            continue;
        const char *root = p->ref.items[0]->var.name;
        if (strcmp(root, "rego") == 0) {
            po->version = AST_REGO_V1;  /* import rego.v1: the query is Rego v1 */
        } else if (strcmp(root, "future") == 0) {
            if (p->ref.n == 2) {
                po->keywords |= LEX_KW_ALL;
                continue;
            }
            const val *k = p->ref.items[2]->value;
            const char *kw = k && k->kind == VAL_STRING ? val_str(k) : "";
            po->keywords |= strcmp(kw, "in") == 0         ? LEX_KW_IN
                            : strcmp(kw, "every") == 0    ? LEX_KW_EVERY | LEX_KW_IN
                            : strcmp(kw, "contains") == 0 ? LEX_KW_CONTAINS
                            : strcmp(kw, "if") == 0       ? LEX_KW_IF
                                                          : 0;
        }
    }
}

/* Parse and compile a query against the active snapshot (referenced in *s),
 * in the context of opts' package and imports, in OPA's order: the imports,
 * the query, then the package. */
static compiled_query *prepare(verdict_engine *eng, const char *query, const verdict_query_options *opts, arena *a,
                               snapshot **s, verdict_errors *e)
{
    rego_errors re = {0};
    parse_opts po = {.version = eng->opts.v0_compatible ? AST_REGO_V0 : AST_REGO_V1};
    verdict_query_timings *tm = opts ? opts->timings : NULL;
    if (tm)
        memset(tm, 0, sizeof *tm);
    *s = engine_acquire(eng);
    ast_module *ctx = NULL;
    bool ctx_ok = true;
    if (opts && (opts->package || opts->nimports)) {
        strbuf sb;
        sb_init(&sb);
        sb_puts(&sb, "package __query_context__\n");
        for (size_t i = 0; i < opts->nimports; i++) {
            sb_puts(&sb, "import ");
            sb_puts(&sb, opts->imports[i] ? opts->imports[i] : "");
            sb_puts(&sb, "\n");
        }
        ctx = parse_context(a, sb.data, true, &po, &re);
        sb_free(&sb);
        ctx_ok = ctx != NULL;
        if (ctx)
            ctx->package = NULL;
        context_keywords(ctx, &po);
    }
    ast_body *body = NULL;
    if (ctx_ok) {
        uint64_t t0 = now_ns();
        body = rego_parse_query(a, query, strlen(query), &po, &re);
        if (tm) {
            tm->parse_ns = now_ns() - t0;
            tm->parsed = 1;
        }
    }
    compiled_query *cq = NULL;
    if (body) {
        uint64_t t0 = now_ns();
        if (ctx && opts->package) {
            char *text = NULL;
            ast_module *pm = asprintf(&text, "package %s", opts->package) >= 0
                                 ? parse_context(a, text, false, &po, &re)
                                 : NULL;
            free(text);
            ctx->package = pm ? pm->package : NULL;
            if (!pm)
                body = NULL;
        }
        if (body && body->n == 0)
            errs_add(e, "rego_compile_error", "empty query", "", 0, 0);
        else if (body)
            cq = rego_compile_query_in((*s)->prog->p, body, ctx, &re);
        if (tm) {
            tm->compile_ns = now_ns() - t0;
            tm->compiled = 1;
        }
    }
    errs_from_rego(e, &re);
    rego_errors_free(&re);
    return cq;
}

static void add_builtin_error(void *ud, const vm_error *ve)
{
    errs_add(ud, ve->code, ve->message, ve->loc.file, ve->loc.row, ve->loc.col);
}

/* Evaluate a compiled query: the result set, or errors. */
static verdict_status run_query(const verdict_options *eo, snapshot *s, const compiled_query *cq, const char *query,
                                const verdict_query_options *opts, verdict_result **out, verdict_errors **errs)
{
    verdict_result *r = calloc(1, sizeof *r);
    if (!r)
        return VERDICT_NOMEM;
    r->a = arena_new(16 * 1024);
    if (!r->a) {
        free(r);
        return VERDICT_NOMEM;
    }
    verdict_errors *e = errs_new();
    bool keep_rows = false; /* strict mode: solutions and the first builtin error, as OPA returns both */
    vm *V = engine_thread_vm();
    if (!V)
        errs_add(e, "internal_error", "out of memory", "", 0, 0);
    bool failed = errs_count(e) > 0;
    if (!failed) {
        vm_eval_opts vo;
        memset(&vo, 0, sizeof vo);
        vo.prog = s->prog->p;
        vo.data = s->data;
        vo.strict_builtin_errors = opts && opts->strict_builtin_errors;
        vo.collect_builtin_errors = opts && opts->show_builtin_errors;
        vo.limits.max_instructions = eo->instruction_limit;
        vo.limits.max_memory = eo->memory_limit;
        vo.limits.timeout_ns = eo->timeout_ns;
        vo.prints = &r->prints;
        vo.test_cases = eo->test_cases ? &r->test_cases : NULL;
        vm_begin(V, &vo);
        /* the input lives in the evaluation's arena, so it is parsed after vm_begin */
        val *input = parse_input(vm_arena(V), opts, e);
        failed = errs_count(e) > 0;
        if (!failed) {
            vm_set_input(V, input);
            r->shape = &cq->shape;
            uint64_t t0 = now_ns();
            int rc = vm_run_query(V, cq, on_row, r);
            if (opts && opts->timings) {
                opts->timings->eval_ns = now_ns() - t0;
                opts->timings->evaluated = 1;
            }
            if (rc != 0) {
                const vm_error *ve = vm_last_error(V);
                errs_add(e, ve->code, ve->message, ve->loc.file, ve->loc.row, ve->loc.col);
                keep_rows = vm_last_error_deferred(V) && opts && opts->results_with_errors;
            }
            failed = errs_count(e) > 0;
            if (vo.collect_builtin_errors)
                vm_builtin_errors(V, add_builtin_error, e);
            r->eval_bytes = vm_arena(V)->used;
        }
    }
    if (!failed || keep_rows) {
        /* keep what the result needs from the query: texts and locations */
        r->nexprs = cq->shape.nexprs;
        r->texts = arena_alloc(r->a, sizeof *r->texts * (size_t)(r->nexprs + 1));
        r->rows_ = arena_alloc(r->a, sizeof *r->rows_ * (size_t)(r->nexprs + 1));
        r->cols_ = arena_alloc(r->a, sizeof *r->cols_ * (size_t)(r->nexprs + 1));
        for (int i = 0; i < r->nexprs; i++) {
            const ast_expr *x = cq->shape.exprs[i];
            r->texts[i] = arena_strndup(r->a, query + x->loc.off, x->loc.len);
            r->rows_[i] = x->loc.row;
            r->cols_[i] = x->loc.col;
        }
    }
    r->shape = NULL;
    if (failed) {
        if (keep_rows)
            *out = r;
        else
            verdict_result_free(r);
        return fail_with(e, errs);
    }
    /* only the collected builtin errors, if any */
    if (errs && errs_count(e))
        *errs = e;
    else
        verdict_errors_free(e);
    *out = r;
    return VERDICT_OK;
}

verdict_status verdict_query(verdict_engine *eng, const char *query, const verdict_query_options *opts,
                             verdict_result **out, verdict_errors **errs)
{
    if (out)
        *out = NULL;
    if (errs)
        *errs = NULL;
    if (!eng || !query || !out)
        return VERDICT_MISUSE;
    arena *a = arena_new(16 * 1024);
    if (!a)
        return VERDICT_NOMEM;
    verdict_errors *e = errs_new();
    snapshot *s;
    compiled_query *cq = prepare(eng, query, opts, a, &s, e);
    verdict_status st;
    if (errs_count(e)) {
        st = fail_with(e, errs);
    } else {
        verdict_errors_free(e);
        st = run_query(&eng->opts, s, cq, query, opts, out, errs);
    }
    compiled_query_free(cq);
    snapshot_release(s);
    arena_free(a);
    return st;
}

struct verdict_prepared {
    verdict_options opts;
    snapshot *s;
    compiled_query *cq;
    arena *a;
    char *query;
};

verdict_status verdict_prepare(verdict_engine *eng, const char *query, verdict_prepared **out,
                               verdict_errors **errs)
{
    if (out)
        *out = NULL;
    if (errs)
        *errs = NULL;
    if (!eng || !query || !out)
        return VERDICT_MISUSE;
    verdict_prepared *p = calloc(1, sizeof *p);
    if (!p || !(p->a = arena_new(16 * 1024))) {
        free(p);
        return VERDICT_NOMEM;
    }
    p->opts = eng->opts;
    p->query = arena_strndup(p->a, query, strlen(query));
    verdict_errors *e = errs_new();
    p->cq = prepare(eng, p->query, NULL, p->a, &p->s, e);
    if (errs_count(e)) {
        verdict_prepared_free(p);
        return fail_with(e, errs);
    }
    verdict_errors_free(e);
    *out = p;
    return VERDICT_OK;
}

verdict_status verdict_prepared_query(verdict_prepared *p, const verdict_query_options *opts, verdict_result **out,
                                      verdict_errors **errs)
{
    if (out)
        *out = NULL;
    if (errs)
        *errs = NULL;
    if (!p || !out)
        return VERDICT_MISUSE;
    return run_query(&p->opts, p->s, p->cq, p->query, opts, out, errs);
}

void verdict_prepared_free(verdict_prepared *p)
{
    if (!p)
        return;
    compiled_query_free(p->cq);
    snapshot_release(p->s);
    arena_free(p->a);
    free(p);
}

size_t verdict_result_eval_bytes(const verdict_result *r) { return r ? r->eval_bytes : 0; }

static void write_indent(strbuf *sb, int pretty, int depth)
{
    if (!pretty)
        return;
    sb_putc(sb, '\n');
    for (int i = 0; i < depth; i++)
        sb_puts(sb, "  ");
}

char *verdict_result_json(const verdict_result *r, int pretty)
{
    strbuf sb = STRBUF_INIT;
    unsigned jf = JSON_ESCAPE_HTML | (pretty ? JSON_PRETTY : 0);
    const char *sep = pretty ? ": " : ":";
    if (!r || r->nrows == 0) {
        sb_puts(&sb, "{}");
        return sb_detach(&sb);
    }
    sb_putc(&sb, '{');
    write_indent(&sb, pretty, 1);
    sb_printf(&sb, "\"result\"%s[", sep);
    for (size_t i = 0; i < r->nrows; i++) {
        const result_row *row = &r->rows[i];
        write_indent(&sb, pretty, 2);
        sb_putc(&sb, '{');
        write_indent(&sb, pretty, 3);
        sb_printf(&sb, "\"expressions\"%s[", sep);
        for (int k = 0; k < r->nexprs; k++) {
            write_indent(&sb, pretty, 4);
            sb_putc(&sb, '{');
            write_indent(&sb, pretty, 5);
            sb_printf(&sb, "\"value\"%s", sep);
            json_write_indent(&sb, row->exprs[k], jf, 5);
            sb_putc(&sb, ',');
            write_indent(&sb, pretty, 5);
            sb_printf(&sb, "\"text\"%s", sep);
            json_write_string(&sb, r->texts[k], strlen(r->texts[k]), jf);
            sb_putc(&sb, ',');
            write_indent(&sb, pretty, 5);
            sb_printf(&sb, "\"location\"%s{", sep);
            write_indent(&sb, pretty, 6);
            sb_printf(&sb, "\"row\"%s%d,", sep, r->rows_[k]);
            write_indent(&sb, pretty, 6);
            sb_printf(&sb, "\"col\"%s%d", sep, r->cols_[k]);
            write_indent(&sb, pretty, 5);
            sb_putc(&sb, '}');
            write_indent(&sb, pretty, 4);
            sb_putc(&sb, '}');
            if (k + 1 < r->nexprs)
                sb_putc(&sb, ',');
        }
        write_indent(&sb, pretty, 3);
        sb_putc(&sb, ']');
        if (val_len(row->bindings)) {
            sb_putc(&sb, ',');
            write_indent(&sb, pretty, 3);
            sb_printf(&sb, "\"bindings\"%s", sep);
            json_write_indent(&sb, row->bindings, jf, 3);
        }
        write_indent(&sb, pretty, 2);
        sb_putc(&sb, '}');
        if (i + 1 < r->nrows)
            sb_putc(&sb, ',');
    }
    write_indent(&sb, pretty, 1);
    sb_putc(&sb, ']');
    write_indent(&sb, pretty, 0);
    sb_putc(&sb, '}');
    return sb_detach(&sb);
}

size_t verdict_result_count(const verdict_result *r) { return r ? r->nrows : 0; }

size_t verdict_result_expr_count(const verdict_result *r, size_t row)
{
    return r && row < r->nrows ? (size_t)r->nexprs : 0;
}

char *verdict_result_expr_value(const verdict_result *r, size_t row, size_t expr, int pretty)
{
    if (!r || row >= r->nrows || expr >= (size_t)r->nexprs)
        return NULL;
    strbuf sb = STRBUF_INIT;
    json_write(&sb, r->rows[row].exprs[expr], JSON_ESCAPE_HTML | (pretty ? JSON_PRETTY : 0));
    return sb_detach(&sb);
}

const char *verdict_result_expr_text(const verdict_result *r, size_t row, size_t expr)
{
    if (!r || row >= r->nrows || expr >= (size_t)r->nexprs)
        return NULL;
    return r->texts[expr];
}

char *verdict_result_bindings(const verdict_result *r, size_t row, int pretty)
{
    if (!r || row >= r->nrows)
        return NULL;
    strbuf sb = STRBUF_INIT;
    json_write(&sb, r->rows[row].bindings, JSON_ESCAPE_HTML | (pretty ? JSON_PRETTY : 0));
    return sb_detach(&sb);
}

size_t verdict_result_binding_count(const verdict_result *r, size_t row)
{
    return r && row < r->nrows ? val_len(r->rows[row].bindings) : 0;
}

const char *verdict_result_prints(const verdict_result *r)
{
    return r && r->prints.data ? r->prints.data : "";
}

const char *verdict_result_test_cases(const verdict_result *r)
{
    return r && r->test_cases.data ? r->test_cases.data : "";
}

void verdict_result_free(verdict_result *r)
{
    if (!r)
        return;
    sb_free(&r->prints);
    sb_free(&r->test_cases);
    arena_free(r->a);
    free(r);
}

/* ---- decisions by path ---- */

static int path_keys(arena *a, const char *path, val ***keys)
{
    if (strncmp(path, "data.", 5) == 0 || strcmp(path, "data") == 0) {
        const char *p = path + 4;
        int n = 0;
        val **k = arena_alloc(a, sizeof *k * (strlen(path) + 1));
        while (*p == '.') {
            p++;
            const char *e = strchr(p, '.');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            k[n++] = val_string(a, p, len);
            p += len;
        }
        *keys = k;
        return n;
    }
    return engine_split_path(a, path, keys);
}

/* What a decision is asked with and what it returns.  The input is JSON
 * bytes or a value (input_val; NULL with input_json NULL: no input); the
 * decision comes back as JSON text, as a value in out_arena (parsed from
 * that text, so cached and fresh decisions look the same), and/or as
 * "is it exactly true". */
typedef struct decision_req {
    const char *path;
    const char *input_json;
    size_t input_len;
    const val *input_val;
    char **result_json;
    arena *out_arena;
    val **result_val;
    int *is_true;
    verdict_errors **errs;
} decision_req;

/* Hands a decision to the caller.  json is its text (NULL: undefined);
 * owned, when not NULL, is the same text in memory the caller may keep. */
static verdict_status deliver(const decision_req *q, bool defined, const char *json, char *owned)
{
    if (q->is_true)
        *q->is_true = defined && json && strcmp(json, "true") == 0;
    verdict_status st = defined ? VERDICT_OK : VERDICT_UNDEFINED;
    if (q->result_val && defined && json) {
        json_error je;
        *q->result_val = json_parse(q->out_arena, json, strlen(json), 0, &je);
        if (!*q->result_val)
            st = VERDICT_NOMEM; /* the text is our own JSON: only memory can fail */
    }
    if (q->result_json && json && !owned && !(owned = strdup(json)))
        st = VERDICT_NOMEM;
    if (q->result_json)
        *q->result_json = owned;
    else
        free(owned);
    return st;
}

/* One decision: from the cache when it holds it, else evaluated (and
 * cached unless the evaluation used a non-deterministic builtin). */
static verdict_status decide(verdict_engine *eng, const decision_req *q)
{
    vm *V = engine_thread_vm();
    if (!V)
        return VERDICT_NOMEM;
    snapshot *s = engine_use(eng); /* borrowed: no reference to release */
    if (!s)
        return VERDICT_NOMEM;
    const char *path = q->path;
    dcache *cache = eng->cache;
    dcache_hit h;
    dcache_l1 *l1 = cache && !q->input_val ? engine_thread_l1() : NULL;
    uint64_t raw_key = 0;
    if (cache && !q->input_val) {
        raw_key = dcache_raw_key(path, q->input_json, q->input_len);
        bool defined;
        const char *json;
        if (l1 && dcache_l1_get(l1, eng->id, s->generation, path, raw_key, q->input_json, q->input_len, &defined,
                                &json)) {
            engine_stat(eng, STAT_CACHE_HITS, 1);
            return deliver(q, defined, json, NULL);
        }
        if (dcache_get_raw(cache, s->generation, path, raw_key, q->input_json, q->input_len, &h)) {
            engine_stat(eng, STAT_CACHE_HITS, 1);
            if (l1)
                dcache_l1_put(l1, eng->id, s->generation, path, raw_key, q->input_json, q->input_len, h.json);
            return deliver(q, h.defined, h.json, h.json);
        }
    }
    vm_eval_opts vo;
    memset(&vo, 0, sizeof vo);
    vo.prog = s->prog->p;
    vo.data = s->data;
    vo.limits.max_instructions = eng->opts.instruction_limit;
    vo.limits.max_memory = eng->opts.memory_limit;
    vo.limits.timeout_ns = eng->opts.timeout_ns;
    vm_begin(V, &vo);
    val *in = (val *)q->input_val;
    if (q->input_json) {
        json_error je;
        in = json_parse(vm_arena(V), q->input_json, q->input_len, 0, &je);
        if (!in) {
            verdict_errors *e = errs_new();
            errs_add(e, "invalid_input", je.msg, "input", je.line, je.col);
            return fail_with(e, q->errs);
        }
    }
    if (in)
        vm_set_input(V, in);
    if (cache && dcache_get_value(cache, s->generation, path, in, &h)) {
        /* the same input written differently: remember these bytes too */
        if (q->input_json)
            dcache_put(cache, s->generation, path, q->input_json, q->input_len, NULL, h.json);
        engine_stat(eng, STAT_CACHE_HITS, 1);
        if (l1)
            dcache_l1_put(l1, eng->id, s->generation, path, raw_key, q->input_json, q->input_len, h.json);
        return deliver(q, h.defined, h.json, h.json);
    }
    if (cache)
        engine_stat(eng, STAT_CACHE_MISSES, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    val **keys;
    int n = path_keys(vm_arena(V), path, &keys);
    val *out;
    int rc = vm_eval_path(V, keys, n, &out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    engine_stat(eng, STAT_EVALUATIONS, 1);
    engine_stat(eng, STAT_EVAL_NS, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec)));
    if (rc != 0) {
        const vm_error *ve = vm_last_error(V);
        verdict_errors *e = errs_new();
        errs_add(e, ve->code, ve->message, ve->loc.file, ve->loc.row, ve->loc.col);
        return fail_with(e, q->errs);
    }
    char *json = NULL;
    if (out && (q->result_json || q->result_val || cache)) {
        strbuf sb = STRBUF_INIT;
        json_write(&sb, out, 0);
        json = sb_detach(&sb);
    }
    if (cache && !vm_used_nondeterminism(V)) {
        if (q->input_val || !q->input_json)
            dcache_put_value(cache, s->generation, path, in, json);
        if (q->input_json || !q->input_val)
            dcache_put(cache, s->generation, path, q->input_json, q->input_len, in, json);
        if (l1)
            dcache_l1_put(l1, eng->id, s->generation, path, raw_key, q->input_json, q->input_len, json);
    }
    decision_req r = *q;
    if (r.is_true && !json) {
        /* no text was made (no cache, no result asked for): look at the value */
        *r.is_true = out == VAL_TRUE_V;
        r.is_true = NULL;
    }
    return deliver(&r, out != NULL, json, json);
}

verdict_status verdict_eval(verdict_engine *eng, const char *path, const char *input_json, size_t input_len,
                            char **result_json, verdict_errors **errs)
{
    if (result_json)
        *result_json = NULL;
    if (errs)
        *errs = NULL;
    if (!eng || !path)
        return VERDICT_MISUSE;
    decision_req q = {.path = path, .input_json = input_json, .input_len = input_len,
                      .result_json = result_json, .errs = errs};
    return decide(eng, &q);
}

int verdict_allow(verdict_engine *eng, const char *path, const char *input_json, size_t input_len)
{
    if (!eng || !path)
        return 0;
    int yes = 0;
    decision_req q = {.path = path, .input_json = input_json, .input_len = input_len, .is_true = &yes};
    return decide(eng, &q) == VERDICT_OK && yes;
}

verdict_status verdict_eval_value(verdict_engine *eng, const char *path, const verdict_value *input,
                                  verdict_doc *out, const verdict_value **result, verdict_errors **errs)
{
    if (result)
        *result = NULL;
    if (errs)
        *errs = NULL;
    if (!eng || !path || (result && !out))
        return VERDICT_MISUSE;
    val *rv = NULL;
    decision_req q = {.path = path, .input_val = (const val *)input, .errs = errs};
    if (result) {
        q.out_arena = verdict_doc_arena(out);
        q.result_val = &rv;
    }
    verdict_status st = decide(eng, &q);
    if (result)
        *result = (const verdict_value *)rv;
    return st;
}

int verdict_allow_value(verdict_engine *eng, const char *path, const verdict_value *input)
{
    if (!eng || !path)
        return 0;
    int yes = 0;
    decision_req q = {.path = path, .input_val = (const val *)input, .is_true = &yes};
    return decide(eng, &q) == VERDICT_OK && yes;
}

void verdict_get_metrics(verdict_engine *eng, verdict_metrics *m)
{
    memset(m, 0, sizeof *m);
    if (!eng)
        return;
    m->evaluations = engine_stat_sum(eng, STAT_EVALUATIONS);
    m->eval_ns = engine_stat_sum(eng, STAT_EVAL_NS);
    m->cache_hits = engine_stat_sum(eng, STAT_CACHE_HITS);
    m->cache_misses = engine_stat_sum(eng, STAT_CACHE_MISSES);
    m->cache_bytes = eng->cache ? dcache_bytes(eng->cache) : 0;
}
