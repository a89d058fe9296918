//! The `run`, `validate` and `info` commands: arguments resolved into engine options,
//! printing, the Ctrl-C / SIGTERM handler. The work is `cnn_experiment::run` and
//! `cnn_experiment::run_ensemble`.

use crate::args::{RunArgs, Single};
use crate::exit::{Failure, INTERRUPTED};
use crate::progress::Progress;
use cnn_experiment::{
    checkpoint, parse_overrides, presets, ConfigText, Error, Experiment, Loaded, RunEvent,
    RunOptions, RunRecord,
};
use cnn_io::RunStatus;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// `cnn validate`.
pub fn validate(config: &str, set: &[String], print: bool) -> Result<u8, Failure> {
    let overrides = parse_overrides(set)?;
    let text = ConfigText::resolve(Some(config))?;
    match text.load(&overrides)? {
        Loaded::Ensemble(plan) => {
            if print {
                print!("{}", plan.config_toml());
            } else {
                println!(
                    "{config}: ok (ensemble of {} members{}; every member's config is valid)",
                    plan.members().len(),
                    if plan.swept().is_empty() {
                        String::new()
                    } else {
                        format!(", sweeping {}", plan.swept().join(", "))
                    }
                );
            }
        }
        Loaded::Single(exp) => {
            if print {
                print!("{}", exp.resolved_toml());
            } else {
                let (spec, steps) = (exp.spec(), exp.steps());
                println!(
                    "{config}: ok (architecture {}, N_G = {}, {} output(s), {} + {} + {} steps of {} ms, learning every {} steps{})",
                    exp.architecture(),
                    spec.n_g,
                    spec.n_out,
                    steps.spontaneous,
                    steps.train,
                    steps.test,
                    spec.dt_ms,
                    steps.learn_every,
                    exp.describe_architecture()
                );
            }
        }
    }
    Ok(0)
}

/// `cnn run`.
pub fn run(config: Option<&str>, set: &[String], args: RunArgs) -> Result<u8, Failure> {
    let overrides = parse_overrides(set)?;
    let text = ConfigText::resolve(config)?;
    let shard = args
        .shard
        .as_deref()
        .map(cnn_experiment::ensemble::parse_shard)
        .transpose()?;
    let exp = match text.load(&overrides)? {
        Loaded::Ensemble(plan) => return crate::ensemble::run(&plan, shard, args),
        Loaded::Single(exp) => exp,
    };
    args.refuse_ensemble_flags(&text.source().display)?;
    let opts = args.single(&exp)?;
    single(&exp, &opts, config, set)
}

/// The header printed before a single run starts.
fn header(exp: &Experiment) {
    if !exp.description().is_empty() {
        eprintln!("cnn: {}", exp.description());
    }
    if !exp.expect().is_empty() {
        eprintln!("cnn: expected: {}", exp.expect());
    }
    let (spec, p) = (exp.spec(), exp.protocol());
    eprintln!(
        "cnn: {} (seed {}): architecture {}, N_G = {}, {} output(s), {} ms spontaneous + {} ms training + {} ms test, dt {} ms{}",
        exp.name(),
        exp.seed(),
        exp.architecture(),
        spec.n_g,
        spec.n_out,
        p.spontaneous_ms,
        p.train_ms,
        p.test_ms,
        spec.dt_ms,
        exp.describe_architecture()
    );
    if spec.n_g > cnn_experiment::record::MAX_PCA_UNITS && exp.steps().test > 0 {
        eprintln!(
            "cnn: note: no PCA for N_G = {} (computed up to N_G = {})",
            spec.n_g,
            cnn_experiment::record::MAX_PCA_UNITS
        );
    }
}

fn single(
    exp: &Experiment,
    o: &Single,
    config: Option<&str>,
    set: &[String],
) -> Result<u8, Failure> {
    let cancel = crate::exit::cancel_on_ctrl_c(o.quiet);
    let quiet = o.quiet;
    let resumed_at = Mutex::new(0u64);
    let log_checkpoints = std::env::var_os("CNN_CHECKPOINT_LOG").is_some();
    let on_event = |e: &RunEvent| match e {
        RunEvent::Started { .. } => {
            if !quiet {
                header(exp);
            }
        }
        RunEvent::Resumed { path, step, t_ms } => {
            if let Ok(mut r) = resumed_at.lock() {
                *r = *step;
            }
            if !quiet {
                eprintln!(
                    "cnn: resuming from {} at t = {t_ms} ms (step {step} of {})",
                    path.display(),
                    exp.steps().total()
                );
            }
        }
        RunEvent::CheckpointWritten {
            step,
            bytes,
            seconds,
            ..
        } => {
            if log_checkpoints {
                eprintln!("cnn: checkpoint at step {step}: {bytes} bytes in {seconds:.3} s");
            }
        }
    };
    // `run` checks the output and any checkpoint (reading it once) before it reports
    // `Started`, so a refused run prints no header.
    let opts = RunOptions {
        threads: o.threads,
        pca: true,
        output: Some(&o.out),
        checkpoint: Some(o.checkpoint),
        on_event: Some(&on_event),
    };
    let mut progress = Progress::new(
        exp.steps().total(),
        !o.quiet && std::io::stderr().is_terminal(),
    );
    let started = Instant::now();
    let result = cnn_experiment::run(exp, &opts, &mut [&mut progress], &cancel);
    progress.finish();
    let wall = started.elapsed().as_secs_f64();
    let record = match result {
        Ok(r) => r,
        Err(Error::Interrupted {
            checkpoint: Some(path),
            ..
        }) => {
            let mut cmd = format!(
                "cnn run {} --out {} --resume",
                config.unwrap_or(presets::DEFAULT),
                o.out.path.display()
            );
            for s in set {
                cmd.push_str(&format!(" --set {s}"));
            }
            eprintln!(
                "cnn: interrupted; the state is saved in {}\ncnn: to resume: {cmd}",
                path.display()
            );
            return Ok(INTERRUPTED);
        }
        Err(e) => return Err(e.into()),
    };
    let resumed = resumed_at.into_inner().unwrap_or(0);
    let steps_run = total_steps(&record, exp).saturating_sub(resumed);
    let simulated_ms = steps_run as f64 * exp.spec().dt_ms;
    if !o.quiet {
        print_summary(exp, &record, &o.out.path, simulated_ms, wall);
        if let Some(p) = &record.pca {
            println!("{}", crate::plot::pca::summary(p, exp.spec().n_out));
        }
    }
    if o.plot {
        for path in crate::plot::figures_beside(&o.out.path, &record)? {
            if !o.quiet {
                println!("wrote {}", path.display());
            }
        }
    }
    Ok(match (&record.meta.status, record.success) {
        (RunStatus::Complete, Some(true)) => 0,
        (RunStatus::Complete, _) => {
            eprintln!(
                "cnn: training failed the success criterion: {}",
                failed_criteria(exp, &record).join("; ")
            );
            1
        }
        (status, _) => {
            eprintln!("cnn: the run stopped early: {}", status.message());
            1
        }
    })
}

/// Steps the record's phases cover (the run's length, or where it diverged).
fn total_steps(record: &RunRecord, exp: &Experiment) -> u64 {
    let end_ms = record
        .phases
        .iter()
        .map(|p| p.t_end_ms)
        .fold(0.0f64, f64::max);
    (end_ms / exp.spec().dt_ms).round() as u64
}

/// Which parts of the success criterion a finished run missed, with the values: on the
/// judged phase (test, or training without one), each output's correlation and amplitude
/// ratio (test) or RMS / std (training) against its bound.
fn failed_criteria(exp: &Experiment, record: &RunRecord) -> Vec<String> {
    let c = exp.criterion();
    let Some(m) = record.metrics.iter().find(|m| m.success.is_some()) else {
        return vec!["no phase was judged: every phase is empty".into()];
    };
    let mut out = Vec::new();
    for k in 0..exp.spec().n_out {
        let at = if exp.spec().n_out > 1 {
            format!(" of output {k}")
        } else {
            String::new()
        };
        if m.phase == cnn_core::Phase::Test {
            let corr = metric(m, "best_corr", k);
            // NaN (no correlation) fails every bound, as in the criterion itself.
            if corr.is_nan() || corr < c.min_corr {
                out.push(format!(
                    "test correlation{at} {corr:.4} < {} (training.success_min_corr)",
                    c.min_corr
                ));
            }
            let amp = metric(m, "amp_ratio", k);
            if amp.is_nan() || amp < c.min_amp_ratio || amp > c.max_amp_ratio {
                out.push(format!(
                    "test amplitude ratio{at} {amp:.4} outside [{}, {}] \
                     (training.success_min_amp_ratio, training.success_max_amp_ratio)",
                    c.min_amp_ratio, c.max_amp_ratio
                ));
            }
        } else {
            let r = metric(m, "rms_norm", k);
            if r.is_nan() || r > c.max_train_rms_norm {
                out.push(format!(
                    "training RMS/std{at} {r:.4} > {} (training.success_max_train_rms_norm; \
                     judged on training because there is no test phase)",
                    c.max_train_rms_norm
                ));
            }
        }
    }
    out
}

/// The value of metric `name` for output `k` of one phase's metrics.
fn metric(m: &cnn_io::PhaseMetrics, name: &str, k: usize) -> f64 {
    m.values
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.get(k).copied())
        .unwrap_or(f64::NAN)
}

fn print_summary(exp: &Experiment, record: &RunRecord, out: &Path, simulated_ms: f64, wall: f64) {
    println!(
        "{:<12} {:>3} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "phase", "out", "MAE", "RMS", "RMS/std", "corr", "amp", "|w|", "|dw/dt|"
    );
    for m in &record.metrics {
        for k in 0..exp.spec().n_out {
            println!(
                "{:<12} {:>3} {:>10.5} {:>10.5} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.2e}",
                m.phase.name(),
                k,
                metric(m, "mae", k),
                metric(m, "rms", k),
                metric(m, "rms_norm", k),
                metric(m, "best_corr", k),
                metric(m, "amp_ratio", k),
                metric(m, "w_norm", k),
                metric(m, "dw_norm", k)
            );
        }
    }
    let verdict = match (&record.meta.status, record.success) {
        (RunStatus::Complete, Some(true)) => "success".to_string(),
        (RunStatus::Complete, _) => format!("FAILED ({})", failed_criteria(exp, record).join("; ")),
        (status, _) => format!("{} ({})", status.name().to_uppercase(), status.message()),
    };
    println!("result: {verdict}");
    println!(
        "speed: {:.0} simulated ms per wall second ({:.1} s for {:.0} ms, N_G = {})",
        simulated_ms / wall.max(1e-9),
        wall,
        simulated_ms,
        exp.spec().n_g
    );
    println!("wrote {}", out.display());
}

/// `cnn info`.
pub fn info(path: &Path) -> Result<u8, Failure> {
    checkpoint::refuse_unfinished(path)?;
    if cnn_io::file_format(path)? == cnn_io::ENSEMBLE_FORMAT {
        return crate::ensemble::info(path);
    }
    let s = cnn_io::read_summary(path)?;
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
