/* chunked.h — reading a request body sent with Transfer-Encoding: chunked.
 *
 * libwebsockets 4.1 hands a chunked request body to the server as it came
 * off the wire, framing included, and never says where it ends; this
 * decoder takes those bytes piece by piece, keeps the data and says when
 * the last chunk (and any trailer) has been read.  Lines must end in CRLF;
 * chunk extensions and trailer fields are read and dropped, as OPA's Go
 * server drops them. */
#ifndef VERDICT_SERVER_CHUNKED_H
#define VERDICT_SERVER_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct dechunk {
    int state;
    uint64_t size;      /* of the chunk being read (its remainder, in data) */
    int digits;         /* hex digits of the size line so far */
    size_t line;        /* bytes of the extension or trailer line so far */
} dechunk;

enum {
    DECHUNK_MORE = 0,       /* need more bytes */
    DECHUNK_DONE = 1,       /* the body is complete */
    DECHUNK_BAD = -1,       /* malformed framing */
    DECHUNK_TOO_LARGE = -2  /* the data would exceed the limit */
};

void dechunk_init(dechunk *d);

/* Decodes len bytes into out (at most limit bytes of data in all).  Bytes
 * after the end of the body are ignored: the caller closes the connection. */
int dechunk_feed(dechunk *d, const char *in, size_t len, buf *out, size_t limit);

#endif
