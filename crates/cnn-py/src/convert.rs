//! Run records, ensemble files and configs as Python objects: numpy arrays for traces
//! and matrices, dicts for metrics and tables.

use crate::errors::to_py;
use cnn_core::Csr;
use cnn_io::{Column, EnsembleReader, RunRecord, SummaryTable};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::path::PathBuf;

/// `values` as a numpy array of `shape` (row-major).
fn array<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    values: &[T],
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let a = PyArray1::from_slice(py, values);
    if shape.len() == 1 {
        return Ok(a.into_any());
    }
    Ok(a.reshape(shape.to_vec())?.into_any())
}

/// A CSR matrix as `(data, indices, indptr, (rows, cols))`.
fn csr<'py>(py: Python<'py>, m: &Csr) -> PyResult<Bound<'py, PyTuple>> {
    let indptr: Vec<u64> = m.indptr().iter().map(|&i| i as u64).collect();
    PyTuple::new(
        py,
        [
            array(py, m.data(), &[m.nnz()])?,
            array(py, m.indices(), &[m.nnz()])?,
            array(py, &indptr, &[indptr.len()])?,
            PyTuple::new(py, [m.n_rows(), m.n_cols()])?.into_any(),
        ],
    )
}

/// A run record (what a run file holds). The Python class `cnn_force.Run` wraps it.
#[pyclass(module = "cnn_force._native", frozen, name = "Record")]
pub struct Record(pub RunRecord);

#[pymethods]
impl Record {
    /// `True` / `False`, or `None` when the run was not judged.
    #[getter]
    fn success(&self) -> Option<bool> {
        self.0.success
    }
    /// `"complete"`, `"diverged"` or `"interrupted"`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.meta.status.name()
    }
    /// What diverged and when (empty when complete).
    #[getter]
    fn status_message(&self) -> String {
        self.0.meta.status.message().to_string()
    }
    /// The network seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.0.meta.seed
    }
    /// The resolved config (TOML) of the run.
    #[getter]
    fn config_toml(&self) -> String {
        self.0.meta.config_toml.clone()
    }
    /// The cnn version that wrote the record.
    #[getter]
    fn cnn_version(&self) -> String {
        self.0.meta.cnn_version.clone()
    }
    /// `{phase: {metric: [value per output]}}`, metrics in the trainer's order, plus
    /// `success` where the phase was judged.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for m in &self.0.metrics {
            let p = PyDict::new(py);
            for (name, v) in &m.values {
                p.set_item(name, v.clone())?;
            }
            if let Some(s) = m.success {
                p.set_item("success", s)?;
            }
            d.set_item(m.phase.name(), p)?;
        }
        Ok(d)
    }
    /// `{phase: {name: array}}`: `t_ms` (rows), `z`, `f` (rows x outputs), `rates` (rows x
    /// recorded units), `rates_index`, `update_t_ms`, `w_norm`, `dw_norm` (updates x
    /// outputs), `x_start`, `z_start`, `w_start`, and `inputs`, `feedback_rates`,
    /// `y_start` when recorded; `t_start_ms`, `t_end_ms`, `first_step`, `last_step`,
    /// `decimate`.
    fn phases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let k = self.0.network.n_out;
        let d = PyDict::new(py);
        for p in &self.0.phases {
            let rows = p.t_ms.len();
            let n_r = p.rates_index.len();
            let updates = p.update_t_ms.len();
            let e = PyDict::new(py);
            e.set_item("t_ms", array(py, &p.t_ms, &[rows])?)?;
            e.set_item("z", array(py, &p.z, &[rows, k])?)?;
            e.set_item("f", array(py, &p.f, &[rows, k])?)?;
            e.set_item("rates", array(py, &p.rates, &[rows, n_r])?)?;
            e.set_item("rates_index", array(py, &p.rates_index, &[n_r])?)?;
            e.set_item("update_t_ms", array(py, &p.update_t_ms, &[updates])?)?;
            e.set_item("w_norm", array(py, &p.w_norm, &[updates, k])?)?;
            e.set_item("dw_norm", array(py, &p.dw_norm, &[updates, k])?)?;
            e.set_item("x_start", array(py, &p.x_start, &[p.x_start.len()])?)?;
            e.set_item("z_start", array(py, &p.z_start, &[p.z_start.len()])?)?;
            e.set_item("w_start", array(py, &p.w_start, &[p.w_start.len()])?)?;
            if let Some(v) = &p.inputs {
                e.set_item("inputs", array(py, v, &[rows, v.len() / rows.max(1)])?)?;
            }
            if let Some(v) = &p.feedback_rates {
                e.set_item(
                    "feedback_rates",
                    array(py, v, &[rows, v.len() / rows.max(1)])?,
                )?;
            }
            if let Some(v) = &p.y_start {
                e.set_item("y_start", array(py, v, &[v.len()])?)?;
            }
            e.set_item("t_start_ms", p.t_start_ms)?;
            e.set_item("t_end_ms", p.t_end_ms)?;
            e.set_item("first_step", p.first_step)?;
            e.set_item("last_step", p.last_step)?;
            e.set_item("decimate", p.decimate)?;
            d.set_item(p.phase.name(), e)?;
        }
        Ok(d)
    }
    /// The network: `n_g`, `n_out`, `params`, `J_GG` (CSR tuple, without the gain),
    /// `J_Gz` (N_G x outputs), `readout_units`, `x_initial`, `z_initial`, `w_initial`,
    /// `w_final` (N_G x outputs), and the parts of architectures B and C and inputs.
    fn network<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let n = &self.0.network;
        let d = PyDict::new(py);
        d.set_item("n_g", n.n_g)?;
        d.set_item("n_out", n.n_out)?;
        let params = PyDict::new(py);
        for (k, v) in &n.params {
            params.set_item(k, v)?;
        }
        d.set_item("params", params)?;
        d.set_item("J_GG", csr(py, &n.j_gg)?)?;
        d.set_item("J_Gz", array(py, &n.j_gz, &[n.n_g, n.n_out])?)?;
        d.set_item(
            "readout_units",
            array(py, &n.readout_units, &[n.readout_units.len()])?,
        )?;
        d.set_item("x_initial", array(py, &n.x_initial, &[n.x_initial.len()])?)?;
        d.set_item("z_initial", array(py, &n.z_initial, &[n.z_initial.len()])?)?;
        d.set_item("w_initial", array(py, &n.w_initial, &[n.n_g, n.n_out])?)?;
        d.set_item("w_final", array(py, &n.w_final, &[n.n_g, n.n_out])?)?;
        d.set_item("n_in", n.n_in)?;
        if let Some(m) = &n.j_gi {
            d.set_item("J_GI", csr(py, m)?)?;
        }
        if !n.trained_units.is_empty() {
            d.set_item(
                "trained_units",
                array(py, &n.trained_units, &[n.trained_units.len()])?,
            )?;
        }
        if let Some(m) = &n.j_gg_final {
            d.set_item("J_GG_final", csr(py, m)?)?;
        }
        if let Some(fb) = &n.feedback {
            d.set_item("J_FF", csr(py, &fb.j_ff)?)?;
            d.set_item("J_GF", csr(py, &fb.j_gf)?)?;
            d.set_item("J_FG_initial", csr(py, &fb.j_fg_initial)?)?;
            d.set_item("J_FG_final", csr(py, &fb.j_fg_final)?)?;
            if let Some(m) = &fb.j_fi {
                d.set_item("J_FI", csr(py, m)?)?;
            }
            d.set_item(
                "y_initial",
                array(py, &fb.y_initial, &[fb.y_initial.len()])?,
            )?;
        }
        Ok(d)
    }
    /// Numerical health of P, one dict per learner group, or `None`.
    fn health<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Some(h) = &self.0.health else {
            return Ok(None);
        };
        let list = PyList::empty(py);
        for g in &h.groups {
            let d = PyDict::new(py);
            d.set_item("learner", &g.learner)?;
            d.set_item("matrices", g.matrices)?;
            d.set_item("updates", g.updates)?;
            d.set_item("skipped_updates", g.skipped_updates)?;
            d.set_item("min_p_diagonal", g.min_p_diagonal)?;
            d.set_item("min_denominator", g.min_denominator)?;
            d.set_item("symmetry_drift", g.symmetry_drift)?;
            list.append(d)?;
        }
        Ok(Some(list))
    }
    /// The PCA of the test phase (Fig 3), or `None`.
    fn pca<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(p) = &self.0.pca else {
            return Ok(None);
        };
        let n = p.mean.len();
        let s = p.samples();
        let k = self.0.network.n_out;
        let d = PyDict::new(py);
        d.set_item("n_95", p.n_95)?;
        d.set_item("sample_every_steps", p.sample_every_steps)?;
        d.set_item(
            "eigenvalues",
            array(py, &p.eigenvalues, &[p.eigenvalues.len()])?,
        )?;
        d.set_item(
            "explained_fraction",
            array(py, &p.explained_fraction, &[p.explained_fraction.len()])?,
        )?;
        d.set_item("eigenvectors", array(py, &p.eigenvectors, &[n, p.n_keep])?)?;
        d.set_item("mean", array(py, &p.mean, &[n])?)?;
        d.set_item("t_ms", array(py, &p.t_ms, &[s])?)?;
        d.set_item("projections", array(py, &p.projections, &[s, p.n_keep])?)?;
        d.set_item("z", array(py, &p.z, &[s, k])?)?;
        d.set_item("f", array(py, &p.f, &[s, k])?)?;
        d.set_item("recon_k", array(py, &p.recon_k, &[p.recon_k.len()])?)?;
        d.set_item("recon_z", array(py, &p.recon_z, &[p.recon_k.len(), s, k])?)?;
        d.set_item(
            "recon_rms_vs_f",
            array(py, &p.recon_rms_vs_f, &[p.recon_k.len(), k])?,
        )?;
        d.set_item(
            "recon_rms_vs_z",
            array(py, &p.recon_rms_vs_z, &[p.recon_k.len(), k])?,
        )?;
        Ok(Some(d))
    }
    /// Writes the run file `cnn run` writes (temporary name, then rename).
    #[pyo3(signature = (path, force = false))]
    fn save(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<()> {
        py.detach(|| cnn_io::write_run(&path, &self.0, force))
            .map_err(|e| to_py(e.into()))
    }
    /// Whether two records hold the same data (NaN equal to NaN).
    fn same_as(&self, other: &Record) -> bool {
        self.0.same_as(&other.0)
    }
}

/// The `/summary` table as `{column: numpy array}`.
pub fn summary_to_py<'py>(py: Python<'py>, s: &SummaryTable) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, col) in &s.columns {
        let a = match col {
            Column::U64(v) => array(py, v, &[v.len()])?,
            Column::I8(v) => array(py, v, &[v.len()])?,
            Column::F64(v) => array(py, v, &[v.len()])?,
        };
        d.set_item(name, a)?;
    }
    Ok(d)
}

/// An ensemble (or shard) file opened for reading.
#[pyclass(module = "cnn_force._native", name = "EnsembleFile")]
pub struct EnsembleFile {
    path: PathBuf,
}

impl EnsembleFile {
    fn reader(&self) -> PyResult<EnsembleReader> {
        EnsembleReader::open(&self.path).map_err(|e| to_py(e.into()))
    }
}

#[pymethods]
impl EnsembleFile {
    #[new]
    fn open(path: PathBuf) -> PyResult<Self> {
        let f = Self { path };
        f.reader()?;
        Ok(f)
    }
    /// The file's metadata: config (TOML), config hash, members, swept keys, record
    /// level, shard.
    fn meta<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = self.reader()?;
        let m = r.meta();
        let d = PyDict::new(py);
        d.set_item("cnn_version", &m.cnn_version)?;
        d.set_item("config_toml", &m.config_toml)?;
        d.set_item("config_hash", &m.config_hash)?;
        d.set_item("n_members", m.n_members)?;
        d.set_item("swept", m.swept.clone())?;
        d.set_item("record", &m.record)?;
        d.set_item("shard", m.shard)?;
        Ok(d)
    }
    /// The summary table: one numpy column per key, one row per member.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.reader()?.summary().map_err(|e| to_py(e.into()))?;
        summary_to_py(py, &s)
    }
    /// The indices of the members in the file.
    fn member_indices(&self) -> PyResult<Vec<u64>> {
        self.reader()?.member_indices().map_err(|e| to_py(e.into()))
    }
    /// Member `index` as a run record.
    fn member(&self, py: Python<'_>, index: u64) -> PyResult<Record> {
        let r = self.reader()?;
        let (_, rec) = py
            .detach(|| r.read_member(index))
            .map_err(|e| to_py(e.into()))?;
        Ok(Record(rec))
    }
}

/// A TOML value as Python objects.
pub fn toml_to_py<'py>(py: Python<'py>, v: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        toml::Value::String(s) => PyString::new(py, s).into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => PyFloat::new(py, *f).into_any(),
        toml::Value::Boolean(b) => PyBool::new(py, *b).to_owned().into_any(),
        toml::Value::Datetime(d) => PyString::new(py, &d.to_string()).into_any(),
        toml::Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(toml_to_py(py, x)?)?;
            }
            list.into_any()
        }
        toml::Value::Table(t) => {
            let d = PyDict::new(py);
            for (k, x) in t {
                d.set_item(k, toml_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// Python objects (dicts, lists, tuples, numbers, strings, booleans, numpy scalars) as a
/// TOML value.
pub fn py_to_toml(o: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    if let Ok(d) = o.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| {
                PyValueError::new_err(format!("config keys are strings, not {k:?}"))
            })?;
            if v.is_none() {
                continue;
            }
            t.insert(key, py_to_toml(&v)?);
        }
        return Ok(toml::Value::Table(t));
    }
    if o.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(o.extract()?));
    }
    if o.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(o.extract()?));
    }
    if o.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(o.extract()?));
    }
    if let Ok(f) = o.extract::<f64>() {
        // Floats and numpy scalars; a whole numpy integer stays an integer.
        if o.hasattr("dtype")? && o.getattr("dtype")?.getattr("kind")?.extract::<String>()? != "f" {
            if let Ok(i) = o.extract::<i64>() {
                return Ok(toml::Value::Integer(i));
            }
        }
        return Ok(toml::Value::Float(f));
    }
    if let Ok(items) = o.try_iter() {
        let mut a = Vec::new();
        for x in items {
            a.push(py_to_toml(&x?)?);
        }
        return Ok(toml::Value::Array(a));
    }
    Err(PyValueError::new_err(format!(
        "cannot put {} into a config",
        o.get_type().name()?
    )))
}
