/* model.c: the table of transaction models, pattern compression, and the
 * fitting helpers the model files share (quadrature and the incomplete
 * beta function are in quad.c).
 *
 * The helpers below the public functions (sk_rfm_compressed,
 * sk_tmodel_fit_run) are used by bgnbd.c, pnbd.c and mbgnbd.c through
 * modelint.h. */
#include "record/util.h"
#include "modelint.h"
#include "record/group.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct sk_tmodel *sk_tmodel_find(const char *name)
{
	static const struct sk_tmodel *const all[] = {
		&sk_bgnbd, &sk_pnbd, &sk_mbgnbd, &sk_bgbb, &sk_bgcnbd, &sk_mbgcnbd,
		&sk_ggomnbd,
	};
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

static int cmp_rfm(const void *pa, const void *pb)
{
	const struct sk_rfm *a = pa, *b = pb;
	int c = sk_order_xtT(a->x, a->t_x, a->T, b->x, b->t_x, b->T);
	return c ? c : (a->cov > b->cov) - (a->cov < b->cov);
}

size_t sk_rfm_compress(struct sk_rfm *pat, size_t n)
{
	if (n == 0)
		return 0;
	/* qsort is not stable, but equal keys are merged and their weights
	 * summed, so the result does not depend on the input order except
	 * for the (tiny) rounding of the weight sums. */
	size_t k = 0;
	/* Patterns from sk_custdata_patterns arrive sorted and distinct:
	 * checking costs one pass, sorting again a hundred. */
	int sorted = 1;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = cmp_rfm(&pat[i - 1], &pat[i]) < 0;
	if (sorted)
		return n;
	qsort(pat, n, sizeof *pat, cmp_rfm);
	for (size_t i = 1; i < n; i++) {
		if (cmp_rfm(&pat[k], &pat[i]) == 0)
			sk_rfm_merge(&pat[k], &pat[i]);
		else
			pat[++k] = pat[i];
	}
	return k + 1;
}

/* Check the patterns a continuous-time model is fitted on, then copy,
 * sort and merge them so the likelihood loops can reuse work across runs
 * of equal x.  Rows with zero weight are dropped.  Patterns that are
 * already sorted, distinct and of positive weight (sk_custdata_patterns
 * makes them so) are used as they are, not copied: *owned is then NULL,
 * otherwise the malloc'd copy returned, for the caller to free.  NULL
 * with a reason in err. */
const struct sk_rfm *sk_rfm_compressed(const struct sk_rfm *pat, size_t n, size_t *nout,
				       double *nobs, struct sk_rfm **owned, char *err,
				       size_t errlen)
{
	double sumw = 0, sumx = 0;
	int ready = 1;	/* sorted, distinct, every weight positive */
	*owned = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct sk_rfm *p = &pat[i];
		if (!isfinite(p->x) || !isfinite(p->t_x) || !isfinite(p->T) || !isfinite(p->w)) {
			snprintf(err, errlen, "customer pattern %zu has a non-finite value; "
				 "check frequency, recency, T and weight", i + 1);
			return NULL;
		}
		if (p->x < 0 || p->x != floor(p->x)) {
			snprintf(err, errlen, "frequency \"%g\" is not a whole number >= 0; "
				 "it counts repeat transactions", p->x);
			return NULL;
		}
		if (p->t_x < 0 || p->T < p->t_x) {
			snprintf(err, errlen, "recency \"%g\" is not within [0, T = %g]; "
				 "check --as-of and the date columns", p->t_x, p->T);
			return NULL;
		}
		if (p->w < 0) {
			snprintf(err, errlen, "weight \"%g\" is negative", p->w);
			return NULL;
		}
		sumw += p->w;
		sumx += p->w * p->x;
		if (ready)
			ready = p->w > 0 && (i == 0 || cmp_rfm(&pat[i - 1], p) < 0);
	}
	if (!(sumw > 0)) {
		snprintf(err, errlen, "no customers to fit (total weight is 0)");
		return NULL;
	}
	if (!(sumx > 0)) {
		snprintf(err, errlen, "no customer made a repeat transaction; "
			 "the model cannot be fitted: use a longer calibration period");
		return NULL;
	}
	*nobs = sumw;
	if (ready) {
		*nout = n;
		return pat;
	}
	struct sk_rfm *c = sk_malloc((n ? n : 1) * sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory copying %zu customer patterns", n);
		return NULL;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (pat[i].w > 0)
			c[m++] = pat[i];
	*nout = sk_rfm_compress(c, m);
	*owned = c;
	return c;
}

/* ---- the shared likelihood driver ---- */

int sk_theta_par(int npar, const double *theta, double *par)
{
	for (int i = 0; i < npar; i++) {
		par[i] = exp(theta[i]);
		if (!(par[i] > 0) || !isfinite(par[i]))
			return -1;
	}
	return 0;
}

#define MAXCHUNK 64

double sk_nll_chunked(int npar, const double *par, double *grad, size_t n, size_t per,
		      sk_chunk_fn sum, const void *terms, const void *data)
{
	double acc[MAXCHUNK][1 + SK_FIT_MAXPAR];
	long nch = n > 2000 ? (long)((n + per - 1) / per) : 1;
	if (nch > MAXCHUNK)
		nch = MAXCHUNK;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (nch > 1)
#endif
	for (long c = 0; c < nch; c++) {
		size_t lo = n * (size_t)c / (size_t)nch, hi = n * (size_t)(c + 1) / (size_t)nch;
		sum(terms, data, lo, hi, grad != NULL, acc[c]);
	}
	double tot[1 + SK_FIT_MAXPAR] = { 0 };
	int nt = grad ? 1 + npar : 1;
	for (long c = 0; c < nch; c++)
		for (int i = 0; i < nt; i++)
			tot[i] += acc[c][i];
	for (int i = 0; i < nt; i++)
		if (!isfinite(tot[i]))
			return HUGE_VAL;
	if (grad)
		for (int i = 0; i < npar; i++)
			grad[i] = -tot[1 + i] * par[i];
	return -tot[0];
}

/* The likelihood's context: the model's own, or the set (with its
 * distinct-time index when the model wants it). */
static void *ctx_make(const struct sk_tfit_spec *s, const struct sk_rfm *pat, size_t n)
{
	if (s->ctx_new)
		return s->ctx_new(pat, n);
	struct sk_rfm_set *d = sk_xcalloc(1, sizeof *d);
	d->pat = pat;
	d->n = n;
	if (s->index)
		sk_rfm_set_index(d);
	return d;
}

static void ctx_drop(const struct sk_tfit_spec *s, void *ctx)
{
	if (s->ctx_free) {
		s->ctx_free(ctx);
		return;
	}
	sk_rfm_set_free_index(ctx);
	free(ctx);
}

/* The penalty of the fit sk_tmodel_fit_with is running on this thread,
 * passed this way so that every model's fit keeps one signature. */
static _Thread_local double penalty_now;

/* The standard errors left out of this thread's fits (sk_tmodel_skip_se):
 * the central-difference Hessian at the end of polish() is 2n gradients
 * of the full likelihood of the ~18 a polished fit takes, and the
 * layer's refit at the cut uses only the parameters. */
static _Thread_local int skip_se;

int sk_tmodel_skip_se(int skip)
{
	int was = skip_se;
	skip_se = skip;
	return was;
}

/* The penalty of lifetimes' fitters (Davidson-Pilon, lifetimes,
 * BetaGeoFitter._negative_log_likelihood: penalizer_coef * sum(params^2)
 * added to the mean negative log-likelihood per customer), but on the
 * log-parameters: lambda sum_i theta_i^2 per customer, lambda nobs
 * sum_i theta_i^2 on our total -LL.  On the natural parameters the
 * penalty pulls every parameter towards 0, which is the no-dropout
 * boundary itself for a and s; on their logarithms it pulls towards 1
 * and keeps a fit that the data cannot pin down off the boundaries. */
double sk_penalty_nll(const double *theta, double *grad, void *ctx)
{
	const struct sk_penalised *p = ctx;
	double v = p->f(theta, grad, p->ctx);
	double k = p->lambda * p->nobs;
	for (int i = 0; i < p->npar; i++) {
		v += k * theta[i] * theta[i];
		if (grad)
			grad[i] += 2 * k * theta[i];
	}
	return v;
}

double sk_tmodel_penalty(void)
{
	return penalty_now;
}

double sk_tmodel_penalty_set(double penalty)
{
	double was = penalty_now;
	penalty_now = penalty;
	return was;
}

int sk_tmodel_fit_with(const struct sk_tmodel *tm, double penalty, const struct sk_rfm *pat,
		       size_t n, struct sk_fit *out, char *err, size_t errlen)
{
	double was = penalty_now;
	penalty_now = penalty;
	int rc = tm->fit(pat, n, out, err, errlen);
	penalty_now = was;
	return rc;
}

const struct sk_rfm *sk_rfm_compressed_sums(const struct sk_rfm *pat, size_t n, size_t *nout,
					    double *nobs, struct sk_rfm **owned,
					    struct sk_rfm_sums *sums, char *err, size_t errlen)
{
	const struct sk_rfm *c = sk_rfm_compressed(pat, n, nout, nobs, owned, err, errlen);
	if (!c)
		return NULL;
	*sums = (struct sk_rfm_sums){ 0, 0, 0 };
	for (size_t i = 0; i < *nout; i++) {
		sums->x += c[i].w * c[i].x;
		sums->T += c[i].w * c[i].T;
		sums->w += c[i].w;
	}
	return c;
}

/* With a penalty (sk_tmodel_fit_with): BFGS and Newton on -LL + penalty
 * from the model's starts, without the coarse start (the penalty scales
 * with the customers, the coarse patterns are fewer), then the plain
 * log-likelihood at the estimate; the standard errors are those of the
 * penalised objective. */
int sk_tmodel_fit_std(const struct sk_tfit_spec *spec, const struct sk_rfm *pat, size_t n,
		      struct sk_fit *out, char *err, size_t errlen)
{
	double penalty = penalty_now;
	size_t m;
	double nobs;
	struct sk_rfm *owned;
	struct sk_rfm_sums s;
	const struct sk_rfm *c = sk_rfm_compressed_sums(pat, n, &m, &nobs, &owned, &s, err, errlen);
	if (!c)
		return -1;
	void *ctx = ctx_make(spec, c, m);
	double starts[8 * SK_FIT_MAXPAR];
	spec->starts(&s, starts);
	int rc;
	if (penalty > 0) {
		struct sk_penalised pw = { spec->nll, ctx, spec->npar, penalty, nobs };
		rc = sk_tmodel_fit_run(spec->npar, sk_penalty_nll, &pw, spec->nstart, starts, nobs,
				       out, err, errlen);
		double th[SK_FIT_MAXPAR];
		for (int i = 0; rc == 0 && i < spec->npar; i++)
			th[i] = log(out->par[i]);
		if (rc == 0)
			out->loglik = -spec->nll(th, NULL, ctx);
	} else {
		size_t mc = 0;
		struct sk_rfm *cc = spec->coarse ? sk_rfm_coarse_new(c, m, &mc) : NULL;
		void *cctx = cc ? ctx_make(spec, cc, mc) : NULL;
		rc = sk_tmodel_fit_coarse(spec->npar, spec->nll, ctx, cctx, spec->nstart, starts,
					  nobs, out, err, errlen);
		if (cctx)
			ctx_drop(spec, cctx);
		free(cc);
	}
	out->penalty = penalty;
	ctx_drop(spec, ctx);
	free(owned);
	return rc;
}

/* ---- fitting: multi-start BFGS, then Newton polish ----
 *
 * sk_fit_run stops when |gradient| < 1e-6 (1 + |LL|).  The log-likelihood
 * grows with the number of customers, so on CDNOW (LL ~ -9600) that
 * leaves parameters about 1e-4 (relative) from the maximum, and the
 * standard errors of weakly identified parameters (Pareto/NBD beta) move
 * by 1e-3 with them.  A few Newton steps on the analytic gradient (the
 * Hessian by central differences of it) land on the maximum to ~1e-10;
 * the standard errors are then recomputed there from that Hessian. */

/* Cholesky factorisation in place (lower triangle) and inverse of an
 * n x n symmetric matrix; -1 when not positive definite.  Own code so
 * that a singular Hessian never reaches GSL's aborting error handler. */
int sk_chol_inverse(int n, double a[SK_FIT_MAXPAR][SK_FIT_MAXPAR],
		    double inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR])
{
	double l[SK_FIT_MAXPAR][SK_FIT_MAXPAR] = { { 0 } };
	for (int j = 0; j < n; j++) {
		double d = a[j][j];
		for (int k = 0; k < j; k++)
			d -= l[j][k] * l[j][k];
		if (!(d > 0) || !isfinite(d))
			return -1;
		l[j][j] = sqrt(d);
		for (int i = j + 1; i < n; i++) {
			double s = a[i][j];
			for (int k = 0; k < j; k++)
				s -= l[i][k] * l[j][k];
			l[i][j] = s / l[j][j];
		}
	}
	/* Columns of the inverse by forward and back substitution. */
	for (int c = 0; c < n; c++) {
		double y[SK_FIT_MAXPAR];
		for (int i = 0; i < n; i++) {
			double s = i == c ? 1 : 0;
			for (int k = 0; k < i; k++)
				s -= l[i][k] * y[k];
			y[i] = s / l[i][i];
		}
		for (int i = n - 1; i >= 0; i--) {
			double s = y[i];
			for (int k = i + 1; k < n; k++)
				s -= l[k][i] * inv[k][c];
			inv[i][c] = s / l[i][i];
		}
	}
	return 0;
}

/* The Hessian of -LL in theta at th by differences of the analytic
 * gradient g (already known at th): central differences (2n gradients,
 * error ~h^2) for the standard errors, forward ones (n gradients) for
 * Newton steps, where a relative error of 1e-5 only costs a step.
 * Returns the inverse in inv, -1 when not positive definite. */
static int hessian_inverse(int n, sk_fit_fn f, void *ctx, const double *th, const double *g,
			   int central, double inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR])
{
	double t2[SK_FIT_MAXPAR], gp[SK_FIT_MAXPAR], gm[SK_FIT_MAXPAR];
	double H[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	const double h = 1e-5;
	for (int j = 0; j < n; j++) {
		memcpy(t2, th, (size_t)n * sizeof *t2);
		t2[j] = th[j] + h;
		f(t2, gp, ctx);
		if (central) {
			t2[j] = th[j] - h;
			f(t2, gm, ctx);
		}
		for (int i = 0; i < n; i++)
			H[i][j] = central ? (gp[i] - gm[i]) / (2 * h) : (gp[i] - g[i]) / h;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
	return sk_chol_inverse(n, H, inv);
}

/* Newton steps from out->par; on success replace par, loglik and se.
 * 1 when the steps converged (the last one below 1e-7 in every log
 * parameter, or too small to lower -LL any further).
 *
 * The Hessian is kept from step to step (the chord method) and computed
 * afresh only when a step fails to shrink the next one fourfold: from a
 * start within a percent of the maximum (the coarse fit) the steps then
 * shrink ~100-fold each for one gradient apiece, where fresh Hessians
 * cost n + 1.  The standard errors come from a central-difference
 * Hessian at the final point. */
static int polish(int n, sk_fit_fn f, void *ctx, struct sk_fit *out)
{
	double th[SK_FIT_MAXPAR], g[SK_FIT_MAXPAR], t2[SK_FIT_MAXPAR], gt[SK_FIT_MAXPAR];
	double inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR];
	for (int i = 0; i < n; i++)
		th[i] = log(out->par[i]);
	double fv = f(th, g, ctx);
	int conv = 0, fresh = 0;	/* 1: inv is at th, 2: kept from earlier */
	double prev = HUGE_VAL;
	if (!isfinite(fv))
		return 0;
	for (int it = 0; it < 16; it++) {
		if (!fresh) {
			if (hessian_inverse(n, f, ctx, th, g, 0, inv) < 0) {
				if (it == 0)
					return 0;
				break;
			}
			fresh = 1;
			prev = HUGE_VAL;
		}
		double d[SK_FIT_MAXPAR], dmax = sk_newton_step(n, inv, g, d);
		for (int i = 0; i < n; i++)
			t2[i] = th[i] + d[i];
		if (dmax > 0.25 * prev && fresh == 2) {
			fresh = 0;	/* the kept Hessian has gone stale */
			continue;
		}
		double ft = f(t2, gt, ctx);
		/* Near the maximum LL changes by ~1e-7; allow rounding noise. */
		if (!isfinite(ft) || ft > fv + 1e-12 * fabs(fv) || dmax > 1) {
			if (fresh == 2) {
				fresh = 0;
				continue;
			}
			conv = dmax < 1e-5;	/* at the maximum up to rounding */
			break;
		}
		memcpy(th, t2, sizeof th);
		memcpy(g, gt, sizeof g);
		fv = ft;
		prev = dmax;
		if (dmax < 1e-9 || (fresh == 1 && dmax < 1e-7)) {
			conv = 1;
			break;
		}
		fresh = 2;	/* the next steps reuse this Hessian */
	}
	/* Standard errors at the final point (none when the Hessian there is
	 * not positive definite: the caller then tries its own). */
	int ok = !skip_se && hessian_inverse(n, f, ctx, th, g, 1, inv) == 0;
	out->loglik = -fv;
	for (int i = 0; i < n; i++) {
		out->par[i] = exp(th[i]);
		/* At the maximum the natural-scale Hessian is
		 * diag(1/p) H_theta diag(1/p), so se_i = p_i sqrt(inv_ii). */
		double v = ok ? inv[i][i] : 0;
		out->se[i] = v > 0 && isfinite(v) ? out->par[i] * sqrt(v) : 0;
		if (!(v > 0 && isfinite(v)))
			ok = 0;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			out->cov[i * SK_FIT_MAXPAR + j] = ok ? out->par[i] * out->par[j] * inv[i][j] : 0;
	out->se_ok = out->cov_ok = ok;
	return conv;
}

/* Fit from starts[0..nstart) (npar values each), stopping at the first
 * start that converges, then polish.  0, or -1 with the first start's
 * reason in err. */

int sk_tmodel_fit_run(int npar, sk_fit_fn f, void *ctx, int nstart, const double *starts,
		      double nobs, struct sk_fit *out, char *err, size_t errlen)
{
	char e[256], first[256] = "";
	for (int s = 0; s < nstart; s++) {
		if (sk_fit_run_nose(npar, f, ctx, starts + (size_t)s * npar, nobs, out, e,
				    sizeof e) == 0) {
			/* polish() leaves standard errors from its last Hessian;
			 * when it cannot, compute them at the BFGS estimate. */
			polish(npar, f, ctx, out);
			if (!out->se_ok && !skip_se)
				sk_fit_stderr(npar, f, ctx, out);
			return 0;
		}
		if (!first[0])
			snprintf(first, sizeof first, "%s", e);
	}
	snprintf(err, errlen, "%s", first);
	return -1;
}

/* With coarse_ctx: BFGS on the coarse patterns (sk_rfm_coarse_new) from
 * the starts, then Newton on the full data from there.  The coarse
 * optimum is within a percent or so of the full one, where Newton
 * converges in three steps: ~30 evaluations of the full likelihood
 * instead of ~100.  Should Newton not converge, BFGS on the full data
 * takes over from the coarse estimate, so the answer is the full data's
 * maximum either way. */
int sk_tmodel_fit_coarse(int npar, sk_fit_fn f, void *ctx, void *coarse_ctx, int nstart,
			 const double *starts, double nobs, struct sk_fit *out, char *err,
			 size_t errlen)
{
	struct sk_fit c;
	char e[256];
	if (coarse_ctx) {
		for (int s = 0; s < nstart; s++) {
			if (sk_fit_run_nose(npar, f, coarse_ctx, starts + (size_t)s * npar, nobs,
					    &c, e, sizeof e) != 0)
				continue;
			*out = c;
			if (polish(npar, f, ctx, out)) {
				double th[SK_FIT_MAXPAR];
				for (int i = 0; i < npar; i++)
					th[i] = log(out->par[i]);
				out->loglik = -f(th, NULL, ctx);
				return 0;
			}
			return sk_tmodel_fit_run(npar, f, ctx, 1, c.par, nobs, out, err, errlen);
		}
	}
	return sk_tmodel_fit_run(npar, f, ctx, nstart, starts, nobs, out, err, errlen);
}

/* Coarse patterns: t_x and T rounded to a grid of 48 steps over the
 * largest T, merged.  NULL when the data are small enough to fit as they
 * are or the grid would not shrink them. */
struct sk_rfm *sk_rfm_coarse_new(const struct sk_rfm *pat, size_t n, size_t *nout)
{
	if (n < 20000)
		return NULL;
	double maxT = 0;
	for (size_t i = 0; i < n; i++)
		maxT = fmax(maxT, pat[i].T);
	const double steps = 48;
	double step = maxT / steps;
	if (!(step > 0))
		return NULL;
	size_t nx;
	uint32_t *rx = sk_malloc(n * sizeof *rx);
	struct sk_kv *kv = sk_malloc(n * sizeof *kv);
	double *ux = rx ? sk_distinct_new(&pat[0].x, n, sizeof *pat, rx, &nx) : NULL;
	if (!ux || !kv) {
		free(rx);
		free(kv);
		free(ux);
		return NULL;
	}
	free(ux);
	/* Covariate groups (sk_rfm.cov) stay apart: the last key. */
	uint64_t ncov = 1;
	for (size_t i = 0; i < n; i++)
		ncov = pat[i].cov >= ncov ? (uint64_t)pat[i].cov + 1 : ncov;
	uint64_t cells = (uint64_t)nx * (uint64_t)((steps + 1) * (steps + 1));
	if (cells > UINT64_MAX / ncov) {
		free(rx);
		free(kv);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		double gt = round(pat[i].t_x / step), gT = round(pat[i].T / step);
		kv[i] = (struct sk_kv){ (((uint64_t)rx[i] * (steps + 1) + (uint64_t)gt) *
					 (uint64_t)(steps + 1) + (uint64_t)gT) * ncov + pat[i].cov,
					(uint32_t)i };
	}
	free(rx);
	/* Count the cells first: the coarse set is allocated at its size,
	 * and only when it shrinks the data at least twofold. */
	size_t m = 0;
	struct sk_rfm *c = NULL;
	if (sk_kv_sort(kv, n, cells * ncov) == 0) {
		for (size_t j = 0; j < n; j++)
			m += j == 0 || kv[j].key != kv[j - 1].key;
		if (m > 0 && m <= n / 2)
			c = sk_malloc(m * sizeof *c);
	}
	if (c) {
		m = 0;
		for (size_t j = 0; j < n; j++) {
			const struct sk_rfm *p = &pat[kv[j].idx];
			if (m && kv[j].key == kv[j - 1].key) {
				sk_rfm_merge(&c[m - 1], p);
				continue;
			}
			c[m++] = (struct sk_rfm){ .x = p->x,
						  .t_x = round(p->t_x / step) * step,
						  .T = round(p->T / step) * step, .w = p->w,
						  .litt = p->litt, .cov = p->cov };
		}
	}
	free(kv);
	if (!c)
		return NULL;
	*nout = m;
	return c;
}

/* ---- distinct-time index ---- */

void sk_rfm_set_index(struct sk_rfm_set *s)
{
	s->iT = sk_malloc((s->n ? s->n : 1) * sizeof *s->iT);
	s->itx = sk_malloc((s->n ? s->n : 1) * sizeof *s->itx);
	if (s->iT && s->itx) {
		s->uT = sk_distinct_new(&s->pat[0].T, s->n, sizeof *s->pat, s->iT, &s->nT);
		s->utx = sk_distinct_new(&s->pat[0].t_x, s->n, sizeof *s->pat, s->itx, &s->ntx);
	}
	/* Only worth it when values repeat; without memory, go without. */
	if (!s->uT || !s->utx || s->nT + s->ntx > s->n)
		sk_rfm_set_free_index(s);
}

void sk_rfm_set_free_index(struct sk_rfm_set *s)
{
	free(s->uT);
	free(s->utx);
	free(s->iT);
	free(s->itx);
	s->uT = s->utx = NULL;
	s->iT = s->itx = NULL;
	s->nT = s->ntx = 0;
}
