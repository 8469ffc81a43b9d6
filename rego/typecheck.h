/* typecheck.h — compile-time checks of builtin calls (typecheck.c). */
#ifndef VERDICT_TYPECHECK_H
#define VERDICT_TYPECHECK_H

#include "../engine/builtins.h"
#include "ast.h"

/* The position of the first argument known not to fit the builtin's
 * declaration, or -1 when nothing is known to be wrong. */
int typecheck_builtin_args(arena *a, const builtin_def *bi, ast_term *const *args, int nargs);

#endif
