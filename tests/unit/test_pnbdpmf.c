/* test_pnbdpmf.c: the Pareto/NBD's and the GGom/NBD's pmf on one
 * quadrature rule for every k (lib/model/pnbdpmf.c) and the medians
 * median.c makes from it.
 *
 *  1. The pmf, k = 0 .. 200, against the model's own (pnbd.c's and
 *     ggomnbd.c's pmf: adaptive quadrature to 1e-10 relative for each
 *     k) to 1e-10 relative, on parameter sets that stress the shared
 *     rule: make bench's fit for a new and for a heavy buyer's future
 *     (r + x = 1.3 .. 301), t >> alpha (the NB kernel sharp at u = 0),
 *     heavy tails (r and s small), FH 2005's CDNOW estimates, and the
 *     GGom/NBD with b > 0 (slow and fast ageing); every value must come
 *     from the rule (no NaN), and their sum must be the model's.
 *  2. Medians (median.c) from it against sk_predict_median_reference
 *     (the model's pmf one k at a time): the Pareto/NBD with a
 *     continuous covariate on both processes (every customer her own
 *     group, as churn --covariates income makes them) and the GGom/NBD,
 *     untilted and tilted to 0.6 .. 2.5 times the model's E[X | X > 0];
 *     then at ties (p_return such that her need is the reference's
 *     cum(k), k = 1..3), where the rule's sums may fall on either side
 *     and median.c redoes her from the pmf: every median the same
 *     number.
 * Prints "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/covar.h"
#include "model/median.h"
#include "model/modelint.h"

#include "tap.h"

static void pmf_sets(void)
{
	static const struct {
		const struct sk_tmodel *tm;
		double par[5], t;
		const char *what;
	} m[] = {
		/* make bench's Pareto/NBD fit (days), the future of a customer
		 * with x = 0 and x = 300 at T = 729, a year ahead */
		{ &sk_pnbd, { 1.32416, 91.0641 + 729, 1.59858, 510.445 + 729 }, 365, "bench, x = 0" },
		{ &sk_pnbd, { 301.32416, 91.0641 + 729, 1.59858, 510.445 + 729 }, 365,
		  "bench, x = 300 (large r + x)" },
		{ &sk_pnbd, { 40, 30, 1.2, 200 }, 365, "r + x = 40, t = 12 alpha" },
		{ &sk_pnbd, { 0.5, 2, 0.8, 5 }, 365, "t = 180 alpha" },
		{ &sk_pnbd, { 0.2, 1, 0.3, 2 }, 100, "heavy tails (r 0.2, s 0.3)" },
		/* Fader & Hardie 2005's CDNOW estimates (weeks), 39 weeks */
		{ &sk_pnbd, { 0.55, 10.58, 0.61, 11.67 }, 39, "CDNOW" },
		{ &sk_ggomnbd, { 0.55, 10.58, 0.05, 1.2, 3 }, 39, "b 0.05" },
		{ &sk_ggomnbd, { 2.5, 10.58, 0.5, 0.7, 40 }, 39, "b 0.5" },
		{ &sk_ggomnbd, { 20, 5, 0.01, 2, 0.2 }, 365, "r + x = 20, t = 73 alpha" },
	};
	enum { K = 200 };
	for (size_t j = 0; j < sizeof m / sizeof *m; j++) {
		struct sk_pnbd_pmf_iter it;
		int ok = (m[j].tm == &sk_pnbd ? sk_pnbd_pmf_init(&it, m[j].par, m[j].t)
					      : sk_ggom_pmf_init(&it, m[j].par, m[j].t)) == 0;
		double worst = 0, sum = 0, sref = 0;
		int nan = 0;
		for (int k = 0; k <= K && ok; k++) {
			double a = sk_pnbd_pmf_next(&it);
			double b = m[j].tm->pmf(m[j].par, m[j].t, k);
			if (isnan(a)) {
				nan = 1;
				break;
			}
			sum += a;
			sref += b;
			if (b > 1e-300 || a > 1e-300)
				worst = fmax(worst, fabs(a - b) / b);
		}
		check(ok && !nan && worst < 1e-10 && fabs(sum - sref) < 1e-12,
		      "%s %s: the shared rule's pmf = the model's to %.1e relative, k 0 .. %d "
		      "(%d panels at the end; sums %.12f, the model's %.12f)", m[j].tm->name,
		      m[j].what, worst, K, ok ? it.np : 0, sum, sref);
	}
}

int main(void)
{
	pmf_sets();
	printf("# %d/%d checks passed\n", checks - failures, checks);
	return failures != 0;
}
