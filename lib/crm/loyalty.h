/* loyalty.h: loyalty tiers (classify --scheme loyalty): a customer gets
 * the highest tier whose minimum net spend and minimum orders it meets,
 * and, against the last run's output, whether it moved up or down. */
#ifndef SK_LOYALTY_H
#define SK_LOYALTY_H

#include "record/io.h"
#include "record/opts.h"

struct sk_tiers {
	size_t n;
	char **name;		/* lowest first */
	double *min_spend, *min_orders;
};

/* The default table: bronze (any purchase), silver (500, 5 orders),
 * gold (2000, 10), platinum (5000, 20). */
void sk_tiers_default(struct sk_tiers *t);
/* Read a CSV "tier,min_spend,min_orders", lowest tier first; exits 66
 * when missing, 65 with file:line on a bad row or tiers out of order. */
void sk_tiers_load(struct sk_tiers *t, const struct sk_opts *o, const char *path);
void sk_tiers_free(struct sk_tiers *t);

enum { SK_TIER_CHANGE_NONE, SK_TIER_NEW, SK_TIER_SAME, SK_TIER_UP, SK_TIER_DOWN };

/* Tier per row of t (-1: none, a prospect or below the lowest tier)
 * into tier[]; with previous (the last run's output, NULL for none) the
 * change per row into change[]. */
void sk_tiers_assign(const struct sk_tiers *tiers, const struct sk_table *t,
		     const char *id_col, const struct sk_table *previous, int *tier,
		     unsigned char *change);

/* Write t with tier (and tier_change when change is not NULL). */
void sk_tiers_write(const struct sk_opts *o, const struct sk_table *t,
		    const struct sk_tiers *tiers, const int *tier, const unsigned char *change);

#endif
