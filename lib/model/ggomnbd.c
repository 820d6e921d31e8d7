/* ggomnbd.c: the Gamma-Gompertz/NBD model (Bemmaor & Glady 2012,
 * "Modeling purchasing behavior with sudden 'death': a flexible customer
 * lifetime model", Management Science 58(5) 1012-1021; below "BG 2012").
 *
 * While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha),
 * as in the Pareto/NBD.  Her lifetime tau is Gompertz with scale b and a
 * customer's own eta, P(tau > y | eta) = exp(-eta (e^(b y) - 1)), and eta
 * ~ Gamma(s, beta) across customers, so that (BG 2012, sec. 2)
 *   S(y) = P(tau > y) = (beta / (beta + e^(b y) - 1))^s,
 *   g(y) = b s beta^s e^(b y) / (beta + e^(b y) - 1)^(s+1).
 * As b -> 0 with beta / b fixed, beta + e^(b y) - 1 ~ b (beta/b + y) and
 * S(y) -> ((beta/b) / (beta/b + y))^s: the Pareto/NBD with its beta =
 * beta / b.  So the Pareto/NBD is GGom/NBD's boundary b = 0 (BG 2012,
 * sec. 2), and a fit on data without an ageing hazard runs to it (see
 * fit() below).  Parameters, in CLVTools's order: r, alpha, b, s, beta.
 *
 * The likelihood and the predictions need integrals over the dropout
 * time.  They are computed by sk_quad (model.c: adaptive Gauss-Kronrod
 * 7/15 with an error estimate per component; one 15-point rule is
 * usually enough) after a change of variable that takes out the factor
 * (alpha + y)^-(r+x), which for frequent buyers falls by hundreds of
 * orders of magnitude over the window, and with the integrand scaled by
 * its largest value at the ends and the middle, so that nothing
 * overflows or underflows: the result is a logarithm.  A fixed
 * Gauss-Legendre rule would be faster but has no error estimate; GSL's
 * QAGS reports failures through its aborting error handler, which the
 * OpenMP loops that call these functions cannot switch off safely.
 *
 * Predictions never return NaN or infinity: invalid arguments give 0 and
 * recency is clamped to [0, T] (0 when x = 0). */
#include "record/util.h"
#include "modelint.h"
#include "ggomint.h"
#include "ratelim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#define NPAR 5

/* ---- the likelihood ----
 *
 * BG 2012, eq. for L (their likelihood of (x, t_x, T), as CLVTools
 * ggomnbd_LL_ind evaluates it; equation numbers not checked against the
 * paper): with m = r + x,
 *   L = Gamma(m) alpha^r / Gamma(r) [ (alpha+T)^-m S(T)
 *                                     + int_{t_x}^T (alpha+y)^-m g(y) dy ]:
 * alive at T after x purchases in (0, T], or dead at some y in (t_x, T]
 * after x purchases in (0, y]; lambda integrated out (the NBD). */

struct ll_int {
	double m, alpha, b, s, beta, lb;	/* lb = ln(alpha + t_x) */
	double tx, T;
	double k;		/* m - 1 */
	int wform;		/* 1: w = e^(-kappa v), 0: v = ln((alpha+y)/(alpha+t_x)) */
	double kappa;
	double off;		/* the log-integrand's scale */
	int nf;
};

/* What ll_f needs besides the logarithm at a node: ln(alpha + y) and
 * the Gompertz terms of y, kept from ll_h so that each node costs one
 * expm1 and one log of them, not two of each and two exponentials (the
 * likelihood's nodes were three quarters of a GGom/NBD fit). */
struct ll_node {
	double y, la, ld;	/* ln(alpha + y), ln(beta + e^(b y) - 1) */
	double q, ib;		/* e^(b y) / (beta + e^(b y) - 1), 1 / (...) */
};

/* ln of the integrand at v or w, without the factor (alpha+t_x)^-k
 * (and 1/|k| in the w form); the node's terms in *nd. */
static double ll_h(const struct ll_int *c, double u, struct ll_node *nd)
{
	double la, h, v;
	if (c->wform) {
		double lu = log(u);
		v = -lu / c->kappa;
		h = c->kappa == c->k ? 0 : (c->k / c->kappa - 1) * lu;
	} else {
		v = u;
		h = -c->k * u;
	}
	la = c->lb + v;	/* ln(alpha + y) */
	/* y within [t_x, T] (rounding, and w = 0 when rho underflows).  y
	 * from v by expm1, not as e^la - alpha: far out on the r, alpha
	 * ridge (alpha ~ 1e6) v spans ~1e-12 per segment, below ln(alpha)'s
	 * ulp, so e^la - alpha moved in ~500 steps over it and the
	 * quadrature never met its 1e-10 (512 intervals for each of 7e4
	 * segments: 77 s CPU on 1,000 customers, test_ratelim.c) */
	double y0 = c->tx + (c->alpha + c->tx) * expm1(v), y = fmin(fmax(y0, c->tx), c->T);
	double by = c->b * y, ld;
	if (by > 30) {	/* sk_ggom_lden's branch for e^(b y) beyond 1e13 */
		ld = sk_ggom_lden(c->beta, by);
		nd->ib = exp(-ld);
		nd->q = exp(by - ld);
	} else {
		double em1 = expm1(by), den = c->beta + em1;
		ld = log(den);
		nd->ib = 1 / den;
		nd->q = (em1 + 1) / den;
	}
	nd->y = y;
	nd->la = y == y0 ? la : log(c->alpha + y);
	nd->ld = ld;
	return h + by - (c->s + 1) * ld;
}

/* The integrand vector: f and f times d ln f / d(r, alpha, b, s, beta),
 * f being (alpha+y)^-m g(y) in the chosen variable (the constant
 * b s beta^s is added to the logarithm afterwards). */
static void ll_f(double u, double *f, void *vc)
{
	const struct ll_int *c = vc;
	struct ll_node nd;
	double h = ll_h(c, u, &nd);
	double e = exp(h - c->off);
	f[0] = e;
	if (c->nf == 1)
		return;
	double y = nd.y;
	f[1] = e * -nd.la;
	f[2] = e * -c->m / (c->alpha + y);
	f[3] = e * (1 / c->b + y - (c->s + 1) * y * nd.q);
	f[4] = e * (1 / c->s + log(c->beta) - nd.ld);
	f[5] = e * (c->s / c->beta - (c->s + 1) * nd.ib);
}

/* ln int_{t_x}^T (alpha+y)^-m g(y) dy and, with d, its derivatives in
 * (r, alpha, b, s, beta); -1 when the integral cannot be computed. */
int sk_ggom_log_dead(const double *par, double m, double tx, double T, double *l, double *d)
{
	double alpha = par[1], b = par[2], s = par[3], beta = par[4];
	struct ll_int c = { m, alpha, b, s, beta, log(alpha + tx), tx, T, m - 1, 0, 0, 0, d ? 6 : 1 };
	double V = log1p((T - tx) / (alpha + tx));	/* ln((alpha+T)/(alpha+t_x)) */
	double lo = 0, hi = V, lfac = -c.k * c.lb;
	/* Over the v range the factor e^(-k v) changes by e^(|k| V); beyond
	 * e^0.5, integrate in w = e^(-kappa v) instead, where the integrand
	 * is w^(k/kappa - 1) g / |kappa|: with kappa = k the factor is taken
	 * out entirely, but when k V is large w then reaches down to e^(-k V)
	 * where y changes on a scale of w itself (a near-singularity that
	 * costs ~40 bisections); so kappa V is kept at 5 at most and the
	 * rest left as a power of w, a polynomial the Kronrod rule handles. */
	if (fabs(c.k) * V > 0.5) {
		c.wform = 1;
		c.kappa = c.k < 0 || c.k * V <= 5 ? c.k : 5 / V;
		double ew = exp(-c.kappa * V);
		lo = fmin(ew, 1);
		hi = fmax(ew, 1);
		lfac -= log(fabs(c.kappa));
	}
	struct ll_node nd;
	c.off = fmax(ll_h(&c, lo, &nd), fmax(ll_h(&c, hi, &nd), ll_h(&c, 0.5 * (lo + hi), &nd)));
	double res[6];
	if (!isfinite(c.off))
		return -1;
	if (sk_quad(ll_f, &c, c.nf, lo, hi, 1e-10, res) < 0 || !(res[0] > 0))
		return -1;
	*l = lfac + c.off + log(res[0]) + log(b) + log(s) + s * log(beta);
	if (d) {
		for (int i = 0; i < 5; i++)
			d[i] = res[1 + i] / res[0];
		/* the w form's limits and factor depend on m and alpha; the
		 * derivatives above are of the y integral, which does not */
	}
	return 0;
}

/* The "alive at T" term: ln of (alpha+T)^-m S(T) and its derivatives in
 * (r, alpha, b, s, beta). */
void sk_ggom_alive(const double *par, double m, double T, double *lA, double *dA)
{
	double alpha = par[1], b = par[2], s = par[3], beta = par[4];
	double ldT = sk_ggom_lden(beta, b * T), lbeta = log(beta), la = log(alpha + T);
	*lA = -m * la + s * (lbeta - ldT);
	dA[0] = -la;
	dA[1] = -m / (alpha + T);
	dA[2] = -s * T * exp(b * T - ldT);
	dA[3] = lbeta - ldT;
	dA[4] = s / beta - s * exp(-ldT);
}

/* ln L = c + ln(A + D) from the constant c = ln(Gamma(m) alpha^r /
 * Gamma(r)) (dc its derivative in r), the alive term and the dead term
 * (lD = -inf when t_x = T); g, when not NULL, gets the gradient. */
double sk_ggom_combine(const double *par, double c, double dc, double lA, const double *dA,
		       double lD, const double *dD, double *g)
{
	double lW = sk_logaddexp(lA, lD), pA = exp(lA - lW), pD = 1 - pA;
	if (g) {
		for (int i = 0; i < NPAR; i++)
			g[i] = pA * dA[i] + (pD > 0 ? pD * dD[i] : 0);
		g[0] += dc;
		g[1] += par[0] / par[1];
	}
	return c + lW;
}

/* ln L of one pattern and, with g, its gradient in the natural
 * parameters. */
static double ll_pattern(const double *par, double x, double t_x, double T, double *g)
{
	double r = par[0], alpha = par[1];
	double m = r + x, tx = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	double c = gsl_sf_lngamma(m) - gsl_sf_lngamma(r) + r * log(alpha);
	double dc = g ? gsl_sf_psi(m) - gsl_sf_psi(r) + log(alpha) : 0;
	double lA, dA[NPAR], lD = -HUGE_VAL, dD[NPAR] = { 0 };
	sk_ggom_alive(par, m, T, &lA, dA);
	if (tx < T && sk_ggom_log_dead(par, m, tx, T, &lD, g ? dD : NULL) < 0)
		return -HUGE_VAL;
	return sk_ggom_combine(par, c, dc, lA, dA, lD, dD, g);
}

static void sum_chunk(const void *terms, const void *data, size_t lo, size_t hi, int grad,
		      double *acc)
{
	const double *par = terms;
	const struct sk_rfm *pat = data;
	double sum[1 + NPAR] = { 0 }, g[NPAR];
	for (size_t k = lo; k < hi; k++) {
		double l = ll_pattern(par, pat[k].x, pat[k].t_x, pat[k].T, grad ? g : NULL);
		if (!isfinite(l)) {
			sum[0] = -HUGE_VAL;
			break;
		}
		sum[0] += pat[k].w * l;
		for (int i = 0; grad && i < NPAR; i++)
			sum[1 + i] += pat[k].w * g[i];
	}
	memcpy(acc, sum, sizeof sum);
}

/* Negative log-likelihood in theta = log(r, alpha, b, s, beta), analytic
 * gradient in theta; ctx is a struct sk_rfm_set. */
double sk_ggomnbd_nll(const double *theta, double *grad, void *ctx)
{
	const struct sk_rfm_set *d = ctx;
	double par[NPAR];
	if (sk_theta_par(NPAR, theta, par) < 0)
		return HUGE_VAL;
	return sk_nll_chunked(NPAR, par, grad, d->n, 256, sum_chunk, par, d->pat);
}

static double loglik1(const double *par, double x, double t_x, double T)
{
	if (!sk_par_ok(par, NPAR, DBL_MAX) || !(x >= 0) || !(T >= 0))
		return -HUGE_VAL;
	return ll_pattern(par, x, t_x, T, NULL);
}

/* The start of the final fit, after the starts were tried on coarse
 * patterns. */
static _Thread_local double chosen[NPAR];

static void start_chosen(const struct sk_rfm_sums *s, double *st)
{
	(void)s;
	memcpy(st, chosen, sizeof chosen);
}

static const struct sk_tfit_spec spec_chosen = SK_GGOM_SPEC(start_chosen);

/* ln L of the data at par, from the tables (ggomtab.c) on the patterns
 * sorted and merged, and, when g is not NULL, its gradient in theta =
 * ln(r, alpha, b, s, beta); 0, or -1 with a reason. */
static int full_loglik(const struct sk_rfm *pat, size_t n, const double *par, double *ll,
		       double *g, char *err, size_t errlen)
{
	size_t m;
	double nobs, th[NPAR], gn[NPAR];
	struct sk_rfm *owned;
	const struct sk_rfm *c = sk_rfm_compressed(pat, n, &m, &nobs, &owned, err, errlen);
	if (!c)
		return -1;
	void *tab = sk_ggom_tab_new(c, m);
	for (int i = 0; i < NPAR; i++)
		th[i] = log(par[i]);
	*ll = -sk_ggom_tab_nll(th, gn, tab);
	sk_ggom_tab_free(tab);
	free(owned);
	if (!isfinite(*ll)) {
		snprintf(err, errlen, "the GGom/NBD likelihood is not finite at r = %g, alpha = "
			 "%g, b = %g, s = %g, beta = %g", par[0], par[1], par[2], par[3], par[4]);
		return -1;
	}
	for (int i = 0; g && i < NPAR; i++)
		g[i] = -gn[i];
	return 0;
}

/* The Pareto/NBD pre-fit, watched for its ridge.  On data whose dropout
 * hazard grows, exponential lifetimes spread less than a Gamma mixture
 * of them can, so the Pareto/NBD's likelihood keeps rising as s and
 * beta grow together towards one common rate s/beta (the ridge limit:
 * NBD purchases with an exponential lifetime of that rate, a known
 * degenerate case; pnbd.c sk_pnbd_warn_s).  BFGS crawls along it for
 * hundreds of iterations, each dearer than the last as the tail
 * integrals' z nears 1 (2,000 customers of bench/ggomgen.c: 7 s).  The
 * pre-fit is sk_pnbd_fit_watched (pnbd.c, "the ridge"): the
 * Pareto/NBD's own likelihood (so data off the ridge fit to the same
 * bytes) until a point has s > 30 and the likelihood still rises along
 * the ridge; there the fit ends.  That point is on the ridge, not a
 * maximum: it serves the score test of b = 0 and no more.  A wrong
 * guess costs time, never the answer: a frozen point with a score <= 0
 * gets the full Pareto/NBD fit, a GGom/NBD fit that ends on the
 * boundary gets boundary_fit's full one, and one that leaves b
 * unidentified is compared with it (not_below, fit() below): a frozen
 * point's positive score can be the wrong sign, the Pareto/NBD's
 * maximum being inside at a larger s (issue 20). */

/* On the boundary b -> 0 the maximum is the Pareto/NBD's (BG 2012, sec.
 * 2): the fit is that one, written as GGom/NBD parameters with b so small
 * (b max T = 1e-7) that e^(b y) - 1 = b y to 1e-7 over the data, and
 * beta = b times the Pareto/NBD's beta.  The log-likelihood is evaluated
 * there; r, alpha and s keep the Pareto/NBD's standard errors, b and
 * beta have none (only their ratio is identified).
 *
 * *score gets the score of the boundary, d ln L / d ln b along the ridge
 * where beta / b (the Pareto/NBD's beta) and r, alpha, s are fixed: the
 * sum of the gradient's components in ln b and ln beta.  Written out
 * (with gamma = beta / b, e^(b y) - 1 = b y + b^2 y^2 / 2 + ...), ln S(y)
 * moves by -s b y^2 / (2 (gamma + y)) + O(b^2): the score is b times the
 * derivative in b at b = 0 and has its sign.  Its two parts are each of
 * the order of the number of customers and nearly cancel; they come from
 * the same quadrature nodes, so the cancellation is only that of the
 * rounding (~1e-16 / (b max T) = 1e-9 relative to each part).
 *
 * watch: the pre-fit stops on the Pareto/NBD's ridge (above); returns 1
 * when it did, with *score that of the frozen point, *at the point and
 * out not a fit.  Without watch, the Pareto/NBD's own fit (its maximum,
 * or its ridge's end), the one the nested test compares with: from *at,
 * where the pre-fit froze (sk_pnbd_fit_from), or with at NULL from its
 * start (sk_pnbd_fit_quiet). */
static int boundary_fit(const struct sk_rfm *pat, size_t n, double maxT, int watch,
			struct sk_pnbd_ridge *at, struct sk_fit *out, double *score,
			struct sk_fit *pnbd, char *err, size_t errlen)
{
	struct sk_fit pf;
	/* without the Pareto/NBD's warning, given with the boundary's */
	double tol;
	int rc = watch ? sk_pnbd_fit_watched(pat, n, &pf, at, err, errlen)
		 : at ? sk_pnbd_fit_from(pat, n, at, &pf, &tol, err, errlen)
		      : sk_pnbd_fit_quiet(pat, n, &pf, &tol, err, errlen);
	int frozen = rc == 1;
	if (frozen) {
		for (int i = 0; i < 4; i++)
			pf.par[i] = exp(at->th[i]);
	} else if (rc != 0) {
		return -1;
	}
	*pnbd = pf;
	double b = 1e-7 / maxT, par[NPAR] = { pf.par[0], pf.par[1], b, pf.par[2], b * pf.par[3] };
	double ll, g[NPAR];
	if (full_loglik(pat, n, par, &ll, g, err, errlen) != 0)
		return -1;
	*score = g[2] + g[4];
	if (frozen)
		return 1;
	memset(out, 0, sizeof *out);
	out->npar = NPAR;
	memcpy(out->par, par, sizeof par);
	out->se[0] = pf.se[0];
	out->se[1] = pf.se[1];
	out->se[3] = pf.se[2];
	out->loglik = ll;
	out->nobs = pf.nobs;
	out->iterations = pf.iterations;
	out->converged = pf.converged;
	return 0;
}

/* pnbd: the Pareto/NBD fit behind the boundary fit, whose warning goes
 * with it (NULL when there is none). */
static void warn_boundary(double maxT, const struct sk_fit *f, const struct sk_fit *pnbd)
{
	if (pnbd)
		sk_pnbd_warn_s(pnbd);
	sk_warn("GGom/NBD: the dropout hazard does not grow over these %g time "
		"units, so the fit is the Pareto/NBD's (b -> 0, its beta = beta/b = "
		"%.4g); b and beta are not identified apart (--model-type pnbd fits "
		"the same with one parameter fewer)", maxT, f->par[4] / f->par[2]);
}

/* The fit from the starts is a maximum of BFGS's finding; GGom/NBD
 * contains the Pareto/NBD (b -> 0, BG 2012 sec. 2), so its maximum is
 * at least the Pareto/NBD's, and a fit that ends below that is not the
 * maximum (issue 20: 50,000 customers with exponential lifetimes of
 * mean 150 days ended at b = 0.0015, s = 4.4 with ln L 0.088 below the
 * Pareto/NBD's, where the likelihood is flat in b, s and beta).  The
 * comparison needs the Pareto/NBD's own maximum: known when the pre-fit
 * was not frozen on the ridge (have_bnd); else fitted here, but only when
 * b is not identified (b < 3 se(b), or no standard errors): a fit with b
 * well away from 0 is far above the boundary, and the Pareto/NBD's move
 * along its ridge is dear (bench/ggomgen.c's 1M customers: 12 s CPU,
 * three times the whole GGom/NBD fit).  Below the boundary, with a
 * positive score there, the fit is started again from the boundary
 * moved into b > 0 (b max T = 0.1, beta / b kept); what is still below
 * (or a score <= 0: the boundary is a maximum for b >= 0) gives the
 * boundary, with a warning.  frozen: where the pre-fit froze (the
 * Pareto/NBD's fit goes on from there), NULL when it did not.  1 when
 * out is the boundary now, 0 when out stays (or is the restart's), -1
 * on failure. */
static int not_below(const struct sk_rfm *pat, size_t n, double maxT,
		     struct sk_pnbd_ridge *frozen, int have_bnd, struct sk_fit *out,
		     struct sk_fit *bnd, double *score, struct sk_fit *pnbd, char *err,
		     size_t errlen)
{
	int loose = !out->se_ok || !(out->par[2] > 3 * out->se[2]);
	if (!have_bnd && frozen && loose) {
		if (boundary_fit(pat, n, maxT, 0, frozen, bnd, score, pnbd, err, errlen) != 0)
			return -1;
		have_bnd = 1;
	}
	if (!have_bnd || out->loglik >= bnd->loglik)
		return 0;
	double below = out->loglik;
	if (*score > 0) {
		struct sk_fit g;
		double b = 0.1 / maxT;
		chosen[0] = bnd->par[0];
		chosen[1] = bnd->par[1];
		chosen[2] = b;
		chosen[3] = bnd->par[3];
		chosen[4] = b * bnd->par[4] / bnd->par[2];
		if (sk_tmodel_fit_std(&spec_chosen, pat, n, &g, err, errlen) == 0 &&
		    g.loglik >= bnd->loglik) {
			*out = g;
			return 0;
		}
	}
	sk_warn("GGom/NBD: the fit from the starts ended below the Pareto/NBD it contains "
		"(ln L %.4f < %.4f): the fit is the Pareto/NBD's boundary b -> 0", below,
		bnd->loglik);
	*out = *bnd;
	return 1;
}

/* First the boundary: the Pareto/NBD is fitted (fast: closed forms) and
 * the score test of b = 0 taken there.  At the Pareto/NBD's maximum the
 * derivatives in r, alpha, s and beta / b are 0, so when the score in b
 * is <= 0 the boundary point meets the conditions for a maximum of the
 * likelihood restricted to b >= 0, and the likelihood-ratio statistic of
 * b = 0 is 0 (Self & Liang 1987, "Asymptotic properties of maximum
 * likelihood estimators and likelihood ratio tests under nonstandard
 * conditions", JASA 82(398) 605-610, case 2: a parameter on the
 * boundary, the statistic a 50:50 mixture of chi^2_0 and chi^2_1): the
 * fit is boundary_fit's and no GGom/NBD optimisation is run (a million
 * bench customers: 8.4 -> 1.4 s CPU; CDNOW 1.06 -> 0.01 s; churn's
 * auto on tests/data/regular_sample.csv, 300 customers, 3.6 -> 0.1 s).
 * Else the
 * hazard may grow and the maximum is inside; the Pareto/NBD fit is then
 * extra cost, which was large when its own s ran along its ridge s, beta
 * -> inf (2,000 simulated customers with b = 0.08: 1.4 -> 5.9 s CPU)
 * until the pre-fit learnt to stop there (sk_pnbd_fit_watched, above).
 *
 * Then the starts are tried on coarse patterns (sk_rfm_coarse_new: large
 * data) or on the data, and the best continued on the data.  When the
 * best ends with b max T < 1e-2 the hazard does not grow over the window
 * and the maximum is on the Pareto/NBD boundary, where b and beta drift
 * together along a flat ridge for hundreds of iterations (Bemmaor &
 * Glady's CDNOW fit is such a one: b = 0.0002, beta = 0.0026; CLVTools
 * reaches b = 1.1e-6, beta = 1.3e-5 with the same log-likelihood): then
 * the fit is boundary_fit's.  Not with a penalty, which pulls log b away
 * from the boundary and has its maximum inside. */
static int fit(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	       size_t errlen)
{
	double maxT = 0;
	for (size_t i = 0; i < n; i++)
		maxT = fmax(maxT, pat[i].T);
	struct sk_fit bnd, pnbd;
	struct sk_pnbd_ridge at;
	double score = 0;
	int have_bnd = 0, frozen = 0;
	if (sk_tmodel_penalty() == 0) {
		int rc = boundary_fit(pat, n, maxT, 1, &at, &bnd, &score, &pnbd, err, errlen);
		/* On the ridge with a score <= 0 the boundary is the fit after
		 * all: then the Pareto/NBD's own fit, to its end, from where
		 * the pre-fit froze (its watched fit is not run again). */
		if (rc == 1 && score <= 0)
			rc = boundary_fit(pat, n, maxT, 0, &at, &bnd, &score, &pnbd, err, errlen);
		have_bnd = rc == 0;
		frozen = rc == 1;
	}
	if (have_bnd && score <= 0) {
		*out = bnd;
		warn_boundary(maxT, out, &pnbd);
		return 0;
	}
	size_t mc = 0;
	struct sk_rfm *cc = n >= 20000 ? sk_rfm_coarse_new(pat, n, &mc) : NULL;
	int rc = sk_ggom_best_start(cc ? cc : pat, cc ? mc : n, out, err, errlen);
	free(cc);
	if (rc != 0)
		return -1;
	int boundary = out->par[2] * maxT < 1e-2 && sk_tmodel_penalty() == 0;
	if (boundary) {
		/* The coarse patterns chose the boundary; the data must agree:
		 * the best start's estimate may not fit them better than the
		 * Pareto/NBD limit does. */
		struct sk_fit best = *out;
		double llc = -HUGE_VAL;
		if (!have_bnd && boundary_fit(pat, n, maxT, 0, frozen ? &at : NULL, &bnd, &score,
					     &pnbd, err, errlen) != 0)
			return -1;
		*out = bnd;
		if (cc && full_loglik(pat, n, best.par, &llc, NULL, err, errlen) == 0 &&
		    llc > out->loglik + 1e-3 + 1e-9 * fabs(out->loglik)) {
			boundary = 0;
			*out = best;
		}
	}
	/* Without a penalty the starts' estimate is BFGS's alone
	 * (sk_ggom_best_start, ggomstart.c): polished here also on data
	 * too small for coarse patterns, where it reports the iterations to
	 * the estimate, the start's, as when the start's fit was polished
	 * itself. */
	if (!boundary && (cc || sk_tmodel_penalty() == 0)) {
		int its = out->iterations;
		memcpy(chosen, out->par, sizeof chosen);
		if (sk_tmodel_fit_std(&spec_chosen, pat, n, out, err, errlen) != 0)
			return -1;
		if (!cc)
			out->iterations = its;
	}
	if (!boundary && sk_tmodel_penalty() == 0) {
		int rc = not_below(pat, n, maxT, frozen ? &at : NULL, have_bnd, out, &bnd, &score,
				   &pnbd, err, errlen);
		if (rc < 0)
			return -1;
		boundary = rc == 1;
	}
	if (boundary)
		warn_boundary(maxT, out, &pnbd);
	else if (out->par[2] * maxT < 1e-2)
		warn_boundary(maxT, out, NULL);
	return 0;
}

/* ---- predictions ---- */

/* P(alive | x, t_x, T): the share of the "alive" term in L (BG 2012,
 * P(alive); CLVTools ggomnbd_PAlive). */
/* Within the Pareto/NBD limit: when b y <= 2e-7 over all the times y a
 * prediction looks at, beta + e^(b y) - 1 = b (beta/b + y) (1 + O(b y)),
 * so S(y) is the Pareto/NBD's with beta/b to within s b y relative, and
 * the prediction is the Pareto/NBD's (pnbd.c: closed forms and cached
 * tails, where this file integrates for every customer).  Fits on the
 * boundary (fit() below) have b max T = 1e-7.  pn gets (r, alpha, s,
 * beta/b); 1 when the limit applies. */
static int as_pnbd(const double *par, double span, double *pn)
{
	if (!(par[2] * span <= 2e-7))
		return 0;
	pn[0] = par[0];
	pn[1] = par[1];
	pn[2] = par[3];
	pn[3] = par[4] / par[2];
	return isfinite(pn[3]) && pn[3] > 0;
}

static double p_alive(const double *par, double x, double t_x, double T)
{
	double pn[4];
	if (!sk_par_ok(par, NPAR, DBL_MAX) || !(x >= 0) || !(T >= 0))
		return 0;
	if (as_pnbd(par, T, pn))
		return sk_pnbd.p_alive(pn, x, t_x, T);
	double r = par[0], alpha = par[1], b = par[2], s = par[3], beta = par[4];
	double m = r + x, tx = x > 0 ? fmin(fmax(t_x, 0), T) : 0, lD;
	if (!(tx < T))
		return 1;
	if (sk_ggom_log_dead(par, m, tx, T, &lD, NULL) < 0)
		return 0;
	double lA = -m * log(alpha + T) + s * (log(beta) - sk_ggom_lden(beta, b * T));
	double pa = sk_logistic_neg(lD - lA);
	return isfinite(pa) ? fmin(fmax(pa, 0), 1) : 0;
}

/* p_alive of many patterns: on the fit's tables (ggomtab.c), where the
 * Gompertz part is computed once per quadrature node for all patterns
 * (1M bench/ggomgen.c customers, 6e5 patterns: 3.2 s of per-pattern
 * quadrature before).  Within the Pareto/NBD limit, or on a value
 * p_alive would reject, per pattern (-1), as before. */
static int p_alive_all(const double *par, const struct sk_rfm *pat, size_t n, double *pa)
{
	double pn[4], maxT = 0;
	if (!sk_par_ok(par, NPAR, DBL_MAX))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(pat[i].x >= 0) || !(pat[i].T >= 0) || !isfinite(pat[i].T))
			return -1;
		maxT = fmax(maxT, pat[i].T);
	}
	if (as_pnbd(par, maxT, pn))
		return -1;
	void *tab = sk_ggom_tab_new(pat, n);
	int rc = sk_ggom_tab_alive(tab, par, pa);
	sk_ggom_tab_free(tab);
	for (size_t i = 0; rc == 0 && i < n; i++)
		pa[i] = isfinite(pa[i]) ? fmin(fmax(pa[i], 0), 1) : 0;
	return rc;
}

/* Given alive at T, eta has posterior Gamma(s, beta + e^(b T) - 1) (the
 * likelihood of surviving to T is exp(-eta (e^(bT) - 1))), so the
 * remaining lifetime has P(tau > T + u | tau > T) = (B / (B + e^(b u) -
 * 1))^s with B = 1 + (beta - 1) e^(-b T): a Gamma-Gompertz again, with
 * beta replaced by B (the conditional survival behind BG 2012's
 * conditional expectation, as corrected by Adler 2022, Management Science
 * erratum; CLVTools ggomnbd_CET).  Written without e^(b T). */
static double beta_at(double b, double beta, double T)
{
	return 1 + (beta - 1) * exp(-b * T);
}

struct surv_int {
	double b, s, B, m, A;
	int kind;		/* 0: S, 1: return_alive's, 2: discounted on (0, inf) */
	double delta;
};

static double lsurv(double b, double s, double B, double u)
{
	return s * (log(B) - sk_ggom_lden(B, b * u));
}

static void surv_f(double u, double *f, void *vc)
{
	const struct surv_int *c = vc;
	if (c->kind == 0) {
		f[0] = exp(lsurv(c->b, c->s, c->B, u));
	} else if (c->kind == 1) {
		/* u = v, the time A (e^v - 1) */
		double t = c->A * expm1(u);
		f[0] = c->m * exp(-c->m * u + lsurv(c->b, c->s, c->B, t));
	} else {
		/* u in [0, 1), the time v / (1 - v) */
		if (!(u < 1)) {
			f[0] = 0;
			return;
		}
		double t = u / (1 - u);
		f[0] = exp(-c->delta * t + lsurv(c->b, c->s, c->B, t)) / ((1 - u) * (1 - u));
	}
}

/* int_0^t (B / (B + e^(b u) - 1))^s du: the expected time alive in the
 * next t of a customer alive now. */
static double alive_time(double b, double s, double B, double t)
{
	struct surv_int c = { b, s, B, 0, 0, 0, 0 };
	double q;
	if (sk_quad(surv_f, &c, 1, 0, t, 1e-10, &q) < 0 || !isfinite(q))
		return 0;
	return fmin(fmax(q, 0), t);
}

/* E[X(T, T+t] | alive at T, x, T] = (r+x)/(alpha+T) int_0^t S_T(u) du:
 * lambda | alive ~ Gamma(r+x, alpha+T), independent of the lifetime
 * (BG 2012 conditional expectation with Adler's 2022 correction). */
static double expected_alive(const double *par, double t, double x, double T)
{
	double pn[4];
	if (!sk_par_ok(par, NPAR, DBL_MAX) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	if (as_pnbd(par, T + t, pn))
		return sk_pnbd.expected_alive(pn, t, x, T);
	double B = beta_at(par[2], par[4], T);
	double v = (par[0] + x) / (par[1] + T) * alive_time(par[2], par[3], B, t);
	return isfinite(v) && v >= 0 ? v : 0;
}

static double expected(const double *par, double t, double x, double t_x, double T)
{
	double v = p_alive(par, x, t_x, T) * expected_alive(par, t, x, T);
	return isfinite(v) ? v : 0;
}

/* E[X(t)] = r/alpha int_0^t S(u) du (BG 2012, the unconditional mean;
 * CLVTools ggomnbd_expectation integrates the same by parts). */
static double expected_new(const double *par, double t)
{
	double pn[4];
	if (!sk_par_ok(par, NPAR, DBL_MAX) || !(t > 0))
		return 0;
	if (as_pnbd(par, t, pn))
		return sk_pnbd.expected_new(pn, t);
	double v = par[0] / par[1] * alive_time(par[2], par[3], par[4], t);
	return isfinite(v) ? v : 0;
}

/* P(X(T, T+t] > 0 | alive at T, x, T): the next purchase comes at u
 * with density E[lambda e^(-lambda u)] = (r+x)/A (A/(A+u))^(r+x+1),
 * A = alpha+T, and the customer must still be alive then:
 *   int_0^t (r+x)/A (A/(A+u))^(r+x+1) S_T(u) du,
 * as pnbd.c's return_alive with the Gamma-Gompertz survival; with u =
 * A (e^v - 1) the integrand is (r+x) e^(-(r+x) v) S_T(u). */
static double return_alive(const double *par, double t, double x, double T)
{
	double pn[4];
	if (!sk_par_ok(par, NPAR, DBL_MAX) || !(t > 0) || !(x >= 0) || !(T >= 0))
		return 0;
	if (as_pnbd(par, T + t, pn))
		return sk_pnbd.return_alive(pn, t, x, T);
	struct surv_int c = { par[2], par[3], beta_at(par[2], par[4], T), par[0] + x,
			      par[1] + T, 1, 0 };
	double q;
	if (sk_quad(surv_f, &c, 1, 0, log1p(t / c.A), 1e-10, &q) < 0 || !isfinite(q))
		return 0;
	return fmin(fmax(q, 0), 1);
}

/* DERT(delta | x, t_x, T) = P(alive) (r+x)/(alpha+T)
 *   int_0^inf e^(-delta u) S_T(u) du
 * (the discounted expected transactions of Fader, Hardie & Lee 2005,
 * "RFM and CLV", JMR 42(4), eq. 2, with the Gamma-Gompertz survival in
 * place of the Pareto/NBD's), integrated on u = v / (1 - v); dert_pa
 * takes P(alive) from a caller that has it (model.h). */
static double dert_pa(const double *par, double delta, double pa, double x, double T)
{
	if (!sk_par_ok(par, NPAR, DBL_MAX) || !(delta > 0) || !isfinite(delta) || !(x >= 0) ||
	    !(T >= 0))
		return 0;
	struct surv_int c = { par[2], par[3], beta_at(par[2], par[4], T), 0, 0, 2, delta };
	double q;
	if (sk_quad(surv_f, &c, 1, 0, 1, 1e-10, &q) < 0 || !isfinite(q))
		return 0;
	q = fmin(fmax(q, 0), 1 / delta);
	double v = pa * (par[0] + x) / (par[1] + T) * q;
	return isfinite(v) ? v : 0;
}

static double dert(const double *par, double delta, double x, double t_x, double T)
{
	if (!sk_par_ok(par, NPAR, DBL_MAX) || !(delta > 0) || !isfinite(delta) || !(x >= 0) ||
	    !(T >= 0))
		return 0;
	return dert_pa(par, delta, p_alive(par, x, t_x, T), x, T);
}

struct pmf_int {
	double c0, k, r, alpha, b, s, beta, off;
};

static double pmf_h(const struct pmf_int *c, double y)
{
	double l = c->c0 - (c->r + c->k) * log(c->alpha + y) + c->b * y -
		   (c->s + 1) * sk_ggom_lden(c->beta, c->b * y);
	if (c->k > 0)
		l += y > 0 ? c->k * log(y) : -HUGE_VAL;
	return l;
}

static void pmf_f(double y, double *f, void *vc)
{
	const struct pmf_int *c = vc;
	f[0] = exp(pmf_h(c, y) - c->off);
}

/* P(X(t) = k) for a new customer: conditioning on the dropout time,
 *   NB(k; r, alpha/(alpha+t)) S(t) + int_0^t NB(k; r, alpha/(alpha+y)) g(y) dy
 * (BG 2012; CLVTools ggomnbd_PMF evaluates the same). */
static double pmf(const double *par, double t, int k)
{
	if (!sk_par_ok(par, NPAR, DBL_MAX) || k < 0 || !(t >= 0))
		return 0;
	if (t == 0)
		return k == 0 ? 1 : 0;
	double r = par[0], alpha = par[1], b = par[2], s = par[3], beta = par[4];
	double lnbc = gsl_sf_lngamma(r + k) - gsl_sf_lngamma(r) - gsl_sf_lngamma(k + 1.0);
	double p = exp(lnbc + r * log(alpha / (alpha + t)) + k * log(t / (alpha + t)) +
		       s * (log(beta) - sk_ggom_lden(beta, b * t)));
	struct pmf_int c = { lnbc + r * log(alpha) + log(b) + log(s) + s * log(beta), k, r,
			     alpha, b, s, beta, 0 };
	c.off = fmax(pmf_h(&c, t), fmax(pmf_h(&c, 0.5 * t), pmf_h(&c, k > 0 ? 0.1 * t : 0)));
	double q = 0;
	if (isfinite(c.off) && sk_quad(pmf_f, &c, 1, 0, t, 1e-10, &q) >= 0 && isfinite(q))
		p += exp(c.off) * q;
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

const struct sk_tmodel sk_ggomnbd = {
	.name = "ggomnbd", .title = "GGom/NBD", .npar = NPAR,
	.parname = { "r", "alpha", "b", "s", "beta" }, .fit = fit, .loglik1 = loglik1,
	.p_alive = p_alive, .p_alive_all = p_alive_all, .expected = expected,
	.expected_alive = expected_alive,
	.expected_new = expected_new, .pmf = pmf, .dert = dert, .dert_pa = dert_pa,
	.return_alive = return_alive,
	.ridge = { { 0, 1, sk_ggom_ll_rlimit, "the purchase rate", 1 } },
};
