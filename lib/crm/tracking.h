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

/* A tracking file read back (for the report). */
struct sk_track_period {
	char window[16];	/* "calibration" or "holdout" */
	char start[11], end[11];
	double actual, expected, actual_cum, expected_cum;
};
struct sk_tracking {
	char model[16];
	long period_days;
	size_t nper;
	struct sk_track_period *per;
	double hist_actual[8], hist_expected[8];	/* 0..6, 7+ */
};
/* Exits 66 when path cannot be read, 65 when it is not a tracking file. */
void sk_tracking_load(const char *path, struct sk_tracking *tr);
void sk_tracking_free(struct sk_tracking *tr);

#endif
