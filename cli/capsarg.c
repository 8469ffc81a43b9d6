/* capsarg.c — see capsarg.h. */
#include "capsarg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "usage.h"

char *cli_read_capabilities(const char *command, const char *arg)
{
    char why[128];
    size_t len = 0;
    char *text = load_read_file(arg, &len);
    if (text)
        return text;
    if (errno == ENOENT || errno == ENOTDIR)
        cli_usage_error(command, 1,
                        "invalid argument \"%s\" for \"--capabilities\" flag: no such file or capabilities "
                        "version found: %s (verdict ships no capabilities documents of OPA releases: give "
                        "a capabilities JSON file, e.g. one written by `opa capabilities --version %s`)",
                        arg, arg, arg);
    else {
        /* as Go words an OS error: "open x: permission denied" */
        snprintf(why, sizeof why, "%s", strerror(errno));
        why[0] = (char)tolower((unsigned char)why[0]);
        cli_usage_error(command, 1, "invalid argument \"%s\" for \"--capabilities\" flag: open %s: %s", arg, arg,
                        why);
    }
    return NULL;
}

verdict_engine *cli_new_engine(const char *command, const verdict_options *o, const char *arg)
{
    verdict_engine *eng = NULL;
    verdict_errors *errs = NULL;
    verdict_status st = verdict_new_checked(o, &eng, &errs);
    if (st == VERDICT_OK) {
        verdict_errors_free(errs);
        return eng;
    }
    if (verdict_errors_count(errs) && arg)
        cli_usage_error(command, 1, "invalid argument \"%s\" for \"--capabilities\" flag: %s", arg,
                        verdict_error_message(errs, 0));
    else
        fputs("verdict: cannot create engine\n", stderr);
    verdict_errors_free(errs);
    return NULL;
}
