//! Reading run files back: [`read_run`] loads everything, [`read_summary`] only the
//! attributes and shapes `cnn info` shows.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use cnn_core::{Csr, FeedbackSpec, Phase};
use hdf5::types::{VarLenAscii, VarLenUnicode};
use hdf5::{Group, H5Type, Location};

use crate::error::IoError;
use crate::format::{ENSEMBLE_FORMAT, FORMAT, FORMAT_VERSION, METRICS_ORDER_ATTR};
use crate::record::{
    FeedbackRecord, HealthRecord, LearnerHealthRecord, NetworkRecord, PcaRecord, PhaseMetrics,
    PhaseRecord, PhaseSummary, RunMeta, RunRecord, RunStatus, RunSummary,
};

/// Reads a whole run file.
///
/// Checks first that `path` is an HDF5 file with `format = "cnn-run"` and a
/// `format_version` this crate understands; then every dataset's shape is checked
/// against `n_g` and `n_out`. Phases and metrics come back in time order, the metrics of
/// a phase in the order they were written (sorted by name in files written before the
/// attribute `order` existed), network parameters as described at
/// [`NetworkRecord::params`]. A record written with [`crate::write_run`] comes back
/// [`RunRecord::same_as`] it.
pub fn read_run(path: &Path) -> Result<RunRecord, IoError> {
    let file = open_run(path)?;
    read_record(&Cx { path }, &file)
}

/// Reads the run layout rooted at `file` (a run file's root, or a member group of an
/// ensemble file).
pub(crate) fn read_record(cx: &Cx<'_>, file: &Group) -> Result<RunRecord, IoError> {
    let (meta, success) = read_meta(cx, file)?;
    let network = read_network(cx, file)?;
    let (n, k) = (network.n_g, network.n_out);
    let mut phases = Vec::new();
    if let Some(g) = cx.opt_group(file, "phases")? {
        for phase in Phase::ALL {
            if let Some(pg) = cx.opt_group(&g, phase.name())? {
                phases.push(read_phase(cx, &pg, phase, &network)?);
            }
        }
    }
    let metrics = read_all_metrics(cx, file, k)?;
    let pca = match cx.opt_group(file, "analysis")? {
        Some(a) => match cx.opt_group(&a, "pca")? {
            Some(g) => Some(read_pca(cx, &g, n, k)?),
            None => None,
        },
        None => None,
    };
    let health = read_health(cx, file)?;
    Ok(RunRecord {
        meta,
        network,
        phases,
        metrics,
        success,
        pca,
        health,
    })
}

/// Reads what `cnn info` shows: metadata, sizes, per-phase extents, metrics and success,
/// without loading the connectivity or the traces.
pub fn read_summary(path: &Path) -> Result<RunSummary, IoError> {
    let file = open_run(path)?;
    let cx = Cx { path };
    let (meta, success) = read_meta(&cx, &file)?;
    let net = cx.group(&file, "network")?;
    let n_g = cx.attr::<u64>(&net, "n_g")? as usize;
    let n_out = cx.attr::<u64>(&net, "n_out")? as usize;
    let params = read_params(&cx, &net)?;
    let jg = cx.group(&net, "J_GG")?;
    let nnz = cx.shape(&jg, "data")?.iter().product();
    let architecture = if cx.has_attr(&net, "architecture")? {
        cx.attr_string(&net, "architecture")?
    } else {
        "A".to_string()
    };
    let n_in = read_n_in(&cx, &net)?;
    let n_f = match cx.opt_group(&net, "feedback")? {
        Some(fb) => cx.attr::<u64>(&fb, "n_f")? as usize,
        None => 0,
    };
    let n_trained = if net.link_exists("trained_units") {
        cx.shape(&net, "trained_units")?.iter().product()
    } else {
        0
    };
    let mut phases = Vec::new();
    if let Some(g) = cx.opt_group(&file, "phases")? {
        for phase in Phase::ALL {
            let Some(pg) = cx.opt_group(&g, phase.name())? else {
                continue;
            };
            let first = |s: Vec<usize>| s.first().copied().unwrap_or(0);
            phases.push(PhaseSummary {
                phase,
                first_step: cx.attr(&pg, "first_step")?,
                last_step: cx.attr(&pg, "last_step")?,
                t_start_ms: cx.attr(&pg, "t_start_ms")?,
                t_end_ms: cx.attr(&pg, "t_end_ms")?,
                decimate: cx.attr(&pg, "decimate")?,
                rows: first(cx.shape(&pg, "t_ms")?),
                n_rates: first(cx.shape(&pg, "rates_index")?),
                updates: first(cx.shape(&pg, "update_t_ms")?),
            });
        }
    }
    let metrics = read_all_metrics(&cx, &file, n_out)?;
    let health = read_health(&cx, &file)?;
    Ok(RunSummary {
        meta,
        n_g,
        n_out,
        params,
        nnz,
        architecture,
        n_in,
        n_f,
        n_trained,
        phases,
        metrics,
        success,
        health,
    })
}

/// The optional `/health` group: parallel 1-D datasets of one common length.
fn read_health(cx: &Cx<'_>, file: &Group) -> Result<Option<HealthRecord>, IoError> {
    let Some(g) = cx.opt_group(file, "health")? else {
        return Ok(None);
    };
    let (learners, shape) = cx.read::<VarLenUnicode>(&g, "learner", &[None])?;
    let n = Some(shape[0]);
    let (matrices, _) = cx.read::<u64>(&g, "matrices", &[n])?;
    let (updates, _) = cx.read::<u64>(&g, "updates", &[n])?;
    let (skipped_updates, _) = cx.read::<u64>(&g, "skipped_updates", &[n])?;
    let (min_p_diagonal, _) = cx.read::<f64>(&g, "min_p_diagonal", &[n])?;
    let (min_denominator, _) = cx.read::<f64>(&g, "min_denominator", &[n])?;
    let (symmetry_drift, _) = cx.read::<f64>(&g, "symmetry_drift", &[n])?;
    let groups = (0..learners.len())
        .map(|i| LearnerHealthRecord {
            learner: learners[i].as_str().to_owned(),
            matrices: matrices[i],
            updates: updates[i],
            skipped_updates: skipped_updates[i],
            min_p_diagonal: min_p_diagonal[i],
            min_denominator: min_denominator[i],
            symmetry_drift: symmetry_drift[i],
        })
        .collect();
    Ok(Some(HealthRecord { groups }))
}

/// The HDF5 file signature; it sits at offset 0, 512, 1024, 2048, ... of the file.
const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

pub(crate) fn has_hdf5_signature(path: &Path) -> std::io::Result<bool> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut offset = 0u64;
    let mut buf = [0u8; 8];
    while offset + 8 <= len {
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(&mut buf)?;
        if buf == SIGNATURE {
            return Ok(true);
        }
        offset = if offset == 0 { 512 } else { offset * 2 };
    }
    Ok(false)
}

/// Opens `path` and checks `format` and `format_version`.
fn open_run(path: &Path) -> Result<hdf5::File, IoError> {
    open_format(path, FORMAT)
}

/// The root attribute `format` of an HDF5 file written by cnn (`"cnn-run"`,
/// `"cnn-ensemble"`), or `NotARunFile` when `path` is not such a file.
pub fn file_format(path: &Path) -> Result<String, IoError> {
    let file = open_format(path, "")?;
    Cx { path }.attr_string(&file, "format")
}

/// Opens `path` and checks `format` (any when `expected` is empty) and `format_version`.
pub(crate) fn open_format(path: &Path, expected: &str) -> Result<hdf5::File, IoError> {
    let not_run = |reason: String| {
        if expected == ENSEMBLE_FORMAT {
            IoError::NotAnEnsembleFile {
                path: path.to_path_buf(),
                reason,
            }
        } else {
            IoError::NotARunFile {
                path: path.to_path_buf(),
                reason,
            }
        }
    };
    let md = std::fs::metadata(path).map_err(|source| IoError::CannotOpen {
        path: path.to_path_buf(),
        source,
    })?;
    if md.is_dir() {
        return Err(not_run("it is a directory".into()));
    }
    let is_hdf5 = has_hdf5_signature(path).map_err(|source| IoError::CannotOpen {
        path: path.to_path_buf(),
        source,
    })?;
    if !is_hdf5 {
        return Err(not_run("it is not an HDF5 file".into()));
    }
    hdf5::silence_errors(true);
    let cx = Cx { path };
    let file = hdf5::File::open(path).map_err(cx.err("opening the file"))?;
    let names = file
        .attr_names()
        .map_err(cx.err("listing the root attributes"))?;
    if !names.iter().any(|n| n == "format") {
        return Err(not_run(
            "the root has no `format` attribute (not written by cnn)".into(),
        ));
    }
    let format = cx.attr_string(&file, "format")?;
    if !expected.is_empty() && format != expected {
        return Err(not_run(format!(
            "its format is {format:?}, expected {expected:?}"
        )));
    }
    if !names.iter().any(|n| n == "format_version") {
        return Err(not_run("the root has no `format_version` attribute".into()));
    }
    let version: i64 = cx.attr(&file, "format_version")?;
    if version > i64::from(FORMAT_VERSION) || version < 1 {
        return Err(IoError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(file)
}

/// Error context for reading.
pub(crate) struct Cx<'a> {
    pub(crate) path: &'a Path,
}

impl Cx<'_> {
    pub(crate) fn err(
        &self,
        what: impl std::fmt::Display,
    ) -> impl FnOnce(hdf5::Error) -> IoError + '_ {
        let what = what.to_string();
        move |e| IoError::Hdf5Read {
            path: self.path.to_path_buf(),
            what,
            message: e.to_string(),
        }
    }

    pub(crate) fn missing(&self, what: String) -> IoError {
        IoError::Missing {
            path: self.path.to_path_buf(),
            dataset: what,
        }
    }

    pub(crate) fn inconsistent(&self, reason: String) -> IoError {
        IoError::Inconsistent {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    pub(crate) fn has_attr(&self, loc: &Location, name: &str) -> Result<bool, IoError> {
        let names = loc
            .attr_names()
            .map_err(self.err(format_args!("listing attributes of {}", loc.name())))?;
        Ok(names.iter().any(|n| n == name))
    }

    pub(crate) fn attr<T: H5Type>(&self, loc: &Location, name: &str) -> Result<T, IoError> {
        let what = format!("{}@{name}", loc.name());
        if !self.has_attr(loc, name)? {
            return Err(self.missing(format!("attribute {what}")));
        }
        loc.attr(name)
            .and_then(|a| a.read_scalar::<T>())
            .map_err(self.err(format_args!("reading attribute {what}")))
    }

    pub(crate) fn attr_string(&self, loc: &Location, name: &str) -> Result<String, IoError> {
        let what = format!("{}@{name}", loc.name());
        if !self.has_attr(loc, name)? {
            return Err(self.missing(format!("attribute {what}")));
        }
        let a = loc
            .attr(name)
            .map_err(self.err(format_args!("reading attribute {what}")))?;
        if let Ok(s) = a.read_scalar::<VarLenUnicode>() {
            return Ok(s.as_str().to_owned());
        }
        a.read_scalar::<VarLenAscii>()
            .map(|s| s.as_str().to_owned())
            .map_err(self.err(format_args!("reading string attribute {what}")))
    }

    /// A 1-D string array attribute (e.g. `/summary@columns`, `/metrics/<phase>@order`).
    pub(crate) fn attr_str_list(&self, loc: &Location, name: &str) -> Result<Vec<String>, IoError> {
        let what = format!("{}@{name}", loc.name());
        if !self.has_attr(loc, name)? {
            return Err(self.missing(format!("attribute {what}")));
        }
        let v = loc
            .attr(name)
            .and_then(|a| a.read_raw::<VarLenUnicode>())
            .map_err(self.err(format_args!("reading attribute {what}")))?;
        Ok(v.iter().map(|s| s.as_str().to_owned()).collect())
    }

    pub(crate) fn opt_group(&self, parent: &Group, name: &str) -> Result<Option<Group>, IoError> {
        if !parent.link_exists(name) {
            return Ok(None);
        }
        parent
            .group(name)
            .map(Some)
            .map_err(self.err(format_args!("opening group {}/{name}", parent.name())))
    }

    pub(crate) fn group(&self, parent: &Group, name: &str) -> Result<Group, IoError> {
        self.opt_group(parent, name)?
            .ok_or_else(|| self.missing(format!("group {}", join(parent, name))))
    }

    pub(crate) fn open(&self, g: &Group, name: &str) -> Result<hdf5::Dataset, IoError> {
        if !g.link_exists(name) {
            return Err(self.missing(format!("dataset {}", join(g, name))));
        }
        g.dataset(name)
            .map_err(self.err(format_args!("opening {}", join(g, name))))
    }

    pub(crate) fn shape(&self, g: &Group, name: &str) -> Result<Vec<usize>, IoError> {
        Ok(self.open(g, name)?.shape())
    }

    /// Reads dataset `name`, checking its shape against `expected` (`None` = any size).
    pub(crate) fn read<T: H5Type>(
        &self,
        g: &Group,
        name: &str,
        expected: &[Option<usize>],
    ) -> Result<(Vec<T>, Vec<usize>), IoError> {
        let ds = self.open(g, name)?;
        let shape = ds.shape();
        let ok = shape.len() == expected.len()
            && shape
                .iter()
                .zip(expected)
                .all(|(s, e)| e.is_none_or(|e| e == *s));
        if !ok {
            let exp: Vec<String> = expected
                .iter()
                .map(|e| e.map_or("_".into(), |v| v.to_string()))
                .collect();
            return Err(IoError::Shape {
                path: self.path.to_path_buf(),
                what: join(g, name),
                expected: format!("[{}]", exp.join(", ")),
                got: format!("{shape:?}"),
            });
        }
        let data = if shape.iter().product::<usize>() == 0 {
            Vec::new()
        } else {
            ds.read_raw::<T>()
                .map_err(self.err(format_args!("reading {}", join(g, name))))?
        };
        Ok((data, shape))
    }
}

fn join(g: &Group, name: &str) -> String {
    format!("{}/{name}", g.name().trim_end_matches('/'))
}

fn decode_success(code: i64) -> Option<bool> {
    match code {
        1 => Some(true),
        0 => Some(false),
        _ => None,
    }
}

fn read_meta(cx: &Cx<'_>, file: &Group) -> Result<(RunMeta, Option<bool>), IoError> {
    let status = match cx.attr_string(file, "status")?.as_str() {
        "complete" => RunStatus::Complete,
        "diverged" => RunStatus::Diverged {
            message: cx.attr_string(file, "status_message")?,
        },
        "interrupted" => RunStatus::Interrupted {
            message: cx.attr_string(file, "status_message")?,
        },
        other => {
            return Err(cx.inconsistent(format!(
                "unknown status {other:?} (expected complete, diverged or interrupted)"
            )))
        }
    };
    let meta = RunMeta {
        cnn_version: cx.attr_string(file, "cnn_version")?,
        config_toml: cx.attr_string(file, "config_toml")?,
        seed: cx.attr(file, "seed")?,
        status,
    };
    let success = decode_success(cx.attr::<i64>(file, "success")?);
    Ok((meta, success))
}

/// Attributes of `/network` other than `n_g` and `n_out`, known names first.
fn read_params(cx: &Cx<'_>, g: &Group) -> Result<Vec<(String, f64)>, IoError> {
    let mut names = g
        .attr_names()
        .map_err(cx.err("listing attributes of /network"))?;
    names.retain(|n| !NetworkRecord::RESERVED_ATTRS.contains(&n.as_str()));
    names.sort_by_key(|n| {
        let known = NetworkRecord::PARAM_NAMES.iter().position(|p| p == n);
        (known.unwrap_or(usize::MAX), n.clone())
    });
    names
        .into_iter()
        .map(|n| Ok((n.clone(), cx.attr::<f64>(g, &n)?)))
        .collect()
}

/// The attribute `n_in` of `/network` (absent: 0).
fn read_n_in(cx: &Cx<'_>, g: &Group) -> Result<usize, IoError> {
    Ok(if cx.has_attr(g, "n_in")? {
        cx.attr::<u64>(g, "n_in")? as usize
    } else {
        0
    })
}

/// The CSR group `parent/name` of a `rows` x `cols` matrix (`data`, `indices`,
/// `indptr`; the attribute `shape`, when present, must agree).
fn read_csr(
    cx: &Cx<'_>,
    parent: &Group,
    name: &str,
    rows: usize,
    cols: usize,
) -> Result<Csr, IoError> {
    let jg = cx.group(parent, name)?;
    let (data, shape) = cx.read::<f64>(&jg, "data", &[None])?;
    let nnz = shape[0];
    let (indices, _) = cx.read::<u32>(&jg, "indices", &[Some(nnz)])?;
    let (indptr, _) = cx.read::<u64>(&jg, "indptr", &[Some(rows + 1)])?;
    let what = join(parent, name);
    if cx.has_attr(&jg, "shape")? {
        let stored: Vec<u64> = jg
            .attr("shape")
            .and_then(|a| a.read_raw::<u64>())
            .map_err(cx.err(format_args!("reading attribute {what}@shape")))?;
        if stored != [rows as u64, cols as u64] {
            return Err(cx.inconsistent(format!(
                "{what}@shape is {stored:?}, expected [{rows}, {cols}]"
            )));
        }
    }
    let indptr: Vec<usize> = indptr.into_iter().map(|p| p as usize).collect();
    Csr::from_parts(rows, cols, indptr, indices, data)
        .map_err(|e| cx.inconsistent(format!("{what} is malformed: {e}")))
}

fn read_network(cx: &Cx<'_>, file: &Group) -> Result<NetworkRecord, IoError> {
    let g = cx.group(file, "network")?;
    let n = cx.attr::<u64>(&g, "n_g")? as usize;
    let k = cx.attr::<u64>(&g, "n_out")? as usize;
    let params = read_params(cx, &g)?;
    let j_gg = read_csr(cx, &g, "J_GG", n, n)?;
    let n_in = read_n_in(cx, &g)?;
    let j_gi = if g.link_exists("J_GI") {
        Some(read_csr(cx, &g, "J_GI", n, n_in)?)
    } else {
        None
    };
    let trained_units: Vec<u32> = if g.link_exists("trained_units") {
        cx.read(&g, "trained_units", &[None])?.0
    } else {
        Vec::new()
    };
    let j_gg_final = if trained_units.is_empty() {
        None
    } else {
        Some(read_csr(cx, &g, "J_GG_final", n, n)?)
    };
    let feedback = match cx.opt_group(&g, "feedback")? {
        Some(fg) => Some(read_feedback(cx, &fg, n, n_in)?),
        None => None,
    };
    let rec = NetworkRecord {
        n_g: n,
        n_out: k,
        params,
        j_gg,
        j_gz: cx.read(&g, "J_Gz", &[Some(n), Some(k)])?.0,
        readout_units: cx.read(&g, "readout_units", &[None])?.0,
        x_initial: cx.read(&g, "x_initial", &[Some(n)])?.0,
        z_initial: cx.read(&g, "z_initial", &[Some(k)])?.0,
        w_initial: cx.read(&g, "w_initial", &[Some(n), Some(k)])?.0,
        w_final: cx.read(&g, "w_final", &[Some(n), Some(k)])?.0,
        n_in,
        j_gi,
        feedback,
        trained_units,
        j_gg_final,
    };
    if cx.has_attr(&g, "architecture")? {
        let stored = cx.attr_string(&g, "architecture")?;
        if stored != rec.architecture() {
            return Err(cx.inconsistent(format!(
                "/network@architecture is {stored:?} but the stored parts make architecture {}",
                rec.architecture()
            )));
        }
    }
    Ok(rec)
}

fn read_feedback(cx: &Cx<'_>, g: &Group, n: usize, n_in: usize) -> Result<FeedbackRecord, IoError> {
    let n_f = cx.attr::<u64>(g, "n_f")? as usize;
    let spec = FeedbackSpec {
        n_f,
        p_ff: cx.attr(g, "p_ff")?,
        p_fg: cx.attr(g, "p_fg")?,
        p_gf: cx.attr(g, "p_gf")?,
        g_ff: cx.attr(g, "g_ff")?,
        g_fg: cx.attr(g, "g_fg")?,
        g_gf: cx.attr(g, "g_gf")?,
    };
    Ok(FeedbackRecord {
        spec,
        j_ff: read_csr(cx, g, "J_FF", n_f, n_f)?,
        j_gf: read_csr(cx, g, "J_GF", n, n_f)?,
        j_fg_initial: read_csr(cx, g, "J_FG_initial", n_f, n)?,
        j_fg_final: read_csr(cx, g, "J_FG_final", n_f, n)?,
        j_fi: if g.link_exists("J_FI") {
            Some(read_csr(cx, g, "J_FI", n_f, n_in)?)
        } else {
            None
        },
        y_initial: cx.read(g, "y_initial", &[Some(n_f)])?.0,
    })
}

fn read_phase(
    cx: &Cx<'_>,
    g: &Group,
    phase: Phase,
    net: &NetworkRecord,
) -> Result<PhaseRecord, IoError> {
    let (n, k) = (net.n_g, net.n_out);
    let (t_ms, shape) = cx.read::<f64>(g, "t_ms", &[None])?;
    let t = shape[0];
    let (rates_index, shape) = cx.read::<u32>(g, "rates_index", &[None])?;
    let r = shape[0];
    let (update_t_ms, shape) = cx.read::<f64>(g, "update_t_ms", &[None])?;
    let u = shape[0];
    let opt = |name: &str, shape: &[Option<usize>]| -> Result<Option<Vec<f64>>, IoError> {
        if g.link_exists(name) {
            Ok(Some(cx.read(g, name, shape)?.0))
        } else {
            Ok(None)
        }
    };
    let inputs = opt("inputs", &[Some(t), Some(net.n_in)])?;
    let n_f = net.feedback.as_ref().map(|fb| fb.spec.n_f);
    let (feedback_rates, y_start) = match n_f {
        Some(n_f) => (
            opt("feedback_rates", &[Some(t), Some(n_f)])?,
            opt("y_start", &[Some(n_f)])?,
        ),
        None => {
            if let Some(name) = ["feedback_rates", "y_start"]
                .into_iter()
                .find(|name| g.link_exists(name))
            {
                return Err(cx.inconsistent(format!(
                    "{} exists but the network has no feedback network",
                    join(g, name)
                )));
            }
            (None, None)
        }
    };
    Ok(PhaseRecord {
        phase,
        first_step: cx.attr(g, "first_step")?,
        last_step: cx.attr(g, "last_step")?,
        t_start_ms: cx.attr(g, "t_start_ms")?,
        t_end_ms: cx.attr(g, "t_end_ms")?,
        decimate: cx.attr(g, "decimate")?,
        t_ms,
        z: cx.read(g, "z", &[Some(t), Some(k)])?.0,
        f: cx.read(g, "f", &[Some(t), Some(k)])?.0,
        x_start: cx.read(g, "x_start", &[Some(n)])?.0,
        z_start: cx.read(g, "z_start", &[Some(k)])?.0,
        w_start: cx.read(g, "w_start", &[Some(n), Some(k)])?.0,
        rates: cx.read(g, "rates", &[Some(t), Some(r)])?.0,
        rates_index,
        update_t_ms,
        w_norm: cx.read(g, "w_norm", &[Some(u), Some(k)])?.0,
        dw_norm: cx.read(g, "dw_norm", &[Some(u), Some(k)])?.0,
        inputs,
        feedback_rates,
        y_start,
    })
}

fn read_all_metrics(cx: &Cx<'_>, file: &Group, k: usize) -> Result<Vec<PhaseMetrics>, IoError> {
    let mut out = Vec::new();
    let Some(g) = cx.opt_group(file, "metrics")? else {
        return Ok(out);
    };
    for phase in Phase::ALL {
        let Some(mg) = cx.opt_group(&g, phase.name())? else {
            continue;
        };
        let success = if cx.has_attr(&mg, "success")? {
            decode_success(cx.attr::<i64>(&mg, "success")?)
        } else {
            None
        };
        let names = metric_names(cx, &mg)?;
        let values = names
            .into_iter()
            .map(|name| {
                let v = cx.read::<f64>(&mg, &name, &[Some(k)])?.0;
                Ok((name, v))
            })
            .collect::<Result<_, IoError>>()?;
        out.push(PhaseMetrics {
            phase,
            values,
            success,
        });
    }
    Ok(out)
}

/// The metric names of `/metrics/<phase>` in the order they were written: the attribute
/// `order` first, then any dataset it does not list (added by another program) by name.
/// Files written before `order` existed list their metrics by name.
fn metric_names(cx: &Cx<'_>, mg: &Group) -> Result<Vec<String>, IoError> {
    let mut names = mg
        .member_names()
        .map_err(cx.err(format_args!("listing {}", mg.name())))?;
    names.sort();
    if !cx.has_attr(mg, METRICS_ORDER_ATTR)? {
        return Ok(names);
    }
    let order = cx.attr_str_list(mg, METRICS_ORDER_ATTR)?;
    if let Some(dup) = order
        .iter()
        .enumerate()
        .find_map(|(i, n)| order[..i].contains(n).then_some(n))
    {
        return Err(cx.inconsistent(format!(
            "{}@{METRICS_ORDER_ATTR} lists the metric {dup:?} twice",
            mg.name()
        )));
    }
    names.retain(|n| !order.contains(n));
    Ok(order.into_iter().chain(names).collect())
}

fn read_pca(cx: &Cx<'_>, g: &Group, n: usize, k: usize) -> Result<PcaRecord, IoError> {
    let phase_name = cx.attr_string(g, "phase")?;
    let phase = Phase::ALL
        .into_iter()
        .find(|p| p.name() == phase_name)
        .ok_or_else(|| {
            cx.inconsistent(format!(
                "/analysis/pca@phase is {phase_name:?}, not a phase name"
            ))
        })?;
    let (eigenvectors, shape) = cx.read::<f64>(g, "eigenvectors", &[Some(n), None])?;
    let m = shape[1];
    let (t_ms, shape) = cx.read::<f64>(g, "t_ms", &[None])?;
    let s = shape[0];
    let (recon_k, shape) = cx.read::<u64>(g, "recon_k", &[None])?;
    let l = shape[0];
    Ok(PcaRecord {
        phase,
        sample_every_steps: cx.attr(g, "sample_every_steps")?,
        n_95: cx.attr(g, "n_95")?,
        eigenvalues: cx.read(g, "eigenvalues", &[Some(n)])?.0,
        explained_fraction: cx.read(g, "explained_fraction", &[Some(n)])?.0,
        n_keep: m,
        eigenvectors,
        mean: cx.read(g, "mean", &[Some(n)])?.0,
        t_ms,
        projections: cx.read(g, "projections", &[Some(s), Some(m)])?.0,
        z: cx.read(g, "z", &[Some(s), Some(k)])?.0,
        f: cx.read(g, "f", &[Some(s), Some(k)])?.0,
        recon_k,
        recon_z: cx.read(g, "recon_z", &[Some(s), Some(l), Some(k)])?.0,
        recon_rms_vs_f: cx.read(g, "recon_rms_vs_f", &[Some(l), Some(k)])?.0,
        recon_rms_vs_z: cx.read(g, "recon_rms_vs_z", &[Some(l), Some(k)])?.0,
    })
}
