/* check.h: the "ok - ..." / "not ok - ..." line of one unit-test check,
 * for the test files that include it (one per test program: the
 * counters are static). */
#ifndef SK_TEST_CHECK_H
#define SK_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int failures, checks;

static void check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int cond, const char *fmt, ...)
{
	va_list ap;
	checks++;
	if (!cond)
		failures++;
	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#endif
