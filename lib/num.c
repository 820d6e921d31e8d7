/* num.c: strict decimal parsing (strtod alone accepts "nan", "inf",
 * hex floats and leading spaces, all of which are bad data here). */
#include "num.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const double pow10tab[] = {
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

int sk_num_parse(const char *s, size_t len, double *v)
{
	/* Fast path for plain decimals of at most 15 digits ("123.45"): the
	 * digits form an exact integer m < 2^53 and 10^k is exact, so m / 10^k
	 * is correctly rounded, the same double strtod gives. */
	if (len > 0 && len <= 17) {
		size_t i = s[0] == '-' || s[0] == '+';
		uint64_t m = 0;
		int nd = 0, frac = -1;
		for (; i < len; i++) {
			char c = s[i];
			if (c >= '0' && c <= '9') {
				m = m * 10 + (uint64_t)(c - '0');
				nd++;
				if (frac >= 0)
					frac++;
			} else if (c == '.' && frac < 0)
				frac = 0;
			else
				break;
		}
		if (i == len && nd > 0 && nd <= 15) {
			double x = (double)m;
			if (frac > 0)
				x /= pow10tab[frac];
			*v = s[0] == '-' ? -x : x;
			return 0;
		}
	}
	char buf[64];
	size_t i = 0;
	int nd = 0;
	if (len == 0 || len >= sizeof buf)
		return -1;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, nd++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, nd++;
	}
	if (nd == 0)
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == e)
			return -1;
	}
	if (i != len)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	double x = strtod(buf, NULL);
	if (!isfinite(x))
		return -1;
	*v = x;
	return 0;
}

int sk_num_format(char *buf, size_t size, double v, int decimals)
{
	if (!isfinite(v))
		sk_die(SK_EX_SOFTWARE, "internal error: non-finite number in output");
	if (v == 0)
		v = 0;	/* no "-0" */
	/* Fast path: scale to an integer and print digits; printf's exact
	 * binary-to-decimal conversion dominated summarize's profile. */
	if (decimals >= 0 && decimals <= 9 && fabs(v) < 1e15 / pow10tab[decimals] &&
	    size >= 32) {
		double scaled = nearbyint(fabs(v) * pow10tab[decimals]);
		uint64_t q = (uint64_t)scaled;
		uint64_t p10 = (uint64_t)pow10tab[decimals];
		uint64_t ip = q / p10, fp = q % p10;
		char tmp[32];
		int k = 0;
		if (v < 0 && q != 0)
			buf[k++] = '-';
		int t = 0;
		do {
			tmp[t++] = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip);
		while (t)
			buf[k++] = tmp[--t];
		if (fp) {
			int d = decimals;
			while (fp % 10 == 0) {
				fp /= 10;
				d--;
			}
			buf[k++] = '.';
			for (int j = d - 1; j >= 0; j--) {
				buf[k + j] = (char)('0' + fp % 10);
				fp /= 10;
			}
			k += d;
		}
		buf[k] = 0;
		return k;
	}
	int n = snprintf(buf, size, "%.*f", decimals, v);
	if (n >= 0 && (size_t)n >= size) {
		/* Too long in fixed notation (1e40 is valid input): the
		 * shortest exponent form that reads back as v. */
		n = snprintf(buf, size, "%.15g", v);
		if (n >= 0 && (size_t)n < size && strtod(buf, NULL) != v)
			n = snprintf(buf, size, "%.17g", v);
		if (n < 0 || (size_t)n >= size)
			sk_die(SK_EX_SOFTWARE, "internal error: number too long to format");
		return n;
	}
	if (n < 0)
		sk_die(SK_EX_SOFTWARE, "internal error: number too long to format");
	if (decimals > 0) {
		while (n > 0 && buf[n - 1] == '0')
			n--;
		if (n > 0 && buf[n - 1] == '.')
			n--;
		buf[n] = 0;
	}
	if (strcmp(buf, "-0") == 0) {
		buf[0] = '0';
		buf[1] = 0;
		n = 1;
	}
	return n;
}

int sk_duration_parse(const char *s, double unit_days, double *days)
{
	size_t len = strlen(s);
	double mult = unit_days, v;
	if (len == 0)
		return -1;
	switch (s[len - 1]) {
	case 'd': mult = 1; len--; break;
	case 'w': mult = 7; len--; break;
	case 'm': mult = 30.4375; len--; break;
	case 'y': mult = 365.25; len--; break;
	}
	if (sk_num_parse(s, len, &v) || v < 0)
		return -1;
	*days = v * mult;
	return 0;
}
