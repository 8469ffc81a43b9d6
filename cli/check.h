/* check.h — `verdict check [flags] <path>...`, OPA's `opa check`. */
#ifndef VERDICT_CLI_CHECK_H
#define VERDICT_CLI_CHECK_H

#include <stdio.h>

/* argv[0] is "check". Returns the process exit status. */
int cli_check(int argc, char **argv);
void cli_check_usage(FILE *out);

#endif
