/* opts.h: the options every program takes (DESIGN.md), parsed once here.
 * A program names only its own options in a table of struct sk_opt and
 * handles them in a callback. */
#ifndef SK_OPTS_H
#define SK_OPTS_H

#include <stddef.h>

enum sk_fmt { SK_FMT_AUTO = 0, SK_FMT_CSV, SK_FMT_TSV, SK_FMT_JSONL };

/* Order of the fields of a D/M/Y date (--dayfirst, --monthfirst). */
enum sk_date_order { SK_DATE_ISO = 0, SK_DATE_DAYFIRST, SK_DATE_MONTHFIRST };

/* A purchase whose amount is a database NULL (empty, NULL, \N):
 * --null-amount error (default), skip or zero. */
enum sk_null_amount { SK_NULL_AMOUNT_ERROR = 0, SK_NULL_AMOUNT_SKIP, SK_NULL_AMOUNT_ZERO };

/* The progress meter: shown on a terminal for long inputs (AUTO),
 * --progress forces it, --no-progress turns it off. */
enum sk_progress_mode { SK_PROGRESS_AUTO = 0, SK_PROGRESS_ON, SK_PROGRESS_OFF };

struct sk_opts {
	/* inputs */
	const char **files;		/* NULL-terminated; {"-"} when none given */
	size_t nfiles;
	enum sk_fmt ifmt, ofmt;
	int ojson_array;		/* --ojson: JSON output as one array */
	char delim;			/* CSV delimiter (of the input; -d, --ifs) */
	char odelim;			/* --ofs: of the output; 0: as delim */
	const char *header;		/* --header NAMES: a headerless input's columns */
	int no_header_out;		/* --no-header-out */
	const char *output;		/* -o FILE or NULL for stdout */
	/* column names */
	const char *col_id, *col_date, *col_amount, *col_order, *col_event;
	unsigned cols_given;		/* SK_COL_* bits of the column options given */
	const char *date_format;	/* strptime format or NULL */
	int has_as_of;
	long as_of;			/* day number, inclusive end of calibration */
	const char *unit_name;		/* day week month year */
	double unit_days;		/* days per unit */
	int unit_given;			/* 1: --unit given; 2: read from the
					 * records (sk_customers_read); 0: day */
	int skip_bad;			/* 1: report bad rows and go on; 2: go on quietly
					 * (a second reading of the same input) */
	/* Local formats of the data (issue 10).  Numbers in input fields are
	 * read by sk_num_read with these; numbers a program writes are plain
	 * unless odecimal_comma. */
	int decimal_comma;		/* --decimal-comma: "12,50" is 12.5 */
	int thousands;			/* --thousands: "1.250.000,00", "1,250,000.00" */
	int currency;			/* --currency: strip "Rp", "$", "EUR", ... */
	int odecimal_comma;		/* --odecimal-comma: write "12,5" (CSV, TSV) */
	enum sk_date_order date_order;	/* --dayfirst, --monthfirst */
	enum sk_null_amount null_amount;	/* --null-amount */
	const char *tz;			/* --tz ZONE: date-times with an offset are
					 * dated in this zone; NULL: as written */
	enum sk_progress_mode progress;	/* --progress, --no-progress */
	/* Internal (no option): rows dated after until are ignored, so a
	 * program can replay history as of an earlier day (winback's
	 * backtest). */
	int has_until;
	long until;
	/* Set by summarize --backtest and churn: > 0 days held back from the
	 * end of observation for the backtest_* columns; < 0: a third of the
	 * span from the first purchase to the end; 0: none. */
	double backtest_days;
	/* Set by summarize --litt and by churn and clv when their model needs
	 * it: write litt (and backtest_litt), the sum of the logs of the
	 * inter-purchase times (sk_summary_litt). */
	int litt;
};

/* The columns of a log named by options (--id --date --amount --order
 * --event), as bits of sk_opts.cols_given and of what a reader needs. */
enum { SK_COL_ID = 1, SK_COL_DATE = 2, SK_COL_AMOUNT = 4, SK_COL_ORDER = 8, SK_COL_EVENT = 16 };

#define SK_OPTS_INIT { .col_id = "customer_id", .col_date = "date", \
	.col_amount = "amount", .col_order = "order_id", .col_event = "event", \
	.unit_name = "day", .unit_days = 1, .delim = ',' }

/* A program's own option: name is the long name; shortopt 0 for none;
 * has_arg as getopt_long; id is passed to the handler. */
struct sk_opt {
	const char *name;
	int has_arg;
	int shortopt;
	int id;
};

/* Handler for a program's own option; return 0, or call sk_die(64, ...). */
typedef void (*sk_opt_fn)(int id, const char *arg, void *ctx);

/* Parse argv: common options into o, own options (table ending with a
 * NULL name) through fn.  usage is the program's own --help text; the
 * common options are printed after it.  Exits 0 after --help or
 * --version, 64 on a bad option. */
void sk_parse_args(struct sk_opts *o, int argc, char **argv, const char *usage,
		   const struct sk_opt *own, sk_opt_fn fn, void *ctx);

/* Parse a date given on the command line (accepts "today"); exits 64. */
long sk_opt_date(const struct sk_opts *o, const char *optname, const char *arg);
/* Parse a number option, in [lo, hi]; exits 64 when out of range. */
double sk_opt_num(const char *optname, const char *arg, double lo, double hi);
/* Parse a share (a margin, a rate, a threshold): a fraction from 0 to 1,
 * or a percentage "30%"; exits 64, saying "write 0.3" for a bare 30. */
double sk_opt_fraction(const char *optname, const char *arg);
/* Parse a share or relative change, "10%" or "0.1", in [lo, hi] (as
 * fractions); exits 64 when out of range. */
double sk_opt_share(const char *optname, const char *arg, double lo, double hi);
/* Parse a duration option ("90d", "39w", ...), in days; exits 64. */
/* Set o->backtest_days from --backtest D (a duration, or "auto");
 * nothing when arg is NULL.  After sk_parse_args (--unit known). */
void sk_opt_backtest(struct sk_opts *o, const char *arg);
double sk_opt_duration(const struct sk_opts *o, const char *optname, const char *arg);
/* --horizon in units of o (a duration, or a number in --unit); for a
 * discrete model (bgbb) a count of opportunities, its default "1y" one. */
double sk_opt_horizon(const struct sk_opts *o, const char *arg, int discrete);

/* The time units of --unit (DESIGN.md), ending with a NULL name. */
struct sk_unit {
	const char *name, *plural;
	double days;
};
extern const struct sk_unit sk_units[];
/* Set o's unit by name; -1 when name is not a unit. */
int sk_opts_set_unit(struct sk_opts *o, const char *name);

#endif
