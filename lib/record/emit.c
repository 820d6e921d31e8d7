/* emit.c: pass-through plus appended columns. */
#include "emit.h"

#include <stdlib.h>
#include <string.h>


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
	e->type[k] = SK_TEXT;	/* a word: a JSON string, whatever it reads as */
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
		const char *s = sk_table_get_out(t, i, (long)j, &len, &type);
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

/* A copy of e for one thread: its own values (on cache lines of their
 * own) and, chunk by chunk, the thread's memory writer. */
static struct sk_emit *emit_clone(const struct sk_emit *e)
{
	struct sk_emit *s = sk_xcalloc_lines(sizeof *s);
	*s = *e;
	s->val = sk_xcalloc_lines((e->nnew + 1) * sizeof *s->val);
	s->longval = sk_xcalloc_lines((e->nnew + 1) * sizeof *s->longval);
	s->type = sk_xcalloc_lines(e->nnew + 1);
	memset(s->type, SK_NULL, e->nnew + 1);
	return s;
}

struct rows_ctx {
	const struct sk_emit *e;
	const size_t *order;
	sk_emit_fill_fn *fill;
	void *ctx;
	struct sk_emit *sub[SK_WRITE_THREADS];
};

static void emit_chunk(struct sk_writer *mem, int k, size_t lo, size_t hi, void *ctx)
{
	struct rows_ctx *rc = ctx;
	if (!rc->sub[k])
		rc->sub[k] = emit_clone(rc->e);
	struct sk_emit *s = rc->sub[k];
	s->w = mem;
	for (size_t r = lo; r < hi; r++) {
		if (rc->order) {
			/* In rank order every row is a cache miss: fetch ahead. */
			if (r + 16 < hi)
				sk_table_prefetch(rc->e->t, rc->order[r + 16], 0);
			if (r + 8 < hi)
				sk_table_prefetch(rc->e->t, rc->order[r + 8], 1);
		}
		size_t i = rc->order ? rc->order[r] : r;
		rc->fill(s, i, rc->ctx);
		sk_emit_row(s, i);
	}
}

void sk_emit_rows(struct sk_emit *e, size_t n, const size_t *order, sk_emit_fill_fn *fill,
		  void *ctx)
{
	struct rows_ctx rc = { e, order, fill, ctx, { NULL } };
	sk_writer_rows(e->w, n, emit_chunk, &rc);
	for (int k = 0; k < SK_WRITE_THREADS; k++) {
		if (!rc.sub[k])
			continue;
		free(rc.sub[k]->val);
		free(rc.sub[k]->longval);
		free(rc.sub[k]->type);
		free(rc.sub[k]);
	}
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
