/* cache.c — sharded, byte-bounded LRU cache of decisions (see cache.h). */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "json.h"
#include "strbuf.h"

#define NSHARDS 16

enum { KEY_RAW, KEY_VALUE };

typedef struct entry {
    uint64_t hash, gen;
    int kind;
    char *path;
    char *key;              /* raw input bytes, or canonical input JSON */
    size_t keylen;
    bool has_input;
    char *json;             /* NULL: undefined */
    size_t bytes;
    struct entry *prev, *next;  /* LRU: head is the most recent */
    struct entry *chain;
} entry;

typedef struct shard {
    pthread_mutex_t lock;
    entry **buckets;
    size_t nbuckets, count, bytes, max_bytes;
    entry *head, *tail;
} shard;

struct dcache {
    shard shards[NSHARDS];
};

dcache *dcache_new(size_t max_bytes)
{
    dcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (int i = 0; i < NSHARDS; i++) {
        pthread_mutex_init(&c->shards[i].lock, NULL);
        c->shards[i].max_bytes = max_bytes / NSHARDS;
    }
    return c;
}

static void entry_free(entry *e)
{
    free(e->path);
    free(e->key);
    free(e->json);
    free(e);
}

void dcache_free(dcache *c)
{
    if (!c)
        return;
    for (int i = 0; i < NSHARDS; i++) {
        shard *s = &c->shards[i];
        for (entry *e = s->head; e;) {
            entry *n = e->next;
            entry_free(e);
            e = n;
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->lock);
    }
    free(c);
}

static uint64_t key_hash(int kind, const char *path, uint64_t input_hash)
{
    uint64_t h = XXH3_64bits_withSeed(path, strlen(path), (uint64_t)kind + 0x9e3779b97f4a7c15ULL);
    return h ^ (input_hash * 0xff51afd7ed558ccdULL);
}

static void lru_unlink(shard *s, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        s->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        s->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(shard *s, entry *e)
{
    e->prev = NULL;
    e->next = s->head;
    if (s->head)
        s->head->prev = e;
    s->head = e;
    if (!s->tail)
        s->tail = e;
}

static void table_remove(shard *s, entry *e)
{
    entry **p = &s->buckets[e->hash & (s->nbuckets - 1)];
    while (*p && *p != e)
        p = &(*p)->chain;
    if (*p)
        *p = e->chain;
    lru_unlink(s, e);
    s->count--;
    s->bytes -= e->bytes;
    entry_free(e);
}

static entry *find(shard *s, uint64_t h, uint64_t gen, int kind, const char *path, const char *key, size_t keylen,
                   bool has_input)
{
    if (!s->nbuckets)
        return NULL;
    for (entry *e = s->buckets[h & (s->nbuckets - 1)]; e; e = e->chain) {
        if (e->hash != h || e->kind != kind || e->has_input != has_input || e->keylen != keylen ||
            strcmp(e->path, path) != 0 || (keylen && memcmp(e->key, key, keylen) != 0))
            continue;
        if (e->gen != gen) {
            table_remove(s, e); /* from an older snapshot: never valid again */
            return NULL;
        }
        return e;
    }
    return NULL;
}

static bool hit(shard *s, entry *e, dcache_hit *out)
{
    lru_unlink(s, e);
    lru_push(s, e);
    out->defined = e->json != NULL;
    out->json = e->json ? strdup(e->json) : NULL;
    return !e->json || out->json;
}

uint64_t dcache_raw_key(const char *path, const char *input, size_t len)
{
    return key_hash(KEY_RAW, path, input ? XXH3_64bits(input, len) : 0);
}

bool dcache_get_raw(dcache *c, uint64_t gen, const char *path, uint64_t h, const char *input, size_t len,
                    dcache_hit *out)
{
    shard *s = &c->shards[h % NSHARDS];
    pthread_mutex_lock(&s->lock);
    entry *e = find(s, h, gen, KEY_RAW, path, input, input ? len : 0, input != NULL);
    bool ok = e && hit(s, e, out);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* The input's canonical text, compared on a hit: Rego syntax, so that a
 * set and an array (or 1 and "1" as object keys) never share a decision. */
static char *canonical(const val *input, size_t *len)
{
    strbuf sb = STRBUF_INIT;
    val_write_rego(&sb, input);
    *len = sb.len;
    return sb_detach(&sb);
}

bool dcache_get_value(dcache *c, uint64_t gen, const char *path, const val *input, dcache_hit *out)
{
    size_t len = 0;
    char *key = input ? canonical(input, &len) : NULL;
    uint64_t h = key_hash(KEY_VALUE, path, input ? val_hash(input) : 0);
    shard *s = &c->shards[h % NSHARDS];
    pthread_mutex_lock(&s->lock);
    entry *e = find(s, h, gen, KEY_VALUE, path, key, len, input != NULL);
    bool ok = e && hit(s, e, out);
    pthread_mutex_unlock(&s->lock);
    free(key);
    return ok;
}

static void grow(shard *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : 64;
    entry **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (entry *e = s->head; e; e = e->next) {
        size_t i = e->hash & (n - 1);
        e->chain = b[i];
        b[i] = e;
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

static void insert(dcache *c, uint64_t h, uint64_t gen, int kind, const char *path, const char *key, size_t keylen,
                   bool has_input, const char *json)
{
    shard *s = &c->shards[h % NSHARDS];
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->hash = h;
    e->gen = gen;
    e->kind = kind;
    e->has_input = has_input;
    e->path = strdup(path);
    e->key = malloc(keylen + 1);
    e->json = json ? strdup(json) : NULL;
    if (!e->path || !e->key || (json && !e->json)) {
        entry_free(e);
        return;
    }
    if (keylen)
        memcpy(e->key, key, keylen);
    e->keylen = keylen;
    e->bytes = sizeof *e + strlen(path) + keylen + (json ? strlen(json) : 0) + 48;
    pthread_mutex_lock(&s->lock);
    entry *old = find(s, h, gen, kind, path, key, keylen, has_input);
    if (old)
        table_remove(s, old);
    while (s->tail && s->bytes + e->bytes > s->max_bytes)
        table_remove(s, s->tail);
    if (e->bytes > s->max_bytes) {
        pthread_mutex_unlock(&s->lock);
        entry_free(e);
        return;
    }
    if (s->count + 1 > s->nbuckets)
        grow(s);
    if (!s->nbuckets) {
        pthread_mutex_unlock(&s->lock);
        entry_free(e);
        return;
    }
    size_t i = h & (s->nbuckets - 1);
    e->chain = s->buckets[i];
    s->buckets[i] = e;
    lru_push(s, e);
    s->count++;
    s->bytes += e->bytes;
    pthread_mutex_unlock(&s->lock);
}

void dcache_put(dcache *c, uint64_t gen, const char *path, const char *input, size_t len, const val *input_val,
                const char *json)
{
    insert(c, dcache_raw_key(path, input, len), gen, KEY_RAW, path, input, input ? len : 0, input != NULL, json);
    if (input_val || !input)
        dcache_put_value(c, gen, path, input_val, json);
}

void dcache_put_value(dcache *c, uint64_t gen, const char *path, const val *input_val, const char *json)
{
    if (!input_val) {
        insert(c, key_hash(KEY_VALUE, path, 0), gen, KEY_VALUE, path, NULL, 0, false, json);
        return;
    }
    size_t clen;
    char *key = canonical(input_val, &clen);
    if (key)
        insert(c, key_hash(KEY_VALUE, path, val_hash(input_val)), gen, KEY_VALUE, path, key, clen, true, json);
    free(key);
}

size_t dcache_bytes(const dcache *c)
{
    size_t n = 0;
    for (int i = 0; i < NSHARDS; i++)
        n += c->shards[i].bytes;
    return n;
}

/* ---- the per-thread front cache ----
 *
 * One request repeated on many threads would have every thread take the
 * same shard's lock (a key lives in one shard) and bounce its cache line, so
 * each thread also keeps its last few decisions by raw key: a hit there
 * touches no memory another thread writes.  Slots are direct-mapped by the
 * key's hash; an entry is one block (path, key, decision) so that replacing
 * it costs one malloc and one free. */

#define L1_SLOTS 16
#define L1_MAX_BYTES 4096   /* larger decisions stay in the shared cache only */

typedef struct l1_slot {
    uint64_t engine_id, gen, hash;
    char *block;            /* path NUL key NUL json NUL; NULL: empty slot */
    const char *key, *json; /* into block; json NULL: undefined */
    size_t keylen;
    bool has_input;
} l1_slot;

struct dcache_l1 {
    l1_slot slots[L1_SLOTS];
};

dcache_l1 *dcache_l1_new(void)
{
    return calloc(1, sizeof(dcache_l1));
}

void dcache_l1_free(dcache_l1 *l)
{
    if (!l)
        return;
    for (int i = 0; i < L1_SLOTS; i++)
        free(l->slots[i].block);
    free(l);
}

bool dcache_l1_get(dcache_l1 *l, uint64_t engine_id, uint64_t gen, const char *path, uint64_t h, const char *input,
                   size_t len, bool *defined, const char **json)
{
    l1_slot *e = &l->slots[h % L1_SLOTS];
    size_t keylen = input ? len : 0;
    if (!e->block || e->hash != h || e->engine_id != engine_id || e->gen != gen ||
        e->has_input != (input != NULL) || e->keylen != keylen || strcmp(e->block, path) != 0 ||
        (keylen && memcmp(e->key, input, keylen) != 0))
        return false;
    *defined = e->json != NULL;
    *json = e->json;
    return true;
}

void dcache_l1_put(dcache_l1 *l, uint64_t engine_id, uint64_t gen, const char *path, uint64_t h, const char *input,
                   size_t len, const char *json)
{
    size_t plen = strlen(path), keylen = input ? len : 0, jlen = json ? strlen(json) : 0;
    if (plen + keylen + jlen + 3 > L1_MAX_BYTES)
        return;
    char *b = malloc(plen + keylen + jlen + 3);
    if (!b)
        return;
    l1_slot *e = &l->slots[h % L1_SLOTS];
    free(e->block);
    memcpy(b, path, plen + 1);
    char *k = b + plen + 1;
    if (keylen)
        memcpy(k, input, keylen);
    k[keylen] = 0;
    char *j = k + keylen + 1;
    if (json)
        memcpy(j, json, jlen + 1);
    *e = (l1_slot){engine_id, gen, h, b, k, json ? j : NULL, keylen, input != NULL};
}
