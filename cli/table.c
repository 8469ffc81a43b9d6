/* table.c — box tables for the pretty format (see table.h). */
#include "table.h"

#include <stdint.h>
#include <stdlib.h>

size_t table_display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = *p;
        size_t n = 1;
        if (cp >= 0xF0) cp &= 0x07, n = 4;
        else if (cp >= 0xE0) cp &= 0x0F, n = 3;
        else if (cp >= 0xC0) cp &= 0x1F, n = 2;
        for (size_t i = 1; i < n && (p[i] & 0xC0) == 0x80; i++) cp = (cp << 6) | (p[i] & 0x3F);
        for (size_t i = 0; i < n && *p; i++) p++;
        int wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                   (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
        w += wide ? 2 : 1;
    }
    return w;
}

static void rule(FILE *out, const size_t *width, size_t n, const char *left, const char *mid,
                 const char *right)
{
    fputs(left, out);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < width[i] + 2; k++) fputs("─", out);
        fputs(i + 1 < n ? mid : right, out);
    }
    fputc('\n', out);
}

static void cells(FILE *out, const size_t *width, size_t n, char *const *text, int center)
{
    fputs("│", out);
    for (size_t i = 0; i < n; i++) {
        size_t gap = width[i] - table_display_width(text[i]);
        size_t left = center ? gap / 2 : 0;
        fprintf(out, " %*s%s%*s │", (int)left, "", text[i], (int)(gap - left), "");
    }
    fputc('\n', out);
}

void table_print(FILE *out, size_t ncols, char *const *header, char **const *rows, size_t nrows)
{
    size_t *width = calloc(ncols + 1, sizeof *width);
    if (!width) return;
    for (size_t c = 0; c < ncols; c++) {
        width[c] = table_display_width(header[c]);
        for (size_t r = 0; r < nrows; r++) {
            size_t w = table_display_width(rows[r][c]);
            if (w > width[c]) width[c] = w;
        }
    }
    rule(out, width, ncols, "┌", "┬", "┐");
    cells(out, width, ncols, header, 1);
    rule(out, width, ncols, "├", "┼", "┤");
    for (size_t r = 0; r < nrows; r++) cells(out, width, ncols, rows[r], 0);
    rule(out, width, ncols, "└", "┴", "┘");
    free(width);
}
