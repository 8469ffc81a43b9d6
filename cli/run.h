/* run.h — `verdict run --server`: OPA's `opa run -s`. */
#ifndef VERDICT_CLI_RUN_H
#define VERDICT_CLI_RUN_H

#include <stdio.h>

/* argv[0] is "run". Returns the process exit status. */
int cli_run(int argc, char **argv);
void cli_run_usage(FILE *out);

#endif
