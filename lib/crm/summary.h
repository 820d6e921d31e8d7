/* summary.h: transactions and events -> one record per customer, in one
 * pass with a hash table keyed by customer id.
 *
 * The vocabulary is the buy-till-you-die literature's: frequency x (repeat
 * transactions), recency t_x (first to last purchase), T (first purchase
 * to the end of observation), monetary value (mean value of the repeat
 * transactions).  Purchases by one customer on one calendar day are one
 * transaction (Fader, Hardie & Lee 2005). */
#ifndef SK_SUMMARY_H
#define SK_SUMMARY_H

#include "record/io.h"
#include "record/opts.h"

struct sk_summary;

struct sk_summary *sk_summary_new(const struct sk_opts *o);
/* Consume every record of r (a transaction/event log). */
void sk_summary_read(struct sk_summary *s, struct sk_reader *r);
/* Customers seen so far. */
size_t sk_summary_count(const struct sk_summary *s);
/* Write the header and one row per customer, in order of first
 * appearance in the input. */
void sk_summary_write(struct sk_summary *s, struct sk_writer *w);
/* The same records as a table (for programs that read transactions). */
struct sk_table *sk_summary_table(struct sk_summary *s);
void sk_summary_free(struct sk_summary *s);

/* Transactions per calendar day, for tracking a model over time: day
 * i = day0 + i for i < ndays (day0 the earliest date read; the days run
 * to the later of the last date and as_of).  repeat[i] counts repeat
 * transactions on that day (calibration and holdout) of the customers
 * with a calibration purchase, first[i] those customers whose first
 * purchase was that day.  Call before sk_summary_table. */
struct sk_daycounts {
	long day0, as_of;
	size_t ndays;
	double *repeat, *first;
};
void sk_summary_days(struct sk_summary *s, struct sk_daycounts *dc);
void sk_daycounts_free(struct sk_daycounts *dc);

/* 1 when a header looks like a transaction log rather than customer
 * records: it has the date column and no frequency column. */
int sk_is_transactions(const struct sk_opts *o, struct sk_reader *r);

/* Read customer records, or a transaction log summarized on the way in:
 * what every customer-level program calls first.  Customer records carry
 * their unit (recency against last_purchase - first_purchase): without
 * --unit, o takes it (unit_given 2); a --unit that disagrees exits 64. */
struct sk_table *sk_customers_read(struct sk_opts *o);

/* The unit customer records were written in, from recency against
 * last_purchase - first_purchase; NULL when they cannot tell (no dates,
 * no repeat buyer, or no unit fits). */
const struct sk_unit *sk_customers_unit(const struct sk_opts *o, const struct sk_table *t);
/* As sk_customers_read, and with a transaction log the day counts in
 * *dc (ndays 0 when the input was customer records). */
struct sk_table *sk_customers_read_days(struct sk_opts *o, struct sk_daycounts *dc);

#endif
