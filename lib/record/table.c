/* table.c: customer records kept whole in memory (struct sk_table):
 * rows packed one after another in big arenas (layout in iopriv.h),
 * found by index, their file and line kept per run of rows. */
#include "io.h"
#include "iopriv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "util.h"

#ifdef _OPENMP
#include <omp.h>
#endif

struct arena {
	struct arena *next;
	size_t used, cap;
	char mem[];
};

/* n bytes from the chain of arenas at *chain (a table's, or one thread's
 * while sk_table_add_rows runs). */
static void *arena_alloc(struct arena **chain, size_t n)
{
	n = (n + 3) & ~(size_t)3;	/* rows hold 32-bit words at most */
	struct arena *a = *chain;
	if (!a || a->used + n > a->cap) {
		/* Chunks grow with the table (1 MB up to 64 MB) and come from
		 * huge-page mappings: a million rows then cost a few page
		 * faults instead of tens of thousands. */
		size_t cap = a ? a->cap * 2 : (1u << 20);
		if (cap > (64u << 20))
			cap = 64u << 20;
		if (cap < n)
			cap = n;
		struct arena *b = sk_big_alloc(sizeof *b + cap);
		b->next = a;
		b->used = 0;
		b->cap = cap;
		*chain = a = b;
	}
	void *p = a->mem + a->used;
	a->used += n;
	return p;
}

struct sk_table *sk_table_new(enum sk_fmt fmt)
{
	struct sk_table *t = sk_xcalloc(1, sizeof *t);
	t->fmt = fmt;
	return t;
}

void sk_table_add_col(struct sk_table *t, const char *name)
{
	sk_grow((void **)&t->col, &t->colcap, t->ncol + 1, sizeof *t->col);
	t->col[t->ncol++] = sk_xstrdup(name);
}

struct sk_tfile {		/* a run of rows from one file */
	size_t row;		/* its first row */
	const char *name;
	uint64_t base;		/* line numbers are kept as line - base, in 32 bits */
};

/* Why a record cannot be a row (sk_row's sizes), or 0. */
enum { ROW_FITS, ROW_HUGE, ROW_WIDE };

static int row_fits(size_t n, const size_t *len)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += len[i] + 1;
	return bytes > UINT32_MAX ? ROW_HUGE : n > ROW_MAXF ? ROW_WIDE : ROW_FITS;
}

static _Noreturn void die_unfit(int why, const char *file, unsigned long line)
{
	if (why == ROW_HUGE)
		sk_die(SK_EX_DATA, "%s:%lu: record larger than 4 GB", file, line);
	sk_die(SK_EX_DATA, "%s:%lu: record of more than %u fields", file, line, ROW_MAXF);
}

/* A row of n fields (row_fits) in the arenas of *chain, its line left
 * to the caller. */
static struct sk_row *make_row(struct arena **chain, size_t n, const char *const *f,
			       const size_t *len, const unsigned char *type)
{
	size_t bytes = 0;
	int typed = 0;
	for (size_t i = 0; i < n; i++) {
		bytes += len[i] + 1;
		typed |= type && type[i] != SK_STR;
	}
	int osz = bytes <= UINT8_MAX ? 1 : bytes <= UINT16_MAX ? 2 : 4;
	size_t offsz = (n + 1) * (size_t)osz;
	size_t sz = sizeof(struct sk_row) + offsz + (typed ? n : 0) + bytes;
	struct sk_row *row = arena_alloc(chain, sz);
	row->nf = (uint32_t)n;
	row->osz = (uint32_t)osz;
	row->typed = (uint32_t)typed;
	row->plain = 0;
	unsigned char *ty = (unsigned char *)(row + 1) + offsz;
	char *data = (char *)ty + (typed ? n : 0);
	uint32_t o = 0;
	/* A record the reader cut in place (its fields one after another,
	 * each ended by its NUL) is copied in one piece: a memcpy per field
	 * was a twentieth of each stage that reads customer records. */
	int whole = n > 0 && f[n - 1][len[n - 1]] == 0;
	for (size_t i = 0; whole && i + 1 < n; i++)
		whole = f[i + 1] == f[i] + len[i] + 1;
	if (whole)
		memcpy(data, f[0], bytes);
	for (size_t i = 0; i < n; i++) {
		set_row_off(row, i, o);
		if (typed)
			ty[i] = type[i];
		if (!whole) {
			memcpy(data + o, f[i], len[i]);
			data[o + len[i]] = 0;
		}
		o += (uint32_t)len[i] + 1;
	}
	set_row_off(row, n, o);
	return row;
}

/* Start a run of rows at row t->nrow when line cannot be kept in the
 * last run (another file, or a line too far from its base). */
static void add_run(struct sk_table *t, const char *file, unsigned long line)
{
	if (!t->nfiles || t->files[t->nfiles - 1].name != file ||
	    line < t->files[t->nfiles - 1].base || line - t->files[t->nfiles - 1].base > UINT32_MAX) {
		sk_grow((void **)&t->files, &t->filecap, t->nfiles + 1, sizeof *t->files);
		t->files[t->nfiles++] = (struct sk_tfile){ t->nrow, file, line };
	}
}

void sk_table_add_row(struct sk_table *t, const char *file, unsigned long line,
		      size_t n, const char *const *f, const size_t *len,
		      const unsigned char *type)
{
	int why = row_fits(n, len);
	if (why)
		die_unfit(why, file, line);
	struct sk_row *row = make_row(&t->arena, n, f, len, type);
	add_run(t, file, line);
	row->line = (uint32_t)(line - t->files[t->nfiles - 1].base);
	sk_grow((void **)&t->row, &t->rowcap, t->nrow + 1, sizeof *t->row);
	t->row[t->nrow++] = row;
}

/* ---- rows made on every core (sk_table_add_rows) ---- */

/* Rows a thread makes at a time: ~85 bytes a summary row, so a chunk's
 * rows are ~350 KB of one thread's arena, and a million rows are 244
 * chunks to share out as the threads come free. */
#define ADD_CHUNK 4096
/* Fewer rows than this are made on one thread: a summary row takes
 * ~0.5 us to format, so 20,000 of them are ~10 ms, against tens of us to
 * wake a second thread (the same cut as PAR_MIN in model/covlik.c). */
#define ADD_PAR_MIN 20000

struct sk_table_part {		/* one thread's share: on cache lines of its own */
	struct sk_table *t;
	size_t first;		/* the table's row of the callback's row 0 */
	struct arena *arena;	/* this thread's chain, handed to t at the end */
	size_t bad;		/* its first row that cannot be kept, or SIZE_MAX */
	int why;
};

/* 1 when none of the n fields holds a quote, a line break or the
 * delimiter d: a CSV writer with d then writes them as they are.  A
 * number (SK_NUM) is sk_num_format's digits, sign, point, exponent,
 * "inf" or "nan": looked at only when d is one of those characters. */
static int plain_fields(size_t n, const char *const *f, const size_t *len,
			const unsigned char *type, char d)
{
	int d_num = strchr("0123456789.+-eEinfaINFA", d) != NULL;
	for (size_t j = 0; j < n; j++) {
		if (type && type[j] == SK_NUM && !d_num)
			continue;
		for (size_t b = 0; b < len[j]; b++) {
			char c = f[j][b];
			if (c == d || c == '"' || c == '\n' || c == '\r')
				return 0;
		}
	}
	return 1;
}

void sk_table_put(struct sk_table_part *p, size_t i, size_t n, const char *const *f,
		  const size_t *len, const unsigned char *type)
{
	int why = row_fits(n, len);
	if (why) {
		/* Reported after the pass, for the first such row of all
		 * threads: the message a serial pass gives. */
		if (i < p->bad) {
			p->bad = i;
			p->why = why;
		}
		p->t->row[p->first + i] = NULL;
		return;
	}
	struct sk_row *row = make_row(&p->arena, n, f, len, type);
	row->line = (uint32_t)i;
	if (p->t->plain_delim)
		row->plain = (uint32_t)plain_fields(n, f, len, type, p->t->plain_delim);
	p->t->row[p->first + i] = row;
}

void sk_table_add_rows(struct sk_table *t, size_t n, const char *file, unsigned long line,
		       sk_table_rows_fn *fn, void *ctx)
{
	if (n > UINT32_MAX)
		sk_die(SK_EX_DATA, "%s: more than %u records", file, UINT32_MAX);
	if (n == 0)
		return;
	size_t first = t->nrow;
	/* One run for the n rows: row i's line is line + i, kept as i. */
	sk_grow((void **)&t->files, &t->filecap, t->nfiles + 1, sizeof *t->files);
	t->files[t->nfiles++] = (struct sk_tfile){ first, file, line };
	sk_grow((void **)&t->row, &t->rowcap, first + n, sizeof *t->row);
	long nch = (long)((n + ADD_CHUNK - 1) / ADD_CHUNK);
	int nth = 1;
#ifdef _OPENMP
	if (n >= ADD_PAR_MIN)
		nth = omp_get_max_threads();
	if (nth > SK_WRITE_THREADS)
		nth = SK_WRITE_THREADS;
	if (nth > nch)
		nth = (int)nch;
#endif
	struct sk_table_part *part[SK_WRITE_THREADS];
	for (int k = 0; k < nth; k++) {
		part[k] = sk_xcalloc_lines(sizeof *part[k]);
		*part[k] = (struct sk_table_part){ t, first, NULL, SIZE_MAX, 0 };
	}
	/* Chunks as the threads come free (one may share its core with
	 * another program); each row lands at its index whoever makes it. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth) if (nth > 1)
#endif
	for (long c = 0; c < nch; c++) {
		int k = 0;
#ifdef _OPENMP
		k = omp_get_thread_num();
#endif
		size_t lo = (size_t)c * ADD_CHUNK, hi = lo + ADD_CHUNK < n ? lo + ADD_CHUNK : n;
		fn(part[k], k, lo, hi, ctx);
	}
	size_t bad = SIZE_MAX;
	int why = 0;
	for (int k = 0; k < nth; k++) {
		/* the table frees every thread's arenas */
		struct arena **end = &part[k]->arena;
		while (*end)
			end = &(*end)->next;
		*end = t->arena;
		t->arena = part[k]->arena;
		if (part[k]->bad < bad) {
			bad = part[k]->bad;
			why = part[k]->why;
		}
		free(part[k]);
	}
	t->nrow = first + n;
	if (bad != SIZE_MAX)
		die_unfit(why, file, line + bad);
}

/* The run of rows row i belongs to; NULL for a table without rows. */
static const struct sk_tfile *run_of(const struct sk_table *t, size_t i)
{
	size_t lo = 0, hi = t->nfiles;
	if (!hi)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (t->files[mid].row <= i)
			lo = mid;
		else
			hi = mid;
	}
	return &t->files[lo];
}

void sk_table_prefetch(const struct sk_table *t, size_t i, int stage)
{
	if (stage == 0) {
		__builtin_prefetch(&t->row[i]);
		return;
	}
	const char *p = (const char *)t->row[i];
	__builtin_prefetch(p);
	__builtin_prefetch(p + 64);
	__builtin_prefetch(p + 128);
}

unsigned long sk_table_line(const struct sk_table *t, size_t i)
{
	const struct sk_tfile *f = run_of(t, i);
	return (unsigned long)((f ? f->base : 0) + t->row[i]->line);
}

const char *sk_table_file(const struct sk_table *t, size_t i)
{
	const struct sk_tfile *f = run_of(t, i);
	return f ? f->name : "-";
}


long sk_table_need_col(const struct sk_table *t, const char *name, const char *alt)
{
	long c = sk_table_col(t, name);
	if (c < 0 && alt)
		c = sk_table_col(t, alt);
	if (c < 0) {
		char found[512];
		sk_table_die_header(t, "missing column \"%s\" (found: %s); run summarize "
				    "first or pass a transaction log", name,
				    sk_col_list(found, t->col, t->ncol));
	}
	return c;
}

long sk_table_col(const struct sk_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncol; i++)
		if (strcmp(t->col[i], name) == 0)
			return (long)i;
	return -1;
}

const char *sk_table_get(const struct sk_table *t, size_t i, long j, size_t *len,
			 enum sk_ftype *type)
{
	const char *s = sk_table_get_out(t, i, j, len, type);
	if (type && *type >= SK_TEXT)
		*type = *type == SK_TEXT ? SK_STR : SK_NULL;
	return s;
}

const char *sk_table_get_out(const struct sk_table *t, size_t i, long j, size_t *len,
			     enum sk_ftype *type)
{
	const struct sk_row *row = t->row[i];
	if (j < 0 || (uint32_t)j >= row->nf) {
		/* a JSON record read before its file named the column */
		if (len)
			*len = 0;
		if (type)
			*type = SK_ABSENT;
		return "";
	}
	size_t lo = row_off(row, (size_t)j), hi = row_off(row, (size_t)j + 1);
	if (len)
		*len = hi - lo - 1;
	if (type)
		*type = row->typed ? (enum sk_ftype)((const unsigned char *)(row + 1) +
					(row->nf + 1) * row->osz)[j] : SK_STR;
	return row_data(row) + lo;
}

void sk_table_die(const struct sk_table *t, size_t i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vdie(SK_EX_DATA, sk_table_file(t, i), sk_table_line(t, i), fmt, ap);
}

void sk_table_die_header(const struct sk_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vdie(SK_EX_DATA, t->src, 1, fmt, ap);
}

int sk_table_num_check(const struct sk_table *t, size_t i, long j, int die, double *v,
		       int *empty)
{
	size_t len;
	enum sk_ftype type;
	const char *s = sk_table_get(t, i, j, &len, &type);
	if (len == 0 || type == SK_NULL) {
		*v = 0;
		if (empty)
			*empty = 1;
		else
			return sk_table_bad(t, i, die, "column \"%s\": empty value", t->col[j]);
		return 0;
	}
	if (empty)
		*empty = 0;
	/* Text from the input is in the input's local format; numbers a
	 * program computed (a log summarized on the way in) and JSON
	 * numbers are plain whatever the options. */
	if (t->o && type == SK_STR ? sk_num_read(t->o, s, len, v) : sk_num_parse(s, len, v))
		return sk_table_bad(t, i, die, "column \"%s\": cannot parse \"%s\" as a number%s",
				    t->col[j], s,
				    die && t->o && type == SK_STR ? sk_num_why(t->o, s, len) : "");
	return 0;
}

double sk_table_num(const struct sk_table *t, size_t i, long j, int *empty)
{
	double v;
	sk_table_num_check(t, i, j, 1, &v, empty);
	return v;
}

int sk_table_bad(const struct sk_table *t, size_t i, int die, const char *fmt, ...)
{
	if (!die)
		return 1;
	va_list ap;
	va_start(ap, fmt);
	sk_vdie(SK_EX_DATA, sk_table_file(t, i), sk_table_line(t, i), fmt, ap);
}

/* Rows checked at a time by a thread: ~100 ns a row, so a chunk is
 * ~1 ms of work and a million rows are 123 chunks. */
#define CHECK_CHUNK 8192

void sk_table_check_rows(const struct sk_table *t, size_t lo, sk_row_check_fn *fn, void *ctx)
{
	size_t n = t->nrow, bad = SIZE_MAX;
	int nth = 1;
#ifdef _OPENMP
	if (lo < n && n - lo >= ADD_PAR_MIN)
		nth = omp_get_max_threads();
#endif
	if (nth == 1) {
		for (size_t i = lo; i < n; i++)
			if (fn(i, 1, ctx))
				sk_die(SK_EX_SOFTWARE, "%s:%lu: a bad row passed for good",
				       sk_table_file(t, i), sk_table_line(t, i));
		return;
	}
	long nch = (long)((n - lo + CHECK_CHUNK - 1) / CHECK_CHUNK);
	/* Each thread stops at its first bad row and skips the chunks after
	 * it; the least of the threads' first bad rows is the table's, as
	 * every chunk before it was checked to its end. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth) reduction(min : bad)
#endif
	for (long c = 0; c < nch; c++) {
		size_t a = lo + (size_t)c * CHECK_CHUNK, b = a + CHECK_CHUNK < n ? a + CHECK_CHUNK : n;
		for (size_t i = a; i < b && i < bad; i++)
			if (fn(i, 0, ctx))
				bad = i;
	}
	if (bad == SIZE_MAX)
		return;
	/* Again on this thread, to die with its message. */
	fn(bad, 1, ctx);
	sk_die(SK_EX_SOFTWARE, "%s:%lu: a bad row passed for good on a second look",
	       sk_table_file(t, bad), sk_table_line(t, bad));
}

void sk_table_free(struct sk_table *t)
{
	if (!t)
		return;
	while (t->arena) {
		struct arena *a = t->arena;
		t->arena = a->next;
		sk_big_free(a, sizeof *a + a->cap);
	}
	for (size_t i = 0; i < t->ncol; i++)
		free(t->col[i]);
	free(t->col);
	free(t->row);
	free(t->files);
	free(t);
}

char *sk_table_strdup(struct sk_table *t, const char *s)
{
	char *p = arena_alloc(&t->arena, strlen(s) + 1);
	strcpy(p, s);
	return p;
}

void sk_table_row_plain(struct sk_table *t, size_t i, int plain)
{
	t->row[i]->plain = plain != 0;
}

/* "a, b, c" of n column names, cut with "..." to fit found[512]; a
 * name's control characters escaped ("\n", "\x01") so that the message
 * stays one line. */
const char *sk_col_list(char found[512], char *const *col, size_t n)
{
	size_t k = 0;
	found[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char esc[8];
		const char *sep = i ? ", " : "";
		for (const char *p = sep; *p && k < 512 - 5; p++)
			found[k++] = *p;
		for (const unsigned char *p = (const unsigned char *)col[i]; *p && k < 512 - 5; p++) {
			if (*p == '\n' || *p == '\r' || *p == '\t')
				snprintf(esc, sizeof esc, "\\%c", *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't');
			else if (*p < 0x20 || *p == 0x7f)
				snprintf(esc, sizeof esc, "\\x%02x", *p);
			else {
				found[k++] = (char)*p;
				continue;
			}
			for (const char *e = esc; *e && k < 512 - 5; e++)
				found[k++] = *e;
		}
		if (k >= 512 - 5) {
			strcpy(found + 512 - 5, "...");
			return found;
		}
	}
	found[k] = 0;
	return n ? found : "no columns";
}
