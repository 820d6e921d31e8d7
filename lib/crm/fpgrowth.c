/* fpgrowth.c: frequent itemsets and association rules for xsell.
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
#include "xsellint.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/group.h"
#include "record/util.h"

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
	/* The number of frequent itemsets grows as C(products, length): 300
	 * products in every basket and --max-len 5 are 2e10 of them, and
	 * the antecedents kept reached 19 GB.  Counting them bounds both
	 * the memory (at most max_itemsets antecedents) and the time. */
	if (n >= 2 && ++m->x->nvisited > m->x->xo.max_itemsets)
		sk_die(SK_EX_DATA, "more than %zu frequent itemsets (--max-itemsets): raise "
		       "--min-support (now %g) or lower --max-len (now %d)",
		       m->x->xo.max_itemsets, m->x->xo.min_support, m->x->xo.max_len);
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
		sk_sort_unique_u32(base.item + a, base.nitem - a);
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

