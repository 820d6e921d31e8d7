/* risk.h: the learned layer's risk signals (see risk.c), for
 * backtest.c. */
#ifndef SK_RISK_H
#define SK_RISK_H

#include <stdio.h>

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

/* 1 when the risk features, X's columns nhist .. nf-1 (nf a row), are
 * worth using in the layer's ridge regression (penalty lambda) for the
 * 0/1 labels y with offsets offr and weights w: two-fold cross-validated
 * deviance; the figures to report when not NULL. */
int sk_risk_helps(const double *X, const double *y, const double *offr, const double *w,
		  size_t n, int nf, int nhist, double lambda, FILE *report);

#endif
