/* test_writer.c: unit tests for writing records (lib/record/writer.c:
 * CSV, TSV and JSON lines, pass-through of what a program does not own)
 * and for strict number parsing and formatting (lib/record/num.c).
 * Prints one "ok - ..." / "not ok - ..." line per check and exits 1 if
 * any failed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "record/num.h"
#include "record/util.h"

/* ---- writing ---- */

static void write_and_read_back(void)
{
	int more;
	char out[128];
	snprintf(out, sizeof out, "%s/out.csv", dir);
	const char *nofiles[] = { "-", NULL };
	struct sk_opts o = opts_for(nofiles);
	o.output = out;
	struct sk_writer *w = sk_writer_open(&o, SK_FMT_CSV);
	const char *names[] = { "id", "b c", "d,e", "q\"" };
	sk_writer_header(w, 4, names);
	sk_writer_str(w, "plain");
	sk_writer_str(w, "x,y");
	sk_writer_str(w, "say \"hi\"");
	sk_writer_str(w, "two\nlines");
	sk_writer_endrow(w);
	sk_writer_str(w, " sp ");
	sk_writer_null(w);
	sk_writer_num(w, 30.42857142857, 6);
	sk_writer_str(w, "cr\r");
	sk_writer_endrow(w);
	sk_writer_close(w);
	char *got = slurp(out, NULL);
	const char *want = "id,b c,\"d,e\",\"q\"\"\"\n"
			   "plain,\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
			   " sp ,,30.428571,\"cr\r\"\n";
	check(got && strcmp(got, want) == 0,
	      "CSV writer quotes only for the delimiter, quotes and line breaks");
	free(got);

	/* read it back: the same values */
	const char *files[] = { out, NULL };
	o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	check(strcmp(sk_reader_colname(r, 3), "q\"") == 0, "header round trip");
	more = sk_reader_next(r);
	check(more && field_is(r, 1, "x,y", SK_STR) &&
	      field_is(r, 2, "say \"hi\"", SK_STR) && field_is(r, 3, "two\nlines", SK_STR),
	      "CSV round trip of quoted values");
	more = sk_reader_next(r);
	check(more && field_is(r, 0, " sp ", SK_STR) && field_is(r, 1, "", SK_STR) &&
	      field_is(r, 3, "cr\r", SK_STR), "CSV round trip of spaces, empty and a CR");
	sk_reader_close(r);

	/* no temporary file is left next to the output */
	char cmd[256];
	snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp > /dev/null", dir);
	check(system(cmd) != 0, "-o FILE leaves no temporary file behind");
}

static void write_tsv_jsonl(void)
{
	char out[128];
	const char *nofiles[] = { "-", NULL };
	struct sk_opts o = opts_for(nofiles);
	snprintf(out, sizeof out, "%s/out.tsv", dir);
	o.output = out;
	struct sk_writer *w = sk_writer_open(&o, SK_FMT_TSV);
	const char *names[] = { "id", "v" };
	sk_writer_header(w, 2, names);
	sk_writer_str(w, "a,\"b\"");
	sk_writer_int(w, -7);
	sk_writer_endrow(w);
	sk_writer_close(w);
	char *got = slurp(out, NULL);
	check(got && strcmp(got, "id\tv\na,\"b\"\t-7\n") == 0, "TSV writer never quotes");
	free(got);

	snprintf(out, sizeof out, "%s/out.jsonl", dir);
	o.output = out;
	o.ofmt = SK_FMT_JSONL;
	w = sk_writer_open(&o, SK_FMT_CSV);
	const char *jn[] = { "id", "n", "s", "z", "raw", "ctl" };
	sk_writer_header(w, 6, jn);
	sk_writer_str(w, "007");
	sk_writer_str(w, "12.5");
	sk_writer_str(w, "1.");
	sk_writer_null(w);
	sk_writer_field(w, "{\"k\":1}", 7, SK_RAW);
	sk_writer_str(w, "a\"b\\c\n\t\x01");
	sk_writer_endrow(w);
	sk_writer_str(w, "-0");
	sk_writer_str(w, "1e5");
	sk_writer_str(w, "+5");
	sk_writer_str(w, "");
	sk_writer_num(w, 2.5, 6);
	sk_writer_str(w, "0x10");
	sk_writer_endrow(w);
	sk_writer_close(w);
	got = slurp(out, NULL);
	const char *want =
		"{\"id\":\"007\",\"n\":12.5,\"s\":\"1.\",\"z\":null,\"raw\":{\"k\":1},"
		"\"ctl\":\"a\\\"b\\\\c\\n\\t\\u0001\"}\n"
		"{\"id\":-0,\"n\":1e5,\"s\":\"+5\",\"z\":\"\",\"raw\":2.5,\"ctl\":\"0x10\"}\n";
	check(got && strcmp(got, want) == 0,
	      "JSONL writer: JSON number text as numbers, other text as escaped strings");
	if (got && strcmp(got, want) != 0)
		printf("# got: %s", got);
	free(got);
}

static void pass_through(void)
{
	/* A table read and written back is byte for byte the input when the
	 * input is already minimally quoted. */
	const char *in = "id,note,x\n"
			 "1,\"a,b\",\n"
			 "2,\"q\"\"q\", two spaces  \n"
			 "3,\"multi\nline\",\xff\xfe\n";
	const char *f = put("pt.csv", in);
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	struct sk_table *t = sk_table_read(r);
	sk_reader_close(r);
	check(t->nrow == 3 && t->ncol == 3, "sk_table_read: 3 rows of 3 columns");
	size_t len;
	const char *s = sk_table_get(t, 2, 2, &len, NULL);
	check(len == 2 && memcmp(s, "\xff\xfe", 2) == 0, "invalid UTF-8 bytes are kept as they are");
	check(sk_table_line(t, 2) == 4, "a table row remembers its line (got %lu)",
	      sk_table_line(t, 2));

	char out[128];
	snprintf(out, sizeof out, "%s/pt.out.csv", dir);
	o.output = out;
	struct sk_writer *w = sk_writer_open(&o, t->fmt);
	sk_writer_header(w, t->ncol, (const char *const *)t->col);
	for (size_t i = 0; i < t->nrow; i++) {
		sk_writer_row(w, t, i);
		sk_writer_endrow(w);
	}
	sk_writer_close(w);
	sk_table_free(t);
	char *got = slurp(out, NULL);
	check(got && strcmp(got, in) == 0, "read then written back: byte for byte the same");
	free(got);
}

/* A summary's rows (lib/crm/sumout.c): typed fields put by
 * sk_table_add_rows into a table whose plain_delim is the output's
 * delimiter, so that rows with nothing to quote are copied whole
 * (sk_table_put marks them, sk_writer_row_plain copies them). */
static const char *const sum_rows[4][3] = {
	{ "a", "1.5", "x y" },
	{ "b,c", "2.5", "" },		/* the delimiter: quoted, field by field */
	{ "d", "-3e+40", "say \"hi\"" },	/* a quote */
	{ "e", "4.25", "z" },
};

static void sum_chunk(struct sk_table_part *p, int k, size_t lo, size_t hi, void *ctx)
{
	(void)k;
	(void)ctx;
	for (size_t i = lo; i < hi; i++) {
		size_t len[3];
		const unsigned char type[3] = { SK_STR, SK_NUM, i == 1 ? SK_NULL : SK_STR };
		for (int j = 0; j < 3; j++)
			len[j] = strlen(sum_rows[i][j]);
		sk_table_put(p, i, 3, sum_rows[i], len, type);
	}
}

/* The table's rows written with delimiter delim (0: ','), a decimal
 * comma when odec; which went out whole into *whole (a bit a row). */
static char *write_summary(char delim, int odec, unsigned *whole)
{
	struct sk_table *t = sk_table_new(SK_FMT_CSV);
	t->plain_delim = ',';
	sk_table_add_col(t, "id");
	sk_table_add_col(t, "v");
	sk_table_add_col(t, "note");
	sk_table_add_rows(t, 4, "(summary)", 1, sum_chunk, NULL);
	char out[128];
	snprintf(out, sizeof out, "%s/sum.csv", dir);
	const char *nofiles[] = { "-", NULL };
	struct sk_opts o = opts_for(nofiles);
	o.output = out;
	o.odecimal_comma = odec;
	if (delim)
		o.delim = delim;
	struct sk_writer *w = sk_writer_open(&o, SK_FMT_CSV);
	*whole = 0;
	for (size_t i = 0; i < t->nrow; i++) {
		if (sk_writer_row_plain(w, t, i))
			*whole |= 1u << i;
		else
			sk_writer_row(w, t, i);
		sk_writer_endrow(w);
	}
	sk_writer_close(w);
	sk_table_free(t);
	return slurp(out, NULL);
}

static void summary_rows_plain(void)
{
	unsigned whole;
	char *got = write_summary(0, 0, &whole);
	const char *want = "a,1.5,x y\n\"b,c\",2.5,\nd,-3e+40,\"say \"\"hi\"\"\"\ne,4.25,z\n";
	check(got && strcmp(got, want) == 0 && whole == 0x9,
	      "a summary's rows: those with nothing to quote copied whole, the others "
	      "quoted field by field (rows whole: %#x)", whole);
	free(got);
	got = write_summary(';', 0, &whole);
	want = "a;1.5;x y\nb,c;2.5;\nd;-3e+40;\"say \"\"hi\"\"\"\ne;4.25;z\n";
	check(got && strcmp(got, want) == 0 && whole == 0,
	      "another delimiter than the one the rows were marked for: field by field");
	free(got);
	got = write_summary(0, 1, &whole);
	want = "a,\"1,5\",x y\n\"b,c\",\"2,5\",\nd,-3e+40,\"say \"\"hi\"\"\"\ne,\"4,25\",z\n";
	check(got && strcmp(got, want) == 0 && whole == 0,
	      "--odecimal-comma: a summary's numbers field by field, with their commas");
	if (got && strcmp(got, want) != 0)
		printf("# got: %s", got);
	free(got);
}

/* ---- numbers ---- */

static void test_num_parse(void)
{
	static const struct { const char *s; double v; } good[] = {
		{ "12", 12 }, { "-1.5", -1.5 }, { "+3", 3 }, { ".5", 0.5 }, { "5.", 5 },
		{ "1e3", 1000 }, { "1E-2", 0.01 }, { "0", 0 }, { "-0", 0 }, { "007", 7 },
		{ "1e+2", 100 }, { "1e-400", 0 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		double v = -999;
		int rc = sk_num_parse(good[i].s, strlen(good[i].s), &v);
		check(rc == 0 && v == good[i].v, "sk_num_parse accepts \"%s\"", good[i].s);
	}
	static const char *bad[] = {
		"", " 1", "1 ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "0x10", "0X1p3",
		"1e", "e5", ".", "-", "+", "1e999", "-1e999", "12abc", "1,5", "--1", "1.2.3",
		"\t1", "1\n", "١", "1_000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double v = 42;
		int rc = sk_num_parse(bad[i], strlen(bad[i]), &v);
		char shown[32];
		size_t k = 0;
		for (const char *c = bad[i]; *c && k < sizeof shown - 3; c++) {
			if (*c == '\n' || *c == '\t') {
				shown[k++] = '\\';
				shown[k++] = *c == '\n' ? 'n' : 't';
			} else
				shown[k++] = *c;
		}
		shown[k] = 0;
		check(rc != 0 && v == 42, "sk_num_parse rejects \"%s\"", shown);
	}
	double v;
	check(sk_num_parse("12", 1, &v) == 0 && v == 1, "sk_num_parse reads only len bytes");
	check(sk_num_parse("1\0002", 3, &v) != 0, "an embedded NUL is rejected");
	char longnum[80];
	memset(longnum, '1', 70);
	longnum[70] = 0;
	check(sk_num_parse(longnum, 70, &v) != 0, "a 70-digit number is rejected, not truncated");
}

static void test_num_format(void)
{
	static const struct { double v; int dec; const char *want; } cases[] = {
		{ 30.428571428571, 6, "30.428571" }, { 2.0, 6, "2" }, { -0.5, 6, "-0.5" },
		{ -0.0000001, 6, "0" }, { -0.0, 6, "0" }, { 0.1 + 0.2, 6, "0.3" },
		{ 100, 0, "100" }, { 1234.5, 2, "1234.5" }, { 38.857142857, 6, "38.857143" },
		{ 1e40, 6, "1e+40" }, { -2.5e300, 6, "-2.5e+300" }, { 1e-300, 6, "0" },
		{ 123456789012.5, 6, "123456789012.5" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[40];
		int n = sk_num_format(buf, sizeof buf, cases[i].v, cases[i].dec);
		check(strcmp(buf, cases[i].want) == 0 && n == (int)strlen(buf),
		      "sk_num_format(%.17g, %d) = \"%s\" (got \"%s\")", cases[i].v, cases[i].dec,
		      cases[i].want, buf);
	}
	/* integer units (summarize's micro-units of money), exactly */
	static const struct { uint64_t q; int dec, neg; const char *want; } sc[] = {
		{ 1234567, 6, 0, "1.234567" }, { 1000000, 6, 0, "1" }, { 5, 6, 1, "-0.000005" },
		{ 0, 6, 1, "0" }, { 1500000, 6, 1, "-1.5" }, { 42, 0, 0, "42" },
		{ UINT64_MAX, 6, 0, "18446744073709.551615" },
	};
	for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
		char b[32];
		int n = sk_num_format_scaled(b, sc[i].q, sc[i].dec, sc[i].neg);
		check(strcmp(b, sc[i].want) == 0 && n == (int)strlen(b),
		      "sk_num_format_scaled(%llu, %d, %d) = \"%s\" (got \"%s\")",
		      (unsigned long long)sc[i].q, sc[i].dec, sc[i].neg, sc[i].want, b);
	}
	/* Against printf's integer conversion, over values whose digits
	 * cross every pair boundary (the two-digits-at-a-time printing) and
	 * fractions with 0 to 9 trailing zeros. */
	uint64_t x = 88172645463325252u;
	int agree = 1;
	for (int i = 0; i < 20000 && agree; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int dec = i % 10;
		uint64_t q = x >> (i % 64);
		if (i % 3 == 0)
			q = q / 1000000000u * 1000000000u + (q % 10 ? q % 10 : 7) * 1000u;
		uint64_t p10 = 1;
		for (int j = 0; j < dec; j++)
			p10 *= 10;
		char want[48], got[32];
		int w = snprintf(want, sizeof want, "%s%llu", (i & 1) && q ? "-" : "",
				 (unsigned long long)(q / p10));
		if (q % p10) {
			w += snprintf(want + w, sizeof want - (size_t)w, ".%0*llu", dec,
				      (unsigned long long)(q % p10));
			while (want[w - 1] == '0')
				want[--w] = 0;
		}
		int n = sk_num_format_scaled(got, q, dec, i & 1);
		agree = strcmp(got, want) == 0 && n == w;
		if (!agree)
			check(0, "sk_num_format_scaled(%llu, %d) = \"%s\" (got \"%s\")",
			      (unsigned long long)q, dec, want, got);
	}
	check(agree, "sk_num_format_scaled = printf over 20000 values");
	/* every formatted value parses back */
	char buf[40];
	double back;
	sk_num_format(buf, sizeof buf, 1.0 / 3, 6);
	check(sk_num_parse(buf, strlen(buf), &back) == 0 && back == 0.333333,
	      "sk_num_format output parses back (%s)", buf);
}

/* ---- error paths, each in a child ---- */

int main(void)
{
	sk_progname = "test_writer";
	snprintf(dir, sizeof dir, "/tmp/test_writer.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	write_and_read_back();
	write_tsv_jsonl();
	pass_through();
	summary_rows_plain();
	test_num_parse();
	test_num_format();

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_writer: cannot remove %s\n", dir);
	return failures ? 1 : 0;
}
