/* score.h: from customer records to fitted models and per-customer
 * predictions; shared by churn, clv and winback. */
#ifndef SK_SCORE_H
#define SK_SCORE_H

#include <stdint.h>
#include <stdio.h>

#include "record/io.h"
#include "model.h"
#include "modelfile.h"
#include "record/opts.h"

struct sk_covdata;

/* The model inputs of every row of a customer table. */
struct sk_custdata {
	size_t n;		/* rows */
	struct sk_rfm *rfm;	/* x, t_x, T, w per row */
	unsigned char *valid;	/* 0 for prospects (no purchase): no prediction */
	double *mbar;		/* monetary_value; NAN when empty (only with spend) */
	size_t nvalid;
	long col_x, col_tx, col_T, col_w, col_m;
	long col_litt;		/* -1: no litt column (rfm[].litt is NaN) */
	/* Made once by sk_custdata_patterns: the distinct patterns and each
	 * valid row's index among them. */
	struct sk_rfm *pat;
	size_t npat;
	uint32_t *pid;
	/* Covariates (covar.h, sk_covdata_read): rfm[i].cov indexes cov's
	 * distinct vectors, ncov of them; NULL and 0 without. */
	struct sk_covdata *cov;
	size_t ncov;
	/* Set by sk_custdata_fold: rfm is NULL, each valid row is its
	 * pattern pat[pid[i]], its frequency x[i], its weight w[i] (w NULL:
	 * every row weighs 1). */
	int folded;
	uint32_t *x;
	double *w;
};

/* Read frequency, recency and T (for BG/BB: periods when present) and the
 * weight column from t; with want_spend also monetary_value.  Bad values
 * exit 65 with the row's file:line. */
void sk_custdata_read(const struct sk_table *t, const char *weight_col, int discrete,
		      int want_spend, struct sk_custdata *d);
/* The checks of a customer record every model and classify apply, its
 * frequency x, recency tx and T all set: x a whole number in [0, 1e9],
 * 0 <= tx <= T (up to rounding), tx = 0 when x = 0.  A row check
 * (sk_table_check_rows): 0, or for a bad value 1, or with die exit 65
 * with the row's file:line; T_name is the column T was read from. */
int sk_rfm_check_row(const struct sk_table *t, size_t i, double x, double tx, double T,
		     const char *T_name, int die);
void sk_custdata_free(struct sk_custdata *d);

/* Distinct (x, t_x, T) of the valid rows with summed weights, sorted by
 * x, t_x, T; owned by d (computed on the first call). */
const struct sk_rfm *sk_custdata_patterns(struct sk_custdata *d, size_t *npat);

/* 1 when every pattern with repeat purchases has its litt (the records
 * had the column): what BG/CNBD-k and MBG/CNBD-k need. */
int sk_rfm_have_litt(const struct sk_rfm *pat, size_t npat);

/* Free the patterns once every prediction is made (memory for the
 * output); a later sk_custdata_patterns computes them again, but for
 * folded data (sk_custdata_fold), whose rows are gone. */
void sk_custdata_drop_patterns(struct sk_custdata *d);

/* For a program that reads no row's own record once the patterns are
 * made (clv without the learned layer): make the patterns and free the
 * rows' records (48 bytes a row; rows and patterns held to the end were
 * most of clv's peak, issue 21).  d->rfm is NULL afterwards: a row is
 * its pattern d->pat[d->pid[i]], and sk_custdata_x and _w read its
 * frequency and weight.  Covariates (sk_covdata_read) go in before. */
void sk_custdata_fold(struct sk_custdata *d);

/* The frequency and the weight of valid row i, folded or not. */
static inline double sk_custdata_x(const struct sk_custdata *d, size_t i)
{
	return d->rfm ? d->rfm[i].x : d->x[i];
}

static inline double sk_custdata_w(const struct sk_custdata *d, size_t i)
{
	return d->rfm ? d->rfm[i].w : d->w ? d->w[i] : 1;
}

/* The values v[0..npat) of the patterns for every row (0 for a
 * prospect), in a new array; frees v. */
double *sk_custdata_per_row(const struct sk_custdata *d, double *v);

/* Fit tm on patterns with an L2 penalty on the log-parameters (0: none);
 * exits 65 with the reason and advice on failure, and warns on stderr
 * when the fit identifies nothing (sk_tmodel_diagnose). */
void sk_tmodel_fit_or_die(const struct sk_tmodel *tm, double penalty, const struct sk_rfm *pat,
			  size_t npat, struct sk_fit *fit);
/* Fit BG/NBD, Pareto/NBD, MBG/NBD and GGom/NBD (and BG/CNBD-k and
 * MBG/CNBD-k when the patterns have litt) and keep the lowest BIC; the choice
 * and each BIC go to stderr, and the chosen fit is diagnosed as above. */
const struct sk_tmodel *sk_tmodel_auto(double penalty, const struct sk_rfm *pat, size_t npat,
				       struct sk_fit *fit);
/* Fit tm (with --penalty), or choose one when tm is NULL (sk_tmodel_auto),
 * into mf->tm and mf->tfit, stamped with unit; exits 65 when the fit fails. */
void sk_modelfile_fit(struct sk_modelfile *mf, const struct sk_tmodel *tm, double penalty,
		      const struct sk_rfm *pat, size_t npat, const char *unit);

/* A fit sees no dropout when the most lapsed customer of every
 * frequency still has p_alive above this (sk_tmodel_diagnose; the
 * learned layer, backtest.c, leaves p_alive out then). */
#define SK_NO_DROPOUT_ALIVE 0.99

/* What is wrong with a fit, in words a user can act on. */
struct sk_fitdiag {
	int n;				/* findings, 0 when the fit looks sound */
	char what[6][400];		/* one sentence each */
	int no_dropout;			/* p_alive is ~1 for every customer */
	int singular;			/* no standard errors (information matrix singular) */
	int unidentified;		/* a standard error huge against its estimate */
	int ridge;			/* a mixing pair runs off to its limit (ridge.h) */
	double min_alive;		/* the lowest p_alive of any customer */
};

/* Diagnose tm fitted as f on the customers rows[0..n) (valid[i] = 0
 * skips row i; valid may be NULL): the dropout boundary (the most lapsed
 * customer of every frequency still has p_alive > 0.99), a singular
 * information matrix (standard errors 0), a Beta or Gamma pair of the
 * model on its ridge to a point mass (ridge.h: the BG/NBD family's a and
 * b, BG/BB's, every model's r and alpha, the Pareto/NBD's s and beta)
 * and standard errors over ten times their estimate.  Returns
 * out->n. */
int sk_tmodel_diagnose(const struct sk_tmodel *tm, const struct sk_fit *f,
		       const struct sk_rfm *rows, const unsigned char *valid, size_t n,
		       struct sk_fitdiag *out);
/* The same for a fit with covariates (cov, covar.h; NULL: none): each
 * customer with her own parameters; unit names the records' time unit
 * in the rates a Gamma pair's finding states (NULL: "unit of time"). */
int sk_tmodel_diagnose_cov(const struct sk_tmodel *tm, const struct sk_fit *f,
			   const struct sk_covdata *cov, const struct sk_rfm *rows,
			   const unsigned char *valid, size_t n, const char *unit,
			   struct sk_fitdiag *out);
double sk_fit_aic(const struct sk_fit *f);
double sk_fit_bic(const struct sk_fit *f);

/* Group patterns by (x, T): returns each pattern's group and sets *ngroup
 * and *group (one representative pattern per group, t_x unset).  The
 * caller frees both. */
uint32_t *sk_rfm_group_xT(const struct sk_rfm *pat, size_t np, size_t *ngroup,
			  struct sk_rfm **group);

/* Per-row predictions, computed once per distinct pattern, in parallel. */
struct sk_pred {
	double *p_alive;		/* per row; unset for invalid rows */
	double *expected;		/* expected transactions over the horizon */
	double *p_return;		/* P(at least one transaction over the horizon) */
	/* 1 when the learned layer corrected E[X | X > 0] (hurdle.h):
	 * expected / p_return is then the layer's, not the model's. */
	int hurdle;
};
void sk_predict(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		double horizon, struct sk_pred *p);
void sk_pred_free(struct sk_pred *p);
/* Only p_alive, per row (the caller frees it): what clv needs without
 * the learned layer or --evaluate, a third of sk_predict's memory and
 * none of its work per (x, T) group. */
double *sk_predict_alive(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d);
/* The same per pattern (sk_custdata_patterns): pattern d->pid[i] of
 * valid row i. */
double *sk_predict_alive_patterns(const struct sk_tmodel *tm, const double *par,
				  struct sk_custdata *d);

/* P(X(T, T+t] = k | x, t_x, T): the conditional pmf of a customer's
 * transactions in the next t (opportunities for BG/BB).  Every model here
 * gives it from its own new-customer pmf under the posterior of an alive
 * customer (see score.c). */
double sk_cond_pmf(const struct sk_tmodel *tm, const double *par, double t, int k,
		   double x, double t_x, double T);
/* sk_cond_pmf's two factors, for a caller that wants many k: the model
 * of an alive customer's future, whose parameters (x and T's alone) go
 * to q[0..4], and P(alive) as the posterior means it; then
 * sk_cond_pmf(k) = pa future->pmf(q, t, k) + [k = 0] (1 - pa).  NULL for
 * the models whose future depends on t_x too (BG/CNBD-k, MBG/CNBD-k). */
const struct sk_tmodel *sk_cond_future(const struct sk_tmodel *tm, const double *par,
				       double x, double T, double *q);
double sk_cond_alive(const struct sk_tmodel *tm, const double *par, double x, double t_x,
		     double T);
/* The conditional pmf for k = 0..K of every distinct pattern of d
 * (sk_custdata_patterns): K + 1 values per pattern, pattern d->pid[i] of
 * valid row i.  The caller frees it. */
double *sk_predict_pmf(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		       double t, int K);

/* ---- fitreport.c: the reports on a fit ---- */

/* The in-sample check (FHL 2005, fig. 2): 1 when a fit expecting expct
 * repeat transactions where obs were made (over customers' expectations
 * beyond a double) does not describe the data: over > 0, or expct more
 * than twice or less than half of obs.  --report's misfit line and the
 * fit with covariates' warning (covfit.c). */
int sk_fit_misfit(double obs, double expct, double over);

/* Print the fit report (parameters, standard errors, LL, AIC, BIC,
 * expected vs observed repeat transactions, retention) to f; the same as
 * JSON to json_path when not NULL. */
void sk_fit_report(FILE *f, const char *json_path, const struct sk_tmodel *tm,
		   const struct sk_fit *fit, const struct sk_custdata *d,
		   const struct sk_pred *p, double threshold, int rule_alive, const char *unit);
/* The calibration/holdout table: per calibration frequency 0..7+,
 * customers, mean predicted and mean actual holdout transactions; with
 * median (NULL: none) also the median's mean absolute error. */
void sk_evaluate(FILE *f, const struct sk_table *t, const struct sk_custdata *d,
		 const struct sk_pred *p, const double *median, double horizon, const char *unit);
/* The same table for column col against pred[i] (times scale[i] when
 * scale is not NULL: spend = expected_spend x expected transactions). */
void sk_holdout_compare(FILE *f, const struct sk_table *t, const struct sk_custdata *d,
			const char *col, const double *pred, const double *scale, double horizon,
			const char *unit);



/* Write the compressed sufficient statistics of the valid rows: one row
 * per distinct (frequency, recency, T[, monetary_value]) and, with
 * covariates (d->cov, covar.h), covariate vector (their columns follow,
 * each once) with its summed weight in column "weight".  Tables from
 * disjoint shards, concatenated and fitted with --weight weight (and the
 * same covariates), give the model of all customers. */
void sk_patterns_write(const struct sk_opts *o, const struct sk_table *t,
		       const struct sk_custdata *d, int discrete, int with_spend);
#endif
