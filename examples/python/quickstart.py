"""cnn_force quick start: a preset, a changed gain, a run, a figure, a small sweep.

    pip install ./crates/cnn-py          # from the repository root
    pip install matplotlib pandas tqdm   # optional: figure, table, progress bar
    python examples/python/quickstart.py
"""

import cnn_force as cf

# The paper's MATLAB demo (four sines, N_G 1000) at g_GG 1.3 instead of 1.5.
cfg = cf.load_config("fig2-matlab", set={"network.g_gg": 1.3})
run = cf.run(cfg)
test = run.phases["test"]
print(run)
print("test correlation per output:", run.metrics["test"]["best_corr"])

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot(test.t_ms, test.f[:, 0], label="target f")
    ax.plot(test.t_ms, test.z[:, 0], label="output z", alpha=0.8)
    ax.set_xlabel("time (ms)")
    ax.legend()
    fig.tight_layout()
    fig.savefig("quickstart-test.png", dpi=120)
    print("wrote quickstart-test.png")
except ImportError:
    print("(pip install matplotlib to draw z against f)")

# A small sweep: the smoke ensemble (2 gains x 3 seeds, N_G 200), members in parallel.
sweep = cf.ensemble("smoke-ensemble")
try:
    df = sweep.to_pandas()
    print(df[["member", "seed", "network.g_gg", "success", "test.best_corr"]])
    print(df.groupby("network.g_gg")["test.best_corr"].median())
except ImportError:
    print("success per member:", sweep.summary["success"])
