/* value.c: spend fitting inputs, discounting and value tiers. */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/group.h"
#include "model/covar.h"
#include "model/interval.h"
#include "model/spend.h"
#include "record/util.h"

/* The spend observations of the repeat buyers, identical (x, mbar)
 * merged, in (x, mbar) order: the order makes the likelihood sums, and so
 * the fit, independent of the order of the input rows.  Sorted as ranks
 * through a radix sort (group.h); a million customers in ~50 ms. */
struct sk_spend_obs *sk_spend_obs_read(const struct sk_custdata *d, size_t *nobs,
				       size_t *excluded)
{
	/* Sized to the repeat buyers and then to the distinct pairs; sorted
	 * by mbar's bits, then (stable) by the rank of x, which needs no
	 * table of the distinct spends: with ten million customers this was
	 * the peak of clv's memory.  The keys point at the rows, not at a
	 * copy of their (x, mbar, w): 20 MB of clv's peak on a million
	 * customers (issue 21). */
	size_t m = 0, ex = 0;
	for (size_t i = 0; i < d->n; i++)
		m += d->valid[i] && sk_custdata_x(d, i) > 0 && d->mbar[i] > 0;
	struct sk_kv *kv = sk_xmalloc((m ? m : 1) * sizeof *kv);
	m = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i] || sk_custdata_x(d, i) <= 0)
			continue;
		if (!(d->mbar[i] > 0)) {
			ex++;
			continue;
		}
		kv[m++] = (struct sk_kv){ sk_key_of_double(d->mbar[i]), (uint32_t)i };
	}
	if (sk_kv_sort(kv, m, UINT64_MAX) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory sorting %zu customers", m);
	double *x = sk_xmalloc((m ? m : 1) * sizeof *x);
	for (size_t j = 0; j < m; j++)
		x[j] = sk_custdata_x(d, kv[j].idx);
	uint32_t *rank = sk_xmalloc((m ? m : 1) * sizeof *rank);
	size_t nx;
	double *u = sk_distinct_new(x, m, sizeof *x, rank, &nx);
	if (!u)
		sk_die(SK_EX_SOFTWARE, "out of memory sorting %zu customers", m);
	free(u);
	free(x);
	for (size_t j = 0; j < m; j++)
		kv[j].key = rank[j];
	free(rank);
	if (sk_kv_sort(kv, m, nx) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory sorting %zu customers", m);
	/* Now by x, and by mbar within equal x: equal pairs are adjacent. */
	size_t k = 0;
	for (size_t j = 0; j < m; j++)
		k += !(j && kv[j].key == kv[j - 1].key &&
		       d->mbar[kv[j].idx] == d->mbar[kv[j - 1].idx]);
	struct sk_spend_obs *s = sk_xmalloc((k ? k : 1) * sizeof *s);
	k = 0;
	for (size_t j = 0; j < m; j++) {
		size_t i = kv[j].idx;
		if (k && kv[j].key == kv[j - 1].key && d->mbar[i] == d->mbar[kv[j - 1].idx])
			s[k - 1].w += sk_custdata_w(d, i);
		else
			s[k++] = (struct sk_spend_obs){ sk_custdata_x(d, i), d->mbar[i],
							sk_custdata_w(d, i) };
	}
	free(kv);
	*nobs = k;
	*excluded = ex;
	return s;
}

int sk_spend_fit_or_die(const struct sk_spend_obs *obs, size_t n, struct sk_fit *fit)
{
	char err[400];
	/* obs are distinct (frequency, monetary_value) patterns, each
	 * weighted by its customers: the message counts customers. */
	double buyers = 0;
	for (size_t i = 0; i < n; i++)
		buyers += obs[i].w;
	if (buyers < 2)
		sk_die(SK_EX_DATA, "cannot fit Gamma-Gamma: fewer than 2 repeat buyers with a "
		       "positive monetary_value; use a longer calibration period");
	if (n < 2)
		sk_die(SK_EX_DATA, "cannot fit Gamma-Gamma: all %.0f repeat buyers have the same "
		       "frequency and monetary_value; the model needs spend that varies "
		       "between customers", buyers);
	if (sk_gg_fit(obs, n, fit, err, sizeof err) != 0)
		sk_die(SK_EX_DATA, "cannot fit Gamma-Gamma: %s", err);
	double r = sk_gg_correlation(obs, n);
	if (fabs(r) > 0.3)
		sk_warn("warning: frequency and spend are correlated (r = %.3f); the "
			"Gamma-Gamma model assumes they are independent", r);
	/* q and gamma on their ridge (issue 20): said as the transaction
	 * models' pairs are (score.c) */
	int ridge = sk_gg_ridge(fit, obs, n);
	if (ridge) {
		char what[400];
		sk_gg_ridge_what(fit, what, sizeof what);
		sk_warn("warning: Gamma-Gamma fit: %s", what);
	}
	return ridge;
}

/* Discounted expected transactions over a finite horizon H by parts:
 *   DET = e^{-delta H} E(H) + delta int_0^H e^{-delta t} E(t) dt,
 * E(t) = expected transactions in (T, T+t] given the history.  E is
 * smooth and concave, so 16-point Gauss-Legendre is accurate to far
 * below a cent. */
static const double gl_x[8] = {
	0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438,
	0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499,
};
static const double gl_w[8] = {
	0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
	0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541,
};

/* The expected-transactions curve E(t) being discounted: the model's
 * conditional expectation for a pattern, its alive factor for an (x, T)
 * group, E[X(t)] of a customer just acquired, or the components of a
 * mixture model's alive factor (mix_alive: BG/CNBD-k), discounted each
 * on its own because the weights do not depend on t. */
enum { CURVE_PATTERN, CURVE_ALIVE, CURVE_NEW, CURVE_MIX };
struct curve {
	const struct sk_tmodel *tm;
	const double *par;
	const struct sk_rfm *r;
	int kind;
};

/* E(t) into e[]; returns how many values (1 but for CURVE_MIX). */
static int curve_at(const struct curve *c, double t, double *e)
{
	switch (c->kind) {
	case CURVE_ALIVE:
		e[0] = c->tm->expected_alive(c->par, t, c->r->x, c->r->T);
		return 1;
	case CURVE_NEW:
		e[0] = c->tm->expected_new(c->par, t);
		return 1;
	case CURVE_MIX:
		return c->tm->mix_alive(c->par, t, c->r->x, c->r->T, e, NULL);
	default:
		e[0] = c->tm->expected(c->par, t, c->r->x, c->r->t_x, c->r->T);
		return 1;
	}
}

/* s[] += w (e^{-delta t1} E(t1) + e^{-delta t2} E(t2)): a pair of
 * Gauss-Legendre nodes, summed in the order of the scalar rule. */
static void add_pair(const struct curve *c, double t1, double t2, double w, double delta,
		     double *s)
{
	double e1[SK_MIX_MAX], e2[SK_MIX_MAX];
	int n = curve_at(c, t1, e1);
	curve_at(c, t2, e2);
	double f1 = exp(-delta * t1), f2 = exp(-delta * t2);
	for (int i = 0; i < n; i++)
		s[i] += w * (f1 * e1[i] + f2 * e2[i]);
}

/* 16-point Gauss-Legendre of e^{-delta t} E(t) over [a, b], added to s[]. */
static void gl_panel(const struct curve *c, double a, double b, double delta, double *s)
{
	double p[SK_MIX_MAX] = { 0 }, h = (b - a) / 2, m = a + h;
	for (int j = 0; j < 8; j++)
		add_pair(c, m - h * gl_x[j], m + h * gl_x[j], gl_w[j], delta, p);
	for (int i = 0; i < SK_MIX_MAX; i++)
		s[i] += h * p[i];
}

/* Gauss-Legendre's error on e^{-k u} over [0, 1] grows like k^32 / 32!
 * (Davis & Rabinowitz, Methods of Numerical Integration, 2.7): below
 * 1e-15 of the value up to k = 16 e-folds of discounting, useless past
 * 40.  So a longer horizon is cut in panels of at most 8 e-folds, and
 * past 60 e-folds (e^-60 ~ 1e-26 of the value, while E(t) grows at most
 * linearly) the horizon ends: --horizon 1000y and 99999999y then give
 * the value of a lifetime, as they should, instead of 0. */
#define DET_ONE_PANEL 4.0
#define DET_PANEL 2.0
#define DET_EFOLDS 60.0

/* The discounted value of each of the curve's values into v[]; returns
 * how many. */
static int det_continuous_v(const struct curve *c, double H, double delta, double *v)
{
	if (delta > 0 && delta * H > DET_EFOLDS)
		H = DET_EFOLDS / delta;
	double EH[SK_MIX_MAX], s[SK_MIX_MAX] = { 0 };
	int n = curve_at(c, H, EH);
	if (delta <= 0 || H <= 0) {
		memcpy(v, EH, n * sizeof *v);
		return n;
	}
	if (delta * H <= DET_ONE_PANEL) {
		double h = H / 2;
		for (int j = 0; j < 8; j++)
			add_pair(c, h * (1 - gl_x[j]), h * (1 + gl_x[j]), gl_w[j], delta, s);
		for (int i = 0; i < n; i++)
			v[i] = exp(-delta * H) * EH[i] + delta * h * s[i];
		return n;
	}
	int np = (int)ceil(delta * H / DET_PANEL);
	for (int k = 0; k < np; k++)
		gl_panel(c, H * k / np, H * (k + 1) / np, delta, s);
	for (int i = 0; i < n; i++)
		v[i] = exp(-delta * H) * EH[i] + delta * s[i];
	return n;
}

static double det_continuous(const struct curve *c, double H, double delta)
{
	double v[SK_MIX_MAX];
	det_continuous_v(c, H, delta, v);
	return v[0];
}

/* BG/BB: transactions happen at opportunities n+1, n+2, ...; the one at
 * n+k is discounted by (1+d)^-k.  r NULL: a customer just acquired. */
static double det_discrete(const struct sk_tmodel *tm, const double *par,
			   const struct sk_rfm *r, double H, double d)
{
	double s = 0, prev = 0;
	long n = (long)H;
	for (long k = 1; k <= n; k++) {
		double e = r ? tm->expected(par, (double)k, r->x, r->t_x, r->T) :
			tm->expected_new(par, (double)k);
		s += (e - prev) / pow(1 + d, (double)k);
		prev = e;
	}
	return s;
}

/* The discounted E[X | alive] of an (x, T, cov) group (model/covar.h)
 * over horizon: the model's own way where it has one (det_alive: the
 * Pareto/NBD's in pnbddisc.c, 16 exponentials instead of 17 points of
 * the curve), over the horizon det_continuous would take. */
static double group_det(const struct sk_tmodel *tm, const double *par,
			const struct sk_covdata *cov, const struct sk_rfm *g, double horizon,
			double delta)
{
	double ip[4];
	struct curve c = { tm, sk_cov_rowpar(tm, par, cov, g, ip), g, CURVE_ALIVE };
	if (!tm->det_alive)
		return det_continuous(&c, horizon, delta);
	double H = delta > 0 && delta * horizon > DET_EFOLDS ? DET_EFOLDS / delta : horizon;
	return tm->det_alive(c.par, delta > 0 ? delta : 0, H, g->x, g->T);
}

/* Patterns per chunk of P(alive) (sk_cov_p_alive: the Pareto/NBD's
 * series coefficients per thread from one customer of an x to the next). */
#define SE_CHUNK 512

static void die_no_det(const struct sk_tmodel *tm, const struct sk_rfm *r)
{
	sk_die(SK_EX_DATA, "%s gives no finite discounted expected transactions for "
	       "frequency %g, recency %g, T %g over this horizon; give a shorter "
	       "--horizon or a --discount-rate above 0", tm->title, r->x, r->t_x, r->T);
}

/* A discounted expectation as it goes out into *v: tiny negatives of
 * rounding are 0.  0 when x is not finite: it is not replaced by
 * anything, the caller stops with the reason. */
static int finite_det(double *v, double x)
{
	*v = isfinite(x) && x > 0 ? x : 0;
	return isfinite(x);
}

static double *value_det(const struct sk_tmodel *tm, const double *par,
			  struct sk_custdata *d, double horizon, double annual_rate,
			  double unit_days, const double *alive_in, double **p_alive);

double *sk_value_det(const struct sk_tmodel *tm, const double *par,
		     struct sk_custdata *d, double horizon, double annual_rate,
		     double unit_days)
{
	return value_det(tm, par, d, horizon, annual_rate, unit_days, NULL, NULL);
}

double *sk_value_det_alive(const struct sk_tmodel *tm, const double *par,
			   struct sk_custdata *d, double horizon, double annual_rate,
			   double unit_days, double **p_alive)
{
	return value_det(tm, par, d, horizon, annual_rate, unit_days, NULL, p_alive);
}

double *sk_value_dert(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		      double annual_rate, double unit_days, const double *p_alive)
{
	return value_det(tm, par, d, -1, annual_rate, unit_days, p_alive, NULL);
}

/* P(alive) per pattern for DERT (model.h, dert_pa): the caller's per
 * row (alive_in, churn's sk_predict) where given, else as sk_predict
 * computes it, so that the column is the same either way. */
static double *dert_alive(const struct sk_tmodel *tm, const double *par,
			  struct sk_custdata *d, size_t np, const double *alive_in)
{
	if (!alive_in)
		return sk_predict_alive_patterns(tm, par, d);
	double *pa = sk_xmalloc((np ? np : 1) * sizeof *pa);
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i])
			pa[d->pid[i]] = alive_in[i];
	return pa;
}

/* sk_value_det_alive; alive_in: P(alive) per row already computed, or
 * NULL (used by DERT only). */
static double *value_det(const struct sk_tmodel *tm, const double *par,
			 struct sk_custdata *d, double horizon, double annual_rate,
			 double unit_days, const double *alive_in, double **p_alive)
{
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	double *v = sk_xmalloc((np ? np : 1) * sizeof *v);
	double *pa = NULL;	/* per pattern, when this path computes it */
	size_t bad = SIZE_MAX;	/* a pattern without a finite value */
	/* Continuous discounting at the force of interest that compounds to
	 * annual_rate over a year of 365.25 days, per model time unit. */
	double delta = log1p(annual_rate) * unit_days / 365.25;
	if (horizon >= 0 && !tm->discrete && tm->expected_alive) {
		/* DET = p_alive x (discounted E[X | alive]), the second factor
		 * per distinct (x, T) only. */
		size_t ng;
		struct sk_rfm *g;
		uint32_t *gid = sk_rfm_group_xT(pat, np, &ng, &g);
		double *gv = sk_xmalloc((ng ? ng : 1) * sizeof *gv);
		#pragma omp parallel for schedule(dynamic, 16) if (ng > 100)
		for (size_t j = 0; j < ng; j++)
			gv[j] = group_det(tm, par, d->cov, &g[j], horizon, delta);
		/* P(alive) kept for the caller's (clv's) column: with
		 * covariates it is two hypergeometric series per customer */
		pa = sk_xmalloc((np ? np : 1) * sizeof *pa);
		long nch = (long)((np + SE_CHUNK - 1) / SE_CHUNK);
		#pragma omp parallel for schedule(dynamic, 4) if (np > 1000)
		for (long ch = 0; ch < nch; ch++) {
			size_t lo = (size_t)ch * SE_CHUNK, hi = lo + SE_CHUNK < np ? lo + SE_CHUNK : np;
			sk_cov_p_alive(tm, par, d->cov, pat + lo, hi - lo, pa + lo);
			for (size_t k = lo; k < hi; k++)
				if (!finite_det(&v[k], pa[k] * gv[gid[k]])) {
					#pragma omp atomic write
					bad = k;
				}
		}
		free(gv);
		free(gid);
		free(g);
	} else if (horizon >= 0 && !tm->discrete && tm->mix_alive && tm->mix_weights) {
		/* A mixture (model.h, mix_alive; BG/CNBD-k): E(t) = p_alive x
		 * sum_j w_j c_j(t), the weights of (x, t_x, T) but not t, the
		 * components of (x, T) only, so DET = p_alive x sum_j w_j
		 * (discounted c_j): the quadrature once per distinct (x, T),
		 * not once per pattern. */
		size_t ng;
		struct sk_rfm *g;
		uint32_t *gid = sk_rfm_group_xT(pat, np, &ng, &g);
		double *gv = sk_xmalloc((ng ? ng : 1) * SK_MIX_MAX * sizeof *gv);
		int *gn = sk_xmalloc((ng ? ng : 1) * sizeof *gn);
		#pragma omp parallel for schedule(dynamic, 16) if (ng > 100)
		for (size_t j = 0; j < ng; j++) {
			double ip[4];
			struct curve c = { tm, sk_cov_rowpar(tm, par, d->cov, &g[j], ip), &g[j],
					   CURVE_MIX };
			gn[j] = det_continuous_v(&c, horizon, delta, gv + j * SK_MIX_MAX);
		}
		#pragma omp parallel for if (np > 10000)
		for (size_t k = 0; k < np; k++) {
			double ip[4], w[SK_MIX_MAX] = { 0 }, e = 0;
			const double *pp = sk_cov_rowpar(tm, par, d->cov, &pat[k], ip);
			const double *m = gv + gid[k] * SK_MIX_MAX;
			tm->mix_weights(pp, pat[k].x, pat[k].t_x, pat[k].T, w);
			for (int c = 0; c < gn[gid[k]]; c++)
				if (w[c] > 0)	/* as the model's expected skips them */
					e += w[c] * m[c];
			double x = tm->p_alive(pp, pat[k].x, pat[k].t_x, pat[k].T) * e;
			if (!finite_det(&v[k], x)) {
				#pragma omp atomic write
				bad = k;
			}
		}
		free(gn);
		free(gv);
		free(gid);
		free(g);
	} else if (horizon < 0 && tm->dert_pa) {
		/* DERT = P(alive) x a function of (x, T) (model.h, dert_pa):
		 * P(alive) once, not again inside dert, and kept for the
		 * caller's column. */
		pa = dert_alive(tm, par, d, np, alive_in);
		#pragma omp parallel for schedule(dynamic, 64) if (np > 200)
		for (size_t k = 0; k < np; k++) {
			double ip[4];
			const double *pp = sk_cov_rowpar(tm, par, d->cov, &pat[k], ip);
			if (!finite_det(&v[k], tm->dert_pa(pp, delta, pa[k], pat[k].x, pat[k].T))) {
				#pragma omp atomic write
				bad = k;
			}
		}
	} else {
		#pragma omp parallel for schedule(dynamic, 64) if (np > 200)
		for (size_t k = 0; k < np; k++) {
			double x, ip[4];
			/* with covariates (model/covar.h), the customer's own
			 * parameters in the plain model's formulas */
			const double *pp = sk_cov_rowpar(tm, par, d->cov, &pat[k], ip);
			struct curve c = { tm, pp, &pat[k], CURVE_PATTERN };
			if (horizon < 0)
				x = tm->discrete ?
					tm->dert(pp, annual_rate, pat[k].x, pat[k].t_x, pat[k].T) :
					tm->dert(pp, delta, pat[k].x, pat[k].t_x, pat[k].T);
			else if (tm->discrete)
				x = det_discrete(tm, pp, &pat[k], horizon, annual_rate);
			else
				x = det_continuous(&c, horizon, delta);
			if (!finite_det(&v[k], x)) {
				#pragma omp atomic write
				bad = k;
			}
		}
	}
	if (bad < np)
		die_no_det(tm, &pat[bad]);
	double *out = sk_xcalloc(d->n ? d->n : 1, sizeof *out);
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i])
			out[i] = v[d->pid[i]];
	free(v);
	if (!p_alive)
		free(pa);
	else	/* sk_custdata_per_row frees pa */
		*p_alive = pa ? sk_custdata_per_row(d, pa) : sk_predict_alive(tm, par, d);
	return out;
}

/* Discounted expected transactions of a customer acquired at time 0
 * with parameters par (as an existing customer's are: det_continuous,
 * det_discrete). */
static double det_new(const struct sk_tmodel *tm, const double *par, double horizon,
		      double annual_rate, double unit_days)
{
	if (tm->discrete)
		return det_discrete(tm, par, NULL, horizon, annual_rate);
	double delta = log1p(annual_rate) * unit_days / 365.25;
	struct curve c = { tm, par, NULL, CURVE_NEW };
	return det_continuous(&c, horizon, delta);
}

void sk_new_customer(FILE *f, const struct sk_tmodel *tm, const double *par,
		     struct sk_custdata *d, const double *spend_par, double horizon,
		     double annual_rate, double margin, double unit_days, const char *unit,
		     double cohort)
{
	/* A customer acquired at time 0 with the population's parameters
	 * (FHL 2005 eq. 9 for BG/NBD, Schmittlein et al. 1987 eq. 17 for
	 * Pareto/NBD, each model's expected_new): E[X(H)] repeat
	 * transactions and P(X(H) = 0).  With covariates she has none yet:
	 * each figure is its mean over the customers' covariate vectors,
	 * each vector weighted by its customers (model/covar.h). */
	int cov = d && d->cov;
	double ex, p0, n = 0, det = NAN;
	if (cov)
		ex = sk_cov_new_customer_mean(tm, par, d, horizon, &p0, &n);
	else {
		ex = tm->expected_new(par, horizon);
		p0 = tm->pmf(par, horizon, 0);
	}
	if (!isfinite(ex) || !isfinite(p0))
		sk_die(SK_EX_DATA, "cannot forecast a new customer: the fitted %s%s gives no "
		       "finite E[X(t)] over %g %s(s)", tm->title, cov ? " with covariates" : "",
		       horizon, unit);
	if (cov)
		fprintf(f, "new customer over %g %s(s) (%s with covariates, averaged over the "
			"%.0f customers' covariate vectors): expected repeat transactions %.4f, "
			"P(no repeat) %.4f\n", horizon, unit, tm->title, n, ex, p0);
	else
		fprintf(f, "new customer over %g %s(s) (%s): expected repeat transactions %.4f, "
			"P(no repeat) %.4f\n", horizon, unit, tm->title, ex, p0);
	if (spend_par) {
		/* The spend of a transaction is the Gamma-Gamma population
		 * mean p gamma / (q - 1) (Fader, Hardie & Lee 2005, JMR 42(4),
		 * eq. 1 and Hardie 2013 eq. 5 with x = 0); the spend model has
		 * no covariates.  The acquisition purchase itself is not
		 * counted, as clv counts only future transactions. */
		if (cov) {
			double nw, *w = sk_cov_vector_weights(d, &nw);
			det = 0;
			for (size_t v = 0; v < d->cov->nz; v++) {
				if (!(w[v] > 0))
					continue;
				struct sk_rfm r = { .cov = (uint32_t)v };
				double ip[4];
				const double *pp = sk_cov_rowpar(tm, par, d->cov, &r, ip);
				det += w[v] * det_new(tm, pp, horizon, annual_rate, unit_days);
			}
			det /= nw;
			free(w);
		} else {
			det = det_new(tm, par, horizon, annual_rate, unit_days);
		}
		if (!isfinite(det))
			sk_die(SK_EX_DATA, "cannot value a new customer: the fitted %s gives no "
			       "finite discounted transactions over %g %s(s)", tm->title, horizon,
			       unit);
		double m = sk_gg_expected_spend(spend_par, 0, 0);
		double v = margin * m * det;
		fprintf(f, "new customer value: expected spend per transaction %.4f, discounted "
			"expected transactions %.4f, clv %.4f\n", m, det, v);
		if (cohort > 0)
			fprintf(f, "planned cohort of %g: expected repeat transactions %.2f, "
				"clv %.2f\n", cohort, cohort * ex, cohort * v);
	} else if (cohort > 0)
		fprintf(f, "planned cohort of %g: expected repeat transactions %.2f, expected "
			"customers without a repeat %.2f\n", cohort, cohort * ex, cohort * p0);
}

/* The delta method's standard error of log DET per pattern where DET =
 * p_alive x (discounted E[X | alive]) (the first branch of
 * sk_value_det_alive): the same values as sk_value_det at each of the
 * parameter sets ts->par[0..npar], but the (x, T, cov) groups made once,
 * each group's parameter sets in a row (the Pareto/NBD keeps D per
 * (s, beta+T): moving r, alpha or a purchase coefficient does not change
 * it) and no per-row array per set.  Patterns go in chunks, one
 * parameter set at a time within a chunk, as covar.c's intervals do (the
 * tails' series coefficients per thread). */
static double *det_se_patterns(const struct sk_tmodel *tm, const struct sk_delta *ts,
			       struct sk_custdata *d, double horizon, double annual_rate,
			       double unit_days)
{
	size_t np, ng;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	double delta = log1p(annual_rate) * unit_days / 365.25;
	struct sk_rfm *g;
	uint32_t *gid = sk_rfm_group_xT(pat, np, &ng, &g);
	size_t nk = (size_t)ts->npar + 1;
	double *gv = sk_xmalloc((ng ? ng : 1) * nk * sizeof *gv);
	#pragma omp parallel for schedule(dynamic, 16) if (ng > 100)
	for (size_t j = 0; j < ng; j++)
		for (size_t k = 0; k < nk; k++)
			gv[j * nk + k] = group_det(tm, ts->par[k], d->cov, &g[j], horizon, delta);
	double *se = sk_xmalloc((np ? np : 1) * sizeof *se);
	size_t bad = SIZE_MAX;
	long nch = (long)((np + SE_CHUNK - 1) / SE_CHUNK);
	#pragma omp parallel for schedule(dynamic, 4) if (np > 1000)
	for (long ch = 0; ch < nch; ch++) {
		size_t lo = (size_t)ch * SE_CHUNK, hi = lo + SE_CHUNK < np ? lo + SE_CHUNK : np;
		double lv[SE_CHUNK][SK_FIT_MAXPAR + 1], pa[SE_CHUNK];
		for (size_t k = 0; k < nk; k++) {
			sk_cov_p_alive(tm, ts->par[k], d->cov, pat + lo, hi - lo, pa);
			for (size_t i = lo; i < hi; i++) {
				double v, x = pa[i - lo] * gv[gid[i] * nk + k];
				if (!finite_det(&v, x)) {
					#pragma omp atomic write
					bad = i;
				}
				lv[i - lo][k] = v > 0 ? log(v) : -INFINITY;
			}
		}
		for (size_t i = lo; i < hi; i++)
			se[i] = sk_delta_se(ts, lv[i - lo][0], lv[i - lo] + 1);
	}
	if (bad < np)
		die_no_det(tm, &pat[bad]);
	free(gv);
	free(gid);
	free(g);
	return se;
}

void sk_value_intervals(const struct sk_tmodel *tm, const struct sk_fit *tfit,
			const struct sk_fit *sfit, struct sk_custdata *d, double horizon,
			double annual_rate, double unit_days, const double *spend,
			const double *clv, double level, double *const out[4])
{
	struct sk_delta ts, ss;
	sk_delta_init_or_die(tfit, level, tm->title, &ts);
	sk_delta_init_or_die(sfit, level, "Gamma-Gamma", &ss);
	/* log clv = log margin + log E[spend] + log DET: the delta method
	 * (interval.c) for each factor, their variances added, as the spend
	 * and transaction models are fitted on separate likelihoods and
	 * assumed independent (Fader, Hardie & Lee 2005, JMR 42(4), eq. 1). */
	double *se_det = NULL, *ldet[SK_FIT_MAXPAR + 1] = { NULL };
	if (horizon >= 0 && !tm->discrete && tm->expected_alive)
		se_det = det_se_patterns(tm, &ts, d, horizon, annual_rate, unit_days);
	else
		for (int k = 0; k <= ts.npar; k++) {
			ldet[k] = sk_value_det(tm, ts.par[k], d, horizon, annual_rate, unit_days);
			for (size_t i = 0; i < d->n; i++)
				ldet[k][i] = ldet[k][i] > 0 ? log(ldet[k][i]) : -INFINITY;
		}
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		double g[SK_FIT_MAXPAR + 1], h[SK_FIT_MAXPAR + 1];
		for (int k = 0; !se_det && k <= ts.npar; k++)
			g[k] = ldet[k][i];
		double x = sk_custdata_x(d, i), m = x > 0 && d->mbar[i] > 0 ? d->mbar[i] : 0;
		for (int k = 0; k <= ss.npar; k++) {
			double v = sk_gg_expected_spend(ss.par[k], m > 0 ? x : 0, m);
			h[k] = v > 0 ? log(v) : -INFINITY;
		}
		double se_t = se_det ? se_det[d->pid[i]] : sk_delta_se(&ts, g[0], g + 1);
		double se_s = sk_delta_se(&ss, h[0], h + 1);
		double se_c = sqrt(se_t * se_t + se_s * se_s);
		out[0][i] = spend[i] * exp(-ss.z * se_s);
		out[1][i] = spend[i] * exp(ss.z * se_s);
		out[2][i] = clv[i] * exp(-ts.z * se_c);
		out[3][i] = clv[i] * exp(ts.z * se_c);
	}
	for (int k = 0; k <= ts.npar; k++)
		free(ldet[k]);
	free(se_det);
}

/* The k-th smallest of a[0..n) (0-based), reordering a: Hoare's
 * selection with a median-of-three pivot.  Returns 0 when it took
 * suspiciously many rounds (an adversarial order), leaving the answer
 * to the caller's sort. */
static int select_kth(uint64_t *a, size_t n, size_t k, uint64_t *out)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1;
	for (int round = 0; lo < hi; round++) {
		if (round > 200)
			return 0;
		uint64_t x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];
		uint64_t pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				uint64_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if ((ptrdiff_t)k <= j)
			hi = j;
		else if ((ptrdiff_t)k >= i)
			lo = i;
		else
			break;	/* a[j+1 .. i-1] all equal the pivot */
	}
	*out = a[k];
	return 1;
}

/* Tiers by rank of clv, highest first, ties in row order.  Only two
 * ranks matter, the last of the top 1 % and of the top 20 %: their keys
 * (order-preserving bits of -clv, group.h) are found by selection, and a
 * customer's rank is then the number of smaller keys plus the equal ones
 * before it.  8 bytes a customer instead of a sort's 32. */
unsigned char *sk_value_tiers(const double *clv, const unsigned char *valid, size_t n)
{
	uint64_t *key = sk_xmalloc((n ? n : 1) * sizeof *key);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (valid[i])
			key[m++] = sk_key_of_double(-clv[i]);
	unsigned char *tier = sk_xcalloc(n ? n : 1, 1);
	/* ceil so a small base still has a top customer */
	size_t top1 = (m + 99) / 100, top20 = (m * 20 + 99) / 100;
	uint64_t k1 = 0, k20 = 0;
	if (m && (!select_kth(key, m, top1 - 1, &k1) || !select_kth(key, m, top20 - 1, &k20))) {
		struct sk_kv *kv = (struct sk_kv *)sk_xmalloc(m * sizeof *kv);
		for (size_t r = 0; r < m; r++)
			kv[r] = (struct sk_kv){ key[r], 0 };
		if (sk_kv_sort(kv, m, UINT64_MAX) < 0)
			sk_die(SK_EX_SOFTWARE, "out of memory ranking %zu customers", m);
		k1 = kv[top1 - 1].key;
		k20 = kv[top20 - 1].key;
		free(kv);
	}
	free(key);
	size_t below1 = 0, below20 = 0, eq1 = 0, eq20 = 0;
	for (size_t i = 0; i < n; i++) {
		if (!valid[i])
			continue;
		uint64_t k = sk_key_of_double(-clv[i]);
		below1 += k < k1;
		below20 += k < k20;
	}
	for (size_t i = 0; i < n; i++) {
		if (!valid[i])
			continue;
		uint64_t k = sk_key_of_double(-clv[i]);
		size_t r;
		if (k == k1)
			r = below1 + eq1++;
		else if (k == k20)
			r = below20 + eq20++;
		else
			r = k < k1 ? 0 : k < k20 ? top1 : top20;
		tier[i] = r < top1 ? SK_TIER_TOP1 : r < top20 ? SK_TIER_TOP20 : SK_TIER_REST;
	}
	return tier;
}

const char *sk_value_tier_name(unsigned char tier)
{
	static const char *const name[] = { "", "top1", "top20", "rest" };
	return tier < 4 ? name[tier] : "";
}

void sk_value_fit(struct sk_custdata *d, const struct sk_tmodel *tm, double penalty,
		  const char *unit,
		  struct sk_modelfile *mf)
{
	/* The spend model first: its working memory is free again by the
	 * time the transaction model's patterns are made. */
	size_t npat, nobs, excluded;
	struct sk_spend_obs *obs = sk_spend_obs_read(d, &nobs, &excluded);
	if (excluded)
		sk_warn("%zu repeat buyer%s with zero, negative or missing monetary_value "
			"left out of the spend fit", excluded, excluded == 1 ? "" : "s");
	mf->spend_ridge = sk_spend_fit_or_die(obs, nobs, &mf->sfit);
	free(obs);
	const struct sk_rfm *pat = sk_custdata_patterns(d, &npat);
	if (d->cov && tm)
		sk_cov_model_fit(tm, penalty, unit, d, d->cov, mf);
	else if (d->cov)	/* auto: BG/NBD or Pareto/NBD by BIC, as sk_tmodel_auto */
		sk_cov_auto(NULL, penalty, unit, d, d->cov, mf);
	else
		sk_modelfile_fit(mf, tm, penalty, pat, npat, unit);
	mf->has_spend = 1;
}

double sk_value_spend(const double *gg, const struct sk_custdata *d, size_t i)
{
	double x = sk_custdata_x(d, i), m = x > 0 && d->mbar[i] > 0 ? d->mbar[i] : 0;
	return sk_gg_expected_spend(gg, m > 0 ? x : 0, m);
}

const struct sk_tmodel *sk_value_models(const char *model_path, const char *type,
					 const char *unit, struct sk_modelfile *mf)
{
	const struct sk_tmodel *tm = NULL;
	memset(mf, 0, sizeof *mf);
	if (model_path) {
		sk_modelfile_load(model_path, unit, mf);
		if (!mf->tm || !mf->has_spend)
			sk_die(SK_EX_USAGE, "%s: %s needs a file saved by clv --save-model "
			       "(a transaction and a spend model)", model_path, sk_progname);
		/* its predictions would ignore them: say so instead */
		if (mf->cov.kp + mf->cov.kd > 0)
			sk_die(SK_EX_USAGE, "%s: the transaction model has covariates, which %s "
			       "does not take yet (churn and clv do)", model_path, sk_progname);
		tm = mf->tm;
	} else if (strcmp(type, "auto") != 0 && !(tm = sk_tmodel_find(type)))
		sk_die(SK_EX_USAGE, "--model-type: \"%s\" is not bgnbd, pnbd, mbgnbd, bgbb, "
		       "bgcnbd, mbgcnbd or auto", type);
	return tm;
}

void sk_pred_extra_make(struct sk_pred_extra *x, const struct sk_tmodel *tm,
			const double *par, struct sk_custdata *d, const double *p_alive,
			double horizon, double unit_days, int has_dert, double rate, int K,
			const char *const *base, size_t nbase)
{
	memset(x, 0, sizeof *x);
	if (has_dert && !tm->dert)
		sk_die(SK_EX_USAGE, "--dert: %s has no closed form for DERT; use --model-type "
		       "pnbd or bgbb", tm->title);
	if (has_dert)
		x->dert = sk_value_dert(tm, par, d, rate, unit_days, p_alive);
	if (K >= 0)
		x->pmf = sk_predict_pmf(tm, par, d, horizon, K);
	x->K = K;
	x->nbase = nbase;
	x->ncol = (size_t)has_dert + (size_t)(K + 1);
	x->names = sk_xmalloc((nbase + x->ncol) * sizeof *x->names);
	size_t k = 0;
	for (; k < nbase; k++)
		x->names[k] = sk_xstrdup(base[k]);
	if (has_dert)
		x->names[k++] = sk_xstrdup("dert");
	for (int j = 0; j <= K; j++) {
		char nm[16];
		snprintf(nm, sizeof nm, "pmf_%d", j);
		x->names[k++] = sk_xstrdup(nm);
	}
}

void sk_pred_extra_fill(const struct sk_pred_extra *x, const struct sk_custdata *d,
			struct sk_emit *row, size_t i)
{
	size_t k = x->nbase;
	if (x->dert)
		sk_emit_num(row, k++, x->dert[i], 6);
	for (int j = 0; x->pmf && j <= x->K; j++)
		sk_emit_num(row, k++, x->pmf[d->pid[i] * (size_t)(x->K + 1) + (size_t)j], 6);
}

void sk_pred_extra_free(struct sk_pred_extra *x)
{
	for (size_t k = 0; k < x->nbase + x->ncol; k++)
		free(x->names[k]);
	free(x->names);
	free(x->dert);
	free(x->pmf);
	memset(x, 0, sizeof *x);
}
