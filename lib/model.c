/* model.c: the table of transaction models, pattern compression, and the
 * small numerical helpers the model files share.
 *
 * The helpers below the public functions (sk_rfm_compressed_new, sk_quad)
 * are used by bgnbd.c, pnbd.c and mbgnbd.c.  model.h is not theirs to
 * change, so each of those files repeats the two prototypes; they belong
 * in model.h (or a private lib header) once its owner agrees. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct sk_tmodel *sk_tmodel_find(const char *name)
{
	static const struct sk_tmodel *const all[] = {
		&sk_bgnbd, &sk_pnbd, &sk_mbgnbd, &sk_bgbb,
	};
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

static int cmp_rfm(const void *pa, const void *pb)
{
	const struct sk_rfm *a = pa, *b = pb;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	return 0;
}

size_t sk_rfm_compress(struct sk_rfm *pat, size_t n)
{
	if (n == 0)
		return 0;
	/* qsort is not stable, but equal keys are merged and their weights
	 * summed, so the result does not depend on the input order except
	 * for the (tiny) rounding of the weight sums. */
	qsort(pat, n, sizeof *pat, cmp_rfm);
	size_t k = 0;
	for (size_t i = 1; i < n; i++) {
		if (cmp_rfm(&pat[k], &pat[i]) == 0)
			pat[k].w += pat[i].w;
		else
			pat[++k] = pat[i];
	}
	return k + 1;
}

/* Check the patterns a continuous-time model is fitted on, then copy,
 * sort and merge them so the likelihood loops can reuse work across runs
 * of equal x.  Rows with zero weight are dropped.  Returns a malloc'd
 * array the caller frees, or NULL with a reason in err. */
struct sk_rfm *sk_rfm_compressed_new(const struct sk_rfm *pat, size_t n, size_t *nout,
				     double *nobs, char *err, size_t errlen)
{
	double sumw = 0, sumx = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sk_rfm *p = &pat[i];
		if (!isfinite(p->x) || !isfinite(p->t_x) || !isfinite(p->T) || !isfinite(p->w)) {
			snprintf(err, errlen, "customer pattern %zu has a non-finite value; "
				 "check frequency, recency, T and weight", i + 1);
			return NULL;
		}
		if (p->x < 0 || p->x != floor(p->x)) {
			snprintf(err, errlen, "frequency \"%g\" is not a whole number >= 0; "
				 "it counts repeat transactions", p->x);
			return NULL;
		}
		if (p->t_x < 0 || p->T < p->t_x) {
			snprintf(err, errlen, "recency \"%g\" is not within [0, T = %g]; "
				 "check --as-of and the date columns", p->t_x, p->T);
			return NULL;
		}
		if (p->w < 0) {
			snprintf(err, errlen, "weight \"%g\" is negative", p->w);
			return NULL;
		}
		sumw += p->w;
		sumx += p->w * p->x;
	}
	if (!(sumw > 0)) {
		snprintf(err, errlen, "no customers to fit (total weight is 0)");
		return NULL;
	}
	if (!(sumx > 0)) {
		snprintf(err, errlen, "no customer made a repeat transaction; "
			 "the model cannot be fitted: use a longer calibration period");
		return NULL;
	}
	struct sk_rfm *c = malloc((n ? n : 1) * sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory copying %zu customer patterns", n);
		return NULL;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (pat[i].w > 0)
			c[m++] = pat[i];
	*nout = sk_rfm_compress(c, m);
	*nobs = sumw;
	return c;
}

/* ---- adaptive Gauss-Kronrod quadrature ----
 *
 * Global adaptive bisection with the 7-point Gauss / 15-point Kronrod pair
 * (Piessens et al. 1983, QUADPACK's QAG strategy).  Own implementation so
 * that prediction code never reaches GSL's error handler (which aborts by
 * default) and so one pass can integrate several related integrands (a
 * value and its parameter derivatives) on the same nodes.  The error of
 * component i is measured against the integral of |f_i|, so components
 * that integrate to about zero do not force endless refinement. */

typedef void (*sk_quad_fn)(double x, double *f, void *ctx);

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

struct qint {
	double lo, hi, err;
	double val[QUAD_MAXF], abs[QUAD_MAXF], e[QUAD_MAXF];
};

static void gk15(sk_quad_fn f, void *ctx, int nf, struct qint *q)
{
	double c = 0.5 * (q->lo + q->hi), h = 0.5 * (q->hi - q->lo);
	double fk[QUAD_MAXF], fl[QUAD_MAXF], fr[QUAD_MAXF];
	double rk[QUAD_MAXF], rg[QUAD_MAXF], ra[QUAD_MAXF];
	f(c, fk, ctx);
	for (int i = 0; i < nf; i++) {
		rk[i] = wgk[7] * fk[i];
		rg[i] = wg[3] * fk[i];
		ra[i] = wgk[7] * fabs(fk[i]);
	}
	for (int j = 0; j < 7; j++) {
		f(c - h * xgk[j], fl, ctx);
		f(c + h * xgk[j], fr, ctx);
		for (int i = 0; i < nf; i++) {
			rk[i] += wgk[j] * (fl[i] + fr[i]);
			ra[i] += wgk[j] * (fabs(fl[i]) + fabs(fr[i]));
			if (j & 1)
				rg[i] += wg[j / 2] * (fl[i] + fr[i]);
		}
	}
	for (int i = 0; i < nf; i++) {
		q->val[i] = rk[i] * h;
		q->abs[i] = ra[i] * fabs(h);
		q->e[i] = fabs((rk[i] - rg[i]) * h);
	}
}

/* Integrate the nf-vector f over [lo, hi] to relative accuracy epsrel;
 * res[i] gets the integrals.  Returns 0 when the accuracy was reached,
 * 1 when the interval budget ran out (res still holds the best estimate),
 * -1 when a value was not finite. */
int sk_quad(sk_quad_fn f, void *ctx, int nf, double lo, double hi, double epsrel,
	    double *res);

int sk_quad(sk_quad_fn f, void *ctx, int nf, double lo, double hi, double epsrel,
	    double *res)
{
	struct qint *q = malloc(QUAD_MAXINT * sizeof *q);
	if (!q || nf < 1 || nf > QUAD_MAXF) {
		free(q);
		return -1;
	}
	int n = 1, status = 1;
	q[0].lo = lo;
	q[0].hi = hi;
	gk15(f, ctx, nf, &q[0]);
	for (;;) {
		double tot[QUAD_MAXF] = { 0 }, tabs[QUAD_MAXF] = { 0 };
		for (int k = 0; k < n; k++)
			for (int i = 0; i < nf; i++) {
				tot[i] += q[k].val[i];
				tabs[i] += q[k].abs[i];
			}
		/* Each interval's error relative to the integral of |f_i|. */
		int worst = 0, done = 1, finite = 1;
		for (int k = 0; k < n; k++) {
			double e = 0;
			for (int i = 0; i < nf; i++) {
				if (!isfinite(q[k].val[i]))
					finite = 0;
				double s = tabs[i] > 0 ? tabs[i] : 1;
				e = fmax(e, q[k].e[i] / s);
			}
			q[k].err = e;
			if (e > q[worst].err)
				worst = k;
		}
		double etot = 0;
		for (int k = 0; k < n; k++)
			etot += q[k].err;
		for (int i = 0; i < nf; i++)
			res[i] = tot[i];
		if (!finite) {
			status = -1;
			break;
		}
		if (etot > epsrel)
			done = 0;
		if (done) {
			status = 0;
			break;
		}
		if (n + 1 > QUAD_MAXINT || q[worst].hi - q[worst].lo <=
		    1e-14 * fmax(fabs(q[worst].lo), fabs(q[worst].hi))) {
			status = 1;
			break;
		}
		double mid = 0.5 * (q[worst].lo + q[worst].hi);
		q[n].lo = mid;
		q[n].hi = q[worst].hi;
		q[worst].hi = mid;
		gk15(f, ctx, nf, &q[worst]);
		gk15(f, ctx, nf, &q[n]);
		n++;
	}
	free(q);
	return status;
}
