/* cohort.c: retention by acquisition cohort from a transaction log or a
 * survival table, and its shifted-beta-geometric projection.
 *
 * Memory.  A transaction log is read in one pass.  A customer is a 32-byte
 * entry (id, first purchase period, 64-bit set of active period offsets)
 * found through an open-addressing table of 8-byte slots, as in
 * summary.c; rows are resolved in batches with prefetching so the cache
 * misses of a batch overlap.  Every purchase or refund row also leaves
 * (customer, period, amount) in a 16-byte log: the first purchase may
 * arrive after later ones (the log need not be sorted), and a cohort's
 * revenue per period is only known once every customer's first period is,
 * so revenue is summed from the log at the end.  The log also recounts the
 * active periods of the few customers whose purchases span more than 64
 * periods (weekly cohorts over years) without a bitset per customer.  For
 * 1M customers and 5M rows that is about 32 + 16 + 80 MB.
 *
 * The sBG model (Fader & Hardie 2007) is a model of contract survival:
 * alive[k] = customers still under contract at the start of period k, a
 * non-increasing curve.  A survival table gives that curve directly.  From
 * a transaction log, activity is not survival: a customer who skips a
 * month may come back, so active[k] can rise.  The curve fitted is the
 * running minimum of active[0..k]: the largest non-increasing curve below
 * the observed one.  It keeps the observed counts wherever they already
 * decline, and treats a rise as noise rather than resurrection.  (The
 * alternative, "last purchase in period >= k", is non-increasing too but
 * is biased low near the end of the data, where customers who are alive
 * have simply not bought again yet.)
 *
 * The table, the report and the model file are written by cohout.c. */
#include "cohort.h"
#include "record/hash.h"
#include "record/idtab.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/date.h"
#include "record/num.h"
#include "model/sbg.h"
#include "record/util.h"

/* ------------------------------------------------------------------ */
/* calendar periods                                                   */

static const char *const period_names[] = { "month", "week", "quarter" };

int sk_period_parse(const char *name, enum sk_period *p)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, period_names[i]) == 0) {
			*p = (enum sk_period)i;
			return 0;
		}
	return -1;
}

const char *sk_period_name(enum sk_period p)
{
	return period_names[p];
}

static long floor_div(long a, long b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

long sk_period_of(enum sk_period p, long day)
{
	long y;
	int m, d;
	if (p == SK_PERIOD_WEEK)
		return floor_div(day + 3, 7);	/* 1970-01-01 was a Thursday */
	sk_civil_from_days(day, &y, &m, &d);
	return p == SK_PERIOD_MONTH ? y * 12 + (m - 1) : y * 4 + (m - 1) / 3;
}

long sk_period_start(enum sk_period p, long period)
{
	switch (p) {
	case SK_PERIOD_WEEK:
		return period * 7 - 3;
	case SK_PERIOD_MONTH: {
		long y = floor_div(period, 12);
		return sk_days_from_civil(y, (int)(period - y * 12) + 1, 1);
	}
	default: {
		long y = floor_div(period, 4);
		return sk_days_from_civil(y, (int)(period - y * 4) * 3 + 1, 1);
	}
	}
}

void sk_period_label(enum sk_period p, long period, char buf[32])
{
	long start = sk_period_start(p, period), y;
	int m, d;
	if (p == SK_PERIOD_WEEK) {
		/* ISO 8601: a week belongs to the year that holds its Thursday,
		 * and week 1 is the week with the year's first Thursday. */
		long thursday = start + 3;
		sk_civil_from_days(thursday, &y, &m, &d);
		long week = (thursday - sk_days_from_civil(y, 1, 1)) / 7 + 1;
		snprintf(buf, 32, "%04d-W%02d", (int)y, (int)week);
		return;
	}
	sk_civil_from_days(start, &y, &m, &d);
	if (p == SK_PERIOD_MONTH)
		snprintf(buf, 32, "%04d-%02d", (int)y, m);
	else
		snprintf(buf, 32, "%04d-Q%d", (int)y, (m - 1) / 3 + 1);
}

/* ------------------------------------------------------------------ */
/* columns                                                            */

static struct sk_cohort *cohort_add(struct sk_cohorts *cs, size_t *cap, const char *label,
				    int nper)
{
	sk_grow((void **)&cs->c, cap, cs->n + 1, sizeof *cs->c);
	struct sk_cohort *c = &cs->c[cs->n++];
	memset(c, 0, sizeof *c);
	c->label = sk_xstrdup(label);
	c->nper = c->nfit = nper;
	c->active = sk_xcalloc((size_t)(nper ? nper : 1), sizeof *c->active);
	c->revenue = sk_xcalloc((size_t)(nper ? nper : 1), sizeof *c->revenue);
	return c;
}

/* ------------------------------------------------------------------ */
/* transaction logs                                                   */

#define BATCH 32
#define NO_PERIOD INT32_MIN

struct cust {			/* 32 bytes: two to a cache line */
	struct sk_idkey key;
	int32_t first;			/* acquisition period, NO_PERIOD before a purchase */
	uint32_t wide;			/* 1: active offsets beyond 63, recount from the log */
	uint64_t bits;			/* bit k: bought in period first + k */
};
_Static_assert(sizeof(struct cust) == 32, "a customer is 32 bytes");

struct logent {
	uint32_t idx;
	int32_t period;
	int64_t micro;			/* amount in micro-units (SK_MICRO); < 0: a refund;
					 * 0 when the log has no amounts */
};

struct txrow {
	uint64_t hash;
	uint32_t idoff, idlen;
	int32_t period;
	int64_t micro;
};

struct tx {
	struct cust *c;			/* in order of first appearance */
	size_t n, cap;
	struct sk_idtab tab;		/* finds them by id */
	struct logent *log;
	size_t nlog, logcap;
	struct txrow b[BATCH];
	size_t nb;
	char *bid;
	size_t bidlen, bidcap;
};

static uint32_t insert(struct tx *t, const char *id, size_t len, uint64_t h, size_t where)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 1 << 14;
		t->c = sk_big_realloc(t->c, t->cap * sizeof *t->c, nc * sizeof *t->c);
		t->cap = nc;
	}
	struct cust *c = &t->c[t->n];
	memset(c, 0, sizeof *c);
	sk_idkey_set(&t->tab, &c->key, id, len);
	c->first = NO_PERIOD;
	sk_idtab_added(&t->tab, t->c, sizeof *t->c, t->n, h, where);
	return (uint32_t)t->n++;
}

/* Find or add a customer. */
static uint32_t lookup(struct tx *t, const char *id, size_t len, uint64_t h)
{
	size_t where;
	long i = sk_idtab_find(&t->tab, t->c, sizeof *t->c, id, len, h, &where);
	return i >= 0 ? (uint32_t)i : insert(t, id, len, h, where);
}

/* One purchase or refund row for customer idx.  A purchase sets the bit of
 * its period; one dated before the customer's first period moves the
 * first period back and shifts the set, which must then still fit in 64
 * periods or the customer is recounted from the log. */
static void apply(struct tx *t, uint32_t idx, const struct txrow *r)
{
	if (t->nlog == t->logcap) {
		size_t nc = t->logcap ? t->logcap * 2 : 1 << 16;
		t->log = sk_big_realloc(t->log, t->logcap * sizeof *t->log, nc * sizeof *t->log);
		t->logcap = nc;
	}
	t->log[t->nlog++] = (struct logent){ idx, r->period, r->micro };
	if (r->micro < 0)
		return;		/* a refund is not activity */
	struct cust *c = &t->c[idx];
	int32_t p = r->period;
	if (c->first == NO_PERIOD) {
		c->first = p;
		c->bits = 1;
	} else if (p >= c->first) {
		int64_t k = (int64_t)p - c->first;
		if (k < 64)
			c->bits |= 1ull << k;
		else
			c->wide = 1;
	} else {
		int64_t d = (int64_t)c->first - p;
		if (!c->wide && d < 64 && (c->bits >> (64 - d)) == 0)
			c->bits = c->bits << d | 1;
		else
			c->wide = 1;
		c->first = p;
	}
}

static void flush(struct tx *t)
{
	size_t n = t->nb;
	/* Prefetch every slot of the batch, then every entry those slots
	 * point to, then do the lookups: the misses overlap. */
	for (size_t i = 0; i < n; i++) {
		struct txrow *r = &t->b[i];
		r->hash = sk_hash_bytes(t->bid + r->idoff, r->idlen);
		__builtin_prefetch(sk_idtab_slot(&t->tab, r->hash));
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t v = *sk_idtab_slot(&t->tab, t->b[i].hash);
		if (v)
			__builtin_prefetch(&t->c[(v & 0xffffffffu) - 1]);
	}
	for (size_t i = 0; i < n; i++) {
		struct txrow *r = &t->b[i];
		apply(t, lookup(t, t->bid + r->idoff, r->idlen, r->hash), r);
	}
	t->nb = 0;
	t->bidlen = 0;
}

static int cmp_log(const void *a, const void *b)
{
	const struct logent *x = a, *y = b;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return (x->period > y->period) - (x->period < y->period);
}

/* Build the cohorts from the customers and the log.  last = the last
 * period shown; end_day = the last day observed (the data's latest date
 * or --as-of), which decides whether that period is complete. */
static void tx_aggregate(struct sk_cohorts *cs, struct tx *t, enum sk_period per,
			 long last, long end_day, int has_amount)
{
	/* A customer whose refunds cover all its purchases has no purchase
	 * left and is in no cohort, as summarize leaves it without one
	 * (siklus.7: spend is net of refunds).  Sums in micro-units, as
	 * summarize's. */
	if (has_amount) {
		int64_t *net = sk_xcalloc(t->n ? t->n : 1, sizeof *net);
		unsigned char *refunded = sk_xcalloc(t->n ? t->n : 1, 1);
		for (size_t i = 0; i < t->nlog; i++) {
			net[t->log[i].idx] += t->log[i].micro;
			refunded[t->log[i].idx] |= t->log[i].micro < 0;
		}
		for (size_t i = 0; i < t->n; i++)
			if (refunded[i] && net[i] <= 0)
				t->c[i].first = NO_PERIOD;
		free(net);
		free(refunded);
	}
	long lo = LONG_MAX, hi = LONG_MIN;
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].first != NO_PERIOD) {
			if (t->c[i].first < lo)
				lo = t->c[i].first;
			if (t->c[i].first > hi)
				hi = t->c[i].first;
		}
	if (lo > hi)
		return;		/* nobody bought */
	/* Cohorts are the distinct first periods, in calendar order. */
	size_t span = (size_t)(hi - lo + 1), cap = 0;
	long *at = sk_xmalloc(span * sizeof *at);
	for (size_t k = 0; k < span; k++)
		at[k] = -1;
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].first != NO_PERIOD)
			at[t->c[i].first - lo] = 0;
	int incomplete = sk_period_start(per, last + 1) > end_day + 1;
	for (size_t k = 0; k < span; k++) {
		if (at[k] < 0)
			continue;
		char label[32];
		sk_period_label(per, lo + (long)k, label);
		at[k] = (long)cs->n;
		struct sk_cohort *c = cohort_add(cs, &cap, label, (int)(last - (lo + (long)k) + 1));
		c->nfit = c->nper - incomplete;
		if (!has_amount)
			for (int j = 0; j < c->nper; j++)
				c->revenue[j] = NAN;
		else
			c->revenue_micro = sk_xcalloc((size_t)(c->nper ? c->nper : 1),
						      sizeof *c->revenue_micro);
	}

	/* Cohort sizes and activity from the bitsets. */
	for (size_t i = 0; i < t->n; i++) {
		const struct cust *u = &t->c[i];
		if (u->first == NO_PERIOD)
			continue;
		struct sk_cohort *c = &cs->c[at[u->first - lo]];
		c->customers++;
		if (u->wide)
			continue;
		for (uint64_t b = u->bits; b; b &= b - 1)
			c->active[__builtin_ctzll(b)]++;
	}

	/* Revenue, net of refunds, in the period of each row; a refund dated
	 * before the customer's first purchase (or by a customer who never
	 * bought) belongs to no cohort period and is left out. */
	if (has_amount) {
		for (size_t i = 0; i < t->nlog; i++) {
			if (i + 16 < t->nlog)
				__builtin_prefetch(&t->c[t->log[i + 16].idx]);
			const struct logent *e = &t->log[i];
			int32_t first = t->c[e->idx].first;
			if (first == NO_PERIOD || e->period < first)
				continue;
			struct sk_cohort *c = &cs->c[at[first - lo]];
			int64_t *sum = &c->revenue_micro[e->period - first];
			if (__builtin_add_overflow(*sum, e->micro, sum))
				sk_die(SK_EX_DATA, "cohort %s, period %d: revenue is too large to "
				       "sum exactly", c->label, e->period - first);
		}
		for (size_t k = 0; k < cs->n; k++)
			for (int j = 0; j < cs->c[k].nper; j++)
				cs->c[k].revenue[j] = (double)cs->c[k].revenue_micro[j] / SK_MICRO;
	}

	/* Customers whose active periods did not fit in 64 bits: count their
	 * distinct purchase periods from the log. */
	size_t m = 0;
	for (size_t i = 0; i < t->nlog; i++)
		if (t->c[t->log[i].idx].wide && t->c[t->log[i].idx].first != NO_PERIOD &&
		    t->log[i].micro >= 0)
			t->log[m++] = t->log[i];
	qsort(t->log, m, sizeof *t->log, cmp_log);
	for (size_t i = 0; i < m; i++) {
		if (i > 0 && t->log[i].idx == t->log[i - 1].idx &&
		    t->log[i].period == t->log[i - 1].period)
			continue;
		int32_t first = t->c[t->log[i].idx].first;
		cs->c[at[first - lo]].active[t->log[i].period - first]++;
	}
	free(at);
}

static void tx_free(struct tx *t)
{
	sk_big_free(t->c, t->cap * sizeof *t->c);
	sk_idtab_free(&t->tab);
	sk_big_free(t->log, t->logcap * sizeof *t->log);
	free(t->bid);
}

static void tx_read(struct sk_cohorts *cs, const struct sk_opts *o, struct sk_reader *r,
		    enum sk_period per, int pending)
{
	int jsonl = sk_reader_format(r) == SK_FMT_JSONL;
	sk_reader_check_cols(r, o, SK_COL_ID | SK_COL_DATE);
	if (sk_reader_has_col(r, o->col_id) < 0)
		sk_reader_die_missing(r, "customer id", o->col_id);
	if (sk_reader_has_col(r, o->col_date) < 0)
		sk_reader_die_missing(r, "date", o->col_date);
	long cid = sk_reader_col(r, o->col_id);
	long cdate = sk_reader_col(r, o->col_date);
	long camt = sk_reader_col(r, o->col_amount);
	long cev = sk_reader_col(r, o->col_event);
	/* JSON lines: the log has amounts once a record carries one. */
	int has_amount = !jsonl && camt >= 0;

	struct tx t = { 0 };
	sk_idtab_init(&t.tab);
	long max_day = LONG_MIN;
	struct sk_datecol datecol = { 0 };
	for (int got = pending || sk_reader_next(r); got; got = sk_reader_next(r)) {
		size_t idlen, len;
		const char *id;
		long day;
		if (sk_reader_id_day(r, o, (size_t)cid, (size_t)cdate, &datecol, &id, &idlen, &day))
			continue;
		if (o->has_as_of && day > o->as_of)
			continue;	/* after the observation: not seen */
		if (day > max_day)
			max_day = day;
		if (cev >= 0) {
			/* Visits, signups and other events are not purchases:
			 * a cohort is made of buyers.  Their dates still count
			 * toward the end of the data. */
			const char *ev = sk_reader_field(r, (size_t)cev, &len, NULL);
			if (len && strcmp(ev, "purchase") != 0)
				continue;
		}
		double amount;
		int64_t micro = 0;
		if (camt >= 0) {
			int got = sk_reader_amount(r, (size_t)camt, o->col_amount, &amount, &micro);
			if (got < 0)
				continue;
			if (got) {
				has_amount = 1;
			} else if (has_amount && !jsonl) {
				sk_reader_bad(r, "column \"%s\": empty amount for a purchase",
					      o->col_amount);
				continue;
			}
		}
		struct txrow *b = &t.b[t.nb];
		b->period = (int32_t)sk_period_of(per, day);
		b->micro = micro;
		if (t.bidlen + idlen > t.bidcap)
			sk_grow((void **)&t.bid, &t.bidcap, t.bidlen + idlen, 1);
		memcpy(t.bid + t.bidlen, id, idlen);
		b->idoff = (uint32_t)t.bidlen;
		b->idlen = (uint32_t)idlen;
		t.bidlen += idlen;
		if (++t.nb == BATCH)
			flush(&t);
	}
	flush(&t);
	if (o->has_as_of)
		max_day = o->as_of;
	if (max_day != LONG_MIN)
		tx_aggregate(cs, &t, per, sk_period_of(per, max_day), max_day, has_amount);
	tx_free(&t);
}

/* ------------------------------------------------------------------ */
/* survival tables                                                    */

struct pending {		/* a cohort of a survival table being read */
	char *file;
	unsigned long line;		/* its first row */
	int n;				/* periods 0..n-1 have a slot */
	size_t cap;
	double *active, *revenue;
	unsigned char *seen;
	double customers;		/* from the customers column; 0 = none */
};

static int read_num(struct sk_reader *r, long col, const char *name, double *v, int *empty)
{
	size_t len;
	enum sk_ftype type;
	const char *s = sk_reader_field(r, (size_t)col, &len, &type);
	*empty = len == 0 || type == SK_NULL;
	if (*empty)
		return 0;
	if (sk_reader_num(r, (size_t)col, v, NULL) || *v < 0) {
		sk_reader_bad(r, "column \"%s\": \"%s\" is not a non-negative number", name, s);
		return -1;
	}
	return 0;
}

static void table_read(struct sk_cohorts *cs, struct sk_reader *r, int pending)
{
	long ccoh = sk_reader_col(r, "cohort"), cper = sk_reader_col(r, "period");
	long cact = sk_reader_col(r, "active");
	long ccust = sk_reader_has_col(r, "customers"), crev = sk_reader_has_col(r, "revenue");
	long cproj = sk_reader_has_col(r, "projected");
	struct pending *pd = NULL;
	char **labels = NULL;
	size_t n = 0, cap = 0, lcap = 0, cur = 0;

	for (int got = pending || sk_reader_next(r); got; got = sk_reader_next(r)) {
		size_t len;
		enum sk_ftype type;
		if (cproj >= 0) {
			/* Rows cohort --project added are not data. */
			const char *p = sk_reader_field(r, (size_t)cproj, &len, NULL);
			if (strcmp(p, "1") == 0 || strcmp(p, "true") == 0)
				continue;
		}
		const char *label = sk_reader_field(r, (size_t)ccoh, &len, &type);
		if (len == 0 || type == SK_NULL) {
			sk_reader_bad(r, "column \"cohort\": empty cohort");
			continue;
		}
		const char *ps = sk_reader_field(r, (size_t)cper, &len, NULL);
		double pv;
		if (sk_reader_num(r, (size_t)cper, &pv, NULL) || pv < 0 || pv > 100000 ||
		    pv != floor(pv)) {
			sk_reader_bad(r, "column \"period\": \"%s\" is not a period number "
				      "(0, 1, 2, ...)", ps);
			continue;
		}
		int k = (int)pv;
		double active, customers = 0, revenue = NAN, v;
		int empty;
		if (read_num(r, cact, "active", &active, &empty))
			continue;
		if (empty) {
			sk_reader_bad(r, "column \"active\": empty count");
			continue;
		}
		if (ccust >= 0) {
			if (read_num(r, ccust, "customers", &customers, &empty))
				continue;
			if (!empty && customers <= 0) {
				sk_reader_bad(r, "column \"customers\": a cohort needs customers");
				continue;
			}
		}
		if (crev >= 0) {
			const char *s = sk_reader_field(r, (size_t)crev, &len, &type);
			if (len && type != SK_NULL) {
				const char *why;
				if (sk_reader_num(r, (size_t)crev, &v, &why)) {
					sk_reader_bad(r, "column \"revenue\": cannot parse \"%s\" "
						      "as a number%s", s, why);
					continue;
				}
				revenue = v;
			}
		}
		/* Rows of a cohort usually come together: try the last one
		 * first. */
		if (!(n > 0 && strcmp(labels[cur], label) == 0)) {
			for (cur = 0; cur < n; cur++)
				if (strcmp(labels[cur], label) == 0)
					break;
			if (cur == n) {
				sk_grow((void **)&pd, &cap, n + 1, sizeof *pd);
				sk_grow((void **)&labels, &lcap, n + 1, sizeof *labels);
				memset(&pd[n], 0, sizeof pd[n]);
				pd[n].file = sk_xstrdup(sk_reader_file(r));
				pd[n].line = sk_reader_line(r);
				labels[n++] = sk_xstrdup(label);
			}
		}
		struct pending *c = &pd[cur];
		if (k >= c->n) {
			size_t old = c->cap;
			if ((size_t)k + 1 > c->cap) {
				size_t nc = c->cap ? c->cap : 16;
				while (nc < (size_t)k + 1)
					nc *= 2;
				c->active = sk_xrealloc(c->active, nc * sizeof *c->active);
				c->revenue = sk_xrealloc(c->revenue, nc * sizeof *c->revenue);
				c->seen = sk_xrealloc(c->seen, nc);
				memset(c->seen + old, 0, nc - old);
				c->cap = nc;
			}
			c->n = k + 1;
		}
		if (c->seen[k]) {
			sk_reader_bad(r, "cohort \"%s\": period %d given twice", label, k);
			continue;
		}
		if (customers > 0 && c->customers > 0 && customers != c->customers) {
			sk_reader_bad(r, "cohort \"%s\": customers %g, but %g on an earlier row",
				      label, customers, c->customers);
			continue;
		}
		if (customers > 0)
			c->customers = customers;
		c->seen[k] = 1;
		c->active[k] = active;
		c->revenue[k] = revenue;
	}

	size_t ccap = 0;
	for (size_t i = 0; i < n; i++) {
		struct pending *p = &pd[i];
		for (int k = 0; k < p->n; k++)
			if (!p->seen[k])
				sk_die(SK_EX_DATA, "%s:%lu: cohort \"%s\": no row for period %d",
				       p->file, p->line, labels[i], k);
		struct sk_cohort *c = cohort_add(cs, &ccap, labels[i], p->n);
		memcpy(c->active, p->active, (size_t)p->n * sizeof *c->active);
		memcpy(c->revenue, p->revenue, (size_t)p->n * sizeof *c->revenue);
		c->customers = p->customers > 0 ? p->customers : p->active[0];
		if (!(c->customers > 0))
			sk_die(SK_EX_DATA, "%s:%lu: cohort \"%s\": no customers in period 0 "
			       "and no customers column", p->file, p->line, labels[i]);
		free(p->file);
		free(p->active);
		free(p->revenue);
		free(p->seen);
		free(labels[i]);
	}
	free(pd);
	free(labels);
}

struct sk_cohorts *sk_cohort_read(const struct sk_opts *o, enum sk_period per)
{
	struct sk_cohorts *cs = sk_xcalloc(1, sizeof *cs);
	cs->unit = sk_period_name(per);
	struct sk_reader *r = sk_reader_open(o);
	cs->fmt = sk_reader_format(r);
	/* JSON lines carry their keys in each record: the first one tells
	 * what kind of input this is (and stays pending).  A CSV or TSV
	 * header does, before any row is read. */
	int jsonl = cs->fmt == SK_FMT_JSONL;
	int pending = jsonl && sk_reader_next(r);
	if ((pending || !jsonl) && sk_reader_ncol(r) > 0) {
		if (sk_reader_has_col(r, "cohort") >= 0 && sk_reader_has_col(r, "period") >= 0 &&
		    sk_reader_has_col(r, "active") >= 0 && sk_reader_has_col(r, o->col_date) < 0) {
			cs->survival = 1;
			cs->unit = "period";
			table_read(cs, r, pending);
		} else
			tx_read(cs, o, r, per, pending);
	}
	sk_reader_close(r);
	return cs;
}

/* ------------------------------------------------------------------ */
/* sBG                                                                */

void sk_cohort_fit(struct sk_cohorts *cs)
{
	size_t nfitted = 0;
	for (size_t i = 0; i < cs->n; i++) {
		struct sk_cohort *c = &cs->c[i];
		int n = c->nfit;
		double *alive = sk_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *alive);
		/* A table's counts are survivors already; activity becomes a
		 * survival curve through its running minimum (see the top of
		 * this file). */
		for (int k = 0; k < n; k++)
			alive[k] = cs->survival || k == 0 ? c->active[k] :
				fmin(alive[k - 1], c->active[k]);
		if (n < 3)
			sk_warn("cohort \"%s\": not projected: %d complete period%s after "
				"acquisition; the model needs two", c->label, n > 0 ? n - 1 : 0,
				n == 2 ? "" : "s");
		else if (alive[n - 1] == alive[0])
			sk_warn("cohort \"%s\": not projected: nobody was lost in %d periods",
				c->label, n - 1);
		else {
			char err[400];
			if (sk_sbg_fit(alive, n, &c->fit, err, sizeof err) != 0) {
				free(alive);
				sk_die(SK_EX_DATA, "cohort \"%s\": cannot project: %s", c->label, err);
			}
			c->fitted = 1;
			nfitted++;
		}
		free(alive);
	}
	if (nfitted == 0)
		sk_die(SK_EX_DATA, "no cohort to project: %s", cs->survival ?
		       "each needs rows for periods 0 to 2 or more and a lost customer" :
		       "each needs two complete periods after acquisition; try a shorter "
		       "--period or more data");
}

void sk_cohort_free(struct sk_cohorts *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->c[i].label);
		free(cs->c[i].active);
		free(cs->c[i].revenue);
		free(cs->c[i].revenue_micro);
	}
	free(cs->c);
	free(cs);
}
