/* pnbdpmf.c: the pmf of the Pareto/NBD and of the GGom/NBD for
 * k = 0, 1, 2, ... in turn on one quadrature rule shared by every k
 * (churn --median: median.c).
 *
 * Conditioning on the dropout time tau (Fader, Hardie & Lee 2005, note
 * "Deriving an expression for P(X(t) = x) under the Pareto/NBD model",
 * the integral before its eq. 1 is solved in 2F1s; Bemmaor & Glady
 * 2012, Management Science 58(5), the same with the Gamma-Gompertz
 * lifetime):
 *   P(X(t) = k) = NB(k; r, alpha/(alpha+t)) S(t)
 *               + int_0^t NB(k; r, alpha/(alpha+u)) g(u) du,
 * S and g the lifetime's survival and density, for the Pareto/NBD
 *   S(t) = (beta/(beta+t))^s,  g(u) = s/beta (beta/(beta+u))^(s+1),
 * for the GGom/NBD (b > 0)
 *   S(t) = beta^s / (beta - 1 + e^(b t))^s,
 *   g(u) = b s beta^s e^(b u) / (beta - 1 + e^(b u))^(s+1),
 * and NB(k; r, q) = Gamma(r+k) / (Gamma(r) k!) q^r (1-q)^k.  pnbd.c and
 * ggomnbd.c integrate it for each k afresh (adaptive Gauss-Kronrod to
 * 1e-10 relative, a dozen to a hundred logarithms and exponentials a
 * value); it has no recurrence in k (in FHL's closed form every 2F1 moves
 * with k).  But on a rule fixed for every k, the integrand at node u_i is
 *   C_k w_i (alpha/(alpha+u_i))^r g(u_i) p_i^k,  p_i = u_i/(alpha+u_i),
 *   C_{k+1} = C_k (r+k)/(k+1)
 * (the NB recurrence: Johnson, Kemp & Kotz 2005, Univariate Discrete
 * Distributions, 3rd ed., eq. 5.30), so the next k costs one product a
 * node; the first term is one more "node" at u = t, weight S(t).
 *
 * The rule: panels of [0, t] (two halves to start with), each the
 * 15-point Kronrod rule with its embedded 7-point Gauss rule (sk_gk15_*,
 * quad.c).  The two sums come from the same products, and a value is
 * returned only where their gaps, summed over the panels, are at most
 * TOL of it; as the integrand narrows with k (the NB kernel
 * p^k (1-p)^r sharpens as r + k grows, its mass moving to u = t) the
 * panels holding more than their share of the gap are bisected and
 * their nodes made at the current k from logarithms, up to MAXPANEL
 * panels; beyond, NaN (the caller then asks the model's pmf).  The
 * error of the 15-point sum is far below the gap |K15 - G7| (QUADPACK's
 * estimate, Piessens et al. 1983, is (200 |K15 - G7|)^1.5 relative:
 * 9e-11 at TOL); on every parameter set of tests/unit/test_pnbdpmf.c
 * (r + x to 301, t = 180 alpha, heavy tails, GGom b > 0) the values
 * agree with the model's pmf to 1e-12 relative, k = 0 .. 200, and with
 * TOL 1e-4 they are off by up to 2e-9.

 * Scale: the node values are kept relative to e^L, renormalised when
 * their sum leaves [1e-100, 1e100].  A node's value relative to the
 * largest only falls once a node of larger p_i leads, and then falls for
 * good, so one that underflows no longer counts; but a node that starts
 * below e^-650 of the largest might lead later, and the rule is not
 * made (init -1). */
#include "modelint.h"
#include "ggomint.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_sf_gamma.h>

/* |K15 - G7| at most this fraction of the value */
#define TOL 1e-9
#define MAXPANEL SK_PNBD_PMF_PANELS

/* ln g(u) of the lifetime */
static double lg(const struct sk_pnbd_pmf_iter *it, double u)
{
	if (it->b > 0)	/* Bemmaor & Glady 2012, the Gamma-Gompertz density */
		return it->lbs + it->b * u - (it->s + 1) * sk_ggom_lden(it->beta, it->b * u);
	/* the Pareto (Lomax) density of tau, SMC 1987 */
	return it->lbs - (it->s + 1) * log1p(u / it->beta);
}

/* ln of panel j's node values at the current k without C_k:
 * w_i (alpha/(alpha+u_i))^r g(u_i) p_i^k into lv[0..15), p_i into p,
 * the Gauss weight over the Kronrod weight into g. */
static void panel(struct sk_pnbd_pmf_iter *it, int j, double *lv)
{
	/* ln sk_gk15_wk[0..8), the Kronrod weights (quad.c) */
	static const double lwk[8] = {
		-3.7750771108951247, -2.7631598321848663, -2.2557968329911389,
		-1.9614575682357287, -1.7778285961704769, -1.6588877593062039,
		-1.5875152786694389, -1.5631167886725021,
	};
	double c = 0.5 * (it->lo[j] + it->hi[j]), h = 0.5 * (it->hi[j] - it->lo[j]);
	double lh = log(h), *p = it->p + 15 * j, *g = it->g + 15 * j;
	for (int i = 0; i < 15; i++) {
		/* sk_gk15_x[0..7]: the abscissae x >= 0, x[7] = 0; the
		 * Gauss nodes at the odd indices */
		int ix = i < 7 ? i : 14 - i;
		double u = c + h * (i < 7 ? -sk_gk15_x[ix] : sk_gk15_x[ix]);
		p[i] = u / (it->alpha + u);
		g[i] = ix & 1 ? sk_gk15_wg[ix / 2] / sk_gk15_wk[ix] : 0;
		lv[i] = lh + lwk[ix] - it->r * log1p(u / it->alpha) + lg(it, u) +
			(it->k ? it->k * log(p[i]) : 0);
	}
}

/* ln C_k = ln Gamma(r+k) - ln Gamma(r) - ln k! */
static double lnc(const struct sk_pnbd_pmf_iter *it)
{
	return it->k ? gsl_sf_lngamma(it->r + it->k) - it->lgr - gsl_sf_lngamma(it->k + 1.0) : 0;
}

/* Bisect panel j at the current k: its left half in place, its right
 * half a new panel; the values on the scale c e^L. */
static void bisect(struct sk_pnbd_pmf_iter *it, int j)
{
	int n = it->np++;
	double mid = 0.5 * (it->lo[j] + it->hi[j]), lv[15];
	/* the endpoint's node moves up a slot */
	it->v[15 * (n + 1)] = it->v[15 * n];
	it->p[15 * (n + 1)] = it->p[15 * n];
	it->g[15 * (n + 1)] = 1;
	it->lo[n] = mid;
	it->hi[n] = it->hi[j];
	it->hi[j] = mid;
	double off = lnc(it) - it->L - log(it->c);
	for (int q = 0; q < 2; q++) {
		int pj = q ? n : j;
		panel(it, pj, lv);
		for (int i = 0; i < 15; i++)
			it->v[15 * pj + i] = exp(lv[i] + off);
	}
}

static int start(struct sk_pnbd_pmf_iter *it, double r, double alpha, double t)
{
	it->r = r;
	it->alpha = alpha;
	it->t = t;
	it->k = 0;
	it->lgr = gsl_sf_lngamma(r);
	/* two panels: where the NB kernel is at k = 0 (near u = 0) and
	 * where its mass moves as k grows (towards t); bisect refines */
	it->np = 2;
	it->lo[0] = 0;
	it->hi[0] = it->lo[1] = t / 2;
	it->hi[1] = t;
	double lv[2 * 15 + 1], lmax = -HUGE_VAL, plead = 0;
	panel(it, 0, lv);
	panel(it, 1, lv + 15);
	/* the first term, no dropout before t: NB(0; r, alpha/(alpha+t)) S(t) */
	int n = 2 * 15;
	it->p[n] = t / (alpha + t);
	it->g[n] = 1;
	lv[n] = it->lS - r * log1p(t / alpha);
	for (int i = 0; i <= n; i++)
		if (lv[i] > lmax) {
			lmax = lv[i];
			plead = it->p[i];
		}
	if (!isfinite(lmax))
		return -1;
	for (int i = 0; i <= n; i++) {
		double d = lv[i] - lmax;
		if (d < -650 && it->p[i] > plead)
			return -1;
		it->v[i] = exp(d);
	}
	it->L = lmax;
	it->eL = exp(lmax);
	it->c = 1;
	return 0;
}

int sk_pnbd_pmf_init(struct sk_pnbd_pmf_iter *it, const double *par, double t)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0) || !isfinite(t))
		return -1;
	it->b = 0;
	it->s = par[2];
	it->beta = par[3];
	it->lbs = log(it->s) - log(it->beta);
	it->lS = -it->s * log1p(t / it->beta);
	return start(it, par[0], par[1], t);
}

int sk_ggom_pmf_init(struct sk_pnbd_pmf_iter *it, const double *par, double t)
{
	if (!sk_par_ok(par, 5, DBL_MAX) || !(t > 0) || !isfinite(t))
		return -1;
	it->b = par[2];
	it->s = par[3];
	it->beta = par[4];
	it->lbs = log(it->b) + log(it->s) + it->s * log(it->beta);
	it->lS = it->s * (log(it->beta) - sk_ggom_lden(it->beta, it->b * t));
	return start(it, par[0], par[1], t);
}

double sk_pnbd_pmf_next(struct sk_pnbd_pmf_iter *it)
{
	double err[MAXPANEL], sk, tot;
	for (;;) {
		int n = 15 * it->np;
		sk = it->v[n];	/* the first term */
		tot = 0;
		for (int j = 0; j < it->np; j++) {
			double a = 0, b = 0;
			for (int i = 15 * j; i < 15 * j + 15; i++) {
				a += it->v[i];
				b += it->g[i] * it->v[i];
			}
			sk += a;
			err[j] = fabs(a - b);
			tot += err[j];
		}
		if (!(sk > 0) || !isfinite(sk))
			return NAN;
		if (tot <= TOL * sk)
			break;
		/* bisect the panels that hold more than their share of the
		 * error, the worst first */
		int np = it->np;
		for (int j = 0; j < np; j++) {
			if (err[j] < tot / np)
				continue;
			if (it->np == MAXPANEL)
				return NAN;
			bisect(it, j);
		}
	}
	double f = it->c * sk * it->eL;
	/* on to k + 1 */
	int n = 15 * it->np + 1;
	for (int i = 0; i < n; i++)
		it->v[i] *= it->p[i];
	it->c *= (it->r + it->k) / (it->k + 1);
	it->k++;
	if (sk > 1e100 || sk < 1e-100 || it->c > 1e100 || it->c < 1e-100) {
		double inv = 1 / sk;
		for (int i = 0; i < n; i++)
			it->v[i] *= inv;
		it->L += log(sk) + log(it->c);
		it->c = 1;
		it->eL = exp(it->L);
	}
	return isfinite(f) ? fmin(f, 1) : NAN;
}
