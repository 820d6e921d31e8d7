/* num.h: strict number parsing and plain number formatting. */
#ifndef SK_NUM_H
#define SK_NUM_H

#include <stddef.h>

/* Parse s[0..len) as a finite decimal number (optional sign, digits,
 * point, exponent).  NaN, inf, hex, empty text, surrounding text: -1. */
int sk_num_parse(const char *s, size_t len, double *v);

/* Format v with at most `decimals` decimals, trailing zeros trimmed
 * ("30.428571", "2", "-0.5").  Non-finite v is a bug in the caller:
 * it aborts with status 70 rather than print NaN.  Returns the length. */
int sk_num_format(char *buf, size_t size, double v, int decimals);

/* Duration "90d", "39w", "6m", "1y" (or a bare number of `unit_days`)
 * into days; -1 when malformed. */
int sk_duration_parse(const char *s, double unit_days, double *days);

#endif
