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
 * Predictions never return NaN or infinity: invalid arguments give 0 and
 * recency is clamped to [0, T] (and taken as 0 when x = 0). */
#include "modelint.h"

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

/* ---- the tail integral I(t) ---- */

/* ln S and d ln S / d(e at fixed o, o at fixed e, z) by the series;
 * 0 on success, -1 when it did not converge in the term budget. */
static int series_S(double e, double o, double z, double omz, double *lS, double *dS)
{
	double c = e + o;
	double T = 1, sum = 1, He = 0, Hc = 0, se = 0, sc = 0, sz = 0;
	for (int k = 0; k < 20000; k++) {
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
	double lrho = y + log(q);	/* log(z + (1-z) e^y) without overflow */
	double g = exp(-(c->o - 1) * y - c->e * lrho) * jac;
	f[0] = g;
	f[1] = g * lrho;
	f[2] = g * y;
	f[3] = g * (ey - 1) / q;	/* (1 - e^y) / rho */
}

static int quad_S(double e, double o, double z, double omz, double *lS, double *dS)
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

struct tail {
	double l;	/* ln I(t) */
	double d[4];	/* d ln I / d(m, alpha, n, beta) */
};

/* ln I(t) for exponents m, n (see the top of the file); d when grad. */
static int log_tail(double m, double n, double alpha, double beta, double t, int grad,
		    struct tail *out)
{
	double la = log(alpha + t), lb = log(beta + t);
	int abig = alpha >= beta;
	double e, o, z, omz;
	if (abig) {
		e = m;
		o = n;
		z = (alpha - beta) / (alpha + t);
		omz = (beta + t) / (alpha + t);
	} else {
		e = n;
		o = m;
		z = (beta - alpha) / (beta + t);
		omz = (alpha + t) / (beta + t);
	}
	double K = m + n - 1, lS, dS[3];
	int st = -1;
	if (z < 0.995)
		st = series_S(e, o, z, omz, &lS, grad ? dS : NULL);
	if (st < 0)
		st = quad_S(e, o, z, omz, &lS, grad ? dS : NULL);
	if (st < 0)
		return -1;
	out->l = -m * la - n * lb + (abig ? lb : la) + lS - log(K);
	if (grad) {
		double dSm = abig ? dS[0] : dS[1], dSn = abig ? dS[1] : dS[0];
		double dzda, dzdb;
		if (abig) {
			dzda = omz / (alpha + t);
			dzdb = -1 / (alpha + t);
		} else {
			dzda = -1 / (beta + t);
			dzdb = omz / (beta + t);
		}
		out->d[0] = -la + dSm - 1 / K;
		out->d[1] = -m / (alpha + t) + (abig ? 0 : 1 / (alpha + t)) + dS[2] * dzda;
		out->d[2] = -lb + dSn - 1 / K;
		out->d[3] = -n / (beta + t) + (abig ? 1 / (beta + t) : 0) + dS[2] * dzdb;
	}
	return 0;
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
	if (grad)
		p->ps_r = gsl_sf_psi(p->r);
}

static void set_xterms(struct xterms *t, const struct parterms *p, double x, int grad)
{
	t->x = x;
	/* Gamma(r+x) alpha^r beta^s / Gamma(r): FH 2005's likelihood constant */
	t->c = gsl_sf_lngamma(p->r + x) - p->lg_r + p->r * p->lalpha + p->s * p->lbeta;
	if (grad)
		t->dr = gsl_sf_psi(p->r + x) - p->ps_r + p->lalpha;
}

/* The bracket of the likelihood in logs: lnA for "alive at T", lW for
 * the whole bracket, and the shares needed for P(alive) and gradients. */
struct bracket {
	double lnA, lW, piA, piD, wx, wT;
	struct tail ix, iT;
};

/* One customer's bracket; the tail at t_x is taken from *cache when it
 * holds the same (x, t_x), else computed and stored there. */
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
	if (cache && cache_key[0] == x && cache_key[1] == tx) {
		b->ix = *cache;
	} else {
		if (log_tail(m, n, p->alpha, p->beta, tx, grad, &b->ix) < 0)
			return -1;
		if (cache) {
			cache_key[0] = x;
			cache_key[1] = tx;
			*cache = b->ix;
		}
	}
	if (log_tail(m, n, p->alpha, p->beta, T, grad, &b->iT) < 0)
		return -1;
	double rho = exp(b->iT.l - b->ix.l);
	if (!(rho < 1))
		return 0;	/* rounding made I(t_x) <= I(T): the term is ~0 */
	double lsD = p->ls + b->ix.l + log1p(-rho);
	b->lW = logaddexp(b->lnA, lsD);
	b->piA = exp(b->lnA - b->lW);
	b->piD = exp(lsD - b->lW);
	b->wx = exp(p->ls + b->ix.l - b->lW);
	b->wT = exp(p->ls + b->iT.l - b->lW);
	return 0;
}

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

#define MAXCHUNK 64

/* Negative log-likelihood in theta = log(r, alpha, s, beta), analytic
 * gradient in theta.  ctx is a struct sk_rfm_set sorted by (x, t_x, T). */
double sk_pnbd_nll(const double *theta, double *grad, void *ctx)
{
	const struct sk_rfm_set *d = ctx;
	double par[4], acc[MAXCHUNK][5];
	for (int i = 0; i < 4; i++) {
		par[i] = exp(theta[i]);
		if (!(par[i] > 0) || !isfinite(par[i]))
			return HUGE_VAL;
	}
	struct parterms p;
	set_parterms(&p, par, grad != NULL);
	size_t n = d->n;
	/* Fixed chunks (independent of the thread count) summed in order:
	 * the result is the same on every machine. */
	long nch = n > 2000 ? (long)((n + 511) / 512) : 1;
	if (nch > MAXCHUNK)
		nch = MAXCHUNK;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (nch > 1)
#endif
	for (long c = 0; c < nch; c++) {
		size_t lo = n * (size_t)c / (size_t)nch, hi = n * (size_t)(c + 1) / (size_t)nch;
		sum_chunk(&p, d->pat, lo, hi, grad != NULL, acc[c]);
	}
	double tot[5] = { 0 };
	for (long c = 0; c < nch; c++)
		for (int i = 0; i < 5; i++)
			tot[i] += acc[c][i];
	if (!isfinite(tot[0]))
		return HUGE_VAL;
	if (grad)
		for (int i = 0; i < 4; i++)
			grad[i] = -tot[1 + i] * par[i];
	return -tot[0];
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
	struct sk_rfm *c = sk_rfm_compressed_new(pat, n, &m, &nobs, err, errlen);
	if (!c)
		return -1;
	struct sk_rfm_set d = { .pat = c, .n = m };
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
	int rc = sk_tmodel_fit_run(4, sk_pnbd_nll, &d, 3, &starts[0][0], nobs, out, err, errlen);
	free(c);
	return rc;
}

/* ---- predictions ---- */

/* P(alive | x, t_x, T) (SMC 1987; FH 2005, P(alive) section): the share
 * of the "alive at T" term in the likelihood bracket, by Bayes' theorem. */
static double p_alive(const double *par, double x, double t_x, double T)
{
	if (!good_par(par, 4) || !(x >= 0) || !(T >= 0))
		return 0;
	struct parterms p;
	struct bracket b;
	set_parterms(&p, par, 0);
	if (bracket(&p, x, t_x, T, 0, &b, NULL, NULL) < 0)
		return 0;
	return fmin(fmax(b.piA, 0), 1);
}

/* beta_T (1 - (beta_T/(beta_T+t))^(s-1)) / (s-1), written with expm1 so
 * that s = 1 (where it becomes beta_T log(1 + t/beta_T)) is not 0/0. */
static double life_factor(double s, double beta_T, double t)
{
	double lu = -log1p(t / beta_T);	/* log(beta_T / (beta_T + t)) */
	return beta_T * -lu * expm1_ratio((s - 1) * lu);
}

/* E[Y(t) | x, t_x, T] (SMC 1987; FH 2005, conditional expectation):
 *   (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive). */
static double expected(const double *par, double t, double x, double t_x, double T)
{
	if (!good_par(par, 4) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	double v = p_alive(par, x, t_x, T) * (r + x) / (alpha + T) * life_factor(s, beta + T, t);
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
	.expected_new = expected_new,
	.pmf = pmf,
	.dert = dert,
};
