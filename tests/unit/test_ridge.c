/* test_ridge.c: the Beta-pair ridge test (lib/model/ridge.c) on the
 * models with one: BG/NBD, MBG/NBD, BG/CNBD-k, MBG/CNBD-k (a, b) and
 * BG/BB (alpha, beta and gamma, delta); the Gamma pairs' in
 * test_ratelim.c.
 *
 * 1. Each limit likelihood (the model tables' ridge) is the limit of the
 *    model's own ln L: at a = p K, b = (1-p) K with K = 1e9 the two
 *    agree to 1e-6, and at K = 1 they differ.  The limits are derived
 *    from the papers (bgnbd.c, cnbd.c, bgbb.c); loglik1 evaluates the
 *    Beta functions, so this checks the derivation, not a copy.
 * 2. On data simulated with no spread (every customer the same dropout
 *    probability; BG/BB: the same transaction or dropout probability)
 *    the fit runs off along the ridge and the diagnosis names the pair.
 *    With no spread in truth the maximum is on the boundary for about
 *    half the samples (Self & Liang 1987: a variance component at 0);
 *    the seeds are ones where it is, and the test says so when the fit
 *    ends elsewhere.
 * 3. On data with spread (a = 0.8, b = 2.5; and a = 3, b = 9, where
 *    both are over 1 and only the likelihood decides) the diagnosis is
 *    silent, and so is the likelihood test itself with the gate forced
 *    open (the fit's ln L well above its limit's), so the silence is
 *    not only the gate's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/model.h"
#include "model/ridge.h"
#include "model/score.h"
#include "tap.h"

/* One customer of the BG/NBD family: Poisson events at rate lam, every
 * k-th a purchase (Erlang-k gaps, PR 2016; k = 1: FHL 2005 sec. 2);
 * after each purchase she drops out with probability q (shift: also at
 * the first, BDF 2007).  Observed for T; litt the sum of the logs of the
 * gaps. */
static struct sk_rfm sim_bg(double lam, double q, int k, int shift, double T, gsl_rng *rng)
{
	double t = 0, tx = 0, x = 0, litt = 0;
	if (shift && gsl_rng_uniform(rng) < q)
		return (struct sk_rfm){ .T = T, .w = 1 };
	for (;;) {
		double gap = gsl_ran_gamma(rng, k, 1 / lam);
		t += gap;
		if (t > T)
			break;
		x++;
		tx = t;
		litt += log(gap);
		if (gsl_rng_uniform(rng) < q)
			break;
	}
	return (struct sk_rfm){ .x = x, .t_x = tx, .T = T, .w = 1, .litt = litt };
}

/* One BG/BB customer (FHS 2010 sec. 2): at each of n opportunities she
 * dies first with probability th, else buys with probability p. */
static struct sk_rfm sim_bgbb(double p, double th, int n, gsl_rng *rng)
{
	double x = 0, tx = 0;
	for (int i = 1; i <= n; i++) {
		if (gsl_rng_uniform(rng) < th)
			break;
		if (gsl_rng_uniform(rng) < p) {
			x++;
			tx = i;
		}
	}
	return (struct sk_rfm){ .x = x, .t_x = tx, .T = n, .w = 1 };
}

#define NCUST 3000

/* Customers of tm: dropout (BG/BB: the pair `pair`) from Beta(a, b), or
 * the same q = a/(a+b) for everyone when spread is 0. */
static size_t simulate(const struct sk_tmodel *tm, int pair, int spread, double a, double b,
		       unsigned long seed, struct sk_rfm *pat)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	int shift = tm == &sk_mbgnbd || tm == &sk_mbgcnbd;
	int k = tm == &sk_bgcnbd || tm == &sk_mbgcnbd ? 3 : 1;
	for (size_t i = 0; i < NCUST; i++) {
		double q = spread ? gsl_ran_beta(rng, a, b) : a / (a + b);
		if (tm == &sk_bgbb) {
			/* the other pair keeps its spread: Beta(0.8, 2.5) too */
			double o = gsl_ran_beta(rng, 0.8, 2.5);
			pat[i] = pair == 0 ? sim_bgbb(q, o, 10, rng) : sim_bgbb(o, q, 10, rng);
			continue;
		}
		double lam = gsl_ran_gamma(rng, 2, 1 / 10.0) * k;
		double T = 30 + floor(40 * gsl_rng_uniform(rng));
		pat[i] = sim_bg(lam, q, k, shift, T, rng);
	}
	gsl_rng_free(rng);
	return sk_rfm_compress(pat, NCUST);
}

static void limit_agrees(const struct sk_tmodel *tm)
{
	/* customers with and without repeat purchases, BG/BB's within n */
	static const double cust[3][3] = { { 0, 0, 30 }, { 3, 12.5, 40 }, { 7, 8, 9 } };
	for (int k = 0; k < SK_TRIDGE_MAX && tm->ridge[k].loglik1; k++) {
		const struct sk_tridge *rg = &tm->ridge[k];
		if (rg->gamma)
			continue;	/* the Gamma pairs: test_ratelim.c */
		/* |ln L - ln L_lim| at i + j = 1e4 and 1e7, ratio 0.3: the
		 * difference is O(1/(i+j)), so 1000 times smaller at 1e7
		 * (rounding in the large lgammas allowed for: 1e-8) */
		double worst = 0, conv = 0, near = 0;
		for (int c = 0; c < 3; c++) {
			const double *u = cust[c];
			double d[3];
			const double K[3] = { 1, 1e4, 1e7 };
			for (int q = 0; q < 3; q++) {
				double par[5] = { 0.7, 4, 0.9, 1.6, 3 };
				if (tm == &sk_bgbb)
					par[0] = 1.2, par[1] = 0.8;
				par[rg->i] = 0.3 * K[q];
				par[rg->j] = 0.7 * K[q];
				d[q] = fabs(rg->loglik1(par, u[0], u[1], u[2]) -
					    tm->loglik1(par, u[0], u[1], u[2]));
			}
			near = fmax(near, d[0]);
			worst = fmax(worst, d[2]);
			conv = fmax(conv, d[2] - (d[1] / 500 + 1e-8));
		}
		check(worst < 1e-5 && conv <= 0 && near > 1e-2,
		      "%s: ln L tends to the limit's as %s, %s -> inf with %s/(%s+%s) = 0.3 "
		      "(%s the same for all): %.2g apart at %s + %s = 1e7, O(1/(%s+%s)) "
		      "(%.2g over it), %.3g apart at 1", tm->title, tm->parname[rg->i],
		      tm->parname[rg->j], tm->parname[rg->i], tm->parname[rg->i], tm->parname[rg->j],
		      rg->what, worst, tm->parname[rg->i], tm->parname[rg->j], tm->parname[rg->i],
		      tm->parname[rg->j], conv, near);
	}
}

/* The fit of tm on data with no spread in the pair names it; seed chosen
 * where the maximum is on the boundary (see the top). */
static void no_spread(const struct sk_tmodel *tm, int pair, unsigned long seed)
{
	struct sk_rfm *pat = malloc(NCUST * sizeof *pat);
	size_t n = simulate(tm, pair, 0, 0.8, 2.5, seed, pat);
	struct sk_fit f;
	char err[400];
	int rc = sk_tmodel_fit_with(tm, 0, pat, n, &f, err, sizeof err);
	const struct sk_tridge *rg = &tm->ridge[pair];
	const char *pi = tm->parname[rg->i], *pj = tm->parname[rg->j];
	struct sk_fitdiag g;
	sk_tmodel_diagnose(tm, &f, pat, NULL, n, &g);
	char want[64];
	snprintf(want, sizeof want, "not identified: %s and %s run off", pi, pj);
	int named = 0;
	for (int k = 0; k < g.n; k++)
		named |= strstr(g.what[k], want) != NULL;
	check(rc == 0 && g.ridge && named,
	      "%s, %s the same for everyone: the diagnosis names %s and %s (fit at %s = %.3g, "
	      "%s = %.3g, ratio %.4f, truth 0.2424)", tm->title, rg->what, pi, pj, pi,
	      f.par[rg->i], pj, f.par[rg->j], f.par[rg->i] / (f.par[rg->i] + f.par[rg->j]));
	free(pat);
}

/* On data with spread Beta(a, b) in the pair nothing is said, and the
 * likelihood test would say nothing either with the gate open: with a,
 * b > 1 (the test looks only there, ridge.c) the fit's standard error
 * is set loose, so that sk_tmodel_ridges' decision is the gains'. */
static void with_spread(const struct sk_tmodel *tm, int pair, unsigned long seed, double a,
			double b)
{
	struct sk_rfm *pat = malloc(NCUST * sizeof *pat);
	size_t n = simulate(tm, pair, 1, a, b, seed, pat);
	struct sk_fit f;
	char err[400];
	int rc = sk_tmodel_fit_with(tm, 0, pat, n, &f, err, sizeof err);
	const struct sk_tridge *rg = &tm->ridge[pair];
	struct sk_fitdiag g;
	sk_tmodel_diagnose(tm, &f, pat, NULL, n, &g);
	double ll, gain = sk_ridge_gain(tm, rg, f.par, NULL, pat, NULL, n, NULL, &ll);
	struct sk_fit loose = f;
	loose.se[rg->i] = 20 * loose.par[rg->i];
	check(rc == 0 && !g.ridge && gain < -sk_ridge_tol(ll) &&
	      !(sk_tmodel_ridges(tm, &loose, NULL, pat, NULL, n) >> pair & 1),
	      "%s, %s ~ Beta(%g, %g): no ridge said (fit %s = %.3g, %s = %.3g; ln L %.2f "
	      "above the limit's, %d findings)", tm->title, rg->what, a, b, tm->parname[rg->i],
	      f.par[rg->i], tm->parname[rg->j], f.par[rg->j], -gain, g.n);
	free(pat);
}

int main(void)
{
	const struct sk_tmodel *fam[] = { &sk_bgnbd, &sk_mbgnbd, &sk_bgcnbd, &sk_mbgcnbd };
	/* seeds where the maximum is on the boundary (see the top) */
	const unsigned long seed[] = { 5, 1, 2, 1 };
	for (int m = 0; m < 4; m++) {
		limit_agrees(fam[m]);
		no_spread(fam[m], 0, seed[m]);
		with_spread(fam[m], 0, 7, 0.8, 2.5);
		with_spread(fam[m], 0, 7, 3, 9);
	}
	limit_agrees(&sk_bgbb);
	for (int pair = 0; pair < 2; pair++) {
		no_spread(&sk_bgbb, pair, pair ? 1 : 3);
		with_spread(&sk_bgbb, pair, 7, 0.8, 2.5);
		with_spread(&sk_bgbb, pair, 7, 3, 9);
	}
	printf("# %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
