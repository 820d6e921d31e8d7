/* nested.c: likelihood-ratio tests of nested transaction models for the
 * fit report (nested.h). */
#include "nested.h"
#include "record/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The nested pairs: full model, the model it reduces to, how many
 * parameters the restriction fixes, whether it puts one on the boundary
 * of its space, and the restriction in words.  Another pair joins with
 * one line here (BG/CNBD-k against BG/NBD: k = 1, df 1, boundary). */
static const struct pair {
	const char *full, *restricted;
	int df, boundary;
	const char *restriction;
} pairs[] = {
	/* Bemmaor & Glady 2012, sec. 2: b -> 0 with beta/b fixed gives the
	 * Pareto/NBD (ggomnbd.c); b >= 0, so b = 0 is on the boundary. */
	{ "ggomnbd", "pnbd", 1, 1, "b -> 0" },
};

void sk_nested_add(struct sk_nested *nt, const char *full, const char *restricted,
		   const char *restriction, double ll_full, double ll_restricted, int df,
		   int boundary)
{
	if (nt->n >= SK_NESTED_MAX)
		return;
	struct sk_nested_row *r = &nt->row[nt->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->full, sizeof r->full, "%s", full);
	snprintf(r->restricted, sizeof r->restricted, "%s", restricted);
	snprintf(r->restriction, sizeof r->restriction, "%s", restriction);
	r->ll_full = ll_full;
	r->ll_restricted = ll_restricted;
	r->boundary = boundary;
	double ll = ll_full;
	if (ll < ll_restricted && ll_restricted - ll <= 1e-3 + 1e-8 * fabs(ll_restricted)) {
		ll = ll_restricted;
		snprintf(r->note, sizeof r->note, "the full fit converged to the restriction");
	}
	sk_lrtest(ll, ll_restricted, df, boundary, &r->t);
	if (isnan(r->t.p))
		snprintf(r->note, sizeof r->note, "the full fit is worse than the restricted one: "
			 "it did not reach its maximum");
}

void sk_nested_fit(struct sk_nested *nt, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_rfm *pat, size_t npat)
{
	for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
		const struct pair *q = &pairs[k];
		const struct sk_tmodel *rm = sk_tmodel_find(q->restricted);
		if (strcmp(tm->name, q->full) != 0 || !rm || nt->n >= SK_NESTED_MAX)
			continue;
		struct sk_fit rf;
		char err[400];
		if (fit->penalty > 0) {
			sk_nested_add(nt, tm->title, rm->title, q->restriction, fit->loglik, NAN,
				      q->df, q->boundary);
			snprintf(nt->row[nt->n - 1].note, sizeof nt->row[0].note,
				 "no test: penalised fits (--penalty) have no chi-square law");
			continue;
		}
		if (sk_tmodel_fit_with(rm, 0, pat, npat, &rf, err, sizeof err) != 0) {
			sk_nested_add(nt, tm->title, rm->title, q->restriction, fit->loglik, NAN,
				      q->df, q->boundary);
			snprintf(nt->row[nt->n - 1].note, sizeof nt->row[0].note,
				 "no test: %s not fitted", rm->title);
			continue;
		}
		sk_nested_add(nt, tm->title, rm->title, q->restriction, fit->loglik, rf.loglik,
			      q->df, q->boundary);
	}
}

void sk_nested_print(FILE *f, const struct sk_nested *nt)
{
	if (nt->n == 0)
		return;
	fprintf(f, "nested tests (likelihood ratio; on a boundary, Self & Liang's chi-square "
		"mixture):\n");
	/* the first column as wide as its longest name ("Pareto/NBD +
	 * covariates vs Pareto/NBD"), at least 28 */
	int w = 28;
	for (int i = 0; i < nt->n; i++) {
		int len = (int)(strlen(nt->row[i].full) + 4 + strlen(nt->row[i].restricted));
		w = len > w ? len : w;
	}
	fprintf(f, "  %-*s %-14s %12s %12s %9s %3s %9s\n", w, "full vs restricted", "restriction",
		"LL full", "LL restr.", "LR", "df", "p");
	for (int i = 0; i < nt->n; i++) {
		const struct sk_nested_row *r = &nt->row[i];
		char name[80];
		snprintf(name, sizeof name, "%s vs %s", r->full, r->restricted);
		fprintf(f, "  %-*s %-14s %12.4f", w, name, r->restriction, r->ll_full);
		if (isfinite(r->ll_restricted))
			fprintf(f, " %12.4f", r->ll_restricted);
		else
			fprintf(f, " %12s", "-");
		if (isfinite(r->t.stat) && !isnan(r->t.p))
			fprintf(f, " %9.4f %3d %9.4g", fmax(r->t.stat, 0), r->t.df, r->t.p);
		else
			fprintf(f, " %9s %3d %9s", "-", r->t.df, "-");
		fprintf(f, "%s%s\n", r->note[0] ? "  " : "", r->note);
	}
}

json_t *sk_nested_json(const struct sk_nested *nt)
{
	json_t *a = json_array();
	for (int i = 0; i < nt->n; i++) {
		const struct sk_nested_row *r = &nt->row[i];
		json_t *o = json_object();
		int ok = isfinite(r->t.stat) && !isnan(r->t.p);
		json_object_set_new(o, "full", json_string(r->full));
		json_object_set_new(o, "restricted", json_string(r->restricted));
		json_object_set_new(o, "restriction", json_string(r->restriction));
		json_object_set_new(o, "loglik_full", isfinite(r->ll_full) ?
				    json_real(r->ll_full) : json_null());
		json_object_set_new(o, "loglik_restricted", isfinite(r->ll_restricted) ?
				    json_real(r->ll_restricted) : json_null());
		json_object_set_new(o, "df", json_integer(r->t.df));
		json_object_set_new(o, "boundary", json_boolean(r->boundary));
		json_object_set_new(o, "lr", ok ? json_real(fmax(r->t.stat, 0)) : json_null());
		json_object_set_new(o, "p", ok ? json_real(r->t.p) : json_null());
		json_object_set_new(o, "note", json_string(r->note));
		json_array_append_new(a, o);
	}
	return a;
}
