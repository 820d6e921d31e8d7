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

#endif
