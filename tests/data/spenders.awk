# spenders.awk: a deterministic purchase log where what a customer spends
# says whether it stays, for the tests of the learned layer's order value
# (issue 16).  Usage: awk -v n=3000 -v seed=11 -f log2024.awk -f spenders.awk
#
# 2024, day 0 = 2024-01-01, observed to day 364 (2024-12-30).  Each
# customer first buys in the first 200 days, then again after
# exponential gaps of its own mean (15 to 60 days).  A third of them
# spend big (each order 80 to 120) and leave after a purchase with
# probability 0.03; the others spend little (10 to 30) and leave with
# probability 0.3, after the first purchase too, so that most of those
# who buy once and stay away are small spenders.
#
# Run as awk -f log2024.awk -f spenders.awk (the generator and dates).
BEGIN {
	start(11, "customer_id,date,amount")
	for (i = 1; i <= n; i++) {
		t = int(200 * u())
		gap = 15 + 45 * u()
		big = u() < 1 / 3
		while (t <= 364) {
			printf "c%d,%s,%.2f\n", i, date(t), big ? 80 + 40 * u() : 10 + 20 * u()
			if (u() < (big ? 0.03 : 0.3))
				break
			t += 1 + int(-gap * log(1 - u()))
		}
	}
}
