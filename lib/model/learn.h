/* learn.h: a learned, calibrated layer on top of the population models.
 *
 * A generalised linear model with a ridge penalty, fitted by iteratively
 * reweighted least squares (McCullagh & Nelder 1989, "Generalized Linear
 * Models", 2nd ed., sec. 2.5), and an isotonic calibration map fitted by
 * pool-adjacent-violators (Zadrozny & Elkan 2002, "Transforming classifier
 * scores into accurate multiclass probability estimates", KDD).
 *
 * The layer is trained on the data itself by a time split: features as of
 * an earlier cut, the label what the customer did between the cut and the
 * end of observation.  Features are standardised inside (so one penalty
 * fits every scale); the caller passes raw values.  Deterministic: the
 * same rows in the same order give the same coefficients.
 *
 *     struct sk_learn m;
 *     if (sk_learn_fit(&m, SK_LINK_LOGIT, X, y, NULL, NULL, n, p, 1.0,
 *                      err, sizeof err) != 0)
 *             sk_die(SK_EX_DATA, "%s", err);
 *     double prob = sk_learn_predict(&m, x_row, 0);
 *     sk_learn_free(&m);
 */
#ifndef SK_LEARN_H
#define SK_LEARN_H

#include <stddef.h>

#define SK_LEARN_MAXF 24

enum sk_link {
	SK_LINK_LOGIT,		/* y in [0,1]: Bernoulli, logistic regression */
	SK_LINK_CLOGLOG,	/* y in [0,1]: Bernoulli, complementary log-log */
	SK_LINK_LOG,		/* y >= 0: Poisson counts, log link */
};

struct sk_learn {
	enum sk_link link;
	int p;				/* features */
	double mean[SK_LEARN_MAXF];	/* standardisation of each feature */
	double sd[SK_LEARN_MAXF];	/* 0 for a constant feature (ignored) */
	double coef[SK_LEARN_MAXF + 1];	/* intercept, then standardised slopes */
	double lambda;			/* ridge penalty used */
	double deviance;		/* at the estimate, without the penalty */
	int iterations;
	/* Isotonic calibration (empty until sk_learn_calibrate): a
	 * non-decreasing step function through (cal_x[i], cal_y[i]),
	 * interpolated linearly between block centres. */
	size_t ncal;
	double *cal_x, *cal_y;
};

/* Fit m on rows X[i*p .. i*p+p) with response y[i], optional offset[i]
 * (added to the linear predictor: the log of a model's prediction, say)
 * and optional weight w[i] (NULL = 1), minimising deviance/2 + lambda/2
 * times the sum of squared standardised slopes.  0 on success; -1 with a
 * one-line reason in err (too few rows, no variation in y, no
 * convergence). */
int sk_learn_fit(struct sk_learn *m, enum sk_link link, const double *X, const double *y,
		 const double *offset, const double *w, size_t n, int p, double lambda,
		 char *err, size_t errlen);

/* sk_learn_fit with its working memory, 2 n doubles, from the caller:
 * for a fit run on another thread (sk_tasks_run) whose memory would
 * stay in that thread's malloc arena (backtest.c's layer_fit). */
int sk_learn_fit_scratch(struct sk_learn *m, enum sk_link link, const double *X, const double *y,
			 const double *offset, const double *w, size_t n, int p, double lambda,
			 double *scratch, char *err, size_t errlen);

/* The linear predictor and the mean (probability or expected count) of
 * one row of p raw features, with its offset. */
double sk_learn_eta(const struct sk_learn *m, const double *x, double offset);
double sk_learn_predict(const struct sk_learn *m, const double *x, double offset);
/* The inverse link on its own. */
double sk_learn_mean(enum sk_link link, double eta);

/* Fit the isotonic map from held-out (score, y, weight) pairs: n >= 1;
 * w may be NULL.  Afterwards sk_learn_calibrated maps a score through it;
 * before, it returns the score unchanged. */
void sk_learn_calibrate(struct sk_learn *m, const double *score, const double *y,
			const double *w, size_t n);
double sk_learn_calibrated(const struct sk_learn *m, double score);

void sk_learn_free(struct sk_learn *m);

/* A two-fold split of n rows for cross-validation that does not depend
 * on their order (a shuffled input must give the same figures): the rows,
 * m values each in V (stride m: the features, the response, the offset,
 * the weight ...), sorted by their values and dealt alternately; fold[i]
 * is 0 or 1.  Rows with the same values are interchangeable, so the
 * split of the data is the same whatever the order. */
void sk_learn_folds(const double *V, size_t n, int m, unsigned char *fold);

/* Fit m as sk_learn_fit does on the training half of fold f: the rows k
 * of X with fold[k] != f (fold from sk_learn_folds), in their order, the
 * first p of each row's nf columns, read in place.  offset and w may be
 * NULL (0 and 1); scratch NULL, or 2 sk_learn_fold_rows(fold, n, f)
 * doubles as sk_learn_fit_scratch's.  The cross-validations of hurdle.c
 * and layerfeat.c fit here. */
int sk_learn_fit_fold(struct sk_learn *m, enum sk_link link, const double *X, int nf, int p,
		      const double *y, const double *offset, const double *w, size_t n,
		      const unsigned char *fold, int f, double lambda, double *scratch, char *err,
		      size_t errlen);
/* The rows of fold's training half f: those with fold[k] != f. */
size_t sk_learn_fold_rows(const unsigned char *fold, size_t n, int f);

/* Area under the ROC curve of score for the 0/1 labels y (ties count a
 * half), and the expected calibration error over nbins equal-width bins
 * of the probability (Naeini, Cooper & Hauskrecht 2015, AAAI, eq. 1).
 * Both for measuring and reports; NAN when undefined. */
double sk_auc(const double *score, const double *y, size_t n);
double sk_ece(const double *prob, const double *y, size_t n, int nbins);

#endif
