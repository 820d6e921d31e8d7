/* cnbdfuture.c: the purchases of a BG/CNBD-k or MBG/CNBD-k customer
 * alive at the start of a window (Platzer & Reutterer 2016, Marketing
 * Science 35(5)): their mean and pmf for one Erlang phase j, summed over
 * the NBD count of events of which every k-th is a purchase.  cnbd.c
 * mixes them over the phases with the posterior weights (its
 * predictions); cnbdpmf.c makes the pmf n after n by recurrences. */
#include "modelint.h"

#include <math.h>

#include <gsl/gsl_sf_gamma.h>

#include "quad.h"

#define KMAX 12		/* cnbd.c's grid: k = 1..12 */

/* P(NBD(m, q) >= y) = I_{1-q}(y, m) (sk_beta_inc: GSL's reports
 * underflow through its aborting error handler). */
double sk_cnbd_nbd_tail(double y, double m, double q)
{
	return y <= 0 ? 1 : sk_beta_inc(y, m, 1 - q, q);
}

/* Purchases in a window for a customer alive at its start: events
 * Y ~ NBD(m, q), q = (alpha+T)/(alpha+T+t), of which the (k - j)-th,
 * (2k - j)-th, ... are purchases, so N = floor((Y + j) / k) purchases if
 * she never drops out; she makes the n-th with probability
 * E[(1-p)^(n-1)] = B(a, b0+n-1)/B(a, b0) (drop-out after each purchase,
 * p ~ Beta(a, b0)).  The mean is sum_y P(Y=y) G(floor((y+j)/k)),
 * G(n) = sum_{i<n} E[(1-p)^i]; Y's pmf by its recurrence, from the log
 * while it would underflow.  NaN when the sum does not converge. */
double sk_cnbd_future_mean(double m, double q, int j, int k, double a, double b0)
{
	double lp = m * log(q), p = lp > -700 ? exp(lp) : 0, omq = 1 - q;
	double mode = (m - 1) * omq / q, res = 0, G = 0, g = 1;
	long y = 0;
	/* Block n: the y with floor((y + j) / k) = n, each worth G(n); the
	 * pmf summed over the block first, so G and the stopping test cost
	 * once a purchase instead of once an event (clv --intervals with
	 * BG/CNBD-k spent half its time here). */
	for (long n = 0; y < 100000000L; n++) {
		long end = (long)k * (n + 1) - j;	/* the next block's first y */
		double ps = 0, ratio = 1;
		for (; y < end; y++) {
			ps += p;
			ratio = (m + y) / (y + 1) * omq;
			if (p == 0) {	/* still below the smallest double: in logs */
				lp += log(ratio);
				if (lp > -700)
					p = exp(lp);
			} else {
				p *= ratio;
			}
		}
		res += ps * G;
		G += g;
		g *= (b0 + n) / (a + b0 + n);
		/* Past the mode the pmf falls at least geometrically by
		 * ratio, so the rest of the sum is below p / (1 - ratio)
		 * times G at most y / k + 1 higher. */
		if (y - 1 > mode && ratio < 1 && p > 0 &&
		    p / (1 - ratio) * (G + (double)y / k + 2) < 1e-15 * res)
			return res;
		if (p == 0 && y - 1 > mode + 1 && res > 0)
			return res;	/* underflowed on the way down */
	}
	return NAN;
}

/* sk_cnbd_future_mean for the k components j = 0..k-1 of one (x, T) at once,
 * m = m0 + j, into ex[0..k): the same sums in the same order, so the
 * same bytes as k calls of sk_cnbd_future_mean.  Why: clv spends most of its
 * time here (17 horizons a group, each k sums of ~130 steps, each step
 * a division), and one step of all k sums is a few vector instructions
 * (lanes of two doubles: SSE2, which every x86-64 has) where the single
 * sum waits on the divider each step.  Component j's block n ends at
 * y + 1 = k (n+1) - j, one component a step (j runs k-1, ..., 0); its
 * block sum joins res through a one-hot lane mask (x 0 and + 0 are
 * exact), so all sums stay in registers.  G(n) and g(n) are the same for
 * every component (b0 does not depend on j): a ring of the last four.  A
 * component whose pmf starts below the smallest double, or underflows on
 * the way, is left to sk_cnbd_future_mean's path in logs. */
typedef double v2d __attribute__((vector_size(16)));
#define NVMAX (KMAX / 2)

static inline __attribute__((always_inline)) void
future_means_nv(const int nv, double m0, double q, int k, double a, double b0, double *ex)
{
	double lq = log(q), omq = 1 - q;
	v2d p[NVMAX], ps[NVMAX], mj[NVMAX], res[NVMAX], hot[KMAX][NVMAX];
	double mode[2 * NVMAX];
	int done[2 * NVMAX], slow[2 * NVMAX], left = k;
	#pragma GCC unroll 6
	for (int v = 0; v < nv; v++) {
		for (int l = 0; l < 2; l++) {
			int j = 2 * v + l;
			double m = m0 + j, lp = m * lq;
			mj[v][l] = m;
			slow[j] = j < k && !(lp > -700);
			p[v][l] = j < k && !slow[j] ? exp(lp) : 0;
			mode[j] = (m - 1) * omq / q;
			done[j] = j >= k || slow[j];
			left -= j < k && slow[j];
		}
		ps[v] = res[v] = (v2d){ 0, 0 };
	}
	for (int j = 0; j < k; j++)
		for (int v = 0; v < nv; v++)
			for (int l = 0; l < 2; l++)
				hot[j][v][l] = 2 * v + l == j;
	double Gr[4] = { 0 }, gr[4] = { 1 };
	long have = 0, n = 0;
	int j = k;
	for (long y = 0; left > 0; y++) {
		double yd = (double)y, yd1 = (double)(y + 1);
		v2d vy = { yd, yd }, vy1 = { yd1, yd1 }, vomq = { omq, omq }, rt[NVMAX];
		#pragma GCC unroll 6
		for (int v = 0; v < nv; v++) {
			ps[v] += p[v];
			rt[v] = (mj[v] + vy) / vy1 * vomq;
			p[v] *= rt[v];
		}
		long y1 = y + 1;
		if (--j < 0) {
			j = k - 1;
			n++;
		}
		if (done[j])
			continue;
		while (have < n + 1) {
			Gr[(have + 1) & 3] = Gr[have & 3] + gr[have & 3];
			gr[(have + 1) & 3] = gr[have & 3] * ((b0 + have) / (a + b0 + have));
			have++;
		}
		double Gn = Gr[n & 3];
		v2d vG = { Gn, Gn }, sp = { 0, 0 }, sr = { 0, 0 }, sm = { 0, 0 };
		/* lane j of p, res and the ratio by the mask too: an index
		 * that is not a constant would keep the sums in memory */
		#pragma GCC unroll 6
		for (int v = 0; v < nv; v++) {
			res[v] += ps[v] * (hot[j][v] * vG);
			ps[v] *= 1 - hot[j][v];
			sp += p[v] * hot[j][v];
			sr += res[v] * hot[j][v];
			sm += rt[v] * hot[j][v];
		}
		double pj = sp[0] + sp[1], rj = sr[0] + sr[1];
		if (pj == 0) {	/* underflowed: sk_cnbd_future_mean's path */
			slow[j] = done[j] = 1;
			left--;
			continue;
		}
		double ratio = sm[0] + sm[1], G = Gr[(n + 1) & 3];
		if (y1 - 1 > mode[j] && ratio < 1 && pj > 0 &&
		    pj / (1 - ratio) * (G + (double)y1 / k + 2) < 1e-15 * rj) {
			done[j] = 1;
			left--;
			ex[j] = rj;
		} else if (y1 >= 100000000L) {
			done[j] = 1;
			left--;
			ex[j] = NAN;
		}
	}
	for (int j = 0; j < k; j++)
		if (slow[j])
			ex[j] = sk_cnbd_future_mean(m0 + j, q, j, k, a, b0);
}

void sk_cnbd_future_means(double m0, double q, int k, double a, double b0, double *ex)
{
	switch ((k + 1) / 2) {
	case 1: future_means_nv(1, m0, q, k, a, b0, ex); break;
	case 2: future_means_nv(2, m0, q, k, a, b0, ex); break;
	case 3: future_means_nv(3, m0, q, k, a, b0, ex); break;
	case 4: future_means_nv(4, m0, q, k, a, b0, ex); break;
	case 5: future_means_nv(5, m0, q, k, a, b0, ex); break;
	default: future_means_nv(6, m0, q, k, a, b0, ex); break;
	}
}

/* P(X = n) for the same customer: min(N, D) = n, D the purchases before
 * dropping out, P(D >= i) = E[(1-p)^(i-1)] (i >= 1). */
double sk_cnbd_future_pmf(double m, double q, int j, int k, double a, double b0, int n)
{
	/* P(N = n): Y in [kn - j, kn - j + k - 1]; P(N > n): Y >= k(n+1) - j */
	long lo = (long)k * n - j, hi = lo + k - 1;
	double pn = 0;
	for (long y = lo < 0 ? 0 : lo; y <= hi; y++)
		pn += exp(gsl_sf_lngamma(m + y) - gsl_sf_lngamma(m) - gsl_sf_lnfact((unsigned)y) +
			  m * log(q) + y * log1p(-q));
	long up = hi + 1;
	double pgt = sk_cnbd_nbd_tail((double)up, m, q);
	/* P(D >= n) and P(D = n) = P(D >= n) - P(D >= n+1) */
	double dge = 1, dge1;
	for (int i = 1; i < n; i++)
		dge *= (b0 + i - 1) / (a + b0 + i - 1);
	dge1 = n == 0 ? 1 : dge * (b0 + (n - 1)) / (a + b0 + (n - 1));
	if (n == 0)
		dge = 1;
	return pn * dge + pgt * (dge - dge1);
}
