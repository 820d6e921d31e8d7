/* pnbdint.h: the tail integral I(t) of the Pareto/NBD likelihood
 * (pnbdtail.c), for pnbd.c.  Notation as at the top of pnbd.c. */
#ifndef SK_PNBDINT_H
#define SK_PNBDINT_H

/* Cap on the number of series terms before quadrature takes over. */
#define SERIES_MAX 20000

struct tail {
	double l;	/* ln I(t) */
	double d[4];	/* d ln I / d(m, alpha, n, beta) */
};

int sk_pnbd_quad_S(double e, double o, double z, double omz, double *lS, double *dS);
int sk_pnbd_tail_cached(double m, double s, double alpha, double beta, double t, double *lI,
		       double *lA);
int sk_pnbd_log_tail(double m, double n, double alpha, double beta, double t, int grad,
		    struct tail *out);
void sk_pnbd_tail_finish(double m, double n, int abig, double la, double lb, double ia,
			double ib, double omz, double lK, double lS, const double *dS,
			struct tail *out);
void sk_pnbd_tail_z(double alpha, double beta, double t, double ia, double ib, double *z,
		   double *omz);

#endif
