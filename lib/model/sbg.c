/* sbg.c: the shifted-beta-geometric (sBG) model of contract retention
 * (Fader & Hardie 2007, "How to project customer retention", Journal of
 * Interactive Marketing 21(1)).
 *
 * Each customer renews at the end of every period with probability
 * 1 - theta until she cancels; theta ~ beta(alpha, beta) across the cohort.
 * T = the period in which she is lost.
 */
#include "sbg.h"
#include "modelint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* Exported only for tests/unit/test_spend.c, which declares it itself:
 * the gradient check needs the static objective. */
double sk_sbg_gradcheck(const double *alive, int nper, const double *par);

struct fitctx {
	const double *alive;
	int nper;
};

/* Negative log-likelihood in theta = log(alpha, beta) (Fader & Hardie
 * 2007, the log-likelihood of the survival data in the section on
 * estimating the model):
 *
 *   LL = sum_{t=1}^{N} (alive[t-1] - alive[t]) ln P(T = t)
 *        + alive[N] ln S(N),      N = nper - 1,
 *
 * customers still active at the last period being right-censored, with
 * P(T = t) = B(alpha+1, beta+t-1)/B(alpha, beta) (eq. 7) and
 * S(t) = B(alpha, beta+t)/B(alpha, beta) (eq. 8).  The gradient uses
 * d ln B(a, b)/da = psi(a) - psi(a+b). */
static double negll(const double *theta, double *grad, void *vctx)
{
	const struct fitctx *c = vctx;
	for (int k = 0; k < 2; k++)
		if (!(fabs(theta[k]) <= 40))	/* sk_fit_run rejects |theta| > 30 anyway */
			return HUGE_VAL;
	const double a = exp(theta[0]), b = exp(theta[1]);
	const int N = c->nper - 1;
	double lbab = gsl_sf_lnbeta(a, b), ll = 0, ga = 0, gb = 0;
	double psa = 0, psb = 0, psab = 0, psa1 = 0;
	if (grad) {
		psa = gsl_sf_psi(a);
		psb = gsl_sf_psi(b);
		psab = gsl_sf_psi(a + b);
		psa1 = psa + 1 / a;	/* psi(a+1) */
	}
	for (int t = 1; t <= N; t++) {
		double lost = c->alive[t - 1] - c->alive[t];
		if (lost == 0)
			continue;
		ll += lost * (gsl_sf_lnbeta(a + 1, b + (t - 1)) - lbab);
		if (grad) {
			double psabt = gsl_sf_psi(a + b + t);
			ga += lost * (psa1 - psabt - psa + psab);
			gb += lost * (gsl_sf_psi(b + (t - 1)) - psabt - psb + psab);
		}
	}
	double surv = c->alive[N];
	if (surv > 0) {
		ll += surv * (gsl_sf_lnbeta(a, b + N) - lbab);
		if (grad) {
			double psabn = gsl_sf_psi(a + b + N);
			ga += surv * (psab - psabn);
			gb += surv * (gsl_sf_psi(b + N) - psabn - psb + psab);
		}
	}
	if (!isfinite(ll))
		return HUGE_VAL;
	if (grad) {
		grad[0] = -ga * a;	/* chain rule: d/dtheta = par d/dpar */
		grad[1] = -gb * b;
	}
	return -ll;
}

int sk_sbg_fit(const double *alive, int nper, struct sk_fit *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (nper < 3) {
		snprintf(err, errlen, "sbg: %d period%s of survival data; the model needs "
			 "at least two periods after the start to separate alpha from beta",
			 nper < 1 ? 0 : nper - 1, nper == 2 ? "" : "s");
		return -1;
	}
	for (int t = 0; t < nper; t++) {
		if (!isfinite(alive[t]) || alive[t] < 0 || (t == 0 && alive[t] <= 0)) {
			snprintf(err, errlen, "sbg: period %d: customer count \"%g\" is not %s",
				 t, alive[t], t == 0 ? "positive" : "a non-negative number");
			return -1;
		}
		if (t > 0 && alive[t] > alive[t - 1]) {
			snprintf(err, errlen, "sbg: period %d: %g customers active after %g in "
				 "period %d; survivors of one cohort cannot increase, so count "
				 "each acquisition cohort separately", t, alive[t], alive[t - 1], t - 1);
			return -1;
		}
	}
	if (alive[1] == alive[0] && alive[nper - 1] == alive[0]) {
		snprintf(err, errlen, "sbg: no customer was lost in %d periods; "
			 "retention cannot be estimated yet", nper - 1);
		return -1;
	}

	/* Two starts: the neutral (1, 1), and one matching the first-period
	 * churn rate P(T = 1) = alpha/(alpha+beta) with alpha = 1. */
	double lost1 = (alive[0] - alive[1]) / alive[0];
	double b1 = lost1 > 0 ? (1 - lost1) / lost1 : 100;
	b1 = fmin(fmax(b1, 0.01), 100);
	double starts[2][2] = { { 1, 1 }, { 1, b1 } };
	struct fitctx c = { alive, nper };
	return sk_fit_best(2, negll, &c, 2, &starts[0][0], alive[0], "sbg", out, err, errlen);
}

double sk_sbg_gradcheck(const double *alive, int nper, const double *par)
{
	struct fitctx c = { alive, nper };
	double th[2] = { log(par[0]), log(par[1]) };
	return sk_fit_gradcheck(2, negll, &c, th);
}

/* P(T = t) = B(alpha+1, beta+t-1)/B(alpha, beta) (Fader & Hardie 2007,
 * eq. 7), in log space so long horizons do not underflow early; equal to
 * the recursion P(1) = alpha/(alpha+beta),
 * P(t) = (beta+t-2)/(alpha+beta+t-1) P(t-1).  0 for t < 1 and for
 * invalid parameters. */
double sk_sbg_pmf(const double *par, int t)
{
	if (!sk_par_ok(par, 2, 1e300) || t < 1)
		return 0;
	double p = exp(gsl_sf_lnbeta(par[0] + 1, par[1] + (t - 1)) - gsl_sf_lnbeta(par[0], par[1]));
	return isfinite(p) ? fmin(fmax(p, 0), 1) : 0;
}

/* S(t) = P(T > t) = B(alpha, beta+t)/B(alpha, beta) (Fader & Hardie 2007,
 * eq. 8); S(t) = 1 for t <= 0; 0 for invalid parameters. */
double sk_sbg_survival(const double *par, int t)
{
	if (!sk_par_ok(par, 2, 1e300))
		return 0;
	if (t <= 0)
		return 1;
	double s = exp(gsl_sf_lnbeta(par[0], par[1] + t) - gsl_sf_lnbeta(par[0], par[1]));
	return isfinite(s) ? fmin(fmax(s, 0), 1) : 0;
}

/* r(t) = S(t)/S(t-1) = (beta+t-1)/(alpha+beta+t-1) (Fader & Hardie 2007,
 * eq. 9).  For t < 1 nobody can have been lost yet, so r = 1; 0 for
 * invalid parameters. */
double sk_sbg_retention(const double *par, int t)
{
	if (!sk_par_ok(par, 2, 1e300))
		return 0;
	if (t < 1)
		return 1;
	return (par[1] + (t - 1)) / (par[0] + par[1] + (t - 1));
}
