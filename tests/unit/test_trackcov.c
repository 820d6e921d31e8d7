/* test_trackcov.c: churn --tracking's sums with covariates
 * (lib/crm/trackcov.c) where the values are only as exact as the model's
 * own numerics.  The BG/NBD's E[X(t)] (sk_bgnbd_alive_mean) is good to
 * ~1e-10 relative (a series that lost up to 6 digits, or quadrature to
 * 1e-11); with a heavy-tailed covariate on both processes
 * (churn --covariates total_spend on bench/data/tx5m.csv) that noise sat
 * above the panels' old tail tolerance of 1e-13 and every panel in the
 * tail was halved down to width 1/64 and its ~33,000 cohorts summed one
 * by one (14.6 s of tracking's CPU).
 *
 * Here the BG/NBD with E[X(t)] and P(X(t) = k) multiplied by
 * 1 + NOISE e(p, t), e a deterministic hash of the arguments in [-1, 1]:
 *  1. the panels keep their polynomials: fewer than 5% of the 4,000
 *     cohorts are summed one by one (~all of them at a tolerance of
 *     1e-13: the check fails there);
 *  2. the sums agree with the same noisy values summed cohort by cohort
 *     to 1e-9 relative (the interpolation adds at most a few times the
 *     noise), and so does the histogram's P(X(T) = k);
 *  3. E[X(t)] with a jump of 1e-7 relative where t / alpha crosses 1/2
 *     (here alpha_j is 52 to 88 weeks and t up to 66), as
 *     sk_bgnbd_alive_mean's switch from series to quadrature at 199
 *     where alpha_i is small: the
 *     panels keep their polynomials at the lags without the jump (fewer
 *     than 5% of the cohorts one by one; every cohort of the tail
 *     panels when those were halved, the check fails there) and the sums
 *     agree with the cohorts' own to 1e-9.
 * Prints "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/trackcov.h"
#include "model/model.h"

#include "tap.h"

#define NOISE 3e-11
#define NC 4000
#define NDAY 400

/* A deterministic jitter in [-1, 1] of the bits of (p, t). */
static double jitter(const double *p, double t)
{
	uint64_t h = 1469598103934665603ULL, u;
	for (int i = 0; i < 5; i++) {
		double v = i < 4 ? p[i] : t;
		memcpy(&u, &v, sizeof u);
		h = (h ^ u) * 1099511628211ULL;
		h ^= h >> 29;
	}
	return (double)(h >> 11) / (double)(1ULL << 52) - 1;
}

static double noisy_expected_new(const double *p, double t)
{
	return sk_bgnbd.expected_new(p, t) * (1 + NOISE * jitter(p, t));
}

static double noisy_pmf(const double *p, double t, int k)
{
	return sk_bgnbd.pmf(p, t, k) * (1 + NOISE * jitter(p, t + k));
}

static double jump_expected_new(const double *p, double t)
{
	return sk_bgnbd.expected_new(p, t) * (t / p[1] > 0.5 ? 1 + 1e-7 : 1);
}

static double rel(double a, double b)
{
	return fabs(a - b) / (fabs(b) > 1e-300 ? fabs(b) : 1);
}

/* The cohorts' own E[X(t)] summed at each period end D[k] into want[k]
 * (added to what is there), and the worst relative difference of out. */
static double direct_worst(const struct sk_trackcov *h, const struct sk_tmodel *tm,
			   const long *D, size_t nD, const double *out, double *want)
{
	double worst = 0;
	for (size_t k = 0; k < nD; k++) {
		for (size_t j = 0; j < h->nc; j++)
			if (h->c[j].f < D[k])
				want[k] += h->c[j].w * tm->expected_new(h->ip + 4 * j,
									(double)(D[k] - h->c[j].f) / 7);
		worst = fmax(worst, rel(out[k], want[k]));
	}
	return worst;
}

int main(void)
{
	struct sk_tmodel tm = sk_bgnbd;
	tm.expected_new = noisy_expected_new;
	tm.pmf = noisy_pmf;
	/* cohort j: first day j mod NDAY, z_j = e^(4 u) - 1 (u uniform,
	 * up to 53), alpha_j = alpha0 e^(-0.01 z), a_j, b_j = a0, b0 e^(0.05 z)
	 * (one column on both processes: a one-parameter family) */
	struct sk_trackcov h = { .tm = &tm, .unit_days = 7, .nc = NC };
	h.c = calloc(NC, sizeof *h.c);
	h.ip = calloc(4 * NC, sizeof *h.ip);
	for (size_t j = 0; j < NC; j++) {
		double u = (double)((j * 104729) % NC) / NC, z = expm1(4 * u);
		h.c[j] = (struct sk_trackcov_cohort){ (long)(j % NDAY), (uint32_t)j, 1 + j % 3 };
		double *p = h.ip + 4 * j;
		p[0] = 0.98;
		p[1] = 88 * exp(-0.01 * z);
		p[2] = 7.5 * exp(0.05 * z);
		p[3] = 6.6 * exp(0.05 * z);
	}
	/* sorted by first day, as sk_trackcov_init leaves them */
	for (size_t j = 1; j < NC; j++)
		for (size_t i = j; i > 0 && h.c[i - 1].f > h.c[i].f; i--) {
			struct sk_trackcov_cohort c = h.c[i - 1];
			double q[4];
			h.c[i - 1] = h.c[i];
			h.c[i] = c;
			memcpy(q, h.ip + 4 * (i - 1), sizeof q);
			memcpy(h.ip + 4 * (i - 1), h.ip + 4 * i, sizeof q);
			memcpy(h.ip + 4 * i, q, sizeof q);
		}
	long D[(NDAY + 60) / 7 + 1];
	size_t nD = 0;
	for (long d = 6; d < NDAY + 60; d += 7)
		D[nD++] = d;
	double *out = calloc(nD, sizeof *out), *want = calloc(nD, sizeof *want);
	size_t one = sk_trackcov_sums(&h, D, nD, 1, 0, out);
	double worst = direct_worst(&h, &tm, D, nD, out, want);
	check(one < NC / 20, "noisy E[X(t)] (1 +- %g): %zu of %d cohorts summed one by one "
	      "(the panels keep their polynomials above the noise)", NOISE, one, NC);
	check(worst < 1e-9, "noisy E[X(t)]: the panels' sums at %zu period ends = the "
	      "cohorts' own to 1e-9 (worst rel. %.2g)", nD, worst);
	/* the histogram's shape: 7 values at one end, lags shifted a day */
	double hist[7], hw[7] = { 0 }, hworst = 0;
	long Dh = NDAY;
	one = sk_trackcov_sums(&h, &Dh, 1, 7, 1, hist);
	for (size_t j = 0; j < NC; j++)
		for (int q = 0; q < 7; q++) {
			double v = tm.pmf(h.ip + 4 * j, (double)(Dh - h.c[j].f - 1) / 7, q);
			hw[q] += h.c[j].w * (isfinite(v) && v > 0 ? v : 0);
		}
	for (int q = 0; q < 7; q++)
		hworst = fmax(hworst, rel(hist[q], hw[q]));
	/* (one end: every cohort costs one evaluation, so one by one is
	 * the cheaper path and taken) */
	check(one == NC && hworst < 1e-9, "noisy P(X(T) = k): the histogram = the cohorts' own "
	      "to 1e-9 (worst rel. %.2g)", hworst);
	/* 3: the jump */
	tm.expected_new = jump_expected_new;
	memset(want, 0, nD * sizeof *want);
	one = sk_trackcov_sums(&h, D, nD, 1, 0, out);
	worst = direct_worst(&h, &tm, D, nD, out, want);
	check(one < NC / 20 && worst < 1e-9, "E[X(t)] jumping by 1e-7 at t / alpha = 1/2: %zu "
	      "of %d cohorts one by one, the sums = the cohorts' own to 1e-9 (worst rel. %.2g)",
	      one, NC, worst);
	free(out);
	free(want);
	free(h.c);
	free(h.ip);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
