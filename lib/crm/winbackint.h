/* winbackint.h: what winback.c (records, candidates, features,
 * scoring) and winbackfit.c (what winback learns from: the backtest
 * rows, the optional features' gate, the fit) share privately. */
#ifndef SK_WINBACKINT_H
#define SK_WINBACKINT_H

#include <stddef.h>

#include "winback.h"

/* What winback reads from one customer record. */
struct cust {
	int buyer;		/* has a purchase */
	double orders, frequency, recency_days, T_days, aov, spend, discount_share;
	double units;		/* first_quantity: units bought on the first purchase day */
	double p_alive, clv, p_return;
	int has_p_alive, has_clv, has_p_return;
	int churned;		/* churn's decision: 0, 1, or -1 when absent */
	const char *stage;
};

/* The backtest customers gathered for learning (winbackfit.c; its rows
 * are struct bt_row there). */
struct bt_row;
struct collect {
	struct bt_row *rows;
	size_t n, cap;
	double nlap, backlap;
};

/* winback.c: a customer's features, with the optional ones left out
 * zeroed; whether the customer is a candidate for an offer. */
void sk_winback_features(const struct cust *k, double x[SK_WB_NFEAT]);
void sk_winback_drop_optional(const struct sk_winback_rates *r, double x[SK_WB_NFEAT]);
int sk_winback_is_candidate(const struct sk_winback_opts *wo, const struct cust *k);

/* winbackfit.c: add customer k of a backtest (row i of t for its id)
 * with the purchases back after it; fit the model to the rows gathered
 * (freeing them), or fall back (r->basis, why_empty when none). */
void sk_winback_add_row(struct collect *cl, const struct sk_winback_opts *wo,
			struct sk_winback_rates *r, const struct sk_table *t, size_t i, long id,
			const struct cust *k, double back);
void sk_winback_fit(const struct sk_winback_opts *wo, struct collect *cl,
		    struct sk_winback_rates *r, const char *why_empty);

#endif
