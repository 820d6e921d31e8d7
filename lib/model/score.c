/* score.c: model inputs from records, fitting with checks, predictions
 * per distinct pattern, and the reports analysts read before trusting a
 * model. */
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "record/group.h"
#include "record/num.h"
#include "record/util.h"

void sk_custdata_read(const struct sk_table *t, const char *weight_col, int discrete,
		      int want_spend, struct sk_custdata *d)
{
	memset(d, 0, sizeof *d);
	d->n = t->nrow;
	d->col_x = sk_table_need_col(t, "frequency", NULL);
	d->col_tx = sk_table_need_col(t, "recency", NULL);
	d->col_T = discrete ? sk_table_need_col(t, "periods", "T") : sk_table_need_col(t, "T", NULL);
	d->col_w = weight_col ? sk_table_col(t, weight_col) : -1;
	if (weight_col && d->col_w < 0)
		sk_die(SK_EX_DATA, "missing weight column \"%s\"", weight_col);
	d->col_m = want_spend ? sk_table_need_col(t, "monetary_value", NULL) : -1;
	d->rfm = sk_xcalloc(d->n, sizeof *d->rfm);
	d->valid = sk_xcalloc(d->n, 1);
	if (want_spend)
		d->mbar = sk_xcalloc(d->n, sizeof *d->mbar);
	for (size_t i = 0; i < d->n; i++) {
		int ex, et, eT, ew = 0;
		double x = sk_table_num(t, i, d->col_x, &ex);
		double tx = sk_table_num(t, i, d->col_tx, &et);
		double T = sk_table_num(t, i, d->col_T, &eT);
		double w = d->col_w >= 0 ? sk_table_num(t, i, d->col_w, &ew) : 1;
		if (d->mbar) {
			int em;
			double m = sk_table_num(t, i, d->col_m, &em);
			d->mbar[i] = em ? NAN : m;
		}
		if (ex && et && eT)
			continue;	/* a prospect: no purchase, no prediction */
		if (ex || et || eT)
			sk_table_die(t, i, "frequency, recency and T must be all empty "
				     "(a prospect) or all set");
		if (ew)
			sk_table_die(t, i, "column \"%s\": empty weight", weight_col);
		if (x < 0 || x != floor(x) || x > 1e9)
			sk_table_die(t, i, "column \"frequency\": \"%g\" is not a whole number "
				     ">= 0", x);
		if (tx < 0)
			sk_table_die(t, i, "column \"recency\": negative value %g", tx);
		if (T < 0)
			sk_table_die(t, i, "column \"%s\": negative value %g",
				     t->col[d->col_T], T);
		if (tx > T * (1 + 1e-9) + 1e-9)
			sk_table_die(t, i, "recency %g is after T %g: the last purchase cannot "
				     "come after the end of observation; check --as-of", tx, T);
		if (x == 0 && tx != 0)
			sk_table_die(t, i, "recency %g with frequency 0: a customer without "
				     "repeat purchases has recency 0", tx);
		if (discrete && (tx != floor(tx) || T != floor(T) || x > T || tx > T))
			sk_table_die(t, i, "BG/BB needs whole numbers of opportunities with "
				     "frequency <= recency <= periods");
		if (w < 0)
			sk_table_die(t, i, "column \"%s\": negative weight %g", weight_col, w);
		d->rfm[i] = (struct sk_rfm){ x, tx > T ? T : tx, T, w };
		d->valid[i] = 1;
		d->nvalid++;
	}
}

void sk_custdata_free(struct sk_custdata *d)
{
	free(d->pat);
	free(d->pid);
	free(d->rfm);
	free(d->valid);
	free(d->mbar);
	memset(d, 0, sizeof *d);
}

static const struct sk_rfm *sort_rfm;

static int cmp_rows(const void *pa, const void *pb)
{
	const struct sk_rfm *a = &sort_rfm[*(const uint32_t *)pa];
	const struct sk_rfm *b = &sort_rfm[*(const uint32_t *)pb];
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x ? -1 : 1;
	return (a->T > b->T) - (a->T < b->T);
}

/* Group the valid rows by (x, t_x, T).  Each coordinate is replaced by
 * its rank among the distinct values of its column (a few hundred in
 * daily data), the three ranks make one integer key in the same order as
 * (x, t_x, T), and a stable radix sort of the keys groups the rows: 20x
 * faster than qsort on a million rows.  Ranks too many for one 64-bit
 * key (never in practice) fall back to qsort. */
static size_t group_by_rank(struct sk_custdata *d, uint32_t *idx)
{
	size_t n = d->n, nu[3];
	uint32_t *r = sk_xmalloc((n ? n : 1) * sizeof *r);
	struct sk_kv *kv = sk_xmalloc((d->nvalid ? d->nvalid : 1) * sizeof *kv);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (d->valid[i])
			kv[m++] = (struct sk_kv){ 0, (uint32_t)i };
	const double *col[3] = { &d->rfm[0].x, &d->rfm[0].t_x, &d->rfm[0].T };
	uint64_t span = 1;
	for (int c = 0; c < 3; c++) {
		double *u = sk_distinct_new(col[c], n, sizeof *d->rfm, r, &nu[c]);
		if (!u)
			sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu customers", n);
		free(u);
		if (nu[c] && span > UINT64_MAX / nu[c]) {
			m = (size_t)-1;
			goto done;
		}
		span *= nu[c] ? nu[c] : 1;
		for (size_t j = 0; j < m; j++)
			kv[j].key = kv[j].key * nu[c] + r[kv[j].idx];
	}
	if (sk_kv_sort(kv, m, span - 1) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu customers", n);
	for (size_t j = 0; j < m; j++)
		idx[j] = kv[j].idx;
done:
	free(r);
	free(kv);
	return m;
}

const struct sk_rfm *sk_custdata_patterns(struct sk_custdata *d, size_t *npat)
{
	if (!d->pid) {
		uint32_t *idx = sk_xmalloc((d->nvalid ? d->nvalid : 1) * sizeof *idx);
		size_t m = group_by_rank(d, idx);
		sort_rfm = d->rfm;
		if (m == (size_t)-1) {
			m = 0;
			for (size_t i = 0; i < d->n; i++)
				if (d->valid[i])
					idx[m++] = (uint32_t)i;
			qsort(idx, m, sizeof *idx, cmp_rows);
		}
		d->pat = sk_xmalloc((m ? m : 1) * sizeof *d->pat);
		d->pid = sk_xcalloc(d->n ? d->n : 1, sizeof *d->pid);
		size_t k = 0;
		for (size_t j = 0; j < m; j++) {
			const struct sk_rfm *r = &d->rfm[idx[j]];
			if (k && cmp_rows(&idx[j - 1], &idx[j]) == 0)
				d->pat[k - 1].w += r->w;
			else
				d->pat[k++] = *r;
			d->pid[idx[j]] = (uint32_t)(k - 1);
		}
		d->npat = k;
		struct sk_rfm *shrunk = sk_realloc(d->pat, (k ? k : 1) * sizeof *d->pat);
		if (shrunk)
			d->pat = shrunk;
		free(idx);
	}
	*npat = d->npat;
	return d->pat;
}

void sk_custdata_drop_patterns(struct sk_custdata *d)
{
	free(d->pat);
	free(d->pid);
	d->pat = NULL;
	d->pid = NULL;
	d->npat = 0;
}

void sk_tmodel_fit_or_die(const struct sk_tmodel *tm, const struct sk_rfm *pat,
			  size_t npat, struct sk_fit *fit)
{
	char err[400];
	if (npat == 0)
		sk_die(SK_EX_DATA, "no customer with a purchase: nothing to fit %s on",
		       tm->title);
	if (tm->fit(pat, npat, fit, err, sizeof err) != 0)
		sk_die(SK_EX_DATA, "cannot fit %s: %s", tm->title, err);
}

double sk_fit_aic(const struct sk_fit *f)
{
	return 2 * f->npar - 2 * f->loglik;
}

double sk_fit_bic(const struct sk_fit *f)
{
	return f->npar * log(f->nobs > 1 ? f->nobs : 1) - 2 * f->loglik;
}

const struct sk_tmodel *sk_tmodel_auto(const struct sk_rfm *pat, size_t npat,
				       struct sk_fit *fit)
{
	static const struct sk_tmodel *const cand[] = { &sk_bgnbd, &sk_pnbd, &sk_mbgnbd };
	const struct sk_tmodel *best = NULL;
	double best_bic = INFINITY;
	char err[400];
	for (size_t k = 0; k < 3; k++) {
		struct sk_fit f;
		if (cand[k]->fit(pat, npat, &f, err, sizeof err) != 0) {
			sk_warn("auto: %s not fitted: %s", cand[k]->title, err);
			continue;
		}
		double bic = sk_fit_bic(&f);
		sk_warn("auto: %s log-likelihood %.2f, BIC %.2f", cand[k]->title, f.loglik, bic);
		if (bic < best_bic) {
			best_bic = bic;
			best = cand[k];
			*fit = f;
		}
	}
	if (!best)
		sk_die(SK_EX_DATA, "no model could be fitted; check the data");
	sk_warn("auto: chose %s (lowest BIC)", best->title);
	return best;
}

/* Clamp a prediction: the model functions promise finite values; this
 * guard keeps a NaN from ever reaching the output. */
static double finite_or(double v, double fallback)
{
	return isfinite(v) ? v : fallback;
}

uint32_t *sk_rfm_group_xT(const struct sk_rfm *pat, size_t np, size_t *ngroup,
			  struct sk_rfm **group)
{
	uint32_t *gid = sk_xmalloc((np ? np : 1) * sizeof *gid);
	struct sk_kv *kv = sk_xmalloc((np ? np : 1) * sizeof *kv);
	size_t nx, nT;
	/* Ranks of x and T make the key (see group_by_rank); two ranks below
	 * 2^32 each always fit in 64 bits. */
	double *ux = sk_distinct_new(&pat[0].x, np, sizeof *pat, gid, &nx);
	if (!ux)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu patterns", np);
	for (size_t k = 0; k < np; k++)
		kv[k] = (struct sk_kv){ gid[k], (uint32_t)k };
	double *uT = sk_distinct_new(&pat[0].T, np, sizeof *pat, gid, &nT);
	if (!uT)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu patterns", np);
	for (size_t k = 0; k < np; k++)
		kv[k].key = kv[k].key * nT + gid[k];
	if (sk_kv_sort(kv, np, (uint64_t)nx * nT) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu patterns", np);
	struct sk_rfm *g = sk_xmalloc((np ? np : 1) * sizeof *g);
	size_t m = 0;
	for (size_t j = 0; j < np; j++) {
		const struct sk_rfm *p = &pat[kv[j].idx];
		if (!m || kv[j].key != kv[j - 1].key)
			g[m++] = (struct sk_rfm){ p->x, 0, p->T, 0 };
		gid[kv[j].idx] = (uint32_t)(m - 1);
	}
	free(ux);
	free(uT);
	free(kv);
	*ngroup = m;
	*group = g;
	return gid;
}

void sk_predict(const struct sk_tmodel *tm, const double *par, struct sk_custdata *d,
		double horizon, struct sk_pred *p)
{
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	double *pa = sk_xmalloc((np ? np : 1) * sizeof *pa);
	double *ex = sk_xmalloc((np ? np : 1) * sizeof *ex);
	double *pr = sk_xmalloc((np ? np : 1) * sizeof *pr);
	#pragma omp parallel for schedule(dynamic, 256) if (np > 1000)
	for (size_t k = 0; k < np; k++)
		pa[k] = finite_or(tm->p_alive(par, pat[k].x, pat[k].t_x, pat[k].T), 0);
	/* expected = p_alive x E[X | alive] and p_return = p_alive x
	 * P(X > 0 | alive), the second factors functions of (x, T) only:
	 * daily data has ~10^6 patterns but ~10^4 pairs. */
	size_t ng;
	struct sk_rfm *g;
	uint32_t *gid = sk_rfm_group_xT(pat, np, &ng, &g);
	double *ga = sk_xmalloc((ng ? ng : 1) * sizeof *ga);
	double *gr = sk_xmalloc((ng ? ng : 1) * sizeof *gr);
	#pragma omp parallel for schedule(dynamic, 64) if (ng > 200)
	for (size_t j = 0; j < ng; j++) {
		ga[j] = tm->expected_alive ?
			finite_or(tm->expected_alive(par, horizon, g[j].x, g[j].T), 0) : 0;
		gr[j] = finite_or(tm->return_alive(par, horizon, g[j].x, g[j].T), 0);
	}
	for (size_t k = 0; k < np; k++)
		pr[k] = pa[k] * gr[gid[k]];
	if (tm->expected_alive) {
		for (size_t k = 0; k < np; k++)
			ex[k] = pa[k] * ga[gid[k]];
	} else {
		#pragma omp parallel for schedule(dynamic, 256) if (np > 1000)
		for (size_t k = 0; k < np; k++)
			ex[k] = finite_or(tm->expected(par, horizon, pat[k].x, pat[k].t_x, pat[k].T), 0);
	}
	p->p_alive = sk_xcalloc(d->n ? d->n : 1, sizeof *p->p_alive);
	p->expected = sk_xcalloc(d->n ? d->n : 1, sizeof *p->expected);
	p->p_return = sk_xcalloc(d->n ? d->n : 1, sizeof *p->p_return);
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		p->p_alive[i] = pa[d->pid[i]];
		p->expected[i] = ex[d->pid[i]];
		p->p_return[i] = pr[d->pid[i]];
	}
	free(ga);
	free(gr);
	free(gid);
	free(g);
	free(pa);
	free(ex);
	free(pr);
}

void sk_pred_free(struct sk_pred *p)
{
	free(p->p_alive);
	free(p->expected);
	free(p->p_return);
	memset(p, 0, sizeof *p);
}

void sk_fit_report(FILE *f, const char *json_path, const struct sk_tmodel *tm,
		   const struct sk_fit *fit, const struct sk_custdata *d,
		   const struct sk_pred *p, double threshold, int rule_alive, const char *unit)
{
	const double *score = rule_alive ? p->p_alive : p->p_return;
	const char *rule = rule_alive ? "p_alive" : "p_return";
	double n = 0, obs = 0, expct = 0, alive = 0, churned = 0;
	size_t rows = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		const struct sk_rfm *r = &d->rfm[i];
		n += r->w;
		obs += r->w * r->x;
		expct += r->w * finite_or(tm->expected_new(fit->par, r->T), 0);
		alive += r->w * p->p_alive[i];
		churned += r->w * (score[i] < threshold);
		rows++;
	}
	double retention = n > 0 ? alive / n : 0;
	fprintf(f, "model: %s (unit %s), %s after %d iterations\n", tm->title, unit,
		fit->converged ? "converged" : "NOT converged", fit->iterations);
	fprintf(f, "customers: %.0f (%zu rows, %zu prospects without a prediction)\n", n, rows,
		d->n - rows);
	for (int k = 0; k < fit->npar; k++)
		fprintf(f, "  %-6s %12.6g  (se %.4g)\n", tm->parname[k], fit->par[k], fit->se[k]);
	fprintf(f, "log-likelihood: %.4f  AIC: %.2f  BIC: %.2f\n", fit->loglik,
		sk_fit_aic(fit), sk_fit_bic(fit));
	fprintf(f, "repeat transactions: observed %.0f, expected %.1f\n", obs, expct);
	fprintf(f, "expected alive: %.1f (retention rate %.4f, churn rate %.4f)\n", alive,
		retention, 1 - retention);
	fprintf(f, "churned (%s < %g): %.0f (%.2f%%)\n", rule, threshold, churned,
		n > 0 ? 100 * churned / n : 0);
	if (!json_path)
		return;
	json_t *o = json_object(), *pj = json_object(), *se = json_object();
	json_object_set_new(o, "model", json_string(tm->name));
	json_object_set_new(o, "unit", json_string(unit));
	json_object_set_new(o, "converged", json_boolean(fit->converged));
	json_object_set_new(o, "iterations", json_integer(fit->iterations));
	for (int k = 0; k < fit->npar; k++) {
		json_object_set_new(pj, tm->parname[k], json_real(fit->par[k]));
		json_object_set_new(se, tm->parname[k], json_real(fit->se[k]));
	}
	json_object_set_new(o, "params", pj);
	json_object_set_new(o, "stderr", se);
	json_object_set_new(o, "loglik", json_real(fit->loglik));
	json_object_set_new(o, "aic", json_real(sk_fit_aic(fit)));
	json_object_set_new(o, "bic", json_real(sk_fit_bic(fit)));
	json_object_set_new(o, "customers", json_real(n));
	json_object_set_new(o, "observed_repeat", json_real(obs));
	json_object_set_new(o, "expected_repeat", json_real(expct));
	json_object_set_new(o, "expected_alive", json_real(alive));
	json_object_set_new(o, "retention_rate", json_real(retention));
	json_object_set_new(o, "churn_rate", json_real(1 - retention));
	json_object_set_new(o, "churned", json_real(churned));
	if (json_dump_file(o, json_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		sk_die(SK_EX_CANTCREAT, "%s: cannot write the report", json_path);
	json_decref(o);
}

void sk_evaluate(FILE *f, const struct sk_table *t, const struct sk_custdata *d,
		 const struct sk_pred *p, double horizon, const char *unit)
{
	long ch = sk_table_col(t, "holdout_frequency");
	if (ch < 0)
		sk_die(SK_EX_DATA, "--evaluate needs a holdout_frequency column: "
		       "run summarize with --as-of before the end of the data");
	double cnt[8] = { 0 }, pred[8] = { 0 }, act[8] = { 0 };
	double mae = 0, tot = 0, tp = 0, ta = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->valid[i])
			continue;
		int e;
		double a = sk_table_num(t, i, ch, &e);
		if (e)
			continue;
		double w = d->rfm[i].w;
		int b = d->rfm[i].x >= 7 ? 7 : (int)d->rfm[i].x;
		cnt[b] += w;
		pred[b] += w * p->expected[i];
		act[b] += w * a;
		mae += w * fabs(p->expected[i] - a);
		tot += w;
		tp += w * p->expected[i];
		ta += w * a;
	}
	fprintf(f, "calibration/holdout: predicted over %g %s(s) vs actual holdout_frequency\n",
		horizon, unit);
	fprintf(f, "%-6s %10s %12s %12s\n", "freq", "customers", "predicted", "actual");
	for (int b = 0; b < 8; b++)
		fprintf(f, "%-6s %10.0f %12.4f %12.4f\n", b == 7 ? "7+" : (char[]){ (char)('0' + b), 0 },
			cnt[b], cnt[b] > 0 ? pred[b] / cnt[b] : 0, cnt[b] > 0 ? act[b] / cnt[b] : 0);
	fprintf(f, "%-6s %10.0f %12.4f %12.4f\n", "all", tot, tot > 0 ? tp / tot : 0,
		tot > 0 ? ta / tot : 0);
	fprintf(f, "total: predicted %.1f, actual %.0f; mean absolute error per customer %.4f\n",
		tp, ta, tot > 0 ? mae / tot : 0);
}

struct pat5 {
	double x, t_x, T, m, w;
};

static int cmp_pat5(const void *pa, const void *pb)
{
	const struct pat5 *a = pa, *b = pb;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	/* NaN (no spend) sorts first and equal to itself */
	int an = isnan(a->m), bn = isnan(b->m);
	if (an || bn)
		return bn - an;
	return (a->m > b->m) - (a->m < b->m);
}

static int same5(const struct pat5 *a, const struct pat5 *b)
{
	return cmp_pat5(a, b) == 0;
}

/* Shortest text that reads back as the same double, so a pattern table
 * loses nothing. */
static void put_exact(struct sk_writer *w, double v)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof buf, "%.17g", v);
	sk_writer_field(w, buf, strlen(buf), SK_RAW);
}

void sk_patterns_write(const struct sk_opts *o, const struct sk_table *t,
		       const struct sk_custdata *d, int discrete, int with_spend)
{
	struct pat5 *p = sk_xmalloc((d->nvalid ? d->nvalid : 1) * sizeof *p);
	size_t m = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->valid[i])
			p[m++] = (struct pat5){ d->rfm[i].x, d->rfm[i].t_x, d->rfm[i].T,
						with_spend ? d->mbar[i] : NAN, d->rfm[i].w };
	qsort(p, m, sizeof *p, cmp_pat5);
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		if (k && same5(&p[k - 1], &p[i]))
			p[k - 1].w += p[i].w;
		else
			p[k++] = p[i];
	}
	struct sk_writer *w = sk_writer_open(o, t->fmt);
	const char *hdr[] = { "frequency", "recency", discrete ? "periods" : "T",
			      "monetary_value", "weight" };
	const char *hdr4[] = { "frequency", "recency", discrete ? "periods" : "T", "weight" };
	if (with_spend)
		sk_writer_header(w, 5, hdr);
	else
		sk_writer_header(w, 4, hdr4);
	for (size_t i = 0; i < k; i++) {
		put_exact(w, p[i].x);
		put_exact(w, p[i].t_x);
		put_exact(w, p[i].T);
		if (with_spend) {
			if (isnan(p[i].m))
				sk_writer_null(w);
			else
				put_exact(w, p[i].m);
		}
		put_exact(w, p[i].w);
		sk_writer_endrow(w);
	}
	sk_writer_close(w);
	free(p);
}
