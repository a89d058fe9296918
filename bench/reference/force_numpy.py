#!/usr/bin/env python3
"""NumPy/SciPy reference implementation of FORCE training (architecture A), for
`cargo xtask bench`.

Same protocol as `crates/cnn-train/examples/force_bench.rs`: the paper's network
(p_GG = 0.1, g_GG = 1.5, g_Gz = 1, p_z = 1, tau = 10 ms, dt = 0.1 ms), the MATLAB
four-sine target, no spontaneous phase, SECONDS of training with an RLS update every
1 ms (alpha = 1), no test phase; building the network is not timed. The step order is the
spec's (section 5): x += dt/tau (-x + g_GG J r + g_Gz J_Gz z) with the previous r and z,
r = tanh(x), z = w . r; at a learning step e = z - f with the old w, k = P r,
c = 1 / (1 + r . k), P -= c k k^T, w -= c e k. J is a scipy CSR matrix; the RLS update is
the O(N^2) rank-1 form, written as a NumPy user would (`P -= c * np.outer(k, k)`), or with
BLAS dger in place (`--rank1 dger`).

Prints one line: `force_numpy n=N sim_s=S wall_s=W wall_per_sim_s=R rank1=... blas=...`.
The random draws differ from the Rust trainer's (NumPy's generator); the work per step
is the same.
"""

import argparse
import math
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas


def four_sine(t):
    t0 = 600.0
    return (1.3 / 1.5) * (
        math.sin(math.pi * t / t0)
        + math.sin(2 * math.pi * t / t0) / 2
        + math.sin(3 * math.pi * t / t0) / 6
        + math.sin(4 * math.pi * t / t0) / 3
    )


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        return ",".join(
            f"{i.get('internal_api')}:{i.get('architecture')}:{i.get('num_threads')}"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ) or "unknown"
    except ImportError:
        return "unknown"


def run(n, seconds, seed, rank1):
    rng = np.random.default_rng(seed)
    p_gg, g_gg, g_gz, alpha = 0.1, 1.5, 1.0, 1.0
    tau, dt, learn_every = 10.0, 0.1, 10
    j = sp.random(
        n, n, density=p_gg, format="csr", random_state=rng,
        data_rvs=lambda k: rng.standard_normal(k) / math.sqrt(p_gg * n),
    )
    j_gz = rng.uniform(-1.0, 1.0, n)
    x = 0.5 * rng.standard_normal(n)
    r = np.tanh(x)
    z = 0.5 * rng.standard_normal()
    w = np.zeros(n)
    p = np.eye(n) / alpha
    a = dt / tau
    steps = int(round(seconds * 1000.0 / dt))

    start = time.perf_counter()
    for step in range(1, steps + 1):
        x += a * (-x + g_gg * (j @ r) + g_gz * j_gz * z)
        r = np.tanh(x)
        z = w @ r
        if step % learn_every == 0:
            e = z - four_sine(step * dt)
            k = p @ r
            c = 1.0 / (1.0 + r @ k)
            if rank1 == "dger":
                # P is symmetric: its transpose is the Fortran-ordered view dger
                # updates in place without a copy.
                p = blas.dger(-c, k, k, a=p.T, overwrite_a=True).T
            else:
                p -= c * np.outer(k, k)
            w -= (c * e) * k
    wall = time.perf_counter() - start
    if not np.isfinite(w).all():
        sys.exit("force_numpy: weights became non-finite")
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    ap.add_argument("--rank1", choices=["outer", "dger"], default="outer")
    args = ap.parse_args()
    best = min(
        run(args.n, args.seconds, args.seed, args.rank1) for _ in range(max(args.repeat, 1))
    )
    print(
        f"force_numpy n={args.n} sim_s={args.seconds:g} wall_s={best:.4f} "
        f"wall_per_sim_s={best / args.seconds:.4f} rank1={args.rank1} blas={blas_info()}"
    )


if __name__ == "__main__":
    main()
