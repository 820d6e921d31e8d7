/* bgsim.h: one BG/NBD customer's history, for the tests that simulate
 * from the model (test_covsep.c, test_interval.c).  FHL 2005 sec. 2:
 * Poisson purchases at rate lam; after each repeat purchase she drops
 * out with probability q; observed for T weeks, times rounded to whole
 * days as summarize writes them.  The caller draws lam, q and T (in its
 * own order, so each test keeps its random stream). */
#ifndef BGSIM_H
#define BGSIM_H

#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/model.h"

static inline struct sk_rfm bgsim_history(double lam, double q, double T, gsl_rng *rng)
{
	double t = 0, tx = 0, x = 0;
	for (;;) {
		t += gsl_ran_exponential(rng, 1 / lam);
		if (t > T)
			break;
		x++;
		tx = t;
		if (gsl_rng_uniform(rng) < q)
			break;
	}
	tx = floor(tx * 7) / 7;
	return (struct sk_rfm){ .x = x, .t_x = tx, .T = T, .w = 1 };
}

#endif
