"""cnn_force: FORCE learning for chaotic rate networks (Sussillo & Abbott 2009), from Python.

The engine is cnn's Rust engine (the crate ``cnn-experiment``), so a run from Python gives
the same numbers, and writes the same HDF5 file, as ``cnn run`` does.

Quick start::

    import cnn_force as cf
    cfg = cf.load_config("fig2-matlab", set={"network.g_gg": 1.2})
    run = cf.run(cfg)                         # a progress bar when tqdm is installed
    print(run.success, run.metrics["test"]["best_corr"])
    z, f = run.phases["test"].z, run.phases["test"].f   # numpy arrays (rows x outputs)
    run.save("g12.h5")                        # the file `cnn run` writes

    sweep = cf.ensemble("smoke-ensemble", jobs=2)
    print(sweep.summary["success"], sweep.to_pandas())   # pandas when installed

Configs come from a preset name (``cf.presets()``), a TOML file, TOML text or a dict
(``cf.Config.from_dict``), with ``set={"key.path": value}`` overrides. Errors: a bad
config raises :class:`ConfigError` (a ``ValueError``) with the CLI's message and ``key``,
``location``, ``reason`` attributes; a missing file ``FileNotFoundError``; a failed write
``OSError``; Ctrl-C ``KeyboardInterrupt`` (the run stops within 0.2 s and writes no file).
A run that diverges is a result (``run.status == "diverged"``), not an exception.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

import numpy as np

from . import _native
from ._native import ConfigError

__version__ = _native.__version__

__all__ = [
    "Config",
    "ConfigError",
    "Ensemble",
    "Network",
    "Phase",
    "Run",
    "ensemble",
    "load",
    "load_config",
    "load_ensemble",
    "presets",
    "run",
]

Progress = Union[bool, Callable[[int, int], Any]]
Overrides = Optional[Union[Mapping[str, Any], "list[str]"]]


def presets() -> list:
    """Every preset: a list of dicts with ``name``, ``description``, ``expect`` (what the
    paper reports and what the run should show) and ``default``."""
    return _native.presets()


def _toml_value(v: Any) -> str:
    """A Python value as TOML text (for ``KEY=VALUE`` overrides)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot use {type(v).__name__} as a config value: {v!r}")


def _set_list(set: Overrides) -> "list[str]":
    if set is None:
        return []
    if isinstance(set, Mapping):
        return [f"{k}={_toml_value(v)}" for k, v in set.items()]
    return [str(s) for s in set]


class Config:
    """A validated config (a single run or an ensemble). Build one with
    :func:`load_config` or :meth:`Config.from_dict`; ``to_toml()`` and ``to_dict()`` give
    the resolved config, every key with its default filled in."""

    def __init__(self, native: Any, source: str, kind: str, name: Optional[str], base_dir: Optional[str]):
        self._c = native
        self._source = (source, kind, name, base_dir)

    @classmethod
    def from_dict(cls, d: Mapping, name: str = "config", base_dir: Union[str, os.PathLike] = ".") -> "Config":
        """A config from nested dicts (the layout of the TOML file: ``{"network":
        {"g_gg": 1.2}, "targets": [{"kind": "sine"}]}``). Relative paths in it (CSV
        targets) are resolved against ``base_dir``."""
        return _load(_native.dict_to_toml(d), "toml", [], name, os.fspath(base_dir))

    @property
    def name(self) -> str:
        """The config's name (file stem, preset name, or the name given)."""
        return self._c.name

    @property
    def is_ensemble(self) -> bool:
        """Whether it describes an ensemble (``[ensemble]`` or ``[sweep]``)."""
        return self._c.is_ensemble

    @property
    def members(self) -> int:
        """Number of members (1 for a single run)."""
        return self._c.members

    @property
    def overrides(self) -> "list[str]":
        """The overrides applied, as ``KEY=VALUE`` strings."""
        return list(self._c.overrides)

    def to_toml(self) -> str:
        """The resolved config as TOML (what a run file stores)."""
        return self._c.to_toml()

    def to_dict(self) -> dict:
        """The resolved config as nested dicts and lists."""
        return self._c.to_dict()

    def with_set(self, set: Overrides) -> "Config":
        """This config with more overrides applied (validated again)."""
        source, kind, name, base_dir = self._source
        return _load(source, kind, self.overrides + _set_list(set), name, base_dir)

    def __repr__(self) -> str:
        return repr(self._c)


def _load(source: str, kind: str, set: "list[str]", name: Optional[str], base_dir: Optional[str]) -> Config:
    native = _native.load_config(source, kind, set, name=name, base_dir=base_dir)
    return Config(native, source, kind, name, base_dir)


def load_config(source: Union[str, os.PathLike, Config, Mapping], set: Overrides = None) -> Config:
    """Loads and validates a config.

    ``source``: a preset name (see :func:`presets`), a path to a TOML file, TOML text, a
    dict, or a :class:`Config`. ``set``: overrides, ``{"network.g_gg": 1.2, "seed": 4}``
    (or a list of ``"KEY=VALUE"`` strings), as ``cnn run --set`` takes them.

    Raises :class:`ConfigError` (a ``ValueError``) naming the key, its file and line and
    the allowed range, and ``FileNotFoundError`` for a missing file.
    """
    if isinstance(source, Config):
        return source.with_set(set) if set else source
    if isinstance(source, Mapping):
        return _load(_native.dict_to_toml(source), "toml", _set_list(set), "config", ".")
    extra = _set_list(set)
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and (os.path.exists(source) or source.endswith(".toml"))
    ):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such config file")
        return _load(path, "file", extra, None, None)
    if not isinstance(source, str):
        raise TypeError(f"a config is a preset name, a path, TOML text or a dict, not {type(source).__name__}")
    if "\n" not in source and "=" not in source and not source.lstrip().startswith("["):
        return _load(source, "preset", extra, None, None)
    return _load(source, "toml", extra, "config", ".")


def _progress(progress: Progress, total_hint: str) -> tuple:
    """The callback for the engine and a closer: tqdm when asked for and installed."""
    if callable(progress):
        return progress, lambda: None
    if not progress:
        return None, lambda: None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, lambda: None
    bar = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit=total_hint, leave=False)
        b = bar["bar"]
        b.update(done - b.n)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


class Phase:
    """One recorded phase: numpy arrays ``t_ms`` (rows), ``z``, ``f`` (rows x outputs),
    ``rates`` (rows x recorded units), ``rates_index``, ``update_t_ms``, ``w_norm``,
    ``dw_norm`` (updates x outputs), ``x_start``, ``z_start``, ``w_start`` and, where
    recorded, ``inputs``, ``feedback_rates``, ``y_start``; ``t_start_ms``, ``t_end_ms``."""

    def __init__(self, name: str, fields: dict):
        self.name = name
        self.__dict__.update(fields)
        self._fields = fields

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def keys(self):
        return self._fields.keys()

    def __repr__(self) -> str:
        return f"Phase({self.name!r}, {len(self.t_ms)} rows, {self.t_start_ms:g}-{self.t_end_ms:g} ms)"


def _csr(t: tuple) -> Any:
    data, indices, indptr, shape = t
    try:
        from scipy.sparse import csr_array
    except ImportError:
        return t
    return csr_array((data, indices, indptr), shape=shape)


class Network:
    """The network of a run: ``J_GG`` (a ``scipy.sparse.csr_array`` when scipy is
    installed, else a ``(data, indices, indptr, shape)`` tuple; stored without the gain
    g_GG), ``J_Gz``, ``w_initial``, ``w_final`` (N_G x outputs), ``x_initial``,
    ``readout_units``, ``params`` and the parts of architectures B and C."""

    def __init__(self, fields: dict):
        for k, v in fields.items():
            if k.startswith("J_") and isinstance(v, tuple):
                v = _csr(v)
            setattr(self, k, v)
        self._keys = list(fields)

    def keys(self):
        return list(self._keys)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __repr__(self) -> str:
        return f"Network(n_g={self.n_g}, n_out={self.n_out}, {', '.join(self._keys)})"


class Run:
    """A finished run: what its HDF5 file holds, as numpy arrays and dicts.

    ``success``, ``status`` (``"complete"``, ``"diverged"``), ``status_message``,
    ``seed``, ``config`` (:class:`Config`), ``metrics`` (``{phase: {metric: array per
    output}}``), ``phases`` (``{phase: Phase}``), ``network`` (:class:`Network`),
    ``health`` (P health per learner group), ``pca`` (the test phase's PCA, Fig 3);
    ``save(path)`` writes the file ``cnn run`` writes.
    """

    def __init__(self, record: Any):
        self._r = record
        self._cache: dict = {}

    def _get(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def success(self) -> Optional[bool]:
        return self._r.success

    @property
    def status(self) -> str:
        return self._r.status

    @property
    def status_message(self) -> str:
        return self._r.status_message

    @property
    def seed(self) -> int:
        return self._r.seed

    @property
    def config(self) -> Config:
        """The resolved config the run came from."""
        return self._get("config", lambda: _load(self._r.config_toml, "toml", [], "run", "."))

    @property
    def config_toml(self) -> str:
        return self._r.config_toml

    @property
    def metrics(self) -> dict:
        def make() -> dict:
            out = {}
            for phase, m in self._r.metrics().items():
                out[phase] = {k: (v if k == "success" else np.asarray(v)) for k, v in m.items()}
            return out

        return self._get("metrics", make)

    @property
    def phases(self) -> dict:
        return self._get("phases", lambda: {k: Phase(k, v) for k, v in self._r.phases().items()})

    @property
    def network(self) -> Network:
        return self._get("network", lambda: Network(self._r.network()))

    @property
    def health(self) -> Optional[list]:
        return self._get("health", self._r.health)

    @property
    def pca(self) -> Optional[dict]:
        return self._get("pca", self._r.pca)

    def save(self, path: Union[str, os.PathLike], force: bool = False) -> None:
        """Writes the HDF5 run file ``cnn run`` writes (temporary name, then rename); an
        existing file is replaced only with ``force=True``."""
        self._r.save(os.fspath(path), force)

    def same_as(self, other: "Run") -> bool:
        """Whether two runs hold the same data, bit for bit (NaN equal to NaN)."""
        return self._r.same_as(other._r)

    def __repr__(self) -> str:
        corr = self.metrics.get("test", {}).get("best_corr")
        corr = "" if corr is None else f", test corr {np.round(corr, 4).tolist()}"
        return f"Run(status={self.status!r}, success={self.success}, seed={self.seed}{corr})"


def run(
    config: Union[str, os.PathLike, Config, Mapping],
    *,
    out: Optional[Union[str, os.PathLike]] = None,
    threads: Optional[int] = None,
    progress: Progress = True,
    set: Overrides = None,
    force: bool = False,
) -> Run:
    """Runs one experiment in-process and returns the :class:`Run`.

    ``config``: a :class:`Config`, a preset name, a TOML path or text, or a dict.
    ``out``: also write the HDF5 run file there (refused if it exists, unless
    ``force=True``). ``threads``: threads for the one network (results do not depend on
    it; pays from N_G of about 2000). ``progress``: a tqdm bar when tqdm is installed
    (``False``: none; or a callable receiving ``(done_steps, total_steps)``). ``set``:
    overrides, ``{"network.g_gg": 1.2}``.

    The GIL is released while the network runs; Ctrl-C raises ``KeyboardInterrupt``
    within 0.2 s and writes no file. A diverged run is returned with ``status ==
    "diverged"``.
    """
    cfg = load_config(config, set)
    callback, close = _progress(progress, "step")
    try:
        rec = _native.run(cfg._c, None if out is None else os.fspath(out), force, threads, callback)
    finally:
        close()
    return Run(rec)


def load(path: Union[str, os.PathLike]) -> Run:
    """Reads a run file (written by ``cnn run``, :func:`run` or :meth:`Run.save`)
    through cnn's own reader: h5py is not needed."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise FileNotFoundError(f"{p}: no such run file")
    return Run(_native.load(p))


class Ensemble:
    """An ensemble (or a sweep): ``summary`` (a dict of numpy columns, one row per
    member: ``member``, ``seed``, the swept keys, ``success``, ``diverged``, ``wall_s``,
    ``<phase>.<metric>``, P health), ``to_pandas()``, ``member(i)`` (a :class:`Run`, when
    members were recorded), ``meta`` and ``path``."""

    def __init__(self, path: str, owned_dir: Optional[str] = None):
        self.path = path
        self._f = _native.EnsembleFile(path)
        self._owned = owned_dir
        self.meta = self._f.meta()
        self.summary = self._f.summary()

    @property
    def swept(self) -> "list[str]":
        return list(self.meta["swept"])

    def members(self) -> "list[int]":
        """The member indices in the file."""
        return list(self._f.member_indices())

    def member(self, index: int) -> Run:
        """Member ``index`` as a :class:`Run` (its traces when the ensemble recorded
        them: ``[ensemble] record = "full"``)."""
        return Run(self._f.member(index))

    def to_pandas(self) -> Any:
        """The summary as a ``pandas.DataFrame`` (pandas must be installed)."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Ensemble.to_pandas needs pandas: pip install pandas") from e
        return pd.DataFrame(self.summary)

    def __del__(self) -> None:
        if getattr(self, "_owned", None):
            shutil.rmtree(self._owned, ignore_errors=True)

    def __repr__(self) -> str:
        ok = int((self.summary["success"] == 1).sum())
        return f"Ensemble({self.path!r}, {len(self.summary['member'])} members, success {ok}, swept {self.swept})"


def ensemble(
    config: Union[str, os.PathLike, Config, Mapping],
    *,
    jobs: Optional[int] = None,
    out: Optional[Union[str, os.PathLike]] = None,
    progress: Progress = True,
    set: Overrides = None,
    force: bool = False,
) -> Ensemble:
    """Runs an ensemble config (``[ensemble]`` seeds, ``[sweep]`` grids) in-process,
    members in parallel on ``jobs`` threads (default: all cores), and returns the
    :class:`Ensemble`. ``out``: the ensemble file (default: a temporary file kept as
    long as the returned object). Results equal ``cnn run``'s, whatever ``jobs`` is.
    ``progress``: a tqdm bar over members, ``False``, or a callable ``(done, total)``.
    """
    cfg = load_config(config, set)
    owned = None
    if out is None:
        owned = tempfile.mkdtemp(prefix="cnn_force-")
        out = os.path.join(owned, f"{cfg.name}.h5")
    callback, close = _progress(progress, "member")
    try:
        _native.ensemble(cfg._c, os.fspath(out), force, jobs, callback)
    except BaseException:
        if owned:
            shutil.rmtree(owned, ignore_errors=True)
        raise
    finally:
        close()
    return Ensemble(os.fspath(out), owned)


def load_ensemble(path: Union[str, os.PathLike]) -> Ensemble:
    """Reads an ensemble (or shard) file through cnn's own reader."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise FileNotFoundError(f"{p}: no such ensemble file")
    return Ensemble(p)
