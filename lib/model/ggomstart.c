/* ggomstart.c: the GGom/NBD fit's starts (ggomnbd.c fit()): which of
 * them leads to the maximum, each run by BFGS alone on ggomtab.c's
 * tables, the one chosen then polished by fit().  Apart from ggomnbd.c
 * for its length. */
#include "record/util.h"
#include "modelint.h"
#include "ggomint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPAR 5

/* Starts: the Pareto/NBD's (pnbd.c) with beta/b = the mean T, from a
 * nearly constant hazard (b T = 0.1) and from one that grows e-fold over
 * the mean T; then CLVTools's default start (r, alpha, b, s, beta = 0.5,
 * 2, 0.5, 0.5, 0.5 in weeks, here scaled to the data). */
#define NSTART 3
static void start_row(const struct sk_rfm_sums *s, int k, double *st)
{
	double scale = s->T > 0 ? s->T / s->x : 1, meanT = s->T > 0 ? s->T / s->w : 1;
	const double v[NSTART][NPAR] = {
		{ 1, scale, 0.1 / meanT, 1, 0.1 },
		{ 1, scale, 1 / meanT, 1, 1 },
		{ 0.5, 0.5 * scale, 0.5 / meanT, 0.5, 0.5 },
	};
	memcpy(st, v[k], sizeof v[k]);
}

static void start0(const struct sk_rfm_sums *s, double *st)
{
	start_row(s, 0, st);
}

static void start1(const struct sk_rfm_sums *s, double *st)
{
	start_row(s, 1, st);
}

static void start2(const struct sk_rfm_sums *s, double *st)
{
	start_row(s, 2, st);
}

/* One fit per start, the best kept: the likelihood is flat along the
 * direction s, beta -> inf (no spread in eta), and BFGS from a start on
 * the wrong side stops there with a log-likelihood a few units short of
 * the maximum (seen on simulated data with b, s, beta = 0.08, 1.2, 4). */
static const struct sk_tfit_spec specs[NSTART] = { SK_GGOM_SPEC(start0), SK_GGOM_SPEC(start1),
						   SK_GGOM_SPEC(start2) };

/* Where a start's BFGS run joins the ridge s, beta -> inf (no spread in
 * eta; above): s beyond this with the likelihood still rising along
 * the ridge (the nll's d/d ln s + d/d ln beta < 0).  pnbd's RIDGE_S. */
#define START_RIDGE_S 30

/* The starts' likelihood: ggomtab.c's, frozen once a point is on the
 * ridge (as ridge_nll below: that point's value with a zero gradient,
 * which ends BFGS there). */
struct start_ctx {
	void *tab;
	int frozen;
	double th[NPAR];
};

static double start_nll(const double *theta, double *grad, void *ctx)
{
	struct start_ctx *c = ctx;
	double g[NPAR], v;
	if (c->frozen) {
		v = sk_ggom_tab_nll(c->th, NULL, c->tab);
		memset(g, 0, sizeof g);
	} else {
		v = sk_ggom_tab_nll(theta, g, c->tab);
		if (isfinite(v) && theta[3] > log(START_RIDGE_S) && g[3] + g[4] < 0) {
			c->frozen = 1;
			memcpy(c->th, theta, sizeof c->th);
			memset(g, 0, sizeof g);
		}
	}
	if (grad)
		memcpy(grad, g, sizeof g);
	return v;
}

/* The best of the starts on pat[0..n): BFGS only (the estimate is
 * polished afterwards from the best, on the data: polishing each start,
 * with standard errors, cost ~40% of the starts' evaluations), on one
 * table for all starts, and a start that joins the ridge stopped there
 * (on bench/ggomgen.c's 1M customers the first start went on to s = 9173
 * for 178 evaluations, ending 1018 log-likelihood units below the
 * others).  A stopped start cannot win unless every start stopped, or
 * it stopped near the best that did not (below): then it is run on to
 * its end unwatched, as before.  0, or -1 with the first start's reason in err.
 * With a penalty, each start is a full sk_tmodel_fit_std (the penalised
 * objective is not this one). */
int sk_ggom_best_start(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
			size_t errlen)
{
	int ok = 0;
	char e[400];
	if (sk_tmodel_penalty() > 0) {
		for (int k = 0; k < NSTART; k++) {
			struct sk_fit f;
			if (sk_tmodel_fit_std(&specs[k], pat, n, &f, e, sizeof e) != 0) {
				if (!ok && k == 0)
					snprintf(err, errlen, "%s", e);
				continue;
			}
			if (!ok || f.loglik > out->loglik)
				*out = f;
			ok = 1;
		}
		return ok ? 0 : -1;
	}
	size_t m;
	double nobs;
	struct sk_rfm *owned;
	struct sk_rfm_sums sums;
	const struct sk_rfm *c = sk_rfm_compressed_sums(pat, n, &m, &nobs, &owned, &sums, err,
							errlen);
	if (!c)
		return -1;
	struct start_ctx sc = { sk_ggom_tab_new(c, m), 0, { 0 } };
	struct sk_fit f[NSTART];
	int stopped[NSTART], done[NSTART];
	double best_free = -HUGE_VAL;
	for (int k = 0; k < NSTART; k++) {
		double st[NPAR];
		start_row(&sums, k, st);
		sc.frozen = 0;
		done[k] = sk_fit_run_nose(NPAR, start_nll, &sc, st, nobs, &f[k], e, sizeof e) == 0;
		stopped[k] = done[k] && sc.frozen;
		if (!done[k] && k == 0)
			snprintf(err, errlen, "%s", e);
		if (done[k] && !stopped[k])
			best_free = fmax(best_free, f[k].loglik);
	}
	/* A stopped start within a unit (and 1e-6 relative) of the best
	 * free one is run on: the likelihood can keep rising along the
	 * ridge to an interior maximum at a large s (test_ggomnbd.c's
	 * ridge case: s = 80.6, 0.05 units above where the start stopped
	 * at s = 30 and 0.002 above the best free end). */
	best_free -= 1 + 1e-6 * fabs(best_free);
	for (int k = 0; k < NSTART; k++) {
		if (stopped[k] && !(f[k].loglik <= best_free)) {
			/* run on from where it stopped, without the watch */
			struct sk_fit g;
			done[k] = sk_fit_run_nose(NPAR, sk_ggom_tab_nll, sc.tab, f[k].par, nobs, &g,
						  e, sizeof e) == 0;
			if (done[k])
				f[k] = g;
		}
		/* BFGS's ends at one maximum differ by ~1e-5 in ln L where
		 * polished fits agreed to rounding: within 1e-3 + 1e-9 |ln L|
		 * the earlier start stays, as it did then (its iterations are
		 * the ones reported). */
		if (done[k] && (!stopped[k] || !(f[k].loglik <= best_free)) &&
		    (!ok || f[k].loglik > out->loglik + 1e-3 + 1e-9 * fabs(out->loglik))) {
			*out = f[k];
			ok = 1;
		}
	}
	sk_ggom_tab_free(sc.tab);
	free(owned);
	return ok ? 0 : -1;
}
