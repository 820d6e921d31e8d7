/* cohort: retention by acquisition cohort, projected with the
 * shifted-beta-geometric model (Fader & Hardie 2007). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crm/cohort.h"
#include "siklus.h"

static const char usage[] =
	"Usage: cohort [OPTIONS] [FILE...]\n"
	"Retention by acquisition cohort.  From a transaction log: a customer's\n"
	"cohort is the calendar --period of the first purchase, period k the k-th\n"
	"period after it (0 = acquisition), and active the cohort's customers who\n"
	"bought in period k.  Refunds (negative amounts) are not activity and are\n"
	"netted out of revenue; events other than purchase are ignored.  Input\n"
	"with columns cohort, period and active and no date column is a survival\n"
	"table (customers still under contract at period k), such as contract\n"
	"renewals or cohort's own output.  Writes cohort, period, customers,\n"
	"active, retention (active / customers), revenue.  The projection fits a\n"
	"survival table as it is, and a log's running minimum of active (activity\n"
	"is not survival), leaving out an incomplete last period.  --order and\n"
	"--unit are accepted and not used.\n"
	"\n"
	"  --period P           month (default, YYYY-MM), week (ISO weeks from\n"
	"                       Monday, YYYY-Www) or quarter (YYYY-Qn)\n"
	"  --wide               one row per cohort: cohort, customers, then the\n"
	"                       retention of periods p0, p1, ...\n"
	"  --report             period-over-period retention and churn per cohort\n"
	"                       (and the fitted model) on stderr\n"
	"  --project N          fit a shifted-beta-geometric model to each cohort's\n"
	"                       survival curve and append N projected periods\n"
	"                       (column projected; observed with --wide)\n"
	"  --save-model FILE    write each cohort's fitted alpha, beta and loglik\n"
	"                       as JSON\n";

enum { O_PERIOD = 1, O_WIDE, O_REPORT, O_PROJECT, O_SAVE };

static const struct sk_opt own[] = {
	{ "period", 1, 0, O_PERIOD },
	{ "wide", 0, 0, O_WIDE },
	{ "report", 0, 0, O_REPORT },
	{ "project", 1, 0, O_PROJECT },
	{ "save-model", 1, 0, O_SAVE },
	{ NULL, 0, 0, 0 },
};

struct cohort_opts {
	enum sk_period period;
	int wide, report, project;	/* project -1: no projection */
	const char *save;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct cohort_opts *c = ctx;
	switch (id) {
	case O_PERIOD:
		if (sk_period_parse(arg, &c->period))
			sk_die(SK_EX_USAGE, "--period: \"%s\" is not month, week or quarter", arg);
		break;
	case O_WIDE: c->wide = 1; break;
	case O_REPORT: c->report = 1; break;
	case O_PROJECT: {
		double n = sk_opt_num("project", arg, 0, 10000);
		if (n != floor(n))
			sk_die(SK_EX_USAGE, "--project: \"%s\" is not a whole number of periods", arg);
		c->project = (int)n;
		break;
	}
	case O_SAVE: c->save = arg; break;
	}
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct cohort_opts c = { .period = SK_PERIOD_MONTH, .project = -1 };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &c);

	struct sk_cohorts *cs = sk_cohort_read(&o, c.period);
	if (c.project >= 0 || c.save)
		sk_cohort_fit(cs);
	if (c.save)
		sk_cohort_save_model(cs, c.save);
	struct sk_writer *out = sk_writer_open(&o, cs->fmt);
	sk_cohort_write(cs, out, c.wide, c.project);
	sk_writer_close(out);
	if (c.report)
		sk_cohort_report(cs, stderr);
	sk_cohort_free(cs);
	return 0;
}
