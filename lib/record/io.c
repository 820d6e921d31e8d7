/* io.c: reading CSV, TSV and JSON lines (whole tables are kept by
 * table.c, output is written by writer.c).
 *
 * Input is read through a small buffered source that hands out physical
 * lines, so every record knows the real line it started on (libcsv alone
 * skips empty lines silently and keeps no line count).  A CSV line with
 * no quote is cut at its delimiters (csvsplit.c); other CSV lines are fed
 * to libcsv one at a time; its state carries quoted newlines across lines.
 * The source (source.c) decompresses gzip, zstd, bzip2 and xz input below
 * the line layer, so line numbers in messages are lines of the text,
 * compressed or not. */
#include "io.h"

#include <errno.h>
#include <math.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>

#include "csvsplit.h"
#include "hash.h"
#include "iopriv.h"
#include "num.h"
#include "progress.h"
#include "util.h"


/* ------------------------------------------------------------------ */
/* the reader                                                         */

struct sk_reader {
	const struct sk_opts *o;
	enum sk_fmt fmt;
	size_t fileno;
	struct src src;
	unsigned long recline;		/* line where the current record starts */
	unsigned long skipped;
	unsigned long rows;		/* records read, for the progress meter */
	struct sk_progress *pg;		/* NULL when the meter is off */

	/* header */
	char **col;
	size_t ncol, colcap;
	/* index + 1 of each column by the hash of its name (open
	 * addressing, at most half full): finding a column is O(1), so an
	 * 80,000-column header or a 200,000-key JSON object reads in time
	 * linear in its width */
	uint32_t *colhash;
	size_t hashcap;
	int have_header;		/* format decided; CSV/TSV: col[] holds the header */
	size_t header_file;		/* the input it came from */

	/* current record: fields as offsets into rec.rbuf, then pointers */
	struct rec rec;
	char **fptr;
	size_t ptrcap;

	/* CSV */
	int plain;			/* the record was cut at delimiters only: no
					 * field holds a delimiter, quote or line break */
	struct csv_parser csv;
	int csv_done;			/* a record ended during the last feed */
	int csv_live;			/* csv holds a buffer to free */

	/* JSONL: each key's value by column, NULL between records */
	struct jslot { json_t *v; size_t off, len; } *slot;	/* a JSON record's
				 * value and its text, per column */
	size_t slotcap;
	int jsonl_first_pending;	/* first record already parsed at open */
	/* A JSON array of records (--ojson): the input whole in jbuf, cut
	 * out one by one from jpos; jline is the line of jbuf[jlpos]. */
	int jarr;
	char *jbuf;
	size_t jlen, jpos, jlpos;
	unsigned long jline;

	/* the current record as its input text, for sk_reader_raw: a line
	 * in the source buffer, or the lines of a quoted CSV record copied
	 * into rawbuf */
	const char *raw;
	size_t rawlen;
	char *rawbuf;
	size_t rawbuflen, rawbufcap;
};

static void rec_reset(struct sk_reader *r)
{
	r->rec.rlen = 0;
	r->rec.nf = 0;
	r->plain = 0;
}

static inline void rec_add(struct sk_reader *r, const char *s, size_t len, unsigned char type)
{
	struct rec *rec = &r->rec;
	if (rec->rlen + len + 1 > rec->rcap)
		sk_grow((void **)&rec->rbuf, &rec->rcap, rec->rlen + len + 1, 1);
	memcpy(rec->rbuf + rec->rlen, s, len);
	rec->rbuf[rec->rlen + len] = 0;
	if (rec->nf >= rec->fcap)
		rec_more_fields(rec);
	rec->foff[rec->nf] = rec->rlen;
	rec->flen[rec->nf] = len;
	rec->ftype[rec->nf] = type;
	rec->nf++;
	rec->rlen += len + 1;
}

/* Turn the offsets of the current record into pointers. */
static void rec_fix(struct sk_reader *r)
{
	size_t need = r->rec.nf > r->ncol ? r->rec.nf : r->ncol;
	if (need + 1 > r->ptrcap)
		sk_grow((void **)&r->fptr, &r->ptrcap, need + 1, sizeof *r->fptr);
	for (size_t i = 0; i < r->rec.nf; i++)
		r->fptr[i] = r->rec.rbuf + r->rec.foff[i];
}

static void vreport(struct sk_reader *r, const char *fmt, va_list ap)
{
	sk_vreport(r->src.shown, r->recline, fmt, ap);
}

void sk_reader_bad(struct sk_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (r->o->skip_bad != 2)	/* 2: a second reading, already reported */
		vreport(r, fmt, ap);
	va_end(ap);
	if (!r->o->skip_bad) {
		if (sk_die_hook)
			sk_die_hook();
		exit(SK_EX_DATA);	/* temporary files go at exit */
	}
	r->skipped++;
}

void sk_reader_die(struct sk_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vdie(SK_EX_DATA, r->src.shown, r->recline, fmt, ap);
}

static long col_find(const struct sk_reader *r, const char *name);

long sk_reader_has_col(const struct sk_reader *r, const char *name)
{
	return col_find(r, name);
}


void sk_reader_die_missing(struct sk_reader *r, const char *what, const char *name)
{
	char found[512];
	sk_reader_die(r, "missing %s column \"%s\" (found: %s)", what, name,
		      sk_col_list(found, r->col, r->ncol));
}

static _Noreturn __attribute__((format(printf, 3, 4)))
void die_code(struct sk_reader *r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vdie(code, r->src.shown, r->recline, fmt, ap);
}

void sk_reader_check_cols(struct sk_reader *r, const struct sk_opts *o, unsigned need)
{
	if (r->fmt == SK_FMT_JSONL || r->ncol == 0)
		return;	/* keys come with each record; or an empty input */
	static const struct { unsigned bit; const char *opt; } cols[] = {
		{ SK_COL_ID, "--id" }, { SK_COL_DATE, "--date" }, { SK_COL_AMOUNT, "--amount" },
		{ SK_COL_ORDER, "--order" }, { SK_COL_EVENT, "--event" },
	};
	const char *name[] = { o->col_id, o->col_date, o->col_amount, o->col_order,
			       o->col_event };
	char msg[1024];
	size_t k = 0;
	int named = 0, nmissing = 0;
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		int given = (o->cols_given & cols[i].bit) != 0;
		if (!(need & cols[i].bit) && (!given || !*name[i]))
			continue;	/* --order '' says the log has none */
		if (sk_reader_has_col(r, name[i]) >= 0)
			continue;
		named |= given;
		k += (size_t)snprintf(msg + k, sizeof msg - k, "%s\"%.100s\" (%s)",
				      nmissing++ ? ", " : "", name[i], cols[i].opt);
	}
	if (!nmissing)
		return;
	/* Columns named wrongly seldom come alone: say that amount is not
	 * there either, though a log may lack it. */
	if (!(o->cols_given & SK_COL_AMOUNT) && sk_reader_has_col(r, o->col_amount) < 0)
		k += (size_t)snprintf(msg + k, sizeof msg - k, "; no \"%.100s\" (--amount) either",
				      o->col_amount);
	char found[512];
	const char *split = "";
	/* One header field holding ';', tab or '|': the file is delimited by
	 * it, not by the delimiter it was read with. */
	for (const char *d = ";\t|"; *d && r->ncol == 1; d++)
		if (*d != o->delim && strchr(r->col[0], *d)) {
			split = *d == ';' ? "; the header splits on ';': use -d ';'" :
				*d == '|' ? "; the header splits on '|': use -d '|'" :
				"; the header splits on tabs: use --itsv or -d tab";
			break;
		}
	die_code(r, named ? SK_EX_USAGE : SK_EX_DATA,
		 "missing column%s %s (found: %s); name the columns of the log with "
		 "--id, --date, --amount%s", nmissing > 1 ? "s" : "", msg,
		 sk_col_list(found, r->col, r->ncol), split);
}

static void csv_cb_field(void *s, size_t len, void *data)
{
	struct sk_reader *r = data;
	rec_add(r, s ? s : "", s ? len : 0, SK_STR);
}

static void csv_cb_row(int c, void *data)
{
	(void)c;
	struct sk_reader *r = data;
	r->csv_done = 1;
}

/* Keep every space: libcsv trims spaces and tabs around fields unless told
 * that nothing is a space. */
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* libcsv grows its field buffer by blk_size bytes a call (128 by
 * default), so a 100 MB field meant 800,000 reallocs and minutes of
 * copying (hours under ASan).  Grow geometrically instead: a request that
 * fits what the block already holds returns it as it is, a larger one
 * gets at least twice the old size. */
static void *csv_grow(void *p, size_t n)
{
	size_t have = p ? malloc_usable_size(p) : 0;
	if (p && n <= have)
		return p;
	if (n < 2 * have)
		n = 2 * have;
	return sk_realloc(p, n);
}

static void csv_setup(struct sk_reader *r)
{
	if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL))
		sk_die(SK_EX_SOFTWARE, "cannot initialise the CSV parser");
	csv_set_realloc_func(&r->csv, csv_grow);
	csv_set_blk_size(&r->csv, 4096);
	csv_set_space_func(&r->csv, no_space);
	csv_set_delim(&r->csv, (unsigned char)r->o->delim);
	r->csv_live = 1;
}

/* Free libcsv's buffer at the end of an input, and at close for a reader
 * closed before the end (it holds the largest field seen). */
static void csv_release(struct sk_reader *r)
{
	if (r->csv_live)
		csv_free(&r->csv);
	r->csv_live = 0;
}

/* Strip one trailing "\n" or "\r\n". */
static size_t chomp(const char *p, size_t len)
{
	if (len && p[len - 1] == '\n')
		len--;
	if (len && p[len - 1] == '\r')
		len--;
	return len;
}

static int blank(const char *p, size_t len)
{
	return chomp(p, len) == 0;
}

/* One CSV record; 0 at end of file. */
static int csv_record(struct sk_reader *r)
{
	size_t len;
	char *p;
	rec_reset(r);
	r->csv_done = 0;
	int started = 0;
	for (;;) {
		p = sk_src_line(&r->src, &len);
		if (!p) {
			if (!started)
				return 0;
			if (csv_fini(&r->csv, csv_cb_field, csv_cb_row, r) != 0) {
				csv_free(&r->csv);
				csv_setup(r);
				r->rec.nf = 0;
				sk_reader_bad(r, "unterminated quoted field");
				return 0;
			}
			return 1;
		}
		if (!started) {
			if (blank(p, len))
				continue;	/* empty lines hold no record */
			started = 1;
			r->recline = r->src.line;
			/* Fast path: a line with no quote and no carriage return
			 * before its end is its fields cut at the delimiter, all
			 * that libcsv could make of it (a bare CR would end a
			 * record there, a quote starts RFC 4180 quoting: those
			 * lines go to libcsv).  libcsv's byte-by-byte state
			 * machine was a quarter of summarize's time. */
			size_t body = chomp(p, len);
			if (rec_split(&r->rec, p, body, (char)r->o->delim)) {
				r->plain = 1;
				r->raw = p;
				r->rawlen = body;
				return 1;
			}
			r->rawbuflen = 0;
		}
		/* A record that libcsv reads may span lines: keep their text. */
		if (r->rawbuflen + len > r->rawbufcap)
			sk_grow((void **)&r->rawbuf, &r->rawbufcap, r->rawbuflen + len, 1);
		memcpy(r->rawbuf + r->rawbuflen, p, len);
		r->rawbuflen += len;
		r->raw = r->rawbuf;
		r->rawlen = chomp(r->rawbuf, r->rawbuflen);
		size_t done = csv_parse(&r->csv, p, len, csv_cb_field, csv_cb_row, r);
		if (done != len) {
			/* Strict mode stops at a quote inside an unquoted field or
			 * text after a closing quote, with p[done] the offending
			 * byte.  libcsv's own message ("error parsing data while
			 * strict checking enabled") tells the user nothing, so say
			 * which of the two it was and where.  Resynchronise on the
			 * next line. */
			const char *what = p[done] == '"' ? "quote inside an unquoted field"
							 : "text after a closing quote";
			unsigned long at = r->src.line;
			size_t col = 1;	/* in characters, as jansson counts */
			for (size_t i = 0; i < done; i++)
				col += ((unsigned char)p[i] & 0xC0) != 0x80;
			csv_free(&r->csv);
			csv_setup(r);
			rec_reset(r);
			if (at == r->recline)
				sk_reader_bad(r, "bad quoting: %s (character %zu)", what, col);
			else
				sk_reader_bad(r, "bad quoting: %s (line %lu, character %zu)", what,
					      at, col);
			r->rec.nf = (size_t)-1;
			return 1;
		}
		if (r->csv_done) {
			/* libcsv ends a record at '\r'; a following '\n' is harmless */
			return 1;
		}
	}
}

/* The next line that is not blank, without its line end; its line in
 * recline and its text in raw.  NULL at the end of the input. */
static char *next_line(struct sk_reader *r, size_t *len)
{
	char *p;
	do {
		if (!(p = sk_src_line(&r->src, len)))
			return NULL;
	} while (blank(p, *len));
	r->recline = r->src.line;
	*len = chomp(p, *len);
	r->raw = p;
	r->rawlen = *len;
	return p;
}

static int tsv_record(struct sk_reader *r)
{
	size_t len;
	char *p;
	rec_reset(r);
	if (!(p = next_line(r, &len)))
		return 0;
	size_t a = 0;
	for (size_t i = 0; i <= len; i++)
		if (i == len || p[i] == '\t') {
			rec_add(r, p + a, i - a, SK_STR);
			a = i + 1;
		}
	return 1;
}

/* ---- JSON lines ---- */

static long col_find(const struct sk_reader *r, const char *name)
{
	if (!r->hashcap)
		return -1;
	size_t mask = r->hashcap - 1;
	for (size_t h = (size_t)sk_hash_bytes(name, strlen(name)) & mask;; h = (h + 1) & mask) {
		uint32_t k = r->colhash[h];
		if (!k)
			return -1;
		if (strcmp(r->col[k - 1], name) == 0)
			return (long)k - 1;
	}
}

static void hash_put(uint32_t *tab, size_t cap, const char *name, uint32_t k)
{
	size_t h = (size_t)sk_hash_bytes(name, strlen(name)) & (cap - 1);
	while (tab[h])
		h = (h + 1) & (cap - 1);
	tab[h] = k;
}

static size_t col_add(struct sk_reader *r, const char *name)
{
	if (r->ncol >= UINT32_MAX - 1)
		sk_reader_die(r, "too many columns");
	sk_grow((void **)&r->col, &r->colcap, r->ncol + 1, sizeof *r->col);
	r->col[r->ncol] = sk_xstrdup(name);
	if (2 * (r->ncol + 1) > r->hashcap) {
		size_t cap = r->hashcap ? 2 * r->hashcap : 64;
		uint32_t *tab = sk_xcalloc(cap, sizeof *tab);
		for (size_t i = 0; i < r->ncol; i++)
			hash_put(tab, cap, r->col[i], (uint32_t)i + 1);
		free(r->colhash);
		r->colhash = tab;
		r->hashcap = cap;
	}
	hash_put(r->colhash, r->hashcap, name, (uint32_t)r->ncol + 1);
	return r->ncol++;
}

/* One field of a JSON record.  A number, true, false, an array or an
 * object keeps its exact text (1.50 stays 1.50, a 20-digit id stays
 * whole); a string is its decoded value, a JSON string again on output. */
static void json_field(struct sk_reader *r, size_t idx, json_t *v, const char *raw,
		       size_t rawlen)
{
	/* Records are stored densely: pad with absent keys up to idx. */
	while (r->rec.nf < idx)
		rec_add(r, "", 0, SK_ABSENT);
	if (json_is_string(v))
		rec_add(r, json_string_value(v), json_string_length(v), SK_TEXT);
	else if (json_is_null(v))
		rec_add(r, "", 0, SK_NULL);
	else
		rec_add(r, raw, rawlen, SK_RAW);
}

/* The next record of a JSON array: its text in *p, *len and raw, its line
 * in recline; 0 after the "]".  The input is read whole (one value), and each
 * record is cut out by its brackets and parsed as a JSON line would be. */
static int jarray_next(struct sk_reader *r, char **p, size_t *len)
{
	if (!r->jbuf) {
		size_t cap = 1 << 16, n;
		r->jbuf = sk_xmalloc(cap);
		for (char *l; (l = sk_src_line(&r->src, &n)) != NULL; r->jlen += n) {
			if (r->jlen + n + 1 > cap)
				r->jbuf = sk_xrealloc(r->jbuf, cap = 2 * (r->jlen + n + 1));
			memcpy(r->jbuf + r->jlen, l, n);
		}
		r->jline = 1;
		r->jpos = sk_json_ws(r->jbuf, r->jlen, 0) + 1;	/* past "[" */
	}
	const char *b = r->jbuf;
	size_t i = sk_json_ws(b, r->jlen, r->jpos);
	if (i < r->jlen && b[i] == ',')
		i = sk_json_ws(b, r->jlen, i + 1);
	for (; r->jlpos < i; r->jlpos++)
		r->jline += b[r->jlpos] == '\n';
	r->recline = r->jline;
	if (i >= r->jlen)
		sk_reader_die(r, "the JSON array is not closed (no \"]\")");
	if (b[i] == ']')
		return 0;
	size_t e = sk_json_skip_value(b, r->jlen, i);
	r->jpos = e > i ? e : r->jlen;
	*p = r->jbuf + i;
	*len = r->jpos - i;
	r->raw = *p;
	r->rawlen = *len;
	return 1;
}

static int jsonl_record(struct sk_reader *r)
{
	size_t len;
	char *p;
	json_error_t err;
	for (;;) {
		rec_reset(r);
		if (r->jarr) {
			if (!jarray_next(r, &p, &len))
				return 0;
		} else if (!(p = next_line(r, &len))) {
			return 0;
		}
		/* jansson validates the line and decodes its strings; numbers
		 * are taken from the text itself (JSON_DECODE_INT_AS_REAL: an
		 * integer too big for 64 bits is no error). */
		json_t *root = json_loadb(p, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
					  JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
		if (!root) {
			/* jansson's column counts characters, as the CSV
			 * messages do: "character", since "column" names a
			 * field everywhere else. */
			sk_reader_bad(r, "character %d: %s", err.column, err.text);
			continue;
		}
		if (!json_is_object(root)) {
			json_decref(root);
			sk_reader_bad(r, "not a JSON object");
			continue;
		}
		/* Walk the members in the text: each key (decoded by jansson
		 * when it has escapes) with its value's exact text, into the
		 * slot of its column; then the slots in column order, so rbuf
		 * holds the fields densely.  Slots make a record of n keys
		 * cost O(n), not O(n x columns). */
		size_t n = json_object_size(root);
		size_t k = 0, i = sk_json_ws(p, len, 0) + 1;	/* past '{' */
		while (k < n) {
			i = sk_json_ws(p, len, i);
			if (p[i] == ',')
				i = sk_json_ws(p, len, i + 1);
			size_t ks = i, ke = sk_json_skip_string(p, len, i);
			json_t *key = json_loadb(p + ks, ke - ks, JSON_DECODE_ANY | JSON_ALLOW_NUL,
						 NULL);
			i = sk_json_ws(p, len, sk_json_ws(p, len, ke) + 1);	/* past ':' */
			size_t ve = sk_json_skip_value(p, len, i);
			const char *name = json_string_value(key);
			json_t *v = json_object_get(root, name);
			long c = col_find(r, name);
			if (c < 0)
				c = (long)col_add(r, name);
			json_decref(key);
			if ((size_t)c >= r->slotcap) {
				size_t old = r->slotcap;
				sk_grow((void **)&r->slot, &r->slotcap, (size_t)c + 1, sizeof *r->slot);
				memset(r->slot + old, 0, (r->slotcap - old) * sizeof *r->slot);
			}
			r->slot[c].v = v;
			r->slot[c].off = i;
			r->slot[c].len = ve - i;
			k++;
			i = ve;
		}
		for (size_t c = 0; c < r->ncol; c++) {
			if (c < r->slotcap && r->slot[c].v) {
				json_field(r, c, r->slot[c].v, p + r->slot[c].off, r->slot[c].len);
				r->slot[c].v = NULL;
			} else {
				rec_add(r, "", 0, SK_ABSENT);
			}
		}
		json_decref(root);
		return 1;
	}
}

/* ------------------------------------------------------------------ */

/* The input list (o->files, o->nfiles) a reader found to be a JSON array,
 * for sk_input_json_array.  Keyed by the list itself, so that a second
 * input read with a copy of the options and its own file (classify
 * --previous, winback --measure, report --transactions) does not decide
 * the form of the main output. */
static const char *const *array_files;
static size_t array_nfiles;
static int array_seen;

int sk_input_json_array(const struct sk_opts *o)
{
	return array_seen && array_files == o->files && array_nfiles == o->nfiles;
}

static enum sk_fmt detect(struct sk_reader *r)
{
	const char *p;
	size_t n = sk_src_peek(&r->src, &p);
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t'))
		i++;
	if (i < n && p[i] == '{')
		return SK_FMT_JSONL;
	if (i < n && p[i] == '[') {
		r->jarr = 1;
		array_files = r->o->files;
		array_nfiles = r->o->nfiles;
		array_seen = 1;
		return SK_FMT_JSONL;
	}
	size_t l = 0;	/* the first line, to a "\r" or "\n" */
	while (l < n && p[l] != '\r' && p[l] != '\n')
		l++;
	if (memchr(p, '\t', l) && !memchr(p, r->o->delim, l))
		return SK_FMT_TSV;
	return SK_FMT_CSV;
}

static void strip_bom(struct sk_reader *r)
{
	const char *p;
	size_t n = sk_src_peek(&r->src, &p);
	if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		r->src.beg += 3;
}

static int raw_record(struct sk_reader *r)
{
	switch (r->fmt) {
	case SK_FMT_TSV: return tsv_record(r);
	case SK_FMT_JSONL: return jsonl_record(r);
	default: return csv_record(r);
	}
}

/* Open input number k and read its header (CSV/TSV).  The first input
 * that is not empty decides the format and the columns; 0 when input k
 * is empty and no earlier one gave a header. */
static int open_file(struct sk_reader *r, size_t k)
{
	int first = !r->have_header;
	sk_src_open(&r->src, r->o->files[k], r->pg);
	strip_bom(r);
	if (first)
		r->fmt = r->o->ifmt ? r->o->ifmt : detect(r);
	if (r->fmt == SK_FMT_CSV)
		csv_setup(r);
	if (r->fmt == SK_FMT_JSONL) {
		r->have_header = 1;	/* keys come with each record */
		return 1;
	}
	if (r->o->header) {
		/* --header NAMES: no header line; every line is a record. */
		if (first) {
			r->have_header = 1;
			r->header_file = k;
			char *names = sk_xstrdup(r->o->header), *save = NULL;
			for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
				if (col_find(r, n) >= 0)
					sk_die(SK_EX_USAGE, "--header: column \"%s\" named twice", n);
				col_add(r, n);
			}
			free(names);
		}
		return 1;
	}
	int got;
	while ((got = raw_record(r)) && r->rec.nf == (size_t)-1)
		;	/* a header with bad quoting was reported */
	if (!got)
		return !first;	/* empty input: no columns */
	rec_fix(r);
	if (first) {
		r->have_header = 1;
		r->header_file = k;
		for (size_t i = 0; i < r->rec.nf; i++) {
			if (col_find(r, r->fptr[i]) >= 0) {
				char qb[320];
				sk_reader_die(r, "duplicate column name %s in the header",
					      sk_quoted(qb, r->fptr[i], strlen(r->fptr[i])));
			}
			col_add(r, r->fptr[i]);
		}
	} else {
		int same = r->rec.nf == r->ncol;
		for (size_t i = 0; same && i < r->rec.nf; i++)
			same = strcmp(r->fptr[i], r->col[i]) == 0;
		if (!same)
			sk_reader_die(r, "header differs from the header of %s",
				      strcmp(r->o->files[r->header_file], "-") == 0 ? "stdin"
				      : r->o->files[r->header_file]);
	}
	return 1;
}

struct sk_reader *sk_reader_open(const struct sk_opts *o)
{
	struct sk_reader *r = sk_xcalloc(1, sizeof *r);
	r->o = o;
	/* Open every input first so a missing file is reported before any
	 * output is written. */
	for (size_t k = 1; k < o->nfiles; k++)
		if (strcmp(o->files[k], "-") != 0 && access(o->files[k], R_OK) != 0)
			sk_die(SK_EX_NOINPUT, "%s: %s", o->files[k], strerror(errno));
	if (o->progress != SK_PROGRESS_OFF) {
		/* The meter shows a percentage when every input has a size
		 * (regular files, stdin redirected from one). */
		long long total = 0;
		for (size_t k = 0; k < o->nfiles && total >= 0; k++) {
			struct stat st;
			int ok = strcmp(o->files[k], "-") == 0 ? fstat(0, &st) : stat(o->files[k], &st);
			total = ok == 0 && S_ISREG(st.st_mode) ? total + st.st_size : -1;
		}
		r->pg = sk_progress_new(o, total, &r->rows);
	}
	/* An empty input has no header: the next input supplies it (and
	 * the format), or the rest of `empty.csv day1.csv ...` would be
	 * dropped. */
	while (!open_file(r, r->fileno) && r->fileno + 1 < o->nfiles) {
		csv_release(r);
		sk_src_close(&r->src);
		r->fileno++;
	}
	return r;
}

int sk_reader_next(struct sk_reader *r)
{
	if (r->jsonl_first_pending) {
		r->jsonl_first_pending = 0;
		return 1;
	}
	for (;;) {
		int got = raw_record(r);
		if (!got) {
			csv_release(r);
			if (r->fileno + 1 >= r->o->nfiles) {
				/* The input is read: the meter goes before the
				 * program computes and writes. */
				sk_progress_end(r->pg);
				r->pg = r->src.pg = NULL;
				return 0;
			}
			sk_src_close(&r->src);
			r->fileno++;
			open_file(r, r->fileno);
			continue;
		}
		if (r->rec.nf == (size_t)-1)
			continue;	/* bad quoting, already reported */
		if (r->fmt != SK_FMT_JSONL && r->rec.nf != r->ncol) {
			sk_reader_bad(r, "expected %zu fields, found %zu", r->ncol, r->rec.nf);
			continue;
		}
		rec_fix(r);
		r->rows++;
		return 1;
	}
}

int sk_reader_peek(struct sk_reader *r)
{
	if (r->fmt != SK_FMT_JSONL || r->rows > 0 || r->jsonl_first_pending)
		return 0;
	r->jsonl_first_pending = sk_reader_next(r);
	return r->jsonl_first_pending;
}

const char *sk_reader_raw(const struct sk_reader *r, size_t *len)
{
	*len = r->rawlen;
	return r->raw ? r->raw : "";
}

size_t sk_reader_ncol(const struct sk_reader *r) { return r->ncol; }
const char *sk_reader_colname(const struct sk_reader *r, size_t i) { return r->col[i]; }
enum sk_fmt sk_reader_format(const struct sk_reader *r) { return r->fmt; }
const char *sk_reader_file(const struct sk_reader *r) { return r->src.shown; }
unsigned long sk_reader_line(const struct sk_reader *r) { return r->recline; }

long sk_reader_col(struct sk_reader *r, const char *name)
{
	long c = col_find(r, name);
	if (c < 0 && r->fmt == SK_FMT_JSONL)
		c = (long)col_add(r, name);
	return c;
}

const char *sk_reader_field(const struct sk_reader *r, size_t i, size_t *len,
			    enum sk_ftype *type)
{
	if (i >= r->rec.nf) {
		if (len)
			*len = 0;
		if (type)
			*type = SK_NULL;
		return "";
	}
	if (len)
		*len = r->rec.flen[i];
	if (type) {
		*type = (enum sk_ftype)r->rec.ftype[i];
		if (*type >= SK_TEXT)
			*type = *type == SK_TEXT ? SK_STR : SK_NULL;
	}
	return r->fptr[i];
}

int sk_reader_num(const struct sk_reader *r, size_t i, double *v, const char **why)
{
	size_t len;
	enum sk_ftype type;
	const char *s = sk_reader_field(r, i, &len, &type);
	if (type == SK_STR ? sk_num_read(r->o, s, len, v) == 0 : sk_num_parse(s, len, v) == 0)
		return 0;
	if (why)
		*why = type == SK_STR ? sk_num_why(r->o, s, len) : "";
	return -1;
}

void sk_reader_close(struct sk_reader *r)
{
	if (r->skipped && r->o->skip_bad != 2)
		sk_warn("skipped %lu bad row%s", r->skipped, r->skipped == 1 ? "" : "s");
	sk_progress_end(r->pg);
	csv_release(r);
	sk_src_close(&r->src);
	for (size_t i = 0; i < r->ncol; i++)
		free(r->col[i]);
	free(r->col);
	free(r->colhash);
	free(r->slot);
	free(r->rec.rbuf);
	free(r->jbuf);
	free(r->rec.foff);
	free(r->rec.flen);
	free(r->rec.ftype);
	free(r->fptr);
	free(r->rawbuf);
	free(r);
}

/* ------------------------------------------------------------------ */
/* a whole table (table.c keeps it)                                   */

struct sk_table *sk_table_read(struct sk_reader *r)
{
	struct sk_table *t = sk_table_new(r->fmt);
	t->o = r->o;
	t->plain_delim = (char)r->o->delim;	/* what the reader's plain rows are cut at */
	const char *file = NULL, *lastname = NULL;
	t->src = sk_table_strdup(t, sk_reader_file(r));
	while (sk_reader_next(r)) {
		if (r->src.shown != lastname) {
			lastname = r->src.shown;
			file = sk_table_strdup(t, lastname);
		}
		sk_table_add_row(t, file, r->recline, r->rec.nf, (const char *const *)r->fptr,
				 r->rec.flen, r->rec.ftype);
		sk_table_row_plain(t, t->nrow - 1, r->plain);
	}
	for (size_t i = 0; i < r->ncol; i++)
		sk_table_add_col(t, r->col[i]);
	return t;
}
