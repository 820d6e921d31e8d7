/* date.h: calendar dates as integer day numbers (days since 1970-01-01,
 * proleptic Gregorian), with no locale or time-zone dependence. */
#ifndef SK_DATE_H
#define SK_DATE_H

#include <stddef.h>

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

/* Write YYYY-MM-DD (10 chars + NUL) into buf. */
void sk_date_format(long days, char buf[11]);

#endif
