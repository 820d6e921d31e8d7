/* gen.h: what the bench generators (gen.c, ggomgen.c, xsell_gen.c) share:
 * a seeded xorshift uniform, Marsaglia & Tsang's gamma variate, the
 * transaction row, and writing rows in date order from day 0 =
 * 2023-01-01.  Header-only (static functions): each generator is one
 * `cc bench/NAME.c` in the bench scripts.  The same seed gives the same
 * log on any machine. */
#ifndef SK_BENCH_GEN_H
#define SK_BENCH_GEN_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t st;

/* Marsaglia (2003) xorshift64, 53 bits into (0, 1). */
static double unif(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return ((st >> 11) + 0.5) / 9007199254740992.0;
}

/* Marsaglia & Tsang (2000) gamma variate with shape k, scale 1. */
static inline double gamma_draw(double k)
{
	if (k < 1)
		return gamma_draw(k + 1) * pow(unif(), 1 / k);
	double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
	for (;;) {
		double u1 = unif(), u2 = unif();
		double z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
		double v = 1 + c * z;
		if (v <= 0)
			continue;
		v = v * v * v;
		if (log(unif()) < 0.5 * z * z + d - d * v + d * log(v))
			return d * v;
	}
}

struct tx {
	uint32_t cust;
	uint16_t day;
	uint32_t cents;
};

/* Day 0 = 2023-01-01 as year, month 1-12 and day 1-31 (a simple civil
 * conversion, right for 2023 to 2099). */
static inline void gen_ymd(int day, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int yy = 2023, mm = 0;
	for (;;) {
		int ylen = yy % 4 == 0 ? 366 : 365;
		if (day < ylen)
			break;
		day -= ylen;
		yy++;
	}
	for (;;) {
		int ml = mdays[mm] + (mm == 1 && yy % 4 == 0);
		if (day < ml)
			break;
		day -= ml;
		mm++;
	}
	*y = yy, *m = mm + 1, *d = day + 1;
}

/* Writes the n rows of t as customer_id,date,amount in date order (a
 * counting sort by day, stable within a day: the rows' order), count[d]
 * being the rows of day d < days.  1 when out of memory. */
static inline int gen_write_by_day(const struct tx *t, size_t n, const long *count, int days)
{
	long *start = calloc(days + 1, sizeof *start);
	struct tx *s = malloc(sizeof *s * (n ? n : 1));
	if (!start || !s)
		return 1;
	for (int d = 1; d <= days; d++)
		start[d] = start[d - 1] + count[d - 1];
	for (size_t i = 0; i < n; i++)
		s[start[t[i].day]++] = t[i];
	printf("customer_id,date,amount\n");
	for (size_t i = 0; i < n; i++) {
		int y, m, d;
		gen_ymd(s[i].day, &y, &m, &d);
		printf("C%07u,%04d-%02d-%02d,%u.%02u\n", s[i].cust, y, m, d, s[i].cents / 100,
		       s[i].cents % 100);
	}
	free(s);
	free(start);
	return 0;
}

#endif
