/* authz.h — OPA's API authorization (`--authorization=basic`): every
 * request to the API listeners is first decided by the policy at
 * data.system.authz.allow, with the request as input, and the token of
 * `--authentication=token` as input.identity. */
#ifndef VERDICT_SERVER_AUTHZ_H
#define VERDICT_SERVER_AUTHZ_H

#include "internal.h"

/* 1: go on with the request.  0: refused or failed, and res holds OPA's
 * answer (401 unauthorized, 500 when the policy is missing or fails). */
int authz_allow(server *s, const http_request *req, http_response *res);

/* The input.identity of a request: the token of "Authorization: Bearer
 * <token>" (scheme in any case), or NULL. */
const char *authz_bearer_token(const char *authorization);

#endif
