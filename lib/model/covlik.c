/* covlik.c: the likelihood of the Pareto/NBD or BG/NBD with covariates
 * one customer at a time, with its gradient and Hessian (covint.h), for
 * data with many distinct covariate vectors.
 *
 * covar.c's sk_cov_nll sums each group of customers that share a
 * covariate vector with the plain model's own code and indexes; with a
 * continuous covariate every group is one customer, and that code then
 * recomputes per customer what depends on x alone.  Here the patterns
 * are taken in order of x, the kernel (pnbdcov.c, bgcov.c) keeps its
 * terms of x from one customer to the next, and each customer costs her
 * own terms only.
 *
 * The chain rule.  Customer i's log-parameters phi_i are linear in the
 * fit's theta = (log r, log alpha0, log s|a0, log beta0|b0, g...)
 * (covar.h; FH 2007): phi_i = theta[0..3] + sum_b D_b (g_b'z_b) over
 * the blocks of covint.h's sk_covmap, with the directions D_p = (0, -1,
 * 0, 0) for both models and, for the dropout, (0, 0, 0, -1) (Pareto/NBD:
 * beta_i = beta0 exp(-g_d'z)), (0, 0, 1, 1) (shared BG/NBD: a_i and b_i
 * both times exp(g_d'z)) or (0, 0, 1, 0) and (0, 0, 0, 1) (separate
 * BG/NBD: a_i = a0 exp(g_a'z), b_i = b0 exp(g_b'z)).  So with J_i = d
 * phi_i / d theta,
 *   d LL / d theta = sum_i J_i' d l_i / d phi,
 *   d2 LL / d theta2 = sum_i J_i' (d2 l_i / d phi2) J_i
 * (no second-derivative term of phi: it is linear), which the loop below
 * accumulates from the kernel's 4 x 4 Hessian with the customer's z.
 *
 * The sums are made per fixed chunk of patterns and added in chunk
 * order, so the result does not depend on the number of threads. */
#include "covint.h"
#include "record/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define CHUNK 2048
/* Fewer patterns than this are summed on one thread (waking a second
 * costs more than it saves). */
#define PAR_MIN 20000
#define ZCOPY_MIN (1 << 20)

struct covlik {
	const struct sk_tmodel *tm;
	const struct sk_cl_kernel *k;
	struct sk_covmap map;
	int kp, kd, npar;
	int pnbd;
	const struct sk_rfm *pat;	/* by x */
	struct sk_rfm *owned;		/* the sorted copy, when pat was not */
	size_t n;
	const double *z;		/* the vectors: rows of kp + kd */
	size_t nz;
	double *zp;			/* or each pattern's own row, in pattern order */
	size_t nch, nacc;		/* chunks; doubles per chunk's sums */
	double *acc;
	void **ws;			/* per thread */
	int nws;
};

static int cmp_x(const void *pa, const void *pb)
{
	const struct sk_rfm *a = pa, *b = pb;
	return (a->x > b->x) - (a->x < b->x);
}

void *sk_covlik_new(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		    const struct sk_rfm *pat, size_t n)
{
	struct covlik *c = sk_xcalloc(1, sizeof *c);
	c->tm = tm;
	c->pnbd = tm == &sk_pnbd;
	c->k = c->pnbd ? &sk_pnbd_clk : &sk_bgnbd_clk;
	c->kp = cd->spec.kp;
	c->kd = cd->spec.kd;
	sk_covmap_init(&c->map, tm, &cd->spec);
	c->npar = 4 + c->map.nc;
	c->z = cd->z;
	c->nz = cd->nz;
	c->n = n;
	int sorted = 1;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = pat[i - 1].x <= pat[i].x;
	if (sorted) {
		c->pat = pat;
	} else {
		c->owned = sk_xmalloc(n * sizeof *c->owned);
		memcpy(c->owned, pat, n * sizeof *pat);
		qsort(c->owned, n, sizeof *c->owned, cmp_x);
		c->pat = c->owned;
	}
	size_t kz = (size_t)(c->kp + c->kd);
	for (size_t i = 0; i < n; i++)
		if (c->pat[i].cov >= cd->nz)
			sk_die(SK_EX_SOFTWARE, "covariate index %u out of range",
			       (unsigned)c->pat[i].cov);
	/* Patterns go by x, their vectors' indices at random: with a
	 * continuous column the table of vectors outgrows the caches and
	 * every customer's row was a cache miss (half of the BG/NBD's
	 * evaluation, 10^6 customers).  A table beyond ZCOPY_MIN bytes is
	 * copied in pattern order (n rows: 16 MB for two columns and 10^6
	 * customers). */
	if (cd->nz * kz * sizeof *cd->z > ZCOPY_MIN) {
		c->zp = sk_xmalloc((n ? n : 1) * kz * sizeof *c->zp);
		for (size_t i = 0; i < n; i++)
			memcpy(c->zp + i * kz, cd->z + (size_t)c->pat[i].cov * kz, kz * sizeof *c->zp);
	}
	c->nch = (n + CHUNK - 1) / CHUNK;
	c->nacc = 1 + (size_t)c->npar + (size_t)c->npar * (size_t)(c->npar + 1) / 2;
	c->acc = sk_xmalloc((c->nch ? c->nch : 1) * c->nacc * sizeof *c->acc);
#ifdef _OPENMP
	c->nws = omp_get_max_threads();
#else
	c->nws = 1;
#endif
	c->ws = sk_xcalloc((size_t)c->nws, sizeof *c->ws);
	return c;
}

void sk_covlik_free(void *ctx)
{
	struct covlik *c = ctx;
	if (!c)
		return;
	for (int i = 0; i < c->nws; i++)
		if (c->ws[i])
			c->k->ws_free(c->ws[i]);
	free(c->ws);
	free(c->acc);
	free(c->zp);
	free(c->owned);
	free(c);
}

/* Chunk ch's sums at theta into acc: ln L, its gradient in theta, the
 * upper triangle of its Hessian (row by row).  -1 when a customer's
 * likelihood could not be evaluated. */
static int sum_chunk(const struct covlik *c, void *ws, const double *theta, const double *par0,
		     int order, size_t ch, double *acc)
{
	/* The sums, and the map they read, in this frame's own arrays:
	 * through acc and c->map the compiler could not tell the stores
	 * from the loads, and reloaded D and the kernel's Hessian after
	 * every += (the stores were half this loop's samples in perf). */
	const struct sk_covmap mm = c->map, *m = &mm;
	int np = c->npar, kz = c->kp + c->kd, nc = m->nc, nb = m->nb;
	size_t lo = ch * CHUNK, hi = lo + CHUNK < c->n ? lo + CHUNK : c->n;
	double sums[1 + SK_FIT_MAXPAR + SK_FIT_MAXPAR * (SK_FIT_MAXPAR + 1) / 2];
	double *gs = sums + 1, *hs = sums + 1 + np;
	memset(sums, 0, c->nacc * sizeof *sums);
	double xprev = -1;
	for (size_t i = lo; i < hi; i++) {
		const struct sk_rfm *p = &c->pat[i];
		if (p->x != xprev) {
			if (c->k->set_x(ws, par0, p->x, order) < 0)
				return -1;
			xprev = p->x;
		}
		const double *z = c->zp ? c->zp + i * (size_t)kz : c->z + (size_t)p->cov * (size_t)kz;
		/* phi_i = theta[0..3] + sum_b D_b g_b'z (covint.h) */
		double e[3] = { 0, 0, 0 }, zj[SK_FIT_MAXPAR];
		for (int j = 0; j < nc; j++) {
			zj[j] = z[m->col[j]];
			e[m->blk[j]] += theta[4 + j] * zj[j];
		}
		double lp[4] = { theta[0], theta[1], theta[2], theta[3] };
		for (int b = 0; b < nb; b++)
			for (int a = 1; a < 4; a++)
				lp[a] += m->D[b][a] * e[b];
		double ip[4] = { par0[0], exp(lp[1]), c->pnbd ? par0[2] : exp(lp[2]), exp(lp[3]) };
		struct sk_cl_out o;
		if (c->k->cust(ws, ip, lp, p->t_x, p->T, order, &o) < 0)
			return -1;
		double w = p->w;
		sums[0] += w * o.l;
		if (order == 0)
			continue;
		/* D_b'g: what a coefficient's z multiplies */
		double gb[3], wz[SK_FIT_MAXPAR];
		for (int b = 0; b < nb; b++)
			gb[b] = m->D[b][1] * o.g[1] + m->D[b][2] * o.g[2] + m->D[b][3] * o.g[3];
		for (int a = 0; a < 4; a++)
			gs[a] += w * o.g[a];
		for (int j = 0; j < nc; j++) {
			wz[j] = w * zj[j];
			gs[4 + j] += wz[j] * gb[m->blk[j]];
		}
		if (order < 2)
			continue;
		/* H D_b, and D_b'H D_c for the pairs of blocks */
		double hD[3][4], sbb[3][3];
		for (int b = 0; b < nb; b++)
			for (int a = 0; a < 4; a++)
				hD[b][a] = m->D[b][1] * o.h[a][1] + m->D[b][2] * o.h[a][2] +
					   m->D[b][3] * o.h[a][3];
		for (int b = 0; b < nb; b++)
			for (int b2 = 0; b2 < nb; b2++)
				sbb[b][b2] = m->D[b][1] * hD[b2][1] + m->D[b][2] * hD[b2][2] +
					     m->D[b][3] * hD[b2][3];
		double *row = hs;
		for (int a = 0; a < 4; a++) {
			for (int b = a; b < 4; b++)
				*row++ += w * o.h[a][b];
			for (int j = 0; j < nc; j++)
				*row++ += wz[j] * hD[m->blk[j]][a];
		}
		for (int i2 = 0; i2 < nc; i2++) {
			const double *s = sbb[m->blk[i2]];
			double zi = zj[i2];
			for (int j = i2; j < nc; j++)
				*row++ += wz[j] * zi * s[m->blk[j]];
		}
	}
	memcpy(acc, sums, c->nacc * sizeof *acc);
	return 0;
}

static double evaluate(const double *theta, double *grad, double *hess, struct covlik *c)
{
	int np = c->npar, order = hess ? 2 : grad ? 1 : 0;
	double par0[4];
	if (sk_theta_par(4, theta, par0) < 0)
		return HUGE_VAL;
	for (int j = 4; j < np; j++)
		if (!isfinite(theta[j]))
			return HUGE_VAL;
	long nch = (long)c->nch;
	int fail = 0;
#ifdef _OPENMP
#pragma omp parallel if (c->n >= PAR_MIN)
#endif
	{
		int t = 0;
#ifdef _OPENMP
		t = omp_get_thread_num();
#endif
		if (!c->ws[t])
			c->ws[t] = c->k->ws_new();
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
		for (long ch = 0; ch < nch; ch++)
			if (sum_chunk(c, c->ws[t], theta, par0, order, (size_t)ch,
				      c->acc + (size_t)ch * c->nacc) < 0) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
				fail = 1;
			}
	}
	if (fail)
		return HUGE_VAL;
	double tot[1 + SK_FIT_MAXPAR + SK_FIT_MAXPAR * (SK_FIT_MAXPAR + 1) / 2] = { 0 };
	size_t nt = order == 2 ? c->nacc : order == 1 ? 1 + (size_t)np : 1;
	for (long ch = 0; ch < nch; ch++)
		for (size_t i = 0; i < nt; i++)
			tot[i] += c->acc[(size_t)ch * c->nacc + i];
	for (size_t i = 0; i < nt; i++)
		if (!isfinite(tot[i]))
			return HUGE_VAL;
	if (grad)
		for (int a = 0; a < np; a++)
			grad[a] = -tot[1 + a];
	if (hess) {
		const double *h = tot + 1 + np;
		for (int a = 0; a < np; a++)
			for (int b = a; b < np; b++) {
				hess[a * SK_FIT_MAXPAR + b] = hess[b * SK_FIT_MAXPAR + a] = -*h;
				h++;
			}
	}
	return -tot[0];
}

double sk_covlik_hess(const double *theta, double *grad, double *hess, void *ctx)
{
	return evaluate(theta, grad, hess, ctx);
}

double sk_covlik_nll(const double *theta, double *grad, void *ctx)
{
	return evaluate(theta, grad, NULL, ctx);
}

void sk_cov_p_alive(const struct sk_tmodel *tm, const double *par, const struct sk_covdata *cd,
		    const struct sk_rfm *pat, size_t n, double *pa)
{
	const struct sk_cl_kernel *k = cd && tm == &sk_pnbd ? &sk_pnbd_clk : NULL;
	void *ws = k ? k->ws_new() : NULL;
	for (size_t i = 0; i < n; i++) {
		double ip[4], lp[4];
		const double *pp = sk_cov_rowpar(tm, par, cd, &pat[i], ip);
		struct sk_cl_out o;
		int ok = k && sk_par_ok(pp, 4, DBL_MAX) && pat[i].x >= 0 && pat[i].T >= 0;
		for (int a = 0; ok && a < 4; a++)
			lp[a] = log(pp[a]);
		if (ok && k->set_x(ws, pp, pat[i].x, 0) == 0 &&
		    k->cust(ws, pp, lp, pat[i].t_x, pat[i].T, 0, &o) == 0 && isfinite(o.pa))
			pa[i] = fmin(fmax(o.pa, 0), 1);
		else	/* as p_alive says of parameters it cannot use */
			pa[i] = tm->p_alive(pp, pat[i].x, pat[i].t_x, pat[i].T);
	}
	if (ws)
		k->ws_free(ws);
}
