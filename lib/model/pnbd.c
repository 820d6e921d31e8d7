/* pnbd.c: the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987,
 * "Counting your customers: who are they and what will they do next?",
 * Management Science 33(1) 1-24; below "SMC 1987"), in the form of
 * Fader & Hardie 2005, "A note on deriving the Pareto/NBD model and
 * related expressions" (brucehardie.com note 009; below "FH 2005").
 *
 * While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha);
 * her lifetime is exponential with rate mu ~ Gamma(s, beta).
 *
 * The likelihood (FH 2005; the note's equation numbers are not quoted
 * because we could not check them against the note) is
 *   L = Gamma(r+x) alpha^r beta^s / Gamma(r)
 *       * [ (alpha+T)^-(r+x) (beta+T)^-s + s (I(t_x) - I(T)) ],
 *   I(t) = int_t^inf (alpha+u)^-(r+x) (beta+u)^-(s+1) du,
 * where s I(t) is FH 2005's hypergeometric term "A0" (their two cases
 * alpha >= beta and alpha < beta).  We evaluate
 *   I(t) = (alpha+t)^-m (beta+t)^-n (min(alpha,beta)+t) S / K,
 *   S = 2F1(e, 1; m+n; z) = sum_k (e)_k / (m+n)_k z^k,
 * m = r+x, n = s+1, K = r+s+x, z = |alpha-beta| / (max(alpha,beta)+t),
 * e = m when alpha >= beta, else n.  This is FH 2005's 2F1 after Euler's
 * transformation: every term is positive and at most the one before, so
 * the sum neither overflows nor cancels, and ln I needs no power of
 * (alpha+t) that could overflow (customers with x in the hundreds).  The
 * derivatives of S in its parameters are summed along with it (forward
 * differentiation of the series), so the gradient is analytic.  For z
 * near 1 (rates very unequal) the series converges slowly, and S is
 * integrated numerically instead, from its Euler integral
 *   S = K int_0^inf exp(-(o-1) y) (z + (1-z) e^y)^-e dy,  o = m + n - e.
 *
 * At scale (10^6 customers of daily data: ~6e5 distinct (x, t_x, T) but
 * only ~3e4 distinct (x, t)), the fit computes each tail once per
 * distinct (x, t) and evaluation, with the series coefficients shared by
 * all t of one x, and combines two table rows per pattern (see "the
 * likelihood from tables" below); scoring takes the tails of P(alive)
 * from a per-thread cache, and E[Y | alive] per (x, T).
 *
 * Predictions never return NaN or infinity: invalid arguments give 0 and
 * recency is clamped to [0, T] (and taken as 0 when x = 0). */
#include "record/util.h"
#include "modelint.h"
#include "pnbdint.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

static double logaddexp(double u, double v)
{
	double hi = fmax(u, v), lo = fmin(u, v);
	if (hi == -HUGE_VAL)
		return -HUGE_VAL;
	return hi + log1p(exp(lo - hi));
}

/* expm1(y) / y, = 1 at y = 0. */
static double expm1_ratio(double y)
{
	if (fabs(y) < 1e-8)
		return 1 + 0.5 * y;
	return expm1(y) / y;
}

static int good_par(const double *par, int n)
{
	for (int i = 0; i < n; i++)
		if (!(par[i] > 0) || !isfinite(par[i]))
			return 0;
	return 1;
}

/* ---- the likelihood ---- */

struct parterms {
	double r, alpha, s, beta, lalpha, lbeta, ls, lg_r, ps_r;
};

struct xterms {
	double x, c, dr;
};

static void set_parterms(struct parterms *p, const double *par, int grad)
{
	p->r = par[0];
	p->alpha = par[1];
	p->s = par[2];
	p->beta = par[3];
	p->lalpha = log(p->alpha);
	p->lbeta = log(p->beta);
	p->ls = log(p->s);
	p->lg_r = gsl_sf_lngamma(p->r);
	p->ps_r = grad ? gsl_sf_psi(p->r) : 0;
}

static void set_xterms(struct xterms *t, const struct parterms *p, double x, int grad)
{
	t->x = x;
	/* Gamma(r+x) alpha^r beta^s / Gamma(r): FH 2005's likelihood constant */
	t->c = gsl_sf_lngamma(p->r + x) - p->lg_r + p->r * p->lalpha + p->s * p->lbeta;
	t->dr = grad ? gsl_sf_psi(p->r + x) - p->ps_r + p->lalpha : 0;
}

/* The bracket of the likelihood in logs: lnA for "alive at T", lW for
 * the whole bracket, and the shares needed for P(alive) and gradients. */
struct bracket {
	double lnA, lW, piA, piD, wx, wT;
	struct tail ix, iT;
};

/* One customer's bracket; the tail at t_x is taken from *cache when it
 * holds the same (x, t_x), else computed and stored there.  Without a
 * gradient the tails come from the per-thread cache (tail_cached). */
static int bracket(const struct parterms *p, double x, double t_x, double T, int grad,
		   struct bracket *b, double *cache_key, struct tail *cache)
{
	double m = p->r + x, n = p->s + 1;
	double tx = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	b->lnA = -m * log(p->alpha + T) - p->s * log(p->beta + T);
	b->lW = b->lnA;
	b->piA = 1;
	b->piD = b->wx = b->wT = 0;
	memset(&b->ix, 0, sizeof b->ix);	/* read with weight 0 below */
	memset(&b->iT, 0, sizeof b->iT);
	if (!(tx < T))
		return 0;	/* died in (t_x, T]: impossible when t_x = T */
	if (!grad) {
		double lA;
		if (sk_pnbd_tail_cached(m, p->s, p->alpha, p->beta, tx, &b->ix.l, &lA) < 0 ||
		    sk_pnbd_tail_cached(m, p->s, p->alpha, p->beta, T, &b->iT.l, &lA) < 0)
			return -1;
	} else {
		if (cache && cache_key[0] == x && cache_key[1] == tx) {
			b->ix = *cache;
		} else {
			if (sk_pnbd_log_tail(m, n, p->alpha, p->beta, tx, grad, &b->ix) < 0)
				return -1;
			if (cache) {
				cache_key[0] = x;
				cache_key[1] = tx;
				*cache = b->ix;
			}
		}
		if (sk_pnbd_log_tail(m, n, p->alpha, p->beta, T, grad, &b->iT) < 0)
			return -1;
	}
	double rho = exp(b->iT.l - b->ix.l);
	if (!(rho < 1))
		return 0;	/* rounding made I(t_x) <= I(T): the term is ~0 */
	double lsD = p->ls + b->ix.l + log1p(-rho);
	b->lW = logaddexp(b->lnA, lsD);
	b->piA = exp(b->lnA - b->lW);
	if (!grad)
		return 0;	/* loglik1 and P(alive) need no more */
	b->piD = exp(lsD - b->lW);
	b->wx = exp(p->ls + b->ix.l - b->lW);
	b->wT = exp(p->ls + b->iT.l - b->lW);
	return 0;
}

/* Sum over patterns lo..hi-1 one customer at a time: the fallback when
 * the (x, t) index below cannot be built (no memory, odd input). */
static void sum_chunk(const struct parterms *p, const struct sk_rfm *pat, size_t lo,
		      size_t hi, int grad, double *acc)
{
	struct xterms t = { .x = -1 };
	struct bracket b;
	struct tail cache;
	double key[2] = { -1, -1 };
	double r = p->r, alpha = p->alpha, s = p->s, beta = p->beta;
	/* Local sums, stored once at the end (no false sharing of acc). */
	double sum[5] = { 0 };
	for (size_t k = lo; k < hi; k++) {
		double x = pat[k].x, T = pat[k].T, w = pat[k].w;
		if (x != t.x)
			set_xterms(&t, p, x, grad);
		if (bracket(p, x, pat[k].t_x, T, grad, &b, key, &cache) < 0) {
			sum[0] = -HUGE_VAL;
			break;
		}
		sum[0] += w * (t.c + b.lW);
		if (!grad)
			continue;
		/* d ln L / d(r, alpha, s, beta): the constant, the "alive" term
		 * A = (alpha+T)^-m (beta+T)^-s, and s (I(t_x) - I(T)). */
		double m = r + x;
		const double *dx = b.ix.d, *dT = b.iT.d;
		sum[1] += w * (t.dr - b.piA * log(alpha + T) + b.wx * dx[0] - b.wT * dT[0]);
		sum[2] += w * (r / alpha - b.piA * m / (alpha + T) + b.wx * dx[1] - b.wT * dT[1]);
		sum[3] += w * (p->lbeta - b.piA * log(beta + T) + b.piD / s +
			       b.wx * dx[2] - b.wT * dT[2]);
		sum[4] += w * (s / beta - b.piA * s / (beta + T) + b.wx * dx[3] - b.wT * dT[3]);
	}
	memcpy(acc, sum, sizeof sum);
}

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

/* Series coefficients for one (e, c): C_k = (e)_k / (c)_k, D_k = C_k He_k,
 * F_k = C_k Hc_k (He_k = sum_{j<k} 1/(e+j), Hc_k likewise with c),
 * G_k = k C_k, E_k = C_k (1 + He_k + Hc_k) (for the stopping test). */
struct coefs {
	double *C, *D, *F, *G, *E;
	int n, cap;
	double e, c, He, Hc;
};

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

/* The (x, t) index of a pattern set.  Patterns are grouped in runs of
 * equal x (sorted input gives one run per x, long ones split); each run
 * has its keys, the distinct times its patterns need, in increasing t
 * (so decreasing z: the first key needs the most coefficients).  Per
 * pattern: kT, the key of T, and kx, the key of t_x, or NOKEY when
 * t_x = T (no tail term).  Any order of patterns works; sorted by x it
 * has the fewest keys. */
#define NOKEY UINT32_MAX

struct prun {
	double x;
	size_t klo, khi;	/* its keys */
	size_t plo, phi;	/* its patterns */
};

/* Runs longer than this are split (each piece with its own keys), so
 * that no run is more than an eighth of the work; shorter pieces would
 * repeat too many of the run's ages among them. */
#define RUN_MIN_SPLIT 16384

/* Per key and evaluation, the three roles a key plays (the likelihood
 * constant of x is folded into each: it is common to both terms of W,
 * so it cancels in the weights):
 *   ka: ln A and d ln A, for patterns with t_x = T (no tail term);
 *   kt: A' = A - s I(T) and d ln A', for patterns with t_x < T;
 *   kb: B = s I(t_x) and d ln B.
 * A' and B are stored as exp(ln - off) with one offset per run of x
 * (kt.off) when the run's values span less than RUN_SPAN in logs: then
 * W = A' + B needs one logarithm and no exponential per pattern.  When
 * they span more (extreme parameters met during a search), kt.off is
 * -inf and A', B are kept as logarithms (logaddexp per pattern). */
#define RUN_SPAN 600.0

struct ka {
	double v, g[4];
};

struct kt {
	double v, g[4], off;
};

struct pidx {
	size_t n, nrun, nkey, nU;
	struct prun *run;
	uint32_t *order;	/* runs by decreasing length, for the schedule */
	double (*acc)[5];	/* per run: its sums of one evaluation */
	uint32_t *krank;	/* key -> index of its time in U */
	unsigned char *ktail;	/* key needs the tail I(x, t) */
	double *U;		/* distinct times, increasing */
	uint32_t *kx, *kT;	/* per pattern */
	double *w;		/* per pattern: its weight (streamed, 8 bytes not 32) */
	/* workspace of one evaluation */
	double *ut;		/* per time: ln(alpha+t), ln(beta+t), 1/(alpha+t), 1/(beta+t) */
	struct ka *ka, *kb;
	struct kt *kt;
};

static void pidx_free(struct pidx *ix)
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
static int pidx_build(struct pidx *ix, const struct sk_rfm *pat, size_t n)
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
		pidx_free(ix);
	return rc;
}

/* The table rows of one run (one x): 0, or -1 when a tail failed. */
static int run_keys(const struct parterms *p, struct pidx *ix, const struct prun *run,
		    int grad, struct coefs *cf)
{
	double r = p->r, alpha = p->alpha, s = p->s, beta = p->beta, x = run->x;
	double m = r + x, n = s + 1, lK = log(m + n - 1);
	int abig = alpha >= beta;
	double e = abig ? m : n, o = abig ? n : m;
	struct xterms xt;
	set_xterms(&xt, p, x, grad);
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
			st = sk_pnbd_quad_S(e, o, z, omz, &lS, grad ? dS : NULL);
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
static void sum_chunk_idx(const struct pidx *ix, size_t lo, size_t hi, int grad, double *acc)
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
			/* ln W = logaddexp(ln A', ln B); weights sigma(-d), sigma(d) */
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

#define MAXCHUNK 64
/* Fewer patterns than this are summed on one thread: ~0.3 ms per
 * evaluation, less than what waking and joining threads can cost on
 * busy cores. */
#define PAR_MIN 50000

/* -LL and its gradient in theta from the sums (ln L, d ln L/d par). */
static double finish_nll(const double *tot, int g, const double *par, double *grad)
{
	for (int i = 0; i < (g ? 5 : 1); i++)
		if (!isfinite(tot[i]))
			return HUGE_VAL;
	if (grad)
		for (int i = 0; i < 4; i++)
			grad[i] = -tot[1 + i] * par[i];
	return -tot[0];
}

static double nll_core(const double *theta, double *grad, const struct sk_rfm *pat, size_t n,
		       struct pidx *ix)
{
	double par[4], tot[5] = { 0 };
	for (int i = 0; i < 4; i++) {
		par[i] = exp(theta[i]);
		if (!(par[i] > 0) || !isfinite(par[i]))
			return HUGE_VAL;
	}
	struct parterms p;
	int g = grad != NULL;
	set_parterms(&p, par, g);
	if (!ix) {
		/* Fixed chunks (independent of the thread count) summed in
		 * order: the result is the same on every machine. */
		double acc[MAXCHUNK][5];
		long nch = n > 2000 ? (long)((n + 511) / 512) : 1;
		if (nch > MAXCHUNK)
			nch = MAXCHUNK;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (nch > 1)
#endif
		for (long c = 0; c < nch; c++) {
			size_t lo = n * (size_t)c / (size_t)nch;
			size_t hi = n * (size_t)(c + 1) / (size_t)nch;
			sum_chunk(&p, pat, lo, hi, g, acc[c]);
		}
		for (long c = 0; c < nch; c++)
			for (int i = 0; i < 5; i++)
				tot[i] += acc[c][i];
		return finish_nll(tot, g, par, grad);
	}
	for (size_t j = 0; j < ix->nU; j++) {
		double *u = ix->ut + 4 * j;
		u[0] = log(p.alpha + ix->U[j]);
		u[1] = log(p.beta + ix->U[j]);
		u[2] = 1 / (p.alpha + ix->U[j]);
		u[3] = 1 / (p.beta + ix->U[j]);
	}
	/* One pass: each run's table rows, then at once (while they are in
	 * cache) its patterns.  One barrier per evaluation, which matters
	 * when other work shares the cores; small sets stay on one thread.
	 * Each run's sums are its own, added up in run order below, so the
	 * result does not depend on the number of threads. */
	long nrun = (long)ix->nrun;
#ifdef _OPENMP
#pragma omp parallel if (n >= PAR_MIN)
#endif
	{
		struct coefs cf = { 0 };
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
		for (long i = 0; i < nrun; i++) {
			uint32_t u = ix->order[i];
			const struct prun *run = &ix->run[u];
			if (run_keys(&p, ix, run, g, &cf) < 0) {
				/* a tail failed: no value */
				static const double none[5] = { -HUGE_VAL, 0, 0, 0, 0 };
				memcpy(ix->acc[u], none, sizeof none);
			} else
				sum_chunk_idx(ix, run->plo, run->phi, g, ix->acc[u]);
		}
		free(cf.C);
	}
	for (long i = 0; i < nrun; i++)
		for (int j = 0; j < 5; j++)
			tot[j] += ix->acc[i][j];
	return finish_nll(tot, g, par, grad);
}

/* Negative log-likelihood in theta = log(r, alpha, s, beta), analytic
 * gradient in theta.  ctx is a struct sk_rfm_set (best sorted by x, as
 * sk_rfm_compress leaves it).  The (x, t) index is built per call; the
 * fit builds it once (struct pfit below). */
double sk_pnbd_nll(const double *theta, double *grad, void *ctx)
{
	const struct sk_rfm_set *d = ctx;
	struct pidx ix;
	int have = pidx_build(&ix, d->pat, d->n) == 0;
	double v = nll_core(theta, grad, d->pat, d->n, have ? &ix : NULL);
	if (have)
		pidx_free(&ix);
	return v;
}

/* The fit's context: the patterns and their index, built once, and the
 * last evaluation.  The index holds the evaluation's workspace, so calls
 * must not overlap (the optimiser calls one at a time). */
struct pfit {
	const struct sk_rfm *pat;
	size_t n;
	struct pidx ix;
	int have, last_ok;
	double last_th[4], last_v, last_g[4];
};

/* GSL's BFGS line search asks for the value at a trial point and, when
 * it accepts the point, for the gradient there (a second evaluation of
 * the same point); the Newton polish starts where BFGS stopped.  So the
 * gradient is always computed (a quarter more than the value alone) and
 * the last point remembered: about a third fewer evaluations per fit.
 * The function is deterministic, so a repeat returns the same numbers. */
static double pfit_nll(const double *theta, double *grad, void *ctx)
{
	struct pfit *f = ctx;
	if (!f->last_ok || memcmp(theta, f->last_th, sizeof f->last_th) != 0) {
		f->last_v = nll_core(theta, f->last_g, f->pat, f->n, f->have ? &f->ix : NULL);
		if (!isfinite(f->last_v))	/* no gradient there: give 0, not stale */
			memset(f->last_g, 0, sizeof f->last_g);
		memcpy(f->last_th, theta, sizeof f->last_th);
		f->last_ok = 1;
	}
	if (grad)
		memcpy(grad, f->last_g, sizeof f->last_g);
	return f->last_v;
}

static double loglik1(const double *par, double x, double t_x, double T)
{
	if (!good_par(par, 4) || x < 0 || T < 0)
		return -HUGE_VAL;
	struct parterms p;
	struct xterms t;
	struct bracket b;
	set_parterms(&p, par, 0);
	set_xterms(&t, &p, x, 0);
	if (bracket(&p, x, t_x, T, 0, &b, NULL, NULL) < 0)
		return -HUGE_VAL;
	return t.c + b.lW;
}

static int fit(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	       size_t errlen)
{
	size_t m;
	double nobs;
	struct sk_rfm *owned;
	const struct sk_rfm *c = sk_rfm_compressed(pat, n, &m, &nobs, &owned, err, errlen);
	if (!c)
		return -1;
	struct pfit d = { .pat = c, .n = m };
	d.have = pidx_build(&d.ix, c, m) == 0;
	double sx = 0, sT = 0, sw = 0;
	for (size_t i = 0; i < m; i++) {
		sx += c[i].w * c[i].x;
		sT += c[i].w * c[i].T;
		sw += c[i].w;
	}
	/* Start with mean purchase rate r/alpha = x/T and the lifetime scale
	 * beta of the order of the observation window (s = 1, beta = mean T);
	 * two other starts in case the first fails. */
	double scale = sT > 0 ? sT / sx : 1, meanT = sT > 0 ? sT / sw : 1;
	double starts[3][4] = {
		{ 1, scale, 1, meanT },
		{ 0.5, 0.5 * scale, 0.5, 0.5 * meanT },
		{ 1, 1, 1, 1 },
	};
	int rc = sk_tmodel_fit_run(4, pfit_nll, &d, 3, &starts[0][0], nobs, out, err, errlen);
	if (d.have)
		pidx_free(&d.ix);
	free(owned);
	/* Dropout rates mu ~ Gamma(s, beta) have a coefficient of variation
	 * of 1/sqrt(s).  When the data show no spread in them, the likelihood
	 * keeps rising as s and beta grow together towards a common rate
	 * s/beta; the fit stops somewhere along that ridge. */
	if (rc == 0 && out->par[2] > 1e3)
		sk_warn("Pareto/NBD: s = %.4g: the dropout rates hardly differ between "
			"customers (all near s/beta = %.4g); s and beta are a limit, not "
			"estimates, and their standard errors mean nothing",
			out->par[2], out->par[2] / out->par[3]);
	return rc;
}

/* ---- predictions ---- */

/* P(alive | x, t_x, T) (SMC 1987; FH 2005, P(alive) section): the share
 * of the "alive at T" term A in the likelihood bracket, by Bayes' theorem:
 *   1 / (1 + s I(t_x) (1 - I(T)/I(t_x)) / A).
 * Scoring calls this for every pattern, so the tails come from the
 * per-thread cache and 1 - I(T)/I(t_x) from expm1 (exact also when t_x
 * is close to T); the same value as bracket()'s piA. */
static double p_alive(const double *par, double x, double t_x, double T)
{
	if (!good_par(par, 4) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	double tx = x > 0 ? fmin(fmax(t_x, 0), T) : 0, lx, lT;
	if (!(tx < T))
		return 1;	/* no purchase-free time since t_x: surely alive */
	double m = r + x, lA, lAx;
	if (sk_pnbd_tail_cached(m, s, alpha, beta, tx, &lx, &lAx) < 0 ||
	    sk_pnbd_tail_cached(m, s, alpha, beta, T, &lT, &lA) < 0)
		return 0;
	double omr = -expm1(lT - lx);
	if (!(omr > 0))
		return 1;	/* rounding made I(t_x) <= I(T): the death term is ~0 */
	/* v = death term / A; exp overflowing to inf gives P = 0, right */
	double e = lx - lA, v = e < 700 ? s * omr * exp(e) : exp(log(s * omr) + e);
	double pa = 1 / (1 + v);
	return isfinite(pa) ? fmin(fmax(pa, 0), 1) : 0;
}

/* beta_T (1 - (beta_T/(beta_T+t))^(s-1)) / (s-1), written with expm1 so
 * that s = 1 (where it becomes beta_T log(1 + t/beta_T)) is not 0/0. */
static double life_factor(double s, double beta_T, double t)
{
	double lu = -log1p(t / beta_T);	/* log(beta_T / (beta_T + t)) */
	return beta_T * -lu * expm1_ratio((s - 1) * lu);
}

/* E[Y(t) | alive at T, x, T]: given alive, lambda ~ Gamma(r+x, alpha+T)
 * and mu ~ Gamma(s, beta+T) (SMC 1987, section 4; FH 2005, conditional
 * expectation, the factor multiplying P(alive)):
 *   (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)],
 * and at s = 1 its limit (r+x)(beta+T)/(alpha+T) ln((beta+T+t)/(beta+T))
 * (life_factor handles both).  It does not depend on t_x, so scoring
 * computes it once per (x, T) (model.h: expected = p_alive x this). */
static double expected_alive(const double *par, double t, double x, double T)
{
	if (!good_par(par, 4) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	double v = (r + x) / (alpha + T) * life_factor(s, beta + T, t);
	return isfinite(v) && v >= 0 ? v : 0;
}

/* E[Y(t) | x, t_x, T] (SMC 1987; FH 2005, conditional expectation):
 *   (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive). */
static double expected(const double *par, double t, double x, double t_x, double T)
{
	double v = p_alive(par, x, t_x, T) * expected_alive(par, t, x, T);
	return isfinite(v) ? v : 0;
}

/* E[X(t)] (SMC 1987; FH 2005, mean of the model):
 *   r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]. */
static double expected_new(const double *par, double t)
{
	if (!good_par(par, 4) || !(t > 0))
		return 0;
	double v = par[0] / par[1] * life_factor(par[2], par[3], t);
	return isfinite(v) ? v : 0;
}

struct pmf_int {
	double c0, k, r, alpha, s, beta;
};

static void pmf_f(double u, double *f, void *vctx)
{
	const struct pmf_int *c = vctx;
	double l = c->c0 - (c->r + c->k) * log(c->alpha + u) - (c->s + 1) * log(c->beta + u);
	if (c->k > 0)
		l += c->k * log(u);
	f[0] = exp(l);
}

/* P(X(t) = k) for a new customer.  Conditioning on the death time tau:
 *   P = NB(k; r, alpha/(alpha+t)) (beta/(beta+t))^s
 *       + int_0^t NB(k; r, alpha/(alpha+tau)) s beta^s (beta+tau)^-(s+1) dtau
 * (the integral representation from which Fader & Hardie's note 012,
 * "Deriving an expression for P(X(t) = x) under the Pareto/NBD model",
 * derives its closed form).  The 2F1 closed form needs differences of hypergeometric
 * terms that cancel for large k, so the integral is evaluated by adaptive
 * Gauss-Kronrod quadrature (relative accuracy 1e-10) instead. */
static double pmf(const double *par, double t, int k)
{
	if (!good_par(par, 4) || k < 0 || !(t >= 0))
		return 0;
	if (t == 0)
		return k == 0 ? 1 : 0;
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	double lnbc = gsl_sf_lngamma(r + k) - gsl_sf_lngamma(r) - gsl_sf_lngamma(k + 1.0);
	double p = exp(lnbc + r * log(alpha / (alpha + t)) + k * log(t / (alpha + t)) +
		       s * log(beta / (beta + t)));
	struct pmf_int c = { lnbc + r * log(alpha) + log(s) + s * log(beta), k, r, alpha, s, beta };
	double q = 0;
	if (sk_quad(pmf_f, &c, 1, 0, t, 1e-10, &q) >= 0 && isfinite(q))
		p += q;
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

struct disc_int {
	double s, z;
};

/* exp((1-s) v - z (e^v - 1)) on v = u / (1 - u): the substituted
 * integrand of h below (1 + w = e^v).  Underflows cleanly to 0. */
static void disc_f(double u, double *f, void *vctx)
{
	const struct disc_int *c = vctx;
	double v = u / (1 - u);
	f[0] = exp((1 - c->s) * v - c->z * expm1(v)) / ((1 - u) * (1 - u));
}

/* int_0^inf exp(-delta t) ((beta+T) / (beta+T+t))^s dt: the discounted
 * survival of a customer alive at T.  With y = beta+T and z = delta y it
 * is y h, h = int_0^inf e^(-z w) (1+w)^-s dw = U(1, 2-s; z)
 *   = z^(s-1) U(s, s; z)   (Kummer's transformation),
 * so y h = (beta+T)^s delta^(s-1) U(s, s; delta(beta+T)), the factor of
 * FHL 2005 "RFM and CLV" eq. 2.  We do not call gsl_sf_hyperg_U: it
 * overflows for large s (U(1000, 1000; 0.1) = inf although y h is about
 * y/(s-1)) and reports that through GSL's error handler, which aborts by
 * default and cannot be switched off safely from the OpenMP loops that
 * call dert.  h is integrated by adaptive Gauss-Kronrod instead
 * (relative accuracy 1e-11); results for the last few (s, y, delta) are
 * kept per thread, since customers share T. */
#define DISC_CACHE 1024
static double disc_survival(double s, double beta_T, double delta)
{
	static _Thread_local struct {
		double s, y, delta, G;
	} cache[DISC_CACHE];
	uint64_t bits;
	memcpy(&bits, &beta_T, sizeof bits);
	size_t slot = (size_t)((bits * 0x9e3779b97f4a7c15u) >> 54);	/* 10 bits */
	/* Empty slots hold s = 0, which no valid s equals. */
	if (cache[slot].s == s && cache[slot].y == beta_T &&
	    cache[slot].delta == delta)
		return cache[slot].G;
	struct disc_int c = { s, delta * beta_T };
	double h = 0;
	if (sk_quad(disc_f, &c, 1, 0, 1, 1e-11, &h) < 0 || !isfinite(h) || h < 0)
		h = 0;
	/* 0 <= G <= 1/delta because the survival is at most 1. */
	double G = fmin(beta_T * h, 1 / delta);
	cache[slot].s = s;
	cache[slot].y = beta_T;
	cache[slot].delta = delta;
	cache[slot].G = G;
	return G;
}

/* DERT(delta | x, t_x, T), Fader, Hardie & Lee 2005 ("RFM and CLV", JMR
 * 42(4)), eq. 2:
 *   alpha^r beta^s delta^(s-1) Gamma(r+x+1) U(s, s; delta(beta+T))
 *     / (Gamma(r) (alpha+T)^(r+x+1) L(r, alpha, s, beta | x, t_x, T)),
 * rearranged as P(alive) * (r+x)/(alpha+T) * disc_survival so that no
 * power overflows: the likelihood's constant cancels. */
static double dert(const double *par, double delta, double x, double t_x, double T)
{
	if (!good_par(par, 4) || !(delta > 0) || !isfinite(delta) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	double v = p_alive(par, x, t_x, T) * (r + x) / (alpha + T) *
		   disc_survival(s, beta + T, delta);
	return isfinite(v) ? v : 0;
}

static double return_alive(const double *par, double t, double x, double T);

const struct sk_tmodel sk_pnbd = {
	.name = "pnbd",
	.title = "Pareto/NBD",
	.npar = 4,
	.parname = { "r", "alpha", "s", "beta" },
	.discrete = 0,
	.fit = fit,
	.loglik1 = loglik1,
	.p_alive = p_alive,
	.expected = expected,
	.expected_alive = expected_alive,
	.expected_new = expected_new,
	.pmf = pmf,
	.dert = dert,
	.return_alive = return_alive,
};

struct ret_ctx {
	double m, s, A, B;
};

/* The integrand of return_alive after u = A (e^v - 1). */
static void ret_f(double v, double *f, void *vc)
{
	const struct ret_ctx *c = vc;
	double u = c->A * expm1(v);
	f[0] = c->m * exp(-c->m * v - c->s * log1p(u / c->B));
}

/* P(X(T, T+t] > 0 | alive at T, x, T).  Given alive at T, lambda and mu
 * are independent with posteriors Gamma(r+x, alpha+T) and Gamma(s, beta+T)
 * (Schmittlein, Morrison & Colombo 1987, sec. 4; Fader & Hardie 2005,
 * "A note on deriving the Pareto/NBD model and related expressions",
 * eq. 18-19).  The next purchase falls in (T, T+t] while the customer is
 * still alive with density lambda e^(-lambda u) e^(-mu u), so
 *   P = int_0^t E[lambda e^(-lambda u)] E[e^(-mu u)] du
 *     = int_0^t (r+x)/A (A/(A+u))^(r+x+1) (B/(B+u))^s du,
 * A = alpha+T, B = beta+T: the x* = 0 term of Fader & Hardie's note on
 * P(X(T, T+t] = x* | x, t_x, T) for the Pareto/NBD.  With u = A (e^v - 1)
 * the integrand is (r+x) e^(-(r+x) v) (B/(B+u))^s on [0, ln(1+t/A)],
 * smooth and bounded, integrated by sk_quad. */
static double return_alive(const double *par, double t, double x, double T)
{
	if (!good_par(par, 4) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	struct ret_ctx c = { par[0] + x, par[2], par[1] + T, par[3] + T };
	double q;
	if (sk_quad(ret_f, &c, 1, 0, log1p(t / c.A), 1e-10, &q) < 0 || !isfinite(q))
		return 0;
	return fmin(fmax(q, 0), 1);
}
