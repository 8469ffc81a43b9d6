/* util.c — small pieces the bundle files share: the raw file list, error
 * messages, string lists, entry name normalisation, limits. */
#include "bundle/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bfiles_add(bfiles *fs, char *path, char *data, size_t len)
{
    if (fs->n == fs->cap) {
        int cap = fs->cap ? fs->cap * 2 : 32;
        bfile *v = realloc(fs->v, (size_t)cap * sizeof *v);
        if (!v) {
            free(path);
            free(data);
            return -1;
        }
        fs->v = v;
        fs->cap = cap;
    }
    fs->v[fs->n++] = (bfile){path, data, len};
    return 0;
}

const bfile *bfiles_find(const bfiles *fs, const char *path)
{
    for (int i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].path, path) == 0)
            return &fs->v[i];
    return NULL;
}

void bfiles_free(bfiles *fs)
{
    for (int i = 0; i < fs->n; i++) {
        free(fs->v[i].path);
        free(fs->v[i].data);
    }
    free(fs->v);
    fs->v = NULL;
    fs->n = fs->cap = 0;
}

void berr(bundle_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

int bstrs_push(bstrs *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *c = malloc(n + 1);
    if (!c)
        return -1;
    memcpy(c, s, n);
    c[n] = 0;
    l->v[l->n++] = c;
    return 0;
}

void bstrs_free(bstrs *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void bstrs_format(strbuf *sb, char *const *v, int n)
{
    sb_putc(sb, '[');
    for (int i = 0; i < n; i++) {
        if (i)
            sb_putc(sb, ' ');
        sb_puts(sb, v[i]);
    }
    sb_putc(sb, ']');
}

const char *bpath_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

char *bpath_normalise(const char *name, const char **why)
{
    *why = NULL;
    bool absolute = name[0] == '/';
    size_t n = strlen(name);
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            free(out);
            *why = absolute ? "absolute path escapes the bundle" : "path escapes the bundle";
            return NULL;
        }
        out[o++] = '/';
        memcpy(out + o, seg, len);
        o += len;
    }
    out[o] = 0;
    return out;
}

void blimits_init(blimits *l, const bundle_limits *user)
{
    l->max_total = user && user->max_total_bytes ? user->max_total_bytes : BUNDLE_DEFAULT_MAX_TOTAL;
    l->max_file = user && user->max_file_bytes ? user->max_file_bytes : BUNDLE_DEFAULT_MAX_FILE;
    l->max_entries = user && user->max_entries ? user->max_entries : BUNDLE_DEFAULT_MAX_ENTRIES;
}
