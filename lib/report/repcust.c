/* repcust.c: the report sections that count customers: headline figures,
 * stages, phases, RFM segments and cohort retention. */
#include "reportint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/classify.h"
#include "record/date.h"
#include "model/model.h"
#include "record/num.h"
#include "model/score.h"
#include "record/util.h"

void sk_rep_headline(struct rep *r)
{
	const struct sk_table *t = r->t;
	double buyers = 0, active = 0, likely = 0, alive_sum = 0, alive_n = 0, revenue = 0;
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
			likely += p >= r->ro->threshold;
			if (p < r->ro->threshold && r->clv >= 0) {
				double v = num(r, i, r->clv, &e);
				if (!e) {
					at_risk += v;
					at_risk_n++;
				}
			}
		}
		if (r->rec >= 0 && r->T >= 0) {
			int e, f;
			double rec = num(r, i, r->rec, &e), T = num(r, i, r->T, &f);
			/* Active = not lapsed, as the stage chart counts it
			 * (classify's default --lapse-days 365): T - recency is
			 * the time since the last purchase.  In days rounded to a
			 * hundredth, as classify does, so the 6 decimals of a
			 * coarse unit do not push day 365 over the line. */
			if (!e && !f && nearbyint((T - rec) * r->unit->days * 100) / 100 <= 365)
				active++;
		}
	}
	char thr[64];
	sk_num_group(thr, sizeof thr, r->ro->threshold, 6);

	sk_rep_section_open(r, S_HEADLINE);
	put(r, "<dl class=\"tiles\">\n");
	tile_open(r, "Customers");
	putnum(r, (double)t->nrow, 0);
	if (r->freq >= 0 && buyers < t->nrow) {
		char sub[160], nb[64];
		sk_num_group(nb, sizeof nb, buyers, 0);
		snprintf(sub, sizeof sub, "%s with a purchase", nb);
		tile_close(r, sub);
	} else
		tile_close(r, "rows in the customer records");

	/* Two figures with two names (issue 17: "Active 81.7 %" over a chart
	 * of 65.3 % lapsed): Active counts purchases, as the stages do;
	 * Likely alive is the model's p_alive. */
	char pct[64], sub[256];
	if (r->rec >= 0 && r->T >= 0) {
		tile_open(r, "Active");
		putnum(r, active, 0);
		sk_num_group(pct, sizeof pct, t->nrow ? 100 * active / (double)t->nrow : 0, 1);
		snprintf(sub, sizeof sub, "%s%% of customers &#183; bought in the last 365 days "
			 "(not lapsed, as classify's stages by default)", pct);
		tile_close(r, sub);
	} else
		tile_missing(r, "Active", "needs recency and T (run summarize)");
	if (r->palive >= 0) {
		tile_open(r, "Likely alive");
		putnum(r, likely, 0);
		sk_num_group(pct, sizeof pct, alive_n > 0 ? 100 * likely / alive_n : 0, 1);
		snprintf(sub, sizeof sub, "%s%% of the scored customers &#183; p_alive &#8805; %s "
			 "(the model's view, not the last purchase)", pct, thr);
		tile_close(r, sub);
	} else
		tile_missing(r, "Likely alive", "needs p_alive (run churn)");

	if (r->palive >= 0) {
		double ret = alive_n > 0 ? alive_sum / alive_n : 0;
		tile_open(r, "Retention rate");
		putfrac(r, ret);
		tile_close(r, "mean p_alive: the expected share still alive");
		tile_open(r, "Churn rate");
		putfrac(r, alive_n > 0 ? 1 - ret : 0);
		tile_close(r, "1 &#8722; retention rate");
	} else {
		tile_missing(r, "Retention rate", "needs p_alive (run churn)");
		tile_missing(r, "Churn rate", "needs p_alive (run churn)");
	}

	if (r->spend >= 0) {
		tile_open(r, "Revenue");
		putmoney(r, revenue);
		tile_close(r, "sum of total_spend");
	} else
		tile_missing(r, "Revenue", "needs total_spend (run summarize)");

	if (r->clv >= 0 && r->palive >= 0) {
		tile_open(r, "Value at risk");
		putmoney(r, at_risk);
		char sub[256], n[64];
		sk_num_group(n, sizeof n, at_risk_n, 0);
		snprintf(sub, sizeof sub, "clv of the %s customers with p_alive &lt; %s, as "
			 "clv --report counts it", n, thr);
		tile_close(r, sub);
	} else
		tile_missing(r, "Value at risk", "needs clv and p_alive (run churn and clv)");
	put(r, "</dl>\n");
	section_close(r);
}

void sk_rep_stages(struct rep *r)
{
	if (r->stage < 0) {
		sk_rep_missing(r, S_STAGES, "needs the stage column (run classify)");
		return;
	}
	struct cats c;
	sk_rep_cats_read(r, r->stage, &c);
	/* The scheme is not recorded; the one whose stage names cover the
	 * values gives the ladder order (lifecycle first when both do). */
	const char *scheme = NULL;
	static const enum sk_scheme order[] = { SK_SCHEME_LIFECYCLE, SK_SCHEME_LADDER,
						SK_SCHEME_FUNNEL };
	for (size_t k = 0; k < 3 && !scheme; k++)
		if (sk_rep_cats_order(&c, sk_classify_stage_names(order[k])))
			scheme = sk_classify_scheme_name(order[k]);
	if (!scheme)
		sk_rep_cats_sort(&c);
	sk_rep_section_open(r, S_STAGES);
	if (scheme)
		sk_buf_printf(r->b, "<p>Scheme: %s, stages in ladder order (see "
			      "<b>classify</b>(1)).</p>\n", scheme);
	sk_rep_cats_section(r, &c, "chart-stages", "stage", "Customers per stage");
	section_close(r);
	sk_rep_cats_free(&c);
}

void sk_rep_phases(struct rep *r)
{
	if (r->phase < 0) {
		sk_rep_missing(r, S_PHASES, "needs the phase column (run classify)");
		return;
	}
	struct cats c;
	sk_rep_cats_read(r, r->phase, &c);
	if (!sk_rep_cats_order(&c, sk_classify_phase_names()))
		sk_rep_cats_sort(&c);
	sk_rep_section_open(r, S_PHASES);
	sk_rep_cats_section(r, &c, "chart-phases", "phase", "Customers per CRM phase");
	section_close(r);
	sk_rep_cats_free(&c);
}

void sk_rep_segments(struct rep *r)
{
	if (r->seg < 0) {
		sk_rep_missing(r, S_SEGMENTS, "needs the rfm_segment column (run classify --rfm)");
		return;
	}
	struct cats c;
	sk_rep_cats_read(r, r->seg, &c);
	sk_rep_cats_sort(&c);
	sk_rep_section_open(r, S_SEGMENTS);
	sk_rep_cats_section(r, &c, "chart-segments", "segment", "Customers per RFM segment");
	section_close(r);
	sk_rep_cats_free(&c);
}

void sk_rep_cohorts(struct rep *r)
{
	const struct sk_cohorts *cs = r->ro->cohorts;
	if (!cs) {
		sk_rep_missing(r, S_COHORTS, "needs the transaction log (--transactions FILE)");
		return;
	}
	if (cs->n == 0) {
		sk_rep_missing(r, S_COHORTS, "the transaction log has no purchases");
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

	sk_rep_section_open(r, S_COHORTS);
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
	put(r, "<details open>\n<summary>Table: retention by cohort and period (the numbers of "
	       "<b>cohort --wide</b>, in percent)</summary>\n<div class=\"scroll\">\n<table class=\"dense\">\n"
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
		putnum(r, c->customers, 0);
		put(r, "</td>");
		for (int k = 0; k < nper; k++) {
			put(r, "<td class=\"num\">");
			if (k < c->nper && c->customers > 0)
				putfrac(r, c->active[k] / c->customers);
			put(r, "</td>");
		}
		put(r, "</tr>\n");
	}
	put(r, "</tbody>\n</table>\n</div>\n</details>\n");
	section_close(r);
}

