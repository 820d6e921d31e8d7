#!/bin/sh
# Every program over the shared bad-input corpus in tests/badinput/:
# `cases` says what to run, `expect` the exit status each program must
# give (lines "PROG ENTRY STATUS", PROG * for every program, the last
# matching line wins; "XFAIL reason" at the end marks a known bug, counted
# and printed apart so the suite stays green without hiding it).
# Whatever the status, standard error must be messages "prog: ..." only:
#   - an error (status not 0) is ONE line and standard output is empty;
#     a usage error (64) may add the line "Try 'prog --help' ...";
#     bad data (65) names the place: "prog: file:line: message", and
#     "stdin:line:" when it came from standard input;
#   - with --skip-bad every skipped row is one line "prog: file:line: ...",
#     then a count, then maybe the error that ended the run; a run that
#     succeeds writes output.
# Then every program writing to /dev/full (records, --help, --version)
# exits 74 with one line, and -o into a missing directory exits 73.
# Usage: run-badinput.sh [ENTRY...]
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/tests/badinput
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/adir"
nl='
'
progs=$(cd "$top/bin" && ls)
pass=0 fail=0 xfail=0 xpass=0

# placed LINE STDIN: is LINE "prog: file:line: ..." ("stdin:line:" when
# STDIN is 1)?  Shell only: thousands of runs, so no forks per check.
placed() {
	rest=${1#"$p: "}
	file=${rest%%:*}
	case $file in "" | *" "*) return 1 ;; esac
	[ "$2" = 1 ] && [ "$file" != stdin ] && return 1
	rest=${rest#*:}
	num=${rest%%:*}
	case $num in "" | *[!0-9]*) return 1 ;; esac
	case ${rest#"$num"} in ": "*) return 0 ;; esac
	return 1
}

# check PROG WANT SKIPBAD STDIN RC: judge $tmp/out and $tmp/err; sets
# why on failure.
check() {
	p=$1 want=$2 skipbad=$3 stdin=$4 rc=$5 why=
	[ "$rc" -ge 128 ] && { why="killed by signal $((rc - 128))"; return 1; }
	[ "$rc" = "$want" ] || { why="exit status $rc, expected $want"; return 1; }
	if [ "$want" != 0 ] && [ -s "$tmp/out" ]; then
		why="output on stdout before the error"; return 1
	fi
	if [ "$skipbad" = 1 ] && [ "$want" = 0 ] && ! [ -s "$tmp/out" ]; then
		why="no output with --skip-bad"; return 1
	fi
	n=0 seen=$nl last= first= second=
	while IFS= read -r l; do
		# A warning about the fit (a model that identifies nothing on
		# these tiny inputs) is not part of the error contract checked.
		case $l in "$p: warning: "*) continue ;; esac
		n=$((n + 1))
		[ $n = 1 ] && first=$l
		[ $n = 2 ] && second=$l
		case $seen in *"$nl$l$nl"*) why="a line printed twice: $l"; return 1 ;; esac
		seen=$seen$l$nl
		case $l in
		"$p: "*) ;;
		"Try '$p --help' for more information.") ;;
		*) why="a line of stderr is not \"$p: ...\": $l"; return 1 ;;
		esac
		# With --skip-bad: every skipped row, then a count, then maybe
		# the error that ended the run (a fit that fails).
		if [ "$skipbad" = 1 ] && [ -n "$last" ]; then
			case $last in "$p: skipped "[0-9]*" bad row"*) ;; *)
				placed "$last" "$stdin" ||
					{ why="a skipped row is not reported as \"$p: file:line: ...\": $last"; return 1; }
			esac
		fi
		last=$l
	done < "$tmp/err"
	[ "$want" = 0 ] && [ "$skipbad" = 1 ] && [ -n "$last" ] &&
		case $last in "$p: skipped "[0-9]*" bad row"*) ;; *)
			why="no count of the skipped rows at the end: $last"; return 1
		esac
	[ "$want" = 0 ] || [ "$skipbad" = 1 ] && return 0
	if [ "$want" = 64 ] && [ $n = 2 ]; then
		case $second in "Try "*) ;; *) why="two lines on stderr: $second"; return 1 ;; esac
	elif [ $n != 1 ]; then
		why="$n lines on stderr, expected one"; return 1
	fi
	if [ "$want" = 65 ] && ! placed "$first" "$stdin"; then
		[ "$stdin" = 1 ] && file=stdin || file=file
		why="data error not as \"$p: $file:line: ...\": $first"; return 1
	fi
	return 0
}

# result PROG ENTRY WANT XFAIL-NOTE: count and print the outcome of check.
result() {
	if check "$1" "$3" "$5" "$6" "$rc"; then
		if [ -n "$4" ]; then
			echo "XPASS $1 $2: passes now; remove XFAIL from tests/badinput/expect ($4)"
			xpass=$((xpass + 1))
		fi
		pass=$((pass + 1))
	elif [ -n "$4" ]; then
		echo "XFAIL $1 $2: $why -- $4"
		xfail=$((xfail + 1))
	else
		echo "FAIL $1 $2 ($7): $why"
		sed 's/^/    /' "$tmp/err" | head -n 3
		fail=$((fail + 1))
	fi
}

# The expectation of every program for every entry, resolved once:
# "KEY ENTRY PROG STATUS [XFAIL reason]", the last matching line of expect.
awk -v progs="$progs" '
	BEGIN { np = split(progs, prog, /[ \n]+/) }
	FNR == NR {
		if (/^#/ || NF < 3) next
		n++; ep[n] = $1; ee[n] = $2; ev[n] = $3
		for (i = 4; i <= NF; i++) ev[n] = ev[n] " " $i
		next
	}
	/^#/ || NF < 2 { next }
	{
		c++
		for (k = 1; k <= np; k++) {
			if ($2 != "*" && index("," $2 ",", "," prog[k] ",") == 0) continue
			v = ""
			for (i = 1; i <= n; i++)
				if ((ep[i] == prog[k] || ep[i] == "*") && (ee[i] == $1 || ee[i] == "*"))
					v = ev[i]
			print c, $1, prog[k], (v == "" ? "none" : v)
		}
	}' "$dir/expect" "$dir/cases" > "$tmp/want"
# ... and the commands: "KEY ENTRY ARGS...", KEY the number of the line.
awk '!/^#/ && NF >= 2 { $2 = ""; print ++c, $0 }' "$dir/cases" > "$tmp/cases"

cd "$dir" || exit 1
export LC_ALL=C TZ=UTC
while read -r key name args; do
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	# Expand the words of ARGS.
	set -f
	cmdargs= input=/dev/null fromstdin=0 skipbad=0
	for a in $args; do
		case $a in
		@DIR) a=$tmp/adir ;;
		@MISSING) a=no-such-file.csv ;;
		--skip-bad) skipbad=1 ;;
		"<"*) input=${a#<}; fromstdin=1; continue ;;
		esac
		cmdargs="$cmdargs $a"
	done
	while read -r k _ p want note; do
		[ "$k" = "$key" ] || continue
		if [ "$want" = none ]; then
			echo "FAIL $p $name: no line in tests/badinput/expect"
			fail=$((fail + 1)); continue
		fi
		case $note in XFAIL*) note=${note#XFAIL}; note=${note# } ;; *) note= ;; esac
		# shellcheck disable=SC2086
		"$top/bin/$p" $cmdargs < "$input" > "$tmp/out" 2> "$tmp/err"
		rc=$?
		# 126: bin/ was being relinked by a build beside this one (the
		# programs never exit so themselves): once more.
		if [ $rc = 126 ]; then
			sleep 1
			"$top/bin/$p" $cmdargs < "$input" > "$tmp/out" 2> "$tmp/err"
			rc=$?
		fi
		result "$p" "$name" "$want" "$note" "$skipbad" "$fromstdin" "$p$cmdargs"
	done < "$tmp/want"
	set +f
done < "$tmp/cases"

# Output errors, with a good input: every program.
if [ $# -eq 0 ]; then
	for p in $progs; do
		"$top/bin/$p" good.csv > /dev/full 2> "$tmp/err" < /dev/null
		rc=$?
		: > "$tmp/out"
		result "$p" dev-full 74 "" 0 0 "$p good.csv > /dev/full"
		for o in --help --version; do
			"$top/bin/$p" $o > /dev/full 2> "$tmp/err" < /dev/null
			rc=$?
			result "$p" "dev-full$o" 74 "" 0 0 "$p $o > /dev/full"
		done
		"$top/bin/$p" -o /nonexistent/dir/x good.csv > "$tmp/out" 2> "$tmp/err" < /dev/null
		rc=$?
		result "$p" cannot-create 73 "" 0 0 "$p -o /nonexistent/dir/x good.csv"
		# -o naming a device writes to it (74 here); it must never be
		# replaced by renaming a finished file over it.
		"$top/bin/$p" -o /dev/full good.csv > "$tmp/out" 2> "$tmp/err" < /dev/null
		rc=$?
		[ -c /dev/full ] || { rc=99; echo "$p -o /dev/full replaced the device" > "$tmp/err"; }
		result "$p" o-dev-full 74 "" 0 0 "$p -o /dev/full good.csv"
	done
fi
echo "badinput: $pass passed, $fail failed, $xfail known failures, $xpass fixed since marked"
[ $fail -eq 0 ]
