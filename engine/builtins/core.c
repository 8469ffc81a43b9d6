/* core.c — builtins the language itself is built on: membership (`x in xs`,
 * `k, v in xs`), walk, print and trace. */
#include <stdio.h>

#include "../builtins.h"
#include "../json.h"
#include "../strbuf.h"

/* ---- membership ---- */

/* internal.member_2(x, coll): x is an element of a set or array, or a value
 * of an object.  Anything else holds nothing, which is false, not an error. */
static bi_status bi_member_2(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    const val *x = args[0], *coll = args[1];
    bool found = false;
    switch (val_kind_of(coll)) {
    case VAL_SET:
        found = val_set_contains(coll, x);
        break;
    case VAL_ARRAY:
        for (uint32_t i = 0; i < val_len(coll) && !found; i++)
            found = val_equal(val_array_items(coll)[i], x);
        break;
    case VAL_OBJECT:
        for (uint32_t i = 0; i < val_len(coll) && !found; i++)
            found = val_equal(val_object_values(coll)[i], x);
        break;
    default:
        break;
    }
    *out = val_bool(found);
    return BI_OK;
}

/* internal.member_3(k, v, coll): coll[k] is v.  Arrays are indexed by
 * integers (as written: 1.0 is not an index); a set's element is its own
 * key. */
static bi_status bi_member_3(bi_ctx *c, val *const *args, val **out)
{
    (void)c;
    const val *k = args[0], *v = args[1], *coll = args[2];
    bool found = false;
    switch (val_kind_of(coll)) {
    case VAL_SET:
        found = val_set_contains(coll, k) && val_equal(k, v);
        break;
    case VAL_ARRAY:
        if (val_is_int(k) && val_int_value(k) >= 0 && val_int_value(k) < (int64_t)val_len(coll))
            found = val_equal(val_array_items(coll)[val_int_value(k)], v);
        break;
    case VAL_OBJECT: {
        const val *got = val_object_get(coll, k);
        found = got && val_equal(got, v);
        break;
    }
    default:
        break;
    }
    *out = val_bool(found);
    return BI_OK;
}

/* ---- walk ----
 * A relation: every node of the value with its path, as [path, value] pairs,
 * the root first ([[], x]) and then each child's subtree in order (array
 * indexes, object keys, set elements — a set element is its own path key). */

typedef struct walker {
    arena *a;
    val_arrb pairs;
    val **path;         /* keys from the root to the current node */
    size_t depth, cap;
} walker;

static void walk_node(walker *w, val *node)
{
    val *pair[2] = {val_array(w->a, w->path, w->depth), node};
    val_arrb_push(&w->pairs, val_array(w->a, pair, 2));

    uint32_t n = val_len(node);
    val_kind k = val_kind_of(node);
    if ((k != VAL_ARRAY && k != VAL_OBJECT && k != VAL_SET) || n == 0)
        return;
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        val **p = arena_alloc(w->a, sizeof *p * cap);
        for (size_t i = 0; i < w->depth; i++)
            p[i] = w->path[i];
        w->path = p;
        w->cap = cap;
    }
    size_t d = w->depth++;
    for (uint32_t i = 0; i < n; i++) {
        val *key, *child;
        if (k == VAL_ARRAY) {
            key = val_int(w->a, i);
            child = val_array_items(node)[i];
        } else if (k == VAL_OBJECT) {
            key = val_object_keys(node)[i];
            child = val_object_values(node)[i];
        } else {
            key = child = val_set_items(node)[i];
        }
        w->path[d] = key;
        walk_node(w, child);
    }
    w->depth--;
}

static bi_status bi_walk(bi_ctx *c, val *const *args, val **out)
{
    walker w = {.a = c->a};
    val_arrb_init(&w.pairs, c->a);
    walk_node(&w, args[0]);
    *out = val_arrb_finish(&w.pairs);
    return BI_OK;
}

/* ---- print ----
 * The compiler rewrites print(a, b, ...) into internal.print([A, B, ...])
 * where each operand is the set of values the argument took (empty when it
 * was undefined).  One line is written per combination of values, the
 * values separated by spaces: strings as they are, other values in Rego
 * syntax, an empty set as <undefined>. */

static void print_value(strbuf *sb, const val *v)
{
    if (val_kind_of(v) == VAL_STRING)
        sb_append(sb, val_str(v), val_len(v));
    else
        val_write_rego(sb, v);
}

/* choice[i]: the value printed for operand i; NULL prints <undefined>. */
static void print_lines(strbuf *sb, val *const *ops, size_t n, const val **choice, size_t i)
{
    if (i == n) {
        for (size_t j = 0; j < n; j++) {
            if (j)
                sb_putc(sb, ' ');
            if (choice[j])
                print_value(sb, choice[j]);
            else
                sb_puts(sb, "<undefined>");
        }
        sb_putc(sb, '\n');
        return;
    }
    const val *op = ops[i];
    if (val_kind_of(op) != VAL_SET) { /* a plain value stands for itself */
        choice[i] = op;
        print_lines(sb, ops, n, choice, i + 1);
        return;
    }
    if (val_len(op) == 0) {
        choice[i] = NULL;
        print_lines(sb, ops, n, choice, i + 1);
        return;
    }
    for (uint32_t k = 0; k < val_len(op); k++) {
        choice[i] = val_set_items(op)[k];
        print_lines(sb, ops, n, choice, i + 1);
    }
}

static bi_status bi_print(bi_ctx *c, val *const *args, val **out)
{
    *out = VAL_TRUE_V;
    if (!c->print_out)
        return BI_OK; /* as OPA without a print hook: nothing is checked */
    const val *arr = args[0];
    if (val_kind_of(arr) != VAL_ARRAY)
        return bi_operand_type(c, 1, arr, "array");
    size_t n = val_len(arr);
    val *const *ops = val_array_items(arr);
    /* Only sets and scalars are meaningful operands. */
    for (size_t i = 0; i < n; i++) {
        val_kind k = val_kind_of(ops[i]);
        if (k == VAL_ARRAY || k == VAL_OBJECT)
            return bi_error(c, "illegal argument type: %s", val_type_name(ops[i]));
    }
    const val **choice = arena_alloc(c->a, sizeof *choice * (n ? n : 1));
    print_lines(c->print_out, ops, n, choice, 0);
    return BI_OK;
}

/* ---- template strings ----
 * $"a{x}b" compiles to internal.template_string(["a", {values of x}, "b"]):
 * the parts formatted as print formats them, joined.  An expression with no
 * value reads <undefined>; one with several values is a conflict. */

static bi_status bi_template_string(bi_ctx *c, val *const *args, val **out)
{
    const val *arr = args[0];
    if (val_kind_of(arr) != VAL_ARRAY)
        return bi_operand_type(c, 1, arr, "array");
    strbuf sb = STRBUF_INIT;
    for (uint32_t i = 0; i < val_len(arr); i++) {
        const val *op = val_array_items(arr)[i];
        val_kind k = val_kind_of(op);
        if (k == VAL_ARRAY || k == VAL_OBJECT) {
            sb_free(&sb);
            return bi_error(c, "illegal argument type: %s", val_type_name(op));
        }
        if (k != VAL_SET) {
            print_value(&sb, op);
        } else if (val_len(op) == 0) {
            sb_puts(&sb, "<undefined>");
        } else if (val_len(op) == 1) {
            print_value(&sb, val_set_items(op)[0]);
        } else {
            sb_free(&sb);
            c->err_code = "eval_conflict_error";
            snprintf(c->err_msg, sizeof c->err_msg, "template-strings must not produce multiple outputs");
            return BI_ERR;
        }
    }
    *out = val_string(c->a, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return BI_OK;
}

/* ---- trace ---- */

static bi_status bi_trace(bi_ctx *c, val *const *args, val **out)
{
    const val *note = args[0];
    if (val_kind_of(note) != VAL_STRING)
        return bi_operand_type(c, 1, note, "string");
    if (c->trace_out) {
        sb_append(c->trace_out, val_str(note), val_len(note));
        sb_putc(c->trace_out, '\n');
    }
    *out = VAL_TRUE_V;
    return BI_OK;
}

const builtin_def bi_group_core[] = {
    {"internal.member_2", 2, bi_member_2, BI_F_BOOL_TEST, "in"},
    {"internal.member_3", 3, bi_member_3, BI_F_BOOL_TEST, "in"},
    {"walk", 1, bi_walk, BI_F_RELATION, NULL},
    {"internal.print", 1, bi_print, BI_F_VOID, NULL},
    {"internal.template_string", 1, bi_template_string, 0, NULL},
    {"trace", 1, bi_trace, 0, NULL},
    {0},
};
