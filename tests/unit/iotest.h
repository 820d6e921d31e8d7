/* iotest.h: what the record-stream unit tests (test_io.c, test_writer.c)
 * share: the check line, a private temporary directory and small files
 * written into it and read back.  Included once per test program; the
 * helpers one program does not use are marked unused. */
#ifndef SK_TEST_IOTEST_H
#define SK_TEST_IOTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/io.h"
#include "record/opts.h"

#include "tap.h"
static char dir[64];


/* Write len bytes to dir/name; return the path (static, one of 4). */
__attribute__((unused)) static const char *put_file(const char *name, const char *data, size_t len)
{
	static char paths[4][128];
	static int k;
	char *p = paths[k++ % 4];
	snprintf(p, 128, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
	return p;
}

__attribute__((unused)) static const char *put(const char *name, const char *text)
{
	return put_file(name, text, strlen(text));
}

/* Read a whole file into a malloc'd NUL-terminated buffer. */
__attribute__((unused)) static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1024, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* Options reading the given files (NULL-terminated list). */
__attribute__((unused)) static struct sk_opts opts_for(const char **files)
{
	struct sk_opts o = SK_OPTS_INIT;
	size_t n = 0;
	while (files[n])
		n++;
	o.files = files;
	o.nfiles = n;
	return o;
}

__attribute__((unused)) static int field_is(struct sk_reader *r, size_t i, const char *want, enum sk_ftype want_type)
{
	size_t len;
	enum sk_ftype type;
	const char *s = sk_reader_field(r, i, &len, &type);
	return len == strlen(want) && memcmp(s, want, len) == 0 && s[len] == 0 &&
	       type == want_type;
}

/* ---- child processes for the error paths ---- */

/* A child forked from a process that has run an OpenMP parallel region
 * hangs in its own first one (libgomp's threads are not in the child):
 * a test forks its children before its own threads start. */
struct outcome {
	int status;		/* exit status, or -1 when killed by a signal */
	char err[4096];		/* its stderr */
};

/* Run fn(arg) in a child, capturing its exit status and stderr. */
__attribute__((unused)) static struct outcome run_child(void (*fn)(const void *), const void *arg)
{
	struct outcome oc = { .status = -1 };
	int pfd[2];
	fflush(stdout);
	if (pipe(pfd) != 0) {
		perror("pipe");
		exit(2);
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 2);
		/* stdout is the test report: keep the child's own off it */
		if (!freopen("/dev/null", "w", stdout))
			_exit(3);
		fn(arg);
		exit(0);
	}
	close(pfd[1]);
	size_t n = 0;
	ssize_t got;
	while ((got = read(pfd[0], oc.err + n, sizeof oc.err - 1 - n)) > 0)
		n += (size_t)got;
	oc.err[n] = 0;
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	oc.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return oc;
}


#endif
