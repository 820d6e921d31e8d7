/* classify: lifecycle stage and CRM phase per customer in one of three
 * schemes, with RFM scores and segments on request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siklus.h"
#include "crm/classify.h"
#include "crm/loyalty.h"

static const char usage[] =
	"Usage: classify [OPTIONS] [FILE...]\n"
	"Append stage and phase to customer records (or a transaction log,\n"
	"summarized first); with --rfm also RFM scores and segment.\n"
	"\n"
	"  --scheme S           lifecycle (default), ladder, funnel, or loyalty\n"
	"                       (appends tier instead of stage and phase)\n"
	"  --tiers FILE         loyalty tiers as CSV tier,min_spend,min_orders,\n"
	"                       lowest first (default bronze, silver 500/5,\n"
	"                       gold 2000/10, platinum 5000/20)\n"
	"  --previous FILE      the last loyalty run's output: append tier_change\n"
	"                       (up, down, same, new)\n"
	"  --core-orders N      core: at least N orders (default 4)\n"
	"  --overdue-factor X   overdue: days since the last purchase above X times\n"
	"                       the customer's mean gap between purchases (default 2)\n"
	"  --lapse-days N       lapsed: no purchase for more than N days (default 365)\n"
	"  --alive-threshold P  with a p_alive column: repeat buyers below P defect\n"
	"                       or lapse (default 0.5)\n"
	"  --top-share P        majority: among the top P of buyers by total_spend\n"
	"                       (default 0.2)\n"
	"  --discount-max P     majority: discount_share below P (default 0.5)\n"
	"  --loyal-days N       loyal: a majority customer with T above N days\n"
	"                       (default 365)\n"
	"  --rules FILE         thresholds and the funnel event mapping as JSON;\n"
	"                       options on the command line win\n"
	"  --rfm                append r_score, f_score, m_score, rfm_score and\n"
	"                       rfm_segment\n"
	"  --rfm-segments FILE  RFM segment table as JSON (implies --rfm)\n"
	"  --rfm-cuts-out FILE  write the distribution the RFM scores rank against\n"
	"                       (implies --rfm); the files of customer shards\n"
	"                       concatenated are the cuts of all customers\n"
	"  --rfm-cuts FILE      score RFM against FILE instead of ranking among the\n"
	"                       input's own buyers (implies --rfm)\n"
	"  --report             customers per stage, phase and RFM segment on stderr\n"
	"  --report-json FILE   the same as JSON\n";

enum { O_SCHEME = 1, O_RULES, O_RFM, O_SEGMENTS, O_CUTS, O_CUTS_OUT, O_REPORT,
       O_REPORT_JSON, O_TIERS, O_PREVIOUS, O_NUM };	/* O_NUM + k: threshold[k] */

/* Threshold options and their rules-file keys (classify.c holds the
 * ranges, shared with --rules). */
static const struct {
	const char *option, *key;
} threshold[] = {
	{ "core-orders", "core_orders" },
	{ "overdue-factor", "overdue_factor" },
	{ "lapse-days", "lapse_days" },
	{ "alive-threshold", "alive_threshold" },
	{ "top-share", "top_share" },
	{ "discount-max", "discount_max" },
	{ "loyal-days", "loyal_days" },
};
#define NNUMS (sizeof threshold / sizeof threshold[0])

static const struct sk_opt own[] = {
	{ "scheme", 1, 0, O_SCHEME },
	{ "core-orders", 1, 0, O_NUM + 0 },
	{ "overdue-factor", 1, 0, O_NUM + 1 },
	{ "lapse-days", 1, 0, O_NUM + 2 },
	{ "alive-threshold", 1, 0, O_NUM + 3 },
	{ "top-share", 1, 0, O_NUM + 4 },
	{ "discount-max", 1, 0, O_NUM + 5 },
	{ "loyal-days", 1, 0, O_NUM + 6 },
	{ "rules", 1, 0, O_RULES },
	{ "rfm", 0, 0, O_RFM },
	{ "rfm-segments", 1, 0, O_SEGMENTS },
	{ "rfm-cuts", 1, 0, O_CUTS },
	{ "rfm-cuts-out", 1, 0, O_CUTS_OUT },
	{ "report", 0, 0, O_REPORT },
	{ "report-json", 1, 0, O_REPORT_JSON },
	{ "tiers", 1, 0, O_TIERS },
	{ "previous", 1, 0, O_PREVIOUS },
	{ NULL, 0, 0, 0 },
};

struct classify_opts {
	const char *rules, *segments, *cuts, *cuts_out, *report_json, *tiers, *previous;
	int has_scheme, rfm, report, loyalty;
	enum sk_scheme scheme;
	int given[NNUMS];
	double value[NNUMS];
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct classify_opts *c = ctx;
	switch (id) {
	case O_SCHEME:
		c->loyalty = strcmp(arg, "loyalty") == 0;
		if (!c->loyalty && sk_classify_scheme(arg, &c->scheme) != 0)
			sk_die(SK_EX_USAGE, "--scheme: \"%s\" is not lifecycle, ladder, funnel "
			       "or loyalty", arg);
		c->has_scheme = 1;
		break;
	case O_RULES: c->rules = arg; break;
	case O_RFM: c->rfm = 1; break;
	case O_SEGMENTS: c->segments = arg; c->rfm = 1; break;
	case O_CUTS: c->cuts = arg; c->rfm = 1; break;
	case O_CUTS_OUT: c->cuts_out = arg; c->rfm = 1; break;
	case O_REPORT: c->report = 1; break;
	case O_REPORT_JSON: c->report_json = arg; break;
	case O_TIERS: c->tiers = arg; break;
	case O_PREVIOUS: c->previous = arg; break;
	default: {
		/* Range-checked now, applied after --rules so the command line
		 * wins wherever it stands. */
		size_t k = (size_t)(id - O_NUM);
		struct sk_classify_rules ranges_only = { 0 };
		double lo, hi;
		sk_classify_threshold(&ranges_only, threshold[k].key, &lo, &hi);
		c->value[k] = sk_opt_num(threshold[k].option, arg, lo, hi);
		c->given[k] = 1;
	}
	}
}

/* --scheme loyalty: tiers (and their changes) instead of stages. */
static int loyalty(struct sk_opts *o, const struct classify_opts *c)
{
	if (c->rfm || c->report || c->report_json || c->rules)
		sk_die(SK_EX_USAGE, "--scheme loyalty takes --tiers and --previous, not "
		       "--rfm, --rules or --report");
	struct sk_tiers tiers;
	if (c->tiers)
		sk_tiers_load(&tiers, o, c->tiers);
	else
		sk_tiers_default(&tiers);
	struct sk_table *prev = NULL;
	if (c->previous) {
		struct sk_opts po = *o;
		const char *files[] = { c->previous, NULL };
		po.files = files;
		po.nfiles = 1;
		struct sk_reader *r = sk_reader_open(&po);
		prev = sk_table_read(r);
		sk_reader_close(r);
	}
	struct sk_table *t = sk_customers_read(o);
	int *tier = sk_xmalloc((t->nrow ? t->nrow : 1) * sizeof *tier);
	unsigned char *change = prev ? sk_xmalloc(t->nrow ? t->nrow : 1) : NULL;
	sk_tiers_assign(&tiers, t, o->col_id, prev, tier, change);
	sk_tiers_write(o, t, &tiers, tier, change);
	free(tier);
	free(change);
	sk_table_free(prev);
	sk_table_free(t);
	sk_tiers_free(&tiers);
	return 0;
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct classify_opts c = { 0 };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);
	if ((c.tiers || c.previous) && !c.loyalty)
		sk_die(SK_EX_USAGE, "--tiers and --previous go with --scheme loyalty");
	if (c.loyalty)
		return loyalty(&o, &c);

	/* Defaults, then the rules file, then the command line. */
	struct sk_classify_rules rules;
	sk_classify_rules_init(&rules);
	if (c.rules)
		sk_classify_rules_load(&rules, c.rules);
	if (c.has_scheme)
		rules.scheme = c.scheme;
	for (size_t k = 0; k < NNUMS; k++) {
		double lo, hi;
		if (c.given[k])
			*sk_classify_threshold(&rules, threshold[k].key, &lo, &hi) = c.value[k];
	}
	struct sk_classify_segments segs = { 0 };
	if (c.rfm)
		sk_classify_segments_init(&segs);
	if (c.segments)
		sk_classify_segments_load(&segs, c.segments);
	struct sk_classify_cuts *cuts = c.cuts ? sk_classify_cuts_load(c.cuts) : NULL;
	struct sk_classify_cuts *own = NULL;

	struct sk_table *t = sk_customers_read(&o);
	struct sk_classify res;
	sk_classify_run(t, o.unit_days, &rules, c.rfm ? &segs : NULL, cuts,
			c.cuts_out ? &own : NULL, &res);
	if (c.cuts_out)
		sk_classify_cuts_save(c.cuts_out, own);
	sk_classify_write(&o, t, &res);
	if (c.report || c.report_json)
		sk_classify_report(c.report ? stderr : NULL, c.report_json, &res);

	sk_classify_free(&res);
	sk_classify_cuts_free(own);
	sk_classify_cuts_free(cuts);
	sk_classify_segments_free(&segs);
	sk_classify_rules_free(&rules);
	sk_table_free(t);
	return 0;
}
