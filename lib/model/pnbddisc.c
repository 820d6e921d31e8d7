/* pnbddisc.c: the Pareto/NBD's discounted survival, the integral behind
 * its DERT and its discounted expected transactions over a horizon.
 *
 * Given alive at T (and her history), a customer's dropout rate is
 * mu ~ Gamma(s, beta+T) and her purchase rate has mean (r+x)/(alpha+T)
 * (SMC 1987, sec. 4; FH 2005), so her expected transactions in (T, T+t]
 * have the derivative (r+x)/(alpha+T) (B/(B+t))^s, B = beta+T, and her
 * discounted expected transactions over a horizon H at force of
 * interest delta are
 *   (r+x)/(alpha+T) D(s, B, delta, H),
 *   D = int_0^H e^(-delta t) (B/(B+t))^s dt.
 * With H = inf, B D is Fader, Hardie & Lee 2005 ("RFM and CLV", JMR
 * 42(4)) eq. 2's (beta+T)^s delta^(s-1) U(s, s; delta(beta+T)) (their
 * DERT over P(alive)); with H finite it is what value.c's
 * Gauss-Legendre rule integrated by parts from E(t) at 17 points per
 * customer.  That was cheap while customers shared (x, T); with
 * covariates every customer has her own beta, and D was most of clv's
 * scoring (and the adaptive quadrature of DERT 7 s on 10^6 customers).
 *
 * With t = B (e^u - 1) the integral becomes
 *   D = B int_0^U exp(phi(u)) du,  phi(u) = -(s-1) u - z (e^u - 1),
 * z = delta B, U = ln(1 + H/B): phi is concave and entire (no
 * singularity anywhere to slow a Gauss rule down, unlike (B+t)^-s whose
 * pole sits at t = -B), so 8-point Gauss-Legendre panels on which phi
 * moves by at most PANEL_EFOLDS give D to ~1e-15: the rule's error on a
 * panel is (n!)^4 / ((2n+1) ((2n)!)^3) f^(2n) (Davis & Rabinowitz,
 * Methods of Numerical Integration, 2.7.8), below 1e-18 of the panel for
 * an exponential of 2 e-folds.  The panels are cut where |phi'| =
 * |s-1| + z e^u is large; an infinite horizon ends where exp(phi) has
 * fallen TAIL_EFOLDS below its maximum, past which the rest (at most
 * exp(phi)/|phi'|) is below 1e-19 of D. */
#include <math.h>

#include "pnbdint.h"

#define PANEL_EFOLDS 2.0
#define PANEL_WIDTH 1.0	/* in u: z e^u grows by at most e on a panel */
#define TAIL_EFOLDS 45.0
#define PANEL_MAX 4096	/* never reached for finite s, B, delta */

/* 8-point Gauss-Legendre on [-1, 1]: the positive nodes and weights. */
static const double gl8_x[4] = {
	0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363,
};
static const double gl8_w[4] = {
	0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763,
};

/* h(s, y) = int_0^inf e^(-y w) (1+w)^-s dw = e^y y^(s-1) Gamma(1-s, y)
 * by Legendre's continued fraction for the incomplete gamma function
 * (Numerical Recipes, 3rd ed., eq. 6.2.7, with a = 1-s; evaluated by
 * the modified Lentz method, sec. 5.2):
 *   h = 1/(y+s- 1 s/(y+s+2- 2 (s+1)/(y+s+4- ...))).
 * No power and no Gamma function, so nothing overflows for any s; it
 * converges in about 20 terms at y = 4 and slowly as y -> 0, so only
 * the tail of a lifetime (y = z e^a >= CF_FROM) is summed this way.
 * NAN when CF_TERMS terms were not enough. */
#define CF_FROM 4.0
#define CF_TERMS 400
static double h_cf(double s, double y)
{
	const double tiny = 1e-300;
	double b = y + s, c = 1 / tiny, d = 1 / b, f = d;
	for (int n = 1; n <= CF_TERMS; n++) {
		double an = -n * (n - 1 + s);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double del = d * c;
		f *= del;
		if (fabs(del - 1) < 1e-16)
			return f;
	}
	return NAN;
}

/* exp(phi(u) - phi0) */
static double integrand(double s, double z, double u, double phi0)
{
	return exp(-(s - 1) * u - z * expm1(u) - phi0);
}

double sk_pnbd_disc(double s, double B, double delta, double H)
{
	if (!(s > 0) || !(B > 0) || !isfinite(s) || !isfinite(B) || !(delta >= 0) ||
	    !isfinite(delta) || !(H >= 0))
		return NAN;
	if (H == 0)
		return 0;
	double z = delta * B;
	double U = isinf(H) ? INFINITY : log1p(H / B);
	if (isinf(U) && !(z > 0))
		return NAN;	/* undiscounted lifetime: infinite unless s > 1 */
	/* phi's maximum on [0, U]: at 0 unless s < 1 and the rise (1-s) u
	 * beats the discount at first; everything is scaled by it. */
	double us = s < 1 && z < 1 - s ? log((1 - s) / z) : 0;
	if (us > U)
		us = U;
	double phi0 = -(s - 1) * us - z * expm1(us), sum = 0, a = 0;
	int k = 0, cf = isinf(U);
	for (; k < PANEL_MAX && a < U; k++) {
		/* The rest of a lifetime, B int_a^inf exp(phi) du, is
		 * B e^phi(a) h(s, z e^a) (t = B(e^a - 1) + B e^a w). */
		if (cf && a >= us && z * exp(a) >= CF_FROM) {
			double tl = exp(-(s - 1) * a - z * expm1(a) - phi0) * h_cf(s, z * exp(a));
			if (isfinite(tl)) {
				sum += tl;
				break;
			}
			cf = 0;	/* not converged: the panels go on */
		}
		double b = fmin(a + PANEL_WIDTH, U);
		double slope = fabs(s - 1) + z * exp(b);	/* max |phi'| on [a, b] */
		if (slope * (b - a) > PANEL_EFOLDS)
			b = a + PANEL_EFOLDS / slope;
		double h = (b - a) / 2, m = a + h, p = 0;
		for (int j = 0; j < 4; j++)
			p += gl8_w[j] * (integrand(s, z, m - h * gl8_x[j], phi0) +
					 integrand(s, z, m + h * gl8_x[j], phi0));
		sum += h * p;
		a = b;
		if (a >= us && -(s - 1) * a - z * expm1(a) - phi0 < -TAIL_EFOLDS)
			break;
	}
	if (k == PANEL_MAX)
		return NAN;
	return B * exp(phi0) * sum;
}

/* Lifetimes of many customers with one s and delta but each her own B
 * (dropout covariates, FH 2007: beta_i = beta0 e^(gamma z_i)): D = B
 * h(s, z) with z = delta B, and h is one function of z for the whole
 * run.  Callgrind on churn --dert with 10^5 such customers: the panels
 * above were 79 % of the DERT, and their exp and expm1 more than half of
 * it.  So h is tabulated at grid points v_k (by sk_pnbd_disc itself),
 * and a customer's h(s, z), z in [v_(k+1), v_k), is one panel and one
 * step: with t = v e^u in h's integral over [z, inf),
 *   h(s, z) = int_0^L exp(phi(u)) du + exp(phi(L)) h(s, v_k),
 * phi(u) = -(s-1) u - z (e^u - 1), L = ln(v_k / z): the first term is
 * pnbddisc's own integral cut at L, the second its tail from v_k.
 * The grid is spaced so that phi moves by at most PANEL_EFOLDS on
 * [0, L] (|phi'| <= |s-1| + v_k there), the criterion of the panels
 * above, so the 8-point rule keeps their accuracy (test_pnbddisc.c: 1e-13
 * of sk_pnbd_disc over s from 0.05 to 1000 and z from 1e-9 to 1e3).
 * From CF_FROM up h_cf is summed directly, as sk_pnbd_disc does there. */
/* The grid is the same sequence whatever z asked for it first, so a
 * value does not depend on the calls before (nor on which thread got the
 * customer): z below the TAB_MAX-th point always goes to sk_pnbd_disc.
 * A new (s, delta) starts the table again: its callers (value.c's DERT
 * and whatif, one parameter set per pass over the customers) keep them
 * for many calls. */
#define TAB_MAX 8192
static _Thread_local struct {
	double s, delta;
	int n;			/* grid points: v[0] = CF_FROM > v[1] > ... */
	double v[TAB_MAX], lv[TAB_MAX], h[TAB_MAX];
} tab;

/* Extend the grid down to z or below; 0, or -1 when TAB_MAX is reached. */
static int tab_extend(double z)
{
	double s = tab.s;
	while (tab.n == 0 || tab.v[tab.n - 1] > z) {
		if (tab.n == TAB_MAX)
			return -1;
		double v, lv;
		if (tab.n == 0) {
			v = CF_FROM;
			lv = log(v);
		} else {
			double vk = tab.v[tab.n - 1];
			lv = tab.lv[tab.n - 1] - fmin(PANEL_WIDTH, PANEL_EFOLDS / (fabs(s - 1) + vk));
			v = exp(lv);
		}
		double h = sk_pnbd_disc(s, 1, v, INFINITY);	/* B = 1: D = h(s, v) */
		if (!isfinite(h) || !(h > 0))
			return -1;
		tab.v[tab.n] = v;
		tab.lv[tab.n] = lv;
		tab.h[tab.n] = h;
		tab.n++;
	}
	return 0;
}

double sk_pnbd_disc_life(double s, double B, double delta)
{
	double z = delta * B;
	if (!(s > 0) || !(B > 0) || !isfinite(s) || !isfinite(B) || !(delta > 0) ||
	    !isfinite(delta) || !(z > 0) || z >= CF_FROM)
		return sk_pnbd_disc(s, B, delta, INFINITY);
	if (tab.s != s || tab.delta != delta) {
		tab.s = s;
		tab.delta = delta;
		tab.n = 0;
	}
	if (tab_extend(z) < 0)
		return sk_pnbd_disc(s, B, delta, INFINITY);
	/* k: the last grid point at or above z (v decreasing) */
	int lo = 0, hi = tab.n - 1;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (tab.v[mid] >= z)
			lo = mid;
		else
			hi = mid;
	}
	int k = tab.v[hi] >= z ? hi : lo;
	double L = tab.lv[k] - log(z);
	double hl = L / 2, p = 0;
	for (int j = 0; j < 4; j++)
		p += gl8_w[j] * (integrand(s, z, hl - hl * gl8_x[j], 0) +
				 integrand(s, z, hl + hl * gl8_x[j], 0));
	return B * (hl * p + integrand(s, z, L, 0) * tab.h[k]);
}

