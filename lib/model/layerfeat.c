/* layerfeat.c: the learned layer's optional features (backtest.c holds
 * the layer): the risk signals (issue 19, risk.c) and the order value
 * (issue 16, ordervalue.c), each a group of columns read as of the
 * backtest cut (to learn from) and as of the end (to apply to), and each
 * used only where it earns its place. */
#include "layerfeat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "learn.h"
#include "record/util.h"

static int group_nf(const struct sk_backtest *b, int g)
{
	if (g == SK_GROUP_RISK)
		return b->risk_cut ? SK_NRISKF : 0;
	return b->value_t ? SK_NVALUEF : 0;
}

int sk_layerfeat_nf(const struct sk_backtest *b, const int *use)
{
	int nf = 0;
	for (int g = 0; g < SK_NGROUP; g++)
		if (!use || use[g])
			nf += group_nf(b, g);
	return nf;
}

void sk_layerfeat_row(const struct sk_backtest *b, const int *use, size_t i, int at_cut,
		      double x, double *f)
{
	if (group_nf(b, SK_GROUP_RISK) && (!use || use[SK_GROUP_RISK])) {
		sk_risk_features((at_cut ? b->risk_cut : b->risk_end) + i * SK_NRISK, f);
		f += SK_NRISKF;
	}
	if (group_nf(b, SK_GROUP_VALUE) && (!use || use[SK_GROUP_VALUE])) {
		double v[SK_NVALUE];
		sk_ordervalue_get(b, i, at_cut, v);
		sk_ordervalue_features(v, x, f);
	}
}

unsigned char *sk_layerfeat_folds_new(const double *X, const double *y, size_t n, int nf)
{
	unsigned char *fold = sk_xmalloc(n ? n : 1);
	double *V = sk_xmalloc((n ? n : 1) * (size_t)(nf + 1) * sizeof *V);
	for (size_t k = 0; k < n; k++) {
		memcpy(V + k * (nf + 1), X + k * nf, (size_t)nf * sizeof *V);
		V[k * (nf + 1) + nf] = y[k];
	}
	sk_learn_folds(V, n, nf + 1, fold);
	free(V);
	return fold;
}

/* The held-out deviance (McCullagh & Nelder 1989, sec. 4.4.3: -2 times
 * the Bernoulli log-likelihood) of the rows X[k] (p features a row) of
 * fold `f` of two, under a fit on the other fold; INFINITY when that fit
 * fails.  The columns used are X's first p of stride nf; offr and w may
 * be NULL (0 and 1); scratch as sk_learn_fit_fold's. */
static double fold_deviance(const double *X, const double *y, const double *offr,
			    const double *w, size_t n, int nf, int p, const unsigned char *fold,
			    int f, double lambda, double *scratch)
{
	struct sk_learn m;
	char err[200];
	double dev = INFINITY;
	if (sk_learn_fit_fold(&m, SK_LINK_CLOGLOG, X, nf, p, y, offr, w, n, fold, f, lambda,
			      scratch, err, sizeof err) == 0) {
		dev = 0;
		for (size_t k = 0; k < n; k++) {
			if (fold[k] != f)
				continue;
			double pr = sk_learn_predict(&m, X + k * nf, offr ? offr[k] : 0);
			pr = fmin(fmax(pr, 1e-6), 1 - 1e-6);
			dev -= 2 * (w ? w[k] : 1) * (y[k] > 0 ? log(pr) : log1p(-pr));
		}
		sk_learn_free(&m);
	}
	return dev;
}

/* Cross-validations side by side (sk_tasks_run): the fit on each fold
 * is independent of the other's, as is the fit with a group of the fit
 * without it.  Task i is fold i % 2 of the first p[i / 2] columns; its
 * deviance goes to dev[i], and the folds' deviances are added fold 0
 * first, as one thread adds them.  The choice and the layer's fits took
 * 0.33 s of CPU on make bench's default row with the layer, one fit
 * after the other. */
struct cv {
	const double *X, *y, *offr, *w;
	const unsigned char *fold;
	size_t n;
	int nf, p[2];
	double lambda, dev[4], *scratch[4];
};

static void cv_task(void *ctx, int i)
{
	struct cv *c = ctx;
	c->dev[i] = fold_deviance(c->X, c->y, c->offr, c->w, c->n, c->nf, c->p[i / 2], c->fold,
				  i % 2, c->lambda, c->scratch[i]);
}

/* The cross-validated deviance of the first p[0] columns and, when
 * np is 2, of the first p[1] as well, into cvdev[]. */
static void cv_deviances(const double *X, const double *y, const double *offr, const double *w,
			 size_t n, int nf, const int *p, int np, double lambda,
			 const unsigned char *fold, double *cvdev)
{
	struct cv c = { X, y, offr, w, fold, n, nf, { p[0], np > 1 ? p[1] : p[0] }, lambda,
			{ 0, 0, 0, 0 }, { NULL } };
	/* The fits' working memory from the caller's thread (sk_tasks_run
	 * says why): 2 doubles a training row. */
	size_t nt0 = sk_learn_fold_rows(fold, n, 0), nt1 = n - nt0;
	double *scratch = sk_xmalloc((2 * (size_t)np * (nt0 + nt1) + 1) * sizeof *scratch);
	for (int i = 0; i < 2 * np; i++)
		c.scratch[i] = scratch + (size_t)(i / 2) * 2 * n + (i % 2 ? 2 * nt0 : 0);
	sk_tasks_run(2 * np, cv_task, &c);
	free(scratch);
	for (int k = 0; k < np; k++)
		cvdev[k] = c.dev[2 * k] + c.dev[2 * k + 1];
}

double sk_layerfeat_cv_deviance(const double *X, const double *y, const double *offr,
				const double *w, size_t n, int nf, int p, double lambda,
				const unsigned char *fold)
{
	double dev;
	cv_deviances(X, y, offr, w, n, nf, &p, 1, lambda, fold, &dev);
	return dev;
}

/* Each group earns its place by two-fold cross-validated deviance
 * (Stone 1974, "Cross-validatory choice and assessment of statistical
 * predictions", JRSS B 36) with it against without, and the gain must
 * pass the 95% point of chi-squared with the group's columns as degrees
 * of freedom (11.07 for the five risk columns), what a deviance
 * difference of that many nested parameters that mean nothing stays
 * below 19 times in 20 (Wilks 1938) -- conservative, since out of sample
 * such parameters cost deviance rather than gain it.  Where a group
 * says little about coming back (Online Retail's returns: a gain of 3.5,
 * and forced in they took the AUC from 0.739 to 0.738 and the
 * calibration error from 0.021 to 0.029) the ridge still fits it to the
 * cut's noise; where complaints drive customers away they gain far more
 * (the test log of complainers: 982).  The groups are tried in order,
 * each against the history and the groups kept before it. */
int sk_layerfeat_choose(const struct sk_backtest *b, double *X, const double *y,
			const double *offr, const double *w, size_t n, int nf, int nhist,
			double lambda, int *use, FILE *report)
{
	static const char *const what[SK_NGROUP] = {
		"risk signals (complaints, returns, negative reviews)",
		"order value (mean and first order)",
	};
	int cur = nhist;	/* columns kept so far, X's first */
	double base = NAN;	/* their cross-validated deviance */
	unsigned char *fold = sk_layerfeat_nf(b, NULL) ? sk_layerfeat_folds_new(X, y, n, nf) : NULL;
	for (int g = 0; g < SK_NGROUP; g++) {
		int gn = group_nf(b, g);
		use[g] = 0;
		if (!gn)
			continue;
		/* The first group's fits without it beside those with it. */
		int p[2] = { cur + gn, cur };
		double dev[2];
		cv_deviances(X, y, offr, w, n, nf, p, isnan(base) ? 2 : 1, lambda, fold, dev);
		if (isnan(base))
			base = dev[1];
		double with = dev[0];
		double need = gsl_cdf_chisq_Pinv(0.95, gn);
		use[g] = isfinite(with) && base - with > need;
		if (report)
			fprintf(report, "learned layer: %s %s: cross-validated deviance %.2f with "
				"them, %.2f without (a gain over %.2f needed)\n", what[g],
				use[g] ? "used" : "not used", with, base, need);
		if (use[g]) {
			cur += gn;
			base = with;
			continue;
		}
		/* Dropped: the columns after the group's close up, row by
		 * row (a row's new place is never after its old one). */
		for (size_t k = 0; k < n; k++) {
			memmove(X + k * (nf - gn), X + k * nf, (size_t)cur * sizeof *X);
			memmove(X + k * (nf - gn) + cur, X + k * nf + cur + gn,
				(size_t)(nf - cur - gn) * sizeof *X);
		}
		nf -= gn;
	}
	free(fold);
	return nf;
}
