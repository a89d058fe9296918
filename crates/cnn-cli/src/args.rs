//! `cnn run`'s flags, resolved once into the options of a single run or refused where
//! they do not apply (a flag of ensembles on a single run, and the other way round).

use crate::exit::Failure;
use cnn_experiment::{CheckpointEvery, Checkpointing, Experiment, Output};
use std::path::PathBuf;
use std::time::Duration;

/// What `cnn run` does besides the config: output, flags, ensemble and checkpoint
/// options (the command-line flags of `cnn run`).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Output file (default: NAME.h5 in the current directory).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also draw the figures (NAME-sequence.png, NAME-pca.png) beside the run file;
    /// for an ensemble, the summary figure NAME-summary.png.
    #[arg(long)]
    pub plot: bool,
    /// Ensemble: worker threads (default: all cores). A member's result does not
    /// depend on it.
    #[arg(short, long)]
    pub jobs: Option<usize>,
    /// Ensemble: run only members with index % N == K into a shard file (merge the
    /// shards with `cnn merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Ensemble: one line per finished member.
    #[arg(short, long)]
    pub verbose: bool,
    /// Single run: threads for the one network (step and RLS update split in
    /// blocks; 0: all cores; default 1). Pays from about N = 2000; results do not
    /// depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Single run: write the checkpoint OUT.checkpoint every this many seconds of wall
    /// clock (0: only on Ctrl-C / SIGTERM; default 60). It holds everything to continue
    /// bit for bit and is removed when the run completes.
    #[arg(long, value_name = "SECONDS")]
    pub checkpoint_every_s: Option<f64>,
    /// Single run: checkpoint every this many steps instead (for tests).
    #[arg(long, hide = true)]
    pub checkpoint_every_steps: Option<u64>,
    /// Single run: continue an interrupted run from OUT.checkpoint (same config and
    /// --set values); the result equals the uninterrupted run bit for bit.
    #[arg(long)]
    pub resume: bool,
}

/// `cnn run`'s options for a single run, resolved once from [`RunArgs`].
pub(crate) struct Single {
    pub(crate) out: Output,
    pub(crate) threads: usize,
    pub(crate) checkpoint: Checkpointing,
    pub(crate) quiet: bool,
    pub(crate) plot: bool,
}

impl RunArgs {
    /// Options that only an ensemble takes, refused for a single run.
    pub(crate) fn refuse_ensemble_flags(&self, display: &str) -> Result<(), Failure> {
        let why = |flag: &str| {
            Failure::input(format!(
                "{flag} is for ensembles; {display} is a single run (it has no [ensemble] or \
                 [sweep] table)"
            ))
        };
        if self.shard.is_some() {
            return Err(Failure::input(format!(
                "--shard: {display} is not an ensemble config (it has no [ensemble] or \
                 [sweep] table)"
            )));
        }
        if self.jobs.is_some() {
            return Err(why("--jobs"));
        }
        if self.verbose {
            return Err(why("--verbose"));
        }
        Ok(())
    }

    /// Options that only a single run takes, refused for an ensemble.
    pub fn refuse_single_flags(&self) -> Result<(), Failure> {
        let why = |flag: &str, instead: &str| {
            Failure::input(format!("{flag} is for single runs; {instead}"))
        };
        if self.resume {
            return Err(why(
                "--resume",
                "an ensemble resumes by running the same command again",
            ));
        }
        if self.threads.is_some() {
            return Err(why(
                "--threads",
                "an ensemble runs one member per thread (--jobs)",
            ));
        }
        if self.checkpoint_every_s.is_some() || self.checkpoint_every_steps.is_some() {
            return Err(why(
                "--checkpoint-every-s",
                "an ensemble keeps every finished member as a part file and resumes from them",
            ));
        }
        Ok(())
    }

    pub(crate) fn single(self, exp: &Experiment) -> Result<Single, Failure> {
        let every = match (self.checkpoint_every_steps, self.checkpoint_every_s) {
            (Some(k), _) if k > 0 => CheckpointEvery::Steps(k),
            (_, Some(0.0)) => CheckpointEvery::Never,
            (_, s) => {
                let s = s.unwrap_or(60.0);
                if !(s > 0.0 && s < 1e9) {
                    return Err(Failure::input(format!(
                        "--checkpoint-every-s {s}: give seconds > 0 (0 writes checkpoints \
                         only on Ctrl-C)"
                    )));
                }
                CheckpointEvery::Wall(Duration::from_secs_f64(s))
            }
        };
        Ok(Single {
            out: Output {
                path: self
                    .out
                    .unwrap_or_else(|| PathBuf::from(format!("{}.h5", exp.name()))),
                force: self.force,
            },
            threads: self.threads.unwrap_or(1),
            checkpoint: Checkpointing {
                every,
                resume: self.resume,
            },
            quiet: self.quiet,
            plot: self.plot,
        })
    }
}
