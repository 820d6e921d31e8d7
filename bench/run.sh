#!/bin/sh
# make bench: speed and memory on a synthetic log (5,000,000 transactions,
# 1,000,000 customers, fixed seed), median of RUNS runs (default 5).
# Targets (2-core machine): summarize within 4x the libcsv parse-only
# floor and under 250 MB; model fits as listed per step.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
RUNS=${RUNS:-5}
mkdir -p bench/data build/bench
cc -O2 -o build/bench/gen bench/gen.c -lm
cc -O2 -o build/bench/parse bench/parse.c -lcsv
log=bench/data/tx5m.csv
[ -s "$log" ] || { echo "generating $log ..."; build/bench/gen 5000000 1000000 42 > "$log"; }
PATH=$top/bin:$PATH

# median_run NAME CMD...: run CMD RUNS times (stdout to /dev/null), print
# the median wall time, the median CPU time (user + system, all threads:
# what a shared machine measures fairly) and the median peak resident
# memory.
median_run() {
	name=$1; shift
	: > build/bench/times
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %M %U %S" -o build/bench/one "$@" > /dev/null
		tail -n 1 build/bench/one >> build/bench/times
		i=$((i + 1))
	done
	sort -n -k1,1 build/bench/times | awk -v n="$RUNS" -v name="$name" \
		'{t[NR]=$1} END {printf "%-40s %7.2f s", name, t[int((n+1)/2)]}'
	awk '{print $3 + $4}' build/bench/times | sort -n | awk -v n="$RUNS" \
		'{c[NR]=$1} END {printf "  CPU %5.2f s", c[int((n+1)/2)]}'
	sort -n -k2,2 build/bench/times | awk -v n="$RUNS" \
		'{m[NR]=$2} END {printf "  %6.0f MB\n", m[int((n+1)/2)]/1024}'
}

echo "siklus bench: $(wc -l < "$log") lines, $(du -m "$log" | cut -f1) MB, $(nproc) cores, median of $RUNS, load $(cut -d' ' -f1-3 /proc/loadavg)"
median_run "libcsv parse only (floor)" build/bench/parse "$log"
median_run "summarize" summarize "$log"
# The same rows in the other orders logs arrive in (deterministic: the
# shuffle draws its randomness from the log itself): customers whose rows
# are not in date order have their days counted at the end.
for order in cust-date random cust; do
	f=bench/data/tx5m-$order.csv
	[ -s "$f" ] && continue
	echo "making $f ..."
	case $order in
	cust-date) src=$log ;;
	random) src= ;;
	cust) src=bench/data/tx5m-random.csv ;;
	esac
	{ head -n 1 "$log"
	  if [ -z "$src" ]; then tail -n +2 "$log" | shuf --random-source="$log"
	  else tail -n +2 "$src" | LC_ALL=C sort -s -t, -k1,1 -S 200M; fi; } > "$f.tmp"
	mv "$f.tmp" "$f"
done
median_run "summarize, rows by customer+date" summarize bench/data/tx5m-cust-date.csv
median_run "summarize, rows by customer only" summarize bench/data/tx5m-cust.csv
median_run "summarize, rows at random" summarize bench/data/tx5m-random.csv
for extra in bench/steps.sh; do
	[ -f "$extra" ] && . "./$extra"
done
RUNS=$RUNS sh bench/xsell.sh
exit 0
