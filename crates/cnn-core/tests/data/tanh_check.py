#!/usr/bin/env python3
"""Reads the dump of `cargo run --release -p cnn-core --example tanh_accuracy -- --dump F`
(lines `x ours libm`, hex bits) and prints the largest error of each against tanh(x)
evaluated with mpmath at 60 digits, in ulps of the exact value (real-valued).

    python3 tanh_check.py F
"""
import struct
import sys

import mpmath as mp

mp.mp.dps = 60


def f(h):
    return struct.unpack("<d", struct.pack("<Q", int(h, 16)))[0]


worst = {"ours": (0.0, None), "libm": (0.0, None)}
n = 0
for line in open(sys.argv[1]):
    x, ours, libm = (f(w) for w in line.split())
    if x != x or abs(x) > 19.1:
        continue
    e = mp.tanh(mp.mpf(x))
    if e == 0:
        continue
    ulp = mp.ldexp(1, mp.frexp(e)[1] - 53)
    for name, v in (("ours", ours), ("libm", libm)):
        err = abs(float((mp.mpf(v) - e) / ulp))
        if err > worst[name][0]:
            worst[name] = (err, x)
    n += 1
print("%d points" % n)
for name, (err, x) in worst.items():
    print("%s: max error %.3f ulp at x = %r" % (name, err, x))
