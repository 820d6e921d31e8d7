/* churn: probability alive, expected purchases and a churn flag per
 * customer from a buy-till-you-die model fitted by maximum likelihood. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"
#include "crm/value.h"
#include "model/median.h"

static const char usage[] =
	"Usage: churn [OPTIONS] [FILE...]\n"
	"Fit a buy-till-you-die model to customer records (or a transaction log,\n"
	"summarized first) and append p_alive, expected_purchases, churned and\n"
	"p_return.\n"
	"\n"
	"  --model-type M       mbgnbd, bgnbd, pnbd, bgbb, ggomnbd, bgcnbd, mbgcnbd or auto\n"
	"                       (default mbgnbd; bgcnbd, mbgcnbd: Erlang-k purchase\n"
	"                       timing, need litt; auto: fit bgnbd, pnbd, mbgnbd,\n"
	"                       ggomnbd, and the two CNBD models when litt is\n"
	"                       there; keep the best\n"
	"                       held-out log-likelihood in the backtest, else the\n"
	"                       lowest BIC)\n"
	"  --backtest D         on a transaction log, hold back the last D of the\n"
	"                       calibration (13w, 90d; default auto: a third of the\n"
	"                       span) to learn from (see summarize --backtest)\n"
	"  --no-learn           p_return and expected_purchases straight from the\n"
	"                       model, not corrected by the layer learned on the\n"
	"                       backtest\n"
	"  --horizon D          expected purchases over D: 90d, 39w, 6m, 1y, or a\n"
	"                       number in --unit (opportunities for bgbb); default 1y\n"
	"  --threshold P        churned = p_return below P (default 0.5)\n"
	"  --churn-rule R       p_return (default: no purchase within --horizon is\n"
	"                       likelier than one) or p_alive (the rule before 0.2)\n"
	"  --weight COL         customers per row (aggregated data)\n"
	"  --penalty L          L2 penalty on the log-parameters (as lifetimes'\n"
	"                       penalizer_coef, per customer); 0.001-0.01 for a fit\n"
	"                       that runs to the no-dropout boundary (with\n"
	"                       covariates: also their standardised coefficients)\n"
	"  --model FILE         score with a saved model instead of fitting\n"
	"  --save-model FILE    write the fitted model as JSON\n"
	"  --report             parameters, standard errors, fit and rates on stderr\n"
	"  --report-json FILE   the same as JSON\n"
	"  --evaluate           calibration/holdout table (needs holdout_frequency;\n"
	"                       predictions over --horizon) on stderr\n"
	"  --intervals LEVEL    append p_alive_lo/_hi and expected_purchases_lo/_hi:\n"
	"                       central LEVEL (0.9) intervals from parameter uncertainty\n"
	"  --new-customer N     expected repeat transactions over --horizon of a\n"
	"                       customer acquired today and of a cohort of N, on stderr\n"
	"                       (with covariates: the mean over the customers' vectors)\n"
	"  --tracking FILE      from a transaction log: actual and expected repeat\n"
	"                       transactions per period of the calibration and holdout\n"
	"                       windows and the calibration histogram, as JSON\n"
	"  --tracking-period D  the tracking periods: 1d, 1w (default), 1m ...\n"
	"  --dert RATE          append dert, discounted expected residual\n"
	"                       transactions at annual discount RATE (per period\n"
	"                       for bgbb); pnbd and bgbb only\n"
	"  --pmf K              append pmf_0..pmf_K, P(k purchases over --horizon)\n"
	"  --median             append median_purchases (the default): the median\n"
	"                       number of purchases over --horizon, the forecast for\n"
	"                       absolute error, where expected_purchases is the mean\n"
	"  --no-median          leave median_purchases out\n"
	"  --patterns           write the distinct (frequency, recency, T) patterns\n"
	"                       with their weight instead, for a fit over shards\n"
	"                       (with covariates: and their columns)\n"
	"  --covariates COLS    numeric columns (comma-separated) that shift both the\n"
	"                       purchase and the dropout process of each customer\n"
	"                       (pnbd, bgnbd, or auto between them); --report adds the\n"
	"                       coefficients and a likelihood-ratio test against the\n"
	"                       model without them\n"
	SK_MODEL_COV_HELP;

/* The model options (--model-type, --horizon, --threshold, --weight,
 * --model, --save-model, --report, --report-json, --patterns) are shared
 * with clv: struct sk_model_opts. */
enum { O_EVALUATE = 1, O_TRACKING, O_TRACKING_PERIOD, O_DERT, O_PMF, O_RULE, O_BACKTEST,
       O_NOLEARN, O_MEDIAN, O_NOMEDIAN };

static const struct sk_opt own[] = {
	{ "evaluate", 0, 0, O_EVALUATE },
	{ "tracking", 1, 0, O_TRACKING },
	{ "tracking-period", 1, 0, O_TRACKING_PERIOD },
	{ "dert", 1, 0, O_DERT },
	{ "pmf", 1, 0, O_PMF },
	{ "churn-rule", 1, 0, O_RULE },
	{ "backtest", 1, 0, O_BACKTEST },
	{ "no-learn", 0, 0, O_NOLEARN },
	{ "median", 0, 0, O_MEDIAN },
	{ "no-median", 0, 0, O_NOMEDIAN },
	{ NULL, 0, 0, 0 },
};

struct churn_opts {
	int evaluate;
	const char *tracking, *tracking_period;
	double dert;
	int has_dert, pmf;
	const char *backtest;
	int rule_alive;		/* --churn-rule p_alive */
	int no_learn;
	int median;		/* 1 unless --no-median */
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct churn_opts *c = ctx;
	switch (id) {
	case O_EVALUATE: c->evaluate = 1; break;
	case O_TRACKING: c->tracking = arg; break;
	case O_TRACKING_PERIOD: c->tracking_period = arg; break;
	case O_DERT: c->dert = sk_opt_num("dert", arg, 0, 10); c->has_dert = 1; break;
	case O_PMF: {
		double k = sk_opt_num("pmf", arg, 0, 50);
		if (k != floor(k))
			sk_die(SK_EX_USAGE, "--pmf: \"%s\" is not a whole number", arg);
		c->pmf = (int)k;
		break;
	}
	case O_BACKTEST: c->backtest = arg; break;
	case O_NOLEARN: c->no_learn = 1; break;
	case O_MEDIAN: c->median = 1; break;	/* the default; kept for scripts */
	case O_NOMEDIAN: c->median = 0; break;
	case O_RULE:
		if (strcmp(arg, "p_alive") != 0 && strcmp(arg, "p_return") != 0)
			sk_die(SK_EX_USAGE, "--churn-rule: \"%s\" is not p_return or p_alive", arg);
		c->rule_alive = strcmp(arg, "p_alive") == 0;
		break;
	}
}

struct fill_ctx {
	const struct sk_custdata *d;
	const struct sk_pred *p;
	const struct sk_pred_iv *iv;
	double threshold;
	const struct sk_pred_extra *x;
	int rule_alive;
	const double *median;	/* NULL without --median */
};

/* The appended columns of customer i; prospects stay empty. */
static void fill(struct sk_emit *row, size_t i, void *ctx)
{
	const struct fill_ctx *f = ctx;
	if (!f->d->valid[i])
		return;
	sk_emit_num(row, 0, f->p->p_alive[i], 6);
	sk_emit_num(row, 1, f->p->expected[i], 6);
	const double *score = f->rule_alive ? f->p->p_alive : f->p->p_return;
	sk_emit_num(row, 2, score[i] < f->threshold, 0);
	sk_emit_num(row, 3, f->p->p_return[i], 6);
	if (f->iv) {
		sk_emit_num(row, 4, f->iv->pa_lo[i], 6);
		sk_emit_num(row, 5, f->iv->pa_hi[i], 6);
		sk_emit_num(row, 6, f->iv->ex_lo[i], 6);
		sk_emit_num(row, 7, f->iv->ex_hi[i], 6);
	}
	if (f->median)
		sk_emit_num(row, f->iv ? 8 : 4, f->median[i], 0);
	sk_pred_extra_fill(f->x, f->d, row, i);
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct sk_model_opts mo = SK_MODEL_OPTS_INIT;
	/* MBG/NBD: with the learned layer it ranks and calibrates p_return best
	 * on the three real data sets (README, Accuracy); BG/NBD, which lets
	 * no one-time buyer leave, ranks Online Retail worst. */
	static const char default_type[] = "mbgnbd";
	mo.type = default_type;	/* to tell the default from --model-type mbgnbd */
	struct churn_opts c = { .tracking_period = "1w", .pmf = -1, .backtest = "auto", .median = 1 };
	sk_model_parse_args(&o, &mo, argc, argv, usage, own, on_opt, &c);
	/* Covariates (covar.h) come with their own fit and predictions; the
	 * backtest refits with them (auto, the learned layer). */
	struct sk_covspec cs;
	int cov = sk_covspec_parse(&cs, mo.cov[0], mo.cov[1], mo.cov[2], mo.dropout_form);
	if (cov)
		sk_cov_check_opts(&mo, 1);
	/* On a transaction log the summary writes the backtest columns. */
	if (!c.no_learn)
		sk_opt_backtest(&o, c.backtest);

	struct sk_modelfile mf = { 0 };
	/* Usage errors first: the model type and the horizon as written. */
	const struct sk_tmodel *tm = mo.model ? NULL : sk_model_opts_model(&mo, &o, &mf);
	if (cov)
		sk_cov_check_model(tm, mo.type != default_type);
	sk_model_opts_horizon(&mo, &o, tm, 0);

	long period_days = lround(sk_opt_duration(&o, "tracking-period", c.tracking_period));
	if (period_days < 1)
		sk_die(SK_EX_USAGE, "--tracking-period: \"%s\" is shorter than a day",
		       c.tracking_period);

	/* The records tell their unit; the model file and the horizon follow it. */
	struct sk_daycounts days;
	struct sk_table *t = sk_customers_read_days(&o, c.tracking ? &days : NULL);
	if (mo.model && !(tm = sk_model_opts_model(&mo, &o, &mf)))
		sk_die(SK_EX_USAGE, "%s: holds no transaction model", mo.model);
	double horizon = sk_model_opts_horizon(&mo, &o, tm, 0);
	struct sk_custdata d;
	sk_custdata_read(t, mo.weight, tm && tm->discrete, 0, &d);
	struct sk_covdata cd = { 0 };
	if (mf.cov.kp + mf.cov.kd > 0) {	/* a model file with covariates */
		sk_cov_check_opts(&mo, 0);
		cov = 1;
		cs = mf.cov;
	}
	if (cov)
		sk_covdata_read(t, &cs, &d, &cd);
	cd.test_shared = mo.report || mo.report_json;	/* fit the shared form too */
	if (mo.patterns) {
		/* with covariates, their columns too (covar.h) */
		sk_patterns_write(&o, t, &d, tm && tm->discrete, 0);
		sk_custdata_free(&d);
		sk_covdata_free(&cd);
		sk_table_free(t);
		return 0;
	}

	struct sk_backtest bt;
	int have_bt = !(tm && tm->discrete) && sk_backtest_read(t, &d, &bt);
	if (have_bt && cov)
		sk_cov_backtest(&bt, &d);
	if (!have_bt && !c.no_learn && !(tm && tm->discrete))
		sk_warn("no backtest columns (summarize --backtest): p_return and "
			"expected_purchases are the model's");
	if (!mo.model) {
		size_t npat;
		const struct sk_rfm *pat = sk_custdata_patterns(&d, &npat);
		if (cov) {
			if (tm)
				sk_cov_model_fit(tm, mo.penalty, o.unit_name, &d, &cd, &mf);
			else
				sk_cov_auto(have_bt ? &bt : NULL, mo.penalty, o.unit_name, &d, &cd,
					    &mf);
			if (mo.save)
				sk_modelfile_save(mo.save, &mf);
		} else if (!tm && have_bt) {
			/* auto with a backtest: the best held-out forecast */
			mf.tm = sk_tmodel_auto_backtest(&bt, mo.penalty, pat, npat, &mf.tfit);
			snprintf(mf.unit, sizeof mf.unit, "%s", o.unit_name);
			if (mo.save)
				sk_modelfile_save(mo.save, &mf);
		} else {
			sk_model_opts_fit(&mo, &o, tm, pat, npat, &mf);
		}
		tm = mf.tm;
	}

	struct sk_pred_iv iv = { 0 };
	if (mo.intervals > 0)
		sk_predict_intervals(tm, &mf.tfit, &d, horizon, mo.intervals, &iv);
	/* The predictions, and the layer learning on the backtest beside */
	struct sk_pred p;
	if (have_bt && !c.no_learn)
		sk_predict_layer(tm, &mf.tfit, &bt, &d, horizon, &p, mo.report ? stderr : NULL);
	else
		sk_predict(tm, mf.tfit.par, &d, horizon, &p);
	if (have_bt)
		sk_backtest_free(&bt);
	/* The median from p_return as it now is: the layer's, if it learned. */
	double *median = NULL;
	if (c.median) {
		median = sk_xmalloc((d.n ? d.n : 1) * sizeof *median);
		sk_predict_median(tm, mf.tfit.par, &d, horizon, p.p_return,
				  p.hurdle ? p.expected : NULL, median);
	}
	const char *cols[9] = { "p_alive", "expected_purchases", "churned", "p_return" };
	size_t ncols = 4;
	if (mo.intervals > 0) {
		cols[ncols++] = "p_alive_lo";
		cols[ncols++] = "p_alive_hi";
		cols[ncols++] = "expected_purchases_lo";
		cols[ncols++] = "expected_purchases_hi";
	}
	if (median)
		cols[ncols++] = "median_purchases";
	struct sk_pred_extra x;
	sk_pred_extra_make(&x, tm, mf.tfit.par, &d, p.p_alive, horizon, o.unit_days, c.has_dert,
			   c.dert, c.pmf, cols, ncols);
	/* The patterns' memory is the output's, unless the pmf columns,
	 * kept per pattern, still need them. */
	if (!x.pmf)
		sk_custdata_drop_patterns(&d);
	struct sk_emit *e = sk_emit_open(&o, t, x.nbase + x.ncol, (const char *const *)x.names);
	struct fill_ctx fc = { &d, &p, mo.intervals > 0 ? &iv : NULL, mo.threshold, &x,
			       c.rule_alive, median };
	sk_emit_rows(e, t->nrow, NULL, fill, &fc);
	sk_emit_close(e);
	sk_custdata_drop_patterns(&d);
	sk_pred_extra_free(&x);

	if (mo.report || mo.report_json)
		sk_fit_report(mo.report ? stderr : NULL, mo.report_json, tm, &mf.tfit, &d, &p,
			      mo.threshold, c.rule_alive, o.unit_name);
	if (c.evaluate)
		sk_evaluate(stderr, t, &d, &p, median, horizon,
			    tm->discrete ? "period" : o.unit_name);
	const char *unit = tm->discrete ? "period" : o.unit_name;
	if (mo.new_customers > 0)
		sk_new_customer(stderr, tm, mf.tfit.par, &d, NULL, horizon, 0, 1, o.unit_days, unit,
				mo.new_customers);
	if (c.tracking) {
		sk_tracking_write(c.tracking, tm, mf.tfit.par, &days, &d, o.unit_days,
				  period_days, o.unit_name);
		sk_daycounts_free(&days);
	}
	free(median);
	sk_pred_iv_free(&iv);
	sk_pred_free(&p);
	sk_custdata_free(&d);
	sk_covdata_free(&cd);
	sk_table_free(t);
	return 0;
}
