/* test_tmodel.c: unit tests for the transaction models (lib/model/model.c,
 * bgnbd.c, pnbd.c, mbgnbd.c).  Run from the repository root; prints one
 * "ok - ..." / "not ok - ..." line per check and exits 1 if any failed.
 *
 * Reference numbers are from ../shared/REFERENCE.md:
 *   BG/NBD on CDNOW: Fader, Hardie & Lee 2005, "Counting your customers
 *     the easy way", Marketing Science 24(2), table/text of section 4;
 *   Pareto/NBD on CDNOW: the same paper's Pareto/NBD benchmark (and
 *     Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4)), with the
 *     standard errors listed in REFERENCE.md;
 *   MBG/NBD on CDNOW: Batislam, Denizel & Filiztekin 2007 model as
 *     listed in REFERENCE.md (3-4 significant digits). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_gamma.h>

#include "cdnow.h"
#include "tap.h"
#include "model/model.h"
#include "model/score.h"

/* The models' negative log-likelihoods are exported (privately, in
 * modelint.h) so the analytic gradients can be checked. */
#include "model/modelint.h"
#include "model/score.h"

#include "tap.h"

static double rel(double got, double want)
{
	return fabs(got - want) / fmax(fabs(want), 1e-300);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Round v to the number of decimals a published value was given with. */
static double round_to(double v, int decimals)
{
	double f = pow(10, decimals);
	return round(v * f) / f;
}


/* ---- independent brute-force integrals (trapezoid on log scales) ---- */

/* log of the Gamma(shape, rate) density at lambda = e^u, times e^u (the
 * Jacobian of the log substitution). */
static double lgam_logu(double u, double shape, double rate)
{
	return shape * log(rate) - lgamma(shape) + shape * u - rate * exp(u);
}

/* BG/NBD: E[Y(t) | x, t_x, T] and P(alive) by integrating over lambda and
 * p directly from the model assumptions, independent of eq. 10. */
static void bgnbd_brute(const double *par, double t, double x, double tx, double T,
			double *ey, double *pal)
{
	double r = par[0], alpha = par[1], a = par[2], b = par[3];
	/* lambda from e^-400: with r < 1 the prior has real mass at tiny rates */
	int nu = 4000, nv = 1200;
	double u0 = -400, u1 = 6, v0 = -40, v1 = 40;
	double du = (u1 - u0) / nu, dv = (v1 - v0) / nv;
	double num = 0, den = 0, alive = 0;
	for (int i = 0; i <= nu; i++) {
		double u = u0 + i * du, lam = exp(u);
		double lg = lgam_logu(u, r, alpha);
		for (int j = 0; j <= nv; j++) {
			double v = v0 + j * dv;
			/* p = logistic(v): Beta density in v is p^a (1-p)^b / B(a, b) */
			double lp = -log1p(exp(-v)), lq = -log1p(exp(v)), p = exp(lp);
			double lbeta = a * lp + b * lq - gsl_sf_lnbeta(a, b);
			double wgt = exp(lg + lbeta) * (i == 0 || i == nu ? 0.5 : 1) *
				     (j == 0 || j == nv ? 0.5 : 1);
			double la = x * lq + x * u - lam * T;	/* alive at T */
			double lalive = exp(la);
			double ldead = x > 0 ? exp(lp + (x - 1) * lq + x * u - lam * tx) : 0;
			double yexp = -expm1(-lam * p * t) / p;
			num += wgt * lalive * yexp;
			alive += wgt * lalive;
			den += wgt * (lalive + ldead);
		}
	}
	*ey = num / den;
	*pal = alive / den;
}

/* Pareto/NBD: the same for lambda and mu. */
static void pnbd_brute(const double *par, double t, double x, double tx, double T,
		       double *ey, double *pal, double *dert_delta, double delta)
{
	double r = par[0], alpha = par[1], s = par[2], beta = par[3];
	int nu = 4000, nv = 1500;
	double u0 = -400, u1 = 6, v0 = -100, v1 = 6;
	double du = (u1 - u0) / nu, dv = (v1 - v0) / nv;
	double num = 0, den = 0, alive = 0, dnum = 0;
	for (int i = 0; i <= nu; i++) {
		double u = u0 + i * du, lam = exp(u);
		double lg = lgam_logu(u, r, alpha);
		for (int j = 0; j <= nv; j++) {
			double v = v0 + j * dv, mu = exp(v);
			double wgt = exp(lg + lgam_logu(v, s, beta)) *
				     (i == 0 || i == nu ? 0.5 : 1) * (j == 0 || j == nv ? 0.5 : 1);
			double lalive = exp(x * u - (lam + mu) * T);
			/* died in (t_x, T]: lambda^x mu/(lambda+mu) (e^-(l+m)tx - e^-(l+m)T) */
			double ldead = exp(x * u + log(mu / (lam + mu)) - (lam + mu) * tx) *
				       -expm1(-(lam + mu) * (T - tx));
			num += wgt * lalive * lam / mu * -expm1(-mu * t);
			dnum += wgt * lalive * lam / (mu + delta);
			alive += wgt * lalive;
			den += wgt * (lalive + ldead);
		}
	}
	*ey = num / den;
	*pal = alive / den;
	*dert_delta = dnum / den;
}

/* Pareto/NBD likelihood by Simpson's rule on the death-time integral
 * (independent of the 2F1 series). */
static double pnbd_ll_simpson(const double *par, double x, double tx, double T)
{
	double r = par[0], alpha = par[1], s = par[2], beta = par[3], m = r + x;
	if (x == 0)
		tx = 0;
	int n = 200000;
	double h = (T - tx) / n, sum = 0;
	/* scale by the integrand at tx to avoid underflow */
	double l0 = -m * log(alpha + tx) - (s + 1) * log(beta + tx);
	for (int i = 0; i <= n; i++) {
		double u = tx + i * h;
		double f = exp(-m * log(alpha + u) - (s + 1) * log(beta + u) - l0);
		sum += f * (i == 0 || i == n ? 1 : (i & 1) ? 4 : 2);
	}
	double I = sum * h / 3;
	double lA = -m * log(alpha + T) - s * log(beta + T);
	double lc = lgamma(r + x) - lgamma(r) + r * log(alpha) + s * log(beta);
	double hi = fmax(lA, l0 + log(s * I + 1e-300));
	return lc + hi + log(exp(lA - hi) + s * I * exp(l0 - hi));
}

/* ---- checks per model ---- */

static void check_extremes(const struct sk_tmodel *m, const double *par, const char *what)
{
	static const double cases[][3] = {
		{ 300, 51.9, 52 }, { 500, 0.5, 52 }, { 0, 0, 0.01 }, { 0, 0, 0 },
		{ 1, 0, 52 }, { 200, 52, 52 }, { 2, 30.43, 38.86 }, { 1000, 3000, 3650 },
	};
	int good = 1;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double x = cases[i][0], tx = cases[i][1], T = cases[i][2];
		double pa = m->p_alive(par, x, tx, T);
		double e1 = m->expected(par, 39, x, tx, T);
		double e2 = m->expected(par, 5200, x, tx, T);
		double d = m->dert ? m->dert(par, 0.0027, x, tx, T) : 0;
		double ll = m->loglik1(par, x, tx, T);
		if (!(pa >= 0 && pa <= 1) || !isfinite(e1) || e1 < 0 || !isfinite(e2) || e2 < e1 ||
		    !isfinite(d) || d < 0 || !isfinite(ll)) {
			good = 0;
			printf("# %s %s x=%g t_x=%g T=%g: p_alive=%g E39=%g E5200=%g dert=%g ll=%g\n",
			       m->name, what, x, tx, T, pa, e1, e2, d, ll);
		}
	}
	double en = m->expected_new(par, 39), pm = m->pmf(par, 39, 3);
	if (!isfinite(en) || en < 0 || !(pm >= 0 && pm <= 1))
		good = 0;
	check(good, "%s: p_alive in [0,1], expectations/dert/loglik finite for extreme "
	      "customers at %s", m->name, what);
}

static void check_pmf(const struct sk_tmodel *m, const double *par, double t, const char *what)
{
	double s = 0, sk = 0;
	for (int k = 0; k <= 2000; k++) {
		double p = m->pmf(par, t, k);
		s += p;
		sk += k * p;
	}
	double en = m->expected_new(par, t);
	check(fabs(s - 1) < 1e-6, "%s: sum_k P(X(%g)=k) = 1 at %s (got %.10f)", m->name, t, what, s);
	check(rel(sk, en) < 1e-5, "%s: sum_k k P(X(%g)=k) = E[X(%g)] at %s (%.8f vs %.8f)",
	      m->name, t, t, what, sk, en);
}

/* At the maximum the gradient is ~0 and a relative comparison measures
 * only the rounding noise of the central differences (|LL| ~ 1e4, step
 * 1e-6), so "near the fit" means the estimate moved by 10-20%. */
static const double nudge[4] = { 1.2, 0.9, 1.1, 0.8 };

static void check_grad(const char *name, sk_fit_fn f, struct sk_rfm_set *d, const double *par)
{
	double th[4];
	for (int i = 0; i < 4; i++)
		th[i] = log(par[i]);
	double e = sk_fit_gradcheck(4, f, d, th);
	check(e < 1e-4, "%s: analytic gradient matches central differences at "
	      "(%g, %g, %g, %g), worst rel. error %.2e", name, par[0], par[1], par[2], par[3], e);
}

static double sum_loglik1(const struct sk_tmodel *m, const double *par,
			  const struct sk_rfm *p, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i].w * m->loglik1(par, p[i].x, p[i].t_x, p[i].T);
	return s;
}

/* ---- Pareto/NBD at scale: the likelihood from (x, t) tables ----
 *
 * sk_pnbd_nll computes the 2F1 tails once per distinct (x, t) and
 * combines them per pattern (pnbd.c); loglik1 evaluates one customer at
 * a time.  Daily data, where many patterns share recencies and ages,
 * is simulated from the model's own story (SMC 1987): lambda ~ Gamma(r,
 * alpha), mu ~ Gamma(s, beta), purchases Poisson(lambda) until an
 * exponential(mu) death, observed for T whole days. */
static struct sk_rfm *pnbd_simulate(const double *par, size_t n, unsigned long seed,
				    size_t *npat)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	struct sk_rfm *p = malloc((n + 7) * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		double lam = gsl_ran_gamma(rng, par[0], 1 / par[1]);
		double mu = gsl_ran_gamma(rng, par[2], 1 / par[3]);
		double T = 1 + floor(gsl_rng_uniform(rng) * 365);
		double tau = gsl_ran_exponential(rng, 1 / fmax(mu, 1e-300));
		double end = fmin(tau, T), t = 0, last = 0;
		int x = 0;
		for (;;) {
			t += gsl_ran_exponential(rng, 1 / fmax(lam, 1e-300));
			if (!(t < end) || x >= 100000)
				break;
			x++;
			last = t;
		}
		p[i] = (struct sk_rfm){ .x = x, .t_x = floor(last), .T = T, .w = 1 };
	}
	/* edge patterns: age 0, recency = age, recency 0 with purchases, and
	 * a heavy buyer's times so far apart (x = 250 at t = 1 and 300)
	 * that at small alpha her terms span too many decades for one
	 * linear scale (pnbd.c falls back to logarithms for her x) */
	p[n] = (struct sk_rfm){ .x = 0, .t_x = 0, .T = 0, .w = 2 };
	p[n + 1] = (struct sk_rfm){ .x = 3, .t_x = 10, .T = 10, .w = 1 };
	p[n + 2] = (struct sk_rfm){ .x = 5, .t_x = 0, .T = 100, .w = 1 };
	p[n + 3] = (struct sk_rfm){ .x = 250, .t_x = 300, .T = 364, .w = 1 };
	p[n + 4] = (struct sk_rfm){ .x = 1, .t_x = 364, .T = 364, .w = 3 };
	p[n + 5] = (struct sk_rfm){ .x = 0, .t_x = 0, .T = 364, .w = 0.5 };
	p[n + 6] = (struct sk_rfm){ .x = 250, .t_x = 1, .T = 364, .w = 1 };
	gsl_rng_free(rng);
	*npat = sk_rfm_compress(p, n + 7);
	return p;
}

static void check_pnbd_tables(void)
{
	static const double truth[4] = { 0.8, 60, 0.9, 300 };
	size_t n;
	struct sk_rfm *p = pnbd_simulate(truth, 40000, 20240601, &n);
	struct sk_rfm_set set = { .pat = p, .n = n };
	size_t nx = 0, nraw = 0;
	for (size_t i = 0; i < n; i++) {
		nx += i == 0 || p[i].x != p[i - 1].x;
		nraw += (size_t)p[i].w;
	}
	printf("# pnbd simulated daily data: %zu patterns, %zu distinct x\n", n, nx);
	/* The estimate's neighbourhood, parameters met early in a search,
	 * runs whose terms span more than the linear scale allows (alpha and
	 * beta small: (alpha+T)^-(r+x) over many decades), and rates so
	 * unequal that the series gives way to quadrature (z > 0.995). */
	static const double pars[][4] = {
		{ 0.8, 60, 0.9, 300 }, { 1, 1, 1, 1 }, { 0.3, 0.01, 2, 0.02 },
		{ 5, 0.5, 0.2, 2000 }, { 0.5, 20000, 0.4, 0.05 }, { 0.5, 0.05, 0.4, 20000 },
		{ 2, 100, 1, 100 },
	};
	double worst = 0;
	for (size_t j = 0; j < sizeof pars / sizeof pars[0]; j++) {
		double th[4];
		for (int i = 0; i < 4; i++)
			th[i] = log(pars[j][i]);
		double nll = sk_pnbd_nll(th, NULL, &set);
		double ll1 = 0;
		for (size_t i = 0; i < n; i++)
			ll1 += p[i].w * sk_pnbd.loglik1(pars[j], p[i].x, p[i].t_x, p[i].T);
		double e = rel(-nll, ll1);
		if (!(e <= worst))
			worst = e;
		if (!(e < 1e-12))
			printf("# pnbd tables at (%g, %g, %g, %g): -nll %.15g, sum loglik1 %.15g\n",
			       pars[j][0], pars[j][1], pars[j][2], pars[j][3], -nll, ll1);
	}
	check(worst < 1e-12, "pnbd: likelihood from (x, t) tables equals the sum of per-customer "
	      "loglik1 on %zu simulated daily patterns at 7 parameter points, worst rel. %.1e",
	      n, worst);
	for (size_t j = 0; j < sizeof pars / sizeof pars[0]; j++)
		check_grad("pnbd (simulated daily)", sk_pnbd_nll, &set, pars[j]);
	/* with and without the gradient: the same value */
	{
		double th[4] = { log(0.8), log(60), log(0.9), log(300) }, g[4];
		double a = sk_pnbd_nll(th, g, &set), b = sk_pnbd_nll(th, NULL, &set);
		check(rel(a, b) < 1e-14, "pnbd: value with and without the gradient agree "
		      "(%.15g vs %.15g)", a, b);
	}
	/* Input order does not matter (only the rounding of the sum): the
	 * patterns reversed, so that each x is one run but times descend,
	 * and interleaved, so that runs of one x are split. */
	{
		struct sk_rfm *q = malloc(n * sizeof *q);
		for (size_t i = 0; i < n; i++)
			q[i] = p[n - 1 - i];
		struct sk_rfm_set rs = { .pat = q, .n = n };
		double th[4] = { log(0.7), log(50), log(1.2), log(250) }, g1[4], g2[4], g3[4];
		double a = sk_pnbd_nll(th, g1, &set), b = sk_pnbd_nll(th, g2, &rs);
		for (size_t i = 0; i < n; i++)
			q[i] = p[(i % 2) ? i / 2 : n - 1 - i / 2];
		double c = sk_pnbd_nll(th, g3, &rs);
		double ge = 0;
		for (int i = 0; i < 4; i++)
			ge = fmax(ge, fmax(fabs(g1[i] - g2[i]), fabs(g1[i] - g3[i])) /
				 fmax(1, fabs(g1[i])));
		check(rel(a, b) < 1e-12 && rel(a, c) < 1e-12 && ge < 1e-9,
		      "pnbd: likelihood and gradient do not depend on the pattern order "
		      "(rel. %.1e %.1e, gradient %.1e)", rel(a, b), rel(a, c), ge);
		free(q);
	}
	/* the fit on the raw customers: near the truth, LL consistent */
	{
		struct sk_fit f;
		char err[256];
		struct sk_rfm *raw = malloc((nraw + n) * sizeof *raw);
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			for (int c = 0; c < (int)p[i].w; c++)
				raw[k++] = (struct sk_rfm){ .x = p[i].x, .t_x = p[i].t_x, .T = p[i].T, .w = 1 };
		/* non-integer weights stay as they are */
		for (size_t i = 0; i < n; i++)
			if (p[i].w != floor(p[i].w))
				raw[k++] = (struct sk_rfm){ .x = p[i].x, .t_x = p[i].t_x, .T = p[i].T,
							    .w = p[i].w - floor(p[i].w) };
		double t0 = now();
		int rc = sk_pnbd.fit(raw, k, &f, err, sizeof err);
		double dt = now() - t0;
		check(rc == 0, "pnbd: fit on simulated daily data succeeds%s%s", rc ? ": " : "",
		      rc ? err : "");
		printf("# pnbd fit on %zu simulated customers (%zu patterns): %.1f ms; r=%.4f "
		       "alpha=%.3f s=%.4f beta=%.2f LL=%.4f (se %.4f %.3f %.4f %.2f)\n", k, n, 1e3 * dt,
		       f.par[0], f.par[1], f.par[2], f.par[3], f.loglik, f.se[0], f.se[1], f.se[2],
		       f.se[3]);
		int near = f.se_ok;
		for (int i = 0; i < 4; i++)
			if (!(fabs(f.par[i] - truth[i]) < 4 * f.se[i]))
				near = 0;
		check(near, "pnbd: estimates on simulated data within 4 standard errors of the "
		      "truth (0.8, 60, 0.9, 300)");
		check(rel(sum_loglik1(&sk_pnbd, f.par, p, n), f.loglik) < 1e-12,
		      "pnbd: loglik1 summed over simulated patterns equals the fitted LL");
		free(raw);
	}
	free(p);
}

/* The parallel evaluation (large pattern sets only) gives the same bits
 * with any number of threads: each run of x is summed by one thread and
 * the runs' sums are added in a fixed order. */
static void check_pnbd_threads(void)
{
	static const double truth[4] = { 0.8, 60, 0.9, 300 };
	size_t n;
	struct sk_rfm *p = pnbd_simulate(truth, 200000, 7, &n);
	struct sk_rfm_set set = { .pat = p, .n = n };
	double th[4] = { log(0.7), log(50), log(1.2), log(250) }, v[3], g[3][4];
#ifdef _OPENMP
	int saved = omp_get_max_threads();
#endif
	for (int k = 0; k < 3; k++) {
#ifdef _OPENMP
		omp_set_num_threads(k + 1);
#endif
		v[k] = sk_pnbd_nll(th, g[k], &set);
	}
#ifdef _OPENMP
	omp_set_num_threads(saved);
#endif
	check(memcmp(&v[0], &v[1], sizeof v[0]) == 0 && memcmp(&v[0], &v[2], sizeof v[0]) == 0 &&
	      memcmp(g[0], g[1], sizeof g[0]) == 0 && memcmp(g[0], g[2], sizeof g[0]) == 0,
	      "pnbd: likelihood and gradient on %zu patterns identical with 1, 2 and 3 threads",
	      n);
	double ll1 = 0, par[4] = { 0.7, 50, 1.2, 250 };
	for (size_t i = 0; i < n; i++)
		ll1 += p[i].w * sk_pnbd.loglik1(par, p[i].x, p[i].t_x, p[i].T);
	check(rel(-v[0], ll1) < 1e-12, "pnbd: parallel table likelihood equals the sum of "
	      "loglik1 on %zu patterns (%.12g)", n, ll1);
	free(p);
}

/* P(alive) and E[Y | alive]: the cached, scoring-time path against the
 * likelihood (Bayes: P(alive) = Gamma(r+x) alpha^r beta^s / Gamma(r)
 * (alpha+T)^-(r+x) (beta+T)^-s / L) and against the model's integrals. */
static void check_pnbd_scoring(const double *pn, const struct sk_rfm *pat, size_t n)
{
	static const double pars[3][4] = {
		{ 0.5532, 10.5763, 0.6062, 11.6715 }, { 0.5, 20000, 0.4, 0.05 }, { 3, 2, 5, 2.0001 },
	};
	double worst = 0;
	int same = 1;
	double *first = malloc(n * sizeof *first);
	/* parameters alternate, so a stale cached tail would show */
	for (int pass = 0; pass < 2; pass++)
		for (int j = 0; j < 3; j++)
			for (size_t i = 0; i < n; i++) {
				const double *q = pars[j];
				double x = pat[i].x, tx = pat[i].t_x, T = pat[i].T;
				double pa = sk_pnbd.p_alive(q, x, tx, T);
				if (j == 0 && pass == 0)
					first[i] = pa;
				if (j == 0 && pass == 1 && pa != first[i])
					same = 0;
				double lc = lgamma(q[0] + x) - lgamma(q[0]) + q[0] * log(q[1]) +
					    q[2] * log(q[3]);
				double lA = -(q[0] + x) * log(q[1] + T) - q[2] * log(q[3] + T);
				double want = exp(lc + lA - sk_pnbd.loglik1(q, x, tx, T));
				double e = fabs(pa - want) / fmax(want, 1e-300);
				if (want > 1e-200 && e > worst)
					worst = e;
			}
	free(first);
	check(worst < 1e-9, "pnbd: P(alive) equals A / L by Bayes on every CDNOW pattern at 3 "
	      "parameter points, worst rel. %.1e", worst);
	check(same, "pnbd: P(alive) unchanged after other parameters were scored (no stale "
	      "cached tails)");

	check(sk_pnbd.expected_alive != NULL, "pnbd: expected_alive is provided");
	if (!sk_pnbd.expected_alive)
		return;
	double ey, pa, dd;
	pnbd_brute(pn, 39, 2, 30.43, 38.86, &ey, &pa, &dd, 0.0027);
	double ea = sk_pnbd.expected_alive(pn, 39, 2, 38.86);
	check(rel(ea, ey / pa) < 1e-6, "pnbd: E[Y(39) | alive, x=2, T=38.86] = %.8f matches the "
	      "brute-force integral %.8f", ea, ey / pa);
	/* the closed form, literally (s != 1) */
	{
		double r = pn[0], al = pn[1], s = pn[2], be = pn[3], x = 2, T = 38.86, t = 39;
		double cf = (r + x) * (be + T) / ((al + T) * (s - 1)) *
			    (1 - pow((be + T) / (be + T + t), s - 1));
		check(rel(ea, cf) < 1e-12, "pnbd: expected_alive matches the closed form (%.10f)", cf);
	}
	/* s = 1: the limit (r+x)(beta+T)/(alpha+T) log((beta+T+t)/(beta+T)) */
	{
		double q1[4] = { pn[0], pn[1], 1, pn[3] }, q2[4] = { pn[0], pn[1], 1 + 1e-9, pn[3] };
		double lim = (pn[0] + 2) * (pn[3] + 38.86) / (pn[1] + 38.86) *
			     log((pn[3] + 38.86 + 39) / (pn[3] + 38.86));
		double a = sk_pnbd.expected_alive(q1, 39, 2, 38.86);
		double b = sk_pnbd.expected_alive(q2, 39, 2, 38.86);
		check(rel(a, lim) < 1e-12 && rel(b, lim) < 1e-7,
		      "pnbd: expected_alive at s = 1 is the log limit (%.10f vs %.10f)", a, lim);
	}
	/* expected = p_alive x expected_alive, and finite and >= 0 at extremes */
	{
		static const double cases[][3] = {
			{ 2, 30.43, 38.86 }, { 0, 0, 30 }, { 300, 51.9, 52 }, { 500, 0.5, 52 },
			{ 0, 0, 0 }, { 1000, 3000, 3650 },
		};
		static const double ext[3][4] = {
			{ 0.5532, 10.5763, 0.6062, 11.6715 }, { 50, 0.01, 0.001, 1000 },
			{ 0.01, 1000, 1000, 0.001 },
		};
		int good = 1;
		for (int j = 0; j < 3; j++)
			for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
				double x = cases[i][0], tx = cases[i][1], T = cases[i][2];
				for (int h = 0; h < 3; h++) {
					double t = h == 0 ? 1e-6 : h == 1 ? 39 : 1e6;
					double a = sk_pnbd.expected_alive(ext[j], t, x, T);
					double e = sk_pnbd.expected(ext[j], t, x, tx, T);
					double p = sk_pnbd.p_alive(ext[j], x, tx, T);
					if (!isfinite(a) || a < 0 || !(rel(e, p * a) < 1e-12 || e == p * a)) {
						good = 0;
						printf("# pnbd expected_alive %g %g %g t=%g: %g, expected %g, "
						       "p_alive %g\n", x, tx, T, t, a, e, p);
					}
				}
			}
		check(good, "pnbd: expected = p_alive x expected_alive, finite and >= 0 at extreme "
		      "customers and parameters");
	}
}

int main(void)
{
	size_t nraw, n;
	struct sk_rfm *raw = read_cdnow(&nraw);
	struct sk_rfm *pat = malloc(nraw * sizeof *pat);
	memcpy(pat, raw, nraw * sizeof *pat);
	n = sk_rfm_compress(pat, nraw);
	double sw = 0, sx = 0;
	for (size_t i = 0; i < n; i++) {
		sw += pat[i].w;
		sx += pat[i].w * pat[i].x;
	}
	check(nraw == 2357, "cdnow: 2357 customers read (got %zu)", nraw);
	check(sw == 2357, "compress: weights sum to 2357 (got %g over %zu patterns)", sw, n);
	check(sx == 2457, "compress: 2457 repeat transactions preserved (got %g)", sx);
	int sorted = 1;
	for (size_t i = 1; i < n; i++) {
		const struct sk_rfm *a = &pat[i - 1], *b = &pat[i];
		if (!(a->x < b->x || (a->x == b->x && (a->t_x < b->t_x ||
			(a->t_x == b->t_x && a->T < b->T)))))
			sorted = 0;
	}
	check(sorted, "compress: strictly increasing by (x, t_x, T), no duplicates left");
	{
		struct sk_rfm t[5] = {
			{ .x = 2, .t_x = 1, .T = 5, .w = 1 }, { .x = 0, .t_x = 0, .T = 5, .w = 2 },
			{ .x = 2, .t_x = 1, .T = 5, .w = 3 }, { .x = 0, .t_x = 0, .T = 4, .w = 1 },
			{ .x = 0, .t_x = 0, .T = 5, .w = 0.5 },
		};
		size_t k = sk_rfm_compress(t, 5);
		check(k == 3 && t[0].T == 4 && t[1].w == 2.5 && t[2].x == 2 && t[2].w == 4,
		      "compress: merges duplicates summing w, order x, t_x, T");
		check(sk_rfm_compress(t, 0) == 0, "compress: empty input");
	}
	check(sk_tmodel_find("bgnbd") == &sk_bgnbd && sk_tmodel_find("pnbd") == &sk_pnbd &&
	      sk_tmodel_find("mbgnbd") == &sk_mbgnbd && sk_tmodel_find("bgbb") == &sk_bgbb,
	      "sk_tmodel_find finds the four models by name");
	check(sk_tmodel_find("nope") == NULL && sk_tmodel_find(NULL) == NULL,
	      "sk_tmodel_find: unknown name gives NULL");

	struct sk_rfm_set set = { .pat = pat, .n = n };
	struct sk_fit f;
	char err[256];
	double t0;

	/* ---- BG/NBD ---- */
	static const double bg_ref[4] = { 0.2426, 4.4136, 0.7929, 2.4259 };
	t0 = now();
	int rc = sk_bgnbd.fit(raw, nraw, &f, err, sizeof err);
	double dt = now() - t0;
	check(rc == 0, "bgnbd: fit succeeds%s%s", rc ? ": " : "", rc ? err : "");
	printf("# bgnbd fit on %zu CDNOW patterns: %.1f ms, %d iterations\n", n, 1e3 * dt,
	       f.iterations);
	printf("# bgnbd: r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f (se %.4f %.4f %.4f %.4f)\n",
	       f.par[0], f.par[1], f.par[2], f.par[3], f.loglik, f.se[0], f.se[1], f.se[2], f.se[3]);
	for (int i = 0; i < 4; i++)
		check(rel(round_to(f.par[i], 4), bg_ref[i]) < 1e-3,
		      "bgnbd: %s = %.4f (published %.4f)", sk_bgnbd.parname[i], f.par[i], bg_ref[i]);
	check(rel(f.loglik, -9582.43) < 1e-3 && fabs(f.loglik - -9582.43) < 0.01,
	      "bgnbd: LL = %.3f (published -9582.43)", f.loglik);
	check(rel(sum_loglik1(&sk_bgnbd, f.par, pat, n), f.loglik) < 1e-12,
	      "bgnbd: loglik1 summed over patterns equals the fitted LL");
	double bg[4];
	memcpy(bg, f.par, sizeof bg);
	check_grad("bgnbd", sk_bgnbd_nll, &set, (double[]){ bg[0] * nudge[0], bg[1] * nudge[1],
						       bg[2] * nudge[2], bg[3] * nudge[3] });
	check_grad("bgnbd", sk_bgnbd_nll, &set, (double[]){ 1, 30, 1, 1 });
	check_grad("bgnbd", sk_bgnbd_nll, &set, (double[]){ 3, 0.5, 5, 0.3 });
	check_grad("bgnbd", sk_bgnbd_nll, &set, (double[]){ 0.05, 100, 0.1, 20 });

	/* --penalty (model.c, sk_penalty_nll): its gradient, a zero penalty
	 * that is exactly the plain fit, and a penalised fit that shrinks the
	 * log-parameters and can only lower the plain log-likelihood. */
	{
		struct sk_penalised pw = { sk_bgnbd_nll, &set, 4, 0.01, 2357 };
		double th[4] = { 0, log(30), 0, 0 };
		check(sk_fit_gradcheck(4, sk_penalty_nll, &pw, th) < 1e-4,
		      "bgnbd: penalised gradient matches central differences");
		struct sk_fit f0, fp;
		check(sk_tmodel_fit_with(&sk_bgnbd, 0, raw, nraw, &f0, err, sizeof err) == 0 &&
		      memcmp(f0.par, f.par, sizeof f.par) == 0 && f0.penalty == 0,
		      "bgnbd: a fit with penalty 0 is the plain fit, bit for bit");
		check(sk_tmodel_fit_with(&sk_bgnbd, 0.01, raw, nraw, &fp, err, sizeof err) == 0 &&
		      fp.penalty == 0.01, "bgnbd: the penalised fit succeeds and says so");
		double s0 = 0, sp = 0;
		for (int i = 0; i < 4; i++) {
			s0 += log(f.par[i]) * log(f.par[i]);
			sp += log(fp.par[i]) * log(fp.par[i]);
		}
		check(sp < s0 && fp.loglik <= f.loglik + 1e-9,
		      "bgnbd: the penalty shrinks sum log(par)^2 (%.3f < %.3f) at a plain LL "
		      "no higher (%.3f <= %.3f)", sp, s0, fp.loglik, f.loglik);
		struct sk_fitdiag g;
		check(sk_tmodel_diagnose(&sk_bgnbd, &f, raw, NULL, nraw, &g) == 0 &&
		      g.min_alive < 0.5, "bgnbd: the CDNOW fit identifies its parameters and "
		      "sees dropout (lowest p_alive %.3f)", g.min_alive);
		struct sk_fit z = f;
		z.se[2] = 0;
		check(sk_tmodel_diagnose(&sk_bgnbd, &z, raw, NULL, nraw, &g) == 1 && g.singular,
		      "bgnbd: a standard error of 0 is reported as a singular fit");
		z = f;
		z.se[3] = 20 * z.par[3];
		check(sk_tmodel_diagnose(&sk_bgnbd, &z, raw, NULL, nraw, &g) == 1 && g.unidentified,
		      "bgnbd: a standard error 20 times its estimate is reported");
	}

	/* Conditional expectation and P(alive) against a brute-force double
	 * integral over (lambda, p) from the model assumptions. */
	{
		double ey, pa;
		bgnbd_brute(bg, 39, 2, 30.43, 38.86, &ey, &pa);
		double e = sk_bgnbd.expected(bg, 39, 2, 30.43, 38.86);
		double p = sk_bgnbd.p_alive(bg, 2, 30.43, 38.86);
		check(rel(e, ey) < 1e-6, "bgnbd: E[Y(39) | 2, 30.43, 38.86] = %.8f matches the "
		      "brute-force integral %.8f", e, ey);
		check(rel(p, pa) < 1e-6, "bgnbd: P(alive | 2, 30.43, 38.86) = %.8f matches the "
		      "brute-force integral %.8f", p, pa);
		/* eq. 10 with GSL's 2F1 where it converges (z = 0.47) */
		double r = bg[0], al = bg[1], a = bg[2], b = bg[3], x = 2, T = 38.86, t = 39;
		double z = t / (al + T + t);
		double h = gsl_sf_hyperg_2F1(r + x, b + x, a + b + x - 1, z);
		double e10 = (a + b + x - 1) / (a - 1) * (1 - pow((al + T) / (al + T + t), r + x) * h) /
			     (1 + a / (b + x - 1) * pow((al + T) / (al + 30.43), r + x));
		check(rel(e, e10) < 1e-9, "bgnbd: E[Y(39)|...] matches eq. 10 with gsl 2F1 (%.10f)", e10);
		bgnbd_brute(bg, 200, 0, 0, 30, &ey, &pa);
		e = sk_bgnbd.expected(bg, 200, 0, 0, 30);
		check(rel(e, ey) < 1e-6, "bgnbd: E[Y(200) | 0, 0, 30] = %.8f matches brute force %.8f",
		      e, ey);
		double xp[4] = { 2.5, 0.7, 0.6, 3.5 };
		bgnbd_brute(xp, 1000, 7, 20, 25, &ey, &pa);
		e = sk_bgnbd.expected(xp, 1000, 7, 20, 25);
		check(rel(e, ey) < 1e-6, "bgnbd: E[Y(1000)] at z near 1 = %.8f matches brute "
		      "force %.8f", e, ey);
		/* eq. 7 for a new customer, with GSL's 2F1 */
		t = 39;
		double e7 = (a + b - 1) / (a - 1) *
			    (1 - pow(al / (al + t), r) * gsl_sf_hyperg_2F1(r, b, a + b - 1, t / (al + t)));
		double en = sk_bgnbd.expected_new(bg, t);
		check(rel(en, e7) < 1e-9, "bgnbd: E[X(39)] = %.8f matches eq. 7 with gsl 2F1 %.8f",
		      en, e7);
		/* a = 1 exactly: eq. 7 is 0/0 there, the limit must be smooth */
		double p1[4] = { bg[0], bg[1], 1, bg[3] }, p2[4] = { bg[0], bg[1], 1 + 1e-7, bg[3] };
		check(rel(sk_bgnbd.expected_new(p1, 39), sk_bgnbd.expected_new(p2, 39)) < 1e-6,
		      "bgnbd: E[X(t)] continuous at a = 1 (%.8f)", sk_bgnbd.expected_new(p1, 39));
	}
	check_pmf(&sk_bgnbd, bg, 39, "CDNOW estimates");
	check_pmf(&sk_bgnbd, bg, 78, "CDNOW estimates");
	check_pmf(&sk_bgnbd, (double[]){ 2, 3, 1.5, 4 }, 20, "r=2 alpha=3 a=1.5 b=4");
	check_extremes(&sk_bgnbd, bg, "CDNOW estimates");
	check_extremes(&sk_bgnbd, (double[]){ 50, 0.01, 0.001, 1000 }, "r=50 alpha=0.01 a=0.001 b=1000");
	check_extremes(&sk_bgnbd, (double[]){ 0.01, 1000, 1000, 0.001 }, "r=0.01 alpha=1000 a=1000 b=0.001");
	{
		/* A customer's own a and b under a dropout covariate can be
		 * ~1e-17 (these are one of the 5M-row bench log's, total_spend
		 * on the dropout): churn --tracking's histogram aborted in
		 * GSL's lnbeta, b + k - 1 having been summed as (b + 1) - 1 = 0. */
		const double tiny[4] = { 0.740953, 40.2153, 1.7170139860953315e-17,
					 4.7547731400316465e-17 };
		check_pmf(&sk_bgnbd, tiny, 606, "a, b ~ 1e-17");
		check_extremes(&sk_bgnbd, tiny, "a, b ~ 1e-17");
		check_extremes(&sk_mbgnbd, tiny, "a, b ~ 1e-17");
	}

	/* ---- Pareto/NBD ---- */
	static const double pn_ref[4] = { 0.5532, 10.5763, 0.6062, 11.6715 };
	static const double pn_se[4] = { 0.0476, 0.8427, 0.1873, 6.2105 };
	t0 = now();
	rc = sk_pnbd.fit(raw, nraw, &f, err, sizeof err);
	dt = now() - t0;
	check(rc == 0, "pnbd: fit succeeds%s%s", rc ? ": " : "", rc ? err : "");
	printf("# pnbd fit on %zu CDNOW patterns: %.1f ms, %d iterations\n", n, 1e3 * dt,
	       f.iterations);
	printf("# pnbd: r=%.6f alpha=%.6f s=%.6f beta=%.6f LL=%.4f (se %.4f %.4f %.4f %.4f)\n",
	       f.par[0], f.par[1], f.par[2], f.par[3], f.loglik, f.se[0], f.se[1], f.se[2], f.se[3]);
	for (int i = 0; i < 4; i++)
		check(rel(round_to(f.par[i], 4), pn_ref[i]) < 1e-3,
		      "pnbd: %s = %.4f (published %.4f)", sk_pnbd.parname[i], f.par[i], pn_ref[i]);
	check(rel(f.loglik, -9594.98) < 1e-3 && fabs(f.loglik - -9594.98) < 0.01,
	      "pnbd: LL = %.3f (published -9594.98)", f.loglik);
	check(f.se_ok, "pnbd: standard errors available");
	for (int i = 0; i < 4; i++)
		check(rel(f.se[i], pn_se[i]) < 1e-2, "pnbd: se(%s) = %.4f (published %.4f)",
		      sk_pnbd.parname[i], f.se[i], pn_se[i]);
	check(rel(sum_loglik1(&sk_pnbd, f.par, pat, n), f.loglik) < 1e-12,
	      "pnbd: loglik1 summed over patterns equals the fitted LL");
	double pn[4];
	memcpy(pn, f.par, sizeof pn);
	check_grad("pnbd", sk_pnbd_nll, &set, (double[]){ pn[0] * nudge[0], pn[1] * nudge[1],
						       pn[2] * nudge[2], pn[3] * nudge[3] });
	check_grad("pnbd", sk_pnbd_nll, &set, (double[]){ 1, 30, 1, 30 });
	check_grad("pnbd", sk_pnbd_nll, &set, (double[]){ 2, 3, 0.3, 80 });
	check_grad("pnbd", sk_pnbd_nll, &set, (double[]){ 0.3, 10, 10, 10 });
	/* rates so unequal that the series gives way to quadrature (z > 0.995) */
	check_grad("pnbd", sk_pnbd_nll, &set, (double[]){ 0.5, 20000, 0.4, 0.05 });
	check_grad("pnbd", sk_pnbd_nll, &set, (double[]){ 0.5, 0.05, 0.4, 20000 });
	{
		/* the likelihood against Simpson's rule on the death-time integral */
		static const double cases[][4] = {
			{ 2, 30.43, 38.86 }, { 0, 0, 38.86 }, { 1, 1.71, 38.86 }, { 300, 51.9, 52 },
			{ 25, 5, 52 },
		};
		static const double pars[][4] = {
			{ 0.5532, 10.5763, 0.6062, 11.6715 }, { 0.5, 20000, 0.4, 0.05 },
			{ 0.5, 0.05, 0.4, 20000 }, { 3, 2, 5, 2.0001 },
		};
		double worst = 0;
		for (size_t j = 0; j < 4; j++)
			for (size_t i = 0; i < 5; i++) {
				double a = sk_pnbd.loglik1(pars[j], cases[i][0], cases[i][1], cases[i][2]);
				double b = pnbd_ll_simpson(pars[j], cases[i][0], cases[i][1], cases[i][2]);
				double e = fabs(a - b) / fmax(1, fabs(b));
				if (e > worst)
					worst = e;
				if (e > 1e-9)
					printf("# pnbd ll par %zu case %zu: %.12g vs simpson %.12g\n",
					       j, i, a, b);
			}
		check(worst < 1e-9, "pnbd: loglik1 matches a Simpson-rule likelihood (series and "
		      "quadrature paths), worst %.2e", worst);
	}
	{
		double ey, pa, dd, delta = 0.0027;	/* 15% a year, weekly */
		pnbd_brute(pn, 39, 2, 30.43, 38.86, &ey, &pa, &dd, delta);
		double e = sk_pnbd.expected(pn, 39, 2, 30.43, 38.86);
		double p = sk_pnbd.p_alive(pn, 2, 30.43, 38.86);
		double d = sk_pnbd.dert(pn, delta, 2, 30.43, 38.86);
		check(rel(e, ey) < 1e-6, "pnbd: E[Y(39) | 2, 30.43, 38.86] = %.8f matches the "
		      "brute-force integral %.8f", e, ey);
		check(rel(p, pa) < 1e-6, "pnbd: P(alive | 2, 30.43, 38.86) = %.8f matches the "
		      "brute-force integral %.8f", p, pa);
		check(rel(d, dd) < 1e-6, "pnbd: DERT(0.0027 | 2, 30.43, 38.86) = %.6f matches the "
		      "brute-force integral %.6f", d, dd);
		/* eq. 2 of "RFM and CLV" literally, with GSL's U (fine here) */
		{
			double r = pn[0], al = pn[1], s = pn[2], be = pn[3], x = 2, T = 38.86;
			double L = exp(sk_pnbd.loglik1(pn, x, 30.43, T));
			double u = gsl_sf_hyperg_U(s, s, delta * (be + T));
			double d2 = pow(al, r) * pow(be, s) * pow(delta, s - 1) * gsl_sf_gamma(r + x + 1) *
				    u / (gsl_sf_gamma(r) * pow(al + T, r + x + 1) * L);
			check(rel(d, d2) < 1e-9, "pnbd: DERT matches FHL 2005 eq. 2 with gsl U (%.8f vs "
			      "%.8f)", d, d2);
		}
		pnbd_brute(pn, 39, 0, 0, 30, &ey, &pa, &dd, 0.05);
		d = sk_pnbd.dert(pn, 0.05, 0, 0, 30);
		check(rel(d, dd) < 1e-6, "pnbd: DERT(0.05 | 0, 0, 30) = %.6f matches brute force %.6f",
		      d, dd);
		/* s = 1 exactly: the (s-1) division is removed analytically */
		double q1[4] = { pn[0], pn[1], 1, pn[3] }, q2[4] = { pn[0], pn[1], 1 + 1e-9, pn[3] };
		check(rel(sk_pnbd.expected_new(q1, 39), sk_pnbd.expected_new(q2, 39)) < 1e-7,
		      "pnbd: E[X(t)] continuous at s = 1");
	}
	check_pmf(&sk_pnbd, pn, 39, "CDNOW estimates");
	check_pmf(&sk_pnbd, pn, 78, "CDNOW estimates");
	check_pmf(&sk_pnbd, (double[]){ 2, 3, 1.5, 4 }, 20, "r=2 alpha=3 s=1.5 beta=4");
	check_extremes(&sk_pnbd, pn, "CDNOW estimates");
	check_extremes(&sk_pnbd, (double[]){ 50, 0.01, 0.001, 1000 }, "r=50 alpha=0.01 s=0.001 beta=1000");
	check_extremes(&sk_pnbd, (double[]){ 0.01, 1000, 1000, 0.001 }, "r=0.01 alpha=1000 s=1000 beta=0.001");
	check_pnbd_scoring(pn, pat, n);
	check_pnbd_tables();
	check_pnbd_threads();

	/* ---- MBG/NBD ---- */
	static const double mb_ref[4] = { 0.525, 6.183, 0.891, 1.614 };
	static const int mb_dec[4] = { 3, 3, 3, 3 };
	t0 = now();
	rc = sk_mbgnbd.fit(raw, nraw, &f, err, sizeof err);
	dt = now() - t0;
	check(rc == 0, "mbgnbd: fit succeeds%s%s", rc ? ": " : "", rc ? err : "");
	printf("# mbgnbd fit: %.1f ms; r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f\n", 1e3 * dt,
	       f.par[0], f.par[1], f.par[2], f.par[3], f.loglik);
	for (int i = 0; i < 4; i++)
		check(rel(round_to(f.par[i], mb_dec[i]), mb_ref[i]) < 1e-3,
		      "mbgnbd: %s = %.4f (published %.3f)", sk_mbgnbd.parname[i], f.par[i], mb_ref[i]);
	check(rel(sum_loglik1(&sk_mbgnbd, f.par, pat, n), f.loglik) < 1e-12,
	      "mbgnbd: loglik1 summed over patterns equals the fitted LL");
	double mb[4];
	memcpy(mb, f.par, sizeof mb);
	check_grad("mbgnbd", sk_mbgnbd_nll, &set, (double[]){ mb[0] * nudge[0], mb[1] * nudge[1],
						       mb[2] * nudge[2], mb[3] * nudge[3] });
	check_grad("mbgnbd", sk_mbgnbd_nll, &set, (double[]){ 1, 30, 1, 1 });
	check_grad("mbgnbd", sk_mbgnbd_nll, &set, (double[]){ 3, 0.5, 5, 0.3 });
	check_pmf(&sk_mbgnbd, mb, 39, "CDNOW estimates");
	check_pmf(&sk_mbgnbd, (double[]){ 2, 3, 1.5, 4 }, 20, "r=2 alpha=3 a=1.5 b=4");
	check_extremes(&sk_mbgnbd, mb, "CDNOW estimates");
	check_extremes(&sk_mbgnbd, (double[]){ 50, 0.01, 0.001, 1000 }, "r=50 alpha=0.01 a=0.001 b=1000");
	check_extremes(&sk_mbgnbd, (double[]){ 0.01, 1000, 1000, 0.001 }, "r=0.01 alpha=1000 a=1000 b=0.001");

	/* bad input is an error with a message, not a NaN */
	{
		struct sk_rfm bad[2] = { { .x = 1, .t_x = 5, .T = 3, .w = 1 },
					 { .x = 0, .t_x = 0, .T = 3, .w = 1 } };
		err[0] = 0;
		check(sk_bgnbd.fit(bad, 2, &f, err, sizeof err) == -1 && err[0],
		      "bgnbd: recency > T is refused (%s)", err);
		struct sk_rfm none[2] = { { .x = 0, .t_x = 0, .T = 3, .w = 1 },
					  { .x = 0, .t_x = 0, .T = 5, .w = 1 } };
		err[0] = 0;
		check(sk_pnbd.fit(none, 2, &f, err, sizeof err) == -1 && err[0],
		      "pnbd: no repeat purchases is refused (%s)", err);
	}

	free(pat);
	free(raw);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
