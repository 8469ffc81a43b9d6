/* load.c — `-d` and `-b` loading for `verdict eval` (see load.h). */
#include "load.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "glob.h"

/* ---- paths ---- */

/* Go's filepath.Clean: collapse "//", "/./" and "x/.." so that names walked
 * from "./dir/" read "dir/a.rego" as OPA reports them. */
static char *path_clean(const char *path)
{
    size_t n = strlen(path);
    if (n == 0) return strdup(".");
    int rooted = path[0] == '/';
    char *out = malloc(n + 2);
    if (!out) return NULL;
    size_t w = 0, dotdot = 0;  /* dotdot: where ".." may no longer be undone */
    if (rooted) out[w++] = '/', dotdot = 1;
    size_t r = 0;
    while (r < n) {
        if (path[r] == '/') {
            r++;
        } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
            r++;
        } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/') w--;
            } else if (!rooted) {
                if (w > 0) out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0)) out[w++] = '/';
            while (r < n && path[r] != '/') out[w++] = path[r++];
        }
    }
    if (w == 0) out[w++] = '.';
    out[w] = '\0';
    return out;
}

static char *path_join(const char *dir, const char *name)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s/%s", dir, name) < 0) return NULL;
    char *clean = path_clean(tmp);
    free(tmp);
    return clean;
}

/* A data path (slash separated, "" for the root) one level deeper. */
static char *data_path_child(const char *parent, const char *name)
{
    char *out = NULL;
    if (asprintf(&out, "%s%s%s", parent, parent[0] ? "/" : "", name) < 0) return NULL;
    return out;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* An OS error worded as Go words it ("stat x.json: no such file or
 * directory"), since that is what OPA users see. */
static void add_os_error(errlist *errs, const char *op, const char *path, int err)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s", strerror(err));
    msg[0] = (char)tolower((unsigned char)msg[0]);
    errlist_addf(errs, "%s %s: %s", op, path, msg);
}

char *load_read_stream(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
        if (n + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    if (ferror(f)) {
        int err = errno;
        free(buf);
        errno = err ? err : EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *load_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = load_read_stream(f, len);
    int err = errno;
    fclose(f);
    if (!text) errno = err;
    return text;
}

/* "a.b:PATH" puts PATH under data.a.b; plain paths and URLs ("file://...")
 * have no prefix (OPA's loader.SplitPrefix). */
static char *split_prefix(const char *arg, const char **path)
{
    const char *colon = strchr(arg, ':');
    const char *scheme = strstr(arg, "://");
    *path = arg;
    if (!colon || colon == scheme || colon == arg) return strdup("");
    char *prefix = strndup(arg, (size_t)(colon - arg));
    for (char *p = prefix; p && *p; p++)
        if (*p == '.') *p = '/';
    *path = colon + 1;
    return prefix;
}

/* file:// URLs name local files; other schemes are refused as OPA does. */
static char *url_clean(const char *path, errlist *errs)
{
    if (!strstr(path, "://")) return strdup(path);
    if (strncmp(path, "file://", 7) == 0) {
        const char *p = path + 7;
        if (*p != '/') p = strchr(p, '/');  /* skip a host part */
        return strdup(p ? p : "/");
    }
    errlist_addf(errs, "unsupported URL scheme: %s", path);
    return NULL;
}

/* ---- staging files ---- */

typedef struct loader {
    verdict_engine *eng;
    errlist *errs;
    int bundle;     /* -b: bundle directory rules */
    load_opts *o;   /* or NULL */
} loader;

static uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int stage_module(loader *ld, const char *path, const char *text, size_t len, int report)
{
    verdict_errors *e = NULL;
    uint64_t t0 = clock_ns();
    verdict_status st = verdict_add_module(ld->eng, path, text, len, report ? &e : NULL);
    if (ld->o) {
        ld->o->module_parse_ns += clock_ns() - t0;
        ld->o->nmodules_tried++;
        if (st == VERDICT_OK) ld->o->nmodules++;
    }
    if (st == VERDICT_OK) return 0;
    if (report) {
        if (e && verdict_errors_count(e))
            errlist_add_engine(ld->errs, e);
        else {
            verdict_errors_free(e);
            errlist_addf(ld->errs, "%s: cannot load module", path);
        }
    }
    return -1;
}

static int stage_data(loader *ld, const char *path, const char *data_path, const char *text,
                      size_t len, int yaml, int report)
{
    verdict_errors *e = NULL;
    uint64_t t0 = clock_ns();
    verdict_status st = yaml ? verdict_add_data_yaml(ld->eng, data_path, text, len, path,
                                                     report ? &e : NULL)
                             : verdict_add_data_json(ld->eng, data_path, text, len, path,
                                                     report ? &e : NULL);
    if (ld->o) {
        ld->o->data_parse_ns += clock_ns() - t0;
        ld->o->ndata_tried++;
    }
    if (st == VERDICT_OK) return 0;
    if (report) {
        if (e && verdict_errors_count(e))
            errlist_add_engine(ld->errs, e);
        else {
            verdict_errors_free(e);
            errlist_addf(ld->errs, "%s: cannot load data", path);
        }
    }
    return -1;
}

static void load_file(loader *ld, const char *path, const char *data_path, int depth)
{
    const char *name = base_name(path);
    enum { REGO, JSON, YAML, ARCHIVE, OTHER } kind = OTHER;
    if (has_suffix(name, ".rego")) kind = REGO;
    else if (has_suffix(name, ".json")) kind = JSON;
    else if (has_suffix(name, ".yaml") || has_suffix(name, ".yml")) kind = YAML;
    else if (has_suffix(name, ".tar.gz")) kind = ARCHIVE;

    if (ld->o && ld->o->only_rego && kind != REGO)
        return;
    if (ld->bundle) {
        /* A bundle holds modules and data.json/data.yaml; nothing else loads. */
        if (kind != REGO && strcmp(name, "data.json") != 0 && strcmp(name, "data.yaml") != 0 &&
            strcmp(name, "data.yml") != 0)
            return;
    } else if (kind == OTHER && depth > 0) {
        return;  /* OPA skips unknown file types inside directories */
    }
    if (kind == ARCHIVE) {
        errlist_addf(ld->errs, "bundle %s: loading bundle archives is not supported yet", path);
        return;
    }

    size_t len = 0;
    char *text = load_read_file(path, &len);
    if (!text) {
        add_os_error(ld->errs, "open", path, errno);
        return;
    }
    switch (kind) {
    case REGO: stage_module(ld, path, text, len, 1); break;
    case JSON: stage_data(ld, path, data_path, text, len, 0, 1); break;
    case YAML: stage_data(ld, path, data_path, text, len, 1, 1); break;
    default:
        /* A file named explicitly with an unknown extension: whatever parses. */
        if (stage_module(ld, path, text, len, 0) != 0 &&
            stage_data(ld, path, data_path, text, len, 0, 0) != 0 &&
            stage_data(ld, path, data_path, text, len, 1, 0) != 0)
            errlist_addf(ld->errs, "%s: can't recognize file type", path);
        break;
    }
    free(text);
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* --ignore: a name below a given path that matches a pattern. */
static int ignored(const loader *ld, const char *path, int depth)
{
    if (!ld->o || depth < 1) return 0;
    const char *name = base_name(path);
    for (size_t i = 0; i < ld->o->nignore; i++)
        if (glob_match(ld->o->ignore[i], name)) return 1;
    return 0;
}

static void load_rec(loader *ld, const char *path, const char *data_path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        add_os_error(ld->errs, "stat", path, errno);
        return;
    }
    if (ignored(ld, path, depth)) return;
    if (!S_ISDIR(st.st_mode)) {
        load_file(ld, path, data_path, depth);
        return;
    }
    /* Inside the tree, each directory level is one key under data. */
    char *dpath = depth > 0 ? data_path_child(data_path, base_name(path)) : strdup(data_path);
    struct dirent **names = NULL;
    int n = scandir(path, &names, not_dot, name_order);
    if (n < 0) {
        add_os_error(ld->errs, "open", path, errno);
        free(dpath);
        return;
    }
    for (int i = 0; i < n; i++) {
        /* Bundles skip hidden files (.manifest, .signatures.json are metadata). */
        if (!(ld->bundle && names[i]->d_name[0] == '.')) {
            char *child = path_join(path, names[i]->d_name);
            if (child && dpath) load_rec(ld, child, dpath, depth + 1);
            free(child);
        }
        free(names[i]);
    }
    free(names);
    free(dpath);
}

void load_data_paths(verdict_engine *eng, char *const *paths, size_t n, errlist *errs)
{
    load_data_paths_with(eng, paths, n, NULL, errs);
}

void load_data_paths_with(verdict_engine *eng, char *const *paths, size_t n, load_opts *o, errlist *errs)
{
    loader ld = {eng, errs, 0, o};
    for (size_t i = 0; i < n; i++) {
        const char *rest;
        char *prefix = split_prefix(paths[i], &rest);
        char *path = url_clean(rest, errs);
        if (prefix && path) load_rec(&ld, path, prefix, 0);
        free(prefix);
        free(path);
    }
}

/* Bundles (.tar.gz files or directories) are activated in order, each
 * named by its path; a delta bundle patches the full bundle loaded before it. */
size_t load_bundle_paths(verdict_engine *eng, char *const *paths, size_t n, errlist *errs)
{
    char *last_full = NULL;
    size_t loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = url_clean(paths[i], errs);
        if (!path) continue;
        struct stat st;
        if (stat(path, &st) != 0) {
            add_os_error(errs, "stat", path, errno);
            free(path);
            continue;
        }
        verdict_bundle_options o;
        memset(&o, 0, sizeof o);
        o.delta_target = last_full;
        verdict_errors *e = NULL;
        if (verdict_load_bundle_file(eng, path, path, &o, &e) != VERDICT_OK) {
            if (e && verdict_errors_count(e))
                errlist_add_engine(errs, e);
            else {
                verdict_errors_free(e);
                errlist_addf(errs, "bundle %s: cannot be loaded", path);
            }
            free(path);
            continue;
        }
        verdict_errors_free(e);
        loaded++;
        char *rev = verdict_bundle_revision(eng, path);
        if (rev) { /* a full bundle, registered under its path */
            free(last_full);
            last_full = path;
            path = NULL;
        }
        free(rev);
        free(path);
    }
    free(last_full);
    return loaded;
}

/* ---- the input document ---- */

/* Whether text parses as JSON (or YAML): a throwaway engine stages it as a
 * data document, so the CLI needs no parser of its own.  On failure the
 * engine's message (file:row: ...) is returned in *why when asked. */
static int parses_as(const char *text, size_t len, int yaml, const char *source, char **why)
{
    verdict_engine *scratch = verdict_new(NULL);
    if (!scratch) return 0;
    verdict_errors *e = NULL;
    verdict_status st = yaml ? verdict_add_data_yaml(scratch, "input", text, len, source, &e)
                             : verdict_add_data_json(scratch, "input", text, len, source, &e);
    if (st != VERDICT_OK && why) {
        *why = e && verdict_errors_count(e) ? verdict_error_string(e, 0) : NULL;
        if (!*why && asprintf(why, "%s: cannot parse", source) < 0) *why = NULL;
    }
    verdict_errors_free(e);
    verdict_free(scratch);
    return st == VERDICT_OK;
}

char *load_input(const char *path, size_t *len, int *is_yaml, char **error)
{
    *error = NULL;
    *is_yaml = 0;
    char *text;
    const char *source = path ? path : "stdin";
    if (path) {
        if (strncmp(path, "file://", 7) == 0) path += 7;
        text = load_read_file(path, len);
        if (!text) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s", strerror(errno));
            msg[0] = (char)tolower((unsigned char)msg[0]);
            if (asprintf(error, "open %s: %s", path, msg) < 0) *error = NULL;
            return NULL;
        }
    } else {
        text = load_read_stream(stdin, len);
        if (!text) {
            *error = strdup("cannot read standard input");
            return NULL;
        }
    }
    /* Files named .yaml/.yml are YAML and .json are JSON (the query then
     * reports any syntax error); anything else is JSON if it parses as
     * JSON, and YAML otherwise. */
    if (path && (has_suffix(path, ".yaml") || has_suffix(path, ".yml"))) {
        *is_yaml = 1;
        return text;
    }
    if (path && has_suffix(path, ".json")) return text;
    char *why = NULL;
    if (parses_as(text, *len, 0, source, &why)) {
        free(why);
        return text;
    }
    if (parses_as(text, *len, 1, source, NULL)) {
        free(why);
        *is_yaml = 1;
        return text;
    }
    if (asprintf(error, "unable to parse input: %s", why ? why : source) < 0) *error = NULL;
    free(why);
    free(text);
    return NULL;
}

char *load_input_error(const char *text, size_t len, int is_yaml, const char *source)
{
    char *why = NULL, *msg = NULL;
    if (parses_as(text, len, is_yaml, source, &why)) return NULL;
    if (asprintf(&msg, "unable to parse input: %s", why ? why : source) < 0) msg = NULL;
    free(why);
    return msg;
}
