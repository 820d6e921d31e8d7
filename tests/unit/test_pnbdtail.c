/* test_pnbdtail.c: the Pareto/NBD tail's S = 2F1(1, e; e+o; z) near
 * z = 1 by the 1 - z transformation (pnbdnear1.c) against the
 * quadrature of Euler's integral (pnbdtail.c's sk_pnbd_quad_S, relative
 * 1e-12), against central differences of its own ln S, and against
 * GSL's gsl_sf_hyperg_2F1 where GSL converges.
 *
 * The grid: w = 1 - z from 1e-2 to 1e-8; e from 0.5 to 1e4 (e = s + 1 ~
 * 1e4 on the s, beta -> inf ridge of issue 20); o small (0.3), near
 * whole numbers (1 +- 1e-3, 2 - 1e-6, 3 + 1e-4, 6 +- 1e-2), the
 * fractional values of a fit (5.349, the 50k bench fit's r + 0) and
 * large (41.3).  Tolerances: ln S to 1e-10 absolute (relative in S), each
 * d ln S / d(e, o, z) to 1e-9 of max(|d|, its scale) against the
 * quadrature and 1e-5 against differences (step 1e-6 relative: the
 * differences' own error).  Where near1 declines (condition number over
 * 1e5: e w large) sk_pnbd_far_S must still agree with the quadrature,
 * and near1 must serve every point of the region it is there for (e w
 * <= 1, o near a whole number included since pnbdnear1.c's whole()):
 * a version that always declined would fail.  test_pnbdnear1.c checks
 * whole() against mpmath. */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_hyperg.h>

#include "model/pnbdint.h"
#include "tap.h"

static int close_d(double a, double b, double scale, double tol)
{
	return fabs(a - b) <= tol * fmax(fmax(fabs(a), fabs(b)), scale);
}

int main(void)
{
	gsl_set_error_handler_off();
	const double es[] = { 0.5, 3, 40, 800, 1e4 };
	const double os[] = { 0.3, 0.999, 1.001, 1.999999, 3.0001, 5.349, 5.99, 6.01, 41.3 };
	const double ws[] = { 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8 };
	int served = 0, must = 0, bad_v = 0, bad_q = 0, bad_fd = 0, bad_far = 0, bad_must = 0;
	int n2 = 0, bad_h = 0, bad_r1 = 0;
	double worst_h = 0;
	double worst_v = 0, worst_q = 0;
	for (size_t i = 0; i < sizeof es / sizeof *es; i++)
		for (size_t j = 0; j < sizeof os / sizeof *os; j++)
			for (size_t k = 0; k < sizeof ws / sizeof *ws; k++) {
				double e = es[i], o = os[j], w = ws[k], z = 1 - w;
				double lq, dq[3], ln, dn[3], lf, df[3];
				if (e + o <= 1)
					continue;	/* K = m + n - 1 = r + s + x > 0 */
				if (sk_pnbd_quad_S(e, o, z, w, &lq, dq) < 0) {
					check(0, "quadrature at e=%g o=%g w=%g", e, o, w);
					continue;
				}
				if (e * w <= 1) {
					must++;
					if (sk_pnbd_near1_S(e, o, z, w, &ln, dn) < 0) {
						bad_must++;
						printf("# near1 declined e=%g o=%g w=%g\n", e, o, w);
					}
				}
				if (sk_pnbd_far_S(e, o, z, w, &lf, df) < 0 ||
				    !(fabs(lf - lq) <= 1e-10)) {
					bad_far++;
					printf("# far_S e=%g o=%g w=%g: %.15g vs %.15g\n", e, o, w, lf, lq);
				}
				if (sk_pnbd_near1_S(e, o, z, w, &ln, dn) < 0)
					continue;
				served++;
				/* scales of the derivatives: 1/K for e and o, 1/w for z */
				double K = e + o - 1, sc[3] = { 1 / K, 1 / K, 1 / w };
				worst_v = fmax(worst_v, fabs(ln - lq));
				if (!(fabs(ln - lq) <= 1e-10)) {
					bad_v++;
					printf("# value e=%g o=%g w=%g: %.15g vs %.15g\n", e, o, w, ln, lq);
				}
				for (int d = 0; d < 3; d++) {
					double rel = fabs(dn[d] - dq[d]) / fmax(fmax(fabs(dq[d]), fabs(dn[d])), sc[d]);
					worst_q = fmax(worst_q, rel);
					if (!close_d(dn[d], dq[d], sc[d], 1e-9)) {
						bad_q++;
						printf("# d%d e=%g o=%g w=%g: %.15g vs %.15g\n", d, e, o, w, dn[d], dq[d]);
					}
				}
				/* central differences of near1's own ln S (z moves with
				 * w: d/dz = -d/dw); a step that leaves near1's region
				 * is skipped, not counted */
				double he = 1e-6 * e, ho = 1e-6 * o, hw = 1e-6 * w, lp, lm, fd[3];
				int okfd = 1;
				okfd &= sk_pnbd_near1_S(e + he, o, z, w, &lp, NULL) == 0 &&
					sk_pnbd_near1_S(e - he, o, z, w, &lm, NULL) == 0;
				fd[0] = (lp - lm) / (2 * he);
				okfd &= sk_pnbd_near1_S(e, o + ho, z, w, &lp, NULL) == 0 &&
					sk_pnbd_near1_S(e, o - ho, z, w, &lm, NULL) == 0;
				fd[1] = (lp - lm) / (2 * ho);
				okfd &= sk_pnbd_near1_S(e, o, 1 - (w + hw), w + hw, &lp, NULL) == 0 &&
					sk_pnbd_near1_S(e, o, 1 - (w - hw), w - hw, &lm, NULL) == 0;
				fd[2] = -(lp - lm) / (2 * hw);
				for (int d = 0; okfd && d < 3; d++)
					if (!close_d(dn[d], fd[d], sc[d], 1e-5)) {
						bad_fd++;
						printf("# fd d%d e=%g o=%g w=%g: %.15g vs %.15g\n", d, e, o, w, dn[d], fd[d]);
					}
				/* second order (pnbdcov.c's Hessian): ln S and the
				 * first derivatives as near1_S gives them, and the
				 * Hessian of ln S, r_ij - r_i r_j, against central
				 * differences of near1_S's gradient (z moves with w) */
				double r[10], l2;
				if (sk_pnbd_near1_S2(e, o, z, w, 2, &l2, r) < 0)
					continue;
				if (!(l2 == ln && fabs(r[1] - dn[0]) <= 1e-14 * fabs(dn[0]) + 1e-300 &&
				      fabs(r[2] - dn[1]) <= 1e-14 * fabs(dn[1]) + 1e-300 &&
				      fabs(r[3] - dn[2]) <= 1e-14 * fabs(dn[2]) + 1e-300))
					bad_r1++;
				double hs[3] = { he, ho, hw }, gp[3], gm[3], Hfd[3][3];
				int okh = 1;
				for (int v = 0; okh && v < 3; v++) {
					double ep = e + (v == 0) * hs[v], op = o + (v == 1) * hs[v],
					       wp = w + (v == 2) * hs[v];
					double em = e - (v == 0) * hs[v], om = o - (v == 1) * hs[v],
					       wm = w - (v == 2) * hs[v];
					okh &= sk_pnbd_near1_S(ep, op, 1 - wp, wp, &lp, gp) == 0 &&
					       sk_pnbd_near1_S(em, om, 1 - wm, wm, &lm, gm) == 0;
					for (int d = 0; d < 3; d++)
						Hfd[d][v] = (gp[d] - gm[d]) / (2 * hs[v]) * (v == 2 ? -1 : 1);
				}
				if (!okh)
					continue;
				n2++;
				/* r indices: E E, E O, O O, E z, O z, z z */
				const int ij[6][3] = { { 4, 0, 0 }, { 5, 0, 1 }, { 6, 1, 1 },
						       { 7, 0, 2 }, { 8, 1, 2 }, { 9, 2, 2 } };
				for (int q = 0; q < 6; q++) {
					int i1 = ij[q][1], j1 = ij[q][2];
					double H = r[ij[q][0]] - r[1 + i1] * r[1 + j1];
					double ref = 0.5 * (Hfd[i1][j1] + Hfd[j1][i1]);
					double scl = fmax(sc[i1] * sc[j1], fmax(fabs(H), fabs(ref)));
					double rel = fabs(H - ref) / scl;
					worst_h = fmax(worst_h, rel);
					if (!(rel <= 3e-5)) {
						bad_h++;
						printf("# H%d%d e=%g o=%g w=%g: %.15g vs %.15g\n", i1, j1, e, o, w, H, ref);
					}
				}
			}
	check(bad_must == 0, "near1 serves all %d grid points with e w <= 1", must);
	check(bad_v == 0, "ln S at %d points near1 serves: quadrature to 1e-10 (worst %.2g)", served, worst_v);
	check(bad_q == 0, "d ln S / d(e, o, z): quadrature to 1e-9 relative (worst %.2g)", worst_q);
	check(bad_fd == 0, "d ln S / d(e, o, z): central differences to 1e-5 relative");
	check(bad_r1 == 0, "sk_pnbd_near1_S2 gives near1_S's ln S and gradient (1e-14)");
	check(n2 >= 100 && bad_h == 0,
	      "Hessian of ln S from near1_S2 at %d points: central differences of the gradient to 3e-5 (worst %.2g)",
	      n2, worst_h);
	check(bad_far == 0, "sk_pnbd_far_S (near1 or quadrature) at every grid point: quadrature to 1e-10");

	/* GSL's 2F1 where it converges: moderate e, where its series or its
	 * 1 - z branch is reliable (status GSL_SUCCESS, error estimate
	 * below 1e-13) */
	int ngsl = 0, badgsl = 0;
	const double eg[] = { 0.5, 2.5, 7 }, og[] = { 0.4, 2.5, 4.7 }, wg[] = { 1e-2, 1e-3, 1e-5 };
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 3; k++) {
				double e = eg[i], o = og[j], w = wg[k], ln;
				gsl_sf_result r;
				if (gsl_sf_hyperg_2F1_e(1, e, e + o, 1 - w, &r) != GSL_SUCCESS ||
				    !(r.err <= 1e-13 * fabs(r.val)) || !(r.val > 0))
					continue;
				if (sk_pnbd_near1_S(e, o, 1 - w, w, &ln, NULL) < 0)
					continue;
				ngsl++;
				if (!(fabs(ln - log(r.val)) <= 1e-11)) {
					badgsl++;
					printf("# gsl e=%g o=%g w=%g: %.15g vs %.15g\n", e, o, w, ln, log(r.val));
				}
			}
	check(ngsl >= 10 && badgsl == 0, "ln S against gsl_sf_hyperg_2F1 at %d points: 1e-11", ngsl);
	printf("1..%d\n", checks);
	return failures != 0;
}
