/* churn: probability alive, expected purchases and a churn flag per
 * customer from a buy-till-you-die model fitted by maximum likelihood. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"

static const char usage[] =
	"Usage: churn [OPTIONS] [FILE...]\n"
	"Fit a buy-till-you-die model to customer records (or a transaction log,\n"
	"summarized first) and append p_alive, expected_purchases, churned and\n"
	"p_return.\n"
	"\n"
	"  --model-type M       bgnbd (default), pnbd, mbgnbd, bgbb, or auto\n"
	"                       (fit bgnbd, pnbd, mbgnbd; keep the best held-out\n"
	"                       log-likelihood in the backtest, else the lowest BIC)\n"
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
	"  --model FILE         score with a saved model instead of fitting\n"
	"  --save-model FILE    write the fitted model as JSON\n"
	"  --report             parameters, standard errors, fit and rates on stderr\n"
	"  --report-json FILE   the same as JSON\n"
	"  --evaluate           calibration/holdout table (needs holdout_frequency;\n"
	"                       predictions over --horizon) on stderr\n"
	"  --patterns           write the distinct (frequency, recency, T) patterns\n"
	"                       with their weight instead, for a fit over shards\n";

enum { O_TYPE = 1, O_HORIZON, O_THRESHOLD, O_WEIGHT, O_MODEL, O_SAVE, O_REPORT,
       O_REPORT_JSON, O_EVALUATE, O_PATTERNS, O_RULE, O_BACKTEST, O_NOLEARN };

static const struct sk_opt own[] = {
	{ "model-type", 1, 0, O_TYPE },
	{ "horizon", 1, 0, O_HORIZON },
	{ "threshold", 1, 0, O_THRESHOLD },
	{ "weight", 1, 0, O_WEIGHT },
	{ "model", 1, 0, O_MODEL },
	{ "save-model", 1, 0, O_SAVE },
	{ "report", 0, 0, O_REPORT },
	{ "report-json", 1, 0, O_REPORT_JSON },
	{ "patterns", 0, 0, O_PATTERNS },
	{ "evaluate", 0, 0, O_EVALUATE },
	{ "churn-rule", 1, 0, O_RULE },
	{ "backtest", 1, 0, O_BACKTEST },
	{ "no-learn", 0, 0, O_NOLEARN },
	{ NULL, 0, 0, 0 },
};

struct churn_opts {
	const char *type, *horizon, *weight, *model, *save, *report_json, *backtest;
	double threshold;
	int report, evaluate, patterns;
	int rule_alive;		/* --churn-rule p_alive */
	int no_learn;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct churn_opts *c = ctx;
	switch (id) {
	case O_TYPE: c->type = arg; break;
	case O_HORIZON: c->horizon = arg; break;
	case O_THRESHOLD: c->threshold = sk_opt_num("threshold", arg, 0, 1); break;
	case O_WEIGHT: c->weight = arg; break;
	case O_MODEL: c->model = arg; break;
	case O_SAVE: c->save = arg; break;
	case O_REPORT: c->report = 1; break;
	case O_REPORT_JSON: c->report_json = arg; break;
	case O_PATTERNS: c->patterns = 1; break;
	case O_EVALUATE: c->evaluate = 1; break;
	case O_BACKTEST: c->backtest = arg; break;
	case O_NOLEARN: c->no_learn = 1; break;
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
	double threshold;
	int rule_alive;
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
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct churn_opts c = { .type = "bgnbd", .horizon = "1y", .threshold = 0.5,
				.backtest = "auto" };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);
	/* On a transaction log the summary writes the backtest columns. */
	if (!c.no_learn)
		sk_opt_backtest(&o, c.backtest);

	const struct sk_tmodel *tm = NULL;
	struct sk_modelfile mf = { 0 };
	if (c.model) {
		sk_modelfile_load(c.model, o.unit_name, &mf);
		if (!mf.tm)
			sk_die(SK_EX_USAGE, "%s: holds no transaction model", c.model);
		tm = mf.tm;
	} else if (strcmp(c.type, "auto") != 0 && !(tm = sk_tmodel_find(c.type)))
		sk_die(SK_EX_USAGE, "--model-type: \"%s\" is not bgnbd, pnbd, mbgnbd, bgbb "
		       "or auto", c.type);
	double horizon = tm && tm->discrete ? sk_opt_num("horizon", c.horizon, 0, 1e6) :
		sk_opt_duration(&o, "horizon", c.horizon) / o.unit_days;
	if (tm && tm->discrete && strcmp(c.horizon, "1y") == 0)
		horizon = 1;

	struct sk_table *t = sk_customers_read(&o);
	struct sk_custdata d;
	sk_custdata_read(t, c.weight, tm && tm->discrete, 0, &d);
	if (c.patterns) {
		sk_patterns_write(&o, t, &d, tm && tm->discrete, 0);
		sk_custdata_free(&d);
		sk_table_free(t);
		return 0;
	}

	struct sk_backtest bt;
	int have_bt = !(tm && tm->discrete) && sk_backtest_read(t, &d, &bt);
	if (!have_bt && !c.no_learn && !(tm && tm->discrete) && !c.patterns)
		sk_warn("no backtest columns (summarize --backtest): p_return and "
			"expected_purchases are the model's");
	if (!c.model) {
		size_t npat;
		const struct sk_rfm *pat = sk_custdata_patterns(&d, &npat);
		if (tm)
			sk_tmodel_fit_or_die(tm, pat, npat, &mf.tfit);
		else if (have_bt)
			tm = sk_tmodel_auto_backtest(&bt, pat, npat, &mf.tfit);
		else
			tm = sk_tmodel_auto(pat, npat, &mf.tfit);
		mf.tm = tm;
		snprintf(mf.unit, sizeof mf.unit, "%s", o.unit_name);
		if (c.save)
			sk_modelfile_save(c.save, &mf);
	}

	struct sk_pred p;
	sk_predict(tm, mf.tfit.par, &d, horizon, &p);
	sk_custdata_drop_patterns(&d);
	if (have_bt) {
		if (!c.no_learn)
			sk_layer_apply(tm, &bt, &d, &p, c.report ? stderr : NULL);
		sk_backtest_free(&bt);
	}

	static const char *const cols[] = { "p_alive", "expected_purchases", "churned",
					    "p_return" };
	struct sk_emit *e = sk_emit_open(&o, t, 4, cols);
	struct fill_ctx fc = { &d, &p, c.threshold, c.rule_alive };
	sk_emit_rows(e, t->nrow, NULL, fill, &fc);
	sk_emit_close(e);

	if (c.report || c.report_json)
		sk_fit_report(c.report ? stderr : NULL, c.report_json, tm, &mf.tfit, &d, &p,
			      c.threshold, c.rule_alive, o.unit_name);
	if (c.evaluate)
		sk_evaluate(stderr, t, &d, &p, horizon, tm->discrete ? "period" : o.unit_name);
	sk_pred_free(&p);
	sk_custdata_free(&d);
	sk_table_free(t);
	return 0;
}
