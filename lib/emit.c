/* emit.c: pass-through plus appended columns. */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "num.h"
#include "util.h"

struct sk_emit {
	const struct sk_table *t;
	struct sk_writer *w;
	size_t nnew;
	long *owner;		/* per input column: new column index owning it, or -1 */
	int owns_input;		/* some owner[j] >= 0 */
	int *appended;		/* per new column: 1 when written at the end */
	char (*val)[48];
	char **longval;
	unsigned char *type;
};

struct sk_emit *sk_emit_open(const struct sk_opts *o, const struct sk_table *t,
			     size_t nnew, const char *const *names)
{
	struct sk_emit *e = sk_xcalloc(1, sizeof *e);
	e->t = t;
	e->nnew = nnew;
	e->owner = sk_xmalloc((t->ncol + 1) * sizeof *e->owner);
	e->appended = sk_xcalloc(nnew + 1, sizeof *e->appended);
	e->val = sk_xcalloc(nnew + 1, sizeof *e->val);
	e->longval = sk_xcalloc(nnew + 1, sizeof *e->longval);
	e->type = sk_xcalloc(nnew + 1, 1);
	const char **hdr = sk_xmalloc((t->ncol + nnew + 1) * sizeof *hdr);
	size_t nh = 0;
	for (size_t j = 0; j < t->ncol; j++) {
		e->owner[j] = -1;
		for (size_t k = 0; k < nnew; k++)
			if (strcmp(t->col[j], names[k]) == 0) {
				e->owner[j] = (long)k;
				e->owns_input = 1;
			}
		hdr[nh++] = t->col[j];
	}
	for (size_t k = 0; k < nnew; k++) {
		e->appended[k] = sk_table_col(t, names[k]) < 0;
		if (e->appended[k])
			hdr[nh++] = names[k];
		e->type[k] = SK_NULL;
	}
	e->w = sk_writer_open(o, t->fmt);
	sk_writer_header(e->w, nh, hdr);
	free(hdr);
	return e;
}

void sk_emit_num(struct sk_emit *e, size_t k, double v, int decimals)
{
	sk_num_format(e->val[k], sizeof e->val[k], v, decimals);
	e->type[k] = SK_NUM;
}

void sk_emit_str(struct sk_emit *e, size_t k, const char *s)
{
	size_t n = strlen(s);
	if (n < sizeof e->val[k]) {
		memcpy(e->val[k], s, n + 1);
	} else {
		free(e->longval[k]);
		e->longval[k] = sk_xstrdup(s);
	}
	e->type[k] = SK_STR;
}

static void put(struct sk_emit *e, size_t k)
{
	const char *s = e->longval[k] ? e->longval[k] : e->val[k];
	if (e->type[k] == SK_NULL)
		sk_writer_null(e->w);
	else
		sk_writer_field(e->w, s, strlen(s), e->type[k]);
}

void sk_emit_row(struct sk_emit *e, size_t i)
{
	const struct sk_table *t = e->t;
	size_t j0 = 0;
	/* Input columns passing through untouched go out in one copy when
	 * they can (sk_writer_row_plain). */
	if (!e->owns_input && sk_writer_row_plain(e->w, t, i))
		j0 = t->ncol;
	for (size_t j = j0; j < t->ncol; j++) {
		if (e->owner[j] >= 0) {
			put(e, (size_t)e->owner[j]);
			continue;
		}
		size_t len;
		enum sk_ftype type;
		const char *s = sk_table_get(t, i, (long)j, &len, &type);
		sk_writer_field(e->w, s, len, type);
	}
	for (size_t k = 0; k < e->nnew; k++)
		if (e->appended[k])
			put(e, k);
	sk_writer_endrow(e->w);
	for (size_t k = 0; k < e->nnew; k++) {
		e->type[k] = SK_NULL;
		free(e->longval[k]);
		e->longval[k] = NULL;
	}
}

/* A copy of e for one thread: its own values and a memory writer. */
static struct sk_emit *emit_clone(const struct sk_emit *e)
{
	struct sk_emit *s = sk_xcalloc_lines(sizeof *s);
	*s = *e;
	s->val = sk_xcalloc_lines((e->nnew + 1) * sizeof *s->val);
	s->longval = sk_xcalloc_lines((e->nnew + 1) * sizeof *s->longval);
	s->type = sk_xcalloc_lines(e->nnew + 1);
	memset(s->type, SK_NULL, e->nnew + 1);
	s->w = sk_writer_mem_new(e->w);
	return s;
}

static void emit_clone_free(struct sk_emit *s)
{
	sk_writer_mem_free(s->w);
	free(s->val);
	free(s->longval);
	free(s->type);
	free(s);
}

/* Rows are formatted a chunk at a time on every thread, each chunk into
 * its thread's memory writer, and the chunks appended to the output in
 * order (OpenMP's ordered construct): formatting the next chunks
 * overlaps writing this one.  A chunk of 4096 rows is ~0.5 MB of text. */
#define EMIT_CHUNK 4096
#define EMIT_MAXTHREADS 16

void sk_emit_rows(struct sk_emit *e, size_t n, const size_t *order, sk_emit_fill_fn *fill,
		  void *ctx)
{
	long nch = (long)((n + EMIT_CHUNK - 1) / EMIT_CHUNK);
	int nth = 1;
#ifdef _OPENMP
	nth = omp_get_max_threads();
	if (nth > EMIT_MAXTHREADS)
		nth = EMIT_MAXTHREADS;
	if (nth > nch)
		nth = nch > 0 ? (int)nch : 1;
#endif
	struct sk_emit *sub[EMIT_MAXTHREADS];
	for (int k = 0; k < nth; k++)
		sub[k] = emit_clone(e);
#ifdef _OPENMP
#pragma omp parallel for ordered schedule(dynamic, 1) num_threads(nth) if (nth > 1)
#endif
	for (long c = 0; c < nch; c++) {
		int k = 0;
#ifdef _OPENMP
		k = omp_get_thread_num();
#endif
		struct sk_emit *s = sub[k];
		size_t lo = (size_t)c * EMIT_CHUNK, hi = lo + EMIT_CHUNK < n ? lo + EMIT_CHUNK : n;
		for (size_t r = lo; r < hi; r++) {
			size_t i = order ? order[r] : r;
			fill(s, i, ctx);
			sk_emit_row(s, i);
		}
#ifdef _OPENMP
#pragma omp ordered
#endif
		sk_writer_append(e->w, s->w);
	}
	for (int k = 0; k < nth; k++)
		emit_clone_free(sub[k]);
}

void sk_emit_close(struct sk_emit *e)
{
	sk_writer_close(e->w);
	free(e->owner);
	free(e->appended);
	free(e->val);
	free(e->longval);
	free(e->type);
	free(e);
}
