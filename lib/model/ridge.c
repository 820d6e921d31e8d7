/* ridge.c: is a fit on a ridge towards a limit of its model (ridge.h)?
 *
 * With d_i = ln L_lim,i - ln L_i the gain of customer i from her limit
 * at the fit's parameters (the pair's ratio kept), the fit is on the
 * ridge when sum w_i d_i >= -tol: a fit with the spread the pair
 * describes is better than the point mass by a margin that grows with
 * the customers (3,000 simulated with Beta(0.8, 2.5) or Beta(3, 9) spread:
 * 25 to 630 units of ln L, tests/unit/test_ridge.c), while one on the
 * ridge is below its limit (ln L rises towards it) or within rounding
 * of it.  The same test serves the Gamma pairs (ratelim.c gives their
 * limits; 3,000 simulated customers with Gamma(0.8) or Gamma(3) spread
 * in the purchase rate: 538 to 17,700 units above the limit, in the
 * Pareto/NBD's dropout rate 172 and 25, tests/unit/test_ratelim.c).
 * First
 * written for the BG/NBD with dropout covariates (covfit.c's ridge_ab,
 * bgfh's), moved here so that every model with a Beta pair shares it. */
#include "ridge.h"
#include "covar.h"

#include <math.h>

int sk_fit_together(const struct sk_fit *f, int i, int j)
{
	if (!f->cov_ok)
		return 0;
	const double *c = f->cov;
	double v = c[i * SK_FIT_MAXPAR + i] * c[j * SK_FIT_MAXPAR + j];
	return v > 0 && fabs(c[i * SK_FIT_MAXPAR + j]) / sqrt(v) > 0.995;
}

int sk_ridge_loose(const struct sk_fit *f, int i, int j)
{
	return !f->se_ok || f->se[i] > 10 * f->par[i] || f->se[j] > 10 * f->par[j] ||
	       sk_fit_together(f, i, j);
}

double sk_tridge_ratio(const struct sk_tridge *rg, const double *par)
{
	return rg->gamma ? par[rg->i] / par[rg->j] : par[rg->i] / (par[rg->i] + par[rg->j]);
}

double sk_ridge_tol(double loglik)
{
	return 1e-3 + 1e-8 * fabs(loglik);
}

double sk_ridge_gain(const struct sk_tmodel *tm, const struct sk_tridge *rg, const double *par,
		     const struct sk_covdata *cov, const struct sk_rfm *rows,
		     const unsigned char *valid, size_t n, double *d, double *ll)
{
	double all = 0, sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (valid && !valid[i]) {
			if (d)
				d[i] = 0;
			continue;
		}
		const struct sk_rfm *r = &rows[i];
		double ip[4];
		const double *pp = sk_cov_rowpar(tm, par, cov, r, ip);
		double l = tm->loglik1(pp, r->x, r->t_x, r->T);
		double g = r->w * (rg->loglik1(pp, r->x, r->t_x, r->T) - l);
		if (d)
			d[i] = g;
		all += g;
		sum += r->w * l;
	}
	if (ll)
		*ll = sum;
	return all;
}

/* A pair this large is worth the test whatever its standard errors say.
 * Along the ridge ln L ~ ln L_lim - C/(i+j), so the gradient in
 * ln(i+j) is ~C/(i+j), and BFGS (fit.c) stops only once it is below
 * 1e-6 (1 + |ln L|) (1e-3 for its fallback); with C of the order of the
 * customers, as |ln L| is, that is i + j in the thousands or far
 * beyond (a, b ~ 1e9 on seven customers, tests/cases/churn/
 * fit-unidentified, where a's and b's standard errors are 1.6 and 1.3
 * times the estimates and their correlation 0.91: the standard errors
 * alone missed it).  Fits with spread have i + j of a few (CDNOW: 3.2,
 * FHL 2005 Table 1), so the pass over the customers is made only for
 * the fits that need it (it costs 0.1 s CPU of churn's 0.63 s on the
 * 1M-customer bench records, BG/NBD). */
#define RIDGE_FAR 100

unsigned sk_tmodel_ridges(const struct sk_tmodel *tm, const struct sk_fit *f,
			  const struct sk_covdata *cov, const struct sk_rfm *rows,
			  const unsigned char *valid, size_t n)
{
	unsigned on = 0;
	if (f->penalty > 0)
		return 0;
	for (int k = 0; k < SK_TRIDGE_MAX && tm->ridge[k].loglik1; k++) {
		const struct sk_tridge *rg = &tm->ridge[k];
		/* A Gamma pair's rate is in the user's time unit (alpha = r/lambda
		 * is 7 times larger in days than in weeks), so only its shape
		 * says how far out the pair is: r > 100 is a coefficient of
		 * variation of lambda under 10 %, where fits with spread have r
		 * of a few tenths to a few (CDNOW: 0.243, FHL 2005 Table 1). */
		double far = rg->gamma ? f->par[rg->i] : f->par[rg->i] + f->par[rg->j];
		/* Nor is a Gamma pair called loose for want of standard errors
		 * alone: an information matrix singular in other parameters
		 * (the GGom/NBD at its b -> 0 boundary, b and beta) would send
		 * every fit with r > 1 through the model's likelihood pattern by
		 * pattern, a quadrature each for the GGom/NBD: 2 s of CPU on
		 * make bench's 1M customers, where r = 1.32 has a standard error
		 * of 0.003.  On its ridge the shape runs far (r 411 to 1e9 in
		 * the golden cases), past RIDGE_FAR. */
		int loose = rg->gamma && !f->se_ok ? 0 : sk_ridge_loose(f, rg->i, rg->j);
		if (!loose && !(far > RIDGE_FAR))
			continue;
		/* On the ridge both grow.  With one of them at most 1 the Beta
		 * density is unbounded at an edge: its mass piles up at p = 0
		 * (no dropout seen: a -> 0 or b -> inf alone) or at 1 (every
		 * customer gone at her first chance), another boundary, where
		 * the limit's ln L and the fit's agree whatever i + j is (the
		 * dropout is nil, or certain, either way): the test cannot tell
		 * it from the ridge, and the other findings (no dropout seen, a
		 * singular information matrix) say what is wrong.  Seen on eight
		 * small golden cases (p = 1e-17 .. 6e-9, and 1) and on Online
		 * Retail's backtest fit in make accuracy (a = 7e-4, b = 183,
		 * p = 3.9e-6, within 2.5e-4 of its limit).  A Gamma with shape
		 * at most 1 likewise has its mode at 0 (r -> 0 is the other
		 * boundary: most customers at a rate near 0); its rate may be
		 * below 1 on the ridge (alpha = r/lambda with lambda per year
		 * above 1), so only the shape is asked to be over 1. */
		if (!(f->par[rg->i] > 1 && (rg->gamma || f->par[rg->j] > 1)))
			continue;
		double ll, gain = sk_ridge_gain(tm, rg, f->par, cov, rows, valid, n, NULL, &ll);
		if (isfinite(gain) && gain >= -sk_ridge_tol(ll))
			on |= 1u << k;
	}
	return on;
}
