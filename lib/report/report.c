/* report.c: the HTML report.  Each section reads the columns it needs
 * from the customer table; a section whose columns are missing leaves a
 * one-line note instead. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm/classify.h"
#include "record/date.h"
#include "model/model.h"
#include "record/num.h"
#include "model/score.h"
#include "record/util.h"

const char *const sk_report_sections[] = {
	"headline", "stages", "phases", "segments", "cohorts", "clv", "palive", "winback",
	"model", "holdout", NULL,
};

enum { S_HEADLINE, S_STAGES, S_PHASES, S_SEGMENTS, S_COHORTS, S_CLV, S_PALIVE, S_WINBACK,
       S_MODEL, S_HOLDOUT, S_N };

static const char *const section_title[S_N] = {
	"Headline figures", "Customers per stage", "Customers per phase",
	"Customers per RFM segment", "Cohort retention", "Customer lifetime value",
	"Probability alive by frequency and recency", "Win-back list", "Model fit",
	"Calibration and holdout",
};

/* Units of recency and T, as --unit names them. */
static const struct unit {
	const char *name, *plural;
	double days;
} units[] = {
	{ "day", "days", 1 }, { "week", "weeks", 7 }, { "month", "months", 30.4375 },
	{ "year", "years", 365.25 },
};

/* The win-back table shows these columns when the records have them. */
static const char *const winback_cols[] = {
	"orders", "last_purchase", "total_spend", "p_alive", "clv", "winback_prob",
	"winback_value", "winback_reason", NULL,
};

#define TOP_WINBACK 20
#define FREQ_ROWS 12		/* p_alive heat map: frequency 0..11 and 12+ */
#define MAX_COHORTS 60		/* heat map rows and columns shown at most */
#define MAX_PERIODS 60
#define MAX_CATEGORIES 40	/* bars per chart; the rest are summed as "other" */

struct rep {
	struct sk_buf *b;
	const struct sk_opts *o;
	const struct sk_report_opts *ro;
	const struct sk_table *t;
	const struct unit *unit;
	/* columns, -1 when absent */
	long id, freq, rec, T, spend, palive, clv, stage, phase, seg, rank, expected, hfreq,
	     first, last, tier, wbvalue;
	int present[S_N];
};

/* ------------------------------------------------------------------ */
/* small helpers                                                      */

static double num(const struct rep *r, size_t i, long col, int *empty)
{
	return sk_table_num(r->t, i, col, empty);
}

static const char *field(const struct rep *r, size_t i, long col, size_t *len)
{
	return sk_table_get(r->t, i, col, len, NULL);
}

static void put(struct rep *r, const char *s)
{
	sk_buf_puts(r->b, s);
}

static void esc(struct rep *r, const char *s)
{
	sk_buf_escs(r->b, s);
}

static void putnum(struct rep *r, double v, int decimals)
{
	sk_buf_num(r->b, v, decimals);
}

/* A share in percent with one decimal; 0 for an empty whole. */
static void putpct(struct rep *r, double part, double whole)
{
	putnum(r, whole > 0 ? 100 * part / whole : 0, 1);
	put(r, "%");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Decimals needed to print multiples of step exactly (bucket labels). */
static int decimals_of(double step)
{
	int d = 0;
	while (d < 6 && fabs(step * pow(10, d) - nearbyint(step * pow(10, d))) > 1e-6)
		d++;
	return d;
}

static double nice_step(double raw)
{
	if (!(raw > 0) || !isfinite(raw))
		return 1;
	double p = pow(10, floor(log10(raw)));
	double f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void section_open(struct rep *r, int s)
{
	sk_buf_printf(r->b, "<section id=\"%s\" aria-labelledby=\"%s-h\">\n<h2 id=\"%s-h\">%s</h2>\n",
		      sk_report_sections[s], sk_report_sections[s], sk_report_sections[s],
		      section_title[s]);
}

static void section_close(struct rep *r)
{
	put(r, "</section>\n");
}

/* The one-line note that stands in for a section without its columns. */
static void missing(struct rep *r, int s, const char *needs)
{
	sk_buf_printf(r->b, "<p class=\"missing\" id=\"missing-%s\"><strong>%s</strong> left out: "
		      "%s</p>\n", sk_report_sections[s], section_title[s], needs);
}

/* ------------------------------------------------------------------ */
/* the unit of recency and T                                          */

/* The unit the records were made in, from recency = last_purchase -
 * first_purchase on the first repeat buyer; NULL when the records cannot
 * tell (no dates, no repeat buyer, or an unknown ratio). */
static const struct unit *unit_from_dates(const struct rep *r)
{
	if (r->first < 0 || r->last < 0 || r->rec < 0)
		return NULL;
	for (size_t i = 0; i < r->t->nrow; i++) {
		size_t lf, ll;
		const char *f = field(r, i, r->first, &lf), *l = field(r, i, r->last, &ll);
		long df, dl;
		if (!lf || !ll || sk_date_read(r->o, f, lf, &df) ||
		    sk_date_read(r->o, l, ll, &dl))
			continue;
		int empty;
		double rec = num(r, i, r->rec, &empty);
		if (empty || !(rec > 0) || dl <= df)
			continue;
		double ratio = (double)(dl - df) / rec;
		for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
			if (fabs(ratio / units[k].days - 1) < 1e-3)
				return &units[k];
		return NULL;
	}
	return NULL;
}

static const struct unit *choose_unit(const struct rep *r)
{
	const struct unit *given = &units[0];
	for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
		if (units[k].days == r->o->unit_days)
			given = &units[k];
	const struct unit *found = unit_from_dates(r);
	if (!r->ro->unit_given)
		return found ? found : given;
	if (found && found != given)
		sk_die(SK_EX_USAGE, "--unit %s: the records' recency is in %s (last_purchase - "
		       "first_purchase); run with --unit %s", given->name, found->plural,
		       found->name);
	return given;
}

/* ------------------------------------------------------------------ */
/* counting categories                                                */

struct cats {
	size_t n;
	char **name;
	double *count;
	double total;
};

static void cats_add(struct cats *c, const char *s, size_t len)
{
	if (!len) {
		s = "(empty)";
		len = strlen(s);
	}
	for (size_t k = 0; k < c->n; k++)
		if (strlen(c->name[k]) == len && memcmp(c->name[k], s, len) == 0) {
			c->count[k]++;
			c->total++;
			return;
		}
	/* Past MAX_CATEGORIES distinct values the column is not a
	 * classification; the rest are pooled so a chart stays readable. */
	if (c->n == MAX_CATEGORIES) {
		c->count[c->n - 1]++;
		c->total++;
		free(c->name[c->n - 1]);
		c->name[c->n - 1] = sk_xstrdup("(other)");
		return;
	}
	c->name = sk_xrealloc(c->name, (c->n + 1) * sizeof *c->name);
	c->count = sk_xrealloc(c->count, (c->n + 1) * sizeof *c->count);
	c->name[c->n] = sk_xstrndup(s, len);
	c->count[c->n] = 1;
	c->n++;
	c->total++;
}

static void cats_read(const struct rep *r, long col, struct cats *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < r->t->nrow; i++) {
		size_t len;
		const char *s = field(r, i, col, &len);
		cats_add(c, s, len);
	}
}

static void cats_free(struct cats *c)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->name[k]);
	free(c->name);
	free(c->count);
}

static int index_of(const char *const *names, const char *s)
{
	for (int k = 0; names[k]; k++)
		if (strcmp(names[k], s) == 0)
			return k;
	return -1;
}

/* Put the categories in the order of names (adding those with no
 * customers) when every value is one of names or empty; 1 when it did.
 * Empty values (customers the program left unclassified) go last. */
static int cats_order(struct cats *c, const char *const *names)
{
	double empty = 0;
	for (size_t k = 0; k < c->n; k++) {
		if (strcmp(c->name[k], "(empty)") == 0)
			empty = c->count[k];
		else if (index_of(names, c->name[k]) < 0)
			return 0;
	}
	size_t n = 0;
	while (names[n])
		n++;
	double *count = sk_xcalloc(n + 1, sizeof *count);
	for (size_t k = 0; k < c->n; k++) {
		int j = index_of(names, c->name[k]);
		if (j >= 0)
			count[j] = c->count[k];
		free(c->name[k]);
	}
	c->name = sk_xrealloc(c->name, (n + 1) * sizeof *c->name);
	for (size_t k = 0; k < n; k++)
		c->name[k] = sk_xstrdup(names[k]);
	if (empty > 0) {
		c->name[n] = sk_xstrdup("(empty)");
		count[n] = empty;
		n++;
	}
	free(c->count);
	c->count = count;
	c->n = n;
	return 1;
}

/* Most customers first; ties in name order, so the page is stable. */
static void cats_sort(struct cats *c)
{
	for (size_t i = 1; i < c->n; i++)
		for (size_t j = i; j > 0; j--) {
			double a = c->count[j - 1], b = c->count[j];
			if (a > b || (a == b && strcmp(c->name[j - 1], c->name[j]) <= 0))
				break;
			double tc = c->count[j];
			c->count[j] = c->count[j - 1];
			c->count[j - 1] = tc;
			char *tn = c->name[j];
			c->name[j] = c->name[j - 1];
			c->name[j - 1] = tn;
		}
}

/* A bar chart and the table of the same counts, side by side. */
static void cats_section(struct rep *r, const struct cats *c, const char *id, const char *what,
			 const char *title)
{
	put(r, "<div class=\"two\">\n<figure>\n");
	struct sk_chart ch = { .id = id, .title = title, .xlabel = "customers", .width = 600 };
	sk_svg_hbar(r->b, &ch, c->n, (const char *const *)c->name, c->count, 1);
	put(r, "</figure>\n<table>\n<caption>");
	esc(r, title);
	sk_buf_printf(r->b, "</caption>\n<thead><tr><th scope=\"col\">%s</th>"
		      "<th scope=\"col\" class=\"num\">customers</th>"
		      "<th scope=\"col\" class=\"num\">share</th></tr></thead>\n<tbody>\n", what);
	for (size_t k = 0; k < c->n; k++) {
		put(r, "<tr><th scope=\"row\">");
		esc(r, c->name[k]);
		put(r, "</th><td class=\"num\">");
		putnum(r, c->count[k], 0);
		put(r, "</td><td class=\"num\">");
		putpct(r, c->count[k], c->total);
		put(r, "</td></tr>\n");
	}
	put(r, "</tbody>\n<tfoot><tr><th scope=\"row\">all</th><td class=\"num\">");
	putnum(r, c->total, 0);
	put(r, "</td><td class=\"num\">100%</td></tr></tfoot>\n</table>\n</div>\n");
}

/* ------------------------------------------------------------------ */
/* sections                                                           */

static void tile_open(struct rep *r, const char *label)
{
	put(r, "<div class=\"tile\"><dt>");
	put(r, label);
	put(r, "</dt><dd>");
}

static void tile_close(struct rep *r, const char *sub)
{
	put(r, "</dd><dd class=\"sub\">");
	put(r, sub);
	put(r, "</dd></div>\n");
}

static void tile_missing(struct rep *r, const char *label, const char *needs)
{
	tile_open(r, label);
	put(r, "<span class=\"na\">\xe2\x80\x94</span>");	/* an em dash */
	tile_close(r, needs);
}

static void headline(struct rep *r)
{
	const struct sk_table *t = r->t;
	double buyers = 0, active = 0, alive_sum = 0, alive_n = 0, revenue = 0;
	double at_risk = 0, at_risk_n = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		int e1 = 1, e2 = 1;
		if (r->freq >= 0) {
			num(r, i, r->freq, &e1);
			buyers += !e1;
		}
		if (r->spend >= 0) {
			double v = num(r, i, r->spend, &e2);
			if (!e2)
				revenue += v;
		}
		if (r->palive >= 0) {
			int e;
			double p = num(r, i, r->palive, &e);
			if (e)
				continue;
			alive_sum += p;
			alive_n++;
			active += p >= r->ro->threshold;
			if (p < r->ro->threshold && r->clv >= 0) {
				double v = num(r, i, r->clv, &e);
				if (!e) {
					at_risk += v;
					at_risk_n++;
				}
			}
		} else if (r->rec >= 0 && r->T >= 0) {
			int e, f;
			double rec = num(r, i, r->rec, &e), T = num(r, i, r->T, &f);
			/* Bought within the last year: T - recency is the time
			 * since the last purchase.  In days rounded to a
			 * hundredth, as classify does, so the 6 decimals of a
			 * coarse unit do not push day 365 over the line. */
			if (!e && !f && nearbyint((T - rec) * r->unit->days * 100) / 100 <= 365)
				active++;
		}
	}
	char thr[64];
	sk_num_format(thr, sizeof thr, r->ro->threshold, 6);

	section_open(r, S_HEADLINE);
	put(r, "<dl class=\"tiles\">\n");
	tile_open(r, "Customers");
	putnum(r, (double)t->nrow, 0);
	if (r->freq >= 0 && buyers < t->nrow) {
		char sub[160], nb[64];
		sk_num_format(nb, sizeof nb, buyers, 0);
		snprintf(sub, sizeof sub, "%s with a purchase", nb);
		tile_close(r, sub);
	} else
		tile_close(r, "rows in the customer records");

	if (r->palive >= 0 || (r->rec >= 0 && r->T >= 0)) {
		tile_open(r, "Active");
		putnum(r, active, 0);
		char pct[64], sub[192];
		double whole = r->palive >= 0 ? alive_n : (double)t->nrow;
		sk_num_format(pct, sizeof pct, whole > 0 ? 100 * active / whole : 0, 1);
		if (r->palive >= 0)
			snprintf(sub, sizeof sub, "%s%% &#183; p_alive &#8805; %s", pct, thr);
		else
			snprintf(sub, sizeof sub, "%s%% &#183; bought in the last 365 days (no "
				 "p_alive: run churn)", pct);
		tile_close(r, sub);
	} else
		tile_missing(r, "Active", "needs p_alive, or recency and T");

	if (r->palive >= 0) {
		double ret = alive_n > 0 ? alive_sum / alive_n : 0;
		tile_open(r, "Retention rate");
		putnum(r, ret, 4);
		tile_close(r, "mean p_alive: the expected share still active");
		tile_open(r, "Churn rate");
		putnum(r, alive_n > 0 ? 1 - ret : 0, 4);
		tile_close(r, "1 &#8722; retention rate");
	} else {
		tile_missing(r, "Retention rate", "needs p_alive (run churn)");
		tile_missing(r, "Churn rate", "needs p_alive (run churn)");
	}

	if (r->spend >= 0) {
		tile_open(r, "Revenue");
		putnum(r, revenue, 2);
		tile_close(r, "sum of total_spend");
	} else
		tile_missing(r, "Revenue", "needs total_spend (run summarize)");

	if (r->clv >= 0 && r->palive >= 0) {
		tile_open(r, "Value at risk");
		putnum(r, at_risk, 2);
		char sub[256], n[64];
		sk_num_format(n, sizeof n, at_risk_n, 0);
		snprintf(sub, sizeof sub, "clv of the %s customers with p_alive &lt; %s", n, thr);
		tile_close(r, sub);
	} else
		tile_missing(r, "Value at risk", "needs clv and p_alive (run churn and clv)");
	put(r, "</dl>\n");
	section_close(r);
}

static void stages(struct rep *r)
{
	if (r->stage < 0) {
		missing(r, S_STAGES, "needs the stage column (run classify)");
		return;
	}
	struct cats c;
	cats_read(r, r->stage, &c);
	/* The scheme is not recorded; the one whose stage names cover the
	 * values gives the ladder order (lifecycle first when both do). */
	const char *scheme = NULL;
	static const enum sk_scheme order[] = { SK_SCHEME_LIFECYCLE, SK_SCHEME_LADDER,
						SK_SCHEME_FUNNEL };
	for (size_t k = 0; k < 3 && !scheme; k++)
		if (cats_order(&c, sk_classify_stage_names(order[k])))
			scheme = sk_classify_scheme_name(order[k]);
	if (!scheme)
		cats_sort(&c);
	section_open(r, S_STAGES);
	if (scheme)
		sk_buf_printf(r->b, "<p>Scheme: %s, stages in ladder order (see "
			      "<b>classify</b>(1)).</p>\n", scheme);
	cats_section(r, &c, "chart-stages", "stage", "Customers per stage");
	section_close(r);
	cats_free(&c);
}

static void phases(struct rep *r)
{
	if (r->phase < 0) {
		missing(r, S_PHASES, "needs the phase column (run classify)");
		return;
	}
	struct cats c;
	cats_read(r, r->phase, &c);
	if (!cats_order(&c, sk_classify_phase_names()))
		cats_sort(&c);
	section_open(r, S_PHASES);
	cats_section(r, &c, "chart-phases", "phase", "Customers per CRM phase");
	section_close(r);
	cats_free(&c);
}

static void segments(struct rep *r)
{
	if (r->seg < 0) {
		missing(r, S_SEGMENTS, "needs the rfm_segment column (run classify --rfm)");
		return;
	}
	struct cats c;
	cats_read(r, r->seg, &c);
	cats_sort(&c);
	section_open(r, S_SEGMENTS);
	cats_section(r, &c, "chart-segments", "segment", "Customers per RFM segment");
	section_close(r);
	cats_free(&c);
}

static void cohorts(struct rep *r)
{
	const struct sk_cohorts *cs = r->ro->cohorts;
	if (!cs) {
		missing(r, S_COHORTS, "needs the transaction log (--transactions FILE)");
		return;
	}
	if (cs->n == 0) {
		missing(r, S_COHORTS, "the transaction log has no purchases");
		return;
	}
	/* The latest cohorts and the first periods, when there are more
	 * than a page can show; the table below has the same cut. */
	size_t first = cs->n > MAX_COHORTS ? cs->n - MAX_COHORTS : 0;
	int nper = 0;
	for (size_t i = first; i < cs->n; i++)
		if (cs->c[i].nper > nper)
			nper = cs->c[i].nper;
	int cut = nper > MAX_PERIODS + 1;
	if (cut)
		nper = MAX_PERIODS + 1;
	size_t nrow = cs->n - first, ncol = nper > 1 ? (size_t)nper - 1 : 0;

	section_open(r, S_COHORTS);
	sk_buf_printf(r->b, "<p>Customers are grouped by the %s of their first purchase (the "
		      "cohort); period k is the k-th %s after it, and retention the share of "
		      "the cohort who bought in it.  Period 0 is 100%% by definition and is "
		      "left out of the colours.", cs->unit, cs->unit);
	if (first || cut)
		sk_buf_printf(r->b, "  Shown: the latest %zu cohorts and periods up to %d.",
			      nrow, nper - 1);
	put(r, "</p>\n");

	if (ncol > 0) {
		double *v = sk_xmalloc(nrow * ncol * sizeof *v);
		double *n = sk_xmalloc(nrow * ncol * sizeof *n);
		char **rowlab = sk_xmalloc(nrow * sizeof *rowlab);
		char **collab = sk_xmalloc(ncol * sizeof *collab);
		double hi = 0;
		for (size_t j = 0; j < ncol; j++) {
			char lab[32];
			snprintf(lab, sizeof lab, "%zu", j + 1);
			collab[j] = sk_xstrdup(lab);
		}
		for (size_t i = 0; i < nrow; i++) {
			const struct sk_cohort *c = &cs->c[first + i];
			rowlab[i] = c->label;
			for (size_t j = 0; j < ncol; j++) {
				int k = (int)j + 1;
				int have = k < c->nper && c->customers > 0;
				v[i * ncol + j] = have ? c->active[k] / c->customers : NAN;
				n[i * ncol + j] = have ? c->active[k] : 0;
				if (have && v[i * ncol + j] > hi)
					hi = v[i * ncol + j];
			}
		}
		char title[160], xl[64];
		snprintf(title, sizeof title, "Retention of each cohort by %ss since acquisition",
			 cs->unit);
		snprintf(xl, sizeof xl, "%ss since the first purchase", cs->unit);
		struct sk_chart ch = { .id = "chart-cohorts", .title = title,
				       .desc = "Darker cells: a larger share of the cohort bought "
					       "in that period.",
				       .xlabel = xl, .ylabel = "cohort", .width = 1040 };
		struct sk_heat h = { .nrow = nrow, .ncol = ncol,
				     .rowlab = (const char *const *)rowlab,
				     .collab = (const char *const *)collab, .rowname = "cohort",
				     .colname = cs->unit, .v = v, .n = n, .vname = "retention",
				     .nname = "active customers", .lo = 0,
				     .hi = hi > 0 ? hi : 1, .percent = 1 };
		put(r, "<figure class=\"wide\">\n");
		sk_svg_heatmap(r->b, &ch, &h);
		put(r, "</figure>\n");
		for (size_t j = 0; j < ncol; j++)
			free(collab[j]);
		free(collab);
		free(rowlab);
		free(n);
		free(v);
	}

	/* The table behind it: the numbers of cohort --wide. */
	put(r, "<details>\n<summary>Table: retention by cohort and period (as <b>cohort "
	       "--wide</b> writes it)</summary>\n<div class=\"scroll\">\n<table class=\"dense\">\n"
	       "<thead><tr><th scope=\"col\">cohort</th><th scope=\"col\" class=\"num\">customers"
	       "</th>");
	for (int k = 0; k < nper; k++)
		sk_buf_printf(r->b, "<th scope=\"col\" class=\"num\">p%d</th>", k);
	put(r, "</tr></thead>\n<tbody>\n");
	for (size_t i = first; i < cs->n; i++) {
		const struct sk_cohort *c = &cs->c[i];
		put(r, "<tr><th scope=\"row\">");
		esc(r, c->label);
		put(r, "</th><td class=\"num\">");
		putnum(r, c->customers, 6);
		put(r, "</td>");
		for (int k = 0; k < nper; k++) {
			put(r, "<td class=\"num\">");
			if (k < c->nper && c->customers > 0)
				putnum(r, c->active[k] / c->customers, 6);
			put(r, "</td>");
		}
		put(r, "</tr>\n");
	}
	put(r, "</tbody>\n</table>\n</div>\n</details>\n");
	section_close(r);
}

static void clv_section(struct rep *r)
{
	if (r->clv < 0) {
		missing(r, S_CLV, "needs the clv column (run clv)");
		return;
	}
	size_t n = 0;
	double *v = sk_xmalloc((r->t->nrow ? r->t->nrow : 1) * sizeof *v);
	double total = 0;
	for (size_t i = 0; i < r->t->nrow; i++) {
		int e;
		double x = num(r, i, r->clv, &e);
		if (!e) {
			v[n++] = x;
			total += x;
		}
	}
	section_open(r, S_CLV);
	if (n == 0) {
		put(r, "<p>No customer has a CLV (every clv is empty).</p>\n");
		section_close(r);
		free(v);
		return;
	}
	qsort(v, n, sizeof *v, cmp_double);
	/* The top 20 % by CLV: ceil(n / 5) customers, at least one. */
	size_t ntop = (n + 4) / 5;
	double top = 0;
	for (size_t k = 0; k < ntop; k++)
		top += v[n - 1 - k];
	double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;

	put(r, "<dl class=\"tiles\">\n");
	tile_open(r, "Total CLV");
	putnum(r, total, 2);
	tile_close(r, "sum of clv");
	tile_open(r, "Mean CLV");
	putnum(r, total / n, 2);
	tile_close(r, "per customer with a CLV");
	tile_open(r, "Median CLV");
	putnum(r, median, 2);
	tile_close(r, "half the customers are worth less");
	tile_open(r, "Top 20% share");
	putpct(r, top, total);
	char sub[256], nt[64];
	sk_num_format(nt, sizeof nt, (double)ntop, 0);
	snprintf(sub, sizeof sub, "of the total CLV is held by the top %s customers", nt);
	tile_close(r, sub);
	put(r, "</dl>\n");

	/* Equal bins up to the 99th percentile and one open bin above, so
	 * a few very valuable customers do not squash the rest into one
	 * bar. */
	double lo = v[0] < 0 ? v[0] : 0;
	double q99 = v[(size_t)ceil(0.99 * n) - 1];
	double step = nice_step((q99 - lo) / 20);
	lo = floor(lo / step) * step;
	size_t nreg = (size_t)ceil((q99 - lo) / step - 1e-9);
	if (nreg < 1)
		nreg = 1;
	if (nreg > 40)
		nreg = 40;
	int open = v[n - 1] >= lo + nreg * step;
	size_t nbin = nreg + (size_t)open;
	double *edge = sk_xmalloc((nbin + 1) * sizeof *edge);
	double *count = sk_xcalloc(nbin, sizeof *count);
	for (size_t k = 0; k <= nbin; k++)
		edge[k] = lo + step * (double)k;
	if (open)
		edge[nbin] = v[n - 1];
	for (size_t i = 0; i < n; i++) {
		/* Compared as a double: a huge value must not overflow size_t. */
		double b = floor((v[i] - lo) / step);
		size_t k = b < (double)nreg ? (size_t)b : open ? nreg : nreg - 1;
		count[k]++;
	}
	struct sk_chart ch = { .id = "chart-clv", .title = "Customers by lifetime value",
			       .desc = "A histogram of clv; the last bar, set apart, holds "
				       "every customer above the 99th percentile.",
			       .xlabel = "clv (currency of the amounts)", .ylabel = "customers",
			       .decimals = decimals_of(step), .width = 640 };
	if (!open)
		ch.desc = "A histogram of clv.";
	put(r, r->tier >= 0 ? "<div class=\"two\">\n<figure>\n" : "<div>\n<figure>\n");
	sk_svg_histogram(r->b, &ch, nbin, edge, count, open);
	put(r, "</figure>\n");
	free(edge);
	free(count);

	if (r->tier >= 0) {
		struct cats c;
		cats_read(r, r->tier, &c);
		static const char *const tiers[] = { "top1", "top20", "rest", NULL };
		if (!cats_order(&c, tiers))
			cats_sort(&c);
		put(r, "<table>\n<caption>Customers per value_tier</caption>\n<thead><tr>"
		       "<th scope=\"col\">value_tier</th><th scope=\"col\" class=\"num\">customers"
		       "</th><th scope=\"col\" class=\"num\">share</th></tr></thead>\n<tbody>\n");
		for (size_t k = 0; k < c.n; k++) {
			put(r, "<tr><th scope=\"row\">");
			esc(r, c.name[k]);
			put(r, "</th><td class=\"num\">");
			putnum(r, c.count[k], 0);
			put(r, "</td><td class=\"num\">");
			putpct(r, c.count[k], c.total);
			put(r, "</td></tr>\n");
		}
		put(r, "</tbody>\n</table>\n");
		cats_free(&c);
	}
	put(r, "</div>\n");
	section_close(r);
	free(v);
}

static void palive_section(struct rep *r)
{
	if (r->palive < 0 || r->freq < 0 || r->rec < 0) {
		missing(r, S_PALIVE, "needs p_alive, frequency and recency (run summarize and "
			"churn)");
		return;
	}
	const struct sk_table *t = r->t;
	double fmax = 0, rmax = 0;
	size_t n = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		int e1, e2, e3;
		double p = num(r, i, r->palive, &e1), f = num(r, i, r->freq, &e2),
		       x = num(r, i, r->rec, &e3);
		(void)p;
		if (e1 || e2 || e3)
			continue;
		if (f > fmax)
			fmax = f;
		if (x > rmax)
			rmax = x;
		n++;
	}
	section_open(r, S_PALIVE);
	if (n == 0) {
		put(r, "<p>No customer has p_alive, frequency and recency.</p>\n");
		section_close(r);
		return;
	}
	/* Rows: frequency 0..FREQ_ROWS-1 and FREQ_ROWS+ pooled; columns:
	 * recency in about twenty round-numbered buckets. */
	size_t nf = fmax >= FREQ_ROWS ? FREQ_ROWS + 1 : (size_t)fmax + 1;
	double step = nice_step(rmax / 20);
	size_t nr = (size_t)fmin(floor(rmax / step), 40) + 1;
	int rdec = decimals_of(step);
	double *sum = sk_xcalloc(nf * nr, sizeof *sum);
	double *cnt = sk_xcalloc(nf * nr, sizeof *cnt);
	for (size_t i = 0; i < t->nrow; i++) {
		int e1, e2, e3;
		double p = num(r, i, r->palive, &e1), f = num(r, i, r->freq, &e2),
		       x = num(r, i, r->rec, &e3);
		if (e1 || e2 || e3)
			continue;
		size_t fi = f >= FREQ_ROWS ? FREQ_ROWS : f > 0 ? (size_t)f : 0;
		if (fi >= nf)
			fi = nf - 1;
		double rb = x > 0 ? floor(x / step) : 0;
		size_t ri = rb < (double)nr ? (size_t)rb : nr - 1;
		sum[fi * nr + ri] += p;
		cnt[fi * nr + ri]++;
	}
	/* Frequency grows upwards, as in the iso-p_alive plots of Fader,
	 * Hardie & Lee (2005): the top row is the most frequent. */
	double *v = sk_xmalloc(nf * nr * sizeof *v), *vn = sk_xmalloc(nf * nr * sizeof *vn);
	char **rowlab = sk_xmalloc(nf * sizeof *rowlab), **collab = sk_xmalloc(nr * sizeof *collab);
	for (size_t fi = 0; fi < nf; fi++) {
		size_t row = nf - 1 - fi;
		char lab[32];
		snprintf(lab, sizeof lab, fi == FREQ_ROWS ? "%zu+" : "%zu", fi);
		rowlab[row] = sk_xstrdup(lab);
		for (size_t ri = 0; ri < nr; ri++) {
			double c = cnt[fi * nr + ri];
			v[row * nr + ri] = c > 0 ? sum[fi * nr + ri] / c : NAN;
			vn[row * nr + ri] = c;
		}
	}
	for (size_t ri = 0; ri < nr; ri++) {
		char a[64], b[64], lab[140];
		sk_num_format(a, sizeof a, step * (double)ri, rdec);
		sk_num_format(b, sizeof b, step * (double)(ri + 1), rdec);
		snprintf(lab, sizeof lab, "%s\xe2\x80\x93%s", a, b);	/* an en dash */
		collab[ri] = sk_xstrdup(lab);
	}
	char xl[96], cn[64];
	snprintf(xl, sizeof xl, "recency: first to last purchase (%s)", r->unit->plural);
	snprintf(cn, sizeof cn, "recency (%s)", r->unit->plural);
	put(r, "<p>Mean p_alive of the customers in each cell of frequency (repeat purchases) "
	       "and recency (time from the first purchase to the last).  Customers who bought "
	       "often but not lately are the ones a model calls lost; those who bought "
	       "recently are still around.</p>\n");
	struct sk_chart ch = { .id = "chart-palive",
			       .title = "Mean probability alive by frequency and recency",
			       .desc = "Darker cells: customers more likely still active.  Grey: "
				       "no customers.",
			       .xlabel = xl, .ylabel = "frequency (repeat purchases)",
			       .decimals = 2, .width = 1040 };
	struct sk_heat h = { .nrow = nf, .ncol = nr, .rowlab = (const char *const *)rowlab,
			     .collab = (const char *const *)collab, .rowname = "frequency",
			     .colname = cn, .v = v, .n = vn, .vname = "mean p_alive",
			     .nname = "customers", .lo = 0, .hi = 1 };
	put(r, "<figure class=\"wide\">\n");
	sk_svg_heatmap(r->b, &ch, &h);
	put(r, "</figure>\n");

	put(r, "<details>\n<summary>Table: mean p_alive (customers) by frequency and recency"
	       "</summary>\n<div class=\"scroll\">\n<table class=\"dense\">\n<thead><tr>"
	       "<th scope=\"col\">frequency</th>");
	for (size_t ri = 0; ri < nr; ri++) {
		put(r, "<th scope=\"col\" class=\"num\">");
		esc(r, collab[ri]);
		put(r, "</th>");
	}
	put(r, "</tr></thead>\n<tbody>\n");
	for (size_t fi = 0; fi < nf; fi++) {
		size_t row = nf - 1 - fi;
		put(r, "<tr><th scope=\"row\">");
		esc(r, rowlab[row]);
		put(r, "</th>");
		for (size_t ri = 0; ri < nr; ri++) {
			put(r, "<td class=\"num\">");
			if (vn[row * nr + ri] > 0) {
				putnum(r, v[row * nr + ri], 4);
				put(r, " <small>(");
				putnum(r, vn[row * nr + ri], 0);
				put(r, ")</small>");
			}
			put(r, "</td>");
		}
		put(r, "</tr>\n");
	}
	put(r, "</tbody>\n</table>\n</div>\n</details>\n");
	section_close(r);
	for (size_t k = 0; k < nf; k++)
		free(rowlab[k]);
	for (size_t k = 0; k < nr; k++)
		free(collab[k]);
	free(rowlab);
	free(collab);
	free(v);
	free(vn);
	free(sum);
	free(cnt);
}

struct ranked {
	double rank;
	size_t row;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static void winback_section(struct rep *r)
{
	if (r->rank < 0) {
		missing(r, S_WINBACK, "needs the winback_rank column (run winback)");
		return;
	}
	const struct sk_table *t = r->t;
	struct ranked *rk = sk_xmalloc((t->nrow ? t->nrow : 1) * sizeof *rk);
	size_t n = 0;
	double value = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		int e;
		double x = num(r, i, r->rank, &e);
		if (e)
			continue;
		rk[n].rank = x;
		rk[n].row = i;
		n++;
		if (r->wbvalue >= 0) {
			double v = num(r, i, r->wbvalue, &e);
			if (!e)
				value += v;
		}
	}
	qsort(rk, n, sizeof *rk, cmp_ranked);
	section_open(r, S_WINBACK);
	put(r, "<p>");
	putnum(r, (double)n, 0);
	put(r, n == 1 ? " customer is" : " customers are");
	put(r, " worth a win-back offer");
	if (r->wbvalue >= 0) {
		put(r, ", with an expected profit of ");
		putnum(r, value, 2);
		put(r, " in all (sum of winback_value)");
	}
	if (n > TOP_WINBACK)
		sk_buf_printf(r->b, "; the best %d:", TOP_WINBACK);
	put(r, "</p>\n");
	if (n == 0) {
		section_close(r);
		free(rk);
		return;
	}
	long cols[16];
	size_t nc = 0;
	cols[nc++] = r->id;
	for (size_t k = 0; winback_cols[k]; k++) {
		long j = sk_table_col(t, winback_cols[k]);
		if (j >= 0)
			cols[nc++] = j;
	}
	put(r, "<div class=\"scroll\">\n<table class=\"dense\">\n<caption>Win-back offers, best "
	       "first</caption>\n<thead><tr><th scope=\"col\" class=\"num\">winback_rank</th>");
	for (size_t k = 0; k < nc; k++) {
		put(r, "<th scope=\"col\">");
		esc(r, t->col[cols[k]]);
		put(r, "</th>");
	}
	put(r, "</tr></thead>\n<tbody>\n");
	for (size_t q = 0; q < n && q < TOP_WINBACK; q++) {
		size_t i = rk[q].row, len;
		put(r, "<tr><td class=\"num\">");
		const char *s = field(r, i, r->rank, &len);
		sk_buf_esc(r->b, s, len);
		put(r, "</td>");
		for (size_t k = 0; k < nc; k++) {
			s = field(r, i, cols[k], &len);
			int numeric = sk_num_parse(s, len, &(double){ 0 }) == 0;
			put(r, k == 0 ? "<th scope=\"row\">" : numeric ? "<td class=\"num\">" :
			    "<td class=\"text\">");
			sk_buf_esc(r->b, s, len);
			put(r, k == 0 ? "</th>" : "</td>");
		}
		put(r, "</tr>\n");
	}
	put(r, "</tbody>\n</table>\n</div>\n");
	section_close(r);
	free(rk);
}

static void fit_table(struct rep *r, const char *caption, const char *const *names,
		      const struct sk_fit *f)
{
	put(r, "<table>\n<caption>");
	put(r, caption);
	put(r, "</caption>\n<thead><tr><th scope=\"col\">parameter</th><th scope=\"col\" "
	       "class=\"num\">estimate</th><th scope=\"col\" class=\"num\">standard error</th>"
	       "</tr></thead>\n<tbody>\n");
	for (int k = 0; k < f->npar; k++) {
		put(r, "<tr><th scope=\"row\">");
		esc(r, names[k]);
		put(r, "</th><td class=\"num\">");
		putnum(r, f->par[k], 6);
		put(r, "</td><td class=\"num\">");
		if (f->se[k] > 0)
			putnum(r, f->se[k], 6);
		else
			put(r, "<span class=\"na\" title=\"not in the model file\">\xe2\x80\x94</span>");
		put(r, "</td></tr>\n");
	}
	put(r, "</tbody>\n</table>\n<p class=\"small\">log-likelihood ");
	putnum(r, f->loglik, 4);
	if (f->nobs > 0) {
		put(r, " &#183; AIC ");
		putnum(r, sk_fit_aic(f), 2);
		put(r, " &#183; BIC ");
		putnum(r, sk_fit_bic(f), 2);
		put(r, " &#183; ");
		putnum(r, f->nobs, 0);
		put(r, " customers");
	}
	put(r, "</p>\n");
}

static void model_section(struct rep *r)
{
	const struct sk_modelfile *m = r->ro->model;
	if (!m) {
		missing(r, S_MODEL, "needs a model file (--model FILE, from churn or clv "
			"--save-model)");
		return;
	}
	section_open(r, S_MODEL);
	put(r, "<p>From <code>");
	esc(r, r->ro->model_path ? r->ro->model_path : "");
	put(r, "</code>");
	if (m->tm) {
		put(r, ": ");
		esc(r, m->tm->title);
		put(r, " (");
		esc(r, m->tm->name);
		put(r, ")");
	}
	put(r, ", times in ");
	esc(r, m->unit);
	put(r, "s.");
	if (strcmp(m->unit, r->unit->name) != 0) {
		put(r, "  <strong>The model's unit is not the records' (");
		put(r, r->unit->plural);
		put(r, "): refit it, or score with the model's unit.</strong>");
	}
	put(r, "</p>\n<div class=\"two\">\n");
	if (m->tm) {
		put(r, "<div>\n");
		fit_table(r, "Transaction model", m->tm->parname, &m->tfit);
		put(r, "</div>\n");
	}
	if (m->has_spend) {
		static const char *const spend_names[] = { "p", "q", "gamma" };
		put(r, "<div>\n");
		fit_table(r, "Spend model: Gamma-Gamma", spend_names, &m->sfit);
		put(r, "</div>\n");
	}
	put(r, "</div>\n");
	section_close(r);
}

static void holdout_section(struct rep *r)
{
	if (r->freq < 0 || r->expected < 0 || r->hfreq < 0) {
		missing(r, S_HOLDOUT, "needs holdout_frequency and expected_purchases (run "
			"summarize with --as-of before the end of the data, then churn)");
		return;
	}
	/* The table of churn --evaluate: per calibration frequency 0..7+,
	 * customers, mean predicted and mean actual holdout transactions. */
	double cnt[8] = { 0 }, pred[8] = { 0 }, act[8] = { 0 };
	double tot = 0, tp = 0, ta = 0, mae = 0;
	for (size_t i = 0; i < r->t->nrow; i++) {
		int e1, e2, e3;
		double f = num(r, i, r->freq, &e1), p = num(r, i, r->expected, &e2),
		       a = num(r, i, r->hfreq, &e3);
		if (e1 || e2 || e3)
			continue;
		int k = f >= 7 ? 7 : f < 0 ? 0 : (int)f;
		cnt[k]++;
		pred[k] += p;
		act[k] += a;
		tot++;
		tp += p;
		ta += a;
		mae += fabs(p - a);
	}
	section_open(r, S_HOLDOUT);
	put(r, "<p>Expected purchases (expected_purchases, over churn's <b>--horizon</b>) "
	       "against the purchases customers made after the end of calibration "
	       "(holdout_frequency), by calibration frequency.  The two agree in meaning only "
	       "when the horizon is the holdout period's length.</p>\n");
	static const char *const labels[] = { "0", "1", "2", "3", "4", "5", "6", "7+" };
	double vals[16];
	for (int k = 0; k < 8; k++) {
		vals[2 * k] = cnt[k] > 0 ? pred[k] / cnt[k] : 0;
		vals[2 * k + 1] = cnt[k] > 0 ? act[k] / cnt[k] : 0;
	}
	static const char *const series[] = { "predicted (expected_purchases)",
					       "actual (holdout_frequency)" };
	struct sk_chart ch = { .id = "chart-holdout",
			       .title = "Mean predicted and actual holdout purchases by "
					"calibration frequency",
			       .xlabel = "repeat purchases in the calibration period",
			       .ylabel = "purchases per customer", .decimals = 4, .width = 640 };
	put(r, "<div class=\"two\">\n<figure>\n");
	sk_svg_vbar(r->b, &ch, 8, labels, 2, series, vals);
	put(r, "</figure>\n<table>\n<caption>Calibration/holdout</caption>\n<thead><tr>"
	       "<th scope=\"col\">frequency</th><th scope=\"col\" class=\"num\">customers</th>"
	       "<th scope=\"col\" class=\"num\">predicted</th>"
	       "<th scope=\"col\" class=\"num\">actual</th></tr></thead>\n<tbody>\n");
	for (int k = 0; k < 8; k++) {
		sk_buf_printf(r->b, "<tr><th scope=\"row\">%s</th><td class=\"num\">", labels[k]);
		putnum(r, cnt[k], 0);
		put(r, "</td><td class=\"num\">");
		putnum(r, vals[2 * k], 4);
		put(r, "</td><td class=\"num\">");
		putnum(r, vals[2 * k + 1], 4);
		put(r, "</td></tr>\n");
	}
	put(r, "</tbody>\n<tfoot><tr><th scope=\"row\">all</th><td class=\"num\">");
	putnum(r, tot, 0);
	put(r, "</td><td class=\"num\">");
	putnum(r, tot > 0 ? tp / tot : 0, 4);
	put(r, "</td><td class=\"num\">");
	putnum(r, tot > 0 ? ta / tot : 0, 4);
	put(r, "</td></tr></tfoot>\n</table>\n</div>\n<p>Total: predicted ");
	putnum(r, tp, 1);
	put(r, ", actual ");
	putnum(r, ta, 0);
	put(r, "; mean absolute error per customer ");
	putnum(r, tot > 0 ? mae / tot : 0, 4);
	put(r, ".</p>\n");
	section_close(r);
}

/* ------------------------------------------------------------------ */
/* the page                                                           */

static const char css[] =
	":root{--ink:#1f2933;--muted:#5f6b7a;--line:#e1e5ea;--accent:#225ea8;--bg:#f3f5f8}\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-text-size-adjust:100%}\n"
	"body{margin:0;background:var(--bg);color:var(--ink);"
	"font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
	"sans-serif}\n"
	"header{background:#0b2e59;color:#fff;padding:24px 0 20px}\n"
	"header .in,main,footer{max-width:1120px;margin:0 auto;padding:0 24px}\n"
	"h1{margin:0 0 4px;font-size:1.75rem;font-weight:650}\n"
	"header p{margin:0;color:#c9d6e8}\n"
	"nav{max-width:1120px;margin:0 auto;padding:12px 24px 0}\n"
	"nav ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}\n"
	"nav a{color:var(--accent);text-decoration:none;font-size:.9rem}\n"
	"nav a:hover{text-decoration:underline}\n"
	"section{background:#fff;border:1px solid var(--line);border-radius:8px;"
	"padding:18px 24px 20px;margin:16px 0}\n"
	"h2{margin:0 0 12px;font-size:1.2rem;font-weight:650}\n"
	"p{margin:0 0 12px;max-width:75ch}\n"
	".small{font-size:.875rem;color:var(--muted)}\n"
	".missing{margin:10px 4px;color:var(--muted);font-size:.9rem;"
	"border-left:3px solid #c5ccd6;padding:2px 10px}\n"
	".missing strong{color:var(--ink);font-weight:600}\n"
	/* Flex rather than a grid: a tile grows to fit its number (its
	 * min-content), and the row wraps when the numbers are long. */
	".tiles{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 8px}\n"
	".tile{flex:1 1 150px;background:#f7f9fc;border:1px solid var(--line);border-left:4px solid "
	"var(--accent);border-radius:6px;padding:10px 14px}\n"
	".tile dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;"
	"color:var(--muted)}\n"
	".tile dd{margin:2px 0 0;font-size:1.45rem;font-weight:650;"
	"font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	".tile dd.sub{font-size:.8rem;font-weight:400;color:var(--muted);white-space:normal}\n"
	".na{color:#9aa5b1}\n"
	".two{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px;"
	"align-items:start}\n"
	"@media (max-width:860px){.two{grid-template-columns:1fr}}\n"
	"figure{margin:0 0 12px}\n"
	"svg.chart{display:block;max-width:100%;height:auto}\n"
	"table{border-collapse:collapse;font-size:.875rem;font-variant-numeric:tabular-nums;"
	"margin:0 0 12px}\n"
	"caption{text-align:left;font-weight:600;padding:0 0 6px}\n"
	"th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;"
	"vertical-align:top}\n"
	"thead th{border-bottom:2px solid #c5ccd6;font-weight:600}\n"
	"tbody tr:nth-child(even){background:#f7f9fc}\n"
	"tbody th{font-weight:500}\n"
	"tfoot th,tfoot td{font-weight:600;border-top:2px solid #c5ccd6}\n"
	".num{text-align:right}\n"
	"table.dense{font-size:.8rem}\n"
	"table.dense th,table.dense td{padding:3px 7px;white-space:nowrap}\n"
	"table.dense td.text{white-space:normal;min-width:12ch}\n"
	"table small{color:var(--muted)}\n"
	".scroll{overflow-x:auto}\n"
	"details{margin:4px 0 0}\n"
	"summary{cursor:pointer;color:var(--accent);font-size:.9rem;margin:0 0 8px}\n"
	"code{font-size:.875rem}\n"
	"footer{color:var(--muted);font-size:.8rem;padding-top:4px;padding-bottom:32px}\n"
	"@media print{body{background:#fff}header{background:#fff;color:#000}"
	"header p{color:#333}nav{display:none}section{break-inside:avoid;border:none;"
	"padding:0}details{display:block}}\n";

static const char *input_name(const char *s)
{
	return !s || strcmp(s, "-") == 0 ? "standard input" : s;
}

void sk_report_build(struct sk_buf *b, const struct sk_opts *o,
		     const struct sk_report_opts *ro, const struct sk_table *t)
{
	struct rep r = { .b = b, .o = o, .ro = ro, .t = t };
	r.id = sk_table_col(t, o->col_id);
	if (r.id < 0)
		r.id = 0;	/* the first column names the customer */
	r.freq = sk_table_col(t, "frequency");
	r.rec = sk_table_col(t, "recency");
	r.T = sk_table_col(t, "T");
	r.spend = sk_table_col(t, "total_spend");
	r.palive = sk_table_col(t, "p_alive");
	r.clv = sk_table_col(t, "clv");
	r.stage = sk_table_col(t, "stage");
	r.phase = sk_table_col(t, "phase");
	r.seg = sk_table_col(t, "rfm_segment");
	r.rank = sk_table_col(t, "winback_rank");
	r.wbvalue = sk_table_col(t, "winback_value");
	r.expected = sk_table_col(t, "expected_purchases");
	r.hfreq = sk_table_col(t, "holdout_frequency");
	r.first = sk_table_col(t, "first_purchase");
	r.last = sk_table_col(t, "last_purchase");
	r.tier = sk_table_col(t, "value_tier");
	r.unit = choose_unit(&r);
	if (t->ncol == 0)
		r.id = -1;

	r.present[S_HEADLINE] = 1;
	r.present[S_STAGES] = r.stage >= 0;
	r.present[S_PHASES] = r.phase >= 0;
	r.present[S_SEGMENTS] = r.seg >= 0;
	r.present[S_COHORTS] = ro->cohorts && ro->cohorts->n > 0;
	r.present[S_CLV] = r.clv >= 0;
	r.present[S_PALIVE] = r.palive >= 0 && r.freq >= 0 && r.rec >= 0;
	r.present[S_WINBACK] = r.rank >= 0 && r.id >= 0;
	r.present[S_MODEL] = ro->model != NULL;
	r.present[S_HOLDOUT] = r.freq >= 0 && r.expected >= 0 && r.hfreq >= 0;

	const char *title = ro->title ? ro->title : "siklus report";
	put(&r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		/* The page needs nothing from anywhere and runs nothing: say so,
		 * so a browser refuses if a later edit ever slips a fetch in. */
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'\"/>\n"
		"<meta name=\"generator\" content=\"siklus report " SK_VERSION "\"/>\n<title>");
	esc(&r, title);
	put(&r, "</title>\n<style>\n");
	put(&r, css);
	put(&r, "</style>\n</head>\n<body>\n<header><div class=\"in\">\n<h1>");
	esc(&r, title);
	put(&r, "</h1>\n<p>");
	putnum(&r, (double)t->nrow, 0);
	put(&r, t->nrow == 1 ? " customer" : " customers");
	if (r.rec >= 0 || r.T >= 0) {
		put(&r, " &#183; recency and T in ");
		put(&r, r.unit->plural);
	}
	/* The end of observation: known when summarized here, else first
	 * purchase + T on any customer. */
	long as_of = 0;
	int have_as_of = t->has_as_of;
	if (have_as_of)
		as_of = t->as_of;
	for (size_t i = 0; !have_as_of && r.first >= 0 && r.T >= 0 && i < t->nrow; i++) {
		size_t len;
		const char *s = field(&r, i, r.first, &len);
		long d;
		int e;
		double T = num(&r, i, r.T, &e);
		if (len && !e && sk_date_read(o, s, len, &d) == 0) {
			as_of = d + lround(T * r.unit->days);
			have_as_of = 1;
		}
	}
	if (have_as_of) {
		char day[11];
		sk_date_format(as_of, day);
		put(&r, " &#183; observation ends ");
		put(&r, day);
	}
	put(&r, "</p>\n</div></header>\n<nav aria-label=\"Sections\"><ol>\n");
	for (int s = 0; s < S_N; s++)
		if (r.present[s])
			sk_buf_printf(b, "<li><a href=\"#%s\">%s</a></li>\n", sk_report_sections[s],
				      section_title[s]);
	put(&r, "</ol></nav>\n<main>\n");

	headline(&r);
	stages(&r);
	phases(&r);
	segments(&r);
	cohorts(&r);
	clv_section(&r);
	palive_section(&r);
	if (r.id >= 0)
		winback_section(&r);
	else
		missing(&r, S_WINBACK, "needs a customer id column");
	model_section(&r);
	holdout_section(&r);

	put(&r, "</main>\n<footer>\n<p>Made by <b>report</b> (siklus " SK_VERSION ") from ");
	esc(&r, input_name(o->nfiles ? o->files[0] : NULL));
	if (o->nfiles > 1)
		sk_buf_printf(b, " and %zu more files", o->nfiles - 1);
	if (ro->transactions) {
		put(&r, ", transactions from ");
		esc(&r, input_name(ro->transactions));
	}
	if (ro->model_path) {
		put(&r, ", model from ");
		esc(&r, ro->model_path);
	}
	put(&r, ".  Every figure is computed from the columns named beside it; the "
		"programs' manual pages define them.</p>\n</footer>\n</body>\n</html>\n");
}

/* ------------------------------------------------------------------ */
/* writing                                                            */

void sk_report_write(const struct sk_opts *o, const struct sk_buf *b)
{
	if (!o->output || strcmp(o->output, "-") == 0) {
		if (sk_buf_write(b, stdout) != 0 || fflush(stdout) != 0 || ferror(stdout))
			sk_die(SK_EX_IOERR, "write error: %s", strerror(errno));
		return;
	}
	/* Written whole or not at all, keeping the mode of the page it
	 * replaces (a device or pipe, -o /dev/stdout, is written in place). */
	struct sk_atomic at;
	FILE *f = sk_atomic_open(&at, o->output);
	at.bad = sk_buf_write(b, f) != 0;
	sk_atomic_commit(&at);
}
