/* clv: customer lifetime value = margin x expected spend per transaction
 * (Gamma-Gamma) x discounted expected transactions (a BTYD model). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "siklus.h"

static const char usage[] =
	"Usage: clv [OPTIONS] [FILE...]\n"
	"Fit Gamma-Gamma spend and a transaction model to customer records (or a\n"
	"transaction log, summarized first) and append expected_spend, clv and\n"
	"value_tier (top1, top20, rest).\n"
	"\n"
	"  --model-type M       bgnbd, pnbd, mbgnbd, bgbb, ggomnbd, bgcnbd, mbgcnbd or auto\n"
	"                       (default bgnbd; mbgnbd with the learned layer)\n"
	"  --horizon D          value over D: 90d, 39w, 6m, 1y, 3y, a number in --unit\n"
	"                       (periods for bgbb), or lifetime (pnbd, bgbb,\n"
	"                       ggomnbd); default 1y\n"
	"  --discount-rate R    annual discount rate, continuous compounding (0.1);\n"
	"                       per period for bgbb\n"
	"  --margin M           profit margin as a fraction of spend (default 1)\n"
	"  --threshold P        value at risk counts customers with p_alive below P (0.5)\n"
	"  --weight COL         customers per row (aggregated data)\n"
	"  --penalty L          L2 penalty on the log-parameters (as lifetimes'\n"
	"                       penalizer_coef, per customer); 0.001-0.01 for a fit\n"
	"                       that runs to the no-dropout boundary\n"
	"  --model FILE         score with saved models instead of fitting\n"
	"  --save-model FILE    write both fitted models as JSON\n"
	"  --report             total value, top-20 % share, value at risk on stderr\n"
	"  --report-json FILE   the same as JSON\n"
	"  --intervals LEVEL    append expected_spend_lo/_hi and clv_lo/_hi: central\n"
	"                       LEVEL (0.9) intervals from parameter uncertainty\n"
	"  --evaluate           calibration/holdout table of spend (needs\n"
	"                       holdout_spend; predictions over --horizon) on stderr\n"
	"  --no-learn           discounted transactions straight from the model, not\n"
	"                       scaled by the layer learned on the backtest columns\n"
	"                       (summarize --backtest), as churn's expected_purchases,\n"
	"                       and expected_spend Gamma-Gamma's\n"
	"  --no-learn-spend     expected_spend Gamma-Gamma's, not learned on the\n"
	"                       backtest's spend as of the cut; the transactions\n"
	"                       still by the layer\n"
	"  --new-customer N     expected value of a customer acquired today and of a\n"
	"                       cohort of N over --horizon, on stderr (with\n"
	"                       covariates: the mean over the customers' vectors)\n"
	"  --patterns           write the distinct (frequency, recency, T,\n"
	"                       monetary_value) patterns with their weight instead\n"
	"                       (with covariates: and their columns)\n"
	"  --covariates COLS    numeric columns (comma-separated) that shift both the\n"
	"                       purchase and the dropout process of each customer\n"
	"                       (pnbd, bgnbd, or auto between them; see churn(1))\n"
	SK_MODEL_COV_HELP;

/* The model options (--model-type, --horizon, --threshold, --weight,
 * --model, --save-model, --report, --report-json, --patterns) are shared
 * with churn: struct sk_model_opts. */
enum { O_RATE = 1, O_MARGIN, O_EVALUATE, O_NOLEARN, O_NOLEARN_SPEND };

static const struct sk_opt own[] = {
	{ "discount-rate", 1, 0, O_RATE },
	{ "margin", 1, 0, O_MARGIN },
	{ "evaluate", 0, 0, O_EVALUATE },
	{ "no-learn", 0, 0, O_NOLEARN },
	{ "no-learn-spend", 0, 0, O_NOLEARN_SPEND },
	{ NULL, 0, 0, 0 },
};

struct clv_opts {
	double rate, margin;
	int evaluate, no_learn, no_learn_spend;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct clv_opts *c = ctx;
	switch (id) {
	case O_RATE: c->rate = sk_opt_fraction("discount-rate", arg); break;
	case O_MARGIN: c->margin = sk_opt_fraction("margin", arg); break;
	case O_EVALUATE: c->evaluate = 1; break;
	case O_NOLEARN: c->no_learn = 1; break;
	case O_NOLEARN_SPEND: c->no_learn_spend = 1; break;
	}
}

struct fill_ctx {
	const unsigned char *valid;
	const double *spend, *clv;
	const unsigned char *tier;
	double *const *iv;	/* with --intervals: the four bounds */
};

/* The appended columns of customer i; prospects stay empty. */
static void fill(struct sk_emit *row, size_t i, void *ctx)
{
	const struct fill_ctx *f = ctx;
	if (!f->valid[i])
		return;
	sk_emit_num(row, 0, f->spend[i], 4);
	sk_emit_num(row, 1, f->clv[i], 4);
	sk_emit_str(row, 2, sk_value_tier_name(f->tier[i]));
	for (int c = 0; f->iv && c < 4; c++)
		sk_emit_num(row, 3 + c, f->iv[c][i], 4);
}

/* The records of summarize --backtest teach churn's learned layer how
 * far the model's forecast over the horizon is off for a customer like
 * this one (backtest.h); clv learns the same layer for its own model and
 * horizon and scales the discounted expected transactions by it:
 * DET x E_layer(H) / E_model(H).  The count over the horizon is the
 * layer's, the spread of the purchases inside it (and so the discount)
 * the model's, and clv stays an expected discounted value (Fader,
 * Hardie & Lee 2005, JMR 42(4), eq. 1, with the layer's E[X]).  On the
 * three real data sets this ranks holdout spend better than the model
 * alone (README, Accuracy).  p then holds the layer's predictions, which
 * --evaluate compares with the holdout.  With the spend as of the cut
 * in the records, the expected spend per transaction is learned too
 * (crm/valuelayer.c). */
static double *gg_spend(const struct sk_custdata *d, const double *gg)
{
	double *spend = sk_xcalloc(d->n ? d->n : 1, sizeof *spend);
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i])
			spend[i] = sk_value_spend(gg, d, i);
	return spend;
}

/* The layer, then Gamma-Gamma's spend made after its memory is free, and
 * learned unless --no-learn-spend; NULL without backtest columns. */
static double *learned_layer(const struct sk_table *t, const struct sk_tmodel *tm,
			     const struct sk_fit *fit, struct sk_custdata *d, struct sk_pred *p,
			     double *det, const double *gg, int learn_spend, FILE *report)
{
	struct sk_backtest bt;
	if (!sk_backtest_read(t, d, &bt))
		return NULL;
	if (d->cov)	/* refitted with them on the cut (backtest.h) */
		sk_cov_backtest(&bt, d);
	double *e_model = sk_xmalloc((d->n ? d->n : 1) * sizeof *e_model);
	memcpy(e_model, p->expected, d->n * sizeof *e_model);
	if (sk_layer_apply(tm, fit, &bt, d, p, report) == 0)
		for (size_t i = 0; i < d->n; i++)
			if (d->valid[i] && e_model[i] > 0 && isfinite(p->expected[i]))
				det[i] *= p->expected[i] / e_model[i];
	free(e_model);
	/* The spend per transaction learned the same way, when the records
	 * carry the spend as of the cut (crm/valuelayer.h). */
	double *spend = gg_spend(d, gg);
	if (learn_spend)
		sk_value_learn_spend(&bt, d, spend, report);
	sk_backtest_free(&bt);
	return spend;
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct sk_model_opts mo = SK_MODEL_OPTS_INIT;
	struct clv_opts c = { .rate = 0.1, .margin = 1 };
	static const char default_type[] = "bgnbd";
	mo.type = default_type;	/* to tell the default from --model-type bgnbd */
	sk_model_parse_args(&o, &mo, argc, argv, usage, own, on_opt, &c);
	/* Covariates (model/covar.h): each customer's discounted
	 * transactions with her own parameters. */
	struct sk_covspec cs;
	int cov = sk_covspec_parse(&cs, mo.cov[0], mo.cov[1], mo.cov[2], mo.dropout_form);
	if (cov)
		sk_cov_check_opts(&mo, 1);

	struct sk_modelfile mf = { 0 };
	/* Usage errors first: the model type and the horizon as written. */
	const struct sk_tmodel *tm = mo.model ? NULL : sk_model_opts_model(&mo, &o, &mf);
	if (cov)
		sk_cov_check_model(tm, mo.type != default_type);
	int lifetime = strcmp(mo.horizon, "lifetime") == 0;
	if (lifetime && (c.evaluate || mo.new_customers > 0))
		sk_die(SK_EX_USAGE, "--evaluate and --new-customer need a finite --horizon");
	sk_model_opts_horizon(&mo, &o, tm, 1);

	/* The records tell their unit; the model file and the horizon follow it. */
	struct sk_table *t = sk_customers_read(&o);
	if (mo.model) {
		tm = sk_model_opts_model(&mo, &o, &mf);
		if (!tm || !mf.has_spend)
			sk_die(SK_EX_USAGE, "%s: clv needs a file saved by clv --save-model "
			       "(a transaction and a spend model)", mo.model);
	}
	/* With the learned layer the default model is churn's, MBG/NBD: with
	 * BG/NBD, which lets no one-time buyer leave, the layer ranked Online
	 * Retail's holdout spend worse than the model alone (Spearman 0.506
	 * against 0.539; MBG/NBD 0.548), with MBG/NBD better on all three
	 * data sets (README, Accuracy). */
	if (mo.type == default_type && !mo.model && !cov && !c.no_learn && !lifetime &&
	    sk_table_col(t, "backtest_frequency") >= 0)
		tm = sk_tmodel_find("mbgnbd");
	double horizon = sk_model_opts_horizon(&mo, &o, tm, 1);
	struct sk_custdata d;
	sk_custdata_read(t, mo.weight, tm && tm->discrete, 1, &d);
	struct sk_covdata cd = { 0 };
	if (mf.cov.kp + mf.cov.kd > 0) {	/* a model file with covariates */
		sk_cov_check_opts(&mo, 0);
		cov = 1;
		cs = mf.cov;
	}
	if (cov)
		sk_covdata_read(t, &cs, &d, &cd);
	cd.test_shared = mo.report || mo.report_json;	/* fit the shared form too */
	if (mo.patterns) {	/* with covariates, their columns too */
		sk_patterns_write(&o, t, &d, tm && tm->discrete, 1);
		sk_custdata_free(&d);
		sk_covdata_free(&cd);
		sk_table_free(t);
		return 0;
	}
	/* From here clv reads each row's own record only for the learned
	 * layer (backtest.h); without it the rows fold into their patterns
	 * (score.h: rows and patterns at once were most of clv's memory). */
	int layer = !c.no_learn && !lifetime;
	if (!layer || sk_table_col(t, "backtest_frequency") < 0)
		sk_custdata_fold(&d);

	if (!mo.model) {
		sk_value_fit(&d, tm, mo.penalty, o.unit_name, &mf);
		tm = mf.tm;
		mf.has_value = 1;	/* so that report can say what clv is over */
		snprintf(mf.value_horizon, sizeof mf.value_horizon, "%s", mo.horizon);
		mf.value_rate = c.rate;
		mf.value_margin = c.margin;
		if (mo.save)
			sk_modelfile_save(mo.save, &mf);
	}
	if (lifetime && !tm->dert)
		sk_die(SK_EX_USAGE, "--horizon lifetime needs a model with DERT (pnbd, bgbb or "
		       "ggomnbd); give a finite horizon such as 5y for %s", tm->name);

	/* p_alive counts the value at risk (from the discounting when it
	 * multiplies by it); the expected transactions are the learned
	 * layer's and --evaluate's. */
	struct sk_pred p = { 0 };
	layer = layer && !tm->discrete;
	int predict = layer || c.evaluate;
	double *det = sk_value_det_alive(tm, mf.tfit.par, &d, horizon, c.rate, o.unit_days,
					 predict ? NULL : &p.p_alive);
	if (predict)
		sk_predict(tm, mf.tfit.par, &d, horizon > 0 ? horizon : 1, &p);
	double *spend = NULL;
	if (layer)
		spend = learned_layer(t, tm, &mf.tfit, &d, &p, det, mf.sfit.par, !c.no_learn_spend,
				      mo.report ? stderr : NULL);
	/* clv replaces the discounted transactions in place, and the
	 * predictions go before the tiers are ranked: memory per customer
	 * is what bounds a run over ten million. */
	double *clv = det;
	if (!spend)
		spend = gg_spend(&d, mf.sfit.par);
	double total = 0, at_risk = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (!d.valid[i]) {
			clv[i] = 0;
			continue;
		}
		double v = c.margin * spend[i] * det[i];
		if (!isfinite(v))
			sk_table_die(t, i, "clv overflows (margin %g x expected spend %g x "
				     "discounted transactions %g); check monetary_value and "
				     "--margin", c.margin, spend[i], det[i]);
		clv[i] = v;
		total += sk_custdata_w(&d, i) * clv[i];
		if (p.p_alive[i] < mo.threshold)
			at_risk += sk_custdata_w(&d, i) * clv[i];
	}
	double *iv[4] = { NULL };
	if (mo.intervals > 0) {
		for (int k = 0; k < 4; k++)
			iv[k] = sk_xcalloc(d.n ? d.n : 1, sizeof *iv[k]);
		sk_value_intervals(tm, &mf.tfit, &mf.sfit, &d, horizon, c.rate, o.unit_days,
				   spend, clv, mo.intervals, iv);
	}
	/* The tiers and the output need no patterns; the new customer with
	 * covariates weighs the covariate vectors by them. */
	if (!(mo.new_customers > 0 && cov))
		sk_custdata_drop_patterns(&d);
	const char *unit = tm->discrete ? "period" : o.unit_name;
	if (c.evaluate)
		/* Predicted holdout spend = E[spend per transaction] x
		 * E[transactions] (Fader, Hardie & Lee 2005, JMR 42(4), eq. 1,
		 * undiscounted, margin 1). */
		sk_holdout_compare(stderr, t, &d, "holdout_spend", p.expected, spend, horizon,
				   unit);
	sk_pred_free(&p);
	unsigned char *tier = sk_value_tiers(clv, d.valid, d.n);

	static const char *const cols[] = { "expected_spend", "clv", "value_tier",
					    "expected_spend_lo", "expected_spend_hi", "clv_lo",
					    "clv_hi" };
	double top20 = 0;
	for (size_t i = 0; i < d.n; i++)
		if (d.valid[i] && tier[i] != SK_TIER_REST)
			top20 += sk_custdata_w(&d, i) * clv[i];
	struct sk_emit *e = sk_emit_open(&o, t, mo.intervals > 0 ? 7 : 3, cols);
	struct fill_ctx fc = { d.valid, spend, clv, tier, mo.intervals > 0 ? iv : NULL };
	sk_emit_rows(e, t->nrow, NULL, fill, &fc);
	sk_emit_close(e);

	if (mo.report || mo.report_json) {
		FILE *f = mo.report ? stderr : NULL;
		char ridge[400] = "";
		if (mf.spend_ridge)
			sk_gg_ridge_what(&mf.sfit, ridge, sizeof ridge);
		if (f) {
			fprintf(f, "transaction model: %s; spend model: Gamma-Gamma p %.4g q %.4g "
				"gamma %.4g\n", tm->title, mf.sfit.par[0], mf.sfit.par[1],
				mf.sfit.par[2]);
			if (d.cov) {
				struct sk_nested nt = { 0 };
				sk_cov_report(f, NULL, tm, &mf.tfit, d.cov);
				sk_cov_nested(&nt, tm, &mf.tfit, d.cov);
				sk_nested_print(f, &nt);
			}
			fprintf(f, "horizon: %s; discount rate %g; margin %g\n", mo.horizon, c.rate,
				c.margin);
			fprintf(f, "total value: %.2f\n", total);
			fprintf(f, "top-20%% share: %.4f\n", total > 0 ? top20 / total : 0);
			fprintf(f, "value at risk (p_alive < %g): %.2f\n", mo.threshold, at_risk);
			if (mf.spend_ridge)
				fprintf(f, "diagnosis: %s\n", ridge);
		}
		if (mo.report_json) {
			json_t *j = json_object();
			json_object_set_new(j, "model", json_string(tm->name));
			json_object_set_new(j, "total_value", json_real(total));
			json_object_set_new(j, "top20_share", json_real(total > 0 ? top20 / total : 0));
			json_object_set_new(j, "value_at_risk", json_real(at_risk));
			json_object_set_new(j, "threshold", json_real(mo.threshold));
			json_object_set_new(j, "spend_identified", json_boolean(!mf.spend_ridge));
			json_t *dg = json_array();
			if (mf.spend_ridge)
				json_array_append_new(dg, json_string(ridge));
			json_object_set_new(j, "spend_diagnosis", dg);
			sk_atomic_json(mo.report_json, j, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
			json_decref(j);
		}
	}
	if (mo.new_customers > 0)
		sk_new_customer(stderr, tm, mf.tfit.par, &d, mf.sfit.par, horizon, c.rate, c.margin,
				o.unit_days, unit, mo.new_customers);
	for (int k = 0; k < 4; k++)
		free(iv[k]);
	free(clv);
	free(spend);
	free(tier);
	sk_custdata_free(&d);
	sk_covdata_free(&cd);
	sk_table_free(t);
	return 0;
}
