/* risk.h: the learned layer's risk signals (see risk.c), for
 * backtest.c and layerfeat.c. */
#ifndef SK_RISK_H
#define SK_RISK_H

#include "backtest.h"

/* Features a customer's SK_NRISK risk values make. */
#define SK_NRISKF 5

/* Read b->risk_cut and b->risk_end from t when it has the backtest_ risk
 * columns (both sets, or a 65 exit naming the missing column); rows as
 * full and b->d (valid at the end, at the cut).  Bad or inconsistent
 * values exit 65 with the row. */
void sk_risk_read(const struct sk_table *t, const struct sk_custdata *full,
		  struct sk_backtest *b);

/* The SK_NRISKF features of one customer's SK_NRISK values r. */
void sk_risk_features(const double *r, double *f);

#endif
