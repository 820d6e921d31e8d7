/* cohout.c: cohort(1)'s output: the retention table (long or wide,
 * with the sBG projection), the fit report and the model file.  cohort.c
 * reads and fits the cohorts; this file only writes them. */
#include "cohort.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "model/sbg.h"
#include "record/num.h"
#include "record/util.h"

static void write_num_or_null(struct sk_writer *w, double v, int decimals)
{
	if (isfinite(v))
		sk_writer_num(w, v, decimals);
	else
		sk_writer_null(w);
}

/* A sum kept in micro-units, written exactly (no trip through a double). */
static void write_micro(struct sk_writer *w, int64_t v)
{
	char buf[32];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int n = sk_num_format_scaled(buf, u, 6, v < 0);
	sk_writer_field(w, buf, (size_t)n, SK_NUM);
}

void sk_cohort_write(const struct sk_cohorts *cs, struct sk_writer *w, int wide, int project)
{
	if (!wide) {
		static const char *const cols[] = { "cohort", "period", "customers", "active",
			"retention", "revenue", "projected" };
		sk_writer_header(w, project >= 0 ? 7 : 6, cols);
		for (size_t i = 0; i < cs->n; i++) {
			const struct sk_cohort *c = &cs->c[i];
			int n = c->nper + (project > 0 && c->fitted ? project : 0);
			for (int k = 0; k < n; k++) {
				int proj = k >= c->nper;
				/* Projected survivors: customers x S(k) (Fader &
				 * Hardie 2007, eq. 8). */
				double ret = proj ? sk_sbg_survival(c->fit.par, k) :
					c->active[k] / c->customers;
				sk_writer_str(w, c->label);
				sk_writer_int(w, k);
				sk_writer_num(w, c->customers, 6);
				sk_writer_num(w, proj ? c->customers * ret : c->active[k], 6);
				sk_writer_num(w, ret, 6);
				if (!proj && c->revenue_micro)
					write_micro(w, c->revenue_micro[k]);
				else
					write_num_or_null(w, proj ? NAN : c->revenue[k], 6);
				if (project >= 0)
					sk_writer_int(w, proj);
				sk_writer_endrow(w);
			}
		}
		return;
	}

	int width = 0;
	for (size_t i = 0; i < cs->n; i++) {
		const struct sk_cohort *c = &cs->c[i];
		int n = c->nper + (project > 0 && c->fitted ? project : 0);
		if (n > width)
			width = n;
	}
	size_t ncol = 2 + (project >= 0) + (size_t)width;
	char **names = sk_xmalloc(ncol * sizeof *names);
	size_t j = 0;
	names[j++] = sk_xstrdup("cohort");
	names[j++] = sk_xstrdup("customers");
	if (project >= 0)
		names[j++] = sk_xstrdup("observed");
	for (int k = 0; k < width; k++) {
		char buf[24];
		snprintf(buf, sizeof buf, "p%d", k);
		names[j++] = sk_xstrdup(buf);
	}
	sk_writer_header(w, ncol, (const char *const *)names);
	for (size_t i = 0; i < cs->n; i++) {
		const struct sk_cohort *c = &cs->c[i];
		int n = c->nper + (project > 0 && c->fitted ? project : 0);
		sk_writer_str(w, c->label);
		sk_writer_num(w, c->customers, 6);
		if (project >= 0)
			sk_writer_int(w, c->nper);
		for (int k = 0; k < width; k++) {
			if (k < c->nper)
				sk_writer_num(w, c->active[k] / c->customers, 6);
			else if (k < n)
				sk_writer_num(w, sk_sbg_survival(c->fit.par, k), 6);
			else
				sk_writer_null(w);
		}
		sk_writer_endrow(w);
	}
	for (size_t k = 0; k < ncol; k++)
		free(names[k]);
	free(names);
}

static void put_ratio(FILE *f, double num, double den, int churn)
{
	if (den > 0)
		fprintf(f, " %10.6f", churn ? 1 - num / den : num / den);
	else
		fprintf(f, " %10s", "-");
}

void sk_cohort_report(const struct sk_cohorts *cs, FILE *f)
{
	char buf[64];
	for (size_t i = 0; i < cs->n; i++) {
		const struct sk_cohort *c = &cs->c[i];
		sk_num_format(buf, sizeof buf, c->customers, 6);
		fprintf(f, "cohort %s: %s customers, %d %s%s\n", c->label, buf, c->nper,
			cs->unit, c->nper == 1 ? "" : "s");
		fprintf(f, "  %6s %12s %10s %10s\n", "period", "active", "retention", "churn");
		/* Period-over-period retention r_k = active_k / active_{k-1};
		 * from activity it can exceed 1 when customers come back. */
		for (int k = 1; k < c->nper; k++) {
			sk_num_format(buf, sizeof buf, c->active[k], 6);
			fprintf(f, "  %6d %12s", k, buf);
			put_ratio(f, c->active[k], c->active[k - 1], 0);
			put_ratio(f, c->active[k], c->active[k - 1], 1);
			fputc('\n', f);
		}
		if (c->fitted) {
			/* r(t) = (beta + t - 1)/(alpha + beta + t - 1) (Fader &
			 * Hardie 2007, eq. 9): the retention of the next period. */
			fprintf(f, "  sbg fit to periods 0-%d%s: alpha %.6f, beta %.6f, "
				"loglik %.6f; r(%d) = %.6f\n", c->nfit - 1,
				cs->survival ? "" : " (running minimum of active)",
				c->fit.par[0], c->fit.par[1], c->fit.loglik, c->nper,
				sk_sbg_retention(c->fit.par, c->nper));
		}
	}
}

void sk_cohort_save_model(const struct sk_cohorts *cs, const char *path)
{
	json_t *root = json_object(), *list = json_array();
	json_object_set_new(root, "siklus_model", json_integer(1));
	json_object_set_new(root, "type", json_string("sbg"));
	json_object_set_new(root, "unit", json_string(cs->unit));
	json_object_set_new(root, "curve", json_string(cs->survival ? "survivors" :
						      "running minimum of active"));
	for (size_t i = 0; i < cs->n; i++) {
		const struct sk_cohort *c = &cs->c[i];
		if (!c->fitted)
			continue;
		json_t *o = json_object(), *p = json_object(), *se = json_object();
		json_object_set_new(o, "cohort", json_string(c->label));
		json_object_set_new(p, "alpha", json_real(c->fit.par[0]));
		json_object_set_new(p, "beta", json_real(c->fit.par[1]));
		json_object_set_new(se, "alpha", json_real(c->fit.se[0]));
		json_object_set_new(se, "beta", json_real(c->fit.se[1]));
		json_object_set_new(o, "params", p);
		json_object_set_new(o, "stderr", se);
		json_object_set_new(o, "loglik", json_real(c->fit.loglik));
		json_object_set_new(o, "customers", c->customers == floor(c->customers) &&
				    c->customers < 9e15 ? json_integer((json_int_t)c->customers) :
				    json_real(c->customers));
		json_object_set_new(o, "periods", json_integer(c->nfit));
		json_array_append_new(list, o);
	}
	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(root, "fitted", json_string(stamp));
	json_object_set_new(root, "cohorts", list);

	/* Temporary file and rename, so a reader never sees half a model;
	 * the JSON is freed before any error, for the leak checkers. */
	sk_atomic_json(path, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
}
