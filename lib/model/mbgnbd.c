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
#include "ratelim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* ---- the likelihood ----
 *
 * The sums, terms and fit are BG/NBD's (bgnbd.c, shift 1); only the
 * likelihood of one pattern is this model's own. */

/* Likelihood of one customer (BDF 2007; equation numbers not checked
 * against the paper, rederived here from the model assumptions):
 *   L = Gamma(r+x) alpha^r / Gamma(r) [B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
 *        + B(a+1, b+x)/B(a, b) (alpha+t_x)^-(r+x)],
 * the second term (dropped out right after the last purchase) present for
 * every x; B(a+1, b+x)/B(a, b+x+1) = a/(b+x).  For x = 0 recency is 0. */
static double ll_pattern(const struct sk_bg_terms *p, const struct sk_bg_x *t, double t_x,
			 double T, double lT, double lt, double *g)
{
	double r = p->r, alpha = p->alpha, x = t->x, m = r + x;
	if (x == 0) {
		t_x = 0;
		lt = p->lalpha;
	}
	double u1 = -m * lT, u2 = p->la - t->lbx - m * lt;
	double lse = sk_logaddexp(u1, u2);
	double pi2 = exp(u2 - lse), pi1 = 1 - pi2;
	if (g) {
		g[0] = t->dr - pi1 * lT - pi2 * lt;
		g[1] = r / alpha - m * (pi1 / (alpha + T) + pi2 / (alpha + t_x));
		g[2] = t->da + pi2 / p->a;
		g[3] = t->db - pi2 / (p->b + x);
	}
	return t->c + lse;
}

/* Negative log-likelihood in theta = log(r, alpha, a, b). */
double sk_mbgnbd_nll(const double *theta, double *grad, void *ctx)
{
	return sk_bg_nll(theta, grad, ctx, 1, ll_pattern);
}

static double loglik1(const double *par, double x, double t_x, double T)
{
	return sk_bg_loglik1(par, x, t_x, T, 1, ll_pattern);
}

/* ln L at the limit a, b -> inf with a/(a+b) fixed (bgnbd.c derives it). */
static double ll_limit(const double *par, double x, double t_x, double T)
{
	return sk_bg_ll_limit(par, x, t_x, T, 1);
}

/* ln L at the limit r, alpha -> inf with r/alpha fixed (ratelim.c). */
static double ll_rlimit(const double *par, double x, double t_x, double T)
{
	return sk_bg_ll_rlimit(par, x, t_x, T, 1);
}

static int fit(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	       size_t errlen)
{
	return sk_bg_fit(1, pat, n, out, err, errlen);
}

/* ---- predictions ---- */

/* P(alive | x, t_x, T) by Bayes' theorem on the two likelihood terms
 * (as Fader, Hardie & Lee 2008 do for BG/NBD):
 *   1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), for every x. */
static double p_alive(const double *par, double x, double t_x, double T)
{
	return sk_bg_p_alive(par, x, t_x, T, 1);
}

/* E[Y(t) | x, t_x, T] (the MBG/NBD analogue of FHL 2005 eq. 10):
 *   (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
 *                  2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] * P(alive),
 * i.e. P(alive) times the alive-customer expectation with posterior
 * Beta(a, b+x+1) for p, evaluated stably by sk_bgnbd_alive_mean. */
static double expected(const double *par, double t, double x, double t_x, double T)
{
	return sk_bg_expected(par, t, x, t_x, T, 1);
}

/* The factor of expected() for a customer known to be alive. */
static double expected_alive(const double *par, double t, double x, double T)
{
	return sk_bg_expected_alive(par, t, x, T, 1);
}

/* E[X(t)] for a new customer: she survives time 0 with probability
 * E[1-p] = b/(a+b), after which p has posterior Beta(a, b+1):
 *   b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]
 * (the MBG/NBD analogue of FHL 2005 eq. 7). */
static double expected_new(const double *par, double t)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0))
		return 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	return b / (a + b) * sk_bgnbd_alive_mean(r, t / alpha, a, b + 1);
}

/* P(X(t) = k), from the model definition (as FHL 2005 eq. 8 for
 * BG/NBD; derivation at sk_bg_pmf). */
static double pmf(const double *par, double t, int k)
{
	return sk_bg_pmf(par, t, k, 1);
}

/* P(X(T, T+t] > 0 | alive at T, x, T).  As in BG/NBD, a customer leaves
 * only at a purchase (Batislam, Denizel & Filiztekin 2007, assumption
 * iii, which adds time zero), so with no purchase in (T, T+t] she cannot
 * have left in it: 1 - ((alpha+T)/(alpha+T+t))^(r+x), lambda given alive
 * being Gamma(r+x, alpha+T).  BTYDplus mbgnbd.pmf.General at x* = 0
 * gives the same 1 - p_alive x this, so this table takes BG/NBD's
 * sk_bg_return_alive. */
const struct sk_tmodel sk_mbgnbd = {
	.name = "mbgnbd", .title = "MBG/NBD", .npar = 4,
	.parname = { "r", "alpha", "a", "b" }, .fit = fit, .loglik1 = loglik1,
	.p_alive = p_alive, .expected = expected, .expected_alive = expected_alive,
	.expected_new = expected_new, .pmf = pmf, .return_alive = sk_bg_return_alive,
	.ridge = { { 2, 3, ll_limit, "the dropout probability", 0 },
		   { 0, 1, ll_rlimit, "the purchase rate", 1 } },
};

