#!/bin/sh
# A psql round trip, as an analyst runs it: orders come out of PostgreSQL
# with \copy ... to stdout csv header, go through summarize | churn, and
# the scored customers go back in with \copy ... from stdin; then SQL
# checks that every customer came back with its numbers.  A throwaway
# cluster (initdb in a temp folder, Unix socket only, no TCP port) is
# started and stopped by the test.  Needs Debian's postgresql (installed
# by tests/deps.sh when run as root); as root the cluster runs as the
# postgres user.  Prints "psql: N passed, M failed".
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$top/bin:$PATH
export LC_ALL=C TZ=UTC
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/initdb" ] || { echo "psql: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }
tmp=$(mktemp -d)
pgdata=$tmp/pg
run() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	chown postgres "$tmp"
	run() { runuser -u postgres -- "$@"; }
fi
stop() { run "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1; rm -rf "$tmp"; }
trap stop EXIT
trap 'exit 1' INT TERM HUP
run "$pgbin/initdb" -A trust -U siklus -D "$pgdata" >"$tmp/initdb.log" 2>&1 ||
	{ cat "$tmp/initdb.log" >&2; echo "psql: initdb failed" >&2; exit 1; }
run "$pgbin/pg_ctl" -D "$pgdata" -w -l "$tmp/pg.log" \
	-o "-c listen_addresses='' -k $tmp -c fsync=off" start >/dev/null ||
	{ cat "$tmp/pg.log" >&2; echo "psql: the server did not start" >&2; exit 1; }
sql() { psql -X -q -v ON_ERROR_STOP=1 -h "$tmp" -U siklus -d postgres "$@"; }

pass=0 fail=0
check() { if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok - $1"; else fail=$((fail + 1)); echo "FAIL $1: got \"$2\", want \"$3\""; fi; }

sql -c "create table orders (customer_id text, date date, cds int, amount numeric(10,2))" &&
	sql -c "\\copy orders from '$top/examples/orders.csv' csv header" || exit 1
check "orders loaded" "$(sql -At -c 'select count(*) from orders')" 6919

# Out of the database, through the filters, back in.
sql -c "\\copy (select customer_id, date, amount from orders order by date, customer_id) to stdout csv header" |
	summarize --as-of 1997-09-30 --unit week | churn --unit week --horizon 39w > "$tmp/scored.csv" ||
	{ echo "FAIL the pipeline"; exit 1; }
cols=$(head -n 1 "$tmp/scored.csv" | sed 's/\([^,][^,]*\)/"\1" text/g')
sql -c "create table scored ($cols)" &&
	sql -c "\\copy scored from stdin csv header" < "$tmp/scored.csv" || exit 1

# Every customer with a purchase by the as-of date came back, once.
check "every customer back" \
	"$(sql -At -c 'select count(*), count(distinct customer_id) from scored')" \
	"$(sql -At -c "select count(distinct customer_id), count(distinct customer_id) from orders where date <= '1997-09-30'")"
# frequency = repeat purchase days before the as-of date, as SQL counts them.
check "frequency agrees with SQL" \
	"$(sql -At -c "select count(*) from scored s join (select customer_id, count(distinct date) - 1 as f from orders where date <= '1997-09-30' group by customer_id) o using (customer_id) where s.frequency::int <> o.f")" 0
# p_alive is a probability and the scores survive the trip as numbers.
check "p_alive in [0, 1]" \
	"$(sql -At -c 'select count(*) from scored where p_alive::float8 < 0 or p_alive::float8 > 1')" 0
check "expected purchases add up" \
	"$(sql -At -c 'select round(sum(expected_purchases::float8)) > 0 from scored')" t
echo "psql: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
