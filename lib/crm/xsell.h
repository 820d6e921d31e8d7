/* xsell.h: cross-sell and up-sell suggestions from market baskets.
 *
 * A basket is the set of products of one order (same customer and
 * order_id), or, for rows without an order id, of one customer on one
 * day.  Frequent product sets are mined with FP-growth (Han, Pei & Yin
 * 2000) and turned into association rules A -> b with one product as the
 * consequent (Agrawal, Imielinski & Swami 1993):
 *
 *   support    = baskets holding A and b / baskets
 *   confidence = baskets holding A and b / baskets holding A
 *   lift       = confidence / (baskets holding b / baskets)
 *
 * Per customer, the products not yet bought are ranked by the best rule
 * whose antecedent the customer has bought (by confidence x lift); the
 * up-sell is the next step up in price in a category the customer buys. */
#ifndef SK_XSELL_H
#define SK_XSELL_H

#include <stddef.h>

#include "record/io.h"
#include "record/opts.h"

/* Itemsets are mined up to this many products (--max-len). */
#define SK_XSELL_MAX_LEN 5

struct sk_xsell_opts {
	const char *col_product, *col_category, *col_price, *col_quantity;
	/* 1 when named on the command line: the column must then exist */
	int need_category, need_price, need_quantity;
	double min_support;		/* fraction of baskets */
	double min_confidence;
	size_t max_rules;
	int max_len;			/* 2 .. SK_XSELL_MAX_LEN */
	size_t max_itemsets;		/* stop (65) past this many frequent itemsets */
	int k;				/* cross-sell suggestions per customer */
	int rules_only;			/* --rules: skip the per-customer work */
};

#define SK_XSELL_OPTS_INIT { .col_product = "product", .col_category = "category", \
	.col_price = "price", .col_quantity = "quantity", .min_support = 0.001, \
	.min_confidence = 0.1, .max_rules = 1000, .max_len = 2, .k = 3, \
	.max_itemsets = 5000000 }

struct sk_xsell;

/* Read the transaction log of o: customers in order of first appearance,
 * baskets, products.  Bad rows go through sk_reader_bad; a missing
 * column exits 65. */
struct sk_xsell *sk_xsell_read(const struct sk_opts *o, const struct sk_xsell_opts *xo);
/* Mine the frequent itemsets and keep the best rules. */
void sk_xsell_mine(struct sk_xsell *x);
/* The input's format (the default output format). */
enum sk_fmt sk_xsell_format(const struct sk_xsell *x);
/* The rule table: antecedent, consequent, support, confidence, lift,
 * count, best rule first. */
void sk_xsell_write_rules(struct sk_xsell *x, struct sk_writer *w);
/* One row per customer: id, products_bought, xsell_1..k,
 * xsell_rule_1..k, and upsell when the log has categories and prices. */
void sk_xsell_write_customers(struct sk_xsell *x, struct sk_writer *w);
void sk_xsell_free(struct sk_xsell *x);

#endif
