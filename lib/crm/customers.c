/* customers.c: customer records for every program that reads them: a
 * transaction log summarized on the way in, or records whose unit is read
 * from their dates (issue 17). */
#include "summaryint.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/group.h"
#include "record/util.h"
#include "record/date.h"
#include "record/io.h"
#include "record/num.h"

int sk_is_transactions(const struct sk_opts *o, struct sk_reader *r)
{
	int has_freq = 0, has_date = 0;
	for (size_t i = 0; i < sk_reader_ncol(r); i++) {
		const char *n = sk_reader_colname(r, i);
		if (strcmp(n, "frequency") == 0)
			has_freq = 1;
		if (strcmp(n, o->col_date) == 0)
			has_date = 1;
	}
	return has_date && !has_freq;
}

const struct sk_unit *sk_customers_unit(const struct sk_opts *o, const struct sk_table *t)
{
	long first = sk_table_col(t, "first_purchase"), last = sk_table_col(t, "last_purchase");
	long rec = sk_table_col(t, "recency");
	if (first < 0 || last < 0 || rec < 0)
		return NULL;
	/* The widest span among the first repeat buyers: recency is written
	 * rounded (to 2 decimals in some exports), so a long span tells the
	 * unit best.  Sixty-four rows are plenty and keep this cheap. */
	long best_span = 0;
	double best_rec = 0;
	for (size_t i = 0, seen = 0; i < t->nrow && seen < 64; i++) {
		size_t lf, ll, lr;
		const char *f = sk_table_get(t, i, first, &lf, NULL);
		const char *l = sk_table_get(t, i, last, &ll, NULL);
		const char *rs = sk_table_get(t, i, rec, &lr, NULL);
		long df, dl;
		double r;
		/* a field that does not parse is left to the program to report */
		if (!lf || !ll || !lr || sk_date_read(o, f, lf, &df) || sk_date_read(o, l, ll, &dl) ||
		    dl <= df || sk_num_read(o, rs, lr, &r) || !(r > 0))
			continue;
		seen++;
		if (dl - df > best_span) {
			best_span = dl - df;
			best_rec = r;
		}
	}
	if (!best_span)
		return NULL;
	/* A unit fits when recency x days is the span, to the rounding of
	 * recency (half a hundredth of a unit) and 0.1 %. */
	for (const struct sk_unit *u = sk_units; u->name; u++)
		if (fabs(best_rec * u->days - (double)best_span) <=
		    0.006 * u->days + 1e-3 * (double)best_span)
			return u;
	return NULL;
}

struct sk_table *sk_customers_read(struct sk_opts *o)
{
	return sk_customers_read_days(o, NULL);
}

struct sk_table *sk_customers_read_days(struct sk_opts *o, struct sk_daycounts *dc)
{
	if (dc)
		memset(dc, 0, sizeof *dc);
	struct sk_reader *r = sk_reader_open(o);
	struct sk_table *t;
	enum sk_fmt fmt = sk_reader_format(r);
	/* JSON lines name their keys with each record: the first one tells
	 * a log from customer records. */
	if (fmt == SK_FMT_JSONL)
		sk_reader_peek(r);
	if (sk_is_transactions(o, r)) {
		struct sk_summary *s = sk_summary_new(o);
		sk_summary_read(s, r);
		if (dc)
			sk_summary_days(s, dc);
		t = sk_summary_table(s);
		t->has_as_of = s->any_rows;
		t->as_of = o->has_as_of ? o->as_of : s->max_day;
		sk_summary_free(s);
	} else {
		t = sk_table_read(r);
		/* Customer records made with --unit week read as days would fit
		 * weeks as days (issue 17): the unit is checked, or taken. */
		const struct sk_unit *u = sk_customers_unit(o, t);
		if (u && o->unit_given == 1 && strcmp(u->name, o->unit_name) != 0) {
			sk_table_free(t);	/* nothing held at exit (LeakSanitizer) */
			sk_die(SK_EX_USAGE, "%s: --unit %s: the records' recency is in %s "
			       "(last_purchase - first_purchase); run with --unit %s or without "
			       "--unit", sk_reader_file(r), o->unit_name, u->plural, u->name);
		}
		if (u && o->unit_given != 1) {
			sk_opts_set_unit(o, u->name);
			o->unit_given = 2;
		}
	}
	t->fmt = fmt;
	sk_reader_close(r);
	return t;
}
