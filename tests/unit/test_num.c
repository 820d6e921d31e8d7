/* test_num.c: unit tests for the number parser of the data, sk_num_read
 * (lib/record/num.c), with the local formats of issue 10: --decimal-comma,
 * --thousands, --currency, and the hints of sk_num_why.
 *
 * The expected values are exact: each must equal what strtod gives for
 * the same number written plainly, so a local format never changes a
 * value by a rounding.
 *
 * Prints one "ok - ..." / "not ok - ..." line per check and exits 1 if
 * any failed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/num.h"
#include "record/opts.h"

#include "tap.h"


/* Options from a short spec: d = --decimal-comma, t = --thousands,
 * c = --currency. */
static struct sk_opts opts(const char *spec)
{
	struct sk_opts o = SK_OPTS_INIT;
	o.decimal_comma = strchr(spec, 'd') != NULL;
	o.thousands = strchr(spec, 't') != NULL;
	o.currency = strchr(spec, 'c') != NULL;
	return o;
}

static void reads(const char *spec, const char *s, const char *plain)
{
	struct sk_opts o = opts(spec);
	double v = -42, want = strtod(plain, NULL);
	int rc = sk_num_read(&o, s, strlen(s), &v);
	check(rc == 0 && v == want, "[%s] \"%s\" reads as %s (got %s %.17g)", spec, s, plain,
	      rc ? "rejected" : "", v);
}

static void rejects(const char *spec, const char *s)
{
	struct sk_opts o = opts(spec);
	double v = 42;
	int rc = sk_num_read(&o, s, strlen(s), &v);
	check(rc != 0 && v == 42, "[%s] \"%s\" is rejected, value untouched", spec, s);
}

static void why(const char *spec, const char *s, const char *want)
{
	struct sk_opts o = opts(spec);
	const char *got = sk_num_why(&o, s, strlen(s));
	check(strcmp(got, want) == 0, "[%s] why \"%s\": \"%s\" (got \"%s\")", spec, s, want, got);
}

static void test_plain(void)
{
	/* No option: exactly sk_num_parse. */
	reads("", "12.50", "12.5");
	reads("", "-3", "-3");
	reads("", "1e3", "1000");
	reads("", "0.1", "0.1");
	rejects("", "12,50");
	rejects("", "1,250.00");
	rejects("", "$5");
	rejects("", "");
	rejects("", " 5");
	/* A plain number means the same with --thousands or --currency. */
	reads("t", "1250.75", "1250.75");
	reads("c", "99.99", "99.99");
	reads("tc", "-0.5", "-0.5");
}

static void test_decimal_comma(void)
{
	reads("d", "12,50", "12.5");
	reads("d", "-0,5", "-0.5");
	reads("d", "+7,25", "7.25");
	reads("d", ",5", "0.5");
	reads("d", "3", "3");
	reads("d", "1250000,01", "1250000.01");
	reads("d", "1,5e3", "1500");
	reads("d", "0,1", "0.1");
	/* With --decimal-comma a point is not a decimal separator. */
	rejects("d", "12.50");
	rejects("d", "1.250");
	rejects("d", "1,2,3");
	reads("d", "12,", "12.");	/* as "12." is read without the option */
	rejects("d", ",");
	rejects("d", "1,5e");
	rejects("d", "nan");
	rejects("d", "1,5 ");
}

static void test_thousands(void)
{
	/* Decimal comma: '.' groups. */
	reads("dt", "1.250.000,00", "1250000");
	reads("dt", "1.250", "1250");
	reads("dt", "12.345.678,9", "12345678.9");
	reads("dt", "999", "999");
	reads("dt", "1250000,5", "1250000.5");	/* grouping is optional */
	reads("dt", "-1.000,01", "-1000.01");
	rejects("dt", "1.25.000");
	rejects("dt", "1250.000,00");		/* a first group of 4 */
	rejects("dt", "1.2500");
	rejects("dt", ".250");
	rejects("dt", "1.250.");
	rejects("dt", "1..250");
	rejects("dt", "1.250,00.5");
	reads("dt", "1,250", "1.25");		/* ',' is the decimal separator */
	/* Decimal point: ',' groups. */
	reads("t", "1,250,000.00", "1250000");
	reads("t", "1,250", "1250");
	reads("t", "-12,345.5", "-12345.5");
	rejects("t", "1,25");
	rejects("t", "12,50");
	rejects("t", "1,25,000");		/* the Indian lakh grouping is not accepted */
	rejects("t", "1,250.000,5");
	rejects("t", "1.250.000");
}

static void test_currency(void)
{
	reads("dtc", "Rp 1.250.000,00", "1250000");
	reads("dtc", "Rp1.250.000", "1250000");
	reads("dtc", "Rp. 5.000", "5000");
	reads("dtc", "-Rp 5.000", "-5000");
	reads("dtc", "Rp -5.000", "-5000");
	reads("dtc", "5.000 IDR", "5000");
	reads("dtc", "IDR 5.000,50", "5000.5");
	reads("dtc", "Rp\xc2\xa0" "1.000", "1000");	/* a no-break space */
	reads("dc", "\xe2\x82\xac 3,5", "3.5");	/* € */
	reads("dc", "3,5 \xe2\x82\xac", "3.5");
	reads("dc", "3,5\xe2\x82\xac", "3.5");
	reads("c", "$12.50", "12.5");
	reads("c", "-$12.50", "-12.5");
	reads("c", "12.50 USD", "12.5");
	reads("c", "US$ 3.50", "3.5");
	reads("c", "\xc2\xa3" "7", "7");	/* £ */
	reads("tc", "$1,250.00", "1250");
	reads("c", "EUR 1e3", "1000");
	rejects("c", "Rp");
	rejects("c", "$");
	rejects("c", "Rp Rp 5");
	rejects("c", "$5 USD");		/* one currency, before or after */
	rejects("c", "5 usd");
	rejects("c", "ABCD 5");
	rejects("c", "Rp  5");			/* one space at most */
	rejects("c", "Rpx5");
	rejects("c", "5 Rp.");
	rejects("c", "5$5");
	rejects("dtc", "Rp 1.25.000");
	rejects("dt", "Rp 1.250");		/* no --currency */
}

static void test_limits(void)
{
	char longnum[80];
	memset(longnum, '1', 70);
	longnum[70] = 0;
	rejects("dtc", longnum);
	struct sk_opts o = opts("dtc");
	double v = 0;
	check(sk_num_read(&o, "12,5xyz", 4, &v) == 0 && v == 12.5, "reads only len bytes");
	check(sk_num_read(&o, "1,\0005", 4, &v) != 0, "an embedded NUL is rejected");
	/* The fast path and the local path agree on plain numbers. */
	const char *plain[] = { "0", "7", "-7", "3.14159", "123456789012345", "0.000001",
				"99999999.99", "1e-5" };
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		double a, b;
		struct sk_opts t = opts("t");
		int ra = sk_num_parse(plain[i], strlen(plain[i]), &a);
		int rb = sk_num_read_local(&t, plain[i], strlen(plain[i]), &b);
		check(ra == 0 && rb == 0 && a == b, "fast and local paths agree on \"%s\"", plain[i]);
	}
}

static void test_why(void)
{
	why("", "12,50", ": use --decimal-comma");
	why("", "1,250", ": use --decimal-comma or --thousands");
	why("", "1,250,000.00", ": use --thousands");
	why("", "1.250.000,00", ": use --decimal-comma --thousands");
	why("", "Rp 1.250.000,00", ": use --decimal-comma --thousands --currency");
	why("", "$5", ": use --currency");
	why("dt", "Rp 1.250", ": use --currency");
	why("dt", "1.25.000", ": thousands groups must have 3 digits");
	why("t", "1,25", ": use --decimal-comma");
	why("dt", "30.428571", ": thousands groups must have 3 digits");
	why("d", "30.428571", ": with --decimal-comma the decimal separator is ','");
	why("", "abc", "");
	why("dtc", "12x", "");
}

int main(void)
{
	test_plain();
	test_decimal_comma();
	test_thousands();
	test_currency();
	test_limits();
	test_why();
	return failures ? 1 : 0;
}
