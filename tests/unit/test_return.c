/* test_return.c: p_return = p_alive x return_alive, the probability of
 * at least one transaction in (T, T+t], for each transaction model,
 * against a simulation of the model itself.  Customers are drawn from
 * the model's prior, observed to T and followed to T+t; among those with
 * a given calibration frequency x, the share who bought in (T, T+t] must
 * equal the mean of their predicted p_return (an exact identity for any
 * selection by (x, t_x), so no binning error).  Prints one "ok - ..." /
 * "not ok - ..." line per check and exits 1 if any failed. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/model.h"

static int failures, checks;

static void check(int cond, const char *fmt, ...)
{
	va_list ap;
	checks++;
	if (!cond)
		failures++;
	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

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
	printf("# %d/%d checks passed\n", checks - failures, checks);
	return failures != 0;
}
