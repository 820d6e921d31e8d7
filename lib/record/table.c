/* table.c: customer records kept whole in memory (struct sk_table):
 * rows packed one after another in big arenas (layout in iopriv.h),
 * found by index, their file and line kept per run of rows. */
#include "io.h"
#include "iopriv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "util.h"

struct arena {
	struct arena *next;
	size_t used, cap;
	char mem[];
};

static void *arena_alloc(struct sk_table *t, size_t n)
{
	n = (n + 3) & ~(size_t)3;	/* rows hold 32-bit words at most */
	struct arena *a = t->arena;
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
		t->arena = a = b;
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

void sk_table_add_row(struct sk_table *t, const char *file, unsigned long line,
		      size_t n, const char *const *f, const size_t *len,
		      const unsigned char *type)
{
	size_t bytes = 0;
	int typed = 0;
	for (size_t i = 0; i < n; i++) {
		bytes += len[i] + 1;
		typed |= type && type[i] != SK_STR;
	}
	if (bytes > UINT32_MAX)
		sk_die(SK_EX_DATA, "%s:%lu: record larger than 4 GB", file, line);
	if (n > ROW_MAXF)
		sk_die(SK_EX_DATA, "%s:%lu: record of more than %u fields", file, line, ROW_MAXF);
	int osz = bytes <= UINT8_MAX ? 1 : bytes <= UINT16_MAX ? 2 : 4;
	size_t offsz = (n + 1) * (size_t)osz;
	size_t sz = sizeof(struct sk_row) + offsz + (typed ? n : 0) + bytes;
	struct sk_row *row = arena_alloc(t, sz);
	if (!t->nfiles || t->files[t->nfiles - 1].name != file ||
	    line < t->files[t->nfiles - 1].base || line - t->files[t->nfiles - 1].base > UINT32_MAX) {
		sk_grow((void **)&t->files, &t->filecap, t->nfiles + 1, sizeof *t->files);
		t->files[t->nfiles++] = (struct sk_tfile){ t->nrow, file, line };
	}
	row->line = (uint32_t)(line - t->files[t->nfiles - 1].base);
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
	sk_grow((void **)&t->row, &t->rowcap, t->nrow + 1, sizeof *t->row);
	t->row[t->nrow++] = row;
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

double sk_table_num(const struct sk_table *t, size_t i, long j, int *empty)
{
	size_t len;
	enum sk_ftype type;
	const char *s = sk_table_get(t, i, j, &len, &type);
	double v;
	if (len == 0 || type == SK_NULL) {
		if (empty)
			*empty = 1;
		else
			sk_table_die(t, i, "column \"%s\": empty value", t->col[j]);
		return 0;
	}
	if (empty)
		*empty = 0;
	/* Text from the input is in the input's local format; numbers a
	 * program computed (a log summarized on the way in) and JSON
	 * numbers are plain whatever the options. */
	if (t->o && type == SK_STR ? sk_num_read(t->o, s, len, &v) : sk_num_parse(s, len, &v))
		sk_table_die(t, i, "column \"%s\": cannot parse \"%s\" as a number%s",
			     t->col[j], s, t->o && type == SK_STR ? sk_num_why(t->o, s, len) : "");
	return v;
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
	char *p = arena_alloc(t, strlen(s) + 1);
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
