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
 * exactly when there was none. */
static void risk_row(const struct sk_table *t, size_t i, const long *c, double *r)
{
	int empty;
	for (int k = 0; k < 3; k++) {
		r[k] = sk_table_num(t, i, c[k], &empty);
		if (empty)
			sk_table_die(t, i, "risk signals: a count is empty for a customer with "
				     "purchases");
		if (!(r[k] >= 0 && r[k] == floor(r[k]) && r[k] < 1e15))
			sk_table_die(t, i, "risk signals: %g is not a count", r[k]);
	}
	r[3] = sk_table_num(t, i, c[3], &empty);
	if (empty)
		r[3] = NAN;
	else if (!(r[3] >= 0 && r[3] < 1e9))
		sk_table_die(t, i, "risk signals: %g days since the last is not a duration",
			     r[3]);
	if ((r[0] + r[1] + r[2] > 0) != !empty)
		sk_table_die(t, i, "risk signals: %g complaints, returns and negative reviews "
			     "but days since the last %s", r[0] + r[1] + r[2],
			     empty ? "empty" : "set");
}

/* The risk signals as of the end and of the cut, when the records have
 * the backtest_ ones (summarize --backtest on a log with them): both
 * sets, or neither. */
void sk_risk_read(const struct sk_table *t, const struct sk_custdata *full,
		  struct sk_backtest *b)
{
	static const char *const end[SK_NRISK] = { "complaints", "returns",
						   "negative_reviews", "days_since_complaint" };
	long ce[SK_NRISK], cc[SK_NRISK];
	int nc = 0;
	char name[64];
	for (int k = 0; k < SK_NRISK; k++) {
		snprintf(name, sizeof name, "backtest_%s", end[k]);
		cc[k] = sk_table_col(t, name);
		ce[k] = sk_table_col(t, end[k]);
		nc += cc[k] >= 0;
	}
	if (nc == 0)
		return;
	for (int k = 0; k < SK_NRISK; k++) {
		if (cc[k] < 0)
			sk_table_die_header(t, "the backtest's risk signals need backtest_%s",
					    end[k]);
		if (ce[k] < 0)
			sk_table_die_header(t, "backtest_%s needs %s, its value at the end",
					    end[k], end[k]);
	}
	size_t n = b->d.n ? b->d.n : 1;
	b->risk_cut = sk_xmalloc(n * SK_NRISK * sizeof *b->risk_cut);
	b->risk_end = sk_xmalloc(n * SK_NRISK * sizeof *b->risk_end);
	for (size_t i = 0; i < b->d.n; i++) {
		double *rc = b->risk_cut + i * SK_NRISK, *re = b->risk_end + i * SK_NRISK;
		for (int k = 0; k < SK_NRISK; k++)
			rc[k] = re[k] = NAN;
		if (full->valid[i])	/* the layer applies to every customer */
			risk_row(t, i, ce, re);
		if (!b->d.valid[i]) {
			/* Not a customer at the cut: the cut's values are empty. */
			int empty;
			for (int k = 0; k < SK_NRISK; k++) {
				sk_table_num(t, i, cc[k], &empty);
				if (!empty)
					sk_table_die(t, i, "backtest_%s set for a customer without "
						     "purchases by the cut", end[k]);
			}
			continue;
		}
		risk_row(t, i, cc, rc);
		for (int k = 0; k < 3; k++)
			if (rc[k] > re[k])
				sk_table_die(t, i, "backtest_%s %g is more than %s %g: the cut "
					     "comes before the end", end[k], rc[k], end[k], re[k]);
	}
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
