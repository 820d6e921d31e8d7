#!/bin/sh
# make demo: one story on the bundled data, told for people.
#
# The CDNOW sample (2,357 customers who first bought in early 1997), seen
# as on one day, 1997-09-30: who is still a customer, who will buy again,
# what they are worth, what to do about each, and what the next 39 weeks
# then showed.  Every step writes its file into DEMO_OUT (default
# build/demo), which is kept, and the end says what to run next.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top/bin:$PATH
out=${DEMO_OUT:-$top/build/demo}
mkdir -p "$out"
cd "$top/examples"
day=1997-09-30
say() { printf '\n== %s ==\n' "$*"; }
show() { mlr --icsv --opprint "$@"; }

say "1. The customers as of $day (weeks), from the order log"
summarize --as-of $day --unit week --backtest auto orders.csv > "$out/customers.csv"
show stats1 -a count,mean -f frequency,recency,T "$out/customers.csv"
echo "frequency = repeat purchases, recency = weeks from first to last"
echo "purchase, T = weeks from first purchase to $day."

say "2. Who will buy again in the next 39 weeks (churn)"
churn --horizon 39w "$out/customers.csv" > "$out/scored.csv" 2> "$out/churn.log"
show stats1 -a mean,sum -f p_alive,p_return,churned "$out/scored.csv"
echo "p_return = probability of at least one purchase in the horizon, from"
echo "an MBG/NBD model corrected by a layer learned on the data's own past;"
echo "churned = 1 when p_return is below one half."

say "3. What each customer is worth over a year (clv, 30% margin)"
clv --model-type pnbd --horizon 1y --margin 0.3 "$out/scored.csv" > "$out/valued.csv" 2> "$out/clv.log"
show sort -nr clv then head -n 5 then \
	cut -o -f customer_id,frequency,p_return,expected_spend,clv,value_tier "$out/valued.csv"
echo "value_tier: top1 = the most valuable 1% of customers, top20 = the"
echo "next 19%, rest = the others."

say "4. Who is worth a win-back offer (offer cost 2)"
winback --lapse-days 90 --offer-cost 2 --margin 0.3 --horizon 39w "$out/valued.csv" \
	> "$out/offers.csv" 2> "$out/winback.log"
show head -n 5 then cut -o -f customer_id,orders,last_purchase,winback_value,winback_prob,winback_reason \
	"$out/offers.csv"
echo "winback_prob = probability of a purchase within 39 weeks, learned from"
echo "who came back in the past; winback_value = that times the profit if"
echo "back, less the offer's cost. 'core' = 4+ orders; 'at-risk' = p_alive"
echo "below one half; 'overdue' = away more than twice the customer's usual"
echo "gap; 'lapsed' = away more than --lapse-days (here 90)."

say "5. One next best action per customer, within a budget of 500"
plan --cost retain=1,win_back=2,up_sell=0.5,onboard=1 --budget 500 "$out/valued.csv" > "$out/plan.csv"
show count-distinct -f action then sort -nr count "$out/plan.csv"

say "6. What the next 39 weeks showed (the holdout the models never saw)"
summarize --as-of $day --unit week --backtest auto --holdout-start 1997-10-01 orders.csv |
	churn --horizon 39w --evaluate 2>&1 >/dev/null | tail -n 11

cat <<EOF

Your files are in $out:
  customers.csv  one record per customer    scored.csv  + p_alive, p_return, churned
  valued.csv     + expected_spend, clv       offers.csv  win-back offers, best first
  plan.csv       + action, action_value      *.log       the models' reports
Next: man siklus (the record contract and a glossary), man churn, or
  report --transactions examples/orders.csv $out/valued.csv > $out/report.html
EOF
