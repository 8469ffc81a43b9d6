/* watch.c — reload the files of `verdict run --watch` when they change (watch.h).
 *
 * Polling rather than inotify: the same code sees edits, new and removed
 * files at any depth, on any file system (bind mounts and network shares
 * included), and a look twice a second at a policy tree costs nothing next
 * to serving. */
#include "watch.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../server/server.h"
#include "errlist.h"
#include "load.h"

#define POLL_MS 500

struct watcher {
    verdict_engine *eng;
    char **paths;
    int npaths;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
};

/* nftw has no user pointer: the sum being built, one walk at a time */
static uint64_t walk_sum;

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F)
        return 0;
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a of the path */
    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h ^= mix((uint64_t)st->st_mtim.tv_sec * 1000000000ULL + (uint64_t)st->st_mtim.tv_nsec);
    h ^= mix((uint64_t)st->st_size + 0x9e3779b97f4a7c15ULL);
    walk_sum += mix(h);  /* a sum: the order of the walk does not matter */
    return 0;
}

/* A value that changes when any file under the paths changes, appears or
 * goes away (path, modification time and size of each). */
static uint64_t fingerprint(char **paths, int n)
{
    walk_sum = 0;
    for (int i = 0; i < n; i++)
        if (nftw(paths[i], visit, 16, FTW_PHYS) != 0)
            walk_sum += mix((uint64_t)i + 1);  /* a path that is gone counts too */
    return walk_sum;
}

static void reload(watcher *w)
{
    errlist errs;
    errlist_init(&errs);
    load_data_paths(w->eng, w->paths, (size_t)w->npaths, &errs);
    if (errlist_count(&errs) == 0) {
        verdict_errors *e = NULL;
        if (verdict_commit_reload(w->eng, &e) != VERDICT_OK)
            errlist_add_engine(&errs, e);
        else
            verdict_errors_free(e);
    } else {
        verdict_discard(w->eng);
    }
    if (errlist_count(&errs) == 0) {
        server_log(0, "Reloaded the watched files.");
    } else {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m) {
            errlist_print_text(&errs, m);
            fclose(m);
        }
        while (len && text[len - 1] == '\n')
            text[--len] = '\0';
        server_log(1, "Reloading the watched files failed, the previous policy stays active: %s",
                   text ? text : "out of memory");
        free(text);
    }
    errlist_free(&errs);
}

static void *watch_main(void *arg)
{
    watcher *w = arg;
    uint64_t last = fingerprint(w->paths, w->npaths);
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += POLL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cond, &w->lock, &until);
        if (w->stop)
            break;
        pthread_mutex_unlock(&w->lock);
        uint64_t now = fingerprint(w->paths, w->npaths);
        if (now != last) {
            last = now;
            reload(w);
        }
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

watcher *watch_start(verdict_engine *eng, char **paths, int npaths)
{
    watcher *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->eng = eng;
    w->paths = paths;
    w->npaths = npaths;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    /* the thread starts with every signal blocked: SIGTERM and SIGINT are
     * the server's to take (server_run waits for them) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, watch_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void watch_stop(watcher *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
