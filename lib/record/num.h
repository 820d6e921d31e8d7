/* num.h: strict number parsing and plain number formatting. */
#ifndef SK_NUM_H
#define SK_NUM_H

#include <stddef.h>
#include <stdint.h>

#include "opts.h"

/* Amounts of money are summed exactly in micro-units (int64): an amount
 * is at most SK_AMOUNT_MAX, so 10^6 of them still fit (9e12 x 1e6 =
 * 9e18 < 2^63). */
#define SK_MICRO 1e6
#define SK_AMOUNT_MAX 9e12

/* Amount v (|v| <= SK_AMOUNT_MAX) in micro-units, exact for what the
 * input said: above 9e9 a double cannot hold v * 10^6 to the unit, so the
 * digits of the shortest decimal that reads back as v are scaled. */
int64_t sk_micro_of(double v);

/* Parse s[0..len) as a finite decimal number (optional sign, digits,
 * point, exponent).  NaN, inf, hex, empty text, surrounding text: -1. */
int sk_num_parse(const char *s, size_t len, double *v);

/* Parse a number of the data (an input field) in the local format that
 * o gives: --decimal-comma (',' is the decimal separator and '.' is not
 * one), --thousands (grouping separators, the other of '.' and ',', with
 * every group after the first of exactly 3 digits), --currency (one
 * currency symbol or ISO 4217 code before or after the number, with an
 * optional space).  Every program reads the numbers of its input through
 * this one function.  Plain numbers take the fast path of sk_num_parse.
 * Returns 0, or -1 with *v untouched. */
int sk_num_read_local(const struct sk_opts *o, const char *s, size_t len, double *v);
static inline int sk_num_read(const struct sk_opts *o, const char *s, size_t len, double *v)
{
	/* Without --decimal-comma a plain number means the same with or
	 * without the other options: try the fast path first. */
	if (!o->decimal_comma && sk_num_parse(s, len, v) == 0)
		return 0;
	if (!(o->decimal_comma | o->thousands | o->currency))
		return -1;
	return sk_num_read_local(o, s, len, v);
}

/* Why sk_num_read(o, s, len) failed, as a clause to append to "cannot
 * parse \"...\" as a number": ": use --decimal-comma" when a flag would
 * read it, ": thousands groups must have 3 digits", ...; "" when there is
 * nothing more to say.  The string is static. */
const char *sk_num_why(const struct sk_opts *o, const char *s, size_t len);

/* Format v with at most `decimals` decimals, trailing zeros trimmed
 * ("30.428571", "2", "-0.5").  Non-finite v is a bug in the caller:
 * it aborts with status 70 rather than print NaN.  Returns the length. */
int sk_num_format(char *buf, size_t size, double v, int decimals);
/* The integer q read as q / 10^decimals (decimals <= 18), "-" first when
 * negative and q is not 0, in plain digits without trailing zeros, into
 * buf (32 bytes hold any); exact, for sums kept in integer units. */
int sk_num_format_scaled(char *buf, uint64_t q, int decimals, int negative);

/* Duration "90d", "39w", "6m", "1y" (or a bare number of `unit_days`)
 * into days; -1 when malformed. */
int sk_duration_parse(const char *s, double unit_days, double *days);

/* 1 when s[0..len) is how a database writes NULL in text: NULL, null,
 * Null or \N (PostgreSQL's text format and mysqldump). */
int sk_null_text(const char *s, size_t len);

#endif
