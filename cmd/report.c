/* report: one self-contained HTML page (inline CSS and SVG, no script)
 * about a customer base, from the columns the pipeline wrote. */
#include <stdio.h>
#include <string.h>

#include "crm/cohort.h"
#include "report/report.h"
#include "siklus.h"

static const char usage[] =
	"Usage: report [OPTIONS] [FILE...]\n"
	"Read customer records (any of the columns of summarize | classify | churn |\n"
	"clv | winback, or a transaction log, summarized first) and write one HTML\n"
	"page with inline CSS and SVG charts: headline figures, what moved since the\n"
	"previous run, customers per stage, phase and RFM segment, cohort retention,\n"
	"the CLV distribution, p_alive by frequency and recency, the top of the\n"
	"win-back list, the model fit and the calibration/holdout table.  A section\n"
	"whose columns are missing is left out with a note.  Counts and amounts are\n"
	"grouped by thousands, shares in percent.  The page goes to standard output,\n"
	"or with -o to FILE.\n"
	"\n"
	"  --transactions FILE  the transaction log, for the cohort retention heat map\n"
	"                       (monthly cohorts, as cohort computes them)\n"
	"  --model FILE         a model saved by churn or clv --save-model: its\n"
	"                       parameters, standard errors and log-likelihood\n"
	"  --tracking FILE      a tracking file from churn --tracking: repeat\n"
	"                       transactions over time and the calibration histogram,\n"
	"                       actual against expected\n"
	"  --title TEXT         the page title (default \"siklus report\")\n"
	"  --threshold P        likely alive = p_alive at or above P; value at risk =\n"
	"                       clv of the customers below it (default 0.5)\n"
	"  --previous FILE      the previous run's customer records: customers new\n"
	"                       since then, the figures then and now, churn and value\n"
	"                       since then and the movement between stages\n"
	"  --currency-label C   name the currency of the amounts on the page (EUR);\n"
	"                       (--currency, as in every program, strips a currency\n"
	"                       from the amounts read)\n"
	"  --unit U             the unit of recency and T; by default read from the\n"
	"                       records' first_purchase and last_purchase\n";

enum { O_TRANSACTIONS = 1, O_MODEL, O_TITLE, O_THRESHOLD, O_TRACKING, O_CURRENCY, O_PREVIOUS };

static const struct sk_opt own[] = {
	{ "transactions", 1, 0, O_TRANSACTIONS },
	{ "model", 1, 0, O_MODEL },
	{ "title", 1, 0, O_TITLE },
	{ "threshold", 1, 0, O_THRESHOLD },
	{ "tracking", 1, 0, O_TRACKING },
	{ "currency-label", 1, 0, O_CURRENCY },
	{ "previous", 1, 0, O_PREVIOUS },
	{ NULL, 0, 0, 0 },
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct sk_report_opts *ro = ctx;
	switch (id) {
	case O_TRANSACTIONS: ro->transactions = arg; break;
	case O_MODEL: ro->model_path = arg; break;
	case O_TITLE: ro->title = arg; break;
	case O_TRACKING: ro->tracking_path = arg; break;
	case O_THRESHOLD: ro->threshold = sk_opt_fraction("threshold", arg); break;
	case O_CURRENCY: ro->currency = arg; break;
	case O_PREVIOUS: ro->previous_path = arg; break;
	}
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct sk_report_opts ro = SK_REPORT_OPTS_INIT;
	o.unit_name = NULL;	/* still NULL after parsing: --unit was not given */
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &ro);
	ro.unit_given = o.unit_name != NULL;
	if (!ro.unit_given)
		o.unit_name = "day";

	struct sk_cohorts *cs = NULL;
	if (ro.transactions) {
		int stdin_too = 0;
		for (size_t i = 0; i < o.nfiles; i++)
			stdin_too |= strcmp(o.files[i], "-") == 0;
		if (stdin_too && strcmp(ro.transactions, "-") == 0)
			sk_die(SK_EX_USAGE, "--transactions -: the customer records are on "
			       "standard input already; name a file for one of them");
		/* The log is read with the same column names and date format,
		 * its own format detected. */
		struct sk_opts to = o;
		const char *files[] = { ro.transactions, NULL };
		to.files = files;
		to.nfiles = 1;
		to.ifmt = SK_FMT_AUTO;
		cs = sk_cohort_read(&to, SK_PERIOD_MONTH);
		ro.cohorts = cs;
	}

	/* The previous run's records, read with the same options (their
	 * format detected), as classify --previous reads them. */
	struct sk_table *prev = NULL;
	struct sk_opts po = o;		/* the table keeps a pointer to them */
	const char *pfiles[] = { ro.previous_path, NULL };
	if (ro.previous_path) {
		for (size_t i = 0; i < o.nfiles; i++)
			if (strcmp(o.files[i], "-") == 0 && strcmp(ro.previous_path, "-") == 0)
				sk_die(SK_EX_USAGE, "--previous -: the customer records are on "
				       "standard input already; name a file for one of them");
		po.files = pfiles;
		po.nfiles = 1;
		po.ifmt = SK_FMT_AUTO;
		struct sk_reader *pr = sk_reader_open(&po);
		prev = sk_table_read(pr);
		sk_reader_close(pr);
		ro.previous = prev;
	}

	struct sk_table *t = sk_customers_read(&o);
	/* The model is read after the records, so that in
	 * "churn --save-model F | report --model F" churn has written F
	 * (atomically, before its first record) by the time it is read. */
	struct sk_modelfile mf;
	if (ro.model_path) {
		sk_modelfile_load(ro.model_path, NULL, &mf);
		ro.model = &mf;
	}
	struct sk_tracking tr;
	if (ro.tracking_path) {
		sk_tracking_load(ro.tracking_path, &tr);
		ro.tracking = &tr;
	}
	struct sk_buf page = SK_BUF_INIT;
	sk_report_build(&page, &o, &ro, t);
	sk_report_write(&o, &page);
	sk_buf_free(&page);
	sk_table_free(t);
	if (prev)
		sk_table_free(prev);
	if (ro.tracking)
		sk_tracking_free(&tr);
	if (cs)
		sk_cohort_free(cs);
	return 0;
}
