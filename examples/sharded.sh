#!/bin/bash
# sharded.sh: churn and classify over customer-complete shards with GNU
# parallel, the model fitted once on the merged sufficient statistics and
# the RFM scores ranked against the merged cuts of every shard.
#
#   examples/sharded.sh LOG JOBS OUTDIR --as-of DATE [options...]
#
# LOG is a transaction log (CSV, TSV or JSON lines, plain or compressed);
# the options go to summarize, churn and classify alike (the options every
# siklus program takes) and must include --as-of (each shard would
# otherwise end observation at its own last date).  shard(1) splits the
# log by a hash of the customer id into JOBS files at the speed of reading
# it, so every row of a customer is in one shard, and GNU parallel runs
# the shards.  To spread the jobs over hosts, set SK_SSHLOGIN to
# parallel's --sshlogin list (e.g. "2/host1,2/host2"): OUTDIR must then be
# a directory every host sees at the same path (NFS), and the hosts get
# this PATH.  Writes OUTDIR/model.json, OUTDIR/rfm.cuts,
# OUTDIR/scored.csv (churn) and OUTDIR/classified.csv (the same with
# stage, phase and RFM from classify --rfm); customers in shard order:
# sort by customer for a stable order.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: sharded.sh LOG JOBS OUTDIR --as-of DATE [options...]" >&2; exit 64; }
log=$1 jobs=$2 out=$3
shift 3
case " $* " in *" --as-of "*) ;; *) echo "sharded.sh: --as-of is required" >&2; exit 64 ;; esac
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/log-* "$out"/customers-*.csv "$out"/patterns-*.csv "$out"/cuts-*.cuts \
	"$out"/scored-*.csv "$out"/classified-*.csv
export SK_OPTS="$*" SK_OUT=$out
remote=()
[ -n "${SK_SSHLOGIN:-}" ] && remote=(--sshlogin "$SK_SSHLOGIN" --env PATH --env SK_OPTS --env SK_OUT)

# Pass 1, per shard: summarize, then the compressed patterns and the
# distribution the RFM scores rank against.
pass1='summarize $SK_OPTS {} > "$SK_OUT/customers-{#}.csv" &&
	churn $SK_OPTS --patterns "$SK_OUT/customers-{#}.csv" > "$SK_OUT/patterns-{#}.csv" &&
	classify $SK_OPTS --rfm-cuts-out "$SK_OUT/cuts-{#}.cuts" "$SK_OUT/customers-{#}.csv" > /dev/null'
case $log in *.csv | *.csv.*) fifo=1 ;; *) fifo=0 ;; esac
if [ ${#remote[@]} -eq 0 ] && [ "$fifo" = 1 ]; then
	# On this host, for a log named .csv: the shards are FIFOs that the
	# summaries read while shard(1) writes them (it writes a pipe in
	# place), so splitting overlaps summarizing instead of preceding it
	# and no shard is ever on disk (issue 21: with 2 shards on 2 cores
	# the split was a serial fifth of the run).  Every job runs at once.
	seq 1 "$jobs" | sed "s|.*|$out/log-&.csv|" > "$out/log-names"
	while read -r f; do mkfifo "$f"; done < "$out/log-names"
	parallel --will-cite -j "$jobs" "$pass1" < "$out/log-names" &
	pass=$!
	# shellcheck disable=SC2086 # the options, word by word
	shard $SK_OPTS --shards "$jobs" --prefix "$out/log" "$log" > "$out/log-written" &
	split=$!
	if wait -n -p first "$split" "$pass"; then st=0; else st=$?; fi
	if [ "$first" = "$pass" ]; then
		# The jobs ended first: on a tiny log they may; a job that
		# failed without opening its FIFO leaves shard waiting for it.
		if [ $st -ne 0 ]; then
			kill "$split" 2> /dev/null || true
			wait "$split" || true
			exit 1
		fi
		wait "$split"
	else
		# shard names its files by the log's content: a log named .csv
		# that holds TSV or JSON lines went to other files.  Summaries
		# still waiting for a FIFO that shard never opened get an end
		# of file (an open for reading and writing does not wait),
		# again until every job has ended: one may open its FIFO late.
		if [ $st -ne 0 ] || ! cmp -s "$out/log-names" "$out/log-written"; then
			while kill -0 "$pass" 2> /dev/null; do
				while read -r f; do : <> "$f"; done < "$out/log-names"
				sleep 0.2
			done
			wait "$pass" || true
			[ $st -eq 0 ] || exit "$st"
			echo "sharded.sh: $log does not hold CSV; name it after its format" >&2
			exit 65
		fi
		wait "$pass"
	fi
	rm -f "$out/log-names" "$out/log-written"
else
	# shellcheck disable=SC2086 # the options, word by word
	shard $SK_OPTS --shards "$jobs" --prefix "$out/log" "$log" |
		parallel --will-cite "${remote[@]}" -j "$jobs" "$pass1"
fi
rm -f "$out"/log-*.*

# One fit on the merged patterns: the same model as a fit on everyone.
first=$(ls "$out"/patterns-*.csv | head -n 1)
{ head -n 1 "$first"; tail -q -n +2 "$out"/patterns-*.csv; } |
	churn $SK_OPTS --weight weight --save-model "$out/model.json" > /dev/null
# The cuts of every customer: the shards' files concatenated.
cat "$out"/cuts-*.cuts > "$out/rfm.cuts"

# Pass 2, per shard: score with the fitted model, then classify (p_alive
# refines the lifecycle) with RFM scores against the merged cuts.
# The first shard's files keep their header and become the outputs; the
# other shards' classified files are written without one and appended
# whole (cat copies in the kernel), their scored files (which classify
# reads, header and all) without their first line.  Copying every shard
# through tail was a tenth of the recipe's time (issue 21).
ls "$out"/customers-*.csv | parallel --will-cite "${remote[@]}" -j "$jobs" \
	'churn $SK_OPTS --model "$SK_OUT/model.json" {} > {= s/customers-/scored-/ =} &&
	 classify $SK_OPTS --rfm-cuts "$SK_OUT/rfm.cuts" $([ {#} -eq 1 ] || echo --no-header-out) \
		{= s/customers-/scored-/ =} > {= s/customers-/classified-/ =}'
for part in scored classified; do
	first=$(ls "$out"/$part-*.csv | head -n 1)
	rm -f "$out/$part.csv"
	mv "$first" "$out/$part.csv"
	for f in "$out"/$part-*.csv; do
		[ -e "$f" ] || continue
		if [ $part = scored ]; then tail -n +2 "$f"; else cat "$f"; fi >> "$out/$part.csv"
		rm -f "$f"
	done
done
