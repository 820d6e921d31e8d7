/* test_ordervalue.c: the learned layer's order value (issue 16; features
 * in lib/model/ordervalue.c, chosen in layerfeat.c) on customers
 * simulated from MBG/NBD (the FHL 2005 CDNOW BG/NBD parameters, weeks,
 * with dropout after the first purchase too) with one addition: half
 * the customers spend big (each order Gamma with mean 100) and rarely
 * leave (dropout after a purchase Beta(0.793, 6), mean 0.12), half spend
 * little (mean 20) and leave sooner (Beta(0.793, 0.8), mean 0.50), so
 * that order value says who stays, as with Online Retail's
 * wholesalers.  Observed to week 39, cut at week 26 for the
 * backtest, followed to week 52 (a 13-week horizon).
 *
 * Two probes with the same history (one purchase, at week 1, observed
 * since: the customers churn calls churned and winback courts) differ
 * only in their order's value, 150 against 15.  In the simulation a
 * one-time buyer's chance to be alive after 37 weeks is higher for the
 * big spender, and the layer must say so clearly (by half again);
 * without the order value the probes are one history.  Order values
 * that say nothing must be left out by the cross-validated check.
 * Prints "ok - ..." / "not ok - ..." lines and exits 1 if any failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "btsim.h"
#include "tap.h"
#include "valuetab.h"
#include "model/backtest.h"
#include "model/learn.h"

#define N 20000
#define NP 2	/* the probes, the last rows */

struct world {
	struct sk_custdata d;
	struct sk_backtest b;
	double back[N + NP];
	double *cut, *end;	/* SK_NVALUE a row, made into b's table */
	struct sk_table *t;
};

/* The table of w's values as they stand now. */
static void tabulate(struct world *w)
{
	sk_table_free(w->t);
	w->t = value_table(&w->b, N + NP, w->cut, w->end);
}

static void simulate(struct world *w)
{
	const double par[] = { 0.243, 4.414, 0.793, 2.426 };	/* FHL 2005, weeks */
	const double end = 39, cut = 26, horizon = 13;
	const size_t n = N + NP;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 16);
	memset(w, 0, sizeof *w);
	btsim_alloc(n, end, cut, &w->d, &w->b);
	w->cut = malloc(n * SK_NVALUE * sizeof *w->cut);
	w->end = malloc(n * SK_NVALUE * sizeof *w->end);
	for (size_t i = 0; i < N; i++) {
		int big = gsl_rng_uniform(g) < 0.5;
		double mean = big ? 100 : 20;
		struct btsim_hist h = { .t0 = 12 * gsl_rng_uniform(g) };
		double lambda = gsl_ran_gamma(g, par[0], 1 / par[1]);
		double p = gsl_ran_beta(g, par[2], big ? 6 : 0.8);
		double first = gsl_ran_gamma(g, 4, mean / 4), tot = first, btot = first;
		/* Dropout may follow the first purchase too (MBG/NBD, Batislam,
		 * Denizel & Filiztekin 2007): a one-time buyer may be gone. */
		int gone = gsl_rng_uniform(g) < p;
		for (double t = h.t0 + gsl_ran_exponential(g, 1 / lambda); !gone && t <= end + horizon;
		     t += gsl_ran_exponential(g, 1 / lambda)) {
			if (t > end) {
				w->back[i] = 1;
				break;
			}
			double v = gsl_ran_gamma(g, 4, mean / 4);
			btsim_buy(&h, t, cut);
			tot += v;
			if (t <= cut)
				btot += v;
			if (gsl_rng_uniform(g) < p)
				break;
		}
		set_value(w->cut + i * SK_NVALUE, btot, first, h.bx);
		set_value(w->end + i * SK_NVALUE, tot, first, h.x);
		btsim_store(&h, i, end, cut, &w->d, &w->b);
	}
	/* The probes: one purchase at week 1, only at the end, not learned
	 * from. */
	for (size_t k = 0; k < NP; k++) {
		size_t i = N + k;
		w->d.rfm[i] = (struct sk_rfm){ .x = 0, .t_x = 0, .T = 38, .w = 1, .litt = 0 };
		w->d.valid[i] = 1;
		set_value(w->cut + i * SK_NVALUE, NAN, NAN, 0);
		set_value(w->end + i * SK_NVALUE, k == 0 ? 150 : 15, k == 0 ? 150 : 15, 0);
	}
	w->d.nvalid = n;
	w->b.d.nvalid = N;
	gsl_rng_free(g);
	tabulate(w);
}

/* The layer's p_return of every customer, with the order value or
 * without; ret must hold N + NP. */
static int layer(struct world *w, int with_value, double *ret)
{
	const struct sk_table *vt = w->b.value_t;
	if (!with_value)
		w->b.value_t = NULL;
	int status = btsim_layer(&w->d, &w->b, 13, ret);
	w->b.value_t = vt;
	return status;
}

/* Move every simulated customer's values (not the probes') to another
 * customer: from = a copy of the values before. */
static void scramble(double *v, const double *from)
{
	for (size_t i = 0; i < N; i++)
		memcpy(v + i * SK_NVALUE, from + ((i * 7919) % N) * SK_NVALUE,
		       SK_NVALUE * sizeof *v);
}

int main(void)
{
	static struct world w;
	simulate(&w);
	double *with = malloc((N + NP) * sizeof *with), *without = malloc((N + NP) * sizeof *without);
	check(layer(&w, 1, with) == 0, "the layer learns with the order value");
	check(layer(&w, 0, without) == 0, "and without it");
	double pb = with[N], ps = with[N + 1];
	check(without[N] == without[N + 1],
	      "without the order value the two probes are one history (%.4f, %.4f)", without[N],
	      without[N + 1]);
	check(pb >= 1.5 * ps, "a one-time buyer of 150 long ago: p_return %.4f, at least half "
	      "again the %.4f of one of 15", pb, ps);

	/* Ranking and calibration against what the simulated customers did:
	 * the order value must rank returns better than the history alone,
	 * and the mean p_return match the return rate. */
	double auc_with = sk_auc(with, w.back, N), auc_without = sk_auc(without, w.back, N);
	check(auc_with > auc_without + 0.01, "AUC %.4f with the order value, above the %.4f "
	      "without", auc_with, auc_without);
	double mw = 0, obs = 0;
	for (size_t i = 0; i < N; i++) {
		mw += with[i];
		obs += w.back[i];
	}
	mw /= N, obs /= N;
	double se = sqrt(obs * (1 - obs) / N);
	check(fabs(mw - obs) < 4 * se + 0.01, "mean p_return %.4f with the order value matches "
	      "the simulated return rate %.4f", mw, obs);

	/* No leakage: what is learned comes from the cut; the end's values of
	 * everybody but the probes scrambled leave the probes' p_return as it
	 * was. */
	double *keep = malloc(N * SK_NVALUE * sizeof *keep), *again = malloc((N + NP) * sizeof *again);
	memcpy(keep, w.end, N * SK_NVALUE * sizeof *keep);
	scramble(w.end, keep);
	tabulate(&w);
	check(layer(&w, 1, again) == 0, "the layer learns with the end's values scrambled");
	check(again[N] == pb && again[N + 1] == ps,
	      "the probes' p_return is the same (%.4f, %.4f): nothing learned from the end",
	      again[N], again[N + 1]);

	/* Values that say nothing: the cut's drawn afresh, every order from
	 * one Gamma whatever the customer's kind (so unrelated to what they
	 * did after), are not used, and the layer is the one without them,
	 * to the bit. */
	memcpy(w.end, keep, N * SK_NVALUE * sizeof *keep);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 61);
	for (size_t i = 0; i < N; i++) {
		double x = w.b.d.rfm[i].x, first = gsl_ran_gamma(g, 4, 60 / 4.0), tot = first;
		for (double k = 0; k < x; k++)
			tot += gsl_ran_gamma(g, 4, 60 / 4.0);
		set_value(w.cut + i * SK_NVALUE, tot, first, x);
	}
	gsl_rng_free(g);
	tabulate(&w);
	check(layer(&w, 1, again) == 0, "the layer learns with the cut's values meaningless");
	int same = 1;
	for (size_t i = 0; i < N + NP; i++)
		same &= again[i] == without[i];
	check(same, "an order value unrelated to coming back is left out: p_return as without "
	      "it (probes %.4f, %.4f)", again[N], again[N + 1]);
	printf("# %d/%d checks passed\n", checks - failures, checks);
	free(keep);
	free(again);
	free(with);
	free(without);
	sk_backtest_free(&w.b);
	sk_custdata_free(&w.d);
	sk_table_free(w.t);
	free(w.cut);
	free(w.end);
	return failures != 0;
}
