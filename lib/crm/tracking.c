/* tracking.c: a fitted model against the calendar, the check every
 * buy-till-you-die paper draws (Fader, Hardie & Lee 2005, "Counting your
 * customers the easy way", Marketing Science 24(2), figs. 2-4; Schmittlein,
 * Morrison & Colombo 1987): repeat transactions per period, actual and
 * expected, incremental and cumulative, over the calibration and holdout
 * windows, and the calibration histogram of repeat transactions. */
#include "tracking.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "record/date.h"
#include "record/group.h"
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
	size_t np, nT;
	/* Over the sorted distinct patterns: sums independent of row order;
	 * P(X(T) = k) depends on T only, so once per distinct T (~10^3)
	 * with the weights of its patterns summed. */
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	uint32_t *rank = sk_xmalloc((np ? np : 1) * sizeof *rank);
	double *uT = sk_distinct_new(&pat[0].T, np, sizeof *pat, rank, &nT);
	if (!uT)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu patterns", np);
	double *wT = sk_xcalloc(nT ? nT : 1, sizeof *wT);
	for (size_t i = 0; i < np; i++) {
		act[pat[i].x >= 7 ? 7 : (int)pat[i].x] += pat[i].w;
		wT[rank[i]] += pat[i].w;
	}
	for (size_t j = 0; j < nT; j++) {
		double rest = 1;
		for (int k = 0; k < 7; k++) {
			double p = tm->pmf(par, uT[j], k);
			p = isfinite(p) && p > 0 ? p : 0;
			expc[k] += wT[j] * p;
			rest -= p;
		}
		expc[7] += wT[j] * (rest > 0 ? rest : 0);
	}
	free(rank);
	free(uT);
	free(wT);
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

static double need_num(const char *path, json_t *o, const char *key, const char *where)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		sk_die(SK_EX_DATA, "%s: %s: \"%s\" is missing or not a number", path, where, key);
	return json_number_value(v);
}

static void need_str(const char *path, json_t *o, const char *key, const char *where,
		     char *out, size_t len)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || strlen(json_string_value(v)) >= len)
		sk_die(SK_EX_DATA, "%s: %s: \"%s\" is missing or not a short string", path, where,
		       key);
	snprintf(out, len, "%s", json_string_value(v));
}

void sk_tracking_load(const char *path, struct sk_tracking *tr)
{
	memset(tr, 0, sizeof *tr);
	FILE *f = fopen(path, "r");
	if (!f)
		sk_die(SK_EX_NOINPUT, "%s: %s", path, strerror(errno));
	json_error_t err;
	json_t *o = json_loadf(f, 0, &err);
	fclose(f);
	if (!o)
		sk_die(SK_EX_DATA, "%s:%d: %s", path, err.line, err.text);
	json_t *per = json_object_get(o, "periods"), *hist = json_object_get(o, "histogram");
	if (!json_is_object(o) || !json_is_array(per) || !json_is_array(hist) ||
	    json_array_size(hist) != 8)
		sk_die(SK_EX_DATA, "%s: not a tracking file (churn --tracking): it needs "
		       "\"periods\" and an 8-row \"histogram\"", path);
	need_str(path, o, "model", "top level", tr->model, sizeof tr->model);
	tr->period_days = (long)need_num(path, o, "period_days", "top level");
	tr->nper = json_array_size(per);
	tr->per = sk_xcalloc(tr->nper ? tr->nper : 1, sizeof *tr->per);
	for (size_t i = 0; i < tr->nper; i++) {
		json_t *p = json_array_get(per, i);
		struct sk_track_period *q = &tr->per[i];
		char where[40];
		snprintf(where, sizeof where, "period %zu", i + 1);
		need_str(path, p, "window", where, q->window, sizeof q->window);
		need_str(path, p, "start", where, q->start, sizeof q->start);
		need_str(path, p, "end", where, q->end, sizeof q->end);
		q->actual = need_num(path, p, "actual", where);
		q->expected = need_num(path, p, "expected", where);
		q->actual_cum = need_num(path, p, "actual_cum", where);
		q->expected_cum = need_num(path, p, "expected_cum", where);
	}
	for (size_t k = 0; k < 8; k++) {
		json_t *h = json_array_get(hist, k);
		tr->hist_actual[k] = need_num(path, h, "actual", "histogram");
		tr->hist_expected[k] = need_num(path, h, "expected", "histogram");
	}
	json_decref(o);
}

void sk_tracking_free(struct sk_tracking *tr)
{
	free(tr->per);
	memset(tr, 0, sizeof *tr);
}
