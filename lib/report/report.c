/* report.c: the HTML report.  Each section reads the columns it needs
 * from the customer table; a section whose columns are missing leaves a
 * one-line note instead. */
#include "reportint.h"

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
	"headline", "trend", "stages", "phases", "segments", "cohorts", "clv", "palive", "winback",
	"model", "holdout", "tracking", NULL,
};

static const char *const section_title[S_N] = {
	"Headline figures", "Since the previous run", "Customers per stage", "Customers per phase",
	"Customers per RFM segment", "Cohort retention", "Customer lifetime value",
	"Probability alive by frequency and recency", "Win-back list", "Model fit",
	"Calibration and holdout", "Tracking over time",
};

/* Units of recency and T, as --unit names them. */
static const struct unit units[] = {
	{ "day", "days", 1 }, { "week", "weeks", 7 }, { "month", "months", 30.4375 },
	{ "year", "years", 365.25 },
};

/* ------------------------------------------------------------------ */
/* helpers the section files share                                    */

void sk_rep_section_open(struct rep *r, int s)
{
	sk_buf_printf(r->b, "<section id=\"%s\" aria-labelledby=\"%s-h\">\n<h2 id=\"%s-h\">%s</h2>\n",
		      sk_report_sections[s], sk_report_sections[s], sk_report_sections[s],
		      section_title[s]);
}

/* The one-line note that stands in for a section without its columns. */
void sk_rep_missing(struct rep *r, int s, const char *needs)
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
/* ------------------------------------------------------------------ */
/* counting categories                                                */

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

void sk_rep_cats_read(const struct rep *r, long col, struct cats *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < r->t->nrow; i++) {
		size_t len;
		const char *s = field(r, i, col, &len);
		cats_add(c, s, len);
	}
}

void sk_rep_cats_free(struct cats *c)
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
int sk_rep_cats_order(struct cats *c, const char *const *names)
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
void sk_rep_cats_sort(struct cats *c)
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

/* The table of the counts: a row per category with its customers and
 * their share, and with total a last row for all of them. */
void sk_rep_cats_table(struct rep *r, const struct cats *c, const char *what, const char *title,
		       int total)
{
	put(r, "<table>\n<caption>");
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
	put(r, "</tbody>\n");
	if (total) {
		put(r, "<tfoot><tr><th scope=\"row\">all</th><td class=\"num\">");
		putnum(r, c->total, 0);
		put(r, "</td><td class=\"num\">100%</td></tr></tfoot>\n");
	}
	put(r, "</table>\n");
}

/* A bar chart and the table of the same counts, side by side. */
void sk_rep_cats_section(struct rep *r, const struct cats *c, const char *id, const char *what,
			 const char *title)
{
	put(r, "<div class=\"two\">\n<figure>\n");
	struct sk_chart ch = { .id = id, .title = title, .xlabel = "customers", .width = 600 };
	sk_svg_hbar(r->b, &ch, c->n, (const char *const *)c->name, c->count, 1);
	put(r, "</figure>\n");
	sk_rep_cats_table(r, c, what, title, 1);
	put(r, "</div>\n");
}

/* ------------------------------------------------------------------ */

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
	".na{color:var(--muted)}\n"
	".two{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px;"
	"align-items:start}\n"
	"@media (max-width:860px){.two{grid-template-columns:1fr}}\n"
	/* A chart fills its column down to the min-width svg.c gives it;
	 * a narrower screen scrolls the figure, not the page. */
	"figure{margin:0 0 12px;overflow-x:auto}\n"
	"svg.chart{display:block;width:100%;height:auto}\n"
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
	"table small{color:var(--muted);font-size:1em}\n"
	"h3{margin:16px 0 8px;font-size:1rem;font-weight:650}\n"
	"td.stay{font-weight:700}\n"
	"code{overflow-wrap:anywhere}\n"
	".scroll{overflow-x:auto}\n"
	"details{margin:4px 0 0}\n"
	"summary{cursor:pointer;color:var(--accent);font-size:.9rem;margin:0 0 8px}\n"
	"code{font-size:.875rem}\n"
	"footer{color:var(--muted);font-size:.8rem;padding-top:4px;padding-bottom:32px}\n"
	/* A phone (420 px): less padding, tiles two a row, long figures
	 * wrap; tables and charts scroll inside their own box. */
	"@media (max-width:600px){header .in,main,footer,nav{padding-left:12px;"
	"padding-right:12px}section{padding:12px}.tile{flex-basis:130px}"
	".tile dd{white-space:normal;font-size:1.25rem}h1{font-size:1.4rem}}\n"
	/* Print: landscape, nothing scrolls (a scrolled-away column would be
	 * cut), charts fit the page, wide tables in small type and wrapping
	 * at spaces; the <details> tables are open in the page already. */
	"@media print{@page{size:A4 landscape;margin:12mm}"
	"body{background:#fff;font-size:10pt}header{background:#fff;color:#000;padding:0}"
	"header p{color:#333}nav{display:none}"
	"header .in,main,footer{max-width:none;padding:0}"
	"section{border:none;padding:0;margin:10px 0}.two{display:block}"
	".scroll,figure{overflow:visible}"
	"svg.chart{min-width:0 !important;max-width:100% !important}"
	"table{width:100%}table.dense{font-size:6.5pt}"
	"table.dense th,table.dense td{white-space:normal;padding:1px 3px}"
	"tr,figure{break-inside:avoid}summary{color:#000}}\n";

/* An input as the page names it: its file name without the folders, so
 * that no scratch or temporary folder of the job that made the page (a
 * nightly run's .scratch.DAY.XXXXXX, mktemp's /tmp/tmp.XXXXXX) shows in
 * it, and two runs on the same files give the same page. */
const char *sk_rep_input_name(const char *s)
{
	if (!s || strcmp(s, "-") == 0)
		return "standard input";
	const char *slash = strrchr(s, '/');
	return slash && slash[1] ? slash + 1 : s;
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
	r.present[S_TREND] = ro->previous != NULL;
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
	/* What the money figures are in and over (issue 17): the currency
	 * as --currency-label names it, and clv's horizon, margin and
	 * discount rate as clv saved them in --model; never guessed. */
	if (r.spend >= 0 || r.clv >= 0) {
		put(&r, " &#183; amounts in ");
		if (ro->currency)
			esc(&r, ro->currency);
		else
			put(&r, "the data's currency (--currency-label names it)");
	}
	if (r.clv >= 0) {
		const struct sk_modelfile *m = ro->model;
		if (m && m->has_value) {
			put(&r, " &#183; clv over ");
			esc(&r, m->value_horizon);
			sk_buf_printf(b, ", margin %g, discount rate %g a year", m->value_margin,
				      m->value_rate);
		} else
			put(&r, " &#183; clv's horizon, margin and discount rate are not in the "
			       "records (report --model FILE saved by clv --save-model names them)");
	}
	put(&r, "</p>\n</div></header>\n<nav aria-label=\"Sections\"><ol>\n");
	for (int s = 0; s < S_N; s++)
		if (r.present[s])
			sk_buf_printf(b, "<li><a href=\"#%s\">%s</a></li>\n", sk_report_sections[s],
				      section_title[s]);
	put(&r, "</ol></nav>\n<main>\n");

	sk_rep_headline(&r);
	sk_rep_trend_section(&r);
	sk_rep_stages(&r);
	sk_rep_phases(&r);
	sk_rep_segments(&r);
	sk_rep_cohorts(&r);
	sk_rep_clv_section(&r);
	sk_rep_palive_section(&r);
	if (r.id >= 0)
		sk_rep_winback_section(&r);
	else
		sk_rep_missing(&r, S_WINBACK, "needs a customer id column");
	sk_rep_model_section(&r);
	sk_rep_holdout_section(&r);
	sk_rep_tracking_section(&r);

	put(&r, "</main>\n<footer>\n<p>Made by <b>report</b> (siklus " SK_VERSION ") from ");
	esc(&r, sk_rep_input_name(o->nfiles ? o->files[0] : NULL));
	if (o->nfiles > 1)
		sk_buf_printf(b, " and %zu more files", o->nfiles - 1);
	/* The other inputs, each with what it gave. */
	const struct { const char *path, *what; } more[] = {
		{ ro->transactions, ", transactions from " }, { ro->model_path, ", model from " },
		{ ro->tracking_path, ", tracking from " },
		{ ro->previous_path, ", the previous run from " },
	};
	for (size_t k = 0; k < sizeof more / sizeof more[0]; k++)
		if (more[k].path) {
			put(&r, more[k].what);
			esc(&r, sk_rep_input_name(more[k].path));
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
