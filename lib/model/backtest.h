/* backtest.h: learning from the data itself by a time split.
 *
 * summarize --backtest D (and churn on a transaction log) writes each
 * customer as of an earlier cut, D before the end of observation
 * (backtest_frequency, backtest_recency, backtest_T), and what the
 * customer bought in those last D (backtest_purchases).  From these:
 *
 *  - model choice by forecasts: each candidate model fitted on the cut
 *    and scored on the held-back part (sk_tmodel_auto_backtest);
 *  - the learned layer: a regression correcting the model's own
 *    horizon-aware p_return from the customer's history, trained to
 *    predict the held-back part from the cut, then applied as of the end
 *    of observation over --horizon (sk_layer_apply); expected_purchases
 *    is p_return times the expected count of those who return, the
 *    model's or, where the backtest shows it off, corrected (hurdle.h).
 *
 * When the records also carry the risk signals (complaints, returns,
 * negative_reviews, days_since_complaint) and their values as of the cut
 * (backtest_complaints .. backtest_days_since_complaint), the layer uses
 * them too: learned on the values at the cut, applied with those at the
 * end.  So does the order value (backtest_total_spend and
 * backtest_monetary_value against total_spend and monetary_value).
 *
 * Nothing after the end of observation reaches a feature: the columns
 * are computed from calibration purchases only. */
#ifndef SK_BACKTEST_H
#define SK_BACKTEST_H

#include <stdio.h>

#include "score.h"

struct sk_backtest {
	struct sk_custdata d;	/* each row as of the cut (valid: bought by then) */
	double *purchases;	/* transactions in the held-back window */
	double window;		/* its length, in the unit: T - backtest_T */
	/* The risk signals, NULL when the records have none: SK_NRISK a row,
	 * complaints, returns, negative reviews and days since the last of
	 * them (NAN: none), as of the cut and as of the end. */
	double *risk_cut, *risk_end;
	/* The order value (ordervalue.h), NULL when the records have no
	 * spend as of the cut: the table it is read from on demand (every
	 * value checked by sk_backtest_read; 0 bytes a customer, where
	 * arrays took 32 MB a million) and the columns of total_spend and
	 * monetary_value as of the cut and as of the end. */
	const struct sk_table *value_t;
	long value_col[2][2];
};

#define SK_NRISK 4
#define SK_NVALUE 2

/* Read the backtest_* columns of t, whose rows full describes as of the
 * end; 0 when t has none of them (b untouched), 1 when read.  Bad or
 * inconsistent values exit 65 with the row. */
int sk_backtest_read(const struct sk_table *t, const struct sk_custdata *full,
		     struct sk_backtest *b);
void sk_backtest_free(struct sk_backtest *b);

/* Fewer customers at the cut than this teach nothing reliable: neither
 * auto's held-out choice nor the layer uses the backtest then. */
#define SK_BACKTEST_MINTRAIN 100

/* The mean predictive log-likelihood per customer of coming back in the
 * held-back window under p->p_return (p over the rows of b->d), what
 * auto chooses by; *n the customers (weights) it is over. */
double sk_backtest_heldout_ll(const struct sk_backtest *b, const struct sk_pred *p, double *n);

/* Fit BG/NBD, Pareto/NBD and MBG/NBD on the cut, score each on the
 * held-back window (predictive log-likelihood of coming back), and keep
 * the best; fit it on all of pat into *fit.  Every candidate's held-out
 * and in-sample figures go to stderr. */
const struct sk_tmodel *sk_tmodel_auto_backtest(struct sk_backtest *b, double penalty,
						const struct sk_rfm *pat, size_t npat,
						struct sk_fit *fit);

/* The learned layer for model tm (fit: its fit on all customers, p its
 * predictions over horizon for the rows of d): learn on the backtest,
 * then replace p->p_return and p->expected of every valid row by the
 * layer's calibrated figures.  A summary goes to report when not NULL.
 * Returns 0, or -1 (p unchanged) when the backtest cannot teach
 * anything: fewer than 100 customers at the cut (quietly), or the reason
 * on stderr (nobody or everybody came back, no fit). */
int sk_layer_apply(const struct sk_tmodel *tm, const struct sk_fit *fit,
		   struct sk_backtest *b, const struct sk_custdata *d, struct sk_pred *p,
		   FILE *report);

/* sk_predict (tm, fit->par, d, horizon, p) and sk_layer_apply in one:
 * the layer learns on the backtest on one core while the model predicts
 * for d's rows on the other.  The same figures and messages as the two
 * in turn. */
int sk_predict_layer(const struct sk_tmodel *tm, const struct sk_fit *fit,
		     struct sk_backtest *b, struct sk_custdata *d, double horizon,
		     struct sk_pred *p, FILE *report);

/* The most customers of the cut the layer learns from (and refits the
 * model on): more are sampled by a deterministic stride.  n > 0 sets it
 * (100,000 by default); returns the value before.  For tests. */
size_t sk_layer_max_train(size_t n);

#endif
