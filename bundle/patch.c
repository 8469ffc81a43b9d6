/* patch.c — the patch.json of a delta bundle:
 *   {"data": [{"op": "upsert" | "remove" | "replace", "path": "/a/b", "value": ...}]}
 *
 * Read as OPA reads its Patch struct (field names ignore case, unknown
 * fields are ignored).  Paths are JSON pointers as OPA parses them: trimmed
 * of '/', each segment URL-unescaped, then "~1" -> "/" and "~0" -> "~".
 * OPA finds a bad operation or path only when it applies the patch; here
 * they are errors of the read, with the same words. */
#include "bundle/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/json.h"
#include "../engine/hexdigit.h"

void bpatch_free(bundle_patch *p, int n)
{
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < p[i].nkeys; k++)
            free(p[i].keys[k]);
        free(p[i].keys);
        free(p[i].value);
    }
    free(p);
}

static const val *field(const val *obj, const char *name)
{
    val *const *keys = val_object_keys(obj);
    for (uint32_t i = 0; i < val_len(obj); i++)
        if (strcmp(val_str(keys[i]), name) == 0)
            return val_object_values(obj)[i];
    for (uint32_t i = 0; i < val_len(obj); i++)
        if (strcasecmp(val_str(keys[i]), name) == 0)
            return val_object_values(obj)[i];
    return NULL;
}

/* Go's names for JSON kinds in unmarshalling errors. */
static const char *go_kind(const val *v)
{
    return val_kind_of(v) == VAL_BOOL ? "bool" : val_type_name(v);
}

/* One segment: URL-unescaped, then JSON-pointer-unescaped.  NULL if malformed. */
static char *segment(const char *s, size_t n)
{
    char *u = malloc(n + 1);
    if (!u)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) {
                free(u);
                return NULL;
            }
            int a = hex_digit(s[i + 1]), b = hex_digit(s[i + 2]);
            if (a < 0 || b < 0) {
                free(u);
                return NULL;
            }
            u[o++] = (char)(a * 16 + b);
            i += 2;
        } else {
            u[o++] = s[i];
        }
    }
    /* "~1" -> "/" first, then "~0" -> "~" */
    size_t w = 0;
    for (size_t i = 0; i < o; i++) {
        if (u[i] == '~' && i + 1 < o && u[i + 1] == '1') {
            u[w++] = '/';
            i++;
        } else {
            u[w++] = u[i];
        }
    }
    o = w;
    w = 0;
    for (size_t i = 0; i < o; i++) {
        if (u[i] == '~' && i + 1 < o && u[i + 1] == '0') {
            u[w++] = '~';
            i++;
        } else {
            u[w++] = u[i];
        }
    }
    u[w] = 0;
    return u;
}

static int parse_path(bundle_patch *p, const char *path, size_t n)
{
    while (n && path[0] == '/')
        path++, n--;
    while (n && path[n - 1] == '/')
        n--;
    if (n == 0)
        return -1;
    int count = 1;
    for (size_t i = 0; i < n; i++)
        count += path[i] == '/';
    p->keys = calloc((size_t)count, sizeof *p->keys);
    if (!p->keys)
        return -1;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || path[i] == '/') {
            char *seg = segment(path + start, i - start);
            if (!seg)
                return -1;
            p->keys[p->nkeys++] = seg;
            start = i + 1;
        }
    }
    return 0;
}

int bpatch_parse(const char *path, const char *text, size_t len, bundle_patch **out, int *nout, bundle_error *err)
{
    *out = NULL;
    *nout = 0;
    arena a;
    arena_init(&a, 16384);
    json_error je;
    val *doc = json_parse(&a, text, len, 0, &je);
    if (!doc) {
        berr(err, "bundle load failed on patch decode: %s:%d:%d: %s", path, je.line, je.col, je.msg);
        arena_release(&a);
        return -1;
    }
    const val *ops = NULL;
    if (val_kind_of(doc) == VAL_OBJECT)
        ops = field(doc, "data");
    else if (val_kind_of(doc) != VAL_NULL) {
        berr(err, "bundle load failed on patch decode: %s: json: cannot unmarshal %s into Go value of type bundle.Patch",
             path, go_kind(doc));
        arena_release(&a);
        return -1;
    }
    if (!ops || val_kind_of(ops) == VAL_NULL || val_len(ops) == 0) {
        if (ops && val_kind_of(ops) != VAL_NULL && val_kind_of(ops) != VAL_ARRAY)
            goto type_error;
        arena_release(&a);
        return 0;
    }
    if (val_kind_of(ops) != VAL_ARRAY)
        goto type_error;
    uint32_t n = val_len(ops);
    bundle_patch *ps = calloc(n, sizeof *ps);
    if (!ps) {
        berr(err, "%s: out of memory", path);
        arena_release(&a);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const val *o = val_array_items(ops)[i];
        bundle_patch *p = &ps[i];
        if (val_kind_of(o) != VAL_OBJECT) {
            berr(err, "bundle load failed on patch decode: %s: json: cannot unmarshal %s into Go struct field Patch.data of type bundle.PatchOperation",
                 path, go_kind(o));
            goto fail;
        }
        const val *op = field(o, "op"), *pth = field(o, "path"), *value = field(o, "value");
        if ((op && val_kind_of(op) != VAL_STRING && val_kind_of(op) != VAL_NULL) ||
            (pth && val_kind_of(pth) != VAL_STRING && val_kind_of(pth) != VAL_NULL)) {
            const val *bad = op && val_kind_of(op) != VAL_STRING && val_kind_of(op) != VAL_NULL ? op : pth;
            berr(err, "bundle load failed on patch decode: %s: json: cannot unmarshal %s into Go struct field Patch.data.%s of type string",
                 path, go_kind(bad), bad == op ? "op" : "path");
            goto fail;
        }
        const char *ops_s = op && val_kind_of(op) == VAL_STRING ? val_str(op) : "";
        if (strcmp(ops_s, "upsert") == 0)
            p->op = BUNDLE_PATCH_UPSERT;
        else if (strcmp(ops_s, "remove") == 0)
            p->op = BUNDLE_PATCH_REMOVE;
        else if (strcmp(ops_s, "replace") == 0)
            p->op = BUNDLE_PATCH_REPLACE;
        else {
            berr(err, "%s: bad patch operation: %s", path, ops_s);
            goto fail;
        }
        const char *ps_s = pth && val_kind_of(pth) == VAL_STRING ? val_str(pth) : "";
        size_t ps_n = pth && val_kind_of(pth) == VAL_STRING ? val_len(pth) : 0;
        if (parse_path(p, ps_s, ps_n) != 0) {
            berr(err, "%s: error parsing patch path '%s'", path, ps_s);
            goto fail;
        }
        if (p->op != BUNDLE_PATCH_REMOVE) {
            strbuf sb = STRBUF_INIT;
            json_write(&sb, value ? value : VAL_NULL_V, 0);
            p->value_len = sb.len;
            p->value = sb_detach(&sb);
        }
    }
    *out = ps;
    *nout = (int)n;
    arena_release(&a);
    return 0;
fail:
    bpatch_free(ps, (int)n);
    arena_release(&a);
    return -1;
type_error:
    berr(err, "bundle load failed on patch decode: %s: json: cannot unmarshal %s into Go struct field Patch.data of type []bundle.PatchOperation",
         path, go_kind(ops));
    arena_release(&a);
    return -1;
}
