//! Developer tasks for the `cnn` workspace, run as `cargo xtask <task>`.
//!
//! - `setup`: preflight; makes sure the HDF5 C library (for `hdf5-metno`) and
//!   python3 with h5py + numpy (for the end-to-end test) are present, installing them
//!   where it can.
//! - `test`: setup, then `cargo test`, `cargo doc` with `-D warnings`, the Python
//!   package's build and pytest suite (see [`python`]), and `check-arch`.
//! - `demo`: setup, then a release run of the `cnn` binary.
//! - `check-arch`: mechanical check of the architecture invariants (see [`arch`]).
//! - `bench`: our trainer against the NumPy/SciPy reference, one table (see [`mod@bench`]).
//! - `fuzz`: the fuzz targets of `fuzz/` for N minutes each (see [`mod@fuzz`]).
//!
//! Only `std` and `anyhow`: this crate must build on a bare machine.

mod arch;
mod bench;
mod cmd;
mod fuzz;
mod python;
mod setup;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Result};

use crate::cmd::{cargo, heading, run_status, Exit};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  setup [--require-python] [--no-install]
        Check for the HDF5 C library (pkg-config `hdf5`, or HDF5_DIR) and python3 with
        h5py + numpy; install what is missing (apt-get as root or via passwordless sudo;
        pip). Exit code 2 when HDF5 (or, with --require-python, the Python packages)
        cannot be provided. --no-install only checks and prints what to run.
  test [-- CARGO_TEST_ARGS...]
        setup --require-python, then `cargo test --workspace --locked` with
        CNN_SCIENCE=1 CNN_REQUIRE_PYTHON=1, then `cargo doc --workspace --no-deps`
        with RUSTDOCFLAGS=\"-D warnings\", then `pip install ./crates/cnn-py` into
        target/py-venv and its pytest suite, then check-arch.
  demo [ARGS...]
        setup, then `cargo run --release --locked -p cnn-cli --bin cnn -- run ARGS`
        (default ARGS: --out runs/fig2-periodic.h5 --force --plot); passes its exit code through.
  bench [--sizes 500,1000,2000,4000] [--seconds 1] [--threads 2] [--repeat 1] [--no-numpy]
        Release build of cnn-train's force_bench example, then for each N: our step,
        RLS update and its bytes-moved bound, wall s per simulated second (1 thread and
        --threads), and bench/reference/force_numpy.py (np.outer and BLAS dger rank-1,
        one BLAS thread, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset); one table with the
        ratios. --seconds is the simulated time at N = 1000, scaled by (1000/N)^2.
  fuzz [--minutes N] [--stable]
        Run each fuzz target of fuzz/ (config: TOML text into the config loader; csv:
        bytes into the CSV target loader) for N minutes (default 1) and print the
        executions and crashes per target; exit code 1 when one crashed. libFuzzer via
        `cargo +nightly fuzz` when nightly and cargo-fuzz are installed (crash inputs in
        fuzz/artifacts/TARGET/), else (or with --stable) the stable replay of
        tests/fuzz_replay.rs: the corpus plus seeded mutations for N minutes.
  check-arch
        Fail when cnn-core depends on HDF5/TOML/clap/rayon/serde/indicatif; when the
        layering breaks (cnn-core <- cnn-train, cnn-targets, cnn-io side by side <-
        cnn-experiment <- cnn-cli, cnn-py); when cnn-experiment depends on a terminal,
        signal or plotting crate (clap, indicatif, ctrlc, plotters, ...) or its sources
        print, exit or touch stdout/stderr outside tests; or when the modules of a
        crate depend on each other in a circle (each circle is listed).
";

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(err) => match err.downcast_ref::<Exit>() {
            Some(exit) => {
                eprintln!("\nxtask: error: {exit}");
                ExitCode::from(exit.code)
            }
            None => {
                eprintln!("\nxtask: error: {err:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn real_main() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    let root = project_root();
    match task.as_str() {
        "setup" => {
            let mut opts = setup::Options::default();
            for arg in rest {
                match arg.as_str() {
                    "--require-python" => opts.require_python = true,
                    "--no-install" => opts.no_install = true,
                    other => bail!("setup: unknown argument `{other}`\n\n{USAGE}"),
                }
            }
            setup::setup(&opts)?;
            Ok(ExitCode::SUCCESS)
        }
        "test" => test(&root, strip_separator(rest)),
        "demo" => demo(&root, strip_separator(rest)),
        "bench" => {
            bench::bench(&root, &bench::Options::parse(strip_separator(rest))?)?;
            Ok(ExitCode::SUCCESS)
        }
        "fuzz" => {
            let ok = fuzz::fuzz(&root, &fuzz::Options::parse(strip_separator(rest))?)?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "check-arch" => {
            if let Some(extra) = rest.first() {
                bail!("check-arch: unexpected argument `{extra}`");
            }
            heading("check-arch: architecture invariants");
            arch::check(&root)?;
            Ok(ExitCode::SUCCESS)
        }
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprint!("xtask: unknown task `{other}`\n\n{USAGE}");
            Ok(ExitCode::from(2))
        }
    }
}

/// `cargo xtask test -- --foo` arrives as `["--", "--foo"]`; drop the separator.
fn strip_separator(args: &[String]) -> &[String] {
    match args.split_first() {
        Some((first, rest)) if first == "--" => rest,
        _ => args,
    }
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

/// `cargo xtask test`: every check CI runs, in order; all steps after setup run even
/// when one fails, and a summary says which failed.
fn test(root: &Path, extra: &[String]) -> Result<ExitCode> {
    const STEPS: usize = 5;
    let started = Instant::now();

    heading(&format!("[1/{STEPS}] setup (preflight)"));
    setup::setup(&setup::Options {
        require_python: true,
        no_install: false,
    })?;

    let mut results: Vec<(&str, bool, f64)> = Vec::new();

    heading(&format!(
        "[2/{STEPS}] cargo test --workspace --locked (CNN_SCIENCE=1 CNN_SLURM=1 CNN_REQUIRE_PYTHON=1)"
    ));
    let t = Instant::now();
    // The Slurm test (tests/ensemble.rs) runs against a single-node cluster started here.
    let slurm = std::process::Command::new("bash")
        .arg(root.join("scripts/slurm-test-cluster.sh"))
        .status()
        .is_ok_and(|s| s.success());
    if !slurm {
        eprintln!(
            "note: no Slurm cluster (scripts/slurm-test-cluster.sh failed): Slurm test skipped"
        );
    }
    let mut c = cargo();
    c.current_dir(root)
        .args(["test", "--workspace", "--locked", "--no-fail-fast"])
        .args(extra)
        .env("CNN_SCIENCE", "1")
        .env("CNN_SLURM", if slurm { "1" } else { "0" })
        .env("CNN_REQUIRE_PYTHON", "1");
    let ok = run_status(&mut c)?.success();
    results.push(("cargo test", ok, t.elapsed().as_secs_f64()));

    heading(&format!(
        "[3/{STEPS}] cargo doc --workspace --no-deps (RUSTDOCFLAGS=-D warnings)"
    ));
    let t = Instant::now();
    let mut rustdocflags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
    if !rustdocflags.trim().is_empty() {
        rustdocflags.push(' ');
    }
    rustdocflags.push_str("-D warnings");
    let mut c = cargo();
    c.current_dir(root)
        .args(["doc", "--workspace", "--no-deps", "--locked"])
        .env("RUSTDOCFLAGS", rustdocflags);
    let ok = run_status(&mut c)?.success();
    results.push(("cargo doc", ok, t.elapsed().as_secs_f64()));

    heading(&format!(
        "[4/{STEPS}] Python package: pip install ./crates/cnn-py into target/py-venv, pytest"
    ));
    let t = Instant::now();
    let ok = match python::test(root) {
        Ok(ok) => ok,
        Err(err) => {
            eprintln!("Python package: {err:#}");
            false
        }
    };
    results.push(("python", ok, t.elapsed().as_secs_f64()));

    heading(&format!("[5/{STEPS}] check-arch: architecture invariants"));
    let t = Instant::now();
    let ok = match arch::check(root) {
        Ok(()) => true,
        Err(err) => {
            eprintln!("check-arch failed: {err:#}");
            false
        }
    };
    results.push(("check-arch", ok, t.elapsed().as_secs_f64()));

    heading("summary");
    for (name, ok, secs) in &results {
        let verdict = if *ok { "ok    " } else { "FAILED" };
        eprintln!("  {verdict} {name:<12} {secs:>7.1} s");
    }
    eprintln!("  total {:>20.1} s", started.elapsed().as_secs_f64());
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(name, _, _)| *name)
        .collect();
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("failed step(s): {}", failed.join(", "))
    }
}

/// `cargo xtask demo`: a release run of the CLI, exit code passed through.
fn demo(root: &Path, args: &[String]) -> Result<ExitCode> {
    heading("[1/2] setup (preflight)");
    setup::setup(&setup::Options::default())?;

    let runs = root.join("runs");
    std::fs::create_dir_all(&runs)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", runs.display()))?;
    let default_args = ["--out", "runs/fig2-periodic.h5", "--force", "--plot"].map(String::from);
    let args = if args.is_empty() {
        &default_args[..]
    } else {
        args
    };

    heading("[2/2] cnn run (release build)");
    let mut c = cargo();
    c.current_dir(root)
        .args([
            "run",
            "--release",
            "--locked",
            "-p",
            "cnn-cli",
            "--bin",
            "cnn",
            "--",
            "run",
        ])
        .args(args);
    let status = run_status(&mut c)?;
    let code = status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(1);
    Ok(ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::strip_separator;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_string()).collect()
    }

    #[test]
    fn extra_arguments_lose_one_leading_separator() {
        let args = strings(&["--", "-p", "cnn-core", "--", "--nocapture"]);
        assert_eq!(
            strip_separator(&args),
            &strings(&["-p", "cnn-core", "--", "--nocapture"])[..]
        );
        let args = strings(&["--config", "configs/fig2-triangle.toml"]);
        assert_eq!(strip_separator(&args), &args[..]);
        assert!(strip_separator(&[]).is_empty());
    }
}
