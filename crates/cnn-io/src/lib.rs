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
//! - [`IoError`] says what went wrong and [`IoError::kind`] whose fault it was
//!   ([`ErrorKind::Input`]: the file read, the record or the requested output;
//!   [`ErrorKind::Io`]: the system, while creating or writing);
//! - [`ensemble`]: ensemble files (many runs under `/members/<index>` plus a `/summary`
//!   table) and the per-member part files an interrupted ensemble resumes from.
//!
//! This crate depends on `cnn-core` only; the trainer does not know it exists.
//!
//! **Round trip.** [`read_run`] gives back what [`write_run`] was given: every field,
//! with phases (in time order) and each phase's metrics in the record's order, so that
//! `read_run(p)?.same_as(&r)` holds after `write_run(p, &r, _)` ([`RunRecord::same_as`]).
//! `same_as` is `==` except that NaN equals NaN: metrics are NaN where they are undefined
//! (a correlation or `rms_norm` where a series is constant, as the readout of the
//! spontaneous phase before any training), recorded targets are NaN where a target had
//! another width, and HDF5 stores NaN like any other float64, but IEEE `==` (and so the
//! derived [`PartialEq`]) calls a NaN unequal to itself. For a record without NaN, `==`
//! holds too. Network parameters come back in the documented order
//! ([`NetworkRecord::params`]), which is the order [`NetworkRecord::from_network`] gives
//! them.
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
//! assert!(back.same_as(&record));
//! assert_eq!(back, record); // no NaN in this record, so `==` holds as well
//! assert_eq!(back.phases[0].rows(), 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod ensemble;
pub mod error;
mod format;
pub mod read;
pub mod record;
pub mod recorder;
mod same;
pub mod write;

#[cfg(test)]
mod roundtrip_tests;

pub use ensemble::{
    read_member_info, read_member_part, write_member_part, Column, EnsembleMeta, EnsembleReader,
    EnsembleWriter, MemberInfo, SummaryTable,
};
pub use error::{ErrorKind, IoError};
pub use format::{ENSEMBLE_FORMAT, FORMAT, FORMAT_VERSION};
pub use read::{file_format, read_run, read_summary};
pub use record::{
    w_to_output_major, w_to_row_major, Connectivity, FeedbackRecord, HealthRecord, InitialState,
    LearnerHealthRecord, NetworkRecord, PcaRecord, PhaseMetrics, PhaseRecord, PhaseSummary,
    RunMeta, RunRecord, RunStatus, RunSummary,
};
pub use recorder::Recorder;
pub use write::write_run;
