/* quad.c: the model numerics the model files share: adaptive
 * Gauss-Kronrod quadrature (sk_quad) and the regularised incomplete beta
 * function (sk_beta_inc), both own code so that prediction never reaches
 * GSL's aborting error handler.  Moved as is out of model.c. */
#include "quad.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_sf_gamma.h>

/* ---- adaptive Gauss-Kronrod quadrature ----
 *
 * Global adaptive bisection with the 7-point Gauss / 15-point Kronrod pair
 * (Piessens et al. 1983, QUADPACK's QAG strategy).  Own implementation so
 * that prediction code never reaches GSL's error handler (which aborts by
 * default) and so one pass can integrate several related integrands (a
 * value and its parameter derivatives) on the same nodes.  The error of
 * component i is measured against the integral of |f_i|, so components
 * that integrate to about zero do not force endless refinement. */


#define QUAD_MAXF 6
#define QUAD_MAXINT 512

static const double xgk[8] = {	/* Kronrod abscissae, x >= 0 */
	0.991455371120812639206854697526329,
	0.949107912342758524526189684047851,
	0.864864423359769072789712788640926,
	0.741531185599394439863864773280788,
	0.586087235467691130294144845693013,
	0.405845151377397166906606412076961,
	0.207784955007898467600689403773245,
	0.000000000000000000000000000000000,
};
static const double wgk[8] = {	/* Kronrod weights */
	0.022935322010529224963732008058970,
	0.063092092629978553290700663189204,
	0.104790010322250183839876322541518,
	0.140653259715525918745189590510238,
	0.169004726639267902826583426598550,
	0.190350578064785409913256402421014,
	0.204432940075298892414161999234649,
	0.209482141084727828012999174891714,
};
static const double wg[4] = {	/* Gauss weights at xgk[1], xgk[3], xgk[5], xgk[7] */
	0.129484966168869693270611432679082,
	0.279705391489276667901467771423780,
	0.381830050505118944950369775488975,
	0.417959183673469387755102040816327,
};

/* The same rule for callers with their own nodes (ggomtab.c). */
const double *const sk_gk15_x = xgk, *const sk_gk15_wk = wgk, *const sk_gk15_wg = wg;

struct qint {
	double lo, hi, err;
	double val[QUAD_MAXF], abs[QUAD_MAXF], e[QUAD_MAXF];
};

/* One 15-point Kronrod rule on q with its error estimate per component.
 * The raw |K15 - G7| overstates the error of a smooth integrand by orders
 * of magnitude (K15 is far more accurate than G7), so it is scaled as
 * QUADPACK's QK15 does: resasc * min(1, (200 |K - G| / resasc)^1.5),
 * with resasc the integral of |f - mean|, and kept above the rounding
 * floor 50 eps |f|.  With the raw estimate, the derivative components of
 * the Pareto/NBD tail never reached 1e-12 and every call used all 512
 * intervals. */
static void gk15(sk_quad_fn f, void *ctx, int nf, struct qint *q)
{
	double c = 0.5 * (q->lo + q->hi), h = 0.5 * (q->hi - q->lo);
	double fc[QUAD_MAXF], fl[7][QUAD_MAXF], fr[7][QUAD_MAXF];
	double rk[QUAD_MAXF], rg[QUAD_MAXF], ra[QUAD_MAXF];
	f(c, fc, ctx);
	for (int i = 0; i < nf; i++) {
		rk[i] = wgk[7] * fc[i];
		rg[i] = wg[3] * fc[i];
		ra[i] = wgk[7] * fabs(fc[i]);
	}
	for (int j = 0; j < 7; j++) {
		f(c - h * xgk[j], fl[j], ctx);
		f(c + h * xgk[j], fr[j], ctx);
		for (int i = 0; i < nf; i++) {
			rk[i] += wgk[j] * (fl[j][i] + fr[j][i]);
			ra[i] += wgk[j] * (fabs(fl[j][i]) + fabs(fr[j][i]));
			if (j & 1)
				rg[i] += wg[j / 2] * (fl[j][i] + fr[j][i]);
		}
	}
	for (int i = 0; i < nf; i++) {
		double mean = 0.5 * rk[i];	/* the weights sum to 2 */
		double asc = wgk[7] * fabs(fc[i] - mean);
		for (int j = 0; j < 7; j++)
			asc += wgk[j] * (fabs(fl[j][i] - mean) + fabs(fr[j][i] - mean));
		double err = fabs((rk[i] - rg[i]) * h);
		asc *= fabs(h);
		if (asc > 0 && err > 0)
			err = asc * fmin(1, pow(200 * err / asc, 1.5));
		q->val[i] = rk[i] * h;
		q->abs[i] = ra[i] * fabs(h);
		q->e[i] = fmax(err, 50 * DBL_EPSILON * q->abs[i]);
	}
}

/* The intervals as a binary max-heap on err: the worst is split next. */
static void heap_up(struct qint *q, int *hp, int k)
{
	while (k > 0 && q[hp[(k - 1) / 2]].err < q[hp[k]].err) {
		int t = hp[k];
		hp[k] = hp[(k - 1) / 2];
		hp[(k - 1) / 2] = t;
		k = (k - 1) / 2;
	}
}

static void heap_down(struct qint *q, int *hp, int n, int k)
{
	for (;;) {
		int l = 2 * k + 1, r = l + 1, m = k;
		if (l < n && q[hp[l]].err > q[hp[m]].err)
			m = l;
		if (r < n && q[hp[r]].err > q[hp[m]].err)
			m = r;
		if (m == k)
			return;
		int t = hp[k];
		hp[k] = hp[m];
		hp[m] = t;
		k = m;
	}
}

/* Integrate the nf-vector f over [lo, hi] so that every component's
 * error estimate is within epsrel of the integral of its |f|; res[i]
 * gets the integrals.  Returns 0 when the accuracy was reached, 1 when
 * the interval budget ran out (res still holds the best estimate), -1
 * when a value was not finite.  Sums are kept up to date as intervals
 * split, so a call costs its integrand evaluations and little else. */
int sk_quad(sk_quad_fn f, void *ctx, int nf, double lo, double hi, double epsrel,
	    double *res)
{
	struct qint q[QUAD_MAXINT];
	int hp[QUAD_MAXINT];
	if (nf < 1 || nf > QUAD_MAXF)
		return -1;
	double tot[QUAD_MAXF], tabs[QUAD_MAXF], terr[QUAD_MAXF];
	q[0].lo = lo;
	q[0].hi = hi;
	gk15(f, ctx, nf, &q[0]);
	for (int i = 0; i < nf; i++) {
		tot[i] = q[0].val[i];
		tabs[i] = q[0].abs[i];
		terr[i] = q[0].e[i];
	}
	q[0].err = 1;
	hp[0] = 0;
	int n = 1;
	for (;;) {
		int done = 1;
		for (int i = 0; i < nf; i++) {
			res[i] = tot[i];
			if (!isfinite(tot[i]) || !isfinite(tabs[i]) || !isfinite(terr[i]))
				return -1;
			if (terr[i] > epsrel * tabs[i])
				done = 0;
		}
		if (done)
			return 0;
		int w = hp[0];
		if (n + 1 > QUAD_MAXINT ||
		    q[w].hi - q[w].lo <= 1e-14 * fmax(fabs(q[w].lo), fabs(q[w].hi)))
			return 1;
		double mid = 0.5 * (q[w].lo + q[w].hi);
		for (int i = 0; i < nf; i++) {
			tot[i] -= q[w].val[i];
			tabs[i] -= q[w].abs[i];
			terr[i] -= q[w].e[i];
		}
		q[n].lo = mid;
		q[n].hi = q[w].hi;
		q[w].hi = mid;
		gk15(f, ctx, nf, &q[w]);
		gk15(f, ctx, nf, &q[n]);
		for (int k = 0; k < 2; k++) {
			struct qint *p = &q[k ? n : w];
			p->err = 0;
			for (int i = 0; i < nf; i++) {
				tot[i] += p->val[i];
				tabs[i] += p->abs[i];
				terr[i] += p->e[i];
			}
		}
		/* Each interval's worst component, relative to the |f| integrals
		 * of now (older intervals keep the scale of their day: only the
		 * order of splitting depends on it). */
		for (int k = 0; k < 2; k++) {
			struct qint *p = &q[k ? n : w];
			for (int i = 0; i < nf; i++)
				p->err = fmax(p->err, p->e[i] / (tabs[i] > 0 ? tabs[i] : 1));
		}
		heap_down(q, hp, n, 0);
		hp[n] = n;
		n++;
		heap_up(q, hp, n - 1);
	}
}

/* ---- regularised incomplete beta ----
 *
 * I_x(a, b) by its continued fraction (DLMF 8.17.22) evaluated with the
 * modified Lentz method, on the side x < (a+1)/(a+b+2) where it converges
 * fast (else 1 - I_{1-x}(b, a)).  Own code rather than gsl_sf_beta_inc:
 * that one reports underflow through GSL's error handler, which aborts by
 * default, and prediction code runs inside OpenMP loops where the global
 * handler cannot be switched off safely.  y = 1 - x is passed separately
 * so that x near 1 keeps its precision.  Result clamped to [0, 1]. */
static double beta_cf(double a, double b, double x, double y)
{
	const double tiny = 1e-300;
	double lpre = a * log(x) + b * log(y) - gsl_sf_lnbeta(a, b) - log(a);
	if (lpre < -745)
		return 0;	/* below the smallest double */
	double c = 1, d = 1 - (a + b) * x / (a + 1);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	double h = d;
	for (int m = 1; m < 100000; m++) {
		double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + num * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + num * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return exp(lpre) * h;
}

double sk_beta_inc(double a, double b, double x, double y)
{
	if (!(x > 0))
		return 0;
	if (!(y > 0))
		return 1;
	double v = x < (a + 1) / (a + b + 2) ? beta_cf(a, b, x, y) : 1 - beta_cf(b, a, y, x);
	if (!isfinite(v))
		return 0;
	return fmin(fmax(v, 0), 1);
}
