/* group.h: grouping numbers without comparison sorts.  Customer tables
 * hold a million rows but only hundreds of distinct frequencies, days
 * and ages, so hashing the values and radix-sorting small integer keys
 * beats qsort with an indirect comparison by an order of magnitude. */
#ifndef SK_GROUP_H
#define SK_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A key and the index of what it belongs to. */
struct sk_kv {
	uint64_t key;
	uint32_t idx;
};

/* An unsigned key whose order is the numeric order of v (doubles: no
 * NaN; -0 and +0 are one key), and back. */
static inline uint64_t sk_key_of_double(double v)
{
	uint64_t u;
	v += 0.0;	/* -0 becomes +0 */
	memcpy(&u, &v, sizeof u);
	return u >> 63 ? ~u : u | UINT64_C(0x8000000000000000);
}

static inline uint64_t sk_key_of_int(int64_t v)
{
	return (uint64_t)v ^ UINT64_C(0x8000000000000000);
}

static inline double sk_double_of_key(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~UINT64_C(0x8000000000000000) : ~k;
	double v;
	memcpy(&v, &u, sizeof v);
	return v;
}

/* The distinct values among n doubles read at base, base + stride, ...
 * (stride in bytes), sorted ascending (-0 and +0 are one value; no NaN),
 * in a malloc'd array; *nu gets their count and, when rank is not NULL,
 * rank[i] the position of value i among them.  NULL when out of memory. */
double *sk_distinct_new(const void *base, size_t n, size_t stride, uint32_t *rank,
			size_t *nu);

/* Stable LSD radix sort of a[0..n) by key; maxkey bounds the keys, so
 * small keys take few passes.  -1 when out of memory (a is untouched). */
int sk_kv_sort(struct sk_kv *a, size_t n, uint64_t maxkey);

/* The same for keys packed above an index: stable LSD radix sort of
 * a[0..n) by a[i] >> shift, at most maxkey (so shift + the bits of maxkey
 * <= 64), the low shift bits left out of the order.  8 bytes an item
 * instead of struct sk_kv's 16, in the array and in the sort's buffer.
 * -1 when out of memory (a is untouched). */
int sk_u64_sort(uint64_t *a, size_t n, unsigned shift, uint64_t maxkey);

/* Sort a[0..n) and drop repeats; the new length.  Insertion sort for
 * the short lists it mostly gets (a basket's items, a customer's days). */
size_t sk_sort_unique_u32(uint32_t *a, size_t n);
/* Sort a[0..n) ascending, repeats kept (the same sort). */
void sk_sort_u32(uint32_t *a, size_t n);

#endif
