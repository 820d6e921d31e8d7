/* ggomtab.c: the GGom/NBD likelihood from (x, t) tables, for the fit.
 *
 * Each pattern's dead term is D(x, t_x, T) = int_{t_x}^{T} f_x(y) dy with
 * f_x(y) = (alpha+y)^-(r+x) g(y) (ggomnbd.c).  Daily data from a million
 * customers has ~6e5 distinct (x, t_x, T) but only ~3e4 distinct (x, t),
 * so the integral is computed once per segment between consecutive
 * distinct times of one x (its "keys") and summed: from the left, C_j =
 * int from the first key to key j, and from the right, S_j = int from key
 * j to the last.  Then D = C(T) - C(t_x) = S(t_x) - S(T), both in logs;
 * each pattern takes the difference with less cancellation (the smaller
 * ratio rho of the two terms: relative error ~ eps / (1 - rho)).  f_x
 * falls with y for frequent buyers (right sums then) and may rise for
 * Gompertz hazards that grow fast (left sums); should both ratios exceed
 * 1 - 1e-5 (an integrand far larger on both sides of [t_x, T]) the
 * pattern's integral is computed directly.  The derivatives are carried
 * as d ln C / d par (and d ln S), mixed as the sums grow, so nothing
 * over- or underflows.  The alive term is per key, the constants per x;
 * each key also keeps the alive term's ratios to its sums, so that a
 * pattern's ln(A + D), gradient and P(alive) cost one exponential and
 * one logarithm (pattern_lw).
 * Same values as summing ggomnbd.c's loglik1 over the patterns, to the
 * quadrature's 1e-10 (test_ggomnbd.c checks it).
 *
 * The segments are those of one grid for all x: the distinct times of
 * all patterns (daily data: <= 731), each run taking the grid's points
 * between its first and last key.  Then the Gompertz part of f_x,
 * g(y) and its derivatives, depends on the node alone and is computed
 * once per node for every x (a logarithm and an expm1 each), and a run
 * pays one exponential per node for (alpha+y)^-(r+x).  The rule is
 * sk_quad's Kronrod 15 on 2^L equal parts of a segment, L the least
 * for which ln f_x moves by at most 4 over a part (a bound from the
 * derivatives at the ends: d ln (alpha+y) falls with y, d ln g is
 * monotone); |K15 - G7| <= 1e-10 K15 is then checked for every part,
 * and a segment that fails it or would need L > 7 is integrated as
 * before, adaptively (sk_ggom_log_dead).  With fixed nodes per segment
 * the fit no longer pays ll_h's four transcendentals per node per x
 * (bench/ggomgen.c, 1M customers: churn 12.6 -> 7.1 s CPU). */
#include "record/group.h"
#include "record/util.h"
#include "modelint.h"
#include "ggomint.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#define NPAR 5

struct run {
	double x;
	size_t klo, khi;	/* its keys: grid points ulo, ulo + 1, ... */
	size_t plo, phi;	/* its patterns */
	size_t ulo;
};

/* A grid point's terms that do not depend on x (per evaluation). */
struct gpt {
	double la, iay;		/* ln(alpha + u), 1 / (alpha + u) */
	double sl;		/* s (ln beta - ln(beta + e^(b u) - 1)) */
	double dA2, dA3, dA4;	/* sk_ggom_alive's d/db, d/ds, d/dbeta */
	double gp;		/* d ln g / du */
};

/* A quadrature node: its weights times the half-width, and f's terms
 * that do not depend on x. */
struct node {
	double wk, wg;
	double la, lg;		/* ln(alpha + y), ln g(y) without b s beta^s */
	double iay, d3, d4, d5;	/* 1/(alpha+y) and d ln f / d(b, s, beta) */
};

#define LMAX 7
#define NODES(L) (15 * ((size_t)1 << (L)))	/* the nodes of level L */

struct key {
	double u;		/* the time */
	double lA, dA[NPAR];	/* alive term at T = u */
	double lc, rc[NPAR];	/* ln C and d ln C */
	double ls, rs[NPAR];	/* ln S and d ln S */
	double lseg, dseg[NPAR];	/* the segment to the next key */
	double qc, qs;		/* A / C and A / S at this key (key_ratios) */
};

struct tab {
	const struct sk_rfm *pat;
	size_t n, nrun, nkey;
	struct run *run;
	struct key *key;
	uint32_t *kx, *kT;	/* per pattern: the keys of t_x and T */
	double (*acc)[1 + NPAR];	/* per run */
	double *u;		/* the grid */
	size_t nu;
	double *segx;		/* per segment: the largest x of a run over it */
	struct gpt *g;		/* per grid point */
	int *lev;		/* per segment: the levels made, 0..lev */
	size_t *noff;		/* per segment: its nodes' first index */
	struct node *nd;
	size_t nnd;
	int last_ok;
	double last_th[NPAR], last_v, last_g[NPAR];
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sort times >= 0: as their bit patterns (for doubles >= +0 the same
 * order) by sk_u64_sort's radix sort, which takes 2n of them in a few
 * passes where qsort's comparisons were 6 % of the bench row's CPU (the
 * table is made three times: the boundary's score, the fit, P(alive));
 * qsort when a value is not >= 0 or memory is short. */
static void sort_times(double *u, size_t m)
{
	uint64_t *k = sk_malloc((m ? m : 1) * sizeof *k), maxkey = 0;
	int ok = k != NULL;
	for (size_t i = 0; ok && i < m; i++) {
		double v = u[i] + 0.0;	/* -0 as +0 */
		if (!(v >= 0)) {
			ok = 0;
			break;
		}
		memcpy(&k[i], &v, sizeof v);
		maxkey = k[i] > maxkey ? k[i] : maxkey;
	}
	if (ok && sk_u64_sort(k, m, 0, maxkey) == 0) {
		for (size_t i = 0; i < m; i++)
			memcpy(&u[i], &k[i], sizeof u[i]);
	} else {
		qsort(u, m, sizeof *u, cmp_double);
	}
	free(k);
}

static double eff_tx(const struct sk_rfm *p)
{
	return p->x > 0 ? fmin(fmax(p->t_x, 0), p->T) : 0;
}

static uint32_t find_key(const struct key *k, size_t lo, size_t hi, double u)
{
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].u <= u)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static size_t find_u(const double *u, size_t nu, double v)
{
	size_t lo = 0, hi = nu;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (u[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void *sk_ggom_tab_new(const struct sk_rfm *pat, size_t n)
{
	struct tab *t = sk_xcalloc(1, sizeof *t);
	t->pat = pat;
	t->n = n;
	size_t nrun = 0;
	for (size_t i = 0; i < n; i++)
		nrun += i == 0 || pat[i].x != pat[i - 1].x;
	t->run = sk_xmalloc((nrun ? nrun : 1) * sizeof *t->run);
	t->kx = sk_xmalloc((n ? n : 1) * sizeof *t->kx);
	t->kT = sk_xmalloc((n ? n : 1) * sizeof *t->kT);
	t->acc = sk_xmalloc((nrun ? nrun : 1) * sizeof *t->acc);
	/* the grid: every pattern's t_x and T, sorted, distinct */
	double *u = sk_xmalloc((n ? 2 * n : 1) * sizeof *u);
	size_t m = 0, nu = 0;
	for (size_t i = 0; i < n; i++) {
		u[m++] = eff_tx(&pat[i]);
		u[m++] = pat[i].T;
	}
	sort_times(u, m);
	for (size_t i = 0; i < m; i++)
		if (i == 0 || u[i] != u[nu - 1])
			u[nu++] = u[i];
	t->u = sk_xrealloc(u, (nu ? nu : 1) * sizeof *u);
	t->nu = nu;
	t->segx = sk_xcalloc(nu ? nu : 1, sizeof *t->segx);
	t->g = sk_xmalloc((nu ? nu : 1) * sizeof *t->g);
	t->lev = sk_xmalloc((nu ? nu : 1) * sizeof *t->lev);
	t->noff = sk_xmalloc((nu ? nu : 1) * sizeof *t->noff);
	/* each run: the grid's points from its least to its largest time */
	size_t nk = 0;
	for (size_t lo = 0, r = 0; lo < n; r++) {
		size_t hi = lo, ulo = SIZE_MAX, uhi = 0;
		while (hi < n && pat[hi].x == pat[lo].x)
			hi++;
		for (size_t i = lo; i < hi; i++) {
			size_t a = find_u(t->u, nu, eff_tx(&pat[i])), b = find_u(t->u, nu, pat[i].T);
			ulo = a < ulo ? a : ulo;
			uhi = b > uhi ? b : uhi;
		}
		for (size_t j = ulo; j < uhi; j++)
			t->segx[j] = fmax(t->segx[j], pat[lo].x);
		t->run[r] = (struct run){ pat[lo].x, nk, nk + (uhi - ulo + 1), lo, hi, ulo };
		nk += uhi - ulo + 1;
		lo = hi;
	}
	t->nrun = nrun;
	t->nkey = nk;
	t->key = sk_xmalloc((nk ? nk : 1) * sizeof *t->key);
	for (size_t r = 0; r < nrun; r++) {
		struct run *run = &t->run[r];
		for (size_t k = run->klo; k < run->khi; k++)
			t->key[k].u = t->u[run->ulo + (k - run->klo)];
		for (size_t i = run->plo; i < run->phi; i++) {
			t->kx[i] = find_key(t->key, run->klo, run->khi, eff_tx(&pat[i]));
			t->kT[i] = find_key(t->key, run->klo, run->khi, pat[i].T);
		}
	}
	return t;
}

void sk_ggom_tab_free(void *ctx)
{
	struct tab *t = ctx;
	if (!t)
		return;
	free(t->run);
	free(t->key);
	free(t->kx);
	free(t->kT);
	free(t->acc);
	free(t->u);
	free(t->segx);
	free(t->g);
	free(t->lev);
	free(t->noff);
	free(t->nd);
	free(t);
}

/* The level of a segment for ln f_x with m = r + x: parts over which
 * ln f moves by at most 4 (the header); LMAX + 1 when too many. */
static int seg_level(const struct tab *t, size_t j, double m)
{
	double var = (t->u[j + 1] - t->u[j]) *
		     (m * t->g[j].iay + fmax(fabs(t->g[j].gp), fabs(t->g[j + 1].gp)));
	int L = 0;
	while (var > 4 && L <= LMAX) {
		var *= 0.5;
		L++;
	}
	return L;
}

/* The grid's terms and the segments' nodes at par (serial: they are
 * shared by the runs, which go in parallel); -1 when not finite. */
static int grid_prepare(const double *par, struct tab *t)
{
	double r = par[0], alpha = par[1], b = par[2], s = par[3], beta = par[4];
	double lbeta = log(beta);
	for (size_t j = 0; j < t->nu; j++) {
		double u = t->u[j], ldT = sk_ggom_lden(beta, b * u);
		struct gpt *g = &t->g[j];
		g->la = log(alpha + u);
		g->iay = 1 / (alpha + u);
		g->sl = s * (lbeta - ldT);
		g->dA2 = -s * u * exp(b * u - ldT);
		g->dA3 = lbeta - ldT;
		g->dA4 = s / beta - s * exp(-ldT);
		g->gp = b * (1 - (s + 1) * exp(b * u - ldT));
		if (!isfinite(g->la + g->sl + g->dA2 + g->dA4 + g->gp))
			return -1;
	}
	size_t tot = 0;
	for (size_t j = 0; j + 1 < t->nu; j++) {
		int L = seg_level(t, j, r + t->segx[j]);
		t->lev[j] = L > LMAX ? LMAX : L;
		t->noff[j] = tot;
		tot += 2 * NODES(t->lev[j]);	/* levels 0..L: < 2 NODES(L) */
	}
	if (tot > t->nnd) {
		free(t->nd);
		t->nd = sk_xmalloc(tot * sizeof *t->nd);
		t->nnd = tot;
	}
	const double *xk = sk_gk15_x, *wk = sk_gk15_wk, *wg = sk_gk15_wg;
	long nseg = t->nu > 0 ? (long)t->nu - 1 : 0;
	int bad = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 8) if (nseg >= 64) reduction(|:bad)
#endif
	for (long jj = 0; jj < nseg; jj++) {
		size_t j = (size_t)jj;
		struct node *nd = t->nd + t->noff[j];
		for (int L = 0; L <= t->lev[j]; L++) {
			size_t parts = (size_t)1 << L;
			double w = (t->u[j + 1] - t->u[j]) / (double)parts, h = 0.5 * w;
			for (size_t p = 0; p < parts; p++) {
				double c = t->u[j] + ((double)p + 0.5) * w;
				for (int k = 0; k < 15; k++, nd++) {
					/* k < 7: left of c; 7: c; > 7: right */
					int a = k < 7 ? k : 14 - k;
					double y = k < 7 ? c - h * xk[a] : c + h * xk[a];
					double by = b * y, ld, q, ib;
					if (by > 30) {
						ld = sk_ggom_lden(beta, by);
						ib = exp(-ld);
						q = exp(by - ld);
					} else {
						double em1 = expm1(by), den = beta + em1;
						ld = log(den);
						ib = 1 / den;
						q = (em1 + 1) / den;
					}
					nd->wk = h * wk[a];
					nd->wg = a & 1 ? h * wg[a / 2] : 0;
					nd->la = log(alpha + y);
					nd->lg = by - (s + 1) * ld;
					nd->iay = 1 / (alpha + y);
					nd->d3 = 1 / b + y - (s + 1) * y * q;
					nd->d4 = 1 / s + lbeta - ld;
					nd->d5 = s / beta - (s + 1) * ib;
					if (!isfinite(nd->lg + nd->d3 + nd->d5))
						bad = 1;
				}
			}
		}
	}
	return bad ? -1 : 0;
}

/* ln of segment j's integral of f_x (m = r + x) and its derivatives on
 * the grid's nodes (sk_ggom_log_dead's value to its 1e-10); -1 when the
 * nodes cannot give it. */
static int seg_fixed(const double *par, const struct tab *t, size_t j, double m, double *l,
		     double *d)
{
	int L = seg_level(t, j, m);
	if (L > t->lev[j])
		return -1;
	const struct node *nd = t->nd + t->noff[j];
	for (int i = 0; i < L; i++)
		nd += NODES(i);
	size_t nn = NODES(L);
	double h[NODES(LMAX)], off = -HUGE_VAL;
	for (size_t k = 0; k < nn; k++) {
		h[k] = nd[k].lg - m * nd[k].la;
		off = fmax(off, h[k]);
	}
	double K = 0, E = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
	for (size_t k0 = 0; k0 < nn; k0 += 15) {
		double kp = 0, gp = 0;
		for (size_t k = k0; k < k0 + 15; k++) {
			double e = exp(h[k] - off), ew = e * nd[k].wk;
			kp += ew;
			gp += e * nd[k].wg;
			s1 += ew * nd[k].la;
			s2 += ew * nd[k].iay;
			s3 += ew * nd[k].d3;
			s4 += ew * nd[k].d4;
			s5 += ew * nd[k].d5;
		}
		K += kp;
		E += fabs(kp - gp);
	}
	if (!(K > 0) || !(E <= 1e-10 * K) || !isfinite(off))
		return -1;
	double b = par[2], s = par[3], beta = par[4];
	*l = off + log(K) + log(b) + log(s) + s * log(beta);
	d[0] = -s1 / K;
	d[1] = -m * s2 / K;
	d[2] = s3 / K;
	d[3] = s4 / K;
	d[4] = s5 / K;
	return 0;
}

/* The keys' terms of one run: alive terms, segments, left and right
 * sums; -1 when a segment's integral fails. */
static int run_keys(const double *par, const struct tab *t, size_t ulo, double m, struct key *k,
		    size_t nk)
{
	/* sk_ggom_alive's terms from the grid's */
	for (size_t j = 0; j < nk; j++) {
		const struct gpt *g = &t->g[ulo + j];
		k[j].lA = -m * g->la + g->sl;
		k[j].dA[0] = -g->la;
		k[j].dA[1] = -m * g->iay;
		k[j].dA[2] = g->dA2;
		k[j].dA[3] = g->dA3;
		k[j].dA[4] = g->dA4;
	}
	for (size_t j = 0; j + 1 < nk; j++)
		if (seg_fixed(par, t, ulo + j, m, &k[j].lseg, k[j].dseg) < 0 &&
		    sk_ggom_log_dead(par, m, k[j].u, k[j + 1].u, &k[j].lseg, k[j].dseg) < 0)
			return -1;
	/* C_{j+1} = C_j + seg_j; d ln C_{j+1} = w d ln C_j + (1 - w) d ln seg_j,
	 * w = C_j / C_{j+1}; S likewise from the right. */
	k[0].lc = -HUGE_VAL;
	memset(k[0].rc, 0, sizeof k[0].rc);
	for (size_t j = 0; j + 1 < nk; j++) {
		double l = sk_logaddexp(k[j].lc, k[j].lseg), w = exp(k[j].lc - l);
		k[j + 1].lc = l;
		for (int i = 0; i < NPAR; i++)
			k[j + 1].rc[i] = w * k[j].rc[i] + (1 - w) * k[j].dseg[i];
	}
	k[nk - 1].ls = -HUGE_VAL;
	memset(k[nk - 1].rs, 0, sizeof k[nk - 1].rs);
	for (size_t j = nk - 1; j > 0; j--) {
		double l = sk_logaddexp(k[j].ls, k[j - 1].lseg), w = exp(k[j].ls - l);
		k[j - 1].ls = l;
		for (int i = 0; i < NPAR; i++)
			k[j - 1].rs[i] = w * k[j].rs[i] + (1 - w) * k[j - 1].dseg[i];
	}
	return 0;
}

/* ln D and its derivatives of a pattern from its keys a < b. */
static int dead_from_keys(const double *par, double m, const struct key *ka,
			  const struct key *kb, double *lD, double *dD)
{
	double rho_c = exp(ka->lc - kb->lc), rho_s = exp(kb->ls - ka->ls);
	if (fmin(rho_c, rho_s) > 1 - 1e-5)
		return sk_ggom_log_dead(par, m, ka->u, kb->u, lD, dD);
	if (rho_c <= rho_s) {
		*lD = kb->lc + log1p(-rho_c);
		for (int i = 0; i < NPAR; i++)
			dD[i] = (kb->rc[i] - rho_c * ka->rc[i]) / (1 - rho_c);
	} else {
		*lD = ka->ls + log1p(-rho_s);
		for (int i = 0; i < NPAR; i++)
			dD[i] = (ka->rs[i] - rho_s * kb->rs[i]) / (1 - rho_s);
	}
	return 0;
}

/* Each key's alive term over its left and right sums, A / C and A / S
 * (infinite at a run's ends, where C or S is 0): two exponentials per
 * key, so that a pattern's ln(A + D) takes one exponential and one
 * logarithm (pattern_lw). */
static void key_ratios(struct key *k, size_t nk)
{
	for (size_t j = 0; j < nk; j++) {
		k[j].qc = exp(k[j].lA - k[j].lc);
		k[j].qs = exp(k[j].lA - k[j].ls);
	}
}

/* Below this ratio's logarithm dead_from_keys takes the sums (its
 * direct quadrature is for both ratios above 1 - 1e-5); pattern_lw
 * leaves the last 1e-5 of the way to it. */
#define LRHO_FAST (-2e-5)
/* The ratios A / C, A / S and 1 / rho_s used as they are up to this. */
#define Q_MAX 1e300

/* ln W = ln(A_b + D) of a pattern with keys ka < kb and its gradient
 * in g (sk_ggom_combine's without the constants), from the keys' sums
 * and ratios.  With rho_c = C_a / C_b, D = C_b (1 - rho_c) and
 *   W = C_b (q_c + 1 - rho_c),  q_c = A_b / C_b,
 *   d ln W = (q_c dA_b + d ln C_b - rho_c d ln C_a) / (q_c + 1 - rho_c);
 * with rho_s = S_b / S_a and e = 1 / rho_s - 1 = e^(ln S_a - ln S_b) - 1,
 * D = S_b e and
 *   W = S_b (q_s + e),  q_s = A_b / S_b,
 *   d ln W = (q_s dA_b + (1 + e) d ln S_a - d ln S_b) / (q_s + e):
 * the same sums and the same choice of the smaller ratio as
 * dead_from_keys (rounding apart), with pA and pD folded into one
 * division.  An exponential and a logarithm per pattern where
 * dead_from_keys then sk_ggom_combine took four exponentials and two
 * log1p (per evaluation 6e5 patterns on bench/ggomgen.c's customers:
 * 43 % of the row's CPU).  -1 where a ratio is out of range or both
 * are near 1: the caller then takes the way through dead_from_keys.
 * With pa, only P(alive) = A_b / W = q / (q + ...) into *pa. */
static int pattern_lw(const struct key *ka, const struct key *kb, double *lW, double *g,
		      double *pa)
{
	double dc = ka->lc - kb->lc, ds = kb->ls - ka->ls;
	if (!(fmin(dc, ds) < LRHO_FAST))
		return -1;
	if (dc <= ds) {
		double rho = exp(dc), q = kb->qc;
		if (!(q <= Q_MAX))
			return -1;
		double den = q + (1 - rho);
		if (!(den > 0))
			return -1;
		if (pa) {
			*pa = q / den;
			return 0;
		}
		*lW = kb->lc + log(den);
		for (int i = 0; i < NPAR; i++)
			g[i] = (q * kb->dA[i] + kb->rc[i] - rho * ka->rc[i]) / den;
	} else {
		/* e as 1 / rho_s - 1 (not expm1, twice exp's time here): the
		 * relative error eps / e is dead_from_keys's eps rho / (1 - rho) */
		double e = exp(-ds) - 1, q = kb->qs;
		if (!(q <= Q_MAX && e <= Q_MAX))
			return -1;
		double den = q + e;
		if (!(den > 0))
			return -1;
		if (pa) {
			*pa = q / den;
			return 0;
		}
		*lW = kb->ls + log(den);
		for (int i = 0; i < NPAR; i++)
			g[i] = (q * kb->dA[i] + (1 + e) * ka->rs[i] - kb->rs[i]) / den;
	}
	return 0;
}

static void run_sum(const double *par, struct tab *t, size_t ri, double lgr, double psr)
{
	const struct run *run = &t->run[ri];
	double *acc = t->acc[ri];
	double r = par[0], m = r + run->x, la = log(par[1]);
	double c = gsl_sf_lngamma(m) - lgr + r * la, dc = gsl_sf_psi(m) - psr + la;
	struct key *k = t->key + run->klo;
	memset(acc, 0, sizeof t->acc[0]);
	if (run_keys(par, t, run->ulo, m, k, run->khi - run->klo) < 0) {
		acc[0] = -HUGE_VAL;
		return;
	}
	key_ratios(k, run->khi - run->klo);
	double ra = par[0] / par[1];
	for (size_t p = run->plo; p < run->phi; p++) {
		const struct key *ka = &t->key[t->kx[p]], *kb = &t->key[t->kT[p]];
		double lW, g[NPAR], w = t->pat[p].w;
		if (ka == kb) {	/* t_x = T: no dead term, W = A */
			lW = kb->lA;
			memcpy(g, kb->dA, sizeof g);
		} else if (pattern_lw(ka, kb, &lW, g, NULL) < 0) {
			double lD = -HUGE_VAL, dD[NPAR] = { 0 };
			if (dead_from_keys(par, m, ka, kb, &lD, dD) < 0) {
				acc[0] = -HUGE_VAL;
				return;
			}
			lW = sk_ggom_combine(par, 0, 0, kb->lA, kb->dA, lD, dD, g);
			g[1] -= ra;	/* added back below */
		}
		g[0] += dc;
		g[1] += ra;
		acc[0] += w * (c + lW);
		for (int i = 0; i < NPAR; i++)
			acc[1 + i] += w * g[i];
	}
}

/* Fewer patterns than this are summed on one thread. */
#define PAR_MIN 20000

static double tab_eval(const double *theta, double *grad, struct tab *t)
{
	double par[NPAR], tot[1 + NPAR] = { 0 };
	if (sk_theta_par(NPAR, theta, par) < 0)
		return HUGE_VAL;
	if (grid_prepare(par, t) < 0)
		return HUGE_VAL;
	double lgr = gsl_sf_lngamma(par[0]), psr = gsl_sf_psi(par[0]);
	long nrun = (long)t->nrun;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (t->n >= PAR_MIN)
#endif
	for (long i = 0; i < nrun; i++)
		run_sum(par, t, (size_t)i, lgr, psr);
	/* in run order: the total does not depend on the threads */
	for (long i = 0; i < nrun; i++)
		for (int j = 0; j <= NPAR; j++)
			tot[j] += t->acc[i][j];
	for (int j = 0; j <= NPAR; j++)
		if (!isfinite(tot[j]))
			return HUGE_VAL;
	for (int i = 0; grad && i < NPAR; i++)
		grad[i] = -tot[1 + i] * par[i];
	return -tot[0];
}

/* P(alive) = A / (A + D) per pattern (ggomnbd.c p_alive), from the
 * keys' alive terms and the dead terms as in the likelihood. */
int sk_ggom_tab_alive(void *ctx, const double *par, double *pa)
{
	struct tab *t = ctx;
	if (grid_prepare(par, t) < 0)
		return -1;
	long nrun = (long)t->nrun;
	int bad = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (t->n >= PAR_MIN) reduction(|:bad)
#endif
	for (long i = 0; i < nrun; i++) {
		const struct run *run = &t->run[i];
		double m = par[0] + run->x;
		if (run_keys(par, t, run->ulo, m, t->key + run->klo, run->khi - run->klo) < 0) {
			bad = 1;
			continue;
		}
		key_ratios(t->key + run->klo, run->khi - run->klo);
		for (size_t p = run->plo; p < run->phi; p++) {
			const struct key *ka = &t->key[t->kx[p]], *kb = &t->key[t->kT[p]];
			double lD = -HUGE_VAL, dD[NPAR];
			if (ka == kb) {
				pa[p] = 1;
				continue;
			}
			if (pattern_lw(ka, kb, NULL, NULL, &pa[p]) == 0)
				continue;
			if (dead_from_keys(par, m, ka, kb, &lD, dD) < 0) {
				bad = 1;
				break;
			}
			pa[p] = sk_logistic_neg(lD - kb->lA);
		}
	}
	return bad ? -1 : 0;
}

/* As pnbd.c's pfit_nll: the gradient is always computed and the last
 * point remembered, since BFGS's line search and the Newton polish ask
 * for the same point twice. */
double sk_ggom_tab_nll(const double *theta, double *grad, void *ctx)
{
	struct tab *t = ctx;
	if (!t->last_ok || memcmp(theta, t->last_th, sizeof t->last_th) != 0) {
		t->last_v = tab_eval(theta, t->last_g, t);
		if (!isfinite(t->last_v))
			memset(t->last_g, 0, sizeof t->last_g);
		memcpy(t->last_th, theta, sizeof t->last_th);
		t->last_ok = 1;
	}
	if (grad)
		memcpy(grad, t->last_g, sizeof t->last_g);
	return t->last_v;
}
