#!/bin/bash
# sharded.sh: churn and classify over customer-complete shards with GNU
# parallel, the model fitted once on the merged sufficient statistics and
# the RFM scores ranked against the merged cuts of every shard.
#
#   examples/sharded.sh LOG JOBS OUTDIR --as-of DATE [options...]
#
# LOG is a CSV transaction log with the customer id in column 1 (the
# shard key); the options go to summarize, churn and classify alike (the
# options every siklus program takes) and must include
# --as-of (each shard would otherwise end observation at its own last
# date).  GNU parallel's --pipe --shard sends every row of a customer to
# the same job; add --sshlogin to spread the jobs over hosts.  Writes
# OUTDIR/model.json, OUTDIR/rfm.cuts, OUTDIR/scored.csv (churn) and
# OUTDIR/classified.csv (the same with stage, phase and RFM from
# classify --rfm); customers in shard order: sort by customer for a stable
# order.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: sharded.sh LOG JOBS OUTDIR --as-of DATE [options...]" >&2; exit 64; }
log=$1 jobs=$2 out=$3
shift 3
case " $* " in *" --as-of "*) ;; *) echo "sharded.sh: --as-of is required" >&2; exit 64 ;; esac
mkdir -p "$out"
rm -f "$out"/customers-*.csv "$out"/patterns-*.csv "$out"/cuts-*.cuts \
	"$out"/scored-*.csv "$out"/classified-*.csv
export SK_OPTS="$*" SK_OUT=$out SK_HEADER
SK_HEADER=$(head -n 1 "$log")

# Pass 1, per shard: summarize, then the compressed patterns and the
# distribution the RFM scores rank against.
tail -n +2 "$log" | parallel --will-cite --pipe --shard 1 --colsep , -j "$jobs" \
	'{ printf "%s\n" "$SK_HEADER"; cat; } | summarize $SK_OPTS > "$SK_OUT/customers-{%}.csv" &&
	 churn $SK_OPTS --patterns "$SK_OUT/customers-{%}.csv" > "$SK_OUT/patterns-{%}.csv" &&
	 classify $SK_OPTS --rfm-cuts-out "$SK_OUT/cuts-{%}.cuts" "$SK_OUT/customers-{%}.csv" > /dev/null'

# One fit on the merged patterns: the same model as a fit on everyone.
first=$(ls "$out"/patterns-*.csv | head -n 1)
{ head -n 1 "$first"; tail -q -n +2 "$out"/patterns-*.csv; } |
	churn $SK_OPTS --weight weight --save-model "$out/model.json" > /dev/null
# The cuts of every customer: the shards' files concatenated.
cat "$out"/cuts-*.cuts > "$out/rfm.cuts"

# Pass 2, per shard: score with the fitted model, then classify (p_alive
# refines the lifecycle) with RFM scores against the merged cuts.
ls "$out"/customers-*.csv | parallel --will-cite -j "$jobs" \
	'churn $SK_OPTS --model "$SK_OUT/model.json" {} > {= s/customers-/scored-/ =} &&
	 classify $SK_OPTS --rfm-cuts "$SK_OUT/rfm.cuts" {= s/customers-/scored-/ =} > {= s/customers-/classified-/ =}'
for part in scored classified; do
	first=$(ls "$out"/$part-*.csv | head -n 1)
	{ head -n 1 "$first"; tail -q -n +2 "$out"/$part-*.csv; } > "$out/$part.csv.tmp"
	mv "$out/$part.csv.tmp" "$out/$part.csv"
done
