/* fit.h: maximum-likelihood fitting shared by every model.
 *
 * A model supplies its negative log-likelihood as a function of
 * theta = log(parameters) (so every parameter stays positive without
 * constraints) together with the gradient with respect to theta.
 * sk_fit_run minimises it with GSL's BFGS (vector_bfgs2), checks
 * convergence, and computes standard errors of the natural-scale
 * parameters from the observed information (the Hessian of -LL in the
 * natural parameters, by central differences of the analytic gradient).
 */
#ifndef SK_FIT_H
#define SK_FIT_H

#include <stddef.h>

/* 4 parameters of a transaction model and up to 18 covariate
 * coefficients (covar.h: 6 purchase, and 6 dropout columns with a
 * coefficient for each of the BG/NBD's a and b); every loop runs to npar,
 * not to this. */
#define SK_FIT_MAXPAR 22

struct sk_fit {
	int npar;
	double par[SK_FIT_MAXPAR];	/* natural-scale estimates */
	double se[SK_FIT_MAXPAR];	/* standard errors; NAN-free: 0 when not available */
	/* Covariance of the natural-scale estimates (the inverse observed
	 * information), row-major with stride SK_FIT_MAXPAR; valid when
	 * cov_ok (never for a model read from a file, which keeps only se). */
	double cov[SK_FIT_MAXPAR * SK_FIT_MAXPAR];
	int cov_ok;
	double loglik;			/* log-likelihood at the estimate */
	double nobs;			/* number of observations (sum of weights) */
	int iterations;
	int converged;			/* 1 when the gradient test passed */
	int se_ok;			/* 1 when the Hessian was positive definite */
	/* The L2 penalty on the log-parameters the fit used (--penalty;
	 * sk_tmodel_fit_with); 0 = plain maximum likelihood.  loglik is the
	 * unpenalised log-likelihood at the estimate either way. */
	double penalty;
	/* The last nfixed parameters were chosen, not estimated (BG/CNBD-k's
	 * k): no standard error, left out of the delta method. */
	int nfixed;
	/* The last ncoef parameters (before any fixed ones) are covariate
	 * coefficients (covar.h): any sign, and the scale on which they are
	 * estimated and perturbed is their own value, not its logarithm. */
	int ncoef;
};

/* Negative log-likelihood at theta = log(par).  When grad != NULL, store
 * d(-LL)/d(theta_i) there.  Return +HUGE_VAL (never NaN) where the
 * likelihood cannot be evaluated, so the line search backs off. */
typedef double (*sk_fit_fn)(const double *theta, double *grad, void *ctx);

/* Minimise f from start (natural-scale, all > 0).  On success fill out and
 * return 0.  On failure return -1 with a one-line reason (lowercase, no
 * trailing period, with advice) in err. */
int sk_fit_run(int npar, sk_fit_fn f, void *ctx, const double *start,
	       double nobs, struct sk_fit *out, char *err, size_t errlen);

/* The same without the standard errors (for callers that refine the
 * estimate first), and the standard errors at out->par on their own. */
int sk_fit_run_nose(int npar, sk_fit_fn f, void *ctx, const double *start,
		    double nobs, struct sk_fit *out, char *err, size_t errlen);
void sk_fit_stderr(int npar, sk_fit_fn f, void *ctx, struct sk_fit *out);

/* GSL's error handler off (on 1) and back (on 0) around GSL calls whose
 * status the caller checks.  The handler is one for the process, and
 * fits run side by side (the learned layer's tasks, its refit at the cut
 * beside the predictions): it stays off while any thread is between its
 * 1 and its 0, and the handler of before comes back with the last 0. */
void sk_gsl_quiet(int on);

/* Check an analytic gradient against central differences at theta;
 * return the largest relative error (used by the unit tests). */
double sk_fit_gradcheck(int npar, sk_fit_fn f, void *ctx, const double *theta);

#endif
