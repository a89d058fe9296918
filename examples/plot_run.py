#!/usr/bin/env python3
"""Draw the training-sequence figure (Sussillo & Abbott 2009, Fig 2) from a cnn run file.

    python3 examples/plot_run.py RUN.h5 [OUT.png] [--log-dw]

Needs h5py, numpy and matplotlib (`python3 -m pip install h5py numpy matplotlib`;
`cargo xtask setup` installs h5py and numpy only). The layout of the file is docs/hdf5-layout.md; this
script uses only /phases/<phase>/{t_ms, f, z, rates, rates_index, update_t_ms, dw_norm}
and a few attributes, so it is a starting point for your own analysis. `cnn plot` draws
the same figure (and the PCA one) without Python.
"""

import sys

try:
    import h5py
    import matplotlib
    import numpy as np
except ImportError as e:
    raise SystemExit(
        f"plot_run.py needs h5py, numpy and matplotlib ({e}); install them with\n"
        "    python3 -m pip install h5py numpy matplotlib"
    )

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

TITLES = {
    "spontaneous": "Spontaneous activity",
    "train": "Learning (FORCE on)",
    "test": "Testing (learning off)",
}
MAX_RATES = 10
OFFSET = 2.2


def read(path):
    """The recorded phases (in time order) and some run attributes."""
    with h5py.File(path, "r") as h:
        if h.attrs.get("format") != "cnn-run":
            sys.exit(f"{path}: not a cnn run file")
        run = {
            "n_g": int(h["network"].attrs["n_g"]),
            "g_gg": float(h["network"].attrs["g_gg"]),
            "seed": int(h.attrs["seed"]),
            "status": h.attrs["status"],
        }
        phases = []
        for name in ("spontaneous", "train", "test"):
            if f"phases/{name}" not in h:
                continue
            g = h[f"phases/{name}"]
            if g["t_ms"].shape[0] == 0:
                continue
            phases.append(
                {
                    "name": name,
                    "t": g["t_ms"][:],
                    "f": g["f"][:],  # (T, K)
                    "z": g["z"][:],  # (T, K)
                    "rates": g["rates"][:, :MAX_RATES],  # (T, R)
                    "units": g["rates_index"][:MAX_RATES],
                    "t_update": g["update_t_ms"][:],
                    "dw": g["dw_norm"][:],  # (U, K), 1/ms
                    "t_range": (g.attrs["t_start_ms"], g.attrs["t_end_ms"]),
                }
            )
    return run, phases


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    path = args[0]
    out = args[1] if len(args) > 1 else path.rsplit(".", 1)[0] + "-sequence-mpl.png"
    log_dw = "--log-dw" in argv
    run, phases = read(path)
    if not phases:
        sys.exit(f"{path}: no recorded phase")

    # Column widths follow the phase durations, each at least a fifth of the figure.
    dur = np.array([p["t_range"][1] - p["t_range"][0] for p in phases], dtype=float)
    widths = np.maximum(dur / dur.sum(), 0.2)
    fig, axes = plt.subplots(
        3,
        len(phases),
        figsize=(18, 10),
        sharey="row",
        gridspec_kw={"width_ratios": widths, "height_ratios": [0.32, 0.43, 0.25]},
        squeeze=False,
    )
    fig.suptitle(
        f"FORCE training sequence: N_G = {run['n_g']}, g_GG = {run['g_gg']}, "
        f"seed {run['seed']} ({run['status']})",
        fontsize=20,
        x=0.01,
        ha="left",
    )
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for col, p in enumerate(phases):
        ax_fz, ax_r, ax_dw = axes[:, col]
        t = p["t"]
        for k in range(p["f"].shape[1]):
            ax_fz.plot(t, p["f"][:, k], lw=6, color="lightcoral", alpha=0.8,
                       label="target f" if k == 0 else None)
            ax_fz.plot(t, p["z"][:, k], lw=1.2, color="darkgreen",
                       label="output z" if k == 0 else None)
        ax_fz.set_title(TITLES[p["name"]], fontsize=16)
        ax_fz.set_xlim(*p["t_range"])

        r = p["rates"]
        offsets = (r.shape[1] - 1 - np.arange(r.shape[1])) * OFFSET
        for j in range(r.shape[1]):
            ax_r.plot(t, r[:, j] + offsets[j], lw=1, color=colours[j % len(colours)])
        ax_r.set_yticks(offsets, [f"unit {u}" for u in p["units"]])
        ax_r.set_xlim(*p["t_range"])
        ax_r.set_xlabel("time (ms)")

        if p["name"] == "train" and len(p["t_update"]):
            for k in range(p["dw"].shape[1]):
                ax_dw.plot(p["t_update"], p["dw"][:, k], lw=1, color="navy")
            if log_dw:
                ax_dw.set_yscale("log")
            ax_dw.tick_params(axis="y", labelleft=True)  # the row shares y; show it here
            ax_dw.set_ylabel("|dw/dt| (1/ms)")
            ax_dw.set_xlabel("time (ms)")
            ax_dw.set_xlim(*p["t_range"])
        else:
            ax_dw.axis("off")
    axes[0, 0].set_ylabel("f (thick), z (thin)")
    axes[1, 0].set_ylabel("rates r = tanh(x)")
    axes[0, 0].legend(loc="upper right", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)
