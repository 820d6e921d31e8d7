/* iopriv.h: what the record stream's three files share privately:
 * the layout of a table row (table.c keeps rows, writer.c copies plain
 * ones whole, io.c marks them) and the list of columns in messages. */
#ifndef SK_IOPRIV_H
#define SK_IOPRIV_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

/* A row: this header, the nf + 1 field offsets into the data (8-bit
 * when the data is under 256 bytes, as customer records nearly always
 * are, 16-bit under 64 KB, else 32-bit), the nf field types only when
 * one is not SK_STR (CSV never has them), then the fields with their
 * terminating NULs.  A million rows of ten short fields take ~85 bytes
 * each instead of ~160 with pointers and 32-bit offsets.  The file a
 * row came from is kept per run of rows (struct sk_tfile). */
#define ROW_MAXF ((1u << 27) - 1)

struct sk_row {			/* 8 bytes */
	uint32_t line;		/* minus the line base of its run (struct sk_tfile) */
	uint32_t nf : 27;	/* fields, at most ROW_MAXF */
	uint32_t osz : 3;	/* bytes per offset: 1, 2 or 4 */
	uint32_t typed : 1;	/* a type byte per field follows the offsets */
	uint32_t plain : 1;	/* CSV cut at delimiters only (sk_writer_row_plain) */
};

static inline size_t row_off(const struct sk_row *row, size_t j)
{
	const void *off = row + 1;
	return row->osz == 1 ? ((const uint8_t *)off)[j]
	     : row->osz == 2 ? ((const uint16_t *)off)[j] : ((const uint32_t *)off)[j];
}

static inline void set_row_off(struct sk_row *row, size_t j, uint32_t v)
{
	void *off = row + 1;
	if (row->osz == 1)
		((uint8_t *)off)[j] = (uint8_t)v;
	else if (row->osz == 2)
		((uint16_t *)off)[j] = (uint16_t)v;
	else
		((uint32_t *)off)[j] = v;
}

/* The first byte of the fields. */
static inline const char *row_data(const struct sk_row *row)
{
	return (const char *)(row + 1) + (row->nf + 1) * row->osz + (row->typed ? row->nf : 0);
}

/* A copy of s kept in the table's memory. */
char *sk_table_strdup(struct sk_table *t, const char *s);
/* Mark row i as a CSV line cut at delimiters only (or not). */
void sk_table_row_plain(struct sk_table *t, size_t i, int plain);
/* "a, b, c" of n column names, cut with "..." to fit found[512]; "no
 * columns" when there are none. */
const char *sk_col_list(char found[512], char *const *col, size_t n);

#endif
