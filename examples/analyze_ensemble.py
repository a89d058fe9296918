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


def groups(cols, swept):
    """The sweep points: each distinct combination of the swept values (every swept key,
    so a 2-D sweep is never pooled over its second key), with the rows of each."""
    if not swept:
        return [((), np.arange(len(cols["member"])))]
    keys = np.column_stack([cols[k] for k in swept])
    points = []
    for row in keys:
        t = tuple(row.tolist())
        if t not in [p for p, _ in points]:
            points.append((t, None))
    return [(p, np.flatnonzero((keys == np.array(p)).all(axis=1))) for p, _ in sorted(points)]


def quartiles(y):
    warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
    return np.nanpercentile(y, [25, 50, 75])


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
    success = cols["success"] == 1
    measures = [
        ("training MAE", metric(cols, "train.mae")),
        ("test correlation", metric(cols, "test.best_corr")),
        ("|w| after training", metric(cols, "train.w_norm")),
    ]
    table = []
    for point, rows in groups(cols, swept):
        q = [quartiles(y[rows]) for _, y in measures]
        table.append((point, len(rows), success[rows].mean(), q))
    widths = [max(10, len(k)) + 2 for k in swept]
    head = "".join(f"{k:>{w}}" for k, w in zip(swept, widths))
    print(f"{head}{'members':>8} {'success':>8} {'MAE':>10} {'corr':>8} {'|w|':>8}")
    for point, n, ok, q in table:
        vals = "".join(f"{v:>{w}.4g}" for v, w in zip(point, widths))
        print(f"{vals}{n:>8} {ok:>8.2f} {q[0][1]:>10.4g} {q[1][1]:>8.4f} {q[2][1]:>8.4f}")
    if len(sys.argv) > 2:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise SystemExit("matplotlib is not installed (pip install matplotlib): cannot draw the figure")
        xkey = swept[0] if swept else "seed"
        # One line per combination of the other swept keys; x is the first swept key.
        series = {}
        for point, n, ok, q in table:
            series.setdefault(point[1:], []).append((point[0] if point else 0.0, ok, q))
        fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
        titles = ["success fraction"] + [t for t, _ in measures]
        for i, (rest, pts) in enumerate(sorted(series.items())):
            label = ", ".join(f"{k} = {v:g}" for k, v in zip(swept[1:], rest)) or None
            xs = np.array([p[0] for p in pts])
            for j, ax in enumerate(axes.flat):
                if j == 0:
                    ax.plot(xs, [p[1] for p in pts], "o-", color=f"C{i}", label=label)
                else:
                    q = np.array([p[2][j - 1] for p in pts])
                    ax.plot(xs, q[:, 1], "o-", color=f"C{i}", label=label)
                    ax.fill_between(xs, q[:, 0], q[:, 2], color=f"C{i}", alpha=0.2)
        for ax, title in zip(axes.flat, titles):
            if title == "training MAE":
                ax.set_yscale("log")
            ax.set_title(title)
            ax.set_xlabel(xkey)
        if len(series) > 1:
            axes.flat[0].legend()
        fig.suptitle(f"{path}: median and quartiles over seeds")
        fig.tight_layout()
        fig.savefig(sys.argv[2], dpi=120)
        print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
