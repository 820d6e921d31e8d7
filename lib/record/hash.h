/* hash.h: the string hash behind every customer-keyed table (summary,
 * cohort, xsell).  Inline: it sits on the hot path of a million lookups. */
#ifndef SK_HASH_H
#define SK_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A multiply-xorshift hash over 8-byte words: ids are short. */
static inline uint64_t sk_hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 29;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 32;
	return h;
}

#endif
