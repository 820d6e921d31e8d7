/* valuelayer.h: clv's learned spend per transaction (see valuelayer.c). */
#ifndef SK_VALUELAYER_H
#define SK_VALUELAYER_H

#include <stdio.h>

#include "model/backtest.h"

/* Learn the expected value of a transaction from the backtest b (its
 * spend as of the cut and at the end, model/ordervalue.h) and
 * replace spend[i], Gamma-Gamma's expected spend of each valid row of d
 * (the customers at the end), by the learned one.  Returns 0, or -1
 * with spend unchanged when there is nothing to learn from (no spend in
 * the backtest: quietly; too few customers who bought after the cut, no
 * fit: the reason on stderr).  A summary goes to report when not NULL. */
int sk_value_learn_spend(const struct sk_backtest *b, const struct sk_custdata *d,
			 double *spend, FILE *report);

#endif
