/* runner.c — OPA's YAML conformance cases against libverdict.
 *
 *   build/conformance [--root DIR] [--filter SUBSTR] [--known FILE]
 *                     [--write-known FILE] [--folders a,b,c] [--by-folder]
 *                     [--timeout SECONDS] [-j N] [--no-fork] [--verbose] [--dump]
 *
 * Every YAML file under DIR/v1 and DIR/v0 (v0 cases with Rego v0
 * compatibility) is read with the engine's YAML reader and each case is run
 * by check.c.  Each case has a stable id "<v1|v0>/<folder>/<file>#<index>".
 * Files run in forked children (several at once with -j) that report case by
 * case over a pipe, so a case that crashes or hangs the engine is recorded
 * as a failure and the run goes on with the next case.
 *
 * Output: each failure with its id, note and a one-line reason, then
 * summaries, ending with "N passed, N failed".  With --known, failures listed
 * there are expected; the exit status is non-zero only for a failure not in
 * the list, and listed cases that pass are reported as newly passing.
 * --dump prints the selected cases as JSON lines instead of running them
 * (tests/conformance/eval_driver.py reads them). */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <verdict.h>

#include "cases.h"
#include "check.h"
#include "engine/json.h"
#include "engine/strbuf.h"
#include "known.h"

enum { REASON_MAX = 1000 };

static struct config {
    const char *root;
    const char *filter;
    const char *known_path;
    const char *write_known;
    char **folders;
    size_t nfolders;
    double timeout;  /* seconds per case */
    int jobs;
    int fork;
    int verbose;
    int dump;
    int by_folder;
} cfg = {"../shared/opa-conformance", NULL, NULL, NULL, NULL, 0, 10.0, 0, 1, 0, 0, 0};

/* ---- the files ---- */

typedef struct outcome {
    int state;     /* 0 not run (filtered out), 1 pass, 2 fail */
    char *reason;  /* malloc'd, for failures */
} outcome;

typedef struct file_job {
    char *path;    /* on disk */
    char *rel;     /* "v1/folder/name.yaml" */
    int v0;
    conf_file cf;
    int loaded;
    outcome *out;  /* one per case */
    int done;
} file_job;

static file_job *files;
static size_t nfiles, capfiles;

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void add_file(const char *path, const char *rel, int v0)
{
    if (nfiles == capfiles) {
        capfiles = capfiles ? capfiles * 2 : 256;
        files = realloc(files, capfiles * sizeof *files);
        if (!files) abort();
    }
    file_job *f = &files[nfiles++];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    f->rel = strdup(rel);
    f->v0 = v0;
}

static void walk(const char *dir, const char *rel, int v0)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096], sub[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            walk(path, sub, v0);
        else if (ends_with(e->d_name, ".yaml") || ends_with(e->d_name, ".yml"))
            add_file(path, sub, v0);
    }
    closedir(d);
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const file_job *)a)->rel, ((const file_job *)b)->rel);
}

static int selected(const conf_case *c)
{
    return !cfg.filter || strstr(c->id, cfg.filter);
}

static int in_folders(const char *folder)
{
    for (size_t i = 0; i < cfg.nfolders; i++)
        if (strcmp(cfg.folders[i], folder) == 0) return 1;
    return 0;
}

/* ---- running cases in children ---- */

static uint64_t timeout_ns(void)
{
    return (uint64_t)(cfg.timeout * 1e9);
}

static void record(file_job *f, size_t i, int pass, const char *reason)
{
    outcome *o = &f->out[i];
    if (o->state) return;
    o->state = pass ? 1 : 2;
    o->reason = pass ? NULL : strdup(reason ? reason : "");
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            _exit(3);
        }
        s += w;
        n -= (size_t)w;
    }
}

/* Child: run cases from index `from`, announcing each before it starts. */
static void child_run(file_job *f, size_t from, int fd)
{
    char reason[REASON_MAX], line[REASON_MAX + 64];
    for (size_t i = from; i < f->cf.ncases; i++) {
        const conf_case *c = &f->cf.cases[i];
        if (!selected(c)) continue;
        int n = snprintf(line, sizeof line, "S %zu\n", i);
        write_all(fd, line, (size_t)n);
        reason[0] = '\0';
        int pass = conf_check_case(c, timeout_ns(), reason, sizeof reason);
        for (char *p = reason; *p; p++)
            if (*p == '\n') *p = ' ';
        n = pass ? snprintf(line, sizeof line, "P %zu\n", i)
                 : snprintf(line, sizeof line, "F %zu %s\n", i, reason);
        if (n >= (int)sizeof line) {
            n = (int)sizeof line - 1;
            line[n - 1] = '\n';
        }
        write_all(fd, line, (size_t)n);
    }
    /* exit, not _exit: sanitizer builds check for leaks at exit, and the
     * parent reports a child that exits non-zero after its cases. */
    close(fd);
    exit(0);
}

typedef struct worker {
    file_job *f;
    pid_t pid;
    int fd;
    size_t next;      /* first case not yet reported */
    long current;     /* case running now, or -1 */
    double deadline;  /* when `current` times out */
    char buf[REASON_MAX + 128];
    size_t len;
} worker;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t first_pending(file_job *f, size_t from)
{
    while (from < f->cf.ncases && (!selected(&f->cf.cases[from]) || f->out[from].state)) from++;
    return from;
}

/* Start (or restart after a crash) the child of w at its next case; returns
 * 0 when the file has nothing left to run. */
static size_t n_child_errors;

static int worker_start(worker *w)
{
    w->next = first_pending(w->f, w->next);
    if (w->next >= w->f->cf.ncases) return 0;
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(p[0]);
        child_run(w->f, w->next, p[1]);
    }
    close(p[1]);
    w->pid = pid;
    w->fd = p[0];
    w->current = -1;
    w->len = 0;
    return 1;
}

static void worker_line(worker *w, char *line)
{
    char *end;
    size_t i = (size_t)strtoul(line + 2, &end, 10);
    if (i >= w->f->cf.ncases) return;
    if (line[0] == 'S') {
        w->current = (long)i;
        w->deadline = now() + cfg.timeout + 5.0;
    } else if (line[0] == 'P' || line[0] == 'F') {
        record(w->f, i, line[0] == 'P', *end == ' ' ? end + 1 : end);
        w->current = -1;
        w->next = i + 1;
    }
}

/* The child is gone (EOF or killed): charge the case it was running. */
static void worker_reap(worker *w, const char *why_timeout)
{
    int status = 0;
    close(w->fd);
    w->fd = -1;
    waitpid(w->pid, &status, 0);
    w->pid = 0;
    if (w->current < 0 && status != 0) {
        /* All cases reported, yet the child failed: a leak or sanitizer
         * report printed above, charged to the file. */
        n_child_errors++;
        if (WIFSIGNALED(status))
            printf("ERROR %s: child killed by signal %d after its cases\n", w->f->rel, WTERMSIG(status));
        else
            printf("ERROR %s: child exited with status %d after its cases (see report above)\n",
                   w->f->rel, WEXITSTATUS(status));
        fflush(stdout);
    }
    if (w->current >= 0) {
        char reason[200];
        if (why_timeout)
            snprintf(reason, sizeof reason, "%s", why_timeout);
        else if (WIFSIGNALED(status))
            snprintf(reason, sizeof reason, "crashed: signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(reason, sizeof reason, "child exited with status %d during the case",
                     WEXITSTATUS(status));
        record(w->f, (size_t)w->current, 0, reason);
        w->next = (size_t)w->current + 1;
        w->current = -1;
    }
}

/* Returns 1 while the worker still has a child running. */
static int worker_read(worker *w)
{
    ssize_t n = read(w->fd, w->buf + w->len, sizeof w->buf - 1 - w->len);
    if (n < 0 && errno == EINTR) return 1;
    if (n <= 0) {
        worker_reap(w, NULL);
        return 0;
    }
    w->len += (size_t)n;
    w->buf[w->len] = '\0';
    char *start = w->buf, *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        worker_line(w, start);
        start = nl + 1;
    }
    w->len = (size_t)(w->buf + w->len - start);
    memmove(w->buf, start, w->len);
    if (w->len == sizeof w->buf - 1) w->len = 0;  /* overlong line: drop it */
    return 1;
}

static void load_job(file_job *f)
{
    if (f->loaded) return;
    f->loaded = 1;
    if (conf_file_load(&f->cf, f->path, f->rel, f->v0) != 0) {
        fprintf(stderr, "conformance: %s\n", f->cf.error);
        f->cf.ncases = 0;
    }
    f->out = calloc(f->cf.ncases + 1, sizeof *f->out);
}

static void run_in_process(file_job *f)
{
    char reason[REASON_MAX];
    for (size_t i = 0; i < f->cf.ncases; i++) {
        const conf_case *c = &f->cf.cases[i];
        if (!selected(c)) continue;
        if (cfg.verbose) fprintf(stderr, "running %s\n", c->id);
        reason[0] = '\0';
        int pass = conf_check_case(c, timeout_ns(), reason, sizeof reason);
        record(f, i, pass, reason);
    }
}

/* ---- reporting ---- */

static known_list known;
static size_t n_pass, n_fail, n_unexpected, n_newly, n_known_fail;
static size_t f_pass, f_fail;

typedef struct folder_stat {
    const char *name;
    size_t pass, fail;
} folder_stat;
static folder_stat *fstats;
static size_t nfstats;

static void count_folder(const char *folder, int pass)
{
    size_t i;
    for (i = 0; i < nfstats; i++)
        if (strcmp(fstats[i].name, folder) == 0) break;
    if (i == nfstats) {
        fstats = realloc(fstats, (nfstats + 1) * sizeof *fstats);
        if (!fstats) abort();
        fstats[nfstats].name = folder;
        fstats[nfstats].pass = fstats[nfstats].fail = 0;
        nfstats++;
    }
    if (pass) fstats[i].pass++;
    else fstats[i].fail++;
}

static void report_file(file_job *f)
{
    for (size_t i = 0; i < f->cf.ncases; i++) {
        const conf_case *c = &f->cf.cases[i];
        const outcome *o = &f->out[i];
        if (!o->state) continue;
        int pass = o->state == 1;
        long k = cfg.known_path ? known_find(&known, c->id) : -1;
        if (k >= 0) known.seen[k] = 1;
        if (pass) {
            n_pass++;
            if (k >= 0) {
                n_newly++;
                printf("newly passing: %s \u2014 remove from known_failures.txt\n", c->id);
            } else if (cfg.verbose) {
                printf("ok   %s\n", c->id);
            }
        } else {
            n_fail++;
            if (k >= 0) {
                n_known_fail++;
                if (cfg.verbose) printf("known %s (%s)\n      %s\n", c->id, c->note ? c->note : "", o->reason);
            } else {
                n_unexpected++;
                printf("FAIL %s (%s)\n     %s\n", c->id, c->note ? c->note : "", o->reason);
            }
        }
        if (cfg.nfolders && in_folders(c->folder)) {
            if (pass) f_pass++;
            else f_fail++;
        }
        count_folder(c->folder, pass);
    }
    fflush(stdout);
}

static int write_known_file(const char *path)
{
    FILE *out = fopen(path, "w");
    if (!out) {
        perror(path);
        return -1;
    }
    fputs("# Known failing conformance cases: one id per line, then \" # reason\".\n"
          "# Written by `build/conformance --write-known`; `make conformance` fails on any\n"
          "# other failure and reports listed cases that pass.\n",
          out);
    for (size_t fi = 0; fi < nfiles; fi++) {
        file_job *f = &files[fi];
        for (size_t i = 0; i < f->cf.ncases; i++) {
            if (f->out[i].state != 2) continue;
            char reason[121];
            snprintf(reason, sizeof reason, "%s", f->out[i].reason);
            fprintf(out, "%s # %s\n", f->cf.cases[i].id, reason);
        }
    }
    fclose(out);
    return 0;
}

/* ---- --dump: the cases as JSON lines ---- */

static void dump_str(strbuf *sb, const char *key, const char *s)
{
    sb_printf(sb, ",\"%s\":", key);
    if (s)
        json_write_string(sb, s, strlen(s), 0);
    else
        sb_puts(sb, "null");
}

static void dump_val(strbuf *sb, const char *key, const val *v)
{
    sb_printf(sb, ",\"%s\":", key);
    if (v)
        json_write(sb, v, 0);
    else
        sb_puts(sb, "null");
}

static void dump_file(file_job *f)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < f->cf.ncases; i++) {
        const conf_case *c = &f->cf.cases[i];
        if (!selected(c)) continue;
        sb_reset(&sb);
        sb_puts(&sb, "{\"id\":");
        json_write_string(&sb, c->id, strlen(c->id), 0);
        dump_str(&sb, "file", c->file);
        dump_str(&sb, "folder", c->folder);
        dump_str(&sb, "note", c->note);
        dump_str(&sb, "query", c->query);
        sb_puts(&sb, ",\"modules\":[");
        for (size_t m = 0; m < c->nmodules; m++) {
            if (m) sb_putc(&sb, ',');
            json_write_string(&sb, c->modules[m], strlen(c->modules[m]), 0);
        }
        sb_putc(&sb, ']');
        dump_val(&sb, "data", c->data);
        dump_val(&sb, "input", c->input);
        dump_str(&sb, "input_term", c->input_term);
        dump_val(&sb, "want_result", c->want_result);
        dump_str(&sb, "want_error_code", c->want_error_code);
        dump_str(&sb, "want_error", c->want_error);
        sb_printf(&sb, ",\"sort_bindings\":%s,\"strict_error\":%s,\"v0\":%s,\"want_defined\":%s}\n",
                  c->sort_bindings ? "true" : "false", c->strict_error ? "true" : "false",
                  c->v0 ? "true" : "false",
                  c->want_defined < 0 ? "null" : c->want_defined ? "true" : "false");
        fwrite(sb.data, 1, sb.len, stdout);
    }
    sb_free(&sb);
}

/* ---- main ---- */

static void usage(FILE *out)
{
    fputs("usage: conformance [--root DIR] [--filter SUBSTR] [--known FILE] [--write-known FILE]\n"
          "                   [--folders a,b,c] [--by-folder] [--timeout SECONDS] [-j N]\n"
          "                   [--no-fork] [--verbose] [--dump]\n",
          out);
}

static void split_folders(const char *list)
{
    char *copy = strdup(list);
    for (char *tok = strtok(copy, ", \n"); tok; tok = strtok(NULL, ", \n")) {
        cfg.folders = realloc(cfg.folders, (cfg.nfolders + 1) * sizeof *cfg.folders);
        if (!cfg.folders) abort();
        cfg.folders[cfg.nfolders++] = strdup(tok);
    }
    free(copy);
}

static void run_all(void)
{
    size_t jobs = cfg.jobs > 0 ? (size_t)cfg.jobs : 1;
    worker *ws = calloc(jobs, sizeof *ws);
    size_t next_file = 0, next_report = 0, active = 0;
    for (;;) {
        /* Give idle workers the next file that has cases to run. */
        for (size_t j = 0; j < jobs && next_file < nfiles; j++) {
            if (ws[j].f) continue;
            file_job *f = &files[next_file++];
            load_job(f);
            ws[j].f = f;
            ws[j].next = 0;
            ws[j].fd = -1;
            if (worker_start(&ws[j])) {
                active++;
            } else {
                f->done = 1;
                ws[j].f = NULL;
                j--;  /* this slot is still idle */
            }
        }
        /* Print finished files in order, so output is stable. */
        while (next_report < nfiles && files[next_report].done) report_file(&files[next_report++]);
        if (active == 0 && next_file >= nfiles) break;
        if (active == 0) continue;

        struct pollfd pfd[64];
        size_t map[64], np = 0;
        double t = now(), wait_s = 1.0;
        for (size_t j = 0; j < jobs && np < 64; j++) {
            if (!ws[j].f || ws[j].fd < 0) continue;
            pfd[np].fd = ws[j].fd;
            pfd[np].events = POLLIN;
            map[np++] = j;
            if (ws[j].current >= 0 && ws[j].deadline - t < wait_s) wait_s = ws[j].deadline - t;
        }
        int rc = poll(pfd, np, wait_s > 0 ? (int)(wait_s * 1000) + 1 : 0);
        if (rc < 0 && errno != EINTR) {
            perror("poll");
            exit(2);
        }
        t = now();
        for (size_t k = 0; k < np; k++) {
            worker *w = &ws[map[k]];
            int alive = 1;
            if (rc > 0 && (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) alive = worker_read(w);
            if (alive && w->current >= 0 && t > w->deadline) {
                kill(w->pid, SIGKILL);
                char why[80];
                snprintf(why, sizeof why, "timed out after %.0f s", cfg.timeout + 5.0);
                worker_reap(w, why);
                alive = 0;
            }
            if (!alive && !worker_start(w)) {
                w->f->done = 1;
                w->f = NULL;
                active--;
            }
        }
    }
    free(ws);
}

int main(int argc, char **argv)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.jobs = ncpu > 0 ? (int)(ncpu > 16 ? 16 : ncpu) : 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKES(name) (strcmp(a, name) == 0 && v && (++i, 1))
        if (TAKES("--root")) cfg.root = v;
        else if (TAKES("--filter")) cfg.filter = v;
        else if (TAKES("--known")) cfg.known_path = v;
        else if (TAKES("--write-known")) cfg.write_known = v;
        else if (TAKES("--folders")) split_folders(v);
        else if (TAKES("--timeout")) cfg.timeout = atof(v);
        else if (TAKES("-j")) cfg.jobs = atoi(v);
        else if (strcmp(a, "--no-fork") == 0) cfg.fork = 0;
        else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) cfg.verbose = 1;
        else if (strcmp(a, "--dump") == 0) cfg.dump = 1;
        else if (strcmp(a, "--by-folder") == 0) cfg.by_folder = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "conformance: unknown or incomplete argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
#undef TAKES
    }
    if (cfg.timeout <= 0) cfg.timeout = 10.0;

    static const char *const versions[] = {"v1", "v0"};
    for (int v = 0; v < 2; v++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", cfg.root, versions[v]);
        walk(dir, versions[v], v == 1);
    }
    if (nfiles == 0) {
        fprintf(stderr, "conformance: no YAML cases under %s/v1 or %s/v0\n", cfg.root, cfg.root);
        return 2;
    }
    qsort(files, nfiles, sizeof *files, cmp_files);

    if (cfg.dump) {
        for (size_t i = 0; i < nfiles; i++) {
            load_job(&files[i]);
            dump_file(&files[i]);
        }
        return 0;
    }
    if (cfg.known_path && known_load(&known, cfg.known_path) != 0) {
        fprintf(stderr, "conformance: cannot read %s\n", cfg.known_path);
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);
    if (cfg.fork) {
        run_all();
    } else {
        for (size_t i = 0; i < nfiles; i++) {
            load_job(&files[i]);
            run_in_process(&files[i]);
            report_file(&files[i]);
        }
    }

    if (cfg.by_folder) {
        printf("\nby folder:\n");
        for (size_t i = 0; i < nfstats; i++)
            printf("  %-32s %4zu passed, %4zu failed\n", fstats[i].name, fstats[i].pass,
                   fstats[i].fail);
    }
    if (cfg.known_path && !cfg.filter) {
        for (size_t i = 0; i < known.n; i++)
            if (!known.seen[i]) printf("stale entry in %s (no such case): %s\n", cfg.known_path, known.ids[i]);
    }
    if (cfg.write_known && write_known_file(cfg.write_known) != 0) return 2;
    if (cfg.nfolders) {
        size_t tot = f_pass + f_fail;
        printf("listed folders: %zu passed, %zu failed (%.1f%%)\n", f_pass, f_fail,
               tot ? 100.0 * (double)f_pass / (double)tot : 0.0);
    }
    if (cfg.known_path)
        printf("known failures: %zu listed, %zu still failing, %zu newly passing; %zu unexpected failures\n",
               known.n, n_known_fail, n_newly, n_unexpected);
    if (n_child_errors) printf("%zu files whose child failed after its cases\n", n_child_errors);
    printf("%zu passed, %zu failed\n", n_pass, n_fail);
    fflush(stdout);
    if (cfg.known_path) return n_unexpected || n_child_errors ? 1 : 0;
    return n_fail || n_child_errors ? 1 : 0;
}
