/* arena.c — chunked bump allocator; see arena.h. */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *next;
    size_t size;            /* usable bytes after the header */
    /* data follows, aligned to 16 */
};

#define CHUNK_HDR ((sizeof(arena_chunk) + 15) & ~(size_t)15)
#define ARENA_FROM_NEW ((size_t)1 << (sizeof(size_t) * 8 - 1))

void arena_init(arena *a, size_t chunk_size)
{
    memset(a, 0, sizeof *a);
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
}

arena *arena_new(size_t chunk_size)
{
    arena *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    arena_init(a, chunk_size);
    a->chunk_size |= ARENA_FROM_NEW;
    return a;
}

static size_t chunk_size_of(const arena *a) { return a->chunk_size & ~ARENA_FROM_NEW; }

void arena_release(arena *a)
{
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->ptr = a->end = NULL;
    a->used = a->reserved = 0;
}

void arena_free(arena *a)
{
    if (!a)
        return;
    int from_new = (a->chunk_size & ARENA_FROM_NEW) != 0;
    arena_release(a);
    if (from_new)
        free(a);
}

void arena_reset(arena *a)
{
    arena_chunk *c = a->head;
    if (!c)
        return;
    /* Keep the largest-but-one strategy simple: keep only the newest chunk. */
    arena_chunk *n = c->next;
    while (n) {
        arena_chunk *nn = n->next;
        a->reserved -= n->size + CHUNK_HDR;
        free(n);
        n = nn;
    }
    c->next = NULL;
    a->ptr = (char *)c + CHUNK_HDR;
    a->end = a->ptr + c->size;
    a->used = 0;
}

static void *arena_fail(arena *a, int code)
{
    if (a->oom) {
        a->oom_code = code;
        longjmp(*a->oom, code);
    }
    return NULL;
}

static void *arena_grow(arena *a, size_t n)
{
    size_t want = chunk_size_of(a);
    if (n > want / 4) {
        /* Big block: give it its own chunk, placed behind the current one so
         * the current chunk's free space stays usable. */
        arena_chunk *c = malloc(CHUNK_HDR + n);
        if (!c)
            return arena_fail(a, ARENA_OOM);
        c->size = n;
        a->reserved += CHUNK_HDR + n;
        if (a->head) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = NULL;
            a->head = c;
            a->ptr = a->end = (char *)c + CHUNK_HDR + n;
        }
        return (char *)c + CHUNK_HDR;
    }
    arena_chunk *c = malloc(CHUNK_HDR + want);
    if (!c)
        return arena_fail(a, ARENA_OOM);
    c->size = want;
    c->next = a->head;
    a->head = c;
    a->reserved += CHUNK_HDR + want;
    a->ptr = (char *)c + CHUNK_HDR;
    a->end = a->ptr + want;
    void *p = a->ptr;
    a->ptr += n;
    return p;
}

void *arena_alloc(arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n == 0)
        n = 8;
    if (a->limit && a->used + n > a->limit)
        return arena_fail(a, ARENA_LIMIT);
    a->used += n;
    if ((size_t)(a->end - a->ptr) >= n) {
        void *p = a->ptr;
        a->ptr += n;
        return p;
    }
    return arena_grow(a, n);
}

void *arena_zalloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void *arena_memdup(arena *a, const void *src, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p && n)
        memcpy(p, src, n);
    return p;
}
