/* The bundle tests' archive writer (archive_writer.h).  It defines no suite:
 * the unit test driver links it with the test files. */
#include "archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <string.h>

void write_tgz(const char *out, const tentry *es, int n)
{
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    ck_assert_int_eq(archive_write_open_filename(a, out), ARCHIVE_OK);
    for (int i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, es[i].name);
        archive_entry_set_perm(e, 0644);
        size_t len = 0;
        switch (es[i].type) {
        case 'f':
            archive_entry_set_filetype(e, AE_IFREG);
            len = strlen(es[i].content);
            archive_entry_set_size(e, (la_int64_t)len);
            break;
        case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
        case 'l':
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, es[i].content);
            archive_entry_set_perm(e, 0777);
            break;
        case 'h':
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, es[i].content);
            break;
        case 'c':
            archive_entry_set_filetype(e, AE_IFCHR);
            archive_entry_set_rdev(e, 0x0103);
            break;
        case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
        }
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        if (len)
            archive_write_data(a, es[i].content, len);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}
