/* shard.h: split a log into customer-complete shards. */
#ifndef SK_SHARD_H
#define SK_SHARD_H

#include "opts.h"

/* Read the inputs of o and write every record to PREFIX-K.EXT (K = 1 ..
 * nshards, EXT the input format's), chosen by a hash of its customer id
 * (o->col_id), so that all of a customer's rows land in one shard; each
 * CSV or TSV shard starts with the header.  Records are copied as they
 * were written.  Each file is written whole or not at all (a temporary
 * file renamed into place), and their names are printed on standard output, one a line. */
void sk_shard_split(const struct sk_opts *o, unsigned nshards, const char *prefix);

/* The shard (0 .. nshards-1) of a customer id. */
unsigned sk_shard_of(const char *id, size_t len, unsigned nshards);

#endif
