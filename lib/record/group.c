/* group.c: distinct values by hashing, stable radix sort of small keys. */
#include "util.h"
#include "group.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return (a > b) - (a < b);
}

/* Open addressing on the value's bits; slot holds distinct index + 1. */
struct vtab {
	uint32_t *slot;
	size_t mask;
	uint64_t *val;		/* sk_key_of_double() of each distinct value, first-seen order */
	size_t n, cap;
};

static size_t vtab_hash(uint64_t u, size_t mask)
{
	u ^= u >> 29;
	u *= 0xBF58476D1CE4E5B9ull;
	u ^= u >> 32;
	return (size_t)u & mask;
}

static int vtab_grow(struct vtab *t)
{
	size_t size = t->mask ? 2 * (t->mask + 1) : 1024;
	uint32_t *slot = sk_calloc(size, sizeof *slot);
	uint64_t *val = sk_realloc(t->val, size / 2 * sizeof *val);
	if (!slot || !val) {
		free(slot);
		if (val)
			t->val = val;
		return -1;
	}
	t->val = val;
	t->cap = size / 2;
	free(t->slot);
	t->slot = slot;
	t->mask = size - 1;
	for (size_t k = 0; k < t->n; k++) {
		size_t h = vtab_hash(t->val[k], t->mask);
		while (t->slot[h])
			h = (h + 1) & t->mask;
		t->slot[h] = (uint32_t)(k + 1);
	}
	return 0;
}

/* Index of u in t, inserting it when new; (size_t)-1 when out of memory. */
static size_t vtab_find(struct vtab *t, uint64_t u)
{
	if (t->n >= t->cap && vtab_grow(t) < 0)
		return (size_t)-1;
	size_t h = vtab_hash(u, t->mask);
	for (;;) {
		uint32_t s = t->slot[h];
		if (!s) {
			t->val[t->n] = u;
			t->slot[h] = (uint32_t)(t->n + 1);
			return t->n++;
		}
		if (t->val[s - 1] == u)
			return s - 1;
		h = (h + 1) & t->mask;
	}
}

double *sk_distinct_new(const void *base, size_t n, size_t stride, uint32_t *rank,
			size_t *nu)
{
	struct vtab t = { 0 };
	uint32_t *first = rank ? rank : NULL;
	double *out = NULL;
	uint32_t *to_sorted = NULL;
	if (vtab_grow(&t) < 0)
		goto done;
	/* rank[i] holds the first-seen index until the values are sorted. */
	for (size_t i = 0; i < n; i++) {
		double v;
		memcpy(&v, (const char *)base + i * stride, sizeof v);
		size_t k = vtab_find(&t, sk_key_of_double(v));
		if (k == (size_t)-1)
			goto done;
		if (first)
			first[i] = (uint32_t)k;
	}
	out = sk_malloc((t.n ? t.n : 1) * sizeof *out);
	to_sorted = sk_malloc((t.n ? t.n : 1) * sizeof *to_sorted);
	uint64_t *sorted = sk_malloc((t.n ? t.n : 1) * sizeof *sorted);
	if (!out || !to_sorted || !sorted) {
		free(out);
		free(sorted);
		out = NULL;
		goto done;
	}
	memcpy(sorted, t.val, t.n * sizeof *sorted);
	qsort(sorted, t.n, sizeof *sorted, cmp_u64);
	for (size_t j = 0; j < t.n; j++) {
		uint64_t u = sorted[j];
		out[j] = sk_double_of_key(u);
		/* first-seen index of this value, found through the table */
		size_t h = vtab_hash(u, t.mask);
		while (t.val[t.slot[h] - 1] != u)
			h = (h + 1) & t.mask;
		to_sorted[t.slot[h] - 1] = (uint32_t)j;
	}
	free(sorted);
	if (rank)
		for (size_t i = 0; i < n; i++)
			rank[i] = to_sorted[rank[i]];
	*nu = t.n;
done:
	free(to_sorted);
	free(t.slot);
	free(t.val);
	return out;
}

/* 11 bits a pass: 2048 counters stay in L1. */
#define RBITS 11
#define RSIZE (1u << RBITS)

/* One stable LSD radix sort for both element types: sk_kv_sort's
 * (key, index) pairs and sk_u64_sort's keys packed above an index.  A
 * macro rather than a function over an element size and a key callback,
 * so that each instance reads its keys inline (a call per element per
 * pass would cost the 1M-customer sorts their speed).  The order is
 * KEY(e) >> shift over the passes that maxkey needs; a pass whose digit
 * every key shares is skipped. */
#define KV_KEY(e) ((e).key)
#define U64_KEY(e) (e)
#define DEFINE_RADIX_SORT(name, T, KEY)						\
static int name(T *a, size_t n, unsigned shift, uint64_t maxkey)		\
{										\
	int passes = 0;								\
	for (uint64_t m = maxkey; m; m >>= RBITS)				\
		passes++;							\
	if (n < 2 || passes == 0)						\
		return 0;							\
	T *tmp = sk_malloc(n * sizeof *tmp);					\
	size_t (*count)[RSIZE] = sk_calloc((size_t)passes, sizeof *count);	\
	if (!tmp || !count) {							\
		free(tmp);							\
		free(count);							\
		return -1;							\
	}									\
	for (size_t i = 0; i < n; i++)						\
		for (int p = 0; p < passes; p++)				\
			count[p][(KEY(a[i]) >> (shift + RBITS * p)) & (RSIZE - 1)]++; \
	T *src = a, *dst = tmp;							\
	for (int p = 0; p < passes; p++) {					\
		size_t *c = count[p];						\
		unsigned sh = shift + RBITS * (unsigned)p;			\
		if (c[(KEY(src[0]) >> sh) & (RSIZE - 1)] == n)			\
			continue;	/* every key has this digit */		\
		size_t sum = 0;							\
		for (size_t v = 0; v < RSIZE; v++) {				\
			size_t k = c[v];					\
			c[v] = sum;						\
			sum += k;						\
		}								\
		for (size_t i = 0; i < n; i++)					\
			dst[c[(KEY(src[i]) >> sh) & (RSIZE - 1)]++] = src[i];	\
		T *t = src;							\
		src = dst;							\
		dst = t;							\
	}									\
	if (src != a)								\
		memcpy(a, src, n * sizeof *a);					\
	free(tmp);								\
	free(count);								\
	return 0;								\
}

DEFINE_RADIX_SORT(radix_kv, struct sk_kv, KV_KEY)
DEFINE_RADIX_SORT(radix_u64, uint64_t, U64_KEY)

int sk_kv_sort(struct sk_kv *a, size_t n, uint64_t maxkey)
{
	return radix_kv(a, n, 0, maxkey);
}

int sk_u64_sort(uint64_t *a, size_t n, unsigned shift, uint64_t maxkey)
{
	return radix_u64(a, n, shift, maxkey);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void sk_sort_u32(uint32_t *a, size_t n)
{
	if (n < 2)
		return;
	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			uint32_t v = a[i];
			size_t j = i;
			for (; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
	} else {
		qsort(a, n, sizeof *a, cmp_u32);
	}
}

size_t sk_sort_unique_u32(uint32_t *a, size_t n)
{
	if (n < 2)
		return n;
	sk_sort_u32(a, n);
	size_t m = 1;
	for (size_t i = 1; i < n; i++)
		if (a[i] != a[m - 1])
			a[m++] = a[i];
	return m;
}
