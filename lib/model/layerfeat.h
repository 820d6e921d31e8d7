/* layerfeat.h: the learned layer's optional features beyond the
 * history (see layerfeat.c), for backtest.c. */
#ifndef SK_LAYERFEAT_H
#define SK_LAYERFEAT_H

#include <stdio.h>

#include "backtest.h"
#include "ordervalue.h"
#include "risk.h"

/* The groups, in the order they are tried. */
enum { SK_GROUP_RISK, SK_GROUP_VALUE, SK_NGROUP };
#define SK_GROUP_MAXF (SK_NRISKF + SK_NVALUEF)

/* The feature columns of the groups b has: all of them when use is NULL,
 * else those use[g] keeps. */
int sk_layerfeat_nf(const struct sk_backtest *b, const int *use);

/* The features of row i of b, in group order, into f: as of the cut
 * (at_cut) or the end; x is the customer's frequency at that time. */
void sk_layerfeat_row(const struct sk_backtest *b, const int *use, size_t i, int at_cut,
		      double x, double *f);

/* Which groups to use: X holds n rows of nf columns, the first nhist the
 * history's, then every group of b in order (sk_layerfeat_row with use
 * NULL); each group is tried in turn against the columns kept so far by
 * two-fold cross-validated deviance of the layer's ridge regression
 * (cloglog link, offsets offr, weights w, penalty lambda) on the 0/1
 * labels y.  Sets use[], leaves X with the kept columns only (stride the
 * value returned) and says what it did on report when not NULL. */
int sk_layerfeat_choose(const struct sk_backtest *b, double *X, const double *y,
			const double *offr, const double *w, size_t n, int nf, int nhist,
			double lambda, int *use, FILE *report);

/* The fold, 0 or 1, of each of X's n rows (nf columns) with its label
 * y, by sk_learn_folds (learn.h): by the rows' values, not their place,
 * so a log in another order learns the same (tests/run-props.sh checks
 * it).  The caller frees the array. */
unsigned char *sk_layerfeat_folds_new(const double *X, const double *y, size_t n, int nf);

/* Two-fold cross-validated deviance (the folds of fold[]) of a
 * complementary log-log ridge regression (penalty lambda) on X's first
 * p columns of nf, 0/1 labels y, offsets offr and weights w (NULL: 0 and
 * 1): each fold's deviance under the fit on the other, summed; INFINITY
 * when a fit fails.  Also for winback's order value (crm/winback.c). */
double sk_layerfeat_cv_deviance(const double *X, const double *y, const double *offr,
				const double *w, size_t n, int nf, int p, double lambda,
				const unsigned char *fold);

#endif
