/* modelopts.h: the options churn and clv share (which transaction model,
 * over what horizon, from or to which model file, what to report), parsed
 * once here.  A program passes its own options as with sk_parse_args and
 * gets the shared ones in struct sk_model_opts; its --help text still
 * describes them, in its own words (the horizon means expected purchases
 * to churn and value to clv).
 *
 * To add an option both programs take: a field here, a row in the table
 * and a case in modelopts.c, and a line in each program's usage. */
#ifndef SK_MODELOPTS_H
#define SK_MODELOPTS_H

#include <stddef.h>

#include "model.h"
#include "modelfile.h"
#include "record/opts.h"

/* The --help lines of the covariate options churn and clv share (after
 * each program's own --covariates line). */
#define SK_MODEL_COV_HELP \
	"  --covariates-purchase COLS  columns for the purchase process only\n" \
	"  --covariates-dropout COLS   columns for the dropout process only\n" \
	"  --dropout-coefficients F  separate or shared; bgnbd with dropout\n" \
	"                       covariates: a and b each with coefficients of their\n" \
	"                       own (Fader & Hardie 2007; the default), or one vector\n" \
	"                       for both (as CLVTools); --report tests shared\n" \
	"                       against separate\n"

struct sk_model_opts {
	const char *type;		/* --model-type: a model name or "auto" */
	const char *horizon;		/* --horizon, as given */
	const char *weight;		/* --weight COL or NULL */
	const char *model;		/* --model FILE: score instead of fitting */
	const char *save;		/* --save-model FILE */
	const char *report_json;	/* --report-json FILE */
	double threshold;		/* --threshold: p_alive below it is churned / at risk */
	double penalty;			/* --penalty: L2 on the log-parameters (0: none) */
	int report;			/* --report: on stderr */
	int patterns;			/* --patterns: write the patterns instead */
	double new_customers;		/* --new-customer N: forecast a cohort of N; 0 = no */
	double intervals;		/* --intervals LEVEL: 0 = no intervals */
	/* --covariates, --covariates-purchase, --covariates-dropout as
	 * given (covar.h, sk_covspec_parse); NULL when not */
	const char *cov[3];
	/* --dropout-coefficients: "separate" (a and b each their own,
	 * FH 2007), "shared" (CLVTools) or NULL (separate) */
	const char *dropout_form;
};

#define SK_MODEL_OPTS_INIT { .type = "bgnbd", .horizon = "1y", .threshold = 0.5 }

/* sk_parse_args with the shared options added to own (a program's own
 * ids must stay below 1000). */
void sk_model_parse_args(struct sk_opts *o, struct sk_model_opts *m, int argc, char **argv,
			 const char *usage, const struct sk_opt *own, sk_opt_fn fn, void *ctx);

/* The transaction model asked for: loaded from --model FILE into mf (the
 * caller checks that the file holds what it needs; call it after reading
 * the records, whose unit the file must share: sk_modelfile_load_for),
 * else found by --model-type; NULL for auto.  An unknown name exits 64. */
const struct sk_tmodel *sk_model_opts_model(const struct sk_model_opts *m,
					    struct sk_opts *o, struct sk_modelfile *mf);

/* --horizon in the unit of the data (in opportunities for a discrete
 * model, where the default 1y means one); exits 64 when it does not
 * parse.  With lifetime set, "lifetime" is accepted and returns -1. */
double sk_model_opts_horizon(const struct sk_model_opts *m, const struct sk_opts *o,
			     const struct sk_tmodel *tm, int lifetime);

/* Fit tm (or choose one by BIC when tm is NULL) to the patterns into
 * mf->tm and mf->tfit, stamp the unit, and write --save-model when
 * given (with whatever else mf holds); exits 65 when the fit fails. */
void sk_model_opts_fit(const struct sk_model_opts *m, const struct sk_opts *o,
		       const struct sk_tmodel *tm, const struct sk_rfm *pat, size_t npat,
		       struct sk_modelfile *mf);

#endif
