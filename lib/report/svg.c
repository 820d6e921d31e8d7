/* svg.c: bar charts, histograms and heat maps as inline SVG. */
#include "svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/num.h"
#include "record/util.h"

/* ------------------------------------------------------------------ */
/* the buffer                                                         */

void sk_buf_put(struct sk_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (b->len + n + 1 > cap)
			cap *= 2;
		b->s = sk_xrealloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sk_buf_puts(struct sk_buf *b, const char *s)
{
	sk_buf_put(b, s, strlen(s));
}

void sk_buf_printf(struct sk_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		sk_die(SK_EX_SOFTWARE, "internal error: bad format");
	if ((size_t)n < sizeof small) {
		sk_buf_put(b, small, (size_t)n);
		return;
	}
	char *big = sk_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sk_buf_put(b, big, (size_t)n);
	free(big);
}

void sk_buf_esc(struct sk_buf *b, const char *s, size_t n)
{
	size_t a = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c >= 0x20 || c == '\t' || c == '\n')
				continue;
			rep = "&#xFFFD;";
		}
		sk_buf_put(b, s + a, i - a);
		sk_buf_puts(b, rep);
		a = i + 1;
	}
	sk_buf_put(b, s + a, n - a);
}

void sk_buf_escs(struct sk_buf *b, const char *s)
{
	sk_buf_esc(b, s, strlen(s));
}

/* Commas into the integer digits of plain (as sk_num_format or %f
 * write numbers: an optional '-', digits, an optional fraction). */
static int group_digits(char *buf, size_t size, const char *plain)
{
	const char *p = plain;
	size_t o = 0;
	if (*p == '-' && o + 1 < size)
		buf[o++] = *p++;
	size_t nint = strspn(p, "0123456789");
	for (size_t i = 0; i < nint && o + 1 < size; i++) {
		if (i > 0 && (nint - i) % 3 == 0 && o + 2 < size)
			buf[o++] = ',';
		buf[o++] = p[i];
	}
	for (p += nint; *p && o + 1 < size; p++)
		buf[o++] = *p;
	buf[o] = 0;
	return (int)o;
}

int sk_num_group(char *buf, size_t size, double v, int decimals)
{
	char plain[64];
	sk_num_format(plain, sizeof plain, v, decimals);
	return group_digits(buf, size, plain);
}

int sk_num_money(char *buf, size_t size, double v)
{
	char plain[64];
	if (!isfinite(v))
		sk_die(SK_EX_SOFTWARE, "internal error: a money figure is not a number");
	if (fabs(v) < 0.005)
		v = 0;		/* no "-0.00" */
	snprintf(plain, sizeof plain, "%.2f", v);
	return group_digits(buf, size, plain);
}

void sk_buf_num(struct sk_buf *b, double v, int decimals)
{
	char num[64];
	int n = sk_num_group(num, sizeof num, v, decimals);
	sk_buf_put(b, num, (size_t)n);
}

int sk_buf_write(const struct sk_buf *b, FILE *f)
{
	if (b->len && fwrite(b->s, 1, b->len, f) != b->len)
		return -1;
	return 0;
}

void sk_buf_free(struct sk_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ */
/* layout helpers                                                     */

/* ColorBrewer YlGnBu, 9 classes (Brewer, colorbrewer2.org): sequential,
 * colour-blind safe, light for low values. */
static const unsigned char ylgnbu[9][3] = {
	{ 255, 255, 217 }, { 237, 248, 177 }, { 199, 233, 180 },
	{ 127, 205, 187 }, { 65, 182, 196 }, { 29, 145, 192 },
	{ 34, 94, 168 }, { 37, 52, 148 }, { 8, 29, 88 },
};

#define BAR_COLOUR "#225ea8"
#define GRID_COLOUR "#e3e3e3"
#define AXIS_COLOUR "#555"
#define EMPTY_COLOUR "#d9d9d9"

/* Series colours: the scale's blue, then an orange that no reader
 * confuses with it (Tableau 10), then a teal and a brown. */
static const char *const series_colour[] = { "#225ea8", "#f28e2b", "#41b6c4", "#8c564b" };

int sk_svg_heat_colour(double v, double lo, double hi, char out[8])
{
	double t = hi > lo ? (v - lo) / (hi - lo) : 1;
	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	double pos = t * 8;
	int i = (int)pos;
	if (i > 7)
		i = 7;
	double f = pos - i;
	double rgb[3];
	for (int k = 0; k < 3; k++)
		rgb[k] = ylgnbu[i][k] + f * (ylgnbu[i + 1][k] - ylgnbu[i][k]);
	unsigned c8[3];
	for (int k = 0; k < 3; k++)
		c8[k] = (unsigned)lround(rgb[k]);
	snprintf(out, 8, "#%02x%02x%02x", c8[0], c8[1], c8[2]);
	/* White text when it contrasts more than black with the cell, by the
	 * WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05) of relative
	 * luminances: then every label is at least 4.58:1 (the two ratios
	 * are equal at L = 0.179), above the 4.5:1 of success criterion
	 * 1.4.3, whatever the colour. */
	double lum = sk_svg_luminance(c8[0], c8[1], c8[2]);
	return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05;
}

/* WCAG 2.1 relative luminance of an sRGB colour (the definition under
 * success criterion 1.4.3: the sRGB transfer curve undone, then
 * 0.2126 R + 0.7152 G + 0.0722 B). */
double sk_svg_luminance(unsigned r, unsigned g, unsigned b)
{
	unsigned c[3] = { r, g, b };
	double lin[3];
	for (int k = 0; k < 3; k++) {
		double x = c[k] / 255.0;
		lin[k] = x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/* A tick step of 1, 2 or 5 times a power of ten near raw, so axis
 * labels are round numbers. */
static double nice_step(double raw)
{
	if (!(raw > 0) || !isfinite(raw))
		return 1;
	double p = pow(10, floor(log10(raw)));
	double f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* Decimals needed to print multiples of step exactly. */
static int step_decimals(double step)
{
	int d = 0;
	while (d < 9 && fabs(step * pow(10, d) - nearbyint(step * pow(10, d))) > 1e-6)
		d++;
	return d;
}

struct axis {
	double max, step;
	int ticks, decimals;
};

/* An axis from 0 to a round number at or above vmax. */
static struct axis axis_for(double vmax)
{
	struct axis a;
	if (!(vmax > 0) || !isfinite(vmax))
		vmax = 1;
	a.step = nice_step(vmax / 5);
	a.ticks = (int)ceil(vmax / a.step - 1e-9);
	if (a.ticks < 1)
		a.ticks = 1;
	a.max = a.ticks * a.step;
	a.decimals = step_decimals(a.step);
	return a;
}

/* Width of text in px at 12px, roughly: wide enough for digits and
 * lowercase in any sans-serif face, so labels are not clipped. */
static int text_width(const char *s)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		chars += (*p & 0xc0) != 0x80;	/* count UTF-8 characters */
	return (int)(chars * 7);
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void svg_open(struct sk_buf *b, const struct sk_chart *c, int w, int h)
{
	sk_buf_puts(b, "<svg class=\"chart\" role=\"img\" id=\"");
	sk_buf_escs(b, c->id);
	sk_buf_puts(b, "\" aria-labelledby=\"");
	sk_buf_escs(b, c->id);
	sk_buf_puts(b, "-t");
	if (c->desc) {
		sk_buf_puts(b, " ");
		sk_buf_escs(b, c->id);
		sk_buf_puts(b, "-d");
	}
	/* The chart scales with its column (CSS width 100%, the viewBox
	 * keeps its shape) down to 11/12 of its size, where its 12 px text
	 * is 11 px; narrower than that (a phone) its figure scrolls
	 * sideways instead of shrinking the text out of reading. */
	sk_buf_printf(b, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		      "style=\"max-width:%dpx;min-width:%dpx\" "
		      "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" "
		      "font-size=\"12\">\n", w, h, w, h, w, (w * 11 + 11) / 12);
	sk_buf_puts(b, "<title id=\"");
	sk_buf_escs(b, c->id);
	sk_buf_puts(b, "-t\">");
	sk_buf_escs(b, c->title);
	sk_buf_puts(b, "</title>\n");
	if (c->desc) {
		sk_buf_puts(b, "<desc id=\"");
		sk_buf_escs(b, c->id);
		sk_buf_puts(b, "-d\">");
		sk_buf_escs(b, c->desc);
		sk_buf_puts(b, "</desc>\n");
	}
}

static void text(struct sk_buf *b, double x, double y, const char *anchor, const char *extra,
		 const char *s)
{
	sk_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	if (anchor)
		sk_buf_printf(b, " text-anchor=\"%s\"", anchor);
	if (extra)
		sk_buf_printf(b, " %s", extra);
	sk_buf_puts(b, ">");
	sk_buf_escs(b, s);
	sk_buf_puts(b, "</text>\n");
}

static void fmt_num(char *buf, size_t size, double v, int decimals)
{
	sk_num_group(buf, size, v, decimals);
}

/* A y axis on the left of a plot: gridlines, ticks and the rotated
 * title. */
static void y_axis(struct sk_buf *b, const struct axis *a, int left, int top, int plotw, int ploth,
		   const char *title)
{
	for (int k = 0; k <= a->ticks; k++) {
		double y = top + ploth - (double)ploth * k / a->ticks;
		char lab[64];
		fmt_num(lab, sizeof lab, k * a->step, a->decimals);
		sk_buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>\n",
			      left, y, left + plotw, y, k ? GRID_COLOUR : AXIS_COLOUR);
		text(b, left - 6, y + 4, "end", NULL, lab);
	}
	if (title) {
		char tr[96];
		snprintf(tr, sizeof tr, "transform=\"rotate(-90 %d %.1f)\"", 14, top + ploth / 2.0);
		text(b, 14, top + ploth / 2.0, "middle", tr, title);
	}
}

/* ------------------------------------------------------------------ */
/* charts                                                             */

void sk_svg_hbar(struct sk_buf *b, const struct sk_chart *c, size_t n,
		 const char *const *label, const double *value, int share)
{
	int W = c->width ? c->width : 640;
	int labw = 0;
	double total = 0, vmax = 0;
	for (size_t i = 0; i < n; i++) {
		int w = text_width(label[i]);
		if (w > labw)
			labw = w;
		total += value[i];
		if (value[i] > vmax)
			vmax = value[i];
	}
	labw = clampi(labw + 12, 60, 260);
	int valw = share ? 130 : 80;
	int plotw = W - labw - valw;
	if (plotw < 120) {
		plotw = 120;
		W = labw + plotw + valw;
	}
	const int rowh = 24, top = 8;
	int y0 = top + (int)n * rowh + 2;
	int H = y0 + 44;
	struct axis a = axis_for(vmax);
	svg_open(b, c, W, H);
	for (int k = 0; k <= a.ticks; k++) {
		double x = labw + (double)plotw * k / a.ticks;
		char lab[64];
		fmt_num(lab, sizeof lab, k * a.step, a.decimals);
		sk_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
			      x, top, x, y0 + 4, k ? GRID_COLOUR : AXIS_COLOUR);
		text(b, x, y0 + 17, "middle", NULL, lab);
	}
	sk_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n",
		      labw, y0, labw + plotw, y0, AXIS_COLOUR);
	for (size_t i = 0; i < n; i++) {
		int y = top + (int)i * rowh;
		double w = value[i] > 0 ? plotw * value[i] / a.max : 0;
		char val[160], num[64];
		fmt_num(num, sizeof num, value[i], c->decimals);
		if (share && total > 0) {
			char pct[64];
			fmt_num(pct, sizeof pct, 100 * value[i] / total, 1);
			snprintf(val, sizeof val, "%s (%s%%)", num, pct);
		} else
			snprintf(val, sizeof val, "%s", num);
		sk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\">"
			      "<title>", labw, y + 4, w, BAR_COLOUR);
		sk_buf_escs(b, label[i]);
		sk_buf_puts(b, ": ");
		sk_buf_escs(b, val);
		sk_buf_puts(b, "</title></rect>\n");
		text(b, labw - 6, y + 16, "end", NULL, label[i]);
		text(b, labw + w + 5, y + 16, NULL, NULL, val);
	}
	if (c->xlabel)
		text(b, labw + plotw / 2.0, y0 + 36, "middle", "font-weight=\"600\"", c->xlabel);
	sk_buf_puts(b, "</svg>\n");
}

void sk_svg_vbar(struct sk_buf *b, const struct sk_chart *c, size_t n,
		 const char *const *label, size_t nser, const char *const *series,
		 const double *value)
{
	int W = c->width ? c->width : 640;
	const int left = 64, right = 16, ploth = 220, bottom = 52;
	int top = nser > 1 ? 32 : 12;
	int plotw = W - left - right;
	int H = top + ploth + bottom;
	double vmax = 0;
	for (size_t i = 0; i < n * nser; i++)
		if (value[i] > vmax)
			vmax = value[i];
	struct axis a = axis_for(vmax);
	svg_open(b, c, W, H);
	y_axis(b, &a, left, top, plotw, ploth, c->ylabel);
	double groupw = n ? (double)plotw / n : plotw;
	double barw = groupw * 0.72 / (nser ? nser : 1);
	for (size_t i = 0; i < n; i++) {
		double gx = left + groupw * i + groupw * 0.14;
		for (size_t s = 0; s < nser; s++) {
			double v = value[i * nser + s];
			double h = v > 0 ? ploth * v / a.max : 0;
			char num[64];
			fmt_num(num, sizeof num, v, c->decimals);
			sk_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				      "fill=\"%s\"><title>", gx + barw * s, top + ploth - h, barw, h,
				      series_colour[s % 4]);
			if (nser > 1) {
				sk_buf_escs(b, series[s]);
				sk_buf_puts(b, ", ");
			}
			sk_buf_escs(b, label[i]);
			sk_buf_puts(b, ": ");
			sk_buf_puts(b, num);
			sk_buf_puts(b, "</title></rect>\n");
		}
		text(b, left + groupw * (i + 0.5), top + ploth + 16, "middle", NULL, label[i]);
	}
	if (c->xlabel)
		text(b, left + plotw / 2.0, top + ploth + 38, "middle", "font-weight=\"600\"",
		     c->xlabel);
	if (nser > 1) {
		double x = left;
		for (size_t s = 0; s < nser; s++) {
			sk_buf_printf(b, "<rect x=\"%.1f\" y=\"8\" width=\"12\" height=\"12\" "
				      "fill=\"%s\"/>\n", x, series_colour[s % 4]);
			text(b, x + 16, 18, NULL, NULL, series[s]);
			x += 16 + text_width(series[s]) + 20;
		}
	}
	sk_buf_puts(b, "</svg>\n");
}

void sk_svg_histogram(struct sk_buf *b, const struct sk_chart *c, size_t nbin,
		      const double *edge, const double *count, int open_last)
{
	int W = c->width ? c->width : 640;
	const int left = 64, right = 16, top = 12, ploth = 220, bottom = 52;
	int gap = open_last ? 10 : 0;
	int plotw = W - left - right;
	int H = top + ploth + bottom;
	double vmax = 0;
	for (size_t i = 0; i < nbin; i++)
		if (count[i] > vmax)
			vmax = count[i];
	struct axis a = axis_for(vmax);
	svg_open(b, c, W, H);
	y_axis(b, &a, left, top, plotw, ploth, c->ylabel);
	double binw = nbin ? (double)(plotw - gap) / nbin : plotw;
	size_t nreg = open_last && nbin ? nbin - 1 : nbin;	/* bins with both edges */
	for (size_t i = 0; i < nbin; i++) {
		int open = open_last && i == nbin - 1;
		double x = left + binw * i + (open ? gap : 0);
		double h = count[i] > 0 ? ploth * count[i] / a.max : 0;
		char lo[64], hi[64], num[64];
		fmt_num(lo, sizeof lo, edge[i], c->decimals);
		fmt_num(hi, sizeof hi, edge[i + 1], c->decimals);
		fmt_num(num, sizeof num, count[i], 0);
		sk_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			      "fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.5\"><title>",
			      x, top + ploth - h, binw, h, open ? series_colour[1] : BAR_COLOUR);
		if (open)
			sk_buf_printf(b, "%s and more: %s", lo, num);
		else
			sk_buf_printf(b, "%s to under %s: %s", lo, hi, num);
		sk_buf_puts(b, "</title></rect>\n");
		/* Counts over the bars, where they fit: in a skewed
		 * distribution the tail's bars are too short to read off the
		 * axis. */
		if (count[i] > 0 && binw >= text_width(num) + 2)
			sk_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
				      "fill=\"#555\">%s</text>\n",
				      x + binw / 2, top + ploth - h - 3, num);
	}
	/* Edge labels, thinned so that at most about eight show. */
	size_t every = (nreg + 1 + 7) / 8;
	if (every < 1)
		every = 1;
	for (size_t j = 0; j <= nreg; j += every) {
		if (open_last && j == nreg)
			break;	/* the open bin's own label says it */
		char lab[64];
		fmt_num(lab, sizeof lab, edge[j], c->decimals);
		double x = left + binw * j;
		sk_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
			      x, top + ploth, x, top + ploth + 4, AXIS_COLOUR);
		text(b, x, top + ploth + 16, "middle", NULL, lab);
	}
	if (open_last && nbin) {
		char lab[80], num[64];
		fmt_num(num, sizeof num, edge[nbin - 1], c->decimals);
		snprintf(lab, sizeof lab, "\xe2\x89\xa5 %s", num);	/* U+2265 */
		text(b, left + binw * (nbin - 0.5) + gap, top + ploth + 16, "middle", NULL, lab);
	}
	if (c->xlabel)
		text(b, left + plotw / 2.0, top + ploth + 38, "middle", "font-weight=\"600\"",
		     c->xlabel);
	sk_buf_puts(b, "</svg>\n");
}

static void heat_value(char *buf, size_t size, double v, int percent, int decimals)
{
	char num[48];
	if (percent) {
		fmt_num(num, sizeof num, 100 * v, 1);
		snprintf(buf, size, "%s%%", num);
	} else
		fmt_num(buf, size, v, decimals);
}

void sk_svg_heatmap(struct sk_buf *b, const struct sk_chart *c, const struct sk_heat *h)
{
	int W = c->width ? c->width : 640;
	int rowlabw = 0, collabw = 0;
	for (size_t i = 0; i < h->nrow; i++)
		if (text_width(h->rowlab[i]) > rowlabw)
			rowlabw = text_width(h->rowlab[i]);
	for (size_t j = 0; j < h->ncol; j++)
		if (text_width(h->collab[j]) > collabw)
			collabw = text_width(h->collab[j]);
	int left = 28 + clampi(rowlabw + 8, 24, 140);
	const int top = 8, right = 16;
	int cw = h->ncol ? clampi((W - left - right) / (int)h->ncol, 8, 64) : 8;
	int ch = h->nrow <= 24 ? 26 : clampi(600 / (int)h->nrow, 10, 26);
	int gridw = cw * (int)h->ncol, gridh = ch * (int)h->nrow;
	W = left + gridw + right;
	if (W < left + 420)
		W = left + 420;	/* room for the legend */
	int y0 = top + gridh;
	int H = y0 + 96;
	svg_open(b, c, W, H);

	/* Cells, with a value label where it fits. */
	char sample[64];
	heat_value(sample, sizeof sample, 0.888, h->percent, c->decimals);
	int labels = ch >= 14 && cw >= text_width(sample) + 4;
	int any_empty = 0;
	for (size_t i = 0; i < h->nrow; i++) {
		for (size_t j = 0; j < h->ncol; j++) {
			double v = h->v[i * h->ncol + j];
			int x = left + cw * (int)j, y = top + ch * (int)i;
			char fill[8] = EMPTY_COLOUR, val[64] = "no data";
			int dark = 0;
			if (isfinite(v)) {
				dark = sk_svg_heat_colour(v, h->lo, h->hi, fill);
				heat_value(val, sizeof val, v, h->percent, c->decimals);
			} else
				any_empty = 1;
			sk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				      "fill=\"%s\" stroke=\"#fff\" stroke-width=\"1\"><title>",
				      x, y, cw, ch, fill);
			sk_buf_escs(b, h->rowname);
			sk_buf_puts(b, " ");
			sk_buf_escs(b, h->rowlab[i]);
			sk_buf_puts(b, ", ");
			sk_buf_escs(b, h->colname);
			sk_buf_puts(b, " ");
			sk_buf_escs(b, h->collab[j]);
			sk_buf_puts(b, ": ");
			if (isfinite(v)) {
				sk_buf_escs(b, h->vname);
				sk_buf_puts(b, " ");
			}
			sk_buf_escs(b, val);
			if (h->n) {
				char num[64];
				fmt_num(num, sizeof num, h->n[i * h->ncol + j], 0);
				sk_buf_printf(b, ", %s ", num);
				sk_buf_escs(b, h->nname ? h->nname : "records");
			}
			sk_buf_puts(b, "</title></rect>\n");
			if (labels && isfinite(v))
				sk_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
					      "fill=\"%s\">%s</text>\n",
					      x + cw / 2.0, y + ch / 2.0 + 4, dark ? "#fff" : "#000",
					      val);
		}
	}

	/* Row labels, and column labels thinned to fit. */
	for (size_t i = 0; i < h->nrow; i++) {
		if (ch < 12 && i % (size_t)((12 + ch - 1) / ch) != 0)
			continue;
		text(b, left - 6, top + ch * (double)i + ch / 2.0 + 4, "end", NULL, h->rowlab[i]);
	}
	size_t every = (size_t)((collabw + 6 + cw - 1) / cw);
	if (every < 1)
		every = 1;
	for (size_t j = 0; j < h->ncol; j += every)
		text(b, left + cw * (double)j + cw / 2.0, y0 + 15, "middle", NULL, h->collab[j]);
	if (c->xlabel)
		text(b, left + gridw / 2.0, y0 + 34, "middle", "font-weight=\"600\"", c->xlabel);
	if (c->ylabel) {
		char tr[96];
		snprintf(tr, sizeof tr, "transform=\"rotate(-90 %d %.1f)\"", 14, top + gridh / 2.0);
		text(b, 14, top + gridh / 2.0, "middle", tr, c->ylabel);
	}

	/* Legend: the scale in ten steps, each the colour of its midpoint,
	 * with the ends and the middle labelled. */
	int ly = y0 + 50, lx = left;
	const int sw = 28;
	text(b, lx, ly - 6, NULL, NULL, h->vname);
	for (int k = 0; k < 10; k++) {
		char fill[8];
		sk_svg_heat_colour(h->lo + (h->hi - h->lo) * (k + 0.5) / 10, h->lo, h->hi, fill);
		sk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"%s\"/>\n",
			      lx + k * sw, ly, sw, fill);
	}
	for (int k = 0; k <= 2; k++) {
		char val[64];
		heat_value(val, sizeof val, h->lo + (h->hi - h->lo) * k / 2, h->percent,
			   c->decimals);
		text(b, lx + 5 * sw * k, ly + 26, k == 0 ? "start" : k == 1 ? "middle" : "end",
		     NULL, val);
	}
	if (any_empty) {
		int ex = lx + 10 * sw + 24;
		sk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"%s\"/>\n",
			      ex, ly, sw, EMPTY_COLOUR);
		text(b, ex + sw + 6, ly + 10, NULL, NULL, "no data");
	}
	sk_buf_puts(b, "</svg>\n");
}
