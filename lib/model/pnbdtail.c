/* pnbdtail.c: the tail integral I(t) of the Pareto/NBD likelihood and
 * of P(alive): ln I and its derivatives by the 2F1 series, or when z
 * is near 1 by the 1 - z transformation (pnbdnear1.c) or, where that
 * is ill conditioned, quadrature of Euler's integral; and a per-thread
 * cache of ln I for scoring.  The derivation is at the top of pnbd.c. */
#include "pnbdint.h"
#include "modelint.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/util.h"

/* ---- the tail integral I(t) ---- */


/* ln S and d ln S / d(e at fixed o, o at fixed e, z) by the series;
 * 0 on success, -1 when it did not converge in the term budget. */
static int series_S(double e, double o, double z, double omz, double *lS, double *dS)
{
	double c = e + o;
	double T = 1, sum = 1, He = 0, Hc = 0, se = 0, sc = 0, sz = 0;
	for (int k = 0; k < SERIES_MAX; k++) {
		double ic = 1 / (c + k);
		double R = T * (e + k) * ic;	/* (e)_{k+1} / (c)_{k+1} z^k */
		double Tn = R * z;
		sum += Tn;
		if (dS) {
			/* d ln T_k / de = sum_{j<k} 1/(e+j), / dc = -sum 1/(c+j) */
			He += 1 / (e + k);
			Hc += ic;
			se += Tn * He;
			sc += Tn * Hc;
			sz += (k + 1) * R;
		}
		T = Tn;
		if (Tn * (1 + He + Hc) <= 1e-17 * omz * sum &&
		    (!dS || (k + 1) * R <= 1e-17 * omz * omz * sz)) {
			*lS = log(sum);
			if (dS) {
				dS[0] = (se - sc) / sum;
				dS[1] = -sc / sum;
				dS[2] = sz / sum;
			}
			return 0;
		}
	}
	return -1;
}

/* ln S without derivatives for scoring: the series' coefficients
 * C_k = (e)_k / (c)_k of the last (e, c) are kept per thread (the first
 * TLS_TERMS of them, 8 KiB), so the next customer with the same x costs
 * a multiply-add per term instead of two divisions.  With covariates
 * every customer has her own (alpha, beta), so the per-thread cache of
 * whole tails below misses for all of them, while scoring in pattern
 * order (by x) keeps e and c from one customer to the next.  Stops as
 * series_S does; -1 when TLS_TERMS terms are not enough. */
#define TLS_TERMS 1024
static int series_value(double e, double o, double z, double omz, double *lS)
{
	static _Thread_local struct {
		double e, c;
		int n;
		double C[TLS_TERMS];
	} t;
	double c = e + o;
	if (t.n == 0 || t.e != e || t.c != c) {
		t.e = e;
		t.c = c;
		t.C[0] = 1;
		t.n = 1;
	}
	const double tol = 1e-17 * omz, z2 = z * z, z3 = z2 * z, z4 = z2 * z2;
	double S = 0, p = 1;
	for (int j = 0;; j += 4) {
		if (j + 4 > t.n) {
			if (t.n + 64 > TLS_TERMS)
				return -1;
			for (int k = t.n; k < t.n + 64; k++)
				t.C[k] = t.C[k - 1] * (e + k - 1) / (c + k - 1);
			t.n += 64;
		}
		const double *C = t.C + j;
		double last = C[3] * p * z3;
		S += (C[0] * p + C[1] * p * z) + (C[2] * p * z2 + last);
		p *= z4;
		if (last <= tol * S)
			break;
	}
	*lS = log(S);
	return 0;
}

struct s_int {
	double e, o, z, omz;
};

/* Integrand of the Euler integral of S and of its derivatives, on
 * u in [0, 1) with y = u / (1 - u). */
static void s_int_f(double u, double *f, void *vctx)
{
	const struct s_int *c = vctx;
	double y = u / (1 - u), jac = 1 / ((1 - u) * (1 - u));
	double ey = exp(-y), q = c->omz + c->z * ey;
	/* lrho = log(z + (1-z) e^y) = log1p((1-z) expm1(y)): when rates
	 * are very unequal, 1 - z is ~1e-6 and y + log(q) would cancel to
	 * noise, which the quadrature then cannot integrate to 1e-12; for
	 * large y, where e^y would overflow, y + log(q) is exact enough. */
	double lrho = y < 500 ? log1p(c->omz * expm1(y)) : y + log(q);
	double g = exp(-(c->o - 1) * y - c->e * lrho) * jac;
	f[0] = g;
	f[1] = g * lrho;
	f[2] = g * y;
	f[3] = g * (ey - 1) / q;	/* (1 - e^y) / rho */
}

int sk_pnbd_quad_S(double e, double o, double z, double omz, double *lS, double *dS)
{
	struct s_int c = { e, o, z, omz };
	double res[4];
	if (sk_quad(s_int_f, &c, dS ? 4 : 1, 0, 1, 1e-12, res) < 0 || !(res[0] > 0))
		return -1;
	double K = e + o - 1;
	*lS = log(K) + log(res[0]);
	if (dS) {
		dS[0] = 1 / K - res[1] / res[0];
		dS[1] = 1 / K - res[2] / res[0];
		dS[2] = -e * res[3] / res[0];
	}
	return 0;
}

int sk_pnbd_far_S(double e, double o, double z, double omz, double *lS, double *dS)
{
	if (sk_pnbd_near1_S(e, o, z, omz, lS, dS) == 0)
		return 0;
	return sk_pnbd_quad_S(e, o, z, omz, lS, dS);
}

/* The series' argument for I(t) (see the top of the file): with
 * ia = 1/(alpha+t), ib = 1/(beta+t), z = |alpha-beta| / (max+t) and
 * omz = 1 - z = (min+t) / (max+t), both without cancellation. */
void sk_pnbd_tail_z(double alpha, double beta, double t, double ia, double ib, double *z,
		   double *omz)
{
	if (alpha >= beta) {
		*z = (alpha - beta) * ia;
		*omz = (beta + t) * ia;
	} else {
		*z = (beta - alpha) * ib;
		*omz = (alpha + t) * ib;
	}
}

/* ln I and its derivatives from ln S and d ln S (chain rule through
 * e, o, z); la = ln(alpha+t), lb = ln(beta+t), lK = ln(m+n-1). */
void sk_pnbd_tail_finish(double m, double n, int abig, double la, double lb, double ia,
			double ib, double omz, double lK, double lS, const double *dS,
			struct tail *out)
{
	out->l = -m * la - n * lb + (abig ? lb : la) + lS - lK;
	if (!dS)
		return;
	double iK = 1 / (m + n - 1);
	double dSm = abig ? dS[0] : dS[1], dSn = abig ? dS[1] : dS[0];
	double dzda, dzdb;
	if (abig) {
		dzda = omz * ia;
		dzdb = -ia;
	} else {
		dzda = -ib;
		dzdb = omz * ib;
	}
	out->d[0] = -la + dSm - iK;
	out->d[1] = -m * ia + (abig ? 0 : ia) + dS[2] * dzda;
	out->d[2] = -lb + dSn - iK;
	out->d[3] = -n * ib + (abig ? ib : 0) + dS[2] * dzdb;
}

/* ln I(t) for exponents m, n (see the top of the file); d when grad. */
int sk_pnbd_log_tail(double m, double n, double alpha, double beta, double t, int grad,
		    struct tail *out)
{
	double la = log(alpha + t), lb = log(beta + t);
	double ia = 1 / (alpha + t), ib = 1 / (beta + t);
	int abig = alpha >= beta;
	double z, omz;
	sk_pnbd_tail_z(alpha, beta, t, ia, ib, &z, &omz);
	double e = abig ? m : n, o = abig ? n : m;
	double lS, dS[3];
	int st = -1;
	if (z < 0.995 && !grad)
		st = series_value(e, o, z, omz, &lS);
	if (z < 0.995 && st < 0)
		st = series_S(e, o, z, omz, &lS, grad ? dS : NULL);
	if (st < 0)
		st = sk_pnbd_far_S(e, o, z, omz, &lS, grad ? dS : NULL);
	if (st < 0)
		return -1;
	sk_pnbd_tail_finish(m, n, abig, la, lb, ia, ib, omz, log(m + n - 1), lS, grad ? dS : NULL, out);
	return 0;
}

/* ln I(t), and ln A(t) = -m ln(alpha+t) - s ln(beta+t), without
 * derivatives, remembered per thread.  Scoring asks for P(alive) of
 * every pattern, and a million daily customers share ~3e4 (x, t) among
 * ~6e5 patterns, so most calls are repeats.  The key is the whole
 * argument list: (s, alpha, beta) as the thread's current "generation"
 * (new parameters start a new one, which empties the cache at once) and
 * (m, t) per entry.  Two-way sets, the newest entry first: recencies and
 * ages of one x alternate, and a direct-mapped table thrashed on their
 * collisions.  160 KiB per thread. */
#define TAIL_SETS 2048
int sk_pnbd_tail_cached(double m, double s, double alpha, double beta, double t, double *lI,
		       double *lA)
{
	struct entry {
		double m, t, lI, lA;
		uint64_t gen;
	};
	static _Thread_local struct {
		double s, alpha, beta;
		uint64_t gen;
		struct entry e[TAIL_SETS][2];
	} c;
	if (c.gen == 0 || c.s != s || c.alpha != alpha || c.beta != beta) {
		c.s = s;
		c.alpha = alpha;
		c.beta = beta;
		c.gen++;	/* entries start at generation 0: never current */
	}
	uint64_t bm, bt;
	memcpy(&bm, &m, sizeof bm);
	memcpy(&bt, &t, sizeof bt);
	uint64_t h = (bm * 0x9e3779b97f4a7c15u) ^ (bt * 0xc2b2ae3d27d4eb4fu);
	struct entry *set = c.e[(size_t)((h ^ (h >> 29)) * 0xbf58476d1ce4e5b9u >> 53)];
	for (int i = 0; i < 2; i++)
		if (set[i].gen == c.gen && set[i].m == m && set[i].t == t) {
			*lI = set[i].lI;
			*lA = set[i].lA;
			return 0;
		}
	struct tail tl;
	if (sk_pnbd_log_tail(m, s + 1, alpha, beta, t, 0, &tl) < 0)
		return -1;
	set[1] = set[0];
	set[0] = (struct entry){ m, t, tl.l, -m * log(alpha + t) - s * log(beta + t), c.gen };
	*lI = tl.l;
	*lA = set[0].lA;
	return 0;
}

