//! Ensembles and sweeps: many seeds and parameter grids from one config, in parallel,
//! resumable, in shards for a cluster. [`plan`] expands and validates, [`execute`] runs
//! ([`run_ensemble`]), [`summary`] builds the `/summary` table and merges shards.

pub mod execute;
pub mod plan;
pub mod summary;

pub use execute::{parts_dir, run_ensemble, EnsembleEvent, EnsembleOptions, MemberReport, Verdict};
pub use plan::{load_plan, parse_shard, MemberPlan, Plan, RecordLevel};
pub use summary::{merge, Merged, HEALTH_COLUMNS};
