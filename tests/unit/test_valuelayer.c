/* test_valuelayer.c: clv's learned spend per transaction (issue 16,
 * lib/crm/valuelayer.c) on customers simulated from BG/NBD (the FHL 2005
 * CDNOW parameters, weeks) whose orders are Gamma with shape 4 around a
 * mean of their own, log-normal across customers (median 40, sd of the
 * log 1): big and small buyers, each consistent.  Observed to week 39,
 * cut at week 26 for the backtest, and followed 39 weeks more to judge
 * the predictions.
 *
 * Gamma-Gamma predicts a customer's next order from the mean of her
 * repeat orders and gives every one-time buyer the population mean; her
 * first order says more here, and the learned spend must use it: closer
 * to the value of the future orders of those who buy again (mean
 * absolute error per order, and their rank), by more than chance would
 * give on several hundred customers.  Two probes, one-time buyers of 200
 * and of 20, one history else: the learned spend ranks them.  The total
 * stays honest: at the cut the learned spend, per transaction after it,
 * is what those transactions were worth (the intercept's score
 * equation), and over the future orders within three standard errors
 * of their value.  Prints "ok - ..." / "not ok - ..."
 * lines and exits 1 if any failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "btsim.h"
#include "tap.h"
#include "valuetab.h"
#include "crm/value.h"
#include "crm/valuelayer.h"
#include "model/learn.h"
#include "model/spend.h"

#define N 20000
#define NP 2	/* the probes, the last rows */

struct world {
	struct sk_custdata d;
	struct sk_backtest b;
	double fut_n[N + NP], fut_spend[N + NP];	/* orders after the end, their value */
	double *cut, *end;	/* SK_NVALUE a row, made into b's table */
	struct sk_table *t;
};

static void simulate(struct world *w)
{
	const double par[] = { 0.243, 4.414, 0.793, 2.426 };	/* FHL 2005, weeks */
	const double end = 39, cut = 26, future = 39;
	const size_t n = N + NP;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 3);
	memset(w, 0, sizeof *w);
	btsim_alloc(n, end, cut, &w->d, &w->b);
	w->d.mbar = calloc(n, sizeof *w->d.mbar);
	w->cut = malloc(n * SK_NVALUE * sizeof *w->cut);
	w->end = malloc(n * SK_NVALUE * sizeof *w->end);
	for (size_t i = 0; i < N; i++) {
		double mean = 40 * exp(gsl_ran_gaussian(g, 1));
		struct btsim_hist h = { .t0 = 12 * gsl_rng_uniform(g) };
		double lambda = gsl_ran_gamma(g, par[0], 1 / par[1]);
		double p = gsl_ran_beta(g, par[2], par[3]);
		double first = gsl_ran_gamma(g, 4, mean / 4), tot = first, btot = first;
		for (double t = h.t0 + gsl_ran_exponential(g, 1 / lambda); t <= end + future;
		     t += gsl_ran_exponential(g, 1 / lambda)) {
			double v = gsl_ran_gamma(g, 4, mean / 4);
			if (t > end) {
				w->fut_n[i]++;
				w->fut_spend[i] += v;
			} else {
				btsim_buy(&h, t, cut);
				tot += v;
				if (t <= cut)
					btot += v;
			}
			if (gsl_rng_uniform(g) < p)
				break;
		}
		set_value(w->cut + i * SK_NVALUE, btot, first, h.bx);
		set_value(w->end + i * SK_NVALUE, tot, first, h.x);
		btsim_store(&h, i, end, cut, &w->d, &w->b);
		w->d.mbar[i] = h.x > 0 ? (tot - first) / h.x : NAN;
	}
	for (size_t k = 0; k < NP; k++) {	/* the probes: at the end only */
		size_t i = N + k;
		w->d.rfm[i] = (struct sk_rfm){ .x = 0, .t_x = 0, .T = 30, .w = 1, .litt = 0 };
		w->d.mbar[i] = NAN;
		w->d.valid[i] = 1;
		set_value(w->cut + i * SK_NVALUE, NAN, NAN, 0);
		set_value(w->end + i * SK_NVALUE, k == 0 ? 200 : 20, k == 0 ? 200 : 20, 0);
	}
	w->d.nvalid = n;
	w->b.d.nvalid = N;
	gsl_rng_free(g);
	w->t = value_table(&w->b, n, w->cut, w->end);
}

/* Spearman's rank correlation of a and b over the rows with fut_n > 0. */
static double spearman_future(const struct world *w, const double *a)
{
	size_t m = 0;
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	for (size_t i = 0; i < N; i++)
		if (w->fut_n[i] > 0) {
			x[m] = a[i];
			y[m++] = w->fut_spend[i] / w->fut_n[i];
		}
	/* Pearson's on the ranks, by the AUC's sort: ranks by counting. */
	double *rx = malloc(m * sizeof *rx), *ry = malloc(m * sizeof *ry);
	for (size_t i = 0; i < m; i++) {
		double lx = 0, ex = 0, ly = 0, ey = 0;
		for (size_t j = 0; j < m; j++) {
			lx += x[j] < x[i], ex += x[j] == x[i];
			ly += y[j] < y[i], ey += y[j] == y[i];
		}
		rx[i] = lx + (ex + 1) / 2;
		ry[i] = ly + (ey + 1) / 2;
	}
	double mx = (m + 1) / 2.0, sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < m; i++) {
		sxy += (rx[i] - mx) * (ry[i] - mx);
		sxx += (rx[i] - mx) * (rx[i] - mx);
		syy += (ry[i] - mx) * (ry[i] - mx);
	}
	free(x), free(y), free(rx), free(ry);
	return sxy / sqrt(sxx * syy);
}

int main(void)
{
	static struct world w;
	simulate(&w);
	/* Gamma-Gamma fitted on everything, as clv does, and its spend. */
	size_t nobs, excluded;
	struct sk_spend_obs *obs = sk_spend_obs_read(&w.d, &nobs, &excluded);
	struct sk_fit gg;
	char err[300];
	check(sk_gg_fit(obs, nobs, &gg, err, sizeof err) == 0, "Gamma-Gamma fitted (%zu patterns)",
	      nobs);
	free(obs);
	double *ggs = malloc((N + NP) * sizeof *ggs), *ls = malloc((N + NP) * sizeof *ls);
	for (size_t i = 0; i < N + NP; i++)
		ggs[i] = ls[i] = sk_value_spend(gg.par, &w.d, i);
	char *rep = NULL;
	size_t replen = 0;
	FILE *f = open_memstream(&rep, &replen);
	check(sk_value_learn_spend(&w.b, &w.d, ls, f) == 0, "the spend is learned");
	fclose(f);
	printf("# %s", rep);

	/* The total at the cut: "N transactions after the backtest cut, A
	 * each; Gamma-Gamma at the cut G, learned L" with L = A. */
	double ntr = 0, each = NAN, atcut = NAN, learned = NAN;
	const char *s = strstr(rep, "customers bought");
	int got = s ? sscanf(s, "customers bought %lf transactions after the backtest cut, %lf "
			     "each; Gamma-Gamma at the cut %lf, learned %lf", &ntr, &each, &atcut,
			     &learned) : 0;
	check(got == 4 && fabs(learned - each) <= 0.005,
	      "at the cut the learned spend of the %.0f transactions after it is their value, "
	      "%.2f each (learned %.2f, Gamma-Gamma %.2f)", ntr, each, learned, atcut);
	free(rep);

	/* The future orders of those who buy again after the end. */
	double mae_l = 0, mae_g = 0, sl = 0, sf = 0, nf = 0, m = 0, sd2 = 0;
	for (size_t i = 0; i < N; i++) {
		if (!(w.fut_n[i] > 0))
			continue;
		double per = w.fut_spend[i] / w.fut_n[i];
		mae_l += fabs(ls[i] - per);
		mae_g += fabs(ggs[i] - per);
		sl += w.fut_n[i] * ls[i];
		sf += w.fut_spend[i];
		nf += w.fut_n[i];
		sd2 += pow(w.fut_n[i] * ls[i] - w.fut_spend[i], 2);
		m++;
	}
	check(mae_l < 0.9 * mae_g, "mean absolute error per future order %.2f learned, below 0.9 "
	      "of Gamma-Gamma's %.2f (%.0f customers who bought again)", mae_l / m, mae_g / m, m);
	double rl = spearman_future(&w, ls), rg = spearman_future(&w, ggs);
	/* The standard error of a rank correlation near these values on m
	 * customers is about (1 - r^2) / sqrt(m) (Fieller, Hartley & Pearson
	 * 1957, Biometrika 44): under 0.04 here. */
	check(rl > rg + 0.1, "rank correlation with the value of the future orders %.3f learned, "
	      "above Gamma-Gamma's %.3f by more than 0.1", rl, rg);
	/* The total over the future orders: customers are independent, so
	 * the standard error of the difference is the root of the sum of
	 * the squared differences per customer. */
	check(fabs(sl - sf) < 3 * sqrt(sd2), "learned spend over the %.0f future orders %.0f "
	      "against their value %.0f (%+.1f %%; standard error %.0f)", nf, sl, sf,
	      100 * (sl / sf - 1), sqrt(sd2));
	check(ls[N] > 2 * ls[N + 1] && ggs[N] == ggs[N + 1],
	      "one-time buyers of 200 and of 20: learned %.2f and %.2f, Gamma-Gamma %.2f for both",
	      ls[N], ls[N + 1], ggs[N]);

	/* Nothing to learn from: without the spend as of the cut the spend
	 * stays Gamma-Gamma's. */
	const struct sk_table *vt = w.b.value_t;
	w.b.value_t = NULL;
	memcpy(ls, ggs, (N + NP) * sizeof *ls);
	check(sk_value_learn_spend(&w.b, &w.d, ls, NULL) == -1 &&
	      memcmp(ls, ggs, (N + NP) * sizeof *ls) == 0,
	      "without the spend as of the cut: Gamma-Gamma's, unchanged");
	w.b.value_t = vt;
	printf("# %d/%d checks passed\n", checks - failures, checks);
	free(ggs);
	free(ls);
	sk_backtest_free(&w.b);
	sk_custdata_free(&w.d);
	sk_table_free(w.t);
	free(w.cut);
	free(w.end);
	return failures != 0;
}
