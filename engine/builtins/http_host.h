/* http_host.h — controls a host (the server, the CLI, tests) has over the
 * "http" and "runtime" builtin groups: the inter-query cache of http.send,
 * and the object opa.runtime() returns.
 *
 * Both are process-wide, like OPA's: one cache shared by every engine and
 * thread, one runtime object set when the process starts.  All functions
 * are thread-safe. */
#ifndef VERDICT_BUILTINS_HTTP_HOST_H
#define VERDICT_BUILTINS_HTTP_HOST_H

#include <stddef.h>

#include "../arena.h"
#include "../value.h"

/* ---- http.send's inter-query cache (used by requests with "cache" or
 * "force_cache") ---- */

#define HTTP_CACHE_DEFAULT_MAX_BYTES ((size_t)64 << 20)

/* Byte budget of the cache (OPA's caching.inter_query_builtin_cache.
 * max_size_bytes); 0 means unlimited.  Shrinking evicts at once. */
void http_cache_configure(size_t max_bytes);
/* Drop every entry. */
void http_cache_clear(void);
/* Current number of entries and bytes accounted. */
void http_cache_stats(size_t *entries, size_t *bytes);

/* ---- opa.runtime() ----
 * Without an installed object opa.runtime() returns {} (OPA without runtime
 * information, as in its test harness and for embedded evaluation).
 * `opa eval` / `opa run` install OPA's runtime.Term(): build it with
 * opa_runtime_default() and install it with opa_runtime_set(). */

/* Install a copy of info (an object) as what opa.runtime() returns; NULL
 * removes it.  Returns 0, or -1 when info is not an object or memory runs
 * out (the previous object then stays). */
int opa_runtime_set(const val *info);
/* {"env": {...the process environment...}, "version": VERDICT_VERSION,
 * "commit": "", "config": config} in arena a (config omitted when NULL),
 * as OPA's runtime.Term builds it.  opa.runtime() removes credentials from
 * config.services and keys from config.keys when it answers, as OPA does. */
val *opa_runtime_default(arena *a, const val *config);

#endif
