/* median.c: the median of a customer's purchases over the horizon (see
 * median.h).
 *
 * With P(X = 0) = 1 - p the median is 0 when p <= 1/2; otherwise it is
 * the smallest k >= 1 with 1 - p + p F+(k) >= 1/2, F+ the distribution
 * function of X given X > 0, that is F+(k) >= (p - 1/2) / p.  That level
 * is below 1/2 for every p <= 1, so the search stops in the body of the
 * distribution, near its mean, and never depends on the far tail's
 * rounding.  Given X > 0 the count is the model's: P(X = k | X > 0) =
 * pmf(k) / (1 - pmf(0)) with the conditional pmf of score.c
 * (sk_cond_pmf: P(alive) times the pmf of the posterior process, plus the
 * dead at 0).  Unnormalised, the median is the smallest k with
 *   cum(k) = pmf(1) + ... + pmf(k) >= need = (p - 1/2) / p (1 - pmf(0)).
 *
 * The cost.  A customer's conditional pmf is pa f(k) for k > 0, with pa
 * her P(alive) (a function of x, t_x and T) and f the pmf of the alive
 * customer's future, a function of x and T alone (score.c): a million
 * customers of daily data have ~570,000 patterns (x, t_x, T) but a few
 * ten thousand (x, T).  So f(k) is made once per (x, T) group, as far as
 * its most demanding customer needs (need grows with p), pa once per
 * pattern, and each customer sums pa f(k) from k = 1 until she reaches
 * her need.  Those are the products and additions, in the same order, of
 * each customer calling sk_cond_pmf for k = 1, 2, ... as churn --median
 * did up to 0.5: every median is the same, and the million customers of
 * make bench cost ~0.05 s of CPU instead of 0.7 s.  BG/CNBD-k and
 * MBG/CNBD-k, whose future depends on t_x too, make theirs per pattern
 * (pa = 1, f the conditional pmf itself). */
#include "median.h"

#include <math.h>
#include <stdlib.h>

#include "covar.h"
#include "record/util.h"

/* Far beyond any customer's median (a million purchases over the
 * horizon): reaching it means the pmf does not add up. */
#define KMAX 1000000

/* The level (p - 1/2) / p of F+ a customer's median needs, or -1 when
 * her median is 0 (p <= 1/2, or NaN). */
static double level(double p)
{
	return p > 0.5 ? (p - 0.5) / p : -1;
}

/* One group's f(0..n-1): the pmf of the alive customer's future (or, per
 * pattern for the CNBD models, the conditional pmf). */
struct fpmf {
	double *f;
	int n, cap;
	const struct sk_tmodel *future;	/* NULL: the CNBD models' sk_cond_pmf */
	double q[5];
	const double *pp;
	double ip[8];
	const struct sk_rfm *r;	/* the pattern, for the CNBD models */
};

static double f_at(const struct sk_tmodel *tm, double t, struct fpmf *g, int k)
{
	while (g->n <= k) {
		if (g->n == g->cap) {
			g->cap = g->cap ? 2 * g->cap : 16;
			g->f = sk_xrealloc(g->f, (size_t)g->cap * sizeof *g->f);
		}
		int j = g->n++;
		g->f[j] = g->future ? g->future->pmf(g->q, t, j) :
			sk_cond_pmf(tm, g->pp, t, j, g->r->x, g->r->t_x, g->r->T);
	}
	return g->f[k];
}

/* The smallest k with cum(k) >= need, summing pa f(1), pa f(2), ... as
 * sk_cond_pmf's terms (pa f(k) + 0 for k > 0); KMAX + 1 when the pmf
 * does not get there.  With tm NULL only the f made so far is read (in
 * parallel over the customers), and -1 means it was too short. */
static int walk(const struct sk_tmodel *tm, double t, struct fpmf *g, double pa, double need)
{
	double cum = 0;
	int k = 0;
	while (cum < need && k < KMAX) {
		if (!tm && k + 1 >= g->n)
			return -1;
		cum += pa * (tm ? f_at(tm, t, g, ++k) : g->f[++k]);
	}
	return cum < need ? KMAX + 1 : k;
}

void sk_predict_median(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		       double t, const double *p_return, double *median)
{
	int own = !d->pid;	/* patterns made here are dropped here */
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	/* The highest level each pattern's customers need. */
	double *lv = sk_xmalloc((np ? np : 1) * sizeof *lv);
	for (size_t j = 0; j < np; j++)
		lv[j] = -1;
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i]) {
			double l = level(p_return[i]);
			if (l > lv[d->pid[i]])
				lv[d->pid[i]] = l;
		}
	/* The groups: (x, T) (with covariates (x, T, cov), whose customers
	 * share their parameters), or the patterns themselves. */
	size_t ng;
	struct sk_rfm *grp = NULL;
	uint32_t *gid;
	if (tm->ll_litt) {
		ng = np;
		gid = sk_xmalloc((np ? np : 1) * sizeof *gid);
		for (size_t j = 0; j < np; j++)
			gid[j] = (uint32_t)j;
	} else {
		gid = sk_rfm_group_xT(pat, np, &ng, &grp);
	}
	/* The patterns of each group that some customer needs, in order. */
	size_t *start = sk_xcalloc(ng + 1, sizeof *start);
	for (size_t j = 0; j < np; j++)
		start[gid[j] + 1] += lv[j] >= 0;
	for (size_t g = 0; g < ng; g++)
		start[g + 1] += start[g];
	uint32_t *member = sk_xmalloc((start[ng] ? start[ng] : 1) * sizeof *member);
	size_t *fill = sk_xmalloc((ng ? ng : 1) * sizeof *fill);
	for (size_t g = 0; g < ng; g++)
		fill[g] = start[g];
	for (size_t j = 0; j < np; j++)
		if (lv[j] >= 0)
			member[fill[gid[j]]++] = (uint32_t)j;
	free(fill);

	/* Per pattern: pa and pos = 1 - P(X = 0); f per group, as far as
	 * the pattern's most demanding customer needs. */
	double *pa = sk_xmalloc((np ? np : 1) * sizeof *pa);
	double *pos = sk_xmalloc((np ? np : 1) * sizeof *pos);
	struct fpmf *gf = sk_xcalloc(ng ? ng : 1, sizeof *gf);
	#pragma omp parallel for schedule(dynamic, 16) if (ng > 200)
	for (size_t g = 0; g < ng; g++) {
		if (start[g] == start[g + 1])
			continue;
		struct fpmf *G = &gf[g];
		const struct sk_rfm *rep = grp ? &grp[g] : &pat[g];
		G->pp = sk_cov_rowpar(tm, par, d->cov, rep, G->ip);
		G->future = sk_cond_future(tm, G->pp, rep->x, rep->T, G->q);
		G->r = rep;
		for (size_t m = start[g]; m < start[g + 1]; m++) {
			const struct sk_rfm *r = &pat[member[m]];
			double a = 1, p0;
			if (G->future) {
				a = sk_cond_alive(tm, G->pp, r->x, r->t_x, r->T);
				p0 = a * f_at(tm, t, G, 0) + (1 - a);
			} else {
				p0 = f_at(tm, t, G, 0);
			}
			pa[member[m]] = a;
			pos[member[m]] = 1 - p0;
			if (pos[member[m]] > 0)
				walk(tm, t, G, a, lv[member[m]] * pos[member[m]]);
		}
	}
	free(lv);
	free(member);
	free(start);

	int bad = 0;
	#pragma omp parallel for schedule(static) reduction(|:bad) if (d->n > 10000)
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		double l = level(p_return[i]);
		uint32_t j = d->pid[i];
		if (l < 0) {
			median[i] = 0;
		} else if (!(pos[j] > 0)) {
			/* the model sees no return at all; the layer does:
			 * a return is at least one purchase */
			median[i] = 1;
		} else {
			/* f is long enough: the pattern's walk, for a need
			 * at least hers, went as far */
			int k = walk(NULL, t, &gf[gid[j]], pa[j], l * pos[j]);
			bad |= k > KMAX ? 1 : k < 0 ? 2 : 0;
			median[i] = k > KMAX ? KMAX : k;
		}
	}
	for (size_t g = 0; g < ng; g++)
		free(gf[g].f);
	free(gf);
	free(pa);
	free(pos);
	free(gid);
	free(grp);
	if (own)
		sk_custdata_drop_patterns(d);
	if (bad & 2)
		sk_die(SK_EX_SOFTWARE, "median: a customer needs more of the %s pmf than her "
		       "pattern's most demanding customer", tm->title);
	if (bad)
		sk_die(SK_EX_SOFTWARE, "median: the %s pmf does not reach one half within %d "
		       "purchases", tm->title, KMAX);
}
