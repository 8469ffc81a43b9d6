/* table.h — the box tables `opa eval --format pretty` draws (tablewriter's
 * default look: light box-drawing lines, a header row centred, cells left
 * aligned, one space of padding), sized by terminal columns. */
#ifndef VERDICT_CLI_TABLE_H
#define VERDICT_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

/* Columns a terminal gives the UTF-8 text (wide East Asian characters take
 * two). */
size_t table_display_width(const char *s);

/* Draw a table of ncols columns: header[ncols], then rows[nrows][ncols]. */
void table_print(FILE *out, size_t ncols, char *const *header, char **const *rows, size_t nrows);

#endif
