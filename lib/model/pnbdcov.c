/* pnbdcov.c: one Pareto/NBD customer with her own alpha and beta (the
 * model with covariates, covar.h): ln L, its gradient and its Hessian,
 * for covlik.c (covint.h).  The likelihood is pnbd.c's (Fader & Hardie
 * 2005, note 009, "FH 2005"; notation as at the top of pnbd.c):
 *   L = Gamma(r+x) alpha^r beta^s / Gamma(r) [A + s I(t_x) - s I(T)],
 *   A = (alpha+T)^-m (beta+T)^-s,  m = r + x,  n = s + 1,
 *   I(t) = (alpha+t)^-m (beta+t)^-n (min(alpha,beta)+t) S / (m+n-1),
 *   S = 2F1(e, 1; c; z) = sum_k C_k z^k,  C_k = (e)_k / (c)_k,
 * c = m + n, e = m when alpha >= beta (else n), z = |alpha-beta| /
 * (max(alpha,beta)+t).
 *
 * Why a file of its own.  With a continuous covariate each customer has
 * her own (alpha, beta), so pnbdidx.c's tables over (x, t) share nothing
 * and the series is summed per customer at every evaluation: 15 s of
 * CPU on 10^6 customers, most of it in the two divisions per term of
 * pnbdtail.c's series_S.  The coefficients C_k and their derivatives in
 * e and c depend on x and (r, s) only, so here they are computed once per
 * x (per thread and evaluation) and each customer's series is a few
 * multiply-adds per term, as pnbdidx.c does per (x, t).
 *
 * The Hessian.  The fit's Newton steps and standard errors need the
 * Hessian; by differences of the gradient it cost 2(4 + k) evaluations
 * of every customer's tails.  The series' second derivatives are sums of
 * the same kind: with P_k = He_k - Hc_k, He_k = sum_{j<k} 1/(e+j), Hc_k
 * likewise with c, and He2_k, Hc2_k the sums of the squares, and the
 * directions E = d/de at fixed o = c - e (c moves with e) and O = d/dc:
 *   dC_k/dE = C_k P_k,  dC_k/dO = -C_k Hc_k,
 *   d2C_k/dE2 = C_k (P_k^2 - He2_k + Hc2_k),
 *   d2C_k/dEdO = C_k (Hc2_k - P_k Hc_k),  d2C_k/dO2 = C_k (Hc_k^2 + Hc2_k),
 * and the z derivatives differentiate z^k.  Ten sums per term instead of
 * four; every derivative of ln I, of the bracket and of the constant is
 * then the chain rule (written out below), so one evaluation gives the
 * exact Hessian.  Where the series does not serve (z >= 0.995, rates very
 * unequal) pnbdnear1.c's 1 - z transformation gives the same ten sums
 * (divided by S); where that is ill conditioned too, pnbdtail.c's
 * quadrature gives the value and gradient, and that customer's Hessian
 * comes from central differences of her gradient. */
#include "covint.h"
#include "pnbdint.h"
#include "record/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* ---- the series coefficients of one (e, c) ---- */

struct ser {
	double e, c;
	int n, cap;		/* rows ready, rows allocated */
	/* raw values per k (to n + 2): C_k, He_k, Hc_k, He2_k, Hc2_k */
	double *C, *He, *Hc, *He2, *Hc2;
	/* per row k, the coefficients of z^k in the ten sums: C_k, dC_k/dE,
	 * dC_k/dO, (k+1) C_{k+1} (S_z), d2C_k/dE2, d2/dEdO, d2/dO2, then
	 * (k+1) dC_{k+1}/dE, (k+1) dC_{k+1}/dO and (k+2)(k+1) C_{k+2} (S_Ez,
	 * S_Oz, S_zz): the first four serve the gradient */
	double (*row)[10];
	double *E;		/* C_k (1 + He_k + Hc_k): the stopping test's weight */
};

static void ser_free(struct ser *s)
{
	free(s->C);
	free(s->row);
	free(s->E);
	memset(s, 0, sizeof *s);
}

static void ser_reset(struct ser *s, double e, double c)
{
	if (s->e != e || s->c != c || s->n == 0) {
		s->e = e;
		s->c = c;
		s->n = 0;
	}
}

/* Rows 0..want-1 (with raw values to want+1); -1 when out of memory. */
static int ser_grow(struct ser *s, int want)
{
	if (want > s->cap) {
		int cap = s->cap ? s->cap : 256;
		while (cap < want)
			cap *= 2;
		double *raw = sk_malloc(5 * (size_t)(cap + 2) * sizeof *raw);
		double (*row)[10] = sk_malloc((size_t)cap * sizeof *row);
		double *E = sk_malloc((size_t)cap * sizeof *E);
		if (!raw || !row || !E) {
			free(raw);
			free(row);
			free(E);
			return -1;
		}
		free(s->C);
		free(s->row);
		free(s->E);
		s->C = raw;
		s->He = raw + (cap + 2);
		s->Hc = raw + 2 * (size_t)(cap + 2);
		s->He2 = raw + 3 * (size_t)(cap + 2);
		s->Hc2 = raw + 4 * (size_t)(cap + 2);
		s->row = row;
		s->E = E;
		s->cap = cap;
		s->n = 0;	/* rebuilt below from k = 0 */
	}
	double e = s->e, c = s->c;
	int k0 = s->n;
	if (k0 == 0) {
		s->C[0] = 1;
		s->He[0] = s->Hc[0] = s->He2[0] = s->Hc2[0] = 0;
	}
	/* raw values k0+1 .. want+1 (k0 == 0: from 1; else k0+2 on, since
	 * rows up to k0-1 needed raw values to k0+1) */
	for (int k = k0 ? k0 + 2 : 1; k <= want + 1; k++) {
		double ie = 1 / (e + k - 1), ic = 1 / (c + k - 1);
		s->C[k] = s->C[k - 1] * (e + k - 1) * ic;
		s->He[k] = s->He[k - 1] + ie;
		s->Hc[k] = s->Hc[k - 1] + ic;
		s->He2[k] = s->He2[k - 1] + ie * ie;
		s->Hc2[k] = s->Hc2[k - 1] + ic * ic;
	}
	for (int k = k0; k < want; k++) {
		double C = s->C[k], P = s->He[k] - s->Hc[k], Hc = s->Hc[k];
		double C1 = s->C[k + 1], P1 = s->He[k + 1] - s->Hc[k + 1], Hc1 = s->Hc[k + 1];
		double *w = s->row[k];
		w[0] = C;
		w[1] = C * P;
		w[2] = -C * Hc;
		w[3] = (k + 1) * C1;
		w[4] = C * (P * P - s->He2[k] + s->Hc2[k]);
		w[5] = C * (s->Hc2[k] - P * Hc);
		w[6] = C * (Hc * Hc + s->Hc2[k]);
		w[7] = (k + 1) * C1 * P1;
		w[8] = -(k + 1) * C1 * Hc1;
		w[9] = (double)(k + 2) * (k + 1) * s->C[k + 2];
		s->E[k] = C * (1 + s->He[k] + s->Hc[k]);
	}
	s->n = want;
	return 0;
}

/* The sums at z: a[0..3] = S, S_E, S_O, S_z and, order 2, a[4..9] =
 * S_EE, S_EO, S_OO, S_Ez, S_Oz, S_zz.  The stopping rule is pnbdtail.c's
 * (the next terms below 1e-17 (1 - z) of the sums, tested every fourth
 * term), the same at orders 1 and 2, so the value and gradient do not
 * depend on whether the Hessian is asked for.  The second-order sums
 * then stop with a truncation of ~1e-12 relative at worst (their terms
 * carry k^2 and He_k^2), ample for a Hessian.  -1 when the series did
 * not converge within SERIES_MAX terms or memory ran out. */
static int ser_sum(struct ser *s, double z, double omz, int order, double *a)
{
	const double tol = 1e-17 * omz, tol2 = tol * omz;
	const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2;
	/* the sums in locals, four terms a step: the compiler keeps them in
	 * registers and pairs them into vector operations */
	double p = 1, acc[10] = { 0 };
	int j = 0, nsum = order >= 2 ? 10 : 4;
	for (;;) {
		if (j + 4 > s->n) {
			if (s->n >= SERIES_MAX || ser_grow(s, s->n + 64) < 0)
				return -1;
		}
		const int end = s->n - 3;
		if (order == 0) {
			for (; j < end; j += 4) {
				const double *q = s->row[j];	/* rows j..j+3 */
				double p1 = p * z, p2 = p * z2, p3 = p * z3;
				double t = q[30] * p3;
				acc[0] += (q[0] * p + q[10] * p1) + (q[20] * p2 + t);
				p *= z4;
				if (t <= tol * acc[0])
					goto done;
			}
			continue;
		}
		if (nsum == 4) {
			for (; j < end; j += 4) {
				const double *q = s->row[j];
				double p1 = p * z, p2 = p * z2, p3 = p * z3;
				for (int i = 0; i < 4; i++)
					acc[i] += (q[i] * p + q[10 + i] * p1) + (q[20 + i] * p2 + q[30 + i] * p3);
				double last = p3;
				p *= z4;
				if (s->E[j + 3] * last <= tol * acc[0] && q[33] * last <= tol2 * acc[3])
					goto done;
			}
		} else {
			for (; j < end; j += 4) {
				const double *q = s->row[j];
				double p1 = p * z, p2 = p * z2, p3 = p * z3;
				for (int i = 0; i < 10; i++)
					acc[i] += (q[i] * p + q[10 + i] * p1) + (q[20 + i] * p2 + q[30 + i] * p3);
				double last = p3;
				p *= z4;
				if (s->E[j + 3] * last <= tol * acc[0] && q[33] * last <= tol2 * acc[3])
					goto done;
			}
		}
	}
done:
	memcpy(a, acc, sizeof acc);
	return 0;
}

/* ---- one customer ---- */

struct pws {
	double r, s, x;		/* the terms below are of these */
	double m, n, ls, lK, iK, lgr, dr, d2r;
	int order;		/* the highest order the x terms were made for */
	struct ser sm, sn;	/* e = m (alpha >= beta), e = n */
};

static void *ws_new(void)
{
	return sk_xcalloc(1, sizeof(struct pws));
}

static void ws_free(void *vw)
{
	struct pws *w = vw;
	if (!w)
		return;
	ser_free(&w->sm);
	ser_free(&w->sn);
	free(w);
}

static int set_x(void *vw, const double *par0, double x, int order)
{
	struct pws *w = vw;
	double r = par0[0], s = par0[2];
	if (w->r == r && w->s == s && w->x == x && w->order >= order && w->m > 0)
		return 0;
	w->r = r;
	w->s = s;
	w->x = x;
	w->order = order;
	w->m = r + x;
	w->n = s + 1;
	w->ls = log(s);
	w->lK = log(w->m + w->n - 1);
	w->iK = 1 / (w->m + w->n - 1);
	/* ln Gamma(r+x) - ln Gamma(r), FH 2005's constant, and its
	 * derivatives in r */
	w->lgr = gsl_sf_lngamma(r + x) - gsl_sf_lngamma(r);
	w->dr = order >= 1 ? gsl_sf_psi(r + x) - gsl_sf_psi(r) : 0;
	w->d2r = order >= 2 ? gsl_sf_psi_1(r + x) - gsl_sf_psi_1(r) : 0;
	ser_reset(&w->sm, w->m, w->m + w->n);
	ser_reset(&w->sn, w->n, w->m + w->n);
	return isfinite(w->lgr) && isfinite(w->dr) && isfinite(w->d2r) ? 0 : -1;
}

/* ln I(t) and its derivatives in (r, alpha, s, beta) (through m = r+x,
 * n = s+1), from the logs and inverses of alpha+t and beta+t.  -1 when
 * the series does not serve (the caller takes the quadrature). */
struct tl {
	double l, d[4], h[4][4];
};

static int tail(struct pws *w, double alpha, double beta, double t, double la, double lb,
		double ia, double ib, int order, struct tl *o)
{
	double m = w->m, n = w->n;
	int abig = alpha >= beta;
	double z, omz, a[10];
	sk_pnbd_tail_z(alpha, beta, t, ia, ib, &z, &omz);
	/* the series where it converges; near z = 1 pnbdnear1.c's 1 - z
	 * transformation, which gives the ten sums divided by S (a[0] = 1)
	 * and ln S; -1 (quadrature, Hessian by differences) where neither */
	double lS;
	if (z < 0.995 && ser_sum(abig ? &w->sm : &w->sn, z, omz, order, a) == 0)
		lS = log(a[0]);
	else if (sk_pnbd_near1_S2(abig ? m : n, abig ? n : m, z, omz, order, &lS, a) < 0)
		return -1;
	double iS = 1 / a[0];
	o->l = -m * la - n * lb + (abig ? lb : la) + lS - w->lK;
	if (order == 0)
		return 0;
	/* d ln S in (E, O, z), then in (m, n): E is the direction of e's
	 * own parameter (m when alpha >= beta), O the other's. */
	double lE = a[1] * iS, lO = a[2] * iS, lz = a[3] * iS;
	double lm = abig ? lE : lO, ln_ = abig ? lO : lE;
	/* z = (alpha-beta)/(alpha+t) (alpha >= beta) or (beta-alpha)/(beta+t),
	 * and its derivatives */
	double za, zb, zaa, zab, zbb;
	if (abig) {
		za = omz * ia;
		zb = -ia;
		zaa = -2 * omz * ia * ia;
		zab = ia * ia;
		zbb = 0;
	} else {
		za = -ib;
		zb = omz * ib;
		zaa = 0;
		zab = ib * ib;
		zbb = -2 * omz * ib * ib;
	}
	o->d[0] = -la + lm - w->iK;
	o->d[1] = -m * ia + (abig ? 0 : ia) + lz * za;
	o->d[2] = -lb + ln_ - w->iK;
	o->d[3] = -n * ib + (abig ? ib : 0) + lz * zb;
	if (order < 2)
		return 0;
	double LEE = a[4] * iS - lE * lE, LEO = a[5] * iS - lE * lO, LOO = a[6] * iS - lO * lO;
	double LEz = a[7] * iS - lE * lz, LOz = a[8] * iS - lO * lz, Lzz = a[9] * iS - lz * lz;
	double Lmm = abig ? LEE : LOO, Lnn = abig ? LOO : LEE, Lmn = LEO;
	double Lmz = abig ? LEz : LOz, Lnz = abig ? LOz : LEz;
	double iK2 = w->iK * w->iK;
	double (*h)[4] = o->h;
	h[0][0] = Lmm + iK2;
	h[0][2] = Lmn + iK2;
	h[2][2] = Lnn + iK2;
	h[0][1] = -ia + Lmz * za;
	h[0][3] = Lmz * zb;
	h[2][1] = Lnz * za;
	h[2][3] = -ib + Lnz * zb;
	h[1][1] = m * ia * ia - (abig ? 0 : ia * ia) + Lzz * za * za + lz * zaa;
	h[1][3] = Lzz * za * zb + lz * zab;
	h[3][3] = n * ib * ib - (abig ? ib * ib : 0) + Lzz * zb * zb + lz * zbb;
	h[1][0] = h[0][1];
	h[2][0] = h[0][2];
	h[1][2] = h[2][1];
	h[3][0] = h[0][3];
	h[3][1] = h[1][3];
	h[3][2] = h[2][3];
	return 0;
}

/* The same from pnbdtail.c (series or quadrature), value and gradient
 * only: for the customers tail() leaves. */
static int tail_any(double m, double n, double alpha, double beta, double t, int order,
		    struct tl *o)
{
	struct tail tl;
	if (sk_pnbd_log_tail(m, n, alpha, beta, t, order >= 1, &tl) < 0)
		return -1;
	o->l = tl.l;
	memcpy(o->d, tl.d, sizeof o->d);
	return 0;
}

/* ln L of the bracket and the constant, with derivatives in the natural
 * parameters, from the tails at t_x (ix) and T (iT) (no tail term when
 * t_x = T: ix NULL).  The bracket is W = A + B_x - B_T with
 * B = s I: ln W from u_A = ln A, u_x = ln B_x, u_T = ln B_T as
 * W / A = (1 - q) + exp(u_x - u_A), q = B_T / A <= 1 (1 - q by expm1), or
 * relative to B_x when that is the larger; the shares pi = term / W give
 *   d ln W = pi_A d u_A + pi_x d u_x - pi_T d u_T,
 *   d2 ln W = sum_j +-pi_j (d2 u_j + d u_j d u_j') - d ln W d ln W'. */
static double bracket(const struct pws *w, const double *ip, const double *lp, double laT,
		      double lbT, double iaT, double ibT, const struct tl *ix,
		      const struct tl *iT, int order, struct sk_cl_out *o)
{
	double r = ip[0], alpha = ip[1], s = ip[2], beta = ip[3], m = r + w->x;
	double cst = w->lgr + r * lp[1] + s * lp[3];
	double uA = -m * laT - s * lbT;
	double gA[4] = { -laT, -m * iaT, -lbT, -s * ibT };
	double hA[4][4] = { { 0, -iaT, 0, 0 }, { -iaT, m * iaT * iaT, 0, 0 },
			    { 0, 0, 0, -ibT }, { 0, 0, -ibT, s * ibT * ibT } };
	double lW, pA = 1, px = 0, pT = 0;
	if (ix) {
		double ux = w->ls + ix->l, uT = w->ls + iT->l;
		double omq = -expm1(uT - uA), dx = ux - uA;
		if (!(omq >= 0))
			omq = 0;	/* rounding: I(T) a hair above A / s */
		if (dx <= 0) {
			double ex = exp(dx), D = omq + ex;
			lW = uA + log(D);
			pA = 1 / D;
			px = ex / D;
			pT = (1 - omq) / D;
		} else {
			double ex = exp(-dx), D = 1 + omq * ex;
			lW = ux + log1p(omq * ex);
			px = 1 / D;
			pA = ex / D;
			pT = (1 - omq) * ex / D;
		}
	} else {
		lW = uA;
	}
	o->l = cst + lW;
	o->pa = pA;	/* pnbd.c's p_alive: A / W */
	if (order == 0)
		return o->l;
	double gx[4] = { 0 }, gT[4] = { 0 }, G[4];
	if (ix) {
		for (int a = 0; a < 4; a++) {
			gx[a] = ix->d[a];
			gT[a] = iT->d[a];
		}
		gx[2] += 1 / s;	/* d ln s / ds */
		gT[2] += 1 / s;
	}
	for (int a = 0; a < 4; a++)
		G[a] = pA * gA[a] + px * gx[a] - pT * gT[a];
	/* the constant Gamma(r+x) alpha^r beta^s / Gamma(r) */
	double gc[4] = { w->dr + lp[1], r / alpha, lp[3], s / beta };
	for (int a = 0; a < 4; a++)
		o->g[a] = gc[a] + G[a];
	if (order < 2)
		return o->l;
	for (int a = 0; a < 4; a++)
		for (int b = a; b < 4; b++) {
			double v = pA * (hA[a][b] + gA[a] * gA[b]) - G[a] * G[b];
			if (ix) {
				double hx = ix->h[a][b], hT = iT->h[a][b];
				if (a == 2 && b == 2) {
					hx -= 1 / (s * s);
					hT -= 1 / (s * s);
				}
				v += px * (hx + gx[a] * gx[b]) - pT * (hT + gT[a] * gT[b]);
			}
			o->h[a][b] = o->h[b][a] = v;
		}
	o->h[0][0] += w->d2r;
	o->h[0][1] += 1 / alpha;
	o->h[1][0] += 1 / alpha;
	o->h[1][1] -= r / (alpha * alpha);
	o->h[2][3] += 1 / beta;
	o->h[3][2] += 1 / beta;
	o->h[3][3] -= s / (beta * beta);
	return o->l;
}

/* The customer by pnbdtail.c's tails alone (value and gradient in the
 * natural parameters), with her own x terms: for the customers the
 * series does not serve, and their Hessian by differences. */
static int cust_any(const double *ip, double x, double tx, double T, int order,
		    struct sk_cl_out *o)
{
	struct pws w = { 0 };
	double lp[4];
	for (int a = 0; a < 4; a++) {
		if (!(ip[a] > 0) || !isfinite(ip[a]))
			return -1;
		lp[a] = log(ip[a]);
	}
	if (set_x(&w, ip, x, order < 1 ? order : 1) < 0)
		return -1;
	double r = ip[0], alpha = ip[1], s = ip[2], beta = ip[3], m = r + x, n = s + 1;
	struct tl ix, iT;
	int tails = tx < T;
	if (tails && (tail_any(m, n, alpha, beta, tx, order, &ix) < 0 ||
		      tail_any(m, n, alpha, beta, T, order, &iT) < 0))
		return -1;
	bracket(&w, ip, lp, log(alpha + T), log(beta + T), 1 / (alpha + T), 1 / (beta + T),
		tails ? &ix : NULL, tails ? &iT : NULL, order < 1 ? order : 1, o);
	return isfinite(o->l) ? 0 : -1;
}

/* Her Hessian in phi by central differences of her analytic gradient
 * (step 1e-5 in each log-parameter, as model.c's standard errors). */
static int hess_by_diff(const double *ip, double x, double tx, double T, struct sk_cl_out *o)
{
	const double h = 1e-5;
	double lp[4], gp[4][4], gm[4][4];
	for (int a = 0; a < 4; a++)
		lp[a] = log(ip[a]);
	for (int a = 0; a < 4; a++) {
		for (int sgn = 0; sgn < 2; sgn++) {
			double q[4];
			struct sk_cl_out t;
			for (int b = 0; b < 4; b++)
				q[b] = exp(lp[b] + (b == a ? (sgn ? -h : h) : 0));
			if (cust_any(q, x, tx, T, 1, &t) < 0)
				return -1;
			sk_cl_to_log(q, &t, 1);
			memcpy(sgn ? gm[a] : gp[a], t.g, sizeof t.g);
		}
	}
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 4; b++)
			o->h[a][b] = 0.5 * ((gp[a][b] - gm[a][b]) + (gp[b][a] - gm[b][a])) / (2 * h);
	return 0;
}

static int cust(void *vw, const double *ip, const double *lp, double t_x, double T, int order,
		struct sk_cl_out *o)
{
	struct pws *w = vw;
	double alpha = ip[1], beta = ip[3], x = w->x;
	double tx = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	double laT = log(alpha + T), lbT = log(beta + T), iaT = 1 / (alpha + T),
	       ibT = 1 / (beta + T);
	struct tl ix, iT;
	int tails = tx < T;
	if (tails) {
		if (tail(w, alpha, beta, tx, log(alpha + tx), log(beta + tx), 1 / (alpha + tx),
			 1 / (beta + tx), order, &ix) < 0 ||
		    tail(w, alpha, beta, T, laT, lbT, iaT, ibT, order, &iT) < 0) {
			/* rates very unequal: quadrature, Hessian by differences */
			if (cust_any(ip, x, tx, T, order, o) < 0)
				return -1;
			sk_cl_to_log(ip, o, order < 1 ? order : 1);
			return order >= 2 ? hess_by_diff(ip, x, tx, T, o) : 0;
		}
	}
	bracket(w, ip, lp, laT, lbT, iaT, ibT, tails ? &ix : NULL, tails ? &iT : NULL, order, o);
	if (!isfinite(o->l))
		return -1;
	sk_cl_to_log(ip, o, order);
	return 0;
}

const struct sk_cl_kernel sk_pnbd_clk = {
	.ws_new = ws_new, .ws_free = ws_free, .set_x = set_x, .cust = cust,
};
