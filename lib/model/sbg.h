/* sbg.h: the shifted-beta-geometric model of contract retention
 * (Fader & Hardie 2007, "How to project customer retention",
 * J. Interactive Marketing 21(1)). */
#ifndef SK_SBG_H
#define SK_SBG_H

#include <stddef.h>

#include "fit.h"

/* Fit alpha, beta (par[0..1]) to survivors: alive[0] = cohort size at
 * period 0, alive[t] = customers still active at the start of period t,
 * t = 1..nper-1 (non-increasing).  Customers alive at the last period are
 * right-censored. 0 or -1 with a reason. */
int sk_sbg_fit(const double *alive, int nper, struct sk_fit *out, char *err, size_t errlen);
/* P(T = t), t >= 1 (Fader & Hardie 2007, eq. 7 / recursion eq. 8). */
double sk_sbg_pmf(const double *par, int t);
/* S(t) = P(T > t), S(0) = 1 (eq. 8). */
double sk_sbg_survival(const double *par, int t);
/* r(t) = S(t)/S(t-1) = (beta + t - 1) / (alpha + beta + t - 1) (eq. 9). */
double sk_sbg_retention(const double *par, int t);

#endif
