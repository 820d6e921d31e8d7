#!/usr/bin/env bash
# nightly.sh: the nightly siklus job.  Summarizes the order log, scores
# every customer (stage, p_alive, CLV, win-back offers) with a model that
# is refitted once a week and reused in between, tracks the model against
# the calendar, and writes the CSV files, the tracking file and the HTML
# report into a folder named for the day.  The report compares with the
# records of the last run before today (its folder's scored.csv).
#
# Crontab line (every night at 05:15; output and errors mailed by cron):
#
#   15 5 * * * SIKLUS_ORDERS=/srv/shop/orders.csv SIKLUS_OUT=/srv/siklus /opt/siklus/examples/nightly.sh
#
# Settings, from the environment (defaults run on the bundled sample):
#   SIKLUS_BIN          where the programs are (default ../bin beside this
#                       script; else they must be on PATH)
#   SIKLUS_ORDERS       the order log (default examples/orders.csv)
#   SIKLUS_OUT          the output folder; one subfolder per day (default
#                       examples/out)
#   SIKLUS_MODEL        the saved model (default $SIKLUS_OUT/model.json)
#   SIKLUS_UNIT         time unit of the models (default week)
#   SIKLUS_MODEL_TYPE   bgnbd (default), pnbd, mbgnbd
#   SIKLUS_REFIT_DAY    day of the week to refit, 1 = Monday (default 1)
#   SIKLUS_REFIT_DAYS   refit anyway when the model is older (default 7)
#   SIKLUS_REFIT        1: refit today whatever the day
#   SIKLUS_TITLE        the report's title (default "Customers")
#   SIKLUS_DATE         the day's folder name (default today, YYYY-MM-DD)
#   SIKLUS_WINBACK_OPTS extra options for winback (default
#                       "--offer-cost 2 --margin 0.3")
#
# Exit status: 0 when every output is in place, 75 when another run holds
# the lock, otherwise the status of the step that failed (it is named on
# standard error).  A failed run leaves the previous outputs untouched and
# no half-written folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${SIKLUS_BIN:-$here/../bin}
[ -d "$bin" ] && PATH=$(cd "$bin" && pwd):$PATH
orders=${SIKLUS_ORDERS:-$here/orders.csv}
out=${SIKLUS_OUT:-$here/out}
model=${SIKLUS_MODEL:-$out/model.json}
unit=${SIKLUS_UNIT:-week}
model_type=${SIKLUS_MODEL_TYPE:-bgnbd}
refit_day=${SIKLUS_REFIT_DAY:-1}
refit_days=${SIKLUS_REFIT_DAYS:-7}
title=${SIKLUS_TITLE:-Customers}
day=${SIKLUS_DATE:-$(date +%F)}
read -r -a winback_opts <<< "${SIKLUS_WINBACK_OPTS:---offer-cost 2 --margin 0.3}"

say() { printf 'nightly: %s\n' "$*" >&2; }
step=start
trap 'rc=$?; say "failed at step \"$step\" (exit $rc)"; exit $rc' ERR

for p in summarize classify churn clv winback cohort report flock; do
	command -v "$p" > /dev/null || { say "$p: not found (set SIKLUS_BIN)"; exit 69; }
done
[ -r "$orders" ] || { say "$orders: cannot read the order log"; exit 66; }
# An absolute path: the report step runs inside the scratch folder.
orders=$(cd "$(dirname "$orders")" && pwd)/$(basename "$orders")
mkdir -p "$out" "$(dirname "$model")"

# One run at a time: a second run started while one is going (a slow
# night, or a manual run) gives up at once rather than queue behind it.
exec 9> "$out/.lock"
if ! flock -n 9; then
	say "another run holds $out/.lock; not starting"
	exit 75
fi

# Everything is written into a scratch folder beside the final one and
# renamed into place at the end, so readers see the whole day or nothing.
# With the lock held no other run is going, so scratch folders left by a
# run that was killed (kill -9, a reboot: its EXIT trap never ran) are
# stale: swept before this run makes its own.
# A run killed while it replaced a day's folder (between the two renames
# below) leaves the old folder as .scratch.DAY.old and no DAY: put it back.
for old in "$out"/.scratch.*.old; do
	[ -d "$old" ] || continue
	d=${old#"$out/.scratch."}
	d=${d%.old}
	[ -e "$out/$d" ] || mv "$old" "$out/$d"
done
find "$out" -mindepth 1 -maxdepth 1 -type d -name '.scratch.*' -exec rm -rf {} +
work=$(mktemp -d "$out/.scratch.$day.XXXXXX")
trap 'rm -rf "$work"' EXIT

step=summarize
summarize --unit "$unit" -o "$work/customers.csv" "$orders"

# The model is refitted weekly (parameters move slowly; a nightly refit
# would only make scores jump) and reused with --model in between.
refit=${SIKLUS_REFIT:-0}
if [ ! -s "$model" ]; then
	refit=1
elif ! grep -q "\"unit\": \"$unit\"" "$model"; then
	refit=1		# SIKLUS_UNIT changed: the old model cannot score
elif [ "$(date +%u)" = "$refit_day" ]; then
	refit=1
elif [ -n "$(find "$model" -mtime +$((refit_days - 1)) -print)" ]; then
	refit=1
fi
if [ "$refit" = 1 ]; then
	step=refit
	say "refitting $model_type and Gamma-Gamma into $model"
	# clv fits both models and saves them in one file, atomically.
	clv --unit "$unit" --model-type "$model_type" --save-model "$model" \
		"$work/customers.csv" > /dev/null
fi
cp "$model" "$work/model.json"

step=score
classify --unit "$unit" --rfm "$work/customers.csv" |
	churn --unit "$unit" --model "$model" --no-learn |
	clv --unit "$unit" --model "$model" |
	winback --unit "$unit" --all "${winback_opts[@]}" -o "$work/scored.csv"

step=cohort
cohort -o "$work/cohorts.csv" "$orders"

# The model against the calendar (repeat transactions per week, actual
# and expected, and the histogram of repeat purchases): the report's
# tracking section.
step=tracking
churn --unit "$unit" --model "$model" --tracking "$work/tracking.json" -o /dev/null \
	"$orders"

# The last run's records, kept in its day's folder (the latest day before
# this one; a rerun of the same day compares with the day before too):
# the report's "since the previous run" section.
previous=()
for d in "$out"/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do
	[ -f "$d/scored.csv" ] && [[ "${d##*/}" < "$day" ]] && previous=(--previous "$d/scored.csv")
done

# Run inside the scratch folder, so that the report names the files as
# they are published (scored.csv, model.json), not the scratch folder:
# two runs on the same input give the same report.
step=report
(cd "$work" && report --transactions "$orders" --model model.json --tracking tracking.json \
	"${previous[@]}" --title "$title ($day)" -o report.html scored.csv)

step=publish
chmod 755 "$work"
if [ -e "$out/$day" ]; then
	# A second run the same day replaces the first.
	old=$out/.scratch.$day.old
	rm -rf "$old"
	mv "$out/$day" "$old"
	mv "$work" "$out/$day"
	rm -rf "$old"
else
	mv "$work" "$out/$day"
fi
trap - EXIT
say "done: $out/$day ($(wc -c < "$out/$day/report.html") bytes of report)"
