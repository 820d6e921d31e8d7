/* progress.c: the progress meter (see progress.h).
 *
 * Cost: the reader calls sk_progress_add once per block it reads (64 KiB
 * for files); the clock is read at most once per 32 KiB of input and the
 * line redrawn at most four times a second.  With the meter off the
 * reader holds a NULL and tests it once per block. */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define CHECK_BYTES (32LL << 10)	/* clock reads at most this often */
#define BIG_BYTES (50LL << 20)		/* a known size over this shows early */
#define FIRST_BIG 0.25			/* seconds before the first line: big or forced */
#define FIRST_SLOW 2.0			/* ... any other input on a terminal */
#define REDRAW 0.25			/* seconds between lines */

struct sk_progress {
	long long total;		/* bytes, -1 unknown */
	long long bytes, checked;	/* read so far; at the last clock read */
	const unsigned long *rows;
	double start, next;		/* monotonic seconds */
	size_t shown;			/* length of the line on the screen, 0 none */
	size_t width;			/* of the terminal, less one */
};

/* The meter whose line is on the screen now. */
static struct sk_progress *on_screen;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best effort: a meter that cannot be drawn is not worth an error. */
static void put(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(2, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

struct sk_progress *sk_progress_new(const struct sk_opts *o, long long total_bytes,
				    const unsigned long *rows)
{
	if (o->progress == SK_PROGRESS_OFF || (o->progress == SK_PROGRESS_AUTO && !isatty(2)))
		return NULL;
	struct sk_progress *p = sk_xcalloc(1, sizeof *p);
	p->total = total_bytes;
	p->rows = rows;
	p->start = now();
	p->next = p->start + (o->progress == SK_PROGRESS_ON || total_bytes > BIG_BYTES
			      ? FIRST_BIG : FIRST_SLOW);
	struct winsize ws;
	p->width = ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col - 1u : 79;
	return p;
}

/* "130.4 MB", decimal units as du -h --si and file managers show them. */
static int human(char *b, size_t n, double v, const char *unit)
{
	static const char *const pre[] = { "", "k", "M", "G", "T", "P" };
	int k = 0;
	while (v >= 999.95 && k < 5) {
		v /= 1000;
		k++;
	}
	/* "130.4 MB", but "4.2M" for a count. */
	return snprintf(b, n, k ? "%.1f%s%s%s" : "%.0f%s%s%s", v, *unit ? " " : "", pre[k], unit);
}

/* Append to line[0..*k) within size; the line is cut, never overrun. */
static void add(char *line, size_t size, size_t *k, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(char *line, size_t size, size_t *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + *k, size - *k, fmt, ap);
	va_end(ap);
	if (n > 0)
		*k += (size_t)n;
	if (*k >= size)
		*k = size - 1;
}

static void draw(struct sk_progress *p, double t)
{
	char line[512], num[32];
	size_t k = 0;
	double el = t - p->start, rate = el > 0 ? (double)p->bytes / el : 0;
	line[k++] = '\r';
	human(num, sizeof num, (double)p->bytes, "B");
	add(line, sizeof line, &k, "%s: %s", sk_progname, num);
	if (p->total > 0) {
		double pct = 100.0 * (double)p->bytes / (double)p->total;
		human(num, sizeof num, (double)p->total, "B");
		add(line, sizeof line, &k, " of %s (%.0f%%)", num, pct > 100 ? 100 : pct);
	}
	unsigned long rows = p->rows ? *p->rows : 0;
	if (rows < 100000)
		add(line, sizeof line, &k, ", %lu rows", rows);
	else {
		human(num, sizeof num, (double)rows, "");
		add(line, sizeof line, &k, ", %s rows", num);
	}
	human(num, sizeof num, rate, "B/s");
	add(line, sizeof line, &k, ", %s", num);
	if (p->total > 0 && rate > 0 && p->bytes < p->total) {
		long s = (long)((double)(p->total - p->bytes) / rate + 0.5);
		if (s >= 3600)
			add(line, sizeof line, &k, ", %ld:%02ld:%02ld left", s / 3600, s / 60 % 60,
			    s % 60);
		else
			add(line, sizeof line, &k, ", %ld:%02ld left", s / 60, s % 60);
	}
	if (k - 1 > p->width)
		k = p->width + 1;
	/* Blank out what is left of a longer line drawn before. */
	size_t was = on_screen ? on_screen->shown : 0;
	size_t len = k - 1;
	while (len < was && k < sizeof line) {
		line[k++] = ' ';
		len++;
	}
	put(line, k);
	if (on_screen && on_screen != p)
		on_screen->shown = 0;
	on_screen = p;
	p->shown = k - 1;
}

void sk_progress_add(struct sk_progress *p, size_t n)
{
	p->bytes += (long long)n;
	if (p->bytes - p->checked < CHECK_BYTES)
		return;
	p->checked = p->bytes;
	double t = now();
	if (t < p->next)
		return;
	p->next = t + REDRAW;
	draw(p, t);
}

void sk_progress_erase(void)
{
	struct sk_progress *p = on_screen;
	if (!p)
		return;
	char blank[512];
	size_t n = p->shown < sizeof blank - 2 ? p->shown : sizeof blank - 2;
	blank[0] = '\r';
	memset(blank + 1, ' ', n);
	blank[n + 1] = '\r';
	put(blank, n + 2);
	p->shown = 0;
	on_screen = NULL;
}

void sk_progress_end(struct sk_progress *p)
{
	if (!p)
		return;
	if (on_screen == p)
		sk_progress_erase();
	free(p);
}
