/* ordervalue.h: the learned layer's order value (see ordervalue.c), for
 * backtest.c. */
#ifndef SK_ORDERVALUE_H
#define SK_ORDERVALUE_H

#include "backtest.h"

/* Features a customer's SK_NVALUE spend values make. */
#define SK_NVALUEF 2

/* Read b->value_cut and b->value_end from t when it has
 * backtest_total_spend (summarize --backtest on a log with amounts):
 * total_spend and monetary_value as of the cut and as of the end, rows
 * as full and b->d (valid at the end, at the cut).  Bad or inconsistent
 * values exit 65 with the row. */
void sk_ordervalue_read(const struct sk_table *t, const struct sk_custdata *full,
		   struct sk_backtest *b);

/* The SK_NVALUEF features of one customer's SK_NVALUE values v, with x
 * repeat transactions at the same time. */
void sk_ordervalue_features(const double *v, double x, double *f);

#endif
