/* usage.c — see usage.h. */
#include "usage.h"

#include <stdarg.h>
#include <stdio.h>

int cli_usage_error(const char *command, int exit_code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun 'verdict %s --help' for usage.\n", command);
    va_end(ap);
    return exit_code;
}
