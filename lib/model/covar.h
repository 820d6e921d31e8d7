/* covar.h: time-invariant covariates for the Pareto/NBD and BG/NBD
 * (Fader & Hardie 2007, "Incorporating time-invariant covariates into the
 * Pareto/NBD and BG/NBD models", brucehardie.com note 019; below "FH
 * 2007"; the parameterisation of CLVTools' pnbd/bgnbd "staticcov"
 * models, Bachmann, Meierer & Naef).
 *
 * Each customer i has a vector z_i of numeric columns of her record.  The
 * purchase covariates z_p scale the purchase-rate distribution, the
 * dropout covariates z_d the dropout distribution:
 *   Pareto/NBD  alpha_i = alpha0 exp(-g_p' z_p),  beta_i = beta0 exp(-g_d' z_d)
 *   BG/NBD      alpha_i = alpha0 exp(-g_p' z_p),
 *               a_i = a0 exp(g_d' z_d),  b_i = b0 exp(g_d' z_d)
 * so a positive purchase coefficient raises the mean purchase rate
 * r/alpha_i by the factor exp(g_p' z_p) (a proportional-hazards form for
 * the Gamma scale), and for the Pareto/NBD a positive dropout coefficient
 * raises the mean dropout rate s/beta_i.  For the BG/NBD a and b move
 * together, so the mean dropout probability a/(a+b) stays and only its
 * spread (the "polarisation" 1/(1+a+b)) changes with z_d.  That is
 * CLVTools' simplification, kept so that our fits compare with its
 * numbers; FH 2007 give a and b coefficients of their own (CLVTools'
 * maintainers, bachmannpatrick/CLVTools issue #120).
 * Given z_i, every formula of the plain model holds with the customer's
 * own parameters (FH 2007, sec. 2 and 3), so predictions call the plain
 * model's functions with them.
 *
 * The fit's parameter vector is (r, alpha0, s|a, beta0|b, g_p..., g_d...);
 * struct sk_fit holds the coefficients themselves (any sign) in par[4..]
 * and their standard errors in se[4..]. */
#ifndef SK_COVAR_H
#define SK_COVAR_H

#include <stddef.h>
#include <stdio.h>

#include "fit.h"
#include "model.h"

/* Covariates per process: 4 + 2 x 6 = SK_FIT_MAXPAR parameters. */
#define SK_COV_MAX 6
#define SK_COV_NAMELEN 64

/* Which columns act on which process (a column may act on both). */
struct sk_covspec {
	int kp, kd;
	char pname[SK_COV_MAX][SK_COV_NAMELEN];
	char dname[SK_COV_MAX][SK_COV_NAMELEN];
};

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
};

struct sk_custdata;
struct sk_pred;
struct sk_table;

/* Parse --covariates (both processes), --covariates-purchase and
 * --covariates-dropout (comma-separated column names; NULL when not
 * given) into s; exits 64 on an empty name, a name given twice for one
 * process or more than SK_COV_MAX per process.  0 when none was given. */
int sk_covspec_parse(struct sk_covspec *s, const char *both, const char *purchase,
		     const char *dropout);

/* Exit 64 unless tm takes covariates (Pareto/NBD, BG/NBD, or NULL: auto
 * between the two). */
void sk_cov_check_model(const struct sk_tmodel *tm);

/* The customer's own (r, alpha, s|a, beta|b) from the fit's par and her
 * covariate vector z (purchase values, then dropout values). */
void sk_cov_par(const struct sk_tmodel *tm, const struct sk_covspec *s, const double *par,
		const double *z, double *ipar);

/* -LL of the covariate model at theta = (log r, log alpha0, log s|a,
 * log beta0|b, g_p, g_d) and its gradient, for the tests: ctx from
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
 * the likelihood-ratio test against the plain model ("covariates_lrtest",
 * when cd->has_plain). */
void sk_cov_report(FILE *f, void *json, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_covdata *cd);

/* That test as a row of the report's nested tests (nested.h): the
 * model with covariates against the same without (all coefficients 0,
 * as many degrees of freedom), when cd->has_plain. */
struct sk_nested;
void sk_cov_nested(struct sk_nested *nt, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_covdata *cd);

/* The model file's "covariates" object (a new json_t *), and reading it
 * back into s and fit->par/se[4..] (npar); exits 65 when malformed. */
void *sk_cov_json_new(const struct sk_covspec *s, const struct sk_fit *fit, int npar0);
void sk_cov_json_read(const char *path, void *json, struct sk_covspec *s,
		      struct sk_fit *fit, int npar0);

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
 * What the backtest refits on the cut (auto, the learned layer). */
int sk_cov_fit_custdata(const struct sk_tmodel *tm, struct sk_custdata *d,
			const struct sk_covdata *cd, double penalty, struct sk_fit *plain,
			struct sk_fit *out, char *err, size_t errlen);

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
