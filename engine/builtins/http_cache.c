/* http_cache.c — responses held outside any evaluation, and http.send's
 * inter-query cache.
 *
 * The cache maps the canonical text of a request key to a copy of the
 * response and its expiry.  It is one table for the process behind one
 * mutex (lookups copy the entry out, so no evaluation ever holds a pointer
 * into it), with a byte budget: entries are kept in insertion order and the
 * oldest go first when a new one would exceed the budget, as in OPA's
 * topdown/cache.  OPA's default budget is unlimited; ours is
 * HTTP_CACHE_DEFAULT_MAX_BYTES so that a long-running server cannot grow
 * without bound. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "http_host.h"
#include "http_internal.h"

/* ---- responses ---- */

static char *dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

hc_response *hc_response_new(void)
{
    return calloc(1, sizeof(hc_response));
}

void hc_response_free(hc_response *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->status);
    free(r->body);
    free(r);
}

bool hc_response_add_header(hc_response *r, const char *name, size_t nn, const char *value, size_t vn)
{
    if (r->nheaders == r->capheaders) {
        size_t cap = r->capheaders ? 2 * r->capheaders : 8;
        hc_header *h = realloc(r->headers, cap * sizeof *h);
        if (!h)
            return false;
        r->headers = h;
        r->capheaders = cap;
    }
    char *n = dup_bytes(name, nn), *v = dup_bytes(value, vn);
    if (!n || !v) {
        free(n);
        free(v);
        return false;
    }
    for (size_t i = 0; i < nn; i++)
        if (n[i] >= 'A' && n[i] <= 'Z')
            n[i] = (char)(n[i] - 'A' + 'a');
    r->headers[r->nheaders].name = n;
    r->headers[r->nheaders].value = v;
    r->nheaders++;
    return true;
}

const char *hc_response_header(const hc_response *r, const char *lname)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcmp(r->headers[i].name, lname) == 0)
            return r->headers[i].value;
    return NULL;
}

void hc_response_del_header(hc_response *r, const char *lname)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcmp(r->headers[i].name, lname) == 0) {
            free(r->headers[i].name);
            free(r->headers[i].value);
        } else {
            r->headers[k++] = r->headers[i];
        }
    }
    r->nheaders = k;
}

hc_response *hc_response_copy(const hc_response *r)
{
    hc_response *c = hc_response_new();
    if (!c)
        return NULL;
    c->status_code = r->status_code;
    c->status = dup_bytes(r->status ? r->status : "", r->status ? strlen(r->status) : 0);
    c->body = dup_bytes(r->body ? r->body : "", r->body_len);
    c->body_len = r->body_len;
    if (!c->status || !c->body) {
        hc_response_free(c);
        return NULL;
    }
    for (size_t i = 0; i < r->nheaders; i++) {
        const hc_header *h = &r->headers[i];
        if (!hc_response_add_header(c, h->name, strlen(h->name), h->value, strlen(h->value))) {
            hc_response_free(c);
            return NULL;
        }
    }
    return c;
}

size_t hc_response_size(const hc_response *r)
{
    size_t n = sizeof *r + r->body_len + (r->status ? strlen(r->status) : 0);
    for (size_t i = 0; i < r->nheaders; i++)
        n += sizeof(hc_header) + strlen(r->headers[i].name) + strlen(r->headers[i].value);
    return n;
}

/* ---- the cache ---- */

typedef struct hc_entry hc_entry;
struct hc_entry {
    char *key;
    size_t klen;
    uint64_t hash;
    hc_response *resp;
    int64_t expires_at;
    size_t size;
    hc_entry *chain;            /* next in the hash bucket */
    hc_entry *older, *newer;    /* insertion order */
};

static struct {
    pthread_mutex_t mu;
    hc_entry **buckets;
    size_t nbuckets;            /* power of two, or 0 before the first insert */
    size_t count;
    size_t bytes;
    size_t max_bytes;
    hc_entry *oldest, *newest;
} cache = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, HTTP_CACHE_DEFAULT_MAX_BYTES, NULL, NULL};

static hc_entry **find_slot(const char *key, size_t klen, uint64_t h)
{
    if (!cache.nbuckets)
        return NULL;
    hc_entry **pp = &cache.buckets[h & (cache.nbuckets - 1)];
    while (*pp && !((*pp)->hash == h && (*pp)->klen == klen && memcmp((*pp)->key, key, klen) == 0))
        pp = &(*pp)->chain;
    return pp;
}

static void unlink_entry(hc_entry **slot)
{
    hc_entry *e = *slot;
    *slot = e->chain;
    if (e->older)
        e->older->newer = e->newer;
    else
        cache.oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        cache.newest = e->older;
    cache.count--;
    cache.bytes -= e->size;
    hc_response_free(e->resp);
    free(e->key);
    free(e);
}

static void remove_entry(hc_entry *e)
{
    hc_entry **slot = find_slot(e->key, e->klen, e->hash);
    if (slot && *slot == e)
        unlink_entry(slot);
}

static void grow(void)
{
    size_t n = cache.nbuckets ? 2 * cache.nbuckets : 64;
    hc_entry **b = calloc(n, sizeof *b);
    if (!b)
        return;     /* keep the old table: longer chains, still correct */
    for (hc_entry *e = cache.oldest; e; e = e->newer) {
        size_t i = e->hash & (n - 1);
        e->chain = b[i];
        b[i] = e;
    }
    free(cache.buckets);
    cache.buckets = b;
    cache.nbuckets = n;
}

static void evict_to(size_t budget)
{
    while (cache.oldest && cache.bytes > budget)
        remove_entry(cache.oldest);
}

hc_response *hc_get(const char *key, size_t klen, int64_t *expires_at)
{
    uint64_t h = XXH3_64bits(key, klen);
    hc_response *copy = NULL;
    pthread_mutex_lock(&cache.mu);
    hc_entry **slot = find_slot(key, klen, h);
    if (slot && *slot) {
        copy = hc_response_copy((*slot)->resp);
        *expires_at = (*slot)->expires_at;
    }
    pthread_mutex_unlock(&cache.mu);
    return copy;
}

void hc_put(const char *key, size_t klen, const hc_response *r, int64_t expires_at)
{
    uint64_t h = XXH3_64bits(key, klen);
    hc_entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->key = dup_bytes(key, klen);
    e->resp = hc_response_copy(r);
    if (!e->key || !e->resp) {
        free(e->key);
        hc_response_free(e->resp);
        free(e);
        return;
    }
    e->klen = klen;
    e->hash = h;
    e->expires_at = expires_at;
    e->size = sizeof *e + klen + hc_response_size(r);

    pthread_mutex_lock(&cache.mu);
    if (cache.max_bytes && e->size > cache.max_bytes) {
        pthread_mutex_unlock(&cache.mu);
        hc_response_free(e->resp);
        free(e->key);
        free(e);
        return;
    }
    hc_entry **slot = find_slot(key, klen, h);
    if (slot && *slot)
        unlink_entry(slot);
    if (cache.max_bytes)
        evict_to(cache.max_bytes - e->size);
    if (cache.count >= cache.nbuckets)
        grow();
    if (!cache.nbuckets) {
        pthread_mutex_unlock(&cache.mu);
        hc_response_free(e->resp);
        free(e->key);
        free(e);
        return;
    }
    size_t i = h & (cache.nbuckets - 1);
    e->chain = cache.buckets[i];
    cache.buckets[i] = e;
    e->older = cache.newest;
    if (cache.newest)
        cache.newest->newer = e;
    else
        cache.oldest = e;
    cache.newest = e;
    cache.count++;
    cache.bytes += e->size;
    pthread_mutex_unlock(&cache.mu);
}

void hc_delete(const char *key, size_t klen)
{
    uint64_t h = XXH3_64bits(key, klen);
    pthread_mutex_lock(&cache.mu);
    hc_entry **slot = find_slot(key, klen, h);
    if (slot && *slot)
        unlink_entry(slot);
    pthread_mutex_unlock(&cache.mu);
}

void http_cache_configure(size_t max_bytes)
{
    pthread_mutex_lock(&cache.mu);
    cache.max_bytes = max_bytes;
    if (max_bytes)
        evict_to(max_bytes);
    pthread_mutex_unlock(&cache.mu);
}

void http_cache_clear(void)
{
    pthread_mutex_lock(&cache.mu);
    evict_to(0);
    free(cache.buckets);
    cache.buckets = NULL;
    cache.nbuckets = 0;
    pthread_mutex_unlock(&cache.mu);
}

void http_cache_stats(size_t *entries, size_t *bytes)
{
    pthread_mutex_lock(&cache.mu);
    if (entries)
        *entries = cache.count;
    if (bytes)
        *bytes = cache.bytes;
    pthread_mutex_unlock(&cache.mu);
}
