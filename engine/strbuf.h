/* strbuf.h — growable byte buffer on malloc, for output that leaves the arena
 * world (JSON text, error messages, bytecode listings). */
#ifndef VERDICT_STRBUF_H
#define VERDICT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *data;     /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} strbuf;

#define STRBUF_INIT {0, 0, 0}

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
void sb_reset(strbuf *sb);                       /* len = 0, keep memory */
void sb_reserve(strbuf *sb, size_t extra);       /* aborts only if malloc fails */
void sb_append(strbuf *sb, const char *s, size_t n);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *sb, const char *fmt, va_list ap);
char *sb_detach(strbuf *sb);                     /* caller frees; sb becomes empty */

#endif
