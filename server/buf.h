/* buf.h — a growable byte buffer, the server's one string builder.
 *
 * A buffer that fails to grow remembers it (`oom`) and ignores further
 * appends, so callers build a whole response and check once at the end. */
#ifndef VERDICT_SERVER_BUF_H
#define VERDICT_SERVER_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;     /* NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    int oom;
} buf;

#define BUF_INIT {NULL, 0, 0, 0}

void buf_free(buf *b);
void buf_reset(buf *b);                 /* length 0, keeps the memory */
int buf_reserve(buf *b, size_t extra);  /* 0 on success */
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* A JSON string literal (quotes included) for n bytes of UTF-8 text. */
void buf_json_str(buf *b, const char *s, size_t n);
void buf_json_cstr(buf *b, const char *s);
/* The data, now owned by the caller ("" when empty; NULL on oom). */
char *buf_detach(buf *b);

#endif
