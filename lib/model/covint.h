/* covint.h: the covariate models' likelihood one customer at a time, for
 * many distinct covariate vectors (covlik.c), the two models' kernels it
 * calls (pnbdcov.c, bgcov.c), and the fit that uses it (covbin.c).
 * Private to lib/model.
 *
 * With a continuous covariate every customer has her own parameters
 * (FH 2007), so nothing of the plain models' tables over (x, t) can be
 * shared across customers; what can be shared is whatever depends on x
 * and the common parameters only (the Pareto/NBD's series coefficients,
 * ln Gamma(r + x) and its derivatives).  A kernel gives one customer's
 * ln L with its gradient and Hessian in phi = the logs of her own four
 * parameters; covlik.c maps them to the fit's theta by the chain rule,
 * phi being linear in theta. */
#ifndef SK_COVINT_H
#define SK_COVINT_H

#include "covar.h"
#include "modelint.h"

/* One customer's ln L and, by order (0 value, 1 gradient, 2 Hessian),
 * its derivatives in phi = log(r, alpha, s|a, beta|b). */
struct sk_cl_out {
	double l, g[4], h[4][4];
	double pa;	/* P(alive), the bracket's share of A (Pareto/NBD only) */
};

struct sk_cl_kernel {
	/* A workspace per thread. */
	void *(*ws_new)(void);
	void (*ws_free)(void *ws);
	/* The terms of x and the common parameters par0 (r and s of the
	 * Pareto/NBD; r of the BG/NBD): called before the first customer
	 * and whenever x changes.  0, or -1 when they are not finite. */
	int (*set_x)(void *ws, const double *par0, double x, int order);
	/* One customer with own parameters ip and their logs lp: 0, or -1
	 * when her likelihood cannot be evaluated. */
	int (*cust)(void *ws, const double *ip, const double *lp, double t_x, double T,
		    int order, struct sk_cl_out *o);
};

extern const struct sk_cl_kernel sk_pnbd_clk, sk_bgnbd_clk;

/* How the fit's coefficients reach a customer's phi: by blocks,
 *   phi_i = theta[0..3] + sum over blocks b of D[b] (g_b' z_b),
 * purchase D = (0, -1, 0, 0) (alpha_i = alpha0 exp(-g_p'z)); dropout, the
 * Pareto/NBD's (0, 0, 0, -1) (beta_i = beta0 exp(-g_d'z)), the shared
 * BG/NBD's (0, 0, 1, 1) (a_i, b_i = a0, b0 exp(g_d'z)) or the separate
 * BG/NBD's two blocks (0, 0, 1, 0) and (0, 0, 0, 1) (a_i = a0
 * exp(g_a'z), b_i = b0 exp(g_b'z); FH 2007, sec. 3).  Coefficient j
 * (0-based after the four) is in block blk[j] and multiplies column
 * col[j] of z. */
struct sk_covmap {
	int nc, nb;
	int col[SK_FIT_MAXPAR], blk[SK_FIT_MAXPAR];
	double D[3][4];
};

static inline void sk_covmap_init(struct sk_covmap *m, const struct sk_tmodel *tm,
				  const struct sk_covspec *s)
{
	static const double dp[4] = { 0, -1, 0, 0 }, dpn[4] = { 0, 0, 0, -1 },
			    dsh[4] = { 0, 0, 1, 1 }, da[4] = { 0, 0, 1, 0 }, db[4] = { 0, 0, 0, 1 };
	int sep = s->sep && tm != &sk_pnbd;
	m->nc = s->kp + (sep ? 2 : 1) * s->kd;
	m->nb = sep ? 3 : 2;
	for (int a = 0; a < 4; a++) {
		m->D[0][a] = dp[a];
		m->D[1][a] = tm == &sk_pnbd ? dpn[a] : sep ? da[a] : dsh[a];
		m->D[2][a] = db[a];
	}
	for (int j = 0; j < m->nc && j < SK_FIT_MAXPAR; j++) {
		m->col[j] = sk_covspec_col(s, j);
		m->blk[j] = j < s->kp ? 0 : 1 + (sep && j - s->kp >= s->kd);
	}
}

/* The Hessian in phi from the natural-scale derivatives: g (d ln L /
 * d par) and h (d2 ln L / d par2) become d / d log par in place. */
static inline void sk_cl_to_log(const double *p, struct sk_cl_out *o, int order)
{
	if (order >= 2)
		for (int a = 0; a < 4; a++)
			for (int b = 0; b < 4; b++)
				o->h[a][b] = p[a] * p[b] * o->h[a][b] + (a == b ? p[a] * o->g[a] : 0);
	if (order >= 1)
		for (int a = 0; a < 4; a++)
			o->g[a] *= p[a];
}

/* ---- covbin.c: many distinct covariate vectors ---- */

/* Every step-th of the patterns c[0..m) (they go by x, so a systematic
 * sample keeps the frequencies' mix); *ms its size.  The caller frees.
 * The samples of covbin.c's starts and covfit.c's plain start. */
struct sk_rfm *sk_cov_sample_patterns(const struct sk_rfm *c, size_t m, size_t step, size_t *ms);

/* 1 where the fit with covariates on n patterns takes covbin.c's way:
 * many distinct vectors, or groups too small for the plain model's
 * tables. */
int sk_cov_many_vectors(const struct sk_covdata *cd, size_t n);
/* The fit on standardised columns from the natural-scale start st (the
 * coefficients as exp(g)): a coarse estimate (warm: st already is one),
 * then Newton's method on every customer with covlik.c's exact Hessian;
 * BFGS where Newton fails.  0, or -1 with the reason in err. */
int sk_cov_fit_binned(const struct sk_tmodel *tm, const struct sk_covdata *cd, const double *st,
		      int warm, const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		      char *err, size_t errlen);

/* A start for Newton's method on the patterns c[0..m) (sorted, by x
 * first; cd and par as sk_cov_fit_binned has them: standardised columns,
 * natural-scale parameters with the coefficients as exp(g)): the maximum
 * of the sample of every SUB_K-th pattern, when the coarse estimate lies
 * far from it.  1 with that maximum in out, 0 where coarse is
 * the better start or the sample's Newton failed.  Exported for the unit
 * tests. */
int sk_cov_sub_start(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		     const struct sk_rfm *c, size_t m, int k, const struct sk_fit *coarse,
		     struct sk_fit *out);

/* The BG/NBD's coarse estimate on many patterns: the maximum of a
 * systematic sample of about SEED_N of c[0..m) from the start st (as
 * sk_cov_sub_start's cd and parameters), by damped Newton and Newton.  1
 * with it in coarse, 0 where Newton failed. */
int sk_cov_seed_fit(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		    const struct sk_rfm *c, size_t m, int k, const double *st, double nobs,
		    struct sk_fit *coarse);

/* ---- covfit.c ---- */

/* The customers of the patterns pat[0..npat) (sorted by (x, t_x, T,
 * cov)) without covariates: those of one (x, t_x, T) merged, cov 0, in
 * *nplain patterns.  The caller frees. */
struct sk_rfm *sk_cov_plain_patterns(const struct sk_rfm *pat, size_t npat, size_t *nplain);

/* The plain model's fit that is only the start of the fit with
 * covariates: without cd->test_shared (--report's tests, which need the
 * plain fit on every customer) or a penalty, and on nplain >= min plain
 * patterns (sorted by x first), the fit on a systematic sample of them.
 * 1 with it in plain (its ln L the sample's), 0 where the plain fit is
 * to be made on every customer.  Exported for the unit tests. */
int sk_cov_plain_start(const struct sk_tmodel *tm, double penalty, const struct sk_covdata *cd,
		       const struct sk_rfm *plainpat, size_t nplain, size_t min,
		       struct sk_fit *plain);

/* ---- covlik.c ---- */

/* The context over patterns pat[0..n) whose .cov index cd's vectors
 * (cd standardised or not: the likelihood is the model's either way). */
void *sk_covlik_new(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		    const struct sk_rfm *pat, size_t n);
void sk_covlik_free(void *ctx);
/* -LL at theta (covar.h's order) with its gradient (grad non-NULL) and
 * Hessian (hess non-NULL, row-major with stride SK_FIT_MAXPAR). */
double sk_covlik_hess(const double *theta, double *grad, double *hess, void *ctx);
/* The same as an sk_fit_fn. */
double sk_covlik_nll(const double *theta, double *grad, void *ctx);

#endif
