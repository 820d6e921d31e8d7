/* whatif: what a change in retention is worth, per group and in total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"
#include "crm/whatif.h"

static const char usage[] =
	"Usage: whatif [OPTIONS] [FILE...]\n"
	"What a change in the dropout rate does to the value of the customers:\n"
	"fit (or load) clv's models, scale the transaction model's dropout\n"
	"process by 1 + CHANGE, and compare value = margin x expected spend x\n"
	"discounted expected transactions under both.  Writes one row per group\n"
	"and a (total) row: customers, value, value_if, change, change_pct.\n"
	"\n"
	"  --churn-change P     relative change of the dropout rate: -5% or -0.05\n"
	"                       (default -5%)\n"
	"  --by COLUMN          one row per value of COLUMN (stage, phase,\n"
	"                       rfm_segment, value_tier, ...)\n"
	"  --model-type M       bgnbd, pnbd, mbgnbd, bgbb, ggomnbd, bgcnbd, mbgcnbd or auto\n"
	"                       (default bgnbd)\n"
	"  --model FILE         the models saved by clv --save-model\n"
	"  --horizon D          value over D (default 1y; periods for bgbb)\n"
	"  --discount-rate R    annual discount rate (default 0.1)\n"
	"  --margin M           profit as a fraction of spend (default 1)\n";

enum { O_CHANGE = 1, O_BY, O_TYPE, O_MODEL, O_HORIZON, O_RATE, O_MARGIN };

static const struct sk_opt own[] = {
	{ "churn-change", 1, 0, O_CHANGE },
	{ "by", 1, 0, O_BY },
	{ "model-type", 1, 0, O_TYPE },
	{ "model", 1, 0, O_MODEL },
	{ "horizon", 1, 0, O_HORIZON },
	{ "discount-rate", 1, 0, O_RATE },
	{ "margin", 1, 0, O_MARGIN },
	{ NULL, 0, 0, 0 },
};

struct cli {
	const char *by, *type, *model, *horizon;
	double change, rate, margin;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct cli *c = ctx;
	switch (id) {
	case O_CHANGE: c->change = sk_opt_share("churn-change", arg, -0.99, 10); break;
	case O_BY: c->by = arg; break;
	case O_TYPE: c->type = arg; break;
	case O_MODEL: c->model = arg; break;
	case O_HORIZON: c->horizon = arg; break;
	case O_RATE: c->rate = sk_opt_num("discount-rate", arg, 0, 10); break;
	case O_MARGIN: c->margin = sk_opt_num("margin", arg, 0, 1e6); break;
	}
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct cli c = { .type = "bgnbd", .horizon = "1y", .change = -0.05, .rate = 0.1,
			 .margin = 1 };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);

	struct sk_modelfile mf;
	const struct sk_tmodel *tm = sk_value_models(c.model, c.type, o.unit_name, &mf);
	if (!c.model && (!tm || tm->ll_litt))
		o.litt = 1;	/* a log gets litt for the CNBD models (auto tries them) */
	double horizon = tm && tm->discrete ?
		(strcmp(c.horizon, "1y") == 0 ? 1 : sk_opt_num("horizon", c.horizon, 0, 1e6)) :
		sk_opt_duration(&o, "horizon", c.horizon) / o.unit_days;

	struct sk_table *t = sk_customers_read(&o);
	long by = -1;
	if (c.by && (by = sk_table_col(t, c.by)) < 0)
		sk_table_die_header(t, "--by: no column \"%s\"", c.by);
	struct sk_custdata d;
	sk_custdata_read(t, NULL, tm && tm->discrete, 1, &d);
	if (!c.model) {
		sk_value_fit(&d, tm, 0, o.unit_name, &mf);
		tm = mf.tm;
	}
	double par_if[SK_FIT_MAXPAR];
	char why[200];
	if (sk_whatif_dropout(tm, mf.tfit.par, c.change, par_if, why, sizeof why))
		sk_die(SK_EX_USAGE, "--churn-change: %s", why);
	double *value = sk_value_det(tm, mf.tfit.par, &d, horizon, c.rate, o.unit_days);
	double *value_if = sk_value_det(tm, par_if, &d, horizon, c.rate, o.unit_days);
	sk_custdata_drop_patterns(&d);
	for (size_t i = 0; i < d.n; i++) {
		double s = d.valid[i] ? c.margin * sk_value_spend(mf.sfit.par, &d, i) : 0;
		value[i] *= s;
		value_if[i] *= s;
	}
	sk_whatif_write(&o, t, by, value, value_if);
	free(value);
	free(value_if);
	sk_custdata_free(&d);
	sk_table_free(t);
	return 0;
}
