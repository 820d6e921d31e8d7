/* test_io.c: unit tests for the record stream (lib/record/io.c) and for strict
 * number parsing and formatting (lib/record/num.c).
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

static int failures;
static char dir[64];

static void check(int ok, const char *fmt, ...)
{
	va_list ap;
	if (!ok)
		failures++;
	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Write len bytes to dir/name; return the path (static, one of 4). */
static const char *put_file(const char *name, const char *data, size_t len)
{
	static char paths[4][128];
	static int k;
	char *p = paths[k++ % 4];
	snprintf(p, 128, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
	return p;
}

static const char *put(const char *name, const char *text)
{
	return put_file(name, text, strlen(text));
}

/* Read a whole file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1024, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* Options reading the given files (NULL-terminated list). */
static struct sk_opts opts_for(const char **files)
{
	struct sk_opts o = SK_OPTS_INIT;
	size_t n = 0;
	while (files[n])
		n++;
	o.files = files;
	o.nfiles = n;
	return o;
}

static int field_is(struct sk_reader *r, size_t i, const char *want, enum sk_ftype want_type)
{
	size_t len;
	enum sk_ftype type;
	const char *s = sk_reader_field(r, i, &len, &type);
	return len == strlen(want) && memcmp(s, want, len) == 0 && s[len] == 0 &&
	       type == want_type;
}

/* ---- child processes for the error paths ---- */

struct outcome {
	int status;		/* exit status, or -1 when killed by a signal */
	char err[4096];		/* its stderr */
};

/* Run fn(arg) in a child, capturing its exit status and stderr. */
static struct outcome run_child(void (*fn)(const void *), const void *arg)
{
	struct outcome oc = { .status = -1 };
	int pfd[2];
	fflush(stdout);
	if (pipe(pfd) != 0) {
		perror("pipe");
		exit(2);
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 2);
		/* stdout is the test report: keep the child's own off it */
		if (!freopen("/dev/null", "w", stdout))
			_exit(3);
		fn(arg);
		exit(0);
	}
	close(pfd[1]);
	size_t n = 0;
	ssize_t got;
	while ((got = read(pfd[0], oc.err + n, sizeof oc.err - 1 - n)) > 0)
		n += (size_t)got;
	oc.err[n] = 0;
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	oc.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return oc;
}

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
	/* every formatted value parses back */
	char buf[40];
	double back;
	sk_num_format(buf, sizeof buf, 1.0 / 3, 6);
	check(sk_num_parse(buf, strlen(buf), &back) == 0 && back == 0.333333,
	      "sk_num_format output parses back (%s)", buf);
}

/* ---- error paths, each in a child ---- */

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
		size_t ncol = 1 + (size_t)round % 5;
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
				int n = (int)(seed >> 8) % 6;
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
	write_and_read_back();
	write_tsv_jsonl();
	pass_through();
	test_num_parse();
	test_num_format();

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_io: cannot remove %s\n", dir);
	return failures ? 1 : 0;
}
