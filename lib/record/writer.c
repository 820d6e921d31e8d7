/* writer.c: writing CSV, TSV and JSON lines (or one JSON array, --ojson):
 * keys and numbers, -o FILE written atomically, rows formatted on every
 * core (sk_writer_rows) and plain rows passed through in one copy. */
#include "io.h"
#include "iopriv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "num.h"
#include "util.h"

struct sk_writer {
	enum sk_fmt fmt;
	char delim;
	int fd;
	char *tmpname;		/* -o FILE: the temporary file, renamed at close */
	const char *final;
	char *buf;
	size_t len, cap;
	char **names;		/* for JSON keys, pre-escaped */
	size_t ncol;
	size_t field;		/* index of the next field in the row */
	int odec;		/* SK_NUM fields get a decimal comma (CSV, TSV) */
	int mem;		/* a memory writer: the buffer grows, names are borrowed */
	const char *col_id;	/* the id column's name (o->col_id) */
	long id_col;		/* its index, or -1: written as a JSON string */
	size_t nout;		/* JSON lines: keys written in this row */
	int array;		/* --ojson: one JSON array, not JSON lines */
	int started;		/* --ojson: the "[" is out */
	int noheader;		/* --no-header-out */
};

static void wflush(struct sk_writer *w)
{
	size_t off = 0;
	while (off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			sk_die(SK_EX_IOERR, "write error: %s", strerror(errno));
		off += (size_t)n;
	}
	w->len = 0;
}

/* A memory writer's buffer grows to hold everything until
 * sk_writer_append; a file writer's is flushed when full, and a value
 * larger than it is written directly. */
static void wroom(struct sk_writer *w, size_t n)
{
	if (w->mem)
		sk_grow((void **)&w->buf, &w->cap, w->len + n, 1);
	else
		wflush(w);
}

static inline void wput(struct sk_writer *w, const char *s, size_t n)
{
	if (w->len + n > w->cap) {
		wroom(w, n);
		if (n > w->cap) {
			w->len = n;
			char *save = w->buf;
			w->buf = (char *)s;
			wflush(w);
			w->buf = save;
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void wputc(struct sk_writer *w, char c)
{
	if (w->len + 1 > w->cap)
		wroom(w, 1);
	w->buf[w->len++] = c;
}

struct sk_writer *sk_writer_open(const struct sk_opts *o, enum sk_fmt infmt)
{
	struct sk_writer *w = sk_xcalloc(1, sizeof *w);
	w->fmt = o->ofmt ? o->ofmt : infmt ? infmt : SK_FMT_CSV;
	w->delim = w->fmt == SK_FMT_TSV ? '\t' : o->odelim ? o->odelim : o->delim;
	w->noheader = o->no_header_out;
	/* JSON numbers have a decimal point, whatever the locale. */
	w->odec = o->odecimal_comma && w->fmt != SK_FMT_JSONL;
	/* An array in, an array out: JSON read as one array (mlr --ojson)
	 * is written back as one unless an output format was named. */
	w->array = w->fmt == SK_FMT_JSONL &&
		   (o->ojson_array || (!o->ofmt && sk_input_json_array(o)));
	w->col_id = o->col_id;
	w->id_col = -1;
	w->cap = 1 << 16;
	w->buf = sk_xmalloc(w->cap);
	w->fd = 1;
	if (o->output && strcmp(o->output, "-") != 0 && sk_is_special_file(o->output)) {
		/* -o /dev/stdout, a pipe: written in place, never renamed over. */
		w->fd = open(o->output, O_WRONLY | O_TRUNC);
		if (w->fd < 0)
			sk_die(SK_EX_CANTCREAT, "%s: cannot create: %s", o->output, strerror(errno));
	} else if (o->output && strcmp(o->output, "-") != 0) {
		/* removed at exit or on a signal until renamed over FILE */
		w->fd = sk_tmp_beside(o->output, &w->tmpname);
		w->final = o->output;
	}
	return w;
}

static void put_json_string(struct sk_writer *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	wputc(w, '"');
	size_t a = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		wput(w, s + a, i - a);
		a = i + 1;
		switch (c) {
		case '"': wput(w, "\\\"", 2); break;
		case '\\': wput(w, "\\\\", 2); break;
		case '\n': wput(w, "\\n", 2); break;
		case '\r': wput(w, "\\r", 2); break;
		case '\t': wput(w, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			wput(w, u, 6);
		}
		}
	}
	wput(w, s + a, len - a);
	wputc(w, '"');
}

void sk_writer_header(struct sk_writer *w, size_t n, const char *const *names)
{
	w->ncol = n;
	w->names = sk_xcalloc(n ? n : 1, sizeof *w->names);
	for (size_t i = 0; i < n; i++) {
		w->names[i] = sk_xstrdup(names[i]);
		if (w->id_col < 0 && w->col_id && strcmp(names[i], w->col_id) == 0)
			w->id_col = (long)i;
	}
	if (w->fmt == SK_FMT_JSONL || w->noheader)
		return;
	for (size_t i = 0; i < n; i++)
		sk_writer_field(w, names[i], strlen(names[i]), SK_STR);
	sk_writer_endrow(w);
}

/* Does a CSV field need quotes?  Minimal quoting: only for the delimiter,
 * quotes, line breaks, and (so a reader cannot mistake it) leading or
 * trailing space is left alone since we keep spaces on input too. */
static int needs_quotes(const char *s, size_t len, char delim)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == delim || c == '"' || c == '\n' || c == '\r')
			return 1;
	}
	return 0;
}

/* A CSV value that is already valid JSON number text goes out as a JSON
 * number; ids like "007" or "+5" stay strings. */
static int json_number_text(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	if (i >= len)
		return 0;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < len && s[i] == '.') {
		size_t f = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == e)
			return 0;
	}
	return i == len && len < 32;
}

/* A JSON record opens.  As one array (--ojson, Miller's JSON) records are
 * separated by ",\n" and the first is preceded by "[\n": a memory writer
 * (a chunk of rows formatted on another thread) cannot know whether its
 * first record is the first of all, so it writes ",\n" before every one
 * and sk_writer_append turns the very first into "[\n". */
static void json_open(struct sk_writer *w)
{
	if (w->array) {
		if (w->mem || w->started)
			wput(w, ",\n", 2);
		else
			wput(w, "[\n", 2);
		w->started |= !w->mem;
	}
	wputc(w, '{');
}

void sk_writer_field(struct sk_writer *w, const char *s, size_t len, enum sk_ftype type)
{
	size_t k = w->field++;
	if (w->fmt == SK_FMT_JSONL) {
		if (k >= w->ncol)
			sk_die(SK_EX_SOFTWARE, "internal error: more fields than columns");
		if (type == SK_ABSENT)
			return;		/* a key the record did not have */
		if (w->nout++ == 0)
			json_open(w);
		else
			wputc(w, ',');
		put_json_string(w, w->names[k], strlen(w->names[k]));
		wputc(w, ':');
		if (type == SK_NULL)
			wput(w, "null", 4);
		else if (type == SK_RAW || type == SK_NUM)
			wput(w, s, len);
		else if (type == SK_STR && (long)k != w->id_col && json_number_text(s, len))
			wput(w, s, len);	/* CSV text that is a number; ids stay text */
		else
			put_json_string(w, s, len);
		return;
	}
	if (k > 0)
		wputc(w, w->delim);
	char dc[64];
	if (type == SK_NUM && w->odec && len < sizeof dc && memchr(s, '.', len)) {
		/* A computed number is short ("30.428571", "1e+40"); with -d ','
		 * its comma makes CSV quote it below. */
		for (size_t i = 0; i < len; i++)
			dc[i] = s[i] == '.' ? ',' : s[i];
		s = dc;
	}
	if (w->fmt == SK_FMT_TSV) {
		if (memchr(s, '\t', len) || memchr(s, '\n', len) || memchr(s, '\r', len))
			sk_die(SK_EX_DATA, "a value with a tab or line break cannot be written "
			       "as TSV; use --ocsv or --ojsonl");
		wput(w, s, len);
		return;
	}
	if (!needs_quotes(s, len, w->delim)) {
		wput(w, s, len);
		return;
	}
	wputc(w, '"');
	size_t a = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '"') {
			wput(w, s + a, i + 1 - a);
			wputc(w, '"');
			a = i + 1;
		}
	wput(w, s + a, len - a);
	wputc(w, '"');
}

void sk_writer_str(struct sk_writer *w, const char *s)
{
	sk_writer_field(w, s, strlen(s), SK_STR);
}

void sk_writer_num(struct sk_writer *w, double v, int decimals)
{
	char buf[64];
	int n = sk_num_format(buf, sizeof buf, v, decimals);
	sk_writer_field(w, buf, (size_t)n, SK_NUM);
}

void sk_writer_int(struct sk_writer *w, long long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%lld", v);
	sk_writer_field(w, buf, (size_t)n, SK_NUM);
}

void sk_writer_null(struct sk_writer *w)
{
	sk_writer_field(w, "", 0, SK_NULL);
}

void sk_writer_endrow(struct sk_writer *w)
{
	if (w->fmt == SK_FMT_JSONL) {
		if (w->nout == 0)
			json_open(w);
		wputc(w, '}');
		w->nout = 0;
	}
	if (!w->array)
		wputc(w, '\n');	/* an array's records end at the next "," or "]" */
	w->field = 0;
}

int sk_writer_row_plain(struct sk_writer *w, const struct sk_table *t, size_t i)
{
	const struct sk_row *row = t->row[i];
	/* A number a program computed goes out with a decimal comma under
	 * --odecimal-comma (sk_writer_field): such rows field by field. */
	if (!row->plain || w->fmt != SK_FMT_CSV || t->plain_delim != w->delim ||
	    (row->typed && w->odec) || row->nf == 0 || row->nf != t->ncol)
		return 0;
	/* The fields lie one after another, each ending in a NUL: copy them
	 * at once and put the delimiter where each NUL but the last was.
	 * The offsets say where (a field may hold a NUL byte of its own). */
	size_t n = row->nf, end = row_off(row, n);
	const char *data = row_data(row);
	size_t need = end - 1 + (w->field > 0);
	if (!w->mem && need > w->cap)
		return 0;	/* larger than the buffer: field by field */
	if (w->len + need > w->cap)
		wroom(w, need);
	char *b = w->buf + w->len;
	if (w->field > 0) {
		*b++ = w->delim;
		w->len++;
	}
	memcpy(b, data, end - 1);
	for (size_t j = 1; j < n; j++)
		b[row_off(row, j) - 1] = w->delim;
	w->len += end - 1;
	w->field += n;
	return 1;
}

void sk_writer_row(struct sk_writer *w, const struct sk_table *t, size_t i)
{
	if (sk_writer_row_plain(w, t, i))
		return;
	for (size_t j = 0; j < t->ncol; j++) {
		size_t len;
		enum sk_ftype type;
		const char *s = sk_table_get_out(t, i, (long)j, &len, &type);
		sk_writer_field(w, s, len, type);
	}
}

struct sk_writer *sk_writer_mem_new(const struct sk_writer *like)
{
	struct sk_writer *w = sk_xcalloc_lines(sizeof *w);
	w->fmt = like->fmt;
	w->delim = like->delim;
	w->odec = like->odec;
	w->array = like->array;
	w->fd = -1;
	w->mem = 1;
	w->names = like->names;
	w->ncol = like->ncol;
	w->col_id = like->col_id;
	w->id_col = like->id_col;
	w->cap = 1 << 16;
	w->buf = sk_xmalloc(w->cap);
	return w;
}

void sk_writer_append(struct sk_writer *w, struct sk_writer *mem)
{
	const char *p = mem->buf;
	size_t n = mem->len;
	if (w->array && !w->started && n >= 2) {
		wput(w, "[\n", 2);	/* the first record of all: not ",\n" */
		w->started = 1;
		p += 2;
		n -= 2;
	}
	wput(w, p, n);
	mem->len = 0;
}

void sk_writer_mem_free(struct sk_writer *mem)
{
	if (!mem)
		return;
	free(mem->buf);
	free(mem);
}

/* Chunks of 4096 rows (~0.5 MB of text) go to the threads in turn; each
 * formats its chunk into its own memory writer, and the chunks are
 * appended to w in order (OpenMP's ordered construct), so formatting the
 * next chunks overlaps writing this one. */
#define ROWS_CHUNK 4096

void sk_writer_rows(struct sk_writer *w, size_t n, sk_rows_fn *fn, void *ctx)
{
	long nch = (long)((n + ROWS_CHUNK - 1) / ROWS_CHUNK);
	int nth = 1;
#ifdef _OPENMP
	nth = omp_get_max_threads();
	if (nth > SK_WRITE_THREADS)
		nth = SK_WRITE_THREADS;
	if (nth > nch)
		nth = nch > 0 ? (int)nch : 1;
#endif
	struct sk_writer *mem[SK_WRITE_THREADS];
	for (int k = 0; k < nth; k++)
		mem[k] = sk_writer_mem_new(w);
#ifdef _OPENMP
#pragma omp parallel for ordered schedule(dynamic, 1) num_threads(nth) if (nth > 1)
#endif
	for (long c = 0; c < nch; c++) {
		int k = 0;
#ifdef _OPENMP
		k = omp_get_thread_num();
#endif
		size_t lo = (size_t)c * ROWS_CHUNK, hi = lo + ROWS_CHUNK < n ? lo + ROWS_CHUNK : n;
		fn(mem[k], k, lo, hi, ctx);
#ifdef _OPENMP
#pragma omp ordered
#endif
		sk_writer_append(w, mem[k]);
	}
	for (int k = 0; k < nth; k++)
		sk_writer_mem_free(mem[k]);
}

void sk_writer_close(struct sk_writer *w)
{
	if (w->array)
		wput(w, w->started ? "\n]\n" : "[]\n", w->started ? 3 : 3);
	wflush(w);
	if (!w->tmpname && w->fd > 2 && close(w->fd) != 0)
		sk_die(SK_EX_IOERR, "write error: %s", strerror(errno));
	if (w->tmpname)
		sk_tmp_commit(w->fd, w->tmpname, w->final);
	for (size_t i = 0; i < w->ncol; i++)
		free(w->names[i]);
	free(w->names);
	free(w->buf);
	free(w);
}
