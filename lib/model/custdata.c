/* custdata.c: the model inputs of a customer table (struct sk_custdata):
 * one record per row read from the table, then the distinct patterns the
 * models are fitted on and score, each row's pattern, and the (x, T)
 * groups whose predictions the patterns share. */
#include "score.h"
#include "modelint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/group.h"
#include "record/util.h"

int sk_rfm_check_row(const struct sk_table *t, size_t i, double x, double tx, double T,
		     const char *T_name, int die)
{
	if (x < 0 || x != floor(x) || x > 1e9)
		return sk_table_bad(t, i, die, "column \"frequency\": \"%g\" is not a whole "
				    "number >= 0", x);
	if (tx < 0)
		return sk_table_bad(t, i, die, "column \"recency\": negative value %g", tx);
	if (T < 0)
		return sk_table_bad(t, i, die, "column \"%s\": negative value %g", T_name, T);
	if (tx > T * (1 + 1e-9) + 1e-9)
		return sk_table_bad(t, i, die, "recency %g is after T %g: the last purchase "
				    "cannot come after the end of observation; check --as-of",
				    tx, T);
	if (x == 0 && tx != 0)
		return sk_table_bad(t, i, die, "recency %g with frequency 0: a customer without "
				    "repeat purchases has recency 0", tx);
	return 0;
}

struct read_ctx {
	const struct sk_table *t;
	struct sk_custdata *d;
	const char *weight_col;
	int discrete;
};

/* Row i of the table into d->rfm[i], d->valid[i] and d->mbar[i]: a row
 * check (sk_table_check_rows), the checks in the order they were made
 * when the rows were read one by one, so that a row with several faults
 * is told by the same one. */
static int read_row(size_t i, int die, void *ctx)
{
	const struct read_ctx *c = ctx;
	const struct sk_table *t = c->t;
	struct sk_custdata *d = c->d;
	int ex, et, eT, ew = 0;
	double x, tx, T, w = 1;
	if (sk_table_num_check(t, i, d->col_x, die, &x, &ex) ||
	    sk_table_num_check(t, i, d->col_tx, die, &tx, &et) ||
	    sk_table_num_check(t, i, d->col_T, die, &T, &eT) ||
	    (d->col_w >= 0 && sk_table_num_check(t, i, d->col_w, die, &w, &ew)))
		return 1;
	if (d->mbar) {
		int em;
		double m;
		if (sk_table_num_check(t, i, d->col_m, die, &m, &em))
			return 1;
		d->mbar[i] = em ? NAN : m;
	}
	if (ex && et && eT)
		return 0;	/* a prospect: no purchase, no prediction */
	if (ex || et || eT)
		return sk_table_bad(t, i, die, "frequency, recency and T must be all empty "
				    "(a prospect) or all set");
	if (ew)
		return sk_table_bad(t, i, die, "column \"%s\": empty weight", c->weight_col);
	if (sk_rfm_check_row(t, i, x, tx, T, t->col[d->col_T], die))
		return 1;
	if (c->discrete && (tx != floor(tx) || T != floor(T) || x > T || tx > T))
		return sk_table_bad(t, i, die, "BG/BB needs whole numbers of opportunities "
				    "with frequency <= recency <= periods");
	if (w < 0)
		return sk_table_bad(t, i, die, "column \"%s\": negative weight %g",
				    c->weight_col, w);
	/* litt (summarize --litt): NaN when the records lack it, so that
	 * the models that need it can say so (cnbd.c). */
	double litt = NAN;
	if (d->col_litt >= 0) {
		int el;
		if (sk_table_num_check(t, i, d->col_litt, die, &litt, &el))
			return 1;
		if (el && x > 0)
			return sk_table_bad(t, i, die, "column \"litt\": empty for a customer "
					    "with repeat purchases");
		if (el || x == 0)
			litt = 0;
	}
	d->rfm[i] = (struct sk_rfm){ .x = x, .t_x = tx > T ? T : tx, .T = T, .w = w,
				    .litt = litt };
	d->valid[i] = 1;
	return 0;
}

void sk_custdata_read(const struct sk_table *t, const char *weight_col, int discrete,
		      int want_spend, struct sk_custdata *d)
{
	memset(d, 0, sizeof *d);
	d->n = t->nrow;
	d->col_x = sk_table_need_col(t, "frequency", NULL);
	d->col_tx = sk_table_need_col(t, "recency", NULL);
	d->col_T = discrete ? sk_table_need_col(t, "periods", "T") : sk_table_need_col(t, "T", NULL);
	d->col_w = weight_col ? sk_table_col(t, weight_col) : -1;
	d->col_litt = sk_table_col(t, "litt");
	if (weight_col && d->col_w < 0)
		sk_die(SK_EX_DATA, "missing weight column \"%s\"", weight_col);
	d->col_m = want_spend ? sk_table_need_col(t, "monetary_value", NULL) : -1;
	d->rfm = sk_xcalloc(d->n, sizeof *d->rfm);
	d->valid = sk_xcalloc(d->n, 1);
	if (want_spend)
		d->mbar = sk_xcalloc(d->n, sizeof *d->mbar);
	/* On every core: a million rows' numbers parsed one after another
	 * were 0.09 s of churn on the bench log. */
	struct read_ctx c = { t, d, weight_col, discrete };
	sk_table_check_rows(t, 0, read_row, &c);
	for (size_t i = 0; i < d->n; i++)
		d->nvalid += d->valid[i];
}

void sk_custdata_free(struct sk_custdata *d)
{
	free(d->pat);
	free(d->pid);
	free(d->rfm);
	free(d->x);
	free(d->w);
	free(d->valid);
	free(d->mbar);
	memset(d, 0, sizeof *d);
}

/* The order of patterns: x, t_x, T, then the covariate vector. */
static int cmp_rfm(const struct sk_rfm *a, const struct sk_rfm *b)
{
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	return (a->cov > b->cov) - (a->cov < b->cov);
}

static const struct sk_rfm *sort_rfm;

static int cmp_rows(const void *pa, const void *pb)
{
	return cmp_rfm(&sort_rfm[*(const uint32_t *)pa], &sort_rfm[*(const uint32_t *)pb]);
}

/* Group the valid rows by (x, t_x, T).  Each coordinate is replaced by
 * its rank among the distinct values of its column (a few hundred in
 * daily data), the three ranks make one integer key in the same order as
 * (x, t_x, T), and a stable radix sort of the keys groups the rows: 20x
 * faster than qsort on a million rows.  The key sits above the row's
 * index in one 64-bit word, 8 bytes a row where a key and an index apart
 * took 16, twice over in the sort (issue 21: 32 MB at clv's peak on a
 * million customers, now 16).  The rows in order into idx, 1 into
 * first[j] where idx[j] starts a pattern (the keys tell, where comparing
 * the rows' values again cost 3 % of churn's time), the number of
 * distinct keys into *npat; ranks too many for the bits the index leaves
 * (never in practice) return (size_t)-1. */
static size_t group_by_rank(struct sk_custdata *d, uint32_t *idx, uint8_t *first, size_t *npat)
{
	size_t n = d->n, m = 0;
	unsigned ib = 0;	/* bits of a row index */
	while (((uint64_t)1 << ib) < n)
		ib++;
	uint64_t mask = ((uint64_t)1 << ib) - 1, lim = UINT64_MAX >> ib, span = 1;
	uint32_t *r = sk_xmalloc((n ? n : 1) * sizeof *r);
	uint64_t *a = sk_xmalloc((d->nvalid ? d->nvalid : 1) * sizeof *a);
	for (size_t i = 0; i < n; i++)
		if (d->valid[i])
			a[m++] = i;
	const double *col[3] = { &d->rfm[0].x, &d->rfm[0].t_x, &d->rfm[0].T };
	/* With covariates the index of the row's covariate vector is the
	 * last key (covar.h): patterns are (x, t_x, T, cov). */
	int ncol = d->ncov > 1 ? 4 : 3;
	for (int c = 0; c < ncol; c++) {
		size_t nu = d->ncov;
		if (c < 3) {
			double *u = sk_distinct_new(col[c], n, sizeof *d->rfm, r, &nu);
			if (!u)
				sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu customers", n);
			free(u);
		}
		if (nu && span > lim / nu) {
			m = (size_t)-1;
			goto done;
		}
		span *= nu ? nu : 1;
		for (size_t j = 0; j < m; j++) {
			uint64_t i = a[j] & mask;
			uint64_t key = (a[j] >> ib) * nu + (c < 3 ? r[i] : d->rfm[i].cov);
			a[j] = key << ib | i;
		}
	}
	free(r);
	r = NULL;
	if (sk_u64_sort(a, m, ib, span - 1) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu customers", n);
	*npat = 0;
	for (size_t j = 0; j < m; j++) {
		first[j] = !j || a[j] >> ib != a[j - 1] >> ib;
		*npat += first[j];
		idx[j] = (uint32_t)(a[j] & mask);
	}
done:
	free(r);
	free(a);
	return m;
}

const struct sk_rfm *sk_custdata_patterns(struct sk_custdata *d, size_t *npat)
{
	if (!d->pid && d->folded)
		sk_die(SK_EX_SOFTWARE, "the patterns of %zu customers were asked for after "
		       "they were dropped, and their rows are gone (sk_custdata_fold)", d->n);
	if (!d->pid) {
		uint32_t *idx = sk_xmalloc((d->nvalid ? d->nvalid : 1) * sizeof *idx);
		uint8_t *first = sk_xmalloc(d->nvalid ? d->nvalid : 1);
		size_t k, m = group_by_rank(d, idx, first, &k);
		sort_rfm = d->rfm;
		if (m == (size_t)-1) {
			m = k = 0;
			for (size_t i = 0; i < d->n; i++)
				if (d->valid[i])
					idx[m++] = (uint32_t)i;
			qsort(idx, m, sizeof *idx, cmp_rows);
			for (size_t j = 0; j < m; j++) {
				first[j] = !j || cmp_rows(&idx[j - 1], &idx[j]) != 0;
				k += first[j];
			}
		}
		/* Allocated to size: an array for every row cut down
		 * afterwards was mapped apart from the heap, the heap's free
		 * blocks unused, 27 MB of clv's peak (issue 21). */
		d->pat = sk_xmalloc((k ? k : 1) * sizeof *d->pat);
		d->pid = sk_xcalloc(d->n ? d->n : 1, sizeof *d->pid);
		k = 0;
		for (size_t j = 0; j < m; j++) {
			const struct sk_rfm *r = &d->rfm[idx[j]];
			if (!first[j])
				sk_rfm_merge(&d->pat[k - 1], r);
			else
				d->pat[k++] = *r;
			d->pid[idx[j]] = (uint32_t)(k - 1);
		}
		d->npat = k;
		free(first);
		free(idx);
	}
	*npat = d->npat;
	return d->pat;
}

void sk_custdata_fold(struct sk_custdata *d)
{
	if (d->folded)
		return;
	size_t npat;
	sk_custdata_patterns(d, &npat);
	/* What clv still reads of a row: its frequency (the Gamma-Gamma
	 * spend; a whole number up to 1e9, sk_custdata_read) and its
	 * weight.  Kept per row, the frequency is read in row order instead
	 * of from a pattern here and there, which cost clv 10 % more time. */
	d->x = sk_xcalloc(d->n ? d->n : 1, sizeof *d->x);
	if (d->col_w >= 0)
		d->w = sk_xcalloc(d->n ? d->n : 1, sizeof *d->w);
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		d->x[i] = (uint32_t)d->rfm[i].x;
		if (d->w)
			d->w[i] = d->rfm[i].w;
	}
	free(d->rfm);
	d->rfm = NULL;
	d->folded = 1;
}

void sk_custdata_drop_patterns(struct sk_custdata *d)
{
	free(d->pat);
	free(d->pid);
	d->pat = NULL;
	d->pid = NULL;
	d->npat = 0;
}

/* The groups numbered in key order, from a table with a cell for every
 * key below ncell: ~10^4 distinct (x, T) in daily data, so the table
 * is small where a sort of the patterns' keys took two arrays of 16
 * bytes a pattern (18 MB of clv's peak on a million customers, issue
 * 21).  key[k] is pattern k's cell, replaced by its group. */
static struct sk_rfm *group_cells(const struct sk_rfm *pat, size_t np, uint32_t *key,
				  uint64_t ncell, size_t *ngroup)
{
	uint32_t *cell = sk_xcalloc(ncell ? ncell : 1, sizeof *cell);
	for (size_t k = 0; k < np; k++)
		cell[key[k]] = (uint32_t)k + 1;	/* a pattern of the cell, + 1 */
	size_t m = 0;
	for (uint64_t c = 0; c < ncell; c++)
		m += cell[c] != 0;
	struct sk_rfm *g = sk_xmalloc((m ? m : 1) * sizeof *g);
	m = 0;
	for (uint64_t c = 0; c < ncell; c++)
		if (cell[c]) {
			const struct sk_rfm *p = &pat[cell[c] - 1];
			g[m] = (struct sk_rfm){ .x = p->x, .t_x = 0, .T = p->T, .w = 0,
						.cov = p->cov };
			cell[c] = (uint32_t)m++;
		}
	for (size_t k = 0; k < np; k++)
		key[k] = cell[key[k]];
	free(cell);
	*ngroup = m;
	return g;
}

/* The same by a radix sort of the keys, when a table of every key would
 * be far larger than the patterns (covariates with thousands of
 * distinct vectors). */
static struct sk_rfm *group_sorted(const struct sk_rfm *pat, size_t np, const uint32_t *rx,
				   uint32_t *rT, uint64_t nT, uint64_t ncov, size_t *ngroup)
{
	struct sk_kv *kv = sk_xmalloc((np ? np : 1) * sizeof *kv);
	uint64_t maxkey = 0;
	for (size_t k = 0; k < np; k++) {
		kv[k] = (struct sk_kv){ ((uint64_t)rx[k] * nT + rT[k]) * ncov + pat[k].cov,
					(uint32_t)k };
		maxkey = kv[k].key > maxkey ? kv[k].key : maxkey;
	}
	if (sk_kv_sort(kv, np, maxkey) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu patterns", np);
	size_t m = 0;
	for (size_t j = 0; j < np; j++)
		m += !j || kv[j].key != kv[j - 1].key;
	struct sk_rfm *g = sk_xmalloc((m ? m : 1) * sizeof *g);
	m = 0;
	for (size_t j = 0; j < np; j++) {
		const struct sk_rfm *p = &pat[kv[j].idx];
		if (!m || kv[j].key != kv[j - 1].key)
			g[m++] = (struct sk_rfm){ .x = p->x, .t_x = 0, .T = p->T, .w = 0,
						  .cov = p->cov };
		rT[kv[j].idx] = (uint32_t)(m - 1);
	}
	free(kv);
	*ngroup = m;
	return g;
}

uint32_t *sk_rfm_group_xT(const struct sk_rfm *pat, size_t np, size_t *ngroup,
			  struct sk_rfm **group)
{
	/* The key of a pattern is the rank of its x, of its T and, with
	 * covariates (covar.h), its covariate vector: a group is (x, T,
	 * cov), whose customers share their parameters too. */
	uint32_t *rx = sk_xmalloc((np ? np : 1) * sizeof *rx);
	uint32_t *gid = sk_xmalloc((np ? np : 1) * sizeof *gid);
	size_t nx, nT;
	double *ux = sk_distinct_new(&pat[0].x, np, sizeof *pat, rx, &nx);
	double *uT = ux ? sk_distinct_new(&pat[0].T, np, sizeof *pat, gid, &nT) : NULL;
	if (!uT)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu patterns", np);
	free(ux);
	free(uT);
	uint64_t ncov = 1;
	for (size_t k = 0; k < np; k++)
		ncov = pat[k].cov >= ncov ? (uint64_t)pat[k].cov + 1 : ncov;
	if ((uint64_t)nx * nT > UINT64_MAX / ncov)
		sk_die(SK_EX_SOFTWARE, "too many patterns to group (%zu)", np);
	uint64_t ncell = (uint64_t)nx * nT * ncov;
	struct sk_rfm *g;
	if (ncell <= np + (uint64_t)65536 && ncell <= UINT32_MAX) {
		for (size_t k = 0; k < np; k++)
			gid[k] = (uint32_t)(((uint64_t)rx[k] * nT + gid[k]) * ncov + pat[k].cov);
		free(rx);
		g = group_cells(pat, np, gid, ncell, ngroup);
	} else {
		g = group_sorted(pat, np, rx, gid, nT, ncov, ngroup);
		free(rx);
	}
	*group = g;
	return gid;
}

double *sk_custdata_per_row(const struct sk_custdata *d, double *v)
{
	double *r = sk_xcalloc(d->n ? d->n : 1, sizeof *r);
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i])
			r[i] = v[d->pid[i]];
	free(v);
	return r;
}
