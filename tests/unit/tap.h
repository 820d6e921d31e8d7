/* tap.h: the "ok - ..." / "not ok - ..." lines the unit tests print, one
 * per check, with the counts for the summary line. */
#ifndef SK_TEST_TAP_H
#define SK_TEST_TAP_H

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
	fflush(stdout);		/* before a test forks (test_io.c) */
}

#endif
