/* emit.h: write a customer table with a program's columns appended.
 * Columns the program does not own pass through byte for byte; a column
 * it owns that is already present (a pipeline run twice) is replaced in
 * place rather than duplicated. */
#ifndef SK_EMIT_H
#define SK_EMIT_H

#include "io.h"
#include "opts.h"

struct sk_emit;

struct sk_emit *sk_emit_open(const struct sk_opts *o, const struct sk_table *t,
			     size_t nnew, const char *const *names);
/* Set column k (0..nnew-1) of the row being written; unset columns are
 * empty (null in JSON). */
void sk_emit_num(struct sk_emit *e, size_t k, double v, int decimals);
void sk_emit_str(struct sk_emit *e, size_t k, const char *s);
/* Write table row i with the values set since the last row. */
void sk_emit_row(struct sk_emit *e, size_t i);
/* Write table rows order[0..n) (rows 0..n-1 when order is NULL):
 * fill(row, i, ctx) sets the values of table row i with sk_emit_num and
 * sk_emit_str on row.  Rows are formatted on every core and written in
 * order, so fill may be called from several threads at once: it must
 * only read what it shares. */
typedef void sk_emit_fill_fn(struct sk_emit *row, size_t i, void *ctx);
void sk_emit_rows(struct sk_emit *e, size_t n, const size_t *order, sk_emit_fill_fn *fill,
		  void *ctx);
void sk_emit_close(struct sk_emit *e);

#endif
