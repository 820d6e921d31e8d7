/* acceval: one accuracy measure over two columns of a table of customers
 * (make accuracy, bench/accuracy.sh).
 *
 *   acceval [-e] FILE MEASURE COL [COL]
 *
 * MEASURE   COLs            prints
 * auc       SCORE TRUTH     AUC of SCORE for TRUTH > 0
 * ece       P TRUTH         calibration error of P for TRUTH > 0 (10 bins)
 * lift      SCORE TRUTH     rate of TRUTH > 0 in the top tenth by SCORE / overall
 * liftse, aucse SCORE TRUTH standard error of lift, of auc: the bootstrap
 *                           over the rows (Efron & Tibshirani 1993, "An
 *                           introduction to the bootstrap", alg. 6.1, B =
 *                           200 resamples; a fixed seed, so the same table
 *                           gives the same figure)
 * spearman  A B             Spearman's rank correlation
 * mae, rmse PRED TRUTH      mean absolute / root mean squared error
 * poisdev   PRED TRUTH      mean Poisson deviance 2 (y log(y / pred) - (y - pred)),
 *                           the proper score for a mean count (a Bregman
 *                           loss: only the true mean minimises it), where
 *                           the absolute error favours the median
 * bias      PRED TRUTH      sum PRED / sum TRUTH - 1
 * rates     FLAG TRUTH      rate of TRUTH > 0 where FLAG > 0, and where not
 * means     PRED TRUTH      mean PRED where TRUTH > 0, and where not (how
 *                           much of the MAE the customers who stay away cost)
 * mean      COL             mean
 * rate      TRUTH           share of TRUTH > 0
 * distinct  COL             distinct values
 * n         COL             rows
 *
 * A column named -COL is COL negated.  A row with an empty value in a
 * column used is an error, or with -e left out (winback leaves
 * winback_prob empty for prospects). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"
#include "model/learn.h"
#include "model/metrics.h"

/* The bootstrap standard error of the top-decile lift (what = 'l') or of
 * the AUC ('a') of score for y: B resamples of the n rows with
 * replacement (Efron & Tibshirani 1993, alg. 6.1).  How far a lift of,
 * say, 0.89 over 738 offers is from 1 by chance alone. */
static double boot_se(const double *score, const double *y, size_t n, char what)
{
	enum { B = 200 };
	if (n < 2)
		return NAN;
	double *bs = sk_xmalloc(n * sizeof *bs), *by = sk_xmalloc(n * sizeof *by), st[B];
	uint64_t z = 0x9e3779b97f4a7c15u;
	int nb = 0;
	for (int b = 0; b < B; b++) {
		for (size_t i = 0; i < n; i++) {
			/* splitmix64 (Steele, Lea & Flood 2014), the index by
			 * the top bits times n (Lemire 2019; bias < n / 2^64). */
			uint64_t x = (z += 0x9e3779b97f4a7c15u);
			x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
			x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
			x ^= x >> 31;
			size_t k = (size_t)(((unsigned __int128)x * n) >> 64);
			bs[i] = score[k];
			by[i] = y[k];
		}
		double v = what == 'l' ? sk_metric_top_lift(bs, by, n, 0.1) : sk_auc(bs, by, n);
		if (!isnan(v))
			st[nb++] = v;
	}
	free(bs);
	free(by);
	if (nb < 2)
		return NAN;
	double m = 0, ss = 0;
	for (int b = 0; b < nb; b++)
		m += st[b];
	m /= nb;
	for (int b = 0; b < nb; b++)
		ss += (st[b] - m) * (st[b] - m);
	return sqrt(ss / (nb - 1));
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
	int skip_empty = 0;
	if (argc > 1 && strcmp(argv[1], "-e") == 0) {
		skip_empty = 1;
		argv++;
		argc--;
	}
	if (argc < 4 || argc > 5) {
		fputs("usage: acceval [-e] FILE MEASURE COL [COL]\n", stderr);
		return SK_EX_USAGE;
	}
	const char *file = argv[1], *measure = argv[2];
	struct sk_opts o = SK_OPTS_INIT;
	const char *files[] = { file, NULL };
	o.files = files;
	o.nfiles = 1;
	struct sk_reader *r = sk_reader_open(&o);
	struct sk_table *t = sk_table_read(r);
	sk_reader_close(r);
	int ncol = argc - 3;
	long col[2];
	int neg[2];
	for (int k = 0; k < ncol; k++) {
		const char *name = argv[3 + k];
		neg[k] = name[0] == '-';
		col[k] = sk_table_col(t, name + neg[k]);
		if (col[k] < 0)
			sk_die(SK_EX_DATA, "%s: no column \"%s\"", file, name + neg[k]);
	}
	double *v[2] = { sk_xmalloc((t->nrow + 1) * sizeof(double)),
			 sk_xmalloc((t->nrow + 1) * sizeof(double)) };
	double *y = sk_xmalloc((t->nrow + 1) * sizeof *y);
	size_t n = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		double x[2] = { 0, 0 };
		int empty = 0;
		for (int k = 0; k < ncol; k++) {
			int e;
			x[k] = sk_table_num(t, i, col[k], &e);
			if (e)
				empty = 1;
			else if (neg[k])
				x[k] = -x[k];
		}
		if (empty) {
			if (skip_empty)
				continue;
			sk_table_die(t, i, "an empty value in a column measured");
		}
		v[0][n] = x[0];
		v[1][n] = x[1];
		y[n] = x[ncol - 1] > 0;
		n++;
	}
	double res = NAN, res2 = NAN;
	if (strcmp(measure, "auc") == 0 && ncol == 2)
		res = sk_auc(v[0], y, n);
	else if (strcmp(measure, "ece") == 0 && ncol == 2)
		res = sk_ece(v[0], y, n, 10);
	else if (strcmp(measure, "lift") == 0 && ncol == 2)
		res = sk_metric_top_lift(v[0], y, n, 0.1);
	else if ((strcmp(measure, "liftse") == 0 || strcmp(measure, "aucse") == 0) && ncol == 2)
		res = boot_se(v[0], y, n, measure[0]);
	else if (strcmp(measure, "spearman") == 0 && ncol == 2)
		res = sk_metric_spearman(v[0], v[1], n);
	else if ((strcmp(measure, "mae") == 0 || strcmp(measure, "rmse") == 0) && ncol == 2) {
		double sa = 0, s2 = 0;
		for (size_t i = 0; i < n; i++) {
			double d = v[0][i] - v[1][i];
			sa += fabs(d);
			s2 += d * d;
		}
		res = measure[0] == 'm' ? sa / (double)n : sqrt(s2 / (double)n);
	} else if (strcmp(measure, "poisdev") == 0 && ncol == 2) {
		/* McCullagh & Nelder 1989, table 2.1; a prediction of 0 for a
		 * customer who bought is infinitely wrong, and says so. */
		double sd = 0;
		for (size_t i = 0; i < n; i++) {
			double m = v[0][i], yv = v[1][i];
			sd += 2 * ((yv > 0 ? yv * log(yv / m) : 0) - (yv - m));
		}
		res = sd / (double)n;
	} else if (strcmp(measure, "bias") == 0 && ncol == 2) {
		double sp = 0, st = 0;
		for (size_t i = 0; i < n; i++) {
			sp += v[0][i];
			st += v[1][i];
		}
		res = sp / st - 1;
	} else if (strcmp(measure, "rates") == 0 && ncol == 2) {
		double nf = 0, yf = 0, nk = 0, yk = 0;
		for (size_t i = 0; i < n; i++) {
			if (v[0][i] > 0) {
				nf++;
				yf += y[i];
			} else {
				nk++;
				yk += y[i];
			}
		}
		res = nf ? yf / nf : NAN;
		res2 = nk ? yk / nk : NAN;
	} else if (strcmp(measure, "means") == 0 && ncol == 2) {
		double np = 0, sp = 0, nz = 0, sz = 0;
		for (size_t i = 0; i < n; i++) {
			if (y[i] > 0) {
				np++;
				sp += v[0][i];
			} else {
				nz++;
				sz += v[0][i];
			}
		}
		res = np ? sp / np : NAN;
		res2 = nz ? sz / nz : NAN;
	} else if ((strcmp(measure, "mean") == 0 || strcmp(measure, "rate") == 0) && ncol == 1) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += measure[0] == 'm' ? v[0][i] : y[i];
		res = s / (double)n;
	} else if (strcmp(measure, "distinct") == 0 && ncol == 1) {
		qsort(v[0], n, sizeof(double), cmp_double);
		size_t d = 0;
		for (size_t i = 0; i < n; i++)
			d += i == 0 || v[0][i] != v[0][i - 1];
		res = (double)d;
	} else if (strcmp(measure, "n") == 0 && ncol == 1)
		res = (double)n;
	else
		sk_die(SK_EX_USAGE, "unknown measure \"%s\" with %d columns", measure, ncol);
	if (isnan(res2))
		printf("%.10g\n", res);
	else
		printf("%.10g %.10g\n", res, res2);
	free(v[0]);
	free(v[1]);
	free(y);
	sk_table_free(t);
	return 0;
}
