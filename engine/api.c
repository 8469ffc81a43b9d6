/* api.c — include/verdict.h on top of the parser, compiler and VM.
 *
 * The active snapshot (program + base data) is immutable and reference
 * counted: an evaluation takes a reference under the engine's lock, then
 * runs without it; a commit builds a new snapshot and swaps the pointer.
 * Each thread keeps one VM (with its warm arena) for all its evaluations. */
#include "../include/verdict.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rego/ast.h"
#include "../rego/compile.h"
#include "json.h"
#include "strbuf.h"
#include "value.h"
#include "vm.h"
#include "yaml.h"

/* ---- errors ---- */

typedef struct err_item {
    char *code, *message, *file;
    int row, col;
} err_item;

struct verdict_errors {
    err_item *items;
    size_t n, cap;
};

static verdict_errors *errs_new(void) { return calloc(1, sizeof(verdict_errors)); }

static void errs_add(verdict_errors *e, const char *code, const char *msg, const char *file, int row,
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

static void errs_from_rego(verdict_errors *e, const rego_errors *re)
{
    for (const rego_error *x = re->head; x; x = x->next)
        errs_add(e, x->code, x->message, x->file, x->row, x->col);
}

/* Hand the list to the caller (or drop it). */
static verdict_status fail_with(verdict_errors *e, verdict_errors **out)
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

/* ---- snapshots ---- */

typedef struct snapshot {
    atomic_int refs;
    program *prog;
    arena *data_arena;
    val *data;
} snapshot;

static void snapshot_release(snapshot *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    program_free(s->prog);
    arena_free(s->data_arena);
    free(s);
}

typedef struct module_entry {
    char *file;
    arena *a;
    ast_module *m;
} module_entry;

typedef struct staged_data {
    char *source;
    val **keys;         /* where under data */
    int nkeys;
    val *doc;
} staged_data;

struct verdict_engine {
    verdict_options opts;
    pthread_mutex_t lock;
    snapshot *active;
    module_entry *mods;         /* modules of the active snapshot */
    int nmods;
    module_entry *staged;
    int nstaged;
    arena *stage_arena;         /* staged data documents */
    staged_data *sdata;
    int nsdata, capsdata;
};

static snapshot *acquire(verdict_engine *eng)
{
    pthread_mutex_lock(&eng->lock);
    snapshot *s = eng->active;
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&eng->lock);
    return s;
}

/* One VM per thread, freed when the thread ends. */
static pthread_key_t vm_key;
static pthread_once_t vm_once = PTHREAD_ONCE_INIT;
static void vm_destroy(void *p) { vm_free(p); }
static void vm_key_init(void) { pthread_key_create(&vm_key, vm_destroy); }

static vm *thread_vm(void)
{
    pthread_once(&vm_once, vm_key_init);
    vm *V = pthread_getspecific(vm_key);
    if (!V) {
        V = vm_new();
        if (V)
            pthread_setspecific(vm_key, V);
    }
    return V;
}

verdict_engine *verdict_new(const verdict_options *opts)
{
    verdict_engine *eng = calloc(1, sizeof *eng);
    if (!eng)
        return NULL;
    if (opts)
        eng->opts = *opts;
    pthread_mutex_init(&eng->lock, NULL);
    eng->stage_arena = arena_new(64 * 1024);
    snapshot *s = calloc(1, sizeof *s);
    rego_errors re = {0};
    if (s)
        s->prog = rego_compile(NULL, 0, &re);
    rego_errors_free(&re);
    if (!eng->stage_arena || !s || !s->prog) {
        if (s)
            program_free(s->prog);
        free(s);
        arena_free(eng->stage_arena);
        free(eng);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->data = VAL_EMPTY_OBJECT_V;
    eng->active = s;
    return eng;
}

static void module_entry_free(module_entry *m)
{
    free(m->file);
    arena_free(m->a);
}

void verdict_free(verdict_engine *eng)
{
    if (!eng)
        return;
    snapshot_release(eng->active);
    for (int i = 0; i < eng->nmods; i++)
        module_entry_free(&eng->mods[i]);
    for (int i = 0; i < eng->nstaged; i++)
        module_entry_free(&eng->staged[i]);
    free(eng->mods);
    free(eng->staged);
    for (int i = 0; i < eng->nsdata; i++)
        free(eng->sdata[i].source);
    free(eng->sdata);
    arena_free(eng->stage_arena);
    pthread_mutex_destroy(&eng->lock);
    free(eng);
}

/* ---- staging ---- */

verdict_status verdict_add_module(verdict_engine *eng, const char *filename, const char *text, size_t len,
                                  verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || !filename || (!text && len))
        return VERDICT_MISUSE;
    arena *a = arena_new(64 * 1024);
    if (!a)
        return VERDICT_NOMEM;
    rego_errors re = {0};
    parse_opts po = {eng->opts.v0_compatible ? AST_REGO_V0 : AST_REGO_V1};
    ast_module *m = rego_parse_module(a, filename, text ? text : "", len, &po, &re);
    if (!m) {
        verdict_errors *e = errs_new();
        errs_from_rego(e, &re);
        if (re.n == 0)
            errs_add(e, "rego_parse_error", "module could not be parsed", filename, 0, 0);
        rego_errors_free(&re);
        arena_free(a);
        return fail_with(e, errs);
    }
    rego_errors_free(&re);
    pthread_mutex_lock(&eng->lock);
    module_entry *st = realloc(eng->staged, sizeof *st * (size_t)(eng->nstaged + 1));
    if (!st) {
        pthread_mutex_unlock(&eng->lock);
        arena_free(a);
        return VERDICT_NOMEM;
    }
    eng->staged = st;
    st[eng->nstaged].file = strdup(filename);
    st[eng->nstaged].a = a;
    st[eng->nstaged].m = m;
    eng->nstaged++;
    pthread_mutex_unlock(&eng->lock);
    return VERDICT_OK;
}

/* "a/b", "/a/b", "" -> keys (strings) */
static int split_path(arena *a, const char *path, val ***keys)
{
    int n = 0;
    val **k = arena_alloc(a, sizeof *k * (strlen(path) + 1));
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        k[n++] = val_string(a, p, len);
        p += len;
    }
    *keys = k;
    return n;
}

static verdict_status add_data(verdict_engine *eng, const char *path, const char *text, size_t len,
                               const char *source, int yaml, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng || (!text && len))
        return VERDICT_MISUSE;
    pthread_mutex_lock(&eng->lock);
    json_error je;
    val *doc = yaml ? yaml_parse(eng->stage_arena, text ? text : "", len, &je)
                    : json_parse(eng->stage_arena, text ? text : "", len, 0, &je);
    if (!doc) {
        pthread_mutex_unlock(&eng->lock);
        verdict_errors *e = errs_new();
        char msg[400];
        snprintf(msg, sizeof msg, "%s", je.msg);
        errs_add(e, yaml ? "yaml_parse_error" : "json_parse_error", msg, source ? source : "", je.line, je.col);
        return fail_with(e, errs);
    }
    if (eng->nsdata == eng->capsdata) {
        int cap = eng->capsdata ? eng->capsdata * 2 : 8;
        staged_data *sd = realloc(eng->sdata, sizeof *sd * (size_t)cap);
        if (!sd) {
            pthread_mutex_unlock(&eng->lock);
            return VERDICT_NOMEM;
        }
        eng->sdata = sd;
        eng->capsdata = cap;
    }
    staged_data *sd = &eng->sdata[eng->nsdata++];
    sd->source = strdup(source ? source : "");
    sd->nkeys = split_path(eng->stage_arena, path ? path : "", &sd->keys);
    sd->doc = doc;
    pthread_mutex_unlock(&eng->lock);
    return VERDICT_OK;
}

verdict_status verdict_add_data_json(verdict_engine *eng, const char *path, const char *json, size_t len,
                                     const char *source, verdict_errors **errs)
{
    return add_data(eng, path, json, len, source, 0, errs);
}

verdict_status verdict_add_data_yaml(verdict_engine *eng, const char *path, const char *yaml, size_t len,
                                     const char *source, verdict_errors **errs)
{
    return add_data(eng, path, yaml, len, source, 1, errs);
}

/* Deep merge of b into a (objects merge; anything else conflicts). */
static val *merge_docs(arena *ar, val *a, val *b, strbuf *conflict, val *path)
{
    if (!a)
        return b;
    if (a->kind != VAL_OBJECT || b->kind != VAL_OBJECT) {
        if (val_equal(a, b))
            return a;
        sb_puts(conflict, "data");
        for (uint32_t i = 0; i < val_len(path); i++)
            sb_printf(conflict, ".%s", val_str(val_array_items(path)[i]));
        return NULL;
    }
    val_objb ob;
    val_objb_init(&ob, ar);
    for (uint32_t i = 0; i < val_len(a); i++)
        val_objb_set(&ob, val_object_keys(a)[i], val_object_values(a)[i]);
    for (uint32_t i = 0; i < val_len(b); i++) {
        val *k = val_object_keys(b)[i];
        val *prev = val_objb_get(&ob, k);
        val *v = val_object_values(b)[i];
        if (prev) {
            varr *np = val_array_alloc(ar, val_len(path) + 1);
            for (uint32_t j = 0; j < val_len(path); j++)
                np->items[j] = val_array_items(path)[j];
            np->items[val_len(path)] = k->kind == VAL_STRING ? k : val_cstring(ar, "?");
            v = merge_docs(ar, prev, v, conflict, val_array_seal(np));
            if (!v)
                return NULL;
        }
        val_objb_set(&ob, k, v);
    }
    return val_objb_finish(&ob);
}

static val *wrap_at(arena *a, val *const *keys, int n, val *doc)
{
    for (int i = n - 1; i >= 0; i--)
        doc = val_object(a, &keys[i], &doc, 1);
    return doc;
}

verdict_status verdict_commit(verdict_engine *eng, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!eng)
        return VERDICT_MISUSE;
    pthread_mutex_lock(&eng->lock);
    verdict_errors *e = errs_new();
    /* modules: the active ones, replaced or extended by the staged ones */
    int total = eng->nmods + eng->nstaged;
    ast_module **mods = malloc(sizeof *mods * (size_t)(total + 1));
    int nm = 0;
    for (int i = 0; i < eng->nmods; i++) {
        bool replaced = false;
        for (int j = 0; j < eng->nstaged; j++)
            replaced |= strcmp(eng->mods[i].file, eng->staged[j].file) == 0;
        if (!replaced)
            mods[nm++] = eng->mods[i].m;
    }
    for (int j = 0; j < eng->nstaged; j++) {
        bool later = false;
        for (int k = j + 1; k < eng->nstaged; k++)
            later |= strcmp(eng->staged[j].file, eng->staged[k].file) == 0;
        if (!later)
            mods[nm++] = eng->staged[j].m;
    }
    /* data: the active document with the staged ones merged in */
    arena *da = arena_new(256 * 1024);
    val *data = eng->active->data;
    strbuf conflict = STRBUF_INIT;
    for (int i = 0; i < eng->nsdata && data; i++) {
        staged_data *sd = &eng->sdata[i];
        val *doc = wrap_at(da, sd->keys, sd->nkeys, sd->doc);
        if (doc->kind != VAL_OBJECT) {
            errs_add(e, "storage_invalid_patch_error", "the root of data must be an object", sd->source, 0, 0);
            data = NULL;
            break;
        }
        data = merge_docs(da, data, doc, &conflict, VAL_EMPTY_ARRAY_V);
        if (!data) {
            char msg[512];
            snprintf(msg, sizeof msg, "merge error: conflicting values for %s", conflict.data ? conflict.data : "data");
            errs_add(e, "storage_write_conflict_error", msg, sd->source, 0, 0);
        }
    }
    sb_free(&conflict);
    program *prog = NULL;
    if (data) {
        rego_errors re = {0};
        prog = rego_compile(mods, nm, &re);
        errs_from_rego(e, &re);
        rego_errors_free(&re);
    }
    free(mods);
    snapshot *s = NULL;
    if (prog && e->n == 0) {
        s = calloc(1, sizeof *s);
        if (s) {
            atomic_init(&s->refs, 1);
            s->prog = prog;
            s->data_arena = arena_new(256 * 1024);
            s->data = s->data_arena ? val_copy(s->data_arena, data) : NULL;
        }
        if (!s || !s->data) {
            errs_add(e, "internal_error", "out of memory", "", 0, 0);
            if (s) {
                arena_free(s->data_arena);
                free(s);
            }
            s = NULL;
        }
    }
    arena_free(da);
    if (!s) {
        program_free(prog);
        /* staged changes are dropped: the active snapshot stays as it was */
        for (int j = 0; j < eng->nstaged; j++)
            module_entry_free(&eng->staged[j]);
        eng->nstaged = 0;
        for (int i = 0; i < eng->nsdata; i++)
            free(eng->sdata[i].source);
        eng->nsdata = 0;
        arena_reset(eng->stage_arena);
        pthread_mutex_unlock(&eng->lock);
        if (e->n == 0)
            errs_add(e, "rego_compile_error", "compilation failed", "", 0, 0);
        return fail_with(e, errs);
    }
    /* the new module set */
    module_entry *nmods = malloc(sizeof *nmods * (size_t)(total + 1));
    int n = 0;
    for (int i = 0; i < eng->nmods; i++) {
        bool replaced = false;
        for (int j = 0; j < eng->nstaged; j++)
            replaced |= strcmp(eng->mods[i].file, eng->staged[j].file) == 0;
        if (replaced)
            module_entry_free(&eng->mods[i]);
        else
            nmods[n++] = eng->mods[i];
    }
    for (int j = 0; j < eng->nstaged; j++) {
        bool later = false;
        for (int k = j + 1; k < eng->nstaged; k++)
            later |= strcmp(eng->staged[j].file, eng->staged[k].file) == 0;
        if (later)
            module_entry_free(&eng->staged[j]);
        else
            nmods[n++] = eng->staged[j];
    }
    free(eng->mods);
    eng->mods = nmods;
    eng->nmods = n;
    eng->nstaged = 0;
    for (int i = 0; i < eng->nsdata; i++)
        free(eng->sdata[i].source);
    eng->nsdata = 0;
    arena_reset(eng->stage_arena);
    snapshot *old = eng->active;
    eng->active = s;
    pthread_mutex_unlock(&eng->lock);
    snapshot_release(old);
    verdict_errors_free(e);
    return VERDICT_OK;
}

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
        parse_opts po = {AST_REGO_V1};
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

/* Parse and compile a query against the active snapshot (referenced in *s). */
static compiled_query *prepare(verdict_engine *eng, const char *query, arena *a, snapshot **s, verdict_errors *e)
{
    rego_errors re = {0};
    parse_opts po = {eng->opts.v0_compatible ? AST_REGO_V0 : AST_REGO_V1};
    ast_body *body = rego_parse_query(a, query, strlen(query), &po, &re);
    *s = acquire(eng);
    compiled_query *cq = NULL;
    if (body && body->n == 0)
        errs_add(e, "rego_compile_error", "empty query", "", 0, 0);
    else if (body)
        cq = rego_compile_query((*s)->prog, body, &re);
    errs_from_rego(e, &re);
    rego_errors_free(&re);
    return cq;
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
    vm *V = thread_vm();
    if (!V)
        errs_add(e, "internal_error", "out of memory", "", 0, 0);
    if (e->n == 0) {
        vm_eval_opts vo;
        memset(&vo, 0, sizeof vo);
        vo.prog = s->prog;
        vo.data = s->data;
        vo.strict_builtin_errors = opts && opts->strict_builtin_errors;
        vo.limits.max_instructions = eo->instruction_limit;
        vo.limits.max_memory = eo->memory_limit;
        vo.limits.timeout_ns = eo->timeout_ns;
        vo.prints = &r->prints;
        vm_begin(V, &vo);
        /* the input lives in the evaluation's arena, so it is parsed after vm_begin */
        val *input = parse_input(vm_arena(V), opts, e);
        if (e->n == 0) {
            vm_set_input(V, input);
            r->shape = &cq->shape;
            if (vm_run_query(V, cq, on_row, r) != 0) {
                const vm_error *ve = vm_last_error(V);
                errs_add(e, ve->code, ve->message, ve->loc.file, ve->loc.row, ve->loc.col);
                keep_rows = vm_last_error_deferred(V);
            }
            r->eval_bytes = vm_arena(V)->used;
        }
    }
    if (e->n == 0 || keep_rows) {
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
    if (e->n) {
        if (keep_rows)
            *out = r;
        else
            verdict_result_free(r);
        return fail_with(e, errs);
    }
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
    compiled_query *cq = prepare(eng, query, a, &s, e);
    verdict_status st;
    if (e->n) {
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
    p->cq = prepare(eng, p->query, p->a, &p->s, e);
    if (e->n) {
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

void verdict_result_free(verdict_result *r)
{
    if (!r)
        return;
    sb_free(&r->prints);
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
    return split_path(a, path, keys);
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
    vm *V = thread_vm();
    if (!V)
        return VERDICT_NOMEM;
    snapshot *s = acquire(eng);
    vm_eval_opts vo;
    memset(&vo, 0, sizeof vo);
    vo.prog = s->prog;
    vo.data = s->data;
    vo.limits.max_instructions = eng->opts.instruction_limit;
    vo.limits.max_memory = eng->opts.memory_limit;
    vo.limits.timeout_ns = eng->opts.timeout_ns;
    vm_begin(V, &vo);
    verdict_errors *e = NULL;
    if (input_json) {
        json_error je;
        val *in = json_parse(vm_arena(V), input_json, input_len, 0, &je);
        if (!in) {
            e = errs_new();
            errs_add(e, "invalid_input", je.msg, "input", je.line, je.col);
            snapshot_release(s);
            return fail_with(e, errs);
        }
        vm_set_input(V, in);
    }
    val **keys;
    int n = path_keys(vm_arena(V), path, &keys);
    val *out;
    verdict_status st;
    if (vm_eval_path(V, keys, n, &out) != 0) {
        const vm_error *ve = vm_last_error(V);
        e = errs_new();
        errs_add(e, ve->code, ve->message, ve->loc.file, ve->loc.row, ve->loc.col);
        st = fail_with(e, errs);
    } else if (!out) {
        st = VERDICT_UNDEFINED;
    } else {
        if (result_json) {
            strbuf sb = STRBUF_INIT;
            json_write(&sb, out, 0);
            *result_json = sb_detach(&sb);
        }
        st = VERDICT_OK;
    }
    snapshot_release(s);
    return st;
}

int verdict_allow(verdict_engine *eng, const char *path, const char *input_json, size_t input_len)
{
    if (!eng || !path)
        return 0;
    vm *V = thread_vm();
    if (!V)
        return 0;
    snapshot *s = acquire(eng);
    vm_eval_opts vo;
    memset(&vo, 0, sizeof vo);
    vo.prog = s->prog;
    vo.data = s->data;
    vo.limits.max_instructions = eng->opts.instruction_limit;
    vo.limits.max_memory = eng->opts.memory_limit;
    vo.limits.timeout_ns = eng->opts.timeout_ns;
    vm_begin(V, &vo);
    int allowed = 0;
    json_error je;
    val *in = input_json ? json_parse(vm_arena(V), input_json, input_len, 0, &je) : NULL;
    if (!input_json || in) {
        vm_set_input(V, in);
        val **keys;
        int n = path_keys(vm_arena(V), path, &keys);
        val *out;
        allowed = vm_eval_path(V, keys, n, &out) == 0 && out == VAL_TRUE_V;
    }
    snapshot_release(s);
    return allowed;
}
