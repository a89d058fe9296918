#!/usr/bin/env python3
"""Scores a 4-bit memory run (preset fig7d-memory, `[task] kind = "flip_flop"`).

Usage: python3 examples/analyze_memory.py RUN.h5 [--phase test]

Reads the recorded inputs (8 pulse lines: ON line 2b, OFF line 2b+1), targets f (one
+-1 column per bit) and readouts z of a phase, finds the pulse onsets, and reports:
  - accuracy: for every interval between two pulse onsets and every bit, whether sign(z)
    equals the target over the last 20 % of the interval (the bit is "held");
  - flips: for pulses that change their bit, whether the bit has the new sign at the end of
    the interval that follows;
  - crosstalk: the mean |z_other(end) - z_other(start)| over an interval, for the bits a
    pulse does not address, next to the mean change of the addressed bit when it flips.
Needs h5py and numpy. Exit code 0, or 2 if the file is not a flip-flop run.
"""
import sys

import h5py
import numpy as np


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    phase = "test"
    if "--phase" in args:
        phase = args[args.index("--phase") + 1]
    with h5py.File(args[0], "r") as h:
        g = h["phases"][phase]
        if "inputs" not in g:
            print(f"error: {args[0]}: phase {phase} has no recorded inputs", file=sys.stderr)
            return 2
        u, z, f, t = (np.asarray(g[k]) for k in ("inputs", "z", "f", "t_ms"))
    bits = f.shape[1]
    if u.shape[1] != 2 * bits:
        print(f"error: {u.shape[1]} input lines for {bits} bits", file=sys.stderr)
        return 2
    active = np.abs(u) > 0
    onset_rows = [i for i in range(1, len(t)) if active[i].any() and not active[i - 1].any()]
    if active[0].any():
        onset_rows.insert(0, 0)
    held = total = 0
    flips_ok = flips = 0
    cross, own = [], []
    for a, b in zip(onset_rows, onset_rows[1:] + [len(t)]):
        if b - a < 5:
            continue
        line = int(np.argmax(active[a]))
        bit = line // 2
        tail = slice(a + int(0.8 * (b - a)), b)
        for k in range(bits):
            ok = np.all(np.sign(z[tail, k]) == np.sign(f[tail, k]))
            held += ok
            total += 1
            change = abs(z[b - 1, k] - z[a, k])
            if k == bit:
                if a > 0 and np.sign(f[a - 1, k]) != np.sign(f[b - 1, k]):
                    flips += 1
                    flips_ok += ok
                    own.append(change)
            else:
                cross.append(change)
    print(f"phase {phase}: {len(onset_rows)} pulses, {bits} bits")
    print(f"held: {held}/{total} bit-intervals ({100.0 * held / max(total, 1):.1f} %)")
    print(f"flips: {flips_ok}/{flips} pulses that change their bit end with the new sign")
    if own and cross:
        print(f"crosstalk: mean |dz| of the other bits {np.mean(cross):.3f} "
              f"vs {np.mean(own):.3f} for the flipped bit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
