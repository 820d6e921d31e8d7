/* spend.h: the Gamma-Gamma model of spend per transaction
 * (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4); Hardie 2013,
 * "The Gamma-Gamma Model of Monetary Value"). */
#ifndef SK_SPEND_H
#define SK_SPEND_H

#include <stddef.h>

#include "fit.h"

struct sk_spend_obs {
	double x;	/* repeat transactions, > 0 */
	double mbar;	/* mean value of those transactions, > 0 */
	double w;	/* weight */
};

/* Fit p, q, gamma (par[0..2]); 0 or -1 with a reason. */
int sk_gg_fit(const struct sk_spend_obs *obs, size_t n, struct sk_fit *out,
	      char *err, size_t errlen);
double sk_gg_loglik1(const double *par, double x, double mbar);
/* ln f of one customer at the limit q, gamma -> inf with gamma/(q-1)
 * fixed (no spread in the customers' mean spend; gg.c). */
double sk_gg_ll_limit(const double *par, double x, double mbar);
/* 1 when the fit f on obs[0..n) sits on that ridge: q and gamma loose
 * (ridge.h's sk_ridge_loose) or q over 100, q over 1, and ln L no higher
 * than the limit's (sk_ridge_tol); 0 for a penalised fit.  The finding
 * in words into what (clv's --report and, as a JSON string,
 * --report-json). */
int sk_gg_ridge(const struct sk_fit *f, const struct sk_spend_obs *obs, size_t n);
void sk_gg_ridge_what(const struct sk_fit *f, char *what, size_t len);
/* E[M | x, mbar]: conditional expected value of a transaction
 * (Hardie 2013, eq. 5); x = 0 gives the population mean p*gamma/(q-1). */
double sk_gg_expected_spend(const double *par, double x, double mbar);
/* Pearson correlation between x and mbar (weighted) for the
 * independence check. */
double sk_gg_correlation(const struct sk_spend_obs *obs, size_t n);

#endif
