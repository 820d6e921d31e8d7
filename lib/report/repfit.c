/* repfit.c: the report sections about the model: its fit and the
 * calibration against a holdout period. */
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

void sk_rep_model_section(struct rep *r)
{
	const struct sk_modelfile *m = r->ro->model;
	if (!m) {
		sk_rep_missing(r, S_MODEL, "needs a model file (--model FILE, from churn or clv "
			"--save-model)");
		return;
	}
	sk_rep_section_open(r, S_MODEL);
	put(r, "<p>From <code>");
	esc(r, sk_rep_input_name(r->ro->model_path));
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
		/* The model's parameters, then its covariate coefficients
		 * (covar.h), named by process and column. */
		const char *names[SK_FIT_MAXPAR];
		char cov[SK_FIT_MAXPAR][SK_COV_NAMELEN + 16];
		int np = m->tm->npar;
		for (int k = 0; k < m->tfit.npar && k < SK_FIT_MAXPAR; k++) {
			if (k < np) {
				names[k] = m->tm->parname[k];
				continue;
			}
			int i = k - np;
			const char *proc, *par, *name = sk_cov_coef_name(&m->cov, i, &proc, &par);
			snprintf(cov[i], sizeof cov[i], "%s%s%s: %s", proc, par ? " " : "",
				 par ? par : "", name);
			names[k] = cov[i];
		}
		fit_table(r, "Transaction model", names, &m->tfit);
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

void sk_rep_holdout_section(struct rep *r)
{
	if (r->freq < 0 || r->expected < 0 || r->hfreq < 0) {
		sk_rep_missing(r, S_HOLDOUT, "needs holdout_frequency and expected_purchases (run "
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
	sk_rep_section_open(r, S_HOLDOUT);
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

/* Period bars of one quantity, actual against expected; every step-th
 * period labelled with its end date so that the labels do not collide. */
static void track_chart(struct rep *r, const struct sk_tracking *tr, int cum, const char *id,
			const char *title)
{
	size_t n = tr->nper, step = n > 13 ? (n + 12) / 13 : 1;
	const char **label = sk_xcalloc(n ? n : 1, sizeof *label);
	double *v = sk_xcalloc(2 * (n ? n : 1), sizeof *v);
	for (size_t i = 0; i < n; i++) {
		label[i] = i % step == 0 || i + 1 == n ? tr->per[i].end : "";
		v[2 * i] = cum ? tr->per[i].actual_cum : tr->per[i].actual;
		v[2 * i + 1] = cum ? tr->per[i].expected_cum : tr->per[i].expected;
	}
	static const char *const series[] = { "actual", "expected" };
	struct sk_chart ch = { .id = id, .title = title, .xlabel = "end of period",
			       .ylabel = "repeat transactions", .decimals = 0, .width = 960 };
	put(r, "<figure>\n");
	sk_svg_vbar(r->b, &ch, n, label, 2, series, v);
	put(r, "</figure>\n");
	free(label);
	free(v);
}

void sk_rep_tracking_section(struct rep *r)
{
	const struct sk_tracking *tr = r->ro->tracking;
	if (!tr) {
		sk_rep_missing(r, S_TRACKING, "needs a tracking file (--tracking FILE, from churn "
			"--tracking)");
		return;
	}
	sk_rep_section_open(r, S_TRACKING);
	put(r, "<p>From <code>");
	esc(r, sk_rep_input_name(r->ro->tracking_path));
	put(r, "</code> (");
	esc(r, tr->model);
	sk_buf_printf(r->b, ", periods of %ld days): repeat transactions of the calibration "
		      "customers per period, actual against what the model expects.", tr->period_days);
	for (size_t i = 0; i < tr->nper; i++) {
		const struct sk_track_period *q = &tr->per[i];
		if (i + 1 < tr->nper && strcmp(q->window, tr->per[i + 1].window) == 0)
			continue;
		put(r, "  By ");
		esc(r, q->end);
		put(r, " (end of ");
		esc(r, q->window);
		put(r, "): actual ");
		putnum(r, q->actual_cum, 0);
		put(r, ", expected ");
		putnum(r, q->expected_cum, 1);
		put(r, ".");
	}
	put(r, "</p>\n");
	track_chart(r, tr, 1, "chart-track-cum", "Cumulative repeat transactions, actual and "
		    "expected");
	track_chart(r, tr, 0, "chart-track-inc", "Repeat transactions per period, actual and "
		    "expected");
	static const char *const labels[] = { "0", "1", "2", "3", "4", "5", "6", "7+" };
	static const char *const series[] = { "actual", "expected" };
	double v[16];
	for (int k = 0; k < 8; k++) {
		v[2 * k] = tr->hist_actual[k];
		v[2 * k + 1] = tr->hist_expected[k];
	}
	struct sk_chart ch = { .id = "chart-track-hist",
			       .title = "Customers by repeat transactions in calibration, actual "
					"and expected",
			       .xlabel = "repeat transactions in the calibration period",
			       .ylabel = "customers", .decimals = 1, .width = 640 };
	put(r, "<figure>\n");
	sk_svg_vbar(r->b, &ch, 8, labels, 2, series, v);
	put(r, "</figure>\n");
	section_close(r);
}
