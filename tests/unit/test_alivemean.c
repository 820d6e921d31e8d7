/* test_alivemean.c: sk_bgnbd_alive_mean (lib/model/bgnbd.c), the
 * expected transactions of an alive BG/NBD customer, J = E_p[(1 - (1 +
 * p kappa)^-m) / p] for p ~ Beta(a, B) (FHL 2005 eq. 7 and 10), over the
 * parameters a heavy-tailed covariate produces (churn --covariates
 * total_spend on bench/data/tx5m.csv: a in the hundreds, B up to 1e12,
 * kappa = t / alpha in the thousands).  Reference: alivemean_ref.h, 360
 * points a 0.5..1e3, B 0.5..1e12, m 0.1..50, kappa 1e-3..1e4 by mpmath's
 * quadrature at 40 digits (alivemean_ref.py).
 *  1. where the moment series is accepted (205 points) J = mpmath to
 *     1e-13 relative (the quadrature it replaced was off by up to 5.5e-3
 *     there: B = 1e7, the Beta density a spike);
 *  2. elsewhere J = mpmath to 1e-9 (the Euler series' own contract; seen
 *     8.3e-12);
 *  3. for kappa < 1, J = C/(a-1) (1 - 2F1(m, a-1; C; -kappa)) with GSL's
 *     gsl_sf_hyperg_2F1 (Pfaff's form, DLMF 15.8.1) within 1e-12 relative
 *     plus GSL's own error estimate magnified by the cancellation;
 *  4. J continuous across kappa = 199 (z = 0.995, where the Euler series
 *     hands over to the quadrature) at every (m, a, B) of a grid: to
 *     1e-11 (seen 7.7e-12 at B = 1e3; was 3.3e-3 before the moment
 *     series, at B = 1e7 and more);
 *  5. J continuous where the moment series stops being accepted as B
 *     falls (bisection in log B at every (m, a, kappa) of the grid): to
 *     1e-10, the Euler series' accuracy on the other side (seen 6.9e-11;
 *     1e-12 is not met there).
 * Prints "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_hyperg.h>

#include "model/modelint.h"

#include "tap.h"
#include "alivemean_ref.h"

static const double A[] = { 0.5, 1, 3, 30, 300, 1000 };
static const double BB[] = { 0.5, 2, 50, 1e3, 1e5, 1e7, 1e9, 1e12 };
static const double M[] = { 0.1, 1, 5, 50 };
static const double K[] = { 1e-3, 0.03, 0.7, 30, 199, 1e3, 1e4 };
#define N(v) (sizeof v / sizeof v[0])

static double rel(double u, double v)
{
	return fabs(u - v) / fmax(fabs(v), 1e-300);
}

int main(void)
{
	gsl_set_error_handler_off();
	double worst = 0, worst_s = 0, worst_g = 0, worst_c = 0, worst_z = 0;
	int nser = 0, ngsl = 0, nsw = 0, nz = 0, bad = 0;
	size_t nref = sizeof alivemean_ref / sizeof alivemean_ref[0];
	for (size_t i = 0; i < nref; i++) {
		const double *c = alivemean_ref[i];
		double m = c[0], kap = c[1], a = c[2], B = c[3];
		double J = sk_bgnbd_alive_mean(m, kap, a, B), e = rel(J, c[4]);
		int ser = sk_bgnbd_alive_mean_series(m, kap, a, B) > 0;
		if (!(e <= (ser ? 1e-13 : 1e-9)) && bad++ < 5)
			printf("# m %g kappa %g a %g B %g: J %.17g ref %.17g%s\n",
			       m, kap, a, B, J, c[4], ser ? " (series)" : "");
		e = isfinite(e) ? e : 1;
		if (ser) {
			nser++;
			worst_s = fmax(worst_s, e);
		} else
			worst = fmax(worst, e);
		gsl_sf_result F;
		double C = a + B - 1;
		/* GSL's error estimate F.err, magnified by the cancellation in
		 * 1 - F, bounds how far its J may be off. */
		if (kap < 1 && a != 1 &&
		    gsl_sf_hyperg_2F1_e(m, a - 1, C, -kap, &F) == GSL_SUCCESS) {
			double Jg = C / (a - 1) * (1 - F.val);
			double tol = 1e-12 * J + fabs(C / (a - 1)) * (F.err + 4 * DBL_EPSILON * fabs(F.val));
			ngsl++;
			if (fabs(J - Jg) > tol && bad++ < 5)
				printf("# m %g kappa %g a %g B %g: J %.17g GSL %.17g +- %.3g\n",
				       m, kap, a, B, J, Jg, tol);
			worst_g = fmax(worst_g, fabs(J - Jg) / tol);
		}
	}
	check(nref == 360 && nser > 100 && worst_s <= 1e-13,
	      "the moment series = mpmath to 1e-13 relative at its %d of %zu points (worst %.2g)",
	      nser, nref, worst_s);
	check(worst <= 1e-9,
	      "J = mpmath to 1e-9 relative at the other %zu points (worst %.2g)",
	      nref - nser, worst);
	check(ngsl > 30 && worst_g <= 1,
	      "J = GSL's 2F1 (Pfaff form, kappa < 1) within 1e-12 + GSL's error at %d points "
	      "(worst %.2g of the bound)", ngsl, worst_g);
	for (size_t i = 0; i < N(A); i++)
		for (size_t k = 0; k < N(M); k++)
			for (size_t l = 0; l < N(K); l++) {
				double a = A[i], m = M[k], kap = K[l];
				double lo = log(0.5), hi = log(1e13);
				if (sk_bgnbd_alive_mean_series(m, kap, a, exp(hi)) <= 0 ||
				    sk_bgnbd_alive_mean_series(m, kap, a, exp(lo)) > 0)
					continue;
				/* series accepted at hi, not at lo */
				for (int it = 0; it < 200 && hi - lo > 1e-14 * fabs(hi); it++) {
					double mid = 0.5 * (lo + hi);
					if (sk_bgnbd_alive_mean_series(m, kap, a, exp(mid)) > 0)
						hi = mid;
					else
						lo = mid;
				}
				double Jl = sk_bgnbd_alive_mean(m, kap, a, exp(lo));
				double Jh = sk_bgnbd_alive_mean(m, kap, a, exp(hi));
				double e = rel(Jl, Jh);
				if (!(e <= 1e-10))
					printf("# switch m %g kappa %g a %g B %.17g: %.17g vs %.17g\n",
					       m, kap, a, exp(hi), Jl, Jh);
				worst_c = fmax(worst_c, isfinite(e) ? e : 1);
				nsw++;
			}
	/* The old switch from series to quadrature at z = 0.995 (kappa =
	 * 199): both sides of it at every (m, a, B) of the grid. */
	for (size_t i = 0; i < N(A); i++)
		for (size_t j = 0; j < N(BB); j++)
			for (size_t k = 0; k < N(M); k++) {
				double a = A[i], B = BB[j], m = M[k];
				double J1 = sk_bgnbd_alive_mean(m, 199 * (1 - 1e-13), a, B);
				double J2 = sk_bgnbd_alive_mean(m, 199 * (1 + 1e-13), a, B);
				double e = rel(J1, J2);
				if (!(e <= 1e-11) && nz++ < 5)
					printf("# kappa 199 m %g a %g B %g: %.17g vs %.17g\n", m, a, B, J1, J2);
				worst_z = fmax(worst_z, isfinite(e) ? e : 1);
			}
	check(worst_z <= 1e-11, "J continuous to 1e-11 across kappa = 199 at %zu (m, a, B) (worst %.2g)",
	      N(A) * N(BB) * N(M), worst_z);
	check(nsw > 20 && worst_c <= 1e-10,
	      "J continuous to 1e-10 across the series' %d switch points (worst %.2g)", nsw, worst_c);
	printf("%d checks, %d failed\n", checks, failures);
	return failures != 0;
}
