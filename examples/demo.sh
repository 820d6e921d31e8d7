#!/bin/sh
# make demo: the main job on bundled data, printed for people.
set -eu
cd "$(dirname "$0")"
PATH=$(cd .. && pwd)/bin:$PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== CDNOW sample: 2,357 customers, calibration to 1997-09-30 (weeks) =="
summarize --as-of 1997-09-30 --unit week orders.csv > "$tmp/customers.csv"
echo
echo "== BG/NBD fit, and the check against the 39-week holdout =="
churn --unit week --horizon 39w --report --evaluate "$tmp/customers.csv" > "$tmp/scored.csv"
echo
echo "== Lifetime value over one year at a 30% margin (Pareto/NBD x Gamma-Gamma) =="
clv --unit week --model-type pnbd --margin 0.3 --report "$tmp/scored.csv" > "$tmp/valued.csv"
mlr --icsv --opprint sort -nr clv then head -n 5 then \
	cut -o -f customer_id,frequency,recency,T,p_alive,expected_spend,clv,value_tier "$tmp/valued.csv"
echo
echo "== Win-back offers at the end of the data (offer cost 2, margin 30%) =="
winback --lapse-days 90 --offer-cost 2 --margin 0.3 --top 5 --report orders.csv |
	mlr --icsv --opprint cut -o -f customer_id,orders,last_purchase,winback_value,winback_prob,winback_rank,winback_reason
echo
echo "== Monthly acquisition cohorts, first four periods =="
cohort orders.csv | mlr --icsv --opprint filter '$period <= 3'
