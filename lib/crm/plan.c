/* plan.c: the next best action of every customer (issue 19).
 *
 * The texts the programs serve (Kumar & Reinartz, Customer Relationship
 * Management, ch. 6-7 on the customer life cycle and the value of
 * retention; Reichheld & Sasser 1990 on defections) ask for one thing per
 * customer: acquire a prospect, onboard a first-time buyer, cross-sell and
 * up-sell in the enhance phase, retain the active, reward the loyal, win
 * back the gone, and only where it pays.  Each action is valued here as
 * the profit it adds over the horizon, net of its cost, under a stated
 * uplift (an option):
 *
 *   p   return probability: p_return (churn's P(a purchase within the
 *       horizon)), else p_alive, else 1 for a customer within the lapse
 *       window and 0 beyond it
 *   H   the customer's own value over the horizon if it stays: margin x
 *       net spend (total_spend - refunds) x horizon / max(T, horizon),
 *       a run rate that never extrapolates a customer seen for less than
 *       a horizon beyond what it has spent
 *   A   the value the models expect over the horizon: clv, else margin x
 *       expected_spend x expected_purchases, else p x H
 *
 *   acquire    (prospects)            u x mean A of the buyers - c
 *   onboard    (one purchase)         u x p x max(mean A of repeat buyers - A, 0) - c
 *   cross_sell (xsell_1 set)          u x A - c
 *   up_sell    (repeat buyer)         u x A - c
 *   retain     (active buyers)        u x (1 - p) x H - c
 *   reward     (orders >= core)       u x (A + (1 - p) x H) - c
 *   win_back   (gone)                 q x H - c, q = winback_prob when set, else u
 *
 * A buyer is gone when away longer than the lapse window or p is below
 * --gone; a gone buyer is offered win_back only, an active one every
 * other action it qualifies for.  The best value wins (ties: the order
 * above); none when no value is positive.  Under a budget the chosen
 * actions are kept best value first while their costs fit. */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/score.h"
#include "record/util.h"

static const char *const names[SK_NACT] = {
	"acquire", "onboard", "cross_sell", "up_sell", "retain", "win_back", "reward", "none",
};

enum { WHY_PROSPECT, WHY_FIRST, WHY_REPEAT, WHY_CORE, WHY_LAPSED, WHY_LOW_P };
enum { F_NOTHING_PAYS = 0x10, F_OVER_BUDGET = 0x20 };

const char *sk_action_name(enum sk_action a)
{
	return names[a];
}

int sk_action_find(const char *name, size_t len)
{
	for (int a = 0; a < SK_NACT; a++)
		if (strlen(names[a]) == len && strncmp(names[a], name, len) == 0)
			return a;
	return -1;
}

int sk_plan_parse_list(const char *arg, double lo, double hi, double v[SK_NACT],
		       char *why, size_t whylen)
{
	const char *p = arg;
	for (;;) {
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (!eq || eq > end) {
			snprintf(why, whylen, "\"%.*s\" is not ACTION=NUMBER", (int)(end - p), p);
			return 1;
		}
		int a = sk_action_find(p, (size_t)(eq - p));
		if (a < 0 || a == SK_ACT_NONE) {
			snprintf(why, whylen, "unknown action \"%.*s\" (acquire, onboard, "
				 "cross_sell, up_sell, retain, win_back, reward)", (int)(eq - p), p);
			return 1;
		}
		char num[64], *e;
		size_t n = (size_t)(end - eq - 1);
		if (n == 0 || n >= sizeof num)
			goto bad;
		memcpy(num, eq + 1, n);
		num[n] = 0;
		double x = strtod(num, &e);
		if (*e || !isfinite(x) || x < lo || x > hi)
			goto bad;
		v[a] = x;
		if (!*end)
			return 0;
		p = end + 1;
		continue;
bad:
		snprintf(why, whylen, "%s: \"%.*s\" is not a number from %g to %g", names[a],
			 (int)n, eq + 1, lo, hi);
		return 1;
	}
}

struct cols {
	long spend, refunds, p, clv, es, ep, wbp, xs, up, orders;
	const char *pname;
};

static double num(const struct sk_table *t, size_t i, long c, int *empty)
{
	if (c < 0) {
		*empty = 1;
		return 0;
	}
	return sk_table_num(t, i, c, empty);
}

static int has_text(const struct sk_table *t, size_t i, long c)
{
	size_t len = 0;
	if (c >= 0)
		sk_table_get(t, i, c, &len, NULL);
	return len > 0;
}

/* What a customer's row says: buyer, gone, p, H, A (see the top). */
struct cust {
	int buyer, gone, why;
	double x, p, H, A, wbp;
	int has_wbp;
};

/* Row i, whose frequency, recency and T the models' checks passed
 * (sk_custdata_read): valid 0 for a prospect. */
static void read_cust(const struct sk_plan_opts *po, const struct sk_table *t,
		      const struct cols *c, size_t i, int valid, const struct sk_rfm *rfm,
		      struct cust *k)
{
	int e;
	memset(k, 0, sizeof *k);
	if (!valid) {
		k->why = WHY_PROSPECT;
		return;
	}
	double x = rfm->x, tx = rfm->t_x, T = rfm->T;
	k->buyer = 1;
	k->x = x;
	double T_days = T * po->unit_days, since = (T - tx) * po->unit_days;
	double net = num(t, i, c->spend, &e) - num(t, i, c->refunds, &e);
	k->H = po->margin * net * po->horizon_days /
	       (T_days > po->horizon_days ? T_days : po->horizon_days);
	double p = num(t, i, c->p, &e);
	if (e)
		p = since > po->lapse_days ? 0 : 1;
	else if (!(p >= 0 && p <= 1))
		sk_table_die(t, i, "column \"%s\": %g is not a probability", c->pname, p);
	k->p = p;
	double a = num(t, i, c->clv, &e);
	if (e) {
		int e1, e2;
		double es = num(t, i, c->es, &e1), ep = num(t, i, c->ep, &e2);
		a = e1 || e2 ? p * k->H : po->margin * es * ep;
	}
	k->A = a;
	k->wbp = num(t, i, c->wbp, &e);
	k->has_wbp = !e;
	k->gone = since > po->lapse_days || p < po->gone;
	k->why = k->gone ? (since > po->lapse_days ? WHY_LAPSED : WHY_LOW_P) :
		 x == 0 ? WHY_FIRST : x + 1 >= po->core_orders ? WHY_CORE : WHY_REPEAT;
}

static void find_cols(const struct sk_table *t, struct cols *c)
{
	c->spend = sk_table_col(t, "total_spend");
	c->refunds = sk_table_col(t, "refunds");
	c->pname = "p_return";
	c->p = sk_table_col(t, "p_return");
	if (c->p < 0) {
		c->pname = "p_alive";
		c->p = sk_table_col(t, "p_alive");
	}
	c->clv = sk_table_col(t, "clv");
	c->es = sk_table_col(t, "expected_spend");
	c->ep = sk_table_col(t, "expected_purchases");
	c->wbp = sk_table_col(t, "winback_prob");
	c->xs = sk_table_col(t, "xsell_1");
	c->up = sk_table_col(t, "upsell");
}

static int by_value(const void *a, const void *b, void *ctx)
{
	const struct sk_plan_row *r = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	if (r[i].value != r[j].value)
		return r[i].value > r[j].value ? -1 : 1;
	return (i > j) - (i < j);
}

void sk_plan_run(const struct sk_plan_opts *po, const struct sk_table *t,
		 struct sk_plan_row *rows)
{
	struct cols c;
	struct sk_custdata d;
	sk_custdata_read(t, NULL, 0, 0, &d);
	find_cols(t, &c);
	size_t n = t->nrow;
	/* The means acquire and onboard compare with: a first pass, and the
	 * rows are read again below rather than kept (memory for a million). */
	struct cust k1;
	double sum_b = 0, sum_r = 0;
	size_t nb = 0, nr = 0;
	for (size_t i = 0; i < n; i++) {
		read_cust(po, t, &c, i, d.valid[i], &d.rfm[i], &k1);
		if (k1.buyer) {
			sum_b += k1.A;
			nb++;
			if (k1.x > 0) {
				sum_r += k1.A;
				nr++;
			}
		}
	}
	double mean_b = nb ? sum_b / (double)nb : 0, mean_r = nr ? sum_r / (double)nr : 0;
	const double *u = po->uplift, *cost = po->cost;
	for (size_t i = 0; i < n; i++) {
		struct cust qc;
		const struct cust *q = &qc;
		read_cust(po, t, &c, i, d.valid[i], &d.rfm[i], &qc);
		double v[SK_NACT];
		for (int a = 0; a < SK_NACT; a++)
			v[a] = -HUGE_VAL;
		if (!q->buyer) {
			v[SK_ACT_ACQUIRE] = u[SK_ACT_ACQUIRE] * mean_b - cost[SK_ACT_ACQUIRE];
		} else if (q->gone) {
			double w = q->has_wbp ? q->wbp : u[SK_ACT_WIN_BACK];
			v[SK_ACT_WIN_BACK] = w * q->H - cost[SK_ACT_WIN_BACK];
		} else {
			double gap = mean_r - q->A > 0 ? mean_r - q->A : 0;
			if (q->x == 0)
				v[SK_ACT_ONBOARD] = u[SK_ACT_ONBOARD] * q->p * gap - cost[SK_ACT_ONBOARD];
			if (has_text(t, i, c.xs))
				v[SK_ACT_CROSS_SELL] = u[SK_ACT_CROSS_SELL] * q->A -
						       cost[SK_ACT_CROSS_SELL];
			if (q->x > 0 || has_text(t, i, c.up))
				v[SK_ACT_UP_SELL] = u[SK_ACT_UP_SELL] * q->A - cost[SK_ACT_UP_SELL];
			v[SK_ACT_RETAIN] = u[SK_ACT_RETAIN] * (1 - q->p) * q->H - cost[SK_ACT_RETAIN];
			if (q->x + 1 >= po->core_orders)
				v[SK_ACT_REWARD] = u[SK_ACT_REWARD] * (q->A + (1 - q->p) * q->H) -
						   cost[SK_ACT_REWARD];
		}
		int best = SK_ACT_NONE;
		for (int a = 0; a < SK_ACT_NONE; a++)
			if (v[a] > 0 && (best == SK_ACT_NONE || v[a] > v[best]))
				best = a;
		rows[i].action = (unsigned char)best;
		rows[i].value = best == SK_ACT_NONE ? 0 : v[best];
		rows[i].p = q->p;
		rows[i].why = (unsigned char)(q->why | (best == SK_ACT_NONE ? F_NOTHING_PAYS : 0));
	}
	sk_custdata_free(&d);
	if (!po->has_budget)
		return;
	/* Best value first while the costs fit; a cheaper action further down
	 * may still fit after a dear one did not. */
	size_t *ord = sk_xmalloc((n ? n : 1) * sizeof *ord), m = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].action != SK_ACT_NONE)
			ord[m++] = i;
	qsort_r(ord, m, sizeof *ord, by_value, rows);
	double left = po->budget;
	for (size_t j = 0; j < m; j++) {
		struct sk_plan_row *r = &rows[ord[j]];
		double cst = cost[r->action];
		if (cst <= left + 1e-9 * po->budget) {
			left -= cst;
			continue;
		}
		r->action = SK_ACT_NONE;
		r->value = 0;
		r->why |= F_OVER_BUDGET;
	}
	free(ord);
}

const char *sk_plan_reason(const struct sk_table *t, size_t i, const struct sk_plan_row *r,
			   char buf[SK_PLAN_REASON_MAX])
{
	static const char *const who[] = {
		"prospect", "first-time buyer", "repeat buyer", "core buyer",
		"lapsed", "unlikely to return",
	};
	long st = sk_table_col(t, "stage");
	size_t len = 0;
	const char *stage = st >= 0 ? sk_table_get(t, i, st, &len, NULL) : "";
	int k = 0;
	if (len)
		k = snprintf(buf, SK_PLAN_REASON_MAX, "%.*s: ", len > 40 ? 40 : (int)len, stage);
	int w = r->why & 0x0f;
	k += snprintf(buf + k, SK_PLAN_REASON_MAX - (size_t)k, "%s", who[w]);
	if (w != WHY_PROSPECT)
		k += snprintf(buf + k, SK_PLAN_REASON_MAX - (size_t)k, ", p %.2f", r->p);
	static const char *const sugg[SK_NACT] = { [SK_ACT_CROSS_SELL] = "xsell_1",
						   [SK_ACT_UP_SELL] = "upsell" };
	long sc = sugg[r->action] ? sk_table_col(t, sugg[r->action]) : -1;
	const char *sv = sc >= 0 ? sk_table_get(t, i, sc, &len, NULL) : "";
	if (sc >= 0 && len)
		k += snprintf(buf + k, SK_PLAN_REASON_MAX - (size_t)k, "; suggest %.*s",
			      len > 40 ? 40 : (int)len, sv);
	if (r->why & F_OVER_BUDGET)
		snprintf(buf + k, SK_PLAN_REASON_MAX - (size_t)k, "; over budget");
	else if (r->why & F_NOTHING_PAYS)
		snprintf(buf + k, SK_PLAN_REASON_MAX - (size_t)k, "; no action pays its cost");
	return buf;
}
