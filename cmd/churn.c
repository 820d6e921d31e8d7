/* churn: probability alive, expected purchases and a churn flag per
 * customer from a buy-till-you-die model fitted by maximum likelihood. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"

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
	"  --penalty L          L2 penalty on the log-parameters (as lifetimes'\n"
	"                       penalizer_coef, per customer); 0.001-0.01 for a fit\n"
	"                       that runs to the no-dropout boundary\n"
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
	"  --tracking FILE      from a transaction log: actual and expected repeat\n"
	"                       transactions per period of the calibration and holdout\n"
	"                       windows and the calibration histogram, as JSON\n"
	"  --tracking-period D  the tracking periods: 1d, 1w (default), 1m ...\n"
	"  --patterns           write the distinct (frequency, recency, T) patterns\n"
	"                       with their weight instead, for a fit over shards\n";

/* The model options (--model-type, --horizon, --threshold, --weight,
 * --model, --save-model, --report, --report-json, --patterns) are shared
 * with clv: struct sk_model_opts. */
enum { O_EVALUATE = 1, O_TRACKING, O_TRACKING_PERIOD };

static const struct sk_opt own[] = {
	{ "evaluate", 0, 0, O_EVALUATE },
	{ "tracking", 1, 0, O_TRACKING },
	{ "tracking-period", 1, 0, O_TRACKING_PERIOD },
	{ NULL, 0, 0, 0 },
};

struct churn_opts {
	int evaluate;
	const char *tracking, *tracking_period;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct churn_opts *c = ctx;
	switch (id) {
	case O_EVALUATE: c->evaluate = 1; break;
	case O_TRACKING: c->tracking = arg; break;
	case O_TRACKING_PERIOD: c->tracking_period = arg; break;
	}
}

struct fill_ctx {
	const struct sk_custdata *d;
	const struct sk_pred *p;
	const struct sk_pred_iv *iv;
	double threshold;
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
	if (f->iv) {
		sk_emit_num(row, 3, f->iv->pa_lo[i], 6);
		sk_emit_num(row, 4, f->iv->pa_hi[i], 6);
		sk_emit_num(row, 5, f->iv->ex_lo[i], 6);
		sk_emit_num(row, 6, f->iv->ex_hi[i], 6);
	}
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct sk_model_opts mo = SK_MODEL_OPTS_INIT;
	struct churn_opts c = { .tracking_period = "1w" };
	sk_model_parse_args(&o, &mo, argc, argv, usage, own, on_opt, &c);

	struct sk_modelfile mf = { 0 };
	const struct sk_tmodel *tm = sk_model_opts_model(&mo, &o, &mf);
	if (mo.model && !tm)
		sk_die(SK_EX_USAGE, "%s: holds no transaction model", mo.model);
	double horizon = sk_model_opts_horizon(&mo, &o, tm, 0);

	long period_days = lround(sk_opt_duration(&o, "tracking-period", c.tracking_period));
	if (period_days < 1)
		sk_die(SK_EX_USAGE, "--tracking-period: \"%s\" is shorter than a day",
		       c.tracking_period);
	struct sk_daycounts days;
	struct sk_table *t = sk_customers_read_days(&o, c.tracking ? &days : NULL);
	struct sk_custdata d;
	sk_custdata_read(t, mo.weight, tm && tm->discrete, 0, &d);
	if (mo.patterns) {
		sk_patterns_write(&o, t, &d, tm && tm->discrete, 0);
		sk_custdata_free(&d);
		sk_table_free(t);
		return 0;
	}

	if (!mo.model) {
		size_t npat;
		const struct sk_rfm *pat = sk_custdata_patterns(&d, &npat);
		sk_model_opts_fit(&mo, &o, tm, pat, npat, &mf);
		tm = mf.tm;
	}

	struct sk_pred p;
	sk_predict(tm, mf.tfit.par, &d, horizon, &p);
	struct sk_pred_iv iv = { 0 };
	if (mo.intervals > 0)
		sk_predict_intervals(tm, &mf.tfit, &d, horizon, mo.intervals, &iv);
	sk_custdata_drop_patterns(&d);

	static const char *const cols[] = { "p_alive", "expected_purchases", "churned",
					    "p_alive_lo", "p_alive_hi", "expected_purchases_lo",
					    "expected_purchases_hi" };
	struct sk_emit *e = sk_emit_open(&o, t, mo.intervals > 0 ? 7 : 3, cols);
	struct fill_ctx fc = { &d, &p, mo.intervals > 0 ? &iv : NULL, mo.threshold };
	sk_emit_rows(e, t->nrow, NULL, fill, &fc);
	sk_emit_close(e);

	if (mo.report || mo.report_json)
		sk_fit_report(mo.report ? stderr : NULL, mo.report_json, tm, &mf.tfit, &d, &p,
			      mo.threshold, o.unit_name);
	if (c.evaluate)
		sk_evaluate(stderr, t, &d, &p, horizon, tm->discrete ? "period" : o.unit_name);
	const char *unit = tm->discrete ? "period" : o.unit_name;
	if (mo.new_customers > 0)
		sk_new_customer(stderr, tm, mf.tfit.par, NULL, horizon, 0, 1, o.unit_days, unit,
				mo.new_customers);
	if (c.tracking) {
		sk_tracking_write(c.tracking, tm, mf.tfit.par, &days, &d, o.unit_days,
				  period_days, o.unit_name);
		sk_daycounts_free(&days);
	}
	sk_pred_iv_free(&iv);
	sk_pred_free(&p);
	sk_custdata_free(&d);
	sk_table_free(t);
	return 0;
}
