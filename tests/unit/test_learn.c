/* test_learn.c: unit tests for the learned layer (lib/model/learn.c):
 * each regression recovers the coefficients of data simulated from it,
 * the isotonic map and AUC match hand computations.  Prints one
 * "ok - ..." / "not ok - ..." line per check and exits 1 if any failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tap.h"
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

int main(void)
{
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
