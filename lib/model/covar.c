/* covar.c: the Pareto/NBD and BG/NBD with time-invariant covariates
 * (covar.h; Fader & Hardie 2007, brucehardie.com note 019, "FH 2007").
 *
 * The likelihood.  Given z_i the customer's likelihood is the plain
 * model's with her own alpha_i and beta_i (or a_i, b_i) (FH 2007: the
 * covariates enter only through the mixing distributions' parameters), so
 *   LL = sum over distinct covariate vectors z of LL_plain(theta(z); the
 *        customers with z),
 * theta(z) = (log r, log alpha0 - g_p'z_p, log s, log beta0 - g_d'z_d)
 * for the Pareto/NBD and (log r, log alpha0 - g_p'z_p, log a0 + g_a'z_d,
 * log b0 + g_b'z_d) for the BG/NBD (g_a = g_b = g_d in the shared form,
 * covar.h).  The plain models' likelihoods take theta = log(parameters)
 * and return the gradient in theta, so the chain rule is a dot product:
 * d(-LL)/d g_p = -sum_z z_p d(-LL_z)/d log alpha, and so on (covint.h's
 * sk_covmap).  Each group of customers sharing z is summed by the plain
 * model's own code (log space, its distinct-time indexes), so a few
 * binary or categorical covariates cost a few plain likelihoods; a
 * continuous covariate makes every customer a group of one.
 *
 * The shared optimiser (sk_tmodel_fit_std) works on theta = log(par) of
 * positive parameters; a coefficient g is handed to it as par = exp(g)
 * (theta = g itself) and converted back after the fit: se(g) = se(par) /
 * par, the delta method being exact for this one-to-one map's Jacobian
 * at the estimate. */
#include "covar.h"
#include "covint.h"
#include "interval.h"
#include "modelint.h"
#include "score.h"
#include "record/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_pnbd(const struct sk_tmodel *tm)
{
	return tm == &sk_pnbd;
}

void sk_cov_check_model(const struct sk_tmodel *tm, int given)
{
	if (tm && tm != &sk_pnbd && tm != &sk_bgnbd)
		sk_die(SK_EX_USAGE, "--covariates: %s %s%s takes no covariates; pass "
		       "--model-type pnbd, bgnbd or auto", given ? "--model-type" :
		       "the default model,", tm->name, given ? "" : ",");
}

/* Add the comma-separated names of list to names[*k]; exits 64 on an
 * empty name, a repeat or too many. */
static void add_names(const char *opt, const char *list, char names[][SK_COV_NAMELEN], int *k)
{
	const char *p = list;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			sk_die(SK_EX_USAGE, "--%s: empty column name in \"%s\"", opt, list);
		if (len >= SK_COV_NAMELEN)
			sk_die(SK_EX_USAGE, "--%s: column name \"%.*s\" is longer than %d "
			       "characters", opt, (int)len, p, SK_COV_NAMELEN - 1);
		for (int i = 0; i < *k; i++)
			if (strlen(names[i]) == len && memcmp(names[i], p, len) == 0)
				sk_die(SK_EX_USAGE, "--%s: column \"%.*s\" is given twice for one "
				       "process", opt, (int)len, p);
		if (*k >= SK_COV_MAX)
			sk_die(SK_EX_USAGE, "--%s: more than %d covariates for one process",
			       opt, SK_COV_MAX);
		memcpy(names[*k], p, len);
		names[*k][len] = 0;
		(*k)++;
		if (!e)
			return;
		p = e + 1;
	}
}

int sk_covspec_parse(struct sk_covspec *s, const char *both, const char *purchase,
		     const char *dropout, const char *form)
{
	memset(s, 0, sizeof *s);
	if (both) {
		add_names("covariates", both, s->pname, &s->kp);
		add_names("covariates", both, s->dname, &s->kd);
	}
	if (purchase)
		add_names("covariates-purchase", purchase, s->pname, &s->kp);
	if (dropout)
		add_names("covariates-dropout", dropout, s->dname, &s->kd);
	/* FH 2007's own form unless CLVTools' is asked for; the Pareto/NBD's
	 * fit clears it (sk_cov_model_fit) */
	s->sep = s->kd > 0 && !(form && strcmp(form, "shared") == 0);
	return s->kp + s->kd > 0;
}

/* g_p'z_p, and g_a'z_d and g_b'z_d from the coefficients g (purchase,
 * then dropout: one vector, or separate a's and b's); ea = eb when they
 * are one. */
static void linear(const struct sk_covspec *s, const double *g, const double *z, double *ep,
		   double *ea, double *eb)
{
	double p = 0, a = 0, b = 0;
	const double *gb = g + s->kp + (s->sep ? s->kd : 0), *zd = z + s->kp;
	for (int i = 0; i < s->kp; i++)
		p += g[i] * z[i];
	for (int i = 0; i < s->kd; i++) {
		a += g[s->kp + i] * zd[i];
		b += gb[i] * zd[i];
	}
	*ep = p;
	*ea = a;
	*eb = b;
}

void sk_cov_par(const struct sk_tmodel *tm, const struct sk_covspec *s, const double *par,
		const double *z, double *ipar)
{
	double ep, ea, eb;
	struct sk_covspec one;
	if (s->sep && is_pnbd(tm)) {	/* one form (covar.h) */
		one = *s;
		one.sep = 0;
		s = &one;
	}
	linear(s, par + 4, z, &ep, &ea, &eb);
	ipar[0] = par[0];
	ipar[1] = par[1] * exp(-ep);
	if (is_pnbd(tm)) {
		ipar[2] = par[2];
		ipar[3] = par[3] * exp(-ea);
	} else {	/* FH 2007 sec. 3 (CLVTools: ea = eb) */
		ipar[2] = par[2] * exp(ea);
		ipar[3] = par[3] * exp(eb);
	}
}

/* ---- the likelihood ---- */

struct group {
	const double *z;
	struct sk_rfm_set set;	/* its patterns (BG/NBD: with the time index) */
	void *pctx;		/* Pareto/NBD, large groups: the plain fit's context */
	double nll, g[4];
};

struct covctx {
	const struct sk_tmodel *tm;
	const struct sk_covspec *s;
	struct sk_covmap map;
	struct sk_rfm *pat;	/* sorted by cov, then x, t_x, T */
	size_t ng;
	struct group *g;
};

static int cmp_cov_first(const void *pa, const void *pb)
{
	const struct sk_rfm *a = pa, *b = pb;
	if (a->cov != b->cov)
		return a->cov < b->cov ? -1 : 1;
	return sk_order_xtT(a->x, a->t_x, a->T, b->x, b->t_x, b->T);
}

/* Groups smaller than this are summed without the plain models'
 * distinct-time indexes, which would cost more to build than to use. */
#define INDEX_MIN 256

void *sk_cov_ctx_new(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		     const struct sk_rfm *pat, size_t n)
{
	struct covctx *c = sk_xcalloc(1, sizeof *c);
	c->tm = tm;
	c->s = &cd->spec;
	sk_covmap_init(&c->map, tm, &cd->spec);
	c->pat = sk_xmalloc((n ? n : 1) * sizeof *c->pat);
	/* By cov, then (x, t_x, T): patterns come sorted by (x, t_x, T,
	 * cov), so a stable counting sort by cov is enough; otherwise
	 * qsort. */
	int sorted = 1;
	uint32_t maxcov = 0;
	for (size_t i = 0; i < n; i++) {
		maxcov = pat[i].cov > maxcov ? pat[i].cov : maxcov;
		if (i && sorted)
			sorted = sk_order_xtT(pat[i - 1].x, pat[i - 1].t_x, pat[i - 1].T, pat[i].x,
					      pat[i].t_x, pat[i].T) <= 0;
	}
	if (sorted && maxcov < n) {
		size_t *at = sk_xcalloc((size_t)maxcov + 2, sizeof *at);
		for (size_t i = 0; i < n; i++)
			at[pat[i].cov + 1]++;
		for (size_t j = 1; j <= maxcov; j++)
			at[j] += at[j - 1];
		for (size_t i = 0; i < n; i++)
			c->pat[at[pat[i].cov]++] = pat[i];
		free(at);
	} else {
		memcpy(c->pat, pat, n * sizeof *pat);
		qsort(c->pat, n, sizeof *c->pat, cmp_cov_first);
	}
	for (size_t i = 0; i < n; i++)
		c->ng += i == 0 || c->pat[i].cov != c->pat[i - 1].cov;
	c->g = sk_xcalloc(c->ng ? c->ng : 1, sizeof *c->g);
	size_t j = 0, lo = 0;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && c->pat[i].cov == c->pat[lo].cov)
			continue;
		struct group *g = &c->g[j++];
		uint32_t zi = c->pat[lo].cov;
		if (zi >= cd->nz)
			sk_die(SK_EX_SOFTWARE, "covariate index %u out of range", (unsigned)zi);
		g->z = cd->z + (size_t)zi * (size_t)(cd->spec.kp + cd->spec.kd);
		g->set.pat = c->pat + lo;
		g->set.n = i - lo;
		if (is_pnbd(tm) && g->set.n >= INDEX_MIN)
			g->pctx = sk_pnbd_fitctx_new(g->set.pat, g->set.n, 1);
		else if (!is_pnbd(tm) && g->set.n >= INDEX_MIN)
			sk_rfm_set_index(&g->set);
		lo = i;
	}
	return c;
}

void sk_cov_ctx_free(void *ctx)
{
	struct covctx *c = ctx;
	if (!c)
		return;
	for (size_t j = 0; j < c->ng; j++) {
		if (c->g[j].pctx)
			sk_pnbd_fitctx_free(c->g[j].pctx);
		sk_rfm_set_free_index(&c->g[j].set);
	}
	free(c->g);
	free(c->pat);
	free(c);
}

double sk_cov_nll(const double *theta, double *grad, void *ctx)
{
	struct covctx *c = ctx;
	const struct sk_covspec *s = c->s;
	const struct sk_covmap *m = &c->map;
	int pnbd = is_pnbd(c->tm), k = m->nc;
	long ng = (long)c->ng;
	/* Groups are independent: in parallel when there are several (each
	 * plain likelihood then runs on one thread), each into its own slot,
	 * summed below in group order so the total does not depend on the
	 * number of threads.  One group at a time: the coarse problem of a
	 * continuous column has a few dozen groups of very unequal size (make
	 * bench's total_spend: 50, the first eight 9,000 to 12,600 of the
	 * 82,000 patterns, then falling to a few), and eight at a time gave
	 * the first thread most of the work. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (ng > 1)
#endif
	for (long j = 0; j < ng; j++) {
		struct group *g = &c->g[j];
		double ep, ea, eb, th[4] = { theta[0], theta[1], theta[2], theta[3] };
		linear(s, theta + 4, g->z, &ep, &ea, &eb);
		th[1] -= ep;
		if (pnbd) {
			th[3] -= ea;
			g->nll = g->pctx ? sk_pnbd_fitctx_nll(th, grad ? g->g : NULL, g->pctx) :
				 sk_pnbd_nll_pat(th, grad ? g->g : NULL, g->set.pat, g->set.n);
		} else {
			th[2] += ea;
			th[3] += eb;
			g->nll = sk_bgnbd_nll(th, grad ? g->g : NULL, &g->set);
		}
	}
	double v = 0, gr[SK_FIT_MAXPAR] = { 0 };
	for (long j = 0; j < ng; j++) {
		const struct group *g = &c->g[j];
		v += g->nll;
		if (!grad)
			continue;
		for (int i = 0; i < 4; i++)
			gr[i] += g->g[i];
		/* d phi / d g_j = z_j D (covint.h): d log alpha_i / d g_p =
		 * -z_p; d log beta_i / d g_d = -z_d (Pareto/NBD); d log a_i / d
		 * g_a = d log b_i / d g_b = z_d (g_a = g_b shared: both) */
		double gb[3];
		for (int b = 0; b < m->nb; b++)
			gb[b] = m->D[b][1] * g->g[1] + m->D[b][2] * g->g[2] + m->D[b][3] * g->g[3];
		for (int i = 0; i < k; i++)
			gr[4 + i] += g->z[m->col[i]] * gb[m->blk[i]];
	}
	if (!isfinite(v))
		return HUGE_VAL;
	if (grad) {
		for (int i = 0; i < 4 + k; i++)
			if (!isfinite(gr[i]))
				return HUGE_VAL;
		memcpy(grad, gr, (size_t)(4 + k) * sizeof *grad);
	}
	return v;
}

/* ---- the fit ---- */

/* What sk_tmodel_fit_std's callbacks, which see only the patterns, need
 * besides: set by sk_cov_fit for the call on this thread (the way
 * model.c passes the penalty). */
struct fitarg {
	const struct sk_tmodel *tm;
	const struct sk_covdata *cd;
	const double *start;	/* natural-scale r, alpha0, s|a0, beta0|b0, exp(g) */
};
static _Thread_local const struct fitarg *fit_now;

static void *fit_ctx_new(const struct sk_rfm *pat, size_t n)
{
	return sk_cov_ctx_new(fit_now->tm, fit_now->cd, pat, n);
}

/* Start where cov_fit says (standardised: the plain model's estimate
 * with every coefficient 0, par = exp(0) = 1, where the covariate model's
 * value is the plain model's maximum, so the fit can only go up from it;
 * or the shared form's estimate). */
static void fit_starts(const struct sk_rfm_sums *sums, double *st)
{
	(void)sums;
	int k = sk_covspec_ncoef(&fit_now->cd->spec);
	memcpy(st, fit_now->start, (size_t)(4 + k) * sizeof *st);
}

/* Back from the fit on standardised columns u = (z - m) / s to the
 * coefficients of z.  The map of theta = (log r, log alpha0, log s|a,
 * log beta0|b, g) is linear: g_k = g'_k / s_k, and the intercepts
 * absorb the centring, log alpha0 = log alpha0' + sum_p g'_k m_k / s_k
 * (Pareto/NBD log beta0 the same over the dropout columns; BG/NBD log a0
 * and log b0 minus it, their covariates entering with a plus sign).  So
 * theta = A theta', its covariance A C' A^T: exact, not a linearisation.
 * out holds natural-scale r, alpha ... and g in and out. */
static void unstandardise(const struct sk_tmodel *tm, const struct sk_covspec *sp,
			  const double *m, const double *s, struct sk_fit *out)
{
	int n = out->npar;
	struct sk_covmap map;
	sk_covmap_init(&map, tm, sp);
	double th[SK_FIT_MAXPAR], sc[SK_FIT_MAXPAR], A[SK_FIT_MAXPAR][SK_FIT_MAXPAR] = { { 0 } };
	double C[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	for (int i = 0; i < n; i++) {
		sc[i] = i < 4 ? out->par[i] : 1;	/* d par / d theta */
		th[i] = i < 4 ? log(out->par[i]) : out->par[i];
		A[i][i] = i < 4 ? 1 : 1 / s[map.col[i - 4]];
	}
	/* phi = phi0' + D g' (z - m) / s: the intercepts of D's
	 * log-parameters take -D g' m / s */
	for (int j = 4; j < n; j++) {
		int c = map.col[j - 4];
		for (int a = 1; a < 4; a++)
			A[a][j] = -map.D[map.blk[j - 4]][a] * m[c] / s[c];
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			C[i][j] = out->cov[i * SK_FIT_MAXPAR + j] / (sc[i] * sc[j]);
	double tn[SK_FIT_MAXPAR], AC[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	for (int i = 0; i < n; i++) {
		tn[i] = 0;
		for (int j = 0; j < n; j++) {
			tn[i] += A[i][j] * th[j];
			AC[i][j] = 0;
			for (int l = 0; l < n; l++)
				AC[i][j] += A[i][l] * C[l][j];
		}
	}
	for (int i = 0; i < n; i++) {
		out->par[i] = i < 4 ? exp(tn[i]) : tn[i];
		sc[i] = i < 4 ? out->par[i] : 1;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double v = 0;
			for (int l = 0; l < n; l++)
				v += AC[i][l] * A[j][l];
			out->cov[i * SK_FIT_MAXPAR + j] = v * sc[i] * sc[j];
		}
	/* Without a covariance (a singular information matrix) only the
	 * coefficients' standard errors rescale; the rest stay 0 or as the
	 * fallback left them. */
	for (int i = 0; i < n; i++) {
		double v = out->cov[i * SK_FIT_MAXPAR + i];
		if (out->cov_ok)
			out->se[i] = v > 0 ? sqrt(v) : 0;
		else if (i >= 4)
			out->se[i] /= s[map.col[i - 4]];
	}
}

/* The fit from the natural-scale start nat (r, alpha0, s|a0, beta0|b0,
 * g: the coefficients themselves); warm when nat is an estimate of the
 * same likelihood's restriction (sk_cov_fit_binned, covbin.c). */
static int cov_fit(const struct sk_tmodel *tm, const struct sk_covdata *cd, const double *nat,
		   int warm, const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
		   size_t errlen)
{
	int kz = cd->spec.kp + cd->spec.kd, k = sk_covspec_ncoef(&cd->spec);
	if (4 + k > SK_FIT_MAXPAR || (cd->spec.sep && is_pnbd(tm))) {
		snprintf(err, errlen, "internal: %d covariates%s", k,
			 cd->spec.sep && is_pnbd(tm) ? " with separate Pareto/NBD dropout" : "");
		return -1;
	}
	/* The fit runs on standardised columns (mean 0, sd 1 over the
	 * distinct vectors): a column in dollars (income ~ 5e4) has a
	 * coefficient ~1e-5 beside log-parameters of order 1, and BFGS then
	 * stopped short of the maximum (2,300 iterations, 0.3 below it on
	 * the test data).  The model is the same; unstandardise maps back. */
	double mean[2 * SK_COV_MAX], sd[2 * SK_COV_MAX];
	struct sk_covdata scaled = *cd;
	scaled.z = sk_xmalloc((cd->nz ? cd->nz : 1) * (size_t)(kz ? kz : 1) * sizeof *scaled.z);
	for (int j = 0; j < kz; j++) {
		double s1 = 0, s2 = 0;
		for (size_t i = 0; i < cd->nz; i++)
			s1 += cd->z[i * (size_t)kz + (size_t)j];
		mean[j] = cd->nz ? s1 / (double)cd->nz : 0;
		for (size_t i = 0; i < cd->nz; i++) {
			double e = cd->z[i * (size_t)kz + (size_t)j] - mean[j];
			s2 += e * e;
		}
		sd[j] = cd->nz > 1 ? sqrt(s2 / (double)(cd->nz - 1)) : 0;
		if (!(sd[j] > 0) || !isfinite(sd[j]))
			sd[j] = 1;	/* constant: nothing to scale (not identified) */
		for (size_t i = 0; i < cd->nz; i++)
			scaled.z[i * (size_t)kz + (size_t)j] =
				(cd->z[i * (size_t)kz + (size_t)j] - mean[j]) / sd[j];
	}
	cd = &scaled;
	/* The start on the standardised columns, unstandardise's inverse:
	 * g'_j = g_j sd_j, and the intercepts phi0' = phi0 + D g'm / sd. */
	struct sk_covmap map;
	sk_covmap_init(&map, tm, &cd->spec);
	double st[SK_FIT_MAXPAR], lp[4];
	for (int a = 0; a < 4; a++)
		lp[a] = log(nat[a]);
	for (int j = 0; j < k; j++) {
		int c = map.col[j];
		for (int a = 1; a < 4; a++)
			lp[a] += map.D[map.blk[j]][a] * nat[4 + j] * mean[c];
		st[4 + j] = exp(nat[4 + j] * sd[c]);
	}
	for (int a = 0; a < 4; a++)
		st[a] = exp(lp[a]);
	const struct sk_tfit_spec spec = {
		.npar = 4 + k, .nll = sk_cov_nll, .nstart = 1, .starts = fit_starts,
		.ctx_new = fit_ctx_new, .ctx_free = sk_cov_ctx_free, .coarse = 1,
	};
	const struct fitarg arg = { tm, cd, st };
	int rc;
	if ((warm || sk_cov_many_vectors(cd, n)) && !(sk_tmodel_penalty() > 0)) {
		rc = sk_cov_fit_binned(tm, cd, st, warm, pat, n, out, err, errlen);
	} else {
		fit_now = &arg;
		rc = sk_tmodel_fit_std(&spec, pat, n, out, err, errlen);
		fit_now = NULL;
	}
	free(scaled.z);
	if (rc != 0)
		return rc;
	/* Back from par = exp(g) to g: se(g) = se(par) / par, and the
	 * covariance scaled by the same factors. */
	double sc[SK_FIT_MAXPAR];
	for (int i = 0; i < out->npar; i++)
		sc[i] = i < 4 ? 1 : 1 / out->par[i];
	for (int i = 0; i < out->npar; i++) {
		for (int j = 0; j < out->npar; j++)
			out->cov[i * SK_FIT_MAXPAR + j] *= sc[i] * sc[j];
		out->se[i] *= sc[i];
		if (i >= 4)
			out->par[i] = log(out->par[i]);
	}
	unstandardise(tm, &cd->spec, mean, sd, out);
	out->ncoef = k;
	return 0;
}

int sk_cov_fit(const struct sk_tmodel *tm, const struct sk_covdata *cd,
	       const struct sk_fit *plain, const struct sk_rfm *pat, size_t n,
	       struct sk_fit *out, char *err, size_t errlen)
{
	double nat[SK_FIT_MAXPAR] = { 0 };
	memcpy(nat, plain->par, 4 * sizeof *nat);	/* every g = 0 */
	return cov_fit(tm, cd, nat, 0, pat, n, out, err, errlen);
}

int sk_cov_fit_from(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		    const struct sk_fit *from, const struct sk_rfm *pat, size_t n,
		    struct sk_fit *out, char *err, size_t errlen)
{
	if (from->npar != 4 + sk_covspec_ncoef(&cd->spec)) {
		snprintf(err, errlen, "internal: a start of %d parameters for %d", from->npar,
			 4 + sk_covspec_ncoef(&cd->spec));
		return -1;
	}
	/* sk_cov_fit_binned.s warm path: Newton's method at once, and where its
	 * Hessian is not negative definite there damped Newton, then BFGS
	 * on the full data, as from the coarse estimate */
	return cov_fit(tm, cd, from->par, 1, pat, n, out, err, errlen);
}

int sk_cov_fit_separate(const struct sk_covdata *cd, const struct sk_fit *shared,
			const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
			size_t errlen)
{
	const struct sk_covspec *s = &cd->spec;
	if (!s->sep || s->kd == 0 || shared->npar != 4 + s->kp + s->kd) {
		snprintf(err, errlen, "internal: no separate dropout coefficients to fit");
		return -1;
	}
	/* g_a = g_b = the shared g_d: the restricted maximum, so the fit
	 * can only go up from it */
	double nat[SK_FIT_MAXPAR];
	memcpy(nat, shared->par, (size_t)(4 + s->kp + s->kd) * sizeof *nat);
	memcpy(nat + 4 + s->kp + s->kd, shared->par + 4 + s->kp, (size_t)s->kd * sizeof *nat);
	return cov_fit(&sk_bgnbd, cd, nat, 1, pat, n, out, err, errlen);
}

/* ---- predictions ---- */

const double *sk_cov_rowpar(const struct sk_tmodel *tm, const double *par,
			    const struct sk_covdata *cov, const struct sk_rfm *r, double *ip)
{
	if (!cov)
		return par;
	size_t k = (size_t)(cov->spec.kp + cov->spec.kd);
	sk_cov_par(tm, &cov->spec, par, cov->z + r->cov * k, ip);
	return ip;
}

/* ---- intervals ----
 *
 * interval.c's delta method over every parameter, the coefficients
 * included: for a prediction g (logit P(alive), log expected
 * transactions), Var g ~ grad g' Cov(theta) grad g.  A customer's own
 * log-parameters phi are linear in theta (covint.h's sk_covmap: phi =
 * theta[0..3] + sum_b D_b g_b'z_b), so grad_theta g = J' grad_phi g: four
 * differences in phi per customer whatever the number of covariates,
 * where differences in theta would take 4 + k.  The steps are
 * interval.c's (SK_DELTA_STEP in each log-parameter), the covariance
 * that of the fit (sk_delta_init, coefficients on their own scale). */
#define IV_CHUNK 512

/* Customer r's own parameters at the estimate (a = 0) and with log
 * parameter a - 1 moved by SK_DELTA_STEP (a = 1..4). */
static void iv_par(const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_covdata *cd, const struct sk_rfm *r, int a, double *ip)
{
	sk_cov_rowpar(tm, fit->par, cd, r, ip);
	if (a)
		ip[a - 1] *= exp(SK_DELTA_STEP);
}

/* grad_theta from the five values v[0..4] (estimate, then phi moved):
 * into gj as g0 + SK_DELTA_STEP d theta_j, the form sk_delta_se takes. */
static void iv_theta(const struct sk_covmap *m, const double *z, const double *v, double *gj)
{
	double dphi[4];
	for (int a = 0; a < 4; a++)
		dphi[a] = isfinite(v[1 + a]) ? (v[1 + a] - v[0]) / SK_DELTA_STEP : 0;
	/* D_b' grad_phi of each block (covint.h), times z_j */
	double gb[3], d[SK_FIT_MAXPAR];
	for (int b = 0; b < m->nb; b++)
		gb[b] = m->D[b][1] * dphi[1] + m->D[b][2] * dphi[2] + m->D[b][3] * dphi[3];
	for (int a = 0; a < 4; a++)
		d[a] = dphi[a];
	for (int j = 0; j < m->nc; j++)
		d[4 + j] = z[m->col[j]] * gb[m->blk[j]];
	for (int j = 0; j < 4 + m->nc; j++)
		gj[j] = v[0] + SK_DELTA_STEP * d[j];
}

int sk_cov_interval_patterns(const struct sk_tmodel *tm, const struct sk_fit *fit,
			     const struct sk_covdata *cd, const struct sk_rfm *pat, size_t np,
			     double horizon, double level, double *pa_lo, double *pa_hi,
			     double *ex_lo, double *ex_hi)
{
	struct sk_delta s;
	if (sk_delta_init(fit, level, &s) != 0)
		return -1;
	size_t k = (size_t)(cd->spec.kp + cd->spec.kd);
	struct sk_covmap map;
	sk_covmap_init(&map, tm, &cd->spec);
	/* log E[X | alive] per (x, T, cov) group, as sk_predict does */
	size_t ng;
	struct sk_rfm *g;
	uint32_t *gid = sk_rfm_group_xT(pat, np, &ng, &g);
	double *lga = sk_xmalloc((ng ? ng : 1) * 5 * sizeof *lga);
	#pragma omp parallel for schedule(dynamic, 16) if (ng > 50)
	for (size_t j = 0; j < ng; j++)
		for (int a = 0; a < 5; a++) {
			double ip[4];
			iv_par(tm, fit, cd, &g[j], a, ip);
			lga[j * 5 + (size_t)a] = sk_delta_scale(tm->expected_alive(ip, horizon,
							g[j].x, g[j].T), 0);
		}
	/* Per chunk of patterns, one parameter set at a time: the
	 * Pareto/NBD's tails keep their series coefficients per thread from
	 * one customer (of the same x) to the next. */
	long nch = (long)((np + IV_CHUNK - 1) / IV_CHUNK);
	#pragma omp parallel for schedule(dynamic, 4) if (np > 1000)
	for (long ch = 0; ch < nch; ch++) {
		size_t lo = (size_t)ch * IV_CHUNK, hi = lo + IV_CHUNK < np ? lo + IV_CHUNK : np;
		double vp[IV_CHUNK][5], ve[IV_CHUNK][5];
		for (int a = 0; a < 5; a++)
			for (size_t i = lo; i < hi; i++) {
				double ip[4];
				iv_par(tm, fit, cd, &pat[i], a, ip);
				double pa = tm->p_alive(ip, pat[i].x, pat[i].t_x, pat[i].T);
				vp[i - lo][a] = sk_delta_scale(pa, 1);
				ve[i - lo][a] = sk_delta_scale(pa, 0) + lga[gid[i] * 5 + (size_t)a];
			}
		for (size_t i = lo; i < hi; i++) {
			const double *z = cd->z + pat[i].cov * k;
			double gj[SK_FIT_MAXPAR];
			iv_theta(&map, z, vp[i - lo], gj);
			sk_delta_bounds(&s, vp[i - lo][0], gj, 1, &pa_lo[i], &pa_hi[i]);
			iv_theta(&map, z, ve[i - lo], gj);
			sk_delta_bounds(&s, ve[i - lo][0], gj, 0, &ex_lo[i], &ex_hi[i]);
		}
	}
	free(lga);
	free(gid);
	free(g);
	return 0;
}
