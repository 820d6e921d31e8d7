/* median.c: the median of a customer's purchases over the horizon (see
 * median.h).
 *
 * With P(X = 0) = 1 - p the median is 0 when p <= 1/2; otherwise it is
 * the smallest k >= 1 with 1 - p + p F+(k) >= 1/2, F+ the distribution
 * function of X given X > 0, that is F+(k) >= (p - 1/2) / p.  That level
 * is below 1/2 for every p <= 1, so the search stops in the body of the
 * distribution, near its mean, and never depends on the far tail's
 * rounding.  Given X > 0 the count is the model's: P(X = k | X > 0) =
 * pmf(k) / (1 - pmf(0)) with the conditional pmf of score.c
 * (sk_cond_pmf: P(alive) times the pmf of the posterior process, plus the
 * dead at 0). */
#include "median.h"

#include <math.h>

#include "covar.h"
#include "record/util.h"

/* Far beyond any customer's median (a million purchases over the
 * horizon): reaching it means the pmf does not add up. */
#define KMAX 1000000

void sk_predict_median(const struct sk_tmodel *tm, const double *par,
		       const struct sk_custdata *d, double t, const double *p_return,
		       double *median)
{
	int bad = 0;
	#pragma omp parallel for schedule(dynamic, 64) reduction(|:bad) if (d->n > 2000)
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		double p = p_return[i];
		if (!(p > 0.5)) {
			median[i] = 0;
			continue;
		}
		const struct sk_rfm *r = &d->rfm[i];
		/* with covariates, the customer's own parameters (covar.h) */
		double ip[4];
		const double *pp = sk_cov_rowpar(tm, par, d->cov, r, ip);
		double pos = 1 - sk_cond_pmf(tm, pp, t, 0, r->x, r->t_x, r->T);
		if (!(pos > 0)) {
			/* the model sees no return at all; the layer does:
			 * a return is at least one purchase */
			median[i] = 1;
			continue;
		}
		double need = (p - 0.5) / p * pos, cum = 0;
		int k = 0;
		while (cum < need && k < KMAX)
			cum += sk_cond_pmf(tm, pp, t, ++k, r->x, r->t_x, r->T);
		if (cum < need)
			bad = 1;
		median[i] = k;
	}
	if (bad)
		sk_die(SK_EX_SOFTWARE, "median: the %s pmf does not reach one half within %d "
		       "purchases", tm->title, KMAX);
}
