# complainers.awk: a deterministic event log where customers who complain
# leave soon after, for the tests of the learned layer's risk signals
# (issue 19).  Usage: awk -v n=3000 -v seed=7 -f log2024.awk -f complainers.awk
#
# 2024, day 0 = 2024-01-01, observed to day 364 (2024-12-30).  Each
# customer first buys in the first 120 days, then buys again after
# exponential gaps of its own mean (10 to 50 days).  After each purchase
# it complains, 0 to 3 days later, with probability 0.04 and then never
# buys again; otherwise it leaves silently with probability 0.01 (the
# population models' dropout).  Two probes end the log with the same
# purchases, every 15 days from day 100 to day 355: probe_complained
# complains on day 358, probe_quiet does not.
#
# Run as awk -f log2024.awk -f complainers.awk (the generator and dates).
BEGIN {
	start(7, "customer_id,date,amount,event")
	for (i = 1; i <= n; i++) {
		t = int(120 * u())
		gap = 10 + 40 * u()
		while (t <= 364) {
			printf "c%d,%s,%.2f,purchase\n", i, date(t), 10 + int(90 * u())
			if (u() < 0.04) {
				c = t + int(4 * u())
				if (c <= 364)
					printf "c%d,%s,,complaint\n", i, date(c)
				break
			}
			if (u() < 0.01)
				break
			t += 1 + int(-gap * log(1 - u()))
		}
	}
	for (t = 100; t <= 355; t += 15) {
		printf "probe_complained,%s,50.00,purchase\n", date(t)
		printf "probe_quiet,%s,50.00,purchase\n", date(t)
	}
	print "probe_complained," date(358) ",,complaint"
}
