/* ratelim.c: ln L at the limit of a Gamma mixing pair (ratelim.h).
 *
 * A Gamma(r, alpha) with r, alpha -> inf and r/alpha = lambda fixed has
 * mean lambda and coefficient of variation 1/sqrt(r) -> 0: a point mass.
 * Every model here integrates the purchase rate out of a likelihood
 * given lambda that is a sum of terms lambda^n e^(-lambda t) (Poisson
 * counts; BG/CNBD-k's Erlang gaps), each becoming
 *   E[lambda^n e^(-lambda t)] = Gamma(r+n) alpha^r / (Gamma(r) (alpha+t)^(r+n))
 * in the model's own ln L; at the limit the term is lambda^n e^(-lambda t)
 * itself, and ln L_model - ln L_lim = O(1/alpha) (Gamma(r+n)/Gamma(r)
 * = r^n (1 + O(1/r)), (1 + t/alpha)^-(r+n) = e^(-lambda t) (1 + O(1/alpha))).
 * So each limit is the model's likelihood given lambda (the papers'
 * individual-level likelihood) with the other mixing distributions
 * integrated out as the model integrates them; the same for the
 * Pareto/NBD's dropout rate mu ~ Gamma(s, beta).  tests/unit/test_ridge.c
 * checks each against the model's loglik1 far out along its ridge.
 *
 * The terms for "dead at y in (t_x, T]" of the continuous-lifetime models
 * (Pareto/NBD, GGom/NBD) are integrals over y with no closed form short
 * of incomplete gamma functions of negative order; they run once per
 * pattern of a fit being diagnosed, so adaptive Gauss-Kronrod (sk_quad)
 * on the integrand scaled by its largest value is fast enough and exact
 * to 1e-11. */
#include "ratelim.h"
#include "modelint.h"
#include "ggomint.h"

#include <math.h>

/* ---- ln int_lo^hi e^(h(y)) dy ---- */

typedef double (*lnh_fn)(double y, const double *c);

struct lnint {
	lnh_fn h;
	const double *c;
	double off;
};

static void scaled(double y, double *f, void *vc)
{
	const struct lnint *q = vc;
	f[0] = exp(q->h(y, q->c) - q->off);
}

/* -HUGE_VAL when lo >= hi (no time to die in: t_x = T); NAN when the
 * quadrature meets a value that is not finite.  The scale is the largest
 * of nine values across the interval (the integrands here fall from t_x,
 * or, GGom/NBD's, have one hump), so nothing overflows. */
static double log_integral(lnh_fn h, const double *c, double lo, double hi)
{
	if (!(hi > lo))
		return -HUGE_VAL;
	double off = -HUGE_VAL;
	for (int i = 0; i <= 8; i++)
		off = fmax(off, h(lo + (hi - lo) * i / 8, c));
	if (!isfinite(off))
		return off == -HUGE_VAL ? -HUGE_VAL : NAN;
	struct lnint q = { h, c, off };
	double v;
	if (sk_quad(scaled, &q, 1, lo, hi, 1e-11, &v) < 0 || !(v > 0))
		return NAN;
	return off + log(v);
}

/* ---- the BG/NBD family: lambda fixed ----
 *
 * FHL 2005 eq. 3 (the likelihood given lambda and p) with p ~ Beta(a, b)
 * integrated out as eq. 6 integrates it:
 *   L = B(a, b+x+s)/B(a, b) lambda^x [e^(-lambda T)
 *       + [x > 0 or s] a/(b+x-1+s) e^(-lambda t_x)],
 * s = 0 (BG/NBD) or 1 (MBG/NBD, BDF 2007: a drop-out chance at time 0,
 * t_x = 0 when x = 0); eq. 6's Gamma(r+x) alpha^r/Gamma(r) (alpha+t)^-(r+x)
 * become lambda^x e^(-lambda t). */
double sk_bg_ll_rlimit(const double *par, double x, double t_x, double T, double shift)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	double lam = par[0] / par[1], a = par[2], b = par[3];
	double c = lgamma(b + x + shift) - lgamma(a + b + x + shift) - lgamma(b) + lgamma(a + b) +
		   (x > 0 ? x * log(lam) : 0);
	double u1 = -lam * T;
	if (!(x > 0) && !(shift > 0))
		return c + u1;
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	return c + sk_logaddexp(u1, log(a) - log(b + (x - 1 + shift)) - lam * t_x);
}

/* PR 2016 eq. 8 (cnbd.c) given lambda: the Erlang-k densities of the x
 * gaps give lambda^(kx) e^(-lambda t_x) / (k-1)!^x (times the litt term,
 * left out as loglik1 leaves it), the last gap still open at T
 * e^(-lambda (T-t_x)) sum_{j<k} (lambda (T-t_x))^j / j! (S2's limit):
 *   L = B(a, b+x+s)/B(a, b) lambda^(kx) / (k-1)!^x
 *       [[x > 0 or s] a/(b+x-1+s) e^(-lambda t_x)
 *        + e^(-lambda T) sum_{j<k} (lambda (T-t_x))^j / j!],
 * the sum in logs (lambda (T-t_x) may be large). */
double sk_cnbd_ll_rlimit(const double *par, double x, double t_x, double T, double shift)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || !(par[4] >= 1 && par[4] <= 12) ||
	    par[4] != floor(par[4]) || x < 0 || T < 0)
		return -HUGE_VAL;
	int k = (int)par[4];
	double lam = par[0] / par[1], a = par[2], b = par[3];
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	double c = lgamma(b + x + shift) - lgamma(a + b + x + shift) - lgamma(b) + lgamma(a + b) +
		   (x > 0 ? k * x * log(lam) - x * lgamma(k) : 0);
	double D = T - t_x, l2 = 0;
	if (D > 0) {
		double lD = log(lam * D);
		for (int j = 1; j < k; j++)
			l2 = sk_logaddexp(l2, j * lD - lgamma(j + 1));
	}
	l2 -= lam * T;
	if (!(x > 0) && !(shift > 0))
		return c + l2;
	return c + sk_logaddexp(log(a) - log(b + (x - 1 + shift)) - lam * t_x, l2);
}

/* ---- the Pareto/NBD ----
 *
 * Given lambda and mu (FH 2005, the individual-level likelihood): alive
 * at T, lambda^x e^(-lambda T) e^(-mu T), or dead at y in (t_x, T],
 * lambda^x e^(-lambda y) mu e^(-mu y) dy. */

/* lambda fixed, mu ~ Gamma(s, beta) integrated out (E e^(-mu T) =
 * (beta/(beta+T))^s, E mu e^(-mu y) = s/beta (beta/(beta+y))^(s+1)):
 *   L = lambda^x [e^(-lambda T) (beta/(beta+T))^s
 *       + int_{t_x}^T e^(-lambda y) s/beta (beta/(beta+y))^(s+1) dy];
 * c = (lambda, s, beta) for the integrand's logarithm. */
static double pnbd_dead_mu(double y, const double *c)
{
	return -c[0] * y + log(c[1] / c[2]) - (c[1] + 1) * log1p(y / c[2]);
}

double sk_pnbd_ll_rlimit(const double *par, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	double lam = par[0] / par[1], s = par[2], beta = par[3];
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	const double c[3] = { lam, s, beta };
	double alive = -lam * T - s * log1p(T / beta);
	double dead = log_integral(pnbd_dead_mu, c, t_x, T);
	if (isnan(dead))
		return NAN;	/* not -HUGE_VAL: sk_logaddexp's fmax would drop it */
	return (x > 0 ? x * log(lam) : 0) + sk_logaddexp(alive, dead);
}

/* mu fixed, lambda ~ Gamma(r, alpha) integrated out as FH 2005 does:
 *   L = Gamma(r+x) alpha^r / Gamma(r) [(alpha+T)^-(r+x) e^(-mu T)
 *       + int_{t_x}^T (alpha+y)^-(r+x) mu e^(-mu y) dy];
 * c = (mu, r + x, alpha). */
static double pnbd_dead_lam(double y, const double *c)
{
	return log(c[0]) - c[0] * y - c[1] * log(c[2] + y);
}

double sk_pnbd_ll_slimit(const double *par, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	double r = par[0], alpha = par[1], mu = par[2] / par[3], m = r + x;
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	const double c[3] = { mu, m, alpha };
	double alive = -m * log(alpha + T) - mu * T;
	double dead = log_integral(pnbd_dead_lam, c, t_x, T);
	if (isnan(dead))
		return NAN;
	return lgamma(m) - lgamma(r) + r * log(alpha) + sk_logaddexp(alive, dead);
}

/* Both fixed: L = lambda^x [e^(-(lambda+mu) T) + mu/(lambda+mu)
 * (e^(-(lambda+mu) t_x) - e^(-(lambda+mu) T))], the dead term from one
 * expm1 (no cancellation when t_x is near T). */
double sk_pnbd_ll_poisexp(const double *par, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 4, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	double lam = par[0] / par[1], mu = par[2] / par[3], k = lam + mu;
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	double dead = t_x < T ? log(mu / k) - k * t_x + log(-expm1(-k * (T - t_x))) : -HUGE_VAL;
	return (x > 0 ? x * log(lam) : 0) + sk_logaddexp(-k * T, dead);
}

/* ---- GGom/NBD: lambda fixed ----
 *
 * BG 2012's likelihood (ggomnbd.c) given lambda: with the Gamma-Gompertz
 * lifetime S(y) = (beta/(beta + e^(b y) - 1))^s and its density
 * g(y) = b s beta^s e^(b y) / (beta + e^(b y) - 1)^(s+1),
 *   L = lambda^x [e^(-lambda T) S(T) + int_{t_x}^T e^(-lambda y) g(y) dy];
 * c = (lambda, b, s, beta). */
static double ggom_dead(double y, const double *c)
{
	double by = c[1] * y;
	return -c[0] * y + log(c[1] * c[2]) + c[2] * log(c[3]) + by -
	       (c[2] + 1) * sk_ggom_lden(c[3], by);
}

double sk_ggom_ll_rlimit(const double *par, double x, double t_x, double T)
{
	if (!sk_par_ok(par, 5, DBL_MAX) || x < 0 || T < 0)
		return -HUGE_VAL;
	double lam = par[0] / par[1], b = par[2], s = par[3], beta = par[4];
	t_x = x > 0 ? fmin(fmax(t_x, 0), T) : 0;
	const double c[4] = { lam, b, s, beta };
	double alive = -lam * T + s * (log(beta) - sk_ggom_lden(beta, b * T));
	double dead = log_integral(ggom_dead, c, t_x, T);
	if (isnan(dead))
		return NAN;
	return (x > 0 ? x * log(lam) : 0) + sk_logaddexp(alive, dead);
}
