/* test_report.c: unit tests for the report's number formats and colours
 * (lib/report/svg.c): thousands separators and money (issue 22: numbers
 * for people), the WCAG 2.1 relative luminance, and the heat map's label
 * colour, which must keep a contrast of 4.5:1 on every colour of the
 * scale.
 *
 * Reference luminances are the WCAG 2.1 definition worked by hand
 * (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance): white 1, black
 * 0, #777777 0.184475 (the channel 0x77/255 = 0.466667 linearised to
 * ((0.466667 + 0.055) / 1.055)^2.4 = 0.184475), pure red 0.2126 and pure
 * green 0.7152 (the weights themselves).
 *
 * Prints one "ok - ..." / "not ok - ..." line per check and exits 1 if
 * any failed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/svg.h"

#include "tap.h"

static void group_is(double v, int decimals, const char *want)
{
	char buf[64];
	sk_num_group(buf, sizeof buf, v, decimals);
	check(strcmp(buf, want) == 0, "sk_num_group(%.17g, %d) = \"%s\" (want \"%s\")", v, decimals,
	      buf, want);
}

static void money_is(double v, const char *want)
{
	char buf[64];
	sk_num_money(buf, sizeof buf, v);
	check(strcmp(buf, want) == 0, "sk_num_money(%.17g) = \"%s\" (want \"%s\")", v, buf, want);
}

static double contrast(double l1, double l2)
{
	double hi = l1 > l2 ? l1 : l2, lo = l1 > l2 ? l2 : l1;
	return (hi + 0.05) / (lo + 0.05);	/* WCAG 2.1 contrast ratio */
}

int main(void)
{
	/* Grouping: by three from the point, a sign kept, decimals trimmed
	 * as sk_num_format trims them. */
	group_is(0, 0, "0");
	group_is(999, 0, "999");
	group_is(1000, 0, "1,000");
	group_is(2357, 0, "2,357");
	group_is(1234567.25, 2, "1,234,567.25");
	group_is(-1234.5, 2, "-1,234.5");
	group_is(-999, 0, "-999");
	group_is(100000, 0, "100,000");
	group_is(0.4487, 4, "0.4487");
	group_is(12345.678901, 6, "12,345.678901");

	/* Money: always two decimals, no negative zero. */
	money_is(0, "0.00");
	money_is(-0.001, "0.00");
	money_is(59.06, "59.06");
	money_is(244091.94, "244,091.94");
	money_is(1234.5, "1,234.50");
	money_is(-7075, "-7,075.00");
	money_is(1e9, "1,000,000,000.00");

	/* A buffer too small is cut, never overrun, and stays a string. */
	char small[6];
	memset(small, 'x', sizeof small);
	sk_num_group(small, sizeof small, 1234567, 0);
	check(small[5] == 0 && strcmp(small, "1,234") == 0, "a 6-byte buffer holds \"%s\"", small);

	/* WCAG relative luminance. */
	struct { unsigned r, g, b; double want; } lum[] = {
		{ 255, 255, 255, 1 }, { 0, 0, 0, 0 }, { 0x77, 0x77, 0x77, 0.184475 },
		{ 255, 0, 0, 0.2126 }, { 0, 255, 0, 0.7152 }, { 0, 0, 255, 0.0722 },
	};
	for (size_t k = 0; k < sizeof lum / sizeof lum[0]; k++) {
		double got = sk_svg_luminance(lum[k].r, lum[k].g, lum[k].b);
		check(fabs(got - lum[k].want) < 1e-6, "luminance of #%02x%02x%02x = %.6f (want %.6f)",
		      lum[k].r, lum[k].g, lum[k].b, got, lum[k].want);
	}
	/* #777777 on white is the classic borderline grey: 4.48:1. */
	double c777 = contrast(1, sk_svg_luminance(0x77, 0x77, 0x77));
	check(fabs(c777 - 4.4781) < 1e-3, "#777 on white: %.4f:1 (want 4.4781)", c777);

	/* The heat map's labels: on every colour of the scale (1001
	 * points), the label colour chosen (white or black) has a contrast
	 * of at least 4.5:1, and the other one is never the better. */
	double worst = 1e9, worst_v = 0;
	int wrong = 0;
	for (int i = 0; i <= 1000; i++) {
		double v = i / 1000.0;
		char fill[8];
		int white = sk_svg_heat_colour(v, 0, 1, fill);
		unsigned r, g, b;
		if (sscanf(fill, "#%2x%2x%2x", &r, &g, &b) != 3) {
			wrong++;
			continue;
		}
		double l = sk_svg_luminance(r, g, b);
		double cw = contrast(1, l), cb = contrast(0, l);
		double got = white ? cw : cb;
		if (got < (white ? cb : cw))
			wrong++;
		if (got < worst) {
			worst = got;
			worst_v = v;
		}
	}
	check(wrong == 0, "the better of black and white chosen on all 1001 colours (%d not)", wrong);
	check(worst >= 4.5, "lowest label contrast on the scale %.3f:1 at v = %.3f (at least 4.5)",
	      worst, worst_v);
	/* The ends of the scale: light yellow takes black, dark blue white. */
	char fill[8];
	check(sk_svg_heat_colour(0, 0, 1, fill) == 0 && strcmp(fill, "#ffffd9") == 0,
	      "v = 0: %s with black text", fill);
	check(sk_svg_heat_colour(1, 0, 1, fill) == 1 && strcmp(fill, "#081d58") == 0,
	      "v = 1: %s with white text", fill);

	printf("report: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
