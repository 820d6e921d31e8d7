# acclib.sh: what bench/accuracy.sh (make accuracy) and bench/crosscut.sh
# (make crosscut) share, sourced by both: the real data of ../shared/data
# turned into plain logs, one data set judged at one split, and the
# table.  The caller sets me (the name in messages) and w (its work
# directory) and runs find_data and make_logs before judge_split.

# find_data: the reference data (../shared/data, or DATA=DIR) into data,
# evaluator E; exits 0 when the data is not here (make check must not
# need it).
find_data() {
	data=${DATA:-}
	if [ -z "$data" ]; then
		for d in "$top/../shared/data" "$top/../../shared/data"; do
			[ -f "$d/CDNOW_sample.txt" ] && { data=$d; break; }
		done
	fi
	if [ -z "$data" ] || [ ! -f "$data/CDNOW_sample.txt" ] || [ ! -f "$data/CDNOW_master.txt" ] ||
		[ ! -f "$data/online_retail.csv.gz" ]; then
		echo "$me: skipped: the reference data (../shared/data, or DATA=DIR) is not here"
		exit 0
	fi
	command -v mlr > /dev/null || { echo "$me: needs miller (mlr)" >&2; exit 69; }
	B=$top/bin
	# The evaluator, built by make accuracy (make crosscut) with the
	# library's own flags.
	E=${ACCEVAL:-build/std/bench/acceval}
	[ -x "$E" ] || { echo "$me: $E missing; run make $me" >&2; exit 69; }
	mkdir -p $w
}

# make_logs: the logs as plain CSV: customer_id,date,amount,quantity (the
# CDs of a CDNOW row, the Quantity of an Online Retail line: summarize's
# first_quantity, which winback keeps where it earns its place) in
# $w/sample.log, master.log, retail.log, and retail-r.log.
make_logs() {
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
}

# with_backtest LOG: the customers of $w/LOG.log with the columns of
# summarize --backtest auto (each customer as of a cut a third of the
# span before the end of calibration, and the purchases after it), what
# churn's learned layer and winback learn from in a pipeline of records.
# The split is hs (holdout start), unit, dopt (summarize's date option).
with_backtest() {
	$B/summarize $dopt --holdout-start $hs --unit $unit --litt --backtest auto $w/$1.log |
		mlr --icsv --ocsv filter 'is_not_empty($frequency)'
}

# put SPLIT ROW VALUE: one cell of the table.
put() { printf '%s\t%s\t%s\n' "$2" "$1" "$3" >> $w/cells; }
f3() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "-nan") print "n/a"; else printf "%.3f", x }'; }
f4() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "-nan") print "n/a"; else printf "%.4f", x }'; }
pct() { awk -v x="$1" 'BEGIN { printf "%+.1f %%", 100 * x }'; }
vs() { set -- $1; echo "$(f3 "$1") vs $(f3 "$2")"; }
has_col() { head -1 "$1" | tr ',' '\n' | grep -qx "$2"; }

# winback_cells SPLIT LABEL FILE: calibration, lift and spread of the offers.
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

# judge_split SPLIT LOG MODEL...: the decisions of churn (each MODEL),
# clv and winback on $w/LOG.log cut at hs (holdout start) with horizon
# hz in unit, into cells of column SPLIT.  Only customers whose first
# purchase is in the calibration period are judged; "came back" = at
# least one holdout purchase.  summarize --holdout-start counts the
# holdout into holdout_* columns, which no model reads, so nothing after
# the cut reaches a prediction.  MODEL learned+returns reads
# $w/LOG-r.log.
judge_split() {
	s=$1 l=$2
	shift 2
	$B/summarize $dopt --holdout-start $hs --unit $unit --litt $w/$l.log |
		mlr --icsv --ocsv filter 'is_not_empty($frequency)' then put '$away = $T - $recency' > $w/$s.cust
	put $s "customers (first purchase in calibration)" "$($E $w/$s.cust n frequency)"
	put $s "came back (holdout purchase)" "$(f3 "$($E $w/$s.cust rate holdout_frequency)")"
	put $s "AUC, recency rule (time since last purchase)" "$(f3 "$($E $w/$s.cust auc -away holdout_frequency)")"
	put $s "AUC, frequency rule" "$(f3 "$($E $w/$s.cust auc frequency holdout_frequency)")"
	# The models on the records alone, then with the learned layer of
	# churn (when it has one), which learns from the backtest columns.
	# The records carry litt (and backtest_litt) as churn makes them on
	# a log, so bgcnbd and mbgcnbd can be fitted and auto tries them.
	with_backtest $l > $w/$s.bt
	case " $* " in
	*" learned+returns "*) with_backtest $l-r > $w/$s-r.bt ;;
	esac
	for m in "$@"; do
		case $m in
		learned+returns) mt= in=$w/$s-r.bt ;;
		default) mt= in=$w/$s.cust ;;
		learned) mt= in=$w/$s.bt ;;
		learned-auto) mt="--model-type auto" in=$w/$s.bt ;;
		learned-*) mt="--model-type ${m#learned-}" in=$w/$s.bt ;;
		*) mt="--model-type $m" in=$w/$s.cust ;;
		esac
		# churn writes median_purchases by default (the forecast for
		# absolute error; expected_purchases is the mean).
		$B/churn $mt --unit $unit --horizon $hz $in > $w/$s.$m.churn 2>> $w/log
		$B/clv $mt --unit $unit --horizon $hz $w/$s.$m.churn > $w/$s.$m.clv 2>> $w/log
		f=$w/$s.$m.churn
		p=p_alive
		has_col $f p_return && p=p_return
		put $s "$m: AUC of $p" "$(f3 "$($E $f auc $p holdout_frequency)")"
		put $s "$m: ECE of $p (10 bins)" "$(f3 "$($E $f ece $p holdout_frequency)")"
		put $s "$m: holdout total, predicted vs actual" "$(pct "$($E $f bias expected_purchases holdout_frequency)")"
		put $s "$m: per-customer MAE" "$(f4 "$($E $f mae expected_purchases holdout_frequency)")"
		put $s "$m: per-customer RMSE" "$(f4 "$($E $f rmse expected_purchases holdout_frequency)")"
		# The proper score for a mean count: the Poisson deviance.
		put $s "$m: per-customer Poisson deviance" "$(f4 "$($E $f poisdev expected_purchases holdout_frequency)")"
		if has_col $f median_purchases; then
			put $s "$m: per-customer MAE of median_purchases" \
				"$(f4 "$($E $f mae median_purchases holdout_frequency)")"
		fi
		# MAE = mean expected of those who stayed away + the error on
		# those who came back: a mean forecast that spreads less than
		# the truth pays on the first.
		put $s "$m: mean expected_purchases, came back vs stayed away" \
			"$(vs "$($E $f means expected_purchases holdout_frequency)")"
		put $s "$m: came back, churned vs kept" "$(vs "$($E $f rates churned holdout_frequency)")"
		put $s "$m: Spearman(clv, holdout spend)" "$(f3 "$($E $w/$s.$m.clv spearman clv holdout_spend)")"
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
				$B/clv $nl --evaluate --unit $unit --horizon $hz $w/$s.$m.churn 2>&1 > $w/$s.$m.clv-$v |
					grep '^total: predicted' > $w/$s.$m.ev-$v || :
				put $s "clv ($v): Spearman(clv, holdout spend)" \
					"$(f3 "$($E $w/$s.$m.clv-$v spearman clv holdout_spend)")"
				put $s "clv ($v): holdout spend total, predicted vs actual; MAE" \
					"$(sed 's/.*(\(.*\)); mean absolute error per customer \(.*\)/\1; \2/' $w/$s.$m.ev-$v)"
				mlr --icsv --ocsv put '$per = $holdout_frequency > 0 ? $holdout_spend / $holdout_frequency : ""' \
					$w/$s.$m.clv-$v > $w/$s.$m.per-$v
				put $s "clv ($v): Spearman(expected_spend, holdout spend per transaction), came back" \
					"$(f3 "$($E -e $w/$s.$m.per-$v spearman expected_spend per)")"
			done
		fi
		# This is clv's spend with this row's expected transactions of
		# churn (the layer's, for the learned rows), undiscounted.
		mlr --icsv --ocsv put '$xs = $expected_purchases * $expected_spend' $w/$s.$m.clv > $w/$s.$m.xs
		put $s "$m: Spearman(expected_purchases x expected_spend, holdout spend)" \
			"$(f3 "$($E $w/$s.$m.xs spearman xs holdout_spend)")"
	done
	put $s "Spearman(past spend, holdout spend)" "$(f3 "$($E $w/$s.cust spearman total_spend holdout_spend)")"
	# Lapsed = away more than 90 days (the default year is longer than
	# the CDNOW calibration period); P(back) over the holdout.
	$B/winback $dopt --holdout-start $hs --unit $unit --lapse-days 90 --horizon $hz \
		$w/$l.log > $w/$s.wb.log 2>> $w/log
	winback_cells $s "log" $w/$s.wb.log
	$B/churn --unit $unit --horizon $hz $w/$s.bt 2>> $w/log | $B/clv --unit $unit --horizon $hz 2>> $w/log |
		$B/winback --unit $unit --lapse-days 90 --horizon $hz > $w/$s.wb.pipe 2>> $w/log
	winback_cells $s "pipeline (summarize --backtest, churn, clv, winback)" $w/$s.wb.pipe
}

# table CELLS SPLIT=TITLE...: the cells as one Markdown table, one row
# per measure in first-seen order, one column per SPLIT.
table() {
	awk -F '\t' '
		BEGIN {
			for (i = 2; i < ARGC; i++) {
				k = index(ARGV[i], "=")
				col[++nc] = substr(ARGV[i], 1, k - 1)
				title[nc] = substr(ARGV[i], k + 1)
				ARGV[i] = ""
			}
		}
		!($1 in seen) { seen[$1] = 1; order[++n] = $1 }
		{ v[$1, $2] = $3 }
		END {
			h = "|"; r = "|---|"
			for (j = 1; j <= nc; j++) { h = h " | " title[j]; r = r "---|" }
			print h " |"
			print r
			for (i = 1; i <= n; i++) {
				line = "| " order[i] " |"
				for (j = 1; j <= nc; j++)
					line = line " " v[order[i], col[j]] " |"
				print line
			}
		}' "$@"
}
