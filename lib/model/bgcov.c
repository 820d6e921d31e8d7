/* bgcov.c: one BG/NBD customer with her own alpha, a and b (the model
 * with covariates, covar.h): ln L, its gradient and its Hessian, for
 * covlik.c (covint.h).  The likelihood is bgnbd.c's (Fader, Hardie & Lee
 * 2005, "Counting your customers the easy way", eq. 6, "FHL 2005"):
 *   ln L = c + ln(exp(u1) + [x > 0] exp(u2)),
 *   c  = ln Gamma(r+x) - ln Gamma(r) + r ln alpha + ln B(a, b+x) - ln B(a, b),
 *   u1 = -(r+x) ln(alpha+T),
 *   u2 = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x).
 * The two terms are a log-sum-exp with shares pi1 + pi2 = 1, so
 *   d ln L = dc + pi1 du1 + pi2 du2,
 *   d2 ln L = d2c + pi1 d2u1 + pi2 d2u2 + pi1 pi2 (du1 - du2)(du1 - du2)',
 * every term elementary but the Beta ratio, whose derivatives are
 * differences of digamma and trigamma functions.  With a dropout
 * covariate a and b are the customer's own, so those differences are
 * per customer: for whole x up to DIFF_MAX they are the finite sums
 * sum_{j<x} ln(y+j), 1/(y+j), -1/(y+j)^2 (Gamma(y+x) = Gamma(y) prod
 * (y+j)), two logarithms instead of four ln Gamma calls. */
#include "covint.h"
#include "record/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#define DIFF_MAX 24

/* ln Gamma(y+x) - ln Gamma(y) and, by order, the same differences of
 * psi and psi' (d[0..2]).
 *
 * Where y is large (a customer's own b under a dropout covariate: b_i
 * up to e^22 with total_spend on the bench log) the differences of GSL's
 * ln Gamma and psi cancel: ln Gamma(1e9) ~ 2e10 carries 4e-6 of
 * rounding, so each such customer's ln L was noisy at 4e-6 while the
 * Newton and BFGS line searches accept steps at 1e-12 of -LL (2e7):
 * Newton on the full data gave up and BFGS stalled 230 units of ln L
 * short of the maximum (churn --covariates total_spend, 10^6
 * customers, 133 evaluations).  Where the product below would overflow
 * (y >= PROD_Y, or x > DIFF_MAX with y >= SUM_Y, where ln Gamma(y) >
 * 8e4 loses 1e-11) the differences are summed directly over the whole
 * count x (Gamma(y+x) = Gamma(y) prod (y+j)): x ln y + ln prod (1 + j/y),
 * sum 1/(y+j), -sum 1/(y+j)^2; for a fractional or huge x and y >=
 * PROD_Y, GSL's ln Pochhammer symbol, which does not cancel (Abramowitz &
 * Stegun 6.1.22), and the asymptotic series of psi. */
#define PROD_Y 1e6
#define SUM_Y 1e4
#define BIG_X_MAX 100000

static void gamma_diff(double y, double x, int order, double *d)
{
	if (x == 0) {
		d[0] = d[1] = d[2] = 0;
		return;
	}
	int whole = x == floor(x);
	if (whole && x <= DIFF_MAX && y > 1e-10 && y < PROD_Y) {
		/* prod (y+j) stays within (1e-240, 1e144): one logarithm */
		double p = 1, s1 = 0, s2 = 0;
		int n = (int)x;
		for (int j = 0; j < n; j++) {
			double v = y + j, iv = 1 / v;
			p *= v;
			s1 += iv;
			s2 += iv * iv;
		}
		d[0] = log(p);
		d[1] = s1;
		d[2] = -s2;	/* psi'(y+1) = psi'(y) - 1/y^2 */
		return;
	}
	if (whole && x <= BIG_X_MAX && y >= SUM_Y) {
		/* prod (1 + j/y), taken into lp whenever it passes 1e300
		 * (each factor is below 11), so it cannot overflow */
		double p = 1, s1 = 0, s2 = 0, lp = 0;
		int n = (int)x;
		for (int j = 0; j < n; j++) {
			double v = y + j, iv = 1 / v;
			p *= 1 + j / y;
			if (p > 1e300) {
				lp += log(p);
				p = 1;
			}
			s1 += iv;
			s2 += iv * iv;
		}
		d[0] = x * log(y) + lp + log(p);
		d[1] = s1;
		d[2] = -s2;
		return;
	}
	if (y >= PROD_Y) {
		d[0] = gsl_sf_lnpoch(y, x);
		/* psi(y+x) - psi(y) and psi'(y+x) - psi'(y) from the
		 * asymptotic series' leading terms (A&S 6.3.18, 6.4.12):
		 * ln(1 + x/y) - [1/(y+x) - 1/y] / 2 and -x/(y(y+x)); the next
		 * terms are O(x/y^3) */
		d[1] = order >= 1 ? log1p(x / y) + 0.5 * x / (y * (y + x)) : 0;
		d[2] = order >= 2 ? -x / (y * (y + x)) : 0;
		return;
	}
	d[0] = gsl_sf_lngamma(y + x) - gsl_sf_lngamma(y);
	d[1] = order >= 1 ? gsl_sf_psi(y + x) - gsl_sf_psi(y) : 0;
	d[2] = order >= 2 ? gsl_sf_psi_1(y + x) - gsl_sf_psi_1(y) : 0;
}

struct bws {
	double r, x;
	double lgr, dr, d2r;	/* ln Gamma(r+x) - ln Gamma(r) and its derivatives */
	int order;
	/* the Beta ratio of the last (a, b) at this x */
	double a, b;
	int border;
	double lb, da, db, haa, hbb;	/* ln B(a, b+x) - ln B(a, b); d/da, d/db; d2 */
};

static void *ws_new(void)
{
	return sk_xcalloc(1, sizeof(struct bws));
}

static void ws_free(void *w)
{
	free(w);
}

static int set_x(void *vw, const double *par0, double x, int order)
{
	struct bws *w = vw;
	double r = par0[0];
	if (w->r == r && w->x == x && w->order >= order && r > 0)
		return 0;
	w->r = r;
	w->x = x;
	w->order = order;
	w->a = w->b = -1;	/* the Beta ratio is of another x */
	double d[3];
	gamma_diff(r, x, order, d);
	w->lgr = d[0];
	w->dr = d[1];
	w->d2r = d[2];
	return isfinite(d[0]) && isfinite(d[1]) && isfinite(d[2]) ? 0 : -1;
}

/* ln B(a, b+x) - ln B(a, b) = [ln Gamma(b+x) - ln Gamma(b)]
 * - [ln Gamma(a+b+x) - ln Gamma(a+b)], and its derivatives: d/da =
 * -dpsi(a+b), d/db = dpsi(b) - dpsi(a+b), d2/da2 = d2/dadb = -dpsi'(a+b),
 * d2/db2 = dpsi'(b) - dpsi'(a+b) (dpsi = psi(.+x) - psi(.)). */
static void beta_ratio(struct bws *w, double a, double b, int order)
{
	if (w->a == a && w->b == b && w->border >= order)
		return;
	double db[3], dab[3];
	gamma_diff(b, w->x, order, db);
	gamma_diff(a + b, w->x, order, dab);
	w->a = a;
	w->b = b;
	w->border = order;
	w->lb = db[0] - dab[0];
	w->da = -dab[1];
	w->db = db[1] - dab[1];
	w->haa = -dab[2];
	w->hbb = db[2] - dab[2];
}

static int cust(void *vw, const double *ip, const double *lp, double t_x, double T, int order,
		struct sk_cl_out *o)
{
	struct bws *w = vw;
	double r = ip[0], alpha = ip[1], a = ip[2], b = ip[3], x = w->x, m = r + x;
	double tx = fmin(fmax(t_x, 0), T);
	beta_ratio(w, a, b, order);
	double lT = log(alpha + T), iT = 1 / (alpha + T);
	double u1 = -m * lT, lse = u1, p2 = 0, lt = 0, it = 0, ib1 = 0;
	if (x > 0) {
		lt = log(alpha + tx);
		it = 1 / (alpha + tx);
		ib1 = 1 / (b + (x - 1));
		double u2 = lp[2] - log(b + (x - 1)) - m * lt;
		/* log-sum-exp and the second share from one exponential */
		double d = u2 - u1, e = exp(-fabs(d));
		lse = (d > 0 ? u2 : u1) + log1p(e);
		p2 = d > 0 ? 1 / (1 + e) : e / (1 + e);
	}
	o->l = w->lgr + r * lp[1] + w->lb + lse;
	if (!isfinite(o->l))
		return -1;
	if (order == 0)
		return 0;
	double p1 = 1 - p2;
	double g1[4] = { -lT, -m * iT, 0, 0 };
	double g2[4] = { -lt, -m * it, 1 / a, -ib1 };
	double gc[4] = { w->dr + lp[1], r / alpha, w->da, w->db };
	for (int i = 0; i < 4; i++)
		o->g[i] = gc[i] + p1 * g1[i] + (x > 0 ? p2 * g2[i] : 0);
	if (order >= 2) {
		double (*h)[4] = o->h;
		memset(h, 0, sizeof o->h);
		/* the constant */
		h[0][0] = w->d2r;
		h[0][1] = 1 / alpha;
		h[1][1] = -r / (alpha * alpha);
		h[2][2] = h[2][3] = w->haa;
		h[3][3] = w->hbb;
		/* pi1 d2u1 + pi2 d2u2 */
		h[0][1] -= p1 * iT + p2 * it;
		h[1][1] += m * (p1 * iT * iT + p2 * it * it);
		if (x > 0) {
			h[2][2] -= p2 / (a * a);
			h[3][3] += p2 * ib1 * ib1;
			double q = p1 * p2;
			for (int i = 0; i < 4; i++)
				for (int j = i; j < 4; j++)
					h[i][j] += q * (g1[i] - g2[i]) * (g1[j] - g2[j]);
		}
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < i; j++)
				h[i][j] = h[j][i];
	}
	sk_cl_to_log(ip, o, order);
	return 0;
}

const struct sk_cl_kernel sk_bgnbd_clk = {
	.ws_new = ws_new, .ws_free = ws_free, .set_x = set_x, .cust = cust,
};
