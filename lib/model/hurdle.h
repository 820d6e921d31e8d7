/* hurdle.h: the learned layer's second part (the layer is in
 * backtest.c): how many purchases a customer who comes back makes.
 *
 * The layer's first part corrects P(X > 0), whether the customer comes
 * back at all; expected_purchases = P(X > 0) E[X | X > 0], a two-part
 * ("hurdle") model of the count (Cragg 1971, Econometrica 39(5);
 * Mullahy 1986, J. Econometrics 33(3)).  This part learns, from the
 * customers of the backtest who came back in the held-back window, how
 * far the model's E[X | X > 0] is off, and is used only when that holds
 * up out of sample (see hurdle.c). */
#ifndef SK_HURDLE_H
#define SK_HURDLE_H

#include <stddef.h>
#include <stdio.h>

#include "learn.h"

struct sk_hurdle {
	int used;		/* 1: E[X | X > 0] is corrected, 0: the model's */
	struct sk_learn lr;	/* the correction, when used */
	double eta_lo, eta_hi;	/* its log-range on the customers it was fitted on */
	/* What the choice was made on, for the report: the customers who
	 * came back (summed weights), their mean count, the model's and the
	 * corrected (cross-fitted) mean, the cross-validated quasi-Poisson
	 * deviances per customer without and with the correction, the
	 * dispersion, and the gain needed in scaled deviance. */
	double nret, mean_count, mean_model, mean_learned;
	double dev_model, dev_learned, dispersion, need;
	int df;
	char why[200];		/* why it is not used, when it could not be tried */
};

/* Learn the correction of E[X | X > 0] from the n rows of nf features X
 * (stride nf), the purchases in the held-back window count[k], the
 * model's E[X | X > 0] over the window cond[k] and weights w[k], with
 * the ridge penalty lambda; only the rows with count > 0 are used.
 * Returns h->used. */
int sk_hurdle_learn(struct sk_hurdle *h, const double *X, const double *count,
		    const double *cond, const double *w, size_t n, int nf, double lambda);

/* E[X | X > 0] of one customer of features f whose model figure is cond:
 * cond itself when the correction is not used. */
double sk_hurdle_cond(const struct sk_hurdle *h, const double *f, double cond);

/* The choice and its figures, one line, to report. */
void sk_hurdle_report(const struct sk_hurdle *h, FILE *report);

void sk_hurdle_free(struct sk_hurdle *h);

#endif
