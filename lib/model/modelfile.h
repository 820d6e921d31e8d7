/* modelfile.h: the model JSON of DESIGN.md.
 *
 *   {"siklus_model": 1, "type": "bgnbd", "unit": "week",
 *    "params": {"r": ..., ...}, "stderr": {...}, "loglik": ..., "customers": ...,
 *    "fitted": "2026-11-23T05:00:00Z",
 *    "spend": {"type": "gammagamma", "params": {"p": .., "q": .., "gamma": ..},
 *              "stderr": {...}, "loglik": ..., "customers": ...}}
 *
 * "spend" is present when clv saved the file; "covariates" when the
 * transaction model has them (covar.h, sk_cov_json_new):
 *    "covariates": {"purchase": {"COL": coef, ...}, "dropout": {...},
 *                   "stderr": {"purchase": {...}, "dropout": {...}}}
 * (the BG/NBD's also "dropout_coefficients": "shared", or "separate"
 * with "dropout_a" and "dropout_b" for "dropout": covar.h)
 * and then tfit holds the coefficients after the model's parameters.
 * Files without it read as before. */
#ifndef SK_MODELFILE_H
#define SK_MODELFILE_H

#include "covar.h"
#include "fit.h"
#include "model.h"
#include "record/opts.h"

struct sk_modelfile {
	const struct sk_tmodel *tm;	/* NULL when the file holds no transaction model */
	struct sk_fit tfit;
	struct sk_covspec cov;		/* kp = kd = 0: no covariates */
	char unit[16];
	int has_spend;
	struct sk_fit sfit;		/* p, q, gamma */
	int spend_ridge;		/* sfit's q, gamma run off together (sk_gg_ridge) */
	/* What clv valued with, saved so that report can name it: "value":
	 * {"horizon": "1y", "discount_rate": 0.1, "margin": 1}. */
	int has_value;
	char value_horizon[32];
	double value_rate, value_margin;
};

/* Write atomically (temp file + rename); exits 73 or 74 on failure. */
void sk_modelfile_save(const char *path, const struct sk_modelfile *m);
/* Read and check; exits 66 when missing, 65 when malformed (with the
 * reason).  When unit is not NULL, a model fitted in another unit is
 * refused with status 64 and advice. */
void sk_modelfile_load(const char *path, const char *unit, struct sk_modelfile *m);
/* Load for scoring the records read with o: the model's unit must be the
 * records' (o->unit_given 1 or 2), else o takes the model's unit. */
void sk_modelfile_load_for(const char *path, struct sk_opts *o, struct sk_modelfile *m);

#endif
