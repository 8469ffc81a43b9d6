/* check.h — running one conformance case through the public API and
 * judging the outcome as OPA's own runner does (v1/topdown/exported_test.go):
 * modules named test-0.rego, test-1.rego, ...; data at the root; input as
 * JSON or (input_term) as a Rego term; want_error_code matched exactly,
 * want_error as a substring of "file:row: code: message"; want_result as a
 * set of binding objects, array bindings sorted when sort_bindings is set. */
#ifndef VERDICT_CONF_CHECK_H
#define VERDICT_CONF_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "cases.h"

/* 1 when the case passes; otherwise 0 and a one-line reason in reason. */
int conf_check_case(const conf_case *c, uint64_t timeout_ns, char *reason, size_t cap);

#endif
