//! The `run`, `validate` and `info` commands.

use crate::checkpoint::{self, Saved};
use crate::config::{self, ConfigError, Experiment, Override, Source};
use crate::progress::Progress;
use crate::{presets, Failure};
use cnn_core::Phase;
use cnn_io::{NetworkRecord, RunMeta, RunRecord, RunStatus};
use cnn_train::{Segment, Termination, Trainer};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Set by the Ctrl-C / SIGTERM handler of a single run: the run pauses after the current
/// step, writes its checkpoint and exits 130.
static PAUSE: AtomicBool = AtomicBool::new(false);

/// Loads a config file or preset, applies `--set` overrides and validates.
pub fn load_experiment(config: Option<&str>, set: &[String]) -> Result<Experiment, Failure> {
    let overrides = parse_overrides(set)?;
    let (text, source) = load_source(config)?;
    config::load(&text, &source, &overrides).map_err(Failure::input)
}

/// Parses `--set KEY=VALUE` arguments.
pub fn parse_overrides(set: &[String]) -> Result<Vec<Override>, Failure> {
    set.iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, ConfigError>>()
        .map_err(Failure::input)
}

/// The text of a config file or preset (default: the default preset).
pub fn load_source(config: Option<&str>) -> Result<(String, Source), Failure> {
    let name = config.unwrap_or(presets::DEFAULT);
    let path = Path::new(name);
    let (text, source) = if path.exists() || config.is_some_and(|c| c.ends_with(".toml")) {
        if path.is_dir() {
            return Err(Failure::input(format!(
                "{name} is a directory, not a config file"
            )));
        }
        config::read_file(path).map_err(Failure::input)?
    } else if let Some(text) = presets::get(name) {
        (
            text.to_string(),
            Source {
                display: format!("preset {name}"),
                name: name.to_string(),
                base_dir: PathBuf::from("."),
            },
        )
    } else {
        return Err(Failure::input(format!(
            "{name}: no such config file, and no preset of that name (presets: {})",
            presets::PRESETS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    Ok((text, source))
}

/// `cnn validate`.
pub fn validate(config: &str, set: &[String], print: bool) -> Result<u8, Failure> {
    let overrides = parse_overrides(set)?;
    let (text, source) = load_source(Some(config))?;
    if let Some(plan) =
        crate::ensemble::load_plan(&text, &source, &overrides).map_err(Failure::input)?
    {
        if print {
            print!("{}", plan.config_toml);
        } else {
            println!(
                "{config}: ok (ensemble of {} members{}; every member's config is valid)",
                plan.members.len(),
                if plan.swept.is_empty() {
                    String::new()
                } else {
                    format!(", sweeping {}", plan.swept.join(", "))
                }
            );
        }
        return Ok(0);
    }
    let exp = load_experiment(Some(config), set)?;
    if print {
        print!("{}", exp.resolved_toml);
    } else {
        println!(
            "{config}: ok (architecture {}, N_G = {}, {} output(s), {} + {} + {} steps of {} ms, learning every {} steps{})",
            exp.arch.kind.name(),
            exp.spec.n_g,
            exp.spec.n_out,
            exp.steps.spontaneous,
            exp.steps.train,
            exp.steps.test,
            exp.spec.dt_ms,
            exp.steps.learn_every,
            exp.arch.describe(&exp.spec)
        );
    }
    Ok(0)
}

/// Refuses an output that exists (without `--force`), is a directory, or cannot be
/// written, before any work starts.
pub(crate) fn check_output(out: &Path, force: bool) -> Result<(), Failure> {
    if out.is_dir() {
        return Err(Failure::input(format!(
            "--out {}: is a directory; give a file name ending in .h5",
            out.display()
        )));
    }
    if out.exists() && !force {
        return Err(Failure::input(format!(
            "{} already exists; use --force to overwrite it",
            out.display()
        )));
    }
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Failure::input(format!(
            "--out {}: the directory {} {}",
            out.display(),
            dir.display(),
            if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            }
        )));
    }
    let probe = dir.join(format!(".cnn-write-probe-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(Failure::input(format!(
            "--out {}: cannot write in {}: {e}",
            out.display(),
            dir.display()
        ))),
    }
}

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
    #[arg(short, long, default_value_t = 0)]
    pub jobs: usize,
    /// Ensemble: run only members with index % N == K into a shard file (merge the
    /// shards with `cnn merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Ensemble: one line per finished member.
    #[arg(short, long)]
    pub verbose: bool,
    /// Single run: threads for the one network (step and RLS update split in
    /// blocks; 0: all cores). Pays from about N = 2000; results do not depend on it.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Single run: write the checkpoint OUT.checkpoint every this many seconds of wall
    /// clock (0: only on Ctrl-C / SIGTERM). It holds everything to continue bit for
    /// bit and is removed when the run completes.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub checkpoint_every_s: f64,
    /// Single run: checkpoint every this many steps instead (for tests).
    #[arg(long, hide = true)]
    pub checkpoint_every_steps: Option<u64>,
    /// Single run: continue an interrupted run from OUT.checkpoint (same config and
    /// --set values); the result equals the uninterrupted run bit for bit.
    #[arg(long)]
    pub resume: bool,
}

/// When a single run writes checkpoints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Every {
    /// Only on Ctrl-C / SIGTERM.
    Never,
    /// After the first step past this much wall clock since the last one.
    Wall(Duration),
    /// Every this many steps.
    Steps(u64),
}

/// Checkpointing of one single run.
pub struct CheckpointOptions {
    /// `OUT.checkpoint`.
    pub path: PathBuf,
    /// When to write one.
    pub every: Every,
    /// The checkpoint to continue from (`--resume`).
    pub resume: Option<Saved>,
}

/// `cnn run`.
pub fn run(config: Option<&str>, set: &[String], args: RunArgs) -> Result<u8, Failure> {
    let RunArgs {
        out,
        force,
        quiet,
        plot,
        jobs,
        shard,
        verbose,
        threads,
        checkpoint_every_s,
        checkpoint_every_steps,
        resume,
    } = args;
    let overrides = parse_overrides(set)?;
    let (text, source) = load_source(config)?;
    let shard = shard
        .as_deref()
        .map(crate::ensemble::parse_shard)
        .transpose()?;
    if let Some(plan) =
        crate::ensemble::load_plan(&text, &source, &overrides).map_err(Failure::input)?
    {
        let out = out.unwrap_or_else(|| {
            PathBuf::from(match shard {
                Some((k, n)) => format!("{}.shard-{k}-of-{n}.h5", plan.name),
                None => format!("{}.h5", plan.name),
            })
        });
        return crate::ensemble::run(
            &plan,
            &crate::ensemble::RunOptions {
                out,
                force,
                jobs,
                shard,
                quiet,
                verbose,
                plot,
            },
        );
    }
    if resume && shard.is_some() {
        return Err(Failure::input(
            "--resume is for single runs; an ensemble resumes by running the same command again",
        ));
    }
    if shard.is_some() {
        return Err(Failure::input(format!(
            "--shard: {} is not an ensemble config (it has no [ensemble] or [sweep] table)",
            source.display
        )));
    }
    let exp = config::load(&text, &source, &overrides).map_err(Failure::input)?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.h5", exp.name)));
    check_output(&out, force)?;
    let every = match checkpoint_every_steps {
        Some(0) | None if checkpoint_every_s == 0.0 => Every::Never,
        Some(k) if k > 0 => Every::Steps(k),
        _ => {
            if !(checkpoint_every_s > 0.0 && checkpoint_every_s < 1e9) {
                return Err(Failure::input(format!(
                    "--checkpoint-every-s {checkpoint_every_s}: give seconds > 0 (0 writes \
                     checkpoints only on Ctrl-C)"
                )));
            }
            Every::Wall(Duration::from_secs_f64(checkpoint_every_s))
        }
    };
    let ckpt_path = checkpoint::path_for(&out);
    let saved = if resume {
        if !ckpt_path.exists() {
            return Err(Failure::input(format!(
                "--resume: there is no checkpoint {} (the run finished, or never wrote one)",
                ckpt_path.display()
            )));
        }
        let saved = checkpoint::read(&ckpt_path).map_err(Failure::input)?;
        if saved.config_toml != exp.resolved_toml {
            return Err(Failure::input(format!(
                "--resume: {} was written by a run with another config (or other --set \
                 values); resume with the same config, or start over with --force",
                ckpt_path.display()
            )));
        }
        Some(saved)
    } else {
        if ckpt_path.exists() && !force {
            return Err(Failure::input(format!(
                "{} exists: an earlier run of {} was interrupted; continue it with --resume, \
                 or start over with --force",
                ckpt_path.display(),
                out.display()
            )));
        }
        None
    };
    let handler = ctrlc::set_handler(|| {
        if PAUSE.swap(true, Ordering::SeqCst) {
            // A second Ctrl-C: leave now (the last checkpoint stays).
            std::process::exit(130);
        }
    });
    if let Err(e) = handler {
        if !quiet {
            eprintln!("cnn: note: cannot install the Ctrl-C handler ({e})");
        }
    }
    if let (Some(s), false) = (&saved, quiet) {
        eprintln!(
            "cnn: resuming from {} at t = {} ms (step {} of {})",
            ckpt_path.display(),
            s.trainer.step as f64 * exp.spec.dt_ms,
            s.trainer.step,
            exp.steps.total()
        );
    }
    if !quiet {
        if !exp.description.is_empty() {
            eprintln!("cnn: {}", exp.description);
        }
        if !exp.expect.is_empty() {
            eprintln!("cnn: expected: {}", exp.expect);
        }
        eprintln!(
            "cnn: {} (seed {}): architecture {}, N_G = {}, {} output(s), {} ms spontaneous + {} ms training + {} ms test, dt {} ms{}",
            exp.name,
            exp.seed,
            exp.arch.kind.name(),
            exp.spec.n_g,
            exp.spec.n_out,
            exp.protocol.spontaneous_ms,
            exp.protocol.train_ms,
            exp.protocol.test_ms,
            exp.spec.dt_ms,
            exp.arch.describe(&exp.spec)
        );
    }
    let result = run_single(
        &exp,
        &MemberOptions {
            progress: !quiet && std::io::stderr().is_terminal(),
            quiet,
            stop: None,
            pca: true,
        },
        threads,
        Some(CheckpointOptions {
            path: ckpt_path.clone(),
            every,
            resume: saved,
        }),
    )?;
    let Some(MemberResult {
        record,
        outcome,
        wall_s: wall,
    }) = result
    else {
        let mut cmd = format!(
            "cnn run {} --out {} --resume",
            config.unwrap_or(presets::DEFAULT),
            out.display()
        );
        for s in set {
            cmd.push_str(&format!(" --set {s}"));
        }
        eprintln!(
            "cnn: interrupted; the state is saved in {}\ncnn: to resume: {cmd}",
            ckpt_path.display()
        );
        return Ok(130);
    };
    let status = record.meta.status.clone();
    cnn_io::write_run(&out, &record, force).map_err(Failure::input)?;
    let _ = std::fs::remove_file(&ckpt_path);

    let simulated_ms = outcome.steps as f64 * exp.spec.dt_ms;
    if !quiet {
        print_summary(&exp, &outcome, &out, simulated_ms, wall);
    }
    if let (Some(p), false) = (&record.pca, quiet) {
        println!("{}", crate::pca::summary(p, exp.spec.n_out));
    }
    if plot {
        for path in crate::plot::figures_beside(&out, &record)? {
            if !quiet {
                println!("wrote {}", path.display());
            }
        }
    }
    match (&outcome.termination, outcome.success) {
        (Termination::Finished, true) => Ok(0),
        (Termination::Finished, false) => {
            eprintln!(
                "cnn: training failed the success criterion (see the test-phase metrics above)"
            );
            Ok(1)
        }
        (_, _) => {
            eprintln!("cnn: the run stopped early: {}", status.message());
            Ok(1)
        }
    }
}

/// How [`run_member`] runs.
pub struct MemberOptions<'a> {
    /// Show the per-run progress bar on stderr.
    pub progress: bool,
    /// No notes on stderr.
    pub quiet: bool,
    /// Stops the run after the current step once set (Ctrl-C).
    pub stop: Option<&'a AtomicBool>,
    /// Compute `/analysis/pca` (when the test phase is non-empty).
    pub pca: bool,
}

/// One finished (or stopped) run: the record to write and the trainer's outcome.
pub struct MemberResult {
    /// What the run file holds.
    pub record: RunRecord,
    /// Termination, metrics, success.
    pub outcome: cnn_train::Outcome,
    /// Wall-clock seconds of the simulation (and PCA).
    pub wall_s: f64,
}

/// Runs one validated experiment: the code path of `cnn run` for a single config and of
/// every ensemble member. Writes nothing.
pub fn run_member(exp: &Experiment, opts: &MemberOptions<'_>) -> Result<MemberResult, Failure> {
    run_member_threads(exp, opts, 1)
}

/// [`run_member`] with `threads` threads for the one network (`--threads`; 0: all cores).
pub fn run_member_threads(
    exp: &Experiment,
    opts: &MemberOptions<'_>,
    threads: usize,
) -> Result<MemberResult, Failure> {
    run_single(exp, opts, threads, None)?
        .ok_or_else(|| Failure::input("the run paused without a checkpoint to write"))
}

/// [`run_member_threads`] with checkpoints: writes `ckpt.path` as `ckpt.every` says and
/// on Ctrl-C / SIGTERM, continues from `ckpt.resume`. `Ok(None)`: interrupted, the
/// checkpoint is written.
pub fn run_single(
    exp: &Experiment,
    opts: &MemberOptions<'_>,
    threads: usize,
    mut ckpt: Option<CheckpointOptions>,
) -> Result<Option<MemberResult>, Failure> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    };
    let started = Instant::now();
    let mut net = exp
        .arch
        .build_network(&exp.spec, exp.seed)
        .map_err(Failure::input)?;
    // Only the (small) initial state is copied now; the connectivity is copied into the
    // record after the run, so it is never held twice while P is alive.
    let initial = cnn_io::InitialState::capture(&net);
    let updates = exp.steps.train / exp.steps.learn_every;
    let mut recorder = cnn_io::Recorder::new(exp.rates_index.clone(), exp.decimate)
        .with_capacity_hint(Phase::Spontaneous, exp.steps.spontaneous, 0)
        .with_capacity_hint(Phase::Train, exp.steps.train, updates)
        .with_capacity_hint(Phase::Test, exp.steps.test, 0);
    let mut progress = Progress::new(exp.steps.total(), opts.progress);
    let mut pca_observer = if opts.pca {
        crate::pca::observer(exp, opts.quiet)
    } else {
        None
    };
    let resume = ckpt.as_mut().and_then(|c| c.resume.take());
    let mut trainer_state = None;
    if let Some(saved) = resume {
        // The PCA observer's network at the test-phase start: the current network (the
        // test phase trains nothing) with the state the recorder kept at that start.
        if let (Some(o), Some(cv)) = (pca_observer.as_mut(), saved.covariance) {
            let mut start = net.clone();
            saved
                .trainer
                .network
                .restore(&mut start)
                .map_err(Failure::input)?;
            if let Some(p) = saved.phases.iter().find(|p| p.phase == Phase::Test) {
                start
                    .set_state(&p.x_start, &p.z_start)
                    .map_err(Failure::input)?;
                if let Some(y) = &p.y_start {
                    start.set_feedback_state(y).map_err(Failure::input)?;
                }
            }
            o.restore(cv, start).map_err(Failure::input)?;
        }
        recorder = recorder.resume(saved.phases, exp.spec.n_out);
        trainer_state = Some(saved.trainer);
    }
    let outcome = loop {
        let mut trainer = Trainer::new(&mut net, exp.target.as_ref(), exp.protocol)
            .map_err(Failure::input)?
            .criterion(exp.criterion)
            .threads(threads)
            .map_err(Failure::input)?
            .feedback(exp.arch.feedback)
            .map_err(Failure::input)?
            .shared_p(exp.arch.shared_p)
            .rls_update(exp.rls_update)
            .observe(&mut recorder)
            .observe(&mut progress);
        if let Some(o) = pca_observer.as_mut() {
            trainer = trainer.observe(o);
        }
        if let Some((_, signals)) = &exp.arch.inputs {
            trainer = trainer.inputs(signals.as_ref()).map_err(Failure::input)?;
        }
        if let Some(flag) = opts.stop {
            trainer = trainer.stop_flag(flag);
        }
        if let Some(c) = &ckpt {
            trainer = trainer.pause_flag(&PAUSE);
            match c.every {
                Every::Never => {}
                Every::Wall(d) => trainer = trainer.pause_at(Instant::now() + d),
                Every::Steps(k) => trainer = trainer.pause_every_steps(k),
            }
        }
        if let Some(state) = trainer_state.take() {
            trainer = trainer.resume_from(state).map_err(Failure::input)?;
        }
        match trainer.run_segment().map_err(Failure::input)? {
            Segment::Ended(outcome) => break outcome,
            Segment::Paused(state) => {
                let Some(c) = &ckpt else {
                    return Ok(None);
                };
                let saved = Saved {
                    config_toml: exp.resolved_toml.clone(),
                    trainer: *state,
                    phases: recorder.phases().to_vec(),
                    covariance: pca_observer.as_ref().and_then(|o| o.state()),
                };
                let t0 = Instant::now();
                let bytes = checkpoint::write(&c.path, &saved).map_err(|e| {
                    Failure::input(format!(
                        "cannot write the checkpoint {}: {e}",
                        c.path.display()
                    ))
                })?;
                if std::env::var_os("CNN_CHECKPOINT_LOG").is_some() {
                    eprintln!(
                        "cnn: checkpoint at step {}: {bytes} bytes in {:.3} s",
                        saved.trainer.step,
                        t0.elapsed().as_secs_f64()
                    );
                }
                if PAUSE.load(Ordering::SeqCst) {
                    progress.finish();
                    return Ok(None);
                }
                trainer_state = Some(saved.trainer);
            }
        }
    };
    progress.finish();
    let wall = started.elapsed().as_secs_f64();

    let status = match &outcome.termination {
        Termination::Finished => RunStatus::Complete,
        Termination::Diverged { t_ms, quantity, .. } => RunStatus::Diverged {
            message: format!("{quantity} at t = {t_ms} ms"),
        },
        Termination::Interrupted { t_ms, .. } => RunStatus::Diverged {
            message: format!("interrupted at t = {t_ms} ms"),
        },
    };
    let network = NetworkRecord::from_run(initial, &net).map_err(Failure::input)?;
    let metrics = outcome
        .metrics
        .iter()
        .map(|m| cnn_io::PhaseMetrics {
            phase: m.phase,
            values: m
                .named()
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect(),
            success: None,
        })
        .collect();
    let record = RunRecord {
        meta: RunMeta {
            cnn_version: env!("CARGO_PKG_VERSION").to_string(),
            config_toml: exp.resolved_toml.clone(),
            seed: exp.seed,
            status: status.clone(),
        },
        network,
        phases: recorder.into_phases(),
        metrics,
        success: Some(outcome.success),
        pca: match outcome.termination {
            Termination::Finished => crate::pca::record(pca_observer, exp)?,
            _ => None,
        },
        health: Some(health_record(&outcome.health)),
    };
    Ok(Some(MemberResult {
        record,
        outcome,
        wall_s: wall,
    }))
}

/// The run file's `/health` record from the trainer's health groups.
fn health_record(groups: &[cnn_train::LearnerHealth]) -> cnn_io::HealthRecord {
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

fn print_summary(
    exp: &Experiment,
    outcome: &cnn_train::Outcome,
    out: &Path,
    simulated_ms: f64,
    wall: f64,
) {
    println!(
        "{:<12} {:>3} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "phase", "out", "MAE", "RMS", "RMS/std", "corr", "|w|", "|dw/dt|"
    );
    for m in &outcome.metrics {
        for (k, o) in m.outputs.iter().enumerate() {
            println!(
                "{:<12} {:>3} {:>10.5} {:>10.5} {:>9.4} {:>9.4} {:>9.4} {:>9.2e}",
                m.phase.name(),
                k,
                o.mae,
                o.rms,
                o.rms_norm,
                o.best_corr,
                o.w_norm,
                o.dw_norm
            );
        }
    }
    let verdict = match &outcome.termination {
        Termination::Finished => {
            if outcome.success {
                "success".to_string()
            } else {
                "FAILED".to_string()
            }
        }
        Termination::Diverged { t_ms, quantity, .. } => {
            format!("DIVERGED ({quantity} at t = {t_ms} ms)")
        }
        Termination::Interrupted { t_ms, .. } => format!("INTERRUPTED at t = {t_ms} ms"),
    };
    println!("result: {verdict}");
    println!(
        "speed: {:.0} simulated ms per wall second ({:.1} s for {:.0} ms, N_G = {})",
        simulated_ms / wall.max(1e-9),
        wall,
        simulated_ms,
        exp.spec.n_g
    );
    println!("wrote {}", out.display());
}

/// `cnn info`.
pub fn info(path: &Path) -> Result<u8, Failure> {
    checkpoint::refuse_unfinished(path)?;
    if cnn_io::file_format(path).map_err(Failure::input)? == cnn_io::ENSEMBLE_FORMAT {
        return crate::ensemble::info(path);
    }
    let s = cnn_io::read_summary(path).map_err(Failure::input)?;
    println!(
        "{}: cnn run file (cnn {}), seed {}",
        path.display(),
        s.meta.cnn_version,
        s.meta.seed
    );
    println!(
        "status: {}{}",
        s.meta.status.name(),
        match s.meta.status.message() {
            "" => String::new(),
            m => format!(" ({m})"),
        }
    );
    println!(
        "success: {}",
        match s.success {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        }
    );
    let params: Vec<String> = s
        .params
        .iter()
        .map(|(k, v)| format!("{k} = {v:?}"))
        .collect();
    println!(
        "network: architecture {}, N_G = {}, {} output(s), {} connections; {}",
        s.architecture,
        s.n_g,
        s.n_out,
        s.nnz,
        params.join(", ")
    );
    let mut extras = Vec::new();
    if s.n_f > 0 {
        extras.push(format!(
            "feedback network of N_F = {} units (J^FG trained)",
            s.n_f
        ));
    }
    if s.n_trained > 0 {
        extras.push(format!("{} units with trained J^GG rows", s.n_trained));
    }
    if s.n_in > 0 {
        extras.push(format!("{} input line(s)", s.n_in));
    }
    if !extras.is_empty() {
        println!("         {}", extras.join(", "));
    }
    for p in &s.phases {
        println!(
            "phase {:<12} {:>9.1} ms  [{:.1}, {:.1}) ms  {} rows, {} rates, {} updates",
            p.phase.name(),
            p.duration_ms(),
            p.t_start_ms,
            p.t_end_ms,
            p.rows,
            p.n_rates,
            p.updates
        );
    }
    for m in &s.metrics {
        for (name, values) in &m.values {
            let v: Vec<String> = values.iter().map(|x| format!("{x:.5}")).collect();
            println!(
                "metrics {:<12} {:<17} {}",
                m.phase.name(),
                name,
                v.join("  ")
            );
        }
    }
    for h in s.health.iter().flat_map(|h| &h.groups) {
        println!(
            "health {}: {} updates{}, min diag(P) {:.3e}, min 1 + r.Pr {}",
            h.learner,
            h.updates,
            if h.skipped_updates > 0 {
                format!(" ({} skipped by the guarded update)", h.skipped_updates)
            } else {
                String::new()
            },
            h.min_p_diagonal,
            short(h.min_denominator)
        );
    }
    Ok(0)
}

/// `x` with 5 decimals when that is readable, in scientific notation otherwise.
fn short(x: f64) -> String {
    if x.is_finite() && (1e-2..1e4).contains(&x.abs()) {
        format!("{x:.5}")
    } else {
        format!("{x:.3e}")
    }
}
