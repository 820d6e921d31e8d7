/* clv: customer lifetime value = margin x expected spend per transaction
 * (Gamma-Gamma) x discounted expected transactions (a BTYD model). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"

static const char usage[] =
	"Usage: clv [OPTIONS] [FILE...]\n"
	"Fit Gamma-Gamma spend and a transaction model to customer records (or a\n"
	"transaction log, summarized first) and append expected_spend, clv and\n"
	"value_tier (top1, top20, rest).\n"
	"\n"
	"  --model-type M       bgnbd (default), pnbd, mbgnbd, bgbb, or auto\n"
	"  --horizon D          value over D: 90d, 39w, 6m, 1y, 3y, a number in --unit\n"
	"                       (periods for bgbb), or lifetime (pnbd, bgbb); default 1y\n"
	"  --discount-rate R    annual discount rate, continuous compounding (0.1);\n"
	"                       per period for bgbb\n"
	"  --margin M           profit margin as a fraction of spend (default 1)\n"
	"  --threshold P        value at risk counts customers with p_alive below P (0.5)\n"
	"  --weight COL         customers per row (aggregated data)\n"
	"  --model FILE         score with saved models instead of fitting\n"
	"  --save-model FILE    write both fitted models as JSON\n"
	"  --report             total value, top-20 % share, value at risk on stderr\n"
	"  --report-json FILE   the same as JSON\n"
	"  --patterns           write the distinct (frequency, recency, T,\n"
	"                       monetary_value) patterns with their weight instead\n";

enum { O_TYPE = 1, O_HORIZON, O_RATE, O_MARGIN, O_THRESHOLD, O_WEIGHT, O_MODEL, O_SAVE,
       O_REPORT, O_REPORT_JSON, O_PATTERNS };

static const struct sk_opt own[] = {
	{ "model-type", 1, 0, O_TYPE },
	{ "horizon", 1, 0, O_HORIZON },
	{ "discount-rate", 1, 0, O_RATE },
	{ "margin", 1, 0, O_MARGIN },
	{ "threshold", 1, 0, O_THRESHOLD },
	{ "weight", 1, 0, O_WEIGHT },
	{ "model", 1, 0, O_MODEL },
	{ "save-model", 1, 0, O_SAVE },
	{ "report", 0, 0, O_REPORT },
	{ "report-json", 1, 0, O_REPORT_JSON },
	{ "patterns", 0, 0, O_PATTERNS },
	{ NULL, 0, 0, 0 },
};

struct clv_opts {
	const char *type, *horizon, *weight, *model, *save, *report_json;
	double rate, margin, threshold;
	int report, patterns;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct clv_opts *c = ctx;
	switch (id) {
	case O_TYPE: c->type = arg; break;
	case O_HORIZON: c->horizon = arg; break;
	case O_RATE: c->rate = sk_opt_num("discount-rate", arg, 0, 10); break;
	case O_MARGIN: c->margin = sk_opt_num("margin", arg, 0, 1e6); break;
	case O_THRESHOLD: c->threshold = sk_opt_num("threshold", arg, 0, 1); break;
	case O_WEIGHT: c->weight = arg; break;
	case O_MODEL: c->model = arg; break;
	case O_SAVE: c->save = arg; break;
	case O_REPORT: c->report = 1; break;
	case O_REPORT_JSON: c->report_json = arg; break;
	case O_PATTERNS: c->patterns = 1; break;
	}
}

struct fill_ctx {
	const unsigned char *valid;
	const double *spend, *clv;
	const unsigned char *tier;
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
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct clv_opts c = { .type = "bgnbd", .horizon = "1y", .rate = 0.1, .margin = 1,
			      .threshold = 0.5 };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);

	struct sk_modelfile mf;
	const struct sk_tmodel *tm = sk_value_models(c.model, c.type, o.unit_name, &mf);
	int lifetime = strcmp(c.horizon, "lifetime") == 0;
	double horizon = -1;
	if (!lifetime)
		horizon = tm && tm->discrete ? sk_opt_num("horizon", c.horizon, 0, 1e6) :
			sk_opt_duration(&o, "horizon", c.horizon) / o.unit_days;
	if (tm && tm->discrete && strcmp(c.horizon, "1y") == 0)
		horizon = 1;

	struct sk_table *t = sk_customers_read(&o);
	struct sk_custdata d;
	sk_custdata_read(t, c.weight, tm && tm->discrete, 1, &d);
	if (c.patterns) {
		sk_patterns_write(&o, t, &d, tm && tm->discrete, 1);
		sk_custdata_free(&d);
		sk_table_free(t);
		return 0;
	}

	if (!c.model) {
		sk_value_fit(&d, tm, o.unit_name, &mf);
		tm = mf.tm;
		if (c.save)
			sk_modelfile_save(c.save, &mf);
	}
	if (lifetime && !tm->dert)
		sk_die(SK_EX_USAGE, "--horizon lifetime needs a model with DERT (pnbd or bgbb); "
		       "give a finite horizon such as 5y for %s", tm->name);

	double *det = sk_value_det(tm, mf.tfit.par, &d, horizon, c.rate, o.unit_days);
	struct sk_pred p;
	sk_predict(tm, mf.tfit.par, &d, horizon > 0 ? horizon : 1, &p);
	sk_custdata_drop_patterns(&d);
	/* clv replaces the discounted transactions in place, and the
	 * predictions go before the tiers are ranked: memory per customer
	 * is what bounds a run over ten million. */
	double *clv = det;
	double *spend = sk_xcalloc(d.n ? d.n : 1, sizeof *spend);
	double total = 0, at_risk = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (!d.valid[i]) {
			clv[i] = 0;
			continue;
		}
		spend[i] = sk_value_spend(mf.sfit.par, &d, i);
		clv[i] = c.margin * spend[i] * det[i];
		if (!isfinite(clv[i]))
			clv[i] = 0;
		total += d.rfm[i].w * clv[i];
		if (p.p_alive[i] < c.threshold)
			at_risk += d.rfm[i].w * clv[i];
	}
	sk_pred_free(&p);
	unsigned char *tier = sk_value_tiers(clv, d.valid, d.n);

	static const char *const cols[] = { "expected_spend", "clv", "value_tier" };
	double top20 = 0;
	for (size_t i = 0; i < d.n; i++)
		if (d.valid[i] && tier[i] != SK_TIER_REST)
			top20 += d.rfm[i].w * clv[i];
	struct sk_emit *e = sk_emit_open(&o, t, 3, cols);
	struct fill_ctx fc = { d.valid, spend, clv, tier };
	sk_emit_rows(e, t->nrow, NULL, fill, &fc);
	sk_emit_close(e);

	if (c.report || c.report_json) {
		FILE *f = c.report ? stderr : NULL;
		if (f) {
			fprintf(f, "transaction model: %s; spend model: Gamma-Gamma p %.4g q %.4g "
				"gamma %.4g\n", tm->title, mf.sfit.par[0], mf.sfit.par[1],
				mf.sfit.par[2]);
			fprintf(f, "horizon: %s; discount rate %g; margin %g\n", c.horizon, c.rate,
				c.margin);
			fprintf(f, "total value: %.2f\n", total);
			fprintf(f, "top-20%% share: %.4f\n", total > 0 ? top20 / total : 0);
			fprintf(f, "value at risk (p_alive < %g): %.2f\n", c.threshold, at_risk);
		}
		if (c.report_json) {
			FILE *j = fopen(c.report_json, "w");
			if (!j)
				sk_die(SK_EX_CANTCREAT, "%s: cannot create", c.report_json);
			fprintf(j, "{\"model\": \"%s\", \"total_value\": %.6f, \"top20_share\": %.6f, "
				"\"value_at_risk\": %.6f, \"threshold\": %g}\n", tm->name, total,
				total > 0 ? top20 / total : 0, at_risk, c.threshold);
			if (fclose(j) != 0)
				sk_die(SK_EX_IOERR, "%s: write error", c.report_json);
		}
	}
	free(clv);
	free(spend);
	free(tier);
	sk_custdata_free(&d);
	sk_table_free(t);
	return 0;
}
