/* tracking.h: a fitted transaction model against the calendar (tracking
 * plot and calibration histogram), for churn --tracking. */
#ifndef SK_TRACKING_H
#define SK_TRACKING_H

#include "model/score.h"
#include "summary.h"

/* Write to path, as JSON: per period of period_days days of the
 * calibration window (from the first date read to dc->as_of) and of the
 * holdout after it, the actual and expected repeat transactions of the
 * calibration customers, incremental and cumulative ("periods"), and the
 * calibration histogram of repeat transactions 0..6, 7+ with actual and
 * expected customers ("histogram").  Exits 64 for a discrete-time model
 * or day counts from customer records (ndays 0). */
void sk_tracking_write(const char *path, const struct sk_tmodel *tm, const double *par,
		       const struct sk_daycounts *dc, struct sk_custdata *d,
		       double unit_days, long period_days, const char *unit);

#endif
