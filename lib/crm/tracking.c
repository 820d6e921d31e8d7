/* tracking.c: a fitted model against the calendar, the check every
 * buy-till-you-die paper draws (Fader, Hardie & Lee 2005, "Counting your
 * customers the easy way", Marketing Science 24(2), figs. 2-4; Schmittlein,
 * Morrison & Colombo 1987): repeat transactions per period, actual and
 * expected, incremental and cumulative, over the calibration and holdout
 * windows, and the calibration histogram of repeat transactions. */
#include "tracking.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "record/date.h"
#include "record/group.h"
#include "record/util.h"
#include "trackcov.h"

/* Who the expected counts are summed over without covariates: the
 * cohorts of each first-purchase day (dc->first) with the model's par
 * (with covariates, trackcov.h). */
struct who {
	const struct sk_tmodel *tm;
	const double *par;
	const struct sk_daycounts *dc;
	double unit_days;
};

/* Expected cumulative repeat transactions of the calibration customers
 * up to the end of day dc->day0 + D: a customer acquired on day f has
 * made E[X(D - f)] of them (a repeat purchase on day f + j comes at
 * time j, as T = as_of - first purchase counts it) (E[X(t)] of the model
 * for a customer just acquired; FHL 2005 eq. 9 for BG/NBD), summed over
 * the cohorts of each first-purchase day.  Without covariates. */
static double expected_cum(const struct who *h, long D)
{
	double s = 0;
	const struct sk_daycounts *dc = h->dc;
	for (long f = 0; f < D && f < (long)dc->ndays; f++)
		if (dc->first[f] > 0) {
			double e = h->tm->expected_new(h->par, (double)(D - f) / h->unit_days);
			s += dc->first[f] * (isfinite(e) ? e : 0);
		}
	return s;
}
/* The period ends of a window [from, to] (day indexes), after its start
 * - 1, into D; returns how many (periods + 1). */
static size_t window_ends(long from, long to, long period_days, long *D)
{
	size_t n = 0;
	D[n++] = from - 1;
	for (long a = from; a <= to; a += period_days)
		D[n++] = a + period_days - 1 < to ? a + period_days - 1 : to;
	return n;
}

/* One window of periods [from, to] (day indexes), with the expected
 * cumulative counts cum[0] at its start and cum[k] at the end of its
 * k-th period; returns the actual cumulative count at its end. */
static double window(json_t *rows, const char *name, const struct sk_daycounts *dc, long from,
		     long to, long period_days, const double *cum, double act_cum)
{
	double exp_prev = cum[0];
	long k = 0;
	for (long a = from; a <= to; a += period_days) {
		long b = a + period_days - 1 < to ? a + period_days - 1 : to;
		double act = 0;
		for (long i = a; i <= b; i++)
			act += dc->repeat[i];
		act_cum += act;
		double exp_cum = cum[++k];
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

/* w customers of age T with parameters par into the expected histogram
 * (0..6, 7+): w P(X(T) = k), each model's pmf. */
static void histogram_add(const struct sk_tmodel *tm, const double *par, double T, double w,
			  double *expc)
{
	double rest = 1;
	for (int k = 0; k < 7; k++) {
		double p = tm->pmf(par, T, k);
		p = isfinite(p) && p > 0 ? p : 0;
		expc[k] += w * p;
		rest -= p;
	}
	expc[7] += w * (rest > 0 ? rest : 0);
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
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	struct who h = { tm, par, dc, unit_days };
	struct sk_trackcov hc = { 0 };
	if (d->cov)
		sk_trackcov_init(&hc, tm, par, d->cov, dc, pat, np, unit_days);
	/* The period ends of both windows first, then every expected
	 * cumulative count at once. */
	long cal_to = cal_end < last ? cal_end : last, hold_from = cal_end + 1 > 0 ? cal_end + 1 : 0;
	long *D = sk_xmalloc(((size_t)(last + 1) / (size_t)period_days + 4) * 2 * sizeof *D);
	size_t ncal = cal_end >= 0 ? window_ends(0, cal_to, period_days, D) : 0;
	size_t nD = ncal + (cal_end < last ? window_ends(hold_from, last, period_days, D + ncal) : 0);
	double *cum = sk_xmalloc((nD ? nD : 1) * sizeof *cum);
	if (d->cov)
		sk_trackcov_sums(&hc, D, nD, 1, 0, cum);
	else {
		#pragma omp parallel for schedule(dynamic, 1) if (nD > 8)
		for (size_t k = 0; k < nD; k++)
			cum[k] = expected_cum(&h, D[k]);
	}
	double act_cum = 0;
	if (cal_end >= 0)
		act_cum = window(rows, "calibration", dc, 0, cal_to, period_days, cum, 0);
	if (cal_end < last)
		window(rows, "holdout", dc, hold_from, last, period_days, cum + ncal, act_cum);
	free(cum);
	free(D);
	json_object_set_new(o, "periods", rows);

	/* The calibration histogram: customers with 0..6 and 7+ repeat
	 * transactions, actual and expected sum_i P(X(T_i) = k) (FHL 2005
	 * eq. 8 for BG/NBD; each model's pmf). */
	double act[8] = { 0 }, expc[8] = { 0 };
	size_t nT;
	if (d->cov) {
		/* Each customer's own parameters: P(X(T) = k) depends on T and
		 * them only, so the cohorts of (first day, covariate vector)
		 * carry it, T = cal_end - f days: cov_sums at the one end
		 * cal_end + 1 with lags shifted by a day (a customer acquired
		 * on cal_end has T = 0). */
		double tot = 0, rest;
		long Dh = cal_end + 1;
		for (size_t i = 0; i < np; i++)
			act[pat[i].x >= 7 ? 7 : (int)pat[i].x] += pat[i].w;
		for (size_t j = 0; j < hc.nc; j++)
			tot += hc.c[j].w;
		sk_trackcov_sums(&hc, &Dh, 1, 7, 1, expc);
		rest = tot;
		for (int k = 0; k < 7; k++)
			rest -= expc[k];
		expc[7] = rest > 0 ? rest : 0;
		sk_trackcov_free(&hc);
		goto write;
	}
	/* Over the sorted distinct patterns: sums independent of row order;
	 * P(X(T) = k) depends on T only, so once per distinct T (~10^3)
	 * with the weights of its patterns summed. */
	uint32_t *rank = sk_xmalloc((np ? np : 1) * sizeof *rank);
	double *uT = sk_distinct_new(&pat[0].T, np, sizeof *pat, rank, &nT);
	if (!uT)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu patterns", np);
	double *wT = sk_xcalloc(nT ? nT : 1, sizeof *wT);
	for (size_t i = 0; i < np; i++) {
		act[pat[i].x >= 7 ? 7 : (int)pat[i].x] += pat[i].w;
		wT[rank[i]] += pat[i].w;
	}
	for (size_t j = 0; j < nT; j++)
		histogram_add(tm, par, uT[j], wT[j], expc);
	free(rank);
	free(uT);
	free(wT);
write:
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
