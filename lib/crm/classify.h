/* classify.h: lifecycle stages in three schemes (lifecycle, ladder,
 * funnel), CRM phases, RFM scores and segments, and the stage report.
 *
 * Every rule works on one customer record as summarize writes it, plus
 * two whole-table quantities: the RFM quintiles and the top spenders,
 * both ranked among the customers with a purchase (of the table, or of
 * the whole population through a cuts file).  The rules and their
 * thresholds are documented in classify(1); this module is the one place
 * that implements them. */
#ifndef SK_CLASSIFY_H
#define SK_CLASSIFY_H

#include <stddef.h>
#include <stdio.h>

#include "record/io.h"
#include "record/opts.h"

enum sk_scheme { SK_SCHEME_LIFECYCLE, SK_SCHEME_LADDER, SK_SCHEME_FUNNEL };

/* Funnel stages that events reach (purchase and retention are reached by
 * purchases, not events). */
enum { SK_FUNNEL_AWARENESS, SK_FUNNEL_INTEREST, SK_FUNNEL_CONSIDERATION,
       SK_FUNNEL_ADVOCACY, SK_FUNNEL_NLIST };

struct sk_evlist {
	size_t n;
	char **name;		/* event names as in the log (column n_NAME) */
};

struct sk_classify_rules {
	enum sk_scheme scheme;
	double core_orders;	/* orders (frequency + 1) that make a core customer */
	double overdue_factor;	/* overdue: days since last > factor x mean gap */
	double lapse_days;	/* lapsed: days since last purchase above this */
	double alive_threshold;	/* with p_alive: repeat buyers below it defect */
	double top_share;	/* majority: within this share of top spenders */
	double discount_max;	/* majority: discount_share below this */
	double loyal_days;	/* loyal: T above this, in days */
	struct sk_evlist funnel[SK_FUNNEL_NLIST];
	struct sk_evlist passive;	/* events that show no interest (ladder) */
};

/* Defaults of classify(1); sk_classify_rules_free releases the lists. */
void sk_classify_rules_init(struct sk_classify_rules *r);
/* Overlay a rules file (JSON) on r: exits 66 when it cannot be opened,
 * 65 naming the file and key when it is not valid. */
void sk_classify_rules_load(struct sk_classify_rules *r, const char *path);
void sk_classify_rules_free(struct sk_classify_rules *r);
/* The threshold of r named key (a rules-file key such as "lapse_days")
 * and its allowed range [*lo, *hi], or NULL for an unknown key. */
double *sk_classify_threshold(struct sk_classify_rules *r, const char *key,
			      double *lo, double *hi);
/* "lifecycle", "ladder", "funnel": 0 and *s set, or -1. */
int sk_classify_scheme(const char *name, enum sk_scheme *s);

/* An RFM segment table: first matching row wins; no match = "Others". */
struct sk_rfm_segment {
	char *name;
	unsigned char lo[3], hi[3];	/* R, F, M score ranges, 1..5 inclusive */
};

struct sk_classify_segments {
	size_t n;
	struct sk_rfm_segment *seg;
};

/* The table of REFERENCE.md (as commonly used with the R rfm package). */
void sk_classify_segments_init(struct sk_classify_segments *s);
/* Replace s with a JSON table: [{"segment": NAME, "r": [LO, HI], "f": ...,
 * "m": ...}, ...]; exits 66 or 65 as sk_classify_rules_load. */
void sk_classify_segments_load(struct sk_classify_segments *s, const char *path);
void sk_classify_segments_free(struct sk_classify_segments *s);

/* The classification of every row of a customer table. */
struct sk_classify {
	enum sk_scheme scheme;
	size_t n;
	unsigned char *stage;	/* index into sk_classify_stage_names(scheme) */
	unsigned char *phase;	/* index into sk_classify_phase_names() */
	/* with RFM only (else NULL): */
	unsigned char *score;	/* 3 per row: R, F, M in 1..5; 0 for prospects */
	int *segment;		/* index into segs, segs->n = Others, -1 = prospect */
	const struct sk_classify_segments *segs;
};

/* The distribution among buyers of the three keys the RFM scores rank
 * (days since the last purchase in hundredths, frequency, total_spend):
 * each distinct value and its number of buyers.  The cuts of disjoint
 * sets of customers add up to the cuts of their union, so a table split
 * by customer and scored against the merged cuts gets the scores of the
 * whole. */
struct sk_classify_cuts;

/* Read a cuts file (the CSV sk_classify_cuts_save writes, or several
 * concatenated: equal values add up); the caller frees the result.  Exits
 * 66 when it cannot be opened, 65 with FILE:LINE when it is malformed. */
struct sk_classify_cuts *sk_classify_cuts_load(const char *path);
/* Write k atomically (temp file + rename); exits 73 or 74 on failure. */
void sk_classify_cuts_save(const char *path, const struct sk_classify_cuts *k);
void sk_classify_cuts_free(struct sk_classify_cuts *k);

/* Classify every row of t.  unit_days is the length of --unit in days
 * (recency and T are in it); segs is NULL without RFM.  With RFM: the
 * scores (and the ladder's top spenders) rank each buyer against cuts
 * when not NULL, else among the buyers of t; when own is not NULL, *own
 * receives the cuts of t itself, for the caller to free.  Bad values
 * exit 65 with the row's file:line. */
void sk_classify_run(const struct sk_table *t, double unit_days,
		     const struct sk_classify_rules *rules,
		     const struct sk_classify_segments *segs,
		     const struct sk_classify_cuts *cuts, struct sk_classify_cuts **own,
		     struct sk_classify *c);
void sk_classify_free(struct sk_classify *c);

/* Stage names of a scheme, NULL-terminated, in ladder order. */
const char *const *sk_classify_stage_names(enum sk_scheme s);
const char *const *sk_classify_phase_names(void);
const char *sk_classify_scheme_name(enum sk_scheme s);

/* Write t with stage, phase (and with RFM r_score, f_score, m_score,
 * rfm_score, rfm_segment) appended; every other column passes through. */
void sk_classify_write(const struct sk_opts *o, const struct sk_table *t,
		       const struct sk_classify *c);

/* Count and share of customers per stage, per phase and per RFM segment:
 * as text to f when not NULL, as JSON to json_path when not NULL (exits
 * 73 when it cannot be written). */
void sk_classify_report(FILE *f, const char *json_path, const struct sk_classify *c);

#endif
