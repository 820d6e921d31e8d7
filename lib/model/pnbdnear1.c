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
 * and o within NEAR_WHOLE = 0.05 of a whole number, which whole() below
 * takes instead (A&S 15.3.11's case, the poles cancelled in closed form).
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
#include <gsl/gsl_sf_zeta.h>

/* The largest condition number of P + Q accepted.  The parts carry
 * ~3e-16 relative error each (ln|Q| is a sum of terms of size ~5), so
 * 1e5 leaves ~3e-11 relative in S: measured against the quadrature over
 * the 50k bench fit's 2e5 tails (e ~ 1e4, e w up to 3.8, cond up to
 * 1e5) the worst was 1.1e-11 in S and 4e-10 in d ln S. */
#define COND_MAX 1e5
/* o this close to a whole number N is whole()'s: the poles of P and Q
 * cancel there, the value's condition number grows like 1/|o - N|, d/do's
 * like 1/(o - N)^2 and d2/do2's like 1/|o - N|^3, and the second
 * derivatives have no gate of their own.  Measured against whole() over
 * N = 1..8, e 2..1e5, e w 1e-3..3: P + Q's d2 ln S / do2 is off by 1.7e-6
 * relative at |o - N| = 1.1e-3, 1e-7 at 1e-2, 4e-8 at 2e-2 and 2.5e-9 at
 * 5e-2 (ln S 1e-13 and the gradient 2e-11 at all of them), so the switch
 * is at 5e-2, not at 1e-3 where the gradient's gate alone would put it. */
#define NEAR_WHOLE 5e-2
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
	/* o within NEAR_WHOLE of N = m + 1 (whole() below): */
	int whole, m;
	double b;		/* e + m */
	double nu[6];		/* nu(f) of whole(), d/d(e, o), d2/d(ee, eo, oo) */
	double numag;		/* gamma + |psi(b)|: nu's scale, for the rounding bound */
	double lF[5];		/* ln|(e)_m / (1+f)_m|, d/de, d/do, d2/de2, d2/do2 */
};

/* Entries per thread: the Hessian by differences (pnbdcov.c) asks for
 * one customer's tails at the parameters and at r, s moved either way,
 * five (e, o) in turn; eight keep them all. */
#define EO_WAYS 8

static int whole_eo(struct eo *c, double e, double o);

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
	c->whole = o > 0.5 && fabs(f) < NEAR_WHOLE;
	if (c->whole) {
		/* near Gamma(1-o)'s poles: A&S 15.3.11's case */
		c->ok = whole_eo(c, e, o);
		return c;
	}
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

/* ---- o near a whole number: A&S 15.3.10-11's case ----
 *
 * With o = N + f, N = m + 1 >= 1 whole and |f| < NEAR_WHOLE, the factor
 * j + 1 - o of (1-o)_{k+1} is -f at j = m, so P's terms k >= m and Q
 * each carry a 1/f pole.  Writing k = m + n, b = e + m (so K = b + f),
 *   (1-o)_{k+1} = (-1)^(m+1) f (1+f)_m (1-f)_n,   (e)_k = (e)_m (b)_n,
 *   Gamma(1-o) = Gamma(1-f) / ((-1)^(m+1) f (1+f)_m)   (A&S 6.1.16),
 *   Gamma(K) / Gamma(e) = (e)_m Gamma(b+f) / Gamma(b),
 * P's terms k < m (Ph below) are regular and the rest is
 *   P_tail + Q = F (S(f) - T(f)) / f,   F = (-1)^m (e)_m w^m / (1+f)_m,
 *   S(f) = sum_n (b)_n w^n / (1-f)_n,
 *   T(f) = Gamma(1-f) Gamma(b+f) / Gamma(b) w^f z^-(b+f).
 * At f = 0 both are z^-b (S(0) = sum (b)_n w^n / n! = (1-w)^-b, A&S
 * 15.1.8), which is where the poles cancel; subtracting z^-b from each
 * exactly, (S - T) / f = U = S1 - z^-b phi with
 *   S1 = sum_n t_n D_n,  t_n = (b)_n w^n / n!,  D_n = (n!/(1-f)_n - 1) / f,
 *   phi = expm1(f mu) / f,  mu = ln(w/z) + nu(f),
 *   nu(f) = [lnGamma(1-f) + lnGamma(b+f) - lnGamma(b)] / f
 *         = gamma + psi(b) + sum_{p>=2} (zeta(p)/p + psi^(p-1)(b)/p!) f^(p-1)
 * (DLMF 5.7.3 for lnGamma(1-f), Taylor's series for lnGamma(b+f)
 * with DLMF 5.15's polygammas).  No 1/f is left: D_n obeys D_n = (n D_{n-1} + 1) / (n - f), D_0 = 0, positive
 * for either sign of f, and so do its f-derivatives (D'_n = (n D'_{n-1}
 * + D_n) / (n - f), D''_n = (n D''_{n-1} + 2 D'_n) / (n - f)); phi is
 * mu h(f mu) with h(y) = expm1(y)/y by its series.  At f = 0 this is
 * A&S 15.3.10-11's digamma form (D_n -> H_n = psi(n+1) + gamma, phi ->
 * gamma + psi(b) + ln(w/z)), and for 0 < |f| < NEAR_WHOLE the same
 * expressions, exact in f, are the expansion about it (Forrey 1997,
 * J. Comput. Phys. 137, expands the gamma ratios in eps; GSL's
 * hyperg_2F1.c takes d = c - a - b within 1000 eps of a whole number as
 * whole and otherwise the two-term reflection, whose terms of size 1/eps
 * cancel: ~log10(1/eps) digits lost, as in near1's P + Q above).
 *
 * G = Ph + F U and its derivatives in (e, o, w) (o moves f; e moves b
 * and (e)_m) are carried as second-order jets: each part's value,
 * gradient and Hessian, combined by the product and chain rules, and
 * the same with magnitudes (every term's absolute value) for the
 * condition numbers: the value's gated by COND_MAX as near1's, the
 * gradient's by WHOLE_COND_D.  Rounding of phi: mu's parts
 * ln w, ln z, psi(b) each carry ~1e-16 relative, counted in its
 * magnitude.  Costs one pass of ~b w + 40 terms per customer; the
 * polygammas are per (e, o), in the cache.  Measured (CPU, medians of 3):
 * churn --model-type pnbd --covariates-purchase on 50,000 simulated
 * customers with r = 1.0005 on the ridge (fit r = 1.0025) 65.7 -> 9.5 s,
 * quadratures 4.7e6 -> 495; tests/cases/churn/ggomnbd-ageing 1.66 ->
 * 0.85 s, quadratures 108816 -> 184, its output unchanged. */

/* Second-order jets in (e, o, w): a value, its gradient and its Hessian
 * (h: ee, eo, oo, ew, ow, ww, the order of g[4..9]). */
struct jet {
	double v, d[3], h[6];
};

static const int HIX[3][3] = { { 0, 1, 3 }, { 1, 2, 4 }, { 3, 4, 5 } };

static struct jet jmul(const struct jet *a, const struct jet *b)
{
	struct jet r;
	r.v = a->v * b->v;
	for (int i = 0; i < 3; i++)
		r.d[i] = a->d[i] * b->v + a->v * b->d[i];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j <= i; j++) {
			int q = HIX[i][j];
			r.h[q] = a->h[q] * b->v + a->d[i] * b->d[j] + a->d[j] * b->d[i] + a->v * b->h[q];
		}
	return r;
}

/* exp(x): the chain rule with g = g' = g'' = e^x */
static struct jet jexp(const struct jet *x)
{
	struct jet r;
	double g = exp(x->v);
	r.v = g;
	for (int i = 0; i < 3; i++)
		r.d[i] = g * x->d[i];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j <= i; j++) {
			int q = HIX[i][j];
			r.h[q] = g * (x->h[q] + x->d[i] * x->d[j]);
		}
	return r;
}

static struct jet jabs(struct jet a)
{
	a.v = fabs(a.v);
	for (int i = 0; i < 3; i++)
		a.d[i] = fabs(a.d[i]);
	for (int q = 0; q < 6; q++)
		a.h[q] = fabs(a.h[q]);
	return a;
}

/* r += s a */
static void jaxpy(struct jet *r, double s, const struct jet *a)
{
	r->v += s * a->v;
	for (int i = 0; i < 3; i++)
		r->d[i] += s * a->d[i];
	for (int q = 0; q < 6; q++)
		r->h[q] += s * a->h[q];
}

/* Terms of nu(f)'s series: with |f| <= b / 10 the p-th is below
 * (f/b)^(p-1) / b, 1e-23 / b at the last (its second derivative in f
 * (p-1)(p-2) times that); two more polygamma orders for d/de, d2/de2. */
#define NU_TERMS 24
#define EULER_GAMMA 0.57721566490153286061

/* The (e, o)-only parts of whole(): nu(f) with its derivatives and
 * ln|F| without its w^m; 0 when o is not in whole()'s reach. */
static int whole_eo(struct eo *c, double e, double o)
{
	double f = o - nearbyint(o);
	int m = (int)nearbyint(o) - 1;
	double b = e + m;
	c->f = f;
	c->m = m;
	c->b = b;
	if (!(e > 0 && b > 0 && fabs(f) <= 0.1 * b))
		return 0;
	double ps[NU_TERMS + 2];	/* psi^(n)(b) */
	ps[0] = gsl_sf_psi(b);
	for (int n = 1; n < NU_TERMS + 2; n++)
		ps[n] = gsl_sf_psi_n(n, b);
	/* nu = sum_p kap_p f^(p-1), kap_1 = gamma + psi(b), kap_p = zeta(p)/p
	 * + psi^(p-1)(b)/p!; d/de moves b: kap_p' = psi^(p)(b)/p! */
	double nu[6] = { 0 }, fp[NU_TERMS + 1], fact = 1;
	fp[0] = 1;
	for (int p = 1; p <= NU_TERMS; p++)
		fp[p] = fp[p - 1] * f;
	for (int p = 1; p <= NU_TERMS; p++) {
		fact *= p;
		double k0 = p == 1 ? EULER_GAMMA + ps[0] : gsl_sf_zeta_int(p) / p + ps[p - 1] / fact;
		double k1 = ps[p] / fact, k2 = ps[p + 1] / fact;
		nu[0] += k0 * fp[p - 1];
		nu[1] += k1 * fp[p - 1];
		nu[3] += k2 * fp[p - 1];
		if (p >= 2) {
			nu[2] += (p - 1) * k0 * fp[p - 2];
			nu[4] += (p - 1) * k1 * fp[p - 2];
		}
		if (p >= 3)
			nu[5] += (double)(p - 1) * (p - 2) * k0 * fp[p - 3];
	}
	/* stored as (nu, nu_e, nu_o, nu_ee, nu_eo, nu_oo) */
	c->nu[0] = nu[0];
	c->nu[1] = nu[1];
	c->nu[2] = nu[2];
	c->nu[3] = nu[3];
	c->nu[4] = nu[4];
	c->nu[5] = nu[5];
	c->numag = EULER_GAMMA + fabs(ps[0]);
	/* ln|F| / w^m = sum_{j<m} ln((e+j) / (1+f+j)) */
	double lF[5] = { 0 };
	for (int j = 0; j < m; j++) {
		double ie = 1 / (e + j), i1 = 1 / (1 + f + j);
		lF[0] += log((e + j) * i1);
		lF[1] += ie;
		lF[2] -= i1;
		lF[3] -= ie * ie;
		lF[4] += i1 * i1;
	}
	int ok = 1;
	for (int i = 0; i < 5; i++) {
		c->lF[i] = lF[i];
		ok &= isfinite(lF[i]);
	}
	for (int i = 0; i < 6; i++)
		ok &= isfinite(c->nu[i]);
	return ok;
}

/* phi = expm1(f mu) / f as a jet, from mu's jet (f moves with o, index
 * 1): Phi(f, mu) has Phi_mu = E = e^y, Phi_mumu = f E, Phi_fmu = mu E,
 * Phi_f = mu^2 h'(y), Phi_ff = mu^3 h''(y), y = f mu.  With mag, every
 * term by its absolute value and phi's own by its rounding scale
 * E mumag. */
static struct jet phi_jet(const struct jet *mu, double f, double mumag, int mag)
{
	double y = f * mu->v, E = exp(y), h0 = 0, h1 = 0, h2 = 0;
	/* h(y) = sum y^n / (n+1)!, |y| <= 2: 32 terms leave < 1e-26 */
	double cn = 1, yp[32];	/* 1/(n+1)!, y^n */
	yp[0] = 1;
	for (int n = 1; n < 32; n++)
		yp[n] = yp[n - 1] * y;
	for (int n = 0; n < 32; n++) {
		cn /= n + 1;
		h0 += cn * yp[n];
		if (n >= 1)
			h1 += n * cn * yp[n - 1];
		if (n >= 2)
			h2 += (double)n * (n - 1) * cn * yp[n - 2];
	}
	double u = mu->v, Pf = u * u * h1, Pff = u * u * u * h2, Pmm = f * E, Pfm = u * E;
	struct jet r;
	r.v = u * h0;
	for (int i = 0; i < 3; i++)
		r.d[i] = (mag ? fabs(E * mu->d[i]) : E * mu->d[i]) + (i == 1 ? (mag ? fabs(Pf) : Pf) : 0);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j <= i; j++) {
			int q = HIX[i][j];
			double t[4] = { E * mu->h[q], Pmm * mu->d[i] * mu->d[j],
					Pfm * ((i == 1) * mu->d[j] + (j == 1) * mu->d[i]),
					(i == 1 && j == 1) * Pff };
			r.h[q] = 0;
			for (int s = 0; s < 4; s++)
				r.h[q] += mag ? fabs(t[s]) : t[s];
		}
	if (mag)
		r.v = fmax(fabs(r.v), E * mumag);
	return r;
}

/* The gradient's gate in whole(): its bound on the rounding error is
 * pessimistic (every term's magnitude, ~1e-16 each), and the value's
 * COND_MAX already holds ln S to ~1e-11; against mpmath at 50 digits
 * (test_pnbdnear1.c) the gradient is good to 1e-11 at conditions up to
 * this, which lets e w ~ 3 with o ~ 3..8 be served. */
#define WHOLE_COND_D 1e7

/* whole(): near1 for o within NEAR_WHOLE of a whole number; the same
 * outputs (ln S, g), the value gated as near1's, the gradient by
 * WHOLE_COND_D. */
static int whole(const struct eo *c, double e, double o, double z, double w, int order,
		 double *lS, double *g)
{
	int m = c->m;
	double f = c->f, b = c->b, K = e + o - 1;
	double lz = log1p(-w), lw = log(w), iw = 1 / w, iz = 1 / z;
	struct jet mu = { lw - lz + c->nu[0], { c->nu[1], c->nu[2], iw + iz },
			  { c->nu[3], c->nu[4], c->nu[5], 0, 0, -iw * iw + iz * iz } };
	if (!(fabs(f * mu.v) <= 2))
		return -1;
	/* Ph = -sum_{k<m} a_k, a_k = (e)_k w^k / (1-o)_{k+1} (none vanish:
	 * j + 1 - o <= -1 - f for j < m); derivatives as in near1 */
	struct jet Ph = { 0 }, Pm = { 0 };
	double a = 1 / (1 - o), He = 0, He2 = 0, Ro = a, Ro2 = a * a;
	for (int k = 0; k < m; k++) {
		double t[10] = { a, a * He, a * Ro, k * a * iw, a * (He * He - He2), a * He * Ro,
				 a * (Ro * Ro + Ro2), k * a * He * iw, k * a * Ro * iw,
				 (double)k * (k - 1) * a * iw * iw };
		Ph.v -= t[0];
		Pm.v += fabs(t[0]);
		for (int i = 0; i < 3; i++) {
			Ph.d[i] -= t[1 + i];
			Pm.d[i] += fabs(t[1 + i]);
		}
		for (int q = 0; q < 6; q++) {
			Ph.h[q] -= t[4 + q];
			Pm.h[q] += fabs(t[4 + q]);
		}
		double io = 1 / (k + 2 - o), ie = 1 / (e + k);
		He += ie;
		He2 += ie * ie;
		Ro += io;
		Ro2 += io * io;
		a *= (e + k) * w * io;
	}
	/* S1 = sum_{n>=1} t_n D_n (D_0 = 0), all terms and weights
	 * positive: d/de t_n = t_n Hb_n, Hb_n = sum_{j<n} 1/(b+j), d2 t_n
	 * (Hb_n^2 - Hb2_n); d/dw brings n/w, n(n-1)/w^2.  The terms fall by
	 * rho = (b+n) w / (n+1) -> w < 1/2 once n > b w, so once rho < 3/4
	 * the rest is below 4 times the last term (times the weights'
	 * slow growth): stop when that is 1e-17 of each sum. */
	struct jet S1 = { 0 };
	double t = 1, D = 0, D1 = 0, D2 = 0, Hb = 0, Hb2 = 0;
	for (int n = 1;; n++) {
		double ib = 1 / (b + n - 1), inv = 1 / (n - f);
		t *= (b + n - 1) * w / n;
		D = (n * D + 1) * inv;
		double tv = t * D;
		S1.v += tv;
		int small = tv <= 1e-17 * S1.v;
		if (order >= 1) {
			D1 = (n * D1 + D) * inv;
			double te = tv * Hb + tv * ib, to = t * D1;
			S1.d[0] += te;
			S1.d[1] += to;
			S1.d[2] += n * tv;
			small &= te <= 1e-17 * S1.d[0] && to <= 1e-17 * S1.d[1] &&
				 n * tv <= 1e-17 * S1.d[2];
		}
		Hb += ib;
		Hb2 += ib * ib;
		if (order >= 2) {
			D2 = (n * D2 + 2 * D1) * inv;
			double tee = tv * (Hb * Hb - Hb2), too = t * D2, tww = (double)n * (n - 1) * tv;
			S1.h[0] += tee;
			S1.h[1] += t * D1 * Hb;
			S1.h[2] += too;
			S1.h[3] += n * tv * Hb;
			S1.h[4] += n * t * D1;
			S1.h[5] += tww;
			small &= tee <= 1e-17 * S1.h[0] && too <= 1e-17 * S1.h[2] &&
				 tww <= 1e-17 * S1.h[5];
		}
		if (n >= 3 && (b + n) * w < 0.75 * (n + 1) && small)
			break;
		if (n >= NEAR1_TERMS)
			return -1;
	}
	S1.d[2] *= iw;
	S1.h[3] *= iw;
	S1.h[4] *= iw;
	S1.h[5] *= iw * iw;
	/* z^-b = exp(-b ln z): d/de -ln z, d/dw b/z, d2/dedw 1/z, d2/dw2 b/z^2 */
	struct jet lZ = { -b * lz, { -lz, 0, b * iz }, { 0, 0, 0, iz, 0, b * iz * iz } };
	struct jet Z = jexp(&lZ);
	double mumag = fabs(lw) + fabs(lz) + c->numag;
	struct jet phi = phi_jet(&mu, f, mumag, 0), phim = phi_jet(&mu, f, mumag, 1);
	struct jet Zphi = jmul(&Z, &phi), Zphim = jmul(&Z, &phim);
	struct jet U = S1, Um = S1;
	jaxpy(&U, -1, &Zphi);
	jaxpy(&Um, 1, &Zphim);
	/* F = (-1)^m exp(ln|(e)_m / (1+f)_m| + m ln w) */
	struct jet lF = { c->lF[0] + m * lw, { c->lF[1], c->lF[2], m * iw },
			  { c->lF[3], 0, c->lF[4], 0, 0, -m * iw * iw } };
	struct jet Fa = jexp(&lF), F = { 0 };
	jaxpy(&F, m % 2 ? -1 : 1, &Fa);
	Fa = jabs(Fa);
	struct jet G = jmul(&F, &U), Gm = jmul(&Fa, &Um);
	jaxpy(&G, 1, &Ph);
	jaxpy(&Gm, 1, &Pm);
	if (!(G.v > 0) || !(Gm.v <= COND_MAX * G.v))
		return -1;
	*lS = log(K) + log(G.v);
	if (order == 0)
		return 0;
	double iG = 1 / G.v;
	for (int i = 0; i < 3; i++)
		g[1 + i] = G.d[i] * iG;
	/* each derivative's condition number, as near1's */
	double dl[3] = { 1 / K + g[1], 1 / K + g[2], g[3] }, fl[3] = { 1 / K, 1 / K, 1 };
	for (int i = 0; i < 3; i++)
		if (!(Gm.d[i] <= WHOLE_COND_D * G.v * fmax(fabs(dl[i]), fl[i])))
			return -1;
	if (order < 2)
		return 0;
	for (int q = 0; q < 6; q++)
		g[4 + q] = G.h[q] * iG;
	return 0;
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
	if (c->whole)
		return whole(c, e, o, z, w, order, lS, g);
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
