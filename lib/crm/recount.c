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

/* One bit a customer, set for those whose rows came out of date order:
 * small enough to stay in cache while the log is read, where testing
 * the flag in the customer array cost a cache miss a row (10M customers:
 * 59 s instead of 21 s of CPU for 100M rows). */
static uint64_t *unordered_bits(const struct sk_summary *s)
{
	uint64_t *b = sk_xcalloc(s->n / 64 + 1, sizeof *b);
	for (size_t i = 0; i < s->n; i++)
		if (s->c[i].orders & UNORDERED)
			b[i / 64] |= 1ull << (i % 64);
	return b;
}

static int bit(const uint64_t *b, uint32_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

/* The log's purchase days grouped by customer, each customer's days
 * ascending: of every customer (all) or of those whose rows came out of
 * date order.  A counting sort by customer, not a comparison sort of
 * (customer, day) pairs: one pass over the log counts the rows of each
 * selected customer, a prefix sum places each customer's run, a second
 * pass scatters the days (4 bytes a row, not the 8 of a log entry) into
 * their runs, and only each customer's run is sorted, customers split
 * over the cores.  The log is left as it is.  Days are returned as
 * unsigned keys in the same order (sign bit flipped, see day_of);
 * customer k's run is days[k ? end[k-1] : 0 .. end[k]), empty when not
 * selected, and may repeat a day.  Extra memory: 4 bytes a selected row
 * and 4 bytes a customer, where the qsort this replaced sorted (or
 * copied and sorted) the whole 8-byte-a-row log on one core.  Permuting
 * the log in place instead (the American flag sort's cycle leader,
 * McIlroy, Bostic & McIlroy 1993) saved those 4 bytes a row (206 to 171
 * B a customer, 20M rows of 2M customers at random) but took three times
 * the CPU: each move waits for the cache miss of the one before, where
 * the scatter's misses overlap. */
static uint32_t *day_runs(const struct sk_summary *s, int all, uint32_t **end)
{
	size_t n = s->n;
	uint64_t *sel = all ? NULL : unordered_bits(s);
	uint32_t *pos = sk_xcalloc(n + 1, sizeof *pos);	/* counts, then run ends */
	size_t m = 0;
	for (size_t i = 0; i < s->nlog; i++) {
		uint32_t idx = s->log[i].idx;
		if (all || bit(sel, idx)) {
			pos[idx + 1]++;
			m++;
		}
	}
	if (m > UINT32_MAX)
		sk_die(SK_EX_SOFTWARE, "more than %lu purchase rows of customers whose rows "
		       "are not in date order: sort the log by date first",
		       (unsigned long)UINT32_MAX);
	for (size_t i = 0; i < n; i++)
		pos[i + 1] += pos[i];		/* pos[i]: where customer i's run starts */
	uint32_t *days = sk_xmalloc((m ? m : 1) * sizeof *days);
	for (size_t i = 0; i < s->nlog; i++) {
		uint32_t idx = s->log[i].idx;
		if (all || bit(sel, idx))
			days[pos[idx]++] = (uint32_t)s->log[i].day ^ 0x80000000u;
	}
	free(sel);
	/* now pos[i] is where customer i's run ends */
	long nn = (long)n;
#pragma omp parallel for schedule(dynamic, 4096) if (m > 16384)
	for (long k = 0; k < nn; k++) {
		size_t lo = k ? pos[k - 1] : 0;
		if (pos[k] - lo > 1)
			sk_sort_u32(days + lo, pos[k] - lo);
	}
	*end = pos;
	return days;
}

static int32_t day_of(uint32_t key)
{
	return (int32_t)(key ^ 0x80000000u);
}

/* Count distinct purchase days from the log for out-of-order customers
 * (their runs from day_runs), then free the log: what is left of the
 * pass needs no row. */
void sk_summary_recount(struct sk_summary *s)
{
	if (!s->any_unordered)
		return;
	s->any_unordered = 0;
	uint32_t *pos;
	uint32_t *days = day_runs(s, 0, &pos);
	sk_big_free(s->log, s->logcap * sizeof *s->log);
	s->log = NULL;
	s->nlog = s->logcap = 0;

	const struct sk_opts *o = s->o;
	long nn = (long)s->n;
#pragma omp parallel for schedule(dynamic, 4096) if (nn > 16384)
	for (long k = 0; k < nn; k++) {
		struct cust *c = &s->c[k];
		if (!(c->orders & UNORDERED))
			continue;
		size_t lo = k ? pos[k - 1] : 0;
		uint32_t cal = 0, hold = 0;
		int32_t hold_last = NO_DAY, last = NO_DAY;
		for (size_t j = lo; j < pos[k]; j++) {
			if (j > lo && days[j] == days[j - 1])
				continue;	/* the same day: one transaction */
			int32_t day = day_of(days[j]);
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
	/* Grouped by customer, days ascending (day_runs), the log gives each
	 * customer's distinct purchase days; every one but the first
	 * calibration day is a repeat transaction (calibration or holdout).
	 * All customers: one whose rows are in date order may still have
	 * holdout rows between its calibration rows. */
	uint32_t *pos;
	uint32_t *days = day_runs(s, 1, &pos);
	for (size_t k = 0; k < s->n; k++) {
		int32_t first = sk_summary_refunded_away(s, &s->c[k]) ? NO_DAY : s->c[k].first;
		if (first == NO_DAY)
			continue;
		for (size_t j = k ? pos[k - 1] : 0; j < pos[k]; j++) {
			int32_t day = day_of(days[j]);
			if (day != first && !(j > (k ? pos[k - 1] : 0) && days[j] == days[j - 1]))
				dc->repeat[day - dc->day0]++;
		}
	}
	free(days);
	free(pos);
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

/* The spend as of the backtest cut: each customer's purchases up to the
 * cut (gross, from the amounts logged beside the purchase days) and
 * refunds up to it, what total_spend and monetary_value are made of at
 * the end; then the amounts are freed.  A purchase's day is its order's
 * (apply()), as in the counts; nothing after the cut is summed, so the
 * spend in the held-back window never reaches what the learned layer and
 * winback learn from. */
static void backtest_spend(struct sk_summary *s)
{
	size_t n = s->n ? s->n : 1;
	s->bt_spend = sk_xcalloc(n, sizeof *s->bt_spend);
	/* NULL without a refund: most logs, 8 bytes a customer */
	s->bt_refunds = s->nflog ? sk_xcalloc(n, sizeof *s->bt_refunds) : NULL;
	for (size_t k = 0; (s->logcents || s->logmicro) && k < s->nlog; k++)
		if (s->log[k].day <= s->bt_cut)
			s->bt_spend[s->log[k].idx] += s->logmicro ? s->logmicro[k] :
						      (int64_t)s->logcents[k] * 10000;
	for (size_t k = 0; k < s->nflog; k++)
		if (s->flog[k].day <= s->bt_cut)
			s->bt_refunds[s->flog[k].idx] += s->flog[k].micro;
	sk_big_free(s->logcents, s->logcents ? s->amtcap * sizeof *s->logcents : 0);
	sk_big_free(s->logmicro, s->logmicro ? s->amtcap * sizeof *s->logmicro : 0);
	s->logcents = NULL;
	s->logmicro = NULL;
	s->amtcap = 0;
	free(s->flog);
	s->flog = NULL;
	s->nflog = s->flogcap = 0;
}

/* One purchase day d of customer i for the backtest columns, the
 * customer's days arriving in ascending order: a day after the end of
 * observation is not read, a day up to the cut counts before it, the
 * others after it (alast: the last day counted after the cut). */
static void bt_day(struct sk_summary *s, int32_t *alast, uint32_t i, int32_t d, long end)
{
	if (d > end)
		return;
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
	/* A customer whose rows are in date order has its calibration days
	 * in order in the log, so distinct days are changes of day; the
	 * others' days come grouped and sorted from day_runs. */
	uint64_t *unord = unordered_bits(s);
	for (size_t k = 0; k < s->nlog; k++) {
		uint32_t i = s->log[k].idx;
		if (!bit(unord, i))
			bt_day(s, alast, i, s->log[k].day, end);
	}
	free(unord);
	if (s->any_unordered) {
		uint32_t *pos;
		uint32_t *days = day_runs(s, 0, &pos);
		for (size_t i = 0; i < s->n; i++)
			for (size_t j = i ? pos[i - 1] : 0; j < pos[i]; j++)
				bt_day(s, alast, (uint32_t)i, day_of(days[j]), end);
		free(days);
		free(pos);
	}
	free(alast);
	backtest_risk(s);
	backtest_spend(s);
}
