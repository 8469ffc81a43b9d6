/* common.c — what the fuzz harnesses share: the engine they run under, the
 * checks of the error promise, and the text form of bundles. */
#include "fuzz.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: promise broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

verdict_engine *fuzz_engine(int v0)
{
    /* Bounded instructions and memory make every evaluation finish; the
     * small cache keeps a long run's memory flat. */
    verdict_options o;
    memset(&o, 0, sizeof o);
    o.instruction_limit = 200000;
    o.memory_limit = 64u << 20;
    o.cache_bytes = 1u << 20;
    o.v0_compatible = v0;
    verdict_engine *eng = verdict_new(&o);
    if (!eng)
        fuzz_fail("verdict_new failed");
    return eng;
}

void fuzz_check_errors(verdict_status st, verdict_errors *errs)
{
    if (st != VERDICT_OK && st != VERDICT_UNDEFINED && st != VERDICT_ERROR)
        fuzz_fail("unexpected status %d", (int)st);
    size_t n = verdict_errors_count(errs);
    if (st == VERDICT_ERROR && n == 0)
        fuzz_fail("VERDICT_ERROR without an error");
    for (size_t i = 0; i < n; i++) {
        const char *code = verdict_error_code(errs, i);
        const char *msg = verdict_error_message(errs, i);
        const char *file = verdict_error_file(errs, i);
        if (!code || !*code || !msg || !*msg || !file)
            fuzz_fail("error %zu without a code or a message", i);
        if (verdict_error_row(errs, i) < 0 || verdict_error_col(errs, i) < 0)
            fuzz_fail("error %zu at a negative position", i);
        char *s = verdict_error_string(errs, i);
        if (!s)
            fuzz_fail("verdict_error_string returned NULL");
        free(s);
    }
    if (n) {
        char *j = verdict_errors_json(errs, 1);
        if (!j)
            fuzz_fail("verdict_errors_json returned NULL");
        free(j);
    }
    if (getenv("FUZZ_VERBOSE"))
        for (size_t i = 0; i < n; i++) {
            char *s = verdict_error_string(errs, i);
            fprintf(stderr, "fuzz: error: %s\n", s);
            free(s);
        }
    verdict_errors_free(errs);
}

void fuzz_check_located_errors(verdict_status st, verdict_errors *errs, int need_file)
{
    for (size_t i = 0; i < verdict_errors_count(errs); i++) {
        const char *code = verdict_error_code(errs, i);
        /* an empty module or query has no row to point at (nor has OPA's), nor
         * has OPA's error limit (a compile with 10 errors or more) */
        const char *msg = verdict_error_message(errs, i);
        int rowless = strcmp(msg, "empty module") == 0 || strcmp(msg, "empty query") == 0 ||
                      strcmp(msg, "error limit reached") == 0;
        if (code && strncmp(code, "rego_", 5) == 0 && !rowless &&
            ((need_file && !*verdict_error_file(errs, i)) || verdict_error_row(errs, i) < 1)) {
            char *s = verdict_error_string(errs, i);
            fuzz_fail("a Rego error without a location: %s", s ? s : code);
        }
    }
    fuzz_check_errors(st, errs);
}

static int contains(const char *text, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(text + i, word, n) == 0)
            return 1;
    return 0;
}

int fuzz_uses_network(const char *text, size_t len)
{
    return contains(text, len, "http.send") || contains(text, len, "lookup_ip_addr");
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        fuzz_fail("out of memory");
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_run_query(verdict_engine *eng, const char *query, const char *input, size_t input_len)
{
    verdict_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.input = input;
    qo.input_len = input_len;
    verdict_result *r = NULL;
    verdict_errors *errs = NULL;
    verdict_status st = verdict_query(eng, query, &qo, &r, &errs);
    if (st == VERDICT_OK) {
        if (!r)
            fuzz_fail("verdict_query: OK without a result");
        char *j = verdict_result_json(r, 1);
        if (!j)
            fuzz_fail("verdict_result_json returned NULL");
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "fuzz: %s -> %s\n", query, j);
        free(j);
        for (size_t i = 0; i < verdict_result_count(r) && i < 4; i++) {
            char *b = verdict_result_bindings(r, i, 0);
            free(b);
        }
    }
    verdict_result_free(r);
    fuzz_check_located_errors(st, errs, 0);
}

/* ---- bundles as text ---- */

typedef struct membuf {
    unsigned char *p;
    size_t len, cap;
} membuf;

static la_ssize_t mem_write(struct archive *a, void *ud, const void *buf, size_t n)
{
    membuf *m = ud;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + n)
            cap *= 2;
        unsigned char *p = realloc(m->p, cap);
        if (!p)
            return -1;
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, buf, n);
    m->len += n;
    return (la_ssize_t)n;
}

static int mem_close(struct archive *a, void *ud) { return ARCHIVE_OK; }

/* The next "==> " header at a line start at or after pos; len when none. */
static size_t next_header(const char *t, size_t len, size_t pos)
{
    for (size_t i = pos; i + 4 <= len; i++)
        if ((i == 0 || t[i - 1] == '\n') && memcmp(t + i, "==>", 3) == 0 && (t[i + 3] == ' ' || t[i + 3] == '@'))
            return i;
    return len;
}

unsigned char *fuzz_pack_bundle(const char *text, size_t len, size_t *out_len)
{
    struct archive *a = archive_write_new();
    membuf m = {0};
    if (!a)
        return NULL;
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &m, NULL, mem_write, mem_close) != ARCHIVE_OK)
        goto fail;
    size_t pos = next_header(text, len, 0);
    while (pos < len) {
        /* "==> path" is a file, "==>@ path" a symbolic link to its content */
        int link = text[pos + 3] == '@';
        size_t name = pos + 4;
        while (name < len && text[name] == ' ')
            name++;
        size_t eol = name;
        while (eol < len && text[eol] != '\n')
            eol++;
        size_t body = eol < len ? eol + 1 : len;
        size_t next = next_header(text, len, body);
        size_t end = next > body && next < len ? next - 1 : next; /* the newline before a header is not content */
        if (end < body)
            end = body;
        char *path = fuzz_strndup((const uint8_t *)text + name, eol - name);
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_mtime(e, 0, 0);
        if (link) {
            char *target = fuzz_strndup((const uint8_t *)text + body, end - body);
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_symlink(e, target);
            free(target);
        } else if (eol > name && text[eol - 1] == '/') {
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)(end - body));
        }
        int rc = archive_write_header(a, e);
        if (rc == ARCHIVE_OK && !link && archive_entry_filetype(e) == AE_IFREG && end > body)
            archive_write_data(a, text + body, end - body);
        archive_entry_free(e);
        free(path);
        if (rc == ARCHIVE_FATAL)
            goto fail;
        pos = next;
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        goto fail;
    archive_write_free(a);
    *out_len = m.len;
    return m.p;
fail:
    archive_write_free(a);
    free(m.p);
    return NULL;
}
