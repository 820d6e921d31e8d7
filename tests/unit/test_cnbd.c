/* test_cnbd.c: unit tests for BG/CNBD-k and MBG/CNBD-k (lib/model/cnbd.c).
 * Run from the repository root; one "ok - ..." / "not ok - ..." line per
 * check, exit 1 if any failed.
 *
 * References:
 *   k = 1 is BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam,
 *     Denizel & Filiztekin 2007) exactly (Platzer & Reutterer 2016,
 *     Marketing Science 35(5), section 3): every function is compared
 *     with bgnbd.c / mbgnbd.c to 1e-12, and the fit on CDNOW with the
 *     published BG/NBD estimates (FHL 2005, section 4: r = 0.243,
 *     alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4), which BTYDplus's
 *     own test (tests/testthat/test-bg-cnbd-k.R) checks bgcnbd against;
 *   k > 1: the published table (BTYDplus's vignette, grocery data, k = 2)
 *     is reproduced in test_peers.c; here the parameters of BTYDplus's
 *     tests (k = 3, r = 0.85, alpha = 1.45, a = 0.79, b = 2.42) are
 *     recovered from data simulated by the models' own story (BTYDplus
 *     xbgcnbd.GenerateData), within 3 standard errors, and k exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "model/model.h"
#include "model/modelint.h"
#include "model/score.h"
#include "crm/value.h"

#include "cdnow.h"
#include "tap.h"

static double rel(double got, double want)
{
	return fabs(got - want) / fmax(fabs(want), 1e-300);
}

/* ---- k = 1 is BG/NBD and MBG/NBD ---- */

static void check_k1(const struct sk_tmodel *cn, const struct sk_tmodel *bg, const double *par4)
{
	static const double pat[][3] = {
		{ 0, 0, 38.86 }, { 1, 1.71, 38.86 }, { 2, 30.43, 38.86 }, { 7, 37, 38 },
		{ 30, 50, 52 }, { 1, 0.5, 60 }, { 200, 52, 52 }, { 3, 10, 10 },
	};
	double par[5] = { par4[0], par4[1], par4[2], par4[3], 1 };
	double worst[6] = { 0 };
	for (size_t i = 0; i < sizeof pat / sizeof pat[0]; i++) {
		double x = pat[i][0], tx = pat[i][1], T = pat[i][2];
		worst[0] = fmax(worst[0], rel(cn->loglik1(par, x, tx, T), bg->loglik1(par4, x, tx, T)));
		worst[1] = fmax(worst[1], rel(cn->p_alive(par, x, tx, T), bg->p_alive(par4, x, tx, T)));
		for (double t = 1; t <= 100; t *= 10) {
			worst[2] = fmax(worst[2], rel(cn->expected(par, t, x, tx, T),
						      bg->expected(par4, t, x, tx, T)));
			double pr = bg->p_alive(par4, x, tx, T) * bg->return_alive(par4, t, x, T);
			worst[3] = fmax(worst[3], rel(cn->p_return(par, t, x, tx, T), pr));
		}
	}
	for (double t = 0.5; t <= 500; t *= 10) {
		worst[4] = fmax(worst[4], rel(cn->expected_new(par, t), bg->expected_new(par4, t)));
		for (int n = 0; n < 8; n++)
			worst[5] = fmax(worst[5], rel(cn->pmf(par, t, n), bg->pmf(par4, t, n)));
	}
	static const char *what[] = { "loglik1", "p_alive", "expected", "p_return",
				      "expected_new", "pmf" };
	for (int k = 0; k < 6; k++)
		check(worst[k] < 1e-12, "%s at k = 1: %s equals %s's (worst rel. difference %.2e)",
		      cn->name, what[k], bg->name, worst[k]);
}


static void check_cdnow(void)
{
	size_t n;
	struct sk_rfm *p = read_cdnow(&n);
	struct sk_fit fc, fb;
	char err[400];
	int rc = sk_cnbd_fit_k(1, 0, p, n, &fc, err, sizeof err);
	check(rc == 0, "bgcnbd k = 1 fits CDNOW (%s)", rc ? err : "ok");
	rc = sk_bgnbd.fit(p, n, &fb, err, sizeof err);
	check(rc == 0, "bgnbd fits CDNOW");
	static const double pub[4] = { 0.243, 4.414, 0.793, 2.426 };
	double w = 0, wb = 0;
	for (int i = 0; i < 4; i++) {
		w = fmax(w, rel(round(fc.par[i] * 1000) / 1000, pub[i]));
		wb = fmax(wb, rel(fc.par[i], fb.par[i]));
	}
	check(w < 1e-3, "bgcnbd k = 1 on CDNOW: FHL 2005's r alpha a b to their 3 decimals "
	      "(%.4f %.4f %.4f %.4f)", fc.par[0], fc.par[1], fc.par[2], fc.par[3]);
	check(wb < 1e-6 && fabs(fc.loglik - fb.loglik) < 1e-6,
	      "bgcnbd k = 1 on CDNOW: the BG/NBD fit (worst rel. %.2e), LL %.4f vs %.4f", wb,
	      fc.loglik, fb.loglik);
	check(fabs(fc.loglik - -9582.4) < 0.05, "bgcnbd k = 1 on CDNOW: LL %.2f (FHL 2005: -9582.4)",
	      fc.loglik);
	check(fc.npar == 5 && fc.par[4] == 1 && fc.se[4] == 0,
	      "the fit carries k as a fifth parameter without a standard error");
	struct sk_fit fm, fmb;
	rc = sk_cnbd_fit_k(1, 1, p, n, &fm, err, sizeof err) | sk_mbgnbd.fit(p, n, &fmb, err, sizeof err);
	double wm = 0;
	for (int i = 0; rc == 0 && i < 4; i++)
		wm = fmax(wm, rel(fm.par[i], fmb.par[i]));
	check(rc == 0 && wm < 1e-6 && fabs(fm.loglik - fmb.loglik) < 1e-6,
	      "mbgcnbd k = 1 on CDNOW: the MBG/NBD fit (worst rel. %.2e), LL %.4f vs %.4f", wm,
	      fm.loglik, fmb.loglik);
	/* litt missing (NaN, no column): the model says so */
	p[1].litt = NAN;
	rc = sk_bgcnbd.fit(p, n, &fc, err, sizeof err);
	check(rc != 0 && strstr(err, "litt"), "bgcnbd without litt fails with a reason (%s)",
	      rc ? err : "fitted");
	free(p);
}

/* ---- gradients ---- */

static void check_grad(int k, double shift, const struct sk_rfm *p, size_t n)
{
	static const double par[4] = { 0.9, 1.3, 0.7, 2.6 };
	double th[4];
	for (int i = 0; i < 4; i++)
		th[i] = log(par[i]);
	void *ctx = sk_cnbd_ctx_new(p, n, k, shift);
	double e = sk_fit_gradcheck(4, sk_cnbd_nll, ctx, th);
	sk_cnbd_ctx_free(ctx);
	check(e < 1e-5, "cnbd k = %d shift %g: analytic gradient matches central differences "
	      "(worst rel. error %.2e)", k, shift, e);
}

/* ---- simulation (BTYDplus xbgcnbd.GenerateData) ---- */

struct sim {
	struct sk_rfm *p;
	double *xstar;		/* purchases in (T, T + tstar] */
	unsigned char *alive;	/* alive at T */
	size_t n;
};

/* n customers with T uniform on 36..96 rounded to 12 (BTYDplus's test),
 * observed for tstar more; lambda ~ Gamma(r, alpha), p ~ Beta(a, b); the
 * number of repeat purchases before dropping out is Geometric(p) (MBG:
 * counting from time 0, BG: plus one); purchase gaps Erlang-k(lambda). */
static void simulate(const double *par, double shift, size_t n, double tstar,
		     unsigned long seed, struct sim *s)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	int k = (int)par[4];
	s->n = n;
	s->p = calloc(n, sizeof *s->p);
	s->xstar = calloc(n, sizeof *s->xstar);
	s->alive = calloc(n, 1);
	for (size_t i = 0; i < n; i++) {
		double T = round((36 + 60 * gsl_rng_uniform(rng)) / 12) * 12;
		double lambda = gsl_ran_gamma(rng, par[0], 1 / par[1]);
		double p = fmax(gsl_ran_beta(rng, par[2], par[3]), 1e-5);
		long churn = (long)gsl_ran_geometric(rng, p) - 1 + (shift > 0 ? 0 : 1);
		if (churn > 100000)
			churn = 100000;
		double t = 0, tx = 0, litt = 0;
		long x = 0, xs = 0;
		for (long j = 0; j < churn; j++) {
			double gap = gsl_ran_gamma(rng, k, 1 / lambda);
			t += gap;
			if (t <= T) {
				x++;
				tx = t;
				litt += log(gap);
			} else if (t <= T + tstar)
				xs++;
			else
				break;
		}
		s->p[i] = (struct sk_rfm){ .x = (double)x, .t_x = tx, .T = T, .w = 1, .litt = litt };
		s->xstar[i] = (double)xs;
		s->alive[i] = churn > x;
	}
	gsl_rng_free(rng);
}

static void sim_free(struct sim *s)
{
	free(s->p);
	free(s->xstar);
	free(s->alive);
}

static void check_recovery(const struct sk_tmodel *tm, double shift)
{
	static const double truth[5] = { 0.85, 1.45, 0.79, 2.42, 3 };
	struct sim s;
	simulate(truth, shift, 8000, 36, 20 + (unsigned long)shift, &s);
	struct sk_fit f;
	char err[400];
	int rc = tm->fit(s.p, s.n, &f, err, sizeof err);
	check(rc == 0, "%s fits 8000 simulated customers (%s)", tm->name, rc ? err : "ok");
	if (rc != 0) {
		sim_free(&s);
		return;
	}
	check(f.par[4] == truth[4], "%s: k chosen by likelihood is the true %g (got %g)", tm->name,
	      truth[4], f.par[4]);
	for (int i = 0; i < 4; i++)
		check(fabs(f.par[i] - truth[i]) < 3 * f.se[i] && f.se[i] > 0,
		      "%s: %s = %.4f (se %.4f) recovers %.2f within 3 se", tm->name, tm->parname[i],
		      f.par[i], f.se[i], truth[i]);
	/* The fit at k = 1 (BG/NBD) is worse by much more than chance */
	struct sk_fit f1;
	if (sk_cnbd_fit_k(1, shift, s.p, s.n, &f1, err, sizeof err) == 0)
		check(f.loglik - f1.loglik > 100, "%s: LL at k = 3 above k = 1 by %.1f", tm->name,
		      f.loglik - f1.loglik);
	/* Predictions with the true parameters against what happened: the
	 * sums over customers agree within 4 standard deviations of the
	 * simulated totals. */
	double se = 0, ee = 0, ve = 0, sa = 0, pa = 0, va = 0, sr = 0, pr = 0, vr = 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct sk_rfm *r = &s.p[i];
		double e = tm->expected(truth, 36, r->x, r->t_x, r->T);
		double a = tm->p_alive(truth, r->x, r->t_x, r->T);
		double q = tm->p_return(truth, 36, r->x, r->t_x, r->T);
		se += s.xstar[i];
		ee += e;
		ve += (s.xstar[i] - e) * (s.xstar[i] - e);
		sa += s.alive[i];
		pa += a;
		va += a * (1 - a);
		sr += s.xstar[i] > 0;
		pr += q;
		vr += q * (1 - q);
	}
	check(fabs(se - ee) < 4 * sqrt(ve), "%s: expected purchases in 36 more: %.1f vs %.0f "
	      "simulated (4 sd = %.1f)", tm->name, ee, se, 4 * sqrt(ve));
	check(fabs(sa - pa) < 4 * sqrt(va), "%s: sum of p_alive %.1f vs %.0f alive (4 sd = %.1f)",
	      tm->name, pa, sa, 4 * sqrt(va));
	check(fabs(sr - pr) < 4 * sqrt(vr), "%s: sum of p_return %.1f vs %.0f who bought "
	      "(4 sd = %.1f)", tm->name, pr, sr, 4 * sqrt(vr));
	/* gradient on these patterns, at the true k and at 1 */
	check_grad(3, shift, s.p, 500);
	check_grad(1, shift, s.p, 500);
	sim_free(&s);
}

static void check_pmf(const struct sk_tmodel *tm, const double *par)
{
	for (double t = 2; t <= 200; t *= 10) {
		double s = 0, m = 0;
		for (int n = 0; n <= 3000; n++) {
			double p = tm->pmf(par, t, n);
			s += p;
			m += n * p;
		}
		check(fabs(s - 1) < 1e-9 && rel(m, tm->expected_new(par, t)) < 1e-8,
		      "%s k = %g: pmf at t = %g sums to 1 (%.12f), its mean is expected_new "
		      "(%.8f vs %.8f)", tm->name, par[4], t, s, m, tm->expected_new(par, t));
	}
	/* the conditional pmf of a customer against expected and p_return */
	static const double pat[][3] = { { 0, 0, 40 }, { 4, 30, 40 }, { 10, 39, 40 } };
	double shift = tm == &sk_mbgcnbd;
	for (size_t i = 0; i < 3; i++) {
		double x = pat[i][0], tx = pat[i][1], T = pat[i][2], s = 0, m = 0;
		for (int n = 0; n <= 3000; n++) {
			double p = sk_cnbd_cond_pmf(par, 30, n, x, tx, T, shift);
			s += p;
			m += n * p;
		}
		double e = tm->expected(par, 30, x, tx, T);
		double p0 = sk_cnbd_cond_pmf(par, 30, 0, x, tx, T, shift);
		check(fabs(s - 1) < 1e-9 && rel(m, e) < 1e-8 &&
		      rel(1 - p0, tm->p_return(par, 30, x, tx, T)) < 1e-9,
		      "%s k = %g, x = %g t_x = %g T = %g: conditional pmf sums to 1, its mean is "
		      "expected (%.8f vs %.8f), 1 - P(0) is p_return", tm->name, par[4], x, tx, T, m,
		      e);
	}
}

/* The mixture sk_predict combines (mix_alive per (x, T), mix_weights per
 * pattern) is expected and p_return. */
static void check_mix(const struct sk_tmodel *tm, const double *par)
{
	static const double pat[][3] = { { 0, 0, 40 }, { 4, 30, 40 }, { 10, 39, 40 }, { 3, 5, 60 } };
	double worst = 0;
	for (size_t i = 0; i < 4; i++) {
		double x = pat[i][0], tx = pat[i][1], T = pat[i][2];
		double ex[SK_MIX_MAX], ret[SK_MIX_MAX], w[SK_MIX_MAX] = { 0 }, e = 0, r = 0;
		int n = tm->mix_alive(par, 25, x, T, ex, ret);
		tm->mix_weights(par, x, tx, T, w);
		for (int j = 0; j < n; j++) {
			e += w[j] * ex[j];
			r += w[j] * ret[j];
		}
		double pa = tm->p_alive(par, x, tx, T);
		worst = fmax(worst, rel(pa * e, tm->expected(par, 25, x, tx, T)));
		worst = fmax(worst, rel(pa * r, tm->p_return(par, 25, x, tx, T)));
	}
	check(worst < 1e-12, "%s k = %g: p_alive x the mixture of mix_alive by mix_weights is "
	      "expected and p_return (worst rel. %.2e)", tm->name, par[4], worst);
}

/* Each component of mix_alive (cnbd.c future_means: all k sums in
 * vector lanes) against its definition summed on its own in long double:
 * E_j = sum_y NBD(y; m + j, q) G(floor((y + j) / k)), G(n) = sum_{i<n}
 * B(a, b0+i) / B(a, b0), m = r + kx, q = (alpha+T)/(alpha+T+t), b0 =
 * b + x + shift (cnbd.c, future_mean).  Odd and even k (an idle lane),
 * k = 12 (every lane), and x = 300 over a long horizon, where the pmf
 * starts below the smallest double (the path in logs). */
static void check_components(void)
{
	static const double pats[][3] = { { 0, 0, 40 }, { 3, 30, 40 }, { 12, 200, 365 },
					   { 300, 360, 365 } };
	static const int ks[] = { 1, 2, 5, 6, 12 };
	double worst = 0, worst_long = 0;
	for (size_t ik = 0; ik < sizeof ks / sizeof *ks; ik++)
		for (int sh = 0; sh <= 1; sh++)
			for (size_t i = 0; i < 4; i++) {
				int k = ks[ik];
				double par[5] = { 0.8, 6.9 / k, 0.8, 2.4, k };
				double x = pats[i][0], T = pats[i][2], t = i == 3 ? 3000 : 90;
				const struct sk_tmodel *tm = sh ? &sk_mbgcnbd : &sk_bgcnbd;
				double ex[SK_MIX_MAX];
				int n = tm->mix_alive(par, t, x, T, ex, NULL);
				long double q = (par[1] + T) / (par[1] + T + t), b0 = par[3] + x + sh;
				for (int j = 0; j < n; j++) {
					long double m = par[0] + k * x + j, mean = m * (1 - q) / q;
					long double sd = sqrtl(mean / q), e = 0, G = 0, g = 1;
					long nb = 0;
					for (long y = 0; y < mean + 40 * sd + 100; y++) {
						long blk = (y + j) / k;
						for (; nb < blk; nb++) {
							G += g;
							g *= (b0 + nb) / (par[2] + b0 + nb);
						}
						e += expl(lgammal(m + y) - lgammal(m) - lgammal(y + 1.0L) +
							  m * logl(q) + y * log1pl(-q)) * G;
					}
					double d = rel(ex[j], (double)e);
					if (i == 3)
						worst_long = fmax(worst_long, d);
					else
						worst = fmax(worst, d);
				}
			}
	check(worst < 1e-13, "mix_alive's components are their sums (k = 1, 2, 5, 6, 12; worst "
	      "rel. %.2e)", worst);
	/* ~10^5 steps of the pmf's product recurrence: as many roundings */
	check(worst_long < 1e-10, "and from below the smallest double (x = 300, m up to 3600, "
	      "~10^5 events; worst rel. %.2e)", worst_long);
}

/* 30,000 customers make more than 20,000 patterns: the fit scans k on
 * the coarse patterns and climbs on the data (cnbd.c fit_best_k); it must
 * land on the k and the likelihood of fitting every k on the data. */
static void check_coarse_scan(void)
{
	static const double truth[5] = { 0.85, 1.45, 0.79, 2.42, 4 };
	struct sim s;
	simulate(truth, 1, 30000, 36, 77, &s);
	size_t nc = 0;
	struct sk_rfm *cc = sk_rfm_coarse_new(s.p, s.n, &nc);
	check(cc != NULL, "30000 simulated customers have coarse patterns (%zu), so the coarse "
	      "scan runs", nc);
	free(cc);
	struct sk_fit f, g;
	char err[400];
	int rc = sk_mbgcnbd.fit(s.p, s.n, &f, err, sizeof err);
	double best = -INFINITY;
	int kbest = 0;
	for (int k = 1; rc == 0 && k <= 7; k++)
		if (sk_cnbd_fit_k(k, 1, s.p, s.n, &g, err, sizeof err) == 0 && g.loglik > best) {
			best = g.loglik;
			kbest = k;
		}
	check(rc == 0 && f.par[4] == kbest && fabs(f.loglik - best) < 1e-6 * fabs(best),
	      "mbgcnbd on 30000 customers: the coarse scan finds k = %g, LL %.4f; every k on "
	      "the data: k = %d, LL %.4f", rc ? 0 : f.par[4], rc ? 0 : f.loglik, kbest, best);
	sim_free(&s);
}

/* clv's discounted expected transactions (sk_value_det) for a mixture
 * model discount each component once per (x, T) and weight them per
 * pattern (value.c, the mix_alive path); the result must be the
 * discounting of the model's own E(t) per pattern, DET = e^{-dH} E(H) +
 * d int_0^H e^{-dt} E(t) dt, here by composite Simpson on 4000 panels of
 * tm->expected (independent of value.c's Gauss-Legendre), and E(H)
 * itself without discounting.  Patterns share (x, T) with different t_x,
 * so the weights differ within a group.  The tolerance is value.c's
 * quadrature's, not the decomposition's (which is exact): a regular
 * buyer's E(t) (k = 6, x = 8) is a smoothed staircase of about ten steps
 * over the year, where 16-point Gauss-Legendre is off by up to 4e-8 of
 * the value, as it was per pattern before; wrong weights or components
 * would be off by whole percents. */
static void check_det(const struct sk_tmodel *tm, const double *par)
{
	enum { N = 24 };
	struct sk_rfm rfm[N];
	unsigned char valid[N];
	static const double xs[4] = { 0, 1, 3, 8 }, Ts[2] = { 300, 500 };
	static const double fr[3] = { 0.2, 0.6, 0.95 };
	int n = 0;
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 2; b++)
			for (int c = 0; c < 3; c++, n++) {
				memset(&rfm[n], 0, sizeof rfm[n]);
				rfm[n].x = xs[a];
				rfm[n].T = Ts[b];
				rfm[n].t_x = xs[a] > 0 ? floor(fr[c] * Ts[b]) : 0;
				rfm[n].w = 1;
				rfm[n].litt = 0;
				valid[n] = 1;
			}
	double H = 365, rate = 0.1, delta = log1p(rate) / 365.25, worst = 0, worst0 = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct sk_custdata d;
		memset(&d, 0, sizeof d);
		d.n = d.nvalid = N;
		d.rfm = rfm;
		d.valid = valid;
		double *v = sk_value_det(tm, par, &d, H, pass ? 0 : rate, 1);
		for (int i = 0; i < N; i++) {
			const struct sk_rfm *r = &rfm[i];
			double EH = tm->expected(par, H, r->x, r->t_x, r->T), ref = EH;
			if (!pass) {
				int m = 4000;
				double h = H / m, s = 0;
				for (int j = 0; j <= m; j++) {
					double t = j * h, f = t > 0 ?
						exp(-delta * t) * tm->expected(par, t, r->x, r->t_x, r->T) : 0;
					s += f * (j == 0 || j == m ? 1 : j % 2 ? 4 : 2);
				}
				ref = exp(-delta * H) * EH + delta * s * h / 3;
			}
			double e = fabs(v[i] - ref) / fmax(ref, 1e-300);
			if (pass)
				worst0 = fmax(worst0, e);
			else
				worst = fmax(worst, e);
		}
		free(v);
		free(d.pat);
		free(d.pid);
	}
	check(worst < 1e-6 && worst0 < 1e-12,
	      "%s: clv's discounted expected transactions from the components per (x, T) "
	      "match each pattern's E(t) discounted by Simpson (largest relative difference "
	      "%.1e; undiscounted %.1e)", tm->name, worst, worst0);
}

int main(void)
{
	static const double cd[4] = { 0.243, 4.414, 0.793, 2.426 };
	static const double other[4] = { 2.5, 0.8, 1.7, 0.6 };
	check_k1(&sk_bgcnbd, &sk_bgnbd, cd);
	check_k1(&sk_bgcnbd, &sk_bgnbd, other);
	check_k1(&sk_mbgcnbd, &sk_mbgnbd, cd);
	check_k1(&sk_mbgcnbd, &sk_mbgnbd, other);
	check_cdnow();
	static const double p3[5] = { 0.85, 1.45, 0.79, 2.42, 3 };
	static const double p7[5] = { 3.1, 0.6, 1.4, 4.2, 7 };
	check_pmf(&sk_bgcnbd, p3);
	check_pmf(&sk_mbgcnbd, p3);
	check_pmf(&sk_bgcnbd, p7);
	check_mix(&sk_bgcnbd, p3);
	check_mix(&sk_mbgcnbd, p7);
	check_components();
	check_recovery(&sk_bgcnbd, 0);
	check_recovery(&sk_mbgcnbd, 1);
	check_coarse_scan();
	static const double p6[5] = { 0.8, 6.9, 0.8, 2.4, 6 };
	check_det(&sk_bgcnbd, p6);
	check_det(&sk_mbgcnbd, p3);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
