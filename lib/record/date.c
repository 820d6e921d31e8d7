/* date.c: day numbers from civil dates.
 *
 * The conversion counts whole 400-year eras (146097 days each) and days
 * within an era with March as the first month, so the leap day falls at
 * the end of the year and no table is needed. */
#include "date.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <string.h>
#include <time.h>

long sk_days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;				/* [0, 399] */
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;	/* [0, 365] */
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void sk_civil_from_days(long z, long *yp, int *mp, int *dp)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp0 = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp0 + 2) / 5 + 1);
	int m = (int)(mp0 < 10 ? mp0 + 3 : mp0 - 9);
	*yp = y + (m <= 2);
	*mp = m;
	*dp = d;
}

int sk_date_valid(long y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static int digits(const char *s, int n, long *v)
{
	long x = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/* A time of day and its UTC offset, when the text gives one. */
struct clock {
	long minute;		/* minutes since midnight, as written */
	int has_offset;		/* Z or (+|-)hh[[:]mm] was given */
	long offset;		/* minutes east of UTC */
};

/* The time part after a date: hh:mm[:ss][.frac][Z|(+|-)hh[:]mm].
 * Purchases are dated by calendar day; the clock and offset only matter
 * with --tz, which moves an instant to another zone's calendar. */
static int time_ok(const char *s, size_t n, struct clock *c)
{
	long v, h;
	if (n < 5 || digits(s, 2, &h) || h > 24 || s[2] != ':' || digits(s + 3, 2, &v) || v > 59)
		return 0;
	c->minute = h * 60 + v;
	c->has_offset = 0;
	c->offset = 0;
	size_t i = 5;
	if (i < n && s[i] == ':') {
		if (i + 3 > n || digits(s + i + 1, 2, &v) || v > 60)
			return 0;
		i += 3;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			i++;
			size_t f = i;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == f)
				return 0;
		}
	}
	if (i < n && s[i] == 'Z') {
		i++;
		c->has_offset = 1;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		i++;
		size_t f = i;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ':'))
			i++;
		if (i - f < 2 || i - f > 5)
			return 0;
		/* +hh, +hhmm, +hh:mm (ISO 8601; psql prints +05:30 and +01) */
		long oh, om = 0;
		size_t w = i - f;
		if (digits(s + f, 2, &oh) ||
		    (w == 4 && digits(s + f + 2, 2, &om)) ||
		    (w == 5 && (s[f + 2] != ':' || digits(s + f + 3, 2, &om))) ||
		    w == 3 || oh > 18 || om > 59)
			return 0;
		c->has_offset = 1;
		c->offset = sign * (oh * 60 + om);
	}
	return i == n;
}

/* ISO 8601 with its clock: the day as written and the time, if any. */
static int parse_iso(const char *s, size_t len, long *days, struct clock *c)
{
	long y, m, d;
	c->has_offset = 0;
	c->minute = 0;
	if (len >= 10 && s[4] == '-' && s[7] == '-') {
		if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
			return -1;
		if (len > 10 && !((s[10] == 'T' || s[10] == ' ') && time_ok(s + 11, len - 11, c)))
			return -1;
	} else if (len == 8) {
		if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d))
			return -1;
	} else
		return -1;
	if (!sk_date_valid(y, (int)m, (int)d))
		return -1;
	*days = sk_days_from_civil(y, (int)m, (int)d);
	return 0;
}

/* The calendar day of an instant (seconds since the epoch) in the zone
 * of --tz.  The zone's offset is looked up once per UTC hour and kept
 * (a log is mostly in time order, and zones change offset on whole
 * hours of UTC), so a million rows cost a few thousand localtime_r
 * calls, not a million. */
static int zone_serial;		/* bumped by sk_date_tz: the cache is per zone */

static long zone_day(long long t)
{
	static _Thread_local long long hour = -1;
	static _Thread_local long gmtoff;
	static _Thread_local int serial = -1;
	long long h = t >= 0 ? t / 3600 : (t - 3599) / 3600;
	if (h != hour || serial != zone_serial) {
		time_t at = (time_t)(h * 3600);
		struct tm tm;
		if (!localtime_r(&at, &tm))
			return LONG_MIN;
		gmtoff = tm.tm_gmtoff;
		hour = h;
		serial = zone_serial;
	}
	long long local = t + gmtoff;
	return (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
}

int sk_date_tz(const char *zone)
{
	/* glibc takes any string as TZ and falls back to UTC for an unknown
	 * name; an unknown zone must be an error, not UTC in disguise.  A
	 * name is known when its tzfile exists; "UTC" always is. */
	if (!zone || !*zone || strstr(zone, ".."))
		return -1;
	if (strcmp(zone, "UTC") != 0) {
		const char *dir = getenv("TZDIR");
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
		if (zone[0] == '/' || access(path, R_OK) != 0)
			return -1;
	}
	if (setenv("TZ", zone, 1) != 0)
		return -1;
	tzset();
	zone_serial++;
	return 0;
}

int sk_date_parse(const char *s, size_t len, const char *fmt, long *days)
{
	long y, m, d;
	if (fmt) {
		char buf[128];
		struct tm tm;
		if (len >= sizeof buf)
			return -1;
		memcpy(buf, s, len);
		buf[len] = 0;
		memset(&tm, 0, sizeof tm);
		tm.tm_mday = 1;
		const char *end = strptime(buf, fmt, &tm);
		if (!end || *end)
			return -1;
		y = tm.tm_year + 1900L;
		m = tm.tm_mon + 1;
		d = tm.tm_mday;
	} else {
		struct clock c;
		return parse_iso(s, len, days, &c);
	}
	if (!sk_date_valid(y, (int)m, (int)d))
		return -1;
	*days = sk_days_from_civil(y, (int)m, (int)d);
	return 0;
}

/* A clock time after a D/M/Y date, as spreadsheets write it: h:mm or
 * hh:mm, optional :ss and fraction, optional AM/PM.  Shape only. */
static int clock_ok(const char *s, size_t n)
{
	long v;
	size_t i = 0;
	while (i < n && i < 2 && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || digits(s, (int)i, &v) || v > 24)
		return 0;
	if (i + 3 > n || s[i] != ':' || digits(s + i + 1, 2, &v) || v > 59)
		return 0;
	i += 3;
	if (i < n && s[i] == ':') {
		if (i + 3 > n || digits(s + i + 1, 2, &v) || v > 60)
			return 0;
		i += 3;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			size_t f = ++i;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == f)
				return 0;
		}
	}
	if (i < n && s[i] == ' ')
		i++;
	if (i + 2 == n && (s[i] == 'A' || s[i] == 'P' || s[i] == 'a' || s[i] == 'p') &&
	    (s[i + 1] == 'M' || s[i + 1] == 'm'))
		i += 2;
	return i == n;
}

/* D/M/YYYY (or M/D/YYYY when !dayfirst) with '/', '-' or '.'; the two
 * separators must be the same. */
static int parse_dmy(const char *s, size_t len, int dayfirst, long *days)
{
	long a, b, y;
	size_t i = 0, la, lb;
	while (i < len && i < 3 && s[i] >= '0' && s[i] <= '9')
		i++;
	la = i;
	if (la < 1 || la > 2 || i >= len)
		return -1;
	char sep = s[i];
	if (sep != '/' && sep != '-' && sep != '.')
		return -1;
	size_t bstart = ++i;
	while (i < len && i - bstart < 3 && s[i] >= '0' && s[i] <= '9')
		i++;
	lb = i - bstart;
	if (lb < 1 || lb > 2 || i >= len || s[i] != sep || i + 5 > len)
		return -1;
	i++;
	if (digits(s, (int)la, &a) || digits(s + bstart, (int)lb, &b) || digits(s + i, 4, &y))
		return -1;
	i += 4;
	if (i < len && !(s[i] == ' ' && clock_ok(s + i + 1, len - i - 1)))
		return -1;
	long d = dayfirst ? a : b, m = dayfirst ? b : a;
	if (!sk_date_valid(y, (int)m, (int)d))
		return -1;
	*days = sk_days_from_civil(y, (int)m, (int)d);
	return 0;
}

int sk_date_read(const struct sk_opts *o, const char *s, size_t len, long *days)
{
	if (o->date_format)
		return sk_date_parse(s, len, o->date_format, days);
	/* ISO first: the common case, and YYYY-MM-DD is never ambiguous. */
	struct clock c;
	if (parse_iso(s, len, days, &c) == 0) {
		/* With --tz, a time with an offset is an instant: its day is
		 * the day it was in that zone (psql's 2024-01-01 23:30:00-05
		 * is 2024-01-02 in Europe/London).  Without an offset the text
		 * is already local time and keeps its day. */
		if (o->tz && c.has_offset) {
			long long t = ((long long)*days * 1440 + c.minute - c.offset) * 60;
			long d = zone_day(t);
			if (d == LONG_MIN)
				return -1;
			*days = d;
		}
		return 0;
	}
	if (o->date_order == SK_DATE_ISO)
		return -1;
	return parse_dmy(s, len, o->date_order == SK_DATE_DAYFIRST, days);
}

const char *sk_date_why(const struct sk_opts *o, const char *s, size_t len)
{
	long d;
	if (o->date_format)
		return "";
	int day = parse_dmy(s, len, 1, &d) == 0, month = parse_dmy(s, len, 0, &d) == 0;
	switch (o->date_order) {
	case SK_DATE_ISO:
		if (day || month)
			return ": day-first or month-first? use --dayfirst or --monthfirst, "
			       "or --date-format";
		return "";
	case SK_DATE_DAYFIRST:
		return month ? ": not a day-first date; month-first? use --monthfirst" : "";
	case SK_DATE_MONTHFIRST:
		return day ? ": not a month-first date; day-first? use --dayfirst" : "";
	}
	return "";
}

int sk_datecol_read(struct sk_datecol *c, const struct sk_opts *o, const char *s, size_t len,
		    long *days)
{
	if (o->date_format || o->date_order != SK_DATE_ISO)
		return sk_date_read(o, s, len, days);
	/* ISO (and --tz) as sk_date_read; it fails here for D/M/Y dates. */
	if (sk_date_read(o, s, len, days) == 0)
		return 0;
	if (c->order != SK_DATE_ISO)
		return parse_dmy(s, len, c->order == SK_DATE_DAYFIRST, days);
	long dd, dm;
	int day = parse_dmy(s, len, 1, &dd) == 0, month = parse_dmy(s, len, 0, &dm) == 0;
	if (day && month && dd == dm) {
		*days = dd;	/* 5/5/2024: the same either way, settles nothing */
		return 0;
	}
	if (day == month)
		return -1;	/* either order, or neither */
	c->order = day ? SK_DATE_DAYFIRST : SK_DATE_MONTHFIRST;
	snprintf(c->by, sizeof c->by, "%.*s", (int)(len < 31 ? len : 31), s);
	*days = day ? dd : dm;
	return 0;
}

const char *sk_datecol_why(struct sk_datecol *c, const struct sk_opts *o, const char *s,
			   size_t len)
{
	long d;
	if (o->date_format || o->date_order != SK_DATE_ISO || c->order == SK_DATE_ISO)
		return sk_date_why(o, s, len);
	int dayfirst = c->order == SK_DATE_DAYFIRST;
	if (parse_dmy(s, len, !dayfirst, &d) != 0)
		return "";
	snprintf(c->why, sizeof c->why, ": not a %s date as \"%s\" earlier in the column is; "
		 "use --dayfirst or --monthfirst, or --date-format",
		 dayfirst ? "day-first" : "month-first", c->by);
	return c->why;
}

void sk_date_format(long days, char buf[11])
{
	long y;
	int m, d;
	sk_civil_from_days(days, &y, &m, &d);
	/* y is 1..9999 for every date the parser accepts. */
	buf[0] = (char)('0' + y / 1000 % 10);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = 0;
}
