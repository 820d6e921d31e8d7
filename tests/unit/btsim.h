/* btsim.h: the simulators of the learned layer's tests (test_backtest.c,
 * test_risk.c, test_ordervalue.c, test_valuelayer.c): customers whose
 * record is kept at the end of observation and, for the backtest, at an
 * earlier cut with the purchases in the window after it.
 *
 * Each test draws its own process (the draws, in their order, are what
 * its expected figures were measured on); the bookkeeping they share is
 * here once: the arrays (btsim_alloc), a customer's purchases counted as
 * of the end and of the cut (btsim_buy), her two records (btsim_store),
 * BG/NBD fitted and predicting on the result (btsim_bgnbd) and the
 * learned layer's p_return over it (btsim_layer).
 *
 * btsim_cohort is the whole simulator of test_backtest.c's and
 * test_risk.c's plain cohort.  The process is BG/NBD's (Fader, Hardie &
 * Lee 2005, as in lib/model/bgnbd.c): purchases at a Poisson rate
 * lambda ~ Gamma(r, alpha), and after each repeat purchase the customer
 * drops out with probability p ~ Beta(a, b).  First purchases are
 * uniform over the first 12 weeks.  Optionally, after each repeat
 * purchase and before the dropout draw, the customer complains with
 * probability `complain`, `delay` weeks later, and never buys again. */
#ifndef SK_TEST_BTSIM_H
#define SK_TEST_BTSIM_H

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/backtest.h"

/* A customer's purchases as counted: all of them by the end (x, t_x),
 * those by the cut (bx, btx) and those in the window after it (after);
 * times in weeks since her first purchase at t0. */
struct btsim_hist {
	double t0, x, tx, bx, btx, after;
};

/* Count a purchase at week t (not after the end) in h. */
static inline void btsim_buy(struct btsim_hist *h, double t, double cut)
{
	h->x++;
	h->tx = t - h->t0;
	if (t <= cut) {
		h->bx++;
		h->btx = t - h->t0;
	} else
		h->after++;
}

/* d (as of the end) and b (as of the cut, with its purchases and window
 * end - cut) of n rows each, zeroed and not valid. */
static inline void btsim_alloc(size_t n, double end, double cut, struct sk_custdata *d,
			       struct sk_backtest *b)
{
	memset(d, 0, sizeof *d);
	memset(b, 0, sizeof *b);
	d->n = b->d.n = n;
	d->rfm = calloc(n, sizeof *d->rfm);
	d->valid = calloc(n, 1);
	b->d.rfm = calloc(n, sizeof *b->d.rfm);
	b->d.valid = calloc(n, 1);
	b->purchases = calloc(n, sizeof *b->purchases);
	b->window = end - cut;
}

/* Row i of d and of b from h, valid (the counts of valid rows are the
 * caller's). */
static inline void btsim_store(const struct btsim_hist *h, size_t i, double end,
			       double cut, struct sk_custdata *d, struct sk_backtest *b)
{
	d->rfm[i] = (struct sk_rfm){ .x = h->x, .t_x = h->tx, .T = end - h->t0, .w = 1 };
	d->valid[i] = 1;
	b->d.rfm[i] = (struct sk_rfm){ .x = h->bx, .t_x = h->btx, .T = cut - h->t0, .w = 1 };
	b->d.valid[i] = 1;
	b->purchases[i] = h->after;
}

/* BG/NBD fitted to d's patterns into fit, its predictions over horizon
 * into p (the patterns left to the caller); the fit's status. */
static inline int btsim_bgnbd(struct sk_custdata *d, double horizon, struct sk_fit *fit,
			      struct sk_pred *p)
{
	char err[300];
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	int rc = sk_bgnbd.fit(pat, np, fit, err, sizeof err);
	sk_predict(&sk_bgnbd, fit->par, d, horizon, p);
	return rc;
}

/* The learned layer over BG/NBD (btsim_bgnbd, over a 13-week or other
 * horizon) on d with the backtest b, its p_return of every row of d into
 * ret; -1 when the fit or the layer failed.  The patterns are dropped
 * before the layer, as churn does. */
static inline int btsim_layer(struct sk_custdata *d, struct sk_backtest *b, double horizon,
			      double *ret)
{
	struct sk_fit fit;
	struct sk_pred p;
	int rc_fit = btsim_bgnbd(d, horizon, &fit, &p);
	sk_custdata_drop_patterns(d);
	int rc_layer = sk_layer_apply(&sk_bgnbd, &fit, b, d, &p, NULL);
	memcpy(ret, p.p_return, d->n * sizeof *ret);
	sk_pred_free(&p);
	return rc_fit == 0 && rc_layer == 0 ? 0 : -1;
}

struct btsim {
	double par[4];			/* r, alpha, a, b; weeks */
	double end, cut, horizon;	/* weeks */
	double complain, delay;		/* 0: no complaints (and no draws for them) */
	unsigned long seed;		/* of a Mersenne twister */
};

/* Rows 0..ncust-1 of d (as of the end) and b (as of the cut, with its
 * purchases and window), of n rows each, allocated here (d and b zeroed
 * first) and valid; rows from ncust on are left to the caller, zeroed
 * and not valid.  back[i] is 1 when customer i bought again within the
 * horizon after the end (left alone otherwise); complained[i] the week
 * of the complaint, -1 for none (NULL when there are no complaints). */
static inline void btsim_cohort(const struct btsim *s, size_t n, size_t ncust,
				struct sk_custdata *d, struct sk_backtest *b, double *back,
				double *complained)
{
	const double *par = s->par;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, s->seed);
	btsim_alloc(n, s->end, s->cut, d, b);
	for (size_t i = 0; i < ncust; i++) {
		struct btsim_hist h = { .t0 = 12 * gsl_rng_uniform(g) };	/* first purchase */
		double lambda = gsl_ran_gamma(g, par[0], 1 / par[1]);
		double p = gsl_ran_beta(g, par[2], par[3]);
		double when = -1;
		for (double t = h.t0 + gsl_ran_exponential(g, 1 / lambda); t <= s->end + s->horizon;
		     t += gsl_ran_exponential(g, 1 / lambda)) {
			if (t > s->end) {
				back[i] = 1;
				break;
			}
			btsim_buy(&h, t, s->cut);
			if (s->complain > 0 && gsl_rng_uniform(g) < s->complain) {
				when = t + s->delay;
				break;
			}
			if (gsl_rng_uniform(g) < p)
				break;
		}
		if (complained)
			complained[i] = when;
		btsim_store(&h, i, s->end, s->cut, d, b);
	}
	d->nvalid = b->d.nvalid = ncust;
	gsl_rng_free(g);
}

#endif
