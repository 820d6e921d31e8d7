/* repvalue.c: the report sections about value: lifetime value, p_alive
 * by frequency and recency, and the win-back list. */
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

/* The win-back table shows these columns when the records have them. */
enum colkind { COL_TEXT, COL_COUNT, COL_MONEY, COL_FRAC };

static const struct { const char *name; enum colkind kind; } winback_cols[] = {
	{ "orders", COL_COUNT }, { "last_purchase", COL_TEXT }, { "total_spend", COL_MONEY },
	{ "p_alive", COL_FRAC }, { "clv", COL_MONEY }, { "winback_prob", COL_FRAC },
	{ "winback_value", COL_MONEY }, { "winback_reason", COL_TEXT }, { NULL, COL_TEXT },
};

void sk_rep_clv_section(struct rep *r)
{
	if (r->clv < 0) {
		sk_rep_missing(r, S_CLV, "needs the clv column (run clv)");
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
	sk_rep_section_open(r, S_CLV);
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
	putmoney(r, total);
	tile_close(r, "sum of clv");
	tile_open(r, "Mean CLV");
	putmoney(r, total / n);
	tile_close(r, "per customer with a CLV");
	tile_open(r, "Median CLV");
	putmoney(r, median);
	tile_close(r, "half the customers are worth less");
	tile_open(r, "Top 20% share");
	putpct(r, top, total);
	char sub[256], nt[64];
	sk_num_group(nt, sizeof nt, (double)ntop, 0);
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
	char xlabel[128];
	snprintf(xlabel, sizeof xlabel, "clv (%s)", r->ro->currency ? r->ro->currency :
		 "currency of the amounts");
	struct sk_chart ch = { .id = "chart-clv", .title = "Customers by lifetime value",
			       .desc = "A histogram of clv; the last bar, set apart, holds "
				       "every customer above the 99th percentile.",
			       .xlabel = xlabel, .ylabel = "customers",
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
		sk_rep_cats_read(r, r->tier, &c);
		static const char *const tiers[] = { "top1", "top20", "rest", NULL };
		if (!sk_rep_cats_order(&c, tiers))
			sk_rep_cats_sort(&c);
		sk_rep_cats_table(r, &c, "value_tier", "Customers per value_tier", 0);
		sk_rep_cats_free(&c);
	}
	put(r, "</div>\n");
	section_close(r);
	free(v);
}

void sk_rep_palive_section(struct rep *r)
{
	if (r->palive < 0 || r->freq < 0 || r->rec < 0) {
		sk_rep_missing(r, S_PALIVE, "needs p_alive, frequency and recency (run summarize and "
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
	sk_rep_section_open(r, S_PALIVE);
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
		sk_num_group(a, sizeof a, step * (double)ri, rdec);
		sk_num_group(b, sizeof b, step * (double)(ri + 1), rdec);
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
			       .width = 1040 };
	struct sk_heat h = { .nrow = nf, .ncol = nr, .rowlab = (const char *const *)rowlab,
			     .collab = (const char *const *)collab, .rowname = "frequency",
			     .colname = cn, .v = v, .n = vn, .vname = "mean p_alive",
			     .nname = "customers", .lo = 0, .hi = 1, .percent = 1 };
	put(r, "<figure class=\"wide\">\n");
	sk_svg_heatmap(r->b, &ch, &h);
	put(r, "</figure>\n");

	put(r, "<details open>\n<summary>Table: mean p_alive (customers) by frequency and recency"
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
				putfrac(r, v[row * nr + ri]);
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

void sk_rep_winback_section(struct rep *r)
{
	if (r->rank < 0) {
		sk_rep_missing(r, S_WINBACK, "needs the winback_rank column (run winback)");
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
	sk_rep_section_open(r, S_WINBACK);
	put(r, "<p>");
	putnum(r, (double)n, 0);
	put(r, n == 1 ? " customer is" : " customers are");
	put(r, " worth a win-back offer");
	if (r->wbvalue >= 0) {
		put(r, ", with an expected profit of ");
		putmoney(r, value);
		put(r, " in all (sum of winback_value)");
	}
	if (n > TOP_WINBACK)
		sk_buf_printf(r->b, "; the best %d", TOP_WINBACK);
	/* Why a customer of p_alive 0 can top the list (issue 17): the two
	 * figures answer different questions, said where they are shown. */
	put(r, ".  winback_value is the value of the offer: winback_prob (the "
	       "chance such a customer comes back after an offer, from a backtest) "
	       "&#215; the profit if back &#8722; the offer's cost.  p_alive and clv are "
	       "the model's view without an offer: near 0 for a lapsed customer, "
	       "which is why it gets one.</p>\n");
	if (n == 0) {
		section_close(r);
		free(rk);
		return;
	}
	long cols[16];
	enum colkind kinds[16];
	size_t nc = 0;
	kinds[nc] = COL_TEXT;
	cols[nc++] = r->id;
	for (size_t k = 0; winback_cols[k].name; k++) {
		long j = sk_table_col(t, winback_cols[k].name);
		if (j >= 0) {
			kinds[nc] = winback_cols[k].kind;
			cols[nc++] = j;
		}
	}
	put(r, "<div class=\"scroll\">\n<table class=\"dense\">\n<caption>Win-back offers, best "
	       "first</caption>\n<thead><tr><th scope=\"col\" class=\"num\">winback_rank</th>");
	for (size_t k = 0; k < nc; k++) {
		put(r, "<th scope=\"col\">");
		esc(r, t->col[cols[k]]);
		if (kinds[k] == COL_MONEY && r->ro->currency) {
			put(r, " (");
			esc(r, r->ro->currency);
			put(r, ")");
		} else if (kinds[k] == COL_FRAC)
			put(r, " (%)");
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
			double x;
			int numeric = sk_num_parse(s, len, &x) == 0 && isfinite(x);
			put(r, k == 0 ? "<th scope=\"row\">" : numeric ? "<td class=\"num\">" :
			    "<td class=\"text\">");
			/* Numbers for people: money with two decimals, chances
			 * in percent, counts grouped; the rest as written. */
			enum colkind kind = k == 0 || !numeric ? COL_TEXT : kinds[k];
			if (kind == COL_MONEY) {
				char num[64];
				sk_num_money(num, sizeof num, x);
				put(r, num);
			} else if (kind == COL_FRAC)
				putfrac(r, x);
			else if (kind == COL_COUNT)
				putnum(r, x, 6);
			else
				sk_buf_esc(r->b, s, len);
			put(r, k == 0 ? "</th>" : "</td>");
		}
		put(r, "</tr>\n");
	}
	put(r, "</tbody>\n</table>\n</div>\n");
	section_close(r);
	free(rk);
}

