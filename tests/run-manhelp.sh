#!/bin/sh
# --help and the man page agree: every option a program's --help lists is
# documented in its page (or, for the options every program takes, in
# siklus(7)), and every option its page lists (.It Fl) is in --help.
# Then the shell completion (completion/siklus.bash) offers exactly the
# options of --help and the value lists that --help spells out.
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL manhelp $*"; fail=$((fail + 1)); }
opts_of_man() {
	sed -n 's/^\.It Fl \(-[a-z][a-z0-9-]*\).*/-\1/p; s/^\.It Fl \([a-z]\) , Fl \(-[a-z][a-z0-9-]*\).*/-\2/p' "$1" | sort -u
}
# The options --help defines: the start of each line that begins with a
# dash, up to the description (options named inside a description are
# not the program's).  The completion reads --help the same way.
opts_of_text() { bash -c '. "$1"; _siklus_defs' sh "$top/completion/siklus.bash"; }
# Options named anywhere in a page (Fl -x) count as documented there.
page_opts() { grep -o 'Fl -[a-z][a-z0-9-]*' "$@" | sed 's/^.*Fl -/--/' | sort -u; }
page_opts "$top/man/siklus.7" "$top/man/summarize.1" > "$tmp/common"
mkdir "$tmp/empty"
for p in "$top"/bin/*; do
	n=$(basename "$p")
	page=$top/man/$n.1
	[ -f "$page" ] || { bad "$n: no man page"; continue; }
	"$p" --help | opts_of_text > "$tmp/help"
	# The program's own options (above the "every program" block of
	# --help) are documented in its page; the common ones in its page,
	# summarize(1) or siklus(7).
	"$p" --help | sed '/(every program)/,$d' | opts_of_text > "$tmp/own"
	page_opts "$page" > "$tmp/doc"
	missing=$(comm -23 "$tmp/own" "$tmp/doc" | tr '\n' ' ')
	[ -z "$missing" ] && ok || bad "$n: in --help, not in $n.1: $missing"
	sort -u "$tmp/doc" "$tmp/common" > "$tmp/doc2"
	missing=$(comm -23 "$tmp/help" "$tmp/doc2" | tr '\n' ' ')
	[ -z "$missing" ] && ok || bad "$n: common option in --help, not in $n.1, summarize.1 or siklus.7: $missing"
	opts_of_man "$page" > "$tmp/listed"
	extra=$(comm -13 "$tmp/help" "$tmp/listed" | tr '\n' ' ')
	[ -z "$extra" ] && ok || bad "$n: listed in $n.1, not in --help: $extra"
	# Completion: registered for the program and its sk- name, offering
	# the options of --help, nothing else.
	bash -c '. "$1"; complete -p "$2" && complete -p "sk-$2"' sh "$top/completion/siklus.bash" "$n" \
		>/dev/null 2>&1 && ok || bad "$n: no completion registered (completion/siklus.bash, complete line)"
	bash -c '. "$1"; COMP_WORDS=("$2" --); COMP_CWORD=1; _siklus; printf "%s\n" "${COMPREPLY[@]}"' \
		sh "$top/completion/siklus.bash" "$p" | sort -u > "$tmp/comp"
	cmp -s "$tmp/comp" "$tmp/help" && ok || bad "$n: completion of -- differs from --help"
done
# Value lists: the words --help gives, and none for a free-form value.
check_values() {
	got=$(cd "$tmp/empty" && bash -c '. "$1"; COMP_WORDS=("$2" "$3" ""); COMP_CWORD=2; _siklus; printf "%s " "${COMPREPLY[@]}"' \
		sh "$top/completion/siklus.bash" "$top/bin/$1" "$2" | tr -s ' ' | sed 's/ $//')
	[ "$got" = "$3" ] && ok || bad "completion $1 $2: got \"$got\", want \"$3\""
}
check_values churn --unit "day week month year"
check_values churn --model-type "$("$top/bin/churn" --help | sed -n 's/^  --model-type M *//p' | sed 's/([^)]*)//g; s/,* or /,/; s/, */ /g; s/ *$//' | tr -s ' ')"
check_values classify --scheme "$("$top/bin/classify" --help | sed -n 's/^  --scheme S *//p' | sed 's/([^)]*)//g; s/,* or /,/; s/, */ /g; s/ *$//' | tr -s ' ')"
check_values churn --threshold ""
check_values churn --dropout-coefficients "separate shared"
check_values clv --dropout-coefficients "separate shared"
echo "manhelp: $pass passed, $fail failed"
[ $fail -eq 0 ]
