/* build.c — `verdict build`: a .tar.gz bundle as `opa build` writes one.
 *
 * Inputs are read with the bundle reader: a directory (its .manifest, if
 * any, gives roots, rego_version and metadata, as with `opa build -b`), a
 * .tar.gz bundle, a single .rego file (kept as /<name>.rego), or a single
 * JSON/YAML data file (its object merged at the top of data).  Several
 * inputs merge as OPA merges bundles: modules and data side by side, data
 * conflicts are errors; when an input declares roots, every input's roots
 * (or [""] for one without) must be disjoint, as in OPA's bundle.Merge.
 *
 * The archive holds what OPA's bundle writer writes, in its order, with its
 * tar headers (regular files, mode 0600, names with a leading '/'):
 *   /data.json          all data merged into one document (encoding/json:
 *                       keys sorted, compact, HTML-escaped, newline-terminated)
 *   /<path>.rego        each module, as found (OPA would also reformat it)
 *   /policy.wasm, ...   wasm modules and plan.json files found in the inputs
 *   /.signatures.json   when signing: {"signatures": [JWS]} indented by one space
 *   /.manifest          revision, roots, wasm, rego_version (always, as
 *                       `opa build` sets it), file_rego_versions, metadata
 * The JWS lists every module, data.json, the wasm modules and .manifest
 * with SHA-256 digests computed as the reader checks them. */
#include "bundle/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/json.h"

typedef struct part {
    const char *input;
    bundle *b;
    bfiles raw;                 /* files the reader did not take (wasm modules, ...) */
    bmanifest m;
} part;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int read_whole(const char *path, char **data, size_t *len, bundle_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        berr(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;
    sb_puts(&sb, "");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (sb.len + n > BUNDLE_DEFAULT_MAX_FILE) {
            berr(err, "%s: file too large", path);
            fclose(f);
            sb_free(&sb);
            return -1;
        }
        sb_append(&sb, buf, n);
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        berr(err, "%s: read error", path);
        sb_free(&sb);
        return -1;
    }
    *len = sb.len;
    *data = sb_detach(&sb);
    return 0;
}

/* A single .rego or data file as the raw files of a one-file bundle. */
static int read_single_file(part *p, bundle_error *err)
{
    const char *in = p->input;
    bool rego = has_suffix(in, ".rego");
    bool yaml = has_suffix(in, ".yaml") || has_suffix(in, ".yml");
    if (!rego && !yaml && !has_suffix(in, ".json")) {
        berr(err, "%s: not a directory, a .tar.gz bundle, a .rego file or a JSON/YAML data file", in);
        return -1;
    }
    char *data;
    size_t len;
    if (read_whole(in, &data, &len, err) != 0)
        return -1;
    if (!rego) {
        /* syntax errors name the input, not the name it gets in the bundle */
        arena a;
        arena_init(&a, 16384);
        val *v = bdata_parse(&a, in, data, len, yaml, err);
        bool object = v && val_kind_of(v) == VAL_OBJECT;
        arena_release(&a);
        if (!v || !object) {
            if (v)
                berr(err, "bundle load failed on %s: root value must be object", in);
            free(data);
            return -1;
        }
    }
    const char *name = rego ? bpath_base(in) : yaml ? "data.yaml" : "data.json";
    char *path = malloc(strlen(name) + 2);
    if (!path) {
        free(data);
        berr(err, "out of memory");
        return -1;
    }
    path[0] = '/';
    strcpy(path + 1, name);
    if (bfiles_add(&p->raw, path, data, len) != 0) {
        berr(err, "out of memory");
        return -1;
    }
    return 0;
}

static int read_part(part *p, bundle_error *err)
{
    struct stat st;
    if (stat(p->input, &st) != 0) {
        berr(err, "%s: %s", p->input, strerror(errno));
        return -1;
    }
    blimits lim;
    blimits_init(&lim, NULL);
    int rc;
    if (S_ISDIR(st.st_mode))
        rc = bread_dir(p->input, &lim, &p->raw, err);
    else if (has_suffix(p->input, ".tar.gz") || has_suffix(p->input, ".tgz"))
        rc = bread_archive_file(p->input, &lim, &p->raw, err);
    else
        rc = read_single_file(p, err);
    if (rc != 0)
        return -1;
    p->b = bassemble(&p->raw, p->input, NULL, err);
    if (!p->b)
        return -1;
    if (p->b->is_delta) {
        berr(err, "%s: a delta bundle cannot be built into a bundle", p->input);
        return -1;
    }
    /* the manifest as written (the bundle's copy has its defaults filled in) */
    const bfile *mf = bfiles_find(&p->raw, "/.manifest");
    if (mf && mf->data)
        return bmanifest_parse(&p->m, mf->path, mf->data, mf->len, err);
    if (bstrs_push(&p->m.roots, "", 0) != 0 || !(p->m.revision = strdup(""))) {
        berr(err, "out of memory");
        return -1;
    }
    return 0;
}

/* ---- the merged bundle ---- */

typedef struct outfile {
    const char *path;           /* with a leading '/' */
    const char *data;
    size_t len;
} outfile;

typedef struct merged {
    bmanifest m;
    arena a;
    val *data;
    outfile *modules;
    int nmodules;
    outfile *extra;             /* wasm modules, plan files */
    int nextra;
} merged;

static int merge_manifests(merged *out, part *parts, int n, const bundle_build_opts *o, bundle_error *err)
{
    bmanifest *m = &out->m;
    bool any_roots = false;
    for (int i = 0; i < n; i++)
        any_roots |= parts[i].m.has_roots;
    const char *rev = o->revision ? o->revision : n == 1 ? parts[0].m.revision : "";
    if (!(m->revision = strdup(rev ? rev : "")))
        goto oom;
    m->present = true;
    m->has_roots = true;
    if (n > 1 && !any_roots) {
        if (bstrs_push(&m->roots, "", 0) != 0)
            goto oom;
    } else {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < parts[i].m.roots.n; k++)
                if (bstrs_push(&m->roots, parts[i].m.roots.v[k], strlen(parts[i].m.roots.v[k])) != 0)
                    goto oom;
        for (int i = 0; i + 1 < m->roots.n; i++)
            for (int j = i + 1; j < m->roots.n; j++)
                if (bundle_roots_overlap(m->roots.v[i], m->roots.v[j])) {
                    berr(err, "bundle merge failed: manifest has overlapped roots: '%s' and '%s'", m->roots.v[i],
                         m->roots.v[j]);
                    return -1;
                }
    }
    m->has_rego_version = true;
    m->rego_version = n == 1 && parts[0].m.has_rego_version ? parts[0].m.rego_version : 1;
    if (n == 1 && parts[0].m.metadata_json && !(m->metadata_json = strdup(parts[0].m.metadata_json)))
        goto oom;
    int nwasm = 0;
    for (int i = 0; i < n; i++)
        nwasm += parts[i].m.nwasm;
    if (nwasm) {
        if (!(m->wasm = calloc((size_t)nwasm, sizeof *m->wasm)))
            goto oom;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < parts[i].m.nwasm; k++) {
                const bwasm_resolver *w = &parts[i].m.wasm[k];
                bwasm_resolver *c = &m->wasm[m->nwasm++];
                c->entrypoint = strdup(w->entrypoint ? w->entrypoint : "");
                c->module = strdup(w->module ? w->module : "");
                c->annotations_json = w->annotations_json ? strdup(w->annotations_json) : NULL;
                if (!c->entrypoint || !c->module || (w->annotations_json && !c->annotations_json))
                    goto oom;
            }
    }
    /* modules whose Rego version differs from the bundle's */
    int nmods = 0;
    for (int i = 0; i < n; i++)
        nmods += parts[i].b->nmodules;
    if (nmods && !(m->file_versions = calloc((size_t)nmods, sizeof *m->file_versions)))
        goto oom;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < parts[i].b->nmodules; k++) {
            const bundle_module *mod = &parts[i].b->modules[k];
            int v = mod->rego_v0 ? 0 : 1;
            if (v == m->rego_version)
                continue;
            char *pat = strdup(mod->path);
            if (!pat)
                goto oom;
            m->file_versions[m->nfile_versions++] = (bfile_version){pat, v};
        }
    return 0;
oom:
    berr(err, "out of memory");
    return -1;
}

static int merge_contents(merged *out, part *parts, int n, bundle_error *err)
{
    int nmods = 0, nextra = 0;
    for (int i = 0; i < n; i++) {
        nmods += parts[i].b->nmodules;
        for (int k = 0; k < parts[i].raw.n; k++)
            nextra += parts[i].raw.v[k].data != NULL;
    }
    out->modules = calloc((size_t)nmods + 1, sizeof *out->modules);
    out->extra = calloc((size_t)nextra + 1, sizeof *out->extra);
    if (!out->modules || !out->extra) {
        berr(err, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const bundle *b = parts[i].b;
        for (int k = 0; k < b->nmodules; k++) {
            for (int j = 0; j < out->nmodules; j++)
                if (strcmp(out->modules[j].path, b->modules[k].path) == 0) {
                    berr(err, "bundle merge failed: module %s is in more than one input", b->modules[k].path);
                    return -1;
                }
            out->modules[out->nmodules++] = (outfile){b->modules[k].path, b->modules[k].text, b->modules[k].len};
        }
        for (int k = 0; k < b->ndata; k++) {
            const bundle_data *d = &b->data[k];
            val *v = bdata_parse(&out->a, d->path, d->text, d->len, d->is_yaml, err);
            if (!v)
                return -1;
            if (bdata_insert(&out->a, &out->data, d->keys, d->nkeys, v) != 0) {
                strbuf sb = STRBUF_INIT;
                sb_puts(&sb, "");
                for (int j = 0; j < d->nkeys; j++) {
                    if (j)
                        sb_putc(&sb, '/');
                    sb_puts(&sb, d->keys[j]);
                }
                berr(err, "bundle merge failed: %s%s: failed to insert data file from path %s", parts[i].input,
                     d->path, sb.data);
                sb_free(&sb);
                return -1;
            }
        }
        /* wasm modules and plans, as OPA's writer keeps them */
        for (int k = 0; k < parts[i].raw.n; k++) {
            const bfile *f = &parts[i].raw.v[k];
            const char *base = bpath_base(f->path);
            if (!f->data || (strcmp(base, "policy.wasm") != 0 && strcmp(base, "plan.json") != 0))
                continue;
            for (int j = 0; j < out->nextra; j++)
                if (strcmp(out->extra[j].path, f->path) == 0) {
                    berr(err, "bundle merge failed: %s is in more than one input", f->path);
                    return -1;
                }
            out->extra[out->nextra++] = (outfile){f->path, f->data, f->len};
        }
    }
    return 0;
}

/* merge_contents with running out of memory in the arena caught. */
static int merge_guarded(merged *mg, part *parts, int n, bundle_error *err)
{
    jmp_buf jb;
    mg->a.oom = &jb;
    if (setjmp(jb) != 0) {
        mg->a.oom = NULL;
        berr(err, "out of memory");
        return -1;
    }
    int rc = merge_contents(mg, parts, n, err);
    mg->a.oom = NULL;
    return rc;
}

/* ---- writing ---- */

static int write_entry(struct archive *a, const char *path, const char *data, size_t len)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return -1;
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, 0, 0);
    int rc = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -1;
    archive_entry_free(e);
    size_t off = 0;
    while (rc == 0 && off < len) {
        la_ssize_t n = archive_write_data(a, data + off, len - off);
        if (n <= 0)
            rc = -1;
        else
            off += (size_t)n;
    }
    return rc;
}

static int add_sig_file(bsig_files *fs, const char *name, const char *hex)
{
    bsig_file *v = realloc(fs->v, (size_t)(fs->n + 1) * sizeof *v);
    if (!v)
        return -1;
    fs->v = v;
    bsig_file *f = &v[fs->n];
    f->name = strdup(name[0] == '/' ? name + 1 : name);
    f->hash = strdup(hex);
    f->algorithm = strdup("SHA-256");
    f->seen = false;
    fs->n++;
    return f->name && f->hash && f->algorithm ? 0 : -1;
}

/* .signatures.json as json.MarshalIndent(v, "", " ") writes it. */
static char *signatures_file(const merged *mg, const char *data_json, const char *manifest_json,
                             const bundle_build_opts *o, bundle_error *err)
{
    bsig_files fs = {0};
    char hex[65];
    int rc = 0;
    for (int i = 0; i < mg->nmodules && rc == 0; i++) {
        bsig_hex_digest_bytes(mg->modules[i].data, mg->modules[i].len, hex);
        rc = add_sig_file(&fs, mg->modules[i].path, hex);
    }
    arena a;
    arena_init(&a, 4096);
    json_error je;
    val *v = json_parse(&a, data_json, strlen(data_json), 0, &je);
    if (rc == 0 && v) {
        bsig_hex_digest_value(v, hex);
        rc = add_sig_file(&fs, "data.json", hex);
    }
    for (int i = 0; i < mg->nextra && rc == 0; i++) {
        if (strcmp(bpath_base(mg->extra[i].path), "policy.wasm") != 0 &&
            strcmp(bpath_base(mg->extra[i].path), "plan.json") != 0)
            continue;
        bsig_hex_digest_bytes(mg->extra[i].data, mg->extra[i].len, hex);
        rc = add_sig_file(&fs, mg->extra[i].path, hex);
    }
    val *mv = json_parse(&a, manifest_json, strlen(manifest_json), 0, &je);
    if (rc == 0 && mv) {
        bsig_hex_digest_value(mv, hex);
        rc = add_sig_file(&fs, ".manifest", hex);
    }
    arena_release(&a);
    char *out = NULL;
    if (rc != 0 || !v || !mv) {
        berr(err, "out of memory");
    } else {
        char *token = bsig_sign(&fs, o, err);
        if (token) {
            strbuf sb = STRBUF_INIT;
            sb_puts(&sb, "{\n \"signatures\": [\n  ");
            json_write_string(&sb, token, strlen(token), JSON_ESCAPE_HTML);
            sb_puts(&sb, "\n ]\n}");
            out = sb_detach(&sb);
            free(token);
        }
    }
    bsig_files_free(&fs);
    return out;
}

static int write_archive(const merged *mg, const char *out_path, const bundle_build_opts *o, bundle_error *err)
{
    strbuf data = STRBUF_INIT, man = STRBUF_INIT;
    if (mg->data)
        json_write(&data, mg->data, JSON_ESCAPE_HTML);
    else
        sb_puts(&data, "{}");
    sb_putc(&data, '\n');
    bmanifest_write(&man, &mg->m);
    sb_putc(&man, '\n');
    char *sigs = NULL;
    if (o->signing_key && !(sigs = signatures_file(mg, data.data, man.data, o, err))) {
        sb_free(&data);
        sb_free(&man);
        return -1;
    }

    size_t n = strlen(out_path);
    char *tmp = malloc(n + 16);
    int fd = -1;
    if (tmp) {
        memcpy(tmp, out_path, n);
        strcpy(tmp + n, ".tmp-XXXXXX");
        fd = mkstemp(tmp);
    }
    if (fd < 0) {
        berr(err, "%s: %s", out_path, tmp ? strerror(errno) : "out of memory");
        free(tmp);
        free(sigs);
        sb_free(&data);
        sb_free(&man);
        return -1;
    }
    fchmod(fd, 0644);
    struct archive *a = archive_write_new();
    int rc = a ? 0 : -1;
    if (rc == 0 && (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
                    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) < ARCHIVE_WARN ||
                    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || archive_write_open_fd(a, fd) != ARCHIVE_OK))
        rc = -1;
    if (rc == 0)
        rc = write_entry(a, "/data.json", data.data, data.len);
    for (int i = 0; i < mg->nmodules && rc == 0; i++)
        rc = write_entry(a, mg->modules[i].path, mg->modules[i].data, mg->modules[i].len);
    for (int i = 0; i < mg->nextra && rc == 0; i++)
        if (strcmp(bpath_base(mg->extra[i].path), "policy.wasm") == 0)
            rc = write_entry(a, mg->extra[i].path, mg->extra[i].data, mg->extra[i].len);
    if (rc == 0 && sigs)
        rc = write_entry(a, "/.signatures.json", sigs, strlen(sigs));
    for (int i = 0; i < mg->nextra && rc == 0; i++)
        if (strcmp(bpath_base(mg->extra[i].path), "plan.json") == 0)
            rc = write_entry(a, mg->extra[i].path, mg->extra[i].data, mg->extra[i].len);
    if (rc == 0)
        rc = write_entry(a, "/.manifest", man.data, man.len);
    if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
        rc = -1;
    if (rc != 0) {
        const char *m = a ? archive_error_string(a) : NULL;
        berr(err, "%s: write failed: %s", out_path, m ? m : strerror(errno));
    }
    if (a)
        archive_write_free(a);
    if (close(fd) != 0 && rc == 0) {
        berr(err, "%s: %s", out_path, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, out_path) != 0) {
        berr(err, "%s: %s", out_path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    free(sigs);
    sb_free(&data);
    sb_free(&man);
    return rc;
}

int bundle_build(char *const *inputs, int ninputs, const char *out_path, const bundle_build_opts *o, bundle_error *err)
{
    static const bundle_build_opts none = {0};
    if (!o)
        o = &none;
    if (ninputs <= 0) {
        berr(err, "no inputs to build a bundle from");
        return -1;
    }
    part *parts = calloc((size_t)ninputs, sizeof *parts);
    if (!parts) {
        berr(err, "out of memory");
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < ninputs && rc == 0; i++) {
        parts[i].input = inputs[i];
        bmanifest_init(&parts[i].m);
        rc = read_part(&parts[i], err);
    }
    merged mg;
    memset(&mg, 0, sizeof mg);
    bmanifest_init(&mg.m);
    arena_init(&mg.a, 65536);
    if (rc == 0)
        rc = merge_manifests(&mg, parts, ninputs, o, err);
    if (rc == 0)
        rc = merge_guarded(&mg, parts, ninputs, err);
    if (rc == 0)
        rc = write_archive(&mg, out_path, o, err);
    arena_release(&mg.a);
    bmanifest_free(&mg.m);
    free(mg.modules);
    free(mg.extra);
    for (int i = 0; i < ninputs; i++) {
        bundle_free(parts[i].b);
        bfiles_free(&parts[i].raw);
        bmanifest_free(&parts[i].m);
    }
    free(parts);
    return rc;
}
