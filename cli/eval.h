/* eval.h — `verdict eval [flags] <query>`, OPA's `opa eval`. */
#ifndef VERDICT_CLI_EVAL_H
#define VERDICT_CLI_EVAL_H

#include <stdio.h>

/* Exit statuses.  Issue 2 asks for 1 on errors (OPA itself uses 2 for
 * errors and 1 for --fail/--fail-defined). */
enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,   /* --fail on undefined, --fail-defined on defined */
    EXIT_ERROR = 1,  /* usage, load, parse, compile or evaluation errors */
};

/* argv[0] is "eval". Returns the process exit status. */
int cli_eval(int argc, char **argv);
void cli_eval_usage(FILE *out);

#endif
