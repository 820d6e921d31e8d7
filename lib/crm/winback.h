/* winback.h: which lapsed customers are worth an offer.
 *
 * value = P(reactivation) x profit if reactivated - offer cost, where
 * P(reactivation) is estimated from the data by a backtest: customers who
 * were lapsed at an earlier day, grouped by how long they had been away
 * and how often they had bought, and how many of them came back before
 * the present, shrunk towards the overall rate (a beta prior) where a
 * group is thin. */
#ifndef SK_WINBACK_H
#define SK_WINBACK_H

#include <stdio.h>

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
	double prior_strength;	/* pseudo-customers of the beta prior */
	double fallback_prob;	/* when there is no history at all */
	const char *col_id;	/* customer id column: breaks ties in the ranking */
};

#define SK_WINBACK_OPTS_INIT { .threshold = 0.5, .lapse_days = 365, .core_orders = 4, \
	.overdue_factor = 2, .margin = 1, .offer_cost = 0, .min_value = 0, \
	.horizon_days = 365.25, .unit_days = 1, .prior_strength = 20, .fallback_prob = 0.05, \
	.col_id = "customer_id" }

/* Reactivation rates per cell (gap bucket x orders bucket). */
#define SK_WB_GAPS 3
#define SK_WB_ORDERS 3
struct sk_winback_rates {
	double n[SK_WB_GAPS][SK_WB_ORDERS];	/* lapsed customers in the backtest */
	double back[SK_WB_GAPS][SK_WB_ORDERS];	/* of whom came back */
	double overall;				/* pooled rate (the prior mean) */
	double total;
	int from_history;			/* 0: no backtest, fallback used */
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

/* The winback_reason text of a row, such as "lapsed core, high value". */
#define SK_WB_REASON_MAX 96
const char *sk_winback_reason(const struct sk_winback_row *w, char buf[SK_WB_REASON_MAX]);

/* Learn rates from a backtest table: customer records summarized as of an
 * earlier day with holdout_frequency counting purchases up to the present.
 * bt may be NULL (no history): the fallback probability is used. */
void sk_winback_learn(const struct sk_winback_opts *wo, const struct sk_table *bt,
		      struct sk_winback_rates *rates);
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
