/* usage.h — a usage error as cobra (OPA's command framework) reports one:
 * "Error: <message>" and where to read the usage, on stderr. */
#ifndef VERDICT_CLI_USAGE_H
#define VERDICT_CLI_USAGE_H

/* Prints the error for `verdict <command>` and returns exit_code. */
int cli_usage_error(const char *command, int exit_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
