#!/bin/sh
# Property tests over random transaction logs (tests/props/gen.c, fixed
# seeds, so a failure reproduces):
#   conservation  every customer of the log comes out once, no more, no
#                 fewer (DESIGN.md: "never drops a customer"), for
#                 summarize, classify, churn, clv, winback --all and xsell
#                 (one row per customer), and through the whole pipeline;
#                 plain winback keeps a subset (the offers); xsell --rules
#                 writes rules, not customers; cohort's notion is the
#                 buyers: its period-0 customers add up to the customers
#                 with a first_purchase; report prints "N customers".
#   determinism   two runs give the same bytes, and so do one thread and
#                 several (OMP_NUM_THREADS) for summarize and the model fits.
#   tracking      churn --tracking's file is the same for any row order
#                 and thread count, and its actual repeat transactions add
#                 up to summarize's.
#   row order     the log's rows shuffled give the same records.  summarize
#                 writes customers in order of first appearance and
#                 winback --all, classify, churn, clv and xsell keep their
#                 input's order (their man pages), so for them the rows
#                 are compared sorted; cohort (sorted by cohort and
#                 period), xsell --rules (ranked), winback (ranked offers)
#                 and report promise an order of their own and are
#                 compared byte for byte.
# Usage: run-props.sh GEN [SEED...]   (GEN: the generator, built by make)
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
gen=${1:?usage: run-props.sh GEN [SEED...]}
gen=$(cd "$(dirname "$gen")" && pwd)/$(basename "$gen")
shift
[ $# -gt 0 ] || set -- 11 23 47
customers=${PROPS_CUSTOMERS:-500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C TZ=UTC
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL props seed $seed: $*"; fail=$((fail + 1)); }

# ids FILE: the sorted customer ids of a CSV file, one a line, repeats kept.
ids() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "customer_id") c = i; next }
		c { print $c }' "$1" | sort
}

# sorted FILE: the header, then the other lines sorted.
sorted() {
	{ head -n 1 "$1"; tail -n +2 "$1" | sort; } > "$1.sorted"
}

# run NAME OUT CMD...: run, and count a failure when CMD fails.
run() {
	name=$1 out=$2
	shift 2
	"$@" > "$out" 2> "$tmp/err"
	rc=$?
	# 126: bin/ was being relinked by a build beside this one (the
	# programs never exit so themselves): once more.
	if [ $rc = 126 ]; then
		sleep 1
		"$@" > "$out" 2> "$tmp/err"
		rc=$?
	fi
	if [ $rc != 0 ]; then
		bad "$name: exit status $rc: $(head -n 1 "$tmp/err")"
		return 1
	fi
}

# same NAME A B: byte-identical files.
same() {
	if cmp -s "$2" "$3"; then ok; else bad "$1"; diff "$2" "$3" | head -n 4; fi
}

for seed in "$@"; do
	cd "$tmp" || exit 1
	rm -f ./*.pipe
	{ "$gen" "$seed" "$customers" > log.csv &&
	  "$gen" "$seed" "$customers" $((seed * 7 + 1)) > shuf.csv; } ||
		{ bad "the generator $gen failed"; continue; }
	# The generator itself: the shuffle has the same rows.
	sorted log.csv; sorted shuf.csv
	same "generator: the shuffled log has other rows" log.csv.sorted shuf.csv.sorted
	ids log.csv | uniq > in.ids
	nin=$(wc -l < in.ids)

	# summarize, and each customer program on the log and on customers.
	run summarize cust.csv "$bin/summarize" log.csv || continue
	run summarize cust2.csv "$bin/summarize" log.csv || continue
	run summarize custs.csv "$bin/summarize" shuf.csv || continue
	same "summarize: two runs differ" cust.csv cust2.csv
	ids cust.csv > out.ids
	same "summarize: customers in != customers out" in.ids out.ids
	sorted cust.csv; sorted custs.csv
	same "summarize: shuffled log, other records" cust.csv.sorted custs.csv.sorted
	# The orders logs come in (summarize counts days differently for
	# customers whose rows are not in date order): by date; by customer
	# only, days at random (a database export ORDER BY customer); by
	# customer, latest day first (every customer out of order); with and
	# without a holdout period.
	head -n 1 log.csv > hdr
	{ cat hdr; tail -n +2 shuf.csv | sort -s -t, -k2,2; } > bydate.csv
	{ cat hdr; tail -n +2 shuf.csv | sort -s -t, -k1,1; } > bycust.csv
	{ cat hdr; tail -n +2 log.csv | sort -t, -k1,1 -k2,2r; } > byrev.csv
	for a in "" "--as-of 2024-03-31"; do
		# shellcheck disable=SC2086
		run "summarize $a" o0.csv "$bin/summarize" $a log.csv || continue
		sorted o0.csv
		for f in shuf bydate bycust byrev; do
			# shellcheck disable=SC2086
			run "summarize $a $f" o1.csv "$bin/summarize" $a $f.csv || continue
			sorted o1.csv
			same "summarize $a: rows $f, other records" o0.csv.sorted o1.csv.sorted
		done
	done

	for p in classify churn clv "winback --all" xsell "classify --rfm" "churn --model-type mbgnbd"; do
		prog=${p%% *} args=${p#"$prog"}
		# shellcheck disable=SC2086
		{ run "$p" a.csv "$bin/$prog" $args log.csv &&
		  run "$p" b.csv "$bin/$prog" $args log.csv &&
		  run "$p" c.csv "$bin/$prog" $args shuf.csv; } || continue
		same "$p: two runs differ" a.csv b.csv
		ids a.csv > out.ids
		same "$p (log): customers in != customers out" in.ids out.ids
		sorted a.csv; sorted c.csv
		same "$p: shuffled log, other records" a.csv.sorted c.csv.sorted
		[ "$prog" = xsell ] && continue	# reads a log only
		# Fed from summarize, as in a pipeline, in either order.
		# shellcheck disable=SC2086
		{ run "$p" d.csv "$bin/$prog" $args cust.csv &&
		  run "$p" e.csv "$bin/$prog" $args custs.csv; } || continue
		ids d.csv > out.ids
		same "$p (customers): customers in != customers out" in.ids out.ids
		sorted d.csv; sorted e.csv
		same "$p: customers in another order, other records" d.csv.sorted e.csv.sorted
	done

	# summarize parses on one thread and aggregates on another, in
	# chunks of 4096 rows: a log of ~30,000 rows (a ring of chunks
	# wrapping round), with referrals, a holdout and shuffled rows, gives
	# the same customers on one thread as on several.
	if [ "$seed" = "$1" ]; then
		"$gen" "$seed" 5000 $((seed + 3)) |
			awk -F, -v OFS=, 'NR == 1 { print $0, "referred_by"; next }
				{ seen[n++] = $1; r = "" }
				NR % 7 == 0 { r = seen[(NR * 31) % n] }
				NR % 13 == 0 { r = "r" (NR % 97) }
				{ print $0, r }' > big.csv
		for a in "" "--as-of 2024-06-30"; do
			# shellcheck disable=SC2086
			{ OMP_NUM_THREADS=1 run "summarize 1 thread $a" a.csv "$bin/summarize" $a big.csv &&
			  OMP_NUM_THREADS=3 run "summarize 3 threads $a" b.csv "$bin/summarize" $a big.csv; } ||
				continue
			same "summarize $a: 1 and 3 threads differ" a.csv b.csv
		done
	fi

	# The models use threads: their number changes nothing.
	for p in churn clv; do
		OMP_NUM_THREADS=1 run "$p 1 thread" a.csv "$bin/$p" cust.csv || continue
		OMP_NUM_THREADS=3 run "$p 3 threads" b.csv "$bin/$p" cust.csv || continue
		same "$p: 1 and 3 threads differ" a.csv b.csv
	done

	# The whole pipeline keeps every customer, whatever the row order.
	for f in log shuf; do
		run summarize p1.csv "$bin/summarize" $f.csv &&
		run classify p2.csv "$bin/classify" p1.csv &&
		run churn p3.csv "$bin/churn" p2.csv &&
		run clv p4.csv "$bin/clv" p3.csv &&
		run "winback --all" $f.pipe "$bin/winback" --all p4.csv
	done
	if [ -f log.pipe ] && [ -f shuf.pipe ]; then
		ids log.pipe > out.ids
		same "pipeline: customers in != customers out" in.ids out.ids
		sorted log.pipe; sorted shuf.pipe
		same "pipeline: shuffled log, other records" log.pipe.sorted shuf.pipe.sorted
	fi

	# winback: the offers are customers of the input, once each, ranked.
	if run winback a.csv "$bin/winback" log.csv && run winback b.csv "$bin/winback" shuf.csv; then
		same "winback: shuffled log, other offers" a.csv b.csv
		ids a.csv > out.ids
		if [ -n "$(uniq -d out.ids)" ] || [ -n "$(comm -23 out.ids in.ids)" ]; then
			bad "winback: an offer for a customer twice, or for no customer"
		else ok; fi
	fi

	# xsell --rules: rules, not customers; ranked, so byte for byte.
	if run "xsell --rules" a.csv "$bin/xsell" --rules log.csv &&
	   run "xsell --rules" b.csv "$bin/xsell" --rules log.csv &&
	   run "xsell --rules" c.csv "$bin/xsell" --rules shuf.csv; then
		same "xsell --rules: two runs differ" a.csv b.csv
		same "xsell --rules: shuffled log, other rules" a.csv c.csv
	fi

	# cohort: sorted by cohort and period; its customers are the buyers.
	if run cohort a.csv "$bin/cohort" log.csv && run cohort b.csv "$bin/cohort" log.csv &&
	   run cohort c.csv "$bin/cohort" shuf.csv; then
		same "cohort: two runs differ" a.csv b.csv
		same "cohort: shuffled log, other table" a.csv c.csv
		awk -F, 'NR > 1 && $2 == 0 { s += $3 } END { print s + 0 }' a.csv > n.cohort
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "first_purchase") c = i; next }
			$c != "" { n++ } END { print n + 0 }' cust.csv > n.buyers
		same "cohort: period-0 customers != buyers of summarize" n.buyers n.cohort
	fi

	# churn --tracking: the same file from the log in any row order and
	# on one thread or several; its actual repeat transactions add up to
	# the repeat transactions of summarize's records.
	if run "churn --tracking" a.csv "$bin/churn" --tracking a.json log.csv &&
	   run "churn --tracking" b.csv env OMP_NUM_THREADS=3 "$bin/churn" --tracking b.json log.csv &&
	   run "churn --tracking" c.csv env OMP_NUM_THREADS=1 "$bin/churn" --tracking c.json shuf.csv; then
		same "churn --tracking: one thread or several, another file" a.json b.json
		same "churn --tracking: shuffled log, another file" a.json c.json
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "frequency") c = i; next }
			{ s += $c } END { print s + 0 }' cust.csv > n.want
		sed -n 's/^ *"actual_cum": \([0-9.]*\),*$/\1/p' a.json | tail -n 1 |
			awk '{ print $1 + 0 }' > n.got
		same "churn --tracking: actual repeat transactions != summarize's" n.want n.got
	fi

	# report: same page from the same records in any order (read on
	# standard input, as it names its input file); "N customers".
	if run report a.html "$bin/report" < cust.csv && run report b.html "$bin/report" < cust.csv &&
	   run report c.html "$bin/report" < custs.csv; then
		same "report: two runs differ" a.html b.html
		same "report: customers in another order, another page" a.html c.html
		echo "$nin customers" > n.want
		grep -o '^<p>[0-9]* customers' a.html | sed 's/^<p>//' > n.got
		same "report: the page does not say \"$nin customers\"" n.want n.got
	fi
done
echo "props: $pass passed, $fail failed"
[ $fail -eq 0 ]
