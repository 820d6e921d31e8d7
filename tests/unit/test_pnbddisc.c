/* test_pnbddisc.c: the Pareto/NBD's discounted survival (pnbddisc.c)
 * and clv's discounting through it, against slow direct evaluations.
 *
 * (1) D(s, B, delta, H) = int_0^H e^(-delta t) (B/(B+t))^s dt against
 * GSL's adaptive Gauss-Kronrod (QAG, 61 points, relative 1e-13; QAGIU
 * for H = inf) of the integrand as written, in t, over a grid from
 * s = 0.05 to 1000, B = beta+T from half a day to 10^6 and horizons of a
 * day to a lifetime: 1e-11 relative.  (The Gauss-Legendre rule by parts
 * that D replaces was off by up to 3e-3 where H >> B and s is large: a
 * curve E(t) that bends within B of 0 over a horizon of H.)
 * (2) With a continuous covariate on both processes, every customer has
 * her own alpha and beta (FH 2007); sk_value_det (one D per customer)
 * must equal, for six customers, e^(-dH) E(H) + d int_0^H e^(-dt) E(t)
 * dt with E the model's own expected() at her parameters (sk_cov_par),
 * integrated by QAG to 1e-12: a check of the identity DET = p_alive
 * (r+x)/(alpha+T) D as well as of D.  And the lifetime (horizon < 0, the
 * model's dert) must equal FHL 2005 eq. 2's P(alive) (r+x)/(alpha+T)
 * (beta+T)^s delta^(s-1) U(s, s; delta(beta+T)) with GSL's U.
 * (3) clv's intervals for the same customers (value.c's
 * det_se_patterns: groups once, parameter sets in a row, chunks of
 * patterns) must equal the delta method written out from sk_value_det
 * at each of interval.c's parameter sets: 1e-12.
 * (4) sk_cov_p_alive (covlik.c's kernel, series coefficients shared per
 * x) must give pnbd.c's p_alive for 4000 customers with their own alpha
 * and beta, including rates so unequal that the kernel falls back to
 * quadrature: 1e-12 relative.
 * (5) The DERT given P(alive) (model.h, dert_pa) and the model's dert
 * are the product pnbd.c's dert computed before dert_pa, to the bit,
 * over a grid of parameters and patterns; for 2000 customers
 * with covariates sk_value_dert given sk_predict's p_alive is
 * sk_value_det's lifetime to the bit (churn --dert's bytes do not
 * change), given half of it half (so it is used, not recomputed), and
 * the p_alive sk_value_det_alive returns with the lifetime is
 * sk_predict_alive's (clv --horizon lifetime's column).
 * (6) sk_pnbd_disc_life (a table for one s and delta) within 1e-13 of
 * sk_pnbd_disc. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_hyperg.h>

#include "crm/value.h"
#include "model/covar.h"
#include "model/interval.h"
#include "model/model.h"
#include "model/pnbdint.h"
#include "model/spend.h"
#include "model/score.h"

#include "tap.h"

struct surv {
	double s, B, delta;
};

static double surv_f(double t, void *v)
{
	const struct surv *c = v;
	return exp(-c->delta * t - c->s * log1p(t / c->B));
}

static double ref_disc(double s, double B, double delta, double H,
		       gsl_integration_workspace *w)
{
	struct surv c = { s, B, delta };
	gsl_function F = { surv_f, &c };
	double r = NAN, e;
	int rc = isinf(H) ? gsl_integration_qagiu(&F, 0, 0, 1e-13, 10000, w, &r, &e) :
		gsl_integration_qag(&F, 0, H, 0, 1e-13, 10000, GSL_INTEG_GAUSS61, w, &r, &e);
	return rc ? NAN : r;
}

static void disc_grid(gsl_integration_workspace *w)
{
	static const double ss[] = { 0.05, 0.6, 1, 1 + 1e-9, 1.6, 2.5, 40, 1000 };
	static const double BB[] = { 0.5, 30, 400, 3000, 1e6 };
	static const double dd[] = { 2.6e-4, 1e-2, 0.3 };
	static const double HH[] = { 1, 90, 365, 3650, 1e5, INFINITY };
	double worst = 0;
	int n = 0, skipped = 0;
	char at[160] = "";
	for (size_t a = 0; a < sizeof ss / sizeof *ss; a++)
		for (size_t b = 0; b < sizeof BB / sizeof *BB; b++)
			for (size_t c = 0; c < sizeof dd / sizeof *dd; c++)
				for (size_t e = 0; e < sizeof HH / sizeof *HH; e++) {
					double s = ss[a], B = BB[b], d = dd[c], H = HH[e];
					double ref = ref_disc(s, B, d, H, w);
					if (!isfinite(ref) || !(ref > 0)) {
						skipped++;	/* QAG gave up */
						continue;
					}
					double v = sk_pnbd_disc(s, B, d, H);
					double rel = fabs(v - ref) / ref;
					n++;
					if (!(rel <= worst)) {
						worst = rel;
						snprintf(at, sizeof at, "s %g B %g delta %g H %g: "
							 "%.15g vs %.15g", s, B, d, H, v, ref);
					}
				}
	check(worst < 1e-11 && n > 600 && skipped < 10,
	      "pnbddisc: D(s, B, delta, H) within %.1e of adaptive quadrature on %d points "
	      "(%d skipped; worst at %s)", worst, n, skipped, at);
	check(sk_pnbd_disc(1.6, 500, 1e-3, 0) == 0 && isnan(sk_pnbd_disc(0.5, 500, 0, INFINITY)) &&
	      isnan(sk_pnbd_disc(-1, 500, 1e-3, 10)) && isnan(sk_pnbd_disc(1, 0, 1e-3, 10)),
	      "pnbddisc: D is 0 over no time, NaN for an undiscounted lifetime and bad arguments");
}

struct ecurve {
	const double *ip;
	const struct sk_rfm *r;
	double delta;
};

static double ecurve_f(double t, void *v)
{
	const struct ecurve *c = v;
	return exp(-c->delta * t) * sk_pnbd.expected(c->ip, t, c->r->x, c->r->t_x, c->r->T);
}

static void det_covariates(gsl_integration_workspace *w)
{
	/* r, alpha0, s, beta0, g_p, g_d: the bench's fit, its coefficients
	 * made large enough that the customers' parameters differ */
	const double par[6] = { 1.32, 91.06, 1.6, 510.4, 0.3, -0.5 };
	double zv[6][2];
	struct sk_covdata cd = { .spec = { .kp = 1, .kd = 1 }, .nz = 6, .z = &zv[0][0] };
	struct sk_rfm rfm[6];
	unsigned char valid[6];
	static const double hx[6] = { 0, 1, 3, 8, 35, 2 }, htx[6] = { 0, 200, 650, 400, 665, 31 };
	for (int i = 0; i < 6; i++) {
		zv[i][0] = zv[i][1] = -2 + 0.9 * i;	/* the same income on both */
		rfm[i] = (struct sk_rfm){ .x = hx[i], .t_x = htx[i], .T = 729, .w = 1,
					  .cov = (uint32_t)i };
		valid[i] = 1;
	}
	const double H = 365, rate = 0.1, delta = log1p(rate) / 365.25;
	double worst = 0, worstl = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct sk_custdata d;
		memset(&d, 0, sizeof d);
		d.n = d.nvalid = 6;
		d.rfm = rfm;
		d.valid = valid;
		d.cov = &cd;
		d.ncov = 6;
		double *v = sk_value_det(&sk_pnbd, par, &d, pass ? -1 : H, rate, 1);
		for (int i = 0; i < 6; i++) {
			double ip[4], ref;
			sk_cov_par(&sk_pnbd, &cd.spec, par, zv[i], ip);
			const struct sk_rfm *r = &rfm[i];
			if (!pass) {
				struct ecurve c = { ip, r, delta };
				gsl_function F = { ecurve_f, &c };
				double q, e;
				if (gsl_integration_qag(&F, 0, H, 0, 1e-12, 10000, GSL_INTEG_GAUSS61,
							w, &q, &e))
					q = NAN;
				ref = exp(-delta * H) * sk_pnbd.expected(ip, H, r->x, r->t_x, r->T) +
				      delta * q;
			} else {
				/* FHL 2005 eq. 2 over the likelihood's constant */
				double B = ip[3] + r->T;
				ref = sk_pnbd.p_alive(ip, r->x, r->t_x, r->T) * (ip[0] + r->x) /
				      (ip[1] + r->T) * pow(B, ip[2]) * pow(delta, ip[2] - 1) *
				      gsl_sf_hyperg_U(ip[2], ip[2], delta * B);
			}
			double rel = fabs(v[i] - ref) / ref;
			if (pass)
				worstl = rel <= worstl ? worstl : rel;
			else
				worst = rel <= worst ? worst : rel;
		}
		free(v);
		free(d.pat);
		free(d.pid);
	}
	check(worst < 1e-10, "pnbddisc: clv's discounted transactions over 1y for six customers "
	      "with their own alpha and beta within %.1e of e^(-dH) E(H) + d int e^(-dt) E(t) dt",
	      worst);
	check(worstl < 1e-10, "pnbddisc: their lifetime values (dert) within %.1e of FHL 2005 "
	      "eq. 2 with GSL's U", worstl);
}

static void intervals_covariates(void)
{
	const double par[6] = { 1.32, 91.06, 1.6, 510.4, 0.3, -0.5 };
	double zv[3][2] = { { -1.5, -1.5 }, { 0.2, 0.2 }, { 2, 2 } };
	struct sk_covdata cd = { .spec = { .kp = 1, .kd = 1 }, .nz = 3, .z = &zv[0][0] };
	enum { N = 9 };
	struct sk_rfm rfm[N];
	unsigned char valid[N];
	double mbar[N];
	for (int i = 0; i < N; i++) {
		/* three histories at three vectors; two share (x, T, cov) */
		static const double hx[3] = { 0, 4, 4 }, htx[3] = { 0, 300, 600 };
		rfm[i] = (struct sk_rfm){ .x = hx[i % 3], .t_x = htx[i % 3], .T = 700, .w = 1,
					  .cov = (uint32_t)(i / 3) };
		valid[i] = 1;
		mbar[i] = hx[i % 3] > 0 ? 20 + i : NAN;
	}
	struct sk_fit tf = { .npar = 6, .ncoef = 2, .cov_ok = 1 }, sf = { .npar = 3, .cov_ok = 1 };
	static const double tse[6] = { 0.02, 0.9, 0.05, 20, 0.05, 0.08 };
	const double spar[3] = { 3.1, 4.1, 58.6 }, sse[3] = { 0.05, 0.06, 1.2 };
	memcpy(tf.par, par, sizeof par);
	memcpy(sf.par, spar, sizeof spar);
	for (int i = 0; i < 6; i++) {
		tf.se[i] = tse[i];
		for (int j = 0; j < 6; j++)	/* correlation 0.3 between all */
			tf.cov[i * SK_FIT_MAXPAR + j] = tse[i] * tse[j] * (i == j ? 1 : 0.3);
	}
	for (int i = 0; i < 3; i++) {
		sf.se[i] = sse[i];
		sf.cov[i * SK_FIT_MAXPAR + i] = sse[i] * sse[i];
	}
	struct sk_custdata d;
	memset(&d, 0, sizeof d);
	d.n = d.nvalid = N;
	d.rfm = rfm;
	d.valid = valid;
	d.mbar = mbar;
	d.cov = &cd;
	d.ncov = 3;
	const double H = 365, rate = 0.1;
	double *det = sk_value_det(&sk_pnbd, tf.par, &d, H, rate, 1);
	double spend[N], clv[N], lo[4][N], *out[4] = { lo[0], lo[1], lo[2], lo[3] };
	for (int i = 0; i < N; i++) {
		spend[i] = sk_value_spend(sf.par, &d, i);
		clv[i] = spend[i] * det[i];
	}
	sk_value_intervals(&sk_pnbd, &tf, &sf, &d, H, rate, 1, spend, clv, 0.9, out);
	struct sk_delta ts, ss;
	double worst = 0, *ld[7];
	int ok = sk_delta_init(&tf, 0.9, &ts) == 0 && sk_delta_init(&sf, 0.9, &ss) == 0;
	for (int k = 0; ok && k <= ts.npar; k++)
		ld[k] = sk_value_det(&sk_pnbd, ts.par[k], &d, H, rate, 1);
	for (int i = 0; ok && i < N; i++) {
		double g[7], h[4];
		for (int k = 0; k <= ts.npar; k++)
			g[k] = log(ld[k][i]);
		double x = rfm[i].x, m = x > 0 ? mbar[i] : 0;
		for (int k = 0; k <= ss.npar; k++)
			h[k] = log(sk_gg_expected_spend(ss.par[k], m > 0 ? x : 0, m));
		double se_t = sk_delta_se(&ts, g[0], g + 1), se_s = sk_delta_se(&ss, h[0], h + 1);
		double se_c = sqrt(se_t * se_t + se_s * se_s);
		double ref[2] = { clv[i] * exp(-ts.z * se_c), clv[i] * exp(ts.z * se_c) };
		for (int b = 0; b < 2; b++) {
			double rel = fabs(out[2 + b][i] - ref[b]) / ref[b];
			worst = rel <= worst ? worst : rel;
		}
		ok = ok && se_t > 0 && out[2][i] < clv[i] && clv[i] < out[3][i];
	}
	for (int k = 0; ok && k <= ts.npar; k++)
		free(ld[k]);
	check(ok && worst < 1e-12, "pnbddisc: clv_lo and clv_hi of nine customers with covariates "
	      "within %.1e of the delta method over sk_value_det at each parameter set", worst);
	free(det);
	free(d.pat);
	free(d.pid);
}

static void p_alive_kernel(void)
{
	enum { N = 4000 };
	const double par[6] = { 0.55, 10.6, 0.6, 11.7, 0.8, -1.1 };
	static double zv[N][2];
	static struct sk_rfm pat[N];
	static double pa[N];
	struct sk_covdata cd = { .spec = { .kp = 1, .kd = 1 }, .nz = N, .z = &zv[0][0] };
	unsigned long long u = 12345;
	for (int i = 0; i < N; i++) {
		double q[4];
		for (int j = 0; j < 4; j++) {	/* a 64-bit LCG (Knuth's MMIX) */
			u = u * 6364136223846793005ULL + 1442695040888963407ULL;
			q[j] = (double)(u >> 11) / 9007199254740992.0;
		}
		/* patterns in x order, as custdata.c sorts them */
		double x = floor(i * 40.0 / N), T = 10 + 70 * q[0];
		pat[i] = (struct sk_rfm){ .x = x, .t_x = x > 0 ? T * q[1] : 0, .T = T, .w = 1,
					  .cov = (uint32_t)i };
		zv[i][0] = 8 * q[2] - 4;	/* alpha and beta up to e^4 apart */
		zv[i][1] = 8 * q[3] - 4;
	}
	sk_cov_p_alive(&sk_pnbd, par, &cd, pat, N, pa);
	double worst = 0, lo = 1;
	for (int i = 0; i < N; i++) {
		double ip[4];
		sk_cov_par(&sk_pnbd, &cd.spec, par, zv[i], ip);
		double ref = sk_pnbd.p_alive(ip, pat[i].x, pat[i].t_x, pat[i].T);
		double rel = fabs(pa[i] - ref) / fmax(ref, 1e-300);
		worst = rel <= worst ? worst : rel;
		lo = fmin(lo, ref);
	}
	check(worst < 1e-12 && lo < 1e-3, "pnbddisc: sk_cov_p_alive within %.1e of p_alive for %d "
	      "customers with covariates (smallest p_alive %.2g)", worst, N, lo);
}

static void dert_given_alive(void)
{
	/* (r, alpha, s, beta): s = 1 (life_factor's limit), s large, tiny */
	static const double pars[4][4] = { { 0.55, 10.6, 0.6, 11.7 }, { 1.32, 91.06, 1, 510.4 },
					   { 2, 5, 300, 40 }, { 0.1, 0.5, 0.02, 1e4 } };
	static const double deltas[3] = { 1e-5, 2.6e-4, 0.5 };
	long same = 0, pos = 0, n = 0;
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 3; b++)
			for (double x = 0; x <= 60; x += 7.5)
				for (double T = 1; T <= 2000; T *= 3.7) {
					double tx = x > 0 ? T * 0.61 : 0;
					double pa = sk_pnbd.p_alive(pars[a], x, tx, T);
					const double *q = pars[a];
					/* pnbd.c's dert before dert_pa, as it was written
					 * (D now from the table, (6)) */
					double d0 = pa * (q[0] + x) / (q[1] + T) *
						    fmin(sk_pnbd_disc_life(q[2], q[3] + T,
									   deltas[b]),
							 1 / deltas[b]);
					double d1 = sk_pnbd.dert(q, deltas[b], x, tx, T);
					double d2 = sk_pnbd.dert_pa(q, deltas[b], pa, x, T);
					same += memcmp(&d0, &d1, sizeof d1) == 0 &&
						memcmp(&d0, &d2, sizeof d1) == 0;
					pos += d1 > 0;	/* not all 0: an underflowing p_alive */
					n++;
				}
	check(same == n && pos > n * 9 / 10, "pnbddisc: dert and dert_pa(p_alive) are FHL 2005 "
	      "eq. 2 as pnbd.c wrote it to the bit at %ld of %ld parameters and patterns (%ld "
	      "above 0)", same, n, pos);

	/* The GGom/NBD's dert_pa (ggomnbd.c) likewise: its dert is dert_pa at
	 * its own p_alive to the bit, and half the P(alive) halves it. */
	static const double gg[2][5] = { { 0.55, 10.6, 0.05, 0.6, 11.7 }, { 1.3, 40, 0.3, 2, 5 } };
	long gsame = 0, ghalf = 0, gn = 0;
	for (int a = 0; a < 2; a++)
		for (double x = 0; x <= 20; x += 5)
			for (double T = 2; T <= 200; T *= 4.3) {
				double tx = x > 0 ? T * 0.61 : 0;
				double pa = sk_ggomnbd.p_alive(gg[a], x, tx, T);
				double d1 = sk_ggomnbd.dert(gg[a], 0.01, x, tx, T);
				double d2 = sk_ggomnbd.dert_pa(gg[a], 0.01, pa, x, T);
				double d3 = sk_ggomnbd.dert_pa(gg[a], 0.01, pa / 2, x, T);
				gsame += d1 > 0 && memcmp(&d1, &d2, sizeof d1) == 0;
				ghalf += fabs(d3 - d2 / 2) <= 1e-15 * d2;
				gn++;
			}
	check(gsame == gn && ghalf == gn, "pnbddisc: the GGom/NBD's dert is dert_pa at its "
	      "p_alive to the bit at %ld of %ld, and proportional to P(alive) at %ld", gsame, gn,
	      ghalf);

	enum { N = 2000 };
	const double par[6] = { 0.55, 10.6, 0.6, 11.7, 0.8, -1.1 };
	static double zv[N][2];
	static struct sk_rfm rfm[N];
	static unsigned char valid[N];
	struct sk_covdata cd = { .spec = { .kp = 1, .kd = 1 }, .nz = N, .z = &zv[0][0] };
	unsigned long long u = 987654321;
	for (int i = 0; i < N; i++) {
		double q[4];
		for (int j = 0; j < 4; j++) {	/* a 64-bit LCG (Knuth's MMIX) */
			u = u * 6364136223846793005ULL + 1442695040888963407ULL;
			q[j] = (double)(u >> 11) / 9007199254740992.0;
		}
		double x = floor(q[0] * 30), T = 10 + 700 * q[1];
		rfm[i] = (struct sk_rfm){ .x = x, .t_x = x > 0 ? T * q[2] : 0, .T = T, .w = 1,
					  .cov = (uint32_t)i };
		zv[i][0] = zv[i][1] = 4 * q[3] - 2;
		valid[i] = i % 97 != 5;	/* some rows not customers */
	}
	struct sk_custdata d;
	memset(&d, 0, sizeof d);
	d.n = N;
	for (int i = 0; i < N; i++)
		d.nvalid += valid[i];
	d.rfm = rfm;
	d.valid = valid;
	d.cov = &cd;
	d.ncov = N;
	const double rate = 0.1;
	struct sk_pred p;
	sk_predict(&sk_pnbd, par, &d, 30, &p);
	double *ref = sk_value_det(&sk_pnbd, par, &d, -1, rate, 1);
	double *given = sk_value_dert(&sk_pnbd, par, &d, rate, 1, p.p_alive);
	static double half[N];
	for (int i = 0; i < N; i++)
		half[i] = valid[i] ? p.p_alive[i] / 2 : 0;
	double *vhalf = sk_value_dert(&sk_pnbd, par, &d, rate, 1, half);
	double *pa = NULL;
	double *lt = sk_value_det_alive(&sk_pnbd, par, &d, -1, rate, 1, &pa);
	double *pref = sk_predict_alive(&sk_pnbd, par, &d);
	int nsame = 0, nhalf = 0, nlt = 0, npa = 0, nv = 0;
	for (int i = 0; i < N; i++) {
		if (!valid[i])
			continue;
		nv++;
		nsame += memcmp(&ref[i], &given[i], sizeof ref[i]) == 0 && ref[i] > 0;
		nhalf += fabs(vhalf[i] - ref[i] / 2) <= 1e-15 * ref[i];
		nlt += memcmp(&ref[i], &lt[i], sizeof ref[i]) == 0;
		npa += memcmp(&pa[i], &pref[i], sizeof pa[i]) == 0;
	}
	check(nsame == nv && nlt == nv, "pnbddisc: DERT given sk_predict's p_alive is sk_value_det's "
	      "lifetime to the bit for %d (%d) of %d customers with covariates", nsame, nlt, nv);
	check(nhalf == nv, "pnbddisc: given half the p_alive, half the DERT for %d of %d customers",
	      nhalf, nv);
	check(npa == nv, "pnbddisc: the lifetime's p_alive is sk_predict_alive's to the bit for %d "
	      "of %d customers", npa, nv);
	free(ref);
	free(given);
	free(vhalf);
	free(lt);
	free(pa);
	free(pref);
	sk_pred_free(&p);
	free(d.pat);
	free(d.pid);
}

/* (6) sk_pnbd_disc_life's table (one s and delta, B of their own)
 * against sk_pnbd_disc: 1e-13 relative over s from 0.05 to 1000 and
 * z = delta B from 1e-9 to 1e3, and s alternating call by call; and a
 * value is the same to the bit whatever was asked before (a grid begun
 * at a large z or a small one), so that outputs do not depend on the
 * threads' order. */
static void disc_life_table(void)
{
	static const double ss[] = { 0.05, 0.5, 0.99, 1, 1.0001, 1.6, 3, 30, 300, 1000 };
	const double delta = 2.6e-4;
	double worst = 0;
	long n = 0, differ = 0;
	for (size_t a = 0; a < sizeof ss / sizeof *ss; a++)
		for (int i = 0; i <= 1200; i++) {
			/* z up and down again, so the grid is extended and reused */
			double lz = i <= 600 ? -9 + i * 0.02 : 3 - (i - 600) * 0.0199;
			double B = pow(10, lz) / delta;
			double ref = sk_pnbd_disc(ss[a], B, delta, INFINITY);
			double v = sk_pnbd_disc_life(ss[a], B, delta);
			double rel = fabs(v - ref) / ref;
			worst = rel <= worst ? worst : rel;
			differ += v != ref;
			n++;
		}
	for (int i = 0; i < 400; i++) {
		double s = i % 2 ? 0.7 : 2.5, B = 10 + i;
		double ref = sk_pnbd_disc(s, B, delta, INFINITY);
		double rel = fabs(sk_pnbd_disc_life(s, B, delta) - ref) / ref;
		worst = rel <= worst ? worst : rel;
		n++;
	}
	int hist = 0;
	for (int i = 0; i < 50; i++) {
		double B = 3 + 97 * i, up, down;
		sk_pnbd_disc_life(2, 1e5, delta);	/* a fresh table, grown from near z = 4 */
		sk_pnbd_disc_life(1.6, 10, delta);
		up = sk_pnbd_disc_life(1.6, B, delta);
		sk_pnbd_disc_life(2, 1e5, delta);	/* and one grown to z = 2.6e-9 first */
		sk_pnbd_disc_life(1.6, 1e-5, delta);
		down = sk_pnbd_disc_life(1.6, B, delta);
		hist += memcmp(&up, &down, sizeof up) == 0;
	}
	check(hist == 50, "pnbddisc: the table's value is the same to the bit for %d of 50 "
	      "customers whatever the calls before", hist);
	/* differ: the table was used (its values are not the panels' bits) */
	check(worst < 1e-13 && differ > n / 4, "pnbddisc: lifetimes from the table within %.1e "
	      "of sk_pnbd_disc at %ld points (%ld not to the bit)", worst, n, differ);
}

int main(void)
{
	gsl_set_error_handler_off();
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(10000);
	disc_grid(w);
	det_covariates(w);
	intervals_covariates();
	p_alive_kernel();
	dert_given_alive();
	disc_life_table();
	gsl_integration_workspace_free(w);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
