/* glob.c — Go's filepath.Match for --ignore patterns (see glob.h).  The
 * pattern is cut into chunks, each a run of literal characters, '?', classes
 * and escapes, optionally led by stars; a star chunk tries each position of
 * the name up to the next '/'. */
#include "glob.h"

#include <stddef.h>
#include <string.h>

#define RUNE_ERROR 0xFFFD

/* One UTF-8 code point of s[0..len): its value and byte length (an invalid
 * byte reads as U+FFFD of length 1, as Go decodes it). */
static long decode(const char *s, size_t len, size_t *n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0) {
        *n = 0;
        return RUNE_ERROR;
    }
    unsigned c = p[0];
    size_t need = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
    if (need == 0) {
        *n = 1;
        return (long)c;
    }
    if (need > 3 || need >= len) {
        *n = 1;
        return RUNE_ERROR;
    }
    long r = (long)(c & (0x3F >> need));
    for (size_t i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *n = 1;
            return RUNE_ERROR;
        }
        r = (r << 6) | (p[i] & 0x3F);
    }
    static const long min[] = {0, 0x80, 0x800, 0x10000};
    if (r < min[need] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
        *n = 1;
        return RUNE_ERROR;
    }
    *n = need + 1;
    return r;
}

typedef struct span {
    const char *s;
    size_t n;
} span;

static void skip(span *x, size_t k)
{
    x->s += k;
    x->n -= k;
}

/* Leading stars, then the chunk up to the next star outside a class. */
static int scan_chunk(span *pattern, span *chunk)
{
    int star = 0;
    while (pattern->n > 0 && pattern->s[0] == '*') {
        skip(pattern, 1);
        star = 1;
    }
    int inrange = 0;
    size_t i;
    for (i = 0; i < pattern->n; i++) {
        char c = pattern->s[i];
        if (c == '\\') {
            if (i + 1 < pattern->n) i++;
        } else if (c == '[') {
            inrange = 1;
        } else if (c == ']') {
            inrange = 0;
        } else if (c == '*' && !inrange) {
            break;
        }
    }
    chunk->s = pattern->s;
    chunk->n = i;
    skip(pattern, i);
    return star;
}

/* A class member: a character, possibly escaped.  -1 when malformed. */
static int class_char(span *chunk, long *r)
{
    if (chunk->n == 0 || chunk->s[0] == '-' || chunk->s[0] == ']') return -1;
    if (chunk->s[0] == '\\') {
        skip(chunk, 1);
        if (chunk->n == 0) return -1;
    }
    size_t n;
    *r = decode(chunk->s, chunk->n, &n);
    int bad = *r == RUNE_ERROR && n == 1;
    skip(chunk, n);
    return bad || chunk->n == 0 ? -1 : 0;
}

/* Match chunk against the start of s: 1 with *rest set, 0 when it does not
 * match, -1 when the chunk is malformed (checked to its end either way). */
static int match_chunk(span chunk, span s, span *rest)
{
    int failed = 0;
    while (chunk.n > 0) {
        if (!failed && s.n == 0) failed = 1;
        char c = chunk.s[0];
        if (c == '[') {
            long r = 0;
            if (!failed) {
                size_t n;
                r = decode(s.s, s.n, &n);
                skip(&s, n);
            }
            skip(&chunk, 1);
            int negated = 0;
            if (chunk.n > 0 && chunk.s[0] == '^') {
                negated = 1;
                skip(&chunk, 1);
            }
            int match = 0, nrange = 0;
            for (;;) {
                if (chunk.n > 0 && chunk.s[0] == ']' && nrange > 0) {
                    skip(&chunk, 1);
                    break;
                }
                long lo, hi;
                if (class_char(&chunk, &lo) != 0) return -1;
                hi = lo;
                if (chunk.s[0] == '-') {
                    skip(&chunk, 1);
                    if (class_char(&chunk, &hi) != 0) return -1;
                }
                if (lo <= r && r <= hi) match = 1;
                nrange++;
            }
            if (match == negated) failed = 1;
        } else if (c == '?') {
            if (!failed) {
                if (s.s[0] == '/') failed = 1;
                size_t n;
                decode(s.s, s.n, &n);
                skip(&s, n);
            }
            skip(&chunk, 1);
        } else {
            if (c == '\\') {
                skip(&chunk, 1);
                if (chunk.n == 0) return -1;
            }
            if (!failed) {
                if (chunk.s[0] != s.s[0]) failed = 1;
                skip(&s, 1);
            }
            skip(&chunk, 1);
        }
    }
    if (failed) return 0;
    *rest = s;
    return 1;
}

static int well_formed(const char *pattern)
{
    span p = {pattern, strlen(pattern)}, chunk, rest;
    while (p.n > 0) {
        scan_chunk(&p, &chunk);
        if (match_chunk(chunk, (span){"", 0}, &rest) < 0) return 0;
    }
    return 1;
}

int glob_match(const char *pattern, const char *name)
{
    if (!well_formed(pattern)) return 0;
    span p = {pattern, strlen(pattern)}, s = {name, strlen(name)}, chunk, rest;
    while (p.n > 0) {
        int star = scan_chunk(&p, &chunk);
        if (star && chunk.n == 0) return memchr(s.s, '/', s.n) == NULL;
        if (match_chunk(chunk, s, &rest) == 1 && (rest.n == 0 || p.n > 0)) {
            s = rest;
            continue;
        }
        int found = 0;
        if (star) {
            for (size_t i = 0; i < s.n && s.s[i] != '/'; i++) {
                span tail = {s.s + i + 1, s.n - i - 1};
                if (match_chunk(chunk, tail, &rest) == 1) {
                    if (p.n == 0 && rest.n > 0) continue;
                    s = rest;
                    found = 1;
                    break;
                }
            }
        }
        if (!found) return 0;
    }
    return s.n == 0;
}
