/* testcases.c — internal.test_case calls for parameterized tests (testcases.h). */
#include "testcases.h"

#include <stdbool.h>
#include <string.h>

#include "../engine/arena.h"

#define TEST_CASE_FN "internal.test_case"

static bool is_test_case_call(const ast_term *t, void *ud)
{
    (void)ud;
    return t->kind == AST_CALL && t->call.fn_name && strcmp(t->call.fn_name, TEST_CASE_FN) == 0;
}

static bool is_named_var(const ast_term *t, void *ud)
{
    return t->kind == AST_VAR && !t->var.wildcard && strcmp(t->var.name, (const char *)ud) == 0;
}

typedef struct var_list {
    const char *names[16];
    int n;
} var_list;

static bool collect_var(const ast_term *t, void *ud)
{
    var_list *vl = ud;
    if (t->kind != AST_VAR || t->var.wildcard || t->var.name[0] == '$')
        return false;
    for (int i = 0; i < vl->n; i++)
        if (strcmp(vl->names[i], t->var.name) == 0)
            return false;
    if (vl->n < (int)(sizeof vl->names / sizeof *vl->names))
        vl->names[vl->n++] = t->var.name;
    return false;
}

/* ---- the rules ---- */

static const char *element_name(const ast_term *t)
{
    if (t->kind == AST_VAR)
        return t->var.name;
    if (t->kind == AST_SCALAR && val_kind_of(t->value) == VAL_STRING)
        return val_str(t->value);
    return NULL;
}

/* Index of the first tail term after the test name in the head reference
 * (within its ground prefix), or 0 when the rule is no test with a tail. */
static int tail_start(const ast_rule *r)
{
    if (r->kind != AST_RULE_COMPLETE || r->is_default || !r->head || r->head->kind != AST_REF)
        return 0;
    for (int i = 0; i < r->head->ref.n - 1; i++) {
        const ast_term *t = r->head->ref.items[i];
        const char *name = element_name(t);
        if (!name || (i > 0 && t->kind == AST_VAR))
            return 0;  /* past the ground prefix */
        if (strncmp(name, "test_", 5) == 0)
            return i + 1;
    }
    return 0;
}

static void inject(arena *a, ast_rule *r, int from)
{
    const ast_term *head = r->head;
    int ntail = head->ref.n - from;
    var_list vars = {{0}, 0};
    for (int i = from; i < head->ref.n; i++)
        ast_walk_term(head->ref.items[i], collect_var, &vars);
    if (vars.n == 0)
        return;  /* a ground tail is one document, not a set of cases */
    if (ast_walk_body(r->body, is_test_case_call, NULL))
        return;  /* the author placed the call (or it is there already) */

    /* after the first mention of each tail variable, the latest of those */
    int at = 0;
    for (int v = 0; v < vars.n; v++)
        for (int i = 0; i < r->body->n; i++)
            if (ast_walk_expr(r->body->exprs[i], is_named_var, (void *)vars.names[v])) {
                if (i + 1 > at)
                    at = i + 1;
                break;
            }

    ast_term *arr = arena_zalloc(a, sizeof *arr);
    arr->kind = AST_ARRAY;
    arr->loc = head->ref.items[from]->loc;
    arr->coll.n = ntail;
    arr->coll.items = arena_alloc(a, sizeof *arr->coll.items * (size_t)ntail);
    for (int i = 0; i < ntail; i++)
        arr->coll.items[i] = head->ref.items[from + i];
    ast_term *call = arena_zalloc(a, sizeof *call);
    call->kind = AST_CALL;
    call->loc = arr->loc;
    call->call.fn_name = TEST_CASE_FN;
    call->call.nargs = 1;
    call->call.args = arena_alloc(a, sizeof *call->call.args);
    call->call.args[0] = arr;
    /* the function term: a ref internal.test_case, as the parser writes calls */
    ast_term *fn = arena_zalloc(a, sizeof *fn);
    fn->kind = AST_VAR;
    fn->loc = arr->loc;
    fn->var.name = TEST_CASE_FN;
    call->call.fn = fn;
    ast_expr *e = arena_zalloc(a, sizeof *e);
    e->kind = AST_EXPR_TERM;
    e->generated = true;
    e->loc = arr->loc;
    e->term = call;

    ast_body *b = r->body;
    ast_expr **exprs = arena_alloc(a, sizeof *exprs * (size_t)(b->n + 1));
    for (int i = 0, j = 0; i <= b->n; i++)
        exprs[i] = i == at ? e : b->exprs[j++];
    b->exprs = exprs;
    b->n++;
}

void rego_inject_test_cases(ast_module **mods, int nmods)
{
    for (int m = 0; m < nmods; m++)
        for (int r = 0; r < mods[m]->nrules; r++)
            for (ast_rule *x = mods[m]->rules[r]; x; x = x->else_) {
                int from = tail_start(x);
                if (from > 0)
                    inject(mods[m]->arena, x, from);
            }
}
