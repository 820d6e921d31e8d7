/* modelint.h: what the model files share privately (not part of the
 * library's interface; model.h is). */
#ifndef SK_MODELINT_H
#define SK_MODELINT_H

#include <stdint.h>

#include "model.h"

/* The data handed to a negative log-likelihood (ctx of sk_fit_fn). */
struct sk_rfm_set {
	const struct sk_rfm *pat;
	size_t n;
	/* Optional index (sk_rfm_set_index): the distinct T and t_x values
	 * and each pattern's position among them.  Daily data from a million
	 * customers has ~10^5-10^6 patterns but only ~10^3 distinct times, so
	 * log(alpha + T) per distinct value saves most of the logarithms of
	 * every likelihood evaluation. */
	double *uT, *utx;
	size_t nT, ntx;
	uint32_t *iT, *itx;
};

void sk_rfm_set_index(struct sk_rfm_set *s);
void sk_rfm_set_free_index(struct sk_rfm_set *s);

const struct sk_rfm *sk_rfm_compressed(const struct sk_rfm *pat, size_t n, size_t *nout,
				       double *nobs, struct sk_rfm **owned, char *err,
				       size_t errlen);
int sk_tmodel_fit_run(int npar, sk_fit_fn f, void *ctx, int nstart, const double *starts,
		      double nobs, struct sk_fit *out, char *err, size_t errlen);
int sk_tmodel_fit_coarse(int npar, sk_fit_fn f, void *ctx, void *coarse_ctx, int nstart,
			 const double *starts, double nobs, struct sk_fit *out, char *err,
			 size_t errlen);
struct sk_rfm *sk_rfm_coarse_new(const struct sk_rfm *pat, size_t n, size_t *nout);
typedef void (*sk_quad_fn)(double x, double *f, void *ctx);
int sk_quad(sk_quad_fn f, void *ctx, int nf, double lo, double hi, double epsrel,
	    double *res);
double sk_beta_inc(double a, double b, double x, double y);

/* Exported for the unit tests and between model files. */
double sk_bgnbd_nll(const double *theta, double *grad, void *ctx);
double sk_mbgnbd_nll(const double *theta, double *grad, void *ctx);
double sk_pnbd_nll(const double *theta, double *grad, void *ctx);
double sk_bgnbd_alive_mean(double m, double kappa, double a, double B);

#endif
