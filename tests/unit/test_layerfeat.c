/* test_layerfeat.c: the learned layer's choice of feature groups
 * (lib/model/layerfeat.c) and the tasks it runs side by side
 * (sk_tasks_run, lib/record/util.c): on both cores the figures are those
 * of one thread to the bit, each cross-validation's folds in their own
 * slots.  Prints one "ok - ..." / "not ok - ..." line per check and
 * exits 1 if any failed. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "tap.h"
#include "model/layerfeat.h"
#include "model/learn.h"
#include "record/util.h"

#define N 20000
#define NHIST 7
#define NF (NHIST + SK_NRISKF + SK_NVALUEF)
#define LAMBDA 30.0

/* Rows as backtest.c's layer_fit sees them: the history's columns, the
 * risk group's (the first says something about coming back) and the
 * order value's (noise), offsets and weights. */
static void data(double *X, double *y, double *offr, double *w)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 19);
	for (size_t k = 0; k < N; k++) {
		for (int j = 0; j < NF; j++)
			X[k * NF + j] = gsl_ran_gaussian(rng, 1);
		offr[k] = log(-log1p(-(0.1 + 0.8 * gsl_rng_uniform(rng))));
		w[k] = 1 + (k % 2);
		double eta = offr[k] + 0.3 * X[k * NF] + 0.4 * X[k * NF + NHIST];
		y[k] = gsl_rng_uniform(rng) < -expm1(-exp(eta));
	}
	gsl_rng_free(rng);
}

/* One thread's cross-validated deviance, as layerfeat.c's fold_deviance
 * sums it, fold 0's plus fold 1's. */
static double serial_cv(const double *X, const double *y, const double *offr, const double *w,
			int nf, int p, const unsigned char *fold)
{
	double dev[2];
	char err[200];
	for (int f = 0; f < 2; f++) {
		struct sk_learn m;
		dev[f] = INFINITY;
		if (sk_learn_fit_fold(&m, SK_LINK_CLOGLOG, X, nf, p, y, offr, w, N, fold, f, LAMBDA,
				      NULL, err, sizeof err) != 0)
			continue;
		dev[f] = 0;
		for (size_t k = 0; k < N; k++) {
			if (fold[k] != f)
				continue;
			double pr = sk_learn_predict(&m, X + k * nf, offr[k]);
			pr = fmin(fmax(pr, 1e-6), 1 - 1e-6);
			dev[f] -= 2 * w[k] * (y[k] > 0 ? log(pr) : log1p(-pr));
		}
		sk_learn_free(&m);
	}
	return dev[0] + dev[1];
}

struct chosen {
	int nf, use[SK_NGROUP];
	double *X;
	char *report;
	size_t len;
};

/* sk_layerfeat_choose on a copy of X; how = 0: one thread, 1: a team of
 * two opened by sk_tasks_run, 2: from thread 1 of a team of two whose
 * thread 0 is busy first (sk_predict_layer's case). */
static void choose(const struct sk_backtest *b, const double *X, const double *y,
		   const double *offr, const double *w, int how, struct chosen *c)
{
	int was = omp_get_max_threads();
	c->X = malloc(N * NF * sizeof *c->X);
	memcpy(c->X, X, N * NF * sizeof *X);
	FILE *rep = open_memstream(&c->report, &c->len);
	if (how == 0)
		omp_set_num_threads(1);
	if (how == 2) {
		#pragma omp parallel num_threads(2)
		{
			if (omp_get_thread_num() == 1)
				c->nf = sk_layerfeat_choose(b, c->X, y, offr, w, N, NF, NHIST, LAMBDA,
							    c->use, rep);
			else
				usleep(20000);	/* the predictions */
		}
	} else {
		c->nf = sk_layerfeat_choose(b, c->X, y, offr, w, N, NF, NHIST, LAMBDA, c->use, rep);
	}
	omp_set_num_threads(was);
	fclose(rep);
}

/* sk_tasks_run's bookkeeping: who ran each call, how often. */
struct ran {
	int count[8];
	pthread_t by[8];
};

static void note(void *ctx, int i)
{
	struct ran *r = ctx;
	#pragma omp atomic
	r->count[i]++;
	r->by[i] = pthread_self();
	usleep(2000);
}

static void tasks(void)
{
	static const char *const where[] = { "one thread", "a team opened", "inside a team",
					     "a team of one inside a team" };
	for (int how = 0; how < 4; how++) {
		struct ran r = { { 0 }, { 0 } };
		pthread_t caller = 0;
		int was = omp_get_max_threads();
		if (how == 0)
			omp_set_num_threads(1);
		if (how < 2) {
			caller = pthread_self();
			sk_tasks_run(5, note, &r);
		} else {
			#pragma omp parallel num_threads(2)
			if (omp_get_thread_num() == 1) {
				if (how == 2) {
					caller = pthread_self();
					sk_tasks_run(5, note, &r);
				} else {
					#pragma omp parallel num_threads(1)
					{
						caller = pthread_self();
						sk_tasks_run(5, note, &r);
					}
				}
			}
		}
		omp_set_num_threads(was);
		int once = 1;
		for (int i = 0; i < 5; i++)
			once &= r.count[i] == 1;
		check(once && pthread_equal(r.by[0], caller), "sk_tasks_run, %s: each call once, "
		      "the first on the caller's thread", where[how]);
	}
}

int main(void)
{
	tasks();

	double *X = malloc(N * NF * sizeof *X), *y = malloc(N * sizeof *y),
	       *offr = malloc(N * sizeof *offr), *w = malloc(N * sizeof *w);
	data(X, y, offr, w);
	unsigned char *fold = sk_layerfeat_folds_new(X, y, N, NF);

	/* The cross-validated deviance on both cores, from a team opened
	 * and with one thread, is one thread's sum to the bit. */
	double want = serial_cv(X, y, offr, w, NF, NHIST + 2, fold);
	int was = omp_get_max_threads();
	double two = sk_layerfeat_cv_deviance(X, y, offr, w, N, NF, NHIST + 2, LAMBDA, fold);
	omp_set_num_threads(1);
	double one = sk_layerfeat_cv_deviance(X, y, offr, w, N, NF, NHIST + 2, LAMBDA, fold);
	omp_set_num_threads(was);
	check(memcmp(&two, &want, sizeof two) == 0 && memcmp(&one, &want, sizeof one) == 0,
	      "cv deviance: both cores %a, one thread %a, by hand %a", two, one, want);

	/* The choice: the risk group against the history (its fits beside
	 * the history's), then the order value against both; the report's
	 * figures are those computed one fit after the other, and one
	 * thread, a team opened and a team already there agree to the bit
	 * on everything. */
	struct sk_backtest b;
	memset(&b, 0, sizeof b);
	double dummy = 0;
	b.risk_cut = &dummy;	/* the groups are there; their columns are X's */
	b.value_t = (const struct sk_table *)&dummy;
	double base = serial_cv(X, y, offr, w, NF, NHIST, fold);
	double risk = serial_cv(X, y, offr, w, NF, NHIST + SK_NRISKF, fold);
	double value = serial_cv(X, y, offr, w, NF, NF, fold);
	char expect[1000];
	snprintf(expect, sizeof expect,
		 "learned layer: risk signals (complaints, returns, negative reviews) used: "
		 "cross-validated deviance %.2f with them, %.2f without (a gain over %.2f "
		 "needed)\nlearned layer: order value (mean and first order) not used: "
		 "cross-validated deviance %.2f with them, %.2f without (a gain over %.2f "
		 "needed)\n", risk, base, gsl_cdf_chisq_Pinv(0.95, SK_NRISKF), value, risk,
		 gsl_cdf_chisq_Pinv(0.95, SK_NVALUEF));
	struct chosen c[3];
	for (int how = 0; how < 3; how++)
		choose(&b, X, y, offr, w, how, &c[how]);
	check(strcmp(c[0].report, expect) == 0, "choose, one thread: the figures one fit after "
	      "the other");
	if (strcmp(c[0].report, expect) != 0)
		printf("# got:\n%s# want:\n%s", c[0].report, expect);
	for (int how = 1; how < 3; how++)
		check(c[how].nf == c[0].nf && c[how].use[0] == c[0].use[0] &&
		      c[how].use[1] == c[0].use[1] && strcmp(c[how].report, c[0].report) == 0 &&
		      memcmp(c[how].X, c[0].X, N * NF * sizeof *X) == 0,
		      "choose, %s: what one thread chose, its report and columns to the bit",
		      how == 1 ? "a team opened" : "inside a team");
	check(c[0].nf == NHIST + SK_NRISKF && c[0].use[0] && !c[0].use[1],
	      "choose: the risk group used, the order value's noise not (%d columns)", c[0].nf);
	for (int how = 0; how < 3; how++) {
		free(c[how].X);
		free(c[how].report);
	}
	free(fold);
	free(X);
	free(y);
	free(offr);
	free(w);
	printf("# %d/%d checks passed\n", checks - failures, checks);
	return failures != 0;
}
