/* group.h: grouping numbers without comparison sorts.  Customer tables
 * hold a million rows but only hundreds of distinct frequencies, days
 * and ages, so hashing the values and radix-sorting small integer keys
 * beats qsort with an indirect comparison by an order of magnitude. */
#ifndef SK_GROUP_H
#define SK_GROUP_H

#include <stddef.h>
#include <stdint.h>

/* A key and the index of what it belongs to. */
struct sk_kv {
	uint64_t key;
	uint32_t idx;
};

/* The distinct values among n doubles read at base, base + stride, ...
 * (stride in bytes), sorted ascending (-0 and +0 are one value; no NaN),
 * in a malloc'd array; *nu gets their count and, when rank is not NULL,
 * rank[i] the position of value i among them.  NULL when out of memory. */
double *sk_distinct_new(const void *base, size_t n, size_t stride, uint32_t *rank,
			size_t *nu);

/* Stable LSD radix sort of a[0..n) by key; maxkey bounds the keys, so
 * small keys take few passes.  -1 when out of memory (a is untouched). */
int sk_kv_sort(struct sk_kv *a, size_t n, uint64_t maxkey);

#endif
