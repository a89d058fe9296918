#!/usr/bin/env python3
"""The learning-induced current of an architecture-C run (the paper's Fig. 6C, cyan).

Usage: python3 examples/analyze_learned_current.py RUN.h5 [--phase test] [--show 5]
                                                   [--window-ms 1200]

Sussillo & Abbott (2009) split the input of each trained generator unit i into the current
of its initial weights and the current added by learning,

    u_i(t) = g_GG sum_j (J_ij(end) - J_ij(0)) r_j(t),

and report that u_i is "virtually identical to the target function for each neuron". This
script computes u_i for every trained unit over a phase from /network/J_GG (t = 0),
/network/J_GG_final and the recorded rates, and reports, over the trained units: the
correlation of u_i with the target f and with the readout z, the ratio of their standard
deviations, and the MAE between u_i and f; then the first `--show` units one by one. The
trained weights are the final ones, so the test phase (weights fixed) is exact; for the
train phase only its last `--window-ms` (default 1200 ms, one period of the four sines)
is used, where the weights have nearly settled.

The rates of every presynaptic unit of a trained unit are needed: run with
`--set record.rates=N_G` (a C run with N_G 750 and 20 s of simulation at dt 1 ms writes
about 110 MB). Trained units whose inputs were not all recorded are skipped (counted).

Exit status: 0 done, 2 the file is not an architecture-C run file or lacks the rates.
Needs h5py and numpy.
"""

import sys

import h5py
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def csr_rows(group, rows):
    """Rows of a CSR group as (columns, values) pairs."""
    indptr = np.asarray(group["indptr"])
    indices = np.asarray(group["indices"])
    data = np.asarray(group["data"])
    return [(indices[indptr[i]:indptr[i + 1]], data[indptr[i]:indptr[i + 1]]) for i in rows]


def corr(a, b):
    sa, sb = a.std(), b.std()
    if sa == 0 or sb == 0:
        return float("nan")
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, phase, show, window_ms = args[0], "test", 5, 1200.0
    if "--phase" in args:
        phase = args[args.index("--phase") + 1]
    if "--show" in args:
        show = int(args[args.index("--show") + 1])
    if "--window-ms" in args:
        window_ms = float(args[args.index("--window-ms") + 1])
    try:
        h = h5py.File(path, "r")
    except OSError as e:
        print(f"error: {path}: cannot open as HDF5: {e}", file=sys.stderr)
        return 2
    with h:
        if text(h.attrs.get("format", "")) != "cnn-run":
            print(f"error: {path}: not a cnn run file", file=sys.stderr)
            return 2
        net = h["network"]
        if "trained_units" not in net or "J_GG_final" not in net:
            print(f"error: {path}: no trained J^GG rows (not an architecture-C run)",
                  file=sys.stderr)
            return 2
        if phase not in h["phases"]:
            print(f"error: {path}: no phase {phase!r}", file=sys.stderr)
            return 2
        g_gg = float(net.attrs["g_gg"])
        trained = np.asarray(net["trained_units"])
        before = csr_rows(net["J_GG"], trained)
        after = csr_rows(net["J_GG_final"], trained)
        p = h["phases"][phase]
        rates = np.asarray(p["rates"])
        index = np.asarray(p["rates_index"])
        f = np.asarray(p["f"])
        z = np.asarray(p["z"])
        t_ms = np.asarray(p["t_ms"])
    n_out = f.shape[1]
    if phase == "train":
        # The weights change during training; keep the last window only.
        dt = float(t_ms[1] - t_ms[0]) if len(t_ms) > 1 else 1.0
        steps = max(1, min(len(t_ms), int(round(window_ms / dt))))
        rates, f, z = rates[-steps:], f[-steps:], z[-steps:]
    column = {int(u): k for k, u in enumerate(index)}
    n_trained = len(trained)
    # Output served by the j-th of m trained units (contiguous blocks, cnn_train::output_of).
    outputs = [j * n_out // n_trained for j in range(n_trained)]

    rows = []
    skipped = 0
    for j, (unit, (cols0, v0), (cols1, v1)) in enumerate(zip(trained, before, after)):
        if not np.array_equal(cols0, cols1) or any(int(c) not in column for c in cols1):
            skipped += 1
            continue
        r = rates[:, [column[int(c)] for c in cols1]]
        u = g_gg * (r @ (v1 - v0))
        k = outputs[j]
        rows.append((int(unit), k, u, corr(u, f[:, k]), corr(u, z[:, k]),
                     u.std() / f[:, k].std() if f[:, k].std() > 0 else float("nan"),
                     float(np.mean(np.abs(u - f[:, k]))),
                     float(np.max(np.abs(u - z[:, k])))))
    if not rows:
        print(f"error: {path}: the rates of the presynaptic units were not recorded; "
              f"rerun with --set record.rates=N_G", file=sys.stderr)
        return 2

    cf = np.array([r[3] for r in rows])
    cz = np.array([r[4] for r in rows])
    amp = np.array([r[5] for r in rows])
    mae = np.array([r[6] for r in rows])
    print(f"{path}: architecture C, {n_trained} trained units, g_GG {g_gg}, "
          f"phase {phase} ({len(f)} steps{f', last {window_ms:g} ms' if phase == 'train' else ''})")
    if skipped:
        print(f"skipped {skipped} trained units whose presynaptic rates were not recorded")
    print(f"learned current u_i of {len(rows)} units:")
    print(f"  corr(u_i, f): median {np.median(cf):.3f}, 5th percentile "
          f"{np.percentile(cf, 5):.3f}, min {cf.min():.3f}")
    print(f"  corr(u_i, z): median {np.median(cz):.3f}, min {cz.min():.3f}")
    print(f"  std(u_i) / std(f): median {np.median(amp):.2f}, 5-95 % "
          f"[{np.percentile(amp, 5):.2f}, {np.percentile(amp, 95):.2f}]")
    print(f"  MAE(u_i, f): median {np.median(mae):.3f}; max |u_i - z| "
          f"{max(r[7] for r in rows):.3e}")
    for unit, k, _, c_f, c_z, a, m, _ in rows[:show]:
        print(f"  unit {unit} (output {k}): corr with f {c_f:.3f}, with z {c_z:.3f}, "
              f"std ratio {a:.2f}, MAE {m:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
