/* metrics.h: how well scores and values predict what happened.
 *
 * The measures of make accuracy (bench/accuracy.sh) beside sk_auc and
 * sk_ece (learn.h): Spearman's rank correlation and top-fraction lift.
 * Ties are handled exactly (mid-ranks, or the expectation over a random
 * order of the tied rows), so a result never depends on the order of the
 * input. */
#ifndef SK_METRICS_H
#define SK_METRICS_H

#include <stddef.h>

/* Spearman's rank correlation: Pearson's correlation of the mid-ranks
 * (Spearman 1904; with ties, the mid-rank form of Kendall & Gibbons 1990,
 * sec. 3.8).  NaN when either column is constant or n < 2. */
double sk_metric_spearman(const double *a, const double *b, size_t n);

/* Rate of y > 0 among the top fraction frac of the rows by score divided by
 * the rate among all rows.  Rows tied with the cut count in proportion
 * (the expectation over a random order of the ties).  NaN when no row is
 * positive or n is 0. */
double sk_metric_top_lift(const double *score, const double *y, size_t n, double frac);

/* Mid-ranks (1-based; tied values share the mean of their ranks) of the
 * n values x into rank. */
void sk_metric_ranks(const double *x, size_t n, double *rank);

/* A likelihood-ratio test of a restricted model nested in a full one
 * (Wilks 1938): stat = 2 (ll_full - ll_restricted), chi-square with df
 * degrees of freedom under the restriction.  When the restriction puts one
 * parameter on the boundary of its space (k = 1 in BG/CNBD-k, b -> 0 in
 * GGom/NBD, a variance of 0), the null distribution is the 50:50 mixture
 * of chi-square(df - 1) and chi-square(df) instead (Self & Liang 1987,
 * JASA 82(398), case 5); boundary = 1 asks for that.  A negative stat
 * (the full fit worse than the restricted one: it did not converge) is
 * reported as is with p = NaN, so a caller can say so rather than print
 * p = 1. */
struct sk_lrtest {
	double stat;		/* 2 (ll_full - ll_restricted) */
	int df;
	double p;		/* P(chi-square >= stat) under the restriction */
};
void sk_lrtest(double ll_full, double ll_restricted, int df, int boundary,
	       struct sk_lrtest *out);

#endif
