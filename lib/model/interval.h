/* interval.h: prediction intervals for p_alive and expected purchases
 * from the uncertainty of the fitted parameters (the delta method on the
 * logit and log scales; interval.c says why not a bootstrap nor draws). */
#ifndef SK_INTERVAL_H
#define SK_INTERVAL_H

#include <stddef.h>

#include "score.h"

/* Per pattern, the central level intervals of p_alive and of expected
 * transactions over horizon; -1 when fit has no positive definite
 * covariance. */
int sk_interval_patterns(const struct sk_tmodel *tm, const struct sk_fit *fit,
			 const struct sk_rfm *pat, size_t np, double horizon, double level,
			 double *pa_lo, double *pa_hi, double *ex_lo, double *ex_hi);

/* The same per row of d (unset for prospects); exits 64 for a fit
 * without covariance (read from a model file), 65 when it is not
 * positive definite. */
struct sk_pred_iv {
	double *pa_lo, *pa_hi, *ex_lo, *ex_hi;
};
void sk_predict_intervals(const struct sk_tmodel *tm, const struct sk_fit *fit,
			  struct sk_custdata *d, double horizon, double level,
			  struct sk_pred_iv *iv);
void sk_pred_iv_free(struct sk_pred_iv *iv);

#endif
