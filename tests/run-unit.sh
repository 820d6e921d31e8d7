#!/bin/sh
# Run the C unit tests (each prints "ok - ..." / "not ok - ..." lines and
# exits non-zero on a failure) from the top of the tree.
pass=0 fail=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	n_ok=$(printf '%s\n' "$out" | grep -c '^ok ')
	n_bad=$(printf '%s\n' "$out" | grep -c '^not ok ')
	pass=$((pass + n_ok)); fail=$((fail + n_bad))
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | grep -v '^ok ' | sed "s|^|$(basename "$t"): |"
		[ "$n_bad" -eq 0 ] && fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
