/* backtest.c: model choice by forecasts and the learned layer (see
 * backtest.h).
 *
 * The horizon problem.  The held-back window is usually shorter than
 * --horizon (CDNOW: 13 weeks held back of a 39-week calibration, a
 * 39-week horizon), so a learner that predicted "bought within the
 * window" from the history alone would answer the wrong question.  The
 * layer instead corrects the model: its features include the model's own
 * predictions over the window (when training, from the model fitted on
 * the cut) and over the horizon (when applied, from the model fitted on
 * everything), the logit of p_return entering like Platt scaling (Platt
 * 1999, "Probabilistic outputs for support vector machines", eq. 1).
 * The model carries the horizon; the regression learns how far to trust
 * it and where its population assumptions miss (recency, regularity).
 * expected_purchases is corrected by the same layer: expected =
 * P(X > 0) E[X | X > 0], a hurdle model (hurdle.h); the layer replaces
 * the first factor, and the second is the model's unless the layer's
 * second part, a regression of the count of those who came back in the
 * window, predicts it better out of sample (hurdle.c says how that is
 * decided and what it gave).  Measured against a Poisson regression of
 * the whole count with the model's log expectation as offset and against
 * the cloglog layer's hazard multiplier: only the two factors kept the
 * holdout total within 15% on all three data sets (-14.3%, -9.2%, -7.8%;
 * the Poisson layer -16.8% on the CDNOW sample, the multiplier +9.3% on
 * Online Retail).
 *
 * Not the absolute error.  The per-customer MAE of expected_purchases
 * rewards a forecast below the mean for the many who stay away (their
 * median is 0): the Pareto/NBD's, which gives the 1363 customers of the
 * CDNOW sample it scores below 0.1 for p_return 0.14 purchases each
 * against the 0.25 they bought, has the lowest MAE of the models, while
 * the layer's has the lowest Poisson deviance (README, Accuracy).
 * Mapped onto the holdout's own means by isotonic regression (the best
 * any mean with the same ranking can do, fitted on the answers), the
 * layer's figures would have an MAE of 0.813 and 0.842 on the CDNOW
 * sample and master, above the 0.777 and 0.817 they have, and the
 * Pareto/NBD's 0.809 and 0.850 against its 0.755 and 0.794: no
 * expectation reaches those there; under-forecasting does.  The layer
 * stays a mean; churn --median gives the median (median.h), the
 * forecast for absolute error (0.667 and 0.697 there).
 *
 * Where the MAE is lost (issue 16; the CDNOW sample's holdout, per
 * customer of the whole base, the layer's against the Pareto/NBD's): in
 * the 1411 one-time buyers, who bought 0.237 each and are given 0.188
 * and 0.138 (absolute error 0.223 against 0.201), and in the 436 repeat
 * buyers away for more than half their T, who bought 0.750 and are given
 * 0.649 and 0.488 (0.165 against 0.153); elsewhere the two are within
 * 0.006.  In both groups the layer is the nearer to the mean and has the
 * lower deviance (0.625 against 0.651, 0.337 against 0.385); CDNOW master
 * is alike.  Rescaled per frequency group (0, 1, 2, 3-4, 5-9, 10+) to the
 * holdout's own group means, an oracle, every model's deviance falls and
 * its MAE rises: the Pareto/NBD's to 0.805, 0.852 and 1.362 on the three
 * data sets, the layer's to 0.813, 0.853 and 1.325.  Tried and left,
 * both chosen on the user's backtest: the model's mean or the layer's
 * for one-time and for repeat buyers, whichever has the lower
 * cross-validated Poisson deviance in the window (the layer in both on
 * CDNOW, nothing changes; on Online Retail the model for repeat buyers,
 * by 1.5 in 1161, and the holdout MAE 1.301 -> 1.353, deviance 1.693 ->
 * 1.763); and the ridge penalty by cross-validated deviance over 0.1 to
 * 3000 (30 on CDNOW, 100 on Online Retail: MAE 1.301 -> 1.303, deviance
 * 1.693 -> 1.695).  Also left: the age log(1 + T), whose slope learned
 * at the cut is applied 13 weeks further on (under a right model it
 * pulls the one-time buyers' mean 4 standard errors low in
 * test_backtest.c, seed 11), dropped or clamped to its range at the cut:
 * the CDNOW master total goes from -13.9 % to -20.8 % and -17.1 %. */
#include "backtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "covar.h"
#include "hurdle.h"
#include "layerfeat.h"
#include "learn.h"
#include "modelint.h"
#include "record/util.h"

#define NFEAT 7
/* Rows the regressions see at most: a deterministic stride over more
 * keeps the fit's cost flat (a million customers learn from 100,000).
 * A variable so that the unit test can take the sampled path on a
 * simulation of a test's size (sk_layer_max_train). */
static size_t max_train = 100000;
/* The ridge penalty on the standardised slopes: 30 against 1 and 300 on
 * the three real data sets kept the AUC (0.778, 0.768, 0.741 against
 * 0.780, 0.769, 0.742) with a lower calibration error (0.041, 0.030,
 * 0.024 against 0.044, 0.033, 0.024); 300 lost 0.01 of AUC. */
#define LAMBDA 30.0
/* Fewer customers at the cut than this teach nothing reliable: the layer
 * stands aside without a word (churn.1 says so). */
#define MINTRAIN SK_BACKTEST_MINTRAIN

static double clampp(double p)
{
	return fmin(fmax(p, 1e-6), 1 - 1e-6);
}

/* The features of one customer: the history and the model's p_alive,
 * none of which depends on the horizon.  Chosen on the three real data
 * sets (README): the time since the last purchase in units of the
 * customer's own mean gap (regularity) and t_x/T added 0.002-0.003 AUC
 * and lowered the calibration error; T alone, dropped, cost 10-17 points
 * of the holdout total. */
static void features(const struct sk_rfm *r, double pa, double *f)
{
	/* log p_alive, not its logit: where a fit puts nearly nobody's
	 * dropout (Online Retail: a ~ 0), p_alive is 1 - 1e-5 on the cut and
	 * 1 - 1e-6 on everything, logits 11.5 and 13.8 that the coefficient
	 * cannot carry over (auto's MBG/NBD flagged 82% there, BG/NBD 32%);
	 * the logarithm is ~0 for both and keeps the spread below 1 (AUC on
	 * the three data sets 0.770, 0.760, 0.740 -> 0.780, 0.769, 0.742). */
	f[0] = log(clampp(pa));
	f[1] = log1p(r->x);
	f[2] = log1p(r->T - r->t_x);	/* time since the last purchase */
	f[3] = log1p(r->T);
	f[4] = r->x > 0 ? log1p(r->t_x / r->x) : 0;	/* mean gap between purchases */
	f[5] = r->T > 0 ? r->t_x / r->T : 0;
	f[6] = r->x > 0 && r->t_x > 0 ? (r->T - r->t_x) / (r->t_x / r->x) : 0;	/* gaps since */
}

/* The offset: the model's p_return over the window or horizon at stake,
 * as the link sees it (cloglog), so that a zero correction returns the
 * model's figure. */
static double off_return(double pr)
{
	return log(-log1p(-clampp(pr)));
}


struct bt_ctx {
	const struct sk_table *t;
	const struct sk_custdata *full;
	struct sk_backtest *b;
	long cx, ctx, cT, cp, cl;
};

/* Row i as of the cut into b->d and b->purchases: a row check
 * (sk_table_check_rows), its checks in the order of the serial reading.
 * The first row with a history sets the window the others must have
 * (b->window NaN until then): sk_backtest_read reads up to it on one
 * thread, so that every thread compares with the same window. */
static int bt_row(size_t i, int die, void *ctxp)
{
	const struct bt_ctx *c = ctxp;
	const struct sk_table *t = c->t;
	struct sk_backtest *b = c->b;
	struct sk_custdata *d = &b->d;
	int ex, et, eT, ep;
	double x, tx, T, np;
	if (sk_table_num_check(t, i, c->cx, die, &x, &ex) ||
	    sk_table_num_check(t, i, c->ctx, die, &tx, &et) ||
	    sk_table_num_check(t, i, c->cT, die, &T, &eT) ||
	    sk_table_num_check(t, i, c->cp, die, &np, &ep))
		return 1;
	if (ex && et && eT && ep)
		return 0;	/* first purchase after the cut */
	if (ex || et || eT || ep)
		return sk_table_bad(t, i, die, "backtest columns must be all empty or all set");
	if (!c->full->valid[i])
		return sk_table_bad(t, i, die, "backtest columns set for a customer without "
				    "purchases");
	const struct sk_rfm *f = &c->full->rfm[i];
	if (!(x >= 0 && x == floor(x) && np >= 0 && np == floor(np) && tx >= 0 &&
	      tx <= T * (1 + 1e-9) + 1e-9 && T >= 0 && x <= f->x))
		return sk_table_bad(t, i, die, "backtest columns: frequency %g, recency %g, T %g, "
				    "purchases %g are not a customer's history", x, tx, T, np);
	/* One cut for everybody: T - backtest_T is the same window. */
	double w = f->T - T;
	if (isnan(b->window))
		b->window = w;
	else if (fabs(w - b->window) > 1e-5 * (1 + fabs(w)))
		return sk_table_bad(t, i, die, "backtest_T %g is not T %g minus the held-back "
				    "window %g of the other rows", T, f->T, b->window);
	/* NaN without the column: the CNBD models then sit out (cnbd.c) */
	double litt = NAN;
	if (c->cl >= 0) {
		int el;
		if (sk_table_num_check(t, i, c->cl, die, &litt, &el))
			return 1;
		if (el && x > 0)
			return sk_table_bad(t, i, die, "column \"backtest_litt\": empty for a "
					    "customer with repeat purchases before the cut");
		if (el || x == 0)
			litt = 0;
	}
	d->rfm[i] = (struct sk_rfm){ .x = x, .t_x = fmin(tx, T), .T = T, .w = f->w,
				    .litt = litt };
	d->valid[i] = 1;
	b->purchases[i] = np;
	return 0;
}

int sk_backtest_read(const struct sk_table *t, const struct sk_custdata *full,
		     struct sk_backtest *b)
{
	long cx = sk_table_col(t, "backtest_frequency"), ctx = sk_table_col(t, "backtest_recency"),
	     cT = sk_table_col(t, "backtest_T"), cp = sk_table_col(t, "backtest_purchases");
	long cl = sk_table_col(t, "backtest_litt");	/* summarize --backtest --litt */
	if (cx < 0 && ctx < 0 && cT < 0 && cp < 0)
		return 0;
	if (cx < 0 || ctx < 0 || cT < 0 || cp < 0)
		sk_die(SK_EX_DATA, "the backtest needs backtest_frequency, backtest_recency, "
		       "backtest_T and backtest_purchases (summarize --backtest writes them)");
	memset(b, 0, sizeof *b);
	struct sk_custdata *d = &b->d;
	d->n = t->nrow;
	d->rfm = sk_xcalloc(d->n ? d->n : 1, sizeof *d->rfm);
	d->valid = sk_xcalloc(d->n ? d->n : 1, 1);
	b->purchases = sk_xcalloc(d->n ? d->n : 1, sizeof *b->purchases);
	b->window = NAN;
	/* Up to the first row with a history on this thread (it sets the
	 * window), the rest on every core: 0.18 s of churn on the bench
	 * log on one. */
	struct bt_ctx c = { t, full, b, cx, ctx, cT, cp, cl };
	size_t i = 0;
	while (i < d->n && isnan(b->window))
		bt_row(i++, 1, &c);
	sk_table_check_rows(t, i, bt_row, &c);
	for (i = 0; i < d->n; i++)
		d->nvalid += d->valid[i];
	if (d->nvalid && !(b->window > 0))
		sk_die(SK_EX_DATA, "backtest: the held-back window is %g; it must be positive",
		       b->window);
	sk_risk_read(t, full, b);
	sk_ordervalue_read(t, full, b);
	return 1;
}

void sk_backtest_free(struct sk_backtest *b)
{
	sk_custdata_free(&b->d);
	free(b->purchases);
	free(b->risk_cut);
	free(b->risk_end);
	memset(b, 0, sizeof *b);
}

double sk_backtest_heldout_ll(const struct sk_backtest *b, const struct sk_pred *p, double *n)
{
	double ll = 0, w = 0;
	for (size_t i = 0; i < b->d.n; i++) {
		if (!b->d.valid[i])
			continue;
		double pr = clampp(p->p_return[i]), wi = b->d.rfm[i].w;
		ll += wi * (b->purchases[i] > 0 ? log(pr) : log1p(-pr));
		w += wi;
	}
	*n = w;
	return w > 0 ? ll / w : NAN;
}

const struct sk_tmodel *sk_tmodel_auto_backtest(struct sk_backtest *b, double penalty,
						const struct sk_rfm *pat, size_t npat,
						struct sk_fit *fit)
{
	static const struct sk_tmodel *const cand[] = { &sk_bgnbd, &sk_pnbd, &sk_mbgnbd,
							&sk_ggomnbd, &sk_bgcnbd, &sk_mbgcnbd };
	const struct sk_tmodel *best = NULL;
	double best_ll = -INFINITY;
	char err[400];
	if (b->d.nvalid < MINTRAIN)
		return sk_tmodel_auto(penalty, pat, npat, fit);
	size_t nbp;
	const struct sk_rfm *bpat = sk_custdata_patterns(&b->d, &nbp);
	/* BG/CNBD-k and MBG/CNBD-k where both fits have litt (summarize
	 * --litt with --backtest writes backtest_litt). */
	size_t ncand = sk_rfm_have_litt(pat, npat) && sk_rfm_have_litt(bpat, nbp) ? 6 : 4;
	for (size_t k = 0; k < ncand; k++) {
		struct sk_fit fb, f;
		if (sk_tmodel_fit_with(cand[k], penalty, bpat, nbp, &fb, err, sizeof err) != 0) {
			sk_warn("auto: %s not fitted on the backtest: %s", cand[k]->title, err);
			continue;
		}
		struct sk_pred p;
		sk_predict(cand[k], fb.par, &b->d, b->window, &p);
		double n, ll = sk_backtest_heldout_ll(b, &p, &n);
		sk_pred_free(&p);
		if (sk_tmodel_fit_with(cand[k], penalty, pat, npat, &f, err, sizeof err) != 0) {
			sk_warn("auto: %s not fitted: %s", cand[k]->title, err);
			continue;
		}
		sk_warn("auto: %s held-out log-likelihood %.4f per customer (%.0f customers, "
			"%g held back); in-sample log-likelihood %.2f, BIC %.2f",
			cand[k]->title, ll, n, b->window, f.loglik, sk_fit_bic(&f));
		/* A later candidate must forecast better by more than rounding:
		 * where the fits meet in one limit (no dropout) they tie. */
		if (ll > best_ll + 1e-4) {
			best_ll = ll;
			best = cand[k];
			*fit = f;
		}
	}
	if (!best)
		sk_die(SK_EX_DATA, "no model could be fitted; check the data");
	sk_warn("auto: chose %s (best held-out log-likelihood)", best->title);
	return best;
}

size_t sk_layer_max_train(size_t n)
{
	size_t was = max_train;
	if (n > 0)
		max_train = n;
	return was;
}

/* The rows the layer learns from: every customer of the cut, or a
 * deterministic stride through them when there are more than max_train.
 * The model is refitted on the same rows: its parameters from 100,000
 * customers are within a few standard errors of those from a million
 * (the errors shrink as 1/sqrt(n), and the layer learns how far to trust
 * the model anyway), and the refit on the cut was most of the layer's
 * cost (0.9 of 1.4 s CPU on a million customers, make bench).  Returns
 * the rows' purchases in the held-back window; s owns its rows, and
 * *row their rows in b. */
static double *training_rows(const struct sk_backtest *b, struct sk_custdata *s,
			      size_t **row)
{
	size_t stride = b->d.nvalid > max_train ? (b->d.nvalid + max_train - 1) / max_train : 1;
	size_t cap = b->d.nvalid / stride + 1, seen = 0;
	memset(s, 0, sizeof *s);
	s->rfm = sk_xmalloc(cap * sizeof *s->rfm);
	s->valid = sk_xmalloc(cap);
	double *purchases = sk_xmalloc(cap * sizeof *purchases);
	*row = sk_xmalloc(cap * sizeof **row);
	for (size_t i = 0; i < b->d.n; i++) {
		if (!b->d.valid[i] || seen++ % stride)
			continue;
		(*row)[s->n] = i;
		s->rfm[s->n] = b->d.rfm[i];
		s->valid[s->n] = 1;
		purchases[s->n++] = b->purchases[i];
	}
	s->nvalid = s->n;
	return purchases;
}

/* What the layer learns on the backtest, kept until it is applied to
 * the predictions for everybody: layer_rows, layer_fit, layer_use. */
struct layer {
	int rc;			/* 0, or -1: the layer stands aside (said why) */
	int fitted;		/* lr and hu hold layer_fit's regressions */
	int no_alive;		/* p_alive left out (layer_fit) */
	int nf, use[SK_NGROUP];
	size_t n;		/* the training rows, then their columns */
	double *X, *y, *offr, *w, *count, *cond;
	double cut_alive;	/* the lowest p_alive at the cut */
	struct sk_learn lr;
	struct sk_hurdle hu;
};

static void layer_free(struct layer *L)
{
	free(L->X);
	free(L->y);
	free(L->offr);
	free(L->w);
	free(L->count);
	free(L->cond);
	if (L->fitted) {
		sk_learn_free(&L->lr);
		sk_hurdle_free(&L->hu);
	}
	memset(L, 0, sizeof *L);
}

/* The training rows: the model refitted on the cut (from fit, the one
 * on all customers, when it has covariates), its predictions over the
 * window, the features as of the cut and what the customers did in the
 * window.  L->rc -1 when the backtest cannot teach anything. */
static void layer_rows(const struct sk_tmodel *tm, const struct sk_fit *fit,
		       const struct sk_backtest *b, struct layer *L)
{
	char err[400];
	memset(L, 0, sizeof *L);
	L->rc = -1;
	if (b->d.nvalid < MINTRAIN)
		return;	/* quietly (backtest.h) */
	struct sk_custdata s;
	size_t *row;
	double *purchases = training_rows(b, &s, &row);
	struct sk_fit fb;
	int frc;
	if (b->d.cov) {
		/* With covariates (sk_cov_backtest), refitted with them: they
		 * are time-invariant, so as valid at the cut as at the end.
		 * From the fit on all customers, the nearest start there is:
		 * Newton's method at once (sk_cov_fit_from), where the coarse
		 * start and the fit without covariates took 0.5 s of CPU, a
		 * third of the layer's (make bench's log, one continuous
		 * column, 10^5 customers at the cut). */
		struct sk_fit plain;
		s.cov = b->d.cov;
		s.ncov = b->d.ncov;
		frc = sk_cov_fit_custdata(tm, &s, b->d.cov, 0, fit, &plain, &fb, err, sizeof err);
	} else {
		size_t nbp;
		const struct sk_rfm *bpat = sk_custdata_patterns(&s, &nbp);
		/* Only fb.par is used, and the BG/NBD's and MBG/NBD's fits
		 * (sk_bg_fit) do not read their standard errors (the GGom/NBD's
		 * and the Pareto/NBD's choose by them): without them the
		 * refit on make bench's 10^5 customers at the cut takes ~8 of
		 * its ~18 evaluations of the likelihood less, the same
		 * parameters to the bit. */
		int was = sk_tmodel_skip_se(tm == &sk_bgnbd || tm == &sk_mbgnbd);
		frc = tm->fit(bpat, nbp, &fb, err, sizeof err);
		sk_tmodel_skip_se(was);
	}
	if (frc != 0) {
		sk_warn("learned layer: %s; p_return and expected_purchases are the model's",
			err);
		sk_custdata_free(&s);
		free(purchases);
		free(row);
		return;
	}
	struct sk_pred pb;
	sk_predict(tm, fb.par, &s, b->window, &pb);
	sk_custdata_drop_patterns(&s);

	int nf = NFEAT + sk_layerfeat_nf(b, NULL);
	size_t n = s.n;
	double *X = sk_xmalloc((n + 1) * (size_t)nf * sizeof *X), *y = sk_xmalloc((n + 1) * sizeof *y),
	       *offr = sk_xmalloc((n + 1) * sizeof *offr), *w = sk_xmalloc((n + 1) * sizeof *w);
	/* For the second part (hurdle.h): the count, and the model's
	 * E[X | X > 0] over the window. */
	double *count = sk_xmalloc((n + 1) * sizeof *count), *cond = sk_xmalloc((n + 1) * sizeof *cond);
	for (size_t k = 0; k < n; k++) {
		features(&s.rfm[k], pb.p_alive[k], X + k * nf);
		/* as of the cut, as the history */
		sk_layerfeat_row(b, NULL, row[k], 1, s.rfm[k].x, X + k * nf + NFEAT);
		y[k] = purchases[k] > 0;
		offr[k] = off_return(pb.p_return[k]);
		w[k] = s.rfm[k].w;
		count[k] = purchases[k];
		cond[k] = pb.p_return[k] > 0 ? pb.expected[k] / pb.p_return[k] : NAN;
	}
	sk_custdata_free(&s);
	free(purchases);
	free(row);
	sk_pred_free(&pb);	/* 24 bytes a customer, not needed past here */
	L->nf = nf;
	L->n = n;
	L->X = X;
	L->y = y;
	L->offr = offr;
	L->w = w;
	L->count = count;
	L->cond = cond;
	/* Too few events to learn from: a regression needs about ten of
	 * the rarer outcome per feature (Peduzzi et al. 1996, "A simulation
	 * study of the number of events per variable in logistic regression
	 * analysis", J. Clin. Epidemiol. 49(12)); below that its slopes are
	 * noise.  The CDNOW sample observed to 1997-01-15 (a window of 4
	 * days, 10 of 217 back) turned the model's AUC of 0.558 into 0.456;
	 * at make accuracy's and make crosscut's splits the rarer outcome
	 * counts in the hundreds. */
	double back = 0, away = 0;
	for (size_t k = 0; k < n; k++) {
		back += w[k] * y[k];
		away += w[k] * (1 - y[k]);
	}
	if (fmin(back, away) < 10.0 * NFEAT) {
		sk_warn("learned layer: %.0f of the %.0f customers in the backtest came back in "
			"the window, too few %s to learn from (%d needed, 10 per feature); "
			"p_return and expected_purchases are the model's", back, back + away,
			back < away ? "returns" : "stays", 10 * NFEAT);
		layer_free(L);
		L->rc = -1;
		return;
	}
	double cut_alive = 1;
	for (size_t k = 0; k < n; k++)
		cut_alive = fmin(cut_alive, X[k * nf]);
	L->cut_alive = exp(cut_alive);
	L->rc = 0;
}

/* p_alive is left out when the model fitted on the cut sees no
 * dropout (its lowest p_alive above SK_NO_DROPOUT_ALIVE) and the
 * model fitted on everything does: log p_alive spreads by rounding
 * at the cut and by real dropout at the end, so its standardised
 * slope would be applied hundreds of thousands of standard
 * deviations from where it was learned (CDNOW sample observed to
 * 1997-01-31: sd 1.3e-6 at the cut, -0.17 to -0.30 at the end,
 * every p_return 0 at every horizon; make crosscut, README).  Where
 * neither sees dropout (Online Retail) the feature is ~0 at both
 * and stays, as where both see it.  So the end's p_alive matters only
 * when the cut sees no dropout (layer_waits): otherwise the layer is
 * fitted before the predictions for everybody are there. */
static int layer_waits(const struct layer *L)
{
	return L->rc == 0 && L->cut_alive > SK_NO_DROPOUT_ALIVE;
}

struct fits {
	struct layer *L;
	double *scratch;	/* the layer's fit's, from the caller's thread */
	int rc;			/* the layer's fit */
	char err[400];
};

static void fits_task(void *ctx, int i)
{
	struct fits *f = ctx;
	struct layer *L = f->L;
	/* The hurdle's copies of the rows on the caller's thread
	 * (sk_tasks_run says why). */
	if (i == 0)
		sk_hurdle_learn(&L->hu, L->X, L->count, L->cond, L->w, L->n, L->nf, LAMBDA);
	else
		f->rc = sk_learn_fit_scratch(&L->lr, SK_LINK_CLOGLOG, L->X, L->y, L->offr, L->w,
					     L->n, L->nf, LAMBDA, f->scratch, f->err,
					     sizeof f->err);
}

/* The regressions on the training rows: the groups of features chosen,
 * the layer and its second part (hurdle.h); end_alive the lowest
 * p_alive of the model on everybody (any value when !layer_waits).
 * L->rc -1 when the layer cannot be fitted. */
static void layer_fit(const struct sk_backtest *b, struct layer *L, double end_alive,
		      FILE *report)
{
	size_t n = L->n;
	double *X = L->X;
	L->no_alive = layer_waits(L) && !(end_alive > SK_NO_DROPOUT_ALIVE);
	if (L->no_alive) {
		for (size_t k = 0; k < n; k++)
			X[k * L->nf] = 0;	/* constant: the regression ignores it */
		if (report)
			fprintf(report, "learned layer: p_alive not used: the model on the cut "
				"sees no dropout (lowest p_alive %.4f), the model on everything "
				"does (lowest %.4f)\n", L->cut_alive, end_alive);
	}
	L->nf = sk_layerfeat_choose(b, X, L->y, L->offr, L->w, n, L->nf, NFEAT, LAMBDA, L->use,
				    report);
	/* The layer and its second part side by side: neither reads the
	 * other's fit. */
	struct fits f = { L, sk_xmalloc((2 * n + 1) * sizeof *f.scratch), 0, "" };
	sk_tasks_run(2, fits_task, &f);
	free(f.scratch);
	if (f.rc != 0) {
		sk_warn("%s; p_return and expected_purchases are the model's", f.err);
		sk_hurdle_free(&L->hu);
		L->rc = -1;
		return;
	}
	L->fitted = 1;
	if (report) {
		double sp = 0, sm = 0, sy = 0, sw = 0;
		for (size_t k = 0; k < n; k++) {
			sp += L->w[k] * sk_learn_predict(&L->lr, X + k * L->nf, L->offr[k]);
			sm += L->w[k] * sk_learn_mean(SK_LINK_CLOGLOG, L->offr[k]);
			sy += L->w[k] * L->y[k];
			sw += L->w[k];
		}
		/* Past max_train the figures are the sample's. */
		if (n < b->d.nvalid)
			fprintf(report, "learned layer: %zu customers at the cut, learning "
				"from a sample of %zu\n", b->d.nvalid, n);
		fprintf(report, "learned layer: %.0f customers in the backtest (%g held "
			"back), came back %.4f, model %.4f, layer %.4f\n", sw, b->window,
			sy / sw, sm / sw, sp / sw);
		sk_hurdle_report(&L->hu, report);
	}
}

/* The layer learned on the backtest (fitted, unless it waited for the
 * end's p_alive) applied to p, the predictions for the rows of d; frees
 * L.  0, or -1 with p unchanged. */
static int layer_use(const struct sk_backtest *b, struct layer *L, const struct sk_custdata *d,
		     struct sk_pred *p, FILE *report)
{
	if (L->rc == 0 && !L->fitted) {
		double end_alive = 1;
		for (size_t i = 0; i < d->n; i++)
			if (d->valid[i])
				end_alive = fmin(end_alive, p->p_alive[i]);
		layer_fit(b, L, end_alive, report);
	}
	int rc = L->rc;
	if (rc == 0) {
		#pragma omp parallel for schedule(static) if (d->n > 10000)
		for (size_t i = 0; i < d->n; i++) {
			if (!d->valid[i])
				continue;
			double f[NFEAT + SK_GROUP_MAXF];
			features(&d->rfm[i], p->p_alive[i], f);
			if (L->no_alive)
				f[0] = 0;
			/* as of the end, as the history */
			sk_layerfeat_row(b, L->use, i, 0, d->rfm[i].x, f + NFEAT);
			double pr = sk_learn_predict(&L->lr, f, off_return(p->p_return[i]));
			if (!isfinite(pr))
				continue;
			/* expected = P(X > 0) E[X | X > 0] (see the top of the
			 * file); p_return 0 means expected 0 there, and stays so. */
			if (p->p_return[i] > 0)
				p->expected[i] = pr * sk_hurdle_cond(&L->hu, f, p->expected[i] /
								     p->p_return[i]);
			p->p_return[i] = pr;
		}
		p->hurdle = L->hu.used;
	}
	layer_free(L);
	return rc;
}

int sk_layer_apply(const struct sk_tmodel *tm, const struct sk_fit *fit,
		   struct sk_backtest *b, const struct sk_custdata *d, struct sk_pred *p,
		   FILE *report)
{
	struct layer L;
	layer_rows(tm, fit, b, &L);
	return layer_use(b, &L, d, p, report);
}

int sk_predict_layer(const struct sk_tmodel *tm, const struct sk_fit *fit,
		     struct sk_backtest *b, struct sk_custdata *d, double horizon,
		     struct sk_pred *p, FILE *report)
{
	/* The layer learns on the cut while the model predicts for
	 * everybody, each on a core: they share nothing but what both
	 * read (fit, d's rows as the cut's source, b), and the layer's
	 * regressions wait for the predictions only when the cut sees no
	 * dropout (layer_waits).  Make bench's log (BG/NBD, total_spend):
	 * the learning 0.5 s of CPU, serial, beside the predictions' 0.3 s.
	 * The predictions on the main thread: their memory then comes from
	 * the main malloc arena, where the summary's freed memory is, and
	 * only the layer's from the second thread's (peak 446 MB against
	 * 466 MB the other way round; 415 MB one after the other).  Only
	 * with covariates: without them the cut's fit is cheap, and side by
	 * side gained no time on make bench's default row (1.13 s either
	 * way) and cost 13 MB over its 300 MB target (318 MB against 305). */
	struct layer L;
	#pragma omp parallel num_threads(2) \
		if (b->d.cov && b->d.nvalid >= MINTRAIN && omp_get_max_threads() > 1)
	{
		int t = omp_get_thread_num(), one = omp_get_num_threads() == 1;
		if (t == 1 || one) {
			layer_rows(tm, fit, b, &L);
			if (L.rc == 0 && !layer_waits(&L))
				layer_fit(b, &L, 1, report);
		}
		if (t == 0)
			sk_predict(tm, fit->par, d, horizon, p);
	}
	return layer_use(b, &L, d, p, report);
}
