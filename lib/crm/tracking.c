/* tracking.c: a fitted model against the calendar, the check every
 * buy-till-you-die paper draws (Fader, Hardie & Lee 2005, "Counting your
 * customers the easy way", Marketing Science 24(2), figs. 2-4; Schmittlein,
 * Morrison & Colombo 1987): repeat transactions per period, actual and
 * expected, incremental and cumulative, over the calibration and holdout
 * windows, and the calibration histogram of repeat transactions. */
#include "tracking.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "record/date.h"
#include "record/util.h"

/* Expected cumulative repeat transactions of the calibration customers
 * up to the end of day dc->day0 + D: a customer acquired on day f has
 * made E[X(D - f)] of them (a repeat purchase on day f + j comes at
 * time j, as T = as_of - first purchase counts it) (E[X(t)] of the model for a customer just
 * acquired; FHL 2005 eq. 9 for BG/NBD), summed over the cohorts of each
 * first-purchase day. */
static double expected_cum(const struct sk_tmodel *tm, const double *par,
			   const struct sk_daycounts *dc, long D, double unit_days)
{
	double s = 0;
	for (long f = 0; f < D && f < (long)dc->ndays; f++)
		if (dc->first[f] > 0) {
			double e = tm->expected_new(par, (double)(D - f) / unit_days);
			s += dc->first[f] * (isfinite(e) ? e : 0);
		}
	return s;
}

/* One window of periods [from, to] (day indexes); returns the actual
 * cumulative count at its end. */
static double window(json_t *rows, const char *name, const struct sk_tmodel *tm,
		     const double *par, const struct sk_daycounts *dc, long from, long to,
		     long period_days, double unit_days, double act_cum)
{
	double exp_prev = expected_cum(tm, par, dc, from - 1, unit_days);
	for (long a = from; a <= to; a += period_days) {
		long b = a + period_days - 1 < to ? a + period_days - 1 : to;
		double act = 0;
		for (long i = a; i <= b; i++)
			act += dc->repeat[i];
		act_cum += act;
		double exp_cum = expected_cum(tm, par, dc, b, unit_days);
		char d1[11], d2[11];
		sk_date_format(dc->day0 + a, d1);
		sk_date_format(dc->day0 + b, d2);
		json_t *r = json_object();
		json_object_set_new(r, "window", json_string(name));
		json_object_set_new(r, "start", json_string(d1));
		json_object_set_new(r, "end", json_string(d2));
		json_object_set_new(r, "actual", json_real(act));
		json_object_set_new(r, "expected", json_real(exp_cum - exp_prev));
		json_object_set_new(r, "actual_cum", json_real(act_cum));
		json_object_set_new(r, "expected_cum", json_real(exp_cum));
		json_array_append_new(rows, r);
		exp_prev = exp_cum;
	}
	return act_cum;
}

void sk_tracking_write(const char *path, const struct sk_tmodel *tm, const double *par,
		       const struct sk_daycounts *dc, struct sk_custdata *d,
		       double unit_days, long period_days, const char *unit)
{
	if (tm->discrete)
		sk_die(SK_EX_USAGE, "--tracking needs a model in calendar time, not %s",
		       tm->title);
	if (dc->ndays == 0)
		sk_die(SK_EX_USAGE, "--tracking needs a transaction log (the dates of the "
		       "repeat transactions), not customer records");
	json_t *o = json_object(), *rows = json_array(), *hist = json_array();
	char buf[11];
	json_object_set_new(o, "model", json_string(tm->name));
	json_object_set_new(o, "unit", json_string(unit));
	json_object_set_new(o, "period_days", json_integer(period_days));
	sk_date_format(dc->as_of, buf);
	json_object_set_new(o, "as_of", json_string(buf));

	/* Day index of the end of calibration; the holdout follows it to the
	 * last day read. */
	long cal_end = dc->as_of - dc->day0, last = (long)dc->ndays - 1;
	double act_cum = 0;
	if (cal_end >= 0)
		act_cum = window(rows, "calibration", tm, par, dc, 0, cal_end < last ? cal_end : last,
				 period_days, unit_days, 0);
	if (cal_end < last)
		window(rows, "holdout", tm, par, dc, cal_end + 1 > 0 ? cal_end + 1 : 0, last,
		       period_days, unit_days, act_cum);
	json_object_set_new(o, "periods", rows);

	/* The calibration histogram: customers with 0..6 and 7+ repeat
	 * transactions, actual and expected sum_i P(X(T_i) = k) (FHL 2005
	 * eq. 8 for BG/NBD; each model's pmf). */
	double act[8] = { 0 }, expc[8] = { 0 };
	size_t np;
	/* Over the sorted distinct patterns: sums independent of row order. */
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	for (size_t i = 0; i < np; i++) {
		const struct sk_rfm *r = &pat[i];
		act[r->x >= 7 ? 7 : (int)r->x] += r->w;
		double rest = 1;
		for (int k = 0; k < 7; k++) {
			double p = tm->pmf(par, r->T, k);
			p = isfinite(p) && p > 0 ? p : 0;
			expc[k] += r->w * p;
			rest -= p;
		}
		expc[7] += r->w * (rest > 0 ? rest : 0);
	}
	for (int k = 0; k < 8; k++) {
		json_t *h = json_object();
		char key[4];
		snprintf(key, sizeof key, k == 7 ? "7+" : "%d", k);
		json_object_set_new(h, "repeat", json_string(key));
		json_object_set_new(h, "actual", json_real(act[k]));
		json_object_set_new(h, "expected", json_real(expc[k]));
		json_array_append_new(hist, h);
	}
	json_object_set_new(o, "histogram", hist);
	if (json_dump_file(o, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		sk_die(SK_EX_CANTCREAT, "%s: cannot write the tracking table", path);
	json_decref(o);
}
