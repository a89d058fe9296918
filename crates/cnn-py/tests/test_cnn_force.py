"""The Python package against the CLI: same files, same summaries, errors by kind,
Ctrl-C, threads. `cargo xtask test` builds the package into a virtual environment and
runs this suite with CNN_BIN pointing at the `cnn` binary it built."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import cnn_force as cf

ROOT = Path(__file__).resolve().parents[3]

# A small single run (N_G 150, MATLAB protocol, 2.4 s simulated): seconds.
SMALL = {"network.n_g": 150, "simulation.train_ms": 1200.0, "simulation.test_ms": 600.0,
         "simulation.spontaneous_ms": 120.0}


def cnn_bin() -> str:
    env = os.environ.get("CNN_BIN")
    if env:
        return env
    for profile in ("debug", "release"):
        p = ROOT / "target" / profile / "cnn"
        if p.exists():
            return str(p)
    found = shutil.which("cnn")
    if not found:
        pytest.fail("no cnn binary: set CNN_BIN or build it (cargo build -p cnn-cli)")
    return found


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([cnn_bin(), *args], cwd=cwd, capture_output=True, text=True)


def set_args(d: dict) -> list:
    out = []
    for k, v in d.items():
        out += ["--set", f"{k}={v}"]
    return out


def h5_datasets(path: Path) -> dict:
    """Every dataset and attribute of an HDF5 file (wall-time attributes left out)."""
    h5py = pytest.importorskip("h5py")
    found = {}

    def visit(name, obj):
        for k, v in obj.attrs.items():
            if k != "wall_s":
                found[f"{name}@{k}"] = np.asarray(v)
        if isinstance(obj, h5py.Dataset):
            found[name] = obj[()]

    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            found[f"/@{k}"] = np.asarray(v)
        f.visititems(visit)
    return found


def assert_same_h5(a: Path, b: Path) -> None:
    da, db = h5_datasets(a), h5_datasets(b)
    assert sorted(da) == sorted(db)
    for k in da:
        x, y = np.asarray(da[k]), np.asarray(db[k])
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), k
        else:
            assert np.array_equal(x, y), k


def test_presets_list_and_configs_round_trip():
    ps = cf.presets()
    names = [p["name"] for p in ps]
    assert "fig2-periodic" in names and "smoke-ensemble" in names
    assert all(p["description"] and p["expect"] for p in ps)
    assert sum(p["default"] for p in ps) == 1

    cfg = cf.load_config("fig2-matlab", set={"network.g_gg": 1.2, "seed": 4})
    d = cfg.to_dict()
    assert d["network"]["g_gg"] == 1.2 and d["seed"] == 4
    again = cf.Config.from_dict(d)
    assert again.to_toml() == cfg.to_toml()
    assert cf.load_config(cfg.to_toml()).to_toml() == cfg.to_toml()
    assert cf.load_config("smoke-ensemble").is_ensemble
    assert cf.load_config("smoke-ensemble").members == 6


def test_a_run_from_python_equals_the_cli_file(tmp_path):
    py_file = tmp_path / "py.h5"
    run = cf.run("fig2-matlab", set=SMALL, out=py_file, progress=False)
    proc = cli("run", "fig2-matlab", *set_args(SMALL), "--out", "cli.h5", "--quiet", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert_same_h5(py_file, tmp_path / "cli.h5")
    assert run.same_as(cf.load(tmp_path / "cli.h5"))
    # What the Run holds is what the file holds.
    assert run.phases["test"].z.shape == (600, 1)
    assert run.metrics["test"]["success"] == run.success
    assert run.network.w_final.shape == (150, 1)
    assert run.health[0]["learner"] == "readout"
    assert run.pca["n_95"] >= 1
    assert run.config.to_dict()["network"]["n_g"] == 150


def test_save_and_load_round_trip(tmp_path):
    run = cf.run("fig2-triangle", set={**SMALL, "simulation.dt_ms": 1.0, "training.learn_every_ms": 2.0},
                 progress=False)
    run.save(tmp_path / "r.h5")
    back = cf.load(tmp_path / "r.h5")
    assert back.same_as(run)
    np.testing.assert_array_equal(back.phases["train"].w_norm, run.phases["train"].w_norm)
    with pytest.raises(FileExistsError):
        run.save(tmp_path / "r.h5")  # exists, no force
    run.save(tmp_path / "r.h5", force=True)


def test_the_ensemble_summary_equals_the_cli(tmp_path):
    set_ = {"simulation.train_ms": 1200.0, "network.n_g": 80}
    seen = []
    ens = cf.ensemble("smoke-ensemble", set=set_, jobs=2, progress=lambda d, t: seen.append((d, t)),
                      out=tmp_path / "py.h5")
    proc = cli("run", "smoke-ensemble", *set_args(set_), "--out", "cli.h5", "--quiet", "--jobs", "1",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    theirs = cf.load_ensemble(tmp_path / "cli.h5").summary
    assert sorted(ens.summary) == sorted(theirs)
    for k, v in ens.summary.items():
        if k != "wall_s":
            np.testing.assert_array_equal(v, theirs[k], err_msg=k)
    assert ens.swept == ["network.g_gg"]
    assert seen and seen[-1][1] == 6
    m = ens.member(3)
    assert m.seed == int(ens.summary["seed"][3])
    assert m.same_as(cf.load_ensemble(tmp_path / "cli.h5").member(3))


def test_ensemble_to_pandas():
    pd = pytest.importorskip("pandas")
    ens = cf.ensemble("smoke-ensemble", set={"simulation.train_ms": 600.0, "network.n_g": 60},
                      progress=False)
    df = ens.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 6
    assert set(df["network.g_gg"]) == {1.2, 1.5}


def test_errors_by_kind(tmp_path):
    with pytest.raises(cf.ConfigError) as e:
        cf.load_config("fig2-matlab", set={"network.p_gg": 2})
    assert e.value.key == "network.p_gg"
    assert "0 < p_gg <= 1" in str(e.value)
    assert isinstance(e.value, ValueError)

    bad = tmp_path / "bad.toml"
    bad.write_text("[network]\nn_g = 0\n[[targets]]\nkind = \"sine\"\n")
    with pytest.raises(cf.ConfigError) as e:
        cf.load_config(bad)
    assert e.value.key == "network.n_g"
    assert f"{bad}:2" in str(e.value)
    assert "1 <= n_g <= 50000" in str(e.value)

    with pytest.raises(cf.ConfigError):
        cf.load_config("[network]\nn_gg = 3\n")  # unknown key in TOML text
    with pytest.raises(ValueError):
        cf.load_config("fig2-periodc")  # no such preset
    with pytest.raises(FileNotFoundError):
        cf.load_config(tmp_path / "missing.toml")
    with pytest.raises(FileNotFoundError):
        cf.load(tmp_path / "missing.h5")
    notrun = tmp_path / "text.h5"
    notrun.write_text("not hdf5\n")
    with pytest.raises(ValueError):
        cf.load(notrun)
    with pytest.raises(ValueError):  # refused before any work, as the CLI's exit 2
        cf.run("fig2-matlab", set=SMALL, out=tmp_path / "no" / "such" / "dir.h5", progress=False)


def test_a_failed_write_raises_oserror_and_leaves_nothing(tmp_path):
    # A file-size limit fails the write as a full disk would (EFBIG instead of ENOSPC).
    code = (
        "import resource, signal, cnn_force as cf\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))\n"
        "try:\n"
        f"    cf.run('fig2-matlab', set={SMALL!r}, out='big.h5', progress=False)\n"
        "except OSError as e:\n"
        "    print('OSError', e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert proc.stdout.startswith("OSError"), proc.stdout + proc.stderr
    assert "big.h5" in proc.stdout
    assert list(tmp_path.iterdir()) == [], "no partial file left"


def test_a_diverged_run_is_a_result_not_an_exception():
    run = cf.run("fig2-matlab", set={**SMALL, "training.alpha": 1e-12, "network.g_gg": 30.0},
                 progress=False)
    assert run.status in ("complete", "diverged")
    assert run.success is False


def test_ctrl_c_stops_the_run_quickly_and_writes_nothing(tmp_path):
    out = tmp_path / "long.h5"
    sent = {}

    def interrupt():
        sent["t"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.5, interrupt)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        # About a minute of work: N_G 1000, 30 s simulated at dt 0.1 ms.
        cf.run("fig2-periodic", set={"simulation.train_ms": 30000.0}, out=out, progress=False)
    latency = time.monotonic() - sent["t"]
    timer.join()
    assert latency < 0.5, f"KeyboardInterrupt {latency:.3f} s after SIGINT"
    assert list(tmp_path.iterdir()) == [], "no file, no partial file"
    # The interpreter is usable: another run works.
    assert cf.run("fig2-matlab", set=SMALL, progress=False).status == "complete"


def test_two_runs_in_threads_equal_the_runs_alone():
    alone = [cf.run("fig2-matlab", set={**SMALL, "seed": s}, progress=False) for s in (1, 2)]
    results = [None, None]

    def go(i):
        results[i] = cf.run("fig2-matlab", set={**SMALL, "seed": i + 1}, progress=False)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.same_as(a) for r, a in zip(results, alone))


def test_progress_callback_and_help():
    calls = []
    cf.run("fig2-matlab", set=SMALL, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] > 0
    assert "KeyboardInterrupt" in cf.run.__doc__
    assert "ConfigError" in cf.__doc__


def test_a_numpy_target_equals_the_same_target_from_csv(tmp_path):
    t = np.arange(120) * 10.0
    f = np.column_stack([np.sin(2 * np.pi * t / 1200.0), 0.5 * np.cos(2 * np.pi * t / 600.0)])
    np.savetxt(tmp_path / "f.csv", f, delimiter=",", fmt="%.17g")
    base = {
        "seed": 3,
        "network": {"n_g": 100},
        "simulation": {"dt_ms": 1.0, "spontaneous_ms": 60.0, "train_ms": 1200.0, "test_ms": 600.0},
        "training": {"learn_every_ms": 2.0},
    }
    from_csv = cf.Config.from_dict(
        {**base, "targets": [{"kind": "csv", "path": "f.csv", "sample_interval_ms": 10.0}]},
        base_dir=tmp_path,
    )
    from_numpy = cf.Config.from_dict(
        {**base, "targets": [{"kind": "array", "values": f, "sample_interval_ms": 10.0}]}
    )
    a, b = cf.run(from_csv, progress=False), cf.run(from_numpy, progress=False)
    for phase in ("spontaneous", "train", "test"):
        np.testing.assert_array_equal(a.phases[phase].f, b.phases[phase].f)
        np.testing.assert_array_equal(a.phases[phase].z, b.phases[phase].z)
    sp = b.phases["spontaneous"]
    at = [int(np.flatnonzero(sp.t_ms == ms)[0]) for ms in (10.0, 20.0, 30.0, 40.0, 50.0)]
    np.testing.assert_allclose(sp.f[at], f[1:6], rtol=0, atol=1e-15)


def test_the_quickstart_example_runs(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / "quickstart.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "success=True" in proc.stdout, proc.stdout
