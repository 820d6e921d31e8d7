#!/bin/sh
# Golden CLI cases: tests/cases/PROG/NAME/ holds
#   cmd   the command line (sh), run inside the case directory with bin/ first on PATH
#   in    standard input (optional; /dev/null otherwise)
#   out   expected standard output
#   err   expected standard error (optional: not compared when absent)
#   rc    expected exit status (optional: 0)
# UPDATE=1 rewrites out, err and rc from what the programs do now: review
# the diff before committing.  VALGRIND=1 runs every program under
# valgrind (memcheck, leaks) and fails a case on any error.
# Usage: run-cases.sh [CASE_DIR...]
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$top/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "${VALGRIND:-0}" = 1 ]; then
	mkdir "$tmp/vg"
	for p in "$top"/bin/*; do
		n=$(basename "$p")
		# Valgrind's report goes to a log shown only when the program
		# ended by itself: one killed by SIGPIPE (a case piping into
		# head) dies holding live memory that memcheck would call lost.
		# The log stays out of TMPDIR (a case may check that nothing is
		# left there), valgrind's gdb pipes are off, and TERM, HUP and
		# INT sent to this wrapper go on to the program (a case may kill
		# it mid-run), which runs with this wrapper's standard input.
		cat > "$tmp/vg/$n" <<EOS
#!/bin/sh
log=\$(mktemp "$tmp/vg/log.XXXXXX")
vg() { exec valgrind -q --vgdb=no --log-file="\$log" --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect "$p" "\$@"; }
if (exec 3<&0) 2>/dev/null; then
	exec 3<&0
	vg "\$@" <&3 3<&- &
	child=\$!
	exec 3<&-
else
	vg "\$@" <&- &		# standard input closed: so for the program
	child=\$!
fi
for sig in TERM HUP INT; do trap "kill -\$sig \$child 2>/dev/null" \$sig; done
wait \$child
rc=\$?
while kill -0 \$child 2>/dev/null; do wait \$child; rc=\$?; done
[ \$rc -lt 128 ] && cat "\$log" >&2
rm -f "\$log"
exit \$rc
EOS
		chmod +x "$tmp/vg/$n"
	done
	bindir=$tmp/vg
fi
[ $# -gt 0 ] || set -- "$top"/tests/cases/*/*/
pass=0 fail=0
for d in "$@"; do
	d=$(cd "${d%/}" 2>/dev/null && pwd) || continue
	[ -f "$d/cmd" ] || continue
	name=${d#"$top"/tests/cases/}
	input=/dev/null
	[ -f "$d/in" ] && input=$d/in
	(cd "$d" && PATH="$bindir:$PATH" TOP="$top" LC_ALL=C TZ=UTC sh ./cmd < "$input" > "$tmp/out" 2> "$tmp/err"; echo $? > "$tmp/rc")
	rc=$(cat "$tmp/rc")
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$tmp/out" "$d/out"
		cp "$tmp/err" "$d/err"
		echo "$rc" > "$d/rc"
	fi
	want_rc=0
	[ -f "$d/rc" ] && want_rc=$(cat "$d/rc")
	ok=1
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $name: exit status $rc, expected $want_rc"; ok=0
	fi
	if ! cmp -s "$tmp/out" "$d/out"; then
		echo "FAIL $name: stdout differs"; diff "$d/out" "$tmp/out" | head -10; ok=0
	fi
	if [ -f "$d/err" ] && ! cmp -s "$tmp/err" "$d/err"; then
		echo "FAIL $name: stderr differs"; diff "$d/err" "$tmp/err" | head -10; ok=0
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
