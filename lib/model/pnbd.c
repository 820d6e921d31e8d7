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
#include "ratelim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* ---- the likelihood ---- */

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

void sk_pnbd_set_xterms(struct xterms *t, const struct parterms *p, double x, int grad)
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
	b->lW = sk_logaddexp(b->lnA, lsD);
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
static void sum_chunk(const void *terms, const void *data, size_t lo, size_t hi, int grad,
		      double *acc)
{
	const struct parterms *p = terms;
	const struct sk_rfm *pat = data;
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
			sk_pnbd_set_xterms(&t, p, x, grad);
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
	if (sk_theta_par(4, theta, par) < 0)
		return HUGE_VAL;
	struct parterms p;
	int g = grad != NULL;
	set_parterms(&p, par, g);
	if (!ix)
		return sk_nll_chunked(4, par, grad, n, 512, sum_chunk, &p, pat);
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
			if (sk_pnbd_run_keys(&p, ix, run, g, &cf) < 0) {
				/* a tail failed: no value */
				static const double none[5] = { -HUGE_VAL, 0, 0, 0, 0 };
				memcpy(ix->acc[u], none, sizeof none);
			} else
				sk_pnbd_sum_chunk_idx(ix, run->plo, run->phi, g, ix->acc[u]);
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
	int have = sk_pnbd_pidx_build(&ix, d->pat, d->n) == 0;
	double v = nll_core(theta, grad, d->pat, d->n, have ? &ix : NULL);
	if (have)
		sk_pnbd_pidx_free(&ix);
	return v;
}

double sk_pnbd_nll_pat(const double *theta, double *grad, const struct sk_rfm *pat, size_t n)
{
	return nll_core(theta, grad, pat, n, NULL);
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
double sk_pnbd_fitctx_nll(const double *theta, double *grad, void *ctx)
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
	if (!sk_par_ok(par, 4, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	struct parterms p;
	struct xterms t;
	struct bracket b;
	set_parterms(&p, par, 0);
	sk_pnbd_set_xterms(&t, &p, x, 0);
	if (bracket(&p, x, t_x, T, 0, &b, NULL, NULL) < 0)
		return -HUGE_VAL;
	return t.c + b.lW;
}

void *sk_pnbd_fitctx_new(const struct sk_rfm *pat, size_t n, int index)
{
	struct pfit *d = sk_xcalloc(1, sizeof *d);
	d->pat = pat;
	d->n = n;
	d->have = index && sk_pnbd_pidx_build(&d->ix, pat, n) == 0;
	return d;
}

static void *pfit_new(const struct sk_rfm *pat, size_t n)
{
	return sk_pnbd_fitctx_new(pat, n, 1);
}

void sk_pnbd_fitctx_free(void *ctx)
{
	struct pfit *d = ctx;
	if (d->have)
		sk_pnbd_pidx_free(&d->ix);
	free(d);
}

/* Start with mean purchase rate r/alpha = x/T and the lifetime scale
 * beta of the order of the observation window (s = 1, beta = mean T);
 * two other starts in case the first fails. */
static void starts(const struct sk_rfm_sums *s, double *st)
{
	double scale = s->T > 0 ? s->T / s->x : 1, meanT = s->T > 0 ? s->T / s->w : 1;
	const double v[3][4] = {
		{ 1, scale, 1, meanT },
		{ 0.5, 0.5 * scale, 0.5, 0.5 * meanT },
		{ 1, 1, 1, 1 },
	};
	memcpy(st, v, sizeof v);
}

const struct sk_tfit_spec sk_pnbd_spec = {
	.npar = 4, .nll = sk_pnbd_fitctx_nll, .nstart = 3, .starts = starts,
	.ctx_new = pfit_new, .ctx_free = sk_pnbd_fitctx_free,
};

/* ---- the ridge s, beta -> inf ----
 *
 * Dropout rates mu ~ Gamma(s, beta) have mean s/beta and coefficient of
 * variation 1/sqrt(s); as s, beta -> inf with s/beta fixed the model
 * tends to one whose dropout rate is the same for every customer.  On
 * data whose dropout hazard grows (bench/ggomgen.c) lifetimes spread
 * less than any Gamma mixture of exponentials allows, and the likelihood
 * keeps rising towards that limit: BFGS crawls along the ridge for
 * hundreds of iterations, each dearer than the last (1M customers: 90 s
 * CPU to s ~ 9e3).  So the fit is watched (sk_pnbd_fit_watched, which
 * ggomnbd.c's Pareto/NBD pre-fit calls too): a point with s > RIDGE_S
 * whose likelihood still rises along the ridge (D = d ln L/d ln s +
 * d ln L/d ln beta > 0) ends BFGS there.  RIDGE_S = 30 is a coefficient
 * of variation of the dropout rates under 18 %; with s > 1e3 as the mark
 * ggomnbd.c's pre-fit still took 3 s of the 5.7 s for 2,000 customers
 * of bench/ggomgen.c, with 30 0.05 s.  Where the watch stopped, the
 * fit goes on in pnbdridge.c (sk_pnbd_fit_from): to the ridge's
 * supremum, or to a maximum inside at a large s. */
#define RIDGE_S 30

/* Per thread: the fit's context is made and freed inside
 * sk_tmodel_fit_std, so the point it froze at is kept here. */
static _Thread_local struct {
	int frozen;
	struct sk_pnbd_ridge at;
} ridge;

/* The Pareto/NBD's -LL until the first point on the ridge (above); from
 * there on that point's value with a zero gradient everywhere, which
 * ends BFGS. */
static double watched_nll(const double *theta, double *grad, void *ctx)
{
	if (ridge.frozen) {
		if (grad)
			memset(grad, 0, 4 * sizeof *grad);
		return ridge.at.v;
	}
	double g[4], v = sk_pnbd_fitctx_nll(theta, g, ctx);
	if (isfinite(v) && theta[2] > log(RIDGE_S) && g[2] + g[3] < 0) {
		ridge.frozen = 1;
		memcpy(ridge.at.th, theta, sizeof ridge.at.th);
		memcpy(ridge.at.g, g, sizeof ridge.at.g);
		ridge.at.v = v;
		memset(g, 0, sizeof g);
	}
	if (grad)
		memcpy(grad, g, sizeof g);
	return v;
}

static const struct sk_tfit_spec watched_spec = {
	.npar = 4, .nll = watched_nll, .nstart = 3, .starts = starts,
	.ctx_new = pfit_new, .ctx_free = sk_pnbd_fitctx_free,
};

int sk_pnbd_fit_watched(const struct sk_rfm *pat, size_t n, struct sk_fit *out,
			struct sk_pnbd_ridge *at, char *err, size_t errlen)
{
	ridge.frozen = 0;
	int rc = sk_tmodel_fit_std(&watched_spec, pat, n, out, err, errlen);
	int frozen = ridge.frozen;
	ridge.frozen = 0;
	if (!frozen)
		return rc;
	*at = ridge.at;
	return 1;
}

/* The Pareto/NBD's maximum, or its ridge's supremum, without warnings:
 * watched, then moved out along the ridge (ridge_end), and when that
 * guess is wrong (an interior maximum at a large s) to that maximum
 * (interior).  *ridge_tol > 0 when the fit is the ridge's end (s and
 * beta a limit; within that of the supremum), else 0.  ggomnbd.c's
 * boundary needs this same maximum: the score test of b = 0 means
 * something only there (issue 20: a pre-fit frozen at s = 30 on the way
 * to an interior maximum at s = 119 gave the score the wrong sign). */
int sk_pnbd_fit_quiet(const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		      double *ridge_tol, char *err, size_t errlen)
{
	struct sk_pnbd_ridge at;
	int rc;
	*ridge_tol = 0;
	if (sk_tmodel_penalty() > 0)
		return sk_tmodel_fit_std(&sk_pnbd_spec, pat, n, out, err, errlen);
	rc = sk_pnbd_fit_watched(pat, n, out, &at, err, errlen);
	if (rc != 1)
		return rc;
	return sk_pnbd_fit_from(pat, n, &at, out, ridge_tol, err, errlen);
}

static int fit(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	       size_t errlen)
{
	/* A fit that ends at the ridge's supremum (tol > 0) is within tol
	 * of its limit's ln L, which the diagnosis tells from the
	 * likelihood (ridge.c, the table's s, beta entry) in the words it
	 * uses for every pair, in --report and --report-json too; the fit
	 * itself no longer says it (it said it twice, and from the nested
	 * tests' restricted fits too). */
	double tol;
	int rc = sk_pnbd_fit_quiet(pat, n, out, &tol, err, errlen);
	if (rc == 0 && !(tol > 0))
		sk_pnbd_warn_s(out);
	return rc;
}

void sk_pnbd_warn_s(const struct sk_fit *out)
{
	/* Dropout rates mu ~ Gamma(s, beta) have a coefficient of variation
	 * of 1/sqrt(s).  When the data show no spread in them, the likelihood
	 * keeps rising as s and beta grow together towards a common rate
	 * s/beta; the fit stops somewhere along that ridge. */
	if (out->par[2] > 1e3)
		sk_warn("Pareto/NBD: s = %.4g: the dropout rates hardly differ between "
			"customers (all near s/beta = %.4g); s and beta are a limit, not "
			"estimates, and their standard errors mean nothing",
			out->par[2], out->par[2] / out->par[3]);
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
	if (!sk_par_ok(par, 4, DBL_MAX) || !(x >= 0) || !(T >= 0))
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
	return beta_T * -lu * sk_expm1_ratio((s - 1) * lu);
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
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0) || !(x >= 0) || !(T >= 0))
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
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0))
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
	if (!sk_par_ok(par, 4, DBL_MAX) || k < 0 || !(t >= 0))
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

/* D(s, beta+T, delta, H) (pnbddisc.c), the results for the last few
 * (s, beta+T, delta, H) kept per thread: without covariates customers
 * share T, and clv's intervals ask again for the same s and beta at
 * each purchase parameter moved.  A lifetime (DERT) from the table of
 * sk_pnbd_disc_life: with dropout covariates every customer has her own
 * beta, and the cache seldom hits. */
#define DISC_CACHE 1024
static double disc_cached(double s, double beta_T, double delta, double H)
{
	static _Thread_local struct {
		double s, y, delta, H, D;
	} cache[DISC_CACHE];
	uint64_t bits;
	memcpy(&bits, &beta_T, sizeof bits);
	size_t slot = (size_t)((bits * 0x9e3779b97f4a7c15u) >> 54);	/* 10 bits */
	/* Empty slots hold s = 0, which no valid s equals. */
	if (cache[slot].s == s && cache[slot].y == beta_T &&
	    cache[slot].delta == delta && cache[slot].H == H)
		return cache[slot].D;
	double D = isinf(H) ? sk_pnbd_disc_life(s, beta_T, delta) : sk_pnbd_disc(s, beta_T, delta, H);
	cache[slot].s = s;
	cache[slot].y = beta_T;
	cache[slot].delta = delta;
	cache[slot].H = H;
	cache[slot].D = D;
	return D;
}

/* DERT(delta | x, t_x, T), Fader, Hardie & Lee 2005 ("RFM and CLV", JMR
 * 42(4)), eq. 2:
 *   alpha^r beta^s delta^(s-1) Gamma(r+x+1) U(s, s; delta(beta+T))
 *     / (Gamma(r) (alpha+T)^(r+x+1) L(r, alpha, s, beta | x, t_x, T)),
 * rearranged as P(alive) * (r+x)/(alpha+T) * D(s, beta+T, delta, inf)
 * (pnbddisc.c: (beta+T)^s delta^(s-1) U(s, s; delta(beta+T)) as an
 * integral) so that no power overflows: the likelihood's constant
 * cancels.  We do not call gsl_sf_hyperg_U: it overflows for large s
 * (U(1000, 1000; 0.1) = inf although D is about (beta+T)/(s-1)) and
 * reports that through GSL's error handler, which aborts by default and
 * cannot be switched off safely from the OpenMP loops that call dert.
 * D is at most 1/delta because the survival is at most 1. */
static double dert_pa(const double *par, double delta, double pa, double x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(delta > 0) || !isfinite(delta) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	/* pa first, in the product as it always was: the same bytes out
	 * whether the caller or dert computed it */
	double v = pa * (r + x) / (alpha + T) *
		   fmin(disc_cached(s, beta + T, delta, INFINITY), 1 / delta);
	return isfinite(v) ? v : 0;
}

/* Callgrind on churn --dert with 100k customers with covariates: p_alive
 * here was 18 % of the time although churn has it already; callers with
 * it call dert_pa. */
static double dert(const double *par, double delta, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(delta > 0) || !isfinite(delta) || !(x >= 0) || !(T >= 0))
		return 0;
	return dert_pa(par, delta, p_alive(par, x, t_x, T), x, T);
}

/* The discounted E[X(T, T+t] | alive] over H: (r+x)/(alpha+T) times
 * D(s, beta+T, delta, H) (pnbddisc.c), the derivative of
 * expected_alive discounted; delta = 0 is expected_alive itself. */
static double det_alive(const double *par, double delta, double H, double x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(delta >= 0) || !isfinite(delta) || !(x >= 0) ||
	    !(T >= 0) || !(H >= 0))
		return 0;
	if (delta == 0)
		return expected_alive(par, H, x, T);
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	double v = (r + x) / (alpha + T) * disc_cached(s, beta + T, delta, H);
	return isfinite(v) && v >= 0 ? v : 0;
}

static double return_alive(const double *par, double t, double x, double T);

const struct sk_tmodel sk_pnbd = {
	.name = "pnbd", .title = "Pareto/NBD", .npar = 4,
	.parname = { "r", "alpha", "s", "beta" }, .fit = fit, .loglik1 = loglik1,
	.p_alive = p_alive, .expected = expected, .expected_alive = expected_alive,
	.expected_new = expected_new, .pmf = pmf, .dert = dert, .dert_pa = dert_pa,
	.det_alive = det_alive, .return_alive = return_alive,
	.ridge = { { 0, 1, sk_pnbd_ll_rlimit, "the purchase rate", 1 },
		   { 2, 3, sk_pnbd_ll_slimit, "the dropout rate", 1 } },
};

/* P(X(T, T+t] > 0 | alive at T, x, T).  Given alive at T, lambda and mu
 * are independent with posteriors Gamma(r+x, alpha+T) and Gamma(s, beta+T)
 * (Schmittlein, Morrison & Colombo 1987, sec. 4; Fader & Hardie 2005,
 * "A note on deriving the Pareto/NBD model and related expressions",
 * eq. 18-19).  The next purchase falls in (T, T+t] while the customer is
 * still alive with density lambda e^(-lambda u) e^(-mu u), so
 *   P = int_0^t E[lambda e^(-lambda u)] E[e^(-mu u)] du
 *     = int_0^t (r+x)/A (A/(A+u))^(r+x+1) (B/(B+u))^s du,
 * A = alpha+T, B = beta+T: the x* = 0 term of Fader & Hardie's note on
 * P(X(T, T+t] = x* | x, t_x, T) for the Pareto/NBD.  The integral is
 * J(0) - J(t) with J(v) = int_v^inf (A+u)^-(m+1) (B+u)^-s du, m = r+x:
 * the likelihood's tail integral I (top of the file) with exponents m+1
 * and s and A, B for alpha, beta, so
 *   P = m A^m B^s J(0) (1 - J(t)/J(0)),
 * two series of pnbdtail.c (quadrature only where the rates are very
 * unequal) and no power that could overflow: ln(A^m B^s J(0)) =
 * ln(min(A, B)) - ln A + ln S - ln(m + s).  (It was integrated by
 * sk_quad per (x, T), a third of scoring's time when covariates give
 * every customer her own parameters.) */
static double return_alive(const double *par, double t, double x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	double m = par[0] + x, s = par[2], A = par[1] + T, B = par[3] + T;
	struct tail j0, jt;
	if (sk_pnbd_log_tail(m + 1, s, A, B, 0, 0, &j0) < 0 ||
	    sk_pnbd_log_tail(m + 1, s, A, B, t, 0, &jt) < 0)
		return 0;
	double q = m * exp(m * log(A) + s * log(B) + j0.l) * -expm1(jt.l - j0.l);
	return isfinite(q) ? fmin(fmax(q, 0), 1) : 0;
}
