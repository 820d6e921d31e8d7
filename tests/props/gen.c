/* gen: a random transaction log for the property tests (run-props.sh).
 *
 *   gen SEED CUSTOMERS [SHUFFLE_SEED]
 *
 * writes CSV on standard output: customer_id, date, amount, order_id,
 * event, product.  The same SEED gives the same log on every machine (own
 * PRNG, no rand()).  With SHUFFLE_SEED the same rows come in another
 * order, the header first.  The log has what the programs must cope with:
 * one-time buyers and frequent ones, several purchases on one day, orders
 * of several lines, refunds, zero amounts, and prospects whose only rows
 * are events other than purchase. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

/* splitmix64 (Steele, Lea & Flood 2014): tiny, and well mixed enough. */
static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(next() % n);
}

static char **rows;
static size_t nrows, cap;

static void add(const char *line)
{
	if (nrows == cap) {
		cap = cap ? 2 * cap : 1024;
		rows = realloc(rows, cap * sizeof *rows);
		if (!rows) {
			perror("gen");
			exit(70);
		}
	}
	rows[nrows] = strdup(line);
	if (!rows[nrows]) {
		perror("gen");
		exit(70);
	}
	nrows++;
}

/* Day number (days since 1970-01-01) to YYYY-MM-DD (Hinnant's algorithm). */
static void ymd(long z, char *buf, size_t n)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = (long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(buf, n, "%04ld-%02u-%02u", y + (m <= 2), m, d);
}

static const char *const products[] = {
	"apple", "pear", "fig", "plum", "kiwi", "lime", "mango", "grape", "melon", "cherry",
};
static const char *const events[] = { "visit", "signup", "cart", "review" };

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: gen SEED CUSTOMERS [SHUFFLE_SEED]\n", stderr);
		return 64;
	}
	state = strtoull(argv[1], NULL, 10);
	unsigned ncust = (unsigned)strtoul(argv[2], NULL, 10);
	const long start = 19358;	/* 2023-01-01 */
	const unsigned span = 730;	/* two years */
	char line[256], date[48];
	unsigned order = 0;

	for (unsigned c = 0; c < ncust; c++) {
		/* Ids that do not sort in the order of creation. */
		char id[32];
		snprintf(id, sizeof id, "c%05u", (unsigned)((c * 7919u) % 100003u));
		unsigned kind = below(10);
		long first = start + below(span);
		if (kind == 0) {
			/* A prospect: events only. */
			unsigned k = 1 + below(3);
			for (unsigned j = 0; j < k; j++) {
				ymd(first + below(60), date, sizeof date);
				snprintf(line, sizeof line, "%s,%s,,,%s,", id, date, events[below(4)]);
				add(line);
			}
			continue;
		}
		/* One-time buyers, a few purchases, or many. */
		unsigned n = kind < 4 ? 1 : kind < 8 ? 2 + below(4) : 6 + below(25);
		long day = first;
		for (unsigned j = 0; j < n && day < start + (long)span; j++) {
			ymd(day, date, sizeof date);
			order++;
			unsigned lines = 1 + (below(4) == 0 ? below(3) : 0);
			unsigned p = below(10);
			for (unsigned l = 0; l < lines; l++) {
				/* Amounts in cents: some zero, a few refunds. */
				long cents = below(20) == 0 ? 0 : 100 + (long)below(20000);
				if (below(30) == 0)
					cents = -cents;
				snprintf(line, sizeof line, "%s,%s,%ld.%02ld,o%u,%s,%s", id, date,
					 cents / 100, labs(cents % 100), order,
					 below(8) == 0 ? "purchase" : "",
					 products[(p + l * (1 + below(2))) % 10]);
				if (cents < 0 && cents > -100)
					snprintf(line, sizeof line, "%s,%s,-0.%02ld,o%u,,%s", id, date,
						 -cents, order, products[p]);
				add(line);
			}
			/* A second purchase on the same day, another order. */
			if (below(10) == 0) {
				order++;
				snprintf(line, sizeof line, "%s,%s,%u.50,o%u,,%s", id, date,
					 1 + below(50), order, products[below(10)]);
				add(line);
			}
			/* Events between purchases. */
			if (below(5) == 0) {
				ymd(day + below(5), date, sizeof date);
				snprintf(line, sizeof line, "%s,%s,,,%s,", id, date, events[below(4)]);
				add(line);
			}
			day += 1 + below(kind < 8 ? 200 : 40);
		}
	}

	if (argc > 3) {
		/* Fisher-Yates with its own seed. */
		state = strtoull(argv[3], NULL, 10);
		for (size_t i = nrows; i > 1; i--) {
			size_t j = (size_t)(next() % i);
			char *t = rows[i - 1];
			rows[i - 1] = rows[j];
			rows[j] = t;
		}
	}
	puts("customer_id,date,amount,order_id,event,product");
	for (size_t i = 0; i < nrows; i++) {
		puts(rows[i]);
		free(rows[i]);
	}
	free(rows);
	return fflush(stdout) ? 74 : 0;
}
