#!/usr/bin/env python3
"""Writes configs/mocap/mocap-synthetic.csv: a stand-in for motion-capture joint angles.

The paper's Fig. 8 uses the CMU motion-capture files 09_02 (running) and 08_01 (walking),
95 joint angles each, which we cannot ship. This script makes a file of the same shape:
a time column `t_ms` (120 frames per second, like the CMU recordings) and 95 joint-angle
columns `j00`..`j94` in degrees, each a smooth periodic gait-like signal (a 1000 ms cycle:
fundamental plus second and third harmonics with seeded random amplitudes and phases,
amplitudes up to about 60 degrees). Deterministic: no arguments, no randomness beyond a
fixed seed, only the Python standard library.

Usage: python3 scripts/make-synthetic-mocap.py
"""
import math
import random
from pathlib import Path

JOINTS = 95
CYCLE_MS = 1000.0
FRAMES = 120  # one cycle at 120 frames per second
rng = random.Random(95)
params = []
for j in range(JOINTS):
    a1 = rng.uniform(5.0, 40.0)
    a2 = rng.uniform(0.0, 12.0)
    a3 = rng.uniform(0.0, 6.0)
    p1, p2, p3 = (rng.uniform(0.0, 2 * math.pi) for _ in range(3))
    offset = rng.uniform(-10.0, 10.0)
    params.append((a1, a2, a3, p1, p2, p3, offset))

out = Path(__file__).resolve().parent.parent / "configs" / "mocap" / "mocap-synthetic.csv"
with out.open("w") as f:
    f.write("t_ms," + ",".join(f"j{j:02d}" for j in range(JOINTS)) + "\n")
    for k in range(FRAMES + 1):
        t = k * CYCLE_MS / FRAMES
        w = 2 * math.pi * t / CYCLE_MS
        row = [f"{t:.4f}"]
        for a1, a2, a3, p1, p2, p3, offset in params:
            v = offset + a1 * math.sin(w + p1) + a2 * math.sin(2 * w + p2) + a3 * math.sin(3 * w + p3)
            row.append(f"{v:.3f}")
        f.write(",".join(row) + "\n")
print(f"wrote {out}")
