/* model.h: the transaction models (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB)
 * behind one table of operations, so churn and clv choose a model by name.
 *
 * Every model works on compressed sufficient statistics: one sk_rfm per
 * distinct (x, t_x, T) with w = the number of customers (or the value of
 * --weight) that share it.  Times are in the caller's unit (--unit); for
 * BG/BB, x and t_x are counts of opportunities and T = n, the number of
 * opportunities.
 */
#ifndef SK_MODEL_H
#define SK_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "fit.h"

struct sk_rfm {
	double x;	/* repeat transactions (frequency) */
	double t_x;	/* recency: time of the last purchase since the first */
	double T;	/* age: time from the first purchase to the end of observation */
	double w;	/* weight: customers with this pattern */
	/* Sum of the logs of the inter-purchase times (between distinct
	 * purchase days, in the caller's unit; 0 when x = 0): BTYDplus's litt,
	 * needed by the models with ll_litt (BG/CNBD-k, MBG/CNBD-k).  A
	 * merged pattern carries the weighted mean, so sum w litt is kept. */
	double litt;
	/* Index of the customer's covariate vector (covar.h); 0 when the
	 * model has no covariates.  Patterns compress by (x, t_x, T, cov). */
	uint32_t cov;
};

/* A pair of parameters that may run off to infinity together with
 * their ratio fixed: a Beta(i, j) mixing distribution tending to a point
 * mass (the BG/NBD's dropout probability p ~ Beta(a, b) the same for
 * every customer), or a Gamma(i, j) one (shape i, rate j: the purchase
 * rate lambda ~ Gamma(r, alpha) the same r/alpha for every customer).
 * loglik1 is a customer's ln L at that limit, with the point mass at
 * par[i]/(par[i]+par[j]) (Beta) or par[i]/par[j] (Gamma) and the other
 * parameters as they are; ridge.c compares it with the fit's
 * (sk_tmodel_ridges). */
struct sk_tridge {
	int i, j;			/* the pair's indices in par: a, b */
	double (*loglik1)(const double *par, double x, double t_x, double T);
	const char *what;		/* the quantity with no spread: "the dropout probability" */
	int gamma;			/* 1: a Gamma pair (shape, rate), 0: a Beta pair */
};

/* The most ridges a model has: the BG/NBD's (r, alpha) and (a, b), the
 * Pareto/NBD's (r, alpha) and (s, beta), BG/BB's two Beta pairs. */
#define SK_TRIDGE_MAX 2

struct sk_tmodel {
	const char *name;		/* "bgnbd", "pnbd", "mbgnbd", "bgbb" */
	const char *title;		/* "BG/NBD" */
	int npar;
	const char *parname[SK_FIT_MAXPAR];	/* papers' names: r alpha a b ... */
	int discrete;			/* 1 for BG/BB: x, t_x, T are integers */

	/* Fit by maximum likelihood; 0 or -1 with a reason in err. */
	int (*fit)(const struct sk_rfm *pat, size_t n, struct sk_fit *out,
		   char *err, size_t errlen);
	/* Log-likelihood of one customer (used for reports and tests). */
	double (*loglik1)(const double *par, double x, double t_x, double T);
	/* P(alive at T | x, t_x, T). */
	double (*p_alive)(const double *par, double x, double t_x, double T);
	/* The same for the patterns pat[0..n) into pa, where one pass over
	 * all of them is cheaper (GGom/NBD: shared quadrature nodes); 0, or
	 * -1 to have p_alive called per pattern.  NULL: per pattern. */
	int (*p_alive_all)(const double *par, const struct sk_rfm *pat, size_t n, double *pa);
	/* E[X(T, T+t] | x, t_x, T]: expected transactions in the next t
	 * (for BG/BB: in the next t opportunities). */
	double (*expected)(const double *par, double t, double x, double t_x, double T);
	/* E[X(T, T+t] | alive at T, x, T]: where expected() factors as
	 * p_alive x this (BG/NBD, MBG/NBD, Pareto/NBD), predictions need it
	 * once per distinct (x, T), not per (x, t_x, T); NULL otherwise. */
	double (*expected_alive)(const double *par, double t, double x, double T);
	/* E[X(t)] for a customer just acquired. */
	double (*expected_new)(const double *par, double t);
	/* P(X(t) = k) for a customer just acquired. */
	double (*pmf)(const double *par, double t, int k);
	/* Discounted expected residual transactions at continuous discount
	 * rate delta per unit time; NULL where the model has no closed form. */
	double (*dert)(const double *par, double delta, double x, double t_x, double T);
	/* The same given pa = p_alive(par, x, t_x, T), where DERT is P(alive)
	 * times a function of (x, T) (Pareto/NBD): for a caller that has
	 * P(alive) already (churn's, clv's column), so that it is not
	 * computed twice; dert(...) == dert_pa(par, delta, pa, x, T) to the
	 * bit.  NULL: call dert. */
	double (*dert_pa)(const double *par, double delta, double pa, double x, double T);
	/* The discounted E[X(T, T+t] | alive at T, x, T] over a horizon H
	 * (int_0^H e^(-delta t) dE(t)) where the model has a faster way than
	 * value.c's quadrature of expected_alive (Pareto/NBD); NULL
	 * otherwise. */
	double (*det_alive)(const double *par, double delta, double H, double x, double T);
	/* P(X(T, T+t] > 0 | alive, x, T): at least one transaction in the
	 * next t for a customer alive at T (BG/BB: alive at opportunity
	 * T+1, as its p_alive), a function of (x, T) only; so
	 * p_return = P(X(T, T+t] > 0 | x, t_x, T) = p_alive x this. */
	double (*return_alive)(const double *par, double t, double x, double T);
	/* Where return_alive is NULL (its factor depends on t_x too):
	 * P(X(T, T+t] > 0 | x, t_x, T) per pattern. */
	double (*p_return)(const double *par, double t, double x, double t_x, double T);
	/* The part of ln L in the inter-purchase times beyond (x, t_x, T)
	 * (loglik1 leaves it out); non-NULL means the model needs litt. */
	double (*ll_litt)(const double *par, double x, double litt);
	/* The last nfixed parameters are chosen, not estimated (BG/CNBD-k's
	 * k): they have no standard error. */
	int nfixed;
	/* Where expected_alive is NULL, expected and p_return may still be
	 * mixtures, p_alive x sum_j w_j c_j, with components c_j of (x, T)
	 * only and weights w_j of (x, t_x, T) (BG/CNBD-k: how far into the
	 * gap since the last purchase), so predictions need the components
	 * once per distinct (x, T).  mix_alive fills E[X(T, T+t] | alive]
	 * and P(X(T, T+t] > 0 | alive) of each component (at most
	 * SK_MIX_MAX; returns how many; ret may be NULL when only ex is
	 * wanted), mix_weights the weights.  NULL for
	 * the other models. */
	int (*mix_alive)(const double *par, double t, double x, double T, double *ex, double *ret);
	void (*mix_weights)(const double *par, double x, double t_x, double T, double *w);
	/* The model's mixing ridges (BG/NBD family: r, alpha and a, b;
	 * Pareto/NBD: r, alpha and s, beta; GGom/NBD: r, alpha; BG/BB:
	 * alpha, beta and gamma, delta); loglik1 NULL ends the list. */
	struct sk_tridge ridge[SK_TRIDGE_MAX];
};

#define SK_MIX_MAX 12

extern const struct sk_tmodel sk_bgnbd, sk_pnbd, sk_mbgnbd, sk_bgbb, sk_bgcnbd, sk_mbgcnbd;
extern const struct sk_tmodel sk_ggomnbd;

/* tm->fit with an L2 penalty lambda on the log-parameters (0: plain
 * maximum likelihood; see sk_penalty_nll in model.c). */
int sk_tmodel_fit_with(const struct sk_tmodel *tm, double penalty, const struct sk_rfm *pat,
		       size_t n, struct sk_fit *out, char *err, size_t errlen);

/* Look a model up by name; NULL when unknown. */
const struct sk_tmodel *sk_tmodel_find(const char *name);

/* Sort pat[0..n) and merge identical (x, t_x, T, cov) by adding weights
 * (litt becomes their weighted mean); return the new count.
 * Deterministic: the order is by x, t_x, T, cov. */
size_t sk_rfm_compress(struct sk_rfm *pat, size_t n);

#endif
