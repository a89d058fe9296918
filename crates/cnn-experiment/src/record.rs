//! From a trainer's outcome to the run file's record: status, metrics with the success
//! flag of the judged phase, `/health`, `/analysis/pca`. The one place these conversions
//! live: `run`, ensembles, the examples and the Python package all go through it.

use crate::error::Error;
use cnn_core::{Network, Phase, Target};
use cnn_io::{InitialState, NetworkRecord, PcaRecord, PhaseRecord, RunMeta, RunRecord, RunStatus};
use cnn_train::analysis::{self, CovarianceObserver, PcaAnalysis};
use cnn_train::{LearnerHealth, Outcome, SuccessCriterion, Termination};

/// Largest N_G for which `run` computes the PCA of the test phase (an N x N covariance:
/// 200 MB at 5000).
pub const MAX_PCA_UNITS: usize = 5000;

/// Everything a run file is assembled from.
pub struct RecordParts<'a> {
    /// The resolved config (TOML) the run came from.
    pub config_toml: String,
    /// The network seed.
    pub seed: u64,
    /// The network's initial state, captured before the run ([`InitialState::capture`]).
    pub initial: InitialState,
    /// The network after the run (final weights, trained rows).
    pub network: &'a Network,
    /// The recorder's phases ([`cnn_io::Recorder::into_phases`]).
    pub phases: Vec<PhaseRecord>,
    /// The trainer's outcome.
    pub outcome: &'a Outcome,
    /// The PCA of the test phase, if computed ([`pca_record`]).
    pub pca: Option<PcaRecord>,
}

/// The run file's status: complete, diverged (what and when) or interrupted (when).
///
/// [`crate::run()`] returns [`Error::Interrupted`] for a cancelled run instead of a
/// record; a program that assembles a record from a stopped trainer itself gets
/// `interrupted`, never `diverged`.
pub fn status(termination: &Termination) -> RunStatus {
    match termination {
        Termination::Finished => RunStatus::Complete,
        Termination::Diverged { t_ms, quantity, .. } => RunStatus::Diverged {
            message: format!("{quantity} at t = {t_ms} ms"),
        },
        Termination::Interrupted { t_ms, .. } => RunStatus::Interrupted {
            message: format!("stopped at t = {t_ms} ms"),
        },
    }
}

/// The per-phase metrics of the record, in the trainer's order, with the success flag on
/// the phase the criterion judged ([`SuccessCriterion::judged_phase`]) when the run
/// finished.
pub fn metrics(outcome: &Outcome) -> Vec<cnn_io::PhaseMetrics> {
    let judged = match outcome.termination {
        Termination::Finished => SuccessCriterion::judged_phase(&outcome.metrics),
        _ => None,
    };
    outcome
        .metrics
        .iter()
        .map(|m| cnn_io::PhaseMetrics {
            phase: m.phase,
            values: m
                .named()
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect(),
            success: (judged == Some(m.phase)).then_some(outcome.success),
        })
        .collect()
}

/// The run file's `/health` record from the trainer's health groups.
pub fn health(groups: &[LearnerHealth]) -> cnn_io::HealthRecord {
    cnn_io::HealthRecord {
        groups: groups
            .iter()
            .map(|h| cnn_io::LearnerHealthRecord {
                learner: h.learner.clone(),
                matrices: h.matrices,
                updates: h.updates,
                skipped_updates: h.skipped_updates,
                min_p_diagonal: h.min_diagonal,
                min_denominator: h.min_denominator,
                symmetry_drift: h.symmetry_drift,
            })
            .collect(),
    }
}

/// Assembles the record `cnn run` writes: provenance, network, traces, metrics with
/// success flags, `/health` and (when given) `/analysis/pca`.
pub fn assemble(parts: RecordParts<'_>) -> Result<RunRecord, Error> {
    let outcome = parts.outcome;
    Ok(RunRecord {
        meta: RunMeta {
            cnn_version: env!("CARGO_PKG_VERSION").to_string(),
            config_toml: parts.config_toml,
            seed: parts.seed,
            status: status(&outcome.termination),
        },
        network: NetworkRecord::from_run(parts.initial, parts.network)?,
        phases: parts.phases,
        metrics: metrics(outcome),
        success: Some(outcome.success),
        pca: parts.pca,
        health: Some(health(&outcome.health)),
    })
}

/// The covariance observer for the test phase of a network of `n_g` units, or `None`
/// when there is no test phase or the network is larger than [`MAX_PCA_UNITS`].
pub fn pca_observer(n_g: usize, dt_ms: f64, test_steps: u64) -> Option<CovarianceObserver> {
    if test_steps == 0 || n_g > MAX_PCA_UNITS {
        return None;
    }
    Some(CovarianceObserver::new(n_g, analysis::steps_per_ms(dt_ms)))
}

/// The PCA record from a finished observer (`None` if the test phase took no finite
/// sample, e.g. the run diverged).
pub fn pca_record(
    obs: Option<CovarianceObserver>,
    target: &dyn Target,
) -> Result<Option<PcaRecord>, Error> {
    let Some(activity) = obs.and_then(CovarianceObserver::finish) else {
        return Ok(None);
    };
    let a = analysis::analyse(
        &activity,
        target,
        analysis::DEFAULT_N_KEEP,
        &analysis::DEFAULT_RECON_K,
    )
    .map_err(|e| Error::Numerical(format!("PCA of the test phase: {e}")))?;
    Ok(Some(to_pca_record(&a)))
}

fn to_pca_record(a: &PcaAnalysis) -> PcaRecord {
    let t = &a.trajectory;
    PcaRecord {
        phase: Phase::Test,
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
