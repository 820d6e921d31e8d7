/* iopriv.h: what the record stream's three files share privately:
 * the layout of a table row (table.c keeps rows, writer.c copies plain
 * ones whole, io.c marks them) and the list of columns in messages. */
#ifndef SK_IOPRIV_H
#define SK_IOPRIV_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"
#include "progress.h"

/* The buffered line source (source.c) the reader (io.c) reads through. */
enum codec { CODEC_UNKNOWN = 0, CODEC_PLAIN, CODEC_GZIP, CODEC_ZSTD, CODEC_BZIP2, CODEC_XZ };

#define ZCAP (1 << 16)		/* compressed bytes read at a time */

struct src {
	int fd;
	const char *name;	/* as given, "-" for stdin */
	const char *shown;	/* for messages: "stdin" or the path */
	char *buf;
	size_t cap, beg, end;
	size_t nl_at, cr_at;	/* no "\n" (no "\r") in [beg, nl_at) ([beg, cr_at)) */
	int eof;
	unsigned long line;	/* physical line of the last line returned */
	struct sk_progress *pg;	/* the reader's meter, or NULL */
	/* A regular file: its size at open and the raw bytes read since, so
	 * a file that shrinks or grows while read is not taken for whole. */
	long long size_at_open;	/* -1: not a regular file */
	long long raw_bytes;
	/* Compressed input: raw bytes from fd land in zin and the decoder
	 * writes text into buf.  The codec is told by the first bytes. */
	enum codec codec;
	unsigned char *zin;
	size_t zbeg, zend;
	int zeof;		/* no more raw bytes */
	int zcomplete;		/* the last frame or member ended */
	struct codecs *z;	/* the decoders' state (source.c) */
};

/* Open name ("-": stdin) with an optional progress meter; exits 66. */
void sk_src_open(struct src *s, const char *name, struct sk_progress *pg);
void sk_src_close(struct src *s);
/* Next physical line with its line end (the last may lack one); NULL at
 * the end.  Valid until the next call. */
char *sk_src_line(struct src *s, size_t *len);
/* The first bytes, without consuming them (format detection). */
size_t sk_src_peek(struct src *s, const char **p);
/* JSON text (jsontext.c): the index past the string, or the value, that
 * starts at p[i]; past the blanks from p[i]. */
size_t sk_json_skip_string(const char *p, size_t len, size_t i);
size_t sk_json_skip_value(const char *p, size_t len, size_t i);
size_t sk_json_ws(const char *p, size_t len, size_t i);

/* A spooled copy of stdin is still called "stdin" in messages. */
const char *sk_spool_shown(const char *name);

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
