/* report.h: one self-contained HTML page about a customer base, built
 * from whatever columns the pipeline (summarize | classify | churn | clv |
 * winback) has written.
 *
 * The page has inline CSS and SVG only: no script, and nothing that
 * refers to the network (a Content-Security-Policy says so to the
 * browser), so it can be mailed, archived and opened years later.  Each
 * section appears when the columns it needs are there; otherwise a
 * one-line note names the missing columns and the program that writes
 * them.  Numbers are for people (issue 22): counts and amounts grouped
 * by thousands (sk_num_group), amounts with two decimals and the
 * --currency-label (sk_num_money), shares and probabilities in percent.
 * With --previous the page says what moved since the previous run. */
#ifndef SK_REPORT_H
#define SK_REPORT_H

#include "crm/cohort.h"
#include "crm/tracking.h"
#include "record/io.h"
#include "model/modelfile.h"
#include "record/opts.h"
#include "svg.h"

struct sk_report_opts {
	const char *title;		/* page title; NULL for "siklus report" */
	double threshold;		/* likely alive: p_alive at or above it */
	int unit_given;			/* --unit was on the command line */
	const struct sk_cohorts *cohorts;	/* NULL: no cohort section */
	const char *transactions;	/* their file name */
	const struct sk_modelfile *model;	/* NULL: no model section */
	const char *model_path;
	const struct sk_tracking *tracking;	/* NULL: no tracking section */
	const char *tracking_path;
	const char *currency;		/* --currency-label: names the money; NULL */
	const struct sk_table *previous;	/* the previous run's records; NULL */
	const char *previous_path;
};

#define SK_REPORT_OPTS_INIT { .threshold = 0.5 }

/* The section ids, in page order (anchors and tests rely on them). */
extern const char *const sk_report_sections[];

/* Build the page for customer table t into b.  o gives the unit of
 * recency and T and the id column; without ro->unit_given the unit is
 * read from the records' first_purchase and last_purchase when they have
 * them, and a --unit the dates contradict exits 64 with advice.  Bad
 * numbers exit 65 with the row's file:line. */
void sk_report_build(struct sk_buf *b, const struct sk_opts *o,
		     const struct sk_report_opts *ro, const struct sk_table *t);

/* Write b to o->output atomically (temporary file, fsync, rename), or to
 * standard output; exits 73 when the file cannot be created, 74 on a
 * write error. */
void sk_report_write(const struct sk_opts *o, const struct sk_buf *b);

#endif
