/* cnbd.c: the BG/CNBD-k and MBG/CNBD-k models (Platzer & Reutterer 2016,
 * "Ticking away the moments: timing regularity helps to better predict
 * customer activity", Marketing Science 35(5) 779-799; below "PR 2016";
 * the likelihood as BTYDplus writes it, R/mbg-cnbd-k.R xbgcnbd.LL, and
 * Reutterer, Platzer & Schroeder 2020, IJRM, for the MBG variant).
 *
 * BG/NBD (bgnbd.c) and MBG/NBD (mbgnbd.c) with Erlang-k inter-purchase
 * times instead of exponential ones: a customer's purchases are every
 * k-th event of a Poisson process of rate lambda ~ Gamma(r, alpha), so
 * the mean time between purchases is k / lambda and larger k means more
 * regular timing.  After each purchase (MBG: and at the first one) she
 * drops out with probability p ~ Beta(a, b).  k = 1 is BG/NBD (MBG/NBD)
 * exactly.  k is an integer: it is chosen by likelihood over 1..12 as
 * BTYDplus's xbgcnbd.EstimateParameters does, each k a four-parameter fit
 * through the shared scaffolding (sk_tmodel_fit_std); the fit stores k as
 * its fifth parameter, with no standard error.
 *
 * The likelihood needs, besides (x, t_x, T), the sum of the logarithms
 * of the inter-purchase times, litt (struct sk_rfm).  It enters ln L only
 * as (k-1) litt, independent of (r, alpha, a, b): patterns need not be
 * split by it, a merged pattern carries its weighted mean (sk_rfm_compress)
 * and the fits keep BG/NBD's number of patterns.
 *
 * Predictions given alive at T are exact, not BTYDplus's approximation
 * (its xbgcnbd.ConditionalExpectedTransactions rescales BG/NBD's formula
 * and corrects the bias over the cohort): given lambda and no purchase in
 * the d = T - t_x since the last one, the Poisson events counted since
 * then are j < k with probability proportional to (lambda d)^j / j!, so
 * the posterior of an alive customer is a mixture over j of
 * lambda ~ Gamma(r + kx + j, alpha + T) with k - j events to go before
 * the next purchase, the weights the terms of S2 below (PR 2016, eq. for
 * P(alive), the sum over j).  Events in a further t are then
 * NBD(r + kx + j, (alpha+T)/(alpha+T+t)) and every k-th is a purchase;
 * p has posterior Beta(a, b + x + shift), independent of lambda. */
#include "modelint.h"
#include "ratelim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "metrics.h"
#include "record/util.h"

#define KMAX 12		/* BTYDplus's grid: k = 1..12 */

/* ---- the likelihood ----
 *
 * PR 2016 (eq. 8 there; BTYDplus xbgcnbd.LL, P1..P4, S1, S2), with
 * m = r + kx and shift s = 0 (BG/CNBD-k) or 1 (MBG/CNBD-k):
 *   ln L = (k-1) litt - x ln (k-1)!
 *        + ln B(a, b+x+s)/B(a, b) + ln Gamma(m) - ln Gamma(r) + r ln alpha
 *        - m ln(alpha+T) + ln(S1 + S2),
 *   S1 = [s or x > 0] a/(b+x-1+s) ((alpha+T)/(alpha+t_x))^m,
 *   S2 = sum_{j<k} (m)_j (T-t_x)^j / (j! (alpha+T)^j)   ((m)_j rising).
 * S2 is the probability that a Gamma-mixed Erlang-k gap exceeds T - t_x,
 * S1 the customer dropping out after the last purchase.  Each term is
 * summed in logs (log-sum-exp): x in the hundreds overflows otherwise. */

struct cn_ctx {
	struct sk_rfm_set set;	/* patterns and their distinct-time index */
	double litt;		/* sum of w litt over the patterns */
	double xlg;		/* sum of w x */
	int k;
	double shift;
};

/* The k and shift of the fit running on this thread: sk_tmodel_fit_std
 * hands the likelihood only its patterns (as model.c passes the penalty). */
static _Thread_local int k_now = 1;
static _Thread_local double shift_now;

static void *cn_ctx_new(const struct sk_rfm *pat, size_t n)
{
	struct cn_ctx *c = sk_xcalloc(1, sizeof *c);
	c->set.pat = pat;
	c->set.n = n;
	sk_rfm_set_index(&c->set);
	for (size_t i = 0; i < n; i++) {
		c->litt += pat[i].w * (pat[i].x > 0 ? pat[i].litt : 0);
		c->xlg += pat[i].w * pat[i].x;
	}
	c->k = k_now;
	c->shift = shift_now;
	return c;
}

static void cn_ctx_free(void *ctx)
{
	struct cn_ctx *c = ctx;
	sk_rfm_set_free_index(&c->set);
	free(c);
}

struct cn_par {
	double r, alpha, a, b, s, la, lalpha;
	int k;
	double lg_r, lg_b, lg_ab, ps_r, ps_b, ps_ab;
	const double *lT, *ltx;
};

/* What depends on x only: the constant, the factors of the S2 terms and
 * the derivative of ln (m)_j. */
struct cn_x {
	double x, m, c, lbx, dr, da, db;
	double f[KMAX];		/* (m + j - 1) / j: term j of S2 over term j-1, over D */
	double drf[KMAX];	/* d ln (m)_j / dm = sum_{i<j} 1 / (m + i) */
};

static void set_par(struct cn_par *p, const double *par, int k, double s, int grad)
{
	p->r = par[0];
	p->alpha = par[1];
	p->a = par[2];
	p->b = par[3];
	p->k = k;
	p->s = s;
	p->la = log(p->a);
	p->lalpha = log(p->alpha);
	p->lg_r = gsl_sf_lngamma(p->r);
	p->lg_b = gsl_sf_lngamma(p->b);
	p->lg_ab = gsl_sf_lngamma(p->a + p->b);
	if (grad) {
		p->ps_r = gsl_sf_psi(p->r);
		p->ps_b = gsl_sf_psi(p->b);
		p->ps_ab = gsl_sf_psi(p->a + p->b);
	}
	p->lT = p->ltx = NULL;
}

static void set_x(struct cn_x *t, const struct cn_par *p, double x, int grad)
{
	double r = p->r, a = p->a, b = p->b, s = p->s, m = r + p->k * x;
	t->x = x;
	t->m = m;
	/* ln Gamma(m) alpha^r / Gamma(r) + ln B(a, b+x+s) / B(a, b) (the
	 * x ln (k-1)! of the Erlang densities is added with litt) */
	t->c = gsl_sf_lngamma(m) - p->lg_r + r * p->lalpha +
	       gsl_sf_lngamma(b + x + s) - gsl_sf_lngamma(a + b + x + s) - p->lg_b + p->lg_ab;
	t->lbx = s > 0 || x > 0 ? log(b + (x - 1 + s)) : 0;
	t->f[0] = t->drf[0] = 0;
	for (int j = 1; j < p->k; j++) {
		t->f[j] = (m + j - 1) / j;
		t->drf[j] = t->drf[j - 1] + 1 / (m + j - 1);
	}
	if (grad) {
		double ps_abx = gsl_sf_psi(a + b + x + s);
		t->dr = gsl_sf_psi(m) - p->ps_r + p->lalpha;
		t->da = p->ps_ab - ps_abx;
		t->db = gsl_sf_psi(b + x + s) - ps_abx - p->ps_b + p->ps_ab;
	}
}

/* ln L of one pattern without the litt term; lT = ln(alpha+T),
 * lt = ln(alpha+t_x); g: gradient in (r, alpha, a, b).  S2's terms are
 * summed as they are, each the last times (m+j-1)/j D with
 * D = (T-t_x)/(alpha+T) < 1: at most k = 12 positive terms, of size at
 * most m^11 (no overflow below m ~ 10^25), and one logarithm instead of k
 * exponentials; S1 joins in logs. */
static double ll_pattern(const struct cn_par *p, const struct cn_x *t, double t_x, double T,
			 double lT, double lt, double *g)
{
	double m = t->m, D = (T - t_x) / (p->alpha + T);
	double S2 = 1, Sr = 0, Sa = 0, c = 1;	/* sum c_j, c_j drf_j, c_j j */
	if (D > 0)
		for (int j = 1; j < p->k; j++) {
			c *= t->f[j] * D;
			S2 += c;
			Sr += c * t->drf[j];
			Sa += c * j;
		}
	double lse, pS = 0;
	double u1 = p->s > 0 || t->x > 0 ? p->la - t->lbx + m * (lT - lt) : -HUGE_VAL;
	if (u1 > -700 && u1 < 700) {
		/* S1 = e^u1 is a double: log(S1 + S2) and the share of S1
		 * from one exp and one log (the log-sum-exp below costs a
		 * third transcendental, a sixth of the fit's time) */
		double S1 = exp(u1), S = S1 + S2;
		lse = log(S);
		pS = S1 / S;
	} else {
		double l2 = S2 > 1 ? log(S2) : 0;
		lse = l2;
		if (u1 > -HUGE_VAL) {
			/* log(S1 + S2) in logs; one term 10^-17 of the other
			 * adds less than a rounding */
			double d = u1 - l2, e = fabs(d) < 40 ? exp(-fabs(d)) : 0;
			lse = (d > 0 ? u1 : l2) + (e > 1e-8 ? log1p(e) : e);
			pS = d > 0 ? 1 / (1 + e) : e / (1 + e);
		}
	}
	if (g) {
		double p2 = (1 - pS) / S2;
		g[0] = t->dr - lT + p2 * Sr + pS * (lT - lt);
		g[1] = p->r / p->alpha - m / (p->alpha + T) - p2 * Sa / (p->alpha + T) +
		       pS * m * (1 / (p->alpha + T) - 1 / (p->alpha + t_x));
		g[2] = t->da + pS / p->a;
		g[3] = t->db - (pS > 0 ? pS / (p->b + t->x - 1 + p->s) : 0);
	}
	return t->c - m * lT + lse;
}

static void sum_chunk(const void *terms, const void *data, size_t lo, size_t hi, int grad,
		      double *acc)
{
	const struct cn_par *p = terms;
	const struct cn_ctx *c = data;
	const struct sk_rfm_set *d = &c->set;
	const struct sk_rfm *pat = d->pat;
	struct cn_x t = { .x = -1 };
	double g[4], sum[5] = { 0 };
	for (size_t i = lo; i < hi; i++) {
		if (pat[i].x != t.x)
			set_x(&t, p, pat[i].x, grad);
		double t_x = pat[i].x > 0 ? pat[i].t_x : 0;
		double lT = p->lT ? p->lT[d->iT[i]] : log(p->alpha + pat[i].T);
		double lt = p->ltx && pat[i].x > 0 ? p->ltx[d->itx[i]] : log(p->alpha + t_x);
		double l = ll_pattern(p, &t, t_x, pat[i].T, lT, lt, grad ? g : NULL);
		sum[0] += pat[i].w * l;
		if (grad)
			for (int q = 0; q < 4; q++)
				sum[1 + q] += pat[i].w * g[q];
	}
	memcpy(acc, sum, sizeof sum);
}

/* The litt term of the total: (k-1) sum w litt - sum w x ln (k-1)!, the
 * Erlang-k densities' t^(k-1) / (k-1)! (PR 2016 eq. 8, BTYDplus P1). */
static double litt_total(const struct cn_ctx *c)
{
	if (c->k == 1)
		return 0;	/* BG/NBD's likelihood, whatever litt is */
	return (c->k - 1) * c->litt - c->xlg * gsl_sf_lnfact((unsigned)(c->k - 1));
}

/* -ln L in theta = log(r, alpha, a, b); ctx a struct cn_ctx
 * (sk_cnbd_ctx_new). */
double sk_cnbd_nll(const double *theta, double *grad, void *ctx)
{
	const struct cn_ctx *c = ctx;
	const struct sk_rfm_set *d = &c->set;
	double par[4];
	if (sk_theta_par(4, theta, par) < 0)
		return HUGE_VAL;
	struct cn_par p;
	set_par(&p, par, c->k, c->shift, grad != NULL);
	double *lT = NULL;
	if (d->uT) {
		lT = sk_malloc((d->nT + d->ntx) * sizeof *lT);
		if (lT) {
			for (size_t j = 0; j < d->nT; j++)
				lT[j] = log(p.alpha + d->uT[j]);
			for (size_t j = 0; j < d->ntx; j++)
				lT[d->nT + j] = log(p.alpha + d->utx[j]);
			p.lT = lT;
			p.ltx = lT + d->nT;
		}
	}
	double v = sk_nll_chunked(4, par, grad, d->n, 1024, sum_chunk, &p, c);
	free(lT);
	return v == HUGE_VAL ? v : v - litt_total(c);
}

/* BG/NBD's starts (sk_bg_starts) with alpha divided by k: the mean time
 * between purchases is k alpha / r here, alpha / r there. */
static void starts(const struct sk_rfm_sums *s, double *st)
{
	sk_bg_starts(s, st);
	for (int i = 0; i < 3; i++)
		st[i * 4 + 1] /= k_now;
}

static const struct sk_tfit_spec spec = {
	.npar = 4, .nll = sk_cnbd_nll, .nstart = 3, .starts = starts, .coarse = 1,
	.ctx_new = cn_ctx_new, .ctx_free = cn_ctx_free,
};

void *sk_cnbd_ctx_new(const struct sk_rfm *pat, size_t n, int k, double shift)
{
	k_now = k;
	shift_now = shift;
	void *c = cn_ctx_new(pat, n);
	k_now = 1;
	shift_now = 0;
	return c;
}

void sk_cnbd_ctx_free(void *ctx)
{
	cn_ctx_free(ctx);
}

int sk_cnbd_fit_k(int k, double shift, const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		  char *err, size_t errlen)
{
	k_now = k;
	shift_now = shift;
	int rc = sk_tmodel_fit_std(&spec, pat, n, out, err, errlen);
	k_now = 1;
	shift_now = 0;
	if (rc != 0)
		return rc;
	/* k is the fifth parameter; chosen, not estimated: no standard
	 * error, no covariance. */
	out->npar = 5;
	out->nfixed = 1;
	out->par[4] = k;
	out->se[4] = 0;
	for (int i = 0; i < SK_FIT_MAXPAR; i++)
		out->cov[4 * SK_FIT_MAXPAR + i] = out->cov[i * SK_FIT_MAXPAR + 4] = 0;
	return 0;
}

/* k by likelihood (BTYDplus xbgcnbd.EstimateParameters): k = 1, 2, ...
 * up to 12, stopping once the log-likelihood has fallen twice in a row,
 * or when a fit fails after k = 1.  Returns the k chosen (its fit in
 * *out), 0 with a reason in err when even k = 1 fails. */
static int scan_k(double shift, const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		  char *err, size_t errlen)
{
	double ll[KMAX + 1];
	int best = 0;
	for (int k = 1; k <= KMAX; k++) {
		struct sk_fit f;
		char e[400];
		if (sk_cnbd_fit_k(k, shift, pat, n, &f, e, sizeof e) != 0) {
			if (k == 1)
				snprintf(err, errlen, "%s", e);
			break;
		}
		ll[k] = f.loglik;
		if (!best || ll[k] > ll[best]) {
			best = k;
			*out = f;
		}
		if (k > 2 && ll[k] < ll[k - 1] && ll[k - 1] < ll[k - 2])
			break;
	}
	return best;
}

/* Many patterns: BTYDplus's scan on the coarse patterns of
 * sk_rfm_coarse_new (t_x and T on a grid of 48 steps; litt's total is
 * kept), where a fit costs little, then on the data from the k it found
 * uphill in the likelihood, one k at a time: two or three full fits
 * instead of up to twelve (1M customers with Erlang-6 gaps: 8 full fits
 * before).  Where the likelihood in k has one maximum, as in every data
 * set tried, both find it; small data is scanned as BTYDplus does. */
static int fit_best_k(double shift, const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (pat[i].w > 0 && pat[i].x > 0 && !isfinite(pat[i].litt)) {
			snprintf(err, errlen, "the records have no column \"litt\" (the sum of the "
				 "logs of the inter-purchase times); run summarize --litt, or give "
				 "the transaction log");
			return -1;
		}
	size_t nc = 0;
	struct sk_rfm *cc = sk_rfm_coarse_new(pat, n, &nc);
	struct sk_fit f;
	char e[400];
	int k0 = cc ? scan_k(shift, cc, nc, &f, e, sizeof e) : 0;
	free(cc);
	if (!k0 || sk_cnbd_fit_k(k0, shift, pat, n, out, e, sizeof e) != 0)
		return scan_k(shift, pat, n, out, err, errlen) ? 0 : -1;
	for (int dir = -1; dir <= 1; dir += 2) {
		int moved = 0;
		for (int k = (int)out->par[4] + dir; k >= 1 && k <= KMAX; k += dir) {
			if (sk_cnbd_fit_k(k, shift, pat, n, &f, e, sizeof e) != 0 ||
			    !(f.loglik > out->loglik))
				break;
			*out = f;
			moved = 1;
		}
		if (moved)
			break;	/* downhill the other way: k0 was below the top */
	}
	return 0;
}

static int fit_bg(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
		  size_t errlen)
{
	return fit_best_k(0, pat, n, out, err, errlen);
}

static int fit_mbg(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
		   size_t errlen)
{
	return fit_best_k(1, pat, n, out, err, errlen);
}

/* The nested test of --report: the fit against the same model at k = 1
 * (BG/NBD or MBG/NBD).  k is picked from a grid, not a continuous
 * parameter, so Wilks's chi-square with 1 df is an approximation (a
 * conservative one would count the grid); Platzer & Reutterer 2016
 * (section 5, their comparison of BG/CNBD-k with BG/NBD) compare the
 * likelihoods the same way.  0, or -1 when the fit at k = 1 fails. */
int sk_cnbd_nested(const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_rfm *pat, size_t n, double *ll1, struct sk_lrtest *lr)
{
	struct sk_fit f1;
	char err[400];
	double shift = tm == &sk_mbgcnbd;
	if (fit->par[4] == 1) {
		*ll1 = fit->loglik;
	} else {
		if (sk_cnbd_fit_k(1, shift, pat, n, &f1, err, sizeof err) != 0)
			return -1;
		*ll1 = f1.loglik;
	}
	sk_lrtest(fit->loglik, *ll1, 1, 0, lr);
	return 0;
}

/* par = (r, alpha, a, b, k) valid: k a whole number in 1..KMAX. */
static int par_ok(const double *par)
{
	return sk_par_ok(par, 4, DBL_MAX) && par[4] >= 1 && par[4] <= KMAX &&
	       par[4] == floor(par[4]);
}

/* One customer's ln L from her prepared terms (loglik1, ll_ab_limit). */
static double ll_one(const struct cn_par *p, const struct cn_x *t, double x, double t_x,
		     double T)
{
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	return ll_pattern(p, t, t_x, T, log(p->alpha + T), log(p->alpha + t_x), NULL) -
	       x * gsl_sf_lnfact((unsigned)(p->k - 1));
}

static double loglik1(const double *par, double x, double t_x, double T, double s)
{
	if (!par_ok(par) || x < 0 || T < 0)
		return -HUGE_VAL;
	struct cn_par p;
	struct cn_x t;
	set_par(&p, par, (int)par[4], s, 0);
	set_x(&t, &p, x, 0);
	return ll_one(&p, &t, x, t_x, T);
}

static double loglik1_bg(const double *par, double x, double t_x, double T)
{
	return loglik1(par, x, t_x, T, 0);
}

static double loglik1_mbg(const double *par, double x, double t_x, double T)
{
	return loglik1(par, x, t_x, T, 1);
}

/* The part of ln L in the inter-purchase times beyond (x, t_x, T). */
static double ll_litt(const double *par, double x, double litt)
{
	return x > 0 ? (par[4] - 1) * litt : 0;
}

/* ---- the limit a, b -> inf (ridge.c) ----
 *
 * Beta(a, b) with a + b -> inf and a/(a+b) = q fixed is a point mass at
 * q: every customer drops out with the same probability q after each
 * purchase (MBG: and at the first).  In PR 2016 eq. 8 (ll_pattern's
 * form) the Beta enters only through B(a, b+x+s)/B(a, b), whose limit is
 * (1-q)^(x+s), and S1's a/(b+x-1+s), whose limit is q/(1-q): so ln L at
 * the limit is ll_pattern with those two put in (the litt term does not
 * depend on a, b and is left out, as loglik1 leaves it). */
static double ll_ab_limit(const double *par, double x, double t_x, double T, double s)
{
	if (!par_ok(par) || x < 0 || T < 0)
		return -HUGE_VAL;
	struct cn_par p;
	struct cn_x t;
	set_par(&p, par, (int)par[4], s, 0);
	set_x(&t, &p, x, 0);
	double q = par[2] / (par[2] + par[3]);
	t.c = gsl_sf_lngamma(t.m) - p.lg_r + p.r * p.lalpha + (x + s) * log1p(-q);
	p.la = log(q);
	t.lbx = log1p(-q);
	return ll_one(&p, &t, x, t_x, T);
}

static double ll_ab_limit_bg(const double *par, double x, double t_x, double T)
{
	return ll_ab_limit(par, x, t_x, T, 0);
}

static double ll_ab_limit_mbg(const double *par, double x, double t_x, double T)
{
	return ll_ab_limit(par, x, t_x, T, 1);
}

/* ln L at the limit r, alpha -> inf with r/alpha fixed (ratelim.c). */
static double ll_r_limit_bg(const double *par, double x, double t_x, double T)
{
	return sk_cnbd_ll_rlimit(par, x, t_x, T, 0);
}

static double ll_r_limit_mbg(const double *par, double x, double t_x, double T)
{
	return sk_cnbd_ll_rlimit(par, x, t_x, T, 1);
}

/* ---- predictions ---- */

/* The posterior of a customer alive at T (see the top): the mixture
 * weights pi_j of the k - j events still to go, from the S2 terms, and
 * P(alive) = S2 / (S1 + S2) (PR 2016's P(alive); BTYDplus
 * xbgcnbd.PAlive).  Returns P(alive); w[j] the weights when w != NULL. */
static double alive_mix(const double *par, double x, double t_x, double T, double s,
			double *w)
{
	int k = (int)par[4];
	double r = par[0], alpha = par[1], a = par[2], b = par[3], m = r + k * x;
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	/* The S2 terms as ll_pattern sums them: each the last times
	 * (m+j-1)/j D, D = (T-t_x)/(alpha+T) < 1, from 1 (no logarithm or
	 * factorial a term: this runs for every pattern of every prediction) */
	double D = (T - t_x) / (alpha + T), u[KMAX], c = 1, s2 = 1;
	int nj = D > 0 ? k : 1;
	u[0] = 1;
	for (int j = 1; j < nj; j++)
		s2 += u[j] = c *= (m + j - 1) / j * D;
	if (w)
		for (int j = 0; j < k; j++)
			w[j] = j < nj ? u[j] / s2 : 0;
	if (!(s > 0) && x == 0)
		return 1;	/* BG: no drop-out before the first repeat purchase */
	double l1 = log(a) - log(b + (x - 1 + s)) + m * (log(alpha + T) - log(alpha + t_x));
	/* 1 / (1 + S1/S2), S1/S2 = exp(l1 - ln S2) */
	return sk_logistic_neg(l1 - log(s2));
}

double sk_cnbd_alive_mix(const double *par, double x, double t_x, double T, double s, double *w)
{
	return par_ok(par) && x >= 0 && T >= 0 ? alive_mix(par, x, t_x, T, s, w) : -1;
}

static double p_alive_bg(const double *par, double x, double t_x, double T)
{
	return par_ok(par) && x >= 0 && T >= 0 ? alive_mix(par, x, t_x, T, 0, NULL) : 0;
}

static double p_alive_mbg(const double *par, double x, double t_x, double T)
{
	return par_ok(par) && x >= 0 && T >= 0 ? alive_mix(par, x, t_x, T, 1, NULL) : 0;
}

/* E[X(T, T+t] | alive at T, x, t_x, T]: the mixture over j above. */
static double expected_given_alive(const double *par, double t, double x, double T, double s,
				   const double *pa_w)
{
	int k = (int)par[4];
	double r = par[0], alpha = par[1], a = par[2], b = par[3], q = (alpha + T) / (alpha + T + t);
	double e = 0;
	for (int j = 0; j < k; j++)
		if (pa_w[j] > 0)
			e += pa_w[j] * sk_cnbd_future_mean(r + k * x + j, q, j, k, a, b + x + s);
	return e;
}

static double expected(const double *par, double t, double x, double t_x, double T, double s)
{
	if (!par_ok(par) || !(t > 0) || x < 0 || T < 0)
		return 0;
	double w[KMAX];
	double pa = alive_mix(par, x, t_x, T, s, w);
	return pa * expected_given_alive(par, t, x, T, s, w);
}

static double expected_bg(const double *par, double t, double x, double t_x, double T)
{
	return expected(par, t, x, t_x, T, 0);
}

static double expected_mbg(const double *par, double t, double x, double t_x, double T)
{
	return expected(par, t, x, t_x, T, 1);
}

/* P(X(T, T+t] > 0 | x, t_x, T) = P(alive) sum_j pi_j P(Y_j >= k - j). */
static double p_return(const double *par, double t, double x, double t_x, double T, double s)
{
	if (!par_ok(par) || !(t > 0) || x < 0 || T < 0)
		return 0;
	int k = (int)par[4];
	double w[KMAX], q = (par[1] + T) / (par[1] + T + t), v = 0;
	double pa = alive_mix(par, x, t_x, T, s, w);
	for (int j = 0; j < k; j++)
		if (w[j] > 0)
			v += w[j] * sk_cnbd_nbd_tail((double)(k - j), par[0] + k * x + j, q);
	return pa * v;
}

static double p_return_bg(const double *par, double t, double x, double t_x, double T)
{
	return p_return(par, t, x, t_x, T, 0);
}

static double p_return_mbg(const double *par, double t, double x, double t_x, double T)
{
	return p_return(par, t, x, t_x, T, 1);
}

/* A customer just acquired is at an event (her first purchase: j = 0)
 * with lambda ~ Gamma(r, alpha); MBG: she survives time 0 with
 * probability E[1-p] = b/(a+b), after which p ~ Beta(a, b+1). */
static double expected_new(const double *par, double t, double s)
{
	if (!par_ok(par) || !(t > 0))
		return 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	double e = sk_cnbd_future_mean(r, alpha / (alpha + t), 0, (int)par[4], a, b + s);
	return s > 0 ? b / (a + b) * e : e;
}

static double expected_new_bg(const double *par, double t)
{
	return expected_new(par, t, 0);
}

static double expected_new_mbg(const double *par, double t)
{
	return expected_new(par, t, 1);
}

static double pmf(const double *par, double t, int n, double s)
{
	if (!par_ok(par) || !(t >= 0) || n < 0)
		return 0;
	if (t == 0)
		return n == 0;
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	double p = sk_cnbd_future_pmf(r, alpha / (alpha + t), 0, (int)par[4], a, b + s, n);
	if (s > 0)	/* MBG: gone at time 0 with probability a/(a+b) */
		p = b / (a + b) * p + (n == 0 ? a / (a + b) : 0);
	return p;
}

static double pmf_bg(const double *par, double t, int n)
{
	return pmf(par, t, n, 0);
}

static double pmf_mbg(const double *par, double t, int n)
{
	return pmf(par, t, n, 1);
}

double sk_cnbd_cond_pmf(const double *par, double t, int n, double x, double t_x, double T,
			double s)
{
	if (!par_ok(par) || !(t > 0) || x < 0 || T < 0 || n < 0)
		return 0;
	int k = (int)par[4];
	double w[KMAX], q = (par[1] + T) / (par[1] + T + t), v = 0;
	double pa = alive_mix(par, x, t_x, T, s, w);
	for (int j = 0; j < k; j++)
		if (w[j] > 0)
			v += w[j] * sk_cnbd_future_pmf(par[0] + k * x + j, q, j, k, par[2], par[3] + x + s, n);
	return pa * v + (n == 0 ? 1 - pa : 0);
}

/* The mixture of the predictions (struct sk_tmodel mix_alive and
 * mix_weights): component j is the alive customer k - j events short of
 * her next purchase. */
static int mix_alive(const double *par, double t, double x, double T, double s, double *ex,
		     double *ret)
{
	if (!par_ok(par) || !(t > 0) || x < 0 || T < 0) {
		ex[0] = 0;
		if (ret)
			ret[0] = 0;
		return 1;
	}
	int k = (int)par[4];
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	double q = (alpha + T) / (alpha + T + t);
	sk_cnbd_future_means(r + k * x, q, k, a, b + x + s, ex);
	if (ret)	/* NULL: clv's discounting needs only ex */
		for (int j = 0; j < k; j++)
			ret[j] = sk_cnbd_nbd_tail((double)(k - j), r + k * x + j, q);
	return k;
}

static int mix_alive_bg(const double *par, double t, double x, double T, double *ex,
			double *ret)
{
	return mix_alive(par, t, x, T, 0, ex, ret);
}

static int mix_alive_mbg(const double *par, double t, double x, double T, double *ex,
			 double *ret)
{
	return mix_alive(par, t, x, T, 1, ex, ret);
}

/* The weights do not depend on the shift (only P(alive) does). */
static void mix_weights(const double *par, double x, double t_x, double T, double *w)
{
	if (!par_ok(par) || x < 0 || T < 0) {
		w[0] = 1;
		return;
	}
	alive_mix(par, x, t_x, T, 0, w);
}

/* expected_alive and return_alive are NULL: with k > 1 the future of an
 * alive customer depends on the time since her last purchase, so neither
 * factors through (x, T); the tables give expected and p_return per
 * pattern instead. */
const struct sk_tmodel sk_bgcnbd = {
	.name = "bgcnbd", .title = "BG/CNBD-k", .npar = 5,
	.parname = { "r", "alpha", "a", "b", "k" }, .nfixed = 1, .fit = fit_bg,
	.loglik1 = loglik1_bg, .ll_litt = ll_litt, .p_alive = p_alive_bg,
	.expected = expected_bg, .expected_new = expected_new_bg, .pmf = pmf_bg,
	.p_return = p_return_bg, .mix_alive = mix_alive_bg, .mix_weights = mix_weights,
	.ridge = { { 2, 3, ll_ab_limit_bg, "the dropout probability", 0 },
		   { 0, 1, ll_r_limit_bg, "the rate of events (every k-th a purchase)", 1 } },
};

const struct sk_tmodel sk_mbgcnbd = {
	.name = "mbgcnbd", .title = "MBG/CNBD-k", .npar = 5,
	.parname = { "r", "alpha", "a", "b", "k" }, .nfixed = 1, .fit = fit_mbg,
	.loglik1 = loglik1_mbg, .ll_litt = ll_litt, .p_alive = p_alive_mbg,
	.expected = expected_mbg, .expected_new = expected_new_mbg, .pmf = pmf_mbg,
	.p_return = p_return_mbg, .mix_alive = mix_alive_mbg, .mix_weights = mix_weights,
	.ridge = { { 2, 3, ll_ab_limit_mbg, "the dropout probability", 0 },
		   { 0, 1, ll_r_limit_mbg, "the rate of events (every k-th a purchase)", 1 } },
};
