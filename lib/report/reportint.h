/* reportint.h: what the report's section files share privately (not part
 * of the library's interface; report.h is).  report.c builds the page and
 * holds the helpers below; repcust.c has the headline, stage, phase,
 * segment and cohort sections, reptrend.c the section on what moved since
 * the previous run, repvalue.c the value, p_alive and win-back sections,
 * repfit.c the model fit, holdout and tracking sections. */
#ifndef SK_REPORTINT_H
#define SK_REPORTINT_H

#include <math.h>
#include <string.h>

#include "report.h"

enum { S_HEADLINE, S_TREND, S_STAGES, S_PHASES, S_SEGMENTS, S_COHORTS, S_CLV, S_PALIVE, S_WINBACK,
       S_MODEL, S_HOLDOUT, S_TRACKING, S_N };

/* Units of recency and T, as --unit names them. */
struct unit {
	const char *name, *plural;
	double days;
};

#define TOP_WINBACK 20
#define FREQ_ROWS 12		/* p_alive heat map: frequency 0..11 and 12+ */
#define MAX_COHORTS 60		/* heat map rows and columns shown at most */
#define MAX_PERIODS 60
#define MAX_CATEGORIES 40	/* bars per chart; the rest are summed as "other" */

struct rep {
	struct sk_buf *b;
	const struct sk_opts *o;
	const struct sk_report_opts *ro;
	const struct sk_table *t;
	const struct unit *unit;
	/* columns, -1 when absent */
	long id, freq, rec, T, spend, palive, clv, stage, phase, seg, rank, expected, hfreq,
	     first, last, tier, wbvalue;
	int present[S_N];
};

/* ------------------------------------------------------------------ */
/* small helpers                                                      */

struct cats {
	size_t n;
	char **name;
	double *count;
	double total;
};

/* ------------------------------------------------------------------ */
/* small helpers                                                      */

static inline double num(const struct rep *r, size_t i, long col, int *empty)
{
	return sk_table_num(r->t, i, col, empty);
}

static inline const char *field(const struct rep *r, size_t i, long col, size_t *len)
{
	return sk_table_get(r->t, i, col, len, NULL);
}

static inline void put(struct rep *r, const char *s)
{
	sk_buf_puts(r->b, s);
}

static inline void esc(struct rep *r, const char *s)
{
	sk_buf_escs(r->b, s);
}

static inline void putnum(struct rep *r, double v, int decimals)
{
	sk_buf_num(r->b, v, decimals);
}

/* A share in percent with one decimal; 0 for an empty whole. */
static inline void putpct(struct rep *r, double part, double whole)
{
	putnum(r, whole > 0 ? 100 * part / whole : 0, 1);
	put(r, "%");
}

/* A probability or a share given as a fraction, in percent with one
 * decimal ("84.1%"): shares read as percent everywhere on the page. */
static inline void putfrac(struct rep *r, double frac)
{
	putnum(r, 100 * frac, 1);
	put(r, "%");
}

/* An amount of money: the currency as --currency-label names it, then
 * the amount with two decimals, grouped ("EUR 1,234.50"). */
static inline void putmoney(struct rep *r, double v)
{
	char num[64];
	sk_num_money(num, sizeof num, v);
	if (r->ro->currency) {
		esc(r, r->ro->currency);
		put(r, "&#160;");	/* no break between label and amount */
	}
	put(r, num);
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Decimals needed to print multiples of step exactly (bucket labels). */
static inline int decimals_of(double step)
{
	int d = 0;
	while (d < 6 && fabs(step * pow(10, d) - nearbyint(step * pow(10, d))) > 1e-6)
		d++;
	return d;
}

static inline double nice_step(double raw)
{
	if (!(raw > 0) || !isfinite(raw))
		return 1;
	double p = pow(10, floor(log10(raw)));
	double f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static inline void section_close(struct rep *r)
{
	put(r, "</section>\n");
}

static inline void tile_open(struct rep *r, const char *label)
{
	put(r, "<div class=\"tile\"><dt>");
	put(r, label);
	put(r, "</dt><dd>");
}

static inline void tile_close(struct rep *r, const char *sub)
{
	put(r, "</dd><dd class=\"sub\">");
	put(r, sub);
	put(r, "</dd></div>\n");
}

static inline void tile_missing(struct rep *r, const char *label, const char *needs)
{
	tile_open(r, label);
	put(r, "<span class=\"na\">\xe2\x80\x94</span>");	/* an em dash */
	tile_close(r, needs);
}
/* report.c */
const char *sk_rep_input_name(const char *s);
void sk_rep_section_open(struct rep *r, int s);
void sk_rep_missing(struct rep *r, int s, const char *needs);
void sk_rep_cats_read(const struct rep *r, long col, struct cats *c);
void sk_rep_cats_free(struct cats *c);
int sk_rep_cats_order(struct cats *c, const char *const *names);
void sk_rep_cats_sort(struct cats *c);
void sk_rep_cats_table(struct rep *r, const struct cats *c, const char *what, const char *title,
		       int total);
void sk_rep_cats_section(struct rep *r, const struct cats *c, const char *id, const char *what,
			 const char *title);

/* the sections, in page order */
void sk_rep_headline(struct rep *r);
void sk_rep_trend_section(struct rep *r);
void sk_rep_stages(struct rep *r);
void sk_rep_phases(struct rep *r);
void sk_rep_segments(struct rep *r);
void sk_rep_cohorts(struct rep *r);
void sk_rep_clv_section(struct rep *r);
void sk_rep_palive_section(struct rep *r);
void sk_rep_tracking_section(struct rep *r);
void sk_rep_winback_section(struct rep *r);
void sk_rep_model_section(struct rep *r);
void sk_rep_holdout_section(struct rep *r);

#endif
