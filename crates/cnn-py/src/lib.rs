//! `cnn_force._native`: the cnn engine (`cnn-experiment`) for Python. The Python package
//! `cnn_force` (python/cnn_force) wraps these functions in the documented API; this
//! module owns the GIL handling and signals: runs release the GIL, poll Python's signal
//! handlers every 50 ms and cancel the engine's token on `KeyboardInterrupt`.

// PyO3's macros expand to items rustdoc and clippy cannot see documented.
#![allow(missing_docs)]

mod convert;
mod errors;

use cnn_core::{Observer, StepView};
use cnn_experiment::{
    parse_overrides, Cancel, ConfigText, EnsembleEvent, EnsembleOptions, Loaded, Output, RunOptions,
};
use errors::{to_py, ConfigError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often a run wakes up to check Python's signals and report progress.
const POLL: Duration = Duration::from_millis(50);

/// Every preset: a list of dicts with `name`, `description`, `expect`, `default`.
#[pyfunction]
fn presets(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for p in cnn_experiment::presets::all() {
        let d = PyDict::new(py);
        d.set_item("name", p.name)?;
        d.set_item("description", p.description())?;
        d.set_item("expect", p.expect())?;
        d.set_item("default", p.is_default())?;
        list.append(d)?;
    }
    Ok(list)
}

/// A validated config: its text, where it came from, and the overrides applied.
#[pyclass(module = "cnn_force._native", frozen)]
#[derive(Clone)]
struct Config {
    text: ConfigText,
    set: Vec<String>,
    /// The resolved TOML (every key, defaults filled): a single run's resolved config,
    /// or an ensemble's resolved ensemble config.
    resolved: String,
    ensemble: bool,
    members: usize,
}

impl Config {
    fn load(text: ConfigText, set: Vec<String>) -> Result<Self, cnn_experiment::Error> {
        let overrides = parse_overrides(&set)?;
        Ok(match text.load(&overrides)? {
            Loaded::Single(exp) => Config {
                resolved: exp.resolved_toml().to_string(),
                text,
                set,
                ensemble: false,
                members: 1,
            },
            Loaded::Ensemble(plan) => Config {
                resolved: plan.config_toml().to_string(),
                members: plan.members().len(),
                text,
                set,
                ensemble: true,
            },
        })
    }
}

#[pymethods]
impl Config {
    /// The config's name (file stem, preset name, or the name given with the text).
    #[getter]
    fn name(&self) -> String {
        self.text.name().to_string()
    }
    /// Whether the config describes an ensemble (`[ensemble]` or `[sweep]`).
    #[getter]
    fn is_ensemble(&self) -> bool {
        self.ensemble
    }
    /// Number of members (1 for a single run).
    #[getter]
    fn members(&self) -> usize {
        self.members
    }
    /// The overrides applied, as `KEY=VALUE` strings.
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.set.clone()
    }
    /// Where it came from: a path, `preset NAME`, or the name given with the text.
    #[getter]
    fn source(&self) -> String {
        self.text.source().display.clone()
    }
    /// The resolved config as TOML: every key with its default filled in.
    fn to_toml(&self) -> String {
        self.resolved.clone()
    }
    /// The resolved config as nested dicts and lists.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value: toml::Table = toml::from_str(&self.resolved)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        convert::toml_to_py(py, &toml::Value::Table(value))
    }
    fn __repr__(&self) -> String {
        format!(
            "Config({:?}{}{})",
            self.text.name(),
            if self.ensemble {
                format!(", ensemble of {} members", self.members)
            } else {
                String::new()
            },
            if self.set.is_empty() {
                String::new()
            } else {
                format!(", set={:?}", self.set)
            }
        )
    }
}

/// Loads and validates a config: `kind` is "file", "preset" or "toml"; `set` holds
/// `KEY=VALUE` overrides.
#[pyfunction]
#[pyo3(signature = (source, kind, set, name = None, base_dir = None))]
fn load_config(
    source: &str,
    kind: &str,
    set: Vec<String>,
    name: Option<&str>,
    base_dir: Option<PathBuf>,
) -> PyResult<Config> {
    let text = match kind {
        "file" => ConfigText::file(Path::new(source)),
        "preset" => ConfigText::preset(source),
        _ => Ok(ConfigText::toml(
            source,
            name.unwrap_or("config"),
            base_dir.as_deref().unwrap_or(Path::new(".")),
        )),
    }
    .map_err(to_py)?;
    Config::load(text, set).map_err(to_py)
}

/// A dict (nested dicts, lists, numbers, strings, booleans) as TOML text.
#[pyfunction]
fn dict_to_toml(d: &Bound<'_, PyAny>) -> PyResult<String> {
    let value = convert::py_to_toml(d)?;
    let toml::Value::Table(t) = value else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "a config is a dict of tables and keys",
        ));
    };
    toml::to_string(&t).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// Counts steps for the progress report.
struct StepCounter<'a>(&'a AtomicU64);

impl Observer for StepCounter<'_> {
    fn step(&mut self, view: &StepView<'_>) {
        self.0.store(view.step, Ordering::Relaxed);
    }
}

/// Calls `progress(done, total)`, if there is a callback.
fn report(
    py: Python<'_>,
    progress: Option<&Py<PyAny>>,
    done: &AtomicU64,
    total: u64,
) -> PyResult<()> {
    match progress {
        Some(cb) => cb
            .call1(py, (done.load(Ordering::Relaxed), total))
            .map(drop),
        None => Ok(()),
    }
}

/// Runs `work` on a thread of its own while this thread, without the GIL, waits for it;
/// every [`POLL`] it takes the GIL to report progress (`report`) and check Python's
/// signals. A `KeyboardInterrupt` (or an exception from `report`) cancels the token,
/// waits for the work to stop and is raised.
fn drive<R: Send>(
    py: Python<'_>,
    work: impl FnOnce(&Cancel) -> R + Send,
    mut report: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<R> {
    let cancel = Cancel::new();
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<()>();
        let cancel_ref = &cancel;
        let handle = s.spawn(move || {
            let r = work(cancel_ref);
            let _ = tx.send(());
            r
        });
        let mut rx = rx;
        loop {
            // The receiver goes into the GIL-free wait and comes back (it is Send, not Sync).
            let (finished, back) = py.detach(move || {
                let finished =
                    !matches!(rx.recv_timeout(POLL), Err(mpsc::RecvTimeoutError::Timeout));
                (finished, rx)
            });
            rx = back;
            let checked = report(py).and_then(|()| py.check_signals());
            if let Err(e) = checked {
                cancel.cancel();
                // The work stops after its current step; no file is written.
                let _ = py.detach(|| handle.join());
                return Err(e);
            }
            if finished {
                break;
            }
        }
        py.detach(|| handle.join())
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the run panicked"))
    })
}

/// Runs a single-run config; returns its record (and writes it to `out` when given).
/// `progress(done, total)` is called about every 50 ms.
#[pyfunction]
#[pyo3(signature = (config, out = None, force = false, threads = None, progress = None))]
fn run(
    py: Python<'_>,
    config: &Config,
    out: Option<PathBuf>,
    force: bool,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<convert::Record> {
    if config.ensemble {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{} is an ensemble ({} members): use cnn_force.ensemble",
            config.text.name(),
            config.members
        )));
    }
    let overrides = parse_overrides(&config.set).map_err(|e| to_py(e.into()))?;
    let exp = config.text.experiment(&overrides).map_err(to_py)?;
    let total = exp.steps().total();
    let output = out.map(|path| Output { path, force });
    let done = AtomicU64::new(0);
    let record = drive(
        py,
        |cancel| {
            let opts = RunOptions {
                threads: threads.unwrap_or(1),
                output: output.as_ref(),
                ..RunOptions::default()
            };
            let mut counter = StepCounter(&done);
            cnn_experiment::run(&exp, &opts, &mut [&mut counter], cancel)
        },
        |py| report(py, progress.as_ref(), &done, total),
    )?
    .map_err(to_py)?;
    if let Some(cb) = &progress {
        cb.call1(py, (total, total))?;
    }
    Ok(convert::Record(record))
}

/// Runs an ensemble config into `out` (an HDF5 ensemble file); returns the summary
/// table as a dict of numpy columns. `progress(done, total)` after each member.
#[pyfunction]
#[pyo3(signature = (config, out, force = false, jobs = None, progress = None))]
fn ensemble<'py>(
    py: Python<'py>,
    config: &Config,
    out: PathBuf,
    force: bool,
    jobs: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let overrides = parse_overrides(&config.set).map_err(|e| to_py(e.into()))?;
    let Some(plan) = config.text.plan(&overrides).map_err(to_py)? else {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{} is a single run (no [ensemble] or [sweep] table): use cnn_force.run",
            config.text.name()
        )));
    };
    let total = plan.members().len() as u64;
    let done = AtomicU64::new(0);
    let opts = EnsembleOptions {
        out,
        force,
        jobs: jobs.unwrap_or(0),
        shard: None,
    };
    let summary = drive(
        py,
        |cancel| {
            let on_event = |e: &EnsembleEvent| {
                if let EnsembleEvent::Started { resumed, .. } = e {
                    done.store(*resumed as u64, Ordering::Relaxed);
                }
                if let EnsembleEvent::MemberDone { done: d, .. } = e {
                    done.store(*d as u64, Ordering::Relaxed);
                }
            };
            cnn_experiment::run_ensemble(&plan, &opts, &on_event, cancel)
        },
        |py| report(py, progress.as_ref(), &done, total),
    )?
    .map_err(to_py)?;
    convert::summary_to_py(py, &summary)
}

/// Reads a run file through the Rust reader.
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf) -> PyResult<convert::Record> {
    cnn_experiment::checkpoint::refuse_unfinished(&path).map_err(to_py)?;
    let rec = py
        .detach(|| cnn_io::read_run(&path))
        .map_err(|e| to_py(e.into()))?;
    Ok(convert::Record(rec))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ConfigError", m.py().get_type::<ConfigError>())?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    m.add_function(wrap_pyfunction!(load_config, m)?)?;
    m.add_function(wrap_pyfunction!(dict_to_toml, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_class::<Config>()?;
    m.add_class::<convert::Record>()?;
    m.add_class::<convert::EnsembleFile>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
