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
 * The rules are mined by fpgrowth.c; the suggestions are written here. */
#include "xsell.h"
#include "record/group.h"
#include "record/hash.h"
#include "xsellint.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/date.h"
#include "record/num.h"
#include "record/util.h"


/* ------------------------------------------------------------------ */
/* interned byte strings                                              */



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
	sk_reader_check_cols(r, o, SK_COL_ID | SK_COL_DATE);
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
	struct sk_datecol datecol = { 0 };
	while (sk_reader_next(r)) {
		size_t idlen, len;
		enum sk_ftype type;
		const char *id;
		long day;
		if (sk_reader_id_day(r, o, (size_t)cid, (size_t)cdate, &datecol, &id, &idlen, &day))
			continue;
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
		n = sk_sort_unique_u32(val + a, n);
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
