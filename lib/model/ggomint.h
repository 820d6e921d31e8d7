/* ggomint.h: what ggomnbd.c (the GGom/NBD model) and ggomtab.c (its
 * likelihood from (x, t) tables) share.  Parameters (r, alpha, b, s,
 * beta); notation as at the top of ggomnbd.c. */
#ifndef SK_GGOMINT_H
#define SK_GGOMINT_H

#include <math.h>
#include <stddef.h>

#include "model.h"

/* ln(beta + e^(b y) - 1) without overflow (b y large) or cancellation
 * (b y small: expm1). */
static inline double sk_ggom_lden(double beta, double by)
{
	if (by > 30)
		return by + log1p((beta - 1) * exp(-by));
	return log(beta + expm1(by));
}

/* ln int_{tx}^{T} (alpha+y)^-m g(y) dy and, with d, its derivatives in
 * the five parameters; -1 when it cannot be computed. */
int sk_ggom_log_dead(const double *par, double m, double tx, double T, double *l, double *d);
/* ln((alpha+T)^-m S(T)) and its derivatives. */
void sk_ggom_alive(const double *par, double m, double T, double *lA, double *dA);
/* ln L from the constant, the alive and the dead terms; gradient in g. */
double sk_ggom_combine(const double *par, double c, double dc, double lA, const double *dA,
		       double lD, const double *dD, double *g);

/* The fit's context: the patterns' (x, t) tables (ggomtab.c). */
void *sk_ggom_tab_new(const struct sk_rfm *pat, size_t n);
void sk_ggom_tab_free(void *ctx);
double sk_ggom_tab_nll(const double *theta, double *grad, void *ctx);
/* P(alive) of every pattern of the table at par into pa (the patterns'
 * order); -1 when an integral fails. */
int sk_ggom_tab_alive(void *ctx, const double *par, double *pa);

/* A fit spec on the tables from the start function st (one start). */
#define SK_GGOM_SPEC(st) { .npar = 5, .nll = sk_ggom_tab_nll, .nstart = 1, .starts = st, \
			   .coarse = 1, .ctx_new = sk_ggom_tab_new, .ctx_free = sk_ggom_tab_free }

/* The best of the fit's starts on pat[0..n) (ggomstart.c); 0, or -1
 * with a reason in err. */
int sk_ggom_best_start(const struct sk_rfm *pat, size_t n, struct sk_fit *out, char *err,
		       size_t errlen);

#endif
