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
 * (pa = 1, f the conditional pmf itself), and not by sk_cond_pmf: one n
 * of it costs k incomplete beta functions and k^2 log-gamma functions,
 * 5 s of CPU for the 1M Erlang-6 customers of make bench.  cnbdpmf.c
 * makes f n after n by recurrences, ~1e-12 relative from sk_cond_pmf's
 * (test_median.c), so every sum a median compares is within ~1e-12 of
 * sk_cond_pmf's; a median whose sums stand CLEAR = 1e-9 or more from her
 * need (or, tilted, from the level: tilt_slack) is sk_cond_pmf's, and a
 * customer closer to a tie is redone from sk_cond_pmf (exact).  On the
 * Erlang-6 bench none is, and the median costs ~0.3 s of CPU.
 * The BG/NBD future (BG/NBD, MBG/NBD), untilted, is made the same way
 * by sk_bg_pmf_iter's recurrences (a few products a term where its pmf
 * takes a dozen log-gammas; ~1e-15 from it, test_median.c) under the
 * same CLEAR check, redone from the pmf near a tie: with a continuous
 * covariate every customer is her own group, and churn --model-type
 * bgnbd --covariates income on make bench's customers_covn.csv spent
 * 1.0 s of CPU on the median, now 0.1 s.  The Pareto/NBD's and the
 * GGom/NBD's pmf is a quadrature per value, with no such recurrence (in
 * FHL 2005's closed form every term's 2F1 moves with x), and their
 * median cost ~2 s of CPU on those 1M customers with a continuous
 * covariate, ~2 s where the layer's tilt needs f out to its tail:
 * pnbdpmf.c makes f on one quadrature rule per group whose nodes every
 * k shares (a product a node per k), within ~1e-12 of the pmf
 * (test_pnbdpmf.c), under the same CLEAR and tilt_slack checks, redone
 * from the pmf near a tie.  Callgrind's instructions in
 * sk_predict_median on 100,000 of those customers: 2.49e9 -> 0.41e9
 * (--covariates income), 3.02e9 -> 0.24e9 (the tilt on
 * customers-backtest.csv).
 *
 * The layer's E[X | X > 0].  When the learned layer corrects the mean
 * count of those who come back (hurdle.h), the count given a return is
 * no longer the model's: its mean is expected / p_return.  Of the
 * distributions with that mean the one closest to the model's in
 * relative entropy is the model's exponentially tilted,
 *   q(k) = f(k) e^(theta k) / sum_j>=1 f(j) e^(theta j),  k >= 1,
 * theta the one root of E_q[X] = the layer's mean (the I-projection onto
 * a moment constraint: Csiszar 1975, "I-divergence geometry of
 * probability distributions and minimization problems", Ann. Probab.
 * 3(1), thm. 3.1; Kullback 1959 ch. 3).  Given X > 0, P(X = k) is f(k)
 * normalised whatever pa is, so q depends on the (x, T) group and the
 * mean alone; f is then made out to its tail (tail_pmf).  On the three
 * data sets of make accuracy the median's MAE went from 0.6674 / 0.6946
 * / 1.3156 to 0.6674 / 0.6938 / 1.2810 (the CDNOW sample's layer keeps
 * the model's E[X | X > 0], so its medians are the same). */
#include "median.h"

#include <math.h>
#include <stdlib.h>

#include "covar.h"
#include "modelint.h"
#include "record/util.h"

/* Far beyond any customer's median (a million purchases over the
 * horizon): reaching it means the pmf does not add up. */
#define KMAX 1000000
/* Where f is cut for the tilted mean: the mass of X > 0 beyond it is
 * below this fraction of 1 - f(0). */
#define TAIL 1e-10

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
	double *ft;		/* for the tilt: f(0..nt-1), out to the tail */
	int nt;
	/* CNBD: 1 = the reference, sk_cond_pmf one n at a time; 0 = the
	 * recurrences of cnbdpmf.c, it while the group is being made */
	int slow;
	struct sk_cnbd_pmf_iter *it;
	/* The BG/NBD future (BG/NBD, MBG/NBD) untilted: f by sk_bg_pmf_iter's
	 * recurrences while the group is being made, NULL: by its pmf */
	struct sk_bg_pmf_iter *bg;
	/* The Pareto/NBD and GGom/NBD future: f on pnbdpmf.c's shared rule
	 * while the group is being made (NULL: by its pmf, from the first
	 * k the rule does not hold on) */
	struct sk_pnbd_pmf_iter *pn;
};

/* cnbdpmf.c's f is sk_cond_pmf's to ~1e-12 relative, so its terms and
 * partial sums (at most 1) to ~1e-12 absolute: a median whose sums stand
 * further than this from her need is sk_cond_pmf's. */
#define CLEAR 1e-9

static double f_at(const struct sk_tmodel *tm, double t, struct fpmf *g, int k);

/* For the tilted mean, f out to its tail (1 - f(0) is the mass of X > 0
 * under f; for the CNBD models f has the dead at 0) into g->ft: by
 * sk_bg_pmf_iter's recurrences for the BG/NBD future of BG/NBD and
 * MBG/NBD (the default), five times the values the search needs at a
 * few products each; else f itself, made further. */
static void tail_pmf(const struct sk_tmodel *tm, double t, struct fpmf *g)
{
	int cap = 64, n = 0;
	double *ft = sk_xmalloc((size_t)cap * sizeof *ft), cum = 0, rest = 0;
	struct sk_bg_pmf_iter it;
	int bg = g->future == &sk_bgnbd;
	if (bg)
		sk_bg_pmf_iter_init(&it, g->q, t, 0);
	do {
		if (n == cap) {
			cap *= 2;
			ft = sk_xrealloc(ft, (size_t)cap * sizeof *ft);
		}
		ft[n] = bg ? sk_bg_pmf_iter_next(&it) : f_at(tm, t, g, n);
		if (n == 0)
			rest = (1 - ft[0]) * TAIL;
		else
			cum += ft[n];
		n++;
	} while (1 - ft[0] - cum > rest && n <= KMAX &&
		 /* a pmf that sums to 1 only to its rounding: stop where its
		  * terms, falling, no longer count */
		 !(n > 2 && ft[n - 1] < ft[n - 2] && ft[n - 1] < rest * 1e-3));
	g->ft = ft;
	g->nt = n;
}

static double f_at(const struct sk_tmodel *tm, double t, struct fpmf *g, int k)
{
	while (g->n <= k) {
		if (g->n == g->cap) {
			g->cap = g->cap ? 2 * g->cap : 16;
			g->f = sk_xrealloc(g->f, (size_t)g->cap * sizeof *g->f);
		}
		int j = g->n++;
		if (g->future) {
			double v = g->bg ? sk_bg_pmf_iter_next(g->bg)
				   : g->pn ? sk_pnbd_pmf_next(g->pn) : NAN;
			if (isnan(v)) {
				g->pn = NULL;
				v = g->future->pmf(g->q, t, j);
			}
			g->f[j] = v;
			continue;
		}
		double v = g->slow ? NAN : sk_cnbd_pmf_next(g->it);
		if (isnan(v)) {	/* the rest from the reference */
			g->slow = 1;
			v = sk_cond_pmf(tm, g->pp, t, j, g->r->x, g->r->t_x, g->r->T);
		}
		g->f[j] = v;
	}
	return g->f[k];
}

/* The smallest k with cum(k) >= need, summing pa f(1), pa f(2), ... as
 * sk_cond_pmf's terms (pa f(k) + 0 for k > 0); KMAX + 1 when the pmf
 * does not get there.  With tm NULL only the f made so far is read (in
 * parallel over the customers), and -1 means it was too short.  The
 * margin, when asked: how far cum(k) and cum(k-1) stand from need, the
 * smaller (k = 1: cum(1)'s alone; cum(0) = 0 < need whatever f is). */
static int walk(const struct sk_tmodel *tm, double t, struct fpmf *g, double pa, double need,
		double *margin)
{
	double cum = 0, below = 0;
	int k = 0;
	while (cum < need && k < KMAX) {
		if (!tm && k + 1 >= g->n)
			return -1;
		below = cum;
		cum += pa * (tm ? f_at(tm, t, g, ++k) : g->f[++k]);
	}
	if (margin)
		*margin = k > 1 ? fmin(cum - need, need - below) : cum - need;
	return cum < need ? KMAX + 1 : k;
}

/* How clear of a tie a tilted median stands: its margins (cum(k) -
 * lv tot and lv tot - cum(k-1), over tot) less what another f within
 * ~1e-12 relative of this one (the CNBD models' f by recurrences against
 * sk_cond_pmf's) could move them, with room to spare:
 *   the terms themselves: 1e-9;
 *   theta: both roots meet E_q[X] = c to 1e-9 c, so they are within
 *     2e-9 c / v of each other, v the tilted variance, and F_q(k) moves
 *     by at most Cov(1{X <= k}, X) = sd / 2 per unit of theta: 1e-9 c /
 *     sd (c_sd = c / sd, NaN when theta did not meet c), times 10;
 *   where tail_pmf stopped: the other f may stop a term earlier (the
 *     last term, f(n-1) z^(n-1)) or take terms beyond, of mass at most
 *     the rest it stops at, 1e-10 (1 - f(0)), twice over, weighted as
 *     three terms further out.
 * Negative: another f might give another median. */
static double tilt_slack(const double *f, int n, double z, double tot, double above,
			 double below, double c_sd)
{
	if (!(c_sd >= 0) || !(tot > 0))
		return -1;
	double rest = (1 - f[0]) * TAIL;
	double trunc = (f[n - 1] * pow(z, n - 1) + 2 * rest * fmax(pow(z, n + 3), pow(z, n))) / tot;
	return fmin(above, below) - (1e-9 + 1e-8 * c_sd + trunc);
}

/* The median of X given X > 0 tilted to mean c (see the top of the
 * file), at level lv of its distribution function: f[1..n) the
 * untilted pmf up to its tail (c NaN: untilted).  Newton's method on theta, kept inside a
 * bracket by bisection; the weights f(k) z^k, z = e^theta, by products
 * (theta <= 700 / n, so that z^k cannot overflow; below, z^k underflows
 * harmlessly).  *slack, when asked: tilt_slack's, negative also when
 * theta did not meet c or the level was not reached. */
static int tilted(const double *f, int n, double c, double lv, double *slack)
{
	if (slack)
		*slack = HUGE_VAL;
	if (n < 2 || c <= 1)
		return 1;	/* at the mean 1 every return is one purchase */
	double lo = -50, hi = fmin(50, 700.0 / n), th = 0, v = 0;
	int met = isnan(c);	/* E_q[X] = c to 1e-9, or no tilt */
	for (int it = 0; it < 100 && !isnan(c); it++) {
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
		if (!(s0 > 0))
			break;
		if (fabs(m - c) <= 1e-9 * c) {
			met = 1;
			break;
		}
		if (m < c)
			lo = th;
		else
			hi = th;
		double nt = v > 0 ? th - (m - c) / v : NAN;
		th = nt > lo && nt < hi ? nt : (lo + hi) / 2;
		if (hi - lo < 1e-12)
			break;
	}
	double z = exp(th), zk = 1, tot = 0, cum = 0;
	for (int k = 1; k < n; k++) {
		zk *= z;
		tot += f[k] * zk;
	}
	zk = 1;
	for (int k = 1; k < n; k++) {
		double below = cum;
		zk *= z;
		cum += f[k] * zk;
		if (cum >= lv * tot) {
			if (slack)
				*slack = tilt_slack(f, n, z, tot, (cum - lv * tot) / tot,
						    k > 1 ? (lv * tot - below) / tot : HUGE_VAL,
						    isnan(c) ? 0 : met ? c / sqrt(v) : NAN);
			return k;
		}
	}
	if (slack)
		*slack = -1;
	return n - 1;
}

/* A CNBD median from sk_cond_pmf's f itself, as churn --median made
 * them all before cnbdpmf.c (f_at with slow set; tail_pmf and tilted as
 * above), for a customer whose median from the recurrences stands within
 * CLEAR of a tie; with tilt, tilted to the mean c (NaN: untilted). */
static int exact(const struct sk_tmodel *tm, double t, const struct fpmf *G, double l, int tilt,
		 double c, double a)
{
	struct fpmf e = { .pp = G->pp, .r = G->r, .slow = 1, .future = G->future };
	for (int i = 0; i < 5; i++)
		e.q[i] = G->q[i];
	/* the BG/NBD future's untilted median from its pmf, as before
	 * sk_bg_pmf_iter made it (P(alive) a): the same sums as predict's */
	double pos = e.future ? 1 - (a * f_at(tm, t, &e, 0) + (1 - a)) : 1 - f_at(tm, t, &e, 0);
	int k;
	if (!(pos > 0))
		k = 1;
	else if (tilt) {
		tail_pmf(tm, t, &e);
		k = tilted(e.ft, e.nt, c, l, NULL);
	} else {
		k = walk(tm, t, &e, e.future ? a : 1, l * pos, NULL);
	}
	free(e.f);
	free(e.ft);
	return k;
}

static void predict(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		    double t, const double *p_return, const double *expected, double *median,
		    int reference)
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

	/* The customers of each group whose median is not 0, in order: each
	 * group's medians are made while its f is, and f is freed when the
	 * group is done.  With a continuous covariate every customer is her
	 * own group, and a million groups' f (and their struct fpmf) held
	 * until the last was made cost ~150 MB. */
	size_t *cstart = sk_xcalloc(ng + 1, sizeof *cstart);
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i] && level(p_return[i]) >= 0)
			cstart[gid[d->pid[i]] + 1]++;
	for (size_t g = 0; g < ng; g++)
		cstart[g + 1] += cstart[g];
	size_t *cust = sk_xmalloc((cstart[ng] ? cstart[ng] : 1) * sizeof *cust);
	fill = sk_xmalloc((ng ? ng : 1) * sizeof *fill);
	for (size_t g = 0; g < ng; g++)
		fill[g] = cstart[g];
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		if (level(p_return[i]) >= 0)
			cust[fill[gid[d->pid[i]]]++] = i;
		else
			median[i] = 0;
	}
	free(fill);

	/* Per pattern: pa and pos = 1 - P(X = 0); f per group, as far as
	 * the pattern's most demanding customer needs; then the group's
	 * medians. */
	double *pa = sk_xmalloc((np ? np : 1) * sizeof *pa);
	double *pos = sk_xmalloc((np ? np : 1) * sizeof *pos);
	/* CNBD medians from the recurrences, in part or in all, are checked */
	int bad = 0, check = tm->ll_litt && !reference;
	#pragma omp parallel for schedule(dynamic, 16) reduction(|:bad) if (ng > 200)
	for (size_t g = 0; g < ng; g++) {
		if (start[g] == start[g + 1])
			continue;
		struct fpmf gf = { 0 }, *G = &gf;
		const struct sk_rfm *rep = grp ? &grp[g] : &pat[g];
		G->pp = sk_cov_rowpar(tm, par, d->cov, rep, G->ip);
		G->future = sk_cond_future(tm, G->pp, rep->x, rep->T, G->q);
		G->r = rep;
		struct sk_cnbd_pmf_iter it;
		if (!G->future) {
			G->slow = reference || sk_cnbd_pmf_init(&it, G->pp, t, rep->x, rep->t_x,
								rep->T, tm == &sk_mbgcnbd) != 0;
			G->it = &it;
		}
		struct sk_bg_pmf_iter bgit;
		if (G->future == &sk_bgnbd && !expected && !reference) {
			sk_bg_pmf_iter_init(&bgit, G->q, t, 0);
			G->bg = &bgit;
		}
		struct sk_pnbd_pmf_iter pnit;
		if (!reference &&
		    ((G->future == &sk_pnbd && sk_pnbd_pmf_init(&pnit, G->q, t) == 0) ||
		     (G->future == &sk_ggomnbd && sk_ggom_pmf_init(&pnit, G->q, t) == 0)))
			G->pn = &pnit;
		/* medians from recurrences (cnbdpmf.c, sk_bg_pmf_iter) or from
		 * the shared rule (pnbdpmf.c) are checked */
		int chk = check || G->bg || G->pn;
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
			/* the tilt reads ft alone: no search in f */
			if (pos[member[m]] > 0 && !expected)
				walk(tm, t, G, a, lv[member[m]] * pos[member[m]], NULL);
		}
		if (expected)
			tail_pmf(tm, t, G);
		G->it = NULL;
		G->bg = NULL;
		G->pn = NULL;
		for (size_t m = cstart[g]; m < cstart[g + 1]; m++) {
			size_t i = cust[m];
			double l = level(p_return[i]);
			uint32_t j = d->pid[i];
			/* a mean that is not a number: the model's (theta 0) */
			double c = !expected ? NAN
				   : p_return[i] > 0 ? expected[i] / p_return[i] : NAN;
			c = isfinite(c) ? c : NAN;
			if (chk && !(pos[j] > CLEAR)) {
				median[i] = exact(tm, t, G, l, !!expected, c, pa[j]);
			} else if (!(pos[j] > 0)) {
				/* the model sees no return at all; the layer
				 * does: a return is at least one purchase */
				median[i] = 1;
			} else if (expected) {
				double slack;
				median[i] = tilted(G->ft, G->nt, c, l, chk ? &slack : NULL);
				if (chk && !(slack > 0))
					median[i] = exact(tm, t, G, l, 1, c, pa[j]);
			} else {
				/* f is long enough: the pattern's walk, for a
				 * need at least hers, went as far */
				double margin;
				int k = walk(NULL, t, G, pa[j], l * pos[j], &margin);
				if (chk && k >= 1 && k <= KMAX && !(margin > CLEAR))
					k = exact(tm, t, G, l, 0, 0, pa[j]);
				bad |= k > KMAX ? 1 : k < 0 ? 2 : 0;
				median[i] = k > KMAX ? KMAX : k;
			}
		}
		free(G->f);
		free(G->ft);
	}
	free(lv);
	free(member);
	free(start);
	free(cstart);
	free(cust);
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

void sk_predict_median(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		       double t, const double *p_return, const double *expected, double *median)
{
	predict(tm, par, d, t, p_return, expected, median, 0);
}

void sk_predict_median_reference(const struct sk_tmodel *tm, const double *par,
				 struct sk_custdata *d, double t, const double *p_return,
				 const double *expected, double *median)
{
	predict(tm, par, d, t, p_return, expected, median, 1);
}
