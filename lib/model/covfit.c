/* covfit.c: the fit with covariates as the programs run it (covar.h):
 * the plain model's fit that starts it and is the likelihood-ratio
 * test's restriction, the penalty, the refit at the backtest's cut, the
 * choice of model under auto, and what a fit says of itself (a constant
 * or collinear column, the BG/NBD's a, b -> inf ridge, more purchases
 * expected than were made).  covar.c and covbin.c make the fit itself;
 * covio.c reads the columns and writes the coefficients. */
#include "covar.h"
#include "covint.h"
#include "modelint.h"
#include "backtest.h"
#include "ridge.h"
#include "modelopts.h"
#include "score.h"
#include "record/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* "the purchase coefficient of "z"", or with separate dropout
 * coefficients "the dropout coefficient on a of "z"", into buf. */
static const char *coef_desc(const struct sk_covspec *s, int j, char *buf, size_t len)
{
	const char *proc, *par, *name = sk_cov_coef_name(s, j, &proc, &par);
	snprintf(buf, len, "the %s coefficient%s%s of \"%s\"", proc, par ? " on " : "",
		 par ? par : "", name);
	return buf;
}

/* The name of column c of a vector and the process it acts on. */
static const char *col_name(const struct sk_covspec *s, int c, const char **process)
{
	*process = c < s->kp ? "purchase" : "dropout";
	return c < s->kp ? s->pname[c] : s->dname[c - s->kp];
}


void sk_cov_check_opts(const struct sk_model_opts *m, int given)
{
	if (given && m->model)
		sk_die(SK_EX_USAGE, "--covariates: --model %s scores with the covariates it "
		       "was fitted with; leave --covariates out", m->model);
}

/* Without a covariance (the information matrix singular): two columns
 * of one process that are exactly one another up to scale and shift
 * (correlation over the distinct vectors beyond 0.9999), named. */
static void collinear_columns(const struct sk_tmodel *tm, const struct sk_covdata *cd)
{
	const struct sk_covspec *s = &cd->spec;
	int k = s->kp + s->kd;
	for (int i = 0; i < k; i++)
		for (int j = 0; j < i; j++) {
			if ((i < s->kp) != (j < s->kp))
				continue;	/* other processes: not confounded */
			double mi = 0, mj = 0, sii = 0, sjj = 0, sij = 0, n = (double)cd->nz;
			for (size_t v = 0; v < cd->nz; v++) {
				mi += cd->z[v * (size_t)k + (size_t)i] / n;
				mj += cd->z[v * (size_t)k + (size_t)j] / n;
			}
			for (size_t v = 0; v < cd->nz; v++) {
				double a = cd->z[v * (size_t)k + (size_t)i] - mi;
				double b = cd->z[v * (size_t)k + (size_t)j] - mj;
				sii += a * a;
				sjj += b * b;
				sij += a * b;
			}
			double rho = sii > 0 && sjj > 0 ? sij / sqrt(sii * sjj) : 0;
			if (!(fabs(rho) > 0.9999))
				continue;
			const char *pi, *ni = col_name(s, i, &pi), *pj, *nj = col_name(s, j, &pj);
			sk_warn("warning: %s fit with covariates: the %s coefficient of \"%s\" and "
				"the %s coefficient of \"%s\" cannot be told apart (correlation of the "
				"columns %.4f): a covariate is nearly a combination of others; leave "
				"one out", tm->title, pi, ni, pj, nj, rho);
			return;
		}
}

/* Two estimates that move together almost exactly (the correlation of
 * the inverse observed information beyond 0.995) belong to covariates
 * that are, nearly, one another (or a column that is nearly constant,
 * against alpha0 ...): the likelihood cannot tell their effects apart,
 * even when rounding leaves the information matrix invertible.  Without
 * a covariance, collinear_columns names what it can. */
static void collinear(const struct sk_tmodel *tm, const struct sk_fit *f,
		      const struct sk_covdata *cd)
{
	const struct sk_covspec *s = &cd->spec;
	if (!f->cov_ok) {
		collinear_columns(tm, cd);
		return;
	}
	const double *c = f->cov;
	for (int i = 4; i < f->npar; i++)
		for (int j = 0; j < i; j++) {
			double v = c[i * SK_FIT_MAXPAR + i] * c[j * SK_FIT_MAXPAR + j];
			double rho = v > 0 ? c[i * SK_FIT_MAXPAR + j] / sqrt(v) : 0;
			if (fabs(rho) <= 0.995)
				continue;
			char di[SK_COV_NAMELEN + 48], other[SK_COV_NAMELEN + 48];
			coef_desc(s, i - 4, di, sizeof di);
			if (j >= 4)
				coef_desc(s, j - 4, other, sizeof other);
			else
				snprintf(other, sizeof other, "%s", tm->parname[j]);
			sk_warn("warning: %s fit with covariates: %s and %s cannot be told apart "
				"(correlation of the estimates %.4f): %s", tm->title, di, other, rho,
				s->sep && j >= 4 && sk_covspec_col(s, i - 4) == sk_covspec_col(s, j - 4) ?
				"the data tell only their difference, the column's effect on the mean "
				"dropout probability a/(a+b), not their sum, its effect on the spread "
				"1/(1+a+b) (a and b large: little spread to explain)" :
				"a covariate is nearly constant or nearly a combination of others; "
				"leave one out");
			return;
		}
}

/* ---- the BG/NBD's a, b -> inf ridge ----
 *
 * Beta(a, b) with a + b -> inf and a/(a+b) = p fixed is a point mass at
 * p: every customer of a vector then drops out with the same probability
 * after each purchase, and her likelihood is FHL 2005's with p fixed,
 * integrated over lambda alone (the model table's ridge, derived in
 * bgnbd.c at sk_bg_ll_limit; ridge.h says how the test is made).
 * Data without that spread raise the likelihood towards this limit as a
 * and b grow together, the fit stops somewhere on the way, and whatever
 * moves a and b together is not identified: a0 and b0 apart from
 * a0/(a0+b0), and a dropout column's g_a + g_b (shared: g_d, all it
 * moves), only g_b - g_a moving p.  A customer's gain from her limit,
 * d_i = ln L_inf - ln L at the estimate, tells: the fit is on the ridge
 * when sum d_i is above -(1e-3 + 1e-8 |ln L|) (sk_ridge_tol: no worse
 * than the limit).  Or part of it: the customers above a dropout
 * column's smallest value v (or below its largest) reach their limit
 * along a direction that leaves those at v where they are (a_i, b_i
 * times exp(t (z_j - v)), t -> inf: the column's coefficients, and a0
 * and b0 unless v = 0), when the sum of their d_i is above the same. */

/* Warn when f sits on the ridge (above); 1 when it did. */
static int ridge_ab(const struct sk_tmodel *tm, const struct sk_fit *f,
		    const struct sk_covdata *cd, const struct sk_rfm *pat, size_t n)
{
	const struct sk_covspec *s = &cd->spec;
	if (tm != &sk_bgnbd)
		return 0;
	/* only where the estimates say something is loose: no covariance,
	 * a or b with a huge standard error, or moving with each other or a
	 * column's g_a with its g_b */
	int loose = sk_ridge_loose(f, 2, 3);
	for (int i = 4; i < f->npar && !loose; i++)
		for (int j = 4; j < i && !loose; j++)
			loose = s->sep && sk_covspec_col(s, i - 4) == sk_covspec_col(s, j - 4) &&
				sk_fit_together(f, i, j);
	if (!loose)
		return 0;
	int kz = s->kp + s->kd;
	double lo[SK_COV_MAX], hi[SK_COV_MAX];
	for (int j = 0; j < s->kd; j++) {
		lo[j] = HUGE_VAL;
		hi[j] = -HUGE_VAL;
		for (size_t v = 0; v < cd->nz; v++) {
			double z = cd->z[v * (size_t)kz + (size_t)(s->kp + j)];
			lo[j] = fmin(lo[j], z);
			hi[j] = fmax(hi[j], z);
		}
	}
	double up[SK_COV_MAX] = { 0 }, dn[SK_COV_MAX] = { 0 };
	double *d = sk_xmalloc((n ? n : 1) * sizeof *d);
	double all = sk_ridge_gain(tm, &tm->ridge[0], f->par, cd, pat, NULL, n, d, NULL);
	for (size_t i = 0; i < n; i++) {
		const double *z = cd->z + (size_t)pat[i].cov * (size_t)kz + s->kp;
		for (int j = 0; j < s->kd; j++) {
			up[j] += z[j] > lo[j] ? d[i] : 0;
			dn[j] += z[j] < hi[j] ? d[i] : 0;
		}
	}
	free(d);
	double tol = -sk_ridge_tol(f->loglik);
	const char *what = s->sep ? "g_a + g_b" : "the dropout coefficient";
	if (isfinite(all) && all >= tol) {
		char cols[SK_COV_MAX * (SK_COV_NAMELEN + 4)] = "";
		for (int j = 0; j < s->kd; j++) {
			size_t l = strlen(cols);
			snprintf(cols + l, sizeof cols - l, "%s\"%s\"", j ? ", " : "", s->dname[j]);
		}
		char nor[sizeof cols + 160] = "";
		if (s->kd)
			snprintf(nor, sizeof nor, ", nor %s of %s (%s)", what, cols, s->sep ?
				 "only g_b - g_a, the effect on the mean dropout probability a/(a+b), "
				 "is" : "it moves only the spread 1/(1+a+b), which is nil");
		sk_warn("warning: %s fit with covariates: a and b run off to infinity together "
			"(ln L no higher than at their limit): the dropout probability has no spread "
			"among the customers of one covariate vector, so a and b are not identified "
			"apart from a/(a+b)%s; predictions are the limit's; --penalty keeps them "
			"finite", tm->title, nor);
		return 1;
	}
	/* each column through which some customers run off, once */
	int said = 0;
	for (int j = 0; j < s->kd; j++) {
		for (int side = 0; side < 2; side++) {
			double v = side ? hi[j] : lo[j], sum = side ? dn[j] : up[j];
			if (!(lo[j] < hi[j]) || !(isfinite(sum) && sum >= tol))
				continue;
			sk_warn("warning: %s fit with covariates: the customers with \"%s\" %s %g "
				"have no spread of their dropout probability (ln L no higher than at "
				"the limit): their a and b run off to infinity together, through %s of "
				"\"%s\"%s, which %s not identified%s; --penalty keeps them finite",
				tm->title, s->dname[j], side ? "below" : "above", v, what,
				s->dname[j], v != 0 ? " and a0 and b0" : "", v != 0 ? "are" : "is",
				s->sep ? " (g_b - g_a is)" : "");
			said = 1;
			break;
		}
	}
	return said;
}

/* The customers of d without covariates (covint.h): the patterns are
 * sorted by (x, t_x, T, cov), so those of one (x, t_x, T) are
 * neighbours: one pass merges them, sorted and distinct as the plain
 * fit takes them without a copy. */
struct sk_rfm *sk_cov_plain_patterns(const struct sk_rfm *pat, size_t npat, size_t *nplain)
{
	struct sk_rfm *plainpat = sk_xmalloc((npat ? npat : 1) * sizeof *plainpat);
	size_t n = 0;
	for (size_t i = 0; i < npat; i++) {
		struct sk_rfm *q = n ? &plainpat[n - 1] : NULL;
		if (q && q->x == pat[i].x && q->t_x == pat[i].t_x && q->T == pat[i].T) {
			q->w += pat[i].w;
			continue;
		}
		plainpat[n] = pat[i];
		plainpat[n++].cov = 0;
	}
	*nplain = n;
	return plainpat;
}

/* The plain fit as the start alone (covint.h).  Without --report's test
 * against the plain model (cd->test_shared, which the callers set for
 * --report) the plain fit is only where the fit with covariates starts
 * (every g = 0), and on many patterns the maximum of a systematic
 * sample of them is as good a start: the fit's own coarse estimate and
 * Newton's method on every customer follow, and end at the full data's
 * maximum either way.  make bench's log with total_spend (10^6
 * customers, 570,000 plain patterns): the plain fit on all of them took
 * 0.25 s of wall, a quarter of the whole fit with covariates, and every
 * output is the same byte for byte.  Not with --penalty, whose weight
 * scales with the customers. */
#define PLAIN_SAMPLE_MIN 160000
#define PLAIN_STEP 8

int sk_cov_plain_start(const struct sk_tmodel *tm, double penalty, const struct sk_covdata *cd,
		       const struct sk_rfm *plainpat, size_t nplain, size_t min,
		       struct sk_fit *plain)
{
	if (cd->test_shared || penalty > 0 || nplain < min || nplain < 2 * PLAIN_STEP)
		return 0;
	size_t ns;
	struct sk_rfm *sp = sk_cov_sample_patterns(plainpat, nplain, PLAIN_STEP, &ns);
	char err[400];
	int rc = sk_tmodel_fit_with(tm, 0, sp, ns, plain, err, sizeof err);
	free(sp);
	return rc == 0;
}

/* sk_cov_fit with --penalty: the thread's penalty (modelint.h) set for
 * it, so that the fit runs on -LL + lambda n sum theta_i^2 over the
 * log-parameters and the standardised coefficients (sk_cov_fit's theta:
 * its coefficients are log par[4..] on standardised columns), as
 * CLVTools' reg.lambdas penalise the coefficients (Bachmann, Meierer &
 * Naef, CLVTools, SetStaticCovariates / latentAttrition). */
static int cov_fit_pen(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		       const struct sk_fit *plain, const struct sk_rfm *pat, size_t n,
		       double penalty, struct sk_fit *out, double *ll_shared, char *err,
		       size_t errlen)
{
	double was = sk_tmodel_penalty_set(penalty);
	/* The BG/NBD with a and b apart (FH 2007), for the test (ll_shared
	 * not NULL) from its restriction g_a = g_b, CLVTools' form: that fit
	 * is its start and the test's restricted model.  Without the test,
	 * from the plain fit as any other (the shared fit and Newton's
	 * method from it cost a third more than the one fit: 1M customers,
	 * one continuous column, clv 2.9 -> 3.4 s CPU).  The Pareto/NBD has
	 * one form. */
	struct sk_covdata c = *cd;
	c.spec.sep = cd->spec.sep && tm != &sk_pnbd && cd->spec.kd > 0;
	int rc;
	if (c.spec.sep && ll_shared) {
		struct sk_covdata sh = c;
		struct sk_fit shared;
		sh.spec.sep = 0;
		rc = sk_cov_fit(tm, &sh, plain, pat, n, &shared, err, errlen);
		if (rc == 0)
			rc = sk_cov_fit_separate(&c, &shared, pat, n, out, err, errlen);
		if (rc == 0)	/* the BFGS iterations of both */
			out->iterations += shared.iterations;
		if (ll_shared)
			*ll_shared = rc == 0 ? shared.loglik : NAN;
	} else {
		rc = sk_cov_fit(tm, &c, plain, pat, n, out, err, errlen);
		if (ll_shared)
			*ll_shared = NAN;
	}
	sk_tmodel_penalty_set(was);
	return rc;
}

int sk_cov_fit_custdata(const struct sk_tmodel *tm, struct sk_custdata *d,
			const struct sk_covdata *cd, double penalty, const struct sk_fit *from,
			struct sk_fit *plain, struct sk_fit *out, char *err, size_t errlen)
{
	size_t npat, nplain;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &npat);
	if (npat == 0) {
		snprintf(err, errlen, "no customer with a purchase");
		return -1;
	}
	/* the form the fit on all customers had (cov_fit_pen); a start of
	 * another shape (a model file's) is no start */
	struct sk_covdata c = *cd;
	c.spec.sep = cd->spec.sep && tm != &sk_pnbd && cd->spec.kd > 0;
	if (from && !(penalty > 0) && from->npar == 4 + sk_covspec_ncoef(&c.spec)) {
		memset(plain, 0, sizeof *plain);
		if (sk_cov_fit_from(tm, &c, from, pat, npat, out, err, errlen) == 0)
			return 0;
		/* Not from there: the cold fit below, as without a start.  The
		 * Pareto/NBD on 300,000 lines of make bench's log, whose cut
		 * lies on the s, beta -> inf ridge: from the fit at the end
		 * Newton's method did not converge and BFGS ran g_d off to -42,
		 * where the cold fit stops on the ridge (and says so). */
	}
	struct sk_rfm *plainpat = sk_cov_plain_patterns(pat, npat, &nplain);
	int rc = sk_tmodel_fit_with(tm, penalty, plainpat, nplain, plain, err, errlen);
	free(plainpat);
	if (rc != 0)
		return -1;
	return cov_fit_pen(tm, cd, plain, pat, npat, penalty, out, NULL, err, errlen);
}

/* The in-sample check of --report (fitreport.c), said on every fit with
 * covariates: the model's expected repeat transactions over each
 * customer's own T against those made.  A column with extreme values (a
 * sum of money) gives a few customers enormous rates, and the fit then
 * expects many times what was bought while each p_alive looks
 * plausible: BG/NBD with total_spend, 2.98e30 times on CDNOW's 23,570
 * customers, 3.8e9 times on Online Retail's, 2.5 times on make bench's
 * 10^6; with ln(1 + total_spend) 1.22, 1.13 and 1.05 times, and ln L
 * 4,268, 739 and 105,710 higher.  On many patterns a systematic 1/8 of
 * them (the BG/NBD's E[X(T)] is a 2F1 a customer: 0.5 s of wall on all
 * 10^6, 0.07 s on the sample). */
#define MISFIT_ALL 160000
static void misfit_warn(const struct sk_tmodel *tm, const struct sk_fit *f,
			const struct sk_covdata *cd, const struct sk_rfm *pat, size_t n)
{
	size_t step = n > MISFIT_ALL ? 8 : 1;
	long ns = (long)((n + step - 1) / step);
	double obs = 0, expct = 0, over = 0;
	#pragma omp parallel for schedule(static) reduction(+:obs, expct, over) if (ns > 20000)
	for (long k = 0; k < ns; k++) {
		const struct sk_rfm *r = &pat[(size_t)k * step];
		double ip[4];
		double e = tm->expected_new(sk_cov_rowpar(tm, f->par, cd, r, ip), r->T);
		obs += r->w * r->x;
		if (isfinite(e))
			expct += r->w * e;
		else
			over += r->w;
	}
	if (!sk_fit_misfit(obs, expct, over))
		return;
	char what[160];
	if (over > 0)
		snprintf(what, sizeof what, "expectations beyond a double's range for %.0f "
			 "customers%s", over, step > 1 ? " of a systematic 1/8" : "");
	else
		snprintf(what, sizeof what, "%.3g times the repeat transactions made%s",
			 expct / obs, step > 1 ? " (on a systematic 1/8 of the customers)" : "");
	sk_warn("warning: %s with covariates expects %s: the model does not describe these "
		"data; a column with extreme values may give a few customers enormous rates (its "
		"logarithm may fit better)", tm->title, what);
}

void sk_cov_model_fit(const struct sk_tmodel *tm, double penalty, const char *unit,
		      struct sk_custdata *d, struct sk_covdata *cd, struct sk_modelfile *mf)
{
	/* A column with one value for everyone moves every customer's
	 * alpha (or beta, a and b) by the same factor, which alpha0 (beta0,
	 * a0, b0) already does: the coefficient cannot be identified. */
	/* The Pareto/NBD's dropout has one form (covar.h). */
	if (tm == &sk_pnbd)
		cd->spec.sep = 0;
	int k = cd->spec.kp + cd->spec.kd;
	for (int j = 0; j < k; j++) {
		size_t i = 1;
		while (i < cd->nz && cd->z[i * (size_t)k + (size_t)j] == cd->z[j])
			i++;
		if (i >= cd->nz) {
			const char *proc, *name = col_name(&cd->spec, j, &proc);
			int both = j >= cd->spec.kp && cd->spec.sep;
			sk_die(SK_EX_DATA, "covariate \"%s\" is %g for every customer: its %s "
			       "coefficient%s cannot be told from the model's own parameters%s; "
			       "leave it out", name, cd->nz ? cd->z[j] : 0.0, proc,
			       both ? "s on a and on b" : "", both ? " (a0 and b0)" : "");
		}
	}
	size_t npat, nplain;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &npat);
	/* The same customers without covariates: the start of the fit with
	 * them and the restricted model of the likelihood-ratio test. */
	struct sk_rfm *plainpat = sk_cov_plain_patterns(pat, npat, &nplain);
	struct sk_fit plain;
	int sampled = sk_cov_plain_start(tm, penalty, cd, plainpat, nplain, PLAIN_SAMPLE_MIN,
					  &plain);
	if (!sampled)
		sk_tmodel_fit_or_die(tm, penalty, plainpat, nplain, &plain);
	free(plainpat);
	char err[400];
	double ll_shared = NAN;
	if (cov_fit_pen(tm, cd, &plain, pat, npat, penalty, &mf->tfit,
			cd->test_shared ? &ll_shared : NULL, err, sizeof err) != 0)
		sk_die(SK_EX_DATA, "cannot fit %s with covariates: %s", tm->title, err);
	/* Penalised estimates are not maximum likelihood: no
	 * likelihood-ratio test between them. */
	cd->has_plain = !(penalty > 0) && !sampled;
	cd->ll_plain = plain.loglik;
	cd->has_shared = !(penalty > 0) && isfinite(ll_shared);
	cd->ll_shared = ll_shared;
	/* (the plain fit's own findings were warned about above) */
	if (ridge_ab(tm, &mf->tfit, cd, pat, npat)) {
		/* said what is not identified: the rest would only repeat it */
	} else {
		if (!mf->tfit.se_ok && sampled) {
			/* the warning below tells whether the plain model is
			 * singular too: on every customer, as without the sample */
			plainpat = sk_cov_plain_patterns(pat, npat, &nplain);
			sk_tmodel_fit_or_die(tm, penalty, plainpat, nplain, &plain);
			free(plainpat);
		}
		if (!mf->tfit.se_ok)
			sk_warn("warning: %s fit with covariates: the information matrix is "
				"singular: %s, and the standard errors shown as 0 are not available",
				tm->title, plain.se_ok ? "a covariate is a combination of others" :
				"the data do not pin down the model even without covariates");
		collinear(tm, &mf->tfit, cd);
	}
	misfit_warn(tm, &mf->tfit, cd, pat, npat);
	mf->tm = tm;
	mf->cov = cd->spec;
	snprintf(mf->unit, sizeof mf->unit, "%s", unit);
}

void sk_cov_backtest(struct sk_backtest *b, const struct sk_custdata *d)
{
	/* time-invariant: the vector at the end is the vector at the cut */
	b->d.cov = d->cov;
	b->d.ncov = d->ncov;
	for (size_t i = 0; i < b->d.n && i < d->n; i++)
		if (b->d.valid[i])
			b->d.rfm[i].cov = d->rfm[i].cov;
}

void sk_cov_auto(struct sk_backtest *b, double penalty, const char *unit,
		 struct sk_custdata *d, struct sk_covdata *cd, struct sk_modelfile *mf)
{
	static const struct sk_tmodel *const cand[] = { &sk_bgnbd, &sk_pnbd };
	struct sk_modelfile best = { 0 };
	struct sk_covdata bestcd = { 0 };
	double best_score = -INFINITY;
	int heldout = b && b->d.nvalid >= SK_BACKTEST_MINTRAIN;
	char err[400];
	int sep = cd->spec.sep;
	for (size_t k = 0; k < 2; k++) {
		const struct sk_tmodel *tm = cand[k];
		double ll = NAN, n = 0;
		/* the candidate's form: the backtest's predictions read it
		 * (b->d.cov is cd) */
		cd->spec.sep = sep && tm != &sk_pnbd;
		if (heldout) {
			struct sk_fit plain, fb;
			if (sk_cov_fit_custdata(tm, &b->d, cd, penalty, NULL, &plain, &fb, err,
						sizeof err) != 0) {
				sk_warn("auto: %s with covariates not fitted on the backtest: %s",
					tm->title, err);
				continue;
			}
			struct sk_pred p;
			sk_predict(tm, fb.par, &b->d, b->window, &p);
			ll = sk_backtest_heldout_ll(b, &p, &n);
			sk_pred_free(&p);
		}
		/* on all customers, as when the model is named (dies when it
		 * cannot be fitted, as auto's plain candidates do not) */
		struct sk_modelfile f = { 0 };
		struct sk_covdata c = *cd;
		sk_cov_model_fit(tm, penalty, unit, d, &c, &f);
		double bic = sk_fit_bic(&f.tfit);
		if (heldout)
			sk_warn("auto: %s with covariates held-out log-likelihood %.4f per customer "
				"(%.0f customers, %g held back); in-sample log-likelihood %.2f, "
				"BIC %.2f", tm->title, ll, n, b->window, f.tfit.loglik, bic);
		else
			sk_warn("auto: %s with covariates BIC %.2f (log-likelihood %.2f)", tm->title,
				bic, f.tfit.loglik);
		/* the plain auto's rule: a later candidate must do better by
		 * more than rounding */
		double score = heldout ? ll : -bic;
		if (score > best_score + (heldout ? 1e-4 : 0)) {
			best_score = score;
			best = f;
			bestcd = c;
		}
	}
	if (!best.tm)
		sk_die(SK_EX_DATA, "no model with covariates could be fitted; check the data");
	sk_warn("auto: chose %s with covariates (%s)", best.tm->title,
		heldout ? "best held-out log-likelihood" : "lowest BIC");
	/* what sk_cov_model_fit sets; the rest of mf (clv's spend fit) stays */
	mf->tm = best.tm;
	mf->tfit = best.tfit;
	mf->cov = best.cov;
	snprintf(mf->unit, sizeof mf->unit, "%s", best.unit);
	cd->spec.sep = bestcd.spec.sep;
	cd->has_plain = bestcd.has_plain;
	cd->ll_plain = bestcd.ll_plain;
	cd->has_shared = bestcd.has_shared;
	cd->ll_shared = bestcd.ll_shared;
}
