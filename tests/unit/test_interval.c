/* test_interval.c: prediction intervals (lib/model/interval.c) cover the
 * true-parameter predictions as often as they claim.  Data sets are
 * simulated from BG/NBD's own story (Fader, Hardie & Lee 2005, "Counting
 * your customers the easy way", Marketing Science 24(2), section 2:
 * lambda ~ Gamma(r, alpha), p ~ Beta(a, b), Poisson purchases, dropout
 * with probability p after each repeat purchase) with parameters near
 * the CDNOW estimates; each is fitted, and the 90 % intervals of p_alive
 * and expected purchases of fixed histories are checked against the
 * values at the true parameters.  Prints "ok - ..." / "not ok - ..." and
 * exits 1 if any check failed. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/interval.h"
#include "model/model.h"
#include "model/spend.h"

#include "bgsim.h"
#include "tap.h"

/* n customers observed for T weeks (T uniform on 26..52, whole days),
 * times rounded to days as summarize writes them. */
static struct sk_rfm *simulate(const double *par, size_t n, gsl_rng *rng, size_t *np)
{
	struct sk_rfm *p = malloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		double lam = gsl_ran_gamma(rng, par[0], 1 / par[1]);
		double q = gsl_ran_beta(rng, par[2], par[3]);
		double T = floor(gsl_rng_uniform(rng) * 26 * 7 + 26 * 7) / 7;
		p[i] = bgsim_history(lam, q, T, rng);
	}
	*np = sk_rfm_compress(p, n);
	return p;
}

/* Gamma-Gamma (Fader, Hardie & Lee 2005, JMR 42(4); Hardie 2013): per
 * customer nu ~ Gamma(q, gamma) (rate), each of x transactions ~
 * Gamma(p, nu); the 90 % delta-method interval of E[M | x, mbar] at fixed
 * (x, mbar) against the value at the true parameters. */
static void spend_coverage(void)
{
	const double truth[3] = { 6, 4, 15 };
	const double xs[2] = { 1, 4 }, ms[2] = { 20, 40 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 2005);
	int cover = 0, tries = 0;
	enum { R = 100, N = 1500 };
	struct sk_spend_obs *obs = malloc(N * sizeof *obs);
	for (int rep = 0; rep < R; rep++) {
		for (int i = 0; i < N; i++) {
			double nu = gsl_ran_gamma(rng, truth[1], 1 / truth[2]);
			int x = 1 + (int)gsl_ran_poisson(rng, 2);
			double s = 0;
			for (int j = 0; j < x; j++)
				s += gsl_ran_gamma(rng, truth[0], 1 / nu);
			obs[i] = (struct sk_spend_obs){ x, s / x, 1 };
		}
		struct sk_fit fit;
		char err[256];
		struct sk_delta d;
		if (sk_gg_fit(obs, N, &fit, err, sizeof err) != 0 ||
		    sk_delta_init(&fit, 0.9, &d) != 0)
			continue;
		for (int h = 0; h < 2; h++) {
			double g[4];
			for (int k = 0; k <= 3; k++)
				g[k] = log(sk_gg_expected_spend(d.par[k], xs[h], ms[h]));
			double se = sk_delta_se(&d, g[0], g + 1);
			double t = log(sk_gg_expected_spend(truth, xs[h], ms[h]));
			tries++;
			cover += fabs(t - g[0]) <= d.z * se;
		}
	}
	free(obs);
	gsl_rng_free(rng);
	double c = tries ? (double)cover / tries : 0;
	check(tries >= 190 && c > 0.82 && c < 0.97, "90%% expected-spend intervals cover the "
	      "truth %.3f of %d times", c, tries);
}

/* BG/CNBD-k and MBG/CNBD-k (model.h, mix_alive): sk_interval_patterns
 * takes the mixture's components once per (x, T) group and parameter
 * value and weights them per pattern.  The bounds must be the very bytes
 * of the delta method on each pattern's own expected (cnbd.c sums the
 * same terms in the same order), here recomputed from the model's
 * p_alive and expected per pattern.  Patterns share (x, T) with
 * different t_x, so a weight taken from the wrong pattern or a component
 * from the wrong group shows; k = 6, with five parameter values. */
static void mixture_bounds(const struct sk_tmodel *tm)
{
	const double par[5] = { 0.8, 6.9, 0.8, 2.4, 6 };
	const double se[4] = { 0.01, 0.1, 0.02, 0.05 };
	struct sk_fit fit = { .npar = 5, .nfixed = 1, .cov_ok = 1 };
	memcpy(fit.par, par, sizeof par);
	for (int i = 0; i < 4; i++) {
		fit.se[i] = se[i];
		fit.cov[i * SK_FIT_MAXPAR + i] = se[i] * se[i];
	}
	/* a correlation, as fits have, so the off-diagonal terms count */
	fit.cov[0 * SK_FIT_MAXPAR + 1] = fit.cov[1 * SK_FIT_MAXPAR + 0] = 0.5 * se[0] * se[1];
	enum { NP = 9 };
	const struct sk_rfm pat[NP] = {
		{ .x = 3, .t_x = 100, .T = 300, .w = 1 }, { .x = 0, .t_x = 0, .T = 300, .w = 1 },
		{ .x = 3, .t_x = 290, .T = 300, .w = 1 }, { .x = 7, .t_x = 200, .T = 300, .w = 1 },
		{ .x = 3, .t_x = 10, .T = 300, .w = 1 },  { .x = 3, .t_x = 100, .T = 120, .w = 1 },
		{ .x = 7, .t_x = 299, .T = 300, .w = 1 }, { .x = 0, .t_x = 0, .T = 120, .w = 1 },
		{ .x = 20, .t_x = 250, .T = 300, .w = 1 },
	};
	const double horizon = 90;
	double got[4][NP];
	int rc = sk_interval_patterns(tm, &fit, pat, NP, horizon, 0.9, got[0], got[1], got[2],
				      got[3]);
	struct sk_delta d;
	sk_delta_init(&fit, 0.9, &d);
	int same = rc == 0, wide = 1;
	for (int i = 0; i < NP; i++) {
		double gpa[5], gex[5];
		for (int k = 0; k <= d.npar; k++) {
			double pa = tm->p_alive(d.par[k], pat[i].x, pat[i].t_x, pat[i].T);
			double ex = tm->expected(d.par[k], horizon, pat[i].x, pat[i].t_x, pat[i].T);
			gpa[k] = log(pa) - log1p(-pa);
			gex[k] = log(ex);
		}
		double sp = sk_delta_se(&d, gpa[0], gpa + 1), se_ = sk_delta_se(&d, gex[0], gex + 1);
		double glo = gpa[0] - d.z * sp, ghi = gpa[0] + d.z * sp;
		double want[4] = { glo >= 0 ? 1 / (1 + exp(-glo)) : exp(glo) / (1 + exp(glo)),
				   ghi >= 0 ? 1 / (1 + exp(-ghi)) : exp(ghi) / (1 + exp(ghi)),
				   exp(gex[0] - d.z * se_), exp(gex[0] + d.z * se_) };
		for (int c = 0; c < 4; c++)
			same &= memcmp(&got[c][i], &want[c], sizeof want[c]) == 0;
		wide &= got[2][i] < exp(gex[0]) && exp(gex[0]) < got[3][i];
	}
	check(same, "%s: the bounds from the per-(x, T) mixture are those of expected per "
	      "pattern, byte for byte", tm->title);
	check(wide, "%s: each expected-purchase interval holds its estimate", tm->title);
}

int main(void)
{
	spend_coverage();
	mixture_bounds(&sk_bgcnbd);
	mixture_bounds(&sk_mbgcnbd);
	const double truth[4] = { 0.25, 4.4, 0.8, 2.4 };
	/* Fixed histories to predict for: (x, t_x, T). */
	const struct sk_rfm hist[3] = { { .x = 0, .t_x = 0, .T = 40, .w = 1 },
					{ .x = 2, .t_x = 30, .T = 40, .w = 1 },
					{ .x = 5, .t_x = 12, .T = 40, .w = 1 } };
	const double horizon = 39, level = 0.9;
	double pa_true[3], ex_true[3];
	for (int h = 0; h < 3; h++) {
		pa_true[h] = sk_bgnbd.p_alive(truth, hist[h].x, hist[h].t_x, hist[h].T);
		ex_true[h] = sk_bgnbd.expected(truth, horizon, hist[h].x, hist[h].t_x, hist[h].T);
	}
	enum { R = 100, N = 2000 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 20261204);
	int cover_pa = 0, cover_ex = 0, n_pa = 0, n_ex = 0, fitted = 0;
	double width = 0;
	for (int rep = 0; rep < R; rep++) {
		size_t np;
		struct sk_rfm *pat = simulate(truth, N, rng, &np);
		struct sk_fit fit;
		char err[256];
		if (sk_bgnbd.fit(pat, np, &fit, err, sizeof err) != 0 || !fit.cov_ok) {
			free(pat);
			continue;
		}
		fitted++;
		double lo[3], hi[3], elo[3], ehi[3];
		if (sk_interval_patterns(&sk_bgnbd, &fit, hist, 3, horizon, level, lo, hi, elo,
					 ehi) != 0) {
			free(pat);
			continue;
		}
		for (int h = 0; h < 3; h++) {
			if (hist[h].x > 0) {	/* p_alive is 1 at x = 0 for every parameter */
				n_pa++;
				cover_pa += lo[h] <= pa_true[h] && pa_true[h] <= hi[h];
			}
			n_ex++;
			cover_ex += elo[h] <= ex_true[h] && ex_true[h] <= ehi[h];
		}
		width += ehi[1] - elo[1];
		free(pat);
	}
	gsl_rng_free(rng);
	check(fitted >= R - 2, "bgnbd fitted with a covariance on %d of %d simulated sets",
	      fitted, R);
	double cp = (double)cover_pa / n_pa, ce = (double)cover_ex / n_ex;
	/* R x histories draws of a 0.9 coverage: sd ~ 0.02-0.03. */
	check(cp > 0.82 && cp < 0.97, "90%% p_alive intervals cover the truth %.3f of %d times",
	      cp, n_pa);
	check(ce > 0.82 && ce < 0.97, "90%% expected-purchase intervals cover the truth %.3f "
	      "of %d times (mean width at x=2: %.3f)", ce, n_ex, width / (fitted ? fitted : 1));

	/* Reproducible, and a wider level gives a wider interval. */
	size_t np;
	gsl_rng *r2 = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r2, 7);
	struct sk_rfm *pat = simulate(truth, N, r2, &np);
	gsl_rng_free(r2);
	struct sk_fit fit;
	char err[256];
	int rc = sk_bgnbd.fit(pat, np, &fit, err, sizeof err);
	check(rc == 0 && fit.cov_ok, "bgnbd fit with covariance");
	double a[4], b[4], c[4];
	sk_interval_patterns(&sk_bgnbd, &fit, &hist[1], 1, horizon, 0.9, &a[0], &a[1], &a[2],
			     &a[3]);
	sk_interval_patterns(&sk_bgnbd, &fit, &hist[1], 1, horizon, 0.9, &b[0], &b[1], &b[2],
			     &b[3]);
	sk_interval_patterns(&sk_bgnbd, &fit, &hist[1], 1, horizon, 0.99, &c[0], &c[1], &c[2],
			     &c[3]);
	check(memcmp(a, b, sizeof a) == 0, "the same fit, the same interval");
	double pa = sk_bgnbd.p_alive(fit.par, 2, 30, 40);
	check(a[0] < pa && pa < a[1], "the interval [%.4f, %.4f] holds the estimate %.4f", a[0],
	      a[1], pa);
	check(c[0] < a[0] && c[1] > a[1] && c[2] < a[2] && c[3] > a[3],
	      "the 99%% interval is wider than the 90%%");
	struct sk_fit nocov = fit;
	nocov.cov_ok = 0;
	check(sk_interval_patterns(&sk_bgnbd, &nocov, &hist[1], 1, horizon, 0.9, &a[0], &a[1],
				   &a[2], &a[3]) == -1, "no covariance: refused");
	free(pat);
	printf("%d checks, %d failed\n", checks, failures);
	return failures != 0;
}
