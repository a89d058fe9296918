//! Running one experiment: the one place that builds the network and the trainer from an
//! [`Experiment`], runs it (with checkpoints and cancellation), turns the outcome into a
//! [`RunRecord`] and, when asked, writes the run file. `cnn run`, every ensemble member,
//! the examples and the Python package call [`run`].

use crate::cancel::Cancel;
use crate::checkpoint::{self, Saved};
use crate::config::Experiment;
use crate::error::Error;
use crate::output::check_output;
use crate::record::{self, RecordParts};
use cnn_core::{Observer, Phase};
use cnn_io::RunRecord;
use cnn_train::{Segment, Termination, Trainer};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// When a run writes checkpoints (besides when it is cancelled).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CheckpointEvery {
    /// Only when cancelled.
    Never,
    /// After the first step past this much wall clock since the last checkpoint.
    Wall(Duration),
    /// Every this many steps.
    Steps(u64),
}

/// Checkpointing of a run that writes a file: `OUT.checkpoint` (see
/// [`checkpoint::path_for`]) holds everything to continue bit for bit; it is removed
/// when the run file is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpointing {
    /// When to write one.
    pub every: CheckpointEvery,
    /// Continue from the existing checkpoint (it must exist and come from the same
    /// resolved config). Without it, an existing checkpoint is refused unless the output
    /// is forced.
    pub resume: bool,
}

/// Where a run writes its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The run file (HDF5), written under a temporary name and renamed when complete.
    pub path: PathBuf,
    /// Replace an existing file (and an old checkpoint).
    pub force: bool,
}

/// What happened during a run that a front end may want to tell the user.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// The options and the output passed their checks; the network is built next.
    Started {
        /// Steps of the whole run.
        total_steps: u64,
    },
    /// The run continues from a checkpoint.
    Resumed {
        /// The checkpoint file.
        path: PathBuf,
        /// The step it continues from.
        step: u64,
        /// The simulated time of that step in ms.
        t_ms: f64,
    },
    /// A checkpoint was written.
    CheckpointWritten {
        /// The checkpoint file.
        path: PathBuf,
        /// The step it holds.
        step: u64,
        /// Its size in bytes.
        bytes: u64,
        /// Seconds it took to write.
        seconds: f64,
    },
}

/// How [`run`] runs. `RunOptions::default()`: one thread, PCA on, no file, no
/// checkpoints.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// Threads for the one network (step and RLS update in blocks; 0: all cores).
    /// Results do not depend on it.
    pub threads: usize,
    /// Compute `/analysis/pca` of the test phase (up to [`record::MAX_PCA_UNITS`] units).
    pub pca: bool,
    /// Write the run file here.
    pub output: Option<&'a Output>,
    /// Write checkpoints beside the output (needs `output`).
    pub checkpoint: Option<Checkpointing>,
    /// Told of resumes and checkpoints.
    pub on_event: Option<&'a (dyn Fn(&RunEvent) + Sync)>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        Self {
            threads: 1,
            pca: true,
            output: None,
            checkpoint: None,
            on_event: None,
        }
    }
}

/// Checks the options and the output before any work: an existing output without
/// `force`, an output directory that does not exist or cannot be written, a resume
/// without a checkpoint or with another config's checkpoint, a stale checkpoint.
/// Returns the checkpoint to continue from. [`run`] calls it first; front ends may call
/// it earlier to refuse before printing anything.
pub fn prepare(exp: &Experiment, opts: &RunOptions<'_>) -> Result<Option<Saved>, Error> {
    let Some(out) = opts.output else {
        if opts.checkpoint.is_some() {
            return Err(Error::input(
                "checkpoints are written beside the run file: give an output file",
            ));
        }
        return Ok(None);
    };
    check_output(&out.path, out.force)?;
    let Some(c) = opts.checkpoint else {
        return Ok(None);
    };
    if let CheckpointEvery::Steps(0) = c.every {
        return Err(Error::input("checkpoint every 0 steps: give at least 1"));
    }
    let path = checkpoint::path_for(&out.path);
    if c.resume {
        if !path.exists() {
            return Err(Error::input(format!(
                "--resume: there is no checkpoint {} (the run finished, or never wrote one)",
                path.display()
            )));
        }
        let saved = checkpoint::read(&path).map_err(Error::Input)?;
        if saved.config_toml != exp.resolved_toml() {
            return Err(Error::input(format!(
                "--resume: {} was written by a run with another config (or other --set \
                 values); resume with the same config, or start over with --force",
                path.display()
            )));
        }
        return Ok(Some(saved));
    }
    if path.exists() && !out.force {
        return Err(Error::input(format!(
            "{} exists: an earlier run of {} was interrupted; continue it with --resume, \
             or start over with --force",
            path.display(),
            out.path.display()
        )));
    }
    Ok(None)
}

/// Runs one validated experiment: builds the network (architecture, feedback network,
/// inputs, trained rows) and the trainer (criterion, threads, feedback variant, shared
/// P, RLS form, inputs), runs every phase with `observers` watching, and returns the
/// record `cnn run` writes (and writes it when `opts.output` is set).
///
/// A run that diverges is a result (`status = "diverged"`, success false), not an
/// error. A run cancelled through `cancel` returns [`Error::Interrupted`] (with the
/// checkpoint it wrote, when checkpointing is on) and writes no run file.
pub fn run(
    exp: &Experiment,
    opts: &RunOptions<'_>,
    observers: &mut [&mut dyn Observer],
    cancel: &Cancel,
) -> Result<RunRecord, Error> {
    let resume = prepare(exp, opts)?;
    if let Some(on) = opts.on_event {
        on(&RunEvent::Started {
            total_steps: exp.steps().total(),
        });
    }
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    };
    let steps = exp.steps();
    let spec = exp.spec();
    let mut net = exp.arch.build_network(spec, exp.seed())?;
    // Only the (small) initial state is copied now; the connectivity is copied into the
    // record after the run, so it is never held twice while P is alive.
    let initial = cnn_io::InitialState::capture(&net);
    let updates = steps.train / steps.learn_every;
    let mut recorder = cnn_io::Recorder::new(exp.rates_index.clone(), exp.decimate)
        .with_capacity_hint(Phase::Spontaneous, steps.spontaneous, 0)
        .with_capacity_hint(Phase::Train, steps.train, updates)
        .with_capacity_hint(Phase::Test, steps.test, 0);
    let mut pca = if opts.pca {
        record::pca_observer(spec.n_g, spec.dt_ms, steps.test)
    } else {
        None
    };
    let ckpt_path = opts.output.map(|o| checkpoint::path_for(&o.path));
    let mut trainer_state = None;
    if let Some(saved) = resume {
        if let (Some(on), Some(path)) = (opts.on_event, &ckpt_path) {
            on(&RunEvent::Resumed {
                path: path.clone(),
                step: saved.trainer.step,
                t_ms: saved.trainer.step as f64 * spec.dt_ms,
            });
        }
        // The PCA observer's network at the test-phase start: the current network (the
        // test phase trains nothing) with the state the recorder kept at that start.
        if let (Some(o), Some(cv)) = (pca.as_mut(), saved.covariance) {
            let mut start = net.clone();
            saved.trainer.network.restore(&mut start)?;
            if let Some(p) = saved.phases.iter().find(|p| p.phase == Phase::Test) {
                start.set_state(&p.x_start, &p.z_start)?;
                if let Some(y) = &p.y_start {
                    start.set_feedback_state(y)?;
                }
            }
            o.restore(cv, start)?;
        }
        recorder = recorder.resume(saved.phases, spec.n_out);
        trainer_state = Some(saved.trainer);
    }
    let checkpointing = opts.checkpoint.zip(ckpt_path.as_ref());
    let outcome = loop {
        // One trainer per segment: a pause hands its whole state over as a checkpoint,
        // which the next segment's trainer continues from bit for bit.
        let mut trainer = Trainer::new(&mut net, exp.target(), exp.protocol())?
            .criterion(exp.criterion)
            .threads(threads)?
            .feedback(exp.arch.feedback)?
            .shared_p(exp.arch.shared_p)
            .rls_update(exp.rls_update)
            .observe(&mut recorder);
        for o in observers.iter_mut() {
            trainer = trainer.observe(&mut **o);
        }
        if let Some(o) = pca.as_mut() {
            trainer = trainer.observe(o);
        }
        if let Some((_, signals)) = &exp.arch.inputs {
            trainer = trainer.inputs(signals.as_ref())?;
        }
        match checkpointing {
            // Cancelling pauses: the state is saved before the run returns.
            Some((c, _)) => {
                trainer = trainer.pause_flag(cancel.flag());
                match c.every {
                    CheckpointEvery::Never => {}
                    CheckpointEvery::Wall(d) => trainer = trainer.pause_at(Instant::now() + d),
                    CheckpointEvery::Steps(k) => trainer = trainer.pause_every_steps(k),
                }
            }
            None => trainer = trainer.stop_flag(cancel.flag()),
        }
        if let Some(state) = trainer_state.take() {
            trainer = trainer.resume_from(state)?;
        }
        match trainer.run_segment()? {
            Segment::Ended(outcome) => break outcome,
            Segment::Paused(state) => {
                let Some((_, path)) = checkpointing else {
                    return Err(Error::Interrupted {
                        step: state.step,
                        t_ms: state.step as f64 * spec.dt_ms,
                        checkpoint: None,
                    });
                };
                let saved = Saved {
                    config_toml: exp.resolved_toml().to_string(),
                    trainer: *state,
                    phases: recorder.phases().to_vec(),
                    covariance: pca.as_ref().and_then(|o| o.state()),
                };
                write_checkpoint(path, &saved, opts)?;
                if cancel.is_cancelled() {
                    return Err(Error::Interrupted {
                        step: saved.trainer.step,
                        t_ms: saved.trainer.step as f64 * spec.dt_ms,
                        checkpoint: Some(path.clone()),
                    });
                }
                trainer_state = Some(saved.trainer);
            }
        }
    };
    if let Termination::Interrupted { step, t_ms } = outcome.termination {
        return Err(Error::Interrupted {
            step,
            t_ms,
            checkpoint: None,
        });
    }
    let pca = match outcome.termination {
        Termination::Finished => record::pca_record(pca, exp.target())?,
        _ => None,
    };
    let record = record::assemble(RecordParts {
        config_toml: exp.resolved_toml().to_string(),
        seed: exp.seed(),
        initial,
        network: &net,
        phases: recorder.into_phases(),
        outcome: &outcome,
        pca,
    })?;
    if let Some(out) = opts.output {
        cnn_io::write_run(&out.path, &record, out.force)?;
        if let Some(path) = &ckpt_path {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(record)
}

fn write_checkpoint(path: &Path, saved: &Saved, opts: &RunOptions<'_>) -> Result<(), Error> {
    let t0 = Instant::now();
    let bytes = checkpoint::write(path, saved).map_err(|source| Error::Io {
        what: format!("cannot write the checkpoint {}", path.display()),
        source,
    })?;
    if let Some(on) = opts.on_event {
        on(&RunEvent::CheckpointWritten {
            path: path.to_path_buf(),
            step: saved.trainer.step,
            bytes,
            seconds: t0.elapsed().as_secs_f64(),
        });
    }
    Ok(())
}
