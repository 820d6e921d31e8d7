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
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
data=${DATA:-}
if [ -z "$data" ]; then
	for d in "$top/../shared/data" "$top/../../shared/data"; do
		[ -f "$d/CDNOW_sample.txt" ] && { data=$d; break; }
	done
fi
if [ -z "$data" ] || [ ! -f "$data/CDNOW_sample.txt" ] || [ ! -f "$data/CDNOW_master.txt" ] ||
	[ ! -f "$data/online_retail.csv.gz" ]; then
	echo "accuracy: skipped: the reference data (../shared/data, or DATA=DIR) is not here"
	exit 0
fi
command -v mlr > /dev/null || { echo "accuracy: needs miller (mlr)" >&2; exit 69; }
B=$top/bin
# The evaluator, built by make accuracy with the library's own flags.
E=${ACCEVAL:-build/std/bench/acceval}
[ -x "$E" ] || { echo "accuracy: $E missing; run make accuracy" >&2; exit 69; }
w=build/accuracy
mkdir -p $w

# The logs as plain CSV: customer_id,date,amount,quantity (the CDs of a
# CDNOW row, the Quantity of an Online Retail line: summarize's
# first_quantity, which winback keeps where it earns its place).
tr -d '\r' < "$data/CDNOW_sample.txt" |
	awk 'BEGIN { print "customer_id,date,amount,quantity" } NF == 5 { print $2 + 0 "," $3 "," $5 "," $4 }' > $w/sample.log
tr -d '\r' < "$data/CDNOW_master.txt" |
	awk 'BEGIN { print "customer_id,date,amount,quantity" } NR > 1 && NF == 4 { print $1 + 0 "," $2 "," $4 "," $3 }' > $w/master.log
gzip -dc "$data/online_retail.csv.gz" |
	mlr --icsv --ocsv filter 'is_not_empty($CustomerID)' \
	then put '$customer_id = $CustomerID; $date = $InvoiceDate; $amount = fmtnum($Quantity * $UnitPrice, "%.4f"); $quantity = $Quantity' \
	then cut -o -f customer_id,date,amount,quantity > $w/retail.log
# The same with a return event for each cancelled invoice (InvoiceNo
# C...), besides its refund rows: the risk signals of the learned layer
# (issue 19), judged in the rows "learned+returns".
gzip -dc "$data/online_retail.csv.gz" |
	mlr --icsv --ocsv filter 'is_not_empty($CustomerID) && $InvoiceNo =~ "^C"' \
	then head -n 1 -g InvoiceNo \
	then put '$customer_id = $CustomerID; $date = $InvoiceDate; $amount = ""; $quantity = ""; $event = "return"' \
	then cut -o -f customer_id,date,amount,quantity,event > $w/returns.csv
{ awk 'NR == 1 { print $0 ",event"; next } { print $0 "," }' $w/retail.log
  tail -n +2 $w/returns.csv; } > $w/retail-r.log

# set_data NAME: the split of one data set.
set_data() {
	case $1 in
	sample|master) hs=1997-10-01 unit=week hz=39w dopt= ;;
	retail) hs=2011-07-01 unit=day hz=162d dopt=--monthfirst ;;
	esac
}

# with_backtest NAME: the customers with the columns of summarize
# --backtest auto (each customer as of a cut a third of the span before
# the end of calibration, and the purchases after it), what churn's
# learned layer and winback learn from in a pipeline of records.
with_backtest() {
	$B/summarize $dopt --holdout-start $hs --unit $unit --litt --backtest auto $w/$1.log |
		mlr --icsv --ocsv filter 'is_not_empty($frequency)'
}

# put NAME ROW VALUE: one cell of the table.
put() { printf '%s\t%s\t%s\n' "$2" "$1" "$3" >> $w/cells; }
f3() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "-nan") print "n/a"; else printf "%.3f", x }'; }
f4() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "-nan") print "n/a"; else printf "%.4f", x }'; }
pct() { awk -v x="$1" 'BEGIN { printf "%+.1f %%", 100 * x }'; }
vs() { set -- $1; echo "$(f3 "$1") vs $(f3 "$2")"; }
has_col() { head -1 "$1" | tr ',' '\n' | grep -qx "$2"; }

# winback_cells NAME LABEL FILE: calibration, lift and spread of the offers.
winback_cells() {
	n=$($E -e "$3" n winback_prob)
	if [ "$n" = 0 ]; then
		put "$1" "winback $2: mean winback_prob vs came back (offers)" "no offers"
		put "$1" "winback $2: top-decile lift by winback_prob (± bootstrap SE)" "-"
		put "$1" "winback $2: lift cap (1 / came-back rate of the offers)" "-"
		put "$1" "winback $2: AUC of winback_prob among the offers (± bootstrap SE)" "-"
		put "$1" "winback $2: one-time buyers among the offers" "-"
		put "$1" "winback $2: distinct winback_prob" "-"
		return
	fi
	put "$1" "winback $2: mean winback_prob vs came back (offers)" \
		"$(f3 "$($E -e "$3" mean winback_prob)") vs $(f3 "$($E -e "$3" rate holdout_frequency)") ($n)"
	# Each with its bootstrap standard error over the offers: with a
	# few hundred offers (Online Retail) a lift moves by 0.1 or more
	# through chance alone.
	put "$1" "winback $2: top-decile lift by winback_prob (± bootstrap SE)" \
		"$(awk -v x="$($E -e "$3" lift winback_prob holdout_frequency)" \
			-v s="$($E -e "$3" liftse winback_prob holdout_frequency)" 'BEGIN { printf "%.2f ± %.2f", x, s }')"
	# The top tenth cannot come back more than all of it: lift <= 1 /
	# rate (Online Retail: about half the offers come back, so 2 is out
	# of reach whatever the probability).
	put "$1" "winback $2: lift cap (1 / came-back rate of the offers)" \
		"$(awk -v x="$($E -e "$3" rate holdout_frequency)" 'BEGIN { printf "%.2f", 1 / x }')"
	put "$1" "winback $2: AUC of winback_prob among the offers (± bootstrap SE)" \
		"$(f3 "$($E -e "$3" auc winback_prob holdout_frequency)") ± $(f3 "$($E -e "$3" aucse winback_prob holdout_frequency)")"
	put "$1" "winback $2: one-time buyers among the offers" \
		"$(f3 "$(mlr --icsv --onidx filter 'is_not_empty($winback_prob)' \
			then put '$one = $frequency == 0 ? 1 : 0' then stats1 -a mean -f one "$3")")"
	put "$1" "winback $2: distinct winback_prob" "$($E -e "$3" distinct winback_prob)"
	put "$1" "winback $2: winback_basis" "$(mlr --icsv --onidx count-distinct -f winback_basis "$3" | tr '\n' ' ' | sed 's/ $//')"
}

: > $w/cells
: > $w/log
for d in sample master retail; do
	set_data $d
	echo "accuracy: $d" >&2
	$B/summarize $dopt --holdout-start $hs --unit $unit --litt $w/$d.log |
		mlr --icsv --ocsv filter 'is_not_empty($frequency)' then put '$away = $T - $recency' > $w/$d.cust
	put $d "customers (first purchase in calibration)" "$($E $w/$d.cust n frequency)"
	put $d "came back (holdout purchase)" "$(f3 "$($E $w/$d.cust rate holdout_frequency)")"
	put $d "AUC, recency rule (time since last purchase)" "$(f3 "$($E $w/$d.cust auc -away holdout_frequency)")"
	put $d "AUC, frequency rule" "$(f3 "$($E $w/$d.cust auc frequency holdout_frequency)")"
	# The models on the records alone, then with the learned layer of
	# churn (when it has one), which learns from the backtest columns.
	# The records carry litt (and backtest_litt) as churn makes them on
	# a log, so bgcnbd and mbgcnbd can be fitted and auto tries them.
	with_backtest $d > $w/$d.bt
	models="default bgnbd pnbd mbgnbd bgcnbd mbgcnbd auto learned learned-bgnbd learned-pnbd learned-auto"
	if [ $d = retail ]; then
		with_backtest retail-r > $w/retail-r.bt
		models="$models learned+returns"
	fi
	for m in $models; do
		case $m in
		learned+returns) mt= in=$w/retail-r.bt ;;
		default) mt= in=$w/$d.cust ;;
		learned) mt= in=$w/$d.bt ;;
		learned-auto) mt="--model-type auto" in=$w/$d.bt ;;
		learned-*) mt="--model-type ${m#learned-}" in=$w/$d.bt ;;
		*) mt="--model-type $m" in=$w/$d.cust ;;
		esac
		# churn writes median_purchases by default (the forecast for
		# absolute error; expected_purchases is the mean).
		$B/churn $mt --unit $unit --horizon $hz $in > $w/$d.$m.churn 2>> $w/log
		$B/clv $mt --unit $unit --horizon $hz $w/$d.$m.churn > $w/$d.$m.clv 2>> $w/log
		f=$w/$d.$m.churn
		p=p_alive
		has_col $f p_return && p=p_return
		put $d "$m: AUC of $p" "$(f3 "$($E $f auc $p holdout_frequency)")"
		put $d "$m: ECE of $p (10 bins)" "$(f3 "$($E $f ece $p holdout_frequency)")"
		put $d "$m: holdout total, predicted vs actual" "$(pct "$($E $f bias expected_purchases holdout_frequency)")"
		put $d "$m: per-customer MAE" "$(f4 "$($E $f mae expected_purchases holdout_frequency)")"
		put $d "$m: per-customer RMSE" "$(f4 "$($E $f rmse expected_purchases holdout_frequency)")"
		# The proper score for a mean count: the Poisson deviance.
		put $d "$m: per-customer Poisson deviance" "$(f4 "$($E $f poisdev expected_purchases holdout_frequency)")"
		if has_col $f median_purchases; then
			put $d "$m: per-customer MAE of median_purchases" \
				"$(f4 "$($E $f mae median_purchases holdout_frequency)")"
		fi
		# MAE = mean expected of those who stayed away + the error on
		# those who came back: a mean forecast that spreads less than
		# the truth pays on the first.
		put $d "$m: mean expected_purchases, came back vs stayed away" \
			"$(vs "$($E $f means expected_purchases holdout_frequency)")"
		put $d "$m: came back, churned vs kept" "$(vs "$($E $f rates churned holdout_frequency)")"
		put $d "$m: Spearman(clv, holdout spend)" "$(f3 "$($E $w/$d.$m.clv spearman clv holdout_spend)")"
		# On records with the backtest columns clv learns churn's layer
		# for its own model (MBG/NBD by default then) and scales its
		# discounted transactions by it, and learns the spend per
		# transaction from the spend as of the cut (layer+spend); beside
		# it the layer with Gamma-Gamma's spend (--no-learn-spend) and
		# clv --no-learn, with --evaluate's holdout spend total and MAE
		# of each, and how each expected_spend ranks the spend per
		# transaction of those who came back.
		if [ $m = learned ]; then
			for v in layer+spend layer no-learn; do
				nl=
				case $v in layer) nl=--no-learn-spend ;; no-learn) nl=--no-learn ;; esac
				$B/clv $nl --evaluate --unit $unit --horizon $hz $w/$d.$m.churn 2>&1 > $w/$d.$m.clv-$v |
					grep '^total: predicted' > $w/$d.$m.ev-$v || :
				put $d "clv ($v): Spearman(clv, holdout spend)" \
					"$(f3 "$($E $w/$d.$m.clv-$v spearman clv holdout_spend)")"
				put $d "clv ($v): holdout spend total, predicted vs actual; MAE" \
					"$(sed 's/.*(\(.*\)); mean absolute error per customer \(.*\)/\1; \2/' $w/$d.$m.ev-$v)"
				mlr --icsv --ocsv put '$per = $holdout_frequency > 0 ? $holdout_spend / $holdout_frequency : ""' \
					$w/$d.$m.clv-$v > $w/$d.$m.per-$v
				put $d "clv ($v): Spearman(expected_spend, holdout spend per transaction), came back" \
					"$(f3 "$($E -e $w/$d.$m.per-$v spearman expected_spend per)")"
			done
		fi
		# This is clv's spend with this row's expected transactions of
		# churn (the layer's, for the learned rows), undiscounted.
		mlr --icsv --ocsv put '$xs = $expected_purchases * $expected_spend' $w/$d.$m.clv > $w/$d.$m.xs
		put $d "$m: Spearman(expected_purchases x expected_spend, holdout spend)" \
			"$(f3 "$($E $w/$d.$m.xs spearman xs holdout_spend)")"
	done
	put $d "Spearman(past spend, holdout spend)" "$(f3 "$($E $w/$d.cust spearman total_spend holdout_spend)")"
	# Lapsed = away more than 90 days (the default year is longer than
	# the CDNOW calibration period); P(back) over the holdout.
	$B/winback $dopt --holdout-start $hs --unit $unit --lapse-days 90 --horizon $hz \
		$w/$d.log > $w/$d.wb.log 2>> $w/log
	winback_cells $d "log" $w/$d.wb.log
	$B/churn --unit $unit --horizon $hz $w/$d.bt 2>> $w/log | $B/clv --unit $unit --horizon $hz 2>> $w/log |
		$B/winback --unit $unit --lapse-days 90 --horizon $hz > $w/$d.wb.pipe 2>> $w/log
	winback_cells $d "pipeline (summarize --backtest, churn, clv, winback)" $w/$d.wb.pipe
done

# One row per measure, one column per data set, rows in first-seen order.
awk -F '\t' '
	!($1 in seen) { seen[$1] = 1; order[++n] = $1 }
	{ v[$1, $2] = $3 }
	END {
		print "| | CDNOW sample | CDNOW master | Online Retail |"
		print "|---|---|---|---|"
		for (i = 1; i <= n; i++)
			printf "| %s | %s | %s | %s |\n", order[i], v[order[i], "sample"],
				v[order[i], "master"], v[order[i], "retail"]
	}' $w/cells
