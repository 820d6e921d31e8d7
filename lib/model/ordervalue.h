/* ordervalue.h: the learned layer's order value (see ordervalue.c), for
 * backtest.c, layerfeat.c and clv's learned spend (crm/valuelayer.c). */
#ifndef SK_ORDERVALUE_H
#define SK_ORDERVALUE_H

#include "backtest.h"

/* Features a customer's SK_NVALUE spend values make. */
#define SK_NVALUEF 2

/* When t has backtest_total_spend (summarize --backtest on a log with
 * amounts), check total_spend and monetary_value as of the cut and as of
 * the end of every row (rows as full and b->d: valid at the end, at the
 * cut) and point b at them (b->value_t, which must outlive b); bad or
 * inconsistent values exit 65 with the row. */
void sk_ordervalue_read(const struct sk_table *t, const struct sk_custdata *full,
			struct sk_backtest *b);

/* Row i's SK_NVALUE values as of the cut (at_cut; the row valid there)
 * or the end (valid there) into v: total_spend and monetary_value (NAN
 * when empty). */
void sk_ordervalue_get(const struct sk_backtest *b, size_t i, int at_cut, double *v);

/* The SK_NVALUEF features of one customer's SK_NVALUE values v, with x
 * repeat transactions at the same time. */
void sk_ordervalue_features(const double *v, double x, double *f);

#endif
