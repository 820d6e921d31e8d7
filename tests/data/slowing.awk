# slowing.awk: a deterministic purchase log whose customers slow down,
# for the tests of the learned layer's count of those who come back
# (lib/model/hurdle.c).  Usage: awk -v n=3000 -v seed=5 -f log2024.awk -f slowing.awk
#
# 2024, day 0 = 2024-01-01, observed to day 364 (2024-12-30).  Each
# customer first buys in the first 120 days, then again after
# exponential gaps whose mean starts at her own 5 to 45 days and doubles
# every 120 days since her first purchase (each gap drawn with the mean at
# its start); after each purchase she leaves with probability 0.02.  The
# population models hold a customer's rate constant, so they promise
# those who come back more purchases than they make.
#
# Run as awk -f log2024.awk -f slowing.awk (the generator and dates).
BEGIN {
	start(5, "customer_id,date,amount")
	for (i = 1; i <= n; i++) {
		t0 = t = int(120 * u())
		gap = 5 + 40 * u()
		while (t <= 364) {
			printf "c%d,%s,%.2f\n", i, date(t), 10 + int(90 * u())
			if (u() < 0.02)
				break
			t += 1 + int(-gap * 2 ^ ((t - t0) / 120) * log(1 - u()))
		}
	}
}
