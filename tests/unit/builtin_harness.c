/* The harness the builtin groups' unit tests share (builtin_harness.h).  It
 * defines no suite: the unit test driver links it with the test files. */
#include "builtin_harness.h"

#include <check.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json.h"
#include "engine/strbuf.h"
#include "include/verdict.h"

arena A;
bi_ctx ctx;

void builtin_setup(void)
{
    arena_init(&A, 1 << 16);
    memset(&ctx, 0, sizeof ctx);
    ctx.a = &A;
}

void builtin_teardown(void) { arena_release(&A); }

/* JSON with the $set / $obj notation turned into Rego values. */
static val *rego_of(val *v)
{
    if (val_kind_of(v) == VAL_ARRAY) {
        size_t n = val_len(v);
        val **items = arena_alloc(&A, (n + 1) * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = rego_of(val_array_items(v)[i]);
        return val_array(&A, items, n);
    }
    if (val_kind_of(v) != VAL_OBJECT)
        return v;
    val *set = val_object_get_str(v, "$set", 4), *obj = val_object_get_str(v, "$obj", 4);
    if (set && val_len(v) == 1) {
        val *items = rego_of(set);
        return val_set(&A, val_array_items(items), val_len(items));
    }
    size_t n = obj && val_len(v) == 1 ? val_len(obj) : val_len(v);
    val **keys = arena_alloc(&A, (n + 1) * sizeof *keys), **vals = arena_alloc(&A, (n + 1) * sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        if (obj && val_len(v) == 1) {
            val *pair = val_array_items(obj)[i];
            keys[i] = rego_of(val_array_items(pair)[0]);
            vals[i] = rego_of(val_array_items(pair)[1]);
        } else {
            keys[i] = val_object_keys(v)[i];
            vals[i] = rego_of(val_object_values(v)[i]);
        }
    }
    return val_object(&A, keys, vals, n);
}

val *J(const char *text)
{
    json_error err;
    val *v = json_parse(&A, text, strlen(text), 0, &err);
    ck_assert_msg(v != NULL, "bad JSON in test: %s (%s)", text, err.msg);
    return rego_of(v);
}

const char *rego_text(const val *v)
{
    strbuf sb = STRBUF_INIT;
    val_write_rego(&sb, v);
    char *s = arena_strndup(&A, sb.data, sb.len);
    sb_free(&sb);
    return s;
}

bi_status call_builtin(const char *name, val *const *args, int nargs, val **out)
{
    const builtin_def *d = builtin_lookup(name);
    ck_assert_msg(d != NULL, "builtin %s not registered", name);
    ck_assert_msg(d->arity == nargs, "%s: arity %d, called with %d", name, d->arity, nargs);
    memset(ctx.err_msg, 0, sizeof ctx.err_msg);
    ctx.err_code = NULL;
    ctx.def = d;
    *out = NULL;
    return d->fn(&ctx, args, out);
}

char *call_text(const char *name, val *const *args, int nargs, result_format fmt)
{
    val *out;
    bi_status st = call_builtin(name, args, nargs, &out);
    strbuf got = STRBUF_INIT;
    if (st == BI_OK) {
        ck_assert_ptr_nonnull(out);
        sb_putc(&got, '=');
        if (fmt == AS_JSON)
            json_write(&got, out, 0);
        else
            val_write_rego(&got, out);
    } else if (st == BI_UNDEF) {
        sb_putc(&got, '?');
    } else {
        sb_printf(&got, "!%s: %s", ctx.err_code, ctx.err_msg);
    }
    return sb_detach(&got);
}

static void run_case(const tcase *t)
{
    val *args[4] = {NULL, NULL, NULL, NULL};
    int n = 0;
    while (n < 4 && t->args[n]) {
        args[n] = J(t->args[n]);
        n++;
    }
    char *got = call_text(t->name, args, n, AS_REGO);
    strbuf call = STRBUF_INIT;
    sb_printf(&call, "%s(", t->name);
    for (int i = 0; i < n; i++)
        sb_printf(&call, "%s%s", i ? ", " : "", t->args[i]);
    sb_putc(&call, ')');
    ck_assert_msg(strcmp(got, t->want) == 0, "%s:\n  got  %s\n  want %s", call.data, got, t->want);
    sb_free(&call);
    free(got);
}

void run_table(const tcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        run_case(&cases[i]);
}

void expect_arena_limit_hit(const char *name, val *const *args)
{
    const builtin_def *d = builtin_lookup(name);
    ck_assert_msg(d != NULL, "builtin %s not registered", name);
    arena small;
    arena_init(&small, 1024);
    jmp_buf jb;
    bi_ctx c2;
    memset(&c2, 0, sizeof c2);
    c2.a = &small;
    c2.def = d;
    small.limit = 4096;
    small.oom = &jb;
    volatile int jumped = 0;
    val *out = NULL;
    if (setjmp(jb) == 0)
        d->fn(&c2, args, &out);
    else
        jumped = 1;
    ck_assert_msg(jumped, "%s: expected the arena limit to be hit", name);
    small.oom = NULL;
    arena_release(&small);
}

char *eval_value(const char *module, const char *query, int strict)
{
    verdict_engine *e = verdict_new(NULL);
    verdict_errors *errs = NULL;
    char *out = NULL;
    verdict_result *r = NULL;
    if ((module && verdict_add_module(e, "test.rego", module, strlen(module), &errs) != VERDICT_OK) ||
        verdict_commit(e, &errs) != VERDICT_OK)
        goto fail;
    verdict_query_options qo = {0};
    qo.strict_builtin_errors = strict;
    if (verdict_query(e, query, &qo, &r, &errs) != VERDICT_OK)
        goto fail;
    out = verdict_result_count(r) ? verdict_result_expr_value(r, 0, 0, 0) : strdup("undefined");
    verdict_result_free(r);
    verdict_free(e);
    return out;
fail: {
    size_t n = strlen(verdict_error_code(errs, 0)) + strlen(verdict_error_message(errs, 0)) + 16;
    out = malloc(n);
    snprintf(out, n, "error: %s: %s", verdict_error_code(errs, 0), verdict_error_message(errs, 0));
    verdict_errors_free(errs);
    verdict_free(e);
    return out;
}
}
