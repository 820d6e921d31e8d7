/* classify.c: the rules of classify(1).
 *
 * Time.  recency and T arrive in --unit with six decimals, so a whole
 * number of days can come back as 364.999997 or 365.000004.  Every
 * duration is converted to days and rounded to a hundredth of a day
 * before it meets a threshold or a tie, so that a customer exactly at a
 * threshold (365 days) is on the same side of it in every unit, and two
 * customers who bought on the same day tie on recency.
 *
 * Ranks.  The RFM quintiles and the top spenders are ranked among the
 * customers with a purchase.  Tied values share a rank, the lowest of the
 * group (competition ranking): score = floor(5 b / n) + 1 where b is the
 * number of buyers with a strictly worse value.  So equal customers always
 * get equal scores and the result does not depend on row order; the price
 * is that a value shared by many customers (60 % one-time buyers) leaves
 * some scores unused.  The keys are sorted with the radix sort of group.h: three
 * sorts of a million keys stay well under the time of reading the table.
 *
 * Cuts.  A score needs only the distribution of the key among buyers, so
 * one routine scores the sorted keys of the table against a distribution:
 * the table's own, or the merged cuts of every shard (--rfm-cuts), and a
 * table split by customer gets the scores of one run over the whole.
 *
 * The columns and the report are written by classout.c. */
#include "classify.h"
#include "rfmint.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "model/score.h"
#include "record/group.h"
#include "record/util.h"

/* ------------------------------------------------------------------ */
/* names                                                              */

static const char *const lifecycle_names[] = {
	"prospect", "first_time", "early_repeat", "core", "core_defector", "lapsed", NULL,
};
enum { LC_PROSPECT, LC_FIRST, LC_EARLY, LC_CORE, LC_DEFECTOR, LC_LAPSED };

static const char *const ladder_names[] = {
	"suspect", "prospect", "first_time", "repeat", "majority", "loyal", "advocate", NULL,
};
enum { LD_SUSPECT, LD_PROSPECT, LD_FIRST, LD_REPEAT, LD_MAJORITY, LD_LOYAL, LD_ADVOCATE };

static const char *const funnel_names[] = {
	"awareness", "interest", "consideration", "purchase", "retention", "advocacy", NULL,
};
enum { FN_AWARENESS, FN_INTEREST, FN_CONSIDERATION, FN_PURCHASE, FN_RETENTION,
       FN_ADVOCACY };

static const char *const phase_names[] = { "acquire", "enhance", "retain", NULL };
enum { PH_ACQUIRE, PH_ENHANCE, PH_RETAIN };

static const char *const scheme_names[] = { "lifecycle", "ladder", "funnel" };

/* The funnel stage each event list reaches (SK_FUNNEL_* order). */
static const int list_stage[SK_FUNNEL_NLIST] = {
	FN_AWARENESS, FN_INTEREST, FN_CONSIDERATION, FN_ADVOCACY,
};
static const char *const list_key[SK_FUNNEL_NLIST] = {
	"awareness", "interest", "consideration", "advocacy",
};

const char *const *sk_classify_stage_names(enum sk_scheme s)
{
	return s == SK_SCHEME_LADDER ? ladder_names :
	       s == SK_SCHEME_FUNNEL ? funnel_names : lifecycle_names;
}

const char *const *sk_classify_phase_names(void)
{
	return phase_names;
}

const char *sk_classify_scheme_name(enum sk_scheme s)
{
	return scheme_names[s];
}

int sk_classify_scheme(const char *name, enum sk_scheme *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, scheme_names[i]) == 0) {
			*s = (enum sk_scheme)i;
			return 0;
		}
	return -1;
}

/* ------------------------------------------------------------------ */
/* rules                                                              */

static void evlist_free(struct sk_evlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->name[i]);
	free(l->name);
	l->n = 0;
	l->name = NULL;
}

static void evlist_set(struct sk_evlist *l, const char *const *names, size_t n)
{
	evlist_free(l);
	l->n = n;
	l->name = sk_xcalloc(n, sizeof *l->name);
	for (size_t i = 0; i < n; i++)
		l->name[i] = sk_xstrdup(names[i]);
}

static int evlist_has(const struct sk_evlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return 1;
	return 0;
}

void sk_classify_rules_init(struct sk_classify_rules *r)
{
	static const char *const aware[] = { "impression", "signup", "subscribe" };
	static const char *const interest[] = { "visit", "click", "open" };
	static const char *const consider[] = { "inquiry", "cart", "quote", "trial" };
	static const char *const advocacy[] = { "referral", "review" };
	static const char *const passive[] = { "impression" };
	memset(r, 0, sizeof *r);
	r->scheme = SK_SCHEME_LIFECYCLE;
	r->core_orders = 4;
	r->overdue_factor = 2;
	r->lapse_days = 365;
	r->alive_threshold = 0.5;
	r->top_share = 0.2;
	r->discount_max = 0.5;
	r->loyal_days = 365;
	evlist_set(&r->funnel[SK_FUNNEL_AWARENESS], aware, 3);
	evlist_set(&r->funnel[SK_FUNNEL_INTEREST], interest, 3);
	evlist_set(&r->funnel[SK_FUNNEL_CONSIDERATION], consider, 4);
	evlist_set(&r->funnel[SK_FUNNEL_ADVOCACY], advocacy, 2);
	evlist_set(&r->passive, passive, 1);
}

void sk_classify_rules_free(struct sk_classify_rules *r)
{
	for (int k = 0; k < SK_FUNNEL_NLIST; k++)
		evlist_free(&r->funnel[k]);
	evlist_free(&r->passive);
	memset(r, 0, sizeof *r);
}

/* The thresholds a rules file may set: key, field, allowed range.  The
 * ranges are those of the command-line options. */
static const struct {
	const char *key;
	size_t off;
	double lo, hi;
} num_keys[] = {
	{ "core_orders", offsetof(struct sk_classify_rules, core_orders), 1, 1e9 },
	{ "overdue_factor", offsetof(struct sk_classify_rules, overdue_factor), 0, 1e9 },
	{ "lapse_days", offsetof(struct sk_classify_rules, lapse_days), 0, 1e9 },
	{ "alive_threshold", offsetof(struct sk_classify_rules, alive_threshold), 0, 1 },
	{ "top_share", offsetof(struct sk_classify_rules, top_share), 0, 1 },
	{ "discount_max", offsetof(struct sk_classify_rules, discount_max), 0, 1 },
	{ "loyal_days", offsetof(struct sk_classify_rules, loyal_days), 0, 1e9 },
};
#define NNUM (sizeof num_keys / sizeof num_keys[0])

static json_t *load_json(const char *path)
{
	json_error_t err;
	FILE *f = fopen(path, "r");
	if (!f)
		sk_die(SK_EX_NOINPUT, "%s: %s", path, strerror(errno));
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	if (!root)
		sk_die(SK_EX_DATA, "%s:%d: %s", path, err.line, err.text);
	return root;
}

/* A list of event names from a rules file. */
static void load_evlist(const char *path, const char *key, json_t *v, struct sk_evlist *l)
{
	if (!json_is_array(v))
		sk_die(SK_EX_DATA, "%s: key \"%s\": not an array of event names", path, key);
	size_t n = json_array_size(v);
	const char **names = sk_xcalloc(n, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    strlen(json_string_value(e)) != json_string_length(e))
			sk_die(SK_EX_DATA, "%s: key \"%s\": item %zu is not an event name",
			       path, key, i + 1);
		names[i] = json_string_value(e);
	}
	evlist_set(l, names, n);
	free(names);
}

static void load_funnel(const char *path, json_t *obj, struct sk_classify_rules *r)
{
	const char *key;
	json_t *v;
	char full[200];
	if (!json_is_object(obj))
		sk_die(SK_EX_DATA, "%s: key \"funnel\": not an object of stage: [events]", path);
	json_object_foreach(obj, key, v) {
		int k;
		snprintf(full, sizeof full, "funnel.%s", key);
		for (k = 0; k < SK_FUNNEL_NLIST; k++)
			if (strcmp(key, list_key[k]) == 0)
				break;
		if (k < SK_FUNNEL_NLIST) {
			load_evlist(path, full, v, &r->funnel[k]);
		} else if (strcmp(key, "purchase") == 0 || strcmp(key, "retention") == 0) {
			sk_die(SK_EX_DATA, "%s: key \"%s\": the %s stage is reached by "
			       "purchases, not events", path, full, key);
		} else {
			sk_die(SK_EX_DATA, "%s: unknown key \"%s\" (known: awareness, interest, "
			       "consideration, advocacy)", path, full);
		}
	}
}

double *sk_classify_threshold(struct sk_classify_rules *r, const char *key,
			      double *lo, double *hi)
{
	for (size_t k = 0; k < NNUM; k++)
		if (strcmp(key, num_keys[k].key) == 0) {
			*lo = num_keys[k].lo;
			*hi = num_keys[k].hi;
			return (double *)((char *)r + num_keys[k].off);
		}
	return NULL;
}

void sk_classify_rules_load(struct sk_classify_rules *r, const char *path)
{
	json_t *root = load_json(path);
	const char *key;
	json_t *v;
	if (!json_is_object(root))
		sk_die(SK_EX_DATA, "%s: not a JSON object of rules", path);
	json_object_foreach(root, key, v) {
		double lo, hi, *field = sk_classify_threshold(r, key, &lo, &hi);
		if (field) {
			double x = json_number_value(v);
			if (!json_is_number(v) || !(x >= lo && x <= hi))
				sk_die(SK_EX_DATA, "%s: key \"%s\": not a number from %g to %g",
				       path, key, lo, hi);
			*field = x;
		} else if (strcmp(key, "scheme") == 0) {
			if (!json_is_string(v) ||
			    sk_classify_scheme(json_string_value(v), &r->scheme) != 0)
				sk_die(SK_EX_DATA, "%s: key \"scheme\": not \"lifecycle\", "
				       "\"ladder\" or \"funnel\"", path);
		} else if (strcmp(key, "funnel") == 0) {
			load_funnel(path, v, r);
		} else if (strcmp(key, "passive_events") == 0) {
			load_evlist(path, key, v, &r->passive);
		} else {
			sk_die(SK_EX_DATA, "%s: unknown key \"%s\" (known: scheme, core_orders, "
			       "overdue_factor, lapse_days, alive_threshold, top_share, "
			       "discount_max, loyal_days, funnel, passive_events)", path, key);
		}
	}
	json_decref(root);
}

/* ------------------------------------------------------------------ */
/* RFM segment tables                                                 */

/* REFERENCE.md, "RFM segments": R, F, M ranges, first match wins. */
static const struct {
	const char *name;
	unsigned char r[2], f[2], m[2];
} default_segments[] = {
	{ "Champions", { 5, 5 }, { 5, 5 }, { 5, 5 } },
	{ "Potential Loyalist", { 3, 5 }, { 3, 5 }, { 2, 5 } },
	{ "Loyal Customers", { 2, 4 }, { 2, 4 }, { 2, 4 } },
	{ "Promising", { 3, 4 }, { 1, 3 }, { 3, 5 } },
	{ "New Customers", { 4, 5 }, { 1, 3 }, { 1, 5 } },
	{ "Can't Lose Them", { 1, 2 }, { 3, 4 }, { 4, 5 } },
	{ "At Risk", { 1, 2 }, { 2, 5 }, { 4, 5 } },
	{ "Need Attention", { 1, 3 }, { 3, 5 }, { 3, 5 } },
	{ "About To Sleep", { 2, 3 }, { 1, 3 }, { 1, 4 } },
	{ "Lost", { 1, 1 }, { 1, 5 }, { 1, 5 } },
};

void sk_classify_segments_init(struct sk_classify_segments *s)
{
	size_t n = sizeof default_segments / sizeof default_segments[0];
	s->n = n;
	s->seg = sk_xcalloc(n, sizeof *s->seg);
	for (size_t i = 0; i < n; i++) {
		s->seg[i].name = sk_xstrdup(default_segments[i].name);
		s->seg[i].lo[0] = default_segments[i].r[0];
		s->seg[i].hi[0] = default_segments[i].r[1];
		s->seg[i].lo[1] = default_segments[i].f[0];
		s->seg[i].hi[1] = default_segments[i].f[1];
		s->seg[i].lo[2] = default_segments[i].m[0];
		s->seg[i].hi[2] = default_segments[i].m[1];
	}
}

void sk_classify_segments_free(struct sk_classify_segments *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->seg[i].name);
	free(s->seg);
	s->n = 0;
	s->seg = NULL;
}

/* A score range: a whole number 1..5, or [lo, hi] with 1 <= lo <= hi <= 5. */
static void load_range(const char *path, size_t item, const char *key, json_t *v,
		       unsigned char *lo, unsigned char *hi)
{
	double a, b;
	if (json_is_number(v)) {
		a = b = json_number_value(v);
	} else if (json_is_array(v) && json_array_size(v) == 2 &&
		   json_is_number(json_array_get(v, 0)) && json_is_number(json_array_get(v, 1))) {
		a = json_number_value(json_array_get(v, 0));
		b = json_number_value(json_array_get(v, 1));
	} else {
		a = b = 0;
	}
	if (!(a >= 1 && b <= 5 && a <= b && a == floor(a) && b == floor(b)))
		sk_die(SK_EX_DATA, "%s: segment %zu: key \"%s\": not a score 1-5 or a range "
		       "[lo, hi] of scores", path, item, key);
	*lo = (unsigned char)a;
	*hi = (unsigned char)b;
}

void sk_classify_segments_load(struct sk_classify_segments *s, const char *path)
{
	static const char *const score_key[3] = { "r", "f", "m" };
	json_t *root = load_json(path);
	if (!json_is_array(root))
		sk_die(SK_EX_DATA, "%s: not a JSON array of segments "
		       "({\"segment\": NAME, \"r\": [LO, HI], \"f\": ..., \"m\": ...})", path);
	sk_classify_segments_free(s);
	s->n = json_array_size(root);
	s->seg = sk_xcalloc(s->n, sizeof *s->seg);
	for (size_t i = 0; i < s->n; i++) {
		json_t *o = json_array_get(root, i), *v;
		const char *key;
		struct sk_rfm_segment *g = &s->seg[i];
		if (!json_is_object(o))
			sk_die(SK_EX_DATA, "%s: segment %zu: not an object", path, i + 1);
		for (int k = 0; k < 3; k++) {
			g->lo[k] = 1;	/* a score not named matches any value */
			g->hi[k] = 5;
		}
		json_object_foreach(o, key, v) {
			int k;
			for (k = 0; k < 3; k++)
				if (strcmp(key, score_key[k]) == 0)
					break;
			if (k < 3) {
				load_range(path, i + 1, key, v, &g->lo[k], &g->hi[k]);
			} else if (strcmp(key, "segment") == 0) {
				if (!json_is_string(v) || json_string_length(v) == 0)
					sk_die(SK_EX_DATA, "%s: segment %zu: key \"segment\": not "
					       "a name", path, i + 1);
				g->name = sk_xstrdup(json_string_value(v));
			} else {
				sk_die(SK_EX_DATA, "%s: segment %zu: unknown key \"%s\" (known: "
				       "segment, r, f, m)", path, i + 1, key);
			}
		}
		if (!g->name)
			sk_die(SK_EX_DATA, "%s: segment %zu: no \"segment\" name", path, i + 1);
	}
	json_decref(root);
}

/* ------------------------------------------------------------------ */
/* the rules                                                          */

static double hundredths(double v)
{
	return round(v * 100) / 100;
}

/* Each n_EVENT column of the table and what its event means. */
struct evcol {
	long col;
	int funnel;		/* funnel stage reached, -1 none */
	int ladder;		/* 0 passive, 1 interest, 2 advocacy */
};

/* The columns the rules read; -1 when absent. */
struct cols {
	long x, tx, T, spend, disc, ref, refspend, alive;
	size_t nev;
	struct evcol *ev;
};

static void find_cols(const struct sk_table *t, const struct sk_classify_rules *r,
		      int need_spend, struct cols *c)
{
	c->x = sk_table_need_col(t, "frequency", NULL);
	c->tx = sk_table_need_col(t, "recency", NULL);
	c->T = sk_table_need_col(t, "T", NULL);
	c->spend = sk_table_col(t, "total_spend");
	c->disc = sk_table_col(t, "discount_share");
	c->ref = sk_table_col(t, "referrals");
	c->refspend = sk_table_col(t, "referred_spend");
	c->alive = sk_table_col(t, "p_alive");
	if (need_spend && c->spend < 0)
		sk_die(SK_EX_DATA, "missing column \"total_spend\": %s ranks customers by "
		       "spend; run summarize on a log with amounts",
		       r->scheme == SK_SCHEME_LADDER ? "the ladder scheme" : "--rfm");
	/* Events matter to the ladder and the funnel only. */
	c->nev = 0;
	c->ev = NULL;
	if (r->scheme == SK_SCHEME_LIFECYCLE)
		return;
	c->ev = sk_xcalloc(t->ncol, sizeof *c->ev);
	for (size_t j = 0; j < t->ncol; j++) {
		const char *name = t->col[j];
		if (strncmp(name, "n_", 2) != 0 || !name[2])
			continue;
		name += 2;
		struct evcol *e = &c->ev[c->nev++];
		e->col = (long)j;
		e->funnel = -1;
		/* A name in several lists reaches the furthest stage. */
		for (int k = 0; k < SK_FUNNEL_NLIST; k++)
			if (evlist_has(&r->funnel[k], name))
				e->funnel = list_stage[k];
		e->ladder = evlist_has(&r->funnel[SK_FUNNEL_ADVOCACY], name) ? 2 :
			    evlist_has(&r->passive, name) ? 0 : 1;
	}
}

/* A numeric field that may be absent or empty: def then. */
static double num_or(const struct sk_table *t, size_t i, long col, double def)
{
	int empty;
	if (col < 0)
		return def;
	double v = sk_table_num(t, i, col, &empty);
	return empty ? def : v;
}

/* What the rules know of one customer, from its row alone. */
struct facts {
	int buyer;		/* has a purchase: frequency, recency, T set */
	double x;		/* frequency (repeat purchases) */
	double T_days, rec_days, since;	/* since = days since the last purchase */
	int lapsed, overdue, core;
	double spend;
	int interest, advocacy;	/* interest and advocacy events (or referrals) */
	int reached;		/* furthest funnel stage of the events, -1 none */
};

static void read_facts(const struct sk_table *t, size_t i, const struct cols *c,
		       const struct sk_classify_rules *r, double unit_days, struct facts *f)
{
	int ex, et, eT;
	double x = sk_table_num(t, i, c->x, &ex);
	double tx = sk_table_num(t, i, c->tx, &et);
	double T = sk_table_num(t, i, c->T, &eT);
	memset(f, 0, sizeof *f);
	f->reached = -1;
	/* The checks every model applies (sk_rfm_check_row, custdata.c). */
	if (ex || et || eT) {
		if (!(ex && et && eT))
			sk_table_die(t, i, "frequency, recency and T must be all empty "
				     "(a prospect) or all set");
	} else {
		sk_rfm_check_row(t, i, x, tx, T, "T", 1);
		f->buyer = 1;
		f->x = x;
		f->T_days = hundredths(T * unit_days);
		f->rec_days = hundredths((tx > T ? T : tx) * unit_days);
		f->since = hundredths(f->T_days - f->rec_days);
		f->lapsed = f->since > r->lapse_days;
		/* The own mean gap between purchases is recency / frequency;
		 * compared multiplied out so a gap of 0 needs no division. */
		f->overdue = x > 0 && f->since * x > r->overdue_factor * f->rec_days;
		f->core = x + 1 >= r->core_orders;
		if (c->spend >= 0)
			f->spend = num_or(t, i, c->spend, 0);
	}
	if (r->scheme == SK_SCHEME_LIFECYCLE)
		return;
	/* An advocate brings customers who buy: with referred_spend known, a
	 * referral whose referee never spent does not make one. */
	f->advocacy = c->refspend >= 0 ? num_or(t, i, c->refspend, 0) > 0 :
		      num_or(t, i, c->ref, 0) > 0;
	for (size_t k = 0; k < c->nev; k++) {
		if (!(num_or(t, i, c->ev[k].col, 0) > 0))
			continue;
		if (c->ev[k].ladder == 2)
			f->advocacy = 1;
		else if (c->ev[k].ladder == 1)
			f->interest = 1;
		if (c->ev[k].funnel > f->reached)
			f->reached = c->ev[k].funnel;
	}
}

static int lifecycle_stage(const struct facts *f, double p_alive,
			   const struct sk_classify_rules *r)
{
	if (!f->buyer)
		return LC_PROSPECT;
	if (f->lapsed)
		return LC_LAPSED;
	if (f->x == 0)
		return LC_FIRST;	/* p_alive is 1 here under BG/NBD: not used */
	if (p_alive < r->alive_threshold)
		return f->core ? LC_DEFECTOR : LC_LAPSED;
	if (f->core)
		return f->overdue ? LC_DEFECTOR : LC_CORE;
	return LC_EARLY;
}

/* The ladder short of majority and loyal, which need the top spenders of
 * the whole table: a repeat buyer comes back as repeat. */
static int ladder_stage(const struct facts *f)
{
	if (f->advocacy)
		return LD_ADVOCATE;
	if (!f->buyer)
		return f->interest ? LD_PROSPECT : LD_SUSPECT;
	return f->x == 0 ? LD_FIRST : LD_REPEAT;
}

static int funnel_stage(const struct facts *f)
{
	if (f->advocacy)
		return FN_ADVOCACY;
	if (f->buyer)
		return f->x > 0 ? FN_RETENTION : FN_PURCHASE;
	/* Being in the data is the first step. */
	return f->reached > FN_AWARENESS ? f->reached : FN_AWARENESS;
}

/* acquire: no purchase or one; enhance: repeat buyers not yet core by
 * orders; retain: the rest (core, defectors, lapsed, majority, loyal and
 * buying advocates). */
static int phase_of(enum sk_scheme s, int stage, const struct facts *f)
{
	if (!f->buyer)
		return PH_ACQUIRE;
	switch (s) {
	case SK_SCHEME_LIFECYCLE:
		return stage == LC_FIRST ? PH_ACQUIRE : stage == LC_EARLY ? PH_ENHANCE :
		       PH_RETAIN;
	case SK_SCHEME_LADDER:
		return stage == LD_FIRST ? PH_ACQUIRE :
		       stage == LD_REPEAT && !f->core ? PH_ENHANCE : PH_RETAIN;
	default:
		return stage == FN_PURCHASE ? PH_ACQUIRE :
		       stage == FN_RETENTION && !f->core ? PH_ENHANCE : PH_RETAIN;
	}
}

/* Bits kept per row for the ladder's second step. */
enum { MAJ_CAND = 1, LOYAL_CAND = 2 };

void sk_classify_run(const struct sk_table *t, double unit_days,
		     const struct sk_classify_rules *rules,
		     const struct sk_classify_segments *segs,
		     const struct sk_classify_cuts *cuts, struct sk_classify_cuts **own,
		     struct sk_classify *c)
{
	size_t n = t->nrow;
	int ladder = rules->scheme == SK_SCHEME_LADDER;
	struct cols cl;
	memset(c, 0, sizeof *c);
	c->scheme = rules->scheme;
	c->n = n;
	c->segs = segs;
	c->stage = sk_xcalloc(n, 1);
	c->phase = sk_xcalloc(n, 1);
	find_cols(t, rules, ladder || segs, &cl);

	/* One pass over the rows, which are scattered over the table's
	 * memory: everything that depends on the row alone, and the keys of
	 * the whole-table ranks (spend; with RFM also days since the last
	 * purchase in hundredths and frequency), indexed by row.  The large
	 * scratch arrays are huge-page mappings: first-touch page faults
	 * cost more than the sorts. */
	double *spend = ladder || segs ? sk_big_alloc(n * sizeof *spend) : NULL;
	int64_t *since = segs ? sk_big_alloc(n * sizeof *since) : NULL;
	uint32_t *freq = segs ? sk_big_alloc(n * sizeof *freq) : NULL;
	unsigned char *buyer = sk_xcalloc(n ? n : 1, 1);
	unsigned char *cand = ladder ? sk_xcalloc(n ? n : 1, 1) : NULL;
	size_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		struct facts f;
		int stage;
		read_facts(t, i, &cl, rules, unit_days, &f);
		switch (rules->scheme) {
		case SK_SCHEME_LADDER:
			stage = ladder_stage(&f);
			if (stage == LD_REPEAT && num_or(t, i, cl.disc, 0) < rules->discount_max)
				cand[i] = MAJ_CAND | (f.T_days > rules->loyal_days && !f.overdue ?
						      LOYAL_CAND : 0);
			break;
		case SK_SCHEME_FUNNEL:
			stage = funnel_stage(&f);
			break;
		default:
			/* Without p_alive (absent or empty) nobody is below the
			 * threshold: 2 is above every probability. */
			stage = lifecycle_stage(&f, num_or(t, i, cl.alive, 2), rules);
			break;
		}
		c->stage[i] = (unsigned char)stage;
		c->phase[i] = (unsigned char)phase_of(rules->scheme, stage, &f);
		if (!f.buyer)
			continue;
		buyer[i] = 1;
		nb++;
		if (spend)
			spend[i] = f.spend;
		if (since) {
			since[i] = llround(f.since * 100);
			freq[i] = (uint32_t)f.x;
		}
	}

	if (!segs) {
		cuts = NULL;
		own = NULL;
	}
	if (cuts && nb > 0 && cuts->d[0].total == 0) {
		free(buyer);
		free(cand);
		free(cl.ev);
		sk_die(SK_EX_DATA, "%s: no customers with a purchase to score against",
		       cuts->path ? cuts->path : "--rfm-cuts");
	}

	/* Ranks among buyers. */
	struct sk_kv *kv = NULL;
	unsigned char *top = NULL;
	if (spend) {
		kv = sk_big_alloc(nb * sizeof *kv);
		top = sk_xcalloc(n ? n : 1, 1);
	}
	if (segs)
		c->score = sk_xcalloc(n ? n : 1, 3);
	struct sk_classify_cuts *mine = own ? sk_xcalloc(1, sizeof *mine) : NULL;
	if (spend) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (buyer[i])
				kv[m++] = (struct sk_kv){ sk_key_of_double(spend[i]), (uint32_t)i };
		/* With cuts, the ladder's top spenders are those of the
		 * merged distribution too. */
		sk_rfm_rank_scores(kv, nb, cuts ? &cuts->d[2] : NULL, mine ? &mine->d[2] : NULL,
			    c->score ? c->score + 2 : NULL, 3, rules->top_share, top);
	}
	if (ladder) {
		/* A spend of zero is never "top", even when most buyers tie at 0. */
		for (size_t i = 0; i < n; i++)
			if ((cand[i] & MAJ_CAND) && top[i] && spend[i] > 0) {
				c->stage[i] = cand[i] & LOYAL_CAND ? LD_LOYAL : LD_MAJORITY;
				c->phase[i] = PH_RETAIN;
			}
	}
	if (segs) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (buyer[i])	/* more days since is worse: reversed */
				kv[m++] = (struct sk_kv){ sk_key_of_int(-since[i]), (uint32_t)i };
		sk_rfm_rank_scores(kv, nb, cuts ? &cuts->d[0] : NULL, mine ? &mine->d[0] : NULL,
			    c->score, 3, 0, NULL);
		m = 0;
		for (size_t i = 0; i < n; i++)
			if (buyer[i])
				kv[m++] = (struct sk_kv){ sk_key_of_int(freq[i]), (uint32_t)i };
		sk_rfm_rank_scores(kv, nb, cuts ? &cuts->d[1] : NULL, mine ? &mine->d[1] : NULL,
			    c->score + 1, 3, 0, NULL);
		c->segment = sk_xmalloc((n ? n : 1) * sizeof *c->segment);
		for (size_t i = 0; i < n; i++) {
			const unsigned char *sc = c->score + 3 * i;
			size_t g;
			if (!buyer[i]) {
				c->segment[i] = -1;
				continue;
			}
			for (g = 0; g < segs->n; g++) {
				const struct sk_rfm_segment *s = &segs->seg[g];
				if (sc[0] >= s->lo[0] && sc[0] <= s->hi[0] &&
				    sc[1] >= s->lo[1] && sc[1] <= s->hi[1] &&
				    sc[2] >= s->lo[2] && sc[2] <= s->hi[2])
					break;
			}
			c->segment[i] = (int)g;
		}
	}
	if (own)
		*own = mine;
	sk_big_free(kv, nb * sizeof *kv);
	free(top);
	sk_big_free(spend, n * sizeof *spend);
	sk_big_free(since, n * sizeof *since);
	sk_big_free(freq, n * sizeof *freq);
	free(buyer);
	free(cand);
	free(cl.ev);
}

void sk_classify_free(struct sk_classify *c)
{
	free(c->stage);
	free(c->phase);
	free(c->score);
	free(c->segment);
	memset(c, 0, sizeof *c);
}
