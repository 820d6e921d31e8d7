/* whatif.h: what a change in retention is worth.
 *
 * The fitted transaction model's dropout process is changed by a
 * relative amount (-0.05: 5 % less churn), the discounted expected
 * transactions of every customer are computed under both models, and
 * value = margin x expected spend x those transactions (clv's formula)
 * is summed per group. */
#ifndef SK_WHATIF_H
#define SK_WHATIF_H

#include "record/io.h"
#include "record/opts.h"
#include "model/model.h"

/* Copy par to out with the dropout process of tm scaled by 1 + change
 * (see whatif.c for each model); 0, or 1 with a reason in why when the
 * change is not possible (a mean dropout probability above 1). */
int sk_whatif_dropout(const struct sk_tmodel *tm, const double *par, double change,
		      double *out, char *why, size_t whylen);

/* Sum value[i] and value_if[i] of the rows by the text of column by
 * (-1: one total only) and write one row per group, in name order, and a
 * total row: GROUP, customers, value, value_if, change, change_pct. */
void sk_whatif_write(const struct sk_opts *o, const struct sk_table *t, long by,
		     const double *value, const double *value_if);

#endif
