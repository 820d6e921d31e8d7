/* test_risk.c: the learned layer's risk signals (issue 19; features in
 * lib/model/backtest.c) on customers simulated from BG/NBD (the FHL 2005
 * CDNOW parameters, weeks) with one addition: after each purchase a
 * customer complains, half a week later, with probability 0.05, and then
 * never buys again.  Observed to week 39, cut at week 26 for the backtest,
 * followed to week 52 (a 13-week horizon).
 *
 * Two probes with the same history (10 repeat purchases, the last a week
 * before the end) differ only in a complaint two days ago.  "Clearly
 * lower" is at most half: the truth is no return at all for the
 * complainer against the quiet probe's ~0.8, but the ridge shrinks the
 * complaint's coefficient toward the model's figure, so an exact 0 is not
 * to be had; half is far outside what chance could give two customers
 * whose histories are the same (without the signals their p_return is
 * the same number, checked below).  Signals that say nothing must be
 * left out by the layer's cross-validated check.  Prints "ok - ..." / "not ok - ..."
 * lines and exits 1 if any failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btsim.h"
#include "tap.h"
#include "model/backtest.h"

#define N 20000
#define NP 2	/* the probes, the last rows */

struct world {
	struct sk_custdata d;
	struct sk_backtest b;
	double back[N + NP];
};

static void set_risk(double *r, double n, double days)
{
	r[0] = n;		/* complaints */
	r[1] = r[2] = 0;	/* returns, negative reviews */
	r[3] = n > 0 ? days : NAN;
}

static void simulate(struct world *w)
{
	const struct btsim sim = { .par = { 0.243, 4.414, 0.793, 2.426 },	/* FHL 2005, weeks */
				   .end = 39, .cut = 26, .horizon = 13,
				   .complain = 0.05, .delay = 0.5, .seed = 19 };
	const double end = sim.end, cut = sim.cut;
	const size_t n = N + NP;
	double *complained = malloc(N * sizeof *complained);
	memset(w, 0, sizeof *w);
	btsim_cohort(&sim, n, N, &w->d, &w->b, w->back, complained);
	w->b.risk_cut = malloc(n * SK_NRISK * sizeof *w->b.risk_cut);
	w->b.risk_end = malloc(n * SK_NRISK * sizeof *w->b.risk_end);
	for (size_t i = 0; i < N; i++) {
		/* The complaint counts where it falls: by the cut, by the end. */
		int c_cut = complained[i] >= 0 && complained[i] <= cut;
		int c_end = complained[i] >= 0 && complained[i] <= end;
		set_risk(w->b.risk_cut + i * SK_NRISK, c_cut, 7 * (cut - complained[i]));
		set_risk(w->b.risk_end + i * SK_NRISK, c_end, 7 * (end - complained[i]));
	}
	/* The probes: customers since week 1 with 10 repeat purchases, the
	 * last at week 38; only at the end, not learned from. */
	for (size_t k = 0; k < NP; k++) {
		size_t i = N + k;
		w->d.rfm[i] = (struct sk_rfm){ .x = 10, .t_x = 37, .T = 38, .w = 1, .litt = 0 };
		w->d.valid[i] = 1;
		set_risk(w->b.risk_cut + i * SK_NRISK, 0, 0);
		set_risk(w->b.risk_end + i * SK_NRISK, k == 0, 2);
	}
	w->d.nvalid = n;
	free(complained);
}

/* The layer's p_return of every customer, with the risk signals or
 * without; ret must hold N + NP. */
static int layer(struct world *w, int with_risk, double *ret)
{
	double *rc = w->b.risk_cut, *re = w->b.risk_end;
	if (!with_risk)
		w->b.risk_cut = w->b.risk_end = NULL;
	int status = btsim_layer(&w->d, &w->b, 13, ret);
	w->b.risk_cut = rc;
	w->b.risk_end = re;
	return status;
}

int main(void)
{
	static struct world w;
	simulate(&w);
	double *with = malloc((N + NP) * sizeof *with), *without = malloc((N + NP) * sizeof *without);
	check(layer(&w, 1, with) == 0, "the layer learns with the risk signals");
	check(layer(&w, 0, without) == 0, "and without them");
	double pc = with[N], pq = with[N + 1];
	check(pc <= 0.5 * pq, "a recently active customer who just complained: p_return %.4f, "
	      "at most half the %.4f of one who did not", pc, pq);
	check(without[N] == without[N + 1],
	      "without the signals the two probes are one history (%.4f, %.4f)", without[N],
	      without[N + 1]);

	/* Calibration: the mean p_return over the horizon against what the
	 * simulated customers did, and the signals must do at least as well
	 * as the history alone (the complainers are known to be gone). */
	double mw = 0, mo = 0, obs = 0, aw = 0, ao = 0;
	for (size_t i = 0; i < N; i++) {
		mw += with[i];
		mo += without[i];
		obs += w.back[i];
		aw += fabs(with[i] - w.back[i]);
		ao += fabs(without[i] - w.back[i]);
	}
	mw /= N, mo /= N, obs /= N;
	double se = sqrt(obs * (1 - obs) / N);
	check(fabs(mw - obs) < 4 * se + 0.01, "mean p_return %.4f with the signals matches the "
	      "simulated return rate %.4f (without %.4f)", mw, obs, mo);
	check(aw < ao, "mean absolute error %.4f with the signals below %.4f without", aw / N,
	      ao / N);

	/* No leakage: what is learned comes from the cut; the signals at the
	 * end of everybody but the probes scrambled (counts and days moved to
	 * other customers) leave the probes' p_return as it was. */
	double *keep = malloc(N * SK_NRISK * sizeof *keep), *again = malloc((N + NP) * sizeof *again);
	memcpy(keep, w.b.risk_end, N * SK_NRISK * sizeof *keep);
	for (size_t i = 0; i < N; i++)
		memcpy(w.b.risk_end + i * SK_NRISK, keep + ((i * 7919) % N) * SK_NRISK,
		       SK_NRISK * sizeof *keep);
	check(layer(&w, 1, again) == 0, "the layer learns with the end's signals scrambled");
	check(again[N] == pc && again[N + 1] == pq,
	      "the probes' p_return is the same (%.4f, %.4f): nothing learned from the end",
	      again[N], again[N + 1]);

	/* Signals that say nothing: the cut's moved to other customers (so
	 * unrelated to what they did after) are not used, and the layer is
	 * the one without them, to the bit. */
	memcpy(w.b.risk_end, keep, N * SK_NRISK * sizeof *keep);
	double *cut = malloc(N * SK_NRISK * sizeof *cut);
	memcpy(cut, w.b.risk_cut, N * SK_NRISK * sizeof *cut);
	for (size_t i = 0; i < N; i++)
		memcpy(w.b.risk_cut + i * SK_NRISK, cut + ((i * 7919 + 13) % N) * SK_NRISK,
		       SK_NRISK * sizeof *cut);
	check(layer(&w, 1, again) == 0, "the layer learns with the cut's signals scrambled");
	int same = 1;
	for (size_t i = 0; i < N + NP; i++)
		same &= again[i] == without[i];
	check(same, "signals unrelated to coming back are left out: p_return as without them "
	      "(probes %.4f, %.4f)", again[N], again[N + 1]);
	free(cut);
	printf("# %d/%d checks passed\n", checks - failures, checks);
	free(keep);
	free(again);
	free(with);
	free(without);
	sk_backtest_free(&w.b);
	sk_custdata_free(&w.d);
	return failures != 0;
}
