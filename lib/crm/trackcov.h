/* trackcov.h: churn --tracking's sums with covariates (tracking.c's
 * expected counts and histogram when every cohort has its own
 * parameters). */
#ifndef SK_TRACKCOV_H
#define SK_TRACKCOV_H

#include <stddef.h>
#include <stdint.h>

#include "model/score.h"
#include "summary.h"

/* The customers of one first-purchase day index f and one covariate
 * vector cov (covar.h): w of them. */
struct sk_trackcov_cohort {
	long f;
	uint32_t cov;
	double w;
};

/* The cohorts, sorted by (f, cov), and their own parameters ip (4 per
 * cohort, sk_cov_rowpar): given them, E[X(t)] and P(X(t) = k) are the
 * plain model's (Fader & Hardie 2007, sec. 2 and 3).  c and ip are owned
 * (sk_trackcov_free). */
struct sk_trackcov {
	const struct sk_tmodel *tm;
	double unit_days;
	struct sk_trackcov_cohort *c;
	size_t nc;
	double *ip;
};

/* The cohorts of the patterns pat[0..np) at the fitted par: the first
 * day from T (the time from the first purchase to dc->as_of, in whole
 * days as summarize writes it).  Exits 70 when a T lies outside the
 * log's calibration window. */
void sk_trackcov_init(struct sk_trackcov *h, const struct sk_tmodel *tm, const double *par,
		      const struct sk_covdata *cov, const struct sk_daycounts *dc,
		      const struct sk_rfm *pat, size_t np, double unit_days);
void sk_trackcov_free(struct sk_trackcov *h);

/* out[k nval + q] = sum over the cohorts born before D[k] (day indexes,
 * ascending) of w_j times value q at lag D[k] - f_j days: with nval 1
 * E[X((L - shift) days)], with nval 7 P(X((L - shift) days) = q),
 * q = 0..6, at the cohort's parameters.  The sums are made in an order
 * fixed by the data alone, whatever the threads.  Returns how many
 * cohorts were summed one by one rather than through the panels. */
size_t sk_trackcov_sums(const struct sk_trackcov *h, const long *D, size_t nD, int nval,
		      double shift, double *out);

#endif
