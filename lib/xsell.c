/* xsell.c: association rules between products bought together, and the
 * cross-sell and up-sell suggestions they justify.
 *
 * Reading.  Customers, products, categories and baskets are interned:
 * an open-addressing table of 8-byte slots (32-bit hash tag + id) over
 * 16-byte entries that hold strings of up to 15 bytes in place, ids given
 * in order of first appearance.  A basket's key is the customer's id
 * number followed by the order id, or by the day for a row without one,
 * so order ids need only be unique per customer and rows of one basket
 * need not be adjacent (exact keys, not hashes: two orders never merge).
 * Every purchase row leaves (basket, product) in an 8-byte log; after
 * the last row a counting sort turns the log into each basket's product
 * list (4 bytes an item), duplicates removed, and the basket keys are
 * freed.  Memory is linear in the rows: for the 5M-row benchmark (2M
 * baskets, 500k customers) the peak, at the end of reading, is about
 * 40 MB of log, 64 MB of basket keys and 16 MB of customers (130 MB).
 *
 * Mining.  FP-growth (Han, Pei & Yin 2000, "Mining frequent patterns
 * without candidate generation", SIGMOD): the products in at least
 * min_count baskets are ranked by frequency; each basket becomes the
 * sequence of its frequent products by rank, and the sequences go into a
 * prefix tree (the FP-tree) whose node counts say how many baskets share
 * the path.  Sorting the sequences first makes the tree a trie built by
 * comparing each sequence with the one before: the shared prefix is
 * counted, the rest appended, and no child lookup is ever needed.  The
 * itemsets ending in product j are found from j's prefix paths alone
 * (its conditional pattern base), recursively, so the work follows the
 * frequent itemsets rather than the pairs of products in every basket.
 * The last level only counts the products on the prefix paths.
 *
 * Rules.  From a frequent itemset X, a rule X\{b} -> b for each b in X
 * (Agrawal, Imielinski & Swami 1993, "Mining association rules between
 * sets of items in large databases", SIGMOD): confidence = n(X)/n(X\{b});
 * lift = confidence / (n(b)/N) (Brin, Motwani, Ullman & Tsur 1997,
 * "Dynamic itemset counting and implication rules", SIGMOD, who call it
 * interest).  The antecedents of the largest itemsets are the itemsets
 * one smaller: those are mined first and kept in a hash table, then the
 * largest are mined again and streamed into a heap that keeps the best
 * max_rules rules, so memory follows the itemsets one size below
 * --max-len (for pairs, the products), not the number of rules. */
#include "xsell.h"
#include "hash.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "num.h"
#include "util.h"

#define NONE UINT32_MAX
#define MAXLEN SK_XSELL_MAX_LEN

/* ------------------------------------------------------------------ */
/* interned byte strings                                              */

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

static void st_init(struct strtab *t)
{
	memset(t, 0, sizeof *t);
	t->nslot = 1 << 10;
	t->slot = sk_big_alloc(t->nslot * sizeof *t->slot);
}

static void st_free(struct strtab *t)
{
	sk_big_free(t->slot, t->nslot * sizeof *t->slot);
	free(t->ent);
	free(t->bytes);
	memset(t, 0, sizeof *t);
}

static inline const char *st_str(const struct strtab *t, uint32_t id, size_t *len)
{
	const struct sent *e = &t->ent[id];
	if (e->u.out.big == UINT32_MAX) {
		*len = e->u.out.len;
		return t->bytes + e->u.out.off;
	}
	*len = (unsigned char)e->u.in[15];
	return e->u.in;
}

/* A slot's home is the low bits of its 32-bit tag, so growing the table
 * moves slots without reading a single entry or string. */
static inline size_t st_home(uint64_t tag, size_t nslot)
{
	return (size_t)tag & (nslot - 1);
}

static void st_rehash(struct strtab *t)
{
	size_t ns = t->nslot * 2;
	uint64_t *slot = sk_big_alloc(ns * sizeof *slot);
	for (size_t i = 0; i < t->nslot; i++) {
		uint64_t v = t->slot[i];
		if (!v)
			continue;
		size_t k = st_home(v >> 32, ns);
		while (slot[k])
			k = (k + 1) & (ns - 1);
		slot[k] = v;
	}
	sk_big_free(t->slot, t->nslot * sizeof *t->slot);
	t->slot = slot;
	t->nslot = ns;
}

/* The id of s[0..len) (len > 0), added when new (*added = 1). */
static uint32_t st_intern(struct strtab *t, const char *s, size_t len, int *added)
{
	uint64_t tag = sk_hash_bytes(s, len) >> 32;
	size_t k = st_home(tag, t->nslot);
	for (uint64_t v; (v = t->slot[k]); k = (k + 1) & (t->nslot - 1)) {
		if ((v >> 32) != tag)
			continue;
		uint32_t id = (uint32_t)(v & 0xffffffffu) - 1;
		size_t l;
		const char *p = st_str(t, id, &l);
		if (l == len && memcmp(p, s, len) == 0) {
			*added = 0;
			return id;
		}
	}
	if (t->n >= UINT32_MAX - 1)
		sk_die(SK_EX_DATA, "more than 4 billion distinct values");
	if (len > UINT32_MAX - 1)
		sk_die(SK_EX_DATA, "a value of more than 4 GB");
	sk_grow((void **)&t->ent, &t->cap, t->n + 1, sizeof *t->ent);
	struct sent *e = &t->ent[t->n];
	memset(e, 0, sizeof *e);
	if (len <= 15) {
		memcpy(e->u.in, s, len);
		e->u.in[15] = (char)len;
	} else {
		sk_grow((void **)&t->bytes, &t->bytescap, t->nbytes + len, 1);
		memcpy(t->bytes + t->nbytes, s, len);
		e->u.out.off = t->nbytes;
		e->u.out.len = (uint32_t)len;
		e->u.out.big = UINT32_MAX;
		t->nbytes += len;
	}
	t->slot[k] = tag << 32 | (t->n + 1);
	uint32_t id = (uint32_t)t->n++;
	if (t->n * 2 > t->nslot)
		st_rehash(t);
	*added = 1;
	return id;
}

static int st_cmp(const struct strtab *t, uint32_t a, uint32_t b)
{
	size_t la, lb;
	const char *pa = st_str(t, a, &la), *pb = st_str(t, b, &lb);
	int c = memcmp(pa, pb, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

/* ------------------------------------------------------------------ */
/* state                                                              */

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
	/* frequent itemsets below --max-len, as antecedents (ranks) */
	struct iset *iset;
	size_t niset, nisetslot;
	/* the best rules: a heap while mining, then sorted best first */
	struct rule *rule;
	size_t nrule, rulecap;
	int mined;
};

enum sk_fmt sk_xsell_format(const struct sk_xsell *x)
{
	return x->fmt;
}

/* ------------------------------------------------------------------ */
/* reading                                                            */

/* A column that the log must have (CSV and TSV: from the header). */
static long need_col(struct sk_reader *r, int jsonl, const char *what, const char *name)
{
	if (!jsonl && sk_reader_has_col(r, name) < 0)
		sk_reader_die_missing(r, what, name);
	return sk_reader_col(r, name);
}

/* An optional column: -1 when a CSV or TSV header lacks it.  JSON lines
 * register every name; a record without the key reads as empty. */
static long opt_col(struct sk_reader *r, int jsonl, int need, const char *what,
		    const char *name)
{
	if (need)
		return need_col(r, jsonl, what, name);
	if (!jsonl && sk_reader_has_col(r, name) < 0)
		return -1;
	return sk_reader_col(r, name);
}

/* Parse a number field: 1 with *v set, 0 when empty, -1 after reporting
 * a bad value. */
static int num_field(struct sk_reader *r, long col, const char *name, double *v)
{
	size_t len;
	enum sk_ftype type;
	if (col < 0)
		return 0;
	const char *s = sk_reader_field(r, (size_t)col, &len, &type);
	if (len == 0 || type == SK_NULL)
		return 0;
	const char *why;
	if (sk_reader_num(r, (size_t)col, v, &why)) {
		sk_reader_bad(r, "column \"%s\": cannot parse \"%s\" as a number%s", name, s, why);
		return -1;
	}
	return 1;
}

static void log_item(struct sk_xsell *x, uint32_t basket, uint32_t product)
{
	if (x->nlog == x->logcap) {
		size_t nc = x->logcap ? x->logcap * 2 : 1 << 16;
		x->log = sk_big_realloc(x->log, x->logcap * sizeof *x->log, nc * sizeof *x->log);
		x->logcap = nc;
	}
	x->log[x->nlog++] = (uint64_t)basket << 32 | product;
}

static void read_log(struct sk_xsell *x, struct sk_reader *r)
{
	const struct sk_opts *o = x->o;
	const struct sk_xsell_opts *xo = &x->xo;
	int jsonl = x->fmt == SK_FMT_JSONL;
	if (!jsonl && sk_reader_ncol(r) == 0)
		return;		/* empty input */
	long cid = need_col(r, jsonl, "customer id", o->col_id);
	long cdate = need_col(r, jsonl, "date", o->col_date);
	long cprod = need_col(r, jsonl, "product", xo->col_product);
	long ccat = opt_col(r, jsonl, xo->need_category, "category", xo->col_category);
	long cprice = opt_col(r, jsonl, xo->need_price, "price", xo->col_price);
	long cqty = opt_col(r, jsonl, xo->need_quantity, "quantity", xo->col_quantity);
	long camt = opt_col(r, jsonl, 0, "amount", o->col_amount);
	long cev = opt_col(r, jsonl, 0, "event", o->col_event);
	long cord = opt_col(r, jsonl, 0, "order", o->col_order);
	/* CSV and TSV say in the header whether there are categories and
	 * prices; JSON lines once a record carries one. */
	x->has_category = !jsonl && ccat >= 0;
	x->has_price = !jsonl && cprice >= 0;

	char *key = NULL, *last = NULL;
	size_t keycap = 0, lastcap = 0, lastlen = 0;
	uint32_t last_basket = NONE;
	uint32_t last_cust = NONE;
	while (sk_reader_next(r)) {
		size_t idlen, dlen, len;
		enum sk_ftype type;
		const char *id = sk_reader_field(r, (size_t)cid, &idlen, &type);
		if (idlen == 0 || type == SK_NULL) {
			sk_reader_bad(r, "column \"%s\": empty customer id", o->col_id);
			continue;
		}
		const char *ds = sk_reader_field(r, (size_t)cdate, &dlen, NULL);
		long day;
		if (sk_date_read(o, ds, dlen, &day)) {
			sk_reader_bad(r, "column \"%s\": cannot parse \"%s\"%s", o->col_date, ds,
				      sk_date_why(o, ds, dlen));
			continue;
		}
		/* A purchase unless the event says otherwise; a refund
		 * (negative amount) or a line of no units (a cancelled or
		 * returned line) puts nothing in a basket. */
		int purchase = 1;
		if (cev >= 0) {
			const char *ev = sk_reader_field(r, (size_t)cev, &len, NULL);
			if (len && strcmp(ev, "purchase") != 0)
				purchase = 0;
		}
		double amount = 0, units = 1, price = -1;	/* as when empty */
		int got;
		if (purchase) {
			if ((got = num_field(r, camt, o->col_amount, &amount)) < 0)
				continue;
			if (got && amount < 0)
				purchase = 0;
		}
		if (purchase) {
			if ((got = num_field(r, cqty, xo->col_quantity, &units)) < 0)
				continue;
			if (got && units <= 0)
				purchase = 0;
		}
		if (purchase) {
			if ((got = num_field(r, cprice, xo->col_price, &price)) < 0)
				continue;
			if (got && price < 0) {
				sk_reader_bad(r, "column \"%s\": negative price \"%s\"", xo->col_price,
					      sk_reader_field(r, (size_t)cprice, NULL, NULL));
				continue;
			}
			if (got)
				x->has_price = 1;
		}

		/* Every customer the log names goes out, buyer or not.  Rows
		 * of one order come together: try the last customer first. */
		int added;
		uint32_t c = last_cust;
		size_t ll = 0;
		const char *lid = c == NONE ? NULL : st_str(&x->cust, c, &ll);
		if (!lid || ll != idlen || memcmp(lid, id, idlen) != 0)
			c = last_cust = st_intern(&x->cust, id, idlen, &added);
		if (!purchase || (o->has_as_of && day > o->as_of))
			continue;
		const char *ps = sk_reader_field(r, (size_t)cprod, &len, &type);
		if (len == 0 || type == SK_NULL)
			continue;	/* a purchase of no named product */
		uint32_t pid = st_intern(&x->prod, ps, len, &added);
		if (added) {
			sk_grow((void **)&x->p, &x->pcap, x->prod.n, sizeof *x->p);
			x->p[pid] = (struct product){ .cat = NONE, .price = -1 };
		}
		struct product *p = &x->p[pid];
		p->units += units;
		if (price > p->price)
			p->price = price;
		if (ccat >= 0 && p->cat == NONE) {
			/* A product's category is the first one named for it. */
			const char *cs = sk_reader_field(r, (size_t)ccat, &len, &type);
			if (len && type != SK_NULL) {
				x->has_category = 1;
				p->cat = st_intern(&x->cat, cs, len, &added);
			}
		}

		/* The basket key: customer number, then 'o' and the order id,
		 * or 'd' and the day. */
		const char *os = "";
		size_t olen = 0;
		if (cord >= 0)
			os = sk_reader_field(r, (size_t)cord, &olen, &type);
		size_t klen = 5 + (olen ? olen : sizeof(int32_t));
		sk_grow((void **)&key, &keycap, klen, 1);
		memcpy(key, &c, 4);
		if (olen) {
			key[4] = 'o';
			memcpy(key + 5, os, olen);
		} else {
			int32_t d = (int32_t)day;
			key[4] = 'd';
			memcpy(key + 5, &d, 4);
		}
		/* Rows of one basket usually come together. */
		uint32_t b;
		if (last_basket != NONE && klen == lastlen && memcmp(key, last, klen) == 0) {
			b = last_basket;
		} else {
			b = st_intern(&x->bkey, key, klen, &added);
			if (added) {
				sk_grow((void **)&x->bcust, &x->bcap, x->bkey.n, sizeof *x->bcust);
				x->bcust[b] = c;
			}
			sk_grow((void **)&last, &lastcap, klen, 1);
			memcpy(last, key, klen);
			lastlen = klen;
			last_basket = b;
		}
		log_item(x, b, pid);
	}
	free(key);
	free(last);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Sort a[0..n) and drop repeats; returns the new length. */
static size_t sort_unique(uint32_t *a, size_t n)
{
	if (n < 2)
		return n;
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
	size_t m = 1;
	for (size_t i = 1; i < n; i++)
		if (a[i] != a[m - 1])
			a[m++] = a[i];
	return m;
}

/* Turn a list of (group, value) pairs into compressed rows: start[g] ..
 * start[g + 1] index the sorted distinct values of group g.  The pairs
 * come from a callback so the log and the baskets share the code. */
typedef void (*pairs_fn)(void *ctx, size_t i, uint32_t *group, uint32_t *value);

static void csr_build(size_t ngroup, size_t npair, pairs_fn pair, void *ctx,
		      size_t **startp, uint32_t **valp)
{
	size_t *start = sk_xcalloc(ngroup + 1, sizeof *start);
	uint32_t *val = sk_xmalloc((npair ? npair : 1) * sizeof *val);
	uint32_t g, v;
	for (size_t i = 0; i < npair; i++) {
		pair(ctx, i, &g, &v);
		start[g]++;
	}
	size_t sum = 0;
	for (size_t k = 0; k < ngroup; k++) {
		size_t c = start[k];
		start[k] = sum;
		sum += c;
	}
	start[ngroup] = sum;
	for (size_t i = 0; i < npair; i++) {
		pair(ctx, i, &g, &v);
		val[start[g]++] = v;
	}
	/* start[k] is now the end of group k: shift back. */
	for (size_t k = ngroup; k > 0; k--)
		start[k] = start[k - 1];
	start[0] = 0;
	/* Sort each group and squeeze out repeats. */
	size_t out = 0;
	for (size_t k = 0; k < ngroup; k++) {
		size_t a = start[k], n = start[k + 1] - a;
		n = sort_unique(val + a, n);
		memmove(val + out, val + a, n * sizeof *val);
		start[k] = out;
		out += n;
	}
	start[ngroup] = out;
	*startp = start;
	*valp = sk_xrealloc(val, (out ? out : 1) * sizeof *val);
}

static void log_pair(void *ctx, size_t i, uint32_t *g, uint32_t *v)
{
	const struct sk_xsell *x = ctx;
	*g = (uint32_t)(x->log[i] >> 32);
	*v = (uint32_t)x->log[i];
}

/* Customer c's items, through its baskets: pair i is an item of the
 * baskets, grouped by their customer. */
struct cust_pairs {
	const struct sk_xsell *x;
	uint32_t *owner;		/* item position -> basket */
};

static void cust_pair(void *ctx, size_t i, uint32_t *g, uint32_t *v)
{
	const struct cust_pairs *cp = ctx;
	*g = cp->x->bcust[cp->owner[i]];
	*v = cp->x->bitem[i];
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	return st_cmp(ctx, *(const uint32_t *)a, *(const uint32_t *)b);
}

struct sk_xsell *sk_xsell_read(const struct sk_opts *o, const struct sk_xsell_opts *xo)
{
	struct sk_xsell *x = sk_xcalloc(1, sizeof *x);
	x->o = o;
	x->xo = *xo;
	st_init(&x->cust);
	st_init(&x->prod);
	st_init(&x->cat);
	st_init(&x->bkey);
	struct sk_reader *r = sk_reader_open(o);
	x->fmt = sk_reader_format(r);
	read_log(x, r);
	sk_reader_close(r);

	/* The baskets' distinct products; the keys are done with. */
	x->nbasket = x->bkey.n;
	st_free(&x->bkey);
	csr_build(x->nbasket, x->nlog, log_pair, x, &x->bstart, &x->bitem);
	sk_big_free(x->log, x->logcap * sizeof *x->log);
	x->log = NULL;
	x->nlog = x->logcap = 0;
	for (size_t b = 0; b < x->nbasket; b++)
		for (size_t i = x->bstart[b]; i < x->bstart[b + 1]; i++)
			x->p[x->bitem[i]].count++;

	/* Each customer's distinct products. */
	if (!xo->rules_only) {
		size_t nitem = x->bstart[x->nbasket];
		struct cust_pairs cp = { x, sk_xmalloc((nitem ? nitem : 1) * sizeof *cp.owner) };
		for (size_t b = 0; b < x->nbasket; b++)
			for (size_t i = x->bstart[b]; i < x->bstart[b + 1]; i++)
				cp.owner[i] = (uint32_t)b;
		csr_build(x->cust.n, nitem, cust_pair, &cp, &x->cstart, &x->citem);
		free(cp.owner);
	}
	free(x->bcust);
	x->bcust = NULL;

	/* Name order decides every tie, so output never depends on the
	 * order of the input rows. */
	size_t np = x->prod.n;
	uint32_t *byname = sk_xmalloc((np ? np : 1) * sizeof *byname);
	for (size_t i = 0; i < np; i++)
		byname[i] = (uint32_t)i;
	qsort_r(byname, np, sizeof *byname, cmp_name, &x->prod);
	x->namerank = sk_xmalloc((np ? np : 1) * sizeof *x->namerank);
	for (size_t i = 0; i < np; i++)
		x->namerank[byname[i]] = (uint32_t)i;
	free(byname);
	return x;
}

/* ------------------------------------------------------------------ */
/* FP-growth (Han, Pei & Yin 2000)                                    */

/* An FP-tree over item ranks.  Node 0 is the root; a node's items are
 * its path from the root, in increasing rank. */
struct fptree {
	uint32_t *item, *cnt, *up, *link;	/* per node */
	size_t n, cap;
	uint32_t *head;		/* per rank: one of its nodes (0: none), chained by link */
	uint32_t *total;	/* per rank: baskets in this tree holding it */
	uint32_t *present;	/* ranks with nodes */
	size_t npresent;
	uint32_t *path;		/* build scratch: node at each depth */
	size_t pathcap;
};

/* Sequences of ascending ranks with weights, as a compressed list. */
struct seqs {
	uint32_t *item;
	size_t nitem, itemcap;
	size_t *start;		/* n + 1 */
	uint32_t *weight;	/* NULL: every weight is 1 */
	uint32_t *order;	/* indexes in lexicographic order */
	size_t n, cap, wcap, ocap;
};

static void tree_alloc(struct fptree *t, uint32_t nrank)
{
	memset(t, 0, sizeof *t);
	t->head = sk_xcalloc(nrank ? nrank : 1, sizeof *t->head);
	t->total = sk_xcalloc(nrank ? nrank : 1, sizeof *t->total);
	t->present = sk_xmalloc((nrank ? nrank : 1) * sizeof *t->present);
}

static void tree_free(struct fptree *t)
{
	free(t->item);
	free(t->cnt);
	free(t->up);
	free(t->link);
	free(t->head);
	free(t->total);
	free(t->present);
	free(t->path);
}

static void tree_reset(struct fptree *t)
{
	for (size_t i = 0; i < t->npresent; i++) {
		t->head[t->present[i]] = 0;
		t->total[t->present[i]] = 0;
	}
	t->npresent = 0;
	t->n = 0;
}

static uint32_t tree_node(struct fptree *t, uint32_t item, uint32_t cnt, uint32_t up)
{
	if (t->n == t->cap) {
		size_t c = t->cap;
		sk_grow((void **)&t->item, &c, t->n + 1, sizeof *t->item);
		c = t->cap;
		sk_grow((void **)&t->cnt, &c, t->n + 1, sizeof *t->cnt);
		c = t->cap;
		sk_grow((void **)&t->up, &c, t->n + 1, sizeof *t->up);
		sk_grow((void **)&t->link, &t->cap, t->n + 1, sizeof *t->link);
	}
	if (t->n >= UINT32_MAX)
		sk_die(SK_EX_SOFTWARE, "FP-tree of more than 4 billion nodes");
	uint32_t v = (uint32_t)t->n++;
	t->item[v] = item;
	t->cnt[v] = cnt;
	t->up[v] = up;
	if (item != NONE) {
		if (!t->head[item])
			t->present[t->npresent++] = item;
		t->link[v] = t->head[item];
		t->head[item] = v;
	}
	return v;
}

static int cmp_seq(const void *a, const void *b, void *ctx)
{
	const struct seqs *s = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const uint32_t *p = s->item + s->start[i], *q = s->item + s->start[j];
	size_t m = s->start[i + 1] - s->start[i], n = s->start[j + 1] - s->start[j];
	for (size_t k = 0; k < m && k < n; k++)
		if (p[k] != q[k])
			return p[k] < q[k] ? -1 : 1;
	return (m > n) - (m < n);
}

/* Build t from the sequences.  Sorted, a sequence shares with the one
 * before it the longest prefix it shares with any earlier one, so the
 * tree is a trie built by walking the previous path. */
static void tree_build(struct fptree *t, struct seqs *s)
{
	tree_reset(t);
	tree_node(t, NONE, 0, 0);
	sk_grow((void **)&s->order, &s->ocap, s->n, sizeof *s->order);
	for (size_t i = 0; i < s->n; i++)
		s->order[i] = (uint32_t)i;
	qsort_r(s->order, s->n, sizeof *s->order, cmp_seq, s);
	const uint32_t *prev = NULL;
	size_t prevlen = 0;
	for (size_t k = 0; k < s->n; k++) {
		uint32_t i = s->order[k];
		const uint32_t *a = s->item + s->start[i];
		size_t len = s->start[i + 1] - s->start[i];
		uint32_t w = s->weight ? s->weight[i] : 1;
		size_t l = 0;
		while (l < len && l < prevlen && a[l] == prev[l])
			l++;
		sk_grow((void **)&t->path, &t->pathcap, len, sizeof *t->path);
		for (size_t d = 0; d < l; d++)
			t->cnt[t->path[d]] += w;
		for (size_t d = l; d < len; d++)
			t->path[d] = tree_node(t, a[d], w, d ? t->path[d - 1] : 0);
		for (size_t d = 0; d < len; d++)
			t->total[a[d]] += w;
		prev = a;
		prevlen = len;
	}
}

/* A frequent itemset kept as a possible antecedent: ranks ascending. */
struct iset {
	uint32_t item[MAXLEN - 1];
	uint32_t n;		/* 0: empty slot */
	uint32_t count;
};

static uint64_t iset_hash(const uint32_t *item, uint32_t n)
{
	uint64_t h = n * 0x9E3779B97F4A7C15ull;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ item[i]) * 0xFF51AFD7ED558CCDull;
	return h ^ (h >> 31);
}

static void iset_put(struct sk_xsell *x, const uint32_t *item, uint32_t n, uint32_t count);

static void iset_grow(struct sk_xsell *x)
{
	struct iset *old = x->iset;
	size_t nold = x->nisetslot;
	x->nisetslot = nold ? nold * 2 : 1 << 10;
	x->iset = sk_xcalloc(x->nisetslot, sizeof *x->iset);
	x->niset = 0;
	for (size_t i = 0; i < nold; i++)
		if (old[i].n)
			iset_put(x, old[i].item, old[i].n, old[i].count);
	free(old);
}

static void iset_put(struct sk_xsell *x, const uint32_t *item, uint32_t n, uint32_t count)
{
	if ((x->niset + 1) * 2 > x->nisetslot)
		iset_grow(x);
	size_t k = iset_hash(item, n) & (x->nisetslot - 1);
	while (x->iset[k].n)
		k = (k + 1) & (x->nisetslot - 1);
	memcpy(x->iset[k].item, item, n * sizeof *item);
	x->iset[k].n = n;
	x->iset[k].count = count;
	x->niset++;
}

static uint32_t iset_get(const struct sk_xsell *x, const uint32_t *item, uint32_t n)
{
	size_t k = iset_hash(item, n) & (x->nisetslot - 1);
	for (; x->iset[k].n; k = (k + 1) & (x->nisetslot - 1))
		if (x->iset[k].n == n && memcmp(x->iset[k].item, item, n * sizeof *item) == 0)
			return x->iset[k].count;
	/* Every subset of a frequent itemset is frequent and was stored. */
	sk_die(SK_EX_SOFTWARE, "internal error: antecedent itemset not found");
}

/* ---- rules ---- */

/* 1 when rule a ranks before rule b: higher lift, then confidence, then
 * count; ties by the antecedent's names, then the consequent's. */
static int better(const struct sk_xsell *x, const struct rule *a, const struct rule *b)
{
	if (a->lift != b->lift)
		return a->lift > b->lift;
	if (a->conf != b->conf)
		return a->conf > b->conf;
	if (a->count != b->count)
		return a->count > b->count;
	for (uint32_t i = 0; i < a->nante && i < b->nante; i++)
		if (a->ante[i] != b->ante[i])
			return x->namerank[a->ante[i]] < x->namerank[b->ante[i]];
	if (a->nante != b->nante)
		return a->nante < b->nante;
	return x->namerank[a->cons] < x->namerank[b->cons];
}

/* The heap keeps the worst kept rule at the root. */
static void heap_down(struct sk_xsell *x, size_t i)
{
	struct rule *h = x->rule;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		if (l < x->nrule && better(x, &h[w], &h[l]))
			w = l;
		if (r < x->nrule && better(x, &h[w], &h[r]))
			w = r;
		if (w == i)
			return;
		struct rule t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

static void heap_push(struct sk_xsell *x, const struct rule *r)
{
	if (x->nrule == x->xo.max_rules) {
		if (!better(x, r, &x->rule[0]))
			return;
		x->rule[0] = *r;
		heap_down(x, 0);
		return;
	}
	sk_grow((void **)&x->rule, &x->rulecap, x->nrule + 1, sizeof *x->rule);
	size_t i = x->nrule++;
	x->rule[i] = *r;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!better(x, &x->rule[up], &x->rule[i]))
			break;
		struct rule t = x->rule[up];
		x->rule[up] = x->rule[i];
		x->rule[i] = t;
		i = up;
	}
}

/* The rules X\{b} -> b of a frequent itemset X (ranks ascending). */
static void rules_of(struct sk_xsell *x, const uint32_t *set, uint32_t n, uint32_t count)
{
	double N = (double)x->nbasket;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ante[MAXLEN - 1], na = 0;
		for (uint32_t j = 0; j < n; j++)
			if (j != i)
				ante[na++] = set[j];
		uint32_t cons = x->flist[set[i]];
		uint32_t ca = na == 1 ? x->p[x->flist[ante[0]]].count : iset_get(x, ante, na);
		/* Agrawal et al. 1993: confidence n(X)/n(A); lift as Brin et
		 * al. 1997.  Counts are integers below 2^32, so both are
		 * correctly rounded quotients of exact numbers and equal
		 * ratios compare equal. */
		double conf = (double)count / ca;
		if (conf < x->xo.min_confidence)
			continue;
		struct rule r = { .nante = na, .cons = cons, .count = count, .ante_count = ca,
				  .cons_count = x->p[cons].count, .conf = conf };
		r.lift = (double)count * N / ((double)ca * r.cons_count);
		for (uint32_t j = 0; j < na; j++)
			r.ante[j] = x->flist[ante[j]];
		/* Antecedent products in name order, for display and ties. */
		for (uint32_t a = 1; a < na; a++)
			for (uint32_t b = a; b > 0 && x->namerank[r.ante[b - 1]] > x->namerank[r.ante[b]]; b--) {
				uint32_t t = r.ante[b];
				r.ante[b] = r.ante[b - 1];
				r.ante[b - 1] = t;
			}
		heap_push(x, &r);
	}
}

struct miner {
	struct sk_xsell *x;
	int maxlen;		/* mine itemsets up to this size */
	int store;		/* 1: keep sizes 2..maxlen; 0: rules from size maxlen */
	uint32_t suffix[MAXLEN];
	struct fptree tree[MAXLEN];	/* conditional trees by depth (1..) */
	struct seqs seq[MAXLEN];
	uint32_t *cnt[MAXLEN];		/* per rank: conditional counts */
	uint32_t *touched[MAXLEN];
};

static void emit(struct miner *m, int n, uint32_t count)
{
	if (n < 2 || (m->store ? n > m->maxlen : n != m->maxlen))
		return;
	uint32_t set[MAXLEN];
	memcpy(set, m->suffix, (size_t)n * sizeof *set);
	for (int a = 1; a < n; a++)
		for (int b = a; b > 0 && set[b - 1] > set[b]; b--) {
			uint32_t t = set[b];
			set[b] = set[b - 1];
			set[b - 1] = t;
		}
	if (m->store)
		iset_put(m->x, set, (uint32_t)n, count);
	else
		rules_of(m->x, set, (uint32_t)n, count);
}

/* Itemsets of tree t extended by the suffix of s items (Han, Pei & Yin
 * 2000, procedure FP-growth, bounded by maxlen).  Ranks deeper in a path
 * are larger, so the conditional tree of rank j holds ranks below j. */
static void mine(struct miner *m, struct fptree *t, int s)
{
	uint32_t minc = m->x->min_count;
	for (size_t pi = 0; pi < t->npresent; pi++) {
		uint32_t j = t->present[pi];
		if (t->total[j] < minc)
			continue;
		m->suffix[s] = j;
		emit(m, s + 1, t->total[j]);
		if (s + 1 >= m->maxlen)
			continue;
		/* The conditional pattern base of j: each of its nodes'
		 * prefix paths, weighted by the node's count. */
		uint32_t *cnt = m->cnt[s], *touched = m->touched[s];
		size_t nt = 0;
		for (uint32_t v = t->head[j]; v; v = t->link[v])
			for (uint32_t u = t->up[v]; u; u = t->up[u]) {
				uint32_t it = t->item[u];
				if (!cnt[it])
					touched[nt++] = it;
				cnt[it] += t->cnt[v];
			}
		if (s + 2 == m->maxlen) {
			/* The last level needs only the counts. */
			for (size_t i = 0; i < nt; i++)
				if (cnt[touched[i]] >= minc) {
					m->suffix[s + 1] = touched[i];
					emit(m, s + 2, cnt[touched[i]]);
				}
		} else {
			/* The conditional FP-tree: the paths cut to their
			 * items frequent together with j. */
			struct seqs *q = &m->seq[s + 1];
			q->n = q->nitem = 0;
			for (uint32_t v = t->head[j]; v; v = t->link[v]) {
				size_t a = q->nitem;
				for (uint32_t u = t->up[v]; u; u = t->up[u])
					if (cnt[t->item[u]] >= minc) {
						sk_grow((void **)&q->item, &q->itemcap, q->nitem + 1,
							sizeof *q->item);
						q->item[q->nitem++] = t->item[u];
					}
				if (q->nitem == a)
					continue;
				/* Walked leaf to root: reverse to root first. */
				for (size_t lo = a, hi = q->nitem - 1; lo < hi; lo++, hi--) {
					uint32_t tmp = q->item[lo];
					q->item[lo] = q->item[hi];
					q->item[hi] = tmp;
				}
				size_t c = q->cap;
				sk_grow((void **)&q->start, &c, q->n + 2, sizeof *q->start);
				sk_grow((void **)&q->weight, &q->cap, q->n + 2, sizeof *q->weight);
				q->start[q->n] = a;
				q->weight[q->n] = t->cnt[v];
				q->n++;
				q->start[q->n] = q->nitem;
			}
			if (q->n) {
				tree_build(&m->tree[s + 1], q);
				mine(m, &m->tree[s + 1], s + 1);
			}
		}
		for (size_t i = 0; i < nt; i++)
			cnt[touched[i]] = 0;
	}
}

static int cmp_flist(const void *a, const void *b, void *ctx)
{
	const struct sk_xsell *x = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	if (x->p[i].count != x->p[j].count)
		return x->p[i].count > x->p[j].count ? -1 : 1;
	return x->namerank[i] < x->namerank[j] ? -1 : x->namerank[i] > x->namerank[j];
}

static int cmp_rule(const void *a, const void *b, void *ctx)
{
	const struct rule *r = a, *s = b;
	if (better(ctx, r, s))
		return -1;
	return better(ctx, s, r);
}

void sk_xsell_mine(struct sk_xsell *x)
{
	x->mined = 1;
	size_t N = x->nbasket;
	if (N > UINT32_MAX)
		sk_die(SK_EX_DATA, "more than 4 billion baskets");
	/* An itemset is frequent in at least ceil(min_support * N) baskets,
	 * and never fewer than one; the small slack keeps a threshold such as
	 * 0.001 of 1000 baskets at 1 despite binary rounding. */
	double mc = ceil(x->xo.min_support * (double)N - 1e-9);
	x->min_count = mc < 1 ? 1 : (uint32_t)mc;
	if (N == 0)
		return;

	/* The F-list: frequent products by count, ties by name. */
	size_t np = x->prod.n;
	uint32_t *rank = sk_xmalloc((np ? np : 1) * sizeof *rank);
	x->flist = sk_xmalloc((np ? np : 1) * sizeof *x->flist);
	x->nf = 0;
	for (size_t i = 0; i < np; i++)
		if (x->p[i].count >= x->min_count)
			x->flist[x->nf++] = (uint32_t)i;
	qsort_r(x->flist, x->nf, sizeof *x->flist, cmp_flist, x);
	for (size_t i = 0; i < np; i++)
		rank[i] = NONE;
	for (uint32_t k = 0; k < x->nf; k++)
		rank[x->flist[k]] = k;

	/* Each basket as its frequent products in rank order. */
	struct seqs base = { 0 };
	base.item = sk_xmalloc((x->bstart[N] ? x->bstart[N] : 1) * sizeof *base.item);
	base.start = sk_xmalloc((N + 1) * sizeof *base.start);
	for (size_t b = 0; b < N; b++) {
		size_t a = base.nitem;
		for (size_t i = x->bstart[b]; i < x->bstart[b + 1]; i++)
			if (rank[x->bitem[i]] != NONE)
				base.item[base.nitem++] = rank[x->bitem[i]];
		if (base.nitem == a)
			continue;
		sort_unique(base.item + a, base.nitem - a);
		base.start[base.n++] = a;
		base.start[base.n] = base.nitem;
	}
	free(rank);

	struct miner m = { .x = x };
	for (int d = 0; d < MAXLEN; d++) {
		tree_alloc(&m.tree[d], x->nf);
		m.cnt[d] = sk_xcalloc(x->nf ? x->nf : 1, sizeof *m.cnt[d]);
		m.touched[d] = sk_xmalloc((x->nf ? x->nf : 1) * sizeof *m.touched[d]);
	}
	if (base.n)
		tree_build(&m.tree[0], &base);
	free(base.item);
	free(base.start);
	free(base.order);

	/* The antecedents first (itemsets up to one below --max-len), then
	 * the rules of every size. */
	int L = x->xo.max_len;
	if (L > 2 && base.n) {
		m.maxlen = L - 1;
		m.store = 1;
		mine(&m, &m.tree[0], 0);
		for (size_t i = 0; i < x->nisetslot; i++)
			if (x->iset[i].n)
				rules_of(x, x->iset[i].item, x->iset[i].n, x->iset[i].count);
	}
	if (base.n) {
		m.maxlen = L;
		m.store = 0;
		mine(&m, &m.tree[0], 0);
	}
	for (int d = 0; d < MAXLEN; d++) {
		tree_free(&m.tree[d]);
		free(m.cnt[d]);
		free(m.touched[d]);
		free(m.seq[d].item);
		free(m.seq[d].start);
		free(m.seq[d].weight);
		free(m.seq[d].order);
	}
	free(x->iset);
	x->iset = NULL;
	x->niset = x->nisetslot = 0;
	if (x->nrule > 1)
		qsort_r(x->rule, x->nrule, sizeof *x->rule, cmp_rule, x);
}

/* ------------------------------------------------------------------ */
/* output                                                             */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	sk_grow((void **)&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void buf_name(struct buf *b, const struct sk_xsell *x, uint32_t pid)
{
	size_t len;
	const char *s = st_str(&x->prod, pid, &len);
	buf_add(b, s, len);
}

/* "a + b" */
static void buf_ante(struct buf *b, const struct sk_xsell *x, const struct rule *r)
{
	for (uint32_t i = 0; i < r->nante; i++) {
		if (i)
			buf_add(b, " + ", 3);
		buf_name(b, x, r->ante[i]);
	}
}

void sk_xsell_write_rules(struct sk_xsell *x, struct sk_writer *w)
{
	static const char *const cols[] = { "antecedent", "consequent", "support",
					    "confidence", "lift", "count" };
	if (!x->mined)
		sk_xsell_mine(x);
	sk_writer_header(w, 6, cols);
	struct buf b = { 0 };
	for (size_t i = 0; i < x->nrule; i++) {
		const struct rule *r = &x->rule[i];
		b.len = 0;
		buf_ante(&b, x, r);
		sk_writer_field(w, b.s, b.len, SK_STR);
		size_t len;
		const char *s = st_str(&x->prod, r->cons, &len);
		sk_writer_field(w, s, len, SK_STR);
		sk_writer_num(w, (double)r->count / (double)x->nbasket, 6);
		sk_writer_num(w, r->conf, 6);
		sk_writer_num(w, r->lift, 6);
		sk_writer_int(w, r->count);
		sk_writer_endrow(w);
	}
	free(b.s);
}

/* Products of a category with a price, cheapest first; at one price the
 * most units sold first, then by name. */
static int cmp_step(const void *a, const void *b, void *ctx)
{
	const struct sk_xsell *x = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const struct product *p = &x->p[i], *q = &x->p[j];
	if (p->cat != q->cat)
		return p->cat < q->cat ? -1 : 1;
	if (p->price != q->price)
		return p->price < q->price ? -1 : 1;
	if (p->units != q->units)
		return p->units > q->units ? -1 : 1;
	return x->namerank[i] < x->namerank[j] ? -1 : x->namerank[i] > x->namerank[j];
}

struct cand {
	uint32_t cons;
	uint32_t rule;		/* index into x->rule */
	double score;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *p = a, *q = b;
	if (p->score != q->score)
		return p->score > q->score ? -1 : 1;
	return (p->rule > q->rule) - (p->rule < q->rule);
}

static int has(const uint32_t *set, size_t n, uint32_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && set[lo] == v;
}

void sk_xsell_write_customers(struct sk_xsell *x, struct sk_writer *w)
{
	if (!x->mined)
		sk_xsell_mine(x);
	int k = x->xo.k;
	int upsell = x->has_category && x->has_price;
	size_t np = x->prod.n, ncat = x->cat.n;

	/* Header. */
	size_t ncol = 2 + 2 * (size_t)k + (size_t)upsell;
	char **names = sk_xcalloc(ncol, sizeof *names);
	names[0] = sk_xstrdup(x->o->col_id);
	names[1] = sk_xstrdup("products_bought");
	for (int i = 0; i < k; i++) {
		char nm[32];
		snprintf(nm, sizeof nm, "xsell_%d", i + 1);
		names[2 + i] = sk_xstrdup(nm);
		snprintf(nm, sizeof nm, "xsell_rule_%d", i + 1);
		names[2 + k + i] = sk_xstrdup(nm);
	}
	if (upsell)
		names[ncol - 1] = sk_xstrdup("upsell");
	sk_writer_header(w, ncol, (const char *const *)names);

	/* Each rule under the first product of its antecedent, and its
	 * justification as text. */
	size_t *rstart = sk_xcalloc(np + 1, sizeof *rstart);
	uint32_t *ridx = sk_xmalloc((x->nrule ? x->nrule : 1) * sizeof *ridx);
	for (size_t i = 0; i < x->nrule; i++)
		rstart[x->rule[i].ante[0] + 1]++;
	for (size_t i = 0; i < np; i++)
		rstart[i + 1] += rstart[i];
	{
		size_t *fill = sk_xmalloc((np ? np : 1) * sizeof *fill);
		memcpy(fill, rstart, np * sizeof *fill);
		for (size_t i = 0; i < x->nrule; i++)
			ridx[fill[x->rule[i].ante[0]]++] = (uint32_t)i;
		free(fill);
	}
	struct buf text = { 0 };
	size_t *toff = sk_xmalloc((x->nrule + 1) * sizeof *toff);
	for (size_t i = 0; i < x->nrule; i++) {
		const struct rule *r = &x->rule[i];
		char num[64];
		toff[i] = text.len;
		buf_ante(&text, x, r);
		buf_add(&text, "\xe2\x86\x92", 3);	/* U+2192 RIGHTWARDS ARROW */
		buf_name(&text, x, r->cons);
		int n = snprintf(num, sizeof num, " conf %.2f lift %.2f", r->conf, r->lift);
		buf_add(&text, num, (size_t)n);
	}
	toff[x->nrule] = text.len;

	/* Up-sell ladders: per category, its priced products cheapest first. */
	size_t *cstep = sk_xcalloc(ncat + 1, sizeof *cstep);
	uint32_t *step = sk_xmalloc((np ? np : 1) * sizeof *step);
	size_t nstep = 0;
	uint32_t *catrank = sk_xmalloc((ncat ? ncat : 1) * sizeof *catrank);
	if (upsell) {
		for (size_t i = 0; i < np; i++)
			if (x->p[i].cat != NONE && x->p[i].price >= 0) {
				step[nstep++] = (uint32_t)i;
				cstep[x->p[i].cat + 1]++;
			}
		for (size_t c = 0; c < ncat; c++)
			cstep[c + 1] += cstep[c];
		qsort_r(step, nstep, sizeof *step, cmp_step, x);
		uint32_t *byname = sk_xmalloc((ncat ? ncat : 1) * sizeof *byname);
		for (size_t c = 0; c < ncat; c++)
			byname[c] = (uint32_t)c;
		qsort_r(byname, ncat, sizeof *byname, cmp_name, &x->cat);
		for (size_t c = 0; c < ncat; c++)
			catrank[byname[c]] = (uint32_t)c;
		free(byname);
	}

	uint32_t *best = sk_xmalloc((np ? np : 1) * sizeof *best);
	for (size_t i = 0; i < np; i++)
		best[i] = NONE;
	struct cand *cand = sk_xmalloc((np ? np : 1) * sizeof *cand);
	uint32_t *catn = sk_xcalloc(ncat ? ncat : 1, sizeof *catn);
	double *catmax = sk_xmalloc((ncat ? ncat : 1) * sizeof *catmax);
	uint32_t *cattouched = sk_xmalloc((ncat ? ncat : 1) * sizeof *cattouched);

	for (size_t c = 0; c < x->cust.n; c++) {
		const uint32_t *P = x->citem + x->cstart[c];
		size_t nP = x->cstart[c + 1] - x->cstart[c];
		size_t len;
		const char *id = st_str(&x->cust, (uint32_t)c, &len);
		sk_writer_field(w, id, len, SK_STR);
		sk_writer_int(w, (long long)nP);

		/* Cross-sell: the rules whose antecedent the customer has
		 * bought and whose consequent it has not; per consequent the
		 * best by confidence x lift (ties: the better rule).  A rule
		 * of lift 1 or less says the antecedent makes the consequent
		 * no likelier than in any basket: it justifies nothing. */
		size_t ncand = 0;
		for (size_t i = 0; i < nP; i++)
			for (size_t e = rstart[P[i]]; e < rstart[P[i] + 1]; e++) {
				uint32_t ri = ridx[e];
				const struct rule *r = &x->rule[ri];
				int ok = r->lift > 1 && !has(P, nP, r->cons);
				for (uint32_t a = 1; ok && a < r->nante; a++)
					ok = has(P, nP, r->ante[a]);
				if (!ok)
					continue;
				double score = r->conf * r->lift;
				uint32_t b = best[r->cons];
				if (b == NONE) {
					best[r->cons] = (uint32_t)ncand;
					cand[ncand++] = (struct cand){ r->cons, ri, score };
				} else if (score > cand[b].score ||
					   (score == cand[b].score && ri < cand[b].rule)) {
					cand[b].rule = ri;
					cand[b].score = score;
				}
			}
		for (size_t i = 0; i < ncand; i++)
			best[cand[i].cons] = NONE;
		qsort(cand, ncand, sizeof *cand, cmp_cand);
		for (int i = 0; i < k; i++) {
			if ((size_t)i < ncand) {
				const char *s = st_str(&x->prod, cand[i].cons, &len);
				sk_writer_field(w, s, len, SK_STR);
			} else
				sk_writer_null(w);
		}
		for (int i = 0; i < k; i++) {
			if ((size_t)i < ncand) {
				uint32_t ri = cand[i].rule;
				sk_writer_field(w, text.s + toff[ri], toff[ri + 1] - toff[ri], SK_STR);
			} else
				sk_writer_null(w);
		}

		/* Up-sell: in each category the customer bought priced
		 * products of, the cheapest product above the dearest one
		 * bought; from the category with most such products bought
		 * (ties by category name). */
		if (upsell) {
			size_t nct = 0;
			for (size_t i = 0; i < nP; i++) {
				const struct product *p = &x->p[P[i]];
				if (p->cat == NONE || p->price < 0)
					continue;
				if (!catn[p->cat]) {
					cattouched[nct++] = p->cat;
					catmax[p->cat] = p->price;
				} else if (p->price > catmax[p->cat])
					catmax[p->cat] = p->price;
				catn[p->cat]++;
			}
			uint32_t pick = NONE, pickcat = NONE;
			for (size_t i = 0; i < nct; i++) {
				uint32_t cat = cattouched[i];
				/* First product of the ladder priced above the max. */
				size_t lo = cstep[cat], hi = cstep[cat + 1];
				while (lo < hi) {
					size_t mid = lo + (hi - lo) / 2;
					if (x->p[step[mid]].price <= catmax[cat])
						lo = mid + 1;
					else
						hi = mid;
				}
				if (lo < cstep[cat + 1] &&
				    (pickcat == NONE || catn[cat] > catn[pickcat] ||
				     (catn[cat] == catn[pickcat] && catrank[cat] < catrank[pickcat]))) {
					pick = step[lo];
					pickcat = cat;
				}
			}
			for (size_t i = 0; i < nct; i++)
				catn[cattouched[i]] = 0;
			if (pick != NONE) {
				const char *s = st_str(&x->prod, pick, &len);
				sk_writer_field(w, s, len, SK_STR);
			} else
				sk_writer_null(w);
		}
		sk_writer_endrow(w);
	}

	for (size_t i = 0; i < ncol; i++)
		free(names[i]);
	free(names);
	free(rstart);
	free(ridx);
	free(text.s);
	free(toff);
	free(cstep);
	free(step);
	free(catrank);
	free(best);
	free(cand);
	free(catn);
	free(catmax);
	free(cattouched);
}

void sk_xsell_free(struct sk_xsell *x)
{
	if (!x)
		return;
	st_free(&x->cust);
	st_free(&x->prod);
	st_free(&x->cat);
	st_free(&x->bkey);
	free(x->p);
	free(x->bcust);
	sk_big_free(x->log, x->logcap * sizeof *x->log);
	free(x->bstart);
	free(x->bitem);
	free(x->cstart);
	free(x->citem);
	free(x->namerank);
	free(x->flist);
	free(x->iset);
	free(x->rule);
	free(x);
}
