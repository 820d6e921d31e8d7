/* fuzz_reader: the record reader (CSV, TSV or JSON lines by the first
 * byte) and the summary over it. */
#include "fuzz.h"

#include "record/io.h"
#include "record/opts.h"
#include "crm/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int fd;
	struct sk_opts o = SK_OPTS_INIT;
	static const enum sk_fmt fmts[] = { SK_FMT_AUTO, SK_FMT_CSV, SK_FMT_TSV, SK_FMT_JSONL };
	o.ifmt = fmts[data[0] & 3];
	/* Mostly --skip-bad: a call abandoned at the first bad row leaks its
	 * buffers (the programs exit there), and at thousands of inputs a
	 * second that would exhaust memory; one input in eight takes the
	 * stopping path. */
	o.skip_bad = (data[0] & 0xe0) != 0xe0;
	if ((data[0] >> 3) & 1)
		o.delim = ';';
	int summarize = (data[0] >> 4) & 1;
	const char *files[2] = { fuzz_file(data + 1, size - 1, &fd), NULL };
	o.files = files;
	o.nfiles = 1;
	sk_die_hook = fuzz_jump;
	if (setjmp(fuzz_env) == 0) {
		struct sk_reader *r = sk_reader_open(&o);
		if (summarize) {
			struct sk_summary *s = sk_summary_new(&o);
			sk_summary_read(s, r);
			struct sk_table *t = sk_summary_table(s);
			sk_table_free(t);
			sk_summary_free(s);
		} else {
			struct sk_table *t = sk_table_read(r);
			for (size_t i = 0; i < t->nrow; i++)
				for (size_t j = 0; j < t->ncol; j++) {
					size_t len;
					const char *f = sk_table_get(t, i, (long)j, &len, NULL);
					if (strlen(f) > len)
						abort();
				}
			sk_table_free(t);
		}
		sk_reader_close(r);
	}
	sk_die_hook = NULL;
	fuzz_close_from(fd);
	return 0;
}
