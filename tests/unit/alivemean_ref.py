#!/usr/bin/env python3
# alivemean_ref.py: the reference values of test_alivemean.c (written to
# alivemean_ref.h): J = E_p[(1 - (1 + p kappa)^-m) / p] for p ~ Beta(a, B)
# (FHL 2005 eq. 7/10's C/(a-1) [1 - (1-z)^m 2F1(m, B; C; z)]) by mpmath's
# tanh-sinh quadrature at 40 digits, the interval split at the Beta
# density's mean and +-20 standard deviations so that the peak of a
# concentrated density (B up to 1e12) is not stepped over.  Independent of
# lib/model/bgnbd.c's series and of its quadrature (which loses ~1e-5 at
# B = 1e7, kappa = 199).
# Run: python3 tests/unit/alivemean_ref.py > tests/unit/alivemean_ref.h
import mpmath as mp
mp.mp.dps = 40
import sys
A = [0.5, 1, 30, 1000]
B = [0.5, 50, 1e3, 1e5, 1e9, 1e12]
M = [0.1, 5, 50]
K = [1e-3, 0.7, 30, 199, 1e4]
# (python3 alivemean_ref.py A1 A2 ... makes the rows of those a only)
if len(sys.argv) > 1:
    A = [float(x) if '.' in x or 'e' in x else int(x) for x in sys.argv[1:]]


def J(m, k, a, b):
    m, k, a, b = mp.mpf(m), mp.mpf(k), mp.mpf(a), mp.mpf(b)
    lnorm = -(mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b))
    mu = a / (a + b)
    sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    pts = sorted(set([mp.mpf(0), mp.mpf(1)] +
                     [x for x in (mu - 20 * sd, mu - 3 * sd, mu, mu + 3 * sd,
                                  mu + 20 * sd, mu + 200 * sd, 1 / k)
                      if 0 < x < 1]))

    def f(p):
        if p <= 0 or p >= 1:
            return mp.mpf(0)
        return (-mp.expm1(-m * mp.log1p(p * k)) / p *
                mp.exp((a - 1) * mp.log(p) + (b - 1) * mp.log1p(-p) + lnorm))
    v, err = mp.quad(f, pts, error=True, maxdegree=10)
    assert err < mp.mpf(10) ** -20 * v, (m, k, a, b, v, err)
    return v


if len(sys.argv) == 1:
    print("/* alivemean_ref.h: made by alivemean_ref.py (mpmath %s); "
        "{m, kappa, a, B, J} */" % mp.__version__)
    print("static const double alivemean_ref[][5] = {")
for a in A:
    for b in B:
        for m in M:
            for k in K:
                print("\t{ %r, %r, %r, %r, %s }," % (m, k, a, b, mp.nstr(J(m, k, a, b), 20)))
if len(sys.argv) == 1:
    print("};")
