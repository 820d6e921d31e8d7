/* gen.c: a synthetic transaction log for `make bench`.
 *
 * Usage: gen [TRANSACTIONS [CUSTOMERS [SEED [K]]]]  (default 5000000 1000000 42 1)
 * Writes customer_id,date,amount in date order, as most exports arrive.
 * Customers are acquired uniformly over the first year of a two-year
 * window; each buys at a customer-specific rate until it drops out
 * (roughly the BG/NBD story), and the transaction count is met by
 * scaling.  A small xorshift generator keeps the output identical on
 * every machine for a given seed.  K > 1 makes the gaps between purchases
 * Erlang-K with the same mean (the BG/CNBD-k story, Platzer & Reutterer
 * 2016: regular buyers), for the CNBD-k bench row. */
#include "gen.h"

int main(int argc, char **argv)
{
	long ntx = argc > 1 ? atol(argv[1]) : 5000000;
	long ncust = argc > 2 ? atol(argv[2]) : 1000000;
	st = argc > 3 ? strtoull(argv[3], NULL, 10) : 42;
	int kshape = argc > 4 ? atoi(argv[4]) : 1;
	if (kshape < 1)
		kshape = 1;
	if (st == 0)
		st = 1;
	const int days = 730;
	struct tx *t = malloc(sizeof *t * (size_t)ntx);
	long *count = calloc(days + 1, sizeof *count);
	if (!t || !count)
		return 1;
	int *firstday = malloc(sizeof *firstday * (size_t)ncust);
	if (!firstday)
		return 1;
	long n = 0;
	/* The BG/NBD story (Fader, Hardie & Lee 2005): purchase rate
	 * lambda ~ Gamma(r, alpha) per day, drop-out after each purchase with
	 * probability p ~ Beta(a, b); every customer buys once in the first
	 * year, and the budget keeps room for one purchase per customer still
	 * to come. */
	const double r = 0.9, alpha = 45, a = 0.8, b = 2.4;
	for (long c = 0; c < ncust; c++) {
		int first = (int)(unif() * 365);
		firstday[c] = first;
		double lambda = gamma_draw(r) / alpha;
		double ga = gamma_draw(a), gb = gamma_draw(b), p = ga / (ga + gb);
		double spend = 10 + 90 * unif();
		double day = first;
		long reserve = ncust - c - 1;
		for (;;) {
			t[n].cust = (uint32_t)c;
			t[n].day = (uint16_t)day;
			t[n].cents = (uint32_t)(spend * (0.5 + unif()) * 100);
			count[(int)day]++;
			n++;
			if (unif() < p && day > first)
				break;	/* dropped out after this repeat purchase */
			if (kshape == 1) {
				day += -log(unif()) / lambda;
			} else {	/* Erlang-K, mean 1 / lambda */
				double g = 0;
				for (int i = 0; i < kshape; i++)
					g += -log(unif());
				day += g / (kshape * lambda);
			}
			if (day >= days || n >= ntx - reserve)
				break;
		}
	}
	/* Customers that ran out of window leave the count short: top up with
	 * extra purchases of random customers after their first day. */
	while (n < ntx) {
		long c = (long)(unif() * ncust);
		int day = firstday[c] + (int)(unif() * (days - firstday[c]));
		t[n].cust = (uint32_t)c;
		t[n].day = (uint16_t)day;
		t[n].cents = (uint32_t)(1000 + 9000 * unif());
		count[day]++;
		n++;
	}
	free(firstday);
	if (gen_write_by_day(t, (size_t)n, count, days))
		return 1;
	free(t);
	free(count);
	return 0;
}
