/* ordervalue.c: the order value of the learned layer (issue 16; the
 * layer is in backtest.c): what a customer spent, as of the backtest cut
 * (what the layer learns from) and as of the end (what it is applied
 * to).
 *
 * summarize --backtest writes both on a log with amounts (total_spend
 * and monetary_value, backtest_total_spend and backtest_monetary_value);
 * the cut's are summed from the purchases and refunds up to the cut only,
 * so nothing in the held-back window reaches what is learned.  Where
 * most customers bought once (Online Retail: 98 % of the customers churn
 * calls churned), their history holds nothing else but their tenure. */
#include "ordervalue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/util.h"

/* One row's spend from columns c[0] (total_spend) and c[1]
 * (monetary_value, may be absent) into v: the total must be there and
 * not negative (summarize nets refunds and never writes less than 0);
 * the mean is NAN when empty (no repeat purchase).  0, or for a bad
 * value 1 (a row check, sk_table_check_rows). */
static int value_row(const struct sk_table *t, size_t i, const long *c, const char *pre,
		     int die, double *v)
{
	int empty;
	if (sk_table_num_check(t, i, c[0], die, &v[0], &empty))
		return 1;
	if (empty)
		return sk_table_bad(t, i, die, "column \"%stotal_spend\": empty for a customer "
				    "with purchases", pre);
	if (!(v[0] >= 0 && v[0] < 1e300))
		return sk_table_bad(t, i, die, "column \"%stotal_spend\": %g is not a spend",
				    pre, v[0]);
	v[1] = NAN;
	if (c[1] >= 0 && sk_table_num_check(t, i, c[1], die, &v[1], &empty))
		return 1;
	if (c[1] < 0 || empty)
		v[1] = NAN;
	else if (!(v[1] >= 0 && v[1] < 1e300))
		return sk_table_bad(t, i, die, "column \"%smonetary_value\": %g is not a spend",
				    pre, v[1]);
	return 0;
}

struct value_ctx {
	const struct sk_table *t;
	const struct sk_custdata *full, *cut;
	const long *cc, *ce;
};

/* Row i's spend at the end and at the cut, checked (a row check). */
static int check_row(size_t i, int die, void *ctx)
{
	const struct value_ctx *c = ctx;
	const struct sk_table *t = c->t;
	double v[SK_NVALUE];
	/* the layer applies to every customer */
	if (c->full->valid[i] && value_row(t, i, c->ce, "", die, v))
		return 1;
	if (c->cut->valid[i])
		return value_row(t, i, c->cc, "backtest_", die, v);
	/* Not a customer at the cut: the cut's values are empty. */
	for (int k = 0; k < SK_NVALUE; k++) {
		int empty = 1;
		if (c->cc[k] >= 0 && sk_table_num_check(t, i, c->cc[k], die, &v[k], &empty))
			return 1;
		if (!empty)
			return sk_table_bad(t, i, die, "%s set for a customer without purchases by "
					    "the cut", k ? "backtest_monetary_value" :
					    "backtest_total_spend");
	}
	return 0;
}

void sk_ordervalue_read(const struct sk_table *t, const struct sk_custdata *full,
			struct sk_backtest *b)
{
	long cc[SK_NVALUE] = { sk_table_col(t, "backtest_total_spend"),
			       sk_table_col(t, "backtest_monetary_value") };
	long ce[SK_NVALUE] = { sk_table_col(t, "total_spend"), sk_table_col(t, "monetary_value") };
	if (cc[0] < 0) {
		if (cc[1] >= 0)
			sk_table_die_header(t, "backtest_monetary_value needs "
					    "backtest_total_spend");
		return;
	}
	if (ce[0] < 0)
		sk_table_die_header(t, "backtest_total_spend needs total_spend, its value at "
				    "the end");
	/* On every core: 0.09 s of churn on the bench log on one. */
	struct value_ctx c = { t, full, &b->d, cc, ce };
	sk_table_check_rows(t, 0, check_row, &c);
	b->value_t = t;
	memcpy(b->value_col[0], cc, sizeof cc);
	memcpy(b->value_col[1], ce, sizeof ce);
}

/* The values were checked by sk_ordervalue_read: read again, they are
 * what was checked (a few numbers parsed per customer, where keeping
 * them took 32 bytes a customer). */
void sk_ordervalue_get(const struct sk_backtest *b, size_t i, int at_cut, double *v)
{
	const long *c = b->value_col[!at_cut];
	int empty;
	v[0] = sk_table_num(b->value_t, i, c[0], &empty);
	v[1] = c[1] >= 0 ? sk_table_num(b->value_t, i, c[1], &empty) : NAN;
	if (c[1] < 0 || empty)
		v[1] = NAN;
}

/* The order value as the layer sees it: the mean value of all x + 1
 * orders (the first counted, as a one-time buyer has no other) and the
 * first order's value, total - x x mean repeat value (the mean repeat
 * value unknown: the mean of all), each as log(1 + value), since what a
 * customer spends is spread over orders of magnitude and a second
 * thousand says less than the first.  Spend and transactions are
 * independent in the Gamma-Gamma model (Fader, Hardie & Lee 2005, "RFM
 * and CLV", JMR 42(4), sec. 3), but not in data where wholesalers buy
 * big and keep buying; the layer's cross-validated check (layerfeat.c)
 * keeps the pair only where it predicts coming back. */
void sk_ordervalue_features(const double *v, double x, double *f)
{
	double total = v[0] > 0 ? v[0] : 0, mean = total / (x + 1);
	double first = x > 0 && !isnan(v[1]) ? total - x * v[1] : mean;
	f[0] = log1p(mean);
	f[1] = log1p(first > 0 ? first : 0);
}
