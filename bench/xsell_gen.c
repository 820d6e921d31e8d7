/* xsell_gen.c: a synthetic basket log for bench/xsell.sh.
 *
 * Usage: xsell_gen [LINES [PRODUCTS [CUSTOMERS [SEED]]]]
 *        (default 5000000 10000 500000 42)
 * Writes customer_id,date,order_id,product,category,price,quantity, one
 * line per product of an order, orders in date order over two years.
 *
 * Popularity is Zipf-like: product p00000 is the most popular and the
 * product of popularity rank k is drawn with weight 1/(k+1), the shape of
 * retail sales (many slow movers, a few bestsellers).  An order holds
 * 1 + a geometric number of draws (mean about 2.3 lines).  Planted
 * associations give the miner something to find:
 *   - 500 pairs a -> b among mid-popular products: an order holding a
 *     also holds b with probability 0.5;
 *   - 100 bundles of three products: 2% of orders add a whole bundle.
 * One order in twenty has no order_id (its rows form a customer-day
 * basket).  Products belong to one of 200 categories, each with its own
 * price level and a log-normal spread.  A small xorshift generator keeps
 * the output identical on every machine for a given seed. */
#include "gen.h"

static double normal(void)
{
	/* Box-Muller; one of the pair is enough here. */
	return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

#define NCAT 200
#define NPAIR 500
#define NBUNDLE 100

static double *cdf;
static long nprod;

/* A product by popularity: binary search in the cumulative weights. */
static long draw(void)
{
	double u = unif() * cdf[nprod - 1];
	long lo = 0, hi = nprod - 1;
	while (lo < hi) {
		long mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 2023-01-01 + day as YYYY-MM-DD. */
static void date(int day, char buf[40])
{
	int y, m, d;
	gen_ymd(day, &y, &m, &d);
	snprintf(buf, 40, "%04d-%02d-%02d", y, m, d);
}

int main(int argc, char **argv)
{
	long nlines = argc > 1 ? atol(argv[1]) : 5000000;
	nprod = argc > 2 ? atol(argv[2]) : 10000;
	long ncust = argc > 3 ? atol(argv[3]) : 500000;
	st = argc > 4 ? strtoull(argv[4], NULL, 10) : 42;
	if (st == 0)
		st = 1;
	if (nprod < 100 || ncust < 1 || nlines < 1) {
		fprintf(stderr, "xsell_gen: need at least 100 products and 1 customer\n");
		return 64;
	}
	cdf = malloc(sizeof *cdf * (size_t)nprod);
	double *price = malloc(sizeof *price * (size_t)nprod);
	long *partner = malloc(sizeof *partner * (size_t)nprod);
	if (!cdf || !price || !partner)
		return 1;
	double sum = 0;
	for (long k = 0; k < nprod; k++) {
		sum += 1.0 / (double)(k + 1);
		cdf[k] = sum;
	}
	double level[NCAT];
	for (int c = 0; c < NCAT; c++)
		level[c] = 1 + 5 * unif();	/* log price, about 3 to 400 */
	for (long p = 0; p < nprod; p++) {
		double v = exp(level[p % NCAT] + 0.6 * normal());
		price[p] = floor(v * 100 + 0.5) / 100 + 0.99;
		partner[p] = -1;
	}
	for (int i = 0; i < NPAIR; i++) {
		long a = 20 + (long)(unif() * (double)(nprod / 3));
		partner[a] = (long)(unif() * (double)nprod);
	}
	long bundle[NBUNDLE][3];
	for (int i = 0; i < NBUNDLE; i++)
		for (int j = 0; j < 3; j++)
			bundle[i][j] = (long)(unif() * (double)nprod);

	/* Orders are spread evenly over 730 days; the expected count sets the
	 * pace, the line budget the end. */
	double orders = (double)nlines / 2.3;
	long lines = 0, order = 0;
	long items[64];
	char day[40];
	printf("customer_id,date,order_id,product,category,price,quantity\n");
	while (lines < nlines) {
		int n = 0;
		do
			items[n++] = draw();
		while (n < 40 && unif() < 0.57);
		for (int i = 0, m = n; i < m && n < 60; i++)
			if (partner[items[i]] >= 0 && unif() < 0.5)
				items[n++] = partner[items[i]];
		if (unif() < 0.02) {
			int b = (int)(unif() * NBUNDLE);
			for (int j = 0; j < 3; j++)
				items[n++] = bundle[b][j];
		}
		long cust = (long)(unif() * (double)ncust);
		int d = (int)((double)order * 730 / orders);
		date(d < 730 ? d : 729, day);
		int has_order = unif() >= 0.05;
		for (int i = 0; i < n && lines < nlines; i++, lines++) {
			long p = items[i];
			int qty = unif() < 0.1 ? 2 : 1;
			if (has_order)
				printf("c%06ld,%s,o%08ld,p%05ld,k%03ld,%.2f,%d\n", cust, day, order, p,
				       p % NCAT, price[p], qty);
			else
				printf("c%06ld,%s,,p%05ld,k%03ld,%.2f,%d\n", cust, day, p, p % NCAT,
				       price[p], qty);
		}
		order++;
	}
	free(cdf);
	free(price);
	free(partner);
	return ferror(stdout) || fflush(stdout) ? 74 : 0;
}
