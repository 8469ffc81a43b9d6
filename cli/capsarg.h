/* capsarg.h — the --capabilities flag of `verdict check`, `eval` and
 * `build`, read as OPA's capabilitiesFlag reads it: a file holding a
 * capabilities document (JSON).  OPA also accepts the name of one of its
 * releases ("v0.60.0") and uses the document it ships for it; Verdict ships
 * none, so a name that is not a file gets an error saying so. */
#ifndef VERDICT_CLI_CAPSARG_H
#define VERDICT_CLI_CAPSARG_H

#include <verdict.h>

/* The document named by the flag's value (caller frees), or NULL after
 * printing OPA's flag error for `verdict <command>`. */
char *cli_read_capabilities(const char *command, const char *arg);

/* An engine made with o (o->capabilities the document read from arg, or
 * NULL), or NULL after printing why: a document that does not read is an
 * invalid value of the flag, as in OPA. */
verdict_engine *cli_new_engine(const char *command, const verdict_options *o, const char *arg);

#endif
