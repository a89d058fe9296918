//! Single runs survive kills (issue 7): `cnn run --checkpoint-every-*` killed at
//! pseudo-random moments with SIGKILL and SIGTERM, continued each time with `--resume`,
//! ends with a run file equal, field by field and bit for bit, to an uninterrupted run's.
//! No file ever appears under the output name before the run completes; `cnn info` and
//! `cnn plot` refuse the checkpoint (exit 2); a resume with another config is refused.

use crate::harness::{self, kill, s, Tiny};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole run file, as text with every float's bits (Debug prints f64 exactly).
fn contents(path: &Path) -> String {
    let rec = cnn_io::read_run(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{rec:?}")
}

#[test]
fn resume_after_kills_equals_the_uninterrupted_run() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let tiny = Tiny {
        n_g: 400,
        train_ms: 20000.0,
        test_ms: 2000.0,
        rates: 8,
        ..Tiny::default()
    };
    let cfg = harness::write(dir, "tiny.toml", &tiny.toml());
    let reference = dir.join("ref.h5");
    let t0 = Instant::now();
    harness::cnn(
        dir,
        &[
            "run",
            &cfg,
            "--out",
            &s(&reference),
            "--quiet",
            "--checkpoint-every-s",
            "0",
        ],
    )
    .expect_code(0);
    let full_ms = t0.elapsed().as_millis() as u64;
    assert!(!dir.join("ref.h5.checkpoint").exists());

    let out = dir.join("run.h5");
    let ckpt = dir.join("run.h5.checkpoint");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut kills, mut term_kills, mut resumed) = (0, 0, 0);
    for round in 0..14 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = full_ms / 25 + x % (full_ms / 25).max(1);
        let signal = if round % 2 == 0 { "-9" } else { "-TERM" };
        let mut args = vec![
            "run".to_string(),
            cfg.clone(),
            "--out".into(),
            s(&out),
            "--quiet".into(),
            "--checkpoint-every-steps".into(),
            "400".into(),
        ];
        if ckpt.exists() {
            args.push("--resume".into());
            resumed += 1;
        }
        let mut child = Command::new(harness::cnn_bin())
            .args(&args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(Duration::from_millis(delay));
        kill(child.id(), signal);
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        if status.code() == Some(0) {
            break;
        }
        kills += 1;
        assert!(
            !out.exists(),
            "kill {kills}: {} exists before completion",
            s(&out)
        );
        if signal == "-TERM" {
            term_kills += 1;
            assert_eq!(
                status.code(),
                Some(130),
                "SIGTERM exits 130: {status:?}\n{err}"
            );
            assert!(err.contains("--resume"), "{err}");
            assert!(ckpt.exists(), "SIGTERM writes a checkpoint\n{err}");
        }
        eprintln!("kill {kills} ({signal}) after {delay} ms of {full_ms}");
    }
    assert!(kills >= 10, "only {kills} kills before the run completed");
    assert!(
        term_kills >= 5 && resumed >= 9,
        "{term_kills} SIGTERM, {resumed} resumes"
    );

    // The checkpoint is not a run file.
    for cmd in [
        vec!["info", ckpt.to_str().unwrap_or("")],
        vec!["plot", ckpt.to_str().unwrap_or("")],
    ] {
        let o = harness::cnn(dir, &cmd);
        o.expect_code(2);
        assert!(
            o.stderr.contains("checkpoint of an unfinished run"),
            "{}",
            o.dump()
        );
    }
    // Another config is refused.
    harness::cnn(
        dir,
        &[
            "run",
            &cfg,
            "--out",
            &s(&out),
            "--resume",
            "--set",
            "training.alpha=2.0",
        ],
    )
    .expect_code(2);
    // Starting over without --force is refused while a checkpoint exists.
    harness::cnn(dir, &["run", &cfg, "--out", &s(&out), "--quiet"]).expect_code(2);

    let done = harness::cnn(
        dir,
        &["run", &cfg, "--out", &s(&out), "--resume", "--quiet"],
    );
    done.expect_code(0);
    assert!(!ckpt.exists(), "the checkpoint is removed on completion");
    assert_eq!(contents(&reference), contents(&out), "resumed run differs");
    let stray: Vec<String> = harness::run_outputs(dir)
        .into_iter()
        .filter(|n| n != "ref.h5" && n != "run.h5")
        .collect();
    assert!(stray.is_empty(), "stray files: {stray:?}");
}

/// Wall-clock checkpoints and a resume inside the test phase (the PCA accumulator is
/// restored too): equal to the uninterrupted run.
#[test]
fn resume_in_the_test_phase_keeps_the_pca() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let cfg = harness::write(dir, "tiny.toml", &Tiny::default().toml());
    let reference = dir.join("ref.h5");
    // A 100-unit net fails the success criterion (exit 1); the file is what counts.
    harness::cnn(dir, &["run", &cfg, "--out", &s(&reference), "--quiet"]).expect_code(1);
    let out = dir.join("run.h5");
    // 100 + 2000 + 600 steps: the first checkpoint is at step 2450, inside the test
    // phase; kill the run as soon as it appears and resume.
    let mut child = Command::new(harness::cnn_bin())
        .args([
            "run",
            &cfg,
            "--out",
            &s(&out),
            "--quiet",
            "--checkpoint-every-steps",
            "2450",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let ckpt = dir.join("run.h5.checkpoint");
    let t0 = Instant::now();
    while !ckpt.exists() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    kill(child.id(), "-9");
    let _ = child.wait();
    if ckpt.exists() {
        harness::cnn(
            dir,
            &["run", &cfg, "--out", &s(&out), "--resume", "--quiet"],
        )
        .expect_code(1);
    }
    assert!(
        out.exists(),
        "the run neither completed nor left a checkpoint"
    );
    assert_eq!(contents(&reference), contents(&out));
}
