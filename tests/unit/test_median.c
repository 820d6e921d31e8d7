/* test_median.c: the median of a customer's purchases over the horizon
 * (lib/model/median.c) against medians found without the model's pmf.
 *
 *  1. The Poisson limit: a Pareto/NBD whose rates do not vary (r and
 *     alpha huge, r / alpha = lambda) and whose customers do not leave
 *     (s tiny) buys Poisson(lambda t) over t; its medians must be the
 *     Poisson's (GSL's distribution function), on both sides of
 *     ln 2, where P(0) crosses one half.
 *  2. A p_return that is not the model's (the learned layer's): 0 at
 *     or below one half, and above it the smallest k with
 *     1 - p + p P(X <= k | X > 0) >= 1/2, the positive part Poisson as
 *     in 1.
 *  3. BG/NBD (the FHL 2005 CDNOW parameters, weeks) against its own story
 *     simulated for three histories: alive with probability p_alive,
 *     then lambda ~ Gamma(r + x, alpha + T), p ~ Beta(a, b + x),
 *     exponential gaps and a dropout with probability p after each
 *     purchase (Fader, Hardie & Lee 2005, Marketing Science 24(2),
 *     sec. 2 and eq. 10).  The histories are chosen so that the
 *     distribution function at the median is at least 0.02 from one
 *     half, where 200,000 draws cannot mistake it (their standard error
 *     is 0.0011).
 *  4. The work per pattern and per (x, T) group (median.c) against the
 *     definition, one customer at a time: for every model, 3,000
 *     customers on a small grid of histories (so that many share a
 *     pattern, many a group, with p_return of every kind: below, at and
 *     above one half, 1, NaN), the median must be the smallest k at which
 *     sk_cond_pmf(1) + ... + sk_cond_pmf(k) reaches
 *     (p - 1/2) / p (1 - sk_cond_pmf(0)), summed customer by customer as
 *     churn --median did up to 0.5: the same number, exactly.
 *  5. The tilt to the learned layer's E[X | X > 0] (median.c): in the
 *     Poisson limit of 1., X | X > 0 is a zero-truncated Poisson(mu),
 *     and tilted by e^(theta k) it is a zero-truncated Poisson(mu e^theta)
 *     (the family is exponential in k); so the median for a mean c of
 *     X | X > 0 must be that of 1 - p + p ZTP(lambda), lambda / (1 -
 *     e^-lambda) = c, from GSL's Poisson pmf.  And the BG/NBD pmf by
 *     recurrences (sk_bg_pmf_iter, the tilt's) against sk_bg_pmf, k = 0..
 *     400, BG/NBD and MBG/NBD, to 1e-13.
 *  6. BG/CNBD-k and MBG/CNBD-k by the recurrences of cnbdpmf.c against
 *     the reference, sk_cond_pmf one n at a time: 300 customers
 *     simulated from the BG/CNBD-k story with Erlang-6 gaps (the
 *     parameters make bench fits to its Erlang-6 log, days, a year
 *     ahead), each her pmf to n = 60 within 1e-10 relative (median.c
 *     trusts a median standing 1e-9 clear of a tie), and every median,
 *     untilted and tilted to 0.6 .. 2.5 times the model's E[X | X > 0],
 *     the same number as sk_predict_median_reference's.
 *  7. The BG/NBD future by sk_bg_pmf_iter (median.c, untilted) against
 *     the reference, its pmf one k at a time: BG/NBD with a continuous
 *     covariate on both processes (every customer her own (x, T, cov)
 *     group, as churn --covariates income makes them) and MBG/NBD
 *     without, 400 customers each, p_return the model's or above one
 *     half; then at ties (p_return such that her need is the
 *     reference's cum(k), k = 1..3), where the recurrences' sums may
 *     fall on either side and median.c redoes her from the pmf: every
 *     median the same number as sk_predict_median_reference's.
 * Prints "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/covar.h"
#include "model/median.h"
#include "model/modelint.h"

#include "tap.h"

#define NROW 3

/* The Poisson median: the smallest k with P(X <= k) >= 1/2. */
static int poisson_median(double mu)
{
	int k = 0;
	while (gsl_cdf_poisson_P(k, mu) < 0.5)
		k++;
	return k;
}

/* One customer (x, t_x, T) in d, valid. */
static void one(struct sk_custdata *d, struct sk_rfm *r, unsigned char *valid, double x,
		double t_x, double T)
{
	*r = (struct sk_rfm){ .x = x, .t_x = t_x, .T = T, .w = 1 };
	*valid = 1;
	*d = (struct sk_custdata){ .n = 1, .rfm = r, .valid = valid, .nvalid = 1 };
}

static void poisson_limit(void)
{
	const double lambda = 0.5;	/* per week */
	const double par[] = { 5e5, 1e6, 1e-9, 1 };	/* r, alpha, s, beta */
	struct sk_custdata d;
	struct sk_rfm r;
	unsigned char valid;
	one(&d, &r, &valid, 0, 0, 0);
	const double mus[] = { 0.3, 0.69, 0.70, 1.7, 3.2, 10.5, 40.2 };
	int same = 0;
	for (size_t j = 0; j < sizeof mus / sizeof *mus; j++) {
		double t = mus[j] / lambda, med;
		double p = 1 - sk_cond_pmf(&sk_pnbd, par, t, 0, 0, 0, 0);
		sk_predict_median(&sk_pnbd, par, &d, t, &p, NULL, &med);
		int want = poisson_median(mus[j]);
		same += med == want;
		if (med != want)
			printf("# mean %g: median %g, Poisson's %d\n", mus[j], med, want);
	}
	check(same == (int)(sizeof mus / sizeof *mus),
	      "Poisson limit: %d of %zu medians are the Poisson's (means 0.3 .. 40.2)", same,
	      sizeof mus / sizeof *mus);

	/* 2. p_return from elsewhere, the positive part Poisson(3.2) */
	const double mu = 3.2, t = mu / lambda;
	const double ps[] = { 0.2, 0.5, 0.55, 0.7, 0.9, 0.99 };
	same = 0;
	for (size_t j = 0; j < sizeof ps / sizeof *ps; j++) {
		double med, p = ps[j];
		sk_predict_median(&sk_pnbd, par, &d, t, &p, NULL, &med);
		int want = 0;
		if (p > 0.5) {
			double p0 = gsl_ran_poisson_pdf(0, mu), cum = 1 - p;
			while (cum < 0.5)
				cum += p * gsl_ran_poisson_pdf(++want, mu) / (1 - p0);
		}
		same += med == want;
		if (med != want)
			printf("# p_return %g: median %g, expected %d\n", p, med, want);
	}
	check(same == (int)(sizeof ps / sizeof *ps),
	      "p_return not the model's: %d of %zu medians right (0 up to one half)", same,
	      sizeof ps / sizeof *ps);
}

static void bgnbd_story(void)
{
	const double par[] = { 0.243, 4.414, 0.793, 2.426 };	/* FHL 2005, weeks */
	const double t = 39;
	/* x, t_x, T: a regular buyer seen lately, a frequent one, a one-off */
	const double hist[NROW][3] = { { 4, 30, 38 }, { 12, 37, 38 }, { 1, 20, 38 } };
	const int ndraw = 200000;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 16);
	for (int h = 0; h < NROW; h++) {
		double x = hist[h][0], tx = hist[h][1], T = hist[h][2];
		struct sk_custdata d;
		struct sk_rfm r;
		unsigned char valid;
		one(&d, &r, &valid, x, tx, T);
		double p = 1 - sk_cond_pmf(&sk_bgnbd, par, t, 0, x, tx, T), med;
		sk_predict_median(&sk_bgnbd, par, &d, t, &p, NULL, &med);
		double pa = sk_bgnbd.p_alive(par, x, tx, T);
		int *count = calloc(ndraw, sizeof *count);
		for (int i = 0; i < ndraw; i++) {
			if (gsl_rng_uniform(g) >= pa)
				continue;
			double lam = gsl_ran_gamma(g, par[0] + x, 1 / (par[1] + T));
			double q = gsl_ran_beta(g, par[2], par[3] + x);
			for (double s = gsl_ran_exponential(g, 1 / lam); s <= t;
			     s += gsl_ran_exponential(g, 1 / lam)) {
				count[i]++;
				if (gsl_rng_uniform(g) < q)
					break;
			}
		}
		/* the simulated distribution function at the median and below */
		int at = 0, below = 0;
		for (int i = 0; i < ndraw; i++) {
			at += count[i] <= med;
			below += count[i] < med;
		}
		double F = (double)at / ndraw, Fb = (double)below / ndraw;
		check(F >= 0.5 && Fb < 0.5,
		      "BG/NBD x %g t_x %g T %g: median %g, simulated P(X <= %g) %.4f, "
		      "P(X < %g) %.4f", x, tx, T, med, med, F, med, Fb);
		check(fabs(F - 0.5) > 0.02 && fabs(Fb - 0.5) > 0.02,
		      "  (clear of one half: a draw cannot mistake it)");
		free(count);
	}
	gsl_rng_free(g);
}

/* The definition, one customer at a time (median.c up to 0.5). */
static double direct(const struct sk_tmodel *tm, const double *par, double t,
		     const struct sk_rfm *r, double p)
{
	if (!(p > 0.5))
		return 0;
	double pos = 1 - sk_cond_pmf(tm, par, t, 0, r->x, r->t_x, r->T);
	if (!(pos > 0))
		return 1;
	double need = (p - 0.5) / p * pos, cum = 0;
	int k = 0;
	while (cum < need && k < 100000)
		cum += sk_cond_pmf(tm, par, t, ++k, r->x, r->t_x, r->T);
	return k;
}

static void per_pattern(void)
{
	static const struct {
		const struct sk_tmodel *tm;
		double par[5], t;
	} m[] = {
		{ &sk_mbgnbd, { 0.243, 4.414, 0.793, 2.426 }, 39 },
		{ &sk_bgnbd, { 0.243, 4.414, 0.793, 2.426 }, 39 },
		{ &sk_pnbd, { 0.55, 10.58, 0.61, 11.67 }, 39 },
		{ &sk_bgbb, { 1.204, 0.750, 0.657, 2.783 }, 5 },
		{ &sk_ggomnbd, { 0.7, 4, 0.05, 0.8, 3 }, 39 },
		{ &sk_bgcnbd, { 0.85, 1.45, 0.79, 2.42, 3 }, 39 },
		{ &sk_mbgcnbd, { 0.85, 1.45, 0.79, 2.42, 3 }, 39 },
	};
	enum { N = 3000 };
	struct sk_rfm *r = calloc(N, sizeof *r);
	unsigned char *valid = calloc(N, 1);
	double *p = calloc(N, sizeof *p), *med = calloc(N, sizeof *med);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 1616);
	for (size_t j = 0; j < sizeof m / sizeof *m; j++) {
		int discrete = m[j].tm->discrete;
		size_t nvalid = 0;
		for (int i = 0; i < N; i++) {
			/* x 0..12 (and a heavy buyer), T of 4 values, t_x of 6:
			 * ~300 patterns, ~50 groups; a prospect now and then */
			double T = discrete ? 6 : 20 + 6 * (int)gsl_rng_uniform_int(g, 4);
			double x = gsl_rng_uniform_int(g, 50) == 0 ? 40 : (double)gsl_rng_uniform_int(g, 13);
			if (discrete)
				x = fmin(x, T);
			double tx = x > 0 ? T * (1 + (int)gsl_rng_uniform_int(g, 6)) / 6 : 0;
			r[i] = (struct sk_rfm){ .x = x, .t_x = tx, .T = T, .w = 1 };
			valid[i] = gsl_rng_uniform_int(g, 20) != 0;
			nvalid += valid[i];
			int kind = (int)gsl_rng_uniform_int(g, 10);
			p[i] = kind == 0 ? 0.5 : kind == 1 ? 1 : kind == 2 ? NAN :
			       kind == 3 ? 1 - sk_cond_pmf(m[j].tm, m[j].par, m[j].t, 0, x, tx, T) :
			       gsl_rng_uniform(g);
			med[i] = -1;
		}
		struct sk_custdata d = { .n = N, .rfm = r, .valid = valid, .nvalid = nvalid };
		sk_predict_median(m[j].tm, m[j].par, &d, m[j].t, p, NULL, med);
		int same = 0, untouched = 0, over0 = 0;
		for (int i = 0; i < N; i++) {
			if (!valid[i]) {
				untouched += med[i] == -1;
				continue;
			}
			double want = direct(m[j].tm, m[j].par, m[j].t, &r[i], p[i]);
			same += med[i] == want;
			over0 += want > 1;
			if (med[i] != want && same + 3 > i)
				printf("# %s x %g t_x %g T %g p %.17g: median %g, directly %g\n",
				       m[j].tm->name, r[i].x, r[i].t_x, r[i].T, p[i], med[i], want);
		}
		check(same == (int)nvalid && untouched == N - (int)nvalid && over0 > 50 &&
		      d.pid == NULL,
		      "%s: %d of %zu medians as one customer at a time finds them (%d above 1), "
		      "%d prospects left alone, patterns dropped", m[j].tm->name, same, nvalid,
		      over0, untouched);
	}
	gsl_rng_free(g);
	free(r);
	free(valid);
	free(p);
	free(med);
}

/* lambda with lambda / (1 - e^-lambda) = c > 1, by bisection */
static double ztp_lambda(double c)
{
	double lo = 1e-9, hi = c + 1;
	for (int i = 0; i < 200; i++) {
		double m = (lo + hi) / 2;
		if (m / -expm1(-m) < c)
			lo = m;
		else
			hi = m;
	}
	return (lo + hi) / 2;
}

static void tilt(void)
{
	const double lambda = 0.5;
	const double par[] = { 5e5, 1e6, 1e-9, 1 };	/* Poisson(0.5 / week) as in 1. */
	struct sk_custdata d;
	struct sk_rfm r;
	unsigned char valid;
	one(&d, &r, &valid, 0, 0, 0);
	const double mu = 3.2, t = mu / lambda;
	/* (p_return, mean of X | X > 0): below, at and above the model's
	 * 3.2 / (1 - e^-3.2) = 3.33 */
	const double cases[][2] = { { 0.9, 1.6 }, { 0.7, 2.5 }, { 0.99, 3.0 }, { 0.8, 4.4 },
				    { 0.95, 7.3 }, { 0.6, 12.1 }, { 0.4, 9.0 }, { 0.9, 1.0 } };
	int same = 0, n = (int)(sizeof cases / sizeof *cases);
	for (int j = 0; j < n; j++) {
		double p = cases[j][0], c = cases[j][1], e = p * c, med;
		sk_predict_median(&sk_pnbd, par, &d, t, &p, &e, &med);
		int want = 0;
		if (p > 0.5) {
			double l = c > 1 ? ztp_lambda(c) : 1e-12, cum = 1 - p;
			while (cum < 0.5)
				cum += p * gsl_ran_poisson_pdf(++want, l) / -expm1(-l);
		}
		same += med == want;
		if (med != want)
			printf("# p_return %g, E[X | X > 0] %g: median %g, zero-truncated Poisson's %d\n",
			       p, c, med, want);
	}
	check(same == n, "tilted to the layer's E[X | X > 0]: %d of %d medians are the "
	      "zero-truncated Poisson's", same, n);

	const double bg[] = { 0.243, 4.414, 0.793, 2.426 };
	double worst = 0;
	for (int s = 0; s <= 1; s++)
		for (double tt = 1; tt <= 1000; tt *= 10) {
			struct sk_bg_pmf_iter it;
			sk_bg_pmf_iter_init(&it, bg, tt, s);
			for (int k = 0; k <= 400; k++) {
				double a = sk_bg_pmf_iter_next(&it), b = sk_bg_pmf(bg, tt, k, s);
				worst = fmax(worst, fabs(a - b));
			}
		}
	check(worst < 1e-13, "BG/NBD and MBG/NBD pmf by recurrences = sk_bg_pmf to %.1e "
	      "(t 1 .. 1000 weeks, k 0 .. 400)", worst);
}

/* One customer of the BG/CNBD-k story (Platzer & Reutterer 2016, sec.
 * 3): lambda ~ Gamma(r, alpha), p ~ Beta(a, b), Erlang-k gaps of rate
 * lambda, dropping out with probability p after each repeat purchase,
 * observed for T days from her first. */
static struct sk_rfm erlang_customer(gsl_rng *g, const double *par)
{
	double lam = gsl_ran_gamma(g, par[0], 1 / par[1]), p = gsl_ran_beta(g, par[2], par[3]);
	double T = 30 + gsl_rng_uniform(g) * 700, now = 0, x = 0, t_x = 0;
	for (;;) {
		now += gsl_ran_gamma(g, par[4], 1 / lam);
		if (now > T)
			break;
		x++;
		t_x = now;
		if (gsl_rng_uniform(g) < p)
			break;
	}
	return (struct sk_rfm){ .x = x, .t_x = t_x, .T = T, .w = 1 };
}

static void cnbd_fast(void)
{
	static const struct {
		const struct sk_tmodel *tm;
		double par[5];
	} m[] = {
		{ &sk_bgcnbd, { 0.80652, 6.86076, 0.79628, 2.38928, 6 } },
		{ &sk_mbgcnbd, { 1.18850, 9.16376, 1.64877, 7.57966, 6 } },
	};
	enum { N = 300, NPMF = 60 };
	const double t = 365, tilt[] = { 0.6, 0.95, 1.3, 2.5 };
	struct sk_rfm r[N];
	unsigned char valid[N];
	double p[N], e[N], med[N], ref[N];
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 2016);
	for (size_t j = 0; j < sizeof m / sizeof *m; j++) {
		const struct sk_tmodel *tm = m[j].tm;
		const double *par = m[j].par;
		double worst = 0;
		int over1 = 0;
		for (int i = 0; i < N; i++) {
			r[i] = erlang_customer(g, par);
			valid[i] = 1;
			double mp = tm->p_return(par, t, r[i].x, r[i].t_x, r[i].T);
			/* the model's p_return, or a layer's above one half */
			p[i] = i % 3 ? mp : 0.5 + gsl_rng_uniform(g) / 2;
			e[i] = p[i] * tm->expected(par, t, r[i].x, r[i].t_x, r[i].T) / mp *
			       tilt[i % 4];
			struct sk_cnbd_pmf_iter it;
			if (sk_cnbd_pmf_init(&it, par, t, r[i].x, r[i].t_x, r[i].T,
					     tm == &sk_mbgcnbd) != 0) {
				worst = HUGE_VAL;
				continue;
			}
			for (int n = 0; n < NPMF; n++) {
				double a = sk_cnbd_pmf_next(&it);
				double b = sk_cond_pmf(tm, par, t, n, r[i].x, r[i].t_x, r[i].T);
				if (b > 1e-300 || a > 1e-300)
					worst = fmax(worst, fabs(a - b) / b);
			}
		}
		check(worst < 1e-10, "%s k = 6: pmf by recurrences = sk_cond_pmf to %.1e relative "
		      "(%d simulated Erlang-6 customers, n 0 .. %d)", tm->name, worst, N, NPMF - 1);
		struct sk_custdata d = { .n = N, .rfm = r, .valid = valid, .nvalid = N };
		for (int tilted = 0; tilted <= 1; tilted++) {
			sk_predict_median(tm, par, &d, t, p, tilted ? e : NULL, med);
			sk_predict_median_reference(tm, par, &d, t, p, tilted ? e : NULL, ref);
			int same = 0;
			over1 = 0;
			for (int i = 0; i < N; i++) {
				same += med[i] == ref[i];
				over1 += ref[i] > 1;
				if (med[i] != ref[i] && same + 3 > i)
					printf("# %s x %g t_x %g T %g p %.17g: median %g, reference %g\n",
					       tm->name, r[i].x, r[i].t_x, r[i].T, p[i], med[i], ref[i]);
			}
			check(same == N && over1 > 20, "%s k = 6%s: %d of %d medians are the "
			      "reference's (%d above 1)", tm->name,
			      tilted ? ", tilted to 0.6 .. 2.5 x E[X | X > 0]" : "", same, N, over1);
		}
		/* At a tie: p_return such that her need is the reference's
		 * cum(k), k = 1, 2, 3, to the last bit or so, where the
		 * recurrences' sums may fall on either side (median.c then
		 * redoes her with sk_cond_pmf). */
		int ties = 0;
		for (int i = 0; i < N; i++) {
			double pos = 1 - sk_cond_pmf(tm, par, t, 0, r[i].x, r[i].t_x, r[i].T), cum = 0;
			for (int n = 1; n <= 1 + i % 3; n++)
				cum += sk_cond_pmf(tm, par, t, n, r[i].x, r[i].t_x, r[i].T);
			p[i] = 0.5 / (1 - cum / pos);
			ties += p[i] > 0.5 && p[i] <= 1;
			if (!(p[i] > 0.5 && p[i] <= 1))
				p[i] = 0;
		}
		sk_predict_median(tm, par, &d, t, p, NULL, med);
		sk_predict_median_reference(tm, par, &d, t, p, NULL, ref);
		int same = 0;
		for (int i = 0; i < N; i++)
			same += med[i] == ref[i];
		check(same == N && ties > 50, "%s k = 6: at %d ties, %d of %d medians are the "
		      "reference's", tm->name, ties, same, N);
	}
	gsl_rng_free(g);
}

static void bg_fast(void)
{
	static const struct {
		const struct sk_tmodel *tm;
		double par[6];
		int cov;
	} m[] = {
		/* FHL 2005's CDNOW estimates (weeks), a coefficient on each
		 * process for a standard normal covariate */
		{ &sk_bgnbd, { 0.243, 4.414, 0.793, 2.426, 0.4, -0.3 }, 1 },
		{ &sk_mbgnbd, { 0.525, 6.183, 0.891, 1.614, 0, 0 }, 0 },
	};
	enum { N = 400 };
	const double t = 39;
	struct sk_rfm r[N];
	unsigned char valid[N];
	double p[N], med[N], ref[N], z[2 * N];
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 2005);
	for (size_t j = 0; j < sizeof m / sizeof *m; j++) {
		const struct sk_tmodel *tm = m[j].tm;
		struct sk_covdata cd = { .spec = { .kp = 1, .kd = 1 }, .nz = N, .z = z };
		struct sk_custdata d = { .n = N, .rfm = r, .valid = valid, .nvalid = N,
					 .cov = m[j].cov ? &cd : NULL, .ncov = m[j].cov ? N : 0 };
		double pp[N][4];
		for (int i = 0; i < N; i++) {
			double T = 1 + gsl_rng_uniform(g) * 77;
			double x = (double)gsl_rng_uniform_int(g, 1 + i % 12);
			r[i] = (struct sk_rfm){ .x = x, .t_x = x > 0 ? T * gsl_rng_uniform(g) : 0,
						.T = T, .w = 1, .cov = (uint32_t)i };
			z[2 * i] = z[2 * i + 1] = gsl_ran_gaussian(g, 1);
			valid[i] = 1;
			const double *q = sk_cov_rowpar(tm, m[j].par, d.cov, &r[i], pp[i]);
			if (q != pp[i])
				for (int k = 0; k < 4; k++)
					pp[i][k] = q[k];
			double mp = tm->p_alive(pp[i], r[i].x, r[i].t_x, r[i].T) *
				    tm->return_alive(pp[i], t, r[i].x, r[i].T);
			p[i] = i % 3 ? mp : 0.5 + gsl_rng_uniform(g) / 2;
		}
		sk_predict_median(tm, m[j].par, &d, t, p, NULL, med);
		sk_predict_median_reference(tm, m[j].par, &d, t, p, NULL, ref);
		int same = 0, over1 = 0;
		for (int i = 0; i < N; i++) {
			same += med[i] == ref[i];
			over1 += ref[i] > 1;
		}
		check(same == N && over1 > 20, "%s%s by sk_bg_pmf_iter: %d of %d medians are the "
		      "reference's (%d above 1)", tm->name, m[j].cov ? " with covariates" : "",
		      same, N, over1);
		int ties = 0;
		for (int i = 0; i < N; i++) {
			double pos = 1 - sk_cond_pmf(tm, pp[i], t, 0, r[i].x, r[i].t_x, r[i].T);
			double cum = 0;
			for (int n = 1; n <= 1 + i % 3; n++)
				cum += sk_cond_pmf(tm, pp[i], t, n, r[i].x, r[i].t_x, r[i].T);
			p[i] = 0.5 / (1 - cum / pos);
			ties += p[i] > 0.5 && p[i] <= 1;
			if (!(p[i] > 0.5 && p[i] <= 1))
				p[i] = 0;
		}
		sk_predict_median(tm, m[j].par, &d, t, p, NULL, med);
		sk_predict_median_reference(tm, m[j].par, &d, t, p, NULL, ref);
		same = 0;
		for (int i = 0; i < N; i++)
			same += med[i] == ref[i];
		check(same == N && ties > 100, "%s%s by sk_bg_pmf_iter: at %d ties, %d of %d medians "
		      "are the reference's", tm->name, m[j].cov ? " with covariates" : "", ties,
		      same, N);
	}
	gsl_rng_free(g);
}

int main(void)
{
	poisson_limit();
	bgnbd_story();
	per_pattern();
	tilt();
	cnbd_fast();
	bg_fast();
	printf("# %d/%d checks passed\n", checks - failures, checks);
	return failures != 0;
}
