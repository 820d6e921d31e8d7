/* test_peers.c: the models against the peers' published numbers on the
 * peers' own data (issue 20: "each model reproduces a published table or
 * a peer's number to 1e-3 relative where one exists").
 *
 * Sources: the printed output of the packages' vignettes as built and
 * shipped in the CRAN tarballs (inst/doc/ of github.com/cran/BTYDplus
 * at ff811ca, "version 1.2.0", and github.com/cran/CLVTools at 0d2dede,
 * "version 0.11.2"), cited by PDF page; the data are the packages' .rda
 * files converted unchanged to CSV (tests/data/README.md).
 *
 *   BTYDplus 1.2.0 (M. Platzer, GPL-3), vignette "Customer Base Analysis
 *   with BTYDplus" (inst/doc/BTYDplus-HowTo.pdf, 2021-01-20), section
 *   "BG/CNBD-k and MBG/CNBD-k", PDF pages 16-18: groceryElog,
 *   calibration to 2006-12-31 in weeks (elog2cbs(groceryElog, T.cal =
 *   "2006-12-31")),
 *   the table of k, r, alpha, a, b (3 decimals) and LL (rounded) of
 *   BG/NBD, BG/CNBD-k, MBG/NBD, MBG/CNBD-k; then, at the MBG/CNBD-k fit,
 *   P(alive) (2 decimals of a percent) and the approximate conditional
 *   expectations of five customers with x = 1..5, t_x = 12, T = 52, and
 *   (page 18) the holdout total, actual and expected.  The models are
 *   Platzer & Reutterer 2016 (Marketing Science 35(5)) and Reutterer,
 *   Platzer & Schroeder 2020 (IJRM) for the MBG variant.
 *
 *   CLVTools 0.11.2 (Bachmann, Meierer, Naef; GPL-3), vignette
 *   "Walkthrough for the CLVTools Package" (inst/doc/CLVTools.pdf),
 *   sections 2.5 and 2.8: apparelTrans with apparelStaticCov, estimation
 *   split 104 weeks (2005-01-02 .. 2006-12-31), weekly; summary() of the
 *   Pareto/NBD (page 7) and of the Pareto/NBD with Gender and Channel on
 *   both processes (pages 16-17): estimates and standard errors (4
 *   decimals), LL (4 decimals); and the predictions of the model
 *   without covariates (page 10: PAlive, CET, DERT of six customers).  The
 *   fit with covariates is printed again in the package's vignette
 *   "CLVTools_advanced_techniques.pdf" (section 4, est.pnbd.full;
 *   repository bachmannpatrick/CLVTools at 1b06356, v0.12.1) with the
 *   same LL and estimates that differ from the first print by up to
 *   2.4e-3 relative (beta 49.5050 vs 49.6227): the peer's L-BFGS-B
 *   stops at different points of a flat ridge.  Each of our estimates
 *   is to be within 1e-3 of the first print; where one is not
 *   (life.Gender, 1.4e-3), the test says so and requires instead that
 *   ours be the maximum of our likelihood (Newton step), its
 *   log-likelihood no lower than at either print, and the estimate
 *   within a hundredth of a standard error of both.  Covariate model:
 *   Fader & Hardie
 *   2007, brucehardie.com note 019, alpha_i = alpha0 exp(-g_p'z),
 *   beta_i = beta0 exp(-g_d'z) (CLVTools' "trans." and "life."
 *   coefficients have the same signs).
 *
 * The summaries are computed here from the event logs the way the peers
 * compute them (BTYDplus elog2cbs, CLVTools clvdata): purchases on one
 * day are one transaction, times in weeks of 7 days from the customer's
 * first purchase, T to the calibration end, litt the sum of the logs of
 * the weeks between purchase days.  Run from the repository root. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_hyperg.h>

#include "model/covar.h"
#include "model/model.h"
#include "model/modelint.h"
#include "record/date.h"

#include "tap.h"

static double rel(double got, double want)
{
	return fabs(got - want) / fmax(fabs(want), 1e-300);
}

/* got rounded to the published number's decimals (a value printed to d
 * decimals is the estimate rounded there): the relative difference. */
static double rel_rounded(double got, double want, int decimals)
{
	double s = pow(10, decimals);
	return rel(round(got * s) / s, want);
}

static long day_of(const char *s, const char *path, long line)
{
	long y;
	int m, d;
	if (sscanf(s, "%ld-%d-%d", &y, &m, &d) != 3 || !sk_date_valid(y, m, d)) {
		printf("not ok - %s:%ld: bad date \"%s\"\n", path, line, s);
		exit(1);
	}
	return sk_days_from_civil(y, m, d);
}

/* ---- the event logs ---- */

struct cust {
	char id[16];
	long first, last;	/* days: first and last purchase to the end */
	long seen;		/* the last purchase day read, after the end too */
	double x, litt;
	double xstar;		/* purchase days after the end (the holdout) */
};

/* An event log "id,date[,...]" sorted by customer then date (as both
 * packages ship them): one customer a record, purchase days up to end
 * (inclusive) only. */
static struct cust *read_log(const char *path, long end, size_t *n)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		printf("not ok - cannot open %s (run from the repository root)\n", path);
		exit(1);
	}
	char line[256];
	size_t cap = 2048, k = 0;
	struct cust *c = malloc(cap * sizeof *c);
	long lineno = 1;
	if (!c || !fgets(line, sizeof line, fp)) {
		printf("not ok - %s is empty\n", path);
		exit(1);
	}
	while (fgets(line, sizeof line, fp)) {
		lineno++;
		char *comma = strchr(line, ',');
		if (!comma || comma - line >= 16) {
			printf("not ok - %s:%ld: no customer id\n", path, lineno);
			exit(1);
		}
		*comma = 0;
		size_t idlen = (size_t)(comma - line) + 1;
		long day = day_of(comma + 1, path, lineno);
		struct cust *cur = k ? &c[k - 1] : NULL;
		if (!cur || strcmp(cur->id, line) != 0) {
			if (day > end)
				continue;	/* first purchase after the calibration */
			if (k == cap) {
				struct cust *q = realloc(c, (cap *= 2) * sizeof *c);
				if (!q)
					exit(1);
				c = q;
			}
			cur = &c[k++];
			memcpy(cur->id, line, idlen);
			cur->first = cur->last = cur->seen = day;
			cur->x = cur->litt = cur->xstar = 0;
			continue;
		}
		if (day < cur->seen) {
			printf("not ok - %s:%ld: not sorted by date\n", path, lineno);
			exit(1);
		}
		if (day == cur->seen)
			continue;	/* same day: one transaction */
		cur->seen = day;
		if (day > end) {
			cur->xstar++;
			continue;
		}
		cur->x++;
		cur->litt += log((day - cur->last) / 7.0);
		cur->last = day;
	}
	fclose(fp);
	*n = k;
	return c;
}

static struct sk_rfm rfm_of(const struct cust *c, long end)
{
	return (struct sk_rfm){ .x = c->x, .t_x = (c->last - c->first) / 7.0,
				.T = (end - c->first) / 7.0, .w = 1, .litt = c->litt };
}

/* ---- BTYDplus: the grocery table ---- */

struct table_row {
	const struct sk_tmodel *tm;
	double k, r, alpha, a, b, ll;
};

static void grocery(void)
{
	long end = sk_days_from_civil(2006, 12, 31);
	size_t n;
	struct cust *c = read_log("tests/data/grocery_elog.csv", end, &n);
	struct sk_rfm *p = malloc(n * sizeof *p);
	double xsum = 0, xstar = 0;
	for (size_t i = 0; i < n; i++) {
		p[i] = rfm_of(&c[i], end);
		xsum += p[i].x;
		xstar += c[i].xstar;
	}
	/* The vignette's elog2cbs: 1525 customers (man/groceryElog.Rd);
	 * page 18, sum(groceryCBS$x.star): 3389 purchases in the holdout. */
	check(n == 1525 && xstar == 3389, "grocery: 1525 customers in the calibration (%zu), "
	      "%.0f repeat purchases, 3389 in the holdout (%.0f)", n, xsum, xstar);
	size_t np = sk_rfm_compress(p, n);

	/* BTYDplus-HowTo.pdf pages 16-17: round(params, 3), round(LL). */
	static const struct table_row pub[] = {
		{ &sk_bgnbd, 1, 0.349, 2.581, 0.504, 3.644, -15837 },
		{ &sk_bgcnbd, 2, 0.359, 1.129, 0.523, 2.785, -15054 },
		{ &sk_mbgnbd, 1, 1.257, 6.038, 0.368, 0.716, -15782 },
		{ &sk_mbgcnbd, 2, 1.329, 2.813, 0.425, 0.790, -14978 },
	};
	struct sk_fit mbgc = { 0 };
	for (size_t m = 0; m < sizeof pub / sizeof pub[0]; m++) {
		const struct table_row *t = &pub[m];
		struct sk_fit f;
		char err[400];
		int rc = t->tm->fit(p, np, &f, err, sizeof err);
		check(rc == 0, "grocery %s fits (%s)", t->tm->title, rc ? err : "ok");
		if (rc)
			continue;
		const double want[4] = { t->r, t->alpha, t->a, t->b };
		double w = 0;
		for (int i = 0; i < 4; i++)
			w = fmax(w, rel_rounded(f.par[i], want[i], 3));
		double k = t->tm->npar == 5 ? f.par[4] : 1;
		check(w < 1e-3 && k == t->k,
		      "grocery %s: BTYDplus's k r alpha a b to their 3 decimals (k %g r %.5f "
		      "alpha %.5f a %.5f b %.5f; worst rel. %.1e)", t->tm->title, k, f.par[0],
		      f.par[1], f.par[2], f.par[3], w);
		check(round(f.loglik) == t->ll && rel(f.loglik, t->ll) < 1e-4,
		      "grocery %s: LL %.4f rounds to BTYDplus's %.0f", t->tm->title, f.loglik, t->ll);
		if (t->tm == &sk_mbgcnbd)
			mbgc = f;
	}

	/* Page 18: mbgcnbd.PAlive(params.mbgcnbd, x = 1:5, t.x = 12, T.cal = 52)
	 * printed as sprintf("%5.2f %%", 100 * p). */
	static const double palive_pct[5] = { 15.64, 2.92, 0.39, 0.04, 0.00 };
	if (mbgc.npar == 5) {
		int same = 1;
		char got[128] = "", *o = got;
		for (int x = 1; x <= 5; x++) {
			double pa = 100 * sk_mbgcnbd.p_alive(mbgc.par, x, 12, 52);
			same &= fabs(round(pa * 100) / 100 - palive_pct[x - 1]) < 1e-9;
			o += snprintf(o, (size_t)(got + sizeof got - o), " %.4f", pa);
		}
		check(same, "grocery MBG/CNBD-k: P(alive) of x = 1..5, t_x = 12, T = 52 at the fit "
		      "is BTYDplus's 15.64 2.92 0.39 0.04 0.00 %% to 2 decimals (%s)", got + 1);
		/* Page 17, above it: mbgcnbd.ConditionalExpectedTransactions(
		 * params.mbgcnbd, T.star = 52, x = 1:5, t.x = 12, T.cal = 52),
		 * "%5.3f".  Those are not the model's exact expectation (ours,
		 * cnbd.c) but BTYDplus's approximation: FHL 2005's BG/NBD
		 * E[X(T, T+t) | x, t_x, T] (eq. 10, the MBG's dropout at 0
		 * adding 1 to b's and the polarisation's x - 1) with alpha + T
		 * replaced by k alpha + T, times the CNBD-k P(alive) (its
		 * bias correction applies only to 100 or more customers).
		 * That formula at our fit gives their five numbers, so the
		 * difference is the approximation's (ours exceed it by a few
		 * per cent), not the fit's. */
		static const double cet[5] = { 0.282, 0.075, 0.013, 0.002, 0.000 };
		const double *q = mbgc.par;
		double kA = q[4] * q[1] + 52, worst = 0;
		same = 1;
		o = got;
		for (int x = 1; x <= 5; x++) {
			double P1 = (q[2] + q[3] + x) / (q[2] - 1);
			double P2 = 1 - pow(kA / (kA + 52), q[0] + x) *
					    gsl_sf_hyperg_2F1(q[0] + x, q[3] + x + 1, q[2] + q[3] + x,
							      52 / (kA + 52));
			double e = P1 * P2 * sk_mbgcnbd.p_alive(q, x, 12, 52);
			double exact = sk_mbgcnbd.expected(q, 52, x, 12, 52);
			same &= fabs(round(e * 1000) / 1000 - cet[x - 1]) < 1e-9;
			worst = fmax(worst, exact / e - 1);
			o += snprintf(o, (size_t)(got + sizeof got - o), " %.4f", e);
		}
		/* Page 18: round(sum(xstar.mbgcnbd)) over the cohort, 52 weeks:
		 * 3970.  With 100 or more customers BTYDplus scales its
		 * approximation so that the total is the model's unconditional
		 * one, sum_i E[X(T_i + 52)] - E[X(T_i)] (its
		 * xbgcnbd.Expectation; ours expected_new), so that is what
		 * the number checks.  (Our exact conditional total is less:
		 * the two agree only in expectation over samples.) */
		double tot = 0;
		for (size_t i = 0; i < n; i++) {
			struct sk_rfm r = rfm_of(&c[i], end);
			tot += sk_mbgcnbd.expected_new(q, r.T + 52) - sk_mbgcnbd.expected_new(q, r.T);
		}
		check(round(tot) == 3970 && rel(tot, 3970) < 1e-3,
		      "grocery MBG/CNBD-k: the cohort's expected holdout purchases %.2f are "
		      "BTYDplus's 3970 (rounded)", tot);
		check(same, "grocery MBG/CNBD-k: BTYDplus's approximate conditional expectations "
		      "0.282 0.075 0.013 0.002 0.000 at the fit to 3 decimals (%s; our exact ones "
		      "exceed them by up to %.1f%%)", got + 1, 100 * worst);
	}
	free(p);
	free(c);
}

/* ---- CLVTools: the apparel Pareto/NBD without and with covariates ---- */

/* The covariates of the customers of c[0..n) from "Id,Gender,Channel"
 * (tests/data/apparel_static_cov.csv) into cd, Gender and Channel on
 * both processes, distinct vectors, p[i].cov indexing them. */
static void apparel_cov(const struct cust *c, size_t n, struct sk_rfm *p,
			struct sk_covdata *cd)
{
	const char *path = "tests/data/apparel_static_cov.csv";
	FILE *fp = fopen(path, "r");
	if (!fp) {
		printf("not ok - cannot open %s\n", path);
		exit(1);
	}
	memset(cd, 0, sizeof *cd);
	cd->spec.kp = cd->spec.kd = 2;
	strcpy(cd->spec.pname[0], "Gender");
	strcpy(cd->spec.pname[1], "Channel");
	strcpy(cd->spec.dname[0], "Gender");
	strcpy(cd->spec.dname[1], "Channel");
	/* Two binary columns: at most four vectors, index 2 gender + channel. */
	cd->nz = 4;
	cd->z = calloc(4 * 4, sizeof *cd->z);
	for (int v = 0; v < 4; v++) {
		double g = v >> 1, ch = v & 1;
		double *z = cd->z + v * 4;
		z[0] = z[2] = g;
		z[1] = z[3] = ch;
	}
	char line[128], id[16];
	int g, ch, found = 0;
	long lineno = 1;
	if (!fgets(line, sizeof line, fp))
		exit(1);
	while (fgets(line, sizeof line, fp)) {
		lineno++;
		if (sscanf(line, "%15[^,],%d,%d", id, &g, &ch) != 3 || (g | ch) & ~1) {
			printf("not ok - %s:%ld: bad row\n", path, lineno);
			exit(1);
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(c[i].id, id) == 0) {
				p[i].cov = (uint32_t)(g * 2 + ch);
				found++;
			}
	}
	fclose(fp);
	check(found == (int)n, "apparel: covariates for all %zu customers (%d)", n, found);
}

/* The log-likelihood of the covariate model at natural-scale par (r,
 * alpha0, s, beta0, trans Gender, trans Channel, life Gender, life
 * Channel) with our likelihood. */
static double cov_ll(const struct sk_covdata *cd, const struct sk_rfm *p, size_t np,
		     const double *par)
{
	double th[8];
	for (int i = 0; i < 8; i++)
		th[i] = i < 4 ? log(par[i]) : par[i];
	void *ctx = sk_cov_ctx_new(&sk_pnbd, cd, p, np);
	double v = -sk_cov_nll(th, NULL, ctx);
	sk_cov_ctx_free(ctx);
	return v;
}

static void apparel(void)
{
	long end = sk_days_from_civil(2006, 12, 31);
	size_t n;
	struct cust *c = read_log("tests/data/apparel_trans.csv", end, &n);
	struct sk_rfm *p = malloc(n * sizeof *p);
	double x = 0;
	for (size_t i = 0; i < n; i++) {
		p[i] = rfm_of(&c[i], end);
		x += p[i].x + 1;
	}
	/* CLVTools.pdf page 5, summary(clv.apparel): 600 customers, 1866
	 * transactions in the estimation period. */
	check(n == 600 && x == 1866, "apparel: 600 customers and 1866 transactions to 2006-12-31 "
	      "(%zu, %.0f)", n, x);
	struct sk_covdata cd;
	apparel_cov(c, n, p, &cd);

	/* Without covariates, CLVTools.pdf page 7: coef(est.pnbd) (7 digits)
	 * and LL -5848.0978. */
	struct sk_rfm *q = malloc(n * sizeof *q);
	for (size_t i = 0; i < n; i++) {
		q[i] = p[i];
		q[i].cov = 0;
	}
	size_t nq = sk_rfm_compress(q, n);
	struct sk_fit plain;
	char err[400];
	int rc = sk_pnbd.fit(q, nq, &plain, err, sizeof err);
	check(rc == 0, "apparel Pareto/NBD fits (%s)", rc ? err : "ok");
	static const double pub0[4] = { 1.4489768, 48.6360845, 0.5612598, 46.8843633 };
	double w = 0;
	for (int i = 0; rc == 0 && i < 4; i++)
		w = fmax(w, rel(plain.par[i], pub0[i]));
	check(rc == 0 && w < 1e-3, "apparel Pareto/NBD: CLVTools' r alpha s beta to 1e-3 (%.5f %.4f "
	      "%.5f %.4f; worst rel. %.1e)", plain.par[0], plain.par[1], plain.par[2], plain.par[3],
	      w);
	check(rc == 0 && fabs(plain.loglik - -5848.0978) < 5e-5,
	      "apparel Pareto/NBD: LL %.4f is CLVTools' -5848.0978", plain.loglik);

	/* CLVTools.pdf page 10, print(predict(est.pnbd)): PAlive at the end
	 * of the estimation, CET over the holdout 2007-01-01 .. 2010-12-20
	 * (207.1429 weeks) and DERT at predict()'s default continuous
	 * discount rate, log(1 + 0.1) per week (CLVTools 0.11.2,
	 * R/f_interface_predict_clvfittedtransactions.R line 168; the
	 * walkthrough's "0.1 (=10%)" is d, the rate ln(1 + d): at 0.1
	 * itself our DERT is 4.5% lower), of the customers printed (Id 1,
	 * 10, 100, 101, 95, 99; 102, 96 and 97 repeat 100's pattern).  At
	 * our fit, which differs from theirs by 5e-5: to 1e-3. */
	static const struct {
		const char *id;
		double palive, cet, dert;
	} pred[] = {
		{ "1", 0.9468478, 7.3256573, 0.46765602 },
		{ "10", 0.9825606, 3.5198114, 0.22469806 },
		{ "100", 0.2784686, 0.4190901, 0.02675392 },
		{ "101", 0.4739762, 1.2056215, 0.07696458 },
		{ "95", 0.8978209, 3.2162499, 0.20531927 },
		{ "99", 0.9416701, 4.3513967, 0.27778489 },
	};
	double wp = 0, wc = 0, wd = 0;
	size_t found = 0;
	for (size_t j = 0; rc == 0 && j < sizeof pred / sizeof pred[0]; j++)
		for (size_t i = 0; i < n; i++) {
			if (strcmp(c[i].id, pred[j].id) != 0)
				continue;
			struct sk_rfm r = rfm_of(&c[i], end);
			found++;
			wp = fmax(wp, rel(sk_pnbd.p_alive(plain.par, r.x, r.t_x, r.T), pred[j].palive));
			wc = fmax(wc, rel(sk_pnbd.expected(plain.par, 1450 / 7.0, r.x, r.t_x, r.T),
					  pred[j].cet));
			wd = fmax(wd, rel(sk_pnbd.dert(plain.par, log(1.1), r.x, r.t_x, r.T),
					  pred[j].dert));
		}
	check(found == 6 && wp < 1e-3 && wc < 1e-3 && wd < 1e-3,
	      "apparel Pareto/NBD: CLVTools' PAlive, CET and DERT of 6 customers to 1e-3 (worst "
	      "rel. %.1e, %.1e, %.1e)", wp, wc, wd);

	/* With covariates, CLVTools.pdf pages 16-17 (first print) and
	 * CLVTools_advanced_techniques.pdf page 4 (second print): r alpha s
	 * beta, life.Gender life.Channel trans.Gender trans.Channel; ours
	 * are ordered trans (purchase) then life (dropout). */
	static const double print1[8] = { 1.8387, 92.9435, 0.5913, 49.5050,
					   0.2860, 0.6239, -0.6428, 0.7902 };
	static const double print2[8] = { 1.8378, 92.9123, 0.5920, 49.6227,
					   0.2859, 0.6241, -0.6430, 0.7907 };
	static const double se1[8] = { 0.3457, 16.9749, 0.2603, 36.1445,
				       0.1041, 0.1049, 0.2956, 0.3058 };
	static const char *name[8] = { "r", "alpha", "s", "beta", "trans.Gender",
				       "trans.Channel", "life.Gender", "life.Channel" };
	size_t np = sk_rfm_compress(p, n);
	struct sk_fit f;
	rc = rc ? rc : sk_cov_fit(&sk_pnbd, &cd, &plain, p, np, &f, err, sizeof err);
	check(rc == 0, "apparel Pareto/NBD with Gender and Channel fits (%s)", rc ? err : "ok");
	if (rc == 0) {
		check(fabs(f.loglik - -5821.0627) < 5e-5,
		      "apparel Pareto/NBD + covariates: LL %.4f is CLVTools' -5821.0627 (both prints)",
		      f.loglik);
		/* How far ours is from the exact maximum of our likelihood:
		 * the Newton step -H^-1 grad from our estimate (H^-1 = the
		 * fit's covariance, natural scale; grad from theta = log of
		 * the first four, the coefficients themselves). */
		double th[8], g[8], gn[8], step = 0;
		for (int i = 0; i < 8; i++)
			th[i] = i < 4 ? log(f.par[i]) : f.par[i];
		void *ctx = sk_cov_ctx_new(&sk_pnbd, &cd, p, np);
		sk_cov_nll(th, g, ctx);
		sk_cov_ctx_free(ctx);
		for (int i = 0; i < 8; i++)
			gn[i] = i < 4 ? g[i] / f.par[i] : g[i];
		for (int i = 0; f.cov_ok && i < 8; i++) {
			double d = 0;
			for (int j = 0; j < 8; j++)
				d -= f.cov[i * SK_FIT_MAXPAR + j] * gn[j];
			step = fmax(step, fabs(d) / fmax(fabs(f.par[i]), 1e-3 * f.se[i]));
		}
		check(f.cov_ok && step < 1e-4, "apparel + covariates: ours is the maximum of our "
		      "likelihood to 1e-4 relative (largest Newton step %.1e)", step);
		/* Each estimate to 1e-3 of CLVTools' first print (the
		 * walkthrough), or, where it is not, the ridge is flat: the
		 * peer's two prints differ as much, ours within a hundredth of
		 * a standard error of both and no lower a maximum (our LL at
		 * their printed points, whose 4 decimals cost little). */
		double ll1 = cov_ll(&cd, p, np, print1), ll2 = cov_ll(&cd, p, np, print2);
		for (int i = 0; i < 8; i++) {
			double r1 = rel(f.par[i], print1[i]), r2 = rel(f.par[i], print2[i]);
			double d = fmax(fabs(f.par[i] - print1[i]), fabs(f.par[i] - print2[i]));
			int close = r1 < 1e-3;
			int ridge = d < 0.01 * se1[i] && f.loglik >= ll1 - 1e-6 && f.loglik >= ll2 - 1e-6;
			check(close || ridge, "apparel + covariates: %s %.5f vs CLVTools' %.4f and %.4f "
			      "(rel. %.1e, %.1e; the two prints differ by %.1e)%s; within %.4f se of "
			      "both, LL %.6f here, %.6f and %.6f at their points", name[i], f.par[i],
			      print1[i], print2[i], r1, r2, rel(print1[i], print2[i]),
			      close ? ": to 1e-3 of the first" : ": NOT to 1e-3, a flat ridge",
			      d / se1[i], f.loglik, ll1, ll2);
		}
		/* Their standard errors (the inverse Hessian at their point;
		 * ours at ours): to 1e-2 relative, the points differing. */
		double ws = 0;
		int wi = 0;
		for (int i = 0; i < 8; i++)
			if (rel(f.se[i], se1[i]) > ws) {
				ws = rel(f.se[i], se1[i]);
				wi = i;
			}
		check(ws < 1e-2, "apparel + covariates: standard errors within 1e-2 of CLVTools' "
		      "(worst %s: %.5f vs %.4f, rel. %.1e)", name[wi], f.se[wi], se1[wi], ws);
	}
	free(q);
	free(p);
	free(c);
	sk_covdata_free(&cd);
}

int main(void)
{
	grocery();
	apparel();
	printf("# %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
