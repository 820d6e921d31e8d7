/* shard.c: split a log into customer-complete shards at the speed of
 * reading it.
 *
 * Scaling out (siklus(7), SCALING OUT) needs every row of a customer in
 * one shard.  GNU parallel's --pipe --shard does that in Perl at about
 * 23 MB/s, slower than summarize itself; here the reader's own record
 * splitting finds the id, a hash picks the shard and the record's text
 * is copied unchanged (sk_reader_raw), so splitting costs about as much
 * as parsing. */
#include "shard.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "io.h"
#include "util.h"

/* The temporary files of the shards being written, removed when the
 * program dies before they are complete. */
static struct sk_atomic *live;
static unsigned nlive;

static void unlink_live(void)
{
	for (unsigned k = 0; k < nlive; k++)
		if (live[k].tmp)
			unlink(live[k].tmp);
}

unsigned sk_shard_of(const char *id, size_t len, unsigned nshards)
{
	/* Not the low bits of sk_hash_bytes: the customer tables index
	 * their slots with those, and a shard whose ids all share them
	 * would use 1/nshards of its table.  Multiplied by an odd constant,
	 * the high bits depend on every bit of the hash; taking the high
	 * part of a product with nshards maps them onto 0 .. nshards-1. */
	uint64_t h = sk_hash_bytes(id, len) * 0x9E3779B97F4A7C15ull;
	return (unsigned)(((unsigned __int128)h * nshards) >> 64);
}

static const char *extension(enum sk_fmt f)
{
	return f == SK_FMT_TSV ? "tsv" : f == SK_FMT_JSONL ? "jsonl" : "csv";
}

void sk_shard_split(const struct sk_opts *o, unsigned nshards, const char *prefix)
{
	struct sk_reader *r = sk_reader_open(o);
	enum sk_fmt fmt = sk_reader_format(r);
	int jsonl = fmt == SK_FMT_JSONL;
	if (o->ofmt && o->ofmt != fmt)
		sk_die(SK_EX_USAGE, "shards keep the input's format: no --ocsv, --otsv or --ojsonl");
	long cid = jsonl ? sk_reader_col(r, o->col_id) : sk_reader_has_col(r, o->col_id);
	int empty = !jsonl && sk_reader_ncol(r) == 0;
	if (cid < 0 && !empty)
		sk_reader_die_missing(r, "customer id", o->col_id);
	size_t hlen;
	const char *h = sk_reader_raw(r, &hlen);
	char *header = empty || jsonl ? NULL : sk_xstrndup(h, hlen);

	live = sk_xcalloc(nshards, sizeof *live);
	char **name = sk_xcalloc(nshards, sizeof *name);
	FILE **f = sk_xcalloc(nshards, sizeof *f);
	sk_die_hook = unlink_live;
	for (unsigned k = 0; k < nshards; k++) {
		size_t n = strlen(prefix) + 32;
		name[k] = sk_xmalloc(n);
		snprintf(name[k], n, "%s-%u.%s", prefix, k + 1, extension(fmt));
		f[k] = sk_atomic_open(&live[k], name[k]);
		nlive = k + 1;
		setvbuf(f[k], NULL, _IOFBF, 1 << 18);
		if (header) {
			fwrite_unlocked(header, 1, hlen, f[k]);
			putc_unlocked('\n', f[k]);
		}
	}
	while (sk_reader_next(r)) {
		size_t idlen, len;
		enum sk_ftype type;
		const char *id = sk_reader_field(r, (size_t)cid, &idlen, &type);
		if (idlen == 0 || type == SK_NULL) {
			sk_reader_bad(r, "column \"%s\": empty customer id", o->col_id);
			continue;
		}
		const char *rec = sk_reader_raw(r, &len);
		FILE *out = f[sk_shard_of(id, idlen, nshards)];
		fwrite_unlocked(rec, 1, len, out);
		putc_unlocked('\n', out);
	}
	sk_reader_close(r);
	for (unsigned k = 0; k < nshards; k++) {
		sk_atomic_commit(&live[k]);
	}
	sk_die_hook = NULL;
	for (unsigned k = 0; k < nshards; k++) {
		printf("%s\n", name[k]);
		free(name[k]);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		sk_die(SK_EX_IOERR, "standard output: write error");
	free(name);
	free(f);
	free(live);
	live = NULL;
	nlive = 0;
	free(header);
}
