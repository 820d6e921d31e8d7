/* median.h: the median of each customer's purchases over the horizon,
 * the point forecast for absolute error (churn --median).
 *
 * expected_purchases is a mean: the forecast that squared error and the
 * Poisson deviance reward.  Absolute error rewards the median instead
 * (Gneiting 2011, "Making and evaluating point forecasts", JASA 106(494),
 * sec. 3), and where most customers stay away the two part: a customer
 * with P(no purchase) 0.7 and a mean of 0.5 has a median of 0. */
#ifndef SK_MEDIAN_H
#define SK_MEDIAN_H

#include "score.h"

/* median[i] for every valid row i of d: the smallest k with
 * P(X <= k) >= 1/2 under P(X = 0) = 1 - p_return[i] and, given X > 0,
 * the model tm's conditional pmf over t (sk_cond_pmf) truncated at 0.
 * With p_return the model's own this is the model's median; with the
 * learned layer's (backtest.h), the layer decides whether the median is
 * 0 and the model how many purchases a return makes.  Invalid rows are
 * left alone.  The work is per pattern (sk_custdata_patterns; made and
 * dropped here when d has none yet), with covariates (d->cov) each
 * pattern's own parameters (sk_cov_rowpar).  expected NULL: given
 * X > 0 the model's pmf; else expected[i] / p_return[i] is the mean of
 * X | X > 0 (the learned layer's, when it corrects it: sk_pred.hurdle)
 * and the model's pmf is tilted to it (median.c). */
void sk_predict_median(const struct sk_tmodel *tm, const double *par,
		       struct sk_custdata *d, double t, const double *p_return,
		       const double *expected, double *median);
/* The same from f made one value at a time by the model's own pmf
 * (sk_cond_pmf for the CNBD models), as sk_predict_median made it before
 * cnbdpmf.c's recurrences and pnbdpmf.c's shared rule: the reference
 * they are checked against (tests/unit/test_median.c,
 * tests/unit/test_pnbdpmf.c). */
void sk_predict_median_reference(const struct sk_tmodel *tm, const double *par,
				 struct sk_custdata *d, double t, const double *p_return,
				 const double *expected, double *median);

#endif
