/* date.h: calendar dates as integer day numbers (days since 1970-01-01,
 * proleptic Gregorian), with no locale or time-zone dependence. */
#ifndef SK_DATE_H
#define SK_DATE_H

#include <stddef.h>

#include "opts.h"

/* Days since 1970-01-01 of a valid y-m-d; the caller checks validity. */
long sk_days_from_civil(long y, int m, int d);
void sk_civil_from_days(long days, long *y, int *m, int *d);
/* 1 when y-m-d is a real calendar date. */
int sk_date_valid(long y, int m, int d);

/* Parse s[0..len) as YYYY-MM-DD, YYYYMMDD or an ISO 8601 date-time
 * (YYYY-MM-DDThh:mm[:ss][.fff][Z|+hh:mm] or with a space for T); the time of
 * day is ignored.  With fmt != NULL, use strptime(fmt) instead.  Return 0
 * and store the day number, or -1. */
int sk_date_parse(const char *s, size_t len, const char *fmt, long *days);

/* Parse a date of the data as o says: with --date-format by strptime;
 * otherwise ISO 8601 as sk_date_parse, and with --dayfirst or
 * --monthfirst also D/M/YYYY or M/D/YYYY with '/', '-' or '.' between
 * the fields, one or two digits for day and month, and an optional time
 * of day after a space ("12/1/2010 8:26", "25/12/2024 14:05:00", "8:26 AM"),
 * which is ignored.  With --tz (o->tz), an ISO date-time that carries a
 * UTC offset (Z, +05:30, -0800, +01) is dated by its calendar day in
 * that zone.  Return 0 and store the day number, or -1. */
int sk_date_read(const struct sk_opts *o, const char *s, size_t len, long *days);

/* Why sk_date_read(o, s, len) failed, as a clause to append to "cannot
 * parse \"...\"": for a D/M/YYYY date without --dayfirst or --monthfirst
 * ": day-first or month-first? use --dayfirst or --monthfirst, or
 * --date-format"; "" when there is nothing more to say.  The string is
 * static. */
const char *sk_date_why(const struct sk_opts *o, const char *s, size_t len);

/* Make zone (an IANA name such as "Europe/London", or "UTC") the zone of
 * --tz for sk_date_read and "today"; 0, or -1 when the zone is unknown. */
int sk_date_tz(const char *zone);

/* The date column of a log, read in order.  Without --dayfirst,
 * --monthfirst or --date-format, the first D/M/YYYY date that can be only
 * one (a field over 12: 31/12/2024 is day-first, 12/31/2024 month-first)
 * settles the order for the rest of the column (issue 17): the order is a
 * property of the column, and such a date proves it.  A date that could be
 * either before that is still an error asking for the order. */
struct sk_datecol {
	enum sk_date_order order;	/* SK_DATE_ISO until settled */
	char by[32];			/* the date that settled it */
	char why[200];
};
/* As sk_date_read, settling c's order as above. */
int sk_datecol_read(struct sk_datecol *c, const struct sk_opts *o, const char *s, size_t len,
		    long *days);
/* As sk_date_why, naming the date that settled the order when the
 * failure contradicts it; the string lives in c. */
const char *sk_datecol_why(struct sk_datecol *c, const struct sk_opts *o, const char *s,
			   size_t len);

/* Write YYYY-MM-DD (10 chars + NUL) into buf. */
void sk_date_format(long days, char buf[11]);

#endif
