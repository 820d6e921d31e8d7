/* test_custdata.c: the model inputs of customer records (lib/model/
 * custdata.c) and the packed-key radix sort they group by (lib/record/
 * group.c).  The patterns are what every model is fitted on, so the ways
 * of making them must agree to the bit: the radix sort on packed keys
 * against qsort, folded data (sk_custdata_fold) against rows kept, the
 * rows' frequency and weight read back after the fold.  Prints one
 * "ok - ..." / "not ok - ..." line per check and exits 1 if any failed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "model/score.h"
#include "record/group.h"

static uint64_t rng_state = 88172645463325252u;

static uint64_t rnd(void)	/* xorshift64 (Marsaglia 2003) */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned sort_shift;

static int cmp_packed(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	uint64_t ka = a >> sort_shift, kb = b >> sort_shift;
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return (a > b) - (a < b);	/* equal keys: by the index below them */
}

/* sk_u64_sort against qsort by (key, index): the index in the low bits
 * ascends in the input, so a stable sort by key alone gives that order. */
static void test_u64_sort(void)
{
	static const struct {
		size_t n;
		unsigned shift;
		uint64_t maxkey;
	} c[] = {
		{ 0, 0, 5 }, { 1, 0, 5 }, { 1000, 10, 0 }, { 1000, 10, 1 },
		{ 5000, 13, 2000 },			/* one pass of 11 bits */
		{ 5000, 13, (1u << 22) - 1 },		/* two */
		{ 30000, 15, ((uint64_t)1 << 49) - 1 },	/* five, to the top bit */
		{ 30000, 0, UINT64_MAX },		/* no index bits, six passes */
	};
	for (size_t t = 0; t < sizeof c / sizeof c[0]; t++) {
		size_t n = c[t].n;
		uint64_t *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
		for (size_t i = 0; i < n; i++) {
			/* few distinct keys in the small cases: ties to keep */
			uint64_t key = c[t].maxkey == UINT64_MAX ? rnd() :
				rnd() % (c[t].maxkey < 50 ? c[t].maxkey + 1 : c[t].maxkey / 3 + 1);
			a[i] = b[i] = key << c[t].shift | (c[t].shift ? i : 0);
		}
		sort_shift = c[t].shift;
		qsort(b, n, sizeof *b, cmp_packed);
		int rc = sk_u64_sort(a, n, c[t].shift, c[t].maxkey);
		check(rc == 0 && (n == 0 || memcmp(a, b, n * sizeof *a) == 0),
		      "sk_u64_sort: %zu keys up to %llu above %u index bits: qsort's order",
		      n, (unsigned long long)c[t].maxkey, c[t].shift);
		free(a);
		free(b);
	}
}

/* n rows of customers: prospects, repeat buyers whose (x, t_x, T) repeat
 * (daily data: few distinct values), weights and litt that differ within
 * a pattern so that merging them is seen, and with ncov > 1 covariate
 * vectors in rfm[].cov. */
static void make_rows(struct sk_custdata *d, size_t n, size_t ncov, int weighted)
{
	memset(d, 0, sizeof *d);
	d->n = n;
	d->rfm = calloc(n ? n : 1, sizeof *d->rfm);
	d->valid = calloc(n ? n : 1, 1);
	d->col_w = weighted ? 3 : -1;
	d->ncov = ncov;
	for (size_t i = 0; i < n; i++) {
		if (rnd() % 10 == 0)
			continue;	/* a prospect */
		double T = (double)(20 + rnd() % 40), x = (double)(rnd() % 6);
		double tx = x > 0 ? (double)(rnd() % (uint64_t)T) : 0;
		d->rfm[i] = (struct sk_rfm){ .x = x, .t_x = tx, .T = T,
					     .w = weighted ? (double)(1 + rnd() % 4) : 1,
					     .litt = x > 0 ? (double)(rnd() % 1000) / 37 : 0,
					     .cov = ncov > 1 ? (uint32_t)(rnd() % ncov) : 0 };
		d->valid[i] = 1;
		d->nvalid++;
	}
}

static struct sk_custdata copy_rows(const struct sk_custdata *d)
{
	struct sk_custdata c = *d;
	c.rfm = malloc((d->n ? d->n : 1) * sizeof *c.rfm);
	c.valid = malloc(d->n ? d->n : 1);
	memcpy(c.rfm, d->rfm, d->n * sizeof *c.rfm);
	memcpy(c.valid, d->valid, d->n);
	return c;
}

/* The patterns as sk_custdata_patterns documents them, checked from the
 * rows: sorted and distinct by (x, t_x, T, cov), every valid row in its
 * pattern, the weights summed, litt their weighted mean. */
static int patterns_of_rows(const struct sk_custdata *d, const struct sk_rfm *pat, size_t np)
{
	double *w = calloc(np ? np : 1, sizeof *w), *wl = calloc(np ? np : 1, sizeof *wl);
	int ok = 1;
	for (size_t k = 1; k < np; k++) {
		const struct sk_rfm *a = &pat[k - 1], *b = &pat[k];
		int order = a->x != b->x ? a->x < b->x : a->t_x != b->t_x ? a->t_x < b->t_x :
			    a->T != b->T ? a->T < b->T : a->cov < b->cov;
		ok &= order;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		const struct sk_rfm *r = &d->rfm[i], *p = &pat[d->pid[i]];
		ok &= d->pid[i] < np && p->x == r->x && p->t_x == r->t_x && p->T == r->T &&
		      p->cov == r->cov;
		w[d->pid[i]] += r->w;
		wl[d->pid[i]] += r->w * r->litt;
	}
	for (size_t k = 0; k < np; k++)
		ok &= pat[k].w == w[k] && fabs(pat[k].litt - wl[k] / w[k]) <= 1e-12 * (1 + wl[k]);
	free(w);
	free(wl);
	return ok;
}

static void test_patterns(size_t n, size_t ncov, int weighted)
{
	struct sk_custdata a, b, q;
	make_rows(&a, n, ncov, weighted);
	b = copy_rows(&a);
	q = copy_rows(&a);
	size_t na, nb, nq;
	const struct sk_rfm *pa = sk_custdata_patterns(&a, &na);
	check(patterns_of_rows(&a, pa, na), "%zu rows, %zu covariate vectors%s: %zu patterns, "
	      "sorted, distinct, weights summed, litt their mean", n, ncov,
	      weighted ? ", weighted" : "", na);
	/* A key span too wide for the index bits: the qsort fallback. */
	q.ncov = (size_t)1 << 62;
	const struct sk_rfm *pq = sk_custdata_patterns(&q, &nq);
	int same = nq == na && memcmp(q.pid, a.pid, n * sizeof *a.pid) == 0;
	for (size_t k = 0; same && k < na; k++)
		same = pq[k].x == pa[k].x && pq[k].t_x == pa[k].t_x && pq[k].T == pa[k].T &&
		       pq[k].w == pa[k].w && pq[k].cov == pa[k].cov &&
		       fabs(pq[k].litt - pa[k].litt) <= 1e-12 * (1 + fabs(pa[k].litt));
	check(same, "%zu rows: the radix sort of packed keys groups as qsort does", n);
	/* Folded: the same patterns to the bit, the rows' frequency and
	 * weight kept, the rows' records gone. */
	sk_custdata_fold(&b);
	pa = sk_custdata_patterns(&a, &na);
	const struct sk_rfm *pb = sk_custdata_patterns(&b, &nb);
	int xw = b.rfm == NULL && b.folded && (weighted ? b.w != NULL : b.w == NULL);
	for (size_t i = 0; i < n; i++)
		if (a.valid[i])
			xw &= sk_custdata_x(&b, i) == a.rfm[i].x && sk_custdata_w(&b, i) == a.rfm[i].w &&
			      sk_custdata_x(&a, i) == a.rfm[i].x && sk_custdata_w(&a, i) == a.rfm[i].w;
	check(nb == na && memcmp(pb, pa, na * sizeof *pa) == 0 &&
	      memcmp(b.pid, a.pid, n * sizeof *a.pid) == 0,
	      "%zu rows folded: the patterns and each row's pattern of the rows kept", n);
	check(xw, "%zu rows folded: each row's frequency and weight read back", n);
	/* The predictions spread to the rows: each row its pattern's value,
	 * prospects 0. */
	double *v = malloc((nb ? nb : 1) * sizeof *v);
	for (size_t k = 0; k < nb; k++)
		v[k] = (double)k + 0.5;
	double *r = sk_custdata_per_row(&b, v);
	int spread = 1;
	for (size_t i = 0; i < n; i++)
		spread &= r[i] == (b.valid[i] ? (double)b.pid[i] + 0.5 : 0);
	check(spread, "%zu rows folded: pattern values spread to the rows", n);
	free(r);
	sk_custdata_free(&a);
	sk_custdata_free(&b);
	sk_custdata_free(&q);
}

int main(void)
{
	test_u64_sort();
	test_patterns(0, 1, 0);
	test_patterns(1, 1, 0);
	test_patterns(3000, 1, 0);
	test_patterns(3000, 1, 1);
	test_patterns(20000, 7, 1);
	printf("%d checks, %d failed\n", checks, failures);
	return failures != 0;
}
