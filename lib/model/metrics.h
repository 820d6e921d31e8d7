/* metrics.h: how well scores and probabilities predict what happened.
 *
 * The measures of make accuracy (bench/accuracy.sh) and of any backtest
 * that chooses between predictions: AUC, expected calibration error,
 * Spearman's rank correlation and top-fraction lift.  Ties are handled
 * exactly (mid-ranks, or the expectation over a random order of the tied
 * rows), so a result never depends on the order of the input. */
#ifndef SK_METRICS_H
#define SK_METRICS_H

#include <stddef.h>

/* Area under the ROC curve of score for the labels y (0 or nonzero): the
 * probability that a random positive scores above a random negative, a
 * tie counting one half (Mann-Whitney U / (n_pos n_neg); Hanley & McNeil
 * 1982, eq. 1).  NaN when either class is empty. */
double sk_metric_auc(const double *score, const int *y, size_t n);

/* Expected calibration error over nbins equal-width bins of p in [0, 1]:
 * sum over bins of (n_b / n) |mean p_b - mean y_b| (Naeini, Cooper &
 * Hauskrecht 2015, "Obtaining well calibrated probabilities using
 * Bayesian binning", AAAI, eq. 2 as used by Guo et al. 2017, eq. 3).
 * p = 1 falls in the last bin.  NaN when n is 0 or a p is outside [0, 1]. */
double sk_metric_ece(const double *p, const int *y, size_t n, int nbins);

/* Spearman's rank correlation: Pearson's correlation of the mid-ranks
 * (Spearman 1904; with ties, the mid-rank form of Kendall & Gibbons 1990,
 * sec. 3.8).  NaN when either column is constant or n < 2. */
double sk_metric_spearman(const double *a, const double *b, size_t n);

/* Rate of y among the top fraction frac of the rows by score divided by
 * the rate among all rows.  Rows tied with the cut count in proportion
 * (the expectation over a random order of the ties).  NaN when no row is
 * positive or n is 0. */
double sk_metric_top_lift(const double *score, const int *y, size_t n, double frac);

/* Mid-ranks (1-based; tied values share the mean of their ranks) of the
 * n values x into rank. */
void sk_metric_ranks(const double *x, size_t n, double *rank);

#endif
