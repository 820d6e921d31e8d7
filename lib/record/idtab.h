/* idtab.h: customers found by id, for the one-pass aggregations
 * (summary.c, cohort.c).
 *
 * The caller keeps its own array of entries, in order of first
 * appearance, each starting with a struct sk_idkey: an id of up to 15
 * bytes lies in the key itself, a longer one in the table's byte store.
 * The table is open addressing over 8-byte slots (32-bit hash tag and
 * entry index + 1), at most half full, so a lookup is one slot probe and
 * one entry compare, which the callers prefetch in batches. */
#ifndef SK_IDTAB_H
#define SK_IDTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sk_idkey {		/* 16 bytes, first in every entry */
	union {
		char in[16];		/* up to 15 bytes; in[15] = length */
		struct { uint64_t off; uint32_t len; uint32_t big; } out;
	} id;
};

struct sk_idtab {
	uint64_t *slot;		/* (tag << 32) | (index + 1), 0 = empty */
	size_t nslot;		/* a power of two */
	char *ids;		/* ids longer than 15 bytes */
	size_t idslen, idscap;
};

void sk_idtab_init(struct sk_idtab *t);
void sk_idtab_free(struct sk_idtab *t);

static inline const char *sk_idkey_get(const struct sk_idtab *t, const struct sk_idkey *k,
				       size_t *len)
{
	if (k->id.out.big == UINT32_MAX) {
		*len = k->id.out.len;
		return t->ids + k->id.out.off;
	}
	*len = (unsigned char)k->id.in[15];
	return k->id.in;
}

/* Store id in the key of a new entry. */
void sk_idkey_set(struct sk_idtab *t, struct sk_idkey *k, const char *id, size_t len);

/* The slot where hash h starts probing: prefetch it, then the entry it
 * names, before the lookups of a batch. */
static inline const uint64_t *sk_idtab_slot(const struct sk_idtab *t, uint64_t h)
{
	return &t->slot[h & (t->nslot - 1)];
}

/* The index of the entry with this id (h = sk_hash_bytes(id, len))
 * among the entries at base, esz bytes each; or -1, with *where the slot
 * to pass to sk_idtab_added for a new one. */
static inline long sk_idtab_find(const struct sk_idtab *t, const void *base, size_t esz,
				 const char *id, size_t len, uint64_t h, size_t *where)
{
	size_t k = h & (t->nslot - 1);
	uint64_t tag = h >> 32;
	for (;;) {
		uint64_t v = t->slot[k];
		if (!v) {
			*where = k;
			return -1;
		}
		if ((v >> 32) == tag) {
			uint32_t i = (uint32_t)(v & 0xffffffffu) - 1;
			size_t l;
			const char *p = sk_idkey_get(t, (const struct sk_idkey *)
						     ((const char *)base + (size_t)i * esz), &l);
			if (l == len && memcmp(p, id, len) == 0)
				return (long)i;
		}
		k = (k + 1) & (t->nslot - 1);
	}
}

/* Register entry n, just appended at base with its key set, in the slot
 * sk_idtab_find gave; the table doubles when half full.  Dies past four
 * billion entries. */
void sk_idtab_added(struct sk_idtab *t, const void *base, size_t esz, size_t n, uint64_t h,
		    size_t where);

#endif
