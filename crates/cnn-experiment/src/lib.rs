//! `cnn-experiment`: the engine of `cnn` as a library. Configs (TOML files, presets or
//! text, plus `--set`-style overrides) are validated into an [`Experiment`]; [`run()`]
//! runs one and returns (and optionally writes) its [`RunRecord`]; ensembles are planned
//! ([`Plan`]), run in parallel with progress events ([`run_ensemble`]), resumed from part
//! files and merged ([`merge`]); single runs write checkpoints and resume from them.
//! The `cnn` command, the examples and the Python package are front ends over this crate
//! and give the same results, bit for bit.
//!
//! ```no_run
//! use cnn_experiment::{parse_overrides, run, Cancel, ConfigText, RunOptions};
//!
//! # fn main() -> Result<(), cnn_experiment::Error> {
//! let overrides = parse_overrides(&["network.g_gg=1.2", "simulation.train_ms=4800"])?;
//! let exp = ConfigText::preset("fig2-matlab")?.experiment(&overrides)?;
//! let record = run(&exp, &RunOptions::default(), &mut [], &Cancel::new())?;
//! println!("success: {:?}", record.success);
//! cnn_io::write_run("fig2-matlab.h5".as_ref(), &record, true)?;
//! # Ok(())
//! # }
//! ```
//!
//! The engine never touches a terminal or a signal: it prints nothing, installs no
//! handler and never exits the process (checked by `cargo xtask check-arch`). Front
//! ends trip a [`Cancel`] token and map [`Error::kind`] to exit codes or exceptions.

pub mod arch;
pub mod cancel;
pub mod checkpoint;
pub mod config;
pub mod ensemble;
pub mod error;
pub mod fuzz;
pub mod load;
pub mod locate;
pub mod output;
pub mod presets;
pub mod raw;
pub mod record;
pub mod run;
pub mod targets;

pub use cancel::Cancel;
pub use cnn_io::RunRecord;
pub use config::Experiment;
pub use ensemble::{
    merge, run_ensemble, EnsembleEvent, EnsembleOptions, MemberReport, Merged, Plan, RecordLevel,
    Verdict,
};
pub use error::{Error, ErrorKind};
pub use load::{parse_overrides, ConfigText, Loaded};
pub use locate::{ConfigError, Override, Source};
pub use output::check_output;
pub use presets::Preset;
pub use run::{run, CheckpointEvery, Checkpointing, Output, RunEvent, RunOptions};
