/* test_load.c — loading `verdict test` paths with --ignore (test_load.h). */
#include "test_load.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load.h"

char *test_path_clean(const char *path)
{
    size_t n = strlen(path);
    if (n == 0) return strdup(".");
    int rooted = path[0] == '/';
    char *out = malloc(n + 2);
    if (!out) return NULL;
    size_t w = 0, floor = 0;  /* floor: where ".." can no longer go back */
    if (rooted) out[w++] = '/', floor = 1;
    for (size_t r = 0; r < n;) {
        size_t end = r;
        while (end < n && path[end] != '/') end++;
        size_t len = end - r;
        if (len == 0 || (len == 1 && path[r] == '.')) {
            /* "//" and "/./" vanish */
        } else if (len == 2 && path[r] == '.' && path[r + 1] == '.') {
            if (w > floor) {
                while (w > floor && out[w - 1] != '/') w--;
                if (w > floor) w--;  /* the slash before the dropped name */
            } else if (!rooted) {
                if (w > 0) out[w++] = '/';
                out[w++] = '.', out[w++] = '.';
                floor = w;
            }
        } else {
            if (w > (size_t)rooted) out[w++] = '/';
            memcpy(out + w, path + r, len);
            w += len;
        }
        r = end + 1;
    }
    if (w == 0) out[w++] = '.';
    out[w] = '\0';
    return out;
}

typedef struct walker {
    verdict_engine *eng;
    char *const *ignore;
    size_t nignore;
    errlist *errs;
} walker;

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

/* OPA's loader.GlobExcludeName(pattern, 1): the paths given are never
 * excluded, anything below them is when its name matches. */
static int ignored(const walker *w, const char *name, int depth)
{
    if (depth < 1) return 0;
    for (size_t i = 0; i < w->nignore; i++)
        if (fnmatch(w->ignore[i], name, 0) == 0) return 1;
    return 0;
}

/* As Go words an OS error ("stat x: no such file or directory"). */
static void os_error(walker *w, const char *op, const char *path, int err)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s", strerror(err));
    msg[0] = (char)tolower((unsigned char)msg[0]);
    errlist_addf(w->errs, "%s %s: %s", op, path, msg);
}

static void engine_errors(walker *w, verdict_errors *e, const char *path, const char *what)
{
    if (e && verdict_errors_count(e)) {
        errlist_add_engine(w->errs, e);
    } else {
        verdict_errors_free(e);
        errlist_addf(w->errs, "%s: cannot load %s", path, what);
    }
}

static void load_file(walker *w, const char *path, const char *data_path, int depth)
{
    const char *name = base_name(path);
    int rego = has_suffix(name, ".rego");
    int json = has_suffix(name, ".json");
    int yaml = has_suffix(name, ".yaml") || has_suffix(name, ".yml");
    if (!rego && !json && !yaml && depth > 0) return;  /* other files in directories */
    if (!rego && !json && !yaml) {
        /* A file named on the command line: load.c knows how to guess. */
        char *one = (char *)path;
        load_data_paths(w->eng, &one, 1, w->errs);
        return;
    }
    size_t len = 0;
    char *text = load_read_file(path, &len);
    if (!text) {
        os_error(w, "open", path, errno);
        return;
    }
    verdict_errors *e = NULL;
    verdict_status st;
    if (rego)
        st = verdict_add_module(w->eng, path, text, len, &e);
    else if (json)
        st = verdict_add_data_json(w->eng, data_path, text, len, path, &e);
    else
        st = verdict_add_data_yaml(w->eng, data_path, text, len, path, &e);
    if (st != VERDICT_OK)
        engine_errors(w, e, path, rego ? "module" : "data");
    else
        verdict_errors_free(e);
    free(text);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static void walk(walker *w, const char *path, const char *data_path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        os_error(w, "stat", path, errno);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        load_file(w, path, data_path, depth);
        return;
    }
    /* each directory below the path given is one key under data */
    char *dpath = NULL;
    if (depth == 0)
        dpath = strdup(data_path);
    else if (asprintf(&dpath, "%s%s%s", data_path, data_path[0] ? "/" : "", base_name(path)) < 0)
        dpath = NULL;
    struct dirent **names = NULL;
    int n = scandir(path, &names, not_dot, by_name);
    if (n < 0) {
        os_error(w, "open", path, errno);
        free(dpath);
        return;
    }
    for (int i = 0; i < n; i++) {
        if (dpath && !ignored(w, names[i]->d_name, depth + 1)) {
            char *joined = NULL;
            if (asprintf(&joined, "%s/%s", path, names[i]->d_name) >= 0) {
                char *child = test_path_clean(joined);
                if (child) walk(w, child, dpath, depth + 1);
                free(child);
                free(joined);
            }
        }
        free(names[i]);
    }
    free(names);
    free(dpath);
}

void test_load_filtered(verdict_engine *eng, char *const *paths, size_t n, char *const *ignore,
                        size_t nignore, errlist *errs)
{
    walker w = {eng, ignore, nignore, errs};
    for (size_t i = 0; i < n; i++) {
        /* "a.b:PATH" prefixes and file:// URLs are load.c's business */
        if (strchr(paths[i], ':')) {
            load_data_paths(eng, &paths[i], 1, errs);
            continue;
        }
        walk(&w, paths[i], "", 0);
    }
}
