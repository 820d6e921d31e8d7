/* replay.c: run a fuzz target over files without libFuzzer, so the seed
 * corpora and every input that once crashed are checked by `make check`
 * with gcc and the sanitizers.  Usage: replay FILE... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		uint8_t *buf = NULL;
		size_t n = 0, cap = 0, got;
		do {
			if (n + 65536 > cap) {
				cap = cap * 2 + 65536;
				buf = realloc(buf, cap);
				if (!buf)
					return 1;
			}
			got = fread(buf + n, 1, cap - n, f);
			n += got;
		} while (got > 0);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
	}
	return 0;
}
