/* winback.c: candidates, reactivation rates from a backtest (the rows
 * and the fit in winbackfit.c), value. */
#include "winback.h"
#include "winbackint.h"
#include "record/group.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "model/fit.h"
#include "model/model.h"
#include "record/util.h"

struct cols {
	long orders, freq, rec, T, spend, mv, disc, palive, clv, stage, hold;
	long churned, preturn, units;
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
	c->churned = sk_table_col(t, "churned");
	c->preturn = sk_table_col(t, "p_return");
	c->units = sk_table_col(t, "first_quantity");
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
	k->units = num(t, i, c->units, NULL);
	if (!(k->units >= 0 && k->units < 1e300))
		sk_table_die(t, i, "column \"first_quantity\": \"%g\" is not a quantity >= 0",
			     k->units);
	k->p_alive = num(t, i, c->palive, &e);
	k->has_p_alive = !e && c->palive >= 0;
	k->clv = num(t, i, c->clv, &e);
	k->has_clv = !e && c->clv >= 0;
	k->stage = c->stage >= 0 ? sk_table_get(t, i, c->stage, NULL, NULL) : NULL;
	/* churn's decision and the probability it was made on: checked, as
	 * a typo here would silently change who gets an offer. */
	double ch = num(t, i, c->churned, &e);
	k->churned = e || c->churned < 0 ? -1 : ch != 0;
	if (k->churned >= 0 && ch != 0 && ch != 1)
		sk_table_die(t, i, "column \"churned\": \"%g\" is not 0 or 1", ch);
	k->p_return = num(t, i, c->preturn, &e);
	k->has_p_return = !e && c->preturn >= 0;
	if (k->has_p_return && !(k->p_return >= 0 && k->p_return <= 1))
		sk_table_die(t, i, "column \"p_return\": \"%g\" is not a probability",
			     k->p_return);
}

/* Mean gap between purchases in days: the customer's own rhythm.  With a
 * single purchase there is none, and the lapse rule alone applies. */
static double mean_gap(const struct cust *k)
{
	return k->frequency > 0 && k->recency_days > 0 ? k->recency_days / k->frequency : 0;
}

/* Lapsed or at risk, by the strongest evidence the record carries:
 * churn's own decision (churned, which since churn defaults to
 * --churn-rule p_return is p_return below churn's --threshold), else
 * p_return below --threshold, so that winback offers to the customers
 * churn calls churned and a pipeline says one thing; else the model's
 * p_alive (for repeat buyers: BG/NBD gives one-time buyers 1), then
 * classify's stage, then the lapse rules of classify.  p_return, the
 * chance of a purchase within churn's horizon, covers one-time buyers
 * too, and ranks returns better than p_alive (README, make accuracy). */
int sk_winback_is_candidate(const struct sk_winback_opts *wo, const struct cust *k)
{
	if (!k->buyer)
		return 0;
	if (k->churned >= 0)
		return k->churned;
	if (k->has_p_return)
		return k->p_return < wo->threshold;
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

const char *sk_winback_candidate_rule(const struct sk_table *t)
{
	if (sk_table_col(t, "churned") >= 0)
		return "churned (churn's decision)";
	if (sk_table_col(t, "p_return") >= 0)
		return "p_return below --threshold";
	if (sk_table_col(t, "p_alive") >= 0)
		return "p_alive below --threshold (repeat buyers), else the lapse rules";
	if (sk_table_col(t, "stage") >= 0)
		return "stage lapsed or core_defector";
	return "the lapse rules";
}

/* The features of a customer: logs, since
 * return rates fall off with time away and rise with orders roughly as
 * powers (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves
 * for customer base analysis", JMR 42(4), fig. 3); the rhythm terms say
 * how overdue a repeat buyer is against their own mean gap. */
void sk_winback_features(const struct cust *k, double x[SK_WB_NFEAT])
{
	double away = k->T_days - k->recency_days, g = mean_gap(k);
	x[0] = log1p(away > 0 ? away : 0);
	x[1] = log(k->orders >= 1 ? k->orders : 1);
	x[2] = log1p(k->T_days);
	x[3] = g > 0 ? log1p(g) : 0;
	x[4] = g > 0 ? log1p((away > 0 ? away : 0) / g) : 0;
	x[5] = log1p(k->aov > 0 ? k->aov : 0);
	x[6] = log1p(k->units);
}

/* The optional features left out: zeroed, learned and scored alike (a
 * column of zeros adds nothing to the ridge fit, model/learn.c). */
void sk_winback_drop_optional(const struct sk_winback_rates *r, double x[SK_WB_NFEAT])
{
	if (r->no_aov)
		x[5] = 0;
	if (r->no_units)
		x[6] = 0;
}

double sk_winback_window(const struct sk_winback_opts *wo, const struct sk_table *t)
{
	struct cols c;
	find_cols(t, &c);
	double span = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		int e;
		double T = num(t, i, c.T, &e) * wo->unit_days;
		if (!e && T > span)
			span = T;
	}
	double w = floor(span / 2);
	return wo->horizon_days < w ? wo->horizon_days : w;
}

static void fit_population(const struct sk_winback_opts *wo, const struct sk_table *t,
			   const struct cols *c, struct sk_winback_rates *r);

void sk_winback_learn(const struct sk_winback_opts *wo, const struct sk_table *bt,
		      double window_days, const struct sk_table *now, struct sk_winback_rates *r)
{
	memset(r, 0, sizeof *r);
	r->overall = wo->fallback_prob;
	struct collect cl = { 0 };
	struct cols c;
	if (bt) {
		r->window_days = window_days;
		find_cols(bt, &c);
		r->no_units = c.units < 0;
		long id = sk_table_col(bt, wo->col_id);
		for (size_t i = 0; c.hold >= 0 && i < bt->nrow; i++) {
			struct cust k;
			read_cust(bt, i, &c, wo->unit_days, &k);
			if (k.buyer)
				sk_winback_add_row(&cl, wo, r, bt, i, id, &k, num(bt, i, c.hold, NULL));
		}
	}
	sk_winback_fit(wo, &cl, r, bt ? "no customer had bought before the backtest day"
				      : "no transaction log to replay");
	if (r->basis == SK_WB_MODEL && now) {
		find_cols(now, &c);
		fit_population(wo, now, &c, r);
	}
}

int sk_winback_has_backtest(const struct sk_table *t)
{
	return sk_table_col(t, "backtest_frequency") >= 0 &&
	       sk_table_col(t, "backtest_recency") >= 0 && sk_table_col(t, "backtest_T") >= 0 &&
	       sk_table_col(t, "backtest_purchases") >= 0;
}

/* BG/NBD fitted to the records as they are now, for carrying the one
 * backtest window over to the horizon (see reactivation()); on failure
 * rates->pop_ok stays 0. */
static void fit_population(const struct sk_winback_opts *wo, const struct sk_table *t,
			   const struct cols *c, struct sk_winback_rates *r)
{
	struct sk_rfm *pat = sk_xmalloc((t->nrow + 1) * sizeof *pat);
	size_t n = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		struct cust k;
		read_cust(t, i, c, wo->unit_days, &k);
		if (k.buyer)
			pat[n++] = (struct sk_rfm){ .x = k.frequency,
				.t_x = k.recency_days / wo->unit_days,
				.T = k.T_days / wo->unit_days, .w = 1 };
	}
	n = sk_rfm_compress(pat, n);
	struct sk_fit f;
	char err[200];
	if (n > 0 && sk_bgnbd.fit(pat, n, &f, err, sizeof err) == 0) {
		memcpy(r->pop_par, f.par, sizeof r->pop_par);
		r->pop_ok = 1;
	}
	free(pat);
}

void sk_winback_learn_records(const struct sk_winback_opts *wo, const struct sk_table *t,
			      struct sk_winback_rates *r)
{
	memset(r, 0, sizeof *r);
	r->overall = wo->fallback_prob;
	struct cols c;
	find_cols(t, &c);
	long bf = sk_table_col(t, "backtest_frequency"), br = sk_table_col(t, "backtest_recency");
	long bT = sk_table_col(t, "backtest_T"), bp = sk_table_col(t, "backtest_purchases");
	/* The order value as of the cut: backtest_total_spend (summarize
	 * --backtest on a log with amounts), the spend of the x + 1 orders
	 * by the cut, as total_spend is at the end (read_cust), where the
	 * records' own total_spend and monetary_value count purchases after
	 * the cut.  Without it the order value is left out, learned and
	 * applied alike. */
	long bs = sk_table_col(t, "backtest_total_spend");
	r->no_aov = bs < 0;
	/* The units of the first purchase day are the same as of the cut as
	 * at the end for every customer learned from (their first purchase
	 * is before the cut), so first_quantity serves both. */
	r->no_units = c.units < 0;
	long id = sk_table_col(t, wo->col_id);
	struct collect cl = { 0 };
	/* The window: from the cut to the end of observation, T - backtest_T
	 * of any customer with both. */
	for (size_t i = 0; i < t->nrow && r->window_days == 0; i++) {
		int e1, e2;
		double T = num(t, i, c.T, &e1), Tb = num(t, i, bT, &e2);
		if (!e1 && !e2)
			r->window_days = floor((T - Tb) * wo->unit_days + 0.5);
	}
	if (r->window_days >= 1) {
		for (size_t i = 0; i < t->nrow; i++) {
			int ef, er, eT, ep;
			double x = num(t, i, bf, &ef), tx = num(t, i, br, &er);
			double Tb = num(t, i, bT, &eT), back = num(t, i, bp, &ep);
			if (ef || er || eT || ep)
				continue;	/* first purchase after the cut */
			if (x < 0 || x != floor(x) || back < 0 || back != floor(back))
				sk_table_die(t, i, "backtest_frequency and backtest_purchases must be "
					     "whole numbers >= 0");
			if (tx < 0 || tx > Tb * (1 + 1e-9) + 1e-9)
				sk_table_die(t, i, "backtest_recency %g is outside 0 .. backtest_T %g",
					     tx, Tb);
			struct cust k = { .buyer = 1, .churned = -1, .frequency = x, .orders = x + 1,
					  .recency_days = tx * wo->unit_days,
					  .T_days = Tb * wo->unit_days };
			if (c.units >= 0) {
				k.units = num(t, i, c.units, NULL);
				if (!(k.units >= 0 && k.units < 1e300))
					sk_table_die(t, i, "column \"first_quantity\": \"%g\" is "
						     "not a quantity >= 0", k.units);
			}
			if (bs >= 0) {
				int es;
				double spend = num(t, i, bs, &es);
				if (es || !(spend >= 0 && spend < 1e300))
					sk_table_die(t, i, "column \"backtest_total_spend\": %s for a "
						     "customer with purchases by the cut",
						     es ? "empty" : "not a spend");
				k.aov = spend / k.orders;
			}
			sk_winback_add_row(&cl, wo, r, t, i, id, &k, back);
		}
	}
	sk_winback_fit(wo, &cl, r, "no customer had bought before the backtest cut");
	if (r->basis == SK_WB_MODEL)
		fit_population(wo, t, &c, r);
}

const char *sk_winback_basis_name(enum sk_winback_basis b)
{
	return b == SK_WB_MODEL ? "backtest" : b == SK_WB_POOLED ? "pooled" : "assumed";
}

void sk_winback_rates_free(struct sk_winback_rates *r)
{
	if (r->basis == SK_WB_MODEL) {
		sk_learn_free(&r->glm);
		sk_learn_free(&r->cal);
	}
	r->basis = SK_WB_ASSUMED;
}

/* log(-log(1 - p)), the complementary log-log of p. */
static double cloglog(double p)
{
	p = p < 1e-12 ? 1e-12 : p > 1 - 1e-12 ? 1 - 1e-12 : p;
	return log(-log1p(-p));
}

/* One backtest window w teaches nothing about longer horizons H.  With a
 * BG/NBD fitted to the records, the shift on the cloglog scale is the
 * model's own for this customer: cloglog P(X(T, T+H] > 0) - cloglog
 * P(X(T, T+w] > 0), with P = p_alive x P(X > 0 | alive) (Fader, Hardie &
 * Lee 2005, "Counting your customers the easy way", eq. 13 for p_alive;
 * the rest as in churn's p_return).  Its heterogeneity and drop-out make
 * the chance per day fall as the window grows.  Without the model, a
 * steady chance per day: log(H / w). */
static double horizon_shift(const struct sk_winback_opts *wo, const struct sk_winback_rates *r,
			    const struct cust *k)
{
	double H = wo->horizon_days, w = r->window_days;
	if (!r->pop_ok)
		return log(H / w);
	const double *par = r->pop_par;
	double u = wo->unit_days, x = k->frequency, tx = k->recency_days / u, T = k->T_days / u;
	double pa = sk_bgnbd.p_alive(par, x, tx, T);
	double pH = pa * sk_bgnbd.return_alive(par, H / u, x, T);
	double pw = pa * sk_bgnbd.return_alive(par, w / u, x, T);
	double d = cloglog(pH) - cloglog(pw);
	return isfinite(d) ? d : log(H / w);
}

/* P(back within the horizon) of customer k. */
static double reactivation(const struct sk_winback_opts *wo, const struct sk_winback_rates *r,
			   const struct cust *k)
{
	if (r->basis != SK_WB_MODEL)
		return r->basis == SK_WB_POOLED ? r->pooled : wo->fallback_prob;
	double x[SK_WB_NFEAT];
	sk_winback_features(k, x);
	sk_winback_drop_optional(r, x);
	double eta = sk_learn_eta(&r->glm, x, 0);
	double cal = sk_learn_eta(&r->cal, &eta, 0);
	if (r->window_days > 0 && r->window_days != wo->horizon_days)
		cal += horizon_shift(wo, r, k);
	return sk_learn_mean(SK_LINK_CLOGLOG, cal);
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
		w->candidate = sk_winback_is_candidate(wo, &k);
		w->prob = reactivation(wo, rates, &k);
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
		if (!w->candidate)
			continue;
		ncand++;
		/* Who a candidate is does not depend on its rank: decided here,
		 * in row order, not below in rank order, where reading each
		 * record again was a cache miss a field (0.45 s of winback's
		 * 1.2 s on a million customers). */
		double away = k.T_days - k.recency_days;
		w->who = k.orders >= wo->core_orders ?
			(away > wo->lapse_days ? SK_WB_LAPSED_CORE : SK_WB_OVERDUE_CORE) :
			k.orders >= 2 ? SK_WB_LAPSED_REPEAT : SK_WB_LAPSED_ONCE;
		/* Chosen by churn's forecast and not yet away past the lapse
		 * rule: at risk, not lapsed. */
		if ((k.churned >= 0 || k.has_p_return) && away <= wo->lapse_days)
			w->who = k.orders >= wo->core_orders ? SK_WB_AT_RISK_CORE :
				k.orders >= 2 ? SK_WB_AT_RISK_REPEAT : SK_WB_AT_RISK_ONCE;
		else if (k.churned < 0 && !k.has_p_return && k.has_p_alive && k.frequency > 0 &&
			 !(k.stage && *k.stage))
			w->who = k.orders >= wo->core_orders ? SK_WB_AT_RISK_CORE
							     : SK_WB_AT_RISK_REPEAT;
		if (k.discount_share >= 0.8)
			w->flags |= SK_WB_DISCOUNT_ONLY;
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
		if (r < nhigh && w->value > 0)
			w->flags |= SK_WB_HIGH_VALUE;
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
		[SK_WB_AT_RISK_ONCE] = "at-risk one-time buyer",
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
	fprintf(f, "candidates by: %s\n", sk_winback_candidate_rule(t));
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
	if (r->basis == SK_WB_ASSUMED) {
		fprintf(f, "reactivation: no model (%s); every candidate gets the assumed %.3f "
			"(winback_basis \"assumed\")\n", r->why, wo->fallback_prob);
		return;
	}
	if (r->basis == SK_WB_POOLED) {
		fprintf(f, "reactivation: no model (%s); every candidate gets the backtest's "
			"return rate %.4f over %.0f days, %.0f customers (winback_basis \"pooled\")\n",
			r->why, r->pooled, r->window_days, r->pooled_n);
		return;
	}
	fprintf(f, "reactivation model: learned from %.0f customers as of %.0f days before the "
		"end, %.0f came back; predicts returns within %.0f days\n", r->total,
		r->window_days, r->back, wo->horizon_days);
	if (r->window_days != wo->horizon_days && r->pop_ok)
		fprintf(f, "window to horizon: by a BG/NBD fitted to the customers now (r %.4g, "
			"alpha %.4g, a %.4g, b %.4g)\n", r->pop_par[0], r->pop_par[1],
			r->pop_par[2], r->pop_par[3]);
	else if (r->window_days != wo->horizon_days)
		fprintf(f, "window to horizon: P(back within %.0f days) = 1 - (1 - P(back within "
			"%.0f days))^%.3f, as if each customer's chance per day held steady (the "
			"BG/NBD fit failed)\n", wo->horizon_days, r->window_days,
			wo->horizon_days / r->window_days);
	if (r->aov_tried)
		fprintf(f, "order value: %s (cross-validated deviance %.2f with it, %.2f without; "
			"a gain over %.2f needed)\n", r->no_aov ? "not used" : "used", r->aov_dev[0],
			r->aov_dev[1], gsl_cdf_chisq_Pinv(0.95, 1));
	else
		fprintf(f, "order value: not used (not in the records as of the cut: summarize "
			"--backtest on a log with amounts writes backtest_total_spend)\n");
	if (r->units_tried)
		fprintf(f, "units of the first purchase day: %s (cross-validated deviance %.2f "
			"with them, %.2f without; a gain over %.2f needed)\n",
			r->no_units ? "not used" : "used", r->units_dev[0], r->units_dev[1],
			gsl_cdf_chisq_Pinv(0.95, 1));
	fprintf(f, "held out (%s, %.0f customers): came back %.4f, predicted %.4f, AUC %.4f, "
		"ECE %.4f\n", r->cal_lapsed ? "lapsed" : "all", r->heldout_n, r->heldout_rate,
		r->heldout_mean, r->heldout_auc, r->heldout_ece);
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
