/* util.c: error reporting and checked allocation. */
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <omp.h>

#include "progress.h"

/* Threads that wait sleep.  libgomp's default is to spin for about a
 * third of a millisecond at every wait (the ordered write, the barrier
 * ending each parallel loop of a fit) before it sleeps; on a machine whose
 * cores other processes want, a spinning thread burns the time slice the
 * thread it waits for needs, and churn took 2.7x as long with two other
 * busy processes as with OMP_WAIT_POLICY=passive.  Our waits are few and
 * long (a chunk of rows, a whole likelihood evaluation), so sleeping costs
 * little on an idle machine.  libgomp reads its environment
 * once, in its constructor; it is linked statically (Makefile: OMPLIB), so
 * this constructor, with a priority, runs before it.  A setting the user
 * made (OMP_WAIT_POLICY or GOMP_SPINCOUNT) is kept. */
__attribute__((constructor(101))) static void passive_waits(void)
{
	if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT"))
		setenv("OMP_WAIT_POLICY", "passive", 0);
}

const char *sk_progname = "siklus";
void (*sk_die_hook)(void);

void sk_vreport(const char *file, unsigned long line, const char *fmt, va_list ap)
{
	fflush(stdout);
	sk_progress_erase();	/* the message gets a line of its own */
	fprintf(stderr, "%s: ", sk_progname);
	if (file && line)
		fprintf(stderr, "%s:%lu: ", file, line);
	else if (file)
		fprintf(stderr, "%s: ", file);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sk_vdie(int code, const char *file, unsigned long line, const char *fmt, va_list ap)
{
	sk_vreport(file, line, fmt, ap);
	if (sk_die_hook)
		sk_die_hook();
	exit(code);	/* temporary files go at exit (sk_tmp_register) */
}

void sk_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vdie(code, NULL, 0, fmt, ap);
}

const char *sk_quoted(char buf[320], const char *v, size_t len)
{
	size_t n = len, k = 0;
	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	buf[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '\n' || c == '\r' || c == '\t') {
			buf[k++] = '\\';
			buf[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f)
			k += (size_t)sprintf(buf + k, "\\x%02x", c);
		else
			buf[k++] = (char)c;
	}
	buf[k++] = '"';
	if (n < len)
		k += (size_t)sprintf(buf + k, "... (%zu bytes)", len);
	buf[k] = 0;
	return buf;
}

void sk_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vreport(NULL, 0, fmt, ap);
	va_end(ap);
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
 * and stay there for reuse.  Neither changes what the programs compute.
 *
 * No block asks for transparent huge pages (madvise MADV_HUGEPAGE) any
 * more.  Where the kernel compacts memory for them on the fault
 * (transparent_hugepage/defrag "madvise", Debian's default), a huge-page
 * fault on a machine whose memory other processes have fragmented costs
 * up to 11 ms per 2 MB (200 MB first touched in 0.01 s to 1.1 s), against
 * a steady 0.35 ms for the same 2 MB in 4 KB pages.
 * On the shared 2-core machine (median CPU time of 5-6 interleaved runs
 * each, bench data, issue 21) summarize took 1.52 s with the hint and
 * 1.09 s without, clv 1.19 s and 0.97 s, churn 0.96 s and 0.85 s; their
 * system time, mostly clear_page under do_huge_pmd_anonymous_page in
 * perf, fell from up to 1 s to under 0.2 s. */
__attribute__((constructor)) static void tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
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

void *sk_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p;
}

void *sk_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	return p;
}

void *sk_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	return p;
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

/* Big mappings are whole, aligned 2 MB pages: where the system gives
 * every mapping transparent huge pages (transparent_hugepage/enabled
 * "always") one needs an aligned 2 MB range inside the mapping.  They do
 * not ask for huge pages themselves (see tune_malloc above). */
#define HUGE_SZ ((size_t)2 << 20)

static size_t big_size(size_t bytes)
{
	if (bytes == 0)
		bytes = 1;
	return bytes >= HUGE_SZ / 2 ? (bytes + HUGE_SZ - 1) & ~(HUGE_SZ - 1) : bytes;
}

static void *big_map(size_t len)
{
	if (len < HUGE_SZ) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	/* Map 2 MB more and unmap the unaligned head and tail. */
	char *p = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)p + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1);
	size_t head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	if (HUGE_SZ - head)
		munmap((char *)a + len, HUGE_SZ - head);
	return (void *)a;
}

void *sk_big_alloc(size_t bytes)
{
	void *p = big_map(big_size(bytes));
	if (!p)
		oom(bytes);
	return p;
}

void *sk_big_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
	if (!p)
		return sk_big_alloc(new_bytes);
	size_t o = big_size(old_bytes), n = big_size(new_bytes);
	if (n == o)
		return p;
	/* Grow in place when the pages after it are free; otherwise a new
	 * aligned mapping (the pages move, they are not copied, by mremap
	 * into it). */
	void *q = mremap(p, o, n, 0);
	if (q != MAP_FAILED)
		return q;
	q = big_map(n);
	if (!q)
		oom(new_bytes);
	if (mremap(p, o, o < n ? o : n, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
		memcpy(q, p, o < n ? o : n);
		munmap(p, o);
	} else if (o > n)
		munmap((char *)p + n, o - n);
	return q;
}

void sk_big_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, big_size(bytes));
}

int sk_is_special_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* ---- temporary files: removed on every way out ---- */

/* The temporary files of this process (the -o file being written, a
 * saved model, winback's spool).  exit() removes them by atexit, a fatal
 * signal by its handler: a killed job leaves nothing half-written beside
 * its output and nothing in TMPDIR.  The handler reads the table as it
 * stands, so a slot is emptied before its name is freed. */
#define NTMP 8
static char *volatile tmp_files[NTMP];
static volatile sig_atomic_t tmp_armed;

static void tmp_remove_all(void)
{
	for (int i = 0; i < NTMP; i++) {
		char *p = tmp_files[i];
		if (p)
			unlink(p);
	}
}

static void tmp_on_signal(int sig)
{
	tmp_remove_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

void sk_tmp_register(const char *path)
{
	if (!tmp_armed) {
		tmp_armed = 1;
		atexit(tmp_remove_all);
		static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
		for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++) {
			struct sigaction sa, old;
			/* A signal ignored by the parent (nohup) stays ignored. */
			if (sigaction(sigs[k], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
				continue;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = tmp_on_signal;
			sigemptyset(&sa.sa_mask);
			sigaction(sigs[k], &sa, NULL);
		}
	}
	char *copy = sk_xstrdup(path);
	for (int i = 0; i < NTMP; i++)
		if (!tmp_files[i]) {
			tmp_files[i] = copy;
			return;
		}
	free(copy);
	sk_die(SK_EX_SOFTWARE, "%s: too many temporary files", path);
}

void sk_tmp_forget(const char *path)
{
	for (int i = 0; i < NTMP; i++) {
		char *p = tmp_files[i];
		if (p && strcmp(p, path) == 0) {
			tmp_files[i] = NULL;
			free(p);
			return;
		}
	}
}

int sk_tmp_beside(const char *path, char **tmp)
{
	size_t n = strlen(path);
	*tmp = sk_xmalloc(n + 16);
	snprintf(*tmp, n + 16, "%s.tmpXXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd < 0) {
		int e = errno;
		free(*tmp);
		*tmp = NULL;
		sk_die(SK_EX_CANTCREAT, "%s: cannot create: %s", path, strerror(e));
	}
	sk_tmp_register(*tmp);
	/* mkstemp makes the file 0600.  A file replaced keeps its mode and,
	 * where we may set it, its group (a 0600 file stays private, a
	 * shared one shared); a new file gets the mode creat() would give,
	 * honouring the umask.  The group first: changing it may clear
	 * the set-group-ID bit that the mode then restores. */
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if (fchown(fd, (uid_t)-1, st.st_gid) != 0) {
			/* not a member of that group: the file gets ours */
		}
		fchmod(fd, st.st_mode & 07777);
	} else {
		mode_t um = umask(0);
		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	return fd;
}

void sk_tmp_commit(int fd, char *tmp, const char *path)
{
	/* fsync: a rename over the old file must not leave an empty one
	 * after a crash (EINVAL: a file system that cannot sync). */
	if ((fsync(fd) != 0 && errno != EINVAL) || close(fd) != 0)
		sk_die(SK_EX_IOERR, "%s: write error: %s", path, strerror(errno));
	if (rename(tmp, path) != 0)
		sk_die(SK_EX_CANTCREAT, "%s: cannot create: %s", path, strerror(errno));
	sk_tmp_forget(tmp);
	free(tmp);
}

FILE *sk_atomic_open(struct sk_atomic *a, const char *path)
{
	a->path = path;
	a->bad = 0;
	a->tmp = NULL;
	if (sk_is_special_file(path)) {
		/* A device or pipe (/dev/stdout) is written as it is: renaming
		 * a file over it would replace it. */
		a->f = fopen(path, "w");
		if (!a->f)
			sk_die(SK_EX_CANTCREAT, "%s: cannot create: %s", path, strerror(errno));
		return a->f;
	}
	int fd = sk_tmp_beside(path, &a->tmp);
	a->f = fdopen(fd, "w");
	if (!a->f)
		sk_die(SK_EX_CANTCREAT, "%s: cannot create: %s", path, strerror(errno));
	return a->f;
}

void sk_atomic_commit(struct sk_atomic *a)
{
	int bad = a->bad || fflush(a->f) != 0 || ferror(a->f) != 0;
	if (!a->tmp) {
		bad |= fclose(a->f) != 0;
		if (bad)
			sk_die(SK_EX_IOERR, "%s: write error", a->path);
		return;
	}
	if (bad)	/* the temporary file goes at exit */
		sk_die(SK_EX_IOERR, "%s: write error", a->path);
	/* The stream's buffer is flushed: close the file through its
	 * descriptor only once, by sk_tmp_commit, after the sync. */
	int fd = dup(fileno(a->f));
	if (fd < 0 || fclose(a->f) != 0)
		sk_die(SK_EX_IOERR, "%s: write error: %s", a->path, strerror(errno));
	sk_tmp_commit(fd, a->tmp, a->path);
	a->tmp = NULL;
}

void sk_atomic_json(const char *path, json_t *root, size_t flags)
{
	struct sk_atomic at;
	FILE *f = sk_atomic_open(&at, path);
	at.bad = json_dumpf(root, f, flags) != 0 || fputc('\n', f) == EOF;
	json_decref(root);
	sk_atomic_commit(&at);
}

void sk_tasks_run(int n, void (*fn)(void *ctx, int i), void *ctx)
{
	if (n > 1 && omp_get_num_threads() > 1) {
		/* In a team already (sk_predict_layer's two threads): tasks,
		 * which the other thread runs when it reaches the team's end. */
		for (int i = 1; i < n; i++) {
			#pragma omp task firstprivate(i) shared(fn, ctx)
			fn(ctx, i);
		}
		fn(ctx, 0);
		#pragma omp taskwait
	} else if (n > 1 && !omp_in_parallel() && omp_get_max_threads() > 1) {
		/* The caller's thread makes the tasks and runs the first; the
		 * other takes them up at once, and both at the team's end. */
		#pragma omp parallel num_threads(2)
		if (omp_get_thread_num() == 0) {
			for (int i = 1; i < n; i++) {
				#pragma omp task firstprivate(i) shared(fn, ctx)
				fn(ctx, i);
			}
			fn(ctx, 0);
		}
	} else {
		for (int i = 0; i < n; i++)
			fn(ctx, i);
	}
}
