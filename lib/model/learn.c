/* learn.c: ridge-penalised GLM by IRLS, isotonic calibration, AUC, ECE.
 *
 * Why a GLM and not boosted trees: the layer corrects a model whose
 * horizon-aware prediction is one of its features; a monotone, smooth
 * correction in a handful of coefficients transfers from the short
 * backtest window to the longer horizon, is deterministic, needs no new
 * dependency (GSL is already linked) and fits a million rows in well
 * under a second.  See churn.1 for what it was measured against. */
#include "fit.h"
#include "learn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "record/util.h"

#define MAXIT 50
#define EPS_MU 1e-10

double sk_learn_mean(enum sk_link link, double eta)
{
	switch (link) {
	case SK_LINK_LOGIT:
		return 1 / (1 + exp(-eta));
	case SK_LINK_CLOGLOG:
		return -expm1(-exp(eta));
	case SK_LINK_LOG:
		return exp(eta);
	}
	return NAN;
}

/* dmu/deta and the variance function V(mu) of the link's family
 * (McCullagh & Nelder 1989, table 2.1). */
static void link_deriv(enum sk_link link, double eta, double mu, double *dmu, double *var)
{
	switch (link) {
	case SK_LINK_LOGIT:
		*dmu = mu * (1 - mu);
		*var = mu * (1 - mu);
		return;
	case SK_LINK_CLOGLOG:
		*dmu = exp(eta - exp(eta));
		*var = mu * (1 - mu);
		return;
	case SK_LINK_LOG:
		*dmu = mu;
		*var = mu;
		return;
	}
}

static double clamp_mu(enum sk_link link, double mu)
{
	if (mu < EPS_MU)
		return EPS_MU;
	if (link != SK_LINK_LOG && mu > 1 - EPS_MU)
		return 1 - EPS_MU;
	return mu;
}

/* Unit deviance of one observation (McCullagh & Nelder 1989, sec. 2.3). */
static double unit_dev(enum sk_link link, double y, double mu)
{
	mu = clamp_mu(link, mu);
	if (link == SK_LINK_LOG)
		return 2 * ((y > 0 ? y * log(y / mu) : 0) - (y - mu));
	double d = 0;
	if (y > 0)
		d += y * log(y / mu);
	if (y < 1)
		d += (1 - y) * log((1 - y) / (1 - mu));
	return 2 * d;
}

double sk_learn_eta(const struct sk_learn *m, const double *x, double offset)
{
	double eta = m->coef[0] + offset;
	for (int j = 0; j < m->p; j++)
		if (m->sd[j] > 0)
			eta += m->coef[j + 1] * (x[j] - m->mean[j]) / m->sd[j];
	return eta;
}

double sk_learn_predict(const struct sk_learn *m, const double *x, double offset)
{
	return sk_learn_mean(m->link, sk_learn_eta(m, x, offset));
}

/* The rows a fit learns from: all n, or those of the training half of a
 * two-fold split (fold[i] != f), read in place at stride nf. */
struct rows {
	const double *X, *y, *off, *w;
	size_t n;
	int nf;
	const unsigned char *fold;
	int f;
};

static int skip(const struct rows *r, size_t i)
{
	return r->fold && r->fold[i] == r->f;
}

/* Penalised deviance of coefficients b; each training row's linear
 * predictor and mean (before clamping) into eta[c] and mean[c] (c counts
 * the training rows), which the next IRLS pass reads when b is
 * accepted: the same values sk_learn_eta and sk_learn_mean would give it
 * there, without their p divisions and two exponentials a row again. */
static double pen_dev(const struct sk_learn *m, const double *b, const struct rows *r,
		      double *eta, double *mean)
{
	struct sk_learn t = *m;
	memcpy(t.coef, b, sizeof t.coef);
	double d = 0;
	size_t c = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (skip(r, i))
			continue;
		eta[c] = sk_learn_eta(&t, r->X + i * r->nf, r->off ? r->off[i] : 0);
		mean[c] = sk_learn_mean(m->link, eta[c]);
		d += (r->w ? r->w[i] : 1) * unit_dev(m->link, r->y[i], mean[c]);
		c++;
	}
	double pen = 0;
	for (int j = 1; j <= m->p; j++)
		pen += b[j] * b[j];
	return d + m->lambda * pen;
}

/* sk_learn_fit on the rows r: every sum runs over the training rows in
 * their order, so a fold's fit read in place is the fit of its rows
 * gathered into arrays of their own, to the bit (test_learn.c), without
 * the copy (half the rows' features, 4 MB a fold on make bench's 10^5
 * customers at the cut, twice over when the folds run side by side). */
static int fit_rows(struct sk_learn *m, enum sk_link link, const struct rows *r, int p,
		    double lambda, double *scratch, char *err, size_t errlen)
{
	const double *X = r->X, *y = r->y, *off = r->off, *w = r->w;
	size_t n = r->n, nf = r->nf;
	memset(m, 0, sizeof *m);
	m->link = link;
	m->p = p;
	m->lambda = lambda;
	if (p < 0 || p > SK_LEARN_MAXF) {
		snprintf(err, errlen, "learned layer: %d features, at most %d", p,
			 SK_LEARN_MAXF);
		return -1;
	}
	/* Standardise; the mean response starts the intercept. */
	double sw = 0, sy = 0, smax = 0;
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		if (skip(r, i))
			continue;
		double wi = w ? w[i] : 1;
		sw += wi;
		sy += wi * y[i];
		if (y[i] > smax)
			smax = y[i];
		nt++;
	}
	if (nt < 2 * (size_t)p + 10 || sw <= 0) {
		snprintf(err, errlen, "learned layer: %zu rows are too few to learn from", nt);
		return -1;
	}
	if (sy <= 0 || (link != SK_LINK_LOG && sy >= sw)) {
		snprintf(err, errlen, "learned layer: every customer in the backtest %s",
			 sy <= 0 ? "stayed away" : "came back");
		return -1;
	}
	for (int j = 0; j < p; j++) {
		double s1 = 0, s2 = 0;
		for (size_t i = 0; i < n; i++) {
			if (skip(r, i))
				continue;
			double wi = w ? w[i] : 1;
			s1 += wi * X[i * nf + j];
		}
		m->mean[j] = s1 / sw;
		for (size_t i = 0; i < n; i++) {
			if (skip(r, i))
				continue;
			double d = X[i * nf + j] - m->mean[j];
			s2 += (w ? w[i] : 1) * d * d;
		}
		m->sd[j] = sqrt(s2 / sw);
		if (!(m->sd[j] > 1e-12 * (1 + fabs(m->mean[j]))))
			m->sd[j] = 0;
	}
	double ybar = sy / sw;
	double offbar = 0;
	if (off) {
		for (size_t i = 0; i < n; i++)
			if (!skip(r, i))
				offbar += (w ? w[i] : 1) * off[i];
		offbar /= sw;
	}
	switch (link) {
	case SK_LINK_LOGIT: m->coef[0] = log(ybar / (1 - ybar)) - offbar; break;
	case SK_LINK_CLOGLOG: m->coef[0] = log(-log1p(-ybar)) - offbar; break;
	case SK_LINK_LOG: m->coef[0] = log(ybar) - offbar; break;
	}

	int k = p + 1;
	gsl_matrix *A = gsl_matrix_alloc(k, k);
	gsl_vector *rhs = gsl_vector_alloc(k), *sol = gsl_vector_alloc(k);
	/* The rows' eta and mean at the current coefficients (pen_dev). */
	double *etac = scratch ? scratch : sk_xmalloc((2 * nt + 1) * sizeof *etac),
	       *meanc = etac + nt;
	double dev = pen_dev(m, m->coef, r, etac, meanc);
	int ok = 0;
	for (m->iterations = 1; m->iterations <= MAXIT; m->iterations++) {
		/* The normal equations summed row by row in row order, in
		 * locals the compiler can keep apart from the rows (A's data
		 * might alias them): the same sums in the same order. */
		double Al[(SK_LEARN_MAXF + 1) * (SK_LEARN_MAXF + 1)] = { 0 },
		       rl[SK_LEARN_MAXF + 1] = { 0 }, z[SK_LEARN_MAXF + 1];
		size_t c = 0;
		for (size_t i = 0; i < n; i++) {
			if (skip(r, i))
				continue;
			const double *xi = X + i * nf;
			double o = off ? off[i] : 0;
			double eta = etac[c];
			double mu = clamp_mu(link, meanc[c]), dmu = 0, var = 0;
			c++;
			link_deriv(link, eta, mu, &dmu, &var);
			if (!(dmu > 1e-300) || !(var > 0))
				continue;
			/* Working weight and working response (IRLS, M&N 2.5). */
			double ww = (w ? w[i] : 1) * dmu * dmu / var;
			double zi = eta - o + (y[i] - mu) / dmu;
			z[0] = 1;
			for (int j = 0; j < p; j++)
				z[j + 1] = m->sd[j] > 0 ? (xi[j] - m->mean[j]) / m->sd[j] : 0;
			for (int a = 0; a < k; a++) {
				double za = ww * z[a];
				rl[a] += za * zi;
				for (int b = 0; b <= a; b++)
					Al[a * k + b] += za * z[b];
			}
		}
		memcpy(A->data, Al, (size_t)k * k * sizeof *Al);
		memcpy(rhs->data, rl, (size_t)k * sizeof *rl);
		for (int a = 0; a < k; a++) {
			for (int b = 0; b < a; b++)
				A->data[b * k + a] = A->data[a * k + b];
			/* The ridge on the slopes; a constant feature's slope
			 * is held at 0 by the same diagonal. */
			if (a > 0)
				A->data[a * k + a] += lambda + (m->sd[a - 1] > 0 ? 0 : 1);
		}
		/* GSL's error handler is one for the process, and fits run
		 * side by side (sk_tasks_run): sk_gsl_quiet keeps it off
		 * until the last of them is done. */
		sk_gsl_quiet(1);
		int bad = gsl_linalg_cholesky_decomp1(A) || gsl_linalg_cholesky_solve(A, rhs, sol);
		sk_gsl_quiet(0);
		if (bad)
			break;
		/* Step halving keeps the penalised deviance from rising. */
		double nb[SK_LEARN_MAXF + 1], step = 1, nd = HUGE_VAL;
		for (int h = 0; h < 30; h++, step /= 2) {
			for (int a = 0; a < k; a++)
				nb[a] = m->coef[a] + step * (sol->data[a] - m->coef[a]);
			nd = pen_dev(m, nb, r, etac, meanc);
			if (nd <= dev * (1 + 1e-12))
				break;
		}
		if (!(nd <= dev * (1 + 1e-12)) || !isfinite(nd))
			break;
		memcpy(m->coef, nb, k * sizeof *nb);
		double change = fabs(dev - nd) / (fabs(nd) + 0.1);
		dev = nd;
		if (change < 1e-10) {
			ok = 1;
			break;
		}
	}
	if (!scratch)
		free(etac);
	gsl_vector_free(sol);
	gsl_vector_free(rhs);
	gsl_matrix_free(A);
	if (!ok) {
		snprintf(err, errlen, "learned layer: the regression did not converge in %d "
			 "iterations (try a larger penalty)", MAXIT);
		return -1;
	}
	double pen = 0;
	for (int j = 1; j <= p; j++)
		pen += m->coef[j] * m->coef[j];
	m->deviance = dev - lambda * pen;
	return 0;
}

int sk_learn_fit(struct sk_learn *m, enum sk_link link, const double *X, const double *y,
		 const double *off, const double *w, size_t n, int p, double lambda,
		 char *err, size_t errlen)
{
	struct rows r = { X, y, off, w, n, p, NULL, 0 };
	return fit_rows(m, link, &r, p, lambda, NULL, err, errlen);
}

int sk_learn_fit_scratch(struct sk_learn *m, enum sk_link link, const double *X, const double *y,
			 const double *off, const double *w, size_t n, int p, double lambda,
			 double *scratch, char *err, size_t errlen)
{
	struct rows r = { X, y, off, w, n, p, NULL, 0 };
	return fit_rows(m, link, &r, p, lambda, scratch, err, errlen);
}

struct calpt {
	double s, y, w;
};

static int cmp_calpt(const void *a, const void *b)
{
	double x = ((const struct calpt *)a)->s, y = ((const struct calpt *)b)->s;
	return (x > y) - (x < y);
}

/* Pool adjacent violators over the points sorted by score: each block's
 * value is its weighted mean response, and blocks merge while a value
 * falls (Barlow et al. 1972, "Statistical inference under order
 * restrictions"; Zadrozny & Elkan 2002, sec. 3). */
void sk_learn_calibrate(struct sk_learn *m, const double *score, const double *y,
			const double *w, size_t n)
{
	free(m->cal_x);
	free(m->cal_y);
	m->cal_x = m->cal_y = NULL;
	m->ncal = 0;
	if (!n)
		return;
	struct calpt *pt = sk_xmalloc(n * sizeof *pt);
	for (size_t i = 0; i < n; i++)
		pt[i] = (struct calpt){ score[i], y[i], w ? w[i] : 1 };
	qsort(pt, n, sizeof *pt, cmp_calpt);
	/* Blocks: weighted sums of score, response and weight. */
	double *bs = sk_xmalloc(n * sizeof *bs), *by = sk_xmalloc(n * sizeof *by),
	       *bw = sk_xmalloc(n * sizeof *bw);
	size_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(pt[i].w > 0))
			continue;
		/* Equal scores are one point: the map is a function. */
		if (nb && i && pt[i].s == pt[i - 1].s) {
			bs[nb - 1] += pt[i].w * pt[i].s;
			by[nb - 1] += pt[i].w * pt[i].y;
			bw[nb - 1] += pt[i].w;
		} else {
			bs[nb] = pt[i].w * pt[i].s;
			by[nb] = pt[i].w * pt[i].y;
			bw[nb] = pt[i].w;
			nb++;
		}
		while (nb > 1 && by[nb - 2] / bw[nb - 2] >= by[nb - 1] / bw[nb - 1]) {
			bs[nb - 2] += bs[nb - 1];
			by[nb - 2] += by[nb - 1];
			bw[nb - 2] += bw[nb - 1];
			nb--;
		}
	}
	free(pt);
	m->cal_x = sk_xmalloc((nb ? nb : 1) * sizeof *m->cal_x);
	m->cal_y = sk_xmalloc((nb ? nb : 1) * sizeof *m->cal_y);
	for (size_t b = 0; b < nb; b++) {
		m->cal_x[b] = bs[b] / bw[b];
		m->cal_y[b] = by[b] / bw[b];
	}
	m->ncal = nb;
	free(bs);
	free(by);
	free(bw);
}

double sk_learn_calibrated(const struct sk_learn *m, double s)
{
	size_t n = m->ncal;
	if (!n)
		return s;
	if (s <= m->cal_x[0])
		return m->cal_y[0];
	if (s >= m->cal_x[n - 1])
		return m->cal_y[n - 1];
	size_t lo = 0, hi = n - 1;	/* cal_x[lo] < s < cal_x[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->cal_x[mid] <= s)
			lo = mid;
		else
			hi = mid;
	}
	double f = (s - m->cal_x[lo]) / (m->cal_x[hi] - m->cal_x[lo]);
	return m->cal_y[lo] + f * (m->cal_y[hi] - m->cal_y[lo]);
}

void sk_learn_free(struct sk_learn *m)
{
	free(m->cal_x);
	free(m->cal_y);
	m->cal_x = m->cal_y = NULL;
	m->ncal = 0;
}

struct keyrow {
	const double *v;
	int m;
	size_t i;
};

/* Lexicographic by the values; the index only among equal rows. */
static int cmp_keyrow(const void *pa, const void *pb)
{
	const struct keyrow *a = pa, *b = pb;
	for (int j = 0; j < a->m; j++) {
		if (a->v[j] < b->v[j])
			return -1;
		if (a->v[j] > b->v[j])
			return 1;
	}
	return (a->i > b->i) - (a->i < b->i);
}

void sk_learn_folds(const double *V, size_t n, int m, unsigned char *fold)
{
	struct keyrow *k = sk_xmalloc((n ? n : 1) * sizeof *k);
	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyrow){ V + i * (size_t)m, m, i };
	qsort(k, n, sizeof *k, cmp_keyrow);
	for (size_t r = 0; r < n; r++)
		fold[k[r].i] = r % 2;
	free(k);
}

struct scored {
	double s, y;
};

static int cmp_scored(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;
	return (x > y) - (x < y);
}

/* AUC as the Mann-Whitney statistic over the ranks, tied scores taking
 * their mean rank (Hanley & McNeil 1982, Radiology 143, eq. 2). */
double sk_auc(const double *score, const double *y, size_t n)
{
	struct scored *v = sk_xmalloc((n ? n : 1) * sizeof *v);
	double npos = 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = (struct scored){ score[i], y[i] > 0 };
		npos += v[i].y;
	}
	double nneg = n - npos;
	if (npos == 0 || nneg == 0) {
		free(v);
		return NAN;
	}
	qsort(v, n, sizeof *v, cmp_scored);
	double ranksum = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double pos = 0;
		while (j < n && v[j].s == v[i].s)
			pos += v[j++].y;
		ranksum += pos * (i + 1 + j) / 2.0;	/* mean rank of i+1..j */
		i = j;
	}
	free(v);
	return (ranksum - npos * (npos + 1) / 2) / (npos * nneg);
}

double sk_ece(const double *prob, const double *y, size_t n, int nbins)
{
	if (!n || nbins < 1)
		return NAN;
	double *sp = sk_xcalloc(nbins, sizeof *sp), *sy = sk_xcalloc(nbins, sizeof *sy),
	       *cnt = sk_xcalloc(nbins, sizeof *cnt);
	for (size_t i = 0; i < n; i++) {
		int b = (int)(prob[i] * nbins);
		b = b < 0 ? 0 : b >= nbins ? nbins - 1 : b;
		sp[b] += prob[i];
		sy[b] += y[i] > 0;
		cnt[b]++;
	}
	double e = 0;
	for (int b = 0; b < nbins; b++)
		if (cnt[b] > 0)
			e += fabs(sy[b] - sp[b]) / n;
	free(sp);
	free(sy);
	free(cnt);
	return e;
}

size_t sk_learn_fold_rows(const unsigned char *fold, size_t n, int f)
{
	size_t nt = 0;
	for (size_t k = 0; k < n; k++)
		nt += fold[k] != f;
	return nt;
}

int sk_learn_fit_fold(struct sk_learn *m, enum sk_link link, const double *X, int nf, int p,
		      const double *y, const double *offset, const double *w, size_t n,
		      const unsigned char *fold, int f, double lambda, double *scratch, char *err,
		      size_t errlen)
{
	struct rows r = { X, y, offset, w, n, nf, fold, f };
	return fit_rows(m, link, &r, p, lambda, scratch, err, errlen);
}
