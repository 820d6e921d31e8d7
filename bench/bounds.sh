#!/bin/sh
# make bounds: resource bounds, measured (issue 8, item 5).  Not part of
# make check; about 6 minutes on a 2-core machine, a few GB of disk.
#   1. a 100 MiB field: in a note column and in customer_id of a
#      transaction log through summarize, and a 100 MiB passthrough column
#      through churn and classify; each checked byte for byte
#   2. 10,000,000 customers (20,000,000 transactions): summarize, then
#      churn, classify --rfm and clv on the 10M-customer summary, and clv
#      and winback on the wider records of classify --rfm | churn; bound:
#      peak memory within about 250 bytes per customer
#   3. a ~1 GiB transaction log streamed from a pipe through summarize,
#      with the libcsv parse-only floor over the same pipe
# Each step prints wall, user and system CPU time and peak RSS
# (/usr/bin/time "%e %U %S %M"); a table at the end.  MB = 2^20 bytes.
# Big files go to bench/data/bounds/ and are removed at the end unless
# KEEP=1 (kept files are reused by the next run).  Sizes can be changed:
# BIG (bytes, default 104857600), NCUST and NTX (step 2), GTX and GCUST
# (step 3); SIKLUS_BIN, the directory of the programs measured (default
# bin/; a sanitizer build there is refused: its allocator changes every
# figure).  Exit status 1 when a check fails or a bound does not hold.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
KEEP=${KEEP:-0}
BIG=${BIG:-104857600}
NCUST=${NCUST:-10000000}
NTX=${NTX:-20000000}
GTX=${GTX:-41000000}
GCUST=${GCUST:-4000000}
BOUND=250			# bytes per customer
d=bench/data/bounds
tab=build/bench/bounds.tab
tf=build/bench/bounds.time
mkdir -p "$d" build/bench
SIKLUS_BIN=${SIKLUS_BIN:-$top/bin}
PATH=$SIKLUS_BIN:$PATH
export LC_ALL=C

for p in summarize churn classify clv winback; do
	[ -x "$SIKLUS_BIN/$p" ] || { echo "bounds: $SIKLUS_BIN/$p missing: run make first" >&2; exit 1; }
	if nm "$SIKLUS_BIN/$p" 2> /dev/null | grep -q __asan_init; then
		echo "bounds: $SIKLUS_BIN/$p is a sanitizer build (make check SAN=1): run make first" >&2
		exit 1
	fi
done
exec 3>&1	# measure reports here: its caller redirects standard output

# Room first: the largest moment holds the 10M-customer log and summary
# and the outputs (about 3 GB); ask for 6 GB free and 4 GB of memory.
free_kb=$(df -Pk "$d" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt 6000000 ]; then
	echo "bounds: only $((free_kb / 1024)) MB free under $d; 6 GB needed" >&2
	exit 1
fi
avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [ "$avail_kb" -lt 4000000 ]; then
	echo "bounds: only $((avail_kb / 1024)) MB of memory available; 4 GB needed" >&2
	exit 1
fi

cleanup() {
	if [ "$KEEP" = 1 ]; then
		echo "bounds: KEEP=1: inputs and outputs left in $d"
	else
		rm -rf "$d"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o build/bench/gen bench/gen.c -lm
cc -O2 -o build/bench/parse bench/parse.c -lcsv

: > "$tab"

# measure NAME NCUST BYTES CMD...: run CMD under /usr/bin/time (the caller
# redirects), print and record wall, CPU, peak RSS, bytes per customer
# (NCUST > 0) and throughput over BYTES of input (BYTES > 0).
measure() {
	name=$1 nc=$2 bytes=$3
	shift 3
	if /usr/bin/time -f "%e %U %S %M" -o "$tf" "$@"; then
		st=ok
	else
		st="FAILED: exit $?"
	fi
	tail -n 1 "$tf" | awk -v name="$name" -v nc="$nc" -v bytes="$bytes" \
		-v st="$st" -v bound="$BOUND" '{
		bpc = nc > 0 ? sprintf("%.0f", $4 * 1024 / nc) : "-"
		mbs = bytes > 0 && $1 > 0 ? sprintf("%.0f", bytes / 1048576 / $1) : "-"
		note = st
		if (st == "ok" && nc >= 1000000)
			note = ($4 * 1024 / nc <= bound) ? "within " bound " B/cust" : \
				sprintf("OVER %d B/cust by %.0f%%", bound, \
					($4 * 1024 / nc / bound - 1) * 100)
		printf "%-36s %7.2f %7.2f %6.2f %7.0f %6s %6s  %s\n", name, $1, $2, $3,
			$4 / 1024, bpc, mbs, note
	}' | tee -a "$tab" >&3
}

# check WHAT TEST...: record a correctness check.
check() {
	what=$1
	shift
	if "$@"; then
		printf '%-36s %s\n' "check: $what" ok | tee -a "$tab"
	else
		printf '%-36s %s\n' "check: $what" FAILED | tee -a "$tab"
	fi
}

# xs N: N bytes of 'x' on standard output, streamed.
xs() { head -c "$1" /dev/zero | tr '\0' x; }
# nrec FILE: records after the header.
nrec() { echo $(($(wc -l < "$1") - 1)); }
# col FILE N: field N of every line (fields hold no commas or quotes here).
col() { cut -d, -f"$2" "$1"; }
mb() { echo $(($(wc -c < "$1") / 1048576)); }
# with_note FILE ROW: FILE with a last column "note", "n" on every line
# but line ROW, whose note is $BIG bytes of x.
with_note() {
	head -n 1 "$1" | sed 's/$/,note/'
	sed -n "2,$(($2 - 1))p" "$1" | sed 's/$/,n/'
	sed -n "$2p" "$1" | tr -d '\n'
	printf ,
	xs "$BIG"
	echo
	sed -n "$(($2 + 1)),\$p" "$1" | sed 's/$/,n/'
}

hdr() {
	printf '== %s\n' "$1" >> "$tab"
	printf '\n== %s\n' "$1"
	printf '%-36s %7s %7s %6s %7s %6s %6s  %s\n' step wall_s user_s sys_s \
		rss_MB B/cust MB/s bound/status
}
printf '%-36s %7s %7s %6s %7s %6s %6s  %s\n' step wall_s user_s sys_s rss_MB \
	B/cust MB/s bound/status > "$tab.head"

echo "siklus bounds: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo) GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. a 100 MiB field ----------------------------------------------
fl="$((BIG / 1048576)) MiB"
[ "$BIG" -ge 1048576 ] || fl="$BIG B"
hdr "1. a $fl field"
build/bench/gen 3000 1000 7 > "$d/small.csv"
summarize "$d/small.csv" > "$d/small.sum"
expect_md5=$( { xs "$BIG"; echo; } | md5sum)	# the field and a newline
fieldsum() { col "$1" "$2" | grep -x 'xx*' | md5sum; }

# 1a. the note column of row 1500 is 100 MiB; summarize ignores it, so
# the summary is the summary of the log without notes, byte for byte.
with_note "$d/small.csv" 1501 > "$d/note.csv"
measure "summarize, $fl note" 0 "$(wc -c < "$d/note.csv")" \
	summarize "$d/note.csv" > "$d/note.sum"
check "note: summary as without notes" cmp -s "$d/note.sum" "$d/small.sum"

# 1b. a customer_id of 100 MiB (one extra customer, inside the window):
# the other customers' records are unchanged and the id comes out whole,
# through summarize, churn and classify.
{
	cat "$d/small.csv"
	xs "$BIG"
	echo ",2024-06-01,10.00"
} > "$d/bigid.csv"
measure "summarize, $fl customer_id" 0 "$(wc -c < "$d/bigid.csv")" \
	summarize "$d/bigid.csv" > "$d/bigid.sum"
check "id: 1001 customers" test "$(nrec "$d/bigid.sum")" = 1001
check "id: others unchanged" sh -c "grep -v '^xx*,' '$d/bigid.sum' | cmp -s - '$d/small.sum'"
check "id: summarize keeps $fl id" test "$(fieldsum "$d/bigid.sum" 1)" = "$expect_md5"
measure "churn, $fl customer_id" 0 0 churn "$d/bigid.sum" > "$d/bigid.churn"
check "id: churn keeps $fl id" test "$(fieldsum "$d/bigid.churn" 1)" = "$expect_md5"
check "id: churn 1001 records" test "$(nrec "$d/bigid.churn")" = 1001
measure "classify --rfm, $fl customer_id" 0 0 classify --rfm "$d/bigid.churn" > "$d/bigid.cls"
check "id: classify keeps $fl id" test "$(fieldsum "$d/bigid.cls" 1)" = "$expect_md5"
check "id: classify 1001 records" test "$(nrec "$d/bigid.cls")" = 1001
rm -f "$d/bigid.csv" "$d/bigid.sum" "$d/bigid.churn" "$d/bigid.cls"

# 1c. customer records with a passthrough column of 100 MiB on one row:
# churn and classify pass it through byte for byte and every other
# column is what they write when the field is one byte.
ncol=$(head -n 1 "$d/small.sum" | tr ',' '\n' | wc -l)
nc1=$((ncol + 1))
with_note "$d/small.sum" 501 > "$d/pass.sum"
sed 's/$/,n/; 1s/,n$/,note/' "$d/small.sum" > "$d/pass1.sum"
measure "churn, $fl passthrough" 0 "$(wc -c < "$d/pass.sum")" \
	churn "$d/pass.sum" > "$d/pass.churn"
churn "$d/pass1.sum" > "$d/pass1.churn"
check "pass: churn keeps the field" test "$(fieldsum "$d/pass.churn" "$nc1")" = "$expect_md5"
check "pass: churn, other columns same" sh -c "cut -d, --complement -f$nc1 '$d/pass.churn' > '$d/a' &&
	cut -d, --complement -f$nc1 '$d/pass1.churn' | cmp -s - '$d/a'"
measure "classify --rfm, $fl passthrough" 0 "$(wc -c < "$d/pass.churn")" \
	classify --rfm "$d/pass.churn" > "$d/pass.cls"
classify --rfm "$d/pass1.churn" > "$d/pass1.cls"
check "pass: classify keeps the field" test "$(fieldsum "$d/pass.cls" "$nc1")" = "$expect_md5"
check "pass: classify, other columns same" sh -c "cut -d, --complement -f$nc1 '$d/pass.cls' > '$d/a' &&
	cut -d, --complement -f$nc1 '$d/pass1.cls' | cmp -s - '$d/a'"
rm -f "$d"/note.* "$d"/pass* "$d/a"

# ---- 2. 10,000,000 customers -------------------------------------------
hdr "2. $NCUST customers, $NTX transactions"
log=$d/tx$NCUST.csv
if [ ! -s "$log" ]; then
	echo "generating $log ..."
	build/bench/gen "$NTX" "$NCUST" 42 > "$log.tmp"
	mv "$log.tmp" "$log"
fi
cust=$d/cust$NCUST.csv
measure "summarize ($NCUST cust)" "$NCUST" "$(wc -c < "$log")" summarize "$log" > "$cust"
check "summarize: $NCUST customers" test "$(nrec "$cust")" = "$NCUST"
[ "$KEEP" = 1 ] || rm -f "$log"
measure "churn BG/NBD fit + score" "$NCUST" "$(wc -c < "$cust")" churn "$cust" > "$d/out"
check "churn: $NCUST records" test "$(nrec "$d/out")" = "$NCUST"
measure "classify --rfm" "$NCUST" "$(wc -c < "$cust")" classify --rfm "$cust" > "$d/out"
check "classify: $NCUST records" test "$(nrec "$d/out")" = "$NCUST"
measure "clv BG/NBD x Gamma-Gamma" "$NCUST" "$(wc -c < "$cust")" clv "$cust" > "$d/out"
check "clv: $NCUST records" test "$(nrec "$d/out")" = "$NCUST"
# Downstream in the main pipeline the records are wider: clv and winback
# on the output of classify --rfm | churn (20 columns instead of 10).
classify --rfm "$cust" | churn > "$d/wide.csv"
measure "clv after classify|churn" "$NCUST" "$(wc -c < "$d/wide.csv")" clv "$d/wide.csv" > "$d/out"
check "clv (wide): $NCUST records" test "$(nrec "$d/out")" = "$NCUST"
measure "winback after classify|churn" "$NCUST" "$(wc -c < "$d/wide.csv")" winback "$d/wide.csv" > "$d/out"
n=$(nrec "$d/out")	# winback keeps only the customers worth an offer
check "winback (wide): 0 < offers <= $NCUST" test "$n" -gt 0 -a "$n" -le "$NCUST"
rm -f "$d/out" "$d/wide.csv"
[ "$KEEP" = 1 ] || rm -f "$cust"

# ---- 3. a 1 GiB log, streamed --------------------------------------------
glog=$d/tx$GTX.csv
if [ ! -s "$glog" ]; then
	echo "generating $glog ..."
	build/bench/gen "$GTX" "$GCUST" 43 > "$glog.tmp"
	mv "$glog.tmp" "$glog"
fi
gbytes=$(wc -c < "$glog")
hdr "3. a $(mb "$glog") MB log ($GTX rows, $GCUST customers) from a pipe"
cat "$glog" > /dev/null		# the same page cache for both
cat "$glog" | measure "libcsv parse only (floor)" 0 "$gbytes" build/bench/parse > /dev/null
cat "$glog" | measure "summarize < pipe" "$GCUST" "$gbytes" summarize > "$d/out"
check "summarize: $GCUST customers" test "$(nrec "$d/out")" = "$GCUST"
rm -f "$d/out"

printf '\n== siklus bounds: %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
cat "$tab.head" "$tab"
# measure may run in a pipeline's subshell: the verdict is read off the table.
if grep -q -e FAILED -e OVER "$tab"; then
	echo "bounds: FAILED or OVER (see above)"
	exit 1
fi
echo "bounds: every check passed, every bound holds"
