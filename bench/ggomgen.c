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
#include "gen.h"

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
	if (gen_write_by_day(t, (size_t)n, count, days))
		return 1;
	free(t);
	free(count);
	return 0;
}
