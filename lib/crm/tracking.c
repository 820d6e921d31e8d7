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
#include "model/covar.h"

/* Who the expected counts are summed over: the cohorts of each
 * first-purchase day (dc->first) with the model's par; with covariates
 * (covar.h) the cohorts of one first-purchase day and one covariate
 * vector, each with its own parameters ip (4 per cohort): given them
 * E[X(t)] is the plain model's (Fader & Hardie 2007, sec. 2 and 3). */
struct cohort {
	long f;		/* first-purchase day index */
	uint32_t cov;	/* covariate vector */
	double w;	/* customers */
};
struct who {
	const struct sk_tmodel *tm;
	const double *par;
	const struct sk_daycounts *dc;
	const struct cohort *c;	/* NULL without covariates */
	size_t nc;
	const double *ip;	/* 4 per cohort */
	double unit_days;
};

/* Expected cumulative repeat transactions of the calibration customers
 * up to the end of day dc->day0 + D: a customer acquired on day f has
 * made E[X(D - f)] of them (a repeat purchase on day f + j comes at
 * time j, as T = as_of - first purchase counts it) (E[X(t)] of the model for a customer just
 * acquired; FHL 2005 eq. 9 for BG/NBD), summed over the cohorts of each
 * first-purchase day. */
static double expected_cum(const struct who *h, long D)
{
	double s = 0;
	if (h->c) {	/* sorted by f */
		for (size_t j = 0; j < h->nc && h->c[j].f < D; j++) {
			double e = h->tm->expected_new(h->ip + 4 * j,
						       (double)(D - h->c[j].f) / h->unit_days);
			s += h->c[j].w * (isfinite(e) ? e : 0);
		}
		return s;
	}
	const struct sk_daycounts *dc = h->dc;
	for (long f = 0; f < D && f < (long)dc->ndays; f++)
		if (dc->first[f] > 0) {
			double e = h->tm->expected_new(h->par, (double)(D - f) / h->unit_days);
			s += dc->first[f] * (isfinite(e) ? e : 0);
		}
	return s;
}

/* One window of periods [from, to] (day indexes); returns the actual
 * cumulative count at its end. */
static double window(json_t *rows, const char *name, const struct who *h, long from, long to,
		     long period_days, double act_cum)
{
	const struct sk_daycounts *dc = h->dc;
	/* The expected counts at the start and at each period's end first:
	 * with a continuous covariate every customer is a cohort of her own,
	 * one E[X(t)] per customer and period, so the periods run in
	 * parallel (each sum in one thread, in cohort order: the same bytes
	 * whatever the threads). */
	long nper = to >= from ? (to - from) / period_days + 1 : 0;
	double *cum = sk_xmalloc((size_t)(nper + 1) * sizeof *cum);
	#pragma omp parallel for schedule(dynamic, 1) if (h->c && h->nc * (size_t)nper > 100000)
	for (long k = 0; k <= nper; k++) {
		long e = k ? from + k * period_days - 1 : from - 1;
		cum[k] = expected_cum(h, e < to ? e : to);
	}
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
	free(cum);
	return act_cum;
}

static int cohort_cmp(const void *pa, const void *pb)
{
	const struct cohort *a = pa, *b = pb;
	if (a->f != b->f)
		return a->f < b->f ? -1 : 1;
	return (a->cov > b->cov) - (a->cov < b->cov);
}

/* With covariates: the (first-purchase day, covariate vector) cohorts of
 * the patterns pat[0..np), the day from T (the time from the first
 * purchase to as_of, in whole days as summarize writes it), and each
 * cohort's own parameters into *ip. */
static struct cohort *cohorts_new(const struct sk_tmodel *tm, const double *par,
				  const struct sk_covdata *cov, const struct sk_daycounts *dc,
				  const struct sk_rfm *pat, size_t np, double unit_days,
				  size_t *nc, double **ip)
{
	long cal_end = dc->as_of - dc->day0;
	struct cohort *c = sk_xmalloc((np ? np : 1) * sizeof *c);
	for (size_t i = 0; i < np; i++) {
		long f = cal_end - lround(pat[i].T * unit_days);
		if (f < 0 || f > cal_end)
			sk_die(SK_EX_SOFTWARE, "--tracking: a customer's T (%g) is outside the "
			       "log's calibration window", pat[i].T);
		c[i] = (struct cohort){ f, pat[i].cov, pat[i].w };
	}
	qsort(c, np, sizeof *c, cohort_cmp);
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		if (n && c[n - 1].f == c[i].f && c[n - 1].cov == c[i].cov)
			c[n - 1].w += c[i].w;
		else
			c[n++] = c[i];
	}
	*ip = sk_xmalloc((n ? n : 1) * 4 * sizeof **ip);
	for (size_t j = 0; j < n; j++) {
		struct sk_rfm r = { .cov = c[j].cov };
		double one[4];
		memcpy(*ip + 4 * j, sk_cov_rowpar(tm, par, cov, &r, one), sizeof one);
	}
	*nc = n;
	return c;
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
	struct who h = { tm, par, dc, NULL, 0, NULL, unit_days };
	double *ip = NULL;
	struct cohort *c = NULL;
	if (d->cov)
		h.c = c = cohorts_new(tm, par, d->cov, dc, pat, np, unit_days, &h.nc, &ip);
	h.ip = ip;
	double act_cum = 0;
	if (cal_end >= 0)
		act_cum = window(rows, "calibration", &h, 0, cal_end < last ? cal_end : last,
				 period_days, 0);
	if (cal_end < last)
		window(rows, "holdout", &h, cal_end + 1 > 0 ? cal_end + 1 : 0, last, period_days,
		       act_cum);
	json_object_set_new(o, "periods", rows);
	free(c);
	free(ip);

	/* The calibration histogram: customers with 0..6 and 7+ repeat
	 * transactions, actual and expected sum_i P(X(T_i) = k) (FHL 2005
	 * eq. 8 for BG/NBD; each model's pmf). */
	double act[8] = { 0 }, expc[8] = { 0 };
	size_t nT;
	if (d->cov) {
		/* each customer's own parameters: per pattern */
		for (size_t i = 0; i < np; i++) {
			double one[4];
			const double *pp = sk_cov_rowpar(tm, par, d->cov, &pat[i], one);
			act[pat[i].x >= 7 ? 7 : (int)pat[i].x] += pat[i].w;
			histogram_add(tm, pp, pat[i].T, pat[i].w, expc);
		}
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
