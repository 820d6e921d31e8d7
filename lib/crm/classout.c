/* classout.c: classify(1)'s output: the appended columns of every
 * customer (stage, phase, the RFM scores and segment) and the report of
 * how many customers are in each (text on stderr, JSON to a file).
 * classify.c decides the stages; this file only writes them. */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "record/emit.h"
#include "record/util.h"

static const char *segment_name(const struct sk_classify *c, int g)
{
	return (size_t)g < c->segs->n ? c->segs->seg[g].name : "Others";
}

struct fill_ctx {
	const struct sk_classify *c;
	const char *const *stage;
};

/* The appended columns of customer i. */
static void fill(struct sk_emit *row, size_t i, void *ctx)
{
	const struct fill_ctx *f = ctx;
	const struct sk_classify *c = f->c;
	sk_emit_str(row, 0, f->stage[c->stage[i]]);
	sk_emit_str(row, 1, sk_classify_phase_names()[c->phase[i]]);
	if (c->score && c->segment[i] >= 0) {
		const unsigned char *sc = c->score + 3 * i;
		for (int k = 0; k < 3; k++)
			sk_emit_num(row, 2 + (size_t)k, sc[k], 0);
		/* rfm_score, the three digits: a number in JSON, as always */
		sk_emit_num(row, 5, 100 * sc[0] + 10 * sc[1] + sc[2], 0);
		sk_emit_str(row, 6, segment_name(c, c->segment[i]));
	}
}

void sk_classify_write(const struct sk_opts *o, const struct sk_table *t,
		       const struct sk_classify *c)
{
	static const char *const cols[] = {
		"stage", "phase", "r_score", "f_score", "m_score", "rfm_score", "rfm_segment",
	};
	const char *const *stage = sk_classify_stage_names(c->scheme);
	struct sk_emit *e = sk_emit_open(o, t, c->score ? 7 : 2, cols);
	struct fill_ctx fc = { c, stage };
	sk_emit_rows(e, c->n, NULL, fill, &fc);
	sk_emit_close(e);
}

struct tally {
	const char *title;
	size_t n;
	const char **name;
	size_t *count;
};

static void tally_text(FILE *f, const struct tally *t, size_t total)
{
	fprintf(f, "%-22s %9s %8s\n", t->title, "customers", "share");
	for (size_t k = 0; k < t->n; k++)
		fprintf(f, "  %-20s %9zu %7.2f%%\n", t->name[k], t->count[k],
			total ? 100.0 * (double)t->count[k] / (double)total : 0.0);
}

static json_t *tally_json(const struct tally *t, size_t total)
{
	json_t *o = json_object();
	for (size_t k = 0; k < t->n; k++) {
		json_t *e = json_object();
		json_object_set_new(e, "count", json_integer((json_int_t)t->count[k]));
		json_object_set_new(e, "share", json_real(total ? (double)t->count[k] /
							  (double)total : 0.0));
		json_object_set_new(o, t->name[k], e);
	}
	return o;
}

void sk_classify_report(FILE *f, const char *json_path, const struct sk_classify *c)
{
	struct tally tl[3];
	size_t nt = 0;
	const char *const *names[2] = { sk_classify_stage_names(c->scheme),
					sk_classify_phase_names() };
	const char *titles[2] = { "stage", "phase" };
	for (int k = 0; k < 2; k++) {
		struct tally *t = &tl[nt++];
		t->title = titles[k];
		for (t->n = 0; names[k][t->n]; t->n++)
			;
		t->name = (const char **)names[k];
		t->count = sk_xcalloc(t->n, sizeof *t->count);
		const unsigned char *v = k == 0 ? c->stage : c->phase;
		for (size_t i = 0; i < c->n; i++)
			t->count[v[i]]++;
	}
	if (c->score) {
		/* Segments in table order, then Others, then customers without
		 * a purchase (no scores), so the shares add up to 100 %. */
		struct tally *t = &tl[nt++];
		t->title = "rfm_segment";
		t->n = c->segs->n + 2;
		t->name = sk_xcalloc(t->n, sizeof *t->name);
		for (size_t g = 0; g < c->segs->n; g++)
			t->name[g] = c->segs->seg[g].name;
		t->name[c->segs->n] = "Others";
		t->name[c->segs->n + 1] = "(no purchase)";
		t->count = sk_xcalloc(t->n, sizeof *t->count);
		for (size_t i = 0; i < c->n; i++)
			t->count[c->segment[i] < 0 ? c->segs->n + 1 : (size_t)c->segment[i]]++;
	}
	if (f) {
		fprintf(f, "customers: %zu (scheme %s)\n", c->n, sk_classify_scheme_name(c->scheme));
		for (size_t k = 0; k < nt; k++)
			tally_text(f, &tl[k], c->n);
	}
	if (json_path) {
		json_t *o = json_object();
		json_object_set_new(o, "scheme", json_string(sk_classify_scheme_name(c->scheme)));
		json_object_set_new(o, "customers", json_integer((json_int_t)c->n));
		for (size_t k = 0; k < nt; k++)
			json_object_set_new(o, tl[k].title, tally_json(&tl[k], c->n));
		sk_atomic_json(json_path, o, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(6));
	}
	for (size_t k = 0; k < nt; k++) {
		free(tl[k].count);
		if (k == 2)
			free(tl[k].name);
	}
}
