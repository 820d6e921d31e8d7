#!/usr/bin/env python3
"""Write tests/data/covariates_bgnbd.csv (no argument) or
tests/data/covariates_nospread.csv (argument "nospread"): 1,500 customer
records simulated from the BG/NBD with time-invariant covariates in
Fader & Hardie's own form (2007, brucehardie.com note 019, sec. 3):
lambda ~ Gamma(r, alpha0 exp(-g_p'z)), and after each repeat purchase
dropout with probability p ~ Beta(a0 exp(g_a'z), b0 exp(g_b'z)) (FHL
2005 sec. 2), observed for T weeks (26..52, whole days).  Covariates:
channel (0/1, half each) and age_z (standard normal, 2 decimals).
Truth: r 0.24, alpha0 4.4, a0 0.79, b0 2.4; purchase channel 0.5, age_z
-0.3; a: channel 0.9, age_z 0.4; b: channel -0.6, age_z -0.2 (g_a !=
g_b: the covariates move the mean dropout probability a/(a+b)).
"nospread": the same purchases, but every customer of one channel drops
out with the same p (0.35, or 0.1 with channel 1): Beta(a, b) at its
limit a, b -> inf, where only g_b - g_a is identified.  Python's own
Mersenne Twister, seed 20070102: run again, the same file."""
import math, random, sys

nospread = len(sys.argv) > 1 and sys.argv[1] == "nospread"
rng = random.Random(20070102)
r, alpha0, a0, b0 = 0.24, 4.4, 0.79, 2.4
gp = {"channel": 0.5, "age_z": -0.3}
ga = {"channel": 0.9, "age_z": 0.4}
gb = {"channel": -0.6, "age_z": -0.2}
print("customer_id,channel,age_z,frequency,recency,T")
for i in range(1, 1501):
    z = {"channel": 1 if rng.random() < 0.5 else 0,
         "age_z": round(rng.gauss(0, 1), 2)}
    al = alpha0 * math.exp(-sum(gp[k] * z[k] for k in z))
    a = a0 * math.exp(sum(ga[k] * z[k] for k in z))
    b = b0 * math.exp(sum(gb[k] * z[k] for k in z))
    lam = rng.gammavariate(r, 1 / al)
    p = rng.betavariate(a, b)
    if nospread:
        p = 0.1 if z["channel"] else 0.35
    T = math.floor((rng.random() * 26 + 26) * 7) / 7
    t = tx = 0.0
    x = 0
    while True:
        t += rng.expovariate(lam)
        if t > T:
            break
        x += 1
        tx = t
        if rng.random() < p:
            break
    tx = math.floor(tx * 7) / 7
    print(f"c{i:04d},{z['channel']},{z['age_z']:.2f},{x},{tx:.6f},{T:.6f}")
