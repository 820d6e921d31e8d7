/* test_return.c: p_return = p_alive x return_alive, the probability of
 * at least one transaction in (T, T+t], for each transaction model,
 * against a simulation of the model itself.  Customers are drawn from
 * the model's prior, observed to T and followed to T+t; among those with
 * a given calibration frequency x, the share who bought in (T, T+t] must
 * equal the mean of their predicted p_return (an exact identity for any
 * selection by (x, t_x), so no binning error).  Prints one "ok - ..." /
 * "not ok - ..." line per check and exits 1 if any failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tap.h"
#include "model/model.h"


enum { BGNBD, MBGNBD, PNBD, BGBB };

/* One simulated customer: x, t_x in (0, T] and whether she bought in
 * (T, T+h].  Continuous models: first purchase at 0, the papers' story. */
static void simulate(gsl_rng *g, int kind, const double *par, double T, double h,
		     double *x, double *t_x, int *back)
{
	*x = *t_x = 0;
	*back = 0;
	if (kind == BGBB) {
		double p = gsl_ran_beta(g, par[0], par[1]), th = gsl_ran_beta(g, par[2], par[3]);
		for (int k = 1; k <= T + h; k++) {
			if (gsl_rng_uniform(g) < th)
				return;	/* leaves at the start of opportunity k */
			if (gsl_rng_uniform(g) < p) {
				if (k <= T) {
					(*x)++;
					*t_x = k;
				} else {
					*back = 1;
					return;
				}
			}
		}
		return;
	}
	double lambda = gsl_ran_gamma(g, par[0], 1 / par[1]);
	double death = HUGE_VAL, p = 0;
	if (kind == PNBD)
		death = gsl_ran_exponential(g, 1 / gsl_ran_gamma(g, par[2], 1 / par[3]));
	else {
		p = gsl_ran_beta(g, par[2], par[3]);
		if (kind == MBGNBD && gsl_rng_uniform(g) < p)
			return;	/* MBG/NBD: may leave right after the first purchase */
	}
	for (double t = gsl_ran_exponential(g, 1 / lambda); t <= T + h && t < death;
	     t += gsl_ran_exponential(g, 1 / lambda)) {
		if (t > T) {
			*back = 1;
			return;
		}
		(*x)++;
		*t_x = t;
		if (kind != PNBD && gsl_rng_uniform(g) < p)
			return;	/* leaves after this purchase */
	}
}

static void run(const struct sk_tmodel *tm, int kind, const double *par, double T, double h)
{
	const int n = 300000;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 7);
	/* per x = 0, 1, 2, 3+: customers, came back, sum of p_return */
	double cnt[4] = { 0 }, obs[4] = { 0 }, pred[4] = { 0 };
	for (int i = 0; i < n; i++) {
		double x, t_x;
		int back;
		simulate(g, kind, par, T, h, &x, &t_x, &back);
		int k = x < 3 ? (int)x : 3;
		cnt[k]++;
		obs[k] += back;
		pred[k] += tm->p_alive(par, x, t_x, T) * tm->return_alive(par, h, x, T);
	}
	for (int k = 0; k < 4; k++) {
		double po = obs[k] / cnt[k], pp = pred[k] / cnt[k];
		double se = sqrt(pp * (1 - pp) / cnt[k]);
		check(cnt[k] > 1000 && fabs(po - pp) < 4 * se + 1e-3,
		      "%s: x %s%d: p_return %.4f, simulated %.4f (%.0f customers, se %.4f)",
		      tm->title, k == 3 ? ">= " : "", k, pp, po, cnt[k], se);
	}
	gsl_rng_free(g);
}

/* The Pareto/NBD's return_alive is a difference of two 2F1 tails
 * (pnbd.c); here its defining integral (SMC 1987 sec. 4: given alive,
 * lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T) independent)
 *   int_0^t (r+x)/A (A/(A+u))^(r+x+1) (B/(B+u))^s du
 * by GSL's adaptive quadrature, over shapes from CDNOW's to rates
 * 10^4 apart, x to 200 and horizons to 10^4. */
struct ret_int {
	double m, s, A, B;
};

static double ret_f(double u, void *vc)
{
	const struct ret_int *c = vc;
	return c->m / c->A * exp(-(c->m + 1) * log1p(u / c->A) - c->s * log1p(u / c->B));
}

static void pnbd_return_integral(void)
{
	static const double pars[][4] = {
		{ 0.553, 10.578, 0.606, 11.669 }, { 1.32, 91, 1.6, 512 },
		{ 0.5, 0.05, 0.7, 500 }, { 2, 400, 0.3, 0.04 }, { 0.2, 3, 40, 1200 },
	};
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	double worst = 0;
	int bad = 0;
	for (size_t i = 0; i < sizeof pars / sizeof pars[0]; i++)
		for (double x = 0; x <= 200; x = x ? 4 * x : 1)
			for (double T = 1; T <= 800; T *= 9)
				for (double t = 0.5; t <= 1e4; t *= 7) {
					const double *p = pars[i];
					struct ret_int c = { p[0] + x, p[2], p[1] + T, p[3] + T };
					gsl_function f = { ret_f, &c };
					double q, err;
					bad += gsl_integration_qag(&f, 0, t, 0, 1e-12, 1000,
								   GSL_INTEG_GAUSS61, w, &q, &err) != 0;
					double v = sk_pnbd.return_alive(p, t, x, T);
					worst = fmax(worst, fabs(v - q) / fmax(q, 1e-300));
				}
	gsl_integration_workspace_free(w);
	gsl_set_error_handler(old);
	check(!bad && worst < 1e-10, "Pareto/NBD: return_alive is its integral (largest "
	      "relative difference %.1e)", worst);
}

int main(void)
{
	/* CDNOW-like parameters (Fader, Hardie & Lee 2005) in weeks, T and
	 * the horizon as in the standard 39-week split. */
	const double bg[] = { 0.243, 4.414, 0.793, 2.426 };
	const double pn[] = { 0.553, 10.578, 0.606, 11.669 };
	run(&sk_bgnbd, BGNBD, bg, 32, 39);
	run(&sk_mbgnbd, MBGNBD, (const double[]){ 0.525, 6.18, 0.891, 1.61 }, 32, 39);
	run(&sk_pnbd, PNBD, pn, 32, 39);
	/* BG/BB on the donations fit (Fader, Hardie & Shang 2010, table 2),
	 * 6 opportunities observed, 5 ahead. */
	run(&sk_bgbb, BGBB, (const double[]){ 1.204, 0.750, 0.657, 2.783 }, 6, 5);

	/* Sanity of the shape: no purchase window, nothing comes back; a
	 * long window reaches the alive customers' limit. */
	check(sk_bgnbd.return_alive(bg, 0, 2, 30) == 0 && sk_pnbd.return_alive(pn, 0, 2, 30) == 0,
	      "zero horizon: p_return 0");
	/* BG/NBD: alive means buying again some day. */
	check(fabs(sk_bgnbd.return_alive(bg, 1e12, 2, 30) - 1) < 1e-9,
	      "BG/NBD: an alive customer returns within a long enough horizon");
	double prev = 0;
	int mono = 1;
	for (double t = 1; t < 500; t *= 1.5) {
		double v = sk_pnbd.return_alive(pn, t, 1, 20);
		mono &= v >= prev && v <= 1;
		prev = v;
	}
	check(mono, "Pareto/NBD: return_alive rises with the horizon, at most 1");
	pnbd_return_integral();
	printf("# %d/%d checks passed\n", checks - failures, checks);
	return failures != 0;
}
