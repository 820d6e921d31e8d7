#!/bin/sh
# End-to-end: make the CDNOW report with the whole pipeline (summarize |
# classify | churn | clv | winback, cohorts from the log, the model churn
# saved, its tracking file, the records of a previous run three months
# earlier) and open it in headless Chromium.  Checks, without python or
# image tools:
#   - the DOM Chromium built has every section, the charts and the tables;
#   - Chromium blocked nothing: the page's Content-Security-Policy makes
#     it log any fetch or script it blocks (a tampered copy shows that it
#     does);
#   - the screenshot is a 1200x3000 PNG, and far larger than the
#     screenshot of a blank page of the same size (a page that rendered
#     as one colour compresses to about the blank one's size);
#   - at phone width (the page in a 420 px frame), measured in the
#     rendered page by audit.js: nothing sticks out sideways, every text
#     is at least 11 px as rendered (an SVG's text times the SVG's scale)
#     and has a WCAG 2.1 contrast ratio of at least 4.5:1 against its
#     effective background (the cell under a heat-map label);
#   - in print (Chromium's PDF, read back with pdftotext): the last cell
#     of the first and the last row of every table is in the PDF, so no
#     table was left collapsed and no column cut;
#   - control: a copy tampered four ways (charts allowed to shrink, a
#     grey paragraph, a 900 px box, a table collapsed) fails each check.
# Needs Debian's chromium and poppler-utils (CHROMIUM=... names another
# binary).  Missing chromium is a failure, not a skip.  KEEP=DIR keeps the
# page, the PNG and the PDF.
# Prints "browser: N passed, M failed"; exits 1 on any failure.
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$top/bin:$PATH
export LC_ALL=C TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
no() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }
finish() {
	[ -n "${KEEP:-}" ] && mkdir -p "$KEEP" &&
		cp "$tmp"/report.html "$tmp"/*.png "$tmp"/*.pdf "$KEEP"/ 2>/dev/null
	echo "browser: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" > /dev/null 2>&1; then
	no "$chromium not found: apt-get install -y chromium (or set CHROMIUM)"
	finish
fi

# The report.
log=$top/examples/orders.csv
classify=cat
[ -x "$top/bin/classify" ] && classify="classify --unit week --rfm"
if summarize --as-of 1997-06-30 --unit week "$log" | $classify |
	churn --unit week --horizon 39w 2> /dev/null | clv --unit week > "$tmp/previous.csv" &&
	churn --as-of 1997-09-30 --unit week --tracking "$tmp/tracking.json" -o /dev/null "$log" \
		2> /dev/null &&
	summarize --as-of 1997-09-30 --unit week "$log" | $classify |
	churn --unit week --horizon 39w --save-model "$tmp/model.json" 2> /dev/null |
	clv --unit week | winback --unit week --all |
	report --transactions "$log" --model "$tmp/model.json" --tracking "$tmp/tracking.json" \
		--previous "$tmp/previous.csv" --currency-label USD --title "CDNOW sample" \
		-o "$tmp/report.html"; then
	ok "report made ($(wc -c < "$tmp/report.html") bytes)"
else
	no "the pipeline failed"
	finish
fi
printf '<!DOCTYPE html>\n<html><head><title>blank</title></head><body></body></html>\n' \
	> "$tmp/blank.html"

# Chromium, kept off the network and out of $HOME.
run_chromium() {
	prof=$(mktemp -d "$tmp/profile.XXXXXX")
	HOME=$prof XDG_CONFIG_HOME=$prof XDG_CACHE_HOME=$prof \
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-extensions --hide-scrollbars --user-data-dir="$prof" \
		--enable-logging=stderr --v=0 "$@"
}

run_chromium --dump-dom "file://$tmp/report.html" > "$tmp/dom.html" 2> "$tmp/dom.err"
check "chromium loads the page (--dump-dom)" '[ -s "$tmp/dom.html" ]'
for id in headline trend stages phases segments cohorts clv palive winback model holdout \
	tracking; do
	[ "$id" != stages ] || [ "$classify" != cat ] || continue
	[ "$id" != phases ] || [ "$classify" != cat ] || continue
	[ "$id" != segments ] || [ "$classify" != cat ] || continue
	check "DOM has section $id" 'grep -q "<section id=\"$id\"" "$tmp/dom.html"'
done
nsvg=$(grep -c '<svg' "$tmp/report.html")
check "DOM has the $nsvg charts of the page" '[ "$(grep -o "<svg" "$tmp/dom.html" | wc -l)" -eq "$nsvg" ]'
check "DOM has the headline figure 2,357 customers" \
	'grep -q "<dt>Customers</dt><dd>2,357</dd>" "$tmp/dom.html"'
check "no script in the DOM" '! grep -qi "<script" "$tmp/dom.html"'
blocked='Refused to\|violates the following Content Security Policy'
check "chromium blocked nothing (no fetch, no script)" '! grep -q "$blocked" "$tmp/dom.err"'
# The control: a copy with an image from the network and a script must be
# reported, or the check above proves nothing with this Chromium.
sed 's|</main>|<img src="https://example.invalid/x.png"/><script>document.title="x"</script></main>|' \
	"$tmp/report.html" > "$tmp/tampered.html"
run_chromium --dump-dom "file://$tmp/tampered.html" > /dev/null 2> "$tmp/tampered.err"
check "control: chromium reports the fetch and script of a tampered copy" \
	'[ "$(grep -c "$blocked" "$tmp/tampered.err")" -ge 2 ]'

run_chromium --screenshot="$tmp/report.png" --window-size=1200,3000 \
	"file://$tmp/report.html" > "$tmp/shot.out" 2> "$tmp/shot.err"
run_chromium --screenshot="$tmp/blank.png" --window-size=1200,3000 \
	"file://$tmp/blank.html" > /dev/null 2>&1
check "screenshot written" '[ -s "$tmp/report.png" ]'
# PNG: 8-byte signature, then IHDR with width and height (big-endian).
sig=$(od -An -tx1 -N8 "$tmp/report.png" 2>/dev/null | tr -d ' \n')
check "screenshot is a PNG" '[ "$sig" = 89504e470d0a1a0a ]'
wh=$(od -An -tu1 -j16 -N8 "$tmp/report.png" 2>/dev/null |
	awk '{ print ($1 * 16777216 + $2 * 65536 + $3 * 256 + $4) "x" ($5 * 16777216 + $6 * 65536 + $7 * 256 + $8) }')
check "screenshot is 1200x3000 ($wh)" '[ "$wh" = 1200x3000 ]'
size=$(wc -c < "$tmp/report.png" 2>/dev/null || echo 0)
blank=$(wc -c < "$tmp/blank.png" 2>/dev/null || echo 0)
check "screenshot larger than 50 KB ($size bytes)" '[ "$size" -gt 51200 ]'
check "screenshot not one colour: $size bytes against $blank for a blank page" \
	'[ "$blank" -gt 0 ] && [ "$size" -gt $((blank * 4)) ]'

# Phone width, print and contrast, measured in the rendered page.
# audit PAGE NAME: audit.js injected into a copy of PAGE (its CSP, which
# forbids scripts, taken out), shown in a 420 px frame of an outer page
# that copies the findings out (Chromium's window is at least 500 px
# wide; a frame is as wide as it is told); and PAGE printed to NAME.pdf
# and read back with pdftotext.  Leaves NAME.audit and NAME.txt.
audit() {
	sed 's|<meta http-equiv="Content-Security-Policy"[^>]*>||; s|</body>|<script>\n__AUDIT__\n</script></body>|' "$1" |
		awk -v js="$top/tests/browser/audit.js" '
		/^__AUDIT__$/ { while ((getline l < js) > 0) print l; next } { print }' > "$tmp/$2.a.html"
	cat > "$tmp/$2.frame.html" <<EOF
<!DOCTYPE html><html><head><title>frame</title></head><body style="margin:0">
<iframe id="f" src="$2.a.html" style="width:420px;height:900px;border:0"></iframe>
<script>
document.getElementById('f').onload = function () {
	var p = this.contentDocument && this.contentDocument.getElementById('audit');
	var o = document.createElement('pre');
	o.textContent = p ? p.textContent : '\nAUDIT none';
	document.body.appendChild(o);
};
</script></body></html>
EOF
	run_chromium --allow-file-access-from-files --window-size=1000,900 --dump-dom \
		"file://$tmp/$2.frame.html" 2> /dev/null | sed -n 's/^AUDIT //p' > "$tmp/$2.audit"
	run_chromium --no-pdf-header-footer --print-to-pdf="$tmp/$2.pdf" "file://$1" \
		> /dev/null 2>&1
	pdftotext "$tmp/$2.pdf" - 2> /dev/null | tr -s ' \n' '  ' > "$tmp/$2.txt"
}
# The findings as checks: width, text size, contrast, print.
judge() {
	a=$tmp/$1.audit name=$1	# check's eval sees its own $1
	w=$(sed -n 's/^width //p' "$a")
	check "$1: audited at 420 px ($(sed -n 's/^text //p' "$a") texts measured)" \
		'[ "${w% *}" = 420 ] && [ "$(sed -n "s/^text //p" "$a")" -gt 500 ]'
	check "$1: nothing wider than 420 px (page ${w#* } px, $(grep -c '^wide' "$a") elements past it)" \
		'[ "${w#* }" -le 420 ] && ! grep -q "^wide" "$a"'
	check "$1: text at least 11 px (smallest $(sed -n 's/^minsize //p' "$a" | cut -c1-30); $(grep -c '^small' "$a") under 11)" \
		'! grep -q "^small" "$a" && grep -q "^minsize" "$a"'
	check "$1: contrast at least 4.5:1 (lowest $(sed -n 's/^mincontrast //p' "$a" | cut -c1-30); $(grep -c '^low' "$a") under 4.5)" \
		'! grep -q "^low" "$a" && grep -q "^mincontrast" "$a"'
	: > "$tmp/$1.missing"
	sed -n 's/^last //p' "$a" | while IFS= read -r cell; do
		grep -qF -- "$cell" "$tmp/$1.txt" || echo "$cell" >> "$tmp/$1.missing"
	done
	check "print has the last column of every table, $1 ($(grep -c '^last' "$a") cells; missing: $(tr '\n' '|' < "$tmp/$1.missing"))" \
		'[ -s "$tmp/$name.txt" ] && grep -q "^last" "$a" && [ ! -s "$tmp/$name.missing" ]'
}
if ! command -v pdftotext > /dev/null 2>&1; then
	no "pdftotext not found: apt-get install -y poppler-utils"
	finish
fi
audit "$tmp/report.html" page
judge page
grep '^small\|^low\|^wide' "$tmp/page.audit" | head -5
size=$(pdfinfo "$tmp/page.pdf" 2> /dev/null | sed -n 's/^Page size: *\([0-9.]*\) x \([0-9.]*\).*/\1 \2/p')
check "print is landscape ($size pt)" 'echo "$size" | awk "{ exit !(\$1 > \$2) }"'

# The control: the same checks on a copy that breaks each of them must
# fail, or they prove nothing with this Chromium.
sed 's/min-width:[0-9]*px//g; s/<details open>/<details>/g
	s|</main>|<p style="color:#999">a grey control paragraph</p><div style="width:900px">a wide control box</div></main>|' \
	"$tmp/report.html" > "$tmp/bad.html"
audit "$tmp/bad.html" bad
pass0=$pass fail0=$fail
judge bad > "$tmp/bad.judged"
pass=$pass0 fail=$fail0
for what in "bad: nothing wider" "bad: text at least" "bad: contrast at least" \
	"print has the last column of every table, bad"; do
	check "control: the tampered copy fails \"$what\"" 'grep -q "^FAIL $what" "$tmp/bad.judged"'
done
check "control: the grey paragraph is the low-contrast text found" \
	'grep -q "^low.*a grey control paragraph" "$tmp/bad.audit"'
finish
