/* cnbdpmf.c: the BG/CNBD-k and MBG/CNBD-k conditional pmf
 * P(X(T, T+t] = n | x, t_x, T) for n = 0..N-1 at once (churn --median).
 *
 * cnbd.c's sk_cnbd_cond_pmf makes one n at a time, as the model's story
 * reads (cnbd.c, future_pmf; Platzer & Reutterer 2016, Marketing Science
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
 * ed., eq. 5.30), summed by blocks, and P(N > n) from the block sums: as
 * 1 minus the sum below when that is at least BIG (absolute error a few
 * units of 1e-16, so at most ~1e-14 relative), else summed down from the
 * far tail (all terms positive: relative accuracy however small the tail,
 * which the tilt of median.c reads).  The products P(D >= n) are formed
 * as future_pmf forms them.  Against sk_cnbd_cond_pmf the values agree to
 * ~1e-12 relative (tests/unit/test_median.c measures it); median.c takes
 * a median from them only when it stands clear of that, and asks
 * sk_cnbd_cond_pmf otherwise, so the medians are its medians. */
#include "modelint.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "record/util.h"

#define KMAX 12		/* cnbd.c's grid of k */
/* A tail P(Y >= y) at least this is 1 minus the sum below it. */
#define BIG 1e-2
/* The far tail is cut where the rest is below this fraction of it. */
#define FAR 1e-17
/* As cnbd.c's future_mean: a window of more events than this does not
 * add up (NaN parameters and the like); the caller asks sk_cnbd_cond_pmf. */
#define YMAX 100000000L

/* Component j of one customer: B[n] = P(kn - j <= Y < k(n+1) - j) and
 * tail[n] = P(Y >= k(n+1) - j) for n < N, Y ~ NBD(m, q).  0, or -1 when
 * the sums do not end. */
static int blocks(double m, double q, int j, int k, int N, double *B, double *tail)
{
	double omq = 1 - q, lp = m * log(q), p = lp > -700 ? exp(lp) : 0, cum = 0, ratio = 1;
	/* q^m below the smallest double: the pmf rises in logs until it is
	 * a double (cnbd.c future_mean); after that an underflow is a term
	 * that no longer counts */
	int inlogs = p == 0;
	long y = 0;
	for (int n = 0; n < N; n++) {
		long end = (long)k * (n + 1) - j;
		double b = 0;
		for (; y < end; y++) {
			b += p;
			ratio = (m + y) / (y + 1) * omq;
			if (inlogs) {
				lp += log(ratio);
				if (lp > -700) {
					p = exp(lp);
					inlogs = 0;
				}
			} else {
				p *= ratio;
			}
		}
		B[n] = b;
		cum += b;
		if (y > YMAX)
			return -1;
	}
	if (1 - cum >= BIG) {
		double below = 0;
		for (int n = 0; n < N; n++) {
			below += B[n];
			tail[n] = 1 - below;
		}
		return 0;
	}
	/* P(Y >= kN - j): on past the mode until the rest is below FAR of
	 * it.  Past the mode the ratios fall towards 1 - q when m >= 1 and
	 * rise towards it when m < 1, so the rest after a term p is at most
	 * p r / (1 - r), r the larger of the ratio and 1 - q. */
	double S = 0;
	for (;; y++) {
		if (inlogs && y > YMAX)
			return -1;
		S += p;
		ratio = (m + y) / (y + 1) * omq;
		if (inlogs) {
			lp += log(ratio);
			if (lp > -700) {
				p = exp(lp);
				inlogs = 0;
			}
			continue;
		}
		p *= ratio;
		double r = fmax(ratio, omq);
		/* below the normal doubles the products round, at the
		 * smallest subnormal, to itself: stop there */
		if (r < 1 && (p < DBL_MIN || p / (1 - r) < FAR * S))
			break;
		if (y > YMAX)
			return -1;
	}
	tail[N - 1] = S;
	for (int n = N - 1; n > 0; n--)
		tail[n - 1] = tail[n] + B[n];
	return 0;
}

int sk_cnbd_cond_pmfs(const double *par, double t, double x, double t_x, double T, double s,
		      int N, double *out)
{
	double w[KMAX];
	if (!(t > 0) || N <= 0)
		return -1;
	double pa = sk_cnbd_alive_mix(par, x, t_x, T, s, w);
	if (pa < 0)
		return -1;
	int k = (int)par[4];
	double q = (par[1] + T) / (par[1] + T + t), a = par[2], b0 = par[3] + x + s;
	double buf[2 * 64], *B = N <= 64 ? buf : sk_xmalloc(2 * (size_t)N * sizeof *B);
	double *tail = B + N;
	int rc = 0;
	for (int n = 0; n < N; n++)
		out[n] = 0;
	for (int j = 0; j < k && rc == 0; j++) {
		if (!(w[j] > 0))
			continue;
		rc = blocks(par[0] + k * x + j, q, j, k, N, B, tail);
		/* P(D >= n) and P(D >= n+1) as future_pmf multiplies them:
		 * dge(n) = prod_{i=1}^{n-1} (b0+i-1)/(a+b0+i-1) */
		double dge = 1;
		for (int n = 0; n < N && rc == 0; n++) {
			if (n >= 2)
				dge *= (b0 + (n - 1) - 1) / (a + b0 + (n - 1) - 1);
			double dge1 = n == 0 ? 1 : dge * (b0 + (n - 1)) / (a + b0 + (n - 1));
			out[n] += w[j] * (B[n] * dge + tail[n] * (dge - dge1));
		}
	}
	if (B != buf)
		free(B);
	if (rc != 0)
		return -1;
	for (int n = 0; n < N; n++)
		out[n] = pa * out[n] + (n == 0 ? 1 - pa : 0);
	return 0;
}
