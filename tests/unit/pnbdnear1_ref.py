#!/usr/bin/env python3
# pnbdnear1_ref.py: the reference values of test_pnbdnear1.c (written to
# pnbdnear1_ref.h): ln S, S = 2F1(1, e; e+o; z), and its first and second
# derivatives in (e, o, z), by mpmath's hyp2f1 (which treats the
# degenerate c - a - b = o - 1 whole by its own perturbation of the
# parameters) at 50 digits, the derivatives by central differences of
# step 1e-12 relative at that precision (truncation ~1e-24, rounding
# 1e-38: both far below the test's 1e-8).  Independent of
# lib/model/pnbdnear1.c's expansion.  The grid of issue 20: o = N + f
# for N = 1..8 and f in {0, +-1e-9, +-1e-6, +-1e-4, +-9e-4, +-1.1e-3},
# e in {2, 30, 1e3, 1e4, 1e5}, e w in {1e-3, 0.1, 1, 3}, and f = +-4.9e-2,
# +-5.1e-2 either side of pnbdnear1.c's switch NEAR_WHOLE = 5e-2, at the
# double o and w = 1 - z the test passes (z = 1 - w exactly; e = 2 with
# e w >= 1 is w >= 1/2, outside near1's domain, kept as the grid has it).  Every 37th point
# is checked against the quadrature of Euler's integral S = K int_0^inf
# (1+u)^-o (1+w u)^-e du (pnbdtail.c's form) to 1e-25.
# Run: python3 tests/unit/pnbdnear1_ref.py > tests/unit/pnbdnear1_ref.h
import sys
import mpmath as mp
from multiprocessing import Pool
mp.mp.dps = 50
NS = range(1, 9)
FS = [0.0, 1e-9, -1e-9, 1e-6, -1e-6, 1e-4, -1e-4, 9e-4, -9e-4, 1.1e-3, -1.1e-3,
      4.9e-2, -4.9e-2, 5.1e-2, -5.1e-2]
ES = [2.0, 30.0, 1e3, 1e4, 1e5]
XS = [1e-3, 0.1, 1.0, 3.0]


def L(e, o, w):
    return mp.log(mp.hyp2f1(1, e, e + o, 1 - w))


def point(arg):
    i, o, e, w = arg
    mp.mp.dps = 50
    E, O, W = mp.mpf(e), mp.mpf(o), mp.mpf(w)
    x = [E, O, W]
    h = [E * mp.mpf('1e-12'), O * mp.mpf('1e-12'), W * mp.mpf('1e-12')]

    def at(di, dj=None, si=1, sj=1):
        y = list(x)
        y[di] += si * h[di]
        if dj is not None:
            y[dj] += sj * h[dj]
        return L(*y)
    l0 = L(E, O, W)
    d = []
    hd = {}
    for a in range(3):
        p, m = at(a), at(a, None, -1)
        d.append((p - m) / (2 * h[a]))
        hd[(a, a)] = (p - 2 * l0 + m) / h[a] ** 2
    for a, b in ((0, 1), (0, 2), (1, 2)):
        hd[(a, b)] = (at(a, b, 1, 1) - at(a, b, 1, -1) - at(a, b, -1, 1)
                      + at(a, b, -1, -1)) / (4 * h[a] * h[b])
    # in z = 1 - w: d/dz = -d/dw, d2/dz2 = d2/dw2, d2/dxdz = -d2/dxdw
    row = [l0, d[0], d[1], -d[2], hd[(0, 0)], hd[(0, 1)], hd[(1, 1)],
           -hd[(0, 2)], -hd[(1, 2)], hd[(2, 2)]]
    if i % 37 == 0:
        K = E + O - 1
        g = mp.quad(lambda u: (1 + u) ** -O * (1 + W * u) ** -E,
                    [0, 1, 1 / W, 100 / W, mp.inf])
        assert abs(mp.log(K * g) - l0) < mp.mpf('1e-25'), (o, e, w, l0, mp.log(K * g))
    return (o, e, w, row)


if __name__ == '__main__':
    pts = []
    for n in NS:
        for f in FS:
            for e in ES:
                for x in XS:
                    pts.append((len(pts), float(n + f), e, x / e))
    with Pool(int(sys.argv[1]) if len(sys.argv) > 1 else 1) as pool:
        rows = pool.map(point, pts, chunksize=4)
    print("/* pnbdnear1_ref.h: made by pnbdnear1_ref.py (mpmath %s); {o, e, w, "
          "ln S, d/d(e, o, z), d2/d(ee, eo, oo, ez, oz, zz)} of ln S */" % mp.__version__)
    print("static const double near1_ref[][13] = {")
    for o, e, w, row in rows:
        print("\t{ %r, %r, %r, %s }," % (o, e, w, ", ".join(mp.nstr(v, 20) for v in row)))
    print("};")
