/* fuzz.h: what every fuzz target shares.
 *
 * The library reports bad input by printing a message and exiting (the
 * programs' contract); under a fuzzer an exit is a finding, so the die
 * hook jumps back to the target instead.  Memory held by the abandoned
 * call is not freed: run the targets with -detect_leaks=0 (make fuzz
 * does); the suite's valgrind pass checks leaks on real runs. */
#ifndef SK_FUZZ_H
#define SK_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "record/util.h"

static jmp_buf fuzz_env;

static inline void fuzz_jump(void)
{
	longjmp(fuzz_env, 1);
}

/* The input as a file the library can open by name (memfd, no disk). */
static inline char *fuzz_file(const uint8_t *data, size_t size, int *fdp)
{
	static char path[64];
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	*fdp = fd;
	return path;
}

/* Close every descriptor from fd up: a call abandoned by the die hook
 * leaves its input open, and the fuzzer would run out of descriptors. */
static inline void fuzz_close_from(int fd)
{
	for (int k = fd; k < fd + 64; k++)
		close(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
