/* svg.h: charts as inline SVG for the HTML report, and the text buffer
 * they are written into.
 *
 * Every chart is one <svg role="img"> element with a <title> (and an
 * optional <desc>) that screen readers announce, axis titles that carry
 * the unit, and numbers formatted by sk_num_format, so a figure on a
 * chart reads the same as in the CSV outputs.  Text from the data is
 * escaped; nothing refers to anything outside the element, so a chart can
 * be pasted into any page.  Colours are from ColorBrewer's YlGnBu scale,
 * which stays readable for colour-blind readers and in greyscale print. */
#ifndef SK_SVG_H
#define SK_SVG_H

#include <stddef.h>
#include <stdio.h>

/* A growing text buffer.  The report is built in memory and written in
 * one go, so an error half-way leaves no half-written page behind. */
struct sk_buf {
	char *s;		/* NUL-terminated once anything was put */
	size_t len, cap;
};

#define SK_BUF_INIT { NULL, 0, 0 }

void sk_buf_put(struct sk_buf *b, const char *s, size_t n);
void sk_buf_puts(struct sk_buf *b, const char *s);
void sk_buf_printf(struct sk_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Escape for HTML and XML text and attribute values: & < > " ' become
 * entities; bytes below 0x20 other than tab and newline (not allowed in
 * XML) become U+FFFD, so data cannot break the markup. */
void sk_buf_esc(struct sk_buf *b, const char *s, size_t n);
void sk_buf_escs(struct sk_buf *b, const char *s);
/* v through sk_num_format (at most `decimals` decimals, trailing zeros
 * trimmed), its integer digits grouped by thousands with commas
 * ("12,345.6", "-1,000"): the page is for people, in English (its lang),
 * and a count of 2357 reads faster as 2,357.  sk_num_group writes it
 * into buf (64 bytes hold any) and returns its length. */
int sk_num_group(char *buf, size_t size, double v, int decimals);
void sk_buf_num(struct sk_buf *b, double v, int decimals);
/* An amount of money: always two decimals ("1,234.50"), so the cents
 * line up in a column, grouped as sk_num_group. */
int sk_num_money(char *buf, size_t size, double v);
/* Write the buffer to f; 0, or -1 with errno set on a write error. */
int sk_buf_write(const struct sk_buf *b, FILE *f);
void sk_buf_free(struct sk_buf *b);

/* What every chart has. */
struct sk_chart {
	const char *id;		/* unique in the page: prefix of element ids */
	const char *title;	/* <title>: what the chart shows, in a sentence */
	const char *desc;	/* <desc>: optional, how to read it */
	const char *xlabel;	/* axis titles, with the unit in parentheses */
	const char *ylabel;
	int decimals;		/* of value labels and axis ticks */
	int width;		/* in px; 0 for 640 */
};

/* Horizontal bars, one per category, in the order given, each labelled
 * with its value (and with share, its share of the total in percent). */
void sk_svg_hbar(struct sk_buf *b, const struct sk_chart *c, size_t n,
		 const char *const *label, const double *value, int share);

/* Vertical bars, one group per category with nser bars each (nser 1 or
 * more; a legend names the series when there are several).  value holds
 * n rows of nser values. */
void sk_svg_vbar(struct sk_buf *b, const struct sk_chart *c, size_t n,
		 const char *const *label, size_t nser, const char *const *series,
		 const double *value);

/* A histogram: nbin bins from edge[0] to edge[nbin], of equal width
 * except, with open_last, the last one, which holds every value from
 * edge[nbin - 1] up and is drawn apart, labelled ">= edge[nbin - 1]". */
void sk_svg_histogram(struct sk_buf *b, const struct sk_chart *c, size_t nbin,
		      const double *edge, const double *count, int open_last);

/* A heat map: nrow x ncol cells coloured by v (row-major; NAN for a cell
 * without data, drawn grey), on a scale from lo to hi shown in a legend.
 * Cells wide enough are labelled with their value (percent: 100 v with
 * one decimal and a % sign).  Each cell's own <title> names its row,
 * column and value, and with n (row-major counts, may be NULL) how many
 * records it stands for. */
struct sk_heat {
	size_t nrow, ncol;
	const char *const *rowlab;
	const char *const *collab;
	const char *rowname, *colname;	/* "frequency", "recency (weeks)" */
	const double *v;
	const double *n;
	const char *vname;	/* "mean p_alive" */
	const char *nname;	/* "customers" */
	double lo, hi;
	int percent;
};

void sk_svg_heatmap(struct sk_buf *b, const struct sk_chart *c, const struct sk_heat *h);

/* The heat-map colour of v on [lo, hi] as #rrggbb, for tables that
 * repeat a heat map's colours; 1 when its label should be white (white
 * contrasts more with it than black does, by WCAG 2.1). */
int sk_svg_heat_colour(double v, double lo, double hi, char out[8]);
/* The WCAG 2.1 relative luminance of an sRGB colour, 0 (black) to 1. */
double sk_svg_luminance(unsigned r, unsigned g, unsigned b);

#endif
