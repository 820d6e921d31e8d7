/* util.c: error reporting and checked allocation. */
#include "util.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
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

/* Memory for a million customers comes in blocks of megabytes: the row
 * index, per-customer arrays, sort buffers.  By default glibc maps each
 * block afresh and unmaps it on free, so every block costs a page fault
 * per 4 KB (40,000 faults and a fifth of the run time of churn on a
 * million customers).  Blocks up to 32 MB therefore come from the heap
 * and stay there for reuse, and large blocks are marked for transparent
 * huge pages (one fault per 2 MB).  Neither changes what the programs
 * compute. */
__attribute__((constructor)) static void tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

static void *advise_huge(void *p, size_t n)
{
	if (n >= (2u << 20)) {
		uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
		uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)4095;
		if (e > a)
			madvise((void *)a, e - a, MADV_HUGEPAGE);	/* a hint */
	}
	return p;
}

void *sk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return advise_huge(p, n);
}

void *sk_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return advise_huge(p, n * size);
}

void *sk_xcalloc_lines(size_t n)
{
	size_t m = (n + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, m ? m : 64);
	if (!p)
		oom(n);
	memset(p, 0, m ? m : 64);
	return p;
}

void *sk_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return advise_huge(p, n);
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
