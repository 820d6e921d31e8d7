/* test_table.c: customer records made and read on every core
 * (lib/record/table.c: sk_table_add_rows, sk_table_check_rows) and the
 * readers that use them (sk_summary_table through sk_customers_read,
 * sk_custdata_read, sk_backtest_read with the order value).
 *
 * What is made on two threads must be what one makes, row for row, and
 * a bad row must be told as one thread tells it: the first bad row's
 * "prog: file:line: message" and exit status, whichever thread met a
 * bad row first and whatever the others met.  Errors end the process,
 * so each error case runs in forked children, one on two threads and
 * one on one, whose exit status and stderr must be the same; the
 * children are forked before this process starts threads of its own
 * (iotest.h says why).
 *
 * Prints one "ok - ..." / "not ok - ..." line per check and exits 1 if
 * any failed. */
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "crm/summary.h"
#include "model/backtest.h"
#include "model/score.h"
#include "record/io.h"
#include "record/util.h"

#include "iotest.h"

/* Big enough for the parallel paths (20,000 rows and more) and for
 * several chunks of rows for each thread. */
#define NROWS 100000

/* ---- the first bad row, met by two threads ---- */

/* One line of stderr without its newline (then the only one). */
static void chomp(char *err)
{
	char *nl = strchr(err, '\n');
	if (nl && nl[1] == 0)
		*nl = 0;
}

static struct sk_table *volatile child_table;	/* reachable at exit (LeakSanitizer) */

static int late_met;		/* the thread at the later bad row has met it */
static int threads_met;		/* threads that met a bad row */

/* Rows 5 and 60,005 are bad.  The thread that meets row 5 waits until
 * another has met row 60,005 (up to 10 s), so the later bad row is
 * found first in time and by a second thread: the first bad row must
 * still be row 5.  On the second look (die) the message says how many
 * threads met a bad row. */
static int two_bad(size_t i, int die, void *ctx)
{
	const struct sk_table *t = ctx;
	if (i != 5 && i != 60005)
		return 0;
	if (die)
		return sk_table_bad(t, i, 1, "bad row %zu (bad rows met by %d threads)", i,
				    __atomic_load_n(&threads_met, __ATOMIC_SEQ_CST));
	__atomic_add_fetch(&threads_met, 1, __ATOMIC_SEQ_CST);
	if (i == 60005) {
		__atomic_store_n(&late_met, 1, __ATOMIC_SEQ_CST);
		return 1;
	}
	time_t t0 = time(NULL);
	while (!__atomic_load_n(&late_met, __ATOMIC_SEQ_CST) && time(NULL) - t0 < 10)
		sched_yield();
	return 1;
}

static void check_two_bad(const void *arg)
{
	omp_set_num_threads(*(const int *)arg);
	struct sk_table *t = sk_table_new(SK_FMT_CSV);
	child_table = t;
	sk_table_add_col(t, "v");
	const char *f[1] = { "x" };
	size_t len[1] = { 1 };
	for (size_t i = 0; i < NROWS; i++)
		sk_table_add_row(t, "rows.csv", i + 2, 1, f, len, NULL);
	sk_table_check_rows(t, 0, two_bad, t);
}

static void test_first_bad_of_two_threads(void)
{
	int two = 2, one = 1;
	struct outcome par = run_child(check_two_bad, &two);
	struct outcome ser = run_child(check_two_bad, &one);
	chomp(par.err);
	chomp(ser.err);
	const char *want = "test_table: rows.csv:7: bad row 5 (bad rows met by 2 threads)";
	check(par.status == 65 && strcmp(par.err, want) == 0,
	      "two threads each meet a bad row, the later one first: the first is told "
	      "(got %d, \"%s\")", par.status, par.err);
	check(ser.status == 65 && strcmp(ser.err, "test_table: rows.csv:7: bad row 5 "
					 "(bad rows met by 0 threads)") == 0,
	      "on one thread, row by row with its message (got %d, \"%s\")", ser.status, ser.err);
}

/* ---- the readers' messages on two threads and on one ---- */

/* A bad field: row, column, text. */
struct bad {
	size_t row;
	int col;
	const char *text;
};

enum reader { CUSTDATA, BACKTEST };

struct reader_case {
	const char *what;
	enum reader reader;
	const struct bad *bad;	/* ended by text NULL */
	int threads;
};

/* The columns of the records: frequency, recency, T, then for the
 * backtest its four columns and the spend at the end and at the cut. */
static const char *const cols[] = {
	"frequency", "recency", "T", "backtest_frequency", "backtest_recency", "backtest_T",
	"backtest_purchases", "total_spend", "backtest_total_spend",
};
#define NCOL_RFM 3
#define NCOL_BT 9

/* Customer i as text: frequency i % 4, T 30 + i % 11, a cut 10 before
 * the end; the first 3 customers and every 7th bought after the cut
 * only (empty backtest columns), so the window is set by row 3. */
static void customer(size_t i, char v[NCOL_BT][32])
{
	int x = (int)(i % 4), T = 30 + (int)(i % 11), tx = x ? T - 1 - (int)(i % 3) : 0;
	int after = i < 3 || i % 7 == 0;
	int xb = x ? x - 1 : 0, Tb = T - 10, txb = xb ? Tb - 1 : 0;
	snprintf(v[0], 32, "%d", after ? 0 : x);
	snprintf(v[1], 32, "%d", after ? 0 : tx);
	snprintf(v[2], 32, "%d", T);
	snprintf(v[7], 32, "%d.5", 10 + (int)(i % 13));
	if (after) {
		for (int k = 3; k < 7; k++)
			v[k][0] = 0;
		v[8][0] = 0;
		return;
	}
	snprintf(v[3], 32, "%d", xb);
	snprintf(v[4], 32, "%d", txb);
	snprintf(v[5], 32, "%d", Tb);
	snprintf(v[6], 32, "%d", x - xb);
	snprintf(v[8], 32, "%d", 5 + (int)(i % 5));
}

static struct sk_table *records(int ncol, const struct bad *bad)
{
	struct sk_table *t = sk_table_new(SK_FMT_CSV);
	for (int k = 0; k < ncol; k++)
		sk_table_add_col(t, cols[k]);
	for (size_t i = 0; i < NROWS; i++) {
		char v[NCOL_BT][32];
		const char *f[NCOL_BT];
		size_t len[NCOL_BT];
		customer(i, v);
		for (const struct bad *b = bad; b && b->text; b++)
			if (b->row == i)
				snprintf(v[b->col], 32, "%s", b->text);
		for (int k = 0; k < ncol; k++) {
			f[k] = v[k];
			len[k] = strlen(v[k]);
		}
		sk_table_add_row(t, "customers.csv", i + 2, (size_t)ncol, f, len, NULL);
	}
	return t;
}

static struct sk_custdata child_d;
static struct sk_backtest child_b;

static void read_records(const void *arg)
{
	const struct reader_case *c = arg;
	omp_set_num_threads(c->threads);
	struct sk_table *t = records(c->reader == BACKTEST ? NCOL_BT : NCOL_RFM, c->bad);
	child_table = t;
	sk_custdata_read(t, NULL, 0, 0, &child_d);
	if (c->reader == BACKTEST && !sk_backtest_read(t, &child_d, &child_b))
		exit(99);
	exit(0);
}

static void expect_reader(const char *what, enum reader reader, const struct bad *bad,
			  const char *want)
{
	struct reader_case two = { what, reader, bad, 2 }, one = { what, reader, bad, 1 };
	struct outcome par = run_child(read_records, &two);
	struct outcome ser = run_child(read_records, &one);
	chomp(par.err);
	chomp(ser.err);
	check(par.status == ser.status && strcmp(par.err, ser.err) == 0 &&
	      (want ? par.status == 65 && strcmp(par.err, want) == 0 : par.status == 0),
	      "%s: two threads exit %d \"%s\", one %d \"%s\"", what, par.status, par.err,
	      ser.status, ser.err);
}

static void test_reader_messages(void)
{
	expect_reader("good records", BACKTEST, NULL, NULL);
	static const struct bad two_rows[] = {
		{ 30000, 0, "-1" }, { 45000, 1, "abc" }, { 0, 0, NULL },
	};
	expect_reader("custdata: the first of two bad rows far apart", CUSTDATA, two_rows,
		      "test_table: customers.csv:30002: column \"frequency\": \"-1\" is not a "
		      "whole number >= 0");
	static const struct bad last[] = { { 99990, 2, "x" }, { 0, 0, NULL } };
	expect_reader("custdata: a bad number near the end", CUSTDATA, last,
		      "test_table: customers.csv:99992: column \"T\": cannot parse \"x\" as a "
		      "number");
	/* rows 8191 and 8192: the last of one chunk of rows and the first
	 * of the next (CHECK_CHUNK in table.c), which two threads check */
	static const struct bad edge[] = {
		{ 8191, 1, "1e9" }, { 8192, 0, "1.5" }, { 0, 0, NULL },
	};
	expect_reader("custdata: bad rows on both sides of a chunk's edge", CUSTDATA, edge,
		      "test_table: customers.csv:8193: recency 1e+09 is after T 37: the last "
		      "purchase cannot come after the end of observation; check --as-of");
	static const struct bad bt[] = {
		{ 40000, 5, "3" }, { 35001, 3, "9" }, { 0, 0, NULL },
	};
	expect_reader("backtest: a history before a window", BACKTEST, bt,
		      "test_table: customers.csv:35003: backtest columns: frequency 9, "
		      "recency 0, T 30, purchases 1 are not a customer's history");
	/* the window is row 3's (T 33 - backtest_T 23 = 10) */
	static const struct bad win[] = {
		{ 20501, 5, "3" }, { 90001, 6, "?" }, { 0, 0, NULL },
	};
	expect_reader("backtest: a window before a bad number", BACKTEST, win,
		      "test_table: customers.csv:20503: backtest_T 3 is not T 38 minus the "
		      "held-back window 10 of the other rows");
	/* row 3, the first with a history, has a window of 11: the rows
	 * after it are compared with that, as when read one by one */
	static const struct bad first[] = { { 3, 5, "22" }, { 0, 0, NULL } };
	expect_reader("backtest: the first row's window is the one", BACKTEST, first,
		      "test_table: customers.csv:6: backtest_T 24 is not T 34 minus the "
		      "held-back window 11 of the other rows");
	static const struct bad value[] = {
		{ 70001, 7, "-4" }, { 60004, 8, "2" }, { 0, 0, NULL },
	};
	expect_reader("order value: a spend at the cut before a spend at the end", BACKTEST,
		      value, "test_table: customers.csv:60006: backtest_total_spend set for a "
		      "customer without purchases by the cut");
}

/* ---- rows made on two threads are the rows made one by one ---- */

/* Row i: 1 to 7 fields of 0 to 40 bytes, every 997th row with a field
 * of 300 bytes (16-bit offsets), every 3rd row typed (numbers and
 * nulls among text). */
struct gen {
	char buf[8][400];
	const char *f[8];
	size_t len[8];
	unsigned char type[8];
};

static size_t gen_row(struct gen *g, size_t i)
{
	size_t nf = 1 + i % 7;
	for (size_t j = 0; j < nf; j++) {
		size_t len = (i * 31 + j * 7) % 41;
		if (i % 997 == 0 && j == 0)
			len = 300;
		for (size_t k = 0; k < len; k++)
			g->buf[j][k] = (char)('a' + (i + j + k) % 26);
		g->buf[j][len] = 0;
		g->f[j] = g->buf[j];
		g->len[j] = len;
		g->type[j] = i % 3 ? SK_STR : (unsigned char)(j % 3 == 1 ? SK_NUM :
							       j % 3 == 2 ? SK_NULL : SK_STR);
	}
	return nf;
}

static void gen_chunk(struct sk_table_part *p, int k, size_t lo, size_t hi, void *ctx)
{
	struct gen *g = (struct gen *)ctx + k;
	for (size_t i = lo; i < hi; i++) {
		size_t nf = gen_row(g, i);
		sk_table_put(p, i, nf, g->f, g->len, g->type);
	}
}

/* Every field, type, file and line of a and b; the first difference
 * into why. */
static int same_tables(const struct sk_table *a, const struct sk_table *b, char *why,
		       size_t whylen)
{
	if (a->nrow != b->nrow || a->ncol != b->ncol) {
		snprintf(why, whylen, "%zu rows of %zu columns against %zu of %zu", b->nrow,
			 b->ncol, a->nrow, a->ncol);
		return 0;
	}
	for (size_t i = 0; i < a->nrow; i++) {
		if (strcmp(sk_table_file(a, i), sk_table_file(b, i)) != 0 ||
		    sk_table_line(a, i) != sk_table_line(b, i)) {
			snprintf(why, whylen, "row %zu read from %s:%lu, not %s:%lu", i,
				 sk_table_file(b, i), sk_table_line(b, i), sk_table_file(a, i),
				 sk_table_line(a, i));
			return 0;
		}
		for (long j = 0; j < 9; j++) {
			size_t la, lb;
			enum sk_ftype ta, tb;
			const char *fa = sk_table_get_out(a, i, j, &la, &ta);
			const char *fb = sk_table_get_out(b, i, j, &lb, &tb);
			if (la != lb || ta != tb || memcmp(fa, fb, la) != 0 || fb[lb] != 0) {
				snprintf(why, whylen, "row %zu field %ld differs", i, j);
				return 0;
			}
		}
	}
	snprintf(why, whylen, "the same");
	return 1;
}

static void test_add_rows(size_t n)
{
	/* each table starts with a row of its own: the rows are appended */
	const char *f0[1] = { "first" };
	size_t len0[1] = { 5 };
	struct sk_table *a = sk_table_new(SK_FMT_CSV), *b = sk_table_new(SK_FMT_CSV);
	for (int k = 0; k < 8; k++) {
		char name[8];
		snprintf(name, sizeof name, "c%d", k);
		sk_table_add_col(a, name);
		sk_table_add_col(b, name);
	}
	sk_table_add_row(a, "before.csv", 2, 1, f0, len0, NULL);
	sk_table_add_row(b, "before.csv", 2, 1, f0, len0, NULL);
	struct gen *g = malloc(SK_WRITE_THREADS * sizeof *g);
	for (size_t i = 0; i < n; i++) {
		size_t nf = gen_row(g, i);
		sk_table_add_row(a, "(made)", 10 + i, nf, g->f, g->len, g->type);
	}
	sk_table_add_rows(b, n, "(made)", 10, gen_chunk, g);
	char why[200];
	check(same_tables(a, b, why, sizeof why), "%zu rows made on %d threads: the rows made "
	      "one by one (%s)", n, omp_get_max_threads(), why);
	free(g);
	sk_table_free(a);
	sk_table_free(b);
}

/* ---- a log's summary, and what is read from it, on two threads ---- */

/* 30,000 customers of 1 to 4 purchases in 2024, amounts with cents. */
static const char *write_log(void)
{
	size_t cap = 30000 * 4 * 40, len = 0;
	char *text = malloc(cap);
	len += (size_t)sprintf(text, "customer_id,date,amount\n");
	for (int c = 0; c < 30000; c++)
		for (int k = 0; k <= c % 4; k++)
			len += (size_t)sprintf(text + len, "c%05d,2024-%02d-%02d,%d.%02d\n", c,
					       1 + (c * 7 + k * 3) % 12, 1 + (c + k * 11) % 28,
					       5 + c % 50, k * 13 % 100);
	const char *p = put_file("log.csv", text, len);
	free(text);
	return p;
}

static void test_summary(const char *log)
{
	const char *files[] = { log, NULL };
	struct sk_table *t[2];
	struct sk_custdata d[2];
	struct sk_backtest b[2];
	for (int k = 0; k < 2; k++) {
		omp_set_num_threads(k + 1);
		struct sk_opts o = opts_for(files);
		sk_opt_backtest(&o, "auto");
		t[k] = sk_customers_read(&o);
		sk_custdata_read(t[k], NULL, 0, 1, &d[k]);
		if (!sk_backtest_read(t[k], &d[k], &b[k]))
			memset(&b[k], 0, sizeof b[k]);
	}
	char why[200];
	check(t[0]->nrow == 30000 && same_tables(t[0], t[1], why, sizeof why),
	      "a log's summary on two threads: the table made on one, row for row (%s)", why);
	size_t n = d[0].n;
	check(n == d[1].n && d[0].nvalid == d[1].nvalid && d[0].nvalid > 20000 &&
	      memcmp(d[0].rfm, d[1].rfm, n * sizeof *d[0].rfm) == 0 &&
	      memcmp(d[0].valid, d[1].valid, n) == 0 &&
	      memcmp(d[0].mbar, d[1].mbar, n * sizeof *d[0].mbar) == 0,
	      "its customers read on two threads: those read on one (%zu of %zu valid)",
	      d[1].nvalid, n);
	check(b[0].d.n == n && b[1].d.n == n && b[0].d.nvalid == b[1].d.nvalid &&
	      b[0].d.nvalid > 0 && b[0].window == b[1].window && b[0].value_t &&
	      memcmp(b[0].d.rfm, b[1].d.rfm, n * sizeof *b[0].d.rfm) == 0 &&
	      memcmp(b[0].d.valid, b[1].d.valid, n) == 0 &&
	      memcmp(b[0].purchases, b[1].purchases, n * sizeof *b[0].purchases) == 0,
	      "its backtest read on two threads: the one read on one (%zu at the cut, window "
	      "%g)", b[1].d.nvalid, b[1].window);
	for (int k = 0; k < 2; k++) {
		sk_backtest_free(&b[k]);
		sk_custdata_free(&d[k]);
		sk_table_free(t[k]);
	}
}

int main(void)
{
	sk_progname = "test_table";
	snprintf(dir, sizeof dir, "/tmp/test_table.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	/* children first: none may be forked once this process has threads */
	test_first_bad_of_two_threads();
	test_reader_messages();
	const char *log = write_log();
	omp_set_num_threads(2);
	test_add_rows(NROWS + 3);
	test_add_rows(100);	/* under 20,000: one thread */
	test_summary(log);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_table: cannot remove %s\n", dir);
	return failures ? 1 : 0;
}
