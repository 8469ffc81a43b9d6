/* re2_shim.h — Go's regexp package, as OPA uses it, over RE2 (re2_shim.cc).
 *
 * Patterns use Go's syntax (RE2's, plus what Go adds: `(?<name>...)`, Go's
 * rejection of `\C`, `{01}` read as literal text, capture names limited to
 * [A-Za-z0-9_]); compile errors carry Go's wording, e.g.
 *     error parsing regexp: missing closing ]: `[`
 * Matching is RE2's: linear in the input, leftmost-first like Go.  Subject
 * strings are seen as Go sees them: an invalid UTF-8 byte is one U+FFFD
 * character, and every position reported is a byte offset into the string
 * given.
 *
 * Every function looks the pattern up in a process-wide cache of compiled
 * patterns (bounded, least recently used evicted, mutex-protected; compile
 * errors are cached too), so callers pass the pattern text each time and
 * hold nothing between calls.  Functions never throw, print or abort; out of
 * memory is reported as RE2S_NOMEM.  Results are malloc'd and owned by the
 * caller. */
#ifndef VERDICT_BUILTINS_RE2_SHIM_H
#define VERDICT_BUILTINS_RE2_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum re2s_status {
    RE2S_OK = 0,
    RE2S_SYNTAX,        /* the pattern does not compile; err holds Go's message */
    RE2S_NOMEM,         /* out of memory; err says so */
} re2s_status;

/* Every call takes an error buffer; on failure it receives a NUL-terminated
 * message (truncated to errcap).  errcap may be 0 when the text is not
 * wanted. */

/* regexp.Compile(pattern) succeeds. */
re2s_status re2s_check(const char *pat, size_t plen, char *err, size_t errcap);

/* Regexp.MatchString(s). */
re2s_status re2s_match(const char *pat, size_t plen, const char *s, size_t slen, bool *matched,
                       char *err, size_t errcap);

/* Matches found by re2s_find_all: match k, group g (0 = the whole match)
 * spans pos[2*(k*ngroups+g)] .. pos[2*(k*ngroups+g)+1]; both are -1 for a
 * group that took no part in the match. */
typedef struct re2s_matches {
    size_t count;
    int ngroups;
    long *pos;          /* malloc'd, NULL when count is 0 */
} re2s_matches;

/* Regexp.FindAllStringSubmatchIndex(s, n) when with_groups, else
 * FindAllStringIndex(s, n) (ngroups is then 1).  n < 0: no limit. */
re2s_status re2s_find_all(const char *pat, size_t plen, const char *s, size_t slen, long n,
                          bool with_groups, re2s_matches *out, char *err, size_t errcap);
void re2s_matches_free(re2s_matches *m);

/* Regexp.ReplaceAllString(s, repl): `$1`, `${1}`, `$name`, `${name}` and
 * `$$` expand as Go's Regexp.Expand does.  *out is malloc'd and
 * NUL-terminated (its length in *outlen). */
re2s_status re2s_replace_all(const char *pat, size_t plen, const char *s, size_t slen, const char *repl,
                             size_t rlen, char **out, size_t *outlen, char *err, size_t errcap);

/* The cache: how many patterns it holds and how many compilations it has
 * done since the process started (for tests and metrics); re2s_cache_clear
 * drops every entry (patterns in use by another thread stay alive until
 * that call returns). */
size_t re2s_cache_size(void);
unsigned long re2s_cache_compiles(void);
void re2s_cache_clear(void);

#ifdef __cplusplus
}
#endif

#endif
