/* test_learn.c: unit tests for the learned layer (lib/model/learn.c):
 * each regression recovers the coefficients of data simulated from it,
 * the isotonic map and AUC match hand computations.  Prints one
 * "ok - ..." / "not ok - ..." line per check and exits 1 if any failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tap.h"
#include "model/fit.h"
#include "model/learn.h"


/* Simulate n rows of two features (normal and uniform), draw y from the
 * link's family with true coefficients b0 + b1 x1 + b2 x2 (+ offset),
 * fit with a negligible penalty and compare the raw-scale slopes. */
static void recover(enum sk_link link, const char *name)
{
	const size_t n = 100000;
	const double b0 = -0.5, b1 = 0.8, b2 = -1.2;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 42);
	double *X = malloc(2 * n * sizeof *X), *y = malloc(n * sizeof *y),
	       *off = malloc(n * sizeof *off);
	for (size_t i = 0; i < n; i++) {
		X[2 * i] = gsl_ran_gaussian(rng, 1);
		X[2 * i + 1] = gsl_rng_uniform(rng);
		off[i] = link == SK_LINK_LOG ? log(0.5 + gsl_rng_uniform(rng)) : 0;
		double eta = b0 + b1 * X[2 * i] + b2 * X[2 * i + 1] + off[i];
		double mu = sk_learn_mean(link, eta);
		y[i] = link == SK_LINK_LOG ? gsl_ran_poisson(rng, mu) : gsl_rng_uniform(rng) < mu;
	}
	struct sk_learn m;
	char err[200];
	int rc = sk_learn_fit(&m, link, X, y, link == SK_LINK_LOG ? off : NULL, NULL, n, 2,
			      1e-6, err, sizeof err);
	check(rc == 0, "%s: fit converges (%s)", name, rc ? err : "ok");
	/* Back to the raw scale: slope_j = coef_j / sd_j. */
	double s1 = m.coef[1] / m.sd[0], s2 = m.coef[2] / m.sd[1];
	double i0 = m.coef[0] - s1 * m.mean[0] - s2 * m.mean[1];
	/* Standard errors at n = 1e5 are ~0.01-0.03; allow 4-5 of them. */
	check(fabs(s1 - b1) < 0.06 && fabs(s2 - b2) < 0.12 && fabs(i0 - b0) < 0.08,
	      "%s: coefficients recovered (%.3f %.3f %.3f vs %.1f %.1f %.1f)", name, i0, s1,
	      s2, b0, b1, b2);
	/* A heavy penalty shrinks the slopes toward 0. */
	struct sk_learn h;
	sk_learn_fit(&h, link, X, y, link == SK_LINK_LOG ? off : NULL, NULL, n, 2, 1e6, err,
		     sizeof err);
	check(fabs(h.coef[1]) < 0.1 * fabs(m.coef[1]), "%s: the penalty shrinks (%.4f vs %.4f)",
	      name, h.coef[1], m.coef[1]);
	sk_learn_free(&m);
	sk_learn_free(&h);
	free(X);
	free(y);
	free(off);
	gsl_rng_free(rng);
}

/* Rows for the bit-for-bit checks: four features (the last constant),
 * offsets and weights, labels from a cloglog (or counts from a log)
 * model. */
static void bits_data(enum sk_link link, size_t n, double *X, double *y, double *off,
		      double *w)
{
	const int p = 4;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 7);
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < p; j++)
			X[i * p + j] = j == 3 ? 2.0 : gsl_ran_gaussian(rng, 1 + j);
		off[i] = log(-log1p(-(0.05 + 0.9 * gsl_rng_uniform(rng))));
		w[i] = 1 + (i % 3);
		double eta = off[i] + 0.3 * X[i * p] - 0.2 * X[i * p + 1];
		y[i] = link == SK_LINK_LOG ? gsl_ran_poisson(rng, exp(eta))
					   : gsl_rng_uniform(rng) < sk_learn_mean(SK_LINK_CLOGLOG, eta);
	}
	gsl_rng_free(rng);
}

static int same_fit(const struct sk_learn *a, const struct sk_learn *b)
{
	return a->p == b->p && a->iterations == b->iterations &&
	       memcmp(a->coef, b->coef, sizeof a->coef) == 0 &&
	       memcmp(a->mean, b->mean, sizeof a->mean) == 0 &&
	       memcmp(a->sd, b->sd, sizeof a->sd) == 0 &&
	       memcmp(&a->deviance, &b->deviance, sizeof a->deviance) == 0;
}

/* The fit to the bit: the IRLS pass takes each row's eta and mean from
 * the deviance pass before it (learn.c, pen_dev) and sums the normal
 * equations in locals; the figures are those of the code before that
 * (commit 41dbbb6, which computed them afresh in the pass), printed
 * with %a.  And a fold's fit read in place (sk_learn_fit_fold) is the
 * fit of its rows gathered into arrays of their own, to the bit, for
 * both folds, with its working memory from the caller or its own. */
static void bits(void)
{
	const size_t n = 20000;
	const int p = 4;
	double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y),
	       *off = malloc(n * sizeof *off), *w = malloc(n * sizeof *w);
	bits_data(SK_LINK_CLOGLOG, n, X, y, off, w);
	struct sk_learn m;
	char err[200];
	int rc = sk_learn_fit(&m, SK_LINK_CLOGLOG, X, y, off, w, n, p, 30, err, sizeof err);
	static const double want[] = { 0x1.dd2431b77b79p-7, 0x1.47f0b330f58b6p-2,
				       -0x1.9f34efe867695p-2, 0x1.b5e75cc6a9dafp-6, 0 };
	check(rc == 0 && m.iterations == 5 && m.deviance == 0x1.42e34019c12ecp+15 &&
	      memcmp(m.coef, want, sizeof want) == 0,
	      "cloglog fit: the coefficients and deviance of 41dbbb6 to the bit (%a %a %a)",
	      m.coef[0], m.coef[1], m.deviance);
	sk_learn_free(&m);

	unsigned char *fold = malloc(n);
	double *V = malloc(n * (p + 1) * sizeof *V);
	for (size_t i = 0; i < n; i++) {
		memcpy(V + i * (p + 1), X + i * p, p * sizeof *V);
		V[i * (p + 1) + p] = y[i];
	}
	sk_learn_folds(V, n, p + 1, fold);
	free(V);
	double *Xt = malloc(n * p * sizeof *Xt), *yt = malloc(n * sizeof *yt),
	       *ot = malloc(n * sizeof *ot), *wt = malloc(n * sizeof *wt),
	       *scratch = malloc(2 * n * sizeof *scratch);
	for (int li = 0; li < 2; li++) {
		enum sk_link link = li ? SK_LINK_LOG : SK_LINK_CLOGLOG;
		bits_data(link, n, X, y, off, w);
		for (int f = 0; f < 2; f++) {
			size_t nt = 0;
			for (size_t i = 0; i < n; i++) {
				if (fold[i] == f)
					continue;
				memcpy(Xt + nt * p, X + i * p, p * sizeof *Xt);
				yt[nt] = y[i];
				ot[nt] = off[i];
				wt[nt++] = w[i];
			}
			/* Three features of four, as layerfeat.c's fits of the
			 * first columns. */
			struct sk_learn a, b, c;
			double *X3 = malloc(nt * 3 * sizeof *X3);
			for (size_t i = 0; i < nt; i++)
				memcpy(X3 + i * 3, Xt + i * p, 3 * sizeof *X3);
			int ra = sk_learn_fit(&a, link, X3, yt, ot, wt, nt, 3, 30, err, sizeof err);
			int rb = sk_learn_fit_fold(&b, link, X, p, 3, y, off, w, n, fold, f, 30, NULL,
						   err, sizeof err);
			int rcs = sk_learn_fit_fold(&c, link, X, p, 3, y, off, w, n, fold, f, 30,
						    scratch, err, sizeof err);
			check(ra == 0 && rb == 0 && rcs == 0 && same_fit(&a, &b) && same_fit(&a, &c) &&
			      nt == sk_learn_fold_rows(fold, n, f),
			      "%s fold %d: read in place, the fit of its rows gathered, to the bit "
			      "(%a %a)", li ? "log" : "cloglog", f, a.coef[1], b.coef[1]);
			free(X3);
		}
	}
	free(Xt);
	free(yt);
	free(ot);
	free(wt);
	free(scratch);
	free(fold);
	free(X);
	free(y);
	free(off);
	free(w);
}

/* sk_gsl_quiet (fit.c): GSL's one error handler, switched off by fits
 * that run side by side.  A handler that counts its calls stands for
 * GSL's default (which aborts).  Nested, the handler stays off until
 * the last user's 0: with each user saving and restoring the handler
 * itself, the first user's restore would let the second's error through.
 * Two threads, each failing a factorisation between its 1 and 0, never
 * reach the handler. */
static int handler_calls;

static void count_handler(const char *reason, const char *file, int line, int err)
{
	(void)reason;
	(void)file;
	(void)line;
	(void)err;
	#pragma omp atomic
	handler_calls++;
}

static int fail_cholesky(void)
{
	double a[4] = { 1, 2, 2, 1 };	/* not positive definite */
	gsl_matrix_view m = gsl_matrix_view_array(a, 2, 2);
	return gsl_linalg_cholesky_decomp1(&m.matrix);
}

static void gsl_quiet(void)
{
	gsl_error_handler_t *was = gsl_set_error_handler(count_handler);
	handler_calls = 0;
	sk_gsl_quiet(1);
	sk_gsl_quiet(1);
	sk_gsl_quiet(0);
	int st = fail_cholesky();
	check(st != GSL_SUCCESS && handler_calls == 0,
	      "sk_gsl_quiet: off while one of two users is still quiet (status %d, %d calls)",
	      st, handler_calls);
	sk_gsl_quiet(0);
	st = fail_cholesky();
	check(st != GSL_SUCCESS && handler_calls == 1,
	      "sk_gsl_quiet: the handler of before is back after the last user (%d calls)",
	      handler_calls);
	handler_calls = 0;
	int fails = 0;
	#pragma omp parallel num_threads(2) reduction(+:fails)
	for (int i = 0; i < 20000; i++) {
		sk_gsl_quiet(1);
		fails += fail_cholesky() != GSL_SUCCESS;
		sk_gsl_quiet(0);
	}
	int back = fail_cholesky() != GSL_SUCCESS && handler_calls == 1;
	check(fails >= 20000 && back,
	      "sk_gsl_quiet: two threads, %d failed factorisations between 1 and 0, %d reached "
	      "the handler; after both, the handler is back", fails, handler_calls - back);
	gsl_set_error_handler(was);
}

int main(void)
{
	gsl_quiet();
	bits();
	recover(SK_LINK_LOGIT, "logit");
	recover(SK_LINK_CLOGLOG, "cloglog");
	recover(SK_LINK_LOG, "poisson");

	/* PAV by hand: scores 1..4 with labels 1 0 1 1 pool into
	 * {1,2} = 0.5 (centre 1.5) and {3,4} = 1 (centre 3.5). */
	struct sk_learn m = { 0 };
	double s[] = { 3, 1, 4, 2 }, y[] = { 1, 1, 1, 0 };
	sk_learn_calibrate(&m, s, y, NULL, 4);
	check(m.ncal == 2 && m.cal_x[0] == 1.5 && m.cal_y[0] == 0.5 && m.cal_x[1] == 3.5 &&
	      m.cal_y[1] == 1, "isotonic: two pooled blocks");
	check(sk_learn_calibrated(&m, 0) == 0.5 && sk_learn_calibrated(&m, 2.5) == 0.75 &&
	      sk_learn_calibrated(&m, 9) == 1, "isotonic: interpolated and clamped");
	/* Tied scores share one value. */
	double s2[] = { 1, 1, 2 }, y2[] = { 0, 1, 1 };
	sk_learn_calibrate(&m, s2, y2, NULL, 3);
	check(m.ncal == 2 && m.cal_y[0] == 0.5 && m.cal_y[1] == 1, "isotonic: ties pooled");
	sk_learn_free(&m);

	/* The textbook AUC example: 3 of 4 positive-negative pairs ordered. */
	double sa[] = { 0.1, 0.4, 0.35, 0.8 }, ya[] = { 0, 0, 1, 1 };
	check(fabs(sk_auc(sa, ya, 4) - 0.75) < 1e-15, "auc: 0.75 by hand");
	double st[] = { 1, 1, 1, 2 }, yt[] = { 0, 1, 0, 1 };
	/* pairs (pos, neg): (1,1)x2 ties = 1, (2 vs two 1s) = 2: 3/4 */
	check(fabs(sk_auc(st, yt, 4) - 0.75) < 1e-15, "auc: ties count a half");
	check(isnan(sk_auc(st, (double[]){ 1, 1, 1, 1 }, 4)), "auc: undefined with one class");
	/* ECE by hand: bin 0.1-0.2 holds 0.15, 0.15 with 1 of 2 back: gap
	 * 0.7 over 4 rows; bin 0.9-1 holds 0.95, 0.95 both back: 0.1/4. */
	double pe[] = { 0.15, 0.15, 0.95, 0.95 }, ye[] = { 1, 0, 1, 1 };
	check(fabs(sk_ece(pe, ye, 4, 10) - 0.2) < 1e-12, "ece: 0.2 by hand (%g)",
	      sk_ece(pe, ye, 4, 10));

	/* Folds by value: 9 rows of 2 values with a repeated row, in one
	 * order and rotated by one; each fold must hold the same rows (its sum of
	 * weighted values, a fingerprint of the multiset, the same), the
	 * folds must differ by at most one row, and with k % 2 (the split by
	 * place) the fingerprint moves. */
	double V[] = { 3, 1, 1, 2, 5, 0, 1, 2, 4, 4, 2, 2, 9, 1, 0, 7, 6, 3 }, R[18];
	unsigned char f1[9], f2[9];
	for (int i = 0; i < 9; i++) {
		R[2 * i] = V[2 * ((i + 1) % 9)];
		R[2 * i + 1] = V[2 * ((i + 1) % 9) + 1];
	}
	sk_learn_folds(V, 9, 2, f1);
	sk_learn_folds(R, 9, 2, f2);
	double s1 = 0, s2f = 0, p1 = 0, p2 = 0;
	int n1 = 0;
	for (int i = 0; i < 9; i++) {
		s1 += f1[i] ? V[2 * i] + 10 * V[2 * i + 1] : 0;
		s2f += f2[i] ? R[2 * i] + 10 * R[2 * i + 1] : 0;
		p1 += i % 2 ? V[2 * i] + 10 * V[2 * i + 1] : 0;
		p2 += i % 2 ? R[2 * i] + 10 * R[2 * i + 1] : 0;
		n1 += f1[i];
	}
	check(s1 == s2f && n1 == 4, "folds: the same rows in fold 1 whatever the order "
	      "(%g, %g; %d of 9)", s1, s2f, n1);
	check(p1 != p2, "folds: a split by place would differ (%g, %g)", p1, p2);

	printf("# %d/%d checks passed\n", checks - failures, checks);
	return failures != 0;
}
