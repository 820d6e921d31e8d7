/* pnbdidx.c: the Pareto/NBD likelihood from tables over distinct (x, t):
 * the index of a pattern set and one evaluation's table rows and sums,
 * for pnbd.c's fit (pnbdint.h between them).  Notation as at the top of
 * pnbd.c. */
#include "record/util.h"
#include "modelint.h"
#include "pnbdint.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* ---- the likelihood from tables over distinct (x, t) ----
 *
 * In every customer's bracket (FH 2005, eq. for L above)
 *   W = A(x, T) + s I(x, t_x) - s I(x, T),  A(x, T) = (alpha+T)^-m (beta+T)^-s,
 * each term depends on x and one time only.  A million daily customers
 * have ~6e5 distinct (x, t_x, T) but only ~3e4 distinct (x, t) with t a
 * recency or an age, so the 2F1 tails (and their derivatives) are
 * computed once per (x, t) per evaluation, and each pattern only
 * combines two table rows:
 *   W = A' + B,  A' = A(x, T) - s I(x, T) = A (1 - q),  B = s I(x, t_x),
 * q = s I(x, T) / A(x, T).  Both terms are positive (0 < q <= 1 because
 * (alpha+u)^-m <= (alpha+T)^-m for u >= T), so W = A' + B never cancels,
 * and 1 - q = -expm1(ln q) keeps A' exact even when q is near 1 (t_x
 * near T).  The gradient of ln W is
 *   sigma(-d) d ln A' + sigma(d) d ln B,  d = ln B - ln A',
 * with d ln A' = (d ln A - q d ln(s I(T))) / (1 - q): the same sum as
 * the per-customer form (A dlnA - sI_T dlnI_T + sI_x dlnI_x) / W.
 *
 * For one x, the series S = sum_k (e)_k / (c)_k z^k of every t shares
 * its coefficients (e and c depend on x only; z on t), so they are
 * computed once per x, and each t costs a few multiply-adds per term
 * instead of two divisions. */

static void coefs_reset(struct coefs *cf, double e, double c)
{
	cf->e = e;
	cf->c = c;
	cf->He = cf->Hc = 0;
	cf->n = 0;
}

/* Make 64 more coefficients available; -1 when out of memory. */
static int coefs_extend(struct coefs *cf)
{
	if (cf->n + 64 > cf->cap) {
		int cap = cf->cap ? 2 * cf->cap : 256;
		double *a = sk_malloc(5 * (size_t)cap * sizeof *a);
		if (!a)
			return -1;
		double *old[5] = { cf->C, cf->D, cf->F, cf->G, cf->E };
		for (int i = 0; i < 5; i++)
			if (cf->n)
				memcpy(a + i * (size_t)cap, old[i], cf->n * sizeof *a);
		free(cf->C);
		cf->C = a;
		cf->D = a + cap;
		cf->F = a + 2 * (size_t)cap;
		cf->G = a + 3 * (size_t)cap;
		cf->E = a + 4 * (size_t)cap;
		cf->cap = cap;
	}
	int k = cf->n;
	if (k == 0) {
		cf->C[0] = cf->E[0] = 1;
		cf->D[0] = cf->F[0] = cf->G[0] = 0;
		k = 1;
	}
	for (; k < cf->n + 64; k++) {
		double ic = 1 / (cf->c + k - 1);
		cf->C[k] = cf->C[k - 1] * (cf->e + k - 1) * ic;
		cf->He += 1 / (cf->e + k - 1);
		cf->Hc += ic;
		cf->D[k] = cf->C[k] * cf->He;
		cf->F[k] = cf->C[k] * cf->Hc;
		cf->G[k] = k * cf->C[k];
		cf->E[k] = cf->C[k] * (1 + cf->He + cf->Hc);
	}
	cf->n = k;
	return 0;
}

/* series_S with precomputed coefficients: the same terms and stopping
 * rule (tested every fourth term).  -1 when it did not converge in
 * about SERIES_MAX terms (or no memory). */
static int series_coefs(struct coefs *cf, double z, double omz, int grad, double *lS,
			double *dS)
{
	double p = 1, S = 1, SE = 0, SC = 0, SZ = 0;
	const double tol = 1e-17 * omz, tol2 = tol * omz;
	const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2;
	int k = 0;
	for (;;) {
		if (k + 4 >= cf->n) {
			if (cf->n > SERIES_MAX || coefs_extend(cf) < 0)
				return -1;
		}
		const double *C = cf->C, *D = cf->D, *F = cf->F, *G = cf->G, *E = cf->E;
		/* Terms k+1..k+4 per step (C[k+4] exists while k < kend); the
		 * stopping test every 4th term only adds (smaller) terms. */
		int kend = cf->n - 4;
		/* Four terms at a time, summed pairwise: the powers of z and
		 * the four sums then are short dependency chains. */
		if (grad) {
			for (; k < kend; k += 4) {
				const double *c = C + k, *d = D + k, *f = F + k, *g = G + k;
				double p1 = p * z, p2 = p * z2, p3 = p * z3, p4 = p * z4;
				double tz = g[4] * p3;	/* (k+4) C_{k+4} z^(k+3) */
				SZ += (g[1] * p + g[2] * p1) + (g[3] * p2 + tz);
				S += (c[1] * p1 + c[2] * p2) + (c[3] * p3 + c[4] * p4);
				SE += (d[1] * p1 + d[2] * p2) + (d[3] * p3 + d[4] * p4);
				SC += (f[1] * p1 + f[2] * p2) + (f[3] * p3 + f[4] * p4);
				p = p4;
				if (E[k + 4] * p <= tol * S && tz <= tol2 * SZ)
					goto done;
			}
		} else {
			for (; k < kend; k += 4) {
				const double *c = C + k;
				double p1 = p * z, p2 = p * z2, p3 = p * z3, p4 = p * z4;
				double t = c[4] * p4;
				S += (c[1] * p1 + c[2] * p2) + (c[3] * p3 + t);
				p = p4;
				if (t <= tol * S)
					goto done;
			}
		}
	}
done:
	*lS = log(S);
	if (grad) {
		dS[0] = (SE - SC) / S;
		dS[1] = -SC / S;
		dS[2] = SZ / S;
	}
	return 0;
}

void sk_pnbd_pidx_free(struct pidx *ix)
{
	free(ix->run);
	free(ix->order);
	free(ix->acc);
	free(ix->krank);
	free(ix->ktail);
	free(ix->U);
	free(ix->kx);
	free(ix->kT);
	free(ix->w);
	free(ix->ut);
	free(ix->ka);
	free(ix->kb);
	free(ix->kt);
	memset(ix, 0, sizeof *ix);
}

/* Open-addressing map from a time's bits to its index among the
 * distinct times (no sort of the 10^6 times: ~10^3 distinct). */
struct tmap {
	uint64_t *key;
	uint32_t *val;
	size_t mask, used;
};

#define TMAP_EMPTY UINT64_C(0x7ff8000000000001)	/* a NaN: times are finite */

static size_t tmap_slot(const struct tmap *h, uint64_t b)
{
	uint64_t v = (b ^ (b >> 31)) * 0x9e3779b97f4a7c15u;
	return (size_t)(v >> 20) & h->mask;
}

static int tmap_init(struct tmap *h, size_t cap)
{
	h->key = sk_malloc(cap * sizeof *h->key);
	h->val = sk_malloc(cap * sizeof *h->val);
	h->mask = cap - 1;
	h->used = 0;
	if (!h->key || !h->val)
		return -1;
	for (size_t i = 0; i < cap; i++)
		h->key[i] = TMAP_EMPTY;
	return 0;
}

static void tmap_free(struct tmap *h)
{
	free(h->key);
	free(h->val);
}

/* Index of t, inserting it (with the next index) when new; -1 on no memory. */
static long tmap_get(struct tmap *h, double t)
{
	uint64_t b;
	t += 0.0;	/* -0 -> +0 */
	memcpy(&b, &t, sizeof b);
	for (size_t i = tmap_slot(h, b);; i = (i + 1) & h->mask) {
		if (h->key[i] == b)
			return h->val[i];
		if (h->key[i] == TMAP_EMPTY) {
			if (2 * (h->used + 1) > h->mask + 1) {
				/* grow to keep the load under 1/2, then retry */
				struct tmap g;
				if (tmap_init(&g, 2 * (h->mask + 1)) < 0) {
					tmap_free(&g);
					return -1;
				}
				for (size_t j = 0; j <= h->mask; j++) {
					if (h->key[j] == TMAP_EMPTY)
						continue;
					size_t s = tmap_slot(&g, h->key[j]);
					while (g.key[s] != TMAP_EMPTY)
						s = (s + 1) & g.mask;
					g.key[s] = h->key[j];
					g.val[s] = h->val[j];
				}
				g.used = h->used;
				tmap_free(h);
				*h = g;
				return tmap_get(h, t);
			}
			h->key[i] = b;
			h->val[i] = (uint32_t)h->used;
			return (long)h->used++;
		}
	}
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return (a > b) - (a < b);
}

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return (a > b) - (a < b);
}

/* Time of the tail at recency: t_x clamped to [0, T], 0 when x = 0
 * (as in bracket()). */
static double eff_tx(const struct sk_rfm *p)
{
	return p->x > 0 ? fmin(fmax(p->t_x, 0), p->T) : 0;
}

/* Build the index; 0, or -1 (no memory, non-finite or negative data, or
 * more keys than 32 bits hold) with ix left empty. */
int sk_pnbd_pidx_build(struct pidx *ix, const struct sk_rfm *pat, size_t n)
{
	memset(ix, 0, sizeof *ix);
	if (n == 0 || n > UINT32_MAX / 4)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (!isfinite(pat[k].x) || !isfinite(pat[k].t_x) || !isfinite(pat[k].T) ||
		    !isfinite(pat[k].w) || pat[k].x < 0 || pat[k].T < 0)
			return -1;
	struct tmap h;
	uint32_t *touch = NULL, *mark = NULL;
	unsigned char *tflag = NULL;
	double *uval = NULL;
	int rc = -1;
	ix->n = n;
	ix->kx = sk_malloc(n * sizeof *ix->kx);
	ix->kT = sk_malloc(n * sizeof *ix->kT);
	ix->w = sk_malloc(n * sizeof *ix->w);
	if (tmap_init(&h, 4096) < 0 || !ix->kx || !ix->kT || !ix->w)
		goto out;
	for (size_t k = 0; k < n; k++)
		ix->w[k] = pat[k].w;
	/* First pass: each time's index in order of appearance. */
	for (size_t k = 0; k < n; k++) {
		double tx = eff_tx(&pat[k]);
		long iT = tmap_get(&h, pat[k].T), ixx = tx < pat[k].T ? tmap_get(&h, tx) : 0;
		if (iT < 0 || ixx < 0)
			goto out;
		ix->kT[k] = (uint32_t)iT;
		ix->kx[k] = tx < pat[k].T ? (uint32_t)ixx : NOKEY;
	}
	/* Sort the distinct times; renumber to ranks. */
	size_t nU = h.used;
	uval = sk_malloc(nU * sizeof *uval);
	ix->U = sk_malloc(nU * sizeof *ix->U);
	uint32_t *rank = sk_malloc(nU * sizeof *rank);
	if (!uval || !ix->U || !rank) {
		free(rank);
		goto out;
	}
	for (size_t i = 0; i <= h.mask; i++)
		if (h.key[i] != TMAP_EMPTY)
			memcpy(&uval[h.val[i]], &h.key[i], sizeof(double));
	memcpy(ix->U, uval, nU * sizeof *uval);
	qsort(ix->U, nU, sizeof *ix->U, cmp_double);
	for (size_t i = 0; i < nU; i++) {
		size_t lo = 0, hi = nU;	/* U[lo] <= uval[i] < U[hi] */
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (ix->U[mid] <= uval[i])
				lo = mid;
			else
				hi = mid;
		}
		rank[i] = (uint32_t)lo;
	}
	for (size_t k = 0; k < n; k++) {
		ix->kT[k] = rank[ix->kT[k]];
		if (ix->kx[k] != NOKEY)
			ix->kx[k] = rank[ix->kx[k]];
	}
	free(rank);
	ix->nU = nU;
	/* Second pass: per run of equal x, its distinct times in order. */
	mark = sk_malloc(nU * sizeof *mark);
	tflag = sk_calloc(nU, 1);
	touch = sk_malloc(nU * sizeof *touch);
	size_t capk = 1024, capr = 64;
	ix->krank = sk_malloc(capk * sizeof *ix->krank);
	ix->ktail = sk_malloc(capk);
	ix->run = sk_malloc(capr * sizeof *ix->run);
	if (!mark || !tflag || !touch || !ix->krank || !ix->ktail || !ix->run)
		goto out;
	for (size_t i = 0; i < nU; i++)
		mark[i] = NOKEY;
	size_t split = n / 8 > RUN_MIN_SPLIT ? n / 8 : RUN_MIN_SPLIT;
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		size_t nt = 0;
		for (hi = lo; hi < n && pat[hi].x == pat[lo].x && hi - lo < split; hi++) {
			uint32_t a = ix->kT[hi], b = ix->kx[hi];
			if (mark[a] == NOKEY) {
				mark[a] = 0;
				touch[nt++] = a;
			}
			if (b != NOKEY) {
				tflag[a] = tflag[b] = 1;
				if (mark[b] == NOKEY) {
					mark[b] = 0;
					touch[nt++] = b;
				}
			}
		}
		qsort(touch, nt, sizeof *touch, cmp_u32);
		if (ix->nkey + nt > capk || ix->nrun == capr) {
			while (ix->nkey + nt > capk)
				capk *= 2;
			capr *= 2;
			void *a = sk_realloc(ix->krank, capk * sizeof *ix->krank);
			if (a)
				ix->krank = a;
			void *b = sk_realloc(ix->ktail, capk);
			if (b)
				ix->ktail = b;
			void *c = sk_realloc(ix->run, capr * sizeof *ix->run);
			if (c)
				ix->run = c;
			if (!a || !b || !c || ix->nkey + nt >= NOKEY)
				goto out;
		}
		struct prun *r = &ix->run[ix->nrun++];
		r->x = pat[lo].x;
		r->plo = lo;
		r->phi = hi;
		r->klo = ix->nkey;
		for (size_t j = 0; j < nt; j++) {
			mark[touch[j]] = (uint32_t)(ix->nkey + j);
			ix->krank[ix->nkey + j] = touch[j];
			ix->ktail[ix->nkey + j] = tflag[touch[j]];
		}
		ix->nkey += nt;
		r->khi = ix->nkey;
		for (size_t k = lo; k < hi; k++) {
			ix->kT[k] = mark[ix->kT[k]];
			if (ix->kx[k] != NOKEY)
				ix->kx[k] = mark[ix->kx[k]];
		}
		for (size_t j = 0; j < nt; j++) {
			mark[touch[j]] = NOKEY;
			tflag[touch[j]] = 0;
		}
	}
	ix->order = sk_malloc(ix->nrun * sizeof *ix->order);
	ix->acc = sk_malloc(ix->nrun * sizeof *ix->acc);
	if (!ix->order || !ix->acc)
		goto out;
	/* Longest run first (ties by position, so the order is fixed):
	 * sort (UINT32_MAX - length) << 32 | position. */
	uint64_t *ord = sk_malloc(ix->nrun * sizeof *ord);
	if (!ord)
		goto out;
	for (size_t i = 0; i < ix->nrun; i++)
		ord[i] = (uint64_t)(UINT32_MAX - (ix->run[i].phi - ix->run[i].plo)) << 32 | i;
	qsort(ord, ix->nrun, sizeof *ord, cmp_u64);
	for (size_t i = 0; i < ix->nrun; i++)
		ix->order[i] = (uint32_t)ord[i];
	free(ord);
	ix->ut = sk_malloc(4 * nU * sizeof *ix->ut);
	ix->ka = sk_malloc(ix->nkey * sizeof *ix->ka);
	ix->kb = sk_malloc(ix->nkey * sizeof *ix->kb);
	ix->kt = sk_malloc(ix->nkey * sizeof *ix->kt);
	if (!ix->ut || !ix->ka || !ix->kb || !ix->kt)
		goto out;
	rc = 0;
out:
	tmap_free(&h);
	free(uval);
	free(mark);
	free(tflag);
	free(touch);
	if (rc < 0)
		sk_pnbd_pidx_free(ix);
	return rc;
}

/* The table rows of one run (one x): 0, or -1 when a tail failed. */
int sk_pnbd_run_keys(const struct parterms *p, struct pidx *ix, const struct prun *run,
		    int grad, struct coefs *cf)
{
	double r = p->r, alpha = p->alpha, s = p->s, beta = p->beta, x = run->x;
	double m = r + x, n = s + 1, lK = log(m + n - 1);
	int abig = alpha >= beta;
	double e = abig ? m : n, o = abig ? n : m;
	struct xterms xt;
	sk_pnbd_set_xterms(&xt, p, x, grad);
	/* d(constant)/d(r, alpha, s, beta), folded into every row */
	double cg[4] = { xt.dr, r / alpha, p->lbeta, s / beta };
	double hi = -HUGE_VAL, lo = HUGE_VAL;
	coefs_reset(cf, e, e + o);
	for (size_t k = run->klo; k < run->khi; k++) {
		const double *u = ix->ut + 4 * (size_t)ix->krank[k];
		double la = u[0], lb = u[1], ia = u[2], ib = u[3];
		double t = ix->U[ix->krank[k]];
		struct ka *ka = &ix->ka[k];
		struct kt *kt = &ix->kt[k];
		struct ka *kb = &ix->kb[k];
		double lA = -m * la - s * lb;
		double gA[4] = { -la, -m * ia, -lb, -s * ib };
		ka->v = lA + xt.c;
		for (int i = 0; i < 4; i++)
			ka->g[i] = gA[i] + cg[i];
		if (!ix->ktail[k]) {
			memset(kt, 0, sizeof *kt);	/* never read */
			memset(kb, 0, sizeof *kb);
			continue;
		}
		double z, omz, lS, dS[3];
		sk_pnbd_tail_z(alpha, beta, t, ia, ib, &z, &omz);
		int st = -1;
		if (z < 0.995)
			st = series_coefs(cf, z, omz, grad, &lS, dS);
		if (st < 0)
			st = sk_pnbd_far_S(e, o, z, omz, &lS, grad ? dS : NULL);
		if (st < 0)
			return -1;
		struct tail tl = { 0, { 0, 0, 0, 0 } };
		sk_pnbd_tail_finish(m, n, abig, la, lb, ia, ib, omz, lK, lS, grad ? dS : NULL, &tl);
		/* B = s I: d ln B / ds = 1/s + d ln I / dn */
		double lB = p->ls + tl.l;
		double gB[4] = { tl.d[0], tl.d[1], 1 / s + tl.d[2], tl.d[3] };
		kb->v = lB + xt.c;
		for (int i = 0; i < 4; i++)
			kb->g[i] = gB[i] + cg[i];
		/* 1 - q from expm1: full precision even when q ~ 1; and q
		 * from it, its absolute error (1e-16) harmless in the gradient.
		 * omq <= 0 only by rounding (q = 1): then A' ~ 0 and W = B. */
		double omq = -expm1(lB - lA), q = 1 - omq;
		kt->v = lA + xt.c;	/* ln A' = this + ln omq (below) */
		kt->off = omq;		/* (kept here until then) */
		for (int i = 0; i < 4; i++)
			kt->g[i] = omq > 0 ? (gA[i] - q * gB[i]) / omq + cg[i] : 0;
		lo = fmin(lo, fmin(kt->v, kb->v));
		hi = fmax(hi, fmax(kt->v, kb->v));
	}
	/* Linear scale for the run when it fits (see struct kt).  The span
	 * is measured on ln A >= ln A': when A' is far below A (omq tiny),
	 * A' is also negligible next to B >= q A in W = A' + B. */
	int lin = hi - lo <= RUN_SPAN;
	for (size_t k = run->klo; k < run->khi; k++) {
		if (!ix->ktail[k])
			continue;
		struct kt *kt = &ix->kt[k];
		double omq = kt->off;
		if (lin) {
			kt->v = omq > 0 ? omq * exp(kt->v - hi) : 0;
			ix->kb[k].v = exp(ix->kb[k].v - hi);
			kt->off = hi;
		} else {
			kt->v = omq > 0 ? kt->v + log(omq) : -HUGE_VAL;
			kt->off = -HUGE_VAL;
		}
	}
	return 0;
}

/* Patterns lo..hi-1 from the table rows. */
void sk_pnbd_sum_chunk_idx(const struct pidx *ix, size_t lo, size_t hi, int grad, double *acc)
{
	const uint32_t *kx = ix->kx, *kT = ix->kT;
	double sum[5] = { 0 };
	for (size_t k = lo; k < hi; k++) {
		double w = ix->w[k], wa, wb;
		if (kx[k] == NOKEY) {
			const struct ka *a = &ix->ka[kT[k]];
			sum[0] += w * a->v;
			if (grad)
				for (int i = 0; i < 4; i++)
					sum[1 + i] += w * a->g[i];
			continue;
		}
		const struct kt *a = &ix->kt[kT[k]];
		const struct ka *b = &ix->kb[kx[k]];
		if (a->off > -HUGE_VAL) {
			/* W = A' + B in the run's scale: one logarithm per
			 * pattern, and the rounding of the sum costs at most
			 * ~1e-16 absolute in ln W (as log1p would). */
			double W = a->v + b->v;
			sum[0] += w * (a->off + log(W));
			if (!grad)
				continue;
			double iW = 1 / W;
			wa = a->v * iW;
			wb = b->v * iW;
		} else {
			/* ln W = sk_logaddexp(ln A', ln B); weights sigma(-d), sigma(d) */
			double d = b->v - a->v;
			double ed = exp(-fabs(d));	/* 0 when A' = 0 (d = inf) */
			sum[0] += w * (fmax(a->v, b->v) + log1p(ed));
			if (!grad)
				continue;
			double big = 1 / (1 + ed), small = ed * big;
			wa = d > 0 ? small : big;
			wb = d > 0 ? big : small;
		}
		for (int i = 0; i < 4; i++)
			sum[1 + i] += w * (wa * a->g[i] + wb * b->g[i]);
	}
	memcpy(acc, sum, sizeof sum);
}
