/* test_pnbdnear1.c: pnbdnear1.c's S = 2F1(1, e; e+o; z) near z = 1 when
 * o is within NEAR_WHOLE = 0.05 of a whole number (whole(): A&S 15.3.11's
 * case, the poles of the 1 - z transformation's two halves cancelled in
 * closed form), issue 20.  Reference: pnbdnear1_ref.h, 2400 points o =
 * N + f, N = 1..8, f in {0, +-1e-9, +-1e-6, +-1e-4, +-9e-4, +-1.1e-3,
 * +-4.9e-2, +-5.1e-2}, e in {2, 30, 1e3, 1e4, 1e5}, e w in {1e-3, 0.1, 1,
 * 3}: ln S and its first and second derivatives in (e, o, z) by mpmath's
 * hyp2f1 at 50 digits (pnbdnear1_ref.py; the |f| = 5.1e-2 rows are
 * near1's general path P + Q, outside whole()).
 *  1. every point with |f| < 0.05 in near1's domain (w < 1/2: all but
 *     e = 2 with e w >= 1) is served by near1; before whole() those with
 *     |f| < 1e-3 all went to the quadrature, and P + Q's second
 *     derivative in o was off by 1.7e-6 at |f| = 1.1e-3;
 *  2. ln S at every served point: mpmath to 1e-10 relative;
 *  3. d ln S / d(e, o, z) and the Hessian of ln S (from
 *     sk_pnbd_near1_S2's r, r_ij - r_i r_j): mpmath to 1e-8 of
 *     max(|value|, scale), scales 1/K for e and o and 1/w for z;
 *  4. sk_pnbd_near1_S (first order) gives S2's ln S and gradient, and
 *     the value alone (order 0) and S2 at order 1, whose sums stop on
 *     fewer terms, meet the reference as above; at e w = 35 (a
 *     cancellation of ~e^35) near1 declines, and from e w = 3 to 20,
 *     across its gates, what it serves is the quadrature's (pnbdtail.c)
 *     to 1e-10 in ln S and 1e-8 in the gradient;
 *  5. continuity across |f| = 0.05, where whole() hands over to P + Q:
 *     ln S to 1e-10 and the gradient to 1e-8 between o = N +- (0.05 -
 *     1e-12) and N +- (0.05 + 1e-12) (sk_pnbd_far_S on the outer side,
 *     the quadrature where P + Q declines), and whole() at f = 0 exactly
 *     (A&S 15.3.11's limit itself) against f = +-1e-12.
 * Prints "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <math.h>
#include <stdio.h>

#include "model/pnbdint.h"
#include "pnbdnear1_ref.h"
#include "tap.h"

static double rel(double a, double b, double scale)
{
	return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), scale);
}

int main(void)
{
	size_t nref = sizeof near1_ref / sizeof *near1_ref;
	int must = 0, bad_must = 0, served = 0, served_out = 0, nout = 0, inside = 0;
	int bad_v = 0, bad_d = 0, bad_h = 0, bad_1 = 0, bad_0 = 0;
	double worst_v = 0, worst_d = 0, worst_h = 0;
	/* r indices of the Hessian: E E, E O, O O, E z, O z, z z */
	const int ij[6][2] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 0, 2 }, { 1, 2 }, { 2, 2 } };
	for (size_t i = 0; i < nref; i++) {
		const double *R = near1_ref[i];
		double o = R[0], e = R[1], w = R[2], z = 1 - w;
		double f = o - nearbyint(o);
		int in = fabs(f) < 0.05;
		double lS, r[10];
		int ok = sk_pnbd_near1_S2(e, o, z, w, 2, &lS, r) == 0;
		inside += in;
		if (in && w < 0.5) {
			must++;
			if (!ok) {
				bad_must++;
				printf("# declined o=%.17g e=%g w=%g\n", o, e, w);
			}
		}
		if (!in) {
			nout++;
			served_out += ok;
		}
		if (!ok)
			continue;
		served++;
		double K = e + o - 1, sc[3] = { 1 / K, 1 / K, 1 / w };
		double ev = fabs(lS - R[3]) / fmax(fabs(R[3]), 1e-300);
		worst_v = fmax(worst_v, ev);
		if (!(ev <= 1e-10)) {
			bad_v++;
			printf("# value o=%.17g e=%g w=%g: %.17g vs %.17g\n", o, e, w, lS, R[3]);
		}
		for (int d = 0; d < 3; d++) {
			double ed = rel(r[1 + d], R[4 + d], sc[d]);
			worst_d = fmax(worst_d, ed);
			if (!(ed <= 1e-8)) {
				bad_d++;
				printf("# d%d o=%.17g e=%g w=%g: %.17g vs %.17g\n", d, o, e, w, r[1 + d], R[4 + d]);
			}
		}
		for (int q = 0; q < 6; q++) {
			int a = ij[q][0], b = ij[q][1];
			double H = r[4 + q] - r[1 + a] * r[1 + b];
			double eh = rel(H, R[7 + q], sc[a] * sc[b]);
			worst_h = fmax(worst_h, eh);
			if (!(eh <= 1e-8)) {
				bad_h++;
				printf("# H%d%d o=%.17g e=%g w=%g: %.17g vs %.17g\n", a, b, o, e, w, H, R[7 + q]);
			}
		}
		/* the lower orders stop their sums on fewer terms: each to the
		 * reference on its own */
		double l1, d1[3], l0, r1[10];
		if (sk_pnbd_near1_S(e, o, z, w, &l1, d1) < 0 || l1 != lS || d1[0] != r[1] ||
		    d1[1] != r[2] || d1[2] != r[3])
			bad_1++;
		if (sk_pnbd_near1_S(e, o, z, w, &l0, NULL) < 0 ||
		    !(fabs(l0 - R[3]) <= 1e-10 * fabs(R[3])) ||
		    sk_pnbd_near1_S2(e, o, z, w, 1, &l1, r1) < 0 || !(fabs(l1 - R[3]) <= 1e-10 * fabs(R[3])) ||
		    !(rel(r1[1], R[4], sc[0]) <= 1e-8 && rel(r1[2], R[5], sc[1]) <= 1e-8 &&
		      rel(r1[3], R[6], sc[2]) <= 1e-8)) {
			bad_0++;
			printf("# order 0/1 o=%.17g e=%g w=%g: %.17g %.17g vs %.17g\n", o, e, w, l0, l1, R[3]);
		}
	}
	check(nref == 2400 && inside == 2080, "the reference has the grid (%zu points, %d with |f| < 0.05)",
	      nref, inside);
	check(must == 1872 && bad_must == 0,
	      "near1 serves all %d points with |f| < 0.05 and w < 1/2 (and P + Q %d of the %d at |f| = 0.051)",
	      must, served_out, nout);
	check(bad_v == 0, "ln S at %d served points: mpmath to 1e-10 relative (worst %.2g)", served, worst_v);
	check(bad_d == 0, "d ln S / d(e, o, z): mpmath to 1e-8 (worst %.2g)", worst_d);
	check(bad_h == 0, "Hessian of ln S: mpmath to 1e-8 (worst %.2g)", worst_h);
	check(bad_1 == 0, "sk_pnbd_near1_S gives near1_S2's ln S and gradient");
	check(bad_0 == 0, "ln S alone (near1_S without dS) and near1_S2 at order 1: mpmath as above");

	/* the gate: at e w = 35 z^-b ~ e^35 and S1 cancel to ~1e-15 of
	 * their size, which must be declined (far_S then takes the
	 * quadrature), not returned */
	int gate = 0, bad_gate = 0;
	for (int N = 1; N <= 8; N++)
		for (int k = 0; k < 3; k++) {
			const double fk[] = { 0, 1e-4, -3e-2 };
			double e = 1e4, w = 35 / e, l, d[3];
			gate++;
			if (sk_pnbd_near1_S(e, N + fk[k], 1 - w, w, &l, d) == 0 ||
			    sk_pnbd_near1_S(e, N + fk[k], 1 - w, w, &l, NULL) == 0)
				bad_gate++;
		}
	check(bad_gate == 0, "near1 declines all %d points at e w = 35 (ill-conditioned)", gate);

	/* between: e w from 3 to 20, where the condition number crosses the
	 * gates, whatever whole() serves against the quadrature of Euler's
	 * integral (pnbdtail.c, 1e-12) */
	int nq = 0, nqs = 0, bad_q = 0;
	double worst_q = 0;
	for (int N = 1; N <= 8; N++)
		for (int x = 3; x <= 20; x++)
			for (int k = 0; k < 6; k++) {
				const double fk[] = { 0, 1e-4, -3e-2, 0, 1e-4, -3e-2 };
				double e = k < 3 ? 1e4 : 1e3, w = x / e, o = N + fk[k], K = e + o - 1;
				double l, d[3], lq, dq[3], sc[3] = { 1 / K, 1 / K, 1 / w };
				nq++;
				if (sk_pnbd_near1_S(e, o, 1 - w, w, &l, d) < 0)
					continue;
				nqs++;
				if (sk_pnbd_quad_S(e, o, 1 - w, w, &lq, dq) < 0) {
					bad_q++;
					continue;
				}
				double eq = fabs(l - lq) / fabs(lq);
				for (int i = 0; i < 3; i++)
					eq = fmax(eq, 1e-2 * rel(d[i], dq[i], sc[i]));
				worst_q = fmax(worst_q, eq);
				if (!(eq <= 1e-10)) {
					bad_q++;
					printf("# quad o=%.17g e=%g w=%g: %.17g vs %.17g\n", o, e, w, l, lq);
				}
			}
	check(nqs >= 100 && bad_q == 0,
	      "at e w = 3..20 whole() serves %d of %d points: quadrature to 1e-10 in ln S, 1e-8 in the gradient (worst %.2g of those)",
	      nqs, nq, worst_q);

	/* continuity at the switch |f| = 1e-3, and at f = 0 */
	const double es[] = { 2, 30, 1e3, 1e4, 1e5 }, xs[] = { 1e-3, 0.1, 1, 3 };
	int ncont = 0, bad_c = 0, n0 = 0, bad_z = 0;
	double worst_c = 0, worst_cd = 0, worst_0 = 0;
	for (int N = 1; N <= 8; N++)
		for (int i = 0; i < 5; i++)
			for (int k = 0; k < 4; k++) {
				double e = es[i], w = xs[k] / e, z = 1 - w, K = e + N - 1;
				double sc[3] = { 1 / K, 1 / K, 1 / w };
				for (int s = -1; s <= 1; s += 2) {
					double oi = N + s * (0.05 - 1e-12), oo = N + s * (0.05 + 1e-12);
					double li, lo, di[3], dd[3];
					if (sk_pnbd_near1_S(e, oi, z, w, &li, di) < 0 ||
					    sk_pnbd_far_S(e, oo, z, w, &lo, dd) < 0)
						continue;
					ncont++;
					double ec = fabs(li - lo) / fabs(lo), ed = 0;
					for (int d = 0; d < 3; d++)
						ed = fmax(ed, rel(di[d], dd[d], sc[d]));
					worst_c = fmax(worst_c, ec);
					worst_cd = fmax(worst_cd, ed);
					if (!(ec <= 1e-10 && ed <= 1e-8)) {
						bad_c++;
						printf("# switch N=%d s=%d e=%g w=%g: %.17g vs %.17g, d %.2g\n", N, s, e,
						       w, li, lo, ed);
					}
				}
				double l0, d0[3], lp, dp[3], lm, dm[3];
				if (sk_pnbd_near1_S(e, N, z, w, &l0, d0) < 0 ||
				    sk_pnbd_near1_S(e, N + 1e-12, z, w, &lp, dp) < 0 ||
				    sk_pnbd_near1_S(e, N - 1e-12, z, w, &lm, dm) < 0)
					continue;
				n0++;
				/* ln S moves by ~1e-12 d/do between them */
				double e0 = fmax(fabs(l0 - lp), fabs(l0 - lm)) / fabs(l0);
				for (int d = 0; d < 3; d++)
					e0 = fmax(e0, fmax(rel(d0[d], dp[d], sc[d]), rel(d0[d], dm[d], sc[d])));
				worst_0 = fmax(worst_0, e0);
				if (!(e0 <= 1e-10))
					bad_z++;
			}
	check(ncont == 288 && bad_c == 0,
	      "ln S continuous across |f| = 0.05 at %d points to 1e-10 (worst %.2g), the gradient to 1e-8 (worst %.2g)",
	      ncont, worst_c, worst_cd);
	check(n0 == 144 && bad_z == 0, "at f = 0 exactly, ln S and the gradient within 1e-10 of f = +-1e-12 at %d points (worst %.2g)",
	      n0, worst_0);
	printf("1..%d\n", checks);
	return failures != 0;
}
