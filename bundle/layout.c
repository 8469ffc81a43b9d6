/* layout.c — from raw files to a bundle, as OPA's bundle reader does it.
 *
 * Each file, in archive order, is first checked against the signature (when
 * one is verified) and then taken for what its name says:
 *   *.rego                     a module
 *   data.json                  JSON data, placed at the path of its folder
 *   data.yaml, data.yml        YAML data, likewise
 *   /.manifest                 the manifest (at the top only; OPA would take
 *                              any name ending in ".manifest")
 *   patch.json                 delta bundles: the patch operations
 *   /.signatures.json          the signatures (never itself signed)
 *   policy.wasm                a wasm module (kept as a file, not evaluated)
 * Every other file (other *.json files, plan.json, README.md, ...) is kept in
 * the file list only, as OPA ignores it — but a signed bundle must still list
 * it, since OPA checks every file but .signatures.json against the
 * signature (.manifest included).
 *
 * Data files are parsed here (syntax errors name the file and line:col) and
 * merged as OPA merges them, so that conflicts between files and data outside
 * the roots are found before the engine sees the bundle.  Modules are not
 * parsed: their package is found by a scan (package.c) for the roots check.
 * Checks and their order follow OPA's Reader.Read and
 * Manifest.validateAndInjectDefaults, and so do the error messages. */
#include "bundle/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json.h"
#include "engine/yaml.h"

/* ---- roots ---- */

bool bundle_root_contains(const char *root, const char *path)
{
    if (!root[0])
        return true;
    const char *r = root, *p = path;
    for (;;) {
        size_t rl = strcspn(r, "/"), pl = strcspn(p, "/");
        if (rl != pl || memcmp(r, p, rl) != 0)
            return false;
        r += rl;
        p += pl;
        if (!*r)
            return true;
        if (!*p)
            return false;
        r++;
        p++;
    }
}

bool bundle_roots_overlap(const char *a, const char *b)
{
    return bundle_root_contains(a, b) || bundle_root_contains(b, a);
}

static bool roots_contain(char *const *roots, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (bundle_root_contains(roots[i], path))
            return true;
    return false;
}

static void roots_error(bundle_error *err, char *const *roots, int n, const char *fmt_after, const char *a,
                        const char *b)
{
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "manifest roots ");
    bstrs_format(&sb, roots, n);
    sb_printf(&sb, fmt_after, a, b);
    berr(err, "%s", sb.data);
    sb_free(&sb);
}

/* ---- data ---- */

val *bdata_parse(arena *a, const char *path, const char *text, size_t len, bool is_yaml, bundle_error *err)
{
    json_error je;
    val *v = is_yaml ? yaml_parse(a, text, len, &je) : json_parse(a, text, len, 0, &je);
    if (!v)
        berr(err, "bundle load failed on %s:%d:%d: %s", path, je.line, je.col, je.msg);
    return v;
}

int bdata_keys(const char *path, bstrs *keys)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    const char *s = path;
    while (n && (*s == '/' || *s == '.'))
        s++, n--;
    while (n) {
        size_t k = 0;
        while (k < n && s[k] != '/')
            k++;
        if (bstrs_push(keys, s, k) != 0)
            return -1;
        s += k;
        n -= k;
        if (n) {
            s++;
            n--;
        }
    }
    return 0;
}

/* Merge two objects; NULL on a conflict. */
static val *merge_objects(arena *a, val *x, val *y)
{
    if (val_len(x) == 0)
        return y;
    if (val_len(y) == 0)
        return x;
    val_objb b;
    val_objb_init(&b, a);
    for (uint32_t i = 0; i < val_len(x); i++)
        val_objb_put(&b, val_object_keys(x)[i], val_object_values(x)[i]);
    for (uint32_t i = 0; i < val_len(y); i++) {
        val *k = val_object_keys(y)[i], *vy = val_object_values(y)[i];
        val *vx = val_objb_get(&b, k);
        if (!vx) {
            val_objb_put(&b, k, vy);
            continue;
        }
        if (val_kind_of(vx) != VAL_OBJECT || val_kind_of(vy) != VAL_OBJECT)
            return NULL;
        val *m = merge_objects(a, vx, vy);
        if (!m)
            return NULL;
        val_objb_set(&b, k, m);
    }
    return val_objb_finish(&b);
}

int bdata_insert(arena *a, val **root, char *const *keys, int nkeys, val *v)
{
    if (nkeys == 0 && val_kind_of(v) != VAL_OBJECT)
        return BDATA_NOT_OBJECT;
    val *tree = v;
    for (int i = nkeys - 1; i >= 0; i--) {
        val *k = val_cstring(a, keys[i]);
        tree = val_object(a, &k, &tree, 1);
    }
    if (!*root) {
        *root = tree;
        return 0;
    }
    val *m = merge_objects(a, *root, tree);
    if (!m)
        return BDATA_CONFLICT;
    *root = m;
    return 0;
}

/* OPA asks whether any single segment of the path, taken as a root, contains
 * one of the roots (strings.Split(path, "/") passed as the root list). */
static bool path_segment_leads_to_root(const char *path, char *const *roots, int nroots)
{
    for (const char *s = path;;) {
        size_t n = strcspn(s, "/");
        for (int i = 0; i < nroots; i++) {
            if (n == 0)
                return true;
            size_t rn = strcspn(roots[i], "/");
            if (rn == n && memcmp(roots[i], s, n) == 0)
                return true;
        }
        if (!s[n])
            return false;
        s += n + 1;
    }
}

static int dfs_roots(const val *node, strbuf *path, char *const *roots, int nroots, bundle_error *err)
{
    const char *p = path->data ? path->data : "";
    if (*p == '/')
        p++;
    if (roots_contain(roots, nroots, p))
        return 0;
    if (val_kind_of(node) != VAL_OBJECT || !path_segment_leads_to_root(p, roots, nroots)) {
        roots_error(err, roots, nroots, " do not permit data at path '/%s'%s", p,
                    " (hint: check bundle directory structure)");
        return -1;
    }
    size_t mark = path->len;
    for (uint32_t i = 0; i < val_len(node); i++) {
        const val *k = val_object_keys(node)[i];
        sb_putc(path, '/');
        sb_append(path, val_str(k), val_len(k));
        int rc = dfs_roots(val_object_values(node)[i], path, roots, nroots, err);
        path->len = mark;
        path->data[mark] = 0;
        if (rc)
            return rc;
    }
    return 0;
}

int bdata_check_roots(const val *root, char *const *roots, int nroots, bundle_error *err)
{
    if (!root)
        return 0;
    strbuf path = STRBUF_INIT;
    sb_puts(&path, "");
    int rc = dfs_roots(root, &path, roots, nroots, err);
    sb_free(&path);
    return rc;
}

/* ---- the bundle ---- */

void bundle_free(bundle *b)
{
    if (!b)
        return;
    free(b->revision);
    for (int i = 0; i < b->nroots; i++)
        free(b->roots[i]);
    free(b->roots);
    free(b->metadata_json);
    free(b->manifest_json);
    for (int i = 0; i < b->nmodules; i++) {
        free(b->modules[i].path);
        free(b->modules[i].text);
    }
    free(b->modules);
    for (int i = 0; i < b->ndata; i++) {
        free(b->data[i].path);
        for (int k = 0; k < b->data[i].nkeys; k++)
            free(b->data[i].keys[k]);
        free(b->data[i].keys);
        free(b->data[i].text);
    }
    free(b->data);
    bpatch_free(b->patches, b->npatches);
    for (int i = 0; i < b->nfiles; i++)
        free(b->files[i].path);
    free(b->files);
    free(b);
}

typedef struct assembly {
    bfiles *files;
    const char *src;
    bundle_error *err;
    bundle *b;
    bmanifest m;
    arena a;
    val *data;                  /* every data file merged */
    bstrs wasm_paths;
    bool oom;
} assembly;

static char *xstrdup(assembly *as, const char *s)
{
    char *c = strdup(s);
    if (!c)
        as->oom = true;
    return c;
}

static int take_module(assembly *as, bfile *f)
{
    bundle *b = as->b;
    bundle_module *mods = realloc(b->modules, (size_t)(b->nmodules + 1) * sizeof *mods);
    char *path = strdup(f->path);
    if (!mods || !path) {
        if (mods)
            b->modules = mods;
        free(path);
        as->oom = true;
        return -1;
    }
    b->modules = mods;
    mods[b->nmodules++] = (bundle_module){path, f->data, f->len, 0};
    f->data = NULL;
    return 0;
}

static int take_data(assembly *as, bfile *f, bool is_yaml)
{
    bundle_error *err = as->err;
    val *v = bdata_parse(&as->a, f->path, f->data, f->len, is_yaml, err);
    if (!v)
        return -1;
    bstrs keys = {0};
    if (bdata_keys(f->path, &keys) != 0) {
        bstrs_free(&keys);
        as->oom = true;
        return -1;
    }
    int r = bdata_insert(&as->a, &as->data, keys.v, keys.n, v);
    if (r != 0) {
        if (r == BDATA_NOT_OBJECT) {
            berr(err, "bundle load failed on %s: root value must be object", f->path);
        } else {
            strbuf sb = STRBUF_INIT;
            for (int i = 0; i < keys.n; i++) {
                if (i)
                    sb_putc(&sb, '/');
                sb_puts(&sb, keys.v[i]);
            }
            berr(err, "bundle load failed on %s: failed to insert data file from path %s", f->path,
                 sb.data ? sb.data : "");
            sb_free(&sb);
        }
        bstrs_free(&keys);
        return -1;
    }
    bundle *b = as->b;
    bundle_data *d = realloc(b->data, (size_t)(b->ndata + 1) * sizeof *d);
    char *path = strdup(f->path);
    if (!d || !path) {
        if (d)
            b->data = d;
        free(path);
        bstrs_free(&keys);
        as->oom = true;
        return -1;
    }
    b->data = d;
    d[b->ndata++] = (bundle_data){path, keys.v, keys.n, f->data, f->len, is_yaml};
    f->data = NULL;
    return 0;
}

/* Rego versions of the modules, once the manifest is known. */
static int resolve_versions(assembly *as)
{
    for (int i = 0; i < as->b->nmodules; i++) {
        bundle_module *mod = &as->b->modules[i];
        const char *bad = NULL;
        int v = bmanifest_version_for(&as->m, mod->path, &bad);
        if (v == -2) {
            berr(as->err, "failed to compile glob pattern %s: unexpected end of input", bad);
            return -1;
        }
        if (v != -1 && v != 0 && v != 1) {
            berr(as->err, "unknown bundle rego-version %d for file '%s'", v, mod->path);
            return -1;
        }
        mod->rego_v0 = v == 0;
    }
    return 0;
}

/* Manifest.validateAndInjectDefaults */
static int validate(assembly *as)
{
    bundle_error *err = as->err;
    char *const *roots = as->m.roots.v;
    int nroots = as->m.roots.n;
    for (int i = 0; i + 1 < nroots; i++)
        for (int j = i + 1; j < nroots; j++)
            if (bundle_roots_overlap(roots[i], roots[j])) {
                berr(err, "manifest has overlapped roots: '%s' and '%s'", roots[i], roots[j]);
                return -1;
            }
    int rc = 0;
    strbuf pkg = STRBUF_INIT, ptr = STRBUF_INIT;
    for (int i = 0; i < as->b->nmodules && rc == 0; i++) {
        const bundle_module *mod = &as->b->modules[i];
        bstrs segs = {0};
        if (bpackage_scan(mod->text, mod->len, &segs) == 0) {
            sb_reset(&ptr);
            sb_puts(&ptr, "");
            bpackage_ptr(&ptr, &segs);
            if (!roots_contain(roots, nroots, ptr.data)) {
                sb_reset(&pkg);
                bpackage_format(&pkg, &segs);
                roots_error(err, roots, nroots, " do not permit '%s' in module '%s'", pkg.data, mod->path);
                rc = -1;
            }
        }
        bstrs_free(&segs);
    }
    sb_free(&pkg);
    sb_free(&ptr);
    if (rc)
        return rc;

    for (int i = 0; i < as->m.nwasm; i++) {
        const bwasm_resolver *w = &as->m.wasm[i];
        const char *mod = w->module ? w->module : "";
        bool found = false;
        for (int k = 0; k < as->wasm_paths.n && !found; k++) {
            const char *p = as->wasm_paths.v[k];
            found = strcmp(p, mod) == 0 || (mod[0] != '/' && strcmp(p + 1, mod) == 0);
        }
        if (!found) {
            berr(err, "manifest references wasm module '%s' but the module file does not exist", mod);
            return -1;
        }
        if (!roots_contain(roots, nroots, w->entrypoint)) {
            roots_error(err, roots, nroots, " do not permit '%s' entrypoint for wasm module '%s'", w->entrypoint, mod);
            return -1;
        }
        for (int k = 0; k < i; k++)
            if (strcmp(as->m.wasm[k].entrypoint, w->entrypoint) == 0) {
                berr(err, "entrypoint '%s' cannot be used by more than one wasm module", w->entrypoint);
                return -1;
            }
    }

    for (int i = 0; i < as->b->npatches; i++) {
        const bundle_patch *p = &as->b->patches[i];
        strbuf path = STRBUF_INIT;
        sb_puts(&path, "");
        for (int k = 0; k < p->nkeys; k++) {
            if (k)
                sb_putc(&path, '/');
            sb_puts(&path, p->keys[k]);
        }
        bool ok = roots_contain(roots, nroots, path.data);
        if (!ok)
            roots_error(err, roots, nroots, " do not permit data patch at path '%s'%s", path.data, "");
        sb_free(&path);
        if (!ok)
            return -1;
    }

    /* a snapshot bundle without data still has an empty data document,
     * which roots of [] do not permit (as in OPA) */
    const val *data = as->data ? as->data : as->b->npatches ? NULL : VAL_EMPTY_OBJECT_V;
    return bdata_check_roots(data, roots, nroots, err);
}

static int fill_manifest_fields(assembly *as)
{
    bundle *b = as->b;
    b->revision = xstrdup(as, as->m.revision ? as->m.revision : "");
    b->roots = calloc((size_t)(as->m.roots.n ? as->m.roots.n : 1), sizeof *b->roots);
    if (!b->roots) {
        as->oom = true;
        return -1;
    }
    for (int i = 0; i < as->m.roots.n; i++) {
        b->roots[i] = xstrdup(as, as->m.roots.v[i]);
        b->nroots++;
    }
    b->rego_v0 = as->m.has_rego_version && as->m.rego_version == 0;
    if (as->m.metadata_json)
        b->metadata_json = xstrdup(as, as->m.metadata_json);
    if (as->m.present) {
        strbuf sb = STRBUF_INIT;
        bmanifest_write(&sb, &as->m);
        b->manifest_json = sb_detach(&sb);
        if (!b->manifest_json)
            as->oom = true;
    }
    return as->oom ? -1 : 0;
}

static int record_files(assembly *as)
{
    bundle *b = as->b;
    if (as->files->n == 0)
        return 0;
    b->files = calloc((size_t)as->files->n, sizeof *b->files);
    if (!b->files) {
        as->oom = true;
        return -1;
    }
    for (int i = 0; i < as->files->n; i++) {
        b->files[i].path = xstrdup(as, as->files->v[i].path);
        b->files[i].size = as->files->v[i].len;
        b->nfiles++;
    }
    return as->oom ? -1 : 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int assemble(assembly *as, const bundle_verify *v)
{
    bfiles *files = as->files;
    bundle_error *err = as->err;

    /* patch.json first: a delta bundle is not verified (OPA checks
     * signatures of snapshot bundles only) */
    for (int i = 0; i < files->n; i++) {
        bfile *f = &files->v[i];
        if (strcmp(bpath_base(f->path), "patch.json") != 0)
            continue;
        bpatch_free(as->b->patches, as->b->npatches);
        as->b->patches = NULL;
        as->b->npatches = 0;
        if (bpatch_parse(f->path, f->data, f->len, &as->b->patches, &as->b->npatches, err) != 0)
            return -1;
    }
    bool delta = as->b->npatches > 0;

    bool verifying = false;
    bsig_files sigs = {0};
    const bfile *sigfile = bfiles_find(files, "/.signatures.json");
    if (!delta && v && v->key && !v->skip) {
        int r = sigfile ? bsig_verify_signatures(sigfile->data, sigfile->len, v, &sigs, err) : 1;
        if (r < 0) {
            bsig_files_free(&sigs);
            return -1;
        }
        if (r == 1 && v->key_id) {
            berr(err, "bundle missing .signatures.json file");
            return -1;
        }
        verifying = r == 0;
    }

    int rc = 0;
    for (int i = 0; i < files->n && rc == 0; i++) {
        bfile *f = &files->v[i];
        if (strcmp(f->path, "/.signatures.json") == 0)
            continue;
        if (verifying && bsig_verify_file(&sigs, f->path, f->data, f->len, err) != 0) {
            rc = -1;
            break;
        }
        const char *base = bpath_base(f->path);
        if (has_suffix(f->path, ".rego"))
            rc = take_module(as, f);
        else if (strcmp(base, "policy.wasm") == 0)
            rc = bstrs_push(&as->wasm_paths, f->path, strlen(f->path)) == 0 ? 0 : (as->oom = true, -1);
        else if (strcmp(base, "data.json") == 0)
            rc = take_data(as, f, false);
        else if (strcmp(base, "data.yaml") == 0 || strcmp(base, "data.yml") == 0)
            rc = take_data(as, f, true);
        else if (strcmp(f->path, "/.manifest") == 0)
            rc = bmanifest_parse(&as->m, f->path, f->data, f->len, err);
    }
    if (rc == 0)
        rc = resolve_versions(as);
    if (rc == 0 && delta) {
        const char *what = as->b->ndata ? "data" : as->b->nmodules ? "policy" : as->wasm_paths.n ? "wasm" : NULL;
        if (what) {
            berr(err, "delta bundle expected to contain only patch file but %s files found", what);
            rc = -1;
        }
    }
    if (rc == 0 && verifying)
        rc = bsig_check_all_seen(&sigs, err);
    bsig_files_free(&sigs);
    if (rc == 0)
        rc = validate(as);
    if (rc == 0)
        rc = fill_manifest_fields(as);
    if (rc == 0)
        rc = record_files(as);
    if (rc == 0) {
        as->b->is_delta = delta;
        as->b->signed_ = verifying;
    }
    return rc;
}

bundle *bassemble(bfiles *files, const char *src, const bundle_verify *v, bundle_error *err)
{
    assembly as = {0};
    as.files = files;
    as.src = src;
    as.err = err;
    bmanifest_init(&as.m);
    if (bstrs_push(&as.m.roots, "", 0) != 0 || !(as.m.revision = strdup(""))) {
        bmanifest_free(&as.m);
        berr(err, "%s: out of memory", src);
        return NULL;
    }
    as.b = calloc(1, sizeof *as.b);
    if (!as.b) {
        bmanifest_free(&as.m);
        berr(err, "%s: out of memory", src);
        return NULL;
    }
    arena_init(&as.a, 65536);
    jmp_buf jb;
    as.a.oom = &jb;
    int rc;
    if (setjmp(jb) == 0) {
        rc = assemble(&as, v);
    } else {
        as.oom = true;
        rc = -1;
    }
    as.a.oom = NULL;
    if (as.oom)
        berr(err, "%s: out of memory", src);
    arena_release(&as.a);
    bmanifest_free(&as.m);
    bstrs_free(&as.wasm_paths);
    if (rc != 0) {
        bundle_free(as.b);
        return NULL;
    }
    return as.b;
}
