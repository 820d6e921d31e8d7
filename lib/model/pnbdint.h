/* pnbdint.h: the tail integral I(t) of the Pareto/NBD likelihood
 * (pnbdtail.c) and the (x, t) tables of the fit (pnbdidx.c), for pnbd.c.
 * Notation as at the top of pnbd.c. */
#ifndef SK_PNBDINT_H
#define SK_PNBDINT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Cap on the number of series terms before quadrature takes over. */
#define SERIES_MAX 20000

struct tail {
	double l;	/* ln I(t) */
	double d[4];	/* d ln I / d(m, alpha, n, beta) */
};

/* ln S and d ln S / d(e at fixed o, o at fixed e, z) where the z-series
 * does not serve: sk_pnbd_near1_S (pnbdnear1.c, the 1 - z transformation)
 * where it is well conditioned, else sk_pnbd_quad_S (quadrature of
 * Euler's integral); each 0, or -1 when it cannot. */
int sk_pnbd_far_S(double e, double o, double z, double omz, double *lS, double *dS);
int sk_pnbd_near1_S(double e, double o, double z, double omz, double *lS, double *dS);
/* The same to second order for pnbdcov.c's analytic Hessian: ln S and
 * r = (1, S_E, S_O, S_z, S_EE, S_EO, S_OO, S_Ez, S_Oz, S_zz) / S (E = d/de
 * at fixed o, O = d/do at fixed e), r[1..3] when order >= 1, r[4..9]
 * when order 2. */
int sk_pnbd_near1_S2(double e, double o, double z, double omz, int order, double *lS,
		     double *r);
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

/* ---- the likelihood's terms (pnbd.c) and its (x, t) tables (pnbdidx.c) ---- */

struct parterms {
	double r, alpha, s, beta, lalpha, lbeta, ls, lg_r, ps_r;
};

struct xterms {
	double x, c, dr;
};

/* Series coefficients for one (e, c): C_k = (e)_k / (c)_k, D_k = C_k He_k,
 * F_k = C_k Hc_k (He_k = sum_{j<k} 1/(e+j), Hc_k likewise with c),
 * G_k = k C_k, E_k = C_k (1 + He_k + Hc_k) (for the stopping test). */
struct coefs {
	double *C, *D, *F, *G, *E;
	int n, cap;
	double e, c, He, Hc;
};

/* The (x, t) index of a pattern set.  Patterns are grouped in runs of
 * equal x (sorted input gives one run per x, long ones split); each run
 * has its keys, the distinct times its patterns need, in increasing t
 * (so decreasing z: the first key needs the most coefficients).  Per
 * pattern: kT, the key of T, and kx, the key of t_x, or NOKEY when
 * t_x = T (no tail term).  Any order of patterns works; sorted by x it
 * has the fewest keys. */
#define NOKEY UINT32_MAX

struct prun {
	double x;
	size_t klo, khi;	/* its keys */
	size_t plo, phi;	/* its patterns */
};

/* Runs longer than this are split (each piece with its own keys), so
 * that no run is more than an eighth of the work; shorter pieces would
 * repeat too many of the run's ages among them. */
#define RUN_MIN_SPLIT 16384

/* Per key and evaluation, the three roles a key plays (the likelihood
 * constant of x is folded into each: it is common to both terms of W,
 * so it cancels in the weights):
 *   ka: ln A and d ln A, for patterns with t_x = T (no tail term);
 *   kt: A' = A - s I(T) and d ln A', for patterns with t_x < T;
 *   kb: B = s I(t_x) and d ln B.
 * A' and B are stored as exp(ln - off) with one offset per run of x
 * (kt.off) when the run's values span less than RUN_SPAN in logs: then
 * W = A' + B needs one logarithm and no exponential per pattern.  When
 * they span more (extreme parameters met during a search), kt.off is
 * -inf and A', B are kept as logarithms (logaddexp per pattern). */
#define RUN_SPAN 600.0

struct ka {
	double v, g[4];
};

struct kt {
	double v, g[4], off;
};

struct pidx {
	size_t n, nrun, nkey, nU;
	struct prun *run;
	uint32_t *order;	/* runs by decreasing length, for the schedule */
	double (*acc)[5];	/* per run: its sums of one evaluation */
	uint32_t *krank;	/* key -> index of its time in U */
	unsigned char *ktail;	/* key needs the tail I(x, t) */
	double *U;		/* distinct times, increasing */
	uint32_t *kx, *kT;	/* per pattern */
	double *w;		/* per pattern: its weight (streamed, 8 bytes not 32) */
	/* workspace of one evaluation */
	double *ut;		/* per time: ln(alpha+t), ln(beta+t), 1/(alpha+t), 1/(beta+t) */
	struct ka *ka, *kb;
	struct kt *kt;
};

void sk_pnbd_set_xterms(struct xterms *t, const struct parterms *p, double x, int grad);
int sk_pnbd_pidx_build(struct pidx *ix, const struct sk_rfm *pat, size_t n);
void sk_pnbd_pidx_free(struct pidx *ix);
int sk_pnbd_run_keys(const struct parterms *p, struct pidx *ix, const struct prun *run,
		     int grad, struct coefs *cf);
void sk_pnbd_sum_chunk_idx(const struct pidx *ix, size_t lo, size_t hi, int grad,
			   double *acc);

/* int_0^H e^(-delta t) (B/(B+t))^s dt, H = INFINITY for a lifetime
 * (pnbddisc.c); NAN for arguments without a finite value. */
double sk_pnbd_disc(double s, double B, double delta, double H);
/* The same with H = INFINITY, for many calls with one s and delta and
 * B of their own: from a table of the integral per thread (pnbddisc.c),
 * within 1e-13 of sk_pnbd_disc. */
double sk_pnbd_disc_life(double s, double B, double delta);

#endif
