//! Run an ensemble preset (or config) in-process with a progress callback that prints one
//! line per finished member, then print the summary table: success and median test
//! correlation per sweep point.
//!
//! ```text
//! cargo run --release -p cnn-experiment --example run_ensemble -- smoke-ensemble --out s.h5
//! ```

use cnn_experiment::{run_ensemble, Cancel, ConfigText, EnsembleEvent, EnsembleOptions, Loaded};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = args.next().unwrap_or_else(|| "smoke-ensemble".into());
    let out = match (args.next().as_deref(), args.next()) {
        (Some("--out"), Some(p)) => PathBuf::from(p),
        _ => PathBuf::from(format!("{config}.h5")),
    };
    let Loaded::Ensemble(plan) = ConfigText::resolve(Some(&config))?.load(&[])? else {
        return Err(format!("{config} is not an ensemble config").into());
    };
    let options = EnsembleOptions {
        out: out.clone(),
        force: true,
        jobs: 0,
        shard: None,
    };
    let progress = |e: &EnsembleEvent| {
        if let EnsembleEvent::MemberDone { report, done, .. } = e {
            println!(
                "[{done}/{}] member {} (seed {}, {:?}): {:?}, test corr {:.4}, {:.1} s",
                plan.members().len(),
                report.index,
                report.seed,
                report.values,
                report.verdict,
                report.test_corr.unwrap_or(f64::NAN),
                report.wall_s
            );
        }
    };
    let summary = run_ensemble(&plan, &options, &progress, &Cancel::new())?;

    // The summary table: one row per member; group by the swept values.
    let col = |name: &str| summary.get(name).map(|c| c.as_f64()).unwrap_or_default();
    let keys: Vec<Vec<f64>> = plan.swept().iter().map(|k| col(k)).collect();
    let (success, corr) = (col("success"), col("test.best_corr"));
    let mut points: Vec<Vec<f64>> = Vec::new();
    for i in 0..summary.rows() {
        let p: Vec<f64> = keys.iter().map(|c| c[i]).collect();
        if !points.contains(&p) {
            points.push(p);
        }
    }
    println!("{:?} -> members, successes, median test corr", plan.swept());
    for p in points {
        let rows: Vec<usize> = (0..summary.rows())
            .filter(|&i| keys.iter().zip(&p).all(|(c, v)| c[i] == *v))
            .collect();
        let ok = rows.iter().filter(|&&i| success[i] == 1.0).count();
        let mut c: Vec<f64> = rows.iter().map(|&i| corr[i]).collect();
        c.sort_by(f64::total_cmp);
        println!("{p:?} -> {}, {ok}, {:.4}", rows.len(), c[c.len() / 2]);
    }
    println!("wrote {}", out.display());
    Ok(())
}
