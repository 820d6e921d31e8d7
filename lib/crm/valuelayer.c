/* valuelayer.c: the expected value of a transaction learned on the
 * backtest, for clv (issue 16).
 *
 * Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4);
 * Hardie 2013, eq. 5) predicts a customer's next transaction from the
 * mean of her repeat transactions alone, shrunk to the population mean:
 * a one-time buyer gets the population mean whatever her order, and
 * spend is assumed independent of how often she buys.  Where order
 * values run over orders of magnitude and big buyers keep buying (Online
 * Retail's wholesalers), what a customer spent so far says more.
 *
 * So the same time split as churn's learned layer: each customer as of
 * the backtest cut, labelled by what she spent per transaction after it
 * (total_spend at the end less total_spend at the cut, over the
 * transactions after the cut, each customer weighted by those
 * transactions).  A Poisson quasi-likelihood regression with the log
 * link (McCullagh & Nelder 1989, sec. 9.2.3: the mean's equations need
 * only E[y] = mu and Var y proportional to mu, not counts) on the
 * Gamma-Gamma estimate as of the cut as offset, so that zero
 * coefficients give Gamma-Gamma back, learns how far to trust it and
 * what the order values add.  With the intercept free, the fitted
 * spend, weighted by the transactions, sums to the spend after the cut
 * (the score equation of the intercept), so the total stays honest.
 * Applied with the end's values and Gamma-Gamma fitted on everything,
 * it is the expected value of a future transaction, and clv = margin x
 * that x the discounted expected transactions stays an expected
 * discounted value. */
#include "valuelayer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/learn.h"
#include "model/ordervalue.h"
#include "model/spend.h"
#include "record/util.h"
#include "value.h"

#define NF 4
/* The ridge penalty on the standardised slopes, as churn's layer's. */
#define LAMBDA 30.0
/* Fewer customers who bought after the cut teach nothing reliable. */
#define MINTRAIN 100
/* The most of them learned from; more are sampled by a stride. */
#define MAXTRAIN 100000

/* The features of a customer with x repeat transactions, spend v (total,
 * mean repeat value or NAN) and Gamma-Gamma estimate g: the logs of g,
 * of the mean of all x + 1 orders and of the first order, and of 1 + x
 * (big buyers who buy often), as a spend spread over orders of magnitude
 * is best compared in ratios. */
static void features(double x, const double *v, double g, double *f)
{
	double total = v[0] > 0 ? v[0] : 0, mean = total / (x + 1);
	double first = x > 0 && !isnan(v[1]) ? total - x * v[1] : mean;
	f[0] = log(g);
	f[1] = log1p(mean);
	f[2] = log1p(first > 0 ? first : 0);
	f[3] = log1p(x);
}

/* Gamma-Gamma on the customers as of the cut: their repeat transactions
 * and mean repeat value there; past MAXTRAIN repeat buyers on a
 * deterministic stride through them, as churn's layer refits its model
 * (the estimates move by a few standard errors at most, and the fit's
 * inputs for a million customers took 40 MB).  0, or -1 with the reason
 * in err. */
static int fit_cut(const struct sk_backtest *b, double *par, char *err, size_t errlen)
{
	size_t nrep = 0;
	for (size_t i = 0; i < b->d.n; i++)
		nrep += b->d.valid[i] && b->d.rfm[i].x > 0;
	size_t stride = nrep > MAXTRAIN ? (nrep + MAXTRAIN - 1) / MAXTRAIN : 1, seen = 0;
	struct sk_custdata c = { 0 };
	c.rfm = sk_xmalloc((nrep / stride + 1) * sizeof *c.rfm);
	c.mbar = sk_xmalloc((nrep / stride + 1) * sizeof *c.mbar);
	c.valid = sk_xmalloc(nrep / stride + 1);
	for (size_t i = 0; i < b->d.n; i++) {
		if (!b->d.valid[i] || !(b->d.rfm[i].x > 0) || seen++ % stride)
			continue;
		double v[SK_NVALUE];
		sk_ordervalue_get(b, i, 1, v);
		c.rfm[c.n] = b->d.rfm[i];
		c.mbar[c.n] = v[1];
		c.valid[c.n++] = 1;
	}
	c.nvalid = c.n;
	size_t nobs, excluded;
	struct sk_spend_obs *obs = sk_spend_obs_read(&c, &nobs, &excluded);
	sk_custdata_free(&c);
	struct sk_fit fit;
	int rc = nobs < 2 ? (snprintf(err, errlen, "fewer than 2 repeat buyers at the cut"), -1)
			  : sk_gg_fit(obs, nobs, &fit, err, errlen);
	free(obs);
	if (rc == 0)
		memcpy(par, fit.par, 3 * sizeof *par);
	return rc;
}

int sk_value_learn_spend(const struct sk_backtest *b, const struct sk_custdata *d,
			 double *spend, FILE *report)
{
	if (!b->value_t)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < b->d.n; i++)
		n += b->d.valid[i] && b->purchases[i] > 0;
	if (n < MINTRAIN) {
		sk_warn("learned spend: %zu customers bought after the backtest cut, fewer than "
			"%d; expected_spend is Gamma-Gamma's", n, MINTRAIN);
		return -1;
	}
	char err[400];
	double gg[3];
	if (fit_cut(b, gg, err, sizeof err) != 0) {
		sk_warn("learned spend: Gamma-Gamma at the backtest cut: %s; expected_spend is "
			"Gamma-Gamma's", err);
		return -1;
	}
	size_t stride = n > MAXTRAIN ? (n + MAXTRAIN - 1) / MAXTRAIN : 1, seen = 0, m = 0;
	size_t cap = n / stride + 1;
	double *X = sk_xmalloc(cap * NF * sizeof *X), *y = sk_xmalloc(cap * sizeof *y),
	       *off = sk_xmalloc(cap * sizeof *off), *w = sk_xmalloc(cap * sizeof *w);
	double sy = 0, sw = 0;
	for (size_t i = 0; i < b->d.n; i++) {
		if (!b->d.valid[i] || !(b->purchases[i] > 0) || seen++ % stride)
			continue;
		double vc[SK_NVALUE], ve[SK_NVALUE];
		sk_ordervalue_get(b, i, 1, vc);
		sk_ordervalue_get(b, i, 0, ve);
		double x = b->d.rfm[i].x, mbar = !isnan(vc[1]) && vc[1] > 0 ? vc[1] : 0;
		double g = sk_gg_expected_spend(gg, mbar > 0 ? x : 0, mbar);
		features(x, vc, g, X + m * NF);
		/* Net of refunds, as total_spend; a window whose refunds
		 * outweigh its purchases spent nothing. */
		y[m] = fmax(ve[0] - vc[0], 0) / b->purchases[i];
		off[m] = log(g);
		w[m] = b->purchases[i] * b->d.rfm[i].w;
		sy += w[m] * y[m];
		sw += w[m];
		m++;
	}
	/* In units of the mean, so that the penalty means the same whatever
	 * the currency: the prediction is scaled back below. */
	double scale = sw > 0 && sy > 0 ? sy / sw : 1, lscale = log(scale);
	for (size_t k = 0; k < m; k++) {
		y[k] /= scale;
		off[k] -= lscale;
	}
	struct sk_learn lr;
	int rc = sk_learn_fit(&lr, SK_LINK_LOG, X, y, off, w, m, NF, LAMBDA, err, sizeof err);
	if (rc != 0) {
		sk_warn("learned spend: %s; expected_spend is Gamma-Gamma's", err);
	} else {
		if (report) {
			double sp = 0, sg = 0;
			for (size_t k = 0; k < m; k++) {
				sp += w[k] * sk_learn_predict(&lr, X + k * NF, off[k]);
				sg += w[k] * exp(off[k]);
			}
			fprintf(report, "learned spend: %zu customers bought %.0f transactions after "
				"the backtest cut, %.2f each; Gamma-Gamma at the cut %.2f, learned "
				"%.2f\n", m, sw, scale, scale * sg / sw, scale * sp / sw);
		}
		#pragma omp parallel for schedule(static) if (d->n > 10000)
		for (size_t i = 0; i < d->n; i++) {
			if (!d->valid[i] || !(spend[i] > 0))
				continue;
			double f[NF], v[SK_NVALUE];
			sk_ordervalue_get(b, i, 0, v);
			features(d->rfm[i].x, v, spend[i], f);
			double s = scale * sk_learn_predict(&lr, f, log(spend[i]) - lscale);
			if (isfinite(s))
				spend[i] = s;
		}
		sk_learn_free(&lr);
	}
	free(X);
	free(y);
	free(off);
	free(w);
	return rc;
}
