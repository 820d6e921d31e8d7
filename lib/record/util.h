/* util.h: the one way to fail, allocation that cannot return NULL, and
 * the sysexits exit statuses of DESIGN.md. */
#ifndef SK_UTIL_H
#define SK_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum {
	SK_EX_OK = 0,
	SK_EX_USAGE = 64,
	SK_EX_DATA = 65,
	SK_EX_NOINPUT = 66,
	SK_EX_SOFTWARE = 70,
	SK_EX_CANTCREAT = 73,
	SK_EX_IOERR = 74,
};

#define SK_VERSION "0.1.0"

extern const char *sk_progname;

/* Print "prog: message" on stderr and exit with status code; exit
 * removes the temporary files of sk_tmp_register. */
_Noreturn void sk_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The one message format: "prog: file:line: message" on stderr, on a
 * line of its own (stdout flushed, the progress meter erased); without
 * "file:" when file is NULL, without "line:" when line is 0. */
void sk_vreport(const char *file, unsigned long line, const char *fmt, va_list ap);
/* sk_vreport, then sk_die_hook and exit(code): what every sk_*die is. */
_Noreturn void sk_vdie(int code, const char *file, unsigned long line, const char *fmt,
		       va_list ap);
void sk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A value of the data as a message shows it: quoted, control characters
 * and NULs escaped ("\n", "\x00") so one report stays one line, cut after
 * 60 bytes (on a UTF-8 boundary) so a 2 MB field does not flood stderr.
 * Returns buf. */
const char *sk_quoted(char buf[320], const char *v, size_t len);

/* Called by sk_die before exit: the fuzz targets jump back from it. */
extern void (*sk_die_hook)(void);


void *sk_xmalloc(size_t n);
void *sk_xcalloc(size_t n, size_t size);
/* malloc, calloc and realloc for callers that report a failure (NULL)
 * themselves.  No block asks for transparent huge pages: on a shared
 * machine their faults stall in memory compaction (util.c, tune_malloc). */
void *sk_malloc(size_t n);
void *sk_calloc(size_t n, size_t size);
void *sk_realloc(void *p, size_t n);
/* Zeroed memory on whole cache lines of its own (free with free): for
 * what one thread writes while others run, so that no two threads write
 * the same line (false sharing made parallel formatting slower than
 * one thread). */
void *sk_xcalloc_lines(size_t n);
void *sk_xrealloc(void *p, size_t n);
char *sk_xstrdup(const char *s);
char *sk_xstrndup(const char *s, size_t n);

/* A file written whole or not at all (a saved model, RFM cuts): a
 * temporary file beside path, with the mode creat() would give, renamed
 * over path by sk_atomic_commit (a device or pipe is written directly).  Open dies 73 when the file cannot be
 * created; commit closes, and dies 74 on a write error (the stream's
 * error flag, or bad set by the caller) or 73 when the rename fails,
 * removing the temporary file. */
struct sk_atomic {
	FILE *f;
	char *tmp;
	const char *path;
	int bad;
};
FILE *sk_atomic_open(struct sk_atomic *a, const char *path);
/* root written whole to path (sk_atomic), a newline after; takes root
 * (json_decref). */
struct json_t;
void sk_atomic_json(const char *path, struct json_t *root, size_t flags);
/* path exists and is not a regular file (a device, a pipe): written in
 * place, never replaced by a rename. */
int sk_is_special_file(const char *path);
void sk_atomic_commit(struct sk_atomic *a);

/* A temporary file beside path for writing path whole: mode and group
 * of the file it will replace (a new one: 0666 & ~umask), registered
 * for removal (sk_tmp_register).  Dies 73 when it cannot be created.
 * *tmp is its name; sk_tmp_commit syncs and closes fd, renames *tmp
 * over path (dies 74 / 73) and frees *tmp. */
int sk_tmp_beside(const char *path, char **tmp);
void sk_tmp_commit(int fd, char *tmp, const char *path);
/* A file of ours removed at exit and on SIGTERM, SIGHUP and SIGINT (the
 * signal is then delivered as before), until sk_tmp_forget. */
void sk_tmp_register(const char *path);
void sk_tmp_forget(const char *path);

/* Grow *p (element size esz) so that it holds at least need elements. */
void sk_grow(void **p, size_t *cap, size_t need, size_t esz);

/* Run fn(ctx, 0) .. fn(ctx, n - 1), independent of each other, on both
 * cores where there are two: as tasks of the team the caller is in (a
 * thread of it that finishes its own work takes them up), else in a team
 * of two opened here; one after the other with one thread
 * (OMP_NUM_THREADS=1) or inside a team of one that is itself inside
 * another.  fn(ctx, 0) runs on the caller's thread: put there the call
 * that allocates most, whose memory then comes from (and goes back to)
 * the caller's malloc arena rather than staying in the other thread's
 * (glibc keeps a thread's freed memory in its arena: make bench's
 * default row with the layer peaked at 311-317 MB against 306 with the
 * fits' working memory and the hurdle's copies of its rows made on the
 * second thread).  Each call writes only
 * its own results (its slot i), and the caller combines them in the
 * order of i after the return, so that the figures do not depend on
 * which thread ran what. */
void sk_tasks_run(int n, void (*fn)(void *ctx, int i), void *ctx);



/* Large zeroed arrays for hash tables and logs: anonymous mappings of
 * whole, aligned 2 MB pages, unmapped when freed and grown by mremap
 * (the pages move, they are not copied).  Sizes are in bytes. */
void *sk_big_alloc(size_t bytes);
void *sk_big_realloc(void *p, size_t old_bytes, size_t new_bytes);
void sk_big_free(void *p, size_t bytes);
#endif
