/* churn: probability alive, expected purchases and a churn flag per
 * customer from a buy-till-you-die model fitted by maximum likelihood. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"
#include "crm/value.h"

static const char usage[] =
	"Usage: churn [OPTIONS] [FILE...]\n"
	"Fit a buy-till-you-die model to customer records (or a transaction log,\n"
	"summarized first) and append p_alive, expected_purchases and churned.\n"
	"\n"
	"  --model-type M       bgnbd (default), pnbd, mbgnbd, bgbb, or auto\n"
	"                       (fit bgnbd, pnbd, mbgnbd; keep the lowest BIC)\n"
	"  --horizon D          expected purchases over D: 90d, 39w, 6m, 1y, or a\n"
	"                       number in --unit (opportunities for bgbb); default 1y\n"
	"  --threshold P        churned = p_alive below P (default 0.5)\n"
	"  --weight COL         customers per row (aggregated data)\n"
	"  --model FILE         score with a saved model instead of fitting\n"
	"  --save-model FILE    write the fitted model as JSON\n"
	"  --report             parameters, standard errors, fit and rates on stderr\n"
	"  --report-json FILE   the same as JSON\n"
	"  --evaluate           calibration/holdout table (needs holdout_frequency;\n"
	"                       predictions over --horizon) on stderr\n"
	"  --dert RATE          append dert, discounted expected residual\n"
	"                       transactions at annual discount RATE (per period\n"
	"                       for bgbb); pnbd and bgbb only\n"
	"  --pmf K              append pmf_0..pmf_K, P(k purchases over --horizon)\n"
	"  --patterns           write the distinct (frequency, recency, T) patterns\n"
	"                       with their weight instead, for a fit over shards\n";

enum { O_TYPE = 1, O_HORIZON, O_THRESHOLD, O_WEIGHT, O_MODEL, O_SAVE, O_REPORT,
       O_REPORT_JSON, O_EVALUATE, O_PATTERNS, O_DERT, O_PMF };

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
	{ "dert", 1, 0, O_DERT },
	{ "pmf", 1, 0, O_PMF },
	{ NULL, 0, 0, 0 },
};

struct churn_opts {
	const char *type, *horizon, *weight, *model, *save, *report_json;
	double threshold, dert;
	int report, evaluate, patterns, has_dert, pmf;
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
	case O_DERT: c->dert = sk_opt_num("dert", arg, 0, 10); c->has_dert = 1; break;
	case O_PMF: {
		double k = sk_opt_num("pmf", arg, 0, 50);
		if (k != floor(k))
			sk_die(SK_EX_USAGE, "--pmf: \"%s\" is not a whole number", arg);
		c->pmf = (int)k;
		break;
	}
	}
}

struct fill_ctx {
	const struct sk_custdata *d;
	const struct sk_pred *p;
	double threshold;
	const struct sk_pred_extra *x;
};

/* The appended columns of customer i; prospects stay empty. */
static void fill(struct sk_emit *row, size_t i, void *ctx)
{
	const struct fill_ctx *f = ctx;
	if (!f->d->valid[i])
		return;
	sk_emit_num(row, 0, f->p->p_alive[i], 6);
	sk_emit_num(row, 1, f->p->expected[i], 6);
	sk_emit_num(row, 2, f->p->p_alive[i] < f->threshold, 0);
	sk_pred_extra_fill(f->x, f->d, row, i);
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct churn_opts c = { .type = "bgnbd", .horizon = "1y", .threshold = 0.5, .pmf = -1 };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);

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

	if (!c.model) {
		size_t npat;
		const struct sk_rfm *pat = sk_custdata_patterns(&d, &npat);
		if (tm)
			sk_tmodel_fit_or_die(tm, pat, npat, &mf.tfit);
		else
			tm = sk_tmodel_auto(pat, npat, &mf.tfit);
		mf.tm = tm;
		snprintf(mf.unit, sizeof mf.unit, "%s", o.unit_name);
		if (c.save)
			sk_modelfile_save(c.save, &mf);
	}

	struct sk_pred p;
	sk_predict(tm, mf.tfit.par, &d, horizon, &p);
	static const char *const cols[] = { "p_alive", "expected_purchases", "churned" };
	struct sk_pred_extra x;
	sk_pred_extra_make(&x, tm, mf.tfit.par, &d, horizon, o.unit_days, c.has_dert, c.dert,
			   c.pmf, cols, 3);
	struct sk_emit *e = sk_emit_open(&o, t, 3 + x.ncol, (const char *const *)x.names);
	struct fill_ctx fc = { &d, &p, c.threshold, &x };
	sk_emit_rows(e, t->nrow, NULL, fill, &fc);
	sk_emit_close(e);
	sk_custdata_drop_patterns(&d);
	sk_pred_extra_free(&x);

	if (c.report || c.report_json)
		sk_fit_report(c.report ? stderr : NULL, c.report_json, tm, &mf.tfit, &d, &p,
			      c.threshold, o.unit_name);
	if (c.evaluate)
		sk_evaluate(stderr, t, &d, &p, horizon, tm->discrete ? "period" : o.unit_name);
	sk_pred_free(&p);
	sk_custdata_free(&d);
	sk_table_free(t);
	return 0;
}
