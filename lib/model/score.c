/* score.c: fitting with checks, predictions per distinct pattern and the
 * conditional future of a customer (the model inputs of the records are
 * custdata.c's; the reports on a fit are fitreport.c's). */
#include "score.h"
#include "covar.h"
#include "ridge.h"
#include "modelint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "record/util.h"

/* The most lapsed customer of each frequency: P(alive) falls with the
 * time since the last purchase, so if even these look alive the model
 * sees no dropout at all.  Frequencies are whole numbers (checked when
 * read); those from NX_MAX - 1 up share the last slot.  Distinct
 * frequencies are few (hundreds), so this costs a pass over the rows and
 * a few hundred P(alive). */
#define NX_MAX 65536

static double min_p_alive(const struct sk_tmodel *tm, const double *par,
			  const struct sk_covdata *cov, const struct sk_rfm *rows,
			  const unsigned char *valid, size_t n)
{
	struct sk_rfm *worst = sk_xcalloc(NX_MAX, sizeof *worst);
	unsigned char *seen = sk_xcalloc(NX_MAX, 1);
	for (size_t i = 0; i < n; i++) {
		if (valid && !valid[i])
			continue;
		const struct sk_rfm *r = &rows[i];
		size_t k = r->x >= 0 && r->x < NX_MAX - 1 ? (size_t)r->x : NX_MAX - 1;
		if (!seen[k] || r->T - r->t_x > worst[k].T - worst[k].t_x)
			worst[k] = *r;
		seen[k] = 1;
	}
	double lo = 1;
	for (size_t k = 0; k < NX_MAX; k++) {
		if (!seen[k])
			continue;
		double ip[4];
		double p = tm->p_alive(sk_cov_rowpar(tm, par, cov, &worst[k], ip), worst[k].x,
				       worst[k].t_x, worst[k].T);
		if (isfinite(p) && p < lo)
			lo = p;
	}
	free(seen);
	free(worst);
	return lo;
}

int sk_tmodel_diagnose(const struct sk_tmodel *tm, const struct sk_fit *f,
		       const struct sk_rfm *rows, const unsigned char *valid, size_t n,
		       struct sk_fitdiag *out)
{
	return sk_tmodel_diagnose_cov(tm, f, NULL, rows, valid, n, NULL, out);
}

int sk_tmodel_diagnose_cov(const struct sk_tmodel *tm, const struct sk_fit *f,
			   const struct sk_covdata *cov, const struct sk_rfm *rows,
			   const unsigned char *valid, size_t n, const char *unit,
			   struct sk_fitdiag *out)
{
	memset(out, 0, sizeof *out);
	out->min_alive = min_p_alive(tm, f->par, cov, rows, valid, n);
	if (out->min_alive > SK_NO_DROPOUT_ALIVE) {
		out->no_dropout = 1;
		/* churned is from p_return by default (churn --churn-rule), which
		 * still flags the slow buyers when everyone is alive: on Online
		 * Retail, with no dropout seen, the peers flag 15 to 57 % of the
		 * customers at the splits of make crosscut; only p_alive is
		 * silent. */
		snprintf(out->what[out->n++], sizeof out->what[0],
			 "no dropout seen: p_alive is 1 for everyone (the lowest is %.4f): "
			 "the model sees no customer who stopped buying, so p_alive marks "
			 "nobody as lost (churned, when from p_return, marks those unlikely "
			 "to buy within the horizon, not lost ones), and its dropout "
			 "parameters are a limit, not estimates; use a longer window or "
			 "--penalty", out->min_alive);
	}
	int zero = 0;
	for (int k = 0; k < f->npar - tm->nfixed; k++)
		zero |= !(f->se[k] > 0);
	if (!f->se_ok || zero) {
		out->singular = 1;
		snprintf(out->what[out->n++], sizeof out->what[0],
			 "the information matrix is singular: the data do not pin the "
			 "parameters down, and the standard errors shown as 0 are not "
			 "available; try --penalty");
	}
	/* A mixing pair on its ridge (ridge.h) is named as such, and not
	 * again by the standard errors below, which say it only when the
	 * optimiser happened to stop far enough out (issue 20).  A Gamma
	 * pair's ratio is a rate, per unit of the records' time. */
	unsigned on = sk_tmodel_ridges(tm, f, cov, rows, valid, n), named = 0;
	for (int k = 0; k < SK_TRIDGE_MAX && tm->ridge[k].loglik1; k++) {
		if (!(on >> k & 1))
			continue;
		const struct sk_tridge *rg = &tm->ridge[k];
		const char *pi = tm->parname[rg->i], *pj = tm->parname[rg->j];
		char ratio[64];
		if (rg->gamma)
			snprintf(ratio, sizeof ratio, "%s/%s = %.4g per %s", pi, pj,
				 sk_tridge_ratio(rg, f->par), unit ? unit : "unit of time");
		else
			snprintf(ratio, sizeof ratio, "%s/(%s+%s) = %.4g", pi, pi, pj,
				 sk_tridge_ratio(rg, f->par));
		named |= 1u << rg->i | 1u << rg->j;
		out->ridge = 1;
		snprintf(out->what[out->n++], sizeof out->what[0],
			 "not identified: %s and %s run off to infinity together (ln L no higher "
			 "than at their limit): %s has no spread among the customers, so %s and %s "
			 "are not identified apart from %s; predictions are the limit's; "
			 "--penalty keeps them finite", pi, pj, rg->what, pi, pj, ratio);
	}
	char names[200] = "";
	/* The model's own parameters; covariate coefficients (covar.h) may
	 * be 0 or negative, and a large se/|estimate| is just an effect
	 * not told from none, which --report's z values show. */
	for (int k = 0; k < tm->npar - tm->nfixed; k++)
		if (f->se[k] > 10 * f->par[k] && !(named >> k & 1)) {
			size_t l = strlen(names);
			snprintf(names + l, sizeof names - l, "%s%s (se %.3g, %.3g times the "
				 "estimate)", l ? ", " : "", tm->parname[k], f->se[k],
				 f->se[k] / f->par[k]);
		}
	if (names[0]) {
		out->unidentified = 1;
		snprintf(out->what[out->n++], sizeof out->what[0],
			 "not identified: %s; any value in a wide range fits as well, so "
			 "predictions that depend on it are guesses; use more customers or "
			 "--penalty", names);
	}
	return out->n;
}

static void warn_diagnosis(const struct sk_tmodel *tm, const struct sk_fit *f,
			   const struct sk_rfm *pat, size_t npat, const char *unit)
{
	struct sk_fitdiag g;
	sk_tmodel_diagnose_cov(tm, f, NULL, pat, NULL, npat, unit, &g);
	for (int k = 0; k < g.n; k++)
		sk_warn("warning: %s fit: %s", tm->title, g.what[k]);
}

/* sk_tmodel_fit_or_die with the records' time unit for the diagnosis's
 * rates (NULL: "unit of time"). */
static void fit_or_die(const struct sk_tmodel *tm, double penalty, const struct sk_rfm *pat,
		       size_t npat, struct sk_fit *fit, const char *unit)
{
	char err[400];
	if (npat == 0)
		sk_die(SK_EX_DATA, "no customer with a purchase: nothing to fit %s on",
		       tm->title);
	if (sk_tmodel_fit_with(tm, penalty, pat, npat, fit, err, sizeof err) != 0)
		sk_die(SK_EX_DATA, "cannot fit %s: %s", tm->title, err);
	warn_diagnosis(tm, fit, pat, npat, unit);
}

void sk_tmodel_fit_or_die(const struct sk_tmodel *tm, double penalty, const struct sk_rfm *pat,
			  size_t npat, struct sk_fit *fit)
{
	fit_or_die(tm, penalty, pat, npat, fit, NULL);
}

double sk_fit_aic(const struct sk_fit *f)
{
	return 2 * f->npar - 2 * f->loglik;
}

double sk_fit_bic(const struct sk_fit *f)
{
	return f->npar * log(f->nobs > 1 ? f->nobs : 1) - 2 * f->loglik;
}

static const struct sk_tmodel *auto_fit(double penalty, const struct sk_rfm *pat, size_t npat,
					struct sk_fit *fit, const char *unit);

void sk_modelfile_fit(struct sk_modelfile *mf, const struct sk_tmodel *tm, double penalty,
		      const struct sk_rfm *pat, size_t npat, const char *unit)
{
	if (tm)
		fit_or_die(tm, penalty, pat, npat, &mf->tfit, unit);
	else
		tm = auto_fit(penalty, pat, npat, &mf->tfit, unit);
	mf->tm = tm;
	snprintf(mf->unit, sizeof mf->unit, "%s", unit);
}

/* One customer's ln L, with the inter-purchase-time term of the models
 * that have one (ll_litt): models are compared on the same data. */
static double loglik_full(const struct sk_tmodel *tm, const double *par, const struct sk_rfm *p)
{
	double l = tm->loglik1(par, p->x, p->t_x, p->T);
	return tm->ll_litt ? l + tm->ll_litt(par, p->x, p->litt) : l;
}

/* Vuong's test of two non-nested models fitted to the same customers
 * (Vuong 1989, "Likelihood ratio tests for model selection and non-nested
 * hypotheses", Econometrica 57(2), eq. 5.6 and thm. 5.1): with m_i the
 * difference of customer i's log-likelihoods under the two fits,
 * z = sum m_i / (sqrt(n) sd(m)) is standard normal when the models are
 * equally close to the truth; |z| large says one is closer.  Models with
 * more parameters (GGom/NBD's five against four) pay Schwarz's
 * correction (k1 - k2)/2 ln n on the sum (Vuong 1989, sec. 5); the k of the CNBD models, chosen
 * from 1..12, is not counted. */
static void vuong(const struct sk_tmodel *m1, const struct sk_fit *f1,
		  const struct sk_tmodel *m2, const struct sk_fit *f2,
		  const struct sk_rfm *pat, size_t npat)
{
	double n = 0, s = 0, s2 = 0;
	#pragma omp parallel for reduction(+ : n, s, s2) schedule(dynamic, 256) if (npat > 1000)
	for (size_t i = 0; i < npat; i++) {
		double m = loglik_full(m1, f1->par, &pat[i]) - loglik_full(m2, f2->par, &pat[i]);
		if (!isfinite(m))
			continue;
		n += pat[i].w;
		s += pat[i].w * m;
		s2 += pat[i].w * m * m;
	}
	double mean = n > 0 ? s / n : 0, var = n > 0 ? s2 / n - mean * mean : 0;
	if (!(var > 0) || !(n > 1)) {
		sk_warn("auto: Vuong test %s vs %s: the fits give every customer the same "
			"likelihood", m1->title, m2->title);
		return;
	}
	s -= 0.5 * ((f1->npar - f1->nfixed) - (f2->npar - f2->nfixed)) * log(n);
	double z = s / (sqrt(n) * sqrt(var)), p = 2 * gsl_cdf_ugaussian_Q(fabs(z));
	sk_warn("auto: Vuong test %s vs %s: z = %.2f, p = %.3g (%s)", m1->title, m2->title, z, p,
		p >= 0.05 ? "not distinguishable at 5%" :
		z > 0 ? "the first fits closer" : "the second fits closer");
}

int sk_rfm_have_litt(const struct sk_rfm *pat, size_t npat)
{
	for (size_t i = 0; i < npat; i++)
		if (pat[i].x > 0 && !isfinite(pat[i].litt))
			return 0;
	return npat > 0;
}

/* sk_tmodel_auto with the records' time unit for the diagnosis. */
static const struct sk_tmodel *auto_fit(double penalty, const struct sk_rfm *pat, size_t npat,
					struct sk_fit *fit, const char *unit)
{
	/* BG/CNBD-k and MBG/CNBD-k only where the records have litt: without
	 * it their likelihood cannot choose k. */
	static const struct sk_tmodel *const cand[] = { &sk_bgnbd, &sk_pnbd, &sk_mbgnbd,
							&sk_ggomnbd, &sk_bgcnbd, &sk_mbgcnbd };
	enum { NCAND = sizeof cand / sizeof cand[0] };
	size_t ncand = sk_rfm_have_litt(pat, npat) ? NCAND : NCAND - 2;
	const struct sk_tmodel *best = NULL;
	double best_bic = INFINITY;
	char err[400];
	struct sk_fit fits[NCAND];
	int fitted[NCAND] = { 0 };
	for (size_t k = 0; k < ncand; k++) {
		struct sk_fit f;
		if (sk_tmodel_fit_with(cand[k], penalty, pat, npat, &f, err, sizeof err) != 0) {
			sk_warn("auto: %s not fitted: %s", cand[k]->title, err);
			continue;
		}
		fits[k] = f;
		fitted[k] = 1;
		double bic = sk_fit_bic(&f);
		sk_warn("auto: %s log-likelihood %.2f, BIC %.2f", cand[k]->title, f.loglik, bic);
		if (bic < best_bic) {
			best_bic = bic;
			best = cand[k];
			*fit = f;
		}
	}
	if (!best)
		sk_die(SK_EX_DATA, "no model could be fitted; check the data");
	sk_warn("auto: chose %s (lowest BIC)", best->title);
	for (size_t k = 0; k < ncand; k++)
		if (cand[k] != best && fitted[k])
			vuong(best, fit, cand[k], &fits[k], pat, npat);
	warn_diagnosis(best, fit, pat, npat, unit);
	return best;
}

const struct sk_tmodel *sk_tmodel_auto(double penalty, const struct sk_rfm *pat, size_t npat,
				       struct sk_fit *fit)
{
	return auto_fit(penalty, pat, npat, fit, NULL);
}

/* The model functions promise finite predictions; one that is not is
 * never replaced by a number: its pattern is marked (MARK_UNLESS_FINITE)
 * and sk_predict stops with the reason. */
#define MARK_UNLESS_FINITE(v, k, bad) do {			\
		if (!isfinite(v)) {				\
			_Pragma("omp atomic write")		\
			(bad) = (k);				\
		}						\
	} while (0)

/* P(alive) of the patterns pat[0..np) into pa; *bad becomes a pattern
 * without a finite one, if any. */
static void alive_patterns(const struct sk_tmodel *tm, const double *par,
			   const struct sk_custdata *d, const struct sk_rfm *pat, size_t np,
			   double *pa, size_t *bad)
{
	size_t b = SIZE_MAX;
	if (!d->cov && tm->p_alive_all && tm->p_alive_all(par, pat, np, pa) == 0) {
		for (size_t k = 0; k < np && b == SIZE_MAX; k++)
			b = isfinite(pa[k]) ? b : k;
		*bad = b;
		return;
	}
	#pragma omp parallel for schedule(dynamic, 256) if (np > 1000)
	for (size_t k = 0; k < np; k++) {
		double ip[4];
		const double *pp = sk_cov_rowpar(tm, par, d->cov, &pat[k], ip);
		pa[k] = tm->p_alive(pp, pat[k].x, pat[k].t_x, pat[k].T);
		MARK_UNLESS_FINITE(pa[k], k, b);
	}
	*bad = b;
}

double *sk_predict_alive_patterns(const struct sk_tmodel *tm, const double *par,
				  struct sk_custdata *d)
{
	size_t np, bad;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	double *pa = sk_xmalloc((np ? np : 1) * sizeof *pa);
	alive_patterns(tm, par, d, pat, np, pa, &bad);
	if (bad < np)
		sk_die(SK_EX_DATA, "%s gives no finite p_alive for frequency %g, recency %g, "
		       "T %g (a customer far beyond the data the model was fitted on?); refit "
		       "on data like these", tm->title, pat[bad].x, pat[bad].t_x, pat[bad].T);
	return pa;
}

double *sk_predict_alive(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d)
{
	return sk_custdata_per_row(d, sk_predict_alive_patterns(tm, par, d));
}

void sk_predict(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		double horizon, struct sk_pred *p)
{
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	double *pa = sk_xmalloc((np ? np : 1) * sizeof *pa);
	double *ex = sk_xmalloc((np ? np : 1) * sizeof *ex);
	double *pr = sk_xmalloc((np ? np : 1) * sizeof *pr);
	size_t bad;	/* a pattern without a finite prediction */
	alive_patterns(tm, par, d, pat, np, pa, &bad);
	/* expected = p_alive x E[X | alive] and p_return = p_alive x
	 * P(X > 0 | alive), the second factors functions of (x, T) only:
	 * daily data has ~10^6 patterns but ~10^4 pairs (with covariates, of
	 * (x, T, cov): each customer with her own parameters, FH 2007). */
	size_t ng;
	struct sk_rfm *g;
	uint32_t *gid = sk_rfm_group_xT(pat, np, &ng, &g);
	double *ga = sk_xmalloc((ng ? ng : 1) * sizeof *ga);
	double *gr = sk_xmalloc((ng ? ng : 1) * sizeof *gr);
	size_t gbad = SIZE_MAX;
	/* Mixture models (mix_alive): the components per (x, T) group, the
	 * weights per pattern. */
	int mix = !tm->expected_alive && tm->mix_alive;
	double *gm = mix ? sk_xmalloc((ng ? ng : 1) * 2 * SK_MIX_MAX * sizeof *gm) : NULL;
	int nmix = 1;
	#pragma omp parallel for schedule(dynamic, 64) if (ng > 200)
	for (size_t j = 0; j < ng; j++) {
		double ip[4];
		const double *pp = sk_cov_rowpar(tm, par, d->cov, &g[j], ip);
		ga[j] = tm->expected_alive ? tm->expected_alive(pp, horizon, g[j].x, g[j].T) : 0;
		gr[j] = tm->return_alive ? tm->return_alive(pp, horizon, g[j].x, g[j].T) : 0;
		MARK_UNLESS_FINITE(ga[j], j, gbad);
		MARK_UNLESS_FINITE(gr[j], j, gbad);
		if (mix) {	/* BG/CNBD-k and MBG/CNBD-k: no covariates */
			double *m = gm + j * 2 * SK_MIX_MAX;
			int nc = tm->mix_alive(par, horizon, g[j].x, g[j].T, m, m + SK_MIX_MAX);
			if (j == 0)
				nmix = nc;	/* the same for every group */
			for (int c = 0; c < nc; c++) {
				MARK_UNLESS_FINITE(m[c], j, gbad);
				MARK_UNLESS_FINITE(m[SK_MIX_MAX + c], j, gbad);
			}
		}
	}
	#pragma omp parallel for schedule(dynamic, 256) if (np > 1000)
	for (size_t k = 0; k < np; k++) {
		if (mix) {
			double w[SK_MIX_MAX] = { 0 }, e = 0, r = 0;
			const double *m = gm + gid[k] * 2 * SK_MIX_MAX;
			tm->mix_weights(par, pat[k].x, pat[k].t_x, pat[k].T, w);
			for (int c = 0; c < nmix; c++) {
				e += w[c] * m[c];
				r += w[c] * m[SK_MIX_MAX + c];
			}
			ex[k] = pa[k] * e;
			pr[k] = pa[k] * r;
		} else {
			double ip[4];
			const double *pp = sk_cov_rowpar(tm, par, d->cov, &pat[k], ip);
			pr[k] = tm->return_alive ? pa[k] * gr[gid[k]] :
				tm->p_return(pp, horizon, pat[k].x, pat[k].t_x, pat[k].T);
			ex[k] = tm->expected_alive ? pa[k] * ga[gid[k]] :
				tm->expected(pp, horizon, pat[k].x, pat[k].t_x, pat[k].T);
		}
		MARK_UNLESS_FINITE(ex[k], k, bad);
		MARK_UNLESS_FINITE(pr[k], k, bad);
	}
	if (gbad < ng)
		for (size_t k = 0; k < np; k++)
			if (gid[k] == gbad)
				bad = k;
	free(gm);
	free(ga);
	free(gr);
	free(gid);
	free(g);
	if (bad < np)
		sk_die(SK_EX_DATA, "%s gives no finite p_alive, p_return or expected purchases "
		       "for frequency %g, recency %g, T %g (a customer far beyond the data the "
		       "model was fitted on?); refit on data like these or give a shorter "
		       "--horizon", tm->title, pat[bad].x, pat[bad].t_x, pat[bad].T);
	/* One row array at a time, each pattern array freed as soon as the
	 * rows have their values: the three of each held at once were 38 MB
	 * on a million customers (issue 21). */
	p->p_alive = sk_custdata_per_row(d, pa);
	p->expected = sk_custdata_per_row(d, ex);
	p->p_return = sk_custdata_per_row(d, pr);
	p->hurdle = 0;
}

void sk_pred_free(struct sk_pred *p)
{
	free(p->p_alive);
	free(p->expected);
	free(p->p_return);
	memset(p, 0, sizeof *p);
}

/* The conditional pmf.  A customer alive at T has, for each model, a
 * posterior under which its future is the model's own process for a new
 * customer with updated parameters, and a customer not alive makes no
 * more transactions, so
 *   P(X(T, T+t] = k | x, t_x, T) = P(alive) pmf'(t, k) + (1 - P(alive)) [k = 0].
 * Given alive at T:
 *   Pareto/NBD (Schmittlein, Morrison & Colombo 1987): lambda | x, T ~
 *     Gamma(r + x, alpha + T) and, tau > T, mu ~ Gamma(s, beta + T),
 *     independent; exponential lifetimes are memoryless, so the future is
 *     a Pareto/NBD with (r + x, alpha + T, s, beta + T).
 *   BG/NBD (Fader, Hardie & Lee 2005, eqs. 1-2): lambda ~ Gamma(r + x,
 *     alpha + T), and surviving x purchases gives p ~ Beta(a, b + x); the
 *     future is a BG/NBD with (r + x, alpha + T, a, b + x) (its mean is
 *     eq. 10 of the paper divided by P(alive)).
 *   MBG/NBD (Batislam, Denizel & Filiztekin 2007): as BG/NBD, with x + 1
 *     survivals (one at the first purchase), and the future of an alive
 *     customer has no dropout at its start: a BG/NBD with (r + x,
 *     alpha + T, a, b + x + 1).
 *   BG/BB (Fader, Hardie & Shang 2010, eqs. 1-3): p ~ Beta(alpha + x, beta + n - x),
 *     theta ~ Beta(gamma, delta + n) for n = T opportunities survived;
 *     the future is a BG/BB with those parameters.
 *   GGom/NBD (Bemmaor & Glady 2012): lambda ~ Gamma(r + x, alpha + T) and
 *     the remaining lifetime a Gamma-Gompertz with beta replaced by
 *     1 + (beta - 1) e^(-b T) (ggomnbd.c, beta_at): a GGom/NBD again. */
const struct sk_tmodel *sk_cond_future(const struct sk_tmodel *tm, const double *par,
				       double x, double T, double *q)
{
	/* BG/CNBD-k, MBG/CNBD-k: the future depends on t_x too (cnbd.c) */
	if (tm->ll_litt)
		return NULL;
	const struct sk_tmodel *future = tm;
	if (tm == &sk_ggomnbd) {
		q[0] = par[0] + x;
		q[1] = par[1] + T;
		q[2] = par[2];
		q[3] = par[3];
		q[4] = 1 + (par[4] - 1) * exp(-par[2] * T);
	} else if (tm == &sk_bgbb) {
		q[0] = par[0] + x;
		q[1] = par[1] + T - x;
		q[2] = par[2];
		q[3] = par[3] + T;
	} else {
		q[0] = par[0] + x;
		q[1] = par[1] + T;
		q[2] = par[2];
		q[3] = tm == &sk_pnbd ? par[3] + T : par[3] + x + (tm == &sk_mbgnbd);
		if (tm == &sk_mbgnbd)
			future = &sk_bgnbd;
	}
	return future;
}

double sk_cond_alive(const struct sk_tmodel *tm, const double *par, double x, double t_x,
		     double T)
{
	double pa = tm->p_alive(par, x, t_x, T);
	/* BG/BB's p_alive is P(alive in opportunity n + 1) (Fader, Hardie &
	 * Shang 2010, eq. 11), one more survival than the posterior above is
	 * for: divide by E[1 - theta | alive at n] = (delta + n) / (gamma +
	 * delta + n). */
	if (tm == &sk_bgbb)
		pa *= (par[2] + par[3] + T) / (par[3] + T);
	return pa;
}

double sk_cond_pmf(const struct sk_tmodel *tm, const double *par, double t, int k,
		   double x, double t_x, double T)
{
	double q[5];
	const struct sk_tmodel *future = sk_cond_future(tm, par, x, T, q);
	if (!future)
		return sk_cnbd_cond_pmf(par, t, k, x, t_x, T, tm == &sk_mbgcnbd);
	double pa = sk_cond_alive(tm, par, x, t_x, T);
	return pa * future->pmf(q, t, k) + (k == 0 ? 1 - pa : 0);
}

double *sk_predict_pmf(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		       double t, int K)
{
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	double *v = sk_xmalloc((np ? np : 1) * (size_t)(K + 1) * sizeof *v);
	#pragma omp parallel for schedule(dynamic, 64) if (np > 200)
	for (size_t j = 0; j < np; j++) {
		double ip[4];	/* with covariates her own (covar.h) */
		const double *pp = sk_cov_rowpar(tm, par, d->cov, &pat[j], ip);
		for (int k = 0; k <= K; k++)
			v[j * (size_t)(K + 1) + (size_t)k] =
				sk_cond_pmf(tm, pp, t, k, pat[j].x, pat[j].t_x, pat[j].T);
	}
	return v;
}
