/* recount.c: what the summary does after its one pass over the rows:
 * the distinct purchase days of the customers whose rows came out of date
 * order, the referees' spend credited to their referrers, the day counts
 * of churn --tracking and the backtest cut of summarize --backtest. */
#include "summaryint.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/group.h"
#include "record/util.h"

/* Count distinct purchase days from the log for out-of-order customers.
 *
 * A counting sort by customer, not a comparison sort of (customer, day)
 * pairs: one pass over the log keeps the rows of out-of-order customers
 * (a bitmap says which, one bit a customer, small enough to stay in
 * cache) and counts them per customer; a prefix sum places each
 * customer's run; a second pass scatters the days (4 bytes a row, not the
 * 8 of a log entry) into their runs, and the log is freed.  Then each
 * customer's run is sorted and its distinct days counted, customers split
 * over the cores.  Extra memory: 4 bytes a purchase row of an out-of-order
 * customer and 4 bytes + 1 bit a customer, where the qsort it replaces
 * copied the whole 8-byte-a-row log. */
void sk_summary_recount(struct sk_summary *s)
{
	if (!s->any_unordered)
		return;
	s->any_unordered = 0;
	size_t n = s->n;
	uint64_t *unord = sk_xcalloc(n / 64 + 1, sizeof *unord);
	for (size_t i = 0; i < n; i++)
		if (s->c[i].orders & UNORDERED)
			unord[i / 64] |= 1ull << (i % 64);
	uint32_t *pos = sk_xcalloc(n + 1, sizeof *pos);	/* counts, then run ends */
	size_t m = 0;
	for (size_t i = 0; i < s->nlog; i++) {
		uint32_t idx = s->log[i].idx;
		if (unord[idx / 64] >> (idx % 64) & 1) {
			s->log[m++] = s->log[i];
			pos[idx + 1]++;
		}
	}
	if (m > UINT32_MAX)
		sk_die(SK_EX_SOFTWARE, "more than %lu purchase rows of customers whose rows "
		       "are not in date order: sort the log by date first",
		       (unsigned long)UINT32_MAX);
	for (size_t i = 0; i < n; i++)
		pos[i + 1] += pos[i];		/* pos[i]: where customer i's run starts */
	/* Days as unsigned keys in the same order (sign bit flipped). */
	uint32_t *days = sk_xmalloc((m ? m : 1) * sizeof *days);
	for (size_t i = 0; i < m; i++)
		days[pos[s->log[i].idx]++] = (uint32_t)s->log[i].day ^ 0x80000000u;
	/* now pos[i] is where customer i's run ends */
	sk_big_free(s->log, s->logcap * sizeof *s->log);
	s->log = NULL;
	s->nlog = s->logcap = 0;

	const struct sk_opts *o = s->o;
	long nn = (long)n;
#pragma omp parallel for schedule(dynamic, 4096) if (m > 16384)
	for (long k = 0; k < nn; k++) {
		if (!(unord[k / 64] >> (k % 64) & 1))
			continue;
		struct cust *c = &s->c[k];
		size_t lo = k ? pos[k - 1] : 0;
		uint32_t *d = days + lo;
		size_t nd = sk_sort_unique_u32(d, pos[k] - lo);
		uint32_t cal = 0, hold = 0;
		int32_t hold_last = NO_DAY, last = NO_DAY;
		for (size_t j = 0; j < nd; j++) {
			int32_t day = (int32_t)(d[j] ^ 0x80000000u);
			if (o->has_as_of && day > o->as_of) {
				hold++;
				hold_last = day;
			} else {
				cal++;
				last = day;
			}
		}
		c->orders = cal;
		c->hold_orders = hold;
		c->hold_last = hold_last;
		c->last = last;
	}
	free(days);
	free(pos);
	free(unord);
}

/* referred_spend: each referee's net calibration spend (purchases less
 * refunds) credited to the one referrer it credited with the referral. */
void sk_summary_referred_spend(struct sk_summary *s)
{
	if (!s->has_referred || s->refspend)
		return;
	s->refspend = sk_xcalloc(s->n ? s->n : 1, sizeof *s->refspend);
	for (size_t i = 0; i < s->n; i++) {
		const struct cust *c = &s->c[i];
		const struct ext *e = c->ext ? &s->ext[c->ext - 1] : NULL;
		if (e && e->referrer)
			s->refspend[e->referrer - 1] += c->spend - e->refunds;
	}
}

/* 1 when a customer's refunds cover all its purchases: it has no purchase
 * left (siklus.7: spend is net of refunds) and is a prospect everywhere. */
int sk_summary_refunded_away(const struct sk_summary *s, const struct cust *c)
{
	const struct ext *e = c->ext ? &s->ext[c->ext - 1] : NULL;
	return e && e->refunds > 0 && c->first != NO_DAY && e->refunds >= c->spend;
}

static int cmp_log(const void *a, const void *b)
{
	const struct logent *x = a, *y = b;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return (x->day > y->day) - (x->day < y->day);
}

void sk_summary_days(struct sk_summary *s, struct sk_daycounts *dc)
{
	memset(dc, 0, sizeof *dc);
	if (!s->any_rows)
		return;
	long as_of = s->o->has_as_of ? s->o->as_of : s->max_day;
	long end = as_of > s->max_day ? as_of : s->max_day;
	dc->day0 = s->min_day;
	dc->as_of = as_of;
	dc->ndays = (size_t)(end - s->min_day + 1);
	dc->repeat = sk_xcalloc(dc->ndays, sizeof *dc->repeat);
	dc->first = sk_xcalloc(dc->ndays, sizeof *dc->first);
	for (size_t i = 0; i < s->n; i++)
		if (s->c[i].first != NO_DAY && !sk_summary_refunded_away(s, &s->c[i]))
			dc->first[s->c[i].first - dc->day0]++;
	/* Sorted by (customer, day), the log gives each customer's distinct
	 * purchase days; every one but the first calibration day is a repeat
	 * transaction (calibration or holdout).  recount() later selects
	 * from the sorted log, which stays sorted. */
	qsort(s->log, s->nlog, sizeof *s->log, cmp_log);
	for (size_t i = 0; i < s->nlog;) {
		uint32_t idx = s->log[i].idx;
		int32_t first = sk_summary_refunded_away(s, &s->c[idx]) ? NO_DAY : s->c[idx].first;
		int32_t prev = NO_DAY;
		for (; i < s->nlog && s->log[i].idx == idx; i++) {
			int32_t day = s->log[i].day;
			if (day == prev)
				continue;
			prev = day;
			if (first != NO_DAY && day != first)
				dc->repeat[day - dc->day0]++;
		}
	}
}

void sk_daycounts_free(struct sk_daycounts *dc)
{
	free(dc->repeat);
	free(dc->first);
	memset(dc, 0, sizeof *dc);
}

/* The risk signals as of the backtest cut (issue 19): complaints,
 * returns and negative reviews up to the cut and the day of the last of
 * them, what complaints .. days_since_complaint are at the end, from the
 * risk events apply() kept (none after --as-of), which are then freed.
 * Events after the cut never reach these columns: the learned layer
 * learns from them against what came after the cut. */
static void backtest_risk(struct sk_summary *s)
{
	size_t n = s->n ? s->n : 1;
	s->bt_risk = sk_xcalloc(n, sizeof *s->bt_risk);
	s->bt_risk_day = sk_xmalloc(n * sizeof *s->bt_risk_day);
	for (size_t i = 0; i < s->n; i++)
		s->bt_risk_day[i] = NO_DAY;
	for (size_t k = 0; k < s->nrlog; k++) {
		const struct riskent *r = &s->rlog[k];
		if (r->day > s->bt_cut)
			continue;
		s->bt_risk[r->idx][r->kind - 1]++;
		if (s->bt_risk_day[r->idx] == NO_DAY || r->day > s->bt_risk_day[r->idx])
			s->bt_risk_day[r->idx] = r->day;
	}
	free(s->rlog);
	s->rlog = NULL;
	s->nrlog = s->rlogcap = 0;
}

/* The backtest: the calibration period cut at bt_cut = end - held back;
 * each customer's transactions up to the cut (count, last day) and
 * after it (count), from the log of purchase days, before recount()
 * keeps only the out-of-order customers' part of it.  Nothing after the
 * end of observation (--as-of) is read. */
void sk_summary_backtest(struct sk_summary *s)
{
	const struct sk_opts *o = s->o;
	if (!o->backtest_days || s->bt_orders)
		return;
	long end = o->has_as_of ? o->as_of : s->max_day;
	long first = LONG_MAX;
	for (size_t i = 0; i < s->n; i++)
		if (s->c[i].first != NO_DAY && s->c[i].first < first)
			first = s->c[i].first;
	double held = o->backtest_days;
	if (held < 0)
		held = first == LONG_MAX ? 1 : fmax(1, round((end - first) / 3.0));
	s->bt_cut = end - (long)ceil(held - 1e-9);
	s->bt_last = sk_xmalloc((s->n ? s->n : 1) * sizeof *s->bt_last);
	s->bt_orders = sk_xcalloc(s->n ? s->n : 1, sizeof *s->bt_orders);
	s->bt_after = sk_xcalloc(s->n ? s->n : 1, sizeof *s->bt_after);
	int32_t *alast = sk_xmalloc((s->n ? s->n : 1) * sizeof *alast);
	for (size_t i = 0; i < s->n; i++)
		s->bt_last[i] = alast[i] = NO_DAY;
	/* In a log sorted by date each customer's days arrive in order, so
	 * distinct days are changes of day; otherwise sort a copy first. */
	struct logent *lg = s->log;
	if (s->any_unordered) {
		lg = sk_xmalloc((s->nlog ? s->nlog : 1) * sizeof *lg);
		memcpy(lg, s->log, s->nlog * sizeof *lg);
		qsort(lg, s->nlog, sizeof *lg, cmp_log);
	}
	for (size_t k = 0; k < s->nlog; k++) {
		uint32_t i = lg[k].idx;
		int32_t d = lg[k].day;
		if (d > end)
			continue;
		if (d <= s->bt_cut) {
			if (d != s->bt_last[i]) {
				s->bt_orders[i]++;
				s->bt_last[i] = d;
			}
		} else if (d != alast[i]) {
			s->bt_after[i]++;
			alast[i] = d;
		}
	}
	if (lg != s->log)
		free(lg);
	free(alast);
	backtest_risk(s);
}
