/* parse.c: the floor for summarize: a parse-only pass over a CSV file
 * with libcsv (count fields and records), read in 64 KiB blocks. */
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>

#include <csv.h>

static size_t nfields, nrows;

static void field(void *s, size_t len, void *d)
{
	(void)s; (void)len; (void)d;
	nfields++;
}

static void row(int c, void *d)
{
	(void)c; (void)d;
	nrows++;
}

int main(int argc, char **argv)
{
	struct csv_parser p;
	char buf[1 << 16];
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : 0;
	if (fd < 0 || csv_init(&p, CSV_APPEND_NULL))
		return 1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (csv_parse(&p, buf, (size_t)n, field, row, NULL) != (size_t)n)
			return 1;
	csv_fini(&p, field, row, NULL);
	csv_free(&p);
	printf("%zu records, %zu fields\n", nrows, nfields);
	return 0;
}
