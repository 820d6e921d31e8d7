/* ratelim.h: a customer's ln L at the limit of a Gamma mixing pair
 * (ratelim.c): the purchase rate lambda ~ Gamma(r, alpha) with r, alpha
 * -> inf and r/alpha = lambda fixed (every customer Poisson at lambda),
 * or the Pareto/NBD's dropout rate mu ~ Gamma(s, beta) with s/beta = mu
 * fixed (exponential lifetimes at one rate).  The model tables' ridge
 * entries (model.h, sk_tridge with gamma = 1); ridge.c compares them with
 * the fit's ln L.  Each leaves out what the model's loglik1 leaves out
 * (BG/CNBD-k: the litt term). */
#ifndef SK_RATELIM_H
#define SK_RATELIM_H

/* BG/NBD (shift 0) and MBG/NBD (shift 1), par = (r, alpha, a, b). */
double sk_bg_ll_rlimit(const double *par, double x, double t_x, double T, double shift);
/* BG/CNBD-k (shift 0) and MBG/CNBD-k (shift 1), par = (r, alpha, a, b, k). */
double sk_cnbd_ll_rlimit(const double *par, double x, double t_x, double T, double shift);
/* The Pareto/NBD, par = (r, alpha, s, beta): lambda = r/alpha fixed
 * (rlimit), mu = s/beta fixed (slimit), and both (poisexp: the plain
 * Poisson purchases with exponential lifetime, each one-pair limit's own
 * limit as the other pair runs off). */
double sk_pnbd_ll_rlimit(const double *par, double x, double t_x, double T);
double sk_pnbd_ll_slimit(const double *par, double x, double t_x, double T);
double sk_pnbd_ll_poisexp(const double *par, double x, double t_x, double T);
/* GGom/NBD, par = (r, alpha, b, s, beta): lambda = r/alpha fixed. */
double sk_ggom_ll_rlimit(const double *par, double x, double t_x, double T);

#endif
