/* bgnbd.c: the BG/NBD model (Fader, Hardie & Lee 2005, "'Counting your
 * customers' the easy way: an alternative to the Pareto/NBD model",
 * Marketing Science 24(2) 275-284; below "FHL 2005").
 *
 * While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha);
 * after each repeat purchase she drops out with probability
 * p ~ Beta(a, b).  Everything is computed in log space: customers with
 * hundreds of transactions make (alpha + T)^(r + x) overflow otherwise.
 *
 * Predictions never return NaN or infinity: invalid arguments
 * (non-positive parameters, t < 0) give 0, recency is clamped to [0, T],
 * and the hypergeometric sums fall back to quadrature where they would
 * converge slowly or cancel. */
#include "record/util.h"
#include "modelint.h"
#include "ratelim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>


/* ---- the likelihood ----
 *
 * BG/NBD and MBG/NBD (mbgnbd.c) share everything here but the likelihood
 * of one pattern: MBG/NBD's customer survives one more drop-out
 * opportunity (shift 1 below: b + x + 1 where BG/NBD has b + x). */

void sk_bg_set_par(struct sk_bg_terms *p, const double *par, int grad, double shift)
{
	p->r = par[0];
	p->alpha = par[1];
	p->a = par[2];
	p->b = par[3];
	p->shift = shift;
	p->lalpha = log(p->alpha);
	p->la = log(p->a);
	/* Parameter-only gamma terms, hoisted out of the customer loop. */
	p->lg_r = gsl_sf_lngamma(p->r);
	p->lg_b = gsl_sf_lngamma(p->b);
	p->lg_ab = gsl_sf_lngamma(p->a + p->b);
	if (grad) {
		p->ps_r = gsl_sf_psi(p->r);
		p->ps_b = gsl_sf_psi(p->b);
		p->ps_ab = gsl_sf_psi(p->a + p->b);
	}
}

void sk_bg_set_x(struct sk_bg_x *t, const struct sk_bg_terms *p, double x, int grad)
{
	double r = p->r, a = p->a, b = p->b, s = p->shift;
	t->x = x;
	/* FHL 2005 eq. 6: Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x) / B(a, b);
	 * MBG/NBD: B(a, b+x+1) / B(a, b), x + 1 drop-out opportunities
	 * survived. */
	t->c = gsl_sf_lngamma(r + x) - p->lg_r + r * p->lalpha +
	       gsl_sf_lngamma(b + x + s) - gsl_sf_lngamma(a + b + x + s) - p->lg_b + p->lg_ab;
	/* log(b + x - 1) (BG/NBD, x > 0) or log(b + x) (MBG/NBD): the
	 * denominator of a / (b + x - 1 + shift) in the second term.  Summed
	 * as b + (x - 1) here and wherever b meets a whole count minus one:
	 * with a dropout covariate a customer's b can be 1e-17, and
	 * (b + 1) - 1 is then 0 (log 0 here; a GSL domain error, an abort,
	 * in sk_bg_pmf's B(a + 1, b + k - 1) on a 5M-row log). */
	t->lbx = s > 0 ? log(b + x) : x > 0 ? log(b + (x - 1)) : 0;
	if (grad) {
		double ps_abx = gsl_sf_psi(a + b + x + s);
		t->dr = gsl_sf_psi(r + x) - p->ps_r + p->lalpha;
		t->da = p->ps_ab - ps_abx;
		t->db = gsl_sf_psi(b + x + s) - ps_abx - p->ps_b + p->ps_ab;
	}
}

/* Log-likelihood of one pattern, FHL 2005 eq. 6 written as
 *   c + log[(alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x)]
 * (B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1)), the sum by log-sum-exp;
 * lT = log(alpha + T), lt = log(alpha + t_x).  g (natural-scale gradient
 * in r, alpha, a, b) when not NULL. */
static double ll_pattern(const struct sk_bg_terms *p, const struct sk_bg_x *t,
			 double t_x, double T, double lT, double lt, double *g)
{
	double r = p->r, alpha = p->alpha, x = t->x, m = r + x;
	double u1 = -m * lT, lse = u1, pi2 = 0;
	if (x > 0) {
		double u2 = p->la - t->lbx - m * lt;
		/* log-sum-exp and the share of the second term from one exp:
		 * with e = exp(-|u2 - u1|), lse = max + log1p(e) and
		 * pi2 = 1/(1+e) or e/(1+e). */
		double d = u2 - u1, e = exp(-fabs(d));
		lse = (d > 0 ? u2 : u1) + log1p(e);
		pi2 = d > 0 ? 1 / (1 + e) : e / (1 + e);
	}
	if (g) {
		double pi1 = 1 - pi2;
		g[0] = t->dr - pi1 * lT - pi2 * lt;
		g[1] = r / alpha - m * (pi1 / (alpha + T) + (x > 0 ? pi2 / (alpha + t_x) : 0));
		g[2] = t->da + pi2 / p->a;
		g[3] = t->db - (x > 0 ? pi2 / (p->b + (x - 1)) : 0);
	}
	return t->c + lse;
}

/* Sum over patterns lo..hi-1 of the set data (a fixed chunk of
 * sk_nll_chunked).  With the set's distinct-time index, log(alpha + T)
 * and log(alpha + t_x) come from the tables p->lT and p->ltx. */
static void sum_chunk(const void *terms, const void *data, size_t lo, size_t hi, int grad,
		      double *acc)
{
	const struct sk_bg_terms *p = terms;
	const struct sk_rfm_set *d = data;
	const struct sk_rfm *pat = d->pat;
	struct sk_bg_x t = { .x = -1 };
	double g[4];
	/* Local sums, stored once at the end: acc rows of neighbouring
	 * chunks share cache lines, and writing them per pattern from two
	 * threads made the loop slower than a single thread. */
	double sum[5] = { 0 };
	for (size_t k = lo; k < hi; k++) {
		if (pat[k].x != t.x)
			sk_bg_set_x(&t, p, pat[k].x, grad);
		double a = p->lT ? p->lT[d->iT[k]] : log(p->alpha + pat[k].T);
		double b = p->ltx ? p->ltx[d->itx[k]] :
			pat[k].x > 0 || p->shift > 0 ? log(p->alpha + pat[k].t_x) : 0;
		double l = p->ll(p, &t, pat[k].t_x, pat[k].T, a, b, grad ? g : NULL);
		sum[0] += pat[k].w * l;
		if (grad)
			for (int i = 0; i < 4; i++)
				sum[1 + i] += pat[k].w * g[i];
	}
	memcpy(acc, sum, sizeof sum);
}

double sk_bg_nll(const double *theta, double *grad, const struct sk_rfm_set *d, double shift,
		 sk_bg_ll_fn ll)
{
	double par[4];
	if (sk_theta_par(4, theta, par) < 0)
		return HUGE_VAL;
	struct sk_bg_terms p = { .ll = ll };
	sk_bg_set_par(&p, par, grad != NULL, shift);
	double *lT = NULL;
	if (d->uT) {
		lT = sk_malloc((d->nT + d->ntx) * sizeof *lT);
		if (lT) {
			double *ltx = lT + d->nT;
			for (size_t j = 0; j < d->nT; j++)
				lT[j] = log(p.alpha + d->uT[j]);
			for (size_t j = 0; j < d->ntx; j++)
				ltx[j] = log(p.alpha + d->utx[j]);
			p.lT = lT;
			p.ltx = ltx;
		}
	}
	double v = sk_nll_chunked(4, par, grad, d->n, 1024, sum_chunk, &p, d);
	free(lT);
	return v;
}

double sk_bg_loglik1(const double *par, double x, double t_x, double T, double shift,
		     sk_bg_ll_fn ll)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	struct sk_bg_terms p = { .ll = ll };
	struct sk_bg_x t;
	sk_bg_set_par(&p, par, 0, shift);
	sk_bg_set_x(&t, &p, x, 0);
	t_x = fmin(fmax(t_x, 0), T);
	return ll(&p, &t, t_x, T, log(p.alpha + T), log(p.alpha + t_x), NULL);
}

/* Negative log-likelihood in theta = log(r, alpha, a, b), gradient in
 * theta.  ctx is a struct sk_rfm_set whose patterns are sorted by x
 * (sk_rfm_compress order) for speed. */
double sk_bgnbd_nll(const double *theta, double *grad, void *ctx)
{
	return sk_bg_nll(theta, grad, ctx, 0, ll_pattern);
}

static double loglik1(const double *par, double x, double t_x, double T)
{
	return sk_bg_loglik1(par, x, t_x, T, 0, ll_pattern);
}

/* ---- the limit a, b -> inf (ridge.c) ----
 *
 * Beta(a, b) with a + b -> inf and a/(a+b) = p fixed is a point mass at
 * p: every customer drops out with the same probability p after each
 * purchase (MBG/NBD: and at the first).  A customer's likelihood is then
 * FHL 2005 eq. 3 (the likelihood given lambda and p) with p fixed and
 * lambda integrated over its Gamma(r, alpha), as eq. 6 integrates it:
 *   L_inf = Gamma(r+x) alpha^r / Gamma(r) [(1-p)^(x+s) (alpha+T)^-(r+x)
 *           + [x > 0 or s] p (1-p)^(x-1+s) (alpha+t_x)^-(r+x)],
 * s = 0 (BG/NBD) or 1 (MBG/NBD: BDF 2007's drop-out at time 0 too, so
 * x + 1 opportunities survived, and t_x = 0 when x = 0).  It is eq. 6's
 * B(a, b+x+s)/B(a, b) -> (1-p)^(x+s) and a/(b+x-1+s) -> p/(1-p).  For
 * s = 0 this is covfit.c's limit for the fit with dropout covariates,
 * which now takes it from this table. */
double sk_bg_ll_limit(const double *par, double x, double t_x, double T, double shift)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	double rr = par[0], al = par[1], p = par[2] / (par[2] + par[3]), m = rr + x;
	double c = lgamma(m) - lgamma(rr) + rr * log(al);
	double u1 = (x + shift) * log1p(-p) - m * log(al + T);
	if (!(x > 0) && !(shift > 0))
		return c + u1;
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	double u2 = log(p) + (x - 1 + shift) * log1p(-p) - m * log(al + t_x);
	double hi = fmax(u1, u2);
	return c + hi + log(exp(u1 - hi) + exp(u2 - hi));
}

static double ll_limit(const double *par, double x, double t_x, double T)
{
	return sk_bg_ll_limit(par, x, t_x, T, 0);
}

/* ln L at the limit r, alpha -> inf with r/alpha fixed (ratelim.c). */
static double ll_rlimit(const double *par, double x, double t_x, double T)
{
	return sk_bg_ll_rlimit(par, x, t_x, T, 0);
}

/* Start where the mean purchase rate r/alpha matches the data's (x / T),
 * lifetimes neutral (a = b = 1); two other starts in case BFGS fails
 * from the first.  MBG/NBD starts the same way. */
void sk_bg_starts(const struct sk_rfm_sums *s, double *starts)
{
	double scale = s->T > 0 ? s->T / s->x : 1;
	const double st[3][4] = {
		{ 1, scale, 1, 1 },
		{ 0.5, 0.5 * scale, 0.5, 2 },
		{ 1, 1, 1, 1 },
	};
	memcpy(starts, st, sizeof st);
}

/* The fits of BG/NBD and MBG/NBD differ only in the likelihood; both
 * start from coarse patterns (sk_tmodel_fit_coarse): BFGS on the coarse
 * grid, Newton on the full data.  For MBG/NBD on the 1M-customer bench
 * summary that halves the fit's CPU time (1.55 s to 0.72 s, churn's
 * default model); the estimates move by under 1e-12 relative (Newton
 * ends at the same maximum) and every output byte stays the same. */
static const struct sk_tfit_spec specs[2] = {
	{ .npar = 4, .nll = sk_bgnbd_nll, .nstart = 3, .starts = sk_bg_starts, .index = 1,
	  .coarse = 1 },
	{ .npar = 4, .nll = sk_mbgnbd_nll, .nstart = 3, .starts = sk_bg_starts, .index = 1,
	  .coarse = 1 },
};

int sk_bg_fit(double shift, const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	      size_t errlen)
{
	return sk_tmodel_fit_std(&specs[shift > 0], pat, n, out, err, errlen);
}

static int fit(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	       size_t errlen)
{
	return sk_bg_fit(0, pat, n, out, err, errlen);
}

/* ---- predictions ---- */

/* P(alive | x, t_x, T): Fader, Hardie & Lee (2008), "Computing P(alive)
 * using the BG/NBD model" (Bayes' theorem on the two terms of eq. 6):
 *   1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x));
 * MBG/NBD (shift 1): a/(b+x) for every x, recency 0 when x = 0. */
double sk_bg_p_alive(const double *par, double x, double t_x, double T, double shift)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(x >= 0) || !(T >= 0))
		return 0;
	if (x == 0 && !(shift > 0))
		return 1;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	double d = log(a) - log(shift > 0 ? b + x : b + (x - 1)) +
		   (r + x) * (log(alpha + T) - log(alpha + t_x));
	return sk_logistic_neg(d);
}

static double p_alive(const double *par, double x, double t_x, double T)
{
	return sk_bg_p_alive(par, x, t_x, T, 0);
}

/* (1 - (1 + p kappa)^-m) / p, = m kappa at p = 0. */
static double alive_rate(double p, double m, double kappa)
{
	if (p <= 0)
		return m * kappa;
	return -expm1(-m * log1p(p * kappa)) / p;
}

/* alive_rate(p) - m kappa without cancellation: with y = p kappa,
 * 1 - (1+y)^-m - m y = -sum_{k>=2} (-1)^k (m)_k / k! y^k, an alternating
 * series with decreasing terms when y < 1/2 and m y <= 1. */
static double rate_minus_h0(double p, double m, double kappa)
{
	double y = p * kappa;
	if (!(y < 0.5 && m * y <= 1))
		return alive_rate(p, m, kappa) - m * kappa;
	double t = m * (m + 1) / 2 * y * y, D = 0;
	for (int k = 2; k < 200 && t > 1e-17 * fabs(D); k++) {
		D += (k & 1) ? t : -t;
		t *= (m + k) / (k + 1) * y;
	}
	return kappa * D / y;
}

/* alive_rate(1 - s) - alive_rate(1) without cancellation:
 * g(p) = 1 - (1 + p kappa)^-m, h(p) - h(1) = (g(p) - g(1) + g(1) s) / p,
 * g(p) - g(1) = -(1+kappa)^-m expm1(-m log1p(-s kappa / (1+kappa))). */
static double rate_minus_h1(double s, double m, double kappa)
{
	double l1 = log1p(kappa), g1 = -expm1(-m * l1);
	double dg = -exp(-m * l1) * expm1(-m * log1p(-s * kappa / (1 + kappa)));
	return (dg + g1 * s) / (1 - s);
}

struct beta_mix {
	double m, kappa, a, B, lnorm;
	int part;	/* 0: [0, pc] minus h(0); 1: [pc, 1/2] in log p; 2: s = 1-p in
			 * [0, 1/2] minus h(1) */
};

/* The parts of int h(p) w(p) dp, w the Beta(a, B) density (see below).
 * Arguments that underflow contribute nothing (and would turn
 * p^(a-1) into inf times 0). */
static void beta_mix_f(double u, double *f, void *vctx)
{
	const struct beta_mix *c = vctx;
	double a = c->a, B = c->B, p, ld, h;
	f[0] = 0;
	switch (c->part) {
	case 0:
		if (u < 1e-300)
			return;
		p = u;
		h = rate_minus_h0(p, c->m, c->kappa);
		ld = (a - 1) * log(p) + (B - 1) * log1p(-p);
		break;
	case 1:
		p = exp(u);
		h = alive_rate(p, c->m, c->kappa);
		ld = a * u + (B - 1) * log1p(-p);	/* dp = p dw */
		break;
	default:
		if (u < 1e-300)
			return;
		h = rate_minus_h1(u, c->m, c->kappa);
		ld = (a - 1) * log1p(-u) + (B - 1) * log(u);
		break;
	}
	f[0] = h * exp(ld + c->lnorm);
}

/* The quadrature fallback of sk_bgnbd_alive_mean: J = int_0^1 h(p) w(p) dp
 * with h the rate above and w the Beta(a, B) density, which is singular
 * at 0 when a < 1 and at 1 when B < 1.  Near the ends h is smooth, so
 * it is split as h(end) + (h - h(end)): the first part integrates to an
 * incomplete beta exactly, the second vanishes at the end and removes the
 * singularity.  The split is made only where h stays within a factor 4
 * of h(end) (p <= 1/(m kappa) at the left, [1/2, 1] at the right), so the
 * parts cannot cancel; in between we integrate in log p, where h w is
 * smooth over many decades. */
static double alive_mean_quad(double m, double kappa, double a, double B)
{
	struct beta_mix c = { m, kappa, a, B, -gsl_sf_lnbeta(a, B), 0 };
	double h0 = m * kappa, h1 = alive_rate(1, m, kappa);
	double pc = fmin(0.5, fmax(1 / h0, 1e-300)), q = 0, J;
	sk_quad(beta_mix_f, &c, 1, 0, pc, 1e-11, &q);
	J = h0 * sk_beta_inc(a, B, pc, 1 - pc) + q;
	if (pc < 0.5) {
		c.part = 1;
		q = 0;
		sk_quad(beta_mix_f, &c, 1, log(pc), log(0.5), 1e-11, &q);
		J += q;
	}
	c.part = 2;
	q = 0;
	sk_quad(beta_mix_f, &c, 1, 0, 0.5, 1e-11, &q);
	return J + h1 * sk_beta_inc(B, a, 0.5, 0.5) + q;
}

/* J of sk_bgnbd_alive_mean where the drop-out probability is small
 * against 1/kappa (B large: a heavy-tailed covariate gives b_i up to
 * ~1e12), by the moments of p.  Expanding the rate in y = p kappa,
 *   (1 - (1+y)^-m) / p = m kappa sum_k (m+1)_k (-y)^k / (k+1)!,
 * and E[p^k] = (a)_k / (a+B)_k for p ~ Beta(a, B), so
 *   J = m kappa sum_k (m+1)_k (a)_k / ((a+B)_k (k+1)!) (-kappa)^k,
 * which is FHL 2005 eq. 7/10's C/(a-1) [1 - (1-z)^m 2F1(m, B; C; z)]
 * after Pfaff's transformation (DLMF 15.8.1: (1-z)^m 2F1(m, B; C; z) =
 * 2F1(m, a-1; C; -kappa)) with the leading 1 cancelled by hand.  The
 * series diverges when kappa > 1, yet its truncation error is bounded
 * for every kappa: (1+y)^-m is completely monotone, so its Taylor
 * remainder after n terms has the sign of term n+1 and at most its size
 * (|d^n/dy^n (1+y)^-m| = (m)_n (1+y)^(-m-n) <= (m)_n for y >= 0), and
 * that bound survives the expectation over p.  The sum is accepted when
 * the first omitted term is below 1e-17 of it and the terms never
 * exceeded it by more than 100 (at most 2 digits lost to the
 * alternating signs): then J is good to ~1e-14 relative.  Otherwise
 * (the terms start growing first, p kappa not small) it returns 0 and
 * the caller uses the methods below. */
double sk_bgnbd_alive_mean_series(double m, double kappa, double a, double B)
{
	double t = 1, S = 1, tmax = 1, apb = a + B;
	/* The ratio of the first two terms, rho = (m+1) a kappa / (2 (a+B)),
	 * only grows with k.  Above 1/50 the series needs more than ~10
	 * terms and the Euler series below is cheaper: with a gate at 1/4,
	 * clv --covariates income on customers_covn.csv took 4.4 s of CPU
	 * instead of 2.7 (the series at every customer, ~30 terms).  At the
	 * heavy-tailed covariate's b_i, rho is ~1e-4.  The gate is kept to
	 * B < 1e4: at larger B the Euler series cancels (4e-10 off at
	 * kappa = 199, m = 50, a = 1e3, B = 1e7) and from kappa = 199 the
	 * quadrature is dearer than 100 terms and less exact. */
	if (kappa < 199 && B < 1e4 && (m + 1) * a * kappa > 0.04 * apb)
		return 0;
	for (int k = 0; k < 100; k++) {
		t *= -(m + 1 + k) * (a + k) / ((apb + k) * (k + 2)) * kappa;
		if (fabs(t) <= 1e-17 * S)
			return S > 0 && tmax <= 100 * S ? m * kappa * S : 0;
		S += t;
		tmax = fmax(tmax, fabs(t));
		if (!(S > 0) || tmax > 100 * S)
			return 0;
	}
	return 0;
}

double sk_bgnbd_alive_mean_quad(double m, double kappa, double a, double B)
{
	return alive_mean_quad(m, kappa, a, B);
}

/* E_p[(1 - (1 + p kappa)^-m) / p] for p ~ Beta(a, B): the expected number
 * of transactions in the next t of a customer who is alive now, whose
 * purchase rate has posterior Gamma(m, alpha + T) and whose drop-out
 * probability has posterior Beta(a, B); kappa = t / (alpha + T).  (Given
 * lambda and p an alive customer makes (1 - exp(-lambda p t)) / p
 * transactions in expectation; averaging over lambda gives the bracket.)
 *
 * Closed form, FHL 2005 eq. 10 (B = b + x) and eq. 7 (m = r, B = b):
 *   C/(a-1) [1 - (1-z)^m 2F1(m, B; C; z)],  C = a + B - 1,
 *   z = kappa / (1 + kappa).
 * Euler's transformation 2F1(m, B; C; z) = (1-z)^(C-m-B) 2F1(C-m, a-1; C; z)
 * pulls the factor (a-1) out of the series, so that
 *   J = C [(1 - (1-z)^(a-1)) / (a-1) - (1-z)^(a-1) V],
 *   V = sum_{k>=1} (C-m)_k (a)_{k-1} / ((C)_k k!) z^k,
 * is finite at a = 1 and has no overflowing powers.  Where the series
 * would converge slowly (z near 1) or cancel badly, J is integrated
 * numerically against the Beta density instead.
 *
 * First of all, where p kappa is small for nearly all p (B large against
 * a kappa), the moment series of sk_bgnbd_alive_mean_series: a handful
 * of terms, good to ~1e-14 relative with a proven bound.  There the two
 * methods below ran up to 20,000 terms or fell back to the quadrature,
 * which loses up to ~1e-5 relative when the Beta density is a spike
 * (B = 1e7, kappa = 199: 19.9 for 19.89989), and their values differed
 * by up to 1e-7 at z = 0.995, a jump churn --tracking's panels split on
 * (a heavy-tailed covariate gives b_i up to ~1e12, a_i in the hundreds,
 * kappa in the thousands).  Elsewhere the Euler series is good to
 * ~1e-10 (it accepts up to 6 digits lost), so where the moment series
 * stops being accepted J may step by that much. */
double sk_bgnbd_alive_mean(double m, double kappa, double a, double B)
{
	if (!(kappa > 0) || !(m > 0) || !(a > 0) || !(B > 0))
		return 0;
	if (!isfinite(kappa))
		return 0;
	double J0 = sk_bgnbd_alive_mean_series(m, kappa, a, B);
	if (J0 > 0)
		return fmin(J0, m * kappa);
	double z = kappa / (1 + kappa), L = -log1p(kappa);	/* L = log(1 - z) */
	double C = a + B - 1;
	if (z < 0.995 && C > 0) {
		double v = (C - m) / C * z, V = v, Vabs = fabs(v);
		int conv = 0;
		for (int k = 1; k < 20000; k++) {
			v *= (C - m + k) * (a + k - 1) / ((C + k) * (k + 1)) * z;
			V += v;
			Vabs += fabs(v);
			if (fabs(v) <= 1e-17 * Vabs && k > 2) {
				conv = 1;
				break;
			}
		}
		double F = exp((a - 1) * L);
		double E1 = -L * sk_expm1_ratio((a - 1) * L);
		double J = C * (E1 - F * V);
		/* Accept when fewer than ~6 digits were lost to cancellation. */
		if (conv && isfinite(J) && J > 0 && (E1 + F * Vabs) < 1e6 * (J / C))
			return fmin(J, m * kappa);
	}
	/* The plain series of eq. 10, 2F1(m, B; C; z) = sum (m)_k (B)_k /
	 * ((C)_k k!) z^k, has positive terms whose ratio tends to z B / C < 1
	 * when a > 1: no cancellation inside the sum, and fast convergence
	 * when a and B are large (drop-out probabilities concentrated near
	 * a / (a + B)), the case where the Euler form above cancels.  Only
	 * the final 1 - (1-z)^m F can cancel; accept it while fewer than
	 * about 6 digits are lost. */
	if (a > 1 && z < 0.995) {
		double t = 1, F = 1;
		int conv = 0;
		for (int k = 0; k < 20000; k++) {
			t *= (m + k) * (B + k) / ((C + k) * (k + 1)) * z;
			F += t;
			if (!isfinite(F))
				break;
			if (t <= 1e-17 * F) {
				conv = 1;
				break;
			}
		}
		double P = exp(m * L) * F;	/* (1-z)^m F */
		if (conv && isfinite(P) && P < 1 - 1e-6) {
			double J = C / (a - 1) * (1 - P);
			if (isfinite(J) && J > 0)
				return fmin(J, m * kappa);
		}
	}
	double J = alive_mean_quad(m, kappa, a, B);
	/* 0 <= J <= m kappa: the rate bound (1 - (1+y)^-m)/p <= m kappa. */
	if (!isfinite(J) || J < 0)
		return 0;
	return fmin(J, m * kappa);
}

/* E[Y(t) | x, t_x, T], FHL 2005 eq. 10: P(alive) times the expected
 * transactions of an alive customer (see sk_bgnbd_alive_mean), whose
 * drop-out probability has posterior Beta(a, b + x) (MBG/NBD:
 * Beta(a, b + x + 1)). */
double sk_bg_expected(const double *par, double t, double x, double t_x, double T,
		      double shift)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	double pa = sk_bg_p_alive(par, x, t_x, T, shift);
	return pa * sk_bgnbd_alive_mean(r + x, t / (alpha + T), a, b + x + shift);
}

static double expected(const double *par, double t, double x, double t_x, double T)
{
	return sk_bg_expected(par, t, x, t_x, T, 0);
}

/* The second factor of eq. 10: expected transactions of a customer
 * known to be alive. */
double sk_bg_expected_alive(const double *par, double t, double x, double T, double shift)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	return sk_bgnbd_alive_mean(par[0] + x, t / (par[1] + T), par[2], par[3] + x + shift);
}

static double expected_alive(const double *par, double t, double x, double T)
{
	return sk_bg_expected_alive(par, t, x, T, 0);
}

/* E[X(t)], FHL 2005 eq. 7: the x = 0, T = 0 case of eq. 10. */
static double expected_new(const double *par, double t)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0))
		return 0;
	return sk_bgnbd_alive_mean(par[0], t / par[1], par[2], par[3]);
}

/* P(X(t) = k), FHL 2005 eq. 8:
 *   B(a, b+k)/B(a, b) NB(k; r, alpha/(alpha+t))
 *   + [k>0] B(a+1, b+k-1)/B(a, b) P(NB >= k),
 * the second bracket as an incomplete beta instead of 1 - a partial sum,
 * which would cancel for large k.  MBG/NBD (shift 1), from the model
 * definition: given lambda and p,
 *   P = [k=0] p + (1-p)^(k+1) Poisson(k; lambda t)
 *       + [k>0] p (1-p)^k P(Poisson(lambda t) >= k);
 * mixing over p ~ Beta(a, b) and lambda ~ Gamma(r, alpha) gives
 *   [k=0] a/(a+b) + B(a, b+k+1)/B(a, b) NB(k) + [k>0] B(a+1, b+k)/B(a, b) P(NB >= k). */
double sk_bg_pmf(const double *par, double t, int k, double shift)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || k < 0 || !(t >= 0))
		return 0;
	if (t == 0)
		return k == 0 ? 1 : 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	double lq0 = log(alpha / (alpha + t)), lq1 = log(t / (alpha + t));
	double lbab = gsl_sf_lnbeta(a, b);
	double lnb = gsl_sf_lngamma(r + k) - gsl_sf_lngamma(r) - gsl_sf_lngamma(k + 1.0) +
		     r * lq0 + k * lq1;
	double p = exp(gsl_sf_lnbeta(a, b + k + shift) - lbab + lnb);
	if (k == 0 && shift > 0)
		p += a / (a + b);
	else if (k > 0)
		/* P(NB >= k) = I_(t/(alpha+t))(k, r), the incomplete beta */
		p += exp(gsl_sf_lnbeta(a + 1, shift > 0 ? b + k : b + (k - 1)) - lbab) *
		     sk_beta_inc(k, r, t / (alpha + t), alpha / (alpha + t));
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

static double pmf(const double *par, double t, int k)
{
	return sk_bg_pmf(par, t, k, 0);
}

/* sk_bg_pmf's terms from one k to the next: with q1 = t / (alpha + t),
 *   NB(k) = NB(k-1) (r + k - 1) / k q1,  NB(0) = (alpha / (alpha + t))^r,
 *   B(p, y) / B(p, y - 1) = (y - 1) / (p + y - 1) for both beta ratios,
 *   P(NB >= k) = P(NB >= k-1) - NB(k-1)
 * (absolute error ~k 1e-16 in the far tail, where the values no longer
 * matter to a sum; clamped at 0). */
void sk_bg_pmf_iter_init(struct sk_bg_pmf_iter *it, const double *par, double t, double shift)
{
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	*it = (struct sk_bg_pmf_iter){ .r = r, .q1 = t / (alpha + t), .a = a, .b = b,
				       .shift = shift, .k = 0 };
	it->nb = exp(r * log(alpha / (alpha + t)));
	it->A = shift > 0 ? b / (a + b) : 1;	/* B(a, b + shift) / B(a, b) */
	it->S = 1;
}

double sk_bg_pmf_iter_next(struct sk_bg_pmf_iter *it)
{
	int k = it->k++;
	double a = it->a, b = it->b, s = it->shift;
	if (k > 0) {
		it->S = fmax(it->S - it->nb, 0);
		it->nb *= (it->r + k - 1) / k * it->q1;
		it->A *= (b + (k + s - 1)) / (a + b + (k + s - 1));
		/* B(a+1, b+k-1+shift) / B(a, b): at k = 1 B(a+1, b+s) / B(a, b) */
		it->C = k == 1 ? (s > 0 ? a * b / ((a + b) * (a + b + 1)) : a / (a + b)) :
			it->C * (b + (k - 2 + s)) / (a + b + (k - 1 + s));
	}
	double p = it->A * it->nb;
	if (k == 0 && s > 0)
		p += a / (a + b);
	else if (k > 0)
		p += it->C * it->S;
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

const struct sk_tmodel sk_bgnbd = {
	.name = "bgnbd", .title = "BG/NBD", .npar = 4,
	.parname = { "r", "alpha", "a", "b" }, .fit = fit, .loglik1 = loglik1,
	.p_alive = p_alive, .expected = expected, .expected_alive = expected_alive,
	.expected_new = expected_new, .pmf = pmf, .return_alive = sk_bg_return_alive,
	.ridge = { { 2, 3, ll_limit, "the dropout probability", 0 },
		   { 0, 1, ll_rlimit, "the purchase rate", 1 } },
};

/* P(X(T, T+t] > 0 | alive at T, x, T).  Dropout happens only right after
 * a purchase, so a customer alive at T who makes no purchase in the next
 * t is one whose next purchase comes after T+t; given alive, lambda has
 * posterior Gamma(r+x, alpha+T) (Fader, Hardie & Lee 2005, sec. 3, the
 * step to eq. 10) and the exponential waiting time is memoryless:
 *   1 - ((alpha+T)/(alpha+T+t))^(r+x).
 * The same expression is P(X(t)=0) of eq. 8 with the updated (r, alpha);
 * Fader, Hardie & Lee 2005, "Counting your customers" technical appendix,
 * derive P(X(T,T+t] = 0 | x, t_x, T) = 1 - p_alive x this.  MBG/NBD
 * shares it (mbgnbd.c says why). */
double sk_bg_return_alive(const double *par, double t, double x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	return -expm1(-(par[0] + x) * log1p(t / (par[1] + T)));
}
