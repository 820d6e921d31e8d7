/* campaign.c: a control group for win-back offers, and the measure of
 * what the offers did.
 *
 * An offer's effect is the difference between the return rate of the
 * customers who got it and of comparable customers who did not: the
 * control group, drawn at random among the offers.  The draw hashes the
 * customer id with a seed, so it is the same on every run and every
 * shard, and independent of anything the model saw.  The uplift's
 * interval is Newcombe's hybrid score interval (Newcombe 1998,
 * "Interval estimation for the difference between independent
 * proportions: comparison of eleven methods", Statistics in Medicine 17,
 * 873-890, method 10), built from Wilson's score intervals of the two
 * rates (Wilson 1927, JASA 22, 209-212); it keeps its coverage with small
 * groups and rates near 0, where the Wald interval does not. */
#include "campaign.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/date.h"
#include "record/hash.h"
#include "record/idtab.h"
#include "record/util.h"

int sk_campaign_control(const char *id, size_t len, double share, uint64_t seed)
{
	/* A 64-bit mix (splitmix64's finalizer) of the id's hash and the seed:
	 * its top 53 bits are a uniform number in [0, 1). */
	uint64_t h = sk_hash_bytes(id, len) ^ (seed * 0x9e3779b97f4a7c15ull);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (double)(h >> 11) * 0x1p-53 < share;
}

void sk_wilson(double r, double n, double z, double *lo, double *hi)
{
	if (n <= 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	/* Wilson 1927: the p with |p_hat - p| = z sqrt(p (1 - p) / n). */
	double p = r / n, z2 = z * z;
	double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
	double half = z / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
	*lo = fmax(0, centre - half);
	*hi = fmin(1, centre + half);
}

void sk_newcombe(double r1, double n1, double r0, double n0, double z, double *lo,
		 double *hi)
{
	/* Newcombe 1998, method 10: with (l1, u1), (l0, u0) the Wilson
	 * intervals of p1 and p0,
	 *   lo = d - sqrt((p1 - l1)^2 + (u0 - p0)^2),
	 *   hi = d + sqrt((u1 - p1)^2 + (p0 - l0)^2). */
	double l1, u1, l0, u0;
	sk_wilson(r1, n1, z, &l1, &u1);
	sk_wilson(r0, n0, z, &l0, &u0);
	double p1 = n1 > 0 ? r1 / n1 : 0, p0 = n0 > 0 ? r0 / n0 : 0, d = p1 - p0;
	*lo = d - sqrt((p1 - l1) * (p1 - l1) + (u0 - p0) * (u0 - p0));
	*hi = d + sqrt((u1 - p1) * (u1 - p1) + (p0 - l0) * (p0 - l0));
}

struct member {
	struct sk_idkey key;
	long last;		/* last purchase day before the campaign; LONG_MIN none */
	unsigned char group;	/* 0 control, 1 treatment */
	unsigned char back;	/* a purchase since */
};

#define Z95 1.959963984540054	/* the normal 97.5 % quantile */

/* The campaign's members while the files are read: a bad row exits, and
 * a pointer the compiler keeps only in a register (or drops) would make
 * that exit look like a leak to the leak checker of make check SAN=1;
 * volatile keeps it in memory. */
static struct member *volatile members;

/* A rate and its interval, or three empty fields when there is none;
 * ends the row. */
static void write_ci(struct sk_writer *w, int known, double v, double lo, double hi)
{
	double x[3] = { v, lo, hi };
	for (int k = 0; k < 3; k++)
		if (known)
			sk_writer_num(w, x[k], 6);
		else
			sk_writer_null(w);
	sk_writer_endrow(w);
}

static void write_rate(struct sk_writer *w, const char *name, double n, double r)
{
	double lo, hi;
	sk_wilson(r, n, Z95, &lo, &hi);
	sk_writer_str(w, name);
	sk_writer_num(w, n, 0);
	sk_writer_num(w, r, 0);
	write_ci(w, n > 0, n > 0 ? r / n : 0, lo, hi);
}

void sk_campaign_measure(const struct sk_opts *o, const char *previous)
{
	/* The campaign: who was offered what, and when they last bought. */
	struct sk_opts po = *o;
	const char *files[] = { previous, NULL };
	po.files = files;
	po.nfiles = 1;
	struct sk_reader *pr = sk_reader_open(&po);
	struct sk_table *pt = sk_table_read(pr);
	sk_reader_close(pr);
	long cid = sk_table_need_col(pt, o->col_id, NULL);
	long cgrp = sk_table_col(pt, "winback_group");
	long clast = sk_table_col(pt, "last_purchase");
	if (cgrp < 0)
		sk_table_die_header(pt, "missing column \"winback_group\": measure the file "
				    "winback --control wrote");
	struct sk_idtab tab;
	sk_idtab_init(&tab);
	size_t n = 0;
	struct member *m = members = sk_xmalloc((pt->nrow ? pt->nrow : 1) * sizeof *m);
	for (size_t i = 0; i < pt->nrow; i++) {
		size_t len, gl, dl, where;
		const char *g = sk_table_get(pt, i, cgrp, &gl, NULL);
		if (!gl)
			continue;	/* not offered (winback --all) */
		int treat = gl == 9 && memcmp(g, "treatment", 9) == 0;
		if (!treat && !(gl == 7 && memcmp(g, "control", 7) == 0))
			sk_table_die(pt, i, "column \"winback_group\": \"%.*s\" is not control "
				     "or treatment", gl > 40 ? 40 : (int)gl, g);
		const char *id = sk_table_get(pt, i, cid, &len, NULL);
		uint64_t h = sk_hash_bytes(id, len);
		if (sk_idtab_find(&tab, m, sizeof *m, id, len, h, &where) >= 0)
			sk_table_die(pt, i, "customer \"%.*s\" twice in the campaign",
				     len > 40 ? 40 : (int)len, id);
		struct member *e = &m[n];
		sk_idkey_set(&tab, &e->key, id, len);
		e->group = (unsigned char)treat;
		e->back = 0;
		e->last = LONG_MIN;
		const char *ds = clast >= 0 ? sk_table_get(pt, i, clast, &dl, NULL) : "";
		if (clast >= 0 && dl && sk_date_read(o, ds, dl, &e->last))
			sk_table_die(pt, i, "column \"last_purchase\": cannot parse \"%.*s\"",
				     dl > 40 ? 40 : (int)dl, ds);
		sk_idtab_added(&tab, m, sizeof *m, n, h, where);
		n++;
	}
	/* The log since: a purchase after the customer's last one. */
	struct sk_reader *r = sk_reader_open(o);
	long lid = sk_reader_col(r, o->col_id), ldate = sk_reader_col(r, o->col_date);
	long lev = sk_reader_col(r, o->col_event), lamt = sk_reader_col(r, o->col_amount);
	if (sk_reader_ncol(r) && lid < 0)
		sk_reader_die_missing(r, "customer id", o->col_id);
	if (sk_reader_ncol(r) && ldate < 0)
		sk_reader_die_missing(r, "date", o->col_date);
	while (sk_reader_next(r)) {
		size_t len, dl, el, al, where;
		const char *id = sk_reader_field(r, (size_t)lid, &len, NULL);
		long j = sk_idtab_find(&tab, m, sizeof *m, id, len, sk_hash_bytes(id, len), &where);
		if (j < 0)
			continue;
		const char *ds = sk_reader_field(r, (size_t)ldate, &dl, NULL);
		long day;
		if (sk_date_read(o, ds, dl, &day)) {
			sk_reader_bad(r, "column \"%s\": cannot parse \"%.*s\"", o->col_date,
				      dl > 40 ? 40 : (int)dl, ds);
			continue;
		}
		const char *ev = lev >= 0 ? sk_reader_field(r, (size_t)lev, &el, NULL) : "";
		if (lev >= 0 && el && !(el == 8 && memcmp(ev, "purchase", 8) == 0))
			continue;
		const char *as = lamt >= 0 ? sk_reader_field(r, (size_t)lamt, &al, NULL) : "";
		if (lamt >= 0 && al && as[0] == '-')
			continue;	/* a refund is not a return */
		if (day > m[j].last)
			m[j].back = 1;
	}
	sk_reader_close(r);
	double cnt[2] = { 0, 0 }, back[2] = { 0, 0 };
	for (size_t i = 0; i < n; i++) {
		cnt[m[i].group]++;
		back[m[i].group] += m[i].back;
	}
	struct sk_writer *w = sk_writer_open(o, pt->fmt);
	static const char *const cols[] = { "group", "customers", "returned", "return_rate",
					    "ci_lo", "ci_hi" };
	sk_writer_header(w, 6, cols);
	write_rate(w, "control", cnt[0], back[0]);
	write_rate(w, "treatment", cnt[1], back[1]);
	sk_writer_str(w, "uplift");
	sk_writer_null(w);
	sk_writer_num(w, back[1] - (cnt[0] > 0 ? back[0] * cnt[1] / cnt[0] : 0), 2);
	double lo, hi;
	int both = cnt[0] > 0 && cnt[1] > 0;
	sk_newcombe(back[1], cnt[1], back[0], cnt[0], Z95, &lo, &hi);
	write_ci(w, both, both ? back[1] / cnt[1] - back[0] / cnt[0] : 0, lo, hi);
	sk_writer_close(w);
	free(m);
	members = NULL;
	sk_idtab_free(&tab);
	sk_table_free(pt);
}
