/* test_io.c: unit tests for the record stream (lib/record/io.c) and for strict
 * number parsing and formatting (lib/record/num.c); test_writer.c tests
 * the writer and the numbers.
 *
 * Inputs are written to a private temporary directory and read back
 * through sk_reader_open, as the programs read them.  Errors end the
 * process (exit 65 with "prog: file:line: message"), so each error case
 * runs in a forked child whose exit status and stderr are checked.
 *
 * Prints one "ok - ..." / "not ok - ..." line per check and exits 1 if
 * any failed. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csv.h>

#include "record/io.h"
#include "record/num.h"
#include "record/opts.h"
#include "record/util.h"

#include "iotest.h"

/* The reader of a child, kept in a global: the child exits from inside
 * the library, and LeakSanitizer (make SAN=1) must still see what the
 * reader holds as reachable, as it is in a program's main. */
static struct sk_reader *volatile child_reader;

/* Read every record of the files in arg (a NULL-terminated list). */
static void read_all(const void *arg)
{
	static struct sk_opts o;
	o = opts_for((const char **)arg);
	struct sk_reader *r = sk_reader_open(&o);
	child_reader = r;
	while (sk_reader_next(r))
		;
	sk_reader_close(r);
}

static void expect_error(const char *what, const char **files, int status, const char *msg)
{
	struct outcome oc = run_child(read_all, files);
	char *nl = strchr(oc.err, '\n');
	if (nl && nl[1] == 0)
		*nl = 0;
	check(oc.status == status && strcmp(oc.err, msg) == 0,
	      "%s: exit %d, \"%s\" (got %d, \"%s\")", what, status, msg, oc.status, oc.err);
}

/* ---- reading ---- */

/* Read the first record of the file in arg, cut the file to its first
 * half (on a line boundary, past what the reader has buffered), then
 * read on: the end of the file comes early and must not pass for the
 * end of a whole one. */
static void read_while_cut(const void *arg)
{
	static struct sk_opts o;
	static const char *files[2];
	files[0] = arg;
	o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	child_reader = r;
	if (!sk_reader_next(r) || truncate(arg, 200000) != 0)
		exit(99);
	while (sk_reader_next(r))
		;
	sk_reader_close(r);
}

static void test_shrinking_file(void)
{
	/* 400,000 bytes of 20-byte lines: 64 KB are buffered at the first
	 * record, so the reader has read only part of the file when it is
	 * cut to 200,000 bytes (a line boundary). */
	size_t n = 20000, len = 0;
	char *text = malloc(n * 20 + 1);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, i ? "%05zu,2024-01-01,10\n" : "idxxx,date,amount\n\n\n", i);
	const char *f = put_file("shrink.csv", text, len);
	free(text);
	struct outcome oc = run_child(read_while_cut, f);
	check(len == 400000 && oc.status == 74 &&
	      strstr(oc.err, "changed size while it was read (400000 bytes at open, 200000 read)"),
	      "a file cut short while read is an I/O error (got %d, \"%s\")", oc.status, oc.err);
}

static void test_csv_quoting(void)
{
	int got;
	const char *f = put("q.csv", "a,b,c,d\n"
				     "1,\"x,y\",\"say \"\"hi\"\"\",\"\"\n"
				     "\"\",,\"\"\"\",plain\n");
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	check(sk_reader_format(r) == SK_FMT_CSV, "a comma header is detected as CSV");
	check(sk_reader_ncol(r) == 4, "CSV header has 4 columns");
	got = sk_reader_next(r);
	check(got == 1, "CSV record 1 read");
	check(field_is(r, 0, "1", SK_STR) && field_is(r, 1, "x,y", SK_STR),
	      "a quoted comma stays in its field");
	check(field_is(r, 2, "say \"hi\"", SK_STR), "doubled quotes read as one quote");
	check(field_is(r, 3, "", SK_STR), "a quoted empty field is an empty string");
	got = sk_reader_next(r);
	check(got == 1, "CSV record 2 read");
	check(field_is(r, 0, "", SK_STR) && field_is(r, 1, "", SK_STR) &&
	      field_is(r, 2, "\"", SK_STR) && field_is(r, 3, "plain", SK_STR),
	      "\"\" and an empty field are empty; \"\"\"\" is one quote");
	got = sk_reader_next(r);
	check(got == 0, "end of input");
	sk_reader_close(r);
}

static void test_crlf_bom_spaces(void)
{
	int got;
	const char *f = put("crlf.csv", "\xEF\xBB\xBF" "id, name ,amount\r\n"
					" a ,\" b \",1\r\n"
					"c,d,2\r\n");
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	check(sk_reader_ncol(r) == 3 && strcmp(sk_reader_colname(r, 0), "id") == 0,
	      "a UTF-8 BOM is stripped from the first column name");
	check(strcmp(sk_reader_colname(r, 1), " name ") == 0,
	      "spaces around a header name are kept");
	check(strcmp(sk_reader_colname(r, 2), "amount") == 0,
	      "CRLF: the last column name has no CR");
	check(sk_reader_col(r, "amount") == 2 && sk_reader_col(r, "name") == -1,
	      "column lookup by exact name");
	got = sk_reader_next(r);
	check(got == 1 && field_is(r, 0, " a ", SK_STR) &&
	      field_is(r, 1, " b ", SK_STR) && field_is(r, 2, "1", SK_STR),
	      "leading and trailing spaces are kept, quoted or not; no CR in the last field");
	got = sk_reader_next(r);
	check(got == 1 && field_is(r, 2, "2", SK_STR), "CRLF record 2");
	got = sk_reader_next(r);
	check(got == 0, "end of CRLF input");
	sk_reader_close(r);

	/* A BOM only at the start of the file is stripped: in a field it is data. */
	f = put("bom2.csv", "a,b\n\xEF\xBB\xBFx,y\n");
	const char *files2[] = { f, NULL };
	o = opts_for(files2);
	r = sk_reader_open(&o);
	got = sk_reader_next(r);
	check(got == 1 && field_is(r, 0, "\xEF\xBB\xBFx", SK_STR),
	      "a BOM inside the data is kept");
	sk_reader_close(r);
}

static void test_line_numbers(void)
{
	int got;
	const char *f = put("lines.csv",
			    "h1,h2\n"		/* 1 */
			    "\n"		/* 2 */
			    "1,\"a\n"		/* 3 */
			    "b\"\n"		/* 4 */
			    "\r\n"		/* 5 */
			    "2,c\n"		/* 6 */
			    "\"3\n"		/* 7 */
			    "\n"		/* 8 */
			    "\",d\n"		/* 9 */
			    "4,e");		/* 10, no final newline */
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	got = sk_reader_next(r);
	check(got && sk_reader_line(r) == 3 && field_is(r, 1, "a\nb", SK_STR),
	      "a record with a quoted newline starts on line 3 (got %lu)", sk_reader_line(r));
	got = sk_reader_next(r);
	check(got && sk_reader_line(r) == 6 && field_is(r, 0, "2", SK_STR),
	      "empty lines are skipped but counted: next record on line 6 (got %lu)",
	      sk_reader_line(r));
	got = sk_reader_next(r);
	check(got && sk_reader_line(r) == 7 && field_is(r, 0, "3\n\n", SK_STR),
	      "an empty line inside quotes is data; record on line 7 (got %lu)",
	      sk_reader_line(r));
	got = sk_reader_next(r);
	check(got && sk_reader_line(r) == 10 && field_is(r, 1, "e", SK_STR),
	      "the last line without a newline is a record on line 10 (got %lu)",
	      sk_reader_line(r));
	got = sk_reader_next(r);
	check(got == 0, "end of input after line 10");
	check(strcmp(sk_reader_file(r), f) == 0, "sk_reader_file names the file");
	sk_reader_close(r);
}

static void test_big_field(void)
{
	int got;
	/* A field far larger than the 64 KiB read buffer, quoted, with commas
	 * and newlines inside, followed by a normal record. */
	size_t n = 3 << 20;
	char *data = malloc(n + 64);
	size_t k = 0;
	k += (size_t)sprintf(data, "id,v\n1,\"");
	for (size_t i = 0; i < n; i++)
		data[k++] = "ab,\n"[i % 4];
	k += (size_t)sprintf(data + k, "\"\n2,z\n");
	const char *f = put_file("big.csv", data, k);
	free(data);
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	size_t len;
	int ok = sk_reader_next(r);
	const char *s = sk_reader_field(r, 1, &len, NULL);
	int same = ok && len == n;
	for (size_t i = 0; same && i < n; i++)
		same = s[i] == "ab,\n"[i % 4];
	check(same, "a 3 MiB quoted field with commas and newlines reads intact");
	got = sk_reader_next(r);
	check(got && sk_reader_line(r) == 3 + n / 4 && field_is(r, 1, "z", SK_STR),
	      "the record after it is on line %zu (got %lu)", 3 + n / 4, sk_reader_line(r));
	sk_reader_close(r);
}

static void test_tsv(void)
{
	int got;
	const char *f = put("t.tsv", "id\tname\tv\r\n1\tx, \"y\"\t\r\n\n2\t z \t3\n");
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	check(sk_reader_format(r) == SK_FMT_TSV, "a tab header is detected as TSV");
	check(sk_reader_ncol(r) == 3 && strcmp(sk_reader_colname(r, 2), "v") == 0,
	      "TSV header: 3 columns, no CR");
	got = sk_reader_next(r);
	check(got && field_is(r, 1, "x, \"y\"", SK_STR) && field_is(r, 2, "", SK_STR),
	      "TSV: commas and quotes are plain data; an empty last field");
	got = sk_reader_next(r);
	check(got && sk_reader_line(r) == 4 && field_is(r, 1, " z ", SK_STR),
	      "TSV: spaces kept, empty line counted (line %lu)", sk_reader_line(r));
	got = sk_reader_next(r);
	check(got == 0, "end of TSV input");
	sk_reader_close(r);

	/* A tab in a header that also has the CSV delimiter stays CSV. */
	f = put("tabcsv.csv", "id,a\tb\n1,x\ty\n");
	const char *files2[] = { f, NULL };
	o = opts_for(files2);
	r = sk_reader_open(&o);
	check(sk_reader_format(r) == SK_FMT_CSV && sk_reader_ncol(r) == 2,
	      "a header with commas and a tab is CSV");
	sk_reader_close(r);

	/* --itsv forces TSV */
	f = put("forced.txt", "id,x\n1,2\n");
	const char *files3[] = { f, NULL };
	o = opts_for(files3);
	o.ifmt = SK_FMT_TSV;
	r = sk_reader_open(&o);
	check(sk_reader_format(r) == SK_FMT_TSV && sk_reader_ncol(r) == 1 &&
	      strcmp(sk_reader_colname(r, 0), "id,x") == 0, "--itsv overrides detection");
	sk_reader_close(r);
}

static void test_jsonl(void)
{
	int got;
	const char *f = put("j.jsonl",
			    "{\"id\":\"s\",\"n\":1.5,\"i\":42,\"z\":null,\"t\":true,"
			    "\"o\":{\"k\":[1,2]},\"e\":\"\"}\n"
			    "\n"
			    "{\"f\":false,\"id\":\"a\\\"b\\nc\",\"r\":0.1,\"x\":2.0,\"big\":1e300,"
			    "\"ten\":1e1}\r\n");
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	check(sk_reader_format(r) == SK_FMT_JSONL, "'{' first is detected as JSON lines");
	got = sk_reader_next(r);
	check(got == 1 && sk_reader_line(r) == 1, "JSONL record 1 on line 1");
	long id = sk_reader_col(r, "id"), n = sk_reader_col(r, "n"), i = sk_reader_col(r, "i"),
	     z = sk_reader_col(r, "z"), t = sk_reader_col(r, "t"), ob = sk_reader_col(r, "o"),
	     e = sk_reader_col(r, "e");
	check(id == 0 && n == 1 && e == 6, "JSONL keys become columns in order of appearance");
	check(field_is(r, (size_t)id, "s", SK_STR), "a JSON string is SK_STR, unquoted");
	check(field_is(r, (size_t)n, "1.5", SK_RAW), "a JSON real is SK_RAW text");
	check(field_is(r, (size_t)i, "42", SK_RAW), "a JSON integer is SK_RAW text");
	check(field_is(r, (size_t)z, "", SK_NULL), "JSON null is an empty SK_NULL");
	check(field_is(r, (size_t)t, "true", SK_RAW), "true is SK_RAW");
	check(field_is(r, (size_t)ob, "{\"k\":[1,2]}", SK_RAW), "an object is compact SK_RAW JSON");
	check(field_is(r, (size_t)e, "", SK_STR), "an empty JSON string is SK_STR, not null");

	got = sk_reader_next(r);
	check(got == 1 && sk_reader_line(r) == 3,
	      "JSONL: an empty line is skipped but counted (line %lu)", sk_reader_line(r));
	check(field_is(r, (size_t)id, "a\"b\nc", SK_STR), "JSON escapes are decoded");
	check(field_is(r, (size_t)n, "", SK_NULL) && field_is(r, (size_t)ob, "", SK_NULL),
	      "keys a record lacks read as SK_NULL");
	long fcol = sk_reader_col(r, "f");
	check(fcol == 7 && field_is(r, (size_t)fcol, "false", SK_RAW),
	      "a key first seen in record 2 is a new column");
	check(field_is(r, (size_t)sk_reader_col(r, "r"), "0.1", SK_RAW),
	      "0.1 keeps its short form");
	check(field_is(r, (size_t)sk_reader_col(r, "x"), "2.0", SK_RAW),
	      "a real with an integral value stays a real (2.0)");
	/* Numbers keep their exact text (issue 17: 1e3 came out 1000.0). */
	check(field_is(r, (size_t)sk_reader_col(r, "big"), "1e300", SK_RAW), "1e300 kept as written");
	check(field_is(r, (size_t)sk_reader_col(r, "ten"), "1e1", SK_RAW), "1e1 kept as written");
	long later = sk_reader_col(r, "never");
	check(later >= 0 && field_is(r, (size_t)later, "", SK_NULL),
	      "looking up an unseen JSONL key registers it; it reads as null");
	got = sk_reader_next(r);
	check(got == 0, "end of JSONL input");
	sk_reader_close(r);
}

static void test_multi_file(void)
{
	int got;
	const char *a = put("m1.csv", "id,v\n1,a\n");
	const char *b = put("m2.csv", "\xEF\xBB\xBFid,v\r\n2,b\r\n");
	const char *e = put("m0.csv", "");
	const char *files[] = { e, a, e, b, NULL };
	struct sk_opts o = opts_for(files);
	struct sk_reader *r = sk_reader_open(&o);
	check(sk_reader_ncol(r) == 2, "an empty first input: the next one gives the header");
	got = sk_reader_next(r);
	check(got && field_is(r, 1, "a", SK_STR) &&
	      strcmp(sk_reader_file(r), a) == 0 && sk_reader_line(r) == 2,
	      "record from the second input, its own name and line");
	got = sk_reader_next(r);
	check(got && field_is(r, 1, "b", SK_STR) &&
	      strcmp(sk_reader_file(r), b) == 0 && sk_reader_line(r) == 2,
	      "an empty input in the middle is skipped; the last input's BOM and CRLF too");
	got = sk_reader_next(r);
	check(got == 0, "end of all inputs");
	sk_reader_close(r);
}

static void test_skip_bad(void)
{
	const char *f = put("skip.csv", "a,b\n1,2\n3\n4,5,6\n7,\"8\"x\n9,10\n");
	const char *files[] = { f, NULL };
	struct sk_opts o = opts_for(files);
	o.skip_bad = 1;
	/* The reports go to stderr; keep them out of the test output. */
	fflush(stderr);
	int save = dup(2);
	FILE *devnull = fopen("/dev/null", "w");
	dup2(fileno(devnull), 2);
	struct sk_reader *r = sk_reader_open(&o);
	int n = 0, ok = 1;
	while (sk_reader_next(r)) {
		n++;
		ok &= sk_reader_ncol(r) == 2;
	}
	check(n == 2 && ok, "--skip-bad: ragged and badly quoted rows are skipped, 2 good rows kept");
	sk_reader_close(r);
	fflush(stderr);
	dup2(save, 2);
	close(save);
	fclose(devnull);
}

static void expect_errors(void)
{
	char msg[512];
	const char *f;

	f = put("rag.csv", "a,b\n1,2\n3,4,5\n");
	snprintf(msg, sizeof msg, "test_io: %s:3: expected 2 fields, found 3", f);
	expect_error("too many fields", (const char *[]){ f, NULL }, 65, msg);

	f = put("few.csv", "a,b\n\n1\n");
	snprintf(msg, sizeof msg, "test_io: %s:3: expected 2 fields, found 1", f);
	expect_error("too few fields", (const char *[]){ f, NULL }, 65, msg);

	f = put("bq.csv", "a,b\n1,x\"y\n");
	snprintf(msg, sizeof msg, "test_io: %s:2: bad quoting: quote inside an unquoted field "
		 "(character 4)", f);
	expect_error("a quote inside an unquoted field", (const char *[]){ f, NULL }, 65, msg);

	f = put("bq2.csv", "a,b\n1,\"x\n\"y\n");
	snprintf(msg, sizeof msg, "test_io: %s:2: bad quoting: text after a closing quote "
		 "(line 3, character 2)", f);
	expect_error("text after a closing quote, on a later line",
		     (const char *[]){ f, NULL }, 65, msg);

	f = put("uq.csv", "a,b\n1,2\n3,\"4\n5,6\n");
	snprintf(msg, sizeof msg, "test_io: %s:3: unterminated quoted field", f);
	expect_error("an unterminated quote", (const char *[]){ f, NULL }, 65, msg);

	f = put("dup.csv", "a,b,a\n1,2,3\n");
	snprintf(msg, sizeof msg, "test_io: %s:1: duplicate column name \"a\" in the header", f);
	expect_error("duplicate header names", (const char *[]){ f, NULL }, 65, msg);

	const char *g = put("h1.csv", "a,b\n1,2\n");
	f = put("h2.csv", "a,c\n1,2\n");
	snprintf(msg, sizeof msg, "test_io: %s:1: header differs from the header of %s", f, g);
	expect_error("headers that differ", (const char *[]){ g, f, NULL }, 65, msg);

	f = put("js.jsonl", "{\"a\":1}\n{\"a\":}\n");
	snprintf(msg, sizeof msg, "test_io: %s:2: character 6: unexpected token near '}'", f);
	expect_error("a JSONL syntax error gives line and column",
		     (const char *[]){ f, NULL }, 65, msg);

	f = put("jd.jsonl", "{\"a\":1,\"a\":2}\n");
	snprintf(msg, sizeof msg, "test_io: %s:1: character 10: duplicate object key near '\"a\"'", f);
	expect_error("a duplicate JSONL key", (const char *[]){ f, NULL }, 65, msg);

	f = put("ja.jsonl", "{\"a\":1}\n\n[1]\n");
	snprintf(msg, sizeof msg, "test_io: %s:3: not a JSON object", f);
	expect_error("a JSONL line that is not an object", (const char *[]){ f, NULL }, 65, msg);

	snprintf(msg, sizeof msg, "test_io: %s/nosuch.csv: No such file or directory", dir);
	char missing[128];
	snprintf(missing, sizeof missing, "%s/nosuch.csv", dir);
	expect_error("a missing input exits 66", (const char *[]){ missing, NULL }, 66, msg);
	g = put("ok.csv", "a\n1\n");
	expect_error("a missing second input exits 66 before any reading",
		     (const char *[]){ g, missing, NULL }, 66, msg);
}

/* ---- the quote-free fast path against libcsv itself ----
 *
 * Lines without a quote or an inner CR are cut at the delimiter by the
 * reader's own code, the rest go to libcsv.  Random tables mixing both
 * kinds, read through the reader, must give exactly what libcsv alone
 * makes of the same bytes (strict, spaces kept, NUL appended). */

struct lc_rec {
	char **f;
	size_t *len;
	size_t n, cap;
};

struct lc_all {
	struct lc_rec *rec;
	size_t n, cap;
	struct lc_rec cur;
};

static void lc_field(void *s, size_t len, void *data)
{
	struct lc_all *a = data;
	struct lc_rec *c = &a->cur;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->f = realloc(c->f, c->cap * sizeof *c->f);
		c->len = realloc(c->len, c->cap * sizeof *c->len);
	}
	c->f[c->n] = malloc(len + 1);
	if (len)
		memcpy(c->f[c->n], s, len);
	c->f[c->n][len] = 0;
	c->len[c->n++] = len;
}

static void lc_row(int ch, void *data)
{
	(void)ch;
	struct lc_all *a = data;
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->rec = realloc(a->rec, a->cap * sizeof *a->rec);
	}
	a->rec[a->n++] = a->cur;
	memset(&a->cur, 0, sizeof a->cur);
}

static int lc_nospace(unsigned char c)
{
	(void)c;
	return 0;
}

static void lc_free(struct lc_all *a)
{
	for (size_t i = 0; i < a->n; i++) {
		for (size_t k = 0; k < a->rec[i].n; k++)
			free(a->rec[i].f[k]);
		free(a->rec[i].f);
		free(a->rec[i].len);
	}
	free(a->rec);
}

static void test_fast_path_is_libcsv(void)
{
	static const char plain[] = "ab9 \t.-\xc3\xa9;,|";
	unsigned seed = 12345;
	for (int round = 0; round < 40; round++) {
		char delim = round % 4 == 3 ? ';' : ',';
		/* Up to 9 columns of up to 11 bytes: lines of more than one
		 * 16-byte block, quotes and delimiters on either side of a
		 * block boundary (the SSE2 split in io.c). */
		size_t ncol = 1 + (size_t)round % 9;
		char *text = NULL;
		size_t tlen = 0;
		FILE *m = open_memstream(&text, &tlen);
		for (size_t k = 0; k < ncol; k++)
			fprintf(m, "%sc%zu", k ? (delim == ';' ? ";" : ",") : "", k);
		fputc('\n', m);
		for (int line = 0; line < 200; line++) {
			for (size_t k = 0; k < ncol; k++) {
				if (k)
					fputc(delim, m);
				seed = seed * 1103515245u + 12345u;
				int kind = (int)(seed >> 16) % 8;
				int n = (int)(seed >> 8) % 12;
				if (kind == 0) {	/* quoted: delimiters, quotes, line breaks */
					fputc('"', m);
					for (int i = 0; i < n; i++)
						fputs(i % 3 == 0 ? "\"\"" : i % 3 == 1 ? "\r\n" : ",;", m);
					fputc('"', m);
					continue;
				}
				for (int i = 0; i < n; i++) {
					seed = seed * 1103515245u + 12345u;
					char c = plain[(seed >> 16) % (sizeof plain - 1)];
					if (c != delim)
						fputc(c, m);
				}
			}
			fputs(line % 7 == 3 ? "\r\n" : line % 11 == 5 ? "\n\n" : "\n", m);
		}
		fclose(m);
		const char *f = put_file("fast.csv", text, tlen);

		struct lc_all want = { 0 };
		struct csv_parser p;
		csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
		csv_set_space_func(&p, lc_nospace);
		csv_set_delim(&p, (unsigned char)delim);
		size_t done = csv_parse(&p, text, tlen, lc_field, lc_row, &want);
		csv_fini(&p, lc_field, lc_row, &want);
		csv_free(&p);

		const char *files[] = { f, NULL };
		struct sk_opts o = opts_for(files);
		o.delim = delim;
		struct sk_reader *r = sk_reader_open(&o);
		int same = done == tlen && want.n > 0 && sk_reader_ncol(r) == want.rec[0].n;
		size_t i = 1;
		while (same && sk_reader_next(r)) {
			if (i >= want.n || want.rec[i].n != ncol) {
				same = 0;
				break;
			}
			for (size_t k = 0; k < ncol; k++) {
				size_t len;
				const char *s = sk_reader_field(r, k, &len, NULL);
				if (len != want.rec[i].len[k] || memcmp(s, want.rec[i].f[k], len) ||
				    s[len])
					same = 0;
			}
			i++;
		}
		same = same && i == want.n;
		sk_reader_close(r);
		check(same, "fast path = libcsv: round %d (%zu columns, '%c', %zu records)",
		      round, ncol, delim, want.n);

		/* Written back, a row in one copy (sk_writer_row_plain) and
		 * field by field give the same bytes, an appended field too. */
		r = sk_reader_open(&o);
		struct sk_table *t = sk_table_read(r);
		sk_reader_close(r);
		/* The table holds the same fields (a row cut in place is
		 * stored in one copy, the others field by field). */
		int kept = t->nrow + 1 == want.n;
		for (size_t k = 0; kept && k < t->nrow; k++)
			for (size_t j = 0; j < ncol; j++) {
				size_t len;
				const char *v = sk_table_get(t, k, (long)j, &len, NULL);
				if (len != want.rec[k + 1].len[j] ||
				    memcmp(v, want.rec[k + 1].f[j], len) || v[len])
					kept = 0;
			}
		check(kept, "table = libcsv: round %d", round);
		char out[2][160];
		size_t nplain = 0;
		for (int way = 0; way < 2; way++) {
			snprintf(out[way], sizeof out[way], "%s/fast.out%d.csv", dir, way);
			o.output = out[way];
			struct sk_writer *w = sk_writer_open(&o, t->fmt);
			for (size_t k = 0; k < t->nrow; k++) {
				if (way == 0 && sk_writer_row_plain(w, t, k)) {
					nplain++;
				} else {
					for (size_t j = 0; j < t->ncol; j++) {
						size_t len;
						enum sk_ftype ty;
						const char *v = sk_table_get(t, k, (long)j, &len, &ty);
						sk_writer_field(w, v, len, ty);
					}
				}
				sk_writer_field(w, "x;y,z", 5, SK_STR);
				sk_writer_endrow(w);
			}
			sk_writer_close(w);
			o.output = NULL;
		}
		size_t l0, l1;
		char *a = slurp(out[0], &l0), *b = slurp(out[1], &l1);
		check(a && b && l0 == l1 && memcmp(a, b, l0) == 0 && nplain > 0 &&
		      nplain < t->nrow, "rows written in one copy (%zu of %zu) = field by field",
		      nplain, t->nrow);
		free(a);
		free(b);
		sk_table_free(t);
		lc_free(&want);
		free(text);
	}
}

/* Row offsets are 8, 16 or 32 bits by the row's size: fields read back
 * whole on both sides of each boundary (255/256 and 65535/65536 bytes of
 * fields with their NULs). */
static void test_row_offset_widths(void)
{
	static const size_t totals[] = { 5, 255, 256, 65535, 65536, 70000 };
	struct sk_table *t = sk_table_new(SK_FMT_CSV);
	sk_table_add_col(t, "a");
	sk_table_add_col(t, "b");
	sk_table_add_col(t, "c");
	char *big = malloc(70000);
	memset(big, 'x', 70000);
	for (size_t k = 0; k < sizeof totals / sizeof totals[0]; k++) {
		/* "", "yz" and the rest: 5 bytes with the three NULs */
		size_t rest = totals[k] - 5;
		const char *f[3] = { "", "yz", big };
		size_t len[3] = { 0, 2, rest };
		sk_table_add_row(t, "mem", k + 1, 3, f, len, NULL);
	}
	for (size_t k = 0; k < sizeof totals / sizeof totals[0]; k++) {
		size_t rest = totals[k] - 5, l0, l1, l2;
		const char *a = sk_table_get(t, k, 0, &l0, NULL);
		const char *b = sk_table_get(t, k, 1, &l1, NULL);
		const char *c = sk_table_get(t, k, 2, &l2, NULL);
		check(l0 == 0 && a[0] == 0 && l1 == 2 && strcmp(b, "yz") == 0 && l2 == rest &&
		      c[l2] == 0 && (rest == 0 || (c[0] == 'x' && c[rest - 1] == 'x')) &&
		      sk_table_line(t, k) == k + 1,
		      "a row of %zu bytes of fields reads back whole", totals[k]);
	}
	free(big);
	/* Line numbers are kept in 32 bits over a base per run of rows: a
	 * file past line 2^32, and a second file, still cite their lines. */
	static const unsigned long lines[] = { 7, 4294967295ul, 4294967296ul, 9000000000ul, 3 };
	const char *names[] = { "a.csv", "a.csv", "a.csv", "a.csv", "b.csv" };
	size_t first = t->nrow;
	for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
		const char *f[3] = { "1", "2", "3" };
		size_t len[3] = { 1, 1, 1 };
		sk_table_add_row(t, names[k][0] == 'a' ? names[0] : names[4], lines[k], 3, f, len,
				 NULL);
	}
	for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++)
		check(sk_table_line(t, first + k) == lines[k] &&
		      strcmp(sk_table_file(t, first + k), names[k]) == 0,
		      "row from %s line %lu keeps its place (got %s:%lu)", names[k], lines[k],
		      sk_table_file(t, first + k), sk_table_line(t, first + k));
	sk_table_free(t);
}

int main(void)
{
	sk_progname = "test_io";
	snprintf(dir, sizeof dir, "/tmp/test_io.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_csv_quoting();
	test_fast_path_is_libcsv();
	test_row_offset_widths();
	test_crlf_bom_spaces();
	test_line_numbers();
	test_big_field();
	test_tsv();
	test_jsonl();
	test_multi_file();
	test_skip_bad();
	test_shrinking_file();
	expect_errors();

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_io: cannot remove %s\n", dir);
	return failures ? 1 : 0;
}
