#!/bin/sh
# make crosscut: do the defaults hold issue 16's targets at other splits
# of the real data than make accuracy's standard ones (issue 16, "we also
# judge on real data you do not have")?  The same measures as
# bench/accuracy.sh (the functions of bench/acclib.sh), on the defaults
# as accuracy.sh runs its "learned" rows (summarize --backtest auto
# --holdout-start ... | churn | clv) and the peers pnbd, bgnbd and
# mbgnbd, at these splits (holdout to the end of the data):
#   CDNOW sample, master: calibration to 1997-06-30 (365-day holdout),
#     1997-09-30 (the standard 39 weeks), 1997-12-31 (181 days); week;
#   Online Retail: calibration to 2011-03-31 (253-day holdout),
#     2011-06-30 (the standard 162 days), 2011-08-31 (100 days); day.
# The horizon is the holdout's length in days, so a split's forecast
# covers exactly its holdout.  Prints one Markdown table: a column per
# split, a row per target with its figures and verdict (ok, or FAIL);
# FULL=1 also prints every measure of accuracy.sh per split.
# SPLITS="sample-0630 retail-0831" runs only those.  Not part of make
# check: the data are not in the repository (skipped when absent).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
me=crosscut
w=build/crosscut
. bench/acclib.sh
find_data

all="sample-0630 sample-0930 sample-1231 master-0630 master-0930 master-1231 retail-0331 retail-0630 retail-0831"
splits=${SPLITS:-$all}

# set_split SPLIT: log, holdout start, unit, horizon, date option, title.
set_split() {
	case $1 in
	sample-*|master-*) unit=week dopt= ;;
	retail-*) unit=day dopt=--monthfirst ;;
	*) echo "$me: unknown split \"$1\" (one of: $all)" >&2; exit 64 ;;
	esac
	log=${1%-*}
	# hs the holdout's first day, ce the calibration's last
	case $1 in
	*-0630) case $log in
		retail) hs=2011-07-01 ce=2011-06-30 hz=162d ;;
		*) hs=1997-07-01 ce=1997-06-30 hz=365d ;;
		esac ;;
	*-0930) hs=1997-10-01 ce=1997-09-30 hz=39w ;;
	*-1231) hs=1998-01-01 ce=1997-12-31 hz=181d ;;
	*-0331) hs=2011-04-01 ce=2011-03-31 hz=253d ;;
	*-0831) hs=2011-09-01 ce=2011-08-31 hz=100d ;;
	*) echo "$me: unknown split \"$1\" (one of: $all)" >&2; exit 64 ;;
	esac
	std=
	case $1 in sample-0930|master-0930|retail-0630) std=" (std)" ;; esac
	title="$log to $ce$std"
}
for s in $splits; do set_split $s; done

# cell SPLIT ROW: a cell of accuracy.sh's measures.
cell() { awk -F '\t' -v r="$2" -v s="$1" '$1 == r && $2 == s { print $3 }' $w/cells; }
# v SPLIT ROW VALUE: one cell of the table of targets.
v() { printf '%s\t%s\t%s\n' "$2" "$1" "$3" >> $w/targets; }
# ok COND: the verdict of an awk condition.
ok() { awk "BEGIN { print ($1) ? \"ok\" : \"FAIL\" }"; }

# targets SPLIT: issue 16's targets from the cells of SPLIT.
targets() {
	s=$1
	v $s "customers; came back" "$(cell $s "customers (first purchase in calibration)"); $(cell $s "came back (holdout purchase)")"
	a=$(cell $s "learned: AUC of p_return")
	r=$(cell $s "AUC, recency rule (time since last purchase)")
	fr=$(cell $s "AUC, frequency rule")
	b=$(awk -v r="$r" -v f="$fr" 'BEGIN { printf "%.3f", (r > f ? r : f) }')
	# With its bootstrap standard error: a few thousand customers move
	# an AUC by 0.01 through chance alone.
	se=$(f3 "$($E $w/$s.learned.churn aucse p_return holdout_frequency)")
	v $s "AUC of p_return (± bootstrap SE) >= the better rule (recency, frequency)" \
		"$a ± $se vs $b: $(ok "$a >= $b")"
	e=$(cell $s "learned: ECE of p_return (10 bins)")
	v $s "ECE of p_return <= 0.05" "$e: $(ok "$e <= 0.05")"
	# What of the ECE is the level alone: every bin off the same way
	# when the holdout is busier (or quieter) than the calibration.
	v $s "(mean p_return vs came back)" \
		"$(f3 "$($E $w/$s.learned.churn mean p_return)") vs $(cell $s "came back (holdout purchase)")"
	set -- $(cell $s "learned: came back, churned vs kept")
	v $s "came back, churned < kept" "$1 vs $3: $(ok "$1 < $3")"
	bias=$(cell $s "learned: holdout total, predicted vs actual")
	v $s "holdout total of expected_purchases within ±15 %" "$bias: $(ok "${bias% %} >= -15 && ${bias% %} <= 15")"
	med=$(cell $s "learned: per-customer MAE of median_purchases")
	best= bm=
	for m in pnbd bgnbd mbgnbd; do
		x=$(cell $s "$m: per-customer MAE")
		if [ -z "$best" ] || awk "BEGIN { exit !($x < $best) }"; then best=$x bm=$m; fi
	done
	v $s "MAE of median_purchases < best peer's MAE of expected_purchases" "$med vs $best ($bm): $(ok "$med < $best")"
	for k in "log" "pipeline (summarize --backtest, churn, clv, winback)"; do
		lab=${k%% *}
		set -- $(cell $s "winback $k: mean winback_prob vs came back (offers)")
		if [ "$1" = no ]; then
			v $s "winback $lab: mean winback_prob within ±25 % of came back (offers)" "no offers"
			v $s "winback $lab: top-decile lift (cap 1 / rate)" "-"
			continue
		fi
		d=$(awk -v p="$1" -v y="$3" 'BEGIN { printf "%+.0f", 100 * (p / y - 1) }')
		v $s "winback $lab: mean winback_prob within ±25 % of came back (offers)" \
			"$1 vs $3 $4, $d %: $(ok "$d >= -25 && $d <= 25")"
		v $s "winback $lab: top-decile lift (cap 1 / rate)" \
			"$(cell $s "winback $k: top-decile lift by winback_prob (± bootstrap SE)") (cap $(cell $s "winback $k: lift cap (1 / came-back rate of the offers)"))"
	done
	c=$(cell $s "learned: Spearman(clv, holdout spend)")
	p=$(cell $s "Spearman(past spend, holdout spend)")
	v $s "Spearman(clv, holdout spend) >= Spearman(past spend, holdout spend)" "$c vs $p: $(ok "$c >= $p")"
}

make_logs
: > $w/cells
: > $w/targets
: > $w/log
cols=
for s in $splits; do
	set_split $s
	echo "$me: $s" >&2
	echo "== $s" >> $w/log
	judge_split $s $log learned pnbd bgnbd mbgnbd
	targets $s
	cols="$cols
$s=$title"
done
# The split names hold no blanks; the titles do.
IFS='
'
table $w/targets $cols
if [ "${FULL:-0}" = 1 ]; then
	echo
	table $w/cells $cols
fi
