/* pnbdridge.c: the Pareto/NBD fit past the point where its ridge watch
 * stopped BFGS (pnbd.c, "the ridge s, beta -> inf", sk_pnbd_fit_watched):
 * to the ridge's supremum, or to a maximum inside at a large s.  Apart
 * from pnbd.c for its length; notation as there (Schmittlein, Morrison &
 * Colombo 1987; Fader & Hardie 2005).
 *
 * The ridge's supremum.  With u = 1/s (the squared coefficient of
 * variation) the profile likelihood is smooth in u at u = 0, so
 * ln L(u) = ln L(0) + u ln L'(0) + O(u^2) and, since d/d ln s = -u d/du,
 * D = -u ln L'(u) = ln L(0) - ln L(u) + O(u^2): the gradient along the
 * ridge measures the distance to its supremum.  So s is moved out by the
 * factor K = D / RIDGE_TOL (beta with it), the other three parameters
 * (r, alpha, s/beta) are fitted again there with s held, and the end is
 * accepted when its own D is in [0, tol]: its ln L is then within ~tol
 * of the supremum.  Otherwise (D < 0 there: the likelihood
 * has an interior maximum at a large s; or the refit failed) the guess
 * was wrong.  Before moving out, the profile is looked at for such a
 * maximum (interior, below), which is then fitted from there; whatever
 * fails is fitted again unwatched from the usual starts, as before: a
 * wrong guess costs time, never the answer.  tol = 1e-3 + 1e-8 |ln L|
 * is nested.c's tolerance for "the full fit converged to the
 * restriction".  Not 1e-3
 * alone: on 1M customers (ln L = -2.6e7) s would have to reach ~3e7,
 * where the rounding of the s ln(beta/(beta+T)) terms makes D itself
 * uncertain by ~1e-2 (seen: D = 0.015 at s = 1e7).  The unwatched fit
 * ended further below the supremum than that (20,000 customers of
 * bench/ggomgen.c: 0.22 units; 1M: D ~ 4 at its end, s = 8.7e3). */
#define RIDGE_TOL 1e-3
#define RIDGE_RTOL 1e-8
/* s at most this far out: the likelihood's s ln(beta/(beta+T)) terms
 * lose ~s 1e-16 |ln beta| each to rounding */
#define RIDGE_SMAX 1e7
#define RIDGE_ROUNDS 6

#include "record/util.h"
#include "modelint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The likelihood in (ln r, ln alpha, ln(s/beta)) with ln s held. */
struct held {
	void *ctx;
	double ls, nobs;
	int iterations;		/* of all held fits */
};

static double held_nll(const double *t, double *grad, void *ctx)
{
	struct held *h = ctx;
	double th[4] = { t[0], t[1], h->ls, h->ls - t[2] }, g[4];
	double v = sk_pnbd_fitctx_nll(th, g, h->ctx);
	if (grad) {
		grad[0] = g[0];
		grad[1] = g[1];
		grad[2] = -g[3];
	}
	return v;
}

/* A point of the profile likelihood along the ridge: r, alpha and
 * s/beta fitted with ln s held.  theta = ln(r, alpha, s, beta), v its
 * -LL and D = d ln L / d ln s + d ln L / d ln beta there, which (the
 * other three being at their maximum) is the profile's derivative in
 * ln s. */
struct prof {
	double th[4], v, D;
};

/* The profile point at ln s = ls, its fit started from th0's r, alpha
 * and s/beta; f gets the held fit (its standard errors and iterations).
 * 0, or -1 when the held fit fails or ends where -LL is not finite. */
static int held_point(struct held *h, double ls, const double *th0, struct prof *p,
		      struct sk_fit *f)
{
	char e[400];
	double st[3] = { exp(th0[0]), exp(th0[1]), exp(th0[2] - th0[3]) }, g[4];
	h->ls = ls;
	if (sk_fit_run_nose(3, held_nll, h, st, h->nobs, f, e, sizeof e) != 0)
		return -1;
	p->th[0] = log(f->par[0]);
	p->th[1] = log(f->par[1]);
	p->th[2] = ls;
	p->th[3] = ls - log(f->par[2]);
	p->v = sk_pnbd_fitctx_nll(p->th, g, h->ctx);
	p->D = -(g[2] + g[3]);
	h->iterations += f->iterations;
	return isfinite(p->v) ? 0 : -1;
}

/* From the frozen point at to the ridge's supremum (above); 0 with the
 * fit in out, -1 when the guess was wrong: then *far, when *have_far, is
 * the last profile point it reached (further out along the ridge than
 * at, where the profile falls or lies below at). */
static int ridge_end(struct held *h, const struct sk_pnbd_ridge *at, double tol,
		     struct sk_fit *out, struct prof *far, int *have_far)
{
	double v = at->v, D = -(at->g[2] + at->g[3]);
	struct prof p = { .v = at->v };
	memcpy(p.th, at->th, sizeof p.th);
	struct sk_fit f;
	int rc = -1, iter = 0;
	*have_far = 0;
	/* The point BFGS froze at need not be a maximum in r, alpha and
	 * s/beta (on 2,000 ageing customers it froze 268 units below), and
	 * then its D is no measure of the gap: out and refit until the held
	 * fit's own D is within the tolerance (two or three rounds). */
	for (int round = 0; round < RIDGE_ROUNDS && rc != 0; round++) {
		double ls = fmin(p.th[2] + log(fmax(D / tol, 1)), log(RIDGE_SMAX));
		if (held_point(h, ls, p.th, &p, &f) != 0)
			break;
		iter += f.iterations;
		*far = p;
		*have_far = 1;
		if (!(p.v <= v))
			break;	/* lower out there: a maximum at a finite s */
		v = p.v;
		D = p.D;
		if (!(D >= 0))
			break;	/* falling along the ridge: the same */
		if (D <= tol)
			rc = 0;
		else if (h->ls >= log(RIDGE_SMAX))
			break;
	}
	if (rc == 0) {
		/* r and alpha keep the held fit's standard errors */
		sk_fit_stderr(3, held_nll, h, &f);
		memset(out, 0, sizeof *out);
		out->npar = 4;
		for (int i = 0; i < 4; i++) {
			out->par[i] = exp(p.th[i]);
			out->se[i] = i < 2 ? f.se[i] : 0;	/* s, beta: a limit */
		}
		out->loglik = -v;
		out->nobs = f.nobs;
		out->iterations = iter;
		out->converged = f.converged;
	}
	return rc;
}

/* A maximum inside, at a large s (issue 20: 50,000 customers with
 * exponential lifetimes, the maximum at s = 264 where the watch froze at
 * s = 32).  With u = 1/s the profile is smooth in u (above) and near its
 * maximum a parabola, whose derivative L'(u) = -D/u is a line in u: the
 * secant method on L'(u) from the frozen s and a step out (RIDGE_PROBE)
 * finds the maximum's s in two or three held fits; once a point has D
 * < 0 the maximum is bracketed and regula falsi (the Illinois variant,
 * which keeps a stale end from stalling the bracket; Dowell & Jarratt
 * 1971, BIT 11, 168-174) goes on within it.  When the line through the
 * last two points has no root at a u > 0 the profile rises to u = 0: the
 * ridge, and 1 is returned for ridge_end to go out as before.  (Going out
 * first and searching only when that failed cost 2.8 s for the one held
 * fit at s = 2e4, where every tail is a slow series; from scratch, BFGS
 * on all four parameters crawled 293 iterations, 8.5 s, along the flat
 * ridge to s = 264.  On a true ridge the look costs the held fit at the
 * frozen s and one probe: 50,000 such customers of another seed, the
 * supremum at s = 6e4, 4.0 -> 4.6 s CPU.)  Else 0 with *best the
 * highest profile point, or -1 when a held fit fails.  *far: a point
 * ridge_end reached, D < 0 (have_far), which brackets the maximum with
 * the frozen s. */
#define RIDGE_PROBE 4
#define INTERIOR_ROUNDS 10
static int interior(struct held *h, const struct prof *lo0, double tol, const struct prof *far,
		    int have_far, struct prof *best)
{
	struct prof lo = *lo0, hi = lo, prev = lo, p = lo;
	struct sk_fit f;
	int have_hi = have_far && far->D < 0, have_prev = 0, side = 0;
	*best = lo;
	if (have_hi) {
		hi = *far;
		if (hi.v < best->v)
			*best = hi;
	}
	if (!(lo.D > tol))
		return 0;	/* at the maximum, or past it (s below the frozen s) */
	/* f = L'(u) = -D s at each end */
	double flo = -lo.D * exp(lo.th[2]), fhi = have_hi ? -hi.D * exp(hi.th[2]) : 0, fprev = 0;
	for (int k = 0; k < INTERIOR_ROUNDS; k++) {
		double ulo = exp(-lo.th[2]), u, ulast = exp(-p.th[2]);
		if (have_hi) {
			double uhi = exp(-hi.th[2]);
			u = uhi - fhi * (ulo - uhi) / (flo - fhi);
			if (!(u > uhi && u < ulo))
				u = 0.5 * (ulo + uhi);
		} else if (have_prev) {
			double uprev = exp(-prev.th[2]);
			u = ulo - flo * (ulo - uprev) / (flo - fprev);
			if (!(u > 0 && u < ulo))
				return 1;	/* the line rises to u = 0: the ridge */
			u = fmax(u, ulo / (RIDGE_PROBE * RIDGE_PROBE));
			if (u < 1 / RIDGE_SMAX)
				return 1;	/* as far out as ridge_end goes */
		} else {
			u = ulo / RIDGE_PROBE;
		}
		/* Near the maximum the profile's parabola puts the last point
		 * |L'(u)| |u - u*| / 2 below it: within tol, the fit below
		 * polishes the rest */
		if (k > 0 && have_hi && 0.5 * fabs(p.D / ulast * (u - ulast)) <= tol)
			return 0;
		if (held_point(h, -log(u), lo.th, &p, &f) != 0)
			return -1;
		if (p.v < best->v)
			*best = p;
		if (fabs(p.D) <= tol)
			return 0;
		double fp = -p.D / u;
		if (p.D > 0) {
			prev = lo;
			fprev = flo;
			have_prev = 1;
			lo = p;
			flo = fp;
			if (side == -1)
				fhi *= 0.5;
			side = -1;
		} else {
			hi = p;
			fhi = fp;
			if (side == 1 && have_hi)
				flo *= 0.5;
			have_hi = 1;
			side = 1;
		}
	}
	return have_hi ? 0 : 1;
}

/* The final fit's -LL: the Pareto/NBD's, or with stop that of the start
 * with a zero gradient, which ends BFGS where it began (as the watch
 * does in pnbd.c).  sk_tmodel_fit_coarse's BFGS then costs nothing and
 * its Newton polish on the data starts at the profile's best point
 * (BFGS there, two iterations, was 29 of the 45 evaluations of the
 * final fit, 0.9 s at s = 264); should Newton not converge, BFGS on the
 * data takes over from that point. */
struct fin {
	void *ctx;
	int stop;
	double v;
};

static double fin_nll(const double *theta, double *grad, void *ctx)
{
	const struct fin *f = ctx;
	if (!f->stop)
		return sk_pnbd_fitctx_nll(theta, grad, f->ctx);
	if (grad)
		memset(grad, 0, 4 * sizeof *grad);
	return f->v;
}

int sk_pnbd_fit_from(const struct sk_rfm *pat, size_t n, const struct sk_pnbd_ridge *at,
		     struct sk_fit *out, double *ridge_tol, char *err, size_t errlen)
{
	size_t m;
	struct sk_rfm *owned;
	struct held h = { 0 };
	const struct sk_rfm *c = sk_rfm_compressed(pat, n, &m, &h.nobs, &owned, err, errlen);
	if (!c)
		return -1;
	h.ctx = sk_pnbd_fitctx_new(c, m, 1);
	double tol = RIDGE_TOL + RIDGE_RTOL * fabs(at->v);
	struct prof lo = { { 0 }, 0, 0 }, far = lo, best = lo;
	struct sk_fit f;
	int have_far = 0, rc = -1;
	*ridge_tol = 0;
	/* The profile at the frozen s first: BFGS's point need not be a
	 * maximum in r, alpha and s/beta (ridge_end) */
	int have_lo = held_point(&h, at->th[2], at->th, &lo, &f) == 0;
	int where = have_lo ? interior(&h, &lo, tol, NULL, 0, &best) : 1;
	if (where == 1 && ridge_end(&h, at, tol, out, &far, &have_far) == 0) {
		*ridge_tol = tol;
		rc = 0;
	} else {
		if (where == 1 && have_far && have_lo)
			where = interior(&h, &lo, tol, &far, have_far, &best);
		if (where == 0) {
			double st[4];
			char e[400];
			for (int i = 0; i < 4; i++)
				st[i] = exp(best.th[i]);
			struct fin full = { h.ctx, 0, 0 }, stop = { h.ctx, 1, best.v };
			rc = sk_tmodel_fit_coarse(4, fin_nll, &full, &stop, 1, st, h.nobs, out, e,
						  sizeof e);
			out->iterations += h.iterations;	/* the held fits' too */
		}
	}
	sk_pnbd_fitctx_free(h.ctx);
	free(owned);
	if (rc != 0)	/* a wrong guess costs time, never the answer */
		rc = sk_tmodel_fit_std(&sk_pnbd_spec, pat, n, out, err, errlen);
	return rc;
}
