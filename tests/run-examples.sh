#!/bin/sh
# Run every command in the EXAMPLES section of every man page.  In an
# example block (.Bd -literal ... .Ed), a line starting with "$ " is a
# command; the lines after it, up to the next command or the end of the
# block, are its expected standard output (when there are none, the
# command must succeed and print something).  Commands run in a scratch
# copy of examples/, with bin/ first on PATH.
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for page in "$top"/man/*.[17]; do
	awk '
		/^\.Sh / { ex = ($2 == "EXAMPLES") }
		ex && /^\.Bd -literal/ { inb = 1; next }
		ex && /^\.Ed/ { inb = 0; next }
		ex && inb { print }
	' "$page" | sed 's/\\e/\\/g; s/\\-/-/g; s/\\(aq/'"'"'/g' > "$tmp/ex"
	n=0
	# Split into command files: cmdN and expN.
	while IFS= read -r line; do
		case $line in
		'$ '*) n=$((n + 1)); printf '%s\n' "${line#\$ }" > "$tmp/cmd$n"; : > "$tmp/exp$n" ;;
		*) [ $n -gt 0 ] && printf '%s\n' "$line" >> "$tmp/exp$n" ;;
		esac
	done < "$tmp/ex"
	i=1
	while [ $i -le $n ]; do
		rm -rf "$tmp/work"; cp -r "$top/examples" "$tmp/work"
		(cd "$tmp/work" && PATH="$top/bin:$PATH" LC_ALL=C TZ=UTC sh "$tmp/cmd$i" > "$tmp/out" 2> "$tmp/err")
		rc=$?
		name="$(basename "$page") example $i"
		if [ $rc -ne 0 ]; then
			echo "FAIL $name: exit $rc: $(cat "$tmp/cmd$i")"; head -5 "$tmp/err"; fail=$((fail + 1))
		elif [ -s "$tmp/exp$i" ] && ! cmp -s "$tmp/exp$i" "$tmp/out"; then
			echo "FAIL $name: output differs: $(cat "$tmp/cmd$i")"; diff "$tmp/exp$i" "$tmp/out" | head -10; fail=$((fail + 1))
		elif [ ! -s "$tmp/exp$i" ] && [ ! -s "$tmp/out" ]; then
			echo "FAIL $name: no output: $(cat "$tmp/cmd$i")"; fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
		rm -f "$tmp/cmd$i" "$tmp/exp$i"
		i=$((i + 1))
	done
done
echo "examples: $pass passed, $fail failed"
[ $fail -eq 0 ]
