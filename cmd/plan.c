/* plan: one next best action per customer, by expected profit. */
#include <stdio.h>
#include <stdlib.h>

#include "siklus.h"
#include "crm/plan.h"

static const char usage[] =
	"Usage: plan [OPTIONS] [FILE...]\n"
	"Choose one action per customer (after churn, clv, classify, xsell, or\n"
	"from a raw log): acquire, onboard, cross_sell, up_sell, retain, win_back,\n"
	"reward or none, the one of highest expected profit over the horizon net\n"
	"of its cost.  Uses p_return (else p_alive), clv (else expected_spend x\n"
	"expected_purchases, else own spend), winback_prob, xsell_1 and upsell\n"
	"when present.  Appends action, action_value and action_reason.\n"
	"\n"
	"  --cost A=C,...       cost of one action (default 0 each)\n"
	"  --uplift A=U,...     assumed effect of an action (defaults: acquire 0.02,\n"
	"                       onboard 0.1, cross_sell 0.05, up_sell 0.03,\n"
	"                       retain 0.1, win_back 0.05, reward 0.05)\n"
	"  --budget B           keep the best actions whose costs fit in B\n"
	"  --max-per-customer N actions per customer (only 1)\n"
	"  --margin M           profit as a fraction of spend (default 1)\n"
	"  --horizon D          value over D (default 1y)\n"
	"  --lapse-days N       away more than N days is gone (default 365)\n"
	"  --gone P             return probability below P is gone (default 0.1)\n"
	"  --core-orders N      orders of a customer to reward (default 4)\n";

enum { O_COST = 1, O_UPLIFT, O_BUDGET, O_MAX, O_MARGIN, O_HORIZON, O_LAPSE, O_GONE, O_CORE };

static const struct sk_opt own[] = {
	{ "cost", 1, 0, O_COST },
	{ "uplift", 1, 0, O_UPLIFT },
	{ "budget", 1, 0, O_BUDGET },
	{ "max-per-customer", 1, 0, O_MAX },
	{ "margin", 1, 0, O_MARGIN },
	{ "horizon", 1, 0, O_HORIZON },
	{ "lapse-days", 1, 0, O_LAPSE },
	{ "gone", 1, 0, O_GONE },
	{ "core-orders", 1, 0, O_CORE },
	{ NULL, 0, 0, 0 },
};

struct cli {
	struct sk_plan_opts po;
	const char *horizon;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct cli *c = ctx;
	char why[200];
	switch (id) {
	case O_COST:
		if (sk_plan_parse_list(arg, 0, 1e12, c->po.cost, why, sizeof why))
			sk_die(SK_EX_USAGE, "--cost: %s", why);
		break;
	case O_UPLIFT:
		if (sk_plan_parse_list(arg, 0, 1, c->po.uplift, why, sizeof why))
			sk_die(SK_EX_USAGE, "--uplift: %s", why);
		break;
	case O_BUDGET:
		c->po.has_budget = 1;
		c->po.budget = sk_opt_num("budget", arg, 0, 1e15);
		break;
	case O_MAX: sk_opt_num("max-per-customer", arg, 1, 1); break;
	case O_MARGIN: c->po.margin = sk_opt_num("margin", arg, 0, 1e6); break;
	case O_HORIZON: c->horizon = arg; break;
	case O_LAPSE: c->po.lapse_days = sk_opt_num("lapse-days", arg, 0, 1e6); break;
	case O_GONE: c->po.gone = sk_opt_num("gone", arg, 0, 1); break;
	case O_CORE: c->po.core_orders = sk_opt_num("core-orders", arg, 1, 1e9); break;
	}
}

struct fill_ctx {
	const struct sk_table *t;
	const struct sk_plan_row *rows;
};

static void fill(struct sk_emit *row, size_t i, void *ctx)
{
	const struct fill_ctx *f = ctx;
	const struct sk_plan_row *r = &f->rows[i];
	char reason[SK_PLAN_REASON_MAX];
	sk_emit_str(row, 0, sk_action_name(r->action));
	sk_emit_num(row, 1, r->value, 2);
	sk_emit_str(row, 2, sk_plan_reason(f->t, i, r, reason));
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct cli c = { .po = SK_PLAN_OPTS_INIT, .horizon = "1y" };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);
	c.po.horizon_days = sk_opt_duration(&o, "horizon", c.horizon);
	c.po.unit_days = o.unit_days;

	struct sk_table *t = sk_customers_read(&o);
	struct sk_plan_row *rows = sk_xcalloc(t->nrow ? t->nrow : 1, sizeof *rows);
	sk_plan_run(&c.po, t, rows);
	static const char *const cols[] = { "action", "action_value", "action_reason" };
	struct sk_emit *e = sk_emit_open(&o, t, 3, cols);
	struct fill_ctx f = { t, rows };
	sk_emit_rows(e, t->nrow, NULL, fill, &f);
	sk_emit_close(e);
	free(rows);
	sk_table_free(t);
	return 0;
}
