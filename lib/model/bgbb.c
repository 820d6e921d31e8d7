/* bgbb.c: the beta-geometric/beta-Bernoulli (BG/BB) model of repeat
 * transactions in discrete time (Fader, Hardie & Shang 2010,
 * "Customer-Base Analysis in a Discrete-Time Noncontractual Setting",
 * Marketing Science 29(6)).
 *
 * A customer has n transaction opportunities after the first purchase.
 * While alive she transacts at each opportunity with probability p; at the
 * start of every opportunity she may die with probability theta;
 * p ~ beta(alpha, beta), theta ~ beta(gamma, delta).  Data per customer:
 * x repeat transactions, t_x = the opportunity of the last one (0 when
 * x = 0), n = T.  All three are integers stored in double.
 *
 * Everything is computed in log space: the likelihood is a sum of up to
 * n - t_x + 1 positive terms of very different sizes, and heavy or long
 * histories underflow a naive product of beta functions.
 */
#include "modelint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* Opportunities beyond this are refused by the fit and clamped by the
 * predictions: the likelihood costs O(n - t_x) per pattern, and a count
 * this large means the caller chose a far too fine time unit. */
#define MAXN 1e6

/* A horizon longer than this uses the closed form of the sum of survival
 * probabilities instead of adding it up term by term. */
#define DIRECT_SUM_MAX 5000

/* DERT: discount rates per period below this are raised to it; the series
 * needs about 46/d terms, and with gamma <= 1 it diverges at d = 0. */
#define DERT_MIN_RATE 1e-4

/* Exported only for tests/unit/test_spend.c, which declares it itself:
 * the gradient check needs the static objective. */
double sk_bgbb_gradcheck(const struct sk_rfm *pat, size_t n, const double *par);

/* Parameters and the pieces of the likelihood that do not depend on the
 * customer, computed once per evaluation. */
struct bgbb {
	double a, b, g, d;	/* alpha, beta, gamma, delta */
	double lbab, lbgd;	/* ln B(alpha, beta), ln B(gamma, delta) */
	/* digammas for the gradient (only set when wanted) */
	double psa, psb, psab, psgd, psd;
};

static void setup(struct bgbb *P, const double *par, int want_grad)
{
	P->a = par[0];
	P->b = par[1];
	P->g = par[2];
	P->d = par[3];
	P->lbab = gsl_sf_lnbeta(P->a, P->b);
	P->lbgd = gsl_sf_lnbeta(P->g, P->d);
	if (want_grad) {
		P->psa = gsl_sf_psi(P->a);
		P->psb = gsl_sf_psi(P->b);
		P->psab = gsl_sf_psi(P->a + P->b);
		P->psd = gsl_sf_psi(P->d);
		P->psgd = gsl_sf_psi(P->g + P->d);
	}
}

/* Round a count stored in double to the nearest integer >= 0, at most MAXN. */
static double count(double v)
{
	if (!(v > 0))
		return 0;
	if (v > MAXN)
		return MAXN;
	return floor(v + 0.5);
}

/* A horizon in opportunities: only whole opportunities happen, so 2.5
 * means 2 (the 1e-9 forgives 2.9999999999 from unit conversion). */
static double horizon(double t)
{
	if (!(t > 0))
		return 0;
	if (t > MAXN)
		return MAXN;
	return floor(t + 1e-9);
}

/* Make (x, t_x, n) a valid pattern for the predictions: integers with
 * 0 <= x <= t_x <= n and t_x = 0 when x = 0.  The fit refuses patterns that
 * need this; the prediction functions clamp so they never return NaN. */
static void normalise(double *x, double *t_x, double *n)
{
	*n = count(*n);
	*x = fmin(count(*x), *n);
	*t_x = *x > 0 ? fmin(fmax(count(*t_x), *x), *n) : 0;
}

/* Log-likelihood of one pattern (Fader, Hardie & Shang 2010, eq. 5):
 *
 *   L = B(a+x, b+n-x)/B(a,b) * B(g, d+n)/B(g,d)
 *     + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) * B(g+1, d+t_x+i)/B(g,d)
 *
 * The first term is "alive through opportunity n", term i is "alive at
 * t_x + i, dead at the next opportunity".  Successive terms of the sum
 * differ by the factor (b+t_x-x+i)/(a+b+t_x+i) * (d+t_x+i)/(g+d+1+t_x+i)
 * (B(a, b+1) = B(a, b) b/(a+b)), so only two beta functions are needed
 * and the digammas of the gradient follow from psi(z+1) = psi(z) + 1/z.
 * When grad != NULL it receives d lnL / d(alpha, beta, gamma, delta). */
static double pattern_ll(const struct bgbb *P, double x, double t_x, double n, double *grad)
{
	const double a = P->a, b = P->b, g = P->g, d = P->d;
	double lA = gsl_sf_lnbeta(a + x, b + (n - x)) - P->lbab
		  + gsl_sf_lnbeta(g, d + n) - P->lbgd;
	double m = lA, lC = 0;
	long nterm = (long)(n - t_x);
	if (nterm > 0) {
		lC = gsl_sf_lnbeta(a + x, b + (t_x - x)) - P->lbab
		   + gsl_sf_lnbeta(g + 1, d + t_x) - P->lbgd;
		if (lC > m)
			m = lC;
	}
	double eA = exp(lA - m), sum = eA;
	double gs[4] = { 0, 0, 0, 0 };
	double psax = 0;
	if (grad) {
		psax = gsl_sf_psi(a + x);
		double psabn = gsl_sf_psi(a + b + n), psgdn = gsl_sf_psi(g + d + n);
		gs[0] = eA * (psax - psabn - P->psa + P->psab);
		gs[1] = eA * (gsl_sf_psi(b + (n - x)) - psabn - P->psb + P->psab);
		gs[2] = eA * (P->psgd - psgdn);
		gs[3] = eA * (gsl_sf_psi(d + n) - psgdn - P->psd + P->psgd);
	}
	if (nterm > 0) {
		double e = exp(lC - m);
		double zab = a + b + t_x, zb = b + (t_x - x), zgd = g + d + 1 + t_x, zd = d + t_x;
		double pab = 0, pb = 0, pgd = 0, pd = 0;
		if (grad) {
			pab = gsl_sf_psi(zab);
			pb = gsl_sf_psi(zb);
			pgd = gsl_sf_psi(zgd);
			pd = gsl_sf_psi(zd);
		}
		for (long i = 0; i < nterm && e > 0; i++) {
			sum += e;
			if (grad) {
				gs[0] += e * (psax - pab - P->psa + P->psab);
				gs[1] += e * (pb - pab - P->psb + P->psab);
				/* psi(g+1) - psi(g) = 1/g */
				gs[2] += e * (1 / g - pgd + P->psgd);
				gs[3] += e * (pd - pgd - P->psd + P->psgd);
				pab += 1 / zab;
				pb += 1 / zb;
				pgd += 1 / zgd;
				pd += 1 / zd;
			}
			e *= zb / zab * (zd / zgd);
			zab += 1;
			zb += 1;
			zgd += 1;
			zd += 1;
		}
	}
	if (grad)
		for (int k = 0; k < 4; k++)
			grad[k] = gs[k] / sum;
	return m + log(sum);
}

struct fitctx {
	const struct sk_rfm *pat;
	size_t n;
};

/* Negative log-likelihood in theta = log(par), for sk_fit_run. */
static double negll(const double *theta, double *grad, void *vctx)
{
	const struct fitctx *c = vctx;
	double par[4], g[4], G[4] = { 0, 0, 0, 0 }, ll = 0;
	for (int k = 0; k < 4; k++) {
		/* Outside this box the parameters are rejected by sk_fit_run
		 * anyway; refusing here keeps GSL's special functions away from
		 * overflowed arguments. */
		if (!(fabs(theta[k]) <= 40))
			return HUGE_VAL;
		par[k] = exp(theta[k]);
	}
	struct bgbb P;
	setup(&P, par, grad != NULL);
	for (size_t j = 0; j < c->n; j++) {
		const struct sk_rfm *r = &c->pat[j];
		if (r->w == 0)
			continue;
		ll += r->w * pattern_ll(&P, r->x, r->t_x, r->T, grad ? g : NULL);
		if (grad)
			for (int k = 0; k < 4; k++)
				G[k] += r->w * g[k];
	}
	if (!isfinite(ll))
		return HUGE_VAL;
	if (grad)
		for (int k = 0; k < 4; k++)
			grad[k] = -G[k] * par[k];	/* chain rule: d/dtheta = par d/dpar */
	return -ll;
}

static int is_count(double v)
{
	return isfinite(v) && v >= 0 && v <= MAXN && v == floor(v);
}

static int bgbb_fit(const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		    char *err, size_t errlen)
{
	double wsum = 0;
	memset(out, 0, sizeof *out);
	for (size_t j = 0; j < n; j++) {
		const struct sk_rfm *r = &pat[j];
		if (!isfinite(r->w) || r->w < 0) {
			snprintf(err, errlen, "bg/bb: pattern %zu: weight \"%g\" is not a "
				 "non-negative number; check the weight column", j + 1, r->w);
			return -1;
		}
		if (!is_count(r->x) || !is_count(r->t_x) || !is_count(r->T) ||
		    r->x > r->t_x || r->t_x > r->T || (r->x == 0 && r->t_x != 0)) {
			snprintf(err, errlen, "bg/bb: pattern %zu: x=%g t_x=%g n=%g is not a "
				 "discrete pattern (need whole numbers 0 <= x <= t_x <= n <= %g, "
				 "t_x = 0 when x = 0); count opportunities with a coarser --unit",
				 j + 1, r->x, r->t_x, r->T, MAXN);
			return -1;
		}
		wsum += r->w;
	}
	if (!(wsum > 0)) {
		snprintf(err, errlen, "bg/bb: no customers to fit (total weight 0); "
			 "check the input");
		return -1;
	}

	/* The likelihood surface is smooth but flat along gamma/delta when
	 * few customers lapse, so one start can stall; several cheap starts
	 * (the data are compressed patterns) and the best converged fit make
	 * the result independent of luck.  The parameters are dimensionless,
	 * so fixed starts suit every data set. */
	static const double starts[][4] = {
		{ 1, 1, 1, 1 }, { 1, 1, 0.5, 3 }, { 0.5, 2, 1, 2 }, { 2, 0.5, 2, 0.5 },
	};
	struct fitctx c = { pat, n };
	int nstart = (int)(sizeof starts / sizeof starts[0]);
	double penalty = sk_tmodel_penalty();
	if (!(penalty > 0))
		return sk_fit_best(4, negll, &c, nstart, &starts[0][0], wsum, "bg/bb", out, err,
				   errlen);
	/* --penalty: the same objective as the continuous models'
	 * (sk_penalty_nll), the plain log-likelihood reported. */
	struct sk_penalised pw = { negll, &c, 4, penalty, wsum };
	if (sk_fit_best(4, sk_penalty_nll, &pw, nstart, &starts[0][0], wsum, "bg/bb", out, err,
			errlen) != 0)
		return -1;
	double th[4];
	for (int k = 0; k < 4; k++)
		th[k] = log(out->par[k]);
	out->loglik = -negll(th, NULL, &c);
	out->penalty = penalty;
	return 0;
}

double sk_bgbb_gradcheck(const struct sk_rfm *pat, size_t n, const double *par)
{
	struct fitctx c = { pat, n };
	double th[4];
	for (int k = 0; k < 4; k++)
		th[k] = log(par[k]);
	return sk_fit_gradcheck(4, negll, &c, th);
}

/* Log-likelihood of one customer; the pattern is normalised as for the
 * predictions (see normalise). */
static double bgbb_loglik1(const double *par, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, 1e300))
		return -HUGE_VAL;
	struct bgbb P;
	setup(&P, par, 0);
	normalise(&x, &t_x, &T);
	return pattern_ll(&P, x, t_x, T, NULL);
}

/* ---- the limits alpha, beta -> inf and gamma, delta -> inf (ridge.c) ----
 *
 * A Beta pair growing with its mean fixed tends to a point mass: every
 * customer transacts with the same p = alpha/(alpha+beta) (which = 0),
 * or dies with the same theta = gamma/(gamma+delta) (which = 1).  In FHS
 * 2010 eq. 5 (pattern_ll) the ratios of beta functions then tend to the
 * moments of the point mass:
 *   B(alpha+x, beta+m)/B(alpha, beta) -> p^x (1-p)^m,
 *   B(gamma, delta+n)/B(gamma, delta) -> (1-theta)^n,
 *   B(gamma+1, delta+j)/B(gamma, delta) -> theta (1-theta)^j;
 * the other pair stays as it is.  The sum's terms fall by a factor below
 * 1 each (pattern_ll's (b+t_x-x+i)/(a+b+t_x+i) (d+t_x+i)/(g+d+1+t_x+i),
 * or 1-p, 1-theta at the limit), so it is summed from its first. */
static double ll_limit(const double *par, double x, double t_x, double n, int which)
{
	if (!sk_par_ok(par, 4, 1e300))
		return -HUGE_VAL;
	struct bgbb P;
	setup(&P, par, 0);
	normalise(&x, &t_x, &n);
	const double a = P.a, b = P.b, g = P.g, d = P.d;
	double p = a / (a + b), th = g / (g + d);
	double lA = which == 0 ? x * log(p) + (n - x) * log1p(-p) :
		    gsl_sf_lnbeta(a + x, b + (n - x)) - P.lbab;
	lA += which == 1 ? n * log1p(-th) : gsl_sf_lnbeta(g, d + n) - P.lbgd;
	long nterm = (long)(n - t_x);
	if (nterm <= 0)
		return lA;
	double lC = which == 0 ? x * log(p) + (t_x - x) * log1p(-p) :
		    gsl_sf_lnbeta(a + x, b + (t_x - x)) - P.lbab;
	lC += which == 1 ? log(th) + t_x * log1p(-th) : gsl_sf_lnbeta(g + 1, d + t_x) - P.lbgd;
	double sum = 1, term = 1;
	for (long i = 1; i < nterm && term > 1e-17 * sum; i++) {
		double j = t_x + (double)(i - 1);
		term *= (which == 0 ? 1 - p : (b + (j - x)) / (a + b + j)) *
			(which == 1 ? 1 - th : (d + j) / (g + d + 1 + j));
		sum += term;
	}
	return sk_logaddexp(lA, lC + log(sum));
}

static double ll_limit_ab(const double *par, double x, double t_x, double n)
{
	return ll_limit(par, x, t_x, n, 0);
}

static double ll_limit_gd(const double *par, double x, double t_x, double n)
{
	return ll_limit(par, x, t_x, n, 1);
}

/* ln f(t) = ln Gamma(1+d+t) - ln Gamma(g+d+t) for log_alive_sum.  Near
 * g = 1 this is -lnpoch(1+d+t, g-1), which GSL evaluates without the
 * cancellation of two large lgammas; further away the plain difference is
 * accurate enough and, unlike lnpoch, never sees (1+d+t) + (g-1) round to
 * zero when d is tiny. */
static double log_f(const struct bgbb *P, double t)
{
	double eps = P->g - 1;
	if (fabs(eps) < 0.5)
		return -gsl_sf_lnpoch(1 + P->d + t, eps);
	return gsl_sf_lngamma(1 + P->d + t) - gsl_sf_lngamma(P->g + P->d + t);
}

/* ln sum_{t=lo+1}^{hi} B(g, d+t)/B(g, d): the log of the expected number of
 * opportunities lo+1..hi at which the customer is still alive; hi > lo.
 * Short horizons add the terms (successive ratio (d+t)/(g+d+t)); long ones
 * use the telescoping closed form behind Fader, Hardie & Shang 2010,
 * eqs. 7 and 13:
 *
 *   sum = Gamma(g+d)/Gamma(d) / (g-1) * [f(lo) - f(hi)],
 *   f(t) = Gamma(1+d+t)/Gamma(g+d+t),
 *
 * evaluated in logs (ln Gamma(g+d)/Gamma(d) = lnpoch(d, g), ln f by log_f)
 * with f(lo) - f(hi) = f(lo) (-expm1(ln f(hi) - ln f(lo))), so that g near
 * 1, where both the bracket and g-1 vanish, loses no digits; at g = 1 the
 * limit is d [psi(1+d+hi) - psi(1+d+lo)]. */
static double log_alive_sum(const struct bgbb *P, double lo, double hi)
{
	const double g = P->g, d = P->d;
	if (hi - lo <= DIRECT_SUM_MAX) {
		double l0 = gsl_sf_lnbeta(g, d + lo + 1) - P->lbgd;
		double s = 1, r = 1;
		for (double t = lo + 1; t < hi; t += 1) {
			r *= (d + t) / (g + d + t);
			s += r;
		}
		return l0 + log(s);
	}
	double eps = g - 1;
	if (fabs(eps) < 1e-12)
		return log(d * (gsl_sf_psi(1 + d + hi) - gsl_sf_psi(1 + d + lo)));
	double lf_lo = log_f(P, lo);
	double delta = log_f(P, hi) - lf_lo;
	return gsl_sf_lnpoch(d, g) + lf_lo + log(-expm1(delta) / eps);
}

/* P(alive at n+1 | x, t_x, n) (Fader, Hardie & Shang 2010, eq. 11):
 * B(a+x, b+n-x)/B(a,b) * B(g, d+n+1)/B(g,d) / L.  Clamped to [0, 1]
 * against rounding only. */
static double bgbb_p_alive(const double *par, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, 1e300))
		return 0;
	struct bgbb P;
	setup(&P, par, 0);
	normalise(&x, &t_x, &T);
	double ll = pattern_ll(&P, x, t_x, T, NULL);
	double l = gsl_sf_lnbeta(P.a + x, P.b + (T - x)) - P.lbab
		 + gsl_sf_lnbeta(P.g, P.d + T + 1) - P.lbgd - ll;
	double p = exp(l);
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

/* E[X(n, n+t) | x, t_x, n]: expected transactions in the next t
 * opportunities (Fader, Hardie & Shang 2010, eq. 13):
 *
 *   1/L * B(a+x+1, b+n-x)/B(a,b) * sum_{s=n+1}^{n+t} B(g, d+s)/B(g,d)
 *
 * (eq. 13 writes the sum in closed form; see log_alive_sum).  t is
 * rounded down to whole opportunities.  Clamped to [0, t] against
 * rounding only. */
static double bgbb_expected(const double *par, double t, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, 1e300))
		return 0;
	double h = horizon(t);
	if (h == 0)
		return 0;
	struct bgbb P;
	setup(&P, par, 0);
	normalise(&x, &t_x, &T);
	double ll = pattern_ll(&P, x, t_x, T, NULL);
	double l = gsl_sf_lnbeta(P.a + x + 1, P.b + (T - x)) - P.lbab
		 + log_alive_sum(&P, T, T + h) - ll;
	double e = exp(l);
	return isfinite(e) ? fmin(fmax(e, 0), h) : 0;
}

/* E[X(n)] for a new customer (Fader, Hardie & Shang 2010, eq. 7):
 * a/(a+b) * d/(g-1) * [1 - Gamma(g+d)/Gamma(g+d+n) * Gamma(1+d+n)/Gamma(1+d)],
 * i.e. a/(a+b) times the expected number of opportunities alive, computed
 * by log_alive_sum so that g = 1 is no special case. */
static double bgbb_expected_new(const double *par, double t)
{
	if (!sk_par_ok(par, 4, 1e300))
		return 0;
	double n = horizon(t);
	if (n == 0)
		return 0;
	struct bgbb P;
	setup(&P, par, 0);
	double e = P.a / (P.a + P.b) * exp(log_alive_sum(&P, 0, n));
	return isfinite(e) ? fmin(fmax(e, 0), n) : 0;
}

/* Add a term given by its log to a running log-sum-exp (m, s):
 * sum = exp(m) * s. */
static void lse_add(double *m, double *s, double l)
{
	if (l == -HUGE_VAL)
		return;
	if (*s == 0) {
		*m = l;
		*s = 1;
	} else if (l > *m) {
		*s = *s * exp(*m - l) + 1;
		*m = l;
	} else {
		*s += exp(l - *m);
	}
}

/* P(X(n) = k) for a new customer (Fader, Hardie & Shang 2010, eq. 6):
 *
 *   C(n,k) B(a+k, b+n-k)/B(a,b) * B(g, d+n)/B(g,d)
 *   + sum_{i=k}^{n-1} C(i,k) B(a+k, b+i-k)/B(a,b) * B(g+1, d+i)/B(g,d)
 *
 * n = t rounded down to whole opportunities; 0 outside 0 <= k <= n. */
static double bgbb_pmf(const double *par, double t, int k)
{
	if (!sk_par_ok(par, 4, 1e300))
		return 0;
	double n = horizon(t);
	if (k < 0 || k > n)
		return 0;
	struct bgbb P;
	setup(&P, par, 0);
	unsigned un = (unsigned)n, uk = (unsigned)k;
	double m = 0, s = 0;
	lse_add(&m, &s, gsl_sf_lnchoose(un, uk) + gsl_sf_lnbeta(P.a + k, P.b + (n - k))
		- P.lbab + gsl_sf_lnbeta(P.g, P.d + n) - P.lbgd);
	for (unsigned i = uk; i < un; i++)
		lse_add(&m, &s, gsl_sf_lnchoose(i, uk) + gsl_sf_lnbeta(P.a + k, P.b + (i - uk))
			- P.lbab + gsl_sf_lnbeta(P.g + 1, P.d + i) - P.lbgd);
	double p = s > 0 ? exp(m + log(s)) : 0;
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

/* Discounted expected residual transactions (Fader, Hardie & Shang 2010,
 * eq. 14):
 *
 *   DERT = B(a+x+1, b+n-x)/B(a,b) * B(g, d+n+1)/(B(g,d) (1+r))
 *          * 2F1(1, d+n+1; g+d+n+1; 1/(1+r)) / L
 *
 * NOTE: here the `delta` argument of the model table is taken as the
 * discount rate r PER OPPORTUNITY (discount factor 1/(1+r), the first
 * future transaction at n+1 discounted once), as in the paper, not as a
 * continuous rate; a caller holding a continuous rate c per opportunity
 * passes r = exp(c) - 1.  r below DERT_MIN_RATE (or NaN) is raised to it;
 * r = +inf gives 0.
 *
 * The 2F1 is summed directly: its term ratio (d+n+1+k)/(g+d+n+1+k) z is
 * below z = 1/(1+r), so the tail after a term is at most term z/(1-z),
 * which gives an exact stopping rule. */
static double bgbb_dert(const double *par, double rate, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, 1e300))
		return 0;
	if (isnan(rate) || rate < DERT_MIN_RATE)
		rate = DERT_MIN_RATE;
	if (isinf(rate))
		return 0;
	struct bgbb P;
	setup(&P, par, 0);
	normalise(&x, &t_x, &T);
	double z = 1 / (1 + rate), tailf = z / (1 - z);
	double term = 1, sum = 1;
	double bb = P.d + T + 1, cc = P.g + P.d + T + 1;
	for (long k = 0; k < 100000000L; k++) {
		term *= (bb + k) / (cc + k) * z;
		sum += term;
		if (term * tailf < 1e-17 * sum)
			break;
	}
	double ll = pattern_ll(&P, x, t_x, T, NULL);
	double l = gsl_sf_lnbeta(P.a + x + 1, P.b + (T - x)) - P.lbab
		 + gsl_sf_lnbeta(P.g, P.d + T + 1) - P.lbgd - log1p(rate)
		 + log(sum) - ll;
	double v = exp(l);
	return isfinite(v) && v > 0 ? v : 0;
}

static double bgbb_return_alive(const double *par, double t, double x, double T);

const struct sk_tmodel sk_bgbb = {
	.name = "bgbb", .title = "BG/BB", .npar = 4,
	.parname = { "alpha", "beta", "gamma", "delta" }, .discrete = 1, .fit = bgbb_fit,
	.loglik1 = bgbb_loglik1, .p_alive = bgbb_p_alive, .expected = bgbb_expected,
	.expected_new = bgbb_expected_new, .pmf = bgbb_pmf, .dert = bgbb_dert, .return_alive = bgbb_return_alive,
	.ridge = { { 0, 1, ll_limit_ab, "the transaction probability" },
		   { 2, 3, ll_limit_gd, "the dropout probability" } },
};

/* P(X(n, n+t] > 0 | alive at n+1, x, n).  Alive at n+1, p has posterior
 * Beta(a+x, b+n-x) and theta Beta(g, d+n+1), independent (Fader, Hardie
 * & Shang 2010, the step to eq. 13).  The first purchase of the next t
 * opportunities is at n+1+j when the customer buys nothing at
 * n+1..n+j, survives to n+1+j and buys there:
 *   P = sum_{j=0}^{t-1} E[p (1-p)^j] E[(1-theta)^j]
 *     = sum_j B(a+x+1, b+n-x+j)/B(a+x, b+n-x) B(g, d+n+1+j)/B(g, d+n+1).
 * Times bgbb_p_alive it is the direct sum over the likelihood,
 * 1/L sum_j B(a+x+1, b+n-x+j)/B(a,b) B(g, d+n+1+j)/B(g,d), whose j = 0
 * term is eq. 13's first.  t is rounded down to whole opportunities. */
static double bgbb_return_alive(const double *par, double t, double x, double T)
{
	if (!sk_par_ok(par, 4, 1e300))
		return 0;
	double h = horizon(t), t_x = x;
	if (h == 0)
		return 0;
	struct bgbb P;
	setup(&P, par, 0);
	normalise(&x, &t_x, &T);
	double l0 = gsl_sf_lnbeta(P.a + x, P.b + (T - x)) + gsl_sf_lnbeta(P.g, P.d + T + 1);
	double sum = 0;
	for (double j = 0; j < h; j++) {
		double l = gsl_sf_lnbeta(P.a + x + 1, P.b + (T - x) + j) +
			   gsl_sf_lnbeta(P.g, P.d + T + 1 + j) - l0;
		double term = exp(l);
		sum += term;
		if (term < 1e-17 * sum)
			break;	/* terms fall: the rest is below rounding */
	}
	return isfinite(sum) ? fmin(fmax(sum, 0), 1) : 0;
}
