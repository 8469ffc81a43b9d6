/* cache.h — the decision cache of verdict_eval / verdict_allow.
 *
 * A decision is identified by the query path and the input.  Two keys lead
 * to it: the exact input bytes (the fast path: a repeated request costs a
 * hash and a comparison, no parsing), and the canonical input value (equal
 * inputs written differently share a decision).  Entries belong to one
 * snapshot generation, so any change of policy or data makes them misses.
 * The cache is sharded (one lock per shard) and bounded in bytes, evicting
 * the least recently used entry of a shard. */
#ifndef VERDICT_CACHE_H
#define VERDICT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value.h"

typedef struct dcache dcache;

dcache *dcache_new(size_t max_bytes);
void dcache_free(dcache *c);

typedef struct dcache_hit {
    bool defined;
    char *json;         /* malloc'd copy of the decision (NULL when undefined) */
} dcache_hit;

/* The hash of a decision's raw key: path and exact input bytes (input
 * NULL: no input).  Computed once per request, for both caches. */
uint64_t dcache_raw_key(const char *path, const char *input, size_t len);
/* By exact input bytes; h is dcache_raw_key(path, input, len). */
bool dcache_get_raw(dcache *c, uint64_t gen, const char *path, uint64_t h, const char *input, size_t len,
                    dcache_hit *out);
/* By canonical input (input NULL: no input). */
bool dcache_get_value(dcache *c, uint64_t gen, const char *path, const val *input, dcache_hit *out);
/* Store a decision under both keys.  json NULL: undefined. */
void dcache_put(dcache *c, uint64_t gen, const char *path, const char *input, size_t len, const val *input_val,
                const char *json);

/* Store a decision under the canonical-value key only (input given as a
 * value: there are no bytes); input_val NULL: no input. */
void dcache_put_value(dcache *c, uint64_t gen, const char *path, const val *input_val, const char *json);

size_t dcache_bytes(const dcache *c);

/* A thread's own small cache in front of the shared one (raw keys only);
 * keyed also by engine id, since a thread serves every engine.  Entries of
 * another generation never match.  *json is borrowed: valid until the
 * thread's next put. */
typedef struct dcache_l1 dcache_l1;
dcache_l1 *dcache_l1_new(void);
void dcache_l1_free(dcache_l1 *l);
bool dcache_l1_get(dcache_l1 *l, uint64_t engine_id, uint64_t gen, const char *path, uint64_t h, const char *input,
                   size_t len, bool *defined, const char **json);
void dcache_l1_put(dcache_l1 *l, uint64_t engine_id, uint64_t gen, const char *path, uint64_t h, const char *input,
                   size_t len, const char *json);

#endif
