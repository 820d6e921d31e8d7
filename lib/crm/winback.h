/* winback.h: which lapsed customers are worth an offer.
 *
 * value = P(reactivation) x profit if reactivated - offer cost, where
 * P(reactivation) = P(a purchase within the horizon) is learned from the
 * data by a backtest (customers as of an earlier day and whether they
 * bought again before the present); see struct sk_winback_rates. */
#ifndef SK_WINBACK_H
#define SK_WINBACK_H

#include <stdio.h>

#include "model/learn.h"
#include "record/io.h"

struct sk_winback_opts {
	double threshold;	/* p_alive below this is at risk */
	double lapse_days;	/* away longer than this is lapsed */
	double core_orders;	/* a core customer has at least this many orders */
	double overdue_factor;	/* a core customer away this many mean gaps is a defector */
	double margin;		/* profit as a fraction of spend */
	double offer_cost;
	double min_value;
	double horizon_days;	/* value of a reactivated customer over this */
	double unit_days;	/* unit of recency and T in the records */
	double ridge;		/* penalty of the model on its standardised slopes */
	double fallback_prob;	/* when there is no history at all */
	const char *col_id;	/* customer id column: breaks ties in the ranking */
};

#define SK_WINBACK_OPTS_INIT { .threshold = 0.5, .lapse_days = 365, .core_orders = 4, \
	.overdue_factor = 2, .margin = 1, .offer_cost = 0, .min_value = 0, \
	.horizon_days = 365.25, .unit_days = 1, .ridge = 1, .fallback_prob = 0.05, \
	.col_id = "customer_id" }

/* The reactivation model: a GLM with a complementary log-log link,
 * P(back within w) = 1 - exp(-exp(eta)), on features of a customer's
 * history (time away, orders, tenure, rhythm, order value), learned from
 * a backtest (customers as of w days before the end of observation,
 * each labelled by whether they bought again before the end), then
 * recalibrated on customers each held out of the fit that predicts them
 * (cross-fitted over four folds; Platt scaling on the
 * cloglog scale: a + b eta) and carried from w to the horizon by a
 * BG/NBD fitted to the customers as they are now. */
#define SK_WB_NFEAT 7
enum sk_winback_basis {
	SK_WB_ASSUMED,		/* nothing to learn from: fallback_prob */
	SK_WB_POOLED,		/* too little to fit: the backtest's return rate */
	SK_WB_MODEL,		/* the learned, recalibrated model */
};
/* The winback_basis text: "assumed", "pooled", "backtest". */
const char *sk_winback_basis_name(enum sk_winback_basis b);
struct sk_winback_rates {
	struct sk_learn glm;		/* on the fitted customers */
	struct sk_learn cal;		/* a + b eta, on the cross-fitted eta */
	enum sk_winback_basis basis;	/* where winback_prob comes from */
	int no_aov;			/* order value left out (records: not as of the cut) */
	int aov_tried;			/* the order value's cross-validated check ran */
	double aov_dev[2];		/* its deviance with the order value, without */
	int no_units;			/* first_quantity left out (absent, or not kept) */
	int units_tried;		/* its cross-validated check ran */
	double units_dev[2];		/* the deviance with it, without */
	int pop_ok;			/* records: BG/NBD fitted for the horizon */
	double pop_par[4];		/* its r, alpha, a, b */
	double pooled, pooled_n;	/* SK_WB_POOLED: the backtest's rate, over */
	double window_days;		/* label window of the backtest (0: none) */
	double total, back;		/* backtest customers and how many came back */
	double overall;			/* return rate in the backtest */
	int cal_lapsed;			/* recalibrated on the lapsed (else on all) */
	double heldout_n, heldout_auc, heldout_ece;	/* cross-fitted, on those recalibrated on */
	double heldout_mean, heldout_rate;	/* mean prediction and return there */
	char why[160];			/* why there is no model */
};

/* Why a customer is or is not offered anything: a kind, and flags. */
enum sk_winback_who {
	SK_WB_ACTIVE,		/* not lapsed, not at risk */
	SK_WB_NO_PURCHASE,
	SK_WB_LAPSED_CORE,
	SK_WB_OVERDUE_CORE,
	SK_WB_LAPSED_REPEAT,
	SK_WB_LAPSED_ONCE,
	SK_WB_AT_RISK_CORE,
	SK_WB_AT_RISK_REPEAT,
	SK_WB_AT_RISK_ONCE,	/* churned by churn's p_return, not yet lapsed */
};
enum {
	SK_WB_HIGH_VALUE = 1,	/* in the top fifth of the candidates */
	SK_WB_DISCOUNT_ONLY = 2,
	SK_WB_WORTH_LESS = 4,	/* expected profit below the offer's cost */
};

/* One customer's verdict: 40 bytes (ten million customers' worth of
 * reasons as text took a gigabyte). */
struct sk_winback_row {
	double prob, value_if_back, value;
	long rank;		/* 1 = best; 0 = no offer */
	unsigned char candidate;	/* lapsed or at risk */
	unsigned char who;	/* enum sk_winback_who */
	unsigned char flags;	/* SK_WB_HIGH_VALUE ... */
};

/* How the candidates of table t are chosen, for --report: "churned
 * (churn's decision)", "p_return below --threshold", ... */
const char *sk_winback_candidate_rule(const struct sk_table *t);

/* The winback_reason text of a row, such as "lapsed core, high value". */
#define SK_WB_REASON_MAX 96
const char *sk_winback_reason(const struct sk_winback_row *w, char buf[SK_WB_REASON_MAX]);

/* Learn the model from a backtest table bt: customer records summarized
 * as of window_days before the end of observation, with
 * holdout_frequency counting their purchases up to the end; now, the
 * customers as of the end (for the BG/NBD that carries the window to
 * the horizon).  bt may be NULL (no history), and a backtest may be too
 * thin to learn from: then every customer gets the pooled or the
 * fallback probability and rates->why says why. */
void sk_winback_learn(const struct sk_winback_opts *wo, const struct sk_table *bt,
		      double window_days, const struct sk_table *now,
		      struct sk_winback_rates *rates);
/* Learn it from customer records that carry the columns of summarize
 * --backtest (backtest_frequency, backtest_recency, backtest_T: each
 * customer as of a cut; backtest_purchases: transactions after it), when
 * sk_winback_has_backtest says they are there. */
int sk_winback_has_backtest(const struct sk_table *t);
void sk_winback_learn_records(const struct sk_winback_opts *wo, const struct sk_table *t,
			      struct sk_winback_rates *rates);
/* The backtest window worth reading for table t (customers as of
 * the end of observation): the horizon, or half the span of the data
 * when that is shorter, so that the earliest cut still has history. */
double sk_winback_window(const struct sk_winback_opts *wo, const struct sk_table *t);
void sk_winback_rates_free(struct sk_winback_rates *rates);
/* Score every row of t; rows[] gets one entry per row; returns the number
 * of offers (rank > 0). */
size_t sk_winback_score(const struct sk_winback_opts *wo, const struct sk_table *t,
			const struct sk_winback_rates *rates, struct sk_winback_row *rows);
/* Print the campaign report. */
void sk_winback_report(FILE *f, const struct sk_table *t, const struct sk_winback_row *rows,
		       const struct sk_winback_rates *rates, const struct sk_winback_opts *wo);
/* Lift by decile of rank among candidates, against holdout_frequency. */
void sk_winback_evaluate(FILE *f, const struct sk_table *t, const struct sk_winback_row *rows);

#endif
