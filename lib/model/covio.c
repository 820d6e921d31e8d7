/* covio.c: covariates in customer tables, in --report and in model files
 * (covar.h); covfit.c runs the fit with them for the programs. */
#include "covar.h"
#include "metrics.h"
#include "modelint.h"
#include "nested.h"
#include "score.h"
#include "record/group.h"
#include "record/io.h"
#include "record/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct rows {
	const double *v;
	size_t k;
};

static int cmp_vec(const void *pa, const void *pb, void *ctx)
{
	const struct rows *r = ctx;
	const double *a = r->v + *(const uint32_t *)pa * r->k;
	const double *b = r->v + *(const uint32_t *)pb * r->k;
	for (size_t j = 0; j < r->k; j++)
		if (a[j] != b[j])
			return a[j] < b[j] ? -1 : 1;
	return 0;
}

/* Sort the rows idx[0..m) by their vectors: each column's values
 * replaced by their ranks, the ranks of a row made one integer key and
 * the keys radix-sorted (as score.c groups patterns): a million rows in
 * a fraction of qsort's time.  Keys too wide for 64 bits: qsort. */
static void sort_rows(const double *v, size_t k, size_t n, uint32_t *idx, size_t m,
		      struct rows *r)
{
	uint32_t *rank = sk_xmalloc((n ? n : 1) * sizeof *rank);
	struct sk_kv *kv = sk_xmalloc((m ? m : 1) * sizeof *kv);
	for (size_t a = 0; a < m; a++)
		kv[a] = (struct sk_kv){ 0, idx[a] };
	uint64_t span = 1;
	int ok = 1;
	for (size_t j = 0; j < k && ok; j++) {
		size_t nu;
		/* rows that are not valid hold garbage: rank only the valid ones */
		double *col = sk_xmalloc((m ? m : 1) * sizeof *col);
		for (size_t a = 0; a < m; a++)
			col[a] = v[(size_t)idx[a] * k + j];
		double *u = sk_distinct_new(col, m, sizeof *col, rank, &nu);
		free(col);
		if (!u)
			sk_die(SK_EX_SOFTWARE, "out of memory grouping %zu covariate vectors", m);
		free(u);
		if (nu && span > UINT64_MAX / nu) {
			ok = 0;
			break;
		}
		span *= nu ? nu : 1;
		for (size_t a = 0; a < m; a++)
			kv[a].key = kv[a].key * nu + rank[a];
	}
	if (ok && sk_kv_sort(kv, m, span - 1) == 0)
		for (size_t a = 0; a < m; a++)
			idx[a] = kv[a].idx;
	else
		qsort_r(idx, m, sizeof *idx, cmp_vec, r);
	free(rank);
	free(kv);
}

struct cov_ctx {
	const struct sk_table *t;
	const struct sk_custdata *d;
	const long *col;
	size_t k;
	double *v;
};

/* A valid row's covariate vector into v[i k ..]: a row check
 * (sk_table_check_rows), on every core. */
static int cov_row(size_t i, int die, void *ctx)
{
	const struct cov_ctx *c = ctx;
	const struct sk_table *t = c->t;
	if (!c->d->valid[i])
		return 0;
	for (size_t j = 0; j < c->k; j++) {
		int empty;
		double x;
		if (sk_table_num_check(t, i, c->col[j], die, &x, &empty))
			return 1;
		if (empty)
			return sk_table_bad(t, i, die, "covariate \"%s\" is empty: every customer "
					    "with a purchase needs a value", t->col[c->col[j]]);
		if (!isfinite(x))
			return sk_table_bad(t, i, die, "covariate \"%s\": \"%g\" is not a finite "
					    "number", t->col[c->col[j]], x);
		c->v[i * c->k + j] = x;
	}
	return 0;
}

void sk_covdata_read(const struct sk_table *t, const struct sk_covspec *s,
		     struct sk_custdata *d, struct sk_covdata *cd)
{
	memset(cd, 0, sizeof *cd);
	cd->spec = *s;
	size_t k = (size_t)(s->kp + s->kd), n = d->n;
	long col[2 * SK_COV_MAX];
	for (size_t j = 0; j < k; j++) {
		const char *name = (int)j < s->kp ? s->pname[j] : s->dname[j - (size_t)s->kp];
		col[j] = sk_table_col(t, name);
		if (col[j] < 0)
			sk_table_die_header(t, "no covariate column \"%s\"", name);
	}
	/* Every valid row's vector, then the distinct ones in sorted order.
	 * The vectors hang on cd while they are read, so that a bad value's
	 * exit leaves no memory unaccounted for (LeakSanitizer). */
	double *v = cd->z = sk_xmalloc((n ? n : 1) * k * sizeof *v);
	struct cov_ctx c = { t, d, col, k, v };
	sk_table_check_rows(t, 0, cov_row, &c);
	uint32_t *idx = sk_xmalloc((n ? n : 1) * sizeof *idx);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (d->valid[i])
			idx[m++] = (uint32_t)i;
	struct rows r = { v, k };
	sort_rows(v, k, n, idx, m, &r);
	cd->z = sk_xmalloc((m ? m : 1) * k * sizeof *cd->z);
	for (size_t a = 0; a < m; a++) {
		if (a == 0 || cmp_vec(&idx[a - 1], &idx[a], &r) != 0) {
			memcpy(cd->z + cd->nz * k, v + idx[a] * k, k * sizeof *v);
			cd->nz++;
		}
		d->rfm[idx[a]].cov = (uint32_t)(cd->nz - 1);
	}
	free(v);
	free(idx);
	d->cov = cd;
	d->ncov = cd->nz;
	/* Patterns made before now were by (x, t_x, T) alone. */
	sk_custdata_drop_patterns(d);
}

void sk_covdata_free(struct sk_covdata *cd)
{
	free(cd->z);
	memset(cd, 0, sizeof *cd);
}

const char *sk_cov_coef_name(const struct sk_covspec *s, int j, const char **process,
			     const char **param)
{
	int c = sk_covspec_col(s, j);
	*process = j < s->kp ? "purchase" : "dropout";
	*param = j >= s->kp && s->sep ? (j - s->kp < s->kd ? "a" : "b") : NULL;
	return c < s->kp ? s->pname[c] : s->dname[c - s->kp];
}

static json_t *lrtest_json(const struct sk_lrtest *lr, const char *key, double ll)
{
	json_t *l = json_object();
	json_object_set_new(l, "stat", json_real(lr->stat));
	json_object_set_new(l, "df", json_integer(lr->df));
	json_object_set_new(l, "p", isnan(lr->p) ? json_null() : json_real(lr->p));
	json_object_set_new(l, key, json_real(ll));
	return l;
}

void sk_cov_report(FILE *f, void *json, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_covdata *cd)
{
	const struct sk_covspec *s = &cd->spec;
	int k = sk_covspec_ncoef(s), bg = tm != &sk_pnbd && s->kd > 0;
	struct sk_lrtest lr, lrs;
	if (cd->has_plain)
		sk_lrtest(fit->loglik, cd->ll_plain, k, 0, &lr);
	/* shared against separate: g_a = g_b, kd restrictions (nested) */
	if (cd->has_shared)
		sk_lrtest(fit->loglik, cd->ll_shared, s->kd, 0, &lrs);
	if (f) {
		fprintf(f, "covariates (%s: alpha = alpha0 exp(-g'z) on purchase, %s on "
			"dropout):\n", tm->title,
			tm == &sk_pnbd ? "beta = beta0 exp(-g'z)" :
			s->sep ? "a = a0 exp(g_a'z), b = b0 exp(g_b'z)" : "a, b = a0, b0 exp(g'z)");
		for (int i = 0; i < k; i++) {
			const char *proc, *par, *name = sk_cov_coef_name(s, i, &proc, &par);
			char lab[SK_COV_NAMELEN + 4];
			snprintf(lab, sizeof lab, "%s%s%s", par ? par : "", par ? ": " : "", name);
			double se = fit->se[4 + i];
			fprintf(f, "  %-8s %-16s %12.6g  (se %.4g", proc, lab, fit->par[4 + i], se);
			if (se > 0)
				fprintf(f, ", z %.2f", fit->par[4 + i] / se);
			fprintf(f, ")\n");
		}
	}
	if (!json)
		return;
	json_t *o = json, *c = json_array();
	for (int i = 0; i < k; i++) {
		const char *proc, *par, *name = sk_cov_coef_name(s, i, &proc, &par);
		json_t *e = json_object();
		json_object_set_new(e, "process", json_string(proc));
		if (par)
			json_object_set_new(e, "parameter", json_string(par));
		json_object_set_new(e, "column", json_string(name));
		json_object_set_new(e, "coef", json_real(fit->par[4 + i]));
		json_object_set_new(e, "stderr", json_real(fit->se[4 + i]));
		json_array_append_new(c, e);
	}
	json_object_set_new(o, "covariates", c);
	if (bg)
		json_object_set_new(o, "dropout_coefficients",
				    json_string(s->sep ? "separate" : "shared"));
	if (cd->has_plain)
		json_object_set_new(o, "covariates_lrtest",
				    lrtest_json(&lr, "loglik_without", cd->ll_plain));
	if (cd->has_shared)
		json_object_set_new(o, "dropout_coefficients_lrtest",
				    lrtest_json(&lrs, "loglik_shared", cd->ll_shared));
}

void sk_cov_nested(struct sk_nested *nt, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_covdata *cd)
{
	char full[40], shared[40];
	snprintf(full, sizeof full, "%s + covariates", tm->title);
	if (cd->has_plain)
		sk_nested_add(nt, full, tm->title, "all g = 0", fit->loglik, cd->ll_plain,
			      sk_covspec_ncoef(&cd->spec), 0);
	/* FH 2007's a and b apart against CLVTools' one vector for both */
	snprintf(shared, sizeof shared, "%s + shared dropout g", tm->title);
	if (cd->has_shared)
		sk_nested_add(nt, full, shared, "g_a = g_b", fit->loglik, cd->ll_shared,
			      cd->spec.kd, 0);
}

/* The model file: "covariates": {"purchase": {"col": coef, ...},
 * "dropout": {...}, "stderr": {"purchase": {...}, "dropout": {...}}};
 * coefficients in the order given, which is the order of the fit.  The
 * BG/NBD records its form, "dropout_coefficients": "shared" or
 * "separate", and separate holds "dropout_a" and "dropout_b" (the
 * columns of each in the same order) for "dropout"; a file without the
 * key is shared (the only form before it). */
static const char *const blocks[2][3] = { { "purchase", "dropout", NULL },
					  { "purchase", "dropout_a", "dropout_b" } };

void *sk_cov_json_new(const struct sk_tmodel *tm, const struct sk_covspec *s,
		      const struct sk_fit *fit)
{
	json_t *o = json_object(), *se = json_object();
	int sep = s->sep && tm != &sk_pnbd, off = tm->npar;
	if (tm != &sk_pnbd && s->kd > 0)
		json_object_set_new(o, "dropout_coefficients",
				    json_string(sep ? "separate" : "shared"));
	for (int p = 0; p < 3 && blocks[sep][p]; p++) {
		json_t *c = json_object(), *e = json_object();
		int kk = p ? s->kd : s->kp;
		for (int i = 0; i < kk; i++) {
			const char *name = p ? s->dname[i] : s->pname[i];
			json_object_set_new(c, name, json_real(fit->par[off + i]));
			json_object_set_new(e, name, json_real(fit->se[off + i]));
		}
		off += kk;
		json_object_set_new(o, blocks[sep][p], c);
		json_object_set_new(se, blocks[sep][p], e);
	}
	json_object_set_new(o, "stderr", se);
	return o;
}

void sk_cov_json_read(const char *path, void *json, const struct sk_tmodel *tm,
		      struct sk_covspec *s, struct sk_fit *fit)
{
	json_t *o = json;
	json_t *se = json_object_get(o, "stderr"), *form = json_object_get(o,
									  "dropout_coefficients");
	memset(s, 0, sizeof *s);
	if (form) {
		const char *v = json_string_value(form);
		if (!v || (strcmp(v, "separate") != 0 && strcmp(v, "shared") != 0))
			sk_die(SK_EX_DATA, "%s: \"dropout_coefficients\" is not \"separate\" or "
			       "\"shared\"", path);
		if (tm == &sk_pnbd)
			sk_die(SK_EX_DATA, "%s: \"dropout_coefficients\" with a pnbd model, whose "
			       "dropout has one coefficient per column", path);
		s->sep = strcmp(v, "separate") == 0;
	}
	int at = tm->npar;
	for (int p = 0; p < 3 && blocks[s->sep][p]; p++) {
		const char *proc = blocks[s->sep][p];
		json_t *c = json_object_get(o, proc), *e = se ? json_object_get(se, proc) : NULL;
		if (!json_is_object(c))
			sk_die(SK_EX_DATA, "%s: \"covariates\" has no \"%s\" object", path, proc);
		const char *name;
		json_t *v;
		int n = 0;
		json_object_foreach(c, name, v) {
			int *kk = p ? &s->kd : &s->kp;
			if (p == 2) {
				/* dropout_b: the columns of dropout_a, in their order */
				if (n >= s->kd || strcmp(name, s->dname[n]) != 0)
					sk_die(SK_EX_DATA, "%s: \"dropout_b\" does not name the columns "
					       "of \"dropout_a\" in their order", path);
			} else {
				if (*kk >= SK_COV_MAX || strlen(name) >= SK_COV_NAMELEN || !name[0])
					sk_die(SK_EX_DATA, "%s: \"covariates\": too many %s covariates "
					       "or a bad column name", path, proc);
				strcpy(p ? s->dname[*kk] : s->pname[*kk], name);
				(*kk)++;
			}
			if (!json_is_number(v) || !isfinite(json_number_value(v)))
				sk_die(SK_EX_DATA, "%s: covariate \"%s\": the coefficient is not a "
				       "number", path, name);
			/* the blocks are read in the fit's order: purchase, then
			 * dropout (or a's, then b's) */
			fit->par[at] = json_number_value(v);
			json_t *sv = e ? json_object_get(e, name) : NULL;
			fit->se[at] = json_is_number(sv) ? json_number_value(sv) : 0;
			at++;
			n++;
		}
		if (p == 2 && n != s->kd)
			sk_die(SK_EX_DATA, "%s: \"dropout_b\" does not name the columns of "
			       "\"dropout_a\" in their order", path);
	}
	if (s->kp + s->kd == 0)
		sk_die(SK_EX_DATA, "%s: \"covariates\" names no column", path);
	if (s->sep && s->kd == 0)
		sk_die(SK_EX_DATA, "%s: \"dropout_coefficients\" is \"separate\" with no "
		       "dropout column", path);
	fit->npar = at;
	fit->ncoef = sk_covspec_ncoef(s);
}

double *sk_cov_vector_weights(struct sk_custdata *d, double *ncust)
{
	const struct sk_covdata *cd = d->cov;
	double *w = sk_xcalloc(cd->nz ? cd->nz : 1, sizeof *w), n = 0;
	size_t np;
	const struct sk_rfm *pat = sk_custdata_patterns(d, &np);
	for (size_t i = 0; i < np; i++) {
		w[pat[i].cov] += pat[i].w;
		n += pat[i].w;
	}
	*ncust = n;
	return w;
}

double sk_cov_new_customer_mean(const struct sk_tmodel *tm, const double *par,
				struct sk_custdata *d, double horizon, double *p0, double *ncust)
{
	/* A customer not yet acquired has no covariate values: her
	 * forecast is the mean of E[X(H)] (FHL 2005 eq. 9, SMC 1987 eq. 17
	 * with each vector's own parameters, FH 2007) over the empirical
	 * distribution of the customers' vectors, each weighted by its
	 * customers; so is P(X(H) = 0). */
	const struct sk_covdata *cd = d->cov;
	double n, *w = sk_cov_vector_weights(d, &n);
	double ex = 0, pz = 0;
	for (size_t v = 0; v < cd->nz; v++) {
		if (!(w[v] > 0))
			continue;
		struct sk_rfm r = { .cov = (uint32_t)v };
		double ip[4];
		const double *pp = sk_cov_rowpar(tm, par, cd, &r, ip);
		ex += w[v] * tm->expected_new(pp, horizon);
		pz += w[v] * tm->pmf(pp, horizon, 0);
	}
	free(w);
	*ncust = n;
	*p0 = n > 0 ? pz / n : NAN;
	return n > 0 ? ex / n : NAN;
}

