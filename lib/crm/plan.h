/* plan.h: one next best action per customer, chosen by expected profit.
 *
 * Each action open to a customer is valued as the profit it is expected
 * to add over the horizon, net of its cost, from the models' columns
 * when the records have them (p_return or p_alive, clv, expected_spend x
 * expected_purchases, winback_prob, xsell_1, upsell) and from the
 * customer's own spend otherwise; the best positive one is kept.  The
 * formulas are in plan.c and in plan(1). */
#ifndef SK_PLAN_H
#define SK_PLAN_H

#include "record/io.h"

enum sk_action {
	SK_ACT_ACQUIRE, SK_ACT_ONBOARD, SK_ACT_CROSS_SELL, SK_ACT_UP_SELL,
	SK_ACT_RETAIN, SK_ACT_WIN_BACK, SK_ACT_REWARD, SK_ACT_NONE, SK_NACT
};

/* The action's name ("acquire" ... "none"). */
const char *sk_action_name(enum sk_action a);
/* The action named name (length len), or -1. */
int sk_action_find(const char *name, size_t len);

struct sk_plan_opts {
	double cost[SK_NACT];	/* cost of one action */
	double uplift[SK_NACT];	/* the action's assumed effect (see plan.c) */
	double margin;		/* profit as a fraction of spend (own-spend value) */
	double horizon_days;
	double lapse_days;	/* away longer than this is gone: win back */
	double gone;		/* or a return probability below this */
	double core_orders;	/* orders of a customer a reward programme is for */
	double unit_days;	/* unit of recency and T */
	int has_budget;
	double budget;
};

#define SK_PLAN_OPTS_INIT { .uplift = { 0.02, 0.10, 0.05, 0.03, 0.10, 0.05, 0.05, 0 }, \
	.margin = 1, .horizon_days = 365.25, .lapse_days = 365, .gone = 0.1, \
	.core_orders = 4, .unit_days = 1 }

/* Parse "A=X,B=Y" into v[] by action name; 0, or 1 with a message in why. */
int sk_plan_parse_list(const char *arg, double lo, double hi, double v[SK_NACT],
		       char *why, size_t whylen);

struct sk_plan_row {
	double value;		/* expected profit of the action, net of its cost */
	double p;		/* return probability used */
	unsigned char action;	/* enum sk_action */
	unsigned char why;	/* reason code (plan.c) */
};

/* Choose an action for every row of t into rows[]. */
void sk_plan_run(const struct sk_plan_opts *po, const struct sk_table *t,
		 struct sk_plan_row *rows);
/* The action_reason text of row i. */
#define SK_PLAN_REASON_MAX 160
const char *sk_plan_reason(const struct sk_table *t, size_t i, const struct sk_plan_row *r,
			   char buf[SK_PLAN_REASON_MAX]);

#endif
