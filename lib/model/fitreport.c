/* fitreport.c: the reports analysts read before trusting a fitted
 * model (score.h): --report's parameters, likelihood, in-sample check,
 * retention and nested tests, and the holdout comparisons of
 * --evaluate.  score.c fits and predicts. */
#include "score.h"
#include "covar.h"
#include "nested.h"
#include "modelint.h"
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <jansson.h>

#include "record/group.h"
#include "record/util.h"

/* BG/CNBD-k or MBG/CNBD-k against k = 1 on the valid rows
 * (sk_cnbd_nested). */
static int nested_k1(const struct sk_tmodel *tm, const struct sk_fit *fit,
		     const struct sk_custdata *d, double *ll1, struct sk_lrtest *lr)
{
	struct sk_rfm *pat = sk_xmalloc((d->nvalid ? d->nvalid : 1) * sizeof *pat);
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i] && d->rfm[i].w > 0)
			pat[n++] = d->rfm[i];
	n = sk_rfm_compress(pat, n);
	int rc = sk_cnbd_nested(tm, fit, pat, n, ll1, lr);
	free(pat);
	return rc;
}

int sk_fit_misfit(double obs, double expct, double over)
{
	return obs > 0 && (over > 0 || !(expct <= 2 * obs && expct >= 0.5 * obs));
}

void sk_fit_report(FILE *f, const char *json_path, const struct sk_tmodel *tm,
		   const struct sk_fit *fit, const struct sk_custdata *d,
		   const struct sk_pred *p, double threshold, int rule_alive, const char *unit)
{
	const double *score = rule_alive ? p->p_alive : p->p_return;
	const char *rule = rule_alive ? "p_alive" : "p_return";
	double n = 0, obs = 0, expct = 0, alive = 0, churned = 0, over = 0;
	size_t rows = 0;
	/* E[X(T)] once per distinct T (hundreds in daily data): the CNBD
	 * models sum a series for it, a million times took seconds. */
	uint32_t *iT = sk_xmalloc((d->n ? d->n : 1) * sizeof *iT);
	size_t nT = 0;
	double *uT = d->n ? sk_distinct_new(&d->rfm[0].T, d->n, sizeof *d->rfm, iT, &nT) : NULL;
	if (d->n && !uT)
		sk_die(SK_EX_SOFTWARE, "out of memory for the report of %zu customers", d->n);
	#pragma omp parallel for schedule(dynamic, 16) if (nT > 100)
	for (size_t j = 0; j < nT; j++) {
		uT[j] = tm->expected_new(fit->par, uT[j]);	/* non-finite: over below */
	}
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		const struct sk_rfm *r = &d->rfm[i];
		n += r->w;
		obs += r->w * r->x;
		if (d->cov) {	/* each customer's own parameters (covar.h) */
			double ip[4];
			double e = tm->expected_new(sk_cov_rowpar(tm, fit->par, d->cov, r, ip), r->T);
			if (isfinite(e))
				expct += r->w * e;
			else
				over += r->w;
		} else if (isfinite(uT[iT[i]])) {
			expct += r->w * uT[iT[i]];
		} else {
			over += r->w;
		}
		alive += r->w * p->p_alive[i];
		churned += r->w * (score[i] < threshold);
		rows++;
	}
	free(uT);
	free(iT);
	double retention = n > 0 ? alive / n : 0;
	/* The in-sample check every BTYD paper draws (FHL 2005, fig. 2): a
	 * fitted model's expected repeat transactions over the customers'
	 * own T track the observed ones (every plain model within 10 % on
	 * the CDNOW sample, CDNOW master and Online Retail).  Twice as many
	 * or half as many says the model does not describe these data,
	 * whatever its likelihood.  With
	 * covariates, a column with extreme values (a sum of money) makes a
	 * few customers' own rates enormous: the BG/NBD with total_spend on
	 * make bench's 1M customers expects 2.52 times the repeat
	 * transactions made (137 times on its Gamma-Gompertz log), and with
	 * ln(1 + total_spend) 1.05 times, its ln L 105,710 higher. */
	int misfit = sk_fit_misfit(obs, expct, over);
	/* The nested-model tests (nested.c) on the valid rows' patterns. */
	struct sk_nested nt = { 0 };
	struct sk_rfm *np = sk_xmalloc((rows ? rows : 1) * sizeof *np);
	size_t nn = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i])
			np[nn++] = d->rfm[i];
	sk_nested_fit(&nt, tm, fit, np, sk_rfm_compress(np, nn));
	free(np);
	if (d->cov)	/* with covariates against without */
		sk_cov_nested(&nt, tm, fit, d->cov);
	/* BG/CNBD-k and MBG/CNBD-k against k = 1 (BG/NBD, MBG/NBD), only for
	 * a fit made here (cov_ok; a model file's loglik is of other data)
	 * without a penalty.  k is an integer chosen from 1..12, so the
	 * chi-square with 1 df is an approximation (Platzer & Reutterer 2016
	 * compare the likelihoods the same way). */
	struct sk_lrtest lr;
	double ll1 = 0;
	if (tm->ll_litt && fit->cov_ok && !(fit->penalty > 0) &&
	    nested_k1(tm, fit, d, &ll1, &lr) == 0) {
		sk_nested_add(&nt, tm->title, tm == &sk_bgcnbd ? "BG/NBD" : "MBG/NBD", "k = 1",
			      fit->loglik, ll1, 1, 0);
		snprintf(nt.row[nt.n - 1].note, sizeof nt.row[0].note, fit->par[4] == 1 ?
			 "k = 1 fits best: timing no more regular than exponential gaps" :
			 "approximate: k is chosen from 1..12");
	}
	/* --report-json alone: no text (f is NULL; it used to crash here) */
	struct sk_fitdiag g;
	sk_tmodel_diagnose_cov(tm, fit, d->cov, d->rfm, d->valid, d->n, unit, &g);
	if (f) {
		fprintf(f, "model: %s (unit %s), %s after %d iterations\n", tm->title, unit,
			fit->converged ? "converged" : "NOT converged", fit->iterations);
		fprintf(f, "customers: %.0f (%zu rows, %zu prospects without a prediction)\n", n, rows,
			d->n - rows);
		for (int k = 0; k < tm->npar; k++)
			fprintf(f, "  %-6s %12.6g  (se %.4g)\n", tm->parname[k], fit->par[k], fit->se[k]);
		if (d->cov)
			sk_cov_report(f, NULL, tm, fit, d->cov);
		fprintf(f, "log-likelihood: %.4f  AIC: %.2f  BIC: %.2f\n", fit->loglik,
			sk_fit_aic(fit), sk_fit_bic(fit));
		fprintf(f, "repeat transactions: observed %.0f, expected %.1f\n", obs, expct);
		const char *why = d->cov ? "; with covariates, a column with extreme values may "
			"make a few customers' rates enormous (its logarithm may fit better)" : "";
		if (misfit && over > 0)
			fprintf(f, "misfit: the model's expectations are beyond a double's range "
				"for %.0f customers (left out of the expected count above)%s\n", over,
				why);
		else if (misfit)
			fprintf(f, "misfit: the model expects %.3g times the repeat transactions "
				"made%s\n", expct / obs, why);
		fprintf(f, "expected alive: %.1f (retention rate %.4f, churn rate %.4f)\n", alive,
			retention, 1 - retention);
		fprintf(f, "churned (%s < %g): %.0f (%.2f%%)\n", rule, threshold, churned,
			n > 0 ? 100 * churned / n : 0);
		if (fit->penalty > 0)
			fprintf(f, "penalty: %g x customers x sum of squared log-parameters (--penalty)\n",
				fit->penalty);
		for (int k = 0; k < g.n; k++)
			fprintf(f, "diagnosis: %s\n", g.what[k]);
		sk_nested_print(f, &nt);
	}
	if (!json_path)
		return;
	json_t *o = json_object(), *pj = json_object(), *se = json_object();
	json_object_set_new(o, "model", json_string(tm->name));
	json_object_set_new(o, "unit", json_string(unit));
	json_object_set_new(o, "converged", json_boolean(fit->converged));
	json_object_set_new(o, "iterations", json_integer(fit->iterations));
	for (int k = 0; k < tm->npar; k++) {
		json_object_set_new(pj, tm->parname[k], json_real(fit->par[k]));
		json_object_set_new(se, tm->parname[k], json_real(fit->se[k]));
	}
	json_object_set_new(o, "params", pj);
	json_object_set_new(o, "stderr", se);
	if (d->cov)
		sk_cov_report(NULL, o, tm, fit, d->cov);
	json_object_set_new(o, "loglik", json_real(fit->loglik));
	json_object_set_new(o, "aic", json_real(sk_fit_aic(fit)));
	json_object_set_new(o, "bic", json_real(sk_fit_bic(fit)));
	json_object_set_new(o, "customers", json_real(n));
	json_object_set_new(o, "observed_repeat", json_real(obs));
	json_object_set_new(o, "expected_repeat", json_real(expct));
	json_object_set_new(o, "misfit", json_boolean(misfit));
	json_object_set_new(o, "expected_alive", json_real(alive));
	json_object_set_new(o, "retention_rate", json_real(retention));
	json_object_set_new(o, "churn_rate", json_real(1 - retention));
	json_object_set_new(o, "churned", json_real(churned));
	json_object_set_new(o, "penalty", json_real(fit->penalty));
	json_t *dj = json_array();
	for (int k = 0; k < g.n; k++)
		json_array_append_new(dj, json_string(g.what[k]));
	json_object_set_new(o, "identified", json_boolean(g.n == 0));
	json_object_set_new(o, "diagnosis", dj);
	if (nt.n > 0)
		json_object_set_new(o, "nested_tests", sk_nested_json(&nt));
	sk_atomic_json(json_path, o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

void sk_holdout_compare(FILE *f, const struct sk_table *t, const struct sk_custdata *d,
			const char *col, const double *pred, const double *scale, double horizon,
			const char *unit)
{
	long ch = sk_table_col(t, col);
	if (ch < 0)
		sk_die(SK_EX_DATA, "--evaluate needs a %s column: "
		       "run summarize with --as-of before the end of the data", col);
	double cnt[8] = { 0 }, psum[8] = { 0 }, act[8] = { 0 };
	double mae = 0, tot = 0, tp = 0, ta = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		int e;
		double a = sk_table_num(t, i, ch, &e);
		if (e)
			continue;
		double w = sk_custdata_w(d, i), x = sk_custdata_x(d, i);
		double p = scale ? scale[i] * pred[i] : pred[i];
		int b = x >= 7 ? 7 : (int)x;
		cnt[b] += w;
		psum[b] += w * p;
		act[b] += w * a;
		mae += w * fabs(p - a);
		tot += w;
		tp += w * p;
		ta += w * a;
	}
	fprintf(f, "calibration/holdout%s: predicted over %g %s(s) vs actual %s\n",
		scale ? " spend" : "", horizon, unit, col);
	fprintf(f, "%-6s %10s %12s %12s\n", "freq", "customers", "predicted", "actual");
	for (int b = 0; b < 8; b++)
		fprintf(f, "%-6s %10.0f %12.4f %12.4f\n", b == 7 ? "7+" : (char[]){ (char)('0' + b), 0 },
			cnt[b], cnt[b] > 0 ? psum[b] / cnt[b] : 0, cnt[b] > 0 ? act[b] / cnt[b] : 0);
	fprintf(f, "%-6s %10.0f %12.4f %12.4f\n", "all", tot, tot > 0 ? tp / tot : 0,
		tot > 0 ? ta / tot : 0);
	if (scale)
		fprintf(f, "total: predicted %.2f, actual %.2f (%+.2f%%); mean absolute error per "
			"customer %.4f\n", tp, ta, ta != 0 ? 100 * (tp - ta) / ta : 0,
			tot > 0 ? mae / tot : 0);
	else
		fprintf(f, "total: predicted %.1f, actual %.0f; mean absolute error per customer "
			"%.4f\n", tp, ta, tot > 0 ? mae / tot : 0);
}

void sk_evaluate(FILE *f, const struct sk_table *t, const struct sk_custdata *d,
		 const struct sk_pred *p, const double *median, double horizon, const char *unit)
{
	sk_holdout_compare(f, t, d, "holdout_frequency", p->expected, NULL, horizon, unit);
	if (!median)
		return;
	/* The same rows as the table's (sk_holdout_compare has died
	 * without the column): absolute error is the median's loss, so its
	 * figure goes beside the mean's (median.h). */
	long ch = sk_table_col(t, "holdout_frequency");
	double mae = 0, tot = 0;
	for (size_t i = 0; i < d->n; i++) {
		int e;
		double a = d->valid[i] ? sk_table_num(t, i, ch, &e) : 0;
		if (!d->valid[i] || e)
			continue;
		double w = sk_custdata_w(d, i);
		mae += w * fabs(median[i] - a);
		tot += w;
	}
	fprintf(f, "median_purchases: mean absolute error per customer %.4f\n",
		tot > 0 ? mae / tot : 0);
}
