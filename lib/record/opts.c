/* opts.c: getopt_long over the common table plus the program's own. */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <csv.h>
#include <gsl/gsl_version.h>
#include <jansson.h>
#include <zlib.h>
#include <bzlib.h>
#include <lzma.h>
#include <zstd.h>

#include "date.h"
#include "num.h"
#include "util.h"

enum {
	O_ICSV = 1000, O_ITSV, O_IJSONL, O_OCSV, O_OTSV, O_OJSONL, O_OJSON, O_IFS, O_OFS, O_HEADER, O_NOHEADEROUT, O_CSV, O_TSV,
	O_JSONL, O_ID, O_DATE, O_AMOUNT, O_ORDER, O_EVENT, O_DATEFMT, O_ASOF,
	O_HOLDOUT, O_UNIT, O_SKIPBAD, O_PROGRESS, O_NOPROGRESS, O_DECCOMMA,
	O_THOUSANDS, O_CURRENCY, O_ODECCOMMA, O_DAYFIRST, O_MONTHFIRST, O_TZ, O_NULLAMT,
	O_DELIM = 'd', O_OUTPUT = 'o', O_HELP = 'h', O_VERSION = 'V',
};

static const struct option common[] = {
	{ "icsv", no_argument, 0, O_ICSV },
	{ "itsv", no_argument, 0, O_ITSV },
	{ "ijsonl", no_argument, 0, O_IJSONL },
	{ "ocsv", no_argument, 0, O_OCSV },
	{ "otsv", no_argument, 0, O_OTSV },
	{ "ojsonl", no_argument, 0, O_OJSONL },
	{ "ojson", no_argument, 0, O_OJSON },
	{ "ifs", required_argument, 0, O_IFS },
	{ "ofs", required_argument, 0, O_OFS },
	{ "header", required_argument, 0, O_HEADER },
	{ "no-header-out", no_argument, 0, O_NOHEADEROUT },
	{ "csv", no_argument, 0, O_CSV },
	{ "tsv", no_argument, 0, O_TSV },
	{ "jsonl", no_argument, 0, O_JSONL },
	{ "delimiter", required_argument, 0, O_DELIM },
	{ "output", required_argument, 0, O_OUTPUT },
	{ "id", required_argument, 0, O_ID },
	{ "date", required_argument, 0, O_DATE },
	{ "amount", required_argument, 0, O_AMOUNT },
	{ "order", required_argument, 0, O_ORDER },
	{ "event", required_argument, 0, O_EVENT },
	{ "date-format", required_argument, 0, O_DATEFMT },
	{ "as-of", required_argument, 0, O_ASOF },
	{ "holdout-start", required_argument, 0, O_HOLDOUT },
	{ "unit", required_argument, 0, O_UNIT },
	{ "skip-bad", no_argument, 0, O_SKIPBAD },
	{ "progress", no_argument, 0, O_PROGRESS },
	{ "no-progress", no_argument, 0, O_NOPROGRESS },
	{ "decimal-comma", no_argument, 0, O_DECCOMMA },
	{ "thousands", no_argument, 0, O_THOUSANDS },
	{ "currency", no_argument, 0, O_CURRENCY },
	{ "odecimal-comma", no_argument, 0, O_ODECCOMMA },
	{ "dayfirst", no_argument, 0, O_DAYFIRST },
	{ "monthfirst", no_argument, 0, O_MONTHFIRST },
	{ "tz", required_argument, 0, O_TZ },
	{ "null-amount", required_argument, 0, O_NULLAMT },
	{ "help", no_argument, 0, O_HELP },
	{ "version", no_argument, 0, O_VERSION },
};
#define NCOMMON (sizeof common / sizeof common[0])

static const char common_help[] =
	"\nInput and output (every program):\n"
	"  FILE...              inputs, plain or compressed (gzip, zstd, bzip2, xz);\n"
	"                       none or - reads standard input\n"
	"  --icsv --itsv --ijsonl  input format (default: detected)\n"
	"  --ocsv --otsv --ojsonl  output format (default: the input's)\n"
	"  --ojson              JSON output as one array of records (as Miller's\n"
	"                       --ojson); --ojsonl writes one record a line\n"
	"  --csv --tsv --jsonl  both formats\n"
	"  -d, --delimiter C    CSV delimiter: a character, or tab\n"
	"  --ifs C, --ofs C     the delimiter of the input, of the output (-d: both)\n"
	"  --header NAMES       the input has no header line: its columns are NAMES\n"
	"                       (comma-separated: customer_id,date,amount)\n"
	"  --no-header-out      write CSV or TSV without the header line\n"
	"  -o, --output FILE    write FILE atomically instead of standard output\n"
	"  --id COL --date COL --amount COL --order COL --event COL\n"
	"                       column names (customer_id date amount order_id event)\n"
	"  --null-amount A      a purchase whose amount is empty, NULL or \\N: error\n"
	"                       (default), skip the row, or zero (count it as 0)\n"
	"  --date-format FMT    strptime format for dates\n"
	"  --dayfirst           read DD/MM/YYYY, D/M/YYYY, DD-MM-YYYY, DD.MM.YYYY\n"
	"  --monthfirst         read MM/DD/YYYY, M/D/YYYY (12/1/2010 8:26)\n"
	"  --tz ZONE            date-times with a UTC offset (psql's\n"
	"                       2024-01-01 23:30:00-05) are dated by their day in\n"
	"                       ZONE (Europe/London, UTC, ...); default: as written\n"
	"  --as-of DATE         end of observation (default: the latest date; or today)\n"
	"  --holdout-start DATE observation ends the day before DATE\n"
	"  --unit U             day, week, month (30.4375 days) or year (365.25 days);\n"
	"                       default: the customer records' own unit, else day\n"
	"  --skip-bad           report and skip bad rows instead of stopping\n"
	"  --decimal-comma      numbers in the data have a decimal comma (12,50)\n"
	"  --thousands          accept thousands separators (1.250.000,00 with\n"
	"                       --decimal-comma, 1,250,000.00 without)\n"
	"  --currency           strip a currency symbol or code (Rp, $, EUR ...)\n"
	"  --odecimal-comma     write computed numbers with a decimal comma (CSV\n"
	"                       and TSV; with -d , they are quoted: use -d ';')\n"
	"  --progress, --no-progress\n"
	"                       force or turn off the progress meter on standard\n"
	"                       error (default: on a terminal, for long inputs)\n"
	"  -h, --help           this help\n"
	"  -V, --version        version and library versions\n"
	"\nExit status: 0 ok, 64 usage, 65 bad data, 66 input missing,\n"
	"70 internal error, 73 cannot create output, 74 I/O error.\n";

/* After --help or --version: a failed write is an I/O error like any
 * other, with its message (> /dev/full). */
static _Noreturn void exit_flushed(void *held)
{
	free(held);	/* nothing left allocated at exit (valgrind) */
	if (fflush(stdout) || ferror(stdout))
		sk_die(SK_EX_IOERR, "write error: %s", strerror(errno));
	exit(0);
}

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", sk_progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", sk_progname);
	exit(SK_EX_USAGE);
}

/* A delimiter option: one character (not a quote or a line break), or
 * tab. */
static char delimiter(const char *optname, const char *arg)
{
	if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
		return '\t';
	if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
		return arg[0];
	char msg[120];
	snprintf(msg, sizeof msg, "--%s: \"%%s\" is not one character or tab", optname);
	usage_error(msg, arg);
}

long sk_opt_date(const struct sk_opts *o, const char *optname, const char *arg)
{
	long d;
	if (strcmp(arg, "today") == 0) {
		time_t now = time(NULL);
		struct tm tm;
		/* today in the zone of --tz, else in UTC */
		if (o->tz && localtime_r(&now, &tm))
			return sk_days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1, tm.tm_mday);
		return (long)(now / 86400);
	}
	if (sk_date_read(o, arg, strlen(arg), &d) &&
	    sk_date_parse(arg, strlen(arg), NULL, &d)) {
		char msg[160];
		snprintf(msg, sizeof msg, "--%s: cannot parse date \"%%s\"", optname);
		usage_error(msg, arg);
	}
	return d;
}

double sk_opt_num(const char *optname, const char *arg, double lo, double hi)
{
	double v;
	if (sk_num_parse(arg, strlen(arg), &v) || v < lo || v > hi) {
		char msg[200];
		snprintf(msg, sizeof msg, "--%s: \"%%s\" is not a number from %g to %g",
			 optname, lo, hi);
		usage_error(msg, arg);
	}
	return v;
}

double sk_opt_fraction(const char *optname, const char *arg)
{
	double v;
	size_t n = strlen(arg);
	int pct = n > 1 && arg[n - 1] == '%';
	if (sk_num_parse(arg, n - (size_t)pct, &v) == 0) {
		if (pct)
			v /= 100;
		if (v >= 0 && v <= 1)
			return v;
	}
	/* "--margin 30" meant 30 %: read as 30 (3,000 %), it would give a
	 * plausible-looking wrong value, so it is refused with the fix.  msg
	 * is usage_error's format: a percent sign in it is written %%. */
	char msg[240];
	if (!pct && sk_num_parse(arg, n, &v) == 0 && v > 1 && v <= 100)
		snprintf(msg, sizeof msg, "--%s: \"%%s\" is not a fraction from 0 to 1; for %g %%%% "
			 "write %g or %g%%%%", optname, v, v / 100, v);
	else
		snprintf(msg, sizeof msg, "--%s: \"%%s\" is not a fraction from 0 to 1 (or a "
			 "percentage such as 30%%%%)", optname);
	usage_error(msg, arg);
}

const struct sk_unit sk_units[] = {
	{ "day", "days", 1 }, { "week", "weeks", 7 },
	{ "month", "months", 30.4375 }, { "year", "years", 365.25 }, { NULL, NULL, 0 },
};

int sk_opts_set_unit(struct sk_opts *o, const char *name)
{
	for (const struct sk_unit *u = sk_units; u->name; u++)
		if (strcmp(u->name, name) == 0) {
			o->unit_name = u->name;
			o->unit_days = u->days;
			return 0;
		}
	return -1;
}

double sk_opt_horizon(const struct sk_opts *o, const char *arg, int discrete)
{
	/* A discrete model counts opportunities: its default "1y" is one,
	 * and any other horizon is a plain count. */
	if (discrete)
		return strcmp(arg, "1y") == 0 ? 1 : sk_opt_num("horizon", arg, 0, 1e6);
	return sk_opt_duration(o, "horizon", arg) / o->unit_days;
}

double sk_opt_share(const char *optname, const char *arg, double lo, double hi)
{
	size_t n = strlen(arg);
	double v;
	int pct = n > 0 && arg[n - 1] == '%';
	if (sk_num_parse(arg, n - (size_t)pct, &v) || (pct && (v /= 100, 0)) || v < lo ||
	    v > hi) {
		char msg[200];
		snprintf(msg, sizeof msg, "--%s: \"%%s\" is not a share from %g%%%% to %g%%%% "
			 "(10%%%% or 0.1)", optname, 100 * lo, 100 * hi);
		usage_error(msg, arg);
	}
	return v;
}

double sk_opt_duration(const struct sk_opts *o, const char *optname, const char *arg)
{
	double d, bare;
	if (sk_duration_parse(arg, o->unit_days, &d)) {
		char msg[200];
		snprintf(msg, sizeof msg, "--%s: \"%%s\" is not a duration (90d, 39w, 6m, 1y)",
			 optname);
		usage_error(msg, arg);
	}
	/* "--horizon 12" is 12 days on day records, though months were as
	 * likely meant (issue 17 sweep): a bare number is read in the unit,
	 * and said so once per option.  The unit is not named: records may
	 * still change it (sk_customers_read). */
	static const char *warned[8];
	if (d > 0 && sk_num_parse(arg, strlen(arg), &bare) == 0) {
		size_t k = 0;
		while (k < 8 && warned[k] && strcmp(warned[k], optname) != 0)
			k++;
		if (k < 8 && !warned[k]) {
			warned[k] = optname;
			sk_warn("--%s %s: a bare number is in the records' unit (--unit); write "
				"%sd, %sw or %sm to say days, weeks or months", optname, arg, arg, arg,
				arg);
		}
	}
	return d;
}

void sk_opt_backtest(struct sk_opts *o, const char *arg)
{
	if (!arg)
		return;
	if (strcmp(arg, "auto") == 0) {
		o->backtest_days = -1;
		return;
	}
	o->backtest_days = sk_opt_duration(o, "backtest", arg);
	if (!(o->backtest_days >= 1))
		usage_error("--backtest: \"%s\" is shorter than a day", arg);
}

void sk_parse_args(struct sk_opts *o, int argc, char **argv, const char *usage,
		   const struct sk_opt *own, sk_opt_fn fn, void *ctx)
{
	size_t nown = 0;
	char shorts[128] = "+d:o:hV";
	const char *slash = strrchr(argv[0], '/');
	sk_progname = slash ? slash + 1 : argv[0];

	while (own && own[nown].name)
		nown++;
	struct option *lo = sk_xcalloc(NCOMMON + nown + 1, sizeof *lo);
	memcpy(lo, common, sizeof common);
	for (size_t i = 0; i < nown; i++) {
		lo[NCOMMON + i].name = own[i].name;
		lo[NCOMMON + i].has_arg = own[i].has_arg;
		lo[NCOMMON + i].val = 2000 + (int)i;
		if (own[i].shortopt) {
			size_t l = strlen(shorts);
			shorts[l] = (char)own[i].shortopt;
			shorts[l + 1] = own[i].has_arg ? ':' : 0;
			shorts[l + 2] = 0;
		}
	}
	/* "+" above is replaced: permute arguments so FILE may come first. */
	shorts[0] = ':';
	/* Dates are parsed after the loop, so --date-format applies to
	 * --as-of wherever it stands on the command line. */
	const char *asof_arg = NULL, *holdout_arg = NULL;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (c) {
		case O_ICSV: o->ifmt = SK_FMT_CSV; break;
		case O_ITSV: o->ifmt = SK_FMT_TSV; break;
		case O_IJSONL: o->ifmt = SK_FMT_JSONL; break;
		case O_OCSV: o->ofmt = SK_FMT_CSV; break;
		case O_OTSV: o->ofmt = SK_FMT_TSV; break;
		case O_OJSONL: o->ofmt = SK_FMT_JSONL; o->ojson_array = 0; break;
		case O_OJSON: o->ofmt = SK_FMT_JSONL; o->ojson_array = 1; break;
		case O_CSV: o->ifmt = o->ofmt = SK_FMT_CSV; break;
		case O_TSV: o->ifmt = o->ofmt = SK_FMT_TSV; break;
		case O_JSONL: o->ifmt = o->ofmt = SK_FMT_JSONL; break;
		case O_DELIM:
			o->delim = delimiter("delimiter", optarg);
			break;
		case O_IFS:
			o->delim = delimiter("ifs", optarg);
			break;
		case O_OFS:
			o->odelim = delimiter("ofs", optarg);
			break;
		case O_HEADER:
			o->header = optarg;
			break;
		case O_NOHEADEROUT:
			o->no_header_out = 1;
			break;
		case O_OUTPUT: o->output = optarg; break;
		case O_ID: o->col_id = optarg; o->cols_given |= SK_COL_ID; break;
		case O_DATE: o->col_date = optarg; o->cols_given |= SK_COL_DATE; break;
		case O_AMOUNT: o->col_amount = optarg; o->cols_given |= SK_COL_AMOUNT; break;
		case O_ORDER: o->col_order = optarg; o->cols_given |= SK_COL_ORDER; break;
		case O_EVENT: o->col_event = optarg; o->cols_given |= SK_COL_EVENT; break;
		case O_DATEFMT: o->date_format = optarg; break;
		case O_ASOF: asof_arg = optarg; break;
		case O_HOLDOUT: holdout_arg = optarg; break;
		case O_UNIT:
			if (sk_opts_set_unit(o, optarg))
				usage_error("--unit: \"%s\" is not day, week, month or year", optarg);
			o->unit_given = 1;
			break;
		case O_SKIPBAD: o->skip_bad = 1; break;
		case O_PROGRESS: o->progress = SK_PROGRESS_ON; break;
		case O_NOPROGRESS: o->progress = SK_PROGRESS_OFF; break;
		case O_DECCOMMA: o->decimal_comma = 1; break;
		case O_THOUSANDS: o->thousands = 1; break;
		case O_CURRENCY: o->currency = 1; break;
		case O_ODECCOMMA: o->odecimal_comma = 1; break;
		case O_NULLAMT:
			if (strcmp(optarg, "skip") == 0)
				o->null_amount = SK_NULL_AMOUNT_SKIP;
			else if (strcmp(optarg, "zero") == 0)
				o->null_amount = SK_NULL_AMOUNT_ZERO;
			else if (strcmp(optarg, "error") == 0)
				o->null_amount = SK_NULL_AMOUNT_ERROR;
			else
				usage_error("--null-amount: \"%s\" is not error, skip or zero", optarg);
			break;
		case O_TZ:
			if (sk_date_tz(optarg))
				usage_error("--tz: unknown time zone \"%s\" (an IANA name such as "
					    "Europe/London, or UTC)", optarg);
			o->tz = optarg;
			break;
		case O_DAYFIRST:
		case O_MONTHFIRST: {
			enum sk_date_order want = c == O_DAYFIRST ? SK_DATE_DAYFIRST
								  : SK_DATE_MONTHFIRST;
			if (o->date_order && o->date_order != want)
				usage_error("%s", "--dayfirst and --monthfirst exclude each other");
			o->date_order = want;
			break;
		}
		case O_HELP:
			fputs(usage, stdout);
			fputs(common_help, stdout);
			exit_flushed(lo);
		case O_VERSION:
			/* The decompressors as linked, which is what reads the
			 * input, not as compiled against. */
			printf("%s (siklus) %s\nlibcsv %d.%d.%d, jansson %s, GSL %s, "
			       "zlib %s, zstd %s, bzip2 %.*s, xz %s\n",
			       sk_progname, SK_VERSION, CSV_MAJOR, CSV_MINOR, CSV_RELEASE,
			       JANSSON_VERSION, GSL_VERSION, zlibVersion(),
			       ZSTD_versionString(),
			       /* "1.0.8, 13-Jul-2019": the number only */
			       (int)strcspn(BZ2_bzlibVersion(), ","), BZ2_bzlibVersion(),
			       lzma_version_string());
			exit_flushed(lo);
		case ':':
			usage_error("option %s needs a value", argv[optind - 1]);
		case '?':
			usage_error("unknown option %s", argv[optind - 1]);
		default:
			if (c >= 2000 && c < 2000 + (int)nown) {
				fn(own[c - 2000].id, optarg, ctx);
				break;
			}
			/* a short own option */
			for (size_t i = 0; i < nown; i++)
				if (own[i].shortopt == c) {
					fn(own[i].id, optarg, ctx);
					goto next;
				}
			usage_error("unknown option %s", argv[optind - 1]);
		next:
			break;
		}
	}
	free(lo);
	/* A format string already fixes the order of the fields; taking one
	 * of the two silently would read some dates wrongly. */
	if (o->date_format && o->date_order)
		usage_error("--date-format \"%s\" and --dayfirst/--monthfirst exclude "
			    "each other", o->date_format);
	if (asof_arg) {
		o->has_as_of = 1;
		o->as_of = sk_opt_date(o, "as-of", asof_arg);
	}
	if (holdout_arg) {
		long holdout = sk_opt_date(o, "holdout-start", holdout_arg);
		if (o->has_as_of && o->as_of != holdout - 1)
			usage_error("--holdout-start %s disagrees with --as-of", holdout_arg);
		o->has_as_of = 1;
		o->as_of = holdout - 1;
	}
	static const char *stdin_only[] = { "-", NULL };
	if (optind >= argc) {
		o->files = stdin_only;
		o->nfiles = 1;
	} else {
		o->files = (const char **)argv + optind;
		o->nfiles = (size_t)(argc - optind);
	}
}
