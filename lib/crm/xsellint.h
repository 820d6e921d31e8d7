/* xsellint.h: what xsell.c (reading, output) and fpgrowth.c (mining)
 * share privately: the interned strings, products, rules and the state
 * of one run. */
#ifndef SK_XSELLINT_H
#define SK_XSELLINT_H

#include <stddef.h>
#include <stdint.h>

#include "xsell.h"

#define NONE UINT32_MAX
#define MAXLEN SK_XSELL_MAX_LEN

/* A string of up to 15 bytes lives in its entry (in[15] = length), as
 * customer ids do in summary.c: a lookup that finds the tag then costs
 * one cache miss for the entry and none for the bytes.  Longer strings
 * go to a shared buffer (big = UINT32_MAX, which an inline length byte
 * of at most 15 can never look like). */
struct sent {
	union {
		char in[16];
		struct { uint64_t off; uint32_t len; uint32_t big; } out;
	} u;
};

struct strtab {
	uint64_t *slot;		/* (hash tag << 32) | (id + 1); 0 = empty */
	size_t nslot;		/* power of two, more than twice n */
	struct sent *ent;	/* by id */
	size_t n, cap;
	char *bytes;		/* strings longer than 15 bytes */
	size_t nbytes, bytescap;
};

struct product {
	uint32_t cat;		/* category id, NONE when unknown */
	uint32_t count;		/* baskets holding it (its support count) */
	double price;		/* highest unit price seen; < 0 when unknown */
	double units;		/* units sold: the quantities, or one a row */
};

struct rule {
	uint32_t ante[MAXLEN - 1];	/* product ids, in name order */
	uint32_t nante, cons;
	uint32_t count;			/* baskets holding antecedent and consequent */
	uint32_t ante_count, cons_count;
	double conf, lift;
};

struct iset;

struct sk_xsell {
	const struct sk_opts *o;
	struct sk_xsell_opts xo;
	enum sk_fmt fmt;
	int has_category, has_price;	/* write the upsell column */
	struct strtab cust, prod, cat, bkey;
	struct product *p;
	size_t pcap;
	uint32_t *bcust;		/* basket -> customer */
	size_t bcap;
	uint64_t *log;			/* (basket << 32) | product, one per row */
	size_t nlog, logcap;
	/* After reading: the products of basket b are
	 * bitem[bstart[b] .. bstart[b + 1]), sorted, distinct. */
	size_t nbasket;
	size_t *bstart;
	uint32_t *bitem;
	/* The distinct products of customer c: citem[cstart[c] .. cstart[c + 1]). */
	size_t *cstart;
	uint32_t *citem;
	uint32_t *namerank;		/* product -> position in name order */
	uint32_t min_count;		/* baskets an itemset needs */
	/* frequent products by rank: flist[rank] = product */
	uint32_t *flist, nf;
	size_t nvisited;		/* frequent itemsets found, for --max-itemsets */
	/* frequent itemsets below --max-len, as antecedents (ranks) */
	struct iset *iset;
	size_t niset, nisetslot;
	/* the best rules: a heap while mining, then sorted best first */
	struct rule *rule;
	size_t nrule, rulecap;
	int mined;
};

#endif
