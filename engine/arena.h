/* arena.h — bump allocator that owns every value made during one evaluation
 * (or one loaded document).  Everything allocated from an arena is released
 * at once by arena_reset() or arena_free(); nothing is freed one by one.
 *
 * Running out of memory or over the arena's byte limit is reported through a
 * jmp_buf the owner installs (the VM and the parsers do), so code that builds
 * values never checks for NULL.  Without a handler, arena_alloc returns NULL. */
#ifndef VERDICT_ARENA_H
#define VERDICT_ARENA_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
    arena_chunk *head;      /* current chunk (newest) */
    char *ptr, *end;        /* free space in the current chunk */
    size_t chunk_size;      /* default size of new chunks */
    size_t used;            /* bytes handed out since the last reset */
    size_t reserved;        /* bytes obtained from malloc (all chunks) */
    size_t limit;           /* 0 = no limit; else max bytes handed out */
    jmp_buf *oom;           /* where to longjmp when out of memory / over limit */
    int oom_code;           /* value passed to longjmp (ARENA_OOM or ARENA_LIMIT) */
} arena;

enum { ARENA_OOM = 0x0A0A, ARENA_LIMIT = 0x0A0B };

void arena_init(arena *a, size_t chunk_size);
arena *arena_new(size_t chunk_size);            /* malloc'd arena; NULL on failure */
void arena_free(arena *a);                      /* frees chunks, and a itself if from arena_new */
void arena_release(arena *a);                   /* frees chunks of an arena_init'ed arena */
void arena_reset(arena *a);                     /* forget all allocations, keep one chunk */

void *arena_alloc(arena *a, size_t n);          /* 8-byte aligned, uninitialised */
void *arena_zalloc(arena *a, size_t n);         /* zeroed */
char *arena_strndup(arena *a, const char *s, size_t n); /* NUL-terminated copy */
void *arena_memdup(arena *a, const void *p, size_t n);

#endif
