/* summarize: transaction/event log -> one record per customer. */
#include "siklus.h"

static const char usage[] =
	"Usage: summarize [OPTIONS] [FILE...]\n"
	"Turn a transaction or event log into one record per customer:\n"
	"first_purchase, last_purchase, orders, frequency (repeat transactions),\n"
	"recency and T (in --unit), monetary_value (mean repeat transaction),\n"
	"total_spend, refunds; discount_share, first_quantity (units bought on\n"
	"the first purchase day, from a quantity column), referrals,\n"
	"referred_spend, n_EVENT counts, complaints, returns, negative_reviews\n"
	"(review with rating <= 2) and days_since_complaint when the log has\n"
	"them; holdout_frequency and holdout_spend with --as-of.\n"
	"Purchases on one day are one transaction; rows of one order are one\n"
	"transaction; negative amounts are refunds.  Customers are written in\n"
	"order of first appearance.\n"
	"\n"
	"  --backtest D         also write backtest_frequency, backtest_recency,\n"
	"                       backtest_T (each customer as of D before the end of\n"
	"                       observation) and backtest_purchases (transactions in\n"
	"                       those last D): what churn learns from; D a duration\n"
	"                       (13w, 90d) or auto (a third of the span); on a log\n"
	"                       with amounts also backtest_monetary_value and\n"
	"                       backtest_total_spend as of the cut; with risk\n"
	"                       signals also backtest_complaints,\n"
	"                       backtest_returns, backtest_negative_reviews and\n"
	"                       backtest_days_since_complaint as of the cut\n"
	"  --litt               also write litt, the sum of the logs of the times\n"
	"                       between purchase days (in --unit) that the models\n"
	"                       bgcnbd and mbgcnbd of churn need (with the backtest\n"
	"                       also backtest_litt)\n";

enum { O_BACKTEST = 1, O_LITT };

static const struct sk_opt own[] = {
	{ "backtest", 1, 0, O_BACKTEST },
	{ "litt", 0, 0, O_LITT },
	{ NULL, 0, 0, 0 },
};

struct summarize_opts {
	const char *backtest;
	int litt;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct summarize_opts *so = ctx;
	if (id == O_BACKTEST)
		so->backtest = arg;
	else if (id == O_LITT)
		so->litt = 1;
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct summarize_opts so = { NULL, 0 };
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &so);
	sk_opt_backtest(&o, so.backtest);
	o.litt = so.litt;

	struct sk_reader *in = sk_reader_open(&o);
	struct sk_summary *s = sk_summary_new(&o);
	sk_summary_read(s, in);
	struct sk_writer *out = sk_writer_open(&o, sk_reader_format(in));
	sk_summary_write(s, out);
	sk_writer_close(out);
	sk_reader_close(in);
	sk_summary_free(s);
	return 0;
}
