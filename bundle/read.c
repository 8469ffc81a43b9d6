/* read.c — the raw files of a bundle, from a .tar.gz (file or buffer) or a
 * directory, with every entry checked before anything is kept.
 *
 * Archives are read in two libarchive stages so that the limits hold while
 * decompressing, not after: the first stage only inflates gzip ("raw"
 * format), and hands its bytes to the tar reader of the second stage through
 * a callback that counts them and fails once the stream grows past what the
 * limits allow.  Regular entries are also checked against the limits by
 * their declared size before a byte of them is read, so a gzip bomb costs
 * one header's worth of inflating and no memory.
 *
 * Refused: names with a ".." segment, symbolic and hard links, device files,
 * FIFOs, sockets, duplicate names, more entries than max_entries, an entry
 * over max_file_bytes, content over max_total_bytes.  Names are normalised
 * ("./a//b" and "/a/b" are "/a/b"); directories are not files of the bundle.
 * A directory source follows the same rules (its symbolic links are refused
 * rather than followed). */
#include "bundle/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGE_BLOCK (64 * 1024)

/* The first stage: inflated bytes, counted. */
typedef struct stage {
    struct archive *raw;
    uint64_t streamed;
    uint64_t limit;
    bool over;
    char buf[STAGE_BLOCK];
} stage;

static la_ssize_t stage_read(struct archive *tar, void *ud, const void **out)
{
    stage *s = ud;
    la_ssize_t n = archive_read_data(s->raw, s->buf, sizeof s->buf);
    if (n < 0) {
        const char *m = archive_error_string(s->raw);
        archive_set_error(tar, -1, "%s", m ? m : "decompression failed");
        return -1;
    }
    if (s->streamed + (uint64_t)n > s->limit) {
        s->over = true;
        archive_set_error(tar, -1, "decompressed size limit exceeded");
        return -1;
    }
    s->streamed += (uint64_t)n;
    *out = s->buf;
    return n;
}

static void archive_failure(bundle_error *err, const char *src, const stage *s, const blimits *lim,
                            const char *msg)
{
    if (s->over) {
        berr(err, "%s: decompressed size exceeds the limit of %llu bytes", src,
             (unsigned long long)lim->max_total);
        return;
    }
    if (!msg)
        msg = "unknown error";
    if (strstr(msg, "runcated") || strstr(msg, "Premature end") || strstr(msg, "premature end"))
        berr(err, "%s: archive read failed: truncated archive", src);
    else
        berr(err, "%s: archive read failed: %s", src, msg);
}

/* Why an entry of this kind is refused, or NULL for regular files and directories. */
static const char *refused_kind(struct archive_entry *e)
{
    if (archive_entry_hardlink(e))
        return "hard links are not allowed";
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
    case AE_IFDIR:
        return NULL;
    case AE_IFLNK:
        return "symbolic links are not allowed";
    case AE_IFCHR:
    case AE_IFBLK:
        return "device files are not allowed";
    case AE_IFIFO:
        return "FIFOs are not allowed";
    case AE_IFSOCK:
        return "sockets are not allowed";
    default:
        return "unsupported entry type";
    }
}

/* Size checks shared by archives and directories; name without a leading '/'. */
static int check_size(const char *src, const char *name, uint64_t size, uint64_t total, const blimits *lim,
                      bundle_error *err)
{
    if (size > lim->max_file) {
        berr(err, "%s: bundle file %s size (%llu bytes) exceeds configured size_limit_bytes (%llu bytes)", src, name,
             (unsigned long long)size, (unsigned long long)lim->max_file);
        return -1;
    }
    if (total + size > lim->max_total) {
        berr(err, "%s: decompressed size exceeds the limit of %llu bytes", src, (unsigned long long)lim->max_total);
        return -1;
    }
    return 0;
}

static int add_file(bfiles *out, const char *src, char *path, char *data, size_t len, bundle_error *err)
{
    if (bfiles_find(out, path)) {
        berr(err, "%s: duplicate entry %s", src, path);
        free(path);
        free(data);
        return -1;
    }
    if (bfiles_add(out, path, data, len) != 0) {
        berr(err, "%s: out of memory", src);
        return -1;
    }
    return 0;
}

static int read_entries(struct archive *tar, stage *s, const char *src, const blimits *lim, bfiles *out,
                        bundle_error *err)
{
    uint64_t total = 0;
    uint32_t entries = 0;
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(tar, &e);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r == ARCHIVE_RETRY)
            continue;
        if (r < ARCHIVE_WARN) {
            archive_failure(err, src, s, lim, archive_error_string(tar));
            return -1;
        }
        if (++entries > lim->max_entries) {
            berr(err, "%s: too many entries (the limit is %u)", src, lim->max_entries);
            return -1;
        }
        const char *name = archive_entry_pathname(e);
        if (!name)
            name = archive_entry_pathname_utf8(e);
        if (!name) {
            berr(err, "%s: entry with an unreadable name", src);
            return -1;
        }
        const char *why;
        char *path = bpath_normalise(name, &why);
        if (!path) {
            if (why)
                berr(err, "%s: entry \"%s\": %s", src, name, why);
            else
                berr(err, "%s: out of memory", src);
            return -1;
        }
        const char *refused = refused_kind(e);
        if (refused) {
            berr(err, "%s: entry \"%s\": %s", src, name, refused);
            free(path);
            return -1;
        }
        if (archive_entry_filetype(e) == AE_IFDIR) {
            free(path);
            continue;
        }
        if (path[0] == 0) {
            berr(err, "%s: entry \"%s\": a file without a name", src, name);
            free(path);
            return -1;
        }
        int64_t size = archive_entry_size(e);
        if (size < 0)
            size = 0;
        if (check_size(src, path + 1, (uint64_t)size, total, lim, err) != 0) {
            free(path);
            return -1;
        }
        char *data = malloc((size_t)size + 1);
        if (!data) {
            berr(err, "%s: out of memory", src);
            free(path);
            return -1;
        }
        size_t got = 0;
        while (got < (size_t)size) {
            la_ssize_t n = archive_read_data(tar, data + got, (size_t)size - got);
            if (n < 0) {
                archive_failure(err, src, s, lim, archive_error_string(tar));
                free(path);
                free(data);
                return -1;
            }
            if (n == 0) {
                archive_failure(err, src, s, lim, "truncated");
                free(path);
                free(data);
                return -1;
            }
            got += (size_t)n;
        }
        data[got] = 0;
        total += got;
        if (add_file(out, src, path, data, got, err) != 0)
            return -1;
    }
}

/* Opens stage one on a file or a buffer, then reads the tar stream. */
static int read_archive(const char *file, const void *buf, size_t len, const char *src, const blimits *lim,
                        bfiles *out, bundle_error *err)
{
    stage *s = calloc(1, sizeof *s);
    if (!s) {
        berr(err, "%s: out of memory", src);
        return -1;
    }
    /* Headers and padding take at most 1536 bytes per entry, plus the
     * end-of-archive blocks and long-name/pax records. */
    s->limit = lim->max_total + (uint64_t)lim->max_entries * 1536u + (1u << 20);
    int rc = -1;
    struct archive *tar = NULL;
    s->raw = archive_read_new();
    if (!s->raw) {
        berr(err, "%s: out of memory", src);
        goto done;
    }
    archive_read_support_filter_gzip(s->raw);
    archive_read_support_format_raw(s->raw);
    int r = file ? archive_read_open_filename(s->raw, file, STAGE_BLOCK)
                 : archive_read_open_memory(s->raw, buf, len);
    if (r != ARCHIVE_OK) {
        archive_failure(err, src, s, lim, archive_error_string(s->raw));
        goto done;
    }
    struct archive_entry *e;
    r = archive_read_next_header(s->raw, &e);
    if (r == ARCHIVE_EOF) {
        berr(err, "%s: archive read failed: empty archive", src);
        goto done;
    }
    if (r < ARCHIVE_WARN) {
        archive_failure(err, src, s, lim, archive_error_string(s->raw));
        goto done;
    }
    tar = archive_read_new();
    if (!tar) {
        berr(err, "%s: out of memory", src);
        goto done;
    }
    archive_read_support_format_tar(tar);
    if (archive_read_open(tar, s, NULL, stage_read, NULL) != ARCHIVE_OK) {
        archive_failure(err, src, s, lim, archive_error_string(tar));
        goto done;
    }
    rc = read_entries(tar, s, src, lim, out, err);
done:
    if (tar)
        archive_read_free(tar);
    if (s->raw)
        archive_read_free(s->raw);
    free(s);
    return rc;
}

int bread_archive_file(const char *path, const blimits *lim, bfiles *out, bundle_error *err)
{
    return read_archive(path, NULL, 0, path, lim, out, err);
}

int bread_archive_buffer(const void *buf, size_t len, const char *src, const blimits *lim, bfiles *out,
                         bundle_error *err)
{
    return read_archive(NULL, buf, len, src, lim, out, err);
}

/* ---- directories ---- */

typedef struct walker {
    const char *src;
    const blimits *lim;
    bfiles *out;
    bundle_error *err;
    uint64_t total;
    uint32_t entries;
} walker;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted (as Go's filepath.Walk visits them). */
static int list_dir(int dfd, bstrs *names)
{
    int fd = dup(dfd);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (bstrs_push(names, de->d_name, strlen(de->d_name)) != 0) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    if (names->n > 1)
        qsort(names->v, (size_t)names->n, sizeof *names->v, cmp_names);
    return rc;
}

static int read_regular(walker *w, int dfd, const char *name, const char *rel)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        berr(w->err, "%s: %s: %s", w->src, rel, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        berr(w->err, "%s: entry \"%s\": unsupported entry type", w->src, rel);
        close(fd);
        return -1;
    }
    if (check_size(w->src, rel, (uint64_t)st.st_size, w->total, w->lim, w->err) != 0) {
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *data = malloc(size + 1);
    char *path = malloc(strlen(rel) + 2);
    if (!data || !path) {
        berr(w->err, "%s: out of memory", w->src);
        free(data);
        free(path);
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            berr(w->err, "%s: %s: %s", w->src, rel, n < 0 ? strerror(errno) : "file shrank while reading");
            free(data);
            free(path);
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    data[got] = 0;
    w->total += got;
    path[0] = '/';
    strcpy(path + 1, rel);
    return add_file(w->out, w->src, path, data, got, w->err);
}

static int walk(walker *w, int dfd, const char *prefix)
{
    bstrs names = {0};
    if (list_dir(dfd, &names) != 0) {
        berr(w->err, "%s: cannot list %s: %s", w->src, prefix[0] ? prefix : ".", strerror(errno));
        bstrs_free(&names);
        return -1;
    }
    int rc = 0;
    strbuf rel = STRBUF_INIT;
    for (int i = 0; i < names.n && rc == 0; i++) {
        const char *name = names.v[i];
        sb_reset(&rel);
        if (prefix[0]) {
            sb_puts(&rel, prefix);
            sb_putc(&rel, '/');
        }
        sb_puts(&rel, name);
        if (++w->entries > w->lim->max_entries) {
            berr(w->err, "%s: too many entries (the limit is %u)", w->src, w->lim->max_entries);
            rc = -1;
            break;
        }
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            berr(w->err, "%s: %s: %s", w->src, rel.data, strerror(errno));
            rc = -1;
        } else if (S_ISREG(st.st_mode)) {
            rc = read_regular(w, dfd, name, rel.data);
        } else if (S_ISDIR(st.st_mode)) {
            int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                berr(w->err, "%s: %s: %s", w->src, rel.data, strerror(errno));
                rc = -1;
            } else {
                char *sub_prefix = strdup(rel.data);
                rc = sub_prefix ? walk(w, sub, sub_prefix) : -1;
                free(sub_prefix);
                close(sub);
            }
        } else {
            const char *why = S_ISLNK(st.st_mode)                       ? "symbolic links are not allowed"
                              : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "device files are not allowed"
                              : S_ISFIFO(st.st_mode)                     ? "FIFOs are not allowed"
                              : S_ISSOCK(st.st_mode)                     ? "sockets are not allowed"
                                                                         : "unsupported entry type";
            berr(w->err, "%s: entry \"%s\": %s", w->src, rel.data, why);
            rc = -1;
        }
    }
    sb_free(&rel);
    bstrs_free(&names);
    return rc;
}

int bread_dir(const char *dir, const blimits *lim, bfiles *out, bundle_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        berr(err, "%s: %s", dir, strerror(errno));
        return -1;
    }
    walker w = {dir, lim, out, err, 0, 0};
    int rc = walk(&w, fd, "");
    close(fd);
    return rc;
}

/* ---- the public readers ---- */

bundle *bundle_read_file(const char *path, const bundle_limits *lim, const bundle_verify *v, bundle_error *err)
{
    blimits l;
    blimits_init(&l, lim);
    bfiles fs = {0};
    struct stat st;
    int rc = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? bread_dir(path, &l, &fs, err)
                                                         : bread_archive_file(path, &l, &fs, err);
    bundle *b = rc == 0 ? bassemble(&fs, path, v, err) : NULL;
    bfiles_free(&fs);
    return b;
}

bundle *bundle_read_buffer(const void *buf, size_t len, const bundle_limits *lim, const bundle_verify *v,
                           bundle_error *err)
{
    blimits l;
    blimits_init(&l, lim);
    bfiles fs = {0};
    const char *src = "bundle";
    bundle *b = bread_archive_buffer(buf, len, src, &l, &fs, err) == 0 ? bassemble(&fs, src, v, err) : NULL;
    bfiles_free(&fs);
    return b;
}

bundle *bundle_read_dir(const char *dir, const bundle_limits *lim, const bundle_verify *v, bundle_error *err)
{
    blimits l;
    blimits_init(&l, lim);
    bfiles fs = {0};
    bundle *b = bread_dir(dir, &l, &fs, err) == 0 ? bassemble(&fs, dir, v, err) : NULL;
    bfiles_free(&fs);
    return b;
}
