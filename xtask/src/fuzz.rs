//! `cargo xtask fuzz`: the libFuzzer targets of `fuzz/` for a given time each, with
//! executions and crashes per target.
//!
//! With cargo-fuzz and a nightly toolchain, each target runs under libFuzzer on a scratch
//! copy of its committed corpus (`fuzz/corpus/<target>` is read, never written); a crash
//! is saved in `fuzz/artifacts/<target>/` and the target is restarted until its time is
//! up. Without them, the stable replay test (`tests/fuzz_replay.rs`: corpus plus seeded
//! mutations through the same entry functions) runs for the same time instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cmd::{cargo, display, heading, run_status, succeeds};

/// The fuzz targets (`fuzz/fuzz_targets/<name>.rs`).
pub(crate) const TARGETS: [&str; 2] = ["config", "csv"];

/// Options of `cargo xtask fuzz`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    /// Minutes per target.
    pub(crate) minutes: f64,
    /// Use the stable replay even if libFuzzer is available.
    pub(crate) stable: bool,
}

impl Options {
    /// Parses `[--minutes N] [--stable]`.
    pub(crate) fn parse(args: &[String]) -> Result<Self> {
        let mut opts = Self {
            minutes: 1.0,
            stable: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--minutes" => {
                    let v = it.next().context("fuzz: --minutes needs a value")?;
                    opts.minutes = match v.parse::<f64>() {
                        Ok(m) if m.is_finite() && m > 0.0 && m <= 24.0 * 60.0 => m,
                        _ => bail!(
                            "fuzz: --minutes {v}: give a number of minutes > 0 (at most 1440)"
                        ),
                    };
                }
                "--stable" => opts.stable = true,
                other => bail!("fuzz: unknown argument `{other}`"),
            }
        }
        Ok(opts)
    }
}

/// What one target did.
struct Tally {
    target: &'static str,
    executions: u64,
    crashes: Vec<PathBuf>,
}

/// `cargo xtask fuzz`.
pub(crate) fn fuzz(root: &Path, opts: &Options) -> Result<bool> {
    let per_target = Duration::from_secs_f64(opts.minutes * 60.0);
    let libfuzzer = !opts.stable && libfuzzer_available();
    let tallies = if libfuzzer {
        run_libfuzzer(root, per_target)?
    } else {
        if !opts.stable {
            eprintln!(
                "note: libFuzzer needs a nightly toolchain and cargo-fuzz \
                 (`rustup toolchain install nightly`, `cargo install cargo-fuzz`); \
                 running the stable replay (corpus + seeded mutations) instead"
            );
        }
        run_stable(root, per_target)?
    };
    heading(&format!(
        "fuzz summary ({}, {} min per target)",
        if libfuzzer {
            "libFuzzer"
        } else {
            "stable replay"
        },
        opts.minutes
    ));
    for t in &tallies {
        eprintln!(
            "  {:<8} {:>12} executions {:>4} crashes",
            t.target,
            t.executions,
            t.crashes.len()
        );
        for c in &t.crashes {
            eprintln!("           crash input: {}", c.display());
        }
    }
    let crashed = tallies.iter().any(|t| !t.crashes.is_empty());
    if crashed {
        eprintln!(
            "  reproduce: cargo +nightly fuzz run TARGET CRASH_FILE (in fuzz/); keep it as a \
             regression in fuzz/regressions/TARGET/"
        );
    }
    Ok(!crashed)
}

fn libfuzzer_available() -> bool {
    succeeds(Command::new("cargo").args(["+nightly", "fuzz", "--version"]))
}

/// The cargo target directory for the fuzz build: `$CARGO_TARGET_DIR/fuzz` or
/// `target/fuzz`.
fn fuzz_target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("fuzz")
}

fn cargo_fuzz(root: &Path) -> Command {
    // `cargo` from PATH (the rustup proxy) so that `+nightly` works; not $CARGO, which
    // is the stable cargo running xtask.
    let mut c = Command::new("cargo");
    c.current_dir(root.join("fuzz")).arg("+nightly").arg("fuzz");
    c
}

fn run_libfuzzer(root: &Path, per_target: Duration) -> Result<Vec<Tally>> {
    let target_dir = fuzz_target_dir(root);
    heading("cargo +nightly fuzz build");
    let mut build = cargo_fuzz(root);
    build.arg("build").arg("--target-dir").arg(&target_dir);
    if !run_status(&mut build)?.success() {
        bail!("the fuzz targets do not build: {}", display(&build));
    }
    let mut tallies = Vec::new();
    for target in TARGETS {
        heading(&format!(
            "fuzz {target} for {:.1} min (libFuzzer)",
            per_target.as_secs_f64() / 60.0
        ));
        let scratch = target_dir.join("corpus").join(target);
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("cannot create {}", scratch.display()))?;
        let artifacts = root.join("fuzz/artifacts").join(target);
        std::fs::create_dir_all(&artifacts)
            .with_context(|| format!("cannot create {}", artifacts.display()))?;
        let before = files_in(&artifacts);
        let started = Instant::now();
        let mut executions = 0;
        while let Some(left) = per_target.checked_sub(started.elapsed()) {
            let secs = left.as_secs();
            if secs == 0 {
                break;
            }
            let mut c = cargo_fuzz(root);
            c.args(["run", target])
                .arg("--target-dir")
                .arg(&target_dir)
                .arg(&scratch)
                .arg(root.join("fuzz/corpus").join(target))
                .arg(root.join("fuzz/regressions").join(target))
                .arg("--")
                .arg(format!("-max_total_time={secs}"))
                .arg(format!("-artifact_prefix={}/", artifacts.display()))
                .args(["-timeout=10", "-rss_limit_mb=4096", "-max_len=8192"])
                .arg("-print_final_stats=1");
            eprintln!("$ {}", display(&c));
            let out = c
                .output()
                .with_context(|| format!("cannot start `{}`", display(&c)))?;
            let text = String::from_utf8_lossy(&out.stderr);
            executions += text
                .lines()
                .filter_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
                .filter_map(|n| n.trim().parse::<u64>().ok())
                .sum::<u64>();
            let crashed = text.contains("Test unit written to");
            if !out.status.success() {
                // The panic message and the crash report, or why it failed to start.
                let lines: Vec<&str> = text.lines().collect();
                for (i, l) in lines.iter().enumerate() {
                    if l.contains("panicked at") {
                        eprintln!("  | {l}");
                        eprintln!("  | {}", lines.get(i + 1).unwrap_or(&""));
                    }
                }
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                for l in tail.iter().rev() {
                    eprintln!("  | {l}");
                }
                if !crashed {
                    bail!("libFuzzer failed without a crash input: {}", display(&c));
                }
            } else {
                break;
            }
        }
        let crashes = files_in(&artifacts)
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        tallies.push(Tally {
            target,
            executions,
            crashes,
        });
    }
    Ok(tallies)
}

fn run_stable(root: &Path, per_target: Duration) -> Result<Vec<Tally>> {
    let mut tallies = Vec::new();
    for target in TARGETS {
        heading(&format!(
            "fuzz {target} for {:.1} min (stable replay)",
            per_target.as_secs_f64() / 60.0
        ));
        let mut c = cargo();
        c.current_dir(root)
            .args(["test", "-p", "cnn-cli", "--test", "cli"])
            .arg(format!("fuzz_replay::fuzz_corpus_and_mutations_{target}"))
            .args(["--", "--exact", "--nocapture"])
            .env("CNN_FUZZ_SECONDS", per_target.as_secs().max(1).to_string());
        eprintln!("$ {}", display(&c));
        let out = c
            .output()
            .with_context(|| format!("cannot start `{}`", display(&c)))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let stat = |key: &str| {
            text.lines()
                .filter_map(|l| l.split_once(&format!("{key}: ")))
                .filter_map(|(_, n)| n.trim().parse::<u64>().ok())
                .next()
        };
        let Some(executions) = stat("fuzz executions") else {
            eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
            bail!(
                "the replay test did not report its executions: {}",
                display(&c)
            );
        };
        let n_crashes = stat("fuzz crashes").unwrap_or(0);
        if n_crashes > 0 {
            eprintln!("{text}");
        }
        tallies.push(Tally {
            target,
            executions,
            crashes: (0..n_crashes)
                .map(|i| PathBuf::from(format!("(stable replay: panic {i}, input printed above)")))
                .collect(),
        });
    }
    Ok(tallies)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_string()).collect()
    }

    #[test]
    fn options_parse_minutes_and_refuse_nonsense() {
        let o = Options::parse(&strings(&["--minutes", "2.5"])).expect("valid");
        assert_eq!(o.minutes, 2.5);
        assert!(!o.stable);
        assert!(
            Options::parse(&strings(&["--stable"]))
                .expect("valid")
                .stable
        );
        for bad in [
            &["--minutes"][..],
            &["--minutes", "0"],
            &["--minutes", "nan"],
            &["-x"],
        ] {
            assert!(Options::parse(&strings(bad)).is_err(), "{bad:?}");
        }
    }
}
