/* test_covar.c: time-invariant covariates (lib/model/covar.c; Fader &
 * Hardie 2007, "Incorporating time-invariant covariates into the
 * Pareto/NBD and BG/NBD models", brucehardie.com note 019).
 *
 * The published Pareto/NBD fit with covariates (CLVTools' apparel data)
 * is reproduced in test_peers.c; none is published for the BG/NBD with
 * covariates.  Here the checks are (1) the likelihood with every coefficient 0 is the plain
 * model's, value and gradient; (2) the analytic gradient agrees with
 * differences; (3) known coefficients are recovered from data simulated
 * from the models' own stories (a binary and a continuous covariate,
 * each on both processes): over three simulated sets, every estimate
 * within 3 standard errors of the truth and at most a tenth of them
 * beyond 2 (seeds 2008-2010; a single set is a single draw: with seed
 * 2007 Pareto/NBD's beta0 came out 3.8 natural-scale standard errors
 * low and g_d of z1 3.2, the Wald intervals of the weakly identified
 * dropout process being far from symmetric); (4) the standard errors
 * are sane: over replicated simulations their mean is close to the
 * spread of the estimates; (5) a covariate in other units (10^4 z + 5
 * 10^4, income-like) gives the same maximum, its coefficient divided by
 * 10^4 (the fit standardises internally; before it did, BFGS stopped
 * 0.3 log-likelihood short on such a column); (6) the coarse start on
 * rounded columns that many distinct vectors take still ends at the
 * full data's maximum, with the standard errors of the Newton polish by
 * differences; (7) the likelihood one customer at a time (covlik.c, the
 * path of many distinct vectors) is the group-wise one, with every
 * coefficient 0 the plain model's (1e-12), and its
 * analytic Hessian agrees with differences of its gradient, also where
 * alpha > beta and where the Pareto/NBD's rates are so unequal that the
 * tails are integrated numerically; (8) the intervals of p_alive and
 * expected purchases (the delta method over the coefficients too) cover
 * the values at the true parameters as often as they claim, for fixed
 * histories and covariate vectors over replicated simulations; (9) the
 * new customer's forecast is the mean over the customers' vectors; (10)
 * --penalty's estimate minimises the penalised objective; (11) the
 * refit at a backtest's cut started from the fit on all customers
 * (sk_cov_fit_from, the learned layer's) reaches the maximum the cold
 * fit from the coarse start reaches, with a heavy-tailed column.  Prints
 * "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/covar.h"
#include "model/covint.h"
#include "model/interval.h"
#include "model/model.h"
#include "model/modelint.h"

#include "tap.h"

/* One customer observed for T weeks (26..52, whole days) with her own
 * parameters ip: Pareto/NBD (SMC 1987: Poisson purchases at lambda ~
 * Gamma(r, alpha) until an exponential lifetime, mu ~ Gamma(s, beta)) or
 * BG/NBD (FHL 2005 sec. 2: dropout with p ~ Beta(a, b) after each repeat
 * purchase).  Times rounded down to days as summarize writes them. */
static struct sk_rfm customer(int pnbd, const double *ip, gsl_rng *rng)
{
	double T = floor(gsl_rng_uniform(rng) * 26 * 7 + 26 * 7) / 7;
	double lam = gsl_ran_gamma(rng, ip[0], 1 / ip[1]);
	double life = HUGE_VAL, q = 0;
	if (pnbd)
		life = gsl_ran_exponential(rng, 1 / gsl_ran_gamma(rng, ip[2], 1 / ip[3]));
	else
		q = gsl_ran_beta(rng, ip[2], ip[3]);
	double t = 0, tx = 0, x = 0;
	for (;;) {
		t += gsl_ran_exponential(rng, 1 / lam);
		if (t > T || t > life)
			break;
		x++;
		tx = t;
		if (!pnbd && gsl_rng_uniform(rng) < q)
			break;
	}
	tx = floor(tx * 7) / 7;
	return (struct sk_rfm){ .x = x, .t_x = tx, .T = T, .w = 1 };
}

/* n customers; z1 binary (share 0.5), z2 ~ N(0, 1) unless binary_only;
 * each with its own covariate vector (cd->z row i, purchase then dropout
 * values: the two columns on both processes) or, binary only, one of two.
 * Returns the compressed patterns. */
static struct sk_rfm *simulate(const struct sk_tmodel *tm, const double *par,
			       struct sk_covdata *cd, size_t n, int binary_only, gsl_rng *rng,
			       size_t *np)
{
	int k = binary_only ? 1 : 2;
	memset(cd, 0, sizeof *cd);
	cd->spec.kp = cd->spec.kd = k;
	strcpy(cd->spec.pname[0], "z1");
	strcpy(cd->spec.dname[0], "z1");
	strcpy(cd->spec.pname[1], "z2");
	strcpy(cd->spec.dname[1], "z2");
	cd->nz = binary_only ? 2 : n;
	cd->z = calloc(cd->nz * 2 * (size_t)k, sizeof *cd->z);
	if (binary_only) {
		cd->z[2] = cd->z[3] = 1;	/* vector 1: z1 = 1 on both */
	}
	struct sk_rfm *p = malloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		double z1 = gsl_rng_uniform(rng) < 0.5, ip[4];
		uint32_t zi = binary_only ? (uint32_t)z1 : (uint32_t)i;
		if (!binary_only) {
			double z2 = gsl_ran_gaussian(rng, 1);
			double *z = cd->z + i * 4;
			z[0] = z[2] = z1;
			z[1] = z[3] = z2;
		}
		sk_cov_par(tm, &cd->spec, par, cd->z + zi * 2 * (size_t)k, ip);
		p[i] = customer(tm == &sk_pnbd, ip, rng);
		p[i].cov = zi;
	}
	*np = sk_rfm_compress(p, n);
	return p;
}

static int fit_both(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		    const struct sk_rfm *p, size_t np, struct sk_fit *plain, struct sk_fit *f)
{
	char err[256];
	struct sk_rfm *q = malloc(np * sizeof *q);
	for (size_t i = 0; i < np; i++) {
		q[i] = p[i];
		q[i].cov = 0;
	}
	int rc = tm->fit(q, np, plain, err, sizeof err);
	free(q);
	if (rc != 0) {
		printf("# plain fit: %s\n", err);
		return -1;
	}
	if (sk_cov_fit(tm, cd, plain, p, np, f, err, sizeof err) != 0) {
		printf("# covariate fit: %s\n", err);
		return -1;
	}
	return 0;
}

/* (1) and (2) on a small simulated set. */
static void likelihood(const struct sk_tmodel *tm, const double *par)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 19);
	struct sk_covdata cd;
	size_t np;
	struct sk_rfm *p = simulate(tm, par, &cd, 600, 0, rng, &np);
	double th[SK_FIT_MAXPAR] = { log(par[0]), log(par[1]), log(par[2]), log(par[3]) };
	double g[SK_FIT_MAXPAR], g0[4];
	void *ctx = sk_cov_ctx_new(tm, &cd, p, np);
	double v = sk_cov_nll(th, g, ctx);
	/* The plain likelihood on the same customers: sorted and merged
	 * without their covariates. */
	struct sk_rfm *q = malloc(np * sizeof *q);
	for (size_t i = 0; i < np; i++) {
		q[i] = p[i];
		q[i].cov = 0;
	}
	size_t nq = sk_rfm_compress(q, np);
	struct sk_rfm_set set = { .pat = q, .n = nq };
	double v0 = tm == &sk_pnbd ? sk_pnbd_nll(th, g0, &set) : sk_bgnbd_nll(th, g0, &set);
	double gmax = 0;
	for (int i = 0; i < 4; i++)
		gmax = fmax(gmax, fabs(g[i] - g0[i]) / fmax(1, fabs(g0[i])));
	check(fabs(v - v0) <= 1e-12 * fabs(v0) && gmax < 1e-9,
	      "%s: coefficients 0 give the plain likelihood (-LL %.10f vs %.10f, "
	      "gradient %.2g)", tm->title, v, v0, gmax);
	double th2[SK_FIT_MAXPAR];
	memcpy(th2, th, sizeof th2);
	th2[4] = 0.3;
	th2[5] = -0.2;
	th2[6] = 0.25;
	th2[7] = 0.1;
	double e = sk_fit_gradcheck(8, sk_cov_nll, ctx, th2);
	check(e < 1e-5, "%s: analytic gradient with covariates (largest relative error %.2g)",
	      tm->title, e);
	sk_cov_ctx_free(ctx);
	free(q);
	free(p);
	sk_covdata_free(&cd);
	gsl_rng_free(rng);
}

/* (3): a binary and a continuous covariate on both processes; adds the
 * |z| of each estimate to zs[0..8). */
static int recover1(const struct sk_tmodel *tm, const double *par, size_t n,
		    unsigned long seed, double *zs)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	int ok = 0;
	struct sk_covdata cd;
	size_t np;
	struct sk_rfm *p = simulate(tm, par, &cd, n, 0, rng, &np);
	struct sk_fit plain, f;
	if (fit_both(tm, &cd, p, np, &plain, &f) == 0 && f.se_ok) {
		static const char *const nm[8] = { "r", "alpha0", "s|a0", "beta0|b0",
						   "g_p z1", "g_p z2", "g_d z1", "g_d z2" };
		ok = 1;
		for (int i = 0; i < 8; i++) {
			double zv = (f.par[i] - par[i]) / f.se[i];
			printf("# %s seed %lu %-9s true %8.4f est %8.4f se %.4f (z %+.2f)\n",
			       tm->title, seed, nm[i], par[i], f.par[i], f.se[i], zv);
			zs[i] = f.se[i] > 0 ? fabs(zv) : HUGE_VAL;
		}
		check(f.loglik > plain.loglik + 10, "%s: the covariates raise the "
		      "log-likelihood (%.2f vs %.2f without)", tm->title, f.loglik, plain.loglik);
	}
	free(p);
	sk_covdata_free(&cd);
	gsl_rng_free(rng);
	return ok;
}

static void recover(const struct sk_tmodel *tm, const double *par, size_t n)
{
	double zs[3][8], worst = 0;
	int fitted = 0, beyond2 = 0;
	for (int s = 0; s < 3; s++) {
		fitted += recover1(tm, par, n, 2008 + (unsigned long)s, zs[s]);
		for (int i = 0; i < 8; i++) {
			worst = fmax(worst, zs[s][i]);
			beyond2 += zs[s][i] > 2;
		}
	}
	check(fitted == 3 && worst < 3 && beyond2 <= 2, "%s: %zu customers, 3 sets: every "
	      "estimate within 3 standard errors of the truth (largest %.2f), %d of 24 "
	      "beyond 2", tm->title, n, worst, beyond2);
}

/* (4): R replications with a binary covariate on both processes; the
 * mean standard error against the standard deviation of the estimates. */
static void se_sanity(const struct sk_tmodel *tm, const double *par, size_t n, int R)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 42);
	double sum[2] = { 0 }, sum2[2] = { 0 }, sse[2] = { 0 };
	int ok = 0;
	for (int rep = 0; rep < R; rep++) {
		struct sk_covdata cd;
		size_t np;
		double p6[6] = { par[0], par[1], par[2], par[3], par[4], par[6] };
		struct sk_rfm *p = simulate(tm, p6, &cd, n, 1, rng, &np);
		struct sk_fit plain, f;
		if (fit_both(tm, &cd, p, np, &plain, &f) == 0 && f.se_ok) {
			ok++;
			for (int j = 0; j < 2; j++) {
				sum[j] += f.par[4 + j];
				sum2[j] += f.par[4 + j] * f.par[4 + j];
				sse[j] += f.se[4 + j];
			}
		}
		free(p);
		sk_covdata_free(&cd);
	}
	check(ok == R, "%s: %d of %d replications fitted", tm->title, ok, R);
	for (int j = 0; j < 2 && ok > 2; j++) {
		double m = sum[j] / ok, sd = sqrt((sum2[j] - ok * m * m) / (ok - 1));
		double mse = sse[j] / ok, ratio = mse / sd;
		/* The sd of R = 30 draws is itself within ~+-25 % (95 %). */
		check(ratio > 0.7 && ratio < 1.4, "%s: %s coefficient: mean se %.4f vs sd of "
		      "estimates %.4f over %d fits (ratio %.2f), mean estimate %.4f (true %.4f)",
		      tm->title, j ? "dropout" : "purchase", mse, sd, ok, ratio, m,
		      par[j ? 6 : 4]);
	}
	gsl_rng_free(rng);
}

/* (5): the same customers with z2 replaced by 1e4 z2 + 5e4. */
static void affine(const struct sk_tmodel *tm, const double *par)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 77);
	struct sk_covdata cd, cd2;
	size_t np;
	struct sk_rfm *p = simulate(tm, par, &cd, 3000, 0, rng, &np);
	cd2 = cd;
	cd2.z = malloc(cd.nz * 4 * sizeof *cd2.z);
	for (size_t i = 0; i < cd.nz * 4; i++)
		cd2.z[i] = i % 2 ? 1e4 * cd.z[i] + 5e4 : cd.z[i];	/* z2 at odd places */
	struct sk_fit plain, f, f2;
	int ok = fit_both(tm, &cd, p, np, &plain, &f) == 0 &&
		 fit_both(tm, &cd2, p, np, &plain, &f2) == 0;
	double dl = ok ? fabs(f.loglik - f2.loglik) : HUGE_VAL, dg = 0;
	for (int i = 0; ok && i < 2; i++) {
		int j = i ? 7 : 5;	/* the z2 coefficients, purchase and dropout */
		dg = fmax(dg, fabs(f2.par[j] * 1e4 - f.par[j]) / fabs(f.par[j]));
		dg = fmax(dg, fabs(f2.se[j] * 1e4 - f.se[j]) / f.se[j]);
	}
	check(ok && dl < 1e-6 * fabs(f.loglik) && dg < 1e-4, "%s: a covariate in other units "
	      "(1e4 z + 5e4): same log-likelihood (difference %.2g) and coefficients and "
	      "standard errors scaled by 1e-4 (largest relative difference %.2g)", tm->title,
	      dl, dg);
	free(cd2.z);
	free(p);
	sk_covdata_free(&cd);
	gsl_rng_free(rng);
}

/* (6) Many distinct vectors (a continuous column: 5000 > BIN_MIN) take
 * the coarse start on rounded columns (covbin.c, sk_cov_fit_binned); the
 * estimate must still be the full data's maximum: the same log-likelihood
 * (1e-9 relative) and coefficients (1e-5) as BFGS and Newton on the full
 * likelihood from the plain estimate, the path such data took before. */
static void binned_start(const struct sk_tmodel *tm, const double *par)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 2011);
	struct sk_covdata cd;
	size_t np;
	struct sk_rfm *p = simulate(tm, par, &cd, 5000, 0, rng, &np);
	struct sk_fit plain, f, ref;
	char err[256];
	int ok = fit_both(tm, &cd, p, np, &plain, &f) == 0;
	double st[SK_FIT_MAXPAR], nobs = 0;
	for (int i = 0; i < 8; i++)
		st[i] = i < 4 ? plain.par[i] : 1;
	for (size_t i = 0; i < np; i++)
		nobs += p[i].w;
	void *ctx = sk_cov_ctx_new(tm, &cd, p, np);
	ok = ok && sk_tmodel_fit_run(8, sk_cov_nll, ctx, 1, st, nobs, &ref, err, sizeof err) == 0;
	double dg = 0, ds = 0;
	for (int i = 4; ok && i < 8; i++) {
		dg = fmax(dg, fabs(f.par[i] - log(ref.par[i])));
		/* ref's se are of par = exp(g): se(g) = se(par) / par */
		ds = fmax(ds, fabs(f.se[i] - ref.se[i] / ref.par[i]) / f.se[i]);
	}
	check(ok && fabs(f.loglik - ref.loglik) < 1e-9 * fabs(ref.loglik) && dg < 1e-5 &&
	      ds < 1e-4, "%s, a continuous covariate (5000 distinct vectors): the rounded "
	      "coarse start and Newton's method with the exact Hessian reach the full data's "
	      "maximum (LL %.6f vs %.6f, coefficients within %.1e, their standard errors "
	      "within %.1e relative)", tm->name, ok ? f.loglik : 0, ok ? ref.loglik : 0, dg, ds);
	sk_cov_ctx_free(ctx);
	free(p);
	free(cd.z);
	gsl_rng_free(rng);
}

/* (7) on n customers with parameters par (alpha0 and beta0|b0 as given)
 * and three covariates, one of them binary. */
static void covlik(const struct sk_tmodel *tm, const double *par, const char *what)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 5);
	const size_t n = 3000;
	struct sk_covdata cd;
	memset(&cd, 0, sizeof cd);
	cd.spec.kp = 2;
	cd.spec.kd = 1;
	cd.nz = n;
	cd.z = malloc(n * 3 * sizeof *cd.z);
	struct sk_rfm *p = malloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		double *z = cd.z + 3 * i;
		z[0] = gsl_ran_gaussian(rng, 1);
		z[1] = gsl_rng_uniform(rng) < 0.5;
		z[2] = gsl_ran_gaussian(rng, 1);
		/* counts as the models make them and some heavy buyers; a
		 * tenth bought last on the last day (no tail term) */
		double T = floor((10 + gsl_rng_uniform(rng) * 60) * 7) / 7;
		double x = gsl_ran_poisson(rng, 2.5);
		if (gsl_rng_uniform(rng) < 0.05)
			x = 40 + gsl_ran_poisson(rng, 20);
		double tx = x > 0 ? floor(gsl_rng_uniform(rng) * T * 7) / 7 : 0;
		if (x > 0 && gsl_rng_uniform(rng) < 0.1)
			tx = T;
		p[i] = (struct sk_rfm){ .x = x, .t_x = tx, .T = T, .w = 1 + (double)(i % 3),
					.cov = (uint32_t)i };
	}
	size_t np = sk_rfm_compress(p, n);
	double th[7] = { log(par[0]), log(par[1]), log(par[2]), log(par[3]), 0.3, -0.2, 0.25 };
	void *grp = sk_cov_ctx_new(tm, &cd, p, np), *one = sk_covlik_new(tm, &cd, p, np);
	double g0[7], g1[7], H[SK_FIT_MAXPAR * SK_FIT_MAXPAR], gmax = 0;
	double v0 = sk_cov_nll(th, g0, grp), v1 = sk_covlik_hess(th, g1, H, one);
	double vv = sk_covlik_nll(th, NULL, one);
	for (int i = 0; i < 7; i++)
		gmax = fmax(gmax, fabs(g1[i] - g0[i]) / fmax(1, fabs(g0[i])));
	check(fabs(v1 - v0) <= 1e-12 * fabs(v0) && fabs(vv - v0) <= 1e-12 * fabs(v0) &&
	      gmax < 1e-10, "%s, %s: one customer at a time = by groups (-LL %.10f vs %.10f, "
	      "gradient %.1e)", tm->title, what, v1, v0, gmax);
	double worst = 0;
	for (int j = 0; j < 7; j++) {
		double t2[7], gp[7], gm[7], h = 1e-5;
		memcpy(t2, th, sizeof t2);
		t2[j] = th[j] + h;
		sk_covlik_nll(t2, gp, one);
		t2[j] = th[j] - h;
		sk_covlik_nll(t2, gm, one);
		for (int i = 0; i < 7; i++) {
			double an = H[i * SK_FIT_MAXPAR + j], fd = (gp[i] - gm[i]) / (2 * h);
			worst = fmax(worst, fabs(fd - an) / fmax(1, fabs(an)));
		}
	}
	check(worst < 1e-6, "%s, %s: the analytic Hessian agrees with differences of the "
	      "gradient (largest relative difference %.1e)", tm->title, what, worst);
	/* every coefficient 0: the plain model's likelihood on the same
	 * customers, merged without their covariates */
	double t0[7] = { th[0], th[1], th[2], th[3], 0, 0, 0 }, gz[7], gq[4];
	double vz = sk_covlik_nll(t0, gz, one);
	struct sk_rfm *q = malloc(np * sizeof *q);
	for (size_t i = 0; i < np; i++) {
		q[i] = p[i];
		q[i].cov = 0;
	}
	struct sk_rfm_set set = { .pat = q, .n = sk_rfm_compress(q, np) };
	double vq = tm == &sk_pnbd ? sk_pnbd_nll(t0, gq, &set) : sk_bgnbd_nll(t0, gq, &set);
	double gd = 0;
	for (int i = 0; i < 4; i++)
		gd = fmax(gd, fabs(gz[i] - gq[i]) / fmax(1, fabs(gq[i])));
	check(fabs(vz - vq) <= 1e-12 * fabs(vq) && gd < 1e-10, "%s, %s: coefficients 0 one "
	      "customer at a time give the plain likelihood (-LL %.10f vs %.10f, gradient "
	      "%.1e)", tm->title, what, vz, vq, gd);
	free(q);
	sk_cov_ctx_free(grp);
	sk_covlik_free(one);
	free(p);
	free(cd.z);
	gsl_rng_free(rng);
}

/* (8): R sets of n customers simulated with a binary and a continuous
 * covariate on both processes; the 90 % intervals for three histories
 * (x, t_x, T) each at two covariate vectors against the true values. */
static void coverage(const struct sk_tmodel *tm, const double *par, size_t n, int R)
{
	const struct sk_rfm hist[3] = { { .x = 0, .t_x = 0, .T = 40, .w = 1 },
					{ .x = 2, .t_x = 30, .T = 40, .w = 1 },
					{ .x = 5, .t_x = 12, .T = 40, .w = 1 } };
	/* vectors (purchase z1, z2, dropout z1, z2) */
	double zv[2][4] = { { 0, -1, 0, -1 }, { 1, 0.8, 1, 0.8 } };
	struct sk_covdata hz = { .spec = { .kp = 2, .kd = 2 }, .nz = 2, .z = &zv[0][0] };
	struct sk_rfm h[6];
	double pa_true[6], ex_true[6];
	const double horizon = 39;
	for (int i = 0; i < 6; i++) {
		double ip[4];
		h[i] = hist[i % 3];
		h[i].cov = (uint32_t)(i / 3);
		sk_cov_par(tm, &hz.spec, par, zv[i / 3], ip);
		pa_true[i] = tm->p_alive(ip, h[i].x, h[i].t_x, h[i].T);
		ex_true[i] = tm->expected(ip, horizon, h[i].x, h[i].t_x, h[i].T);
	}
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 20071);
	int fitted = 0, n_pa = 0, n_ex = 0, c_pa = 0, c_ex = 0;
	for (int rep = 0; rep < R; rep++) {
		struct sk_covdata cd;
		size_t np;
		struct sk_rfm *p = simulate(tm, par, &cd, n, 0, rng, &np);
		struct sk_fit plain, f;
		double lo[6], hi[6], elo[6], ehi[6];
		if (fit_both(tm, &cd, p, np, &plain, &f) == 0 && f.cov_ok &&
		    sk_cov_interval_patterns(tm, &f, &hz, h, 6, horizon, 0.9, lo, hi, elo,
					     ehi) == 0) {
			fitted++;
			for (int i = 0; i < 6; i++) {
				if (tm == &sk_pnbd || h[i].x > 0) {	/* BG/NBD: 1 at x = 0 */
					n_pa++;
					c_pa += lo[i] <= pa_true[i] && pa_true[i] <= hi[i];
				}
				n_ex++;
				c_ex += elo[i] <= ex_true[i] && ex_true[i] <= ehi[i];
			}
		}
		free(p);
		sk_covdata_free(&cd);
	}
	gsl_rng_free(rng);
	double cp = (double)c_pa / (n_pa ? n_pa : 1), ce = (double)c_ex / (n_ex ? n_ex : 1);
	/* R x 6 draws of a 0.9 coverage, correlated within a set: sd ~ 0.02-0.03 */
	check(fitted >= R - 2 && cp > 0.82 && cp < 0.97 && ce > 0.82 && ce < 0.97,
	      "%s with covariates: 90%% intervals cover the true p_alive %.3f of %d times, "
	      "expected purchases %.3f of %d (%d of %d sets fitted)", tm->title, cp, n_pa, ce,
	      n_ex, fitted, R);
}

/* (9) --new-customer with covariates: the mean over the customers'
 * vectors of E[X(t)] at each vector's own parameters, against SMC 1987
 * eq. 17 written out here (r beta_v / (alpha_v (s - 1)) [1 - (beta_v /
 * (beta_v + t))^(s - 1)]) with alpha_v = alpha0 exp(-g_p z_v) and beta_v
 * = beta0 exp(-g_d z_v) computed here; customers of one vector split over
 * several patterns and weights count as customers. */
static void new_customer(const double *par)
{
	double zv[3] = { 0, 1, -2 };
	struct sk_covdata cd = { .spec = { .kp = 1, .kd = 0 }, .nz = 3, .z = zv };
	strcpy(cd.spec.pname[0], "z");
	/* vector 0: 3 customers, vector 1: 1 (weight 1), vector 2: 2 + 4 */
	struct sk_rfm rfm[5] = {
		{ .x = 0, .t_x = 0, .T = 30, .w = 3, .cov = 0 },
		{ .x = 2, .t_x = 10, .T = 30, .w = 1, .cov = 1 },
		{ .x = 1, .t_x = 5, .T = 20, .w = 2, .cov = 2 },
		{ .x = 4, .t_x = 15, .T = 25, .w = 4, .cov = 2 },
		{ .x = 1, .t_x = 3, .T = 40, .w = 1, .cov = 9 },	/* not valid */
	};
	unsigned char valid[5] = { 1, 1, 1, 1, 0 };
	struct sk_custdata d = { .n = 5, .rfm = rfm, .valid = valid, .nvalid = 4, .cov = &cd,
				 .ncov = 3 };
	const double t = 52, wv[3] = { 3, 1, 6 };
	double want = 0, want0 = 0;
	for (int v = 0; v < 3; v++) {
		double al = par[1] * exp(-par[4] * zv[v]), be = par[3];
		want += wv[v] * par[0] * be / (al * (par[2] - 1)) *
			(1 - pow(be / (be + t), par[2] - 1));
		double ip[4] = { par[0], al, par[2], be };
		want0 += wv[v] * sk_pnbd.pmf(ip, t, 0);
	}
	want /= 10;
	want0 /= 10;
	double p0, n, got = sk_cov_new_customer_mean(&sk_pnbd, par, &d, t, &p0, &n);
	check(n == 10 && fabs(got - want) < 1e-10 * want && fabs(p0 - want0) < 1e-12,
	      "new customer: E[X(52)] %.6f = the customers' mean over their vectors %.6f, "
	      "P(0) %.6f = %.6f, %g customers", got, want, p0, want0, n);
	sk_custdata_free(&(struct sk_custdata){ .pat = d.pat, .pid = d.pid });
}

/* (10) --penalty with covariates: the estimate minimises -LL + lambda n
 * sum theta_i^2 over theta = (log r, log alpha0, log s, log beta0) and
 * the coefficients of the standardised column (mean 0, sd 1 over the
 * distinct vectors): its gradient there, from sk_cov_nll on a
 * standardised copy made here and the penalty's 2 lambda n theta, is 0;
 * and the penalty term is below the unpenalised estimate's (shrinkage). */
static void penalty(const double *par)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 2031);
	struct sk_covdata cd;
	size_t np;
	struct sk_rfm *p = simulate(&sk_pnbd, par, &cd, 2000, 1, rng, &np);
	struct sk_fit plain, f0, fp;
	int rc = fit_both(&sk_pnbd, &cd, p, np, &plain, &f0);
	const double lambda = 0.05;
	double was = sk_tmodel_penalty_set(lambda);
	char err[256];
	rc |= sk_cov_fit(&sk_pnbd, &cd, &plain, p, np, &fp, err, sizeof err);
	sk_tmodel_penalty_set(was);
	/* z1 over the two distinct vectors: 0 and 1, mean 1/2, sd 1/sqrt 2 */
	const double m = 0.5, sd = sqrt(0.5);
	double zs[4] = { -m / sd, -m / sd, (1 - m) / sd, (1 - m) / sd };
	struct sk_covdata sc = cd;
	sc.z = zs;
	double n = 0;
	for (size_t i = 0; i < np; i++)
		n += p[i].w;
	double th[2][6], pen[2] = { 0, 0 };
	const struct sk_fit *fs[2] = { &f0, &fp };
	for (int k = 0; k < 2; k++) {
		const double *q = fs[k]->par;
		th[k][0] = log(q[0]);
		th[k][1] = log(q[1]) - q[4] * m;	/* alpha0 exp(-g_p m) */
		th[k][2] = log(q[2]);
		th[k][3] = log(q[3]) - q[5] * m;
		th[k][4] = q[4] * sd;
		th[k][5] = q[5] * sd;
		for (int i = 0; i < 6; i++)
			pen[k] += th[k][i] * th[k][i];
	}
	void *ctx = sk_cov_ctx_new(&sk_pnbd, &sc, p, np);
	double g[6], worst = 0;
	sk_cov_nll(th[1], g, ctx);
	for (int i = 0; i < 6; i++) {
		double gi = fabs(g[i] + 2 * lambda * n * th[1][i]);
		worst = gi > worst ? gi : worst;
	}
	sk_cov_ctx_free(ctx);
	check(rc == 0 && worst < 1e-2,
	      "penalty: the penalised estimate is stationary for -LL + lambda n |theta|^2 on "
	      "the standardised column (largest gradient %.2g, n %g)", worst, n);
	check(rc == 0 && pen[1] < pen[0] && fp.penalty == lambda,
	      "penalty: |theta|^2 %.4f below the unpenalised %.4f (g_p %.4f against %.4f)",
	      pen[1], pen[0], fp.par[4], f0.par[4]);
	free(p);
	free(cd.z);
	gsl_rng_free(rng);
}

/* Rosenbrock's function in theta, -LL = 100 (t1 - t0^2)^2 + (1 - t0)^2
 * (minimum 0 at theta = (1, 1), par = (e, e)), with its exact gradient
 * and Hessian.  At theta = (0.2, 1.5) the Hessian has the eigenvalue -550:
 * sk_fit_newton cannot start there (no Cholesky factor), as on the
 * backtest cut of churn --covariates total_spend on the bench log. */
static double rosenbrock(const double *t, double *g, double *h, void *ctx)
{
	(void)ctx;
	double u = t[1] - t[0] * t[0], v = 1 - t[0];
	if (g) {
		g[0] = -400 * t[0] * u - 2 * v;
		g[1] = 200 * u;
	}
	if (h) {
		h[0] = 1200 * t[0] * t[0] - 400 * t[1] + 2;
		h[1] = h[SK_FIT_MAXPAR] = -400 * t[0];
		h[SK_FIT_MAXPAR + 1] = 200;
	}
	return 100 * u * u + v * v;
}

static void newton_damped(void)
{
	struct sk_fit plain = { .npar = 2, .par = { exp(0.2), exp(1.5) } }, damped = plain;
	int pn = sk_fit_newton(2, rosenbrock, NULL, &plain);
	int dn = sk_fit_newton_damped(2, rosenbrock, NULL, &damped) &&
		 sk_fit_newton(2, rosenbrock, NULL, &damped);
	double e = fmax(fabs(damped.par[0] / M_E - 1), fabs(damped.par[1] / M_E - 1));
	check(!pn && dn && e < 1e-10 && fabs(damped.loglik) < 1e-20,
	      "damped Newton: from an indefinite Hessian (Rosenbrock at (0.2, 1.5)), where "
	      "Newton alone stops (%d), to the minimum (1, 1) (%d, worst rel. %.1e, -LL %.1e)",
	      pn, dn, e, -damped.loglik);
}

/* One customer of cd's story (customer()'s) observed to T and, as the
 * backtest's cut sees her, to T - W: into end and cut. */
static void customer_cut(int pnbd, const double *ip, double W, gsl_rng *rng,
			 struct sk_rfm *end, struct sk_rfm *cut)
{
	double T = floor(gsl_rng_uniform(rng) * 26 * 7 + 26 * 7) / 7, Tc = T - W;
	double lam = gsl_ran_gamma(rng, ip[0], 1 / ip[1]);
	double life = HUGE_VAL, q = 0;
	if (pnbd)
		life = gsl_ran_exponential(rng, 1 / gsl_ran_gamma(rng, ip[2], 1 / ip[3]));
	else
		q = gsl_ran_beta(rng, ip[2], ip[3]);
	double t = 0, tx = 0, x = 0, txc = 0, xc = 0;
	for (;;) {
		t += gsl_ran_exponential(rng, 1 / lam);
		if (t > T || t > life)
			break;
		x++;
		tx = t;
		if (t <= Tc) {
			xc++;
			txc = t;
		}
		if (!pnbd && gsl_rng_uniform(rng) < q)
			break;
	}
	*end = (struct sk_rfm){ .x = x, .t_x = floor(tx * 7) / 7, .T = T, .w = 1 };
	*cut = (struct sk_rfm){ .x = xc, .t_x = floor(txc * 7) / 7, .T = Tc, .w = 1 };
}

/* (11) 5000 customers, each her own value of a lognormal column (sd 1
 * on the log scale: the mean 1.6, the largest of 5000 ~ 40, as
 * total_spend is heavy-tailed) acting on both processes (the BG/NBD's a
 * and b apart, churn's default form), seen at the end and 13 weeks
 * earlier.  The fit at the cut from the fit at the end, what the learned
 * layer now does, against the fit at the cut from the coarse start on
 * rounded columns, what it did: the same maximum, the log-likelihood to
 * 1e-9 relative and every parameter to 1e-6 (relative for the four
 * positive ones, absolute for the coefficients); both being Newton's
 * method with the exact Hessian to a step below 1e-7, they agree far
 * closer (measured: 1e-12 and below). */
static void warm_start(const struct sk_tmodel *tm, const double *par)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 2026);
	const size_t n = 5000;
	struct sk_covdata cd = { .spec = { .kp = 1, .kd = 1, .sep = tm == &sk_bgnbd } };
	strcpy(cd.spec.pname[0], "spend");
	strcpy(cd.spec.dname[0], "spend");
	cd.nz = n;
	cd.z = malloc(n * 2 * sizeof *cd.z);
	struct sk_rfm *pe = malloc(n * sizeof *pe), *pc = malloc(n * sizeof *pc);
	/* the simulation's coefficients: purchase, then dropout (a and b
	 * apart for the BG/NBD: 0.3 and -0.2) */
	double tp[SK_FIT_MAXPAR] = { par[0], par[1], par[2], par[3], 0.4, 0.3, -0.2 };
	for (size_t i = 0; i < n; i++) {
		double z = exp(gsl_ran_gaussian(rng, 1)), ip[4];
		cd.z[2 * i] = cd.z[2 * i + 1] = z;
		sk_cov_par(tm, &cd.spec, tp, cd.z + 2 * i, ip);
		customer_cut(tm == &sk_pnbd, ip, 13, rng, &pe[i], &pc[i]);
		pe[i].cov = pc[i].cov = (uint32_t)i;
	}
	size_t ne = sk_rfm_compress(pe, n), nc = sk_rfm_compress(pc, n);
	struct sk_fit pl_end, f_end, pl_cut, cold, warm;
	char err[256] = "";
	int ok = fit_both(tm, &cd, pe, ne, &pl_end, &f_end) == 0 &&
		 fit_both(tm, &cd, pc, nc, &pl_cut, &cold) == 0;
	ok = ok && sk_cov_fit_from(tm, &cd, &f_end, pc, nc, &warm, err, sizeof err) == 0;
	if (!ok && err[0])
		printf("# warm fit: %s\n", err);
	double dp = 0, moved = 0;
	for (int i = 0; ok && i < cold.npar; i++) {
		dp = fmax(dp, i < 4 ? fabs(warm.par[i] / cold.par[i] - 1) :
			  fabs(warm.par[i] - cold.par[i]));
		/* the start is not the answer: the cut's estimate is elsewhere */
		moved = fmax(moved, i < 4 ? fabs(f_end.par[i] / cold.par[i] - 1) :
			     fabs(f_end.par[i] - cold.par[i]));
	}
	check(ok && warm.npar == cold.npar && moved > 1e-3 &&
	      fabs(warm.loglik - cold.loglik) < 1e-9 * fabs(cold.loglik) && dp < 1e-6,
	      "%s, a lognormal covariate: the fit at the cut from the fit at the end reaches "
	      "the cold fit's maximum (LL %.8f vs %.8f, parameters within %.1e; the start "
	      "%.3f away)", tm->title, ok ? warm.loglik : 0, ok ? cold.loglik : 0, dp, moved);
	free(pe);
	free(pc);
	free(cd.z);
	gsl_rng_free(rng);
}

/* n simulated BG/NBD customers with covariates (par as main's; rng
 * seeded with seed), and their maximum in *full by damped Newton and
 * Newton from the true parameters: *ok 1 when it converged. */
static struct sk_rfm *bg_sim_max(const double *par, unsigned long seed, size_t n,
				 struct sk_covdata *cd, size_t *np, struct sk_fit *full, int *ok)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	struct sk_rfm *p = simulate(&sk_bgnbd, par, cd, n, 0, rng, np);
	gsl_rng_free(rng);
	*full = (struct sk_fit){ .npar = 8 };
	for (int i = 0; i < 8; i++)
		full->par[i] = i < 4 ? par[i] : exp(par[i]);
	void *ctx = sk_covlik_new(&sk_bgnbd, cd, p, *np);
	*ok = sk_fit_newton_damped(8, sk_covlik_hess, ctx, full) &&
	      sk_fit_newton(8, sk_covlik_hess, ctx, full);
	sk_covlik_free(ctx);
	return p;
}

/* The largest |d(-LL)/d theta| of the sample of every step-th pattern
 * of p at f's parameters; NAN where -LL cannot be evaluated there. */
static double sample_gmax(const struct sk_covdata *cd, const struct sk_rfm *p, size_t np,
			  size_t step, const struct sk_fit *f)
{
	size_t ms;
	struct sk_rfm *sp = sk_cov_sample_patterns(p, np, step, &ms);
	void *sctx = sk_covlik_new(&sk_bgnbd, cd, sp, ms);
	double th[SK_FIT_MAXPAR], g[SK_FIT_MAXPAR], gmax = 0;
	for (int i = 0; i < f->npar; i++)
		th[i] = log(f->par[i]);
	double v = sk_covlik_nll(th, g, sctx);
	for (int i = 0; i < f->npar; i++)
		gmax = fmax(gmax, fabs(g[i]));
	sk_covlik_free(sctx);
	free(sp);
	return isfinite(v) ? gmax : NAN;
}

/* (12) The start from a sample (covbin.c, sk_cov_sub_start) on 40,000
 * BG/NBD customers with their own covariates.  At the full data's
 * maximum, which lies within the sample's sampling error of the sample's
 * own, it declines (the coarse estimate stays the start); from a start
 * 0.3 off in log alpha0 (many of the sample's standard errors; the
 * Hessian still positive definite there, so it is the distance that
 * decides) it takes the sample's maximum, where the sample's gradient
 * vanishes and alpha0 is back within half that distance of the full
 * data's. */
static void sub_sample_start(const double *par)
{
	struct sk_covdata cd;
	size_t np;
	struct sk_fit full, far, out;
	int ok;
	struct sk_rfm *p = bg_sim_max(par, 1207, 40000, &cd, &np, &full, &ok);
	int near = ok ? sk_cov_sub_start(&sk_bgnbd, &cd, p, np, 4, &full, &out) : -1;
	far = full;
	far.par[1] *= exp(0.3);
	int took = ok ? sk_cov_sub_start(&sk_bgnbd, &cd, p, np, 4, &far, &out) : 0;
	double gmax = took ? sample_gmax(&cd, p, np, 8, &out) : NAN, dout = 0, dfar = 0;
	if (took) {
		dout = fabs(log(out.par[1] / full.par[1]));
		dfar = fabs(log(far.par[1] / full.par[1]));
	}
	check(ok && near == 0, "BG/NBD, 40,000 customers: at the full data's maximum the "
	      "sample's start is declined (%d)", near);
	check(took == 1 && gmax < 1e-4 && dout < 0.5 * dfar,
	      "BG/NBD: 0.3 off in log alpha0, the start is the sample's maximum (its gradient "
	      "%.1e; log alpha0 %.3f from the full data's maximum, the start %.3f)", gmax, dout,
	      dfar);
	free(p);
	free(cd.z);
}

/* (13) The BG/NBD's coarse estimate from a sample (covbin.c,
 * sk_cov_seed_fit) on 60,000 customers with their own covariates, from
 * the plain model's start (every coefficient 0, alpha 1.5 times the
 * truth).  The sample's maximum: its own gradient vanishes there, it is
 * within its sampling error of the full data's (5 sd of the difference,
 * whose variance is K - 1 times the full data's for a sample of 1/K),
 * though the start is many of those sd away; and the full data's Newton
 * from it reaches the maximum from the true parameters. */
static void seed_start(const double *par)
{
	struct sk_covdata cd;
	size_t np;
	struct sk_fit full, seed, from_seed;
	int ok;
	struct sk_rfm *p = bg_sim_max(par, 1311, 60000, &cd, &np, &full, &ok);
	int npar = 8;
	double st[SK_FIT_MAXPAR];
	for (int i = 0; i < npar; i++)
		st[i] = i < 4 ? par[i] * (i == 1 ? 1.5 : 1) : 1;
	int sok = ok && sk_cov_seed_fit(&sk_bgnbd, &cd, p, np, 4, st, 60000, &seed);
	size_t step = np / 20000;	/* SEED_N */
	double worst = 0, start_sd = 0;
	for (int i = 0; sok && i < npar; i++) {
		double sd = sqrt((double)(step - 1)) * full.se[i] / full.par[i];
		worst = fmax(worst, fabs(log(seed.par[i] / full.par[i])) / sd);
		start_sd = fmax(start_sd, fabs(log(st[i] / full.par[i])) / sd);
	}
	double gmax = sok ? sample_gmax(&cd, p, np, step, &seed) : NAN;
	from_seed = seed;
	void *ctx = sk_covlik_new(&sk_bgnbd, &cd, p, np);
	int fok = sok && sk_fit_newton(npar, sk_covlik_hess, ctx, &from_seed);
	sk_covlik_free(ctx);
	double dp = 0;
	for (int i = 0; fok && i < npar; i++)
		dp = fmax(dp, fabs(log(from_seed.par[i] / full.par[i])));
	check(sok && step >= 2 && gmax < 1e-4 && worst < 5 && start_sd > 10,
	      "BG/NBD, 60,000 customers: the seed is the sample of every %zu-th pattern's "
	      "maximum (its gradient %.1e), %.2f sd of the difference from the full data's "
	      "(the start %.1f sd)", step, gmax, worst, start_sd);
	check(fok && fabs(from_seed.loglik - full.loglik) < 1e-9 * fabs(full.loglik) && dp < 1e-6,
	      "BG/NBD: Newton from the seed reaches the full data's maximum (LL %.6f vs %.6f, "
	      "parameters within %.1e)", fok ? from_seed.loglik : 0, full.loglik, dp);
	free(p);
	free(cd.z);
}

/* (14) The plain fit as the start alone (covfit.c, sk_cov_plain_start)
 * on 60,000 BG/NBD customers with their own covariates: without the
 * test against the plain model it is the fit on every 8th plain
 * pattern, not on all of them, and the fit with covariates from it ends
 * where the fit from the plain fit on every customer does; with the
 * test (test_shared) or a penalty, or below the threshold, it declines. */
static void plain_start(const double *par)
{
	struct sk_covdata cd;
	size_t np, nq;
	struct sk_fit full, plain, sampled, from_full, from_sample;
	int ok;
	struct sk_rfm *p = bg_sim_max(par, 1409, 60000, &cd, &np, &full, &ok);
	struct sk_rfm *q = sk_cov_plain_patterns(p, np, &nq);
	char err[256];
	int took = sk_cov_plain_start(&sk_bgnbd, 0, &cd, q, nq, 1000, &sampled);
	int rc = sk_bgnbd.fit(q, nq, &plain, err, sizeof err);
	cd.test_shared = 1;
	int tested = sk_cov_plain_start(&sk_bgnbd, 0, &cd, q, nq, 1000, &sampled);
	cd.test_shared = 0;
	int pen = sk_cov_plain_start(&sk_bgnbd, 0.01, &cd, q, nq, 1000, &sampled);
	int few = sk_cov_plain_start(&sk_bgnbd, 0, &cd, q, nq, nq + 1, &sampled);
	took = took && sk_cov_plain_start(&sk_bgnbd, 0, &cd, q, nq, 1000, &sampled);
	/* the sample's maximum is not the full data's */
	double moved = took && rc == 0 ? fabs(log(sampled.par[1] / plain.par[1])) : 0;
	int fa = took && rc == 0 &&
		 sk_cov_fit(&sk_bgnbd, &cd, &plain, p, np, &from_full, err, sizeof err) == 0;
	int fb = fa && sk_cov_fit(&sk_bgnbd, &cd, &sampled, p, np, &from_sample, err,
				  sizeof err) == 0;
	double dp = 0;
	for (int i = 0; fb && i < 8; i++)
		dp = fmax(dp, fabs(log(from_sample.par[i] / from_full.par[i])));
	check(ok && took == 1 && tested == 0 && pen == 0 && few == 0,
	      "BG/NBD, 60,000 customers (%zu plain patterns): the plain start from a sample "
	      "only without the test, a penalty or below its threshold (%d %d %d %d)", nq,
	      took, tested, pen, few);
	check(fb && moved > 1e-6 && dp < 1e-6 &&
	      fabs(from_sample.loglik - from_full.loglik) < 1e-9 * fabs(from_full.loglik),
	      "BG/NBD: from the sample's plain fit (log alpha %.1e from the full one's) the fit "
	      "with covariates ends where it does from the full one's (parameters within %.1e)",
	      moved, dp);
	free(q);
	free(p);
	free(cd.z);
}

int main(void)
{
	newton_damped();
	/* Near CDNOW's estimates in weeks (FHL 2005; FH 2005), with effects
	 * of the size covariates have in FH 2007's illustration. */
	const double pn[8] = { 0.55, 10.6, 0.61, 11.7, 0.5, -0.3, 0.6, 0.4 };
	const double bg[8] = { 0.24, 4.4, 0.79, 2.4, 0.5, -0.3, 0.6, 0.4 };
	likelihood(&sk_pnbd, pn);
	likelihood(&sk_bgnbd, bg);
	covlik(&sk_pnbd, pn, "alpha < beta");
	const double pn_ab[4] = { 0.55, 11.7, 0.61, 1.5 }, pn_far[4] = { 0.55, 0.05, 0.61, 500 };
	covlik(&sk_pnbd, pn_ab, "alpha > beta");
	covlik(&sk_pnbd, pn_far, "rates so unequal that tails are integrated");
	covlik(&sk_bgnbd, bg, "CDNOW-like");
	double ip[4], z[4] = { 1, 2, 0.5, -1 };
	struct sk_covspec s = { .kp = 2, .kd = 2 };
	sk_cov_par(&sk_pnbd, &s, pn, z, ip);
	check(ip[0] == pn[0] && fabs(ip[1] - pn[1] * exp(-(0.5 - 0.6))) < 1e-12 &&
	      ip[2] == pn[2] && fabs(ip[3] - pn[3] * exp(-(0.3 - 0.4))) < 1e-12,
	      "Pareto/NBD: alpha_i = alpha0 exp(-g_p'z), beta_i = beta0 exp(-g_d'z)");
	sk_cov_par(&sk_bgnbd, &s, bg, z, ip);
	check(fabs(ip[2] - bg[2] * exp(0.3 - 0.4)) < 1e-12 &&
	      fabs(ip[3] - bg[3] * exp(0.3 - 0.4)) < 1e-12,
	      "BG/NBD: a_i, b_i = a0, b0 exp(g_d'z)");
	new_customer(pn);
	penalty(pn);
	affine(&sk_bgnbd, bg);
	affine(&sk_pnbd, pn);
	binned_start(&sk_pnbd, pn);
	binned_start(&sk_bgnbd, bg);
	warm_start(&sk_bgnbd, bg);
	warm_start(&sk_pnbd, pn);
	sub_sample_start(bg);
	seed_start(bg);
	plain_start(bg);
	recover(&sk_pnbd, pn, 6000);
	recover(&sk_bgnbd, bg, 6000);
	se_sanity(&sk_bgnbd, bg, 3000, 30);
	se_sanity(&sk_pnbd, pn, 3000, 30);
	coverage(&sk_bgnbd, bg, 2000, 100);
	coverage(&sk_pnbd, pn, 2000, 60);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
