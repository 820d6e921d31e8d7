/* litt.c: each customer's litt, the sum of the logarithms of the times
 * between her distinct purchase days (BTYDplus elog2cbs: sum(log(itt))),
 * the statistic BG/CNBD-k and MBG/CNBD-k need besides (x, t_x, T)
 * (Platzer & Reutterer 2016, Marketing Science 35(5), eq. 8: the
 * Erlang-k density contributes (k-1) ln t per inter-purchase time t).
 *
 * One pass over the log of purchase days, as sk_summary_backtest makes,
 * with one accumulator per customer: in a log in date order each
 * customer's days arrive in order and distinct days are changes of day;
 * otherwise a sorted copy is read.  Summed in days; summary.c turns the
 * sum into the model unit (x ln u less).  Runs before recount() frees the
 * log. */
#include "summaryint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/util.h"

static int cmp_day(const void *a, const void *b)
{
	const struct logent *x = a, *y = b;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return (x->day > y->day) - (x->day < y->day);
}

void sk_summary_litt(struct sk_summary *s)
{
	const struct sk_opts *o = s->o;
	if (!o->litt || s->litt)
		return;
	size_t n = s->n ? s->n : 1;
	long end = o->has_as_of ? o->as_of : s->max_day;
	int bt = o->backtest_days != 0;
	s->litt = sk_xcalloc(n, sizeof *s->litt);
	s->bt_litt = bt ? sk_xcalloc(n, sizeof *s->bt_litt) : NULL;
	int32_t *prev = sk_xmalloc(n * sizeof *prev);
	for (size_t i = 0; i < n; i++)
		prev[i] = NO_DAY;
	const struct logent *lg = s->log;
	struct logent *copy = NULL;
	if (s->any_unordered) {
		copy = sk_xmalloc((s->nlog ? s->nlog : 1) * sizeof *copy);
		memcpy(copy, s->log, s->nlog * sizeof *copy);
		qsort(copy, s->nlog, sizeof *copy, cmp_day);
		lg = copy;
	}
	for (size_t k = 0; k < s->nlog; k++) {
		uint32_t i = lg[k].idx;
		int32_t d = lg[k].day, p = prev[i];
		if (d > end || d == p)
			continue;
		if (p != NO_DAY) {
			double l = log((double)d - p);
			s->litt[i] += l;
			/* The backtest history: gaps ending by the cut. */
			if (bt && d <= s->bt_cut)
				s->bt_litt[i] += l;
		}
		prev[i] = d;
	}
	free(copy);
	free(prev);
}
