#!/usr/bin/env python3
"""Write tests/data/covariates.csv: 1,000 customer records simulated from
the Pareto/NBD with time-invariant covariates (Fader & Hardie 2007,
brucehardie.com note 019): lambda ~ Gamma(r, alpha0 exp(-g_p'z)),
mu ~ Gamma(s, beta0 exp(-g_d'z)), Poisson purchases until an exponential
lifetime, observed for T weeks (26..52, whole days).  Covariates:
channel (0/1, half each) and age_z (standard normal, 2 decimals).
Truth: r 0.55, alpha0 10.6, s 0.61, beta0 11.7; purchase channel 0.6,
age_z -0.3; dropout channel 0.5, age_z 0.3.  Python's own Mersenne
Twister, seed 20070101: run again, the same file."""
import math, random

rng = random.Random(20070101)
r, alpha0, s, beta0 = 0.55, 10.6, 0.61, 11.7
gp = {"channel": 0.6, "age_z": -0.3}
gd = {"channel": 0.5, "age_z": 0.3}
print("customer_id,segment,channel,age_z,frequency,recency,T")
for i in range(1, 1001):
    z = {"channel": 1 if rng.random() < 0.5 else 0,
         "age_z": round(rng.gauss(0, 1), 2)}
    a = alpha0 * math.exp(-sum(gp[k] * z[k] for k in z))
    b = beta0 * math.exp(-sum(gd[k] * z[k] for k in z))
    lam = rng.gammavariate(r, 1 / a)
    mu = rng.gammavariate(s, 1 / b)
    life = rng.expovariate(mu)
    T = math.floor((rng.random() * 26 + 26) * 7) / 7
    t = tx = 0.0
    x = 0
    while True:
        t += rng.expovariate(lam)
        if t > T or t > life:
            break
        x += 1
        tx = t
    tx = math.floor(tx * 7) / 7
    seg = "web" if z["channel"] else "store"
    print(f"c{i:04d},{seg},{z['channel']},{z['age_z']:.2f},{x},{tx:.6f},{T:.6f}")
