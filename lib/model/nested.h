/* nested.h: the nested-model likelihood-ratio tests of the fit report
 * (churn and clv --report, --report-json).
 *
 * One table of rows, each a restricted model against the full model it
 * is nested in: GGom/NBD against its boundary b -> 0, the Pareto/NBD,
 * from the pair table in nested.c (sk_nested_fit), and any test computed
 * elsewhere (BG/CNBD-k against k = 1; a model with covariates against
 * the same without, covar.h's sk_cov_nested) through sk_nested_add.  BG/NBD and MBG/NBD are not nested (neither is a limit
 * of the other), so they have no row: Vuong's test in auto compares
 * non-nested pairs. */
#ifndef SK_NESTED_H
#define SK_NESTED_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "metrics.h"
#include "model.h"

struct sk_nested_row {
	char full[32], restricted[32];	/* titles: "GGom/NBD" */
	char restriction[64];		/* "b -> 0" */
	double ll_full, ll_restricted;	/* as fitted */
	int boundary;			/* the restriction is on the boundary */
	struct sk_lrtest t;
	char note[160];			/* "" or why the test says less than usual */
};

#define SK_NESTED_MAX 8

struct sk_nested {
	int n;
	struct sk_nested_row row[SK_NESTED_MAX];
};

/* For each pair of the table in nested.c whose full model is tm (fitted
 * as fit on the patterns pat[0..npat)), fit the restricted model on the
 * same patterns and add the test.  A penalised fit (--penalty) gets a
 * row without a test: penalised likelihoods have no chi-square law. */
void sk_nested_fit(struct sk_nested *nt, const struct sk_tmodel *tm, const struct sk_fit *fit,
		   const struct sk_rfm *pat, size_t npat);

/* Add a row from two log-likelihoods computed elsewhere; df parameters
 * are restricted, boundary = 1 when one of them to the edge of its
 * space (sk_lrtest).  A full fit at most 1e-3 + 1e-8 |LL| worse than the
 * restricted one is taken as having converged to the restriction (the
 * full model contains it, so its maximum is at least as high): LR 0. */
void sk_nested_add(struct sk_nested *nt, const char *full, const char *restricted,
		   const char *restriction, double ll_full, double ll_restricted, int df,
		   int boundary);

/* The section of the text report ("nested tests: ..."), nothing when
 * there is no row. */
void sk_nested_print(FILE *f, const struct sk_nested *nt);

/* The rows as a JSON array (new reference). */
json_t *sk_nested_json(const struct sk_nested *nt);

#endif
