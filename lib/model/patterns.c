/* patterns.c: churn --patterns, the compressed sufficient statistics
 * (x, t_x, T, m, w) of a shard written for merging (score.h,
 * sk_patterns_write): one line per distinct pattern, in a fixed order,
 * with numbers that read back exactly. */
#include "score.h"
#include "modelint.h"
#include "covar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/group.h"
#include "record/num.h"
#include "record/util.h"

struct pat5 {
	double x, t_x, T, m, w;
	uint32_t cov;	/* the covariate vector (covar.h); 0 without */
};

static int cmp_pat5(const void *pa, const void *pb)
{
	const struct pat5 *a = pa, *b = pb;
	int o = sk_order_xtT(a->x, a->t_x, a->T, b->x, b->t_x, b->T);
	if (o)
		return o;
	/* NaN (no spend) sorts first and equal to itself */
	int an = isnan(a->m), bn = isnan(b->m);
	if (an || bn) {
		if (!(an && bn))
			return bn - an;
	} else if (a->m != b->m) {
		return (a->m > b->m) - (a->m < b->m);
	}
	return (a->cov > b->cov) - (a->cov < b->cov);
}

static int same5(const struct pat5 *a, const struct pat5 *b)
{
	return cmp_pat5(a, b) == 0;
}

/* Shortest text that reads back as the same double, so a pattern table
 * loses nothing.  A whole number below 10^15 is what "%.15g" prints, its
 * digits, and reads back exactly (it is below 2^53): printed directly,
 * since printf's exact conversion was a fifth of churn --patterns
 * (issue 21). */
static void put_exact(struct sk_writer *w, double v)
{
	char buf[40];
	int n;
	if (v >= 0 && v < 1e15 && !signbit(v) && v == floor(v))
		n = sk_num_format_scaled(buf, (uint64_t)v, 0, 0);
	else {
		n = snprintf(buf, sizeof buf, "%.15g", v);
		if (strtod(buf, NULL) != v)
			n = snprintf(buf, sizeof buf, "%.17g", v);
	}
	sk_writer_field(w, buf, (size_t)n, SK_RAW);
}

/* Patterns without spend whose x, t_x and T are whole numbers below 2^21
 * (counts and days or periods: every daily log) pack into one 63-bit key
 * whose integer order is cmp_pat5's order.  They are sorted by an LSD
 * radix sort on 16-bit digits, skipping digits that are the same in
 * every key; like glibc's merge sort it is stable, so duplicate patterns
 * add their weights in the same order and the output is the same bytes.
 * The qsort was a quarter of each shard's churn --patterns (issue 21).
 * Returns 0 (p untouched) when some pattern does not pack. */
struct keyw {
	uint64_t key;
	double w;
};

static int sort_packed(struct pat5 *p, size_t m)
{
	const double lim = 2097152;	/* 2^21 */
	for (size_t i = 0; i < m; i++) {
		const struct pat5 *q = &p[i];
		if (!isnan(q->m) || !(q->x >= 0 && q->x < lim && q->x == floor(q->x)) ||
		    !(q->t_x >= 0 && q->t_x < lim && q->t_x == floor(q->t_x)) ||
		    !(q->T >= 0 && q->T < lim && q->T == floor(q->T)))
			return 0;
	}
	struct keyw *a = sk_xmalloc((m ? m : 1) * sizeof *a);
	struct keyw *b = sk_xmalloc((m ? m : 1) * sizeof *b);
	size_t (*cnt)[65536] = sk_xcalloc(4, sizeof *cnt);
	for (size_t i = 0; i < m; i++) {
		uint64_t key = (uint64_t)p[i].x << 42 | (uint64_t)p[i].t_x << 21 | (uint64_t)p[i].T;
		a[i] = (struct keyw){ key, p[i].w };
		for (int d = 0; d < 4; d++)
			cnt[d][key >> (16 * d) & 0xffff]++;
	}
	for (int d = 0; d < 4; d++) {
		if (m == 0 || cnt[d][a[0].key >> (16 * d) & 0xffff] == m)
			continue;	/* one value of this digit: already in order */
		size_t sum = 0;
		for (size_t v = 0; v < 65536; v++) {
			size_t c = cnt[d][v];
			cnt[d][v] = sum;
			sum += c;
		}
		for (size_t i = 0; i < m; i++)
			b[cnt[d][a[i].key >> (16 * d) & 0xffff]++] = a[i];
		struct keyw *t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < m; i++) {
		uint64_t key = a[i].key;
		p[i] = (struct pat5){ (double)(key >> 42), (double)(key >> 21 & 0x1fffff),
				      (double)(key & 0x1fffff), NAN, a[i].w, 0 };
	}
	free(cnt);
	free(a);
	free(b);
	return 1;
}

void sk_patterns_write(const struct sk_opts *o, const struct sk_table *t,
		       const struct sk_custdata *d, int discrete, int with_spend)
{
	const struct sk_covdata *cd = d->cov;
	struct pat5 *p = sk_xmalloc((d->nvalid ? d->nvalid : 1) * sizeof *p);
	size_t m = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i])
			p[m++] = (struct pat5){ d->rfm[i].x, d->rfm[i].t_x, d->rfm[i].T,
						with_spend ? d->mbar[i] : NAN, d->rfm[i].w,
						cd ? d->rfm[i].cov : 0 };
	if (cd || !sort_packed(p, m))
		qsort(p, m, sizeof *p, cmp_pat5);
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		if (k && same5(&p[k - 1], &p[i]))
			p[k - 1].w += p[i].w;
		else
			p[k++] = p[i];
	}
	/* With covariates (covar.h) their columns follow, so that the fit
	 * with them runs over shards as the plain one does: the purchase
	 * covariates, then the dropout ones not already among them (a
	 * column on both processes once); col[j] its place in the vector. */
	int kz = cd ? cd->spec.kp + cd->spec.kd : 0, nc = 0, col[2 * SK_COV_MAX];
	const char *hdr[5 + 2 * SK_COV_MAX];
	int nh = 0;
	hdr[nh++] = "frequency";
	hdr[nh++] = "recency";
	hdr[nh++] = discrete ? "periods" : "T";
	if (with_spend)
		hdr[nh++] = "monetary_value";
	for (int j = 0; j < kz; j++) {
		const char *name = j < cd->spec.kp ? cd->spec.pname[j] : cd->spec.dname[j - cd->spec.kp];
		int seen = 0;
		for (int i = 0; i < nc; i++)
			seen |= strcmp(hdr[nh - nc + i], name) == 0;
		if (!seen) {
			hdr[nh++] = name;
			col[nc++] = j;
		}
	}
	hdr[nh++] = "weight";
	struct sk_writer *w = sk_writer_open(o, t->fmt);
	sk_writer_header(w, (size_t)nh, hdr);
	for (size_t i = 0; i < k; i++) {
		put_exact(w, p[i].x);
		put_exact(w, p[i].t_x);
		put_exact(w, p[i].T);
		if (with_spend) {
			if (isnan(p[i].m))
				sk_writer_null(w);
			else
				put_exact(w, p[i].m);
		}
		for (int j = 0; j < nc; j++)
			put_exact(w, cd->z[(size_t)p[i].cov * (size_t)kz + (size_t)col[j]]);
		put_exact(w, p[i].w);
		sk_writer_endrow(w);
	}
	sk_writer_close(w);
	free(p);
}
