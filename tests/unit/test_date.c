/* test_date.c: unit tests for lib/record/date.c (day numbers, the accepted date
 * formats, --date-format through strptime, and sk_date_format).
 *
 * Prints one "ok - ..." / "not ok - ..." line per check and exits 1 if
 * any failed.  The calendar facts used (1970-01-01 is day 0, 2000 is a
 * leap year and 1900 is not, ...) are those of the proleptic Gregorian
 * calendar; the round trip is checked against an independent day-by-day
 * walk over every date from 0001-01-01 to 9999-12-31.  Day-first and
 * month-first dates (--dayfirst, --monthfirst) go through sk_date_read. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "record/date.h"

#include "tap.h"


static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return md[m - 1] + (m == 2 && is_leap(y));
}

/* Parse s with the default formats (fmt NULL) or fmt; -1 when rejected,
 * else the day number. */
static int parse(const char *s, const char *fmt, long *days)
{
	return sk_date_parse(s, strlen(s), fmt, days);
}

static void accepts(const char *s, const char *fmt, const char *want)
{
	long d;
	char buf[11] = "";
	int rc = parse(s, fmt, &d);
	if (rc == 0)
		sk_date_format(d, buf);
	check(rc == 0 && strcmp(buf, want) == 0, "\"%s\"%s%s -> %s (got %s)", s,
	      fmt ? " with " : "", fmt ? fmt : "", want, rc ? "rejected" : buf);
}

static void rejects(const char *s, const char *fmt)
{
	long d;
	check(parse(s, fmt, &d) != 0, "\"%s\"%s%s is rejected", s, fmt ? " with " : "",
	      fmt ? fmt : "");
}

static void test_round_trip(void)
{
	/* Walk the calendar one day at a time, independently of date.c. */
	long y = 1;
	int m = 1, d = 1;
	long day = sk_days_from_civil(1, 1, 1);
	long bad_to = 0, bad_from = 0, n = 0;
	for (;;) {
		long yy;
		int mm, dd;
		if (sk_days_from_civil(y, m, d) != day)
			bad_to++;
		sk_civil_from_days(day, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			bad_from++;
		n++;
		if (y == 9999 && m == 12 && d == 31)
			break;
		day++;
		if (++d > month_days(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	check(n == 3652059, "0001-01-01..9999-12-31 has 3652059 days (got %ld)", n);
	check(bad_to == 0, "sk_days_from_civil counts every day once (%ld wrong)", bad_to);
	check(bad_from == 0, "sk_civil_from_days inverts it on every day (%ld wrong)", bad_from);
	check(sk_days_from_civil(1970, 1, 1) == 0, "1970-01-01 is day 0");
	check(sk_days_from_civil(1969, 12, 31) == -1, "1969-12-31 is day -1");
	check(sk_days_from_civil(2000, 3, 1) == 11017, "2000-03-01 is day 11017");
	check(sk_days_from_civil(1997, 1, 1) == 9862, "1997-01-01 is day 9862");
	check(sk_days_from_civil(1, 1, 1) == -719162, "0001-01-01 is day -719162");
	check(sk_days_from_civil(9999, 12, 31) == 2932896, "9999-12-31 is day 2932896");
}

static void test_valid(void)
{
	check(sk_date_valid(2000, 2, 29), "2000-02-29 is valid (divisible by 400)");
	check(!sk_date_valid(1900, 2, 29), "1900-02-29 is invalid (divisible by 100)");
	check(sk_date_valid(2024, 2, 29), "2024-02-29 is valid");
	check(!sk_date_valid(2023, 2, 29), "2023-02-29 is invalid");
	check(!sk_date_valid(2100, 2, 29), "2100-02-29 is invalid");
	check(!sk_date_valid(2024, 2, 30), "2024-02-30 is invalid");
	check(!sk_date_valid(2024, 4, 31), "2024-04-31 is invalid");
	check(sk_date_valid(2024, 12, 31), "2024-12-31 is valid");
	check(!sk_date_valid(2024, 13, 1), "month 13 is invalid");
	check(!sk_date_valid(2024, 0, 1), "month 0 is invalid");
	check(!sk_date_valid(2024, 1, 0), "day 0 is invalid");
	check(!sk_date_valid(0, 1, 1), "year 0 is invalid");
	check(!sk_date_valid(10000, 1, 1), "year 10000 is invalid");
	long leaps = 0;
	for (long y = 1; y <= 9999; y++)
		leaps += sk_date_valid(y, 2, 29);
	/* 9999/4 - 9999/100 + 9999/400 = 2499 - 99 + 24 */
	check(leaps == 2424, "2424 leap days in 1..9999 (got %ld)", leaps);
}

static void test_formats(void)
{
	accepts("1997-01-01", NULL, "1997-01-01");
	accepts("19970101", NULL, "1997-01-01");
	accepts("1997-01-01T10:00:00Z", NULL, "1997-01-01");
	accepts("1997-01-08 23:59:59", NULL, "1997-01-08");
	accepts("1997-01-08T23:59", NULL, "1997-01-08");
	accepts("1997-01-08T00:00:00.123456", NULL, "1997-01-08");
	accepts("1997-01-08T00:00:00,5", NULL, "1997-01-08");
	/* The time of day and its offset are ignored: the calendar day as
	 * written is the purchase day, whatever the zone. */
	accepts("1997-01-08T23:30:00+05:30", NULL, "1997-01-08");
	accepts("1997-01-08T23:30:00-0800", NULL, "1997-01-08");
	accepts("1997-01-08T01:00+01", NULL, "1997-01-08");
	accepts("2024-02-29", NULL, "2024-02-29");
	accepts("0001-01-01", NULL, "0001-01-01");
	accepts("9999-12-31", NULL, "9999-12-31");

	rejects("", NULL);
	rejects("2024-13-45", NULL);
	rejects("2024-02-30", NULL);
	rejects("2023-02-29", NULL);
	rejects("2024-00-10", NULL);
	rejects("2024-01-00", NULL);
	rejects("2024-01-32", NULL);
	rejects("0000-01-01", NULL);
	rejects("20241301", NULL);
	rejects("yesterday", NULL);
	rejects("2024-1-5", NULL);
	rejects("24-01-05", NULL);
	rejects("2024/01/05", NULL);
	rejects(" 2024-01-05", NULL);
	rejects("2024-01-05 ", NULL);
	rejects("2024-01-05T", NULL);
	rejects("2024-01-05T10", NULL);
	rejects("2024-01-05T25:00", NULL);
	rejects("2024-01-05T10:60", NULL);
	rejects("2024-01-05T10:00:00Zjunk", NULL);
	rejects("2024-01-05X10:00", NULL);
	rejects("2024-01-05T10:00:00.", NULL);
	rejects("202401051", NULL);
	rejects("+2024-01-05", NULL);
	rejects("2024-01-5x", NULL);

	/* A value with a NUL inside is not a date, even if its prefix is. */
	long d;
	check(sk_date_parse("2024-01-05\0junk", 15, NULL, &d) != 0,
	      "an embedded NUL after a date is rejected");
	check(sk_date_parse("2024-01-05junk", 10, NULL, &d) == 0 &&
	      d == sk_days_from_civil(2024, 1, 5), "only len bytes are read");
}

static void test_strptime(void)
{
	accepts("31/01/2024", "%d/%m/%Y", "2024-01-31");
	accepts("29/02/2024", "%d/%m/%Y", "2024-02-29");
	accepts("1/2/2024", "%d/%m/%Y", "2024-02-01");
	accepts("01/31/2024", "%m/%d/%Y", "2024-01-31");
	accepts("05 Mar 2024", "%d %b %Y", "2024-03-05");
	accepts("2024-060", "%Y-%j", "2024-02-29");
	accepts("05.03.2024 17:45", "%d.%m.%Y %H:%M", "2024-03-05");
	rejects("31/02/2024", "%d/%m/%Y");
	rejects("29/02/2023", "%d/%m/%Y");
	rejects("31/04/2024", "%d/%m/%Y");
	rejects("2024-01-31", "%d/%m/%Y");
	rejects("31/01/2024x", "%d/%m/%Y");
	rejects("", "%d/%m/%Y");
	/* With a format, only that format: the ISO default is not a fallback
	 * for data (the command line's --as-of has its own fallback). */
	rejects("2024-01-31", "%d.%m.%Y");
	/* strptime works on a NUL-terminated copy of at most 127 bytes. */
	char longs[200];
	memset(longs, '1', sizeof longs - 1);
	longs[sizeof longs - 1] = 0;
	rejects(longs, "%d/%m/%Y");
}

static void test_format(void)
{
	char buf[11];
	sk_date_format(0, buf);
	check(strcmp(buf, "1970-01-01") == 0, "day 0 formats as 1970-01-01 (got %s)", buf);
	sk_date_format(-1, buf);
	check(strcmp(buf, "1969-12-31") == 0, "day -1 formats as 1969-12-31 (got %s)", buf);
	sk_date_format(sk_days_from_civil(1, 1, 1), buf);
	check(strcmp(buf, "0001-01-01") == 0, "zero-padded year 0001 (got %s)", buf);
	sk_date_format(sk_days_from_civil(9999, 12, 31), buf);
	check(strcmp(buf, "9999-12-31") == 0, "9999-12-31 (got %s)", buf);
	sk_date_format(sk_days_from_civil(2024, 2, 29), buf);
	check(strcmp(buf, "2024-02-29") == 0, "2024-02-29 (got %s)", buf);
	check(buf[10] == 0, "the result is NUL-terminated");

	/* format then parse gives the same day, over a spread of days */
	long bad = 0;
	for (long day = sk_days_from_civil(1, 1, 1); day <= sk_days_from_civil(9999, 12, 31);
	     day += 97) {
		long back;
		sk_date_format(day, buf);
		if (sk_date_parse(buf, 10, NULL, &back) || back != day)
			bad++;
	}
	check(bad == 0, "sk_date_format output parses back to the same day (%ld wrong)", bad);
}

/* sk_date_read with --dayfirst / --monthfirst (issue 10). */
static void order_case(enum sk_date_order ord, const char *s, const char *want)
{
	struct sk_opts o = SK_OPTS_INIT;
	o.date_order = ord;
	long d;
	char buf[11] = "";
	int rc = sk_date_read(&o, s, strlen(s), &d);
	if (rc == 0)
		sk_date_format(d, buf);
	const char *name = ord == SK_DATE_DAYFIRST ? "dayfirst" : ord == SK_DATE_MONTHFIRST
			   ? "monthfirst" : "no order";
	if (want)
		check(rc == 0 && strcmp(buf, want) == 0, "[%s] \"%s\" -> %s (got %s)", name, s,
		      want, rc ? "rejected" : buf);
	else
		check(rc != 0, "[%s] \"%s\" is rejected (got %s)", name, s, rc ? "rejected" : buf);
}

static void why_case(enum sk_date_order ord, const char *s, const char *want)
{
	struct sk_opts o = SK_OPTS_INIT;
	o.date_order = ord;
	const char *got = sk_date_why(&o, s, strlen(s));
	check(strcmp(got, want) == 0, "why \"%s\": \"%s\" (got \"%s\")", s, want, got);
}

static void test_order(void)
{
	enum sk_date_order D = SK_DATE_DAYFIRST, M = SK_DATE_MONTHFIRST, N = SK_DATE_ISO;
	order_case(D, "25/12/2024", "2024-12-25");
	order_case(D, "03/04/2024", "2024-04-03");
	order_case(D, "3/4/2024", "2024-04-03");
	order_case(D, "25-12-2024", "2024-12-25");
	order_case(D, "25.12.2024", "2024-12-25");
	order_case(D, "29/02/2024", "2024-02-29");
	order_case(D, "25/12/2024 14:05", "2024-12-25");
	order_case(D, "25/12/2024 14:05:59", "2024-12-25");
	order_case(D, "2024-12-25", "2024-12-25");	/* ISO stays readable */
	order_case(D, "20241225", "2024-12-25");
	order_case(D, "12/25/2024", NULL);
	order_case(D, "29/02/2023", NULL);
	order_case(D, "25/12-2024", NULL);	/* mixed separators */
	order_case(D, "25/12/24", NULL);		/* two-digit year */
	order_case(D, "025/12/2024", NULL);
	order_case(D, "25/12/2024 ", NULL);
	order_case(D, "25/12/2024 25:00", NULL);
	order_case(D, "25/12/2024T14:05", NULL);
	order_case(M, "12/1/2010 8:26", "2010-12-01");	/* the UCI Online Retail export */
	order_case(M, "12/25/2024", "2024-12-25");
	order_case(M, "1/2/2011 10:03 AM", "2011-01-02");
	order_case(M, "1/2/2011 7:03pm", "2011-01-02");
	order_case(M, "25/12/2024", NULL);
	order_case(N, "03/04/2024", NULL);
	order_case(N, "25/12/2024", NULL);
	why_case(N, "03/04/2024", ": day-first or month-first? use --dayfirst or --monthfirst, "
		 "or --date-format");
	why_case(N, "25/12/2024", ": day-first or month-first? use --dayfirst or --monthfirst, "
		 "or --date-format");
	why_case(N, "12/1/2010 8:26", ": day-first or month-first? use --dayfirst or "
		 "--monthfirst, or --date-format");
	why_case(D, "12/25/2024", ": not a day-first date; month-first? use --monthfirst");
	why_case(M, "25/12/2024", ": not a month-first date; day-first? use --dayfirst");
	why_case(N, "yesterday", "");
	why_case(D, "31/02/2024", "");
	/* --date-format decides alone. */
	struct sk_opts o = SK_OPTS_INIT;
	long d;
	o.date_format = "%d/%m/%Y";
	check(sk_date_read(&o, "03/04/2024", 10, &d) == 0 && d == sk_days_from_civil(2024, 4, 3),
	      "--date-format reads 03/04/2024 as 3 April");
	check(sk_date_read(&o, "2024-04-03", 10, &d) != 0, "--date-format rejects other shapes");
	check(*sk_date_why(&o, "03/04/2024", 10) == 0, "no hint with --date-format");
}

/* --tz: a date-time with a UTC offset is dated by its day in the zone;
 * without an offset, or without --tz, the day is the one written.  The
 * expected days were worked out by hand from the offsets (New York is
 * UTC-5 in January and UTC-4 in July, Kolkata UTC+5:30 all year). */
static void tz_case(const char *zone, const char *s, const char *want)
{
	struct sk_opts o = SK_OPTS_INIT;
	long d;
	char buf[11] = "";
	if (zone) {
		check(sk_date_tz(zone) == 0, "--tz %s is a known zone", zone);
		o.tz = zone;
	}
	int rc = sk_date_read(&o, s, strlen(s), &d);
	if (rc == 0)
		sk_date_format(d, buf);
	check(rc == 0 && strcmp(buf, want) == 0, "\"%s\" in %s -> %s (got %s)", s,
	      zone ? zone : "no --tz", want, rc ? "an error" : buf);
}

static void test_tz(void)
{
	tz_case(NULL, "2024-01-01 23:30:00-05", "2024-01-01");
	tz_case("UTC", "2024-01-01 23:30:00-05", "2024-01-02");
	tz_case("UTC", "2024-01-01 23:30:00-0500", "2024-01-02");
	tz_case("UTC", "2024-01-01T23:30:00-05:00", "2024-01-02");
	tz_case("UTC", "2024-01-01T23:30:00.123456+00", "2024-01-01");
	tz_case("UTC", "2024-01-01 23:30:00", "2024-01-01");	/* no offset: as written */
	tz_case("UTC", "2024-01-01", "2024-01-01");
	tz_case("Asia/Kolkata", "2024-01-01 18:29:59Z", "2024-01-01");
	tz_case("Asia/Kolkata", "2024-01-01 18:30:00Z", "2024-01-02");
	tz_case("Asia/Kolkata", "2024-03-01 00:10:00+05:30", "2024-03-01");
	tz_case("America/New_York", "2024-01-02 04:59:00Z", "2024-01-01");
	tz_case("America/New_York", "2024-01-02 05:00:00Z", "2024-01-02");
	tz_case("America/New_York", "2024-07-02 03:59:00Z", "2024-07-01");	/* EDT */
	tz_case("America/New_York", "2024-07-02 04:00:00Z", "2024-07-02");
	tz_case("America/New_York", "1999-12-31 23:59:59-08:00", "2000-01-01");
	/* The same hour of UTC in another zone: the per-hour cache follows. */
	tz_case("America/New_York", "2024-07-02 03:10:00Z", "2024-07-01");
	tz_case("Asia/Kolkata", "2024-07-02 03:59:00Z", "2024-07-02");
	tz_case("UTC", "1969-12-31 23:00:00-02", "1970-01-01");	/* before the epoch */
	tz_case("UTC", "1969-12-31 20:00:00-02", "1969-12-31");
	check(sk_date_tz("Mars/Olympus_Mons") != 0, "an unknown zone is refused");
	check(sk_date_tz("../../etc/passwd") != 0, "a path is not a zone");
	check(sk_date_tz("") != 0, "an empty zone is refused");
	struct sk_opts o = SK_OPTS_INIT;
	long d;
	o.tz = "UTC";
	sk_date_tz("UTC");
	check(sk_date_read(&o, "2024-01-01 10:00:00+5", 21, &d) != 0, "a one-digit offset is refused");
	check(sk_date_read(&o, "2024-01-01 10:00:00+05:3", 24, &d) != 0, "a cut offset is refused");
	check(sk_date_read(&o, "2024-01-01 10:00:00+25", 22, &d) != 0, "offset +25 is refused");
}

int main(void)
{
	test_round_trip();
	test_valid();
	test_formats();
	test_strptime();
	test_format();
	test_order();
	test_tz();
	return failures ? 1 : 0;
}
