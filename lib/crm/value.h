/* value.h: customer lifetime value from a spend model and a transaction
 * model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves
 * for customer base analysis", JMR 42(4), eq. 1: CLV = margin x E[spend]
 * x discounted expected transactions). */
#ifndef SK_VALUE_H
#define SK_VALUE_H

#include <stdio.h>

#include "model/score.h"
#include "record/emit.h"

/* Gamma-Gamma inputs from the rows with frequency > 0 and a positive
 * monetary_value, compressed by identical (x, mbar); *excluded counts the
 * repeat buyers left out for non-positive or missing spend. */
struct sk_spend_obs *sk_spend_obs_read(const struct sk_custdata *d, size_t *nobs,
				       size_t *excluded);
/* Fit Gamma-Gamma; exits 65 with advice on failure; warns on stderr when
 * |corr(frequency, spend)| > 0.3 (the model assumes independence) and
 * when q and gamma run off together (sk_gg_ridge: then returns 1). */
int sk_spend_fit_or_die(const struct sk_spend_obs *obs, size_t n, struct sk_fit *fit);

/* Discounted expected transactions per row.  horizon in units (or
 * periods for BG/BB); annual_rate the discount rate per year (per period
 * for BG/BB); horizon < 0 means lifetime (DERT; only for models that have
 * it). */
double *sk_value_det(const struct sk_tmodel *tm, const double *par,
		     struct sk_custdata *d, double horizon, double annual_rate,
		     double unit_days);
/* The same, and P(alive) per row into *p_alive (as sk_predict_alive
 * gives it; NULL: not wanted): where the discounting multiplies by it
 * anyway, it is not computed twice. */
double *sk_value_det_alive(const struct sk_tmodel *tm, const double *par,
			   struct sk_custdata *d, double horizon, double annual_rate,
			   double unit_days, double **p_alive);
/* DERT per row (sk_value_det's horizon < 0) given P(alive) per row as
 * sk_predict computed it (NULL: computed here): the Pareto/NBD's
 * DERT multiplies by it (model.h, dert_pa), churn has it already. */
double *sk_value_dert(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		      double annual_rate, double unit_days, const double *p_alive);

/* The models of clv and whatif: with model_path, load them (exits 64
 * unless the file holds a transaction and a spend model, saved by clv
 * --save-model) and return the transaction model; else the model named
 * type (exits 64 when unknown), or NULL for "auto" (chosen when fitting). */
const struct sk_tmodel *sk_value_models(const char *model_path, const char *type,
					 const char *unit, struct sk_modelfile *mf);

/* Fit both models of clv to d: Gamma-Gamma into mf->sfit (warning on
 * stderr about the repeat buyers left out) and the transaction model tm,
 * (with --penalty) or the best when tm is NULL, into mf->tm and mf->tfit; unit is
 * written into mf.  Exits 65 with advice when a fit fails. */
void sk_value_fit(struct sk_custdata *d, const struct sk_tmodel *tm, double penalty,
		  const char *unit,
		  struct sk_modelfile *mf);

/* Expected spend per transaction of valid row i (Gamma-Gamma, Hardie
 * 2013, eq. 5; the population mean for a customer without
 * repeat spend). */
double sk_value_spend(const double *gg, const struct sk_custdata *d, size_t i);

/* The forecast for a customer acquired today, on f: E[X(horizon)] and
 * P(no repeat) from the fitted transaction model; with spend_par (the
 * Gamma-Gamma fit) also the expected spend per transaction, the
 * discounted expected transactions and clv; with cohort > 0 the totals
 * for a planned cohort of that many customers.  d: the customers, whose
 * covariate vectors (d->cov; NULL d or none: the population's
 * parameters) the figures are averaged over. */
void sk_new_customer(FILE *f, const struct sk_tmodel *tm, const double *par,
		     struct sk_custdata *d, const double *spend_par, double horizon,
		     double annual_rate, double margin, double unit_days, const char *unit,
		     double cohort);

/* Central level intervals of expected_spend (out[0], out[1]) and clv
 * (out[2], out[3]) per valid row of d, from the uncertainty of both fits
 * (the delta method, model/interval.c); spend and clv as computed at the
 * estimates.  Exits 64 for fits without covariance (from a model file),
 * 65 when one is not positive definite. */
void sk_value_intervals(const struct sk_tmodel *tm, const struct sk_fit *tfit,
			const struct sk_fit *sfit, struct sk_custdata *d, double horizon,
			double annual_rate, double unit_days, const double *spend,
			const double *clv, double level, double *const out[4]);

/* churn's optional columns: dert (--dert RATE, models with a closed form
 * only: exits 64 otherwise) and pmf_0..pmf_K (--pmf K), after the base
 * columns; names has nbase + ncol entries.  p_alive: per row as
 * sk_predict gave it (the DERT multiplies by it), or NULL. */
struct sk_pred_extra {
	double *dert;		/* per row, or NULL */
	double *pmf;		/* per pattern, K + 1 each, or NULL */
	int K;
	size_t nbase, ncol;	/* columns before, and these */
	char **names;
};
void sk_pred_extra_make(struct sk_pred_extra *x, const struct sk_tmodel *tm,
			const double *par, struct sk_custdata *d, const double *p_alive,
			double horizon, double unit_days, int has_dert, double rate, int K,
			const char *const *base, size_t nbase);
/* Set the extra columns of valid row i on an output row. */
void sk_pred_extra_fill(const struct sk_pred_extra *x, const struct sk_custdata *d,
			struct sk_emit *row, size_t i);
void sk_pred_extra_free(struct sk_pred_extra *x);

/* Tiers by clv, descending, ties by row order: top1 for the top 1 %,
 * top20 for the rest of the top 20 %, rest; SK_TIER_NONE for invalid
 * rows.  One byte a customer; sk_value_tier_name gives the words. */
enum { SK_TIER_NONE, SK_TIER_TOP1, SK_TIER_TOP20, SK_TIER_REST };
unsigned char *sk_value_tiers(const double *clv, const unsigned char *valid, size_t n);
const char *sk_value_tier_name(unsigned char tier);

#endif
