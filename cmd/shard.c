/* shard: split a transaction log into customer-complete shards, for
 * running the programs on several cores or hosts (siklus(7), SCALING OUT). */
#include <math.h>
#include <stdio.h>

#include "record/shard.h"
#include "siklus.h"

static const char usage[] =
	"Usage: shard --shards N [OPTIONS] [FILE...]\n"
	"Split a log (CSV, TSV or JSON lines) into N files by a hash of the\n"
	"customer id (--id), so that every row of a customer is in one file:\n"
	"PREFIX-1.csv ... PREFIX-N.csv (.tsv, .jsonl after the input's format),\n"
	"each CSV or TSV file starting with the header.  Rows are copied as they\n"
	"were written, in input order.  Prints the files' names, one a line.\n"
	"Running a program on each shard with the same --as-of gives the records\n"
	"of one run over the whole log (siklus(7), SCALING OUT).\n"
	"\n"
	"  --shards N           the number of shards (1 to 1024)\n"
	"  --prefix PREFIX      where to write them (default: shard, in the\n"
	"                       current directory)\n";

enum { O_SHARDS = 1, O_PREFIX };

static const struct sk_opt own[] = {
	{ "shards", 1, 0, O_SHARDS },
	{ "prefix", 1, 0, O_PREFIX },
	{ NULL, 0, 0, 0 },
};

struct shard_opts {
	unsigned shards;
	const char *prefix;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct shard_opts *c = ctx;
	switch (id) {
	case O_SHARDS: {
		double n = sk_opt_num("shards", arg, 1, 1024);
		if (n != floor(n))
			sk_die(SK_EX_USAGE, "--shards: \"%s\" is not a whole number", arg);
		c->shards = (unsigned)n;
		break;
	}
	case O_PREFIX: c->prefix = arg; break;
	}
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct shard_opts c = { .shards = 0, .prefix = "shard" };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);
	if (!c.shards)
		sk_die(SK_EX_USAGE, "--shards N is required");
	if (o.output)
		sk_die(SK_EX_USAGE, "-o: shards are written to --prefix PREFIX-K files");
	sk_shard_split(&o, c.shards, c.prefix);
	return 0;
}
