/* winback.c: candidates, reactivation rates from a backtest, value. */
#include "winback.h"
#include "record/group.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/util.h"

/* What winback reads from one customer record. */
struct cust {
	int buyer;		/* has a purchase */
	double orders, frequency, recency_days, T_days, aov, spend, discount_share;
	double p_alive, clv;
	int has_p_alive, has_clv;
	const char *stage;
};

struct cols {
	long orders, freq, rec, T, spend, mv, disc, palive, clv, stage, hold;
};

static void find_cols(const struct sk_table *t, struct cols *c)
{
	c->orders = sk_table_col(t, "orders");
	c->freq = sk_table_col(t, "frequency");
	c->rec = sk_table_col(t, "recency");
	c->T = sk_table_col(t, "T");
	c->spend = sk_table_col(t, "total_spend");
	c->mv = sk_table_col(t, "monetary_value");
	c->disc = sk_table_col(t, "discount_share");
	c->palive = sk_table_col(t, "p_alive");
	c->clv = sk_table_col(t, "clv");
	c->stage = sk_table_col(t, "stage");
	c->hold = sk_table_col(t, "holdout_frequency");
	if (c->freq < 0 || c->rec < 0 || c->T < 0)
		sk_table_die_header(t, "winback needs frequency, recency and T columns: "
				    "run summarize first or pass a transaction log");
}

static double num(const struct sk_table *t, size_t i, long col, int *empty)
{
	int e = 1;
	double v = col >= 0 ? sk_table_num(t, i, col, &e) : 0;
	if (empty)
		*empty = e;
	return e ? 0 : v;
}

static void read_cust(const struct sk_table *t, size_t i, const struct cols *c,
		      double unit_days, struct cust *k)
{
	int e, er, eT;
	memset(k, 0, sizeof *k);
	k->frequency = num(t, i, c->freq, &e);
	double recency = num(t, i, c->rec, &er), T = num(t, i, c->T, &eT);
	k->buyer = !e;
	/* The checks of the models (score.c), in the same words: a record
	 * that breaks them would otherwise be ranked on nonsense. */
	if (e || er || eT) {
		if (!(e && er && eT))
			sk_table_die(t, i, "frequency, recency and T must be all empty "
				     "(a prospect) or all set");
		return;
	}
	if (k->frequency < 0 || k->frequency != floor(k->frequency) || k->frequency > 1e9)
		sk_table_die(t, i, "column \"frequency\": \"%g\" is not a whole number >= 0",
			     k->frequency);
	if (recency < 0)
		sk_table_die(t, i, "column \"recency\": negative value %g", recency);
	if (T < 0)
		sk_table_die(t, i, "column \"T\": negative value %g", T);
	if (recency > T * (1 + 1e-9) + 1e-9)
		sk_table_die(t, i, "recency %g is after T %g: the last purchase cannot "
			     "come after the end of observation; check --as-of", recency, T);
	k->orders = c->orders >= 0 ? num(t, i, c->orders, NULL) : k->frequency + 1;
	k->recency_days = recency * unit_days;
	k->T_days = T * unit_days;
	k->spend = num(t, i, c->spend, &e);
	if (e || k->orders <= 0) {
		double mv = num(t, i, c->mv, &e);
		k->aov = e ? 0 : mv;
	} else
		k->aov = k->spend / k->orders;
	k->discount_share = num(t, i, c->disc, NULL);
	k->p_alive = num(t, i, c->palive, &e);
	k->has_p_alive = !e && c->palive >= 0;
	k->clv = num(t, i, c->clv, &e);
	k->has_clv = !e && c->clv >= 0;
	k->stage = c->stage >= 0 ? sk_table_get(t, i, c->stage, NULL, NULL) : NULL;
}

/* Mean gap between purchases in days: the customer's own rhythm.  With a
 * single purchase there is none, and the lapse rule alone applies. */
static double mean_gap(const struct cust *k)
{
	return k->frequency > 0 && k->recency_days > 0 ? k->recency_days / k->frequency : 0;
}

/* Lapsed or at risk, by the strongest evidence the record carries: the
 * model's p_alive (for repeat buyers: BG/NBD gives one-time buyers 1),
 * then classify's stage, then the lapse rules of classify. */
static int is_candidate(const struct sk_winback_opts *wo, const struct cust *k)
{
	if (!k->buyer)
		return 0;
	double away = k->T_days - k->recency_days;
	if (k->has_p_alive && k->frequency > 0)
		return k->p_alive < wo->threshold;
	if (k->stage && *k->stage)
		return strcmp(k->stage, "lapsed") == 0 || strcmp(k->stage, "core_defector") == 0;
	if (away > wo->lapse_days)
		return 1;
	double g = mean_gap(k);
	return k->orders >= wo->core_orders && g > 0 && away > wo->overdue_factor * g;
}

/* Time away relative to the lapse threshold: overdue but not yet lapsed
 * (core defectors), lapsed, long lapsed. */
static int gap_bucket(const struct sk_winback_opts *wo, double away_days)
{
	return away_days < wo->lapse_days ? 0 : away_days < 2 * wo->lapse_days ? 1 : 2;
}

static int orders_bucket(double orders)
{
	return orders < 2 ? 0 : orders < 4 ? 1 : 2;
}

static const char *const gap_label[SK_WB_GAPS] = { "< lapse", "1-2 x lapse", "> 2 x lapse" };
static const char *const orders_label[SK_WB_ORDERS] = { "1 order", "2-3 orders", "4+ orders" };

void sk_winback_learn(const struct sk_winback_opts *wo, const struct sk_table *bt,
		      struct sk_winback_rates *r)
{
	memset(r, 0, sizeof *r);
	r->overall = wo->fallback_prob;
	if (!bt)
		return;
	struct cols c;
	find_cols(bt, &c);
	if (c.hold < 0)
		return;
	/* The backtest table has no p_alive or stage: its candidates follow
	 * the lapse rules. */
	struct sk_winback_opts rules = *wo;
	for (size_t i = 0; i < bt->nrow; i++) {
		struct cust k;
		read_cust(bt, i, &c, wo->unit_days, &k);
		k.has_p_alive = 0;
		k.stage = NULL;
		if (!is_candidate(&rules, &k))
			continue;
		int g = gap_bucket(wo, k.T_days - k.recency_days), o = orders_bucket(k.orders);
		double back = num(bt, i, c.hold, NULL) > 0;
		r->n[g][o] += 1;
		r->back[g][o] += back;
		r->total += 1;
	}
	double backs = 0;
	for (int g = 0; g < SK_WB_GAPS; g++)
		for (int o = 0; o < SK_WB_ORDERS; o++)
			backs += r->back[g][o];
	if (r->total > 0) {
		r->overall = backs / r->total;
		r->from_history = 1;
	} else
		r->overall = wo->fallback_prob;
}

/* Beta-binomial shrinkage: (back + k m) / (n + k), the posterior mean of
 * a cell's rate under a Beta(k m, k (1 - m)) prior centred on the pooled
 * rate m. */
static double cell_rate(const struct sk_winback_opts *wo, const struct sk_winback_rates *r,
			int g, int o)
{
	double k = wo->prior_strength, m = r->overall;
	return (r->back[g][o] + k * m) / (r->n[g][o] + k);
}

/* The ids compared: column id of table t. */
struct idcol {
	const struct sk_table *t;
	long id;
};

/* A customer among others of equal offer value: 16 bytes of its id past
 * the prefix all of them share (big-endian, so that integer order is
 * memcmp order), and its row. */
struct tie {
	uint64_t key[2];
	uint32_t row;
};

/* By id (memcmp, a shorter id first when one is the other's prefix),
 * then by row; the key decides without touching the ids unless they
 * agree on 16 bytes past their common prefix. */
static int cmp_tie(const void *pa, const void *pb, void *ctx)
{
	const struct idcol *c = ctx;
	const struct tie *a = pa, *b = pb;
	for (int k = 0; k < 2; k++)
		if (a->key[k] != b->key[k])
			return a->key[k] < b->key[k] ? -1 : 1;
	size_t la, lb;
	const char *ia = sk_table_get(c->t, a->row, c->id, &la, NULL);
	const char *ib = sk_table_get(c->t, b->row, c->id, &lb, NULL);
	int d = memcmp(ia, ib, la < lb ? la : lb);
	if (d || la != lb)
		return d ? d : la < lb ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

/* Order the rows of one run of equal values by id. */
static void sort_ties(const struct sk_table *t, long id, size_t *rows, size_t n,
		      struct tie *tie)
{
	size_t lref, lcp;
	const char *ref = sk_table_get(t, rows[0], id, &lref, NULL);
	lcp = lref;
	for (size_t r = 1; r < n && lcp; r++) {
		size_t l, k = 0;
		const char *s = sk_table_get(t, rows[r], id, &l, NULL);
		while (k < lcp && k < l && s[k] == ref[k])
			k++;
		lcp = k;
	}
	for (size_t r = 0; r < n; r++) {
		size_t l;
		const unsigned char *s = (const unsigned char *)sk_table_get(t, rows[r], id, &l,
									      NULL);
		uint64_t key[2] = { 0, 0 };
		for (size_t k = lcp; k < lcp + 16; k++)
			key[k - lcp >= 8] = key[k - lcp >= 8] << 8 | (k < l ? s[k] : 0);
		tie[r] = (struct tie){ { key[0], key[1] }, (uint32_t)rows[r] };
	}
	struct idcol c = { t, id };
	qsort_r(tie, n, sizeof *tie, cmp_tie, &c);
	for (size_t r = 0; r < n; r++)
		rows[r] = tie[r].row;
}

/* Sort the rows idx[0..m) (ascending) best value first; equal values by
 * customer id (column id, when >= 0), so that the ranks do not depend on
 * the order of the input (a shuffled log, shards concatenated in another
 * order), else by row.  A radix sort on the value's bits (group.h), then
 * inside each run of equal values a sort on 16 bytes of the ids past the
 * prefix they share: a qsort that read every row's value and id through
 * the index took 47 s on ten million customers, all cache misses. */
static void sort_by_value(const struct sk_winback_row *rows, const struct sk_table *t, long id,
			  size_t *idx, size_t m)
{
	if (t->nrow > UINT32_MAX)
		sk_die(SK_EX_DATA, "more than 4 billion customers");
	struct sk_kv *kv = sk_xmalloc((m ? m : 1) * sizeof *kv);
	for (size_t r = 0; r < m; r++)
		kv[r] = (struct sk_kv){ sk_key_of_double(-rows[idx[r]].value), (uint32_t)idx[r] };
	if (sk_kv_sort(kv, m, UINT64_MAX) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory ranking %zu customers", m);
	for (size_t r = 0; r < m; r++)
		idx[r] = kv[r].idx;
	struct tie *tie = NULL;
	size_t tiecap = 0;
	for (size_t a = 0, b; id >= 0 && a < m; a = b) {
		for (b = a + 1; b < m && kv[b].key == kv[a].key; b++)
			;
		if (b - a < 2)
			continue;
		sk_grow((void **)&tie, &tiecap, b - a, sizeof *tie);
		sort_ties(t, id, idx + a, b - a, tie);
	}
	free(tie);
	free(kv);
}

size_t sk_winback_score(const struct sk_winback_opts *wo, const struct sk_table *t,
			const struct sk_winback_rates *rates, struct sk_winback_row *rows)
{
	struct cols c;
	find_cols(t, &c);
	size_t ncand = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		struct sk_winback_row *w = &rows[i];
		struct cust k;
		memset(w, 0, sizeof *w);
		read_cust(t, i, &c, wo->unit_days, &k);
		if (!k.buyer) {
			w->who = SK_WB_NO_PURCHASE;
			continue;
		}
		double away = k.T_days - k.recency_days;
		w->candidate = is_candidate(wo, &k);
		w->prob = cell_rate(wo, rates, gap_bucket(wo, away), orders_bucket(k.orders));
		/* Profit if the customer comes back.  With clv and p_alive from
		 * the models, E[value] = p_alive x E[value | alive], so the value
		 * of a revived customer is clv / p_alive; otherwise their own
		 * order value at their own historical rate over the horizon. */
		if (k.has_clv && k.has_p_alive && k.p_alive > 0.01)
			w->value_if_back = k.clv / k.p_alive;
		else {
			/* Their own pace over their whole tenure (at least a
			 * quarter), not over the first-to-last span, which a
			 * quick second order would make look frantic. */
			double years = wo->horizon_days / 365.25;
			double tenure = k.T_days > 91.3125 ? k.T_days : 91.3125;
			double per_year = k.orders / (tenure / 365.25);
			w->value_if_back = wo->margin * k.aov * per_year * years;
		}
		w->value = w->prob * w->value_if_back - wo->offer_cost;
		if (!isfinite(w->value))
			w->value = 0;
		if (w->candidate)
			ncand++;
	}
	/* Rank the candidates worth an offer. */
	size_t *idx = sk_xmalloc((ncand ? ncand : 1) * sizeof *idx), m = 0;
	for (size_t i = 0; i < t->nrow; i++)
		if (rows[i].candidate)
			idx[m++] = i;
	sort_by_value(rows, t, sk_table_col(t, wo->col_id), idx, m);
	/* "high value": the top fifth of the candidates by offer value (at
	 * least the best one). */
	size_t nhigh = m / 5 ? m / 5 : 1;
	size_t offers = 0;
	for (size_t r = 0; r < m; r++) {
		size_t i = idx[r];
		struct sk_winback_row *w = &rows[i];
		struct cust k;
		read_cust(t, i, &c, wo->unit_days, &k);
		double away = k.T_days - k.recency_days;
		w->who = k.orders >= wo->core_orders ?
			(away > wo->lapse_days ? SK_WB_LAPSED_CORE : SK_WB_OVERDUE_CORE) :
			k.orders >= 2 ? SK_WB_LAPSED_REPEAT : SK_WB_LAPSED_ONCE;
		if (k.has_p_alive && k.frequency > 0 && !(k.stage && *k.stage))
			w->who = k.orders >= wo->core_orders ? SK_WB_AT_RISK_CORE
							     : SK_WB_AT_RISK_REPEAT;
		if (r < nhigh && w->value > 0)
			w->flags |= SK_WB_HIGH_VALUE;
		if (k.discount_share >= 0.8)
			w->flags |= SK_WB_DISCOUNT_ONLY;
		if (w->value > 0 && w->value >= wo->min_value)
			w->rank = (long)++offers;
		else
			w->flags |= SK_WB_WORTH_LESS;
	}
	free(idx);
	return offers;
}

const char *sk_winback_reason(const struct sk_winback_row *w, char buf[SK_WB_REASON_MAX])
{
	static const char *const who[] = {
		[SK_WB_ACTIVE] = "active",
		[SK_WB_NO_PURCHASE] = "no purchase",
		[SK_WB_LAPSED_CORE] = "lapsed core",
		[SK_WB_OVERDUE_CORE] = "overdue core",
		[SK_WB_LAPSED_REPEAT] = "lapsed repeat buyer",
		[SK_WB_LAPSED_ONCE] = "lapsed one-time buyer",
		[SK_WB_AT_RISK_CORE] = "at-risk core",
		[SK_WB_AT_RISK_REPEAT] = "at-risk repeat buyer",
	};
	snprintf(buf, SK_WB_REASON_MAX, "%s%s%s%s", who[w->who],
		 w->flags & SK_WB_HIGH_VALUE ? ", high value" : "",
		 w->flags & SK_WB_DISCOUNT_ONLY ? ", discount-only buyer" : "",
		 w->flags & SK_WB_WORTH_LESS ? ", worth less than the offer" : "");
	return buf;
}

void sk_winback_report(FILE *f, const struct sk_table *t, const struct sk_winback_row *rows,
		       const struct sk_winback_rates *r, const struct sk_winback_opts *wo)
{
	size_t cand = 0, offers = 0;
	double at_risk = 0, expected = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		if (!rows[i].candidate)
			continue;
		cand++;
		at_risk += rows[i].value_if_back;
		if (rows[i].rank > 0) {
			offers++;
			expected += rows[i].prob * rows[i].value_if_back;
		}
	}
	double cost = offers * wo->offer_cost;
	fprintf(f, "customers: %zu; lapsed or at risk: %zu; offers: %zu\n", t->nrow, cand, offers);
	/* Not called "value at risk": that is clv of the customers with
	 * p_alive below the threshold in clv --report and the HTML report
	 * (issue 17: two figures of one name). */
	fprintf(f, "value if won back (profit of the candidates if they all came back): %.2f\n",
		at_risk);
	fprintf(f, "campaign: cost %.2f, expected profit %.2f, expected return %.2f", cost,
		expected, expected - cost);
	if (cost > 0)
		fprintf(f, " (ROI %.1f%%)", 100 * (expected - cost) / cost);
	fputc('\n', f);
	if (!r->from_history) {
		fprintf(f, "reactivation: no backtest history; every candidate gets the prior %.3f "
			"(give the transaction log for a backtest)\n", r->overall);
		return;
	}
	fprintf(f, "reactivation rates from the backtest (pooled %.4f over %.0f lapsed):\n",
		r->overall, r->total);
	for (int g = 0; g < SK_WB_GAPS; g++)
		for (int o = 0; o < SK_WB_ORDERS; o++)
			fprintf(f, "  away %-12s %-10s %6.0f lapsed, %5.0f back, rate %.4f\n",
				gap_label[g], orders_label[o], r->n[g][o], r->back[g][o],
				cell_rate(wo, r, g, o));
}

void sk_winback_evaluate(FILE *f, const struct sk_table *t, const struct sk_winback_row *rows)
{
	long hold = sk_table_col(t, "holdout_frequency");
	if (hold < 0)
		sk_die(SK_EX_DATA, "--evaluate needs holdout_frequency: summarize with --as-of "
		       "before the end of the data");
	size_t *idx = sk_xmalloc((t->nrow ? t->nrow : 1) * sizeof *idx), m = 0;
	for (size_t i = 0; i < t->nrow; i++)
		if (rows[i].candidate)
			idx[m++] = i;
	sort_by_value(rows, t, -1, idx, m);
	double back_all = 0;
	for (size_t r = 0; r < m; r++)
		back_all += num(t, idx[r], hold, NULL) > 0;
	double base = m ? back_all / m : 0;
	fprintf(f, "win-back lift by decile of rank (%zu candidates, %.0f came back, rate %.4f)\n",
		m, back_all, base);
	fprintf(f, "%-7s %10s %10s %10s %8s\n", "decile", "customers", "came back", "rate", "lift");
	for (int d = 0; d < 10; d++) {
		size_t a = m * (size_t)d / 10, b = m * (size_t)(d + 1) / 10;
		double back = 0;
		for (size_t r = a; r < b; r++)
			back += num(t, idx[r], hold, NULL) > 0;
		double rate = b > a ? back / (double)(b - a) : 0;
		fprintf(f, "%-7d %10zu %10.0f %10.4f %8.2f\n", d + 1, b - a, back, rate,
			base > 0 ? rate / base : 0);
	}
	free(idx);
}
