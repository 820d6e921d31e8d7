/* summaryint.h: what the summary's files share privately: the customer
 * entry, the row log and the state of one pass (summary.c reads,
 * recount.c finishes the pass, sumout.c writes, customers.c reads
 * customer records or a log for the other programs). */
#ifndef SK_SUMMARYINT_H
#define SK_SUMMARYINT_H

#include <pthread.h>
#include <stdint.h>

#include "summary.h"
#include "record/idtab.h"

#define BATCH 32
/* Money is summed in integers of 1e-6 currency units: exact, so totals
 * and means do not depend on the order of the rows (a log split into
 * shards, or sorted differently, gives byte-identical customers). */
#define MICRO SK_MICRO
#define MAXEV 256
#define UNORDERED 0x80000000u
#define NO_DAY INT32_MIN

struct cust {			/* 64 bytes: one cache line */
	struct sk_idkey key;
	int32_t first, last;		/* calibration purchase days, NO_DAY if none */
	int32_t hold_last;		/* last holdout purchase day */
	uint32_t orders;		/* calibration transactions | UNORDERED */
	uint32_t hold_orders;		/* holdout transactions */
	uint32_t ext;			/* 1 + index into s->ext, 0 = none */
	int64_t spend, first_spend, hold_spend;	/* in micro-units (see MICRO) */
};

struct ext {			/* what most customers never need */
	int64_t refunds;		/* micro-units */
	uint32_t order_tag;		/* hash of the last order id */
	int32_t order_day;		/* day that order was dated */
	uint32_t purchase_rows, discount_rows, referrals;
	uint32_t ev;			/* 1 + head of event-count list */
	int referred;			/* this customer already credited a referrer */
	uint32_t referrer;		/* 1 + index of the customer credited, 0 none */
	uint32_t risk[3];		/* complaints, returns, negative reviews */
	int32_t risk_day;		/* day of the last of them, NO_DAY none */
};

/* Risk signals (issue 19): events named complaint and return, and
 * negative reviews: an event named negative_review, or a review whose
 * rating column is 2 or less (on the usual 1-5 scale, 1-2 stars are the
 * complaints of review sites). */
enum { RISK_NONE, RISK_COMPLAINT, RISK_RETURN, RISK_NEGREVIEW };

struct evcount {
	uint32_t next;		/* 1 + index, 0 = end */
	uint16_t ev;
	uint32_t count;
};

struct logent {
	uint32_t idx;
	int32_t day;
};

/* A risk event kept for the backtest (--backtest): whose, when, which
 * (RISK_*); the cut is known only after the pass. */
struct riskent {
	uint32_t idx;
	int32_t day;
	int kind;
};

/* A calibration refund kept for the backtest: whose, when, how much
 * (micro-units, positive). */
struct refundent {
	uint32_t idx;
	int32_t day;
	int64_t micro;
};

struct row {			/* one parsed input row waiting in a batch */
	uint64_t hash;
	uint32_t idoff, idlen;	/* into the batch id buffer */
	int32_t day;
	int purchase;		/* 1 purchase, 0 other event */
	int ev;			/* event index for non-purchases */
	int risk;		/* RISK_*, for non-purchases */
	int has_amount;
	double amount;
	int64_t micro;		/* amount in micro-units */
	int64_t qmicro;		/* quantity in micro-units, 0 when none or negative */
	int has_discount;
	double discount;
	uint32_t order_tag;
	int has_order;
	uint32_t idx;
	uint32_t refoff, reflen;	/* referred_by, in the id buffer; reflen 0: none */
};

/* A chunk of parsed rows on its way from the reader to the table. */
#define CHUNK_ROWS 4096
#define NCHUNK 4

struct chunk {
	struct row row[CHUNK_ROWS];
	size_t n;
	char *ids;		/* the rows' customer ids and referrers */
	size_t idlen, idcap;
};

struct sk_summary {
	const struct sk_opts *o;
	struct cust *c;		/* in order of first appearance */
	size_t n, cap;
	struct sk_idtab tab;	/* finds them by id */
	struct ext *ext;
	size_t next, extcap;
	struct evcount *evc;
	size_t nevc, evccap;
	char *evname[MAXEV];
	int nev;
	struct logent *log;
	size_t nlog, logcap;
	/* With --backtest, each log entry's amount (0 without one), for the
	 * spend as of the cut, freed once the cut's spend is summed: in
	 * whole cents (4 bytes a purchase row) while every amount so far is
	 * whole cents within 2^31, else in micro-units (8 bytes) from the
	 * first that is not on (summary.c, log_amount). */
	int log_amounts;	/* --backtest and the input has amounts */
	int32_t *logcents;
	int64_t *logmicro;
	size_t amtcap;
	int any_unordered;
	long min_day, max_day;	/* over all rows read */
	int any_rows;
	/* columns present */
	int has_amount, has_discount, has_referred, has_event, has_risk;
	int64_t *refspend;	/* referred_spend per customer, made at the end */
	int disc_col;		/* the input has a discount column */
	unsigned long null_zero, null_skipped;	/* --null-amount zero / skip */
	/* the pipeline: the reader fills chunks, the aggregator empties them */
	struct chunk *ch[NCHUNK];
	size_t ch_fill, ch_take;	/* chunks handed over / taken, counting up */
	int ch_done;			/* the reader is at the end */
	int threaded;
	pthread_t agg;
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	/* the backtest columns (o->backtest_days): the customer as of the
	 * cut, from the log of purchase days */
	long bt_cut;
	int32_t *bt_last;
	uint32_t *bt_orders, *bt_after;
	/* the risk signals as of the cut, from the log of risk events:
	 * counts by kind and the day of the last, NO_DAY none */
	struct riskent *rlog;
	size_t nrlog, rlogcap;
	uint32_t (*bt_risk)[3];
	int32_t *bt_risk_day;
	/* the spend as of the cut: purchases (gross) and refunds up to it,
	 * micro-units, from the log's amounts and the refunds kept */
	struct refundent *flog;
	size_t nflog, flogcap;
	int64_t *bt_spend, *bt_refunds;
	/* The log has a quantity column: each customer's units on the
	 * first purchase day (calibration), in micro-units, kept like
	 * first_spend (the earliest day wins, whatever the row order). */
	int has_qty;
	int64_t *first_units;
	size_t unitscap;
	/* o->litt: each customer's sum of ln(days between distinct purchase
	 * days) up to the end of observation, and up to the backtest cut */
	double *litt, *bt_litt;
};

static inline const char *cust_id(const struct sk_summary *s, const struct cust *c, size_t *len)
{
	return sk_idkey_get(&s->tab, &c->key, len);
}

/* After the pass (recount.c): the distinct days of out-of-order customers,
 * each customer's referees' net spend, the backtest cut; and whether a
 * customer's refunds left no purchase. */
void sk_summary_recount(struct sk_summary *s);
void sk_summary_referred_spend(struct sk_summary *s);
void sk_summary_backtest(struct sk_summary *s);
void sk_summary_litt(struct sk_summary *s);	/* litt.c */
int sk_summary_refunded_away(const struct sk_summary *s, const struct cust *c);

#endif
