/* reptrend.c: the report section on what moved since the previous run
 * (report --previous FILE, the customer records the nightly job kept from
 * its last run): the headline figures then and now, customers new since
 * then, churn and value since then, and the movement between stages.
 *
 * Customers are matched by the id column (--id).  Every figure is a count
 * or a sum over the two sets of records, so a reader can check it with a
 * spreadsheet: nothing here is modelled. */
#include "reportint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/classify.h"
#include "record/util.h"

/* The columns the section reads, in one set of records; -1 when absent. */
struct side {
	const struct sk_table *t;
	long id, rec, T, palive, churned, spend, clv, stage;
};

static void side_init(struct side *s, const struct sk_table *t, const char *id)
{
	s->t = t;
	s->id = sk_table_need_col(t, id, NULL);
	s->rec = sk_table_col(t, "recency");
	s->T = sk_table_col(t, "T");
	s->palive = sk_table_col(t, "p_alive");
	s->churned = sk_table_col(t, "churned");
	s->spend = sk_table_col(t, "total_spend");
	s->clv = sk_table_col(t, "clv");
	s->stage = sk_table_col(t, "stage");
}

/* The previous rows sorted by id, to find a current customer's. */
struct byid {
	const char *id;
	size_t len, row;
};

static int cmp_byid(const void *a, const void *b)
{
	const struct byid *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->id, y->id, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* A customer's state in one run: churned (1), alive (0), or unknown (-1,
 * no churn column or an empty value).  By churn's own churned column
 * when both runs have it, else by p_alive below --threshold, the
 * headline's "Likely alive" turned round. */
static int churned_state(const struct side *s, size_t i, int use_col, double threshold)
{
	int e;
	double v;
	if (use_col) {
		v = sk_table_num(s->t, i, s->churned, &e);
		return e ? -1 : v != 0;
	}
	v = sk_table_num(s->t, i, s->palive, &e);
	return e ? -1 : v < threshold;
}

/* Sum of column col over the rows (empty values left out), or of the
 * rows marked in pick when pick is not NULL. */
static double col_sum(const struct side *s, long col, const unsigned char *pick)
{
	double sum = 0;
	for (size_t i = 0; i < s->t->nrow; i++) {
		int e;
		if (pick && !pick[i])
			continue;
		double v = sk_table_num(s->t, i, col, &e);
		if (!e)
			sum += v;
	}
	return sum;
}

/* Active, as the headline counts it: bought in the last 365 days. */
static double count_active(const struct side *s, double unit_days)
{
	double n = 0;
	for (size_t i = 0; i < s->t->nrow; i++) {
		int e, f;
		double rec = sk_table_num(s->t, i, s->rec, &e), T = sk_table_num(s->t, i, s->T, &f);
		if (!e && !f && nearbyint((T - rec) * unit_days * 100) / 100 <= 365)
			n++;
	}
	return n;
}

static double count_state(const struct side *s, int use_col, double threshold, int want)
{
	double n = 0;
	for (size_t i = 0; i < s->t->nrow; i++)
		n += churned_state(s, i, use_col, threshold) == want;
	return n;
}

/* One row of the then-and-now table: a count or an amount of money. */
static void trend_row(struct rep *r, const char *what, double then, double now, int money)
{
	put(r, "<tr><th scope=\"row\">");
	put(r, what);
	put(r, "</th><td class=\"num\">");
	if (money)
		putmoney(r, then);
	else
		putnum(r, then, 0);
	put(r, "</td><td class=\"num\">");
	if (money)
		putmoney(r, now);
	else
		putnum(r, now, 0);
	put(r, "</td><td class=\"num\">");
	double d = now - then;
	put(r, d > 0 ? "+" : d < 0 ? "&#8722;" : "");	/* a real minus sign */
	if (money)
		putmoney(r, fabs(d));
	else
		putnum(r, fabs(d), 0);
	put(r, "</td><td class=\"num\">");
	if (then != 0) {
		double pct = 100 * d / fabs(then);
		put(r, pct > 0 ? "+" : pct < 0 ? "&#8722;" : "");
		putnum(r, fabs(pct), 1);
		put(r, "%");
	} else
		put(r, "<span title=\"nothing to compare with\">\xe2\x80\x94</span>");
	put(r, "</td></tr>\n");
}

/* " (12.5%)" after a count of part customers out of whole; nothing when
 * whole is 0, where a share would say nothing. */
static void put_share(struct rep *r, double part, double whole)
{
	if (whole > 0) {
		put(r, " (");
		putpct(r, part, whole);
		put(r, ")");
	}
}

/* Index of name in names[0..n), appending it when absent. */
static size_t name_index(char ***names, size_t *n, const char *s, size_t len)
{
	if (!len) {
		s = "(empty)";
		len = strlen(s);
	}
	for (size_t k = 0; k < *n; k++)
		if (strlen((*names)[k]) == len && memcmp((*names)[k], s, len) == 0)
			return k;
	*names = sk_xrealloc(*names, (*n + 1) * sizeof **names);
	(*names)[*n] = sk_xstrndup(s, len);
	return (*n)++;
}

/* The from -> to table of stages: a row per stage in the previous run (and
 * one for customers new since then), a column per stage now. */
static void stage_flow(struct rep *r, const struct side *now, const struct side *then,
		       const size_t *match)
{
	/* Stage names in the ladder order of the scheme the current
	 * stages come from (as the stage chart orders them), then any
	 * other name in order of appearance. */
	struct cats c;
	sk_rep_cats_read(r, now->stage, &c);
	static const enum sk_scheme order[] = { SK_SCHEME_LIFECYCLE, SK_SCHEME_LADDER,
						SK_SCHEME_FUNNEL };
	int ordered = 0;
	for (size_t k = 0; k < 3 && !ordered; k++)
		ordered = sk_rep_cats_order(&c, sk_classify_stage_names(order[k]));
	size_t n = c.n;
	char **names = c.name;
	c.name = NULL;
	c.n = 0;
	sk_rep_cats_free(&c);
	for (size_t i = 0; i < then->t->nrow; i++) {
		size_t len;
		const char *s = sk_table_get(then->t, i, then->stage, &len, NULL);
		name_index(&names, &n, s, len);
	}
	for (size_t i = 0; i < now->t->nrow; i++) {	/* past MAX_CATEGORIES, "(other)" */
		size_t len;
		const char *s = sk_table_get(now->t, i, now->stage, &len, NULL);
		name_index(&names, &n, s, len);
	}
	size_t nrow = n + 1;	/* the last row: new since then */
	double *cnt = sk_xcalloc(nrow * n, sizeof *cnt);
	double moved = 0, both = 0;
	for (size_t i = 0; i < now->t->nrow; i++) {
		size_t len;
		const char *s = sk_table_get(now->t, i, now->stage, &len, NULL);
		size_t to = name_index(&names, &n, s, len), from = n;	/* n: new */
		if (match[i] != (size_t)-1) {
			s = sk_table_get(then->t, match[i], then->stage, &len, NULL);
			from = name_index(&names, &n, s, len);
			both++;
			moved += from != to;
		}
		cnt[(from == n ? nrow - 1 : from) * n + to]++;
	}
	put(r, "<h3>Movement between stages</h3>\n<p>");
	putnum(r, moved, 0);
	put(r, " of the ");
	putnum(r, both, 0);
	put(r, " customers in both runs changed stage");
	put_share(r, moved, both);
	put(r, ".  A row is the stage in the previous run, a column the stage now; the "
	       "diagonal (in bold) stayed.</p>\n<div class=\"scroll\">\n<table class=\"flow\">\n"
	       "<caption>Customers by stage then (rows) and now (columns)</caption>\n"
	       "<thead><tr><th scope=\"col\">then \\ now</th>");
	for (size_t k = 0; k < n; k++) {
		put(r, "<th scope=\"col\" class=\"num\">");
		esc(r, names[k]);
		put(r, "</th>");
	}
	put(r, "<th scope=\"col\" class=\"num\">all</th></tr></thead>\n<tbody>\n");
	for (size_t a = 0; a < nrow; a++) {
		double sum = 0;
		for (size_t k = 0; k < n; k++)
			sum += cnt[a * n + k];
		if (a == nrow - 1 && sum == 0)
			break;	/* no new customer: no row for them */
		put(r, "<tr><th scope=\"row\">");
		if (a == nrow - 1)
			put(r, "(new since then)");
		else
			esc(r, names[a]);
		put(r, "</th>");
		for (size_t k = 0; k < n; k++) {
			put(r, a == k ? "<td class=\"num stay\">" : "<td class=\"num\">");
			putnum(r, cnt[a * n + k], 0);
			put(r, "</td>");
		}
		put(r, "<td class=\"num\">");
		putnum(r, sum, 0);
		put(r, "</td></tr>\n");
	}
	put(r, "</tbody>\n</table>\n</div>\n");
	for (size_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
	free(cnt);
}

void sk_rep_trend_section(struct rep *r)
{
	const struct sk_table *pt = r->ro->previous;
	if (!pt) {
		sk_rep_missing(r, S_TREND, "needs the previous run's records (--previous FILE)");
		return;
	}
	struct side now, then;
	side_init(&now, r->t, r->o->col_id);
	side_init(&then, pt, r->o->col_id);

	/* Match every current customer with their previous row. */
	struct byid *ix = sk_xmalloc((pt->nrow ? pt->nrow : 1) * sizeof *ix);
	for (size_t i = 0; i < pt->nrow; i++) {
		ix[i].id = sk_table_get(pt, i, then.id, &ix[i].len, NULL);
		ix[i].row = i;
	}
	qsort(ix, pt->nrow, sizeof *ix, cmp_byid);
	for (size_t i = 1; i < pt->nrow; i++)
		if (cmp_byid(&ix[i - 1], &ix[i]) == 0) {
			size_t row = ix[i].row > ix[i - 1].row ? ix[i].row : ix[i - 1].row;
			sk_table_die(pt, row, "customer \"%.*s\" is twice in the previous run's "
				     "records", (int)ix[i].len, ix[i].id);
		}
	size_t *match = sk_xmalloc((now.t->nrow ? now.t->nrow : 1) * sizeof *match);
	unsigned char *seen = sk_xcalloc(pt->nrow ? pt->nrow : 1, 1);
	unsigned char *isnew = sk_xcalloc(now.t->nrow ? now.t->nrow : 1, 1);
	double nnew = 0, nboth = 0;
	for (size_t i = 0; i < now.t->nrow; i++) {
		struct byid key;
		key.id = sk_table_get(now.t, i, now.id, &key.len, NULL);
		struct byid *hit = pt->nrow ? bsearch(&key, ix, pt->nrow, sizeof *ix, cmp_byid) :
					      NULL;
		match[i] = hit ? hit->row : (size_t)-1;
		if (hit) {
			seen[hit->row] = 1;
			nboth++;
		} else {
			isnew[i] = 1;
			nnew++;
		}
	}
	double ngone = 0;
	for (size_t i = 0; i < pt->nrow; i++)
		ngone += !seen[i];

	sk_rep_section_open(r, S_TREND);
	put(r, "<p>Against the previous run's records (<code>");
	esc(r, sk_rep_input_name(r->ro->previous_path));
	put(r, "</code>), customers matched by ");
	esc(r, r->o->col_id);
	put(r, ": ");
	putnum(r, (double)pt->nrow, 0);
	put(r, " then, ");
	putnum(r, (double)now.t->nrow, 0);
	put(r, " now; <strong>");
	putnum(r, nnew, 0);
	put(r, " new since then</strong>");
	if (ngone > 0) {
		put(r, ", ");
		putnum(r, ngone, 0);
		put(r, " in the previous records but not in these");
	}
	put(r, ".</p>\n");

	/* Then and now: the headline's figures on both sets of records. */
	int use_col = now.churned >= 0 && then.churned >= 0;
	int have_churn = use_col || (now.palive >= 0 && then.palive >= 0);
	double thr = r->ro->threshold;
	put(r, "<div class=\"scroll\">\n<table>\n<caption>Then and now</caption>\n<thead><tr>"
	       "<th scope=\"col\">figure</th><th scope=\"col\" class=\"num\">previous run</th>"
	       "<th scope=\"col\" class=\"num\">this run</th><th scope=\"col\" class=\"num\">"
	       "change</th><th scope=\"col\" class=\"num\">change (%)</th></tr></thead>\n"
	       "<tbody>\n");
	trend_row(r, "Customers", (double)pt->nrow, (double)now.t->nrow, 0);
	if (now.rec >= 0 && now.T >= 0 && then.rec >= 0 && then.T >= 0)
		trend_row(r, "Active (bought in the last 365 days)",
			  count_active(&then, r->unit->days), count_active(&now, r->unit->days), 0);
	if (have_churn) {
		trend_row(r, use_col ? "Not churned (churned = 0)" : "Likely alive (p_alive &#8805; "
			  "--threshold)", count_state(&then, use_col, thr, 0),
			  count_state(&now, use_col, thr, 0), 0);
		trend_row(r, use_col ? "Churned (churned = 1)" : "Likely lost (p_alive &lt; "
			  "--threshold)", count_state(&then, use_col, thr, 1),
			  count_state(&now, use_col, thr, 1), 0);
	}
	if (now.spend >= 0 && then.spend >= 0)
		trend_row(r, "Revenue (sum of total_spend)", col_sum(&then, then.spend, NULL),
			  col_sum(&now, now.spend, NULL), 1);
	if (now.clv >= 0 && then.clv >= 0)
		trend_row(r, "Total CLV (sum of clv)", col_sum(&then, then.clv, NULL),
			  col_sum(&now, now.clv, NULL), 1);
	put(r, "</tbody>\n</table>\n</div>\n");

	/* Churn and value since then, over the customers in both runs. */
	if (have_churn) {
		double newly = 0, recovered = 0, lost_value = 0;
		for (size_t i = 0; i < now.t->nrow; i++) {
			if (match[i] == (size_t)-1)
				continue;
			int a = churned_state(&then, match[i], use_col, thr),
			    b = churned_state(&now, i, use_col, thr);
			if (a == 0 && b == 1) {
				newly++;
				if (then.clv >= 0) {
					int e;
					double v = sk_table_num(then.t, match[i], then.clv, &e);
					if (!e)
						lost_value += v;
				}
			}
			recovered += a == 1 && b == 0;
		}
		put(r, "<h3>Churn since then</h3>\n<p>Of the ");
		putnum(r, nboth, 0);
		put(r, " customers in both runs, <strong>");
		putnum(r, newly, 0);
		put(r, " churned since then</strong>");
		put_share(r, newly, nboth);
		put(r, " and ");
		putnum(r, recovered, 0);
		put(r, " came back");
		put(r, use_col ? " (by churn's churned column)." :
		    " (by p_alive against --threshold: no churned column in both runs).");
		if (then.clv >= 0) {
			put(r, "  The newly churned were worth ");
			putmoney(r, lost_value);
			put(r, " in clv at the previous run.");
		}
		put(r, "</p>\n");
	}
	if (now.clv >= 0 && then.clv >= 0) {
		unsigned char *inboth = sk_xcalloc(pt->nrow ? pt->nrow : 1, 1);
		unsigned char *nowboth = sk_xcalloc(now.t->nrow ? now.t->nrow : 1, 1);
		for (size_t i = 0; i < now.t->nrow; i++)
			if (match[i] != (size_t)-1) {
				inboth[match[i]] = 1;
				nowboth[i] = 1;
			}
		double v0 = col_sum(&then, then.clv, inboth), v1 = col_sum(&now, now.clv, nowboth);
		put(r, "<h3>Value since then</h3>\n<p>The customers in both runs were worth ");
		putmoney(r, v0);
		put(r, " then and ");
		putmoney(r, v1);
		put(r, " now (sum of clv), a change of ");
		put(r, v1 - v0 < 0 ? "&#8722;" : v1 - v0 > 0 ? "+" : "");
		putmoney(r, fabs(v1 - v0));
		put(r, "; the ");
		putnum(r, nnew, 0);
		put(r, " new customers add ");
		putmoney(r, col_sum(&now, now.clv, isnew));
		put(r, ".</p>\n");
		free(inboth);
		free(nowboth);
	}
	if (now.stage >= 0 && then.stage >= 0)
		stage_flow(r, &now, &then, match);
	else
		put(r, "<p class=\"small\">Movement between stages needs the stage column in both "
		       "runs (run classify).</p>\n");
	section_close(r);
	free(ix);
	free(match);
	free(seen);
	free(isnew);
}
