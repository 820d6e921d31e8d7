/* trackcov.c: churn --tracking's expected counts with covariates, where
 * every cohort of (first-purchase day, covariate vector) has its own
 * parameters: E[X(t)] summed over the period ends and the calibration
 * histogram's P(X(T) = k), by Chebyshev-Lobatto panels of the
 * parameters (see below).  The periods, the plain model's sums and the
 * JSON stay in tracking.c. */
#include "trackcov.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/util.h"
#include "model/covar.h"

/* E[X(L days)] at parameters p, 0 where the model gives no number. */
static double ex_lag(const struct sk_trackcov *h, const double *p, double L)
{
	double e = h->tm->expected_new(p, L / h->unit_days);
	return isfinite(e) ? e : 0;
}

/* ---- With covariates ----
 *
 * Every cohort j (first day f_j, weight w_j, parameters ip_j) adds
 * w_j E_j[X(D - f_j)] to the cumulative count at each period end D > f_j.
 * Summed cohort by cohort that is one E[X(t)] per customer and period
 * with a continuous covariate (BG/NBD: a 2F1 each, FHL 2005 eq. 7; 16.5 s
 * CPU for the Pareto/NBD and minutes for the BG/NBD on 1M customers).
 *
 * The cohorts' parameters form a one-parameter family whenever one
 * linear predictor varies (covariates on one process), or both vary with
 * one column (--covariates z): log ip_j is affine in a scalar zeta_j, the
 * log of the parameter that varies most (covar.h: alpha_i = alpha0
 * exp(-g_p'z), beta_i = beta0 exp(-g_d'z) or a_i, b_i = a0, b0
 * exp(g_d'z)).  The Pareto/NBD's E[X(t)] is r/alpha times a function of
 * (s, beta, t) (SMC 1987 eq. 17), so alpha is factored out as a weight
 * and only beta counts.  Along the family E[X(L)] at an integer lag of L
 * days is an analytic function of zeta (singular only where a parameter
 * leaves the right half plane, |Im zeta| >= pi/2), so on a panel of
 * width h it is the polynomial through NODES Chebyshev-Lobatto points to
 * ~rho^-16, rho = (pi/2 + sqrt(pi^2/4 + h^2/4)) / (h/2) (Trefethen,
 * Approximation Theory and Approximation Practice, thm. 8.2): 3.4 for
 * h = PANEL_W = 2 (1e-13 seen on 1M customers; width 1 cost 1.2 s more
 * for the same numbers), and the tail check below halves a panel where
 * that is not enough.  E at the nodes, for every lag, and
 * each cohort's weight split over the nodes by its Lagrange weights
 * (barycentric form, Berrut & Trefethen 2004), turn the sum into
 *   S(D) = sum_panels sum_m sum_{f < D} E_m(D - f) W_m(f),
 *   W_m(f) = sum_{j: f_j = f} w_j l_m(zeta_j),
 * NODES x (lags) values of E per panel whatever its customers.  A panel
 * keeps its polynomial only when, at every lag, its two highest
 * Chebyshev coefficients are below TAIL_TOL of the largest node value
 * (the interpolation error of an analytic function is of the order of
 * its first neglected coefficients, ATAP ch. 8); otherwise it is halved.
 * A panel with at most NODES distinct zeta takes them as its nodes
 * (exact: cohorts that share parameters share E), and a panel whose
 * cohorts cost less one by one than NODES x lags is summed one by one, as
 * is everything when the family has two parameters (both predictors vary
 * independently).  The lags beyond LAG_EXACT days are interpolated the
 * same way in log L (lag_values).  The calibration histogram's
 * P(X(T) = k), k = 0..6 (FHL 2005 eq. 8; each model's pmf), goes the
 * same way, seven values per lag at the one end cal_end + 1; there alpha
 * stays in the family (the pmf is not proportional to 1/alpha).  Every
 * sum is made in an order fixed by the data alone, whatever the
 * threads. */
#define NODES 17
#define PANEL_W 2.0
/* TAIL_TOL is not below what the values themselves are worth: the
 * BG/NBD's E[X(t)] (sk_bgnbd_alive_mean) accepts a series that lost up
 * to ~6 digits (1e-10 relative) and integrates to 1e-11 elsewhere, so
 * where the parameters spread (a heavy-tailed covariate on both
 * processes: b_i up to e^20) the two highest coefficients of a panel
 * were that noise, and a tolerance of 1e-13 halved panels down to width
 * 1/64 and then summed ~33,000 cohorts one by one (churn --tracking,
 * bench/data/tx5m.csv, --covariates total_spend: 14.6 s CPU).  At 1e-10
 * the interpolation error stays of the order of the values' own (the
 * Lebesgue constant of 17 Lobatto points is ~2.8): there the expected
 * counts moved by 5e-12 relative at most and tracking took 6.9 s; 1e-13,
 * 1e-12, 1e-11 took 14.6, 11.0, 8.7 s. */
#define TAIL_TOL 1e-10
/* A panel whose tail check fails at no more than 1 lag in BAD_FRAC
 * keeps its polynomials for the other lags and sums those few cohort by
 * cohort: where the parameters spread, sk_bgnbd_alive_mean changes
 * method at kappa = t / alpha_i = 199 (series to quadrature), whose
 * values differ there by up to 1e-7 relative, so at the lags whose
 * switch falls inside a panel its values jump and no halving smooths
 * them: the panels were halved to width 1/64 and their cohorts summed
 * one by one at every lag.  Each kept lag passed the same check.
 * (Since sk_bgnbd_alive_mean evaluates the large-b customers by its
 * moment series, good to ~1e-14, that jump is gone where b_i is large;
 * elsewhere the series and the quadrature still differ by ~1e-11 at
 * 199.) */
#define BAD_FRAC 8
#define ONE_CHUNKS 64

struct covsum {
	const struct sk_trackcov *h;
	const long *D;		/* the period ends, ascending */
	size_t nD;
	const long *kfirst;	/* kfirst[f]: the first k with D[k] > f */
	double *zeta;		/* per cohort */
	double *scale;		/* per cohort: Pareto/NBD alpha_ref / alpha_j */
	unsigned char *one;	/* per cohort: summed one by one */
	double u0[4], du[4], z0;	/* log ip(zeta) = u0 + du (zeta - z0) */
	int nval;		/* values per lag: 1 (E[X(t)]) or 7 (P(X(t) = k)) */
	double shift;		/* lag L is t = (L - shift) days */
	double *out;		/* nD x nval */
};

/* The values at lag L days (see struct covsum) at parameters p. */
static void eval(const struct covsum *cs, const double *p, double L, double *v)
{
	const struct sk_trackcov *h = cs->h;
	double t = (L - cs->shift) / h->unit_days;
	if (cs->nval == 1) {
		v[0] = ex_lag(h, p, L - cs->shift);
		return;
	}
	for (int k = 0; k < cs->nval; k++) {
		double x = h->tm->pmf(p, t, k);
		v[k] = isfinite(x) && x > 0 ? x : 0;
	}
}

static int by_zeta(const void *pa, const void *pb, void *ctx)
{
	const double *z = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	if (z[a] != z[b])
		return z[a] < z[b] ? -1 : 1;
	return (a > b) - (a < b);
}

/* The family: 1 when log ip_j is affine in one of its coordinates, with
 * zeta_j that coordinate; 0 when the cohorts need two parameters. */
static int family(struct covsum *cs)
{
	const struct sk_trackcov *h = cs->h;
	int pnbd = h->tm == &sk_pnbd && cs->nval == 1;
	double lo[4], hi[4];
	size_t jlo[4] = { 0 }, jhi[4] = { 0 };
	double alpha_ref = h->ip[1];
	for (int c = 1; c < 4; c++)
		lo[c] = HUGE_VAL, hi[c] = -HUGE_VAL;
	for (size_t j = 0; j < h->nc; j++) {
		const double *p = h->ip + 4 * j;
		cs->scale[j] = pnbd ? alpha_ref / p[1] : 1;
		for (int c = 1; c < 4; c++) {
			double u = pnbd && c == 1 ? log(alpha_ref) : log(p[c]);
			if (!isfinite(u))
				return 0;
			if (u < lo[c])
				lo[c] = u, jlo[c] = j;
			if (u > hi[c])
				hi[c] = u, jhi[c] = j;
		}
	}
	int cz = 1;
	for (int c = 2; c < 4; c++)
		if (hi[c] - lo[c] > hi[cz] - lo[cz])
			cz = c;
	double span = hi[cz] - lo[cz];
	const double *pl = h->ip + 4 * jlo[cz], *ph = h->ip + 4 * jhi[cz];
	cs->z0 = lo[cz];
	cs->u0[0] = log(h->ip[0]);
	for (int c = 1; c < 4; c++) {
		double a = pnbd && c == 1 ? log(alpha_ref) : log(pl[c]);
		double b = pnbd && c == 1 ? log(alpha_ref) : log(ph[c]);
		cs->u0[c] = a;
		cs->du[c] = span > 0 ? (b - a) / span : 0;
	}
	for (size_t j = 0; j < h->nc; j++) {
		const double *p = h->ip + 4 * j;
		cs->zeta[j] = pnbd && cz == 1 ? log(alpha_ref) : log(p[cz]);
		if (p[0] != h->ip[0])
			return 0;
		for (int c = 1; c < 4; c++) {
			double u = pnbd && c == 1 ? log(alpha_ref) : log(p[c]);
			double v = cs->u0[c] + cs->du[c] * (cs->zeta[j] - cs->z0);
			if (fabs(u - v) > 1e-11 * (1 + fabs(u)))
				return 0;
		}
	}
	return 1;
}

/* The family's parameters at zeta. */
static void family_par(const struct covsum *cs, double zeta, double *p)
{
	p[0] = cs->h->ip[0];
	for (int c = 1; c < 4; c++)
		p[c] = exp(cs->u0[c] + cs->du[c] * (zeta - cs->z0));
}

/* Whether the Chebyshev-Lobatto values v[0..NODES) of a function are
 * those of a polynomial of degree < NODES - 2 to TAIL_TOL of their
 * largest: the coefficients of T_15 and T_16 (the discrete Chebyshev
 * transform, ATAP ch. 3), which bound the interpolation error of an
 * analytic function to the order of the first neglected ones (ch. 8). */
/* cos(pi m / 16) and cos(pi 15 m / 16), m = 0..16 */
static double lob_x[NODES], lob_c15[NODES];

static void lobatto_init(void)
{
	for (int m = 0; m < NODES; m++) {
		lob_x[m] = cos(M_PI * m / (NODES - 1));
		lob_c15[m] = cos(M_PI * (double)(NODES - 2) * m / (NODES - 1));
	}
}

static int tail_ok(const double *v, size_t stride)
{
	const int N = NODES - 1;
	double c1 = 0, c2 = 0, big = 0;
	for (int m = 0; m <= N; m++) {
		double x = v[(size_t)m * stride], hw = m == 0 || m == N ? 0.5 : 1;
		c1 += hw * x * lob_c15[m];
		c2 += hw * x * (m % 2 ? -1 : 1);
		big = fabs(x) > big ? fabs(x) : big;
	}
	return (2 * fabs(c1) + fabs(c2)) / N <= TAIL_TOL * big;
}

/* The Lagrange weights l[0..NODES) at x in [-1, 1] of the
 * Chebyshev-Lobatto points cos(pi m / 16) (barycentric form, Berrut &
 * Trefethen 2004, eq. 5.2). */
static void lobatto_weights(double x, double *l)
{
	double den = 0;
	for (int m = 0; m < NODES; m++) {
		double xm = lob_x[m];
		if (x == xm) {
			for (int k = 0; k < NODES; k++)
				l[k] = k == m;
			return;
		}
		l[m] = (m % 2 ? -1.0 : 1.0) * (m == 0 || m == NODES - 1 ? 0.5 : 1) / (x - xm);
		den += l[m];
	}
	for (int m = 0; m < NODES; m++)
		l[m] /= den;
}

/* E[X(L days)] at parameters p for L = 1..Lspan into row: exactly up to
 * LAG_EXACT days; beyond, on panels of width <= 1 in log L (E is
 * analytic in log t, singular only at t = -1/kappa, |Im log t| = pi),
 * the polynomial through NODES Lobatto points when tail_ok, else every
 * integer lag exactly. */
#define LAG_EXACT 32
static void lag_values(const struct covsum *cs, const double *p, long Lspan, double *row)
{
	int nv = cs->nval;
	for (long L = 1; L <= Lspan && L <= LAG_EXACT; L++)
		eval(cs, p, (double)L, row + (L - 1) * nv);
	if (Lspan <= LAG_EXACT)
		return;
	double ulo = log((double)LAG_EXACT), uhi = log((double)Lspan);
	int np = (int)ceil(uhi - ulo);
	for (int q = 0; q < np; q++) {
		double a = ulo + (uhi - ulo) * q / np, b = ulo + (uhi - ulo) * (q + 1) / np;
		long L0 = q ? (long)floor(exp(a)) + 1 : LAG_EXACT + 1;
		long L1 = q == np - 1 ? Lspan : (long)floor(exp(b));
		double v[NODES * 7], l[NODES];
		for (int m = 0; m < NODES; m++)
			eval(cs, p, exp(0.5 * (a + b) + 0.5 * (b - a) * lob_x[m]),
			     v + m * nv);
		int ok = 1;
		for (int k = 0; k < nv && ok; k++)
			ok = tail_ok(v + k, (size_t)nv);
		for (long L = L0; L <= L1; L++) {
			double *r = row + (L - 1) * nv;
			if (!ok) {
				eval(cs, p, (double)L, r);
				continue;
			}
			lobatto_weights((2 * log((double)L) - a - b) / (b - a), l);
			for (int k = 0; k < nv; k++) {
				double x = 0;
				for (int m = 0; m < NODES; m++)
					x += l[m] * v[m * nv + k];
				r[k] = x;
			}
		}
	}
}

/* Cohorts idx[0..n) (by zeta) as one panel, or halved; see above. */
static void panel(struct covsum *cs, const size_t *idx, size_t n)
{
	const struct sk_trackcov *h = cs->h;
	const long *D = cs->D;
	size_t nD = cs->nD;
	double zlo = cs->zeta[idx[0]], zhi = cs->zeta[idx[n - 1]];
	long fmin = LONG_MAX, fmax = -1;
	double cost_one = 0;
	size_t ndist = 0;
	double node[NODES];
	for (size_t i = 0; i < n; i++) {
		const struct sk_trackcov_cohort *c = &h->c[idx[i]];
		fmin = c->f < fmin ? c->f : fmin;
		fmax = c->f > fmax ? c->f : fmax;
		cost_one += (double)(nD - (size_t)cs->kfirst[c->f]);
		if (i == 0 || cs->zeta[idx[i]] != cs->zeta[idx[i - 1]]) {
			if (ndist < NODES)
				node[ndist] = cs->zeta[idx[i]];
			ndist++;
		}
	}
	long Lspan = D[nD - 1] - fmin;	/* lags 1..Lspan */
	int exact = ndist <= NODES;
	size_t nn = exact ? ndist : NODES;
	if (Lspan < 1)
		return;	/* no period ends after these cohorts' first day */
	if (cost_one <= (double)nn * (double)Lspan) {
		for (size_t i = 0; i < n; i++)
			cs->one[idx[i]] = 1;
		return;
	}
	if (!exact)	/* Chebyshev-Lobatto points of [zlo, zhi] */
		for (size_t m = 0; m < NODES; m++)
			node[m] = 0.5 * (zlo + zhi) + 0.5 * (zhi - zlo) * lob_x[m];
	size_t nv = (size_t)cs->nval, row = (size_t)Lspan * nv;
	double *V = sk_xmalloc(nn * row * sizeof *V);
	#pragma omp parallel for schedule(dynamic, 1) if (Lspan > 64)
	for (size_t m = 0; m < nn; m++) {
		double p[4];
		family_par(cs, node[m], p);
		lag_values(cs, p, Lspan, V + m * row);
	}
	/* The lags whose polynomial fails the tail check (bad): a few of
	 * them (at most 1 in BAD_FRAC) are summed cohort by cohort below and
	 * the panel kept for the rest; more, and the panel is halved. */
	unsigned char *bad = NULL;
	if (!exact) {
		size_t nbad = 0;
		for (size_t L = 0; L < (size_t)Lspan; L++) {
			int ok = 1;
			for (size_t q = 0; q < nv && ok; q++)
				ok = tail_ok(V + L * nv + q, row);
			if (!ok) {
				if (!bad)
					bad = sk_xcalloc((size_t)Lspan, 1);
				bad[L] = 1;
				nbad++;
			}
		}
		if (nbad * BAD_FRAC > (size_t)Lspan && zhi - zlo > 1e-6 * (1 + fabs(zlo))) {
			free(bad);
			free(V);
			double mid = 0.5 * (zlo + zhi);
			size_t k = 0;
			while (k < n && cs->zeta[idx[k]] <= mid)
				k++;
			panel(cs, idx, k);
			panel(cs, idx + k, n - k);
			return;
		}
	}
	/* W_m(f), f in [fmin, fmax] */
	long nf = fmax - fmin + 1;
	double *W = sk_xcalloc(nn * (size_t)nf, sizeof *W);
	for (size_t i = 0; i < n; i++) {
		const struct sk_trackcov_cohort *c = &h->c[idx[i]];
		double z = cs->zeta[idx[i]], wt = c->w * cs->scale[idx[i]];
		size_t hit = nn;
		for (size_t m = 0; m < nn; m++)
			if (z == node[m])
				hit = m;
		if (exact) {
			W[hit * (size_t)nf + (size_t)(c->f - fmin)] += wt;
			continue;
		}
		double l[NODES];
		lobatto_weights((2 * z - zlo - zhi) / (zhi - zlo), l);
		for (size_t m = 0; m < nn; m++)
			W[m * (size_t)nf + (size_t)(c->f - fmin)] += wt * l[m];
	}
	#pragma omp parallel for schedule(dynamic, 4) if (nD * nn * (size_t)nf > 100000)
	for (size_t k = (size_t)cs->kfirst[fmin]; k < nD; k++) {
		double s[7] = { 0 };
		long ftop = D[k] - 1 < fmax ? D[k] - 1 : fmax;
		for (size_t m = 0; m < nn; m++) {
			const double *Vm = V + m * row, *Wm = W + m * (size_t)nf;
			for (long f = fmin; f <= ftop; f++) {
				if (bad && bad[D[k] - f - 1])
					continue;
				for (size_t q = 0; q < nv; q++)
					s[q] += Vm[(size_t)(D[k] - f - 1) * nv + q] * Wm[f - fmin];
			}
		}
		/* the bad lags: each cohort at her own parameters, in the
		 * panel's order (the same sums whatever the threads) */
		for (size_t i = 0; bad && i < n; i++) {
			const struct sk_trackcov_cohort *c = &h->c[idx[i]];
			if (c->f >= D[k] || !bad[D[k] - c->f - 1])
				continue;
			double v[7];
			eval(cs, h->ip + 4 * idx[i], (double)(D[k] - c->f), v);
			for (size_t q = 0; q < nv; q++)
				s[q] += c->w * v[q];
		}
		for (size_t q = 0; q < nv; q++)
			cs->out[k * nv + q] += s[q];
	}
	free(bad);
	free(W);
	free(V);
}

size_t sk_trackcov_sums(const struct sk_trackcov *h, const long *D, size_t nD, int nval, double shift,
		      double *out)
{
	struct covsum cs = { .h = h, .D = D, .nD = nD, .nval = nval, .shift = shift, .out = out };
	lobatto_init();
	memset(out, 0, nD * (size_t)nval * sizeof *out);
	if (!nD || !h->nc)
		return 0;
	long nday = h->c[h->nc - 1].f + 1;	/* cohorts sorted by f */
	long *kfirst = sk_xmalloc((size_t)nday * sizeof *kfirst);
	size_t k = 0;
	for (long f = 0; f < nday; f++) {
		while (k < nD && D[k] <= f)
			k++;
		kfirst[f] = (long)k;
	}
	cs.kfirst = kfirst;
	cs.zeta = sk_xmalloc(h->nc * sizeof *cs.zeta);
	cs.scale = sk_xmalloc(h->nc * sizeof *cs.scale);
	cs.one = sk_xcalloc(h->nc, 1);
	if (family(&cs)) {
		size_t *idx = sk_xmalloc(h->nc * sizeof *idx);
		for (size_t j = 0; j < h->nc; j++)
			idx[j] = j;
		qsort_r(idx, h->nc, sizeof *idx, by_zeta, cs.zeta);
		for (size_t i = 0; i < h->nc;) {
			size_t e = i + 1;
			while (e < h->nc && cs.zeta[idx[e]] <= cs.zeta[idx[i]] + PANEL_W)
				e++;
			panel(&cs, idx + i, e - i);
			i = e;
		}
		free(idx);
	} else
		memset(cs.one, 1, h->nc);
	/* The rest one by one: ONE_CHUNKS fixed chunks of cohorts, each
	 * with its own sums, added in chunk order (the same bytes whatever
	 * the threads). */
	size_t nv = (size_t)nval, stride = nD * nv;
	double *part = sk_xcalloc(ONE_CHUNKS * stride, sizeof *part);
	#pragma omp parallel for schedule(dynamic, 1) if (h->nc > 1000)
	for (size_t q = 0; q < ONE_CHUNKS; q++) {
		double *s = part + q * stride;
		for (size_t j = q * h->nc / ONE_CHUNKS; j < (q + 1) * h->nc / ONE_CHUNKS; j++) {
			if (!cs.one[j])
				continue;
			const struct sk_trackcov_cohort *c = &h->c[j];
			for (size_t i = (size_t)kfirst[c->f]; i < nD; i++) {
				double v[7];
				eval(&cs, h->ip + 4 * j, (double)(D[i] - c->f), v);
				for (size_t k = 0; k < nv; k++)
					s[i * nv + k] += c->w * v[k];
			}
		}
	}
	for (size_t q = 0; q < ONE_CHUNKS; q++)
		for (size_t i = 0; i < stride; i++)
			out[i] += part[q * stride + i];
	free(part);
	size_t none = 0;
	for (size_t j = 0; j < h->nc; j++)
		none += cs.one[j];
	free(cs.one);
	free(cs.scale);
	free(cs.zeta);
	free(kfirst);
	return none;
}

static int cohort_cmp(const void *pa, const void *pb)
{
	const struct sk_trackcov_cohort *a = pa, *b = pb;
	if (a->f != b->f)
		return a->f < b->f ? -1 : 1;
	return (a->cov > b->cov) - (a->cov < b->cov);
}

void sk_trackcov_init(struct sk_trackcov *h, const struct sk_tmodel *tm, const double *par,
		      const struct sk_covdata *cov, const struct sk_daycounts *dc,
		      const struct sk_rfm *pat, size_t np, double unit_days)
{
	long cal_end = dc->as_of - dc->day0;
	struct sk_trackcov_cohort *c = sk_xmalloc((np ? np : 1) * sizeof *c);
	for (size_t i = 0; i < np; i++) {
		long f = cal_end - lround(pat[i].T * unit_days);
		if (f < 0 || f > cal_end)
			sk_die(SK_EX_SOFTWARE, "--tracking: a customer's T (%g) is outside the "
			       "log's calibration window", pat[i].T);
		c[i] = (struct sk_trackcov_cohort){ f, pat[i].cov, pat[i].w };
	}
	qsort(c, np, sizeof *c, cohort_cmp);
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		if (n && c[n - 1].f == c[i].f && c[n - 1].cov == c[i].cov)
			c[n - 1].w += c[i].w;
		else
			c[n++] = c[i];
	}
	double *ip = sk_xmalloc((n ? n : 1) * 4 * sizeof *ip);
	for (size_t j = 0; j < n; j++) {
		struct sk_rfm r = { .cov = c[j].cov };
		double one[4];
		memcpy(ip + 4 * j, sk_cov_rowpar(tm, par, cov, &r, one), sizeof one);
	}
	*h = (struct sk_trackcov){ tm, unit_days, c, n, ip };
}

void sk_trackcov_free(struct sk_trackcov *h)
{
	free(h->c);
	free(h->ip);
	memset(h, 0, sizeof *h);
}
