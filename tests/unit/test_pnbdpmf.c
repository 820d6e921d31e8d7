/* test_pnbdpmf.c: the Pareto/NBD's and the GGom/NBD's pmf on one
 * quadrature rule for every k (lib/model/pnbdpmf.c) and the medians
 * median.c makes from it.
 *
 *  1. The pmf, k = 0 .. 200, against the model's own (pnbd.c's and
 *     ggomnbd.c's pmf: adaptive quadrature to 1e-10 relative for each
 *     k) to 1e-10 relative, on parameter sets that stress the shared
 *     rule: make bench's fit for a new and for a heavy buyer's future
 *     (r + x = 1.3 .. 301), t >> alpha (the NB kernel sharp at u = 0),
 *     heavy tails (r and s small), FH 2005's CDNOW estimates, and the
 *     GGom/NBD with b > 0 (slow and fast ageing); every value must come
 *     from the rule (no NaN), and their sum must be the model's.
 *  2. Medians (median.c) from it against sk_predict_median_reference
 *     (the model's pmf one k at a time): the Pareto/NBD with a
 *     continuous covariate on both processes (every customer her own
 *     group, as churn --covariates income makes them) and the GGom/NBD,
 *     untilted and tilted to 0.6 .. 2.5 times the model's E[X | X > 0];
 *     then at ties (p_return such that her need is the reference's
 *     cum(k), k = 1..3, and, tilted, such that her level is the
 *     reference's tilted F(k), made by the same arithmetic as
 *     median.c's), where the rule's sums may fall on either side and
 *     median.c redoes her from the pmf: every median the same number.
 *  3. Where the rule gives out (heavy buyers, r + x up to 10,000: init
 *     refuses when a node that will lead starts below e^-650, next
 *     returns NaN when 32 panels do not hold the K15 - G7 gap): median.c
 *     takes the model's pmf from there, and the medians, untilted and
 *     tilted, are the reference's.
 * Prints "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/covar.h"
#include "model/median.h"
#include "model/modelint.h"
#include "model/score.h"

#include "tap.h"

static void pmf_sets(void)
{
	static const struct {
		const struct sk_tmodel *tm;
		double par[5], t;
		const char *what;
	} m[] = {
		/* make bench's Pareto/NBD fit (days), the future of a customer
		 * with x = 0 and x = 300 at T = 729, a year ahead */
		{ &sk_pnbd, { 1.32416, 91.0641 + 729, 1.59858, 510.445 + 729 }, 365, "bench, x = 0" },
		{ &sk_pnbd, { 301.32416, 91.0641 + 729, 1.59858, 510.445 + 729 }, 365,
		  "bench, x = 300 (large r + x)" },
		{ &sk_pnbd, { 40, 30, 1.2, 200 }, 365, "r + x = 40, t = 12 alpha" },
		{ &sk_pnbd, { 0.5, 2, 0.8, 5 }, 365, "t = 180 alpha" },
		{ &sk_pnbd, { 0.2, 1, 0.3, 2 }, 100, "heavy tails (r 0.2, s 0.3)" },
		/* Fader & Hardie 2005's CDNOW estimates (weeks), 39 weeks */
		{ &sk_pnbd, { 0.55, 10.58, 0.61, 11.67 }, 39, "CDNOW" },
		{ &sk_ggomnbd, { 0.55, 10.58, 0.05, 1.2, 3 }, 39, "b 0.05" },
		{ &sk_ggomnbd, { 2.5, 10.58, 0.5, 0.7, 40 }, 39, "b 0.5" },
		{ &sk_ggomnbd, { 20, 5, 0.01, 2, 0.2 }, 365, "r + x = 20, t = 73 alpha" },
	};
	enum { K = 200 };
	for (size_t j = 0; j < sizeof m / sizeof *m; j++) {
		struct sk_pnbd_pmf_iter it;
		int ok = (m[j].tm == &sk_pnbd ? sk_pnbd_pmf_init(&it, m[j].par, m[j].t)
					      : sk_ggom_pmf_init(&it, m[j].par, m[j].t)) == 0;
		double worst = 0, sum = 0, sref = 0;
		int nan = 0;
		for (int k = 0; k <= K && ok; k++) {
			double a = sk_pnbd_pmf_next(&it);
			double b = m[j].tm->pmf(m[j].par, m[j].t, k);
			if (isnan(a)) {
				nan = 1;
				break;
			}
			sum += a;
			sref += b;
			if (b > 1e-300 || a > 1e-300)
				worst = fmax(worst, fabs(a - b) / b);
		}
		check(ok && !nan && worst < 1e-10 && fabs(sum - sref) < 1e-12,
		      "%s %s: the shared rule's pmf = the model's to %.1e relative, k 0 .. %d "
		      "(%d panels at the end; sums %.12f, the model's %.12f)", m[j].tm->name,
		      m[j].what, worst, K, ok ? it.np : 0, sum, sref);
	}
}

/* F(k) of X | X > 0 tilted to mean c as median.c makes it from the
 * model's pmf (the reference): f out to its tail as tail_pmf stops it,
 * theta by tilted()'s Newton steps, the same arithmetic in the same
 * order, so that a level F(k) is a tie to the last bit or so. */
static double ref_tilted_cdf(const struct sk_tmodel *tm, const double *pp, double t,
			     const struct sk_rfm *r, double c, int kwant)
{
	double q[5];
	const struct sk_tmodel *fu = sk_cond_future(tm, pp, r->x, r->T, q);
	int cap = 64, n = 0;
	double *f = malloc((size_t)cap * sizeof *f), cum = 0, rest = 0;
	do {
		if (n == cap) {
			cap *= 2;
			f = realloc(f, (size_t)cap * sizeof *f);
		}
		f[n] = fu->pmf(q, t, n);
		if (n == 0)
			rest = (1 - f[0]) * 1e-10;
		else
			cum += f[n];
		n++;
	} while (1 - f[0] - cum > rest && n <= 1000000 &&
		 !(n > 2 && f[n - 1] < f[n - 2] && f[n - 1] < rest * 1e-3));
	double lo = -50, hi = fmin(50, 700.0 / n), th = 0, v = 0;
	for (int it = 0; it < 100; it++) {
		double z = exp(th), zk = 1, s0 = 0, s1 = 0, s2 = 0;
		for (int k = 1; k < n; k++) {
			zk *= z;
			double w = f[k] * zk;
			s0 += w;
			s1 += w * k;
			s2 += w * k * k;
		}
		double m = s1 / s0;
		v = s2 / s0 - m * m;
		if (!(s0 > 0) || fabs(m - c) <= 1e-9 * c)
			break;
		if (m < c)
			lo = th;
		else
			hi = th;
		double nt = v > 0 ? th - (m - c) / v : NAN;
		th = nt > lo && nt < hi ? nt : (lo + hi) / 2;
		if (hi - lo < 1e-12)
			break;
	}
	double z = exp(th), zk = 1, tot = 0, cumk = 0;
	for (int k = 1; k < n; k++) {
		zk *= z;
		tot += f[k] * zk;
	}
	zk = 1;
	for (int k = 1; k <= kwant && k < n; k++) {
		zk *= z;
		cumk += f[k] * zk;
	}
	free(f);
	return cumk / tot;
}

/* The medians from the shared rule against the reference (see the top). */
static void medians(void)
{
	static const struct {
		const struct sk_tmodel *tm;
		double par[7];
		int cov;
	} m[] = {
		/* make bench's Pareto/NBD fit (days), a coefficient on each
		 * process for a standard normal covariate */
		{ &sk_pnbd, { 1.32416, 91.0641, 1.59858, 510.445, 0.3, -0.4 }, 1 },
		{ &sk_ggomnbd, { 1.32416, 91.0641, 0.004, 1.2, 3 }, 0 },
	};
	enum { N = 400 };
	const double t = 365, tilt[] = { 0.6, 0.95, 1.3, 2.5 };
	struct sk_rfm r[N];
	unsigned char valid[N];
	double p[N], e[N], med[N], ref[N], z[2 * N];
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 2012);
	for (size_t j = 0; j < sizeof m / sizeof *m; j++) {
		const struct sk_tmodel *tm = m[j].tm;
		struct sk_covdata cd = { .spec = { .kp = 1, .kd = 1 }, .nz = N, .z = z };
		struct sk_custdata d = { .n = N, .rfm = r, .valid = valid, .nvalid = N,
					 .cov = m[j].cov ? &cd : NULL, .ncov = m[j].cov ? N : 0 };
		double pp[N][5];
		for (int i = 0; i < N; i++) {
			double T = 30 + gsl_rng_uniform(g) * 700;
			/* light to heavy buyers: x up to 4 .. 120 */
			double x = (double)gsl_rng_uniform_int(g, 5 + (i % 6) * 23);
			r[i] = (struct sk_rfm){ .x = x, .t_x = x > 0 ? T * gsl_rng_uniform(g) : 0,
						.T = T, .w = 1, .cov = (uint32_t)i };
			z[2 * i] = z[2 * i + 1] = gsl_ran_gaussian(g, 1);
			valid[i] = 1;
			const double *q = sk_cov_rowpar(tm, m[j].par, d.cov, &r[i], pp[i]);
			if (q != pp[i])
				for (int k = 0; k < tm->npar; k++)
					pp[i][k] = q[k];
			double mp = tm->p_alive(pp[i], r[i].x, r[i].t_x, r[i].T) *
				    tm->return_alive(pp[i], t, r[i].x, r[i].T);
			/* the model's p_return, or a layer's above one half */
			p[i] = i % 3 ? mp : 0.5 + gsl_rng_uniform(g) / 2;
			e[i] = p[i] * tm->expected(pp[i], t, r[i].x, r[i].t_x, r[i].T) / mp *
			       tilt[i % 4];
		}
		for (int tilted = 0; tilted <= 1; tilted++) {
			sk_predict_median(tm, m[j].par, &d, t, p, tilted ? e : NULL, med);
			sk_predict_median_reference(tm, m[j].par, &d, t, p, tilted ? e : NULL, ref);
			int same = 0, over1 = 0;
			for (int i = 0; i < N; i++) {
				same += med[i] == ref[i];
				over1 += ref[i] > 1;
				if (med[i] != ref[i])
					printf("# %s x %g t_x %g T %g p %.17g: median %g, reference %g\n",
					       tm->name, r[i].x, r[i].t_x, r[i].T, p[i], med[i], ref[i]);
			}
			check(same == N && over1 > 50, "%s%s%s by the shared rule: %d of %d medians "
			      "are the reference's (%d above 1)", tm->name,
			      m[j].cov ? " with covariates" : "",
			      tilted ? ", tilted to 0.6 .. 2.5 x E[X | X > 0]" : "", same, N, over1);
		}
		/* At a tie: p_return such that her need is the reference's
		 * cum(k), k = 1, 2, 3 (median.c then redoes her from the
		 * model's pmf). */
		int ties = 0;
		for (int i = 0; i < N; i++) {
			double pos = 1 - sk_cond_pmf(tm, pp[i], t, 0, r[i].x, r[i].t_x, r[i].T);
			double cum = 0;
			for (int n = 1; n <= 1 + i % 3; n++)
				cum += sk_cond_pmf(tm, pp[i], t, n, r[i].x, r[i].t_x, r[i].T);
			p[i] = 0.5 / (1 - cum / pos);
			ties += p[i] > 0.5 && p[i] <= 1;
			if (!(p[i] > 0.5 && p[i] <= 1))
				p[i] = 0;
		}
		sk_predict_median(tm, m[j].par, &d, t, p, NULL, med);
		sk_predict_median_reference(tm, m[j].par, &d, t, p, NULL, ref);
		int same = 0;
		for (int i = 0; i < N; i++)
			same += med[i] == ref[i];
		check(same == N && ties > 50, "%s%s by the shared rule: at %d ties, %d of %d "
		      "medians are the reference's", tm->name, m[j].cov ? " with covariates" : "",
		      ties, same, N);
		/* Tilted, at a tie: the level of her p_return is the
		 * reference's tilted F(k), k = 1, 2, 3, for her mean c
		 * (median.c then redoes her from the model's pmf when the
		 * tilt's slack says another f might tip her). */
		ties = 0;
		for (int i = 0; i < N; i++) {
			double c = 1.2 + 0.15 * (i % 20);
			double F = ref_tilted_cdf(tm, pp[i], t, &r[i], c, 1 + i % 3);
			p[i] = F > 0 && F < 1 ? 0.5 / (1 - F) : 0;
			e[i] = p[i] * c;
			ties += p[i] > 0.5;
		}
		sk_predict_median(tm, m[j].par, &d, t, p, e, med);
		sk_predict_median_reference(tm, m[j].par, &d, t, p, e, ref);
		same = 0;
		for (int i = 0; i < N; i++)
			same += med[i] == ref[i];
		check(same == N && ties > 300, "%s%s by the shared rule, tilted: at %d ties, %d of "
		      "%d medians are the reference's", tm->name,
		      m[j].cov ? " with covariates" : "", ties, same, N);
	}
	gsl_rng_free(g);
}

/* Where the rule gives out: heavy buyers' futures (r + x in the
 * thousands) whose NB kernel is narrower than 32 panels resolve; the
 * iterator returns NaN from some k on (or refuses at once), median.c
 * takes the model's pmf from there, and the medians are the
 * reference's. */
static void giving_out(void)
{
	enum { N = 12 };
	const double par[] = { 5, 10, 1.6, 500 }, t = 365;
	struct sk_rfm r[N];
	unsigned char valid[N];
	double p[N], e[N], med[N], ref[N];
	int gave_out = 0, refused = 0;
	for (int i = 0; i < N; i++) {
		double T = 1000 + 100 * i, x = floor(T * (0.5 + 0.4 * i));
		r[i] = (struct sk_rfm){ .x = x, .t_x = T - 3, .T = T, .w = 1 };
		valid[i] = 1;
		p[i] = 0.6 + 0.03 * i;
		e[i] = p[i] * sk_pnbd.expected(par, t, x, T - 3, T) /
		       (sk_pnbd.p_alive(par, x, T - 3, T) * sk_pnbd.return_alive(par, t, x, T)) *
		       (0.9 + 0.02 * i);
		double q[5];
		sk_cond_future(&sk_pnbd, par, x, T, q);
		struct sk_pnbd_pmf_iter it;
		if (sk_pnbd_pmf_init(&it, q, t) != 0) {
			refused++;
			continue;
		}
		for (int k = 0; k < 2000; k++)
			if (isnan(sk_pnbd_pmf_next(&it))) {
				gave_out++;
				break;
			}
	}
	struct sk_custdata d = { .n = N, .rfm = r, .valid = valid, .nvalid = N };
	for (int tilted = 0; tilted <= 1; tilted++) {
		sk_predict_median(&sk_pnbd, par, &d, t, p, tilted ? e : NULL, med);
		sk_predict_median_reference(&sk_pnbd, par, &d, t, p, tilted ? e : NULL, ref);
		int same = 0;
		for (int i = 0; i < N; i++)
			same += med[i] == ref[i];
		check(same == N && gave_out + refused >= 3, "pnbd%s, r + x 500 .. 10000: the rule "
		      "gave out for %d customers, refused %d, %d of %d medians are the reference's",
		      tilted ? " tilted" : "", gave_out, refused, same, N);
	}
}

int main(void)
{
	pmf_sets();
	medians();
	giving_out();
	printf("# %d/%d checks passed\n", checks - failures, checks);
	return failures != 0;
}
