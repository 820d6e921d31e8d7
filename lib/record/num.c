/* num.c: strict decimal parsing (strtod alone accepts "nan", "inf",
 * hex floats and leading spaces, all of which are bad data here). */
#include "num.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* ---- local formats ---- */

/* Currency symbols stripped by --currency, longest first where one is a
 * prefix of another ("Rp." before "Rp", "US$" before "$").  Any three
 * capital ASCII letters (an ISO 4217 code: IDR, USD, EUR) count too. */
static const char *const symbols[] = {
	"Rp.", "Rp", "US$", "S$", "A$", "R$", "RM", "$", "\xe2\x82\xac" /* € */,
	"\xc2\xa3" /* £ */, "\xc2\xa5" /* ¥ */, "\xe2\x82\xb9" /* ₹ */,
	"\xe2\x82\xb1" /* ₱ */, "\xe0\xb8\xbf" /* ฿ */, "\xe2\x82\xab" /* ₫ */,
	"\xe2\x82\xa9" /* ₩ */,
};

static int upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int letter(char c)
{
	return upper(c) || (c >= 'a' && c <= 'z');
}

/* Length of a currency symbol or code at s[0..n), 0 if none. */
static size_t currency_at(const char *s, size_t n)
{
	for (size_t k = 0; k < sizeof symbols / sizeof symbols[0]; k++) {
		size_t l = strlen(symbols[k]);
		if (l <= n && memcmp(s, symbols[k], l) == 0)
			return l;
	}
	if (n >= 3 && upper(s[0]) && upper(s[1]) && upper(s[2]) && (n == 3 || !letter(s[3])))
		return 3;
	return 0;
}

/* Length of a currency symbol or code that ends s[0..n), 0 if none. */
static size_t currency_before(const char *s, size_t n)
{
	for (size_t k = 0; k < sizeof symbols / sizeof symbols[0]; k++) {
		size_t l = strlen(symbols[k]);
		/* "Rp." is a prefix only: a trailing "." belongs to nothing. */
		if (l <= n && symbols[k][l - 1] != '.' && memcmp(s + n - l, symbols[k], l) == 0)
			return l;
	}
	if (n >= 3 && upper(s[n - 1]) && upper(s[n - 2]) && upper(s[n - 3]) &&
	    (n == 3 || !letter(s[n - 4])))
		return 3;
	return 0;
}

/* The space allowed between a currency and the number: a plain space or
 * a no-break space (U+00A0, common in spreadsheet exports). */
static size_t space_at(const char *s, size_t n)
{
	if (n >= 1 && s[0] == ' ')
		return 1;
	if (n >= 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
		return 2;
	return 0;
}

static size_t space_before(const char *s, size_t n)
{
	if (n >= 1 && s[n - 1] == ' ')
		return 1;
	if (n >= 2 && (unsigned char)s[n - 2] == 0xC2 && (unsigned char)s[n - 1] == 0xA0)
		return 2;
	return 0;
}

enum { BAD = -1, BAD_GROUPS = -2 };

/* The local parser, with the three settings as arguments so sk_num_why
 * can try other combinations.  The text is rewritten as a plain number
 * (sign, digits, '.', digits, exponent) and handed to sk_num_parse,
 * which decides what a number is. */
static int parse_local(int dcomma, int thousands, int currency, const char *s, size_t len,
		       double *v)
{
	char buf[64];
	size_t k = 0, i = 0, end = len;
	char dec = dcomma ? ',' : '.', sep = dcomma ? '.' : ',';
	int sign = 0;

	if (i < end && (s[i] == '-' || s[i] == '+'))
		sign = s[i++];
	if (currency) {
		size_t c = currency_at(s + i, end - i);
		if (c) {
			i += c;
			i += space_at(s + i, end - i);
			if (!sign && i < end && (s[i] == '-' || s[i] == '+'))
				sign = s[i++];
		} else if ((c = currency_before(s + i, end - i)) != 0) {
			end -= c;
			end -= space_before(s + i, end - i);
		}
	}
	if (sign)
		buf[k++] = (char)sign;
	/* Integer part, with grouping: 1 to 3 digits, then groups of 3. */
	size_t group = 0;
	int grouped = 0;
	for (; i < end; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (k >= sizeof buf - 1)
				return BAD;
			buf[k++] = c;
			group++;
		} else if (thousands && c == sep) {
			if (group == 0 || group > 3 || (grouped && group != 3))
				return BAD_GROUPS;
			grouped = 1;
			group = 0;
		} else
			break;
	}
	if (grouped && group != 3)
		return BAD_GROUPS;
	/* The rest (decimals, exponent) is copied with the decimal
	 * separator made a point; anything else ends up in buf and makes
	 * sk_num_parse fail. */
	for (; i < end; i++) {
		char c = s[i];
		if (c == dec)
			c = '.';
		else if (c == '.' || c == ',')
			return BAD;	/* a second separator, or one after decimals */
		if (k >= sizeof buf - 1)
			return BAD;
		buf[k++] = c;
	}
	return sk_num_parse(buf, k, v) ? BAD : 0;
}

int sk_num_read_local(const struct sk_opts *o, const char *s, size_t len, double *v)
{
	double x;
	if (parse_local(o->decimal_comma, o->thousands, o->currency, s, len, &x))
		return -1;
	*v = x;
	return 0;
}

const char *sk_num_why(const struct sk_opts *o, const char *s, size_t len)
{
	static char msg[128];
	static const char *const names[] = { "--decimal-comma", "--thousands", "--currency" };
	double x;
	int have = o->decimal_comma | o->thousands << 1 | o->currency << 2;
	/* The fewest flags that would read it, added to those given; "1,250"
	 * reads with either of two, and then both are named. */
	for (int size = 1; size <= 3; size++) {
		size_t k = 0;
		msg[0] = 0;
		for (int add = 1; add < 8; add++) {
			if ((add & have) || __builtin_popcount((unsigned)add) != size)
				continue;
			int f = have | add;
			if (parse_local(f & 1, f >> 1 & 1, f >> 2 & 1, s, len, &x))
				continue;
			k += (size_t)snprintf(msg + k, sizeof msg - k, "%s", k ? " or" : ": use");
			/* Named in the order the options are documented. */
			for (int b = 0; b < 3; b++)
				if (add >> b & 1)
					k += (size_t)snprintf(msg + k, sizeof msg - k, " %s", names[b]);
		}
		if (k)
			return msg;
	}
	if (o->thousands &&
	    parse_local(o->decimal_comma, 1, o->currency, s, len, &x) == BAD_GROUPS)
		return ": thousands groups must have 3 digits";
	if (o->decimal_comma && sk_num_parse(s, len, &x) == 0)
		return ": with --decimal-comma the decimal separator is ','";
	return "";
}

/* "00" "01" ... "99": two digits per division, half the divisions of
 * one digit at a time (number printing is a twentieth of each stage that
 * writes customer records, issue 21). */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* The digits of v ending just before end; returns their start. */
static char *put_digits(char *end, uint64_t v)
{
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		memcpy(end, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * v, 2);
	} else
		*--end = (char)('0' + v);
	return end;
}

int sk_num_format_scaled(char *buf, uint64_t q, int decimals, int negative)
{
	static const uint64_t p10[] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
		1000000000, 10000000000u, 100000000000u, 1000000000000u,
		10000000000000u, 100000000000000u, 1000000000000000u,
		10000000000000000u, 100000000000000000u, 1000000000000000000u,
	};
	if (decimals < 0 || decimals > 18)
		sk_die(SK_EX_SOFTWARE, "internal error: %d decimals", decimals);
	uint64_t ip = q / p10[decimals], fp = q % p10[decimals];
	char tmp[24];
	int k = 0;
	if (negative && q != 0)
		buf[k++] = '-';
	char *e = tmp + sizeof tmp, *b = put_digits(e, ip);
	memcpy(buf + k, b, (size_t)(e - b));
	k += (int)(e - b);
	if (fp) {
		/* Trailing zeros go: two at a time, then one. */
		int d = decimals;
		while (fp % 100 == 0) {
			fp /= 100;
			d -= 2;
		}
		if (fp % 10 == 0) {
			fp /= 10;
			d--;
		}
		buf[k++] = '.';
		/* d digits, leading zeros included: fp < 10^d */
		b = put_digits(e, fp);
		int lead = d - (int)(e - b);
		memset(buf + k, '0', (size_t)lead);
		memcpy(buf + k + lead, b, (size_t)(e - b));
		k += d;
	}
	buf[k] = 0;
	return k;
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
		uint64_t q = (uint64_t)nearbyint(fabs(v) * pow10tab[decimals]);
		return sk_num_format_scaled(buf, q, decimals, v < 0);
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

int sk_null_text(const char *s, size_t len)
{
	return (len == 2 && s[0] == '\\' && s[1] == 'N') ||
	       (len == 4 && strncasecmp(s, "null", 4) == 0);
}

int64_t sk_micro_of(double v)
{
	/* Below 2^53 / 10^6 the product is exact enough to round. */
	if (fabs(v) < 9e9)
		return llround(v * SK_MICRO);
	/* Above, v * 10^6 has more digits than a double holds: take the
	 * shortest decimal that reads back as v (what the input said, for
	 * an amount of at most 17 significant digits) and scale its digits
	 * as an integer. */
	char buf[40];
	for (int prec = 14; prec <= 16; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec, v);
		if (strtod(buf, NULL) == v || prec == 16)
			break;
	}
	const char *p = buf;
	int neg = *p == '-';
	p += neg;
	unsigned __int128 d = 0;
	int nd = 0;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9') {
			d = d * 10 + (unsigned)(*p - '0');
			nd++;
		}
	int e = atoi(p + 1) - (nd - 1) + 6;	/* value = d * 10^e micro-units */
	for (; e > 0; e--)
		d *= 10;
	for (; e < 0; e++)
		d = (d + (e == -1 ? 5 : 0)) / 10;
	int64_t m = (int64_t)d;
	return neg ? -m : m;
}
