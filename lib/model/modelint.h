/* modelint.h: what the model files share privately (not part of the
 * library's interface; model.h is). */
#ifndef SK_MODELINT_H
#define SK_MODELINT_H

#include <float.h>
#include <math.h>
#include <stdint.h>

#include "model.h"
#include "quad.h"

/* The data handed to a negative log-likelihood (ctx of sk_fit_fn). */
struct sk_rfm_set {
	const struct sk_rfm *pat;
	size_t n;
	/* Optional index (sk_rfm_set_index): the distinct T and t_x values
	 * and each pattern's position among them.  Daily data from a million
	 * customers has ~10^5-10^6 patterns but only ~10^3 distinct times, so
	 * log(alpha + T) per distinct value saves most of the logarithms of
	 * every likelihood evaluation. */
	double *uT, *utx;
	size_t nT, ntx;
	uint32_t *iT, *itx;
};

void sk_rfm_set_index(struct sk_rfm_set *s);
void sk_rfm_set_free_index(struct sk_rfm_set *s);

const struct sk_rfm *sk_rfm_compressed(const struct sk_rfm *pat, size_t n, size_t *nout,
				       double *nobs, struct sk_rfm **owned, char *err,
				       size_t errlen);
int sk_tmodel_fit_run(int npar, sk_fit_fn f, void *ctx, int nstart, const double *starts,
		      double nobs, struct sk_fit *out, char *err, size_t errlen);
int sk_tmodel_fit_coarse(int npar, sk_fit_fn f, void *ctx, void *coarse_ctx, int nstart,
			 const double *starts, double nobs, struct sk_fit *out, char *err,
			 size_t errlen);
/* -LL at theta with its gradient and, when hess is not NULL, its Hessian
 * (row-major, stride SK_FIT_MAXPAR), for sk_fit_newton; HUGE_VAL where
 * it cannot be evaluated. */
typedef double (*sk_fit_hfn)(const double *theta, double *grad, double *hess, void *ctx);
int sk_fit_newton(int npar, sk_fit_hfn hf, void *ctx, struct sk_fit *out);
/* Damped Newton (Levenberg-Marquardt on the exact Hessian of hf, see
 * fit.c) from out->par (natural scale; theta = log par) to where the
 * Hessian is positive definite and the Newton step below 1e-3, the new
 * point in out->par; 1, or 0 when it cannot get there in 100 steps.
 * sk_fit_newton finishes from there. */
int sk_fit_newton_damped(int npar, sk_fit_hfn hf, void *ctx, struct sk_fit *out);
/* The Newton step d = -inv g in theta (inv: the inverse Hessian of -LL)
 * and its largest |d_i|, the size both Newton iterations (sk_fit_newton
 * and model.c's polish) judge convergence and damping by. */
double sk_newton_step(int n, double inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR], const double *g,
		      double *d);
/* Cholesky factorisation of a (in place, lower triangle) and the inverse
 * of the symmetric n x n matrix into inv; -1 when not positive definite
 * (model.c: own code, so that a singular Hessian never reaches GSL's
 * aborting error handler). */
int sk_chol_inverse(int n, double a[SK_FIT_MAXPAR][SK_FIT_MAXPAR],
		    double inv[SK_FIT_MAXPAR][SK_FIT_MAXPAR]);
struct sk_rfm *sk_rfm_coarse_new(const struct sk_rfm *pat, size_t n, size_t *nout);

/* Exported for the unit tests and between model files. */
double sk_bgnbd_nll(const double *theta, double *grad, void *ctx);
double sk_mbgnbd_nll(const double *theta, double *grad, void *ctx);
double sk_pnbd_nll(const double *theta, double *grad, void *ctx);
double sk_ggomnbd_nll(const double *theta, double *grad, void *ctx);
double sk_bgnbd_alive_mean(double m, double kappa, double a, double B);
/* Its two methods alone (test_alivemean.c): the moment series (0 where
 * it is not accepted) and the quadrature. */
double sk_bgnbd_alive_mean_series(double m, double kappa, double a, double B);
double sk_bgnbd_alive_mean_quad(double m, double kappa, double a, double B);
/* The Pareto/NBD fit's own context over pat[0..n) (with the (x, t)
 * index when index is 1 and it can be built) and its -LL; covar.c
 * evaluates one per covariate group. */
void *sk_pnbd_fitctx_new(const struct sk_rfm *pat, size_t n, int index);
void sk_pnbd_fitctx_free(void *ctx);
double sk_pnbd_fitctx_nll(const double *theta, double *grad, void *ctx);
/* The Pareto/NBD fit without its warning, and the warning (ggomnbd.c). */
extern const struct sk_tfit_spec sk_pnbd_spec;
/* The same fit watched for its ridge s, beta -> inf (pnbd.c, "the
 * ridge"): BFGS ends at the first point with s > 30 whose ln L still
 * rises along s and beta.  1 when it ended there, with that point in *at
 * (theta = ln par, its -LL and the gradient of -LL in theta) and out no
 * fit; else sk_tmodel_fit_std's 0 or -1, out sk_pnbd_spec's fit. */
struct sk_pnbd_ridge {
	double th[4], v, g[4];
};
int sk_pnbd_fit_watched(const struct sk_rfm *pat, size_t n, struct sk_fit *out,
			struct sk_pnbd_ridge *at, char *err, size_t errlen);
void sk_pnbd_warn_s(const struct sk_fit *f);
/* The Pareto/NBD's own fit (its maximum, or its ridge's end: then
 * *ridge_tol > 0) without its warnings; 0, or -1 with a reason. */
int sk_pnbd_fit_quiet(const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		      double *ridge_tol, char *err, size_t errlen);
/* The same from the point *at where sk_pnbd_fit_watched froze (its 1):
 * the rest of sk_pnbd_fit_quiet, for a caller that already ran the
 * watched fit. */
int sk_pnbd_fit_from(const struct sk_rfm *pat, size_t n, const struct sk_pnbd_ridge *at,
		     struct sk_fit *out, double *ridge_tol, char *err, size_t errlen);
/* -LL over pat[0..n) one pattern at a time (no index, nothing kept):
 * for covar.c's small groups. */
double sk_pnbd_nll_pat(const double *theta, double *grad, const struct sk_rfm *pat, size_t n);

/* BG/CNBD-k and MBG/CNBD-k (cnbd.c): the fit at one k (shift 0 or 1),
 * its likelihood for the unit tests (ctx from sk_cnbd_ctx_new), and
 * P(X(T, T+t] = n | x, t_x, T). */
int sk_cnbd_fit_k(int k, double shift, const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		  char *err, size_t errlen);
double sk_cnbd_nll(const double *theta, double *grad, void *ctx);
void *sk_cnbd_ctx_new(const struct sk_rfm *pat, size_t n, int k, double shift);
void sk_cnbd_ctx_free(void *ctx);
struct sk_lrtest;
int sk_cnbd_nested(const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_rfm *pat, size_t n, double *ll1, struct sk_lrtest *lr);
double sk_cnbd_cond_pmf(const double *par, double t, int n, double x, double t_x, double T,
			double s);
/* P(alive) and the weights w[0..k) of the alive customer's k - j events
 * to go (cnbd.c), for cnbdpmf.c; -1 when par, x or T is not valid. */
double sk_cnbd_alive_mix(const double *par, double x, double t_x, double T, double s, double *w);
/* A CNBD customer alive at a window's start, in Erlang phase j of k
 * (cnbdfuture.c): P(NBD(m, q) >= y); the mean purchases over the window
 * (q = (alpha+T)/(alpha+T+t), drop-out p ~ Beta(a, b0) after each; NaN
 * when the sum does not converge); the means of every phase j < k at
 * m0 + j into ex[0..k); P(n purchases). */
double sk_cnbd_nbd_tail(double y, double m, double q);
double sk_cnbd_future_mean(double m, double q, int j, int k, double a, double b0);
void sk_cnbd_future_means(double m0, double q, int k, double a, double b0, double *ex);
double sk_cnbd_future_pmf(double m, double q, int j, int k, double a, double b0, int n);
/* sk_cnbd_cond_pmf for n = 0, 1, 2, ... in turn, by recurrences
 * (cnbdpmf.c): the same numbers to ~1e-12 relative, k terms of a
 * recurrence per n instead of k incomplete beta functions and k^2
 * log-gamma functions.  init: 0, or -1 where sk_cnbd_cond_pmf is 0 for
 * every n (par, t, x or T not valid); next: P(X = n) for the next n, NaN
 * where the sums do not end (the caller then asks sk_cnbd_cond_pmf). */
struct sk_cnbd_comp {	/* component j: Y ~ NBD(m, q) from y on */
	double m, p, lp, below, tail, tref;
	long y;
	int inlogs;
};
struct sk_cnbd_pmf_iter {
	int k, n;
	double pa, q, a, b0, dge, w[SK_MIX_MAX];
	struct sk_cnbd_comp c[SK_MIX_MAX];
};
int sk_cnbd_pmf_init(struct sk_cnbd_pmf_iter *it, const double *par, double t, double x,
		     double t_x, double T, double s);
double sk_cnbd_pmf_next(struct sk_cnbd_pmf_iter *it);

/* ---- the scaffolding every transaction model uses ----
 *
 * A model file supplies its negative log-likelihood in theta = log(par)
 * (with the gradient in theta) and its start values; model.c does the
 * rest of the fit: checking and compressing the patterns, the
 * distinct-time index, the coarse-grid start, BFGS, the Newton polish and
 * the standard errors (sk_tmodel_fit_std).  A likelihood that is a sum
 * over patterns hands the sum to sk_nll_chunked. */

/* Weighted sums over the patterns, for start values. */
struct sk_rfm_sums {
	double w, x, T;		/* customers, repeat transactions, total T */
};

/* sk_rfm_compressed, and in *sums the sums over the patterns it returns:
 * the setup of every fit from starts (sk_tmodel_fit_std, and ggomstart.c's
 * sk_ggom_best_start). */
const struct sk_rfm *sk_rfm_compressed_sums(const struct sk_rfm *pat, size_t n, size_t *nout,
					    double *nobs, struct sk_rfm **owned,
					    struct sk_rfm_sums *sums, char *err, size_t errlen);

struct sk_tfit_spec {
	int npar;
	sk_fit_fn nll;		/* its ctx: a struct sk_rfm_set, or ctx_new's */
	int nstart;
	/* nstart rows of npar start values (natural scale) */
	void (*starts)(const struct sk_rfm_sums *s, double *starts);
	int index;		/* give the set the distinct-time index */
	int coarse;		/* BFGS on coarse patterns first, then Newton */
	/* A context of the model's own instead of a struct sk_rfm_set
	 * (NULL: none); ctx_free undoes it. */
	void *(*ctx_new)(const struct sk_rfm *pat, size_t n);
	void (*ctx_free)(void *ctx);
};

/* Fit a continuous-time model by maximum likelihood as spec says
 * (penalised, see sk_penalty_nll, inside sk_tmodel_fit_with); 0, or -1
 * with a reason in err. */
int sk_tmodel_fit_std(const struct sk_tfit_spec *spec, const struct sk_rfm *pat, size_t n,
		      struct sk_fit *out, char *err, size_t errlen);

/* A likelihood with an L2 penalty on the log-parameters (sk_penalty_nll):
 * f(theta) + lambda nobs sum theta_i^2. */
struct sk_penalised {
	sk_fit_fn f;
	void *ctx;
	int npar;
	double lambda, nobs;
};
double sk_penalty_nll(const double *theta, double *grad, void *ctx);
/* The penalty of the sk_tmodel_fit_with running on this thread (0). */
double sk_tmodel_penalty(void);
/* Set it for a fit that does not go through sk_tmodel_fit_with (the
 * covariate models' sk_cov_fit); returns the value before. */
double sk_tmodel_penalty_set(double penalty);
/* skip 1: the fits sk_tmodel_fit_run and sk_tmodel_fit_coarse make on
 * this thread leave their standard errors out (se_ok 0), for a caller
 * that reads only the parameters, of a model whose fit does not read
 * them either (backtest.c's refit at the cut); returns the setting
 * before. */
int sk_tmodel_skip_se(int skip);

/* par = exp(theta); -1 when one is not a positive finite number. */
int sk_theta_par(int npar, const double *theta, double *par);

/* Sum patterns lo..hi-1 into acc[0] (sum of w ln L) and, with grad,
 * acc[1..npar] (sum of w d ln L / d par). */
typedef void (*sk_chunk_fn)(const void *terms, const void *data, size_t lo, size_t hi,
			    int grad, double *acc);

/* -LL from n patterns in fixed chunks of about per (so that the total
 * does not depend on the number of threads), summed in parallel, and the
 * gradient in theta; HUGE_VAL when the value or the gradient is not
 * finite. */
double sk_nll_chunked(int npar, const double *par, double *grad, size_t n, size_t per,
		      sk_chunk_fn sum, const void *terms, const void *data);

/* ---- the BG family: BG/NBD (bgnbd.c) and MBG/NBD (mbgnbd.c) ---- */

struct sk_bg_terms;

/* Terms of the log-likelihood that depend on x but not on t_x or T,
 * computed once per run of equal x. */
struct sk_bg_x {
	double x;
	double c;		/* log of the constant factor */
	double lbx;		/* log of b + x - 1 + shift (x > 0 or shift) */
	double dr, da, db;	/* their derivatives in r, a, b */
};

/* ln L of one pattern from lT = log(alpha + T), lt = log(alpha + t_x);
 * g: the gradient in (r, alpha, a, b) when not NULL. */
typedef double (*sk_bg_ll_fn)(const struct sk_bg_terms *p, const struct sk_bg_x *t,
			      double t_x, double T, double lT, double lt, double *g);

struct sk_bg_terms {
	double r, alpha, a, b;
	double shift;		/* 0 BG/NBD, 1 MBG/NBD */
	double lalpha, la, lg_r, lg_b, lg_ab, ps_r, ps_b, ps_ab;
	const double *lT, *ltx;	/* log(alpha + t) over the set's distinct times */
	sk_bg_ll_fn ll;
};

void sk_bg_set_par(struct sk_bg_terms *p, const double *par, int grad, double shift);
void sk_bg_set_x(struct sk_bg_x *t, const struct sk_bg_terms *p, double x, int grad);
double sk_bg_nll(const double *theta, double *grad, const struct sk_rfm_set *d, double shift,
		 sk_bg_ll_fn ll);
double sk_bg_loglik1(const double *par, double x, double t_x, double T, double shift,
		     sk_bg_ll_fn ll);
void sk_bg_starts(const struct sk_rfm_sums *s, double *starts);
int sk_bg_fit(double shift, const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
	      size_t errlen);
double sk_bg_p_alive(const double *par, double x, double t_x, double T, double shift);
/* ln L of one customer at the limit a, b -> inf, a/(a+b) fixed (shift 0
 * BG/NBD, 1 MBG/NBD; bgnbd.c): the model tables' ridge. */
double sk_bg_ll_limit(const double *par, double x, double t_x, double T, double shift);
double sk_bg_expected(const double *par, double t, double x, double t_x, double T,
		      double shift);
double sk_bg_expected_alive(const double *par, double t, double x, double T, double shift);
/* P(X(T, T+t] > 0 | alive at T, x, T) for the BG family (bgnbd.c): a
 * customer leaves only at a purchase, so alive at T and no purchase means
 * the next purchase comes after T + t. */
double sk_bg_return_alive(const double *par, double t, double x, double T);
double sk_bg_pmf(const double *par, double t, int k, double shift);
/* The same for k = 0, 1, 2, ... in turn by recurrences in k (a few
 * products each, where sk_bg_pmf takes a dozen log-gammas), for a caller
 * that wants the whole distribution (median.c's tilt); agrees with
 * sk_bg_pmf to ~1e-15 per value (tests/unit/test_median.c). */
struct sk_bg_pmf_iter {
	double r, q1, a, b, shift;
	double nb, A, C, S;	/* NB(k), B(a, b+k+shift)/B(a, b), the second
				 * term's beta ratio, P(NB >= k) */
	int k;
};
void sk_bg_pmf_iter_init(struct sk_bg_pmf_iter *it, const double *par, double t, double shift);
double sk_bg_pmf_iter_next(struct sk_bg_pmf_iter *it);

/* The Pareto/NBD's (par r, alpha, s, beta) and the GGom/NBD's (r,
 * alpha, b, s, beta) pmf P(X(t) = k) for k = 0, 1, 2, ... in turn on
 * one quadrature rule shared by every k (pnbdpmf.c: a product a node
 * per k where pnbd.c's and ggomnbd.c's pmf integrate afresh; within
 * 1e-10 relative of them, tests/unit/test_pnbdpmf.c).  init: 0, or -1
 * (par or t not valid, or a rule out of range: ask the model's pmf);
 * next: the next k's value, NaN where the rule no longer holds it (ask
 * the model's pmf from there on). */
#define SK_PNBD_PMF_PANELS 32
struct sk_pnbd_pmf_iter {
	double r, alpha, t, b, s, beta, lbs, lS, lgr;
	double L, eL, c;	/* the values are c e^L times v[i] */
	int k, np;
	double lo[SK_PNBD_PMF_PANELS], hi[SK_PNBD_PMF_PANELS];
	/* panel j's 15 nodes at 15 j .. 15 j + 14, the first term after */
	double v[15 * SK_PNBD_PMF_PANELS + 1], p[15 * SK_PNBD_PMF_PANELS + 1],
	       g[15 * SK_PNBD_PMF_PANELS + 1];
};
int sk_pnbd_pmf_init(struct sk_pnbd_pmf_iter *it, const double *par, double t);
int sk_ggom_pmf_init(struct sk_pnbd_pmf_iter *it, const double *par, double t);
double sk_pnbd_pmf_next(struct sk_pnbd_pmf_iter *it);

/* ---- small numerics the model files share ---- */

/* 1 when every one of the n parameters is a number in (0, max]: DBL_MAX
 * for "positive and finite", a lower cap where a larger value would
 * overflow the likelihood. */
static inline int sk_par_ok(const double *par, int n, double max)
{
	for (int i = 0; i < n; i++)
		if (!(par[i] > 0 && par[i] <= max))
			return 0;
	return 1;
}

/* 1 / (1 + exp(d)) for any d. */
static inline double sk_logistic_neg(double d)
{
	if (d > 0) {
		double e = exp(-d);
		return e / (1 + e);
	}
	return 1 / (1 + exp(d));
}

/* log(exp(u) + exp(v)) without overflow. */
static inline double sk_logaddexp(double u, double v)
{
	double hi = fmax(u, v), lo = fmin(u, v);
	if (hi == -HUGE_VAL)
		return -HUGE_VAL;
	return hi + log1p(exp(lo - hi));
}

/* expm1(y) / y, = 1 at y = 0 (removes the 0/0 where a shape parameter
 * is 1). */
static inline double sk_expm1_ratio(double y)
{
	if (fabs(y) < 1e-8)
		return 1 + 0.5 * y;
	return expm1(y) / y;
}

/* Add pattern b's customers to a (same x, t_x, T): weights add, litt
 * (whose ln L term is linear in it, see cnbd.c) becomes the weighted
 * mean, so sum w litt over the patterns is unchanged. */
static inline void sk_rfm_merge(struct sk_rfm *a, const struct sk_rfm *b)
{
	double w = a->w + b->w;
	if (a->litt != b->litt && w > 0)
		a->litt = (a->w * a->litt + b->w * b->litt) / w;
	a->w = w;
}

/* The order of sk_rfm_compress: by x, then t_x, then T. */
static inline int sk_order_xtT(double ax, double at, double aT, double bx, double bt, double bT)
{
	if (ax != bx)
		return ax < bx ? -1 : 1;
	if (at != bt)
		return at < bt ? -1 : 1;
	if (aT != bT)
		return aT < bT ? -1 : 1;
	return 0;
}

/* Fit from each start and keep the highest likelihood (for small models
 * whose likelihood may have several maxima: BG/BB, sBG); 0, or -1 with
 * "label: " and the first start's reason in err. */
int sk_fit_best(int npar, sk_fit_fn f, void *ctx, int nstart, const double *starts,
		double nobs, const char *label, struct sk_fit *out, char *err, size_t errlen);

#endif
