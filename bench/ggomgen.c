/* ggomgen.c: a transaction log whose dropout hazard grows, for the
 * GGom/NBD bench row (issue 20).
 *
 * Usage: ggomgen [CUSTOMERS [SEED]]  (default 1000000 42)
 * Writes customer_id,date,amount in date order.  The GGom/NBD story
 * (Bemmaor & Glady 2012, Management Science 58(5), sec. 2), as the
 * simulator of tests/unit/test_ggomnbd.c: purchase rate lambda ~
 * Gamma(r, alpha) per day, a lifetime tau with P(tau > y | eta) =
 * exp(-eta (e^(b y) - 1)), eta ~ Gamma(s, beta), drawn as tau = ln(1 +
 * E / eta) / b with E ~ Exp(1) (the Gompertz quantile); Poisson purchases
 * from the first until min(tau, the end of a two-year window), customers
 * acquired uniformly over its first year.  b = 2/365: the hazard grows
 * e-fold every half year, so b > 0 is an interior maximum that the data
 * identify.  gen.c's xorshift generator: the same output on every
 * machine for a given seed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t st;

static double unif(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return ((st >> 11) + 0.5) / 9007199254740992.0;
}

/* Marsaglia & Tsang (2000) gamma variate with shape k, scale 1. */
static double gamma_draw(double k)
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

int main(int argc, char **argv)
{
	long ncust = argc > 1 ? atol(argv[1]) : 1000000;
	st = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
	if (st == 0)
		st = 1;
	const int days = 730;
	const double r = 0.9, alpha = 45, b = 2.0 / 365, s = 1.2, beta = 4;
	size_t cap = (size_t)ncust * 4 + 16, n = 0;
	struct tx *t = malloc(sizeof *t * cap);
	long *count = calloc(days + 1, sizeof *count);
	if (!t || !count)
		return 1;
	for (long c = 0; c < ncust; c++) {
		double first = floor(unif() * 365);
		double lambda = gamma_draw(r) / alpha, eta = gamma_draw(s) / beta;
		double tau = log1p(-log(unif()) / fmax(eta, 1e-300)) / b;
		double end = fmin(first + tau, days), day = first, spend = 10 + 90 * unif();
		for (;;) {
			if (n == cap) {
				cap *= 2;
				t = realloc(t, sizeof *t * cap);
				if (!t)
					return 1;
			}
			t[n].cust = (uint32_t)c;
			t[n].day = (uint16_t)day;
			t[n].cents = (uint32_t)(spend * (0.5 + unif()) * 100);
			count[(int)day]++;
			n++;
			day += -log(unif()) / fmax(lambda, 1e-300);
			if (!(day < end))
				break;
		}
	}
	/* Counting sort by day (stable within a day: customer order). */
	long *start = calloc(days + 1, sizeof *start);
	struct tx *o = malloc(sizeof *o * (n ? n : 1));
	if (!start || !o)
		return 1;
	for (int d = 1; d <= days; d++)
		start[d] = start[d - 1] + count[d - 1];
	for (size_t i = 0; i < n; i++)
		o[start[t[i].day]++] = t[i];
	printf("customer_id,date,amount\n");
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	for (size_t i = 0; i < n; i++) {
		/* day 0 = 2023-01-01 */
		int d = o[i].day, y = 2023, m = 0;
		for (;;) {
			int ylen = y % 4 == 0 ? 366 : 365;
			if (d < ylen)
				break;
			d -= ylen;
			y++;
		}
		for (;;) {
			int ml = mdays[m] + (m == 1 && y % 4 == 0);
			if (d < ml)
				break;
			d -= ml;
			m++;
		}
		printf("C%07u,%04d-%02d-%02d,%u.%02u\n", o[i].cust, y, m + 1, d + 1,
		       o[i].cents / 100, o[i].cents % 100);
	}
	free(o);
	free(start);
	free(t);
	free(count);
	return 0;
}
