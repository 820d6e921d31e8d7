/* cohort.h: retention by acquisition cohort, and its projection with the
 * shifted-beta-geometric model (Fader & Hardie 2007, "How to project
 * customer retention", J. Interactive Marketing 21(1)).
 *
 * Two inputs give the same table:
 *
 *   - a transaction log: a customer's cohort is the calendar period of the
 *     first purchase; period k is the k-th calendar period after it (0 is
 *     the acquisition period); active[k] counts the cohort's customers who
 *     bought in period k.  Read in one pass with a customer-keyed hash
 *     table holding, per customer, the first period and a 64-bit set of
 *     active period offsets.
 *   - a survival table in cohort's own long format (columns cohort,
 *     period, active; no date column): active[k] is the number still
 *     under contract at the start of period k, the sBG model's own data. */
#ifndef SK_COHORT_H
#define SK_COHORT_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "model/fit.h"
#include "record/io.h"
#include "record/opts.h"

enum sk_period { SK_PERIOD_MONTH, SK_PERIOD_WEEK, SK_PERIOD_QUARTER };

/* "month", "week" or "quarter": 0, or -1 for any other name. */
int sk_period_parse(const char *name, enum sk_period *p);
const char *sk_period_name(enum sk_period p);
/* The calendar period holding a day: months and quarters since year 0,
 * ISO weeks (Monday to Sunday) since the week of 1970-01-01. */
long sk_period_of(enum sk_period p, long day);
/* The first day of a period. */
long sk_period_start(enum sk_period p, long period);
/* YYYY-MM, YYYY-Www (ISO 8601 week-numbering year and week) or YYYY-Qn. */
void sk_period_label(enum sk_period p, long period, char buf[32]);

struct sk_cohort {
	char *label;
	double customers;	/* cohort size */
	int nper;		/* observed periods 0..nper-1 */
	int nfit;		/* leading periods that are complete (fit on these) */
	double *active;		/* nper counts */
	double *revenue;	/* nper sums; NAN where unknown (written empty) */
	int64_t *revenue_micro;	/* from a log: the same sums exactly, in
				 * micro-units (SK_MICRO); NULL from a table */
	int fitted;		/* 1 after a successful sk_cohort_fit */
	struct sk_fit fit;	/* alpha = par[0], beta = par[1] */
};

struct sk_cohorts {
	int survival;		/* 1: read a survival table */
	const char *unit;	/* month, week, quarter; "period" for a table */
	enum sk_fmt fmt;	/* input format: the default output format */
	size_t n;
	struct sk_cohort *c;	/* chronological, or a table's order */
};

/* Read the inputs of o (either kind, told apart by the columns).  Bad rows
 * go through sk_reader_bad; a missing column exits 65. */
struct sk_cohorts *sk_cohort_read(const struct sk_opts *o, enum sk_period p);

/* Fit sBG to every cohort.  A cohort with fewer than two complete periods
 * after acquisition, or that lost nobody, is left unfitted with a warning;
 * a fit that fails, or finding no cohort to fit, exits 65 with advice. */
void sk_cohort_fit(struct sk_cohorts *cs);

/* Write the long table (cohort, period, customers, active, retention,
 * revenue) or, with wide, one row per cohort (cohort, customers, p0...).
 * project >= 0 appends project fitted periods per fitted cohort and the
 * column projected (long) or observed (wide). */
void sk_cohort_write(const struct sk_cohorts *cs, struct sk_writer *w, int wide, int project);

/* Period-over-period retention r_k = active[k]/active[k-1] and churn
 * 1 - r_k per cohort, and the fitted parameters, as text. */
void sk_cohort_report(const struct sk_cohorts *cs, FILE *f);

/* Write the fitted cohorts' alpha, beta, standard errors and loglik as
 * JSON, atomically; exits 73 or 74 on failure. */
void sk_cohort_save_model(const struct sk_cohorts *cs, const char *path);

void sk_cohort_free(struct sk_cohorts *cs);

#endif
