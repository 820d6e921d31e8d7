/* interval.h: prediction intervals for p_alive and expected purchases
 * from the uncertainty of the fitted parameters (the delta method on the
 * logit and log scales; interval.c says why not a bootstrap nor draws). */
#ifndef SK_INTERVAL_H
#define SK_INTERVAL_H

#include <stddef.h>

#include "score.h"

/* The delta method's working set for one fit: the estimate and the
 * estimate with log p_j (a covariate coefficient, fit->ncoef: g_j
 * itself) moved by SK_DELTA_STEP (par[0], par[1 + j]), the covariance of
 * the log-parameters (and coefficients) and the normal quantile of the
 * level.
 * sk_delta_init returns -1 when the fit has no positive definite
 * covariance. */
#define SK_DELTA_STEP 1e-5
struct sk_delta {
	int npar;
	double par[SK_FIT_MAXPAR + 1][SK_FIT_MAXPAR];
	double cov[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	double z;
};
int sk_delta_init(const struct sk_fit *fit, double level, struct sk_delta *s);
/* The same for --intervals: exits 64 for a fit without covariance (read
 * from a model file), 65 when it is not positive definite. */
void sk_delta_init_or_die(const struct sk_fit *fit, double level, const char *title,
			  struct sk_delta *s);
/* The standard error of g(log par) from g0 = g at the estimate and
 * gj[j] = g at par[1 + j] (forward differences); 0 where g0 is not
 * finite. */
double sk_delta_se(const struct sk_delta *s, double g0, const double *gj);

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

/* For callers with gradients of their own (covar.c): a prediction v on
 * its interval scale (logit when prob, else log; -inf for 0), and the
 * interval g0 -+ z se mapped back, se from gj as sk_delta_se. */
double sk_delta_scale(double v, int prob);
void sk_delta_bounds(const struct sk_delta *s, double g0, const double *gj, int prob,
		     double *lo, double *hi);

#endif
