/* test_load.h — loading `verdict test` paths with `--ignore` patterns.
 *
 * Without patterns `verdict test` loads through load_data_paths (load.h),
 * exactly as `verdict eval -d` does.  OPA's --ignore excludes files and
 * directories whose base name matches a glob pattern anywhere below the
 * paths given (never the paths themselves), which load.c has no hook for;
 * this walker applies the same loading rules (extensions, data at the path
 * of its directory, name order, module names as the path walked) and skips
 * what the patterns name. */
#ifndef VERDICT_CLI_TEST_LOAD_H
#define VERDICT_CLI_TEST_LOAD_H

#include <stddef.h>

#include <verdict.h>

#include "errlist.h"

/* Stage every file under the paths that no pattern excludes. */
void test_load_filtered(verdict_engine *eng, char *const *paths, size_t n, char *const *ignore,
                        size_t nignore, errlist *errs);

/* Go's filepath.Clean, for module names as OPA prints them (malloc'd). */
char *test_path_clean(const char *path);

#endif
