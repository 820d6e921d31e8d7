/* test_metrics.c: unit tests for the accuracy measures of make accuracy
 * on tiny inputs computed by hand: sk_auc and sk_ece (lib/model/learn.c)
 * as the evaluator uses them, sk_metric_spearman and sk_metric_top_lift
 * (lib/model/metrics.c).
 *
 * Prints one "ok - ..." / "not ok - ..." line per check and exits 1 if
 * any failed. */
#include <math.h>
#include <stdio.h>

#include "model/learn.h"
#include "model/metrics.h"

static int failures;

/* got must equal want within tol (absolute). */
static void check_near(double got, double want, double tol, const char *what)
{
	int ok = fabs(got - want) <= tol;
	failures += !ok;
	printf("%s - %s: %.15g (want %.15g)\n", ok ? "ok" : "not ok", what, got, want);
}

/* got must equal want to 12 digits. */
static void near(double got, double want, const char *what)
{
	int ok = fabs(got - want) <= 1e-12 * (1 + fabs(want));
	failures += !ok;
	printf("%s - %s: %.15g (want %.15g)\n", ok ? "ok" : "not ok", what, got, want);
}

int main(void)
{
	/* AUC.  Pairs (positive, negative): 0.35 > 0.1, 0.35 < 0.4,
	 * 0.8 > 0.1, 0.8 > 0.4: 3 of 4. */
	double s1[] = { 0.1, 0.4, 0.35, 0.8 }, y1[] = { 0, 0, 1, 1 };
	near(sk_auc(s1, y1, 4), 0.75, "auc without ties");
	/* Positives scored 1 and 3, negatives 1 and 2: a tie (1/2), a loss,
	 * two wins: 2.5 / 4. */
	double s2[] = { 1, 1, 2, 3 }, y2[] = { 0, 1, 0, 1 };
	near(sk_auc(s2, y2, 4), 0.625, "auc with a tie");
	double s3[] = { 5, 5, 5 }, y3[] = { 1, 0, 1 }, y0[] = { 1, 1, 1 };
	near(sk_auc(s3, y3, 3), 0.5, "auc of a constant score");
	near(isnan(sk_auc(s3, y0, 3)), 1, "auc is NaN with one class");
	/* The recency rule scores minus the time away: negating a score
	 * turns AUC a into 1 - a. */
	double s1n[] = { -0.1, -0.4, -0.35, -0.8 };
	near(sk_auc(s1n, y1, 4), 0.25, "auc of a negated score");

	/* ECE, 10 bins: bin 0 holds 0.05 (label 0): |0.05 - 0| x 1/4; bin 1
	 * holds 0.15 twice (labels 0, 1): |0.15 - 0.5| x 2/4; bin 9 holds
	 * 0.95 (label 1): |0.95 - 1| x 1/4.  0.0125 + 0.175 + 0.0125. */
	double p1[] = { 0.05, 0.15, 0.15, 0.95 };
	near(sk_ece(p1, y1, 4, 10), 0.2, "ece over three bins");
	double p2[] = { 1.0, 0.0 }, y4[] = { 1, 0 };
	near(sk_ece(p2, y4, 2, 10), 0, "ece: p = 1 in the last bin");
	/* A flat 0.05 for a group of whom half came back: off by 0.45. */
	double p3[] = { 0.05, 0.05, 0.05, 0.05 }, y5[] = { 1, 0, 1, 0 };
	near(sk_ece(p3, y5, 4, 10), 0.45, "ece of a flat rate");

	/* Spearman: b's ranks 1, 2, 3.5, 5, 3.5 against 1..5; centred:
	 * (-2,-1,0,1,2) . (-2,-1,.5,2,.5) = 8, norms 10 and 9.5. */
	double a[] = { 1, 2, 3, 4, 5 }, b[] = { 5, 6, 7, 8, 7 };
	near(sk_metric_spearman(a, b, 5), 8 / sqrt(95), "spearman with a tie");
	double c[] = { 10, 20, 30, 40, 50 }, d[] = { 9, 7, 5, 3, 1 };
	near(sk_metric_spearman(a, c, 5), 1, "spearman of a monotone map");
	near(sk_metric_spearman(a, d, 5), -1, "spearman of a reversal");
	near(isnan(sk_metric_spearman(a, s3, 3)), 1, "spearman is NaN for a constant");

	/* Lift of the top tenth: the best of ten is the one positive: rate
	 * 1 against 0.1. */
	double s4[] = { 4, 3, 2, 1, 0, 0, 0, 0, 0, 0 }, y6[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	near(sk_metric_top_lift(s4, y6, 10, 0.1), 10, "lift of a perfect top");
	/* Top fifth of ten = 2 rows: the 5 (negative) and half of the two
	 * 3s (one positive): 0.5 positives in 2 rows, 0.25 against 0.2. */
	double s5[] = { 5, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, y7[] = { 0, 1, 0, 1, 0, 0, 0, 0, 0, 0 };
	near(sk_metric_top_lift(s5, y7, 10, 0.2), 1.25, "lift with ties at the cut");
	double s6[] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
	near(sk_metric_top_lift(s6, y7, 10, 0.1), 1, "lift of a constant score");

	double r[5];
	sk_metric_ranks(b, 5, r);
	near(r[2], 3.5, "mid-rank of a tie");
	near(r[3], 5, "rank after a tie");

	/* Likelihood-ratio tests against the 5 % critical values of the
	 * chi-square table (Abramowitz & Stegun 1964, table 26.8: 3.841459
	 * for 1 df, 5.991465 for 2) and, on the boundary, Self & Liang's
	 * (1987) 1 df mixture, whose 5 % point is chi2_1's 10 % point
	 * 2.705543. */
	struct sk_lrtest lr;
	sk_lrtest(-100, -100 - 3.841459 / 2, 1, 0, &lr);
	check_near(lr.p, 0.05, 1e-6, "LR test, 1 df, at the 5 % point");
	check_near(lr.stat, 3.841459, 1e-9, "LR statistic is twice the difference");
	sk_lrtest(-100, -100 - 5.991465 / 2, 2, 0, &lr);
	check_near(lr.p, 0.05, 1e-6, "LR test, 2 df, at the 5 % point");
	sk_lrtest(-100, -100 - 2.705543 / 2, 1, 1, &lr);
	check_near(lr.p, 0.05, 1e-6, "LR test on the boundary, 1 df, at the 5 % point");
	sk_lrtest(-100, -100, 1, 1, &lr);
	near(lr.p, 1, "equal fits on the boundary: p = 1");
	sk_lrtest(-101, -100, 1, 0, &lr);
	near(isnan(lr.p), 1, "a full fit worse than the restricted one has no p");
	return failures != 0;
}
