/* chunked.c — Transfer-Encoding: chunked request bodies (chunked.h). */
#include "chunked.h"
#include "../engine/hexdigit.h"

#include <string.h>

/* A size line's extension or a trailer field longer than this is refused:
 * a client could otherwise send an endless line and no data. */
#define MAX_LINE 4096

enum {
    S_SIZE,         /* hex digits of the chunk size */
    S_EXT,          /* ";name=value" after the size, up to CR */
    S_SIZE_LF,      /* LF ending the size line */
    S_DATA,         /* the chunk's bytes */
    S_DATA_CR,      /* CRLF after the chunk's bytes */
    S_DATA_LF,
    S_TRAILER,      /* start of a trailer field, or CR of the final CRLF */
    S_TRAILER_LINE, /* a trailer field, up to CR */
    S_TRAILER_LF,
    S_END_LF,       /* LF of the final CRLF */
    S_DONE
};

void dechunk_init(dechunk *d) { memset(d, 0, sizeof *d); }

int dechunk_feed(dechunk *d, const char *in, size_t len, buf *out, size_t limit)
{
    size_t i = 0;
    while (i < len && d->state != S_DONE) {
        char c = in[i];
        switch (d->state) {
        case S_SIZE: {
            int h = hex_digit(c);
            if (h >= 0) {
                d->size = d->size * 16 + (uint64_t)h;
                if (++d->digits > 16 || d->size > limit)
                    return d->size > limit ? DECHUNK_TOO_LARGE : DECHUNK_BAD;
            } else if (d->digits == 0) {
                return DECHUNK_BAD;
            } else if (c == ';' || c == ' ' || c == '\t') {
                d->state = S_EXT;
                d->line = 0;
            } else if (c == '\r') {
                d->state = S_SIZE_LF;
            } else {
                return DECHUNK_BAD;
            }
            i++;
            break;
        }
        case S_EXT:
            if (c == '\r')
                d->state = S_SIZE_LF;
            else if (c == '\n' || ++d->line > MAX_LINE)
                return DECHUNK_BAD;
            i++;
            break;
        case S_SIZE_LF:
            if (c != '\n')
                return DECHUNK_BAD;
            if (d->size > limit - out->len)
                return DECHUNK_TOO_LARGE;
            d->state = d->size ? S_DATA : S_TRAILER;
            i++;
            break;
        case S_DATA: {
            size_t n = len - i;
            if (n > d->size)
                n = (size_t)d->size;
            buf_append(out, in + i, n);
            d->size -= n;
            i += n;
            if (d->size == 0)
                d->state = S_DATA_CR;
            break;
        }
        case S_DATA_CR:
        case S_TRAILER_LF:
        case S_END_LF:
            if (c != (d->state == S_DATA_CR ? '\r' : '\n'))
                return DECHUNK_BAD;
            d->state = d->state == S_DATA_CR ? S_DATA_LF : d->state == S_TRAILER_LF ? S_TRAILER : S_DONE;
            i++;
            break;
        case S_DATA_LF:
            if (c != '\n')
                return DECHUNK_BAD;
            d->state = S_SIZE;
            d->size = 0;
            d->digits = 0;
            i++;
            break;
        case S_TRAILER:
            if (c == '\r') {
                d->state = S_END_LF;
            } else if (c == '\n') {
                return DECHUNK_BAD;
            } else {
                d->state = S_TRAILER_LINE;
                d->line = 1;
            }
            i++;
            break;
        case S_TRAILER_LINE:
            if (c == '\r')
                d->state = S_TRAILER_LF;
            else if (c == '\n' || ++d->line > MAX_LINE)
                return DECHUNK_BAD;
            i++;
            break;
        }
    }
    return d->state == S_DONE ? DECHUNK_DONE : DECHUNK_MORE;
}
