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
	int heldout;
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
	/* A quarter of the customers, chosen by their id (so not by the
	 * order of the input), are kept out of the fit to recalibrate it. */
	size_t len = 0;
	const char *s = id >= 0 ? sk_table_get(t, i, id, &len, NULL) : "";
	q->heldout = (id >= 0 ? sk_hash_bytes(s, len) : (uint64_t)i) % 4 == 0;
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
	/* The fit on three quarters, the recalibration on the rest. */
	size_t nfit = 0, nho = 0;
	for (size_t i = 0; i < n; i++)
		rows[i].heldout ? nho++ : nfit++;
	double *X = sk_xmalloc((nfit + 1) * SK_WB_NFEAT * sizeof *X);
	double *y = sk_xmalloc((n + 1) * sizeof *y), *eta = sk_xmalloc((nho + 1) * sizeof *eta);
	double *yho = sk_xmalloc((nho + 1) * sizeof *yho);
	size_t f = 0;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].heldout) {
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
	/* Recalibrate on the held-out customers who were lapsed on the
	 * backtest day, the people winback makes offers to, when there are
	 * enough of them of both outcomes; else on every held-out customer. */
	double lap[2] = { 0, 0 };
	for (size_t i = 0; i < n; i++)
		if (rows[i].heldout && rows[i].lapsed)
			lap[rows[i].y > 0]++;
	r->cal_lapsed = lap[0] >= 20 && lap[1] >= 20;
	size_t h = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].heldout && (rows[i].lapsed || !r->cal_lapsed)) {
			eta[h] = sk_learn_eta(&r->glm, rows[i].x, 0);
			yho[h++] = rows[i].y;
		}
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
	/* How the calibrated model does on those customers (for --report). */
	double *p = sk_xmalloc((h + 1) * sizeof *p);
	size_t m = 0;
	h = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(rows[i].heldout && (rows[i].lapsed || !r->cal_lapsed)))
			continue;
		p[m] = sk_learn_predict(&r->cal, &eta[h++], 0);
		y[m] = rows[i].y;
		r->heldout_mean += p[m];
		r->heldout_rate += y[m++];
	}
	r->heldout_n = (double)m;
	r->heldout_mean = m ? r->heldout_mean / (double)m : NAN;
	r->heldout_rate = m ? r->heldout_rate / (double)m : NAN;
	r->heldout_auc = sk_auc(p, y, m);
	r->heldout_ece = sk_ece(p, y, m, 10);
	free(p);
out:
	if (r->basis != SK_WB_MODEL)
		r->basis = SK_WB_POOLED;
	free(X);
	free(y);
	free(eta);
	free(yho);
	free(rows);
}
