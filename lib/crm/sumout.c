/* sumout.c: the summary's output: the columns summarize writes and one
 * customer formatted into them, to a writer or to a table (summary.c
 * reads and aggregates, recount.c finishes the pass). */
#include "summaryint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/date.h"
#include "record/num.h"
#include "record/util.h"

static const char *base_cols[] = {
	"customer_id", "first_purchase", "last_purchase", "orders", "frequency",
	"recency", "T", "monetary_value", "total_spend", "refunds",
};
#define NBASE (sizeof base_cols / sizeof base_cols[0])
/* The optional columns besides n_EVENT: discount_share 1, first_quantity
 * 1, referrals 2, risk 4, holdout 2, backtest 4 + 2 + 4, litt 2. */
#define NEXTRA 22

struct outcols {
	size_t n;
	char *name[NBASE + NEXTRA + MAXEV];
	int evorder[MAXEV];	/* event indexes sorted by name */
};

static int evsort_names(const void *a, const void *b, void *ctx)
{
	char **names = ctx;
	return strcmp(names[*(const int *)a], names[*(const int *)b]);
}

static void columns(struct sk_summary *s, struct outcols *oc)
{
	oc->n = 0;
	for (size_t i = 0; i < NBASE; i++)
		oc->name[oc->n++] = sk_xstrdup(i == 0 ? s->o->col_id : base_cols[i]);
	if (s->has_discount)
		oc->name[oc->n++] = sk_xstrdup("discount_share");
	if (s->has_qty)
		oc->name[oc->n++] = sk_xstrdup("first_quantity");
	if (s->has_referred) {
		oc->name[oc->n++] = sk_xstrdup("referrals");
		oc->name[oc->n++] = sk_xstrdup("referred_spend");
	}
	if (s->has_risk) {
		static const char *risk[] = { "complaints", "returns", "negative_reviews",
					      "days_since_complaint" };
		for (int k = 0; k < 4; k++)
			oc->name[oc->n++] = sk_xstrdup(risk[k]);
	}
	for (int i = 0; i < s->nev; i++)
		oc->evorder[i] = i;
	qsort_r(oc->evorder, (size_t)s->nev, sizeof(int), evsort_names, s->evname);
	for (int i = 0; i < s->nev; i++) {
		const char *e = s->evname[oc->evorder[i]];
		char *nm = sk_xmalloc(strlen(e) + 3);
		sprintf(nm, "n_%s", e);
		oc->name[oc->n++] = nm;
	}
	if (s->o->has_as_of) {
		oc->name[oc->n++] = sk_xstrdup("holdout_frequency");
		oc->name[oc->n++] = sk_xstrdup("holdout_spend");
	}
	if (s->o->backtest_days) {
		oc->name[oc->n++] = sk_xstrdup("backtest_frequency");
		oc->name[oc->n++] = sk_xstrdup("backtest_recency");
		oc->name[oc->n++] = sk_xstrdup("backtest_T");
		oc->name[oc->n++] = sk_xstrdup("backtest_purchases");
		if (s->has_amount) {
			oc->name[oc->n++] = sk_xstrdup("backtest_monetary_value");
			oc->name[oc->n++] = sk_xstrdup("backtest_total_spend");
		}
		if (s->has_risk) {
			static const char *risk[] = { "backtest_complaints", "backtest_returns",
						      "backtest_negative_reviews",
						      "backtest_days_since_complaint" };
			for (int k = 0; k < 4; k++)
				oc->name[oc->n++] = sk_xstrdup(risk[k]);
		}
	}
	if (s->o->litt) {
		oc->name[oc->n++] = sk_xstrdup("litt");
		if (s->o->backtest_days)
			oc->name[oc->n++] = sk_xstrdup("backtest_litt");
	}
}

static void free_columns(struct outcols *oc)
{
	for (size_t i = 0; i < oc->n; i++)
		free(oc->name[i]);
}

/* Format customer i into fields (pointers into buf). */
struct fields {
	const char *f[NBASE + NEXTRA + MAXEV];
	size_t len[NBASE + NEXTRA + MAXEV];
	unsigned char type[NBASE + NEXTRA + MAXEV];
	char buf[(NBASE + NEXTRA + MAXEV) * 40];
	size_t used, n;
};

static void put(struct fields *fl, const char *s, size_t len, unsigned char type)
{
	fl->f[fl->n] = s;
	fl->len[fl->n] = len;
	fl->type[fl->n] = type;
	fl->n++;
}

static void put_num(struct fields *fl, double v, int dec)
{
	char *p = fl->buf + fl->used;
	int n = sk_num_format(p, 40, v, dec);
	fl->used += (size_t)n + 1;
	put(fl, p, (size_t)n, SK_NUM);
}

/* A sum of money in micro-units, printed exactly (no trip through a
 * double): integer part, then up to six decimals without trailing zeros. */
static void put_micro(struct fields *fl, int64_t v)
{
	char *p = fl->buf + fl->used;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n = (size_t)sk_num_format_scaled(p, u, 6, v < 0);
	fl->used += n + 1;
	put(fl, p, n, SK_NUM);
}

static void put_date(struct fields *fl, long d)
{
	char *p = fl->buf + fl->used;
	sk_date_format(d, p);
	fl->used += 11;
	put(fl, p, 10, SK_STR);
}

/* backtest_monetary_value and backtest_total_spend: monetary_value and
 * total_spend as of the backtest cut, by the same rules (net of the
 * refunds up to the cut, spread over the purchases by value; the mean
 * empty without a repeat purchase by the cut), so that what is learned
 * from them at the cut applies to the end's columns.  Refunds up to the
 * cut that cover the purchases up to it leave 0: the customer's later
 * purchases keep it a customer at the end. */
static void put_backtest_spend(const struct sk_summary *s, const struct cust *c, size_t i,
			       struct fields *fl)
{
	int64_t gross = s->bt_spend[i], refunds = s->bt_refunds ? s->bt_refunds[i] : 0;
	double net_share = 1;
	if (refunds > 0)
		net_share = refunds >= gross ? 0 : (double)(gross - refunds) / (double)gross;
	uint32_t orders = s->bt_orders[i];
	if (orders > 1)
		put_num(fl, (double)(gross - c->first_spend) * net_share / MICRO / (orders - 1), 6);
	else
		put(fl, "", 0, SK_NULL);
	put_micro(fl, refunds >= gross ? 0 : gross - refunds);
}

static void format_row(struct sk_summary *s, const struct outcols *oc, size_t i,
		       struct fields *fl)
{
	const struct cust *c = &s->c[i];
	const struct ext *e = c->ext ? &s->ext[c->ext - 1] : NULL;
	double u = s->o->unit_days;
	long as_of = s->o->has_as_of ? s->o->as_of : s->max_day;
	size_t len;
	const char *id = cust_id(s, c, &len);

	fl->n = fl->used = 0;
	put(fl, id, len, SK_STR);
	uint32_t orders = c->orders & ~UNORDERED;
	/* Spend is net of refunds (siklus.7, TRANSACTIONS; issue 17: bought
	 * 5,000 and refunded it three times over is no big spender).  Which
	 * purchase a refund returns is not in the log, so refunds are spread
	 * over the customer's purchases in proportion to their value: the mean
	 * repeat value is scaled by net / gross, frequency x monetary_value
	 * stays the net repeat spend, and the result does not depend on row
	 * order.  Refunds that cover the whole spend leave no purchase. */
	int64_t refunds = e ? e->refunds : 0;
	double net_share = 1;
	if (sk_summary_refunded_away(s, c))
		orders = 0;
	else if (refunds > 0 && c->first != NO_DAY)
		net_share = (double)(c->spend - refunds) / (double)c->spend;
	if (c->first == NO_DAY || orders == 0) {
		/* A prospect: no purchase in the observation window. */
		for (int k = 0; k < 8; k++)
			put(fl, "", 0, SK_NULL);
	} else {
		put_date(fl, c->first);
		put_date(fl, c->last);
		put_num(fl, orders, 0);
		put_num(fl, orders - 1, 0);
		put_num(fl, (c->last - c->first) / u, 6);
		put_num(fl, (as_of - c->first) / u, 6);
		if (s->has_amount && orders > 1)
			put_num(fl, (double)(c->spend - c->first_spend) * net_share / MICRO /
				(orders - 1), 6);
		else
			put(fl, "", 0, SK_NULL);
		if (s->has_amount)
			put_micro(fl, c->spend - refunds);
		else
			put(fl, "", 0, SK_NULL);
	}
	if (s->has_amount)
		put_micro(fl, refunds);
	else
		put(fl, "", 0, SK_NULL);
	if (s->has_discount) {
		if (e && e->purchase_rows)
			put_num(fl, (double)e->discount_rows / e->purchase_rows, 6);
		else
			put(fl, "", 0, SK_NULL);
	}
	if (s->has_qty) {
		/* The units of the first purchase day: fixed once that day is
		 * past, so the same as of the backtest cut as at the end for
		 * every customer who had bought by the cut (what winback
		 * learns from needs no backtest_ twin). */
		if (c->first != NO_DAY && orders > 0)
			put_micro(fl, i < s->unitscap ? s->first_units[i] : 0);
		else
			put(fl, "", 0, SK_NULL);
	}
	if (s->has_referred) {
		put_num(fl, e ? e->referrals : 0, 0);
		put_micro(fl, s->refspend[i]);
	}
	if (s->has_risk) {
		for (int k = 0; k < 3; k++)
			put_num(fl, e ? e->risk[k] : 0, 0);
		if (e && e->risk_day != NO_DAY)
			put_num(fl, as_of - e->risk_day, 0);
		else
			put(fl, "", 0, SK_NULL);
	}
	if (s->nev) {
		uint32_t cnt[MAXEV] = { 0 };
		for (uint32_t k = e ? e->ev : 0; k; k = s->evc[k - 1].next)
			cnt[s->evc[k - 1].ev] = s->evc[k - 1].count;
		for (int k = 0; k < s->nev; k++)
			put_num(fl, cnt[oc->evorder[k]], 0);
	}
	if (s->o->has_as_of) {
		put_num(fl, c->hold_orders, 0);
		put_micro(fl, s->has_amount ? c->hold_spend : 0);
	}
	if (s->o->backtest_days) {
		/* Customers whose refunds left no purchase are prospects here
		 * too (orders 0): no history to learn from. */
		if (c->first != NO_DAY && orders > 0 && c->first <= s->bt_cut) {
			put_num(fl, s->bt_orders[i] - 1, 0);
			put_num(fl, (s->bt_last[i] - c->first) / u, 6);
			put_num(fl, (s->bt_cut - c->first) / u, 6);
			put_num(fl, s->bt_after[i], 0);
			if (s->has_amount)
				put_backtest_spend(s, c, i, fl);
			if (s->has_risk) {	/* as of the cut, as the columns above */
				for (int k = 0; k < 3; k++)
					put_num(fl, s->bt_risk[i][k], 0);
				if (s->bt_risk_day[i] != NO_DAY)
					put_num(fl, s->bt_cut - s->bt_risk_day[i], 0);
				else
					put(fl, "", 0, SK_NULL);
			}
		} else {
			int nb = 4 + (s->has_amount ? 2 : 0) + (s->has_risk ? 4 : 0);
			for (int k = 0; k < nb; k++)
				put(fl, "", 0, SK_NULL);
		}
	}
	if (s->o->litt) {
		/* Summed in days (sk_summary_litt); in the unit, each of the
		 * x gaps is divided by u. */
		int buyer = c->first != NO_DAY && orders > 0;
		if (buyer)
			put_num(fl, s->litt[i] - (orders - 1) * log(u), 6);
		else
			put(fl, "", 0, SK_NULL);
		if (s->o->backtest_days) {
			if (buyer && c->first <= s->bt_cut)
				put_num(fl, s->bt_litt[i] - (s->bt_orders[i] - 1) * log(u), 6);
			else
				put(fl, "", 0, SK_NULL);
		}
	}
}

/* What formats rows on several threads, into a writer or a table. */
struct write_ctx {
	struct sk_summary *s;
	const struct outcols *oc;
	struct fields *fl[SK_WRITE_THREADS];	/* per thread, made on first use */
};

static struct fields *thread_fields(struct write_ctx *wc, int k)
{
	if (!wc->fl[k])
		wc->fl[k] = sk_xcalloc_lines(sizeof *wc->fl[k]);
	return wc->fl[k];
}

static void write_chunk(struct sk_writer *mem, int k, size_t lo, size_t hi, void *ctx)
{
	struct write_ctx *wc = ctx;
	struct fields *fl = thread_fields(wc, k);
	for (size_t i = lo; i < hi; i++) {
		format_row(wc->s, wc->oc, i, fl);
		for (size_t j = 0; j < fl->n; j++)
			sk_writer_field(mem, fl->f[j], fl->len[j], fl->type[j]);
		sk_writer_endrow(mem);
	}
}

/* The table's rows as summarize's writer has them, made on every core
 * as the writer's are: on one core this loop was 0.53-0.58 s of the
 * ~1.4 s that churn spent reading the 5M-row bench log. */
static void table_chunk(struct sk_table_part *p, int k, size_t lo, size_t hi, void *ctx)
{
	struct write_ctx *wc = ctx;
	struct fields *fl = thread_fields(wc, k);
	for (size_t i = lo; i < hi; i++) {
		format_row(wc->s, wc->oc, i, fl);
		sk_table_put(p, i, fl->n, fl->f, fl->len, fl->type);
	}
}

void sk_summary_write(struct sk_summary *s, struct sk_writer *w)
{
	struct outcols oc;
	sk_summary_backtest(s);
	sk_summary_litt(s);
	sk_summary_recount(s);
	sk_summary_referred_spend(s);
	columns(s, &oc);
	sk_writer_header(w, oc.n, (const char *const *)oc.name);
	struct write_ctx wc = { s, &oc, { NULL } };
	sk_writer_rows(w, s->n, write_chunk, &wc);
	for (int k = 0; k < SK_WRITE_THREADS; k++)
		free(wc.fl[k]);
	free_columns(&oc);
}

struct sk_table *sk_summary_table(struct sk_summary *s)
{
	struct outcols oc;
	struct sk_table *t = sk_table_new(SK_FMT_CSV);
	/* its rows go out as they are where they can (io.h) */
	t->plain_delim = (char)(s->o->odelim ? s->o->odelim : s->o->delim);
	sk_summary_backtest(s);
	sk_summary_litt(s);
	sk_summary_recount(s);
	sk_summary_referred_spend(s);
	columns(s, &oc);
	for (size_t k = 0; k < oc.n; k++)
		sk_table_add_col(t, oc.name[k]);
	struct write_ctx wc = { s, &oc, { NULL } };
	sk_table_add_rows(t, s->n, "(summary)", 1, table_chunk, &wc);
	for (int k = 0; k < SK_WRITE_THREADS; k++)
		free(wc.fl[k]);
	free_columns(&oc);
	return t;
}
