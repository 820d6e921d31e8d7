/* pnbdnear1.c: the tail integral's S = 2F1(1, e; e+o; z) for z near 1,
 * by the 1 - z transformation, with d ln S / d(e, o, z).  Notation as at
 * the top of pnbd.c (S, e, o, K = e + o - 1, w = 1 - z).
 *
 * Why.  With a heavy-tailed purchase covariate the Pareto/NBD fit runs
 * along its s, beta -> inf ridge: e = s + 1 ~ 1e4 and w = (alpha+t) /
 * (beta+t) ~ 1e-4, where the z-series' terms C_k z^k, C_k = (e)_k /
 * (c)_k ~ exp(-k o / e), fall off by exp(-k (w + o/e)): ~1e5 terms, and
 * the quadrature of pnbdtail.c took 96 % of the fit's time (issue 20).
 *
 * The transformation.  Abramowitz & Stegun 15.3.6 with a = 1, b = e,
 * c = e + o (c - a - b = o - 1, c - a = K, c - b = o) gives
 *   S = K/(o-1) 2F1(1, e; 2-o; w)
 *       + w^(o-1) Gamma(e+o) Gamma(1-o) / Gamma(e) 2F1(K, o; o; w),
 * and 2F1(K, o; o; w) = (1-w)^-K = z^-K (A&S 15.1.8).  With
 * (o-1) (2-o)_k = -(1-o)_{k+1}, S = K G,
 *   G = P + Q,  P = -sum_k (e)_k w^k / (1-o)_{k+1},
 *   Q = w^(o-1) z^-K Gamma(1-o) Gamma(K) / Gamma(e),
 * G being also the integral int_0^inf (1+u)^-o (1+w u)^-e du (Euler's
 * integral of pnbdtail.c with e^y = 1 + u).  As e -> inf at e w = x fixed
 * G tends to e^x x^(o-1) Gamma(1-o, x): P and Q are the two halves of
 * the incomplete gamma function's series, and they cancel as those do,
 * by about e^(e w); and near o = 1, 2, 3, ... each has a pole (of
 * (1-o)_{k+1} and Gamma(1-o)) that cancels in the sum (A&S 15.3.11's
 * limit).  So P + Q is computed with its condition number, the sum of
 * the magnitudes over |G|, and refused (-1, the caller takes the
 * quadrature) when that exceeds COND_MAX, i.e. when fewer than ~11
 * digits would remain: e w beyond ~4 (at o ~ 6; the bound depends on o),
 * and o within NEAR_WHOLE = 1e-3 of a whole number (declined outright:
 * A&S 15.3.11's digamma form, or the limit series, would serve there,
 * and is not written yet).
 *
 * Where it is used: only where the z-series did not serve before, i.e.
 * z >= 0.995 or the series' SERIES_MAX terms not enough (sk_pnbd_far_S
 * for pnbdtail.c and pnbdidx.c; pnbdcov.c's tail() with the second
 * order below); the series keeps every point where it converged, so
 * those numbers are unchanged to the bit.
 *
 * The derivatives are those of each part:
 *   dP/de = -sum a_k He_k,  He_k = sum_{j<k} 1/(e+j)   (psi(e+k) - psi(e)),
 *   dP/do = -sum a_k Ro_k,  Ro_k = sum_{j<=k} 1/(j+1-o),
 *   dP/dw = -sum k a_k / w,  a_k = (e)_k w^k / (1-o)_{k+1};
 *   d ln|Q| / de = -ln z + psi(K) - psi(e),
 *   d ln|Q| / do = ln w - ln z - psi(1-o) + psi(K),
 *   d ln|Q| / dw = (o-1)/w + K/z,
 * and d ln S = dK/K + dG/G with dz = -dw; each derivative's sum has its
 * own condition number, checked as the value's.  Second derivatives
 * (for pnbdcov.c's Hessian) likewise, termwise in P and from trigamma in
 * Q (near1() below). */
#include "pnbdint.h"

#include <math.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* The largest condition number of P + Q accepted.  The parts carry
 * ~3e-16 relative error each (ln|Q| is a sum of terms of size ~5), so
 * 1e5 leaves ~3e-11 relative in S: measured against the quadrature over
 * the 50k bench fit's 2e5 tails (e ~ 1e4, e w up to 3.8, cond up to
 * 1e5) the worst was 1.1e-11 in S and 4e-10 in d ln S. */
#define COND_MAX 1e5
/* o this close to a whole number is left to the quadrature: the poles of
 * P and Q cancel there, the value's condition number grows like 1/|o - N|
 * and d/do's like 1/(o - N)^2, and the check below of the derivatives'
 * cancellation scales by the computed derivative, which is only a fair
 * scale while that derivative has some correct digits. */
#define NEAR_WHOLE 1e-3
/* Terms of P before giving up (the terms fall once k > e w and k > o). */
#define NEAR1_TERMS 2000

/* psi(x + d) - psi(x) for x > 0, x + d > 0, without the cancellation of
 * the difference when x >> |d| (both psi ~ ln x): upward recurrence to
 * x >= 20 (each step adds d / ((x+j)(x+d+j)), exact in form),
 * then the asymptotic series (A&S 6.3.18) term by term, its first term
 * ln(1 + d/x) by log1p. */
static double psi_diff(double x, double d)
{
	double acc = 0;
	while (x + fmin(d, 0) < 20) {
		acc += d / (x * (x + d));
		x += 1;
	}
	double y = x + d, ix = 1 / x, iy = 1 / y, ix2 = ix * ix, iy2 = iy * iy;
	/* psi(x) = ln x - 1/(2x) - sum B_2n / (2n x^2n): 1/12, -1/120, 1/252, -1/240, 1/132 */
	double tx = ix2 * (1.0 / 12 - ix2 * (1.0 / 120 - ix2 * (1.0 / 252 - ix2 * (1.0 / 240 - ix2 / 132))));
	double ty = iy2 * (1.0 / 12 - iy2 * (1.0 / 120 - iy2 * (1.0 / 252 - iy2 * (1.0 / 240 - iy2 / 132))));
	return acc + log1p(d / x) - 0.5 * (iy - ix) - (ty - tx);
}

/* lnGamma(x + d) - lnGamma(x) - d ln(x + d) for x > 0, x + d > 0: the
 * log of the Pochhammer symbol less the part that Q's w^(o-1) cancels.
 * GSL's lnpoch is good to ~1e-13 relative (4.5e-12 at x = 13700, d =
 * 5.3), and P + Q multiplies that by its condition number (~1e4); this
 * is Stirling's series (A&S 6.1.41) differenced term by term:
 *   (x+d-1/2) ln(x+d) - (x-1/2) ln x - d = (x-1/2) log1p(d/x) + d ln(x+d) - d,
 * after an upward recurrence to x >= 20 whose steps are -log1p(d/(x+j)). */
static double lnpoch_rest(double x, double d)
{
	double acc = 0, x0 = x;
	while (x + fmin(d, 0) < 20) {
		acc -= log1p(d / x);
		x += 1;
	}
	double y = x + d, ix = 1 / x, iy = 1 / y, ix2 = ix * ix, iy2 = iy * iy;
	/* sum B_2n / (2n (2n-1) x^(2n-1)): 1/12, -1/360, 1/1260, -1/1680, 1/1188 */
	double cx = ix * (1.0 / 12 - ix2 * (1.0 / 360 - ix2 * (1.0 / 1260 - ix2 * (1.0 / 1680 - ix2 / 1188))));
	double cy = iy * (1.0 / 12 - iy2 * (1.0 / 360 - iy2 * (1.0 / 1260 - iy2 * (1.0 / 1680 - iy2 / 1188))));
	/* d ln(y) - d ln(x0 + d) = d ln(y / (x0 + d)): the recurrence's shift */
	return acc + (x - 0.5) * log1p(d / x) + d * log1p((y - (x0 + d)) / (x0 + d)) - d + (cy - cx);
}

/* What depends on (e, o) only, kept per thread: along the ridge e = s + 1
 * is one number for every customer of an evaluation and o = r + x takes
 * one value per purchase count, so the special functions are computed
 * once per (e, o), not per customer. */
struct eo {
	double e, o;
	int ok;		/* Gamma(1-o) finite */
	double lg, sg;	/* ln|Gamma(1-o)|, its sign */
	double lp;	/* lnpoch_rest(e, o - 1) */
	double qe, qo;	/* psi(K) - psi(e), psi(K) - psi(1-o) */
	double lK;	/* ln K */
	int have2;	/* the three below are set */
	double t_ee, t_eo, t_oo;	/* psi'(K) - psi'(e), psi'(K), psi'(K) + psi'(1-o) */
	double f;	/* o - nearest whole number */
};

/* Entries per thread: the Hessian by differences (pnbdcov.c) asks for
 * one customer's tails at the parameters and at r, s moved either way,
 * five (e, o) in turn; eight keep them all. */
#define EO_WAYS 8

static const struct eo *eo_get(double e, double o)
{
	static _Thread_local struct {
		struct eo c[EO_WAYS];
		unsigned next;
	} t;
	for (int i = 0; i < EO_WAYS; i++)
		if (t.c[i].e == e && t.c[i].o == o && e > 0)
			return &t.c[i];
	struct eo *c = &t.c[t.next++ % EO_WAYS];
	c->e = e;
	c->o = o;
	c->ok = 0;
	c->have2 = 0;
	/* Gamma(1-o) and psi(1-o) by reflection (A&S 6.1.17, 6.3.7) with
	 * sin and cot of pi f, f = o - nearest whole number, exact: GSL
	 * reduces pi (1 - o) itself, which near a pole at o ~ 13 costs
	 * ~1e-16 o / f relative (1e-12 at f = 1e-3, times P + Q's condition
	 * number); Gamma(o) > 0 */
	double f = o - nearbyint(o), sn = sin(M_PI * f);
	if (o > 0.5 && fabs(f) < NEAR_WHOLE)
		return c;	/* near Gamma(1-o)'s poles: A&S 15.3.11's case */
	c->sg = ((long)nearbyint(o) % 2 ? -1 : 1) * (sn > 0 ? 1 : -1);
	c->lg = log(M_PI) - log(fabs(sn)) - gsl_sf_lngamma(o);
	c->lp = lnpoch_rest(e, o - 1);
	c->qe = psi_diff(e, o - 1);
	c->qo = gsl_sf_psi(e + o - 1) - (gsl_sf_psi(o) + M_PI / tan(M_PI * f));
	c->lK = log(e + o - 1);
	c->f = f;
	c->ok = isfinite(c->lg) && isfinite(c->lp) && isfinite(c->qe) && isfinite(c->qo);
	return c;
}

/* ln S and, order >= 1, g[1..3] = (G_e, G_o, G_w) / G and, order 2,
 * g[4..9] = (G_ee, G_eo, G_oo, G_ew, G_ow, G_ww) / G (w = 1 - z). */
static int near1(double e, double o, double z, double omz, int order, double *lS, double *g)
{
	double w = omz, K = e + o - 1;
	if (!(e > 0 && o > 0 && K > 0 && w > 0 && w < 0.5 && z > 0) || e * w > 40)
		return -1;
	const struct eo *c = eo_get(e, o);
	if (!c->ok)
		return -1;
	/* ln z from 1 - z, as the quadrature's integrand has it: K ln z
	 * multiplies an error in z by K ~ 1e4, and 1 - z is the one of the
	 * two that sk_pnbd_tail_z gives to full relative precision */
	double lz = log1p(-w);
	/* ln|Q| = (o-1) ln w + lnGamma(K) - lnGamma(e) - K ln z + ln|Gamma(1-o)|,
	 * with (o-1) ln w + (o-1) ln(e+o-1) as one logarithm: the terms stay
	 * of the size of the result (ln|Q| ~ 6 where lnGamma(K) - lnGamma(e)
	 * is 51 and (o-1) ln w -45) */
	double lQ = (o - 1) * log(w * K) + c->lp - K * lz + c->lg;
	/* everything in units of e^sc, so that Q (up to w^(o-1) ~ 1e300
	 * for o < 1 and w tiny) cannot overflow */
	double sc = lQ > 0 ? lQ : 0, Q = c->sg * exp(lQ - sc), isc = exp(-sc);
	/* P and its derivatives, a_k = (e)_k w^k / (1-o)_{k+1}, a_{k+1} =
	 * a_k (e+k) w / (k+2-o).  Past k > o - 2 and k > e w the ratio rho
	 * is below 1 and falls, so once it is below 1/2 the rest of the sum
	 * is below |a_{k+1}| (and its weights He, Ro, k grow at most like
	 * k): the loop stops when that is 1e-17 of the parts' magnitudes.
	 * One division per term for the value, two with the derivatives. */
	double a = 1 / (1 - o), He = 0, Ro = a, big = 1e-17 * fabs(Q) / isc;
	double P = 0, Pe = 0, Po = 0, Pk = 0, Pabs = 0, Peabs = 0, Poabs = 0, Pkabs = 0;
	int k = 0;
	double Pee = 0, Peo = 0, Poo = 0, Pew = 0, Pow = 0, Pww = 0, He2 = 0, Ro2 = a * a;
	if (order == 0) {
		for (;; k++) {
			P += a;
			Pabs += fabs(a);
			double ratio = (e + k) * w / (k + 2 - o);
			a *= ratio;
			if (k + 2 > o && ratio < 0.5 && fabs(a) * (k + 2) <= 1e-17 * Pabs + big)
				break;
			if (k >= NEAR1_TERMS)
				return -1;
		}
	} else {
		for (;; k++) {
			double fa = fabs(a);
			P += a;
			Pe += a * He;
			Po += a * Ro;
			Pk += k * a;
			Pabs += fa;
			Peabs += fa * He;
			Poabs += fabs(a * Ro);
			Pkabs += k * fa;
			if (order >= 2) {
				/* second derivatives of a_k (pnbdcov.c's d2C_k, here
				 * with Ro for o): a (He^2 - He2), a He Ro, a (Ro^2 +
				 * Ro2), and k, k (k-1) for the powers of w */
				Pee += a * (He * He - He2);
				Peo += a * He * Ro;
				Poo += a * (Ro * Ro + Ro2);
				Pew += k * a * He;
				Pow += k * a * Ro;
				Pww += (double)k * (k - 1) * a;
			}
			double io = 1 / (k + 2 - o), ratio = (e + k) * w * io, ie = 1 / (e + k);
			He += ie;
			He2 += ie * ie;
			Ro += io;
			Ro2 += io * io;
			a *= ratio;
			if (k + 2 > o && ratio < 0.5 &&
			    fabs(a) * (k + 2 + He + fabs(Ro)) <= 1e-17 * Pabs + big)
				break;
			if (k >= NEAR1_TERMS)
				return -1;
		}
	}
	/* G = P + Q in units of e^sc */
	double G = -P * isc + Q;
	double cond = (Pabs * isc + fabs(Q)) / fabs(G);
	if (!(G > 0) || !(cond <= COND_MAX))
		return -1;
	*lS = c->lK + sc + log(G);
	if (order == 0)
		return 0;
	double lw = log(w);
	double qe = -lz + c->qe;
	double qo = lw - lz + c->qo;
	double qw = (o - 1) / w + K / z;
	double iG = 1 / G;
	g[1] = (-Pe * isc + Q * qe) * iG;
	g[2] = (-Po * isc + Q * qo) * iG;
	g[3] = (-Pk / w * isc + Q * qw) * iG;
	/* the derivatives' own condition numbers, on d ln S = dK/K + dG/G:
	 * near a whole o the poles of dP/do and dQ/do are double and cancel
	 * further than P + Q does (o = 2 - 1e-6 at e w = 0.1: the value to
	 * 1e-15, d/do to 1e-6) */
	double mag[3] = { Peabs * isc + fabs(Q * qe), Poabs * isc + fabs(Q * qo),
			  Pkabs / w * isc + fabs(Q * qw) };
	double dl[3] = { 1 / K + g[1], 1 / K + g[2], g[3] }, fl[3] = { 1 / K, 1 / K, 1 };
	for (int i = 0; i < 3; i++)
		if (!(mag[i] <= COND_MAX * G * fmax(fabs(dl[i]), fl[i])))
			return -1;
	if (order < 2)
		return 0;
	/* d2 ln|Q|: psi'(K) - psi'(e), psi'(K), psi'(K) + psi'(1-o), and
	 * in w: 1/z, 1/w + 1/z, -(o-1)/w^2 + K/z^2; psi'(1-o) by reflection,
	 * psi'(1-o) = pi^2 / sin^2(pi o) - psi'(o) (A&S 6.4.7).  No
	 * condition check of its own: the Hessian steers Newton steps and
	 * gives standard errors, where the differences of gradients it
	 * replaces were good to ~1e-6. */
	struct eo *cw = (struct eo *)c;
	if (!cw->have2) {
		double sn = sin(M_PI * c->f), t1 = gsl_sf_psi_1(K);
		cw->t_ee = t1 - gsl_sf_psi_1(e);
		cw->t_eo = t1;
		cw->t_oo = t1 + M_PI * M_PI / (sn * sn) - gsl_sf_psi_1(o);
		cw->have2 = 1;
	}
	double iz = 1 / z, iw = 1 / w;
	g[4] = (-Pee * isc + Q * (qe * qe + c->t_ee)) * iG;
	g[5] = (-Peo * isc + Q * (qe * qo + c->t_eo)) * iG;
	g[6] = (-Poo * isc + Q * (qo * qo + c->t_oo)) * iG;
	g[7] = (-Pew * iw * isc + Q * (qe * qw + iz)) * iG;
	g[8] = (-Pow * iw * isc + Q * (qo * qw + iw + iz)) * iG;
	g[9] = (-Pww * iw * iw * isc + Q * (qw * qw - (o - 1) * iw * iw + K * iz * iz)) * iG;
	return 0;
}

int sk_pnbd_near1_S(double e, double o, double z, double omz, double *lS, double *dS)
{
	double g[4];
	if (near1(e, o, z, omz, dS ? 1 : 0, lS, g) < 0)
		return -1;
	if (dS) {
		double K = e + o - 1;
		dS[0] = 1 / K + g[1];
		dS[1] = 1 / K + g[2];
		dS[2] = -g[3];
	}
	return 0;
}

/* S = K G: S_E / S = 1/K + G_e/G, S_EE / S = 2 G_e / (K G) + G_ee / G,
 * S_EO / S = (G_e + G_o) / (K G) + G_eo / G, S_z = -K G_w, S_Ez / S =
 * -(G_w / (K G) + G_ew / G), S_zz / S = G_ww / G (dK/de = dK/do = 1). */
int sk_pnbd_near1_S2(double e, double o, double z, double omz, int order, double *lS,
		     double *r)
{
	double g[10];
	if (near1(e, o, z, omz, order, lS, g) < 0)
		return -1;
	double iK = 1 / (e + o - 1);
	r[0] = 1;
	if (order < 1)
		return 0;
	r[1] = iK + g[1];
	r[2] = iK + g[2];
	r[3] = -g[3];
	if (order < 2)
		return 0;
	r[4] = 2 * g[1] * iK + g[4];
	r[5] = (g[1] + g[2]) * iK + g[5];
	r[6] = 2 * g[2] * iK + g[6];
	r[7] = -(g[3] * iK + g[7]);
	r[8] = -(g[3] * iK + g[8]);
	r[9] = g[9];
	return 0;
}
