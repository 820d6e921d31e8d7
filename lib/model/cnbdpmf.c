/* cnbdpmf.c: the BG/CNBD-k and MBG/CNBD-k conditional pmf
 * P(X(T, T+t] = n | x, t_x, T) for n = 0, 1, 2, ... in turn (churn
 * --median).
 *
 * cnbd.c's sk_cnbd_cond_pmf makes one n at a time, as the model's story
 * reads (cnbdfuture.c, sk_cnbd_future_pmf; Platzer & Reutterer 2016, Marketing Science
 * 35(5)): given alive at T with k - j events to go (weight w_j), the
 * events Y in the window are NBD(m_j, q), m_j = r + kx + j,
 * q = (alpha+T)/(alpha+T+t), the purchases N = floor((Y + j) / k), and
 *   P(X = n) = P(N = n) P(D >= n) + P(N > n) P(D = n),
 * D the purchases before dropping out, P(D >= i) = E[(1-p)^(i-1)] =
 * prod_{i'<i} (b0+i'-1)/(a+b0+i'-1), b0 = b + x + shift.  P(N = n) is the
 * NBD pmf summed over the block kn - j <= Y < k(n+1) - j, each term by
 * three log-gamma functions, and P(N > n) an incomplete beta function:
 * for the median of a million Erlang-6 customers, ~3.5 s of CPU in k
 * incomplete betas and k^2 log-gammas per n per pattern.
 *
 * Here each component's NBD pmf comes by its recurrence
 *   P(Y = 0) = q^m,  P(Y = y+1) = P(Y = y) (m + y)/(y + 1) (1 - q)
 * (Johnson, Kemp & Kotz 2005, Univariate Discrete Distributions, 3rd
 * ed., eq. 5.30), one block of k terms per n, where the last left off,
 * and P(N > n) from the block sums: 1 minus the sum below while that is
 * at least BIG (absolute error a few units of 1e-16, so at most ~1e-14
 * relative); below BIG the far tail summed forward to where it no longer
 * counts (all terms positive: relative accuracy however small, which
 * the tilt of median.c reads), then each block taken off it, summed
 * afresh whenever it has fallen below REFRESH of the last fresh sum (a
 * difference loses up to a factor tail(before) / tail(after) of relative
 * precision).  The products P(D >= n) are formed as sk_cnbd_future_pmf forms
 * them.  Against sk_cnbd_cond_pmf the values agree to
 * ~1e-12 relative (tests/unit/test_median.c measures it); median.c takes
 * a median from them only when it stands clear of that, and asks
 * sk_cnbd_cond_pmf otherwise, so the medians are its medians. */
#include "modelint.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "record/util.h"

/* A tail P(Y >= y) at least this is 1 minus the sum below it. */
#define BIG 1e-2
/* The far tail is cut where the rest is below this fraction of it. */
#define FAR 1e-17
/* A far tail that blocks taken off have brought below this fraction of
 * its last fresh sum is summed afresh. */
#define REFRESH 1e-3
/* As cnbdfuture.c's sk_cnbd_future_mean: a window of more events than this does not
 * add up (NaN parameters and the like); the caller asks sk_cnbd_cond_pmf. */
#define YMAX 100000000L

/* One step of component c's recurrence: P(Y = y+1) from P(Y = y).  While
 * q^m was below the smallest double the pmf rises in logs until it is a
 * double (cnbdfuture.c, sk_cnbd_future_mean); after that an underflow is a term that no
 * longer counts.  Returns the ratio P(Y = y+1) / P(Y = y). */
static inline double step(double m, double omq, long y, double *p, double *lp, int *inlogs)
{
	double ratio = (m + y) / (y + 1) * omq;
	if (*inlogs) {
		*lp += log(ratio);
		if (*lp > -700) {
			*p = exp(*lp);
			*inlogs = 0;
		}
	} else {
		*p *= ratio;
	}
	return ratio;
}

/* P(Y >= c->y), summed forward on a copy of c's state past the mode
 * until the rest is below FAR of it.  Past the mode the ratios fall
 * towards 1 - q when m >= 1 and rise towards it when m < 1, so the rest
 * after a term p is at most p r / (1 - r), r the larger of the ratio and
 * 1 - q.  NaN when it does not end. */
static double far_tail(const struct sk_cnbd_comp *c, double omq)
{
	double p = c->p, lp = c->lp, S = 0;
	int inlogs = c->inlogs;
	for (long y = c->y; y <= YMAX; y++) {
		S += p;
		double ratio = step(c->m, omq, y, &p, &lp, &inlogs);
		double r = fmax(ratio, omq);
		/* below the normal doubles the products round, at the
		 * smallest subnormal, to itself: stop there */
		if (!inlogs && r < 1 && (p < DBL_MIN || p / (1 - r) < FAR * S))
			return S;
	}
	return NAN;
}

int sk_cnbd_pmf_init(struct sk_cnbd_pmf_iter *it, const double *par, double t, double x,
		     double t_x, double T, double s)
{
	if (!(t > 0))
		return -1;
	it->pa = sk_cnbd_alive_mix(par, x, t_x, T, s, it->w);
	if (it->pa < 0)
		return -1;
	it->k = (int)par[4];
	it->n = 0;
	it->q = (par[1] + T) / (par[1] + T + t);
	it->a = par[2];
	it->b0 = par[3] + x + s;
	it->dge = 1;
	double lq = log(it->q);
	for (int j = 0; j < it->k; j++) {
		struct sk_cnbd_comp *c = &it->c[j];
		c->m = par[0] + it->k * x + j;
		c->lp = c->m * lq;
		c->p = c->lp > -700 ? exp(c->lp) : 0;
		c->inlogs = c->p == 0;
		c->y = 0;
		c->below = 0;
		c->tail = c->tref = -1;	/* not yet from the far tail */
	}
	return 0;
}

double sk_cnbd_pmf_next(struct sk_cnbd_pmf_iter *it)
{
	int n = it->n++, k = it->k;
	double a = it->a, b0 = it->b0, omq = 1 - it->q, v = 0;
	/* P(D >= n) and P(D >= n+1) as sk_cnbd_future_pmf multiplies them:
	 * dge(n) = prod_{i=1}^{n-1} (b0+i-1)/(a+b0+i-1) */
	if (n >= 2)
		it->dge *= (b0 + (n - 1) - 1) / (a + b0 + (n - 1) - 1);
	double dge = it->dge, dge1 = n == 0 ? 1 : dge * (b0 + (n - 1)) / (a + b0 + (n - 1));
	for (int j = 0; j < k; j++) {
		if (!(it->w[j] > 0))
			continue;
		struct sk_cnbd_comp *c = &it->c[j];
		/* block n: kn - j <= Y < k(n+1) - j */
		long end = (long)k * (n + 1) - j;
		double B = 0;
		for (; c->y < end; c->y++) {
			B += c->p;
			step(c->m, omq, c->y, &c->p, &c->lp, &c->inlogs);
		}
		if (c->y > YMAX)
			return NAN;
		c->below += B;
		if (c->tref < 0 && 1 - c->below >= BIG) {
			c->tail = 1 - c->below;
		} else if (c->tref < 0 || (c->tail -= B) < REFRESH * c->tref) {
			c->tail = c->tref = far_tail(c, omq);
			if (isnan(c->tail))
				return NAN;
		}
		v += it->w[j] * (B * dge + c->tail * (dge - dge1));
	}
	return it->pa * v + (n == 0 ? 1 - it->pa : 0);
}
