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
 * over- or underflows.  The alive term is per key, the constants per x.
 * Same values as summing ggomnbd.c's loglik1 over the patterns, to the
 * quadrature's 1e-10 (test_ggomnbd.c checks it). */
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
	size_t klo, khi;	/* its keys */
	size_t plo, phi;	/* its patterns */
};

struct key {
	double u;		/* the time */
	double lA, dA[NPAR];	/* alive term at T = u */
	double lc, rc[NPAR];	/* ln C and d ln C */
	double ls, rs[NPAR];	/* ln S and d ln S */
	double lseg, dseg[NPAR];	/* the segment to the next key */
};

struct tab {
	const struct sk_rfm *pat;
	size_t n, nrun, nkey;
	struct run *run;
	struct key *key;
	uint32_t *kx, *kT;	/* per pattern: the keys of t_x and T */
	double (*acc)[1 + NPAR];	/* per run */
	int last_ok;
	double last_th[NPAR], last_v, last_g[NPAR];
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
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

void *sk_ggom_tab_new(const struct sk_rfm *pat, size_t n)
{
	struct tab *t = sk_xcalloc(1, sizeof *t);
	t->pat = pat;
	t->n = n;
	size_t nrun = 0;
	for (size_t i = 0; i < n; i++)
		nrun += i == 0 || pat[i].x != pat[i - 1].x;
	t->run = sk_xmalloc((nrun ? nrun : 1) * sizeof *t->run);
	t->key = sk_xmalloc((n ? 2 * n : 1) * sizeof *t->key);
	t->kx = sk_xmalloc((n ? n : 1) * sizeof *t->kx);
	t->kT = sk_xmalloc((n ? n : 1) * sizeof *t->kT);
	t->acc = sk_xmalloc((nrun ? nrun : 1) * sizeof *t->acc);
	double *u = sk_xmalloc((n ? 2 * n : 1) * sizeof *u);
	size_t nk = 0;
	for (size_t lo = 0, r = 0; lo < n; r++) {
		size_t hi = lo;
		while (hi < n && pat[hi].x == pat[lo].x)
			hi++;
		size_t m = 0;
		for (size_t i = lo; i < hi; i++) {
			u[m++] = eff_tx(&pat[i]);
			u[m++] = pat[i].T;
		}
		qsort(u, m, sizeof *u, cmp_double);
		size_t klo = nk;
		for (size_t i = 0; i < m; i++)
			if (i == 0 || u[i] != u[i - 1])
				t->key[nk++].u = u[i];
		t->run[r] = (struct run){ pat[lo].x, klo, nk, lo, hi };
		for (size_t i = lo; i < hi; i++) {
			t->kx[i] = find_key(t->key, klo, nk, eff_tx(&pat[i]));
			t->kT[i] = find_key(t->key, klo, nk, pat[i].T);
		}
		lo = hi;
	}
	free(u);
	t->nrun = nrun;
	t->nkey = nk;
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
	free(t);
}

/* The keys' terms of one run: alive terms, segments, left and right
 * sums; -1 when a segment's integral fails. */
static int run_keys(const double *par, double m, struct key *k, size_t nk)
{
	for (size_t j = 0; j < nk; j++)
		sk_ggom_alive(par, m, k[j].u, &k[j].lA, k[j].dA);
	for (size_t j = 0; j + 1 < nk; j++)
		if (sk_ggom_log_dead(par, m, k[j].u, k[j + 1].u, &k[j].lseg, k[j].dseg) < 0)
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

static void run_sum(const double *par, struct tab *t, size_t ri, double lgr, double psr)
{
	const struct run *run = &t->run[ri];
	double *acc = t->acc[ri];
	double r = par[0], m = r + run->x, la = log(par[1]);
	double c = gsl_sf_lngamma(m) - lgr + r * la, dc = gsl_sf_psi(m) - psr + la;
	struct key *k = t->key + run->klo;
	memset(acc, 0, sizeof t->acc[0]);
	if (run_keys(par, m, k, run->khi - run->klo) < 0) {
		acc[0] = -HUGE_VAL;
		return;
	}
	for (size_t p = run->plo; p < run->phi; p++) {
		const struct key *ka = &t->key[t->kx[p]], *kb = &t->key[t->kT[p]];
		double lD = -HUGE_VAL, dD[NPAR] = { 0 }, g[NPAR];
		if (ka != kb && dead_from_keys(par, m, ka, kb, &lD, dD) < 0) {
			acc[0] = -HUGE_VAL;
			return;
		}
		double w = t->pat[p].w;
		acc[0] += w * sk_ggom_combine(par, c, dc, kb->lA, kb->dA, lD, dD, g);
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
