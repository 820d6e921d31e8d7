/* fit.c: BFGS on log-parameters with GSL multimin, standard errors from
 * the observed information matrix. */
#include "fit.h"
#include "modelint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

/* sk_gsl_quiet's count of threads that want the handler off, and the
 * handler from before the first of them. */
static int quiet_n;
static gsl_error_handler_t *quiet_old;

void sk_gsl_quiet(int on)
{
	#pragma omp critical(sk_gsl_handler)
	{
		if (on) {
			if (quiet_n++ == 0)
				quiet_old = gsl_set_error_handler_off();
		} else if (quiet_n > 0 && --quiet_n == 0) {
			gsl_set_error_handler(quiet_old);
		}
	}
}

struct wrap {
	sk_fit_fn f;
	void *ctx;
	int npar;
};

static double w_f(const gsl_vector *v, void *p)
{
	struct wrap *w = p;
	double th[SK_FIT_MAXPAR];
	for (int i = 0; i < w->npar; i++)
		th[i] = gsl_vector_get(v, i);
	double y = w->f(th, NULL, w->ctx);
	return isfinite(y) ? y : GSL_POSINF;
}

static void w_fdf(const gsl_vector *v, void *p, double *y, gsl_vector *g)
{
	struct wrap *w = p;
	double th[SK_FIT_MAXPAR], gr[SK_FIT_MAXPAR];
	for (int i = 0; i < w->npar; i++)
		th[i] = gsl_vector_get(v, i);
	double val = w->f(th, gr, w->ctx);
	if (!isfinite(val)) {
		val = GSL_POSINF;
		for (int i = 0; i < w->npar; i++)
			gr[i] = 0;
	}
	if (y)
		*y = val;
	if (g)
		for (int i = 0; i < w->npar; i++)
			gsl_vector_set(g, i, isfinite(gr[i]) ? gr[i] : 0);
}

static void w_df(const gsl_vector *v, void *p, gsl_vector *g)
{
	w_fdf(v, p, NULL, g);
}

/* Gradient of -LL in natural parameters: d/dp = (d/dtheta) / p. */
static void grad_natural(struct wrap *w, const double *par, double *g)
{
	double th[SK_FIT_MAXPAR];
	for (int i = 0; i < w->npar; i++)
		th[i] = log(par[i]);
	w->f(th, g, w->ctx);
	for (int i = 0; i < w->npar; i++)
		g[i] /= par[i];
}

/* Standard errors: invert the Hessian of -LL (natural scale), built from
 * central differences of the analytic gradient and symmetrised. */
static int std_errors(struct wrap *w, const double *par, double *se, double *cov)
{
	int n = w->npar, ok = 1;
	gsl_matrix *H = gsl_matrix_alloc(n, n);
	double p[SK_FIT_MAXPAR], gp[SK_FIT_MAXPAR], gm[SK_FIT_MAXPAR];
	for (int j = 0; j < n; j++) {
		double h = 1e-5 * par[j];
		memcpy(p, par, sizeof p);
		p[j] = par[j] + h;
		grad_natural(w, p, gp);
		p[j] = par[j] - h;
		grad_natural(w, p, gm);
		for (int i = 0; i < n; i++)
			gsl_matrix_set(H, i, j, (gp[i] - gm[i]) / (2 * h));
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++) {
			double s = 0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i));
			gsl_matrix_set(H, i, j, s);
			gsl_matrix_set(H, j, i, s);
		}
	sk_gsl_quiet(1);
	if (gsl_linalg_cholesky_decomp1(H) != GSL_SUCCESS ||
	    gsl_linalg_cholesky_invert(H) != GSL_SUCCESS)
		ok = 0;
	sk_gsl_quiet(0);
	for (int i = 0; i < n; i++) {
		double v = ok ? gsl_matrix_get(H, i, i) : 0;
		se[i] = (ok && isfinite(v) && v > 0) ? sqrt(v) : 0;
		if (!(ok && isfinite(v) && v > 0))
			ok = 0;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			cov[i * SK_FIT_MAXPAR + j] = ok ? gsl_matrix_get(H, i, j) : 0;
	gsl_matrix_free(H);
	return ok;
}

static int run_once(struct wrap *w, const double *th0, double *th, double *fval,
		    int *iters, int *conv)
{
	int n = w->npar;
	gsl_multimin_function_fdf fn = { w_f, w_df, w_fdf, (size_t)n, w };
	gsl_vector *x = gsl_vector_alloc(n);
	for (int i = 0; i < n; i++)
		gsl_vector_set(x, i, th0[i]);
	gsl_multimin_fdfminimizer *s =
		gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, n);
	gsl_multimin_fdfminimizer_set(s, &fn, x, 0.1, 0.1);
	int status = GSL_CONTINUE, it = 0;
	*conv = 0;
	while (it < 2000) {
		it++;
		status = gsl_multimin_fdfminimizer_iterate(s);
		/* Scale-aware gradient test: |g| small relative to 1 + |f|. */
		double gn = gsl_blas_dnrm2(s->gradient);
		if (gn < 1e-6 * (1 + fabs(s->f))) {
			*conv = 1;
			break;
		}
		if (status)	/* no progress possible along the line */
			break;
	}
	for (int i = 0; i < n; i++)
		th[i] = gsl_vector_get(s->x, i);
	*fval = s->f;
	*iters = it;
	double gn = gsl_blas_dnrm2(s->gradient);
	if (!*conv && gn < 1e-3 * (1 + fabs(s->f)))
		*conv = 1;	/* stalled at machine precision next to the optimum */
	gsl_multimin_fdfminimizer_free(s);
	gsl_vector_free(x);
	return 0;
}

static int fit_run(int npar, sk_fit_fn f, void *ctx, const double *start,
		   double nobs, struct sk_fit *out, char *err, size_t errlen, int want_se)
{
	struct wrap w = { f, ctx, npar };
	double th0[SK_FIT_MAXPAR], th[SK_FIT_MAXPAR], fv;
	int iters = 0, conv = 0, total = 0;

	memset(out, 0, sizeof *out);
	if (npar < 1 || npar > SK_FIT_MAXPAR) {
		snprintf(err, errlen, "internal: %d parameters", npar);
		return -1;
	}
	for (int i = 0; i < npar; i++)
		th0[i] = log(start[i]);
	if (!isfinite(f(th0, NULL, ctx))) {
		snprintf(err, errlen, "log-likelihood is not finite at the starting values; "
			 "check the data for impossible values");
		return -1;
	}
	sk_gsl_quiet(1);
	/* BFGS restarts from its own end point: a restart rebuilds the inverse
	 * Hessian approximation, which rescues runs that stalled early. */
	for (int round = 0; round < 4; round++) {
		run_once(&w, th0, th, &fv, &iters, &conv);
		total += iters;
		double moved = 0;
		for (int i = 0; i < npar; i++) {
			moved = fmax(moved, fabs(th[i] - th0[i]));
			th0[i] = th[i];
		}
		if (conv && moved < 1e-8)
			break;
		if (conv && round >= 1)
			break;
	}
	sk_gsl_quiet(0);

	out->npar = npar;
	out->iterations = total;
	out->converged = conv;
	out->nobs = nobs;
	out->loglik = -fv;
	for (int i = 0; i < npar; i++) {
		out->par[i] = exp(th[i]);
		if (!isfinite(out->par[i]) || out->par[i] <= 0 || th[i] > 30 || th[i] < -30) {
			snprintf(err, errlen, "the fit ran off to an extreme parameter value "
				 "(parameter %d = %g): the data do not identify this model; "
				 "try another --model-type or more customers", i + 1, out->par[i]);
			return -1;
		}
	}
	if (!isfinite(out->loglik)) {
		snprintf(err, errlen, "log-likelihood is not finite at the estimate");
		return -1;
	}
	if (!conv) {
		snprintf(err, errlen, "the fit did not converge after %d iterations; "
			 "try another --model-type or check the data", total);
		return -1;
	}
	if (want_se)
		out->se_ok = out->cov_ok = std_errors(&w, out->par, out->se, out->cov);
	return 0;
}

int sk_fit_run(int npar, sk_fit_fn f, void *ctx, const double *start,
	       double nobs, struct sk_fit *out, char *err, size_t errlen)
{
	return fit_run(npar, f, ctx, start, nobs, out, err, errlen, 1);
}

int sk_fit_run_nose(int npar, sk_fit_fn f, void *ctx, const double *start,
		    double nobs, struct sk_fit *out, char *err, size_t errlen)
{
	return fit_run(npar, f, ctx, start, nobs, out, err, errlen, 0);
}

void sk_fit_stderr(int npar, sk_fit_fn f, void *ctx, struct sk_fit *out)
{
	struct wrap w = { f, ctx, npar };
	out->se_ok = out->cov_ok = std_errors(&w, out->par, out->se, out->cov);
}

double sk_fit_gradcheck(int npar, sk_fit_fn f, void *ctx, const double *theta)
{
	double g[SK_FIT_MAXPAR], th[SK_FIT_MAXPAR], worst = 0;
	f(theta, g, ctx);
	for (int i = 0; i < npar; i++) {
		double h = 1e-6 * fmax(1, fabs(theta[i]));
		memcpy(th, theta, sizeof(double) * npar);
		th[i] = theta[i] + h;
		double fp = f(th, NULL, ctx);
		th[i] = theta[i] - h;
		double fm = f(th, NULL, ctx);
		double num = (fp - fm) / (2 * h);
		double rel = fabs(num - g[i]) / fmax(1e-8, fmax(fabs(num), fabs(g[i])));
		if (fabs(num - g[i]) < 1e-6)
			rel = 0;
		if (rel > worst)
			worst = rel;
	}
	return worst;
}

int sk_fit_best(int npar, sk_fit_fn f, void *ctx, int nstart, const double *starts,
		double nobs, const char *label, struct sk_fit *out, char *err, size_t errlen)
{
	struct sk_fit best, fit;
	int have = 0;
	char e1[256] = "";
	for (int s = 0; s < nstart; s++) {
		char e[256];
		if (sk_fit_run(npar, f, ctx, starts + (size_t)s * npar, nobs, &fit, e,
			       sizeof e) != 0) {
			if (!e1[0])
				snprintf(e1, sizeof e1, "%s", e);
			continue;
		}
		if (!have || fit.loglik > best.loglik)
			best = fit;
		have = 1;
	}
	if (!have) {
		snprintf(err, errlen, "%s: %s", label, e1);
		return -1;
	}
	*out = best;
	return 0;
}

double sk_newton_step(int n, double inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR], const double *g,
		      double *d)
{
	double dmax = 0;
	for (int i = 0; i < n; i++) {
		d[i] = 0;
		for (int j = 0; j < n; j++)
			d[i] -= inv[i][j] * g[j];
		dmax = fmax(dmax, fabs(d[i]));
	}
	return dmax;
}

/* Newton's method with the exact Hessian (sk_fit_hfn) from out->par:
 * where the likelihood gives its Hessian analytically (covlik.c) each
 * step costs one evaluation and converges quadratically, and the standard
 * errors come from the same Hessian, where model.c's polish() spends n + 1
 * gradients per Hessian and 2n more for the standard errors.  A step
 * that does not lower -LL is halved (at most 30 times).  The iteration
 * ends where the Newton step d is below 1e-7 in every log parameter:
 * that last step is taken without another evaluation (quadratic
 * convergence leaves the estimate ~d^2 from the maximum, as polish()'s
 * 1e-9), -LL there is the quadratic model's f - g'H^-1 g / 2 (off by
 * ~d^3 times the third derivatives: ~1e-12 absolute on 10^6 customers),
 * and the standard errors are those of H at the point before (relative
 * change ~d).  1 when it converged; 0 (out untouched) when it did not
 * or the Hessian was not positive definite, for the caller to fall back
 * on BFGS. */
int sk_fit_newton(int n, sk_fit_hfn hf, void *ctx, struct sk_fit *out)
{
	double th[SK_FIT_MAXPAR], g[SK_FIT_MAXPAR], t2[SK_FIT_MAXPAR], gt[SK_FIT_MAXPAR];
	double H[SK_FIT_MAXPAR * SK_FIT_MAXPAR], Ht[SK_FIT_MAXPAR * SK_FIT_MAXPAR];
	double a[SK_FIT_MAXPAR][SK_FIT_MAXPAR], inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	for (int i = 0; i < n; i++)
		th[i] = log(out->par[i]);
	double fv = hf(th, g, H, ctx);
	if (!isfinite(fv))
		return 0;
	for (int it = 0;; it++) {
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				a[i][j] = H[i * SK_FIT_MAXPAR + j];
		if (sk_chol_inverse(n, a, inv) < 0)
			return 0;
		double d[SK_FIT_MAXPAR], dmax = sk_newton_step(n, inv, g, d);
		if (dmax < 1e-7) {
			for (int i = 0; i < n; i++) {
				fv += 0.5 * g[i] * d[i];	/* g'd = -g'H^-1 g */
				th[i] += d[i];
			}
			break;
		}
		if (it >= 50)
			return 0;
		/* at most 1 per step in a log parameter: a factor e */
		double step = dmax > 1 ? 1 / dmax : 1, ft = HUGE_VAL;
		for (int half = 0; half < 30; half++, step *= 0.5) {
			for (int i = 0; i < n; i++)
				t2[i] = th[i] + step * d[i];
			ft = hf(t2, gt, Ht, ctx);
			/* near the maximum -LL moves by ~1e-12 of itself: rounding */
			if (isfinite(ft) && ft <= fv + 1e-12 * fabs(fv))
				break;
		}
		if (!(isfinite(ft) && ft <= fv + 1e-12 * fabs(fv)))
			return 0;
		memcpy(th, t2, sizeof th);
		memcpy(g, gt, sizeof g);
		memcpy(H, Ht, sizeof H);
		fv = ft;
	}
	out->npar = n;
	out->loglik = -fv;
	out->converged = 1;
	for (int i = 0; i < n; i++)
		out->par[i] = exp(th[i]);
	int ok = 1;
	for (int i = 0; i < n; i++) {
		double v = inv[i][i];
		if (!(v > 0 && isfinite(v)))
			ok = 0;
		out->se[i] = v > 0 && isfinite(v) ? out->par[i] * sqrt(v) : 0;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			out->cov[i * SK_FIT_MAXPAR + j] = ok ? out->par[i] * out->par[j] * inv[i][j] : 0;
	out->se_ok = out->cov_ok = ok;
	return 1;
}

/* Newton's method with the exact Hessian where it is not yet negative
 * definite: the Levenberg-Marquardt damping H + mu I (Nocedal & Wright,
 * Numerical Optimization, 2006, sec. 4 and 10.3), mu raised until the
 * step is a descent the Cholesky factor accepts and -LL goes down,
 * lowered after every accepted step, 0 once H alone is positive
 * definite.  Used where sk_fit_newton stops at an indefinite Hessian:
 * the backtest cut of churn --covariates total_spend on the bench log
 * (10^5 customers), whose coarse estimate lies in a long curved valley
 * (smallest eigenvalue of H -0.5) that BFGS crossed in 317 iterations
 * (1,242 evaluations, 10 s of CPU).  It only brings the estimate to
 * where H is positive definite and the step small (DAMP_TOL); from
 * there sk_fit_newton converges as before, so the estimate and its
 * standard errors are Newton's.  1 when it got there, 0 otherwise (the
 * caller then runs BFGS).  Declared in modelint.h; used by covbin.c's
 * fit with covariates. */
#define DAMP_ITER 100
#define DAMP_TOL 1e-3
int sk_fit_newton_damped(int n, sk_fit_hfn hf, void *ctx, struct sk_fit *out)
{
	double th[SK_FIT_MAXPAR], g[SK_FIT_MAXPAR], t2[SK_FIT_MAXPAR], gt[SK_FIT_MAXPAR];
	double H[SK_FIT_MAXPAR * SK_FIT_MAXPAR], Ht[SK_FIT_MAXPAR * SK_FIT_MAXPAR];
	double a[SK_FIT_MAXPAR][SK_FIT_MAXPAR], inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	for (int i = 0; i < n; i++)
		th[i] = log(out->par[i]);
	double fv = hf(th, g, H, ctx), mu = 0;
	if (!isfinite(fv))
		return 0;
	for (int it = 0; it < DAMP_ITER; it++) {
		double hmax = 0;
		for (int i = 0; i < n; i++)
			hmax = fmax(hmax, fabs(H[i * SK_FIT_MAXPAR + i]));
		for (;;) {
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					a[i][j] = H[i * SK_FIT_MAXPAR + j] + (i == j ? mu : 0);
			if (sk_chol_inverse(n, a, inv) == 0)
				break;
			mu = mu > 0 ? mu * 10 : 1e-6 * (hmax > 0 ? hmax : 1);
			if (!isfinite(mu) || mu > 1e30)
				return 0;
		}
		double d[SK_FIT_MAXPAR], dmax = sk_newton_step(n, inv, g, d);
		if (dmax < DAMP_TOL) {
			if (mu == 0)
				break;
			mu = 0;	/* near: try H alone */
			continue;
		}
		/* at most 1 per step in a log parameter, as sk_fit_newton */
		double step = dmax > 1 ? 1 / dmax : 1;
		for (int i = 0; i < n; i++)
			t2[i] = th[i] + step * d[i];
		double ft = hf(t2, gt, Ht, ctx);
		/* near the minimum -LL moves by ~1e-12 of itself: rounding */
		if (isfinite(ft) && ft <= fv + 1e-12 * fabs(fv)) {
			memcpy(th, t2, sizeof th);
			memcpy(g, gt, sizeof g);
			memcpy(H, Ht, sizeof H);
			fv = ft;
			/* try less damping next; none once it is small */
			mu = mu < 1e-6 * hmax ? 0 : mu / 10;
		} else {
			mu = mu > 0 ? mu * 10 : 1e-3 * (hmax > 0 ? hmax : 1);
			if (!isfinite(mu) || mu > 1e30)
				return 0;
		}
		if (it == DAMP_ITER - 1)
			return 0;
	}
	for (int i = 0; i < n; i++)
		out->par[i] = exp(th[i]);
	return 1;
}
