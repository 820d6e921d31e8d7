# baskets.awk: a deterministic line-item log where the size of the first
# basket, not its value, says whether a customer stays: the test of
# winback's first_quantity (issue 16).  Usage:
# awk -v n=3000 -v seed=13 -f log2024.awk -f baskets.awk
#
# 2024, day 0 = 2024-01-01, observed to day 364 (2024-12-30).  Each
# customer first buys in the first 200 days, then again after
# exponential gaps of its own mean (15 to 60 days).  A third of them are
# trade buyers (Online Retail's wholesalers): 20 to 60 units an order at
# a low price, who leave after a purchase with probability 0.03; the
# others buy 1 to 3 units at a higher price and leave with probability
# 0.3.  Every order is worth 20 to 60 whoever buys it, so the order value
# cannot tell the two apart; each order is one or two rows (lines).
BEGIN {
	start(13, "customer_id,date,amount,quantity")
	for (i = 1; i <= n; i++) {
		t = int(200 * u())
		gap = 15 + 45 * u()
		trade = u() < 1 / 3
		while (t <= 364) {
			units = trade ? 20 + int(41 * u()) : 1 + int(3 * u())
			value = 20 + 40 * u()
			if (units >= 2 && u() < 0.5) {	# two lines
				half = int(units / 2)
				printf "c%d,%s,%.2f,%d\n", i, date(t), value * half / units, half
				printf "c%d,%s,%.2f,%d\n", i, date(t), value * (units - half) / units,
					units - half
			} else
				printf "c%d,%s,%.2f,%d\n", i, date(t), value, units
			if (u() < (trade ? 0.03 : 0.3))
				break
			t += 1 + int(-gap * log(1 - u()))
		}
	}
}
