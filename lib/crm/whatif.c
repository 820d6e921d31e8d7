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
#include "record/idtab.h"
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

struct group {			/* found by name through an sk_idtab */
	struct sk_idkey key;
	double n, value, value_if;
	const char *name;	/* for sorting and writing; into the table */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->name, ((const struct group *)b)->name);
}

/* The group of name (len bytes), added when new. */
static struct group *group_of(struct sk_idtab *tab, struct group **g, size_t *n, size_t *cap,
			      const char *name, size_t len)
{
	size_t where;
	uint64_t h = sk_hash_bytes(name, len);
	long k = sk_idtab_find(tab, *g, sizeof **g, name, len, h, &where);
	if (k >= 0)
		return &(*g)[k];
	sk_grow((void **)g, cap, *n + 1, sizeof **g);
	struct group *e = &(*g)[*n];
	memset(e, 0, sizeof *e);
	sk_idkey_set(tab, &e->key, name, len);
	sk_idtab_added(tab, *g, sizeof **g, *n, h, where);
	return &(*g)[(*n)++];
}

static void write_group(struct sk_writer *w, const struct group *g)
{
	sk_writer_str(w, g->name);
	sk_writer_num(w, g->n, 0);
	sk_writer_num(w, g->value, 2);
	sk_writer_num(w, g->value_if, 2);
	sk_writer_num(w, g->value_if - g->value, 2);
	/* A value that prints as 0.00 has no meaningful percentage. */
	if (g->value >= 0.005)
		sk_writer_num(w, 100 * (g->value_if - g->value) / g->value, 2);
	else
		sk_writer_null(w);
	sk_writer_endrow(w);
}

void sk_whatif_write(const struct sk_opts *o, const struct sk_table *t, long by,
		     const double *value, const double *value_if)
{
	struct sk_idtab tab;
	struct group *g = NULL;
	size_t ng = 0, cap = 0;
	struct group total = { .name = "(total)" };
	sk_idtab_init(&tab);
	for (size_t i = 0; i < t->nrow; i++) {
		if (by >= 0) {
			size_t len;
			const char *v = sk_table_get(t, i, by, &len, NULL);
			struct group *e = group_of(&tab, &g, &ng, &cap, v, len);
			e->n++;
			e->value += value[i];
			e->value_if += value_if[i];
		}
		total.n++;
		total.value += value[i];
		total.value_if += value_if[i];
	}
	/* Names are NUL-terminated copies for sorting (an id key is not). */
	for (size_t j = 0; j < ng; j++) {
		size_t len;
		const char *nm = sk_idkey_get(&tab, &g[j].key, &len);
		char *c = sk_xmalloc(len + 1);
		memcpy(c, nm, len);
		c[len] = 0;
		g[j].name = c;
	}
	if (ng)
		qsort(g, ng, sizeof *g, by_name);
	struct sk_writer *w = sk_writer_open(o, t->fmt);
	const char *cols[] = { by >= 0 ? t->col[by] : "group", "customers", "value", "value_if",
			       "change", "change_pct" };
	sk_writer_header(w, 6, cols);
	for (size_t j = 0; j < ng; j++)
		write_group(w, &g[j]);
	write_group(w, &total);
	sk_writer_close(w);
	for (size_t j = 0; j < ng; j++)
		free((char *)g[j].name);
	free(g);
	sk_idtab_free(&tab);
}
