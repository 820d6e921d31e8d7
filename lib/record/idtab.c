/* idtab.c: customers found by id (see idtab.h). */
#include "idtab.h"
#include "hash.h"

#include <stdlib.h>

#include "util.h"

void sk_idtab_init(struct sk_idtab *t)
{
	memset(t, 0, sizeof *t);
	t->nslot = 1 << 16;
	t->slot = sk_big_alloc(t->nslot * sizeof *t->slot);
}

void sk_idtab_free(struct sk_idtab *t)
{
	sk_big_free(t->slot, t->nslot * sizeof *t->slot);
	free(t->ids);
	memset(t, 0, sizeof *t);
}

void sk_idkey_set(struct sk_idtab *t, struct sk_idkey *k, const char *id, size_t len)
{
	if (len <= 15) {
		memcpy(k->id.in, id, len);
		k->id.in[15] = (char)len;
		return;
	}
	sk_grow((void **)&t->ids, &t->idscap, t->idslen + len, 1);
	memcpy(t->ids + t->idslen, id, len);
	k->id.out.off = t->idslen;
	k->id.out.len = (uint32_t)len;
	k->id.out.big = UINT32_MAX;
	t->idslen += len;
}

/* Twice the slots, every entry placed again (n entries at base). */
static void rehash(struct sk_idtab *t, const void *base, size_t esz, size_t n)
{
	size_t ns = t->nslot * 2;
	uint64_t *slot = sk_big_alloc(ns * sizeof *slot);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = sk_idkey_get(t, (const struct sk_idkey *)
					      ((const char *)base + i * esz), &len);
		uint64_t h = sk_hash_bytes(id, len);
		size_t k = h & (ns - 1);
		while (slot[k])
			k = (k + 1) & (ns - 1);
		slot[k] = (h >> 32 << 32) | (i + 1);
	}
	sk_big_free(t->slot, t->nslot * sizeof *t->slot);
	t->slot = slot;
	t->nslot = ns;
}

void sk_idtab_added(struct sk_idtab *t, const void *base, size_t esz, size_t n, uint64_t h,
		    size_t where)
{
	if (n >= UINT32_MAX - 1)
		sk_die(SK_EX_DATA, "more than 4 billion customers");
	t->slot[where] = (h >> 32 << 32) | (n + 1);
	if ((n + 1) * 2 > t->nslot)
		rehash(t, base, esz, n + 1);
}
