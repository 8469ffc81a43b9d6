/* watch.h — `verdict run --watch` (OPA's -w): the policy and data files
 * given on the command line are loaded again whenever one of them changes,
 * appears or goes away, replacing everything that did not come from a
 * bundle (verdict_commit_reload).  A reload that fails (a parse or compile
 * error) is logged and the previous policy stays active. */
#ifndef VERDICT_CLI_WATCH_H
#define VERDICT_CLI_WATCH_H

#include <verdict.h>

typedef struct watcher watcher;

/* Starts watching; paths must outlive the watcher.  NULL when the thread
 * cannot start. */
watcher *watch_start(verdict_engine *eng, char **paths, int npaths);
void watch_stop(watcher *w);

#endif
