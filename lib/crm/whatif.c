/* whatif.c: the value of a change in retention (issue 19).
 *
 * The claim the texts repeat (Reichheld & Sasser 1990, "Zero defections:
 * quality comes to services", HBR 68(5): 5 % fewer defections raise
 * profits by 25-85 %) is checked here on the fitted models rather than
 * assumed: the dropout process of the transaction model is scaled by
 * k = 1 + change, and each customer's discounted expected transactions are
 * computed again, conditional on its history, under the changed model.
 *
 *   Pareto/NBD (Schmittlein, Morrison & Colombo 1987): each customer's
 *     dropout rate mu ~ Gamma(s, beta); scaling every mu by k gives
 *     exactly mu' ~ Gamma(s, beta / k).
 *   BG/NBD (Fader, Hardie & Lee 2005, eq. 2) and MBG/NBD (Batislam,
 *     Denizel & Filiztekin 2007): the dropout probability after each
 *     purchase p ~ Beta(a, b).  k p is not Beta-distributed; the mean
 *     a / (a + b) is scaled by k holding a + b (the prior's precision):
 *     a' = k a, b' = a + b - k a.
 *   BG/BB (Fader, Hardie & Shang 2010, eq. 1): the dropout probability
 *     theta ~ Beta(gamma, delta), scaled the same way. */
#include "whatif.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/hash.h"
#include "record/util.h"

int sk_whatif_dropout(const struct sk_tmodel *tm, const double *par, double change,
		      double *out, char *why, size_t whylen)
{
	double k = 1 + change;
	memcpy(out, par, (size_t)tm->npar * sizeof *par);
	if (strcmp(tm->name, "pnbd") == 0) {
		out[3] = par[3] / k;	/* beta: mu' = k mu */
		return 0;
	}
	/* The Beta dropout: (a, b) at 2, 3 for BG/NBD and MBG/NBD,
	 * (gamma, delta) at 2, 3 for BG/BB as well. */
	double a = par[2], b = par[3];
	if (k * a >= a + b) {
		snprintf(why, whylen, "a mean dropout probability of %g x %g is above 1",
			 k, a / (a + b));
		return 1;
	}
	out[2] = k * a;
	out[3] = a + b - k * a;
	return 0;
}

struct group {
	char *name;
	size_t len;
	double n, value, value_if;
};

struct gtab {
	struct group *g;
	size_t n, cap;
	uint32_t *slot;		/* 1 + index, 0 empty */
	size_t nslot;
};

static void gtab_grow(struct gtab *gt)
{
	size_t ns = gt->nslot ? gt->nslot * 2 : 64;
	uint32_t *s = sk_xcalloc(ns, sizeof *s);
	for (size_t j = 0; j < gt->n; j++) {
		uint64_t h = sk_hash_bytes(gt->g[j].name, gt->g[j].len);
		size_t p = h & (ns - 1);
		while (s[p])
			p = (p + 1) & (ns - 1);
		s[p] = (uint32_t)j + 1;
	}
	free(gt->slot);
	gt->slot = s;
	gt->nslot = ns;
}

static struct group *gtab_get(struct gtab *gt, const char *name, size_t len)
{
	if (2 * (gt->n + 1) > gt->nslot)
		gtab_grow(gt);
	size_t p = sk_hash_bytes(name, len) & (gt->nslot - 1);
	for (; gt->slot[p]; p = (p + 1) & (gt->nslot - 1)) {
		struct group *g = &gt->g[gt->slot[p] - 1];
		if (g->len == len && memcmp(g->name, name, len) == 0)
			return g;
	}
	sk_grow((void **)&gt->g, &gt->cap, gt->n + 1, sizeof *gt->g);
	struct group *g = &gt->g[gt->n];
	memset(g, 0, sizeof *g);
	g->name = sk_xmalloc(len + 1);
	memcpy(g->name, name, len);
	g->name[len] = 0;
	g->len = len;
	gt->slot[p] = (uint32_t)++gt->n;
	return g;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->name, ((const struct group *)b)->name);
}

static void write_group(struct sk_writer *w, const struct group *g)
{
	sk_writer_str(w, g->name);
	sk_writer_num(w, g->n, 0);
	sk_writer_num(w, g->value, 2);
	sk_writer_num(w, g->value_if, 2);
	sk_writer_num(w, g->value_if - g->value, 2);
	if (g->value > 0)
		sk_writer_num(w, 100 * (g->value_if - g->value) / g->value, 2);
	else
		sk_writer_null(w);
	sk_writer_endrow(w);
}

void sk_whatif_write(const struct sk_opts *o, const struct sk_table *t, long by,
		     const double *value, const double *value_if)
{
	struct gtab gt = { 0 };
	struct group total = { .name = "(total)", .len = 7 };
	for (size_t i = 0; i < t->nrow; i++) {
		if (by >= 0) {
			size_t len;
			const char *v = sk_table_get(t, i, by, &len, NULL);
			struct group *g = gtab_get(&gt, v, len);
			g->n++;
			g->value += value[i];
			g->value_if += value_if[i];
		}
		total.n++;
		total.value += value[i];
		total.value_if += value_if[i];
	}
	if (gt.n)
		qsort(gt.g, gt.n, sizeof *gt.g, by_name);
	struct sk_writer *w = sk_writer_open(o, t->fmt);
	const char *cols[] = { by >= 0 ? t->col[by] : "group", "customers", "value", "value_if",
			       "change", "change_pct" };
	sk_writer_header(w, 6, cols);
	for (size_t j = 0; j < gt.n; j++)
		write_group(w, &gt.g[j]);
	write_group(w, &total);
	sk_writer_close(w);
	for (size_t j = 0; j < gt.n; j++)
		free(gt.g[j].name);
	free(gt.g);
	free(gt.slot);
}
