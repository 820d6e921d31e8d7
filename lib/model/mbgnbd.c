/* mbgnbd.c: the MBG/NBD model (Batislam, Denizel & Filiztekin 2007,
 * "Empirical validation and comparison of models for customer base
 * analysis", International Journal of Research in Marketing 24(3)
 * 201-209; below "BDF 2007").
 *
 * As BG/NBD (bgnbd.c), except that a customer may also drop out right
 * after the first purchase, at time 0: drop-out opportunities are the
 * first purchase and each of the x repeat purchases.  So a customer with
 * no repeat purchase is not certainly alive, and the Beta posterior of the
 * drop-out probability p of an alive customer is Beta(a, b + x + 1)
 * instead of Beta(a, b + x).  This is the formulation of lifetimes'
 * ModifiedBetaGeoFitter; the formulas below are derived from the model
 * definition (equation numbers below refer to FHL 2005, whose BG/NBD
 * derivations these follow).
 *
 * Predictions never return NaN or infinity: invalid arguments give 0 and
 * recency is clamped to [0, T]. */
#include "modelint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

static double logaddexp(double u, double v)
{
	double hi = fmax(u, v), lo = fmin(u, v);
	if (hi == -HUGE_VAL)
		return -HUGE_VAL;
	return hi + log1p(exp(lo - hi));
}

static double logistic_neg(double d)
{
	if (d > 0) {
		double e = exp(-d);
		return e / (1 + e);
	}
	return 1 / (1 + exp(d));
}

static int good_par(const double *par, int n)
{
	for (int i = 0; i < n; i++)
		if (!(par[i] > 0) || !isfinite(par[i]))
			return 0;
	return 1;
}

/* ---- the likelihood ---- */

struct parterms {
	double r, alpha, a, b;
	double lalpha, la, lg_r, lg_b, lg_ab, ps_r, ps_b, ps_ab;
};

struct xterms {
	double x, c, lbx, dr, da, db;
};

static void set_parterms(struct parterms *p, const double *par, int grad)
{
	p->r = par[0];
	p->alpha = par[1];
	p->a = par[2];
	p->b = par[3];
	p->lalpha = log(p->alpha);
	p->la = log(p->a);
	p->lg_r = gsl_sf_lngamma(p->r);
	p->lg_b = gsl_sf_lngamma(p->b);
	p->lg_ab = gsl_sf_lngamma(p->a + p->b);
	if (grad) {
		p->ps_r = gsl_sf_psi(p->r);
		p->ps_b = gsl_sf_psi(p->b);
		p->ps_ab = gsl_sf_psi(p->a + p->b);
	}
}

static void set_xterms(struct xterms *t, const struct parterms *p, double x, int grad)
{
	double r = p->r, a = p->a, b = p->b;
	t->x = x;
	/* Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x+1) / B(a, b): the customer
	 * survived x + 1 drop-out opportunities. */
	t->c = gsl_sf_lngamma(r + x) - p->lg_r + r * p->lalpha +
	       gsl_sf_lngamma(b + x + 1) - gsl_sf_lngamma(a + b + x + 1) - p->lg_b + p->lg_ab;
	t->lbx = log(b + x);
	if (grad) {
		double ps_abx = gsl_sf_psi(a + b + x + 1);
		t->dr = gsl_sf_psi(r + x) - p->ps_r + p->lalpha;
		t->da = p->ps_ab - ps_abx;
		t->db = gsl_sf_psi(b + x + 1) - ps_abx - p->ps_b + p->ps_ab;
	}
}

/* Likelihood of one customer (BDF 2007; equation numbers not checked
 * against the paper, rederived here from the model assumptions):
 *   L = Gamma(r+x) alpha^r / Gamma(r) [B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
 *        + B(a+1, b+x)/B(a, b) (alpha+t_x)^-(r+x)],
 * the second term (dropped out right after the last purchase) present for
 * every x; B(a+1, b+x)/B(a, b+x+1) = a/(b+x).  For x = 0 recency is 0. */
static double ll_pattern(const struct parterms *p, const struct xterms *t, double t_x,
			 double T, double *g)
{
	double r = p->r, alpha = p->alpha, x = t->x, m = r + x;
	if (x == 0)
		t_x = 0;
	double lT = log(alpha + T), lt = log(alpha + t_x);
	double u1 = -m * lT, u2 = p->la - t->lbx - m * lt;
	double lse = logaddexp(u1, u2);
	double pi2 = exp(u2 - lse), pi1 = 1 - pi2;
	if (g) {
		g[0] = t->dr - pi1 * lT - pi2 * lt;
		g[1] = r / alpha - m * (pi1 / (alpha + T) + pi2 / (alpha + t_x));
		g[2] = t->da + pi2 / p->a;
		g[3] = t->db - pi2 / (p->b + x);
	}
	return t->c + lse;
}

static void sum_chunk(const struct parterms *p, const struct sk_rfm *pat, size_t lo,
		      size_t hi, int grad, double *acc)
{
	struct xterms t = { .x = -1 };
	double g[4];
	/* Local sums, stored once at the end: acc rows of neighbouring
	 * chunks share cache lines, and writing them per pattern from two
	 * threads made the loop slower than a single thread. */
	double sum[5] = { 0 };
	for (size_t k = lo; k < hi; k++) {
		if (pat[k].x != t.x)
			set_xterms(&t, p, pat[k].x, grad);
		double l = ll_pattern(p, &t, pat[k].t_x, pat[k].T, grad ? g : NULL);
		sum[0] += pat[k].w * l;
		if (grad)
			for (int i = 0; i < 4; i++)
				sum[1 + i] += pat[k].w * g[i];
	}
	memcpy(acc, sum, sizeof sum);
}

#define MAXCHUNK 64

/* Negative log-likelihood in theta = log(r, alpha, a, b); see
 * sk_bgnbd_nll for the chunking. */
double sk_mbgnbd_nll(const double *theta, double *grad, void *ctx)
{
	const struct sk_rfm_set *d = ctx;
	double par[4], acc[MAXCHUNK][5];
	for (int i = 0; i < 4; i++) {
		par[i] = exp(theta[i]);
		if (!(par[i] > 0) || !isfinite(par[i]))
			return HUGE_VAL;
	}
	struct parterms p;
	set_parterms(&p, par, grad != NULL);
	size_t n = d->n;
	long nch = n > 2000 ? (long)((n + 1023) / 1024) : 1;
	if (nch > MAXCHUNK)
		nch = MAXCHUNK;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (nch > 1)
#endif
	for (long c = 0; c < nch; c++) {
		size_t lo = n * (size_t)c / (size_t)nch, hi = n * (size_t)(c + 1) / (size_t)nch;
		sum_chunk(&p, d->pat, lo, hi, grad != NULL, acc[c]);
	}
	double tot[5] = { 0 };
	for (long c = 0; c < nch; c++)
		for (int i = 0; i < 5; i++)
			tot[i] += acc[c][i];
	if (!isfinite(tot[0]))
		return HUGE_VAL;
	if (grad)
		for (int i = 0; i < 4; i++)
			grad[i] = -tot[1 + i] * par[i];
	return -tot[0];
}

static double loglik1(const double *par, double x, double t_x, double T)
{
	if (!good_par(par, 4) || x < 0 || T < 0)
		return -HUGE_VAL;
	struct parterms p;
	struct xterms t;
	set_parterms(&p, par, 0);
	set_xterms(&t, &p, x, 0);
	return ll_pattern(&p, &t, fmin(fmax(t_x, 0), T), T, NULL);
}

static int fit(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	       size_t errlen)
{
	size_t m;
	double nobs;
	struct sk_rfm *owned;
	const struct sk_rfm *c = sk_rfm_compressed(pat, n, &m, &nobs, &owned, err, errlen);
	if (!c)
		return -1;
	struct sk_rfm_set d = { .pat = c, .n = m };
	double sx = 0, sT = 0;
	for (size_t i = 0; i < m; i++) {
		sx += c[i].w * c[i].x;
		sT += c[i].w * c[i].T;
	}
	/* Starts as for BG/NBD: mean rate r/alpha = x/T, neutral a = b = 1. */
	double scale = sT > 0 ? sT / sx : 1;
	double starts[3][4] = {
		{ 1, scale, 1, 1 },
		{ 0.5, 0.5 * scale, 0.5, 2 },
		{ 1, 1, 1, 1 },
	};
	int rc = sk_tmodel_fit_run(4, sk_mbgnbd_nll, &d, 3, &starts[0][0], nobs, out, err, errlen);
	free(owned);
	return rc;
}

/* ---- predictions ---- */

/* P(alive | x, t_x, T) by Bayes' theorem on the two likelihood terms
 * (as Fader, Hardie & Lee 2008 do for BG/NBD):
 *   1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), for every x. */
static double p_alive(const double *par, double x, double t_x, double T)
{
	if (!good_par(par, 4) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	double d = log(a) - log(b + x) + (r + x) * (log(alpha + T) - log(alpha + t_x));
	return logistic_neg(d);
}

/* E[Y(t) | x, t_x, T] (the MBG/NBD analogue of FHL 2005 eq. 10):
 *   (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
 *                  2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] * P(alive),
 * i.e. P(alive) times the alive-customer expectation with posterior
 * Beta(a, b+x+1) for p, evaluated stably by sk_bgnbd_alive_mean. */
static double expected(const double *par, double t, double x, double t_x, double T)
{
	if (!good_par(par, 4) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	return p_alive(par, x, t_x, T) * sk_bgnbd_alive_mean(r + x, t / (alpha + T), a, b + x + 1);
}

/* The factor of expected() for a customer known to be alive. */
static double expected_alive(const double *par, double t, double x, double T)
{
	if (!good_par(par, 4) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	return sk_bgnbd_alive_mean(par[0] + x, t / (par[1] + T), par[2], par[3] + x + 1);
}

/* E[X(t)] for a new customer: she survives time 0 with probability
 * E[1-p] = b/(a+b), after which p has posterior Beta(a, b+1):
 *   b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]
 * (the MBG/NBD analogue of FHL 2005 eq. 7). */
static double expected_new(const double *par, double t)
{
	if (!good_par(par, 4) || !(t > 0))
		return 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	return b / (a + b) * sk_bgnbd_alive_mean(r, t / alpha, a, b + 1);
}

/* P(X(t) = k), from the model definition (as FHL 2005 eq. 8 for BG/NBD):
 * given lambda and p,
 *   P = [k=0] p + (1-p)^(k+1) Poisson(k; lambda t)
 *       + [k>0] p (1-p)^k P(Poisson(lambda t) >= k);
 * mixing over p ~ Beta(a, b) and lambda ~ Gamma(r, alpha) gives
 *   [k=0] a/(a+b) + B(a, b+k+1)/B(a, b) NB(k) + [k>0] B(a+1, b+k)/B(a, b) P(NB >= k). */
static double pmf(const double *par, double t, int k)
{
	if (!good_par(par, 4) || k < 0 || !(t >= 0))
		return 0;
	if (t == 0)
		return k == 0 ? 1 : 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	double lq0 = log(alpha / (alpha + t)), lq1 = log(t / (alpha + t));
	double lbab = gsl_sf_lnbeta(a, b);
	double lnb = gsl_sf_lngamma(r + k) - gsl_sf_lngamma(r) - gsl_sf_lngamma(k + 1.0) +
		     r * lq0 + k * lq1;
	double p = exp(gsl_sf_lnbeta(a, b + k + 1) - lbab + lnb);
	if (k == 0)
		p += a / (a + b);
	else
		/* P(NB >= k) = I_(t/(alpha+t))(k, r), the incomplete beta */
		p += exp(gsl_sf_lnbeta(a + 1, b + k) - lbab) *
		     sk_beta_inc(k, r, t / (alpha + t), alpha / (alpha + t));
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

static double return_alive(const double *par, double t, double x, double T);

const struct sk_tmodel sk_mbgnbd = {
	.name = "mbgnbd",
	.title = "MBG/NBD",
	.npar = 4,
	.parname = { "r", "alpha", "a", "b" },
	.discrete = 0,
	.fit = fit,
	.loglik1 = loglik1,
	.p_alive = p_alive,
	.expected = expected,
	.expected_alive = expected_alive,
	.expected_new = expected_new,
	.pmf = pmf,
	.dert = NULL,
	.return_alive = return_alive,
};

/* P(X(T, T+t] > 0 | alive at T, x, T).  As in BG/NBD, a customer leaves
 * only at a purchase (Batislam, Denizel & Filiztekin 2007, assumption
 * iii, which adds time zero), so with no purchase in (T, T+t] she cannot
 * have left in it: 1 - ((alpha+T)/(alpha+T+t))^(r+x), lambda given alive
 * being Gamma(r+x, alpha+T).  BTYDplus mbgnbd.pmf.General at x* = 0
 * gives the same 1 - p_alive x this. */
static double return_alive(const double *par, double t, double x, double T)
{
	if (!good_par(par, 4) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	return -expm1(-(par[0] + x) * log1p(t / (par[1] + T)));
}
