/* campaign.h: win-back offers against a control group, and what the
 * offers did (winback --control, winback --measure). */
#ifndef SK_CAMPAIGN_H
#define SK_CAMPAIGN_H

#include <stdint.h>
#include <stdio.h>

#include "record/io.h"
#include "record/opts.h"

/* 1 when the customer id falls in the control share under seed: the same
 * id and seed always give the same answer, whatever the input order. */
int sk_campaign_control(const char *id, size_t len, double share, uint64_t seed);

/* Wilson's score interval for r successes in n (Wilson 1927), at normal
 * quantile z. */
void sk_wilson(double r, double n, double z, double *lo, double *hi);
/* Newcombe's hybrid score interval for p1 - p0 of two independent
 * proportions (Newcombe 1998, method 10). */
void sk_newcombe(double r1, double n1, double r0, double n0, double z, double *lo,
		 double *hi);

/* winback --measure: read the earlier campaign's file (id column and
 * winback_group) and the log o names, count the customers of each group
 * with a purchase after their last_purchase in the campaign file (any
 * purchase when it has no such column), and write the return rates, the
 * uplift and their 95 % intervals. */
void sk_campaign_measure(const struct sk_opts *o, const char *previous);

#endif
