/* json_bench — JSON reader throughput.
 *
 *   json_bench [file.json] [iterations]
 *
 * Parses the file `iterations` times (default 20) into one arena that is
 * reset between runs, and prints the median throughput and the arena's peak
 * usage.  Default file: ../shared/bench/large-data/data.json (run from the
 * repository root). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/arena.h"
#include "engine/json.h"
#include "engine/strbuf.h"
#include "engine/value.h"

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    strbuf sb = STRBUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_append(&sb, chunk, n);
    fclose(f);
    *len = sb.len;
    return sb_detach(&sb);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "../shared/bench/large-data/data.json";
    int iters = argc > 2 ? atoi(argv[2]) : 20;
    if (iters < 1)
        iters = 1;
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "json_bench: cannot read %s\n", path);
        return 1;
    }
    arena a;
    arena_init(&a, 1 << 20);
    double *mbps = malloc((size_t)iters * sizeof *mbps);
    size_t peak = 0, reserved = 0;
    for (int i = 0; i < iters; i++) {
        arena_reset(&a);
        json_error err;
        double t0 = now_sec();
        val *v = json_parse(&a, text, len, 0, &err);
        double t1 = now_sec();
        if (!v) {
            fprintf(stderr, "json_bench: %s:%d:%d: %s\n", path, err.line, err.col, err.msg);
            return 1;
        }
        mbps[i] = (double)len / (t1 - t0) / 1e6;
        if (a.used > peak)
            peak = a.used;
        if (a.reserved > reserved)
            reserved = a.reserved;
    }
    qsort(mbps, (size_t)iters, sizeof *mbps, cmp_double);
    printf("file: %s (%.2f MB)\n", path, (double)len / 1e6);
    printf("iterations: %d\n", iters);
    printf("median: %.1f MB/s (min %.1f, max %.1f)\n", mbps[iters / 2], mbps[0], mbps[iters - 1]);
    printf("peak arena bytes: %zu used, %zu reserved\n", peak, reserved);
    free(mbps);
    free(text);
    arena_release(&a);
    return 0;
}
