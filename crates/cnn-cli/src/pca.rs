//! The PCA step of `cnn run`: watch the test phase, then compute `/analysis/pca`.
//!
//! Runs whenever the test phase is non-empty (with or without `--plot`), for networks of
//! at most [`MAX_UNITS`] units (the covariance is N x N).

use crate::config::Experiment;
use crate::Failure;
use cnn_io::PcaRecord;
use cnn_train::analysis::{self, CovarianceObserver, PcaAnalysis};

/// Largest N_G for which the PCA is computed (an N x N covariance: 200 MB at 5000).
pub const MAX_UNITS: usize = 5000;

/// The covariance observer for `exp`'s test phase, or `None` when there is no test phase
/// or the network is too large (with a note unless `quiet`).
pub fn observer(exp: &Experiment, quiet: bool) -> Option<CovarianceObserver> {
    if exp.steps.test == 0 {
        return None;
    }
    if exp.spec.n_g > MAX_UNITS {
        if !quiet {
            eprintln!(
                "cnn: note: no PCA for N_G = {} (computed up to N_G = {MAX_UNITS})",
                exp.spec.n_g
            );
        }
        return None;
    }
    Some(CovarianceObserver::new(
        exp.spec.n_g,
        analysis::steps_per_ms(exp.spec.dt_ms),
    ))
}

/// Computes the PCA record from a finished observer (`None` if the test phase took no
/// finite sample, e.g. the run diverged).
pub fn record(
    obs: Option<CovarianceObserver>,
    exp: &Experiment,
) -> Result<Option<PcaRecord>, Failure> {
    let Some(activity) = obs.and_then(CovarianceObserver::finish) else {
        return Ok(None);
    };
    let a = analysis::analyse(
        &activity,
        exp.target.as_ref(),
        analysis::DEFAULT_N_KEEP,
        &analysis::DEFAULT_RECON_K,
    )
    .map_err(|e| Failure::input(format!("PCA of the test phase: {e}")))?;
    Ok(Some(to_record(&a)))
}

fn to_record(a: &PcaAnalysis) -> PcaRecord {
    let t = &a.trajectory;
    PcaRecord {
        phase: cnn_core::Phase::Test,
        sample_every_steps: a.sample_every,
        n_95: a.pca.n_95 as u64,
        eigenvalues: a.pca.eigenvalues.clone(),
        explained_fraction: a.pca.explained_fraction.clone(),
        n_keep: a.pca.n_keep,
        eigenvectors: a.pca.eigenvectors.clone(),
        mean: a.pca.mean.clone(),
        t_ms: t.t_ms.clone(),
        projections: t.projections.clone(),
        z: t.z.clone(),
        f: t.f.clone(),
        recon_k: t.recon_k.iter().map(|&k| k as u64).collect(),
        recon_z: t.recon_z.clone(),
        recon_rms_vs_f: t.recon_rms_vs_f.clone(),
        recon_rms_vs_z: t.recon_rms_vs_z.clone(),
    }
}

/// One line for the run summary: n_95 and the reconstruction errors (output 0).
pub fn summary(p: &PcaRecord, n_out: usize) -> String {
    format!(
        "pca: {} of {} PCs explain 95% of the test-phase variance\n\
         pca: readout from the leading k PCs, RMS(z_k - z): {}\n\
         pca: RMS(z_k - f): {} (actual z: {})",
        p.n_95,
        p.eigenvalues.len(),
        crate::plot::pca::recon_summary(p, n_out, true),
        crate::plot::pca::recon_summary(p, n_out, false),
        crate::plot::draw::short(crate::plot::pca::z_vs_f(p, n_out)),
    )
}
