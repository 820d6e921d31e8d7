/* winback: lapsed customers worth winning back, ranked by expected profit. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"
#include "crm/campaign.h"
#include "crm/winback.h"

static const char usage[] =
	"Usage: winback [OPTIONS] [FILE...]\n"
	"Find lapsed and at-risk customers whose expected profit from an offer\n"
	"beats its cost: value = P(reactivation) x profit if back - offer cost.\n"
	"P(reactivation) = P(a purchase within --horizon), learned from a backtest\n"
	"(the log replayed as of an earlier day, or the backtest_* columns of\n"
	"summarize --backtest: who came back, by time away, orders, tenure,\n"
	"rhythm, order value and first_quantity, the last two each kept only\n"
	"when cross-validation says so), recalibrated on customers held out\n"
	"of the fit and carried to the horizon by a BG/NBD.  Appends\n"
	"winback_value, winback_prob, winback_rank, winback_reason and\n"
	"winback_basis (backtest, or assumed when there is nothing to learn\n"
	"from).  The output is an offer list, best first: unlike the other\n"
	"programs it leaves out the customers without an offer, unless --all\n"
	"keeps every one.\n"
	"\n"
	"  --threshold P        p_alive below P is at risk (default 0.5)\n"
	"  --lapse-days N       away more than N days is lapsed (default 365)\n"
	"  --core-orders N      orders of a core customer (default 4)\n"
	"  --overdue-factor X   a core customer away X mean gaps is a defector (2)\n"
	"  --margin M           profit as a fraction of spend (default 1)\n"
	"  --offer-cost C       cost of one offer (default 0)\n"
	"  --min-value X        keep offers worth at least X (default 0)\n"
	"  --horizon D          P(back) and value if back over D (default 1y)\n"
	"  --backtest D         how far back the backtest starts (default: the\n"
	"                       horizon, or half the data's span if shorter)\n"
	"  --top N              keep the N best offers\n"
	"  --all                keep every customer, in input order, columns filled\n"
	"  --report             candidates, value if won back, expected return (stderr)\n"
	"  --evaluate           lift by decile against holdout_frequency (stderr)\n"
	"  --control SHARE      hold out SHARE of the offers (10% or 0.1), drawn\n"
	"                       by customer id and --seed: winback_group is\n"
	"                       control or treatment\n"
	"  --seed N             the draw of the control group (default 1)\n"
	"  --measure PREVIOUS   read an earlier campaign's output and the log\n"
	"                       since (FILE...): return rates of both groups and\n"
	"                       the uplift, with 95 % intervals (Wilson; Newcombe)\n";

enum { O_THRESHOLD = 1, O_LAPSE, O_CORE, O_OVERDUE, O_MARGIN, O_COST, O_MIN, O_HORIZON,
       O_BACKTEST, O_TOP, O_ALL, O_REPORT, O_EVALUATE, O_CONTROL, O_SEED, O_MEASURE };

static const struct sk_opt own[] = {
	{ "threshold", 1, 0, O_THRESHOLD },
	{ "lapse-days", 1, 0, O_LAPSE },
	{ "core-orders", 1, 0, O_CORE },
	{ "overdue-factor", 1, 0, O_OVERDUE },
	{ "margin", 1, 0, O_MARGIN },
	{ "offer-cost", 1, 0, O_COST },
	{ "min-value", 1, 0, O_MIN },
	{ "horizon", 1, 0, O_HORIZON },
	{ "backtest", 1, 0, O_BACKTEST },
	{ "top", 1, 0, O_TOP },
	{ "all", 0, 0, O_ALL },
	{ "report", 0, 0, O_REPORT },
	{ "evaluate", 0, 0, O_EVALUATE },
	{ "control", 1, 0, O_CONTROL },
	{ "seed", 1, 0, O_SEED },
	{ "measure", 1, 0, O_MEASURE },
	{ NULL, 0, 0, 0 },
};

struct wb_cli {
	struct sk_winback_opts wo;
	const char *horizon, *backtest;
	double top, control, seed;
	int all, report, evaluate, has_control;
	const char *measure;
	const struct sk_table *t;	/* for fill: the ids of the control draw */
	long col_id;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct wb_cli *c = ctx;
	switch (id) {
	case O_THRESHOLD: c->wo.threshold = sk_opt_fraction("threshold", arg); break;
	case O_LAPSE: c->wo.lapse_days = sk_opt_num("lapse-days", arg, 0, 1e6); break;
	case O_CORE: c->wo.core_orders = sk_opt_num("core-orders", arg, 1, 1e9); break;
	case O_OVERDUE: c->wo.overdue_factor = sk_opt_num("overdue-factor", arg, 0, 1e6); break;
	case O_MARGIN: c->wo.margin = sk_opt_fraction("margin", arg); break;
	case O_COST: c->wo.offer_cost = sk_opt_num("offer-cost", arg, 0, 1e12); break;
	case O_MIN: c->wo.min_value = sk_opt_num("min-value", arg, -1e12, 1e12); break;
	case O_HORIZON: c->horizon = arg; break;
	case O_BACKTEST: c->backtest = arg; break;
	case O_TOP: c->top = sk_opt_num("top", arg, 1, 1e12); break;
	case O_ALL: c->all = 1; break;
	case O_REPORT: c->report = 1; break;
	case O_EVALUATE: c->evaluate = 1; break;
	case O_CONTROL: c->control = sk_opt_share("control", arg, 0, 1); c->has_control = 1; break;
	case O_SEED: c->seed = sk_opt_num("seed", arg, 0, 4294967295.0); break;
	case O_MEASURE: c->measure = arg; break;
	}
}

struct fill_ctx {
	const char *basis;	/* where winback_prob comes from */
	const struct sk_winback_row *rows;
	const struct wb_cli *c;
};

/* The appended columns of customer i. */
static void fill(struct sk_emit *row, size_t i, void *ctx)
{
	const struct fill_ctx *f = ctx;
	const struct sk_winback_row *w = &f->rows[i];
	char reason[SK_WB_REASON_MAX];
	if (f->c->has_control && w->rank > 0) {
		size_t len;
		const char *id = sk_table_get(f->c->t, i, f->c->col_id, &len, NULL);
		sk_emit_str(row, 5, sk_campaign_control(id, len, f->c->control,
							(uint64_t)f->c->seed) ?
				    "control" : "treatment");
	}
	if (w->who != SK_WB_NO_PURCHASE) {
		sk_emit_num(row, 0, w->value, 2);
		sk_emit_num(row, 1, w->prob, 4);
		if (w->rank > 0)
			sk_emit_num(row, 2, (double)w->rank, 0);
		sk_emit_str(row, 4, f->basis);
	}
	sk_emit_str(row, 3, sk_winback_reason(w, reason));
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct wb_cli c = { .wo = SK_WINBACK_OPTS_INIT, .horizon = "1y", .seed = 1 };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);
	if (c.measure) {
		sk_campaign_measure(&o, c.measure);
		return 0;
	}
	sk_opt_duration(&o, "horizon", c.horizon);	/* usage errors first */
	if (c.backtest)
		sk_opt_duration(&o, "backtest", c.backtest);
	c.wo.col_id = o.col_id;

	/* A transaction log is read twice (now, and as of the backtest day),
	 * so standard input, a pipe or a FIFO is kept in a temporary file. */
	sk_spool_streams(&o);
	struct sk_table *t = sk_customers_read(&o);
	/* in the records' unit, which they tell */
	c.wo.horizon_days = sk_opt_duration(&o, "horizon", c.horizon);
	c.wo.unit_days = o.unit_days;
	/* The backtest: the log as of the day the window starts, labelled by
	 * purchases up to the end of observation (never after it). */
	struct sk_table *bt = NULL;
	double window = 0;
	if (t->has_as_of) {
		window = floor(c.backtest ? sk_opt_duration(&o, "backtest", c.backtest)
					  : sk_winback_window(&c.wo, t));
		if (window >= 1) {
			struct sk_opts past = o;
			past.has_as_of = 1;
			past.as_of = t->as_of - (long)window;
			past.has_until = 1;
			past.until = t->as_of;
			past.skip_bad = o.skip_bad ? 2 : 0;	/* reported by the first reading */
			bt = sk_customers_read(&past);
		}
	}
	struct sk_winback_rates rates;
	if (!t->has_as_of && sk_winback_has_backtest(t))
		sk_winback_learn_records(&c.wo, t, &rates);
	else
		sk_winback_learn(&c.wo, bt, window, t, &rates);
	struct sk_winback_row *rows = sk_xcalloc(t->nrow ? t->nrow : 1, sizeof *rows);
	size_t offers = sk_winback_score(&c.wo, t, &rates, rows);

	/* Offers best first (the ranks are 1..offers, each once); with --all
	 * every row in input order. */
	size_t *order = sk_xmalloc((t->nrow ? t->nrow : 1) * sizeof *order), n = 0;
	if (c.all) {
		for (size_t i = 0; i < t->nrow; i++)
			order[n++] = i;
	} else {
		for (size_t i = 0; i < t->nrow; i++)
			if (rows[i].rank > 0)
				order[rows[i].rank - 1] = i;
		n = offers;
		if (c.top > 0 && n > (size_t)c.top)
			n = (size_t)c.top;
	}
	static const char *const cols[] = { "winback_value", "winback_prob", "winback_rank",
					    "winback_reason", "winback_basis", "winback_group" };
	c.t = t;
	c.col_id = c.has_control ? sk_table_need_col(t, o.col_id, NULL) : -1;
	struct sk_emit *e = sk_emit_open(&o, t, c.has_control ? 6 : 5, cols);
	struct fill_ctx fc = { sk_winback_basis_name(rates.basis), rows, &c };
	sk_emit_rows(e, n, order, fill, &fc);
	sk_emit_close(e);
	if (c.report)
		sk_winback_report(stderr, t, rows, &rates, &c.wo);
	if (c.evaluate)
		sk_winback_evaluate(stderr, t, rows);
	free(order);
	free(rows);
	sk_table_free(bt);
	sk_winback_rates_free(&rates);
	sk_table_free(t);
	return 0;
}
