/* ridge.h: a fit that sits on a ridge towards a limit of its model.
 *
 * A Beta(i, j) mixing distribution whose two parameters grow together
 * with their ratio fixed tends to a point mass: the BG/NBD family's
 * dropout probability p ~ Beta(a, b) the same for every customer, BG/BB's
 * transaction or dropout probability; so does a Gamma(i, j) (shape,
 * rate) whose two grow with i/j fixed: the purchase rate lambda ~
 * Gamma(r, alpha) of every model the same r/alpha for every customer,
 * the Pareto/NBD's dropout rate mu ~ Gamma(s, beta) the same s/beta
 * (ratelim.c).  On data without that spread the
 * likelihood rises towards the limit's as the pair grows, the fit stops
 * somewhere on the way, and the pair is not identified apart from its
 * ratio; where along the ridge it stops is an accident of the optimiser,
 * so standard errors against estimates (score.c's ten-times rule) say it
 * only sometimes.  The robust sign is the likelihood itself: no better at
 * the fit than at the limit (the model table's sk_tridge gives each
 * customer's ln L there).  Shared by the plain diagnosis
 * (sk_tmodel_diagnose) and the BG/NBD fit with dropout covariates
 * (covfit.c), which also splits the gain by covariate value. */
#ifndef SK_RIDGE_H
#define SK_RIDGE_H

#include <stddef.h>

#include "model.h"

struct sk_covdata;

/* 1 when the estimates of parameters i and j move together almost
 * exactly: the correlation of the inverse observed information beyond
 * 0.995 (0 without a covariance, f->cov_ok = 0). */
int sk_fit_together(const struct sk_fit *f, int i, int j);

/* 1 when the estimates say the pair (i, j) may be on a ridge, so that
 * sk_ridge_gain is worth its pass over the customers: no covariance for
 * a fit made here (se_ok = 0), a standard error over ten times its
 * estimate, or the two moving together.  A model read from a file (se
 * but no covariance) is judged by its standard errors alone. */
int sk_ridge_loose(const struct sk_fit *f, int i, int j);

/* Where the pair's point mass is: par[i]/(par[i]+par[j]) for a Beta
 * pair (a/(a+b), the dropout probability), par[i]/par[j] for a Gamma
 * pair (r/alpha, the purchase rate per unit of time). */
double sk_tridge_ratio(const struct sk_tridge *rg, const double *par);

/* How much worse than the limit a fit may be and still be on the ridge:
 * 1e-3 + 1e-8 |ln L|, nested.h's tolerance for "converged to the
 * restriction" (the limit is the model's boundary, which the fit would
 * reach but for the optimiser stopping first). */
double sk_ridge_tol(double loglik);

/* sum over the customers rows[0..n) (valid[i] = 0 skips row i; valid
 * may be NULL) of w_i (ln L_lim - ln L) at par, each customer with her
 * own parameters under covariates (cov, covar.h; NULL: none); per
 * customer into d[i] when d is not NULL (0 for a skipped row), and the
 * sum of w_i ln L into *ll when ll is not NULL.  Not finite when some
 * customer's is not. */
double sk_ridge_gain(const struct sk_tmodel *tm, const struct sk_tridge *rg, const double *par,
		     const struct sk_covdata *cov, const struct sk_rfm *rows,
		     const unsigned char *valid, size_t n, double *d, double *ll);

/* The ridges of tm (tm->ridge) on which the fit f sits for the customers
 * rows[0..n): bit k set for tm->ridge[k] when the pair is loose
 * (sk_ridge_loose) or large (a Beta pair's sum, a Gamma pair's shape over
 * 100: ridge.c says why), each of a Beta pair's two (a Gamma pair's
 * shape) is over 1 (else the mass piles up at an edge, another
 * boundary) and the sum of the gains is at least
 * -sk_ridge_tol.  0 for a penalised fit
 * (--penalty keeps the pair finite: that is its purpose). */
unsigned sk_tmodel_ridges(const struct sk_tmodel *tm, const struct sk_fit *f,
			  const struct sk_covdata *cov, const struct sk_rfm *rows,
			  const unsigned char *valid, size_t n);

#endif
