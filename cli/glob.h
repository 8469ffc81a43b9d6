/* glob.h — shell patterns as Go's path/filepath.Match reads them, which is
 * what OPA's loader applies to --ignore patterns (loader.GlobExcludeName):
 *
 *   *        any run of characters other than '/'
 *   ?        one character (one UTF-8 code point) other than '/'
 *   [a-z]    a class of code points; [^...] negates it; \c escapes c
 *   \c       the character c
 *
 * The whole name must match.  A malformed pattern matches nothing (OPA
 * ignores filepath.Match's ErrBadPattern, so such a pattern excludes no
 * file). */
#ifndef VERDICT_CLI_GLOB_H
#define VERDICT_CLI_GLOB_H

/* 1 when name matches pattern, 0 otherwise (and for a malformed pattern). */
int glob_match(const char *pattern, const char *name);

#endif
