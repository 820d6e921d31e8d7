/* gg.c: the Gamma-Gamma model of spend per transaction (Fader, Hardie &
 * Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base
 * Analysis", JMR 42(4); Hardie 2013, "The Gamma-Gamma Model of Monetary
 * Value").
 *
 * A customer's transaction values are gamma(p, nu); nu varies across
 * customers as gamma(q, gamma).  Only customers with x > 0 repeat
 * transactions carry information: their mean value mbar is what is
 * modelled, and it is assumed independent of x (sk_gg_correlation is the
 * usual check).
 */
#include "record/util.h"
#include "record/group.h"
#include "modelint.h"
#include "spend.h"
#include "ridge.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* Exported only for tests/unit/test_spend.c, which declares it itself:
 * the gradient check needs the static objective. */
double sk_gg_gradcheck(const struct sk_spend_obs *obs, size_t n, const double *par);

/* The terms of the log-likelihood that depend on u = ln(mbar x / g):
 * softplus(u) = ln(1 + e^u), softplus(-u), and the logistic weights
 * 1/(1 + e^-u), 1/(1 + e^u), from one exp and one log1p, without overflow
 * for any u. */
struct uterms {
	double spu, spm, lgu, lgm;
};

static struct uterms uterms(double u)
{
	double e = exp(-fabs(u)), l1 = log1p(e);
	struct uterms t;
	t.spu = fmax(u, 0) + l1;
	t.spm = fmax(-u, 0) + l1;
	t.lgu = u >= 0 ? 1 / (1 + e) : e / (1 + e);
	t.lgm = u >= 0 ? e / (1 + e) : 1 / (1 + e);
	return t;
}

/* Log-likelihood of one customer with x > 0, mbar > 0: the marginal
 * density of mbar, mbar | nu ~ gamma(px, nu x) mixed over
 * nu ~ gamma(q, g) (Hardie 2013, note 025, the likelihood function of
 * section 2; Fader, Hardie & Lee 2005, appendix):
 *
 *   f(mbar | p, q, g; x) = Gamma(px+q) / (Gamma(px) Gamma(q))
 *                          * g^q (mbar x)^(px-1) x / (g + mbar x)^(px+q)
 *
 * With u = ln(mbar x / g) the powers regroup as
 *   ln f = lnpoch(px, q) - lnGamma(q) - q softplus(u) - px softplus(-u) - ln mbar,
 * which stays finite for any positive mbar and x (no g + mbar x that
 * overflows, no ratio of huge powers).  The fit evaluates the same
 * expression in negll, with the x-only terms cached. */
static double obs_ll(const double *par, double x, double mbar)
{
	const double p = par[0], q = par[1], g = par[2], px = p * x;
	if (!(px > 0) || !isfinite(px + q))
		return -HUGE_VAL;	/* p x beyond double range: no density */
	struct uterms t = uterms(log(mbar) + log(x) - log(g));
	double ll = gsl_sf_lnpoch(px, q) - gsl_sf_lngamma(q) - q * t.spu - px * t.spm - log(mbar);
	return isnan(ll) ? -HUGE_VAL : ll;
}

/* The data as the fit sees them: only customers with w > 0 and x > 0,
 * spend divided by a scale c (see sk_gg_fit), logs taken once, and each
 * customer's x replaced by an index into the distinct values of x, since
 * the special functions of the likelihood depend on x alone (CDNOW: 946
 * customers, 30-odd distinct x). */
struct ggdata {
	size_t n, nx;
	double *w, *lm, *lmx;	/* weight, ln(mbar/c), ln(x mbar/c) */
	size_t *xk;		/* index into xs */
	double *xs;		/* distinct x, ascending */
	double *cache;		/* 3 nx scratch values per evaluation */
};

/* Rows that carry information about spend: positive weight, x > 0. */
static int used(const struct sk_spend_obs *o)
{
	return o->w > 0 && o->x > 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void data_free(struct ggdata *d)
{
	free(d->w);
	free(d->lm);
	free(d->lmx);
	free(d->xk);
	free(d->xs);
	free(d->cache);
	memset(d, 0, sizeof *d);
}

/* Build d from the used rows of obs (already validated); log_scale = ln c.
 * -1 when out of memory. */
static int data_new(struct ggdata *d, const struct sk_spend_obs *obs, size_t n, double log_scale)
{
	size_t m = 0;
	memset(d, 0, sizeof *d);
	for (size_t j = 0; j < n; j++)
		m += used(&obs[j]);
	size_t sz = m ? m : 1;
	d->w = sk_malloc(sz * sizeof *d->w);
	d->lm = sk_malloc(sz * sizeof *d->lm);
	d->lmx = sk_malloc(sz * sizeof *d->lmx);
	d->xk = sk_malloc(sz * sizeof *d->xk);
	d->xs = sk_malloc(sz * sizeof *d->xs);
	if (!d->w || !d->lm || !d->lmx || !d->xk || !d->xs) {
		data_free(d);
		return -1;
	}
	for (size_t j = 0; j < n; j++)
		if (used(&obs[j]))
			d->xs[d->n++] = obs[j].x;
	qsort(d->xs, d->n, sizeof *d->xs, cmp_double);
	for (size_t j = 0; j < d->n; j++)
		if (d->nx == 0 || d->xs[j] != d->xs[d->nx - 1])
			d->xs[d->nx++] = d->xs[j];
	/* The distinct x are few (hundreds): keep those, and the per-x
	 * scratch, at their size. */
	double *xs = sk_realloc(d->xs, (d->nx ? d->nx : 1) * sizeof *xs);
	if (xs)
		d->xs = xs;
	d->cache = sk_malloc(3 * (d->nx ? d->nx : 1) * sizeof *d->cache);
	if (!d->cache) {
		data_free(d);
		return -1;
	}
	m = 0;
	for (size_t j = 0; j < n; j++) {
		const struct sk_spend_obs *o = &obs[j];
		if (!used(o))
			continue;
		double lm = log(o->mbar) - log_scale;
		d->w[m] = o->w;
		d->lm[m] = lm;
		d->lmx[m] = lm + log(o->x);
		const double *hit = bsearch(&o->x, d->xs, d->nx, sizeof *d->xs, cmp_double);
		d->xk[m] = (size_t)(hit - d->xs);
		m++;
	}
	return 0;
}

/* A coarse copy of d for the first stage of the fit (model.c,
 * sk_tmodel_fit_coarse): customers with the same x and ln(mbar) within
 * 1 % merged into one weighted row at their weighted mean ln(mbar).  A
 * million customers have ~7e5 distinct (x, mbar) but only ~3e4 such
 * cells.  -1 when d is small or nothing would be gained. */
static int coarse_new(struct ggdata *c, const struct ggdata *d)
{
	const double h = 0.01;
	memset(c, 0, sizeof *c);
	if (d->n < 20000)
		return -1;
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	for (size_t j = 0; j < d->n; j++) {
		lo = fmin(lo, d->lm[j]);
		hi = fmax(hi, d->lm[j]);
	}
	double nb = floor((hi - lo) / h) + 1;
	if (!(nb * (double)d->nx < 1e15))
		return -1;
	struct sk_kv *kv = sk_malloc(d->n * sizeof *kv);
	if (!kv)
		return -1;
	for (size_t j = 0; j < d->n; j++)
		kv[j] = (struct sk_kv){ (uint64_t)d->xk[j] * (uint64_t)nb +
					(uint64_t)floor((d->lm[j] - lo) / h), (uint32_t)j };
	size_t m = 0;
	if (sk_kv_sort(kv, d->n, (uint64_t)(nb * (double)d->nx)) == 0)
		for (size_t j = 0; j < d->n; j++)
			m += !j || kv[j].key != kv[j - 1].key;
	if (m == 0 || m > d->n / 2) {
		free(kv);
		return -1;
	}
	c->w = sk_malloc(m * sizeof *c->w);
	c->lm = sk_malloc(m * sizeof *c->lm);
	c->lmx = sk_malloc(m * sizeof *c->lmx);
	c->xk = sk_malloc(m * sizeof *c->xk);
	c->xs = sk_malloc(d->nx * sizeof *c->xs);
	c->cache = sk_malloc(3 * d->nx * sizeof *c->cache);
	if (!c->w || !c->lm || !c->lmx || !c->xk || !c->xs || !c->cache) {
		free(kv);
		data_free(c);
		return -1;
	}
	memcpy(c->xs, d->xs, d->nx * sizeof *c->xs);
	c->nx = d->nx;
	size_t k = 0;
	for (size_t j = 0; j < d->n; j++) {
		size_t i = kv[j].idx;
		if (!j || kv[j].key != kv[j - 1].key) {
			c->w[k] = 0;
			c->lm[k] = 0;
			c->xk[k] = d->xk[i];
			k++;
		}
		c->w[k - 1] += d->w[i];
		c->lm[k - 1] += d->w[i] * d->lm[i];
	}
	for (size_t j = 0; j < k; j++) {
		c->lm[j] = c->w[j] > 0 ? c->lm[j] / c->w[j] : 0;
		c->lmx[j] = c->lm[j] + log(c->xs[c->xk[j]]);
	}
	c->n = k;
	free(kv);
	return 0;
}

/* Negative log-likelihood (sum of obs_ll over the customers) in
 * theta = log(p, q, gamma), for sk_fit_run.  The gradient follows from
 * d lnpoch(px, q)/dp = x [psi(px+q) - psi(px)], d/dq = psi(px+q) - psi(q),
 * d softplus(u)/d ln g = -logistic(u). */
static double negll(const double *theta, double *grad, void *vctx)
{
	const struct ggdata *d = vctx;
	for (int k = 0; k < 3; k++)
		/* sk_fit_run rejects |theta| > 30 anyway; this keeps GSL's
		 * special functions away from overflowed arguments. */
		if (!(fabs(theta[k]) <= 40))
			return HUGE_VAL;
	const double p = exp(theta[0]), q = exp(theta[1]), lg = theta[2];
	const double lgq = gsl_sf_lngamma(q), psq = grad ? gsl_sf_psi(q) : 0;
	double *lp = d->cache, *dpx = d->cache + d->nx, *dq = d->cache + 2 * d->nx;
	for (size_t k = 0; k < d->nx; k++) {
		double px = p * d->xs[k];
		lp[k] = gsl_sf_lnpoch(px, q) - lgq;
		if (grad) {
			double ppq = gsl_sf_psi(px + q);
			dpx[k] = ppq - gsl_sf_psi(px);
			dq[k] = ppq - psq;
		}
	}
	/* Fixed chunks summed in order: the total does not depend on the
	 * number of threads. */
	enum { NCH = 64 };
	double acc[NCH][4];
	long nch = d->n > 4096 ? NCH : 1;
	#pragma omp parallel for schedule(dynamic, 1) if (nch > 1)
	for (long c = 0; c < nch; c++) {
		size_t lo = d->n * (size_t)c / (size_t)nch, hi = d->n * (size_t)(c + 1) / (size_t)nch;
		double l = 0, g0 = 0, g1 = 0, g2 = 0;
		for (size_t j = lo; j < hi; j++) {
			size_t k = d->xk[j];
			double x = d->xs[k], px = p * x, w = d->w[j];
			struct uterms t = uterms(d->lmx[j] - lg);
			l += w * (lp[k] - q * t.spu - px * t.spm - d->lm[j]);
			if (grad) {
				g0 += w * px * (dpx[k] - t.spm);
				g1 += w * q * (dq[k] - t.spu);
				/* g d/dg of -q softplus(u) - px softplus(-u) */
				g2 += w * (q * t.lgu - px * t.lgm);
			}
		}
		acc[c][0] = l;
		acc[c][1] = g0;
		acc[c][2] = g1;
		acc[c][3] = g2;
	}
	double ll = 0, G0 = 0, G1 = 0, G2 = 0;
	for (long c = 0; c < nch; c++) {
		ll += acc[c][0];
		G0 += acc[c][1];
		G1 += acc[c][2];
		G2 += acc[c][3];
	}
	if (!isfinite(ll))
		return HUGE_VAL;
	if (grad) {
		grad[0] = -G0;
		grad[1] = -G1;
		grad[2] = -G2;
	}
	return -ll;
}

int sk_gg_fit(const struct sk_spend_obs *obs, size_t n, struct sk_fit *out,
	      char *err, size_t errlen)
{
	double wsum = 0, wlog = 0;
	size_t rows = 0;
	memset(out, 0, sizeof *out);
	for (size_t j = 0; j < n; j++) {
		const struct sk_spend_obs *o = &obs[j];
		if (!isfinite(o->w) || o->w < 0) {
			snprintf(err, errlen, "gamma-gamma: customer %zu: weight \"%g\" is not a "
				 "non-negative number; check the weight column", j + 1, o->w);
			return -1;
		}
		if (!isfinite(o->x) || o->x < 0) {
			snprintf(err, errlen, "gamma-gamma: customer %zu: frequency \"%g\" is not "
				 "a non-negative number; check the frequency column", j + 1, o->x);
			return -1;
		}
		if (!used(o))
			continue;	/* no repeat transaction: no spend to model */
		if (!isfinite(o->mbar) || o->mbar <= 0) {
			snprintf(err, errlen, "gamma-gamma: customer %zu: mean spend \"%g\" is not "
				 "positive; the model needs positive transaction values, so drop "
				 "refunds and zero-value orders (or these customers) first",
				 j + 1, o->mbar);
			return -1;
		}
		wsum += o->w;
		wlog += o->w * log(o->mbar);
		rows++;
	}
	if (rows < 3) {
		snprintf(err, errlen, "gamma-gamma: %zu customer%s with repeat transactions; "
			 "the model needs at least 3 (more in practice)", rows,
			 rows == 1 ? "" : "s");
		return -1;
	}

	/* gamma carries the currency unit: dividing every mbar by c divides
	 * gamma by c and shifts the log-likelihood by W ln c (W = the total
	 * weight), nothing else.  Fit in the unit c = the geometric mean of
	 * mbar, so that gamma is of order one whether spend is in cents or in
	 * billions (sk_fit_run refuses |ln gamma| > 30), then convert back. */
	double log_scale = wlog / wsum, scale = exp(log_scale);
	struct ggdata d;
	if (data_new(&d, obs, n, log_scale) != 0) {
		snprintf(err, errlen, "gamma-gamma: out of memory for %zu customers", rows);
		return -1;
	}
	double wm = 0;
	for (size_t j = 0; j < d.n; j++)
		wm += d.w[j] * exp(d.lm[j]);
	double mean = wm / wsum;

	/* Each start sets gamma so the implied population mean p gamma/(q-1)
	 * equals the sample mean; the next shape (p, q) is tried only when a
	 * start fails, and the standard errors are computed once, at the end. */
	static const double shapes[][2] = { { 1, 2 }, { 4, 4 }, { 10, 10 }, { 0.5, 1.5 } };
	enum { NS = sizeof shapes / sizeof shapes[0] };
	double starts[NS][3];
	int ns = 0;
	for (size_t s = 0; s < NS; s++) {
		double p = shapes[s][0], q = shapes[s][1], g = mean * (q - 1) / p;
		if (!isfinite(g) || g <= 0)
			continue;
		starts[ns][0] = p;
		starts[ns][1] = q;
		starts[ns][2] = g;
		ns++;
	}
	/* BFGS from the first start that converges, then Newton steps to the
	 * maximum and the standard errors there (model.c). */
	struct sk_fit best;
	char e1[256] = "";
	struct ggdata dc;
	int coarse = coarse_new(&dc, &d) == 0;
	int have = ns > 0 && sk_tmodel_fit_coarse(3, negll, &d, coarse ? &dc : NULL, ns,
						  &starts[0][0], wsum, &best, e1, sizeof e1) == 0;
	if (coarse)
		data_free(&dc);
	data_free(&d);
	if (!have) {
		snprintf(err, errlen, "gamma-gamma: %s", e1[0] ? e1 :
			 "no usable starting values; check the spend column");
		return -1;
	}
	best.par[2] *= scale;
	best.se[2] *= scale;
	for (int k = 0; k < 3; k++) {	/* Cov(., gamma) scales with gamma */
		best.cov[k * SK_FIT_MAXPAR + 2] *= scale;
		best.cov[2 * SK_FIT_MAXPAR + k] *= scale;
	}
	best.loglik -= wsum * log_scale;
	*out = best;
	return 0;
}

double sk_gg_gradcheck(const struct sk_spend_obs *obs, size_t n, const double *par)
{
	struct ggdata d;
	double th[3];
	if (data_new(&d, obs, n, 0) != 0)
		return HUGE_VAL;
	for (int k = 0; k < 3; k++)
		th[k] = log(par[k]);
	double e = sk_fit_gradcheck(3, negll, &d, th);
	data_free(&d);
	return e;
}

/* Log-likelihood of one customer (see obs_ll).  x = 0 carries no spend
 * information and contributes 0; a non-positive or non-finite mbar with
 * x > 0 has zero density: -HUGE_VAL; so do invalid parameters. */
double sk_gg_loglik1(const double *par, double x, double mbar)
{
	if (!sk_par_ok(par, 3, 1e300) || !(x >= 0) || !isfinite(x))
		return -HUGE_VAL;
	if (x == 0)
		return 0;
	if (!(mbar > 0) || !isfinite(mbar))
		return -HUGE_VAL;
	return obs_ll(par, x, mbar);
}

/* ---- the limit q, gamma -> inf (ridge.h) ----
 *
 * nu ~ Gamma(q, gamma) with q, gamma -> inf and gamma/(q-1) fixed is a
 * point mass at nu = (q-1)/gamma: every customer's transaction values
 * are Gamma(p, nu), the same mean spend p/nu for all.  The density of
 * mbar is then Hardie 2013's mbar | nu ~ Gamma(px, nu x) itself,
 *   ln f = px ln(nu x) + (px-1) ln mbar - nu x mbar - ln Gamma(px),
 * the limit of obs_ll's (Gamma(px+q)/Gamma(q) gamma^-px -> nu^px and
 * (1 + mbar x/gamma)^-(px+q) -> e^(-nu x mbar), each to O(1/q)). */
double sk_gg_ll_limit(const double *par, double x, double mbar)
{
	if (!sk_par_ok(par, 3, 1e300) || !(par[1] > 1) || !(x >= 0) || !isfinite(x))
		return -HUGE_VAL;
	if (x == 0)
		return 0;
	if (!(mbar > 0) || !isfinite(mbar))
		return -HUGE_VAL;
	double px = par[0] * x, nu = (par[1] - 1) / par[2];
	return px * log(nu * x) + (px - 1) * log(mbar) - nu * x * mbar - lgamma(px);
}

int sk_gg_ridge(const struct sk_fit *f, const struct sk_spend_obs *obs, size_t n)
{
	/* as ridge.c's sk_tmodel_ridges for a Gamma pair: worth the pass
	 * when the pair is loose or q is over 100 (a coefficient of
	 * variation of nu under 10 %), and only with q over 1 */
	double q = f->par[1];
	if (f->penalty > 0 || !(q > 1) || (!sk_ridge_loose(f, 1, 2) && !(q > 100)))
		return 0;
	double gain = 0, ll = 0;
	for (size_t i = 0; i < n; i++) {
		if (!used(&obs[i]))
			continue;
		double l = sk_gg_loglik1(f->par, obs[i].x, obs[i].mbar);
		gain += obs[i].w * (sk_gg_ll_limit(f->par, obs[i].x, obs[i].mbar) - l);
		ll += obs[i].w * l;
	}
	return isfinite(gain) && gain >= -sk_ridge_tol(ll);
}

void sk_gg_ridge_what(const struct sk_fit *f, char *what, size_t len)
{
	snprintf(what, len, "not identified: q and gamma run off to infinity together (ln L "
		 "no higher than at their limit): the customers' mean spend has no spread among "
		 "them, so q and gamma are not identified apart from gamma/(q-1) = %.4g (a mean "
		 "spend per transaction of p gamma/(q-1) = %.4g for everyone), and expected_spend "
		 "is that mean for every customer", f->par[2] / (f->par[1] - 1),
		 f->par[0] * f->par[2] / (f->par[1] - 1));
}

/* E[M | p, q, g, mbar, x] (Hardie 2013, eq. 5; Fader, Hardie & Lee 2005):
 *
 *   (q-1)/(px+q-1) * p g/(q-1) + px/(px+q-1) * mbar  =  p (g + mbar x)/(px+q-1),
 *
 * the posterior mean of p/nu with nu | data ~ gamma(px+q, g + mbar x).
 * The right-hand form is used: it stays finite at q <= 1, where the
 * population mean p g/(q-1) is infinite but the posterior mean is not as
 * long as px + q > 1.
 *
 * Clamps (the model's mean does not exist there, so a finite stand-in is
 * returned instead of inf):
 *  - px + q <= 1 (only possible when q < 1): p (g + mbar x)/(px+q), the
 *    value at the posterior mean of nu;
 *  - x = 0 (or mbar not positive, i.e. no usable spend): the population
 *    mean p g/(q-1) when q > 1, else p g/q, the value at the mean of nu;
 *  - invalid parameters, or inputs so extreme that the arithmetic gives
 *    NaN (p x = inf): 0; a result beyond DBL_MAX: DBL_MAX. */
double sk_gg_expected_spend(const double *par, double x, double mbar)
{
	if (!sk_par_ok(par, 3, 1e300))
		return 0;
	const double p = par[0], q = par[1], g = par[2];
	double v;
	if (x > 0 && isfinite(x) && mbar > 0 && isfinite(mbar)) {
		double px = p * x, den = px + q - 1;
		if (!(den > 0))
			den = px + q;
		/* p g/den + (px/den) mbar: never forms mbar x, which may overflow */
		v = p * g / den + (px / den) * mbar;
	} else {
		v = q > 1 ? p * g / (q - 1) : p * g / q;
	}
	if (isnan(v) || v < 0)
		return 0;
	return fmin(v, DBL_MAX);
}

/* Weighted Pearson correlation between x and mbar over the customers the
 * model uses (w > 0, x > 0, mbar finite); the Gamma-Gamma model assumes
 * spend is independent of frequency, so a value far from 0 is a warning.
 * Two passes (means first) for accuracy.  0 when undefined (fewer than two
 * customers or no variation). */
double sk_gg_correlation(const struct sk_spend_obs *obs, size_t n)
{
	double sw = 0, sx = 0, sm = 0;
	size_t rows = 0;
	for (size_t j = 0; j < n; j++) {
		const struct sk_spend_obs *o = &obs[j];
		if (!(o->w > 0) || !isfinite(o->w) || !(o->x > 0) || !isfinite(o->x) ||
		    !isfinite(o->mbar))
			continue;
		sw += o->w;
		sx += o->w * o->x;
		sm += o->w * o->mbar;
		rows++;
	}
	if (rows < 2 || !(sw > 0))
		return 0;
	double mx = sx / sw, mm = sm / sw, cxx = 0, cmm = 0, cxm = 0;
	for (size_t j = 0; j < n; j++) {
		const struct sk_spend_obs *o = &obs[j];
		if (!(o->w > 0) || !isfinite(o->w) || !(o->x > 0) || !isfinite(o->x) ||
		    !isfinite(o->mbar))
			continue;
		double dx = o->x - mx, dm = o->mbar - mm;
		cxx += o->w * dx * dx;
		cmm += o->w * dm * dm;
		cxm += o->w * dx * dm;
	}
	if (!(cxx > 0) || !(cmm > 0))
		return 0;
	double r = cxm / (sqrt(cxx) * sqrt(cmm));
	if (!isfinite(r))
		return 0;
	return fmin(fmax(r, -1), 1);
}
