/* glob.c — builtin group "glob": glob.match and glob.quote_meta.
 *
 * OPA's glob.match compiles its pattern with github.com/gobwas/glob
 * (v0.2.3), with the delimiters as separators:
 *   *      any run of characters that are not separators
 *   **     any run of characters
 *   ?      one character that is not a separator
 *   [abc] [a-z]  one character of the list or range, [!abc] [!a-z] one that
 *          is not (separators allowed either way)
 *   {a,b}  one of the alternatives, each a pattern itself
 *   \x     x itself
 * The whole string must match.  The pattern is read by a port of gobwas's
 * lexer and parser, so the same patterns are accepted, with the same
 * errors, including its quirks: a NUL character is dropped where it ends a
 * run of text and ends the pattern where a token would start, U+FFFD
 * and invalid UTF-8 in it are errors ("could not read rune"), a `{` left
 * open is closed at the end, a trailing backslash is dropped, a class holds
 * either one range or a list.  Matching does not copy gobwas's matcher
 * tree: the parsed pattern becomes a small automaton run over the string
 * (Thompson's construction), in time linear in the string for a given
 * pattern.  Strings are read as Go reads them (an invalid byte is U+FFFD).
 * The answers are those of the syntax above; where gobwas's tree of
 * optimised matchers departs from it, this file does not follow: a run of
 * `*` and `?` under two or more separators, which gobwas tests as "does not
 * contain the separators as one substring".
 *
 * Compiled patterns are cached per pattern and separator list, in a
 * bounded, mutex-protected table shared by all threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"

#define STR(v) val_str(v)
#define LEN(v) ((size_t)val_len(v))

/* ---- gobwas/glob's lexer ---- */

typedef enum {
    GT_EOF,
    GT_ERROR,
    GT_TEXT,
    GT_ANY,
    GT_SUPER,
    GT_SINGLE,
    GT_NOT,
    GT_SEPARATOR,
    GT_RANGE_OPEN,
    GT_RANGE_CLOSE,
    GT_RANGE_LO,
    GT_RANGE_HI,
    GT_RANGE_BETWEEN,
    GT_TERMS_OPEN,
    GT_TERMS_CLOSE,
} gt_type;

typedef struct gtok {
    gt_type type;
    const uint32_t *runes;      /* GT_TEXT's characters; GT_RANGE_LO/HI's one */
    size_t n;
} gtok;

/* The end of input, as gobwas writes it: a NUL in the pattern reads as the
 * end too. */
#define GL_EOF 0u

typedef struct glexer {
    arena *a;
    const char *s;
    size_t n, pos;
    const char *err;            /* the last error set, if any */
    int terms;                  /* depth of {...} */
    uint32_t last;              /* what read() returned last, for unread() */
    size_t lastw;
    bool has;                   /* an unread character is pending */
    gtok *q;                    /* tokens fetched, not yet taken */
    size_t qhead, qlen, qcap;
} glexer;

static void lx_error(glexer *l, const char *msg) { l->err = msg; }

static uint32_t lx_peek(glexer *l, size_t *w)
{
    if (l->pos == l->n) {
        *w = 0;
        return GL_EOF;
    }
    uint32_t r = txt_utf8_decode(l->s + l->pos, l->n - l->pos, w);
    if (r == TXT_RUNE_ERROR) {
        lx_error(l, "could not read rune");
        *w = 0;
        return GL_EOF;
    }
    return r;
}

static uint32_t lx_read(glexer *l)
{
    if (l->has) {
        l->has = false;
        l->pos += l->lastw;
        return l->last;
    }
    size_t w;
    uint32_t r = lx_peek(l, &w);
    l->pos += w;
    l->last = r;
    l->lastw = w;
    return r;
}

static void lx_unread(glexer *l)
{
    if (l->has) {
        lx_error(l, "could not unread rune");
        return;
    }
    l->pos -= l->lastw;
    l->has = true;
}

static void lx_push(glexer *l, gt_type type, const uint32_t *runes, size_t n)
{
    if (l->qlen == l->qcap) {
        size_t cap = l->qcap ? l->qcap * 2 : 8;
        gtok *q = arena_alloc(l->a, cap * sizeof *q);
        if (l->qlen)
            memcpy(q, l->q, l->qlen * sizeof *q);
        l->q = q;
        l->qcap = cap;
    }
    l->q[l->qlen++] = (gtok){type, runes, n};
}

static void lx_push_rune(glexer *l, gt_type type, uint32_t r)
{
    uint32_t *one = arena_alloc(l->a, sizeof *one);
    *one = r;
    lx_push(l, type, one, 1);
}

static bool is_breaker(uint32_t r, const char *breakers)
{
    return r < 0x80 && r != 0 && strchr(breakers, (int)r) != NULL;
}

static void lx_fetch_text(glexer *l, const char *breakers)
{
    size_t n = 0, cap = 16;
    uint32_t *data = arena_alloc(l->a, cap * sizeof *data);
    bool escaped = false;
    for (;;) {
        uint32_t r = lx_read(l);
        if (r == GL_EOF)
            break;
        if (!escaped) {
            if (r == '\\') {
                escaped = true;
                continue;
            }
            if (is_breaker(r, breakers)) {
                lx_unread(l);
                break;
            }
        }
        escaped = false;
        if (n == cap) {
            uint32_t *more = arena_alloc(l->a, cap * 2 * sizeof *more);
            memcpy(more, data, n * sizeof *data);
            data = more;
            cap *= 2;
        }
        data[n++] = r;
    }
    if (n > 0)
        lx_push(l, GT_TEXT, data, n);
}

static void lx_fetch_range(glexer *l)
{
    bool want_hi = false, want_close = false, seen_not = false;
    for (;;) {
        uint32_t r = lx_read(l);
        if (r == GL_EOF) {
            lx_error(l, "unexpected end of input");
            return;
        }
        if (want_close) {
            if (r != ']')
                lx_error(l, "expected close range character");
            else
                lx_push(l, GT_RANGE_CLOSE, NULL, 0);
            return;
        }
        if (want_hi) {
            lx_push_rune(l, GT_RANGE_HI, r);
            want_close = true;
            continue;
        }
        if (!seen_not && r == '!') {
            lx_push(l, GT_NOT, NULL, 0);
            seen_not = true;
            continue;
        }
        size_t w;
        if (lx_peek(l, &w) == '-') {
            l->pos += w;
            lx_push_rune(l, GT_RANGE_LO, r);
            lx_push(l, GT_RANGE_BETWEEN, NULL, 0);
            want_hi = true;
            continue;
        }
        lx_unread(l);
        lx_fetch_text(l, "]");
        want_close = true;
    }
}

static void lx_fetch_item(glexer *l)
{
    uint32_t r = lx_read(l);
    if (r == GL_EOF) {
        lx_push(l, GT_EOF, NULL, 0);
    } else if (r == '{') {
        l->terms++;
        lx_push(l, GT_TERMS_OPEN, NULL, 0);
    } else if (r == ',' && l->terms > 0) {
        lx_push(l, GT_SEPARATOR, NULL, 0);
    } else if (r == '}' && l->terms > 0) {
        lx_push(l, GT_TERMS_CLOSE, NULL, 0);
        l->terms--;
    } else if (r == '[') {
        lx_push(l, GT_RANGE_OPEN, NULL, 0);
        lx_fetch_range(l);
    } else if (r == '?') {
        lx_push(l, GT_SINGLE, NULL, 0);
    } else if (r == '*') {
        if (lx_read(l) == '*') {
            lx_push(l, GT_SUPER, NULL, 0);
        } else {
            lx_unread(l);
            lx_push(l, GT_ANY, NULL, 0);
        }
    } else {
        lx_unread(l);
        lx_fetch_text(l, l->terms > 0 ? "?*[{}," : "?*[{");
    }
}

/* Lexer.Next: an error, once set, is all the lexer returns. */
static gtok lx_next(glexer *l)
{
    for (;;) {
        if (l->err)
            return (gtok){GT_ERROR, NULL, 0};
        if (l->qhead < l->qlen)
            return l->q[l->qhead++];
        l->qhead = l->qlen = 0;
        lx_fetch_item(l);
    }
}

/* ---- gobwas/glob's parser ---- */

typedef enum { GN_PATTERN, GN_ANYOF, GN_TEXT, GN_ANY, GN_SUPER, GN_SINGLE, GN_LIST, GN_RANGE } gn_kind;

typedef struct gnode {
    gn_kind kind;
    struct gnode *parent;
    struct gnode **kids;
    size_t nkids, cap;
    const uint32_t *runes;      /* GN_TEXT, GN_LIST */
    size_t nrunes;
    uint32_t lo, hi;            /* GN_RANGE */
    bool not;                   /* GN_LIST, GN_RANGE */
} gnode;

static gnode *gn_new(arena *a, gn_kind kind)
{
    gnode *n = arena_zalloc(a, sizeof *n);
    n->kind = kind;
    return n;
}

static void gn_insert(arena *a, gnode *parent, gnode *child)
{
    if (parent->nkids == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        gnode **kids = arena_alloc(a, cap * sizeof *kids);
        if (parent->nkids)
            memcpy(kids, parent->kids, parent->nkids * sizeof *kids);
        parent->kids = kids;
        parent->cap = cap;
    }
    parent->kids[parent->nkids++] = child;
    child->parent = parent;
}

/* Parses the pattern; NULL with the message in err on failure. */
static gnode *glob_parse(arena *a, const char *s, size_t n, char *err, size_t errcap)
{
    glexer l;
    memset(&l, 0, sizeof l);
    l.a = a;
    l.s = s;
    l.n = n;
    gnode *root = gn_new(a, GN_PATTERN), *tree = root;
    for (;;) {
        gtok t = lx_next(&l);
        switch (t.type) {
        case GT_EOF:
            return root;
        case GT_ERROR:
            snprintf(err, errcap, "%s", l.err);
            return NULL;
        case GT_TEXT: {
            gnode *x = gn_new(a, GN_TEXT);
            x->runes = t.runes;
            x->nrunes = t.n;
            gn_insert(a, tree, x);
            break;
        }
        case GT_ANY:
            gn_insert(a, tree, gn_new(a, GN_ANY));
            break;
        case GT_SUPER:
            gn_insert(a, tree, gn_new(a, GN_SUPER));
            break;
        case GT_SINGLE:
            gn_insert(a, tree, gn_new(a, GN_SINGLE));
            break;
        case GT_TERMS_OPEN: {
            gnode *alt = gn_new(a, GN_ANYOF), *p = gn_new(a, GN_PATTERN);
            gn_insert(a, tree, alt);
            gn_insert(a, alt, p);
            tree = p;
            break;
        }
        case GT_SEPARATOR: {
            gnode *p = gn_new(a, GN_PATTERN);
            gn_insert(a, tree->parent, p);
            tree = p;
            break;
        }
        case GT_TERMS_CLOSE:
            tree = tree->parent->parent;
            break;
        case GT_RANGE_OPEN: {
            bool not = false;
            uint32_t lo = 0, hi = 0;
            const uint32_t *chars = NULL;
            size_t nchars = 0;
            for (;;) {
                gtok r = lx_next(&l);
                if (r.type == GT_EOF) {
                    snprintf(err, errcap, "unexpected end");
                    return NULL;
                }
                if (r.type == GT_ERROR) {
                    snprintf(err, errcap, "%s", l.err);
                    return NULL;
                }
                if (r.type == GT_NOT) {
                    not = true;
                } else if (r.type == GT_RANGE_LO) {
                    lo = r.runes[0];
                } else if (r.type == GT_RANGE_HI) {
                    hi = r.runes[0];
                    if (hi < lo) {
                        char h[5], o[5];
                        h[txt_utf8_encode(hi, h)] = '\0';
                        o[txt_utf8_encode(lo, o)] = '\0';
                        snprintf(err, errcap, "hi character '%s' should be greater than lo '%s'", h, o);
                        return NULL;
                    }
                } else if (r.type == GT_TEXT) {
                    chars = r.runes;
                    nchars = r.n;
                } else if (r.type == GT_RANGE_CLOSE) {
                    break;
                }
            }
            bool is_range = lo != 0 && hi != 0, is_chars = nchars > 0;
            if (is_range == is_chars) {
                snprintf(err, errcap, "could not parse range");
                return NULL;
            }
            gnode *x = gn_new(a, is_range ? GN_RANGE : GN_LIST);
            x->not = not;
            x->lo = lo;
            x->hi = hi;
            x->runes = chars;
            x->nrunes = nchars;
            gn_insert(a, tree, x);
            break;
        }
        default:
            snprintf(err, errcap, "unexpected token");
            return NULL;
        }
    }
}

/* ---- the automaton ----
 *
 * One instruction per character to match; `*` and `**` loop on themselves;
 * alternatives branch with SPLIT and rejoin with JMP. */

enum { GI_RUNE, GI_SINGLE, GI_LIST, GI_RANGE, GI_STAR, GI_SUPER, GI_SPLIT, GI_JMP, GI_MATCH };

typedef struct ginst {
    uint8_t op;
    bool not;
    uint32_t a, b;      /* RUNE: a; LIST: pool[a .. a+b); RANGE: a..b; SPLIT: a, b; JMP: a */
} ginst;

typedef struct gprog {
    atomic_int refs;
    ginst *code;
    size_t n, cap;
    uint32_t *pool;     /* characters of the lists */
    size_t npool, poolcap;
    uint32_t *seps;
    size_t nseps;
    char *err;          /* the pattern's error, when it has one */
    bool oom;
} gprog;

static void gprog_free(gprog *p)
{
    if (!p)
        return;
    free(p->code);
    free(p->pool);
    free(p->seps);
    free(p->err);
    free(p);
}

static void gprog_release(gprog *p)
{
    if (p && atomic_fetch_sub(&p->refs, 1) == 1)
        gprog_free(p);
}

static size_t emit(gprog *p, uint8_t op, uint32_t a, uint32_t b, bool not)
{
    if (p->oom)
        return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        ginst *code = realloc(p->code, cap * sizeof *code);
        if (!code) {
            p->oom = true;
            return 0;
        }
        p->code = code;
        p->cap = cap;
    }
    p->code[p->n] = (ginst){op, not, a, b};
    return p->n++;
}

static uint32_t pool_add(gprog *p, const uint32_t *r, size_t n)
{
    if (p->oom)
        return 0;
    if (p->npool + n > p->poolcap) {
        size_t cap = p->poolcap ? p->poolcap : 16;
        while (cap < p->npool + n)
            cap *= 2;
        uint32_t *pool = realloc(p->pool, cap * sizeof *pool);
        if (!pool) {
            p->oom = true;
            return 0;
        }
        p->pool = pool;
        p->poolcap = cap;
    }
    memcpy(p->pool + p->npool, r, n * sizeof *r);
    p->npool += n;
    return (uint32_t)(p->npool - n);
}

#define NO_PC UINT32_MAX

static void emit_node(gprog *p, const gnode *x)
{
    switch (x->kind) {
    case GN_PATTERN:
        for (size_t i = 0; i < x->nkids; i++)
            emit_node(p, x->kids[i]);
        break;
    case GN_ANYOF: {
        uint32_t jumps = NO_PC;     /* JMPs to patch, chained through their targets */
        for (size_t i = 0; i < x->nkids; i++) {
            if (i + 1 == x->nkids) {
                emit_node(p, x->kids[i]);
                break;
            }
            size_t split = emit(p, GI_SPLIT, 0, 0, false);
            emit_node(p, x->kids[i]);
            size_t jmp = emit(p, GI_JMP, jumps, 0, false);
            jumps = (uint32_t)jmp;
            if (p->oom)
                return;
            p->code[split].a = (uint32_t)split + 1;
            p->code[split].b = (uint32_t)p->n;
        }
        if (p->oom)
            return;
        while (jumps != NO_PC) {
            uint32_t next = p->code[jumps].a;
            p->code[jumps].a = (uint32_t)p->n;
            jumps = next;
        }
        break;
    }
    case GN_TEXT:
        for (size_t i = 0; i < x->nrunes; i++)
            emit(p, GI_RUNE, x->runes[i], 0, false);
        break;
    case GN_ANY:
        emit(p, GI_STAR, 0, 0, false);
        break;
    case GN_SUPER:
        emit(p, GI_SUPER, 0, 0, false);
        break;
    case GN_SINGLE:
        emit(p, GI_SINGLE, 0, 0, false);
        break;
    case GN_LIST: {
        uint32_t at = pool_add(p, x->runes, x->nrunes);
        emit(p, GI_LIST, at, (uint32_t)x->nrunes, x->not);
        break;
    }
    case GN_RANGE:
        emit(p, GI_RANGE, x->lo, x->hi, x->not);
        break;
    }
}

static bool is_sep(const gprog *p, uint32_t r)
{
    for (size_t i = 0; i < p->nseps; i++)
        if (p->seps[i] == r)
            return true;
    return false;
}

/* Sets of instructions (sparse sets), and the work stack for following
 * SPLIT, JMP and the exits of STAR and SUPER without recursion. */
typedef struct gsim {
    uint32_t *dense[2], *sparse[2];
    size_t len[2];
    uint32_t *stack;
} gsim;

static bool sim_has(const gsim *s, int k, uint32_t pc)
{
    uint32_t i = s->sparse[k][pc];
    return i < s->len[k] && s->dense[k][i] == pc;
}

static void sim_add(gsim *s, int k, const gprog *p, uint32_t pc)
{
    size_t top = 0;
    s->stack[top++] = pc;
    while (top > 0) {
        pc = s->stack[--top];
        if (sim_has(s, k, pc))
            continue;
        s->sparse[k][pc] = (uint32_t)s->len[k];
        s->dense[k][s->len[k]++] = pc;
        const ginst *in = &p->code[pc];
        switch (in->op) {
        case GI_JMP:
            s->stack[top++] = in->a;
            break;
        case GI_SPLIT:
            s->stack[top++] = in->b;
            s->stack[top++] = in->a;
            break;
        case GI_STAR:
        case GI_SUPER:
            s->stack[top++] = pc + 1;
            break;
        default:
            break;
        }
    }
}

static bool list_has(const gprog *p, const ginst *in, uint32_t r)
{
    for (uint32_t i = 0; i < in->b; i++)
        if (p->pool[in->a + i] == r)
            return true;
    return false;
}

/* Whether the program matches all of s; -1 when memory ran out. */
static int glob_run(const gprog *p, const char *s, size_t n)
{
    size_t m = p->n;
    uint32_t local[6 * 32 + 2], *mem = local;   /* small programs need no malloc */
    if (m > 32 && !(mem = malloc((6 * m + 2) * sizeof *mem)))
        return -1;
    gsim sim = {{mem, mem + m}, {mem + 2 * m, mem + 3 * m}, {0, 0}, mem + 4 * m};
    int cur = 0;
    sim_add(&sim, cur, p, 0);
    size_t w;
    for (size_t i = 0; i < n && sim.len[cur] > 0; i += w) {
        uint32_t r = txt_utf8_decode(s + i, n - i, &w);
        int next = !cur;
        sim.len[next] = 0;
        for (size_t k = 0; k < sim.len[cur]; k++) {
            uint32_t pc = sim.dense[cur][k];
            const ginst *in = &p->code[pc];
            switch (in->op) {
            case GI_RUNE:
                if (r == in->a)
                    sim_add(&sim, next, p, pc + 1);
                break;
            case GI_SINGLE:
                if (!is_sep(p, r))
                    sim_add(&sim, next, p, pc + 1);
                break;
            case GI_LIST:
                if (list_has(p, in, r) != in->not)
                    sim_add(&sim, next, p, pc + 1);
                break;
            case GI_RANGE:
                if ((r >= in->a && r <= in->b) != in->not)
                    sim_add(&sim, next, p, pc + 1);
                break;
            case GI_STAR:
                if (!is_sep(p, r))
                    sim_add(&sim, next, p, pc);
                break;
            case GI_SUPER:
                sim_add(&sim, next, p, pc);
                break;
            default:
                break;
            }
        }
        cur = next;
    }
    int matched = 0;
    for (size_t k = 0; k < sim.len[cur] && !matched; k++)
        matched = p->code[sim.dense[cur][k]].op == GI_MATCH;
    if (mem != local)
        free(mem);
    return matched;
}

/* ---- the cache ----
 *
 * Keyed by the separators and the pattern.  Entries hold one reference to
 * their program; a caller holds another while matching, so eviction by
 * another thread never frees a program in use. */

#define GLOB_CACHE_CAP 256
#define GLOB_CACHE_BUCKETS 512

typedef struct gentry {
    uint64_t hash;
    char *key;
    size_t klen;
    gprog *prog;
    struct gentry *hnext;           /* bucket chain */
    struct gentry *prev, *next;     /* recency: head is the most recent */
} gentry;

static struct {
    pthread_mutex_t mu;
    gentry *buckets[GLOB_CACHE_BUCKETS];
    gentry *head, *tail;
    size_t count;
    unsigned long compiles;
} gcache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static gentry **bucket_of(uint64_t hash) { return &gcache.buckets[hash % GLOB_CACHE_BUCKETS]; }

static void lru_unlink(gentry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        gcache.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        gcache.tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(gentry *e)
{
    e->prev = NULL;
    e->next = gcache.head;
    if (gcache.head)
        gcache.head->prev = e;
    gcache.head = e;
    if (!gcache.tail)
        gcache.tail = e;
}

static gentry *find_locked(uint64_t hash, const char *key, size_t klen)
{
    for (gentry *e = *bucket_of(hash); e; e = e->hnext)
        if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0)
            return e;
    return NULL;
}

/* Removes an entry; the caller releases the returned program outside the
 * lock. */
static gprog *remove_locked(gentry *e)
{
    gentry **pp = bucket_of(e->hash);
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    gcache.count--;
    gprog *p = e->prog;
    free(e->key);
    free(e);
    return p;
}

/* A reference to the cached program for key, or NULL. */
static gprog *cache_get(uint64_t hash, const char *key, size_t klen)
{
    pthread_mutex_lock(&gcache.mu);
    gentry *e = find_locked(hash, key, klen);
    gprog *p = NULL;
    if (e) {
        lru_unlink(e);
        lru_push_front(e);
        p = e->prog;
        atomic_fetch_add(&p->refs, 1);
    }
    pthread_mutex_unlock(&gcache.mu);
    return p;
}

/* Stores p (whose one reference the caller gives up) and returns a
 * reference to the program now cached under key: p, or the one another
 * thread stored first. */
static gprog *cache_put(uint64_t hash, const char *key, size_t klen, gprog *p)
{
    gentry *e = malloc(sizeof *e);
    char *k = malloc(klen ? klen : 1);
    gprog *evicted = NULL, *dropped = NULL, *result = p;
    pthread_mutex_lock(&gcache.mu);
    gcache.compiles++;
    gentry *old = find_locked(hash, key, klen);
    if (old) {
        result = old->prog;
        atomic_fetch_add(&result->refs, 1);
        dropped = p;
    } else if (e && k) {
        /* The reference given becomes the cache's; the caller gets another. */
        memcpy(k, key, klen);
        *e = (gentry){hash, k, klen, p, *bucket_of(hash), NULL, NULL};
        *bucket_of(hash) = e;
        lru_push_front(e);
        gcache.count++;
        atomic_fetch_add(&p->refs, 1);
        e = NULL;
        k = NULL;
        if (gcache.count > GLOB_CACHE_CAP)
            evicted = remove_locked(gcache.tail);
    }
    /* else: out of memory for the entry; the caller keeps p uncached. */
    pthread_mutex_unlock(&gcache.mu);
    free(e);
    free(k);
    gprog_release(evicted);
    gprog_release(dropped);
    return result;
}

/* For tests: how many patterns the cache holds and how many it compiled. */
void glob_cache_stats(size_t *entries, unsigned long *compiles);
void glob_cache_clear(void);

void glob_cache_stats(size_t *entries, unsigned long *compiles)
{
    pthread_mutex_lock(&gcache.mu);
    *entries = gcache.count;
    *compiles = gcache.compiles;
    pthread_mutex_unlock(&gcache.mu);
}

void glob_cache_clear(void)
{
    for (;;) {
        pthread_mutex_lock(&gcache.mu);
        gprog *p = gcache.tail ? remove_locked(gcache.tail) : NULL;
        bool more = gcache.tail != NULL;
        pthread_mutex_unlock(&gcache.mu);
        gprog_release(p);
        if (!more)
            break;
    }
}

/* Parses and compiles a pattern into a program holding one reference
 * (with err set when the pattern is invalid); NULL when memory ran out. */
static gprog *glob_compile(bi_ctx *c, const char *pat, size_t n, const uint32_t *seps, size_t nseps)
{
    char err[256];
    gnode *root = glob_parse(c->a, pat, n, err, sizeof err);
    gprog *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    atomic_init(&p->refs, 1);
    if (!root) {
        p->err = strdup(err);
        if (!p->err) {
            free(p);
            return NULL;
        }
        return p;
    }
    if (nseps) {
        p->seps = malloc(nseps * sizeof *seps);
        if (!p->seps) {
            free(p);
            return NULL;
        }
        memcpy(p->seps, seps, nseps * sizeof *seps);
        p->nseps = nseps;
    }
    emit_node(p, root);
    emit(p, GI_MATCH, 0, 0, false);
    if (p->oom) {
        gprog_free(p);
        return NULL;
    }
    return p;
}

/* ---- glob.match ---- */

static bi_status bi_glob_match(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    /* Delimiters: null for none, [] for ".", else one character each. */
    uint32_t dot = '.';
    const uint32_t *seps = NULL;
    size_t nseps = 0;
    val *d = args[1];
    if (val_kind_of(d) == VAL_ARRAY) {
        size_t k = val_len(d);
        if (k == 0) {
            seps = &dot;
            nseps = 1;
        } else {
            uint32_t *buf = arena_alloc(c->a, k * sizeof *buf);
            for (size_t i = 0; i < k; i++) {
                val *e = val_array_items(d)[i];
                if (val_kind_of(e) != VAL_STRING)
                    return txt_element_error(c, 2, d, e, "string");
                size_t w;
                if (LEN(e) == 0 || (buf[i] = txt_utf8_decode(STR(e), LEN(e), &w), w != LEN(e)))
                    return txt_element_error(c, 2, d, e, "rune");
            }
            seps = buf;
            nseps = k;
        }
    } else if (val_kind_of(d) != VAL_NULL) {
        return bi_operand_types(c, 2, d, "array, null");
    }
    if (val_kind_of(args[2]) != VAL_STRING)
        return bi_operand_type(c, 3, args[2], "string");

    /* The cache key: the separators, then the pattern. */
    const char *pat = STR(args[0]);
    size_t plen = LEN(args[0]);
    size_t klen = sizeof(uint32_t) * (nseps + 1) + plen;
    char *key = arena_alloc(c->a, klen);
    uint32_t count = (uint32_t)nseps;
    memcpy(key, &count, sizeof count);
    if (nseps)
        memcpy(key + sizeof count, seps, nseps * sizeof *seps);
    memcpy(key + sizeof(uint32_t) * (nseps + 1), pat, plen);
    uint64_t hash = XXH3_64bits(key, klen);

    gprog *p = cache_get(hash, key, klen);
    if (!p) {
        p = glob_compile(c, pat, plen, seps, nseps);
        if (!p)
            return bi_error(c, "out of memory");
        p = cache_put(hash, key, klen, p);
    }
    /* From here until the release, nothing is allocated from the arena. */
    if (p->err) {
        bi_error(c, "%s", p->err);
        gprog_release(p);
        return BI_ERR;
    }
    int m = glob_run(p, STR(args[2]), LEN(args[2]));
    gprog_release(p);
    if (m < 0)
        return bi_error(c, "out of memory");
    *out = val_bool(m == 1);
    return BI_OK;
}

/* ---- glob.quote_meta: gobwas's QuoteMeta, a backslash before each of
 * * ? \ [ ] { } ---- */

static bi_status bi_glob_quote_meta(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    const char *s = STR(args[0]);
    size_t n = LEN(args[0]), extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += s[i] != '\0' && strchr("*?\\[]{}", s[i]) != NULL;
    if (extra == 0) {
        *out = args[0];
        return BI_OK;
    }
    char *buf = arena_alloc(c->a, n + extra);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\0' && strchr("*?\\[]{}", s[i]))
            buf[j++] = '\\';
        buf[j++] = s[i];
    }
    *out = val_string(c->a, buf, j);
    return BI_OK;
}

const builtin_def bi_group_glob[] = {
    {"glob.match", 3, bi_glob_match, BI_F_BOOL_TEST, NULL},
    {"glob.quote_meta", 1, bi_glob_quote_meta, 0, NULL},
    {0},
};
