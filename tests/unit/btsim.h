/* btsim.h: a cohort simulated from BG/NBD for the tests of the learned
 * layer (test_backtest.c, test_risk.c): each customer's record at the
 * end of observation, the same record at the backtest's cut with the
 * purchases in the window after it, and whether the customer bought
 * again within a horizon after the end.
 *
 * The process is BG/NBD's (Fader, Hardie & Lee 2005, as in
 * lib/model/bgnbd.c): purchases at a Poisson rate lambda ~ Gamma(r,
 * alpha), and after each repeat purchase the customer drops out with
 * probability p ~ Beta(a, b).  First purchases are uniform over the first
 * 12 weeks.  Optionally, after each repeat purchase and before the
 * dropout draw, the customer complains with probability `complain`,
 * `delay` weeks later, and never buys again. */
#ifndef SK_TEST_BTSIM_H
#define SK_TEST_BTSIM_H

#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/backtest.h"

struct btsim {
	double par[4];			/* r, alpha, a, b; weeks */
	double end, cut, horizon;	/* weeks */
	double complain, delay;		/* 0: no complaints (and no draws for them) */
	unsigned long seed;		/* of a Mersenne twister */
};

/* Rows 0..ncust-1 of d (as of the end) and b (as of the cut, with its
 * purchases and window), of n rows each, allocated here and valid; rows
 * from ncust on are left to the caller, zeroed and not valid.  back[i]
 * is 1 when customer i bought again within the horizon after the end
 * (left alone otherwise); complained[i] the week of the complaint, -1
 * for none (NULL when there are no complaints). */
static void btsim_cohort(const struct btsim *s, size_t n, size_t ncust, struct sk_custdata *d,
			 struct sk_backtest *b, double *back, double *complained)
{
	const double *par = s->par;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, s->seed);
	d->n = b->d.n = n;
	d->rfm = calloc(n, sizeof *d->rfm);
	d->valid = calloc(n, 1);
	b->d.rfm = calloc(n, sizeof *b->d.rfm);
	b->d.valid = calloc(n, 1);
	b->purchases = calloc(n, sizeof *b->purchases);
	b->window = s->end - s->cut;
	for (size_t i = 0; i < ncust; i++) {
		double t0 = 12 * gsl_rng_uniform(g);	/* first purchase, weeks */
		double lambda = gsl_ran_gamma(g, par[0], 1 / par[1]);
		double p = gsl_ran_beta(g, par[2], par[3]);
		double x = 0, tx = 0, bx = 0, btx = 0, after = 0, when = -1;
		for (double t = t0 + gsl_ran_exponential(g, 1 / lambda); t <= s->end + s->horizon;
		     t += gsl_ran_exponential(g, 1 / lambda)) {
			if (t > s->end) {
				back[i] = 1;
				break;
			}
			x++;
			tx = t - t0;
			if (t <= s->cut) {
				bx++;
				btx = t - t0;
			} else
				after++;
			if (s->complain > 0 && gsl_rng_uniform(g) < s->complain) {
				when = t + s->delay;
				break;
			}
			if (gsl_rng_uniform(g) < p)
				break;
		}
		if (complained)
			complained[i] = when;
		d->rfm[i] = (struct sk_rfm){ .x = x, .t_x = tx, .T = s->end - t0, .w = 1 };
		d->valid[i] = 1;
		b->d.rfm[i] = (struct sk_rfm){ .x = bx, .t_x = btx, .T = s->cut - t0, .w = 1 };
		b->d.valid[i] = 1;
		b->purchases[i] = after;
	}
	d->nvalid = b->d.nvalid = ncust;
	gsl_rng_free(g);
}

#endif
