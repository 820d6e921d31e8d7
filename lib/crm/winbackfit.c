/* winbackfit.c: what winback learns from: the customers of a backtest
 * gathered as rows (from summarize --backtest's columns or a replayed
 * log, winback.c), the cross-validated gate of the optional features,
 * and the fit and recalibration of the reactivation model (winback.h). */
#include "winbackint.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "model/layerfeat.h"
#include "record/hash.h"
#include "record/util.h"

/* One customer of a backtest for learning. */
struct bt_row {
	double x[SK_WB_NFEAT];
	double y;
	unsigned char fold;	/* 0 .. 3 by id; the model is fitted on 1 .. 3 */
	int lapsed;		/* a candidate by the lapse rules on the backtest day */
};

/* Add customer k (as of the backtest day; row i of t for its id) with
 * the purchases back after it. */
void sk_winback_add_row(struct collect *cl, const struct sk_winback_opts *wo,
			struct sk_winback_rates *r, const struct sk_table *t, size_t i, long id,
			const struct cust *k, double back)
{
	sk_grow((void **)&cl->rows, &cl->cap, cl->n + 1, sizeof *cl->rows);
	struct bt_row *q = &cl->rows[cl->n++];
	sk_winback_features(k, q->x);
	sk_winback_drop_optional(r, q->x);
	q->y = back > 0;
	q->lapsed = sk_winback_is_candidate(wo, k);
	/* Four folds, chosen by the id (so not by the order of the
	 * input): the model is fitted on three, and each fold is
	 * predicted by a fit on the other three for the recalibration
	 * (sk_winback_fit). */
	size_t len = 0;
	const char *s = id >= 0 ? sk_table_get(t, i, id, &len, NULL) : "";
	q->fold = (unsigned char)((id >= 0 ? sk_hash_bytes(s, len) : (uint64_t)i) % 4);
	r->total += 1;
	r->back += q->y;
	cl->nlap += q->lapsed;
	cl->backlap += q->lapsed * q->y;
}

/* Whether each optional feature earns its place: the order value
 * (column 5), then the units of the first purchase day (column 6), each
 * against the history and the ones kept before it.  Two-fold
 * cross-validated deviance (Stone 1974, JRSS B 36) with it and without,
 * the gain above the 95% point of chi-squared with one degree of freedom
 * (3.84), as the learned layer decides on its own groups
 * (model/layerfeat.c).  A feature left out is zeroed for every
 * customer, learned and scored alike. */
static void choose_optional(const struct sk_winback_opts *wo, struct sk_winback_rates *r,
			    struct bt_row *rows, size_t n, double *X, const double *y, size_t nfit)
{
	int *no[2] = { &r->no_aov, &r->no_units }, *tried[2] = { &r->aov_tried, &r->units_tried };
	double *dev[2] = { r->aov_dev, r->units_dev };
	if (r->no_aov && r->no_units)
		return;
	/* The folds from the rows as they are; then the optional columns
	 * are set aside (two of them, not a copy of X: X is 56 bytes a
	 * backtest row) and come back one at a time. */
	unsigned char *fold = sk_layerfeat_folds_new(X, y, nfit, SK_WB_NFEAT);
	double *keep = sk_xmalloc((2 * nfit + 1) * sizeof *keep);
	for (size_t k = 0; k < nfit; k++) {
		keep[2 * k] = X[k * SK_WB_NFEAT + 5];
		keep[2 * k + 1] = X[k * SK_WB_NFEAT + 6];
		X[k * SK_WB_NFEAT + 5] = X[k * SK_WB_NFEAT + 6] = 0;
	}
	double base = sk_layerfeat_cv_deviance(X, y, NULL, NULL, nfit, SK_WB_NFEAT, SK_WB_NFEAT,
					       wo->ridge, fold);
	for (int g = 0; g < 2; g++) {
		int j = 5 + g;
		if (*no[g])
			continue;
		for (size_t k = 0; k < nfit; k++)
			X[k * SK_WB_NFEAT + j] = keep[2 * k + g];
		double with = sk_layerfeat_cv_deviance(X, y, NULL, NULL, nfit, SK_WB_NFEAT,
						       SK_WB_NFEAT, wo->ridge, fold);
		*tried[g] = 1;
		dev[g][0] = with;
		dev[g][1] = base;
		if (isfinite(with) && base - with > gsl_cdf_chisq_Pinv(0.95, 1)) {
			base = with;
			continue;
		}
		*no[g] = 1;
		for (size_t k = 0; k < nfit; k++)
			X[k * SK_WB_NFEAT + j] = 0;
		for (size_t i = 0; i < n; i++)
			rows[i].x[j] = 0;
	}
	free(keep);
	free(fold);
}

/* Outcomes of each kind in the first quarter's recalibration above
 * which it is not cross-fitted (sk_winback_fit). */
#define XFIT_ENOUGH 1000

/* Fit the model to the rows gathered, or fall back (rates->basis). */
void sk_winback_fit(const struct sk_winback_opts *wo, struct collect *cl,
		    struct sk_winback_rates *r, const char *why_empty)
{
	struct bt_row *rows = cl->rows;
	size_t n = cl->n;
	if (n > 0)
		r->overall = r->back / r->total;
	/* Should the model not fit, the return rate of those lapsed on the
	 * backtest day (of every buyer when none was). */
	r->pooled = cl->nlap > 0 ? cl->backlap / cl->nlap : r->overall;
	r->pooled_n = cl->nlap > 0 ? cl->nlap : r->total;
	if (n == 0) {
		snprintf(r->why, sizeof r->why, "%s", why_empty);
		free(rows);
		return;
	}
	/* The fit on three quarters (folds 1 .. 3), the recalibration on
	 * every customer, each predicted by a fit without her fold, or on
	 * the first quarter alone when it holds enough (below). */
	size_t nfit = 0;
	for (size_t i = 0; i < n; i++)
		nfit += rows[i].fold != 0;
	/* Whether to cross-fit (below): by the first quarter's outcomes. */
	double q0[2][2] = { { 0, 0 }, { 0, 0 } };	/* fold 0: [lapsed][came back] */
	for (size_t i = 0; i < n; i++)
		if (rows[i].fold == 0)
			q0[rows[i].lapsed != 0][rows[i].y > 0]++;
	int q0_lapsed = q0[1][0] >= 20 && q0[1][1] >= 20;
	double q0_no = q0[1][0] + !q0_lapsed * q0[0][0], q0_yes = q0[1][1] + !q0_lapsed * q0[0][1];
	int xfit = q0_no < XFIT_ENOUGH || q0_yes < XFIT_ENOUGH;
	double *X = sk_xmalloc(((xfit ? n : nfit) + 1) * SK_WB_NFEAT * sizeof *X);
	size_t ncal = xfit ? n : n - nfit;	/* at most this many recalibrated on */
	double *y = sk_xmalloc((n + 1) * sizeof *y), *eta = sk_xmalloc((ncal + 1) * sizeof *eta);
	double *yho = sk_xmalloc((ncal + 1) * sizeof *yho);
	unsigned char *fold = sk_xmalloc((xfit ? n : 0) + 1);
	size_t f = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].fold != 0) {
			memcpy(X + f * SK_WB_NFEAT, rows[i].x, sizeof rows[i].x);
			y[f++] = rows[i].y;
		}
	choose_optional(wo, r, rows, n, X, y, nfit);
	char err[128];
	if (sk_learn_fit(&r->glm, SK_LINK_CLOGLOG, X, y, NULL, NULL, nfit, SK_WB_NFEAT, wo->ridge,
			 err, sizeof err) != 0) {
		snprintf(r->why, sizeof r->why, "%s", err);
		goto out;
	}
	/* Each customer's linear predictor from the fit without her fold
	 * (cross-fitting: the fold-0 fit is r->glm itself), so that the
	 * recalibration below sees every customer once, out of sample.
	 * With a quarter alone it rested on a few hundred lapsed customers
	 * where the data are small (CDNOW sample at 1997-06-30: 152, 23 of
	 * them back, 0.151, 1.6 standard errors above the 0.110 of all 616),
	 * and its intercept moved every winback_prob with that draw
	 * (Hastie, Tibshirani & Friedman 2009, "The Elements of Statistical
	 * Learning", 2nd ed., sec. 7.10: predictions of a model fitted
	 * without the row).  A fold whose fit fails is left out of it.
	 * The three more fits cost 1.7 s of CPU on a million customers
	 * (3.2 -> 5.0 s) and buy nothing once the first quarter holds
	 * XFIT_ENOUGH of each outcome: the intercept's standard error,
	 * about 1 / sqrt(events) on the cloglog scale, is then below 0.032,
	 * a few per cent of any winback_prob; so only below that. */
	int fold_ok[4] = { 1, 0, 0, 0 };
	struct sk_learn m[4];
	m[0] = r->glm;
	for (size_t i = 0; xfit && i < n; i++) {
		memcpy(X + i * SK_WB_NFEAT, rows[i].x, sizeof rows[i].x);
		y[i] = rows[i].y;
		fold[i] = rows[i].fold;
	}
	for (int k = 1; xfit && k < 4; k++)
		fold_ok[k] = sk_learn_fit_fold(&m[k], SK_LINK_CLOGLOG, X, SK_WB_NFEAT, SK_WB_NFEAT,
					       y, NULL, NULL, n, fold, k, wo->ridge, NULL, err,
					       sizeof err) == 0;
	/* Recalibrate on the customers who were lapsed on the backtest
	 * day, the people winback makes offers to, when there are enough
	 * of them of both outcomes; else on every customer. */
	double lap[2] = { 0, 0 };
	for (size_t i = 0; i < n; i++)
		if (fold_ok[rows[i].fold] && rows[i].lapsed)
			lap[rows[i].y > 0]++;
	r->cal_lapsed = lap[0] >= 20 && lap[1] >= 20;
	size_t h = 0;
	for (size_t i = 0; i < n; i++)
		if (fold_ok[rows[i].fold] && (rows[i].lapsed || !r->cal_lapsed)) {
			eta[h] = sk_learn_eta(&m[rows[i].fold], rows[i].x, 0);
			yho[h++] = rows[i].y;
		}
	for (int k = 1; k < 4; k++)
		if (fold_ok[k])
			sk_learn_free(&m[k]);
	/* Platt scaling on the cloglog scale (Platt 1999, "Probabilistic
	 * outputs for support vector machines", eq. 1, with the cloglog link
	 * for the logistic): a line in eta, so the shift that carries the
	 * window to the horizon (horizon_shift) applies after it. */
	if (sk_learn_fit(&r->cal, SK_LINK_CLOGLOG, eta, yho, NULL, NULL, h, 1, 1e-6, err,
			 sizeof err) != 0) {
		snprintf(r->why, sizeof r->why, "%s (recalibration)", err);
		sk_learn_free(&r->glm);
		goto out;
	}
	r->basis = SK_WB_MODEL;
	/* How the calibrated model does on those customers, out of sample
	 * (for --report). */
	double *p = sk_xmalloc((h + 1) * sizeof *p);
	for (size_t i = 0; i < h; i++) {
		p[i] = sk_learn_predict(&r->cal, &eta[i], 0);
		r->heldout_mean += p[i];
		r->heldout_rate += yho[i];
	}
	r->heldout_n = (double)h;
	r->heldout_mean = h ? r->heldout_mean / (double)h : NAN;
	r->heldout_rate = h ? r->heldout_rate / (double)h : NAN;
	r->heldout_auc = sk_auc(p, yho, h);
	r->heldout_ece = sk_ece(p, yho, h, 10);
	free(p);
out:
	if (r->basis != SK_WB_MODEL)
		r->basis = SK_WB_POOLED;
	free(X);
	free(y);
	free(eta);
	free(yho);
	free(fold);
	free(rows);
}
