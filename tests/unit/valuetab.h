/* valuetab.h: the spend columns of customer records as the learned
 * layer reads them (model/ordervalue.h: from the table, on demand), made
 * from arrays for the tests of the order value (test_ordervalue.c,
 * test_valuelayer.c). */
#ifndef SK_TEST_VALUETAB_H
#define SK_TEST_VALUETAB_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/backtest.h"
#include "record/io.h"

/* total_spend and monetary_value of x + 1 orders summing to total, the
 * first worth first, into v[0] and v[1]. */
static inline void set_value(double *v, double total, double first, double x)
{
	v[0] = total;
	v[1] = x > 0 ? (total - first) / x : NAN;
}

/* A table of n rows: backtest_total_spend, backtest_monetary_value,
 * total_spend, monetary_value from cut[2 i], cut[2 i + 1], end[2 i],
 * end[2 i + 1] (NAN: empty, printed to 17 digits otherwise), and b
 * pointed at it.  The caller frees the table (sk_table_free). */
static struct sk_table *value_table(struct sk_backtest *b, size_t n, const double *cut,
				    const double *end)
{
	static const char *const col[4] = { "backtest_total_spend", "backtest_monetary_value",
					    "total_spend", "monetary_value" };
	struct sk_table *t = sk_table_new(SK_FMT_CSV);
	for (int k = 0; k < 4; k++)
		sk_table_add_col(t, col[k]);
	for (size_t i = 0; i < n; i++) {
		char buf[4][32];
		const char *f[4];
		size_t len[4];
		unsigned char type[4];
		for (int k = 0; k < 4; k++) {
			double v = (k < 2 ? cut : end)[2 * i + k % 2];
			f[k] = isnan(v) ? "" : buf[k];
			len[k] = isnan(v) ? 0 : (size_t)snprintf(buf[k], sizeof buf[k], "%.17g", v);
			type[k] = isnan(v) ? SK_NULL : SK_NUM;
		}
		sk_table_add_row(t, "(test)", i + 1, 4, f, len, type);
	}
	b->value_t = t;
	for (int k = 0; k < 4; k++)
		b->value_col[k / 2][k % 2] = k;
	return t;
}

#endif
