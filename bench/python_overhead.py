"""cnn_force against `cnn run` and h5py, in one process run: `cargo xtask bench --python`
(or `python bench/python_overhead.py CNN_BIN`, with cnn_force installed).

1. Wall time of the default preset (`fig2-periodic`, N_G 1000, 15.6 s simulated) through
   `cnn_force.run` and through the `cnn run` binary (both release builds, no file from
   Python, the CLI writes its file; best of REPEAT each, interleaved).
2. Reading the 12 MB run file: `cnn_force.load` (which reads every dataset: traces,
   connectivity, PCA, health) plus touching every trace, against h5py reading the same
   arrays, every dataset of the file (best of 5 each); and, for scale, h5py reading only
   the traces (z, f, rates, t_ms of each phase and w_final).

Prints one line per measurement and the ratios.
"""

import os
import subprocess
import sys
import tempfile
import time

import cnn_force as cf

REPEAT = int(os.environ.get("CNN_BENCH_REPEAT", "3"))


def best(f, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    cnn = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "run.h5")

        def cli():
            subprocess.run([cnn, "run", "--quiet", "--force", "--out", path], check=False)

        def py():
            cf.run("fig2-periodic", progress=False)

        py_s, cli_s = [], []
        for _ in range(REPEAT):
            py_s.append(best(py, 1))
            cli_s.append(best(cli, 1))
        py_t, cli_t = min(py_s), min(cli_s)
        print(f"run fig2-periodic: cnn_force.run {py_t:.3f} s, cnn run {cli_t:.3f} s, "
              f"ratio {py_t / cli_t:.3f} (best of {REPEAT})")

        import h5py  # noqa: E402  (only for the comparison)

        size_mb = os.path.getsize(path) / 1e6

        def load_cf():
            r = cf.load(path)
            for p in r.phases.values():
                p.z.sum(), p.f.sum(), p.rates.sum(), p.t_ms.sum()
            r.network.w_final.sum()

        def read_dataset(name, obj):
            if isinstance(obj, h5py.Dataset):
                obj[()]
            # None: visititems goes on to the next object.

        def load_h5_all():
            with h5py.File(path, "r") as f:
                f.visititems(read_dataset)

        def load_h5():
            with h5py.File(path, "r") as f:
                for name in f["phases"]:
                    g = f["phases"][name]
                    g["z"][()].sum(), g["f"][()].sum(), g["rates"][()].sum(), g["t_ms"][()].sum()
                f["network"]["w_final"][()].sum()

        a, b, c = best(load_cf, 5), best(load_h5_all, 5), best(load_h5, 5)
        print(f"load {size_mb:.1f} MB run file: cnn_force.load {a * 1e3:.1f} ms, "
              f"h5py every dataset {b * 1e3:.1f} ms, ratio {a / b:.2f}; "
              f"h5py traces only {c * 1e3:.1f} ms, ratio {a / c:.2f} (best of 5)")


if __name__ == "__main__":
    main()
