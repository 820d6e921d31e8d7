# check-html.awk: a structural check of report's HTML without xmllint
# (which CI may not have).  Every element that is opened is closed, in
# order; void elements (meta, br, ...) and self-closed SVG elements
# (<rect .../>) need no end tag; every tag ends with ">"; no raw "<"
# appears in text (data must arrive escaped).  Prints "wellformed", or
# the first problem and the number of the tag where it was found.
# Usage: awk -f check-html.awk FILE
BEGIN { RS = "<"; depth = 0; bad = ""; ntag = 0 }
NR == 1 { if ($0 !~ /^[ \t\n]*$/) bad = "text before the first tag"; next }
bad != "" { next }
{
	ntag++
	end = index($0, ">")
	if (end == 0) { bad = "tag without \">\": <" substr($0, 1, 40); next }
	tag = substr($0, 1, end - 1)
	if (tag ~ /^!/) next			# <!DOCTYPE html>
	if (tag ~ /^\//) {
		name = substr(tag, 2)
		if (depth == 0) { bad = "</" name "> closes nothing"; next }
		if (stack[depth] != name) { bad = "</" name "> closes <" stack[depth] ">"; next }
		depth--
		next
	}
	name = tag
	sub(/[ \t\n\/].*/, "", name)
	if (name !~ /^[a-zA-Z][a-zA-Z0-9]*$/) { bad = "bad tag name <" substr(tag, 1, 40); next }
	if (tag ~ /\/$/) next			# <rect .../>
	if (name ~ /^(meta|br|hr|img|input|link|col|area|base|wbr|source)$/) next
	stack[++depth] = name
}
END {
	if (bad == "" && depth != 0)
		bad = "<" stack[depth] "> is never closed"
	if (bad == "" && ntag == 0)
		bad = "no tags"
	if (bad != "") { print "not wellformed: " bad " (tag " ntag ")"; exit 1 }
	print "wellformed"
}
