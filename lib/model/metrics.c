/* metrics.c: rank correlation, lift. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "record/util.h"

struct kv {
	double v;
	size_t i;
};

static int cmp_kv(const void *pa, const void *pb)
{
	const struct kv *a = pa, *b = pb;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* The rows sorted by value, ascending (ties by row, so deterministic). */
static struct kv *sorted(const double *x, size_t n)
{
	struct kv *s = sk_xmalloc((n ? n : 1) * sizeof *s);
	for (size_t i = 0; i < n; i++)
		s[i] = (struct kv){ x[i], i };
	qsort(s, n, sizeof *s, cmp_kv);
	return s;
}

void sk_metric_ranks(const double *x, size_t n, double *rank)
{
	struct kv *s = sorted(x, n);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && s[b].v == s[a].v; b++)
			;
		/* Ranks a+1 .. b share their mean. */
		double mid = 0.5 * ((double)a + 1 + (double)b);
		for (size_t k = a; k < b; k++)
			rank[s[k].i] = mid;
	}
	free(s);
}

double sk_metric_spearman(const double *a, const double *b, size_t n)
{
	if (n < 2)
		return NAN;
	double *ra = sk_xmalloc(2 * n * sizeof *ra), *rb = ra + n;
	sk_metric_ranks(a, n, ra);
	sk_metric_ranks(b, n, rb);
	/* Both rank vectors have mean (n + 1) / 2. */
	double m = 0.5 * ((double)n + 1), sab = 0, saa = 0, sbb = 0;
	for (size_t i = 0; i < n; i++) {
		double da = ra[i] - m, db = rb[i] - m;
		sab += da * db;
		saa += da * da;
		sbb += db * db;
	}
	free(ra);
	if (saa == 0 || sbb == 0)
		return NAN;
	return sab / sqrt(saa * sbb);
}

double sk_metric_top_lift(const double *score, const double *y, size_t n, double frac)
{
	if (n == 0 || !(frac > 0 && frac <= 1))
		return NAN;
	struct kv *s = sorted(score, n);
	double pos = 0;
	for (size_t i = 0; i < n; i++)
		pos += y[i] > 0;
	if (pos == 0) {
		free(s);
		return NAN;
	}
	/* Walk the groups of equal score from the highest down, taking
	 * whole groups while they fit and a share of the one at the cut. */
	double want = frac * (double)n, taken = 0, top_pos = 0;
	for (size_t hi = n; hi > 0 && taken < want;) {
		size_t lo = hi - 1;
		while (lo > 0 && s[lo - 1].v == s[hi - 1].v)
			lo--;
		double g = (double)(hi - lo), gpos = 0;
		for (size_t k = lo; k < hi; k++)
			gpos += y[s[k].i] > 0;
		double share = taken + g <= want ? 1 : (want - taken) / g;
		taken += share * g;
		top_pos += share * gpos;
		hi = lo;
	}
	free(s);
	return (top_pos / want) / (pos / (double)n);
}

/* Wilks (1938); on the boundary, Self & Liang (1987) case 5: one
 * parameter on the edge of its space gives 1/2 chi2(df-1) + 1/2 chi2(df),
 * chi2(0) being a point mass at 0. */
void sk_lrtest(double ll_full, double ll_restricted, int df, int boundary,
	       struct sk_lrtest *out)
{
	double stat = 2 * (ll_full - ll_restricted);
	out->stat = stat;
	out->df = df;
	if (!isfinite(stat) || df < 1 || stat < -1e-9 * fabs(ll_full)) {
		out->p = NAN;
		return;
	}
	if (stat < 0)
		stat = 0;	/* rounding of two equal fits */
	double q = gsl_cdf_chisq_Q(stat, df);
	if (boundary) {
		double q0 = df > 1 ? gsl_cdf_chisq_Q(stat, df - 1) : (stat > 0 ? 0 : 1);
		q = 0.5 * q0 + 0.5 * q;
	}
	out->p = q;
}
