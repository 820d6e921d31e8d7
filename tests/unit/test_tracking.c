/* test_tracking.c: churn --tracking (lib/crm/tracking.c) with
 * time-invariant covariates (Fader & Hardie 2007, brucehardie.com note
 * 019), against sums written out here over every customer.
 *
 *  1. The expected cumulative repeat transactions at the end of each
 *     period are sum_i E[X(D - f_i)] over the customers, each with her
 *     own alpha_i = alpha0 exp(-g_p z_i) and beta_i = beta0 exp(-g_d z_i)
 *     (Pareto/NBD) or a_i = a0 exp(g_d z_i), b_i = b0 exp(g_d z_i)
 *     (BG/NBD), E[X(t)] from the closed forms (Pareto/NBD: Schmittlein,
 *     Morrison & Colombo 1987, eq. 17, r beta / (alpha (s - 1))
 *     [1 - (beta / (beta + t))^(s - 1)]; BG/NBD: Fader, Hardie & Lee
 *     2005, eq. 7, with GSL's 2F1) coded here, not the library's.
 *  2. The expected histogram's bins add up to the customers and each is
 *     sum_i P(X(T_i) = k) at her own parameters (computed here).
 *  3. With every coefficient 0 the covariate path (cohorts of birth day
 *     and vector, read off T) gives the plain path's numbers (cohorts of
 *     the log's first-purchase days), to 1e-12 relative.
 *  4. A continuous covariate (every customer her own parameters, CNCUST
 *     of them over CNDAYS days in weekly periods): the sums through
 *     tracking.c's Chebyshev nodes in log parameter and log lag agree
 *     with 1 and 2 written out per customer to 1e-10 relative, with one
 *     column on both processes, on one process each, and with two
 *     columns (a two-parameter family, summed one by one).
 *  5. As 4 with a heavy-tailed column on both processes of the BG/NBD
 *     (z_i = e^(4 u) - 1 up to 53, as total_spend: b_i up to e^16),
 *     where E[X(t)] is only as good as sk_bgnbd_alive_mean's 1e-10: the
 *     panels' sums agree with the library's own E[X(t)] and P(X(T) = k)
 *     summed customer by customer to 1e-9 (trackcov.c's TAIL_TOL; at
 *     1e-4 this check fails).
 * Prints "ok - ..." / "not ok - ..." and exits 1 if any check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_sf_hyperg.h>

#include "crm/tracking.h"
#include "model/covar.h"
#include "model/model.h"

#include "tap.h"

#define NCUST 60
#define NDAYS 200
#define CAL_END 139	/* as_of's day index; the holdout runs to NDAYS - 1 */

/* A log of NCUST customers born on days 0..CAL_END, in weeks, each with
 * a covariate value z_i (0, 1 or 2.5) acting on both processes. */
struct world {
	struct sk_daycounts dc;
	struct sk_custdata d;
	struct sk_covdata cd;
	struct sk_rfm rfm[NCUST];
	unsigned char valid[NCUST];
	long f[NCUST];
	double z[NCUST];
	double first[NDAYS], repeat[NDAYS];
	double zv[3 * 2];
};

static void world_make(struct world *w)
{
	memset(w, 0, sizeof *w);
	static const double zs[3] = { 0, 1, 2.5 };
	for (int v = 0; v < 3; v++)
		w->zv[2 * v] = w->zv[2 * v + 1] = zs[v];
	w->cd.spec.kp = w->cd.spec.kd = 1;
	strcpy(w->cd.spec.pname[0], "z");
	strcpy(w->cd.spec.dname[0], "z");
	w->cd.nz = 3;
	w->cd.z = w->zv;
	for (int i = 0; i < NCUST; i++) {
		long f = (i * 37) % (CAL_END + 1);	/* spread, some days twice */
		uint32_t v = (uint32_t)(i % 3);
		double T = (double)(CAL_END - f) / 7;
		/* x, t_x do not enter the tracking's expectations */
		w->rfm[i] = (struct sk_rfm){ .x = i % 9, .t_x = T / 2, .T = T, .w = 1, .cov = v };
		w->valid[i] = 1;
		w->f[i] = f;
		w->z[i] = zs[v];
		w->first[f]++;
	}
	for (int j = 0; j < NDAYS; j++)
		w->repeat[j] = j % 5;
	w->dc = (struct sk_daycounts){ .day0 = 9862, .as_of = 9862 + CAL_END, .ndays = NDAYS,
				       .repeat = w->repeat, .first = w->first };
	w->d = (struct sk_custdata){ .n = NCUST, .rfm = w->rfm, .valid = w->valid,
				     .nvalid = NCUST, .cov = &w->cd, .ncov = 3 };
}

/* Her own parameters (covar.h's parameterisation, written out). */
static void own(int pnbd, const double *par, double z, double *ip)
{
	ip[0] = par[0];
	ip[1] = par[1] * exp(-par[4] * z);
	if (pnbd) {
		ip[2] = par[2];
		ip[3] = par[3] * exp(-par[5] * z);
	} else {
		ip[2] = par[2] * exp(par[5] * z);
		ip[3] = par[3] * exp(par[5] * z);
	}
}

/* E[X(t)] of a customer just acquired: SMC 1987 eq. 17; FHL 2005 eq. 7. */
static double ex_new(int pnbd, const double *p, double t)
{
	if (pnbd)
		return p[0] * p[3] / (p[1] * (p[2] - 1)) * (1 - pow(p[3] / (p[3] + t), p[2] - 1));
	double r = p[0], alpha = p[1], a = p[2], b = p[3];
	return (a + b - 1) / (a - 1) *
	       (1 - pow(alpha / (alpha + t), r) *
			    gsl_sf_hyperg_2F1(r, b, a + b - 1, t / (alpha + t)));
}

/* A new empty file named from the template path (mkstemp). */
static void make_temp(char *path)
{
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
}

/* The tracking file of w with par, read back. */
static void track(const struct sk_tmodel *tm, const double *par, struct world *w,
		  struct sk_tracking *tr)
{
	char path[] = "/tmp/sk_test_tracking_XXXXXX";
	make_temp(path);
	sk_tracking_write(path, tm, par, &w->dc, &w->d, 7, 13, "week");
	sk_tracking_load(path, tr);
	unlink(path);
}

static double rel(double a, double b)
{
	return fabs(a - b) / (fabs(b) > 1e-300 ? fabs(b) : 1);
}

static void against_sums(const struct sk_tmodel *tm, const double *par)
{
	int pnbd = tm == &sk_pnbd;
	struct world *w = malloc(sizeof *w);
	world_make(w);
	struct sk_tracking tr;
	track(tm, par, w, &tr);
	/* 1. per period end D: sum_i E[X(D - f_i)] over those born before D */
	/* the period ends: 13 days from day 0 to CAL_END, then from
	 * CAL_END + 1 to the last day */
	long ends[64];
	size_t nend = 0;
	for (long a = 0; a <= CAL_END; a += 13)
		ends[nend++] = a + 12 < CAL_END ? a + 12 : CAL_END;
	for (long a = CAL_END + 1; a <= NDAYS - 1; a += 13)
		ends[nend++] = a + 12 < NDAYS - 1 ? a + 12 : NDAYS - 1;
	double worst = nend == tr.nper ? 0 : HUGE_VAL;
	for (size_t k = 0; k < tr.nper && k < nend; k++) {
		long D = ends[k];
		double s = 0;
		for (int i = 0; i < NCUST; i++) {
			double ip[4];
			own(pnbd, par, w->z[i], ip);
			if (w->f[i] < D)
				s += ex_new(pnbd, ip, (double)(D - w->f[i]) / 7);
		}
		double e = rel(tr.per[k].expected_cum, s);
		worst = e > worst ? e : worst;
	}
	check(tr.nper > 4 && worst < 1e-9,
	      "%s: expected_cum of %zu periods = sum over customers of E[X] at their own "
	      "parameters (worst rel. %.2g)", tm->title, tr.nper, worst);
	/* 2. the histogram */
	double want[8] = { 0 }, tot = 0, got = 0, hw = 0;
	for (int i = 0; i < NCUST; i++) {
		double ip[4], rest = 1;
		own(pnbd, par, w->z[i], ip);
		for (int k = 0; k < 7; k++) {
			double p = tm->pmf(ip, w->rfm[i].T, k);
			want[k] += p;
			rest -= p;
		}
		want[7] += rest;
	}
	for (int k = 0; k < 8; k++) {
		double e = rel(tr.hist_expected[k], want[k]);
		hw = e > hw ? e : hw;
		got += tr.hist_expected[k];
		tot += want[k];
	}
	check(hw < 1e-9 && fabs(got - NCUST) < 1e-9,
	      "%s: histogram = sum over customers of P(X(T) = k) at their own parameters "
	      "(worst rel. %.2g), %g customers", tm->title, hw, got);
	sk_tracking_free(&tr);

	/* 3. coefficients 0: the plain path's numbers */
	double p0[6];
	memcpy(p0, par, sizeof p0);
	p0[4] = p0[5] = 0;
	struct sk_tracking tc, tp;
	track(tm, p0, w, &tc);
	w->d.cov = NULL;
	w->d.ncov = 0;
	for (int i = 0; i < NCUST; i++)
		w->rfm[i].cov = 0;
	track(tm, p0, w, &tp);
	double e0 = 0;
	for (size_t k = 0; k < tc.nper && k < tp.nper; k++) {
		double e = rel(tc.per[k].expected_cum, tp.per[k].expected_cum);
		e0 = e > e0 ? e : e0;
	}
	for (int k = 0; k < 8; k++) {
		double e = rel(tc.hist_expected[k], tp.hist_expected[k]);
		e0 = e > e0 ? e : e0;
	}
	check(tc.nper == tp.nper && e0 < 1e-12,
	      "%s: coefficients 0 give the plain model's tracking (worst rel. %.2g)", tm->title,
	      e0);
	sk_tracking_free(&tc);
	sk_tracking_free(&tp);
	sk_custdata_drop_patterns(&w->d);	/* made by sk_tracking_write */
	free(w);
}

/* 4: a continuous covariate.  Customer i is born on day (i 7919) mod
 * (CCAL + 1) with z_i = 3 ((i 104729) mod 1000) / 1000 (and a second
 * column 1 - z_i^2 / 4 when two columns act, purchase then dropout).
 * 5 (heavy): z_i = e^(4 u_i) - 1, u_i = ((i 104729) mod 1000) / 1000,
 * and the reference sums take the library's E[X(t)] (tm->expected_new),
 * so that only the panels' interpolation is checked. */
#define CNCUST 700
#define CNDAYS 420
#define CCAL 300
static void continuous(const struct sk_tmodel *tm, const double *par, int kp, int kd,
		       int two, int heavy)
{
	int pnbd = tm == &sk_pnbd, k = kp + kd;
	struct sk_rfm *rfm = calloc(CNCUST, sizeof *rfm);
	unsigned char *valid = calloc(CNCUST, 1);
	double *zz = calloc(CNCUST * 2, sizeof *zz), *first = calloc(CNDAYS, sizeof *first);
	double *repeat = calloc(CNDAYS, sizeof *repeat), *zi = calloc(CNCUST * 2, sizeof *zi);
	long *f = calloc(CNCUST, sizeof *f);
	struct sk_covdata cd = { 0 };
	cd.spec.kp = kp;
	cd.spec.kd = kd;
	strcpy(cd.spec.pname[0], "z");
	strcpy(cd.spec.dname[0], two ? "y" : "z");
	cd.nz = CNCUST;
	cd.z = zz;
	for (int i = 0; i < CNCUST; i++) {
		f[i] = (long)((i * 7919L) % (CCAL + 1));
		double u = (double)((i * 104729L) % 1000) / 1000;
		double z = heavy ? expm1(4 * u) : 3 * u, y = two ? 1 - z * z / 4 : z;
		zi[2 * i] = kp ? z : 0;
		zi[2 * i + 1] = kd ? y : 0;
		int c = 0;
		if (kp)
			zz[i * k + c++] = z;
		if (kd)
			zz[i * k + c] = y;
		double T = (double)(CCAL - f[i]) / 7;
		rfm[i] = (struct sk_rfm){ .x = i % 11, .t_x = T / 3, .T = T, .w = 1 + i % 2,
					  .cov = (uint32_t)i };
		valid[i] = 1;
		first[f[i]] += 1 + i % 2;
	}
	for (int j = 0; j < CNDAYS; j++)
		repeat[j] = j % 7;
	struct world w = { 0 };
	w.dc = (struct sk_daycounts){ .day0 = 9862, .as_of = 9862 + CCAL, .ndays = CNDAYS,
				      .repeat = repeat, .first = first };
	w.d = (struct sk_custdata){ .n = CNCUST, .rfm = rfm, .valid = valid, .nvalid = CNCUST,
				    .cov = &cd, .ncov = CNCUST };
	char path[] = "/tmp/sk_test_tracking_XXXXXX";
	make_temp(path);
	sk_tracking_write(path, tm, par, &w.dc, &w.d, 7, 7, "week");
	struct sk_tracking tr;
	sk_tracking_load(path, &tr);
	unlink(path);
	/* her own parameters: the coefficients follow par[0..3], the
	 * purchase one (if any) first, each through its own column */
	double (*ip)[4] = calloc(CNCUST, sizeof *ip), gp = kp ? par[4] : 0, gd = par[4 + kp];
	for (int i = 0; i < CNCUST; i++) {
		ip[i][0] = par[0];
		ip[i][1] = par[1] * exp(-gp * zi[2 * i]);
		ip[i][2] = pnbd ? par[2] : par[2] * exp(gd * zi[2 * i + 1]);
		ip[i][3] = pnbd ? par[3] * exp(-gd * zi[2 * i + 1])
				: par[3] * exp(gd * zi[2 * i + 1]);
	}
	double worst = 0;
	size_t k0 = 0;
	for (long a = 0; a <= CNDAYS - 1; a += 7, k0++) {
		long lim = a <= CCAL ? CCAL : CNDAYS - 1, D = a + 6 < lim ? a + 6 : lim;
		if (a <= CCAL && a + 7 > CCAL)
			a = CCAL + 1 - 7;	/* the holdout starts after as_of */
		double s = 0;
		for (int i = 0; i < CNCUST; i++)
			if (f[i] < D)
				s += rfm[i].w * (heavy ? tm->expected_new(ip[i], (double)(D - f[i]) / 7)
						       : ex_new(pnbd, ip[i], (double)(D - f[i]) / 7));
		if (k0 < tr.nper) {
			double e = rel(tr.per[k0].expected_cum, s);
			worst = e > worst ? e : worst;
		} else
			worst = HUGE_VAL;
	}
	if (k0 != tr.nper)
		worst = HUGE_VAL;
	double want[8] = { 0 }, hw = 0;
	for (int i = 0; i < CNCUST; i++) {
		double rest = 1;
		for (int q = 0; q < 7; q++) {
			double p = tm->pmf(ip[i], rfm[i].T, q);
			want[q] += rfm[i].w * p;
			rest -= p;
		}
		want[7] += rfm[i].w * rest;
	}
	for (int q = 0; q < 8; q++) {
		double e = rel(tr.hist_expected[q], want[q]);
		hw = e > hw ? e : hw;
	}
	double tol = heavy ? 1e-9 : 1e-10;
	check(tr.nper > 50 && worst < tol && hw < tol,
	      "%s, %s covariate (%s): expected_cum of %zu periods and the histogram = "
	      "sums over %d customers at their own parameters (worst rel. %.2g, %.2g)",
	      tm->title, heavy ? "heavy-tailed" : "continuous", two ? "two columns" : kp && kd ? "both processes" : kp ? "purchase" :
	      "dropout", tr.nper, CNCUST, worst, hw);
	sk_tracking_free(&tr);
	sk_custdata_drop_patterns(&w.d);
	free(ip);
	free(rfm);
	free(valid);
	free(zz);
	free(first);
	free(repeat);
	free(zi);
	free(f);
}

int main(void)
{
	/* the parameters of FH 2007's CDNOW illustrations, roughly, with
	 * effects large enough to matter (exp(2.5 g) from 0.5 to 2.7) */
	const double pnbd[6] = { 0.55, 10.6, 0.61, 11.7, 0.4, -0.3 };
	const double bgnbd[6] = { 0.24, 4.41, 0.79, 2.43, -0.25, 0.3 };
	against_sums(&sk_pnbd, pnbd);
	against_sums(&sk_bgnbd, bgnbd);
	for (int m = 0; m < 2; m++) {
		const struct sk_tmodel *tm = m ? &sk_bgnbd : &sk_pnbd;
		const double *par = m ? bgnbd : pnbd;
		continuous(tm, par, 1, 1, 0, 0);
		continuous(tm, par, 1, 0, 0, 0);
		continuous(tm, par, 0, 1, 0, 0);
		continuous(tm, par, 1, 1, 1, 0);
	}
	/* 5: the bench's shape (churn --covariates total_spend): high
	 * spenders buy often (alpha_i small) and hardly drop out (b_i up to
	 * 2.43 e^(0.3 53) ~ e^16) */
	const double heavy[6] = { 0.24, 4.41, 0.79, 2.43, 0.1, 0.3 };
	continuous(&sk_bgnbd, heavy, 1, 1, 0, 1);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
