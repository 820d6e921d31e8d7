/* summary.c: the one-pass aggregation behind summarize.
 *
 * Memory layout.  With a million customers the work is bound by memory
 * latency, so a customer is one 64-byte entry (one cache line) in an array
 * kept in order of first appearance, found through an open-addressing
 * table of 8-byte slots (32-bit hash tag + entry index).  Rows are handled
 * in batches: hash every id of the batch and prefetch its slot, then
 * resolve the slots and prefetch the entries, then update, so the cache
 * misses of a batch overlap instead of queueing.  With two cores the
 * reader parses chunks of rows while a second thread applies them (see
 * "the pipeline" below).
 *
 * Date order.  Most logs arrive sorted by date, and then a customer's
 * purchase days arrive in non-decreasing order: a row on the last purchase
 * day merges into that transaction, a later day starts a new one, and no
 * per-customer set of days is needed.  A row dated before the customer's
 * last purchase day marks that customer out of order; every purchase row
 * also leaves (customer, day) in a compact log, and at the end the distinct
 * days of the out-of-order customers only are counted from it.  Sums, the
 * first day and its spend are order-independent and kept exactly.  The
 * records are written by sumout.c. */
#include "summary.h"
#include "record/group.h"
#include "record/hash.h"
#include "record/idtab.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "record/date.h"
#include "record/num.h"
#include "record/util.h"

#include "summaryint.h"

struct sk_summary *sk_summary_new(const struct sk_opts *o)
{
	struct sk_summary *s = sk_xcalloc(1, sizeof *s);
	s->o = o;
	sk_idtab_init(&s->tab);
	s->min_day = LONG_MAX;
	s->max_day = LONG_MIN;
	return s;
}

size_t sk_summary_count(const struct sk_summary *s)
{
	return s->n;
}

static uint32_t insert(struct sk_summary *s, const char *id, size_t len, uint64_t h,
		       size_t where)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1 << 14;
		s->c = sk_big_realloc(s->c, s->cap * sizeof *s->c, nc * sizeof *s->c);
		s->cap = nc;
	}
	struct cust *c = &s->c[s->n];
	memset(c, 0, sizeof *c);
	sk_idkey_set(&s->tab, &c->key, id, len);
	c->first = c->last = c->hold_last = NO_DAY;
	sk_idtab_added(&s->tab, s->c, sizeof *s->c, s->n, h, where);
	return (uint32_t)s->n++;
}

/* Find or add a customer. */
static uint32_t lookup(struct sk_summary *s, const char *id, size_t len, uint64_t h)
{
	size_t where;
	long i = sk_idtab_find(&s->tab, s->c, sizeof *s->c, id, len, h, &where);
	return i >= 0 ? (uint32_t)i : insert(s, id, len, h, where);
}

static struct ext *ext_of(struct sk_summary *s, struct cust *c)
{
	if (!c->ext) {
		sk_grow((void **)&s->ext, &s->extcap, s->next + 1, sizeof *s->ext);
		memset(&s->ext[s->next], 0, sizeof *s->ext);
		s->ext[s->next].order_day = NO_DAY;	/* no order seen yet */
		s->ext[s->next].risk_day = NO_DAY;
		c->ext = (uint32_t)++s->next;
	}
	return &s->ext[c->ext - 1];
}

static void count_event(struct sk_summary *s, struct cust *c, int ev)
{
	struct ext *e = ext_of(s, c);
	for (uint32_t k = e->ev; k; k = s->evc[k - 1].next)
		if (s->evc[k - 1].ev == ev) {
			s->evc[k - 1].count++;
			return;
		}
	sk_grow((void **)&s->evc, &s->evccap, s->nevc + 1, sizeof *s->evc);
	s->evc[s->nevc] = (struct evcount){ .next = e->ev, .ev = (uint16_t)ev, .count = 1 };
	e->ev = (uint32_t)++s->nevc;
}

/* The amount of log entry nlog for the backtest's spend: whole cents
 * while they do (most logs: half the memory of micro-units), else every
 * amount from here on in micro-units, the cents so far converted. */
static void log_amount(struct sk_summary *s, int64_t micro)
{
	int64_t cents = micro / 10000;
	if (!s->logmicro && (micro % 10000 || cents > INT32_MAX || cents < INT32_MIN)) {
		s->logmicro = sk_big_alloc(s->amtcap * sizeof *s->logmicro);
		for (size_t k = 0; k < s->nlog; k++)
			s->logmicro[k] = (int64_t)s->logcents[k] * 10000;
		sk_big_free(s->logcents, s->amtcap * sizeof *s->logcents);
		s->logcents = NULL;
	}
	if (s->logmicro)
		s->logmicro[s->nlog] = micro;
	else
		s->logcents[s->nlog] = (int32_t)cents;
}

static void log_day(struct sk_summary *s, uint32_t idx, int32_t day, int64_t micro)
{
	if (s->nlog == s->logcap) {
		size_t nc = s->logcap ? s->logcap * 2 : 1 << 16;
		s->log = sk_big_realloc(s->log, s->logcap * sizeof *s->log, nc * sizeof *s->log);
		if (s->log_amounts && s->logmicro)
			s->logmicro = sk_big_realloc(s->logmicro, s->amtcap * sizeof *s->logmicro,
						     nc * sizeof *s->logmicro);
		else if (s->log_amounts)
			s->logcents = sk_big_realloc(s->logcents, s->amtcap * sizeof *s->logcents,
						     nc * sizeof *s->logcents);
		s->amtcap = s->log_amounts ? nc : 0;
		s->logcap = nc;
	}
	if (s->log_amounts)
		log_amount(s, micro);
	s->log[s->nlog++] = (struct logent){ idx, day };
}

/* Apply one row to its customer.  The BTYD rules: same day = same
 * transaction; a row of the customer's last order belongs to that order's
 * day; refunds (negative amounts) are never transactions. */
static void apply(struct sk_summary *s, struct row *r)
{
	struct cust *c = &s->c[r->idx];
	const struct sk_opts *o = s->o;
	int holdout = o->has_as_of && r->day > o->as_of;

	if (!r->purchase) {
		if (holdout)
			return;
		count_event(s, c, r->ev);
		if (r->risk) {
			struct ext *e = ext_of(s, c);
			e->risk[r->risk - 1]++;
			if (e->risk_day == NO_DAY || r->day > e->risk_day)
				e->risk_day = r->day;
			if (o->backtest_days) {	/* counted as of the cut later */
				sk_grow((void **)&s->rlog, &s->rlogcap, s->nrlog + 1,
					sizeof *s->rlog);
				s->rlog[s->nrlog++] = (struct riskent){ r->idx, r->day, r->risk };
			}
		}
		return;
	}
	if (r->has_amount && r->amount < 0) {
		if (holdout) {
			c->hold_spend += r->micro;	/* holdout spend is net */
		} else {
			ext_of(s, c)->refunds += -r->micro;
			if (o->backtest_days) {	/* netted as of the cut later */
				sk_grow((void **)&s->flog, &s->flogcap, s->nflog + 1,
					sizeof *s->flog);
				s->flog[s->nflog++] = (struct refundent){ r->idx, r->day,
									  -r->micro };
			}
		}
		return;
	}
	int32_t day = r->day;
	if (r->has_order) {
		struct ext *e = ext_of(s, c);
		if (e->order_day != NO_DAY && e->order_tag == r->order_tag)
			day = e->order_day;	/* a later row of the same order */
		e->order_tag = r->order_tag;
		e->order_day = day;
		holdout = o->has_as_of && day > o->as_of;
	}
	int64_t a = r->has_amount ? r->micro : 0;
	log_day(s, r->idx, day, a);
	/* discount_share is over the calibration purchase rows, an empty
	 * discount counting as none: the share must not depend on whether an
	 * order_id column happens to exist, nor see the holdout period. */
	if (s->disc_col && !holdout) {
		struct ext *e = ext_of(s, c);
		e->purchase_rows++;
		if (r->has_discount && r->discount > 0)
			e->discount_rows++;
	}
	if (holdout) {
		c->hold_spend += a;
		if (day == c->hold_last)
			return;
		if (c->hold_last != NO_DAY && day < c->hold_last) {
			c->orders |= UNORDERED;
			s->any_unordered = 1;
		} else
			c->hold_last = day;
		c->hold_orders++;	/* recounted from the log when out of order */
		return;
	}
	c->spend += a;
	int64_t *units = NULL;
	if (r->qmicro) {	/* grown to every customer so far, zeros */
		if (r->idx >= s->unitscap) {
			size_t old = s->unitscap;
			sk_grow((void **)&s->first_units, &s->unitscap, s->cap, sizeof *s->first_units);
			memset(s->first_units + old, 0, (s->unitscap - old) * sizeof *s->first_units);
		}
		units = &s->first_units[r->idx];
	}
	if (c->first == NO_DAY) {
		c->first = c->last = day;
		c->first_spend = a;
		if (units)
			*units = r->qmicro;
		c->orders = (c->orders & UNORDERED) | 1;
		return;
	}
	if (day == c->last) {
		if (day == c->first) {
			c->first_spend += a;
			if (units)
				*units += r->qmicro;
		}
		return;
	}
	if (day > c->last) {
		c->last = day;
		c->orders++;
		return;
	}
	/* Earlier than the last purchase day: the log decides the count. */
	c->orders |= UNORDERED;
	s->any_unordered = 1;
	if (day < c->first) {
		c->first = day;
		c->first_spend = a;
		if (s->unitscap > r->idx)	/* the later day's units no longer count */
			s->first_units[r->idx] = r->qmicro;
	} else if (day == c->first) {
		c->first_spend += a;
		if (units)
			*units += r->qmicro;
	}
}

/* Referral credit for row r (its referee already applied): referrals
 * counts customers, not rows: a log may repeat referred_by on every row
 * of a referee, who credits the first referrer named in calibration.
 * The referrer goes in after the referee, in input order. */
static void credit_referral(struct sk_summary *s, const struct row *r, const char *ids)
{
	const struct sk_opts *o = s->o;
	const char *v = ids + r->refoff;
	uint32_t k = lookup(s, v, r->reflen, sk_hash_bytes(v, r->reflen));
	struct ext *ee = ext_of(s, &s->c[r->idx]);
	if (!(o->has_as_of && r->day > o->as_of) && !ee->referred) {
		ee->referred = 1;
		ee->referrer = k + 1;
		ext_of(s, &s->c[k])->referrals++;
	}
}

/* Apply rows[0..n) in order, BATCH at a time: the cache misses of a
 * batch overlap instead of queueing. */
static void apply_rows(struct sk_summary *s, struct row *rows, size_t n, const char *ids)
{
	for (size_t b0 = 0; b0 < n; b0 += BATCH) {
		size_t b1 = b0 + BATCH < n ? b0 + BATCH : n;
		/* Stage 1: prefetch every slot of the batch. */
		for (size_t i = b0; i < b1; i++) {
			struct row *r = &rows[i];
			r->hash = sk_hash_bytes(ids + r->idoff, r->idlen);
			__builtin_prefetch(sk_idtab_slot(&s->tab, r->hash));
		}
		/* Stage 2: resolve each slot's entry and prefetch it.  Only the
		 * first probe is speculative; lookup() does the real work. */
		for (size_t i = b0; i < b1; i++) {
			uint64_t v = *sk_idtab_slot(&s->tab, rows[i].hash);
			if (v)
				__builtin_prefetch(&s->c[(v & 0xffffffffu) - 1]);
		}
		/* Stage 3: look up (inserting new customers in input order) and
		 * apply. */
		for (size_t i = b0; i < b1; i++) {
			struct row *r = &rows[i];
			r->idx = lookup(s, ids + r->idoff, r->idlen, r->hash);
			apply(s, r);
			if (r->reflen)
				credit_referral(s, r, ids);
		}
	}
}

/* ---- the pipeline ----
 *
 * Parsing a row (splitting, dates, amounts) and applying it to its
 * customer (a hash probe and an entry, both cache misses with a million
 * customers) take about as long as each other, so with two cores the
 * reader fills chunks of rows while an aggregator thread applies them,
 * in order: the result is the same as one thread's.  Everything the
 * aggregator touches (the table, the entries, the log) is its own until
 * the reader joins it; the reader keeps the event names, the column
 * flags and the day range. */

static struct chunk *chunk_new(void)
{
	struct chunk *c = sk_xcalloc_lines(sizeof *c);
	c->idcap = 1 << 16;
	c->ids = sk_xmalloc(c->idcap);
	return c;
}

static void *aggregate(void *arg)
{
	struct sk_summary *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (s->ch_take == s->ch_fill && !s->ch_done)
			pthread_cond_wait(&s->filled, &s->mu);
		if (s->ch_take == s->ch_fill) {
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		struct chunk *c = s->ch[s->ch_take % NCHUNK];
		pthread_mutex_unlock(&s->mu);
		apply_rows(s, c->row, c->n, c->ids);
		pthread_mutex_lock(&s->mu);
		s->ch_take++;
		pthread_cond_signal(&s->emptied);
		pthread_mutex_unlock(&s->mu);
	}
}

/* The chunk the reader fills next (waiting for the aggregator to free
 * one when all are full). */
static struct chunk *chunk_to_fill(struct sk_summary *s)
{
	if (!s->threaded)
		return s->ch[0];
	pthread_mutex_lock(&s->mu);
	while (s->ch_fill - s->ch_take == NCHUNK)
		pthread_cond_wait(&s->emptied, &s->mu);
	pthread_mutex_unlock(&s->mu);
	struct chunk *c = s->ch[s->ch_fill % NCHUNK];
	c->n = c->idlen = 0;
	return c;
}

/* Hand the filled chunk over (or, on one thread, apply it now). */
static void chunk_filled(struct sk_summary *s, struct chunk *c)
{
	if (!s->threaded) {
		apply_rows(s, c->row, c->n, c->ids);
		c->n = c->idlen = 0;
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->ch_fill++;
	pthread_cond_signal(&s->filled);
	pthread_mutex_unlock(&s->mu);
}

/* Two threads when OpenMP may use two cores (OMP_NUM_THREADS). */
static void pipeline_start(struct sk_summary *s)
{
	int cores = 1;
#ifdef _OPENMP
	cores = omp_get_max_threads();
#endif
	s->ch_fill = s->ch_take = 0;
	s->ch_done = 0;
	s->threaded = 0;
	s->ch[0] = chunk_new();
	if (cores < 2)
		return;
	for (int k = 1; k < NCHUNK; k++)
		s->ch[k] = chunk_new();
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->filled, NULL);
	pthread_cond_init(&s->emptied, NULL);
	s->threaded = pthread_create(&s->agg, NULL, aggregate, s) == 0;
}

/* Wait for the aggregator to apply every chunk, and free them. */
static void pipeline_end(struct sk_summary *s)
{
	if (s->threaded) {
		pthread_mutex_lock(&s->mu);
		s->ch_done = 1;
		pthread_cond_signal(&s->filled);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->agg, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->filled);
		pthread_cond_destroy(&s->emptied);
		s->threaded = 0;
	}
	for (int k = 0; k < NCHUNK; k++) {
		if (s->ch[k]) {
			free(s->ch[k]->ids);
			free(s->ch[k]);
			s->ch[k] = NULL;
		}
	}
}

/* Copy id bytes into the chunk's id buffer; their offset. */
static uint32_t chunk_id(struct chunk *c, const char *id, size_t len)
{
	if (c->idlen + len > c->idcap)
		sk_grow((void **)&c->ids, &c->idcap, c->idlen + len, 1);
	memcpy(c->ids + c->idlen, id, len);
	uint32_t off = (uint32_t)c->idlen;
	c->idlen += len;
	return off;
}

static int event_index(struct sk_summary *s, struct sk_reader *rd, const char *name)
{
	for (int i = 0; i < s->nev; i++)
		if (strcmp(s->evname[i], name) == 0)
			return i;
	if (s->nev == MAXEV) {
		sk_reader_bad(rd, "more than %d distinct event types", MAXEV);
		return -1;
	}
	s->evname[s->nev] = sk_xstrdup(name);
	return s->nev++;
}

static uint32_t tag32(const char *p, size_t n)
{
	uint64_t h = sk_hash_bytes(p, n);
	return (uint32_t)(h ^ (h >> 32));
}

/* A review row: RISK_NEGREVIEW in *risk when its rating is 2 or less; 1
 * when the rating is not a number (the row is bad). */
static int review_negative(struct sk_summary *s, struct sk_reader *r, size_t col, int *risk)
{
	size_t len;
	enum sk_ftype type;
	double v;
	const char *f = sk_reader_field(r, col, &len, &type);
	if (!len || type == SK_NULL)
		return 0;
	if (type == SK_RAW ? sk_num_parse(f, len, &v) : sk_num_read(s->o, f, len, &v)) {
		char qb[320];
		sk_reader_bad(r, "column \"rating\": cannot parse %s as a number%s",
			      sk_quoted(qb, f, len), sk_num_why(s->o, f, len));
		return 1;
	}
	if (v <= 2)
		*risk = RISK_NEGREVIEW;
	return 0;
}

void sk_summary_read(struct sk_summary *s, struct sk_reader *r)
{
	const struct sk_opts *o = s->o;
	int jsonl = sk_reader_format(r) == SK_FMT_JSONL;
	long cid = sk_reader_col(r, o->col_id);
	long cdate = sk_reader_col(r, o->col_date);
	if (!jsonl && sk_reader_ncol(r) == 0)
		return;	/* empty input */
	sk_reader_check_cols(r, o, SK_COL_ID | SK_COL_DATE);
	if (cid < 0)
		sk_reader_die_missing(r, "customer id", o->col_id);
	if (cdate < 0)
		sk_reader_die_missing(r, "date", o->col_date);
	/* For JSON lines every name is registered; presence is decided by the
	 * first record that has a value (see below). */
	long camt = sk_reader_col(r, o->col_amount);
	long cord = sk_reader_col(r, o->col_order);
	long cev = sk_reader_col(r, o->col_event);
	long cdisc = sk_reader_col(r, "discount");
	s->disc_col = cdisc >= 0;
	/* The backtest's spend needs the amounts (JSON lines: the name
	 * registered, whether or not a record has one). */
	s->log_amounts = o->backtest_days && camt >= 0;
	long cref = sk_reader_col(r, "referred_by");
	long crating = sk_reader_col(r, "rating");
	/* Units bought (a line-item export's quantity): first_quantity. */
	long cqty = sk_reader_col(r, "quantity");
	if (!jsonl) {
		s->has_qty = cqty >= 0;
		s->has_amount = camt >= 0;
		s->has_discount = cdisc >= 0;
		s->has_referred = cref >= 0;
		s->has_event = cev >= 0;
	}

	pipeline_start(s);
	struct chunk *c = chunk_to_fill(s);
	struct sk_datecol datecol = { 0 };
	while (sk_reader_next(r)) {
		size_t idlen, len;
		enum sk_ftype type;
		const char *id;
		long day;
		if (sk_reader_id_day(r, o, (size_t)cid, (size_t)cdate, &datecol, &id, &idlen, &day))
			continue;
		struct row *b = &c->row[c->n];
		memset(b, 0, sizeof *b);
		b->day = (int32_t)day;
		b->purchase = 1;
		if (cev >= 0) {
			const char *ev = sk_reader_field(r, (size_t)cev, &len, NULL);
			if (len) {
				s->has_event = 1;
				if (strcmp(ev, "purchase") != 0) {
					b->purchase = 0;
					if ((b->ev = event_index(s, r, ev)) < 0)
						continue;
					if (!strcmp(ev, "complaint"))
						b->risk = RISK_COMPLAINT;
					else if (!strcmp(ev, "return"))
						b->risk = RISK_RETURN;
					else if (!strcmp(ev, "negative_review"))
						b->risk = RISK_NEGREVIEW;
					else if (!strcmp(ev, "review") && crating >= 0 &&
						 review_negative(s, r, (size_t)crating, &b->risk))
						continue;
					s->has_risk |= b->risk != RISK_NONE;
				}
			}
		}
		if (camt >= 0) {
			int got = sk_reader_amount(r, (size_t)camt, o->col_amount, &b->amount,
						   &b->micro);
			if (got < 0)
				continue;
			if (got) {
				s->has_amount = 1;
				b->has_amount = 1;
			} else if (b->purchase && s->has_amount && !jsonl) {
				/* A database NULL (an empty field, NULL or \N): the
				 * purchase's value is unknown, so it is an error
				 * unless the user said what it means. */
				if (o->null_amount == SK_NULL_AMOUNT_ZERO) {
					s->null_zero++;
				} else if (o->null_amount == SK_NULL_AMOUNT_SKIP) {
					s->null_skipped++;
					continue;
				} else {
					size_t alen;
					sk_reader_field(r, (size_t)camt, &alen, NULL);
					sk_reader_bad(r, "column \"%s\": %s amount for a purchase (a "
						      "database NULL? --null-amount skip or zero)",
						      o->col_amount, alen ? "NULL" : "empty");
					continue;
				}
			}
		}
		if (cdisc >= 0) {
			const char *v = sk_reader_field(r, (size_t)cdisc, &len, &type);
			if (len && type != SK_NULL) {
				s->has_discount = 1;
				if (strcmp(v, "true") == 0)
					b->discount = 1;
				else if (strcmp(v, "false") == 0)
					b->discount = 0;
				else if (type == SK_RAW ? sk_num_parse(v, len, &b->discount)
							: sk_num_read(o, v, len, &b->discount)) {
					char qb[320];
					sk_reader_bad(r, "column \"discount\": cannot parse %s "
						      "as a number%s", sk_quoted(qb, v, len),
						      sk_num_why(o, v, len));
					continue;
				}
				b->has_discount = 1;
			}
		}
		if (cqty >= 0) {
			double q;
			int64_t qm;
			int got = sk_reader_amount(r, (size_t)cqty, "quantity", &q, &qm);
			if (got < 0)
				continue;
			if (got) {
				s->has_qty = 1;
				/* A negative quantity on a purchase row (a stock
				 * correction at price 0) buys nothing. */
				b->qmicro = qm > 0 ? qm : 0;
			}
		}
		if (cord >= 0) {
			const char *v = sk_reader_field(r, (size_t)cord, &len, NULL);
			if (len) {
				b->has_order = 1;
				b->order_tag = tag32(v, len);
			}
		}
		if (o->has_until && day > o->until)
			continue;
		if (day < s->min_day)
			s->min_day = day;
		if (day > s->max_day)
			s->max_day = day;
		s->any_rows = 1;
		b->idoff = chunk_id(c, id, idlen);
		b->idlen = (uint32_t)idlen;
		if (cref >= 0) {
			const char *v = sk_reader_field(r, (size_t)cref, &len, NULL);
			if (len) {
				s->has_referred = 1;
				b->refoff = chunk_id(c, v, len);
				b->reflen = (uint32_t)len;
			}
		}
		if (++c->n == CHUNK_ROWS) {
			chunk_filled(s, c);
			c = chunk_to_fill(s);
		}
	}
	if (c->n)
		chunk_filled(s, c);
	pipeline_end(s);
	/* What --null-amount did is said, never silent. */
	if (s->null_zero)
		sk_warn("%lu purchase%s with a NULL amount counted as 0 (--null-amount zero)",
			s->null_zero, s->null_zero == 1 ? "" : "s");
	if (s->null_skipped)
		sk_warn("%lu purchase%s with a NULL amount skipped (--null-amount skip)",
			s->null_skipped, s->null_skipped == 1 ? "" : "s");
}

void sk_summary_free(struct sk_summary *s)
{
	if (!s)
		return;
	sk_big_free(s->c, s->cap * sizeof *s->c);
	sk_idtab_free(&s->tab);
	free(s->ext);
	free(s->evc);
	for (int i = 0; i < s->nev; i++)
		free(s->evname[i]);
	sk_big_free(s->log, s->logcap * sizeof *s->log);
	sk_big_free(s->logcents, s->logcents ? s->amtcap * sizeof *s->logcents : 0);
	sk_big_free(s->logmicro, s->logmicro ? s->amtcap * sizeof *s->logmicro : 0);
	free(s->flog);
	free(s->bt_spend);
	free(s->bt_refunds);
	free(s->refspend);
	free(s->bt_last);
	free(s->bt_orders);
	free(s->bt_after);
	free(s->rlog);
	free(s->bt_risk);
	free(s->bt_risk_day);
	free(s->litt);
	free(s->bt_litt);
	free(s->first_units);
	free(s);
}
