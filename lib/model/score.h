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

/* The model inputs of every row of a customer table. */
struct sk_custdata {
	size_t n;		/* rows */
	struct sk_rfm *rfm;	/* x, t_x, T, w per row */
	unsigned char *valid;	/* 0 for prospects (no purchase): no prediction */
	double *mbar;		/* monetary_value; NAN when empty (only with spend) */
	size_t nvalid;
	long col_x, col_tx, col_T, col_w, col_m;
	/* Made once by sk_custdata_patterns: the distinct patterns and each
	 * valid row's index among them. */
	struct sk_rfm *pat;
	size_t npat;
	uint32_t *pid;
};

/* Read frequency, recency and T (for BG/BB: periods when present) and the
 * weight column from t; with want_spend also monetary_value.  Bad values
 * exit 65 with the row's file:line. */
void sk_custdata_read(const struct sk_table *t, const char *weight_col, int discrete,
		      int want_spend, struct sk_custdata *d);
void sk_custdata_free(struct sk_custdata *d);

/* Distinct (x, t_x, T) of the valid rows with summed weights, sorted by
 * x, t_x, T; owned by d (computed on the first call). */
const struct sk_rfm *sk_custdata_patterns(struct sk_custdata *d, size_t *npat);

/* Free the patterns once every prediction is made (memory for the
 * output); a later sk_custdata_patterns computes them again. */
void sk_custdata_drop_patterns(struct sk_custdata *d);

/* Fit tm on patterns; exits 65 with the reason and advice on failure. */
void sk_tmodel_fit_or_die(const struct sk_tmodel *tm, const struct sk_rfm *pat,
			  size_t npat, struct sk_fit *fit);
/* Fit BG/NBD, Pareto/NBD and MBG/NBD and keep the lowest BIC; the choice
 * and each BIC go to stderr. */
const struct sk_tmodel *sk_tmodel_auto(const struct sk_rfm *pat, size_t npat,
				       struct sk_fit *fit);
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
};
void sk_predict(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		double horizon, struct sk_pred *p);
void sk_pred_free(struct sk_pred *p);

/* Print the fit report (parameters, standard errors, LL, AIC, BIC,
 * expected vs observed repeat transactions, retention) to f; the same as
 * JSON to json_path when not NULL. */
void sk_fit_report(FILE *f, const char *json_path, const struct sk_tmodel *tm,
		   const struct sk_fit *fit, const struct sk_custdata *d,
		   const struct sk_pred *p, double threshold, int rule_alive, const char *unit);
/* The calibration/holdout table: per calibration frequency 0..7+,
 * customers, mean predicted and mean actual holdout transactions. */
void sk_evaluate(FILE *f, const struct sk_table *t, const struct sk_custdata *d,
		 const struct sk_pred *p, double horizon, const char *unit);



/* Write the compressed sufficient statistics of the valid rows: one row
 * per distinct (frequency, recency, T[, monetary_value]) with its summed
 * weight in column "weight".  Tables from disjoint shards, concatenated
 * and fitted with --weight weight, give the model of all customers. */
void sk_patterns_write(const struct sk_opts *o, const struct sk_table *t,
		       const struct sk_custdata *d, int discrete, int with_spend);
#endif
