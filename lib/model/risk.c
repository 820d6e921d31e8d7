/* risk.c: the risk signals of the learned layer (issue 19; the layer is
 * in backtest.c): complaints, returns and negative reviews, and the days
 * since the last of them, as of the backtest cut (what the layer learns
 * from) and as of the end (what it is applied to).
 *
 * summarize --backtest writes both (complaints .. days_since_complaint,
 * backtest_complaints .. backtest_days_since_complaint); the cut's are
 * counted from the events up to the cut only, so nothing in the
 * held-back window reaches what is learned. */
#include "risk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/util.h"

/* One row's risk signals from columns c[0..3] (complaints, returns,
 * negative_reviews, days_since_complaint) into r; the days are empty
 * exactly when there was none.  0, or for a bad value 1 (a row check,
 * sk_table_check_rows). */
static int risk_row(const struct sk_table *t, size_t i, const long *c, int die, double *r)
{
	int empty;
	for (int k = 0; k < 3; k++) {
		if (sk_table_num_check(t, i, c[k], die, &r[k], &empty))
			return 1;
		if (empty)
			return sk_table_bad(t, i, die, "risk signals: a count is empty for a "
					    "customer with purchases");
		if (!(r[k] >= 0 && r[k] == floor(r[k]) && r[k] < 1e15))
			return sk_table_bad(t, i, die, "risk signals: %g is not a count", r[k]);
	}
	if (sk_table_num_check(t, i, c[3], die, &r[3], &empty))
		return 1;
	if (empty)
		r[3] = NAN;
	else if (!(r[3] >= 0 && r[3] < 1e9))
		return sk_table_bad(t, i, die, "risk signals: %g days since the last is not a "
				    "duration", r[3]);
	if ((r[0] + r[1] + r[2] > 0) != !empty)
		return sk_table_bad(t, i, die, "risk signals: %g complaints, returns and "
				    "negative reviews but days since the last %s",
				    r[0] + r[1] + r[2], empty ? "empty" : "set");
	return 0;
}

static const char *const end_name[SK_NRISK] = { "complaints", "returns", "negative_reviews",
						"days_since_complaint" };

struct risk_ctx {
	const struct sk_table *t;
	const struct sk_custdata *full;
	struct sk_backtest *b;
	const long *ce, *cc;
};

/* Row i's signals at the end and at the cut into b (a row check). */
static int read_row(size_t i, int die, void *ctx)
{
	const struct risk_ctx *c = ctx;
	const struct sk_table *t = c->t;
	struct sk_backtest *b = c->b;
	double *rc = b->risk_cut + i * SK_NRISK, *re = b->risk_end + i * SK_NRISK;
	for (int k = 0; k < SK_NRISK; k++)
		rc[k] = re[k] = NAN;
	/* the layer applies to every customer */
	if (c->full->valid[i] && risk_row(t, i, c->ce, die, re))
		return 1;
	if (!b->d.valid[i]) {
		/* Not a customer at the cut: the cut's values are empty. */
		int empty;
		double v;
		for (int k = 0; k < SK_NRISK; k++) {
			if (sk_table_num_check(t, i, c->cc[k], die, &v, &empty))
				return 1;
			if (!empty)
				return sk_table_bad(t, i, die, "backtest_%s set for a customer "
						    "without purchases by the cut", end_name[k]);
		}
		return 0;
	}
	if (risk_row(t, i, c->cc, die, rc))
		return 1;
	for (int k = 0; k < 3; k++)
		if (rc[k] > re[k])
			return sk_table_bad(t, i, die, "backtest_%s %g is more than %s %g: the cut "
					    "comes before the end", end_name[k], rc[k],
					    end_name[k], re[k]);
	return 0;
}

/* The risk signals as of the end and of the cut, when the records have
 * the backtest_ ones (summarize --backtest on a log with them): both
 * sets, or neither. */
void sk_risk_read(const struct sk_table *t, const struct sk_custdata *full,
		  struct sk_backtest *b)
{
	long ce[SK_NRISK], cc[SK_NRISK];
	int nc = 0;
	char name[64];
	for (int k = 0; k < SK_NRISK; k++) {
		snprintf(name, sizeof name, "backtest_%s", end_name[k]);
		cc[k] = sk_table_col(t, name);
		ce[k] = sk_table_col(t, end_name[k]);
		nc += cc[k] >= 0;
	}
	if (nc == 0)
		return;
	for (int k = 0; k < SK_NRISK; k++) {
		if (cc[k] < 0)
			sk_table_die_header(t, "the backtest's risk signals need backtest_%s",
					    end_name[k]);
		if (ce[k] < 0)
			sk_table_die_header(t, "backtest_%s needs %s, its value at the end",
					    end_name[k], end_name[k]);
	}
	size_t n = b->d.n ? b->d.n : 1;
	b->risk_cut = sk_xmalloc(n * SK_NRISK * sizeof *b->risk_cut);
	b->risk_end = sk_xmalloc(n * SK_NRISK * sizeof *b->risk_end);
	struct risk_ctx c = { t, full, b, ce, cc };
	sk_table_check_rows(t, 0, read_row, &c);
}

/* The risk signals (issue 19): complaints, returns and negative reviews
 * as log(1 + count), so that a tenth complaint adds less than the first;
 * and how recent the last of them is, encoded for "none" without an
 * invented number of days: an indicator that there was one, and log(1 +
 * days since) where there was (0 where not), so the pair's effect is
 * b_ind + b_days log(1 + days), a risk that fades with time since the
 * last complaint.  A signal nobody had at the cut is a constant column,
 * which the regression drops (learn.h); whether they are used at all is
 * decided in layerfeat.c. */
void sk_risk_features(const double *r, double *f)
{
	f[0] = log1p(r[0]);
	f[1] = log1p(r[1]);
	f[2] = log1p(r[2]);
	f[3] = !isnan(r[3]);
	f[4] = isnan(r[3]) ? 0 : log1p(r[3]);
}
