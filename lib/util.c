/* util.c: error reporting and checked allocation. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "progress.h"

const char *sk_progname = "siklus";
void (*sk_die_hook)(void);

void sk_die(int code, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	sk_progress_erase();	/* the message gets a line of its own */
	fprintf(stderr, "%s: ", sk_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (sk_die_hook)
		sk_die_hook();
	exit(code);
}

void sk_warn(const char *fmt, ...)
{
	va_list ap;
	sk_progress_erase();
	fprintf(stderr, "%s: ", sk_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void oom(size_t n)
{
	sk_die(SK_EX_SOFTWARE, "out of memory (%zu bytes)", n);
}

void *sk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *sk_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *sk_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *sk_xstrdup(const char *s)
{
	return sk_xstrndup(s, strlen(s));
}

char *sk_xstrndup(const char *s, size_t n)
{
	char *p = sk_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void sk_grow(void **p, size_t *cap, size_t need, size_t esz)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	*p = sk_xrealloc(*p, c * esz);
	*cap = c;
}

void *sk_big_alloc(size_t bytes)
{
	if (bytes == 0)
		bytes = 1;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		oom(bytes);
	madvise(p, bytes, MADV_HUGEPAGE);	/* a hint: ignore failure */
	return p;
}

void *sk_big_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
	if (!p)
		return sk_big_alloc(new_bytes);
	void *q = mremap(p, old_bytes ? old_bytes : 1, new_bytes, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		oom(new_bytes);
	madvise(q, new_bytes, MADV_HUGEPAGE);
	return q;
}

void sk_big_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes ? bytes : 1);
}
