/* rfmint.h: what classify.c (the rules, output) and rfm.c (RFM
 * distributions, scores and cuts files) share privately. */
#ifndef SK_RFMINT_H
#define SK_RFMINT_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "record/group.h"

/* The distribution of one ranked key among buyers: the distinct keys in
 * ascending order (worse to better) and how many buyers hold each.  It is
 * all a score needs, and distributions of disjoint sets of customers add
 * up, which is what makes --rfm-cuts exact over shards. */
struct dist {
	size_t n;
	uint64_t *key;
	uint64_t *count;
	uint64_t total;
};

/* One distribution per score, in score order: R, F, M. */
struct sk_classify_cuts {
	char *path;		/* the file it came from, for messages; NULL if computed */
	struct dist d[3];
};

/* Rank the keys a[0..n) (sorted here) into scores 1..5 (every stride
 * bytes of score) against cuts, or against their own distribution when
 * cuts is NULL; own, when not NULL, gets that distribution; top, when not
 * NULL, marks the top_share best. */
void sk_rfm_rank_scores(struct sk_kv *a, size_t n, const struct dist *cuts,
			struct dist *own, unsigned char *score, int stride, double top_share,
			unsigned char *top);

#endif
