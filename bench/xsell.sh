#!/bin/sh
# xsell benchmark: a synthetic 5,000,000-line basket log (10,000 products
# with Zipf-like popularity, 500,000 customers, planted pairs and bundles,
# fixed seed; see bench/xsell_gen.c), generated into bench/data/ when
# missing.  Prints the median wall time and the median peak resident
# memory of RUNS runs (default 3) of the rule table and of the customer
# records, with /usr/bin/time.  Run after make: sh bench/xsell.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
RUNS=${RUNS:-3}
mkdir -p bench/data build/bench
cc -O2 -o build/bench/xsell_gen bench/xsell_gen.c -lm
cc -O2 -o build/bench/parse bench/parse.c -lcsv
log=bench/data/baskets5m.csv
[ -s "$log" ] || { echo "generating $log ..."; build/bench/xsell_gen 5000000 10000 500000 42 > "$log"; }
PATH=$top/bin:$PATH

# xsell_median NAME CMD...: run CMD RUNS times (stdout to /dev/null),
# print the median wall time, the median CPU time (user + system: steadier
# than wall time on a busy machine) and the median peak resident memory.
xsell_median() {
	name=$1; shift
	: > build/bench/xsell-times
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %U %S %M" -o build/bench/xsell-one "$@" > /dev/null
		cat build/bench/xsell-one >> build/bench/xsell-times
		i=$((i + 1))
	done
	awk -v n="$RUNS" -v name="$name" '
		function median(a,   i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return a[int((n + 1) / 2)]
		}
		{ wall[NR] = $1; cpu[NR] = $2 + $3; mem[NR] = $4 }
		END {
			printf "%-44s %7.2f s  cpu %6.2f s  %6.0f MB\n", name, median(wall),
				median(cpu), median(mem) / 1024
		}' build/bench/xsell-times
}

echo "xsell bench: $(($(wc -l < "$log") - 1)) lines, $(du -m "$log" | cut -f1) MB," \
	"$(nproc) cores, median of $RUNS"
xsell_median "libcsv parse only (floor)" build/bench/parse "$log"
xsell_median "xsell --rules" xsell --rules "$log"
xsell_median "xsell (customers, -k 3, upsell)" xsell "$log"
xsell_median "xsell --rules --max-len 3 --min-support 1e-5" \
	xsell --rules --max-len 3 --min-support 0.00001 "$log"
