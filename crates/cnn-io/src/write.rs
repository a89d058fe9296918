//! Writing a [`RunRecord`] to an HDF5 run file (layout: `docs/hdf5-layout.md`).
//!
//! The file is written to a temporary sibling `<name>.partial-<pid>` and renamed over the
//! destination only when complete, so a crash or an error never leaves a half-written
//! run file under the requested name.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use hdf5::types::VarLenUnicode;
use hdf5::{Group, H5Type, Location};

use cnn_core::Csr;

use crate::error::IoError;
use crate::format::{FORMAT, FORMAT_VERSION, METRICS_ORDER_ATTR};
use crate::record::{
    FeedbackRecord, HealthRecord, LearnerHealthRecord, NetworkRecord, PcaRecord, PhaseMetrics,
    PhaseRecord, RunRecord,
};

/// Datasets with fewer elements than this are stored contiguous and uncompressed.
const SMALL: usize = 4096;
/// Target number of elements per chunk (256 KiB of f64).
const CHUNK_ELEMS: usize = 1 << 15;

/// Writes `record` to `path`.
///
/// Two concurrent calls for the same `path` from one process share the temporary name
/// and must not overlap.
///
/// Refuses an existing `path` unless `force` (checked before any work). The data go to
/// `<name>.partial-<pid>` in the same directory, which is renamed over `path` once
/// complete and removed on any error.
pub fn write_run(path: &Path, record: &RunRecord, force: bool) -> Result<(), IoError> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(IoError::OutputExists {
            path: path.to_path_buf(),
        });
    }
    validate(path, record)?;
    let tmp = partial_path(path);
    // Create the file ourselves first: the OS error says why (missing directory,
    // permissions) far better than HDF5 does.
    std::fs::File::create(&tmp).map_err(|source| IoError::CannotCreate {
        path: tmp.clone(),
        source,
    })?;
    let result = write_file(&tmp, path, record).and_then(|()| {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|source| IoError::CannotCreate {
                path: path.to_path_buf(),
                source,
            })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `<dir>/<name>.partial-<pid>`.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "run.h5".into());
    name.push(format!(".partial-{}", std::process::id()));
    path.with_file_name(name)
}

/// Shape and name checks done before the file is created.
pub(crate) fn validate(path: &Path, rec: &RunRecord) -> Result<(), IoError> {
    let net = &rec.network;
    let (n, k) = (net.n_g, net.n_out);
    let check = |what: &str, expected: &[usize], got: usize| -> Result<(), IoError> {
        if expected.iter().product::<usize>() == got {
            Ok(())
        } else {
            Err(IoError::Shape {
                path: path.to_path_buf(),
                what: what.to_string(),
                expected: format!("{expected:?}"),
                got: format!("{got} elements"),
            })
        }
    };
    let inconsistent = |reason: String| IoError::Inconsistent {
        path: path.to_path_buf(),
        reason,
    };
    if net.j_gg.n_rows() != n || net.j_gg.n_cols() != n {
        return Err(IoError::Shape {
            path: path.to_path_buf(),
            what: "network.j_gg".into(),
            expected: format!("[{n}, {n}]"),
            got: format!("[{}, {}]", net.j_gg.n_rows(), net.j_gg.n_cols()),
        });
    }
    check("network.j_gz", &[n, k], net.j_gz.len())?;
    check("network.x_initial", &[n], net.x_initial.len())?;
    check("network.z_initial", &[k], net.z_initial.len())?;
    check("network.w_initial", &[n, k], net.w_initial.len())?;
    check("network.w_final", &[n, k], net.w_final.len())?;
    validate_extensions(net, &check, &inconsistent)?;
    for (i, (name, _)) in net.params.iter().enumerate() {
        check_name(name).map_err(|e| inconsistent(format!("network parameter {name:?}: {e}")))?;
        if NetworkRecord::RESERVED_ATTRS.contains(&name.as_str()) {
            return Err(inconsistent(format!(
                "network parameter {name:?} clashes with a reserved attribute"
            )));
        }
        if net.params[..i].iter().any(|(n, _)| n == name) {
            return Err(inconsistent(format!(
                "network parameter {name:?} appears twice"
            )));
        }
    }
    let mut seen = Vec::new();
    for p in &rec.phases {
        let name = p.phase.name();
        if seen.contains(&name) {
            return Err(inconsistent(format!(
                "phase {name} appears twice in the record"
            )));
        }
        seen.push(name);
        let t = p.t_ms.len();
        let f = |field: &str| format!("phases.{name}.{field}");
        check(&f("z"), &[t, k], p.z.len())?;
        check(&f("f"), &[t, k], p.f.len())?;
        check(&f("rates"), &[t, p.rates_index.len()], p.rates.len())?;
        check(&f("x_start"), &[n], p.x_start.len())?;
        check(&f("z_start"), &[k], p.z_start.len())?;
        check(&f("w_start"), &[n, k], p.w_start.len())?;
        let u = p.update_t_ms.len();
        check(&f("w_norm"), &[u, k], p.w_norm.len())?;
        check(&f("dw_norm"), &[u, k], p.dw_norm.len())?;
        if let Some(inputs) = &p.inputs {
            if net.n_in == 0 {
                return Err(inconsistent(format!(
                    "phase {name} has inputs but the network has none (n_in = 0)"
                )));
            }
            check(&f("inputs"), &[t, net.n_in], inputs.len())?;
        }
        let n_f = net.feedback.as_ref().map(|fb| fb.spec.n_f);
        for (field, v, rows) in [
            ("feedback_rates", &p.feedback_rates, Some(t)),
            ("y_start", &p.y_start, None),
        ] {
            let Some(v) = v else { continue };
            let Some(n_f) = n_f else {
                return Err(inconsistent(format!(
                    "phase {name} has {field} but the network has no feedback network"
                )));
            };
            match rows {
                Some(t) => check(&f(field), &[t, n_f], v.len())?,
                None => check(&f(field), &[n_f], v.len())?,
            }
        }
    }
    if let Some(pca) = &rec.pca {
        validate_pca(pca, n, k, &check)?;
    }
    let mut seen = Vec::new();
    for m in &rec.metrics {
        let name = m.phase.name();
        if seen.contains(&name) {
            return Err(inconsistent(format!(
                "metrics for phase {name} appear twice in the record"
            )));
        }
        seen.push(name);
        for (metric, values) in &m.values {
            check_name(metric).map_err(|e| inconsistent(format!("metric {metric:?}: {e}")))?;
            check(&format!("metrics.{name}.{metric}"), &[k], values.len())?;
        }
        let mut names: Vec<&str> = m.values.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(inconsistent(format!(
                "a metric of phase {name} appears twice"
            )));
        }
    }
    Ok(())
}

/// A shape check: (what, expected shape, number of elements found).
type ShapeCheck<'a> = &'a dyn Fn(&str, &[usize], usize) -> Result<(), IoError>;

/// Checks the optional parts of the network (inputs, feedback network, trained rows).
fn validate_extensions(
    net: &NetworkRecord,
    check: ShapeCheck<'_>,
    inconsistent: &dyn Fn(String) -> IoError,
) -> Result<(), IoError> {
    let n = net.n_g;
    let csr = |what: &str, m: &Csr, rows: usize, cols: usize| {
        if m.n_rows() == rows && m.n_cols() == cols {
            Ok(())
        } else {
            Err(inconsistent(format!(
                "network.{what} is {} x {}, expected {rows} x {cols}",
                m.n_rows(),
                m.n_cols()
            )))
        }
    };
    if let Some(m) = &net.j_gi {
        if net.n_in == 0 {
            return Err(inconsistent("network.j_gi is given but n_in is 0".into()));
        }
        csr("j_gi", m, n, net.n_in)?;
    }
    if let Some(fb) = &net.feedback {
        fb.spec
            .validate()
            .map_err(|e| inconsistent(format!("network.feedback: {e}")))?;
        let n_f = fb.spec.n_f;
        csr("feedback.j_ff", &fb.j_ff, n_f, n_f)?;
        csr("feedback.j_gf", &fb.j_gf, n, n_f)?;
        csr("feedback.j_fg_initial", &fb.j_fg_initial, n_f, n)?;
        csr("feedback.j_fg_final", &fb.j_fg_final, n_f, n)?;
        if let Some(m) = &fb.j_fi {
            if net.n_in == 0 {
                return Err(inconsistent(
                    "network.feedback.j_fi is given but n_in is 0".into(),
                ));
            }
            csr("feedback.j_fi", m, n_f, net.n_in)?;
        }
        check("network.feedback.y_initial", &[n_f], fb.y_initial.len())?;
    }
    let t = &net.trained_units;
    if t.windows(2).any(|p| p[0] >= p[1]) || t.iter().any(|&i| i as usize >= n) {
        return Err(inconsistent(format!(
            "network.trained_units must be strictly increasing unit indices below n_g = {n}"
        )));
    }
    match (&net.j_gg_final, t.is_empty()) {
        (Some(m), false) => csr("j_gg_final", m, n, n),
        (None, true) => Ok(()),
        (Some(_), true) => Err(inconsistent(
            "network.j_gg_final is given but trained_units is empty".into(),
        )),
        (None, false) => Err(inconsistent(
            "network.trained_units is non-empty but j_gg_final is missing".into(),
        )),
    }
}

fn validate_pca(p: &PcaRecord, n: usize, k: usize, check: ShapeCheck<'_>) -> Result<(), IoError> {
    let (m, s, l) = (p.n_keep, p.t_ms.len(), p.recon_k.len());
    check("pca.eigenvalues", &[n], p.eigenvalues.len())?;
    check("pca.explained_fraction", &[n], p.explained_fraction.len())?;
    check("pca.eigenvectors", &[n, m], p.eigenvectors.len())?;
    check("pca.mean", &[n], p.mean.len())?;
    check("pca.projections", &[s, m], p.projections.len())?;
    check("pca.z", &[s, k], p.z.len())?;
    check("pca.f", &[s, k], p.f.len())?;
    check("pca.recon_z", &[s, l, k], p.recon_z.len())?;
    check("pca.recon_rms_vs_f", &[l, k], p.recon_rms_vs_f.len())?;
    check("pca.recon_rms_vs_z", &[l, k], p.recon_rms_vs_z.len())
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name == "." || name.contains('/') || name.contains('\0') {
        Err("names must be non-empty, not \".\", and contain no '/' or NUL")
    } else {
        Ok(())
    }
}

/// Turns HDF5 errors into [`IoError::Hdf5Write`] naming the final path and the operation.
pub(crate) struct Ctx<'a> {
    pub(crate) path: &'a Path,
    pub(crate) deflate: bool,
}

impl Ctx<'_> {
    pub(crate) fn err(
        &self,
        what: impl std::fmt::Display,
    ) -> impl FnOnce(hdf5::Error) -> IoError + '_ {
        let what = what.to_string();
        move |e| IoError::Hdf5Write {
            path: self.path.to_path_buf(),
            what,
            message: e.to_string(),
        }
    }

    /// `value` as an HDF5 string; a value HDF5 cannot hold (a NUL character) is the
    /// record's fault: [`IoError::Inconsistent`], naming `what` (e.g. `attribute /@seed`).
    pub(crate) fn unicode(&self, what: &str, value: &str) -> Result<VarLenUnicode, IoError> {
        VarLenUnicode::from_str(value).map_err(|e| IoError::Inconsistent {
            path: self.path.to_path_buf(),
            reason: format!("{what} cannot be stored as an HDF5 string: {e}"),
        })
    }

    pub(crate) fn attr<T: H5Type>(
        &self,
        loc: &Location,
        name: &str,
        value: T,
    ) -> Result<(), IoError> {
        loc.new_attr::<T>()
            .create(name)
            .and_then(|a| a.write_scalar(&value))
            .map_err(self.err(format_args!("writing attribute {}@{name}", loc.name())))
    }

    pub(crate) fn attr_str(&self, loc: &Location, name: &str, value: &str) -> Result<(), IoError> {
        let attr = format!("attribute {}@{name}", loc.name());
        let v = self.unicode(&attr, value)?;
        loc.new_attr::<VarLenUnicode>()
            .create(name)
            .and_then(|a| a.write_scalar(&v))
            .map_err(self.err(format_args!("writing {attr}")))
    }

    /// A 1-D string array attribute (e.g. `/summary@columns`, `/metrics/<phase>@order`).
    pub(crate) fn attr_str_list(
        &self,
        loc: &Location,
        name: &str,
        values: &[String],
    ) -> Result<(), IoError> {
        let attr = format!("attribute {}@{name}", loc.name());
        let v = values
            .iter()
            .map(|s| self.unicode(&attr, s))
            .collect::<Result<Vec<_>, _>>()?;
        loc.new_attr_builder()
            .with_data(&v[..])
            .create(name)
            .map(|_| ())
            .map_err(self.err(format_args!("writing {attr}")))
    }

    pub(crate) fn group(&self, parent: &Group, name: &str) -> Result<Group, IoError> {
        parent.create_group(name).map_err(self.err(format_args!(
            "creating group {}/{name}",
            parent.name().trim_end_matches('/')
        )))
    }

    /// A dataset of `shape` holding `data` (row-major), chunked and lightly compressed
    /// unless small; zero-size datasets are created without data.
    pub(crate) fn dataset<T: H5Type>(
        &self,
        parent: &Group,
        name: &str,
        shape: &[usize],
        data: &[T],
    ) -> Result<(), IoError> {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        let what = format!("writing {}/{name}", parent.name().trim_end_matches('/'));
        let created = if data.len() >= SMALL {
            let b = parent.new_dataset_builder().chunk(chunk_shape(shape));
            let b = if self.deflate {
                b.shuffle().deflate(1)
            } else {
                b
            };
            b.empty::<T>().shape(shape.to_vec()).create(name)
        } else {
            parent.new_dataset::<T>().shape(shape.to_vec()).create(name)
        };
        let ds = created.map_err(self.err(&what))?;
        if !data.is_empty() {
            ds.write_raw(data).map_err(self.err(&what))?;
        }
        Ok(())
    }
}

/// Chunks of about [`CHUNK_ELEMS`] elements: whole rows where they fit.
fn chunk_shape(shape: &[usize]) -> Vec<usize> {
    match shape {
        [n] => vec![(*n).clamp(1, CHUNK_ELEMS)],
        [rows, cols] => {
            let c = (*cols).clamp(1, CHUNK_ELEMS);
            let r = (CHUNK_ELEMS / c).clamp(1, (*rows).max(1));
            vec![r, c]
        }
        [rows, rest @ ..] => {
            let inner = rest.iter().product::<usize>().clamp(1, CHUNK_ELEMS);
            let r = (CHUNK_ELEMS / inner).clamp(1, (*rows).max(1));
            std::iter::once(r)
                .chain(rest.iter().map(|&d| d.max(1)))
                .collect()
        }
        [] => vec![],
    }
}

fn write_file(tmp: &Path, path: &Path, rec: &RunRecord) -> Result<(), IoError> {
    hdf5::silence_errors(true);
    let ctx = Ctx {
        path,
        deflate: hdf5::filters::deflate_available(),
    };
    let file = hdf5::File::create(tmp).map_err(ctx.err("creating the file"))?;
    write_record(&ctx, &file, rec)?;
    file.close().map_err(ctx.err("closing the file"))
}

/// Writes the run layout (root attributes and groups) into `root`: the file's root
/// group for a run file, `/members/<index>` in an ensemble file.
pub(crate) fn write_record(ctx: &Ctx<'_>, root: &Group, rec: &RunRecord) -> Result<(), IoError> {
    write_root(ctx, root, rec)?;
    write_network(ctx, root, &rec.network)?;
    let phases = ctx.group(root, "phases")?;
    for p in &rec.phases {
        write_phase(ctx, &phases, p, &rec.network)?;
    }
    let metrics = ctx.group(root, "metrics")?;
    for m in &rec.metrics {
        write_metrics(ctx, &metrics, m)?;
    }
    drop((phases, metrics));
    if let Some(pca) = &rec.pca {
        let analysis = ctx.group(root, "analysis")?;
        write_pca(ctx, &analysis, pca, rec.network.n_g, rec.network.n_out)?;
    }
    if let Some(h) = &rec.health {
        write_health(ctx, root, h)?;
    }
    Ok(())
}

/// `/health`: parallel 1-D datasets, one entry per learner group.
fn write_health(ctx: &Ctx<'_>, root: &Group, h: &HealthRecord) -> Result<(), IoError> {
    let g = ctx.group(root, "health")?;
    let n = h.groups.len();
    let learners = h
        .groups
        .iter()
        .map(|l| ctx.unicode("dataset /health/learner", &l.learner))
        .collect::<Result<Vec<_>, _>>()?;
    ctx.dataset(&g, "learner", &[n], &learners)?;
    let column_u64 =
        |f: fn(&LearnerHealthRecord) -> u64| -> Vec<u64> { h.groups.iter().map(f).collect() };
    let column_f64 =
        |f: fn(&LearnerHealthRecord) -> f64| -> Vec<f64> { h.groups.iter().map(f).collect() };
    ctx.dataset(&g, "matrices", &[n], &column_u64(|l| l.matrices))?;
    ctx.dataset(&g, "updates", &[n], &column_u64(|l| l.updates))?;
    ctx.dataset(
        &g,
        "skipped_updates",
        &[n],
        &column_u64(|l| l.skipped_updates),
    )?;
    ctx.dataset(
        &g,
        "min_p_diagonal",
        &[n],
        &column_f64(|l| l.min_p_diagonal),
    )?;
    ctx.dataset(
        &g,
        "min_denominator",
        &[n],
        &column_f64(|l| l.min_denominator),
    )?;
    ctx.dataset(
        &g,
        "symmetry_drift",
        &[n],
        &column_f64(|l| l.symmetry_drift),
    )
}

/// Encodes `Option<bool>` as the i8 stored in `success` attributes: 1, 0, or -1 unknown.
fn success_code(s: Option<bool>) -> i8 {
    match s {
        Some(true) => 1,
        Some(false) => 0,
        None => -1,
    }
}

fn write_root(ctx: &Ctx<'_>, file: &Group, rec: &RunRecord) -> Result<(), IoError> {
    let m = &rec.meta;
    ctx.attr_str(file, "format", FORMAT)?;
    ctx.attr(file, "format_version", FORMAT_VERSION)?;
    ctx.attr_str(file, "cnn_version", &m.cnn_version)?;
    ctx.attr_str(file, "config_toml", &m.config_toml)?;
    ctx.attr(file, "seed", m.seed)?;
    ctx.attr_str(file, "status", m.status.name())?;
    ctx.attr_str(file, "status_message", m.status.message())?;
    ctx.attr(file, "success", success_code(rec.success))
}

fn write_network(ctx: &Ctx<'_>, file: &Group, net: &NetworkRecord) -> Result<(), IoError> {
    let (n, k) = (net.n_g, net.n_out);
    let g = ctx.group(file, "network")?;
    ctx.attr(&g, "n_g", n as u64)?;
    ctx.attr(&g, "n_out", k as u64)?;
    for (name, v) in &net.params {
        ctx.attr(&g, name, *v)?;
    }
    ctx.attr_str(&g, "architecture", net.architecture())?;
    if net.n_in > 0 {
        ctx.attr(&g, "n_in", net.n_in as u64)?;
    }
    write_csr(ctx, &g, "J_GG", &net.j_gg)?;
    ctx.dataset(&g, "J_Gz", &[n, k], &net.j_gz)?;
    ctx.dataset(
        &g,
        "readout_units",
        &[net.readout_units.len()],
        &net.readout_units,
    )?;
    ctx.dataset(&g, "x_initial", &[n], &net.x_initial)?;
    ctx.dataset(&g, "z_initial", &[k], &net.z_initial)?;
    ctx.dataset(&g, "w_initial", &[n, k], &net.w_initial)?;
    ctx.dataset(&g, "w_final", &[n, k], &net.w_final)?;
    if let Some(m) = &net.j_gi {
        write_csr(ctx, &g, "J_GI", m)?;
    }
    if !net.trained_units.is_empty() {
        let t = &net.trained_units;
        ctx.dataset(&g, "trained_units", &[t.len()], t)?;
        if let Some(m) = &net.j_gg_final {
            write_csr(ctx, &g, "J_GG_final", m)?;
        }
    }
    if let Some(fb) = &net.feedback {
        write_feedback(ctx, &g, fb)?;
    }
    Ok(())
}

/// `/network/feedback`: the parameters as attributes, the matrices, `y_initial`.
fn write_feedback(ctx: &Ctx<'_>, net: &Group, fb: &FeedbackRecord) -> Result<(), IoError> {
    let g = ctx.group(net, "feedback")?;
    let s = &fb.spec;
    ctx.attr(&g, "n_f", s.n_f as u64)?;
    for (name, v) in [
        ("p_ff", s.p_ff),
        ("p_fg", s.p_fg),
        ("p_gf", s.p_gf),
        ("g_ff", s.g_ff),
        ("g_fg", s.g_fg),
        ("g_gf", s.g_gf),
    ] {
        ctx.attr(&g, name, v)?;
    }
    write_csr(ctx, &g, "J_FF", &fb.j_ff)?;
    write_csr(ctx, &g, "J_GF", &fb.j_gf)?;
    write_csr(ctx, &g, "J_FG_initial", &fb.j_fg_initial)?;
    write_csr(ctx, &g, "J_FG_final", &fb.j_fg_final)?;
    if let Some(m) = &fb.j_fi {
        write_csr(ctx, &g, "J_FI", m)?;
    }
    ctx.dataset(&g, "y_initial", &[s.n_f], &fb.y_initial)
}

/// A CSR matrix as the group `name` holding `data`, `indices`, `indptr` and the
/// attribute `shape` (SciPy's layout).
fn write_csr(ctx: &Ctx<'_>, parent: &Group, name: &str, csr: &Csr) -> Result<(), IoError> {
    let j = ctx.group(parent, name)?;
    ctx.dataset(&j, "data", &[csr.nnz()], csr.data())?;
    ctx.dataset(&j, "indices", &[csr.nnz()], csr.indices())?;
    let indptr: Vec<u64> = csr.indptr().iter().map(|&p| p as u64).collect();
    ctx.dataset(&j, "indptr", &[indptr.len()], &indptr)?;
    let shape = [csr.n_rows() as u64, csr.n_cols() as u64];
    j.new_attr_builder()
        .with_data(&shape[..])
        .create("shape")
        .map_err(ctx.err(format_args!(
            "writing attribute {}/{name}@shape",
            parent.name().trim_end_matches('/')
        )))?;
    Ok(())
}

fn write_phase(
    ctx: &Ctx<'_>,
    phases: &Group,
    p: &PhaseRecord,
    net: &NetworkRecord,
) -> Result<(), IoError> {
    let k = net.n_out;
    let g = ctx.group(phases, p.phase.name())?;
    ctx.attr(&g, "first_step", p.first_step)?;
    ctx.attr(&g, "last_step", p.last_step)?;
    ctx.attr(&g, "t_start_ms", p.t_start_ms)?;
    ctx.attr(&g, "t_end_ms", p.t_end_ms)?;
    ctx.attr(&g, "decimate", p.decimate)?;
    let t = p.t_ms.len();
    let u = p.update_t_ms.len();
    let n = p.x_start.len();
    ctx.dataset(&g, "t_ms", &[t], &p.t_ms)?;
    ctx.dataset(&g, "z", &[t, k], &p.z)?;
    ctx.dataset(&g, "f", &[t, k], &p.f)?;
    ctx.dataset(&g, "x_start", &[n], &p.x_start)?;
    ctx.dataset(&g, "z_start", &[k], &p.z_start)?;
    ctx.dataset(&g, "w_start", &[n, k], &p.w_start)?;
    ctx.dataset(&g, "rates_index", &[p.rates_index.len()], &p.rates_index)?;
    ctx.dataset(&g, "rates", &[t, p.rates_index.len()], &p.rates)?;
    ctx.dataset(&g, "update_t_ms", &[u], &p.update_t_ms)?;
    ctx.dataset(&g, "w_norm", &[u, k], &p.w_norm)?;
    ctx.dataset(&g, "dw_norm", &[u, k], &p.dw_norm)?;
    if let Some(v) = &p.inputs {
        ctx.dataset(&g, "inputs", &[t, net.n_in], v)?;
    }
    if let Some(fb) = &net.feedback {
        let n_f = fb.spec.n_f;
        if let Some(v) = &p.y_start {
            ctx.dataset(&g, "y_start", &[n_f], v)?;
        }
        if let Some(v) = &p.feedback_rates {
            ctx.dataset(&g, "feedback_rates", &[t, n_f], v)?;
        }
    }
    Ok(())
}

/// `/metrics/<phase>`: one dataset per metric, the attribute `order` listing their names
/// in the record's order (HDF5 lists links by name), `success` when assessed.
fn write_metrics(ctx: &Ctx<'_>, metrics: &Group, m: &PhaseMetrics) -> Result<(), IoError> {
    let g = ctx.group(metrics, m.phase.name())?;
    if let Some(s) = m.success {
        ctx.attr(&g, "success", success_code(Some(s)))?;
    }
    let order: Vec<String> = m.values.iter().map(|(name, _)| name.clone()).collect();
    ctx.attr_str_list(&g, METRICS_ORDER_ATTR, &order)?;
    for (name, values) in &m.values {
        ctx.dataset(&g, name, &[values.len()], values)?;
    }
    Ok(())
}

fn write_pca(
    ctx: &Ctx<'_>,
    analysis: &Group,
    p: &PcaRecord,
    n: usize,
    k: usize,
) -> Result<(), IoError> {
    let g = ctx.group(analysis, "pca")?;
    let (m, s, l) = (p.n_keep, p.t_ms.len(), p.recon_k.len());
    ctx.attr_str(&g, "phase", p.phase.name())?;
    ctx.attr(&g, "sample_every_steps", p.sample_every_steps)?;
    ctx.attr(&g, "n_95", p.n_95)?;
    ctx.attr(&g, "n_keep", m as u64)?;
    ctx.dataset(&g, "eigenvalues", &[n], &p.eigenvalues)?;
    ctx.dataset(&g, "explained_fraction", &[n], &p.explained_fraction)?;
    ctx.dataset(&g, "eigenvectors", &[n, m], &p.eigenvectors)?;
    ctx.dataset(&g, "mean", &[n], &p.mean)?;
    ctx.dataset(&g, "t_ms", &[s], &p.t_ms)?;
    ctx.dataset(&g, "projections", &[s, m], &p.projections)?;
    ctx.dataset(&g, "z", &[s, k], &p.z)?;
    ctx.dataset(&g, "f", &[s, k], &p.f)?;
    ctx.dataset(&g, "recon_k", &[l], &p.recon_k)?;
    ctx.dataset(&g, "recon_z", &[s, l, k], &p.recon_z)?;
    ctx.dataset(&g, "recon_rms_vs_f", &[l, k], &p.recon_rms_vs_f)?;
    ctx.dataset(&g, "recon_rms_vs_z", &[l, k], &p.recon_rms_vs_z)
}
