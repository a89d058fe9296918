#!/usr/bin/env python3
"""Reads the /summary table of a cnn ensemble file and reproduces the Fig 5 panel.

    python3 examples/analyze_ensemble.py fig5-g-sweep.h5 [fig5.png]

Needs h5py and numpy; uses pandas if installed (the table becomes a DataFrame) and
matplotlib if installed and an output image is given. Without them it prints the table
of success fraction, median training error and median |w| per swept value.
"""
import sys
import warnings

import h5py
import numpy as np


def load_summary(path):
    """Returns (columns dict name -> array, swept keys, file attributes)."""
    with h5py.File(path, "r") as h:
        if h.attrs.get("format") != "cnn-ensemble":
            raise SystemExit(f"{path}: not a cnn ensemble file (format = {h.attrs.get('format')!r})")
        s = h["summary"]
        names = [str(n) for n in s.attrs["columns"]]
        cols = {n: s[n][:] for n in names}
        swept = [str(k) for k in h.attrs["swept"]]
        attrs = {k: h.attrs[k] for k in ("n_members", "config_hash", "record")}
    return cols, swept, attrs


def metric(cols, name):
    """A metric column; with several outputs, output 0."""
    return cols[name] if name in cols else cols[name + ".0"]


def per_point(x, y):
    """Sorted unique x, and the 25th, 50th and 75th percentiles of y at each."""
    xs = np.unique(x)
    warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
    q = np.array([np.nanpercentile(y[x == v], [25, 50, 75]) for v in xs])
    return xs, q


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    path = sys.argv[1]
    cols, swept, attrs = load_summary(path)
    print(f"{path}: {len(cols['member'])} of {attrs['n_members']} members, swept: {swept or 'nothing'}")
    try:
        import pandas as pd

        df = pd.DataFrame(cols)
        print(df.head())
    except ImportError:
        pass
    xkey = swept[0] if swept else "seed"
    x = cols[xkey]
    success = cols["success"] == 1
    panels = [
        ("success fraction", lambda: (np.unique(x), np.array([[success[x == v].mean()] * 3 for v in np.unique(x)]))),
        ("training MAE", lambda: per_point(x, metric(cols, "train.mae"))),
        ("test correlation", lambda: per_point(x, metric(cols, "test.best_corr"))),
        ("|w| after training", lambda: per_point(x, metric(cols, "train.w_norm"))),
    ]
    results = [(title, *f()) for title, f in panels]
    print(f"{xkey:>14} {'success':>8} {'MAE':>10} {'corr':>8} {'|w|':>8}")
    xs = results[0][1]
    for i, v in enumerate(xs):
        print(f"{v:>14.4g} {results[0][2][i][1]:>8.2f} {results[1][2][i][1]:>10.4g} "
              f"{results[2][2][i][1]:>8.4f} {results[3][2][i][1]:>8.4f}")
    if len(sys.argv) > 2:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise SystemExit("matplotlib is not installed: cannot draw the figure")
        fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
        for ax, (title, xs, q) in zip(axes.flat, results):
            ax.plot(xs, q[:, 1], "o-", color="C0")
            if title != "success fraction":
                ax.fill_between(xs, q[:, 0], q[:, 2], color="C0", alpha=0.25)
            if title == "training MAE":
                ax.set_yscale("log")
            ax.set_title(title)
            ax.set_xlabel(xkey)
        fig.suptitle(f"{path}: median and quartiles over seeds")
        fig.tight_layout()
        fig.savefig(sys.argv[2], dpi=120)
        print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
