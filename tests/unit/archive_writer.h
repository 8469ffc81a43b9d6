/* .tar.gz archives written entry by entry with libarchive (gzip, pax), for
 * the bundle tests (test_bundle.c, test_bundle_engine.c): any entry type a
 * bundle reader has to refuse or accept, which GNU tar run on a directory
 * cannot make. */
#ifndef VERDICT_TESTS_ARCHIVE_WRITER_H
#define VERDICT_TESTS_ARCHIVE_WRITER_H

typedef struct tentry {
    const char *name;
    char type;              /* 'f' file, 'd' directory, 'l' symlink, 'h' hard link, 'c' device, 'p' FIFO */
    const char *content;    /* files; link target for links */
} tentry;

/* Writes the n entries to the archive `out`, asserting that it can. */
void write_tgz(const char *out, const tentry *es, int n);

#endif
