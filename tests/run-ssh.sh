#!/bin/sh
# The scale-out recipe across hosts: examples/sharded.sh with GNU parallel
# --sshlogin over two ssh "hosts", both 127.0.0.1 through an sshd this
# script starts (Debian's openssh-server, its own config, host key and a
# throwaway client key in a temporary directory, listening on the
# loopback address only) and stops.  The model and the scored customers
# must be those of one process, and both hosts must have run jobs.  When
# sshd cannot start (not installed, no loopback, a port taken), the test
# is skipped with a message, not failed.
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
pid=
stop() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap stop EXIT
skip() { echo "ssh: skipped: $*"; exit 0; }
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || skip "no sshd (Debian package openssh-server)"
command -v ssh > /dev/null || skip "no ssh client (openssh-client)"
command -v parallel > /dev/null || skip "no GNU parallel"
export LC_ALL=C TZ=UTC

ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key" || skip "ssh-keygen failed"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/client_key" || skip "ssh-keygen failed"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
chmod 600 "$tmp/authorized_keys"
# privilege separation wants its empty directory
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
port=$((20000 + $$ % 20000))
cat > "$tmp/sshd_config" <<EOC
ListenAddress 127.0.0.1
Port $port
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/authorized_keys
PidFile $tmp/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
MaxStartups 50
MaxSessions 50
EOC
"$sshd" -D -e -f "$tmp/sshd_config" 2> "$tmp/sshd.log" &
pid=$!
# Two host names, one address: parallel treats them as two hosts.
cat > "$tmp/ssh_config" <<EOC
Host h1 h2
	HostName 127.0.0.1
	Port $port
	User $(id -un)
	IdentityFile $tmp/client_key
	IdentitiesOnly yes
	UserKnownHostsFile /dev/null
	StrictHostKeyChecking no
	BatchMode yes
	LogLevel ERROR
EOC
up=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	if ssh -F "$tmp/ssh_config" h1 true 2> /dev/null; then up=1; break; fi
	kill -0 "$pid" 2> /dev/null || break
	sleep 0.5
done
[ $up = 1 ] || skip "sshd did not start on 127.0.0.1:$port: $(tail -n 1 "$tmp/sshd.log")"

cd "$tmp" || exit 1
cc -O2 -o gen "$top/bench/gen.c" -lm && ./gen 20000 4000 5 > log.csv || { echo "FAIL ssh: generator"; exit 1; }
PATH=$top/bin:$PATH
export PATH PARALLEL_SSH="ssh -F $tmp/ssh_config"
fail=0
SK_SSHLOGIN=1/h1,1/h2 bash "$top/examples/sharded.sh" log.csv 2 "$tmp/out" --as-of 2024-12-31 \
	> run.log 2>&1 || { echo "FAIL ssh: sharded.sh over ssh: $(tail -n 3 run.log)"; fail=1; }
summarize --as-of 2024-12-31 log.csv | churn --save-model single.json > single.csv
jq -c .params single.json > a 2> /dev/null
jq -c .params out/model.json > b 2> /dev/null
cmp -s a b || { echo "FAIL ssh: the model differs from one process's"; fail=1; }
sort single.csv > a
sort out/scored.csv > b 2> /dev/null
cmp -s a b || { echo "FAIL ssh: the scored customers differ from one process's"; fail=1; }
# Both passes ran through ssh: the sessions sshd accepted.
n=$(grep -c 'Accepted publickey' sshd.log)
[ "$n" -ge 5 ] || { echo "FAIL ssh: only $n ssh sessions, the jobs did not run remotely"; fail=1; }
[ $fail = 0 ] && echo "ssh: sharded.sh over 2 ssh hosts equals one process ($n ssh sessions)"
exit $fail
