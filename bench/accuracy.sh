#!/bin/sh
# make accuracy: the decisions of churn, clv and winback judged on the
# three real data sets of ../shared/data (not part of make check: the
# data are not in the repository).  Standard splits (../shared/data/README.md):
#   CDNOW sample, CDNOW master: calibration to 1997-09-30, 39-week
#     holdout, unit week;
#   Online Retail: rows without a CustomerID dropped, amount = Quantity x
#     UnitPrice (cancellations are refunds), calibration to 2011-06-30,
#     holdout to 2011-12-09 (162 days), unit day.
# Only customers whose first purchase is in the calibration period are
# judged; "came back" = at least one holdout purchase.  summarize
# --holdout-start counts the holdout into holdout_* columns, which no
# model reads, so nothing after the cut reaches a prediction.
# Prints one Markdown table; DATA=DIR names another copy of the data.
# The pieces shared with bench/crosscut.sh (make crosscut, the same
# measures at other splits) are in bench/acclib.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
me=accuracy
w=build/accuracy
. bench/acclib.sh
find_data
make_logs

# set_data NAME: the split of one data set.
set_data() {
	case $1 in
	sample|master) hs=1997-10-01 unit=week hz=39w dopt= ;;
	retail) hs=2011-07-01 unit=day hz=162d dopt=--monthfirst ;;
	esac
}

: > $w/cells
: > $w/log
for d in sample master retail; do
	set_data $d
	echo "accuracy: $d" >&2
	models="default bgnbd pnbd mbgnbd bgcnbd mbgcnbd auto learned learned-bgnbd learned-pnbd learned-auto"
	if [ $d = retail ]; then models="$models learned+returns"; fi
	judge_split $d $d $models
done

table $w/cells "sample=CDNOW sample" "master=CDNOW master" "retail=Online Retail"
