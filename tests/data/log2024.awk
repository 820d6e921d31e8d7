# log2024.awk: what the simulated logs of the learned-layer tests share
# (complainers.awk, slowing.awk, spenders.awk; each is run as
# awk -f log2024.awk -f NAME.awk).  Days count from 2024-01-01 (a leap
# year).
#
# The uniform draws are Park & Miller's minimal standard generator (CACM
# 31(10), 1988: x' = 16807 x mod 2^31 - 1), exact in awk's doubles, so
# every awk writes the same log.  start() seeds it (the script's default
# seed unless -v seed= is given), sets n's default and prints the header.
function u() { x = (16807 * x) % 2147483647; return x / 2147483647 }
function date(d,   m) {
	for (m = 1; d >= ml[m]; m++)
		d -= ml[m]
	return sprintf("2024-%02d-%02d", m, d + 1)
}
function start(defseed, header) {
	if (n == "") n = 3000
	if (seed == "") seed = defseed
	x = seed
	split("31 29 31 30 31 30 31 31 30 31 30 31", ml, " ")
	print header
}
