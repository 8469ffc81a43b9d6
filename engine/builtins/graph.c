/* graph.c — builtin group "graph": graph.reachable, graph.reachable_paths.
 *
 * A graph is an object from node to its neighbours (an array or a set;
 * any other value is a node without edges).  Behaviour follows OPA's
 * topdown/reachable.go: graph.reachable is every node reachable from the
 * initial ones that is a key of the graph; graph.reachable_paths is every
 * maximal path from an initial node, a path ending where a node has no
 * edges, is not in the graph (the path stops before it), or would repeat a
 * node already on the path.  Both walk with explicit stacks, so deep graphs
 * do not exhaust the C stack.  (graphql.* is graphql.c.) */
#include <string.h>

#include "../builtins.h"
#include "../value.h"

/* A vertex collection: array or set elements; anything else is empty. */
static val *const *vertices(const val *v, size_t *n)
{
    if (val_kind_of(v) == VAL_ARRAY) {
        *n = val_len(v);
        return val_array_items(v);
    }
    if (val_kind_of(v) == VAL_SET) {
        *n = val_len(v);
        return val_set_items(v);
    }
    *n = 0;
    return NULL;
}

static bi_status graph_operands(bi_ctx *c, val *const *args, val *const **initial, size_t *n)
{
    if (val_kind_of(args[0]) != VAL_OBJECT)
        return bi_operand_type(c, 1, args[0], "object");
    if (val_kind_of(args[1]) != VAL_ARRAY && val_kind_of(args[1]) != VAL_SET)
        return bi_operand_type(c, 2, args[1], "{array, set}");
    *initial = vertices(args[1], n);
    return BI_OK;
}

/* A growable array of values in the arena. */
typedef struct vstack {
    val **items;
    size_t n, cap;
} vstack;

static void vpush(arena *a, vstack *s, val *v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        val **ni = arena_alloc(a, cap * sizeof *ni);
        if (s->n)
            memcpy(ni, s->items, s->n * sizeof *ni);
        s->items = ni;
        s->cap = cap;
    }
    s->items[s->n++] = v;
}

static bi_status bi_reachable(bi_ctx *c, val *const *args, val **out)
{
    val *const *initial;
    size_t ninit;
    if (graph_operands(c, args, &initial, &ninit))
        return BI_ERR;
    val *graph = args[0];
    /* Breadth first; a node is reached when it has an entry in the graph. */
    val_setb seen, reached;
    val_setb_init(&seen, c->a);
    val_setb_init(&reached, c->a);
    vstack queue = {0};
    for (size_t i = 0; i < ninit; i++)
        if (val_setb_add(&seen, initial[i]))
            vpush(c->a, &queue, initial[i]);
    for (size_t q = 0; q < queue.n; q++) {
        val *node = queue.items[q];
        val *edges = val_object_get(graph, node);
        if (!edges)
            continue;
        size_t ne;
        val *const *nb = vertices(edges, &ne);
        for (size_t k = 0; k < ne; k++)
            if (val_setb_add(&seen, nb[k]))
                vpush(c->a, &queue, nb[k]);
        val_setb_add(&reached, node);
    }
    *out = val_setb_finish(&reached);
    return BI_OK;
}

typedef struct frame {
    val *const *items;  /* the neighbours being visited */
    size_t n, i;
    bool top;           /* the initial node's own neighbours */
} frame;

static bool on_path(const vstack *path, const val *v)
{
    for (size_t i = 0; i < path->n; i++)
        if (val_equal(path->items[i], v))
            return true;
    return false;
}

static void emit(bi_ctx *c, val_setb *result, const vstack *path)
{
    val_setb_add(result, val_array(c->a, path->items, path->n));
}

static bi_status bi_reachable_paths(bi_ctx *c, val *const *args, val **out)
{
    val *const *initial;
    size_t ninit;
    if (graph_operands(c, args, &initial, &ninit))
        return BI_ERR;
    val *graph = args[0];
    val_setb result;
    val_setb_init(&result, c->a);
    vstack path = {0};
    frame *frames = NULL;
    size_t nframes = 0, capframes = 0;
    for (size_t s = 0; s < ninit; s++) {
        val *node = initial[s];
        val *edges = val_object_get(graph, node);
        if (!edges)
            continue;
        size_t ne;
        val *const *nb = vertices(edges, &ne);
        path.n = 0;
        vpush(c->a, &path, node);
        if (ne == 0) {
            emit(c, &result, &path);
            continue;
        }
        nframes = 0;
        if (capframes == 0) {
            capframes = 16;
            frames = arena_alloc(c->a, capframes * sizeof *frames);
        }
        frames[nframes++] = (frame){nb, ne, 0, true};
        while (nframes > 0) {
            frame *f = &frames[nframes - 1];
            if (f->i == f->n) {
                if (!f->top)
                    path.n--;
                nframes--;
                continue;
            }
            val *next = f->items[f->i++];
            if (!f->top && on_path(&path, next)) {
                emit(c, &result, &path);    /* a cycle: the path ends here */
                continue;
            }
            val *e = val_object_get(graph, next);
            if (!e) {
                emit(c, &result, &path);    /* leaves the graph: stop before it */
                continue;
            }
            vpush(c->a, &path, next);
            size_t n2;
            val *const *nb2 = vertices(e, &n2);
            if (n2 == 0) {
                emit(c, &result, &path);
                path.n--;
                continue;
            }
            if (nframes == capframes) {
                frame *nf = arena_alloc(c->a, capframes * 2 * sizeof *nf);
                memcpy(nf, frames, nframes * sizeof *nf);
                frames = nf;
                capframes *= 2;
            }
            frames[nframes++] = (frame){nb2, n2, 0, false};
        }
    }
    *out = val_setb_finish(&result);
    return BI_OK;
}

const builtin_def bi_group_graph[] = {
    {"graph.reachable", 2, bi_reachable, 0, NULL},
    {"graph.reachable_paths", 2, bi_reachable_paths, 0, NULL},
    {0},
};
