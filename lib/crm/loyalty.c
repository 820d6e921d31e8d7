/* loyalty.c: loyalty tiers and their changes between runs.
 *
 * Frequency and club programmes (Kumar & Reinartz, Customer Relationship
 * Management, ch. 12 on loyalty programmes) reward customers by how much
 * and how often they buy: a tier has a minimum net spend (total_spend -
 * refunds) and a minimum number of orders, and a customer is in the
 * highest tier whose minimums it meets both.  The movement against the
 * last run's tiers is what a programme manager acts on. */
#include "loyalty.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/emit.h"
#include "record/hash.h"
#include "record/idtab.h"
#include "record/num.h"
#include "record/util.h"

static void add(struct sk_tiers *t, const char *name, size_t len, double spend, double orders)
{
	t->name = sk_xrealloc(t->name, (t->n + 1) * sizeof *t->name);
	t->min_spend = sk_xrealloc(t->min_spend, (t->n + 1) * sizeof *t->min_spend);
	t->min_orders = sk_xrealloc(t->min_orders, (t->n + 1) * sizeof *t->min_orders);
	t->name[t->n] = sk_xmalloc(len + 1);
	memcpy(t->name[t->n], name, len);
	t->name[t->n][len] = 0;
	t->min_spend[t->n] = spend;
	t->min_orders[t->n] = orders;
	t->n++;
}

void sk_tiers_default(struct sk_tiers *t)
{
	memset(t, 0, sizeof *t);
	add(t, "bronze", 6, 0, 1);
	add(t, "silver", 6, 500, 5);
	add(t, "gold", 4, 2000, 10);
	add(t, "platinum", 8, 5000, 20);
}

static double field_num(struct sk_reader *r, long col, const char *name, int *bad)
{
	size_t len;
	enum sk_ftype type;
	double v;
	const char *f = sk_reader_field(r, (size_t)col, &len, &type);
	if (!len || sk_num_parse(f, len, &v) || !(v >= 0) || !isfinite(v)) {
		sk_reader_bad(r, "column \"%s\": \"%.*s\" is not a number >= 0", name,
			      len > 40 ? 40 : (int)len, f);
		*bad = 1;
	}
	return v;
}

void sk_tiers_load(struct sk_tiers *t, const struct sk_opts *o, const char *path)
{
	struct sk_opts to = SK_OPTS_INIT;
	const char *files[] = { path, NULL };
	memset(t, 0, sizeof *t);
	to.files = files;
	to.nfiles = 1;
	to.ifmt = SK_FMT_CSV;
	to.delim = ',';
	to.progress = SK_PROGRESS_OFF;
	(void)o;
	struct sk_reader *r = sk_reader_open(&to);
	long cn = sk_reader_col(r, "tier"), cs = sk_reader_col(r, "min_spend"),
	     co = sk_reader_col(r, "min_orders");
	if (cn < 0 || cs < 0 || co < 0)
		sk_die(SK_EX_DATA, "%s:1: a tiers file has the columns tier, min_spend, "
		       "min_orders", path);
	while (sk_reader_next(r)) {
		size_t len;
		int bad = 0;
		const char *name = sk_reader_field(r, (size_t)cn, &len, NULL);
		if (!len) {
			sk_reader_bad(r, "column \"tier\": empty tier name");
			continue;
		}
		double s = field_num(r, cs, "min_spend", &bad);
		double n = field_num(r, co, "min_orders", &bad);
		if (bad)
			continue;
		if (t->n && (s < t->min_spend[t->n - 1] || n < t->min_orders[t->n - 1])) {
			sk_reader_bad(r, "tier \"%.*s\" asks less than the tier before it: list "
				      "the tiers lowest first", len > 40 ? 40 : (int)len, name);
			continue;
		}
		add(t, name, len, s, n);
	}
	sk_reader_close(r);
	if (!t->n)
		sk_die(SK_EX_DATA, "%s: no tiers", path);
}

void sk_tiers_free(struct sk_tiers *t)
{
	for (size_t k = 0; k < t->n; k++)
		free(t->name[k]);
	free(t->name);
	free(t->min_spend);
	free(t->min_orders);
	memset(t, 0, sizeof *t);
}

/* The tier of a name in the table, or -1. */
static int tier_index(const struct sk_tiers *tiers, const char *name, size_t len)
{
	for (size_t k = 0; k < tiers->n; k++)
		if (strlen(tiers->name[k]) == len && memcmp(tiers->name[k], name, len) == 0)
			return (int)k;
	return -1;
}

struct prev {
	struct sk_idkey key;
	int tier;
};

void sk_tiers_assign(const struct sk_tiers *tiers, const struct sk_table *t,
		     const char *id_col, const struct sk_table *previous, int *tier,
		     unsigned char *change)
{
	long corders = sk_table_need_col(t, "orders", NULL);
	long cspend = sk_table_need_col(t, "total_spend", NULL);
	long cref = sk_table_col(t, "refunds");
	for (size_t i = 0; i < t->nrow; i++) {
		int e1, e2, e3 = 1;
		double orders = sk_table_num(t, i, corders, &e1);
		double spend = sk_table_num(t, i, cspend, &e2);
		double refunds = cref >= 0 ? sk_table_num(t, i, cref, &e3) : 0;
		double net = spend - (e3 ? 0 : refunds);
		tier[i] = -1;
		if (e1)
			continue;	/* a prospect */
		for (size_t k = tiers->n; k-- > 0;)
			if (net >= tiers->min_spend[k] && orders >= tiers->min_orders[k]) {
				tier[i] = (int)k;
				break;
			}
	}
	if (!previous)
		return;
	/* The last run's tier of every customer, found by id. */
	long pid = sk_table_need_col(previous, id_col, NULL);
	long ptier = sk_table_need_col(previous, "tier", NULL);
	long cid = sk_table_need_col(t, id_col, NULL);
	struct sk_idtab tab;
	sk_idtab_init(&tab);
	struct prev *p = sk_xmalloc((previous->nrow ? previous->nrow : 1) * sizeof *p);
	size_t np = 0;
	for (size_t i = 0; i < previous->nrow; i++) {
		size_t len, tl, where;
		const char *id = sk_table_get(previous, i, pid, &len, NULL);
		const char *tn = sk_table_get(previous, i, ptier, &tl, NULL);
		int k = tl ? tier_index(tiers, tn, tl) : -1;
		if (tl && k < 0)
			sk_table_die(previous, i, "column \"tier\": \"%.*s\" is not a tier of "
				     "this run's table", tl > 40 ? 40 : (int)tl, tn);
		uint64_t h = sk_hash_bytes(id, len);
		if (sk_idtab_find(&tab, p, sizeof *p, id, len, h, &where) >= 0)
			sk_table_die(previous, i, "customer \"%.*s\" twice in the previous run",
				     len > 40 ? 40 : (int)len, id);
		sk_idkey_set(&tab, &p[np].key, id, len);
		p[np].tier = k;
		sk_idtab_added(&tab, p, sizeof *p, np, h, where);
		np++;
	}
	for (size_t i = 0; i < t->nrow; i++) {
		size_t len, where;
		const char *id = sk_table_get(t, i, cid, &len, NULL);
		long j = sk_idtab_find(&tab, p, sizeof *p, id, len, sk_hash_bytes(id, len),
				       &where);
		int before = j < 0 ? -1 : p[j].tier;
		change[i] = tier[i] < 0 && before < 0 ? SK_TIER_CHANGE_NONE :
			    before < 0 ? SK_TIER_NEW : tier[i] == before ? SK_TIER_SAME :
			    tier[i] > before ? SK_TIER_UP : SK_TIER_DOWN;
	}
	free(p);
	sk_idtab_free(&tab);
}

struct fill_ctx {
	const struct sk_tiers *tiers;
	const int *tier;
	const unsigned char *change;
};

static void fill(struct sk_emit *row, size_t i, void *ctx)
{
	static const char *const words[] = { NULL, "new", "same", "up", "down" };
	const struct fill_ctx *f = ctx;
	if (f->tier[i] >= 0)
		sk_emit_str(row, 0, f->tiers->name[f->tier[i]]);
	if (f->change && words[f->change[i]])
		sk_emit_str(row, 1, words[f->change[i]]);
}

void sk_tiers_write(const struct sk_opts *o, const struct sk_table *t,
		    const struct sk_tiers *tiers, const int *tier, const unsigned char *change)
{
	static const char *const cols[] = { "tier", "tier_change" };
	struct sk_emit *e = sk_emit_open(o, t, change ? 2 : 1, cols);
	struct fill_ctx f = { tiers, tier, change };
	sk_emit_rows(e, t->nrow, NULL, fill, &f);
	sk_emit_close(e);
}
