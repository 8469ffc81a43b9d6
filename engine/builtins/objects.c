/* objects.c — builtin group "objects": object.get, object.keys,
 * object.remove, object.filter, object.union, object.union_n,
 * object.subset, json.filter, json.remove, json.patch.
 *
 * Behaviour follows OPA's topdown/object.go, subset.go and json.go (with
 * ast's Object.Filter and the EditTree behind json.patch): keys compare by
 * Rego equality; JSON paths are "/"-separated strings (with ~0 and ~1
 * escapes) or arrays of segments; where OPA looks up array elements in a
 * path object by the decimal string of their index, so does this code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../builtins.h"
#include "../value.h"
#include "strings_util.h"

static bi_status want_object(bi_ctx *c, val *v, int pos)
{
    return val_kind_of(v) == VAL_OBJECT ? BI_OK : bi_operand_type(c, pos, v, "object");
}

/* ---- object.get ---- */

/* ast Value.Find: follow path[0..n) through objects (by key), arrays (by
 * integer index) and sets (by element).  NULL when it leads nowhere. */
static val *find_path(val *v, val *const *path, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        val *seg = path[i];
        switch (val_kind_of(v)) {
        case VAL_OBJECT:
            v = val_object_get(v, seg);
            if (!v)
                return NULL;
            break;
        case VAL_ARRAY: {
            int64_t idx;
            if (!txt_number_int(seg, &idx) || idx < 0 || (uint64_t)idx >= val_len(v))
                return NULL;
            v = val_array_items(v)[idx];
            break;
        }
        case VAL_SET: {
            long pos = val_set_find(v, seg);
            if (pos < 0)
                return NULL;
            v = val_set_items(v)[pos];
            break;
        }
        default:
            return NULL;
        }
    }
    return v;
}

static bi_status bi_object_get(bi_ctx *c, val *const *args, val **out)
{
    if (want_object(c, args[0], 1))
        return BI_ERR;
    val *found;
    if (val_kind_of(args[1]) != VAL_ARRAY)
        found = val_object_get(args[0], args[1]);
    else
        found = find_path(args[0], val_array_items(args[1]), val_len(args[1]));
    *out = found ? found : args[2];
    return BI_OK;
}

/* ---- object.keys, object.remove, object.filter ---- */

static bi_status bi_object_keys(bi_ctx *c, val *const *args, val **out)
{
    if (want_object(c, args[0], 1))
        return BI_ERR;
    size_t n = val_len(args[0]);
    *out = n ? val_set(c->a, val_object_keys(args[0]), n) : VAL_EMPTY_SET_V;
    return BI_OK;
}

/* The keys named by an array, set or object (its keys), as a set. */
static bi_status key_set(bi_ctx *c, val *v, val **set)
{
    switch (val_kind_of(v)) {
    case VAL_ARRAY:
        *set = val_set(c->a, val_array_items(v), val_len(v));
        return BI_OK;
    case VAL_SET:
        *set = v;
        return BI_OK;
    case VAL_OBJECT:
        *set = val_set(c->a, val_object_keys(v), val_len(v));
        return BI_OK;
    default:
        return bi_operand_types(c, 2, v, "object, set, array");
    }
}

/* The pairs of obj whose key is (keep) or is not (!keep) in the set. */
static val *select_keys(bi_ctx *c, val *obj, val *set, bool keep)
{
    size_t n = val_len(obj), k = 0;
    val *const *keys = val_object_keys(obj), *const *vals = val_object_values(obj);
    val **nk = arena_alloc(c->a, (n ? n : 1) * sizeof *nk);
    val **nv = arena_alloc(c->a, (n ? n : 1) * sizeof *nv);
    for (size_t i = 0; i < n; i++) {
        if (val_set_contains(set, keys[i]) == keep) {
            nk[k] = keys[i];
            nv[k++] = vals[i];
        }
    }
    if (k == n)
        return obj;
    return k ? val_object(c->a, nk, nv, k) : VAL_EMPTY_OBJECT_V;
}

static bi_status bi_object_remove(bi_ctx *c, val *const *args, val **out)
{
    val *set;
    if (want_object(c, args[0], 1) || key_set(c, args[1], &set))
        return BI_ERR;
    *out = select_keys(c, args[0], set, false);
    return BI_OK;
}

static bi_status bi_object_filter(bi_ctx *c, val *const *args, val **out)
{
    val *set;
    if (want_object(c, args[0], 1) || key_set(c, args[1], &set))
        return BI_ERR;
    *out = select_keys(c, args[0], set, true);
    return BI_OK;
}

/* ---- object.union, object.union_n ---- */

/* Keys of both; where both values are objects they merge recursively,
 * otherwise y's value wins. */
static val *merge(bi_ctx *c, val *x, val *y)
{
    size_t nx = val_len(x), ny = val_len(y), i = 0, j = 0, k = 0;
    if (nx == 0)
        return y;
    if (ny == 0)
        return x;
    val *const *xk = val_object_keys(x), *const *xv = val_object_values(x);
    val *const *yk = val_object_keys(y), *const *yv = val_object_values(y);
    val **nk = arena_alloc(c->a, (nx + ny) * sizeof *nk);
    val **nv = arena_alloc(c->a, (nx + ny) * sizeof *nv);
    while (i < nx || j < ny) {
        int cmp = i == nx ? 1 : j == ny ? -1 : val_compare(xk[i], yk[j]);
        if (cmp < 0) {
            nk[k] = xk[i];
            nv[k++] = xv[i++];
        } else if (cmp > 0) {
            nk[k] = yk[j];
            nv[k++] = yv[j++];
        } else {
            nk[k] = xk[i];
            if (val_kind_of(xv[i]) == VAL_OBJECT && val_kind_of(yv[j]) == VAL_OBJECT)
                nv[k++] = merge(c, xv[i], yv[j]);
            else
                nv[k++] = yv[j];
            i++, j++;
        }
    }
    return val_object(c->a, nk, nv, k);
}

static bi_status bi_object_union(bi_ctx *c, val *const *args, val **out)
{
    if (want_object(c, args[0], 1) || want_object(c, args[1], 2))
        return BI_ERR;
    *out = val_equal(args[0], args[1]) ? args[0] : merge(c, args[0], args[1]);
    return BI_OK;
}

static bi_status bi_object_union_n(bi_ctx *c, val *const *args, val **out)
{
    val *arr = args[0];
    if (val_kind_of(arr) != VAL_ARRAY)
        return bi_operand_type(c, 1, arr, "array");
    size_t n = val_len(arr);
    val *const *items = val_array_items(arr);
    for (size_t i = n; i-- > 0;)         /* OPA checks from the last element */
        if (val_kind_of(items[i]) != VAL_OBJECT)
            return txt_element_error(c, 1, arr, items[i], "object");
    val *acc = VAL_EMPTY_OBJECT_V;
    for (size_t i = 0; i < n; i++)
        acc = merge(c, acc, items[i]);
    *out = acc;
    return BI_OK;
}

/* ---- object.subset ---- */

static bool set_subset(val *super, val *sub)
{
    size_t n = val_len(sub);
    val *const *items = val_set_items(sub);
    for (size_t i = 0; i < n; i++)
        if (!val_set_contains(super, items[i]))
            return false;
    return true;
}

/* The whole of sub appears contiguously in super. */
static bool array_subset(val *super, val *sub)
{
    size_t ns = val_len(super), nb = val_len(sub);
    if (nb > ns)
        return false;
    val *const *sp = val_array_items(super), *const *bp = val_array_items(sub);
    for (size_t start = 0; start + nb <= ns; start++) {
        size_t k = 0;
        while (k < nb && val_equal(sp[start + k], bp[k]))
            k++;
        if (k == nb)
            return true;
    }
    return nb == 0;
}

/* Every element of the set occurs in the array.  As in OPA, this counts
 * matching array elements (so repeats count twice) and is false for an
 * empty array. */
static bool array_set_subset(val *super, val *sub)
{
    size_t unmatched = val_len(sub), n = val_len(super);
    val *const *items = val_array_items(super);
    for (size_t i = 0; i < n; i++) {
        if (val_set_contains(sub, items[i]))
            unmatched--;
        if (unmatched == 0)
            return true;
    }
    return false;
}

static bool object_subset(val *super, val *sub)
{
    size_t n = val_len(sub);
    val *const *keys = val_object_keys(sub), *const *vals = val_object_values(sub);
    for (size_t i = 0; i < n; i++) {
        val *sv = val_object_get(super, keys[i]);
        if (!sv)
            return false;
        if (val_equal(sv, vals[i]))
            continue;
        val_kind k1 = val_kind_of(sv), k2 = val_kind_of(vals[i]);
        if (k1 != k2)
            return false;
        if (k1 == VAL_OBJECT && !object_subset(sv, vals[i]))
            return false;
        if (k1 == VAL_SET && !set_subset(sv, vals[i]))
            return false;
        if (k1 == VAL_ARRAY && !array_subset(sv, vals[i]))
            return false;
        if (k1 != VAL_OBJECT && k1 != VAL_SET && k1 != VAL_ARRAY)
            return false;
    }
    return true;
}

static bi_status bi_object_subset(bi_ctx *c, val *const *args, val **out)
{
    val *super = args[0], *sub = args[1];
    val_kind a = val_kind_of(super), b = val_kind_of(sub);
    bool r;
    if (a == VAL_OBJECT && b == VAL_OBJECT)
        r = object_subset(super, sub);
    else if (a == VAL_SET && b == VAL_SET)
        r = set_subset(super, sub);
    else if (a == VAL_ARRAY && b == VAL_ARRAY)
        r = array_subset(super, sub);
    else if (a == VAL_ARRAY && b == VAL_SET)
        r = array_set_subset(super, sub);
    else
        return bi_type_error(c, "both arguments object.subset must be of the same type or array and set");
    *out = val_bool(r);
    return BI_OK;
}

/* ---- JSON paths ---- */

typedef struct jpath {
    val *const *seg;
    size_t n;
} jpath;

/* A "/a/b~1c" string or an array of segments.  Strings lose all leading
 * slashes, split on "/", and unescape ~1 then ~0. */
static bool parse_path(bi_ctx *c, val *p, jpath *out)
{
    if (val_kind_of(p) == VAL_ARRAY) {
        out->seg = val_array_items(p);
        out->n = val_len(p);
        return true;
    }
    if (val_kind_of(p) != VAL_STRING)
        return false;
    const char *s = val_str(p);
    size_t n = val_len(p);
    out->seg = NULL;
    out->n = 0;
    if (n == 0)
        return true;
    while (n && *s == '/')
        s++, n--;
    size_t parts = 1;
    for (size_t i = 0; i < n; i++)
        parts += s[i] == '/';
    val **seg = arena_alloc(c->a, parts * sizeof *seg);
    char *buf = arena_alloc(c->a, n + 1);
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '/')
            continue;
        size_t len = 0;
        const char *q = s + start, *end = s + i;
        /* "~1" -> "/" first, then "~0" -> "~" */
        char *tmp = arena_alloc(c->a, (size_t)(end - q) + 1);
        size_t tl = 0;
        for (const char *r = q; r < end; r++) {
            if (*r == '~' && r + 1 < end && r[1] == '1') {
                tmp[tl++] = '/';
                r++;
            } else {
                tmp[tl++] = *r;
            }
        }
        for (size_t j = 0; j < tl; j++) {
            if (tmp[j] == '~' && j + 1 < tl && tmp[j + 1] == '0') {
                buf[len++] = '~';
                j++;
            } else {
                buf[len++] = tmp[j];
            }
        }
        seg[k++] = val_string(c->a, buf, len);
        start = i + 1;
    }
    out->seg = seg;
    out->n = k;
    return true;
}

/* json.filter / json.remove: operand 2 is an array or set of paths. */
static bi_status json_paths(bi_ctx *c, val *v, jpath **paths, size_t *n)
{
    val *const *items;
    if (val_kind_of(v) == VAL_ARRAY)
        items = val_array_items(v);
    else if (val_kind_of(v) == VAL_SET)
        items = val_set_items(v);
    else
        return bi_operand_types(c, 2, v, "set, array");
    *n = val_len(v);
    *paths = arena_alloc(c->a, (*n ? *n : 1) * sizeof **paths);
    for (size_t i = 0; i < *n; i++)
        if (!parse_path(c, items[i], &(*paths)[i]))
            return bi_type_error(c,
                                 "operand 2 must be one of {set, array} containing string paths or array of path "
                                 "segments but got %s",
                                 val_type_name(items[i]));
    return BI_OK;
}

/* The paths as a tree (OPA's pathsToObject): inner nodes are objects, a
 * leaf (null in OPA) ends a path.  A shorter path wins over longer ones
 * through the same node. */
typedef struct pnode {
    val *key;
    bool leaf;
    struct pnode *child, *next;
} pnode;

static pnode *pnode_find(const pnode *node, const val *key)
{
    for (pnode *ch = node->child; ch; ch = ch->next)
        if (val_equal(ch->key, key))
            return ch;
    return NULL;
}

/* The child whose key is the decimal string of index i (OPA's lookup of
 * array elements in a path object). */
static pnode *pnode_find_index(const pnode *node, size_t i)
{
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%zu", i);
    for (pnode *ch = node->child; ch; ch = ch->next)
        if (val_kind_of(ch->key) == VAL_STRING && val_len(ch->key) == (uint32_t)len &&
            memcmp(val_str(ch->key), buf, (size_t)len) == 0)
            return ch;
    return NULL;
}

static pnode *pnode_add(arena *a, pnode *node, val *key)
{
    pnode *ch = arena_zalloc(a, sizeof *ch);
    ch->key = key;
    ch->next = node->child;
    node->child = ch;
    return ch;
}

static pnode *paths_tree(arena *a, const jpath *paths, size_t np)
{
    pnode *root = arena_zalloc(a, sizeof *root);
    for (size_t p = 0; p < np; p++) {
        const jpath *path = &paths[p];
        if (path->n == 0)
            continue;
        pnode *node = root;
        bool done = false;
        for (size_t i = 0; i + 1 < path->n && !done; i++) {
            pnode *ch = pnode_find(node, path->seg[i]);
            if (!ch)
                node = pnode_add(a, node, path->seg[i]);
            else if (ch->leaf)
                done = true;
            else
                node = ch;
        }
        if (done)
            continue;
        val *last = path->seg[path->n - 1];
        pnode *ch = pnode_find(node, last);
        if (!ch)
            ch = pnode_add(a, node, last);
        ch->leaf = true;
        ch->child = NULL;
    }
    return root;
}

/* ast's filterObject: keep what the tree names. */
static val *filter_value(bi_ctx *c, val *v, const pnode *f)
{
    if (f->leaf)
        return v;
    size_t n = val_len(v), k = 0;
    switch (val_kind_of(v)) {
    case VAL_ARRAY: {
        val *const *items = val_array_items(v);
        val **out = arena_alloc(c->a, (n ? n : 1) * sizeof *out);
        for (size_t i = 0; i < n; i++) {
            const pnode *sub = pnode_find_index(f, i);
            if (sub)
                out[k++] = filter_value(c, items[i], sub);
        }
        return val_array(c->a, out, k);
    }
    case VAL_SET: {
        val *const *items = val_set_items(v);
        val **out = arena_alloc(c->a, (n ? n : 1) * sizeof *out);
        for (size_t i = 0; i < n; i++) {
            const pnode *sub = pnode_find(f, items[i]);
            if (sub)
                out[k++] = filter_value(c, items[i], sub);
        }
        return val_set(c->a, out, k);
    }
    case VAL_OBJECT: {
        val *const *keys = val_object_keys(v), *const *vals = val_object_values(v);
        val **nk = arena_alloc(c->a, (n ? n : 1) * sizeof *nk);
        val **nv = arena_alloc(c->a, (n ? n : 1) * sizeof *nv);
        for (size_t i = 0; i < n; i++) {
            const pnode *sub = pnode_find(f, keys[i]);
            if (sub) {
                nk[k] = keys[i];
                nv[k++] = filter_value(c, vals[i], sub);
            }
        }
        return val_object(c->a, nk, nv, k);
    }
    default:
        return v;
    }
}

/* OPA's jsonRemove: drop what the tree names.  NULL: v itself is removed. */
static val *remove_value(bi_ctx *c, val *v, const pnode *f)
{
    if (!f)
        return v;
    if (f->leaf)
        return NULL;
    size_t n = val_len(v), k = 0;
    switch (val_kind_of(v)) {
    case VAL_OBJECT: {
        val *const *keys = val_object_keys(v), *const *vals = val_object_values(v);
        val **nk = arena_alloc(c->a, (n ? n : 1) * sizeof *nk);
        val **nv = arena_alloc(c->a, (n ? n : 1) * sizeof *nv);
        for (size_t i = 0; i < n; i++) {
            val *r = remove_value(c, vals[i], pnode_find(f, keys[i]));
            if (r) {
                nk[k] = keys[i];
                nv[k++] = r;
            }
        }
        return val_object(c->a, nk, nv, k);
    }
    case VAL_SET: {
        val *const *items = val_set_items(v);
        val **out = arena_alloc(c->a, (n ? n : 1) * sizeof *out);
        for (size_t i = 0; i < n; i++) {
            val *r = remove_value(c, items[i], pnode_find(f, items[i]));
            if (r)
                out[k++] = r;
        }
        return val_set(c->a, out, k);
    }
    case VAL_ARRAY: {
        val *const *items = val_array_items(v);
        val **out = arena_alloc(c->a, (n ? n : 1) * sizeof *out);
        for (size_t i = 0; i < n; i++) {
            val *r = remove_value(c, items[i], pnode_find_index(f, i));
            if (r)
                out[k++] = r;
        }
        return val_array(c->a, out, k);
    }
    default:
        return v;
    }
}

static bi_status bi_json_filter(bi_ctx *c, val *const *args, val **out)
{
    jpath *paths;
    size_t np;
    if (want_object(c, args[0], 1) || json_paths(c, args[1], &paths, &np))
        return BI_ERR;
    *out = filter_value(c, args[0], paths_tree(c->a, paths, np));
    return BI_OK;
}

static bi_status bi_json_remove(bi_ctx *c, val *const *args, val **out)
{
    jpath *paths;
    size_t np;
    if (want_object(c, args[0], 1) || json_paths(c, args[1], &paths, &np))
        return BI_ERR;
    val *r = remove_value(c, args[0], paths_tree(c->a, paths, np));
    if (!r)
        return BI_UNDEF;
    *out = r;
    return BI_OK;
}

/* ---- json.patch ----
 * Operations apply one after the other to an immutable document, rebuilding
 * the containers along the path.  Any failure makes the result undefined,
 * as in OPA. */

/* EditTree's toIndex: a path segment as an array index; "-" is the end. */
static bool patch_index(const val *seg, size_t len, int64_t *idx)
{
    if (val_kind_of(seg) == VAL_NUMBER)
        return txt_number_int(seg, idx);
    if (val_kind_of(seg) != VAL_STRING)
        return false;
    const char *s = val_str(seg);
    size_t n = val_len(seg);
    if (n == 1 && s[0] == '-') {
        *idx = (int64_t)len;
        return true;
    }
    if (n > 1 && s[0] == '0')
        return false;                    /* no leading zeros */
    /* strconv.ParseInt(s, 10, 64) */
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    uint64_t u = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || u > (UINT64_C(1) << 63) / 10)
            return false;
        u = u * 10 + (uint64_t)(s[i] - '0');
    }
    if (u > (neg ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1))
        return false;
    *idx = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* The child of a container named by seg, or NULL. */
static val *patch_child(val *node, val *seg)
{
    switch (val_kind_of(node)) {
    case VAL_OBJECT:
        return val_object_get(node, seg);
    case VAL_SET: {
        long pos = val_set_find(node, seg);
        return pos < 0 ? NULL : val_set_items(node)[pos];
    }
    case VAL_ARRAY: {
        int64_t idx;
        if (!patch_index(seg, val_len(node), &idx) || idx < 0 || (uint64_t)idx >= val_len(node))
            return NULL;
        return val_array_items(node)[idx];
    }
    default:
        return NULL;
    }
}

static val *patch_get(val *doc, const jpath *p)
{
    for (size_t i = 0; doc && i < p->n; i++)
        doc = patch_child(doc, p->seg[i]);
    return doc;
}

/* Object with key set to value (value NULL: key removed). */
static val *object_with(bi_ctx *c, val *obj, val *key, val *value)
{
    size_t n = val_len(obj), k = 0;
    val *const *keys = val_object_keys(obj), *const *vals = val_object_values(obj);
    val **nk = arena_alloc(c->a, (n + 1) * sizeof *nk);
    val **nv = arena_alloc(c->a, (n + 1) * sizeof *nv);
    for (size_t i = 0; i < n; i++) {
        if (val_equal(keys[i], key))
            continue;
        nk[k] = keys[i];
        nv[k++] = vals[i];
    }
    if (value) {
        nk[k] = key;
        nv[k++] = value;
    }
    return val_object(c->a, nk, nv, k);
}

/* Set without `old` (if given) and with `add` (if given). */
static val *set_with(bi_ctx *c, val *set, val *old, val *add)
{
    size_t n = val_len(set), k = 0;
    val *const *items = val_set_items(set);
    val **out = arena_alloc(c->a, (n + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (!old || !val_equal(items[i], old))
            out[k++] = items[i];
    if (add)
        out[k++] = add;
    return val_set(c->a, out, k);
}

/* Array with element idx replaced (mode 0), inserted before (1), removed (2). */
static val *array_with(bi_ctx *c, val *arr, size_t idx, val *x, int mode)
{
    size_t n = val_len(arr);
    val *const *items = val_array_items(arr);
    size_t m = mode == 1 ? n + 1 : mode == 2 ? n - 1 : n;
    varr *r = val_array_alloc(c->a, m);
    size_t k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == idx && mode == 1)
            r->items[k++] = x;
        if (i == n)
            break;
        if (i == idx && mode == 2)
            continue;
        r->items[k++] = i == idx && mode == 0 ? x : items[i];
    }
    return val_array_seal(r);
}

/* node with the child named seg replaced by child (which stands where the
 * old child was found). */
static val *replace_child(bi_ctx *c, val *node, val *seg, val *old, val *child)
{
    switch (val_kind_of(node)) {
    case VAL_OBJECT:
        return object_with(c, node, seg, child);
    case VAL_SET:
        return set_with(c, node, old, child);
    default: {
        int64_t idx;
        patch_index(seg, val_len(node), &idx);
        return array_with(c, node, (size_t)idx, child, 0);
    }
    }
}

/* Insert value under the last segment of path; NULL on failure. */
static val *patch_add(bi_ctx *c, val *node, val *const *seg, size_t n, val *value)
{
    if (n == 0)
        return value;
    if (n > 1) {
        val *old = patch_child(node, seg[0]);
        if (!old)
            return NULL;
        val *nw = patch_add(c, old, seg + 1, n - 1, value);
        return nw ? replace_child(c, node, seg[0], old, nw) : NULL;
    }
    switch (val_kind_of(node)) {
    case VAL_OBJECT:
        return object_with(c, node, seg[0], value);
    case VAL_SET:
        if (!val_equal(seg[0], value))   /* a set's key is its value */
            return NULL;
        return set_with(c, node, NULL, value);
    case VAL_ARRAY: {
        int64_t idx;
        if (!patch_index(seg[0], val_len(node), &idx) || idx < 0 || (uint64_t)idx > val_len(node))
            return NULL;
        return array_with(c, node, (size_t)idx, value, 1);
    }
    default:
        return NULL;
    }
}

/* Remove what the path names; NULL on failure. */
static val *patch_remove(bi_ctx *c, val *node, val *const *seg, size_t n)
{
    if (n > 1) {
        val *old = patch_child(node, seg[0]);
        if (!old)
            return NULL;
        val *nw = patch_remove(c, old, seg + 1, n - 1);
        return nw ? replace_child(c, node, seg[0], old, nw) : NULL;
    }
    switch (val_kind_of(node)) {
    case VAL_OBJECT:
        return val_object_get(node, seg[0]) ? object_with(c, node, seg[0], NULL) : NULL;
    case VAL_SET: {
        long pos = val_set_find(node, seg[0]);
        return pos < 0 ? NULL : set_with(c, node, val_set_items(node)[pos], NULL);
    }
    case VAL_ARRAY: {
        int64_t idx;
        if (!patch_index(seg[0], val_len(node), &idx) || idx < 0 || (uint64_t)idx >= val_len(node))
            return NULL;
        return array_with(c, node, (size_t)idx, NULL, 2);
    }
    default:
        return NULL;
    }
}

static val *op_attr(val *op, const char *name)
{
    return val_object_get_str(op, name, strlen(name));
}

/* Apply one operation; false when it fails.  *doc NULL means the whole
 * document was removed. */
static bool apply_op(bi_ctx *c, val **doc, val *op)
{
    if (val_kind_of(op) != VAL_OBJECT)
        return false;
    val *name = op_attr(op, "op");
    if (!name || val_kind_of(name) != VAL_STRING)
        return false;
    const char *o = val_str(name);
    bool is_add = !strcmp(o, "add"), is_remove = !strcmp(o, "remove"), is_replace = !strcmp(o, "replace");
    bool is_move = !strcmp(o, "move"), is_copy = !strcmp(o, "copy"), is_test = !strcmp(o, "test");
    if (strlen(o) != val_len(name) || !(is_add || is_remove || is_replace || is_move || is_copy || is_test))
        return false;
    val *pathv = op_attr(op, "path"), *fromv = NULL, *value = NULL;
    if (!pathv)
        return false;
    if (is_move || is_copy) {
        fromv = op_attr(op, "from");
        if (!fromv)
            return false;
    }
    if (is_add || is_replace || is_test) {
        value = op_attr(op, "value");
        if (!value)
            return false;
    }
    jpath path, from;
    if (!parse_path(c, pathv, &path))
        return false;
    if (fromv && !parse_path(c, fromv, &from))
        return false;

    if (is_test) {
        val *got = *doc ? patch_get(*doc, &path) : NULL;
        return got && val_equal(got, value);
    }
    if (is_move || is_copy) {
        value = *doc ? patch_get(*doc, &from) : NULL;
        if (!value)
            return false;
    }
    if (is_remove || is_replace || is_move) {
        const jpath *rp = is_move ? &from : &path;
        if (!*doc)
            return false;
        if (rp->n == 0) {
            *doc = NULL;
        } else {
            *doc = patch_remove(c, *doc, rp->seg, rp->n);
            if (!*doc)
                return false;
        }
        if (is_remove)
            return true;
    }
    if (path.n == 0) {
        *doc = value;
        return true;
    }
    if (!*doc)
        return false;
    *doc = patch_add(c, *doc, path.seg, path.n, value);
    return *doc != NULL;
}

static bi_status bi_json_patch(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[1]) != VAL_ARRAY)
        return bi_operand_type(c, 2, args[1], "array");
    val *doc = args[0];
    size_t n = val_len(args[1]);
    val *const *ops = val_array_items(args[1]);
    for (size_t i = 0; i < n; i++)
        if (!apply_op(c, &doc, ops[i]))
            return BI_UNDEF;
    if (!doc)
        return BI_UNDEF;
    *out = doc;
    return BI_OK;
}

const builtin_def bi_group_objects[] = {
    {"json.filter", 2, bi_json_filter, 0, NULL},
    {"json.patch", 2, bi_json_patch, 0, NULL},
    {"json.remove", 2, bi_json_remove, 0, NULL},
    {"object.filter", 2, bi_object_filter, 0, NULL},
    {"object.get", 3, bi_object_get, 0, NULL},
    {"object.keys", 1, bi_object_keys, 0, NULL},
    {"object.remove", 2, bi_object_remove, 0, NULL},
    {"object.subset", 2, bi_object_subset, 0, NULL},
    {"object.union", 2, bi_object_union, 0, NULL},
    {"object.union_n", 1, bi_object_union_n, 0, NULL},
    {0},
};
