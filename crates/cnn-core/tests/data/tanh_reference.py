#!/usr/bin/env python3
"""Writes tanh_reference.txt: inputs x and the correctly rounded tanh(x), both as the hex
bits of the doubles, for the unit tests of crates/cnn-core/src/tanh.rs.

tanh is evaluated with mpmath at 60 significant digits and rounded to the nearest double
by comparing the neighbours. Points: log-uniform magnitudes in [2^-30, 20] (both signs),
uniform in [0.5, 1] and [1, 4] (where the approximation is least accurate), 3 doubles
each side of every region boundary of the algorithm, and the points where the
`tanh_accuracy` example found the largest errors (ours: 0.851 ulp; glibc 2.36: 2.13 ulp).

    python3 tanh_reference.py > tanh_reference.txt
"""
import math
import struct

import mpmath as mp
import numpy as np

mp.mp.dps = 60


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def nearest(v):
    f = float(v)
    cands = [f, float(np.nextafter(f, math.inf)), float(np.nextafter(f, -math.inf))]
    return min(cands, key=lambda c: abs(mp.mpf(c) - v))


def neighbours(c, n=3):
    out, v = [], c
    for _ in range(n):
        v = float(np.nextafter(v, -math.inf))
    for _ in range(2 * n + 1):
        out.append(v)
        v = float(np.nextafter(v, math.inf))
    return out


rng = np.random.default_rng(20240601)
xs = list(np.exp(rng.uniform(math.log(2.0**-30), math.log(20.0), 700)) * rng.choice([-1.0, 1.0], 700))
xs += list(rng.uniform(0.5, 1.0, 400)) + list(rng.uniform(1.0, 4.0, 200))
ln2 = math.log(2.0)
centres = [2.0**-28, 0.625, 19.1, 27.5 * ln2] + [(k + 0.5) * ln2 / 2.0 for k in range(1, 56)]
for c in centres:
    xs += neighbours(c)
xs += [-0.8780633680703696, 0.23450254156685188, -0.5416131843918474, 0.983710398412764,
       -0.2154134740628922]

print("# x tanh(x): hex bits of the doubles; tanh correctly rounded (mpmath, 60 digits)")
for x in xs:
    x = float(x)
    print("%016x %016x" % (bits(x), bits(nearest(mp.tanh(mp.mpf(x))))))
