"""Type stubs of cnn_force (the package's docstrings hold the documentation)."""

import os
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

import numpy as np

__version__: str

Progress = Union[bool, Callable[[int, int], Any]]
Overrides = Optional[Union[Mapping[str, Any], list[str]]]
Source = Union[str, os.PathLike, "Config", Mapping[str, Any]]

class ConfigError(ValueError):
    key: str
    location: str
    reason: str

def presets() -> list[dict[str, Any]]: ...

class Config:
    @classmethod
    def from_dict(cls, d: Mapping[str, Any], name: str = ..., base_dir: Union[str, os.PathLike] = ...) -> Config: ...
    @property
    def name(self) -> str: ...
    @property
    def is_ensemble(self) -> bool: ...
    @property
    def members(self) -> int: ...
    @property
    def overrides(self) -> list[str]: ...
    def to_toml(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def with_set(self, set: Overrides) -> Config: ...

def load_config(source: Source, set: Overrides = ...) -> Config: ...

class Phase:
    name: str
    t_ms: np.ndarray
    z: np.ndarray
    f: np.ndarray
    rates: np.ndarray
    rates_index: np.ndarray
    update_t_ms: np.ndarray
    w_norm: np.ndarray
    dw_norm: np.ndarray
    x_start: np.ndarray
    z_start: np.ndarray
    w_start: np.ndarray
    t_start_ms: float
    t_end_ms: float
    def __getitem__(self, key: str) -> Any: ...
    def keys(self) -> Any: ...

class Network:
    n_g: int
    n_out: int
    params: dict[str, float]
    J_GG: Any
    J_Gz: np.ndarray
    readout_units: np.ndarray
    x_initial: np.ndarray
    z_initial: np.ndarray
    w_initial: np.ndarray
    w_final: np.ndarray
    def keys(self) -> list[str]: ...
    def __getitem__(self, key: str) -> Any: ...

class Run:
    @property
    def success(self) -> Optional[bool]: ...
    @property
    def status(self) -> str: ...
    @property
    def status_message(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def config(self) -> Config: ...
    @property
    def config_toml(self) -> str: ...
    @property
    def metrics(self) -> dict[str, dict[str, Any]]: ...
    @property
    def phases(self) -> dict[str, Phase]: ...
    @property
    def network(self) -> Network: ...
    @property
    def health(self) -> Optional[list[dict[str, Any]]]: ...
    @property
    def pca(self) -> Optional[dict[str, Any]]: ...
    def save(self, path: Union[str, os.PathLike], force: bool = ...) -> None: ...
    def same_as(self, other: Run) -> bool: ...

def run(
    config: Source,
    *,
    out: Optional[Union[str, os.PathLike]] = ...,
    threads: Optional[int] = ...,
    progress: Progress = ...,
    set: Overrides = ...,
    force: bool = ...,
) -> Run: ...
def load(path: Union[str, os.PathLike]) -> Run: ...

class Ensemble:
    path: str
    meta: dict[str, Any]
    summary: dict[str, np.ndarray]
    @property
    def swept(self) -> list[str]: ...
    def members(self) -> list[int]: ...
    def member(self, index: int) -> Run: ...
    def to_pandas(self) -> Any: ...

def ensemble(
    config: Source,
    *,
    jobs: Optional[int] = ...,
    out: Optional[Union[str, os.PathLike]] = ...,
    progress: Progress = ...,
    set: Overrides = ...,
    force: bool = ...,
) -> Ensemble: ...
def load_ensemble(path: Union[str, os.PathLike]) -> Ensemble: ...
