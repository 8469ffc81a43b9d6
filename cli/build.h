/* build.h — `verdict build` and `verdict inspect`. */
#ifndef VERDICT_CLI_BUILD_H
#define VERDICT_CLI_BUILD_H

#include <stdio.h>

int cli_build(int argc, char **argv);
int cli_inspect(int argc, char **argv);
void cli_build_usage(FILE *out);

#endif
