//! # cnn-io: HDF5 run files
//!
//! A run file holds everything about one FORCE run: provenance (program version, the
//! complete configuration as TOML, the seed, how the run ended), the network
//! (connectivity, readout units, initial and final weights; architecture B's feedback
//! network, architecture C's trained J^GG rows, input weights), the recorded traces of
//! each phase with the state each phase started from, and the metrics. The layout is a
//! public interface, documented group by group in `docs/hdf5-layout.md`; users' scripts
//! rely on its names.
//!
//! - [`Recorder`] watches a run through [`cnn_core::Observer`] and keeps the traces;
//! - [`RunRecord`] and its parts are plain data (no serde, no HDF5 types); a run's
//!   [`NetworkRecord`] comes from [`InitialState::capture`] before the run and
//!   [`NetworkRecord::from_run`] after it;
//! - [`write_run`] stores a record atomically (temporary sibling, then rename);
//! - [`read_run`] reads it all back, [`read_summary`] only what `cnn info` shows;
//! - [`ensemble`]: ensemble files (many runs under `/members/<index>` plus a `/summary`
//!   table) and the per-member part files an interrupted ensemble resumes from.
//!
//! This crate depends on `cnn-core` only; the trainer does not know it exists.
//!
//! ```
//! use cnn_core::{GeneratorSpec, Network, Observer, Phase, StepView};
//! use cnn_io::{read_run, write_run, NetworkRecord, Recorder, RunMeta, RunRecord, RunStatus};
//!
//! let mut net = Network::build(GeneratorSpec { n_g: 50, ..GeneratorSpec::paper(1) }, 7)?;
//! let network = NetworkRecord::from_network(&net);
//!
//! // Record 20 steps of spontaneous activity, keeping the rates of units 0 and 1.
//! let mut recorder = Recorder::new(vec![0, 1], 1);
//! recorder.phase_start(Phase::Spontaneous, 0, 0.0, &net);
//! for n in 1..=20u64 {
//!     net.step();
//!     let t_ms = n as f64 * net.spec().dt_ms;
//!     let view = StepView { step: n, t_ms, phase: Phase::Spontaneous, network: &net, f: &[0.0] };
//!     recorder.step(&view);
//! }
//! recorder.phase_end(Phase::Spontaneous, 20, 2.0, &net);
//!
//! let record = RunRecord {
//!     meta: RunMeta {
//!         cnn_version: "0.1.0".into(),
//!         config_toml: "seed = 7\n".into(),
//!         seed: 7,
//!         status: RunStatus::Complete,
//!     },
//!     network,
//!     phases: recorder.into_phases(),
//!     metrics: Vec::new(),
//!     success: None,
//!     pca: None,
//!     health: None,
//! };
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("run.h5");
//! write_run(&path, &record, false)?;
//! let back = read_run(&path)?;
//! assert_eq!(back, record);
//! assert_eq!(back.phases[0].rows(), 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod ensemble;
pub mod error;
pub mod read;
pub mod record;
pub mod recorder;
pub mod write;

#[cfg(test)]
mod roundtrip_tests;

pub use ensemble::{
    read_member_info, read_member_part, write_member_part, Column, EnsembleMeta, EnsembleReader,
    EnsembleWriter, MemberInfo, SummaryTable, ENSEMBLE_FORMAT,
};
pub use error::IoError;
pub use read::{file_format, read_run, read_summary};
pub use record::{
    w_to_output_major, w_to_row_major, Connectivity, FeedbackRecord, HealthRecord, InitialState,
    LearnerHealthRecord, NetworkRecord, PcaRecord, PhaseMetrics, PhaseRecord, PhaseSummary,
    RunMeta, RunRecord, RunStatus, RunSummary,
};
pub use recorder::Recorder;
pub use write::write_run;

/// The value of the root attribute `format` in every run file.
pub const FORMAT: &str = "cnn-run";

/// The layout version this crate writes (root attribute `format_version`); files with a
/// larger version are refused with [`IoError::UnsupportedVersion`]. Version 2 added the
/// optional parts of architectures B and C and of external inputs (see
/// `docs/hdf5-layout.md`); version-1 files read as before. The optional `/health` group
/// was added later without a version change (files without it read with
/// [`RunRecord::health`] `None`).
pub const FORMAT_VERSION: u32 = 2;
