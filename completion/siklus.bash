# bash completion for the siklus programs (summarize, classify, churn, clv,
# winback, cohort, xsell, report, and any program added later).
#
# Options are read from the program's own --help at completion time, so
# the completion can never disagree with the program that is installed;
# the values of the options that take a fixed set of words are listed here.
# Installed by `make install` as one file per program under
# $(PREFIX)/share/bash-completion/completions/ (bash-completion loads a
# command's file on first use); or source this file from ~/.bashrc.

_siklus_words()
{
	# The options a program defines in its --help (the start of a line
	# that begins with a dash, up to the description), once per shell.
	local prog=$1 var
	var="_siklus_opts_$(printf '%s' "${prog##*/}" | tr -c 'a-zA-Z0-9_' '_')"
	if [ -z "${!var-}" ]; then
		printf -v "$var" '%s' "$("$prog" --help 2>/dev/null | _siklus_defs | tr '\n' ' ')"
	fi
	printf '%s' "${!var}"
}

_siklus_defs()
{
	awk '/^ +-/ {
		sub(/^ +/, ""); split($0, part, /  +/); d = part[1]
		while (match(d, /--[a-z][a-z0-9-]*/)) {
			print substr(d, RSTART, RLENGTH); d = substr(d, RSTART + RLENGTH)
		}
	}' | sort -u
}

_siklus_values()
{
	# The words an option takes, when its --help line lists them
	# ("--unit U   day, week, month (30.4375 days) or year; ..."): the
	# line's text up to a semicolon, without parentheses, cut at commas
	# and "or", every piece one
	# lowercase word.  Anything else (a number, a file) gets no list.
	"$1" --help 2>/dev/null | awk -v opt="$2" '
	{ sub(/^  (-[a-zA-Z], )?/, "") }
	$1 == opt && $2 ~ /^[A-Z]+$/ {
		$1 = ""; $2 = ""; line = $0
		gsub(/\([^)]*\)/, "", line)
		sub(/;.*/, "", line)
		gsub(/,? or /, ",", line)
		n = split(line, w, ",")
		out = ""
		for (i = 1; i <= n; i++) {
			gsub(/^ +| +$/, "", w[i])
			if (w[i] !~ /^[a-z][a-z0-9_]*$/) exit
			out = out " " w[i]
		}
		if (n >= 2) print out
		exit
	}'
}

_siklus()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-d|--delimiter) COMPREPLY=($(compgen -W ", ';' '|' tab" -- "$cur")); return ;;
	--*)
		local vals
		vals=$(_siklus_values "${COMP_WORDS[0]}" "$prev")
		if [ -n "$vals" ]; then
			COMPREPLY=($(compgen -W "$vals" -- "$cur"))
			return
		fi ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_siklus_words "${COMP_WORDS[0]}")" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

complete -o filenames -F _siklus summarize classify churn clv winback cohort xsell report plan whatif shard \
	sk-summarize sk-classify sk-churn sk-clv sk-winback sk-cohort sk-xsell sk-report sk-plan sk-whatif sk-shard
