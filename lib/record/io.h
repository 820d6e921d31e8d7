/* io.h: the record stream (io.c reads, table.c keeps customer tables,
 * writer.c writes).  Only these know file formats: CSV
 * (libcsv, RFC 4180), TSV and JSON lines (jansson), each plain, gzip or
 * zstd compressed (told by the magic bytes, files and stdin alike).
 * Programs see records: named columns of byte strings.
 *
 * Field types carry what JSON needs to round-trip a value: a string, a
 * raw JSON literal (number, true, false, object, array) or null.  CSV and
 * TSV fields are strings.  SK_NUM marks a number a program computed
 * (always plain text, "12.5"): JSON writes it as a number, CSV and TSV
 * with a decimal comma under --odecimal-comma, and sk_table_num reads it
 * without the local formats of the input. */
#ifndef SK_IO_H
#define SK_IO_H

#include <stddef.h>
#include <stdint.h>

#include "opts.h"

/* The type of a field.  SK_STR: text of a CSV/TSV input (a JSON number on
 * output when it reads as one, except the id column); SK_RAW: JSON text
 * kept exactly (a number as written, true, an array); SK_NUM: a number a
 * program computed; SK_TEXT: a JSON string or a computed word, always a
 * JSON string on output; SK_ABSENT: a key a JSON record lacks, written as
 * nothing in JSON lines (issue 17: records gained null keys).  Readers
 * (sk_reader_field, sk_table_get) show SK_TEXT as SK_STR and SK_ABSENT as
 * SK_NULL; only writers see them (sk_table_get_out). */
enum sk_ftype { SK_STR = 0, SK_RAW = 1, SK_NULL = 2, SK_NUM = 3, SK_TEXT = 4, SK_ABSENT = 5 };

/* ---- reading, one record at a time ---- */

struct sk_reader;

/* Open the inputs of o (exits 66 when a file is missing).  The format is
 * detected from the first input unless o->ifmt says.  The header is read. */
struct sk_reader *sk_reader_open(const struct sk_opts *o);
/* Read the next record: 1, or 0 at the end of the last input.  Bad rows
 * go through sk_reader_bad. */
int sk_reader_next(struct sk_reader *r);
/* JSON lines name their keys record by record: read the first record
 * ahead, so that its keys are columns and the next sk_reader_next
 * returns it.  0 for other formats (their header names the columns) and
 * when there is no record. */
int sk_reader_peek(struct sk_reader *r);
/* The current record as it was written in the input (decompressed),
 * without its last line end: one line, or the lines of a CSV record with
 * a quoted line break; right after sk_reader_open, the header.  Valid
 * until the next read. */
const char *sk_reader_raw(const struct sk_reader *r, size_t *len);
size_t sk_reader_ncol(const struct sk_reader *r);
const char *sk_reader_colname(const struct sk_reader *r, size_t i);
/* Index of a column, or -1.  For JSON lines a name not yet seen is
 * registered, so rows that carry it later fill it. */
long sk_reader_col(struct sk_reader *r, const char *name);
/* Field i of the current record (NUL-terminated), its length and type;
 * a column the record lacks reads as an empty SK_NULL. */
const char *sk_reader_field(const struct sk_reader *r, size_t i, size_t *len,
			    enum sk_ftype *type);
/* Field i of the current record as a number of the data: text in the
 * local format of the reader's options (sk_num_read: --decimal-comma,
 * --thousands, --currency), JSON numbers plain.  0, or -1 when it is not
 * a number; then *why, when why is not NULL, is the hint of sk_num_why. */
int sk_reader_num(const struct sk_reader *r, size_t i, double *v, const char **why);
/* Field i of the current record (column colname) as an amount of money,
 * the one reading every program gives amounts: sk_reader_num, then at
 * most SK_AMOUNT_MAX in size, so that sums kept in micro-units (*micro,
 * exact) cannot overflow.  1 when read, 0 when the field is empty or
 * null, -1 when it is bad (reported by sk_reader_bad, the value quoted
 * with sk_quoted). */
int sk_reader_amount(struct sk_reader *r, size_t i, const char *colname, double *v,
		     int64_t *micro);
enum sk_fmt sk_reader_format(const struct sk_reader *r);
/* 1 when a reader over o's inputs found a JSON array (Miller's --ojson)
 * rather than JSON lines: the writer's default output is then an array
 * too, as the output format follows the input's. */
int sk_input_json_array(const struct sk_opts *o);
const char *sk_reader_file(const struct sk_reader *r);
unsigned long sk_reader_line(const struct sk_reader *r);
/* Report a bad current record: "prog: file:line: message".  Exits 65
 * unless --skip-bad, in which case it counts the row and returns. */
void sk_reader_bad(struct sk_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Die with 65 naming the current file and line (errors that no row
 * skipping can cure, such as a missing column). */
_Noreturn void sk_reader_die(struct sk_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Index of a column the input has, or -1, without registering the name
 * (as sk_reader_col does for JSON lines). */
long sk_reader_has_col(const struct sk_reader *r, const char *name);
/* Die (65, at the header) for a missing column, naming the columns found:
 * 'missing WHAT column "NAME" (found: a, b, c)'. */
_Noreturn void sk_reader_die_missing(struct sk_reader *r, const char *what, const char *name);
/* Check the columns of a log (CSV or TSV header) against o: the columns in
 * need (SK_COL_* bits) must be there, and so must every column named by an
 * option.  One message names every missing column with the option that
 * maps it and the columns found, and says -d ';' when the header splits on
 * ';', tab or '|' instead of the delimiter; exits 64 when a column named
 * on the command line is missing, 65 when a default one is. */
void sk_reader_check_cols(struct sk_reader *r, const struct sk_opts *o, unsigned need);
/* Close; with --skip-bad, print the count of skipped rows. */
void sk_reader_close(struct sk_reader *r);

/* For programs that read their input twice: copy every input that is
 * not a regular file (standard input, a pipe, a FIFO, <(...)) once to a
 * temporary file (removed at exit and on SIGTERM, SIGHUP, SIGINT) and put
 * its name in place of the input's in o->files; messages still name the
 * input.  Standard input closed dies 74. */
void sk_spool_streams(struct sk_opts *o);

/* ---- a whole table in memory (customer records) ---- */

struct sk_table {
	size_t ncol;
	char **col;		/* column names */
	size_t nrow;
	struct sk_row **row;
	enum sk_fmt fmt;	/* input format */
	int has_as_of;		/* set when summarized from a transaction log: */
	long as_of;		/* the end of observation used (day number) */
	/* private */
	const struct sk_opts *o;	/* local number formats of the input, or NULL */
	struct arena *arena;
	size_t rowcap, colcap;
	struct sk_tfile *files;	/* the file of each run of rows */
	const char *src;	/* the file the header came from, or NULL */
	size_t nfiles, filecap;
	/* Rows marked plain hold no quote, line break or this byte, so that
	 * a CSV writer with it as its delimiter can copy them whole
	 * (sk_writer_row_plain): the input's delimiter in a table read, the
	 * output's in a summary's (sk_table_put marks those); 0: none. */
	char plain_delim;
};

/* A row is one allocation in the table's arena (layout in iopriv.h). */
struct sk_row;

/* Read every remaining record of r into a table (columns as r has them). */
struct sk_table *sk_table_read(struct sk_reader *r);
struct sk_table *sk_table_new(enum sk_fmt fmt);
void sk_table_add_col(struct sk_table *t, const char *name);
/* Append a row from parallel arrays of n fields. */
void sk_table_add_row(struct sk_table *t, const char *file, unsigned long line,
		      size_t n, const char *const *f, const size_t *len,
		      const unsigned char *type);
/* Append n rows made on every core: fn(p, k, lo, hi, ctx) makes rows
 * lo..hi-1 (0 <= lo < hi <= n), each by one sk_table_put(p, i, ...), on
 * thread k (0 <= k < SK_WRITE_THREADS, for per-thread scratch; see
 * sk_writer_rows).  fn may run on several threads at once; the rows are
 * those n calls of sk_table_add_row in order would make, row i read
 * from file at line + i.  A record too big to keep dies (65) naming the
 * first such row, as sk_table_add_row does.  Fewer than 20,000 rows
 * are made on the calling thread. */
struct sk_table_part;
typedef void sk_table_rows_fn(struct sk_table_part *p, int k, size_t lo, size_t hi,
			      void *ctx);
void sk_table_add_rows(struct sk_table *t, size_t n, const char *file, unsigned long line,
		       sk_table_rows_fn *fn, void *ctx);
/* Row i of the n of sk_table_add_rows, from parallel arrays of nf fields. */
void sk_table_put(struct sk_table_part *p, size_t i, size_t nf, const char *const *f,
		  const size_t *len, const unsigned char *type);
long sk_table_col(const struct sk_table *t, const char *name);
/* The column name (or else alt, when not NULL) of customer records;
 * a table without either dies (65, at its header) naming the columns
 * it has. */
long sk_table_need_col(const struct sk_table *t, const char *name, const char *alt);
/* Rows visited out of order (ranked output) are cache misses: stage 0
 * prefetches where row i is kept, stage 1 (some rows later, when that
 * is in cache) the row's first bytes. */
void sk_table_prefetch(const struct sk_table *t, size_t i, int stage);
/* The file and line row i was read from, for messages. */
const char *sk_table_file(const struct sk_table *t, size_t i);
unsigned long sk_table_line(const struct sk_table *t, size_t i);
/* Field j of row i; NULL-typed and missing fields read as "". */
const char *sk_table_get(const struct sk_table *t, size_t i, long j, size_t *len,
			 enum sk_ftype *type);
/* Parse a numeric field; empty gives 0 with *empty = 1.  Bad numbers exit
 * 65 with the row's file:line and the column name.  Fields read from the
 * input go through sk_num_read with the options of the reader that read
 * the table (--decimal-comma ...); SK_NUM and JSON fields are plain. */
double sk_table_num(const struct sk_table *t, size_t i, long j, int *empty);
/* Checking rows on every core with the message of one.  A row check
 * fn(i, die, ctx) reads row i and returns 0 when it is good; for a bad
 * row it returns nonzero without a word when die is 0, and dies with its
 * message when die is 1 (sk_table_bad, sk_table_num_check).
 * sk_table_check_rows runs fn(i, 0, ctx) on rows lo..t->nrow-1 on every
 * core and then fn(i, 1, ctx) on the first bad row: the message and the
 * exit status are those of fn(i, 1, ctx) on each row in turn, which is
 * what it does under 20,000 rows.  fn may run on several threads at
 * once: what it writes for row i must be row i's alone. */
typedef int sk_row_check_fn(size_t i, int die, void *ctx);
void sk_table_check_rows(const struct sk_table *t, size_t lo, sk_row_check_fn *fn, void *ctx);
/* In a row check: 1, or with die sk_table_die(t, i, fmt, ...). */
int sk_table_bad(const struct sk_table *t, size_t i, int die, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* sk_table_num in a row check: 0 with the number in *v, or for a bad
 * number (an empty one when empty is NULL) 1, or with die its message. */
int sk_table_num_check(const struct sk_table *t, size_t i, long j, int die, double *v,
		       int *empty);
/* sk_table_get with the type as stored, SK_TEXT and SK_ABSENT included:
 * for writers. */
const char *sk_table_get_out(const struct sk_table *t, size_t i, long j, size_t *len,
			     enum sk_ftype *type);
_Noreturn void sk_table_die(const struct sk_table *t, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for the header (a missing column): "prog: file:1: ...". */
_Noreturn void sk_table_die_header(const struct sk_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sk_table_free(struct sk_table *t);

/* ---- writing ---- */

struct sk_writer;

/* Open the output of o (stdout, or -o FILE written atomically; exits 73
 * when FILE cannot be created).  The format is o->ofmt, else infmt; JSON
 * is one array with --ojson, or without an output format when the input
 * was an array (sk_input_json_array), else one record a line. */
struct sk_writer *sk_writer_open(const struct sk_opts *o, enum sk_fmt infmt);
void sk_writer_header(struct sk_writer *w, size_t n, const char *const *names);
/* Write the next field of the current row. */
void sk_writer_field(struct sk_writer *w, const char *s, size_t len, enum sk_ftype type);
void sk_writer_str(struct sk_writer *w, const char *s);
void sk_writer_num(struct sk_writer *w, double v, int decimals);
void sk_writer_int(struct sk_writer *w, long long v);
void sk_writer_null(struct sk_writer *w);
void sk_writer_endrow(struct sk_writer *w);
/* Write every field of table row i (pass-through, byte for byte). */
void sk_writer_row(struct sk_writer *w, const struct sk_table *t, size_t i);
/* The same in one copy when row i was a CSV line cut at the delimiter
 * this CSV writer uses (no field needs quoting); 0, having written
 * nothing, when it was not. */
int sk_writer_row_plain(struct sk_writer *w, const struct sk_table *t, size_t i);
/* A writer into memory with the format and columns of like, for
 * formatting rows on several threads: sk_writer_append moves what it
 * holds to the end of w (and empties it). */
struct sk_writer *sk_writer_mem_new(const struct sk_writer *like);
void sk_writer_append(struct sk_writer *w, struct sk_writer *mem);
void sk_writer_mem_free(struct sk_writer *mem);
/* Write rows 0..n-1 formatted on every core: fn(mem, k, lo, hi, ctx)
 * writes rows lo..hi-1 into mem, a memory writer of thread k (0 <= k <
 * SK_WRITE_THREADS, for per-thread scratch; keep what one thread writes
 * on cache lines of its own, see sk_xcalloc_lines), and the chunks are
 * appended to w in row order.  fn may run on several threads at once. */
#define SK_WRITE_THREADS 16
typedef void sk_rows_fn(struct sk_writer *mem, int k, size_t lo, size_t hi, void *ctx);
void sk_writer_rows(struct sk_writer *w, size_t n, sk_rows_fn *fn, void *ctx);
/* Flush, close, rename -o FILE into place; exits 74 on a write error. */
void sk_writer_close(struct sk_writer *w);

/* The customer id and the day of a log row (columns cid and cdate; dc
 * settles a D/M/Y column's order, sk_datecol_read): 0, or -1 when either
 * is empty or bad, reported through sk_reader_bad. */
struct sk_datecol;
int sk_reader_id_day(struct sk_reader *r, const struct sk_opts *o, size_t cid, size_t cdate,
		     struct sk_datecol *dc, const char **id, size_t *idlen, long *day);

#endif
