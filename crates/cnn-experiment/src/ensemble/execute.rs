//! Running an ensemble: a rayon pool runs the members (`jobs` threads), each through
//! [`crate::run()`], the single-run code path; a member depends only on its own config and
//! seed, so it is bit-identical whatever the thread count. Finished members go over a
//! channel to one writer thread (the HDF5 library must not be called from several
//! threads at once), which writes each as a part file `<OUT>.parts/member-<index>.h5`
//! (temporary name, then rename): that is what makes a run resumable. When all members
//! are done, the parts are assembled into `<OUT>` ([`cnn_io::EnsembleWriter`]) and the
//! parts directory is removed. Running the same ensemble again after a crash, a
//! cancellation, a full disk or `kill -9` skips every member whose part file is complete
//! and carries this ensemble's config hash.

use crate::cancel::Cancel;
use crate::ensemble::plan::{MemberPlan, Plan, RecordLevel};
use crate::ensemble::summary::assemble;
use crate::error::Error;
use crate::output::check_output;
use crate::run::{run, RunOptions};
use cnn_core::Phase;
use cnn_io::{EnsembleMeta, EnsembleReader, MemberInfo, RunRecord, RunStatus, SummaryTable};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Options of an ensemble run.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleOptions {
    /// The ensemble file.
    pub out: PathBuf,
    /// Replace an existing output.
    pub force: bool,
    /// Worker threads, one member each (0: all cores).
    pub jobs: usize,
    /// Run only members with index % N == K (`(K, N)`), into a shard file.
    pub shard: Option<(u64, u64)>,
}

/// How a member ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Finished and met the success criterion.
    Success,
    /// Finished and failed it.
    Failed,
    /// Stopped early: what diverged and when.
    Diverged(String),
}

/// One finished member, as reported to the progress callback.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberReport {
    /// Index in the ensemble.
    pub index: u64,
    /// Network seed.
    pub seed: u64,
    /// The swept keys and this member's values.
    pub values: Vec<(String, f64)>,
    /// How it ended.
    pub verdict: Verdict,
    /// The test phase's best correlation of output 0, if it has a test phase.
    pub test_corr: Option<f64>,
    /// Wall-clock seconds of the member.
    pub wall_s: f64,
}

/// Progress of an ensemble, delivered to the callback of [`run_ensemble`].
#[derive(Debug, Clone, PartialEq)]
pub enum EnsembleEvent {
    /// Work starts.
    Started {
        /// Members of the ensemble.
        members: usize,
        /// Members of this run (this shard, or all).
        mine: usize,
        /// Members found finished in the parts directory (skipped).
        resumed: usize,
        /// Members to run now.
        to_run: usize,
        /// Worker threads.
        jobs: usize,
        /// The parts directory.
        parts: PathBuf,
    },
    /// A member finished and its part file is written.
    MemberDone {
        /// The member.
        report: MemberReport,
        /// Members finished so far (resumed ones included).
        done: usize,
        /// Of those, how many succeeded (resumed ones not counted).
        succeeded: usize,
    },
}

/// The parts directory of an output: `<OUT>.parts`.
pub fn parts_dir(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".parts");
    out.with_file_name(name)
}

fn part_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("member-{index:06}.h5"))
}

/// What the writer thread receives: a finished member, or a failure.
enum Done {
    Member {
        info: MemberInfo,
        record: Box<RunRecord>,
        report: MemberReport,
    },
    Error(Error),
}

/// Removes the traces of a record (recording level `summary`).
fn strip(mut rec: RunRecord) -> RunRecord {
    for p in &mut rec.phases {
        p.clear_traces();
    }
    rec.pca = None;
    rec
}

fn report(m: &MemberPlan, swept: &[String], rec: &RunRecord, wall_s: f64) -> MemberReport {
    let verdict = match &rec.meta.status {
        RunStatus::Complete if rec.success == Some(true) => Verdict::Success,
        RunStatus::Complete => Verdict::Failed,
        other => Verdict::Diverged(other.message().to_string()),
    };
    let test_corr = rec
        .metrics
        .iter()
        .find(|p| p.phase == Phase::Test)
        .and_then(|p| p.values.iter().find(|(n, _)| n == "best_corr"))
        .and_then(|(_, v)| v.first().copied());
    MemberReport {
        index: m.index,
        seed: m.seed,
        values: swept
            .iter()
            .cloned()
            .zip(m.values.iter().copied())
            .collect(),
        verdict,
        test_corr,
        wall_s,
    }
}

/// Removes a directory when dropped if it is empty (`remove_dir` refuses otherwise).
struct RemoveIfEmpty<'a>(&'a Path);

impl Drop for RemoveIfEmpty<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(self.0);
    }
}

/// Runs an ensemble (or one shard of it) into `opts.out` and returns its summary table.
///
/// Members run in parallel on `opts.jobs` threads; `on_event` hears when work starts and
/// each time a member's part file is written (from the writer thread). Cancelling
/// `cancel` stops running members after their current step; finished members stay as
/// part files. Any failure (a member's bad input, a full disk) stops the run the same
/// way and returns [`Error::Ensemble`], which names the parts directory: running the
/// same ensemble again resumes.
pub fn run_ensemble(
    plan: &Plan,
    opts: &EnsembleOptions,
    on_event: &(dyn Fn(&EnsembleEvent) + Sync),
    cancel: &Cancel,
) -> Result<SummaryTable, Error> {
    let out = &opts.out;
    check_output(out, opts.force)?;
    let mine = plan.shard(opts.shard);
    let dir = parts_dir(out);
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        what: format!("cannot create the parts directory {}", dir.display()),
        source,
    })?;
    // Whatever happens below, an empty parts directory does not stay behind (a failed
    // write of the first part, say); one holding finished parts stays for resume.
    let _empty_parts = RemoveIfEmpty(&dir);
    // Stale temporary files of killed runs.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().contains(".partial-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let mut todo = Vec::new();
    let mut resumed = 0usize;
    for m in &mine {
        let p = part_path(&dir, m.index);
        if p.exists() {
            match cnn_io::read_member_info(&p) {
                Ok(info) if info.index == m.index && info.config_hash == plan.hash => {
                    resumed += 1;
                    continue;
                }
                _ => {
                    let _ = std::fs::remove_file(&p);
                }
            }
        }
        todo.push(*m);
    }
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    on_event(&EnsembleEvent::Started {
        members: plan.members.len(),
        mine: mine.len(),
        resumed,
        to_run: todo.len(),
        jobs,
        parts: dir.clone(),
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::input(format!("--jobs {jobs}: cannot start the threads: {e}")))?;

    // Members watch `stop`: tripped by the caller's token (relayed below) or by the
    // first failure.
    let stop = Cancel::new();
    let finished = Cancel::new();
    let (tx, rx) = mpsc::channel::<Done>();
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let (mut done, mut ok) = (resumed, 0usize);
            let mut first_error = None;
            for msg in rx {
                match msg {
                    Done::Member {
                        info,
                        record,
                        report,
                    } => {
                        if first_error.is_some() {
                            continue;
                        }
                        let success = record.success == Some(true);
                        if let Err(e) =
                            cnn_io::write_member_part(&part_path(&dir, info.index), &info, &record)
                        {
                            first_error = Some(Error::File(e));
                            stop.cancel();
                            continue;
                        }
                        done += 1;
                        ok += usize::from(success);
                        on_event(&EnsembleEvent::MemberDone {
                            report,
                            done,
                            succeeded: ok,
                        });
                    }
                    Done::Error(e) => {
                        if first_error.is_none() {
                            first_error = Some(e);
                        }
                        stop.cancel();
                    }
                }
            }
            (done, first_error)
        });
        // Relays the caller's cancellation to the members until the pool is done.
        scope.spawn(|| {
            while !finished.is_cancelled() {
                if cancel.is_cancelled() {
                    stop.cancel();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        pool.install(|| {
            todo.par_iter().with_max_len(1).for_each_with(tx, |tx, m| {
                // The caller's token is read here too, so that no member starts after a
                // cancellation (the relay below trips running members within 20 ms).
                if stop.is_cancelled() || cancel.is_cancelled() {
                    return;
                }
                let options = RunOptions {
                    pca: plan.record == RecordLevel::Full,
                    ..RunOptions::default()
                };
                let started = std::time::Instant::now();
                let result = plan
                    .experiment(m)
                    .map_err(Error::from)
                    .and_then(|exp| run(&exp, &options, &mut [], &stop));
                let wall_s = started.elapsed().as_secs_f64();
                let msg = match result {
                    Ok(record) => {
                        let report = report(m, &plan.swept, &record, wall_s);
                        let record = match plan.record {
                            RecordLevel::Full => record,
                            RecordLevel::Summary => strip(record),
                        };
                        Done::Member {
                            info: MemberInfo {
                                index: m.index,
                                config_hash: plan.hash.clone(),
                                wall_s,
                            },
                            record: Box::new(record),
                            report,
                        }
                    }
                    Err(Error::Interrupted { .. }) => return,
                    Err(e) => Done::Error(Error::Member {
                        index: m.index,
                        source: Box::new(e),
                    }),
                };
                let _ = tx.send(msg);
            });
        });
        finished.cancel();
        writer.join()
    });
    let (done, first_error) =
        written.map_err(|_| Error::input("the ensemble's writer thread panicked"))?;
    let stopped = |source: Error| Error::Ensemble {
        source: Box::new(source),
        done,
        total: mine.len(),
        parts: dir.clone(),
    };
    if let Some(e) = first_error {
        return Err(stopped(e));
    }
    if done < mine.len() {
        return Err(stopped(Error::Cancelled));
    }

    let meta = EnsembleMeta {
        cnn_version: env!("CARGO_PKG_VERSION").to_string(),
        config_toml: plan.config_toml.clone(),
        config_hash: plan.hash.clone(),
        n_members: plan.members.len() as u64,
        swept: plan.swept.clone(),
        record: plan.record.name().to_string(),
        shard: opts.shard,
    };
    let parts: Vec<PathBuf> = mine.iter().map(|m| part_path(&dir, m.index)).collect();
    assemble(
        out,
        &meta,
        opts.force,
        parts
            .iter()
            .map(|p| cnn_io::read_member_part(p).map_err(Error::from)),
    )
    .map_err(stopped)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(EnsembleReader::open(out)?.summary()?)
}
