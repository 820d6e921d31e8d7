/* test_covsep.c: the BG/NBD with covariates in Fader & Hardie's own form
 * (lib/model/covar.c, covlik.c; Fader & Hardie 2007, "Incorporating
 * time-invariant covariates into the Pareto/NBD and BG/NBD models",
 * brucehardie.com note 019, sec. 3: a_i = a0 exp(g_a'z), b_i = b0
 * exp(g_b'z), their gamma_2 and gamma_3), against CLVTools' shared form
 * g_a = g_b (test_covar.c covers that one and the Pareto/NBD).
 *
 * No fit of this form is published (FH 2007 give the likelihood, not an
 * estimate; pymc-marketing's BetaGeoModel is Bayesian), so the checks are
 * (1) the likelihood's analytic gradient and Hessian against differences,
 * by groups (covar.c) and one customer at a time (covlik.c), the two
 * equal; (2) at g_a = g_b it is the shared form's likelihood, its
 * gradient in g_a plus that in g_b the shared one's in g_d; (3) the
 * customer's own a and b by hand; (4) known g_a != g_b recovered from
 * data simulated from the model's own story (FHL 2005 sec. 2 with each
 * customer's a_i, b_i): over three sets every estimate within 3 standard
 * errors, and the likelihood-ratio test of g_a = g_b rejects; (5) under
 * g_a = g_b the test keeps its size over replicated sets, and the mean
 * statistic is near its degrees of freedom; (6) a column in other units
 * gives the same maximum (the fit's standardisation maps back both
 * blocks); (7) a and b running off together (no spread of the dropout
 * probability) leave only g_b - g_a identified, and the fit says which
 * coefficients it cannot tell apart (tests/cases/churn/covariates-nospread);
 * (8) the intervals of p_alive and expected purchases, the delta method
 * over both blocks, cover the values at the true parameters as often as
 * they claim; (9) a customer with b ~ 1e9 (huge_b).  Prints "ok - ..." / "not ok - ..." and exits 1 if any
 * check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "model/covar.h"
#include "model/covint.h"
#include "model/model.h"
#include "model/modelint.h"

#include "bgsim.h"
#include "tap.h"

/* One BG/NBD customer observed for T weeks (26..52, whole days) with her
 * own (r, alpha, a, b) (FHL 2005 sec. 2: Poisson purchases at lambda ~
 * Gamma(r, alpha); after each repeat purchase she drops out with
 * probability p ~ Beta(a, b), or p itself when a is 0: no spread). */
static struct sk_rfm customer(const double *ip, double pfix, gsl_rng *rng)
{
	double T = floor(gsl_rng_uniform(rng) * 26 * 7 + 26 * 7) / 7;
	double lam = gsl_ran_gamma(rng, ip[0], 1 / ip[1]);
	double q = pfix > 0 ? pfix : gsl_ran_beta(rng, ip[2], ip[3]);
	return bgsim_history(lam, q, T, rng);
}

/* The spec: z1 (binary) and, unless binary_only, z2 ~ N(0, 1) on both
 * processes, dropout coefficients separate. */
static void spec(struct sk_covspec *s, int k)
{
	memset(s, 0, sizeof *s);
	s->kp = s->kd = k;
	s->sep = 1;
	strcpy(s->pname[0], "z1");
	strcpy(s->dname[0], "z1");
	strcpy(s->pname[1], "z2");
	strcpy(s->dname[1], "z2");
}

/* n customers from par = (r, alpha0, a0, b0, g_p, g_a, g_b) in the
 * separate layout; each her own vector (binary only: one of two).
 * Returns the compressed patterns. */
static struct sk_rfm *simulate(const double *par, struct sk_covdata *cd, size_t n,
			       int binary_only, gsl_rng *rng, size_t *np)
{
	int k = binary_only ? 1 : 2;
	memset(cd, 0, sizeof *cd);
	spec(&cd->spec, k);
	cd->nz = binary_only ? 2 : n;
	cd->z = calloc(cd->nz * 2 * (size_t)k, sizeof *cd->z);
	if (binary_only)
		cd->z[2] = cd->z[3] = 1;
	struct sk_rfm *p = malloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		double z1 = gsl_rng_uniform(rng) < 0.5, ip[4];
		uint32_t zi = binary_only ? (uint32_t)z1 : (uint32_t)i;
		if (!binary_only) {
			double *z = cd->z + i * 4;
			z[0] = z[2] = z1;
			z[1] = z[3] = gsl_ran_gaussian(rng, 1);
		}
		sk_cov_par(&sk_bgnbd, &cd->spec, par, cd->z + zi * 2 * (size_t)k, ip);
		p[i] = customer(ip, 0, rng);
		p[i].cov = zi;
	}
	*np = sk_rfm_compress(p, n);
	return p;
}

/* The plain, shared and separate fits, as churn makes them (covfit.c's
 * cov_fit_pen): the separate one from the shared estimate. */
static int fit3(const struct sk_covdata *cd, const struct sk_rfm *p, size_t np,
		struct sk_fit *plain, struct sk_fit *shared, struct sk_fit *sep)
{
	char err[256];
	struct sk_rfm *q = malloc(np * sizeof *q);
	for (size_t i = 0; i < np; i++) {
		q[i] = p[i];
		q[i].cov = 0;
	}
	int rc = sk_bgnbd.fit(q, sk_rfm_compress(q, np), plain, err, sizeof err);
	free(q);
	struct sk_covdata sh = *cd;
	sh.spec.sep = 0;
	if (rc == 0)
		rc = sk_cov_fit(&sk_bgnbd, &sh, plain, p, np, shared, err, sizeof err);
	if (rc == 0)
		rc = sk_cov_fit_separate(cd, shared, p, np, sep, err, sizeof err);
	if (rc != 0)
		printf("# fit: %s\n", err);
	return rc;
}

/* (1) and (2) on 3000 customers: theta in the separate layout (log r,
 * log alpha0, log a0, log b0, g_p1, g_p2, g_a1, g_a2, g_b1, g_b2). */
static void likelihood(const double *par)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 31);
	struct sk_covdata cd;
	size_t np;
	struct sk_rfm *p = simulate(par, &cd, 3000, 0, rng, &np);
	enum { N = 10 };
	double th[N] = { log(par[0]), log(par[1]), log(par[2]), log(par[3]),
			 par[4], par[5], par[6], par[7], par[8], par[9] };
	void *grp = sk_cov_ctx_new(&sk_bgnbd, &cd, p, np), *one = sk_covlik_new(&sk_bgnbd, &cd, p, np);
	/* central differences of -LL (~1e4 here): rounding ~1e-16 x 1e4 /
	 * h, truncation ~h^2, both ~1e-7 against gradients of order 1-100 */
	double g0[N], g1[N], H[SK_FIT_MAXPAR * SK_FIT_MAXPAR], gmax = 0, e = 0;
	double v0 = sk_cov_nll(th, g0, grp), v1 = sk_covlik_hess(th, g1, H, one);
	for (int j = 0; j < N; j++) {
		double t2[N], h = 1e-5;
		memcpy(t2, th, sizeof t2);
		t2[j] = th[j] + h;
		double fp = sk_cov_nll(t2, NULL, grp);
		t2[j] = th[j] - h;
		double fm = sk_cov_nll(t2, NULL, grp), fd = (fp - fm) / (2 * h);
		e = fmax(e, fabs(fd - g0[j]) / fmax(1, fabs(g0[j])));
	}
	check(e < 1e-6, "separate: analytic gradient by groups agrees with differences "
	      "(largest difference %.2g, relative to max(1, |g|))", e);
	for (int i = 0; i < N; i++)
		gmax = fmax(gmax, fabs(g1[i] - g0[i]) / fmax(1, fabs(g0[i])));
	check(fabs(v1 - v0) <= 1e-12 * fabs(v0) && gmax < 1e-10, "separate: one customer at a "
	      "time = by groups (-LL %.10f vs %.10f, gradient %.1e)", v1, v0, gmax);
	double worst = 0;
	for (int j = 0; j < N; j++) {
		double t2[N], gp[N], gm[N], h = 1e-5;
		memcpy(t2, th, sizeof t2);
		t2[j] = th[j] + h;
		sk_covlik_nll(t2, gp, one);
		t2[j] = th[j] - h;
		sk_covlik_nll(t2, gm, one);
		for (int i = 0; i < N; i++) {
			double an = H[i * SK_FIT_MAXPAR + j], fd = (gp[i] - gm[i]) / (2 * h);
			worst = fmax(worst, fabs(fd - an) / fmax(1, fabs(an)));
		}
	}
	check(worst < 1e-6, "separate: the analytic Hessian agrees with differences of the "
	      "gradient, a and b blocks and their cross terms included (largest relative "
	      "difference %.1e)", worst);
	/* (2) g_a = g_b = g_d: the shared form's value; its gradient in g_d
	 * the sum of those in g_a and g_b */
	struct sk_covdata sh = cd;
	sh.spec.sep = 0;
	double ts[8] = { th[0], th[1], th[2], th[3], th[4], th[5], th[6], th[7] }, te[N];
	memcpy(te, th, sizeof te);
	te[8] = th[6];
	te[9] = th[7];
	void *shc = sk_covlik_new(&sk_bgnbd, &sh, p, np);
	double gs[8], ge[N], vs = sk_covlik_nll(ts, gs, shc), ve = sk_covlik_nll(te, ge, one);
	double gd = 0;
	for (int i = 0; i < 6; i++)
		gd = fmax(gd, fabs(ge[i] - gs[i]) / fmax(1, fabs(gs[i])));
	for (int i = 0; i < 2; i++)
		gd = fmax(gd, fabs(ge[6 + i] + ge[8 + i] - gs[6 + i]) / fmax(1, fabs(gs[6 + i])));
	check(fabs(vs - ve) <= 1e-12 * fabs(vs) && gd < 1e-10, "g_a = g_b: the shared form's "
	      "likelihood (-LL %.10f vs %.10f), d/dg_a + d/dg_b = its d/dg_d (%.1e)", ve, vs, gd);
	sk_covlik_free(shc);
	sk_cov_ctx_free(grp);
	sk_covlik_free(one);
	free(p);
	sk_covdata_free(&cd);
	gsl_rng_free(rng);
}

/* (9) A customer whose own b is huge (b_i up to e^22 under a dropout
 * covariate such as total_spend): bgcov.c's ln L and its derivative in
 * log b against ln B(a, b+x) - ln B(a, b) = -sum_{j<x} log1p(a/(b+j))
 * written out here (FHL 2005 eq. 6).  Through GSL's ln Gamma the
 * difference carried ~4e-6 of rounding (ln Gamma(1e9) ~ 2e10), which
 * made Newton's and BFGS's line searches fail on the bench log. */
static void huge_b(void)
{
	double worst_l = 0, worst_g = 0;
	const double xs[3] = { 3, 24, 40 }, bs[3] = { 3e5, 2e7, 1e9 };
	void *ws = sk_bgnbd_clk.ws_new();
	for (int ix = 0; ix < 3; ix++)
		for (int ib = 0; ib < 3; ib++) {
			double x = xs[ix], r = 0.98, alpha = 0.5, a = 0.2, b = bs[ib];
			double T = 700, t_x = 650, ip[4] = { r, alpha, a, b }, lp[4];
			for (int i = 0; i < 4; i++)
				lp[i] = log(ip[i]);
			struct sk_cl_out o;
			sk_bgnbd_clk.set_x(ws, ip, x, 1);
			if (sk_bgnbd_clk.cust(ws, ip, lp, t_x, T, 1, &o) < 0) {
				worst_l = HUGE_VAL;
				continue;
			}
			double lb = 0, dlb = 0;	/* the Beta ratio, b d/db of it */
			for (int j = 0; j < (int)x; j++) {
				lb -= log1p(a / (b + j));
				dlb += b * a / ((b + j) * (a + b + j));
			}
			double u1 = -(r + x) * log(alpha + T);
			double u2 = log(a) - log(b + x - 1) - (r + x) * log(alpha + t_x);
			double mx = fmax(u1, u2), lse = mx + log(exp(u1 - mx) + exp(u2 - mx));
			double p2 = exp(u2 - lse);
			double l = gsl_sf_lngamma(r + x) - gsl_sf_lngamma(r) + r * log(alpha) + lb + lse;
			double g = dlb - p2 * b / (b + x - 1);
			worst_l = fmax(worst_l, fabs(o.l - l));
			worst_g = fmax(worst_g, fabs(o.g[3] - g) / fmax(1, fabs(g)));
		}
	sk_bgnbd_clk.ws_free(ws);
	check(worst_l < 1e-9 && worst_g < 1e-9, "b up to 1e9: ln L and d ln L / d ln b of one "
	      "customer = the Beta ratio summed here (worst %.1e, %.1e)", worst_l, worst_g);
}

/* (3) a_i = a0 exp(g_a'z), b_i = b0 exp(g_b'z), alpha_i = alpha0
 * exp(-g_p'z), by hand; the shared form's a and b move together. */
static void own_parameters(const double *par)
{
	struct sk_covspec s;
	spec(&s, 2);
	double z[4] = { 1, 2, 0.5, -1 }, ip[4];
	sk_cov_par(&sk_bgnbd, &s, par, z, ip);
	double ea = par[6] * 0.5 + par[7] * -1, eb = par[8] * 0.5 + par[9] * -1;
	double ep = par[4] * 1 + par[5] * 2;
	int ok = ip[0] == par[0] && fabs(ip[1] - par[1] * exp(-ep)) < 1e-12 * ip[1] &&
		 fabs(ip[2] - par[2] * exp(ea)) < 1e-12 * ip[2] &&
		 fabs(ip[3] - par[3] * exp(eb)) < 1e-12 * ip[3];
	s.sep = 0;
	double is[4];
	sk_cov_par(&sk_bgnbd, &s, par, z, is);
	ok = ok && fabs(is[2] - par[2] * exp(ea)) < 1e-12 * is[2] &&
	     fabs(is[3] - par[3] * exp(ea)) < 1e-12 * is[3];
	check(ok, "BG/NBD separate: a_i = a0 exp(g_a'z), b_i = b0 exp(g_b'z) (a %.6f, b %.6f); "
	      "shared: both exp(g_d'z)", ip[2], ip[3]);
}

/* (4) three sets of n customers, a binary and a continuous covariate on
 * both processes, g_a != g_b. */
static void recover(const double *par, size_t n)
{
	static const char *const nm[10] = { "r", "alpha0", "a0", "b0", "g_p z1", "g_p z2",
					    "g_a z1", "g_a z2", "g_b z1", "g_b z2" };
	double worst = 0, pmax = 0, coldll = 0, coldg = 0;
	int fitted = 0, beyond2 = 0, raised = 0;
	for (int s = 0; s < 3; s++) {
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(rng, 2100 + (unsigned long)s);
		struct sk_covdata cd;
		size_t np;
		struct sk_rfm *p = simulate(par, &cd, n, 0, rng, &np);
		struct sk_fit plain, sh, f;
		if (fit3(&cd, p, np, &plain, &sh, &f) == 0 && f.se_ok && f.npar == 10) {
			fitted++;
			for (int i = 0; i < 10; i++) {
				double zv = (f.par[i] - par[i]) / f.se[i];
				printf("# seed %d %-7s true %8.4f est %8.4f se %.4f (z %+.2f)\n",
				       2100 + s, nm[i], par[i], f.par[i], f.se[i], zv);
				worst = fmax(worst, f.se[i] > 0 ? fabs(zv) : HUGE_VAL);
				beyond2 += fabs(zv) > 2;
			}
			/* without the test churn fits the separate form from the
			 * plain estimate (g = 0): the same maximum */
			struct sk_fit cold;
			char err[256];
			if (sk_cov_fit(&sk_bgnbd, &cd, &plain, p, np, &cold, err, sizeof err) == 0) {
				coldll = fmax(coldll, fabs(cold.loglik - f.loglik));
				for (int i = 4; i < 10; i++)
					coldg = fmax(coldg, fabs(cold.par[i] - f.par[i]) / f.se[i]);
			} else
				coldll = HUGE_VAL;
			/* g_a = g_b: 2 restrictions */
			double lr = 2 * (f.loglik - sh.loglik), pv = gsl_cdf_chisq_Q(lr, 2);
			printf("# seed %d LR shared vs separate %.2f (p %.3g)\n", 2100 + s, lr, pv);
			pmax = fmax(pmax, pv);
			raised += f.loglik >= sh.loglik - 1e-6;
		}
		free(p);
		sk_covdata_free(&cd);
		gsl_rng_free(rng);
	}
	check(fitted == 3 && worst < 3 && beyond2 <= 3, "separate: %zu customers, 3 sets: every "
	      "estimate within 3 standard errors of the truth (largest %.2f), %d of 30 beyond 2",
	      n, worst, beyond2);
	check(fitted == 3 && coldll < 1e-6 && coldg < 1e-3, "separate: from the plain estimate "
	      "(no test wanted) the fit reaches the same maximum as from the shared one (ln L "
	      "within %.1e, coefficients within %.1e standard errors)", coldll, coldg);
	check(fitted == 3 && raised == 3 && pmax < 1e-3, "separate: the likelihood-ratio test of "
	      "g_a = g_b rejects the shared form in every set (largest p %.2g)", pmax);
}

/* (5) R sets of n customers with a binary dropout covariate and g_a =
 * g_b: the statistic of the test (1 df) exceeds its 5% point about R/20
 * times, and averages about 1. */
static void size(const double *par, size_t n, int R)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 4242);
	int fitted = 0, reject = 0;
	double sum = 0;
	/* (r, alpha0, a0, b0, g_p, g_a, g_b) */
	double p7[7] = { par[0], par[1], par[2], par[3], par[4], par[6], par[6] };
	for (int rep = 0; rep < R; rep++) {
		struct sk_covdata cd;
		size_t np;
		struct sk_rfm *p = simulate(p7, &cd, n, 1, rng, &np);
		struct sk_fit plain, sh, f;
		if (fit3(&cd, p, np, &plain, &sh, &f) == 0) {
			double lr = fmax(2 * (f.loglik - sh.loglik), 0);
			fitted++;
			sum += lr;
			reject += lr > gsl_cdf_chisq_Qinv(0.05, 1);
		}
		free(p);
		sk_covdata_free(&cd);
	}
	gsl_rng_free(rng);
	/* Binomial(40, 0.05): P(X > 6) ~ 0.003 */
	check(fitted == R && reject <= R * 3 / 20 && sum / R > 0.4 && sum / R < 1.8,
	      "g_a = g_b true: the test rejects %d of %d sets at 5%% (mean LR %.2f, 1 df)", reject,
	      fitted, sum / (fitted ? fitted : 1));
}

/* (6) the same customers with z2 replaced by 1e4 z2 + 5e4. */
static void affine(const double *par)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 78);
	struct sk_covdata cd, cd2;
	size_t np;
	struct sk_rfm *p = simulate(par, &cd, 3000, 0, rng, &np);
	cd2 = cd;
	cd2.z = malloc(cd.nz * 4 * sizeof *cd2.z);
	for (size_t i = 0; i < cd.nz * 4; i++)
		cd2.z[i] = i % 2 ? 1e4 * cd.z[i] + 5e4 : cd.z[i];	/* z2 at odd places */
	struct sk_fit plain, sh, f, f2;
	int ok = fit3(&cd, p, np, &plain, &sh, &f) == 0 && fit3(&cd2, p, np, &plain, &sh, &f2) == 0;
	double dl = ok ? fabs(f.loglik - f2.loglik) : HUGE_VAL, dg = 0, di = 0;
	for (int j = 5; ok && j < 10; j += 2) {	/* the z2 coefficients */
		dg = fmax(dg, fabs(f2.par[j] * 1e4 - f.par[j]) / fabs(f.par[j]));
		dg = fmax(dg, fabs(f2.se[j] * 1e4 - f.se[j]) / f.se[j]);
	}
	/* the intercepts take the shift: a0' = a0 exp(-g_a2 5e4 / 1e4 ...) */
	for (int a = 1; ok && a < 4; a++) {
		int j = a == 1 ? 5 : a == 2 ? 7 : 9;
		double want = f.par[a] * exp((a == 1 ? 1 : -1) * f.par[j] * 5);
		di = fmax(di, fabs(f2.par[a] - want) / want);
	}
	check(ok && dl < 1e-6 * fabs(f.loglik) && dg < 1e-4 && di < 1e-4, "separate: a column "
	      "in other units (1e4 z + 5e4): same log-likelihood (difference %.2g), its "
	      "coefficients on alpha, a and b and their standard errors scaled by 1e-4 (%.2g), "
	      "alpha0, a0 and b0 shifted by exp(-+5 g) (%.2g)", dl, dg, di);
	free(cd2.z);
	free(p);
	sk_covdata_free(&cd);
	gsl_rng_free(rng);
}

/* (8) R sets of n customers as in (4); the 90 % intervals of p_alive
 * and expected purchases (the delta method over every parameter, the a
 * and b blocks mapped to theta apart: covar.c's iv_theta) for three
 * histories at two covariate vectors against the values at the true
 * parameters: they cover them about as often as they claim. */
static void coverage(const double *par, size_t n, int R)
{
	const struct sk_rfm hist[3] = { { .x = 1, .t_x = 10, .T = 40, .w = 1 },
					{ .x = 2, .t_x = 30, .T = 40, .w = 1 },
					{ .x = 5, .t_x = 12, .T = 40, .w = 1 } };
	double zv[2][4] = { { 0, -1, 0, -1 }, { 1, 0.8, 1, 0.8 } };
	struct sk_covdata hz = { .nz = 2, .z = &zv[0][0] };
	spec(&hz.spec, 2);
	struct sk_rfm h[6];
	double pa_true[6], ex_true[6];
	const double horizon = 39;
	for (int i = 0; i < 6; i++) {
		double ip[4];
		h[i] = hist[i % 3];
		h[i].cov = (uint32_t)(i / 3);
		sk_cov_par(&sk_bgnbd, &hz.spec, par, zv[i / 3], ip);
		pa_true[i] = sk_bgnbd.p_alive(ip, h[i].x, h[i].t_x, h[i].T);
		ex_true[i] = sk_bgnbd.expected(ip, horizon, h[i].x, h[i].t_x, h[i].T);
	}
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 20072);
	int fitted = 0, nn = 0, c_pa = 0, c_ex = 0;
	char err[256];
	for (int rep = 0; rep < R; rep++) {
		struct sk_covdata cd;
		size_t np;
		struct sk_rfm *p = simulate(par, &cd, n, 0, rng, &np);
		struct sk_rfm *q = malloc(np * sizeof *q);
		for (size_t i = 0; i < np; i++) {
			q[i] = p[i];
			q[i].cov = 0;
		}
		struct sk_fit plain, f;
		double lo[6], hi[6], elo[6], ehi[6];
		if (sk_bgnbd.fit(q, sk_rfm_compress(q, np), &plain, err, sizeof err) == 0 &&
		    sk_cov_fit(&sk_bgnbd, &cd, &plain, p, np, &f, err, sizeof err) == 0 &&
		    f.cov_ok && sk_cov_interval_patterns(&sk_bgnbd, &f, &hz, h, 6, horizon, 0.9, lo,
							 hi, elo, ehi) == 0) {
			fitted++;
			for (int i = 0; i < 6; i++) {
				nn++;
				c_pa += lo[i] <= pa_true[i] && pa_true[i] <= hi[i];
				c_ex += elo[i] <= ex_true[i] && ex_true[i] <= ehi[i];
			}
		}
		free(q);
		free(p);
		sk_covdata_free(&cd);
	}
	gsl_rng_free(rng);
	double cp = (double)c_pa / (nn ? nn : 1), ce = (double)c_ex / (nn ? nn : 1);
	/* R x 6 draws of a 0.9 coverage, correlated within a set */
	check(fitted >= R - 2 && cp > 0.82 && cp < 0.97 && ce > 0.82 && ce < 0.97,
	      "separate: 90%% intervals cover the true p_alive %.3f of %d times, expected "
	      "purchases %.3f (%d of %d sets fitted)", cp, nn, ce, fitted, R);
}

int main(void)
{
	/* Near CDNOW's BG/NBD in weeks (FHL 2005: r 0.24, alpha 4.41, a
	 * 0.79, b 2.43), effects of FH 2007's size; a covariate moving a and
	 * b apart, so that it moves the mean dropout probability. */
	const double bg[10] = { 0.24, 4.4, 0.79, 2.4, 0.5, -0.3, 0.9, 0.4, -0.6, -0.2 };
	likelihood(bg);
	huge_b();
	own_parameters(bg);
	affine(bg);
	recover(bg, 8000);
	size(bg, 2000, 40);
	coverage(bg, 2000, 60);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
