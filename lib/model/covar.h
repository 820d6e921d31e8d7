/* covar.h: time-invariant covariates for the Pareto/NBD and BG/NBD
 * (Fader & Hardie 2007, "Incorporating time-invariant covariates into the
 * Pareto/NBD and BG/NBD models", brucehardie.com note 019; below "FH
 * 2007"; and the parameterisation of CLVTools' pnbd/bgnbd "staticcov"
 * models, Bachmann, Meierer & Naef).
 *
 * Each customer i has a vector z_i of numeric columns of her record.  The
 * purchase covariates z_p scale the purchase-rate distribution, the
 * dropout covariates z_d the dropout distribution:
 *   Pareto/NBD  alpha_i = alpha0 exp(-g_p' z_p),  beta_i = beta0 exp(-g_d' z_d)
 *   BG/NBD      alpha_i = alpha0 exp(-g_p' z_p),
 *               a_i = a0 exp(g_a' z_d),  b_i = b0 exp(g_b' z_d)
 * so a positive purchase coefficient raises the mean purchase rate
 * r/alpha_i by the factor exp(g_p' z_p) (a proportional-hazards form for
 * the Gamma scale), and for the Pareto/NBD a positive dropout coefficient
 * raises the mean dropout rate s/beta_i.
 *
 * The BG/NBD's a and b have coefficients of their own, g_a and g_b (FH
 * 2007, sec. 3: their gamma_2 and gamma_3; "separate", the default, sep
 * = 1): a covariate then moves the mean dropout probability a/(a+b) and
 * its spread.  CLVTools' bgnbd makes them one vector, g_a = g_b = g_d
 * ("shared", sep = 0; its maintainers on the difference:
 * bachmannpatrick/CLVTools issue #120), so a/(a+b) stays and only the
 * polarisation 1/(1+a+b) moves with z_d; kept (--dropout-coefficients
 * shared) so that our fits compare with its numbers, and as the
 * restriction g_a = g_b of the likelihood-ratio test in --report.
 * Given z_i, every formula of the plain model holds with the customer's
 * own parameters (FH 2007, sec. 2 and 3), so predictions call the plain
 * model's functions with them.
 *
 * The fit's parameter vector is (r, alpha0, s|a0, beta0|b0, g_p..., then
 * g_d... or, separate, g_a... and g_b...: sk_covspec_ncoef coefficients
 * in all); struct sk_fit holds the coefficients themselves (any sign) in
 * par[4..] and their standard errors in se[4..]. */
#ifndef SK_COVAR_H
#define SK_COVAR_H

#include <stddef.h>
#include <stdio.h>

#include "fit.h"
#include "model.h"

/* Covariates per process: 4 + 6 + 2 x 6 = SK_FIT_MAXPAR parameters. */
#define SK_COV_MAX 6
#define SK_COV_NAMELEN 64

/* Which columns act on which process (a column may act on both). */
struct sk_covspec {
	int kp, kd;
	/* BG/NBD: 1 when a and b have coefficients of their own (FH 2007),
	 * 0 when they share one vector (CLVTools); always 0 for the
	 * Pareto/NBD, whose dropout has one parameter that covariates move. */
	int sep;
	char pname[SK_COV_MAX][SK_COV_NAMELEN];
	char dname[SK_COV_MAX][SK_COV_NAMELEN];
};

/* The number of coefficients: kp + kd, or kp + 2 kd when separate. */
static inline int sk_covspec_ncoef(const struct sk_covspec *s)
{
	return s->kp + (s->sep ? 2 : 1) * s->kd;
}

/* Coefficient j's column in a vector z (purchase values, then dropout
 * values); separate, g_a and g_b of one column share it. */
static inline int sk_covspec_col(const struct sk_covspec *s, int j)
{
	return j < s->kp ? j : s->kp + (j - s->kp) % s->kd;
}

/* The covariates of a customer table: the distinct vectors (purchase
 * values, then dropout values), which sk_rfm.cov indexes. */
struct sk_covdata {
	struct sk_covspec spec;
	size_t nz;
	double *z;		/* nz rows of spec.kp + spec.kd */
	/* The plain model's fit on the same customers, for the
	 * likelihood-ratio test in --report (has_plain 0 when scoring a
	 * saved model). */
	int has_plain;
	double ll_plain;
	/* The separate BG/NBD's restriction g_a = g_b fitted on the same
	 * customers (then its start), for the test of the shared form in
	 * --report: when the caller sets test_shared (a fit more). */
	int test_shared;
	int has_shared;
	double ll_shared;
};

struct sk_custdata;
struct sk_pred;
struct sk_table;

/* Parse --covariates (both processes), --covariates-purchase and
 * --covariates-dropout (comma-separated column names; NULL when not
 * given) and --dropout-coefficients (form: "separate", "shared" or NULL,
 * checked by modelopts.c) into s; exits 64 on an empty name, a name
 * given twice for one process or more than SK_COV_MAX per process.  With
 * dropout columns and no form, separate (FH 2007).  0 when none was
 * given. */
int sk_covspec_parse(struct sk_covspec *s, const char *both, const char *purchase,
		     const char *dropout, const char *form);

/* Exit 64 unless tm takes covariates (Pareto/NBD, BG/NBD, or NULL: auto
 * between the two); given: the user named it (else the program's default,
 * which the message says). */
void sk_cov_check_model(const struct sk_tmodel *tm, int given);

/* The customer's own (r, alpha, s|a, beta|b) from the fit's par and her
 * covariate vector z (purchase values, then dropout values). */
void sk_cov_par(const struct sk_tmodel *tm, const struct sk_covspec *s, const double *par,
		const double *z, double *ipar);

/* -LL of the covariate model at theta = (log r, log alpha0, log s|a,
 * log beta0|b, g_p, g_d or g_a, g_b) and its gradient, for the tests: ctx from
 * sk_cov_ctx_new over patterns whose .cov index cd's vectors. */
void *sk_cov_ctx_new(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		     const struct sk_rfm *pat, size_t n);
void sk_cov_ctx_free(void *ctx);
double sk_cov_nll(const double *theta, double *grad, void *ctx);

/* Fit tm with cd's covariates on pat[0..n) (patterns by (x, t_x, T,
 * cov)), starting from plain, the fit without covariates; 0, or -1 with
 * a reason in err.  out->par[4..] are the coefficients. */
int sk_cov_fit(const struct sk_tmodel *tm, const struct sk_covdata *cd,
	       const struct sk_fit *plain, const struct sk_rfm *pat, size_t n,
	       struct sk_fit *out, char *err, size_t errlen);

/* sk_cov_fit from another fit of the same model and covariates (from:
 * par and npar as sk_cov_fit leaves them) on related data, the fit on
 * all customers for the refit at the backtest's cut: Newton's method
 * from there at once, without the coarse problem, which the cut's fit
 * spent 0.3 s of CPU on (10^5 customers, one continuous column: 118
 * BFGS iterations to a start where Newton's Hessian was indefinite).
 * The estimate is the same maximum, to Newton's tolerance. */
int sk_cov_fit_from(const struct sk_tmodel *tm, const struct sk_covdata *cd,
		    const struct sk_fit *from, const struct sk_rfm *pat, size_t n,
		    struct sk_fit *out, char *err, size_t errlen);

/* The BG/NBD with separate dropout coefficients (cd->spec.sep) fitted
 * from shared, the fit of the same columns with one dropout vector
 * (sk_cov_fit with sep = 0): its estimate, g_a = g_b = g_d, is the
 * restricted maximum, so the fit starts there (Newton's method at once)
 * and can only go up.  0, or -1 with a reason in err. */
int sk_cov_fit_separate(const struct sk_covdata *cd, const struct sk_fit *shared,
			const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
			size_t errlen);

/* The parameters for the customers of pattern r: par without
 * covariates (cov NULL), else their own (sk_cov_par), written to ip.
 * Given them, P(alive), E[X(T, T+t]] and the rest are the plain model's
 * (FH 2007), so sk_predict and clv's values call this per pattern or
 * per (x, T, cov) group. */
const double *sk_cov_rowpar(const struct sk_tmodel *tm, const double *par,
			    const struct sk_covdata *cov, const struct sk_rfm *r, double *ip);

/* P(alive) of the customers pat[0..n) with their own parameters
 * (sk_cov_rowpar) into pa: the values of tm->p_alive, for the
 * Pareto/NBD with covariates from covlik.c's kernel (pnbdcov.c), whose
 * series coefficients are shared by the customers of one x (patterns
 * sorted by x: a few multiply-adds per term instead of two divisions). */
void sk_cov_p_alive(const struct sk_tmodel *tm, const double *par, const struct sk_covdata *cd,
		    const struct sk_rfm *pat, size_t n, double *pa);

/* Per pattern, the central level intervals of p_alive and of expected
 * transactions over horizon (interval.c's delta method, over the
 * coefficients too; fit->par[4..] the coefficients); -1 when fit has no
 * positive definite covariance. */
int sk_cov_interval_patterns(const struct sk_tmodel *tm, const struct sk_fit *fit,
			     const struct sk_covdata *cd, const struct sk_rfm *pat, size_t np,
			     double horizon, double level, double *pa_lo, double *pa_hi,
			     double *ex_lo, double *ex_hi);

/* ---- covio.c: the covariates in tables, reports and model files ---- */

/* Read the columns of s from the valid rows of t into cd (distinct
 * vectors) and point d at them (d->cov, d->ncov, each row's rfm.cov);
 * a missing column exits 65, an empty or non-numeric value exits 65
 * with file:line. */
void sk_covdata_read(const struct sk_table *t, const struct sk_covspec *s,
		     struct sk_custdata *d, struct sk_covdata *cd);
void sk_covdata_free(struct sk_covdata *cd);

/* The coefficients with their standard errors and z values: text to f
 * (NULL: none), and into the object json (a json_t *; NULL: none) also
 * the BG/NBD's form ("dropout_coefficients"), the likelihood-ratio test
 * against the plain model ("covariates_lrtest", when cd->has_plain) and
 * the separate form's against the shared ("dropout_coefficients_lrtest",
 * when cd->has_shared). */
void sk_cov_report(FILE *f, void *json, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_covdata *cd);

/* Those tests as rows of the report's nested tests (nested.h): the
 * model with covariates against the same without (all coefficients 0,
 * as many degrees of freedom), when cd->has_plain; the separate BG/NBD
 * against the shared (g_a = g_b, kd degrees of freedom), when
 * cd->has_shared. */
struct sk_nested;
void sk_cov_nested(struct sk_nested *nt, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_covdata *cd);

/* The model file's "covariates" object of tm's fit (a new json_t *; the
 * BG/NBD's with its form), and reading it back into s and
 * fit->par/se[tm->npar..] (npar); exits 65 when malformed.  A BG/NBD
 * file without the form is shared (the only form before it). */
void *sk_cov_json_new(const struct sk_tmodel *tm, const struct sk_covspec *s,
		      const struct sk_fit *fit);
void sk_cov_json_read(const char *path, void *json, const struct sk_tmodel *tm,
		      struct sk_covspec *s, struct sk_fit *fit);

/* Coefficient j's column name, its process ("purchase" or "dropout")
 * and, separate, the BG/NBD parameter it moves ("a" or "b"; else NULL). */
const char *sk_cov_coef_name(const struct sk_covspec *s, int j, const char **process,
			     const char **param);

/* ---- covfit.c: the fit with covariates as the programs run it ---- */

/* churn's and clv's checks and fit: exit 64 when covariates are given
 * (given) with --model (the model file has its own); fit tm without
 * and with cd's covariates on d's customers into
 * mf->tm, tfit, cov and unit (the caller saves it), with --penalty
 * (penalty > 0: L2 on the log-parameters and on the coefficients of the
 * standardised columns, and no likelihood-ratio test). */
struct sk_model_opts;
struct sk_modelfile;
void sk_cov_check_opts(const struct sk_model_opts *m, int given);
void sk_cov_model_fit(const struct sk_tmodel *tm, double penalty, const char *unit,
		      struct sk_custdata *d, struct sk_covdata *cd, struct sk_modelfile *mf);

/* Fit tm without (plain) and with cd's covariates (out) on the valid
 * rows of d, whose rfm[].cov index cd; 0, or -1 with the reason in err.
 * What the backtest refits on the cut (auto, the learned layer).  With
 * from (not NULL; penalty 0), a fit of tm with the same covariates on
 * all customers, the fit with them starts there (sk_cov_fit_from) and
 * plain is not fitted (zeroed); a from of another number of parameters
 * is ignored, and should the fit from it fail the cold fit runs. */
int sk_cov_fit_custdata(const struct sk_tmodel *tm, struct sk_custdata *d,
			const struct sk_covdata *cd, double penalty, const struct sk_fit *from,
			struct sk_fit *plain, struct sk_fit *out, char *err, size_t errlen);

/* Give the backtest's customers at the cut (b, rows as d's) d's
 * covariates: they are time-invariant, so valid as of the cut. */
struct sk_backtest;
void sk_cov_backtest(struct sk_backtest *b, const struct sk_custdata *d);

/* --model-type auto with covariates: fit BG/NBD and Pareto/NBD with cd's
 * covariates and keep the better, by the plain auto's criterion: the
 * held-out log-likelihood of coming back when b (covariates attached by
 * sk_cov_backtest) has enough customers at the cut, else the lowest
 * BIC; both candidates' figures and the choice go to stderr.  Into mf as
 * sk_cov_model_fit. */
void sk_cov_auto(struct sk_backtest *b, double penalty, const char *unit,
		 struct sk_custdata *d, struct sk_covdata *cd, struct sk_modelfile *mf);

/* ---- covio.c ---- */

/* --new-customer with covariates: a customer not yet acquired has none,
 * so E[X(horizon)] (returned) and P(X(horizon) = 0) (*p0) are their
 * means over the vectors of d's valid customers, each weighted by its
 * customers (*ncust in all); sk_new_customer (crm/value.h) prints them.
 * sk_cov_vector_weights: those weights, one per vector of d->cov
 * (d->cov->nz; to be freed), their sum in *ncust. */
double *sk_cov_vector_weights(struct sk_custdata *d, double *ncust);
double sk_cov_new_customer_mean(const struct sk_tmodel *tm, const double *par,
				struct sk_custdata *d, double horizon, double *p0, double *ncust);

#endif
