/* bench.h — `verdict bench`. */
#ifndef VERDICT_CLI_BENCH_H
#define VERDICT_CLI_BENCH_H

#include <stdio.h>

int cli_bench(int argc, char **argv);
void cli_bench_usage(FILE *out);

#endif
