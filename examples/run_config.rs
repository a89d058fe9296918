//! Run a preset or a TOML config in-process, exactly as `cnn run` does, and write the same
//! run file (same datasets and values; only wall-time attributes may differ).
//!
//! ```text
//! cargo run --release -p cnn-experiment --example run_config -- fig2-matlab --out m.h5 \
//!     --set network.g_gg=1.2
//! ```

use cnn_experiment::{parse_overrides, run, Cancel, ConfigText, Output, RunOptions};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = None;
    let mut set = Vec::new();
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--set" => set.push(args.next().ok_or("--set needs KEY=VALUE")?),
            "--out" => out = Some(PathBuf::from(args.next().ok_or("--out needs a file")?)),
            _ => config = Some(a),
        }
    }
    let exp = ConfigText::resolve(config.as_deref())?.experiment(&parse_overrides(&set)?)?;
    let output = Output {
        path: out.unwrap_or_else(|| PathBuf::from(format!("{}.h5", exp.name()))),
        force: true,
    };
    let options = RunOptions {
        output: Some(&output),
        ..RunOptions::default()
    };
    let record = run(&exp, &options, &mut [], &Cancel::new())?;
    for m in &record.metrics {
        let corr = m.values.iter().find(|(n, _)| n == "best_corr");
        println!(
            "{:<12} best corr {:?}",
            m.phase.name(),
            corr.map(|(_, v)| v)
        );
    }
    println!(
        "status {}, success {:?}; wrote {}",
        record.meta.status.name(),
        record.success,
        output.path.display()
    );
    Ok(())
}
