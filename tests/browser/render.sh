#!/bin/sh
# End-to-end: make the CDNOW report with the whole pipeline (summarize |
# classify | churn | clv | winback, cohorts from the log, the model churn
# saved) and open it in headless Chromium.  Checks, without python or
# image tools:
#   - the DOM Chromium built has every section, the charts and the tables;
#   - Chromium blocked nothing: the page's Content-Security-Policy makes
#     it log any fetch or script it blocks (a tampered copy shows that it
#     does);
#   - the screenshot is a 1200x3000 PNG, and far larger than the
#     screenshot of a blank page of the same size (a page that rendered
#     as one colour compresses to about the blank one's size).
# Needs Debian's chromium (CHROMIUM=... names another binary).  Missing
# chromium is a failure, not a skip.  KEEP=DIR keeps the page and PNG.
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
	[ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$tmp"/report.html "$tmp"/*.png "$KEEP"/ 2>/dev/null
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
if summarize --as-of 1997-09-30 --unit week "$log" | $classify |
	churn --unit week --horizon 39w --save-model "$tmp/model.json" | clv --unit week |
	winback --unit week --all |
	report --transactions "$log" --model "$tmp/model.json" --title "CDNOW sample" \
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
for id in headline stages phases segments cohorts clv palive winback model holdout; do
	[ "$id" != stages ] || [ "$classify" != cat ] || continue
	[ "$id" != phases ] || [ "$classify" != cat ] || continue
	[ "$id" != segments ] || [ "$classify" != cat ] || continue
	check "DOM has section $id" 'grep -q "<section id=\"$id\"" "$tmp/dom.html"'
done
nsvg=$(grep -c '<svg' "$tmp/report.html")
check "DOM has the $nsvg charts of the page" '[ "$(grep -o "<svg" "$tmp/dom.html" | wc -l)" -eq "$nsvg" ]'
check "DOM has the headline figure 2357 customers" \
	'grep -q "<dt>Customers</dt><dd>2357</dd>" "$tmp/dom.html"'
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
finish
