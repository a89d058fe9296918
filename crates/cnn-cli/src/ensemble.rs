//! `cnn run` on an ensemble config, `cnn merge` and `cnn info` of ensemble files: the
//! progress bar, the member lines, the summary table and the Ctrl-C handler. The work is
//! `cnn_experiment::run_ensemble` and `cnn_experiment::merge`.

use crate::args::RunArgs;
use crate::exit::{Failure, INTERRUPTED};
use cnn_experiment::{
    run_ensemble, EnsembleEvent, EnsembleOptions, ErrorKind, MemberReport, Plan, Verdict,
};
use cnn_io::{Column, EnsembleReader, SummaryTable};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn member_line(r: &MemberReport) -> String {
    let vals: Vec<String> = r
        .values
        .iter()
        .map(|(k, v)| format!(", {k} = {v}"))
        .collect();
    let verdict = match &r.verdict {
        Verdict::Success => "success".to_string(),
        Verdict::Failed => "failed".to_string(),
        Verdict::Diverged(m) => format!("diverged ({m})"),
    };
    let corr = r
        .test_corr
        .map(|c| format!(", test corr {c:.4}"))
        .unwrap_or_default();
    format!(
        "member {} (seed {}{}): {verdict}{corr}, {:.1} s",
        r.index,
        r.seed,
        vals.concat(),
        r.wall_s
    )
}

/// `cnn run` on an ensemble config.
pub fn run(plan: &Plan, shard: Option<(u64, u64)>, args: RunArgs) -> Result<u8, Failure> {
    args.refuse_single_flags()?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(match shard {
            Some((k, n)) => format!("{}.shard-{k}-of-{n}.h5", plan.name()),
            None => format!("{}.h5", plan.name()),
        })
    });
    let opts = EnsembleOptions {
        out,
        force: args.force,
        jobs: args.jobs.unwrap_or(0),
        shard,
    };
    let (quiet, verbose) = (args.quiet, args.verbose && !args.quiet);
    let cancel = crate::exit::cancel_on_ctrl_c(quiet);
    let bar = if !quiet && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template(
        "members {pos}/{len} [{bar:30}] {elapsed_precise} ETA {eta} {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let resumed_before = AtomicUsize::new(0);
    let on_event = |e: &EnsembleEvent| match e {
        EnsembleEvent::Started {
            members,
            mine,
            resumed,
            to_run,
            jobs,
            parts,
        } => {
            resumed_before.store(*resumed, Ordering::Relaxed);
            bar.set_length(*mine as u64);
            bar.set_position(*resumed as u64);
            if quiet {
                return;
            }
            if !plan.description().is_empty() {
                eprintln!("cnn: {}", plan.description());
            }
            let shard = shard
                .map(|(k, n)| format!(", shard {k}/{n}: {mine} of them"))
                .unwrap_or_default();
            let sweep = if plan.swept().is_empty() {
                String::new()
            } else {
                format!(", sweeping {}", plan.swept().join(", "))
            };
            bar.suspend(|| {
                eprintln!(
                    "cnn: ensemble {}: {members} members{sweep}{shard}; {to_run} to run on {jobs} thread(s){}",
                    plan.name(),
                    if *resumed > 0 {
                        format!(", {resumed} already done in {} (resuming)", parts.display())
                    } else {
                        String::new()
                    }
                )
            });
        }
        EnsembleEvent::MemberDone {
            report,
            done,
            succeeded,
        } => {
            // The message first, so the bar never shows a count ahead of its message.
            let now = done.saturating_sub(resumed_before.load(Ordering::Relaxed));
            bar.set_message(format!("success {succeeded}/{now}"));
            bar.set_position(*done as u64);
            if verbose {
                bar.suspend(|| eprintln!("{}", member_line(report)));
            }
        }
    };
    let result = run_ensemble(plan, &opts, &on_event, &cancel);
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) if e.kind() == ErrorKind::Interrupted => {
            eprintln!("cnn: {e}");
            return Ok(INTERRUPTED);
        }
        Err(e) => return Err(e.into()),
    };
    if !quiet {
        print_table(plan.swept(), &summary);
        println!("wrote {}", opts.out.display());
    }
    if args.plot {
        for p in crate::plot::ensemble::figures_beside(&opts.out)? {
            if !quiet {
                println!("wrote {}", p.display());
            }
        }
    }
    Ok(0)
}

fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Prints success and median metrics per sweep point.
fn print_table(swept: &[String], s: &SummaryTable) {
    let rows = s.rows();
    let key_cols: Vec<Vec<f64>> = swept
        .iter()
        .filter_map(|k| s.get(k).map(Column::as_f64))
        .collect();
    let success = s.get("success").map(Column::as_f64).unwrap_or_default();
    let pick = |name: &str| s.get(name).map(Column::as_f64);
    let corr = pick("test.best_corr").or_else(|| pick("test.best_corr.0"));
    let mae = pick("train.mae").or_else(|| pick("train.mae.0"));
    let w = pick("train.w_norm").or_else(|| pick("train.w_norm.0"));
    let mut points: Vec<Vec<f64>> = Vec::new();
    for i in 0..rows {
        let p: Vec<f64> = key_cols.iter().map(|c| c[i]).collect();
        if !points
            .iter()
            .any(|q| q.iter().zip(&p).all(|(a, b)| a.to_bits() == b.to_bits()))
        {
            points.push(p);
        }
    }
    // Each swept column as wide as its key (at least 14), so long keys stay aligned.
    let widths: Vec<usize> = swept.iter().map(|k| k.len().max(14)).collect();
    let head: Vec<String> = swept
        .iter()
        .zip(&widths)
        .map(|(k, w)| format!("{k:>w$}"))
        .collect();
    println!(
        "{} {:>7} {:>9} {:>12} {:>13} {:>9}",
        head.join(" "),
        "members",
        "success",
        "train MAE",
        "test corr",
        "|w|"
    );
    let mut total_ok = 0usize;
    for p in &points {
        let idx: Vec<usize> = (0..rows)
            .filter(|&i| {
                key_cols
                    .iter()
                    .zip(p)
                    .all(|(c, v)| c[i].to_bits() == v.to_bits())
            })
            .collect();
        let ok = idx
            .iter()
            .filter(|&&i| success.get(i) == Some(&1.0))
            .count();
        total_ok += ok;
        let med = |c: &Option<Vec<f64>>| {
            c.as_ref()
                .map(|c| median(&idx.iter().map(|&i| c[i]).collect::<Vec<_>>()))
                .unwrap_or(f64::NAN)
        };
        let vals: Vec<String> = p
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:>w$}"))
            .collect();
        println!(
            "{} {:>7} {:>9} {:>12.5} {:>13.4} {:>9.4}",
            vals.join(" "),
            idx.len(),
            format!("{ok}/{}", idx.len()),
            med(&mae),
            med(&corr),
            med(&w)
        );
    }
    println!("success: {total_ok} of {rows} members (medians over seeds)");
    print_health(s);
}

/// One line on the numerical health of P over all members: the worst member for the
/// smallest `1 + r.P r` and the smallest diagonal of P, and the skipped updates.
fn print_health(s: &SummaryTable) {
    let (Some(den), Some(diag), Some(skip), Some(member)) = (
        s.get(cnn_experiment::ensemble::HEALTH_COLUMNS[0])
            .map(Column::as_f64),
        s.get(cnn_experiment::ensemble::HEALTH_COLUMNS[1])
            .map(Column::as_f64),
        s.get(cnn_experiment::ensemble::HEALTH_COLUMNS[2])
            .map(Column::as_f64),
        s.get("member").map(Column::as_f64),
    ) else {
        return;
    };
    let worst = |c: &[f64]| {
        c.iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, &v)| (v, member[i]))
    };
    let (Some((d, dm)), Some((p, pm))) = (worst(&den), worst(&diag)) else {
        return;
    };
    let skipped: f64 = skip.iter().filter(|v| !v.is_nan()).sum();
    println!(
        "health: min 1 + r.Pr {d:.6} (member {dm}), min diag(P) {p:.3e} (member {pm}), \
         skipped updates {skipped}"
    );
}

/// `cnn info` for an ensemble or shard file.
pub fn info(path: &Path) -> Result<u8, Failure> {
    let r = EnsembleReader::open(path)?;
    let m = r.meta();
    let present = r.member_indices()?;
    let what = match m.shard {
        Some((k, n)) => format!("cnn ensemble shard {k}/{n}"),
        None => "cnn ensemble file".to_string(),
    };
    println!(
        "{}: {what} (cnn {}), config hash {}",
        path.display(),
        m.cnn_version,
        m.config_hash
    );
    println!(
        "members: {} of {} in this file, recording level {}",
        present.len(),
        m.n_members,
        m.record
    );
    if m.swept.is_empty() {
        println!("sweep: none (seeds only)");
    } else {
        println!("sweep: {}", m.swept.join(", "));
    }
    let s = r.summary()?;
    print_table(&m.swept, &s);
    Ok(0)
}

/// `cnn merge`.
pub fn merge(
    shards: &[PathBuf],
    out: &Path,
    allow_partial: bool,
    force: bool,
) -> Result<u8, Failure> {
    let m = cnn_experiment::merge(shards, out, allow_partial, force)?;
    println!(
        "merged {} members from {} file(s) into {}{}",
        m.members,
        m.files,
        out.display(),
        if m.missing.is_empty() {
            String::new()
        } else {
            format!(" ({} missing)", m.missing.len())
        }
    );
    Ok(0)
}
