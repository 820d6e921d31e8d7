/* covbin.c: the fit with covariates where there are many distinct
 * covariate vectors (covar.c's cov_fit sends them here).
 *
 * A continuous column makes every customer a group of her own, and the
 * shared scaffolding's coarse start (t_x and T on a grid) then merges
 * nothing: BFGS ran on every customer (1M customers, one continuous
 * column: the Pareto/NBD took 20 s CPU).  So the coarse problem here
 * also rounds the standardised columns to a grid of BIN_STEP standard
 * deviations: a few dozen covariate groups a column, on the coarse
 * patterns.
 * Its optimum is only the start (rounding a column adds variance
 * BIN_STEP^2 / 12 ~ 0.005 of its own, so its coefficients are within a
 * percent of the full data's), from which Newton's method runs on the
 * full likelihood, one customer at a time with its exact Hessian
 * (covlik.c; BFGS on the full data should Newton not converge): the
 * estimate is the full data's maximum either way.  With the Newton
 * polish by differences (25 evaluations of every customer's tails,
 * sk_tmodel_fit_coarse) the Pareto/NBD still took 15 s; with three
 * evaluations that give the Hessian too, and the series' coefficients
 * shared by the customers of one x, its fit takes about 1 s of CPU.
 * On many patterns the BG/NBD's coarse estimate is a sample's maximum
 * instead (sk_cov_seed_fit), and the full data's Newton may start from a
 * larger sample's (sk_cov_sub_start). */
#include "covar.h"
#include "covint.h"
#include "modelint.h"
#include "record/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BIN_MIN 2048		/* distinct vectors below this: as they are */
/* Groups smaller than this (in patterns) take the same path: the plain
 * model's tables pay where a group has tens of thousands of customers,
 * not below.  One column of K values on the bench's 10^6 customers, CPU
 * of the whole churn run by groups / this way: Pareto/NBD K = 20: 2.1 /
 * 2.2 s, K = 200: 4.9 / 2.2 s, K = 1500: 9.4 / 2.9 s; BG/NBD 1.5 / 1.3,
 * 1.9 / 1.4, 2.9 / 1.9 s; six vectors (two categorical columns):
 * Pareto/NBD 1.9 / 2.2 s.  Small data with a vector per customer too
 * (test_covar's fits of 2,000 to 6,000 customers: 42 / 9 s of CPU). */
#define SMALL_GROUP 20000
#define BIN_STEP 0.25

int sk_cov_many_vectors(const struct sk_covdata *cd, size_t n)
{
	return cd->nz >= BIN_MIN || n / (cd->nz ? cd->nz : 1) < SMALL_GROUP;
}

static _Thread_local const double *bin_z;
static _Thread_local int bin_k;

static double bin_of(double z)
{
	return BIN_STEP * nearbyint(z / BIN_STEP);
}

static int cmp_binned(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	for (int j = 0; j < bin_k; j++) {
		double u = bin_of(bin_z[a * (size_t)bin_k + (size_t)j]);
		double v = bin_of(bin_z[b * (size_t)bin_k + (size_t)j]);
		if (u != v)
			return u < v ? -1 : 1;
	}
	return 0;
}

/* The distinct rounded vectors of cd into bd (bd->z the caller frees)
 * and each vector's index among them in map (the caller frees). */
static uint32_t *bin_covariates(const struct sk_covdata *cd, struct sk_covdata *bd)
{
	int k = cd->spec.kp + cd->spec.kd;
	size_t nz = cd->nz, *ord = sk_xmalloc((nz ? nz : 1) * sizeof *ord);
	uint32_t *map = sk_xmalloc((nz ? nz : 1) * sizeof *map);
	for (size_t i = 0; i < nz; i++)
		ord[i] = i;
	bin_z = cd->z;
	bin_k = k;
	qsort(ord, nz, sizeof *ord, cmp_binned);
	*bd = *cd;
	bd->z = sk_xmalloc((nz ? nz : 1) * (size_t)(k ? k : 1) * sizeof *bd->z);
	bd->nz = 0;
	for (size_t i = 0; i < nz; i++) {
		if (i == 0 || cmp_binned(&ord[i - 1], &ord[i]) != 0) {
			for (int j = 0; j < k; j++)
				bd->z[bd->nz * (size_t)k + (size_t)j] =
					bin_of(cd->z[ord[i] * (size_t)k + (size_t)j]);
			bd->nz++;
		}
		map[ord[i]] = (uint32_t)(bd->nz - 1);
	}
	free(ord);
	return map;
}

struct sk_rfm *sk_cov_sample_patterns(const struct sk_rfm *c, size_t m, size_t step, size_t *ms)
{
	*ms = (m + step - 1) / step;
	struct sk_rfm *sp = sk_xmalloc((*ms ? *ms : 1) * sizeof *sp);
	for (size_t i = 0; i < *ms; i++)
		sp[i] = c[i * step];
	return sp;
}

/* Newton's method on the full data from the coarse estimate took six
 * evaluations of every customer's likelihood with its Hessian (10^6
 * customers, BG/NBD with total_spend on make bench's log: 0.77 s of the
 * fit's 1.3 s wall): there the coarse problem's grid of t_x, T and the
 * covariates put its maximum up to 0.9 from the full data's in log a
 * and log b.  A systematic sample of every SUB_K-th pattern (the
 * patterns go by x, so the sample keeps the frequencies' mix) has its
 * maximum off the full data's by its sampling error only, sd ~
 * sqrt((K-1)/K) of its own standard errors, and Newton there costs 1/K
 * an evaluation: from the sample's maximum the full data took four
 * evaluations (the fit's Newton 0.77 -> 0.47 s).  Only a start: the
 * estimate is still the full data's maximum (Newton's test, step below
 * 1e-7).  Where the coarse estimate is already within that sampling
 * error the sample cannot do better (Pareto/NBD with one continuous
 * column on make bench's data: 1.7 sd; three full evaluations from it,
 * four from the sample's maximum): one evaluation of the sample at the
 * coarse estimate tells, its Newton step being the distance to the
 * sample's maximum and its inverse Hessian the sample's covariance, and
 * below SUB_FAR sd in every parameter the coarse estimate stays.  1 with
 * the sample's maximum in out. */
#define SUB_K 8
#define SUB_MIN (SUB_K * 20000)
#define SUB_FAR 4

int sk_cov_sub_start(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		     const struct sk_rfm *c, size_t m, int k, const struct sk_fit *coarse,
		     struct sk_fit *out)
{
	int np = 4 + k, far = 0, ok = 0;
	size_t ms;
	struct sk_rfm *sp = sk_cov_sample_patterns(c, m, SUB_K, &ms);
	void *sctx = sk_covlik_new(tm, cd, sp, ms);
	double th[SK_FIT_MAXPAR], g[SK_FIT_MAXPAR], d[SK_FIT_MAXPAR];
	double H[SK_FIT_MAXPAR * SK_FIT_MAXPAR];
	double a[SK_FIT_MAXPAR][SK_FIT_MAXPAR], inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	for (int i = 0; i < np; i++)
		th[i] = log(coarse->par[i]);
	if (isfinite(sk_covlik_hess(th, g, H, sctx))) {
		for (int i = 0; i < np; i++)
			for (int j = 0; j < np; j++)
				a[i][j] = H[i * SK_FIT_MAXPAR + j];
		/* where -LL is not even convex the coarse estimate is far */
		far = sk_chol_inverse(np, a, inv) != 0;
		if (!far) {
			sk_newton_step(np, inv, g, d);
			for (int j = 0; j < np; j++)
				far |= fabs(d[j]) > SUB_FAR * sqrt((SUB_K - 1.0) / SUB_K * inv[j][j]);
		}
	}
	if (far) {	/* damped first, as fit_binned does on the full data */
		*out = *coarse;
		ok = sk_fit_newton_damped(np, sk_covlik_hess, sctx, out) &&
		     sk_fit_newton(np, sk_covlik_hess, sctx, out);
	}
	sk_covlik_free(sctx);
	free(sp);
	return ok;
}

/* The BG/NBD's coarse problem by Newton's method too (damped from the
 * plain model's start, where the Hessian is not yet negative definite):
 * its exact Hessian one pattern at a time (covlik.c) took 12
 * evaluations on the 82,479 coarse patterns of make bench's log with
 * total_spend where BFGS on the plain model's tables per covariate group
 * (sk_cov_nll) took 55 iterations (0.37 -> 0.17 s wall).  Not the
 * Pareto/NBD's: its customer costs a hypergeometric series where a
 * group's tables share them, and BFGS stayed cheaper (one continuous
 * column: 0.38-0.41 s against 0.60-0.78 s on a loaded machine).  BFGS
 * stays the fallback.  The evaluations are the coarse fit's iteration
 * count (--report). */
struct counted {
	void *ctx;
	int n;
};

static double counted_hess(const double *theta, double *grad, double *hess, void *v)
{
	struct counted *c = v;
	c->n++;
	return sk_covlik_hess(theta, grad, hess, c->ctx);
}

/* A fit of np parameters that is only its start st, for Newton's
 * method to take from there. */
static void start_at(struct sk_fit *f, int np, double nobs, const double *st)
{
	memset(f, 0, sizeof *f);
	f->npar = np;
	f->nobs = nobs;
	memcpy(f->par, st, (size_t)np * sizeof *st);
}

/* On many patterns (m >= SEED_N * 2 SUB_K) the BG/NBD's coarse problem
 * is a sample's, not the binned one's (above): every (m / SEED_N)-th
 * pattern, damped Newton from the plain model's start, then Newton, all
 * with covlik's exact Hessian.  The binned problem cost more than the
 * full Newton that follows it: making its patterns and grid 0.14 s on
 * one core, its 13 evaluations on 82,479 coarse patterns 0.3 s, and the
 * maximum it found lay up to 0.9 off the full data's in log a and log b,
 * so sk_cov_sub_start's 1/8 sample then took 7 evaluations more (make
 * bench's log with total_spend, 10^6 customers).  The 20,000-pattern
 * sample's 12 evaluations take 0.04 s, and its maximum is off the full
 * data's by its sampling error only (0.3 there): sk_cov_sub_start
 * declines, and the full data's Newton takes the four evaluations it
 * took from the 1/8 sample's maximum.  The estimate is still the full
 * data's maximum (Newton's step below 1e-7).  1 with the sample's
 * maximum in coarse (its evaluations as the iteration count), 0 when
 * Newton did not get there (the binned problem then runs).  Declared in
 * covint.h for the unit tests. */
#define SEED_N 20000

int sk_cov_seed_fit(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		    const struct sk_rfm *c, size_t m, int k, const double *st, double nobs,
		    struct sk_fit *coarse)
{
	size_t ms;
	struct sk_rfm *sp = sk_cov_sample_patterns(c, m, m > SEED_N ? m / SEED_N : 1, &ms);
	struct counted cnt = { sk_covlik_new(tm, cd, sp, ms), 0 };
	start_at(coarse, 4 + k, nobs, st);
	int ok = sk_fit_newton_damped(4 + k, counted_hess, &cnt, coarse) &&
		 sk_fit_newton(4 + k, counted_hess, &cnt, coarse);
	sk_covlik_free(cnt.ctx);
	free(sp);
	coarse->iterations = cnt.n;
	return ok;
}

/* The fit with the binned coarse start (above); cd standardised, st the
 * standardised start (natural scale, coefficients as exp(g)).  From the
 * coarse estimate, Newton's method with the exact Hessian on the full
 * data one customer at a time (covlik.c): three or four evaluations
 * where the Newton polish by differences took 25 (one continuous column
 * on 10^6 customers); should it fail, BFGS and the polish on the full
 * data as for any fit.  A start that is already an estimate (the shared
 * form's, for the separate BG/NBD: warm) goes to Newton at once: the
 * coarse problem would only find it again. */
int sk_cov_fit_binned(const struct sk_tmodel *tm, const struct sk_covdata *cd, const double *st,
		      int warm, const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		      char *err, size_t errlen)
{
	int k = sk_covspec_ncoef(&cd->spec);
	size_t m;
	double nobs;
	struct sk_rfm *owned;
	const struct sk_rfm *c = sk_rfm_compressed(pat, n, &m, &nobs, &owned, err, errlen);
	if (!c)
		return -1;
	struct sk_fit coarse;
	int rc = -1;
	if (!warm && tm != &sk_pnbd && m >= SUB_MIN && m / SEED_N >= 2 * SUB_K &&
	    sk_cov_seed_fit(tm, cd, c, m, k, st, nobs, &coarse)) {
		rc = 0;
	} else if (!warm) {
		size_t mc = 0;
		struct sk_covdata bd;
		uint32_t *map = bin_covariates(cd, &bd);
		struct sk_rfm *cb = sk_xmalloc((m ? m : 1) * sizeof *cb);
		for (size_t i = 0; i < m; i++) {
			cb[i] = c[i];
			cb[i].cov = map[c[i].cov];
		}
		struct sk_rfm *cc = sk_rfm_coarse_new(cb, m, &mc);
		const struct sk_rfm *cp = cc ? cc : cb;
		size_t cn = cc ? mc : m;
		int nw = 0;
		if (tm != &sk_pnbd) {
			struct counted cnt = { sk_covlik_new(tm, &bd, cp, cn), 0 };
			start_at(&coarse, 4 + k, nobs, st);
			nw = sk_fit_newton_damped(4 + k, counted_hess, &cnt, &coarse) &&
			     sk_fit_newton(4 + k, counted_hess, &cnt, &coarse);
			sk_covlik_free(cnt.ctx);
			coarse.iterations = cnt.n;
		}
		if (nw) {
			rc = 0;
		} else {
			void *cctx = sk_cov_ctx_new(tm, &bd, cp, cn);
			rc = sk_fit_run_nose(4 + k, sk_cov_nll, cctx, st, nobs, &coarse, err, errlen);
			sk_cov_ctx_free(cctx);
		}
		free(cc);
		free(cb);
		free(map);
		free(bd.z);
	} else {
		start_at(&coarse, 4 + k, nobs, st);
		rc = 0;
	}
	void *ctx = sk_covlik_new(tm, cd, c, m);
	if (rc == 0) {
		/* Newton from the coarse estimate; where its Hessian is not
		 * negative definite, damped Newton first (above).  On many
		 * patterns, first from the sample's maximum (sk_cov_sub_start). */
		int newton = 0;
		if (m >= SUB_MIN && sk_cov_sub_start(tm, cd, c, m, k, &coarse, out))
			newton = sk_fit_newton(4 + k, sk_covlik_hess, ctx, out);
		if (!newton) {
			*out = coarse;
			newton = sk_fit_newton(4 + k, sk_covlik_hess, ctx, out);
		}
		if (!newton) {
			*out = coarse;
			newton = sk_fit_newton_damped(4 + k, sk_covlik_hess, ctx, out) &&
				 sk_fit_newton(4 + k, sk_covlik_hess, ctx, out);
		}
		if (!newton)
			rc = sk_tmodel_fit_run(4 + k, sk_covlik_nll, ctx, 1, coarse.par, nobs, out,
					       err, errlen);
	} else {
		rc = sk_tmodel_fit_run(4 + k, sk_covlik_nll, ctx, 1, st, nobs, out, err, errlen);
	}
	out->penalty = 0;
	sk_covlik_free(ctx);
	free(owned);
	return rc;
}
