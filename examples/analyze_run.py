#!/usr/bin/env python3
"""Summarise a `cnn` run file and cross-check it (layout: docs/hdf5-layout.md).

Usage: python3 examples/analyze_run.py RUN.h5

Prints a short summary (status, network, phases, metrics), then checks:
  - the root attributes `format` == "cnn-run" and `format_version` <= 2;
  - the shapes: w_initial/w_final/J_Gz are N_G x N_out, z/f are T x N_out, t_ms is T,
    rates is T x len(rates_index), w_norm/dw_norm are U x N_out;
  - for every phase recorded with decimate = 1 that has a `mae` metric: the MAE
    recomputed from /phases/<phase>/z and /f equals /metrics/<phase>/mae (relative 1e-9).
    MAE is a mean over every step, so a decimated phase cannot be checked (noted).

Exit status: 0 all checks pass, 1 a check failed, 2 the file cannot be read.
Needs h5py and numpy.
"""

import sys

import h5py
import numpy as np

REL_TOL = 1e-9
PHASES = ("spontaneous", "train", "test")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = argv[1]
    try:
        h = h5py.File(path, "r")
    except OSError as e:
        print(f"error: {path}: cannot open as HDF5: {e}", file=sys.stderr)
        return 2
    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)
        return ok

    with h:
        fmt = text(h.attrs.get("format", ""))
        version = int(h.attrs.get("format_version", 0))
        if fmt != "cnn-run" or not 1 <= version <= 2:
            print(f"error: {path}: not a cnn run file (format={fmt!r}, "
                  f"format_version={version})", file=sys.stderr)
            return 2
        status = text(h.attrs["status"])
        message = text(h.attrs.get("status_message", ""))
        success = {1: "yes", 0: "no", -1: "unknown"}.get(int(h.attrs["success"]), "?")
        print(f"{path}: cnn {text(h.attrs['cnn_version'])}, seed {int(h.attrs['seed'])}")
        print(f"status: {status}" + (f" ({message})" if message else "") + f", success: {success}")

        net = h["network"]
        n, k = int(net.attrs["n_g"]), int(net.attrs["n_out"])
        nnz = net["J_GG/data"].shape[0]
        print(f"network: N_G = {n}, N_out = {k}, nnz = {nnz}, g_GG = {net.attrs['g_gg']}, "
              f"dt = {net.attrs['dt_ms']} ms, tau = {net.attrs['tau_ms']} ms")
        for name in ("w_initial", "w_final", "J_Gz"):
            check(net[name].shape == (n, k), f"/network/{name} has shape {net[name].shape}, "
                  f"expected {(n, k)}")
        check(net["J_GG/indptr"].shape == (n + 1,), "/network/J_GG/indptr shape")
        check(net["J_GG/indices"].shape == (nnz,), "/network/J_GG/indices shape")
        check(net["x_initial"].shape == (n,), "/network/x_initial shape")
        w_final = net["w_final"][:]
        print(f"final |w|: {np.linalg.norm(w_final, axis=0)}")

        present = [p for p in PHASES if p in h.get("phases", {})]
        last_phase = present[-1] if present else None
        for phase in present:
            g = h["phases"][phase]
            t, z, f = g["t_ms"][:], g["z"][:], g["f"][:]
            rows = t.shape[0]
            d = int(g.attrs["decimate"])
            first, last = int(g.attrs["first_step"]), int(g.attrs["last_step"])
            u = g["update_t_ms"].shape[0]
            print(f"phase {phase:<12} [{g.attrs['t_start_ms']:.1f}, {g.attrs['t_end_ms']:.1f}) ms, "
                  f"{rows} rows (decimate {d}), {u} updates")
            where = f"/phases/{phase}"
            check(z.shape == (rows, k), f"{where}/z has shape {z.shape}, expected {(rows, k)}")
            check(f.shape == (rows, k), f"{where}/f has shape {f.shape}, expected {(rows, k)}")
            n_r = g["rates_index"].shape[0]
            check(g["rates"].shape == (rows, n_r), f"{where}/rates has shape {g['rates'].shape}")
            for name in ("w_norm", "dw_norm"):
                check(g[name].shape == (u, k), f"{where}/{name} has shape {g[name].shape}")
            check(g["w_start"].shape == (n, k), f"{where}/w_start shape")
            steps = last - first
            # A run that diverged stops on the step that produced the non-finite state:
            # that step counts in last_step but is neither recorded nor measured.
            stopped_here = status == "diverged" and phase == last_phase
            allowed_rows = {steps // d, (steps - 1) // d} if stopped_here else {steps // d}
            check(rows in allowed_rows, f"{where}: {rows} rows for steps {first}..{last} "
                  f"with decimate {d}")
            if rows:
                t_last = (first + rows * d) * float(net.attrs["dt_ms"])
                check(abs(t[-1] - t_last) <= 1e-9 * max(1.0, abs(t_last)),
                      f"{where}/t_ms ends at {t[-1]}, not at step {first + rows * d}")

            mae_path = f"metrics/{phase}/mae"
            if mae_path not in h:
                continue
            mae = h[mae_path][:]
            check(mae.shape == (k,), f"/{mae_path} has shape {mae.shape}")
            if d != 1:
                print(f"  note: {phase} is decimated ({d}); its MAE cannot be recomputed")
                continue
            if rows == 0:
                continue
            recomputed = np.mean(np.abs(z - f), axis=0)
            print(f"  mae: recorded {mae}, recomputed {recomputed}")
            for j in range(k):
                a, b = float(recomputed[j]), float(mae[j])
                check(abs(a - b) <= REL_TOL * max(abs(a), abs(b)) or a == b,
                      f"/{mae_path}[{j}] = {b!r} but the mean |z - f| over {where} is {a!r}")

        for phase in PHASES:
            if phase in h.get("metrics", {}):
                m = h["metrics"][phase]
                values = ", ".join(f"{name} {np.array2string(m[name][:], precision=4)}"
                                   for name in ("mae", "best_corr") if name in m)
                print(f"metrics {phase:<12} {values}")

    if problems:
        for p in problems:
            print(f"MISMATCH: {p}", file=sys.stderr)
        return 1
    print("checks: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
